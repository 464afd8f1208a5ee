//! Members of a workspace: who they are, roles, removal, leaving, and handing ownership over
//! (invitations are in `invitations`). Every change is audited.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    service::{authorize, Access},
    InvitationInfo, MemberInfo, MembersView, Need, Permission, Role,
};
use crate::{
    accounts::{format_time, session::RequestAuth},
    audit::{self, Actor, AuditAction, AuditEvent},
    error::AppError,
    notifications::{
        service::{notify, Notice},
        Category,
    },
};

pub(super) fn audit_on(access: &Access, action: AuditAction, auth: &RequestAuth) -> AuditEvent {
    AuditEvent::new(Actor::User(access.user.id), action)
        .target("workspace", access.workspace.id.to_string())
        .workspace(access.workspace.id)
        .origin(auth.meta.ip, Some(&auth.meta.user_agent))
}

/// Roles a member can be given by invitation or change (ownership moves only by transfer).
pub(super) fn assignable(role: &str) -> Option<Role> {
    Role::from_key(role).filter(|r| matches!(r, Role::Admin | Role::Member | Role::Viewer))
}

/// What a built-in role allows, as a list.
pub(super) fn built_in_permissions(role: Role) -> Vec<Permission> {
    Permission::ALL.into_iter().filter(|p| role.can(*p)).collect()
}

/// Nobody hands out, or acts on someone holding, more than they hold themselves.
pub(super) fn within_reach(access: &Access, permissions: &[Permission]) -> Result<(), AppError> {
    if permissions.iter().all(|p| access.can(*p)) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Tells one person about something that happened in this workspace.
pub(super) async fn tell(
    tx: &mut PgConnection,
    auth: &RequestAuth,
    workspace: Uuid,
    recipient: Uuid,
    category: Category,
    title: String,
    link: Option<String>,
) -> Result<(), AppError> {
    notify(
        tx,
        auth.state.config.public_url.as_str(),
        Notice {
            recipient,
            workspace: Some(workspace),
            category,
            title,
            link,
        },
    )
    .await
}

/// Members, and (for those who manage them) open invitations.
pub async fn list(auth: &RequestAuth, slug: &str) -> Result<MembersView, AppError> {
    let (access, mut tx) = authorize(auth, slug, Need::Membership).await?;
    let can_manage = access.can(Permission::MembersManage);
    let members = sqlx::query!(
        r#"select u.id, u.name, u.email, m.role, m.created_at, m.custom_role_id, r.name as "custom_name?"
           from workspace_members m
           join users u on u.id = m.user_id
           left join workspace_roles r on r.id = m.custom_role_id
           where m.workspace_id = $1
           order by case m.role when 'owner' then 0 when 'admin' then 1 when 'member' then 2 else 3 end, lower(u.name)"#,
        access.workspace.id
    )
    .fetch_all(&mut *tx)
    .await?;
    let custom_roles = sqlx::query!(
        "select id, name from workspace_roles where workspace_id = $1 order by lower(name)",
        access.workspace.id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.id.to_string(), r.name))
    .collect();
    let invitations = if can_manage {
        sqlx::query!(
            r#"select i.id, i.email, i.role, i.expires_at, i.expires_at <= now() as "expired!", u.name as "invited_by?"
               from workspace_invitations i left join users u on u.id = i.invited_by
               where i.workspace_id = $1 and i.accepted_at is null and i.revoked_at is null
               order by i.created_at desc"#,
            access.workspace.id
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|i| InvitationInfo {
            id: i.id.to_string(),
            email: i.email,
            role: Role::from_key(&i.role).unwrap_or(Role::Viewer),
            invited_by: i.invited_by.unwrap_or_else(|| "a former member".into()),
            expires_at: format_time(i.expires_at),
            expired: i.expired,
        })
        .collect()
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok(MembersView {
        workspace_name: access.workspace.name.clone(),
        slug: access.workspace.slug.clone(),
        my_role: access.role,
        can_manage,
        custom_roles,
        members: members
            .into_iter()
            .map(|m| {
                let role = Role::from_key(&m.role).unwrap_or(Role::Viewer);
                MemberInfo {
                    user_id: m.id.to_string(),
                    you: m.id == access.user.id,
                    name: m.name,
                    email: m.email,
                    role,
                    role_name: m.custom_name.unwrap_or_else(|| role.label().to_owned()),
                    custom_role_id: m.custom_role_id.map(|id| id.to_string()),
                    joined: format_time(m.created_at),
                }
            })
            .collect(),
        invitations,
    })
}

fn member_id(id: &str) -> Result<Uuid, AppError> {
    id.parse().map_err(|_| AppError::NotFound("That member".into()))
}

/// A member's role and what it allows, with their membership row locked until the transaction
/// ends (so a concurrent transfer, removal or role change waits).
async fn role_of(tx: &mut PgConnection, workspace: Uuid, user: Uuid) -> Result<(Role, Vec<Permission>), AppError> {
    let row = sqlx::query!(
        r#"select m.role, r.permissions as "custom?" from workspace_members m
           left join workspace_roles r on r.id = m.custom_role_id
           where m.workspace_id = $1 and m.user_id = $2
           for update of m"#,
        workspace,
        user
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That member".into()))?;
    let role = Role::from_key(&row.role).ok_or_else(|| AppError::internal("unknown role in workspace_members"))?;
    let permissions = match row.custom {
        Some(keys) => keys.iter().filter_map(|k| Permission::from_key(k)).collect(),
        None => built_in_permissions(role),
    };
    Ok((role, permissions))
}

async fn end_membership(tx: &mut PgConnection, workspace: Uuid, user: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "delete from workspace_members where workspace_id = $1 and user_id = $2",
        workspace,
        user
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn change_role(auth: &RequestAuth, slug: &str, user_id: &str, role: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::MembersManage).await?;
    let target = member_id(user_id)?;
    if target == access.user.id {
        return Err(AppError::invalid("You cannot change your own role."));
    }
    let bad_role = || AppError::invalid_field("role", "Choose Admin, Member, Viewer or one of this workspace's roles.");
    // "custom:<id>" names one of the workspace's own roles.
    let (new_role, custom) = match role.strip_prefix("custom:") {
        Some(id) => (Role::Custom, Some(id.parse::<Uuid>().map_err(|_| bad_role())?)),
        None => (assignable(role).ok_or_else(bad_role)?, None),
    };
    let (current, current_permissions) = role_of(&mut tx, access.workspace.id, target).await?;
    if current == Role::Owner {
        return Err(AppError::invalid(
            "The owner's role changes only by handing ownership to someone else.",
        ));
    }
    within_reach(&access, &current_permissions)?;
    if new_role != Role::Custom {
        within_reach(&access, &built_in_permissions(new_role))?;
    }
    let custom_name = match custom {
        Some(id) => {
            let row = sqlx::query!(
                "select name, permissions from workspace_roles where id = $1 and workspace_id = $2",
                id,
                access.workspace.id
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(bad_role)?;
            if row
                .permissions
                .iter()
                .filter_map(|k| Permission::from_key(k))
                .any(|p| !access.can(p))
            {
                return Err(AppError::Forbidden);
            }
            Some(row.name)
        }
        None => None,
    };
    sqlx::query!(
        "update workspace_members set role = $3, custom_role_id = $4
         where workspace_id = $1 and user_id = $2 and role <> 'owner'",
        access.workspace.id,
        target,
        new_role.key(),
        custom
    )
    .execute(&mut *tx)
    .await?;
    let label = custom_name.clone().unwrap_or_else(|| new_role.label().to_owned());
    tell(
        &mut tx,
        auth,
        access.workspace.id,
        target,
        Category::Membership,
        format!(
            "{} changed your role in {} to {label}",
            access.user.name, access.workspace.name
        ),
        Some(format!("/w/{}", access.workspace.slug)),
    )
    .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::WorkspaceMemberRoleChanged, auth).metadata(serde_json::json!({
            "member": target, "from": current.key(), "to": new_role.key(), "custom_role": custom_name,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Role changed to {label}."))
}

pub async fn remove(auth: &RequestAuth, slug: &str, user_id: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::MembersManage).await?;
    let target = member_id(user_id)?;
    if target == access.user.id {
        return Err(AppError::invalid("To remove yourself, leave the workspace."));
    }
    let (role, permissions) = role_of(&mut tx, access.workspace.id, target).await?;
    if role == Role::Owner {
        return Err(AppError::invalid("The owner cannot be removed."));
    }
    within_reach(&access, &permissions)?;
    end_membership(&mut tx, access.workspace.id, target).await?;
    tell(
        &mut tx,
        auth,
        access.workspace.id,
        target,
        Category::Membership,
        format!("{} removed you from {}", access.user.name, access.workspace.name),
        None,
    )
    .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::WorkspaceMemberRemoved, auth).metadata(serde_json::json!({ "member": target })),
    )
    .await?;
    tx.commit().await?;
    Ok("Member removed.".into())
}

pub async fn leave(auth: &RequestAuth, slug: &str) -> Result<(), AppError> {
    let (access, mut tx) = authorize(auth, slug, Need::Membership).await?;
    if access.role == Role::Owner {
        return Err(AppError::invalid("Hand ownership to another member before leaving."));
    }
    end_membership(&mut tx, access.workspace.id, access.user.id).await?;
    let owner = sqlx::query_scalar!(
        "select user_id from workspace_members where workspace_id = $1 and role = 'owner'",
        access.workspace.id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(owner) = owner {
        tell(
            &mut tx,
            auth,
            access.workspace.id,
            owner,
            Category::Team,
            format!("{} left {}", access.user.name, access.workspace.name),
            Some(format!("/w/{}/members", access.workspace.slug)),
        )
        .await?;
    }
    audit::service::record(&mut tx, audit_on(&access, AuditAction::WorkspaceMemberLeft, auth)).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes another member the owner; the previous owner becomes an admin. Needs the password.
pub async fn transfer(auth: &RequestAuth, slug: &str, user_id: &str, password: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::WorkspaceDelete).await?;
    let target = member_id(user_id)?;
    if target == access.user.id {
        return Err(AppError::invalid("You already own this workspace."));
    }
    if password.is_empty() {
        return Err(AppError::invalid_field(
            "current_password",
            "Enter your current password.",
        ));
    }
    crate::accounts::service::confirm_password(auth, &access.user, password).await?;
    if access.workspace.personal {
        return Err(AppError::invalid("A personal workspace stays with its owner."));
    }
    // Both rows locked: neither side can leave or change meanwhile.
    role_of(&mut tx, access.workspace.id, access.user.id).await?;
    role_of(&mut tx, access.workspace.id, target).await?;
    let demoted = sqlx::query!(
        "update workspace_members set role = 'admin', custom_role_id = null
         where workspace_id = $1 and user_id = $2 and role = 'owner'",
        access.workspace.id,
        access.user.id
    )
    .execute(&mut *tx)
    .await?;
    let promoted = sqlx::query!(
        "update workspace_members set role = 'owner', custom_role_id = null where workspace_id = $1 and user_id = $2",
        access.workspace.id,
        target
    )
    .execute(&mut *tx)
    .await?;
    if demoted.rows_affected() != 1 || promoted.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "The members changed meanwhile; reload and try again.".into(),
        ));
    }
    tell(
        &mut tx,
        auth,
        access.workspace.id,
        target,
        Category::Membership,
        format!("{} made you the owner of {}", access.user.name, access.workspace.name),
        Some(format!("/w/{}/settings", access.workspace.slug)),
    )
    .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::WorkspaceOwnershipTransferred, auth)
            .metadata(serde_json::json!({ "to": target })),
    )
    .await?;
    tx.commit().await?;
    Ok("Ownership handed over. You are now an admin of this workspace.".into())
}
