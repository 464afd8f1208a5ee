//! What accounts can do, as the server functions call it. Every change runs in one transaction
//! with its audit entry, its security event and the emails it sends.

use std::time::Duration;

use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    device, password,
    queries::{self, TokenPurpose},
    session::{self, CurrentUser, RequestAuth, RequestMeta},
    tokens,
};
use crate::{
    audit::{self, Actor, AuditAction, AuditEvent},
    email::{self, templates},
    error::{AppError, FieldErrors},
    server::AppState,
};

pub const VERIFY_VALID_HOURS: u64 = 48;
pub const RESET_VALID_MINUTES: u64 = 60;

/// The window of `auth.attempts_per_ip`.
const AUTH_IP_WINDOW: Duration = Duration::from_secs(600);
/// Emails (verification, reset) one address may be sent per hour.
const EMAILS_PER_ADDRESS: u32 = 3;
const EMAIL_WINDOW: Duration = Duration::from_secs(3600);

pub const NAME_MAX: usize = 100;

use super::sign_in::{check_password, open_session, ACCOUNT_LOCKED};
pub(crate) use super::sign_in::{confirm_password, count_failure};
pub use super::sign_in::{
    sign_in, sign_in_second_factor, sign_out, SignInStep, FREE_FAILURES, SECOND_FACTOR_WINDOW_SECS,
};

/// Trimmed and lower-cased: the one spelling stored and looked up.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

pub(crate) fn check_email(errors: &mut FieldErrors, field: &str, email: &str) {
    if email.is_empty() {
        errors.add(field, "Enter your email address.");
    } else if email.len() > 254 || email.parse::<lettre::Address>().is_err() || !email.contains('.') {
        errors.add(field, "Enter an email address like name@example.com.");
    }
}

pub(crate) fn check_name(errors: &mut FieldErrors, name: &str) {
    if name.is_empty() {
        errors.add("name", "Enter your name.");
    } else if name.chars().count() > NAME_MAX {
        errors.add("name", format!("Use at most {NAME_MAX} characters."));
    } else if name.chars().any(char::is_control) {
        errors.add("name", "Use letters, spaces and punctuation only.");
    }
}

async fn limit(state: &AppState, bucket: String, max: u32, window: Duration) -> Result<(), AppError> {
    state
        .rate_limiter
        .hit(&bucket, max, window)
        .await
        .map_err(|wait| AppError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        })
}

pub(super) async fn limit_client(auth: &RequestAuth) -> Result<(), AppError> {
    let ip = auth
        .meta
        .ip
        .map(crate::server::rate_limit::client_key)
        .unwrap_or_else(|| "unknown".into());
    let max = auth.state.config.auth.attempts_per_ip;
    limit(&auth.state, format!("auth:{ip}"), max, AUTH_IP_WINDOW).await
}

/// Whether another email may go to `email` for `purpose` now. Over the limit the request still
/// answers as usual (so the limit reveals nothing); the email is just not sent.
pub(super) async fn may_email(state: &AppState, purpose: &str, email: &str) -> bool {
    limit(
        state,
        format!("email:{purpose}:{email}"),
        EMAILS_PER_ADDRESS,
        EMAIL_WINDOW,
    )
    .await
    .is_ok()
}

pub(super) fn audit(actor: Uuid, action: AuditAction, meta: &RequestMeta) -> AuditEvent {
    AuditEvent::new(Actor::User(actor), action)
        .target("user", actor.to_string())
        .origin(meta.ip, Some(&meta.user_agent))
}

pub(crate) async fn security_event(
    conn: &mut PgConnection,
    user_id: Uuid,
    kind: &str,
    meta: &RequestMeta,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    queries::insert_security_event(
        conn,
        &queries::NewSecurityEvent {
            user_id,
            kind,
            ip: meta.ip_text(),
            user_agent: &meta.user_agent,
            location: &meta.location(),
            detail,
        },
    )
    .await?;
    Ok(())
}

pub(super) async fn alert(
    conn: &mut PgConnection,
    state: &AppState,
    to: (&str, &str),
    headline: &str,
    explanation: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let (name, email) = to;
    let base = state.config.public_url.as_str();
    let loc = meta.location();
    let rendered = templates::SecurityAlert {
        app_url: base.to_owned(),
        name: name.to_owned(),
        headline: headline.to_owned(),
        explanation: explanation.to_owned(),
        when: super::format_time(time::OffsetDateTime::now_utc()),
        device: device::describe(&meta.user_agent),
        ip: meta.ip_text().unwrap_or_else(|| "unknown".into()),
        location: if loc.is_empty() { "unknown".into() } else { loc },
        reset_url: format!("{base}/forgot-password"),
        sessions_url: format!("{base}/account/sessions"),
    }
    .render()
    .map_err(AppError::internal)?;
    email::service::queue(conn, email, "security", &rendered).await?;
    Ok(())
}

pub(crate) async fn send_verification(
    conn: &mut PgConnection,
    state: &AppState,
    user_id: Uuid,
    name: &str,
    email: &str,
) -> Result<(), AppError> {
    send_verification_then(conn, state, user_id, name, email, None).await
}

/// A verification link that, once confirmed, continues to `next` (a same-site path).
async fn send_verification_then(
    conn: &mut PgConnection,
    state: &AppState,
    user_id: Uuid,
    name: &str,
    email: &str,
    next: Option<&str>,
) -> Result<(), AppError> {
    queries::retire_tokens(conn, user_id, TokenPurpose::VerifyEmail).await?;
    let (token, digest) = tokens::new_token();
    let valid = Duration::from_secs(VERIFY_VALID_HOURS * 3600);
    queries::insert_token(conn, user_id, TokenPurpose::VerifyEmail, &digest, Some(email), valid).await?;
    let base = state.config.public_url.as_str();
    let rendered = templates::VerifyEmail {
        app_url: base.to_owned(),
        name: name.to_owned(),
        email: email.to_owned(),
        link: match next.filter(|n| super::safe_next(Some(n)) == *n) {
            Some(next) => format!("{base}/verify-email?token={token}&next={}", crate::ui::url_encode(next)),
            None => format!("{base}/verify-email?token={token}"),
        },
        valid_hours: VERIFY_VALID_HOURS,
    }
    .render()
    .map_err(AppError::internal)?;
    email::service::queue(conn, email, "account", &rendered).await?;
    Ok(())
}

/// Creates an account and emails a verification link. An address that already has an account
/// gets an email saying so instead; the caller sees the same answer, after the same work.
/// `next` is where the confirmation link leads after confirming (an invitation, say).
pub async fn sign_up(
    auth: &RequestAuth,
    name: &str,
    email: &str,
    password: &str,
    next: Option<&str>,
) -> Result<String, AppError> {
    let name = name.trim();
    let email = normalize_email(email);
    let mut errors = FieldErrors::new();
    check_name(&mut errors, name);
    check_email(&mut errors, "email", &email);
    if let Some(weak) = password::weakness(password, &[name, &email]) {
        errors.add("password", weak);
    }
    errors.finish(&[("name", name), ("email", &email)])?;
    limit_client(auth).await?;

    let state = &auth.state;
    let hash = password::hash(password.to_owned()).await.map_err(AppError::internal)?;
    let may_send = may_email(state, "signup", &email).await;
    let mut tx = state.db.begin().await?;
    let id = Uuid::new_v4();
    if queries::insert_user(&mut tx, id, &email, name, &hash).await? {
        crate::workspaces::service::create_personal(&mut tx, id, name).await?;
        if may_send {
            send_verification_then(&mut tx, state, id, name, &email, next).await?;
        }
        security_event(&mut tx, id, "account_created", &auth.meta, serde_json::json!({})).await?;
        audit::service::record(&mut tx, audit(id, AuditAction::UserSignedUp, &auth.meta)).await?;
    } else if may_send {
        let existing = queries::user_by_email(&mut tx, &email)
            .await?
            .ok_or_else(|| AppError::internal("an address that conflicted has no account"))?;
        if existing.email_verified_at.is_none() {
            // Nobody has proved this mailbox yet, so the latest sign-up's name and password
            // replace the earlier ones and the earlier links stop working. Confirming asks for
            // the password, so a stranger who signed up first cannot keep the account: the
            // mailbox's owner confirms with their own password.
            queries::set_password(&mut tx, existing.id, &hash).await?;
            queries::set_name(&mut tx, existing.id, name).await?;
            send_verification_then(&mut tx, state, existing.id, name, &email, next).await?;
        } else {
            let base = state.config.public_url.as_str();
            let rendered = templates::AccountExists {
                app_url: base.to_owned(),
                name: existing.name.clone(),
                email: email.clone(),
                login_url: format!("{base}/login"),
                reset_url: format!("{base}/forgot-password"),
            }
            .render()
            .map_err(AppError::internal)?;
            email::service::queue(&mut tx, &email, "account", &rendered).await?;
        }
    }
    tx.commit().await?;
    Ok(email)
}

/// Sends a new verification link if the address has an unverified account; answers the same
/// either way.
pub async fn resend_verification(auth: &RequestAuth, email: &str) -> Result<(), AppError> {
    let email = normalize_email(email);
    let mut errors = FieldErrors::new();
    check_email(&mut errors, "email", &email);
    errors.finish(&[("email", &email)])?;
    limit_client(auth).await?;
    if !may_email(&auth.state, "verify", &email).await {
        return Ok(());
    }
    let mut tx = auth.state.db.begin().await?;
    if let Some(user) = queries::user_by_email(&mut tx, &email).await? {
        if user.email_verified_at.is_none() {
            send_verification(&mut tx, &auth.state, user.id, &user.name, &email).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// What a confirmed email link did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailConfirmed {
    /// The new account's address is confirmed and the user is now signed in.
    AccountVerified,
    AddressChanged,
}

const BAD_LINK: &str = "This link is invalid or has expired. Links work once; ask for a new one below.";

/// Redeems an emailed confirmation link (a new account's address, or a changed address) with
/// the account's password: the mailbox and the password together prove the account is theirs,
/// so nobody can confirm an account someone else signed up for. A wrong password leaves the
/// link unspent and counts towards the address's lock.
pub async fn confirm_email(auth: &RequestAuth, token: &str, password: &str) -> Result<EmailConfirmed, AppError> {
    let token = token.trim();
    if !tokens::looks_valid(token) {
        return Err(AppError::invalid(BAD_LINK));
    }
    if password.is_empty() {
        return Err(AppError::invalid_field("password", "Enter your password."));
    }
    limit_client(auth).await?;
    let digest = tokens::digest(token);
    let mut conn = auth.state.db.acquire().await?;
    let live = queries::live_token(&mut conn, &digest)
        .await?
        .ok_or_else(|| AppError::invalid(BAD_LINK))?;
    let purpose = live.purpose;
    if !matches!(purpose, TokenPurpose::VerifyEmail | TokenPurpose::ChangeEmail) {
        return Err(AppError::invalid(BAD_LINK));
    }
    let user = queries::user_by_id(&mut conn, live.user_id)
        .await?
        .ok_or_else(|| AppError::invalid(BAD_LINK))?;
    drop(conn);
    let Some(address) = live.email else {
        return Err(AppError::invalid(BAD_LINK));
    };
    // A link for an address the account no longer has must not confirm the new one.
    if purpose == TokenPurpose::VerifyEmail && address != user.email {
        return Err(AppError::invalid(BAD_LINK));
    }
    let email = user.email.clone();
    let user = check_password(auth, &email, Some(user), password)
        .await
        .map_err(|e| field_instead(e, "password", "That is not the password of this account."))?;
    if user.locked_at.is_some() {
        return Err(AppError::invalid(ACCOUNT_LOCKED));
    }
    let mut tx = auth.state.db.begin().await?;
    if queries::redeem_token(&mut tx, purpose, &digest).await?.is_none() {
        return Err(AppError::invalid(BAD_LINK));
    }
    if purpose == TokenPurpose::VerifyEmail {
        queries::mark_verified(&mut tx, user.id).await?;
        security_event(&mut tx, user.id, "email_verified", &auth.meta, serde_json::json!({})).await?;
        audit::service::record(&mut tx, audit(user.id, AuditAction::UserEmailVerified, &auth.meta)).await?;
        tx.commit().await?;
        let mut tx = auth.state.db.begin().await?;
        let session_id = open_session(&mut tx, auth, &user).await?;
        tx.commit().await?;
        session::start(
            &auth.session,
            session_id,
            user.id,
            auth.state.config.auth.session_lifetime,
        )
        .await?;
        return Ok(EmailConfirmed::AccountVerified);
    }
    match queries::set_email(&mut tx, user.id, &address).await {
        Ok(true) => {}
        Ok(false) => return Err(address_taken()),
        Err(e) if is_unique_violation(&e) => return Err(address_taken()),
        Err(e) => return Err(e.into()),
    }
    // Reset links sent to the old address stop working.
    queries::retire_tokens(&mut tx, user.id, TokenPurpose::ResetPassword).await?;
    let detail = serde_json::json!({ "from": user.email, "to": address });
    security_event(&mut tx, user.id, "email_changed", &auth.meta, detail.clone()).await?;
    alert(
        &mut tx,
        &auth.state,
        (&user.name, &user.email),
        "Your email address was changed",
        &format!(
            "the email address of your AudioTricks account was changed from {} to {address}. Emails now go to the new address.",
            user.email
        ),
        &auth.meta,
    )
    .await?;
    audit::service::record(
        &mut tx,
        audit(user.id, AuditAction::UserEmailChanged, &auth.meta).metadata(detail),
    )
    .await?;
    tx.commit().await?;
    Ok(EmailConfirmed::AddressChanged)
}

fn address_taken() -> AppError {
    AppError::Conflict("Another account now uses that address, so your email was not changed.".into())
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}

/// A wrong-password answer turned into an error on `field`; other errors (a lock) pass through.
pub(super) fn field_instead(error: AppError, field: &str, message: &str) -> AppError {
    match error {
        AppError::Validation(_) => AppError::invalid_field(field, message),
        other => other,
    }
}

/// A security change the user made: their event, the audit entry and an email, in `tx`.
pub(super) async fn record_security_change(
    tx: &mut PgConnection,
    auth: &RequestAuth,
    user: &CurrentUser,
    kind: &str,
    action: AuditAction,
    headline: &str,
    explanation: &str,
) -> Result<(), AppError> {
    security_event(tx, user.id, kind, &auth.meta, serde_json::json!({})).await?;
    alert(
        tx,
        &auth.state,
        (&user.name, &user.email),
        headline,
        explanation,
        &auth.meta,
    )
    .await?;
    audit::service::record(tx, audit(user.id, action, &auth.meta)).await?;
    Ok(())
}

/// Emails a reset link if the address has an account; answers the same either way.
pub async fn request_password_reset(auth: &RequestAuth, email: &str) -> Result<(), AppError> {
    let email = normalize_email(email);
    let mut errors = FieldErrors::new();
    check_email(&mut errors, "email", &email);
    errors.finish(&[("email", &email)])?;
    limit_client(auth).await?;
    let state = &auth.state;
    if !may_email(state, "reset", &email).await {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    if let Some(user) = queries::user_by_email(&mut tx, &email).await? {
        queries::retire_tokens(&mut tx, user.id, TokenPurpose::ResetPassword).await?;
        let (token, digest) = tokens::new_token();
        let valid = Duration::from_secs(RESET_VALID_MINUTES * 60);
        queries::insert_token(
            &mut tx,
            user.id,
            TokenPurpose::ResetPassword,
            &digest,
            Some(&email),
            valid,
        )
        .await?;
        let base = state.config.public_url.as_str();
        let rendered = templates::PasswordReset {
            app_url: base.to_owned(),
            name: user.name.clone(),
            link: format!("{base}/reset-password?token={token}"),
            valid_minutes: RESET_VALID_MINUTES,
        }
        .render()
        .map_err(AppError::internal)?;
        email::service::queue(&mut tx, &email, "account", &rendered).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets a new password from an emailed link. Every session of the account ends: whoever knew
/// the old password is out.
pub async fn reset_password(auth: &RequestAuth, token: &str, new_password: &str) -> Result<(), AppError> {
    let token = token.trim();
    if !tokens::looks_valid(token) {
        return Err(AppError::invalid(BAD_LINK));
    }
    limit_client(auth).await?;
    let state = &auth.state;
    let mut tx = state.db.begin().await?;
    let digest = tokens::digest(token);
    let Some(redeemed) = queries::redeem_token(&mut tx, TokenPurpose::ResetPassword, &digest).await? else {
        return Err(AppError::invalid(BAD_LINK));
    };
    let user = queries::user_by_id(&mut tx, redeemed.user_id)
        .await?
        .filter(|u| Some(&u.email) == redeemed.email.as_ref())
        .ok_or_else(|| AppError::invalid(BAD_LINK))?;
    if let Some(weak) = password::weakness(new_password, &[&user.name, &user.email]) {
        // Nothing is spent: the transaction (and the token's use) rolls back.
        return Err(AppError::invalid_field("password", weak));
    }
    let hash = password::hash(new_password.to_owned())
        .await
        .map_err(AppError::internal)?;
    queries::set_password(&mut tx, user.id, &hash).await?;
    // The link proved the mailbox is theirs.
    queries::mark_verified(&mut tx, user.id).await?;
    queries::clear_failures(&mut tx, &user.email).await?;
    let ended = queries::revoke_sessions_except(&mut tx, user.id, None, "password reset").await?;
    security_event(
        &mut tx,
        user.id,
        "password_reset",
        &auth.meta,
        serde_json::json!({ "sessions_ended": ended }),
    )
    .await?;
    alert(
        &mut tx,
        state,
        (&user.name, &user.email),
        "Your password was reset",
        "the password of your AudioTricks account was reset with a link sent to this address, and every device was signed out.",
        &auth.meta,
    )
    .await?;
    audit::service::record(&mut tx, audit(user.id, AuditAction::UserPasswordReset, &auth.meta)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn change_password(auth: &RequestAuth, current: &str, new_password: &str) -> Result<(), AppError> {
    let user = auth.user()?.clone();
    let mut errors = FieldErrors::new();
    errors.check(!current.is_empty(), "current_password", "Enter your current password.");
    if let Some(weak) = password::weakness(new_password, &[&user.name, &user.email]) {
        errors.add("new_password", weak);
    }
    errors.check(
        current != new_password,
        "new_password",
        "Choose a password different from the current one.",
    );
    errors.finish(&[])?;
    confirm_password(auth, &user, current).await?;
    let hash = password::hash(new_password.to_owned())
        .await
        .map_err(AppError::internal)?;
    let mut tx = auth.state.db.begin().await?;
    queries::set_password(&mut tx, user.id, &hash).await?;
    queries::retire_tokens(&mut tx, user.id, TokenPurpose::ResetPassword).await?;
    let ended = queries::revoke_sessions_except(&mut tx, user.id, Some(user.session_id), "password changed").await?;
    security_event(
        &mut tx,
        user.id,
        "password_changed",
        &auth.meta,
        serde_json::json!({ "other_sessions_ended": ended }),
    )
    .await?;
    alert(
        &mut tx,
        &auth.state,
        (&user.name, &user.email),
        "Your password was changed",
        "the password of your AudioTricks account was changed, and your other devices were signed out.",
        &auth.meta,
    )
    .await?;
    audit::service::record(&mut tx, audit(user.id, AuditAction::UserPasswordChanged, &auth.meta)).await?;
    tx.commit().await?;
    session::rotate(&auth.session).await
}

/// Sends a confirmation link to the new address; the account keeps the old one until it is used.
pub async fn request_email_change(auth: &RequestAuth, password: &str, new_email: &str) -> Result<String, AppError> {
    let user = auth.user()?.clone();
    let new_email = normalize_email(new_email);
    let mut errors = FieldErrors::new();
    check_email(&mut errors, "new_email", &new_email);
    errors.check(
        new_email != user.email,
        "new_email",
        "That is already your email address.",
    );
    errors.check(!password.is_empty(), "current_password", "Enter your current password.");
    errors.finish(&[("new_email", &new_email)])?;
    confirm_password(auth, &user, password).await?;
    if !may_email(&auth.state, "change", &new_email).await {
        return Ok(new_email);
    }
    let mut tx = auth.state.db.begin().await?;
    // An address taken by another account gets no email; the answer is the same.
    if queries::user_by_email(&mut tx, &new_email).await?.is_none() {
        queries::retire_tokens(&mut tx, user.id, TokenPurpose::ChangeEmail).await?;
        let (token, digest) = tokens::new_token();
        let valid = Duration::from_secs(VERIFY_VALID_HOURS * 3600);
        queries::insert_token(
            &mut tx,
            user.id,
            TokenPurpose::ChangeEmail,
            &digest,
            Some(&new_email),
            valid,
        )
        .await?;
        let base = auth.state.config.public_url.as_str();
        let rendered = templates::ConfirmNewEmail {
            app_url: base.to_owned(),
            name: user.name.clone(),
            email: new_email.clone(),
            link: format!("{base}/verify-email?token={token}"),
            valid_hours: VERIFY_VALID_HOURS,
        }
        .render()
        .map_err(AppError::internal)?;
        email::service::queue(&mut tx, &new_email, "account", &rendered).await?;
    }
    audit::service::record(
        &mut tx,
        audit(user.id, AuditAction::UserEmailChangeRequested, &auth.meta)
            .metadata(serde_json::json!({ "to": new_email })),
    )
    .await?;
    tx.commit().await?;
    Ok(new_email)
}

pub async fn update_name(auth: &RequestAuth, name: &str) -> Result<(), AppError> {
    let user = auth.user()?;
    let name = name.trim();
    let mut errors = FieldErrors::new();
    check_name(&mut errors, name);
    errors.finish(&[("name", name)])?;
    let mut tx = auth.state.db.begin().await?;
    queries::set_name(&mut tx, user.id, name).await?;
    audit::service::record(
        &mut tx,
        audit(user.id, AuditAction::UserProfileUpdated, &auth.meta).metadata(serde_json::json!({ "field": "name" })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the account and everything that belongs only to it, after the password and a typed
/// confirmation. The audit log keeps its entries (by id, without the address).
pub async fn delete_account(auth: &RequestAuth, password: &str, confirmation: &str) -> Result<(), AppError> {
    let user = auth.user()?.clone();
    let mut errors = FieldErrors::new();
    errors.check(!password.is_empty(), "current_password", "Enter your current password.");
    errors.check(
        confirmation.trim() == "DELETE",
        "confirmation",
        "Type DELETE in capitals to confirm.",
    );
    errors.finish(&[])?;
    confirm_password(auth, &user, password).await?;
    let mut tx = auth.state.db.begin().await?;
    let removed_workspaces = crate::workspaces::service::release_for_deletion(&mut tx, user.id).await?;
    alert(
        &mut tx,
        &auth.state,
        (&user.name, &user.email),
        "Your account was deleted",
        "your AudioTricks account and its data were deleted at your request. This cannot be undone; you can sign up again at any time.",
        &auth.meta,
    )
    .await?;
    queries::delete_user(&mut tx, user.id).await?;
    audit::service::record(&mut tx, audit(user.id, AuditAction::UserDeleted, &auth.meta)).await?;
    tx.commit().await?;
    // The rows are gone; their files follow. A failure here leaves files no row points to,
    // which the log reports (they are not reachable through the app).
    for workspace in removed_workspaces {
        if let Err(e) = auth.state.storage.delete_workspace_objects(workspace).await {
            tracing::error!(%workspace, error = %e, "deleting a removed workspace's files failed");
        }
    }
    session::end(&auth.session).await
}

/// Everything stored about the user, as one JSON document.
pub async fn export(state: &AppState, user_id: Uuid) -> Result<serde_json::Value, AppError> {
    let mut conn = state.db.acquire().await?;
    let user = queries::user_by_id(&mut conn, user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    drop(conn);
    let sessions = queries::live_sessions(&state.db, user_id, state.config.auth.session_idle).await?;
    let events = queries::security_events(&state.db, user_id, None, 10_000).await?;
    let mut tx = crate::workspaces::tenant::begin(&state.db, user_id, None).await?;
    let workspaces = sqlx::query!(
        "select w.name, w.slug, m.role, m.created_at from workspaces w
         join workspace_members m on m.workspace_id = w.id and m.user_id = $1 order by m.created_at",
        user_id
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let ts = |t: time::OffsetDateTime| super::format_time(t);
    Ok(serde_json::json!({
        "exported_at": ts(time::OffsetDateTime::now_utc()),
        "account": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "email_verified_at": user.email_verified_at.map(ts),
            "created_at": ts(user.created_at),
        },
        "workspaces": workspaces.iter().map(|w| serde_json::json!({
            "name": w.name,
            "slug": w.slug,
            "role": w.role,
            "member_since": ts(w.created_at),
        })).collect::<Vec<_>>(),
        "sessions": sessions.iter().map(|s| serde_json::json!({
            "device": device::describe(&s.user_agent),
            "user_agent": s.user_agent,
            "ip": s.ip,
            "location": s.location,
            "created_at": ts(s.created_at),
            "last_seen_at": ts(s.last_seen_at),
        })).collect::<Vec<_>>(),
        "security_events": events.iter().map(|e| serde_json::json!({
            "kind": e.kind,
            "ip": e.ip,
            "device": device::describe(&e.user_agent),
            "location": e.location,
            "detail": e.detail,
            "at": ts(e.created_at),
        })).collect::<Vec<_>>(),
    }))
}

pub async fn revoke_session(auth: &RequestAuth, session_id: Uuid) -> Result<(), AppError> {
    let user = auth.user()?;
    if session_id == user.session_id {
        return Err(AppError::invalid("To end this session, log out."));
    }
    let mut tx = auth.state.db.begin().await?;
    if !queries::revoke_session(&mut tx, user.id, session_id, "revoked by user").await? {
        return Err(AppError::NotFound("That session".into()));
    }
    security_event(
        &mut tx,
        user.id,
        "session_revoked",
        &auth.meta,
        serde_json::json!({ "session": session_id }),
    )
    .await?;
    audit::service::record(
        &mut tx,
        audit(user.id, AuditAction::UserSessionRevoked, &auth.meta)
            .metadata(serde_json::json!({ "session": session_id })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session but this one; returns how many.
pub async fn revoke_other_sessions(auth: &RequestAuth) -> Result<u64, AppError> {
    let user = auth.user()?;
    let mut tx = auth.state.db.begin().await?;
    let ended = queries::revoke_sessions_except(&mut tx, user.id, Some(user.session_id), "revoked by user").await?;
    if ended > 0 {
        security_event(
            &mut tx,
            user.id,
            "sessions_revoked",
            &auth.meta,
            serde_json::json!({ "count": ended }),
        )
        .await?;
        audit::service::record(
            &mut tx,
            audit(user.id, AuditAction::UserOtherSessionsRevoked, &auth.meta)
                .metadata(serde_json::json!({ "count": ended })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ended)
}
