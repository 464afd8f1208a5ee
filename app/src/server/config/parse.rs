//! Parsers for settings given as text (env variables, list syntaxes); each error names its setting.

use std::{fmt, str::FromStr};

use super::{ConfigError, EmailBackend, LogFormat};

pub(super) fn parse<T: FromStr>(setting: &'static str, env: &'static str, text: &str) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    text.trim().parse().map_err(|e: T::Err| ConfigError::Invalid {
        setting,
        env,
        message: format!("{e} (got {text:?})"),
    })
}

/// `"transcription=1,default=4"`
pub(super) fn parse_queue_concurrency(text: &str) -> Result<std::collections::BTreeMap<String, usize>, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        setting: "jobs.queue_concurrency",
        env: "JOBS_QUEUE_CONCURRENCY",
        message,
    };
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            let (queue, n) = part
                .split_once('=')
                .ok_or_else(|| invalid(format!("expected queue=number, got {part:?}")))?;
            let n = n
                .trim()
                .parse()
                .map_err(|_| invalid(format!("{:?} is not a number", n.trim())))?;
            Ok((queue.trim().to_owned(), n))
        })
        .collect()
}

/// lettre sends `smtp://` without TLS unless `?tls=required`; credentials or a remote server must
/// never travel that way.
pub(super) fn check_smtp_url(url: &str) -> Result<(), String> {
    let rest = if let Some(rest) = url.strip_prefix("smtps://") {
        return if rest.is_empty() {
            Err("has no host".into())
        } else {
            Ok(())
        };
    } else {
        url.strip_prefix("smtp://")
            .ok_or("must start with smtp:// or smtps://")?
    };
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let tls = query
        .split('&')
        .any(|kv| kv == "tls=required" || kv == "tls=opportunistic");
    let has_credentials = authority.contains('@');
    let host = authority
        .rsplit('@')
        .next()
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("");
    let local = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if (has_credentials || !local) && !query.split('&').any(|kv| kv == "tls=required") {
        return Err(format!(
            "sends {} in clear text: use smtps://… or add ?tls=required{}",
            if has_credentials {
                "the password and every message"
            } else {
                "every message"
            },
            if tls {
                " (tls=opportunistic can be downgraded)"
            } else {
                ""
            }
        ));
    }
    Ok(())
}

/// `"10.0.0.0/8, 192.168.1.5"`
pub(super) fn parse_ip_blocks(text: &str) -> Result<Vec<crate::server::client_ip::IpBlock>, ConfigError> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse().map_err(|message| ConfigError::Invalid {
                setting: "server.trusted_proxies",
                env: "TRUSTED_PROXIES",
                message,
            })
        })
        .collect()
}

pub(super) fn parse_email_backend(text: &str) -> Result<EmailBackend, ConfigError> {
    match text.trim() {
        "outbox" => Ok(EmailBackend::Outbox),
        "smtp" => Ok(EmailBackend::Smtp),
        "sendgrid" => Ok(EmailBackend::SendGrid),
        other => Err(ConfigError::Invalid {
            setting: "email.backend",
            env: "EMAIL_BACKEND",
            message: format!("must be \"outbox\", \"smtp\" or \"sendgrid\" (got {other:?})"),
        }),
    }
}

pub(super) fn parse_log_format(text: &str) -> Result<LogFormat, ConfigError> {
    match text.trim() {
        "pretty" => Ok(LogFormat::Pretty),
        "json" => Ok(LogFormat::Json),
        other => Err(ConfigError::Invalid {
            setting: "log.format",
            env: "LOG_FORMAT",
            message: format!("must be \"pretty\" or \"json\" (got {other:?})"),
        }),
    }
}
