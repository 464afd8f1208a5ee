//! Small browser-side helpers: the page's player, and event listeners that end with the
//! component that added them.

use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast};

/// The page's audio player (a recording page and a public link page each have one).
pub fn player() -> Option<web_sys::HtmlMediaElement> {
    document()
        .query_selector("audio")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlMediaElement>().ok())
}

/// A whole page load of `path` (a new recording's page follows its own recording live from the
/// start).
pub fn load(path: &str) {
    let _ = window().location().set_href(path);
}

/// Moves the page's player to `ms` and plays.
pub fn play_from(ms: i64) {
    if let Some(audio) = player() {
        audio.set_current_time(ms as f64 / 1000.0);
        play(&audio);
    }
}

thread_local! {
    static IGNORE: Closure<dyn FnMut(wasm_bindgen::JsValue)> = Closure::new(|_| {});
}

/// Plays `audio`. A play the listener interrupts (pausing, seeking again) is not an error.
pub fn play(audio: &web_sys::HtmlMediaElement) {
    if let Ok(started) = audio.play() {
        IGNORE.with(|ignore| {
            let _ = started.catch(ignore);
        });
    }
}

/// Listens for `event` on `target` until the calling component is cleaned up.
pub fn listen<E: wasm_bindgen::convert::FromWasmAbi + 'static>(
    target: &web_sys::EventTarget,
    event: &'static str,
    handler: impl Fn(E) + 'static,
) {
    let closure = Closure::<dyn Fn(E)>::new(handler);
    if target
        .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
        .is_err()
    {
        return;
    }
    let kept = send_wrapper::SendWrapper::new((target.clone(), closure));
    on_cleanup(move || {
        let (target, closure) = kept.take();
        let _ = target.remove_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    });
}
