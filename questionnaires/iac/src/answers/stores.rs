//! State rows of the mapping: data stores, capacity, connections and backups, workflows, entry
//! points and schedules.

use serde_json::json;

use super::{Builder, Picks};
use crate::inventory::{Inventory, Loc, SourceKind};

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
        if m.activity {
            waits.add(
                "external_callback",
                &m.at,
                format!(
                    "State machine {} runs an activity: it waits for a worker to poll and reply.",
                    m.at.resource
                ),
            );
        }
        if m.wait_state {
            waits.add(
                "timer",
                &m.at,
                format!("State machine {} has a Wait state.", m.at.resource),
            );
        }
    }
    // Every definition read whole, and none waits: each step starts when the one before ends.
    let read: Vec<_> = inv
        .state_machines
        .iter()
        .filter_map(|m| m.definition.as_ref())
        .collect();
    if waits.is_empty() && !read.is_empty() && read.len() == inv.state_machines.len() {
        for d in read {
            waits.add(
                "nothing",
                d,
                format!(
                    "State machine {}'s definition has no Wait state, task token or activity.",
                    d.resource
                ),
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
