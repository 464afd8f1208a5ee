//! Who speaks each line. Neither engine tells speakers apart, so people say who speaks a line,
//! and renaming a speaker applies to every line they speak (renaming one to another's name merges
//! the two). Each change is a new transcript version and audited.

use uuid::Uuid;

use super::{
    editing::{keep_first_version, line, lock_transcript, record_change, recording_id},
    EditOutcome,
};
use crate::{
    accounts::session::RequestAuth,
    audit::AuditAction,
    error::AppError,
    sharing::service::{authorize_resource, Resource},
    workspaces::Permission,
};

pub const MAX_SPEAKER_CHARS: usize = 50;

/// A speaker's name as typed: single spaces, 1 to 50 characters, nothing invisible.
pub fn clean_name(field: &str, name: &str) -> Result<String, AppError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > MAX_SPEAKER_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::invalid_field(
            field,
            format!("Give the speaker a name of 1 to {MAX_SPEAKER_CHARS} characters."),
        ));
    }
    Ok(name)
}

/// The transcript's speaker called `name` (as shown, ignoring case).
async fn speaker_named(
    conn: &mut sqlx::PgConnection,
    transcript: Uuid,
    name: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select id from transcript_speakers
         where transcript_id = $1 and lower(coalesce(display_name, label)) = lower($2)
         order by id limit 1",
        transcript,
        name
    )
    .fetch_optional(&mut *conn)
    .await
}

/// Says who speaks line `line` (an empty name: nobody in particular).
pub async fn set_line_speaker(
    auth: &RequestAuth,
    slug: &str,
    id: &str,
    base_version: i32,
    position: i32,
    name: &str,
) -> Result<EditOutcome, AppError> {
    let id = recording_id(id)?;
    let name = match name.trim() {
        "" => None,
        typed => Some(clean_name("speaker", typed)?),
    };
    let (access, _, mut tx) =
        authorize_resource(auth, slug, Resource::Recording(id), Permission::TranscriptsEdit).await?;
    let transcript = lock_transcript(&mut tx, id).await?;
    let current = line(&mut tx, transcript.transcript_id, position)
        .await?
        .ok_or_else(|| AppError::Conflict("That line is no longer in the transcript; reload to see it now.".into()))?;
    keep_first_version(&mut tx, transcript.transcript_id).await?;
    let speaker = match &name {
        None => None,
        Some(name) => Some(match speaker_named(&mut tx, transcript.transcript_id, name).await? {
            Some(found) => found,
            // Nobody shown by that name: the label (a renamed speaker's old one, say) is reused.
            None => super::editing::speaker_ids(&mut tx, access.workspace.id, transcript.transcript_id, &[Some(name)])
                .await?
                .into_iter()
                .flatten()
                .next()
                .ok_or_else(|| AppError::internal("a speaker was not made"))?,
        }),
    };
    sqlx::query!(
        "update transcript_segments set speaker_id = $2 where id = $1",
        current.id,
        speaker
    )
    .execute(&mut *tx)
    .await?;
    let version = record_change(
        &mut tx,
        &access,
        auth,
        id,
        &transcript,
        "edited",
        AuditAction::TranscriptEdited,
        serde_json::json!({ "line": position, "speaker": name }),
    )
    .await?;
    let saved = line(&mut tx, transcript.transcript_id, position)
        .await?
        .map(|l| l.view)
        .unwrap_or(current.view);
    tx.commit().await?;
    Ok(EditOutcome::Saved {
        version,
        line: saved,
        others_changed: transcript.version != base_version,
    })
}

/// Renames the speaker shown as `from` on every line; to another speaker's name, merges them.
pub async fn rename_speaker(
    auth: &RequestAuth,
    slug: &str,
    id: &str,
    from: &str,
    to: &str,
) -> Result<String, AppError> {
    let id = recording_id(id)?;
    let to = clean_name("to", to)?;
    let (access, _, mut tx) =
        authorize_resource(auth, slug, Resource::Recording(id), Permission::TranscriptsEdit).await?;
    let transcript = lock_transcript(&mut tx, id).await?;
    let speaker = speaker_named(&mut tx, transcript.transcript_id, from.trim())
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "Nobody is called \u{201c}{}\u{201d} in this transcript now; reload to see who is.",
                from.trim()
            ))
        })?;
    keep_first_version(&mut tx, transcript.transcript_id).await?;
    let merged = match speaker_named(&mut tx, transcript.transcript_id, &to).await? {
        Some(other) if other != speaker => {
            sqlx::query!(
                "update transcript_segments set speaker_id = $2 where speaker_id = $1",
                speaker,
                other
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!("delete from transcript_speakers where id = $1", speaker)
                .execute(&mut *tx)
                .await?;
            true
        }
        _ => {
            sqlx::query!(
                "update transcript_speakers set display_name = $2 where id = $1",
                speaker,
                to
            )
            .execute(&mut *tx)
            .await?;
            false
        }
    };
    record_change(
        &mut tx,
        &access,
        auth,
        id,
        &transcript,
        "edited",
        AuditAction::TranscriptEdited,
        serde_json::json!({ "speaker": from.trim(), "renamed_to": to }),
    )
    .await?;
    tx.commit().await?;
    Ok(if merged {
        format!("\u{201c}{}\u{201d}'s lines are now {to}'s.", from.trim())
    } else {
        format!("\u{201c}{}\u{201d} is now {to} on every line.", from.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_tidied_and_bounded() {
        assert_eq!(clean_name("to", "  Ada   Lovelace ").unwrap(), "Ada Lovelace");
        assert!(clean_name("to", "   ").is_err());
        assert!(clean_name("to", &"x".repeat(51)).is_err());
    }
}
