//! The saga starter's plan: each stated requirement (how long the process runs, which kind of
//! workflow the review uses, what the steps call, how much a duplicate hurts) changes the
//! setting it should, and the saga's shape (a compensation per step but the last, undone
//! newest first) holds whatever the answers.

use questionnaires::model::ChoiceId;
use questionnaires::scaffold::{Choice, Iac, Pattern, Plan, Runtime, plan};
use questionnaires::{
    Answer, AnswerValue, AnswersFile, Format, builtin, evaluate, parse_answers_file,
};

fn scenario(name: &str) -> AnswersFile {
    let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the case exists");
    parse_answers_file(&text, Format::Toml, builtin()).expect("the case parses")
}

/// The scenario with some answers replaced.
fn with(name: &str, changes: &[(&str, AnswerValue)]) -> AnswersFile {
    let mut a = scenario(name);
    for (q, v) in changes {
        a.answers.insert(
            questionnaires::model::QuestionId::parse(q).expect("a question id"),
            Answer::new(v.clone()),
        );
    }
    a
}

fn one(choice: &str) -> AnswerValue {
    AnswerValue::Choices(vec![ChoiceId::parse(choice).expect("a choice id")])
}

fn saga_plan(a: &AnswersFile) -> Plan {
    let q = builtin();
    let e = evaluate(q, &a.answers);
    let choice = Choice {
        pattern: Some(Pattern::Saga),
        runtime: Runtime::Python,
        iac: Iac::Sam,
    };
    plan(q, &a.workload, &a.answers, &e, choice).expect("a plan")
}

fn control<'a>(p: &'a Plan, id: &str) -> &'a questionnaires::scaffold::Control {
    p.controls
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no control {id}"))
}

fn from(p: &Plan, id: &str) -> Vec<String> {
    control(p, id)
        .from
        .iter()
        .map(|o| o.question.clone())
        .collect()
}

#[test]
fn every_step_but_the_last_has_a_compensation_undone_newest_first() {
    let p = saga_plan(&scenario("05_travel_booking_approval"));
    let saga = p.saga.as_ref().expect("a saga");
    let steps: Vec<&str> = saga.step_names().collect();
    assert_eq!(steps, ["reserve", "charge", "confirm"]);
    assert_eq!(saga.compensation_names(), ["refund", "release"]);
    assert!(saga.steps.last().unwrap().compensation.is_none());
    // Every step and compensation is a function, and none uses Powertools' idempotency table.
    let names: Vec<&str> = p.handlers.iter().map(|h| h.name.as_str()).collect();
    for n in steps.iter().chain(saga.compensation_names().iter()) {
        assert!(names.contains(n), "{n}");
    }
    assert!(p.handlers.iter().all(|h| !h.idempotent));
    assert!(p.workflow.as_ref().unwrap().compensation);
    assert_eq!(
        p.alarms
            .iter()
            .filter(|a| a.id.starts_with("executions_"))
            .count(),
        2
    );
}

#[test]
fn a_saga_runs_standard_even_when_the_review_uses_express() {
    let standard = saga_plan(&scenario("05_travel_booking_approval"));
    assert_eq!(standard.workflow.as_ref().unwrap().kind, "STANDARD");
    let express = saga_plan(&with(
        "05_travel_booking_approval",
        &[("workflow_type", one("express"))],
    ));
    assert_eq!(express.workflow.as_ref().unwrap().kind, "STANDARD");
    let why = &control(&express, "saga").why;
    assert!(why.contains("Express runs a step at least once"), "{why}");
    assert_ne!(control(&standard, "saga").why, *why);
    assert!(from(&express, "saga").contains(&"workflow_type".to_owned()));
    // Case 20 chains its refund steps by hand: the state machine is the change.
    let by_hand = saga_plan(&scenario("20_chained_lambdas_refunds"));
    assert!(control(&by_hand, "saga").why.contains("chains the steps"));
}

#[test]
fn the_execution_timeout_is_twice_the_stated_duration() {
    // Case 05: two days (2,880 minutes) end to end, so the saga may run four.
    let p = saga_plan(&scenario("05_travel_booking_approval"));
    assert_eq!(p.workflow.as_ref().unwrap().timeout_s, 2_880 * 60 * 2);
    assert!(
        control(&p, "saga")
            .setting
            .contains("TimeoutSeconds: 345600")
    );
    let short = saga_plan(&with(
        "05_travel_booking_approval",
        &[("workflow_duration_min", AnswerValue::Number(10.0))],
    ));
    assert_eq!(short.workflow.as_ref().unwrap().timeout_s, 1_200);
    // Never beyond a Standard execution's year.
    let long = saga_plan(&with(
        "05_travel_booking_approval",
        &[("workflow_duration_min", AnswerValue::Number(400_000.0))],
    ));
    assert_eq!(long.workflow.as_ref().unwrap().timeout_s, 525_600 * 60);
    assert!(from(&p, "saga").contains(&"workflow_duration_min".to_owned()));
}

#[test]
fn compensations_retry_longer_when_the_steps_call_outside_aws() {
    // Case 05 books with third-party suppliers.
    let outside = saga_plan(&scenario("05_travel_booking_approval"));
    let inside = saga_plan(&with(
        "05_travel_booking_approval",
        &[("external_dependencies", one("none"))],
    ));
    let attempts = |p: &Plan| p.saga.as_ref().unwrap().compensation_attempts;
    assert!(attempts(&outside) > attempts(&inside));
    assert!(
        control(&outside, "saga_retries")
            .setting
            .contains(&format!("MaxAttempts {}", attempts(&outside)))
    );
    assert!(from(&outside, "saga_retries").contains(&"external_dependencies".to_owned()));
}

#[test]
fn the_saga_table_replaces_the_idempotency_table_whatever_duplicates_cost() {
    for sensitivity in ["costly", "harmless"] {
        let p = saga_plan(&with(
            "05_travel_booking_approval",
            &[("duplicate_sensitivity", one(sensitivity))],
        ));
        assert_eq!(p.idempotency, None, "{sensitivity}");
        let c = control(&p, "idempotency");
        assert!(
            c.setting.starts_with("Saga table"),
            "{sensitivity}: {}",
            c.setting
        );
        assert!(from(&p, "idempotency").contains(&"duplicate_sensitivity".to_owned()));
    }
    let costly = saga_plan(&scenario("05_travel_booking_approval"));
    assert!(
        control(&costly, "idempotency")
            .why
            .contains("second charge")
    );
    // The failure path is the compensations, not a dead-letter queue.
    let failure = control(&costly, "failure_path");
    assert!(
        failure.setting.contains("compensations"),
        "{}",
        failure.setting
    );
    assert_eq!(
        costly
            .controls
            .iter()
            .filter(|c| c.id == "idempotency")
            .count(),
        1
    );
}
