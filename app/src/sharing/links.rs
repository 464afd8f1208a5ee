//! Public links: creating one (a 128-bit token kept as a digest and a sealed copy, optional
//! expiry and password) and revoking it. What a visitor gets is in `public`.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{
    service::{audit_on, authorize_sharing, held_share, link_url, Resource},
    LINK_EXPIRY_CHOICES,
};
use crate::{
    accounts::{format_time, password, session::RequestAuth},
    audit::{self, AuditAction},
    error::{AppError, FieldErrors},
    server::secrets::SecretBox,
    workspaces::{service::authorize, Permission},
};

/// Live public links one resource may have at once.
pub const MAX_LIVE_LINKS: i64 = 20;
/// Purpose of the sealed token (bound into the ciphertext with the link's id).
const TOKEN_PURPOSE: &str = "public-link-token";

pub(super) fn token_purpose(link: Uuid) -> String {
    format!("{TOKEN_PURPOSE}:{link}")
}

/// SHA-256 of a link's token, as stored and as presented by a visitor.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether `token` has the shape of one we issue (22 characters of unpadded base64url).
pub fn token_shape_ok(token: &str) -> bool {
    token.len() == 22
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn secrets(auth: &RequestAuth) -> Result<&SecretBox, AppError> {
    auth.state
        .secrets
        .as_deref()
        .ok_or_else(|| AppError::Unavailable("Public links need MASTER_KEY to be configured on the server.".into()))
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
        Some(
            password::hash(link_password.to_owned())
                .await
                .map_err(AppError::internal)?,
        )
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
