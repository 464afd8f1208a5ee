//! Workspace server functions. Each workspace-scoped one names its workspace by slug and checks
//! one permission through `service::authorize`.

use leptos::prelude::*;

use super::{
    ActivityPage, DeletedWorkspace, InvitationView, MembersView, RolesView, WorkspaceSettings, WorkspaceSummary,
};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::accounts::session::RequestAuth;

/// The signed-in user's workspaces; none for a visitor (the top bar asks on every page, and an
/// error status here would become the page's status).
#[server(endpoint = "workspaces/mine")]
pub async fn my_workspaces() -> Result<Vec<WorkspaceSummary>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    if auth.user.is_none() {
        return Ok(Vec::new());
    }
    super::service::mine(&auth).await.map_err(AppError::respond)
}

#[server(endpoint = "workspaces/create")]
pub async fn create_workspace(name: String, slug: String) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let workspace = super::service::create(&auth, &name, &slug)
        .await
        .map_err(AppError::respond)?;
    leptos_axum::redirect(&format!("/w/{}", workspace.slug));
    Ok(())
}

/// A workspace's settings, or where it moved to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SettingsLookup {
    Found(WorkspaceSettings),
    Moved(String),
}

#[server(endpoint = "workspaces/settings")]
pub async fn get_workspace_settings(slug: String) -> Result<SettingsLookup, AppError> {
    use super::service::{lookup, settings, Lookup};
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    match lookup(&auth, &slug).await.map_err(AppError::respond)? {
        Lookup::Moved(to) => Ok(SettingsLookup::Moved(to)),
        Lookup::Found(access) => settings(&auth, &access)
            .await
            .map(SettingsLookup::Found)
            .map_err(AppError::respond),
    }
}

#[server(endpoint = "workspaces/settings/update")]
pub async fn update_workspace_settings(
    workspace: String,
    name: String,
    slug: String,
    default_language: String,
    retention_days: String,
    timezone: String,
    transcription_engine: Option<String>,
    summary_style: Option<String>,
) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let input = super::service::SettingsInput {
        name: &name,
        slug: &slug,
        default_language: &default_language,
        retention_days: &retention_days,
        timezone: &timezone,
        transcription_engine: transcription_engine.as_deref(),
        summary_style: summary_style.as_deref(),
    };
    let new_slug = super::service::update_settings(&auth, &workspace, input)
        .await
        .map_err(AppError::respond)?;
    leptos_axum::redirect(&format!("/w/{new_slug}/settings?saved=1"));
    Ok(())
}

#[server(endpoint = "workspaces/members")]
pub async fn list_members(workspace: String) -> Result<MembersView, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::members::list(&auth, &workspace).await.map_err(AppError::respond)
}

#[server(endpoint = "workspaces/members/invite")]
pub async fn invite_member(workspace: String, email: String, role: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::invitations::invite(&auth, &workspace, &email, &role)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "workspaces/invitations/resend")]
pub async fn resend_invitation(workspace: String, id: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::invitations::resend(&auth, &workspace, &id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "workspaces/invitations/revoke")]
pub async fn revoke_invitation(workspace: String, id: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::invitations::revoke(&auth, &workspace, &id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "workspaces/members/role")]
pub async fn change_member_role(workspace: String, user_id: String, role: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::members::change_role(&auth, &workspace, &user_id, &role)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "workspaces/members/remove")]
pub async fn remove_member(workspace: String, user_id: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::members::remove(&auth, &workspace, &user_id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "workspaces/members/leave")]
pub async fn leave_workspace(workspace: String) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::members::leave(&auth, &workspace)
        .await
        .map_err(AppError::respond)?;
    leptos_axum::redirect("/account");
    Ok(())
}

#[server(endpoint = "workspaces/members/transfer")]
pub async fn transfer_ownership(
    workspace: String,
    user_id: String,
    current_password: String,
) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::members::transfer(&auth, &workspace, &user_id, &current_password)
        .await
        .map_err(AppError::respond)
}

/// What an invitation link shows; anyone holding the link may see it.
/// An invitation by its emailed `token`, or by `id` when it is addressed to the signed-in user.
#[server(endpoint = "invitations/view")]
pub async fn view_invitation(token: Option<String>, id: Option<String>) -> Result<InvitationView, AppError> {
    use super::invitations::{view, InvitationKey};
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let key = InvitationKey::parse(token, id).map_err(AppError::respond)?;
    view(&auth, &key).await.map_err(AppError::respond)
}

#[server(endpoint = "invitations/accept")]
pub async fn accept_invitation(token: Option<String>, id: Option<String>) -> Result<(), AppError> {
    use super::invitations::{accept, InvitationKey};
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let key = InvitationKey::parse(token, id).map_err(AppError::respond)?;
    let slug = accept(&auth, &key).await.map_err(AppError::respond)?;
    leptos_axum::redirect(&format!("/w/{slug}?joined=1"));
    Ok(())
}

#[server(endpoint = "workspaces/activity")]
pub async fn workspace_activity(
    workspace: String,
    before: Option<i64>,
    actor: Option<String>,
    kind: Option<String>,
) -> Result<Option<ActivityPage>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::activity::feed(&auth, &workspace, before, actor.as_deref(), kind.as_deref())
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "workspaces/delete")]
pub async fn delete_workspace(workspace: String, confirm_name: String) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::delete(&auth, &workspace, &confirm_name)
        .await
        .map_err(AppError::respond)?;
    leptos_axum::redirect("/account?workspace_deleted=1");
    Ok(())
}

#[server(endpoint = "workspaces/deleted")]
pub async fn deleted_workspaces() -> Result<Vec<DeletedWorkspace>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    if auth.user.is_none() {
        return Ok(Vec::new());
    }
    super::service::deleted_mine(&auth).await.map_err(AppError::respond)
}

#[server(endpoint = "workspaces/restore")]
pub async fn restore_workspace(workspace: String) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let slug = super::service::restore(&auth, &workspace)
        .await
        .map_err(AppError::respond)?;
    leptos_axum::redirect(&format!("/w/{slug}"));
    Ok(())
}

#[server(endpoint = "workspaces/roles")]
pub async fn list_roles(workspace: String) -> Result<RolesView, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::roles::list(&auth, &workspace).await.map_err(AppError::respond)
}

/// `permissions` are permission keys from the form's checkboxes (`permissions[]`).
#[server(endpoint = "workspaces/roles/create")]
pub async fn create_role(
    workspace: String,
    name: String,
    permissions: Option<Vec<String>>,
) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::roles::create(&auth, &workspace, &name, &permissions.unwrap_or_default())
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "workspaces/roles/update")]
pub async fn update_role(
    workspace: String,
    id: String,
    name: String,
    permissions: Option<Vec<String>>,
) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::roles::update(&auth, &workspace, &id, &name, &permissions.unwrap_or_default())
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "workspaces/roles/delete")]
pub async fn delete_role(workspace: String, id: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::roles::delete(&auth, &workspace, &id)
        .await
        .map_err(AppError::respond)
}
