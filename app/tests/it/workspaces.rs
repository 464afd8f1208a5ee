//! Workspaces under Row-Level Security: the catalog check, no context → no rows, one
//! workspace's context cannot reach another's rows; and the workspace server functions.

use axum::http::StatusCode;
use sqlx::{Connection, Row};

use crate::accounts::{Site, PASSWORD};
use crate::support::TestDb;

#[tokio::test]
async fn every_table_with_workspace_data_has_forced_row_level_security() {
    let db = TestDb::new().await;
    let unprotected: Vec<String> = sqlx::query_scalar(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind = 'r'
           and (c.relname = 'workspaces'
                or exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'workspace_id'
                           and not a.attisdropped))
           and not (c.relrowsecurity and c.relforcerowsecurity)",
    )
    .fetch_all(&db.owner)
    .await
    .unwrap();
    assert!(
        unprotected.is_empty(),
        "tables with workspace data but no forced RLS: {unprotected:?}"
    );
    let protected: i64 = sqlx::query_scalar(
        "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind = 'r' and c.relrowsecurity and c.relforcerowsecurity",
    )
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert!(protected >= 3, "{protected}");
    let bypass: bool = sqlx::query_scalar("select rolbypassrls from pg_roles where rolname = 'audiotricks_app'")
        .fetch_one(&db.owner)
        .await
        .unwrap();
    assert!(!bypass, "the app role must not bypass RLS");
}

/// Runs `sql` (returning one uuid) as the owner role inside a tenant context: RLS is forced on
/// the owner too, so fixtures go through the same door as the app.
pub(crate) async fn as_tenant(
    site: &Site,
    user: uuid::Uuid,
    workspace: Option<uuid::Uuid>,
    sql: &str,
    bind: &str,
) -> uuid::Uuid {
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::enter(&mut tx, user, workspace).await.unwrap();
    let row = sqlx::query(sql).bind(bind).fetch_one(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    row.get::<uuid::Uuid, _>(0)
}

pub(crate) async fn user_id(site: &Site, email: &str) -> uuid::Uuid {
    sqlx::query_scalar("select id from users where email = $1")
        .bind(email)
        .fetch_one(&site.db.owner)
        .await
        .unwrap()
}

/// Adds `member` to the workspace at `slug` (owned by `owner`) with `role`, as a fixture.
pub(crate) async fn add_member(site: &Site, owner: &str, slug: &str, member: &str, role: &str) {
    let owner_id = user_id(site, owner).await;
    let workspace = as_tenant(site, owner_id, None, "select id from workspaces where slug = $1", slug).await;
    let member_id = user_id(site, member).await;
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::enter(&mut tx, owner_id, Some(workspace))
        .await
        .unwrap();
    sqlx::query("insert into workspace_members (workspace_id, user_id, role) values (app_workspace_id(), $1, $2)")
        .bind(member_id)
        .bind(role)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Ada, signed in, owning the team workspace "Acme" at /w/acme.
pub(crate) async fn owner_of_acme(site: &Site) -> crate::accounts::Browser {
    let mut ada = site.verified_account("Ada", "ada@example.com").await;
    ada.log_in("ada@example.com", PASSWORD).await;
    let created = ada
        .post("/api/workspaces/create", &[("name", "Acme"), ("slug", "acme")])
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    ada
}

/// Two accounts, each with their personal workspace: (user id, workspace id) for A and B.
async fn two_tenants(site: &Site) -> ((uuid::Uuid, uuid::Uuid), (uuid::Uuid, uuid::Uuid)) {
    site.verified_account("Ada", "ada@example.com").await;
    site.verified_account("Bob", "bob@example.com").await;
    let mut out = Vec::new();
    for email in ["ada@example.com", "bob@example.com"] {
        let user = user_id(site, email).await;
        let sql = "select workspace_id from workspace_members where user_id = $1::uuid";
        out.push((user, as_tenant(site, user, None, sql, &user.to_string()).await));
    }
    (out[0], out[1])
}

#[tokio::test]
async fn without_a_tenant_context_workspace_tables_show_nothing() {
    let site = Site::new().await;
    two_tenants(&site).await;
    for table in ["workspaces", "workspace_members", "workspace_slug_history"] {
        let owner_sees: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&site.db.owner)
            .await
            .unwrap();
        let app_sees: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&site.db.app)
            .await
            .unwrap();
        assert_eq!(app_sees, 0, "{table}: the app role without context sees nothing");
        if table != "workspace_slug_history" {
            assert_eq!(owner_sees, 0, "{table}: forced RLS applies to the owner role too");
        }
    }
}

#[tokio::test]
async fn one_workspace_context_cannot_read_or_write_another() {
    let site = Site::new().await;
    let ((ada, ada_ws), (_bob, bob_ws)) = two_tenants(&site).await;
    let mut conn = sqlx::PgConnection::connect(&site.db.app_url).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    app::workspaces::tenant::enter(&mut tx, ada, Some(ada_ws))
        .await
        .unwrap();
    let visible: Vec<uuid::Uuid> = sqlx::query_scalar("select id from workspaces")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(visible, [ada_ws]);
    let read: Option<String> = sqlx::query_scalar("select name from workspaces where id = $1")
        .bind(bob_ws)
        .fetch_optional(&mut *tx)
        .await
        .unwrap();
    assert_eq!(read, None, "B's workspace is invisible");
    let members: i64 = sqlx::query_scalar("select count(*) from workspace_members where workspace_id = $1")
        .bind(bob_ws)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(members, 0);
    let updated = sqlx::query("update workspaces set name = 'pwned' where id = $1")
        .bind(bob_ws)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
    let deleted = sqlx::query("delete from workspace_members where workspace_id = $1")
        .bind(bob_ws)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    sqlx::query("savepoint before_insert").execute(&mut *tx).await.unwrap();
    let joined = sqlx::query("insert into workspace_members (workspace_id, user_id, role) values ($1, $2, 'admin')")
        .bind(bob_ws)
        .bind(ada)
        .execute(&mut *tx)
        .await;
    let error = joined.unwrap_err().to_string();
    assert!(error.contains("row-level security"), "{error}");
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn sign_up_makes_a_personal_workspace_and_members_manage_settings_by_role() {
    let site = Site::new().await;
    let mut ada = site.verified_account("Ada Lovelace", "ada@example.com").await;
    ada.log_in("ada@example.com", PASSWORD).await;
    let mine = ada.post("/api/workspaces/mine", &[]).await.json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["name"], "Ada's workspace");
    assert_eq!(mine[0]["slug"], "ada-lovelace");
    assert_eq!(mine[0]["role"], "Owner");
    assert_eq!(mine[0]["personal"], true);

    // A team workspace with a chosen address; a taken or malformed one is a field error.
    let bad = ada
        .post("/api/workspaces/create", &[("name", "Acme"), ("slug", "-bad-")])
        .await;
    assert!(bad.error().field("slug").is_some());
    let taken = ada
        .post("/api/workspaces/create", &[("name", "Acme"), ("slug", "ada-lovelace")])
        .await;
    assert_eq!(
        taken.error().field("slug").unwrap(),
        "That address is taken. Try another."
    );
    let created = ada
        .post("/api/workspaces/create", &[("name", "Acme Audio"), ("slug", "")])
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(created.location(), Some("/w/acme-audio"));

    // Settings: validated, saved, audited; a new address leaves the old one as a redirect.
    let update = |slug: &'static str, retention: &'static str| {
        [
            ("workspace", "acme-audio"),
            ("name", "Acme Audio Team"),
            ("slug", slug),
            ("default_language", "de"),
            ("retention_days", retention),
            ("timezone", "Europe/Berlin"),
        ]
    };
    let invalid = ada.post("/api/workspaces/settings/update", &update("acme", "0")).await;
    assert!(invalid.error().field("retention_days").is_some());
    let saved = ada.post("/api/workspaces/settings/update", &update("acme", "30")).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.location(), Some("/w/acme/settings?saved=1"));
    let settings = ada.post("/api/workspaces/settings", &[("slug", "acme")]).await.json();
    assert_eq!(settings["Found"]["name"], "Acme Audio Team");
    assert_eq!(settings["Found"]["retention_days"], 30);
    assert_eq!(settings["Found"]["timezone"], "Europe/Berlin");
    let moved = ada
        .post("/api/workspaces/settings", &[("slug", "acme-audio")])
        .await
        .json();
    assert_eq!(moved["Moved"], "acme");
    let page = ada.get("/w/acme-audio/settings").await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.location(), Some("/w/acme/settings"));
    assert_eq!(
        site.count(
            "select count(*) from audit_log where action in ('workspace.created', 'workspace.settings_updated')
             and not metadata ? 'personal'"
        )
        .await,
        2
    );

    // An outsider learns nothing; a viewer reads but may not change settings.
    let mut bob = site.verified_account("Bob", "bob@example.com").await;
    bob.log_in("bob@example.com", PASSWORD).await;
    let outsider = bob.post("/api/workspaces/settings", &[("slug", "acme")]).await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);
    let outsider_old = bob.post("/api/workspaces/settings", &[("slug", "acme-audio")]).await;
    assert_eq!(
        outsider_old.status,
        StatusCode::NOT_FOUND,
        "old addresses are private too"
    );
    let outsider_write = bob.post("/api/workspaces/settings/update", &update("acme", "30")).await;
    assert_eq!(outsider_write.status, StatusCode::NOT_FOUND);
    assert_eq!(bob.get("/w/acme").await.status, StatusCode::NOT_FOUND);
    add_member(&site, "ada@example.com", "acme", "bob@example.com", "viewer").await;
    let as_viewer = bob.post("/api/workspaces/settings", &[("slug", "acme")]).await.json();
    assert_eq!(as_viewer["Found"]["role"], "Viewer");
    assert_eq!(as_viewer["Found"]["can_manage"], false);
    let mut fields = update("acme", "30");
    fields[0] = ("workspace", "acme");
    let viewer_write = bob.post("/api/workspaces/settings/update", &fields).await;
    assert_eq!(viewer_write.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn deleting_an_account_takes_its_own_workspaces_but_never_a_team_s() {
    let site = Site::new().await;
    let mut ada = owner_of_acme(&site).await;
    let mut bob = site.verified_account("Bob", "bob@example.com").await;
    bob.log_in("bob@example.com", PASSWORD).await;
    add_member(&site, "ada@example.com", "acme", "bob@example.com", "member").await;
    let ada_id = user_id(&site, "ada@example.com").await;
    let acme = as_tenant(&site, ada_id, None, "select id from workspaces where slug = $1", "acme").await;
    let refused = ada
        .call("delete", &[("current_password", PASSWORD), ("confirmation", "DELETE")])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.error().to_string().contains("Acme"), "{}", refused.body);
    assert_eq!(site.count("select count(*) from users").await, 2, "nothing was deleted");

    // Bob (a member elsewhere) can go: his personal workspace goes with him.
    let reply = bob
        .call("delete", &[("current_password", PASSWORD), ("confirmation", "DELETE")])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::enter(&mut tx, ada_id, Some(acme))
        .await
        .unwrap();
    let members: i64 =
        sqlx::query_scalar("select count(*) from workspace_members where workspace_id = app_workspace_id()")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(members, 1, "Bob left Acme with his account");
    tx.commit().await.unwrap();
    let personal: i64 = sqlx::query_scalar("select count(*) from workspaces where personal")
        .fetch_one(&site.db.app)
        .await
        .unwrap();
    assert_eq!(personal, 0, "no context, no rows");

    // With Bob gone, Ada owns Acme alone and may delete her account, Acme with it.
    let reply = ada
        .call("delete", &[("current_password", PASSWORD), ("confirmation", "DELETE")])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::enter(&mut tx, ada_id, Some(acme))
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("select count(*) from workspaces")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

fn token_in(link: &str) -> String {
    link.split("token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn invitations_lead_new_people_through_sign_up_into_the_workspace_with_their_role() {
    let site = Site::new().await;
    let mut ada = owner_of_acme(&site).await;
    let invite = |email: &'static str, role: &'static str| [("workspace", "acme"), ("email", email), ("role", role)];

    let bad_role = ada
        .post("/api/workspaces/members/invite", &invite("bob@example.com", "owner"))
        .await;
    assert!(
        bad_role.error().field("role").is_some(),
        "ownership moves only by transfer"
    );
    let own = ada
        .post("/api/workspaces/members/invite", &invite("ada@example.com", "member"))
        .await;
    assert_eq!(
        own.error().field("email").unwrap(),
        "ada@example.com is already a member."
    );
    let sent = ada
        .post("/api/workspaces/members/invite", &invite("Bob@Example.com", "viewer"))
        .await;
    assert_eq!(sent.json(), "Invitation sent to bob@example.com.");
    let email: String = sqlx::query_scalar(
        "select subject from email_outbox where to_address = 'bob@example.com' and template = 'workspace_invitation'",
    )
    .fetch_one(&site.db.owner)
    .await
    .unwrap();
    assert_eq!(email, "Ada invited you to Acme on AudioTricks");
    let link = site.link_in_email("bob@example.com", "/invite?token=").await;
    let token = token_in(&link);

    // Anyone with the link sees what it is for; nobody else sees the workspace.
    let mut bob = site.browser(crate::accounts::FIREFOX, "198.51.100.7");
    let view = bob.post("/api/invitations/view", &[("token", &token)]).await.json();
    assert_eq!(view["workspace_name"], "Acme");
    assert_eq!(view["inviter"], "Ada");
    assert_eq!(view["role"], "Viewer");
    assert_eq!(view["for_you"], false);
    assert_eq!(view["usable"], true);
    let bogus = bob.post("/api/invitations/view", &[("token", &"A".repeat(43))]).await;
    assert_eq!(bogus.status, StatusCode::NOT_FOUND);
    assert_eq!(
        bob.post("/api/invitations/accept", &[("token", &token)]).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Sign-up carries the invitation through the confirmation link.
    let here = format!("/invite?token={token}");
    let reply = bob
        .call(
            "sign-up",
            &[
                ("name", "Bob"),
                ("email", "bob@example.com"),
                ("password", PASSWORD),
                ("next", &here),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let verify = site.link_in_email("bob@example.com", "/verify-email?token=").await;
    assert!(verify.contains("&next=%2Finvite%3Ftoken%3D"), "{verify}");
    let reply = bob
        .call(
            "confirm-email",
            &[("token", &token_in(&verify)), ("password", PASSWORD), ("next", &here)],
        )
        .await;
    assert_eq!(reply.location(), Some(here.as_str()));
    let view = bob.post("/api/invitations/view", &[("token", &token)]).await.json();
    assert_eq!(view["for_you"], true);
    let joined = bob.post("/api/invitations/accept", &[("token", &token)]).await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
    assert_eq!(joined.location(), Some("/w/acme?joined=1"));
    let again = bob.post("/api/invitations/accept", &[("token", &token)]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "single use");

    // Bob reads as a viewer and may not manage; Ada promotes him.
    let members = bob
        .post("/api/workspaces/members", &[("workspace", "acme")])
        .await
        .json();
    assert_eq!(members["my_role"], "Viewer");
    assert_eq!(members["members"].as_array().unwrap().len(), 2);
    assert_eq!(
        members["invitations"].as_array().unwrap().len(),
        0,
        "viewers do not see invitations"
    );
    let denied = bob
        .post("/api/workspaces/members/invite", &invite("carol@example.com", "viewer"))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let bob_id: uuid::Uuid = sqlx::query_scalar("select id from users where email = 'bob@example.com'")
        .fetch_one(&site.db.owner)
        .await
        .unwrap();
    let bob_id = bob_id.to_string();
    let promoted = ada
        .post(
            "/api/workspaces/members/role",
            &[("workspace", "acme"), ("user_id", &bob_id), ("role", "member")],
        )
        .await;
    assert_eq!(promoted.json(), "Role changed to Member.");
    let members = bob
        .post("/api/workspaces/members", &[("workspace", "acme")])
        .await
        .json();
    assert_eq!(members["my_role"], "Member");

    // Ownership moves with the owner's password; the old owner becomes an admin.
    let wrong = ada
        .post(
            "/api/workspaces/members/transfer",
            &[
                ("workspace", "acme"),
                ("user_id", &bob_id),
                ("current_password", "not my password at all"),
            ],
        )
        .await;
    assert_eq!(
        wrong.error().field("current_password").unwrap(),
        "That is not your current password."
    );
    let moved = ada
        .post(
            "/api/workspaces/members/transfer",
            &[
                ("workspace", "acme"),
                ("user_id", &bob_id),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let members = ada
        .post("/api/workspaces/members", &[("workspace", "acme")])
        .await
        .json();
    assert_eq!(members["my_role"], "Admin");
    let leave_owner = bob
        .post("/api/workspaces/members/leave", &[("workspace", "acme")])
        .await;
    assert_eq!(
        leave_owner.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the owner hands over before leaving"
    );
    let left = ada
        .post("/api/workspaces/members/leave", &[("workspace", "acme")])
        .await;
    assert_eq!(left.status, StatusCode::OK, "{}", left.body);
    assert_eq!(
        ada.post("/api/workspaces/members", &[("workspace", "acme")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action like 'workspace.%' and not metadata ? 'personal' order by id",
    )
    .fetch_all(&site.db.owner)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "workspace.created",
            "workspace.member_invited",
            "workspace.member_joined",
            "workspace.member_role_changed",
            "workspace.ownership_transferred",
            "workspace.member_left"
        ]
    );
}

#[tokio::test]
async fn invitations_can_be_resent_and_withdrawn_and_work_only_for_their_address() {
    let site = Site::new().await;
    let mut ada = owner_of_acme(&site).await;
    ada.post(
        "/api/workspaces/members/invite",
        &[("workspace", "acme"), ("email", "bob@example.com"), ("role", "member")],
    )
    .await;
    let first = token_in(&site.link_in_email("bob@example.com", "/invite?token=").await);
    let list = ada
        .post("/api/workspaces/members", &[("workspace", "acme")])
        .await
        .json();
    let id = list["invitations"][0]["id"].as_str().unwrap().to_owned();
    let resent = ada
        .post(
            "/api/workspaces/invitations/resend",
            &[("workspace", "acme"), ("id", &id)],
        )
        .await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.body);
    let second = token_in(&site.link_in_email("bob@example.com", "/invite?token=").await);
    assert_ne!(first, second);

    // Someone signed in with another address cannot use it.
    let mut carol = site.verified_account("Carol", "carol@example.com").await;
    carol.log_in("carol@example.com", PASSWORD).await;
    let old = carol.post("/api/invitations/view", &[("token", &first)]).await.json();
    assert_eq!(old["usable"], false, "a resent invitation's old link is dead");
    let refused = carol.post("/api/invitations/accept", &[("token", &second)]).await;
    assert!(refused
        .error()
        .to_string()
        .contains("This invitation is for bob@example.com"));

    let list = ada
        .post("/api/workspaces/members", &[("workspace", "acme")])
        .await
        .json();
    let id = list["invitations"][0]["id"].as_str().unwrap().to_owned();
    let revoked = ada
        .post(
            "/api/workspaces/invitations/revoke",
            &[("workspace", "acme"), ("id", &id)],
        )
        .await;
    assert_eq!(revoked.json(), "The invitation to bob@example.com no longer works.");
    let view = carol.post("/api/invitations/view", &[("token", &second)]).await.json();
    assert_eq!(view["usable"], false);
    let outsider = carol
        .post(
            "/api/workspaces/invitations/revoke",
            &[("workspace", "acme"), ("id", &id)],
        )
        .await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);
}

/// The form each workspace-scoped server function gets in the matrix: harmless arguments that
/// pass authorization and then fail or change nothing (unknown ids, a wrong password, an
/// invalid address).
fn matrix_fields(path: &str, slug: &str) -> Vec<(String, String)> {
    let unknown = uuid::Uuid::new_v4().to_string();
    let f = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    match path {
        "/api/workspaces/settings" => f(&[("slug", slug)]),
        "/api/workspaces/settings/update" => f(&[
            ("workspace", slug),
            ("name", "Renamed"),
            ("slug", "-not valid-"),
            ("default_language", "en"),
            ("retention_days", ""),
            ("timezone", "UTC"),
        ]),
        "/api/workspaces/members" | "/api/workspaces/members/leave" | "/api/workspaces/activity" => {
            f(&[("workspace", slug)])
        }
        "/api/workspaces/members/invite" => f(&[("workspace", slug), ("email", "not-an-address"), ("role", "viewer")]),
        "/api/workspaces/invitations/resend" | "/api/workspaces/invitations/revoke" => {
            f(&[("workspace", slug), ("id", &unknown)])
        }
        "/api/workspaces/members/role" => f(&[("workspace", slug), ("user_id", &unknown), ("role", "viewer")]),
        "/api/workspaces/delete" => f(&[("workspace", slug), ("confirm_name", "not the name")]),
        "/api/workspaces/roles" => f(&[("workspace", slug)]),
        "/api/workspaces/roles/create" => f(&[("workspace", slug), ("name", "")]),
        "/api/workspaces/roles/update" => f(&[("workspace", slug), ("id", &unknown), ("name", "")]),
        "/api/workspaces/roles/delete" => f(&[("workspace", slug), ("id", &unknown)]),
        "/api/workspaces/members/remove" => f(&[("workspace", slug), ("user_id", &unknown)]),
        "/api/workspaces/members/transfer" => f(&[
            ("workspace", slug),
            ("user_id", &unknown),
            ("current_password", "certainly not the password"),
        ]),
        "/api/storage/usage" => f(&[("workspace", slug)]),
        "/api/recordings/library" => f(&[("workspace", slug), ("trash", "false"), ("page", "1")]),
        "/api/recordings/detail" | "/api/recordings/trash" | "/api/recordings/restore" | "/api/recordings/delete" => {
            f(&[("workspace", slug), ("id", &unknown)])
        }
        "/api/recordings/rename" => f(&[("workspace", slug), ("id", &unknown), ("title", "New title")]),
        "/api/recordings/tags" => f(&[("workspace", slug), ("id", &unknown), ("tags", "a, b")]),
        "/api/recordings/import" => f(&[("workspace", slug), ("history", "[]")]),
        "/api/recordings/cut" => f(&[("workspace", slug), ("id", &unknown), ("cuts", "0-1000")]),
        "/api/recordings/voices" => f(&[("workspace", slug), ("engine", "local")]),
        "/api/recordings/speak" => f(&[
            ("workspace", slug),
            ("id", &unknown),
            ("what", "summary"),
            ("engine", "local"),
            ("voice", "en-us"),
            ("voice_name", ""),
        ]),
        "/api/transcripts/edit" => f(&[
            ("workspace", slug),
            ("id", &unknown),
            ("base_version", "1"),
            ("line", "0"),
            ("original", "a"),
            ("text", "b"),
        ]),
        "/api/transcripts/versions" => f(&[("workspace", slug), ("id", &unknown)]),
        "/api/transcripts/speaker" => f(&[
            ("workspace", slug),
            ("id", &unknown),
            ("base_version", "1"),
            ("line", "0"),
            ("speaker", "Ada"),
        ]),
        "/api/transcripts/rename-speaker" => f(&[("workspace", slug), ("id", &unknown), ("from", "Ada"), ("to", "Bo")]),
        "/api/transcripts/restore" => f(&[("workspace", slug), ("id", &unknown), ("version", "1")]),
        "/api/transcripts/view" | "/api/transcripts/cancel" => f(&[("workspace", slug), ("id", &unknown)]),
        "/api/transcripts/transcribe" => f(&[("workspace", slug), ("id", &unknown), ("engine", "local")]),
        "/api/transcripts/summarise" => f(&[("workspace", slug), ("id", &unknown), ("style", "brief")]),
        "/api/sharing/members/share" => f(&[
            ("workspace", slug),
            ("kind", "recording"),
            ("id", &unknown),
            ("member", &unknown),
            ("access", "view"),
        ]),
        "/api/sharing/members/stop" => f(&[
            ("workspace", slug),
            ("kind", "recording"),
            ("id", &unknown),
            ("member", &unknown),
        ]),
        "/api/sharing/links/create" => f(&[
            ("workspace", slug),
            ("kind", "recording"),
            ("id", &unknown),
            ("expires_in_days", "30"),
            ("link_password", ""),
        ]),
        "/api/sharing/links/revoke" => f(&[("workspace", slug), ("link", &unknown)]),
        "/api/api-keys/list" => f(&[("workspace", slug)]),
        "/api/api-keys/save" => f(&[("workspace", slug), ("provider", "openai"), ("key", "short")]),
        "/api/api-keys/remove" | "/api/api-keys/test" => f(&[("workspace", slug), ("provider", "elevenlabs")]),
        // JSON endpoints (see `matrix_json`).
        "/api/uploads/start" => f(&[("workspace", slug), ("file_name", "empty.wav"), ("size_bytes", "0")]),
        "/api/uploads/plan" | "/api/uploads/cancel" => f(&[("workspace", slug), ("id", &unknown)]),
        "/api/uploads/parts" | "/api/uploads/complete" => f(&[("workspace", slug), ("id", &unknown)]),
        other => panic!("{other} is workspace-scoped but the matrix has no arguments for it"),
    }
}

/// Server functions that take JSON (the upload protocol) get the matrix's fields as a JSON object.
fn matrix_json(path: &str, fields: &[(String, String)]) -> Option<serde_json::Value> {
    if !path.starts_with("/api/uploads/") {
        return None;
    }
    let mut object = serde_json::Map::new();
    for (k, v) in fields {
        let value = match k.as_str() {
            "size_bytes" => serde_json::json!(v.parse::<i64>().unwrap()),
            _ => serde_json::json!(v),
        };
        object.insert(k.clone(), value);
    }
    match path {
        "/api/uploads/start" => {
            object.insert("file_modified_ms".into(), serde_json::Value::Null);
        }
        "/api/uploads/parts" => {
            object.insert("done".into(), serde_json::json!([]));
            object.insert("want".into(), serde_json::json!([1]));
        }
        "/api/uploads/complete" => {
            object.insert("done".into(), serde_json::json!([]));
        }
        _ => {}
    }
    Some(serde_json::Value::Object(object))
}

async fn matrix_call(
    browser: &mut crate::accounts::Browser,
    path: &str,
    fields: &[(String, String)],
) -> crate::accounts::Reply {
    match matrix_json(path, fields) {
        Some(json) => browser.post_json(path, &json).await,
        None => {
            let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            browser.post(path, &form).await
        }
    }
}

#[tokio::test]
async fn every_workspace_server_function_refuses_outsiders_and_follows_the_role_matrix() {
    use app::workspaces::{
        registry::{Rule, SERVER_FNS},
        Role,
    };
    // Every registered server function is classified.
    let registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p).collect();
    for path in &registered {
        assert!(
            SERVER_FNS.iter().any(|(p, _)| p == path),
            "{path} is not in workspaces::registry::SERVER_FNS: classify it and add it to the matrix"
        );
    }
    for (path, _) in SERVER_FNS {
        assert!(
            registered.contains(path),
            "{path} is in the registry but not a server function"
        );
    }

    // Every role calls every function from one address: more than one client's usual minute.
    let site = Site::with(&[("RATE_LIMIT_PER_MINUTE", "100000")]).await;
    let mut owner = site.verified_account("Olive Owner", "owner@example.com").await;
    owner.log_in("owner@example.com", PASSWORD).await;
    owner
        .post("/api/workspaces/create", &[("name", "Target"), ("slug", "target")])
        .await;
    let mut browsers = vec![(Role::Owner, owner)];
    for (role, email) in [
        (Role::Admin, "admin@example.com"),
        (Role::Member, "member@example.com"),
        (Role::Viewer, "viewer@example.com"),
    ] {
        let mut browser = site.verified_account(role.label(), email).await;
        browser.log_in(email, PASSWORD).await;
        add_member(&site, "owner@example.com", "target", email, role.key()).await;
        browsers.push((role, browser));
    }
    let mut outsider = site.verified_account("Oscar Outsider", "outsider@example.com").await;
    outsider.log_in("outsider@example.com", PASSWORD).await;

    let scoped: Vec<_> = SERVER_FNS
        .iter()
        .filter_map(|(path, rule)| match rule {
            Rule::Workspace(need) => Some((*path, *need)),
            Rule::NotWorkspace => None,
        })
        .collect();
    // Leaving changes membership, so it goes last.
    let (leave, others): (Vec<_>, Vec<_>) = scoped.iter().partition(|(p, _)| p.ends_with("/leave"));
    let mut checked = 0;
    for (path, need) in others.iter().chain(leave.iter()) {
        let fields = matrix_fields(path, "target");
        let reply = matrix_call(&mut outsider, path, &fields).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path} as an outsider: {}",
            reply.body
        );
        assert_eq!(reply.error().to_string(), "That workspace was not found.", "{path}");
        for (role, browser) in browsers.iter_mut() {
            let reply = matrix_call(browser, path, &fields).await;
            let refused = reply.status == StatusCode::FORBIDDEN
                || (reply.status == StatusCode::NOT_FOUND && reply.body.contains("That workspace"));
            assert_eq!(
                !refused,
                role.meets(*need),
                "{path} as {role:?} ({}): {}",
                reply.status,
                reply.body
            );
            checked += 1;
        }
    }
    assert_eq!(checked, scoped.len() * 4);
    // The matrix changed nothing it should not have: the owner still owns the workspace.
    let mine = browsers[0]
        .1
        .post("/api/workspaces/members", &[("workspace", "target")])
        .await
        .json();
    assert_eq!(mine["my_role"], "Owner");
}

#[tokio::test]
async fn the_activity_feed_tells_what_happened_in_words_and_filters_by_member_and_kind() {
    let site = Site::new().await;
    let mut ada = owner_of_acme(&site).await;
    ada.post(
        "/api/workspaces/members/invite",
        &[("workspace", "acme"), ("email", "bob@example.com"), ("role", "viewer")],
    )
    .await;
    let token = token_in(&site.link_in_email("bob@example.com", "/invite?token=").await);
    let mut bob = site.verified_account("Bob", "bob@example.com").await;
    bob.log_in("bob@example.com", PASSWORD).await;
    bob.post("/api/invitations/accept", &[("token", &token)]).await;
    let bob_id = user_id(&site, "bob@example.com").await.to_string();
    ada.post(
        "/api/workspaces/members/role",
        &[("workspace", "acme"), ("user_id", &bob_id), ("role", "member")],
    )
    .await;
    // Something in another workspace, which Acme's feed must not show.
    ada.post(
        "/api/workspaces/create",
        &[("name", "Elsewhere"), ("slug", "elsewhere")],
    )
    .await;

    let feed = ada
        .post("/api/workspaces/activity", &[("workspace", "acme")])
        .await
        .json();
    let lines: Vec<String> = feed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["actor"].as_str().unwrap(), e["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [
            "Ada changed Bob\u{2019}s role from Viewer to Member",
            "Bob joined as Viewer",
            "Ada invited bob@example.com as Viewer",
            "Ada created the workspace \u{201c}Acme\u{201d}",
        ]
    );
    let by_bob = ada
        .post("/api/workspaces/activity", &[("workspace", "acme"), ("actor", &bob_id)])
        .await
        .json();
    assert_eq!(by_bob["entries"].as_array().unwrap().len(), 1);
    let invites = ada
        .post(
            "/api/workspaces/activity",
            &[("workspace", "acme"), ("kind", "workspace.member_invited")],
        )
        .await
        .json();
    assert_eq!(invites["entries"].as_array().unwrap().len(), 1);
    let bad = ada
        .post(
            "/api/workspaces/activity",
            &[("workspace", "acme"), ("kind", "drop table")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = ada.get("/w/acme").await;
    assert!(
        page.body.contains("joined as Viewer"),
        "the feed is on the workspace page"
    );
    let denied = bob.post("/api/workspaces/activity", &[("workspace", "acme")]).await;
    assert_eq!(denied.status, StatusCode::OK);
    assert_eq!(
        denied.json(),
        serde_json::Value::Null,
        "members do not read the audit trail"
    );
}

#[tokio::test]
async fn a_deleted_workspace_can_be_restored_until_the_purge_removes_it() {
    let site = Site::new().await;
    let mut ada = owner_of_acme(&site).await;
    let personal = ada
        .post(
            "/api/workspaces/delete",
            &[("workspace", "ada"), ("confirm_name", "Ada's workspace")],
        )
        .await;
    assert_eq!(personal.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", personal.body);
    let unconfirmed = ada
        .post(
            "/api/workspaces/delete",
            &[("workspace", "acme"), ("confirm_name", "acme")],
        )
        .await;
    assert_eq!(
        unconfirmed.error().field("confirm_name").unwrap(),
        "Type the workspace's name, Acme, exactly."
    );
    let deleted = ada
        .post(
            "/api/workspaces/delete",
            &[("workspace", "acme"), ("confirm_name", "Acme")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(deleted.location(), Some("/account?workspace_deleted=1"));
    assert_eq!(
        ada.post("/api/workspaces/settings", &[("slug", "acme")]).await.status,
        StatusCode::NOT_FOUND
    );
    let mine = ada.post("/api/workspaces/mine", &[]).await.json();
    assert_eq!(
        mine.as_array().unwrap().len(),
        1,
        "only the personal workspace is listed"
    );
    let restorable = ada.post("/api/workspaces/deleted", &[]).await.json();
    assert_eq!(restorable[0]["name"], "Acme");

    // Others cannot restore it.
    let mut bob = site.verified_account("Bob", "bob@example.com").await;
    bob.log_in("bob@example.com", PASSWORD).await;
    assert_eq!(
        bob.post("/api/workspaces/restore", &[("workspace", "acme")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let restored = ada.post("/api/workspaces/restore", &[("workspace", "acme")]).await;
    assert_eq!(restored.location(), Some("/w/acme"));
    assert_eq!(
        ada.post("/api/workspaces/settings", &[("slug", "acme")]).await.status,
        StatusCode::OK
    );

    // Deleted again and past its grace period: the purge removes it, and nothing else.
    ada.post(
        "/api/workspaces/delete",
        &[("workspace", "acme"), ("confirm_name", "Acme")],
    )
    .await;
    let objects = crate::recordings::Objects::new();
    let config = site.db.config(&[("STORAGE_DIR", &objects.0.display().to_string())]);
    let store = app::storage::Store::from_config(&config.storage, None);
    assert_eq!(
        app::workspaces::service::purge_due(&site.db.app, &store).await.unwrap(),
        0,
        "still in its grace period"
    );
    let ada_id = user_id(&site, "ada@example.com").await;
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::enter(&mut tx, ada_id, None).await.unwrap();
    let acme: uuid::Uuid = sqlx::query_scalar("select id from workspaces where slug = 'acme'")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    app::workspaces::tenant::enter(&mut tx, ada_id, Some(acme))
        .await
        .unwrap();
    sqlx::query("update workspaces set purge_after = now() - interval '1 second' where id = $1")
        .bind(acme)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Its files go with it (a live one and one in the trash); another workspace's stay.
    let other = uuid::Uuid::new_v4();
    for key in [
        format!("w/{acme}/recordings/{other}/original"),
        format!("trash/w/{acme}/recordings/{other}/original"),
        format!("w/{other}/recordings/{other}/original"),
    ] {
        let path = objects.0.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"audio").unwrap();
    }
    assert_eq!(
        app::workspaces::service::purge_due(&site.db.app, &store).await.unwrap(),
        1
    );
    assert!(!objects.0.join(format!("w/{acme}/recordings/{other}/original")).exists());
    assert!(!objects
        .0
        .join(format!("trash/w/{acme}/recordings/{other}/original"))
        .exists());
    assert!(objects
        .0
        .join(format!("w/{other}/recordings/{other}/original"))
        .exists());
    assert_eq!(
        ada.post("/api/workspaces/restore", &[("workspace", "acme")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mine = ada.post("/api/workspaces/mine", &[]).await.json();
    assert_eq!(
        mine.as_array().unwrap().len(),
        1,
        "the personal workspace survives the purge"
    );
    assert_eq!(
        site.count("select count(*) from audit_log where action = 'workspace.purged'")
            .await,
        1
    );
}

#[tokio::test]
async fn custom_roles_grant_exactly_their_permissions_and_never_more_than_their_author_has() {
    let site = Site::new().await;
    let mut ada = owner_of_acme(&site).await;
    let mut bob = site.verified_account("Bob", "bob@example.com").await;
    bob.log_in("bob@example.com", PASSWORD).await;
    add_member(&site, "ada@example.com", "acme", "bob@example.com", "member").await;

    let none = ada
        .post(
            "/api/workspaces/roles/create",
            &[("workspace", "acme"), ("name", "Empty")],
        )
        .await;
    assert_eq!(
        none.error().field("permissions").unwrap(),
        "Choose at least one permission."
    );
    let owner_only = ada
        .post(
            "/api/workspaces/roles/create",
            &[
                ("workspace", "acme"),
                ("name", "Boss"),
                ("permissions[]", "workspace.delete"),
            ],
        )
        .await;
    assert!(owner_only.error().field("permissions").is_some());
    let created = ada
        .post(
            "/api/workspaces/roles/create",
            &[
                ("workspace", "acme"),
                ("name", "Recruiter"),
                ("permissions[]", "transcripts.read"),
                ("permissions[]", "members.manage"),
            ],
        )
        .await;
    assert_eq!(created.json(), "Role \u{201c}Recruiter\u{201d} created.");
    let twice = ada
        .post(
            "/api/workspaces/roles/create",
            &[
                ("workspace", "acme"),
                ("name", "recruiter"),
                ("permissions[]", "transcripts.read"),
            ],
        )
        .await;
    assert_eq!(
        twice.error().field("name").unwrap(),
        "This workspace already has a role with that name."
    );
    let roles = ada.post("/api/workspaces/roles", &[("workspace", "acme")]).await.json();
    let recruiter = roles["custom"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        roles["custom"][0]["permissions"],
        serde_json::json!(["TranscriptsRead", "MembersManage"])
    );

    let bob_id = user_id(&site, "bob@example.com").await.to_string();
    let assigned = ada
        .post(
            "/api/workspaces/members/role",
            &[
                ("workspace", "acme"),
                ("user_id", &bob_id),
                ("role", &format!("custom:{recruiter}")),
            ],
        )
        .await;
    assert_eq!(assigned.json(), "Role changed to Recruiter.");
    let settings = bob.post("/api/workspaces/settings", &[("slug", "acme")]).await.json();
    assert_eq!(settings["Found"]["role_name"], "Recruiter");
    assert_eq!(settings["Found"]["can_manage"], false);
    // Recruiters invite; they do not change settings or roles.
    let invited = bob
        .post(
            "/api/workspaces/members/invite",
            &[
                ("workspace", "acme"),
                ("email", "carol@example.com"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.body);
    let admin_invite = bob
        .post(
            "/api/workspaces/members/invite",
            &[("workspace", "acme"), ("email", "dave@example.com"), ("role", "admin")],
        )
        .await;
    assert_eq!(
        admin_invite.status,
        StatusCode::FORBIDDEN,
        "nobody hands out more than they hold"
    );
    let role_edit = bob
        .post(
            "/api/workspaces/roles/create",
            &[
                ("workspace", "acme"),
                ("name", "Mine"),
                ("permissions[]", "transcripts.read"),
            ],
        )
        .await;
    assert_eq!(role_edit.status, StatusCode::FORBIDDEN);
    // A recruiter cannot raise itself, hand out Member, or act on someone who outranks it.
    let raise_self = bob
        .post(
            "/api/workspaces/members/role",
            &[("workspace", "acme"), ("user_id", &bob_id), ("role", "member")],
        )
        .await;
    assert_eq!(raise_self.status, StatusCode::UNPROCESSABLE_ENTITY);
    let member_invite = bob
        .post(
            "/api/workspaces/members/invite",
            &[("workspace", "acme"), ("email", "erin@example.com"), ("role", "member")],
        )
        .await;
    assert_eq!(member_invite.status, StatusCode::FORBIDDEN);
    let mut carl = site.verified_account("Carl", "carl@example.com").await;
    carl.log_in("carl@example.com", PASSWORD).await;
    add_member(&site, "ada@example.com", "acme", "carl@example.com", "admin").await;
    let carl_id = user_id(&site, "carl@example.com").await.to_string();
    let demote_admin = bob
        .post(
            "/api/workspaces/members/role",
            &[("workspace", "acme"), ("user_id", &carl_id), ("role", "viewer")],
        )
        .await;
    assert_eq!(demote_admin.status, StatusCode::FORBIDDEN);
    let remove_admin = bob
        .post(
            "/api/workspaces/members/remove",
            &[("workspace", "acme"), ("user_id", &carl_id)],
        )
        .await;
    assert_eq!(remove_admin.status, StatusCode::FORBIDDEN);
    let transfer_personal = ada
        .post(
            "/api/workspaces/members/transfer",
            &[
                ("workspace", "ada"),
                ("user_id", &bob_id),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        transfer_personal.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a personal workspace stays with its owner"
    );

    // A role in use cannot be deleted; once nobody has it, it can.
    let in_use = ada
        .post(
            "/api/workspaces/roles/delete",
            &[("workspace", "acme"), ("id", &recruiter)],
        )
        .await;
    assert_eq!(in_use.status, StatusCode::CONFLICT);
    ada.post(
        "/api/workspaces/members/role",
        &[("workspace", "acme"), ("user_id", &bob_id), ("role", "viewer")],
    )
    .await;
    let deleted = ada
        .post(
            "/api/workspaces/roles/delete",
            &[("workspace", "acme"), ("id", &recruiter)],
        )
        .await;
    assert_eq!(deleted.json(), "Role \u{201c}Recruiter\u{201d} deleted.");
    let page = ada.get("/w/acme/roles").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Invite and manage members"),
        "the matrix lists permissions"
    );
}

#[tokio::test]
async fn any_member_sees_the_team_and_can_leave_whatever_their_role_allows() {
    let site = Site::new().await;
    let mut ada = owner_of_acme(&site).await;
    let mut bea = site.verified_account("Bea", "bea@example.com").await;
    bea.log_in("bea@example.com", PASSWORD).await;
    add_member(&site, "ada@example.com", "acme", "bea@example.com", "viewer").await;
    let created = ada
        .post(
            "/api/workspaces/roles/create",
            &[
                ("workspace", "acme"),
                ("name", "Billing"),
                ("permissions[]", "billing.manage"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let roles = ada.post("/api/workspaces/roles", &[("workspace", "acme")]).await.json();
    let billing = roles["custom"][0]["id"].as_str().unwrap().to_owned();
    let bea_id = user_id(&site, "bea@example.com").await.to_string();
    let assigned = ada
        .post(
            "/api/workspaces/members/role",
            &[
                ("workspace", "acme"),
                ("user_id", &bea_id),
                ("role", &format!("custom:{billing}")),
            ],
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);

    // A role without transcripts.read still belongs: it sees who else does, the roles, the settings.
    for (path, field) in [
        ("/api/workspaces/members", "workspace"),
        ("/api/workspaces/roles", "workspace"),
        ("/api/workspaces/settings", "slug"),
    ] {
        let reply = bea.post(path, &[(field, "acme")]).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
    let feed = bea.post("/api/workspaces/activity", &[("workspace", "acme")]).await;
    assert_eq!(feed.json(), serde_json::Value::Null, "the feed needs audit.read");
    let left = bea
        .post("/api/workspaces/members/leave", &[("workspace", "acme")])
        .await;
    assert_eq!(left.status, StatusCode::OK, "{}", left.body);
    let after = bea.post("/api/workspaces/members", &[("workspace", "acme")]).await;
    assert_eq!(after.status, StatusCode::NOT_FOUND);

    // An old address redirects members only; to anyone else it is as unknown as any other.
    let renamed = ada
        .post(
            "/api/workspaces/settings/update",
            &[
                ("workspace", "acme"),
                ("name", "Acme"),
                ("slug", "acme-two"),
                ("default_language", "en"),
                ("retention_days", ""),
                ("timezone", "UTC"),
            ],
        )
        .await;
    assert!(
        renamed.status.is_success() || renamed.status.is_redirection(),
        "{}",
        renamed.body
    );
    let moved = ada.post("/api/workspaces/settings", &[("slug", "acme")]).await.json();
    assert_eq!(moved["Moved"], "acme-two");
    let outsider = bea.post("/api/workspaces/settings", &[("slug", "acme")]).await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND, "{}", outsider.body);
}
