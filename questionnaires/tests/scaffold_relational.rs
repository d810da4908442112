//! The relational API starter's plan on case 22 (an Aurora reporting API behind RDS Proxy): each
//! requirement the answers state (a concurrency cap, a p99, point-in-time recovery, who calls)
//! changes its setting, and the connection budget always holds the functions' cap.

use questionnaires::model::{ChoiceId, QuestionId};
use questionnaires::scaffold::{Auth, Choice, Iac, Pattern, Plan, Runtime, plan};
use questionnaires::{Answer, AnswerValue, builtin, evaluate, parse_answers_file};

const CASE: &str = include_str!("cases/22_aurora_serverless_reporting_api.toml");

/// Case 22's relational starter, with some answers replaced; `pattern` none: the default.
fn relational(changes: &[(&str, AnswerValue)], pattern: Option<Pattern>) -> Plan {
    let q = builtin();
    let mut a = parse_answers_file(CASE, questionnaires::Format::Toml, q).expect("case 22");
    for (id, v) in changes {
        a.answers.insert(
            QuestionId::parse(id).expect("a question"),
            Answer::new(v.clone()),
        );
    }
    let e = evaluate(q, &a.answers);
    let choice = Choice {
        pattern,
        runtime: Runtime::Python,
        iac: Iac::Sam,
    };
    plan(q, &a.workload, &a.answers, &e, choice).expect("a plan")
}

fn of(changes: &[(&str, AnswerValue)]) -> Plan {
    relational(changes, Some(Pattern::Relational))
}

fn choices(ids: &[&str]) -> AnswerValue {
    AnswerValue::Choices(
        ids.iter()
            .map(|c| ChoiceId::parse(c).expect("a valid choice id"))
            .collect(),
    )
}

fn setting<'a>(p: &'a Plan, id: &str) -> &'a str {
    &p.controls
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no control {id}"))
        .setting
}

#[test]
fn case_22_defaults_to_the_relational_starter() {
    let p = relational(&[], None);
    assert_eq!(p.pattern, Pattern::Relational);
    let db = p.relational.as_ref().expect("database settings");
    assert_eq!(db.max_acu, 4);
    assert!(p.api.is_some(), "an HTTP API in front");
    assert!(
        p.failure.is_none(),
        "synchronous: the caller gets the error"
    );
}

#[test]
fn the_functions_cap_follows_the_review_and_never_exceeds_the_proxy_pool() {
    // Case 22 caps the functions at 150: 4 ACU's pool (720 of 901 connections) holds it.
    let p = of(&[]);
    let db = p.relational.as_ref().unwrap();
    assert_eq!(db.reserved_concurrency, 150);
    assert_eq!(p.function.reserved_concurrency, Some(150));
    assert_eq!(db.pool_connections, 720);
    assert!(setting(&p, "connection_budget").contains("ReservedConcurrency: 150"));
    assert!(
        !p.controls.iter().any(|c| c.id == "reserved_concurrency"),
        "the connection budget replaces the generic control"
    );

    // A larger cap grows the database's ceiling until its pool holds every environment.
    let p = of(&[("reserved_concurrency", AnswerValue::Number(2000.0))]);
    let db = p.relational.as_ref().unwrap();
    assert_eq!(db.max_acu, 16);
    assert_eq!(db.reserved_concurrency, 2000);
    assert!(db.pool_connections >= 2000);

    // Beyond the largest ceiling the cap is cut to the pool.
    let p = of(&[("reserved_concurrency", AnswerValue::Number(9000.0))]);
    let db = p.relational.as_ref().unwrap();
    assert_eq!(db.max_acu, 64);
    assert!(db.capped);
    assert_eq!(db.reserved_concurrency, db.pool_connections);

    // No cap answered: the concurrency check's peak plus a fifth (150 rps × 180 ms = 27 → 33).
    let p = of(&[("reserved_concurrency", AnswerValue::Number(0.0))]);
    assert_eq!(p.relational.as_ref().unwrap().reserved_concurrency, 33);
}

#[test]
fn a_statement_is_cancelled_before_the_function_times_out() {
    let p = of(&[]);
    let db = p.relational.as_ref().unwrap();
    // p99 900 ms: a 3 s function, a 2 s statement timeout.
    assert_eq!(p.function.timeout_s, 3);
    assert_eq!(db.statement_timeout_ms, 2000);
    let p = of(&[("p99_duration_ms", AnswerValue::Number(6000.0))]);
    let db = p.relational.as_ref().unwrap();
    assert_eq!(p.function.timeout_s, 18);
    assert_eq!(db.statement_timeout_ms, 12_000);
    assert!(db.statement_timeout_ms < p.function.timeout_s * 1000);
    assert!(setting(&p, "db_timeouts").contains("statement_timeout: 12000 ms"));
}

#[test]
fn backups_follow_the_recovery_answer() {
    let p = of(&[]);
    assert_eq!(p.relational.as_ref().unwrap().backup_retention_days, 35);
    let p = of(&[("backups", choices(&["restore_tested"]))]);
    assert_eq!(p.relational.as_ref().unwrap().backup_retention_days, 7);
    assert!(setting(&p, "backups").contains("DeletionProtection: true"));
}

#[test]
fn duplicates_are_refused_by_the_database_not_an_idempotency_table() {
    let p = of(&[]);
    assert!(p.idempotency.is_none());
    assert!(p.handlers.iter().all(|h| !h.idempotent));
    assert!(setting(&p, "idempotency").contains("UNIQUE (caller, idempotency_key)"));
}

#[test]
fn machine_callers_sign_with_iam_and_people_s_apps_send_tokens() {
    assert_eq!(of(&[]).api.unwrap().auth, Auth::Jwt);
    let p = of(&[("client_types", choices(&["machine_only"]))]);
    assert_eq!(p.api.unwrap().auth, Auth::Iam);
}

#[test]
fn the_database_alarms_watch_capacity_and_the_pool() {
    let p = of(&[]);
    for id in ["api_5xx", "db_capacity", "proxy_connections", "errors"] {
        assert!(p.alarms.iter().any(|a| a.id == id), "{id}");
    }
}
