//! Workspace pages: the switcher in the top bar, creating a workspace, its overview and its
//! Settings page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Redirect, A},
    hooks::{use_location, use_params_map, use_query_map},
};

use super::{api::*, WorkspaceSettings, LANGUAGES, TIMEZONES};
use crate::{
    accounts::pages::{use_me, PageLoading, RequireUser},
    ui::forms::{action_error, echoed, field_error, Field, FormAlert, FormNotice, SubmitButton},
};

/// The top bar's workspace menu for a signed-in user.
#[component]
pub fn WorkspaceSwitcher() -> impl IntoView {
    let me = use_me();
    let location = use_location();
    let open = RwSignal::new(false);
    let workspaces = Resource::new(move || location.pathname.get(), |_| my_workspaces());
    let current_slug = move || {
        let path = location.pathname.get();
        path.strip_prefix("/w/")
            .map(|rest| rest.split('/').next().unwrap_or("").to_owned())
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let signed_in = matches!(me.0.await, Ok(Some(_)));
                let list = if signed_in { workspaces.await.unwrap_or_default() } else { Vec::new() };
                (signed_in && !list.is_empty()).then(|| {
                    let current = current_slug()
                        .and_then(|slug| list.iter().find(|w| w.slug == slug).map(|w| w.name.clone()))
                        .unwrap_or_else(|| "Workspaces".to_owned());
                    view! {
                        <div class="relative">
                            <button
                                type="button"
                                class="flex max-w-[14rem] items-center gap-2 rounded-lg border border-slate-200 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                                aria-haspopup="menu"
                                aria-expanded=move || open.get().to_string()
                                on:click=move |_| open.update(|o| *o = !*o)
                                data-testid="workspace-switcher"
                            >
                                <span class="truncate">{current}</span>
                                <span aria-hidden="true" class="text-xs text-slate-500">"▾"</span>
                            </button>
                            <Show when=move || open.get()>
                                <div role="menu" class="absolute left-0 z-40 mt-2 w-64 rounded-xl border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-700 dark:bg-slate-900" on:click=move |_| open.set(false)>
                                    {list.clone().into_iter().map(|w| view! {
                                        <A href=format!("/w/{}", w.slug) attr:role="menuitem" attr:class="flex items-center justify-between gap-2 rounded-lg px-3 py-2 text-sm hover:bg-slate-100 dark:hover:bg-slate-800">
                                            <span class="truncate">{w.name}</span>
                                            <span class="text-xs text-slate-500 dark:text-slate-400">{w.role_name}</span>
                                        </A>
                                    }).collect_view()}
                                    <div class="my-1 border-t border-slate-200 dark:border-slate-700"></div>
                                    <A href="/workspaces/new" attr:role="menuitem" attr:class="block rounded-lg px-3 py-2 text-sm font-medium text-indigo-700 hover:bg-slate-100 dark:text-indigo-300 dark:hover:bg-slate-800">"New workspace"</A>
                                </div>
                            </Show>
                        </div>
                    }
                })
            })}
        </Transition>
    }
}

#[component]
pub fn NewWorkspacePage() -> impl IntoView {
    let action = ServerAction::<CreateWorkspace>::new();
    view! {
        <Title text="New workspace" />
        <RequireUser>
            <section class="mx-auto max-w-lg">
                <h1 class="text-2xl font-bold tracking-tight">"New workspace"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"A workspace holds a team's recordings and transcripts. You will be its owner."</p>
                <ActionForm action=action attr:class="mt-6 space-y-4">
                    <FormAlert error=action_error(action) />
                    <Field label="Name" name="name" maxlength=80 error=field_error(action, "name") value=echoed(action, "name") />
                    <Field
                        label="Address (optional)"
                        name="slug"
                        required=false
                        maxlength=40
                        hint="Appears in links: /w/your-address. Lower-case letters, digits and hyphens; made from the name if left empty."
                        error=field_error(action, "slug")
                        value=echoed(action, "slug")
                    />
                    <SubmitButton label="Create workspace" pending=action.pending() />
                </ActionForm>
            </section>
        </RequireUser>
    }
}

/// Loads the workspace named in the URL, following a renamed workspace to its new address.
#[component]
pub(super) fn WithWorkspace(
    /// The page under the workspace, "" for its overview.
    sub_path: &'static str,
    children: Box<dyn Fn(WorkspaceSettings) -> AnyView + Send + Sync>,
) -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default());
    // The query changes after a save (`?saved=1`), which reloads the saved values.
    let settings = Resource::new(
        move || (slug.get(), location.search.get()),
        |(slug, _)| get_workspace_settings(slug),
    );
    let children = StoredValue::new(children);
    view! {
        <RequireUser>
            <Suspense fallback=|| view! { <PageLoading /> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(SettingsLookup::Found(s)) => children.with_value(|c| c(s)),
                        Ok(SettingsLookup::Moved(to)) => {
                            let suffix = if sub_path.is_empty() { String::new() } else { format!("/{sub_path}") };
                            view! { <Redirect path=format!("/w/{to}{suffix}") /> }.into_any()
                        }
                        Err(e) => {
                            #[cfg(feature = "ssr")]
                            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                                response.set_status(
                                    axum::http::StatusCode::from_u16(e.status_code())
                                        .unwrap_or(axum::http::StatusCode::NOT_FOUND),
                                );
                            }
                            view! {
                                <section class="mx-auto max-w-xl py-16 text-center">
                                    <h1 class="text-2xl font-bold">"Workspace not found"</h1>
                                    <p class="mt-3 text-slate-600 dark:text-slate-400">{e.to_string()}" It may have been renamed, or you may not be a member."</p>
                                </section>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

fn language_name(code: &str) -> &'static str {
    LANGUAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
        .unwrap_or("Unknown")
}

#[component]
pub fn WorkspaceHomePage() -> impl IntoView {
    // Made here, outside the page's Suspense: a resource first made inside a suspended view is
    // not matched up with its server-rendered value, and hydration breaks.
    let params = use_params_map();
    let query = use_query_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default());
    let filters = Memo::new(move |_| {
        query.with(|q| {
            (
                q.get("before").and_then(|b| b.parse::<i64>().ok()),
                q.get("actor").filter(|a| !a.is_empty()),
                q.get("kind").filter(|k| !k.is_empty()),
            )
        })
    });
    let feed = Resource::new(
        move || (slug.get(), filters.get()),
        |(slug, (before, actor, kind))| workspace_activity(slug, before, actor, kind),
    );
    view! {
        <WithWorkspace sub_path="" children=Box::new(move |s: WorkspaceSettings| {
            let settings_link = format!("/w/{}/settings", s.slug);
            let members_link = format!("/w/{}/members", s.slug);
            let recordings_link = format!("/w/{}/recordings", s.slug);
            let roles_link = format!("/w/{}/roles", s.slug);
            let storage_link = format!("/w/{}/storage", s.slug);
            view! {
                <Title text=s.name.clone() />
                <div class="mx-auto max-w-4xl">
                    <div class="flex items-center gap-4">
                        {s.logo_url.clone().map(|src| view! {
                            <img src=src alt="" class="h-14 w-14 rounded-xl border border-slate-200 object-cover dark:border-slate-800" data-testid="workspace-logo" />
                        })}
                        <div>
                            <p class="text-sm text-slate-500 dark:text-slate-400">"Workspace"</p>
                            <h1 class="text-2xl font-bold tracking-tight sm:text-3xl" data-testid="workspace-name">{s.name.clone()}</h1>
                        </div>
                    </div>
                    <dl class="mt-6 grid grid-cols-2 gap-4 sm:grid-cols-4">
                        <Stat label="Your role" value=s.role_name.clone() />
                        <Stat label="Members" value=s.members.to_string() />
                        <Stat label="Transcription language" value=language_name(&s.default_language).to_owned() />
                        <Stat label="Keep recordings" value=s.retention_days.map(|d| format!("{d} days")).unwrap_or_else(|| "Until deleted".into()) />
                    </dl>
                    <div class="mt-8 flex flex-wrap gap-3">
                        <A href=recordings_link attr:class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500">
                            "Recordings"
                        </A>
                        <A href=members_link attr:class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                            "Members"
                        </A>
                        <A href=roles_link attr:class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                            "Roles"
                        </A>
                        <A href=settings_link attr:class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                            {if s.can_manage { "Settings" } else { "View settings" }}
                        </A>
                        {s.can_manage.then(|| view! {
                            <A href=storage_link attr:class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                                "Storage"
                            </A>
                        })}
                        {s.can_manage_api_keys.then(|| view! {
                            <A href=format!("/w/{}/api-keys", s.slug) attr:class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                                "API keys"
                            </A>
                        })}
                    </div>
                    {s.can_read_activity.then(|| view! { <ActivityFeed slug=s.slug.clone() feed filters /> })}
                </div>
            }
            .into_any()
        }) />
    }
}

#[component]
fn Stat(label: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <dt class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
            <dd class="mt-1 text-lg font-semibold">{value}</dd>
        </div>
    }
}

#[component]
pub fn WorkspaceSettingsPage() -> impl IntoView {
    view! {
        <WithWorkspace sub_path="settings" children=Box::new(|s: WorkspaceSettings| view! { <SettingsForm settings=s /> }.into_any()) />
    }
}

#[component]
fn SettingsForm(settings: WorkspaceSettings) -> impl IntoView {
    let action = ServerAction::<UpdateWorkspaceSettings>::new();
    let saved = Signal::derive(move || use_query_map().get().get("saved").map(|_| "Settings saved.".to_owned()));
    let s = settings;
    let disabled = !s.can_manage;
    let select_class = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-900";
    let value_or = move |field: &'static str, current: String| {
        Signal::derive(move || echoed(action, field).get().or_else(|| Some(current.clone())))
    };
    let title = format!("Settings · {}", s.name);
    let deletable = (s.role == super::Role::Owner && !s.personal).then(|| (s.slug.clone(), s.name.clone()));
    let home = format!("/w/{}", s.slug);
    let workspace_name = s.name.clone();
    let logo = (s.slug.clone(), s.logo_url.clone(), s.can_manage);
    view! {
        <Title text=title />
        <section class="mx-auto max-w-2xl">
            <A href=home attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">{workspace_name}</A>
            <h1 class="mt-1 text-2xl font-bold tracking-tight">"Workspace settings"</h1>
            {disabled.then(|| view! {
                <p class="mt-2 rounded-lg border border-slate-200 bg-slate-50 px-3 py-2 text-sm dark:border-slate-800 dark:bg-slate-900">
                    "Only owners and admins can change these settings."
                </p>
            })}
            <ActionForm action=action attr:class="mt-6 space-y-4">
                <FormNotice message=saved />
                <FormAlert error=action_error(action) />
                <input type="hidden" name="workspace" value=s.slug.clone() />
                <fieldset disabled=disabled class="space-y-4">
                    <Field label="Name" name="name" maxlength=80 error=field_error(action, "name") value=value_or("name", s.name.clone()) />
                    <Field
                        label="Address"
                        name="slug"
                        maxlength=40
                        hint="Links use /w/this-address. The old address keeps working after a change."
                        error=field_error(action, "slug")
                        value=value_or("slug", s.slug.clone())
                    />
                    <div class="space-y-1.5">
                        <label for="field-default_language" class="block text-sm font-medium">"Default transcription language"</label>
                        <select id="field-default_language" name="default_language" class=select_class>
                            {LANGUAGES.iter().map(|(code, name)| {
                                let selected = *code == s.default_language;
                                view! { <option value=*code selected=selected>{*name}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="space-y-1.5">
                        <label for="field-transcription_engine" class="block text-sm font-medium">"Transcription engine"</label>
                        <select id="field-transcription_engine" name="transcription_engine" class=select_class
                            aria-describedby="hint-transcription_engine">
                            {crate::transcription::EngineChoice::ALL.into_iter().map(|e| {
                                let selected = e.key() == s.transcription_engine;
                                view! { <option value=e.key() selected=selected>{e.label()}</option> }
                            }).collect_view()}
                        </select>
                        <p id="hint-transcription_engine" class="text-xs text-slate-500 dark:text-slate-400">
                            "New recordings are transcribed this way. The OpenAI-compatible service needs a key on the API keys page."
                        </p>
                        {move || field_error(action, "transcription_engine").get().map(|e| view! {
                            <p class="text-sm text-rose-700 dark:text-rose-300">{e}</p>
                        })}
                    </div>
                    <div class="space-y-1.5">
                        <label for="field-summary_style" class="block text-sm font-medium">"Summary style"</label>
                        <select id="field-summary_style" name="summary_style" class=select_class>
                            {crate::transcription::summary::SummaryStyle::ALL.into_iter().map(|st| {
                                let selected = st.key() == s.summary_style;
                                view! { <option value=st.key() selected=selected>{st.label()}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <Field
                        label="Keep recordings for (days)"
                        name="retention_days"
                        required=false
                        inputmode="numeric"
                        hint="Older recordings are deleted automatically. Leave empty to keep them until someone deletes them."
                        error=field_error(action, "retention_days")
                        value=value_or("retention_days", s.retention_days.map(|d| d.to_string()).unwrap_or_default())
                    />
                    <div class="space-y-1.5">
                        <label for="field-timezone" class="block text-sm font-medium">"Time zone"</label>
                        <select id="field-timezone" name="timezone" class=select_class>
                            {TIMEZONES.iter().map(|tz| {
                                let selected = *tz == s.timezone;
                                view! { <option value=*tz selected=selected>{*tz}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <SubmitButton label="Save settings" pending=action.pending() />
                </fieldset>
            </ActionForm>
            <LogoPanel slug=logo.0 logo_url=logo.1 can_manage=logo.2 />
            {deletable.map(|(slug, name)| view! { <DeleteWorkspace slug name /> })}
        </section>
    }
}

/// The logo: a plain multipart form to `/w/{slug}/logo`, which redirects back here with
/// `?logo=` (done) or `?logo_error=` (why not).
#[component]
fn LogoPanel(slug: String, logo_url: Option<String>, can_manage: bool) -> impl IntoView {
    let query = use_query_map();
    let notice = Signal::derive(move || query.get().get("logo"));
    let problem = Signal::derive(move || query.get().get("logo_error"));
    let action = format!("/w/{slug}/logo");
    let has_logo = logo_url.is_some();
    view! {
        <section class="mt-8 rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" data-testid="logo-panel">
            <h2 class="text-lg font-semibold">"Logo"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Shown on the workspace's pages. A PNG, JPEG or WebP image up to 512 kB; square works best."</p>
            <div class="mt-3 space-y-2">
                <FormNotice message=notice />
                <Show when=move || problem.get().is_some()>
                    <div role="alert" class="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-900 dark:bg-rose-950 dark:text-rose-200">
                        {move || problem.get()}
                    </div>
                </Show>
            </div>
            <div class="mt-4 flex flex-col gap-4 sm:flex-row sm:items-end">
                {match logo_url {
                    Some(src) => view! {
                        <img src=src alt="The workspace's logo" class="h-20 w-20 rounded-xl border border-slate-200 object-cover dark:border-slate-700" data-testid="logo-preview" />
                    }.into_any(),
                    None => view! {
                        <div class="flex h-20 w-20 items-center justify-center rounded-xl border border-dashed border-slate-300 text-xs text-slate-500 dark:border-slate-700 dark:text-slate-400">"No logo"</div>
                    }.into_any(),
                }}
                {can_manage.then(|| view! {
                    <form method="post" action=action.clone() enctype="multipart/form-data" class="flex flex-wrap items-end gap-3">
                        <input type="hidden" name="action" value="upload" />
                        <div class="space-y-1.5">
                            <label for="logo-file" class="block text-sm font-medium">"Image file"</label>
                            <input id="logo-file" name="logo" type="file" required=true accept="image/png,image/jpeg,image/webp" class="block text-sm file:mr-3 file:rounded-lg file:border-0 file:bg-slate-100 file:px-3 file:py-2 file:text-sm file:font-semibold dark:file:bg-slate-800" />
                        </div>
                        <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Upload logo"</button>
                    </form>
                    {has_logo.then(|| view! {
                        <form method="post" action=action.clone() enctype="multipart/form-data">
                            <input type="hidden" name="action" value="remove" />
                            <button type="submit" class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Remove logo"</button>
                        </form>
                    })}
                })}
            </div>
        </section>
    }
}

type Filters = (Option<i64>, Option<String>, Option<String>);

#[component]
fn ActivityFeed(
    slug: String,
    feed: Resource<Result<Option<super::ActivityPage>, crate::error::AppError>>,
    filters: Memo<Filters>,
) -> impl IntoView {
    let select_class =
        "rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900";
    let home = format!("/w/{slug}");
    view! {
        <section class="mt-10" aria-labelledby="activity-heading">
            <h2 id="activity-heading" class="text-lg font-semibold">"Activity"</h2>
            <Transition fallback=|| view! { <PageLoading /> }>
                {move || {
                    let home = home.clone();
                    Suspend::new(async move {
                    let (_, actor, kind) = filters.get_untracked();
                    match feed.await {
                        Err(e) => view! { <div class="mt-3"><FormAlert error=Signal::stored(Some(e)) /></div> }.into_any(),
                        Ok(None) => ().into_any(),
                        Ok(Some(page)) => {
                            let older = page.older.map(|id| {
                                format!(
                                    "{home}?before={id}&actor={}&kind={}",
                                    actor.clone().unwrap_or_default(),
                                    kind.clone().unwrap_or_default()
                                )
                            });
                            view! {
                                <form method="get" action=home.clone() class="mt-3 flex flex-wrap items-end gap-3">
                                    <div class="space-y-1">
                                        <label for="activity-actor" class="block text-xs font-medium text-slate-600 dark:text-slate-400">"Member"</label>
                                        <select id="activity-actor" name="actor" class=select_class>
                                            <option value="">"Everyone"</option>
                                            {page.members.iter().map(|(id, name)| {
                                                let selected = actor.as_deref() == Some(id.as_str());
                                                view! { <option value=id.clone() selected=selected>{name.clone()}</option> }
                                            }).collect_view()}
                                        </select>
                                    </div>
                                    <div class="space-y-1">
                                        <label for="activity-kind" class="block text-xs font-medium text-slate-600 dark:text-slate-400">"Kind"</label>
                                        <select id="activity-kind" name="kind" class=select_class>
                                            <option value="">"Everything"</option>
                                            {super::ACTIVITY_KINDS.iter().map(|(key, label)| {
                                                let selected = kind.as_deref() == Some(*key);
                                                view! { <option value=*key selected=selected>{*label}</option> }
                                            }).collect_view()}
                                        </select>
                                    </div>
                                    <button type="submit" class=SMALL_BUTTON>"Filter"</button>
                                </form>
                                {if page.entries.is_empty() {
                                    view! {
                                        <p class="mt-4 rounded-xl border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
                                            "No activity matches."
                                        </p>
                                    }.into_any()
                                } else {
                                    view! {
                                        <ol class="mt-4 divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900" data-testid="activity">
                                            {page.entries.into_iter().map(|e| view! {
                                                <li class="flex flex-col gap-1 p-4 text-sm sm:flex-row sm:items-center sm:justify-between" data-kind=e.kind.clone()>
                                                    <p>
                                                        <strong>{e.actor}</strong> " " {e.text}
                                                        {e.link.map(|l| view! { " · " <A href=l attr:class="text-indigo-700 hover:underline dark:text-indigo-300">"View"</A> })}
                                                    </p>
                                                    <time class="shrink-0 text-xs text-slate-500 dark:text-slate-400">{e.at}</time>
                                                </li>
                                            }).collect_view()}
                                        </ol>
                                    }.into_any()
                                }}
                                {older.map(|href| view! { <A href=href attr:class="mt-3 inline-block text-sm font-medium text-indigo-600 dark:text-indigo-400">"Older activity"</A> })}
                            }.into_any()
                        }
                    }
                })}}
            </Transition>
        </section>
    }
}

#[component]
fn DeleteWorkspace(slug: String, name: String) -> impl IntoView {
    let action = ServerAction::<DeleteWorkspace>::new();
    view! {
        <section class="mt-10 rounded-2xl border border-rose-200 bg-white p-6 shadow-sm dark:border-rose-900 dark:bg-slate-900">
            <h2 class="text-lg font-semibold text-rose-700 dark:text-rose-300">"Delete workspace"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Members lose access and public links stop working at once (links stay off after a restore). You can restore it from your account page for 14 days; after that it is removed for good, with everything in it."
            </p>
            <ActionForm action=action attr:class="mt-4 space-y-4">
                <FormAlert error=action_error(action) />
                <input type="hidden" name="workspace" value=slug />
                <Field label=format!("Type {name} to confirm") name="confirm_name" id="confirm-delete-name" autocomplete="off" error=field_error(action, "confirm_name") />
                <SubmitButton label="Delete workspace" pending=action.pending() danger=true />
            </ActionForm>
        </section>
    }
}

/// The account page's list of deleted workspaces the user can still restore.
#[component]
pub fn DeletedWorkspaces() -> impl IntoView {
    let restore = ServerAction::<RestoreWorkspace>::new();
    let list = Resource::new(move || restore.version().get(), |_| deleted_workspaces());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let items = list.await.unwrap_or_default();
                (!items.is_empty()).then(|| view! {
                    <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                        <h2 class="text-lg font-semibold">"Deleted workspaces"</h2>
                        <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Restore one before the date shown; after that it is gone for good."</p>
                        <FormAlert error=action_error(restore) />
                        <ul class="mt-4 divide-y divide-slate-200 dark:divide-slate-800">
                            {items.into_iter().map(|w| view! {
                                <li class="flex items-center justify-between gap-3 py-3">
                                    <div>
                                        <p class="font-medium">{w.name}</p>
                                        <p class="text-xs text-slate-500 dark:text-slate-400">"Removed for good on " {w.purge_after}</p>
                                    </div>
                                    <ActionForm action=restore>
                                        <input type="hidden" name="workspace" value=w.slug />
                                        <button type="submit" class=SMALL_BUTTON>"Restore"</button>
                                    </ActionForm>
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Transition>
    }
}

/// A small bordered button, as the workspace pages use.
pub(super) const SMALL_BUTTON: &str = "rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

#[component]
pub(crate) fn WorkspaceMissing(error: crate::error::AppError) -> impl IntoView {
    view! {
        <section class="mx-auto max-w-xl py-16 text-center">
            <h1 class="text-2xl font-bold">"Workspace not found"</h1>
            <p class="mt-3 text-slate-600 dark:text-slate-400">{error.to_string()}</p>
        </section>
    }
}
