//! Signing up and in: sign up, log in (with a second factor), email confirmation, password
//! reset; and the signed-in state the layout shows (`use_me`, `RequireUser`, the account menu).

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::{
    components::{Redirect, A},
    hooks::{use_location, use_query_map},
};

use super::{api::*, Me};
use crate::{
    error::AppError,
    ui::forms::{action_error, echoed, field_error, Field, FormAlert, FormNotice, SubmitButton},
};

/// Who is signed in, refetched on every navigation so that signing in or out, or a session
/// revoked elsewhere, shows on the next page.
#[derive(Clone, Copy)]
pub struct MeResource(pub Resource<Result<Option<Me>, AppError>>);

pub fn provide_me() -> MeResource {
    let location = use_location();
    let me = MeResource(Resource::new(move || location.pathname.get(), |_| get_me()));
    provide_context(me);
    me
}

pub fn use_me() -> MeResource {
    expect_context::<MeResource>()
}

pub(super) fn query(name: &'static str) -> Memo<Option<String>> {
    let q = use_query_map();
    Memo::new(move |_| q.with(|q| q.get(name)).filter(|v| !v.is_empty()))
}

/// Renders `children` for a signed-in user; everyone else is sent to log in and brought back.
#[component]
pub fn RequireUser(children: ChildrenFn) -> impl IntoView {
    let me = use_me();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <PageLoading /> }>
            {move || Suspend::new(async move {
                match me.0.await {
                    Ok(Some(_)) => children.with_value(|c| c()).into_any(),
                    Ok(None) => {
                        let next = location.pathname.get_untracked();
                        view! { <Redirect path=format!("/login?next={next}") /> }.into_any()
                    }
                    Err(e) => view! { <FormAlert error=Signal::stored(Some(e)) /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn PageLoading() -> impl IntoView {
    view! {
        <div class="space-y-3" aria-busy="true" aria-label="Loading">
            <div class="h-6 w-48 animate-pulse rounded bg-slate-200 dark:bg-slate-800"></div>
            <div class="h-24 animate-pulse rounded-xl bg-slate-200 dark:bg-slate-800"></div>
            <div class="h-24 animate-pulse rounded-xl bg-slate-200 dark:bg-slate-800"></div>
        </div>
    }
}

#[component]
fn AuthCard(title: &'static str, subtitle: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title />
        <Meta name="robots" content="noindex" />
        <section class="mx-auto w-full max-w-md py-6 sm:py-12">
            <div class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8 dark:border-slate-800 dark:bg-slate-900">
                <h1 class="text-2xl font-bold tracking-tight">{title}</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{subtitle}</p>
                <div class="mt-6">{children()}</div>
            </div>
        </section>
    }
}

pub(super) const LINK: &str = "font-medium text-indigo-600 hover:text-indigo-500 dark:text-indigo-400";

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let pending = action.pending();
    let next = query("next");
    let invited_email = query("email");
    let email_value = Signal::derive(move || echoed(action, "email").get().or_else(|| invited_email.get()));
    view! {
        <AuthCard title="Create your account" subtitle="Transcribe, search and share your recordings with your team.">
            <ActionForm action=action attr:class="space-y-4">
                <FormAlert error=action_error(action) />
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default() />
                <Field label="Your name" name="name" autocomplete="name" maxlength=100 error=field_error(action, "name") value=echoed(action, "name") />
                <Field label="Email address" name="email" kind="email" autocomplete="email" error=field_error(action, "email") value=email_value />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 10 characters. A few unrelated words make a strong password."
                    error=field_error(action, "password")
                />
                <SubmitButton label="Create account" pending />
            </ActionForm>
            <p class="mt-6 text-sm text-slate-600 dark:text-slate-400">
                "Already have an account? " <A href="/login" attr:class=LINK>"Log in"</A>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn CheckEmailPage() -> impl IntoView {
    let email = query("email");
    let resend = ServerAction::<ResendVerification>::new();
    let pending = resend.pending();
    let sent = query("sent");
    let notice = Signal::derive(move || {
        sent.get()
            .map(|_| "If that address has an account waiting for confirmation, a new link is on its way.".to_owned())
    });
    view! {
        <AuthCard title="Check your inbox" subtitle="One more step: confirm your email address.">
            <div class="space-y-4 text-sm">
                <p>
                    "We sent a confirmation link to "
                    <strong class="break-all">{move || email.get().unwrap_or_else(|| "your email address".into())}</strong>
                    ". Open it to activate your account, then log in."
                </p>
                <p class="text-slate-600 dark:text-slate-400">"No email after a few minutes? Check your spam folder, or send it again."</p>
                <ActionForm action=resend attr:class="space-y-3">
                    <FormNotice message=notice />
                    <FormAlert error=action_error(resend) />
                    <Field label="Email address" name="email" kind="email" autocomplete="email" value=Signal::derive(move || email.get()) error=field_error(resend, "email") />
                    <SubmitButton label="Send the link again" pending />
                </ActionForm>
                <p><A href="/login" attr:class=LINK>"Go to log in"</A></p>
            </div>
        </AuthCard>
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = query("token");
    let next = query("next");
    let confirm = ServerAction::<ConfirmEmail>::new();
    let pending = confirm.pending();
    view! {
        <AuthCard title="Confirm your email address" subtitle="Enter your AudioTricks password to confirm this address is yours.">
            <ActionForm action=confirm attr:class="space-y-4">
                <FormAlert error=action_error(confirm) />
                <input type="hidden" name="token" value=move || token.get().unwrap_or_default() />
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default() />
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error=field_error(confirm, "password") />
                <SubmitButton label="Confirm email address" pending />
            </ActionForm>
            <p class="mt-6 text-sm text-slate-600 dark:text-slate-400">
                "Link expired? " <A href="/check-email" attr:class=LINK>"Send a new one"</A>
                ". Forgot the password? " <A href="/forgot-password" attr:class=LINK>"Reset it"</A> "."
            </p>
        </AuthCard>
    }
}

#[component]
pub fn LogInPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    let pending = action.pending();
    let next = query("next");
    let notice = Signal::derive(move || {
        let q = use_query_map().get();
        if q.get("reset").is_some() {
            Some("Your password is changed. Log in with the new one.".to_owned())
        } else if q.get("signed_out").is_some() {
            Some("You are logged out.".to_owned())
        } else {
            None
        }
    });
    view! {
        <AuthCard title="Log in" subtitle="Welcome back to AudioTricks.">
            <ActionForm action=action attr:class="space-y-4">
                <FormNotice message=notice />
                <FormAlert error=action_error(action) />
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default() />
                <Field label="Email address" name="email" kind="email" autocomplete="username" error=field_error(action, "email") value=echoed(action, "email") />
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error=field_error(action, "password") />
                <div class="flex items-center justify-between gap-4">
                    <SubmitButton label="Log in" pending />
                    <A href="/forgot-password" attr:class=format!("text-sm {LINK}")>"Forgot your password?"</A>
                </div>
            </ActionForm>
            <p class="mt-6 text-sm text-slate-600 dark:text-slate-400">
                "New to AudioTricks? " <A href="/signup" attr:class=LINK>"Create an account"</A>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn LogInCodePage() -> impl IntoView {
    let action = ServerAction::<LogInCode>::new();
    let pending = action.pending();
    let next = query("next");
    view! {
        <AuthCard title="Two-factor sign-in" subtitle="Enter the 6-digit code from your authenticator app.">
            <ActionForm action=action attr:class="space-y-4">
                <FormAlert error=action_error(action) />
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default() />
                <Field
                    label="Code"
                    name="code"
                    autocomplete="one-time-code"
                    maxlength=11
                    hint="Lost your phone? Enter one of your recovery codes instead (like k7mq2-x9fdr)."
                    error=field_error(action, "code")
                />
                <SubmitButton label="Verify and log in" pending />
            </ActionForm>
            <p class="mt-6 text-sm"><A href="/login" attr:class=LINK>"Start again"</A></p>
        </AuthCard>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let pending = action.pending();
    let sent = query("sent");
    let notice = Signal::derive(move || {
        sent.get().map(|_| {
            "If that address has an account, we have emailed it a link to choose a new password. The link works for 60 minutes."
                .to_owned()
        })
    });
    view! {
        <AuthCard title="Forgot your password?" subtitle="We will email you a link to choose a new one.">
            <ActionForm action=action attr:class="space-y-4">
                <FormNotice message=notice />
                <FormAlert error=action_error(action) />
                <Field label="Email address" name="email" kind="email" autocomplete="email" error=field_error(action, "email") value=echoed(action, "email") />
                <SubmitButton label="Email me a reset link" pending />
            </ActionForm>
            <p class="mt-6 text-sm"><A href="/login" attr:class=LINK>"Back to log in"</A></p>
        </AuthCard>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let pending = action.pending();
    let token = query("token");
    view! {
        <AuthCard title="Choose a new password" subtitle="Every device signed in to your account will be signed out.">
            <ActionForm action=action attr:class="space-y-4">
                <FormAlert error=action_error(action) />
                <input type="hidden" name="token" value=move || token.get().unwrap_or_default() />
                <Field
                    label="New password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 10 characters. A few unrelated words make a strong password."
                    error=field_error(action, "password")
                />
                <SubmitButton label="Save new password" pending />
            </ActionForm>
            <p class="mt-6 text-sm"><A href="/forgot-password" attr:class=LINK>"Ask for a new link"</A></p>
        </AuthCard>
    }
}

/// The top bar's account corner: log in / sign up, or the user's name with their menu.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let me = use_me();
    let log_out = ServerAction::<LogOut>::new();
    let open = RwSignal::new(false);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match me.0.await {
                    Ok(Some(user)) => view! {
                        <div class="relative">
                            <button
                                type="button"
                                class="flex items-center gap-2 rounded-lg border border-slate-200 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                                aria-haspopup="menu"
                                aria-expanded=move || open.get().to_string()
                                on:click=move |_| open.update(|o| *o = !*o)
                            >
                                <span class="grid h-6 w-6 place-items-center rounded-full bg-indigo-600 text-xs font-bold text-white" aria-hidden="true">
                                    {user.name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default()}
                                </span>
                                <span class="hidden max-w-[10rem] truncate sm:inline" data-testid="signed-in-as">{user.name.clone()}</span>
                            </button>
                            <Show when=move || open.get()>
                                <div role="menu" class="absolute right-0 mt-2 w-56 rounded-xl border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-700 dark:bg-slate-900" on:click=move |_| open.set(false)>
                                    <p class="truncate px-3 py-2 text-xs text-slate-500 dark:text-slate-400">{user.email.clone()}</p>
                                    <A href="/account" attr:role="menuitem" attr:class="block rounded-lg px-3 py-2 text-sm hover:bg-slate-100 dark:hover:bg-slate-800">"Account"</A>
                                    <A href="/account/sessions" attr:role="menuitem" attr:class="block rounded-lg px-3 py-2 text-sm hover:bg-slate-100 dark:hover:bg-slate-800">"Sessions"</A>
                                    <A href="/account/security" attr:role="menuitem" attr:class="block rounded-lg px-3 py-2 text-sm hover:bg-slate-100 dark:hover:bg-slate-800">"Security"</A>
                                    {user.is_platform_admin.then(|| view! {
                                        <A href="/admin/users" attr:role="menuitem" attr:class="block rounded-lg px-3 py-2 text-sm hover:bg-slate-100 dark:hover:bg-slate-800">"Admin: users"</A>
                                    })}
                                </div>
                            </Show>
                        </div>
                        <ActionForm action=log_out>
                            <button type="submit" class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800">
                                "Log out"
                            </button>
                        </ActionForm>
                    }.into_any(),
                    _ => view! {
                        <A href="/login" attr:class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800">"Log in"</A>
                        <A href="/signup" attr:class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500">"Sign up"</A>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
