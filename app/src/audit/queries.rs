//! One function per SQL statement of the audit log.

use futures_util::stream::BoxStream;
use sqlx::PgConnection;

use super::AuditEvent;

/// The trigger assigns id, time and hashes (see the migration), after taking the chain's lock.
pub async fn insert(conn: &mut PgConnection, event: &AuditEvent) -> Result<i64, sqlx::Error> {
    let (actor_type, actor_id) = event.actor.parts();
    sqlx::query_scalar!(
        r#"
        insert into audit_log (id, occurred_at, actor_type, actor_id, action, target_type, target_id,
                               metadata, ip, user_agent, prev_hash, hash)
        values (0, now(), $1, $2, $3, $4, $5, $6, $7, $8, '', '')
        returning id
        "#,
        actor_type,
        actor_id,
        event.action.as_str(),
        event.target.as_ref().map(|t| t.kind),
        event.target.as_ref().map(|t| t.id.as_str()),
        event.metadata,
        event.ip.map(|ip| ip.to_string()),
        event.user_agent,
    )
    .fetch_one(conn)
    .await
}

pub struct ChainLink {
    pub id: i64,
    /// The stored hash matches the row's recomputed digest.
    pub content_ok: bool,
    /// The stored previous hash matches the hash of the row before it (or the genesis value).
    pub link_ok: bool,
}

/// Every row in chain order with its checks, computed by the same SQL digest the trigger uses;
/// streamed, so a long log is never held in memory.
pub fn chain(conn: &mut PgConnection) -> BoxStream<'_, Result<ChainLink, sqlx::Error>> {
    sqlx::query_as!(
        ChainLink,
        r#"
        select id,
               hash = audit_digest(prev_hash, a) as "content_ok!",
               prev_hash = coalesce(lag(hash) over (order by id), '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
                   as "link_ok!"
        from audit_log a
        order by id
        "#
    )
    .fetch(conn)
}
