//! The real-time broadcast starter's plan on cases 23 (chat rooms) and 07 (live quotes): each
//! stated requirement (connections and the peak-to-average rate, the peak message rate, the
//! reserved concurrency, ordering, the message size, the connection rate, the session length,
//! how the callers authenticate) changes the setting it should, and a missing answer gives the
//! documented default, saying so.

#[path = "support/case_plan.rs"]
mod case_plan;

use case_plan::{case_plan, control, one, origins};
use questionnaires::scaffold::{Pattern, Plan, Realtime, default_pattern};
use questionnaires::{AnswerValue, builtin, evaluate, parse_answers_file};

const CHAT: &str = "23_chat_websocket_broadcast";
const QUOTES: &str = "07_live_quotes_websocket";

fn chat(changes: &[(&str, AnswerValue)], removed: &[&str]) -> Plan {
    case_plan(CHAT, Pattern::RealtimeBroadcast, changes, removed)
}

fn quotes(changes: &[(&str, AnswerValue)], removed: &[&str]) -> Plan {
    case_plan(QUOTES, Pattern::RealtimeBroadcast, changes, removed)
}

fn rt(p: &Plan) -> &Realtime {
    p.realtime.as_ref().expect("real-time settings")
}

#[test]
fn case_23_takes_the_realtime_broadcast_starter_by_default() {
    let text = include_str!("cases/23_chat_websocket_broadcast.toml");
    let a = parse_answers_file(text, questionnaires::Format::Toml, builtin()).unwrap();
    let e = evaluate(builtin(), &a.answers);
    assert_eq!(default_pattern(&e), Some(Pattern::RealtimeBroadcast));
    assert_eq!(
        Pattern::parse("realtime_broadcast"),
        Some(Pattern::RealtimeBroadcast)
    );
}

#[test]
fn the_audience_sets_the_shards_so_no_invocation_posts_to_more_than_500() {
    // Case 07: 60 connections on average, 900 messages a second at peak against 250 on average.
    let p = quotes(&[], &[]);
    assert_eq!((rt(&p).audience, rt(&p).shards), (216, 1));
    assert!(
        control(&p, "broadcast_fanout")
            .setting
            .contains("SHARDS: 1")
    );
    assert!(origins(&p, "broadcast_fanout").contains(&"websocket_connections".to_owned()));

    // A large audience is split: 5,000 on average × 3.6 = 18,000 at peak, 36 shards of 500.
    let big = quotes(
        &[("websocket_connections", AnswerValue::Number(5_000.0))],
        &[],
    );
    assert_eq!((rt(&big).audience, rt(&big).shards), (18_000, 36));
    // Without a peak rate the average stands for the audience.
    let flat = quotes(&[], &["peak_rps"]);
    assert_eq!(rt(&flat).audience, 60);

    // Case 23 gives no connection count: 1,000, and the README says to set it.
    let p = chat(&[], &[]);
    assert_eq!((rt(&p).audience, rt(&p).shards), (1_000, 2));
    assert!(
        control(&p, "broadcast_fanout")
            .why
            .contains("No connection count given")
    );
    // The broadcaster's timeout covers 20 rounds of 25 posts, at least 10 s.
    assert_eq!(rt(&p).broadcast_timeout_s, 10);
}

#[test]
fn the_peak_and_the_reserved_concurrency_bound_the_broadcasters() {
    // 400 messages a second × 2 shards × 2 s of posts = 1,600, held to the 100 reserved.
    let p = chat(&[], &[]);
    let q = p.queue.as_ref().unwrap();
    assert_eq!(q.max_concurrency, 100);
    assert_eq!(q.visibility_timeout_s, 6 * rt(&p).broadcast_timeout_s);
    assert!(
        control(&p, "queue_concurrency")
            .why
            .contains("reserves 100")
    );
    let more = chat(
        &[("reserved_concurrency", AnswerValue::Number(2_000.0))],
        &[],
    );
    assert_eq!(more.queue.unwrap().max_concurrency, 1_000);
    let quiet = chat(&[("peak_rps", AnswerValue::Number(0.5))], &[]);
    assert_eq!(quiet.queue.unwrap().max_concurrency, 2);
    // One control, the broadcaster's, and not the generic queue's.
    assert_eq!(
        p.controls
            .iter()
            .filter(|c| c.id == "queue_concurrency")
            .count(),
        1
    );
}

#[test]
fn per_key_ordering_makes_the_broadcast_queue_fifo() {
    let p = chat(&[], &[]);
    assert!(rt(&p).ordered);
    assert!(control(&p, "message_order").setting.starts_with("FIFO"));
    let any = chat(&[("ordering", one("none_needed"))], &[]);
    assert!(!rt(&any).ordered);
    assert!(
        control(&any, "message_order")
            .setting
            .starts_with("Standard")
    );
}

#[test]
fn the_message_size_is_held_to_the_128_kb_limit_in_32_kb_frames() {
    // Case 07: 2 KB ticks; twice that fits one 32 KB frame.
    let p = quotes(&[], &[]);
    assert_eq!(rt(&p).max_message_bytes, 32 * 1024);
    assert_eq!(rt(&p).message_units, 1);
    let larger = quotes(&[("websocket_message_kb", AnswerValue::Number(40.0))], &[]);
    assert_eq!(rt(&larger).max_message_bytes, 96 * 1024);
    assert_eq!(rt(&larger).message_units, 2);
    let too_big = quotes(&[("websocket_message_kb", AnswerValue::Number(200.0))], &[]);
    assert_eq!(rt(&too_big).max_message_bytes, 128 * 1024);
    assert!(control(&too_big, "message_size").why.contains("S3"));
    let unknown = quotes(&[], &["websocket_message_kb"]);
    assert_eq!(rt(&unknown).max_message_bytes, 32 * 1024);
    assert!(
        control(&unknown, "message_size")
            .why
            .contains("No message size given")
    );
}

#[test]
fn the_connect_route_is_throttled_within_the_accounts_500_a_second() {
    // Case 07: 10 connections a second at the open, twice that let through.
    let p = quotes(&[], &[]);
    assert_eq!(rt(&p).connect_rate, 20);
    assert!(origins(&p, "websocket_throttling").contains(&"ws_connects_per_s".to_owned()));
    let storm = quotes(&[("ws_connects_per_s", AnswerValue::Number(400.0))], &[]);
    assert_eq!(rt(&storm).connect_rate, 500);
    assert!(
        control(&storm, "websocket_throttling")
            .why
            .contains("higher quota")
    );
    let unknown = chat(&[], &[]);
    assert_eq!(rt(&unknown).connect_rate, 500);
    // Client messages take 1.5 times the peak.
    assert_eq!(
        (rt(&unknown).message_rate, rt(&unknown).message_burst),
        (600, 1_200)
    );
}

#[test]
fn connections_outlive_the_two_hour_limit_and_ping_within_the_idle_timeout() {
    let p = quotes(&[], &[]);
    assert_eq!(rt(&p).connection_ttl_s, 2 * 3_600 + 900);
    assert!(rt(&p).heartbeat_s < 600);
    // Case 07's traders stay 390 minutes: cut off three times a session.
    assert!(
        control(&p, "connection_lifetime")
            .why
            .contains("at least 3 time(s)")
    );
    let short = quotes(&[("ws_session_min", AnswerValue::Number(30.0))], &[]);
    assert!(
        control(&short, "connection_lifetime")
            .why
            .contains("fit within it")
    );
}

#[test]
fn missed_messages_are_kept_for_a_session() {
    assert_eq!(rt(&quotes(&[], &[])).replay_window_s, 390 * 60);
    let p = chat(&[], &[]);
    assert_eq!(rt(&p).replay_window_s, 7_200);
    assert!(
        control(&p, "missed_messages")
            .why
            .contains("No session length given")
    );
    assert!(
        control(&p, "missed_messages")
            .setting
            .contains("since=<last cursor>")
    );
}

#[test]
fn duplicates_are_handled_by_cursors_not_an_idempotency_table() {
    let p = chat(&[], &[]);
    assert!(p.idempotency.is_none());
    assert!(p.handlers.iter().all(|h| !h.idempotent));
    assert_eq!(
        p.handlers
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["connections", "broadcast"]
    );
    assert!(control(&p, "idempotency").why.contains("cursor"));
    // The broadcaster's failures land in a dead-letter queue.
    assert!(p.failure.is_some());
    let ids: Vec<&str> = p.alarms.iter().map(|a| a.id.as_str()).collect();
    for id in ["errors", "dlq", "queue_age", "websocket_errors"] {
        assert!(ids.contains(&id), "{id}");
    }
}

#[test]
fn connect_is_authorized_with_iam_and_the_review_s_authorizer_is_answered() {
    let p = chat(&[], &[]);
    assert!(p.api.is_none());
    let c = control(&p, "websocket_auth");
    assert!(c.setting.contains("AWS_IAM"));
    assert!(c.why.contains("Lambda authorizer"), "{}", c.why);
    let jwt = chat(&[("edge_auth", one("jwt_or_iam"))], &[]);
    assert!(
        control(&jwt, "websocket_auth")
            .why
            .contains("no JWT authorizer")
    );
}

#[test]
fn the_connections_function_answers_within_the_29_second_integration_limit() {
    let slow = chat(&[("p99_duration_ms", AnswerValue::Number(60_000.0))], &[]);
    assert_eq!(slow.function.timeout_s, 29);
}
