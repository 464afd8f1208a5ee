//! The library's parts: the filter form and one recording's row (title, status, live
//! transcription badge, tags, search snippet, and its trash/restore/delete buttons).

use leptos::prelude::*;
use leptos_router::components::A;

use super::{
    api::{DeleteRecording, RestoreRecording, TrashRecording},
    duration_in_words,
    filter::{LibraryFilter, SORTS, STATUSES},
    pages::status_badge,
    size_in_words, RecordingItem, RecordingStatus,
};

const SMALL_BUTTON: &str = "rounded-lg border border-slate-300 px-2.5 py-1 text-xs font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

const FILTER_INPUT: &str = "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";

/// Search, status, tag, upload dates and order: a GET form, so the filtered list is an address.
/// Inputs take `value` (the attribute), not `prop:value`: what someone types before the page has
/// hydrated is kept.
#[component]
pub(super) fn FilterForm(
    slug: Memo<String>,
    trash: Memo<bool>,
    filter: Memo<LibraryFilter>,
    tags: Vec<String>,
    speakers: Vec<String>,
) -> impl IntoView {
    let f = move || filter.get();
    let clear = move || {
        format!(
            "/w/{}/recordings{}",
            slug.get(),
            if trash.get() { "?trash=1" } else { "" }
        )
    };
    view! {
        <form method="get" role="search" action=move || format!("/w/{}/recordings", slug.get())
            class="grid grid-cols-2 items-end gap-3 rounded-2xl border border-slate-200 bg-white p-4 sm:grid-cols-3 lg:grid-cols-8 dark:border-slate-800 dark:bg-slate-900"
            data-testid="library-filters">
            {move || trash.get().then(|| view! { <input type="hidden" name="trash" value="1" /> })}
            <div class="col-span-2 sm:col-span-3 lg:col-span-2">
                <label for="library-search" class="block text-xs font-medium">"Search titles and transcripts"</label>
                <input id="library-search" type="search" name="q" maxlength="200" placeholder="Words or a title"
                    value=move || f().q class=FILTER_INPUT />
            </div>
            <div>
                <label for="library-status" class="block text-xs font-medium">"Status"</label>
                <select id="library-status" name="status" class=FILTER_INPUT>
                    {STATUSES.into_iter().map(|(key, label)| view! {
                        <option value=key selected=move || f().status == key>{label}</option>
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="library-tag" class="block text-xs font-medium">"Tag"</label>
                <select id="library-tag" name="tag" class=FILTER_INPUT>
                    <option value="">"Any tag"</option>
                    {tags.into_iter().map(|tag| {
                        let (key, label) = (tag.clone(), tag.clone());
                        view! { <option value=tag selected=move || f().tag == key>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="library-speaker" class="block text-xs font-medium">"Speaker"</label>
                <select id="library-speaker" name="speaker" class=FILTER_INPUT>
                    <option value="">"Anyone"</option>
                    {speakers.into_iter().map(|name| {
                        let (key, label) = (name.clone(), name.clone());
                        view! { <option value=name selected=move || f().speaker == key>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="library-from" class="block text-xs font-medium">"Uploaded from"</label>
                <input id="library-from" type="date" name="from" value=move || f().from class=FILTER_INPUT />
            </div>
            <div>
                <label for="library-to" class="block text-xs font-medium">"Uploaded to"</label>
                <input id="library-to" type="date" name="to" value=move || f().to class=FILTER_INPUT />
            </div>
            <div>
                <label for="library-sort" class="block text-xs font-medium">"Sort"</label>
                <select id="library-sort" name="sort" class=FILTER_INPUT>
                    {SORTS.into_iter().map(|(key, label)| view! {
                        <option value=key selected=move || f().sort == key>{label}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="col-span-2 flex items-center gap-3 sm:col-span-3 lg:col-span-8">
                <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500">"Search"</button>
                {move || (filter.with(LibraryFilter::narrows) || !f().sort.is_empty()).then(|| view! {
                    <a href=clear() class="text-sm font-medium text-indigo-700 hover:underline dark:text-indigo-300">"Clear filters"</a>
                })}
            </div>
        </form>
    }
}

#[component]
pub(super) fn RecordingRow(
    recording: RecordingItem,
    slug: String,
    in_trash: bool,
    can_delete: bool,
    trash_action: ServerAction<TrashRecording>,
    restore_action: ServerAction<RestoreRecording>,
    delete_action: ServerAction<DeleteRecording>,
) -> impl IntoView {
    let r = recording;
    let link = format!("/w/{slug}/recordings/{}", r.id);
    let facts = [
        r.duration_ms.map(duration_in_words),
        Some(size_in_words(r.size_bytes)),
        r.format.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let hidden = |name: &'static str, value: String| view! { <input type="hidden" name=name value=value /> };
    let id = r.id.clone();
    let actions = can_delete.then(|| {
        let (slug_a, id_a, slug_b, id_b) = (slug.clone(), id.clone(), slug.clone(), id.clone());
        if in_trash {
            view! {
                <div class="flex gap-2">
                    <ActionForm action=restore_action>
                        {hidden("workspace", slug_a)}
                        {hidden("id", id_a)}
                        <button type="submit" class=SMALL_BUTTON>"Restore"</button>
                    </ActionForm>
                    <ActionForm action=delete_action>
                        {hidden("workspace", slug_b)}
                        {hidden("id", id_b)}
                        <button type="submit" class="rounded-lg border border-rose-300 px-2.5 py-1 text-xs font-semibold text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300 dark:hover:bg-rose-950">"Delete for good"</button>
                    </ActionForm>
                </div>
            }
            .into_any()
        } else if r.status != RecordingStatus::Checking {
            view! {
                <ActionForm action=trash_action>
                    {hidden("workspace", slug_a)}
                    {hidden("id", id_a)}
                    <button type="submit" class=SMALL_BUTTON>
                        {if r.status == RecordingStatus::Rejected { "Dismiss" } else { "Move to trash" }}
                    </button>
                </ActionForm>
            }
            .into_any()
        } else {
            ().into_any()
        }
    });
    view! {
        <li class="flex flex-col gap-3 px-4 py-4 sm:flex-row sm:items-center sm:justify-between sm:px-5" data-testid="recording-row">
            <div class="min-w-0">
                <div class="flex flex-wrap items-center gap-2">
                    {if in_trash || r.status == RecordingStatus::Rejected {
                        view! { <span class="truncate font-medium">{r.title.clone()}</span> }.into_any()
                    } else {
                        view! { <A href=link attr:class="truncate font-medium hover:underline">{r.title.clone()}</A> }.into_any()
                    }}
                    {status_badge(r.status)}
                    {(!in_trash).then(|| {
                        let (id, loaded) = (r.id.clone(), r.transcription);
                        let live = use_context::<crate::transcription::pages::LiveTranscriptions>();
                        move || {
                            live.and_then(|l| l.0.with(|m| m.get(&id).map(|s| (s.stage, s.percent))))
                                .or(loaded)
                                .map(transcription_badge)
                        }
                    })}
                </div>
                <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">
                    {facts} " · " {r.uploaded_by.clone()} " · " {r.created_at.clone()}
                </p>
                {(!r.tags.is_empty()).then(|| view! {
                    <ul class="mt-1 flex flex-wrap gap-1" aria-label="Tags">
                        {r.tags.iter().map(|tag| view! {
                            <li><a href=format!("/w/{slug}/recordings?tag={}", crate::ui::url_encode(tag)) data-testid="tag"
                                class="rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-800 hover:bg-indigo-100 dark:bg-indigo-950 dark:text-indigo-200">{tag.clone()}</a></li>
                        }).collect_view()}
                    </ul>
                })}
                {r.snippet.clone().map(|snippet| view! {
                    <p class="mt-1 text-sm text-slate-700 dark:text-slate-300" data-testid="search-snippet">{highlighted(&snippet)}</p>
                })}
                {r.rejection.clone().map(|why| view! { <p class="mt-1 text-sm text-rose-700 dark:text-rose-300">{why}</p> })}
                {r.purge_after.clone().map(|when| view! { <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">"Deleted for good on " {when}</p> })}
            </div>
            {actions}
        </li>
    }
}

/// A search snippet with its matched words marked (the marks are control characters, so the
/// transcript's own text is never read as markup).
fn highlighted(snippet: &str) -> impl IntoView {
    use super::library_marks::{MATCH_END, MATCH_START};
    let mut parts = Vec::new();
    for (i, piece) in snippet.split(MATCH_START).enumerate() {
        match piece.split_once(MATCH_END) {
            Some((found, rest)) if i > 0 => {
                parts.push(view! { <mark class="rounded bg-amber-200 px-0.5 text-inherit dark:bg-amber-700">{found.to_owned()}</mark> }.into_any());
                parts.push(rest.to_owned().into_any());
            }
            _ => parts.push(piece.to_owned().into_any()),
        }
    }
    view! { "…" {parts} "…" }
}

/// Where the recording's transcription stands, as loaded with the library.
fn transcription_badge((stage, percent): (crate::transcription::Stage, i16)) -> impl IntoView {
    use crate::transcription::Stage;
    let class = match stage {
        Stage::Done => "bg-indigo-100 text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200",
        Stage::Failed => "bg-rose-100 text-rose-800 dark:bg-rose-950 dark:text-rose-200",
        Stage::Cancelled => "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
        _ => "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-200",
    };
    let label = match stage {
        Stage::Transcribing => format!("Transcribing {percent}%"),
        other => other.label().to_owned(),
    };
    view! {
        <span class=format!("inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium {class}") data-testid="transcription-badge">
            {label}
        </span>
    }
}
