//! Operations rows of the mapping: logging, tracing, alarms, retention, dashboards, budgets,
//! deployments and rollback.

use serde_json::json;

use super::{Builder, Picks};
use crate::inventory::{Inventory, LogLevel, same_scope};

/// Layers that carry OpenTelemetry (ADOT, or the OpenTelemetry project's own).
fn is_otel_layer(arn: &str) -> bool {
    let a = arn.to_ascii_lowercase();
    a.contains("aws-otel") || a.contains("opentelemetry") || a.contains("adot")
}

pub(super) fn observability(inv: &Inventory, b: &mut Builder) {
    let fns = &inv.functions;
    // structured_logging: JSON on every function.
    if !fns.is_empty() {
        let json_fns: Vec<_> = fns
            .iter()
            .filter_map(|f| f.log_format.as_ref().filter(|l| l.value == "JSON"))
            .collect();
        if json_fns.len() == fns.len() {
            let cites = json_fns
                .iter()
                .map(|l| {
                    (
                        &l.at,
                        format!("Function {} logs JSON (LogFormat).", l.at.resource),
                    )
                })
                .collect();
            b.answer("structured_logging", json!("json_only"), cites);
        } else if let Some(f) = fns
            .iter()
            .find(|f| f.log_format.as_ref().is_none_or(|l| l.value != "JSON"))
        {
            b.open(
                "structured_logging",
                &f.at,
                format!(
                    "Function {} does not set LogFormat JSON; its handler may still log JSON.",
                    f.at.resource
                ),
            );
        }
    }
    // log_level: all functions agree.
    let levels: Vec<_> = fns.iter().filter_map(|f| f.log_level.as_ref()).collect();
    if !levels.is_empty()
        && levels.len() == fns.len()
        && levels.iter().all(|l| l.value == levels[0].value)
    {
        let (value, what) = match levels[0].value {
            LogLevel::Parameter => ("configurable", "comes from a template parameter"),
            LogLevel::FixedInfo => ("fixed_info", "is fixed at INFO or above"),
            LogLevel::FixedDebug => ("fixed_debug", "is fixed at DEBUG"),
        };
        let cites = levels
            .iter()
            .map(|l| {
                (
                    &l.at,
                    format!("Function {}'s log level {what}.", l.at.resource),
                )
            })
            .collect();
        b.answer("log_level", json!(value), cites);
    }
    // tracing.
    let otel: Vec<_> = fns
        .iter()
        .flat_map(|f| f.layers.iter())
        .filter(|l| is_otel_layer(&l.value))
        .collect();
    let mut traced: Vec<(&crate::inventory::Loc, String)> = fns
        .iter()
        .filter_map(|f| f.tracing.as_ref().filter(|t| t.value))
        .map(|t| {
            (
                &t.at,
                format!("Function {} has active X-Ray tracing.", t.at.resource),
            )
        })
        .collect();
    traced.extend(
        inv.state_machines
            .iter()
            .filter_map(|m| m.tracing.as_ref())
            .map(|l| (l, format!("State machine {} has tracing on.", l.resource))),
    );
    traced.extend(
        inv.apis
            .iter()
            .filter_map(|a| a.tracing.as_ref())
            .map(|l| (l, format!("API {} has stage tracing on.", l.resource))),
    );
    if let Some(l) = otel.first() {
        b.answer(
            "tracing",
            json!("otel"),
            vec![(
                &l.at,
                format!("Function {} has an OpenTelemetry layer.", l.at.resource),
            )],
        );
    } else if !traced.is_empty() {
        b.answer("tracing", json!("xray"), traced);
    } else if let Some(f) = fns.first() {
        b.answer(
            "tracing",
            json!("none"),
            vec![(
                &f.at,
                "No function, state machine or API stage has tracing on.".to_owned(),
            )],
        );
    }
    // alarms.
    if !inv.alarms.is_empty() {
        let dlqs = super::messaging::dlq_ids(inv);
        let mut picks = Picks::default();
        for a in &inv.alarms {
            // Messages arriving in a dead-letter queue: the DLQ-depth alarm in substance.
            let on_dlq = a.watches.iter().any(|w| dlqs.contains(&a.at.file, w));
            for m in &a.metrics {
                let pick = match m.as_str() {
                    "NumberOfMessagesSent" if on_dlq => "backlog",
                    "Errors" => "errors",
                    "Throttles" => "throttles",
                    "Duration" => "duration",
                    "ApproximateAgeOfOldestMessage"
                    | "ApproximateNumberOfMessagesVisible"
                    | "IteratorAge"
                    | "GetRecords.IteratorAgeMilliseconds" => "backlog",
                    "ExecutionsFailed" | "ExecutionsTimedOut" => "workflow_failures",
                    "5XXError" | "5xx" | "5XX" => "api_errors",
                    _ => continue,
                };
                picks.add(pick, &a.at, format!("Alarm {} watches {m}.", a.at.resource));
            }
            if a.routed {
                picks.add(
                    "routed_oncall",
                    &a.at,
                    format!("Alarm {} notifies through AlarmActions.", a.at.resource),
                );
            }
        }
        if !picks.answer(b, "alarms") {
            b.open(
                "alarms",
                &inv.alarms[0].at,
                "The alarms watch no metric the review lists.".to_owned(),
            );
        }
    }
    // log_retention: each function's log group.
    if !fns.is_empty() {
        let mut kept = Vec::new();
        let mut missing = Vec::new();
        for f in fns {
            let group = f.log_group.as_ref().and_then(|g| {
                inv.log_groups
                    .iter()
                    .find(|x| x.at.resource == g.value && same_scope(&x.at.file, &g.at.file))
            });
            match group.and_then(|g| g.retention_days.as_ref()) {
                Some(r) => kept.push((&r.at, format!("Function {}'s log group keeps logs {} days.", f.at.resource, r.value))),
                None => missing.push((
                    group.map_or(&f.at, |g| &g.at),
                    match group {
                        Some(g) => format!("Function {}'s log group {} sets no RetentionInDays.", f.at.resource, g.at.resource),
                        None => format!("Function {} has no log group in the template: Lambda makes one that never expires.", f.at.resource),
                    },
                )),
            }
        }
        let value = match (kept.is_empty(), missing.is_empty()) {
            (false, true) => "set_everywhere",
            (false, false) => "some_groups",
            _ => "never_expire",
        };
        kept.extend(missing);
        b.answer("log_retention", json!(value), kept);
    } else if !inv.log_groups.is_empty() {
        declared_retention(inv, b);
    }
    // dashboards: present, but what they show is not readable.
    if let Some(d) = inv.dashboards.first() {
        b.open(
            "dashboards",
            d,
            "A dashboard is declared; whether it follows user journeys or service consoles is not readable.".to_owned(),
        );
    }
    // budget_alarm.
    if let Some(budget) = inv.budgets.first() {
        match inv.anomaly.first() {
            Some(a) => b.answer(
                "budget_alarm",
                json!("budget_and_anomaly"),
                vec![
                    (budget, "A cost budget is declared.".to_owned()),
                    (a, "Cost anomaly detection is declared.".to_owned()),
                ],
            ),
            None => b.answer(
                "budget_alarm",
                json!("budget_only"),
                vec![(
                    budget,
                    "A cost budget is declared, with no anomaly detection.".to_owned(),
                )],
            ),
        }
    }
}

/// `log_retention` of a template with no function: its declared log groups (a state machine's,
/// an API's access logs) are all the log groups it makes, so it is authoritative for them.
fn declared_retention(inv: &Inventory, b: &mut Builder) {
    let kept = inv
        .log_groups
        .iter()
        .filter(|g| g.retention_days.is_some())
        .count();
    let value = match kept {
        0 => "never_expire",
        k if k == inv.log_groups.len() => "set_everywhere",
        _ => "some_groups",
    };
    let cites = inv
        .log_groups
        .iter()
        .map(|g| match &g.retention_days {
            Some(r) => (
                &r.at,
                format!("Log group {} keeps logs {} days.", g.at.resource, r.value),
            ),
            None => (
                &g.at,
                format!(
                    "Log group {} sets no RetentionInDays (no function is declared: the declared log groups are all there are).",
                    g.at.resource
                ),
            ),
        })
        .collect();
    b.answer("log_retention", json!(value), cites);
}

pub(super) fn delivery(inv: &Inventory, b: &mut Builder) {
    let fns = &inv.functions;
    if fns.is_empty() {
        return;
    }
    let gradual: Vec<_> = fns
        .iter()
        .filter_map(|f| f.deployment.as_ref())
        .filter(|d| {
            d.value.alarms
                && (d.value.kind.starts_with("Canary") || d.value.kind.starts_with("Linear"))
        })
        .collect();
    let aliased: Vec<_> = fns.iter().filter_map(|f| f.alias.as_ref()).collect();
    if !gradual.is_empty() {
        let cites = gradual
            .iter()
            .map(|d| {
                (
                    &d.at,
                    format!(
                        "Function {} deploys {} with alarms.",
                        d.at.resource, d.value.kind
                    ),
                )
            })
            .collect();
        b.answer("deploy_strategy", json!("canary_with_alarms"), cites);
    } else if !aliased.is_empty() {
        let cites = aliased
            .iter()
            .map(|l| {
                (
                    *l,
                    format!(
                        "Function {} publishes an alias, with no gradual deployment.",
                        l.resource
                    ),
                )
            })
            .collect();
        b.answer("deploy_strategy", json!("all_at_once_alias"), cites);
    } else {
        let cites = fns
            .iter()
            .map(|f| {
                (
                    &f.at,
                    format!(
                        "Function {} has no alias: each deploy replaces it at once.",
                        f.at.resource
                    ),
                )
            })
            .collect();
        b.answer("deploy_strategy", json!("all_at_once"), cites);
    }
    let alarmed: Vec<_> = fns
        .iter()
        .filter_map(|f| f.deployment.as_ref())
        .filter(|d| d.value.alarms)
        .collect();
    if !alarmed.is_empty() {
        let cites = alarmed
            .iter()
            .map(|d| {
                (
                    &d.at,
                    format!(
                        "Function {}'s deployment rolls back on its alarms.",
                        d.at.resource
                    ),
                )
            })
            .collect();
        b.answer("rollback", json!("automatic"), cites);
    }
}
