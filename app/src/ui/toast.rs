//! Toast notifications: short messages that confirm an action or report a failure.

use std::time::Duration;

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
}

#[derive(Clone, Debug)]
struct Toast {
    id: u64,
    kind: ToastKind,
    message: String,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

impl Toasts {
    pub fn success(&self, message: impl Into<String>) {
        self.push(ToastKind::Success, message.into());
    }
    pub fn error(&self, message: impl Into<String>) {
        self.push(ToastKind::Error, message.into());
    }

    fn push(&self, kind: ToastKind, message: String) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.items.update(|items| {
            items.push(Toast { id, kind, message });
            // Keep the stack short; the oldest goes first.
            if items.len() > 4 {
                items.remove(0);
            }
        });
        let this = *self;
        // Errors stay longer: people need time to read what went wrong.
        let ttl = if kind == ToastKind::Error { 10 } else { 5 };
        set_timeout(move || this.dismiss(id), Duration::from_secs(ttl));
    }

    fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|t| t.id != id));
    }
}

pub fn provide_toasts() {
    provide_context(Toasts {
        items: RwSignal::new(Vec::new()),
        next_id: StoredValue::new(0),
    });
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div
            aria-live="polite"
            class="pointer-events-none fixed inset-x-0 bottom-0 z-50 flex flex-col items-center gap-2 p-4 sm:items-end"
        >
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div
                    role=if toast.kind == ToastKind::Error { "alert" } else { "status" }
                    class=format!(
                        "pointer-events-auto flex w-full max-w-sm items-start gap-3 rounded-xl border px-4 py-3 text-sm shadow-lg {}",
                        match toast.kind {
                            ToastKind::Success => "border-emerald-200 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100",
                            ToastKind::Error => "border-rose-200 bg-rose-50 text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100",
                        },
                    )
                >
                    <p class="flex-1">{toast.message.clone()}</p>
                    <button
                        type="button"
                        class="rounded px-1 text-xs font-semibold uppercase tracking-wide opacity-70 hover:opacity-100"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "Dismiss"
                    </button>
                </div>
            </For>
        </div>
    }
}
