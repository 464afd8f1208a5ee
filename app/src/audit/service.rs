use futures_util::TryStreamExt;
use sqlx::PgConnection;

use super::{queries, AuditEvent};

/// Appends `event` on the caller's connection (its transaction, when it has one). Audited
/// writes take turns on the chain's lock until they commit: call this last, just before commit.
#[tracing::instrument(skip_all, fields(action = event.action.as_str()))]
pub async fn record(conn: &mut PgConnection, event: AuditEvent) -> Result<i64, sqlx::Error> {
    let id = queries::insert(&mut *conn, &event).await?;
    if let Some(workspace) = event.workspace {
        let (_, actor) = event.actor.parts();
        sqlx::query!(
            "insert into workspace_activity (audit_id, workspace_id, actor_id, action) values ($1, $2, $3, $4)",
            id,
            workspace,
            actor,
            event.action.as_str()
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    Intact {
        rows: usize,
    },
    Broken {
        rows_checked: usize,
        first_bad_id: i64,
        reason: &'static str,
    },
}

/// Recomputes the whole chain and reports the first row that does not hold.
#[tracing::instrument(skip_all)]
pub async fn verify(conn: &mut PgConnection) -> Result<Verification, sqlx::Error> {
    let mut links = queries::chain(conn);
    let mut rows = 0;
    while let Some(link) = links.try_next().await? {
        rows += 1;
        let reason = match (link.content_ok, link.link_ok) {
            (true, true) => continue,
            (false, _) => "its content does not match its hash (edited)",
            (true, false) => "it does not follow the row before it (a row was removed, reordered or inserted)",
        };
        return Ok(Verification::Broken {
            rows_checked: rows,
            first_bad_id: link.id,
            reason,
        });
    }
    Ok(Verification::Intact { rows })
}
