//! `/w/{slug}/import`: bringing back the first AudioTricks' history. The JSON is pasted, or read
//! from a chosen file into the same field (in the browser; nothing is uploaded until Import).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::{api::ImportHistory, ImportReport};
use crate::{
    accounts::pages::RequireUser,
    ui::forms::{action_error, echoed, field_error, FormAlert, SubmitButton},
};

/// Largest file read into the field (the server takes at most 8 MB of history).
#[cfg(feature = "hydrate")]
const MAX_FILE_BYTES: f64 = 8.0 * 1024.0 * 1024.0;

/// How to get the history out of the old app, step by step.
const STEPS: [&str; 3] = [
    "Open the first AudioTricks in the browser you used it in.",
    "Open the browser's developer tools (F12), then the Console.",
    "Type copy(localStorage.getItem('audioTricks_history')) and press Enter: the history is now copied. Paste it below (or save it as a .json file and choose it).",
];

#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default());
    let import = ServerAction::<ImportHistory>::new();
    let history = RwSignal::new(String::new());
    let file_note = RwSignal::new(None::<String>);
    let report = move || import.value().get().and_then(|r| r.ok());
    let on_file = move |_e: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let input = event_target::<web_sys::HtmlInputElement>(&_e);
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            if file.size() > MAX_FILE_BYTES {
                file_note.set(Some(format!(
                    "{} is {:.1} MB; the old app never kept more than 5 MB, so this is not its history.",
                    file.name(),
                    file.size() / 1_048_576.0
                )));
                return;
            }
            let name = file.name();
            leptos::task::spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    Ok(text) => {
                        history.set(text.as_string().unwrap_or_default());
                        file_note.set(Some(format!("Read {name}. Check it below, then import.")));
                    }
                    Err(_) => file_note.set(Some(format!("{name} could not be read."))),
                }
            });
        }
    };
    view! {
        <Title text="Import history" />
        <RequireUser>
            <section class="mx-auto max-w-3xl space-y-6">
                <div>
                    <A href=move || format!("/w/{}/recordings", slug.get()) attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">"← Recordings"</A>
                    <h1 class="mt-1 text-2xl font-bold tracking-tight sm:text-3xl">"Import from the first AudioTricks"</h1>
                    <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                        "The first AudioTricks kept your transcripts in the browser, where clearing its data lost them. Bring them here: each becomes a transcript with its summary and key moments (there is no audio to play, and line times are estimates). Importing the same history again adds nothing twice."
                    </p>
                </div>
                <ol class="list-decimal space-y-1 rounded-2xl border border-slate-200 bg-white p-5 pl-9 text-sm dark:border-slate-800 dark:bg-slate-900">
                    {STEPS.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                </ol>
                <ActionForm action=import attr:class="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
                    <FormAlert error=action_error(import) />
                    <input type="hidden" name="workspace" value=move || slug.get() />
                    <div>
                        <label for="history-file" class="block text-sm font-medium">"History file (optional)"</label>
                        <input id="history-file" type="file" accept=".json,application/json,text/plain" on:change=on_file
                            class="mt-1 block text-sm file:mr-3 file:rounded-lg file:border-0 file:bg-indigo-50 file:px-3 file:py-1.5 file:text-sm file:font-semibold file:text-indigo-700 dark:file:bg-indigo-950 dark:file:text-indigo-200" />
                        {move || file_note.get().map(|n| view! { <p class="mt-1 text-xs text-slate-600 dark:text-slate-400" role="status">{n}</p> })}
                    </div>
                    <div>
                        <label for="history" class="block text-sm font-medium">"History (JSON)"</label>
                        <textarea id="history" name="history" rows="10" spellcheck="false" aria-describedby="history-error"
                            placeholder="[{\"id\": \"…\", \"timestamp\": \"…\", \"title\": \"…\", \"results\": {…}}]"
                            class="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 font-mono text-xs dark:border-slate-700 dark:bg-slate-950"
                            prop:value=move || echoed(import, "history").get().unwrap_or_else(|| history.get())
                            on:input=move |e| history.set(event_target_value(&e))></textarea>
                        {move || field_error(import, "history").get().map(|e| view! {
                            <p id="history-error" class="mt-1 text-sm text-rose-700 dark:text-rose-300">{e}</p>
                        })}
                    </div>
                    <SubmitButton label="Import" pending=import.pending() />
                </ActionForm>
                {move || report().map(|r| view! { <ImportResult report=r slug=slug.get_untracked() /> })}
            </section>
        </RequireUser>
    }
}

#[component]
fn ImportResult(report: ImportReport, slug: String) -> impl IntoView {
    let summary = match (report.imported.len(), report.skipped.len(), report.problems.len()) {
        (0, 0, _) => "Nothing was imported.".to_owned(),
        (n, skipped, failed) => {
            let mut s = format!("Imported {n} transcript{}.", if n == 1 { "" } else { "s" });
            if skipped > 0 {
                s.push_str(&format!(" {skipped} had been imported before."));
            }
            if failed > 0 {
                s.push_str(&format!(" {failed} could not be read."));
            }
            s
        }
    };
    let ImportReport {
        imported,
        problems,
        notes,
        ..
    } = report;
    view! {
        <div class="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" data-testid="import-report" role="status">
            <p class="font-medium">{summary}</p>
            {(!imported.is_empty()).then(|| view! {
                <ul class="list-disc space-y-1 pl-5 text-sm">
                    {imported.into_iter().map(|i| view! {
                        <li><A href=format!("/w/{slug}/recordings/{}", i.id) attr:class="text-indigo-700 hover:underline dark:text-indigo-300">{i.title}</A></li>
                    }).collect_view()}
                </ul>
            })}
            {(!problems.is_empty()).then(|| view! {
                <div>
                    <h2 class="text-sm font-semibold text-rose-800 dark:text-rose-200">"Not imported"</h2>
                    <ul class="mt-1 list-disc space-y-1 pl-5 text-sm text-rose-800 dark:text-rose-200" data-testid="import-problems">
                        {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    </ul>
                </div>
            })}
            {(!notes.is_empty()).then(|| view! {
                <ul class="list-disc space-y-1 pl-5 text-sm text-amber-800 dark:text-amber-200">
                    {notes.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                </ul>
            })}
        </div>
    }
}
