//! The Roles page: every role against every permission, and custom roles to create, edit and
//! delete.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::{
    api::*,
    pages::{WorkspaceMissing, SMALL_BUTTON},
};
use crate::{
    accounts::pages::{PageLoading, RequireUser},
    ui::forms::{field_error, latest_outcome, Field, FormAlert, FormNotice, SubmitButton},
};

#[component]
pub fn RolesPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")).unwrap_or_default());
    let create = ServerAction::<CreateRole>::new();
    let update = ServerAction::<UpdateRole>::new();
    let delete = ServerAction::<DeleteRole>::new();
    let roles = Resource::new(
        move || {
            (
                slug.get(),
                create.version().get(),
                update.version().get(),
                delete.version().get(),
            )
        },
        |(slug, ..)| list_roles(slug),
    );
    let (notice, error) = latest_outcome(&[create.value(), update.value(), delete.value()]);
    view! {
        <Title text="Roles" />
        <RequireUser>
            <Suspense fallback=|| view! { <PageLoading /> }>
                {move || Suspend::new(async move {
                    match roles.await {
                        Err(e) => view! { <WorkspaceMissing error=e /> }.into_any(),
                        Ok(v) => {
                            let slug = v.slug.clone();
                            let editors = v.can_manage.then(|| {
                                view! {
                                    {v.custom.clone().into_iter().map(|role| view! { <EditRole slug=slug.clone() role update delete /> }).collect_view()}
                                    <RoleForm slug=slug.clone() create />
                                }
                            });
                            view! {
                                <div class="mx-auto max-w-5xl space-y-6">
                                    <div>
                                        <A href=format!("/w/{}", v.slug) attr:class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">{v.workspace_name.clone()}</A>
                                        <h1 class="mt-1 text-2xl font-bold tracking-tight">"Roles"</h1>
                                        <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"What each role may do. Give members a role on the Members page."</p>
                                    </div>
                                    <FormNotice message=notice />
                                    <FormAlert error=error />
                                    <PermissionMatrix custom=v.custom.clone() />
                                    {editors}
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
fn PermissionMatrix(custom: Vec<super::CustomRoleInfo>) -> impl IntoView {
    let mark = |on: bool| {
        if on {
            view! { <span class="text-emerald-600 dark:text-emerald-400" aria-label="allowed">"\u{2713}"</span> }
                .into_any()
        } else {
            view! { <span class="text-slate-300 dark:text-slate-600" aria-label="not allowed">"\u{2013}"</span> }
                .into_any()
        }
    };
    view! {
        <div class="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <table class="min-w-full text-sm" data-testid="permission-matrix">
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-900 dark:text-slate-400">
                    <tr>
                        <th scope="col" class="px-4 py-2">"Permission"</th>
                        {super::Role::BUILT_IN.iter().map(|r| view! { <th scope="col" class="px-3 py-2 text-center">{r.label()}</th> }).collect_view()}
                        {custom.iter().map(|r| view! { <th scope="col" class="px-3 py-2 text-center normal-case">{r.name.clone()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-200 dark:divide-slate-800">
                    {super::Permission::ALL.iter().map(|p| view! {
                        <tr>
                            <th scope="row" class="px-4 py-2 text-left font-normal">{p.label()}</th>
                            {super::Role::BUILT_IN.iter().map(|r| view! { <td class="px-3 py-2 text-center">{mark(r.can(*p))}</td> }).collect_view()}
                            {custom.iter().map(|r| view! { <td class="px-3 py-2 text-center">{mark(r.permissions.contains(p))}</td> }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Checkboxes for every permission a custom role can hold.
fn permission_checkboxes(prefix: String, checked: Vec<super::Permission>) -> impl IntoView {
    view! {
        <fieldset class="grid gap-2 sm:grid-cols-2">
            <legend class="mb-2 text-sm font-medium">"Permissions"</legend>
            {super::Permission::ALL.iter().filter(|p| **p != super::Permission::WorkspaceDelete).map(|p| {
                let id = format!("{prefix}-{}", p.key().replace('.', "-"));
                let label_for = id.clone();
                view! {
                    <label for=label_for class="flex items-center gap-2 text-sm">
                        <input id=id type="checkbox" name="permissions[]" value=p.key() checked=checked.contains(p) class="h-4 w-4 rounded border-slate-300" />
                        {p.label()}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn RoleForm(slug: String, create: ServerAction<CreateRole>) -> impl IntoView {
    let permissions_error = field_error(create, "permissions");
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h2 class="text-lg font-semibold">"New role"</h2>
            <ActionForm action=create attr:class="mt-4 space-y-4">
                <input type="hidden" name="workspace" value=slug />
                <Field label="Name" name="name" id="new-role-name" maxlength=40 error=field_error(create, "name") />
                {permission_checkboxes("new-role".into(), Vec::new())}
                <Show when=move || permissions_error.get().is_some()>
                    <p class="text-sm text-rose-700 dark:text-rose-300">{move || permissions_error.get()}</p>
                </Show>
                <SubmitButton label="Create role" pending=create.pending() />
            </ActionForm>
        </section>
    }
}

#[component]
fn EditRole(
    slug: String,
    role: super::CustomRoleInfo,
    update: ServerAction<UpdateRole>,
    delete: ServerAction<DeleteRole>,
) -> impl IntoView {
    let prefix = format!("role-{}", role.id);
    let (update_id, delete_id) = (role.id.clone(), role.id.clone());
    let (update_ws, delete_ws) = (slug.clone(), slug);
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h2 class="text-lg font-semibold">{role.name.clone()}</h2>
            <p class="text-xs text-slate-500 dark:text-slate-400">{role.members} " member(s) have this role"</p>
            <ActionForm action=update attr:class="mt-4 space-y-4">
                <input type="hidden" name="workspace" value=update_ws />
                <input type="hidden" name="id" value=update_id />
                <Field label="Name" name="name" id=format!("{prefix}-name") maxlength=40 value=Signal::stored(Some(role.name.clone())) />
                {permission_checkboxes(prefix.clone(), role.permissions.clone())}
                <SubmitButton label="Save role" pending=update.pending() />
            </ActionForm>
            <ActionForm action=delete attr:class="mt-3">
                <input type="hidden" name="workspace" value=delete_ws />
                <input type="hidden" name="id" value=delete_id />
                <button type="submit" class=SMALL_BUTTON>"Delete role"</button>
            </ActionForm>
        </section>
    }
}
