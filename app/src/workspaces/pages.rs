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
                                            <span class="text-xs text-slate-500 dark:text-slate-400">{w.role.label()}</span>
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
fn WithWorkspace(
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
    view! {
        <WithWorkspace sub_path="" children=Box::new(|s: WorkspaceSettings| {
            let settings_link = format!("/w/{}/settings", s.slug);
            view! {
                <Title text=s.name.clone() />
                <div class="mx-auto max-w-4xl">
                    <p class="text-sm text-slate-500 dark:text-slate-400">"Workspace"</p>
                    <h1 class="text-2xl font-bold tracking-tight sm:text-3xl" data-testid="workspace-name">{s.name.clone()}</h1>
                    <dl class="mt-6 grid grid-cols-2 gap-4 sm:grid-cols-4">
                        <Stat label="Your role" value=s.role.label().to_owned() />
                        <Stat label="Members" value=s.members.to_string() />
                        <Stat label="Transcription language" value=language_name(&s.default_language).to_owned() />
                        <Stat label="Keep recordings" value=s.retention_days.map(|d| format!("{d} days")).unwrap_or_else(|| "Until deleted".into()) />
                    </dl>
                    <div class="mt-8 flex flex-wrap gap-3">
                        <A href=settings_link attr:class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                            {if s.can_manage { "Settings" } else { "View settings" }}
                        </A>
                    </div>
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
    let home = format!("/w/{}", s.slug);
    let workspace_name = s.name.clone();
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
        </section>
    }
}
