//! The Members page (the team, roles, invitations) and the invitation page (`/invite`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use super::{
    api::*,
    pages::{WorkspaceMissing, SMALL_BUTTON},
};
use crate::{
    accounts::pages::{PageLoading, RequireUser},
    ui::forms::{action_error, echoed, field_error, latest_outcome, Field, FormAlert, FormNotice, SubmitButton},
};

#[component]
pub fn MembersPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default());
    let invite = ServerAction::<InviteMember>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let change_role = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let transfer = ServerAction::<TransferOwnership>::new();
    let leave = ServerAction::<LeaveWorkspace>::new();
    let view = Resource::new(
        move || {
            (
                slug.get(),
                invite.version().get(),
                resend.version().get(),
                revoke.version().get(),
                change_role.version().get(),
                remove.version().get(),
                transfer.version().get(),
            )
        },
        |(slug, ..)| list_members(slug),
    );
    // Whichever action finished last speaks.
    let (notice, error) = latest_outcome(&[
        resend.value(),
        revoke.value(),
        change_role.value(),
        remove.value(),
        transfer.value(),
    ]);
    view! {
        <Title text="Members" />
        <RequireUser>
            <Suspense fallback=|| view! { <PageLoading /> }>
                {move || Suspend::new(async move {
                    match view.await {
                        Err(e) => view! { <WorkspaceMissing error=e /> }.into_any(),
                        Ok(v) => {
                            let slug_value = v.slug.clone();
                            let is_owner = v.my_role == super::Role::Owner;
                            view! {
                                <div class="mx-auto max-w-4xl space-y-6">
                                    <div>
                                        <A href=format!("/w/{}", v.slug) attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">{v.workspace_name.clone()}</A>
                                        <h1 class="mt-1 text-2xl font-bold tracking-tight">"Members"</h1>
                                    </div>
                                    <FormNotice message=notice />
                                    <FormAlert error=error />
                                    {v.can_manage.then(|| view! { <InviteForm slug=slug_value.clone() invite /> })}
                                    <section class="rounded-2xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                        <ul class="divide-y divide-slate-200 dark:divide-slate-800" data-testid="members">
                                            {v.members.into_iter().map(|m| {
                                                let manage = v.can_manage && m.role != super::Role::Owner && !m.you;
                                                let owner_can_transfer = is_owner && !m.you;
                                                view! {
                                                    <MemberRow
                                                        member=m
                                                        custom_roles=v.custom_roles.clone()
                                                        slug=slug_value.clone()
                                                        manage
                                                        owner_can_transfer
                                                        change_role
                                                        remove
                                                        transfer
                                                    />
                                                }
                                            }).collect_view()}
                                        </ul>
                                    </section>
                                    {(!v.invitations.is_empty()).then(|| view! {
                                        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                            <h2 class="text-lg font-semibold">"Pending invitations"</h2>
                                            <ul class="mt-3 divide-y divide-slate-200 dark:divide-slate-800" data-testid="invitations">
                                                {v.invitations.into_iter().map(|i| {
                                                    let (resend_id, revoke_id) = (i.id.clone(), i.id.clone());
                                                    let (resend_ws, revoke_ws) = (slug_value.clone(), slug_value.clone());
                                                    view! {
                                                        <li class="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between">
                                                            <div>
                                                                <p class="font-medium">{i.email}</p>
                                                                <p class="text-xs text-slate-500 dark:text-slate-400">
                                                                    {i.role.label()} " · invited by " {i.invited_by} " · "
                                                                    {if i.expired { format!("expired {}", i.expires_at) } else { format!("expires {}", i.expires_at) }}
                                                                </p>
                                                            </div>
                                                            <div class="flex gap-2">
                                                                <ActionForm action=resend>
                                                                    <input type="hidden" name="workspace" value=resend_ws />
                                                                    <input type="hidden" name="id" value=resend_id />
                                                                    <button type="submit" class=SMALL_BUTTON>"Resend"</button>
                                                                </ActionForm>
                                                                <ActionForm action=revoke>
                                                                    <input type="hidden" name="workspace" value=revoke_ws />
                                                                    <input type="hidden" name="id" value=revoke_id />
                                                                    <button type="submit" class=SMALL_BUTTON>"Withdraw"</button>
                                                                </ActionForm>
                                                            </div>
                                                        </li>
                                                    }
                                                }).collect_view()}
                                            </ul>
                                        </section>
                                    })}
                                    {(!is_owner).then(|| view! {
                                        <ActionForm action=leave>
                                            <input type="hidden" name="workspace" value=slug_value.clone() />
                                            <FormAlert error=action_error(leave) />
                                            <button type="submit" class=SMALL_BUTTON>"Leave this workspace"</button>
                                        </ActionForm>
                                    })}
                                </div>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn InviteForm(slug: String, invite: ServerAction<InviteMember>) -> impl IntoView {
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h2 class="text-lg font-semibold">"Invite someone"</h2>
            <ActionForm action=invite attr:class="mt-4 grid gap-4 sm:grid-cols-[1fr_10rem_auto] sm:items-end">
                <input type="hidden" name="workspace" value=slug />
                <div class="sm:col-span-3">
                    <FormNotice message=crate::ui::forms::action_message(invite) />
                    <FormAlert error=action_error(invite) />
                </div>
                <Field label="Email address" name="email" id="invite-email" kind="email" autocomplete="off" error=field_error(invite, "email") value=echoed(invite, "email") />
                <div class="space-y-1.5">
                    <label for="invite-role" class="block text-sm font-medium">"Role"</label>
                    <select id="invite-role" name="role" class="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
                        <option value="viewer">"Viewer: can read"</option>
                        <option value="member" selected=true>"Member: can add and edit"</option>
                        <option value="admin">"Admin: can manage"</option>
                    </select>
                </div>
                <SubmitButton label="Send invitation" pending=invite.pending() />
            </ActionForm>
        </section>
    }
}

#[component]
fn MemberRow(
    member: super::MemberInfo,
    custom_roles: Vec<(String, String)>,
    slug: String,
    manage: bool,
    owner_can_transfer: bool,
    change_role: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveMember>,
    transfer: ServerAction<TransferOwnership>,
) -> impl IntoView {
    let role = member.role;
    let current_custom = member.custom_role_id.clone();
    let role_name = member.role_name.clone();
    let select_id = format!("role-{}", member.user_id);
    let (role_ws, remove_ws, transfer_ws) = (slug.clone(), slug.clone(), slug);
    let (role_user, remove_user, transfer_user) =
        (member.user_id.clone(), member.user_id.clone(), member.user_id.clone());
    let transfer_password_id = format!("transfer-password-{}", member.user_id);
    let name = member.name.clone();
    let email_attr = member.email.clone();
    view! {
        <li class="flex flex-col gap-3 p-4 sm:flex-row sm:items-center sm:justify-between" data-member=email_attr>
            <div class="min-w-0">
                <p class="font-medium">{member.name} {member.you.then(|| view! { <span class="text-xs text-slate-500">" (you)"</span> })}</p>
                <p class="text-xs text-slate-500 dark:text-slate-400">{member.email} " · joined " {member.joined}</p>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                {if manage {
                    view! {
                        <ActionForm action=change_role attr:class="flex items-center gap-2">
                            <input type="hidden" name="workspace" value=role_ws />
                            <input type="hidden" name="user_id" value=role_user />
                            <label for=select_id.clone() class="sr-only">{format!("Role of {name}")}</label>
                            <select id=select_id name="role" class="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900">
                                <option value="viewer" selected=role == super::Role::Viewer>"Viewer"</option>
                                <option value="member" selected=role == super::Role::Member>"Member"</option>
                                <option value="admin" selected=role == super::Role::Admin>"Admin"</option>
                                {custom_roles.into_iter().map(|(id, name)| {
                                    let selected = current_custom.as_deref() == Some(id.as_str());
                                    view! { <option value=format!("custom:{id}") selected=selected>{name}</option> }
                                }).collect_view()}
                            </select>
                            <button type="submit" class=SMALL_BUTTON>"Change role"</button>
                        </ActionForm>
                        <ActionForm action=remove>
                            <input type="hidden" name="workspace" value=remove_ws />
                            <input type="hidden" name="user_id" value=remove_user />
                            <button type="submit" class=SMALL_BUTTON>"Remove"</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! { <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-semibold dark:bg-slate-800" data-testid="role">{role_name}</span> }.into_any()
                }}
                {owner_can_transfer.then(|| view! {
                    <details class="text-sm">
                        <summary class="cursor-pointer text-slate-600 dark:text-slate-400">"Make owner"</summary>
                        <ActionForm action=transfer attr:class="mt-2 flex items-end gap-2">
                            <input type="hidden" name="workspace" value=transfer_ws />
                            <input type="hidden" name="user_id" value=transfer_user />
                            <Field label="Your password" name="current_password" id=transfer_password_id kind="password" autocomplete="current-password" />
                            <button type="submit" class=SMALL_BUTTON>"Hand over"</button>
                        </ActionForm>
                    </details>
                })}
            </div>
        </li>
    }
}

#[component]
pub fn InvitationPage() -> impl IntoView {
    // By the emailed token, or by id from the bell (signed in as the invited address).
    let (token, id) = use_query_map().with_untracked(|q| (q.get("token"), q.get("id")));
    let key = (token.clone(), id.clone());
    let invitation = Resource::new(move || key.clone(), |(token, id)| view_invitation(token, id));
    let accept = ServerAction::<AcceptInvitation>::new();
    let here = match (&token, &id) {
        (Some(t), _) => format!("/invite?token={t}"),
        (None, Some(i)) => format!("/invite?id={}", crate::ui::url_encode(i)),
        (None, None) => "/invite".to_owned(),
    };
    view! {
        <Title text="Invitation" />
        <section class="mx-auto w-full max-w-md py-6 sm:py-12">
            <div class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8 dark:border-slate-800 dark:bg-slate-900">
                <Suspense fallback=|| view! { <PageLoading /> }>
                    {move || {
                        let (token, id, here) = (token.clone(), id.clone(), here.clone());
                        Suspend::new(async move {
                        match invitation.await {
                            Err(crate::error::AppError::Unauthorized) => view! {
                                <h1 class="text-2xl font-bold">"Log in to see this invitation"</h1>
                                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"It is addressed to your account."</p>
                                <A href=format!("/login?next={}", crate::ui::url_encode(&here)) attr:class="mt-6 inline-flex rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Log in"</A>
                            }.into_any(),
                            Err(_) => view! {
                                <h1 class="text-2xl font-bold">"Invitation not found"</h1>
                                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"The link may be incomplete. Ask whoever invited you to send it again."</p>
                            }.into_any(),
                            Ok(i) if !i.usable => view! {
                                <h1 class="text-2xl font-bold">"This invitation no longer works"</h1>
                                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"It was used, withdrawn, or it expired. Ask " {i.inviter} " for a new one."</p>
                            }.into_any(),
                            Ok(i) => {
                                let signup = format!(
                                    "/signup?email={}&next={}",
                                    crate::ui::url_encode(&i.email),
                                    crate::ui::url_encode(&here)
                                );
                                let login = format!("/login?next={}", crate::ui::url_encode(&here));
                                view! {
                                    <h1 class="text-2xl font-bold">"Join " {i.workspace_name.clone()}</h1>
                                    <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                                        {i.inviter.clone()} " invited " <strong>{i.email.clone()}</strong> " to join as " {i.role.label()} ". The invitation expires " {i.expires_at.clone()} "."
                                    </p>
                                    {match (i.for_you, i.signed_in_as.clone()) {
                                        (true, _) => view! {
                                            <ActionForm action=accept attr:class="mt-6 space-y-4">
                                                <FormAlert error=action_error(accept) />
                                                {token.clone().map(|t| view! { <input type="hidden" name="token" value=t /> })}
                                                {id.clone().map(|i| view! { <input type="hidden" name="id" value=i /> })}
                                                <SubmitButton label="Accept and join" pending=accept.pending() />
                                            </ActionForm>
                                        }.into_any(),
                                        (false, Some(other)) => view! {
                                            <p class="mt-6 rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm dark:border-amber-700 dark:bg-amber-950">
                                                "You are logged in as " {other} ". Log out, then log in or sign up with " {i.email.clone()} " to accept."
                                            </p>
                                        }.into_any(),
                                        (false, None) => view! {
                                            <div class="mt-6 flex flex-wrap gap-3">
                                                <A href=login attr:class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Log in to accept"</A>
                                                <A href=signup attr:class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Create an account"</A>
                                            </div>
                                        }.into_any(),
                                    }}
                                }.into_any()
                            }
                        }
                    })}}
                </Suspense>
            </div>
        </section>
    }
}
