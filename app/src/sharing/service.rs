//! Sharing rules: who may act on one resource (their role, or a share of it), what the share
//! panel shows, and sharing with members (public links are in `links`). Everything runs on the
//! transaction `workspaces::service::authorize` opened, in the workspace's tenant context.

use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use super::{PublicLinkItem, ResourceKind, ShareAccess, ShareCandidate, ShareEntry, SharingOverview};
use crate::{
    accounts::{format_time, session::RequestAuth},
    audit::{self, Actor, AuditAction, AuditEvent},
    error::{AppError, FieldErrors},
    notifications::{
        service::{notify, Notice},
        Category,
    },
    workspaces::{
        service::{authorize, Access},
        Need, Permission, Role,
    },
};

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
            Self::Recording(id) => {
                sqlx::query_scalar!(
                    "select title from recordings where id = $1 and status = 'ready' and deleted_at is null for update",
                    id
                )
                .fetch_optional(&mut *conn)
                .await?
            }
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
pub(super) async fn authorize_sharing(
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

pub(super) fn link_url(auth: &RequestAuth, token: &str) -> String {
    format!(
        "{}/s/{token}",
        auth.state.config.public_url.as_str().trim_end_matches('/')
    )
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
            .and_then(|s| s.open(&l.token_sealed, &super::links::token_purpose(l.id)).ok())
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

pub(super) fn audit_on(access: &Access, auth: &RequestAuth, action: AuditAction, resource: Resource) -> AuditEvent {
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
        return Err(AppError::invalid_field(
            "member",
            "You have this already; choose someone else.",
        ));
    }
    let member = members(&mut tx, access.workspace.id, Some(member_id))
        .await?
        .pop()
        .ok_or_else(|| AppError::invalid_field("member", "Choose a member of this workspace."))?;
    let by_role = [ShareAccess::Edit, ShareAccess::View].into_iter().find(|l| match l {
        ShareAccess::Edit => member.can(Permission::TranscriptsEdit),
        ShareAccess::View => member.can(Permission::TranscriptsRead),
    });
    if by_role == Some(ShareAccess::Edit) || (by_role == Some(ShareAccess::View) && level == ShareAccess::View) {
        return Err(AppError::invalid_field(
            "member",
            format!(
                "{} can already {} everything here as {}.",
                member.name,
                if by_role == Some(ShareAccess::Edit) {
                    "edit"
                } else {
                    "view"
                },
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
    Ok(format!(
        "Shared with {}: {}.",
        member.name,
        level.label().to_lowercase()
    ))
}

pub async fn stop_sharing_with_member(
    auth: &RequestAuth,
    slug: &str,
    resource: Resource,
    member: &str,
) -> Result<String, AppError> {
    let (access, _, mut tx) = authorize_sharing(auth, slug, resource).await?;
    let title = resource.title(&mut tx).await?;
    let member_id: Uuid = member.parse().map_err(|_| AppError::NotFound("That share".into()))?;
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
