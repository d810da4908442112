//! The event sourcing starter's plan on case 08 (account postings read by three consumers, in
//! order per account, replayable seven days): each requirement the answers state (consumers,
//! replay window, ordering, event rate and size, capacity mode, how costly a duplicate is)
//! changes its setting, and what the answers leave out gets the documented default.

use questionnaires::model::{ChoiceId, QuestionId};
use questionnaires::scaffold::{EventSourcing, Feed, Pattern, Plan, Runtime, plan};
use questionnaires::{Answer, AnswerValue, builtin, evaluate, parse_answers_file};

#[path = "support/plans.rs"]
mod plans;
use plans::setting;

const CASE: &str = include_str!("cases/08_ledger_ordered_stream.toml");

/// Case 08's event sourcing plan with some answers replaced and some removed.
fn es_plan(set: &[(&str, AnswerValue)], unset: &[&str]) -> Plan {
    let q = builtin();
    let mut a = parse_answers_file(CASE, questionnaires::Format::Toml, q).expect("case 08");
    for (id, v) in set {
        a.answers.insert(
            QuestionId::parse(id).expect("a question"),
            Answer::new(v.clone()),
        );
    }
    for id in unset {
        a.answers
            .remove(&QuestionId::parse(id).expect("a question"));
    }
    let e = evaluate(q, &a.answers);
    let choice = questionnaires::scaffold::Choice {
        pattern: Some(Pattern::EventSourcing),
        runtime: Runtime::Rust,
        iac: questionnaires::scaffold::Iac::Sam,
    };
    plan(q, &a.workload, &a.answers, &e, choice).expect("a plan")
}

fn es(p: &Plan) -> &EventSourcing {
    p.event_sourcing
        .as_ref()
        .expect("the event store's settings")
}

fn choice(id: &str) -> AnswerValue {
    AnswerValue::Choices(vec![ChoiceId::parse(id).expect("a choice id")])
}

#[test]
fn three_consumers_get_three_projections_on_a_kinesis_feed_kept_for_the_replay_window() {
    let p = es_plan(&[], &[]);
    let es = es(&p);
    assert_eq!(es.feed, Feed::Kinesis);
    assert_eq!(es.projections, 3);
    assert_eq!(es.feed_retention_hours, 7 * 24);
    assert_eq!(
        p.handlers
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["append", "project_1", "project_2", "project_3"]
    );
    assert!(setting(&p, "replay").contains("RetentionPeriodHours: 168"));
    // The answered four shards are kept: 400 postings of 2 KB a second need only one.
    assert_eq!(es.shards, 4);
}

#[test]
fn two_consumers_or_fewer_read_the_tables_own_stream() {
    let p = es_plan(&[("consumers_per_event", AnswerValue::Number(2.0))], &[]);
    assert_eq!(es(&p).feed, Feed::TableStream);
    assert_eq!(es(&p).feed_retention_hours, 24);
    assert_eq!(es(&p).shards, 0);
    let one = es_plan(&[], &["consumers_per_event"]);
    assert_eq!(es(&one).projections, 1);
    assert_eq!(one.handlers[1].name, "project");
}

#[test]
fn the_replay_window_sets_the_feeds_retention() {
    let p = es_plan(&[("replay_window_days", AnswerValue::Number(30.0))], &[]);
    assert_eq!(es(&p).feed_retention_hours, 720);
    let full = es_plan(&[("event_replay", choice("full_history"))], &[]);
    assert_eq!(es(&full).feed_retention_hours, 8_760);
    assert_eq!(es(&full).replay_days, Some(0));
    let none = es_plan(&[("event_replay", choice("no_replay"))], &[]);
    assert_eq!(es(&none).feed_retention_hours, 24);
    // A window wanted but not sized: the documented seven days.
    let unsized_window = es_plan(&[], &["replay_window_days"]);
    assert_eq!(es(&unsized_window).replay_days, Some(7));
}

#[test]
fn global_ordering_runs_one_batch_per_shard_and_per_key_ordering_runs_more() {
    let per_key = es_plan(&[], &[]);
    assert!(es(&per_key).parallelization > 1, "{:?}", es(&per_key));
    let global = es_plan(&[("ordering", choice("global"))], &[]);
    assert_eq!(es(&global).parallelization, 1);
}

#[test]
fn provisioned_capacity_is_sized_from_the_peak_event_rate_and_size() {
    let on_demand = es_plan(&[], &[]);
    assert_eq!(es(&on_demand).write_capacity, None);
    let provisioned = es_plan(
        &[("dynamodb_capacity_mode", choice("provisioned_fixed"))],
        &[],
    );
    // 400 events a second of 2 KB: 2 write units each, plus 20 %.
    assert_eq!(es(&provisioned).units_per_event, 2);
    assert_eq!(es(&provisioned).write_capacity, Some(960));
    assert!(setting(&provisioned, "event_store").contains("WriteCapacityUnits: 960"));
    let bigger = es_plan(
        &[
            ("dynamodb_capacity_mode", choice("provisioned_fixed")),
            ("peak_rps", AnswerValue::Number(1000.0)),
        ],
        &[],
    );
    assert_eq!(es(&bigger).write_capacity, Some(2_400));
    // One aggregate's partition takes 1,000 units a second: 500 events of 2 KB.
    assert_eq!(es(&provisioned).aggregate_max_eps, 500);
}

#[test]
fn costly_duplicates_retry_a_failed_change_more_and_need_no_idempotency_table() {
    let costly = es_plan(&[], &[]);
    assert_eq!(es(&costly).retry_attempts, 5);
    assert!(costly.idempotency.is_none());
    assert!(setting(&costly, "idempotency").contains("version-checked put"));
    let annoying = es_plan(&[("duplicate_sensitivity", choice("annoying"))], &[]);
    assert_eq!(es(&annoying).retry_attempts, 3);
    assert!(costly.handlers.iter().all(|h| !h.idempotent));
}

#[test]
fn snapshots_default_to_every_hundred_versions_and_say_so() {
    let p = es_plan(&[], &[]);
    assert_eq!(es(&p).snapshot_every, 100);
    let c = p.controls.iter().find(|c| c.id == "snapshots").unwrap();
    assert!(c.why.contains("No answer sizes it"), "{}", c.why);
}

#[test]
fn the_batch_size_answer_sets_the_projections_batches() {
    assert_eq!(es(&es_plan(&[], &[])).batch_size, 100);
    let p = es_plan(&[("batch_size", AnswerValue::Number(25.0))], &[]);
    assert_eq!(es(&p).batch_size, 25);
    assert!(setting(&p, "projection_order").contains("BatchSize: 25"));
}

#[test]
fn the_starter_has_an_api_a_failure_path_and_the_projections_alarms() {
    let p = es_plan(&[], &[]);
    assert!(p.api.is_some());
    assert!(p.failure.is_some());
    let alarms: Vec<&str> = p.alarms.iter().map(|a| a.id.as_str()).collect();
    for id in ["api_5xx", "projection_iterator_age", "dlq", "errors"] {
        assert!(alarms.contains(&id), "{id} in {alarms:?}");
    }
    // Every control traces to the answers it came from, except what only the pattern decides.
    for c in &p.controls {
        if c.id != "snapshots" {
            assert!(!c.from.is_empty(), "{} has no source answer", c.id);
        }
    }
}
