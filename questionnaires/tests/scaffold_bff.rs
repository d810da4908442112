//! The backend-for-frontend starter's plan on case 10 (a clinic back end used from web, mobile
//! and partner systems): the client kinds come from the workload (web and mobile when it names
//! none, said so), the p99 sets each downstream call's timeout inside the function's and HTTP
//! API's, the peak sets each client's throttle and the backends' reservation, the body size the
//! largest response; and nothing is idempotent or queued, since the backends only read.

#[path = "support/case_plan.rs"]
mod case_plan;

use case_plan::{case_plan, control, one, origins};
use questionnaires::model::QuestionId;
use questionnaires::scaffold::{Auth, Choice, Iac, Pattern, Plan, Runtime, plan};
use questionnaires::{AnswerValue, AnswersFile, builtin, evaluate, parse_answers_file};

const CASE: &str = include_str!("cases/10_aurora_many_functions.toml");

fn case_10() -> AnswersFile {
    parse_answers_file(CASE, questionnaires::Format::Toml, builtin()).expect("case 10")
}

/// The BFF plan for answers.
fn bff_of(a: &AnswersFile) -> Plan {
    let q = builtin();
    let choice = Choice {
        pattern: Some(Pattern::Bff),
        runtime: Runtime::Python,
        iac: Iac::Sam,
    };
    plan(q, &a.workload, &a.answers, &evaluate(q, &a.answers), choice).expect("a plan")
}

/// Case 10's BFF plan (TypeScript) with some answers replaced (a `None` value removes the answer).
fn with(changes: &[(&str, Option<AnswerValue>)]) -> Plan {
    let replaced: Vec<(&str, AnswerValue)> = changes
        .iter()
        .filter_map(|(id, v)| v.clone().map(|v| (*id, v)))
        .collect();
    let removed: Vec<&str> = changes
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(id, _)| *id)
        .collect();
    case_plan(
        "10_aurora_many_functions",
        Pattern::Bff,
        &replaced,
        &removed,
    )
}

fn n(x: f64) -> Option<AnswerValue> {
    Some(AnswerValue::Number(x))
}

fn choice(id: &str) -> Option<AnswerValue> {
    Some(one(id))
}

#[test]
fn bff_is_a_starter_and_case_10_ranks_it_in_its_top_three() {
    assert_eq!(Pattern::parse("bff"), Some(Pattern::Bff));
    let a = case_10();
    let e = evaluate(builtin(), &a.answers);
    let rank = e
        .recommendations
        .iter()
        .find(|r| r.pattern.as_str() == "bff")
        .map(|r| r.rank);
    assert!(rank.is_some_and(|r| r <= 3), "{rank:?}");
    assert!(Pattern::Bff.synchronous() && Pattern::Bff.has_api());
}

#[test]
fn the_clients_the_workload_names_each_get_a_backend_with_their_own_audience() {
    let p = bff_of(&case_10());
    let b = p.bff.as_ref().expect("backends");
    let names: Vec<&str> = b.clients.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["web", "mobile", "partner"]);
    assert!(!b.default_clients);
    let handlers: Vec<&str> = p.handlers.iter().map(|h| h.logical_id.as_str()).collect();
    assert_eq!(
        handlers,
        ["WebFunction", "MobileFunction", "PartnerFunction"]
    );
    // Each JWT client has its own audience; partners sign with IAM.
    assert_eq!(b.clients[0].audience_parameter, "JwtAudience");
    assert_eq!(b.clients[1].audience_parameter, "MobileJwtAudience");
    assert_eq!(b.clients[2].auth, Auth::Iam);
    assert!(b.clients[1].compact && !b.clients[0].compact);
    assert!(
        control(&p, "api_auth")
            .setting
            .contains("MobileJwtAudience")
    );
    assert!(control(&p, "bff_clients").why.contains("names its clients"));
}

#[test]
fn a_workload_that_names_no_client_gets_web_and_mobile_and_is_told_so() {
    let mut a = case_10();
    a.workload.description = "Appointment search and booking for 300 clinics.".to_owned();
    a.answers
        .remove(&QuestionId::parse("workload_boundary").expect("a question"));
    let p = bff_of(&a);
    let b = p.bff.as_ref().expect("backends");
    let names: Vec<&str> = b.clients.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["web", "mobile"]);
    assert!(b.default_clients);
    assert!(control(&p, "bff_clients").why.contains("do not name"));

    // Machines only: one partner backend behind IAM.
    let machines = with(&[("client_types", choice("machine_only"))]);
    let b = machines.bff.expect("backends");
    assert_eq!(b.clients.len(), 1);
    assert_eq!(
        (b.clients[0].name.as_str(), b.clients[0].auth),
        ("partner", Auth::Iam)
    );
}

#[test]
fn the_p99_sets_each_call_timeout_inside_the_function_and_the_api() {
    // Case 10: p99 1.2 s → a 4 s function; each call gets 2.4 s, the route waits 5 s.
    let p = bff_of(&case_10());
    let b = p.bff.as_ref().unwrap();
    assert_eq!(p.function.timeout_s, 4);
    assert_eq!(b.call_timeout_ms, 2_400);
    assert_eq!(b.integration_timeout_ms, 5_000);
    assert!(control(&p, "downstream_calls").setting.contains("2400 ms"));
    assert!(origins(&p, "downstream_calls").contains(&"p99_duration_ms".to_owned()));

    // A slower p99 lengthens both, always a second inside the function's timeout.
    let slow = with(&[("p99_duration_ms", n(2_000.0))]);
    assert_eq!(slow.function.timeout_s, 6);
    assert_eq!(slow.bff.as_ref().unwrap().call_timeout_ms, 4_000);
    let slower = with(&[("p99_duration_ms", n(9_000.0))]);
    let b = slower.bff.unwrap();
    assert_eq!(slower.function.timeout_s, 27);
    assert_eq!(b.call_timeout_ms, 18_000);
    assert!(b.integration_timeout_ms <= 30_000);

    // No p99: the latency target, a second inside a 3 s function.
    let p = with(&[("p99_duration_ms", None)]);
    assert_eq!(p.bff.as_ref().unwrap().call_timeout_ms, 1_000);
    assert!(origins(&p, "downstream_calls")[0] == "latency_target_ms");
}

#[test]
fn the_peak_sets_each_clients_throttle_within_the_account_rate() {
    // Case 10: 600 rps at peak → 900 / 1,800 on each client's API.
    let p = bff_of(&case_10());
    for c in &p.bff.as_ref().unwrap().clients {
        assert_eq!(
            (c.throttle_rate, c.throttle_burst),
            (900, 1_800),
            "{}",
            c.name
        );
    }
    assert!(
        control(&p, "api_throttling")
            .setting
            .contains("mobile: 900 / 1800")
    );
    // 5,000 rps: three APIs at 7,500 each would pass the account's 10,000, so each takes a third.
    let p = with(&[("peak_rps", n(5_000.0))]);
    let c = &p.bff.as_ref().unwrap().clients[0];
    assert_eq!((c.throttle_rate, c.throttle_burst), (3_333, 6_666));
    assert!(control(&p, "api_throttling").why.contains("account"));
}

#[test]
fn the_throttle_and_the_duration_size_each_backends_reservation() {
    // 900 rps at 150 ms is 135 busy at once, plus 20 %.
    let p = bff_of(&case_10());
    assert_eq!(p.function.reserved_concurrency, Some(162));
    assert!(control(&p, "reserved_concurrency").setting.contains("162"));
    assert!(origins(&p, "reserved_concurrency").contains(&"peak_rps".to_owned()));
    let quieter = with(&[("peak_rps", n(100.0))]);
    assert_eq!(quieter.function.reserved_concurrency, Some(27));
    // A reservation the review chose wins.
    let chosen = with(&[("reserved_concurrency", n(50.0))]);
    assert_eq!(chosen.function.reserved_concurrency, Some(50));
    assert_eq!(
        p.controls
            .iter()
            .filter(|c| c.id == "reserved_concurrency")
            .count(),
        1
    );
}

#[test]
fn the_body_size_caps_the_response_within_lambdas_limit() {
    // Case 10: 40 KB bodies → 80 KB at most.
    let p = bff_of(&case_10());
    assert_eq!(p.bff.as_ref().unwrap().max_response_bytes, 80 * 1024);
    let big = with(&[("sync_payload_kb", n(5_000.0))]);
    assert_eq!(big.bff.as_ref().unwrap().max_response_bytes, 6_144 * 1024);
    let none = with(&[("sync_payload_kb", None)]);
    assert_eq!(none.bff.as_ref().unwrap().max_response_bytes, 6_144 * 1024);
    assert!(origins(&p, "response_size").contains(&"sync_payload_kb".to_owned()));
}

#[test]
fn the_backends_only_read_so_nothing_is_idempotent_or_queued() {
    let p = bff_of(&case_10());
    assert!(p.idempotency.is_none());
    assert!(p.failure.is_none());
    assert!(p.handlers.iter().all(|h| !h.idempotent));
    let ids: Vec<&str> = p.alarms.iter().map(|a| a.id.as_str()).collect();
    for id in ["errors", "client_5xx", "partial_responses"] {
        assert!(ids.contains(&id), "{id}");
    }
    assert!(!ids.contains(&"api_5xx"));
    assert!(control(&p, "idempotency").setting.starts_with("None"));
}
