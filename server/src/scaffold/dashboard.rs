//! The starter's CloudWatch dashboard, built when the review answered the `dashboards` question:
//! one screen with each function's traffic, error rate and p99 duration on its `live` alias, the
//! pattern's backlog (queues, stream, executions, API), and the state of the alarms that roll a
//! deployment back. [`body`] gives the `DashboardBody` JSON with `${...}` placeholders for `!Sub`.

use questionnaires::scaffold::{Pattern, Plan};
use serde_json::{Value, json};

/// The queues a dashboard watches: those in front of workers, and those holding what failed.
pub(super) struct Queues {
    pub(super) work: Vec<String>,
    pub(super) dead_letter: Vec<String>,
}

/// A metric widget, 12 columns wide.
fn widget(title: &str, metrics: Value, stat: &str, y: usize, x: usize) -> Value {
    json!({
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "view": "timeSeries",
            "period": 60,
            "stat": stat,
            "metrics": metrics,
        },
    })
}

/// The `DashboardBody` as JSON text, for `!Sub`.
pub(super) fn body(plan: &Plan, queues: &Queues) -> String {
    let mut widgets = Vec::new();
    let mut y = 0;
    let alarms: Vec<String> = plan
        .handlers
        .iter()
        .map(|h| format!("${{{}ErrorsAlarm.Arn}}", h.logical_id))
        .collect();
    widgets.push(json!({
        "type": "alarm",
        "x": 0,
        "y": y,
        "width": 24,
        "height": 2,
        "properties": {"title": "Alarms that roll a deployment back", "alarms": alarms},
    }));
    y += 2;
    for h in &plan.handlers {
        let f = format!("${{{}}}", h.logical_id);
        let alias = format!("${{{}}}:live", h.logical_id);
        let dims = ["FunctionName", f.as_str(), "Resource", alias.as_str()];
        let metric = |name: &str, extra: Value| {
            let mut m: Vec<Value> = vec![json!("AWS/Lambda"), json!(name)];
            m.extend(dims.iter().map(|d| json!(d)));
            m.push(extra);
            Value::Array(m)
        };
        widgets.push(widget(
            &format!("{}: invocations and error rate (%)", h.name),
            json!([
                [{"expression": "IF(FILL(inv, 0) > 0, 100 * FILL(err, 0) / inv, 0)", "label": "Error rate (%)", "id": "rate", "yAxis": "right"}],
                metric("Invocations", json!({"id": "inv"})),
                metric("Errors", json!({"id": "err", "visible": false})),
            ]),
            "Sum",
            y,
            0,
        ));
        widgets.push(widget(
            &format!("{}: p99 duration (ms)", h.name),
            json!([metric("Duration", json!({"stat": "p99"}))]),
            "p99",
            y,
            12,
        ));
        y += 6;
    }
    let mut backlog: Vec<Value> = Vec::new();
    for q in queues.work.iter() {
        backlog.push(json!(["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", format!("${{{q}.QueueName}}"), {"label": format!("{q}: oldest message (s)")}]));
    }
    for q in queues.dead_letter.iter() {
        backlog.push(json!(["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", format!("${{{q}.QueueName}}"), {"label": format!("{q}: messages")}]));
    }
    match plan.pattern {
        // One iterator age per reader: each reads at its own pace.
        Pattern::Stream | Pattern::EventSourcing => {
            for h in plan.handlers.iter().filter(|h| h.name != "append") {
                backlog.push(json!(["AWS/Lambda", "IteratorAge", "FunctionName", format!("${{{}}}", h.logical_id), {"label": format!("{}: iterator age (ms)", h.name)}]));
            }
        }
        Pattern::Workflow => {
            for m in [
                "ExecutionsStarted",
                "ExecutionsFailed",
                "ExecutionsTimedOut",
            ] {
                backlog.push(
                    json!(["AWS/States", m, "StateMachineArn", "${StateMachine}", {"stat": "Sum"}]),
                );
            }
        }
        // The facade's own counts, from its access log: the legacy route apart from the new ones.
        Pattern::StranglerFig => {
            for m in [
                "LegacyRequests",
                "Legacy5xx",
                "MigratedRequests",
                "Migrated5xx",
            ] {
                backlog.push(json!(["${AWS::StackName}/facade", m, {"stat": "Sum"}]));
            }
        }
        Pattern::Cqrs => backlog.extend(super::sam::cqrs_backlog()),
        // The WebSocket API's own counts: connections, messages and the errors it met.
        Pattern::RealtimeBroadcast => {
            for m in [
                "ConnectCount",
                "MessageCount",
                "IntegrationError",
                "ExecutionError",
            ] {
                backlog.push(json!(["AWS/ApiGateway", m, "ApiId", "${WebSocketApi}", "Stage", "${Stage}", {"stat": "Sum"}]));
            }
        }
        // Each client's own API, and how often a downstream service left a part out.
        Pattern::Bff => {
            for c in plan.bff.iter().flat_map(|b| &b.clients) {
                for m in ["Count", "5xx"] {
                    backlog.push(json!(["AWS/ApiGateway", m, "ApiId", format!("${{{}HttpApi}}", c.id), "Stage", "$default", {"stat": "Sum", "label": format!("{}: {m}", c.name)}]));
                }
            }
            for m in ["Responses", "PartialResponses"] {
                backlog.push(json!([plan.project, m, "service", plan.project, {"stat": "Sum"}]));
            }
        }
        // The breaker's openings, calls turned away and closings, from the function's log.
        Pattern::CircuitBreaker => {
            for m in ["BreakerOpened", "BreakerRejected", "BreakerClosed"] {
                backlog.push(json!(["${AWS::StackName}/breaker", m, {"stat": "Sum"}]));
            }
        }
        _ => {}
    }
    if plan.api.is_some() && plan.pattern != Pattern::Bff {
        for m in ["Count", "5xx", "4xx"] {
            backlog.push(json!(["AWS/ApiGateway", m, "ApiId", "${HttpApi}", "Stage", "$default", {"stat": "Sum"}]));
        }
    }
    if !backlog.is_empty() {
        widgets.push(widget(
            &format!("{}: backlog and entry point", plan.pattern_name),
            Value::Array(backlog),
            "Maximum",
            y,
            0,
        ));
    }
    json!({ "widgets": widgets }).to_string()
}
