//! What platform admins may do, and `audiotricks admin create`.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::AdminUser;
use crate::{
    accounts::{
        format_time, password, queries as account_queries,
        service::{check_email, check_name, normalize_email, security_event, send_verification},
        session::{CurrentUser, RequestAuth},
    },
    audit::{self, Actor, AuditAction, AuditEvent},
    error::{AppError, FieldErrors},
};

const PAGE_SIZE: i64 = super::PAGE_SIZE as i64;

/// The signed-in platform admin, or why not.
pub fn require_admin(auth: &RequestAuth) -> Result<&CurrentUser, AppError> {
    let user = auth.user()?;
    if user.is_platform_admin {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

struct UserListRow {
    id: Uuid,
    name: String,
    email: String,
    email_verified_at: Option<OffsetDateTime>,
    locked_at: Option<OffsetDateTime>,
    totp_enabled_at: Option<OffsetDateTime>,
    is_platform_admin: bool,
    created_at: OffsetDateTime,
    last_seen_at: Option<OffsetDateTime>,
    active_sessions: i64,
}

impl From<UserListRow> for AdminUser {
    fn from(r: UserListRow) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name,
            email: r.email,
            verified: r.email_verified_at.is_some(),
            locked: r.locked_at.is_some(),
            two_factor: r.totp_enabled_at.is_some(),
            platform_admin: r.is_platform_admin,
            created_at: format_time(r.created_at),
            last_seen_at: r.last_seen_at.map(format_time),
            active_sessions: r.active_sessions,
        }
    }
}

/// Accounts whose name or email contains `search` (all when empty), newest first; or, with
/// `only`, just that account.
async fn query_users(pool: &PgPool, search: &str, only: Option<Uuid>, page: i64) -> Result<Vec<AdminUser>, AppError> {
    let pattern = format!(
        "%{}%",
        search
            .trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = sqlx::query_as!(
        UserListRow,
        r#"
        select u.id, u.name, u.email, u.email_verified_at, u.locked_at, u.totp_enabled_at, u.is_platform_admin,
               u.created_at,
               (select max(s.last_seen_at) from user_sessions s where s.user_id = u.id) as last_seen_at,
               (select count(*) from user_sessions s
                 where s.user_id = u.id and s.revoked_at is null and s.expires_at > now()) as "active_sessions!"
        from users u
        where ($4::uuid is null or u.id = $4) and (u.email ilike $1 or u.name ilike $1)
        order by u.created_at desc, u.id
        limit $2 offset $3
        "#,
        pattern,
        PAGE_SIZE,
        page.max(0) * PAGE_SIZE,
        only,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(AdminUser::from).collect())
}

pub async fn users(pool: &PgPool, search: &str, page: i64) -> Result<Vec<AdminUser>, AppError> {
    query_users(pool, search, None, page).await
}

pub async fn user(pool: &PgPool, id: Uuid) -> Result<super::AdminUserDetail, AppError> {
    let user = query_users(pool, "", Some(id), 0)
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound("That account".into()))?;
    let events = account_queries::security_events(pool, id, None, 20).await?;
    Ok(super::AdminUserDetail {
        user,
        events: events
            .into_iter()
            .map(crate::accounts::SecurityEventInfo::from)
            .collect(),
    })
}

fn audit_on(admin: &CurrentUser, action: AuditAction, target: Uuid, auth: &RequestAuth) -> AuditEvent {
    AuditEvent::new(Actor::User(admin.id), action)
        .target("user", target.to_string())
        .origin(auth.meta.ip, Some(&auth.meta.user_agent))
}

async fn target(conn: &mut PgConnection, id: Uuid) -> Result<account_queries::UserRow, AppError> {
    account_queries::user_by_id(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("That account".into()))
}

/// Locks (ending every session) or unlocks an account.
pub async fn set_locked(auth: &RequestAuth, id: Uuid, locked: bool) -> Result<String, AppError> {
    let admin = require_admin(auth)?.clone();
    if locked && id == admin.id {
        return Err(AppError::invalid("You cannot lock your own account."));
    }
    let mut tx = auth.state.db.begin().await?;
    let user = target(&mut tx, id).await?;
    if user.locked_at.is_some() == locked {
        return Ok(format!(
            "{} was already {}.",
            user.email,
            if locked { "locked" } else { "unlocked" }
        ));
    }
    sqlx::query!(
        "update users set locked_at = case when $2 then now() end where id = $1",
        id,
        locked
    )
    .execute(&mut *tx)
    .await?;
    if locked {
        account_queries::revoke_sessions_except(&mut tx, id, None, "account locked").await?;
    }
    let (kind, action) = if locked {
        ("locked_by_admin", AuditAction::AdminUserLocked)
    } else {
        ("unlocked_by_admin", AuditAction::AdminUserUnlocked)
    };
    security_event(&mut tx, id, kind, &auth.meta, serde_json::json!({})).await?;
    audit::service::record(&mut tx, audit_on(&admin, action, id, auth)).await?;
    tx.commit().await?;
    Ok(if locked {
        format!("{} is locked and signed out everywhere.", user.email)
    } else {
        format!("{} is unlocked.", user.email)
    })
}

pub async fn force_log_out(auth: &RequestAuth, id: Uuid) -> Result<String, AppError> {
    let admin = require_admin(auth)?.clone();
    let mut tx = auth.state.db.begin().await?;
    let user = target(&mut tx, id).await?;
    let ended = account_queries::revoke_sessions_except(&mut tx, id, None, "signed out by an administrator").await?;
    security_event(
        &mut tx,
        id,
        "signed_out_by_admin",
        &auth.meta,
        serde_json::json!({ "sessions": ended }),
    )
    .await?;
    audit::service::record(
        &mut tx,
        audit_on(&admin, AuditAction::AdminUserSignedOut, id, auth).metadata(serde_json::json!({ "sessions": ended })),
    )
    .await?;
    tx.commit().await?;
    Ok(match ended {
        1 => format!("Ended 1 session of {}.", user.email),
        n => format!("Ended {n} sessions of {}.", user.email),
    })
}

pub async fn resend_verification(auth: &RequestAuth, id: Uuid) -> Result<String, AppError> {
    let admin = require_admin(auth)?.clone();
    let mut tx = auth.state.db.begin().await?;
    let user = target(&mut tx, id).await?;
    if user.email_verified_at.is_some() {
        return Err(AppError::Conflict(format!("{} is already confirmed.", user.email)));
    }
    send_verification(&mut tx, &auth.state, user.id, &user.name, &user.email).await?;
    audit::service::record(
        &mut tx,
        audit_on(&admin, AuditAction::AdminVerificationResent, id, auth),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("A new confirmation link is on its way to {}.", user.email))
}

/// What `audiotricks admin create` did.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminCreated {
    New,
    /// The account existed; it became a platform admin and kept its password.
    Promoted,
    AlreadyAdmin,
}

/// Creates a confirmed platform admin account, or makes an existing confirmed account one. An
/// existing account whose address was never confirmed gets the given password first: whoever
/// signed up with it never proved the mailbox, so their password must not become an admin's.
pub async fn create_admin(pool: &PgPool, email: &str, name: &str, password: &str) -> Result<AdminCreated, AppError> {
    let email = normalize_email(email);
    let name = name.trim();
    let mut errors = FieldErrors::new();
    check_email(&mut errors, "email", &email);
    let mut tx = pool.begin().await?;
    let existing = account_queries::user_by_email(&mut tx, &email).await?;
    let confirmed = existing.as_ref().is_some_and(|u| u.email_verified_at.is_some());
    if !confirmed {
        if existing.is_none() {
            check_name(&mut errors, name);
        }
        if let Some(weak) = password::weakness(password, &[name, &email]) {
            errors.add("password", weak);
        }
    }
    errors.finish(&[])?;
    let (id, outcome) = match existing {
        Some(user) if confirmed && user.is_platform_admin => return Ok(AdminCreated::AlreadyAdmin),
        Some(user) if confirmed => (user.id, AdminCreated::Promoted),
        Some(user) => {
            let hash = password::hash(password.to_owned()).await.map_err(AppError::internal)?;
            account_queries::set_password(&mut tx, user.id, &hash).await?;
            account_queries::revoke_sessions_except(&mut tx, user.id, None, "made a platform admin").await?;
            (user.id, AdminCreated::New)
        }
        None => {
            let id = Uuid::new_v4();
            let hash = password::hash(password.to_owned()).await.map_err(AppError::internal)?;
            if !account_queries::insert_user(&mut tx, id, &email, name, &hash).await? {
                return Err(AppError::Conflict(format!(
                    "{email} signed up just now; run the command again"
                )));
            }
            crate::workspaces::service::create_personal(&mut tx, id, name).await?;
            (id, AdminCreated::New)
        }
    };
    sqlx::query!(
        "update users set is_platform_admin = true, email_verified_at = coalesce(email_verified_at, now()) where id = $1",
        id
    )
    .execute(&mut *tx)
    .await?;
    audit::service::record(
        &mut tx,
        AuditEvent::new(Actor::System, AuditAction::AdminGranted)
            .target("user", id.to_string())
            .metadata(
                serde_json::json!({ "via": "audiotricks admin create", "new_account": outcome == AdminCreated::New }),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}
