//! Long audio for engines that take at most 25 MB: cut into pieces at quiet moments, each piece
//! starting a little before the previous cut so no word is clipped, then the pieces' transcripts
//! merged on one timeline. At a seam a word belongs to the piece whose share holds its middle,
//! so none is duplicated or lost.

use std::{io::Write, path::Path};

use super::{SegmentDraft, TranscriptDraft, WordDraft};

/// One piece: the samples sent (`send_from..send_to`) and the part of the timeline it speaks
/// for (`keep_from..keep_to`), all in samples of the whole recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    pub send_from: usize,
    pub send_to: usize,
    pub keep_from: usize,
    pub keep_to: usize,
}

/// Cuts `samples` into pieces of at most `max_len` samples. Each cut falls at the quietest
/// 20 ms frame within the last `search` samples before the limit; each piece after the first
/// starts `overlap` samples before its cut.
pub fn plan(samples: &[f32], rate: usize, max_len: usize, search: usize, overlap: usize) -> Vec<Piece> {
    assert!(
        max_len > search + overlap,
        "pieces must be longer than their search window and overlap"
    );
    let frame = (rate / 50).max(1);
    let mut pieces = Vec::new();
    let mut keep_from = 0;
    while keep_from < samples.len() {
        let send_from = keep_from.saturating_sub(if keep_from == 0 { 0 } else { overlap });
        let limit = send_from + max_len;
        if limit >= samples.len() {
            pieces.push(Piece {
                send_from,
                send_to: samples.len(),
                keep_from,
                keep_to: samples.len(),
            });
            break;
        }
        let window_start = limit - search;
        let cut = (window_start..limit - frame)
            .step_by(frame)
            .min_by(|a, b| energy(&samples[*a..*a + frame]).total_cmp(&energy(&samples[*b..*b + frame])))
            .map_or(limit, |quiet| quiet + frame / 2);
        pieces.push(Piece {
            send_from,
            send_to: cut,
            keep_from,
            keep_to: cut,
        });
        keep_from = cut;
    }
    pieces
}

fn energy(frame: &[f32]) -> f32 {
    frame.iter().map(|s| s * s).sum::<f32>()
}

/// Puts the pieces' transcripts on the recording's timeline and keeps, of each, the words whose
/// middle falls in its share. `drafts[i]` is the transcript of `pieces[i]`.
pub fn merge(pieces: &[Piece], drafts: Vec<TranscriptDraft>, rate: usize) -> TranscriptDraft {
    let ms = |samples: usize| (samples as i64) * 1000 / rate as i64;
    let mut merged = TranscriptDraft {
        language: None,
        text: String::new(),
        duration_ms: pieces.last().map(|p| ms(p.keep_to)),
        segments: Vec::new(),
    };
    for (piece, draft) in pieces.iter().zip(drafts) {
        merged.language = merged.language.or(draft.language);
        let offset = ms(piece.send_from);
        let (keep_from, keep_to) = (ms(piece.keep_from), ms(piece.keep_to));
        let kept = |start: i64, end: i64| {
            let middle = (start + end) / 2;
            middle >= keep_from && middle < keep_to
        };
        for segment in draft.segments {
            let (start, end) = (segment.start_ms + offset, segment.end_ms + offset);
            if segment.words.is_empty() {
                if kept(start, end) {
                    merged.segments.push(SegmentDraft {
                        start_ms: start,
                        end_ms: end,
                        ..segment
                    });
                }
                continue;
            }
            let words: Vec<WordDraft> = segment
                .words
                .into_iter()
                .map(|w| WordDraft {
                    start_ms: w.start_ms + offset,
                    end_ms: w.end_ms + offset,
                    ..w
                })
                .filter(|w| kept(w.start_ms, w.end_ms))
                .collect();
            let (Some(first), Some(last)) = (words.first(), words.last()) else {
                continue;
            };
            let whole = words.len() == segment.text.split_whitespace().count();
            merged.segments.push(SegmentDraft {
                start_ms: if whole {
                    start.min(first.start_ms)
                } else {
                    first.start_ms
                },
                end_ms: if whole { end.max(last.end_ms) } else { last.end_ms },
                // A segment cut at the seam is told by the words it kept.
                text: if whole {
                    segment.text.trim().to_owned()
                } else {
                    words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ")
                },
                confidence: segment.confidence,
                words,
            });
        }
    }
    merged.text = merged
        .segments
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    merged
}

/// Writes 16-bit PCM mono WAV.
pub fn write_wav(path: &Path, samples: &[f32], rate: u32) -> std::io::Result<()> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    out.write_all(b"RIFF")?;
    out.write_all(&(36 + data_len).to_le_bytes())?;
    out.write_all(b"WAVEfmt ")?;
    out.write_all(&16_u32.to_le_bytes())?;
    out.write_all(&1_u16.to_le_bytes())?; // PCM
    out.write_all(&1_u16.to_le_bytes())?; // mono
    out.write_all(&rate.to_le_bytes())?;
    out.write_all(&(rate * 2).to_le_bytes())?;
    out.write_all(&2_u16.to_le_bytes())?;
    out.write_all(&16_u16.to_le_bytes())?;
    out.write_all(b"data")?;
    out.write_all(&data_len.to_le_bytes())?;
    for s in samples {
        out.write_all(&((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes())?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loud everywhere except short silences at the given sample positions.
    fn loud_with_silences(len: usize, silences: &[usize]) -> Vec<f32> {
        (0..len)
            .map(|i| {
                if silences.iter().any(|&s| i >= s && i < s + 100) {
                    0.0
                } else {
                    ((i as f32) * 0.3).sin() * 0.5
                }
            })
            .collect()
    }

    #[test]
    fn cuts_fall_in_silences_and_pieces_cover_everything_within_the_limit() {
        // rate 1000: 20-sample frames; pieces of at most 1000, searching the last 400.
        let samples = loud_with_silences(2600, &[820, 1640]);
        let pieces = plan(&samples, 1000, 1000, 400, 50);
        assert_eq!(pieces.len(), 3, "{pieces:?}");
        assert!((820..920).contains(&pieces[0].keep_to), "{pieces:?}");
        assert!((1640..1740).contains(&pieces[1].keep_to), "{pieces:?}");
        assert_eq!(pieces[0].keep_from, 0);
        for pair in pieces.windows(2) {
            assert_eq!(pair[0].keep_to, pair[1].keep_from, "shares meet");
            assert_eq!(pair[1].send_from, pair[1].keep_from - 50, "overlap before the cut");
        }
        assert_eq!(pieces.last().unwrap().keep_to, 2600);
        assert!(pieces.iter().all(|p| p.send_to - p.send_from <= 1000));
        assert_eq!(plan(&samples[..900], 1000, 1000, 400, 50).len(), 1);
    }

    fn word(start: i64, end: i64, text: &str) -> WordDraft {
        WordDraft {
            start_ms: start,
            end_ms: end,
            text: text.into(),
            confidence: None,
        }
    }

    #[test]
    fn merged_words_are_on_one_timeline_with_nothing_doubled_or_lost_at_the_seam() {
        // Rate 1000 (1 sample = 1 ms). The cut is at 10 000 ms; the second piece starts 1 000 ms
        // earlier, so both pieces heard "seam" (9 400–9 800); only the second heard "after".
        let pieces = [
            Piece {
                send_from: 0,
                send_to: 10_000,
                keep_from: 0,
                keep_to: 10_000,
            },
            Piece {
                send_from: 9_000,
                send_to: 15_000,
                keep_from: 10_000,
                keep_to: 15_000,
            },
        ];
        let first = TranscriptDraft {
            language: Some("en".into()),
            text: "start seam".into(),
            duration_ms: Some(10_000),
            segments: vec![SegmentDraft {
                start_ms: 0,
                end_ms: 10_000,
                text: "start seam".into(),
                confidence: None,
                words: vec![word(100, 600, "start"), word(9_400, 9_800, "seam")],
            }],
        };
        let second = TranscriptDraft {
            language: Some("en".into()),
            text: "seam after end".into(),
            duration_ms: Some(6_000),
            segments: vec![SegmentDraft {
                start_ms: 300,
                end_ms: 5_900,
                text: "seam after end".into(),
                confidence: None,
                words: vec![
                    word(400, 800, "seam"),
                    word(1_100, 1_500, "after"),
                    word(5_000, 5_800, "end"),
                ],
            }],
        };
        let merged = merge(&pieces, vec![first, second], 1000);
        let words: Vec<(&str, i64)> = merged
            .segments
            .iter()
            .flat_map(|s| s.words.iter().map(|w| (w.text.as_str(), w.start_ms)))
            .collect();
        assert_eq!(
            words,
            [("start", 100), ("seam", 9_400), ("after", 10_100), ("end", 14_000)]
        );
        assert_eq!(merged.text, "start seam after end");
        assert_eq!(merged.duration_ms, Some(15_000));
        assert!(merged.segments.iter().all(|s| s.start_ms <= s.words[0].start_ms));
    }

    #[test]
    fn wav_files_have_the_header_players_expect() {
        let dir = std::env::temp_dir().join(format!("audiotricks-wav-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("piece.wav");
        write_wav(&path, &[0.0, 0.5, -0.5, 1.0], 16_000).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(bytes.len(), 44 + 8);
        assert_eq!(&bytes[..4], b"RIFF");
        assert_eq!(&bytes[8..16], b"WAVEfmt ");
        assert_eq!(u32::from_le_bytes(bytes[24..28].try_into().unwrap()), 16_000);
        assert_eq!(i16::from_le_bytes([bytes[46], bytes[47]]), 16_383);
    }
}
