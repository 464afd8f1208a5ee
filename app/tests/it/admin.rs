//! The Admin section: only platform admins get in, and each action is audited.

use axum::http::StatusCode;

use crate::accounts::{Site, CHROME, FIREFOX, PASSWORD};
use app::admin::service::{create_admin, AdminCreated};

#[tokio::test]
async fn admin_create_makes_a_confirmed_admin_or_promotes_an_existing_account() {
    let site = Site::new().await;
    let weak = create_admin(&site.db.app, "ops@example.com", "Ops", "password1").await;
    assert!(weak.unwrap_err().field("password").is_some());
    let bad = create_admin(&site.db.app, "not an address", "Ops", PASSWORD).await;
    assert!(bad.unwrap_err().field("email").is_some());
    assert_eq!(site.count("select count(*) from users").await, 0);

    assert_eq!(
        create_admin(&site.db.app, "Ops@Example.com", "Ops", PASSWORD)
            .await
            .unwrap(),
        AdminCreated::New
    );
    assert_eq!(
        create_admin(&site.db.app, "ops@example.com", "Ops", "").await.unwrap(),
        AdminCreated::AlreadyAdmin
    );
    site.verified_account("Ada", "ada@example.com").await;
    assert_eq!(
        create_admin(&site.db.app, "ada@example.com", "", "").await.unwrap(),
        AdminCreated::Promoted
    );
    assert_eq!(
        site.count("select count(*) from users where is_platform_admin and email_verified_at is not null")
            .await,
        2
    );
    assert_eq!(
        site.count("select count(*) from audit_log where action = 'admin.granted'")
            .await,
        2
    );
    let mut ops = site.browser(CHROME, "203.0.113.20");
    assert_eq!(ops.log_in("ops@example.com", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(ops.me().await["is_platform_admin"], true);

    // An unconfirmed sign-up on the address gets the operator's password, not the stranger's.
    let mut stranger = site.browser(FIREFOX, "198.51.100.66");
    stranger
        .call(
            "sign-up",
            &[
                ("name", "Mallory"),
                ("email", "root@example.com"),
                ("password", "strangers own passphrase"),
            ],
        )
        .await;
    let weak = create_admin(&site.db.app, "root@example.com", "Root", "").await;
    assert!(
        weak.unwrap_err().field("password").is_some(),
        "an unconfirmed account needs a password"
    );
    assert_eq!(
        create_admin(&site.db.app, "root@example.com", "Root", PASSWORD)
            .await
            .unwrap(),
        AdminCreated::New
    );
    assert_eq!(
        stranger
            .log_in("root@example.com", "strangers own passphrase")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut root = site.browser(CHROME, "203.0.113.21");
    assert_eq!(root.log_in("root@example.com", PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn admins_search_lock_sign_out_and_resend_and_nobody_else_can() {
    let site = Site::new().await;
    create_admin(&site.db.app, "ops@example.com", "Ops", PASSWORD)
        .await
        .unwrap();
    let mut ops = site.browser(CHROME, "203.0.113.20");
    ops.log_in("ops@example.com", PASSWORD).await;
    let mut ada = site.verified_account("Ada Lovelace", "ada@example.com").await;
    ada.log_in("ada@example.com", PASSWORD).await;
    let mut unconfirmed = site.browser(FIREFOX, "198.51.100.7");
    unconfirmed
        .call(
            "sign-up",
            &[
                ("name", "Grace"),
                ("email", "grace@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;

    // Members cannot use any admin function, or see the pages.
    let ada_id: uuid::Uuid = sqlx::query_scalar("select id from users where email = 'ada@example.com'")
        .fetch_one(&site.db.owner)
        .await
        .unwrap();
    let id = ada_id.to_string();
    for (path, fields) in [
        ("/api/admin/users", vec![("search", ""), ("page", "0")]),
        ("/api/admin/user", vec![("id", id.as_str())]),
        ("/api/admin/user/lock", vec![("id", id.as_str()), ("locked", "true")]),
        ("/api/admin/user/log-out", vec![("id", id.as_str())]),
        ("/api/admin/user/resend-verification", vec![("id", id.as_str())]),
    ] {
        assert_eq!(ada.post(path, &fields).await.status, StatusCode::FORBIDDEN, "{path}");
        let mut anonymous = site.browser(CHROME, "203.0.113.30");
        assert_eq!(
            anonymous.post(path, &fields).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    assert_eq!(ada.get("/admin/users").await.status, StatusCode::FORBIDDEN);

    // Search by name or email.
    let found = ops
        .post("/api/admin/users", &[("search", "lovelace"), ("page", "0")])
        .await
        .json();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["email"], "ada@example.com");
    assert_eq!(found[0]["active_sessions"], 1);
    let all = ops
        .post("/api/admin/users", &[("search", ""), ("page", "0")])
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), 3);
    let none = ops
        .post("/api/admin/users", &[("search", "%"), ("page", "0")])
        .await
        .json();
    assert_eq!(none.as_array().unwrap().len(), 0, "wildcards are literal");
    let page = ops.get("/admin/users?q=ada").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("ada@example.com") && !page.body.contains("grace@example.com"));

    // Lock: the user is signed out and cannot sign in; unlock restores sign-in.
    let reply = ops
        .post("/api/admin/user/lock", &[("id", &id), ("locked", "true")])
        .await;
    assert_eq!(reply.json(), "ada@example.com is locked and signed out everywhere.");
    assert_eq!(ada.me().await, serde_json::Value::Null);
    let refused = ada.log_in("ada@example.com", PASSWORD).await;
    assert!(refused.error().to_string().contains("locked by an administrator"));
    let reply = ops
        .post("/api/admin/user/lock", &[("id", &id), ("locked", "false")])
        .await;
    assert_eq!(reply.json(), "ada@example.com is unlocked.");
    assert_eq!(ada.log_in("ada@example.com", PASSWORD).await.status, StatusCode::OK);

    // Force log-out.
    let reply = ops.post("/api/admin/user/log-out", &[("id", &id)]).await;
    assert_eq!(reply.json(), "Ended 1 session of ada@example.com.");
    assert_eq!(ada.me().await, serde_json::Value::Null);

    // Resend verification, only to an unconfirmed account.
    let grace_id: uuid::Uuid = sqlx::query_scalar("select id from users where email = 'grace@example.com'")
        .fetch_one(&site.db.owner)
        .await
        .unwrap();
    let before = site.emails_to("grace@example.com", "verify_email").await;
    let reply = ops
        .post("/api/admin/user/resend-verification", &[("id", &grace_id.to_string())])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(site.emails_to("grace@example.com", "verify_email").await, before + 1);
    let again = ops.post("/api/admin/user/resend-verification", &[("id", &id)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // The detail view shows the account and its activity; unknown ids are 404.
    let detail = ops.post("/api/admin/user", &[("id", &id)]).await.json();
    assert_eq!(detail["user"]["email"], "ada@example.com");
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"locked_by_admin") && kinds.contains(&"signed_out_by_admin"),
        "{kinds:?}"
    );
    let missing = ops
        .post("/api/admin/user", &[("id", &uuid::Uuid::new_v4().to_string())])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let ops_id: uuid::Uuid = sqlx::query_scalar("select id from users where email = 'ops@example.com'")
        .fetch_one(&site.db.owner)
        .await
        .unwrap();
    let own = ops
        .post(
            "/api/admin/user/lock",
            &[("id", &ops_id.to_string()), ("locked", "true")],
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);

    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_log where action like 'admin.%' and actor_id = $1 order by id")
            .bind(ops_id)
            .fetch_all(&site.db.owner)
            .await
            .unwrap();
    assert_eq!(
        actions,
        [
            "admin.user_locked",
            "admin.user_unlocked",
            "admin.user_signed_out",
            "admin.verification_resent"
        ]
    );
}
