//! Provider keys: list (masked), save, remove, test the connection, and hand a key to an engine.
//! Managing them needs `api_keys.manage`; the plaintext exists only in memory here.

use std::time::Duration;

use sqlx::PgConnection;
use uuid::Uuid;

use super::{ApiKeysView, Provider, ProviderKeyView};
use crate::{
    accounts::{format_time, session::RequestAuth},
    audit::{self, Actor, AuditAction, AuditEvent},
    error::{AppError, FieldErrors},
    server::{config::ProvidersConfig, secrets::SecretBox},
    workspaces::{
        service::{authorize, Access},
        Permission,
    },
};

fn purpose(id: Uuid) -> String {
    format!("provider-key:{id}")
}

fn provider(key: &str) -> Result<Provider, AppError> {
    Provider::from_key(key).ok_or_else(|| AppError::invalid_field("provider", "Choose a provider from the list."))
}

fn secrets(auth: &RequestAuth) -> Result<&SecretBox, AppError> {
    auth.state.secrets.as_deref().ok_or_else(|| {
        AppError::Unavailable("API keys need MASTER_KEY to be configured on the server, to keep them sealed.".into())
    })
}

fn platform_key(config: &ProvidersConfig, provider: Provider) -> Option<&str> {
    match provider {
        Provider::OpenAi => config.openai_api_key.as_ref(),
        Provider::ElevenLabs => config.elevenlabs_api_key.as_ref(),
    }
    .map(|s| s.expose())
}

/// Whether the workspace (the transaction's tenant) can use `provider`: its own key, or the
/// platform's.
pub async fn key_available(
    conn: &mut PgConnection,
    config: &ProvidersConfig,
    provider: Provider,
) -> Result<bool, sqlx::Error> {
    if platform_key(config, provider).is_some() {
        return Ok(true);
    }
    sqlx::query_scalar!(
        "select exists (select 1 from provider_keys where provider = $1) as \"e!\"",
        provider.key()
    )
    .fetch_one(&mut *conn)
    .await
}

fn audit_on(access: &Access, auth: &RequestAuth, action: AuditAction, provider: Provider) -> AuditEvent {
    AuditEvent::new(Actor::User(access.user.id), action)
        .target("workspace", access.workspace.id.to_string())
        .workspace(access.workspace.id)
        .origin(auth.meta.ip, Some(&auth.meta.user_agent))
        .metadata(serde_json::json!({ "provider": provider.key() }))
}

pub async fn list(auth: &RequestAuth, slug: &str) -> Result<ApiKeysView, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::ApiKeysManage).await?;
    let rows = sqlx::query!(
        r#"select k.provider, k.last_four, k.created_at, k.last_used_at, k.last_tested_at, k.last_test_ok,
                  k.last_test_message, u.name as "added_by?"
           from provider_keys k left join users u on u.id = k.created_by"#
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let config = &auth.state.config.providers;
    let keys = Provider::ALL
        .into_iter()
        .map(|p| {
            let row = rows.iter().find(|r| r.provider == p.key());
            ProviderKeyView {
                provider: p,
                masked: row.map(|r| format!("\u{2022}\u{2022}\u{2022}\u{2022}{}", r.last_four)),
                added_by: row.map(|r| r.added_by.clone().unwrap_or_else(|| "A former member".into())),
                added_at: row.map(|r| format_time(r.created_at)),
                last_used_at: row.and_then(|r| r.last_used_at).map(format_time),
                last_tested_at: row.and_then(|r| r.last_tested_at).map(format_time),
                last_test_ok: row.and_then(|r| r.last_test_ok),
                last_test_message: row.and_then(|r| r.last_test_message.clone()),
                platform_fallback: platform_key(config, p).is_some(),
            }
        })
        .collect();
    Ok(ApiKeysView {
        workspace_name: access.workspace.name.clone(),
        keys,
        available: auth.state.secrets.is_some(),
    })
}

pub async fn save(auth: &RequestAuth, slug: &str, provider_key: &str, key: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::ApiKeysManage).await?;
    let provider = provider(provider_key)?;
    let secrets = secrets(auth)?;
    let key = key.trim();
    let mut errors = FieldErrors::new();
    errors.check(
        (8..=512).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()),
        "key",
        "Paste the whole key: 8 to 512 characters, without spaces.",
    );
    // The provider comes back with the error, so the page marks the right form.
    errors.finish(&[("provider", provider.key())])?;
    let id = Uuid::new_v4();
    let last_four: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    sqlx::query!(
        "insert into provider_keys (id, workspace_id, provider, sealed, last_four, created_by)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (workspace_id, provider) do update
         set id = excluded.id, sealed = excluded.sealed, last_four = excluded.last_four,
             created_by = excluded.created_by, created_at = now(), last_used_at = null,
             last_tested_at = null, last_test_ok = null, last_test_message = null",
        id,
        access.workspace.id,
        provider.key(),
        secrets.seal(key.as_bytes(), &purpose(id)),
        last_four,
        access.user.id
    )
    .execute(&mut *tx)
    .await?;
    audit::service::record(&mut tx, audit_on(&access, auth, AuditAction::ApiKeySaved, provider)).await?;
    tx.commit().await?;
    Ok(format!(
        "{} key saved. Test the connection to check it works.",
        provider.label()
    ))
}

pub async fn remove(auth: &RequestAuth, slug: &str, provider_key: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::ApiKeysManage).await?;
    let provider = provider(provider_key)?;
    let removed = sqlx::query!("delete from provider_keys where provider = $1", provider.key())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(AppError::NotFound(format!("A {} key", provider.label())));
    }
    audit::service::record(&mut tx, audit_on(&access, auth, AuditAction::ApiKeyRemoved, provider)).await?;
    tx.commit().await?;
    Ok(format!("{} key removed.", provider.label()))
}

/// The workspace's own key for `provider` (opened, and its use noted), or the platform's.
/// Run inside the workspace's tenant context.
pub async fn key_for(
    conn: &mut PgConnection,
    secrets: Option<&SecretBox>,
    config: &ProvidersConfig,
    provider: Provider,
) -> Result<Option<String>, AppError> {
    let row = sqlx::query!(
        "update provider_keys set last_used_at = now() where provider = $1 returning id, sealed",
        provider.key()
    )
    .fetch_optional(&mut *conn)
    .await?;
    match (row, secrets) {
        (Some(row), Some(secrets)) => {
            let plain = secrets
                .open(&row.sealed, &purpose(row.id))
                .map_err(|e| AppError::internal(format!("a {} key does not open: {e}", provider.key())))?;
            Ok(Some(String::from_utf8(plain).map_err(AppError::internal)?))
        }
        (Some(_), None) => Err(AppError::Unavailable(
            "The workspace's API key cannot be opened: MASTER_KEY is not configured.".into(),
        )),
        (None, _) => Ok(platform_key(config, provider).map(str::to_owned)),
    }
}

/// Asks the provider who the key belongs to (a cheap authenticated call) and records the answer.
pub async fn test(auth: &RequestAuth, slug: &str, provider_key: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::ApiKeysManage).await?;
    let provider = provider(provider_key)?;
    let exists = sqlx::query_scalar!("select count(*) from provider_keys where provider = $1", provider.key())
        .fetch_one(&mut *tx)
        .await?
        .unwrap_or(0)
        > 0;
    if !exists {
        return Err(AppError::NotFound(format!("A {} key", provider.label())));
    }
    let config = &auth.state.config.providers;
    let key = key_for(&mut tx, auth.state.secrets.as_deref(), config, provider)
        .await?
        .ok_or_else(|| AppError::internal("a saved key went missing"))?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(AppError::internal)?;
    let request = match provider {
        Provider::OpenAi => client
            .get(format!("{}/v1/models", config.openai_base_url))
            .bearer_auth(&key),
        Provider::ElevenLabs => client
            .get(format!("{}/v1/voices", config.elevenlabs_base_url))
            .header("xi-api-key", &key),
    };
    let (ok, message) = match request.send().await {
        Ok(r) if r.status().is_success() => (true, "Connected: the key works.".to_owned()),
        Ok(r) if matches!(r.status().as_u16(), 401 | 403) => (
            false,
            "The provider refused this key. Check it, or paste a new one.".to_owned(),
        ),
        Ok(r) => (false, format!("The provider answered {}; try again later.", r.status())),
        Err(e) if e.is_timeout() => (false, "The provider did not answer within 15 seconds.".to_owned()),
        Err(_) => (false, "The provider could not be reached from the server.".to_owned()),
    };
    sqlx::query!(
        "update provider_keys set last_tested_at = now(), last_test_ok = $2, last_test_message = $3 where provider = $1",
        provider.key(),
        ok,
        message
    )
    .execute(&mut *tx)
    .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, auth, AuditAction::ApiKeyTested, provider)
            .metadata(serde_json::json!({ "provider": provider.key(), "ok": ok })),
    )
    .await?;
    tx.commit().await?;
    if ok {
        Ok(message)
    } else {
        Err(AppError::Conflict(message))
    }
}
