//! A workspace's activity feed: its audited events in words, newest first, filterable by member
//! and kind.

use std::collections::HashMap;

use uuid::Uuid;

use super::{service::authorize, ActivityEntry, ActivityPage, Need, Permission, Role, ACTIVITY_KINDS};
use crate::{accounts::format_time, accounts::session::RequestAuth, error::AppError};

pub const PAGE_SIZE: i64 = 30;

/// The feed, or `None` for a member without `audit.read` (the workspace page asks for it
/// whoever looks, and a refusal would become the page's status).
pub async fn feed(
    auth: &RequestAuth,
    slug: &str,
    before: Option<i64>,
    actor: Option<&str>,
    kind: Option<&str>,
) -> Result<Option<ActivityPage>, AppError> {
    let (access, mut tx) = authorize(auth, slug, Need::Membership).await?;
    if !access.can(Permission::AuditRead) {
        return Ok(None);
    }
    let actor = actor
        .filter(|a| !a.is_empty())
        .map(|a| a.parse::<Uuid>())
        .transpose()
        .map_err(|_| AppError::invalid_field("actor", "Choose a member from the list."))?;
    let kind = kind.filter(|k| !k.is_empty());
    if kind.is_some_and(|k| !ACTIVITY_KINDS.iter().any(|(key, _)| *key == k)) {
        return Err(AppError::invalid_field("kind", "Choose a kind from the list."));
    }
    let rows = sqlx::query!(
        r#"select a.id, a.action, a.metadata, a.occurred_at, a.actor_type, a.target_id, u.name as "actor_name?"
           from workspace_activity w join audit_log a on a.id = w.audit_id
           left join users u on u.id = a.actor_id
           where w.workspace_id = $1 and ($2::bigint is null or w.audit_id < $2)
             and ($3::uuid is null or w.actor_id = $3) and ($4::text is null or w.action = $4)
           order by w.audit_id desc limit $5"#,
        access.workspace.id,
        before,
        actor,
        kind,
        PAGE_SIZE + 1,
    )
    .fetch_all(&mut *tx)
    .await?;
    let members = sqlx::query!(
        "select u.id, u.name from workspace_members m join users u on u.id = m.user_id
         where m.workspace_id = $1 order by lower(u.name)",
        access.workspace.id
    )
    .fetch_all(&mut *tx)
    .await?;
    // Names of everyone the entries mention, members or not any more.
    let mentioned: Vec<Uuid> = rows
        .iter()
        .filter_map(|r| {
            r.metadata
                .get("member")
                .or_else(|| r.metadata.get("to"))
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse().ok())
        })
        .collect();
    let names: HashMap<Uuid, String> = sqlx::query!("select id, name from users where id = any($1)", &mentioned)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    tx.commit().await?;
    let older = (rows.len() as i64 > PAGE_SIZE).then(|| rows[PAGE_SIZE as usize - 1].id);
    let members_link = format!("/w/{}/members", access.workspace.slug);
    let settings_link = format!("/w/{}/settings", access.workspace.slug);
    let recordings_link = format!("/w/{}/recordings", access.workspace.slug);
    let entries = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|r| {
            let text = describe(&r.action, &r.metadata, &names);
            let link = match r.action.as_str() {
                "workspace.settings_updated"
                | "workspace.created"
                | "workspace.logo_changed"
                | "workspace.logo_removed" => Some(settings_link.clone()),
                kind if kind.starts_with("recording.") => Some(recordings_link.clone()),
                kind if kind.starts_with("share.") || kind.starts_with("public_link.") => r
                    .target_id
                    .as_deref()
                    .map(|id| format!("{recordings_link}/{id}"))
                    .or_else(|| Some(recordings_link.clone())),
                _ => Some(members_link.clone()),
            };
            ActivityEntry {
                id: r.id,
                actor: match (r.actor_type.as_str(), r.actor_name) {
                    ("system", _) => "AudioTricks".into(),
                    (_, Some(name)) => name,
                    (_, None) => "A former member".into(),
                },
                text,
                kind: r.action,
                at: format_time(r.occurred_at),
                link,
            }
        })
        .collect();
    Ok(Some(ActivityPage {
        entries,
        members: members.into_iter().map(|m| (m.id.to_string(), m.name)).collect(),
        older,
    }))
}

fn role_label(metadata: &serde_json::Value, key: &str) -> String {
    metadata
        .get(key)
        .and_then(|v| v.as_str())
        .and_then(Role::from_key)
        .map(|r| r.label().to_owned())
        .unwrap_or_else(|| "a member".into())
}

/// The entry in words, after the actor's name.
fn provider_words(key: &str) -> &'static str {
    crate::providers::Provider::from_key(key).map_or("provider", |p| p.label())
}

fn access_words(key: &str) -> &'static str {
    match key {
        "edit" => "can edit",
        _ => "can view",
    }
}

fn describe(action: &str, metadata: &serde_json::Value, names: &HashMap<Uuid, String>) -> String {
    let text = |key: &str| {
        metadata
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("someone")
            .to_owned()
    };
    let person = |key: &str| {
        metadata
            .get(key)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<Uuid>().ok())
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_else(|| "a former member".into())
    };
    match action {
        "workspace.created" => format!("created the workspace \u{201c}{}\u{201d}", text("name")),
        "workspace.settings_updated" => "changed the workspace settings".into(),
        "workspace.logo_changed" => "changed the workspace's logo".into(),
        "workspace.logo_removed" => "removed the workspace's logo".into(),
        "workspace.api_key_saved" => format!("saved a {} API key", provider_words(&text("provider"))),
        "workspace.api_key_removed" => format!("removed the {} API key", provider_words(&text("provider"))),
        "workspace.api_key_tested" => format!(
            "tested the {} API key: {}",
            provider_words(&text("provider")),
            if metadata.get("ok").and_then(|o| o.as_bool()) == Some(true) {
                "it works"
            } else {
                "refused"
            }
        ),
        "workspace.member_invited" if metadata.get("resent").is_some() => {
            format!("sent the invitation to {} again", text("email"))
        }
        "workspace.member_invited" => format!("invited {} as {}", text("email"), role_label(metadata, "role")),
        "workspace.invitation_revoked" => format!("withdrew the invitation to {}", text("email")),
        "workspace.member_joined" => format!("joined as {}", role_label(metadata, "role")),
        "workspace.member_role_changed" => format!(
            "changed {}\u{2019}s role from {} to {}",
            person("member"),
            role_label(metadata, "from"),
            metadata
                .get("custom_role")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .unwrap_or_else(|| role_label(metadata, "to"))
        ),
        "workspace.role_created" => format!("created the role \u{201c}{}\u{201d}", text("name")),
        "workspace.role_updated" => format!("changed the role \u{201c}{}\u{201d}", text("name")),
        "workspace.role_deleted" => format!("deleted the role \u{201c}{}\u{201d}", text("name")),
        "workspace.member_removed" => format!("removed {}", person("member")),
        "workspace.deleted" => "deleted the workspace".into(),
        "workspace.restored" => "restored the workspace".into(),
        "workspace.member_left" => "left the workspace".into(),
        "workspace.ownership_transferred" => format!("made {} the owner", person("to")),
        "recording.upload_started" => format!("started uploading \u{201c}{}\u{201d}", text("file_name")),
        "recording.upload_cancelled" => format!("cancelled the upload of \u{201c}{}\u{201d}", text("title")),
        "recording.uploaded" => format!("uploaded \u{201c}{}\u{201d}", text("title")),
        "recording.checked" => match metadata.get("outcome").and_then(|o| o.as_str()) {
            Some("rejected") => format!("refused \u{201c}{}\u{201d}: {}", text("title"), text("reason")),
            _ => format!("checked \u{201c}{}\u{201d}: {}", text("title"), text("summary")),
        },
        "transcription.requested" => match metadata.get("summary_style").and_then(|s| s.as_str()) {
            Some(style) => format!(
                "asked for a {} summary of \u{201c}{}\u{201d}",
                crate::transcription::summary::SummaryStyle::from_key(style)
                    .map_or(style, |s| s.label())
                    .to_lowercase(),
                text("title")
            ),
            None => format!("asked for \u{201c}{}\u{201d} to be transcribed again", text("title")),
        },
        "transcription.cancelled" => format!("cancelled the transcription of \u{201c}{}\u{201d}", text("title")),
        "transcription.finished" => match metadata.get("outcome").and_then(|o| o.as_str()) {
            Some("failed") => format!(
                "could not transcribe \u{201c}{}\u{201d}: {}",
                text("title"),
                text("reason")
            ),
            _ => format!("transcribed and summarised \u{201c}{}\u{201d}", text("title")),
        },
        "transcript.edited" => format!("edited the transcript of \u{201c}{}\u{201d}", text("title")),
        "transcript.restored" => format!(
            "brought back version {} of the transcript of \u{201c}{}\u{201d}",
            text("restored"),
            text("title")
        ),
        "recording.renamed" => format!(
            "renamed \u{201c}{}\u{201d} to \u{201c}{}\u{201d}",
            text("from"),
            text("to")
        ),
        "recording.imported" => format!("imported \u{201c}{}\u{201d} from the first AudioTricks", text("title")),
        "recording.cut" => format!("cut passages to make \u{201c}{}\u{201d}", text("title")),
        "recording.spoken" => format!("had \u{201c}{}\u{201d} spoken by {}", text("title"), text("voice")),
        "recording.tagged" => match text("tags").as_str() {
            "" => format!("removed the tags of \u{201c}{}\u{201d}", text("title")),
            tags => format!("tagged \u{201c}{}\u{201d}: {tags}", text("title")),
        },
        "recording.trashed" => format!("moved \u{201c}{}\u{201d} to the trash", text("title")),
        "recording.restored" => format!("restored \u{201c}{}\u{201d} from the trash", text("title")),
        "recording.deleted" => format!("deleted \u{201c}{}\u{201d} for good", text("title")),
        "recording.purged" => format!("emptied \u{201c}{}\u{201d} from the trash", text("title")),
        "recording.expired" => format!(
            "moved \u{201c}{}\u{201d} to the trash after the workspace's {} days",
            text("title"),
            text("retention_days")
        ),
        "share.granted" => format!(
            "shared \u{201c}{}\u{201d} with {} ({})",
            text("title"),
            person("member"),
            access_words(&text("access"))
        ),
        "share.changed" => format!(
            "changed what {} can do with \u{201c}{}\u{201d} ({})",
            person("member"),
            text("title"),
            access_words(&text("access"))
        ),
        "share.revoked" => format!(
            "stopped sharing \u{201c}{}\u{201d} with {}",
            text("title"),
            person("member")
        ),
        "public_link.created" => format!(
            "made a public link to \u{201c}{}\u{201d}{}",
            text("title"),
            if metadata.get("password").and_then(|p| p.as_bool()) == Some(true) {
                " with a password"
            } else {
                ""
            }
        ),
        "public_link.revoked" => format!("revoked a public link to \u{201c}{}\u{201d}", text("title")),
        other => format!("did {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_as_sentences() {
        let bob = Uuid::new_v4();
        let names = HashMap::from([(bob, "Bob".to_owned())]);
        let m = serde_json::json!({ "member": bob.to_string(), "from": "viewer", "to": "member" });
        assert_eq!(
            describe("workspace.member_role_changed", &m, &names),
            "changed Bob\u{2019}s role from Viewer to Member"
        );
        let invite = serde_json::json!({ "email": "bob@example.com", "role": "viewer" });
        assert_eq!(
            describe("workspace.member_invited", &invite, &names),
            "invited bob@example.com as Viewer"
        );
        let gone = serde_json::json!({ "member": Uuid::new_v4().to_string() });
        assert_eq!(
            describe("workspace.member_removed", &gone, &names),
            "removed a former member"
        );
    }
}
