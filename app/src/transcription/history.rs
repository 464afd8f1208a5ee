//! A transcript's version history: every transcription, run of edits and restore, newest first,
//! with a way to bring an older version back. Loaded when opened (it is rarely looked at).

use leptos::{prelude::*, task::spawn_local};

use super::{
    api::{transcript_versions, RestoreVersion},
    VersionItem,
};

fn reason_label(reason: &str) -> &'static str {
    match reason {
        "transcribed" => "Transcribed",
        "restored" => "Restored",
        _ => "Edited",
    }
}

#[component]
pub fn VersionHistory(
    slug: String,
    id: String,
    /// Shown now: the list is loaded again when it changes.
    version: i32,
    restore: Option<ServerAction<RestoreVersion>>,
) -> impl IntoView {
    let versions = RwSignal::new(None::<Result<Vec<VersionItem>, String>>);
    let ids = StoredValue::new((slug, id));
    let load = move || {
        let (slug, id) = ids.get_value();
        spawn_local(async move {
            versions.set(Some(transcript_versions(slug, id).await.map_err(|e| e.to_string())));
        });
    };
    let on_toggle = move |e: leptos::ev::Event| {
        let open = event_target::<web_sys::HtmlDetailsElement>(&e).open();
        // Again on every opening: edits since make new versions.
        if open {
            load();
        }
    };
    view! {
        <details class="group rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900" on:toggle=on_toggle data-testid="version-history">
            <summary class="cursor-pointer text-lg font-semibold">"Version history"</summary>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                {format!("Version {version} is shown. The last 25 versions are kept; restoring one makes it the newest.")}
            </p>
            {move || match versions.get() {
                None => view! { <p class="mt-3 text-sm text-slate-500" aria-busy="true">"Loading versions…"</p> }.into_any(),
                Some(Err(e)) => view! { <p role="alert" class="mt-3 text-sm text-rose-700 dark:text-rose-300">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">"No versions are kept yet: the first edit keeps the transcript as it was."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ol class="mt-3 divide-y divide-slate-200 dark:divide-slate-800">
                        {list.into_iter().map(|v| {
                            let (slug, id) = ids.get_value();
                            let when = match &v.started_at {
                                Some(first) => format!("{first} – {}", v.at),
                                None => v.at.clone(),
                            };
                            let who = v.author.clone().map(|a| format!(" by {a}")).unwrap_or_default();
                            view! {
                                <li class="flex flex-wrap items-center justify-between gap-2 py-2 text-sm" data-testid="version">
                                    <div>
                                        <span class="font-medium">{format!("Version {}", v.version)}</span>
                                        {v.current.then(|| view! { <span class="ml-2 rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">"shown now"</span> })}
                                        <p class="text-xs text-slate-500 dark:text-slate-400">
                                            {format!("{}{who} · {when} · {} words", reason_label(&v.reason), v.word_count)}
                                        </p>
                                    </div>
                                    {restore.filter(|_| !v.current).map(|restore| view! {
                                        <ActionForm action=restore>
                                            <input type="hidden" name="workspace" value=slug />
                                            <input type="hidden" name="id" value=id />
                                            <input type="hidden" name="version" value=v.version.to_string() />
                                            <button type="submit" class="rounded-lg border border-slate-300 px-2.5 py-1 text-xs font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                                                {format!("Restore version {}", v.version)}
                                            </button>
                                        </ActionForm>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
        </details>
    }
}
