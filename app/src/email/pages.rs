use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::api::{get_dev_mailbox_email, list_dev_mailbox, MailboxEntry, MAILBOX_PAGE_SIZE};

#[component]
pub fn DevMailboxPage() -> impl IntoView {
    let page = RwSignal::new(0u32);
    let emails = Resource::new(move || page.get(), list_dev_mailbox);
    view! {
        <Title text="Development mailbox" />
        <div class="mx-auto max-w-5xl">
            <h1 class="text-3xl font-bold tracking-tight">"Development mailbox"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
                "Every email AudioTricks sent while email goes to the outbox. It exists only on this machine."
            </p>
            <Transition fallback=|| view! { <div class="mt-8 h-40 animate-pulse rounded-2xl bg-slate-200 dark:bg-slate-800" aria-busy="true"></div> }>
                {move || emails.get().map(|result| match result {
                    Ok(list) => view! { <MailboxTable list page /> }.into_any(),
                    Err(e) => view! { <Problem message=e.to_string() /> }.into_any(),
                })}
            </Transition>
        </div>
    }
}

#[component]
fn MailboxTable(list: Vec<MailboxEntry>, page: RwSignal<u32>) -> impl IntoView {
    let full_page = list.len() as i64 == MAILBOX_PAGE_SIZE;
    if list.is_empty() && page.get_untracked() == 0 {
        return view! {
            <p class="mt-8 rounded-2xl border border-dashed border-slate-300 p-8 text-center text-slate-600 dark:border-slate-700 dark:text-slate-300">
                "No email yet. Emails appear here as soon as the app sends one."
            </p>
        }
        .into_any();
    }
    view! {
        <div class="mt-8 overflow-x-auto rounded-2xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table class="w-full text-left text-sm">
                <thead class="text-slate-500 dark:text-slate-400">
                    <tr>
                        <th scope="col" class="px-4 py-2 font-medium">"To"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Subject"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Status"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Sent"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|e| {
                            view! {
                                <tr class="border-t border-slate-100 dark:border-slate-800">
                                    <td class="px-4 py-2">{e.to}</td>
                                    <td class="px-4 py-2">
                                        <A href=format!("/dev/mailbox/{}", e.id) attr:class="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
                                            {e.subject}
                                        </A>
                                    </td>
                                    <td class="px-4 py-2">{e.status}</td>
                                    <td class="px-4 py-2 tabular-nums">{e.created_at}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <div class="mt-4 flex justify-between">
            <button
                type="button"
                class="rounded-lg border border-slate-300 px-3 py-1.5 text-sm disabled:opacity-40 dark:border-slate-700"
                disabled=move || page.get() == 0
                on:click=move |_| page.update(|p| *p = p.saturating_sub(1))
            >
                "Newer"
            </button>
            <button
                type="button"
                class="rounded-lg border border-slate-300 px-3 py-1.5 text-sm disabled:opacity-40 dark:border-slate-700"
                disabled=!full_page
                on:click=move |_| page.update(|p| *p += 1)
            >
                "Older"
            </button>
        </div>
    }
    .into_any()
}

#[component]
pub fn DevMailboxEmailPage() -> impl IntoView {
    let params = use_params_map();
    let email = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_dev_mailbox_email,
    );
    view! {
        <Title text="Email" />
        <div class="mx-auto max-w-4xl">
            <A href="/dev/mailbox" attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">"Back to the mailbox"</A>
            <Transition fallback=|| view! { <div class="mt-6 h-96 animate-pulse rounded-2xl bg-slate-200 dark:bg-slate-800" aria-busy="true"></div> }>
                {move || email.get().map(|result| match result {
                    Ok(m) => view! {
                        <h1 class="mt-4 text-2xl font-bold tracking-tight">{m.entry.subject.clone()}</h1>
                        <dl class="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
                            <dt class="text-slate-500">"To"</dt><dd>{m.entry.to.clone()}</dd>
                            <dt class="text-slate-500">"Status"</dt><dd>{m.entry.status.clone()}</dd>
                            <dt class="text-slate-500">"Created"</dt><dd>{m.entry.created_at.clone()}</dd>
                            <dt class="text-slate-500">"Template"</dt><dd>{m.entry.template.clone()}</dd>
                        </dl>
                        {m.last_error.map(|e| view! { <p role="alert" class="mt-3 text-sm text-rose-700 dark:text-rose-300">{e}</p> })}
                        <h2 class="mt-6 font-semibold">"HTML part"</h2>
                        <iframe
                            title="HTML part"
                            sandbox=""
                            src=format!("/dev/mailbox/{}/html", m.entry.id)
                            class="mt-2 h-[32rem] w-full rounded-xl border border-slate-200 bg-white dark:border-slate-700"
                        ></iframe>
                        <h2 class="mt-6 font-semibold">"Text part"</h2>
                        <pre class="mt-2 whitespace-pre-wrap rounded-xl border border-slate-200 bg-white p-4 text-sm dark:border-slate-700 dark:bg-slate-900">{m.text}</pre>
                    }.into_any(),
                    Err(e) => view! { <Problem message=e.to_string() /> }.into_any(),
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Problem(message: String) -> impl IntoView {
    view! {
        <div role="alert" class="mt-8 rounded-xl border border-rose-200 bg-rose-50 p-4 text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100">
            {message}
        </div>
    }
}
