//! Invitations to a workspace: by email (a single-use, expiring link whose token is the
//! capability), or from the bell for an account with the invited address; resend, withdraw,
//! view and accept. Every change is audited.

use std::time::Duration;

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    members::{assignable, audit_on, built_in_permissions, tell, within_reach},
    service::{authorize, Access},
    tenant, InvitationView, Permission, Role,
};
use crate::{
    accounts::{format_time, service::check_email, service::normalize_email, session::RequestAuth, tokens},
    audit::{self, Actor, AuditAction, AuditEvent},
    email::{self, templates},
    error::{AppError, FieldErrors},
    notifications::Category,
};

pub const INVITATION_VALID_DAYS: u64 = 7;
/// Invitation emails to one address from one workspace per hour.
const INVITES_PER_ADDRESS: u32 = 3;

/// Invites `email` with `role`; an open invitation to the same address is replaced (resent).
pub async fn invite(auth: &RequestAuth, slug: &str, email: &str, role: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::MembersManage).await?;
    let email = normalize_email(email);
    let mut errors = FieldErrors::new();
    check_email(&mut errors, "email", &email);
    let role = assignable(role);
    errors.check(role.is_some(), "role", "Choose Admin, Member or Viewer.");
    errors.finish(&[("email", &email)])?;
    let role = role.expect("checked above");
    within_reach(&access, &built_in_permissions(role))?;
    let already = sqlx::query_scalar!(
        r#"select exists (select 1 from workspace_members m join users u on u.id = m.user_id
                          where m.workspace_id = $1 and u.email = $2) as "x!""#,
        access.workspace.id,
        email
    )
    .fetch_one(&mut *tx)
    .await?;
    if already {
        return Err(AppError::invalid_field(
            "email",
            format!("{email} is already a member."),
        ));
    }
    let bucket = format!("invite:{}:{email}", access.workspace.id);
    if auth
        .state
        .rate_limiter
        .hit(&bucket, INVITES_PER_ADDRESS, Duration::from_secs(3600))
        .await
        .is_err()
    {
        return Err(AppError::RateLimited { retry_after_secs: 3600 });
    }
    sqlx::query!(
        "update workspace_invitations set revoked_at = now()
         where workspace_id = $1 and email = $2 and accepted_at is null and revoked_at is null",
        access.workspace.id,
        email
    )
    .execute(&mut *tx)
    .await?;
    send_invitation(&mut tx, auth, &access, &email, role).await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::WorkspaceMemberInvited, auth)
            .metadata(serde_json::json!({ "email": email, "role": role.key() })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Invitation sent to {email}."))
}

async fn send_invitation(
    tx: &mut PgConnection,
    auth: &RequestAuth,
    access: &Access,
    email: &str,
    role: Role,
) -> Result<(), AppError> {
    let (token, digest) = tokens::new_token();
    let valid = Duration::from_secs(INVITATION_VALID_DAYS * 24 * 3600);
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into workspace_invitations (id, workspace_id, email, role, token_hash, invited_by, expires_at)
         values ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))",
        id,
        access.workspace.id,
        email,
        role.key(),
        digest,
        access.user.id,
        valid.as_secs_f64(),
    )
    .execute(&mut *tx)
    .await?;
    let base = auth.state.config.public_url.as_str();
    let rendered = templates::WorkspaceInvitation {
        app_url: base.to_owned(),
        inviter: access.user.name.clone(),
        workspace: access.workspace.name.clone(),
        role: role.label().to_owned(),
        email: email.to_owned(),
        link: format!("{base}/invite?token={token}"),
        valid_days: INVITATION_VALID_DAYS,
    }
    .render()
    .map_err(AppError::internal)?;
    email::service::queue(tx, email, "workspace", &rendered).await?;
    // Someone who already has an account also finds it in their bell, openable without the email.
    let existing = sqlx::query_scalar!("select id from users where email = $1", email)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(recipient) = existing {
        tell(
            tx,
            auth,
            access.workspace.id,
            recipient,
            Category::Invitations,
            format!(
                "{} invited you to join {} as {}",
                access.user.name,
                access.workspace.name,
                role.label()
            ),
            Some(format!("/invite?id={id}")),
        )
        .await?;
    }
    Ok(())
}

fn invitation_id(id: &str) -> Result<Uuid, AppError> {
    id.parse().map_err(|_| AppError::NotFound("That invitation".into()))
}

/// Sends an open invitation again with a fresh link (the old link stops working).
pub async fn resend(auth: &RequestAuth, slug: &str, id: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::MembersManage).await?;
    let id = invitation_id(id)?;
    let open = sqlx::query!(
        "update workspace_invitations set revoked_at = now()
         where id = $1 and workspace_id = $2 and accepted_at is null and revoked_at is null
         returning email, role",
        id,
        access.workspace.id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That invitation".into()))?;
    let role = Role::from_key(&open.role).unwrap_or(Role::Viewer);
    within_reach(&access, &built_in_permissions(role))?;
    send_invitation(&mut tx, auth, &access, &open.email, role).await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::WorkspaceMemberInvited, auth)
            .metadata(serde_json::json!({ "email": open.email, "role": role.key(), "resent": true })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Invitation sent to {} again.", open.email))
}

pub async fn revoke(auth: &RequestAuth, slug: &str, id: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::MembersManage).await?;
    let id = invitation_id(id)?;
    let email = sqlx::query_scalar!(
        "update workspace_invitations set revoked_at = now()
         where id = $1 and workspace_id = $2 and accepted_at is null and revoked_at is null
         returning email",
        id,
        access.workspace.id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That invitation".into()))?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::WorkspaceInvitationRevoked, auth)
            .metadata(serde_json::json!({ "email": email })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("The invitation to {email} no longer works."))
}

/// How someone presents an invitation: the emailed token (whoever holds it), or, signed in, the
/// id of one addressed to their own account's address (how the bell links to it).
pub enum InvitationKey {
    Token(String),
    Id(Uuid),
}

impl InvitationKey {
    pub fn parse(token: Option<String>, id: Option<String>) -> Result<Self, AppError> {
        let invalid = || AppError::NotFound("That invitation".into());
        match (token.filter(|t| !t.is_empty()), id.filter(|i| !i.is_empty())) {
            (Some(token), _) if tokens::looks_valid(token.trim()) => Ok(Self::Token(token.trim().to_owned())),
            (None, Some(id)) => id.parse().map(Self::Id).map_err(|_| invalid()),
            _ => Err(invalid()),
        }
    }

    /// Lets this transaction read the invitation(s) the key opens and nothing else of theirs.
    async fn present(&self, conn: &mut PgConnection, auth: &RequestAuth) -> Result<(), AppError> {
        match self {
            Self::Token(token) => tenant::present_invitation(conn, &tokens::digest(token)).await?,
            Self::Id(_) => tenant::present_invitee(conn, &auth.user()?.email).await?,
        }
        Ok(())
    }
}

struct OpenInvitation {
    id: Uuid,
    workspace_id: Uuid,
    email: String,
    role: Role,
    invited_by: Option<Uuid>,
    expires_at: OffsetDateTime,
    usable: bool,
}

/// The invitation a key opens, read through the key alone.
async fn find(conn: &mut PgConnection, auth: &RequestAuth, key: &InvitationKey) -> Result<OpenInvitation, AppError> {
    key.present(conn, auth).await?;
    let (digest, id) = match key {
        InvitationKey::Token(token) => (Some(tokens::digest(token).to_vec()), None),
        InvitationKey::Id(id) => (None, Some(*id)),
    };
    let row = sqlx::query!(
        r#"select id, workspace_id, email, role, invited_by, expires_at,
                  (accepted_at is null and revoked_at is null and expires_at > now()) as "usable!"
           from workspace_invitations where token_hash = $1 or id = $2"#,
        digest,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::NotFound("That invitation".into()))?;
    Ok(OpenInvitation {
        id: row.id,
        workspace_id: row.workspace_id,
        email: row.email,
        role: Role::from_key(&row.role).unwrap_or(Role::Viewer),
        invited_by: row.invited_by,
        expires_at: row.expires_at,
        usable: row.usable,
    })
}

/// What the invitation page shows, to anyone holding the link.
pub async fn view(auth: &RequestAuth, key: &InvitationKey) -> Result<InvitationView, AppError> {
    let mut tx = auth.state.db.begin().await?;
    let invitation = find(&mut tx, auth, key).await?;
    // Only a live invitation admits its holder to the workspace's name and the inviter's; the
    // transaction reads those two names and nothing else.
    let details = if invitation.usable {
        tenant::enter(
            &mut tx,
            auth.user.as_ref().map(|u| u.id).unwrap_or_default(),
            Some(invitation.workspace_id),
        )
        .await?;
        key.present(&mut tx, auth).await?;
        sqlx::query!(
            r#"select w.name, u.name as "inviter?" from workspace_invitations i
               join workspaces w on w.id = i.workspace_id left join users u on u.id = i.invited_by
               where i.id = $1 and w.deleted_at is null"#,
            invitation.id
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|d| (d.name, d.inviter.unwrap_or_else(|| "A former member".into())))
    } else {
        None
    };
    tx.commit().await?;
    let usable = details.is_some();
    let (workspace_name, inviter) = details.unwrap_or_else(|| (String::new(), "whoever invited you".into()));
    Ok(InvitationView {
        workspace_name,
        inviter,
        email: invitation.email.clone(),
        role: invitation.role,
        expires_at: format_time(invitation.expires_at),
        usable,
        signed_in_as: auth.user.as_ref().map(|u| u.email.clone()),
        for_you: auth.user.as_ref().is_some_and(|u| u.email == invitation.email),
    })
}

/// Joins the workspace the invitation is for; the signed-in account must have the invited
/// address. Returns the workspace's slug.
pub async fn accept(auth: &RequestAuth, key: &InvitationKey) -> Result<String, AppError> {
    let user = auth.user()?.clone();
    let mut tx = auth.state.db.begin().await?;
    let invitation = find(&mut tx, auth, key).await?;
    if !invitation.usable {
        return Err(AppError::invalid(
            "This invitation was already used, withdrawn or has expired. Ask for a new one.",
        ));
    }
    if invitation.email != user.email {
        return Err(AppError::invalid(format!(
            "This invitation is for {}, but you are logged in as {}. Log out and log in (or sign up) with {}.",
            invitation.email, user.email, invitation.email
        )));
    }
    let gone = || AppError::invalid("This invitation was already used, withdrawn or has expired. Ask for a new one.");
    tenant::enter(&mut tx, user.id, Some(invitation.workspace_id)).await?;
    // Claimed atomically: a concurrent accept or withdrawal leaves nothing to claim.
    let role = sqlx::query_scalar!(
        "update workspace_invitations set accepted_at = now(), accepted_by = $2
         where id = $1 and accepted_at is null and revoked_at is null and expires_at > now()
         returning role",
        invitation.id,
        user.id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(gone)?;
    let workspace = sqlx::query!(
        "select slug, name from workspaces where id = $1 and deleted_at is null",
        invitation.workspace_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(gone)?;
    let slug = workspace.slug;
    let joined = sqlx::query!(
        "insert into workspace_members (workspace_id, user_id, role) values ($1, $2, $3)
         on conflict (workspace_id, user_id) do nothing",
        invitation.workspace_id,
        user.id,
        role
    )
    .execute(&mut *tx)
    .await?;
    if joined.rows_affected() == 0 {
        // Already a member: the invitation is spent, nothing else changes.
        tx.commit().await?;
        return Ok(slug);
    }
    // The inviter hears of it while they are still in the workspace.
    let inviter = match invitation.invited_by {
        Some(inviter) => {
            sqlx::query_scalar!(
                "select user_id from workspace_members where workspace_id = $1 and user_id = $2",
                invitation.workspace_id,
                inviter
            )
            .fetch_optional(&mut *tx)
            .await?
        }
        None => None,
    };
    if let Some(inviter) = inviter {
        let role_label = Role::from_key(&role).map_or("a member", |r| r.label());
        tell(
            &mut tx,
            auth,
            invitation.workspace_id,
            inviter,
            Category::Team,
            format!("{} joined {} as {role_label}", user.name, workspace.name),
            Some(format!("/w/{slug}/members")),
        )
        .await?;
    }
    audit::service::record(
        &mut tx,
        AuditEvent::new(Actor::User(user.id), AuditAction::WorkspaceMemberJoined)
            .target("workspace", invitation.workspace_id.to_string())
            .workspace(invitation.workspace_id)
            .metadata(serde_json::json!({ "role": role }))
            .origin(auth.meta.ip, Some(&auth.meta.user_agent)),
    )
    .await?;
    tx.commit().await?;
    Ok(slug)
}
