//! The bell in the top bar, the notifications page and the email settings in the account area.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_location};

use super::{api::*, Category, Inbox, NotificationItem};
use crate::{
    accounts::pages::{PageLoading, RequireUser},
    error::AppError,
    ui::forms::{action_error, action_message, FormAlert, FormNotice, SubmitButton},
};

/// The bell's contents, refetched on every navigation and whenever a page marks something read.
#[derive(Clone, Copy)]
pub struct InboxResource {
    pub inbox: Resource<Result<Option<Inbox>, AppError>>,
    changed: RwSignal<u64>,
}

impl InboxResource {
    pub fn changed(&self) {
        self.changed.update(|n| *n += 1);
    }
}

pub fn provide_inbox() {
    let location = use_location();
    let changed = RwSignal::new(0_u64);
    let inbox = Resource::new(
        move || (location.pathname.get(), changed.get()),
        |_| notification_inbox(),
    );
    provide_context(InboxResource { inbox, changed });
}

fn use_inbox() -> InboxResource {
    expect_context::<InboxResource>()
}

/// Bumps the bell after `action` succeeds.
fn refresh_after<A, O>(action: ServerAction<A>)
where
    A: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    let inbox = use_inbox();
    Effect::new(move |_| {
        if action.value().get().is_some_and(|r| r.is_ok()) {
            inbox.changed();
        }
    });
}

fn bell_icon() -> impl IntoView {
    view! {
        <svg aria-hidden="true" viewBox="0 0 24 24" class="h-5 w-5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
            <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
            <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
    }
}

/// The bell: a link to the notifications page that, with JavaScript, opens the newest few in
/// place. Shown to signed-in users only.
#[component]
pub fn NotificationBell() -> impl IntoView {
    let inbox = use_inbox();
    let open = RwSignal::new(false);
    let mark = ServerAction::<MarkNotificationsRead>::new();
    refresh_after(mark);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let Ok(Some(current)) = inbox.inbox.await else {
                    return None;
                };
                let unread = current.unread;
                let label = match unread {
                    0 => "Notifications".to_owned(),
                    n => format!("Notifications, {n} unread"),
                };
                let recent = current.recent;
                Some(view! {
                    <div class="relative">
                        <a
                            href="/notifications"
                            class="relative grid h-9 w-9 place-items-center rounded-lg border border-slate-200 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                            aria-label=label
                            aria-haspopup="true"
                            aria-expanded=move || open.get().to_string()
                            data-testid="notification-bell"
                            on:click=move |ev| {
                                ev.prevent_default();
                                open.update(|o| *o = !*o);
                            }
                        >
                            {bell_icon()}
                            {(unread > 0).then(|| view! {
                                <span
                                    class="absolute -right-1.5 -top-1.5 min-w-[1.25rem] rounded-full bg-rose-600 px-1 text-center text-[11px] font-bold leading-5 text-white"
                                    data-testid="unread-count"
                                >
                                    {if unread > 99 { "99+".to_owned() } else { unread.to_string() }}
                                </span>
                            })}
                        </a>
                        // Hidden rather than removed, so a link stays in place through its own click.
                        <div class:hidden=move || !open.get()>
                            <div class="fixed inset-x-2 top-16 z-40 rounded-xl border border-slate-200 bg-white shadow-lg sm:absolute sm:inset-x-auto sm:right-0 sm:top-auto sm:mt-2 sm:w-96 dark:border-slate-700 dark:bg-slate-900">
                                <div class="flex items-center justify-between border-b border-slate-200 px-4 py-3 dark:border-slate-700">
                                    <h2 class="text-sm font-semibold">"Notifications"</h2>
                                    {(unread > 0).then(|| view! {
                                        <button
                                            type="button"
                                            class="text-xs font-medium text-indigo-700 hover:underline disabled:opacity-50 dark:text-indigo-300"
                                            disabled=move || mark.pending().get()
                                            on:click=move |_| { mark.dispatch(MarkNotificationsRead { id: None }); }
                                        >
                                            "Mark all as read"
                                        </button>
                                    })}
                                </div>
                                <BellList items=recent.clone() open=open />
                                <A
                                    href="/notifications"
                                    attr:class="block border-t border-slate-200 px-4 py-2.5 text-center text-sm font-medium text-indigo-700 hover:bg-slate-50 dark:border-slate-700 dark:text-indigo-300 dark:hover:bg-slate-800"
                                    on:click=move |_| open.set(false)
                                >
                                    "See all notifications"
                                </A>
                            </div>
                        </div>
                    </div>
                })
            })}
        </Transition>
    }
}

#[component]
fn BellList(items: Vec<NotificationItem>, open: RwSignal<bool>) -> impl IntoView {
    let inbox = use_inbox();
    if items.is_empty() {
        return view! {
            <p class="px-4 py-8 text-center text-sm text-slate-500 dark:text-slate-400">"Nothing yet. Invitations and changes to your workspaces show up here."</p>
        }
        .into_any();
    }
    view! {
        <ul class="max-h-96 divide-y divide-slate-100 overflow-y-auto dark:divide-slate-800">
            {items
                .into_iter()
                .map(|n| {
                    let id = n.id.clone();
                    let unread = n.unread;
                    let on_open = move |_| {
                        open.set(false);
                        if unread {
                            // Marked in the background while the link navigates.
                            let id = id.clone();
                            leptos::task::spawn_local(async move {
                                if mark_notifications_read(Some(id)).await.is_ok() {
                                    inbox.changed();
                                }
                            });
                        }
                    };
                    let body = view! {
                        <span class="flex items-start gap-3">
                            <span
                                class=if unread { "mt-1.5 h-2 w-2 shrink-0 rounded-full bg-indigo-600" } else { "mt-1.5 h-2 w-2 shrink-0" }
                                aria-hidden="true"
                            ></span>
                            <span class="min-w-0">
                                <span class=if unread { "block text-sm font-medium" } else { "block text-sm text-slate-600 dark:text-slate-400" }>{n.title}</span>
                                <span class="mt-0.5 block text-xs text-slate-500 dark:text-slate-400" title=n.at>{n.ago}</span>
                                {unread.then(|| view! { <span class="sr-only">"(unread)"</span> })}
                            </span>
                        </span>
                    };
                    match n.link {
                        Some(link) => view! {
                            <li><A href=link attr:class="block px-4 py-3 hover:bg-slate-50 dark:hover:bg-slate-800" on:click=on_open>{body}</A></li>
                        }.into_any(),
                        None => view! {
                            <li><button type="button" class="block w-full px-4 py-3 text-left hover:bg-slate-50 dark:hover:bg-slate-800" on:click=on_open>{body}</button></li>
                        }.into_any(),
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// `/notifications`: everything, newest first, with an "unread only" filter and paging.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let filters = {
        let q = leptos_router::hooks::use_query_map();
        Memo::new(move |_| {
            q.with(|q| {
                (
                    q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1),
                    q.get("unread").is_some_and(|u| u == "1"),
                )
            })
        })
    };
    let mark = ServerAction::<MarkNotificationsRead>::new();
    refresh_after(mark);
    let list = Resource::new(
        move || (filters.get(), mark.version().get()),
        |((page, unread_only), _)| list_notifications(page, unread_only),
    );
    let tab = move |unread_only: bool, label: &'static str| {
        let href = if unread_only {
            "/notifications?unread=1"
        } else {
            "/notifications"
        };
        let current = move || filters.get().1 == unread_only;
        view! {
            <A
                href=href
                attr:aria-current=move || current().then_some("page")
                attr:class=move || {
                    if current() {
                        "rounded-lg bg-indigo-50 px-3 py-1.5 text-sm font-medium text-indigo-700 dark:bg-indigo-950 dark:text-indigo-200"
                    } else {
                        "rounded-lg px-3 py-1.5 text-sm text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
                    }
                }
            >
                {label}
            </A>
        }
    };
    view! {
        <Title text="Notifications" />
        <RequireUser>
            <section class="mx-auto max-w-3xl">
                <div class="flex flex-wrap items-end justify-between gap-4">
                    <div>
                        <h1 class="text-2xl font-bold tracking-tight sm:text-3xl">"Notifications"</h1>
                        <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                            "Invitations and changes to your workspaces. "
                            <A href="/account/notifications" attr:class="font-medium text-indigo-700 hover:underline dark:text-indigo-300">"Choose which also come by email"</A>
                            "."
                        </p>
                    </div>
                    <ActionForm action=mark>
                        <SubmitButton label="Mark all as read" pending=mark.pending() />
                    </ActionForm>
                </div>
                <nav aria-label="Filter" class="mt-6 flex gap-2">
                    {tab(false, "All")}
                    {tab(true, "Unread")}
                </nav>
                <div class="mt-4">
                    <FormAlert error=action_error(mark) />
                </div>
                <Transition fallback=|| view! { <PageLoading /> }>
                    {move || Suspend::new(async move {
                        let (page, unread_only) = filters.get_untracked();
                        match list.await {
                            Err(e) => view! { <FormAlert error=Signal::stored(Some(e)) /> }.into_any(),
                            Ok(p) if p.items.is_empty() => view! {
                                <div class="mt-4 rounded-2xl border border-dashed border-slate-300 p-10 text-center dark:border-slate-700">
                                    <p class="font-medium">{if unread_only { "You are all caught up." } else { "No notifications yet." }}</p>
                                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"When someone invites you or changes your role, it shows up here."</p>
                                </div>
                            }.into_any(),
                            Ok(p) => {
                                let older = p.next_page.map(|n| {
                                    if unread_only { format!("/notifications?unread=1&page={n}") } else { format!("/notifications?page={n}") }
                                });
                                let newer = (page > 1).then(|| {
                                    let n = page - 1;
                                    if unread_only { format!("/notifications?unread=1&page={n}") } else { format!("/notifications?page={n}") }
                                });
                                view! {
                                    <p class="mt-2 text-sm text-slate-600 dark:text-slate-400" data-testid="unread-total">
                                        {match p.unread { 0 => "Nothing unread.".to_owned(), 1 => "1 unread.".to_owned(), n => format!("{n} unread.") }}
                                    </p>
                                    <ul class="mt-3 divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                                        {p.items.into_iter().map(|n| view! { <NotificationRow n=n mark=mark /> }).collect_view()}
                                    </ul>
                                    <div class="mt-4 flex justify-between text-sm">
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
fn NotificationRow(n: NotificationItem, mark: ServerAction<MarkNotificationsRead>) -> impl IntoView {
    let title = match n.link {
        Some(link) => view! { <A href=link attr:class="hover:underline">{n.title}</A> }.into_any(),
        None => view! { <span>{n.title}</span> }.into_any(),
    };
    view! {
        <li class="flex items-start gap-3 px-4 py-4 sm:px-5" data-unread=n.unread.to_string()>
            <span class=if n.unread { "mt-1.5 h-2 w-2 shrink-0 rounded-full bg-indigo-600" } else { "mt-1.5 h-2 w-2 shrink-0 rounded-full bg-slate-200 dark:bg-slate-700" } aria-hidden="true"></span>
            <div class="min-w-0 flex-1">
                <p class=if n.unread { "text-sm font-medium" } else { "text-sm text-slate-700 dark:text-slate-300" }>{title}</p>
                <p class="mt-0.5 text-xs text-slate-500 dark:text-slate-400">
                    {n.category.label()} " · " <time title=n.at.clone()>{n.ago}</time>
                </p>
            </div>
            {n.unread.then(|| view! {
                <ActionForm action=mark>
                    <input type="hidden" name="id" value=n.id.clone() />
                    <button type="submit" class="rounded-lg px-2 py-1 text-xs font-medium text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">"Mark read"</button>
                </ActionForm>
            })}
        </li>
    }
}

/// `/account/notifications`: which categories also arrive by email.
#[component]
pub fn NotificationSettingsPage() -> impl IntoView {
    view! {
        <RequireUser>
            <crate::accounts::settings::AccountShell title="Notification settings">
                <NotificationSettings />
            </crate::accounts::settings::AccountShell>
        </RequireUser>
    }
}

#[component]
fn NotificationSettings() -> impl IntoView {
    let save = ServerAction::<SaveNotificationPreferences>::new();
    let preferences = Resource::new(move || save.version().get(), |_| notification_preferences());
    view! {
        <crate::accounts::settings::Panel
            title="Email notifications"
            description="Everything shows in the bell at the top of the page. Choose what also comes by email."
        >
            <Suspense fallback=|| view! { <PageLoading /> }>
                {move || Suspend::new(async move {
                    match preferences.await {
                        Err(e) => view! { <FormAlert error=Signal::stored(Some(e)) /> }.into_any(),
                        Ok(list) => view! {
                            <ActionForm action=save attr:class="space-y-4">
                                <FormNotice message=action_message(save) />
                                <FormAlert error=action_error(save) />
                                <fieldset class="space-y-3">
                                    <legend class="sr-only">"Send me an email when"</legend>
                                    {list.into_iter().map(|p| {
                                        let id = format!("email-{}", p.category.key());
                                        view! {
                                            <div class="flex items-start gap-3 rounded-xl border border-slate-200 p-4 dark:border-slate-700">
                                                <input
                                                    type="checkbox"
                                                    id=id.clone()
                                                    name="email[]"
                                                    value=p.category.key()
                                                    checked=p.email
                                                    class="mt-1 h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-500"
                                                />
                                                <label for=id class="text-sm">
                                                    <span class="block font-medium">{p.category.label()}</span>
                                                    <span class="block text-slate-600 dark:text-slate-400">{p.category.description()}</span>
                                                </label>
                                            </div>
                                        }
                                    }).collect_view()}
                                </fieldset>
                                <p class="text-sm text-slate-600 dark:text-slate-400">
                                    {Category::Invitations.label()} " always come by email: the email carries the link to join."
                                </p>
                                <SubmitButton label="Save email settings" pending=save.pending() />
                            </ActionForm>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </crate::accounts::settings::Panel>
    }
}
