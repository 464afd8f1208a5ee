//! Top bar plus side navigation; on small screens the side navigation becomes a drawer.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

use super::theme::ThemeToggle;

struct NavSection {
    title: &'static str,
    links: &'static [(&'static str, &'static str)],
}

const NAV: &[NavSection] = &[
    NavSection {
        title: "Product",
        links: &[
            ("/", "Overview"),
            ("/#features", "Features"),
            ("/#how-it-works", "How it works"),
            ("/#pricing", "Pricing"),
        ],
    },
    NavSection {
        title: "System",
        links: &[("/status", "Status")],
    },
];

#[component]
pub fn AppLayout(children: Children) -> impl IntoView {
    crate::accounts::pages::provide_me();
    crate::notifications::pages::provide_inbox();
    let drawer_open = RwSignal::new(false);
    // Following a link closes the drawer.
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        location.hash.track();
        drawer_open.set(false);
    });

    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 dark:focus:bg-slate-900">
            "Skip to content"
        </a>
        <TopBar drawer_open />
        <div class="mx-auto flex max-w-7xl">
            <aside class="hidden w-56 shrink-0 border-r border-slate-200 lg:block dark:border-slate-800">
                <div class="sticky top-16 p-4">
                    <SideNav />
                </div>
            </aside>
            <Show when=move || drawer_open.get()>
                <div class="fixed inset-0 z-40 lg:hidden" role="dialog" aria-modal="true" aria-label="Navigation">
                    <div class="absolute inset-0 bg-slate-900/50" on:click=move |_| drawer_open.set(false)></div>
                    <div class="absolute inset-y-0 left-0 w-72 max-w-[80%] overflow-y-auto bg-white p-4 shadow-xl dark:bg-slate-900">
                        <div class="mb-4 flex items-center justify-between">
                            <span class="font-semibold">"Menu"</span>
                            <button type="button" class="rounded-lg px-2 py-1 text-sm hover:bg-slate-100 dark:hover:bg-slate-800" on:click=move |_| drawer_open.set(false)>
                                "Close"
                            </button>
                        </div>
                        <SideNav />
                    </div>
                </div>
            </Show>
            <main id="main" class="min-w-0 flex-1 px-4 py-8 sm:px-6 lg:px-10">
                {children()}
            </main>
        </div>
        <Footer />
    }
}

#[component]
fn TopBar(drawer_open: RwSignal<bool>) -> impl IntoView {
    view! {
        <header class="sticky top-0 z-30 border-b border-slate-200 bg-white/80 backdrop-blur dark:border-slate-800 dark:bg-slate-950/80">
            <div class="mx-auto flex h-16 max-w-7xl items-center gap-4 px-4 sm:px-6">
                <button
                    type="button"
                    class="rounded-lg border border-slate-200 px-3 py-1.5 text-sm font-medium lg:hidden dark:border-slate-700"
                    aria-expanded=move || drawer_open.get().to_string()
                    on:click=move |_| drawer_open.update(|open| *open = !*open)
                >
                    "Menu"
                </button>
                <A href="/" attr:class="flex items-center gap-2 font-semibold tracking-tight">
                    <Logo />
                    <span>"AudioTricks"</span>
                </A>
                <crate::workspaces::pages::WorkspaceSwitcher />
                <nav aria-label="Primary" class="ml-6 hidden items-center gap-5 text-sm text-slate-600 md:flex dark:text-slate-300">
                    <a href="/#features" class="hover:text-slate-900 dark:hover:text-white">"Features"</a>
                    <a href="/#how-it-works" class="hover:text-slate-900 dark:hover:text-white">"How it works"</a>
                    <a href="/#pricing" class="hover:text-slate-900 dark:hover:text-white">"Pricing"</a>
                    <A href="/status" attr:class="hover:text-slate-900 dark:hover:text-white">"Status"</A>
                </nav>
                <div class="ml-auto flex items-center gap-2">
                    <ThemeToggle />
                    <crate::notifications::pages::NotificationBell />
                    <crate::accounts::pages::AccountMenu />
                </div>
            </div>
        </header>
    }
}

#[component]
fn SideNav() -> impl IntoView {
    let location = use_location();
    view! {
        <nav aria-label="Sections" class="space-y-6 text-sm">
            {NAV
                .iter()
                .map(|section| {
                    view! {
                        <div>
                            <p class="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">
                                {section.title}
                            </p>
                            <ul class="space-y-1">
                                {section
                                    .links
                                    .iter()
                                    .map(|(href, label)| {
                                        let href = *href;
                                        // Section anchors are never "current": only whole pages are.
                                        let active = move || location.pathname.get() == href;
                                        view! {
                                            <li>
                                                <a
                                                    href=href
                                                    aria-current=move || active().then_some("page")
                                                    class=move || {
                                                        if active() {
                                                            "block rounded-lg bg-indigo-50 px-3 py-2 font-medium text-indigo-700 dark:bg-indigo-950 dark:text-indigo-200"
                                                        } else {
                                                            "block rounded-lg px-3 py-2 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
                                                        }
                                                    }
                                                >
                                                    {*label}
                                                </a>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        </div>
                    }
                })
                .collect_view()}
        </nav>
    }
}

#[component]
fn Footer() -> impl IntoView {
    view! {
        <footer class="border-t border-slate-200 py-8 text-center text-sm text-slate-500 dark:border-slate-800 dark:text-slate-400">
            <p>"AudioTricks: recorded audio into transcripts your team can use."</p>
        </footer>
    }
}

#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <svg aria-hidden="true" viewBox="0 0 32 32" class="h-7 w-7">
            <rect width="32" height="32" rx="8" class="fill-indigo-600" />
            <path d="M8 18v-4M12 22V10M16 25V7M20 21v-10M24 17v-2" stroke="white" stroke-width="2.4" stroke-linecap="round" />
        </svg>
    }
}
