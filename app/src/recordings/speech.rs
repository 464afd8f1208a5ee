//! Voice synthesis: a transcript or its summary spoken aloud, by espeak-ng on this server (the
//! default; offline) or by ElevenLabs with the workspace's key, and stored as a recording of its
//! own (made by the `Speak` job, which reads it back and queues its transcription like an upload). Characters spoken
//! are counted in the usage ledger.

use serde::{Deserialize, Serialize};

/// What to speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Spoken {
    Transcript,
    Summary,
}

impl Spoken {
    pub fn key(self) -> &'static str {
        match self {
            Self::Transcript => "transcript",
            Self::Summary => "summary",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Transcript, Self::Summary].into_iter().find(|s| s.key() == key)
    }
}

/// Who speaks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Voicer {
    /// espeak-ng on this server.
    Local,
    ElevenLabs,
}

impl Voicer {
    pub fn key(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::ElevenLabs => "elevenlabs",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Local, Self::ElevenLabs].into_iter().find(|s| s.key() == key)
    }

    /// The most it speaks at once: espeak-ng is free; ElevenLabs bills by the character.
    pub fn max_characters(self) -> usize {
        match self {
            Self::Local => 100_000,
            Self::ElevenLabs => 20_000,
        }
    }
}

/// A read-aloud recording, as the pages of it and of its source link it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpokenLink {
    pub id: String,
    pub title: String,
    pub spoken: Spoken,
    pub voice_name: String,
    pub rendering: bool,
    /// The page shows this read-aloud recording itself.
    pub current: bool,
    pub source_id: Option<String>,
    pub source_title: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voice {
    pub id: String,
    pub name: String,
}

/// espeak-ng's voices offered (name and variant as `espeak-ng -v` takes them).
pub const LOCAL_VOICES: [(&str, &str); 5] = [
    ("en-us", "American English, male"),
    ("en-us+f3", "American English, female"),
    ("en-gb", "British English, male"),
    ("en-gb+f3", "British English, female"),
    ("en-gb-scotland", "Scottish English"),
];

pub fn local_voices() -> Vec<Voice> {
    LOCAL_VOICES
        .iter()
        .map(|(id, name)| Voice {
            id: (*id).to_owned(),
            name: (*name).to_owned(),
        })
        .collect()
}

/// Cuts `text` into pieces of at most `max` characters, at sentence ends where it can (then at
/// spaces), so each request to a voice service stays within its limit.
pub fn pieces(text: &str, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for sentence in text.split_inclusive(['.', '!', '?', '\n']) {
        if current.chars().count() + sentence.chars().count() > max && !current.trim().is_empty() {
            out.push(std::mem::take(&mut current).trim().to_owned());
        }
        if sentence.chars().count() > max {
            for word in sentence.split_inclusive(' ') {
                if current.chars().count() + word.chars().count() > max && !current.trim().is_empty() {
                    out.push(std::mem::take(&mut current).trim().to_owned());
                }
                // A "word" longer than a piece (a pasted URL, say) is cut where the limit falls.
                let mut rest: Vec<char> = word.chars().collect();
                while rest.len() > max {
                    out.push(rest.drain(..max).collect::<String>().trim().to_owned());
                }
                current.extend(rest);
            }
        } else {
            current.push_str(sentence);
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

#[cfg(feature = "ssr")]
pub use service::{speak, spoken_links, voices, SPEECH_MODEL};

#[cfg(feature = "ssr")]
mod service {
    use std::time::Duration;

    use uuid::Uuid;

    use super::{Spoken, Voice, Voicer};
    use crate::{
        accounts::session::RequestAuth,
        audit::{self, AuditAction},
        error::AppError,
        providers::{service::key_for, Provider},
        recordings::{derived, uploads::audit_on},
        server::jobs::NewJob,
        transcription::pipeline::{Speak, TranscriptionPayload},
        workspaces::{service::authorize, Permission},
    };

    /// Read-aloud recordings made from `recording` still in the library, and what it was read
    /// from when it is one.
    pub async fn spoken_links(
        conn: &mut sqlx::PgConnection,
        recording: Uuid,
    ) -> Result<Vec<super::SpokenLink>, sqlx::Error> {
        let rows = sqlx::query!(
            r#"select r.id, r.title, r.status, v.spoken, v.voice_name, v.source_id, s.title as "source_title?"
               from spoken_versions v
               join recordings r on r.id = v.recording_id
               left join recordings s on s.id = v.source_id and s.deleted_at is null
               where r.deleted_at is null and (v.source_id = $1 or v.recording_id = $1)
               order by r.created_at"#,
            recording
        )
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| super::SpokenLink {
                current: r.id == recording,
                id: r.id.to_string(),
                title: r.title,
                spoken: Spoken::from_key(&r.spoken).unwrap_or(Spoken::Transcript),
                voice_name: r.voice_name,
                rendering: r.status == "rendering",
                source_id: r.source_title.as_ref().and(r.source_id).map(|s| s.to_string()),
                source_title: r.source_title,
            })
            .collect())
    }

    /// ElevenLabs' model asked for: it speaks most languages.
    pub const SPEECH_MODEL: &str = "eleven_multilingual_v2";

    fn client() -> Result<reqwest::Client, AppError> {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(AppError::internal)
    }

    /// The voices `engine` offers this workspace (ElevenLabs' from `/v1/voices`, with its key).
    pub async fn voices(auth: &RequestAuth, slug: &str, engine: &str) -> Result<Vec<Voice>, AppError> {
        let engine = Voicer::from_key(engine)
            .ok_or_else(|| AppError::invalid_field("engine", "Choose one of the voices offered."))?;
        let (_access, mut tx) = authorize(auth, slug, Permission::TranscriptsCreate).await?;
        if engine == Voicer::Local {
            return Ok(super::local_voices());
        }
        let config = &auth.state.config.providers;
        let key = key_for(&mut tx, auth.state.secrets.as_deref(), config, Provider::ElevenLabs)
            .await?
            .ok_or_else(|| AppError::Conflict("Add an ElevenLabs key on the API keys page first.".into()))?;
        tx.commit().await?;
        #[derive(serde::Deserialize)]
        struct Listed {
            voice_id: String,
            name: String,
        }
        #[derive(serde::Deserialize)]
        struct Answer {
            voices: Vec<Listed>,
        }
        let answer = client()?
            .get(format!("{}/v1/voices", config.elevenlabs_base_url))
            .header("xi-api-key", key)
            .send()
            .await
            .map_err(|_| AppError::Unavailable("ElevenLabs could not be reached from the server.".into()))?;
        match answer.status().as_u16() {
            200 => {}
            401 | 403 => return Err(AppError::Conflict("ElevenLabs refused the workspace's key.".into())),
            code => {
                return Err(AppError::Unavailable(format!(
                    "ElevenLabs answered {code}; try again later."
                )))
            }
        }
        let listed: Answer = answer
            .json()
            .await
            .map_err(|e| AppError::Unavailable(format!("ElevenLabs' voice list could not be read ({e}).")))?;
        let mut voices: Vec<Voice> = listed
            .voices
            .into_iter()
            .filter(|v| !v.voice_id.is_empty() && v.voice_id.len() <= 100)
            .map(|v| Voice {
                id: v.voice_id,
                name: v.name.chars().take(200).collect(),
            })
            .collect();
        voices.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()));
        Ok(voices)
    }

    /// Queues speaking the recording's transcript or summary with `voice`; answers the new
    /// recording's id.
    pub async fn speak(
        auth: &RequestAuth,
        slug: &str,
        source: &str,
        what: &str,
        engine: &str,
        voice: &str,
        voice_name: &str,
    ) -> Result<String, AppError> {
        let what = Spoken::from_key(what)
            .ok_or_else(|| AppError::invalid_field("what", "Choose the transcript or the summary."))?;
        let engine = Voicer::from_key(engine)
            .ok_or_else(|| AppError::invalid_field("engine", "Choose one of the voices offered."))?;
        let voice = voice.trim();
        let voice_name = match engine {
            Voicer::Local => super::LOCAL_VOICES
                .iter()
                .find(|(id, _)| *id == voice)
                .map(|(_, name)| (*name).to_owned())
                .ok_or_else(|| AppError::invalid_field("voice", "Choose one of the voices offered."))?,
            Voicer::ElevenLabs => {
                if voice.is_empty() || voice.len() > 100 || !voice.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(AppError::invalid_field("voice", "Choose one of the voices offered."));
                }
                let name: String = voice_name
                    .trim()
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect();
                if name.is_empty() {
                    voice.to_owned()
                } else {
                    name
                }
            }
        };
        let (access, source, mut tx) = derived::authorize_source(auth, slug, source).await?;
        let row = sqlx::query!(
            r#"select r.title, r.file_name, r.status, r.deleted_at is not null as "in_trash!", tr.text as "transcript?",
                      s.text as "summary?"
               from recordings r
               left join transcripts tr on tr.recording_id = r.id
               left join summaries s on s.transcript_id = tr.id
               where r.id = $1"#,
            source
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::NotFound("That recording".into()))?;
        if row.in_trash {
            return Err(AppError::Conflict("Restore it from the trash first.".into()));
        }
        let text = match what {
            Spoken::Summary => row.summary,
            Spoken::Transcript => row.transcript,
        }
        .unwrap_or_default()
        .trim()
        .to_owned();
        let characters = text.chars().count();
        if characters == 0 {
            return Err(AppError::invalid_field(
                "what",
                format!("This recording has no {} to speak yet.", what.key()),
            ));
        }
        if characters > engine.max_characters() {
            return Err(AppError::invalid_field(
                "what",
                format!(
                    "That is {characters} characters; this voice speaks at most {} at a time.",
                    engine.max_characters()
                ),
            ));
        }
        if engine == Voicer::ElevenLabs {
            let config = &auth.state.config.providers;
            if !crate::providers::service::key_available(&mut tx, config, Provider::ElevenLabs).await? {
                return Err(AppError::Conflict(
                    "Add an ElevenLabs key on the API keys page first.".into(),
                ));
            }
        }
        let id = Uuid::new_v4();
        let title = format!("{} \u{2014} spoken {}", row.title, what.key());
        let file_name = format!("{}-spoken-{}.mp3", derived::stem(&row.file_name), what.key());
        let payload = TranscriptionPayload {
            workspace_id: access.workspace.id,
            recording_id: id,
        };
        derived::start(
            &mut tx,
            &access,
            derived::Made {
                id,
                title: &title,
                file_name: &file_name,
                duration_ms: None,
                summary_style: "brief",
            },
            NewJob::of::<Speak>(&payload),
        )
        .await?;
        sqlx::query!(
            "insert into spoken_versions (recording_id, workspace_id, source_id, spoken, engine, voice, voice_name, text,
                                          characters, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            id,
            access.workspace.id,
            source,
            what.key(),
            engine.key(),
            voice,
            voice_name,
            text,
            characters as i32,
            access.user.id
        )
        .execute(&mut *tx)
        .await?;
        audit::service::record(
            &mut tx,
            audit_on(&access, AuditAction::RecordingSpoken, auth, id).metadata(serde_json::json!({
                "title": title,
                "source": source,
                "spoken": what.key(),
                "engine": engine.key(),
                "voice": voice_name,
                "characters": characters,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_at_sentence_ends_within_the_limit() {
        let text = "One two three. Four five six! Seven eight nine? Ten.";
        let cut = pieces(text, 30);
        assert_eq!(cut, ["One two three. Four five six!", "Seven eight nine? Ten."]);
        assert!(cut.iter().all(|p| p.chars().count() <= 30));
        assert_eq!(cut.join(" "), text);
        // A sentence longer than the limit is cut at spaces.
        let long = "a".repeat(8) + " " + &"b".repeat(8) + " " + &"c".repeat(8) + ".";
        let cut = pieces(&long, 12);
        assert!(cut.iter().all(|p| p.chars().count() <= 12), "{cut:?}");
        assert_eq!(cut.join(" "), long);
        assert!(pieces("  ", 10).is_empty());
        let word = "x".repeat(25);
        let cut = pieces(&word, 10);
        assert!(cut.iter().all(|p| p.chars().count() <= 10), "{cut:?}");
        assert_eq!(cut.concat(), word);
    }
}
