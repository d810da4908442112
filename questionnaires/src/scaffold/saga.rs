//! The saga starter's plan: its steps and the compensating step of each, the Standard state
//! machine that runs them, how hard steps and compensations retry, and the saga table whose
//! conditional writes make every step and compensation safe to run twice.
//!
//! [`plan`] adds the saga's controls and replaces the generic idempotency and failure-path
//! controls (a saga keeps its own records instead of Powertools' idempotency table).

use serde::{Deserialize, Serialize};

use super::reader::{Reader, control, quota, replace_controls};
use super::{Control, Handler, Workflow};

/// One forward step of the saga and the step that undoes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SagaStep {
    /// The forward step's handler name, such as `reserve`.
    pub step: String,
    /// The handler name of the step that undoes it; none for the last step, which decides the
    /// saga (when it succeeds there is nothing left to undo).
    pub compensation: Option<String>,
}

/// The saga's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saga {
    /// The forward steps, in the order they run.
    pub steps: Vec<SagaStep>,
    /// Attempts a forward step gets on a timeout or a Lambda service error.
    pub step_attempts: u32,
    /// Attempts a compensation gets on any error before the saga pages a person.
    pub compensation_attempts: u32,
    /// The longest wait between two attempts of a compensation, in seconds.
    pub compensation_max_delay_s: u32,
}

impl Saga {
    /// The forward steps' handler names.
    pub fn step_names(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().map(|s| s.step.as_str())
    }

    /// Each step that has a compensation, with it: (step, compensation), in step order.
    pub fn undo_pairs(&self) -> Vec<(&str, &str)> {
        self.steps
            .iter()
            .filter_map(|s| Some((s.step.as_str(), s.compensation.as_deref()?)))
            .collect()
    }

    /// The compensations' handler names, in the order they run after the last step fails.
    pub fn compensation_names(&self) -> Vec<&str> {
        self.steps
            .iter()
            .rev()
            .filter_map(|s| s.compensation.as_deref())
            .collect()
    }
}

/// The saga's functions: forward steps first, then compensations in the order they undo.
pub(super) fn handlers() -> Vec<Handler> {
    let h = |name: &str, logical_id: &str, purpose: &str| Handler {
        name: name.to_owned(),
        logical_id: logical_id.to_owned(),
        purpose: purpose.to_owned(),
        // Steps record themselves in the saga table, not in Powertools' idempotency table.
        idempotent: false,
    };
    vec![
        h(
            "reserve",
            "ReserveFunction",
            "Step 1: checks the order and holds its items, recorded once per saga in the saga table.",
        ),
        h(
            "charge",
            "ChargeFunction",
            "Step 2: charges the order's total, recorded once per saga in the saga table.",
        ),
        h(
            "confirm",
            "ConfirmFunction",
            "Step 3: confirms the order; once it succeeds the saga is done.",
        ),
        h(
            "refund",
            "RefundFunction",
            "Undoes step 2: refunds the charge if it was made, and bars a late charge.",
        ),
        h(
            "release",
            "ReleaseFunction",
            "Undoes step 1: releases the held items if they were held, and bars a late hold.",
        ),
    ]
}

fn steps() -> Vec<SagaStep> {
    let s = |step: &str, compensation: Option<&str>| SagaStep {
        step: step.to_owned(),
        compensation: compensation.map(str::to_owned),
    };
    vec![
        s("reserve", Some("release")),
        s("charge", Some("refund")),
        s("confirm", None),
    ]
}

fn ceil_u32(x: f64) -> u32 {
    x.ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// The saga's plan: its settings, its state machine and its controls, which replace the
/// generic `idempotency` and `failure_path` controls in `controls`.
pub(super) fn plan(r: &Reader, timeout_s: u32, controls: &mut Vec<Control>) -> (Saga, Workflow) {
    let q = r.q;
    // Standard always: an Express workflow may run a step twice and stops at 5 minutes.
    let max_s = ceil_u32(quota(q, "stepfunctions_standard_duration") * 60.0);
    let minutes = r.number("workflow_duration_min");
    let timeout_total = minutes
        .map_or(3_600, |m| ceil_u32(m * 60.0 * 2.0).max(300))
        .clamp(timeout_s + 5, max_s);
    let workflow = Workflow {
        kind: "STANDARD".to_owned(),
        compensation: true,
        task_timeout_s: timeout_s + 5,
        timeout_s: timeout_total,
        max_attempts: 3,
        backoff_rate: 2.0,
        // The saga's starter is started by its caller (the README's start-execution); a person's
        // approval is the workflow starter's, not the saga's.
        approval: None,
        start_api: false,
    };
    // Third parties' outages last minutes: compensations keep trying for about ten of them
    // (2 s, doubling, at most 60 s apart), otherwise for about four.
    let outside = r.is("external_dependencies", "third_party_apis")
        || r.is("external_dependencies", "legacy_systems")
        || r.is("external_dependencies", "internal_services");
    let saga = Saga {
        steps: steps(),
        step_attempts: workflow.max_attempts,
        compensation_attempts: if outside { 14 } else { 8 },
        compensation_max_delay_s: 60,
    };
    let names = |v: Vec<&str>| v.join(" → ");
    controls.push(control(
        "saga",
        "Saga state machine",
        format!(
            "Type: STANDARD; TimeoutSeconds: {}; steps {}; on a failure {} (reverse order)",
            workflow.timeout_s,
            names(saga.step_names().collect()),
            names(saga.compensation_names()),
        ),
        if r.is("workflow_type", "express") {
            "The review runs Express workflows, but a saga needs Standard: Express runs a step at least once (a charge could run twice) and stops at 5 minutes, mid-saga.".to_owned()
        } else if r.is("workflow_type", "none") {
            "The review chains the steps in functions or events, where a failure between two steps leaves the undo to chance: the state machine makes every step and its undo explicit, and Standard runs each step once, for up to a year.".to_owned()
        } else {
            format!(
                "Each step has a compensating step and a failure undoes, newest first, every step that may have run; Standard runs each step once and for up to a year. The timeout is {}.",
                match minutes {
                    Some(m) => format!("twice the review's {m} minutes end to end"),
                    None => "an hour, as the review gives no duration".to_owned(),
                }
            )
        },
        r.origins(&["multi_step_process", "workflow_type", "workflow_duration_min"]),
    ));
    controls.push(control(
        "saga_retries",
        "Step and compensation retries",
        format!(
            "Steps: MaxAttempts {} on Lambda errors and States.Timeout, BackoffRate {}; compensations: MaxAttempts {} on any error, MaxDelaySeconds {}, then a message to the alarm topic",
            saga.step_attempts,
            workflow.backoff_rate,
            saga.compensation_attempts,
            saga.compensation_max_delay_s
        ),
        format!(
            "Steps are idempotent, so a timed-out step is safe to retry; a compensation must finish, so it retries for about {} minutes{} before a person is asked to undo by hand.",
            if outside { 10 } else { 4 },
            if outside {
                " (the review calls services outside AWS, whose outages last minutes)"
            } else {
                ""
            }
        ),
        r.origins(&["timeouts", "external_dependencies"]),
    ));
    let idempotency = control(
        "idempotency",
        "Idempotency",
        "Saga table: each step and compensation is a conditional write keyed by saga id and step; a repeat returns the first result, a step after its compensation is refused".to_owned(),
        if r.is("duplicate_sensitivity", "costly") {
            "A second charge is real damage, per the review: a step records itself once, and its compensation undoes it once, whatever Step Functions retries.".to_owned()
        } else {
            "A compensation must know what its step did, and a step that arrives late must not run after its compensation: the records do both, whatever the review says of duplicates.".to_owned()
        },
        r.origins(&["duplicate_sensitivity", "idempotency"]),
    );
    let failure = control(
        "failure_path",
        "Dead-letter path",
        "Catch on every step → the compensations of the failed step and the steps before it; a compensation that still fails notifies the alarm topic and ends in CompensationFailed".to_owned(),
        if r.answered("failure_paths") {
            "A saga's failure path is its compensations: nothing is dropped, and what cannot be undone reaches a person.".to_owned()
        } else {
            "Every failure is undone or reaches a person; nothing is dropped.".to_owned()
        },
        r.origins(&["failure_paths"]),
    );
    replace_controls(controls, &[&idempotency, &failure]);
    (saga, workflow)
}
