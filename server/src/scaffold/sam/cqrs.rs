//! What `template.yaml` needs to render the CQRS starter (`patterns/cqrs.yaml` and
//! `patterns/cqrs.function.yaml`): the query API's authorization, the read table's attribute
//! definitions (the id and each view's keys, no more), the 5XX-rate alarms of the command and
//! query APIs, and the dashboard's projector and query-side metrics.

use questionnaires::scaffold::{Cqrs, Handler};
use serde_json::{Value, json};

use super::SamTemplate;

/// The dashboard's CQRS lines: the projector's iterator age (how stale the read model is) and
/// the query API's traffic and errors (the command API's are the shared `HttpApi` lines).
pub(crate) fn dashboard_backlog() -> Vec<Value> {
    let mut v = vec![json!([
        "AWS/Lambda",
        "IteratorAge",
        "FunctionName",
        "${ProjectorFunction}",
        {"label": "projector: iterator age (ms)"}
    ])];
    for m in ["Count", "5xx", "4xx"] {
        v.push(json!(["AWS/ApiGateway", m, "ApiId", "${QueryApi}", "Stage", "$default", {"stat": "Sum", "label": format!("query API: {m}")}]));
    }
    v
}

impl SamTemplate<'_> {
    /// The CQRS settings; the template includes the CQRS sections only when the plan has them.
    pub(super) fn cqrs(&self) -> Option<&Cqrs> {
        self.plan.cqrs.as_ref()
    }

    /// Whether the function is the CQRS command, projector or query function.
    pub(super) fn cqrs_is(&self, h: &Handler, name: &str) -> bool {
        h.name == name
    }

    /// The read table's attribute definitions: the id, and each view's partition key and its
    /// sort key (`updatedAt`) when there is a view; a definition no key uses fails to deploy.
    pub(super) fn cqrs_read_attributes(&self) -> Vec<&str> {
        let mut v = vec!["id"];
        if let Some(c) = self.cqrs() {
            v.extend(c.views.iter().map(|w| w.attribute.as_str()));
            if !c.views.is_empty() {
                v.push("updatedAt");
            }
        }
        v
    }

    /// The 5XX-rate alarms the plan lists: logical id, title, API logical id.
    pub(super) fn cqrs_rate_alarms(&self) -> Vec<(&'static str, String, &'static str)> {
        self.plan
            .alarms
            .iter()
            .filter_map(|a| match a.id.as_str() {
                "command_5xx" => Some(("Command5xxAlarm", a.title.clone(), "HttpApi")),
                "query_5xx" => Some(("Query5xxAlarm", a.title.clone(), "QueryApi")),
                _ => None,
            })
            .collect()
    }
}
