//! Cutting passages out of a recording: the cut list a person chooses, the spans of audio kept,
//! where a moment of the original lands in the edit, and the splicer that joins kept spans with a
//! short equal-power crossfade (no click at a join) while the audio streams through.

use serde::{Deserialize, Serialize};

use crate::transcription::{SegmentDraft, WordDraft};

/// Each join overlaps its two spans by this much (less when a span is shorter than twice it).
pub const CROSSFADE_MS: i64 = 20;
pub const MAX_CUTS: usize = 200;
/// An edit keeps at least this much audio.
pub const MIN_KEPT_MS: i64 = 1_000;

/// A passage to remove, `[start_ms, end_ms)` on the recording's own timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cut {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// "1200-1800,5000-6200" (milliseconds), the form a cut list travels in.
pub fn parse(text: &str) -> Result<Vec<Cut>, String> {
    let mut cuts = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part
            .split_once('-')
            .ok_or_else(|| format!("\u{201c}{part}\u{201d} is not a passage (start-end in milliseconds)."))?;
        let number = |s: &str| s.trim().parse::<i64>().ok().filter(|n| *n >= 0);
        match (number(a), number(b)) {
            (Some(start_ms), Some(end_ms)) if end_ms > start_ms => cuts.push(Cut { start_ms, end_ms }),
            _ => {
                return Err(format!(
                    "\u{201c}{part}\u{201d} is not a passage: it needs a start before its end."
                ))
            }
        }
        if cuts.len() > MAX_CUTS {
            return Err(format!("Cut at most {MAX_CUTS} passages at a time."));
        }
    }
    Ok(cuts)
}

pub fn to_text(cuts: &[Cut]) -> String {
    cuts.iter()
        .map(|c| format!("{}-{}", c.start_ms, c.end_ms))
        .collect::<Vec<_>>()
        .join(",")
}

/// A kept span of the original and how much of its start overlaps the previous span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kept {
    pub start_ms: i64,
    pub end_ms: i64,
    /// The crossfade with the previous span (0 for the first).
    pub fade_ms: i64,
    /// Where its start lands in the edit.
    pub at_ms: i64,
}

/// The cuts settled against a recording: sorted, merged, within its length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub cuts: Vec<Cut>,
    pub kept: Vec<Kept>,
    pub duration_ms: i64,
}

/// Settles `cuts` against a recording of `duration_ms`, or says in words why it cannot be cut so.
pub fn plan(cuts: &[Cut], duration_ms: i64) -> Result<Plan, String> {
    if cuts.is_empty() {
        return Err("Choose at least one passage to cut.".into());
    }
    let mut sorted: Vec<Cut> = cuts
        .iter()
        .map(|c| Cut {
            start_ms: c.start_ms.clamp(0, duration_ms),
            end_ms: c.end_ms.clamp(0, duration_ms),
        })
        .filter(|c| c.end_ms > c.start_ms)
        .collect();
    if sorted.is_empty() {
        return Err("Every passage chosen lies past the end of the recording.".into());
    }
    sorted.sort_by_key(|c| c.start_ms);
    let mut merged: Vec<Cut> = Vec::with_capacity(sorted.len());
    for c in sorted {
        match merged.last_mut() {
            Some(last) if c.start_ms <= last.end_ms => last.end_ms = last.end_ms.max(c.end_ms),
            _ => merged.push(c),
        }
    }
    let mut spans = Vec::new();
    let mut from = 0;
    for c in &merged {
        if c.start_ms > from {
            spans.push((from, c.start_ms));
        }
        from = c.end_ms;
    }
    if duration_ms > from {
        spans.push((from, duration_ms));
    }
    let kept_ms: i64 = spans.iter().map(|(a, b)| b - a).sum();
    if kept_ms < MIN_KEPT_MS {
        return Err(format!(
            "That would leave {:.1} s of audio; keep at least {} s.",
            kept_ms as f64 / 1000.0,
            MIN_KEPT_MS / 1000
        ));
    }
    let mut kept: Vec<Kept> = Vec::with_capacity(spans.len());
    for (i, (start_ms, end_ms)) in spans.iter().copied().enumerate() {
        let (fade_ms, at_ms) = match kept.last() {
            None => (0, 0),
            Some(prev) => {
                let (prev_start, prev_end) = spans[i - 1];
                let fade = CROSSFADE_MS
                    .min((prev_end - prev_start) / 2)
                    .min((end_ms - start_ms) / 2);
                (fade, prev.at_ms + (prev.end_ms - prev.start_ms) - fade)
            }
        };
        kept.push(Kept {
            start_ms,
            end_ms,
            fade_ms,
            at_ms,
        });
    }
    Ok(Plan {
        cuts: merged,
        kept,
        duration_ms,
    })
}

impl Plan {
    pub fn removed_ms(&self) -> i64 {
        self.cuts.iter().map(|c| c.end_ms - c.start_ms).sum()
    }

    /// The edit's length.
    pub fn edited_ms(&self) -> i64 {
        self.kept.last().map_or(0, |k| k.at_ms + (k.end_ms - k.start_ms))
    }

    /// Where moment `ms` of the original lands in the edit; None when it was cut.
    pub fn map(&self, ms: i64) -> Option<i64> {
        let k = self
            .kept
            .iter()
            .find(|k| ms >= k.start_ms && ms < k.end_ms)
            .or_else(|| {
                // The very end of the recording is kept when its last span is.
                self.kept
                    .last()
                    .filter(|k| ms == k.end_ms && k.end_ms == self.duration_ms)
            })?;
        Some(k.at_ms + (ms - k.start_ms))
    }

    /// Moves `[start, end)` to the edit: clipped to the kept audio, None when nothing of it stays.
    fn map_span(&self, start: i64, end: i64) -> Option<(i64, i64)> {
        let mut out: Option<(i64, i64)> = None;
        for k in &self.kept {
            let (a, b) = (start.max(k.start_ms), end.min(k.end_ms));
            if a < b || (a == b && start == end && a >= k.start_ms && a < k.end_ms) {
                let (na, nb) = (k.at_ms + (a - k.start_ms), k.at_ms + (b - k.start_ms));
                out = Some(match out {
                    None => (na, nb),
                    Some((oa, ob)) => (oa.min(na), ob.max(nb)),
                });
            }
        }
        out
    }

    /// The transcript moved to the edit's timeline: a word goes when most of it was cut,
    /// otherwise it keeps the part that was not; a line keeps its remaining words and goes
    /// with the last of them (a line without word timings goes when all of it was cut).
    pub fn shift_lines<T: Clone>(&self, lines: &[(SegmentDraft, T)]) -> Vec<(SegmentDraft, T)> {
        let mut out = Vec::new();
        for (line, extra) in lines {
            if line.words.is_empty() {
                if let Some((start_ms, end_ms)) = self.map_span(line.start_ms, line.end_ms) {
                    out.push((
                        SegmentDraft {
                            start_ms,
                            end_ms,
                            ..line.clone()
                        },
                        extra.clone(),
                    ));
                }
                continue;
            }
            let words: Vec<WordDraft> = line
                .words
                .iter()
                .filter(|w| self.mostly_kept(w.start_ms, w.end_ms))
                .filter_map(|w| {
                    let (start_ms, end_ms) = self.map_span(w.start_ms, w.end_ms)?;
                    Some(WordDraft {
                        start_ms,
                        end_ms,
                        ..w.clone()
                    })
                })
                .collect();
            let (Some(first), Some(last)) = (words.first(), words.last()) else {
                continue;
            };
            let untouched = words.len() == line.words.len();
            let text = if untouched {
                line.text.clone()
            } else {
                words.iter().map(|w| w.text.trim()).collect::<Vec<_>>().join(" ")
            };
            let start_ms = self
                .map_span(line.start_ms, line.end_ms)
                .map_or(first.start_ms, |(a, _)| a.min(first.start_ms));
            out.push((
                SegmentDraft {
                    start_ms,
                    end_ms: last.end_ms.max(start_ms),
                    text,
                    confidence: line.confidence,
                    words,
                },
                extra.clone(),
            ));
        }
        out
    }

    fn mostly_kept(&self, start: i64, end: i64) -> bool {
        if end <= start {
            return self.map(start).is_some();
        }
        let kept: i64 = self
            .kept
            .iter()
            .map(|k| (end.min(k.end_ms) - start.max(k.start_ms)).max(0))
            .sum();
        kept * 2 > end - start
    }

    /// The splicer for audio at `rate` frames a second with `channels` interleaved samples.
    pub fn splicer(&self, rate: u32, channels: usize) -> Splicer {
        let frames = |ms: i64| (ms.max(0) as u64) * u64::from(rate) / 1000;
        let spans = self
            .kept
            .iter()
            .map(|k| FrameSpan {
                start: frames(k.start_ms),
                // The last span runs to the end of whatever the decoder gives.
                end: if k.end_ms >= self.duration_ms {
                    u64::MAX
                } else {
                    frames(k.end_ms)
                },
                fade: frames(k.fade_ms),
            })
            .collect();
        Splicer {
            channels: channels.max(1),
            spans,
            at: 0,
            span: 0,
            tail: Vec::new(),
            mixed: 0,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct FrameSpan {
    start: u64,
    end: u64,
    fade: u64,
}

/// Joins the kept spans of a stream of interleaved samples fed to it in order, crossfading each
/// join; holds at most one crossfade's worth of audio.
pub struct Splicer {
    channels: usize,
    spans: Vec<FrameSpan>,
    /// Index of the next input frame.
    at: u64,
    span: usize,
    /// The end of the current span, held to mix into the next span's start.
    tail: Vec<f32>,
    /// Frames of `tail` already mixed in.
    mixed: usize,
}

impl Splicer {
    /// Feeds the next samples (whole frames); the spliced audio is appended to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
        for frame in input.chunks_exact(self.channels) {
            let n = self.at;
            self.at += 1;
            while self.span < self.spans.len() && n >= self.spans[self.span].end {
                self.span += 1;
            }
            let Some(span) = self.spans.get(self.span).copied() else {
                continue;
            };
            if n < span.start {
                continue;
            }
            let next_fade = self.spans.get(self.span + 1).map_or(0, |s| s.fade);
            if next_fade > 0 && n >= span.end - next_fade {
                self.tail.extend_from_slice(frame);
                continue;
            }
            let i = n - span.start;
            if i < span.fade && !self.tail.is_empty() {
                let t = (i as f32 + 0.5) / span.fade as f32 * std::f32::consts::FRAC_PI_2;
                let (fade_in, fade_out) = (t.sin(), t.cos());
                let held = &self.tail[i as usize * self.channels..(i as usize + 1) * self.channels];
                out.extend(frame.iter().zip(held).map(|(new, old)| new * fade_in + old * fade_out));
                self.mixed = i as usize + 1;
                if i + 1 == span.fade {
                    self.tail.clear();
                    self.mixed = 0;
                }
            } else {
                out.extend_from_slice(frame);
            }
        }
    }

    /// Ends the stream: audio held for a join the input never reached (or only began) is let
    /// out as it was, less what was already mixed.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        out.extend_from_slice(&self.tail[self.mixed * self.channels..]);
        self.tail.clear();
        self.mixed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(start_ms: i64, end_ms: i64) -> Cut {
        Cut { start_ms, end_ms }
    }

    #[test]
    fn cut_lists_read_and_write_and_refuse_nonsense() {
        assert_eq!(
            parse("1200-1800, 5000-6200").unwrap(),
            [cut(1200, 1800), cut(5000, 6200)]
        );
        assert_eq!(to_text(&[cut(1, 2), cut(3, 4)]), "1-2,3-4");
        assert!(parse("").unwrap().is_empty());
        assert!(parse("5-2").unwrap_err().contains("start before its end"));
        assert!(parse("a-b").is_err());
        assert!(parse("12").unwrap_err().contains("not a passage"));
        let many = (0..=MAX_CUTS)
            .map(|i| format!("{}-{}", i * 10, i * 10 + 5))
            .collect::<Vec<_>>()
            .join(",");
        assert!(parse(&many).unwrap_err().contains("at most"));
    }

    #[test]
    fn cuts_are_sorted_merged_clipped_and_must_leave_audio() {
        let p = plan(&[cut(8_000, 12_000), cut(2_000, 3_000), cut(2_500, 4_000)], 10_000).unwrap();
        assert_eq!(p.cuts, [cut(2_000, 4_000), cut(8_000, 10_000)]);
        assert_eq!(p.removed_ms(), 4_000);
        assert_eq!(p.kept.len(), 2);
        assert_eq!(p.edited_ms(), 6_000 - CROSSFADE_MS);
        assert!(plan(&[], 10_000).unwrap_err().contains("at least one"));
        assert!(plan(&[cut(20_000, 30_000)], 10_000)
            .unwrap_err()
            .contains("past the end"));
        assert!(plan(&[cut(0, 9_500)], 10_000).unwrap_err().contains("keep at least"));
    }

    #[test]
    fn moments_move_back_by_what_was_cut_before_them() {
        let p = plan(&[cut(1_000, 2_000), cut(5_000, 6_000)], 10_000).unwrap();
        assert_eq!(p.map(500), Some(500));
        assert_eq!(p.map(1_500), None);
        assert_eq!(p.map(2_000), Some(1_000 - CROSSFADE_MS));
        assert_eq!(p.map(7_000), Some(5_000 - 2 * CROSSFADE_MS));
        assert_eq!(p.map(10_000), Some(p.edited_ms()));
        // A cut at the very start needs no crossfade.
        let start = plan(&[cut(0, 1_000)], 5_000).unwrap();
        assert_eq!(start.map(1_000), Some(0));
        assert_eq!(start.edited_ms(), 4_000);
    }

    #[test]
    fn a_transcript_loses_the_cut_words_and_keeps_the_rest_in_time() {
        let word = |s: i64, e: i64, t: &str| WordDraft {
            start_ms: s,
            end_ms: e,
            text: t.into(),
            confidence: None,
        };
        let line = SegmentDraft {
            start_ms: 0,
            end_ms: 3_000,
            text: "one um two".into(),
            confidence: Some(0.9),
            words: vec![word(0, 500, "one"), word(1_000, 1_400, "um"), word(2_000, 2_600, "two")],
        };
        let gone = SegmentDraft {
            start_ms: 3_000,
            end_ms: 4_000,
            text: "all cut".into(),
            confidence: None,
            words: vec![word(3_100, 3_500, "all"), word(3_500, 3_900, "cut")],
        };
        let p = plan(&[cut(900, 1_500), cut(3_000, 4_000)], 6_000).unwrap();
        let out = p.shift_lines(&[(line, Some("Ada")), (gone, None)]);
        assert_eq!(out.len(), 1);
        let (l, speaker) = &out[0];
        assert_eq!(*speaker, Some("Ada"));
        assert_eq!(l.text, "one two");
        assert_eq!(l.words.len(), 2);
        assert_eq!((l.words[0].start_ms, l.words[0].end_ms), (0, 500));
        let shift = 600 + CROSSFADE_MS;
        assert_eq!((l.words[1].start_ms, l.words[1].end_ms), (2_000 - shift, 2_600 - shift));
        assert_eq!(l.end_ms, 2_600 - shift);
    }

    #[test]
    fn the_splicer_drops_cut_audio_and_crossfades_each_join() {
        // 1 kHz mono: sample n is at n ms; kept samples are 1, cut ones -1.
        let p = plan(&[cut(1_000, 2_000)], 3_000).unwrap();
        let mut s = p.splicer(1_000, 1);
        let input: Vec<f32> = (0..3_000)
            .map(|n| if (1_000..2_000).contains(&n) { -1.0 } else { 1.0 })
            .collect();
        let mut out = Vec::new();
        for chunk in input.chunks(7) {
            s.push(chunk, &mut out);
        }
        s.finish(&mut out);
        assert_eq!(out.len() as i64, p.edited_ms());
        assert!(out.iter().all(|v| *v > 0.99), "no cut sample leaks into the edit");
        // Two channels stay interleaved, and a join of two different levels passes smoothly.
        let p = plan(&[cut(500, 600)], 1_100).unwrap();
        let mut s = p.splicer(1_000, 2);
        let input: Vec<f32> = (0..1_100)
            .flat_map(|n| {
                let v = if n < 550 { 0.0 } else { 1.0 };
                [v, -v]
            })
            .collect();
        let mut out = Vec::new();
        s.push(&input, &mut out);
        s.finish(&mut out);
        assert_eq!(out.len() as i64, 2 * p.edited_ms());
        let left: Vec<f32> = out.iter().step_by(2).copied().collect();
        assert!(
            left.windows(2).all(|w| (w[1] - w[0]).abs() < 0.2),
            "no jump at the join: {left:?}"
        );
        assert!(out.chunks(2).all(|f| (f[0] + f[1]).abs() < 1e-6));
        // Input that stops partway into a crossfade: what was mixed is not let out twice.
        let p = plan(&[cut(1_000, 2_000)], 3_000).unwrap();
        let mut s = p.splicer(1_000, 1);
        let mut out = Vec::new();
        s.push(&vec![1.0; 2_010], &mut out);
        s.finish(&mut out);
        assert_eq!(out.len(), 980 + 10 + 10);
    }
}
