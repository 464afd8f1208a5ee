//! A long transcript in chunks of lines: the first comes with the page, each other one (a
//! placeholder of about its height until then) when the reader scrolls near it, or when follow or
//! find needs a line in it. An hour (900 lines) would otherwise hydrate 900 line components
//! before the page answers. A chunk once shown stays.

use leptos::prelude::*;

use super::SegmentView;

const CHUNK_LINES: usize = 40;
/// How near (in pixels, above or below the window) a chunk is shown.
#[cfg(feature = "hydrate")]
const NEAR_PX: f64 = 1500.0;

/// Roughly how tall lines stand (text-sm, leading-7, ~80 characters a row), so a placeholder
/// keeps the page's length.
fn height(lines: &[SegmentView]) -> usize {
    lines
        .iter()
        .map(|l| {
            let chars = l.text.chars().count() + l.speaker.as_ref().map_or(0, |s| s.chars().count() + 2);
            chars.div_ceil(80).max(1) * 28 + 8
        })
        .sum()
}

/// Sent on the window when a chunk comes onto the page, for marks kept outside the reader (the
/// audio editor's struck-through words).
pub const SHOWN_EVENT: &str = "transcript-chunk-shown";

#[cfg(feature = "hydrate")]
fn announce() {
    if let Ok(event) = web_sys::Event::new(SHOWN_EVENT) {
        let _ = window().dispatch_event(&event);
    }
}

#[derive(Clone, Copy)]
pub struct Chunks {
    /// Which chunks are on the page (the first always).
    on_page: StoredValue<Vec<RwSignal<bool>>>,
    /// Bumped each time a chunk comes onto the page, so marks are put on its words too.
    pub shown: RwSignal<usize>,
}

impl Chunks {
    pub fn new(lines: usize) -> Self {
        Self {
            on_page: StoredValue::new(
                (0..lines.div_ceil(CHUNK_LINES))
                    .map(|c| RwSignal::new(c == 0))
                    .collect(),
            ),
            shown: RwSignal::new(1),
        }
    }

    /// Each chunk: its lines (made by `lines(from, to)`) once on the page, a placeholder before.
    pub fn views(
        self,
        segments: &[SegmentView],
        lines: impl Fn(usize, usize) -> AnyView + Copy + Send + Sync + 'static,
    ) -> impl IntoView {
        self.on_page.with_value(|chunks| {
            chunks
                .iter()
                .enumerate()
                .map(|(c, on_page)| {
                    let on_page = *on_page;
                    let from = c * CHUNK_LINES;
                    let to = (from + CHUNK_LINES).min(segments.len());
                    let height = height(&segments[from..to]);
                    move || {
                        if on_page.get() {
                            view! { <ol start=(from + 1).to_string() class="space-y-2 pb-2">{lines(from, to)}</ol> }.into_any()
                        } else {
                            view! { <div id=format!("chunk{c}") aria-hidden="true" style=format!("height: {height}px")></div> }.into_any()
                        }
                    }
                })
                .collect_view()
        })
    }

    /// Puts the chunk holding line `j` on the page (its words exist from the next animation
    /// frame). Does nothing once the reader is gone.
    #[cfg(feature = "hydrate")]
    pub fn reveal(self, j: usize) {
        let Some(chunk) = self
            .on_page
            .try_with_value(|c| c.get(j / CHUNK_LINES).copied())
            .flatten()
        else {
            return;
        };
        if chunk.try_get_untracked() == Some(false) {
            chunk.set(true);
            self.shown.update(|n| *n += 1);
            announce();
        }
    }

    /// Shows the chunks within `NEAR_PX` of the window, and again a frame later (a chunk shown
    /// may bring the next one near). Does nothing once the reader is gone.
    #[cfg(feature = "hydrate")]
    pub fn show_near(self) {
        let window_height = window().inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(800.0);
        let Some(near) = self.on_page.try_with_value(|chunks| {
            chunks
                .iter()
                .enumerate()
                .filter(|(_, on_page)| on_page.try_get_untracked() == Some(false))
                .filter(|(c, _)| {
                    document()
                        .get_element_by_id(&format!("chunk{c}"))
                        .is_some_and(|placeholder| {
                            let rect = placeholder.get_bounding_client_rect();
                            rect.bottom() > -NEAR_PX && rect.top() < window_height + NEAR_PX
                        })
                })
                .map(|(_, on_page)| *on_page)
                .collect::<Vec<_>>()
        }) else {
            return;
        };
        if near.is_empty() {
            return;
        }
        for chunk in near {
            chunk.set(true);
        }
        self.shown.update(|n| *n += 1);
        announce();
        request_animation_frame(move || self.show_near());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placeholder_stands_about_as_tall_as_its_lines() {
        let line = |text: &str| SegmentView {
            start_ms: 0,
            end_ms: 1,
            text: text.into(),
            speaker: None,
            words: Vec::new(),
        };
        assert_eq!(height(&[line("short")]), 36);
        assert_eq!(height(&[line(&"word ".repeat(40))]), 3 * 28 + 8);
        assert_eq!(height(&[line("a"), line("b")]), 72);
    }
}
