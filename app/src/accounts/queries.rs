//! One function per SQL statement about accounts.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub email_verified_at: Option<OffsetDateTime>,
    pub is_platform_admin: bool,
    pub locked_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub totp_enabled_at: Option<OffsetDateTime>,
}

pub async fn user_by_email(conn: &mut PgConnection, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as!(
        UserRow,
        "select id, email, name, password_hash, email_verified_at, is_platform_admin, locked_at, created_at,
                totp_enabled_at
         from users where email = $1",
        email
    )
    .fetch_optional(conn)
    .await
}

pub async fn user_by_id(conn: &mut PgConnection, id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as!(
        UserRow,
        "select id, email, name, password_hash, email_verified_at, is_platform_admin, locked_at, created_at,
                totp_enabled_at
         from users where id = $1",
        id
    )
    .fetch_optional(conn)
    .await
}

pub async fn insert_user(
    conn: &mut PgConnection,
    id: Uuid,
    email: &str,
    name: &str,
    password_hash: &str,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query!(
        "insert into users (id, email, name, password_hash) values ($1, $2, $3, $4) on conflict (email) do nothing",
        id,
        email,
        name,
        password_hash
    )
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

pub async fn set_password(conn: &mut PgConnection, user_id: Uuid, password_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update users set password_hash = $2 where id = $1",
        user_id,
        password_hash
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_verified(conn: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update users set email_verified_at = coalesce(email_verified_at, now()) where id = $1",
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// False when another account took the address meanwhile.
pub async fn set_email(conn: &mut PgConnection, user_id: Uuid, email: &str) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        "update users set email = $2, email_verified_at = now()
         where id = $1 and not exists (select 1 from users where email = $2)",
        user_id,
        email
    )
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn set_name(conn: &mut PgConnection, user_id: Uuid, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("update users set name = $2 where id = $1", user_id, name)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_user(conn: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from users where id = $1", user_id)
        .execute(conn)
        .await?;
    Ok(())
}

// Tokens

pub async fn insert_token(
    conn: &mut PgConnection,
    user_id: Uuid,
    purpose: TokenPurpose,
    digest: &[u8],
    email: Option<&str>,
    valid_for: std::time::Duration,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into account_tokens (id, user_id, purpose, token_hash, email, expires_at)
         values ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))",
        Uuid::new_v4(),
        user_id,
        purpose as TokenPurpose,
        digest,
        email,
        valid_for.as_secs_f64(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Older unused tokens of the same purpose stop working when a new one is sent.
pub async fn retire_tokens(conn: &mut PgConnection, user_id: Uuid, purpose: TokenPurpose) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update account_tokens set used_at = now() where user_id = $1 and purpose = $2 and used_at is null",
        user_id,
        purpose as TokenPurpose,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct RedeemedToken {
    pub user_id: Uuid,
    pub email: Option<String>,
}

/// Marks a live token used and returns it; None when unknown, used, expired or of another purpose.
pub async fn redeem_token(
    conn: &mut PgConnection,
    purpose: TokenPurpose,
    digest: &[u8],
) -> Result<Option<RedeemedToken>, sqlx::Error> {
    sqlx::query_as!(
        RedeemedToken,
        "update account_tokens set used_at = now()
         where token_hash = $1 and purpose = $2 and used_at is null and expires_at > now()
         returning user_id, email",
        digest,
        purpose as TokenPurpose,
    )
    .fetch_optional(conn)
    .await
}

pub struct LiveToken {
    pub user_id: Uuid,
    pub purpose: TokenPurpose,
    pub email: Option<String>,
}

/// A token that is unused and unexpired, without using it.
pub async fn live_token(conn: &mut PgConnection, digest: &[u8]) -> Result<Option<LiveToken>, sqlx::Error> {
    sqlx::query_as!(
        LiveToken,
        r#"select user_id, purpose as "purpose: TokenPurpose", email from account_tokens
           where token_hash = $1 and used_at is null and expires_at > now()"#,
        digest
    )
    .fetch_optional(conn)
    .await
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "account_token_purpose", rename_all = "snake_case")]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
    ChangeEmail,
}

// Sessions

pub struct NewSession<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub user_agent: &'a str,
    pub ip: Option<String>,
    pub location: &'a str,
    pub country: Option<&'a str>,
    pub lifetime: std::time::Duration,
}

pub async fn insert_session(conn: &mut PgConnection, s: &NewSession<'_>) -> Result<OffsetDateTime, sqlx::Error> {
    sqlx::query_scalar!(
        "insert into user_sessions (id, user_id, user_agent, ip, location, country, expires_at)
         values ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
         returning expires_at",
        s.id,
        s.user_id,
        s.user_agent,
        s.ip,
        s.location,
        s.country,
        s.lifetime.as_secs_f64(),
    )
    .fetch_one(conn)
    .await
}

/// A signed-in session with its account, as each request checks it.
pub struct SessionUser {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub email_verified: bool,
    pub is_platform_admin: bool,
    pub locked: bool,
    pub revoked: bool,
    pub expired: bool,
    pub idle: bool,
    /// Seconds since the last recorded use.
    pub seen_secs_ago: f64,
}

pub async fn session_user(
    pool: &PgPool,
    session_id: Uuid,
    user_id: Uuid,
    idle: std::time::Duration,
) -> Result<Option<SessionUser>, sqlx::Error> {
    sqlx::query_as!(
        SessionUser,
        r#"
        select s.id as session_id, u.id as user_id, u.email, u.name,
               u.email_verified_at is not null as "email_verified!",
               u.is_platform_admin,
               u.locked_at is not null as "locked!",
               s.revoked_at is not null as "revoked!",
               s.expires_at <= now() as "expired!",
               s.last_seen_at <= now() - make_interval(secs => $3) as "idle!",
               extract(epoch from now() - s.last_seen_at)::float8 as "seen_secs_ago!"
        from user_sessions s join users u on u.id = s.user_id
        where s.id = $1 and s.user_id = $2
        "#,
        session_id,
        user_id,
        idle.as_secs_f64(),
    )
    .fetch_optional(pool)
    .await
}

pub async fn touch_session(pool: &PgPool, session_id: Uuid, ip: Option<String>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update user_sessions set last_seen_at = now(), ip = coalesce($2, ip) where id = $1",
        session_id,
        ip
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Revokes one of the user's live sessions; false when there was none.
pub async fn revoke_session(
    conn: &mut PgConnection,
    user_id: Uuid,
    session_id: Uuid,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update user_sessions set revoked_at = now(), revoked_reason = $3
         where id = $2 and user_id = $1 and revoked_at is null",
        user_id,
        session_id,
        reason
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every live session of the user except `keep`; returns how many.
pub async fn revoke_sessions_except(
    conn: &mut PgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "update user_sessions set revoked_at = now(), revoked_reason = $3
         where user_id = $1 and revoked_at is null and ($2::uuid is null or id <> $2)",
        user_id,
        keep,
        reason
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub struct SessionRow {
    pub id: Uuid,
    pub user_agent: String,
    pub ip: Option<String>,
    pub location: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

pub async fn live_sessions(
    pool: &PgPool,
    user_id: Uuid,
    idle: std::time::Duration,
) -> Result<Vec<SessionRow>, sqlx::Error> {
    sqlx::query_as!(
        SessionRow,
        "select id, user_agent, ip, location, created_at, last_seen_at from user_sessions
         where user_id = $1 and revoked_at is null and expires_at > now()
           and last_seen_at > now() - make_interval(secs => $2)
         order by last_seen_at desc",
        user_id,
        idle.as_secs_f64(),
    )
    .fetch_all(pool)
    .await
}

/// The user agents this user has signed in with before (any session, ended or not).
pub async fn distinct_user_agents(conn: &mut PgConnection, user_id: Uuid) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "select distinct user_agent from user_sessions where user_id = $1 limit 200",
        user_id
    )
    .fetch_all(conn)
    .await
}

/// Countries this user has signed in from before.
pub async fn known_countries(conn: &mut PgConnection, user_id: Uuid) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select distinct country as "country!" from user_sessions where user_id = $1 and country is not null"#,
        user_id
    )
    .fetch_all(conn)
    .await
}

// Security events

pub struct SecurityEventRow {
    pub id: i64,
    pub kind: String,
    pub ip: Option<String>,
    pub user_agent: String,
    pub location: String,
    pub detail: serde_json::Value,
    pub created_at: OffsetDateTime,
}

pub struct NewSecurityEvent<'a> {
    pub user_id: Uuid,
    pub kind: &'a str,
    pub ip: Option<String>,
    pub user_agent: &'a str,
    pub location: &'a str,
    pub detail: serde_json::Value,
}

pub async fn insert_security_event(conn: &mut PgConnection, e: &NewSecurityEvent<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into security_events (user_id, kind, ip, user_agent, location, detail) values ($1, $2, $3, $4, $5, $6)",
        e.user_id,
        e.kind,
        e.ip,
        e.user_agent,
        e.location,
        e.detail,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Newest first; `before` is the id to continue below (keyset pagination).
pub async fn security_events(
    pool: &PgPool,
    user_id: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<SecurityEventRow>, sqlx::Error> {
    sqlx::query_as!(
        SecurityEventRow,
        "select id, kind, ip, user_agent, location, detail, created_at from security_events
         where user_id = $1 and ($2::bigint is null or id < $2)
         order by id desc limit $3",
        user_id,
        before,
        limit
    )
    .fetch_all(pool)
    .await
}

// Sign-in throttling

/// Takes the address's throttle row for this transaction (creating it if needed), so concurrent
/// attempts on one address wait for each other. Returns the seconds it stays locked, if it is.
pub async fn lock_throttle(conn: &mut PgConnection, email: &str) -> Result<Option<f64>, sqlx::Error> {
    sqlx::query!(
        "insert into sign_in_throttles (email, failures, last_failure_at) values ($1, 0, now())
         on conflict (email) do nothing",
        email
    )
    .execute(&mut *conn)
    .await?;
    let secs = sqlx::query_scalar!(
        r#"select extract(epoch from locked_until - now())::float8 as "secs" from sign_in_throttles
           where email = $1 for update"#,
        email
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(secs.filter(|s| *s > 0.0))
}

/// Counts a failure (the count restarts after a quiet day) and locks the address from the
/// `free`th failure on, for `base` seconds doubling with each further failure up to `max`.
/// Returns (failures, seconds locked).
pub async fn record_failure(
    conn: &mut PgConnection,
    email: &str,
    free: i32,
    base_secs: f64,
    max_secs: f64,
) -> Result<(i32, Option<f64>), sqlx::Error> {
    let row = sqlx::query!(
        r#"
        insert into sign_in_throttles as t (email, failures, last_failure_at) values ($1, 1, now())
        on conflict (email) do update set
            failures = case when t.last_failure_at < now() - interval '1 day' then 1 else t.failures + 1 end,
            last_failure_at = now()
        returning failures
        "#,
        email
    )
    .fetch_one(&mut *conn)
    .await?;
    if row.failures < free {
        return Ok((row.failures, None));
    }
    let secs = (base_secs * 2f64.powi((row.failures - free).min(30))).min(max_secs);
    sqlx::query!(
        "update sign_in_throttles set locked_until = now() + make_interval(secs => $2) where email = $1",
        email,
        secs
    )
    .execute(&mut *conn)
    .await?;
    Ok((row.failures, Some(secs)))
}

pub async fn clear_failures(conn: &mut PgConnection, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from sign_in_throttles where email = $1", email)
        .execute(conn)
        .await?;
    Ok(())
}

// Two-factor

pub struct TotpRow {
    pub secret: Option<String>,
    pub pending: Option<String>,
    pub enabled_at: Option<OffsetDateTime>,
    pub recovery_left: i64,
}

pub async fn totp(conn: &mut PgConnection, user_id: Uuid) -> Result<Option<TotpRow>, sqlx::Error> {
    sqlx::query_as!(
        TotpRow,
        r#"select totp_secret as secret, totp_pending as pending, totp_enabled_at as enabled_at,
                  (select count(*) from recovery_codes r where r.user_id = u.id and r.used_at is null) as "recovery_left!"
           from users u where id = $1"#,
        user_id
    )
    .fetch_optional(conn)
    .await
}

pub async fn set_totp_pending(conn: &mut PgConnection, user_id: Uuid, sealed: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("update users set totp_pending = $2 where id = $1", user_id, sealed)
        .execute(conn)
        .await?;
    Ok(())
}

/// False when another request turned it on first.
pub async fn enable_totp(conn: &mut PgConnection, user_id: Uuid, sealed: &str, step: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update users set totp_secret = $2, totp_pending = null, totp_enabled_at = now(), totp_last_step = $3
         where id = $1 and totp_enabled_at is null",
        user_id,
        sealed,
        step
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn disable_totp(conn: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update users set totp_secret = null, totp_pending = null, totp_enabled_at = null, totp_last_step = null
         where id = $1",
        user_id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("delete from recovery_codes where user_id = $1", user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records `step` as used; false when it (or a later one) was used already: a code works once.
pub async fn claim_totp_step(conn: &mut PgConnection, user_id: Uuid, step: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update users set totp_last_step = $2 where id = $1 and (totp_last_step is null or totp_last_step < $2)",
        user_id,
        step
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn replace_recovery_codes(
    conn: &mut PgConnection,
    user_id: Uuid,
    digests: &[Vec<u8>],
) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from recovery_codes where user_id = $1", user_id)
        .execute(&mut *conn)
        .await?;
    for digest in digests {
        sqlx::query!(
            "insert into recovery_codes (id, user_id, code_hash) values ($1, $2, $3)",
            Uuid::new_v4(),
            user_id,
            digest
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Uses up a recovery code; false when it is not one of the user's unused codes.
pub async fn use_recovery_code(conn: &mut PgConnection, user_id: Uuid, digest: &[u8]) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update recovery_codes set used_at = now() where user_id = $1 and code_hash = $2 and used_at is null",
        user_id,
        digest
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
