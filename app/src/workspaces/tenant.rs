//! The one place that sets the tenant context Row-Level Security reads. Every query on a
//! workspace table runs in a transaction opened (or entered) here; without it those tables show
//! nothing.

use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

/// Sets who is asking and (optionally) which workspace, for the rest of this transaction only.
pub async fn enter(conn: &mut PgConnection, user_id: Uuid, workspace_id: Option<Uuid>) -> Result<(), sqlx::Error> {
    sqlx::query("select set_config('app.user_id', $1, true), set_config('app.workspace_id', $2, true)")
        .bind(user_id.to_string())
        .bind(workspace_id.map(|w| w.to_string()).unwrap_or_default())
        .execute(conn)
        .await?;
    Ok(())
}

/// A transaction in the given tenant context.
pub async fn begin(
    pool: &PgPool,
    user_id: Uuid,
    workspace_id: Option<Uuid>,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    enter(&mut tx, user_id, workspace_id).await?;
    Ok(tx)
}

/// Lets this transaction read the one invitation whose token has this digest (the token is the
/// capability), whatever workspace it belongs to.
pub async fn present_invitation(conn: &mut PgConnection, digest: &[u8]) -> Result<(), sqlx::Error> {
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    sqlx::query("select set_config('app.invitation', $1, true)")
        .bind(hex)
        .execute(conn)
        .await?;
    Ok(())
}

/// Lets this transaction read the open invitations addressed to this email address. Only ever
/// called with the signed-in account's own (confirmed) address.
pub async fn present_invitee(conn: &mut PgConnection, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("select set_config('app.invitee', $1, true)")
        .bind(email)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks this transaction as the scheduled purge, which may see and delete workspaces whose
/// grace period after deletion has passed (and nothing else of any tenant).
pub async fn for_purge(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("select set_config('app.purge', 'on', true)")
        .execute(conn)
        .await?;
    Ok(())
}

/// Background work inside one workspace (a job, not a person): the workspace's context with no
/// user, so policies that need a member never match.
pub async fn as_system(conn: &mut PgConnection, workspace_id: Uuid) -> Result<(), sqlx::Error> {
    enter(conn, Uuid::nil(), Some(workspace_id)).await
}

/// Marks this transaction as scheduled housekeeping (retention, emptying the trash), which may
/// read recordings and workspaces everywhere to find its work, and change them only after
/// entering each workspace.
pub async fn for_housekeeping(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("select set_config('app.housekeeping', 'on', true)")
        .execute(conn)
        .await?;
    Ok(())
}

/// Lets this transaction read the one public link whose token has this digest (the token is the
/// capability) and, while that link is live, the one resource it names.
pub async fn present_public_link(conn: &mut PgConnection, digest: &[u8]) -> Result<(), sqlx::Error> {
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    sqlx::query("select set_config('app.public_link', $1, true)")
        .bind(hex)
        .execute(conn)
        .await?;
    Ok(())
}
