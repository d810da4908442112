//! The CQRS starter's plan on case 35 (order tracking, read nine times more than written): each
//! stated requirement (the peak and the read/write split, the item size, the query shapes, the
//! batch size, the p99) changes its setting, and a missing answer gives the documented default.

use questionnaires::model::ChoiceId;
use questionnaires::scaffold::{Pattern, Plan};
use questionnaires::{AnswerValue, builtin, evaluate, parse_answers_file};

#[path = "support/case_plan.rs"]
mod case_plan;
use case_plan::{case_plan, control, one, origins};

const CASE: &str = include_str!("cases/35_order_tracking_read_models.toml");

/// Case 35's CQRS plan with some answers replaced (`Some`) or removed (`None`).
fn cqrs(changes: &[(&str, Option<AnswerValue>)]) -> Plan {
    let set: Vec<(&str, AnswerValue)> = changes
        .iter()
        .filter_map(|(id, v)| v.clone().map(|v| (*id, v)))
        .collect();
    let unset: Vec<&str> = changes
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(id, _)| *id)
        .collect();
    case_plan("35_order_tracking_read_models", Pattern::Cqrs, &set, &unset)
}

fn n(x: f64) -> Option<AnswerValue> {
    Some(AnswerValue::Number(x))
}

#[test]
fn case_35s_design_adds_cqrs_to_its_api_and_the_plan_has_three_functions() {
    let q = builtin();
    let a = parse_answers_file(CASE, questionnaires::Format::Toml, q).expect("case 35");
    let e = evaluate(q, &a.answers);
    assert!(
        e.recommendations
            .iter()
            .take(3)
            .any(|r| r.pattern.as_str() == "cqrs")
    );
    let p = cqrs(&[]);
    let names: Vec<&str> = p.handlers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["command", "projector", "query"]);
    assert!(
        p.idempotency.is_none(),
        "conditional writes, not the idempotency table"
    );
    assert!(p.failure.is_some(), "the projector's on-failure path");
    assert!(p.caution.is_none());
}

#[test]
fn the_peak_splits_between_the_apis_as_reads_and_writes_do() {
    // 600 rps, 9 reads to 1 write: 60 commands and 540 queries a second, each times 1.5.
    let p = cqrs(&[]);
    let c = p.cqrs.as_ref().unwrap();
    assert_eq!(p.api.as_ref().unwrap().throttle_rate, 90);
    assert_eq!(c.query_throttle_rate, 810);
    assert_eq!(c.query_throttle_burst, 1_620);
    let t = control(&p, "api_throttling");
    assert!(t.setting.contains("Command API: 90 / 180"), "{}", t.setting);
    assert_eq!(
        origins(&p, "api_throttling"),
        ["peak_rps", "db_writes_per_request", "db_reads_per_request"]
    );
    // Writes as many as reads: the command side grows.
    let even = cqrs(&[("db_reads_per_request", n(1.0))]);
    assert_eq!(even.api.as_ref().unwrap().throttle_rate, 450);
    // No split: each API takes the whole peak; no peak: 100 each.
    let whole = cqrs(&[("db_reads_per_request", None)]);
    assert_eq!(whole.api.as_ref().unwrap().throttle_rate, 900);
    let none = cqrs(&[("peak_rps", None)]);
    assert_eq!(none.cqrs.as_ref().unwrap().query_throttle_rate, 100);
    assert!(
        control(&none, "api_throttling")
            .why
            .contains("No peak given")
    );
}

#[test]
fn the_table_ceilings_follow_the_bursts_and_the_item_size() {
    // 2 KB items: 2 write units a write; 9 items a query at 2 KB: 3 read units (half, rounded up).
    let c = cqrs(&[]).cqrs.unwrap();
    assert_eq!(c.write_max_wru, 180 * 2);
    assert_eq!(c.read_max_wru, 360 * 3, "the view and its two index copies");
    assert_eq!(c.read_max_rru, 1_620 * 3);
    let big = cqrs(&[("item_size_kb", n(8.0))]).cqrs.unwrap();
    assert_eq!(big.write_max_wru, 180 * 8);
}

#[test]
fn the_query_shapes_decide_the_read_models_indexes() {
    let many = cqrs(&[]).cqrs.unwrap();
    let idx: Vec<&str> = many.views.iter().map(|v| v.index.as_str()).collect();
    assert_eq!(idx, ["ByOwner", "ByStatus"]);
    let choice = |c: &str| Some(one(c));
    let few = cqrs(&[("query_patterns", choice("few_views"))]);
    assert_eq!(few.cqrs.unwrap().views.len(), 1);
    let keys = cqrs(&[("query_patterns", choice("key_value_known"))]);
    assert!(keys.cqrs.unwrap().views.is_empty());
    let unsaid = cqrs(&[("query_patterns", None)]);
    assert_eq!(unsaid.cqrs.as_ref().unwrap().views.len(), 1);
    assert!(control(&unsaid, "read_views").why.contains("does not say"));
}

#[test]
fn the_projector_and_the_lag_alarm_follow_batch_size_and_p99() {
    let p = cqrs(&[]);
    let c = p.cqrs.as_ref().unwrap();
    assert_eq!(
        c.batch_size, 100,
        "case 35 gives no batch size: the stream default"
    );
    assert_eq!(c.expected_lag_ms, Some(250 + 120));
    assert_eq!(c.lag_alarm_s, 60);
    assert!(control(&p, "read_lag").why.contains("asks nothing"));
    let p = cqrs(&[
        (
            "entry_point",
            Some(AnswerValue::Choices(vec![
                ChoiceId::parse("http_api").unwrap(),
                ChoiceId::parse("stream").unwrap(),
            ])),
        ),
        ("batch_size", n(25.0)),
        ("p99_duration_ms", n(900.0)),
    ]);
    let c = p.cqrs.as_ref().unwrap();
    assert_eq!(c.batch_size, 25);
    assert_eq!(c.expected_lag_ms, Some(1_150));
    let ids: Vec<&str> = p.alarms.iter().map(|a| a.id.as_str()).collect();
    for id in ["projector_lag", "dlq", "command_5xx", "query_5xx"] {
        assert!(ids.contains(&id), "{id}");
    }
}

#[test]
fn duplicates_are_answered_by_conditional_writes() {
    let p = cqrs(&[]);
    let c = control(&p, "idempotency");
    assert!(
        c.setting.contains("attribute_not_exists(id)"),
        "{}",
        c.setting
    );
    assert!(c.why.starts_with("Duplicates hurt"), "{}", c.why);
    assert!(p.handlers.iter().all(|h| !h.idempotent));
}
