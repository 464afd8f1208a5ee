use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    delivery::Outgoing,
    queries::{self, EmailStatus},
    Delivered, DeliveryError, Mailer, Rendered,
};
use crate::{
    error::AppError,
    server::jobs::{self, Job, JobContext, JobError, NewJob},
};

/// Queues `email` for `to` on the caller's transaction: the outbox row and its delivery job
/// exist only if that transaction commits.
#[tracing::instrument(skip_all, fields(template = email.template))]
pub async fn queue(conn: &mut PgConnection, to: &str, category: &str, email: &Rendered) -> Result<Uuid, AppError> {
    let to = to.trim();
    if to.parse::<lettre::Address>().is_err() {
        return Err(AppError::Validation {
            field: Some("email".into()),
            message: format!("{to:?} is not an email address"),
        });
    }
    let id = Uuid::new_v4();
    queries::insert(conn, id, to, category, email).await?;
    let job = NewJob::of::<DeliverEmail>(&DeliverPayload { outbox_id: id }).idempotency_key(id.to_string());
    jobs::enqueue(conn, job).await?;
    Ok(id)
}

#[derive(Serialize, Deserialize)]
pub struct DeliverPayload {
    pub outbox_id: Uuid,
}

/// Delivers one queued email through the configured backend.
pub struct DeliverEmail {
    pub mailer: Arc<Mailer>,
}

impl Job for DeliverEmail {
    const KIND: &'static str = "email.deliver";
    const QUEUE: &'static str = "email";
    const MAX_ATTEMPTS: i32 = 8;
    type Payload = DeliverPayload;

    async fn run(&self, ctx: JobContext, payload: DeliverPayload) -> Result<(), JobError> {
        let Some(row) = queries::get(&ctx.pool, payload.outbox_id).await? else {
            return Err(JobError::permanent("the email is no longer in the outbox"));
        };
        // A repeated run after a crash must not send twice what was already handed over.
        if row.status != EmailStatus::Queued {
            return Ok(());
        }
        let email = Rendered {
            template: "",
            subject: row.subject.clone(),
            text: row.text_body.clone(),
            html: row.html_body.clone(),
        };
        let outgoing = Outgoing {
            id: row.id,
            to: &row.to_address,
            category: &row.category,
            email: &email,
        };
        match deliver_and_record(&ctx.pool, &self.mailer, &outgoing).await? {
            Ok(()) => Ok(()),
            Err(DeliveryError::Permanent(e)) => Err(JobError::Permanent(e)),
            Err(DeliveryError::Retryable(e)) if ctx.attempt >= Self::MAX_ATTEMPTS => {
                queries::finish(
                    &ctx.pool,
                    row.id,
                    EmailStatus::Failed,
                    self.mailer.name(),
                    None,
                    Some(&e),
                )
                .await?;
                Err(JobError::Permanent(e))
            }
            Err(DeliveryError::Retryable(e)) => Err(JobError::Retryable(e)),
        }
    }
}

/// Sends one email now and records the outcome on its outbox row. The outer error is the
/// database's; the inner one is the delivery's.
pub async fn deliver_and_record(
    pool: &sqlx::PgPool,
    mailer: &Mailer,
    outgoing: &Outgoing<'_>,
) -> Result<Result<(), DeliveryError>, sqlx::Error> {
    let backend = mailer.name();
    match mailer.deliver(outgoing).await {
        Ok(Delivered::Stored) => queries::finish(pool, outgoing.id, EmailStatus::Stored, backend, None, None).await?,
        Ok(Delivered::Sent { provider_message_id }) => {
            queries::finish(
                pool,
                outgoing.id,
                EmailStatus::Sent,
                backend,
                provider_message_id.as_deref(),
                None,
            )
            .await?
        }
        Err(DeliveryError::Permanent(e)) => {
            queries::finish(pool, outgoing.id, EmailStatus::Failed, backend, None, Some(&e)).await?;
            return Ok(Err(DeliveryError::Permanent(e)));
        }
        Err(DeliveryError::Retryable(e)) => {
            queries::note_error(pool, outgoing.id, &e).await?;
            return Ok(Err(DeliveryError::Retryable(e)));
        }
    }
    Ok(Ok(()))
}
