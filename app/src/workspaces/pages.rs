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
    ui::forms::{action_error, echoed, field_error, latest_outcome, Field, FormAlert, FormNotice, SubmitButton},
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

#[component]
pub fn MembersPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default());
    let invite = ServerAction::<InviteMember>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let change_role = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let transfer = ServerAction::<TransferOwnership>::new();
    let leave = ServerAction::<LeaveWorkspace>::new();
    let view = Resource::new(
        move || {
            (
                slug.get(),
                invite.version().get(),
                resend.version().get(),
                revoke.version().get(),
                change_role.version().get(),
                remove.version().get(),
                transfer.version().get(),
            )
        },
        |(slug, ..)| list_members(slug),
    );
    // Whichever action finished last speaks.
    let (notice, error) = latest_outcome(&[
        resend.value(),
        revoke.value(),
        change_role.value(),
        remove.value(),
        transfer.value(),
    ]);
    view! {
        <Title text="Members" />
        <RequireUser>
            <Suspense fallback=|| view! { <PageLoading /> }>
                {move || Suspend::new(async move {
                    match view.await {
                        Err(e) => view! { <WorkspaceMissing error=e /> }.into_any(),
                        Ok(v) => {
                            let slug_value = v.slug.clone();
                            let is_owner = v.my_role == super::Role::Owner;
                            view! {
                                <div class="mx-auto max-w-4xl space-y-6">
                                    <div>
                                        <A href=format!("/w/{}", v.slug) attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">{v.workspace_name.clone()}</A>
                                        <h1 class="mt-1 text-2xl font-bold tracking-tight">"Members"</h1>
                                    </div>
                                    <FormNotice message=notice />
                                    <FormAlert error=error />
                                    {v.can_manage.then(|| view! { <InviteForm slug=slug_value.clone() invite /> })}
                                    <section class="rounded-2xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                        <ul class="divide-y divide-slate-200 dark:divide-slate-800" data-testid="members">
                                            {v.members.into_iter().map(|m| {
                                                let manage = v.can_manage && m.role != super::Role::Owner && !m.you;
                                                let owner_can_transfer = is_owner && !m.you;
                                                view! {
                                                    <MemberRow
                                                        member=m
                                                        custom_roles=v.custom_roles.clone()
                                                        slug=slug_value.clone()
                                                        manage
                                                        owner_can_transfer
                                                        change_role
                                                        remove
                                                        transfer
                                                    />
                                                }
                                            }).collect_view()}
                                        </ul>
                                    </section>
                                    {(!v.invitations.is_empty()).then(|| view! {
                                        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                            <h2 class="text-lg font-semibold">"Pending invitations"</h2>
                                            <ul class="mt-3 divide-y divide-slate-200 dark:divide-slate-800" data-testid="invitations">
                                                {v.invitations.into_iter().map(|i| {
                                                    let (resend_id, revoke_id) = (i.id.clone(), i.id.clone());
                                                    let (resend_ws, revoke_ws) = (slug_value.clone(), slug_value.clone());
                                                    view! {
                                                        <li class="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between">
                                                            <div>
                                                                <p class="font-medium">{i.email}</p>
                                                                <p class="text-xs text-slate-500 dark:text-slate-400">
                                                                    {i.role.label()} " · invited by " {i.invited_by} " · "
                                                                    {if i.expired { format!("expired {}", i.expires_at) } else { format!("expires {}", i.expires_at) }}
                                                                </p>
                                                            </div>
                                                            <div class="flex gap-2">
                                                                <ActionForm action=resend>
                                                                    <input type="hidden" name="workspace" value=resend_ws />
                                                                    <input type="hidden" name="id" value=resend_id />
                                                                    <button type="submit" class=SMALL_BUTTON>"Resend"</button>
                                                                </ActionForm>
                                                                <ActionForm action=revoke>
                                                                    <input type="hidden" name="workspace" value=revoke_ws />
                                                                    <input type="hidden" name="id" value=revoke_id />
                                                                    <button type="submit" class=SMALL_BUTTON>"Withdraw"</button>
                                                                </ActionForm>
                                                            </div>
                                                        </li>
                                                    }
                                                }).collect_view()}
                                            </ul>
                                        </section>
                                    })}
                                    {(!is_owner).then(|| view! {
                                        <ActionForm action=leave>
                                            <input type="hidden" name="workspace" value=slug_value.clone() />
                                            <FormAlert error=action_error(leave) />
                                            <button type="submit" class=SMALL_BUTTON>"Leave this workspace"</button>
                                        </ActionForm>
                                    })}
                                </div>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

const SMALL_BUTTON: &str = "rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

#[component]
fn InviteForm(slug: String, invite: ServerAction<InviteMember>) -> impl IntoView {
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h2 class="text-lg font-semibold">"Invite someone"</h2>
            <ActionForm action=invite attr:class="mt-4 grid gap-4 sm:grid-cols-[1fr_10rem_auto] sm:items-end">
                <input type="hidden" name="workspace" value=slug />
                <div class="sm:col-span-3">
                    <FormNotice message=crate::ui::forms::action_message(invite) />
                    <FormAlert error=action_error(invite) />
                </div>
                <Field label="Email address" name="email" id="invite-email" kind="email" autocomplete="off" error=field_error(invite, "email") value=echoed(invite, "email") />
                <div class="space-y-1.5">
                    <label for="invite-role" class="block text-sm font-medium">"Role"</label>
                    <select id="invite-role" name="role" class="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
                        <option value="viewer">"Viewer: can read"</option>
                        <option value="member" selected=true>"Member: can add and edit"</option>
                        <option value="admin">"Admin: can manage"</option>
                    </select>
                </div>
                <SubmitButton label="Send invitation" pending=invite.pending() />
            </ActionForm>
        </section>
    }
}

#[component]
fn MemberRow(
    member: super::MemberInfo,
    custom_roles: Vec<(String, String)>,
    slug: String,
    manage: bool,
    owner_can_transfer: bool,
    change_role: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveMember>,
    transfer: ServerAction<TransferOwnership>,
) -> impl IntoView {
    let role = member.role;
    let current_custom = member.custom_role_id.clone();
    let role_name = member.role_name.clone();
    let select_id = format!("role-{}", member.user_id);
    let (role_ws, remove_ws, transfer_ws) = (slug.clone(), slug.clone(), slug);
    let (role_user, remove_user, transfer_user) =
        (member.user_id.clone(), member.user_id.clone(), member.user_id.clone());
    let transfer_password_id = format!("transfer-password-{}", member.user_id);
    let name = member.name.clone();
    let email_attr = member.email.clone();
    view! {
        <li class="flex flex-col gap-3 p-4 sm:flex-row sm:items-center sm:justify-between" data-member=email_attr>
            <div class="min-w-0">
                <p class="font-medium">{member.name} {member.you.then(|| view! { <span class="text-xs text-slate-500">" (you)"</span> })}</p>
                <p class="text-xs text-slate-500 dark:text-slate-400">{member.email} " · joined " {member.joined}</p>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                {if manage {
                    view! {
                        <ActionForm action=change_role attr:class="flex items-center gap-2">
                            <input type="hidden" name="workspace" value=role_ws />
                            <input type="hidden" name="user_id" value=role_user />
                            <label for=select_id.clone() class="sr-only">{format!("Role of {name}")}</label>
                            <select id=select_id name="role" class="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900">
                                <option value="viewer" selected=role == super::Role::Viewer>"Viewer"</option>
                                <option value="member" selected=role == super::Role::Member>"Member"</option>
                                <option value="admin" selected=role == super::Role::Admin>"Admin"</option>
                                {custom_roles.into_iter().map(|(id, name)| {
                                    let selected = current_custom.as_deref() == Some(id.as_str());
                                    view! { <option value=format!("custom:{id}") selected=selected>{name}</option> }
                                }).collect_view()}
                            </select>
                            <button type="submit" class=SMALL_BUTTON>"Change role"</button>
                        </ActionForm>
                        <ActionForm action=remove>
                            <input type="hidden" name="workspace" value=remove_ws />
                            <input type="hidden" name="user_id" value=remove_user />
                            <button type="submit" class=SMALL_BUTTON>"Remove"</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! { <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-semibold dark:bg-slate-800" data-testid="role">{role_name}</span> }.into_any()
                }}
                {owner_can_transfer.then(|| view! {
                    <details class="text-sm">
                        <summary class="cursor-pointer text-slate-600 dark:text-slate-400">"Make owner"</summary>
                        <ActionForm action=transfer attr:class="mt-2 flex items-end gap-2">
                            <input type="hidden" name="workspace" value=transfer_ws />
                            <input type="hidden" name="user_id" value=transfer_user />
                            <Field label="Your password" name="current_password" id=transfer_password_id kind="password" autocomplete="current-password" />
                            <button type="submit" class=SMALL_BUTTON>"Hand over"</button>
                        </ActionForm>
                    </details>
                })}
            </div>
        </li>
    }
}

#[component]
pub fn InvitationPage() -> impl IntoView {
    // By the emailed token, or by id from the bell (signed in as the invited address).
    let (token, id) = use_query_map().with_untracked(|q| (q.get("token"), q.get("id")));
    let key = (token.clone(), id.clone());
    let invitation = Resource::new(move || key.clone(), |(token, id)| view_invitation(token, id));
    let accept = ServerAction::<AcceptInvitation>::new();
    let here = match (&token, &id) {
        (Some(t), _) => format!("/invite?token={t}"),
        (None, Some(i)) => format!("/invite?id={}", crate::ui::url_encode(i)),
        (None, None) => "/invite".to_owned(),
    };
    view! {
        <Title text="Invitation" />
        <section class="mx-auto w-full max-w-md py-6 sm:py-12">
            <div class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8 dark:border-slate-800 dark:bg-slate-900">
                <Suspense fallback=|| view! { <PageLoading /> }>
                    {move || {
                        let (token, id, here) = (token.clone(), id.clone(), here.clone());
                        Suspend::new(async move {
                        match invitation.await {
                            Err(crate::error::AppError::Unauthorized) => view! {
                                <h1 class="text-2xl font-bold">"Log in to see this invitation"</h1>
                                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"It is addressed to your account."</p>
                                <A href=format!("/login?next={}", crate::ui::url_encode(&here)) attr:class="mt-6 inline-flex rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Log in"</A>
                            }.into_any(),
                            Err(_) => view! {
                                <h1 class="text-2xl font-bold">"Invitation not found"</h1>
                                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"The link may be incomplete. Ask whoever invited you to send it again."</p>
                            }.into_any(),
                            Ok(i) if !i.usable => view! {
                                <h1 class="text-2xl font-bold">"This invitation no longer works"</h1>
                                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"It was used, withdrawn, or it expired. Ask " {i.inviter} " for a new one."</p>
                            }.into_any(),
                            Ok(i) => {
                                let signup = format!(
                                    "/signup?email={}&next={}",
                                    crate::ui::url_encode(&i.email),
                                    crate::ui::url_encode(&here)
                                );
                                let login = format!("/login?next={}", crate::ui::url_encode(&here));
                                view! {
                                    <h1 class="text-2xl font-bold">"Join " {i.workspace_name.clone()}</h1>
                                    <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                                        {i.inviter.clone()} " invited " <strong>{i.email.clone()}</strong> " to join as " {i.role.label()} ". The invitation expires " {i.expires_at.clone()} "."
                                    </p>
                                    {match (i.for_you, i.signed_in_as.clone()) {
                                        (true, _) => view! {
                                            <ActionForm action=accept attr:class="mt-6 space-y-4">
                                                <FormAlert error=action_error(accept) />
                                                {token.clone().map(|t| view! { <input type="hidden" name="token" value=t /> })}
                                                {id.clone().map(|i| view! { <input type="hidden" name="id" value=i /> })}
                                                <SubmitButton label="Accept and join" pending=accept.pending() />
                                            </ActionForm>
                                        }.into_any(),
                                        (false, Some(other)) => view! {
                                            <p class="mt-6 rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm dark:border-amber-700 dark:bg-amber-950">
                                                "You are logged in as " {other} ". Log out, then log in or sign up with " {i.email.clone()} " to accept."
                                            </p>
                                        }.into_any(),
                                        (false, None) => view! {
                                            <div class="mt-6 flex flex-wrap gap-3">
                                                <A href=login attr:class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Log in to accept"</A>
                                                <A href=signup attr:class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Create an account"</A>
                                            </div>
                                        }.into_any(),
                                    }}
                                }.into_any()
                            }
                        }
                    })}}
                </Suspense>
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

#[component]
pub fn RolesPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default());
    let create = ServerAction::<CreateRole>::new();
    let update = ServerAction::<UpdateRole>::new();
    let delete = ServerAction::<DeleteRole>::new();
    let roles = Resource::new(
        move || {
            (
                slug.get(),
                create.version().get(),
                update.version().get(),
                delete.version().get(),
            )
        },
        |(slug, ..)| list_roles(slug),
    );
    let (notice, error) = latest_outcome(&[create.value(), update.value(), delete.value()]);
    view! {
        <Title text="Roles" />
        <RequireUser>
            <Suspense fallback=|| view! { <PageLoading /> }>
                {move || Suspend::new(async move {
                    match roles.await {
                        Err(e) => view! { <WorkspaceMissing error=e /> }.into_any(),
                        Ok(v) => {
                            let slug = v.slug.clone();
                            let editors = v.can_manage.then(|| {
                                view! {
                                    {v.custom.clone().into_iter().map(|role| view! { <EditRole slug=slug.clone() role update delete /> }).collect_view()}
                                    <RoleForm slug=slug.clone() create />
                                }
                            });
                            view! {
                                <div class="mx-auto max-w-5xl space-y-6">
                                    <div>
                                        <A href=format!("/w/{}", v.slug) attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">{v.workspace_name.clone()}</A>
                                        <h1 class="mt-1 text-2xl font-bold tracking-tight">"Roles"</h1>
                                        <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"What each role may do. Give members a role on the Members page."</p>
                                    </div>
                                    <FormNotice message=notice />
                                    <FormAlert error=error />
                                    <PermissionMatrix custom=v.custom.clone() />
                                    {editors}
                                </div>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn PermissionMatrix(custom: Vec<super::CustomRoleInfo>) -> impl IntoView {
    let mark = |on: bool| {
        if on {
            view! { <span class="text-emerald-600 dark:text-emerald-400" aria-label="allowed">"\u{2713}"</span> }
                .into_any()
        } else {
            view! { <span class="text-slate-300 dark:text-slate-600" aria-label="not allowed">"\u{2013}"</span> }
                .into_any()
        }
    };
    view! {
        <div class="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <table class="min-w-full text-sm" data-testid="permission-matrix">
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-900 dark:text-slate-400">
                    <tr>
                        <th scope="col" class="px-4 py-2">"Permission"</th>
                        {super::Role::BUILT_IN.iter().map(|r| view! { <th scope="col" class="px-3 py-2 text-center">{r.label()}</th> }).collect_view()}
                        {custom.iter().map(|r| view! { <th scope="col" class="px-3 py-2 text-center normal-case">{r.name.clone()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-200 dark:divide-slate-800">
                    {super::Permission::ALL.iter().map(|p| view! {
                        <tr>
                            <th scope="row" class="px-4 py-2 text-left font-normal">{p.label()}</th>
                            {super::Role::BUILT_IN.iter().map(|r| view! { <td class="px-3 py-2 text-center">{mark(r.can(*p))}</td> }).collect_view()}
                            {custom.iter().map(|r| view! { <td class="px-3 py-2 text-center">{mark(r.permissions.contains(p))}</td> }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Checkboxes for every permission a custom role can hold.
fn permission_checkboxes(prefix: String, checked: Vec<super::Permission>) -> impl IntoView {
    view! {
        <fieldset class="grid gap-2 sm:grid-cols-2">
            <legend class="mb-2 text-sm font-medium">"Permissions"</legend>
            {super::Permission::ALL.iter().filter(|p| **p != super::Permission::WorkspaceDelete).map(|p| {
                let id = format!("{prefix}-{}", p.key().replace('.', "-"));
                let label_for = id.clone();
                view! {
                    <label for=label_for class="flex items-center gap-2 text-sm">
                        <input id=id type="checkbox" name="permissions[]" value=p.key() checked=checked.contains(p) class="h-4 w-4 rounded border-slate-300" />
                        {p.label()}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn RoleForm(slug: String, create: ServerAction<CreateRole>) -> impl IntoView {
    let permissions_error = field_error(create, "permissions");
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h2 class="text-lg font-semibold">"New role"</h2>
            <ActionForm action=create attr:class="mt-4 space-y-4">
                <input type="hidden" name="workspace" value=slug />
                <Field label="Name" name="name" id="new-role-name" maxlength=40 error=field_error(create, "name") />
                {permission_checkboxes("new-role".into(), Vec::new())}
                <Show when=move || permissions_error.get().is_some()>
                    <p class="text-sm text-rose-700 dark:text-rose-300">{move || permissions_error.get()}</p>
                </Show>
                <SubmitButton label="Create role" pending=create.pending() />
            </ActionForm>
        </section>
    }
}

#[component]
fn EditRole(
    slug: String,
    role: super::CustomRoleInfo,
    update: ServerAction<UpdateRole>,
    delete: ServerAction<DeleteRole>,
) -> impl IntoView {
    let prefix = format!("role-{}", role.id);
    let (update_id, delete_id) = (role.id.clone(), role.id.clone());
    let (update_ws, delete_ws) = (slug.clone(), slug);
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h2 class="text-lg font-semibold">{role.name.clone()}</h2>
            <p class="text-xs text-slate-500 dark:text-slate-400">{role.members} " member(s) have this role"</p>
            <ActionForm action=update attr:class="mt-4 space-y-4">
                <input type="hidden" name="workspace" value=update_ws />
                <input type="hidden" name="id" value=update_id />
                <Field label="Name" name="name" id=format!("{prefix}-name") maxlength=40 value=Signal::stored(Some(role.name.clone())) />
                {permission_checkboxes(prefix.clone(), role.permissions.clone())}
                <SubmitButton label="Save role" pending=update.pending() />
            </ActionForm>
            <ActionForm action=delete attr:class="mt-3">
                <input type="hidden" name="workspace" value=delete_ws />
                <input type="hidden" name="id" value=delete_id />
                <button type="submit" class=SMALL_BUTTON>"Delete role"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub(crate) fn WorkspaceMissing(error: crate::error::AppError) -> impl IntoView {
    view! {
        <section class="mx-auto max-w-xl py-16 text-center">
            <h1 class="text-2xl font-bold">"Workspace not found"</h1>
            <p class="mt-3 text-slate-600 dark:text-slate-400">{error.to_string()}</p>
        </section>
    }
}
