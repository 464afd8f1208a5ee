//! Server-side plumbing: configuration, state, database, HTTP, jobs, telemetry, and the
//! subcommands the binary runs.

pub mod client_ip;
pub mod config;
pub mod csrf;
pub mod db;
pub mod geoip;
pub mod http;
pub mod jobs;
pub mod key_rotation;
pub mod metrics;
pub mod rate_limit;
pub mod secrets;
pub mod state;
pub mod telemetry;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

pub use config::Config;
pub use state::{app_state, AppState};

/// Every job kind and schedule this build runs.
pub fn job_registry(config: &Config) -> anyhow::Result<jobs::Registry> {
    let mailer = std::sync::Arc::new(crate::email::Mailer::from_config(&config.email)?);
    let registry = jobs::Registry::new().register(crate::email::service::DeliverEmail { mailer });
    let registry = crate::accounts::housekeeping::register(registry);
    let secrets = config
        .master_key
        .as_ref()
        .and_then(|k| secrets::SecretBox::parse(k.expose()).ok())
        .map(std::sync::Arc::new);
    let store = std::sync::Arc::new(crate::storage::Store::from_config(&config.storage, secrets.as_deref()));
    let registry = crate::workspaces::housekeeping::register(registry, store.clone());
    let registry = crate::recordings::housekeeping::register(registry, store.clone(), config.storage.trash_days);
    let registry = crate::transcription::pipeline::register(registry, store, config, secrets)?;
    let registry = crate::backups::register(registry, config);
    let registry = crate::storage::cdn::register(registry, &config.storage)?;
    Ok(jobs::maintenance::register(registry))
}

fn worker_options(config: &Config) -> jobs::WorkerOptions {
    let mut options = jobs::WorkerOptions::new(config.jobs.concurrency, config.jobs.heartbeat, config.shutdown_grace);
    options.queue_concurrency = config.jobs.queue_concurrency.clone().into_iter().collect();
    // whisper.cpp collapses when two runs compete for the cores: one local transcription at a time.
    options
        .queue_concurrency
        .insert(crate::transcription::pipeline::LOCAL_QUEUE.to_owned(), 1);
    // Each render runs two ffmpeg processes.
    options
        .queue_concurrency
        .insert(crate::transcription::pipeline::RENDER_QUEUE.to_owned(), 1);
    options
}

/// `audiotricks migrate`
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    db::migrate(&config.database).await?;
    tracing::info!(migrations = db::MIGRATOR.iter().count(), "database is up to date");
    Ok(())
}

/// `audiotricks audit verify`: recomputes the audit log's hash chain. Ok(false) when broken.
pub async fn audit_verify(config: &Config) -> anyhow::Result<bool> {
    use crate::audit::service::{verify, Verification};
    let pool = db::connect_app_pool(&config.database).await?;
    let mut conn = pool.acquire().await?;
    let verdict = verify(&mut conn).await.context("reading the audit log")?;
    match verdict {
        Verification::Intact { rows } => {
            println!("audit log intact: {rows} entries verified");
            Ok(true)
        }
        Verification::Broken {
            rows_checked,
            first_bad_id,
            reason,
        } => {
            println!("audit log BROKEN at entry {first_bad_id}: {reason} ({rows_checked} entries checked)");
            Ok(false)
        }
    }
}

/// `audiotricks admin create --email ADDRESS`: Ok(false) when the input was refused.
pub async fn admin_create(config: &Config, email: &str, name: &str, password: &str) -> anyhow::Result<bool> {
    use crate::admin::service::{create_admin, AdminCreated};
    let pool = db::connect_app_pool(&config.database).await?;
    let outcome = create_admin(&pool, email, name, password).await;
    pool.close().await;
    match outcome {
        Ok(AdminCreated::New) => println!("created platform admin {email}; they can log in now"),
        Ok(AdminCreated::Promoted) => {
            println!("{email} already had an account: it is now a platform admin (its password is unchanged)")
        }
        Ok(AdminCreated::AlreadyAdmin) => println!("{email} is already a platform admin; nothing changed"),
        Err(crate::error::AppError::Validation(invalid)) => {
            for (field, message) in &invalid.fields {
                eprintln!("{field}: {message}");
            }
            return Ok(false);
        }
        Err(e) => anyhow::bail!("{e}"),
    }
    Ok(true)
}

/// `audiotricks email test --to ADDRESS`: sends the test email now through the configured backend
/// and reports what happened; a retryable failure is left to the delivery job.
pub async fn email_test(config: &Config, to: &str) -> anyhow::Result<bool> {
    use crate::email::{delivery::Outgoing, service, templates::TestEmail, Mailer};
    let mailer = Mailer::from_config(&config.email)?;
    let email = TestEmail {
        app_url: config.public_url.as_str().to_owned(),
        backend: mailer.name().to_owned(),
        requested_by: "an operator, with `audiotricks email test`".to_owned(),
    }
    .render()?;
    let pool = db::connect_app_pool(&config.database).await?;
    let mut tx = pool.begin().await?;
    let id = service::queue(&mut tx, to, "test", &email)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit().await?;
    let outgoing = Outgoing::of(id, to, "test", &email);
    match service::deliver_and_record(&pool, &mailer, &outgoing).await? {
        Ok(service::Handled::Delivered) => {
            println!("test email {id} to {to}: delivered through {}", mailer.name());
            Ok(true)
        }
        Ok(service::Handled::Elsewhere) => {
            println!(
                "test email {id} to {to}: queued; a running worker picked it up first (see /dev/mailbox or the logs)"
            );
            Ok(true)
        }
        Err(e) => {
            println!("test email {id} to {to}: {e}");
            Ok(false)
        }
    }
}

/// `audiotricks serve`: migrate, then serve HTTP (and run workers unless told not to) until
/// SIGINT/SIGTERM; in-flight requests and running jobs get the grace period to finish.
/// `audiotricks backup create`
pub async fn backup_create(config: &Config) -> anyhow::Result<()> {
    let m = crate::backups::create(config).await?;
    println!(
        "backup {}: database {} bytes (sha256 {}), {} tables, {} stored files",
        m.id,
        m.database.bytes,
        &m.database.sha256[..16],
        m.tables.len(),
        m.objects.len()
    );
    Ok(())
}

/// `audiotricks backup list`
pub async fn backup_list(config: &Config) -> anyhow::Result<()> {
    let backups = crate::backups::list(config).await?;
    if backups.is_empty() {
        println!("no backups yet: make one with `audiotricks backup create`");
        return Ok(());
    }
    println!(
        "{:<17} {:<22} {:>14} {:>9} {:>8}",
        "id", "made", "database bytes", "rows", "files"
    );
    for m in backups {
        println!(
            "{:<17} {:<22} {:>14} {:>9} {:>8}",
            m.id,
            m.created_at,
            m.database.bytes,
            m.tables.values().sum::<i64>(),
            m.objects.len()
        );
    }
    Ok(())
}

/// `audiotricks backup restore <id>`: Ok(false) when the restored data differs from the manifest.
pub async fn backup_restore(config: &Config, id: &str) -> anyhow::Result<bool> {
    let report = crate::backups::restore(config, id).await?;
    println!(
        "restored backup {id}: {} tables, {} rows; {} stored files listed",
        report.tables, report.rows, report.objects
    );
    for (table, expected, found) in &report.row_differences {
        println!("  {table}: {found} rows, the backup had {expected}");
    }
    for key in &report.missing_objects {
        println!("  missing file: {key}");
    }
    for key in &report.changed_objects {
        println!("  changed file: {key}");
    }
    if report.intact() {
        println!("every row and stored file matches the manifest");
    }
    Ok(report.intact())
}

/// `audiotricks storage setup`: checks the store, then applies its lifecycle and CORS rules.
/// Ok(false) when the store does not answer.
pub async fn storage_setup(config: &Config) -> anyhow::Result<bool> {
    let secrets = config
        .master_key
        .as_ref()
        .and_then(|k| secrets::SecretBox::parse(k.expose()).ok());
    let store = crate::storage::Store::from_config(&config.storage, secrets.as_ref());
    let unsupported = match store.setup(config.public_url.as_str(), config.storage.trash_days).await {
        Ok(unsupported) => unsupported,
        Err(e) => {
            eprintln!("storage ({}) does not answer: {e}", store.name());
            return Ok(false);
        }
    };
    if let Err(e) = store.check().await {
        eprintln!("storage ({}) does not answer: {e}", store.name());
        return Ok(false);
    }
    match store.name() {
        "S3" if unsupported.is_empty() => println!(
            "storage (S3) answers; lifecycle rules (abandoned uploads after 7 days, trash/ after {} days) and CORS for {} are set",
            config.storage.trash_days + 1,
            config.public_url.as_str()
        ),
        "S3" => println!(
            "storage (S3) answers; this store does not support {}: configure them on the bucket by hand",
            unsupported.join(" or ")
        ),
        name => println!("storage ({name}) answers; it needs no rules"),
    }
    Ok(true)
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    db::migrate(&config.database).await?;
    if matches!(config.storage.backend, config::StorageBackend::S3(_)) {
        // Rules are idempotent; a store that refuses them still serves (the log says why).
        if let Err(e) = storage_setup(&config).await {
            tracing::warn!(error = %format!("{e:#}"), "could not apply the bucket's rules");
        }
    }
    let pool = db::connect_app_pool(&config.database).await?;
    let listener = tokio::net::TcpListener::bind(config.addr).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "address {} is already in use: stop the other program or set LEPTOS_SITE_ADDR to a free address",
                config.addr
            )
        } else {
            anyhow::Error::new(e).context(format!("binding {}", config.addr))
        }
    })?;
    let registry = job_registry(&config)?;
    let shutdown = shutdown_signal();
    let workers = config.run_workers.then(|| {
        tokio::spawn(jobs::run_workers(
            pool.clone(),
            registry,
            worker_options(&config),
            shutdown.clone(),
        ))
    });
    let grace = config.shutdown_grace;
    let rate_limiter = match &config.redis_url {
        Some(url) => rate_limit::RateLimiter::redis(url.expose()).await?,
        None => rate_limit::RateLimiter::in_process(),
    };
    let mut state = AppState::new(config, pool.clone());
    state.rate_limiter = std::sync::Arc::new(rate_limiter);
    tracing::info!(addr = %state.config.addr, public_url = state.config.public_url.as_str(), "serving AudioTricks");

    // Streamed pages go out in several writes; without TCP_NODELAY, Nagle's algorithm and the
    // client's delayed ACK hold each later chunk back ~40 ms on keep-alive connections.
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    let server = axum::serve(
        listener,
        http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.clone().cancelled_owned());
    let server = tokio::spawn(async move { server.await });
    // Workers only end on shutdown; if they end before it, the process must not go on serving
    // without them: stop and let the supervisor restart us.
    let mut workers = workers.unwrap_or_else(|| tokio::spawn(std::future::pending()));
    let workers_failed = tokio::select! {
        _ = shutdown.cancelled() => None,
        result = &mut workers => {
            shutdown.cancel();
            Some(match result {
                Ok(Ok(())) => anyhow::anyhow!("background workers stopped unexpectedly"),
                Ok(Err(e)) => e.context("background workers failed"),
                Err(e) => anyhow::Error::new(e).context("background workers panicked"),
            })
        }
    };
    match tokio::time::timeout(grace, server).await {
        Ok(result) => result.context("server task")?.context("HTTP server")?,
        Err(_) => tracing::warn!("requests still open after the grace period; closing them"),
    }
    if let Some(error) = workers_failed {
        pool.close().await;
        return Err(error);
    }
    workers.await.context("worker task")??;
    pool.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// `audiotricks worker`: run jobs only, no HTTP.
pub async fn worker(config: Config) -> anyhow::Result<()> {
    let pool = db::connect_app_pool(&config.database).await?;
    let current = db::migration_status(&pool).await?;
    anyhow::ensure!(
        current.is_current(),
        "the database has {} of {} migrations: run `audiotricks migrate` first",
        current.applied,
        current.expected
    );
    let registry = job_registry(&config)?;
    let shutdown = shutdown_signal();
    jobs::run_workers(pool.clone(), registry, worker_options(&config), shutdown).await?;
    pool.close().await;
    Ok(())
}

/// Cancelled on the first SIGINT or SIGTERM.
pub fn shutdown_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
        tracing::info!("shutdown requested; draining");
        trigger.cancel();
    });
    token
}
