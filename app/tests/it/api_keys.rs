//! Provider API keys: sealed at rest, shown masked, tested against doubles of the providers'
//! documented endpoints, managed only with `api_keys.manage`, and re-sealed by `keys rotate`.

use axum::http::StatusCode;
use wiremock::{
    matchers::{header, method, path},
    Mock, MockServer, ResponseTemplate,
};

use crate::accounts::{Browser, Site, PASSWORD};
use crate::workspaces::{add_member, owner_of_acme};

const OPENAI_KEY: &str = "sk-test-abcdefghijklmnop1234";
const ELEVENLABS_KEY: &str = "el-test-zyxwvutsrqponm9876";

async fn keys(browser: &mut Browser) -> serde_json::Value {
    let reply = browser.post("/api/api-keys/list", &[("workspace", "acme")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

async fn providers() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("authorization", format!("Bearer {OPENAI_KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({ "object": "list", "data": [] })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/voices"))
        .and(header("xi-api-key", ELEVENLABS_KEY))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(serde_json::json!({ "detail": { "status": "invalid_api_key" } })),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn keys_are_sealed_shown_masked_tested_and_managed_only_by_those_allowed() {
    let api = providers().await;
    let uri = api.uri();
    let site = Site::with(&[
        ("OPENAI_BASE_URL", uri.as_str()),
        ("ELEVENLABS_BASE_URL", uri.as_str()),
        ("ELEVENLABS_API_KEY", "platform-eleven-key"),
    ])
    .await;
    let mut ada = owner_of_acme(&site).await;
    let mut bob = site.verified_account("Bob", "bob@example.com").await;
    bob.log_in("bob@example.com", PASSWORD).await;
    add_member(&site, "ada@example.com", "acme", "bob@example.com", "member").await;
    assert_eq!(
        bob.post("/api/api-keys/list", &[("workspace", "acme")]).await.status,
        StatusCode::FORBIDDEN
    );

    let view = keys(&mut ada).await;
    assert_eq!(view["available"], true);
    assert_eq!(view["keys"][0]["masked"], serde_json::Value::Null);
    assert_eq!(view["keys"][0]["platform_fallback"], false);
    assert_eq!(view["keys"][1]["platform_fallback"], true);

    let short = ada
        .post(
            "/api/api-keys/save",
            &[("workspace", "acme"), ("provider", "openai"), ("key", "sk-1")],
        )
        .await;
    let app::error::AppError::Validation(details) = short.error() else {
        panic!("expected a validation error: {}", short.body)
    };
    assert!(details.field("key").is_some());
    assert_eq!(details.value("provider"), Some("openai"));

    let saved = ada
        .post(
            "/api/api-keys/save",
            &[("workspace", "acme"), ("provider", "openai"), ("key", OPENAI_KEY)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let view = keys(&mut ada).await;
    assert_eq!(view["keys"][0]["masked"], "\u{2022}\u{2022}\u{2022}\u{2022}1234");
    assert!(
        !view.to_string().contains(OPENAI_KEY),
        "the key never goes back to a browser"
    );
    // At rest it is sealed; the audit log names the provider only.
    let ada_id = crate::workspaces::user_id(&site, "ada@example.com").await;
    let workspace =
        crate::workspaces::as_tenant(&site, ada_id, None, "select id from workspaces where slug = $1", "acme").await;
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::enter(&mut tx, ada_id, Some(workspace))
        .await
        .unwrap();
    let stored: String = sqlx::query_scalar("select sealed from provider_keys")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        stored.starts_with("v1:test:") && !stored.contains("abcdefghijklmnop"),
        "{stored}"
    );
    assert_eq!(
        site.count("select count(*) from audit_log where metadata::text like '%abcdefghijklmnop%'")
            .await,
        0
    );

    let tested = ada
        .post("/api/api-keys/test", &[("workspace", "acme"), ("provider", "openai")])
        .await;
    assert_eq!(tested.json(), "Connected: the key works.");
    let view = keys(&mut ada).await;
    assert_eq!(view["keys"][0]["last_test_ok"], true);
    assert!(view["keys"][0]["last_used_at"].is_string());

    ada.post(
        "/api/api-keys/save",
        &[
            ("workspace", "acme"),
            ("provider", "elevenlabs"),
            ("key", ELEVENLABS_KEY),
        ],
    )
    .await;
    let refused = ada
        .post(
            "/api/api-keys/test",
            &[("workspace", "acme"), ("provider", "elevenlabs")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(
        refused.error().to_string(),
        "The provider refused this key. Check it, or paste a new one."
    );
    assert_eq!(keys(&mut ada).await["keys"][1]["last_test_ok"], false);

    let removed = ada
        .post("/api/api-keys/remove", &[("workspace", "acme"), ("provider", "openai")])
        .await;
    assert_eq!(removed.json(), "OpenAI-compatible key removed.");
    assert_eq!(keys(&mut ada).await["keys"][0]["masked"], serde_json::Value::Null);
    let again = ada
        .post("/api/api-keys/remove", &[("workspace", "acme"), ("provider", "openai")])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let feed = ada
        .post("/api/workspaces/activity", &[("workspace", "acme")])
        .await
        .json();
    assert_eq!(feed["entries"][0]["text"], "removed the OpenAI-compatible API key");
}

#[tokio::test]
async fn rotating_seals_every_secret_again_under_the_newest_key() {
    let site = Site::new().await;
    let mut ada = owner_of_acme(&site).await;
    ada.post(
        "/api/api-keys/save",
        &[("workspace", "acme"), ("provider", "openai"), ("key", OPENAI_KEY)],
    )
    .await;
    let old = app::server::secrets::SecretBox::parse("test:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=").unwrap();
    let ada_id = crate::workspaces::user_id(&site, "ada@example.com").await;
    sqlx::query("update users set totp_pending = $2 where id = $1")
        .bind(ada_id)
        .bind(old.seal(b"JBSWY3DPEHPK3PXP", &format!("totp:{ada_id}")))
        .execute(&site.db.owner)
        .await
        .unwrap();

    let both = app::server::secrets::SecretBox::parse(
        "new:CAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg=,test:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
    )
    .unwrap();
    let report = app::server::key_rotation::rotate(&site.db.app, &both).await.unwrap();
    assert_eq!(report.resealed, 2);
    let again = app::server::key_rotation::rotate(&site.db.app, &both).await.unwrap();
    assert_eq!((again.resealed, again.already_current), (0, 2));

    // Only the new key is needed now.
    let new = app::server::secrets::SecretBox::parse("new:CAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg=").unwrap();
    let pending: String = sqlx::query_scalar("select totp_pending from users where id = $1")
        .bind(ada_id)
        .fetch_one(&site.db.owner)
        .await
        .unwrap();
    assert_eq!(
        new.open(&pending, &format!("totp:{ada_id}")).unwrap(),
        b"JBSWY3DPEHPK3PXP"
    );
    let mut tx = site.db.owner.begin().await.unwrap();
    let workspace =
        crate::workspaces::as_tenant(&site, ada_id, None, "select id from workspaces where slug = $1", "acme").await;
    app::workspaces::tenant::enter(&mut tx, ada_id, Some(workspace))
        .await
        .unwrap();
    let (id, sealed): (uuid::Uuid, String) = sqlx::query_as("select id, sealed from provider_keys")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        new.open(&sealed, &format!("provider-key:{id}")).unwrap(),
        OPENAI_KEY.as_bytes()
    );
}
