//! `/w/{slug}/api-keys`: each provider's key, masked, with save, test and remove.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::{api::*, ProviderKeyView};
use crate::{
    accounts::pages::{PageLoading, RequireUser},
    ui::forms::{echoed, field_error, latest_outcome, Field, FormAlert, FormNotice, SubmitButton},
    workspaces::pages::WorkspaceMissing,
};

const SMALL_BUTTON: &str = "rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

#[derive(Clone, Copy)]
struct KeyActions {
    save: ServerAction<SaveApiKey>,
    remove: ServerAction<RemoveApiKey>,
    test: ServerAction<TestApiKey>,
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default());
    let actions = KeyActions {
        save: ServerAction::new(),
        remove: ServerAction::new(),
        test: ServerAction::new(),
    };
    let keys = Resource::new(
        move || {
            (
                slug.get(),
                actions.save.version().get() + actions.remove.version().get() + actions.test.version().get(),
            )
        },
        |(slug, _)| api_keys(slug),
    );
    let (notice, outcome_error) = latest_outcome(&[actions.save.value(), actions.remove.value(), actions.test.value()]);
    // A refused key shows at its field, not again at the top.
    let error = Signal::derive(move || {
        outcome_error
            .get()
            .filter(|e| !matches!(e, crate::error::AppError::Validation(_)))
    });
    view! {
        <Title text="API keys" />
        <RequireUser>
            <section class="mx-auto max-w-3xl space-y-6">
                <div>
                    <A href=move || format!("/w/{}", slug.get()) attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">"← Workspace"</A>
                    <h1 class="mt-1 text-2xl font-bold tracking-tight sm:text-3xl">"API keys"</h1>
                    <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                        "Keys for outside services this workspace uses. They are kept encrypted, shown only by their last four characters, and never sent back to a browser."
                    </p>
                </div>
                <FormNotice message=notice />
                <FormAlert error=error />
                <Transition fallback=|| view! { <PageLoading /> }>
                    {move || Suspend::new(async move {
                        match keys.await {
                            Err(e) => view! { <WorkspaceMissing error=e /> }.into_any(),
                            Ok(v) => {
                                let slug = slug.get_untracked();
                                view! {
                                    {(!v.available).then(|| view! {
                                        <p class="rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm dark:border-amber-800 dark:bg-amber-950">
                                            "Keys cannot be saved: the server has no MASTER_KEY to encrypt them with."
                                        </p>
                                    })}
                                    <div class="space-y-4">
                                        {v.keys.into_iter().map(|k| view! { <ProviderCard key_view=k slug=slug.clone() actions available=v.available /> }).collect_view()}
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
fn ProviderCard(key_view: ProviderKeyView, slug: String, actions: KeyActions, available: bool) -> impl IntoView {
    let k = key_view;
    let provider = k.provider.key();
    let field_id = format!("key-{provider}");
    let status = match (&k.masked, k.last_test_ok) {
        (None, _) => (
            "Not set",
            "bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
        ),
        (Some(_), Some(true)) => (
            "Working",
            "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200",
        ),
        (Some(_), Some(false)) => (
            "Refused",
            "bg-rose-100 text-rose-800 dark:bg-rose-950 dark:text-rose-200",
        ),
        (Some(_), None) => (
            "Not tested",
            "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-200",
        ),
    };
    let hidden = |name: &'static str, value: String| view! { <input type="hidden" name=name value=value /> };
    let facts = [
        k.masked.clone().map(|m| format!("Key {m}")),
        k.added_at
            .clone()
            .map(|at| format!("added {at} by {}", k.added_by.clone().unwrap_or_default())),
        Some(
            k.last_used_at
                .clone()
                .map_or("never used yet".to_owned(), |at| format!("last used {at}")),
        )
        .filter(|_| k.masked.is_some()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let has_key = k.masked.is_some();
    let slug_for_save = slug.clone();
    let (slug_test, slug_remove) = (slug.clone(), slug);
    view! {
        <article class="rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" data-testid=format!("provider-{provider}")>
            <div class="flex flex-wrap items-center justify-between gap-2">
                <h2 class="text-lg font-semibold">{k.provider.label()}</h2>
                <span class=format!("inline-flex rounded-full px-2 py-0.5 text-xs font-medium {}", status.1) data-testid="key-status">{status.0}</span>
            </div>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{k.provider.purpose()}</p>
            {(!facts.is_empty()).then(|| view! { <p class="mt-2 text-sm" data-testid="key-facts">{facts}</p> })}
            {k.last_test_message.clone().map(|m| view! {
                <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">"Last test " {k.last_tested_at.clone().unwrap_or_default()} ": " {m}</p>
            })}
            {(!has_key && k.platform_fallback).then(|| view! {
                <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">"Without a key of its own, this workspace uses the server's platform key."</p>
            })}
            {available.then(|| view! {
                <ActionForm action=actions.save attr:class="mt-4 flex flex-col gap-3 sm:flex-row sm:items-start">
                    {hidden("workspace", slug_for_save.clone())}
                    {hidden("provider", provider.to_owned())}
                    <div class="flex-1">
                        <Field
                            label=if has_key { format!("New {} key", k.provider.label()) } else { format!("{} key", k.provider.label()) }
                            name="key"
                            id=field_id.clone()
                            kind="password"
                            autocomplete="off"
                            maxlength=512
                            error=Signal::derive(move || {
                                let mine = echoed(actions.save, "provider").get().is_some_and(|p| p == provider);
                                field_error(actions.save, "key").get().filter(|_| mine)
                            })
                        />
                    </div>
                    <div class="sm:pt-6"><SubmitButton label=if has_key { "Replace key" } else { "Save key" } pending=actions.save.pending() /></div>
                </ActionForm>
            })}
            {has_key.then(|| view! {
                <div class="mt-3 flex flex-wrap gap-2">
                    <ActionForm action=actions.test>
                        {hidden("workspace", slug_test.clone())}
                        {hidden("provider", provider.to_owned())}
                        <button type="submit" class=SMALL_BUTTON>"Test connection"</button>
                    </ActionForm>
                    <ActionForm action=actions.remove>
                        {hidden("workspace", slug_remove.clone())}
                        {hidden("provider", provider.to_owned())}
                        <button type="submit" class="rounded-lg border border-rose-300 px-3 py-1.5 text-sm font-semibold text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300 dark:hover:bg-rose-950">"Remove key"</button>
                    </ActionForm>
                </div>
            })}
        </article>
    }
}
