//! Accounts: sign-up with email verification, sign-in with lockout, sessions a user can see and
//! revoke, password and email changes, security events, and account deletion with export.

pub mod api;
pub mod pages;
pub mod settings;

#[cfg(feature = "ssr")]
pub mod device;
#[cfg(feature = "ssr")]
pub mod housekeeping;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod sign_in;
#[cfg(feature = "ssr")]
pub mod tokens;
#[cfg(feature = "ssr")]
pub mod two_factor;

use serde::{Deserialize, Serialize};

/// The signed-in user, as the browser sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    pub is_platform_admin: bool,
}

/// One signed-in session on the Sessions page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub device: String,
    pub ip: String,
    pub location: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub current: bool,
}

/// One entry on the Security page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEventInfo {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub device: String,
    pub ip: String,
    pub location: String,
    pub at: String,
}

/// Two-factor sign-in as the Security page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    pub enabled_since: Option<String>,
    pub recovery_codes_left: i64,
    /// False when the server cannot store secrets (no master key).
    pub available: bool,
}

/// A started enrolment: scan the QR code, or type the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorEnrolment {
    pub secret: String,
    pub qr_svg: String,
    /// Opens the authenticator app directly on a phone.
    pub otpauth_url: String,
}

/// What a security event kind means, in words.
pub fn event_title(kind: &str) -> &'static str {
    match kind {
        "account_created" => "Account created",
        "email_verified" => "Email address confirmed",
        "signed_in" => "Signed in",
        "new_device" => "Signed in from a new device",
        "new_country" => "Signed in from a new country",
        "sign_in_failed" => "Failed sign-in",
        "sign_in_locked" => "Sign-in paused after repeated failures",
        "password_reset" => "Password reset by email link",
        "password_changed" => "Password changed",
        "email_changed" => "Email address changed",
        "session_revoked" => "A session was signed out",
        "sessions_revoked" => "All other sessions were signed out",
        "two_factor_enabled" => "Two-factor sign-in turned on",
        "two_factor_disabled" => "Two-factor sign-in turned off",
        "recovery_code_used" => "Signed in with a recovery code",
        "locked_by_admin" => "Account locked by an administrator",
        "unlocked_by_admin" => "Account unlocked by an administrator",
        "signed_out_by_admin" => "Signed out everywhere by an administrator",
        _ => "Security event",
    }
}

#[cfg(feature = "ssr")]
impl From<queries::SecurityEventRow> for SecurityEventInfo {
    fn from(e: queries::SecurityEventRow) -> Self {
        Self {
            id: e.id,
            title: event_title(&e.kind).to_owned(),
            kind: e.kind,
            device: device::describe(&e.user_agent),
            ip: e.ip.unwrap_or_else(|| "unknown".into()),
            location: if e.location.is_empty() {
                "Unknown".into()
            } else {
                e.location
            },
            at: format_time(e.created_at),
        }
    }
}

/// `2026-11-25 21:46 UTC`: what the pages and emails show.
#[cfg(feature = "ssr")]
pub fn format_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// A same-site path to continue to after signing in; anything else (another site, a
/// protocol-relative URL, whitespace or control characters that browsers strip) falls back to
/// the account page.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path.len() <= 2000
                && path.chars().all(|c| c.is_ascii_graphic() && c != '\\') =>
        {
            path.to_owned()
        }
        _ => "/account".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/account/sessions")), "/account/sessions");
        assert_eq!(safe_next(Some("//evil.example.com")), "/account");
        assert_eq!(safe_next(Some("https://evil.example.com")), "/account");
        assert_eq!(safe_next(Some("/\\evil.example.com")), "/account");
        assert_eq!(
            safe_next(Some("/\t/evil.example.com")),
            "/account",
            "browsers drop tabs: //evil"
        );
        assert_eq!(safe_next(Some("/\n")), "/account", "never an invalid Location header");
        assert_eq!(
            safe_next(Some("/account/security?before=12")),
            "/account/security?before=12"
        );
        assert_eq!(safe_next(None), "/account");
    }
}
