//! Light/dark theme: follows the OS until the user picks one, then remembers the pick per browser.

use leptos::prelude::*;

/// Runs before first paint (inline, with the page nonce) so a dark-mode user never sees a flash.
pub const BOOT_SCRIPT: &str = "(function(){try{var t=localStorage.getItem('theme');\
var d=t?t==='dark':window.matchMedia('(prefers-color-scheme: dark)').matches;\
document.documentElement.classList.toggle('dark',d);}catch(e){}})();";

#[component]
pub fn ThemeToggle() -> impl IntoView {
    let dark = RwSignal::new(false);
    Effect::new(move |_| dark.set(is_dark_now()));
    let toggle = move |_| {
        let next = !dark.get_untracked();
        apply(next);
        dark.set(next);
    };
    view! {
        <button
            type="button"
            on:click=toggle
            aria-pressed=move || dark.get().to_string()
            class="inline-flex items-center gap-2 rounded-lg border border-slate-200 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800"
        >
            <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" class="h-4 w-4">
                <path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z" />
            </svg>
            <span>{move || if dark.get() { "Light mode" } else { "Dark mode" }}</span>
        </button>
    }
}

fn is_dark_now() -> bool {
    document()
        .document_element()
        .map(|el| el.class_list().contains("dark"))
        .unwrap_or(false)
}

fn apply(dark: bool) {
    if let Some(el) = document().document_element() {
        let _ = el.class_list().toggle_with_force("dark", dark);
    }
    if let Ok(Some(storage)) = window().local_storage() {
        let _ = storage.set_item("theme", if dark { "dark" } else { "light" });
    }
}
