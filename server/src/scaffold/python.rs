//! The Python runtime: `src/app.py` (one handler per function, with Powertools for AWS Lambda),
//! `src/requirements.txt`, `requirements-dev.txt`, `pyproject.toml` and `tests/` (pytest against
//! moto's fake AWS, reading the sample events in `events/`).
//!
//! Idempotency code and its environment variables appear only when the plan has idempotency.

use questionnaires::scaffold::{Auth, Pattern, Plan};

use super::Files;

/// Settings the Python templates derive from the plan.
struct Py {
    /// Whether the plan has idempotency.
    idem: bool,
    /// How long an idempotency key is kept, in seconds (0 without idempotency).
    ttl_s: u32,
    /// The JMESPath, as a Python string literal, that picks the idempotency key.
    key_path: &'static str,
    /// The JMESPath, as a Python string literal, of the part of the request whose hash is
    /// stored with the record and compared on a repeat (the API's item), if any.
    payload_path: Option<&'static str>,
    /// Whether the API's callers sign with IAM (their identity is the caller ARN) rather than
    /// send a JWT (their identity is its `sub` claim).
    iam_auth: bool,
    /// The Powertools decorator the handlers use: `idempotent` (the whole event) or
    /// `idempotent_function` (one request, object or message).
    idem_decorator: &'static str,
    /// Whether the state machine has a compensating step.
    compensation: bool,
    /// Whether the scheduled job reads its credentials from a secret (JOB_SECRET_ARN).
    job_secret: bool,
    /// Whether the workflow waits for a person (`request_approval` and `decide`).
    approval: bool,
    /// Whether an HTTP route starts executions (`start`).
    start_api: bool,
}

impl Py {
    fn new(plan: &Plan) -> Self {
        let whole_event = matches!(plan.pattern, Pattern::EventBus | Pattern::Workflow);
        Py {
            idem: plan.idempotency.is_some(),
            ttl_s: plan.idempotency.as_ref().map_or(0, |i| i.ttl_s),
            key_path: match plan.pattern {
                // The caller's identity and their Idempotency-Key header, never one alone.
                Pattern::Api => "\"[caller, key]\"",
                Pattern::CircuitBreaker if plan.api.is_some() => "\"[caller, key]\"",
                // The object and its sequencer: a redelivered S3 event repeats both.
                Pattern::S3Events => "\"[bucket, key, sequencer]\"",
                // The event's type and its detail's own id: a producer (or Scheduler) that sends
                // again gets a new EventBridge event id, but keeps the detail.
                Pattern::EventBus => "'[\"detail-type\", detail.id]'",
                // The execution input's id (Step Functions) or the message's own id (queues,
                // streams).
                _ => "\"id\"",
            },
            payload_path: match plan.pattern {
                Pattern::Api => Some("\"item\""),
                Pattern::CircuitBreaker => Some("\"payload\""),
                _ => None,
            },
            iam_auth: plan.api.as_ref().is_some_and(|a| a.auth == Auth::Iam),
            idem_decorator: if whole_event {
                "idempotent"
            } else {
                "idempotent_function"
            },
            compensation: plan.workflow.as_ref().is_some_and(|w| w.compensation),
            job_secret: plan.schedule.as_ref().is_some_and(|s| s.secret),
            approval: plan.workflow.as_ref().is_some_and(|w| w.approval.is_some()),
            start_api: plan.workflow.as_ref().is_some_and(|w| w.start_api),
        }
    }
}

/// `src/app.py`: the handlers.
#[derive(askama::Template)]
#[template(path = "scaffold/python/app.py", escape = "none")]
struct App<'a> {
    plan: &'a Plan,
    py: &'a Py,
}

/// `tests/conftest.py`: fixtures.
#[derive(askama::Template)]
#[template(path = "scaffold/python/tests/conftest.py", escape = "none")]
struct Conftest<'a> {
    plan: &'a Plan,
    py: &'a Py,
}

/// `tests/test_app.py`: behaviour tests.
#[derive(askama::Template)]
#[template(path = "scaffold/python/tests/test_app.py", escape = "none")]
struct Tests<'a> {
    plan: &'a Plan,
    py: &'a Py,
}

/// `src/requirements.txt`: runtime dependencies.
#[derive(askama::Template)]
#[template(path = "scaffold/python/requirements.txt", escape = "none")]
struct Requirements<'a> {
    plan: &'a Plan,
}

/// `requirements-dev.txt`: test dependencies.
#[derive(askama::Template)]
#[template(path = "scaffold/python/requirements-dev.txt", escape = "none")]
struct DevRequirements;

/// `pyproject.toml`: the pytest settings.
#[derive(askama::Template)]
#[template(path = "scaffold/python/pyproject.toml", escape = "none")]
struct PyProject<'a> {
    plan: &'a Plan,
}

/// Adds the Python handlers, their dependencies and their tests.
pub(super) fn files(plan: &Plan, out: &mut Files) -> Result<(), String> {
    let py = &Py::new(plan);
    out.add("src/app.py", &App { plan, py })?;
    out.add("src/requirements.txt", &Requirements { plan })?;
    out.add("requirements-dev.txt", &DevRequirements)?;
    out.add("pyproject.toml", &PyProject { plan })?;
    out.add("tests/conftest.py", &Conftest { plan, py })?;
    out.add("tests/test_app.py", &Tests { plan, py })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use questionnaires::answers::{Format, parse_answers_file};
    use questionnaires::evaluate::evaluate;
    use questionnaires::scaffold::{Choice, Iac, Pattern, Plan, Runtime, plan};

    use super::super::Files;

    fn plans(answers: &str) -> Vec<Plan> {
        let q = questionnaires::builtin();
        let file = parse_answers_file(answers, Format::Toml, q).unwrap();
        let evaluation = evaluate(q, &file.answers);
        Pattern::ALL
            .into_iter()
            // The containers starters have no Lambda handlers (see `containers.rs`).
            .filter(|p| !p.containers())
            .map(|pattern| {
                let choice = Choice {
                    pattern: Some(pattern),
                    runtime: Runtime::Python,
                    iac: Iac::Sam,
                };
                plan(q, &file.workload, &file.answers, &evaluation, choice).unwrap()
            })
            .collect()
    }

    fn render(plan: &Plan) -> Vec<(String, String)> {
        let mut out = Files(Vec::new());
        super::files(plan, &mut out).unwrap();
        out.0.into_iter().map(|f| (f.path, f.contents)).collect()
    }

    #[test]
    fn one_handler_per_function_and_idempotency_only_when_planned() {
        for answers in [
            include_str!("../../../questionnaires/tests/cases/05_travel_booking_approval.toml"),
            include_str!("../../../questionnaires/tests/cases/06_steady_pricing_api.toml"),
        ] {
            for plan in plans(answers) {
                let files = render(&plan);
                let app = &files.iter().find(|(p, _)| p == "src/app.py").unwrap().1;
                for h in &plan.handlers {
                    assert!(
                        app.contains(&format!(
                            "\ndef {}(event: dict[str, Any], context: LambdaContext)",
                            h.name
                        )),
                        "{:?} {}",
                        plan.pattern,
                        h.name
                    );
                }
                assert_eq!(
                    app.contains("IDEMPOTENCY_TABLE"),
                    plan.idempotency.is_some(),
                    "{:?}",
                    plan.pattern
                );
                let all: String = files.iter().map(|(_, c)| c.as_str()).collect();
                if plan.idempotency.is_none() {
                    assert!(!all.contains("idempotency_config"), "{:?}", plan.pattern);
                }
                for (path, contents) in &files {
                    assert!(
                        contents.ends_with('\n') && !contents.ends_with("\n\n"),
                        "{path} {:?}",
                        plan.pattern
                    );
                    assert!(
                        !contents.contains("{%") && !contents.contains("{{ "),
                        "{path}"
                    );
                }
            }
        }
    }
}
