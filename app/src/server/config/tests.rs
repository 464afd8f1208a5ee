use super::*;

const URLS: [(&str, &str); 2] = [
    ("DATABASE_URL", "postgres://owner@127.0.0.1/db"),
    ("APP_DATABASE_URL", "postgres://app@127.0.0.1/db"),
];

/// The two required URLs plus `extra`.
fn with(extra: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
    URLS.iter()
        .chain(extra)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn load(toml: &str, env: &impl Env) -> Result<Config, ConfigError> {
    Config::from_sources(Path::new("test.toml"), toml, env)
}

#[test]
fn defaults_apply_when_file_is_empty() {
    let c = load("", &URLS).unwrap();
    assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
    assert_eq!(c.jobs.concurrency, 2);
    assert_eq!(c.log.format, LogFormat::Pretty);
    assert!(!c.public_url.is_https());
}

#[test]
fn env_overrides_file() {
    let env = with(&[
        ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
        ("PUBLIC_URL", "https://audio.example.com/"),
        ("LOG_FORMAT", "json"),
    ]);
    let c = load("[server]\naddr = \"127.0.0.1:4000\"\n", &env).unwrap();
    assert_eq!(c.addr.to_string(), "0.0.0.0:8080");
    assert_eq!(c.public_url.as_str(), "https://audio.example.com");
    assert!(c.public_url.is_https());
    assert_eq!(c.log.format, LogFormat::Json);
}

#[test]
fn errors_name_the_setting_and_variable() {
    let env = with(&[("JOBS_CONCURRENCY", "lots")]);
    let err = load("", &env).unwrap_err().to_string();
    assert!(
        err.contains("jobs.concurrency") && err.contains("JOBS_CONCURRENCY") && err.contains("lots"),
        "{err}"
    );

    let err = load("[server]\naddr = \"nowhere\"\n", &URLS).unwrap_err().to_string();
    assert!(err.contains("server.addr"), "{err}");

    let err = load("[log]\nformat = \"xml\"\n", &URLS).unwrap_err().to_string();
    assert!(err.contains("log.format"), "{err}");
}

#[test]
fn unknown_keys_and_missing_secrets_are_rejected() {
    let err = load("[server]\nadr = \"x\"\n", &URLS).unwrap_err().to_string();
    assert!(err.contains("adr"), "{err}");

    let err = load("", &[("APP_DATABASE_URL", "postgres://a@h/d")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("DATABASE_URL"), "{err}");
}

#[test]
fn queue_concurrency_comes_from_file_or_env() {
    let c = load("[jobs.queue_concurrency]\nmaintenance = 1\n", &URLS).unwrap();
    assert_eq!(c.jobs.queue_concurrency.get("maintenance"), Some(&1));
    let env = with(&[("JOBS_QUEUE_CONCURRENCY", "transcription=1, default=4")]);
    let c = load("", &env).unwrap();
    assert_eq!(c.jobs.queue_concurrency.get("default"), Some(&4));
    assert_eq!(
        c.jobs.queue_concurrency.get("maintenance"),
        Some(&1),
        "built-in entries stay"
    );
    let env = with(&[("JOBS_QUEUE_CONCURRENCY", "default")]);
    let err = load("", &env).unwrap_err().to_string();
    assert!(
        err.contains("JOBS_QUEUE_CONCURRENCY") && err.contains("queue=number"),
        "{err}"
    );
}

#[test]
fn the_shipped_leptos_toml_matches_the_built_in_defaults() {
    let shipped = load(include_str!("../../../../Leptos.toml"), &URLS).unwrap();
    let defaults = load("", &URLS).unwrap();
    assert_eq!(format!("{shipped:?}"), format!("{defaults:?}"));
}

#[test]
fn public_url_must_be_scheme_and_host() {
    assert!("ftp://x".parse::<PublicUrl>().is_err());
    assert!("https://x.com/app".parse::<PublicUrl>().is_err());
    assert!("http://127.0.0.1:3000".parse::<PublicUrl>().is_ok());
}

#[test]
fn secrets_do_not_print() {
    let c = load("", &URLS).unwrap();
    assert!(!format!("{c:?}").contains("owner@"));
}

#[test]
fn email_backends_need_their_credentials() {
    let c = load("", &URLS).unwrap();
    assert_eq!(c.email.backend, EmailBackend::Outbox);
    let smtp = with(&[("EMAIL_BACKEND", "smtp")]);
    let err = load("", &smtp).unwrap_err().to_string();
    assert!(err.contains("SMTP_URL"), "{err}");
    let bad = with(&[("EMAIL_BACKEND", "pigeon")]);
    assert!(load("", &bad).unwrap_err().to_string().contains("email.backend"));
    let from = with(&[("EMAIL_FROM", "not an address")]);
    assert!(load("", &from).unwrap_err().to_string().contains("EMAIL_FROM"));
    let key = with(&[("EMAIL_BACKEND", "sendgrid"), ("SENDGRID_API_KEY", "SG.secret-value")]);
    let c = load("", &key).unwrap();
    assert!(!format!("{c:?}").contains("SG.secret-value"), "the key never prints");
}

#[test]
fn the_dev_mailbox_exists_only_for_the_outbox_on_this_machine() {
    assert!(load("", &URLS).unwrap().dev_mailbox_enabled());
    let public = with(&[("PUBLIC_URL", "https://audio.example.com")]);
    assert!(!load("", &public).unwrap().dev_mailbox_enabled());
    let listening_widely = with(&[("LEPTOS_SITE_ADDR", "0.0.0.0:3000")]);
    assert!(!load("", &listening_widely).unwrap().dev_mailbox_enabled());
    for url in ["http://localhost:3000", "http://[::1]:3000", "http://127.0.0.5"] {
        assert!(url.parse::<PublicUrl>().unwrap().is_loopback(), "{url}");
    }
    assert!(!"http://127.0.0.1.example.com"
        .parse::<PublicUrl>()
        .unwrap()
        .is_loopback());
}

#[test]
fn trusted_proxies_and_rate_limits_are_validated() {
    let env = with(&[("TRUSTED_PROXIES", "10.0.0.0/8, ::1"), ("RATE_LIMIT_PER_MINUTE", "30")]);
    let c = load("", &env).unwrap();
    assert_eq!(c.trusted_proxies.len(), 2);
    assert_eq!(c.rate_limit_per_minute, 30);
    let bad = with(&[("TRUSTED_PROXIES", "the load balancer")]);
    let err = load("", &bad).unwrap_err().to_string();
    assert!(
        err.contains("TRUSTED_PROXIES") && err.contains("the load balancer"),
        "{err}"
    );
    let redis = with(&[("REDIS_URL", "localhost:6379")]);
    assert!(load("", &redis).unwrap_err().to_string().contains("REDIS_URL"));
}

#[test]
fn smtp_never_sends_credentials_or_remote_mail_in_clear_text() {
    let with_url = |url: &'static str| with(&[("EMAIL_BACKEND", "smtp"), ("SMTP_URL", url)]);
    assert!(
        load("", &with_url("smtp://127.0.0.1:2525")).is_ok(),
        "a local capture server"
    );
    assert!(load("", &with_url("smtp://user:pw@mail.example.com:587?tls=required")).is_ok());
    assert!(load("", &with_url("smtps://user:pw@mail.example.com")).is_ok());
    let err = load("", &with_url("smtp://user:pw@mail.example.com:587"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("SMTP_URL") && err.contains("clear text"), "{err}");
    assert!(load("", &with_url("smtp://mail.example.com:25")).is_err());
    assert!(!err.contains("pw@"), "the URL itself never appears in the error");
}

#[test]
fn session_timeouts_come_from_the_file_or_env_and_must_be_sane() {
    let c = load("[auth]\nsession_idle_minutes = 30\n", &with(&[])).unwrap();
    assert_eq!(c.auth.session_idle, Duration::from_secs(30 * 60));
    assert_eq!(c.auth.session_lifetime, Duration::from_secs(720 * 3600));
    let c = load(
        "",
        &with(&[("SESSION_LIFETIME_HOURS", "12"), ("SESSION_IDLE_MINUTES", "60")]),
    )
    .unwrap();
    assert_eq!(c.auth.session_lifetime, Duration::from_secs(12 * 3600));
    let err = load("", &with(&[("SESSION_IDLE_MINUTES", "1")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("SESSION_IDLE_MINUTES"), "{err}");
    let err = load(
        "",
        &with(&[("SESSION_IDLE_MINUTES", "1440"), ("SESSION_LIFETIME_HOURS", "2")]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("not shorter than the idle timeout"), "{err}");
}

#[test]
fn a_cdn_needs_a_url_and_its_purge_needs_an_endpoint_id_and_a_token() {
    let c = load("", &URLS).unwrap();
    assert!(c.storage.cdn.is_none());
    assert_eq!(c.storage.public_url("public/w/x/logo"), "/storage/public/w/x/logo");

    let cdn_only = with(&[("CDN_BASE_URL", "https://logos.ams3.cdn.digitaloceanspaces.com/")]);
    let c = load("", &cdn_only).unwrap();
    let cdn = c.storage.cdn.as_ref().unwrap();
    assert!(cdn.purge.is_none());
    assert_eq!(cdn.origin(), "https://logos.ams3.cdn.digitaloceanspaces.com");
    assert_eq!(
        c.storage.public_url("public/w/x/logo"),
        "https://logos.ams3.cdn.digitaloceanspaces.com/public/w/x/logo"
    );

    let id = "6f3a1c2e-9b7d-4e5f-8a1b-2c3d4e5f6a7b";
    let err = load("", &with(&[("CDN_ENDPOINT_ID", id)])).unwrap_err().to_string();
    assert!(err.contains("CDN_BASE_URL"), "{err}");
    let err = load(
        "",
        &with(&[("CDN_BASE_URL", "https://cdn.example"), ("CDN_ENDPOINT_ID", id)]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("DIGITALOCEAN_TOKEN"), "{err}");
    let err = load(
        "",
        &with(&[
            ("CDN_BASE_URL", "https://cdn.example"),
            ("CDN_ENDPOINT_ID", "my-cdn"),
            ("DIGITALOCEAN_TOKEN", "t"),
        ]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("CDN_ENDPOINT_ID") && err.contains("UUID"), "{err}");
    let err = load("", &with(&[("CDN_BASE_URL", "cdn.example")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("CDN_BASE_URL"), "{err}");

    let c = load(
        "",
        &with(&[
            ("CDN_BASE_URL", "https://cdn.example"),
            ("CDN_ENDPOINT_ID", id),
            ("DIGITALOCEAN_TOKEN", "dop_v1_secret"),
        ]),
    )
    .unwrap();
    let purge = c.storage.cdn.unwrap().purge.unwrap();
    assert_eq!(purge.api_url, "https://api.digitalocean.com");
    assert_eq!(purge.endpoint_id, id);
    assert!(!format!("{purge:?}").contains("dop_v1_secret"));
}
