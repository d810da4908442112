//! Charts for review results, as self-contained SVG: area score bars, the serverless-against-
//! containers cost curve, pattern diagrams (boxes and arrows) and the roadmap timeline.
//!
//! Pure string building: no IO, no fonts, images or links, so the same code renders on the server
//! and in the browser. Every chart is one `<svg>` element with a 720-unit-wide `viewBox` and
//! `width="100%"`, so its 12–14 unit text reads at 12–14 px when shown about 720 px wide. All text
//! taken from data is XML-escaped. The ids behind `aria-labelledby` (and the arrowhead marker) are
//! derived from a hash of the chart's content, so several charts can share one page.
//!
//! Where things are, under `charts/`: `svg.rs` holds the shared helpers (palette, escaping, text,
//! number formats, text measuring, ids); `scores.rs` the score bars; `cost.rs` the cost chart;
//! `diagram.rs` the pattern diagrams, drawn there and laid out in `diagram/layout.rs`; `roadmap.rs`
//! the roadmap timeline. Tests sit
//! next to what they test, with shared test support in `testing.rs`.

mod cost;
mod diagram;
mod roadmap;
mod scores;
mod svg;
#[cfg(test)]
mod testing;

pub use cost::cost_chart;
pub use diagram::pattern_diagram;
pub use roadmap::roadmap_timeline;
pub use scores::score_bars;
