//! Data rows of the mapping: messaging and its failure paths, queues and streams, state
//! machines, data stores and backups, entry points and schedules.

use serde_json::json;

use super::{Builder, Picks};
use crate::inventory::{Inventory, Loc, SourceKind, same_scope};

/// Logical ids of the queues some redrive policy sends to (the dead-letter queues).
pub(crate) fn dlq_ids(inv: &Inventory) -> Vec<(String, String)> {
    inv.queues
        .iter()
        .filter_map(|q| q.redrive.as_ref())
        .filter(|r| !r.value.is_empty())
        .map(|r| (r.at.file.clone(), r.value.clone()))
        .chain(
            inv.failure_targets
                .iter()
                .map(|t| (t.at.file.clone(), t.value.clone())),
        )
        .collect()
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
        .filter(|q| {
            !dlqs
                .iter()
                .any(|(f, id)| same_scope(f, &q.at.file) && id == &q.at.resource)
        })
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
    if let Some(a) = inv.alarms.iter().find(|a| {
        a.watches.iter().any(|w| {
            dlqs.iter()
                .any(|(f, id)| same_scope(f, &a.at.file) && id == w)
        })
    }) {
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

pub(super) fn stores(inv: &Inventory, b: &mut Builder) {
    let mut picks = Picks::default();
    if let Some(t) = inv.tables.first() {
        picks.add(
            "dynamodb",
            &t.at,
            format!("{} is a DynamoDB table.", t.at.resource),
        );
    }
    if let Some(r) = inv.relational.first() {
        picks.add(
            "relational",
            r,
            format!("{} is a relational database.", r.resource),
        );
    }
    if let Some(s) = inv.buckets.first() {
        picks.add("s3", &s.at, format!("{} is an S3 bucket.", s.at.resource));
    }
    if let Some(c) = inv.caches.first() {
        picks.add("cache", c, format!("{} is a cache.", c.resource));
    }
    picks.answer(b, "data_store");
    // dynamodb_capacity_mode: tables agree.
    let modes: Vec<(&str, &crate::inventory::Table)> = inv
        .tables
        .iter()
        .map(|t| {
            let billing = t
                .billing
                .as_ref()
                .map_or("PROVISIONED", |b| b.value.as_str());
            let mode = match (billing, t.autoscaling) {
                ("PAY_PER_REQUEST", _) => "on_demand",
                (_, true) => "provisioned_autoscaling",
                _ => "provisioned_fixed",
            };
            (mode, t)
        })
        .collect();
    if let Some((first, _)) = modes.first() {
        if modes.iter().all(|(m, _)| m == first) {
            let cites = modes
                .iter()
                .map(|(m, t)| {
                    // A default is written nowhere: cite the table itself.
                    let at = t
                        .billing
                        .as_ref()
                        .filter(|b| b.at.line > 0)
                        .map_or(&t.at, |b| &b.at);
                    (
                        at,
                        format!("Table {} is {}.", t.at.resource, m.replace('_', " ")),
                    )
                })
                .collect();
            b.answer("dynamodb_capacity_mode", json!(first), cites);
        } else {
            b.open(
                "dynamodb_capacity_mode",
                &modes[0].1.at,
                "The tables use different capacity modes.".to_owned(),
            );
        }
    }
    // db_connections.
    if let Some(p) = inv.rds_proxies.first() {
        b.answer(
            "db_connections",
            json!("rds_proxy"),
            vec![(
                p,
                "Functions reach the database through RDS Proxy.".to_owned(),
            )],
        );
    } else if let Some(d) = inv.data_api.first() {
        b.answer(
            "db_connections",
            json!("data_api"),
            vec![(d, "The cluster has the Data API on.".to_owned())],
        );
    } else if let Some(d) = inv.dsql.first() {
        b.answer(
            "db_connections",
            json!("dsql"),
            vec![(d, "The database is Aurora DSQL.".to_owned())],
        );
    }
    // backups.
    let mut picks = Picks::default();
    if let Some(p) = inv.tables.iter().find_map(|t| t.pitr.as_ref()) {
        picks.add(
            "pitr",
            p,
            format!("Table {} has point-in-time recovery.", p.resource),
        );
    }
    if let Some(v) = inv.buckets.iter().find_map(|t| t.versioning.as_ref()) {
        picks.add(
            "versioning",
            v,
            format!("Bucket {} keeps object versions.", v.resource),
        );
    }
    picks.answer(b, "backups");
    // workflow_type and workflow_waits.
    let kinds: Vec<_> = inv
        .state_machines
        .iter()
        .filter_map(|m| m.kind.as_ref())
        .collect();
    if let Some(k) = kinds.first()
        && kinds.iter().all(|x| x.value == k.value)
        && matches!(k.value.as_str(), "STANDARD" | "EXPRESS")
    {
        let v = k.value.to_ascii_lowercase();
        let cites = kinds
            .iter()
            .map(|x| {
                (
                    &x.at,
                    format!("State machine {} is {}.", x.at.resource, x.value),
                )
            })
            .collect();
        b.answer("workflow_type", json!(v), cites);
    }
    let mut waits = Picks::default();
    for m in &inv.state_machines {
        if m.task_token {
            waits.add("external_callback", &m.at, format!("State machine {} waits for a task token (a person or another system: not readable which).", m.at.resource));
        }
        if m.wait_state {
            waits.add(
                "timer",
                &m.at,
                format!("State machine {} has a Wait state.", m.at.resource),
            );
        }
    }
    waits.answer(b, "workflow_waits");
}

pub(super) fn entry_points(inv: &Inventory, b: &mut Builder) {
    let mut picks = Picks::default();
    for a in &inv.apis {
        let pick = match a.kind {
            crate::inventory::ApiKind::Rest => "rest_api",
            crate::inventory::ApiKind::Http => "http_api",
            crate::inventory::ApiKind::WebSocket => "websocket",
        };
        picks.add(
            pick,
            &a.at,
            format!("{} is an API ({}).", a.at.resource, pick.replace('_', " ")),
        );
    }
    for s in &inv.sources {
        if s.source.as_deref() == Some("EventInvokeConfig") {
            continue;
        }
        let pick = match s.kind {
            SourceKind::S3 => "s3_events",
            SourceKind::Sqs => "queue",
            SourceKind::Kinesis | SourceKind::DynamoDb => "stream",
            SourceKind::Schedule => "schedule",
            SourceKind::EventRule => "event_bus",
            SourceKind::RestApi => "rest_api",
            SourceKind::HttpApi => "http_api",
            SourceKind::WebSocket => "websocket",
            SourceKind::Sns => continue,
        };
        picks.add(
            pick,
            &s.at,
            format!(
                "{} starts work ({}).",
                s.at.resource,
                pick.replace('_', " ")
            ),
        );
    }
    picks.answer(b, "entry_point");
    // schedule_interval_min: rate() expressions, the smallest.
    let rates: Vec<(f64, &Loc)> = inv
        .sources
        .iter()
        .filter_map(|s| Some((rate_minutes(s.schedule.as_deref()?)?, &s.at)))
        .collect();
    if let Some((m, at)) = rates.iter().min_by(|a, b| a.0.total_cmp(&b.0)) {
        b.answer(
            "schedule_interval_min",
            json!(m),
            vec![(*at, format!("{} runs every {m} minutes.", at.resource))],
        );
    }
}

/// Minutes between runs of `rate(N unit)`; `None` for cron or anything else.
pub fn rate_minutes(expr: &str) -> Option<f64> {
    let inner = expr.trim().strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.trim().split_once(' ')?;
    let n: f64 = n.parse().ok()?;
    let per = match unit.trim() {
        "minute" | "minutes" => 1.0,
        "hour" | "hours" => 60.0,
        "day" | "days" => 1440.0,
        _ => return None,
    };
    Some(n * per)
}
