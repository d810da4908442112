//! What `template.yaml` needs to render the event sourcing starter
//! (`patterns/event_sourcing.yaml` and `patterns/event_sourcing.function.yaml`): which functions
//! are projections, the event store's read capacity when it is provisioned, the projections'
//! iterator-age threshold, and `scripts/replay.sh`.

use questionnaires::scaffold::Handler;

use super::SamTemplate;

impl SamTemplate<'_> {
    /// The projection functions: every function but the append function.
    pub(super) fn es_projections(&self) -> Vec<&Handler> {
        self.plan
            .handlers
            .iter()
            .filter(|h| h.name != "append")
            .collect()
    }

    /// Read capacity of a provisioned event store: replays and the append function's reads
    /// after a conflict; half the write capacity, at least 5.
    pub(super) fn es_read_capacity(&self) -> u32 {
        self.plan
            .event_sourcing
            .as_ref()
            .and_then(|es| es.write_capacity)
            .map_or(5, |w| (w / 2).max(5))
    }

    /// Seconds of iterator age after which a projection is behind: a minute, the threshold of
    /// the minimum alarm set for stream consumers (a replay rewound on the stream also trips it).
    pub(super) fn es_iterator_alarm_s(&self) -> u32 {
        60
    }
}

/// `scripts/replay.sh`: rebuilds a projection's state of some aggregates from the store.
#[derive(askama::Template)]
#[template(
    path = "scaffold/sam/patterns/event_sourcing_replay.sh",
    escape = "none"
)]
struct ReplayScript<'a> {
    plan: &'a questionnaires::scaffold::Plan,
}

/// Adds the event sourcing starter's own files.
pub(super) fn files(
    plan: &questionnaires::scaffold::Plan,
    out: &mut super::Files,
) -> Result<(), String> {
    out.script("scripts/replay.sh", &ReplayScript { plan })
}
