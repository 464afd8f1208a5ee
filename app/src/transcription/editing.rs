//! Editing a transcript: one line at a time, re-timed (`align`), checked against what the editor
//! saw so two people never silently overwrite each other, and kept as versions that can be
//! brought back. Every change is audited.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    align::{self, TimedWord, MAX_LINE_WORDS},
    line_editor::same_words,
    EditOutcome, SegmentDraft, SegmentView, VersionItem, WordDraft,
};
use crate::{
    accounts::{format_time, session::RequestAuth},
    audit::{self, Actor, AuditAction, AuditEvent},
    error::AppError,
    sharing::service::{authorize_resource, Resource},
    workspaces::{service::Access, Permission},
};

/// The longest a line may be, in characters.
pub const MAX_LINE_CHARS: usize = 10_000;
/// Versions kept per transcript; older ones go.
pub const KEPT_VERSIONS: i64 = 25;
/// One person's edits within this many minutes share one version entry.
const EDIT_SESSION_MINUTES: i32 = 10;

/// What a page sends to save a line.
pub struct LineEdit {
    /// The transcript version the editor loaded.
    pub base_version: i32,
    pub line: i32,
    /// The line's text when the editor started: the check that nobody changed it since.
    pub original: String,
    pub text: String,
}

pub(super) fn recording_id(id: &str) -> Result<Uuid, AppError> {
    id.parse().map_err(|_| AppError::NotFound("That recording".into()))
}

pub(super) struct Editable {
    pub transcript_id: Uuid,
    pub version: i32,
    pub title: String,
}

/// The recording's transcript, locked for a change; refused while it is being transcribed again
/// (that would replace the change) or in the trash.
pub(super) async fn lock_transcript(conn: &mut PgConnection, recording: Uuid) -> Result<Editable, AppError> {
    let row = sqlx::query!(
        "select t.id, t.version, r.title, r.deleted_at is not null as \"trashed!\", tr.stage as \"stage?\"
         from transcripts t
         join recordings r on r.id = t.recording_id
         left join transcriptions tr on tr.recording_id = t.recording_id
         where t.recording_id = $1
         for update of t",
        recording
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::Conflict("There is no transcript to edit yet.".into()))?;
    if row.trashed {
        return Err(AppError::Conflict(
            "This recording is in the trash; restore it to edit its transcript.".into(),
        ));
    }
    if row.stage.as_deref().and_then(super::Stage::from_key).is_some_and(|s| {
        matches!(
            s,
            super::Stage::Queued | super::Stage::Preparing | super::Stage::Transcribing
        )
    }) {
        return Err(AppError::Conflict(
            "It is being transcribed again now, which will replace the text: wait for it, or cancel it, to edit."
                .into(),
        ));
    }
    Ok(Editable {
        transcript_id: row.id,
        version: row.version,
        title: row.title,
    })
}

/// Keeps the transcript as it now is under its version: a new entry, or (for `edited` by the same
/// person within a few minutes of their last, with nothing in between) that entry brought up to
/// date. Older entries beyond `KEPT_VERSIONS` go.
pub async fn keep_version(
    conn: &mut PgConnection,
    transcript_id: Uuid,
    reason: &str,
    author: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    let continued = if reason == "edited" {
        sqlx::query_scalar!(
            "select id from transcript_versions
             where transcript_id = $1 and reason = 'edited' and author_id = $2
               and updated_at > now() - make_interval(mins => $3)
               and version = (select max(version) from transcript_versions where transcript_id = $1)",
            transcript_id,
            author,
            EDIT_SESSION_MINUTES
        )
        .fetch_optional(&mut *conn)
        .await?
    } else {
        None
    };
    match continued {
        Some(entry) => {
            sqlx::query!(
                "update transcript_versions v
                 set version = t.version, segments = transcript_snapshot(t.id),
                     word_count = (select count(*) from transcript_words w join transcript_segments s on s.id = w.segment_id
                                   where s.transcript_id = t.id)
                 from transcripts t where v.id = $1 and t.id = v.transcript_id",
                entry
            )
            .execute(&mut *conn)
            .await?;
        }
        None => {
            sqlx::query!(
                "insert into transcript_versions (id, workspace_id, transcript_id, version, reason, author_id, word_count, segments)
                 select $1, t.workspace_id, t.id, t.version, $3, $4,
                        (select count(*) from transcript_words w join transcript_segments s on s.id = w.segment_id
                         where s.transcript_id = t.id),
                        transcript_snapshot(t.id)
                 from transcripts t where t.id = $2
                 on conflict (transcript_id, version) do nothing",
                Uuid::new_v4(),
                transcript_id,
                reason,
                author
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    sqlx::query!(
        "delete from transcript_versions where transcript_id = $1 and id not in
            (select id from transcript_versions where transcript_id = $1 order by version desc limit $2)",
        transcript_id,
        KEPT_VERSIONS
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Transcripts made before versions were kept get their first entry before their first change.
pub(super) async fn keep_first_version(conn: &mut PgConnection, transcript_id: Uuid) -> Result<(), sqlx::Error> {
    let any = sqlx::query_scalar!(
        "select exists (select 1 from transcript_versions where transcript_id = $1) as \"e!\"",
        transcript_id
    )
    .fetch_one(&mut *conn)
    .await?;
    if !any {
        keep_version(conn, transcript_id, "transcribed", None).await?;
    }
    Ok(())
}

/// Bumps the version and recomputes the searchable text after lines changed.
pub(super) async fn touch(conn: &mut PgConnection, transcript_id: Uuid) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        "update transcripts set version = version + 1,
             text = coalesce((select string_agg(text, ' ' order by position) from transcript_segments
                              where transcript_id = $1), '')
         where id = $1 returning version",
        transcript_id
    )
    .fetch_one(&mut *conn)
    .await
}

/// After lines changed: the next version, kept in the history (`reason`), and audited as
/// `action` with the transcript's title and new version added to `metadata`. Returns the version.
#[allow(clippy::too_many_arguments)]
pub(super) async fn record_change(
    conn: &mut PgConnection,
    access: &Access,
    auth: &RequestAuth,
    recording: Uuid,
    transcript: &Editable,
    reason: &str,
    action: AuditAction,
    mut metadata: serde_json::Value,
) -> Result<i32, AppError> {
    let version = touch(conn, transcript.transcript_id).await?;
    keep_version(conn, transcript.transcript_id, reason, Some(access.user.id)).await?;
    metadata["title"] = serde_json::json!(transcript.title);
    metadata["version"] = serde_json::json!(version);
    audit::service::record(
        conn,
        AuditEvent::new(Actor::User(access.user.id), action)
            .target("recording", recording.to_string())
            .workspace(access.workspace.id)
            .origin(auth.meta.ip, Some(&auth.meta.user_agent))
            .metadata(metadata),
    )
    .await?;
    Ok(version)
}

pub(super) struct Line {
    pub id: i64,
    pub view: SegmentView,
}

pub(super) async fn line(
    conn: &mut PgConnection,
    transcript_id: Uuid,
    position: i32,
) -> Result<Option<Line>, sqlx::Error> {
    Ok(super::store::lines(conn, transcript_id, Some(position))
        .await?
        .pop()
        .map(|(id, segment, speaker)| Line {
            id,
            view: super::store::view_of(segment, speaker),
        }))
}

async fn last_editor(conn: &mut PgConnection, transcript_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        "select u.name from transcript_versions v join users u on u.id = v.author_id
         where v.transcript_id = $1 order by v.version desc limit 1",
        transcript_id
    )
    .fetch_optional(&mut *conn)
    .await?)
}

/// Checks a line's new text: not empty, within the limits; returned with single spaces.
pub fn clean_line(text: &str) -> Result<String, AppError> {
    let words = align::words_of(text);
    if words.is_empty() {
        return Err(AppError::invalid_field(
            "text",
            "A line can't be empty: type what was said (undo brings back the old text).",
        ));
    }
    if text.chars().count() > MAX_LINE_CHARS || words.len() > MAX_LINE_WORDS {
        return Err(AppError::invalid_field(
            "text",
            format!("A line can hold at most {MAX_LINE_WORDS} words and {MAX_LINE_CHARS} characters."),
        ));
    }
    Ok(words.join(" "))
}

/// Saves a line's new text, re-timing its words. When someone else changed that line since the
/// editor loaded it, nothing is saved and their text comes back for the editor to choose.
pub async fn edit_line(auth: &RequestAuth, slug: &str, id: &str, edit: LineEdit) -> Result<EditOutcome, AppError> {
    let id = recording_id(id)?;
    let text = clean_line(&edit.text)?;
    let (access, _, mut tx) =
        authorize_resource(auth, slug, Resource::Recording(id), Permission::TranscriptsEdit).await?;
    let transcript = lock_transcript(&mut tx, id).await?;
    let Some(current) = line(&mut tx, transcript.transcript_id, edit.line).await? else {
        return Err(AppError::Conflict(
            "That line is no longer in the transcript (it was transcribed again or restored); reload to see it now."
                .into(),
        ));
    };
    if !same_words(&current.view.text, &edit.original) {
        let by = last_editor(&mut tx, transcript.transcript_id).await?;
        tx.commit().await?;
        return Ok(EditOutcome::Conflict {
            version: transcript.version,
            theirs: current.view,
            by,
        });
    }
    let others_changed = transcript.version != edit.base_version;
    if same_words(&current.view.text, &text) {
        tx.commit().await?;
        return Ok(EditOutcome::Saved {
            version: transcript.version,
            line: current.view,
            others_changed,
        });
    }
    keep_first_version(&mut tx, transcript.transcript_id).await?;
    let old: Vec<TimedWord> = current.view.words.clone();
    let words = align::realign(&old, &text, (current.view.start_ms, current.view.end_ms));
    sqlx::query!(
        "update transcript_segments set text = $2 where id = $1",
        current.id,
        text
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("delete from transcript_words where segment_id = $1", current.id)
        .execute(&mut *tx)
        .await?;
    let drafts: Vec<WordDraft> = words.iter().map(word_draft).collect();
    super::store::insert_words(&mut tx, access.workspace.id, &[current.id], &[&drafts]).await?;
    let version = record_change(
        &mut tx,
        &access,
        auth,
        id,
        &transcript,
        "edited",
        AuditAction::TranscriptEdited,
        serde_json::json!({ "line": edit.line }),
    )
    .await?;
    tx.commit().await?;
    Ok(EditOutcome::Saved {
        version,
        line: SegmentView {
            text,
            words,
            ..current.view
        },
        others_changed,
    })
}

fn word_draft((start_ms, end_ms, text): &TimedWord) -> WordDraft {
    WordDraft {
        start_ms: *start_ms,
        end_ms: *end_ms,
        text: text.clone(),
        confidence: None,
    }
}

/// The transcript's kept versions, newest first.
pub async fn versions(auth: &RequestAuth, slug: &str, id: &str) -> Result<Vec<VersionItem>, AppError> {
    let id = recording_id(id)?;
    let (_, _, mut tx) = authorize_resource(auth, slug, Resource::Recording(id), Permission::TranscriptsRead).await?;
    let rows = sqlx::query!(
        "select v.version, v.reason, v.word_count, v.created_at, v.updated_at, u.name as \"author?\",
                v.version = t.version as \"current!\"
         from transcript_versions v
         join transcripts t on t.id = v.transcript_id
         left join users u on u.id = v.author_id
         where t.recording_id = $1
         order by v.version desc",
        id
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| VersionItem {
            version: r.version,
            reason: r.reason,
            author: r.author,
            at: format_time(r.updated_at),
            started_at: (r.updated_at - r.created_at > time::Duration::minutes(1)).then(|| format_time(r.created_at)),
            word_count: r.word_count,
            current: r.current,
        })
        .collect())
}

#[derive(serde::Deserialize)]
struct KeptLine {
    start_ms: i64,
    end_ms: i64,
    text: String,
    speaker: Option<String>,
    words: Vec<TimedWord>,
}

/// Brings back a kept version as the newest one (the versions in between stay in the history).
pub async fn restore(auth: &RequestAuth, slug: &str, id: &str, version: i32) -> Result<String, AppError> {
    let id = recording_id(id)?;
    let (access, _, mut tx) =
        authorize_resource(auth, slug, Resource::Recording(id), Permission::TranscriptsEdit).await?;
    let transcript = lock_transcript(&mut tx, id).await?;
    if version == transcript.version {
        return Err(AppError::Conflict("That is the version shown now.".into()));
    }
    let kept = sqlx::query_scalar!(
        "select segments from transcript_versions where transcript_id = $1 and version = $2",
        transcript.transcript_id,
        version
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That version".into()))?;
    let lines: Vec<KeptLine> = serde_json::from_value(kept).map_err(|e| {
        tracing::error!(error = %e, version, "a kept transcript version does not read back");
        AppError::Internal
    })?;
    keep_first_version(&mut tx, transcript.transcript_id).await?;
    let labels: Vec<Option<&str>> = lines.iter().map(|l| l.speaker.as_deref()).collect();
    let speakers = speaker_ids(&mut tx, access.workspace.id, transcript.transcript_id, &labels).await?;
    let drafts: Vec<SegmentDraft> = lines
        .iter()
        .map(|l| SegmentDraft {
            start_ms: l.start_ms,
            end_ms: l.end_ms,
            text: l.text.clone(),
            confidence: None,
            words: l.words.iter().map(word_draft).collect(),
        })
        .collect();
    super::store::replace_segments(
        &mut tx,
        access.workspace.id,
        transcript.transcript_id,
        &drafts,
        &speakers,
    )
    .await?;
    let now = record_change(
        &mut tx,
        &access,
        auth,
        id,
        &transcript,
        "restored",
        AuditAction::TranscriptRestored,
        serde_json::json!({ "restored": version.to_string() }),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("Version {version} is back, as version {now}."))
}

/// The speaker of each line, by label (at most 50 characters), made if the transcript lacks it.
pub(crate) async fn speaker_ids(
    conn: &mut PgConnection,
    workspace: Uuid,
    transcript_id: Uuid,
    labels: &[Option<&str>],
) -> Result<Vec<Option<Uuid>>, sqlx::Error> {
    let mut ids = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(labels.len());
    for label in labels {
        let Some(label) = label.map(|l| l.chars().take(50).collect::<String>()) else {
            out.push(None);
            continue;
        };
        let label = &label;
        if !ids.contains_key(label) {
            let id = sqlx::query_scalar!(
                "insert into transcript_speakers (id, workspace_id, transcript_id, label) values ($1, $2, $3, $4)
                 on conflict (transcript_id, label) do update set label = excluded.label
                 returning id",
                Uuid::new_v4(),
                workspace,
                transcript_id,
                label
            )
            .fetch_one(&mut *conn)
            .await?;
            ids.insert(label.clone(), id);
        }
        out.push(ids.get(label).copied());
    }
    Ok(out)
}
