//! Signing in: the password check with the address's lock, the second factor, opening the
//! session, and signing out.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    device, password, queries,
    service::{
        alert, audit, check_email, field_instead, limit_client, may_email, normalize_email, security_event,
        send_verification,
    },
    session::{self, CurrentUser, RequestAuth},
};
use crate::{
    audit::{self as audit_log, AuditAction},
    error::{AppError, FieldErrors},
};

/// Failed sign-ins an address may have before it is locked; the lock then lasts
/// `LOCK_BASE_SECS`, doubling with each further failure, up to `LOCK_MAX_SECS`.
pub const FREE_FAILURES: i32 = 5;
pub const LOCK_BASE_SECS: f64 = 30.0;
pub const LOCK_MAX_SECS: f64 = 3600.0;

pub(super) const ACCOUNT_LOCKED: &str =
    "This account is locked by an administrator. Contact support to have it unlocked.";

fn locked_error(secs: f64) -> AppError {
    AppError::RateLimited {
        retry_after_secs: secs.ceil().max(1.0) as u64,
    }
}

/// Passwords beyond the maximum length are cut there before hashing, so an oversized one costs
/// no more than a long one.
fn bounded(password: &str) -> String {
    password.chars().take(password::MAX_LENGTH).collect()
}

const WRONG_CREDENTIALS: &str = "That email and password do not match an account.";

/// Where a correct password leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInStep {
    SignedIn,
    /// Two-factor sign-in is on: a code must follow within `SECOND_FACTOR_WINDOW_SECS`.
    SecondFactor,
}

const SECOND_FACTOR: &str = "second_factor";
pub const SECOND_FACTOR_WINDOW_SECS: i64 = 300;

#[derive(serde::Serialize, serde::Deserialize)]
struct PendingSecondFactor {
    user_id: Uuid,
    since: i64,
}

/// Signs in with email and password. Unknown addresses cost the same hashing time as known ones,
/// and both get the same message; repeated failures lock the address (known or not).
pub async fn sign_in(auth: &RequestAuth, email: &str, password: &str) -> Result<SignInStep, AppError> {
    let email = normalize_email(email);
    let mut errors = FieldErrors::new();
    check_email(&mut errors, "email", &email);
    errors.check(!password.is_empty(), "password", "Enter your password.");
    errors.finish(&[("email", &email)])?;
    limit_client(auth).await?;
    let state = &auth.state;
    let user = queries::user_by_email(&mut *state.db.acquire().await?, &email).await?;
    let user = check_password(auth, &email, user, password).await?;
    if user.locked_at.is_some() {
        // Said only after the right password, so it reveals nothing to a guesser.
        return Err(AppError::invalid(ACCOUNT_LOCKED));
    }
    if user.email_verified_at.is_none() {
        if may_email(state, "verify", &email).await {
            let mut tx = state.db.begin().await?;
            send_verification(&mut tx, state, user.id, &user.name, &email).await?;
            tx.commit().await?;
        }
        return Err(AppError::invalid(format!(
            "Confirm your email address first: we have sent a link to {email}. Open it, then log in."
        )));
    }
    if user.totp_enabled_at.is_some() {
        let pending = PendingSecondFactor {
            user_id: user.id,
            since: time::OffsetDateTime::now_utc().unix_timestamp(),
        };
        auth.session
            .insert(SECOND_FACTOR, pending)
            .await
            .map_err(|e| AppError::internal(format!("writing the session: {e}")))?;
        return Ok(SignInStep::SecondFactor);
    }
    let mut tx = state.db.begin().await?;
    let session_id = open_session(&mut tx, auth, &user).await?;
    tx.commit().await?;
    session::start(&auth.session, session_id, user.id, state.config.auth.session_lifetime).await?;
    Ok(SignInStep::SignedIn)
}

/// Checks a password for `email` while holding that address's throttle row, so parallel guesses
/// take turns and each sees the lock the one before it set. Returns the account when the
/// password is its own; otherwise counts the failure. Without an account a dummy hash is checked,
/// so both answers take the same time.
pub(super) async fn check_password(
    auth: &RequestAuth,
    email: &str,
    user: Option<queries::UserRow>,
    password: &str,
) -> Result<queries::UserRow, AppError> {
    let mut tx = auth.state.db.begin().await?;
    if let Some(secs) = queries::lock_throttle(&mut tx, email).await? {
        return Err(locked_error(secs));
    }
    let matches = password::verify(user.as_ref().map(|u| u.password_hash.clone()), bounded(password))
        .await
        .map_err(AppError::internal)?;
    match user.filter(|_| matches) {
        Some(user) => {
            queries::clear_failures(&mut tx, email).await?;
            tx.commit().await?;
            Ok(user)
        }
        None => {
            let error = count_failure(&mut tx, auth, email).await?;
            tx.commit().await?;
            Err(error)
        }
    }
}

/// The second step of a two-factor sign-in: a code from the app, or a recovery code. Wrong codes
/// count towards the same lock as wrong passwords. The code's use, its events and the new
/// session commit together.
pub async fn sign_in_second_factor(auth: &RequestAuth, code: &str) -> Result<(), AppError> {
    let expired = || AppError::invalid("Your sign-in timed out. Log in with your password again.");
    let pending: PendingSecondFactor = auth
        .session
        .get(SECOND_FACTOR)
        .await
        .map_err(|e| AppError::internal(format!("reading the session: {e}")))?
        .ok_or_else(expired)?;
    if time::OffsetDateTime::now_utc().unix_timestamp() - pending.since > SECOND_FACTOR_WINDOW_SECS {
        let _ = auth.session.remove_value(SECOND_FACTOR).await;
        return Err(expired());
    }
    if code.trim().is_empty() {
        return Err(AppError::invalid_field("code", "Enter the code from your app."));
    }
    limit_client(auth).await?;
    let state = &auth.state;
    let mut tx = state.db.begin().await?;
    let user = queries::user_by_id(&mut tx, pending.user_id)
        .await?
        .ok_or_else(expired)?;
    if let Some(secs) = queries::lock_throttle(&mut tx, &user.email).await? {
        return Err(locked_error(secs));
    }
    if user.locked_at.is_some() {
        return Err(AppError::invalid(ACCOUNT_LOCKED));
    }
    let Some(factor) = super::two_factor::verify(&mut tx, auth, user.id, &user.email, code).await? else {
        let error = count_failure(&mut tx, auth, &user.email).await?;
        tx.commit().await?;
        return Err(field_instead(
            error,
            "code",
            "That code does not match. Codes work once.",
        ));
    };
    queries::clear_failures(&mut tx, &user.email).await?;
    if factor == super::two_factor::Factor::RecoveryCode {
        security_event(
            &mut tx,
            user.id,
            "recovery_code_used",
            &auth.meta,
            serde_json::json!({}),
        )
        .await?;
        alert(
            &mut tx,
            state,
            (&user.name, &user.email),
            "A recovery code was used",
            "one of your recovery codes was just used to sign in to your AudioTricks account. Each code works once; set up two-factor sign-in again if you are running low.",
            &auth.meta,
        )
        .await?;
        audit_log::service::record(&mut tx, audit(user.id, AuditAction::UserRecoveryCodeUsed, &auth.meta)).await?;
        tx.commit().await?;
        tx = state.db.begin().await?;
    }
    let session_id = open_session(&mut tx, auth, &user).await?;
    tx.commit().await?;
    let _ = auth.session.remove_value(SECOND_FACTOR).await;
    session::start(&auth.session, session_id, user.id, state.config.auth.session_lifetime).await
}

/// Counts a failed sign-in for `email` in `tx` and returns the error to show. When it starts or
/// extends a lock, the account owner (if there is one) gets an event, the audit log an entry,
/// and at the start of a lock one email.
pub(crate) async fn count_failure(
    tx: &mut PgConnection,
    auth: &RequestAuth,
    email: &str,
) -> Result<AppError, AppError> {
    let (failures, locked) =
        queries::record_failure(&mut *tx, email, FREE_FAILURES, LOCK_BASE_SECS, LOCK_MAX_SECS).await?;
    if let Some(user) = queries::user_by_email(&mut *tx, email).await? {
        let detail = serde_json::json!({ "failures": failures });
        security_event(&mut *tx, user.id, "sign_in_failed", &auth.meta, detail).await?;
        if let Some(secs) = locked {
            let detail = serde_json::json!({ "seconds": secs });
            security_event(&mut *tx, user.id, "sign_in_locked", &auth.meta, detail).await?;
            // One email when the lock starts, not one per further failure.
            if failures == FREE_FAILURES {
                alert(
                    &mut *tx,
                    &auth.state,
                    (&user.name, &user.email),
                    "Sign-in to your account was paused",
                    "several sign-ins with a wrong password were tried on your account, so we paused sign-in for a while. If it was not you, choose a new password.",
                    &auth.meta,
                )
                .await?;
            }
            audit_log::service::record(
                &mut *tx,
                audit(user.id, AuditAction::UserSignInLocked, &auth.meta)
                    .metadata(serde_json::json!({ "seconds": secs, "failures": failures })),
            )
            .await?;
        }
    }
    Ok(match locked {
        Some(secs) => locked_error(secs),
        None => AppError::invalid(WRONG_CREDENTIALS),
    })
}

/// The password (and second factor, when there is one) checked out: records the new session,
/// its events and any new-device email in `tx`. The caller commits, then starts the cookie
/// session with the returned id.
pub(super) async fn open_session(
    tx: &mut PgConnection,
    auth: &RequestAuth,
    user: &queries::UserRow,
) -> Result<Uuid, AppError> {
    let state = &auth.state;
    let meta = &auth.meta;
    let session_id = Uuid::new_v4();
    // A pending two-factor step of this browser is over either way, and a session this browser
    // already had is replaced rather than left behind as a live row.
    let _ = auth.session.remove_value(SECOND_FACTOR).await;
    if let Some(previous) = &auth.user {
        queries::revoke_session(&mut *tx, previous.id, previous.session_id, "replaced by a new sign-in").await?;
    }
    let family = device::family(&meta.user_agent);
    let seen_before = queries::distinct_user_agents(&mut *tx, user.id).await?;
    let first_sign_in = seen_before.is_empty();
    let new_device = !first_sign_in && !seen_before.iter().any(|ua| device::family(ua) == family);
    let countries = queries::known_countries(&mut *tx, user.id).await?;
    let new_country = meta
        .country()
        .is_some_and(|c| !countries.is_empty() && !countries.contains(&c));
    queries::insert_session(
        &mut *tx,
        &queries::NewSession {
            id: session_id,
            user_id: user.id,
            user_agent: &meta.user_agent,
            ip: meta.ip_text(),
            location: &meta.location(),
            country: meta.country().as_deref(),
            lifetime: state.config.auth.session_lifetime,
        },
    )
    .await?;
    let device_name = device::describe(&meta.user_agent);
    security_event(
        &mut *tx,
        user.id,
        "signed_in",
        meta,
        serde_json::json!({ "device": device_name }),
    )
    .await?;
    if new_device {
        let detail = serde_json::json!({ "device": device_name });
        security_event(&mut *tx, user.id, "new_device", meta, detail).await?;
    }
    if new_country {
        let detail = serde_json::json!({ "country": meta.country() });
        security_event(&mut *tx, user.id, "new_country", meta, detail).await?;
    }
    let what = match (new_device, new_country) {
        (true, true) => Some(format!(
            "a device and a country it has not been used from before ({device_name}, {})",
            meta.location()
        )),
        (true, false) => Some(format!("a device it has not been used on before ({device_name})")),
        (false, true) => Some(format!(
            "a country it has not been used from before ({})",
            meta.location()
        )),
        (false, false) => None,
    };
    if let Some(what) = what {
        alert(
            &mut *tx,
            state,
            (&user.name, &user.email),
            "New sign-in to your account",
            &format!("your AudioTricks account was just signed in to from {what}."),
            meta,
        )
        .await?;
    }
    audit_log::service::record(
        &mut *tx,
        audit(user.id, AuditAction::UserSignedIn, meta).metadata(serde_json::json!({ "session": session_id })),
    )
    .await?;
    Ok(session_id)
}

pub async fn sign_out(auth: &RequestAuth) -> Result<(), AppError> {
    if let Some(user) = &auth.user {
        let mut tx = auth.state.db.begin().await?;
        queries::revoke_session(&mut tx, user.id, user.session_id, "signed out").await?;
        audit_log::service::record(
            &mut tx,
            audit(user.id, AuditAction::UserSignedOut, &auth.meta)
                .metadata(serde_json::json!({ "session": user.session_id })),
        )
        .await?;
        tx.commit().await?;
    }
    session::end(&auth.session).await
}

/// Checks the signed-in user's current password; a wrong one counts towards the lock.
pub(crate) async fn confirm_password(auth: &RequestAuth, user: &CurrentUser, password: &str) -> Result<(), AppError> {
    let row = queries::user_by_id(&mut *auth.state.db.acquire().await?, user.id).await?;
    check_password(auth, &user.email, row.filter(|r| r.email == user.email), password)
        .await
        .map(|_| ())
        .map_err(|e| field_instead(e, "current_password", "That is not your current password."))
}
