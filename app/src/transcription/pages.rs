//! The transcript panel on a recording's page: where the transcription stands (live, with a
//! progress bar, cancel and "transcribe again"), the summary with its key moments, and the text.

use leptos::prelude::*;

use super::{
    api::{get_transcript, CancelTranscription, RenameSpeaker, RestoreVersion, SummariseAgain, TranscribeAgain},
    clock,
    line_editor::Editing,
    summary::SummaryStyle,
    EngineChoice, Stage, TranscriptView, TranscriptionState,
};
use crate::ui::forms::{latest_outcome, FormAlert, FormNotice, SubmitButton};

/// Follows transcriptions over Server-Sent Events while the calling component lives: one
/// recording's, or (without `recording`) every one in the workspace.
#[cfg(feature = "hydrate")]
pub fn follow(slug: &str, recording: Option<&str>, on_state: impl Fn(TranscriptionState) + 'static) {
    let mut url = format!("/w/{}/live/transcriptions", crate::ui::url_encode(slug));
    if let Some(id) = recording {
        url.push_str(&format!("?recording={}", crate::ui::url_encode(id)));
    }
    let Ok(source) = web_sys::EventSource::new(&url) else {
        return;
    };
    crate::ui::dom::listen(&source, "progress", move |event: web_sys::MessageEvent| {
        let state = event
            .data()
            .as_string()
            .and_then(|text| serde_json::from_str::<TranscriptionState>(&text).ok());
        if let Some(state) = state {
            on_state(state);
        }
    });
    let source = send_wrapper::SendWrapper::new(source);
    on_cleanup(move || source.take().close());
}

/// The library's live transcription states by recording id, pushed by `follow`.
#[derive(Clone, Copy)]
pub struct LiveTranscriptions(pub RwSignal<std::collections::HashMap<String, TranscriptionState>>);

/// Moves the page's player to `ms`, and plays.
fn seek(ms: i64) {
    #[cfg(feature = "hydrate")]
    crate::ui::dom::play_from(ms);
    #[cfg(not(feature = "hydrate"))]
    let _ = ms;
}

/// A recording page's transcript and its actions. Made at the top of the page, outside any
/// Suspense: a resource made inside one gets its id from the order in which the server's queries
/// finish, and the browser, finding no copy under the id it expects, fetches again and stops
/// hydrating.
#[derive(Clone, Copy)]
pub struct TranscriptData {
    view: Resource<Result<TranscriptView, crate::error::AppError>>,
    cancel: ServerAction<CancelTranscription>,
    again: ServerAction<TranscribeAgain>,
    summarise: ServerAction<SummariseAgain>,
    restore: ServerAction<RestoreVersion>,
    rename: ServerAction<RenameSpeaker>,
    live: RwSignal<Option<TranscriptionState>>,
    /// When the shown transcript's state last changed.
    shown_ms: StoredValue<Option<i64>>,
    /// When a run followed live last finished after what is shown.
    finished: Memo<Option<i64>>,
    mounted: crate::ui::Mounted,
}

impl TranscriptData {
    pub fn new(slug: Memo<String>, id: Memo<String>) -> Self {
        let cancel = ServerAction::<CancelTranscription>::new();
        let again = ServerAction::<TranscribeAgain>::new();
        let summarise = ServerAction::<SummariseAgain>::new();
        let restore = ServerAction::<RestoreVersion>::new();
        let rename = ServerAction::<RenameSpeaker>::new();
        let live = RwSignal::new(None::<TranscriptionState>);
        let shown_ms = StoredValue::new(None::<i64>);
        // A run that finished after what is shown brings the new transcript or summary (the
        // stream's first event repeats the loaded state, which must not load it all again).
        let finished = Memo::new(move |_| {
            live.get()
                .filter(|s| s.stage == Stage::Done || s.stage == Stage::Failed)
                .filter(|s| shown_ms.get_value().is_none_or(|shown| s.updated_ms > shown))
                .map(|s| s.updated_ms)
        });
        let view = Resource::new(
            move || {
                (
                    slug.get(),
                    id.get(),
                    cancel.version().get()
                        + again.version().get()
                        + summarise.version().get()
                        + restore.version().get()
                        + rename.version().get(),
                    finished.get(),
                )
            },
            |(slug, id, _, _)| get_transcript(slug, id),
        );
        let mounted = crate::ui::Mounted::new();
        // Follows once the transcript is on the page (see `Mounted`), for as long as the page lives.
        #[cfg(feature = "hydrate")]
        Effect::new(move |_| {
            if mounted.get() {
                follow(&slug.get_untracked(), Some(&id.get_untracked()), move |state| {
                    live.set(Some(state))
                });
            }
        });
        Self {
            view,
            cancel,
            again,
            summarise,
            restore,
            rename,
            live,
            shown_ms,
            finished,
            mounted,
        }
    }

    /// Changes when a run ends (finished, failed, or cancelled here or elsewhere): what the page
    /// shows about the recording itself (an edit's player, say) may have changed with it.
    pub fn run_ended(&self) -> (usize, Option<i64>, bool) {
        let cancelled = self
            .live
            .with(|s| s.as_ref().is_some_and(|s| s.stage == Stage::Cancelled));
        (self.cancel.version().get(), self.finished.get(), cancelled)
    }
}

#[component]
pub fn TranscriptPanel(slug: String, id: String, data: TranscriptData) -> impl IntoView {
    let TranscriptData {
        view: view_data,
        cancel,
        again,
        summarise,
        restore,
        rename,
        live,
        shown_ms,
        mounted,
        ..
    } = data;
    let (notice, error) = latest_outcome(&[
        cancel.value(),
        again.value(),
        summarise.value(),
        restore.value(),
        rename.value(),
    ]);
    view! {
        <section class="space-y-6" aria-labelledby="transcript-heading" data-testid="transcript-panel">
            <FormNotice message=notice />
            <FormAlert error />
            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading the transcript…"</p> }>
                {move || {
                    let (slug, id) = (slug.clone(), id.clone());
                    Suspend::new(async move {
                        match view_data.await {
                            Err(e) => view! { <p role="alert" class="text-sm text-rose-700 dark:text-rose-300">{e.to_string()}</p> }.into_any(),
                            Ok(data) => {
                                shown_ms.set_value(data.state.as_ref().map(|s| s.updated_ms));
                                mounted.mark();
                                view! { <TranscriptBodyView data slug id live cancel again summarise restore rename /> }.into_any()
                            }
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn TranscriptBodyView(
    data: TranscriptView,
    slug: String,
    id: String,
    live: RwSignal<Option<TranscriptionState>>,
    cancel: ServerAction<CancelTranscription>,
    again: ServerAction<TranscribeAgain>,
    summarise: ServerAction<SummariseAgain>,
    restore: ServerAction<RestoreVersion>,
    rename: ServerAction<RenameSpeaker>,
) -> impl IntoView {
    let loaded = data.state.clone();
    // Whichever is newer: what the page loaded, or what was pushed since.
    let state = Signal::derive(move || match (live.get(), loaded.clone()) {
        (Some(pushed), Some(loaded)) if loaded.updated_ms > pushed.updated_ms => Some(loaded),
        (pushed, loaded) => pushed.or(loaded),
    });
    let can_run = data.can_run;
    let openai = data.openai_available;
    let (s3, i3) = (slug.clone(), id.clone());
    let ids = StoredValue::new((slug, id));
    let slug_of = move || ids.with_value(|(s, _)| s.clone());
    let id_of = move || ids.with_value(|(_, i)| i.clone());
    view! {
        <div class="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="transcription-status">
            <h2 id="transcript-heading" class="text-lg font-semibold">"Transcript"</h2>
            {move || match state.get() {
                None => view! { <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"This recording has not been transcribed."</p> }.into_any(),
                Some(s) => {
                    let overall = s.stage.overall_percent(s.percent);
                    view! {
                        <div class="mt-2 space-y-2">
                            <p class="text-sm">
                                <span class="font-medium" data-testid="transcription-stage">{s.stage.label()}</span>
                                {(s.stage == Stage::Transcribing).then(|| format!(" · {}%", s.percent))}
                                {s.engine.clone().map(|e| view! { <span class="text-slate-500 dark:text-slate-400">" · " {engine_label(&e)}</span> })}
                            </p>
                            {s.stage.is_active().then(|| view! {
                                <div role="progressbar" aria-label="Transcription progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow=overall.to_string()
                                    class="h-2 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800">
                                    <div class="h-full rounded-full bg-indigo-600 transition-all duration-500" style=format!("width: {overall}%")></div>
                                </div>
                            })}
                            {s.error.clone().map(|why| view! {
                                <p role="alert" data-testid="transcription-error" class="rounded-lg border border-rose-300 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-200">{why}</p>
                            })}
                        </div>
                    }.into_any()
                }
            }}
            {(can_run && data.has_audio).then(move || {
                view! {
                    <div class="mt-3 flex flex-wrap items-end gap-3">
                        <Show when=move || state.get().is_some_and(|s| s.stage.is_active())>
                            <ActionForm action=cancel>
                                <input type="hidden" name="workspace" value=slug_of() />
                                <input type="hidden" name="id" value=id_of() />
                                <SubmitButton label="Cancel transcription" pending=cancel.pending() danger=true />
                            </ActionForm>
                        </Show>
                        <Show when=move || !state.get().is_some_and(|s| s.stage.is_active())>
                            <ActionForm action=again attr:class="flex flex-wrap items-end gap-2">
                                <input type="hidden" name="workspace" value=slug_of() />
                                <input type="hidden" name="id" value=id_of() />
                                <div>
                                    <label for="transcribe-engine" class="block text-sm font-medium">"Engine"</label>
                                    <select id="transcribe-engine" name="engine" class="mt-1 rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950">
                                        {EngineChoice::ALL.into_iter().filter(|e| *e == EngineChoice::Local || openai).map(|e| {
                                            let selected = state.get_untracked().is_some_and(|s| s.requested_engine == e);
                                            view! { <option value=e.key() selected=selected>{e.label()}</option> }
                                        }).collect_view()}
                                    </select>
                                </div>
                                <SubmitButton label="Transcribe again" pending=again.pending() />
                            </ActionForm>
                        </Show>
                    </div>
                }
            })}
        </div>
        {data.summary.clone().map(|summary| {
            let restyle = can_run.then(|| (s3.clone(), i3.clone(), summarise));
            view! { <SummaryCard summary restyle /> }
        })}
        {data.transcript.clone().map(|transcript| {
            let version = transcript.version;
            let editing = can_run.then(|| Editing::new(slug_of(), id_of(), version, &transcript.segments));
            view! {
                <TranscriptText transcript=transcript.clone() editing=editing />
                {data.can_speak.then(|| view! {
                    <super::speak_card::SpeakCard slug=slug_of() id=id_of() has_summary=data.summary.is_some() elevenlabs=data.elevenlabs_available />
                })}
                {(data.can_cut && data.state.as_ref().is_some_and(|s| s.stage == Stage::Done)).then(|| {
                    let duration_ms = data.duration_ms.unwrap_or_else(|| transcript.segments.last().map_or(0, |l| l.end_ms));
                    view! { <super::cut_editor::CutEditor slug=slug_of() id=id_of() duration_ms /> }
                })}
                {editing.map(|editing| view! { <SpeakersCard editing slug=slug_of() id=id_of() rename /> })}
                <super::history::VersionHistory slug=slug_of() id=id_of() version restore=can_run.then_some(restore) />
                <ExportCard slug=slug_of() id=id_of() has_summary=data.summary.is_some() />
            }
        })}
    }
}

/// Downloads of the transcript: a plain GET form, so it works before the page is interactive.
#[component]
fn ExportCard(slug: String, id: String, has_summary: bool) -> impl IntoView {
    let action = format!(
        "/w/{}/recordings/{}/export",
        crate::ui::url_encode(&slug),
        crate::ui::url_encode(&id)
    );
    let check = "h-4 w-4 rounded border-slate-300 text-indigo-600 dark:border-slate-700";
    view! {
        <form method="get" action=action data-testid="export" class="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h2 class="text-lg font-semibold">"Export"</h2>
            <div class="mt-3 flex flex-wrap items-end gap-4">
                <div>
                    <label for="export-format" class="block text-sm font-medium">"Format"</label>
                    <select id="export-format" name="format" class="mt-1 rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950">
                        <option value="txt">"Text (.txt)"</option>
                        <option value="docx">"Word document (.docx)"</option>
                        <option value="srt">"Subtitles (.srt)"</option>
                        <option value="vtt">"Web subtitles (.vtt)"</option>
                        <option value="json">"JSON with word timings (.json)"</option>
                    </select>
                </div>
                <fieldset class="flex flex-wrap gap-4 text-sm">
                    <legend class="sr-only">"Include"</legend>
                    <label class="flex items-center gap-2"><input type="checkbox" name="timestamps" value="1" checked class=check />"Timestamps (text)"</label>
                    <label class="flex items-center gap-2"><input type="checkbox" name="speakers" value="1" checked class=check />"Speakers"</label>
                    {has_summary.then(|| view! {
                        <label class="flex items-center gap-2"><input type="checkbox" name="summary" value="1" checked class=check />"Summary (text, JSON)"</label>
                    })}
                </fieldset>
                <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500">"Download"</button>
            </div>
        </form>
    }
}

/// The summary, its key moments (each seeks the page's player) and, for those who may, a form
/// to summarise again in another style.
#[component]
pub fn SummaryCard(
    summary: super::SummaryView,
    /// Workspace slug, recording id and the action, when the viewer may ask for a new summary.
    #[prop(optional_no_strip)]
    restyle: Option<(String, String, ServerAction<SummariseAgain>)>,
) -> impl IntoView {
    view! {
        <div class="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="summary">
            <div class="flex flex-wrap items-center gap-2">
                <h2 class="text-lg font-semibold">"Summary"</h2>
                <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-300">{summary.style.label()}</span>
                {if summary.is_extractive() {
                    view! { <span data-testid="summary-method" title="Sentences picked from the transcript on this server" class="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200">"extractive"</span> }.into_any()
                } else {
                    view! { <span data-testid="summary-method" class="rounded-full bg-indigo-100 px-2 py-0.5 text-xs font-medium text-indigo-900 dark:bg-indigo-950 dark:text-indigo-200">{engine_label(&summary.method)}</span> }.into_any()
                }}
            </div>
            <p class="mt-2 whitespace-pre-line text-sm leading-6" data-testid="summary-text">{summary.text.clone()}</p>
            {(!summary.key_moments.is_empty()).then(|| view! {
                <h3 class="mt-4 text-sm font-semibold">"Key moments"</h3>
                <ol class="mt-1 space-y-1" data-testid="key-moments">
                    {summary.key_moments.iter().map(|m| {
                        let ms = m.ms;
                        view! {
                            <li>
                                <button type="button" on:click=move |_| seek(ms) class="text-left text-sm hover:underline">
                                    <span class="mr-2 font-mono text-indigo-700 dark:text-indigo-300">{clock(ms)}</span>
                                    {m.title.clone()}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            })}
            {restyle.map(|(slug, id, summarise)| view! {
                <ActionForm action=summarise attr:class="mt-4 flex flex-wrap items-end gap-2">
                    <input type="hidden" name="workspace" value=slug />
                    <input type="hidden" name="id" value=id />
                    <div>
                        <label for="summary-style" class="block text-sm font-medium">"Summary style"</label>
                        <select id="summary-style" name="style" class="mt-1 rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950">
                            {SummaryStyle::ALL.into_iter().map(|s| view! { <option value=s.key() selected=s == summary.style>{s.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <SubmitButton label="Summarise again" pending=summarise.pending() />
                </ActionForm>
            })}
        </div>
    }
}

/// The transcript to read along with the player (see `reader`).
#[component]
pub fn TranscriptText(
    transcript: super::TranscriptBody,
    /// Present when the viewer may edit lines.
    #[prop(default = None)]
    editing: Option<Editing>,
) -> impl IntoView {
    let mut meta = format!(
        "{} words · version {} · {}",
        transcript.word_count,
        transcript.version,
        engine_label(&transcript.engine)
    );
    if let Some(language) = &transcript.language {
        meta.push_str(&format!(" · language: {language}"));
    }
    view! { <super::reader::TranscriptReader transcript meta editing /> }
}

/// "local:tiny.en" → "Whisper tiny.en on this server"; "openai:whisper-1" → "whisper-1".
fn engine_label(engine: &str) -> String {
    match engine.split_once(':') {
        Some(("local", model)) => format!("Whisper {model} on this server"),
        Some(("import", _)) => "imported from the first AudioTricks (line times are estimates)".to_owned(),
        Some(("openai", model)) | Some(("model", model)) => model.to_owned(),
        _ => engine.to_owned(),
    }
}

/// The transcript's speakers, each renamed on every line at once (to another's name: merged).
#[component]
fn SpeakersCard(editing: Editing, slug: String, id: String, rename: ServerAction<RenameSpeaker>) -> impl IntoView {
    let ids = StoredValue::new((slug, id));
    view! {
        <div class="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="speakers">
            <h2 class="text-lg font-semibold">"Speakers"</h2>
            {move || {
                let counted = editing.speakers.get();
                if counted.is_empty() {
                    return view! {
                        <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                            "Nobody is named yet. Edit a line to say who speaks it; then rename a speaker here to change every line at once."
                        </p>
                    }.into_any();
                }
                let (slug, id) = ids.get_value();
                view! {
                    <ul class="mt-3 space-y-3">
                        {counted.into_iter().enumerate().map(|(i, (name, lines))| {
                            let field = format!("speaker-rename-{i}");
                            let (slug, id) = (slug.clone(), id.clone());
                            view! {
                                <li>
                                    <ActionForm action=rename attr:class="flex flex-wrap items-end gap-2">
                                        <input type="hidden" name="workspace" value=slug.clone() />
                                        <input type="hidden" name="id" value=id.clone() />
                                        <input type="hidden" name="from" value=name.clone() />
                                        <div>
                                            <label for=field.clone() class="block text-sm font-medium">
                                                {format!("Rename {name} ({lines} line{})", if lines == 1 { "" } else { "s" })}
                                            </label>
                                            <input id=field name="to" value=name.clone() maxlength="50" required
                                                class="mt-1 rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950" />
                                        </div>
                                        <SubmitButton label="Rename" pending=rename.pending() />
                                    </ActionForm>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}
