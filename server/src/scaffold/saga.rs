//! The saga starter's state machine, `statemachine/saga.asl.json`: each forward step retried on
//! timeouts (steps are idempotent), a Catch on each sending the execution to the compensations of
//! the failed step and the steps before it, newest first, and a failed compensation reported to
//! the alarm topic. The graph is checked with [`super::asl::check`] before it is added.

use askama::Template;
use questionnaires::scaffold::{Plan, Saga, Workflow};

use super::Files;

/// Where the saga's state machine lives in the starter (template.yaml's `DefinitionUri`).
pub(super) const ASL_PATH: &str = "statemachine/saga.asl.json";

/// A task state: a forward step or a compensation.
struct State {
    state: String,
    purpose: String,
    function_ref: String,
    /// The next state on success.
    next: String,
    /// The state a Catch goes to (forward steps only).
    on_error: String,
}

/// `statemachine/saga.asl.json`.
#[derive(Template)]
#[template(path = "scaffold/sam/patterns/saga.asl.json", escape = "none")]
struct Asl<'a> {
    plan: &'a Plan,
    saga: &'a Saga,
    workflow: &'a Workflow,
    steps: Vec<State>,
    compensations: Vec<State>,
}

/// A handler name as a state name: `reserve` → `Reserve`.
fn title(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

impl<'a> Asl<'a> {
    fn new(plan: &'a Plan, saga: &'a Saga, workflow: &'a Workflow) -> Result<Self, String> {
        let handler = |name: &str| {
            plan.handlers
                .iter()
                .find(|h| h.name == name)
                .ok_or_else(|| format!("the saga plan has no handler {name}"))
        };
        // The compensation that undoes step `i` and every step before it: the nearest one at or
        // before `i` (a failed step may have taken effect before it failed, as on a timeout).
        let undo_from = |i: usize| {
            saga.steps[..=i]
                .iter()
                .rev()
                .find_map(|s| s.compensation.as_deref())
                .map_or_else(|| "RolledBack".to_owned(), title)
        };
        let mut steps = Vec::new();
        let mut compensations = Vec::new();
        for (i, s) in saga.steps.iter().enumerate() {
            let h = handler(&s.step)?;
            steps.push(State {
                state: title(&s.step),
                purpose: h.purpose.clone(),
                function_ref: format!("${{{}Arn}}", h.logical_id),
                next: saga
                    .steps
                    .get(i + 1)
                    .map_or_else(|| "Confirmed".to_owned(), |n| title(&n.step)),
                on_error: undo_from(i),
            });
            if let Some(c) = &s.compensation {
                let h = handler(c)?;
                compensations.push(State {
                    state: title(c),
                    purpose: h.purpose.clone(),
                    function_ref: format!("${{{}Arn}}", h.logical_id),
                    next: if i == 0 {
                        "RolledBack".to_owned()
                    } else {
                        undo_from(i - 1)
                    },
                    on_error: "NotifyCompensationFailed".to_owned(),
                });
            }
        }
        compensations.reverse();
        Ok(Asl {
            plan,
            saga,
            workflow,
            steps,
            compensations,
        })
    }

    fn json(&self, s: &str) -> String {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
    }

    fn comment(&self) -> String {
        format!(
            "{}: a saga. Each step records itself once; when one fails after its retries, the compensations undo it and the steps before it, newest first, and the execution ends in RolledBack",
            self.plan.workload
        )
    }

    fn start_at(&self) -> &str {
        self.steps.first().map_or("Confirmed", |s| s.state.as_str())
    }
}

/// Adds the saga's state machine, after checking its graph.
pub(super) fn files(plan: &Plan, out: &mut Files) -> Result<(), String> {
    let (Some(saga), Some(workflow)) = (plan.saga.as_ref(), plan.workflow.as_ref()) else {
        return Err("the saga plan has no saga or state machine settings".to_owned());
    };
    let asl = Asl::new(plan, saga, workflow)?;
    let text = asl.render().map_err(|e| format!("{ASL_PATH}: {e}"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{ASL_PATH} is not JSON: {e}"))?;
    let problems = super::asl::check(&value);
    if !problems.is_empty() {
        return Err(format!("{ASL_PATH}: {}", problems.join("; ")));
    }
    out.add(ASL_PATH, &asl)
}

#[cfg(test)]
mod tests {
    use questionnaires::answers::{Format, parse_answers_file};
    use questionnaires::evaluate::evaluate;
    use questionnaires::scaffold::{Choice, Iac, Pattern, Runtime, plan};

    use super::super::Files;

    fn asl() -> serde_json::Value {
        let q = questionnaires::builtin();
        let text =
            include_str!("../../../questionnaires/tests/cases/05_travel_booking_approval.toml");
        let file = parse_answers_file(text, Format::Toml, q).unwrap();
        let evaluation = evaluate(q, &file.answers);
        let choice = Choice {
            pattern: Some(Pattern::Saga),
            runtime: Runtime::Python,
            iac: Iac::Sam,
        };
        let plan = plan(q, &file.workload, &file.answers, &evaluation, choice).unwrap();
        let mut out = Files(Vec::new());
        super::files(&plan, &mut out).unwrap();
        serde_json::from_str(&out.0[0].contents).unwrap()
    }

    fn next(asl: &serde_json::Value, state: &str) -> String {
        asl["States"][state]["Next"].as_str().unwrap().to_owned()
    }

    fn on_error(asl: &serde_json::Value, state: &str) -> String {
        asl["States"][state]["Catch"][0]["Next"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn a_failed_step_is_undone_with_the_steps_before_it_newest_first() {
        let asl = asl();
        assert_eq!(asl["StartAt"], "Reserve");
        assert_eq!(next(&asl, "Reserve"), "Charge");
        assert_eq!(next(&asl, "Charge"), "Confirm");
        assert_eq!(next(&asl, "Confirm"), "Confirmed");
        // A failed step may have taken effect (a timeout after the write): its own undo runs first.
        assert_eq!(on_error(&asl, "Reserve"), "Release");
        assert_eq!(on_error(&asl, "Charge"), "Refund");
        assert_eq!(on_error(&asl, "Confirm"), "Refund");
        assert_eq!(next(&asl, "Refund"), "Release");
        assert_eq!(next(&asl, "Release"), "RolledBack");
        for c in ["Refund", "Release"] {
            assert_eq!(on_error(&asl, c), "NotifyCompensationFailed");
            assert_eq!(asl["States"][c]["Retry"][0]["ErrorEquals"][0], "States.ALL");
            assert!(asl["States"][c]["ResultPath"].is_null());
        }
        assert_eq!(next(&asl, "NotifyCompensationFailed"), "CompensationFailed");
        assert!(super::super::asl::check(&asl).is_empty());
    }

    #[test]
    fn steps_retry_timeouts_because_they_are_idempotent() {
        let asl = asl();
        for s in ["Reserve", "Charge", "Confirm"] {
            let errors = asl["States"][s]["Retry"][0]["ErrorEquals"]
                .as_array()
                .unwrap();
            assert!(errors.iter().any(|e| e == "States.Timeout"), "{s}");
            assert!(!errors.iter().any(|e| e == "States.ALL"), "{s}");
        }
    }
}
