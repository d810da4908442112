//! The real-time broadcast starter as rendered from cases 23 (chat) and 07 (live quotes): the
//! WebSocket API's routes, `$connect` authorization and throttles, the broadcaster's shards,
//! concurrency, timeout and FIFO queue, the message-size and lifetime settings the handlers read,
//! the `@connections` grant scoped to the stage, the handlers in each runtime, and a README that
//! traces each setting and tells clients how to connect, ping, reconnect and catch up.

use questionnaires::scaffold::{Pattern, Plan, Runtime};
use serde_yaml::Value;

use super::scaffold::{render_case_replacing, text};

fn render(
    case: &str,
    replace: &[(&str, &str)],
    runtime: Runtime,
) -> (Plan, Vec<server::scaffold::File>) {
    render_case_replacing(case, replace, Pattern::RealtimeBroadcast, runtime)
}

fn chat(replace: &[(&str, &str)]) -> Value {
    let (_, files) = render("23_chat_websocket_broadcast", replace, Runtime::Python);
    serde_yaml::from_str(text(&files, "template.yaml")).unwrap()
}

fn resources(t: &Value) -> &Value {
    &t["Resources"]
}

/// A value without its YAML tag (`!Ref X` → `X`), as text.
fn plain(v: &Value) -> String {
    match v {
        Value::Tagged(t) => plain(&t.value),
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other).unwrap().trim().to_owned(),
    }
}

#[test]
fn the_websocket_api_routes_every_action_and_authorizes_only_connect_with_iam() {
    let t = chat(&[]);
    let r = resources(&t);
    assert_eq!(
        r["WebSocketApi"]["Properties"]["ProtocolType"].as_str(),
        Some("WEBSOCKET")
    );
    assert_eq!(
        r["WebSocketApi"]["Properties"]["RouteSelectionExpression"].as_str(),
        Some("$request.body.action")
    );
    for (id, key) in [
        ("Connect", "$connect"),
        ("Disconnect", "$disconnect"),
        ("Subscribe", "subscribe"),
        ("SendMessage", "sendmessage"),
        ("Ping", "ping"),
        ("Default", "$default"),
    ] {
        let route = &r[format!("{id}Route").as_str()]["Properties"];
        assert_eq!(route["RouteKey"].as_str(), Some(key));
        let auth = route["AuthorizationType"].as_str().unwrap();
        assert_eq!(auth == "AWS_IAM", key == "$connect", "{key}: {auth}");
    }
    // The routes that answer the client have a route response.
    for id in ["Subscribe", "SendMessage", "Ping", "Default"] {
        assert!(
            r.get(format!("{id}RouteResponse").as_str()).is_some(),
            "{id}"
        );
    }
    assert!(r.get("ConnectRouteResponse").is_none());
    // The connections function's own integration waits a second over its 3 s timeout.
    assert_eq!(
        r["ConnectionsIntegration"]["Properties"]["TimeoutInMillis"].as_u64(),
        Some(4_000)
    );
    // No HTTP API: `sam local start-api` has nothing to serve, and the README says so.
    assert!(r.get("HttpApi").is_none());
}

#[test]
fn the_connect_throttle_follows_the_connection_rate_within_500_a_second() {
    let (_, files) = render("07_live_quotes_websocket", &[], Runtime::Python);
    let t: Value = serde_yaml::from_str(text(&files, "template.yaml")).unwrap();
    let stage = &resources(&t)["WebSocketStage"]["Properties"];
    assert_eq!(
        stage["RouteSettings"]["$connect"]["ThrottlingRateLimit"].as_u64(),
        Some(20)
    );
    // Client messages: 1.5 times the 900 a second peak.
    assert_eq!(
        stage["DefaultRouteSettings"]["ThrottlingRateLimit"].as_u64(),
        Some(1_350)
    );
    let (_, files) = render(
        "07_live_quotes_websocket",
        &[("ws_connects_per_s = 10", "ws_connects_per_s = 450")],
        Runtime::Python,
    );
    let t: Value = serde_yaml::from_str(text(&files, "template.yaml")).unwrap();
    let stage = &resources(&t)["WebSocketStage"]["Properties"];
    assert_eq!(
        stage["RouteSettings"]["$connect"]["ThrottlingRateLimit"].as_u64(),
        Some(500)
    );
    assert!(plain(&stage["AccessLogSettings"]["Format"]).contains("$context.connectionId"));
}

#[test]
fn the_broadcaster_reads_a_fifo_queue_with_its_shards_concurrency_and_timeout() {
    let t = chat(&[]);
    let r = resources(&t);
    let queue = &r["BroadcastQueue"]["Properties"];
    assert_eq!(queue["FifoQueue"].as_bool(), Some(true));
    assert_eq!(
        queue["FifoThroughputLimit"].as_str(),
        Some("perMessageGroupId")
    );
    assert_eq!(queue["VisibilityTimeout"].as_u64(), Some(60));
    assert_eq!(
        r["BroadcastDeadLetterQueue"]["Properties"]["FifoQueue"].as_bool(),
        Some(true)
    );
    let f = &r["BroadcastFunction"]["Properties"];
    assert_eq!(f["Timeout"].as_u64(), Some(10));
    let sqs = &f["Events"]["Queue"]["Properties"];
    assert_eq!(
        sqs["ScalingConfig"]["MaximumConcurrency"].as_u64(),
        Some(100)
    );
    assert_eq!(t["Parameters"]["Shards"]["Default"].as_u64(), Some(2));
    assert_eq!(plain(&f["Environment"]["Variables"]["SHARDS"]), "Shards");
    // Without per-key ordering the queue is a standard one.
    let t = chat(&[("ordering = \"per_key\"", "ordering = \"none_needed\"")]);
    let queue = &resources(&t)["BroadcastQueue"]["Properties"];
    assert!(queue.get("FifoQueue").is_none());
    // A larger audience: 3,000 × 400 ÷ 60 = 20,000 at peak, 40 shards of 500.
    let t = chat(&[("avg_rps = 60", "avg_rps = 60\nwebsocket_connections = 3000")]);
    assert_eq!(t["Parameters"]["Shards"]["Default"].as_u64(), Some(40));
}

#[test]
fn the_handlers_get_the_size_limit_ttl_and_replay_window_the_answers_give() {
    let t = chat(&[(
        "sync_payload_kb = 2",
        "sync_payload_kb = 2\nwebsocket_message_kb = 40",
    )]);
    let r = resources(&t);
    let c = &r["ConnectionsFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(plain(&c["MAX_MESSAGE_BYTES"]), (96 * 1024).to_string());
    assert_eq!(plain(&c["CONNECTION_TTL_SECONDS"]), "8100");
    let b = &r["BroadcastFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(plain(&b["REPLAY_WINDOW_SECONDS"]), "7200");
    let t = chat(&[(
        "sync_payload_kb = 2",
        "sync_payload_kb = 2\nws_session_min = 45",
    )]);
    let b = &resources(&t)["BroadcastFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(plain(&b["REPLAY_WINDOW_SECONDS"]), "2700");
    // The table expires records on expiresAt and finds a connection's subscriptions by index.
    let table = &resources(&t)["ChannelsTable"]["Properties"];
    assert_eq!(
        table["TimeToLiveSpecification"]["AttributeName"].as_str(),
        Some("expiresAt")
    );
    assert_eq!(
        table["GlobalSecondaryIndexes"][0]["IndexName"].as_str(),
        Some("byConnection")
    );
}

#[test]
fn only_the_broadcaster_may_post_and_only_to_this_stages_connections() {
    let t = chat(&[]);
    let r = resources(&t);
    let grants = |id: &str| serde_yaml::to_string(&r[id]["Properties"]["Policies"]).unwrap();
    let broadcaster = grants("BroadcastFunction");
    assert!(broadcaster.contains("execute-api:ManageConnections"));
    assert!(
        broadcaster.contains("${WebSocketApi}/${Stage}/POST/@connections/*"),
        "{broadcaster}"
    );
    assert!(!grants("ConnectionsFunction").contains("execute-api"));
    let alarms: Vec<&str> = r
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, v)| v["Type"].as_str() == Some("AWS::CloudWatch::Alarm"))
        .map(|(k, _)| k.as_str().unwrap())
        .collect();
    for id in [
        "BroadcastDeadLetterQueueAlarm",
        "BroadcastQueueAgeAlarm",
        "WebSocketErrorsAlarm",
        "BroadcastFunctionErrorsAlarm",
    ] {
        assert!(alarms.contains(&id), "{id}: {alarms:?}");
    }
}

#[test]
fn every_runtime_has_both_handlers_and_their_tests() {
    for (runtime, source, tests, marks) in [
        (
            Runtime::Python,
            "src/app.py",
            "tests/test_app.py",
            ["def connections(", "def broadcast(", "post_to_connection"],
        ),
        (
            Runtime::Typescript,
            "src/app.ts",
            "tests/app.test.ts",
            [
                "export const connections",
                "export const broadcast",
                "PostToConnectionCommand",
            ],
        ),
        (
            Runtime::Rust,
            "src/lib.rs",
            "src/lib.rs",
            [
                "pub mod connections",
                "pub mod broadcast",
                "post_to_connection()",
            ],
        ),
    ] {
        let (plan, files) = render("23_chat_websocket_broadcast", &[], runtime);
        let code = text(&files, source);
        for m in marks {
            assert!(code.contains(m), "{runtime:?}: {m}");
        }
        assert!(text(&files, tests).contains("gone"), "{runtime:?}");
        for h in &plan.handlers {
            assert!(
                files
                    .iter()
                    .any(|f| f.path == format!("events/{}.json", h.name))
            );
        }
    }
}

#[test]
fn the_readme_traces_the_settings_and_tells_clients_how_to_connect_and_catch_up() {
    let (plan, files) = render("07_live_quotes_websocket", &[], Runtime::Typescript);
    let readme = text(&files, "README.md");
    for id in [
        "broadcast_fanout",
        "queue_concurrency",
        "message_order",
        "message_size",
        "websocket_throttling",
        "connection_lifetime",
        "missed_messages",
        "websocket_auth",
    ] {
        let c = plan.controls.iter().find(|c| c.id == id).unwrap();
        assert!(readme.contains(&format!("| {} |", c.title)), "{id}");
    }
    for words in [
        "wscat -c",
        "{\"action\":\"ping\"}` every 300 s",
        "resubscribes to its channels with `since`",
        "log#<channel>` for 390 minutes",
        "`sam local start-api` does not serve WebSocket APIs",
        "--message-group-id room-42",
    ] {
        assert!(readme.contains(words), "{words}");
    }
    assert!(!readme.contains("sam local start-api --env-vars"));
    // Case 07's verdict is containers: the README says so first.
    assert!(readme.contains("The review argues against this starter"));
}
