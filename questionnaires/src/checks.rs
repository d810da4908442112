//! Quantitative checks: the answers' numbers against current AWS quotas.
//!
//! The quotas are data (`limits.toml`); this module holds the arithmetic. A check runs when its
//! inputs are answered, is left out when its situation does not hold (no SQS, no sync API, …),
//! and is listed as skipped, with the questions it needs, otherwise.
//!
//! Status: `fail` when the value is over the limit, `warn` from 80 % of it, `ok` below.

use std::borrow::Cow;

use serde::Serialize;

use crate::condition::{Calc, Env, Tri, num};
use crate::evaluate::{State, Status};
use crate::model::{ConditionInput, NumberInput, QuestionId};

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
    "lambda_scaling_rate",
    "lambda_memory_max",
    "apigw_payload",
    "apigw_account_rps",
    "apigw_account_burst",
    "stepfunctions_history",
    "dynamodb_partition_writes",
    "dynamodb_partition_reads",
    "dynamodb_table_writes",
    "dynamodb_transaction_items",
    "kinesis_shard_write",
    "kinesis_shard_write_mb",
    "kinesis_shard_read",
    "s3_event_notification",
    "sqs_visibility_factor",
    "sqs_fifo_throughput",
    "sqs_fifo_high_throughput",
    "eventbridge_targets_per_rule",
    "scheduler_granularity",
    "fargate_max_memory",
    "apigw_websocket_message",
    "apigw_websocket_duration",
    "apigw_websocket_new_connections",
    "appsync_events_event_size",
    "iot_core_message",
    "iot_core_publish_per_connection",
    "rds_proxy_per_account",
    "rds_data_api_response",
    "dsql_connection_rate",
    "dsql_write_transaction_size",
    "batch_array_size",
    "batch_submit_rate",
    "batch_fargate_job_duration",
];

/// Sizing assumptions the checks read (from the `[[assumptions]]` of `limits.toml`).
pub const REQUIRED_ASSUMPTIONS: &[&str] =
    &["stepfunctions_events_per_state", "dynamodb_item_kb_default"];

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
    "lambda_concurrency_p99",
    "lambda_scaling_rate",
    "lambda_memory",
    "fargate_memory",
    "apigw_account_rps",
    "apigw_burst",
    "apigw_payload",
    "dynamodb_hot_key_writes",
    "dynamodb_hot_key_reads",
    "dynamodb_table_writes",
    "dynamodb_transaction_items",
    "kinesis_shard_records",
    "kinesis_shard_bytes",
    "kinesis_shard_read",
    "sqs_fifo_throughput",
    "sqs_visibility_timeout",
    "eventbridge_targets_per_rule",
    "stepfunctions_history",
    "schedule_interval",
    "s3_event_size",
    "websocket_message_size",
    "websocket_connection_duration",
    "websocket_new_connections",
    "appsync_event_size",
    "iot_message_size",
    "iot_publish_rate",
    "rds_proxy_quota",
    "data_api_response",
    "dsql_connection_rate",
    "dsql_transaction_size",
    "batch_array_size",
    "batch_submit_rate",
    "batch_job_duration",
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
    pub id: Cow<'static, str>,
    /// What it checks.
    pub title: Cow<'static, str>,
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
    /// Other limits in `limits.toml` the figure was worked out from, besides `limit_id`.
    #[serde(default)]
    pub other_limits: Vec<String>,
}

/// A check that needs more answers.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct SkippedCheck {
    /// Check id.
    pub id: Cow<'static, str>,
    /// What it checks.
    pub title: Cow<'static, str>,
    /// The questions to answer.
    pub missing: Vec<QuestionId>,
}

struct Ctx<'a, 's> {
    state: &'a State<'s>,
    ran: Vec<CheckResult>,
    skipped: Vec<SkippedCheck>,
}

impl<'a> Ctx<'a, '_> {
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

    fn limit(&self, id: &str) -> (f64, &'a str, &'a str) {
        // Presence is checked at load time whenever the questionnaire has inputs.
        let state: &'a State<'_> = self.state;
        state
            .q
            .figures
            .limits
            .get(id)
            .map_or((f64::INFINITY, "", ""), |f| {
                (f.value, f.unit.as_str(), f.source.as_str())
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
            unit: unit.to_owned(),
            message,
            limit_id: limit_id.to_owned(),
            source: source.to_owned(),
            inputs,
            other_limits: Vec::new(),
        });
    }

    /// Records that the last check's figure also read these limits.
    fn also_read(&mut self, limits: &[&str]) {
        if let Some(last) = self.ran.last_mut() {
            last.other_limits
                .extend(limits.iter().map(|l| (*l).to_owned()));
        }
    }

    /// A figure that must stay at or above a limit (a minimum, not a ceiling): `fail` below it.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site per check reads best flat"
    )]
    fn at_least(
        &mut self,
        id: &'static str,
        title: &'static str,
        value: f64,
        limit_id: &str,
        ok: String,
        fail: String,
        inputs: &[NumberInput],
    ) {
        let (limit, ..) = self.limit(limit_id);
        let (status, message) = if value < limit {
            (CheckStatus::Fail, fail)
        } else {
            (CheckStatus::Ok, ok)
        };
        self.push(id, title, status, value, limit_id, limit, message, inputs);
    }

    /// A number input, or `fallback` when its question is hidden or not applicable (the situation
    /// it asks about does not hold); `None` with a skip entry when it is still open.
    fn input_or(
        &mut self,
        id: &'static str,
        title: &'static str,
        n: NumberInput,
        fallback: f64,
    ) -> Option<f64> {
        if let Some(v) = self.state.input(n) {
            return Some(v);
        }
        match self.state.q.inputs.numbers.get(&n) {
            Some(&qi) if self.state.status[qi] == Status::Unanswered => {
                self.skipped.push(SkippedCheck {
                    id: id.into(),
                    title: title.into(),
                    missing: vec![self.state.q.questions[qi].id.clone()],
                });
                None
            }
            _ => Some(fallback),
        }
    }

    /// The largest of several number inputs that measure the same thing from different sides
    /// (a message in, a message out), with the inputs it was read from. `None` when none is
    /// answered, with a skip entry naming the open ones.
    fn largest(
        &mut self,
        id: &'static str,
        title: &'static str,
        inputs: &[NumberInput],
    ) -> Option<(f64, Vec<NumberInput>)> {
        let answered: Vec<(NumberInput, f64)> = inputs
            .iter()
            .filter_map(|n| self.state.input(*n).map(|v| (*n, v)))
            .collect();
        if let Some(max) = answered.iter().map(|(_, v)| *v).reduce(f64::max) {
            return Some((max, answered.into_iter().map(|(n, _)| n).collect()));
        }
        let missing: Vec<QuestionId> = inputs
            .iter()
            .filter_map(|n| self.state.q.inputs.numbers.get(n))
            .filter(|&&qi| self.state.status[qi] == Status::Unanswered)
            .map(|&qi| self.state.q.questions[qi].id.clone())
            .collect();
        if !missing.is_empty() {
            self.skipped.push(SkippedCheck {
                id: id.into(),
                title: title.into(),
                missing,
            });
        }
        None
    }

    fn assumption(&self, id: &str, fallback: f64) -> f64 {
        self.state
            .q
            .figures
            .assumptions
            .get(id)
            .map_or(fallback, |f| f.value)
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
        let (_, unit, _) = self.limit(limit_id);
        self.against_unit(id, title, value, limit_id, unit, what, fix, inputs);
    }

    /// [`Self::against`] with the unit the message names, for a limit whose stored unit carries
    /// a note (`KB (32 KB frames)`) that reads badly after every figure.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site per check reads best flat"
    )]
    fn against_unit(
        &mut self,
        id: &'static str,
        title: &'static str,
        value: f64,
        limit_id: &str,
        unit: &str,
        what: &str,
        fix: &str,
        inputs: &[NumberInput],
    ) {
        let (limit, ..) = self.limit(limit_id);
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
        let value = crate::cost::executions(state, rps, ms);
        let (limit, ..) = c.limit("lambda_concurrency");
        let status = grade(value, limit);
        let message = format!(
            "At peak, {} req/s × {} s gives {} concurrent executions (Little's law{}), against the default \
             Regional quota of {}. {}",
            num(rps),
            num(ms / 1000.0),
            num(value.ceil()),
            crate::cost::executions_note(state),
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
        c.also_read(&["lambda_unreserved_minimum"]);
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

    concurrency_and_scaling(&mut c);
    api_gateway(&mut c);
    dynamodb(&mut c);
    streams_and_queues(&mut c);
    workflows_and_schedules(&mut c);
    memory(&mut c);
    realtime(&mut c);
    relational(&mut c);
    batch_jobs(&mut c);
    cold_start(&mut c);
    cost_check(&mut c, cost);
    debug_assert!(
        c.ran.iter().all(|r| CHECK_IDS.contains(&&*r.id)),
        "a check ran whose id is not in CHECK_IDS"
    );
    (c.ran, c.skipped)
}

fn concurrency_and_scaling(c: &mut Ctx<'_, '_>) {
    use NumberInput as N;
    let title = "Lambda concurrency when requests run at p99";
    if let Some([rps, p99]) = c.need(
        "lambda_concurrency_p99",
        title,
        [N::PeakRps, N::P99DurationMs],
    ) {
        let value = crate::cost::executions(c.state, rps, p99);
        let (limit, ..) = c.limit("lambda_concurrency");
        let status = grade(value, limit);
        let mean_fits = c.state.calc(Calc::Concurrency).is_some_and(|m| m <= limit);
        let message = format!(
            "If requests at peak ran as long as the p99 ({} s), {} req/s would hold {} executions at once, against the default Regional quota of {}. {}",
            num(p99 / 1000.0),
            num(rps),
            num(value.ceil()),
            num(limit),
            match status {
                CheckStatus::Fail if mean_fits =>
                    "The average fits, but a slow dependency that stretches durations towards the p99 would throttle requests: request a quota increase, time out slow downstream calls early, and cap the function with reserved concurrency or a queue.",
                CheckStatus::Fail =>
                    "Request a quota increase, shorten the slow path, or buffer the load through a queue.",
                CheckStatus::Warn =>
                    "Little headroom when durations stretch: request a quota increase, or time out slow downstream calls early.",
                CheckStatus::Ok => "Room to spare even when requests run slow.",
            }
        );
        c.push(
            "lambda_concurrency_p99",
            title,
            status,
            value,
            "lambda_concurrency",
            limit,
            message,
            &[N::PeakRps, N::P99DurationMs],
        );
    }

    let title = "Lambda scaling rate during a spike";
    if let Some([rps, ms, ramp]) = c.need(
        "lambda_scaling_rate",
        title,
        [N::PeakRps, N::AvgDurationMs, N::SpikeRampS],
    ) {
        let concurrency = crate::cost::executions(c.state, rps, ms);
        // New environments needed per 10 s: a ramp shorter than 10 s needs them all in one window.
        let value = concurrency * 10.0 / ramp.max(10.0);
        let (limit, ..) = c.limit("lambda_scaling_rate");
        let status = grade(value, limit);
        let fix = match status {
            CheckStatus::Ok => "Lambda's scaling rate keeps up.".to_owned(),
            _ => "Pre-warm with provisioned concurrency before known peaks, spread the load over several functions (the rate is per function), or buffer it through a queue.".to_owned(),
        };
        let message = format!(
            "Climbing to {} concurrent executions in {} s needs about {} new environments every 10 s; one function can add {} every 10 s. {fix}",
            num(concurrency.ceil()),
            num(ramp),
            num(value.ceil()),
            num(limit)
        );
        c.push(
            "lambda_scaling_rate",
            title,
            status,
            value,
            "lambda_scaling_rate",
            limit,
            message,
            &[N::PeakRps, N::AvgDurationMs, N::SpikeRampS],
        );
    }
}

fn api_gateway(c: &mut Ctx<'_, '_>) {
    use NumberInput as N;
    if !c.might(ConditionInput::SyncApi) {
        return;
    }
    if let Some([rps]) = c.need(
        "apigw_account_rps",
        "API Gateway account throttle",
        [N::PeakRps],
    ) {
        c.against(
            "apigw_account_rps",
            "API Gateway account throttle",
            rps,
            "apigw_account_rps",
            "The peak request rate",
            "Every API in the account and Region shares this throttle: request a higher quota well before launch, serve cacheable reads from CloudFront, or move bulk callers to a queue.",
            &[N::PeakRps],
        );
    }
    if let Some([burst]) = c.need("apigw_burst", "API Gateway burst", [N::BurstRequests]) {
        c.against(
            "apigw_burst",
            "API Gateway burst",
            burst,
            "apigw_account_burst",
            "The requests that arrive at the same moment",
            "The burst bucket cannot be raised: spread arrivals with jittered retries and staggered notifications, or admit users through a waiting room.",
            &[N::BurstRequests],
        );
    }
    let behind_api_gateway = c.state.when(ConditionInput::RestApi) != Tri::False
        || c.state.when(ConditionInput::HttpApi) != Tri::False;
    if behind_api_gateway
        && let Some([kb]) = c.need("apigw_payload", "API Gateway payload", [N::SyncPayloadKb])
    {
        c.against(
            "apigw_payload",
            "API Gateway payload",
            kb,
            "apigw_payload",
            "The largest request or response body",
            "Upload and download large bodies directly to S3 with presigned URLs.",
            &[N::SyncPayloadKb],
        );
    }
}

fn dynamodb(c: &mut Ctx<'_, '_>) {
    use NumberInput as N;
    if !c.might(ConditionInput::UsesDynamodb) {
        return;
    }
    let item_kb = c
        .state
        .input(N::ItemSizeKb)
        .unwrap_or_else(|| c.assumption("dynamodb_item_kb_default", 1.0));
    // One write unit covers 1 KB; one strongly consistent read unit 4 KB.
    let wcu = (item_kb / 1.0).ceil().max(1.0);
    let rcu = (item_kb / 4.0).ceil().max(1.0);
    let item_inputs = [
        N::PeakRps,
        N::DbWritesPerRequest,
        N::HotKeySharePct,
        N::ItemSizeKb,
    ];

    let title = "DynamoDB writes to the busiest key";
    if let Some([rps, writes, share]) = c.need(
        "dynamodb_hot_key_writes",
        title,
        [N::PeakRps, N::DbWritesPerRequest, N::HotKeySharePct],
    ) {
        let value = rps * writes * share / 100.0 * wcu;
        c.against(
            "dynamodb_hot_key_writes",
            title,
            value,
            "dynamodb_partition_writes",
            &format!(
                "Writes to the busiest partition key ({} req/s × {} writes × {}% × {} WCU each)",
                num(rps),
                num(writes),
                num(share),
                num(wcu)
            ),
            "Split the hot key over suffixed keys (key#0 … key#N) and read them back in parallel, aggregate counters before writing, or buffer writes through a queue: neither on-demand mode nor adaptive capacity lifts this ceiling.",
            &item_inputs,
        );
    }

    let title = "DynamoDB reads of the busiest key";
    if let Some([rps, reads, share]) = c.need(
        "dynamodb_hot_key_reads",
        title,
        [N::PeakRps, N::DbReadsPerRequest, N::HotKeySharePct],
    ) {
        let value = rps * reads * share / 100.0 * rcu;
        c.against(
            "dynamodb_hot_key_reads",
            title,
            value,
            "dynamodb_partition_reads",
            &format!(
                "Strongly consistent reads of the busiest partition key ({} req/s × {} reads × {}% × {} RCU each)",
                num(rps),
                num(reads),
                num(share),
                num(rcu)
            ),
            "Cache the hot items (DAX or an in-memory cache), use eventually consistent reads (half the units), or copy a read-mostly hot item under several keys.",
            &[N::PeakRps, N::DbReadsPerRequest, N::HotKeySharePct, N::ItemSizeKb],
        );
    }

    let title = "DynamoDB table write throughput";
    if let Some([rps, writes]) = c.need(
        "dynamodb_table_writes",
        title,
        [N::PeakRps, N::DbWritesPerRequest],
    ) {
        let value = rps * writes * wcu;
        c.against(
            "dynamodb_table_writes",
            title,
            value,
            "dynamodb_table_writes",
            &format!(
                "Writes to the table at peak ({} req/s × {} writes × {} WCU each)",
                num(rps),
                num(writes),
                num(wcu)
            ),
            "Request a higher table quota before launch, batch or aggregate writes, or spread the data over several tables.",
            &[N::PeakRps, N::DbWritesPerRequest, N::ItemSizeKb],
        );
    }

    if let Some([items]) = c.need(
        "dynamodb_transaction_items",
        "DynamoDB transaction size",
        [N::TransactionItems],
    ) {
        c.against(
            "dynamodb_transaction_items",
            "DynamoDB transaction size",
            items,
            "dynamodb_transaction_items",
            "The largest transaction",
            "Split the work into smaller transactions coordinated as a saga, or make each step idempotent and run them as a batch.",
            &[N::TransactionItems],
        );
    }
}

fn streams_and_queues(c: &mut Ctx<'_, '_>) {
    use NumberInput as N;
    let state = c.state;

    // Kinesis: the shard questions are follow-ups of `messaging.kinesis`, so these run only there.
    let title = "Kinesis records per shard";
    if let Some([rps, shards]) = c.need(
        "kinesis_shard_records",
        title,
        [N::PeakRps, N::KinesisShards],
    ) {
        let shards = shards.max(1.0);
        c.against(
            "kinesis_shard_records",
            title,
            rps / shards,
            "kinesis_shard_write",
            &format!("Records written per shard ({} records/s ÷ {} shards)", num(rps), num(shards)),
            "Add shards or use on-demand mode, and check that partition keys spread records evenly: every record of one key lands on one shard.",
            &[N::PeakRps, N::KinesisShards],
        );
    }
    let title = "Kinesis bytes per shard";
    if let Some([rps, shards, kb]) = c.need(
        "kinesis_shard_bytes",
        title,
        [N::PeakRps, N::KinesisShards, N::KinesisRecordKb],
    ) {
        let shards = shards.max(1.0);
        let mb = rps * kb / 1024.0 / shards;
        c.against(
            "kinesis_shard_bytes",
            title,
            mb,
            "kinesis_shard_write_mb",
            &format!(
                "Data written per shard ({} records/s × {} KB ÷ {} shards)",
                num(rps),
                num(kb),
                num(shards)
            ),
            "Add shards, compress or aggregate records, or keep large payloads in S3 and stream a reference.",
            &[N::PeakRps, N::KinesisShards, N::KinesisRecordKb],
        );
        let title = "Kinesis read throughput per shard";
        // A stream with a single consumer leaves `consumers_per_event` hidden: one reader.
        if let Some(consumers) = c.input_or("kinesis_shard_read", title, N::ConsumersPerEvent, 1.0)
        {
            let efo = state.when(ConditionInput::KinesisEnhancedFanOut) == Tri::True;
            let inputs = [
                N::PeakRps,
                N::KinesisShards,
                N::KinesisRecordKb,
                N::ConsumersPerEvent,
            ];
            if efo {
                let (limit, ..) = c.limit("kinesis_shard_read");
                let status = grade(mb, limit);
                let message = format!(
                    "With enhanced fan-out each of the {} consumers reads its own {} MB/s per shard; each needs {} MB/s.",
                    num(consumers),
                    num(limit),
                    num((mb * 100.0).round() / 100.0)
                );
                c.push(
                    "kinesis_shard_read",
                    title,
                    status,
                    mb,
                    "kinesis_shard_read",
                    limit,
                    message,
                    &inputs,
                );
            } else {
                c.against(
                    "kinesis_shard_read",
                    title,
                    mb * consumers,
                    "kinesis_shard_read",
                    &format!(
                        "Reads per shard shared by {} standard consumers ({} MB/s each)",
                        num(consumers),
                        num((mb * 100.0).round() / 100.0)
                    ),
                    "Register the busiest consumers for enhanced fan-out (each gets its own 2 MB/s per shard), or add shards.",
                    &inputs,
                );
            }
            c.also_read(&["kinesis_shard_write_mb"]);
        }
    }

    if state.when(ConditionInput::SqsFifo) == Tri::True
        && let Some([rps]) = c.need("sqs_fifo_throughput", "SQS FIFO throughput", [N::PeakRps])
    {
        let (limit_id, fix) = if state.when(ConditionInput::SqsFifoHighThroughput) == Tri::True {
            (
                "sqs_fifo_high_throughput",
                "Spread messages over many message groups (each group takes about 300 messages/s), send in batches, or split the flow over several queues.",
            )
        } else {
            (
                "sqs_fifo_throughput",
                "This figure assumes batches of 10 on every send and delete (300 calls/s otherwise): turn on high-throughput mode, or use a standard queue where order per key is not needed.",
            )
        };
        c.against(
            "sqs_fifo_throughput",
            "SQS FIFO throughput",
            rps,
            limit_id,
            "The peak message rate on the FIFO queue",
            fix,
            &[N::PeakRps],
        );
    }

    if let Some([visibility, timeout]) = c.need(
        "sqs_visibility_timeout",
        "SQS visibility timeout",
        [N::SqsVisibilityTimeoutS, N::QueueConsumerTimeoutS],
    ) {
        let (need, ..) = c.limit("sqs_visibility_factor");
        let factor = visibility / timeout.max(1.0);
        let ok = format!(
            "A visibility timeout of {} s is {}× the function timeout of {} s, at least the {}× AWS asks for.",
            num(visibility),
            num((factor * 10.0).round() / 10.0),
            num(timeout),
            num(need)
        );
        let fail = format!(
            "A visibility timeout of {} s is only {}× the function timeout of {} s; AWS asks for at least {}× ({} s), or throttled and slow batches reappear and are processed twice. Raise the queue's visibility timeout.",
            num(visibility),
            num((factor * 10.0).round() / 10.0),
            num(timeout),
            num(need),
            num(need * timeout)
        );
        c.at_least(
            "sqs_visibility_timeout",
            "SQS visibility timeout",
            factor,
            "sqs_visibility_factor",
            ok,
            fail,
            &[N::SqsVisibilityTimeoutS, N::QueueConsumerTimeoutS],
        );
    }

    if state.when(ConditionInput::UsesEventbridge) == Tri::True
        && let Some([consumers]) = c.need(
            "eventbridge_targets_per_rule",
            "EventBridge targets per rule",
            [N::ConsumersPerEvent],
        )
    {
        c.against(
            "eventbridge_targets_per_rule",
            "EventBridge targets per rule",
            consumers,
            "eventbridge_targets_per_rule",
            "The consumers of one event",
            "A rule takes at most 5 targets and that cannot be raised: add rules with the same pattern, or target an SNS topic that fans out to one queue per consumer.",
            &[N::ConsumersPerEvent],
        );
    }
}

fn workflows_and_schedules(c: &mut Ctx<'_, '_>) {
    use NumberInput as N;
    let title = "Step Functions execution history";
    if c.state.when(ConditionInput::ExpressWorkflow) == Tri::True {
        // Express workflows keep no execution history of their own.
    } else if let Some([steps, iterations]) = c.need(
        "stepfunctions_history",
        title,
        [N::WorkflowTransitions, N::WorkflowIterations],
    ) {
        let per_state = c.assumption("stepfunctions_events_per_state", 5.0);
        c.against(
            "stepfunctions_history",
            title,
            steps * iterations * per_state,
            "stepfunctions_history",
            &format!(
                "One execution's history ({} transitions × {} iterations × about {} events per state)",
                num(steps),
                num(iterations),
                num(per_state)
            ),
            "Run the loop as a Distributed Map (each item gets its own child execution and history), or continue as a new execution before the history fills.",
            &[N::WorkflowTransitions, N::WorkflowIterations],
        );
    }

    if let Some([minutes]) = c.need(
        "schedule_interval",
        "Schedule frequency",
        [N::ScheduleIntervalMin],
    ) {
        let ok = format!(
            "A schedule every {} min is within what EventBridge Scheduler can fire (once a minute at most).",
            num(minutes)
        );
        let fail = format!(
            "A schedule every {} min is more often than EventBridge Scheduler fires (once a minute at most). Drive sub-minute work from a Step Functions loop with a Wait state, or a long-running consumer.",
            num(minutes)
        );
        c.at_least(
            "schedule_interval",
            "Schedule frequency",
            minutes,
            "scheduler_granularity",
            ok,
            fail,
            &[N::ScheduleIntervalMin],
        );
    }

    if c.state.when(ConditionInput::S3Events) == Tri::True
        && let Some([kb]) = c.need(
            "s3_event_size",
            "S3 event notification size",
            [N::AsyncMessageKb],
        )
    {
        c.against(
            "s3_event_size",
            "S3 event notification size",
            kb,
            "s3_event_notification",
            "The largest event the consumers expect",
            "An S3 notification carries the bucket, key, size and ETag, never the object: have the consumer fetch the object, and if the larger events come from another source, keep them on their own path.",
            &[N::AsyncMessageKb],
        );
    }
}

fn memory(c: &mut Ctx<'_, '_>) {
    use NumberInput as N;
    let Some([mb]) = c.need("lambda_memory", "Lambda memory", [N::MemoryMb]) else {
        return;
    };
    c.against(
        "lambda_memory",
        "Lambda memory",
        mb,
        "lambda_memory_max",
        "The memory the functions need",
        "Run this part as a Fargate task, or split the data so each invocation needs less.",
        &[N::MemoryMb],
    );
    let (lambda_max, ..) = c.limit("lambda_memory_max");
    if mb > lambda_max {
        c.against(
            "fargate_memory",
            "Fargate task memory",
            mb / 1024.0,
            "fargate_max_memory",
            "The memory one container task would need",
            "Beyond the largest Fargate task, use ECS or EKS on memory-optimised EC2 instances, or split the work across tasks.",
            &[N::MemoryMb],
        );
        c.also_read(&["lambda_memory_max"]);
    }
}

/// Real-time push: API Gateway WebSocket APIs, AppSync Events and IoT Core.
fn realtime(c: &mut Ctx<'_, '_>) {
    use NumberInput as N;
    let state = c.state;
    if state.when(ConditionInput::ApigwWebsocket) == Tri::True {
        // Clients send requests up the socket and the back end pushes events down it: the
        // larger of the two is the message API Gateway must carry.
        let title = "API Gateway WebSocket message size";
        if let Some((kb, inputs)) = c.largest(
            "websocket_message_size",
            title,
            &[N::SyncPayloadKb, N::AsyncMessageKb],
        ) {
            c.against_unit(
                "websocket_message_size",
                title,
                kb,
                "apigw_websocket_message",
                "KB",
                "The largest message over the WebSocket",
                "Push a reference instead (an S3 key or a presigned URL the client downloads), or split the content into smaller messages; every 32 KB frame is billed as a message.",
                &inputs,
            );
        }

        let title = "API Gateway WebSocket connection duration";
        if let Some([minutes]) = c.need("websocket_connection_duration", title, [N::WsSessionMin]) {
            let hours = minutes / 60.0;
            let (limit, ..) = c.limit("apigw_websocket_duration");
            let status = grade(hours, limit);
            let reconnect = "Make clients reconnect with jittered backoff when the connection closes, resubscribe from state kept outside the functions, and fetch what they missed; send a heartbeat so idle connections are not dropped after 10 minutes.";
            let message = match status {
                CheckStatus::Fail => format!(
                    "A session of {} h outlasts the {} h API Gateway allows one WebSocket connection: every such client is cut off at least once. {reconnect}",
                    num((hours * 10.0).round() / 10.0),
                    num(limit)
                ),
                CheckStatus::Warn => format!(
                    "A session of {} h is {}% of the {} h connection limit: longer days will be cut off. {reconnect}",
                    num((hours * 10.0).round() / 10.0),
                    (hours / limit * 100.0).round(),
                    num(limit)
                ),
                CheckStatus::Ok => format!(
                    "A session of {} h fits in one connection ({} h at most); connections still close after 10 idle minutes, so keep a heartbeat.",
                    num((hours * 10.0).round() / 10.0),
                    num(limit)
                ),
            };
            c.push(
                "websocket_connection_duration",
                title,
                status,
                hours,
                "apigw_websocket_duration",
                limit,
                message,
                &[N::WsSessionMin],
            );
        }

        let title = "API Gateway new WebSocket connections";
        if let Some([rate]) = c.need("websocket_new_connections", title, [N::WsConnectsPerS]) {
            c.against(
                "websocket_new_connections",
                title,
                rate,
                "apigw_websocket_new_connections",
                "The peak rate of new WebSocket connections",
                "Every WebSocket API in the account and Region shares this rate: request a higher quota before launch, add random jitter to client reconnects, and stagger forced reconnects (deploys, token refreshes) over minutes.",
                &[N::WsConnectsPerS],
            );
        }
    }

    if state.when(ConditionInput::AppsyncEvents) == Tri::True {
        let title = "AppSync Events event size";
        if let Some([kb]) = c.need("appsync_event_size", title, [N::AsyncMessageKb]) {
            c.against(
                "appsync_event_size",
                title,
                kb,
                "appsync_events_event_size",
                "The largest event published to a channel",
                "Publish a small notice with an S3 key or a URL the subscribers fetch, or split the update into smaller events.",
                &[N::AsyncMessageKb],
            );
        }
    }

    if state.when(ConditionInput::IotCore) == Tri::True {
        let title = "IoT Core MQTT message size";
        if let Some([kb]) = c.need("iot_message_size", title, [N::AsyncMessageKb]) {
            c.against(
                "iot_message_size",
                title,
                kb,
                "iot_core_message",
                "The largest MQTT message",
                "Send large content through S3 and publish only its key, or split it into messages under the limit.",
                &[N::AsyncMessageKb],
            );
        }
        let title = "IoT Core publish rate per connection";
        if let Some([rate]) = c.need("iot_publish_rate", title, [N::ClientPublishPerS]) {
            c.against(
                "iot_publish_rate",
                title,
                rate,
                "iot_core_publish_per_connection",
                "The busiest connection's publish rate",
                "This limit cannot be raised: batch readings into fewer messages, spread a busy publisher over several connections, or publish from the back end through the HTTPS Publish API.",
                &[N::ClientPublishPerS],
            );
        }
    }
}

/// Relational databases behind functions: RDS Proxy, the RDS Data API and Aurora DSQL.
fn relational(c: &mut Ctx<'_, '_>) {
    use NumberInput as N;
    let state = c.state;
    if state.when(ConditionInput::RdsProxy) == Tri::True {
        let title = "RDS Proxies in the account";
        if let Some([proxies]) = c.need("rds_proxy_quota", title, [N::RdsProxyCount]) {
            c.against(
                "rds_proxy_quota",
                title,
                proxies,
                "rds_proxy_per_account",
                "The RDS Proxies in the account and Region",
                "Request a higher quota through Service Quotas before launch, or give this workload an account of its own.",
                &[N::RdsProxyCount],
            );
        }
    }

    if state.when(ConditionInput::RdsDataApi) == Tri::True {
        // The API hands back what a query returned: its largest response is the Data API
        // result it was built from, unless it stitches several calls together.
        let title = "RDS Data API response size";
        if let Some([kb]) = c.need("data_api_response", title, [N::SyncPayloadKb]) {
            c.against(
                "data_api_response",
                title,
                kb / 1024.0,
                "rds_data_api_response",
                "The largest response, if one Data API call returns it",
                "Page through the result with LIMIT and a keyset cursor so each call returns less than 1 MiB, select only the columns the caller needs, or export large results to S3 and return a link.",
                &[N::SyncPayloadKb],
            );
        }
    }

    if state.when(ConditionInput::AuroraDsql) == Tri::True {
        // Each new execution environment opens its own connection: a spike opens as many as the
        // concurrency it reaches, within the time it takes to ramp up (at least one 10 s window).
        let title = "Aurora DSQL new connections during a spike";
        let inputs = [N::PeakRps, N::AvgDurationMs, N::SpikeRampS];
        if let Some([rps, ms, ramp]) = c.need("dsql_connection_rate", title, inputs) {
            let concurrency = rps * ms / 1000.0;
            let window = ramp.max(10.0);
            c.against(
                "dsql_connection_rate",
                title,
                concurrency / window,
                "dsql_connection_rate",
                &format!(
                    "New connections while {} environments start within {} s (one connection each)",
                    num(concurrency.ceil()),
                    num(window)
                ),
                "The rate cannot be raised: reuse one connection per environment across invocations, pre-warm with provisioned concurrency before known peaks, cap the functions with reserved concurrency, and retry refused connections with jittered backoff.",
                &inputs,
            );
        }
        let title = "Aurora DSQL write transaction size";
        if let Some([kb]) = c.need("dsql_transaction_size", title, [N::DsqlTransactionKb]) {
            c.against(
                "dsql_transaction_size",
                title,
                kb / 1024.0,
                "dsql_write_transaction_size",
                "The data changed by the largest write transaction",
                "Commit in chunks well under 10 MiB, each one idempotent, and record progress so a failed run resumes where it stopped.",
                &[N::DsqlTransactionKb],
            );
        }
    }
}

/// Long jobs on AWS Batch.
fn batch_jobs(c: &mut Ctx<'_, '_>) {
    use NumberInput as N;
    let state = c.state;
    if state.when(ConditionInput::AwsBatch) == Tri::True {
        let title = "AWS Batch array job size";
        if let Some([children]) = c.need("batch_array_size", title, [N::BatchArrayChildren]) {
            c.against(
                "batch_array_size",
                title,
                children,
                "batch_array_size",
                "The largest array job",
                "Split the inputs over several array jobs of up to 10,000 children (a Step Functions Map over the chunks submits them), or give each child a range of inputs.",
                &[N::BatchArrayChildren],
            );
        }
        let title = "AWS Batch job submission rate";
        if let Some([rate]) = c.need("batch_submit_rate", title, [N::BatchSubmitsPerS]) {
            c.against(
                "batch_submit_rate",
                title,
                rate,
                "batch_submit_rate",
                "Job submissions per second at peak",
                "Submit one array job per batch of inputs instead of one job each, or queue the submissions and drain them below the account's rate with backoff.",
                &[N::BatchSubmitsPerS],
            );
        }
    }
    if state.when(ConditionInput::BatchFargate) == Tri::True {
        let title = "AWS Batch job duration on Fargate";
        if let Some([minutes]) = c.need("batch_job_duration", title, [N::JobDurationMin]) {
            c.against(
                "batch_job_duration",
                title,
                minutes / 1440.0,
                "batch_fargate_job_duration",
                "The longest job",
                "Checkpoint the job and split it into resumable parts that each finish well within 14 days, or run it on EC2 compute, where AWS Batch sets no such ceiling.",
                &[N::JobDurationMin],
            );
        }
    }
}

fn cold_start(c: &mut Ctx<'_, '_>) {
    let state = c.state;
    let Some(cold) = crate::cost::cold_start(state) else {
        if !state.q.runtimes.is_empty() && state.input(NumberInput::LatencyTargetMs).is_some() {
            let mut missing: Vec<QuestionId> = Vec::new();
            for r in &state.q.runtimes {
                for i in r.when.questions() {
                    let id = &state.q.questions[i].id;
                    if state.status[i] == Status::Unanswered && !missing.contains(id) {
                        missing.push(id.clone());
                    }
                }
            }
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
    let first = cold.high + work;
    let mitigated = state.when(ConditionInput::ColdStartMitigated) == Tri::True;
    let range = format!(
        "A cold start of {} ({}) takes about {}–{} ms",
        cold.runtime.id,
        cold.label,
        num(cold.low),
        num(cold.high)
    );
    let assumed = if cold.assumed {
        " This assumes a minimal handler; answer the package-weight question for the range of the code the functions really load."
    } else {
        ""
    };
    let heavy_java = cold.runtime.id == "java" && cold.high > 1000.0;
    let fix = if heavy_java {
        "Turn on SnapStart (a restored Spring Boot function starts in about a second instead of several), or use provisioned concurrency."
    } else {
        "Trim what loads at start, choose a lighter runtime, or use provisioned concurrency (or SnapStart where its restore time fits)."
    };
    let (status, message) = if mitigated {
        (
            CheckStatus::Ok,
            format!(
                "{range}; provisioned concurrency keeps initialised environments ready, so requests within it do not wait for a start (p99 target {} ms).{assumed}",
                num(target)
            ),
        )
    } else if cold.high > target {
        (
            CheckStatus::Fail,
            format!(
                "{range}: the slow end alone is over the p99 target of {} ms. {fix}{assumed}",
                num(target)
            ),
        )
    } else if first > target {
        (
            CheckStatus::Warn,
            format!(
                "{range}; with {} ms of work a cold request can take {} ms, over the p99 target of {} ms. Cold starts are usually under 1% of requests, but they bunch up after deploys and during spikes; if they land in your p99, {}{assumed}",
                num(work),
                num(first),
                num(target),
                if heavy_java {
                    "turn on SnapStart or provisioned concurrency."
                } else {
                    "use provisioned concurrency or trim the start-up work."
                }
            ),
        )
    } else {
        (
            CheckStatus::Ok,
            format!(
                "{range}; with {} ms of work a cold request takes at most about {} ms, within the p99 target of {} ms.{assumed}",
                num(work),
                num(first),
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
        source: cold.source.to_owned(),
        inputs: [NumberInput::LatencyTargetMs, NumberInput::AvgDurationMs]
            .iter()
            .filter_map(|n| state.input_question(*n).cloned())
            .collect(),
        other_limits: Vec::new(),
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
        // The model prices Lambda, the API and Fargate: their pages are in the cost section.
        source: "https://aws.amazon.com/lambda/pricing/".into(),
        inputs: est.inputs.clone(),
        other_limits: Vec::new(),
    });
}
