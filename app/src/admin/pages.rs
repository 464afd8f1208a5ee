//! The Admin section: a searchable list of accounts and one account's page with its actions.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use super::api::*;
use crate::{
    accounts::pages::{use_me, PageLoading, RequireUser},
    ui::forms::{action_error, action_message, FormAlert, FormNotice},
};

/// Renders `children` for platform admins; others see why they cannot.
#[component]
fn RequireAdmin(children: ChildrenFn) -> impl IntoView {
    let me = use_me();
    let children = StoredValue::new(children);
    view! {
        <RequireUser>
            {move || {
                let admin = me.0.get().and_then(|r| r.ok()).flatten().is_some_and(|m| m.is_platform_admin);
                if admin {
                    children.with_value(|c| c()).into_any()
                } else {
                    #[cfg(feature = "ssr")]
                    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                        response.set_status(axum::http::StatusCode::FORBIDDEN);
                    }
                    view! {
                        <section class="mx-auto max-w-xl py-16 text-center">
                            <h1 class="text-2xl font-bold">"Administrators only"</h1>
                            <p class="mt-3 text-slate-600 dark:text-slate-400">"This part of AudioTricks is for the people who run it."</p>
                        </section>
                    }.into_any()
                }
            }}
        </RequireUser>
    }
}

fn badge(on: bool, label: &'static str, tone: &'static str) -> impl IntoView {
    on.then(
        || view! { <span class=format!("mr-1 rounded-full px-2 py-0.5 text-xs font-semibold {tone}")>{label}</span> },
    )
}

const GREEN: &str = "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200";
const RED: &str = "bg-rose-100 text-rose-800 dark:bg-rose-900 dark:text-rose-200";
const GREY: &str = "bg-slate-200 text-slate-800 dark:bg-slate-800 dark:text-slate-200";
const INDIGO: &str = "bg-indigo-100 text-indigo-800 dark:bg-indigo-900 dark:text-indigo-200";

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    view! {
        <Title text="Admin · Users" />
        <Meta name="robots" content="noindex" />
        <RequireAdmin>
            <AdminUsers />
        </RequireAdmin>
    }
}

#[component]
fn AdminUsers() -> impl IntoView {
    let query = use_query_map();
    let search = Memo::new(move |_| query.with(|q| q.get("q")).unwrap_or_default());
    let page = Memo::new(move |_| {
        query
            .with(|q| q.get("page"))
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    });
    let users = Resource::new(move || (search.get(), page.get()), |(s, p)| list_admin_users(s, p));
    view! {
        <div class="mx-auto max-w-5xl">
            <h1 class="text-2xl font-bold tracking-tight sm:text-3xl">"Users"</h1>
            <form method="get" action="/admin/users" class="mt-6 flex max-w-lg gap-2" role="search">
                <label for="admin-search" class="sr-only">"Search by name or email"</label>
                <input
                    id="admin-search"
                    name="q"
                    type="search"
                    value=move || search.get()
                    placeholder="Search by name or email"
                    class="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900"
                />
                <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Search"</button>
            </form>
            <Transition fallback=|| view! { <PageLoading /> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Err(e) => view! { <div class="mt-6"><FormAlert error=Signal::stored(Some(e)) /></div> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="mt-6 rounded-xl border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
                                "No accounts match."
                            </p>
                        }.into_any(),
                        Ok(list) => {
                            let more = list.len() == super::PAGE_SIZE;
                            let next = format!(
                                "/admin/users?q={}&page={}",
                                crate::ui::url_encode(&search.get_untracked()),
                                page.get_untracked() + 1
                            );
                            view! {
                                <div class="mt-6 overflow-x-auto rounded-xl border border-slate-200 dark:border-slate-800">
                                    <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
                                        <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-900 dark:text-slate-400">
                                            <tr>
                                                <th scope="col" class="px-4 py-2">"Account"</th>
                                                <th scope="col" class="px-4 py-2">"Status"</th>
                                                <th scope="col" class="px-4 py-2">"Signed up"</th>
                                                <th scope="col" class="px-4 py-2">"Last seen"</th>
                                                <th scope="col" class="px-4 py-2">"Sessions"</th>
                                            </tr>
                                        </thead>
                                        <tbody class="divide-y divide-slate-200 dark:divide-slate-800">
                                            {list.into_iter().map(|u| {
                                                let name = u.name.clone();
                                                view! {
                                                <tr>
                                                    <td class="px-4 py-2">
                                                        <A href=format!("/admin/users/{}", u.id) attr:class="font-medium text-indigo-700 hover:underline dark:text-indigo-300">{name}</A>
                                                        <p class="text-xs text-slate-500 dark:text-slate-400">{u.email.clone()}</p>
                                                    </td>
                                                    <td class="px-4 py-2"><UserBadges user=u.clone() /></td>
                                                    <td class="px-4 py-2 whitespace-nowrap">{u.created_at.clone()}</td>
                                                    <td class="px-4 py-2 whitespace-nowrap">{u.last_seen_at.clone().unwrap_or_else(|| "never".into())}</td>
                                                    <td class="px-4 py-2">{u.active_sessions}</td>
                                                </tr>
                                            }}).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                {more.then(|| view! { <A href=next attr:class="mt-4 inline-block text-sm font-medium text-indigo-600 dark:text-indigo-400">"Next page"</A> })}
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn UserBadges(user: super::AdminUser) -> impl IntoView {
    view! {
        {badge(user.platform_admin, "Admin", INDIGO)}
        {badge(user.locked, "Locked", RED)}
        {badge(!user.verified, "Unconfirmed", GREY)}
        {badge(user.verified && !user.locked, "Active", GREEN)}
        {badge(user.two_factor, "2FA", GREEN)}
    }
}

#[component]
pub fn AdminUserPage() -> impl IntoView {
    view! {
        <Title text="Admin · User" />
        <Meta name="robots" content="noindex" />
        <RequireAdmin>
            <AdminUserDetail />
        </RequireAdmin>
    }
}

#[component]
fn AdminUserDetail() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).unwrap_or_default());
    let lock = ServerAction::<AdminSetLocked>::new();
    let log_out = ServerAction::<AdminForceLogOut>::new();
    let resend = ServerAction::<AdminResendVerification>::new();
    let detail = Resource::new(
        move || (id.get(), lock.version().get(), log_out.version().get()),
        |(id, _, _)| get_admin_user(id),
    );
    let notice = Signal::derive(move || {
        action_message(lock)
            .get()
            .or_else(|| action_message(log_out).get())
            .or_else(|| action_message(resend).get())
    });
    let error = Signal::derive(move || {
        action_error(lock)
            .get()
            .or_else(|| action_error(log_out).get())
            .or_else(|| action_error(resend).get())
    });
    view! {
        <div class="mx-auto max-w-4xl space-y-6">
            <A href="/admin/users" attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">"All users"</A>
            <FormNotice message=notice />
            <FormAlert error=error />
            <Transition fallback=|| view! { <PageLoading /> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Err(e) => view! { <FormAlert error=Signal::stored(Some(e)) /> }.into_any(),
                        Ok(d) => {
                            let u = d.user.clone();
                            let (lock_id, log_out_id, resend_id) = (u.id.clone(), u.id.clone(), u.id.clone());
                            view! {
                                <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                    <h1 class="text-2xl font-bold">{u.name.clone()}</h1>
                                    <p class="text-sm text-slate-600 dark:text-slate-400">{u.email.clone()}</p>
                                    <p class="mt-3"><UserBadges user=u.clone() /></p>
                                    <dl class="mt-4 grid grid-cols-1 gap-2 text-sm sm:grid-cols-3">
                                        <div><dt class="text-slate-500">"Signed up"</dt><dd>{u.created_at.clone()}</dd></div>
                                        <div><dt class="text-slate-500">"Last seen"</dt><dd>{u.last_seen_at.clone().unwrap_or_else(|| "never".into())}</dd></div>
                                        <div><dt class="text-slate-500">"Active sessions"</dt><dd>{u.active_sessions}</dd></div>
                                    </dl>
                                    <div class="mt-6 flex flex-wrap gap-3">
                                        <ActionForm action=lock>
                                            <input type="hidden" name="id" value=lock_id />
                                            <input type="hidden" name="locked" value=(!u.locked).to_string() />
                                            <button type="submit" class="rounded-lg border border-rose-300 px-3 py-1.5 text-sm font-semibold text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300 dark:hover:bg-rose-950">
                                                {if u.locked { "Unlock account" } else { "Lock account" }}
                                            </button>
                                        </ActionForm>
                                        <ActionForm action=log_out>
                                            <input type="hidden" name="id" value=log_out_id />
                                            <button type="submit" class="rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                                                "Sign out everywhere"
                                            </button>
                                        </ActionForm>
                                        {(!u.verified).then(|| view! {
                                            <ActionForm action=resend>
                                                <input type="hidden" name="id" value=resend_id />
                                                <button type="submit" class="rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                                                    "Resend confirmation email"
                                                </button>
                                            </ActionForm>
                                        })}
                                    </div>
                                </section>
                                <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                    <h2 class="text-lg font-semibold">"Recent security activity"</h2>
                                    {if d.events.is_empty() {
                                        view! { <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">"Nothing yet."</p> }.into_any()
                                    } else {
                                        view! {
                                            <ol class="mt-3 divide-y divide-slate-200 text-sm dark:divide-slate-800">
                                                {d.events.into_iter().map(|e| view! {
                                                    <li class="py-2">
                                                        <p class="font-medium">{e.title}</p>
                                                        <p class="text-xs text-slate-500 dark:text-slate-400">{e.at} " · " {e.device} " · IP " {e.ip} " · " {e.location}</p>
                                                    </li>
                                                }).collect_view()}
                                            </ol>
                                        }.into_any()
                                    }}
                                </section>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}
