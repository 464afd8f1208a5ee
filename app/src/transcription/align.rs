//! Re-timing a line's words after its text is edited, so seeking and subtitles stay right: the
//! words that stayed keep their times, and each run of changed words shares the time of the words
//! it replaced (by length). Words typed where there were none take the pause between their
//! neighbours. Runs on the server for every save; pure, so it is tested on its own.

/// (start ms, end ms, text).
pub type TimedWord = (i64, i64, String);

/// The most words a line may hold after an edit (the diff is quadratic in it).
pub const MAX_LINE_WORDS: usize = 1_000;

/// `text` split into words, as lines are stored and shown.
pub fn words_of(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// The new words of a line spoken from `span.0` to `span.1` whose words were `old`. A line
/// without word timings stays without them.
pub fn realign(old: &[TimedWord], new_text: &str, span: (i64, i64)) -> Vec<TimedWord> {
    let new = words_of(new_text);
    if old.is_empty() || new.is_empty() {
        return Vec::new();
    }
    let kept = common_words(old, &new);
    let mut out = Vec::with_capacity(new.len());
    // Walk the gaps between kept words (and before the first and after the last).
    let (mut o, mut n) = (0, 0);
    for &(ko, kn) in kept.iter().chain(std::iter::once(&(old.len(), new.len()))) {
        if kn > n {
            let time = if ko > o {
                (old[o].0, old[ko - 1].1)
            } else {
                let from = if o > 0 { old[o - 1].1 } else { span.0.min(old[0].0) };
                let to = old.get(o).map_or(span.1.max(from), |w| w.0);
                (from, to.max(from))
            };
            share(&new[n..kn], time, &mut out);
        }
        if ko < old.len() {
            out.push((old[ko].0, old[ko].1, new[kn].to_owned()));
        }
        (o, n) = (ko + 1, kn + 1);
    }
    out
}

/// Splits `time` among `words` by their length.
fn share(words: &[&str], time: (i64, i64), out: &mut Vec<TimedWord>) {
    let weights: Vec<i64> = words.iter().map(|w| w.chars().count().max(1) as i64).collect();
    let total: i64 = weights.iter().sum();
    let length = time.1 - time.0;
    let mut before = 0;
    for (word, weight) in words.iter().zip(weights) {
        let start = time.0 + length * before / total;
        before += weight;
        let end = time.0 + length * before / total;
        out.push((start, end, (*word).to_owned()));
    }
}

/// The longest run of words both texts keep, as (old index, new index) pairs in order.
fn common_words(old: &[TimedWord], new: &[&str]) -> Vec<(usize, usize)> {
    let (a, b) = (old.len(), new.len());
    // lengths[i][j]: the longest common run of old[i..] and new[j..].
    let mut lengths = vec![0_u32; (a + 1) * (b + 1)];
    let at = |i: usize, j: usize| i * (b + 1) + j;
    for i in (0..a).rev() {
        for j in (0..b).rev() {
            lengths[at(i, j)] = if old[i].2 == new[j] {
                lengths[at(i + 1, j + 1)] + 1
            } else {
                lengths[at(i + 1, j)].max(lengths[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < a && j < b {
        if old[i].2 == new[j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if lengths[at(i + 1, j)] >= lengths[at(i, j + 1)] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(words: &[(&str, i64, i64)]) -> Vec<TimedWord> {
        words.iter().map(|(t, s, e)| (*s, *e, (*t).to_owned())).collect()
    }

    const SPAN: (i64, i64) = (1_000, 4_000);

    fn old() -> Vec<TimedWord> {
        line(&[
            ("the", 1_000, 1_200),
            ("quick", 1_300, 1_800),
            ("brown", 1_900, 2_400),
            ("fox", 2_500, 3_000),
        ])
    }

    #[test]
    fn unchanged_words_keep_their_times() {
        assert_eq!(realign(&old(), "the quick brown fox", SPAN), old());
        assert_eq!(realign(&old(), "  the quick\nbrown   fox ", SPAN), old());
    }

    #[test]
    fn a_replaced_word_takes_the_time_of_the_word_it_replaced() {
        let got = realign(&old(), "the quick red fox", SPAN);
        assert_eq!(
            got,
            line(&[
                ("the", 1_000, 1_200),
                ("quick", 1_300, 1_800),
                ("red", 1_900, 2_400),
                ("fox", 2_500, 3_000)
            ])
        );
    }

    #[test]
    fn words_replacing_a_run_share_its_time_by_length() {
        // "quick brown" (1300–2400) becomes "slow" + "greyish": 4 and 7 letters of 1100 ms.
        let got = realign(&old(), "the slow greyish fox", SPAN);
        assert_eq!(
            got,
            line(&[
                ("the", 1_000, 1_200),
                ("slow", 1_300, 1_700),
                ("greyish", 1_700, 2_400),
                ("fox", 2_500, 3_000)
            ])
        );
    }

    #[test]
    fn inserted_words_take_the_pause_between_their_neighbours() {
        let got = realign(&old(), "the very quick brown fox", SPAN);
        assert_eq!(got[1], (1_200, 1_300, "very".to_owned()));
        assert_eq!(got[2], (1_300, 1_800, "quick".to_owned()));
        // After the last word: the rest of the line.
        let got = realign(&old(), "the quick brown fox jumps", SPAN);
        assert_eq!(got[4], (3_000, 4_000, "jumps".to_owned()));
        // Before the first: from the line's start, here no time at all.
        let got = realign(&old(), "oh the quick brown fox", SPAN);
        assert_eq!(got[0], (1_000, 1_000, "oh".to_owned()));
    }

    #[test]
    fn deleted_words_leave_the_others_alone() {
        let got = realign(&old(), "the fox", SPAN);
        assert_eq!(got, line(&[("the", 1_000, 1_200), ("fox", 2_500, 3_000)]));
    }

    #[test]
    fn times_stay_in_order_whatever_the_edit() {
        for text in [
            "fox brown quick the",
            "a b c d e f g h",
            "the the the",
            "quick",
            "fox the",
        ] {
            let got = realign(&old(), text, SPAN);
            assert_eq!(got.len(), words_of(text).len(), "{text}");
            for w in &got {
                assert!(w.0 <= w.1, "{text}: {w:?}");
            }
            for pair in got.windows(2) {
                assert!(pair[0].0 <= pair[1].0, "{text}: {pair:?}");
            }
            assert!(got.iter().all(|w| w.0 >= SPAN.0 && w.1 <= SPAN.1), "{text}: {got:?}");
        }
    }

    #[test]
    fn a_line_without_word_times_stays_without() {
        assert!(realign(&[], "anything at all", SPAN).is_empty());
    }
}
