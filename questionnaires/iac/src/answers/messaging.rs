//! Messaging rows of the mapping: which services, batches, Kinesis shards and consumers,
//! replay, ordering and queue types, visibility against the consumer's timeout, failure paths
//! and downstream protection.

use serde_json::json;

use super::{Builder, Picks};
use crate::inventory::{Inventory, Loc, SourceKind, same_scope};

/// The dead-letter queues: those some redrive policy or failure destination sends to, by
/// logical id (each with the files that name it), so asking about one queue costs one lookup,
/// not a scan of every redrive in the inventory.
pub(crate) struct Dlqs(std::collections::HashMap<String, Vec<String>>);

impl Dlqs {
    /// Whether `id`, declared in `file`, is a dead-letter queue.
    pub(crate) fn contains(&self, file: &str, id: &str) -> bool {
        self.0
            .get(id)
            .is_some_and(|files| files.iter().any(|f| same_scope(f, file)))
    }
}

/// The dead-letter queues of an inventory.
pub(crate) fn dlq_ids(inv: &Inventory) -> Dlqs {
    let mut map: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    let targets = inv
        .queues
        .iter()
        .filter_map(|q| q.redrive.as_ref())
        .filter(|r| !r.value.is_empty())
        .chain(inv.failure_targets.iter());
    for t in targets {
        map.entry(t.value.clone())
            .or_default()
            .push(t.at.file.clone());
    }
    Dlqs(map)
}

/// The function a source feeds, by id in the source's file.
pub(crate) fn function_of<'i>(
    inv: &'i Inventory,
    s: &crate::inventory::EventSource,
) -> Option<&'i crate::inventory::Function> {
    let id = s.function.as_ref()?;
    inv.functions
        .iter()
        .find(|f| &f.at.resource == id && same_scope(&f.at.file, &s.at.file))
}

pub(super) fn messaging(inv: &Inventory, b: &mut Builder) {
    // messaging: those present.
    let mut picks = Picks::default();
    if let Some(q) = inv.queues.first() {
        picks.add("sqs", &q.at, format!("{} is an SQS queue.", q.at.resource));
    }
    // A topic only alarms notify is operations, not the workload's messaging.
    let workload_topic = inv.topics.iter().find(|t| {
        !inv.alarm_topics
            .iter()
            .any(|a| a.value == t.at.resource && same_scope(&a.at.file, &t.at.file))
    });
    if let Some(t) = workload_topic {
        picks.add("sns", &t.at, format!("{} is an SNS topic.", t.at.resource));
    }
    let pattern_rule = inv.sources.iter().find(|s| s.kind == SourceKind::EventRule);
    if let Some(l) = inv.buses.first().or(pattern_rule.map(|s| &s.at)) {
        picks.add(
            "eventbridge",
            l,
            format!("{} routes events through EventBridge.", l.resource),
        );
    }
    if let Some(s) = inv.streams.first() {
        picks.add(
            "kinesis",
            &s.at,
            format!("{} is a Kinesis stream.", s.at.resource),
        );
    }
    if let Some(m) = inv.state_machines.first() {
        picks.add(
            "step_functions",
            &m.at,
            format!("{} is a Step Functions state machine.", m.at.resource),
        );
    }
    if picks.is_empty()
        && let Some(f) = inv.functions.first()
    {
        picks.add(
            "none",
            &f.at,
            "No queue, topic, bus, stream or state machine is declared.".to_owned(),
        );
    }
    picks.answer(b, "messaging");
    // batch_size: all agree, else the largest (the documented default when unset).
    let batched: Vec<(f64, Loc)> = inv
        .sources
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                SourceKind::Sqs | SourceKind::Kinesis | SourceKind::DynamoDb
            )
        })
        .map(|s| match &s.batch_size {
            Some(f) => (f.value, f.at.clone()),
            None => (
                if s.kind == SourceKind::Sqs {
                    10.0
                } else {
                    100.0
                },
                Loc {
                    line: 0,
                    ..s.at.clone()
                },
            ),
        })
        .collect();
    if let Some(max) = batched.iter().map(|(v, _)| *v).reduce(f64::max) {
        let cites = batched
            .iter()
            .map(|(v, at)| {
                (
                    at,
                    if at.line == 0 {
                        format!("{} sets no BatchSize: the default is {v}.", at.resource)
                    } else {
                        format!("{} reads batches of {v}.", at.resource)
                    },
                )
            })
            .collect();
        b.answer("batch_size", json!(max), cites);
    }
    // kinesis_shards.
    if !inv.streams.is_empty() {
        if let Some(s) = inv.streams.iter().find(|s| s.on_demand) {
            b.open(
                "kinesis_shards",
                &s.at,
                format!(
                    "{} is on demand: its shard count changes with load.",
                    s.at.resource
                ),
            );
        } else {
            let shards: Vec<_> = inv
                .streams
                .iter()
                .filter_map(|s| s.shards.as_ref())
                .collect();
            if shards.len() == inv.streams.len() {
                let sum: f64 = shards.iter().map(|s| s.value).sum();
                let cites = shards
                    .iter()
                    .map(|s| (&s.at, format!("{} has {} shards.", s.at.resource, s.value)))
                    .collect();
                b.answer("kinesis_shards", json!(sum), cites);
            }
        }
    }
    // kinesis_consumer_mode.
    let kinesis: Vec<_> = inv
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Kinesis)
        .collect();
    if let Some(c) = inv
        .stream_consumers
        .first()
        .or(kinesis.iter().find(|s| s.consumer).map(|s| &s.at))
    {
        b.answer(
            "kinesis_consumer_mode",
            json!("enhanced_fan_out"),
            vec![(c, "Reads through an enhanced fan-out consumer.".to_owned())],
        );
    } else if let Some(s) = kinesis.first() {
        b.answer(
            "kinesis_consumer_mode",
            json!("shared"),
            vec![(
                &s.at,
                "The mapping reads the stream itself, sharing its throughput.".to_owned(),
            )],
        );
    }
    // event_replay / replay_window_days.
    if let Some(a) = inv.archives.iter().find(|a| a.retention_days.is_none()) {
        b.answer(
            "event_replay",
            json!("full_history"),
            vec![(
                &a.at,
                format!("Archive {} keeps events indefinitely.", a.at.resource),
            )],
        );
    } else {
        let mut windows: Vec<(f64, &Loc, String)> = inv
            .archives
            .iter()
            .filter_map(|a| {
                a.retention_days.map(|d| {
                    (
                        d,
                        &a.at,
                        format!("Archive {} keeps events {d} days.", a.at.resource),
                    )
                })
            })
            .collect();
        windows.extend(inv.streams.iter().filter_map(|s| {
            let h = s.retention_hours.as_ref()?;
            (h.value > 24.0).then(|| {
                (
                    h.value / 24.0,
                    &h.at,
                    format!("Stream {} keeps records {} hours.", s.at.resource, h.value),
                )
            })
        }));
        if let Some((days, at, why)) = windows.iter().max_by(|a, b| a.0.total_cmp(&b.0)) {
            b.answer(
                "event_replay",
                json!("replay_window"),
                vec![(*at, why.clone())],
            );
            b.answer(
                "replay_window_days",
                json!(days.round().max(1.0)),
                vec![(*at, why.clone())],
            );
        }
    }
    // ordering and sqs_queue_type.
    let fifo = inv.queues.iter().find(|q| q.fifo).map(|q| &q.at).or(inv
        .topics
        .iter()
        .find(|t| t.fifo)
        .map(|t| &t.at));
    if let Some(f) = fifo {
        b.answer(
            "ordering",
            json!("per_key"),
            vec![(
                f,
                format!("{} is FIFO: ordered per message group.", f.resource),
            )],
        );
    }
    if !inv.queues.is_empty() {
        let (value, q) = if let Some(q) = inv.queues.iter().find(|q| q.high_throughput) {
            ("fifo_high_throughput", q)
        } else if let Some(q) = inv.queues.iter().find(|q| q.fifo) {
            ("fifo", q)
        } else {
            ("standard", &inv.queues[0])
        };
        b.answer(
            "sqs_queue_type",
            json!(value),
            vec![(
                &q.at,
                format!("{} is a {} queue.", q.at.resource, value.replace('_', " ")),
            )],
        );
    }
    // sqs_visibility_timeout_s (smallest of the feeding queues) and queue_consumer_timeout_s.
    let sqs: Vec<_> = inv
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Sqs)
        .collect();
    let feeding: Vec<_> = sqs
        .iter()
        .filter_map(|s| {
            inv.queues.iter().find(|q| {
                Some(&q.at.resource) == s.source.as_ref() && same_scope(&q.at.file, &s.at.file)
            })
        })
        .filter_map(|q| q.visibility_s.as_ref())
        .collect();
    if let Some(v) = feeding.iter().min_by(|a, b| a.value.total_cmp(&b.value)) {
        let why = if v.at.line == 0 {
            format!(
                "{} sets no VisibilityTimeout: SQS's default is 30 s.",
                v.at.resource
            )
        } else {
            format!("{} hides a received message {} s.", v.at.resource, v.value)
        };
        b.answer(
            "sqs_visibility_timeout_s",
            json!(v.value),
            vec![(&v.at, why)],
        );
    }
    let consumers: Vec<_> = sqs
        .iter()
        .filter_map(|s| function_of(inv, s))
        .filter_map(|f| f.timeout_s.as_ref())
        .collect();
    if let Some(t) = consumers.iter().max_by(|a, b| a.value.total_cmp(&b.value)) {
        let why = if t.at.line == 0 {
            format!(
                "Function {} sets no Timeout: Lambda's default is 3 s.",
                t.at.resource
            )
        } else {
            format!(
                "Function {} consumes the queue with a {} s timeout.",
                t.at.resource, t.value
            )
        };
        b.answer(
            "queue_consumer_timeout_s",
            json!(t.value),
            vec![(&t.at, why)],
        );
    }
    failure_paths(inv, b);
    downstream(inv, b);
}

fn failure_paths(inv: &Inventory, b: &mut Builder) {
    let dlqs = dlq_ids(inv);
    let mut picks = Picks::default();
    let work: Vec<_> = inv
        .queues
        .iter()
        .filter(|q| !dlqs.contains(&q.at.file, &q.at.resource))
        .collect();
    if !work.is_empty() && work.iter().all(|q| q.redrive.is_some()) {
        for r in work.iter().filter_map(|q| q.redrive.as_ref()) {
            picks.add(
                "dlq_everywhere",
                &r.at,
                format!("{} redrives to a dead-letter queue.", r.at.resource),
            );
        }
    }
    let on_failure = inv
        .functions
        .iter()
        .filter_map(|f| f.async_failure.as_ref())
        .find(|l| l.path.contains("OnFailure") || l.path.contains("on_failure") || l.path == "Type")
        .cloned()
        .or_else(|| {
            inv.sources
                .iter()
                .find(|s| s.on_failure)
                .map(|s| s.at.clone())
        });
    if let Some(l) = on_failure {
        picks.add(
            "on_failure_destinations",
            &l,
            format!(
                "{} sends failed events to an on-failure destination.",
                l.resource
            ),
        );
    }
    if let Some(s) = inv.sources.iter().find(|s| s.partial_batch) {
        picks.add(
            "partial_batch",
            &s.at,
            format!("{} reports partial batch failures.", s.at.resource),
        );
    }
    if let Some(a) = inv
        .alarms
        .iter()
        .find(|a| a.watches.iter().any(|w| dlqs.contains(&a.at.file, w)))
    {
        picks.add(
            "alarms_on_dlq",
            &a.at,
            format!("Alarm {} watches a dead-letter queue.", a.at.resource),
        );
    }
    picks.answer(b, "failure_paths");
}

fn downstream(inv: &Inventory, b: &mut Builder) {
    let mut picks = Picks::default();
    if let Some(r) = inv.functions.iter().find_map(|f| f.reserved.as_ref()) {
        picks.add(
            "reserved_concurrency",
            &r.at,
            format!("Function {} reserves concurrency.", r.at.resource),
        );
    }
    if let Some(s) = inv.sources.iter().find(|s| s.max_concurrency) {
        picks.add(
            "esm_max_concurrency",
            &s.at,
            format!("{} caps the mapping's concurrency.", s.at.resource),
        );
    }
    if let Some(t) = inv.apis.iter().find_map(|a| a.throttling.as_ref()) {
        picks.add(
            "api_throttling",
            t,
            format!("{} throttles its stage or routes.", t.resource),
        );
    }
    picks.answer(b, "downstream_protection");
}
