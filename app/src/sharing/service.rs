//! Sharing rules: who may act on one resource (their role, or a share of it), sharing with
//! members, and creating and revoking public links. Everything runs on the transaction
//! `workspaces::service::authorize` opened, in the workspace's tenant context.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, Postgres, Transaction};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{
    PublicLinkItem, ResourceKind, ShareAccess, ShareCandidate, ShareEntry, SharingOverview, LINK_EXPIRY_CHOICES,
};
use crate::{
    accounts::{format_time, password, session::RequestAuth},
    audit::{self, Actor, AuditAction, AuditEvent},
    error::{AppError, FieldErrors},
    notifications::{
        service::{notify, Notice},
        Category,
    },
    server::secrets::SecretBox,
    workspaces::{
        service::{authorize, Access},
        Need, Permission, Role,
    },
};

/// Live public links one resource may have at once.
pub const MAX_LIVE_LINKS: i64 = 20;
/// Purpose of the sealed token (bound into the ciphertext with the link's id).
const TOKEN_PURPOSE: &str = "public-link-token";

/// One shareable thing of the current workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Recording(Uuid),
}

impl Resource {
    /// From a form's kind and id; anything unknown is "not found", like a missing row.
    pub fn parse(kind: &str, id: &str) -> Result<Self, AppError> {
        let not_found = || AppError::NotFound("That item".into());
        let id: Uuid = id.parse().map_err(|_| not_found())?;
        match ResourceKind::from_key(kind).ok_or_else(not_found)? {
            ResourceKind::Recording => Ok(Self::Recording(id)),
        }
    }

    pub fn kind(self) -> ResourceKind {
        match self {
            Self::Recording(_) => ResourceKind::Recording,
        }
    }

    pub fn id(self) -> Uuid {
        match self {
            Self::Recording(id) => id,
        }
    }

    /// Where members open it.
    pub fn path(self, slug: &str) -> String {
        match self {
            Self::Recording(id) => format!("/w/{slug}/recordings/{id}"),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Recording(_) => "That recording",
        }
    }

    /// Its title, if it is in the transaction's workspace, ready and out of the trash; the row is
    /// locked so that changes to one resource's sharing take turns.
    pub async fn title(self, conn: &mut PgConnection) -> Result<String, AppError> {
        let title = match self {
            Self::Recording(id) => sqlx::query_scalar!(
                "select title from recordings where id = $1 and status = 'ready' and deleted_at is null for update",
                id
            )
            .fetch_optional(&mut *conn)
            .await?,
        };
        title.ok_or_else(|| AppError::NotFound(self.noun().into()))
    }
}

impl ShareAccess {
    /// The permissions a share gives over its one resource.
    pub fn grants(self, permission: Permission) -> bool {
        match self {
            ShareAccess::View => permission == Permission::TranscriptsRead,
            ShareAccess::Edit => matches!(permission, Permission::TranscriptsRead | Permission::TranscriptsEdit),
        }
    }
}

/// The share of `resource` the member holds, if any.
pub async fn held_share(
    conn: &mut PgConnection,
    access: &Access,
    resource: Resource,
) -> Result<Option<ShareAccess>, AppError> {
    let level = sqlx::query_scalar!(
        "select access from resource_shares
         where resource_type = $1 and resource_id = $2 and workspace_id = $3 and user_id = $4",
        resource.kind().key(),
        resource.id(),
        access.workspace.id,
        access.user.id
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(level.as_deref().and_then(ShareAccess::from_key))
}

/// Membership plus `permission` over this one resource, from the member's role or from a share
/// of the resource. Refuses before looking the resource up, so a refusal says nothing about
/// whether it exists.
pub async fn authorize_resource(
    auth: &RequestAuth,
    slug: &str,
    resource: Resource,
    permission: Permission,
) -> Result<(Access, Option<ShareAccess>, Transaction<'static, Postgres>), AppError> {
    let (access, mut tx) = authorize(auth, slug, Need::Resource(permission)).await?;
    let share = held_share(&mut tx, &access, resource).await?;
    if access.can(permission) || share.is_some_and(|s| s.grants(permission)) {
        Ok((access, share, tx))
    } else {
        Err(AppError::Forbidden)
    }
}

/// Sharing a resource: `transcripts.share` from the role, over a resource the member may read
/// (by role or by a share of it), so nobody passes on what they cannot see themselves.
async fn authorize_sharing(
    auth: &RequestAuth,
    slug: &str,
    resource: Resource,
) -> Result<(Access, Option<ShareAccess>, Transaction<'static, Postgres>), AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::TranscriptsShare).await?;
    let share = held_share(&mut tx, &access, resource).await?;
    if access.can(Permission::TranscriptsRead) || share.is_some() {
        Ok((access, share, tx))
    } else {
        Err(AppError::Forbidden)
    }
}

struct MemberRow {
    user_id: Uuid,
    name: String,
    role: String,
    custom_name: Option<String>,
    custom_permissions: Option<Vec<String>>,
}

impl MemberRow {
    fn can(&self, permission: Permission) -> bool {
        match (Role::from_key(&self.role), &self.custom_permissions) {
            (Some(Role::Custom), Some(keys)) => keys.iter().any(|k| k == permission.key()),
            (Some(role), _) => role.can(permission),
            (None, _) => false,
        }
    }

    fn role_name(&self) -> String {
        match (&self.custom_name, Role::from_key(&self.role)) {
            (Some(name), Some(Role::Custom)) => name.clone(),
            (_, role) => role.unwrap_or(Role::Viewer).label().to_owned(),
        }
    }
}

async fn members(conn: &mut PgConnection, workspace: Uuid, only: Option<Uuid>) -> Result<Vec<MemberRow>, AppError> {
    Ok(sqlx::query_as!(
        MemberRow,
        r#"select u.id as user_id, u.name, m.role, r.name as "custom_name?", r.permissions as "custom_permissions?"
           from workspace_members m join users u on u.id = m.user_id
           left join workspace_roles r on r.id = m.custom_role_id
           where m.workspace_id = $1 and ($2::uuid is null or m.user_id = $2)
           order by lower(u.name)"#,
        workspace,
        only
    )
    .fetch_all(&mut *conn)
    .await?)
}

fn link_url(auth: &RequestAuth, token: &str) -> String {
    format!("{}/s/{token}", auth.state.config.public_url.as_str().trim_end_matches('/'))
}

/// Who the resource is shared with, who else it could be, and its public links.
pub async fn overview(
    conn: &mut PgConnection,
    auth: &RequestAuth,
    access: &Access,
    resource: Resource,
) -> Result<SharingOverview, AppError> {
    let shares = sqlx::query!(
        "select s.user_id, u.name, u.email, s.access, s.updated_at
         from resource_shares s join users u on u.id = s.user_id
         where s.resource_type = $1 and s.resource_id = $2
         order by lower(u.name)",
        resource.kind().key(),
        resource.id()
    )
    .fetch_all(&mut *conn)
    .await?;
    let candidates = members(conn, access.workspace.id, None)
        .await?
        .into_iter()
        .filter(|m| m.user_id != access.user.id && !m.can(Permission::TranscriptsEdit))
        .filter(|m| !shares.iter().any(|s| s.user_id == m.user_id))
        .map(|m| ShareCandidate {
            user_id: m.user_id.to_string(),
            role_name: m.role_name(),
            name: m.name,
        })
        .collect();
    let secrets = auth.state.secrets.as_deref();
    let links = sqlx::query!(
        r#"select l.id, l.token_sealed, l.password_hash is not null as "has_password!", l.expires_at, l.revoked_at,
                  l.view_count, l.last_viewed_at, l.created_at, u.name as "created_by?",
                  (l.expires_at is not null and l.expires_at <= now()) as "expired!"
           from public_links l left join users u on u.id = l.created_by
           where l.resource_type = $1 and l.resource_id = $2
           order by l.revoked_at is not null, l.created_at desc
           limit 50"#,
        resource.kind().key(),
        resource.id()
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|l| {
        let token = secrets
            .and_then(|s| s.open(&l.token_sealed, &token_purpose(l.id)).ok())
            .and_then(|t| String::from_utf8(t).ok());
        let state = if l.revoked_at.is_some() {
            "Revoked"
        } else if l.expired {
            "Expired"
        } else {
            "Active"
        };
        PublicLinkItem {
            id: l.id.to_string(),
            url: token.map(|t| link_url(auth, &t)),
            created_at: format_time(l.created_at),
            created_by: l.created_by.unwrap_or_else(|| "A former member".into()),
            expires_at: l.expires_at.map(format_time),
            live: state == "Active",
            state: state.into(),
            has_password: l.has_password,
            views: l.view_count,
            last_viewed_at: l.last_viewed_at.map(format_time),
        }
    })
    .collect();
    Ok(SharingOverview {
        kind: resource.kind(),
        resource_id: resource.id().to_string(),
        shares: shares
            .into_iter()
            .map(|s| ShareEntry {
                user_id: s.user_id.to_string(),
                name: s.name,
                email: s.email,
                access: ShareAccess::from_key(&s.access).unwrap_or(ShareAccess::View),
                shared_at: format_time(s.updated_at),
            })
            .collect(),
        candidates,
        links,
        links_available: secrets.is_some(),
    })
}

fn audit_on(access: &Access, auth: &RequestAuth, action: AuditAction, resource: Resource) -> AuditEvent {
    AuditEvent::new(Actor::User(access.user.id), action)
        .target(resource.kind().key(), resource.id().to_string())
        .workspace(access.workspace.id)
        .origin(auth.meta.ip, Some(&auth.meta.user_agent))
}

/// Shares the resource with a member (or changes what they may do with it).
pub async fn share_with_member(
    auth: &RequestAuth,
    slug: &str,
    resource: Resource,
    member: &str,
    level: &str,
) -> Result<String, AppError> {
    let (access, own_share, mut tx) = authorize_sharing(auth, slug, resource).await?;
    let title = resource.title(&mut tx).await?;
    let mut errors = FieldErrors::new();
    let level = ShareAccess::from_key(level);
    errors.check(level.is_some(), "access", "Choose whether they can view or edit.");
    let member_id: Option<Uuid> = member.parse().ok();
    errors.check(member_id.is_some(), "member", "Choose a member of this workspace.");
    errors.finish(&[])?;
    let (level, member_id) = (level.unwrap_or(ShareAccess::View), member_id.unwrap_or_default());
    // Nobody grants what they do not hold.
    if level == ShareAccess::Edit && !access.can(Permission::TranscriptsEdit) && own_share != Some(ShareAccess::Edit) {
        return Err(AppError::invalid_field(
            "access",
            "You cannot edit this yourself, so you can only let others view it.",
        ));
    }
    if member_id == access.user.id {
        return Err(AppError::invalid_field("member", "You have this already; choose someone else."));
    }
    let member = members(&mut tx, access.workspace.id, Some(member_id))
        .await?
        .pop()
        .ok_or_else(|| AppError::invalid_field("member", "Choose a member of this workspace."))?;
    let by_role = [ShareAccess::Edit, ShareAccess::View]
        .into_iter()
        .find(|l| match l {
            ShareAccess::Edit => member.can(Permission::TranscriptsEdit),
            ShareAccess::View => member.can(Permission::TranscriptsRead),
        });
    if by_role == Some(ShareAccess::Edit) || (by_role == Some(ShareAccess::View) && level == ShareAccess::View) {
        return Err(AppError::invalid_field(
            "member",
            format!(
                "{} can already {} everything here as {}.",
                member.name,
                if by_role == Some(ShareAccess::Edit) { "edit" } else { "view" },
                member.role_name()
            ),
        ));
    }
    let before = sqlx::query_scalar!(
        "select access from resource_shares where resource_type = $1 and resource_id = $2 and user_id = $3 for update",
        resource.kind().key(),
        resource.id(),
        member_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if before.as_deref() == Some(level.key()) {
        return Ok(format!("{} already has this.", member.name));
    }
    sqlx::query!(
        "insert into resource_shares (workspace_id, resource_type, resource_id, user_id, access, shared_by)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (resource_type, resource_id, user_id) do update set access = excluded.access, shared_by = excluded.shared_by",
        access.workspace.id,
        resource.kind().key(),
        resource.id(),
        member_id,
        level.key(),
        access.user.id
    )
    .execute(&mut *tx)
    .await?;
    let action = if before.is_some() {
        AuditAction::ShareChanged
    } else {
        AuditAction::ShareGranted
    };
    audit::service::record(
        &mut tx,
        audit_on(&access, auth, action, resource).metadata(serde_json::json!({
            "title": title, "member": member_id, "access": level.key(), "from": before,
        })),
    )
    .await?;
    let what = match level {
        ShareAccess::View => "view",
        ShareAccess::Edit => "edit",
    };
    notify(
        &mut tx,
        auth.state.config.public_url.as_str(),
        Notice {
            recipient: member_id,
            workspace: Some(access.workspace.id),
            category: Category::Shares,
            title: format!(
                "{} shared \u{201c}{title}\u{201d} with you in {} (you can {what})",
                access.user.name, access.workspace.name
            ),
            link: Some(resource.path(&access.workspace.slug)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Shared with {}: {}.", member.name, level.label().to_lowercase()))
}

pub async fn stop_sharing_with_member(
    auth: &RequestAuth,
    slug: &str,
    resource: Resource,
    member: &str,
) -> Result<String, AppError> {
    let (access, _, mut tx) = authorize_sharing(auth, slug, resource).await?;
    let title = resource.title(&mut tx).await?;
    let member_id: Uuid = member
        .parse()
        .map_err(|_| AppError::NotFound("That share".into()))?;
    let removed = sqlx::query!(
        r#"delete from resource_shares s using users u
           where u.id = s.user_id and s.resource_type = $1 and s.resource_id = $2 and s.user_id = $3
           returning u.name, s.access"#,
        resource.kind().key(),
        resource.id(),
        member_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That share".into()))?;
    audit::service::record(
        &mut tx,
        audit_on(&access, auth, AuditAction::ShareRevoked, resource).metadata(serde_json::json!({
            "title": title, "member": member_id, "access": removed.access,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("{} no longer has it shared with them.", removed.name))
}

fn token_purpose(link: Uuid) -> String {
    format!("{TOKEN_PURPOSE}:{link}")
}

/// SHA-256 of a link's token, as stored and as presented by a visitor.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether `token` has the shape of one we issue (22 characters of unpadded base64url).
pub fn token_shape_ok(token: &str) -> bool {
    token.len() == 22 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn secrets(auth: &RequestAuth) -> Result<&SecretBox, AppError> {
    auth.state.secrets.as_deref().ok_or_else(|| {
        AppError::Unavailable("Public links need MASTER_KEY to be configured on the server.".into())
    })
}

/// A new public link to the resource. Returns the link to copy.
pub async fn create_link(
    auth: &RequestAuth,
    slug: &str,
    resource: Resource,
    expires_in_days: u32,
    link_password: &str,
) -> Result<String, AppError> {
    let (access, _, mut tx) = authorize_sharing(auth, slug, resource).await?;
    let secrets = secrets(auth)?;
    let title = resource.title(&mut tx).await?;
    let mut errors = FieldErrors::new();
    errors.check(
        LINK_EXPIRY_CHOICES.iter().any(|(d, _)| *d == expires_in_days),
        "expires_in_days",
        "Choose when the link stops working from the list.",
    );
    let has_password = !link_password.is_empty();
    errors.check(
        !has_password || (8..=128).contains(&link_password.chars().count()),
        "link_password",
        "Use 8 to 128 characters, or leave it empty for no password.",
    );
    errors.finish(&[("expires_in_days", &expires_in_days.to_string())])?;
    let live = sqlx::query_scalar!(
        r#"select count(*) as "n!" from public_links
           where resource_type = $1 and resource_id = $2 and revoked_at is null
             and (expires_at is null or expires_at > now())"#,
        resource.kind().key(),
        resource.id()
    )
    .fetch_one(&mut *tx)
    .await?;
    if live >= MAX_LIVE_LINKS {
        return Err(AppError::Conflict(format!(
            "This already has {MAX_LIVE_LINKS} working links. Revoke one you no longer need first."
        )));
    }
    let mut raw = [0_u8; 16];
    rand::rng().fill_bytes(&mut raw);
    let token = URL_SAFE_NO_PAD.encode(raw);
    let id = Uuid::new_v4();
    let password_hash = if has_password {
        Some(password::hash(link_password.to_owned()).await.map_err(AppError::internal)?)
    } else {
        None
    };
    let expires_at =
        (expires_in_days > 0).then(|| OffsetDateTime::now_utc() + Duration::days(i64::from(expires_in_days)));
    sqlx::query!(
        "insert into public_links (id, workspace_id, resource_type, resource_id, token_digest, token_sealed,
                                   password_hash, expires_at, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        id,
        access.workspace.id,
        resource.kind().key(),
        resource.id(),
        &token_digest(&token)[..],
        secrets.seal(token.as_bytes(), &token_purpose(id)),
        password_hash,
        expires_at,
        access.user.id
    )
    .execute(&mut *tx)
    .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, auth, AuditAction::PublicLinkCreated, resource).metadata(serde_json::json!({
            "title": title, "link": id, "password": has_password,
            "expires_at": expires_at.map(format_time),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(link_url(auth, &token))
}

pub async fn revoke_link(auth: &RequestAuth, slug: &str, link: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::TranscriptsShare).await?;
    let not_found = || AppError::NotFound("That link".into());
    let link: Uuid = link.parse().map_err(|_| not_found())?;
    let row = sqlx::query!(
        r#"update public_links l set revoked_at = now() where l.id = $1 and l.revoked_at is null
           returning l.resource_type, l.resource_id,
                     (select r.title from recordings r where l.resource_type = 'recording' and r.id = l.resource_id) as "title?""#,
        link
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(not_found)?;
    let resource = Resource::parse(&row.resource_type, &row.resource_id.to_string())?;
    if !access.can(Permission::TranscriptsRead) && held_share(&mut tx, &access, resource).await?.is_none() {
        return Err(AppError::Forbidden);
    }
    audit::service::record(
        &mut tx,
        audit_on(&access, auth, AuditAction::PublicLinkRevoked, resource)
            .metadata(serde_json::json!({ "link": link, "title": row.title })),
    )
    .await?;
    tx.commit().await?;
    Ok("The link is revoked: it no longer opens anything.".into())
}
