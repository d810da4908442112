//! The strangler fig starter's plan: each stated requirement (the legacy system's p99, the
//! latency target, the peak rate, the reserved concurrency, the migration path, how much a
//! duplicate hurts) changes the facade setting it should, and the facade's shape (the legacy
//! route apart from the migrated ones, each with its own throttle and alarms) holds.

use questionnaires::model::ChoiceId;
use questionnaires::scaffold::{Choice, Iac, Pattern, Plan, Runtime, default_pattern, plan};
use questionnaires::{
    Answer, AnswerValue, AnswersFile, Format, builtin, evaluate, parse_answers_file,
};

const CASE: &str = "16_monolith_strangler";

fn scenario(name: &str) -> AnswersFile {
    let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the case exists");
    parse_answers_file(&text, Format::Toml, builtin()).expect("the case parses")
}

/// Case 16 with some answers replaced.
fn with(changes: &[(&str, AnswerValue)]) -> AnswersFile {
    let mut a = scenario(CASE);
    for (q, v) in changes {
        a.answers.insert(
            questionnaires::model::QuestionId::parse(q).expect("a question id"),
            Answer::new(v.clone()),
        );
    }
    a
}

/// Case 16 without some answers.
fn without(questions: &[&str]) -> AnswersFile {
    let mut a = scenario(CASE);
    for q in questions {
        a.answers
            .remove(&questionnaires::model::QuestionId::parse(q).expect("a question id"));
    }
    a
}

fn one(choice: &str) -> AnswerValue {
    AnswerValue::Choices(vec![ChoiceId::parse(choice).expect("a choice id")])
}

fn strangler_plan(a: &AnswersFile) -> Plan {
    let q = builtin();
    let e = evaluate(q, &a.answers);
    let choice = Choice {
        pattern: Some(Pattern::StranglerFig),
        runtime: Runtime::Typescript,
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
fn case_16_takes_the_strangler_fig_starter_by_default() {
    let a = scenario(CASE);
    let e = evaluate(builtin(), &a.answers);
    assert_eq!(default_pattern(&e), Some(Pattern::StranglerFig));
    assert_eq!(Pattern::parse("strangler_fig"), Some(Pattern::StranglerFig));
}

#[test]
fn the_legacy_timeout_follows_the_p99_within_the_30_second_integration_limit() {
    // Case 16: the monolith answers in 1.8 s at p99; the facade waits three times that.
    let p = strangler_plan(&scenario(CASE));
    let s = p.strangler.as_ref().expect("facade settings");
    assert_eq!(s.legacy_timeout_ms, 5_400);
    assert!(
        control(&p, "legacy_route")
            .setting
            .contains("TimeoutInMillis: 5400")
    );
    assert!(from(&p, "legacy_route").contains(&"p99_duration_ms".to_owned()));
    // The legacy latency alarm fires at 80 % of it, before callers see 504s.
    assert_eq!(s.legacy_latency_alarm_ms, 4_320);

    // A slower legacy system is capped at HTTP API's 30 s, which cannot be raised.
    let slow = strangler_plan(&with(&[("p99_duration_ms", AnswerValue::Number(20_000.0))]));
    assert_eq!(slow.strangler.unwrap().legacy_timeout_ms, 30_000);

    // Without a p99, the latency target (1.2 s) sets it.
    let p = strangler_plan(&without(&["p99_duration_ms"]));
    assert_eq!(p.strangler.as_ref().unwrap().legacy_timeout_ms, 3_600);
    assert!(from(&p, "legacy_route").contains(&"latency_target_ms".to_owned()));
}

#[test]
fn each_route_has_its_own_throttle_from_the_peak_and_the_reserved_concurrency() {
    // Case 16: 400 rps at peak; 150 reserved executions at 180 ms serve 834 a second.
    let p = strangler_plan(&scenario(CASE));
    let s = p.strangler.as_ref().unwrap();
    assert_eq!(
        (s.legacy_throttle_rate, s.legacy_throttle_burst),
        (400, 400)
    );
    let r = &s.routes[0];
    assert_eq!(r.route_key(), "GET /items/{id}");
    assert_eq!((r.throttle_rate, r.throttle_burst), (600, 834));
    let c = control(&p, "api_throttling");
    assert!(
        c.setting.contains("$default (legacy): 400 / 400"),
        "{}",
        c.setting
    );
    assert!(
        c.setting.contains("GET /items/{id}: 600 / 834"),
        "{}",
        c.setting
    );
    for q in ["peak_rps", "reserved_concurrency"] {
        assert!(from(&p, "api_throttling").contains(&q.to_owned()), "{q}");
    }

    // A higher peak raises the legacy route; the migrated route stays within what its
    // reserved concurrency can serve.
    let p = strangler_plan(&with(&[("peak_rps", AnswerValue::Number(1_000.0))]));
    let s = p.strangler.unwrap();
    assert_eq!(s.legacy_throttle_rate, 1_000);
    assert_eq!(
        (s.routes[0].throttle_rate, s.routes[0].throttle_burst),
        (834, 834)
    );
}

#[test]
fn the_migrated_route_reads_so_no_idempotency_table_and_no_queue() {
    let p = strangler_plan(&scenario(CASE));
    assert!(p.idempotency.is_none());
    assert!(p.failure.is_none());
    assert!(p.handlers.iter().all(|h| !h.idempotent));
    assert_eq!(p.handlers.len(), 1);
    assert_eq!(
        p.handlers[0].name,
        p.strangler.as_ref().unwrap().routes[0].handler
    );
    // Case 16 says duplicates are costly: the control says why none is needed yet.
    let c = control(&p, "idempotency");
    assert!(c.why.contains("Idempotency-Key"), "{}", c.why);
    assert!(from(&p, "idempotency").contains(&"duplicate_sensitivity".to_owned()));
    // The function waits at most the API's timeout; the route a second longer than it.
    assert_eq!(p.function.timeout_s, 6);
    assert_eq!(p.strangler.unwrap().function_timeout_ms, 7_000);
}

#[test]
fn the_legacy_path_alarms_apart_from_the_new_functions() {
    let p = strangler_plan(&scenario(CASE));
    let ids: Vec<&str> = p.alarms.iter().map(|a| a.id.as_str()).collect();
    for id in ["errors", "legacy_5xx", "migrated_5xx", "legacy_latency"] {
        assert!(ids.contains(&id), "{id}");
    }
    // The API-wide count would mix the two sides.
    assert!(!ids.contains(&"api_5xx"));
    assert!(from(&p, "legacy_alarms").contains(&"external_dependencies".to_owned()));
}

#[test]
fn the_migration_path_and_the_rollback_plan_explain_the_routes() {
    let p = strangler_plan(&scenario(CASE));
    let c = control(&p, "migrated_routes");
    assert!(c.setting.contains("GetItemTarget"), "{}", c.setting);
    assert!(c.why.starts_with("As the review plans"), "{}", c.why);
    assert!(from(&p, "migrated_routes").contains(&"rollback_plan".to_owned()));
    let big_bang = strangler_plan(&with(&[("migration_path", one("big_bang"))]));
    assert!(
        control(&big_bang, "migrated_routes")
            .why
            .contains("one cut-over")
    );
}

#[test]
fn the_facade_authorizes_as_the_review_does() {
    use questionnaires::scaffold::Auth;
    let p = strangler_plan(&scenario(CASE));
    assert_eq!(p.api.as_ref().unwrap().auth, Auth::Jwt);
    let machines = strangler_plan(&with(&[("client_types", one("machine_only"))]));
    assert_eq!(machines.api.unwrap().auth, Auth::Iam);
}
