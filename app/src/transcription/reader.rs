//! The transcript as something to read along with: every word is clickable (it seeks the page's
//! player), the word being played is highlighted and, in follow mode, kept in view; playback
//! speed, find with match count, and keyboard shortcuts (listed with "?").
//!
//! Words are plain spans with their start time; one listener on the list handles clicks, and the
//! highlight moves by toggling a class on two elements, so a long transcript costs no reactive
//! work per word.

use leptos::prelude::*;

use super::{
    chunks::Chunks,
    line_editor::{Editing, TranscriptLine},
    SegmentView, TranscriptBody,
};
#[cfg(feature = "hydrate")]
use crate::ui::dom::{listen, player};
#[cfg(feature = "hydrate")]
use wasm_bindgen::JsCast;

/// Seconds the arrow keys and J/L move.
#[cfg(feature = "hydrate")]
const STEP_SECONDS: f64 = 5.0;
const SPEEDS: [&str; 6] = ["0.5", "0.75", "1", "1.25", "1.5", "2"];

/// The words in reading order: start, end, the line each belongs to and its place there.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    words: Vec<(i64, i64, usize, usize)>,
    /// Lower-cased text of all words joined by single spaces, and where each word starts in it.
    text: String,
    offsets: Vec<usize>,
}

/// The element id of word `k` of line `j`.
pub fn word_id(j: usize, k: usize) -> String {
    format!("w{j}-{k}")
}

impl Timeline {
    pub fn of(body: &TranscriptBody) -> Self {
        Self::of_lines(&body.segments)
    }

    pub fn of_lines(lines: &[SegmentView]) -> Self {
        let mut timeline = Self::default();
        for (j, segment) in lines.iter().enumerate() {
            for (k, (start, end, text)) in reading_words(segment).into_iter().enumerate() {
                if !timeline.text.is_empty() {
                    timeline.text.push(' ');
                }
                timeline.offsets.push(timeline.text.len());
                timeline.text.push_str(&text.to_lowercase());
                timeline.words.push((start, end, j, k));
            }
        }
        timeline
    }

    /// The element id of word `i` in reading order.
    pub fn id_of(&self, i: usize) -> Option<String> {
        self.words.get(i).map(|w| word_id(w.2, w.3))
    }

    /// The word being spoken at `ms`: the last one started by then.
    pub fn word_at(&self, ms: i64) -> Option<usize> {
        let after = self.words.partition_point(|(start, _, _, _)| *start <= ms);
        after.checked_sub(1)
    }

    pub fn segment_of(&self, word: usize) -> Option<usize> {
        self.words.get(word).map(|w| w.2)
    }

    /// Each match of `query` (case-insensitive, across words): its first and last word.
    pub fn find(&self, query: &str) -> Vec<(usize, usize)> {
        let query = query.trim().to_lowercase();
        if query.is_empty() {
            return Vec::new();
        }
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(at) = self.text[from..].find(&query) {
            let start = from + at;
            let end = start + query.len() - 1;
            let first = self.offsets.partition_point(|o| *o <= start) - 1;
            let last = self.offsets.partition_point(|o| *o <= end) - 1;
            found.push((first, last));
            from = start + query.len().max(1);
        }
        found
    }
}

/// A segment's words as shown: with their timings, or its whole text at its start.
pub fn reading_words(segment: &SegmentView) -> Vec<(i64, i64, String)> {
    if segment.words.is_empty() {
        vec![(segment.start_ms, segment.end_ms, segment.text.trim().to_owned())]
    } else {
        segment.words.clone()
    }
}

#[cfg(feature = "hydrate")]
fn element(id: &str) -> Option<web_sys::Element> {
    document().get_element_by_id(id)
}

/// Adds `class` to the elements with these ids, after taking it off the ones that had it.
#[cfg(feature = "hydrate")]
pub(super) fn mark(class: &str, ids: &[String]) {
    let marked = document().get_elements_by_class_name(class);
    let old: Vec<web_sys::Element> = (0..marked.length()).filter_map(|i| marked.item(i)).collect();
    for e in old {
        let _ = e.class_list().remove_1(class);
    }
    for id in ids {
        if let Some(e) = element(id) {
            let _ = e.class_list().add_1(class);
        }
    }
}

#[cfg(feature = "hydrate")]
fn scroll_into_view(id: &str) {
    if let Some(e) = element(id) {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Center);
        options.set_behavior(web_sys::ScrollBehavior::Smooth);
        e.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// The transcript with its reading tools. Words are styled from the list (one rule, not a class
/// list on each of an hour's 10,000 words).
#[component]
pub fn TranscriptReader(
    transcript: TranscriptBody,
    #[prop(into)] meta: String,
    /// Present when the viewer may edit lines.
    editing: Option<Editing>,
) -> impl IntoView {
    let timeline = StoredValue::new(Timeline::of(&transcript));
    let lines = StoredValue::new(
        transcript
            .segments
            .iter()
            .cloned()
            .map(RwSignal::new)
            .collect::<Vec<_>>(),
    );
    // Bumped when a line's words change, so find and the highlight use the new timeline.
    let revision = RwSignal::new(0_u32);
    let on_saved = Callback::new(move |()| {
        let now: Vec<SegmentView> = lines.with_value(|l| l.iter().map(|line| line.get_untracked()).collect());
        timeline.set_value(Timeline::of_lines(&now));
        revision.update(|r| *r += 1);
        if let Some(editing) = editing {
            editing.speakers.set(super::line_editor::speaker_counts(&now));
        }
    });
    let chunks = Chunks::new(transcript.segments.len());
    let follow = RwSignal::new(true);
    let query = RwSignal::new(String::new());
    let current_match = RwSignal::new(0_usize);
    let help = RwSignal::new(false);
    let matches = Memo::new(move |_| {
        revision.track();
        timeline.with_value(|t| t.find(&query.get()))
    });
    let match_count = move || matches.with(Vec::len);

    #[cfg(feature = "hydrate")]
    {
        // The player drives the highlight; follow mode keeps the current line in view.
        // Reads no signal, so it runs once, after the transcript is in the page.
        Effect::new(move |_| {
            let Some(audio) = player() else { return };
            let last = std::cell::Cell::new((None::<usize>, None::<usize>));
            let media = audio.clone();
            listen(&audio, "timeupdate", move |_: web_sys::Event| {
                let ms = (media.current_time() * 1000.0) as i64;
                let word = timeline.with_value(|t| t.word_at(ms));
                let (previous_word, previous_segment) = last.get();
                if word == previous_word {
                    return;
                }
                let id = word.and_then(|w| timeline.with_value(|t| t.id_of(w)));
                let segment = word.and_then(|w| timeline.with_value(|t| t.segment_of(w)));
                let following =
                    follow.get_untracked() && segment.is_some() && segment != previous_segment && !media.paused();
                if following {
                    chunks.reveal(segment.unwrap_or(0));
                }
                request_animation_frame(move || {
                    mark("is-current", &id.into_iter().collect::<Vec<_>>());
                    if following {
                        scroll_into_view(&format!("seg{}", segment.unwrap_or(0)));
                    }
                });
                last.set((word, segment));
            });
            // Space/K play or pause, ←/J and →/L move 5 s, ? shows the shortcuts, Esc hides them.
            listen(&window(), "keydown", move |e: web_sys::KeyboardEvent| {
                let typing = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                    .is_some_and(|t| {
                        matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || t.is_content_editable()
                    });
                if typing {
                    return;
                }
                // Ctrl/Cmd+Z undoes the last edit; with Shift, or Ctrl+Y, redoes it.
                if let (Some(editing), true) = (editing, e.ctrl_key() || e.meta_key()) {
                    match e.key().as_str() {
                        "z" | "Z" => {
                            e.prevent_default();
                            editing.step(!e.shift_key(), lines, on_saved);
                        }
                        "y" | "Y" => {
                            e.prevent_default();
                            editing.step(false, lines, on_saved);
                        }
                        _ => {}
                    }
                }
                if e.ctrl_key() || e.meta_key() || e.alt_key() {
                    return;
                }
                let Some(audio) = player() else { return };
                match e.key().as_str() {
                    " " | "k" | "K" => {
                        e.prevent_default();
                        if audio.paused() {
                            crate::ui::dom::play(&audio);
                        } else {
                            let _ = audio.pause();
                        }
                    }
                    "ArrowLeft" | "j" | "J" => {
                        e.prevent_default();
                        audio.set_current_time((audio.current_time() - STEP_SECONDS).max(0.0));
                    }
                    "ArrowRight" | "l" | "L" => {
                        e.prevent_default();
                        audio.set_current_time(audio.current_time() + STEP_SECONDS);
                    }
                    "?" => help.update(|h| *h = !*h),
                    "Escape" => help.set(false),
                    _ => {}
                }
            });
        });
        // Matches are marked (on chunks shown later too), and the current one brought into view.
        // Runs a frame later, so nothing of it may outlive the reader: None once it is gone.
        let mark_matches = move || -> Option<Vec<String>> {
            let found = matches.try_get_untracked()?;
            let current = current_match.try_get_untracked()?.min(found.len().saturating_sub(1));
            let (ids, here): (Vec<String>, Vec<String>) = timeline.try_with_value(|t| {
                let ids_of =
                    |(first, last): &(usize, usize)| (*first..=*last).filter_map(|w| t.id_of(w)).collect::<Vec<_>>();
                (
                    found.iter().flat_map(ids_of).collect(),
                    found.get(current).map(ids_of).unwrap_or_default(),
                )
            })?;
            mark("is-match", &ids);
            mark("is-match-current", &here);
            Some(here)
        };
        Effect::new(move |_| {
            chunks.shown.track();
            request_animation_frame(move || {
                mark_matches();
            });
        });
        Effect::new(move |_| {
            let found = matches.get();
            let current = current_match.get().min(found.len().saturating_sub(1));
            if let Some(segment) = found
                .get(current)
                .and_then(|(first, _)| timeline.with_value(|t| t.segment_of(*first)))
            {
                chunks.reveal(segment);
            }
            request_animation_frame(move || {
                if let Some(first) = mark_matches().unwrap_or_default().first() {
                    scroll_into_view(first);
                }
            });
        });
        // Chunks come onto the page as the reader scrolls near them.
        Effect::new(move |_| {
            let pending = std::rc::Rc::new(std::cell::Cell::new(false));
            let look = move || chunks.show_near();
            look();
            listen(&window(), "scroll", move |_: web_sys::Event| {
                if !pending.replace(true) {
                    let pending = pending.clone();
                    request_animation_frame(move || {
                        pending.set(false);
                        look();
                    });
                }
            });
        });
    }

    let step = move |by: isize| {
        let n = matches.with(Vec::len);
        if n > 0 {
            current_match.update(|c| *c = ((*c as isize + by).rem_euclid(n as isize)) as usize);
        }
    };
    let on_click = move |e: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            let ms = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.get_attribute("data-ms"))
                .and_then(|ms| ms.parse::<i64>().ok());
            if let Some(ms) = ms {
                crate::ui::dom::play_from(ms);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = e;
    };
    let chunk_views = chunks.views(&transcript.segments, move |from, to| {
        let here = lines.with_value(|l| l[from..to].to_vec());
        here.into_iter()
            .enumerate()
            .map(|(i, line)| view! { <TranscriptLine j=from + i line editing on_saved /> })
            .collect_view()
            .into_any()
    });
    let empty = transcript.segments.is_empty();
    let input_class =
        "rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
    view! {
        <div class="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <p class="text-xs text-slate-500 dark:text-slate-400">{meta}</p>
            {(!empty).then(|| view! {
                <div class="sticky top-0 z-10 -mx-4 mt-2 flex flex-wrap items-end gap-3 border-b border-slate-200 bg-white/95 px-4 py-2 backdrop-blur dark:border-slate-800 dark:bg-slate-900/95">
                    <div>
                        <label for="find-in-transcript" class="block text-xs font-medium">"Find in transcript"</label>
                        <input id="find-in-transcript" type="search" class=input_class
                            prop:value=move || query.get()
                            on:input=move |e| { query.set(event_target_value(&e)); current_match.set(0); }
                            on:keydown=move |e: leptos::ev::KeyboardEvent| if e.key() == "Enter" { e.prevent_default(); step(if e.shift_key() { -1 } else { 1 }); } />
                    </div>
                    <p class="pb-1.5 text-xs text-slate-600 dark:text-slate-400" aria-live="polite" data-testid="find-count">
                        {move || match (query.with(|q| q.trim().is_empty()), match_count()) {
                            (true, _) => String::new(),
                            (false, 0) => "No matches".to_owned(),
                            (false, n) => format!("{} of {n}", current_match.get().min(n - 1) + 1),
                        }}
                    </p>
                    <div class="flex gap-1 pb-0.5">
                        <button type="button" on:click=move |_| step(-1) disabled=move || match_count() == 0 aria-label="Previous match"
                            class="rounded-lg border border-slate-300 px-2 py-1 text-sm disabled:opacity-40 dark:border-slate-700">"↑"</button>
                        <button type="button" on:click=move |_| step(1) disabled=move || match_count() == 0 aria-label="Next match"
                            class="rounded-lg border border-slate-300 px-2 py-1 text-sm disabled:opacity-40 dark:border-slate-700">"↓"</button>
                    </div>
                    <div>
                        <label for="playback-speed" class="block text-xs font-medium">"Speed"</label>
                        <select id="playback-speed" class=input_class on:change=move |_e| {
                            #[cfg(feature = "hydrate")]
                            if let (Ok(rate), Some(audio)) = (event_target_value(&_e).parse::<f64>(), player()) {
                                audio.set_playback_rate(rate);
                            }
                        }>
                            {SPEEDS.into_iter().map(|s| view! { <option value=s selected=s == "1">{format!("{s}×")}</option> }).collect_view()}
                        </select>
                    </div>
                    <label class="flex items-center gap-2 pb-1.5 text-sm">
                        <input type="checkbox" prop:checked=move || follow.get() on:change=move |e| follow.set(event_target_checked(&e))
                            class="h-4 w-4 rounded border-slate-300 text-indigo-600 dark:border-slate-700" />
                        "Follow along"
                    </label>
                    {editing.map(|editing| view! {
                        <div class="flex gap-1 pb-0.5">
                            <button type="button" on:click=move |_| editing.step(true, lines, on_saved) disabled=move || editing.undo.with(Vec::is_empty)
                                title="Undo the last edit (Ctrl+Z)"
                                class="rounded-lg border border-slate-300 px-2.5 py-1 text-sm disabled:opacity-40 dark:border-slate-700">"Undo"</button>
                            <button type="button" on:click=move |_| editing.step(false, lines, on_saved) disabled=move || editing.redo.with(Vec::is_empty)
                                title="Redo (Ctrl+Shift+Z)"
                                class="rounded-lg border border-slate-300 px-2.5 py-1 text-sm disabled:opacity-40 dark:border-slate-700">"Redo"</button>
                        </div>
                    })}
                    <button type="button" on:click=move |_| help.set(true) class="ml-auto pb-1.5 text-sm text-indigo-700 hover:underline dark:text-indigo-300">
                        "Keyboard shortcuts"
                    </button>
                </div>
            })}
            {editing.map(|editing| view! {
                {move || editing.notice.get().map(|n| view! {
                    <p role="status" class="mt-2 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">{n}</p>
                })}
                <Show when=move || editing.others_changed.get()>
                    <p role="status" data-testid="others-changed" class="mt-2 flex flex-wrap items-center gap-2 rounded-lg bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:bg-sky-950 dark:text-sky-100">
                        "Someone else has changed other lines since you opened this transcript. Yours and theirs are both saved."
                        <a href="" class="font-semibold underline">"Reload to see theirs"</a>
                    </p>
                </Show>
            })}
            {if empty {
                view! { <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"No speech was found in this recording."</p> }.into_any()
            } else {
                view! {
                    <div on:click=on_click data-testid="transcript-segments"
                        class="mt-3 [&_.line-edit]:shrink-0 [&_.line-edit]:self-start [&_.line-edit]:rounded [&_.line-edit]:px-1.5 [&_.line-edit]:text-xs [&_.line-edit]:font-medium [&_.line-edit]:text-slate-500 [&_.line-edit:hover]:bg-slate-100 [&_.line-edit:hover]:text-slate-900 dark:[&_.line-edit]:text-slate-400 dark:[&_.line-edit:hover]:bg-slate-800 dark:[&_.line-edit:hover]:text-white sm:[&_.line-edit]:opacity-0 sm:[&_li:hover_.line-edit]:opacity-100 [&_.line-edit:focus]:opacity-100 [&_.word]:cursor-pointer [&_.word]:rounded [&_.word]:px-0.5 [&_.word:hover]:bg-indigo-100 dark:[&_.word:hover]:bg-indigo-900 [&_.is-current]:bg-amber-200 [&_.is-cut]:bg-rose-100 [&_.is-cut]:line-through [&_.is-cut]:opacity-60 dark:[&_.is-cut]:bg-rose-950 [&_.is-match]:bg-sky-100 [&_.is-match-current]:bg-sky-300 dark:[&_.is-current]:bg-amber-700 dark:[&_.is-match]:bg-sky-900 dark:[&_.is-match-current]:bg-sky-700">
                        {chunk_views}
                    </div>
                }.into_any()
            }}
            <Show when=move || help.get()>
                <div class="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/50 p-4" on:click=move |_| help.set(false)>
                    <div role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" data-testid="shortcuts"
                        class="w-full max-w-sm rounded-2xl bg-white p-5 shadow-xl dark:bg-slate-900" on:click=|e| e.stop_propagation()>
                        <h2 id="shortcuts-title" class="text-lg font-semibold">"Keyboard shortcuts"</h2>
                        <dl class="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
                            <dt class="font-mono">"Space or K"</dt><dd>"Play or pause"</dd>
                            <dt class="font-mono">"← or J"</dt><dd>"Back 5 seconds"</dd>
                            <dt class="font-mono">"→ or L"</dt><dd>"Forward 5 seconds"</dd>
                            <dt class="font-mono">"Click a word"</dt><dd>"Play from that word"</dd>
                            <dt class="font-mono">"Enter in Find"</dt><dd>"Next match (Shift: previous)"</dd>
                            {editing.is_some().then(|| view! {
                                <dt class="font-mono">"Ctrl+Z"</dt><dd>"Undo the last edit"</dd>
                                <dt class="font-mono">"Ctrl+Shift+Z"</dt><dd>"Redo"</dd>
                                <dt class="font-mono">"Enter / Esc"</dt><dd>"In a line: save / cancel"</dd>
                            })}
                            <dt class="font-mono">"?"</dt><dd>"Show or hide this list"</dd>
                        </dl>
                        <button type="button" on:click=move |_| help.set(false)
                            class="mt-4 rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Close"</button>
                    </div>
                </div>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> TranscriptBody {
        let seg = |start: i64, words: &[(&str, i64)]| SegmentView {
            start_ms: start,
            end_ms: start + 3000,
            text: words.iter().map(|w| w.0).collect::<Vec<_>>().join(" "),
            speaker: None,
            words: words.iter().map(|(t, s)| (*s, *s + 400, (*t).to_owned())).collect(),
        };
        TranscriptBody {
            version: 1,
            language: Some("en".into()),
            engine: "local:tiny.en".into(),
            segments: vec![
                seg(0, &[("Better", 0), ("search", 500), ("please.", 1000)]),
                seg(4000, &[("The", 4000), ("search", 4500), ("team", 5000)]),
            ],
            word_count: 6,
        }
    }

    #[test]
    fn the_word_at_a_time_is_the_last_one_started() {
        let t = Timeline::of(&body());
        assert_eq!(t.word_at(-1), None);
        assert_eq!(t.word_at(0), Some(0));
        assert_eq!(t.word_at(999), Some(1));
        assert_eq!(t.word_at(4_600), Some(4));
        assert_eq!(t.segment_of(4), Some(1));
        assert_eq!(t.word_at(60_000), Some(5));
    }

    #[test]
    fn find_matches_words_and_phrases_across_segments_ignoring_case() {
        let t = Timeline::of(&body());
        assert_eq!(t.find("SEARCH"), [(1, 1), (4, 4)]);
        assert_eq!(t.find("please. the"), [(2, 3)]);
        assert_eq!(t.find("ear"), [(1, 1), (4, 4)]);
        assert!(t.find("  ").is_empty());
        assert!(t.find("nothing").is_empty());
    }
}
