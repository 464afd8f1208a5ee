//! Reading transcripts back: for the summary job, the recording page and public links. Runs in
//! the caller's transaction, so Row-Level Security decides what is visible.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    summary::{KeyMoment, SummaryStyle},
    EngineChoice, SegmentDraft, SegmentView, Stage, SummaryView, TranscriptBody, TranscriptionState, WordDraft,
};

/// The transcript's lines (all, or the one at `position`) with their ids, words and who speaks
/// each, in order: one query.
pub async fn lines(
    conn: &mut PgConnection,
    transcript_id: Uuid,
    position: Option<i32>,
) -> Result<Vec<(i64, SegmentDraft, Option<String>)>, sqlx::Error> {
    let rows = sqlx::query!(
        "select s.id, s.start_ms, s.end_ms, s.text, s.confidence,
                min(coalesce(sp.display_name, sp.label)) as speaker,
                coalesce(array_agg(w.text order by w.position) filter (where w.id is not null), '{}') as \"word_texts!\",
                coalesce(array_agg(w.start_ms order by w.position) filter (where w.id is not null), '{}') as \"word_starts!\",
                coalesce(array_agg(w.end_ms order by w.position) filter (where w.id is not null), '{}') as \"word_ends!\"
         from transcript_segments s
         left join transcript_speakers sp on sp.id = s.speaker_id
         left join transcript_words w on w.segment_id = s.id
         where s.transcript_id = $1 and ($2::int is null or s.position = $2)
         group by s.id
         order by s.position",
        transcript_id,
        position
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let segment = SegmentDraft {
                start_ms: r.start_ms,
                end_ms: r.end_ms,
                text: r.text,
                confidence: r.confidence,
                words: r
                    .word_texts
                    .into_iter()
                    .zip(r.word_starts)
                    .zip(r.word_ends)
                    .map(|((text, start_ms), end_ms)| WordDraft {
                        start_ms,
                        end_ms,
                        text,
                        confidence: None,
                    })
                    .collect(),
            };
            (r.id, segment, r.speaker)
        })
        .collect())
}

/// Every line of the transcript with its words and who speaks it, in order.
pub async fn segments(
    conn: &mut PgConnection,
    transcript_id: Uuid,
) -> Result<Vec<(SegmentDraft, Option<String>)>, sqlx::Error> {
    Ok(lines(conn, transcript_id, None)
        .await?
        .into_iter()
        .map(|(_, segment, speaker)| (segment, speaker))
        .collect())
}

/// A line as pages show it.
pub fn view_of(segment: SegmentDraft, speaker: Option<String>) -> SegmentView {
    SegmentView {
        start_ms: segment.start_ms,
        end_ms: segment.end_ms,
        text: segment.text,
        speaker,
        words: segment
            .words
            .into_iter()
            .map(|w| (w.start_ms, w.end_ms, w.text))
            .collect(),
    }
}

async fn summary_of(conn: &mut PgConnection, transcript_id: Uuid) -> Result<Option<SummaryView>, sqlx::Error> {
    Ok(sqlx::query!(
        "select style, method, text, key_moments from summaries where transcript_id = $1",
        transcript_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .map(|s| SummaryView {
        style: SummaryStyle::from_key(&s.style).unwrap_or(SummaryStyle::Brief),
        method: s.method,
        text: s.text,
        key_moments: serde_json::from_value::<Vec<KeyMoment>>(s.key_moments).unwrap_or_default(),
    }))
}

pub async fn state(conn: &mut PgConnection, recording_id: Uuid) -> Result<Option<TranscriptionState>, sqlx::Error> {
    let row = sqlx::query!(
        "select stage, percent, error, engine, requested_engine,
                (extract(epoch from updated_at) * 1000)::bigint as \"updated_ms!\"
         from transcriptions where recording_id = $1",
        recording_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| TranscriptionState {
        recording_id: recording_id.to_string(),
        stage: Stage::from_key(&r.stage).unwrap_or(Stage::Failed),
        percent: r.percent,
        error: r.error,
        engine: r.engine,
        requested_engine: EngineChoice::from_key(&r.requested_engine).unwrap_or(EngineChoice::Local),
        updated_ms: r.updated_ms,
    }))
}

/// The transcript (segments with their words and speakers) and its summary.
pub async fn transcript(
    conn: &mut PgConnection,
    recording_id: Uuid,
) -> Result<(Option<TranscriptBody>, Option<SummaryView>), sqlx::Error> {
    let Some(t) = sqlx::query!(
        "select id, version, language, engine from transcripts where recording_id = $1",
        recording_id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok((None, None));
    };
    let segments = segments(conn, t.id).await?;
    let word_count = segments.iter().map(|(s, _)| s.words.len() as i64).sum();
    let summary = summary_of(conn, t.id).await?;
    let body = TranscriptBody {
        version: t.version,
        language: t.language,
        engine: t.engine,
        segments: segments.into_iter().map(|(s, speaker)| view_of(s, speaker)).collect(),
        word_count,
    };
    Ok((Some(body), summary))
}

/// The recording's transcript with words and speakers, for an export; None before there is one.
pub async fn document(
    conn: &mut PgConnection,
    recording_id: Uuid,
) -> Result<Option<super::export::Document>, sqlx::Error> {
    let Some(t) = sqlx::query!(
        "select t.id, t.language, r.title from transcripts t join recordings r on r.id = t.recording_id
         where t.recording_id = $1",
        recording_id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(super::export::Document {
        title: t.title,
        language: t.language,
        segments: segments(conn, t.id).await?,
        summary: summary_of(conn, t.id).await?,
    }))
}

/// Replaces the transcript's lines and their words; `speakers[i]` (when given) speaks line `i`.
pub async fn replace_segments(
    conn: &mut PgConnection,
    workspace: Uuid,
    transcript_id: Uuid,
    segments: &[SegmentDraft],
    speakers: &[Option<Uuid>],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from transcript_segments where transcript_id = $1",
        transcript_id
    )
    .execute(&mut *conn)
    .await?;
    let positions: Vec<i32> = (0..segments.len() as i32).collect();
    let speakers: Vec<Option<Uuid>> = (0..segments.len())
        .map(|i| speakers.get(i).copied().flatten())
        .collect();
    let segment_ids = sqlx::query_scalar!(
        "insert into transcript_segments (workspace_id, transcript_id, position, start_ms, end_ms, text, confidence, speaker_id)
         select $1, $2, * from unnest($3::int[], $4::bigint[], $5::bigint[], $6::text[], $7::real[], $8::uuid[])
         returning id",
        workspace,
        transcript_id,
        &positions,
        &segments.iter().map(|s| s.start_ms).collect::<Vec<_>>(),
        &segments.iter().map(|s| s.end_ms.max(s.start_ms)).collect::<Vec<_>>(),
        &segments.iter().map(|s| s.text.clone()).collect::<Vec<_>>(),
        &segments.iter().map(|s| s.confidence.map(|c| c.clamp(0.0, 1.0))).collect::<Vec<_>>() as &[Option<f32>],
        &speakers as &[Option<Uuid>]
    )
    .fetch_all(&mut *conn)
    .await?;
    // `returning` keeps the order of the rows inserted, which is the order of `positions`.
    let words: Vec<&[WordDraft]> = segments.iter().map(|s| s.words.as_slice()).collect();
    insert_words(conn, workspace, &segment_ids, &words).await
}

/// Writes each line's words: `words[i]` belong to the segment `segment_ids[i]`.
pub async fn insert_words(
    conn: &mut PgConnection,
    workspace: Uuid,
    segment_ids: &[i64],
    words: &[&[WordDraft]],
) -> Result<(), sqlx::Error> {
    let (mut seg, mut pos, mut start, mut end, mut text, mut confidence) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::<Option<f32>>::new(),
    );
    for (segment_id, line) in segment_ids.iter().zip(words) {
        for (i, word) in line.iter().enumerate() {
            seg.push(*segment_id);
            pos.push(i as i32);
            start.push(word.start_ms.max(0));
            end.push(word.end_ms.max(word.start_ms.max(0)));
            text.push(word.text.clone());
            confidence.push(word.confidence.map(|c| c.clamp(0.0, 1.0)));
        }
    }
    sqlx::query!(
        "insert into transcript_words (workspace_id, segment_id, position, start_ms, end_ms, text, confidence)
         select $1, * from unnest($2::bigint[], $3::int[], $4::bigint[], $5::bigint[], $6::text[], $7::real[])",
        workspace,
        &seg,
        &pos,
        &start,
        &end,
        &text,
        &confidence as &[Option<f32>]
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stores an imported transcript (see `recordings::import`): finished, with its lines, summary
/// and key moments, and kept as its first version.
pub async fn import_transcript(
    conn: &mut PgConnection,
    workspace: Uuid,
    recording: Uuid,
    language: Option<&str>,
    lines: &[SegmentDraft],
    summary: Option<&str>,
    key_moments: &[KeyMoment],
) -> Result<(), sqlx::Error> {
    let engine = crate::recordings::import::IMPORT_ENGINE;
    sqlx::query!(
        "insert into transcriptions (recording_id, workspace_id, stage, percent, engine, started_at, finished_at)
         values ($1, $2, 'done', 100, $3, now(), now())",
        recording,
        workspace,
        engine
    )
    .execute(&mut *conn)
    .await?;
    let text = lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(" ");
    let transcript = sqlx::query_scalar!(
        "insert into transcripts (id, workspace_id, recording_id, language, engine, text)
         values ($1, $2, $3, $4, $5, $6) returning id",
        Uuid::new_v4(),
        workspace,
        recording,
        language,
        engine,
        text
    )
    .fetch_one(&mut *conn)
    .await?;
    replace_segments(conn, workspace, transcript, lines, &[]).await?;
    if let Some(summary) = summary {
        sqlx::query!(
            "insert into summaries (transcript_id, workspace_id, style, method, text, key_moments)
             values ($1, $2, 'brief', 'imported', $3, $4)",
            transcript,
            workspace,
            summary,
            serde_json::to_value(key_moments).expect("key moments serialize")
        )
        .execute(&mut *conn)
        .await?;
    }
    super::editing::keep_version(conn, transcript, "transcribed", None).await
}
