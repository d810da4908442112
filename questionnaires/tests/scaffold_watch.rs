//! The plan's alarm thresholds and dashboard on real scenarios: the rollback alarm is an error
//! rate with a control, the duration alarm follows the latency target when it is tighter than
//! the timeout, and a dashboard comes only with a `dashboards` answer, traced to it.

use questionnaires::model::{ChoiceId, QuestionId};
use questionnaires::scaffold::{Choice, Iac, Pattern, Plan, Runtime, plan};
use questionnaires::{
    Answer, AnswerValue, AnswersFile, Format, builtin, evaluate, parse_answers_file,
};

fn scenario(name: &str, changes: &[(&str, Option<AnswerValue>)]) -> AnswersFile {
    let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the case exists");
    let mut a = parse_answers_file(&text, Format::Toml, builtin()).expect("the case parses");
    for (q, v) in changes {
        let id = QuestionId::parse(q).expect("a question id");
        match v {
            Some(v) => {
                a.answers.insert(id, Answer::new(v.clone()));
            }
            None => {
                a.answers.remove(&id);
            }
        }
    }
    a
}

fn plan_of(a: &AnswersFile, pattern: Pattern) -> Plan {
    let q = builtin();
    let e = evaluate(q, &a.answers);
    let choice = Choice {
        pattern: Some(pattern),
        runtime: Runtime::Python,
        iac: Iac::Sam,
    };
    plan(q, &a.workload, &a.answers, &e, choice).expect("a plan")
}

fn has_control(p: &Plan, id: &str) -> bool {
    p.controls.iter().any(|c| c.id == id)
}

#[test]
fn the_rollback_alarm_is_a_rate_over_three_of_five_minutes_with_a_control() {
    // Containers starters roll back on the ECS deployment circuit breaker, not on Lambda alarms.
    for pattern in Pattern::ALL.into_iter().filter(|p| !p.containers()) {
        let p = plan_of(&scenario("05_travel_booking_approval", &[]), pattern);
        assert_eq!(p.watch.error_rate.threshold_pct, 5);
        assert_eq!(p.watch.error_rate.datapoints, 3);
        assert_eq!(p.watch.error_rate.periods, 5);
        let c = p
            .controls
            .iter()
            .find(|c| c.id == "error_rate_alarm")
            .expect("a control");
        assert!(c.setting.contains("live alias"), "{}", c.setting);
        assert!(c.from.iter().any(|o| o.question == "alarms"));
    }
}

#[test]
fn the_duration_alarm_follows_a_tighter_latency_target_on_an_api_only() {
    let tight = scenario(
        "06_steady_pricing_api",
        &[("latency_target_ms", Some(AnswerValue::Number(250.0)))],
    );
    let api = plan_of(&tight, Pattern::Api);
    assert_eq!(api.watch.duration_alarm_ms, 250);
    let c = api
        .controls
        .iter()
        .find(|c| c.id == "duration_alarm")
        .expect("a control");
    assert!(
        c.from
            .iter()
            .any(|o| o.question == "latency_target_ms" && o.answered)
    );

    // A stream has no caller waiting: 80 % of its timeout.
    let stream = plan_of(&tight, Pattern::Stream);
    assert_eq!(
        stream.watch.duration_alarm_ms,
        stream.function.timeout_s * 800
    );

    let none = scenario("06_steady_pricing_api", &[("latency_target_ms", None)]);
    let api = plan_of(&none, Pattern::Api);
    assert_eq!(api.watch.duration_alarm_ms, api.function.timeout_s * 800);
}

#[test]
fn a_dashboard_comes_only_with_a_dashboards_answer() {
    let journeys = plan_of(
        &scenario("05_travel_booking_approval", &[]),
        Pattern::Workflow,
    );
    assert!(journeys.watch.dashboard && has_control(&journeys, "dashboard"));

    let none = AnswerValue::Choices(vec![ChoiceId::parse("none").expect("a choice id")]);
    let missing = plan_of(
        &scenario("05_travel_booking_approval", &[("dashboards", Some(none))]),
        Pattern::Workflow,
    );
    assert!(
        missing.watch.dashboard,
        "the review has none: the starter brings one"
    );
    let c = missing
        .controls
        .iter()
        .find(|c| c.id == "dashboard")
        .expect("a control");
    assert!(c.why.contains("no dashboard"), "{}", c.why);

    let unanswered = plan_of(
        &scenario("05_travel_booking_approval", &[("dashboards", None)]),
        Pattern::Workflow,
    );
    assert!(!unanswered.watch.dashboard && !has_control(&unanswered, "dashboard"));
}
