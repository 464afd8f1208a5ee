//! The upload panel: a drop zone and file picker for several files, and one row per file with
//! its progress bar, speed, time left, pause/resume and cancel. The work itself happens in the
//! browser (`upload_client`); without JavaScript the panel says so.

use leptos::prelude::*;

use super::{size_in_words, UnfinishedUpload};

#[derive(Clone, Debug, PartialEq)]
pub enum RowState {
    Starting,
    Uploading,
    Paused,
    Finishing,
    /// Uploaded; the server is checking the content.
    Done,
    Failed(String),
    Cancelled,
}

/// One file being uploaded, as the panel shows it. The engine updates the signals.
#[derive(Clone, Copy)]
pub struct UploadRow {
    pub id: u64,
    pub file_name: StoredValue<String>,
    pub size: u64,
    pub state: RwSignal<RowState>,
    /// Bytes that reached storage so far (finished parts and parts on their way).
    pub sent: RwSignal<u64>,
    /// Bytes per second over the last few seconds.
    pub speed: RwSignal<Option<f64>>,
    /// Bumped when an upload completes, so the library reloads.
    pub library_changed: RwSignal<u32>,
}

impl UploadRow {
    pub fn new(id: u64, file_name: String, size: u64, library_changed: RwSignal<u32>) -> Self {
        Self {
            id,
            file_name: StoredValue::new(file_name),
            size,
            state: RwSignal::new(RowState::Starting),
            sent: RwSignal::new(0),
            speed: RwSignal::new(None),
            library_changed,
        }
    }
}

/// "12 s", "3 min", "1 h 5 min".
pub fn time_left_in_words(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s.div_ceil(60)),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

#[component]
pub fn Uploader(
    workspace: String,
    max_upload_bytes: u64,
    unfinished: Vec<UnfinishedUpload>,
    library_changed: RwSignal<u32>,
) -> impl IntoView {
    let rows: RwSignal<Vec<UploadRow>> = RwSignal::new(Vec::new());
    let dragging = RwSignal::new(false);
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    // Unfinished uploads picked up again move into the rows below.
    let resumed: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let unfinished_ids: Vec<String> = unfinished.iter().map(|u| u.recording_id.clone()).collect();
    let any_unfinished = move || unfinished_ids.iter().any(|id| !resumed.with(|r| r.contains(id)));
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let workspace = StoredValue::new(workspace);

    #[cfg(feature = "hydrate")]
    let add_files = {
        // Rows made from event handlers belong to this panel, which outlives the library's reloads.
        let owner = StoredValue::new(Owner::current().expect("components have an owner"));
        move |files: web_sys::FileList, resume: Option<UnfinishedUpload>| -> bool {
            owner.get_value().with(|| {
                super::upload_client::add_files(
                    files,
                    workspace.get_value(),
                    rows,
                    library_changed,
                    problem,
                    max_upload_bytes,
                    resume,
                )
            })
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let add_files = move |_: (), _: Option<UnfinishedUpload>| -> bool {
        let _ = (workspace, rows, problem, library_changed);
        false
    };

    let on_pick = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
            if let Some(files) = input.files() {
                add_files(files, None);
            }
            input.set_value("");
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = ev;
            let _ = add_files((), None);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        #[cfg(feature = "hydrate")]
        if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
            add_files(files, None);
        }
    };

    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900" aria-labelledby="upload-heading">
            <h2 id="upload-heading" class="text-lg font-semibold">"Upload recordings"</h2>
            <div
                class=move || format!(
                    "mt-4 flex flex-col items-center justify-center gap-3 rounded-xl border-2 border-dashed px-4 py-8 text-center transition {}",
                    if dragging.get() { "border-indigo-500 bg-indigo-50 dark:bg-indigo-950/40" } else { "border-slate-300 dark:border-slate-700" }
                )
                data-testid="drop-zone"
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <svg aria-hidden="true" viewBox="0 0 24 24" class="h-8 w-8 text-indigo-600 dark:text-indigo-400" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
                    <path d="M12 16V4m0 0-4 4m4-4 4 4" /><path d="M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" />
                </svg>
                <p class="text-sm text-slate-600 dark:text-slate-300">
                    "Drop audio files here, or "
                    <label for="upload-files" class="cursor-pointer font-semibold text-indigo-700 underline dark:text-indigo-300">"choose files"</label>
                    "."
                </p>
                <input id="upload-files" type="file" multiple accept="audio/*,.mp3,.wav,.m4a,.flac,.ogg,.opus,.webm" class="sr-only" on:change=on_pick disabled=move || !hydrated.get() />
                <p class="text-xs text-slate-500 dark:text-slate-400">
                    "MP3, WAV, M4A, FLAC, OGG, OPUS or WebM, up to " {size_in_words(max_upload_bytes as i64)} " each. Uploads carry on after a lost connection, and after a reload when you pick the file again."
                </p>
                <noscript>
                    <p class="text-sm text-amber-700 dark:text-amber-300">"Uploading needs JavaScript: files go to storage in parts straight from your browser."</p>
                </noscript>
            </div>
            <Show when=move || problem.get().is_some()>
                <p role="alert" class="mt-3 rounded-lg border border-rose-300 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-200">
                    {move || problem.get()}
                </p>
            </Show>
            {(!unfinished.is_empty()).then(|| view! {
                <div class="mt-4 space-y-2" class:hidden=move || !any_unfinished() data-testid="unfinished-uploads">
                    <h3 class="text-sm font-semibold">"Unfinished uploads"</h3>
                    {unfinished.into_iter().map(|u| {
                        let input_id = format!("resume-{}", u.recording_id);
                        let label = format!("Choose {} again to resume", u.file_name);
                        let percent = (u.parts_done * 100) / i64::from(u.part_count.max(1));
                        let pending = u.clone();
                        let id = u.recording_id.clone();
                        let shown = {
                            let id = id.clone();
                            move || !resumed.with(|r| r.contains(&id))
                        };
                        let on_resume = move |ev: leptos::ev::Event| {
                            #[cfg(feature = "hydrate")]
                            {
                                use wasm_bindgen::JsCast;
                                let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
                                if let Some(files) = input.files() {
                                    if add_files(files, Some(pending.clone())) {
                                        resumed.update(|r| r.push(id.clone()));
                                    }
                                }
                                input.set_value("");
                            }
                            #[cfg(not(feature = "hydrate"))]
                            {
                                let _ = (ev, &pending, &id);
                            }
                        };
                        view! {
                            <div class:hidden=move || !shown() class="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm dark:border-amber-900 dark:bg-amber-950/40">
                                <span>
                                    <strong>{u.file_name.clone()}</strong>
                                    " · " {size_in_words(u.size_bytes)} " · " {percent} "% sent"
                                </span>
                                <label for=input_id.clone() class="cursor-pointer rounded-lg border border-amber-300 px-3 py-1 font-medium hover:bg-amber-100 dark:border-amber-800 dark:hover:bg-amber-900">
                                    {label}
                                </label>
                                <input id=input_id type="file" class="sr-only" on:change=on_resume disabled=move || !hydrated.get() />
                            </div>
                        }
                    }).collect_view()}
                </div>
            })}
            <ul class="mt-4 space-y-3" aria-live="polite" data-testid="upload-rows">
                <For each=move || rows.get() key=|row| row.id let:row>
                    <UploadRowView row=row />
                </For>
            </ul>
        </section>
    }
}

#[component]
fn UploadRowView(row: UploadRow) -> impl IntoView {
    let percent = move || {
        if row.size == 0 {
            0.0
        } else {
            (row.sent.get() as f64 * 100.0 / row.size as f64).min(100.0)
        }
    };
    let detail = move || match row.state.get() {
        RowState::Starting => "Starting…".to_owned(),
        RowState::Uploading => {
            let speed = row.speed.get();
            let sent = format!(
                "{} of {}",
                size_in_words(row.sent.get() as i64),
                size_in_words(row.size as i64)
            );
            match speed {
                Some(s) if s > 0.0 => {
                    let left = (row.size.saturating_sub(row.sent.get())) as f64 / s;
                    format!(
                        "{sent} · {}/s · {} left",
                        size_in_words(s as i64),
                        time_left_in_words(left)
                    )
                }
                _ => sent,
            }
        }
        RowState::Paused => format!("Paused at {:.0}%", percent()),
        RowState::Finishing => "Putting the parts together…".to_owned(),
        RowState::Done => "Uploaded. It appears in the library below once its audio is checked.".to_owned(),
        RowState::Failed(reason) => reason,
        RowState::Cancelled => "Cancelled.".to_owned(),
    };
    let active = move || {
        matches!(
            row.state.get(),
            RowState::Starting | RowState::Uploading | RowState::Finishing
        )
    };
    let paused = move || row.state.get() == RowState::Paused;
    let failed = move || matches!(row.state.get(), RowState::Failed(_));
    let settled = move || matches!(row.state.get(), RowState::Done | RowState::Cancelled);
    let name = row.file_name.get_value();
    view! {
        <li class="rounded-xl border border-slate-200 p-3 dark:border-slate-800" data-testid="upload-row">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <p class="min-w-0 truncate text-sm font-medium">{name.clone()}</p>
                <div class="flex gap-2">
                    <Show when=move || active() && row.state.get() == RowState::Uploading>
                        <button type="button" class="rounded-lg border border-slate-300 px-2.5 py-1 text-xs font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800" on:click=move |_| control(row, Control::Pause)>"Pause"</button>
                    </Show>
                    <Show when=move || paused() || failed()>
                        <button type="button" class="rounded-lg border border-slate-300 px-2.5 py-1 text-xs font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800" on:click=move |_| control(row, Control::Resume)>
                            {move || if failed() { "Retry" } else { "Resume" }}
                        </button>
                    </Show>
                    <Show when=move || !settled()>
                        <button type="button" class="rounded-lg border border-rose-300 px-2.5 py-1 text-xs font-semibold text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300 dark:hover:bg-rose-950" on:click=move |_| control(row, Control::Cancel)>"Cancel"</button>
                    </Show>
                </div>
            </div>
            <div
                class="mt-2 h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
                role="progressbar"
                aria-label=format!("Upload of {name}")
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || format!("{:.0}", percent())
            >
                <div
                    class=move || format!(
                        "h-full rounded-full transition-all {}",
                        if failed() { "bg-rose-500" } else if settled() { "bg-emerald-500" } else { "bg-indigo-600" }
                    )
                    style=move || format!("width: {:.1}%", percent())
                ></div>
            </div>
            <p class=move || if failed() { "mt-1 text-xs text-rose-700 dark:text-rose-300" } else { "mt-1 text-xs text-slate-500 dark:text-slate-400" } data-testid="upload-detail">
                {detail}
            </p>
        </li>
    }
}

#[derive(Clone, Copy)]
enum Control {
    Pause,
    Resume,
    Cancel,
}

fn control(row: UploadRow, what: Control) {
    #[cfg(feature = "hydrate")]
    match what {
        Control::Pause => super::upload_client::pause(row),
        Control::Resume => super::upload_client::resume(row),
        Control::Cancel => super::upload_client::cancel(row),
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (row, what);
}
