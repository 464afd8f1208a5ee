//! The Storage page (`/w/{slug}/storage`): what the workspace keeps, by file type and over the
//! last 30 days, drawn as SVG on the server.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::{api::workspace_storage, DayTotal, FormatTotal};
use crate::{
    accounts::pages::{PageLoading, RequireUser},
    recordings::size_in_words,
    workspaces::pages::WorkspaceMissing,
};

const BAR_COLOURS: [&str; 6] = ["#4f46e5", "#0891b2", "#059669", "#d97706", "#db2777", "#64748b"];

#[component]
pub fn StoragePage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default());
    let view_data = Resource::new(move || slug.get(), workspace_storage);
    view! {
        <Title text="Storage" />
        <RequireUser>
            <Suspense fallback=|| view! { <PageLoading /> }>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Err(e) => view! { <WorkspaceMissing error=e /> }.into_any(),
                        Ok(v) => view! {
                            <section class="mx-auto max-w-4xl space-y-6">
                                <div>
                                    <A href=format!("/w/{}", slug.get_untracked()) attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">{v.workspace_name.clone()}</A>
                                    <h1 class="mt-1 text-2xl font-bold tracking-tight sm:text-3xl">"Storage"</h1>
                                </div>
                                <dl class="grid grid-cols-2 gap-4 sm:grid-cols-4">
                                    <Stat label="Stored" value=size_in_words(v.bytes) testid="storage-bytes" />
                                    <Stat label="Files" value=v.objects.to_string() testid="storage-files" />
                                    <Stat label="In the trash" value=size_in_words(v.trash_bytes) testid="storage-trash" />
                                    <Stat label="Largest upload" value=size_in_words(v.max_upload_bytes as i64) testid="storage-cap" />
                                </dl>
                                <section class="rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
                                    <h2 class="text-lg font-semibold">"By file type"</h2>
                                    <FormatChart totals=v.by_format.clone() />
                                </section>
                                <section class="rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
                                    <h2 class="text-lg font-semibold">"Last 30 days"</h2>
                                    <DailyChart days=v.daily.clone() />
                                </section>
                                <p class="text-xs text-slate-500 dark:text-slate-400">
                                    {match v.reconciled_at.clone() {
                                        Some(at) => format!("Counts are kept on every upload and deletion, and checked against the store nightly (last on {at})."),
                                        None => "Counts are kept on every upload and deletion, and checked against the store nightly.".to_owned(),
                                    }}
                                </p>
                            </section>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn Stat(label: &'static str, value: String, testid: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <dt class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
            <dd class="mt-1 text-lg font-semibold" data-testid=testid>{value}</dd>
        </div>
    }
}

/// One horizontal bar per file type, scaled to the largest, with its size and count.
#[component]
fn FormatChart(totals: Vec<FormatTotal>) -> impl IntoView {
    if totals.is_empty() {
        return view! { <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">"No recordings yet."</p> }
            .into_any();
    }
    let largest = totals.iter().map(|t| t.bytes).max().unwrap_or(1).max(1) as f64;
    let row = 34.0;
    let height = row * totals.len() as f64;
    let summary = totals
        .iter()
        .map(|t| format!("{}: {} in {} files", t.format, size_in_words(t.bytes), t.count))
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <svg viewBox=format!("0 0 600 {height}") class="mt-4 w-full" role="img" aria-label=format!("Storage by file type. {summary}") data-testid="format-chart">
            {totals.into_iter().enumerate().map(|(i, t)| {
                let y = row * i as f64;
                let width = (t.bytes as f64 / largest * 340.0).max(2.0);
                view! {
                    <g>
                        <text x="0" y=y + 21.0 class="fill-slate-700 text-[13px] dark:fill-slate-200">{t.format.clone()}</text>
                        <rect x="110" y=y + 6.0 width=width height="20" rx="4" fill=BAR_COLOURS[i % BAR_COLOURS.len()]></rect>
                        <text x=118.0 + width y=y + 21.0 class="fill-slate-600 text-[12px] dark:fill-slate-300">
                            {format!("{} · {} {}", size_in_words(t.bytes), t.count, if t.count == 1 { "file" } else { "files" })}
                        </text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
    .into_any()
}

/// Bytes kept at the end of each day, as an area chart with its scale and first/last dates.
#[component]
fn DailyChart(days: Vec<DayTotal>) -> impl IntoView {
    let (width, height, left, bottom) = (600.0, 180.0, 64.0, 24.0);
    let top = days.iter().map(|d| d.bytes).max().unwrap_or(0).max(1) as f64;
    let n = days.len().max(2) as f64;
    let x = move |i: usize| left + (width - left - 8.0) * i as f64 / (n - 1.0);
    let y = move |b: i64| 8.0 + (height - bottom - 8.0) * (1.0 - b as f64 / top);
    let line: Vec<String> = days
        .iter()
        .enumerate()
        .map(|(i, d)| format!("{:.1},{:.1}", x(i), y(d.bytes)))
        .collect();
    let area = format!(
        "M{:.1},{:.1} L{} L{:.1},{:.1} Z",
        x(0),
        y(0),
        line.join(" L"),
        x(days.len().saturating_sub(1)),
        y(0)
    );
    let first = days.first().map(|d| d.day.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.day.clone()).unwrap_or_default();
    let now = days.last().map(|d| d.bytes).unwrap_or(0);
    let label = format!(
        "Storage over the last 30 days, from {first} to {last}; now {}",
        size_in_words(now)
    );
    view! {
        <svg viewBox=format!("0 0 {width} {height}") class="mt-4 w-full" role="img"
            aria-label=label
            data-testid="daily-chart">
            <line x1=left y1=y(0) x2=width - 8.0 y2=y(0) class="stroke-slate-300 dark:stroke-slate-700" stroke-width="1"></line>
            <line x1=left y1=y(top as i64) x2=width - 8.0 y2=y(top as i64) class="stroke-slate-200 dark:stroke-slate-800" stroke-dasharray="4 4" stroke-width="1"></line>
            <text x="0" y=y(top as i64) + 4.0 class="fill-slate-500 text-[11px]">{size_in_words(top as i64)}</text>
            <text x="0" y=y(0) + 4.0 class="fill-slate-500 text-[11px]">"0"</text>
            <path d=area fill="#4f46e5" fill-opacity="0.15"></path>
            <polyline points=line.join(" ") fill="none" stroke="#4f46e5" stroke-width="2"></polyline>
            <text x=left y=height - 4.0 class="fill-slate-500 text-[11px]">{first}</text>
            <text x=width - 8.0 y=height - 4.0 text-anchor="end" class="fill-slate-500 text-[11px]">{last}</text>
        </svg>
    }
}
