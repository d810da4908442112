//! The scaffold plan honours requirements the answers state: how far back consumers replay, how
//! many readers a stream has, and whether a workflow waits for a person. Each test changes one
//! answer and sees the setting change.

use questionnaires::model::{ChoiceId, QuestionId};
use questionnaires::scaffold::{Choice, Iac, Pattern, Plan, Runtime, plan};
use questionnaires::{
    Answer, AnswerValue, AnswersFile, Format, builtin, evaluate, parse_answers_file,
};

fn scenario(name: &str) -> AnswersFile {
    let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the case exists");
    parse_answers_file(&text, Format::Toml, builtin()).expect("the case parses")
}

fn with(name: &str, changes: &[(&str, AnswerValue)]) -> AnswersFile {
    let mut a = scenario(name);
    for (q, v) in changes {
        a.answers.insert(
            QuestionId::parse(q).expect("a question id"),
            Answer::new(v.clone()),
        );
    }
    a
}

fn without(name: &str, questions: &[&str]) -> AnswersFile {
    let mut a = scenario(name);
    for q in questions {
        a.answers
            .remove(&QuestionId::parse(q).expect("a question id"));
    }
    a
}

fn plan_with(a: &AnswersFile, pattern: Option<Pattern>) -> Plan {
    let q = builtin();
    let e = evaluate(q, &a.answers);
    let choice = Choice {
        pattern,
        runtime: Runtime::Python,
        iac: Iac::Sam,
    };
    plan(q, &a.workload, &a.answers, &e, choice).expect("a plan")
}

fn one(choice: &str) -> AnswerValue {
    AnswerValue::Choices(vec![ChoiceId::parse(choice).expect("a choice id")])
}

fn n(x: f64) -> AnswerValue {
    AnswerValue::Number(x)
}

fn setting(p: &Plan, id: &str) -> String {
    p.controls
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no control {id}"))
        .setting
        .clone()
}

fn from(p: &Plan, id: &str) -> Vec<String> {
    p.controls
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no control {id}"))
        .from
        .iter()
        .map(|o| o.question.clone())
        .collect()
}

#[test]
fn the_ledger_stream_keeps_seven_days_on_four_shards_for_three_readers() {
    let p = plan_with(&scenario("08_ledger_ordered_stream"), None);
    assert_eq!(p.pattern, Pattern::Stream);
    let s = p.stream.as_ref().unwrap();
    assert_eq!(
        (s.retention_hours, s.shards, s.consumers, s.enhanced_fan_out),
        (168, 4, 3, true)
    );
    let readers: Vec<&str> = p.handlers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(readers, ["consume_1", "consume_2", "consume_3"]);
    assert_eq!(setting(&p, "stream_retention"), "RetentionPeriodHours: 168");
    assert!(from(&p, "stream_retention").contains(&"replay_window_days".to_owned()));
    assert!(setting(&p, "stream_consumers").contains("3 reader functions"));
    assert!(from(&p, "stream").contains(&"kinesis_shards".to_owned()));
}

#[test]
fn stream_retention_follows_the_replay_window() {
    let days = |d: f64| {
        let p = plan_with(
            &with("08_ledger_ordered_stream", &[("replay_window_days", n(d))]),
            Some(Pattern::Stream),
        );
        p.stream.unwrap().retention_hours
    };
    assert_eq!(days(1.0), 24);
    assert_eq!(days(30.0), 720);
    assert_eq!(days(365.0), 8_760);
    let none = plan_with(
        &with(
            "08_ledger_ordered_stream",
            &[("event_replay", one("no_replay"))],
        ),
        Some(Pattern::Stream),
    );
    assert_eq!(none.stream.unwrap().retention_hours, 24);
    let all = plan_with(
        &with(
            "08_ledger_ordered_stream",
            &[("event_replay", one("full_history"))],
        ),
        Some(Pattern::Stream),
    );
    assert_eq!(all.stream.as_ref().unwrap().retention_hours, 8_760);
    // The cost of keeping records longer is said where the setting is.
    let p = plan_with(&scenario("08_ledger_ordered_stream"), Some(Pattern::Stream));
    let why = &p
        .controls
        .iter()
        .find(|c| c.id == "stream_retention")
        .unwrap()
        .why;
    assert!(
        why.contains("extended retention") && why.contains("per shard-hour"),
        "{why}"
    );
}

#[test]
fn the_archive_keeps_the_replay_window() {
    let archive = |changes: &[(&str, AnswerValue)]| {
        plan_with(
            &with("08_ledger_ordered_stream", changes),
            Some(Pattern::EventBus),
        )
        .bus
        .unwrap()
        .archive_days
    };
    assert_eq!(archive(&[]), Some(7));
    assert_eq!(archive(&[("replay_window_days", n(30.0))]), Some(30));
    assert_eq!(archive(&[("event_replay", one("full_history"))]), Some(0));
    assert_eq!(archive(&[("event_replay", one("no_replay"))]), None);
}

#[test]
fn readers_and_throughput_decide_fan_out_and_shards() {
    // One reader of a small stream: shared reads, one function, the review's shard count kept.
    let single = plan_with(
        &with(
            "08_ledger_ordered_stream",
            &[("consumers_per_event", n(1.0)), ("kinesis_shards", n(2.0))],
        ),
        Some(Pattern::Stream),
    );
    let s = single.stream.as_ref().unwrap();
    assert_eq!((s.consumers, s.enhanced_fan_out, s.shards), (1, false, 2));
    assert_eq!(single.handlers.len(), 1);
    assert_eq!(single.handlers[0].name, "consume");
    // Five readers: five functions, each with its own consumer.
    let five = plan_with(
        &with(
            "08_ledger_ordered_stream",
            &[("consumers_per_event", n(5.0))],
        ),
        Some(Pattern::Stream),
    );
    assert_eq!(five.handlers.len(), 5);
    assert!(five.stream.as_ref().unwrap().enhanced_fan_out);
    // Writes past what four shards take: shards from the write rate (1,000 records/s each).
    let busy = plan_with(
        &with("08_ledger_ordered_stream", &[("peak_rps", n(6_500.0))]),
        Some(Pattern::Stream),
    );
    assert_eq!(busy.stream.as_ref().unwrap().shards, 13);
    // Without a shard count, the 0.78 MB/s of writes fit one shard.
    let sized = plan_with(
        &without("08_ledger_ordered_stream", &["kinesis_shards"]),
        Some(Pattern::Stream),
    );
    assert_eq!(sized.stream.as_ref().unwrap().shards, 1);
}

#[test]
fn the_travel_workflow_waits_two_days_for_the_manager_and_has_an_api() {
    let p = plan_with(&scenario("05_travel_booking_approval"), None);
    assert_eq!(p.pattern, Pattern::Workflow);
    let w = p.workflow.as_ref().unwrap();
    assert_eq!(w.approval.as_ref().map(|a| a.timeout_s), Some(172_800));
    assert!(w.start_api);
    assert!(p.api.is_some());
    let names: Vec<&str> = p.handlers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "validate",
            "process",
            "request_approval",
            "complete",
            "compensate",
            "start",
            "decide"
        ]
    );
    assert!(setting(&p, "approval").contains("TimeoutSeconds: 172800 (2 days)"));
    assert!(from(&p, "approval").contains(&"workflow_waits".to_owned()));
    assert!(from(&p, "workflow_start").contains(&"entry_point".to_owned()));
    assert!(p.alarms.iter().any(|a| a.id == "api_5xx"));
    // The approval and API functions guard themselves; they never use the idempotency table.
    for h in &p.handlers {
        if matches!(h.name.as_str(), "request_approval" | "start" | "decide") {
            assert!(!h.idempotent, "{}", h.name);
        }
    }
}

#[test]
fn the_approval_follows_its_answers() {
    let longer = plan_with(
        &with(
            "05_travel_booking_approval",
            &[("workflow_duration_min", n(600.0))],
        ),
        Some(Pattern::Workflow),
    );
    assert_eq!(
        longer.workflow.unwrap().approval.map(|a| a.timeout_s),
        Some(36_000)
    );
    // No person in the loop: no approval step, no decide route.
    let timer = plan_with(
        &with(
            "05_travel_booking_approval",
            &[("workflow_waits", one("timer"))],
        ),
        Some(Pattern::Workflow),
    );
    assert!(timer.workflow.as_ref().unwrap().approval.is_none());
    assert!(
        !timer
            .handlers
            .iter()
            .any(|h| h.name == "decide" || h.name == "request_approval")
    );
    // The HTTP entry point still starts executions.
    assert!(timer.handlers.iter().any(|h| h.name == "start"));
    // Started by a stream, with nobody deciding: no API at all.
    let no_http = plan_with(
        &with(
            "05_travel_booking_approval",
            &[
                ("workflow_waits", one("nothing")),
                ("entry_point", one("stream")),
            ],
        ),
        Some(Pattern::Workflow),
    );
    assert!(no_http.api.is_none());
    assert!(!no_http.workflow.unwrap().start_api);
    assert!(!no_http.alarms.iter().any(|a| a.id == "api_5xx"));
}
