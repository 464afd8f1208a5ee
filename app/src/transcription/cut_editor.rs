//! The word-level audio editor on a recording's page: choose passages to cut by selecting words
//! in the transcript (or typing a time range), hear the result in the page's player with the
//! passages skipped, then have the edited version made (see `recordings::edits`). Chosen words
//! are struck through in the transcript.

use leptos::prelude::*;

use super::clock_ms;
use crate::recordings::{
    api::CutRecording,
    cuts::{self, Cut},
};
use crate::ui::forms::{action_error, FormAlert, SubmitButton};

/// "1:02.5"
fn clock_tenths(ms: i64) -> String {
    let ms = ms.max(0);
    format!("{}:{:02}.{}", ms / 60_000, ms / 1000 % 60, ms % 1000 / 100)
}

/// Each word on the page: its element, start and end (ms). Read from the page, so edits made
/// since it loaded count, and only the chunks shown (see `chunks`).
#[cfg(feature = "hydrate")]
fn page_words() -> Vec<(web_sys::Element, i64, i64)> {
    let Ok(spans) = document().query_selector_all("[data-testid=transcript-segments] .word") else {
        return Vec::new();
    };
    (0..spans.length())
        .filter_map(|i| spans.item(i))
        .filter_map(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok())
        .filter_map(|e| {
            let at = |name: &str| e.get_attribute(name).and_then(|v| v.parse::<i64>().ok());
            let (start, end) = (at("data-ms")?, at("data-end")?);
            Some((e, start, end))
        })
        .collect()
}

/// Whether a word (by its middle) falls inside a cut.
fn inside(cut: Cut, start: i64, end: i64) -> bool {
    let middle = (start + end) / 2;
    middle >= cut.start_ms && middle < cut.end_ms
}

/// The words inside `cut`, as the page shows them.
fn words_in(cut: Cut) -> String {
    #[cfg(feature = "hydrate")]
    {
        page_words()
            .into_iter()
            .filter(|(_, start, end)| inside(cut, *start, *end))
            .filter_map(|(e, _, _)| e.text_content())
            .map(|t| t.trim().to_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (cut, inside);
        String::new()
    }
}

/// The passage spanned by the words selected in the transcript, if any.
#[cfg(feature = "hydrate")]
fn selected_passage() -> Option<Cut> {
    let selection = window().get_selection().ok()??;
    if selection.is_collapsed() {
        return None;
    }
    let passage = page_words()
        .into_iter()
        .filter(|(e, _, _)| {
            selection
                .contains_node_with_allow_partial_containment(e, true)
                .unwrap_or(false)
        })
        .fold(None::<Cut>, |passage, (_, start, end)| {
            Some(match passage {
                None => Cut {
                    start_ms: start,
                    end_ms: end,
                },
                Some(p) => Cut {
                    start_ms: p.start_ms.min(start),
                    end_ms: p.end_ms.max(end),
                },
            })
        });
    let _ = selection.remove_all_ranges();
    passage
}

/// Strikes through the words inside the chosen cuts.
#[cfg(feature = "hydrate")]
fn mark_cut(chosen: &[Cut]) {
    for (e, start, end) in page_words() {
        let cut = chosen.iter().any(|c| inside(*c, start, end));
        let _ = e.class_list().toggle_with_force("is-cut", cut);
    }
}

/// Plays the page's player from just before the first cut, jumping over every cut, until
/// `previewing` goes false or the audio ends.
#[cfg(feature = "hydrate")]
fn preview(chosen: Vec<Cut>, previewing: RwSignal<bool>) {
    let Some(audio) = crate::ui::dom::player() else {
        let _ = previewing.try_set(false);
        return;
    };
    let from = chosen.first().map_or(0, |c| (c.start_ms - 2_000).max(0));
    audio.set_current_time(from as f64 / 1000.0);
    crate::ui::dom::play(&audio);
    fn tick(audio: web_sys::HtmlMediaElement, chosen: Vec<Cut>, previewing: RwSignal<bool>) {
        // Stopped, or the editor is gone (its page left): the preview ends with it.
        if previewing.try_get_untracked() != Some(true) {
            audio.pause().ok();
            return;
        }
        if audio.ended() {
            let _ = previewing.try_set(false);
            return;
        }
        let now = (audio.current_time() * 1000.0) as i64;
        if let Some(cut) = chosen.iter().find(|c| now >= c.start_ms && now < c.end_ms) {
            audio.set_current_time(cut.end_ms as f64 / 1000.0);
        }
        request_animation_frame(move || tick(audio, chosen, previewing));
    }
    tick(audio, chosen, previewing);
}

#[component]
pub fn CutEditor(slug: String, id: String, duration_ms: i64) -> impl IntoView {
    let chosen = RwSignal::new(Vec::<Cut>::new());
    let problem = RwSignal::new(None::<String>);
    let previewing = RwSignal::new(false);
    let (from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let render = ServerAction::<CutRecording>::new();
    let plan = Memo::new(move |_| {
        let wanted = chosen.get();
        (!wanted.is_empty()).then(|| cuts::plan(&wanted, duration_ms))
    });
    let add = move |cut: Cut| {
        problem.set(None);
        let mut wanted = chosen.get_untracked();
        wanted.push(cut);
        match cuts::plan(&wanted, duration_ms) {
            Ok(p) => chosen.set(p.cuts),
            Err(why) => problem.set(Some(why)),
        }
    };
    let add_selection = move |_| {
        #[cfg(feature = "hydrate")]
        match selected_passage() {
            Some(cut) => add(cut),
            None => problem.set(Some(
                "Select some words in the transcript first: drag across them, then choose Cut selected words.".into(),
            )),
        }
    };
    let add_range = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match (clock_ms(&from.get_untracked()), clock_ms(&to.get_untracked())) {
            (Some(start_ms), Some(end_ms)) if end_ms > start_ms => {
                add(Cut { start_ms, end_ms });
                from.set(String::new());
                to.set(String::new());
            }
            (Some(_), Some(_)) => problem.set(Some("The passage has to end after it starts.".into())),
            _ => problem.set(Some("Give both times as minutes:seconds, like 1:05 or 1:05.5.".into())),
        }
    };
    // Chosen words are struck through in the transcript, on chunks shown later too.
    #[cfg(feature = "hydrate")]
    {
        Effect::new(move |_| mark_cut(&chosen.get()));
        crate::ui::dom::listen(&window(), super::chunks::SHOWN_EVENT, move |_: web_sys::Event| {
            request_animation_frame(move || {
                if let Some(wanted) = chosen.try_get_untracked() {
                    mark_cut(&wanted);
                }
            });
        });
    }
    let toggle_preview = move |_| {
        if previewing.get_untracked() {
            previewing.set(false);
            return;
        }
        previewing.set(true);
        #[cfg(feature = "hydrate")]
        preview(chosen.get_untracked(), previewing);
    };
    // A whole page load: the new version's page follows its own recording live from the start.
    #[cfg(feature = "hydrate")]
    {
        let slug = slug.clone();
        Effect::new(move |_| {
            if let Some(Ok(new_id)) = render.value().get() {
                crate::ui::dom::load(&crate::recordings::recording_path(&slug, &new_id));
            }
        });
    }
    let field =
        "w-28 rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
    let button = "rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-semibold hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800";
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="cut-editor" aria-labelledby="cut-heading">
            <h2 id="cut-heading" class="text-lg font-semibold">"Cut audio"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Select words in the transcript and choose Cut selected words, or give a time range. Preview the result, then make it: the edit becomes a new version of this recording, with the transcript moved to match. This recording stays as it is."
            </p>
            <div class="mt-3 flex flex-wrap items-end gap-3">
                <button type="button" class=button on:click=add_selection data-testid="cut-selection">"Cut selected words"</button>
                <form class="flex flex-wrap items-end gap-2" on:submit=add_range>
                    <div>
                        <label for="cut-from" class="block text-sm font-medium">"From"</label>
                        <input id="cut-from" class=field placeholder="0:12.5" inputmode="decimal" maxlength="12"
                            prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev)) />
                    </div>
                    <div>
                        <label for="cut-to" class="block text-sm font-medium">"To"</label>
                        <input id="cut-to" class=field placeholder="0:14" inputmode="decimal" maxlength="12"
                            prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev)) />
                    </div>
                    <button type="submit" class=button>"Add range"</button>
                </form>
            </div>
            {move || problem.get().map(|why| view! {
                <p role="alert" data-testid="cut-problem" class="mt-3 rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm dark:border-amber-800 dark:bg-amber-950">{why}</p>
            })}
            {move || {
                let wanted = chosen.get();
                if wanted.is_empty() {
                    return view! { <p class="mt-3 text-sm text-slate-500 dark:text-slate-400" data-testid="cut-empty">"Nothing chosen to cut yet."</p> }.into_any();
                }
                view! {
                    <ol class="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 text-sm dark:divide-slate-800 dark:border-slate-800" data-testid="cut-list">
                        {wanted.into_iter().enumerate().map(|(i, cut)| {
                            let words = words_in(cut);
                            view! {
                                <li class="flex flex-wrap items-center gap-3 px-3 py-2">
                                    <span class="font-mono tabular-nums">{clock_tenths(cut.start_ms)} "–" {clock_tenths(cut.end_ms)}</span>
                                    <span class="min-w-0 flex-1 truncate text-slate-600 line-through dark:text-slate-400">{if words.is_empty() { "(no words)".to_owned() } else { words }}</span>
                                    <button type="button" class="text-xs font-semibold text-rose-700 hover:underline dark:text-rose-300"
                                        aria-label=format!("Keep {}–{}", clock_tenths(cut.start_ms), clock_tenths(cut.end_ms))
                                        on:click=move |_| chosen.update(|c| { c.remove(i); })>"Keep"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {move || plan.get().and_then(Result::ok).map(|p| view! {
                <p class="mt-2 text-sm" data-testid="cut-summary">
                    {format!("Removes {:.1} s; the new version will be {} long.", p.removed_ms() as f64 / 1000.0, clock_tenths(p.edited_ms()))}
                </p>
            })}
            <div class="mt-3 flex flex-wrap items-center gap-3">
                <button type="button" class=button on:click=toggle_preview disabled=move || chosen.get().is_empty() data-testid="cut-preview">
                    {move || if previewing.get() { "Stop preview" } else { "Preview without the cuts" }}
                </button>
                <ActionForm action=render>
                    <input type="hidden" name="workspace" value=slug.clone() />
                    <input type="hidden" name="id" value=id.clone() />
                    <input type="hidden" name="cuts" prop:value=move || cuts::to_text(&chosen.get()) />
                    <SubmitButton label="Make the edited version" pending=render.pending() />
                </ActionForm>
            </div>
            <FormAlert error=action_error(render) />
        </section>
    }
}
