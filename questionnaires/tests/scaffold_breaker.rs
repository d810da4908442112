//! The circuit breaker starter's plan: each stated requirement (the dependency's p99, the callers'
//! latency target, the average rate, who calls, how costly a duplicate is) changes the setting it
//! should, and missing answers give the documented defaults.

#[path = "support/case_plan.rs"]
mod case_plan;

use case_plan::{case_plan, control, one, origins};
use questionnaires::AnswerValue;
use questionnaires::scaffold::{Caller, Pattern, Plan};

const PAYMENTS: &str = "09_payment_capture_no_idempotency";
const WEBHOOKS: &str = "14_shop_webhooks";

fn breaker(name: &str, changes: &[(&str, AnswerValue)], removed: &[&str]) -> Plan {
    case_plan(name, Pattern::CircuitBreaker, changes, removed)
}

#[test]
fn the_catalogue_scaffolds_the_circuit_breaker() {
    assert_eq!(
        Pattern::parse("circuit_breaker"),
        Some(Pattern::CircuitBreaker)
    );
    assert!(Pattern::ALL.contains(&Pattern::CircuitBreaker));
    let q = questionnaires::builtin();
    assert!(q.pattern("circuit_breaker").is_some_and(|p| p.scaffold));
}

#[test]
fn the_call_timeout_follows_the_p99_within_the_callers_target_and_half_the_function_timeout() {
    // Case 09: p99 2.2 s, callers wait 3 s: 1.5 × 2.2 s would pass the target, so 3 s.
    let p = breaker(PAYMENTS, &[], &[]);
    let b = p.breaker.as_ref().expect("breaker settings");
    assert_eq!(b.call_timeout_ms, 3_000);
    assert!(
        control(&p, "call_timeout")
            .setting
            .contains("CALL_TIMEOUT_MS: 3000")
    );
    for q in ["p99_duration_ms", "latency_target_ms", "timeouts"] {
        assert!(origins(&p, "call_timeout").contains(&q.to_owned()), "{q}");
    }
    // A looser target: half as much again as the p99.
    let p = breaker(
        PAYMENTS,
        &[("latency_target_ms", AnswerValue::Number(10_000.0))],
        &[],
    );
    assert_eq!(p.breaker.unwrap().call_timeout_ms, 3_300);
    // A faster dependency: shorter calls.
    let p = breaker(
        PAYMENTS,
        &[("p99_duration_ms", AnswerValue::Number(400.0))],
        &[],
    );
    assert_eq!(p.breaker.unwrap().call_timeout_ms, 600);
    // Never more than half the function's timeout.
    let p = breaker(
        PAYMENTS,
        &[("p99_duration_ms", AnswerValue::Number(20_000.0))],
        &["latency_target_ms"],
    );
    let b = p.breaker.as_ref().unwrap();
    assert_eq!(b.call_timeout_ms, p.function.timeout_s * 500);
    assert!(control(&p, "call_timeout").why.contains("Held to half"));
}

#[test]
fn without_durations_the_call_timeout_is_the_stated_default() {
    let p = breaker(
        PAYMENTS,
        &[],
        &["p99_duration_ms", "avg_duration_ms", "latency_target_ms"],
    );
    assert_eq!(p.breaker.as_ref().unwrap().call_timeout_ms, 2_000);
    assert!(
        control(&p, "call_timeout")
            .why
            .starts_with("No duration given")
    );
    // Four times the 900 ms average, held to half the 5 s timeout the average gives.
    let p = breaker(PAYMENTS, &[], &["p99_duration_ms", "latency_target_ms"]);
    assert_eq!(p.breaker.as_ref().unwrap().call_timeout_ms, 2_500);
    let why = &control(&p, "call_timeout").why;
    assert!(
        why.contains("four times the average") && why.contains("Held to half"),
        "{why}"
    );
}

#[test]
fn the_threshold_follows_the_average_rate_and_defaults_to_five() {
    // Case 09: 4 requests a second on average; a tenth of a minute's calls is 24.
    let p = breaker(PAYMENTS, &[], &[]);
    let b = p.breaker.as_ref().unwrap();
    assert_eq!((b.failure_threshold, b.failure_window_s), (24, 60));
    assert!(origins(&p, "breaker_threshold").contains(&"avg_rps".to_owned()));
    let busy = breaker(PAYMENTS, &[("avg_rps", AnswerValue::Number(35.0))], &[]);
    assert_eq!(busy.breaker.unwrap().failure_threshold, 210);
    let quiet = breaker(PAYMENTS, &[("avg_rps", AnswerValue::Number(0.2))], &[]);
    assert_eq!(quiet.breaker.unwrap().failure_threshold, 5);
    let unknown = breaker(PAYMENTS, &[], &["avg_rps"]);
    assert_eq!(unknown.breaker.as_ref().unwrap().failure_threshold, 5);
    assert!(
        control(&unknown, "breaker_threshold")
            .why
            .starts_with("No average rate given")
    );
}

#[test]
fn the_open_time_and_the_trial_lease_are_stated_defaults() {
    let p = breaker(PAYMENTS, &[], &[]);
    let b = p.breaker.as_ref().unwrap();
    assert_eq!(b.open_s, 30);
    assert_eq!(b.trial_lease_s, 5, "the 3 s call and 2 s");
    assert!(
        control(&p, "breaker_open")
            .why
            .contains("starter's default")
    );
    assert!(
        control(&p, "breaker_state")
            .setting
            .contains("conditional writes")
    );
}

#[test]
fn an_api_caller_gets_503_with_retry_after_and_no_queue() {
    let p = breaker(PAYMENTS, &[], &[]);
    assert_eq!(p.breaker.as_ref().unwrap().caller, Caller::Api);
    assert!(p.api.is_some() && p.queue.is_none() && p.failure.is_none());
    assert!(
        control(&p, "breaker_fallback")
            .setting
            .contains("503 with Retry-After")
    );
    assert!(
        p.function.timeout_s <= 29,
        "within the API's integration timeout"
    );
    let ids: Vec<&str> = p.alarms.iter().map(|a| a.id.as_str()).collect();
    assert!(ids.contains(&"breaker_opened") && ids.contains(&"api_5xx"));
}

#[test]
fn a_queue_caller_leaves_messages_on_the_queue_and_rides_out_an_hour() {
    // Case 14: webhooks from the providers, processed from a queue.
    let p = breaker(WEBHOOKS, &[], &[]);
    let b = p.breaker.as_ref().unwrap();
    assert_eq!(b.caller, Caller::Queue);
    let q = p.queue.as_ref().expect("a queue");
    let f = p.failure.as_ref().expect("a dead-letter path");
    assert_eq!(b.ride_out_s, 3_600);
    assert_eq!(
        b.max_receive_count,
        f.max_receive_count + 3_600_u32.div_ceil(q.visibility_timeout_s)
    );
    assert!(
        control(&p, "failure_path")
            .setting
            .contains(&format!("after {} receives", b.max_receive_count))
    );
    assert!(
        control(&p, "breaker_fallback")
            .setting
            .contains("stay on the queue")
    );
    // Each batch's calls fit the function's timeout.
    assert!(b.batch_size * b.call_timeout_ms <= p.function.timeout_s * 800);
    let ids: Vec<&str> = p.alarms.iter().map(|a| a.id.as_str()).collect();
    assert!(ids.contains(&"dlq") && ids.contains(&"breaker_opened") && !ids.contains(&"api_5xx"));
    // The callers' latency target does not bound a queue's calls.
    assert!(!origins(&p, "call_timeout").is_empty());
    // An HTTP API in the entry points makes the caller an API.
    let api = breaker(WEBHOOKS, &[("entry_point", one("http_api"))], &[]);
    assert_eq!(api.breaker.unwrap().caller, Caller::Api);
}

#[test]
fn costly_duplicates_keep_the_idempotency_table_and_the_dependency_gets_the_key() {
    let p = breaker(PAYMENTS, &[], &[]);
    assert_eq!(p.idempotency.as_ref().map(|i| i.ttl_s), Some(86_400));
    assert!(p.handlers.iter().all(|h| h.idempotent));
    assert!(
        control(&p, "idempotency")
            .why
            .contains("Idempotency-Key header")
    );
    let harmless = breaker(PAYMENTS, &[("duplicate_sensitivity", one("harmless"))], &[]);
    assert!(harmless.idempotency.is_none());
    assert!(
        !control(&harmless, "idempotency")
            .why
            .contains("Idempotency-Key header")
    );
}
