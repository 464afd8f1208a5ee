//! Storage analytics for a workspace: what it keeps, by file type and over the last 30 days.

use super::{DayTotal, FormatTotal, StorageView};
use crate::{
    accounts::{format_time, session::RequestAuth},
    error::AppError,
    workspaces::{service::authorize, Permission},
};

pub const DAYS: i64 = 30;

pub async fn view(auth: &RequestAuth, slug: &str) -> Result<StorageView, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::SettingsManage).await?;
    let totals = sqlx::query!(
        "select bytes, objects, reconciled_at from workspace_storage where workspace_id = $1",
        access.workspace.id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let by_format = sqlx::query!(
        r#"select coalesce(format, 'Other') as "format!", sum(size_bytes)::bigint as "bytes!", count(*) as "count!",
                  sum(size_bytes) filter (where deleted_at is not null)::bigint as "trashed?"
           from recordings where workspace_id = $1 and status = 'ready'
           group by 1 order by 2 desc"#,
        access.workspace.id
    )
    .fetch_all(&mut *tx)
    .await?;
    // Bytes at the end of each of the last 30 days: everything before the window, then the
    // ledger's changes day by day.
    let daily = sqlx::query!(
        r#"with days as (
               select generate_series(current_date - ($2::int - 1), current_date, interval '1 day')::date as day
           ), before as (
               select coalesce(sum(quantity), 0)::bigint as bytes from usage_events
               where workspace_id = $1 and kind like 'storage.%' and occurred_at < current_date - ($2::int - 1)
           )
           select to_char(d.day, 'MM-DD') as "day!",
                  ((select bytes from before) + coalesce(sum(e.quantity) over (order by d.day), 0))::bigint as "bytes!"
           from days d left join lateral (
               select coalesce(sum(quantity), 0)::bigint as quantity from usage_events
               where workspace_id = $1 and kind like 'storage.%' and occurred_at::date = d.day
           ) e on true
           order by d.day"#,
        access.workspace.id,
        DAYS as i32
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let trash_bytes = by_format.iter().map(|f| f.trashed.unwrap_or(0)).sum();
    Ok(StorageView {
        workspace_name: access.workspace.name.clone(),
        bytes: totals.as_ref().map_or(0, |t| t.bytes),
        objects: totals.as_ref().map_or(0, |t| t.objects),
        reconciled_at: totals.and_then(|t| t.reconciled_at).map(format_time),
        trash_bytes,
        max_upload_bytes: auth.state.config.storage.max_upload_bytes,
        by_format: by_format
            .into_iter()
            .map(|f| FormatTotal {
                format: f.format,
                bytes: f.bytes,
                count: f.count,
            })
            .collect(),
        daily: daily
            .into_iter()
            .map(|d| DayTotal {
                day: d.day,
                bytes: d.bytes.max(0),
            })
            .collect(),
    })
}
