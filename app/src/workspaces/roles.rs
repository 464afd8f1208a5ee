//! Custom roles: a workspace's own named permission sets. Nobody can grant a permission they do
//! not hold themselves, so a custom role never outranks its author.

use uuid::Uuid;

use super::{
    service::{authorize, Access},
    CustomRoleInfo, Need, Permission, RolesView,
};
use crate::{
    accounts::session::RequestAuth,
    audit::{self, Actor, AuditAction, AuditEvent},
    error::{AppError, FieldErrors},
};

fn audit_on(access: &Access, action: AuditAction, auth: &RequestAuth) -> AuditEvent {
    AuditEvent::new(Actor::User(access.user.id), action)
        .target("workspace", access.workspace.id.to_string())
        .workspace(access.workspace.id)
        .origin(auth.meta.ip, Some(&auth.meta.user_agent))
}

pub async fn list(auth: &RequestAuth, slug: &str) -> Result<RolesView, AppError> {
    let (access, mut tx) = authorize(auth, slug, Need::Membership).await?;
    let rows = sqlx::query!(
        r#"select r.id, r.name, r.permissions,
                  (select count(*) from workspace_members m where m.custom_role_id = r.id) as "members!"
           from workspace_roles r where r.workspace_id = $1 order by lower(r.name)"#,
        access.workspace.id
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(RolesView {
        workspace_name: access.workspace.name.clone(),
        slug: access.workspace.slug.clone(),
        can_manage: access.can(Permission::RolesManage),
        custom: rows
            .into_iter()
            .map(|r| CustomRoleInfo {
                id: r.id.to_string(),
                name: r.name,
                permissions: r.permissions.iter().filter_map(|k| Permission::from_key(k)).collect(),
                members: r.members,
            })
            .collect(),
    })
}

/// Validates a role's name and permission keys; every permission must be the author's own.
fn checked(access: &Access, name: &str, keys: &[String]) -> Result<(String, Vec<Permission>), AppError> {
    let name = name.trim();
    let mut errors = FieldErrors::new();
    if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
        errors.add("name", "Give the role a name of 1 to 40 characters.");
    }
    let mut permissions = Vec::new();
    for key in keys {
        match Permission::from_key(key).filter(|p| *p != Permission::WorkspaceDelete) {
            Some(p) if !access.can(p) => errors.add(
                "permissions",
                format!(
                    "You cannot grant \u{201c}{}\u{201d}: you do not have it yourself.",
                    p.label()
                ),
            ),
            Some(p) if !permissions.contains(&p) => permissions.push(p),
            Some(_) => {}
            None => errors.add("permissions", "Choose permissions from the list."),
        }
    }
    if permissions.is_empty() {
        errors.add("permissions", "Choose at least one permission.");
    }
    errors.finish(&[("name", name)])?;
    Ok((name.to_owned(), permissions))
}

fn keys(permissions: &[Permission]) -> Vec<String> {
    permissions.iter().map(|p| p.key().to_owned()).collect()
}

fn name_taken(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}

pub async fn create(
    auth: &RequestAuth,
    slug: &str,
    name: &str,
    permission_keys: &[String],
) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::RolesManage).await?;
    let (name, permissions) = checked(&access, name, permission_keys)?;
    let inserted = sqlx::query!(
        "insert into workspace_roles (id, workspace_id, name, permissions) values ($1, $2, $3, $4)",
        Uuid::new_v4(),
        access.workspace.id,
        name,
        &keys(&permissions)
    )
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(e) if name_taken(&e) => {
            return Err(AppError::invalid_field(
                "name",
                "This workspace already has a role with that name.",
            ))
        }
        other => other?,
    };
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::WorkspaceRoleCreated, auth)
            .metadata(serde_json::json!({ "name": name, "permissions": keys(&permissions) })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Role \u{201c}{name}\u{201d} created."))
}

fn role_id(id: &str) -> Result<Uuid, AppError> {
    id.parse().map_err(|_| AppError::NotFound("That role".into()))
}

pub async fn update(
    auth: &RequestAuth,
    slug: &str,
    id: &str,
    name: &str,
    permission_keys: &[String],
) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::RolesManage).await?;
    let id = role_id(id)?;
    let (name, permissions) = checked(&access, name, permission_keys)?;
    let updated = sqlx::query!(
        "update workspace_roles set name = $3, permissions = $4 where id = $1 and workspace_id = $2",
        id,
        access.workspace.id,
        name,
        &keys(&permissions)
    )
    .execute(&mut *tx)
    .await;
    match updated {
        Err(e) if name_taken(&e) => {
            return Err(AppError::invalid_field(
                "name",
                "This workspace already has a role with that name.",
            ))
        }
        Ok(done) if done.rows_affected() == 0 => return Err(AppError::NotFound("That role".into())),
        other => other?,
    };
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::WorkspaceRoleUpdated, auth)
            .metadata(serde_json::json!({ "role": id, "name": name, "permissions": keys(&permissions) })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Role \u{201c}{name}\u{201d} saved."))
}

pub async fn delete(auth: &RequestAuth, slug: &str, id: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::RolesManage).await?;
    let id = role_id(id)?;
    let holders = sqlx::query_scalar!(
        r#"select count(*) as "n!" from workspace_members where workspace_id = $1 and custom_role_id = $2"#,
        access.workspace.id,
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    if holders > 0 {
        return Err(AppError::Conflict(format!(
            "{holders} member(s) have this role. Give them another role first."
        )));
    }
    let name = sqlx::query_scalar!(
        "delete from workspace_roles where id = $1 and workspace_id = $2 returning name",
        id,
        access.workspace.id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That role".into()))?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::WorkspaceRoleDeleted, auth).metadata(serde_json::json!({ "name": name })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Role \u{201c}{name}\u{201d} deleted."))
}
