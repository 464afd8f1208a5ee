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
        return Err(AppError::invalid_field(
            "email",
            format!("{to:?} is not an email address"),
        ));
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
        let last_attempt = ctx.attempt >= Self::MAX_ATTEMPTS;
        match self.attempt(&ctx, payload.outbox_id).await {
            Err(JobError::Retryable(e)) if last_attempt => {
                // Out of attempts: the email must not stay `queued` with no job behind it.
                queries::finish(
                    &ctx.pool,
                    payload.outbox_id,
                    EmailStatus::Failed,
                    self.mailer.name(),
                    None,
                    Some(&e),
                )
                .await?;
                Err(JobError::Permanent(e))
            }
            other => other,
        }
    }
}

impl DeliverEmail {
    async fn attempt(&self, ctx: &JobContext, id: Uuid) -> Result<(), JobError> {
        let Some(row) = queries::get(&ctx.pool, id).await? else {
            return Err(JobError::permanent("the email is no longer in the outbox"));
        };
        match row.status {
            EmailStatus::Queued => {}
            // A deliverer claimed it and never recorded the outcome (a crash mid-send): sending
            // again could deliver it twice, so it ends here, visibly.
            EmailStatus::Sending if ctx.attempt > 1 => {
                let e = "delivery was interrupted and its outcome is unknown; not sent again";
                queries::finish(&ctx.pool, id, EmailStatus::Failed, self.mailer.name(), None, Some(e)).await?;
                return Ok(());
            }
            // Someone else (`audiotricks email test`) is delivering it right now, or it is done.
            _ => return Ok(()),
        }
        let outgoing = Outgoing {
            id: row.id,
            to: &row.to_address,
            category: &row.category,
            subject: &row.subject,
            text: &row.text_body,
            html: &row.html_body,
        };
        match deliver_and_record(&ctx.pool, &self.mailer, &outgoing).await? {
            Ok(_) => Ok(()),
            Err(DeliveryError::Permanent(e)) => Err(JobError::Permanent(e)),
            Err(DeliveryError::Retryable(e)) => Err(JobError::Retryable(e)),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Handled {
    /// This call delivered (or stored) it.
    Delivered,
    /// Another deliverer has it, or it already left.
    Elsewhere,
}

/// Claims the email, sends it now and records the outcome on its outbox row; only one caller
/// can hold the claim, so an email is handed to the provider at most once. The outer error is
/// the database's; the inner one is the delivery's.
pub async fn deliver_and_record(
    pool: &sqlx::PgPool,
    mailer: &Mailer,
    outgoing: &Outgoing<'_>,
) -> Result<Result<Handled, DeliveryError>, sqlx::Error> {
    if !queries::claim(pool, outgoing.id).await? {
        return Ok(Ok(Handled::Elsewhere));
    }
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
            queries::release(pool, outgoing.id, &e).await?;
            return Ok(Err(DeliveryError::Retryable(e)));
        }
    }
    Ok(Ok(Handled::Delivered))
}
