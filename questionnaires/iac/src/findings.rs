//! Checks of the templates themselves, each naming the resource and line: queue visibility
//! against the consumer's timeout, asynchronous invocations without a failure path, queues
//! without redrive, wildcard IAM, log retention, API integration timeouts, reserved
//! concurrency against what an account can spare; then the review's own quantitative checks
//! (`questionnaires::checks`) run on the imported answers.

use serde::Serialize;

use crate::answers::messaging::{dlq_ids, function_of};
use crate::inventory::{ApiKind, Inventory, Loc, same_scope};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Breaks under load or loses data.
    High,
    /// A gap worth closing.
    Medium,
    /// Hygiene.
    Low,
    /// Not a problem: something the import could not read, or skipped.
    Note,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// What kind, such as `visibility_timeout` or `check:api_timeout`.
    pub id: String,
    /// How much it matters.
    pub severity: Severity,
    /// The file.
    pub file: String,
    /// The resource's logical id.
    pub resource: String,
    /// The property path.
    pub path: String,
    /// The line.
    pub line: usize,
    /// What is wrong and what to do, in a sentence or two.
    pub message: String,
}

impl Finding {
    /// A finding at a place.
    pub fn at(id: &str, severity: Severity, at: &Loc, message: String) -> Finding {
        Finding {
            id: id.to_owned(),
            severity,
            file: at.file.clone(),
            resource: at.resource.clone(),
            path: at.path.clone(),
            line: at.line,
            message,
        }
    }
}

/// Lambda's default concurrency per Region, and what must stay unreserved
/// (serverless-facts §1.1): an account can reserve at most the difference.
pub const DEFAULT_ACCOUNT_CONCURRENCY: f64 = 1000.0;
/// Concurrency Lambda keeps unreserved.
pub const UNRESERVED_MINIMUM: f64 = 100.0;
/// API Gateway integration timeouts: REST 29 s by default, HTTP 30 s (not raisable).
pub const REST_TIMEOUT_S: f64 = 29.0;
/// HTTP API integration timeout.
pub const HTTP_TIMEOUT_S: f64 = 30.0;
/// SQS visibility should be at least this many times the consuming function's timeout.
pub const VISIBILITY_FACTOR: f64 = 6.0;

/// The template checks.
pub fn template_checks(inv: &Inventory) -> Vec<Finding> {
    let mut out = Vec::new();
    // Visibility timeout under 6× the consumer's timeout.
    for s in inv
        .sources
        .iter()
        .filter(|s| s.kind == crate::inventory::SourceKind::Sqs)
    {
        let (Some(f), Some(q)) = (
            function_of(inv, s),
            inv.queues.iter().find(|q| {
                Some(&q.at.resource) == s.source.as_ref() && same_scope(&q.at.file, &s.at.file)
            }),
        ) else {
            continue;
        };
        let (Some(v), Some(t)) = (&q.visibility_s, &f.timeout_s) else {
            continue;
        };
        if v.value < VISIBILITY_FACTOR * t.value {
            out.push(Finding::at(
                "visibility_timeout",
                Severity::High,
                &v.at,
                format!(
                    "Queue {} hides messages {} s, under 6 × the {} s timeout of {} ({} s): a message still being worked on is delivered again. Raise VisibilityTimeout to at least {} s.",
                    q.at.resource, v.value, t.value, f.at.resource, VISIBILITY_FACTOR * t.value, VISIBILITY_FACTOR * t.value
                ),
            ));
        }
    }
    // Asynchronously invoked functions without a failure destination or DLQ.
    for f in &inv.functions {
        if f.async_failure.is_some() {
            continue;
        }
        let source = inv.sources.iter().find(|s| {
            s.kind.is_async()
                && s.function.as_ref() == Some(&f.at.resource)
                && same_scope(&s.at.file, &f.at.file)
        });
        if let Some(s) = source {
            out.push(Finding::at(
                "async_without_failure_path",
                Severity::Medium,
                &f.at,
                format!(
                    "Function {} is invoked asynchronously ({}) with no on-failure destination or dead-letter queue: after two retries the event is dropped.",
                    f.at.resource, s.at.resource
                ),
            ));
        }
    }
    // Queues without a redrive policy (dead-letter queues themselves excepted).
    let dlqs = dlq_ids(inv);
    for q in &inv.queues {
        let is_dlq = dlqs.contains(&q.at.file, &q.at.resource);
        if !is_dlq && q.redrive.is_none() {
            out.push(Finding::at(
                "queue_without_redrive",
                Severity::Medium,
                &q.at,
                format!("Queue {} has no RedrivePolicy: a message that always fails is retried until it expires.", q.at.resource),
            ));
        }
    }
    // Wildcard IAM.
    for s in inv
        .statements
        .iter()
        .filter(|s| crate::answers::security::is_wildcard(s))
    {
        out.push(Finding::at(
            "wildcard_iam",
            Severity::High,
            &s.at,
            format!(
                "{} allows {} on every resource: name the actions and resources it needs.",
                s.at.resource,
                s.actions.join(", ")
            ),
        ));
    }
    for p in &inv.managed_policies {
        let what = if crate::answers::security::is_admin_policy(&p.value) {
            "a function needs a policy scoped to what it does"
        } else if crate::answers::security::is_full_access_policy(&p.value) {
            "every action of a service on every resource; grant the actions and resources the function uses instead (a SAM policy template scoped to one resource, or a statement)"
        } else {
            continue;
        };
        out.push(Finding::at(
            "wildcard_iam",
            Severity::High,
            &p.at,
            format!("{} attaches {}: {what}.", p.at.resource, p.value),
        ));
    }
    // Log retention.
    for g in &inv.log_groups {
        if g.retention_days.is_none() {
            out.push(Finding::at(
                "log_group_without_retention",
                Severity::Low,
                &g.at,
                format!(
                    "Log group {} sets no RetentionInDays: its logs are kept, and billed, forever.",
                    g.at.resource
                ),
            ));
        }
    }
    for f in inv.functions.iter().filter(|f| f.log_group.is_none()) {
        out.push(Finding::at(
            "function_without_log_group",
            Severity::Low,
            &f.at,
            format!("Function {} has no log group in the template: Lambda creates one that never expires. Declare it with RetentionInDays.", f.at.resource),
        ));
    }
    // Integration timeouts.
    for r in &inv.routes {
        let limit = if r.kind == ApiKind::Http {
            HTTP_TIMEOUT_S
        } else {
            REST_TIMEOUT_S
        };
        if let Some(t) = r.timeout_s.filter(|t| *t > limit) {
            out.push(Finding::at(
                "integration_timeout",
                if r.kind == ApiKind::Http {
                    Severity::High
                } else {
                    Severity::Medium
                },
                &r.at,
                format!(
                    "The integration waits {t} s, above the API's {limit} s limit{}.",
                    if r.kind == ApiKind::Http {
                        " (HTTP APIs cannot raise it)"
                    } else {
                        " (a REST API needs a quota increase for it)"
                    }
                ),
            ));
        }
        let api_wait = r.timeout_s.unwrap_or(limit).min(limit);
        let f = r.function.as_ref().and_then(|id| {
            inv.functions
                .iter()
                .find(|f| &f.at.resource == id && same_scope(&f.at.file, &r.at.file))
        });
        if let Some(ft) = f
            .and_then(|f| f.timeout_s.as_ref())
            .filter(|ft| ft.value > api_wait)
        {
            out.push(Finding::at(
                "integration_timeout",
                Severity::Medium,
                &ft.at,
                format!(
                    "Function {} may run {} s, but its API gives up after {api_wait} s: callers get a timeout while it keeps running. Lower its Timeout under the API's.",
                    ft.at.resource, ft.value
                ),
            ));
        }
    }
    // API alarms on a metric name the watched kind of API does not publish.
    for a in &inv.alarms {
        for api in inv
            .apis
            .iter()
            .filter(|api| api.at.file == a.at.file && a.watches.contains(&api.at.resource))
        {
            let (wrong, right, kind) = match api.kind {
                ApiKind::Http => (["4XXError", "5XXError"], ["4xx", "5xx"], "an HTTP API"),
                ApiKind::Rest => (["4xx", "5xx"], ["4XXError", "5XXError"], "a REST API"),
                ApiKind::WebSocket => continue,
            };
            for (m, r) in wrong.iter().zip(right) {
                if a.metrics.iter().any(|x| x == m) {
                    out.push(Finding::at(
                        "alarm_metric_not_published",
                        Severity::Medium,
                        &a.at,
                        format!(
                            "Alarm {} watches {m} of {}, {kind}, which publishes {r} instead: the alarm never fires. Watch {r}.",
                            a.at.resource, api.at.resource
                        ),
                    ));
                }
            }
        }
    }
    // Reserved concurrency beyond what an account can spare.
    let reserved: f64 = inv
        .functions
        .iter()
        .filter_map(|f| f.reserved.as_ref())
        .map(|r| r.value)
        .sum();
    let spare = DEFAULT_ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM;
    if reserved > spare
        && let Some(r) = inv.functions.iter().find_map(|f| f.reserved.as_ref())
    {
        out.push(Finding::at(
                "reserved_concurrency",
                Severity::High,
                &r.at,
                format!("The functions reserve {reserved} in all; an account at the default {DEFAULT_ACCOUNT_CONCURRENCY} can reserve at most {spare}: the deployment fails unless the quota was raised."),
            ));
    }
    out
}

/// The review's quantitative checks, run on the imported answers: each warning or failure
/// becomes a finding, placed at the evidence of its first input question.
pub fn review_checks(
    q: &questionnaires::Questionnaire,
    answers: &questionnaires::Answers,
    evidence: &[crate::answers::Evidence],
) -> Vec<Finding> {
    let eval = questionnaires::evaluate(q, answers);
    eval.checks
        .iter()
        .filter(|c| c.status != questionnaires::checks::CheckStatus::Ok)
        .map(|c| {
            let at = c
                .inputs
                .iter()
                .find_map(|i| {
                    evidence
                        .iter()
                        .find(|e| e.question == i.as_str() && e.value.is_some())
                })
                .map(|e| Loc {
                    file: e.file.clone(),
                    resource: e.resource.clone(),
                    path: e.path.clone(),
                    line: e.line,
                })
                .unwrap_or_default();
            let severity = if c.status == questionnaires::checks::CheckStatus::Fail {
                Severity::High
            } else {
                Severity::Medium
            };
            Finding::at(&format!("check:{}", c.id), severity, &at, c.message.clone())
        })
        .collect()
}
