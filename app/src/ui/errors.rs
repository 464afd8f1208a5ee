//! The 404 page (with HTTP status 404) and the page shown when something fails to render.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <ProblemPage code="404" title="We couldn't find that page" detail="The link may be old, or the address may have a typo." />
    }
}

#[component]
pub fn ErrorPage(errors: ArcRwSignal<Errors>) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    let messages = move || errors.get().into_iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>();
    view! {
        <Title text="Something went wrong" />
        <ProblemPage code="Error" title="Something went wrong" detail="This page could not be shown. Try again, or come back in a minute.">
            <ul class="mt-4 space-y-1 text-sm text-rose-700 dark:text-rose-300">
                {move || messages().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        </ProblemPage>
    }
}

#[component]
fn ProblemPage(
    code: &'static str,
    title: &'static str,
    detail: &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <section class="mx-auto max-w-xl py-16 text-center">
            <p class="text-sm font-semibold uppercase tracking-widest text-indigo-600 dark:text-indigo-400">{code}</p>
            <h1 class="mt-3 text-3xl font-bold tracking-tight sm:text-4xl">{title}</h1>
            <p class="mt-4 text-slate-600 dark:text-slate-300">{detail}</p>
            {children.map(|c| c())}
            <div class="mt-8 flex justify-center gap-3">
                <a href="/" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Go to the home page"</a>
                <a href="/status" class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Check system status"</a>
            </div>
        </section>
    }
}
