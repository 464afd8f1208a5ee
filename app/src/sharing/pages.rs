//! The share panel on a resource's page (members and public links) and the public page a link
//! opens (`/s/{token}`): that one resource, read-only, `noindex`, nothing else of its workspace.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use super::{
    api::*, PublicLinkItem, PublicRecording, PublicView, ShareAccess, ShareEntry, SharedResource, SharingOverview,
    LINK_EXPIRY_CHOICES,
};
use crate::{
    error::AppError,
    recordings::duration_in_words,
    ui::forms::{action_error, field_error, latest_outcome, Field, FormAlert, FormNotice, SubmitButton},
};

const SMALL_BUTTON: &str = "rounded-lg border border-slate-300 px-2.5 py-1 text-xs font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";
const SELECT: &str = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900";

/// The actions the share panel runs; the page refreshes its resource when any of them finishes.
/// Made once with the page (the panel itself is made again on every refresh), with the latest
/// outcome of the member actions and of the link actions.
#[derive(Clone, Copy)]
pub struct ShareActions {
    pub share: ServerAction<ShareWithMember>,
    pub stop: ServerAction<StopSharingWithMember>,
    pub create_link: ServerAction<CreatePublicLink>,
    pub revoke_link: ServerAction<RevokePublicLink>,
    members_outcome: (Signal<Option<String>>, Signal<Option<AppError>>),
    links_outcome: (Signal<Option<String>>, Signal<Option<AppError>>),
}

impl ShareActions {
    pub fn new() -> Self {
        let (share, stop) = (ServerAction::new(), ServerAction::new());
        let (create_link, revoke_link) = (ServerAction::<CreatePublicLink>::new(), ServerAction::new());
        Self {
            share,
            stop,
            create_link,
            revoke_link,
            members_outcome: latest_outcome(&[share.value(), stop.value()]),
            links_outcome: latest_outcome(&[create_link.value(), revoke_link.value()]),
        }
    }

    /// Changes whenever one of them finishes.
    pub fn version(&self) -> usize {
        self.share.version().get()
            + self.stop.version().get()
            + self.create_link.version().get()
            + self.revoke_link.version().get()
    }
}

impl Default for ShareActions {
    fn default() -> Self {
        Self::new()
    }
}

/// A read-only field holding a link, with a button that copies it.
#[component]
fn CopyableLink(url: String, #[prop(into)] label: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = url.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <div class="flex gap-2">
            <input
                type="text"
                readonly=true
                value=url
                aria-label=label
                data-testid="public-link-url"
                class="block w-full min-w-0 rounded-lg border border-slate-300 bg-slate-50 px-3 py-1.5 font-mono text-xs dark:border-slate-700 dark:bg-slate-950"
                on:focus=move |ev| {
                    #[cfg(feature = "hydrate")]
                    {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                }
            />
            <button type="button" class=SMALL_BUTTON on:click=copy>
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
        </div>
    }
}

fn hidden(name: &'static str, value: String) -> impl IntoView {
    view! { <input type="hidden" name=name value=value /> }
}

#[component]
pub fn SharePanel(workspace: String, overview: SharingOverview, actions: ShareActions) -> impl IntoView {
    let kind = overview.kind.key().to_owned();
    let id = overview.resource_id.clone();
    // The page marks itself hydrated before content inside its Suspense is; this panel says when
    // its own forms answer (until then a click posts the plain form).
    let ready = crate::ui::Mounted::new();
    ready.mark();
    let (member_notice, member_error) = actions.members_outcome;
    // A new link's own notice (with the link to copy) is shown below instead.
    let link_notice = Signal::derive(move || {
        let made = actions.create_link.value().get().and_then(|r| r.ok());
        actions
            .links_outcome
            .0
            .get()
            .filter(|message| made.as_ref() != Some(message))
    });
    let link_error = actions.links_outcome.1;
    // The link just made, while it is one of this resource's live links (not after a revoke,
    // nor on another resource's page).
    let live: Vec<String> = overview
        .links
        .iter()
        .filter(|l| l.live)
        .filter_map(|l| l.url.clone())
        .collect();
    let created = Signal::derive(move || {
        actions
            .create_link
            .value()
            .get()
            .and_then(|r| r.ok())
            .filter(|url| live.contains(url))
    });
    // A new link starts from a clean form (no password carried over to the next one).
    let create_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if created.get().is_some() {
            if let Some(form) = create_form.get() {
                form.reset();
            }
        }
    });
    let shares = overview
        .shares
        .into_iter()
        .map(|s| view! { <ShareRow entry=s workspace=workspace.clone() kind=kind.clone() id=id.clone() actions /> })
        .collect_view();
    let links = overview
        .links
        .into_iter()
        .map(|l| view! { <LinkRow link=l workspace=workspace.clone() actions /> })
        .collect_view();
    let has_candidates = !overview.candidates.is_empty();
    let candidates = overview.candidates;
    let (ws_a, kind_a, id_a) = (workspace.clone(), kind.clone(), id.clone());
    let (ws_b, kind_b, id_b) = (workspace, kind, id);
    view! {
        <section class="space-y-6 rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" data-testid="share-panel"
            data-ready=move || ready.get().then_some("true")>
            <div>
                <h2 class="text-lg font-semibold">"Share"</h2>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Let chosen members view or edit this beyond what their role allows, or make a link that plays it for anyone who has the link."
                </p>
            </div>
            <div class="space-y-3">
                <h3 class="text-sm font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">"Members"</h3>
                <FormNotice message=member_notice />
                <FormAlert error=member_error />
                <ul class="divide-y divide-slate-200 dark:divide-slate-800" data-testid="shares">
                    {shares}
                </ul>
                {if has_candidates {
                    view! {
                        <ActionForm action=actions.share attr:class="grid gap-3 sm:grid-cols-[1fr_auto_auto] sm:items-end">
                            {hidden("workspace", ws_a)}
                            {hidden("kind", kind_a)}
                            {hidden("id", id_a)}
                            <div class="space-y-1.5">
                                <label for="share-member" class="block text-sm font-medium">"Member"</label>
                                <select id="share-member" name="member" class=SELECT aria-describedby="share-member-error">
                                    {candidates.into_iter().map(|c| view! {
                                        <option value=c.user_id>{format!("{} ({})", c.name, c.role_name)}</option>
                                    }).collect_view()}
                                </select>
                                <p id="share-member-error" class="text-sm text-rose-700 dark:text-rose-300">{move || field_error(actions.share, "member").get()}</p>
                            </div>
                            <div class="space-y-1.5">
                                <label for="share-access" class="block text-sm font-medium">"Access"</label>
                                <select id="share-access" name="access" class=SELECT>
                                    <option value="view">"Can view"</option>
                                    <option value="edit" selected=true>"Can edit"</option>
                                </select>
                                <p class="text-sm">" "</p>
                            </div>
                            <div class="pb-6"><SubmitButton label="Share" pending=actions.share.pending() /></div>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! {
                        <p class="text-sm text-slate-600 dark:text-slate-400">"Everyone else in this workspace can already edit it through their role."</p>
                    }.into_any()
                }}
            </div>
            <div class="space-y-3">
                <h3 class="text-sm font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">"Public links"</h3>
                <FormNotice message=link_notice />
                <FormAlert error=link_error />
                <Show when=move || created.get().is_some()>
                    <div role="status" class="space-y-2 rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
                        <p>"Link created. Anyone with it can play this recording; nothing else of the workspace."</p>
                        <CopyableLink url=created.get().unwrap_or_default() label="New public link" />
                    </div>
                </Show>
                {if overview.links_available {
                    view! {
                        <ActionForm action=actions.create_link node_ref=create_form attr:class="grid gap-3 sm:grid-cols-[1fr_1fr_auto] sm:items-start" attr:data-testid="create-link">
                            {hidden("workspace", ws_b)}
                            {hidden("kind", kind_b)}
                            {hidden("id", id_b)}
                            <div class="space-y-1.5">
                                <label for="link-expiry" class="block text-sm font-medium">"Stops working"</label>
                                <select id="link-expiry" name="expires_in_days" class=SELECT>
                                    {LINK_EXPIRY_CHOICES.iter().map(|(days, label)| view! {
                                        <option value=days.to_string() selected=*days == 30>{*label}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <Field
                                label="Password (optional)"
                                name="link_password"
                                id="link-password"
                                kind="password"
                                autocomplete="new-password"
                                required=false
                                maxlength=128
                                hint="At least 8 characters. Visitors type it before anything is shown."
                                error=field_error(actions.create_link, "link_password")
                            />
                            <div class="sm:pt-6"><SubmitButton label="Create link" pending=actions.create_link.pending() /></div>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! {
                        <p class="text-sm text-slate-600 dark:text-slate-400">"Public links are unavailable: the server has no MASTER_KEY to keep their tokens sealed."</p>
                    }.into_any()
                }}
                <ul class="space-y-3" data-testid="public-links">{links}</ul>
            </div>
        </section>
    }
}

#[component]
fn ShareRow(entry: ShareEntry, workspace: String, kind: String, id: String, actions: ShareActions) -> impl IntoView {
    let other = match entry.access {
        ShareAccess::View => ShareAccess::Edit,
        ShareAccess::Edit => ShareAccess::View,
    };
    let switch_label = match other {
        ShareAccess::Edit => "Let them edit",
        ShareAccess::View => "View only",
    };
    let (ws_a, kind_a, id_a, user_a) = (workspace.clone(), kind.clone(), id.clone(), entry.user_id.clone());
    view! {
        <li class="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between" data-testid="share-row">
            <div class="min-w-0">
                <p class="truncate text-sm font-medium">{entry.name.clone()} <span class="font-normal text-slate-500 dark:text-slate-400">" · " {entry.email.clone()}</span></p>
                <p class="text-xs text-slate-500 dark:text-slate-400">{entry.access.label()} " · since " {entry.shared_at.clone()}</p>
            </div>
            <div class="flex gap-2">
                <ActionForm action=actions.share>
                    {hidden("workspace", ws_a)}
                    {hidden("kind", kind_a)}
                    {hidden("id", id_a)}
                    {hidden("member", user_a)}
                    {hidden("access", other.key().to_owned())}
                    <button type="submit" class=SMALL_BUTTON>{switch_label}</button>
                </ActionForm>
                <ActionForm action=actions.stop>
                    {hidden("workspace", workspace)}
                    {hidden("kind", kind)}
                    {hidden("id", id)}
                    {hidden("member", entry.user_id.clone())}
                    <button type="submit" class=SMALL_BUTTON aria-label=format!("Stop sharing with {}", entry.name)>"Stop sharing"</button>
                </ActionForm>
            </div>
        </li>
    }
}

#[component]
fn LinkRow(link: PublicLinkItem, workspace: String, actions: ShareActions) -> impl IntoView {
    let badge = match link.state.as_str() {
        "Active" => "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200",
        _ => "bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
    };
    let facts = [
        Some(format!("Created {} by {}", link.created_at, link.created_by)),
        Some(match &link.expires_at {
            Some(at) if link.state == "Expired" => format!("expired {at}"),
            Some(at) => format!("stops working {at}"),
            None => "never expires".into(),
        }),
        Some(if link.has_password {
            "password".into()
        } else {
            "no password".to_owned()
        }),
        Some(match link.views {
            1 => "1 view".into(),
            n => format!("{n} views"),
        }),
        link.last_viewed_at.as_ref().map(|at| format!("last opened {at}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <li class="space-y-2 rounded-xl border border-slate-200 p-3 dark:border-slate-800" data-testid="public-link" data-state=link.state.clone()>
            <div class="flex flex-wrap items-center justify-between gap-2">
                <span class=format!("inline-flex rounded-full px-2 py-0.5 text-xs font-medium {badge}")>{link.state.clone()}</span>
                {link.live.then(|| view! {
                    <ActionForm action=actions.revoke_link>
                        {hidden("workspace", workspace.clone())}
                        {hidden("link", link.id.clone())}
                        <button type="submit" class="rounded-lg border border-rose-300 px-2.5 py-1 text-xs font-semibold text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300 dark:hover:bg-rose-950">"Revoke"</button>
                    </ActionForm>
                })}
            </div>
            {link.url.clone().filter(|_| link.live).map(|url| view! { <CopyableLink url label="Public link" /> })}
            <p class="text-xs text-slate-500 dark:text-slate-400">{facts}</p>
        </li>
    }
}

/// `/s/{token}`: what a public link shows.
#[component]
pub fn PublicLinkPage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.with(|p| p.get("token")).unwrap_or_default());
    let unlock = ServerAction::<UnlockPublicLink>::new();
    let view = Resource::new(
        move || (token.get(), unlock.version().get()),
        |(token, _)| open_public_link(token),
    );
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        use axum::http::{header, HeaderName, HeaderValue};
        response.insert_header(
            HeaderName::from_static("x-robots-tag"),
            HeaderValue::from_static("noindex, nofollow"),
        );
        // The token is in the path: never send it to another site as a Referer. (Not
        // `no-referrer`: a form posted before hydration must still carry its origin.)
        response.insert_header(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    }
    view! {
        <Meta name="robots" content="noindex, nofollow" />
        <Meta name="referrer" content="same-origin" />
        <section class="mx-auto max-w-2xl">
            <Transition fallback=|| view! { <p class="py-16 text-center text-sm text-slate-500">"Opening the link…"</p> }>
                {move || Suspend::new(async move {
                    match view.await {
                        Ok(PublicView::Open(SharedResource::Recording(r))) => view! { <PublicRecordingView recording=r /> }.into_any(),
                        Ok(PublicView::Locked) => view! { <LinkPassword token=token.get_untracked() unlock /> }.into_any(),
                        Ok(PublicView::Gone(why)) => {
                            #[cfg(feature = "ssr")]
                            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                                response.set_status(axum::http::StatusCode::GONE);
                            }
                            view! {
                                <Title text="Link not available" />
                                <div class="py-16 text-center" data-testid="link-gone">
                                    <h1 class="text-2xl font-bold">"This link isn't available"</h1>
                                    <p class="mt-3 text-slate-600 dark:text-slate-400">{why}</p>
                                </div>
                            }.into_any()
                        }
                        Err(e) => view! {
                            <div class="py-16 text-center">
                                <h1 class="text-2xl font-bold">"The link could not be opened"</h1>
                                <p class="mt-3 text-slate-600 dark:text-slate-400">{e.to_string()}</p>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn LinkPassword(token: String, unlock: ServerAction<UnlockPublicLink>) -> impl IntoView {
    view! {
        <Title text="Password needed" />
        <div class="mx-auto max-w-sm rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h1 class="text-xl font-bold">"This link has a password"</h1>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"Type the password you were given with the link."</p>
            <ActionForm action=unlock attr:class="mt-4 space-y-4">
                <FormAlert error=Signal::derive(move || action_error(unlock).get().filter(|e| !matches!(e, crate::error::AppError::Validation(_)))) />
                {hidden("token", token)}
                <Field label="Password" name="password" id="link-unlock-password" kind="password" autocomplete="off" error=field_error(unlock, "password") />
                <SubmitButton label="Open" pending=unlock.pending() />
            </ActionForm>
        </div>
    }
}

#[component]
fn PublicRecordingView(recording: PublicRecording) -> impl IntoView {
    let r = recording;
    let facts = [
        r.duration_ms.map(duration_in_words),
        r.format.clone(),
        Some(format!("Uploaded {}", r.uploaded_at)),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <Title text=r.title.clone() />
        <article class="space-y-5">
            <div>
                <p class="text-sm font-medium text-indigo-700 dark:text-indigo-300">"Shared recording"</p>
                <h1 class="mt-1 text-2xl font-bold tracking-tight sm:text-3xl" data-testid="shared-title">{r.title.clone()}</h1>
                <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{facts}</p>
            </div>
            {r.play_url.clone().map(|src| view! {
                <div class="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                    <audio controls preload="metadata" src=src class="w-full" data-testid="shared-player" aria-label=format!("Play {}", r.title)></audio>
                </div>
            })}
            {r.summary.clone().map(|summary| view! { <crate::transcription::pages::SummaryCard summary /> })}
            {r.transcript.clone().map(|transcript| view! { <crate::transcription::pages::TranscriptText transcript /> })}
            <p class="text-xs text-slate-500 dark:text-slate-400">
                {match r.link_expires_at.clone() {
                    Some(at) => format!("This link stops working {at}."),
                    None => "Anyone with this link can play this recording.".into(),
                }}
            </p>
        </article>
    }
}
