//! Per-test databases cloned from a migrated template (as crates.io does), and app state.
//!
//! Needs DATABASE_URL (owner role, with CREATEDB) and APP_DATABASE_URL (app role) pointing at
//! the same server; `make test` provides both.

use std::{collections::HashMap, path::Path, time::Duration};

use app::server::jobs::{run_workers, Registry, WorkerOptions};
use app::server::{config::Config, db::MIGRATOR, AppState};
use sqlx::{postgres::PgPoolOptions, Connection, PgConnection, PgPool};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

pub struct TestDb {
    /// Owner role: for arranging fixtures the app role may not touch.
    pub owner: PgPool,
    /// App role: what the server uses.
    pub app: PgPool,
    pub owner_url: String,
    pub app_url: String,
}

fn env(key: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| panic!("{key} must be set for integration tests (run `make test`)"))
}

fn with_database(url: &str, db: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("database URL has a path");
    format!("{base}/{db}")
}

async fn admin() -> PgConnection {
    PgConnection::connect(&env("DATABASE_URL"))
        .await
        .expect("connect as owner")
}

/// Creates the migrated template once per migration set; concurrent test processes serialise on
/// an advisory lock.
async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let digest = MIGRATOR.iter().fold(0u64, |acc, m| {
                m.checksum
                    .iter()
                    .fold(acc, |h, b| h.rotate_left(5) ^ u64::from(*b))
                    .wrapping_mul(31)
            });
            let name = format!("at_tpl_{digest:016x}");
            let mut conn = admin().await;
            sqlx::query("select pg_advisory_lock(727271)")
                .execute(&mut conn)
                .await
                .unwrap();
            let exists: bool = sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
                .bind(&name)
                .fetch_one(&mut conn)
                .await
                .unwrap();
            if !exists {
                sqlx::query(&format!("create database {name}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let url = with_database(&env("DATABASE_URL"), &name);
                let mut tpl = PgConnection::connect(&url).await.unwrap();
                MIGRATOR
                    .run(&mut tpl)
                    .await
                    .expect("migrations apply to a fresh database");
                tpl.close().await.unwrap();
            }
            drop_stale_test_databases(&mut conn).await;
            sqlx::query("select pg_advisory_unlock(727271)")
                .execute(&mut conn)
                .await
                .unwrap();
            name
        })
        .await
}

/// Test databases older than an hour belong to finished runs.
async fn drop_stale_test_databases(conn: &mut PgConnection) {
    let cutoff = chrono::Utc::now().timestamp() - 3600;
    let names: Vec<String> = sqlx::query_scalar("select datname from pg_database where datname like 'at_test_%'")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    for name in names {
        let created: i64 = name.split('_').nth(2).and_then(|t| t.parse().ok()).unwrap_or(0);
        if created < cutoff {
            let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
                .execute(&mut *conn)
                .await;
        }
    }
}

impl TestDb {
    pub async fn new() -> Self {
        let template = template().await;
        let name = format!(
            "at_test_{}_{}",
            chrono::Utc::now().timestamp(),
            uuid::Uuid::new_v4().simple()
        );
        Self::create(&format!("create database {name} template {template}"), name).await
    }

    /// A database with no migrations applied.
    pub async fn unmigrated() -> Self {
        template().await;
        let name = format!(
            "at_test_{}_{}",
            chrono::Utc::now().timestamp(),
            uuid::Uuid::new_v4().simple()
        );
        Self::create(&format!("create database {name}"), name).await
    }

    async fn create(sql: &str, name: String) -> Self {
        // `name` is only used to derive the URLs below.
        let mut conn = admin().await;
        sqlx::query(sql).execute(&mut conn).await.unwrap();
        let owner_url = with_database(&env("DATABASE_URL"), &name);
        let app_url = with_database(&env("APP_DATABASE_URL"), &name);
        let owner = PgPoolOptions::new()
            .max_connections(4)
            .connect(&owner_url)
            .await
            .unwrap();
        let app = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&app_url)
            .await
            .unwrap();
        Self {
            owner,
            app,
            owner_url,
            app_url,
        }
    }

    /// This database's name.
    pub fn name(&self) -> &str {
        self.owner_url.rsplit_once('/').expect("database URL has a path").1
    }

    /// The backup role (it bypasses Row-Level Security) on this database.
    pub fn backup_url(&self) -> String {
        with_database(&env("BACKUP_DATABASE_URL"), self.name())
    }

    /// Closes this database's pools and drops it.
    pub async fn close_and_drop(&self) {
        self.app.close().await;
        self.owner.close().await;
        let mut conn = admin().await;
        sqlx::query(&format!("drop database {}", self.name()))
            .execute(&mut conn)
            .await
            .unwrap();
    }

    pub fn config(&self, extra: &[(&str, &str)]) -> Config {
        let mut env: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".into(), self.owner_url.clone()),
            ("APP_DATABASE_URL".into(), self.app_url.clone()),
            // 32 bytes of 0x07: a fixed test key for secrets at rest.
            (
                "MASTER_KEY".into(),
                "test:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=".into(),
            ),
        ]);
        env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Config::from_sources(Path::new("test"), "", &env).expect("test config is valid")
    }

    pub fn state(&self, extra: &[(&str, &str)]) -> AppState {
        AppState::new(self.config(extra), self.app.clone())
    }
}

/// Polls `check` until it returns Some, or panics after `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub const WAIT: Duration = Duration::from_secs(20);

/// Worker timings shrunk so tests see retries, leases and ticks in milliseconds.
pub fn fast_options() -> WorkerOptions {
    WorkerOptions {
        concurrency: 2,
        queue_concurrency: Default::default(),
        heartbeat: Duration::from_millis(200),
        lease: Duration::from_secs(1),
        tick: Duration::from_millis(50),
        retry_base: Duration::from_millis(100),
        retry_max: Duration::from_secs(5),
        shutdown_grace: Duration::from_secs(5),
    }
}

/// Workers running in this test's runtime until `stop`.
pub struct Workers {
    stop: CancellationToken,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Workers {
    pub fn start(pool: &PgPool, registry: Registry, options: WorkerOptions) -> Self {
        let stop = CancellationToken::new();
        let handle = tokio::spawn(run_workers(pool.clone(), registry, options, stop.clone()));
        Self { stop, handle }
    }

    pub async fn stop(self) {
        self.stop.cancel();
        self.handle.await.unwrap().unwrap();
    }
}
