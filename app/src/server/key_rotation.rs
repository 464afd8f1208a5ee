//! `audiotricks keys rotate`: seals every sealed value again under the first (newest) MASTER_KEY
//! entry, so an old key can then be dropped from MASTER_KEY. Covers two-factor secrets, public
//! link tokens and provider API keys; plaintext stays in memory.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{config::Config, db, secrets::SecretBox};
use crate::workspaces::tenant;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rotation {
    pub resealed: usize,
    pub already_current: usize,
}

impl Rotation {
    fn count(&mut self, resealed: bool) {
        if resealed {
            self.resealed += 1;
        } else {
            self.already_current += 1;
        }
    }
}

/// Reseals one column of `table` for the rows the transaction can see.
async fn reseal_column(
    conn: &mut PgConnection,
    secrets: &SecretBox,
    table: &str,
    column: &str,
    purpose: impl Fn(Uuid) -> String,
    report: &mut Rotation,
) -> anyhow::Result<()> {
    let rows: Vec<(Uuid, String)> =
        sqlx::query_as(&format!("select id, {column} from {table} where {column} is not null"))
            .fetch_all(&mut *conn)
            .await?;
    for (id, sealed) in rows {
        let again = secrets
            .reseal(&sealed, &purpose(id))
            .map_err(|e| anyhow::anyhow!("{table}.{column} of {id}: {e}"))?;
        if let Some(again) = &again {
            sqlx::query(&format!("update {table} set {column} = $2 where id = $1"))
                .bind(id)
                .bind(again)
                .execute(&mut *conn)
                .await?;
        }
        report.count(again.is_some());
    }
    Ok(())
}

pub async fn rotate(pool: &sqlx::PgPool, secrets: &SecretBox) -> anyhow::Result<Rotation> {
    let mut report = Rotation::default();
    let mut tx = pool.begin().await?;
    for column in ["totp_secret", "totp_pending"] {
        reseal_column(
            &mut tx,
            secrets,
            "users",
            column,
            |id| format!("totp:{id}"),
            &mut report,
        )
        .await?;
    }
    tx.commit().await?;
    // Tenant rows are reached inside each workspace's own context.
    let mut tx = pool.begin().await?;
    sqlx::query("select set_config('app.key_rotation', 'on', true)")
        .execute(&mut *tx)
        .await?;
    let workspaces: Vec<Uuid> = sqlx::query_scalar("select id from workspaces")
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    for workspace in workspaces {
        let mut tx = pool.begin().await?;
        tenant::as_system(&mut tx, workspace).await?;
        reseal_column(
            &mut tx,
            secrets,
            "public_links",
            "token_sealed",
            |id| format!("public-link-token:{id}"),
            &mut report,
        )
        .await?;
        reseal_column(
            &mut tx,
            secrets,
            "provider_keys",
            "sealed",
            |id| format!("provider-key:{id}"),
            &mut report,
        )
        .await?;
        tx.commit().await?;
    }
    Ok(report)
}

/// The command: all or nothing per table group; says what it did.
pub async fn rotate_command(config: &Config) -> anyhow::Result<bool> {
    let Some(master) = config.master_key.as_ref() else {
        eprintln!("MASTER_KEY is not set: there is nothing to rotate to");
        return Ok(false);
    };
    let secrets = SecretBox::parse(master.expose()).map_err(|e| anyhow::anyhow!("MASTER_KEY: {e}"))?;
    let pool = db::connect_app_pool(&config.database).await?;
    let report = rotate(&pool, &secrets).await?;
    println!(
        "sealed {} values again under key {:?}; {} were already under it. Keys after the first in MASTER_KEY may now be removed.",
        report.resealed,
        secrets.current_key_id(),
        report.already_current
    );
    Ok(true)
}
