//! The server binary as an operator runs it: subcommands, config errors, ports, shutdown.
//! Needs DATABASE_URL / APP_DATABASE_URL like the other integration tests (`make test`).

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_audiotricks");

fn env(key: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| panic!("{key} must be set (run `make test`)"))
}

fn with_database(url: &str, db: &str) -> String {
    format!("{}/{db}", url.rsplit_once('/').unwrap().0)
}

struct Database {
    owner_url: String,
    app_url: String,
}

impl Database {
    /// The variables that point the binary at this database.
    fn vars(&self) -> [(&'static str, &str); 2] {
        [
            ("DATABASE_URL", self.owner_url.as_str()),
            ("APP_DATABASE_URL", self.app_url.as_str()),
        ]
    }

    /// A fresh database set up by the binary's own `migrate`.
    fn migrated() -> Self {
        let db = fresh_database();
        let migrate = audiotricks(&["migrate"], &db.vars()).output().unwrap();
        assert!(migrate.status.success(), "{}", stderr_of(&migrate));
        db
    }
}

/// A fresh, empty database.
fn fresh_database() -> Database {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!(
        "at_test_{}_cli{}x{n}",
        std::time::UNIX_EPOCH.elapsed().unwrap().as_secs(),
        std::process::id()
    );
    let psql = Command::new("psql")
        .args([
            env("DATABASE_URL").as_str(),
            "-X",
            "-q",
            "-c",
            &format!("drop database if exists {name}"),
            "-c",
            &format!("create database {name}"),
        ])
        .output()
        .expect("psql runs");
    assert!(psql.status.success(), "{}", String::from_utf8_lossy(&psql.stderr));
    Database {
        owner_url: with_database(&env("DATABASE_URL"), &name),
        app_url: with_database(&env("APP_DATABASE_URL"), &name),
    }
}

fn free_addr() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

fn audiotricks(args: &[&str], vars: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("RUST_LOG").env(
        "AUDIOTRICKS_CONFIG",
        concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"),
    );
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

fn http_get(addr: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn wait_with_timeout(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_invalid_setting_exits_2_and_names_it() {
    let output = audiotricks(
        &["migrate"],
        &[
            ("DATABASE_URL", "postgres://x@127.0.0.1/x"),
            ("APP_DATABASE_URL", "postgres://y@127.0.0.1/y"),
            ("JOBS_CONCURRENCY", "lots"),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_of(&output);
    assert!(
        err.contains("jobs.concurrency") && err.contains("JOBS_CONCURRENCY"),
        "{err}"
    );
}

#[test]
fn a_missing_database_url_is_explained() {
    let output = audiotricks(&["serve"], &[])
        .env_remove("DATABASE_URL")
        .env_remove("APP_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("set the environment variable DATABASE_URL"));
}

#[test]
fn unknown_flags_are_rejected() {
    let output = audiotricks(&["serve", "--frobnicate"], &[]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("--frobnicate"));
}

#[test]
fn migrate_then_serve_then_sigterm_stops_cleanly() {
    let db = Database::migrated();
    let [owner, app] = db.vars();

    let addr = free_addr();
    let vars = [owner, app, ("LEPTOS_SITE_ADDR", addr.as_str()), ("LOG_FORMAT", "json")];
    let mut server = audiotricks(&["serve"], &vars)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let ready = loop {
        if let Some(r) = http_get(&addr, "/readyz") {
            break r;
        }
        assert!(Instant::now() < deadline, "server did not come up");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(ready.contains(r#""ready":true"#));

    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = wait_with_timeout(&mut server, Duration::from_secs(20));
    let mut logs = String::new();
    server.stdout.take().unwrap().read_to_string(&mut logs).unwrap();
    let mut errors = String::new();
    server.stderr.take().unwrap().read_to_string(&mut errors).unwrap();
    assert!(
        status.success(),
        "exit status {status:?}\nstdout:\n{logs}\nstderr:\n{errors}"
    );
    assert!(logs.contains("stopped cleanly"), "{logs}");
    assert!(
        logs.lines()
            .any(|l| l.starts_with('{') && l.contains(r#""level":"INFO""#)),
        "JSON logs: {logs}"
    );
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql")
        .args([url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn audit_verify_reports_an_intact_log_and_names_a_tampered_entry() {
    let database = Database::migrated();
    let db = database.vars();

    let intact = audiotricks(&["audit", "verify"], &db).output().unwrap();
    assert!(intact.status.success(), "{}", stderr_of(&intact));
    assert!(String::from_utf8_lossy(&intact.stdout).contains("audit log intact: 1 entries verified"));

    psql(
        &database.owner_url,
        "begin; alter table audit_log disable trigger audit_log_append_only;
         update audit_log set metadata = '{}'; alter table audit_log enable trigger audit_log_append_only; commit;",
    );
    let broken = audiotricks(&["audit", "verify"], &db).output().unwrap();
    assert_eq!(broken.status.code(), Some(1));
    let out = String::from_utf8_lossy(&broken.stdout);
    assert!(
        out.contains("audit log BROKEN at entry 1") && out.contains("edited"),
        "{out}"
    );
}

#[test]
fn email_test_sends_through_smtp_and_refuses_a_bad_address() {
    let database = Database::migrated();
    let db = database.vars();
    let smtp = format!("smtp://127.0.0.1:{}", env("MAILDEV_SMTP_PORT"));
    let [owner, app] = db;
    let vars = [owner, app, ("EMAIL_BACKEND", "smtp"), ("SMTP_URL", smtp.as_str())];

    let sent = audiotricks(&["email", "test", "--to", "ops@example.com"], &vars)
        .output()
        .unwrap();
    assert!(sent.status.success(), "{}", stderr_of(&sent));
    assert!(String::from_utf8_lossy(&sent.stdout).contains("delivered through smtp"));

    let refused = audiotricks(&["email", "test", "--to", "not-an-address"], &vars)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr_of(&refused).contains("is not an email address"),
        "{}",
        stderr_of(&refused)
    );
}

#[test]
fn a_busy_port_gets_a_clear_message() {
    let db = fresh_database();
    let [owner, app] = db.vars();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = audiotricks(&["serve"], &[owner, app, ("LEPTOS_SITE_ADDR", addr.as_str())])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_of(&output).contains("already in use"), "{}", stderr_of(&output));
}

#[test]
fn admin_create_takes_the_password_from_the_environment_and_refuses_weak_ones() {
    let database = Database::migrated();
    let [owner, app] = database.vars();
    let weak = audiotricks(
        &["admin", "create", "--email", "ops@example.com"],
        &[owner, app, ("ADMIN_PASSWORD", "password")],
    )
    .output()
    .unwrap();
    assert_eq!(weak.status.code(), Some(1), "{}", stderr_of(&weak));
    assert!(stderr_of(&weak).contains("password: "), "{}", stderr_of(&weak));

    let no_password = audiotricks(&["admin", "create", "--email", "ops@example.com"], &[owner, app])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!no_password.status.success());
    assert!(
        stderr_of(&no_password).contains("set ADMIN_PASSWORD"),
        "{}",
        stderr_of(&no_password)
    );

    let created = audiotricks(
        &["admin", "create", "--email", "ops@example.com", "--name", "Ops Team"],
        &[owner, app, ("ADMIN_PASSWORD", "violet tractor under 42 lanterns")],
    )
    .output()
    .unwrap();
    assert!(created.status.success(), "{}", stderr_of(&created));
    assert!(String::from_utf8_lossy(&created.stdout).contains("created platform admin ops@example.com"));
    let admins = Command::new("psql")
        .args([
            database.owner_url.as_str(),
            "-X",
            "-tA",
            "-c",
            "select count(*) from users where is_platform_admin and email_verified_at is not null",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&admins.stdout).trim(), "1");
}

#[test]
fn keys_rotate_needs_a_master_key_and_says_what_it_sealed() {
    let database = Database::migrated();
    let [owner, app] = database.vars();
    let without = audiotricks(&["keys", "rotate"], &[owner, app])
        .env_remove("MASTER_KEY")
        .output()
        .unwrap();
    assert_eq!(without.status.code(), Some(1));
    assert!(
        stderr_of(&without).contains("MASTER_KEY is not set"),
        "{}",
        stderr_of(&without)
    );
    let key = ("MASTER_KEY", "k2:CAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg=");
    let rotated = audiotricks(&["keys", "rotate"], &[owner, app, key]).output().unwrap();
    assert!(rotated.status.success(), "{}", stderr_of(&rotated));
    let out = String::from_utf8_lossy(&rotated.stdout);
    assert!(out.contains("sealed 0 values again under key \"k2\""), "{out}");
}
