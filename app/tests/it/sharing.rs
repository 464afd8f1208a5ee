//! Sharing a recording with chosen members (beyond their role) and through public links: what
//! each gives, that it ends when revoked, and that a link shows its one resource and nothing else.

use axum::http::StatusCode;

use crate::accounts::{Browser, Site, FIREFOX, PASSWORD};
use crate::recordings::{check_uploads, library, site, upload, upload_to, wav, Objects};
use crate::workspaces::{add_member, as_tenant, owner_of_acme, user_id};

async fn detail(browser: &mut Browser, id: &str) -> crate::accounts::Reply {
    browser
        .post("/api/recordings/detail", &[("workspace", "acme"), ("id", id)])
        .await
}

async fn share(ada: &mut Browser, id: &str, member: &str, access: &str) -> crate::accounts::Reply {
    ada.post(
        "/api/sharing/members/share",
        &[
            ("workspace", "acme"),
            ("kind", "recording"),
            ("id", id),
            ("member", member),
            ("access", access),
        ],
    )
    .await
}

async fn rename(browser: &mut Browser, id: &str, title: &str) -> StatusCode {
    browser
        .post(
            "/api/recordings/rename",
            &[("workspace", "acme"), ("id", id), ("title", title)],
        )
        .await
        .status
}

async fn member(site: &Site, name: &str, email: &str, role: &str) -> Browser {
    let mut browser = site.verified_account(name, email).await;
    browser.log_in(email, PASSWORD).await;
    add_member(site, "ada@example.com", "acme", email, role).await;
    browser
}

/// Gives the member a new custom role with these permissions.
async fn custom_role(ada: &mut Browser, site: &Site, email: &str, name: &str, permissions: &[&str]) {
    let mut fields = vec![("workspace", "acme"), ("name", name)];
    fields.extend(permissions.iter().map(|p| ("permissions[]", *p)));
    let created = ada.post("/api/workspaces/roles/create", &fields).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let roles = ada.post("/api/workspaces/roles", &[("workspace", "acme")]).await.json();
    let guest = roles["custom"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = user_id(site, email).await.to_string();
    let assigned = ada
        .post(
            "/api/workspaces/members/role",
            &[
                ("workspace", "acme"),
                ("user_id", &id),
                ("role", &format!("custom:{guest}")),
            ],
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);
}

#[tokio::test]
async fn a_share_gives_a_member_what_their_role_does_not_until_it_ends() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let id = upload(&mut ada, "standup.wav", &wav(1, 8000, 1)).await;
    let other = upload(&mut ada, "private.wav", &wav(1, 8000, 1)).await;
    check_uploads(&site, &objects).await;
    let mut bob = member(&site, "Bob", "bob@example.com", "viewer").await;
    let mut cara = member(&site, "Cara", "cara@example.com", "viewer").await;
    // A custom role without `transcripts.read`: Cara sees only what is shared with her.
    custom_role(&mut ada, &site, "cara@example.com", "Guest", &["audit.read"]).await;
    let bob_id = user_id(&site, "bob@example.com").await.to_string();
    let cara_id = user_id(&site, "cara@example.com").await.to_string();

    // Before: the viewer reads but cannot rename; the guest sees nothing; neither may share.
    assert_eq!(rename(&mut bob, &id, "Mine now").await, StatusCode::FORBIDDEN);
    assert_eq!(detail(&mut cara, &id).await.status, StatusCode::FORBIDDEN);
    let listed = library(&mut cara, false).await;
    assert_eq!(listed["shared_only"], true);
    assert_eq!(listed["recordings"].as_array().unwrap().len(), 0);
    assert_eq!(
        share(&mut bob, &id, &cara_id, "view").await.status,
        StatusCode::FORBIDDEN
    );
    let panel = detail(&mut ada, &id).await.json()["sharing"].clone();
    let candidates: Vec<&str> = panel["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(candidates, ["Bob", "Cara"]);
    assert_eq!(detail(&mut bob, &id).await.json()["sharing"], serde_json::Value::Null);

    // Pointless or wrong shares are refused in words.
    let already = share(&mut ada, &id, &bob_id, "view").await;
    assert_eq!(
        already.error().field("member").unwrap(),
        "Bob can already view everything here as Viewer."
    );
    let ada_id = user_id(&site, "ada@example.com").await.to_string();
    assert!(share(&mut ada, &id, &ada_id, "edit")
        .await
        .error()
        .field("member")
        .is_some());
    let stranger = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        share(&mut ada, &id, &stranger, "edit")
            .await
            .error()
            .field("member")
            .unwrap(),
        "Choose a member of this workspace."
    );
    assert!(share(&mut ada, &id, &bob_id, "own")
        .await
        .error()
        .field("access")
        .is_some());

    // Shared: Bob may edit this one recording (and only this one); Cara may view it.
    let shared = share(&mut ada, &id, &bob_id, "edit").await;
    assert_eq!(shared.json(), "Shared with Bob: can edit.");
    assert_eq!(share(&mut ada, &id, &cara_id, "view").await.status, StatusCode::OK);
    assert_eq!(rename(&mut bob, &id, "Bob's notes").await, StatusCode::OK);
    assert_eq!(rename(&mut bob, &other, "Not Bob's").await, StatusCode::FORBIDDEN);
    assert_eq!(detail(&mut bob, &id).await.json()["shared_with_me"], "Edit");
    let seen = detail(&mut cara, &id).await.json();
    assert_eq!(seen["recording"]["title"], "Bob's notes");
    assert_eq!(seen["can_edit"], false);
    assert!(seen["play_url"].is_string());
    assert_eq!(rename(&mut cara, &id, "Cara's").await, StatusCode::FORBIDDEN);
    assert_eq!(detail(&mut cara, &other).await.status, StatusCode::FORBIDDEN);
    let listed = library(&mut cara, false).await;
    let titles: Vec<&str> = listed["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Bob's notes"]);

    // Both heard about it in the bell (and by email, their default).
    let inbox = bob.post("/api/notifications/inbox", &[]).await.json();
    assert_eq!(
        inbox["recent"][0]["title"],
        "Ada shared \u{201c}standup\u{201d} with you in Acme (you can edit)"
    );
    assert_eq!(inbox["recent"][0]["link"], format!("/w/acme/recordings/{id}"));
    let latest: String = sqlx::query_scalar(
        "select subject from email_outbox where to_address = 'cara@example.com' and template = 'notification'
         order by created_at desc limit 1",
    )
    .fetch_one(&site.db.owner)
    .await
    .unwrap();
    assert!(latest.contains("shared \u{201c}standup\u{201d} with you"), "{latest}");

    // The panel lists them; the feed says what happened.
    let panel = detail(&mut ada, &id).await.json()["sharing"].clone();
    assert_eq!(panel["shares"].as_array().unwrap().len(), 2);
    assert_eq!(panel["candidates"].as_array().unwrap().len(), 0);
    let feed = ada
        .post("/api/workspaces/activity", &[("workspace", "acme")])
        .await
        .json();
    let texts: Vec<String> = feed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        texts.contains(&"shared \u{201c}standup\u{201d} with Bob (can edit)".to_owned()),
        "{texts:?}"
    );

    // Ended: back to what the role gives. Leaving the workspace ends a share too.
    let stopped = ada
        .post(
            "/api/sharing/members/stop",
            &[
                ("workspace", "acme"),
                ("kind", "recording"),
                ("id", &id),
                ("member", &bob_id),
            ],
        )
        .await;
    assert_eq!(stopped.status, StatusCode::OK, "{}", stopped.body);
    assert_eq!(rename(&mut bob, &id, "Again").await, StatusCode::FORBIDDEN);
    assert_eq!(
        cara.post("/api/workspaces/members/leave", &[("workspace", "acme")])
            .await
            .status,
        StatusCode::OK
    );
    let panel = detail(&mut ada, &id).await.json()["sharing"].clone();
    assert_eq!(panel["shares"].as_array().unwrap().len(), 0);

    // Sharing needs to see the thing, and passes on no more than the sharer holds.
    let mut dan = member(&site, "Dan", "dan@example.com", "viewer").await;
    custom_role(&mut ada, &site, "dan@example.com", "Forwarder", &["transcripts.share"]).await;
    assert_eq!(
        share(&mut dan, &id, &bob_id, "view").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(create_link(&mut dan, &id, "7", "").await.status, StatusCode::FORBIDDEN);
    let dan_id = user_id(&site, "dan@example.com").await.to_string();
    assert_eq!(share(&mut ada, &id, &dan_id, "view").await.status, StatusCode::OK);
    let cannot_edit = share(&mut dan, &id, &bob_id, "edit").await;
    assert_eq!(
        cannot_edit.error().field("access").unwrap(),
        "You cannot edit this yourself, so you can only let others view it."
    );
    assert_eq!(create_link(&mut dan, &id, "7", "").await.status, StatusCode::OK);
    assert_eq!(
        create_link(&mut dan, &other, "7", "").await.status,
        StatusCode::FORBIDDEN
    );

    // Another workspace's recordings and links are not found from here.
    let mut eve = site.verified_account("Eve", "eve@example.com").await;
    eve.log_in("eve@example.com", PASSWORD).await;
    eve.post(
        "/api/workspaces/create",
        &[("name", "Elsewhere"), ("slug", "elsewhere")],
    )
    .await;
    let theirs = upload_to(&mut eve, "elsewhere", "theirs.wav", &wav(1, 8000, 1)).await;
    check_uploads(&site, &objects).await;
    let eve_link = eve
        .post(
            "/api/sharing/links/create",
            &[
                ("workspace", "elsewhere"),
                ("kind", "recording"),
                ("id", &theirs),
                ("expires_in_days", "0"),
                ("link_password", ""),
            ],
        )
        .await;
    assert_eq!(eve_link.status, StatusCode::OK, "{}", eve_link.body);
    assert_eq!(
        create_link(&mut ada, &theirs, "7", "").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        share(&mut ada, &theirs, &bob_id, "edit").await.status,
        StatusCode::NOT_FOUND
    );
    let eve_link_id = detail_in(&mut eve, "elsewhere", &theirs).await["sharing"]["links"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoke = ada
        .post(
            "/api/sharing/links/revoke",
            &[("workspace", "acme"), ("link", &eve_link_id)],
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NOT_FOUND);
    assert_eq!(
        detail_in(&mut eve, "elsewhere", &theirs).await["sharing"]["links"][0]["state"],
        "Active"
    );
}

async fn detail_in(browser: &mut Browser, workspace: &str, id: &str) -> serde_json::Value {
    let reply = browser
        .post("/api/recordings/detail", &[("workspace", workspace), ("id", id)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

pub(crate) async fn create_link(ada: &mut Browser, id: &str, days: &str, password: &str) -> crate::accounts::Reply {
    ada.post(
        "/api/sharing/links/create",
        &[
            ("workspace", "acme"),
            ("kind", "recording"),
            ("id", id),
            ("expires_in_days", days),
            ("link_password", password),
        ],
    )
    .await
}

pub(crate) fn token_of(url: &str) -> String {
    url.rsplit_once("/s/").unwrap().1.to_owned()
}

pub(crate) async fn open(visitor: &mut Browser, token: &str) -> serde_json::Value {
    let reply = visitor.post("/api/shared/open", &[("token", token)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

/// Counts rows of `table` a visitor's transaction sees when it presents `token`.
pub(crate) async fn visible_with_token(site: &Site, token: &str, table: &str) -> i64 {
    let mut tx = site.db.app.begin().await.unwrap();
    app::workspaces::tenant::present_public_link(&mut tx, &app::sharing::links::token_digest(token))
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    n
}

#[tokio::test]
async fn a_public_link_shows_one_recording_to_anyone_until_it_is_revoked() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let file = wav(1, 8000, 1);
    let id = upload(&mut ada, "launch.wav", &file).await;
    upload(&mut ada, "other.wav", &file).await;
    check_uploads(&site, &objects).await;
    let mut bob = member(&site, "Bob", "bob@example.com", "viewer").await;
    assert_eq!(create_link(&mut bob, &id, "30", "").await.status, StatusCode::FORBIDDEN);
    assert!(create_link(&mut ada, &id, "3", "")
        .await
        .error()
        .field("expires_in_days")
        .is_some());

    let created = create_link(&mut ada, &id, "30", "").await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let url = created.json().as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:3000/s/"), "{url}");
    let token = token_of(&url);
    assert_eq!(token.len(), 22, "128 bits in unpadded base64url");

    // A logged-out visitor gets the recording and a link that plays it, and nothing else.
    let mut visitor = site.browser(FIREFOX, "203.0.113.9");
    let seen = open(&mut visitor, &token).await;
    let recording = &seen["Open"]["Recording"];
    assert_eq!(recording["title"], "launch");
    let play = recording["play_url"].as_str().unwrap().to_owned();
    assert_eq!(play, format!("/s/{token}/media"));
    let redirect = visitor.get(&play).await;
    assert_eq!(redirect.status, StatusCode::TEMPORARY_REDIRECT);
    let file_url = redirect.headers["location"].to_str().unwrap().to_owned();
    assert!(
        file_url.contains("name=launch.wav"),
        "named after the title: {file_url}"
    );
    let played = visitor.get(&file_url).await;
    assert_eq!(played.status, StatusCode::OK);
    assert_eq!(played.body.len(), String::from_utf8_lossy(&file).len());
    assert_eq!(visible_with_token(&site, &token, "recordings").await, 1);
    assert_eq!(visible_with_token(&site, &token, "public_links").await, 1);
    // Even a query written by mistake could only count a view, never change the link.
    for change in [
        "update public_links set revoked_at = null",
        "update public_links set expires_at = null",
        "update public_links set password_hash = null",
        "update public_links set resource_id = gen_random_uuid()",
        "update public_links set view_count = 0",
        "delete from public_links",
    ] {
        let mut tx = site.db.app.begin().await.unwrap();
        app::workspaces::tenant::present_public_link(&mut tx, &app::sharing::links::token_digest(&token))
            .await
            .unwrap();
        let changed = sqlx::query(change).execute(&mut *tx).await;
        assert!(
            changed.is_err() || changed.unwrap().rows_affected() == 0,
            "a visitor ran: {change}"
        );
        tx.rollback().await.unwrap();
    }
    for table in [
        "workspaces",
        "workspace_members",
        "resource_shares",
        "uploads",
        "workspace_activity",
    ] {
        assert_eq!(visible_with_token(&site, &token, table).await, 0, "{table}");
    }
    let page = visitor.get(&format!("/s/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("launch"));
    assert!(page.body.contains(r#"content="noindex, nofollow""#));
    assert!(!page.body.contains("Acme"), "the workspace's name is not shown");
    assert_eq!(page.headers["x-robots-tag"], "noindex, nofollow");
    assert_eq!(page.headers["referrer-policy"], "same-origin");

    // Views are counted for the people who share it.
    let links = detail(&mut ada, &id).await.json()["sharing"]["links"].clone();
    assert_eq!(links[0]["views"], 2);
    assert_eq!(links[0]["url"], url.as_str());
    assert_eq!(links[0]["state"], "Active");

    // Made-up or damaged tokens show nothing.
    for bad in ["short", "AAAAAAAAAAAAAAAAAAAAAA", "../../../../etc/passwd!!"] {
        assert!(open(&mut visitor, bad).await["Gone"].is_string(), "{bad}");
    }

    // Revoked: the link, its page and the row-level view of the recording all stop.
    let link_id = links[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        bob.post(
            "/api/sharing/links/revoke",
            &[("workspace", "acme"), ("link", &link_id)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let revoked = ada
        .post(
            "/api/sharing/links/revoke",
            &[("workspace", "acme"), ("link", &link_id)],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(
        open(&mut visitor, &token).await["Gone"],
        "This link was turned off by the people who shared it."
    );
    assert_eq!(visitor.get(&format!("/s/{token}")).await.status, StatusCode::GONE);
    assert_eq!(
        visitor.get(&play).await.status,
        StatusCode::GONE,
        "a revoked link stops the player too"
    );
    assert_eq!(visible_with_token(&site, &token, "recordings").await, 0);

    // A recording moved to the trash takes its links' content with it.
    let url = create_link(&mut ada, &id, "0", "")
        .await
        .json()
        .as_str()
        .unwrap()
        .to_owned();
    let token = token_of(&url);
    assert!(open(&mut visitor, &token).await["Open"].is_object());
    let trashed = ada
        .post("/api/recordings/trash", &[("workspace", "acme"), ("id", &id)])
        .await;
    assert_eq!(trashed.status, StatusCode::OK, "{}", trashed.body);
    assert_eq!(
        open(&mut visitor, &token).await["Gone"],
        "What this link shared is no longer available."
    );
    // Deleting it for good removes its links (and shares) with it.
    let deleted = ada
        .post("/api/recordings/delete", &[("workspace", "acme"), ("id", &id)])
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(open(&mut visitor, &token).await["Gone"].as_str().unwrap(), DEAD_LINK);
}

const DEAD_LINK: &str = "This link doesn't work. Check that it was copied whole, or ask whoever sent it for a new one.";

#[tokio::test]
async fn a_password_link_shows_nothing_until_the_password_and_expires() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let id = upload(&mut ada, "board.wav", &wav(1, 8000, 1)).await;
    check_uploads(&site, &objects).await;
    assert!(create_link(&mut ada, &id, "7", "short")
        .await
        .error()
        .field("link_password")
        .is_some());
    let url = create_link(&mut ada, &id, "7", "tangerine bicycle")
        .await
        .json()
        .as_str()
        .unwrap()
        .to_owned();
    let token = token_of(&url);

    let mut visitor = site.browser(FIREFOX, "203.0.113.10");
    assert_eq!(open(&mut visitor, &token).await, "Locked");
    let page = visitor.get(&format!("/s/{token}")).await;
    assert!(
        !page.body.contains("board"),
        "nothing of the recording before the password"
    );
    let wrong = visitor
        .post("/api/shared/unlock", &[("token", &token), ("password", "guess")])
        .await;
    assert_eq!(wrong.error().field("password").unwrap(), "That password is not right.");
    let right = visitor
        .post(
            "/api/shared/unlock",
            &[("token", &token), ("password", "tangerine bicycle")],
        )
        .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    let cookie = right.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(open(&mut visitor, &token).await["Open"]["Recording"]["title"], "board");
    // The cookie opens this link only, in this browser only.
    let mut elsewhere = site.browser(FIREFOX, "203.0.113.11");
    assert_eq!(open(&mut elsewhere, &token).await, "Locked");
    let forged: Vec<(String, String)> = visitor
        .cookies
        .clone()
        .into_iter()
        .filter(|(k, _)| k.starts_with("at_link_"))
        .collect();
    assert_eq!(forged.len(), 1);
    for (name, value) in forged {
        let expires = value.split('.').next().unwrap().parse::<i64>().unwrap() + 1000;
        elsewhere
            .cookies
            .insert(name, format!("{expires}.{}", value.split('.').nth(1).unwrap()));
    }
    assert_eq!(open(&mut elsewhere, &token).await, "Locked");

    // Guessing is limited per address.
    let mut guesser = site.browser(FIREFOX, "203.0.113.12");
    for n in 0..10 {
        let status = guesser
            .post(
                "/api/shared/unlock",
                &[("token", &token), ("password", &format!("guess {n}"))],
            )
            .await
            .status;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "guess {n}");
    }
    let limited = guesser
        .post(
            "/api/shared/unlock",
            &[("token", &token), ("password", "tangerine bicycle")],
        )
        .await;
    if limited.status != StatusCode::TOO_MANY_REQUESTS {
        // Windows are fixed, per quarter hour: one ended during the guesses, and the new one
        // must refuse within its own 10.
        let mut refused = false;
        for n in 0..10 {
            let status = guesser
                .post(
                    "/api/shared/unlock",
                    &[("token", &token), ("password", &format!("again {n}"))],
                )
                .await
                .status;
            if status == StatusCode::TOO_MANY_REQUESTS {
                refused = true;
                break;
            }
        }
        assert!(refused, "guessing was never limited");
    }

    // Past its expiry the link shows nothing, even to a browser that had the password.
    let ada_id = user_id(&site, "ada@example.com").await;
    let workspace = as_tenant(&site, ada_id, None, "select id from workspaces where slug = $1", "acme").await;
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::enter(&mut tx, ada_id, Some(workspace))
        .await
        .unwrap();
    sqlx::query("update public_links set expires_at = now() - interval '1 minute'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let gone = open(&mut visitor, &token).await;
    assert!(
        gone["Gone"].as_str().unwrap().starts_with("This link expired on "),
        "{gone}"
    );
    assert_eq!(
        detail(&mut ada, &id).await.json()["sharing"]["links"][0]["state"],
        "Expired"
    );

    // Deleting the workspace turns its links off (and a restore leaves them off).
    let url = create_link(&mut ada, &id, "0", "")
        .await
        .json()
        .as_str()
        .unwrap()
        .to_owned();
    let token = token_of(&url);
    assert!(open(&mut visitor, &token).await["Open"].is_object());
    let deleted = ada
        .post(
            "/api/workspaces/delete",
            &[("workspace", "acme"), ("confirm_name", "Acme")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(
        open(&mut visitor, &token).await["Gone"],
        "This link was turned off by the people who shared it."
    );
}
