//! The signed-in user's account area: Profile (name, email, password, deletion), Sessions and
//! Security (two-factor sign-in and the security activity).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_location, use_query_map},
};

use super::{
    api::*,
    pages::{query, use_me, PageLoading, RequireUser, LINK},
};
use crate::ui::forms::{action_error, action_message, echoed, field_error, Field, FormAlert, FormNotice, SubmitButton};

/// DB-IP's licence asks pages that show its locations to credit it.
#[component]
fn GeoCredit() -> impl IntoView {
    view! {
        <p class="mt-4 text-xs text-slate-500 dark:text-slate-400">
            "Approximate locations: "
            <a href="https://db-ip.com" rel="noopener" target="_blank" class="underline">"IP Geolocation by DB-IP"</a>
        </p>
    }
}

/// The account area's heading and its tabs.
#[component]
pub(crate) fn AccountShell(title: &'static str, children: Children) -> impl IntoView {
    let location = use_location();
    let tab = move |href: &'static str, label: &'static str| {
        let current = move || location.pathname.get() == href;
        view! {
            <A
                href=href
                attr:aria-current=move || current().then_some("page")
                attr:class=move || {
                    format!(
                        "whitespace-nowrap border-b-2 px-1 pb-3 text-sm font-medium {}",
                        if current() {
                            "border-indigo-600 text-indigo-700 dark:border-indigo-400 dark:text-indigo-300"
                        } else {
                            "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-white"
                        },
                    )
                }
            >
                {label}
            </A>
        }
    };
    view! {
        <Title text=title />
        <div class="mx-auto max-w-3xl">
            <h1 class="text-2xl font-bold tracking-tight sm:text-3xl">"Your account"</h1>
            <nav aria-label="Account" class="mt-6 flex gap-6 overflow-x-auto border-b border-slate-200 dark:border-slate-800">
                {tab("/account", "Profile")}
                {tab("/account/sessions", "Sessions")}
                {tab("/account/security", "Security")}
                {tab("/account/notifications", "Notifications")}
            </nav>
            <div class="mt-8 space-y-8">{children()}</div>
        </div>
    }
}

#[component]
pub(crate) fn Panel(title: &'static str, description: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h2 class="text-lg font-semibold">{title}</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{description}</p>
            <div class="mt-5">{children()}</div>
        </section>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <RequireUser>
            <AccountShell title="Your account">
                <AccountForms />
            </AccountShell>
        </RequireUser>
    }
}

#[component]
fn AccountForms() -> impl IntoView {
    let me = use_me();
    let current = move || me.0.get().and_then(|r| r.ok()).flatten();
    let name = ServerAction::<UpdateName>::new();
    let email = ServerAction::<ChangeEmail>::new();
    let password = ServerAction::<ChangePassword>::new();
    let delete = ServerAction::<DeleteAccount>::new();
    // The top bar shows the name too.
    Effect::new(move |_| {
        if name.value().get().is_some_and(|r| r.is_ok()) {
            me.0.refetch();
        }
    });
    let arrived = Signal::derive(move || {
        let q = use_query_map().get();
        if q.get("welcome").is_some() {
            Some("Your email address is confirmed and you are logged in. Welcome to AudioTricks!".to_owned())
        } else if q.get("email_changed").is_some() {
            Some("Your new email address is confirmed and now in use.".to_owned())
        } else if q.get("workspace_deleted").is_some() {
            Some("The workspace is deleted. You can restore it below for 14 days.".to_owned())
        } else {
            None
        }
    });
    view! {
        <FormNotice message=arrived />
        <crate::workspaces::pages::DeletedWorkspaces />
        <Panel title="Profile" description="Your name is shown to the people you work with.">
            <ActionForm action=name attr:class="space-y-4">
                <FormNotice message=action_message(name) />
                <FormAlert error=action_error(name) />
                <Field
                    label="Name"
                    name="name"
                    autocomplete="name"
                    maxlength=100
                    error=field_error(name, "name")
                    value=Signal::derive(move || echoed(name, "name").get().or_else(|| current().map(|m| m.name)))
                />
                <SubmitButton label="Save name" pending=name.pending() />
            </ActionForm>
        </Panel>
        <Panel title="Email address" description="We send a confirmation link to the new address; your old address is told about the change.">
            <p class="mb-4 text-sm">"Current address: " <strong class="break-all">{move || current().map(|m| m.email)}</strong></p>
            <ActionForm action=email attr:class="space-y-4">
                <FormNotice message=action_message(email) />
                <FormAlert error=action_error(email) />
                <Field label="New email address" name="new_email" kind="email" autocomplete="email" error=field_error(email, "new_email") value=echoed(email, "new_email") />
                <Field label="Current password" name="current_password" id="email-current-password" kind="password" autocomplete="current-password" error=field_error(email, "current_password") />
                <SubmitButton label="Change email" pending=email.pending() />
            </ActionForm>
        </Panel>
        <Panel title="Password" description="Changing your password signs out your other devices.">
            <ActionForm action=password attr:class="space-y-4">
                <FormNotice message=action_message(password) />
                <FormAlert error=action_error(password) />
                <Field label="Current password" name="current_password" id="password-current-password" kind="password" autocomplete="current-password" error=field_error(password, "current_password") />
                <Field
                    label="New password"
                    name="new_password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 10 characters. A few unrelated words make a strong password."
                    error=field_error(password, "new_password")
                />
                <SubmitButton label="Change password" pending=password.pending() />
            </ActionForm>
        </Panel>
        <section class="rounded-2xl border border-rose-200 bg-white p-6 shadow-sm dark:border-rose-900 dark:bg-slate-900">
            <h2 class="text-lg font-semibold text-rose-700 dark:text-rose-300">"Delete account"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Deleting your account removes your profile, sessions and security history for good. Download a copy of your data first."
            </p>
            <a href="/account/export.json" download="audiotricks-account.json" rel="external" class="mt-4 inline-flex rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                "Download my data (JSON)"
            </a>
            <ActionForm action=delete attr:class="mt-6 space-y-4">
                <FormAlert error=action_error(delete) />
                <Field label="Current password" name="current_password" id="delete-current-password" kind="password" autocomplete="current-password" error=field_error(delete, "current_password") />
                <Field label="Type DELETE to confirm" name="confirmation" autocomplete="off" error=field_error(delete, "confirmation") />
                <SubmitButton label="Delete my account" pending=delete.pending() danger=true />
            </ActionForm>
        </section>
    }
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    view! {
        <RequireUser>
            <AccountShell title="Sessions">
                <SessionList />
            </AccountShell>
        </RequireUser>
    }
}

#[component]
fn SessionList() -> impl IntoView {
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let sessions = Resource::new(
        move || (revoke.version().get(), revoke_others.version().get()),
        |_| list_sessions(),
    );
    let (notice, error) = crate::ui::forms::latest_outcome(&[revoke.value(), revoke_others.value()]);
    view! {
        <Panel title="Where you are signed in" description="Sign out any session you do not recognise. It is refused on its next request.">
            <div class="space-y-4">
                <FormNotice message=notice />
                <FormAlert error=error />
                <Transition fallback=|| view! { <PageLoading /> }>
                    {move || Suspend::new(async move {
                        match sessions.await {
                            Err(e) => view! { <FormAlert error=Signal::stored(Some(e)) /> }.into_any(),
                            Ok(list) => {
                                let others = list.iter().filter(|s| !s.current).count();
                                view! {
                                    <ul class="divide-y divide-slate-200 rounded-xl border border-slate-200 dark:divide-slate-800 dark:border-slate-800" data-testid="sessions">
                                        {list
                                            .into_iter()
                                            .map(|s| view! { <SessionRow session=s revoke /> })
                                            .collect_view()}
                                    </ul>
                                    <Show when=move || { others > 0 }>
                                        <ActionForm action=revoke_others attr:class="mt-4">
                                            <SubmitButton label="Sign out all other sessions" pending=revoke_others.pending() danger=true />
                                        </ActionForm>
                                    </Show>
                                    <GeoCredit />
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Transition>
            </div>
        </Panel>
    }
}

#[component]
fn SessionRow(session: super::SessionInfo, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    let current = session.current;
    let id = session.id.clone();
    view! {
        <li class="flex flex-col gap-3 p-4 sm:flex-row sm:items-center sm:justify-between" data-session-id=session.id.clone()>
            <div class="min-w-0">
                <p class="flex items-center gap-2 font-medium">
                    {session.device}
                    <Show when=move || current>
                        <span class="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200">"This device"</span>
                    </Show>
                </p>
                <dl class="mt-1 grid grid-cols-1 gap-x-6 gap-y-0.5 text-xs text-slate-600 sm:grid-cols-2 dark:text-slate-400">
                    <div><dt class="inline">"IP: "</dt><dd class="inline">{session.ip}</dd></div>
                    <div><dt class="inline">"Location: "</dt><dd class="inline">{session.location}</dd></div>
                    <div><dt class="inline">"Signed in: "</dt><dd class="inline">{session.created_at}</dd></div>
                    <div><dt class="inline">"Last active: "</dt><dd class="inline">{session.last_seen_at}</dd></div>
                </dl>
            </div>
            {(!current).then(|| view! {
                <ActionForm action=revoke>
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                        "Sign out"
                    </button>
                </ActionForm>
            })}
        </li>
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    view! {
        <RequireUser>
            <AccountShell title="Security">
                <TwoFactorPanel />
                <SecurityEvents />
            </AccountShell>
        </RequireUser>
    }
}

#[component]
fn TwoFactorPanel() -> impl IntoView {
    let start = ServerAction::<StartTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let status = Resource::new(
        move || (confirm.version().get(), disable.version().get()),
        |_| get_two_factor(),
    );
    let recovery_codes = Signal::derive(move || confirm.value().get().and_then(|r| r.ok()));
    // Once it is off, the old enrolment and its recovery codes are history.
    Effect::new(move |_| {
        if disable.value().get().is_some_and(|r| r.is_ok()) {
            start.value().set(None);
            confirm.value().set(None);
        }
    });
    view! {
        <Panel title="Two-factor sign-in" description="Ask for a code from an authenticator app (such as Aegis, 1Password or Google Authenticator) whenever you log in.">
            <FormNotice message=action_message(disable) />
            <Show when=move || recovery_codes.get().is_some()>
                <div class="mb-6 rounded-xl border border-amber-300 bg-amber-50 p-4 dark:border-amber-700 dark:bg-amber-950">
                    <p class="font-semibold">"Save your recovery codes now"</p>
                    <p class="mt-1 text-sm">"Each code signs you in once if you lose your phone. They are shown only this time."</p>
                    <ul class="mt-3 grid grid-cols-2 gap-2 font-mono text-sm" data-testid="recovery-codes">
                        {move || recovery_codes.get().unwrap_or_default().into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                    </ul>
                </div>
            </Show>
            <Transition fallback=|| view! { <PageLoading /> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Err(e) => view! { <FormAlert error=Signal::stored(Some(e)) /> }.into_any(),
                        Ok(s) if !s.available => view! {
                            <p class="text-sm text-slate-600 dark:text-slate-400">
                                "Two-factor sign-in is not available on this server yet: its operator has to set a master key (MASTER_KEY)."
                            </p>
                        }.into_any(),
                        Ok(s) => match s.enabled_since {
                            Some(since) => view! {
                                <p class="text-sm" data-testid="two-factor-on">
                                    <span class="mr-2 rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200">"On"</span>
                                    "Since " {since} ". " {s.recovery_codes_left} " unused recovery codes."
                                </p>
                                <ActionForm action=disable attr:class="mt-4 space-y-4">
                                    <FormAlert error=action_error(disable) />
                                    <Field label="Current password" name="current_password" id="disable-password" kind="password" autocomplete="current-password" error=field_error(disable, "current_password") />
                                    <Field label="Code from your app (or a recovery code)" name="code" id="disable-code" autocomplete="one-time-code" error=field_error(disable, "code") />
                                    <SubmitButton label="Turn off two-factor sign-in" pending=disable.pending() danger=true />
                                </ActionForm>
                            }.into_any(),
                            None => view! { <TwoFactorSetup start confirm /> }.into_any(),
                        },
                    }
                })}
            </Transition>
        </Panel>
    }
}

#[component]
fn TwoFactorSetup(start: ServerAction<StartTwoFactor>, confirm: ServerAction<ConfirmTwoFactor>) -> impl IntoView {
    let enrolment = Signal::derive(move || start.value().get().and_then(|r| r.ok()));
    view! {
        <FormAlert error=action_error(start) />
        <Show
            when=move || enrolment.get().is_some()
            fallback=move || view! {
                <ActionForm action=start>
                    <SubmitButton label="Set up two-factor sign-in" pending=start.pending() />
                </ActionForm>
            }
        >
            {move || enrolment.get().map(|e| view! {
                <ol class="space-y-5 text-sm">
                    <li>
                        <p class="font-medium">"1. Scan this QR code with your authenticator app"</p>
                        <div class="mt-3 inline-block rounded-xl border border-slate-200 bg-white p-2" role="img" aria-label="QR code for your authenticator app" inner_html=e.qr_svg></div>
                        <p class="mt-2">
                            "Or type this key: "
                            <code class="break-all rounded bg-slate-100 px-1.5 py-0.5 font-mono dark:bg-slate-800" data-testid="totp-secret">{e.secret}</code>
                        </p>
                        <p class="mt-1"><a href=e.otpauth_url class=LINK>"Open in an authenticator app on this device"</a></p>
                    </li>
                    <li>
                        <p class="font-medium">"2. Enter the code it shows"</p>
                        <ActionForm action=confirm attr:class="mt-3 space-y-4">
                            <FormAlert error=action_error(confirm) />
                            <Field label="Code" name="code" id="enrol-code" autocomplete="one-time-code" inputmode="numeric" maxlength=6 error=field_error(confirm, "code") />
                            <Field label="Current password" name="current_password" id="enrol-password" kind="password" autocomplete="current-password" error=field_error(confirm, "current_password") />
                            <SubmitButton label="Turn on two-factor sign-in" pending=confirm.pending() />
                        </ActionForm>
                    </li>
                </ol>
            })}
        </Show>
    }
}

#[component]
fn SecurityEvents() -> impl IntoView {
    let before = query("before");
    let events = Resource::new(
        move || before.get().and_then(|b| b.parse::<i64>().ok()),
        security_events,
    );
    view! {
        <Panel title="Security activity" description="Sign-ins, failed attempts and changes to your account, newest first. We also email you about each change.">
            <Transition fallback=|| view! { <PageLoading /> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Err(e) => view! { <FormAlert error=Signal::stored(Some(e)) /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="rounded-xl border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
                                "Nothing here yet."
                            </p>
                        }.into_any(),
                        Ok(list) => {
                            let older = (list.len() == SECURITY_PAGE_SIZE).then(|| list.last().map(|e| e.id)).flatten();
                            view! {
                                <ol class="divide-y divide-slate-200 rounded-xl border border-slate-200 dark:divide-slate-800 dark:border-slate-800" data-testid="security-events">
                                    {list.into_iter().map(|e| view! {
                                        <li class="p-4" data-kind=e.kind.clone()>
                                            <p class="font-medium">{e.title}</p>
                                            <p class="mt-0.5 text-xs text-slate-600 dark:text-slate-400">
                                                <time>{e.at}</time> " · " {e.device} " · IP " {e.ip} " · " {e.location}
                                            </p>
                                        </li>
                                    }).collect_view()}
                                </ol>
                                {older.map(|id| view! {
                                    <A href=format!("/account/security?before={id}") attr:class=format!("mt-4 inline-block text-sm {LINK}")>"Older activity"</A>
                                })}
                                <GeoCredit />
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </Panel>
    }
}
