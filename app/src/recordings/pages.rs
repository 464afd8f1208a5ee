//! The recordings library (`/w/{slug}/recordings`, with the trash and the upload panel) and one
//! recording's page (player, details, rename, download, trash).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
};

use super::{
    api::*,
    duration_in_words,
    filter::LibraryFilter,
    library_parts::{FilterForm, RecordingRow},
    size_in_words,
    uploader::Uploader,
    RecordingStatus,
};
use crate::{
    accounts::pages::{PageLoading, RequireUser},
    sharing::pages::{ShareActions, SharePanel},
    ui::forms::{action_error, action_message, echoed, field_error, Field, FormAlert, FormNotice, SubmitButton},
    workspaces::pages::WorkspaceMissing,
};

pub(super) fn status_badge(status: RecordingStatus) -> impl IntoView {
    let class = match status {
        RecordingStatus::Ready => "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200",
        RecordingStatus::Checking | RecordingStatus::Uploading | RecordingStatus::Rendering => {
            "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-200"
        }
        RecordingStatus::Rejected => "bg-rose-100 text-rose-800 dark:bg-rose-950 dark:text-rose-200",
        RecordingStatus::Imported => "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
    };
    view! {
        <span class=format!("inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium {class}") data-testid="recording-status">
            {status.label()}
        </span>
    }
}

#[component]
pub fn RecordingsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default());
    let trash = Memo::new(move |_| query.with(|q| q.get("trash").is_some_and(|t| t == "1")));
    let page = Memo::new(move |_| {
        query
            .with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()))
            .unwrap_or(1)
    });
    let filter = Memo::new(move |_| query.with(|q| LibraryFilter::from_query(|k| q.get(k))));
    let library_changed = RwSignal::new(0_u32);
    let trash_action = ServerAction::<TrashRecording>::new();
    let restore_action = ServerAction::<RestoreRecording>::new();
    let delete_action = ServerAction::<DeleteRecording>::new();
    let library = Resource::new(
        move || {
            (
                slug.get(),
                trash.get(),
                page.get(),
                library_changed.get(),
                trash_action.version().get() + restore_action.version().get() + delete_action.version().get(),
                filter.get(),
            )
        },
        |(slug, trash, page, _, _, f)| {
            recording_library(
                slug,
                trash,
                page,
                Some(f.q),
                Some(f.status),
                Some(f.tag),
                Some(f.speaker),
                Some(f.from),
                Some(f.to),
                Some(f.sort),
            )
        },
    );
    // Transcription badges follow the workspace's transcriptions live.
    let live = crate::transcription::pages::LiveTranscriptions(RwSignal::new(Default::default()));
    provide_context(live);
    let mounted = crate::ui::Mounted::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |followed: Option<Option<String>>| {
        // Once the list is on the page (see `Mounted`), then again only for another workspace.
        if !mounted.get() {
            return None;
        }
        let current = slug.get();
        if followed.flatten().as_deref() != Some(current.as_str()) {
            crate::transcription::pages::follow(&current, None, move |state| {
                live.0.update(|m| {
                    m.insert(state.recording_id.clone(), state);
                })
            });
        }
        Some(current)
    });
    // The upload panel keeps its own state, so it loads once per workspace.
    let upload_info = Resource::new(
        move || slug.get(),
        |slug| recording_library(slug, false, 1, None, None, None, None, None, None, None),
    );
    // A file being checked usually takes a second: look again until none is.
    Effect::new(move |_| {
        let checking = library
            .get()
            .and_then(|r| r.ok())
            .is_some_and(|v| v.recordings.iter().any(|r| r.status == RecordingStatus::Checking));
        if checking {
            set_timeout(
                move || library_changed.update(|n| *n += 1),
                std::time::Duration::from_secs(2),
            );
        }
    });
    let notice = Signal::derive(move || {
        action_message(trash_action)
            .get()
            .or_else(|| action_message(restore_action).get())
            .or_else(|| action_message(delete_action).get())
    });
    let error = Signal::derive(move || {
        action_error(trash_action)
            .get()
            .or_else(|| action_error(restore_action).get())
            .or_else(|| action_error(delete_action).get())
    });
    let tab = move |in_trash: bool, label: &'static str| {
        let current = move || trash.get() == in_trash;
        view! {
            <A
                href=move || format!("/w/{}/recordings{}", slug.get(), if in_trash { "?trash=1" } else { "" })
                attr:aria-current=move || current().then_some("page")
                attr:class=move || if current() {
                    "rounded-lg bg-indigo-50 px-3 py-1.5 text-sm font-medium text-indigo-700 dark:bg-indigo-950 dark:text-indigo-200"
                } else {
                    "rounded-lg px-3 py-1.5 text-sm text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
                }
            >
                {label}
            </A>
        }
    };
    view! {
        <Title text="Recordings" />
        <RequireUser>
            <section class="mx-auto max-w-5xl space-y-6">
                <div>
                    <A href=move || format!("/w/{}", slug.get()) attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
                        // Awaited, not read with `get()`: a synchronous read can differ between the
                        // server's render and the browser's first one, which breaks hydration.
                        <Transition fallback=|| "Workspace">
                            {move || Suspend::new(async move { upload_info.await.ok().map(|v| v.workspace_name) })}
                        </Transition>
                    </A>
                    <h1 class="mt-1 text-2xl font-bold tracking-tight sm:text-3xl">"Recordings"</h1>
                </div>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match upload_info.await {
                            Ok(v) if v.can_upload => Some(view! {
                                <Uploader workspace=slug.get_untracked() max_upload_bytes=v.max_upload_bytes unfinished=v.unfinished library_changed />
                                <p class="text-sm text-slate-600 dark:text-slate-400">
                                    "Used the first AudioTricks? "
                                    <A href=format!("/w/{}/import", slug.get_untracked()) attr:class="font-medium text-indigo-700 hover:underline dark:text-indigo-300">"Import its history"</A>
                                </p>
                            }.into_any()),
                            _ => None,
                        }
                    })}
                </Transition>
                <div class="flex flex-wrap items-center justify-between gap-3">
                    <nav aria-label="Recordings" class="flex gap-2">
                        {tab(false, "Library")}
                        {tab(true, "Trash")}
                    </nav>
                </div>
                // A plain GET form: the filter is in the address, so it can be shared and reloaded.
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let (tags, speakers) = upload_info.await.map(|v| (v.tags, v.speakers)).unwrap_or_default();
                        view! { <FilterForm slug trash filter tags speakers /> }
                    })}
                </Transition>
                <FormNotice message=notice />
                <FormAlert error=error />
                <Transition fallback=|| view! { <PageLoading /> }>
                    {move || Suspend::new(async move {
                        let loaded = library.await;
                        mounted.mark();
                        match loaded {
                            Err(e) => view! { <WorkspaceMissing error=e /> }.into_any(),
                            Ok(v) => {
                                let in_trash = trash.get_untracked();
                                let slug = slug.get_untracked();
                                let f = filter.get_untracked();
                                if v.recordings.is_empty() && f.narrows() {
                                    let clear = format!("/w/{slug}/recordings{}", if in_trash { "?trash=1" } else { "" });
                                    return view! {
                                        <div class="rounded-2xl border border-dashed border-slate-300 p-10 text-center dark:border-slate-700" data-testid="recordings-empty">
                                            <p class="font-medium">
                                                {if f.q.is_empty() {
                                                    "No recordings match these filters.".to_owned()
                                                } else {
                                                    format!("Nothing matches \u{201c}{}\u{201d}.", f.q)
                                                }}
                                            </p>
                                            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                                                "Titles and transcripts are searched; try fewer words or other filters, or "
                                                <a href=clear class="font-medium text-indigo-700 hover:underline dark:text-indigo-300">"clear them"</a> "."
                                            </p>
                                        </div>
                                    }.into_any();
                                }
                                if v.recordings.is_empty() {
                                    return view! {
                                        <div class="rounded-2xl border border-dashed border-slate-300 p-10 text-center dark:border-slate-700" data-testid="recordings-empty">
                                            <p class="font-medium">{if in_trash { "The trash is empty." } else { "No recordings yet." }}</p>
                                            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                                                {if in_trash {
                                                    format!("Deleted recordings stay here for {} days, then go for good.", v.trash_days)
                                                } else if v.shared_only {
                                                    "Your role lists only the recordings shared with you, and none are yet.".to_owned()
                                                } else if v.can_upload {
                                                    "Upload a recording above to get started.".to_owned()
                                                } else {
                                                    "Recordings your team uploads appear here.".to_owned()
                                                }}
                                            </p>
                                        </div>
                                    }.into_any();
                                }
                                let keep = format!(
                                    "{}{}",
                                    if in_trash { "trash=1&" } else { "" },
                                    f.query()
                                );
                                let older = v.next_page.map(|n| format!("/w/{slug}/recordings?{keep}page={n}"));
                                let newer = (page.get_untracked() > 1).then(|| format!("/w/{slug}/recordings?{keep}page={}", page.get_untracked() - 1));
                                view! {
                                    <ul class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900" data-testid="recordings">
                                        {v.recordings.into_iter().map(|r| view! {
                                            <RecordingRow
                                                recording=r
                                                slug=slug.clone()
                                                in_trash
                                                can_delete=v.can_delete
                                                trash_action
                                                restore_action
                                                delete_action
                                            />
                                        }).collect_view()}
                                    </ul>
                                    <div class="flex justify-between text-sm">
                                        {newer.map(|href| view! { <A href=href attr:class="font-medium text-indigo-700 hover:underline dark:text-indigo-300">"← Newer"</A> })}
                                        <span></span>
                                        {older.map(|href| view! { <A href=href attr:class="font-medium text-indigo-700 hover:underline dark:text-indigo-300">"Older →"</A> })}
                                    </div>
                                }.into_any()
                            }
                        }
                    })}
                </Transition>
            </section>
        </RequireUser>
    }
}

#[component]
pub fn RecordingPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default());
    let id = Memo::new(move |_| params.with(|p| p.get("id")).unwrap_or_default());
    let rename = ServerAction::<RenameRecording>::new();
    let retag = ServerAction::<TagRecording>::new();
    let trash_action = ServerAction::<TrashRecording>::new();
    let share_actions = ShareActions::new();
    let transcript = crate::transcription::pages::TranscriptData::new(slug, id);
    let detail = Resource::new(
        move || {
            (
                slug.get(),
                id.get(),
                rename.version().get() + retag.version().get() + share_actions.version(),
            )
        },
        |(slug, id, _)| get_recording(slug, id),
    );
    // An edit whose audio is being made: when that ends (made, failed or cancelled), the page
    // loads again with its player or its reason. A whole load, because a refetch of the detail
    // just as the page hydrated (a short render ends that soon) never reached the page.
    let shown_rendering = StoredValue::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |before: Option<(usize, Option<i64>, bool)>| {
        let now = transcript.run_ended();
        if before.is_some_and(|b| b != now) && shown_rendering.get_value() {
            let _ = window().location().reload();
        }
        now
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if trash_action.value().get().is_some_and(|r| r.is_ok()) {
            navigate(&format!("/w/{}/recordings", slug.get_untracked()), Default::default());
        }
    });
    view! {
        <RequireUser>
            <Transition fallback=|| view! { <PageLoading /> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Err(e) => view! {
                            <section class="mx-auto max-w-xl py-16 text-center">
                                <h1 class="text-2xl font-bold">"Recording not found"</h1>
                                <p class="mt-3 text-slate-600 dark:text-slate-400">{e.to_string()} " It may have been deleted, or you may not be a member of this workspace."</p>
                            </section>
                        }.into_any(),
                        Ok(d) => {
                            let r = d.recording.clone();
                            shown_rendering.set_value(r.status == RecordingStatus::Rendering);
                            let slug = slug.get_untracked();
                            let (trash_slug, trash_id) = (slug.clone(), r.id.clone());
                            let (rename_slug, rename_id, rename_title) = (slug.clone(), r.id.clone(), r.title.clone());
                            let tag_list = r.tags.join(", ");
                            let (tag_slug, tag_id) = (slug.clone(), r.id.clone());
                            let facts: Vec<(&'static str, String)> = [
                                ("Length", r.duration_ms.map(duration_in_words)),
                                ("Format", r.format.clone()),
                                ("Codec", r.codec.clone()),
                                ("Sample rate", r.sample_rate.map(|s| format!("{:.1} kHz", f64::from(s) / 1000.0))),
                                ("Channels", r.channels.map(|c| match c { 1 => "Mono".to_owned(), 2 => "Stereo".to_owned(), n => n.to_string() })),
                                ("Size", Some(size_in_words(r.size_bytes))),
                                ("File", Some(r.file_name.clone())),
                                ("Uploaded", Some(format!("{} by {}", r.created_at, r.uploaded_by))),
                            ]
                            .into_iter()
                            .filter_map(|(k, v)| v.map(|v| (k, v)))
                            .collect();
                            view! {
                                <Title text=r.title.clone() />
                                <section class="mx-auto max-w-3xl space-y-6">
                                    <div>
                                        <A href=format!("/w/{slug}/recordings") attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
                                            "← " {d.workspace_name.clone()} " recordings"
                                        </A>
                                        <div class="mt-1 flex flex-wrap items-center gap-3">
                                            <h1 class="text-2xl font-bold tracking-tight sm:text-3xl" data-testid="recording-title">{r.title.clone()}</h1>
                                            {status_badge(r.status)}
                                        </div>
                                        {d.shared_with_me.map(|access| view! {
                                            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400" data-testid="shared-with-me">
                                                "Shared with you: " {access.label().to_lowercase()}
                                            </p>
                                        })}
                                    </div>
                                    {r.rejection.clone().map(|why| view! {
                                        <p role="alert" class="rounded-lg border border-rose-300 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-200">{why}</p>
                                    })}
                                    {r.purge_after.clone().map(|when| view! {
                                        <p class="rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm dark:border-amber-800 dark:bg-amber-950">"In the trash; deleted for good on " {when} "."</p>
                                    })}
                                    {d.play_url.clone().map(|src| view! {
                                        <div class="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                            <audio controls preload="metadata" src=src class="w-full" data-testid="player" aria-label=format!("Play {}", r.title)></audio>
                                        </div>
                                    })}
                                    {(!d.versions.is_empty()).then(|| view! { <super::family_parts::VersionsCard slug=slug.clone() versions=d.versions.clone() /> })}
                                    {(!d.spoken.is_empty()).then(|| view! { <super::family_parts::SpokenCard slug=slug.clone() links=d.spoken.clone() /> })}
                                    {matches!(r.status, RecordingStatus::Ready | RecordingStatus::Imported | RecordingStatus::Rendering).then(|| view! {
                                        <crate::transcription::pages::TranscriptPanel slug=slug.clone() id=r.id.clone() data=transcript />
                                    })}
                                    <div class="flex flex-wrap gap-3">
                                        {d.download_url.clone().map(|href| view! {
                                            <a href=href rel="external" class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Download original"</a>
                                        })}
                                        {(d.can_delete && r.purge_after.is_none()).then(|| view! {
                                            <ActionForm action=trash_action>
                                                <input type="hidden" name="workspace" value=trash_slug.clone() />
                                                <input type="hidden" name="id" value=trash_id.clone() />
                                                <button type="submit" class="rounded-lg border border-rose-300 px-4 py-2 text-sm font-semibold text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300 dark:hover:bg-rose-950">"Move to trash"</button>
                                            </ActionForm>
                                        })}
                                    </div>
                                    <FormAlert error=action_error(trash_action) />
                                    <dl class="grid grid-cols-1 gap-3 rounded-2xl border border-slate-200 bg-white p-5 text-sm sm:grid-cols-2 dark:border-slate-800 dark:bg-slate-900">
                                        {facts.into_iter().map(|(k, v)| view! {
                                            <div>
                                                <dt class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{k}</dt>
                                                <dd class="mt-0.5 break-words">{v}</dd>
                                            </div>
                                        }).collect_view()}
                                    </dl>
                                    {d.can_edit.then(|| view! {
                                        <section class="rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
                                            <h2 class="text-lg font-semibold">"Title"</h2>
                                            <ActionForm action=rename attr:class="mt-3 space-y-3">
                                                <FormNotice message=action_message(rename) />
                                                <FormAlert error=action_error(rename) />
                                                <input type="hidden" name="workspace" value=rename_slug.clone() />
                                                <input type="hidden" name="id" value=rename_id.clone() />
                                                <Field label="Title" name="title" maxlength=200 error=field_error(rename, "title") value=Signal::derive({
                                                    let title = rename_title.clone();
                                                    move || echoed(rename, "title").get().or_else(|| Some(title.clone()))
                                                }) />
                                                <SubmitButton label="Save title" pending=rename.pending() />
                                            </ActionForm>
                                            <h2 class="mt-6 text-lg font-semibold">"Tags"</h2>
                                            <ActionForm action=retag attr:class="mt-3 space-y-3">
                                                <FormNotice message=action_message(retag) />
                                                <FormAlert error=action_error(retag) />
                                                <input type="hidden" name="workspace" value=tag_slug.clone() />
                                                <input type="hidden" name="id" value=tag_id.clone() />
                                                <Field label="Tags" name="tags" maxlength=400 hint="Separate them with commas: at most 10, each up to 32 characters." error=field_error(retag, "tags") value=Signal::derive({
                                                    let tags = tag_list.clone();
                                                    move || echoed(retag, "tags").get().or_else(|| Some(tags.clone()))
                                                }) />
                                                <SubmitButton label="Save tags" pending=retag.pending() />
                                            </ActionForm>
                                        </section>
                                    })}
                                    {d.sharing.clone().map(|overview| view! { <SharePanel workspace=slug.clone() overview actions=share_actions /> })}
                                </section>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </RequireUser>
    }
}
