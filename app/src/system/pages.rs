use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{get_system_status, GetSystemStatus, QueueCount, SystemStatus};
use crate::ui::toast::use_toasts;

#[component]
pub fn StatusPage() -> impl IntoView {
    let toasts = use_toasts();
    let status = Resource::new(|| (), |_| get_system_status());
    let refresh = ServerAction::<GetSystemStatus>::new();
    // Each finished refresh says how it went; the page shows its result from then on.
    Effect::new(move |_| match refresh.value().get() {
        Some(Ok(_)) => toasts.success("Status is up to date."),
        Some(Err(e)) => toasts.error(format!("Status could not be refreshed: {e}")),
        None => {}
    });
    let current = move || refresh.value().get().or_else(|| status.get());
    view! {
        <Title text="System status" />
        <div class="mx-auto max-w-4xl">
            <div class="flex flex-wrap items-end justify-between gap-4">
                <div>
                    <h1 class="text-3xl font-bold tracking-tight">"System status"</h1>
                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
                        "Live readiness of this AudioTricks server: the same checks as " <code>"/readyz"</code> "."
                    </p>
                </div>
                <button
                    type="button"
                    on:click=move |_| {
                        refresh.dispatch(GetSystemStatus {});
                    }
                    disabled=move || refresh.pending().get()
                    class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60"
                >
                    {move || if refresh.pending().get() { "Refreshing…" } else { "Refresh" }}
                </button>
            </div>
            <Transition fallback=StatusSkeleton>
                {move || {
                    current()
                        .map(|result| match result {
                            Ok(s) => view! { <StatusReport status=s /> }.into_any(),
                            Err(e) => {
                                view! {
                                    <div role="alert" class="mt-8 rounded-xl border border-rose-200 bg-rose-50 p-4 text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100">
                                        <p class="font-semibold">"Status could not be loaded"</p>
                                        <p class="mt-1 text-sm">{e.to_string()}</p>
                                    </div>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </div>
    }
}

#[component]
fn StatusSkeleton() -> impl IntoView {
    view! {
        <div class="mt-8 grid animate-pulse gap-4 sm:grid-cols-2" aria-busy="true" aria-label="Loading status">
            {(0..4).map(|_| view! { <div class="h-32 rounded-2xl bg-slate-200 dark:bg-slate-800"></div> }).collect_view()}
        </div>
    }
}

#[component]
fn StatusReport(status: SystemStatus) -> impl IntoView {
    let ready = status.readiness.clone();
    let (banner_class, banner_text) = if ready.ready {
        (
            "border-emerald-200 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100",
            "All systems ready",
        )
    } else {
        (
            "border-amber-200 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100",
            "Not ready",
        )
    };
    let (db, mig, store) = (ready.database, ready.migrations, ready.storage);
    view! {
        <div class=format!("mt-8 rounded-2xl border p-4 font-semibold {banner_class}") data-testid="readiness">
            {banner_text}
        </div>
        <div class="mt-6 grid gap-4 sm:grid-cols-2">
            <Card title="Database" ok=db.ok>
                <Row label="Status" value=if db.ok { "Connected" } else { "Unreachable" } />
                <Row label="Round trip" value=format!("{:.1} ms", db.latency_ms) />
            </Card>
            <Card title="Migrations" ok=mig.current>
                <Row label="Applied" value=format!("{} of {}", mig.applied, mig.expected) />
            </Card>
            <Card title="Storage" ok=store.ok>
                <Row label="Backend" value=store.backend.clone() />
                <Row label="Status" value=if store.ok { "Answering" } else { "Unavailable" } />
                <Row label="Round trip" value=format!("{:.1} ms", store.latency_ms) />
            </Card>
            <Card title="Workers" ok={status.workers_alive > 0}>
                {if status.workers_alive == 0 {
                    view! {
                        <p class="text-sm text-slate-600 dark:text-slate-300">
                            "No worker is running, so background jobs wait. Start one with " <code>"audiotricks worker"</code>
                            " or serve without " <code>"--no-workers"</code> "."
                        </p>
                    }
                        .into_any()
                } else {
                    view! { <Row label="Alive" value=status.workers_alive.to_string() /> }.into_any()
                }}
            </Card>
            <Card title="Server" ok=true>
                <Row label="Version" value=status.version.clone() />
                <Row label="Uptime" value=human_duration(status.uptime_secs) />
            </Card>
        </div>
        <JobTable jobs=status.jobs />
        {status.dev_mailbox.then(|| view! {
            <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">
                "Email goes to the outbox on this machine: read it in the "
                <a href="/dev/mailbox" class="font-medium text-indigo-700 hover:underline dark:text-indigo-300">"development mailbox"</a> "."
            </p>
        })}
    }
}

#[component]
fn JobTable(jobs: Vec<QueueCount>) -> impl IntoView {
    view! {
        <section class="mt-6 rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold">"Job queue"</h2>
            {if jobs.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-600 dark:text-slate-300">"Nothing is waiting, running or dead."</p> }.into_any()
            } else {
                view! {
                    <table class="mt-3 w-full text-left text-sm">
                        <thead class="text-slate-500 dark:text-slate-400">
                            <tr>
                                <th scope="col" class="py-1 font-medium">"Queue"</th>
                                <th scope="col" class="py-1 font-medium">"State"</th>
                                <th scope="col" class="py-1 text-right font-medium">"Jobs"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {jobs
                                .iter()
                                .map(|j| {
                                    view! {
                                        <tr class="border-t border-slate-100 dark:border-slate-800">
                                            <td class="py-1.5">{j.queue.clone()}</td>
                                            <td class="py-1.5">{j.state.clone()}</td>
                                            <td class="py-1.5 text-right tabular-nums">{j.count}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn Card(title: &'static str, ok: bool, children: Children) -> impl IntoView {
    let (dot, label) = if ok {
        ("bg-emerald-500", "OK")
    } else {
        ("bg-amber-500", "Attention")
    };
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" aria-label=title>
            <div class="flex items-center justify-between">
                <h2 class="font-semibold">{title}</h2>
                <span class="inline-flex items-center gap-1.5 text-xs font-medium text-slate-600 dark:text-slate-300">
                    <span aria-hidden="true" class=format!("h-2 w-2 rounded-full {dot}")></span>
                    {label}
                </span>
            </div>
            <dl class="mt-3 space-y-1.5">{children()}</dl>
        </section>
    }
}

#[component]
fn Row(#[prop(into)] label: String, #[prop(into)] value: String) -> impl IntoView {
    view! {
        <div class="flex justify-between gap-4 text-sm">
            <dt class="text-slate-500 dark:text-slate-400">{label}</dt>
            <dd class="text-right font-medium">{value}</dd>
        </div>
    }
}

fn human_duration(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(125), "2m 5s");
        assert_eq!(human_duration(7260), "2h 1m");
        assert_eq!(human_duration(90_000), "1d 1h");
    }
}
