//! Two-factor sign-in with TOTP (RFC 6238: SHA-1, 6 digits, 30 s, as every authenticator app
//! reads) and single-use recovery codes.

use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use totp_rs::{Algorithm, TOTP};
use uuid::Uuid;

use super::{queries, session::RequestAuth};
use crate::{error::AppError, server::secrets::SecretBox};

pub const ISSUER: &str = "AudioTricks";
pub const RECOVERY_CODES: usize = 10;
const STEP_SECS: u64 = 30;

/// What the enrolment page shows: the QR code and the same secret as text.
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
    pub qr_svg: String,
}

fn secrets(auth: &RequestAuth) -> Result<&SecretBox, AppError> {
    auth.state.secrets.as_deref().ok_or_else(|| {
        AppError::Conflict(
            "Two-factor sign-in is not available on this server yet: its operator has to set MASTER_KEY.".into(),
        )
    })
}

fn purpose(user_id: Uuid) -> String {
    format!("totp:{user_id}")
}

fn totp(secret: Vec<u8>, account: &str) -> Result<TOTP, AppError> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECS,
        secret,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| AppError::internal(format!("building a TOTP: {e}")))
}

/// The time step a code belongs to, allowing one step of clock drift either way.
fn matching_step(totp: &TOTP, code: &str) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64 / STEP_SECS;
    [now, now.saturating_sub(1), now + 1]
        .into_iter()
        .find(|step| totp.generate(step * STEP_SECS) == code)
        .map(|step| step as i64)
}

/// Starts (or restarts) enrolment: a new secret, kept sealed until a code confirms it.
pub async fn start(auth: &RequestAuth) -> Result<Enrolment, AppError> {
    let user = auth.user()?;
    let keys = secrets(auth)?;
    let mut conn = auth.state.db.acquire().await?;
    let row = queries::totp(&mut conn, user.id).await?.ok_or(AppError::Unauthorized)?;
    if row.enabled_at.is_some() {
        return Err(AppError::Conflict("Two-factor sign-in is already on.".into()));
    }
    let mut secret = vec![0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    let totp = totp(secret.clone(), &user.email)?;
    queries::set_totp_pending(&mut conn, user.id, &keys.seal(&secret, &purpose(user.id))).await?;
    let otpauth_url = totp.get_url();
    let qr_svg = qrcode::QrCode::new(otpauth_url.as_bytes())
        .map_err(|e| AppError::internal(format!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#0f172a"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    Ok(Enrolment {
        secret_base32: totp.get_secret_base32(),
        otpauth_url,
        qr_svg,
    })
}

/// Confirms enrolment with the password and a code from the app; returns the recovery codes,
/// shown this once.
pub async fn confirm(auth: &RequestAuth, password: &str, code: &str) -> Result<Vec<String>, AppError> {
    let user = auth.user()?.clone();
    let keys = secrets(auth)?;
    let mut errors = crate::error::FieldErrors::new();
    errors.check(!password.is_empty(), "current_password", "Enter your current password.");
    errors.check(!code.trim().is_empty(), "code", "Enter the 6 digits your app shows.");
    errors.finish(&[])?;
    super::service::confirm_password(auth, &user, password).await?;
    let mut tx = auth.state.db.begin().await?;
    let row = queries::totp(&mut tx, user.id).await?.ok_or(AppError::Unauthorized)?;
    if row.enabled_at.is_some() {
        return Err(AppError::Conflict("Two-factor sign-in is already on.".into()));
    }
    let pending = row
        .pending
        .ok_or_else(|| AppError::invalid("Start the set-up again: no code is being set up."))?;
    let secret = keys
        .open(&pending, &purpose(user.id))
        .map_err(|e| AppError::internal(format!("opening a pending TOTP secret: {e}")))?;
    let step = matching_step(&totp(secret.clone(), &user.email)?, code).ok_or_else(|| {
        AppError::invalid_field(
            "code",
            "That code does not match. Enter the 6 digits your app shows now.",
        )
    })?;
    if !queries::enable_totp(&mut tx, user.id, &keys.seal(&secret, &purpose(user.id)), step).await? {
        return Err(AppError::Conflict("Two-factor sign-in is already on.".into()));
    }
    let codes = new_recovery_codes(&mut tx, user.id).await?;
    super::service::record_security_change(
        &mut tx,
        auth,
        &user,
        "two_factor_enabled",
        crate::audit::AuditAction::UserTwoFactorEnabled,
        "Two-factor sign-in was turned on",
        "two-factor sign-in was turned on for your AudioTricks account: signing in now also needs a code from your authenticator app.",
    )
    .await?;
    tx.commit().await?;
    super::session::rotate(&auth.session).await?;
    Ok(codes)
}

/// Turns two-factor sign-in off, after the password and a current code (or a recovery code).
pub async fn disable(auth: &RequestAuth, password: &str, code: &str) -> Result<(), AppError> {
    let user = auth.user()?.clone();
    let mut errors = crate::error::FieldErrors::new();
    errors.check(!password.is_empty(), "current_password", "Enter your current password.");
    errors.check(
        !code.trim().is_empty(),
        "code",
        "Enter a code from your app or a recovery code.",
    );
    errors.finish(&[])?;
    super::service::confirm_password(auth, &user, password).await?;
    let mut tx = auth.state.db.begin().await?;
    if verify(&mut tx, auth, user.id, &user.email, code).await?.is_none() {
        let error = super::service::count_failure(&mut tx, auth, &user.email).await?;
        tx.commit().await?;
        return Err(super::service::field_instead(
            error,
            "code",
            "That code does not match.",
        ));
    }
    queries::disable_totp(&mut tx, user.id).await?;
    super::service::record_security_change(
        &mut tx,
        auth,
        &user,
        "two_factor_disabled",
        crate::audit::AuditAction::UserTwoFactorDisabled,
        "Two-factor sign-in was turned off",
        "two-factor sign-in was turned off for your AudioTricks account: a password alone now signs in.",
    )
    .await?;
    tx.commit().await?;
    super::session::rotate(&auth.session).await
}

/// Which second factor a sign-in used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Factor {
    Totp,
    RecoveryCode,
}

/// Checks a TOTP code (once per time step) or, failing that, uses up a matching recovery code.
pub async fn verify(
    conn: &mut PgConnection,
    auth: &RequestAuth,
    user_id: Uuid,
    email: &str,
    code: &str,
) -> Result<Option<Factor>, AppError> {
    let keys = secrets(auth)?;
    let Some(sealed) = queries::totp(conn, user_id).await?.and_then(|r| r.secret) else {
        return Ok(None);
    };
    let secret = keys
        .open(&sealed, &purpose(user_id))
        .map_err(|e| AppError::internal(format!("opening a TOTP secret: {e}")))?;
    if let Some(step) = matching_step(&totp(secret, email)?, code) {
        return Ok(queries::claim_totp_step(conn, user_id, step)
            .await?
            .then_some(Factor::Totp));
    }
    let normalized = normalize_recovery_code(code);
    if normalized.len() == 10 && queries::use_recovery_code(conn, user_id, &digest(&normalized)).await? {
        return Ok(Some(Factor::RecoveryCode));
    }
    Ok(None)
}

pub struct Status {
    pub enabled_at: Option<time::OffsetDateTime>,
    pub recovery_left: i64,
    pub available: bool,
}

pub async fn status(auth: &RequestAuth) -> Result<Status, AppError> {
    let user = auth.user()?;
    let mut conn = auth.state.db.acquire().await?;
    let row = queries::totp(&mut conn, user.id).await?.ok_or(AppError::Unauthorized)?;
    Ok(Status {
        enabled_at: row.enabled_at,
        recovery_left: row.recovery_left,
        available: auth.state.secrets.is_some(),
    })
}

/// Recovery codes look like `k7mq2-x9fdr`: 50 random bits from an alphabet without look-alikes.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

async fn new_recovery_codes(conn: &mut PgConnection, user_id: Uuid) -> Result<Vec<String>, AppError> {
    let codes: Vec<String> = {
        let mut rng = rand::rng();
        (0..RECOVERY_CODES)
            .map(|_| {
                let raw: String = (0..10)
                    .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                    .collect();
                format!("{}-{}", &raw[..5], &raw[5..])
            })
            .collect()
    };
    let digests: Vec<Vec<u8>> = codes.iter().map(|c| digest(&normalize_recovery_code(c))).collect();
    queries::replace_recovery_codes(conn, user_id, &digests).await?;
    Ok(codes)
}

fn normalize_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Recovery codes carry 50 random bits, so a plain SHA-256 is enough to keep them unreadable.
fn digest(normalized: &str) -> Vec<u8> {
    Sha256::digest(normalized.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_own_step_and_its_neighbours_only() {
        let t = totp(b"12345678901234567890".to_vec(), "ada@example.com").unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64 / STEP_SECS;
        assert_eq!(matching_step(&t, &t.generate(now * STEP_SECS)), Some(now as i64));
        assert_eq!(
            matching_step(&t, &t.generate((now - 1) * STEP_SECS)),
            Some(now as i64 - 1)
        );
        assert_eq!(matching_step(&t, &t.generate((now - 5) * STEP_SECS)), None);
        assert_eq!(matching_step(&t, "12345"), None);
        assert_eq!(matching_step(&t, "abcdef"), None);
        // RFC 6238's SHA-1 test vector at T = 59 s is 94287082; six digits: 287082.
        assert_eq!(t.generate(59), "287082");
    }

    #[test]
    fn recovery_codes_are_read_forgivingly() {
        assert_eq!(normalize_recovery_code(" K7MQ2-x9fdr "), "k7mq2x9fdr");
        assert_eq!(digest("k7mq2x9fdr"), digest(&normalize_recovery_code("k7mq2 x9fdr")));
    }
}
