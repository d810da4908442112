//! The shipped content loads with zero errors and meets the content bar; broken content is
//! reported in full, each error with its file and id.

use questionnaires::builtin::{SOURCES, load_builtin};
use questionnaires::load;
use questionnaires::model::{PatternKind, Risk};

#[test]
fn shipped_content_loads_without_errors() {
    if let Err(e) = load_builtin() {
        panic!("{e}");
    }
}

#[test]
fn shipped_content_meets_the_content_bar() {
    let q = load_builtin().unwrap();
    let ids: Vec<&str> = q.areas.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "workload_fit",
            "state",
            "reliability",
            "security",
            "observability",
            "cost",
            "delivery"
        ]
    );
    assert!(q.questions.len() >= 45, "{} questions", q.questions.len());
    assert!(q.patterns.len() >= 12, "{} patterns", q.patterns.len());
    assert!(q.patterns.iter().any(|p| p.kind == PatternKind::Containers));
    for area in &q.areas {
        assert!(
            area.questions.len() >= 5,
            "area {} has {} questions",
            area.id,
            area.questions.len()
        );
    }
    for p in &q.patterns {
        assert!(
            !p.signals.is_empty() && !p.anti_signals.is_empty(),
            "{} needs signals both ways",
            p.id
        );
        assert!(
            !p.failure_modes.is_empty() && !p.controls.is_empty() && !p.limits.is_empty(),
            "{} is incomplete",
            p.id
        );
        assert!(
            p.diagram.nodes.len() >= 2 && !p.diagram.edges.is_empty(),
            "{} has no diagram",
            p.id
        );
    }
    // Every checklist item in the seed articles has a home in an area.
    assert!(
        q.checklist.len() >= 20,
        "{} checklist items",
        q.checklist.len()
    );
    for area in &q.areas {
        assert!(
            q.checklist.iter().any(|i| q.areas[i.area].id == area.id),
            "no checklist item in {}",
            area.id
        );
    }
}

#[test]
fn every_number_input_the_checks_read_is_mapped() {
    let q = load_builtin().unwrap();
    for n in questionnaires::model::NumberInput::ALL {
        assert!(
            q.inputs.numbers.contains_key(n),
            "input {} is not mapped",
            n.as_str()
        );
    }
    for c in questionnaires::model::ConditionInput::ALL {
        assert!(
            q.inputs.conditions.contains_key(c),
            "input {} is not mapped",
            c.as_str()
        );
    }
    assert!(!q.runtimes.is_empty());
}

/// A raised risk always says how to get out of it: no rule that raises one can fire with an
/// empty "How to improve" (see `questionnaires::coverage` for how this is decided without answers).
#[test]
fn every_risk_that_can_fire_has_a_way_out() {
    let q = load_builtin().unwrap();
    let gaps = questionnaires::coverage::gaps(&q);
    let lines: Vec<String> = gaps.iter().map(ToString::to_string).collect();
    assert!(
        gaps.is_empty(),
        "{} risk rule(s) can fire with nothing under \"How to improve\":\n{}",
        gaps.len(),
        lines.join("\n")
    );
}

#[test]
fn every_raising_risk_rule_names_its_problem_in_a_short_title() {
    let q = load_builtin().unwrap();
    let mut bad = Vec::new();
    let mut raising = 0;
    for question in &q.questions {
        for (i, rule) in question.risk_rules.iter().enumerate() {
            if rule.risk == Risk::None {
                continue;
            }
            raising += 1;
            let at = format!("{} risk_rules[{i}]", question.id);
            let Some(problem) = &rule.problem else {
                bad.push(format!("{at}: no `problem`"));
                continue;
            };
            let words = problem.split_whitespace().count();
            if !(3..=9).contains(&words) {
                bad.push(format!("{at}: {words} words in \"{problem}\" (3 to 9)"));
            }
            if !problem.starts_with(|c: char| c.is_uppercase()) || problem.ends_with('.') {
                bad.push(format!(
                    "{at}: \"{problem}\" is not a title (a capital first, no closing period)"
                ));
            }
            if problem.ends_with('?') || **problem == *question.title {
                bad.push(format!("{at}: \"{problem}\" asks the question again"));
            }
        }
    }
    assert!(raising >= 150, "{raising} raising rules");
    assert!(
        bad.is_empty(),
        "{} of {raising} raising rule(s) without a good problem title:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn a_problem_on_a_rule_that_raises_no_risk_is_refused() {
    let mut files: Vec<(&str, String)> = SOURCES.iter().map(|(n, t)| (*n, t.to_string())).collect();
    let (name, text) = files
        .iter_mut()
        .find(|(n, _)| n.starts_with("areas/"))
        .unwrap();
    let at = text.find("risk = \"none\"\n").unwrap();
    text.insert_str(at, "problem = \"Nothing is wrong here\"\n");
    let name = *name;
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let errors = load::load(&borrowed).unwrap_err().0;
    assert!(
        errors.iter().any(|e| e.file == name
            && e.message
                .contains("a `problem` on a rule with risk `none` is never shown")),
        "{errors:?}"
    );
}

#[test]
fn every_checklist_item_is_sized_and_its_prerequisites_exist() {
    let q = load_builtin().unwrap();
    for item in &q.checklist {
        assert!(item.effort.is_some(), "{} has no effort", item.id);
        for a in &item.after {
            assert!(
                q.checklist.iter().any(|i| i.id == *a),
                "{} comes after unknown {a}",
                item.id
            );
        }
    }
}

#[test]
fn every_pattern_has_a_job_and_add_ons_share_theirs_only_with_real_alternatives() {
    let q = load_builtin().unwrap();
    let mut jobs = std::collections::BTreeMap::<&str, Vec<&str>>::new();
    for p in &q.patterns {
        assert!(!p.job.trim().is_empty(), "{} has no job", p.id);
        jobs.entry(&p.job).or_default().push(p.id.as_str());
    }
    // A decision weighs the patterns of one job: event delivery has three, and no two
    // patterns that combine in one design (a circuit breaker and an API) share a job.
    assert_eq!(
        jobs["Deliver events to their consumers"],
        [
            "sns_sqs_fanout",
            "eventbridge_bus",
            "kinesis_stream_processing"
        ]
    );
    let job = |id: &str| {
        q.patterns
            .iter()
            .find(|p| p.id.as_str() == id)
            .unwrap()
            .job
            .clone()
    };
    assert_ne!(job("circuit_breaker"), job("api_lambda_dynamodb"));
    assert_ne!(job("step_functions_orchestration"), job("saga"));
}

#[test]
fn content_hash_changes_with_any_file() {
    let q = load_builtin().unwrap();
    let mut changed: Vec<(&str, String)> =
        SOURCES.iter().map(|(n, t)| (*n, t.to_string())).collect();
    changed[0].1.push_str("\n# edited\n");
    let borrowed: Vec<(&str, &str)> = changed.iter().map(|(n, t)| (*n, t.as_str())).collect();
    assert_ne!(load::load(&borrowed).unwrap().content_hash, q.content_hash);
    assert_eq!(q.content_hash.len(), 64);
}

/// Files under `tests/broken/`: a small questionnaire with many mistakes in several files.
fn broken() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "questionnaire.toml",
            include_str!("broken/questionnaire.toml"),
        ),
        ("areas/one.toml", include_str!("broken/one.toml")),
        ("areas/two.toml", include_str!("broken/two.toml")),
        ("patterns.toml", include_str!("broken/patterns.toml")),
        ("checklist.toml", include_str!("broken/checklist.toml")),
    ]
}

/// What the files under `tests/broken/` must report: (file, id, part of the message).
const BROKEN_ERRORS: &[(&str, &str, &str)] = &[
    (
        "areas/one.toml",
        "question shape",
        "the last risk rule must be `when = \"default\"`",
    ),
    (
        "areas/one.toml",
        "question shape risk_rules[0]",
        "unknown choice `bursty`",
    ),
    (
        "areas/one.toml",
        "question rps",
        "weight 9 is outside 1 ..= 5",
    ),
    ("areas/two.toml", "question shape", "duplicate question id"),
    (
        "areas/two.toml",
        "question follow applies_when",
        "unknown question `nowhere`",
    ),
    (
        "areas/two.toml",
        "question early applies_when",
        "only depend on questions that come before",
    ),
    (
        "areas/two.toml",
        "question early choice a",
        "duplicate choice id",
    ),
    (
        "patterns.toml",
        "pattern p1",
        "control `missing_item` is not a checklist item",
    ),
    ("patterns.toml", "pattern p1 signals[0]", "calc.nope"),
    ("patterns.toml", "pattern p1", "a pattern needs a `job`"),
    (
        "patterns.toml",
        "pattern p1 signals[1]",
        "weight 11 is outside 1 ..= 10",
    ),
    ("checklist.toml", "item i1", "unknown area `nowhere`"),
    (
        "checklist.toml",
        "item i1 done_when",
        "cannot read the condition",
    ),
    (
        "checklist.toml",
        "item i1",
        "effort `XL` is not one of S, M or L",
    ),
    (
        "checklist.toml",
        "item i1",
        "an item cannot come after itself",
    ),
    (
        "checklist.toml",
        "item i1",
        "`after` names an unknown item `ghost`",
    ),
];

#[test]
fn broken_content_reports_every_error_with_file_and_id() {
    let errors = load::load(&broken()).unwrap_err().0;
    let missing: Vec<String> = BROKEN_ERRORS
        .iter()
        .filter(|(file, id, text)| {
            !errors.iter().any(|e| {
                e.file == *file && e.id.as_deref() == Some(*id) && e.message.contains(text)
            })
        })
        .map(|(file, id, text)| format!("`{file}: {id}: …{text}…`"))
        .collect();
    let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(
        missing.is_empty(),
        "{} of {} expected errors are missing:\n{}\nin:\n{}",
        missing.len(),
        BROKEN_ERRORS.len(),
        missing.join("\n"),
        lines.join("\n")
    );
    assert!(
        errors.len() >= BROKEN_ERRORS.len(),
        "{} errors",
        errors.len()
    );
}

#[test]
fn unknown_keys_are_rejected_not_ignored() {
    let mut files = broken();
    files[1] = (
        "areas/one.toml",
        "id = \"one\"\ntitle = \"One\"\ncolour = \"red\"\n",
    );
    let errors = load::load(&files).unwrap_err().0;
    assert!(
        errors
            .iter()
            .any(|e| e.file == "areas/one.toml" && e.message.contains("colour")),
        "{errors:?}"
    );
}

/// An answer: a number, or choice ids (a single choice is a one-element list).
enum A {
    N(f64),
    C(&'static [&'static str]),
}

fn answers(pairs: &[(&str, A)]) -> questionnaires::Answers {
    use questionnaires::model::{ChoiceId, QuestionId};
    use questionnaires::{Answer, AnswerValue};
    let q = questionnaires::builtin();
    pairs
        .iter()
        .map(|(id, a)| {
            assert!(q.question(id).is_some(), "unknown question {id}");
            let value = match a {
                A::N(x) => AnswerValue::Number(*x),
                A::C(ids) => AnswerValue::Choices(
                    ids.iter()
                        .map(|c| ChoiceId::parse(c).expect("a valid choice id"))
                        .collect(),
                ),
            };
            (
                QuestionId::parse(id).expect("a valid question id"),
                Answer::new(value),
            )
        })
        .collect()
}

/// Answer sets that between them put every quantitative check to work: a big synchronous REST
/// workload touching every service with long jobs on AWS Batch, a small HTTP API on the RDS Data
/// API with Express workflows and a high-throughput FIFO queue, a WebSocket API pushing through
/// AppSync Events behind RDS Proxy, and devices on IoT Core writing to Aurora DSQL.
fn crafted_answer_sets() -> Vec<questionnaires::Answers> {
    use A::{C, N};
    vec![
        answers(&[
            ("entry_point", C(&["rest_api", "schedule", "s3_events"])),
            ("schedule_interval_min", N(0.5)),
            ("traffic_shape", C(&["spiky"])),
            ("peak_rps", N(50_000.0)),
            ("burst_requests", N(6_000.0)),
            ("spike_ramp_s", N(5.0)),
            ("job_duration_min", N(20.0)),
            ("job_compute", C(&["batch_fargate"])),
            ("batch_array_children", N(20_000.0)),
            ("batch_submits_per_s", N(60.0)),
            ("sync_payload_kb", N(20_000.0)),
            ("runtime", C(&["java"])),
            ("package_weight", C(&["framework"])),
            ("cold_start_mitigation", C(&["none"])),
            ("latency_target_ms", N(500.0)),
            ("data_store", C(&["dynamodb"])),
            ("item_size_kb", N(2.0)),
            ("db_reads_per_request", N(2.0)),
            ("db_writes_per_request", N(5.0)),
            ("dynamodb_key_design", C(&["hot_keys"])),
            ("hot_key_share_pct", N(10.0)),
            ("transaction_items", N(150.0)),
            ("async_message_kb", N(300.0)),
            ("multi_step_process", C(&["approval_or_compensation"])),
            ("workflow_type", C(&["standard"])),
            ("workflow_duration_min", N(60.0)),
            ("workflow_transitions", N(20.0)),
            ("workflow_iterations", N(500.0)),
            (
                "messaging",
                C(&["sqs", "sns", "eventbridge", "kinesis", "step_functions"]),
            ),
            ("event_distribution", C(&["fanout_few"])),
            ("consumers_per_event", N(6.0)),
            ("batch_size", N(10.0)),
            ("kinesis_shards", N(10.0)),
            ("kinesis_record_kb", N(2.0)),
            ("kinesis_consumer_mode", C(&["shared"])),
            ("ordering", C(&["per_key"])),
            ("sqs_queue_type", C(&["fifo"])),
            ("sqs_visibility_timeout_s", N(60.0)),
            ("queue_consumer_timeout_s", N(30.0)),
            ("p99_duration_ms", N(2_000.0)),
            ("avg_rps", N(1_000.0)),
            ("avg_duration_ms", N(100.0)),
            ("memory_mb", N(200_000.0)),
            ("reserved_concurrency", N(950.0)),
        ]),
        answers(&[
            ("entry_point", C(&["http_api"])),
            ("peak_rps", N(200.0)),
            ("p99_duration_ms", N(300.0)),
            ("multi_step_process", C(&["simple_chain"])),
            ("workflow_type", C(&["express"])),
            ("workflow_duration_min", N(2.0)),
            ("messaging", C(&["sqs"])),
            ("sqs_queue_type", C(&["fifo_high_throughput"])),
            ("sync_payload_kb", N(2_048.0)),
            ("data_store", C(&["relational"])),
            ("db_connections", C(&["data_api"])),
        ]),
        answers(&[
            ("entry_point", C(&["websocket"])),
            ("connection_model", C(&["long_lived"])),
            ("realtime_service", C(&["appsync_events"])),
            ("ws_session_min", N(480.0)),
            ("ws_connects_per_s", N(450.0)),
            ("sync_payload_kb", N(64.0)),
            ("async_message_kb", N(300.0)),
            ("data_store", C(&["relational"])),
            ("db_connections", C(&["rds_proxy"])),
            ("rds_proxy_count", N(18.0)),
        ]),
        answers(&[
            ("entry_point", C(&["http_api"])),
            ("connection_model", C(&["mixed"])),
            ("realtime_service", C(&["iot_core"])),
            ("client_publish_per_s", N(150.0)),
            ("async_message_kb", N(100.0)),
            ("traffic_shape", C(&["spiky"])),
            ("peak_rps", N(2_000.0)),
            ("avg_duration_ms", N(100.0)),
            ("spike_ramp_s", N(5.0)),
            ("data_store", C(&["relational"])),
            ("db_connections", C(&["dsql"])),
            ("dsql_transaction_kb", N(20_000.0)),
        ]),
    ]
}

#[test]
fn every_stored_limit_is_read_by_a_check() {
    // A limit nobody reads is a promise the review does not keep. Every `[[limits]]` entry must be
    // the `limit_id` (or one of the `other_limits`) of a check that runs on one of the crafted
    // answer sets; a limit added without a check, or a check removed, fails here.
    let q = questionnaires::builtin();
    let mut read = std::collections::BTreeSet::new();
    let mut ran = std::collections::BTreeSet::new();
    for set in crafted_answer_sets() {
        let e = questionnaires::evaluate(q, &set);
        for c in &e.checks {
            ran.insert(c.id.to_string());
            read.insert(c.limit_id.clone());
            read.extend(c.other_limits.iter().cloned());
        }
    }
    // The cost model's metering units (a write unit is 1 KB, SQS bills 64 KB chunks, …) are read
    // by the estimate itself, and the loader refuses content without them.
    read.extend(
        questionnaires::cost::REQUIRED_LIMITS
            .iter()
            .map(|s| (*s).to_owned()),
    );
    let unread: Vec<&String> = q
        .figures
        .limits
        .keys()
        .filter(|id| !read.contains(*id))
        .collect();
    assert!(
        unread.is_empty(),
        "limits in limits.toml that neither a check nor the cost model reads: {unread:?}"
    );
    // Every check the engine knows runs on at least one of the sets, so none of them is dead.
    let idle: Vec<&&str> = questionnaires::checks::CHECK_IDS
        .iter()
        .filter(|id| !ran.contains(**id))
        .collect();
    assert!(idle.is_empty(), "checks that never ran: {idle:?}");
    // The load-time lists of limits the checks and the cost model need name every stored limit.
    for id in q.figures.limits.keys() {
        assert!(
            questionnaires::checks::REQUIRED_LIMITS.contains(&id.as_str())
                || questionnaires::cost::REQUIRED_LIMITS.contains(&id.as_str()),
            "{id} is missing from checks::REQUIRED_LIMITS and cost::REQUIRED_LIMITS"
        );
    }
}

#[test]
fn fifty_thousand_requests_with_five_writes_each_do_not_pass() {
    // The architect's example: 50,000 req/s × 5 DynamoDB writes behind API Gateway.
    use A::{C, N};
    let q = questionnaires::builtin();
    let e = questionnaires::evaluate(
        q,
        &answers(&[
            ("entry_point", C(&["http_api"])),
            ("peak_rps", N(50_000.0)),
            ("data_store", C(&["dynamodb"])),
            ("db_writes_per_request", N(5.0)),
            ("dynamodb_key_design", C(&["hot_keys"])),
            ("hot_key_share_pct", N(5.0)),
        ]),
    );
    let status = |id: &str| {
        e.checks
            .iter()
            .find(|c| &*c.id == id)
            .map(|c| c.status)
            .unwrap_or_else(|| panic!("check {id} did not run"))
    };
    use questionnaires::checks::CheckStatus::Fail;
    assert_eq!(status("apigw_account_rps"), Fail);
    assert_eq!(status("dynamodb_table_writes"), Fail);
    assert_eq!(status("dynamodb_hot_key_writes"), Fail);
}

#[test]
fn snapstart_beats_plain_java_only_when_start_up_is_heavy() {
    use A::{C, N};
    let q = questionnaires::builtin();
    let cold = |runtime: &'static [&'static str], weight: &'static [&'static str]| {
        let e = questionnaires::evaluate(
            q,
            &answers(&[
                ("runtime", C(runtime)),
                ("package_weight", C(weight)),
                ("latency_target_ms", N(10_000.0)),
            ]),
        );
        e.checks
            .iter()
            .find(|c| &*c.id == "cold_start")
            .expect("cold_start runs")
            .value
    };
    // A hello-world restore is slower than a hello-world JVM start...
    assert!(cold(&["java_snapstart"], &["minimal"]) > cold(&["java"], &["minimal"]));
    // ...but a restored Spring Boot function starts several times faster than a plain one.
    assert!(cold(&["java_snapstart"], &["framework"]) * 3.0 < cold(&["java"], &["framework"]));
}
