//! Golden cost tests: four shapes (an API, a fan-out, a workflow, a stream) and two variants
//! (Express, WebSocket behind NAT), each priced from a case file and compared, to the cent, with the
//! arithmetic written out here from `limits.toml` and the case's answers. If a price changes, these
//! tests say which line moved.

use questionnaires::cost::{CostEstimate, CostLine, billed_units};
use questionnaires::model::{ChoiceId, QuestionId};
use questionnaires::{
    Answer, AnswerValue, AnswersFile, Format, builtin, evaluate, parse_answers_file,
};

fn scenario(name: &str) -> AnswersFile {
    let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the case exists");
    parse_answers_file(&text, Format::Toml, builtin()).expect("the case parses")
}

/// The scenario with some answers replaced.
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

fn one(choice: &str) -> AnswerValue {
    AnswerValue::Choices(vec![ChoiceId::parse(choice).expect("a choice id")])
}

fn cost_of(a: &AnswersFile) -> CostEstimate {
    evaluate(builtin(), &a.answers)
        .cost
        .expect("the scenario is costed")
}

fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn line<'a>(lines: &'a [CostLine], item: &str) -> &'a CostLine {
    lines
        .iter()
        .find(|l| l.item == item)
        .unwrap_or_else(|| panic!("no line `{item}` in {lines:#?}"))
}

/// Each named line costs what the hand calculation says, to the cent, and shows its working.
fn assert_lines(lines: &[CostLine], expected: &[(&str, f64)]) {
    for (item, usd) in expected {
        let l = line(lines, item);
        assert_eq!(l.usd, cents(*usd), "{item}: {}", l.basis);
        assert!(!l.basis.is_empty(), "{item} has no basis");
    }
    assert_eq!(
        lines.len(),
        expected.len(),
        "unexpected lines: {:#?}",
        lines
            .iter()
            .filter(|l| !expected.iter().any(|(i, _)| *i == l.item))
            .collect::<Vec<_>>()
    );
}

fn assert_total(side: f64, lines: &[(&str, f64)]) {
    let total: f64 = lines.iter().map(|(_, usd)| usd).sum();
    assert_eq!(side, cents(total), "{lines:#?}");
}

// Prices, us-east-1 (limits.toml).
const LAMBDA_REQUEST: f64 = 0.20 / 1e6;
const ARM_GB_S: f64 = 0.0000133334;
const HTTP_API: f64 = 1.00 / 1e6;
const WRU: f64 = 0.625 / 1e6;
const RRU: f64 = 0.125 / 1e6;
const SQS: f64 = 0.40 / 1e6;
const SNS: f64 = 0.50 / 1e6;
const LOGS_GB: f64 = 0.50;
const XRAY_TRACE: f64 = 5.00 / 1e6;
const KB_PER_GB: f64 = 1_048_576.0;
const FARGATE_ARM_TASK_MONTH: f64 = 730.0 * (1.0 * 0.03238 + 2.0 * 0.00356);
const ALB_MONTH: f64 = 730.0 * 0.0225;

#[test]
fn kb_sizes_round_up_to_started_billing_units() {
    // DynamoDB: 1 KB write units, 4 KB read units.
    assert_eq!(
        billed_units(0.0, 1.0),
        1.0,
        "an empty item still costs a unit"
    );
    assert_eq!(billed_units(0.5, 1.0), 1.0);
    assert_eq!(billed_units(1.0, 1.0), 1.0);
    assert_eq!(billed_units(1.5, 1.0), 2.0);
    assert_eq!(billed_units(4.0, 1.0), 4.0);
    assert_eq!(billed_units(4.0, 4.0), 1.0);
    assert_eq!(billed_units(4.5, 4.0), 2.0);
    assert_eq!(billed_units(12.0, 4.0), 3.0);
    // SQS, SNS and EventBridge: 64 KB chunks; Kinesis: 25 KB; WebSocket: 32 KB.
    assert_eq!(billed_units(64.0, 64.0), 1.0);
    assert_eq!(billed_units(64.5, 64.0), 2.0);
    assert_eq!(billed_units(2048.0, 64.0), 32.0);
    assert_eq!(billed_units(25.0, 25.0), 1.0);
    assert_eq!(billed_units(26.0, 25.0), 2.0);
    assert_eq!(billed_units(40.0, 32.0), 2.0);
}

#[test]
fn item_size_sets_the_units_of_every_read_and_write() {
    // Case 01 with 4.5 KB items: ⌈4.5⌉ = 5 WRU per write, ⌈4.5 ÷ 4⌉ = 2 RRU per read.
    let c = cost_of(&with(
        "01_bursty_crud_api",
        &[("item_size_kb", AnswerValue::Number(4.5))],
    ));
    let requests = 6.0 * 2_592_000.0;
    let writes = line(&c.serverless.breakdown, "DynamoDB on-demand writes");
    assert_eq!(writes.usd, cents(requests * 1.0 * 5.0 * WRU));
    assert!(
        writes.basis.contains("⌈4.5 KB ÷ 1 KB⌉ = 5"),
        "{}",
        writes.basis
    );
    let reads = line(&c.serverless.breakdown, "DynamoDB on-demand reads");
    assert_eq!(reads.usd, cents(requests * 2.0 * 2.0 * RRU));
    assert!(
        reads.basis.contains("⌈4.5 KB ÷ 4 KB⌉ = 2"),
        "{}",
        reads.basis
    );
}

#[test]
fn api_shape_case_01() {
    // HTTP API → Lambda (arm64, 512 MB, 60 ms) → DynamoDB, 6 req/s on average.
    let c = cost_of(&scenario("01_bursty_crud_api"));
    let requests = 6.0 * 2_592_000.0; // 15,552,000
    assert_eq!(c.monthly_requests, requests);

    let lambda_requests = requests * LAMBDA_REQUEST; // one invocation per request
    let lambda_duration = requests * (512.0 / 1024.0) * 0.060 * ARM_GB_S;
    let http_api = requests * HTTP_API;
    let writes = requests * 1.0 * 4.0 * WRU; // 1 write of ⌈4 KB ÷ 1 KB⌉ = 4 WRU
    let reads = requests * 2.0 * 1.0 * RRU; // 2 reads of ⌈4 KB ÷ 4 KB⌉ = 1 RRU
    let idempotency = requests * 2.0 * 1.0 * WRU; // keys enforced: 2 writes of 1 KB
    let logs = requests * 1.0 / KB_PER_GB * LOGS_GB; // 1 KB of logs per request
    let xray = requests * 0.05 * XRAY_TRACE; // 5% sampled
    let shared = [
        ("DynamoDB on-demand writes", writes),
        ("DynamoDB on-demand reads", reads),
        ("DynamoDB idempotency-table writes", idempotency),
        ("CloudWatch Logs ingestion", logs),
        ("X-Ray traces", xray),
    ];
    let mut serverless = vec![
        ("Lambda requests", lambda_requests),
        ("Lambda duration (arm64)", lambda_duration),
        ("API Gateway HTTP API", http_api),
    ];
    serverless.extend(shared);
    assert_lines(&c.serverless.breakdown, &serverless);
    assert_total(c.serverless.monthly_usd, &serverless);
    assert_eq!(c.serverless.monthly_usd, 98.40);

    // Peak 300 req/s × 0.06 s = 18 in flight: the 2-task minimum, behind an ALB.
    let mut containers = vec![
        (
            "Fargate: 2 tasks × 1 vCPU / 2 GB (arm64)",
            2.0 * FARGATE_ARM_TASK_MONTH,
        ),
        ("Application Load Balancer (hourly)", ALB_MONTH),
    ];
    containers.extend(shared);
    assert_lines(&c.containers.breakdown, &containers);
    assert_total(c.containers.monthly_usd, &containers);

    // Shared lines cancel: the fleet and ALB against Lambda and the API per request.
    let per_request = LAMBDA_REQUEST + 0.5 * 0.060 * ARM_GB_S + HTTP_API;
    let break_even = (2.0 * FARGATE_ARM_TASK_MONTH + ALB_MONTH) / per_request;
    assert_eq!(c.break_even_requests, Some(break_even.round()));
    assert_eq!(&*c.cheaper, "serverless");
    let basis = &line(&c.serverless.breakdown, "Lambda duration (arm64)").basis;
    assert_eq!(
        basis,
        "15,552,000 requests × 0.5 GB × 0.06 s = 466,560 GB-s × $0.0000133334 per GB-s (arm64, first tier: up to 7,500,000,000 GB-s a month)"
    );
}

#[test]
fn fan_out_shape_case_03() {
    // SNS → four SQS queues → four Lambda consumers in batches of 10, 15 events/s.
    let c = cost_of(&scenario("03_order_placed_fanout"));
    let events = 15.0 * 2_592_000.0; // 38,880,000
    let records = events * 4.0; // one per consumer

    let lambda_requests = events * 4.0 / 10.0 * LAMBDA_REQUEST;
    let lambda_duration = records * 0.5 * 0.180 * ARM_GB_S;
    let writes = records * 1.0 * 3.0 * WRU; // ⌈3 KB⌉ = 3 WRU
    let reads = records * 1.0 * 1.0 * RRU; // ⌈3 KB ÷ 4 KB⌉ = 1 RRU
    let idempotency = records * 2.0 * 1.0 * WRU;
    // Each message: 1 send (⌈6 KB ÷ 64 KB⌉ = 1), and per 10 messages ⌈60 KB ÷ 64 KB⌉ = 1 receive + 1 delete.
    let sqs = records * (1.0 + (1.0 + 1.0) / 10.0) * SQS;
    let sns = events * 1.0 * SNS;
    let logs = records * 1.0 / KB_PER_GB * LOGS_GB;
    let shared = [
        ("DynamoDB on-demand writes", writes),
        ("DynamoDB on-demand reads", reads),
        ("DynamoDB idempotency-table writes", idempotency),
        ("SQS requests", sqs),
        ("SNS publishes", sns),
        ("CloudWatch Logs ingestion", logs),
    ];
    let mut serverless = vec![
        ("Lambda requests", lambda_requests),
        ("Lambda duration (arm64)", lambda_duration),
    ];
    serverless.extend(shared);
    assert_lines(&c.serverless.breakdown, &serverless);
    assert_total(c.serverless.monthly_usd, &serverless);
    assert_eq!(c.serverless.monthly_usd, 863.42);
    assert_eq!(
        line(&c.serverless.breakdown, "Lambda requests").basis,
        "38,880,000 events × 4 consumers ÷ 10 per batch = 15,552,000 invocations × $0.20 per 1M"
    );

    // Queue workers: peak 120 events/s × 0.18 s × 4 consumers = 86.4 in flight → ⌈86.4 ÷ 50⌉ = 2
    // tasks, and no load balancer.
    let mut containers = vec![(
        "Fargate: 2 tasks × 1 vCPU / 2 GB (arm64)",
        2.0 * FARGATE_ARM_TASK_MONTH,
    )];
    containers.extend(shared);
    assert_lines(&c.containers.breakdown, &containers);
    assert_total(c.containers.monthly_usd, &containers);
    assert_eq!(&*c.cheaper, "containers");
    let per_event = 4.0 / 10.0 * LAMBDA_REQUEST + 4.0 * 0.5 * 0.180 * ARM_GB_S;
    assert_eq!(
        c.break_even_requests,
        Some((2.0 * FARGATE_ARM_TASK_MONTH / per_event).round())
    );
}

#[test]
fn workflow_shape_case_05() {
    // HTTP API → Lambda → Standard workflow of 8 transitions, with an SQS consumer (default batch
    // of 10), 0.5 req/s.
    let c = cost_of(&scenario("05_travel_booking_approval"));
    let requests = 0.5 * 2_592_000.0; // 1,296,000

    let lambda_requests = (requests + requests / 10.0) * LAMBDA_REQUEST;
    let lambda_duration = (requests + requests) * 0.5 * 0.700 * ARM_GB_S; // API + consumer
    let http_api = requests * HTTP_API;
    let writes = requests * 2.0 * 6.0 * WRU; // ⌈6 KB⌉ = 6 WRU, by the consumer
    let reads = requests * 2.0 * 2.0 * RRU; // ⌈6 KB ÷ 4 KB⌉ = 2 RRU
    let idempotency = requests * 2.0 * 1.0 * WRU;
    // 1 send of ⌈16 KB ÷ 64 KB⌉ = 1; per 10 messages ⌈160 KB ÷ 64 KB⌉ = 3 receives + 1 delete.
    let sqs = requests * (1.0 + (3.0 + 1.0) / 10.0) * SQS;
    let transitions = requests * 8.0 * 0.025 / 1000.0;
    let logs = (requests + requests) * 1.0 / KB_PER_GB * LOGS_GB;
    let xray = requests * 0.05 * XRAY_TRACE;
    let shared = [
        ("DynamoDB on-demand writes", writes),
        ("DynamoDB on-demand reads", reads),
        ("DynamoDB idempotency-table writes", idempotency),
        ("SQS requests", sqs),
        ("Step Functions Standard state transitions", transitions),
        ("CloudWatch Logs ingestion", logs),
        ("X-Ray traces", xray),
    ];
    let mut serverless = vec![
        ("Lambda requests", lambda_requests),
        ("Lambda duration (arm64)", lambda_duration),
        ("API Gateway HTTP API", http_api),
    ];
    serverless.extend(shared);
    assert_lines(&c.serverless.breakdown, &serverless);
    assert_total(c.serverless.monthly_usd, &serverless);
    assert_eq!(cents(transitions), 259.20);
    assert_eq!(c.serverless.monthly_usd, 287.15);

    let mut containers = vec![
        (
            "Fargate: 2 tasks × 1 vCPU / 2 GB (arm64)",
            2.0 * FARGATE_ARM_TASK_MONTH,
        ),
        ("Application Load Balancer (hourly)", ALB_MONTH),
    ];
    containers.extend(shared);
    assert_lines(&c.containers.breakdown, &containers);
    assert_total(c.containers.monthly_usd, &containers);
}

#[test]
fn express_workflows_bill_requests_and_duration_in_100_ms_steps() {
    // Case 05 as a short Express workflow of 0.0125 min = 0.75 s, billed as 0.8 s at 64 MB.
    let c = cost_of(&with(
        "05_travel_booking_approval",
        &[
            ("multi_step_process", one("simple_chain")),
            ("workflow_type", one("express")),
            ("workflow_duration_min", AnswerValue::Number(0.0125)),
        ],
    ));
    let executions = 0.5 * 2_592_000.0;
    let requests = executions * 1.00 / 1e6;
    let duration = executions * (64.0 / 1024.0) * 0.8 * 0.00001667;
    assert_eq!(
        line(&c.serverless.breakdown, "Step Functions Express requests").usd,
        cents(requests)
    );
    let d = line(&c.serverless.breakdown, "Step Functions Express duration");
    assert_eq!(d.usd, cents(duration), "{}", d.basis);
    assert!(d.basis.contains("= 0.8 s"), "{}", d.basis);
    assert!(
        !c.serverless
            .breakdown
            .iter()
            .any(|l| l.item.contains("Standard")),
        "Express pays no transitions"
    );
}

#[test]
fn stream_shape_case_08() {
    // Kinesis (1 shard) → three Lambda readers in batches of 100, 23 postings/s.
    let c = cost_of(&scenario("08_ledger_ordered_stream"));
    let events = 23.0 * 2_592_000.0; // 59,616,000
    let records = events * 3.0;

    let lambda_requests = events * 3.0 / 100.0 * LAMBDA_REQUEST;
    let lambda_duration = records * (1024.0 / 1024.0) * 0.060 * ARM_GB_S;
    let writes = records * 2.0 * 2.0 * WRU; // 2 writes of ⌈2 KB⌉ = 2 WRU
    let reads = records * 1.0 * 1.0 * RRU;
    let idempotency = records * 2.0 * 1.0 * WRU;
    // Peak 400 records/s of 2 KB: max(1, ⌈400 ÷ 1,000⌉, ⌈800 KB/s ÷ 1,024 KB/s⌉) = 1 shard.
    let shard_hours = 1.0 * 730.0 * 0.015;
    let put_units = events * 1.0 * 0.014 / 1e6; // ⌈2 KB ÷ 25 KB⌉ = 1 unit
    let xray = events * 0.05 * XRAY_TRACE;
    let shared = [
        ("DynamoDB on-demand writes", writes),
        ("DynamoDB on-demand reads", reads),
        ("DynamoDB idempotency-table writes", idempotency),
        ("Kinesis shard-hours (1 shard)", shard_hours),
        ("Kinesis PUT payload units", put_units),
        ("X-Ray traces", xray),
    ];
    let mut serverless = vec![
        ("Lambda requests", lambda_requests),
        ("Lambda duration (arm64)", lambda_duration),
    ];
    serverless.extend(shared);
    assert_lines(&c.serverless.breakdown, &serverless);
    assert_total(c.serverless.monthly_usd, &serverless);

    // Peak 400 × 0.06 s × 3 readers = 72 in flight → 2 tasks; stream workers need no ALB.
    let mut containers = vec![(
        "Fargate: 2 tasks × 1 vCPU / 2 GB (arm64)",
        2.0 * FARGATE_ARM_TASK_MONTH,
    )];
    containers.extend(shared);
    assert_lines(&c.containers.breakdown, &containers);
    assert_total(c.containers.monthly_usd, &containers);

    // Shard-hours are fixed on both sides: the series starts from them, not from zero.
    let first = c.series[0];
    assert_eq!(first.requests, 0.0);
    assert_eq!(first.serverless_usd, cents(shard_hours));
    assert_eq!(
        first.containers_usd,
        cents(2.0 * FARGATE_ARM_TASK_MONTH + shard_hours)
    );
    let per_event = 3.0 / 100.0 * LAMBDA_REQUEST + 3.0 * 1.0 * 0.060 * ARM_GB_S;
    assert_eq!(
        c.break_even_requests,
        Some((2.0 * FARGATE_ARM_TASK_MONTH / per_event).round())
    );
}

#[test]
fn websocket_behind_nat_pays_messages_connection_minutes_and_nat() {
    // Case 07 with 32+ KB messages, 2,000 open connections, and functions behind NAT.
    let c = cost_of(&with(
        "07_live_quotes_websocket",
        &[
            ("websocket_connections", AnswerValue::Number(2000.0)),
            ("websocket_message_kb", AnswerValue::Number(40.0)),
            ("vpc_networking", one("vpc_nat")),
            ("nat_kb_per_request", AnswerValue::Number(2.0)),
        ],
    ));
    let messages = 250.0 * 2_592_000.0; // 648,000,000
    let s = &c.serverless.breakdown;
    // ⌈40 KB ÷ 32 KB⌉ = 2 billed messages each.
    assert_eq!(
        line(s, "API Gateway WebSocket messages").usd,
        cents(messages * 2.0 * 1.00 / 1e6)
    );
    // 2,000 connections × 43,200 minutes = 86,400,000 connection-minutes.
    let minutes = 2000.0 * 43_200.0 * 0.25 / 1e6;
    assert_eq!(
        line(s, "API Gateway WebSocket connection minutes").usd,
        cents(minutes)
    );
    // Two NAT gateways all month, and 2 KB per handled record (API + stream consumer).
    let nat_hours = 2.0 * 730.0 * 0.045;
    let nat_data = (messages + messages) * 2.0 / KB_PER_GB * 0.045;
    assert_eq!(line(s, "NAT gateway hours").usd, cents(nat_hours));
    assert_eq!(line(s, "NAT gateway data processed").usd, cents(nat_data));
    let k = &c.containers.breakdown;
    assert_eq!(line(k, "NAT gateway hours").usd, cents(nat_hours));
    assert!(
        !k.iter().any(|l| l.item.starts_with("API Gateway")),
        "containers serve WebSockets from their ALB"
    );
    line(k, "Application Load Balancer (hourly)");
}

#[test]
fn the_starter_budget_uses_the_full_estimate() {
    let a = scenario("05_travel_booking_approval");
    let e = evaluate(builtin(), &a.answers);
    let estimate = e.cost.as_ref().expect("costed").serverless.monthly_usd;
    assert_eq!(estimate, 287.15, "the Step Functions line is in the total");
    let plan = questionnaires::scaffold::plan(
        builtin(),
        &a.workload,
        &a.answers,
        &e,
        questionnaires::scaffold::Choice {
            pattern: Some(questionnaires::scaffold::Pattern::Api),
            runtime: questionnaires::scaffold::Runtime::Python,
            iac: questionnaires::scaffold::Iac::Sam,
        },
    )
    .expect("a plan");
    assert_eq!(plan.estimate_usd, Some(estimate));
    assert!(f64::from(plan.budget_usd) >= estimate * 1.2);
    let budget = plan
        .controls
        .iter()
        .find(|c| c.id == "budget")
        .expect("a budget control");
    assert!(
        budget
            .from
            .iter()
            .any(|o| o.question == "workflow_transitions"),
        "the budget names the answers behind it: {:?}",
        budget.from
    );
}

#[test]
fn a_workflow_beside_an_api_is_priced_for_the_requests_that_start_it() {
    // Case 21: an order API at 4 req/s on average; 5 % of orders (over the credit limit) start the
    // Standard approval workflow of 9 transitions.
    let requests = 4.0 * 2_592_000.0;
    let executions = requests * 0.05;
    let transitions = executions * 9.0 * 0.025 / 1000.0;
    let c = cost_of(&scenario("21_orders_api_with_fanout_and_approval"));
    let l = line(
        &c.serverless.breakdown,
        "Step Functions Standard state transitions",
    );
    assert_eq!(l.usd, cents(transitions), "{}", l.basis);
    assert!(
        l.basis
            .starts_with("10,368,000 requests × 5% = 518,400 executions"),
        "{}",
        l.basis
    );

    // Unanswered, the share is not guessed: the workflow is left out, and the estimate says so.
    let mut a = scenario("21_orders_api_with_fanout_and_approval");
    a.answers
        .remove(&QuestionId::parse("workflow_starts_pct").unwrap());
    let c = cost_of(&a);
    assert!(
        c.serverless
            .breakdown
            .iter()
            .all(|l| !l.item.starts_with("Step Functions"))
    );
    assert!(
        c.assumptions
            .iter()
            .any(|s| s.contains("share of requests that start the process"))
    );
}
