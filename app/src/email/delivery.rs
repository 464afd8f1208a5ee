//! Delivery backends. `Outbox` keeps mail in the database (development, tests); `Smtp` speaks to
//! any SMTP server through lettre; `SendGrid` calls the v3 Mail Send API.

use std::time::Duration;

use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use serde_json::json;
use uuid::Uuid;

use super::Rendered;
use crate::server::config::{EmailBackend, EmailConfig, Secret};

pub enum Mailer {
    Outbox,
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    SendGrid {
        client: reqwest::Client,
        base_url: String,
        api_key: Secret,
        from: Mailbox,
    },
}

/// One email on its way out.
pub struct Outgoing<'a> {
    pub id: Uuid,
    pub to: &'a str,
    pub category: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

impl<'a> Outgoing<'a> {
    pub fn of(id: Uuid, to: &'a str, category: &'a str, email: &'a Rendered) -> Self {
        Self {
            id,
            to,
            category,
            subject: &email.subject,
            text: &email.text,
            html: &email.html,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Delivered {
    /// Kept in the outbox only (the `outbox` backend).
    Stored,
    Sent {
        provider_message_id: Option<String>,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeliveryError {
    /// Worth trying again later: the server is busy, down or rate limiting.
    #[error("{0}")]
    Retryable(String),
    /// Will fail again: bad address, rejected credentials, invalid request.
    #[error("{0}")]
    Permanent(String),
}

impl Mailer {
    pub fn from_config(config: &EmailConfig) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("email.from {:?}: {e}", config.from))?;
        Ok(match config.backend {
            EmailBackend::Outbox => Self::Outbox,
            EmailBackend::Smtp => {
                let url = config
                    .smtp_url
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("SMTP_URL is required"))?;
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is not a valid smtp:// or smtps:// URL: {e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build();
                Self::Smtp { transport, from }
            }
            EmailBackend::SendGrid => Self::SendGrid {
                client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?,
                base_url: config.sendgrid_base_url.trim_end_matches('/').to_owned(),
                api_key: config
                    .sendgrid_api_key
                    .clone()
                    .ok_or_else(|| anyhow::anyhow!("SENDGRID_API_KEY is required"))?,
                from,
            },
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Outbox => "outbox",
            Self::Smtp { .. } => "smtp",
            Self::SendGrid { .. } => "sendgrid",
        }
    }

    #[tracing::instrument(skip_all, fields(backend = self.name(), email = %message.id))]
    pub async fn deliver(&self, message: &Outgoing<'_>) -> Result<Delivered, DeliveryError> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|e| DeliveryError::Permanent(format!("invalid recipient address: {e}")))?;
        match self {
            Self::Outbox => Ok(Delivered::Stored),
            Self::Smtp { transport, from } => send_smtp(transport, from, to, message).await,
            Self::SendGrid {
                client,
                base_url,
                api_key,
                from,
            } => send_sendgrid(client, base_url, api_key, from, to, message).await,
        }
    }
}

async fn send_smtp(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    to: Mailbox,
    message: &Outgoing<'_>,
) -> Result<Delivered, DeliveryError> {
    let email = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(message.text.to_owned()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(message.html.to_owned()),
                ),
        )
        .map_err(|e| DeliveryError::Permanent(format!("could not build the message: {e}")))?;
    match transport.send(email).await {
        Ok(response) => Ok(Delivered::Sent {
            provider_message_id: response.first_line().map(str::to_owned),
        }),
        Err(e) if e.is_permanent() => Err(DeliveryError::Permanent(format!(
            "SMTP server refused the message: {e}"
        ))),
        Err(e) => Err(DeliveryError::Retryable(format!("SMTP delivery failed: {e}"))),
    }
}

/// POST /v3/mail/send; 202 means accepted, with the message id in `X-Message-Id`.
async fn send_sendgrid(
    client: &reqwest::Client,
    base_url: &str,
    api_key: &Secret,
    from: &Mailbox,
    to: Mailbox,
    message: &Outgoing<'_>,
) -> Result<Delivered, DeliveryError> {
    let mut sender = json!({ "email": from.email.to_string() });
    if let Some(name) = from.name.as_deref().filter(|n| !n.is_empty()) {
        sender["name"] = json!(name);
    }
    let body = json!({
        "personalizations": [{ "to": [{ "email": to.email.to_string() }] }],
        "from": sender,
        "subject": message.subject,
        "content": [
            { "type": "text/plain", "value": message.text },
            { "type": "text/html", "value": message.html },
        ],
        // Only our own identifiers: never personal data in categories or custom args.
        "categories": [message.category],
        "custom_args": { "outbox_id": message.id.to_string() },
    });
    let response = client
        .post(format!("{base_url}/v3/mail/send"))
        .bearer_auth(api_key.expose())
        .json(&body)
        .send()
        .await
        .map_err(|e| DeliveryError::Retryable(format!("could not reach SendGrid: {e}")))?;
    let status = response.status();
    // 202 in production; the sandbox mode answers 200.
    if status.is_success() {
        let id = response
            .headers()
            .get("x-message-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        return Ok(Delivered::Sent {
            provider_message_id: id,
        });
    }
    let detail = sendgrid_errors(response.text().await.unwrap_or_default());
    match status.as_u16() {
        408 | 429 | 500..=599 => Err(DeliveryError::Retryable(format!(
            "SendGrid answered {status}: {detail}"
        ))),
        401 | 403 => Err(DeliveryError::Permanent(format!(
            "SendGrid rejected the API key ({status}): {detail}"
        ))),
        _ => Err(DeliveryError::Permanent(format!(
            "SendGrid refused the message ({status}): {detail}"
        ))),
    }
}

/// SendGrid errors look like `{"errors":[{"message":"…","field":"…"}]}`.
fn sendgrid_errors(body: String) -> String {
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v["errors"].as_array().map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["message"].as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| body.chars().take(300).collect())
}
