//! Summaries and key moments. Made locally by ranking the transcript's sentences (labelled
//! "extractive"), or by an OpenAI-compatible chat model when one is configured.

use serde::{Deserialize, Serialize};

/// How the summary reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SummaryStyle {
    Brief,
    Detailed,
    Bullets,
    Actions,
}

impl SummaryStyle {
    pub const ALL: [Self; 4] = [Self::Brief, Self::Detailed, Self::Bullets, Self::Actions];

    pub fn key(self) -> &'static str {
        match self {
            Self::Brief => "brief",
            Self::Detailed => "detailed",
            Self::Bullets => "bullets",
            Self::Actions => "actions",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Brief => "Brief",
            Self::Detailed => "Detailed",
            Self::Bullets => "Bullet points",
            Self::Actions => "Action items",
        }
    }
}

/// A point in the recording worth jumping to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyMoment {
    pub ms: i64,
    pub title: String,
}

/// A sentence of the transcript and when it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Sentence {
    pub start_ms: i64,
    pub text: String,
}

/// What a summariser wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub text: String,
    pub key_moments: Vec<KeyMoment>,
}

/// Words that say nothing about the topic, left out of the ranking.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been",
    "before", "being", "but", "by", "can", "could", "did", "do", "does", "for", "from", "get", "got", "had", "has",
    "have", "he", "her", "here", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "like", "me",
    "more", "most", "my", "no", "not", "now", "of", "on", "one", "or", "our", "out", "over", "really", "said", "she",
    "so", "some", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to",
    "too", "up", "us", "very", "was", "we", "well", "were", "what", "when", "which", "who", "will", "with", "would",
    "yeah", "yes", "you", "your", "okay", "ok", "um", "uh", "oh", "know", "think", "going", "thing", "things",
];

/// Phrases that make a sentence an action item.
const ACTION_CUES: &[&str] = &[
    "will ",
    "we'll ",
    "i'll ",
    "should ",
    "need to ",
    "needs to ",
    "must ",
    "let's ",
    "going to ",
    "have to ",
    "has to ",
    "follow up",
    "next step",
    "action item",
    "deadline",
    "by monday",
    "by tuesday",
    "by wednesday",
    "by thursday",
    "by friday",
    "next week",
    "tomorrow",
    "assign",
    "make sure",
    "plan to ",
    "todo",
    "to do ",
];

fn content_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| w.chars().count() > 2 && !STOPWORDS.contains(&w.as_str()))
}

/// Scores each sentence by how much of the transcript's vocabulary it carries (frequency of its
/// content words, normalised), with very short sentences held back.
fn scores(sentences: &[Sentence]) -> Vec<f64> {
    let mut frequency = std::collections::HashMap::<String, f64>::new();
    for s in sentences {
        for w in content_words(&s.text) {
            *frequency.entry(w).or_default() += 1.0;
        }
    }
    let top = frequency.values().copied().fold(1.0_f64, f64::max);
    sentences
        .iter()
        .map(|s| {
            let words: Vec<String> = content_words(&s.text).collect();
            if words.is_empty() {
                return 0.0;
            }
            let total: f64 = words.iter().map(|w| frequency[w] / top).sum();
            let length = s.text.split_whitespace().count();
            let brevity = if length < 5 { 0.3 } else { 1.0 };
            total / (words.len() as f64).sqrt() * brevity
        })
        .collect()
}

/// Indexes of the `n` best sentences (among `candidates`), back in time order.
fn best(scores: &[f64], candidates: impl Iterator<Item = usize>, n: usize) -> Vec<usize> {
    let mut ranked: Vec<usize> = candidates.collect();
    ranked.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]).then(a.cmp(b)));
    ranked.truncate(n);
    ranked.sort_unstable();
    ranked
}

/// A short title from a sentence: its first words, without a trailing stop.
pub fn title_of(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut title = words.iter().take(8).copied().collect::<Vec<_>>().join(" ");
    title = title.trim_end_matches(['.', ',', ';', ':', '!', '?']).to_owned();
    if words.len() > 8 {
        title.push('…');
    }
    let mut chars = title.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => title,
    }
}

/// The local method: picks sentences, never writes new ones.
pub fn extractive(sentences: &[Sentence], style: SummaryStyle) -> Summary {
    let scores = scores(sentences);
    let all = 0..sentences.len();
    let text = match style {
        SummaryStyle::Brief => join(sentences, &best(&scores, all, 3), " "),
        SummaryStyle::Detailed => {
            let n = (sentences.len() / 6).clamp(6, 12);
            join(sentences, &best(&scores, all, n), " ")
        }
        SummaryStyle::Bullets => bullets(sentences, &best(&scores, all, 5)),
        SummaryStyle::Actions => {
            let actions = sentences.iter().enumerate().filter_map(|(i, s)| {
                let lower = format!("{} ", s.text.to_lowercase());
                ACTION_CUES.iter().any(|cue| lower.contains(cue)).then_some(i)
            });
            let picked = best(&scores, actions, 8);
            if picked.is_empty() {
                "No action items were found in this recording.".to_owned()
            } else {
                bullets(sentences, &picked)
            }
        }
    };
    Summary {
        text,
        key_moments: key_moments(sentences, &scores),
    }
}

fn join(sentences: &[Sentence], picked: &[usize], separator: &str) -> String {
    picked
        .iter()
        .map(|&i| sentences[i].text.trim())
        .collect::<Vec<_>>()
        .join(separator)
}

fn bullets(sentences: &[Sentence], picked: &[usize]) -> String {
    picked
        .iter()
        .map(|&i| format!("• {}", sentences[i].text.trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// 3 to 10 moments (fewer only when there are fewer sentences): the transcript is cut into equal
/// runs of sentences and the best sentence of each run names its moment.
fn key_moments(sentences: &[Sentence], scores: &[f64]) -> Vec<KeyMoment> {
    let worth: Vec<usize> = (0..sentences.len()).filter(|&i| scores[i] > 0.0).collect();
    if worth.is_empty() {
        return Vec::new();
    }
    let count = (worth.len() / 8).clamp(3, 10).min(worth.len());
    (0..count)
        .map(|k| {
            let run = &worth[k * worth.len() / count..(k + 1) * worth.len() / count];
            let i = best(scores, run.iter().copied(), 1)[0];
            KeyMoment {
                ms: sentences[i].start_ms,
                title: title_of(&sentences[i].text),
            }
        })
        .collect()
}

/// Sentences from a transcript's segments: cut at sentence ends, each starting when its first
/// word does (or its segment, when the engine gave no word timings).
pub fn sentences(segments: &[super::SegmentDraft]) -> Vec<Sentence> {
    let mut out = Vec::new();
    for segment in segments {
        if segment.words.is_empty() {
            for text in split_sentences(&segment.text) {
                out.push(Sentence {
                    start_ms: segment.start_ms,
                    text,
                });
            }
            continue;
        }
        let mut current: Option<Sentence> = None;
        for word in &segment.words {
            let s = current.get_or_insert_with(|| Sentence {
                start_ms: word.start_ms,
                text: String::new(),
            });
            if !s.text.is_empty() {
                s.text.push(' ');
            }
            s.text.push_str(word.text.trim());
            if word.text.trim_end().ends_with(['.', '!', '?']) {
                out.extend(current.take());
            }
        }
        out.extend(current);
    }
    out.retain(|s| !s.text.trim().is_empty());
    out
}

fn split_sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        if word.ends_with(['.', '!', '?']) {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64, text: &str) -> Sentence {
        Sentence {
            start_ms: seconds * 1000,
            text: text.to_owned(),
        }
    }

    fn meeting() -> Vec<Sentence> {
        vec![
            at(0, "Good morning everyone."),
            at(3, "Today we review the customer survey results for the new mobile app."),
            at(9, "The weather was nice this weekend."),
            at(14, "Most customers said the new mobile app is easier than the old app."),
            at(20, "Many customers asked for better search in the mobile app."),
            at(27, "Anna will send the survey report to the design team by Friday."),
            at(33, "I had pasta for lunch."),
            at(38, "The design team should test search with ten customers next week."),
            at(45, "Thanks, bye."),
        ]
    }

    #[test]
    fn a_brief_summary_picks_the_sentences_about_the_topic_in_time_order() {
        let summary = extractive(&meeting(), SummaryStyle::Brief);
        assert!(summary.text.contains("easier than the old app"), "{}", summary.text);
        assert!(!summary.text.contains("pasta") && !summary.text.contains("weather"));
        let first = summary.text.find("survey").unwrap();
        let later = summary
            .text
            .find("better search")
            .or(summary.text.find("easier"))
            .unwrap();
        assert!(first < later, "time order: {}", summary.text);
    }

    #[test]
    fn action_items_are_the_sentences_that_commit_someone() {
        let summary = extractive(&meeting(), SummaryStyle::Actions);
        let lines: Vec<&str> = summary.text.lines().collect();
        assert_eq!(lines.len(), 2, "{}", summary.text);
        assert!(lines[0].starts_with("• Anna will send"));
        assert!(lines[1].contains("should test search"));
        let none = extractive(&[at(0, "The sky is blue today.")], SummaryStyle::Actions);
        assert_eq!(none.text, "No action items were found in this recording.");
    }

    #[test]
    fn bullets_are_one_line_each() {
        let summary = extractive(&meeting(), SummaryStyle::Bullets);
        assert_eq!(summary.text.lines().count(), 5);
        assert!(summary.text.lines().all(|l| l.starts_with("• ")));
    }

    #[test]
    fn key_moments_are_three_to_ten_in_time_order_with_short_titles() {
        let moments = extractive(&meeting(), SummaryStyle::Brief).key_moments;
        assert_eq!(moments.len(), 3);
        assert!(moments.windows(2).all(|w| w[0].ms < w[1].ms));
        assert!(moments.iter().all(|m| m.title.split_whitespace().count() <= 8));
        let long: Vec<Sentence> = (0..200)
            .map(|i| at(i * 10, &format!("Topic number {} covers budget item {}.", i % 7, i)))
            .collect();
        assert_eq!(extractive(&long, SummaryStyle::Brief).key_moments.len(), 10);
        assert!(extractive(&[], SummaryStyle::Brief).key_moments.is_empty());
    }

    #[test]
    fn titles_are_the_first_words_capitalised_without_the_stop() {
        assert_eq!(title_of("budget for next year."), "Budget for next year");
        assert_eq!(
            title_of("the design team will share a first version next week"),
            "The design team will share a first version…"
        );
    }

    #[test]
    fn sentences_follow_word_timings_across_segment_text() {
        use super::super::{SegmentDraft, WordDraft};
        let word = |ms: i64, text: &str| WordDraft {
            start_ms: ms,
            end_ms: ms + 300,
            text: text.into(),
            confidence: None,
        };
        let segments = vec![
            SegmentDraft {
                start_ms: 0,
                end_ms: 4000,
                text: "Hello there. How are you?".into(),
                confidence: None,
                words: vec![
                    word(0, "Hello"),
                    word(400, "there."),
                    word(1500, "How"),
                    word(1900, "are"),
                    word(2300, "you?"),
                ],
            },
            SegmentDraft {
                start_ms: 5000,
                end_ms: 8000,
                text: "Fine thanks. Good".into(),
                confidence: None,
                words: vec![],
            },
        ];
        assert_eq!(
            sentences(&segments),
            vec![
                at(0, "Hello there."),
                Sentence {
                    start_ms: 1500,
                    text: "How are you?".into()
                },
                at(5, "Fine thanks."),
                at(5, "Good"),
            ]
        );
    }
}
