//! The cards that link a recording's relatives: the versions of its original (edits with
//! passages cut) and its read-aloud recordings. Links load the whole page, so it follows that
//! recording live.

use leptos::prelude::*;

use super::duration_in_words;

/// The versions of a recording's original: the original and each edit made by cutting passages.
#[component]
pub fn VersionsCard(slug: String, versions: Vec<super::RecordingVersion>) -> impl IntoView {
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="recording-versions">
            <h2 class="text-lg font-semibold">"Versions"</h2>
            <ol class="mt-2 space-y-1 text-sm">
                {versions.into_iter().map(|v| {
                    let what = match (v.removed_ms, v.passages) {
                        (Some(removed), Some(n)) => format!(
                            "{n} passage{} cut ({:.1} s)",
                            if n == 1 { "" } else { "s" },
                            removed as f64 / 1000.0
                        ),
                        _ => "original".to_owned(),
                    };
                    let length = if v.rendering {
                        "being made".to_owned()
                    } else {
                        v.duration_ms.map(duration_in_words).unwrap_or_default()
                    };
                    let label = format!("Version {}", v.version);
                    view! {
                        <li class="flex flex-wrap items-baseline gap-2">
                            {if v.current {
                                view! { <span class="font-semibold" aria-current="page">{label}</span> }.into_any()
                            } else {
                                view! {
                                    // A whole page load, so the page follows that recording live.
                                    <a href=super::recording_path(&slug, &v.id) rel="external" class="font-semibold text-indigo-700 hover:underline dark:text-indigo-300">{label}</a>
                                }.into_any()
                            }}
                            <span class="text-slate-600 dark:text-slate-400">{format!("{what} · {length}")}</span>
                            {v.current.then(|| view! { <span class="rounded-full bg-indigo-100 px-2 py-0.5 text-xs font-medium text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200">"this page"</span> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

/// Read-aloud recordings: the ones made from this recording, or what this one was read from.
#[component]
pub fn SpokenCard(slug: String, links: Vec<super::speech::SpokenLink>) -> impl IntoView {
    let link = "font-semibold text-indigo-700 hover:underline dark:text-indigo-300";
    if let Some(this) = links.iter().find(|l| l.current) {
        let source = match (&this.source_id, &this.source_title) {
            (Some(id), Some(title)) => view! {
                <a href=super::recording_path(&slug, id) rel="external" class=link>{title.clone()}</a>
            }
            .into_any(),
            _ => view! { <span>"a recording no longer in the library"</span> }.into_any(),
        };
        return view! {
            <p class="rounded-2xl border border-slate-200 bg-white p-4 text-sm shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="spoken-from">
                {format!("The {} of ", this.spoken.key())} {source} {format!(", read aloud by {}.", this.voice_name)}
            </p>
        }
        .into_any();
    }
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="spoken-versions">
            <h2 class="text-lg font-semibold">"Read aloud"</h2>
            <ul class="mt-2 space-y-1 text-sm">
                {links.into_iter().map(|l| view! {
                    <li class="flex flex-wrap items-baseline gap-2">
                        <a href=super::recording_path(&slug, &l.id) rel="external" class=link>{l.title.clone()}</a>
                        <span class="text-slate-600 dark:text-slate-400">
                            {format!("{} · {}", l.voice_name, if l.rendering { "being made" } else { "ready" })}
                        </span>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}
