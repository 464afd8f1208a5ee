//! Writing notifications (from whatever service acts) and reading your own. Every read and write
//! runs in the tenant context, so Row-Level Security keeps each inbox to its owner.

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ago_in_words, Category, Inbox, NotificationItem, NotificationPage, Preference};
use crate::{
    accounts::{format_time, session::RequestAuth},
    audit::{self, Actor, AuditAction, AuditEvent},
    email::{self, templates},
    error::AppError,
    workspaces::tenant,
};

/// How many the bell shows; the notifications page pages by this many too.
const BELL_SIZE: i64 = 8;
const PAGE_SIZE: i64 = 20;

/// Something to tell one person.
pub struct Notice {
    pub recipient: Uuid,
    /// The workspace it happened in. Adding a notice needs that workspace's context.
    pub workspace: Option<Uuid>,
    pub category: Category,
    /// One sentence without the full stop: "Ana changed your role in Acme to Admin".
    pub title: String,
    /// A same-site path to open.
    pub link: Option<String>,
}

/// Adds the notice to the recipient's bell and, when their preferences say so, queues an email
/// on the same transaction (so neither exists without the change that caused it).
pub async fn notify(conn: &mut PgConnection, public_url: &str, notice: Notice) -> Result<(), AppError> {
    let title: String = notice.title.chars().take(300).collect();
    sqlx::query!(
        "insert into notifications (id, user_id, workspace_id, category, title, link) values ($1, $2, $3, $4, $5, $6)",
        Uuid::new_v4(),
        notice.recipient,
        notice.workspace,
        notice.category.key(),
        title,
        notice.link
    )
    .execute(&mut *conn)
    .await?;
    if !Category::CONFIGURABLE.contains(&notice.category) {
        return Ok(());
    }
    let recipient = sqlx::query!(
        r#"select u.email, u.name, coalesce(p.email, true) as "wants_email!"
           from users u left join notification_preferences p on p.user_id = u.id and p.category = $2
           where u.id = $1 and u.locked_at is null"#,
        notice.recipient,
        notice.category.key()
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(recipient) = recipient.filter(|r| r.wants_email) else {
        return Ok(());
    };
    let rendered = templates::Notification {
        app_url: public_url.to_owned(),
        name: recipient.name,
        title,
        link: notice.link.map(|path| format!("{public_url}{path}")),
        category: notice.category.label().to_owned(),
        preferences_url: format!("{public_url}/account/notifications"),
    }
    .render()
    .map_err(AppError::internal)?;
    email::service::queue(conn, &recipient.email, "notification", &rendered).await?;
    Ok(())
}

struct Row {
    id: Uuid,
    category: String,
    title: String,
    link: Option<String>,
    created_at: OffsetDateTime,
    read_at: Option<OffsetDateTime>,
}

fn item(row: Row, now: OffsetDateTime) -> NotificationItem {
    let at = format_time(row.created_at);
    NotificationItem {
        id: row.id.to_string(),
        category: Category::from_key(&row.category).unwrap_or(Category::Membership),
        title: row.title,
        link: row.link,
        ago: ago_in_words((now - row.created_at).whole_seconds()).unwrap_or_else(|| at.clone()),
        at,
        unread: row.read_at.is_none(),
    }
}

async fn unread(conn: &mut PgConnection, user: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from notifications where user_id = $1 and read_at is null"#,
        user
    )
    .fetch_one(conn)
    .await
}

async fn newest(
    conn: &mut PgConnection,
    user: Uuid,
    unread_only: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as!(
        Row,
        "select id, category, title, link, created_at, read_at from notifications
         where user_id = $1 and (not $2 or read_at is null)
         order by created_at desc, id desc limit $3 offset $4",
        user,
        unread_only,
        limit,
        offset
    )
    .fetch_all(conn)
    .await
}

/// The bell: unread count and the newest few. `None` for a visitor.
pub async fn inbox(auth: &RequestAuth) -> Result<Option<Inbox>, AppError> {
    let Some(user) = auth.user.as_ref() else {
        return Ok(None);
    };
    let mut tx = tenant::begin(&auth.state.db, user.id, None).await?;
    let unread = unread(&mut tx, user.id).await?;
    let now = OffsetDateTime::now_utc();
    let recent = newest(&mut tx, user.id, false, BELL_SIZE, 0)
        .await?
        .into_iter()
        .map(|r| item(r, now))
        .collect();
    tx.commit().await?;
    Ok(Some(Inbox { unread, recent }))
}

/// One page (from 1) of your notifications, newest first.
pub async fn page(auth: &RequestAuth, page: u32, unread_only: bool) -> Result<NotificationPage, AppError> {
    let user = auth.user()?;
    let page = page.clamp(1, 10_000);
    let mut tx = tenant::begin(&auth.state.db, user.id, None).await?;
    let unread = unread(&mut tx, user.id).await?;
    let now = OffsetDateTime::now_utc();
    let mut rows = newest(
        &mut tx,
        user.id,
        unread_only,
        PAGE_SIZE + 1,
        (i64::from(page) - 1) * PAGE_SIZE,
    )
    .await?;
    tx.commit().await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok(NotificationPage {
        items: rows.into_iter().map(|r| item(r, now)).collect(),
        unread,
        next_page: more.then_some(page + 1),
    })
}

/// Marks one notification (by id) or all of yours as read.
pub async fn mark_read(auth: &RequestAuth, id: Option<&str>) -> Result<(), AppError> {
    let user = auth.user()?;
    let id = match id.filter(|i| !i.is_empty()) {
        Some(i) => Some(
            i.parse::<Uuid>()
                .map_err(|_| AppError::NotFound("That notification".into()))?,
        ),
        None => None,
    };
    let mut tx = tenant::begin(&auth.state.db, user.id, None).await?;
    let marked = sqlx::query!(
        "update notifications set read_at = coalesce(read_at, now())
         where user_id = $1 and ($2::uuid is null or id = $2)",
        user.id,
        id
    )
    .execute(&mut *tx)
    .await?;
    if id.is_some() && marked.rows_affected() == 0 {
        return Err(AppError::NotFound("That notification".into()));
    }
    tx.commit().await?;
    Ok(())
}

pub async fn preferences(auth: &RequestAuth) -> Result<Vec<Preference>, AppError> {
    let user = auth.user()?;
    let stored = sqlx::query!(
        "select category, email from notification_preferences where user_id = $1",
        user.id
    )
    .fetch_all(&auth.state.db)
    .await?;
    Ok(Category::CONFIGURABLE
        .into_iter()
        .map(|category| Preference {
            category,
            email: stored
                .iter()
                .find(|s| s.category == category.key())
                .is_none_or(|s| s.email),
        })
        .collect())
}

/// Saves which categories also come by email: exactly those listed (a form sends the ticked
/// boxes only).
pub async fn save_preferences(auth: &RequestAuth, email: &[String]) -> Result<String, AppError> {
    let user = auth.user()?;
    let mut wanted = Vec::new();
    for key in email {
        match Category::from_key(key).filter(|c| Category::CONFIGURABLE.contains(c)) {
            Some(c) => wanted.push(c),
            None => return Err(AppError::invalid(format!("\"{key}\" is not a notification category."))),
        }
    }
    let mut tx = auth.state.db.begin().await?;
    for category in Category::CONFIGURABLE {
        sqlx::query!(
            "insert into notification_preferences (user_id, category, email) values ($1, $2, $3)
             on conflict (user_id, category) do update set email = excluded.email",
            user.id,
            category.key(),
            wanted.contains(&category)
        )
        .execute(&mut *tx)
        .await?;
    }
    let keys: Vec<&str> = wanted.iter().map(|c| c.key()).collect();
    audit::service::record(
        &mut tx,
        AuditEvent::new(Actor::User(user.id), AuditAction::UserNotificationPreferencesChanged)
            .target("user", user.id.to_string())
            .metadata(serde_json::json!({ "email": keys }))
            .origin(auth.meta.ip, Some(&auth.meta.user_agent)),
    )
    .await?;
    tx.commit().await?;
    Ok("Notification settings saved.".into())
}
