//! "Listen": speak the transcript or its summary with a voice of this server (espeak-ng) or of
//! ElevenLabs (its voices listed with the workspace's key), stored as a recording of its own.

use leptos::prelude::*;

use crate::recordings::{
    api::{ListVoices, SpeakRecording},
    speech::{local_voices, Voice},
};
use crate::ui::forms::{action_error, FormAlert, SubmitButton};

#[component]
pub fn SpeakCard(slug: String, id: String, has_summary: bool, elevenlabs: bool) -> impl IntoView {
    let speak = ServerAction::<SpeakRecording>::new();
    let listing = ServerAction::<ListVoices>::new();
    let engine = RwSignal::new("local".to_owned());
    let voice = RwSignal::new(local_voices()[0].id.clone());
    let voices = Signal::derive(move || -> Vec<Voice> {
        if engine.get() == "local" {
            local_voices()
        } else {
            listing.value().get().and_then(Result::ok).unwrap_or_default()
        }
    });
    // The first voice of a new list is chosen.
    Effect::new(move |_| {
        let list = voices.get();
        if !list.iter().any(|v| v.id == voice.get_untracked()) {
            if let Some(first) = list.first() {
                voice.set(first.id.clone());
            }
        }
    });
    let voice_name = move || {
        voices
            .get()
            .into_iter()
            .find(|v| v.id == voice.get())
            .map(|v| v.name)
            .unwrap_or_default()
    };
    let list_slug = slug.clone();
    let choose_engine = move |ev: leptos::ev::Event| {
        let chosen = event_target_value(&ev);
        engine.set(chosen.clone());
        // Listed once; asked again after a failure.
        if chosen == "elevenlabs" && !listing.value().get_untracked().is_some_and(|r| r.is_ok()) {
            listing.dispatch(ListVoices {
                workspace: list_slug.clone(),
                engine: chosen,
            });
        }
    };
    #[cfg(feature = "hydrate")]
    {
        let slug = slug.clone();
        Effect::new(move |_| {
            if let Some(Ok(new_id)) = speak.value().get() {
                crate::ui::dom::load(&crate::recordings::recording_path(&slug, &new_id));
            }
        });
    }
    let select =
        "mt-1 rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950";
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="speak" aria-labelledby="speak-heading">
            <h2 id="speak-heading" class="text-lg font-semibold">"Listen"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Have the transcript or its summary read aloud. The audio is kept as a new recording you can play, download and share."
            </p>
            <ActionForm action=speak attr:class="mt-3 flex flex-wrap items-end gap-3">
                <input type="hidden" name="workspace" value=slug.clone() />
                <input type="hidden" name="id" value=id.clone() />
                <div>
                    <label for="speak-what" class="block text-sm font-medium">"Read"</label>
                    <select id="speak-what" name="what" class=select>
                        {has_summary.then(|| view! { <option value="summary">"The summary"</option> })}
                        <option value="transcript">"The transcript"</option>
                    </select>
                </div>
                <div>
                    <label for="speak-engine" class="block text-sm font-medium">"Voices from"</label>
                    <select id="speak-engine" name="engine" class=select on:change=choose_engine>
                        <option value="local">"This server (espeak-ng)"</option>
                        {elevenlabs.then(|| view! { <option value="elevenlabs">"ElevenLabs"</option> })}
                    </select>
                </div>
                <div>
                    <label for="speak-voice" class="block text-sm font-medium">"Voice"</label>
                    <select id="speak-voice" name="voice" class=select
                        prop:value=move || voice.get() on:change=move |ev| voice.set(event_target_value(&ev))>
                        {move || voices.get().into_iter().map(|v| {
                            let selected = v.id == voice.get_untracked();
                            view! { <option value=v.id.clone() selected=selected>{v.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <input type="hidden" name="voice_name" prop:value=voice_name />
                <SubmitButton label="Read it aloud" pending=speak.pending() />
            </ActionForm>
            <Show when=move || listing.pending().get()>
                <p class="mt-2 text-sm text-slate-500 dark:text-slate-400" role="status">"Loading ElevenLabs' voices…"</p>
            </Show>
            <div class="mt-3 space-y-2">
                <FormAlert error=action_error(listing) />
                <FormAlert error=action_error(speak) />
            </div>
        </section>
    }
}
