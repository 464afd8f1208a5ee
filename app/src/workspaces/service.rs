//! Workspace rules: creation (with the owner's membership), the switcher's list, access checks
//! by slug and permission, and settings. All queries run in a `tenant` transaction.

use rand::Rng;
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use super::{tenant, valid_slug, Need, Permission, Role, WorkspaceSettings, WorkspaceSummary, LANGUAGES, TIMEZONES};
use crate::{
    accounts::session::{CurrentUser, RequestAuth},
    audit::{self, Actor, AuditAction, AuditEvent},
    error::{AppError, FieldErrors},
    notifications::{
        service::{notify, Notice},
        Category,
    },
};

#[derive(Clone, Debug)]
pub struct Workspace {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub personal: bool,
    pub default_language: String,
    pub retention_days: Option<i32>,
    pub timezone: String,
    /// When the logo last changed (unix ms); None without a logo.
    pub logo_version: Option<i64>,
}

impl Workspace {
    /// Where browsers fetch the logo (through the CDN when there is one), versioned so a new
    /// logo is fetched anew.
    pub fn logo_url(&self, config: &crate::server::config::StorageConfig) -> Option<String> {
        self.logo_version.map(|v| {
            format!(
                "{}?v={v}",
                config.public_url(crate::storage::keys::ObjectKey::workspace_logo(self.id).as_str())
            )
        })
    }
}

/// A member's way into one workspace.
#[derive(Clone, Debug)]
pub struct Access {
    pub workspace: Workspace,
    pub role: Role,
    /// With `Role::Custom`: the custom role's name and permissions.
    pub custom: Option<(String, Vec<Permission>)>,
    pub user: CurrentUser,
}

impl Access {
    pub fn can(&self, permission: Permission) -> bool {
        match &self.custom {
            Some((_, permissions)) => permissions.contains(&permission),
            None => self.role.can(permission),
        }
    }

    /// The built-in role's label, or the custom role's name.
    pub fn role_name(&self) -> String {
        match &self.custom {
            Some((name, _)) => name.clone(),
            None => self.role.label().to_owned(),
        }
    }

    pub fn satisfies(&self, need: Need) -> bool {
        match need {
            // Per resource: checked by `sharing::service::authorize_resource` after this.
            Need::Membership | Need::Resource(_) => true,
            Need::Permission(permission) => self.can(permission),
        }
    }

    fn audit(&self, action: AuditAction, auth: &RequestAuth) -> AuditEvent {
        AuditEvent::new(Actor::User(self.user.id), action)
            .target("workspace", self.workspace.id.to_string())
            .workspace(self.workspace.id)
            .origin(auth.meta.ip, Some(&auth.meta.user_agent))
    }
}

/// Creates a workspace owned by `user_id` on the caller's transaction (which is left in the new
/// workspace's context). When `exact` is false a taken slug gets a random suffix.
pub async fn create_in(
    tx: &mut PgConnection,
    user_id: Uuid,
    name: &str,
    slug: &str,
    personal: bool,
    exact: bool,
) -> Result<Workspace, AppError> {
    for attempt in 0..6 {
        let candidate = if attempt == 0 {
            slug.to_owned()
        } else if exact {
            return Err(AppError::invalid_field("slug", "That address is taken. Try another."));
        } else {
            let suffix: String = {
                let mut rng = rand::rng();
                (0..4)
                    .map(|_| char::from(b"abcdefghjkmnpqrstuvwxyz23456789"[rng.random_range(0..31)]))
                    .collect()
            };
            format!("{}-{suffix}", &slug[..slug.len().min(35)].trim_end_matches('-'))
        };
        let id = Uuid::new_v4();
        tenant::enter(tx, user_id, Some(id)).await?;
        let inserted = sqlx::query_scalar!(
            "insert into workspaces (id, slug, name, personal, created_by) values ($1, $2, $3, $4, $5)
             on conflict (slug) do nothing returning id",
            id,
            candidate,
            name,
            personal,
            user_id
        )
        .fetch_optional(&mut *tx)
        .await?;
        if inserted.is_none() {
            continue;
        }
        sqlx::query!(
            "insert into workspace_members (workspace_id, user_id, role) values ($1, $2, 'owner')",
            id,
            user_id
        )
        .execute(&mut *tx)
        .await?;
        return Ok(Workspace {
            id,
            slug: candidate,
            name: name.to_owned(),
            personal,
            default_language: "auto".into(),
            retention_days: None,
            timezone: "UTC".into(),
            logo_version: None,
        });
    }
    Err(AppError::internal("no free workspace slug after several tries"))
}

/// The personal workspace every account gets, named after its owner.
pub async fn create_personal(tx: &mut PgConnection, user_id: Uuid, owner_name: &str) -> Result<Workspace, AppError> {
    let first = owner_name.split_whitespace().next().unwrap_or(owner_name);
    let name = format!("{first}'s workspace").chars().take(80).collect::<String>();
    let workspace = create_in(tx, user_id, &name, &super::slugify(owner_name), true, false).await?;
    audit::service::record(
        tx,
        AuditEvent::new(Actor::User(user_id), AuditAction::WorkspaceCreated)
            .target("workspace", workspace.id.to_string())
            .workspace(workspace.id)
            .metadata(serde_json::json!({ "slug": workspace.slug, "name": workspace.name, "personal": true })),
    )
    .await?;
    Ok(workspace)
}

fn check_name(errors: &mut FieldErrors, name: &str) {
    if name.is_empty() {
        errors.add("name", "Give the workspace a name.");
    } else if name.chars().count() > 80 {
        errors.add("name", "Use at most 80 characters.");
    } else if name.chars().any(char::is_control) {
        errors.add("name", "Use letters, digits, spaces and punctuation only.");
    }
}

fn check_slug(errors: &mut FieldErrors, slug: &str) {
    if !valid_slug(slug) {
        errors.add(
            "slug",
            "Use 3 to 40 lower-case letters, digits and hyphens, starting and ending with a letter or digit.",
        );
    }
}

/// A new team workspace; the creator is its owner.
pub async fn create(auth: &RequestAuth, name: &str, slug: &str) -> Result<Workspace, AppError> {
    let user = auth.user()?;
    let name = name.trim();
    let slug = slug.trim().to_lowercase();
    let slug = if slug.is_empty() { super::slugify(name) } else { slug };
    let mut errors = FieldErrors::new();
    check_name(&mut errors, name);
    check_slug(&mut errors, &slug);
    errors.finish(&[("name", name), ("slug", &slug)])?;
    let mut tx = auth.state.db.begin().await?;
    let workspace = create_in(&mut tx, user.id, name, &slug, false, true).await?;
    audit::service::record(
        &mut tx,
        AuditEvent::new(Actor::User(user.id), AuditAction::WorkspaceCreated)
            .target("workspace", workspace.id.to_string())
            .workspace(workspace.id)
            .metadata(serde_json::json!({ "slug": workspace.slug, "name": workspace.name }))
            .origin(auth.meta.ip, Some(&auth.meta.user_agent)),
    )
    .await?;
    tx.commit().await?;
    Ok(workspace)
}

/// The user's workspaces, personal first, then by name.
pub async fn mine(auth: &RequestAuth) -> Result<Vec<WorkspaceSummary>, AppError> {
    let user = auth.user()?;
    let mut tx = tenant::begin(&auth.state.db, user.id, None).await?;
    let rows = sqlx::query!(
        r#"select w.slug, w.name, w.personal, m.role,
                  (select r.name from workspace_roles r where r.id = m.custom_role_id) as "custom_name?"
           from workspaces w
           join workspace_members m on m.workspace_id = w.id and m.user_id = $1
           where w.deleted_at is null
           order by w.personal desc, lower(w.name)"#,
        user.id
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let role = Role::from_key(&r.role)?;
            Some(WorkspaceSummary {
                slug: r.slug,
                name: r.name,
                personal: r.personal,
                role,
                role_name: r.custom_name.unwrap_or_else(|| role.label().to_owned()),
            })
        })
        .collect())
}

/// Where a slug leads for this user.
pub enum Lookup {
    Found(Access),
    /// The workspace was renamed; its address is now this slug.
    Moved(String),
}

/// One membership as the access checks read it.
struct MembershipRow {
    id: Uuid,
    slug: String,
    name: String,
    personal: bool,
    default_language: String,
    retention_days: Option<i32>,
    timezone: String,
    logo_version: Option<i64>,
    role: String,
    custom_name: Option<String>,
    custom_permissions: Option<Vec<String>>,
}

impl MembershipRow {
    fn into_access(self, user: CurrentUser) -> Result<Access, AppError> {
        let role = Role::from_key(&self.role).ok_or_else(|| AppError::internal("unknown role in workspace_members"))?;
        let custom = match (role, self.custom_name, self.custom_permissions) {
            (Role::Custom, Some(name), Some(keys)) => {
                Some((name, keys.iter().filter_map(|k| Permission::from_key(k)).collect()))
            }
            _ => None,
        };
        Ok(Access {
            workspace: Workspace {
                id: self.id,
                slug: self.slug,
                name: self.name,
                personal: self.personal,
                default_language: self.default_language,
                retention_days: self.retention_days,
                timezone: self.timezone,
                logo_version: self.logo_version,
            },
            role,
            custom,
            user,
        })
    }
}

fn workspace_not_found() -> AppError {
    AppError::NotFound("That workspace".into())
}

/// Finds the user's workspace by slug (or an old slug of it), for pages that follow renames.
/// Outsiders get "not found", never a hint that the workspace exists or where it moved.
pub async fn lookup(auth: &RequestAuth, slug: &str) -> Result<Lookup, AppError> {
    let user = auth.user()?.clone();
    if !valid_slug(slug) {
        return Err(workspace_not_found());
    }
    let mut tx = tenant::begin(&auth.state.db, user.id, None).await?;
    let row = sqlx::query_as!(
        MembershipRow,
        r#"select w.id, w.slug, w.name, w.personal, w.default_language, w.retention_days, w.timezone,
                  w.logo_version, m.role, r.name as "custom_name?", r.permissions as "custom_permissions?"
           from workspaces w join workspace_members m on m.workspace_id = w.id and m.user_id = $2
           left join workspace_roles r on r.id = m.custom_role_id
           where w.slug = $1 and w.deleted_at is null"#,
        slug,
        user.id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = row {
        tx.commit().await?;
        return Ok(Lookup::Found(row.into_access(user)?));
    }
    // A workspace's current slug wins over another's old one.
    let moved = sqlx::query_scalar!(
        "select w.slug from workspace_slug_history h join workspaces w on w.id = h.workspace_id
         join workspace_members m on m.workspace_id = w.id and m.user_id = $2
         where h.slug = $1 and w.deleted_at is null
           and not exists (select 1 from workspaces c where c.slug = $1 and c.deleted_at is null)",
        slug,
        user.id
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    moved.map(Lookup::Moved).ok_or_else(workspace_not_found)
}

/// Opens the transaction a workspace-scoped action runs in, once the user is found to be a
/// member of the workspace at `slug` with what the action needs: "not found" for outsiders,
/// "forbidden" for members without it. The tenant context is set, and the membership row stays
/// share-locked until the transaction ends, so a removal or role change waits for the action
/// instead of racing it. Every workspace-scoped server function starts here.
pub async fn authorize(
    auth: &RequestAuth,
    slug: &str,
    need: impl Into<Need>,
) -> Result<(Access, Transaction<'static, Postgres>), AppError> {
    let user = auth.user()?.clone();
    if !valid_slug(slug) {
        return Err(workspace_not_found());
    }
    let mut tx = tenant::begin(&auth.state.db, user.id, None).await?;
    let workspace = sqlx::query_scalar!("select id from workspaces where slug = $1 and deleted_at is null", slug)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(workspace_not_found)?;
    // Locking a row needs the policies of writing it, which need the workspace's context.
    tenant::enter(&mut tx, user.id, Some(workspace)).await?;
    let row = sqlx::query_as!(
        MembershipRow,
        r#"select w.id, w.slug, w.name, w.personal, w.default_language, w.retention_days, w.timezone,
                  w.logo_version, m.role, r.name as "custom_name?", r.permissions as "custom_permissions?"
           from workspaces w join workspace_members m on m.workspace_id = w.id and m.user_id = $2
           left join workspace_roles r on r.id = m.custom_role_id
           where w.id = $1 and w.deleted_at is null
           for share of m"#,
        workspace,
        user.id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(workspace_not_found)?;
    let access = row.into_access(user)?;
    if !access.satisfies(need.into()) {
        return Err(AppError::Forbidden);
    }
    Ok((access, tx))
}

pub async fn settings(auth: &RequestAuth, access: &Access) -> Result<WorkspaceSettings, AppError> {
    let mut tx = tenant::begin(&auth.state.db, access.user.id, Some(access.workspace.id)).await?;
    let members = sqlx::query_scalar!(
        r#"select count(*) as "n!" from workspace_members where workspace_id = $1"#,
        access.workspace.id
    )
    .fetch_one(&mut *tx)
    .await?;
    let transcription = sqlx::query!(
        "select transcription_engine, summary_style from workspaces where id = $1",
        access.workspace.id
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let w = &access.workspace;
    Ok(WorkspaceSettings {
        slug: w.slug.clone(),
        name: w.name.clone(),
        default_language: w.default_language.clone(),
        transcription_engine: transcription.transcription_engine,
        summary_style: transcription.summary_style,
        retention_days: w.retention_days,
        timezone: w.timezone.clone(),
        role: access.role,
        role_name: access.role_name(),
        can_manage: access.can(Permission::SettingsManage),
        can_read_activity: access.can(Permission::AuditRead),
        can_manage_api_keys: access.can(Permission::ApiKeysManage),
        members,
        personal: w.personal,
        logo_url: w.logo_url(&auth.state.config.storage),
    })
}

pub struct SettingsInput<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub default_language: &'a str,
    pub retention_days: &'a str,
    pub timezone: &'a str,
    /// None keeps the current engine and style.
    pub transcription_engine: Option<&'a str>,
    pub summary_style: Option<&'a str>,
}

/// Saves the settings; returns the (possibly new) slug. A changed slug leaves the old one as a
/// redirect.
pub async fn update_settings(auth: &RequestAuth, slug: &str, input: SettingsInput<'_>) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::SettingsManage).await?;
    let name = input.name.trim();
    let new_slug = input.slug.trim().to_lowercase();
    let retention = input.retention_days.trim();
    let mut errors = FieldErrors::new();
    check_name(&mut errors, name);
    check_slug(&mut errors, &new_slug);
    errors.check(
        LANGUAGES.iter().any(|(code, _)| *code == input.default_language),
        "default_language",
        "Choose a language from the list.",
    );
    let retention_days = match retention {
        "" => None,
        text => match text.parse::<i32>() {
            Ok(days) if (1..=3650).contains(&days) => Some(days),
            _ => {
                errors.add(
                    "retention_days",
                    "Enter a number of days from 1 to 3650, or leave it empty to keep recordings.",
                );
                None
            }
        },
    };
    errors.check(
        TIMEZONES.contains(&input.timezone),
        "timezone",
        "Choose a time zone from the list.",
    );
    let engine = match input.transcription_engine {
        None => None,
        Some(key) => match crate::transcription::EngineChoice::from_key(key) {
            Some(crate::transcription::EngineChoice::OpenAi)
                if !crate::providers::service::key_available(
                    &mut tx,
                    &auth.state.config.providers,
                    crate::providers::Provider::OpenAi,
                )
                .await? =>
            {
                errors.add(
                    "transcription_engine",
                    "There is no OpenAI key yet: add one on the API keys page first.",
                );
                None
            }
            Some(engine) => Some(engine.key()),
            None => {
                errors.add("transcription_engine", "Choose an engine from the list.");
                None
            }
        },
    };
    let style = match input.summary_style {
        None => None,
        Some(key) => {
            let style = crate::transcription::summary::SummaryStyle::from_key(key);
            errors.check(
                style.is_some(),
                "summary_style",
                "Choose a summary style from the list.",
            );
            style.map(|s| s.key())
        }
    };
    errors.finish(&[("name", name), ("slug", &new_slug), ("retention_days", retention)])?;

    let w = &access.workspace;
    if new_slug != w.slug {
        // The old address keeps working; a slug this workspace used before can be taken back.
        sqlx::query!("delete from workspace_slug_history where slug = $1", new_slug)
            .execute(&mut *tx)
            .await?;
        sqlx::query!(
            "insert into workspace_slug_history (slug, workspace_id) values ($1, $2) on conflict (slug) do nothing",
            w.slug,
            w.id
        )
        .execute(&mut *tx)
        .await?;
    }
    let updated = sqlx::query!(
        "update workspaces set name = $2, slug = $3, default_language = $4, retention_days = $5, timezone = $6,
                transcription_engine = coalesce($7, transcription_engine), summary_style = coalesce($8, summary_style)
         where id = $1",
        w.id,
        name,
        new_slug,
        input.default_language,
        retention_days,
        input.timezone,
        engine,
        style
    )
    .execute(&mut *tx)
    .await;
    match updated {
        Ok(_) => {}
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("23505") => {
            return Err(AppError::invalid_field("slug", "That address is taken. Try another."));
        }
        Err(e) => return Err(e.into()),
    }
    let changes = serde_json::json!({
        "name": name, "slug": new_slug, "default_language": input.default_language,
        "retention_days": retention_days, "timezone": input.timezone,
        "transcription_engine": engine, "summary_style": style,
    });
    audit::service::record(
        &mut tx,
        access
            .audit(AuditAction::WorkspaceSettingsUpdated, auth)
            .metadata(changes),
    )
    .await?;
    tx.commit().await?;
    Ok(new_slug)
}

/// Before an account is deleted: its personal workspace and team workspaces it alone belongs to
/// go with it; a team workspace it owns with other members stops the deletion, so a team never
/// loses its owner silently. Runs on the deletion's transaction.
/// Returns the workspaces removed, whose stored files the caller deletes once this commits.
pub async fn release_for_deletion(tx: &mut PgConnection, user_id: Uuid) -> Result<Vec<Uuid>, AppError> {
    tenant::enter(tx, user_id, None).await?;
    let owned = sqlx::query!(
        "select w.id, w.name, w.personal from workspaces w
         join workspace_members m on m.workspace_id = w.id and m.user_id = $1 and m.role = 'owner'",
        user_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut removed = Vec::new();
    for workspace in owned {
        tenant::enter(tx, user_id, Some(workspace.id)).await?;
        let members = sqlx::query_scalar!(
            r#"select count(*) as "n!" from workspace_members where workspace_id = $1"#,
            workspace.id
        )
        .fetch_one(&mut *tx)
        .await?;
        if members > 1 && !workspace.personal {
            return Err(AppError::Conflict(format!(
                "You own the workspace \u{201c}{}\u{201d}, which has other members. Make someone else its owner, or remove them, before deleting your account.",
                workspace.name
            )));
        }
        sqlx::query!("delete from workspaces where id = $1", workspace.id)
            .execute(&mut *tx)
            .await?;
        audit::service::record(
            &mut *tx,
            AuditEvent::new(Actor::User(user_id), AuditAction::WorkspacePurged)
                .target("workspace", workspace.id.to_string())
                .metadata(serde_json::json!({ "reason": "the owner deleted their account" })),
        )
        .await?;
        removed.push(workspace.id);
    }
    Ok(removed)
}

/// How long a deleted workspace can be restored.
pub const DELETION_GRACE_DAYS: i32 = 14;

/// Marks the workspace deleted (owner only, confirmed by typing its name); it can be restored
/// for `DELETION_GRACE_DAYS`, then the purge job removes it.
pub async fn delete(auth: &RequestAuth, slug: &str, confirm_name: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::WorkspaceDelete).await?;
    if access.workspace.personal {
        return Err(AppError::invalid(
            "Your personal workspace goes only with your account.",
        ));
    }
    if confirm_name.trim() != access.workspace.name {
        return Err(AppError::invalid_field(
            "confirm_name",
            format!("Type the workspace's name, {}, exactly.", access.workspace.name),
        ));
    }
    sqlx::query!(
        "update workspaces set deleted_at = now(), purge_after = now() + make_interval(days => $2) where id = $1",
        access.workspace.id,
        DELETION_GRACE_DAYS
    )
    .execute(&mut *tx)
    .await?;
    // Open invitations and public links die with it (a restore does not bring them back).
    sqlx::query!(
        "update workspace_invitations set revoked_at = now()
         where workspace_id = $1 and accepted_at is null and revoked_at is null",
        access.workspace.id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update public_links set revoked_at = now() where workspace_id = $1 and revoked_at is null",
        access.workspace.id
    )
    .execute(&mut *tx)
    .await?;
    let others = other_members(&mut tx, access.workspace.id, access.user.id).await?;
    for member in others {
        notify(
            &mut tx,
            auth.state.config.public_url.as_str(),
            Notice {
                recipient: member,
                workspace: Some(access.workspace.id),
                category: Category::Membership,
                title: format!(
                    "{} deleted the workspace {}; its owner can restore it within {DELETION_GRACE_DAYS} days",
                    access.user.name, access.workspace.name
                ),
                link: None,
            },
        )
        .await?;
    }
    audit::service::record(&mut tx, access.audit(AuditAction::WorkspaceDeleted, auth)).await?;
    tx.commit().await?;
    Ok(access.workspace.name)
}

/// Everyone in the workspace but the one acting.
pub(super) async fn other_members(tx: &mut PgConnection, workspace: Uuid, user: Uuid) -> Result<Vec<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        "select user_id from workspace_members where workspace_id = $1 and user_id <> $2",
        workspace,
        user
    )
    .fetch_all(&mut *tx)
    .await?)
}

/// Workspaces the user owns that are deleted but still restorable.
pub async fn deleted_mine(auth: &RequestAuth) -> Result<Vec<super::DeletedWorkspace>, AppError> {
    let user = auth.user()?;
    let mut tx = tenant::begin(&auth.state.db, user.id, None).await?;
    let rows = sqlx::query!(
        r#"select w.slug, w.name, w.purge_after as "purge_after!" from workspaces w
           join workspace_members m on m.workspace_id = w.id and m.user_id = $1 and m.role = 'owner'
           where w.deleted_at is not null and w.purge_after > now()
           order by w.deleted_at desc"#,
        user.id
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| super::DeletedWorkspace {
            slug: r.slug,
            name: r.name,
            purge_after: crate::accounts::format_time(r.purge_after),
        })
        .collect())
}

/// Brings a deleted workspace back, within its grace period (owner only).
pub async fn restore(auth: &RequestAuth, slug: &str) -> Result<String, AppError> {
    let user = auth.user()?.clone();
    let mut tx = tenant::begin(&auth.state.db, user.id, None).await?;
    let found = sqlx::query!(
        "select w.id, w.name from workspaces w
         join workspace_members m on m.workspace_id = w.id and m.user_id = $2 and m.role = 'owner'
         where w.slug = $1 and w.deleted_at is not null and w.purge_after > now()",
        slug,
        user.id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That deleted workspace".into()))?;
    tenant::enter(&mut tx, user.id, Some(found.id)).await?;
    sqlx::query!(
        "update workspaces set deleted_at = null, purge_after = null where id = $1",
        found.id
    )
    .execute(&mut *tx)
    .await?;
    let others = other_members(&mut tx, found.id, user.id).await?;
    for member in others {
        notify(
            &mut tx,
            auth.state.config.public_url.as_str(),
            Notice {
                recipient: member,
                workspace: Some(found.id),
                category: Category::Membership,
                title: format!("{} restored the workspace {}", user.name, found.name),
                link: Some(format!("/w/{slug}")),
            },
        )
        .await?;
    }
    audit::service::record(
        &mut tx,
        AuditEvent::new(Actor::User(user.id), AuditAction::WorkspaceRestored)
            .target("workspace", found.id.to_string())
            .workspace(found.id)
            .origin(auth.meta.ip, Some(&auth.meta.user_agent)),
    )
    .await?;
    tx.commit().await?;
    Ok(slug.to_owned())
}

/// Removes workspaces whose grace period has passed, with everything in them. Returns how many.
/// One transaction per workspace: the audit entry is its last step, so the audit chain's lock is
/// never held across the cascade of another workspace, and one failure spoils only its own.
/// Each workspace's stored files go first: if that fails, the workspace stays for the next run.
pub async fn purge_due(pool: &sqlx::PgPool, store: &crate::storage::Store) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    tenant::for_purge(&mut tx).await?;
    let due = sqlx::query_scalar!("select id from workspaces where purge_after < now()")
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut purged = 0;
    for id in due {
        store
            .delete_workspace_objects(id)
            .await
            .map_err(|e| AppError::internal(format!("deleting workspace {id}'s files: {e}")))?;
        let mut tx = pool.begin().await?;
        tenant::for_purge(&mut tx).await?;
        let gone = sqlx::query!("delete from workspaces where id = $1", id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if gone == 1 {
            audit::service::record(
                &mut tx,
                AuditEvent::new(Actor::System, AuditAction::WorkspacePurged).target("workspace", id.to_string()),
            )
            .await?;
            purged += 1;
        }
        tx.commit().await?;
    }
    Ok(purged)
}
