//! The bell: who hears about what, email by preference, reading and marking, and that an inbox
//! is its owner's alone.

use axum::http::StatusCode;

use crate::accounts::{Browser, Site, FIREFOX, PASSWORD};
use crate::workspaces::{add_member, as_tenant, owner_of_acme, user_id};

async fn inbox(browser: &mut Browser) -> serde_json::Value {
    let reply = browser.post("/api/notifications/inbox", &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

fn titles(inbox: &serde_json::Value) -> Vec<String> {
    inbox["recent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn notification_emails(site: &Site, to: &str) -> Vec<String> {
    sqlx::query_scalar(
        "select subject from email_outbox where to_address = $1 and template = 'notification' order by created_at",
    )
    .bind(to)
    .fetch_all(&site.db.owner)
    .await
    .unwrap()
}

async fn change_role(owner: &mut Browser, member: &str, role: &str) -> crate::accounts::Reply {
    owner
        .post(
            "/api/workspaces/members/role",
            &[("workspace", "acme"), ("user_id", member), ("role", role)],
        )
        .await
}

async fn signed_in(site: &Site, name: &str, email: &str) -> Browser {
    let mut browser = site.verified_account(name, email).await;
    assert_eq!(browser.log_in(email, PASSWORD).await.status, StatusCode::OK);
    browser
}

#[tokio::test]
async fn an_invited_account_joins_from_its_bell_and_the_inviter_hears_of_it() {
    let site = Site::new().await;
    let mut ada = owner_of_acme(&site).await;
    let mut bob = signed_in(&site, "Bob", "bob@example.com").await;
    let mut carol = signed_in(&site, "Carol", "carol@example.com").await;
    assert_eq!(inbox(&mut bob).await["unread"], 0);

    let sent = ada
        .post(
            "/api/workspaces/members/invite",
            &[("workspace", "acme"), ("email", "bob@example.com"), ("role", "viewer")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let bell = inbox(&mut bob).await;
    assert_eq!(bell["unread"], 1);
    assert_eq!(titles(&bell), ["Ada invited you to join Acme as Viewer"]);
    let link = bell["recent"][0]["link"].as_str().unwrap().to_owned();
    let id = link
        .strip_prefix("/invite?id=")
        .expect("links to the invitation by id")
        .to_owned();
    assert_eq!(
        site.emails_to("bob@example.com", "notification").await,
        0,
        "the invitation email itself is the email"
    );

    // The id opens the invitation for its addressee only.
    let view = bob.post("/api/invitations/view", &[("id", &id)]).await.json();
    assert_eq!(view["workspace_name"], "Acme");
    assert_eq!(view["for_you"], true);
    assert_eq!(
        carol.post("/api/invitations/view", &[("id", &id)]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        carol.post("/api/invitations/accept", &[("id", &id)]).await.status,
        StatusCode::NOT_FOUND,
        "someone else's invitation id admits nobody"
    );
    let mut visitor = site.browser(FIREFOX, "198.51.100.9");
    assert_eq!(
        visitor.post("/api/invitations/view", &[("id", &id)]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        bob.post("/api/invitations/view", &[("id", "not-a-uuid")]).await.status,
        StatusCode::NOT_FOUND
    );

    let joined = bob.post("/api/invitations/accept", &[("id", &id)]).await;
    assert_eq!(joined.location(), Some("/w/acme?joined=1"), "{}", joined.body);
    let bell = inbox(&mut ada).await;
    assert_eq!(titles(&bell), ["Bob joined Acme as Viewer"]);
    assert_eq!(bell["recent"][0]["link"], "/w/acme/members");
    assert_eq!(
        notification_emails(&site, "ada@example.com").await,
        ["Bob joined Acme as Viewer"]
    );
    let text: String = sqlx::query_scalar(
        "select text_body from email_outbox where to_address = 'ada@example.com' and template = 'notification'",
    )
    .fetch_one(&site.db.owner)
    .await
    .unwrap();
    assert!(
        text.contains("/w/acme/members") && text.contains("/account/notifications"),
        "{text}"
    );

    // An inbox is its owner's alone, down to the rows.
    let ada_id = user_id(&site, "ada@example.com").await;
    let acme = as_tenant(&site, ada_id, None, "select id from workspaces where slug = $1", "acme").await;
    let mut tx = site.db.app.begin().await.unwrap();
    app::workspaces::tenant::enter(&mut tx, ada_id, Some(acme))
        .await
        .unwrap();
    let visible: i64 = sqlx::query_scalar("select count(*) from notifications")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        visible, 1,
        "Ada sees her own notification, not Bob's from the same workspace"
    );
    let changed = sqlx::query("update notifications set read_at = now() where user_id <> $1")
        .bind(ada_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 0);
    tx.rollback().await.unwrap();
    let bob_notification = inbox(&mut bob).await["recent"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        ada.post("/api/notifications/read", &[("id", &bob_notification)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(inbox(&mut bob).await["unread"], 1);
    assert_eq!(
        visitor.post("/api/notifications/inbox", &[]).await.json(),
        serde_json::Value::Null,
        "visitors have no bell and get no error"
    );
    assert_eq!(
        visitor
            .post("/api/notifications/list", &[("page", "1"), ("unread_only", "false")])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn membership_changes_reach_the_member_by_email_unless_they_opt_out() {
    let site = Site::new().await;
    let mut ada = owner_of_acme(&site).await;
    let mut bob = signed_in(&site, "Bob", "bob@example.com").await;
    add_member(&site, "ada@example.com", "acme", "bob@example.com", "viewer").await;
    let bob_id = user_id(&site, "bob@example.com").await.to_string();
    let changed = change_role(&mut ada, &bob_id, "member").await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(
        titles(&inbox(&mut bob).await),
        ["Ada changed your role in Acme to Member"]
    );
    assert_eq!(
        notification_emails(&site, "bob@example.com").await,
        ["Ada changed your role in Acme to Member"]
    );

    // Preferences: every category defaults to email; Bob keeps only "team".
    let prefs = bob.post("/api/notifications/preferences", &[]).await.json();
    assert_eq!(
        prefs,
        serde_json::json!([
            { "category": "Membership", "email": true },
            { "category": "Team", "email": true },
            { "category": "Shares", "email": true },
        ])
    );
    let bad = bob
        .post("/api/notifications/preferences/save", &[("email[]", "invitations")])
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invitations always come by email"
    );
    let saved = bob
        .post("/api/notifications/preferences/save", &[("email[]", "team")])
        .await;
    assert_eq!(saved.json(), "Notification settings saved.");
    let prefs = bob.post("/api/notifications/preferences", &[]).await.json();
    assert_eq!(prefs[0]["email"], false);
    assert_eq!(prefs[1]["email"], true);
    assert_eq!(prefs[2]["email"], false);
    assert_eq!(
        site.count(
            "select count(*) from audit_log where action = 'user.notification_preferences_changed'
             and metadata = '{\"email\": [\"team\"]}'::jsonb"
        )
        .await,
        1
    );

    assert_eq!(change_role(&mut ada, &bob_id, "admin").await.status, StatusCode::OK);
    assert_eq!(inbox(&mut bob).await["unread"], 2, "the bell still shows it");
    assert_eq!(
        notification_emails(&site, "bob@example.com").await.len(),
        1,
        "no email after opting out"
    );

    // Ticking nothing turns every optional email off.
    let saved = bob.post("/api/notifications/preferences/save", &[]).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let prefs = bob.post("/api/notifications/preferences", &[]).await.json();
    assert_eq!(
        (prefs[0]["email"].clone(), prefs[1]["email"].clone()),
        (false.into(), false.into())
    );

    // Ownership, removal and leaving reach whom they concern.
    let handed = ada
        .post(
            "/api/workspaces/members/transfer",
            &[
                ("workspace", "acme"),
                ("user_id", &bob_id),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(handed.status, StatusCode::OK, "{}", handed.body);
    assert_eq!(titles(&inbox(&mut bob).await)[0], "Ada made you the owner of Acme");
    let left = ada
        .post("/api/workspaces/members/leave", &[("workspace", "acme")])
        .await;
    assert_eq!(left.status, StatusCode::OK, "{}", left.body);
    assert_eq!(titles(&inbox(&mut bob).await)[0], "Ada left Acme");
    assert_eq!(
        notification_emails(&site, "bob@example.com").await.len(),
        1,
        "Bob turned both categories off"
    );

    let mut carol = signed_in(&site, "Carol", "carol@example.com").await;
    add_member(&site, "bob@example.com", "acme", "carol@example.com", "member").await;
    let carol_id = user_id(&site, "carol@example.com").await.to_string();
    let removed = bob
        .post(
            "/api/workspaces/members/remove",
            &[("workspace", "acme"), ("user_id", &carol_id)],
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    let bell = inbox(&mut carol).await;
    assert_eq!(titles(&bell), ["Bob removed you from Acme"]);
    assert_eq!(bell["recent"][0]["link"], serde_json::Value::Null);
    assert_eq!(
        notification_emails(&site, "carol@example.com").await,
        ["Bob removed you from Acme"]
    );
}

#[tokio::test]
async fn the_inbox_pages_filters_unread_and_marks_read_one_or_all() {
    let site = Site::new().await;
    let mut bob = signed_in(&site, "Bob", "bob@example.com").await;
    let bob_id = user_id(&site, "bob@example.com").await;
    // 25 notifications, one a minute apart, oldest first.
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::enter(&mut tx, bob_id, None).await.unwrap();
    for i in 0..25 {
        sqlx::query(
            "insert into notifications (id, user_id, category, title, created_at)
             values (gen_random_uuid(), $1, 'team', $2, now() - make_interval(mins => $3))",
        )
        .bind(bob_id)
        .bind(format!("Notice {i}"))
        .bind(25 - i)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    let bell = inbox(&mut bob).await;
    assert_eq!(bell["unread"], 25);
    assert_eq!(bell["recent"].as_array().unwrap().len(), 8);
    assert_eq!(bell["recent"][0]["title"], "Notice 24");
    assert_eq!(bell["recent"][0]["ago"], "1 minute ago");

    let page = |n: &'static str, unread: &'static str| [("page", n), ("unread_only", unread)];
    let first = bob.post("/api/notifications/list", &page("1", "false")).await.json();
    assert_eq!(first["items"].as_array().unwrap().len(), 20);
    assert_eq!(first["next_page"], 2);
    let second = bob.post("/api/notifications/list", &page("2", "false")).await.json();
    assert_eq!(second["items"].as_array().unwrap().len(), 5);
    assert_eq!(second["items"][4]["title"], "Notice 0");
    assert_eq!(second["next_page"], serde_json::Value::Null);

    let newest = first["items"][0]["id"].as_str().unwrap().to_owned();
    let marked = bob.post("/api/notifications/read", &[("id", &newest)]).await;
    assert_eq!(marked.status, StatusCode::OK, "{}", marked.body);
    let unread = bob.post("/api/notifications/list", &page("1", "true")).await.json();
    assert_eq!(unread["unread"], 24);
    assert_eq!(
        unread["items"][0]["title"], "Notice 23",
        "read ones leave the unread filter"
    );
    assert_eq!(
        bob.post("/api/notifications/read", &[("id", "nope")]).await.status,
        StatusCode::NOT_FOUND
    );

    assert_eq!(bob.post("/api/notifications/read", &[]).await.status, StatusCode::OK);
    assert_eq!(inbox(&mut bob).await["unread"], 0);
    let unread = bob.post("/api/notifications/list", &page("1", "true")).await.json();
    assert_eq!(unread["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn deleting_and_restoring_a_workspace_tells_its_other_members() {
    let site = Site::new().await;
    let mut ada = owner_of_acme(&site).await;
    let mut bob = signed_in(&site, "Bob", "bob@example.com").await;
    add_member(&site, "ada@example.com", "acme", "bob@example.com", "member").await;
    let deleted = ada
        .post(
            "/api/workspaces/delete",
            &[("workspace", "acme"), ("confirm_name", "Acme")],
        )
        .await;
    assert!(
        deleted.status.is_success() || deleted.status.is_redirection(),
        "{}",
        deleted.body
    );
    assert_eq!(
        titles(&inbox(&mut bob).await),
        ["Ada deleted the workspace Acme; its owner can restore it within 14 days"]
    );
    assert_eq!(inbox(&mut ada).await["unread"], 0, "not told of her own doing");
    let restored = ada.post("/api/workspaces/restore", &[("workspace", "acme")]).await;
    assert!(
        restored.status.is_success() || restored.status.is_redirection(),
        "{}",
        restored.body
    );
    let bell = inbox(&mut bob).await;
    assert_eq!(titles(&bell)[0], "Ada restored the workspace Acme");
    assert_eq!(bell["recent"][0]["link"], "/w/acme");
}
