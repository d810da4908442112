//! Quantitative checks: the answers' numbers against current AWS quotas.
//!
//! The quotas are data (`limits.toml`); this module holds the arithmetic. A check runs when its
//! inputs are answered, is left out when its situation does not hold (no SQS, no sync API, …),
//! and is listed as skipped, with the questions it needs, otherwise.
//!
//! Status: `fail` when the value is over the limit, `warn` from 80 % of it, `ok` below.

use serde::Serialize;

use crate::condition::{Calc, Env, Tri, num};
use crate::evaluate::{State, Status};
use crate::model::{ConditionInput, NumberInput, QuestionId, Text};

/// Limits the checks read.
pub const REQUIRED_LIMITS: &[&str] = &[
    "lambda_concurrency",
    "lambda_unreserved_minimum",
    "lambda_timeout",
    "lambda_sync_payload",
    "lambda_async_payload",
    "apigw_rest_timeout",
    "apigw_http_timeout",
    "sqs_message",
    "sns_message",
    "eventbridge_event",
    "stepfunctions_payload",
    "stepfunctions_express_duration",
    "stepfunctions_standard_duration",
    "dynamodb_item",
];

/// Every check's id. A pattern's `relieves` names these.
pub const CHECK_IDS: &[&str] = &[
    "lambda_concurrency",
    "reserved_concurrency",
    "sync_payload",
    "api_timeout",
    "async_payload",
    "sqs_message_size",
    "sns_message_size",
    "eventbridge_event_size",
    "stepfunctions_payload_size",
    "dynamodb_item_size",
    "lambda_timeout",
    "workflow_duration",
    "cold_start",
    "cost_break_even",
];

/// Share of a limit from which a check warns.
const WARN_AT: f64 = 0.8;

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Within the limit with room to spare.
    Ok,
    /// Close to the limit, or a risk worth a look.
    Warn,
    /// Over the limit.
    Fail,
}

/// A check that ran.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CheckResult {
    /// Check id.
    pub id: Text,
    /// What it checks.
    pub title: Text,
    /// Outcome.
    pub status: CheckStatus,
    /// The workload's figure.
    pub value: f64,
    /// The limit it was held against.
    pub limit: f64,
    /// Unit of both.
    pub unit: String,
    /// What it means and what to do.
    pub message: String,
    /// The limit's id in `limits.toml`.
    pub limit_id: String,
    /// Where the limit comes from.
    pub source: String,
    /// The questions it read.
    pub inputs: Vec<QuestionId>,
}

/// A check that needs more answers.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct SkippedCheck {
    /// Check id.
    pub id: Text,
    /// What it checks.
    pub title: Text,
    /// The questions to answer.
    pub missing: Vec<QuestionId>,
}

struct Ctx<'a, 's> {
    state: &'a State<'s>,
    ran: Vec<CheckResult>,
    skipped: Vec<SkippedCheck>,
}

impl Ctx<'_, '_> {
    /// Reads the number inputs a check needs; `None` (and a skip entry) when any is missing.
    fn need<const N: usize>(
        &mut self,
        id: &'static str,
        title: &'static str,
        inputs: [NumberInput; N],
    ) -> Option<[f64; N]> {
        let mut missing = Vec::new();
        let mut out = [0.0; N];
        for (slot, n) in out.iter_mut().zip(inputs) {
            match self.state.input(n) {
                Some(v) => *slot = v,
                None => match self.state.q.inputs.numbers.get(&n) {
                    // Only an open question is worth asking for; one the team marked not
                    // applicable, or a follow-up that is not shown, means the check does not apply.
                    Some(&qi) if self.state.status[qi] == Status::Unanswered => {
                        missing.push(self.state.q.questions[qi].id.clone());
                    }
                    // Not asked at all, or ruled out by the answers: the check cannot run here.
                    _ => return None,
                },
            }
        }
        if missing.is_empty() {
            Some(out)
        } else {
            self.skipped.push(SkippedCheck {
                id: id.into(),
                title: title.into(),
                missing,
            });
            None
        }
    }

    /// Whether a situation might hold: only a definite "no" rules a check out.
    fn might(&self, c: ConditionInput) -> bool {
        self.state.when(c) != Tri::False
    }

    fn limit(&self, id: &str) -> (f64, String, String) {
        // Presence is checked at load time whenever the questionnaire has inputs.
        self.state
            .q
            .figures
            .limits
            .get(id)
            .map_or((f64::INFINITY, String::new(), String::new()), |f| {
                (f.value, f.unit.clone(), f.source.clone())
            })
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one call site per check reads best flat"
    )]
    fn push(
        &mut self,
        id: &'static str,
        title: &'static str,
        status: CheckStatus,
        value: f64,
        limit_id: &str,
        limit: f64,
        message: String,
        inputs: &[NumberInput],
    ) {
        let (_, unit, source) = self.limit(limit_id);
        let inputs = inputs
            .iter()
            .filter_map(|n| self.state.input_question(*n).cloned())
            .collect();
        self.ran.push(CheckResult {
            id: id.into(),
            title: title.into(),
            status,
            value: (value * 100.0).round() / 100.0,
            limit,
            unit,
            message,
            limit_id: limit_id.to_owned(),
            source,
            inputs,
        });
    }

    /// The common shape: one figure against one limit.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site per check reads best flat"
    )]
    fn against(
        &mut self,
        id: &'static str,
        title: &'static str,
        value: f64,
        limit_id: &str,
        what: &str,
        fix: &str,
        inputs: &[NumberInput],
    ) {
        let (limit, unit, _) = self.limit(limit_id);
        let status = grade(value, limit);
        let message = match status {
            CheckStatus::Fail => format!(
                "{what} is {} {unit}, over the limit of {} {unit}. {fix}",
                num(value),
                num(limit)
            ),
            CheckStatus::Warn => format!(
                "{what} is {} {unit}, {}% of the {} {unit} limit: little headroom. {fix}",
                num(value),
                (value / limit * 100.0).round(),
                num(limit)
            ),
            CheckStatus::Ok => format!(
                "{what} is {} {unit}, within the {} {unit} limit.",
                num(value),
                num(limit)
            ),
        };
        self.push(id, title, status, value, limit_id, limit, message, inputs);
    }
}

fn grade(value: f64, limit: f64) -> CheckStatus {
    if value > limit {
        CheckStatus::Fail
    } else if value >= limit * WARN_AT {
        CheckStatus::Warn
    } else {
        CheckStatus::Ok
    }
}

/// Runs every check whose situation might hold.
pub(crate) fn run(
    state: &State<'_>,
    cost: Option<&crate::cost::CostEstimate>,
) -> (Vec<CheckResult>, Vec<SkippedCheck>) {
    let mut c = Ctx {
        state,
        ran: Vec::new(),
        skipped: Vec::new(),
    };
    if state.q.inputs.numbers.is_empty() {
        return (c.ran, c.skipped);
    }
    use NumberInput as N;

    if let Some([rps, ms]) = c.need(
        "lambda_concurrency",
        "Lambda concurrency at peak",
        [N::PeakRps, N::AvgDurationMs],
    ) {
        let value = rps * ms / 1000.0;
        let (limit, ..) = c.limit("lambda_concurrency");
        let status = grade(value, limit);
        let message = format!(
            "At peak, {} req/s × {} s = {} concurrent executions (Little's law), against the default \
             Regional quota of {}. {}",
            num(rps),
            num(ms / 1000.0),
            num(value.ceil()),
            num(limit),
            match status {
                CheckStatus::Fail =>
                    "Request a quota increase well before launch, shorten the duration, or buffer the load through a queue.",
                CheckStatus::Warn =>
                    "Little headroom: request a quota increase, and set reserved concurrency so one function cannot starve the rest.",
                CheckStatus::Ok => "Room to spare.",
            }
        );
        c.push(
            "lambda_concurrency",
            "Lambda concurrency at peak",
            status,
            value,
            "lambda_concurrency",
            limit,
            message,
            &[N::PeakRps, N::AvgDurationMs],
        );
    }

    if let Some([reserved]) = c.need(
        "reserved_concurrency",
        "Reserved concurrency",
        [N::ReservedConcurrency],
    ) {
        let (account, ..) = c.limit("lambda_concurrency");
        let (keep, ..) = c.limit("lambda_unreserved_minimum");
        let limit = account - keep;
        let peak = state.calc(Calc::Concurrency);
        let (status, message) = if reserved > limit {
            (
                CheckStatus::Fail,
                format!(
                    "{} reserved executions leave less than the {} that must stay unreserved: at most {} can be reserved under the default quota of {}.",
                    num(reserved),
                    num(keep),
                    num(limit),
                    num(account)
                ),
            )
        } else if let Some(p) = peak.filter(|p| reserved > 0.0 && reserved < *p) {
            (
                CheckStatus::Warn,
                format!(
                    "{} reserved executions is below the {} needed at peak: requests beyond it will be throttled.",
                    num(reserved),
                    num(p.ceil())
                ),
            )
        } else {
            (
                CheckStatus::Ok,
                format!(
                    "{} reserved executions fits under the {} reservable.",
                    num(reserved),
                    num(limit)
                ),
            )
        };
        c.push(
            "reserved_concurrency",
            "Reserved concurrency",
            status,
            reserved,
            "lambda_concurrency",
            limit,
            message,
            &[N::ReservedConcurrency],
        );
    }

    if c.might(ConditionInput::SyncApi) {
        if let Some([kb]) = c.need("sync_payload", "Synchronous payload", [N::SyncPayloadKb]) {
            c.against(
                "sync_payload",
                "Synchronous payload",
                kb,
                "lambda_sync_payload",
                "The largest synchronous request or response",
                "Move large bodies to S3 and pass presigned URLs.",
                &[N::SyncPayloadKb],
            );
        }
        // Any synchronous entry point (webhooks included) sits behind an API Gateway timeout.
        if let Some([ms]) = c.need(
            "api_timeout",
            "API Gateway integration timeout",
            [N::P99DurationMs],
        ) {
            let http_only = state.when(ConditionInput::HttpApi) == Tri::True
                && state.when(ConditionInput::RestApi) != Tri::True;
            let limit_id = if http_only {
                "apigw_http_timeout"
            } else {
                "apigw_rest_timeout"
            };
            let fix = if http_only {
                "An HTTP API cannot wait longer: answer 202 and finish the work asynchronously."
            } else {
                "Answer 202 and finish asynchronously, stream the response, or request a higher REST timeout."
            };
            c.against(
                "api_timeout",
                "API Gateway integration timeout",
                ms,
                limit_id,
                "The p99 duration behind the API",
                fix,
                &[N::P99DurationMs],
            );
        }
    }

    if let Some([kb]) = c.need(
        "async_payload",
        "Asynchronous event size",
        [N::AsyncMessageKb],
    ) {
        c.against(
            "async_payload",
            "Asynchronous event size",
            kb,
            "lambda_async_payload",
            "The largest asynchronous event",
            "Store the body in S3 and send a reference (claim check).",
            &[N::AsyncMessageKb],
        );
        let services = [
            (
                ConditionInput::UsesSqs,
                "sqs_message",
                "SQS message size",
                "The largest message on SQS",
            ),
            (
                ConditionInput::UsesSns,
                "sns_message",
                "SNS message size",
                "The largest message on SNS",
            ),
            (
                ConditionInput::UsesEventbridge,
                "eventbridge_event",
                "EventBridge event size",
                "The largest EventBridge event",
            ),
            (
                ConditionInput::UsesStepFunctions,
                "stepfunctions_payload",
                "Step Functions payload",
                "The largest payload passed between states",
            ),
        ];
        for (cond, limit_id, title, what) in services {
            if state.when(cond) == Tri::True {
                let id = match limit_id {
                    "sqs_message" => "sqs_message_size",
                    "sns_message" => "sns_message_size",
                    "eventbridge_event" => "eventbridge_event_size",
                    _ => "stepfunctions_payload_size",
                };
                c.against(
                    id,
                    title,
                    kb,
                    limit_id,
                    what,
                    "Keep large bodies in S3 and pass a key.",
                    &[N::AsyncMessageKb],
                );
            }
        }
    }

    if c.might(ConditionInput::UsesDynamodb)
        && let Some([kb]) = c.need("dynamodb_item_size", "DynamoDB item size", [N::ItemSizeKb])
    {
        c.against(
            "dynamodb_item_size",
            "DynamoDB item size",
            kb,
            "dynamodb_item",
            "The largest DynamoDB item",
            "Split the item, or keep large attributes in S3.",
            &[N::ItemSizeKb],
        );
    }

    if let Some([min]) = c.need(
        "lambda_timeout",
        "Lambda maximum duration",
        [N::JobDurationMin],
    ) {
        let seconds = min * 60.0;
        c.against(
            "lambda_timeout",
            "Lambda maximum duration",
            seconds,
            "lambda_timeout",
            "The longest single unit of work",
            "Split it into steps under Step Functions, or run it as a Fargate task.",
            &[N::JobDurationMin],
        );
    }

    if c.might(ConditionInput::UsesStepFunctions)
        && let Some([min]) = c.need(
            "workflow_duration",
            "Workflow duration",
            [N::WorkflowDurationMin],
        )
    {
        if state.when(ConditionInput::ExpressWorkflow) == Tri::True {
            c.against(
                "workflow_duration",
                "Workflow duration",
                min,
                "stepfunctions_express_duration",
                "The end-to-end workflow duration",
                "Use a Standard workflow, which runs for up to a year.",
                &[N::WorkflowDurationMin],
            );
        } else {
            c.against(
                "workflow_duration",
                "Workflow duration",
                min,
                "stepfunctions_standard_duration",
                "The end-to-end workflow duration",
                "Split it into chained executions.",
                &[N::WorkflowDurationMin],
            );
        }
    }

    cold_start(&mut c);
    cost_check(&mut c, cost);
    debug_assert!(
        c.ran.iter().all(|r| CHECK_IDS.contains(&&*r.id)),
        "a check ran whose id is not in CHECK_IDS"
    );
    (c.ran, c.skipped)
}

fn cold_start(c: &mut Ctx<'_, '_>) {
    let state = c.state;
    let Some(cold) = state.calc(Calc::ColdStartMs) else {
        if !state.q.runtimes.is_empty() && state.input(NumberInput::LatencyTargetMs).is_some() {
            let runtime = state.q.runtimes[0].when.questions();
            let missing = runtime
                .iter()
                .map(|&i| state.q.questions[i].id.clone())
                .collect();
            c.skipped.push(SkippedCheck {
                id: "cold_start".into(),
                title: "Cold start against the latency target".into(),
                missing,
            });
        }
        return;
    };
    let Some([target]) = c.need(
        "cold_start",
        "Cold start against the latency target",
        [NumberInput::LatencyTargetMs],
    ) else {
        return;
    };
    let work = state.input(NumberInput::AvgDurationMs).unwrap_or(0.0);
    let first = cold + work;
    let mitigated = state.when(ConditionInput::ColdStartMitigated) == Tri::True;
    let (status, message) = if mitigated {
        (
            CheckStatus::Ok,
            format!(
                "A cold start adds about {} ms to a first request; provisioned concurrency or SnapStart keeps it off the p99 target of {} ms.",
                num(cold),
                num(target)
            ),
        )
    } else if cold > target {
        (
            CheckStatus::Fail,
            format!(
                "A cold start alone takes about {} ms, over the p99 target of {} ms. Choose a lighter runtime, or use provisioned concurrency or SnapStart.",
                num(cold),
                num(target)
            ),
        )
    } else if first > target {
        (
            CheckStatus::Warn,
            format!(
                "A cold request takes about {} ms ({} ms start + {} ms work), over the p99 target of {} ms. Cold starts are usually under 1% of requests; if they land in your p99, use provisioned concurrency.",
                num(first),
                num(cold),
                num(work),
                num(target)
            ),
        )
    } else {
        (
            CheckStatus::Ok,
            format!(
                "A cold request takes about {} ms ({} ms start + {} ms work), within the p99 target of {} ms.",
                num(first),
                num(cold),
                num(work),
                num(target)
            ),
        )
    };
    c.ran.push(CheckResult {
        id: "cold_start".into(),
        title: "Cold start against the latency target".into(),
        status,
        value: first,
        limit: target,
        unit: "ms".into(),
        message,
        limit_id: "latency_target_ms".into(),
        source: state
            .q
            .runtimes
            .first()
            .map_or(String::new(), |r| r.source.clone()),
        inputs: [NumberInput::LatencyTargetMs, NumberInput::AvgDurationMs]
            .iter()
            .filter_map(|n| state.input_question(*n).cloned())
            .collect(),
    });
}

fn cost_check(c: &mut Ctx<'_, '_>, cost: Option<&crate::cost::CostEstimate>) {
    let Some(est) = cost else {
        let needs = [NumberInput::AvgDurationMs, NumberInput::MemoryMb];
        let mut missing: Vec<QuestionId> = needs
            .iter()
            .filter(|n| c.state.input(**n).is_none())
            .filter_map(|n| c.state.input_question(*n).cloned())
            .collect();
        if c.state.calc(Calc::MonthlyRequests).is_none() {
            missing.extend(
                c.state
                    .input_question(NumberInput::MonthlyRequests)
                    .cloned(),
            );
        }
        if !missing.is_empty() {
            c.skipped.push(SkippedCheck {
                id: "cost_break_even".into(),
                title: "Serverless against containers cost".into(),
                missing,
            });
        }
        return;
    };
    let limit = est.break_even_requests.unwrap_or(f64::INFINITY);
    let status = if &*est.cheaper == "serverless" {
        CheckStatus::Ok
    } else {
        CheckStatus::Warn
    };
    let message = match status {
        CheckStatus::Ok => format!(
            "At {} requests a month, serverless costs about ${} against ${} for always-on containers. Containers only win above about {} requests a month.",
            num(est.monthly_requests),
            num(est.serverless.monthly_usd),
            num(est.containers.monthly_usd),
            num(limit)
        ),
        _ => format!(
            "At {} requests a month, serverless costs about ${} against ${} for containers sized for peak: past the break-even of about {} requests a month. Weigh containers, or cut duration and memory.",
            num(est.monthly_requests),
            num(est.serverless.monthly_usd),
            num(est.containers.monthly_usd),
            num(limit)
        ),
    };
    c.ran.push(CheckResult {
        id: "cost_break_even".into(),
        title: "Serverless against containers cost".into(),
        status,
        value: est.monthly_requests,
        limit,
        unit: "requests/month".into(),
        message,
        limit_id: "break_even".into(),
        source: "limits.toml prices".into(),
        inputs: est.inputs.clone(),
    });
}
