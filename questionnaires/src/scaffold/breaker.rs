//! The circuit breaker starter's plan: one function calls an unreliable dependency through a
//! breaker whose state (closed, open until a time, half-open with one trial call) is a DynamoDB
//! item that only conditional writes change, so every execution environment sees the same
//! breaker. [`plan`] decides who calls the function (an HTTP API that waits, or a queue that
//! can wait), how long one call may take, how many failures open the breaker and for how long,
//! what callers get while it is open, and how long queued work rides out an outage; each is a
//! [`Control`] with the answers it came from.
//!
//! It replaces the generic `failure_path` control (a queue caller's redrive is sized to ride
//! out an outage) and adds the dependency's side to the `idempotency` control.

use serde::{Deserialize, Serialize};

use super::build::ceil_u32;
use super::reader::{Reader, control};
use super::{Control, Failure, Queue};

/// Who calls the function, which decides what happens while the breaker is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Caller {
    /// An HTTP API whose caller waits: answered 503 with Retry-After while the breaker is open.
    Api,
    /// An SQS queue: messages stay on the queue while the breaker is open.
    Queue,
}

/// The breaker's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breaker {
    /// Who calls the function.
    pub caller: Caller,
    /// How long one call to the dependency may take, in milliseconds (well under the function's
    /// timeout, so the function can record the failure and answer).
    pub call_timeout_ms: u32,
    /// Failures within [`Breaker::failure_window_s`] that open the breaker.
    pub failure_threshold: u32,
    /// The window failures are counted in, in seconds (a new window starts the count at zero).
    pub failure_window_s: u32,
    /// How long the breaker stays open before one trial call, in seconds.
    pub open_s: u32,
    /// How long a trial call holds the half-open breaker before another call may try, in
    /// seconds (the call timeout and a margin: a trial whose function died does not block it).
    pub trial_lease_s: u32,
    /// For a queue caller: how long an outage queued messages wait through before the redrive
    /// policy moves them to the dead-letter queue, in seconds (0 for an API caller).
    pub ride_out_s: u32,
    /// For a queue caller: receives before a message moves to the dead-letter queue, sized to
    /// ride out the outage (0 for an API caller).
    pub max_receive_count: u32,
    /// For a queue caller: messages per invocation, as many as fit the function's timeout at
    /// one call timeout each (0 for an API caller).
    pub batch_size: u32,
}

/// Who calls the function: an HTTP API when the review names one as an entry point (or names
/// none), a queue otherwise (a webhook, a queue, events or a schedule feed it through SQS).
pub(super) fn api_caller(r: &Reader) -> bool {
    let entries = r.choices("entry_point");
    entries.is_empty()
        || entries
            .iter()
            .any(|c| matches!(c.as_str(), "http_api" | "rest_api"))
}

/// Rounds milliseconds up to a tenth of a second.
fn tenth(ms: f64) -> u32 {
    ceil_u32(ms / 100.0) * 100
}

/// The breaker's plan. `timeout_s` is the function's timeout; `queue` and `failure` the queue
/// caller's queue and failure path (none for an API caller). Pushes the breaker's controls and
/// replaces the generic `failure_path` control.
pub(super) fn plan(
    r: &Reader,
    timeout_s: u32,
    queue: Option<&Queue>,
    failure: Option<&Failure>,
    idempotent: bool,
    controls: &mut Vec<Control>,
) -> Breaker {
    let caller = if api_caller(r) {
        Caller::Api
    } else {
        Caller::Queue
    };

    // One call's timeout: above the dependency's p99 so normal calls finish, within what an
    // API caller waits for, and at most half the function's timeout.
    let ceiling_ms = timeout_s.saturating_mul(500).max(250);
    let p99 = r.number("p99_duration_ms").filter(|p| *p > 0.0);
    let target = r
        .number("latency_target_ms")
        .filter(|t| *t > 0.0 && caller == Caller::Api);
    let avg = r.number("avg_duration_ms").filter(|a| *a > 0.0);
    let (wanted_ms, why) = match (p99, target, avg) {
        (Some(p), Some(t), _) if t < p * 1.5 => (
            tenth(t.max(p * 1.2)),
            format!(
                "Half as much again as the p99 of {p} ms would pass the callers' {t} ms target, so the call stops at the target (and never below 1.2 times the p99, or normal calls would count as failures)."
            ),
        ),
        (Some(p), _, _) => (
            tenth(p * 1.5),
            format!(
                "Half as much again as the p99 of {p} ms: a normal call finishes, a hung one is cut off and counted."
            ),
        ),
        (None, _, Some(a)) => (
            tenth(a * 4.0),
            format!(
                "No p99 given: four times the average of {a} ms. Set it from the dependency's measured p99."
            ),
        ),
        (None, _, None) => (
            2_000,
            "No duration given: 2 s, the starter's default. Set it from the dependency's measured p99.".to_owned(),
        ),
    };
    let call_timeout_ms = wanted_ms.clamp(100, ceiling_ms);
    let capped = if call_timeout_ms < wanted_ms {
        format!(
            " Held to half the function's {timeout_s} s timeout, so the function can record the failure and answer."
        )
    } else {
        String::new()
    };
    controls.push(control(
        "call_timeout",
        "Dependency call timeout",
        format!("CALL_TIMEOUT_MS: {call_timeout_ms} (the function's Timeout: {timeout_s} s); no retry inside the function"),
        format!(
            "{why}{capped} {}",
            if r.is("timeouts", "defaults") {
                "The review leaves timeouts at their defaults; an HTTP client's default waits far longer than any caller. The function does not retry: the caller (or the queue) is the one retry layer."
            } else {
                "The function does not retry: the caller (or the queue) is the one retry layer, so a struggling dependency is not called three times per request."
            }
        ),
        r.origins(&[
            "p99_duration_ms",
            "latency_target_ms",
            "avg_duration_ms",
            "timeouts",
        ]),
    ));

    // When the breaker opens.
    let failure_window_s = 60;
    let avg_rps = r.number("avg_rps").filter(|a| *a > 0.0);
    let failure_threshold = avg_rps.map_or(5, |a| {
        ceil_u32(a * f64::from(failure_window_s) * 0.1).max(5)
    });
    controls.push(control(
        "breaker_threshold",
        "Breaker opens after",
        format!(
            "{failure_threshold} failed calls (timeouts, 5XX, 429, refused connections) within {failure_window_s} s: FAILURE_THRESHOLD, FAILURE_WINDOW_S"
        ),
        match avg_rps {
            Some(a) => format!(
                "A tenth of an average minute's calls at {a} per second (at least 5): a whole outage opens it within seconds, while the odd timeout at peak does not. A 4XX answer is the caller's problem, not the dependency's, and is not counted."
            ),
            None => "No average rate given: 5 failures in a minute, the starter's default. Raise it to about a tenth of an average minute's calls once traffic is known; a 4XX answer is not counted.".to_owned(),
        },
        r.origins(&["avg_rps", "external_dependencies", "downstream_protection"]),
    ));

    let open_s = 30;
    let trial_lease_s = call_timeout_ms.div_ceil(1000) + 2;
    controls.push(control(
        "breaker_open",
        "Breaker stays open",
        format!(
            "{open_s} s (OPEN_SECONDS), then one trial call (half-open) that holds the breaker for at most {trial_lease_s} s; its success closes the breaker, its failure opens it again"
        ),
        format!(
            "No answer says how fast the dependency recovers: {open_s} s is the starter's default. One trial, not every waiting caller, tests the dependency, so it is not knocked over again the moment the breaker closes; a trial whose function dies frees the breaker after the call timeout and {} s.",
            trial_lease_s - call_timeout_ms.div_ceil(1000)
        ),
        r.origins(&["external_dependencies"]),
    ));

    controls.push(control(
        "breaker_state",
        "Breaker state",
        "One BreakerTable item per dependency, read strongly consistent; closed → open, open → half-open and half-open → closed or open only by conditional writes".to_owned(),
        if r.is("downstream_protection", "circuit_breaker") {
            "As the review plans a breaker: its state lives outside the functions, so every execution environment agrees; an eventually consistent read could let calls through an open breaker, and two environments cannot both take the trial.".to_owned()
        } else {
            "Functions share nothing, so the breaker lives in a table every execution environment reads; conditional writes let only one of them open it or take the trial.".to_owned()
        },
        r.origins(&["downstream_protection", "state_location"]),
    ));

    // While open.
    let (ride_out_s, max_receive_count, batch_size) = match (caller, queue, failure) {
        (Caller::Queue, Some(q), Some(f)) => {
            let ride_out_s: u32 = 3_600;
            let waits = ride_out_s.div_ceil(q.visibility_timeout_s.max(1));
            // The calls of one batch run one after another: 80 % of the timeout holds them all.
            let fit = timeout_s.saturating_mul(800) / call_timeout_ms.max(1);
            (
                ride_out_s,
                (f.max_receive_count + waits).min(1_000),
                fit.clamp(1, q.batch_size.max(1)),
            )
        }
        _ => (0, 0, 0),
    };
    controls.push(match caller {
        Caller::Api => control(
            "breaker_fallback",
            "While the breaker is open",
            format!(
                "POST /calls answers 503 with Retry-After (the seconds until the trial, at most {open_s}) and does not call the dependency"
            ),
            "Callers wait on the API, so they get a clear answer at once instead of a timeout, and know when to retry; a retry with the same Idempotency-Key is safe.".to_owned(),
            r.origins(&["entry_point", "client_types"]),
        ),
        Caller::Queue => control(
            "breaker_fallback",
            "While the breaker is open",
            format!(
                "Messages stay on the queue (reported as batch item failures, uncalled) and return after the visibility timeout; maxReceiveCount: {max_receive_count}, enough to ride out a {} h outage; BatchSize: {batch_size} (the calls of a batch fit 80 % of the timeout)",
                ride_out_s / 3_600
            ),
            "Work arrives through a queue, so it can wait: nothing is lost and nothing burns its retries into the dead-letter queue while the dependency is down. No answer gives the longest outage to ride out: an hour is the starter's default.".to_owned(),
            r.origins(&["entry_point", "messaging", "failure_paths"]),
        ),
    });
    if let (Caller::Queue, Some(f), Some(q)) = (caller, failure, queue) {
        let path = control(
            "failure_path",
            "Dead-letter path",
            format!(
                "Dead-letter queue after {max_receive_count} receives; ReportBatchItemFailures; DLQ kept {} days",
                f.dlq_retention_days
            ),
            format!(
                "SQS counts every receive, whether the call failed or the message waited behind an open breaker: {max_receive_count} receives are the review's {} attempts plus an hour of {} s visibility timeouts. A message still failing after that (one the dependency keeps rejecting with a 5XX, or a malformed one) moves to the dead-letter queue for inspection and redrive.",
                f.max_receive_count, q.visibility_timeout_s
            ),
            r.origins(&["failure_paths", "duplicate_sensitivity"]),
        );
        for c in controls.iter_mut().filter(|c| c.id == "failure_path") {
            *c = path.clone();
        }
        // The batch is sized to the call timeout here, not the generic 10.
        for c in controls.iter_mut().filter(|c| c.id == "queue_concurrency") {
            c.setting = format!(
                "ScalingConfig.MaximumConcurrency: {}; VisibilityTimeout: {} s; BatchSize: {batch_size} (see \"While the breaker is open\")",
                q.max_concurrency, q.visibility_timeout_s
            );
        }
    }

    controls.push(control(
        "breaker_alarm",
        "Breaker alarm",
        "BreakerOpened (a custom metric, one per opening) ≥ 1 in a minute → the alarm topic; BreakerRejected counts the calls turned away".to_owned(),
        if r.is("alarms", "routed_oncall") {
            "An open breaker means the dependency is down for everyone: the alarm reaches on-call, as the review routes alarms.".to_owned()
        } else {
            "An open breaker means the dependency is down for everyone, so its opening alarms at once rather than waiting for the error rate.".to_owned()
        },
        r.origins(&["alarms", "external_dependencies"]),
    ));

    if idempotent {
        for c in controls.iter_mut().filter(|c| c.id == "idempotency") {
            c.why.push_str(
                " The dependency gets the same key as its Idempotency-Key header, so a call that timed out (its outcome unknown) and is retried after the breaker's trial cannot take effect twice there either.",
            );
        }
    }

    Breaker {
        caller,
        call_timeout_ms,
        failure_threshold,
        failure_window_s,
        open_s,
        trial_lease_s,
        ride_out_s,
        max_receive_count,
        batch_size,
    }
}
