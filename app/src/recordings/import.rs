//! Importing the first AudioTricks' history. That app kept every result in the browser
//! (localStorage key `audioTricks_history`, a JSON array of entries:
//! `{id, timestamp, title, duration?, wordCount, language, results: {transcript: {text, language?,
//! duration?}, summary: {summary, key_moments: [{timestamp, title, description, importance}],
//! total_duration?, word_count, language?}, processing_time}}`), and people lost it when the
//! browser's storage was cleared. Each entry becomes a recording without audio (status
//! `imported`, its stored object the entry itself), a transcript cut into sentences with
//! estimated times, and its summary and key moments. Each entry that cannot be read is reported on
//! its own; the rest are imported. An entry imported before is skipped.

use serde_json::Value;
use uuid::Uuid;

use super::{uploads::audit_on, ImportReport, ImportedItem};
use crate::{
    accounts::session::RequestAuth,
    audit::{self, AuditAction},
    error::AppError,
    storage::{
        keys::ObjectKey,
        usage::{self, StorageChange},
    },
    transcription::{summary::KeyMoment, SegmentDraft},
    workspaces::{service::authorize, Need, Permission},
};

/// The most a pasted or uploaded history may hold (the old app lived within the browser's 5 MB).
pub const MAX_HISTORY_BYTES: usize = 8 * 1024 * 1024;
/// Request bodies to the import may be this large (the form encodes the JSON).
pub const IMPORT_BODY_LIMIT: usize = 3 * MAX_HISTORY_BYTES;
pub const MAX_ENTRIES: usize = 500;
/// Speaking pace used when an entry does not say how long it was.
const WORDS_PER_MINUTE: i64 = 150;
/// Longest line cut from an imported text.
const LINE_WORDS: usize = 40;
pub const IMPORT_ENGINE: &str = "import:audiotricks";

/// One entry, read.
#[derive(Debug, PartialEq)]
pub struct Entry {
    pub source_id: String,
    pub title: String,
    pub created_at: Option<time::OffsetDateTime>,
    pub duration_ms: Option<i64>,
    pub language: Option<String>,
    pub text: String,
    pub summary: Option<String>,
    pub key_moments: Vec<KeyMoment>,
    /// Key moments left out because their time could not be read.
    pub unreadable_moments: usize,
}

fn text_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut at = v;
    for key in path {
        at = at.get(key)?;
    }
    at.as_str().map(str::trim).filter(|s| !s.is_empty())
}

fn number_at(v: &Value, path: &[&str]) -> Option<f64> {
    let mut at = v;
    for key in path {
        at = at.get(key)?;
    }
    at.as_f64().filter(|n| n.is_finite() && *n >= 0.0)
}

/// Reads entry `n` (counting from 1), or says in words why it cannot be imported.
pub fn read_entry(n: usize, v: &Value) -> Result<Entry, String> {
    if !v.is_object() {
        return Err(format!(
            "Entry {n} is not an entry of the old history (it is not an object)."
        ));
    }
    let named = |why: &str| match text_at(v, &["title"]) {
        Some(title) => format!("Entry {n} (\u{201c}{title}\u{201d}): {why}"),
        None => format!("Entry {n}: {why}"),
    };
    let source_id = match v.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 100 => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(named("it has no id, so it cannot be told apart from others.")),
    };
    let text = text_at(v, &["results", "transcript", "text"])
        .ok_or_else(|| named("it has no transcript text."))?
        .to_owned();
    if text.len() > 1024 * 1024 {
        return Err(named("its transcript is over 1 MB."));
    }
    let created_at = text_at(v, &["timestamp"])
        .and_then(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok());
    let title = text_at(v, &["title"])
        .map(|t| t.chars().filter(|c| !c.is_control()).take(200).collect::<String>())
        .unwrap_or_else(|| {
            let words: Vec<&str> = text.split_whitespace().take(8).collect();
            format!("{}…", words.join(" "))
        });
    let seconds = number_at(v, &["duration"])
        .or_else(|| number_at(v, &["results", "transcript", "duration"]))
        .or_else(|| number_at(v, &["results", "summary", "total_duration"]));
    let language = text_at(v, &["language"])
        .or_else(|| text_at(v, &["results", "transcript", "language"]))
        .map(|l| l.chars().take(10).collect());
    let mut key_moments = Vec::new();
    let mut unreadable_moments = 0;
    if let Some(moments) = v.pointer("/results/summary/key_moments").and_then(Value::as_array) {
        for m in moments {
            let title = text_at(m, &["title"]).or_else(|| text_at(m, &["description"]));
            match (
                text_at(m, &["timestamp"]).and_then(crate::transcription::clock_ms),
                title,
            ) {
                (Some(ms), Some(title)) => key_moments.push(KeyMoment {
                    ms,
                    title: title.chars().take(200).collect(),
                }),
                _ => unreadable_moments += 1,
            }
        }
    }
    key_moments.sort_by_key(|m| m.ms);
    key_moments.truncate(10);
    Ok(Entry {
        source_id,
        title,
        created_at,
        duration_ms: seconds.map(|s| (s * 1000.0).round() as i64),
        language,
        text,
        summary: text_at(v, &["results", "summary", "summary"]).map(str::to_owned),
        key_moments,
        unreadable_moments,
    })
}

/// The text cut into lines at sentence ends (at most `LINE_WORDS` words each), spread over
/// `duration_ms` by length, or at an ordinary speaking pace when it is not known.
pub fn lines(text: &str, duration_ms: Option<i64>) -> Vec<SegmentDraft> {
    let mut cut: Vec<Vec<&str>> = vec![Vec::new()];
    for word in text.split_whitespace() {
        let line = cut.last_mut().expect("there is always a line");
        line.push(word);
        if line.len() >= LINE_WORDS || word.ends_with(['.', '!', '?']) {
            cut.push(Vec::new());
        }
    }
    cut.retain(|l| !l.is_empty());
    let words: i64 = cut.iter().map(|l| l.len() as i64).sum();
    let total = duration_ms
        .filter(|d| *d > 0)
        .unwrap_or(words * 60_000 / WORDS_PER_MINUTE);
    let chars: i64 = cut
        .iter()
        .map(|l| l.join(" ").chars().count() as i64)
        .sum::<i64>()
        .max(1);
    let mut before = 0;
    cut.into_iter()
        .map(|l| {
            let text = l.join(" ");
            let start = total * before / chars;
            before += text.chars().count() as i64;
            SegmentDraft {
                start_ms: start,
                end_ms: total * before / chars,
                text,
                confidence: None,
                words: Vec::new(),
            }
        })
        .collect()
}

/// Reads the pasted or uploaded history: the array itself, or an object holding it under the old
/// app's key.
fn entries(history: &str) -> Result<Vec<Value>, AppError> {
    if history.trim().is_empty() {
        return Err(AppError::invalid_field(
            "history",
            "Paste the history, or choose its file.",
        ));
    }
    if history.len() > MAX_HISTORY_BYTES {
        return Err(AppError::invalid_field(
            "history",
            format!(
                "That is over {} MB; the old app never kept that much.",
                MAX_HISTORY_BYTES >> 20
            ),
        ));
    }
    let value: Value = serde_json::from_str(history).map_err(|e| {
        AppError::invalid_field(
            "history",
            format!("This is not the old app's history: it is not JSON ({e})."),
        )
    })?;
    let value = match value {
        Value::Object(mut o) => match o.remove("audioTricks_history") {
            Some(Value::String(inner)) => serde_json::from_str(&inner).unwrap_or(Value::Null),
            Some(inner) => inner,
            None => Value::Object(o),
        },
        other => other,
    };
    let Value::Array(list) = value else {
        return Err(AppError::invalid_field(
            "history",
            "This is not the old app's history: that is a list of entries, in square brackets.",
        ));
    };
    if list.len() > MAX_ENTRIES {
        return Err(AppError::invalid_field(
            "history",
            format!(
                "That is {} entries; import at most {MAX_ENTRIES} at a time.",
                list.len()
            ),
        ));
    }
    Ok(list)
}

pub async fn import(auth: &RequestAuth, slug: &str, history: &str) -> Result<ImportReport, AppError> {
    let list = entries(history)?;
    let (access, mut tx) = authorize(auth, slug, Need::Permission(Permission::TranscriptsCreate)).await?;
    let mut report = ImportReport::default();
    let scratch = std::env::temp_dir().join(format!("audiotricks-import-{}", Uuid::new_v4().simple()));
    for (i, raw) in list.iter().enumerate() {
        let entry = match read_entry(i + 1, raw) {
            Ok(entry) => entry,
            Err(why) => {
                report.problems.push(why);
                continue;
            }
        };
        let source = format!("audiotricks:{}", entry.source_id);
        let seen = sqlx::query_scalar!(
            "select exists (select 1 from recordings where workspace_id = $1 and imported_from = $2) as \"e!\"",
            access.workspace.id,
            source
        )
        .fetch_one(&mut *tx)
        .await?;
        if seen {
            report.skipped.push(entry.title);
            continue;
        }
        if entry.unreadable_moments > 0 {
            report.notes.push(format!(
                "Entry {} (\u{201c}{}\u{201d}): {} key moment(s) had no readable time and were left out.",
                i + 1,
                entry.title,
                entry.unreadable_moments
            ));
        }
        let id = Uuid::new_v4();
        let key = ObjectKey::recording(access.workspace.id, id);
        let original = serde_json::to_vec_pretty(raw).expect("JSON serializes");
        let size = original.len() as i64;
        sqlx::query!(
            "insert into recordings (id, workspace_id, title, file_name, status, size_bytes, object_key, format,
                                     content_type, duration_ms, created_by, created_at, imported_from)
             values ($1, $2, $3, $4, 'imported', $5, $6, 'AudioTricks history', 'application/json', $7, $8,
                     coalesce($9, now()), $10)",
            id,
            access.workspace.id,
            entry.title,
            format!(
                "audiotricks-history-{}.json",
                entry
                    .source_id
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(40)
                    .collect::<String>()
            ),
            size,
            key.as_str(),
            entry.duration_ms,
            access.user.id,
            entry.created_at,
            source
        )
        .execute(&mut *tx)
        .await?;
        crate::transcription::store::import_transcript(
            &mut tx,
            access.workspace.id,
            id,
            entry.language.as_deref(),
            &lines(&entry.text, entry.duration_ms),
            entry.summary.as_deref(),
            &entry.key_moments,
        )
        .await?;
        usage::record(
            &mut tx,
            StorageChange {
                workspace: access.workspace.id,
                bytes: size,
                objects: 1,
                kind: "storage.added",
                idempotency_key: format!("recording:{id}:added"),
                metadata: serde_json::json!({ "recording": id, "imported": true }),
            },
        )
        .await?;
        audit::service::record(
            &mut tx,
            audit_on(&access, AuditAction::RecordingImported, auth, id)
                .metadata(serde_json::json!({ "title": entry.title })),
        )
        .await?;
        std::fs::write(&scratch, &original).map_err(|e| AppError::internal(format!("writing an import: {e}")))?;
        let stored = auth.state.storage.put_file(&key, &scratch).await;
        let _ = std::fs::remove_file(&scratch);
        stored.map_err(AppError::from)?;
        report.imported.push(ImportedItem {
            id: id.to_string(),
            title: entry.title,
        });
    }
    tx.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn old_entry() -> Value {
        json!({
            "id": "1718000000000",
            "timestamp": "2024-06-10T08:30:00.000Z",
            "title": "Weekly planning",
            "duration": 90,
            "wordCount": 12,
            "language": "en",
            "results": {
                "transcript": { "text": "Good morning. We plan the week now! Any questions?" },
                "summary": {
                    "summary": "The team planned the week.",
                    "key_moments": [
                        { "timestamp": "0:45", "title": "Plan", "description": "", "importance": "high" },
                        { "timestamp": "soon", "title": "Later", "description": "", "importance": "low" }
                    ],
                    "word_count": 12
                },
                "processing_time": 3.2
            }
        })
    }

    #[test]
    fn an_old_entry_reads_with_its_date_length_summary_and_moments() {
        let e = read_entry(1, &old_entry()).unwrap();
        assert_eq!(e.source_id, "1718000000000");
        assert_eq!(e.title, "Weekly planning");
        assert_eq!(e.duration_ms, Some(90_000));
        assert_eq!(e.created_at.unwrap().year(), 2024);
        assert_eq!(e.summary.as_deref(), Some("The team planned the week."));
        assert_eq!(
            e.key_moments,
            [KeyMoment {
                ms: 45_000,
                title: "Plan".into()
            }]
        );
        assert_eq!(e.unreadable_moments, 1);
    }

    #[test]
    fn a_broken_entry_says_which_and_why() {
        assert_eq!(
            read_entry(2, &json!("text")).unwrap_err(),
            "Entry 2 is not an entry of the old history (it is not an object)."
        );
        let mut no_text = old_entry();
        no_text["results"]["transcript"]["text"] = json!("  ");
        assert_eq!(
            read_entry(3, &no_text).unwrap_err(),
            "Entry 3 (\u{201c}Weekly planning\u{201d}): it has no transcript text."
        );
        let mut no_id = old_entry();
        no_id.as_object_mut().unwrap().remove("id");
        assert!(read_entry(4, &no_id).unwrap_err().contains("no id"));
    }

    #[test]
    fn times_read_in_the_forms_the_old_app_wrote() {
        assert_eq!(crate::transcription::clock_ms("2:03"), Some(123_000));
        assert_eq!(crate::transcription::clock_ms("1:02:03"), Some(3_723_000));
        assert_eq!(crate::transcription::clock_ms("[00:30]"), Some(30_000));
        assert_eq!(crate::transcription::clock_ms("75s"), Some(75_000));
        assert_eq!(crate::transcription::clock_ms("1:75"), None);
        assert_eq!(crate::transcription::clock_ms("soon"), None);
    }

    #[test]
    fn text_becomes_sentence_lines_spread_over_the_length() {
        let got = lines("Good morning. We plan the week now! Any questions?", Some(9_000));
        let texts: Vec<&str> = got.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Good morning.", "We plan the week now!", "Any questions?"]);
        assert_eq!(got[0].start_ms, 0);
        assert_eq!(got.last().unwrap().end_ms, 9_000);
        assert!(got.windows(2).all(|w| w[0].end_ms == w[1].start_ms));
        // Without a length: an ordinary speaking pace (9 words at 150 a minute).
        assert_eq!(
            lines("Good morning. We plan the week now! Any questions?", None)
                .last()
                .unwrap()
                .end_ms,
            3_600
        );
    }

    #[test]
    fn the_history_must_be_a_list_and_may_come_wrapped() {
        assert!(entries("{\"a\": 1}").is_err());
        assert!(entries("not json").unwrap_err().to_string().contains("not JSON"));
        assert!(entries("").is_err());
        let wrapped = json!({ "audioTricks_history": serde_json::to_string(&json!([old_entry()])).unwrap() });
        assert_eq!(entries(&wrapped.to_string()).unwrap().len(), 1);
    }
}
