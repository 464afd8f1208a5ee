//! A transcript's lines as the reader shows them, and editing one in place: the text saves itself
//! a moment after typing stops (and on Done, Enter or leaving the field), comes back re-timed, and
//! each finished edit can be undone and redone. When someone else changed the same line first,
//! nothing is overwritten: the editor sees their text and chooses.

use leptos::{prelude::*, task::spawn_local};

use super::{
    api::{edit_line, set_line_speaker},
    clock,
    reader::word_id,
    EditOutcome, SegmentView,
};
use crate::error::AppError;

/// Milliseconds after the last keystroke before a line saves itself.
#[cfg(feature = "hydrate")]
const AUTOSAVE_AFTER_MS: u64 = 1_200;

/// One finished edit of a line, for undo and redo.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub line: usize,
    pub before: String,
    pub after: String,
}

/// Whether and where lines can be edited, shared by the reader's lines.
#[derive(Clone, Copy)]
pub struct Editing {
    ids: StoredValue<(String, String)>,
    /// The transcript version this page has seen.
    pub version: RwSignal<i32>,
    /// The line being edited.
    pub open: RwSignal<Option<usize>>,
    pub undo: RwSignal<Vec<Change>>,
    pub redo: RwSignal<Vec<Change>>,
    /// Others changed lines since this page loaded (theirs are kept; a reload shows them).
    pub others_changed: RwSignal<bool>,
    /// What the last undo or redo came to, when it needs saying.
    pub notice: RwSignal<Option<String>>,
    /// Who speaks, and how many lines each, as the lines now say.
    pub speakers: RwSignal<Vec<(String, usize)>>,
}

/// Each speaker's name and line count, by name.
pub fn speaker_counts(lines: &[SegmentView]) -> Vec<(String, usize)> {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for name in lines.iter().filter_map(|l| l.speaker.clone()) {
        *counts.entry(name).or_default() += 1;
    }
    counts.into_iter().collect()
}

impl Editing {
    pub fn new(slug: String, id: String, version: i32, lines: &[SegmentView]) -> Self {
        Self {
            ids: StoredValue::new((slug, id)),
            version: RwSignal::new(version),
            open: RwSignal::new(None),
            undo: RwSignal::new(Vec::new()),
            redo: RwSignal::new(Vec::new()),
            others_changed: RwSignal::new(false),
            notice: RwSignal::new(None),
            speakers: RwSignal::new(speaker_counts(lines)),
        }
    }

    async fn save(self, line: usize, original: String, text: String) -> Result<EditOutcome, AppError> {
        let (slug, id) = self.ids.get_value();
        edit_line(slug, id, self.version.get_untracked(), line as i32, original, text).await
    }

    /// Says who speaks line `line`; the line comes back as saved.
    fn set_speaker(
        self,
        line: RwSignal<SegmentView>,
        j: usize,
        name: String,
        status: RwSignal<Option<String>>,
        on_saved: Callback<()>,
    ) {
        let (slug, id) = self.ids.get_value();
        status.set(Some("Saving…".into()));
        spawn_local(async move {
            match set_line_speaker(slug, id, self.version.get_untracked(), j as i32, name).await {
                Ok(EditOutcome::Saved {
                    version,
                    line: saved,
                    others_changed,
                }) => {
                    let who = saved.speaker.clone();
                    self.saved(version, others_changed, line, saved, on_saved);
                    status.try_set(Some(match who {
                        Some(who) => format!("{who} speaks this line."),
                        None => "No speaker named for this line.".into(),
                    }));
                }
                Ok(EditOutcome::Conflict { .. }) => {}
                Err(e) => {
                    status.try_set(Some(e.to_string()));
                }
            }
        });
    }

    /// Takes in a line the server saved as `version`; false when the line is no longer on the
    /// page (the transcript loaded again meanwhile).
    fn saved(
        self,
        version: i32,
        others_changed: bool,
        line: RwSignal<SegmentView>,
        saved: SegmentView,
        on_saved: Callback<()>,
    ) -> bool {
        self.version.set(version);
        if others_changed {
            self.others_changed.set(true);
        }
        let shown = line.try_set(saved).is_none();
        if shown {
            on_saved.run(());
        }
        shown
    }

    /// Takes back the last edit (`back`) or does again the last one taken back.
    pub fn step(self, back: bool, lines: StoredValue<Vec<RwSignal<SegmentView>>>, on_saved: Callback<()>) {
        let (from, to) = if back {
            (self.undo, self.redo)
        } else {
            (self.redo, self.undo)
        };
        let Some(change) = from.try_update(Vec::pop).flatten() else {
            return;
        };
        let Some(line) = lines.with_value(|l| l.get(change.line).copied()) else {
            return;
        };
        let (original, text) = if back {
            (change.after.clone(), change.before.clone())
        } else {
            (change.before.clone(), change.after.clone())
        };
        self.notice.set(None);
        spawn_local(async move {
            match self.save(change.line, original, text).await {
                Ok(EditOutcome::Saved {
                    version,
                    line: saved,
                    others_changed,
                }) => {
                    if self.saved(version, others_changed, line, saved, on_saved) {
                        to.update(|c| c.push(change));
                    }
                }
                Ok(EditOutcome::Conflict { theirs, by, .. }) => {
                    self.notice.set(Some(format!(
                        "The line at {} was changed by {} since, so it was left as it is.",
                        clock(theirs.start_ms),
                        by.unwrap_or_else(|| "someone else".into())
                    )));
                }
                Err(e) => {
                    self.notice.set(Some(e.to_string()));
                    from.update(|c| c.push(change));
                }
            }
        });
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    Unsaved,
    Saving,
    Saved,
    Failed(String),
    Conflict { theirs: SegmentView, by: Option<String> },
}

/// Whether two texts have the same words (spacing aside): what saving compares.
pub fn same_words(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// One line being edited: what it was when opened, what the server has, what is typed.
#[derive(Clone, Copy)]
struct Session {
    j: usize,
    line: RwSignal<SegmentView>,
    editing: Editing,
    on_saved: Callback<()>,
    opened: StoredValue<String>,
    saved: StoredValue<String>,
    draft: RwSignal<String>,
    status: RwSignal<Status>,
    in_flight: StoredValue<bool>,
    /// Another save was asked for while one was under way (and whether to close after it).
    again: StoredValue<Option<bool>>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    typed: StoredValue<u32>,
}

impl Session {
    fn save(self, close: bool) {
        if self.in_flight.get_value() {
            self.again.update_value(|a| *a = Some(a.unwrap_or(false) || close));
            return;
        }
        let text = self.draft.get_untracked();
        let saved = self.saved.get_value();
        if same_words(&text, &saved) {
            if close {
                self.finish();
            } else if self.status.get_untracked() == Status::Unsaved {
                self.status.set(Status::Saved);
            }
            return;
        }
        if text.trim().is_empty() {
            self.status.set(Status::Failed(
                "A line can't be empty: type what was said (Cancel brings back the old text).".into(),
            ));
            return;
        }
        self.in_flight.set_value(true);
        self.status.set(Status::Saving);
        spawn_local(async move {
            let outcome = self.editing.save(self.j, saved, text).await;
            // The editor may be gone by now (closed, or the whole transcript loaded again).
            if self.in_flight.try_set_value(false).is_some() {
                return;
            }
            match outcome {
                Ok(EditOutcome::Saved {
                    version,
                    line,
                    others_changed,
                }) => {
                    self.saved.set_value(line.text.clone());
                    self.editing
                        .saved(version, others_changed, self.line, line, self.on_saved);
                    match self.again.get_value() {
                        Some(close_after) => {
                            self.again.set_value(None);
                            self.save(close || close_after);
                        }
                        None if close => self.finish(),
                        None => self.status.set(Status::Saved),
                    }
                }
                Ok(EditOutcome::Conflict { version, theirs, by }) => {
                    self.again.set_value(None);
                    self.editing.version.set(version);
                    self.status.set(Status::Conflict { theirs, by });
                }
                Err(e) => {
                    self.again.set_value(None);
                    self.status.set(Status::Failed(e.to_string()));
                }
            }
        });
    }

    /// Closes the editor; a line that changed becomes one step to undo.
    fn finish(self) {
        let (before, after) = (self.opened.get_value(), self.saved.get_value());
        if !same_words(&before, &after) {
            self.editing.undo.update(|u| {
                u.push(Change {
                    line: self.j,
                    before,
                    after,
                })
            });
            self.editing.redo.set(Vec::new());
        }
        self.editing.open.set(None);
    }

    /// Puts back the text the line had when opened.
    fn cancel(self) {
        self.draft.set(self.opened.get_value());
        self.save(true);
    }

    fn keep_theirs(self, theirs: SegmentView) {
        self.opened.set_value(theirs.text.clone());
        self.saved.set_value(theirs.text.clone());
        self.line.set(theirs);
        self.on_saved.run(());
        self.finish();
    }

    fn use_mine(self, theirs: SegmentView) {
        self.saved.set_value(theirs.text.clone());
        self.line.set(theirs);
        self.on_saved.run(());
        self.save(false);
    }

    /// Saves without closing, unless the editor is waiting for a choice between two texts.
    fn autosave(self) {
        // None: the editor has closed (a field being removed still reports its blur).
        match self.status.try_get_untracked() {
            None | Some(Status::Conflict { .. }) => {}
            Some(_) => self.save(false),
        }
    }

    fn typed(self, text: String) {
        self.draft.set(text);
        self.status.set(Status::Unsaved);
        #[cfg(feature = "hydrate")]
        {
            self.typed.update_value(|n| *n += 1);
            let mine = self.typed.get_value();
            set_timeout(
                move || {
                    if self.typed.try_get_value() == Some(mine) {
                        self.autosave();
                    }
                },
                std::time::Duration::from_millis(AUTOSAVE_AFTER_MS),
            );
        }
    }
}

const BUTTON: &str = "rounded-lg border border-slate-300 px-2.5 py-1 text-xs font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

/// Line `j` of the transcript: its start (a seek button), who speaks, and its words (each with its
/// start time, for the reader's one click listener), or, while open, its editor.
#[component]
pub fn TranscriptLine(
    j: usize,
    line: RwSignal<SegmentView>,
    editing: Option<Editing>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let start = line.with_untracked(|l| l.start_ms);
    let is_open = Memo::new(move |_| editing.is_some_and(|e| e.open.get() == Some(j)));
    let text = move || {
        line.with(|l| {
            let words: Vec<_> = super::reader::reading_words(l)
                .into_iter()
                .enumerate()
                .map(|(k, (ms, end, text))| {
                    view! { <span id=word_id(j, k) data-ms=ms.to_string() data-end=end.to_string() class="word">{text}</span>" " }
                })
                .collect();
            view! {
                <p>
                    {l.speaker.clone().map(|sp| view! { <span class="mr-1 font-semibold">{sp} ":"</span> })}
                    {words}
                </p>
            }
        })
    };
    view! {
        <li id=format!("seg{j}") class="group flex scroll-mt-24 gap-3 text-sm leading-7" data-testid="transcript-line">
            <button type="button" data-ms=start.to_string() aria-label=format!("Play from {}", clock(start))
                class="shrink-0 self-start pt-0.5 font-mono text-xs text-indigo-700 hover:underline dark:text-indigo-300">{clock(start)}</button>
            <div class="min-w-0 flex-1">
                {move || match (is_open.get(), editing) {
                    (true, Some(editing)) => view! { <LineEditor j line editing on_saved /> }.into_any(),
                    _ => text().into_any(),
                }}
            </div>
            {editing.map(|editing| view! {
                <button type="button" on:click=move |_| editing.open.set(Some(j)) hidden=move || is_open.get()
                    aria-label=format!("Edit the line at {}", clock(start))
                    class="line-edit">
                    "Edit"
                </button>
            })}
        </li>
    }
}

#[component]
fn LineEditor(j: usize, line: RwSignal<SegmentView>, editing: Editing, on_saved: Callback<()>) -> impl IntoView {
    let opened = line.with_untracked(|l| l.text.clone());
    let session = Session {
        j,
        line,
        editing,
        on_saved,
        opened: StoredValue::new(opened.clone()),
        saved: StoredValue::new(opened.clone()),
        draft: RwSignal::new(opened),
        status: RwSignal::new(Status::Idle),
        in_flight: StoredValue::new(false),
        again: StoredValue::new(None),
        typed: StoredValue::new(0),
    };
    let speaker = RwSignal::new(line.with_untracked(|l| l.speaker.clone().unwrap_or_default()));
    let speaker_status = RwSignal::new(None::<String>);
    let field = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if let Some(field) = field.get() {
            let _ = field.focus();
        }
    });
    let start = line.with_untracked(|l| l.start_ms);
    let id = format!("line-edit-{j}");
    let status = session.status;
    view! {
        <div class="space-y-2">
            <label for=id.clone() class="sr-only">{format!("Text of the line at {}", clock(start))}</label>
            <textarea id=id node_ref=field rows="3" spellcheck="true" data-testid="line-editor"
                class="block w-full rounded-lg border border-indigo-300 bg-white px-3 py-2 text-sm leading-6 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 dark:border-indigo-800 dark:bg-slate-950"
                prop:value=move || session.draft.get()
                on:input=move |e| session.typed(event_target_value(&e))
                on:blur=move |_| session.autosave()
                on:keydown=move |e: leptos::ev::KeyboardEvent| match e.key().as_str() {
                    "Enter" if !e.shift_key() => { e.prevent_default(); session.save(true); }
                    "Escape" => { e.prevent_default(); session.cancel(); }
                    _ => {}
                }></textarea>
            <div class="flex flex-wrap items-center gap-2">
                <button type="button" class=BUTTON on:mousedown=|e| e.prevent_default() on:click=move |_| session.save(true)>"Done"</button>
                <button type="button" class=BUTTON on:mousedown=|e| e.prevent_default() on:click=move |_| session.cancel()>"Cancel"</button>
                <span class="text-xs text-slate-500 dark:text-slate-400" aria-live="polite" data-testid="line-status">
                    {move || match status.get() {
                        Status::Idle => "Enter saves, Esc cancels. Edited words keep their timing.".to_owned(),
                        Status::Unsaved => "Unsaved changes…".to_owned(),
                        Status::Saving => "Saving…".to_owned(),
                        Status::Saved => "Saved".to_owned(),
                        Status::Failed(_) | Status::Conflict { .. } => String::new(),
                    }}
                </span>
            </div>
            <div class="flex flex-wrap items-end gap-2">
                <div>
                    <label for=format!("line-speaker-{j}") class="block text-xs font-medium">"Speaker"</label>
                    <input id=format!("line-speaker-{j}") type="text" maxlength="50" placeholder="Who speaks this line"
                        class="mt-1 rounded-lg border border-slate-300 bg-white px-2.5 py-1 text-sm dark:border-slate-700 dark:bg-slate-950"
                        prop:value=move || speaker.get()
                        on:input=move |e| speaker.set(event_target_value(&e))
                        on:keydown=move |e: leptos::ev::KeyboardEvent| if e.key() == "Enter" {
                            e.prevent_default();
                            editing.set_speaker(line, j, speaker.get_untracked(), speaker_status, on_saved);
                        } />
                </div>
                <button type="button" class=BUTTON on:mousedown=|e| e.prevent_default()
                    on:click=move |_| editing.set_speaker(line, j, speaker.get_untracked(), speaker_status, on_saved)>"Set speaker"</button>
                <span class="text-xs text-slate-500 dark:text-slate-400" aria-live="polite" data-testid="speaker-status">{move || speaker_status.get()}</span>
            </div>
            {move || match status.get() {
                Status::Failed(why) => Some(view! {
                    <p role="alert" class="text-xs text-rose-700 dark:text-rose-300">{format!("Not saved: {why} Your text is still here.")}</p>
                }.into_any()),
                Status::Conflict { theirs, by } => {
                    let (keep, mine) = (theirs.clone(), theirs.clone());
                    Some(view! {
                        <div role="alert" class="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-800 dark:bg-amber-950" data-testid="line-conflict">
                            <p class="font-medium">{format!("{} changed this line while you were editing it. Nothing was overwritten.", by.unwrap_or_else(|| "Someone else".into()))}</p>
                            <p class="mt-1"><span class="font-medium">"Theirs: "</span>{theirs.text.clone()}</p>
                            <div class="mt-2 flex gap-2">
                                <button type="button" class=BUTTON on:mousedown=|e| e.prevent_default() on:click=move |_| session.keep_theirs(keep.clone())>"Keep theirs"</button>
                                <button type="button" class=BUTTON on:mousedown=|e| e.prevent_default() on:click=move |_| session.use_mine(mine.clone())>"Use mine"</button>
                            </div>
                        </div>
                    }.into_any())
                }
                _ => None,
            }}
        </div>
    }
}
