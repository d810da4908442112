//! The circuit breaker starter as rendered from case 09 (a checkout API charging cards) and case
//! 14 (provider webhooks from a queue): the call timeout, threshold and open time the plan derives
//! reach the function's environment, an API caller gets the route and a queue caller the queue
//! with its sized redrive, the breaker table and its alarm are there, the function may only read
//! and conditionally update its own table, and the README traces every setting to its answer.

use questionnaires::scaffold::{Pattern, Plan, Runtime};
use serde_yaml::Value;

use super::scaffold::{render_case, render_case_replacing, text};

const PAYMENTS: &str = "09_payment_capture_no_idempotency";
const WEBHOOKS: &str = "14_shop_webhooks";

fn template(files: &[server::scaffold::File]) -> Value {
    serde_yaml::from_str(text(files, "template.yaml")).unwrap()
}

fn variables(t: &Value) -> &Value {
    &t["Resources"]["CallFunction"]["Properties"]["Environment"]["Variables"]
}

/// Case 09 with one answer line replaced, as the circuit breaker in `runtime`.
fn payments_with(from: &str, to: &str, runtime: Runtime) -> (Plan, Vec<server::scaffold::File>) {
    render_case_replacing(PAYMENTS, &[(from, to)], Pattern::CircuitBreaker, runtime)
}

#[test]
fn the_functions_environment_carries_the_planned_breaker() {
    for runtime in Runtime::ALL {
        let (plan, files) = render_case(PAYMENTS, Pattern::CircuitBreaker, runtime);
        let b = plan.breaker.as_ref().unwrap();
        let t = template(&files);
        let v = variables(&t);
        assert_eq!(v["CALL_TIMEOUT_MS"].as_str(), Some("3000"), "{runtime:?}");
        assert_eq!(
            v["FAILURE_THRESHOLD"].as_str(),
            Some(b.failure_threshold.to_string().as_str())
        );
        assert_eq!(v["OPEN_SECONDS"].as_str(), Some("30"));
        assert_eq!(v["TRIAL_LEASE_S"].as_str(), Some("5"));
        assert_eq!(
            t["Globals"]["Function"]["Timeout"].as_u64(),
            Some(u64::from(plan.function.timeout_s))
        );
    }
    // A faster dependency: a shorter call timeout in the file.
    let (_, files) = payments_with(
        "p99_duration_ms = 2200",
        "p99_duration_ms = 400",
        Runtime::Python,
    );
    assert_eq!(
        variables(&template(&files))["CALL_TIMEOUT_MS"].as_str(),
        Some("600")
    );
    // A busier API: a higher threshold.
    let (_, files) = payments_with("avg_rps = 4", "avg_rps = 35", Runtime::Python);
    assert_eq!(
        variables(&template(&files))["FAILURE_THRESHOLD"].as_str(),
        Some("210")
    );
}

#[test]
fn an_api_caller_gets_post_calls_and_a_queue_caller_a_queue_with_a_sized_redrive() {
    let (_, files) = render_case(PAYMENTS, Pattern::CircuitBreaker, Runtime::Python);
    let t = template(&files);
    let events = &t["Resources"]["CallFunction"]["Properties"]["Events"];
    assert_eq!(
        events["Call"]["Properties"]["Path"].as_str(),
        Some("/calls")
    );
    assert!(t["Resources"].get("CallQueue").is_none());
    assert!(t["Resources"].get("Api5xxAlarm").is_some());

    let (plan, files) = render_case(WEBHOOKS, Pattern::CircuitBreaker, Runtime::Python);
    let b = plan.breaker.as_ref().unwrap();
    let t = template(&files);
    let queue = &t["Resources"]["CallQueue"]["Properties"];
    assert_eq!(
        queue["RedrivePolicy"]["maxReceiveCount"].as_u64(),
        Some(u64::from(b.max_receive_count))
    );
    assert_eq!(
        queue["VisibilityTimeout"].as_u64(),
        Some(u64::from(plan.queue.as_ref().unwrap().visibility_timeout_s))
    );
    let sqs = &t["Resources"]["CallFunction"]["Properties"]["Events"]["Queue"]["Properties"];
    assert_eq!(sqs["BatchSize"].as_u64(), Some(u64::from(b.batch_size)));
    assert_eq!(
        sqs["FunctionResponseTypes"][0].as_str(),
        Some("ReportBatchItemFailures")
    );
    assert!(t["Resources"].get("CallDeadLetterQueueAlarm").is_some());
    assert!(t["Resources"].get("HttpApi").is_none());
}

#[test]
fn the_breaker_table_is_read_and_updated_only_and_its_opening_alarms() {
    for name in [PAYMENTS, WEBHOOKS] {
        let (_, files) = render_case(name, Pattern::CircuitBreaker, Runtime::Typescript);
        let t = template(&files);
        let keys = &t["Resources"]["BreakerTable"]["Properties"]["KeySchema"];
        assert_eq!(keys[0]["AttributeName"].as_str(), Some("dependency"));
        let policies =
            serde_yaml::to_string(&t["Resources"]["CallFunction"]["Properties"]["Policies"])
                .unwrap();
        assert!(
            policies.contains("dynamodb:GetItem, dynamodb:UpdateItem")
                || policies.contains("- dynamodb:GetItem"),
            "{policies}"
        );
        assert!(!policies.contains("dynamodb:Scan") && !policies.contains("dynamodb:DeleteTable"));
        let alarm = &t["Resources"]["BreakerOpenedAlarm"]["Properties"];
        assert_eq!(alarm["MetricName"].as_str(), Some("BreakerOpened"));
        let filter = &t["Resources"]["BreakerOpenedMetricFilter"]["Properties"];
        assert!(
            filter["FilterPattern"]
                .as_str()
                .unwrap()
                .contains("\"opened\"")
        );
        // Every runtime logs the field the metric filter counts.
        for runtime in Runtime::ALL {
            let (_, files) = render_case(name, Pattern::CircuitBreaker, runtime);
            let source: String = files
                .iter()
                .filter(|f| f.path.starts_with("src/"))
                .map(|f| f.contents.as_str())
                .collect();
            assert!(
                source.contains("breaker_event") && source.contains("\"opened\""),
                "{runtime:?}"
            );
        }
    }
}

#[test]
fn the_readme_traces_each_breaker_setting_to_its_answer() {
    let (plan, files) = render_case(PAYMENTS, Pattern::CircuitBreaker, Runtime::Rust);
    let readme = text(&files, "README.md");
    for id in [
        "call_timeout",
        "breaker_threshold",
        "breaker_open",
        "breaker_fallback",
        "breaker_alarm",
    ] {
        let c = plan.controls.iter().find(|c| c.id == id).unwrap();
        assert!(readme.contains(&c.title), "{id}");
    }
    assert!(readme.contains("p99 duration"), "the call timeout's answer");
    assert!(readme.contains("503 with `Retry-After`"));
    assert!(readme.contains("same `Idempotency-Key` header"));
    let (_, files) = render_case(WEBHOOKS, Pattern::CircuitBreaker, Runtime::Rust);
    assert!(text(&files, "README.md").contains("leaves the message on the queue"));
    assert!(text(&files, "Cargo.toml").contains("ureq"));
}

#[test]
fn each_deployed_stage_gets_its_dependency_and_the_dashboard_shows_the_breaker() {
    let (_, files) = render_case(PAYMENTS, Pattern::CircuitBreaker, Runtime::Python);
    // The dependency's URL has no default: every deploy passes the environment's own.
    let deploy = text(&files, ".github/workflows/deploy.yml");
    assert!(deploy.contains("DEPENDENCY_URL: ${{ vars.DEPENDENCY_URL }}"));
    assert_eq!(
        deploy.matches("DependencyUrl=\"$DEPENDENCY_URL\"").count(),
        2
    );
    let readme = text(&files, "README.md");
    assert!(readme.contains("`DependencyUrl`") && readme.contains("`DEPENDENCY_URL`"));
    // Case 09 has no dashboard of its own, so the starter brings one with the breaker on it.
    let t = template(&files);
    let body = t["Resources"]["Dashboard"]["Properties"]["DashboardBody"]
        .as_str()
        .unwrap();
    for metric in ["BreakerOpened", "BreakerRejected", "BreakerClosed"] {
        assert!(body.contains(metric), "{metric}");
    }
}

#[test]
fn a_queue_callers_readme_gives_the_breakers_batch_size_and_how_receives_count() {
    let (plan, files) = render_case(WEBHOOKS, Pattern::CircuitBreaker, Runtime::Python);
    let b = plan.breaker.as_ref().unwrap();
    let readme = text(&files, "README.md");
    let row = readme
        .lines()
        .find(|l| l.starts_with("| Queue consumer concurrency"))
        .unwrap();
    assert!(
        row.contains(&format!("BatchSize: {} ", b.batch_size)),
        "{row}"
    );
    let row = readme
        .lines()
        .find(|l| l.starts_with("| Dead-letter path"))
        .unwrap();
    assert!(row.contains(&format!("after {} receives", b.max_receive_count)));
    assert!(row.contains("counts every receive"), "{row}");
}
