//! The event sourcing starter's plan: an append-only DynamoDB event store (aggregate id +
//! version, conditional appends), projections that build current state from its change feed,
//! snapshots every N events and a replay that rebuilds a projection from the store. [`plan`]
//! decides how the feed reaches the projections (the table's own stream for one or two readers,
//! a Kinesis data stream with enhanced fan-out for more), how long it keeps changes (the replay
//! window), the projections' batching and ordering, the store's capacity from the event rate, and
//! how often a snapshot is written; each is a [`Control`] with the answers it came from.
//!
//! It replaces the generic `idempotency` control: an append carries its command id, and the
//! version-checked put refuses a second write of the same version, so no idempotency table is
//! needed.

use serde::{Deserialize, Serialize};

use super::needs::replay_days;
use super::reader::{Reader, control, quota};
use super::{Control, Handler};

/// Lambda readers a DynamoDB stream shard serves at once (one for global tables).
const TABLE_STREAM_READERS_MAX: u32 = 2;
/// DynamoDB Streams keeps changes for 24 hours, not configurable.
const TABLE_STREAM_RETENTION_H: u32 = 24;
/// Kinesis keeps records at most 8,760 hours (365 days).
const KINESIS_RETENTION_MAX_H: u32 = 8_760;
/// Enhanced fan-out consumers one Kinesis stream may register.
const EFO_CONSUMERS_MAX: u32 = 20;
/// Events between snapshots when nothing in the review sizes it.
const SNAPSHOT_EVERY_DEFAULT: u32 = 100;

/// How the event store's changes reach the projections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feed {
    /// The table's own DynamoDB stream, read directly by each projection (at most two).
    TableStream,
    /// The table streams its changes to a Kinesis data stream; each projection has its own
    /// enhanced fan-out consumer, and the stream keeps changes for the replay window.
    Kinesis,
}

/// The event store and its projections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSourcing {
    /// How the changes reach the projections.
    pub feed: Feed,
    /// Hours the feed keeps changes (24 for a table stream; the replay window on Kinesis).
    pub feed_retention_hours: u32,
    /// Kinesis shards, when the feed is Kinesis (0 otherwise).
    pub shards: u32,
    /// Projections: one function each, each with its own state.
    pub projections: u32,
    /// Records per batch.
    pub batch_size: u32,
    /// Concurrent batches per shard (1–10); events of one aggregate stay in order at any value.
    pub parallelization: u32,
    /// Retries of a failed batch before it goes to the failure destination.
    pub retry_attempts: u32,
    /// The oldest change still worth retrying, in seconds.
    pub max_record_age_s: u32,
    /// A projection writes a snapshot of its state every this many versions of an aggregate.
    pub snapshot_every: u32,
    /// How far back a replay is asked to reach, in days (`Some(0)`: the whole history).
    pub replay_days: Option<u32>,
    /// Provisioned write capacity of the event store; none for on-demand.
    pub write_capacity: Option<u32>,
    /// Write units one event costs (its size in KB, rounded up).
    pub units_per_event: u32,
    /// The most events per second one aggregate can take (a partition's write limit).
    pub aggregate_max_eps: u32,
    /// Whether events carry a schema version the projections check (upcasting old events).
    pub schema_versions: bool,
}

fn ceil_u32(x: f64) -> u32 {
    x.ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// How many projections the answers ask for: one per consumer of each event.
fn projections(r: &Reader) -> u32 {
    r.number("consumers_per_event")
        .map_or(1, |c| ceil_u32(c).clamp(1, EFO_CONSUMERS_MAX))
}

/// The starter's functions: the command that appends, then one projection per consumer.
pub(super) fn handlers(r: &Reader) -> Vec<Handler> {
    let n = projections(r);
    let mut v = vec![Handler {
        name: "append".to_owned(),
        logical_id: "AppendFunction".to_owned(),
        purpose: "Appends an event to an aggregate (POST /aggregates/{id}/events) with a version-checked put: a stale expected version gets 409, a retried command its first answer.".to_owned(),
        idempotent: false,
    }];
    let purpose = "Builds current state from the event store's changes, one aggregate's events in version order, snapshotting every N versions; invoked with {\"replay\": ...} it rebuilds an aggregate from the store.";
    if n == 1 {
        v.push(Handler {
            name: "project".to_owned(),
            logical_id: "ProjectFunction".to_owned(),
            purpose: purpose.to_owned(),
            idempotent: false,
        });
    } else {
        v.extend((1..=n).map(|i| Handler {
            name: format!("project_{i}"),
            logical_id: format!("Project{i}Function"),
            purpose: format!("Projection {i} of {n}. {purpose}"),
            idempotent: false,
        }));
    }
    v
}

/// The event store's plan. `peak_concurrency` comes from the concurrency check. Pushes the
/// pattern's controls and replaces the generic `idempotency` control in `controls`.
pub(super) fn plan(
    r: &Reader,
    peak_concurrency: Option<u32>,
    controls: &mut Vec<Control>,
) -> EventSourcing {
    let q = r.q;
    let n = projections(r);
    let days = replay_days(r);
    let global = r.is("ordering", "global");

    // The store: every event is an item; its size sets the write units.
    let kb = r
        .number("item_size_kb")
        .or_else(|| r.number("async_message_kb"))
        .unwrap_or(1.0)
        .max(0.001);
    let unit_kb = quota(q, "dynamodb_write_unit_kb");
    let units_per_event = ceil_u32(kb / unit_kb).max(1);
    let partition_wcu = quota(q, "dynamodb_partition_writes");
    let aggregate_max_eps = ceil_u32(partition_wcu / f64::from(units_per_event)).max(1);
    let rps = r.number("peak_rps").filter(|p| *p > 0.0);
    let provisioned = r.is("dynamodb_capacity_mode", "provisioned_autoscaling")
        || r.is("dynamodb_capacity_mode", "provisioned_fixed");
    let write_capacity = provisioned.then(|| {
        rps.map_or(100, |p| ceil_u32(p * f64::from(units_per_event) * 1.2))
            .max(5)
    });
    controls.push(control(
        "event_store",
        "Event store",
        format!(
            "EventsTable: aggregateId (partition) + version (sort); {}; PITR on; DeletionProtectionEnabled: true; DeletionPolicy: Retain; every function denied UpdateItem, DeleteItem and BatchWriteItem on it",
            match write_capacity {
                Some(w) => format!("provisioned, WriteCapacityUnits: {w}"),
                None => "on-demand".to_owned(),
            }
        ),
        format!(
            "{} Events are {kb} KB, so each append costs {units_per_event} write unit{}; one aggregate's events share a partition, which takes {partition_wcu} units a second, so one aggregate can take about {aggregate_max_eps} events a second. Nothing may change or remove an event: IAM denies it, and point-in-time recovery and deletion protection guard against the rest.",
            match (write_capacity, rps) {
                (Some(w), Some(p)) => format!("The review provisions capacity: {p} events a second at peak, plus 20 %, is {w} write units."),
                (Some(w), None) => format!("The review provisions capacity but gives no peak: {w} write units; set it from the real peak."),
                (None, Some(p)) => format!("On-demand, as the review chose or by default: {p} events a second at peak need no capacity planning."),
                (None, None) => "On-demand: no peak rate given, and nothing to plan.".to_owned(),
            },
            if units_per_event == 1 { "" } else { "s" },
        ),
        r.origins(&[
            "dynamodb_capacity_mode",
            "peak_rps",
            "item_size_kb",
            "async_message_kb",
            "dynamodb_key_design",
        ]),
    ));

    // The feed: DynamoDB Streams serves two readers a shard and keeps a day.
    let feed = if n > TABLE_STREAM_READERS_MAX {
        Feed::Kinesis
    } else {
        Feed::TableStream
    };
    let feed_retention_hours = match (feed, days) {
        (Feed::TableStream, _) => TABLE_STREAM_RETENTION_H,
        (Feed::Kinesis, Some(0)) => KINESIS_RETENTION_MAX_H,
        (Feed::Kinesis, Some(d)) => d
            .saturating_mul(24)
            .clamp(TABLE_STREAM_RETENTION_H, KINESIS_RETENTION_MAX_H),
        (Feed::Kinesis, None) => TABLE_STREAM_RETENTION_H,
    };
    let shards = match feed {
        Feed::TableStream => 0,
        Feed::Kinesis => {
            let rate = rps.unwrap_or(100.0);
            let write_mb = rate * kb / 1024.0;
            let sized = ceil_u32(
                (rate / quota(q, "kinesis_shard_write"))
                    .max(write_mb / quota(q, "kinesis_shard_write_mb")),
            )
            .max(1);
            sized.max(r.number("kinesis_shards").map_or(0, ceil_u32))
        }
    };
    controls.push(control(
        "projections",
        "Projections and their feed",
        match feed {
            Feed::TableStream => format!(
                "{n} projection function{} on the table's stream (StreamViewType: NEW_IMAGE), each with its own event source mapping and state",
                if n == 1 { "" } else { "s" }
            ),
            Feed::Kinesis => format!(
                "KinesisStreamSpecification → ChangeStream ({shards} shard{}); {n} projection functions, each with its own enhanced fan-out consumer, event source mapping and state",
                if shards == 1 { "" } else { "s" }
            ),
        },
        match feed {
            Feed::TableStream if n == 1 => "One consumer of the events: it reads the table's stream directly, which costs nothing extra.".to_owned(),
            Feed::TableStream => format!("{n} consumers read every event independently, each as its own projection; a table's stream serves up to {TABLE_STREAM_READERS_MAX} readers a shard, so they read it directly."),
            Feed::Kinesis => format!("{n} consumers read every event independently, more than the {TABLE_STREAM_READERS_MAX} readers a table's stream serves per shard: the table copies its changes to a Kinesis stream, where each projection has its own enhanced fan-out consumer ({} MB/s per shard each), so one projection's replay never slows the others.", quota(q, "kinesis_shard_read")),
        },
        r.origins(&["consumers_per_event", "event_distribution", "peak_rps", "kinesis_shards"]),
    ));

    controls.push(control(
        "replay",
        "Replay and retention",
        format!(
            "Events kept for good in EventsTable; {}; the projections' replay command (scripts/replay.sh) rebuilds an aggregate from its latest snapshot and the events after it",
            match feed {
                Feed::TableStream => "the table's stream keeps 24 hours of changes".to_owned(),
                Feed::Kinesis => format!("ChangeStream RetentionPeriodHours: {feed_retention_hours}"),
            }
        ),
        match (days, feed) {
            (None, _) => "The review needs no replay by consumers; the store still keeps every event, so a projection can be rebuilt from it after a fix.".to_owned(),
            (Some(0), _) => "The full history is wanted: the store is the history, kept for good and never changed; a projection rebuilds from it, not from a feed that expires.".to_owned(),
            (Some(d), Feed::TableStream) => format!("Consumers replay {} back; the table's stream keeps only 24 hours, so a replay reads the store itself, which keeps every event, through the replay command.", if r.answered("replay_window_days") { format!("up to {d} days") } else { format!("{d} days (no window given)") }),
            (Some(d), Feed::Kinesis) => format!("Consumers replay {} back: the change stream keeps {feed_retention_hours} hours, so a projection can also be rewound on the stream (move its mapping's position); anything older comes from the store through the replay command.", if r.answered("replay_window_days") { format!("up to {d} days") } else { format!("{d} days (no window given)") }),
        },
        r.origins(&["event_replay", "replay_window_days"]),
    ));

    // Ordering: a shard keeps one aggregate's changes in order at any parallelization.
    let parallelization = if global {
        1
    } else {
        let per_shard = shards.max(1);
        peak_concurrency.map_or(1, |p| p.div_ceil(per_shard).clamp(1, 10))
    };
    let batch_size = r
        .number("batch_size")
        .map_or(100, |b| ceil_u32(b).clamp(1, 1_000));
    let retry_attempts = if r.is("duplicate_sensitivity", "costly") {
        5
    } else {
        3
    };
    let max_record_age_s = match feed {
        Feed::TableStream => 21_600,
        Feed::Kinesis => feed_retention_hours.saturating_mul(3_600).min(604_800),
    };
    controls.push(control(
        "projection_order",
        "Projection batches and order",
        format!(
            "BatchSize: {batch_size}; ParallelizationFactor: {parallelization}; BisectBatchOnFunctionError; MaximumRetryAttempts: {retry_attempts}; MaximumRecordAgeInSeconds: {max_record_age_s}; ReportBatchItemFailures; on-failure SQS destination"
        ),
        format!(
            "{} Each projection applies version n only on top of version n − 1 (a conditional put): a duplicate is skipped and a gap fails the record, which is retried from there, so state is never built out of order. A change that still fails after {retry_attempts} retries goes to the failure queue, which alarms.",
            if global {
                "The review needs one global order: one batch at a time per shard."
            } else if r.is("ordering", "per_key") {
                "Order matters per aggregate, as the review says: changes of one aggregate stay in order at any parallelization, so several batches per shard run at once."
            } else {
                "Changes of one aggregate stay in order at any parallelization."
            }
        ),
        r.origins(&[
            "ordering",
            "batch_size",
            "peak_rps",
            "avg_duration_ms",
            "failure_paths",
            "duplicate_sensitivity",
        ]),
    ));

    let snapshot_every = SNAPSHOT_EVERY_DEFAULT;
    controls.push(control(
        "snapshots",
        "Snapshots",
        format!("SNAPSHOT_EVERY: {snapshot_every} (each projection writes its state at every {snapshot_every}th version of an aggregate to SnapshotsTable)"),
        format!("No answer sizes it, so the starter's default: a rebuild reads one snapshot and at most {} events per aggregate. Lower it when aggregates take many events and rebuilds must be quick.", snapshot_every - 1),
        Vec::new(),
    ));

    let schema_versions = r.is("event_model", "schemas_versioned");
    controls.push(control(
        "event_versions",
        "Event schema versions",
        "Every event carries schemaVersion; a projection upcasts older versions and fails on a version it does not know".to_owned(),
        if schema_versions {
            "As the review versions its events: an old event is read in today's shape, and a new one a projection does not know yet waits in the failure queue instead of corrupting state.".to_owned()
        } else {
            "Events outlive the code that wrote them: each carries its schema version, so a projection can read every event it ever stored.".to_owned()
        },
        r.origins(&["event_model"]),
    ));

    let idempotency = control(
        "idempotency",
        "Idempotency",
        "A command id per append (the Idempotency-Key header, stored on the event); the version-checked put refuses a second write of a version, and a retried command gets its first answer".to_owned(),
        if r.is("duplicate_sensitivity", "costly") {
            "A duplicate costs money or trust: a retried append cannot add a second event, and a redelivered change cannot be applied twice (a projection skips a version it holds), with no idempotency table.".to_owned()
        } else {
            "Every AWS event source can deliver twice: appends and projections are idempotent through the versions themselves, with no idempotency table.".to_owned()
        },
        r.origins(&["duplicate_sensitivity", "idempotency"]),
    );
    for c in controls.iter_mut() {
        if c.id == "idempotency" {
            *c = idempotency.clone();
        }
    }

    EventSourcing {
        feed,
        feed_retention_hours,
        shards,
        projections: n,
        batch_size,
        parallelization,
        retry_attempts,
        max_record_age_s,
        snapshot_every,
        replay_days: days,
        write_capacity,
        units_per_event,
        aggregate_max_eps,
        schema_versions,
    }
}
