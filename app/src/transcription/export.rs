//! Transcript exports: plain text, JSON, Word (DOCX), and subtitles (SRT, WebVTT) whose cues
//! follow the word timings, at most two lines of at most 42 characters each.

use serde::Serialize;

use super::{clock, summary::KeyMoment, SegmentDraft, SummaryView};

/// Longest subtitle line, and lines per cue (the usual broadcast limits).
pub const LINE_CHARS: usize = 42;
pub const CUE_LINES: usize = 2;
/// A cue is closed after this long even when it has room, so text keeps pace with speech.
const CUE_MAX_MS: i64 = 7_000;
/// Shortest time a cue stays up, when the next one leaves room.
const CUE_MIN_MS: i64 = 700;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Txt,
    Json,
    Srt,
    Vtt,
    Docx,
}

impl Format {
    pub fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "txt" => Self::Txt,
            "json" => Self::Json,
            "srt" => Self::Srt,
            "vtt" => Self::Vtt,
            "docx" => Self::Docx,
            _ => return None,
        })
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Txt => "txt",
            Self::Json => "json",
            Self::Srt => "srt",
            Self::Vtt => "vtt",
            Self::Docx => "docx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Txt => "text/plain; charset=utf-8",
            Self::Json => "application/json",
            Self::Srt => "application/x-subrip; charset=utf-8",
            Self::Vtt => "text/vtt; charset=utf-8",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    }
}

/// What goes into an export besides the words.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub speakers: bool,
    pub timestamps: bool,
    pub summary: bool,
}

/// A transcript ready to export: its segments with words, and who speaks each.
pub struct Document {
    pub title: String,
    pub language: Option<String>,
    pub segments: Vec<(SegmentDraft, Option<String>)>,
    pub summary: Option<SummaryView>,
}

pub fn render(doc: &Document, format: Format, options: Options) -> Vec<u8> {
    match format {
        Format::Txt => txt(doc, options).into_bytes(),
        Format::Json => json(doc, options).into_bytes(),
        Format::Srt => srt(&cues(doc, options)).into_bytes(),
        Format::Vtt => vtt(&cues(doc, options)).into_bytes(),
        Format::Docx => super::docx::render(doc, options),
    }
}

fn txt(doc: &Document, options: Options) -> String {
    let mut out = format!("{}\n\n", doc.title);
    if let Some(summary) = doc.summary.as_ref().filter(|_| options.summary) {
        out.push_str(&format!("Summary ({})\n{}\n\n", summary.style.label(), summary.text));
        if !summary.key_moments.is_empty() {
            out.push_str("Key moments\n");
            for m in &summary.key_moments {
                out.push_str(&format!("{} {}\n", clock(m.ms), m.title));
            }
            out.push('\n');
        }
        out.push_str("Transcript\n");
    }
    for (segment, speaker) in &doc.segments {
        if options.timestamps {
            out.push_str(&format!("[{}] ", clock(segment.start_ms)));
        }
        if let Some(name) = speaker.as_ref().filter(|_| options.speakers) {
            out.push_str(&format!("{name}: "));
        }
        out.push_str(segment.text.trim());
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    title: &'a str,
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<JsonSummary<'a>>,
    segments: Vec<JsonSegment<'a>>,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    style: &'a str,
    method: &'a str,
    text: &'a str,
    key_moments: &'a [KeyMoment],
}

#[derive(Serialize)]
struct JsonSegment<'a> {
    start_ms: i64,
    end_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    speaker: Option<&'a str>,
    text: &'a str,
    words: Vec<JsonWord<'a>>,
}

#[derive(Serialize)]
struct JsonWord<'a> {
    start_ms: i64,
    end_ms: i64,
    text: &'a str,
}

fn json(doc: &Document, options: Options) -> String {
    let out = JsonDoc {
        title: &doc.title,
        language: doc.language.as_deref(),
        summary: doc.summary.as_ref().filter(|_| options.summary).map(|s| JsonSummary {
            style: s.style.key(),
            method: &s.method,
            text: &s.text,
            key_moments: &s.key_moments,
        }),
        segments: doc
            .segments
            .iter()
            .map(|(s, speaker)| JsonSegment {
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                speaker: speaker.as_deref().filter(|_| options.speakers),
                text: s.text.trim(),
                words: s
                    .words
                    .iter()
                    .map(|w| JsonWord {
                        start_ms: w.start_ms,
                        end_ms: w.end_ms,
                        text: &w.text,
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&out).expect("an export serializes") + "\n"
}

/// One subtitle: when it shows and its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cue {
    pub start_ms: i64,
    pub end_ms: i64,
    pub speaker: Option<String>,
    pub lines: Vec<String>,
}

/// The words of each segment (or, without word timings, its text spread evenly over its span).
fn timed_words(segment: &SegmentDraft) -> Vec<(i64, i64, String)> {
    if !segment.words.is_empty() {
        return segment
            .words
            .iter()
            .map(|w| (w.start_ms, w.end_ms.max(w.start_ms), w.text.trim().to_owned()))
            .filter(|(_, _, t)| !t.is_empty())
            .collect();
    }
    let words: Vec<&str> = segment.text.split_whitespace().collect();
    let total: usize = words.iter().map(|w| w.chars().count() + 1).sum::<usize>().max(1);
    let span = (segment.end_ms - segment.start_ms).max(0);
    let mut at = 0usize;
    words
        .iter()
        .map(|w| {
            let start = segment.start_ms + span * at as i64 / total as i64;
            at += w.chars().count() + 1;
            let end = segment.start_ms + span * at as i64 / total as i64;
            (start, end, (*w).to_owned())
        })
        .collect()
}

/// Whether `line` plus ` word` still fits.
fn fits(line: &str, word: &str) -> bool {
    line.is_empty() || line.chars().count() + 1 + word.chars().count() <= LINE_CHARS
}

/// Cues from the transcript: words fill lines of at most 42 characters and cues of at most two
/// lines and 7 seconds; a segment (a change of speaker or a pause) always starts a new cue, and
/// a cue after a sentence's end starts a new one when the current cue is half full.
pub fn cues(doc: &Document, options: Options) -> Vec<Cue> {
    let mut cues: Vec<Cue> = Vec::new();
    for (segment, speaker) in &doc.segments {
        let speaker = speaker.clone().filter(|_| options.speakers);
        let mut current: Option<Cue> = None;
        for (start, end, word) in timed_words(segment) {
            let cue = current.get_or_insert_with(|| Cue {
                start_ms: start,
                end_ms: end,
                speaker: speaker.clone(),
                lines: vec![String::new()],
            });
            let last = cue.lines.last_mut().expect("a cue has a line");
            let too_long = end - cue.start_ms > CUE_MAX_MS;
            if fits(last, &word) && !too_long {
                if !last.is_empty() {
                    last.push(' ');
                }
                last.push_str(&word);
            } else if cue.lines.len() < CUE_LINES && !too_long {
                cue.lines.push(word.clone());
            } else {
                cues.extend(current.take());
                current = Some(Cue {
                    start_ms: start,
                    end_ms: end,
                    speaker: speaker.clone(),
                    lines: vec![word.clone()],
                });
            }
            let cue = current.as_mut().expect("a cue is open");
            cue.end_ms = cue.end_ms.max(end);
            // A sentence ends in a cue that is half full: the next sentence gets its own.
            let used: usize = cue.lines.iter().map(|l| l.chars().count()).sum();
            if word.ends_with(['.', '?', '!']) && used >= LINE_CHARS {
                cues.extend(current.take());
            }
        }
        cues.extend(current);
    }
    // Long enough to read, never over the next cue.
    for i in 0..cues.len() {
        let next = cues.get(i + 1).map(|c| c.start_ms);
        let cue = &mut cues[i];
        let wanted = cue.end_ms.max(cue.start_ms + CUE_MIN_MS);
        cue.end_ms = match next {
            Some(next) => wanted.min(next).max(cue.end_ms.min(next)),
            None => wanted,
        };
        if cue.end_ms <= cue.start_ms {
            cue.end_ms = cue.start_ms + 1;
        }
    }
    cues
}

fn stamp(ms: i64, separator: char) -> String {
    let ms = ms.max(0);
    format!(
        "{:02}:{:02}:{:02}{separator}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

fn srt(cues: &[Cue]) -> String {
    let mut out = String::new();
    for (i, cue) in cues.iter().enumerate() {
        out.push_str(&format!(
            "{}\n{} --> {}\n",
            i + 1,
            stamp(cue.start_ms, ','),
            stamp(cue.end_ms, ',')
        ));
        let mut lines = cue.lines.clone();
        if let Some(name) = &cue.speaker {
            lines[0] = format!("{name}: {}", lines[0]);
        }
        out.push_str(&lines.join("\n"));
        out.push_str("\n\n");
    }
    out
}

/// WebVTT text may not contain "-->" and treats `<` and `&` as markup.
fn vtt_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn vtt(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for cue in cues {
        out.push_str(&format!(
            "{} --> {}\n",
            stamp(cue.start_ms, '.'),
            stamp(cue.end_ms, '.')
        ));
        let lines: Vec<String> = cue.lines.iter().map(|l| vtt_text(l)).collect();
        match &cue.speaker {
            Some(name) => out.push_str(&format!("<v {}>{}", vtt_text(name), lines.join("\n"))),
            None => out.push_str(&lines.join("\n")),
        }
        out.push_str("\n\n");
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Gives `d` a summary with a key moment; returns the options that export everything.
    pub(crate) fn summarised(d: &mut Document) -> Options {
        d.summary = Some(SummaryView {
            style: crate::transcription::summary::SummaryStyle::Brief,
            method: "extractive".into(),
            text: "A greeting.".into(),
            key_moments: vec![KeyMoment {
                ms: 65_000,
                title: "Hello".into(),
            }],
        });
        Options {
            speakers: true,
            timestamps: true,
            summary: true,
        }
    }

    fn text(doc: &Document, format: Format, options: Options) -> String {
        String::from_utf8(render(doc, format, options)).unwrap()
    }
    use crate::transcription::WordDraft;

    pub(crate) fn segment(start: i64, words: &[(&str, i64, i64)]) -> SegmentDraft {
        SegmentDraft {
            start_ms: start,
            end_ms: words.last().map_or(start, |w| w.2),
            text: words.iter().map(|w| w.0).collect::<Vec<_>>().join(" "),
            confidence: None,
            words: words
                .iter()
                .map(|(t, s, e)| WordDraft {
                    start_ms: *s,
                    end_ms: *e,
                    text: (*t).into(),
                    confidence: None,
                })
                .collect(),
        }
    }

    /// `n` words of `len` letters, one every 300 ms from `start`.
    fn steady(start: i64, n: usize, len: usize) -> SegmentDraft {
        let words: Vec<(String, i64, i64)> = (0..n)
            .map(|i| {
                let at = start + i as i64 * 300;
                let mut w = "w".repeat(len);
                if i == n - 1 {
                    w.push('.');
                }
                (w, at, at + 250)
            })
            .collect();
        let borrowed: Vec<(&str, i64, i64)> = words.iter().map(|(w, s, e)| (w.as_str(), *s, *e)).collect();
        segment(start, &borrowed)
    }

    pub(crate) fn doc(segments: Vec<SegmentDraft>) -> Document {
        Document {
            title: "Standup".into(),
            language: Some("en".into()),
            segments: segments.into_iter().map(|s| (s, Some("Ada".into()))).collect(),
            summary: None,
        }
    }

    #[test]
    fn cues_keep_to_two_lines_of_42_characters_and_follow_the_words() {
        let d = doc(vec![steady(0, 60, 5), steady(30_000, 7, 9)]);
        let cues = cues(&d, Options::default());
        assert!(cues.len() > 3);
        for cue in &cues {
            assert!(cue.lines.len() <= CUE_LINES, "{cue:?}");
            assert!(cue.lines.iter().all(|l| l.chars().count() <= LINE_CHARS), "{cue:?}");
            assert!(cue.end_ms > cue.start_ms);
            assert!(cue.end_ms - cue.start_ms <= CUE_MAX_MS + CUE_MIN_MS);
        }
        assert!(cues.windows(2).all(|w| w[0].end_ms <= w[1].start_ms), "no overlaps");
        // Every word once, in order.
        let words: usize = cues
            .iter()
            .flat_map(|c| &c.lines)
            .map(|l| l.split_whitespace().count())
            .sum();
        assert_eq!(words, 67);
        // A new segment starts a new cue at its first word.
        assert!(cues.iter().any(|c| c.start_ms == 30_000));
        assert_eq!(cues[0].start_ms, 0);
    }

    #[test]
    fn srt_and_vtt_have_their_timestamp_forms_and_speakers() {
        let d = doc(vec![segment(
            3_661_000,
            &[("Hello", 3_661_000, 3_661_400), ("<there>", 3_661_500, 3_663_456)],
        )]);
        let with = Options {
            speakers: true,
            ..Options::default()
        };
        let s = text(&d, Format::Srt, with);
        assert_eq!(s, "1\n01:01:01,000 --> 01:01:03,456\nAda: Hello <there>\n\n");
        let v = text(&d, Format::Vtt, with);
        assert_eq!(
            v,
            "WEBVTT\n\n01:01:01.000 --> 01:01:03.456\n<v Ada>Hello &lt;there&gt;\n\n"
        );
        assert!(!text(&d, Format::Vtt, Options::default()).contains("<v "));
    }

    #[test]
    fn short_cues_stay_up_long_enough_to_read_but_never_over_the_next() {
        let d = doc(vec![
            segment(0, &[("Yes.", 0, 200)]),
            segment(500, &[("No.", 500, 600)]),
            segment(5_000, &[("Maybe.", 5_000, 5_100)]),
        ]);
        let c = cues(&d, Options::default());
        assert_eq!((c[0].start_ms, c[0].end_ms), (0, 500));
        assert_eq!((c[1].start_ms, c[1].end_ms), (500, 1_200));
        assert_eq!((c[2].start_ms, c[2].end_ms), (5_000, 5_700));
    }

    #[test]
    fn segments_without_word_timings_spread_their_text_over_their_span() {
        let mut s = segment(10_000, &[]);
        s.end_ms = 14_000;
        s.text = "one two three four".into();
        let c = cues(&doc(vec![s]), Options::default());
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].lines, ["one two three four"]);
        assert_eq!((c[0].start_ms, c[0].end_ms), (10_000, 14_000));
    }

    #[test]
    fn text_and_json_carry_the_chosen_parts() {
        let mut d = doc(vec![segment(
            65_000,
            &[("Hi", 65_000, 65_300), ("all.", 65_400, 65_900)],
        )]);
        let all = summarised(&mut d);
        let plain = text(&d, Format::Txt, all);
        assert!(plain.starts_with("Standup\n\nSummary (Brief)\nA greeting.\n\nKey moments\n1:05 Hello\n"));
        assert!(plain.ends_with("[1:05] Ada: Hi all.\n"));
        assert_eq!(text(&d, Format::Txt, Options::default()), "Standup\n\nHi all.\n");
        let json: serde_json::Value = serde_json::from_str(&text(&d, Format::Json, all)).unwrap();
        assert_eq!(json["segments"][0]["words"][1]["start_ms"], 65_400);
        assert_eq!(json["segments"][0]["speaker"], "Ada");
        assert_eq!(json["summary"]["key_moments"][0]["ms"], 65_000);
        let bare: serde_json::Value = serde_json::from_str(&text(&d, Format::Json, Options::default())).unwrap();
        assert!(bare.get("summary").is_none() && bare["segments"][0].get("speaker").is_none());
    }
}
