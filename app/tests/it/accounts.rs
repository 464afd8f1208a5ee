//! Accounts over HTTP, as browsers use them: sign-up and verification, sign-in with lockout,
//! sessions (cookie, rotation, revocation, timeouts), reset, email change, export and deletion.

use std::collections::BTreeMap;

use axum::{
    body::{to_bytes, Body},
    http::{header, HeaderMap, Request, StatusCode},
    Router,
};
use tower::ServiceExt;

use crate::support::TestDb;

pub(crate) const CHROME: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
pub(crate) const FIREFOX: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
pub(crate) const PASSWORD: &str = "violet tractor under 42 lanterns";

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub(crate) fn error(&self) -> app::error::AppError {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not an AppError ({e}): {}", self.body))
    }
    pub(crate) fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }
}

/// One browser: its own cookie jar, user agent and address.
pub(crate) struct Browser {
    router: Router,
    pub(crate) cookies: BTreeMap<String, String>,
    user_agent: &'static str,
    pub(crate) ip: &'static str,
    origin: String,
}

fn form(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Browser {
    pub(crate) fn new(router: &Router, user_agent: &'static str, ip: &'static str) -> Self {
        Self {
            router: router.clone(),
            cookies: BTreeMap::new(),
            user_agent,
            ip,
            origin: "http://127.0.0.1:3000".into(),
        }
    }

    pub(crate) fn session_cookie(&self) -> Option<String> {
        self.cookies.get("audiotricks_session").cloned()
    }

    /// Sends as this browser (its cookies, user agent and address) and hands back the response
    /// unread: for streams such as Server-Sent Events.
    pub(crate) async fn open(&self, mut request: Request<Body>) -> axum::response::Response {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let headers = request.headers_mut();
        headers.insert(header::USER_AGENT, self.user_agent.parse().unwrap());
        if !cookie.is_empty() {
            headers.insert(header::COOKIE, cookie.parse().unwrap());
        }
        let addr: std::net::SocketAddr = format!("{}:50000", self.ip).parse().unwrap();
        request.extensions_mut().insert(axum::extract::ConnectInfo(addr));
        self.router.clone().oneshot(request).await.unwrap()
    }

    pub(crate) async fn send(&mut self, request: Request<Body>) -> Reply {
        let response = self.open(request).await;
        for set in response.headers().get_all(header::SET_COOKIE) {
            let text = set.to_str().unwrap();
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), 10 << 20).await.unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// A server function call as the hydrated app makes it.
    pub(crate) async fn call(&mut self, endpoint: &str, fields: &[(&str, &str)]) -> Reply {
        self.post(&format!("/api/account/{endpoint}"), fields).await
    }

    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = form(fields);
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, self.origin.clone())
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// A server function declared with JSON input, as the upload code in the browser calls it.
    pub(crate) async fn post_json(&mut self, path: &str, body: &serde_json::Value) -> Reply {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, self.origin.clone())
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(request).await
    }

    /// A PUT of raw bytes (an upload part), as the browser sends it to a signed URL.
    pub(crate) async fn put_bytes(&mut self, url: &str, bytes: Vec<u8>) -> Reply {
        let request = Request::put(url)
            .header(header::ORIGIN, self.origin.clone())
            .body(Body::from(bytes))
            .unwrap();
        self.send(request).await
    }

    pub(crate) async fn get(&mut self, path: &str) -> Reply {
        let request = Request::get(path)
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    pub(crate) async fn me(&mut self) -> serde_json::Value {
        let reply = self.call("me", &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json()
    }

    pub(crate) async fn log_in(&mut self, email: &str, password: &str) -> Reply {
        self.call("log-in", &[("email", email), ("password", password)]).await
    }
}

pub(crate) struct Site {
    pub(crate) db: TestDb,
    router: Router,
    origin: String,
}

impl Site {
    pub(crate) async fn new() -> Self {
        Self::with(&[]).await
    }

    pub(crate) async fn with(extra: &[(&str, &str)]) -> Self {
        Self::on(TestDb::new().await, extra).await
    }

    pub(crate) async fn on(db: TestDb, extra: &[(&str, &str)]) -> Self {
        let state = db.state(extra);
        let origin = state.config.public_url.as_str().to_owned();
        let router = app::server::http::router(state);
        Self { db, router, origin }
    }

    pub(crate) fn browser(&self, user_agent: &'static str, ip: &'static str) -> Browser {
        let mut browser = Browser::new(&self.router, user_agent, ip);
        browser.origin = self.origin.clone();
        browser
    }

    /// The link in the newest email to `to` whose text contains `marker`.
    pub(crate) async fn link_in_email(&self, to: &str, marker: &str) -> String {
        let text: String = sqlx::query_scalar(
            "select text_body from email_outbox where to_address = $1 and text_body like '%' || $2 || '%'
             order by created_at desc limit 1",
        )
        .bind(to)
        .bind(marker)
        .fetch_one(&self.db.owner)
        .await
        .unwrap_or_else(|_| panic!("no email to {to} with {marker}"));
        let start = text.find(&self.origin).expect("a link");
        let link: String = text[start..]
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != ')')
            .collect();
        link.trim_start_matches(&self.origin).to_owned()
    }

    pub(crate) async fn emails_to(&self, to: &str, template: &str) -> i64 {
        sqlx::query_scalar("select count(*) from email_outbox where to_address = $1 and template = $2")
            .bind(to)
            .bind(template)
            .fetch_one(&self.db.owner)
            .await
            .unwrap()
    }

    pub(crate) async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.db.owner).await.unwrap()
    }

    pub(crate) async fn events(&self, email: &str) -> Vec<String> {
        sqlx::query_scalar(
            "select kind from security_events e join users u on u.id = e.user_id where u.email = $1 order by e.id",
        )
        .bind(email)
        .fetch_all(&self.db.owner)
        .await
        .unwrap()
    }

    /// Signs up and confirms the address (which signs in), then logs out: returns a browser that
    /// is not signed in.
    pub(crate) async fn verified_account(&self, name: &str, email: &str) -> Browser {
        let mut browser = self.browser(CHROME, "203.0.113.10");
        let reply = browser
            .call("sign-up", &[("name", name), ("email", email), ("password", PASSWORD)])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let link = self.link_in_email(email, "/verify-email?token=").await;
        let token = link.split("token=").nth(1).unwrap().to_owned();
        let reply = browser
            .call("confirm-email", &[("token", &token), ("password", PASSWORD)])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(browser.call("log-out", &[]).await.status, StatusCode::OK);
        browser
    }
}

fn token_of(link: &str) -> String {
    link.split("token=").nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn sign_up_confirm_and_log_in_with_a_safe_session_cookie() {
    let site = Site::new().await;
    let mut browser = site.browser(CHROME, "203.0.113.10");
    let reply = browser
        .call(
            "sign-up",
            &[
                ("name", "Ada Lovelace"),
                ("email", " Ada@Example.com "),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.location(), Some("/check-email?email=ada%40example.com"));
    let hash: String = sqlx::query_scalar("select password_hash from users where email = 'ada@example.com'")
        .fetch_one(&site.db.owner)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));

    // Not before the address is confirmed.
    let early = browser.log_in("ada@example.com", PASSWORD).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.error().to_string().contains("Confirm your email address first"));
    assert!(browser.session_cookie().is_none());

    let link = site.link_in_email("ada@example.com", "/verify-email?token=").await;
    assert!(link.starts_with("/verify-email?token="), "{link}");
    // Confirming needs the account's password too: a mailbox alone is not the account.
    let wrong = browser
        .call(
            "confirm-email",
            &[("token", &token_of(&link)), ("password", "not the password at all")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong.error().field("password").unwrap(),
        "That is not the password of this account."
    );
    let reply = browser
        .call("confirm-email", &[("token", &token_of(&link)), ("password", PASSWORD)])
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "the wrong try did not spend the link: {}",
        reply.body
    );
    assert_eq!(reply.location(), Some("/account?welcome=1"));
    assert_eq!(browser.me().await["email"], "ada@example.com", "confirming signs in");
    let again = browser
        .call("confirm-email", &[("token", &token_of(&link)), ("password", PASSWORD)])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "links work once");

    browser.call("log-out", &[]).await;
    assert_eq!(browser.me().await, serde_json::Value::Null);
    let reply = browser.log_in("ADA@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.location(), Some("/account"));
    let cookie = reply.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("audiotricks_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"));
    assert!(!cookie.contains("Secure"), "plain http in development");
    let me = browser.me().await;
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me["name"], "Ada Lovelace");

    assert_eq!(
        site.events("ada@example.com").await,
        [
            "account_created",
            "sign_in_failed",
            "email_verified",
            "signed_in",
            "signed_in"
        ]
    );
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where actor_type = 'user' order by id")
        .fetch_all(&site.db.owner)
        .await
        .unwrap();
    assert_eq!(
        actions,
        [
            "workspace.created",
            "user.signed_up",
            "user.email_verified",
            "user.signed_in",
            "user.signed_out",
            "user.signed_in"
        ]
    );

    // Log out ends the session server-side too.
    let old_cookie = browser.session_cookie().unwrap();
    let reply = browser.call("log-out", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(browser.me().await, serde_json::Value::Null);
    browser.cookies.insert("audiotricks_session".into(), old_cookie);
    assert_eq!(
        browser.me().await,
        serde_json::Value::Null,
        "a logged-out cookie is dead"
    );
}

#[tokio::test]
async fn the_session_cookie_is_secure_and_host_only_over_https() {
    let site = Site::with(&[("PUBLIC_URL", "https://audio.example.com")]).await;
    let mut browser = site.verified_account("Grace", "grace@example.com").await;
    let mut request = Request::post("/api/account/log-in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://audio.example.com")
        .body(Body::from(form(&[
            ("email", "grace@example.com"),
            ("password", PASSWORD),
        ])))
        .unwrap();
    request
        .headers_mut()
        .insert(header::ACCEPT, "application/json".parse().unwrap());
    let reply = browser.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.starts_with("__Host-audiotricks_session=") && cookie.contains("Secure"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain="), "host-only");
}

#[tokio::test]
async fn bad_sign_up_input_gets_field_errors_and_changes_nothing() {
    let site = Site::new().await;
    let mut browser = site.browser(CHROME, "203.0.113.10");
    let reply = browser
        .call(
            "sign-up",
            &[("name", " "), ("email", "not-an-address"), ("password", "password123")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = reply.error();
    assert_eq!(error.field("name").unwrap(), "Enter your name.");
    assert!(error.field("email").unwrap().contains("like name@example.com"));
    assert!(error
        .field("password")
        .unwrap()
        .starts_with("This password is too easy to guess."));
    assert_eq!(error.echoed("email").as_deref(), Some("not-an-address"));
    assert_eq!(error.echoed("password"), None, "passwords are never echoed");

    let missing = browser.call("sign-up", &[("name", "Ada")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", missing.body);
    assert!(missing.error().to_string().contains("could not be read"));

    assert_eq!(site.count("select count(*) from users").await, 0);
    assert_eq!(site.count("select count(*) from email_outbox").await, 0);
}

#[tokio::test]
async fn signing_up_with_a_taken_address_looks_the_same_and_tells_the_owner() {
    let site = Site::new().await;
    site.verified_account("Ada", "ada@example.com").await;
    let mut stranger = site.browser(FIREFOX, "198.51.100.7");
    let fresh = stranger
        .call(
            "sign-up",
            &[("name", "Eve"), ("email", "eve@example.com"), ("password", PASSWORD)],
        )
        .await;
    let taken = stranger
        .call(
            "sign-up",
            &[("name", "Eve"), ("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!((fresh.status, taken.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(fresh.body, taken.body);
    assert_eq!(taken.location(), Some("/check-email?email=ada%40example.com"));
    assert_eq!(site.emails_to("ada@example.com", "account_exists").await, 1);
    let name: String = sqlx::query_scalar("select name from users where email = 'ada@example.com'")
        .fetch_one(&site.db.owner)
        .await
        .unwrap();
    assert_eq!(name, "Ada", "the existing account is untouched");
}

#[tokio::test]
async fn wrong_passwords_and_unknown_addresses_get_the_same_answer_then_a_growing_lock() {
    let site = Site::new().await;
    let mut ada = site.verified_account("Ada", "ada@example.com").await;
    let wrong = ada.log_in("ada@example.com", "not the password at all").await;
    let unknown = ada.log_in("nobody@example.com", "not the password at all").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(
        wrong.body, unknown.body,
        "no difference between a wrong password and no account"
    );

    // Five failures in all lock the address, known or not, with Retry-After.
    for _ in 0..4 {
        ada.log_in("ada@example.com", "not the password at all").await;
        ada.log_in("nobody@example.com", "not the password at all").await;
    }
    let locked = ada.log_in("ada@example.com", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
    let retry: u64 = locked.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    assert!(locked
        .error()
        .to_string()
        .starts_with("Too many attempts. Try again in"));
    let locked_unknown = ada.log_in("nobody@example.com", "whatever it is").await;
    assert_eq!(locked_unknown.status, StatusCode::TOO_MANY_REQUESTS);

    let events = site.events("ada@example.com").await;
    assert_eq!(events.iter().filter(|e| *e == "sign_in_failed").count(), 5);
    assert!(events.contains(&"sign_in_locked".to_owned()));
    assert_eq!(site.emails_to("ada@example.com", "security_alert").await, 1);

    // The next failure after the lock ends doubles it.
    sqlx::query("update sign_in_throttles set locked_until = now() where email = 'ada@example.com'")
        .execute(&site.db.owner)
        .await
        .unwrap();
    let again = ada.log_in("ada@example.com", "still not it").await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = again.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((31..=60).contains(&retry), "{retry}");

    // After the lock, the right password works and clears the count.
    sqlx::query("update sign_in_throttles set locked_until = now()")
        .execute(&site.db.owner)
        .await
        .unwrap();
    assert_eq!(ada.log_in("ada@example.com", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(
        site.count("select count(*) from sign_in_throttles where email = 'ada@example.com'")
            .await,
        0
    );
}

#[tokio::test]
async fn sessions_are_listed_revocable_and_refused_once_revoked() {
    let site = Site::new().await;
    let mut laptop = site.verified_account("Ada", "ada@example.com").await;
    assert_eq!(laptop.log_in("ada@example.com", PASSWORD).await.status, StatusCode::OK);
    let mut phone = site.browser(FIREFOX, "198.51.100.7");
    assert_eq!(phone.log_in("ada@example.com", PASSWORD).await.status, StatusCode::OK);
    // A browser family and system never seen before on this account is a new device.
    assert!(site.events("ada@example.com").await.contains(&"new_device".to_owned()));
    assert_eq!(site.emails_to("ada@example.com", "security_alert").await, 1);

    let list = laptop.call("sessions", &[]).await.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let current = list.iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(current["device"], "Chrome 131 on Linux");
    assert_eq!(current["ip"], "203.0.113.10");
    let other = list.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["device"], "Firefox 133 on Windows 10");
    assert_eq!(other["ip"], "198.51.100.7");

    let own = laptop
        .call("sessions/revoke", &[("id", current["id"].as_str().unwrap())])
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY, "log out instead");
    let bogus = laptop.call("sessions/revoke", &[("id", "not-a-uuid")]).await;
    assert_eq!(bogus.status, StatusCode::NOT_FOUND);

    assert_eq!(phone.me().await["email"], "ada@example.com");
    let reply = laptop
        .call("sessions/revoke", &[("id", other["id"].as_str().unwrap())])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(phone.me().await, serde_json::Value::Null, "refused on its next request");
    assert_eq!(laptop.me().await["email"], "ada@example.com");
    assert!(site
        .events("ada@example.com")
        .await
        .contains(&"session_revoked".to_owned()));

    // Someone else's session id is not yours to revoke.
    let mut grace = site.verified_account("Grace", "grace@example.com").await;
    assert_eq!(grace.log_in("grace@example.com", PASSWORD).await.status, StatusCode::OK);
    let reply = grace
        .call("sessions/revoke", &[("id", current["id"].as_str().unwrap())])
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(laptop.me().await["email"], "ada@example.com");

    // Revoke all others.
    let mut tablet = site.browser(CHROME, "198.51.100.8");
    tablet.log_in("ada@example.com", PASSWORD).await;
    let reply = laptop.call("sessions/revoke-others", &[]).await;
    assert_eq!(reply.json(), "Signed out 1 other session.");
    assert_eq!(tablet.me().await, serde_json::Value::Null);
    assert_eq!(laptop.me().await["email"], "ada@example.com");
}

#[tokio::test]
async fn idle_and_expired_sessions_end() {
    let site = Site::with(&[("SESSION_IDLE_MINUTES", "30")]).await;
    let mut browser = site.verified_account("Ada", "ada@example.com").await;
    browser.log_in("ada@example.com", PASSWORD).await;
    sqlx::query("update user_sessions set last_seen_at = now() - interval '29 minutes'")
        .execute(&site.db.owner)
        .await
        .unwrap();
    assert_eq!(
        browser.me().await["email"],
        "ada@example.com",
        "still within the idle timeout"
    );
    sqlx::query("update user_sessions set last_seen_at = now() - interval '31 minutes'")
        .execute(&site.db.owner)
        .await
        .unwrap();
    assert_eq!(browser.me().await, serde_json::Value::Null);

    browser.log_in("ada@example.com", PASSWORD).await;
    sqlx::query("update user_sessions set expires_at = now() where revoked_at is null")
        .execute(&site.db.owner)
        .await
        .unwrap();
    assert_eq!(
        browser.me().await,
        serde_json::Value::Null,
        "past the absolute lifetime"
    );
}

#[tokio::test]
async fn changing_the_password_rotates_the_session_id_and_signs_out_other_devices() {
    let site = Site::new().await;
    let mut laptop = site.verified_account("Ada", "ada@example.com").await;
    laptop.log_in("ada@example.com", PASSWORD).await;
    let mut phone = site.browser(FIREFOX, "198.51.100.7");
    phone.log_in("ada@example.com", PASSWORD).await;
    let before = laptop.session_cookie().unwrap();

    let wrong = laptop
        .call(
            "change-password",
            &[
                ("current_password", "nope nope nope"),
                ("new_password", "another fine long passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong.error().field("current_password").unwrap(),
        "That is not your current password."
    );
    let weak = laptop
        .call(
            "change-password",
            &[("current_password", PASSWORD), ("new_password", "password1")],
        )
        .await;
    assert!(weak.error().field("new_password").is_some());

    let reply = laptop
        .call(
            "change-password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "another fine long passphrase"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let after = laptop.session_cookie().unwrap();
    assert_ne!(before, after, "a new session id after a privilege change");
    assert_eq!(laptop.me().await["email"], "ada@example.com");
    assert_eq!(phone.me().await, serde_json::Value::Null);
    let mut stale = site.browser(CHROME, "203.0.113.10");
    stale.cookies.insert("audiotricks_session".into(), before);
    assert_eq!(stale.me().await, serde_json::Value::Null, "the old id no longer works");
    assert_eq!(
        laptop.log_in("ada@example.com", PASSWORD).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(site
        .events("ada@example.com")
        .await
        .contains(&"password_changed".to_owned()));
}

#[tokio::test]
async fn a_password_reset_link_works_once_and_signs_out_everywhere() {
    let site = Site::new().await;
    let mut ada = site.verified_account("Ada", "ada@example.com").await;
    ada.log_in("ada@example.com", PASSWORD).await;
    let mut visitor = site.browser(FIREFOX, "198.51.100.7");
    let known = visitor.call("forgot-password", &[("email", "ada@example.com")]).await;
    let unknown = visitor
        .call("forgot-password", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(
        known.body.replace("ada@example.com", "X"),
        unknown.body.replace("nobody@example.com", "X"),
        "the same answer whether or not the account exists"
    );
    assert_eq!(
        site.count("select count(*) from email_outbox where template = 'password_reset'")
            .await,
        1
    );
    let token = token_of(&site.link_in_email("ada@example.com", "/reset-password?token=").await);

    let weak = visitor
        .call("reset-password", &[("token", &token), ("password", "password1")])
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.error().field("password").is_some());
    let reply = visitor
        .call(
            "reset-password",
            &[("token", &token), ("password", "brand new shiny passphrase")],
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "a weak attempt did not spend the link: {}",
        reply.body
    );
    assert_eq!(reply.location(), Some("/login?reset=1"));
    let reuse = visitor
        .call(
            "reset-password",
            &[("token", &token), ("password", "yet another good passphrase")],
        )
        .await;
    assert_eq!(reuse.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reuse.error().to_string().contains("invalid or has expired"));

    assert_eq!(ada.me().await, serde_json::Value::Null, "every session ended");
    assert_eq!(
        ada.log_in("ada@example.com", PASSWORD).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        ada.log_in("ada@example.com", "brand new shiny passphrase").await.status,
        StatusCode::OK
    );
    let expired = visitor
        .call(
            "reset-password",
            &[("token", &"A".repeat(43)), ("password", "brand new shiny passphrase")],
        )
        .await;
    assert_eq!(expired.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn changing_the_email_needs_the_new_address_confirmed_and_tells_the_old_one() {
    let site = Site::new().await;
    let mut ada = site.verified_account("Ada", "ada@example.com").await;
    ada.log_in("ada@example.com", PASSWORD).await;
    let wrong = ada
        .call(
            "change-email",
            &[
                ("current_password", "wrong wrong wrong"),
                ("new_email", "ada@new.example"),
            ],
        )
        .await;
    assert_eq!(
        wrong.error().field("current_password").unwrap(),
        "That is not your current password."
    );
    let reply = ada
        .call(
            "change-email",
            &[("current_password", PASSWORD), ("new_email", "Ada@New.example")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(ada.me().await["email"], "ada@example.com", "unchanged until confirmed");
    let token = token_of(&site.link_in_email("ada@new.example", "/verify-email?token=").await);
    let reply = ada
        .call("confirm-email", &[("token", &token), ("password", PASSWORD)])
        .await;
    assert_eq!(reply.location(), Some("/account?email_changed=1"), "{}", reply.body);
    assert_eq!(ada.me().await["email"], "ada@new.example");
    assert_eq!(site.emails_to("ada@example.com", "security_alert").await, 1);
    assert!(site
        .events("ada@new.example")
        .await
        .contains(&"email_changed".to_owned()));
}

#[tokio::test]
async fn the_account_exports_as_json_then_deletes_with_password_and_confirmation() {
    let site = Site::new().await;
    let mut ada = site.verified_account("Ada", "ada@example.com").await;
    assert_eq!(ada.get("/account/export.json").await.status, StatusCode::UNAUTHORIZED);
    ada.log_in("ada@example.com", PASSWORD).await;
    let export = ada.get("/account/export.json").await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let data = export.json();
    assert_eq!(data["account"]["email"], "ada@example.com");
    assert_eq!(data["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(data["workspaces"][0]["role"], "owner");
    assert!(data["security_events"].as_array().unwrap().len() >= 3);

    let unconfirmed = ada
        .call("delete", &[("current_password", PASSWORD), ("confirmation", "delete")])
        .await;
    assert_eq!(
        unconfirmed.error().field("confirmation").unwrap(),
        "Type DELETE in capitals to confirm."
    );
    let reply = ada
        .call("delete", &[("current_password", PASSWORD), ("confirmation", "DELETE")])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(site.count("select count(*) from users").await, 0);
    assert_eq!(site.count("select count(*) from user_sessions").await, 0);
    assert_eq!(ada.me().await, serde_json::Value::Null);
    assert_eq!(
        site.count("select count(*) from audit_log where action = 'user.deleted'")
            .await,
        1
    );
    assert_eq!(site.emails_to("ada@example.com", "security_alert").await, 1);
}

#[tokio::test]
async fn forms_work_without_javascript_and_show_field_errors() {
    let site = Site::new().await;
    let mut browser = site.browser(CHROME, "203.0.113.10");
    let request = Request::post("/api/account/sign-up")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::REFERER, "http://127.0.0.1:3000/signup")
        .body(Body::from(form(&[
            ("name", "Ada"),
            ("email", "ada@example"),
            ("password", "short"),
        ])))
        .unwrap();
    let reply = browser.send(request).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    let back = reply.location().unwrap().to_owned();
    assert!(
        back.starts_with("http://127.0.0.1:3000/signup?") && back.contains("__err="),
        "{back}"
    );
    let page = browser.get(back.trim_start_matches("http://127.0.0.1:3000")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Use at least 10 characters."),
        "the field error is on the page"
    );
    assert!(page.body.contains("value=\"ada@example\""), "what was typed is kept");

    // A successful plain post follows the server's redirect.
    let request = Request::post("/api/account/sign-up")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::REFERER, "http://127.0.0.1:3000/signup")
        .body(Body::from(form(&[
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ])))
        .unwrap();
    let reply = browser.send(request).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.location(), Some("/check-email?email=ada%40example.com"));
}

#[tokio::test]
async fn cross_site_log_in_attempts_are_refused() {
    let site = Site::new().await;
    let mut browser = site.verified_account("Ada", "ada@example.com").await;
    let request = Request::post("/api/account/log-in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://evil.example.com")
        .body(Body::from(form(&[
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ])))
        .unwrap();
    let reply = browser.send(request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(browser.session_cookie().is_none());
    assert_eq!(
        site.count("select count(*) from user_sessions where revoked_at is null")
            .await,
        0
    );
}

#[tokio::test]
async fn account_pages_send_visitors_to_log_in_and_back() {
    let site = Site::new().await;
    let mut browser = site.verified_account("Ada", "ada@example.com").await;
    let page = browser.get("/account/sessions").await;
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
    assert_eq!(page.location(), Some("/login?next=/account/sessions"));
    browser.log_in("ada@example.com", PASSWORD).await;
    let page = browser.get("/account/sessions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Chrome 131 on Linux") && page.body.contains("This device"));
    let security = browser.get("/account/security").await;
    assert!(security.body.contains("Email address confirmed"));
}

/// What an authenticator app shows for `secret` (base32) at `offset` steps from now.
fn authenticator_code(secret: &str, offset: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    let totp = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, String::new());
    let now = std::time::UNIX_EPOCH.elapsed().unwrap().as_secs() as i64;
    totp.generate((now + offset * 30) as u64)
}

#[tokio::test]
async fn two_factor_sign_in_with_codes_once_each_and_recovery_codes() {
    let site = Site::new().await;
    let mut ada = site.verified_account("Ada", "ada@example.com").await;
    ada.log_in("ada@example.com", PASSWORD).await;
    let enrolment = ada.call("two-factor/start", &[]).await.json();
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    assert!(
        enrolment["qr_svg"].as_str().unwrap().starts_with("<?xml")
            || enrolment["qr_svg"].as_str().unwrap().contains("<svg")
    );
    assert!(enrolment["otpauth_url"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/AudioTricks:ada%40example.com?"));
    let stored: String = sqlx::query_scalar("select totp_pending from users")
        .fetch_one(&site.db.owner)
        .await
        .unwrap();
    assert!(
        stored.starts_with("v1:test:") && !stored.contains(&secret),
        "sealed at rest"
    );

    let wrong = ada
        .call(
            "two-factor/confirm",
            &[("current_password", PASSWORD), ("code", "000000")],
        )
        .await;
    assert_eq!(
        wrong.error().field("code").unwrap(),
        "That code does not match. Enter the 6 digits your app shows now."
    );
    let before = ada.session_cookie().unwrap();
    let no_password = ada
        .call(
            "two-factor/confirm",
            &[
                ("current_password", "wrong password here"),
                ("code", &authenticator_code(&secret, 0)),
            ],
        )
        .await;
    assert_eq!(
        no_password.error().field("current_password").unwrap(),
        "That is not your current password."
    );
    // Kept, so the replay below sends this very code even if the clock moves to the next step.
    let enrol_code = authenticator_code(&secret, 0);
    let codes = ada
        .call(
            "two-factor/confirm",
            &[("current_password", PASSWORD), ("code", &enrol_code)],
        )
        .await
        .json();
    let codes: Vec<String> = serde_json::from_value(codes).unwrap();
    assert_eq!(codes.len(), 10);
    assert_ne!(
        ada.session_cookie().unwrap(),
        before,
        "session id rotated on the privilege change"
    );
    let status = ada.call("two-factor", &[]).await.json();
    assert_eq!(status["recovery_codes_left"], 10);
    assert!(status["enabled_since"].is_string());
    assert_eq!(site.emails_to("ada@example.com", "security_alert").await, 1);

    // The password alone no longer signs in.
    ada.call("log-out", &[]).await;
    let step_one = ada.log_in("ada@example.com", PASSWORD).await;
    assert_eq!(step_one.status, StatusCode::OK);
    assert_eq!(step_one.location(), Some("/login/code?next=%2Faccount"));
    assert_eq!(ada.me().await, serde_json::Value::Null);
    let replay = ada.call("log-in-code", &[("code", &enrol_code)]).await;
    assert_eq!(
        replay.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the code used to enrol is spent"
    );
    let reply = ada
        .call(
            "log-in-code",
            &[("code", &authenticator_code(&secret, 1)), ("next", "/account/security")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.location(), Some("/account/security"));
    assert_eq!(ada.me().await["email"], "ada@example.com");

    // A code without the password step first is refused.
    let mut stranger = site.browser(FIREFOX, "198.51.100.7");
    let reply = stranger.call("log-in-code", &[("code", &codes[0])]).await;
    assert!(reply.error().to_string().contains("timed out"));

    // A recovery code works once, and the owner hears of it.
    let mut phone = site.browser(FIREFOX, "198.51.100.7");
    phone.log_in("ada@example.com", PASSWORD).await;
    let reply = phone.call("log-in-code", &[("code", &codes[0].to_uppercase())]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(site
        .events("ada@example.com")
        .await
        .contains(&"recovery_code_used".to_owned()));
    let mut tablet = site.browser(FIREFOX, "198.51.100.8");
    tablet.log_in("ada@example.com", PASSWORD).await;
    let reuse = tablet.call("log-in-code", &[("code", &codes[0])]).await;
    assert_eq!(reuse.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Off again with the password and a code.
    let reply = ada
        .call(
            "two-factor/disable",
            &[("current_password", PASSWORD), ("code", &codes[1])],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(site.count("select count(*) from recovery_codes").await, 0);
    let mut laptop = site.browser(CHROME, "203.0.113.10");
    assert_eq!(
        laptop.log_in("ada@example.com", PASSWORD).await.location(),
        Some("/account")
    );
}

fn geoip_dir() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.data/geoip");
    assert!(
        dir.join(app::server::geoip::V4_FILE).exists(),
        "the DB-IP databases are missing: run scripts/toolchain.sh (make test does)"
    );
    dir.display().to_string()
}

#[tokio::test]
async fn sign_ins_are_located_offline_and_a_new_country_is_flagged() {
    let geo = app::server::geoip::GeoIp::load(std::path::Path::new(&geoip_dir()));
    let place = |ip: &str| {
        geo.locate(ip.parse().unwrap())
            .map(|p| (p.label, p.country.unwrap_or_default()))
    };
    assert_eq!(
        place("1.1.1.1"),
        Some(("Sydney, New South Wales, AU".into(), "AU".into()))
    );
    assert_eq!(
        place("::ffff:8.8.8.8"),
        Some(("Mountain View, California, US".into(), "US".into())),
        "v4-mapped"
    );
    assert_eq!(
        place("2001:4860:4860::8888").unwrap().1,
        "CA",
        "IPv6 uses its own database"
    );
    assert_eq!(
        geo.locate("10.0.0.1".parse().unwrap()),
        None,
        "private addresses have no place"
    );
    let missing = app::server::geoip::GeoIp::load(std::path::Path::new("/nonexistent"));
    assert!(!missing.is_loaded());
    assert_eq!(
        missing.locate("8.8.8.8".parse().unwrap()),
        None,
        "no database means unknown, not an error"
    );

    let site = Site::with(&[("GEOIP_DIR", &geoip_dir())]).await;
    let mut sydney = site.verified_account("Ada", "ada@example.com").await;
    sydney.ip = "1.1.1.1";
    assert_eq!(sydney.log_in("ada@example.com", PASSWORD).await.status, StatusCode::OK);
    let mut california = site.browser(CHROME, "8.8.8.8");
    assert_eq!(
        california.log_in("ada@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
    assert!(site.events("ada@example.com").await.contains(&"new_country".to_owned()));
    assert!(
        !site.events("ada@example.com").await.contains(&"new_device".to_owned()),
        "same browser and system"
    );
    let alert: String = sqlx::query_scalar("select text_body from email_outbox where template = 'security_alert'")
        .fetch_one(&site.db.owner)
        .await
        .unwrap();
    assert!(
        alert.contains("a country it has not been used from before (Mountain View, California, US)"),
        "{alert}"
    );
    assert!(alert.contains("Approximate location: Mountain View, California, US"));
    let sessions = sydney.call("sessions", &[]).await.json();
    let mine = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()
        .clone();
    assert_eq!(mine["location"], "Sydney, New South Wales, AU");
    let page = sydney.get("/account/sessions").await;
    assert!(
        page.body.contains("IP Geolocation by DB-IP"),
        "DB-IP is credited where locations show"
    );
}

#[tokio::test]
async fn one_address_gets_a_limited_number_of_sign_in_attempts() {
    let site = Site::with(&[("AUTH_ATTEMPTS_PER_IP", "3")]).await;
    let mut browser = site.browser(CHROME, "203.0.113.99");
    for n in 0..3 {
        let email = format!("nobody{n}@example.com");
        let reply = browser.log_in(&email, "whatever it is").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let reply = browser.log_in("someone@example.com", "whatever it is").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.headers.contains_key(header::RETRY_AFTER));
    let mut elsewhere = site.browser(CHROME, "203.0.113.100");
    assert_eq!(
        elsewhere.log_in("someone@example.com", "whatever it is").await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "other addresses are not affected"
    );
}

#[tokio::test]
async fn whoever_signs_up_first_cannot_keep_an_address_they_do_not_own() {
    let site = Site::new().await;
    // An attacker signs up with the victim's address and a password of their own.
    let mut attacker = site.browser(FIREFOX, "198.51.100.66");
    attacker
        .call(
            "sign-up",
            &[
                ("name", "Not Ada"),
                ("email", "ada@example.com"),
                ("password", "attacker owns this passphrase"),
            ],
        )
        .await;
    let attackers_link = token_of(&site.link_in_email("ada@example.com", "/verify-email?token=").await);
    // The victim, not knowing, signs up too.
    let mut ada = site.browser(CHROME, "203.0.113.10");
    let reply = ada
        .call(
            "sign-up",
            &[("name", "Ada"), ("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let adas_link = token_of(&site.link_in_email("ada@example.com", "/verify-email?token=").await);
    assert_ne!(attackers_link, adas_link);
    // The earlier link is dead, and the attacker's password no longer matches anything.
    let stale = ada
        .call("confirm-email", &[("token", &attackers_link), ("password", PASSWORD)])
        .await;
    assert!(stale.error().to_string().contains("invalid or has expired"));
    let reply = ada
        .call("confirm-email", &[("token", &adas_link), ("password", PASSWORD)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(ada.me().await["name"], "Ada");
    let attempt = attacker
        .log_in("ada@example.com", "attacker owns this passphrase")
        .await;
    assert_eq!(attempt.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn parallel_guesses_cannot_outrun_the_lock() {
    let site = Site::with(&[("AUTH_ATTEMPTS_PER_IP", "1000")]).await;
    site.verified_account("Ada", "ada@example.com").await;
    let guesses = (0..12).map(|i| {
        let mut browser = site.browser(FIREFOX, "198.51.100.66");
        async move {
            browser
                .log_in("ada@example.com", &format!("guess number {i} is wrong"))
                .await
                .status
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!(checked, 4, "only the free failures were checked: {statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(),
        8,
        "the fifth failure locked the address for everyone waiting behind it"
    );
}
