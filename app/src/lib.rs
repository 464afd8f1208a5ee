#![recursion_limit = "512"]
//! AudioTricks: the Leptos app (UI, server functions) and, behind `ssr`, the server side.

pub mod accounts;
pub mod admin;
#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod backups;
pub mod email;
pub mod error;
pub mod marketing;
pub mod notifications;
pub mod providers;
pub mod recordings;
pub mod sharing;
pub mod storage;
pub mod system;
pub mod transcription;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod usage;
pub mod workspaces;

#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document around the app, rendered on the server only.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    let nonce = ui::csp::request_nonce();
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="description" content="AudioTricks turns recorded audio into transcripts your team can search, edit, share, export, summarise and chat with." />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=stylesheet />
                <script nonce=nonce inner_html=ui::theme::BOOT_SCRIPT></script>
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    ui::toast::provide_toasts();
    // Browser tests wait for this before they click.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title text="AudioTricks" />
        <Router>
            <ui::layout::AppLayout>
                <ErrorBoundary fallback=|errors| view! { <ui::errors::ErrorPage errors /> }>
                    <Routes fallback=|| view! { <ui::errors::NotFound /> }>
                        <Route path=path!("") view=marketing::pages::Landing />
                        <Route path=path!("status") view=system::pages::StatusPage />
                        <Route path=path!("signup") view=accounts::pages::SignUpPage />
                        <Route path=path!("check-email") view=accounts::pages::CheckEmailPage />
                        <Route path=path!("verify-email") view=accounts::pages::VerifyEmailPage />
                        <Route path=path!("login") view=accounts::pages::LogInPage />
                        <Route path=path!("login/code") view=accounts::pages::LogInCodePage />
                        <Route path=path!("forgot-password") view=accounts::pages::ForgotPasswordPage />
                        <Route path=path!("reset-password") view=accounts::pages::ResetPasswordPage />
                        <Route path=path!("account") view=accounts::settings::AccountPage ssr=SsrMode::Async />
                        <Route path=path!("account/sessions") view=accounts::settings::SessionsPage ssr=SsrMode::Async />
                        <Route path=path!("account/security") view=accounts::settings::SecurityPage ssr=SsrMode::Async />
                        <Route path=path!("account/notifications") view=notifications::pages::NotificationSettingsPage ssr=SsrMode::Async />
                        <Route path=path!("notifications") view=notifications::pages::NotificationsPage ssr=SsrMode::Async />
                        <Route path=path!("admin/users") view=admin::pages::AdminUsersPage ssr=SsrMode::Async />
                        <Route path=path!("workspaces/new") view=workspaces::pages::NewWorkspacePage ssr=SsrMode::Async />
                        <Route path=path!("w/:slug") view=workspaces::pages::WorkspaceHomePage ssr=SsrMode::Async />
                        <Route path=path!("w/:slug/settings") view=workspaces::pages::WorkspaceSettingsPage ssr=SsrMode::Async />
                        <Route path=path!("w/:slug/members") view=workspaces::members_pages::MembersPage ssr=SsrMode::Async />
                        <Route path=path!("w/:slug/roles") view=workspaces::roles_page::RolesPage ssr=SsrMode::Async />
                        <Route path=path!("w/:slug/recordings") view=recordings::pages::RecordingsPage ssr=SsrMode::Async />
                        <Route path=path!("w/:slug/recordings/:id") view=recordings::pages::RecordingPage ssr=SsrMode::Async />
                        <Route path=path!("w/:slug/import") view=recordings::import_page::ImportPage />
                        <Route path=path!("w/:slug/storage") view=storage::pages::StoragePage ssr=SsrMode::Async />
                        <Route path=path!("w/:slug/api-keys") view=providers::pages::ApiKeysPage ssr=SsrMode::Async />
                        <Route path=path!("invite") view=workspaces::members_pages::InvitationPage ssr=SsrMode::Async />
                        <Route path=path!("s/:token") view=sharing::pages::PublicLinkPage ssr=SsrMode::Async />
                        <Route path=path!("admin/users/:id") view=admin::pages::AdminUserPage ssr=SsrMode::Async />
                        <Route path=path!("dev/mailbox") view=email::pages::DevMailboxPage />
                        <Route path=path!("dev/mailbox/:id") view=email::pages::DevMailboxEmailPage />
                    </Routes>
                </ErrorBoundary>
            </ui::layout::AppLayout>
            <ui::toast::ToastHost />
        </Router>
    }
}
