//! Server functions for accounts. Each loads the request's session and origin, calls the
//! service, and answers with the error's own HTTP status.

use leptos::prelude::*;

use super::{Me, SecurityEventInfo, SessionInfo, TwoFactorEnrolment, TwoFactorStatus};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::{service, session::RequestAuth};

#[server(endpoint = "account/me")]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    Ok(auth.user.map(|u| Me {
        name: u.name,
        email: u.email,
        is_platform_admin: u.is_platform_admin,
    }))
}

#[server(endpoint = "account/sign-up")]
pub async fn sign_up(name: String, email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let next = next.filter(|n| !n.is_empty());
    let email = service::sign_up(&auth, &name, &email, &password, next.as_deref())
        .await
        .map_err(AppError::respond)?;
    leptos_axum::redirect(&format!("/check-email?email={}", crate::ui::url_encode(&email)));
    Ok(())
}

#[server(endpoint = "account/resend-verification")]
pub async fn resend_verification(email: String) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    service::resend_verification(&auth, &email)
        .await
        .map_err(AppError::respond)?;
    // A redirect rather than a returned message, so the page says it without JavaScript too.
    let email = service::normalize_email(&email);
    leptos_axum::redirect(&format!("/check-email?email={}&sent=1", crate::ui::url_encode(&email)));
    Ok(())
}

#[server(endpoint = "account/confirm-email")]
pub async fn confirm_email(token: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let done = service::confirm_email(&auth, &token, &password)
        .await
        .map_err(AppError::respond)?;
    let next = next.filter(|n| !n.is_empty()).map(|n| super::safe_next(Some(&n)));
    leptos_axum::redirect(&match done {
        service::EmailConfirmed::AccountVerified => next.unwrap_or_else(|| "/account?welcome=1".into()),
        service::EmailConfirmed::AddressChanged => "/account?email_changed=1".into(),
    });
    Ok(())
}

#[server(endpoint = "account/log-in")]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let step = service::sign_in(&auth, &email, &password)
        .await
        .map_err(AppError::respond)?;
    let next = super::safe_next(next.as_deref());
    match step {
        service::SignInStep::SignedIn => leptos_axum::redirect(&next),
        service::SignInStep::SecondFactor => {
            leptos_axum::redirect(&format!("/login/code?next={}", crate::ui::url_encode(&next)))
        }
    }
    Ok(())
}

#[server(endpoint = "account/log-in-code")]
pub async fn log_in_code(code: String, next: Option<String>) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    service::sign_in_second_factor(&auth, &code)
        .await
        .map_err(AppError::respond)?;
    leptos_axum::redirect(&super::safe_next(next.as_deref()));
    Ok(())
}

#[server(endpoint = "account/two-factor")]
pub async fn get_two_factor() -> Result<TwoFactorStatus, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let status = super::two_factor::status(&auth).await.map_err(AppError::respond)?;
    Ok(TwoFactorStatus {
        enabled_since: status.enabled_at.map(super::format_time),
        recovery_codes_left: status.recovery_left,
        available: status.available,
    })
}

#[server(endpoint = "account/two-factor/start")]
pub async fn start_two_factor() -> Result<TwoFactorEnrolment, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let enrolment = super::two_factor::start(&auth).await.map_err(AppError::respond)?;
    Ok(TwoFactorEnrolment {
        secret: enrolment.secret_base32,
        qr_svg: enrolment.qr_svg,
        otpauth_url: enrolment.otpauth_url,
    })
}

#[server(endpoint = "account/two-factor/confirm")]
pub async fn confirm_two_factor(current_password: String, code: String) -> Result<Vec<String>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::two_factor::confirm(&auth, &current_password, &code)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "account/two-factor/disable")]
pub async fn disable_two_factor(current_password: String, code: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::two_factor::disable(&auth, &current_password, &code)
        .await
        .map_err(AppError::respond)?;
    Ok("Two-factor sign-in is off.".into())
}

#[server(endpoint = "account/log-out")]
pub async fn log_out() -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    service::sign_out(&auth).await.map_err(AppError::respond)?;
    leptos_axum::redirect("/login?signed_out=1");
    Ok(())
}

#[server(endpoint = "account/forgot-password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    service::request_password_reset(&auth, &email)
        .await
        .map_err(AppError::respond)?;
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

#[server(endpoint = "account/reset-password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    service::reset_password(&auth, &token, &password)
        .await
        .map_err(AppError::respond)?;
    leptos_axum::redirect("/login?reset=1");
    Ok(())
}

#[server(endpoint = "account/change-password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    service::change_password(&auth, &current_password, &new_password)
        .await
        .map_err(AppError::respond)?;
    Ok("Password changed. Your other devices were signed out.".into())
}

#[server(endpoint = "account/change-email")]
pub async fn change_email(current_password: String, new_email: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let to = service::request_email_change(&auth, &current_password, &new_email)
        .await
        .map_err(AppError::respond)?;
    Ok(format!(
        "We sent a confirmation link to {to}. Your address changes when you open it."
    ))
}

#[server(endpoint = "account/update-name")]
pub async fn update_name(name: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    service::update_name(&auth, &name).await.map_err(AppError::respond)?;
    Ok("Name saved.".into())
}

#[server(endpoint = "account/delete")]
pub async fn delete_account(current_password: String, confirmation: String) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    service::delete_account(&auth, &current_password, &confirmation)
        .await
        .map_err(AppError::respond)?;
    leptos_axum::redirect("/?account_deleted=1");
    Ok(())
}

#[server(endpoint = "account/sessions")]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let user = auth.user().map_err(|e| e.clone().respond())?;
    let rows = super::queries::live_sessions(&auth.state.db, user.id, auth.state.config.auth.session_idle)
        .await
        .map_err(|e| AppError::from(e).respond())?;
    Ok(rows
        .into_iter()
        .map(|s| SessionInfo {
            id: s.id.to_string(),
            device: super::device::describe(&s.user_agent),
            ip: s.ip.unwrap_or_else(|| "unknown".into()),
            location: if s.location.is_empty() {
                "Unknown".into()
            } else {
                s.location
            },
            created_at: super::format_time(s.created_at),
            last_seen_at: super::format_time(s.last_seen_at),
            current: s.id == user.session_id,
        })
        .collect())
}

#[server(endpoint = "account/sessions/revoke")]
pub async fn revoke_session(id: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let id = id
        .parse::<uuid::Uuid>()
        .map_err(|_| AppError::NotFound("That session".into()).respond())?;
    service::revoke_session(&auth, id).await.map_err(AppError::respond)?;
    Ok("That session is signed out.".into())
}

#[server(endpoint = "account/sessions/revoke-others")]
pub async fn revoke_other_sessions() -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let n = service::revoke_other_sessions(&auth).await.map_err(AppError::respond)?;
    Ok(match n {
        0 => "There were no other sessions.".into(),
        1 => "Signed out 1 other session.".into(),
        n => format!("Signed out {n} other sessions."),
    })
}

pub const SECURITY_PAGE_SIZE: usize = 25;

#[server(endpoint = "account/security-events")]
pub async fn security_events(before: Option<i64>) -> Result<Vec<SecurityEventInfo>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let user = auth.user().map_err(|e| e.clone().respond())?;
    let rows = super::queries::security_events(&auth.state.db, user.id, before, SECURITY_PAGE_SIZE as i64)
        .await
        .map_err(|e| AppError::from(e).respond())?;
    Ok(rows.into_iter().map(SecurityEventInfo::from).collect())
}
