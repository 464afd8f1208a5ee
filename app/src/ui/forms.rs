//! Form building blocks: labelled fields with their own error, a summary alert, a submit button
//! that shows progress. Forms are `ActionForm`s, so they also work before the page hydrates: the
//! server redirects back with the error in the URL and the page renders it.

use leptos::{prelude::*, server_fn::ServerFn};

use crate::error::AppError;

/// The error of the action's last run, if it failed.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()))
}

/// The success message of the action's last run.
pub fn action_message<S>(action: ServerAction<S>) -> Signal<Option<String>>
where
    S: ServerFn<Output = String, Error = AppError> + Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r| r.ok()))
}

/// The field's message from the action's last error.
pub fn field_error<S>(action: ServerAction<S>, field: &'static str) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()).and_then(|e| e.field(field)))
}

/// What the user had typed in `field`, echoed back by a failed submission without JavaScript.
pub fn echoed<S>(action: ServerAction<S>, field: &'static str) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()).and_then(|e| e.echoed(field)))
}

/// Whichever of several actions finished last: its success message and its error.
pub fn latest_outcome<S>(values: &[S]) -> (Signal<Option<String>>, Signal<Option<AppError>>)
where
    S: Get<Value = Option<Result<String, AppError>>> + Clone + Send + Sync + 'static,
{
    let outcome = RwSignal::new(None::<Result<String, AppError>>);
    for value in values.iter().cloned() {
        Effect::new(move |_| {
            if let Some(result) = value.get() {
                outcome.set(Some(result));
            }
        });
    }
    (
        Signal::derive(move || outcome.get().and_then(|r| r.ok())),
        Signal::derive(move || outcome.get().and_then(|r| r.err())),
    )
}

/// A labelled input with hint and error text wired up for screen readers.
#[component]
pub fn Field(
    #[prop(into)] label: String,
    name: &'static str,
    /// The element id, when one page has two fields of the same name.
    #[prop(optional, into)]
    id: Option<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(into, optional)] value: Signal<Option<String>>,
    #[prop(default = true)] required: bool,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("field-{name}"));
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="space-y-1.5">
            <label for=id.clone() class="block text-sm font-medium text-slate-800 dark:text-slate-200">{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                maxlength=maxlength
                placeholder=placeholder
                inputmode=inputmode
                value=move || value.get()
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by
                class=move || {
                    format!(
                        "block w-full rounded-lg border bg-white px-3 py-2 text-sm shadow-sm outline-none transition focus:ring-2 dark:bg-slate-900 {}",
                        if error.get().is_some() {
                            "border-rose-400 focus:border-rose-500 focus:ring-rose-200 dark:border-rose-500 dark:focus:ring-rose-900"
                        } else {
                            "border-slate-300 focus:border-indigo-500 focus:ring-indigo-200 dark:border-slate-700 dark:focus:ring-indigo-900"
                        },
                    )
                }
            />
            {hint.map(|h| view! { <p id=hint_id class="text-xs text-slate-500 dark:text-slate-400">{h}</p> })}
            <Show when=move || error.get().is_some()>
                <p id=error_id.clone() class="text-sm text-rose-700 dark:text-rose-300">{move || error.get()}</p>
            </Show>
        </div>
    }
}

/// The error summary at the top of a form; field errors are also shown at their fields.
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <Show when=move || error.get().is_some()>
            <div role="alert" class="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-900 dark:bg-rose-950 dark:text-rose-200">
                {move || error.get().map(|e| e.to_string())}
            </div>
        </Show>
    }
}

/// A success message from the action's last run.
#[component]
pub fn FormNotice(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <div role="status" class="rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
                {move || message.get()}
            </div>
        </Show>
    }
}

/// The form's submit button; disabled with a spinner while the action runs.
#[component]
pub fn SubmitButton(
    label: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(default = false)] danger: bool,
) -> impl IntoView {
    let colour = if danger {
        "bg-rose-600 hover:bg-rose-500 focus-visible:outline-rose-600"
    } else {
        "bg-indigo-600 hover:bg-indigo-500 focus-visible:outline-indigo-600"
    };
    view! {
        <button
            type="submit"
            disabled=move || pending.get()
            aria-busy=move || pending.get().then_some("true")
            class=format!(
                "inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2 text-sm font-semibold text-white shadow-sm focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 disabled:cursor-wait disabled:opacity-70 {colour}",
            )
        >
            <Show when=move || pending.get()>
                <span class="h-4 w-4 animate-spin rounded-full border-2 border-white/40 border-t-white" aria-hidden="true"></span>
            </Show>
            {label}
        </button>
    }
}
