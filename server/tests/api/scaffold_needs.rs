//! Starters render what the answers require: the stream's retention, shards and one enhanced
//! fan-out reader per consumer; the archive's length; a workflow's approval step with its timeout,
//! the routes that start and decide it, and a handler for every function in every runtime. Each
//! test changes an answer and sees the rendered file change.

use questionnaires::model::{ChoiceId, QuestionId};
use questionnaires::scaffold::{Choice, Iac, Pattern, Plan, Runtime};
use questionnaires::{Answer, AnswerValue};
use server::scaffold::File;

/// The starter of a test case on `pattern`, with some answers replaced.
pub(crate) fn render(
    name: &str,
    pattern: Pattern,
    runtime: Runtime,
    changes: &[(&str, AnswerValue)],
) -> (Plan, Vec<File>) {
    render_in(name, pattern, runtime, Iac::Sam, changes)
}

/// The same, in the IaC format `iac`.
pub(crate) fn render_in(
    name: &str,
    pattern: Pattern,
    runtime: Runtime,
    iac: Iac,
    changes: &[(&str, AnswerValue)],
) -> (Plan, Vec<File>) {
    use questionnaires::answers::{Format, parse_answers_file};
    let q = questionnaires::builtin();
    let path = format!(
        "{}/../questionnaires/tests/cases/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut file = parse_answers_file(&text, Format::Toml, q).unwrap();
    for (id, value) in changes {
        file.answers
            .insert(QuestionId::parse(id).unwrap(), Answer::new(value.clone()));
    }
    let evaluation = questionnaires::evaluate::evaluate(q, &file.answers);
    let choice = Choice {
        pattern: Some(pattern),
        runtime,
        iac,
    };
    let (plan, starter) =
        server::scaffold::starter(q, &file.workload, &file.answers, &evaluation, choice).unwrap();
    (plan, starter.files)
}

pub(crate) fn text<'a>(files: &'a [File], path: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
}

pub(crate) fn one(choice: &str) -> AnswerValue {
    AnswerValue::Choices(vec![ChoiceId::parse(choice).unwrap()])
}

#[test]
fn the_ledger_stream_keeps_its_replay_window_on_four_shards_with_a_consumer_per_reader() {
    let (_, files) = render(
        "08_ledger_ordered_stream",
        Pattern::Stream,
        Runtime::Python,
        &[],
    );
    let t = text(&files, "template.yaml");
    assert!(t.contains("ShardCount: 4\n"), "{t}");
    assert!(t.contains("RetentionPeriodHours: 168\n"));
    assert_eq!(t.matches("Type: AWS::Kinesis::StreamConsumer").count(), 3);
    for i in 1..=3 {
        assert!(t.contains(&format!(
            "Stream: !GetAtt Consume{i}StreamConsumer.ConsumerARN"
        )));
        assert!(t.contains(&format!("Consume{i}IteratorAgeAlarm:")));
        assert!(t.contains(&format!("Handler: app.consume_{i}\n")));
    }
    let readme = text(&files, "README.md");
    assert!(readme.contains("RetentionPeriodHours: 168"));
    assert!(readme.contains("How many days back must consumers be able to replay?"));

    let (_, files) = render(
        "08_ledger_ordered_stream",
        Pattern::Stream,
        Runtime::Python,
        &[("replay_window_days", AnswerValue::Number(30.0))],
    );
    assert!(text(&files, "template.yaml").contains("RetentionPeriodHours: 720\n"));

    // One reader: no enhanced fan-out, the stream itself is the event source.
    let (_, files) = render(
        "08_ledger_ordered_stream",
        Pattern::Stream,
        Runtime::Python,
        &[("consumers_per_event", AnswerValue::Number(1.0))],
    );
    let t = text(&files, "template.yaml");
    assert!(!t.contains("AWS::Kinesis::StreamConsumer"));
    assert!(t.contains("Stream: !GetAtt Stream.Arn"));
    assert!(t.contains("IteratorAgeAlarm:"));
}

#[test]
fn every_reader_has_a_handler_in_every_runtime() {
    let (plan, files) = render(
        "08_ledger_ordered_stream",
        Pattern::Stream,
        Runtime::Python,
        &[],
    );
    let app = text(&files, "src/app.py");
    for h in &plan.handlers {
        assert!(
            app.contains(&format!("\ndef {}(event", h.name)),
            "{}",
            h.name
        );
    }
    let (plan, files) = render(
        "08_ledger_ordered_stream",
        Pattern::Stream,
        Runtime::Typescript,
        &[],
    );
    let app = text(&files, "src/app.ts");
    for h in &plan.handlers {
        assert!(
            app.contains(&format!("export const {} = instrument(", h.name)),
            "{}",
            h.name
        );
    }
    let (plan, files) = render(
        "08_ledger_ordered_stream",
        Pattern::Stream,
        Runtime::Rust,
        &[],
    );
    let lib = text(&files, "src/lib.rs");
    for h in &plan.handlers {
        assert!(
            lib.contains(&format!("pub mod {} {{", h.name)),
            "{}",
            h.name
        );
        text(&files, &format!("src/bin/{}.rs", h.name));
    }
    // Rust readers key their idempotency records by function name, so they never share one.
    assert!(lib.contains("env_config.function_name"));
}

#[test]
fn the_archive_keeps_the_replay_window() {
    let retention = |changes: &[(&str, AnswerValue)]| {
        let (_, files) = render(
            "08_ledger_ordered_stream",
            Pattern::EventBus,
            Runtime::Python,
            changes,
        );
        let t = text(&files, "template.yaml").to_owned();
        t.lines()
            .find_map(|l| l.trim().strip_prefix("RetentionDays: ").map(str::to_owned))
    };
    assert_eq!(retention(&[]).as_deref(), Some("7"));
    assert_eq!(
        retention(&[("replay_window_days", AnswerValue::Number(45.0))]).as_deref(),
        Some("45")
    );
    assert_eq!(
        retention(&[("event_replay", one("full_history"))]).as_deref(),
        Some("0")
    );
    assert_eq!(retention(&[("event_replay", one("no_replay"))]), None);
}

#[test]
fn the_travel_workflow_waits_two_days_on_a_task_token_behind_an_api() {
    let (_, files) = render(
        "05_travel_booking_approval",
        Pattern::Workflow,
        Runtime::Python,
        &[],
    );
    let asl: serde_json::Value =
        serde_json::from_str(text(&files, "statemachine/workflow.asl.json")).unwrap();
    let step = &asl["States"]["RequestApproval"];
    assert_eq!(
        step["Resource"],
        "arn:aws:states:::lambda:invoke.waitForTaskToken"
    );
    assert_eq!(step["TimeoutSeconds"], 172_800);
    assert_eq!(step["Parameters"]["Payload"]["token.$"], "$$.Task.Token");
    // A rejection or a timeout runs the compensation for the steps before.
    let catch = step["Catch"][0].clone();
    assert_eq!(
        catch["ErrorEquals"],
        serde_json::json!(["ApprovalRejected", "States.Timeout"])
    );
    assert_eq!(catch["Next"], "UndoRequestApprovalPredecessors");
    assert_eq!(
        asl["States"]["UndoRequestApprovalPredecessors"]["Next"],
        "Compensate"
    );
    // The API functions are not steps.
    assert!(asl["States"].get("Start").is_none() && asl["States"].get("Decide").is_none());
    let t = text(&files, "template.yaml");
    assert!(t.contains("Path: /executions\n"));
    assert!(t.contains("Path: /approvals/{id}\n"));
    assert!(t.contains("Action: [states:SendTaskSuccess, states:SendTaskFailure]"));
    assert!(t.contains("Action: [states:StartExecution]"));
    assert!(t.contains("JwtAuthorizer:"));
    assert!(!t.contains("StartFunctionArn:") && !t.contains("DecideFunctionArn:"));
    let readme = text(&files, "README.md");
    assert!(readme.contains("TimeoutSeconds: 172800 (2 days)"));

    let (_, files) = render(
        "05_travel_booking_approval",
        Pattern::Workflow,
        Runtime::Python,
        &[("workflow_duration_min", AnswerValue::Number(720.0))],
    );
    let asl: serde_json::Value =
        serde_json::from_str(text(&files, "statemachine/workflow.asl.json")).unwrap();
    assert_eq!(asl["States"]["RequestApproval"]["TimeoutSeconds"], 43_200);

    // Nobody decides: no task token, no decide route; the HTTP entry point still starts it.
    let (_, files) = render(
        "05_travel_booking_approval",
        Pattern::Workflow,
        Runtime::Python,
        &[("workflow_waits", one("timer"))],
    );
    assert!(!text(&files, "statemachine/workflow.asl.json").contains("waitForTaskToken"));
    let t = text(&files, "template.yaml");
    assert!(!t.contains("/approvals/{id}") && t.contains("Path: /executions\n"));
}

#[test]
fn the_approval_functions_have_handlers_tests_and_events_in_every_runtime() {
    let names = ["request_approval", "start", "decide"];
    let (_, files) = render(
        "05_travel_booking_approval",
        Pattern::Workflow,
        Runtime::Python,
        &[],
    );
    let app = text(&files, "src/app.py");
    let tests = text(&files, "tests/test_app.py");
    for n in names {
        assert!(
            app.contains(&format!(
                "\ndef {n}(event: dict[str, Any], context: LambdaContext)"
            )),
            "{n}"
        );
        assert!(tests.contains(&format!("handlers.{n}(")), "{n}");
        let event: serde_json::Value =
            serde_json::from_str(text(&files, &format!("events/{n}.json"))).unwrap();
        assert!(event.is_object());
    }
    let (_, files) = render(
        "05_travel_booking_approval",
        Pattern::Workflow,
        Runtime::Typescript,
        &[],
    );
    let app = text(&files, "src/app.ts");
    for n in names {
        assert!(
            app.contains(&format!("export const {n} = instrument(")),
            "{n}"
        );
    }
    assert!(text(&files, "package.json").contains("@aws-sdk/client-sfn"));
    let (_, files) = render(
        "05_travel_booking_approval",
        Pattern::Workflow,
        Runtime::Rust,
        &[],
    );
    let lib = text(&files, "src/lib.rs");
    for n in names {
        assert!(lib.contains(&format!("pub mod {n} {{")), "{n}");
        text(&files, &format!("src/bin/{n}.rs"));
    }
    assert!(text(&files, "src/bin/decide.rs").contains("lambda_http"));
    assert!(text(&files, "Cargo.toml").contains("aws-sdk-sfn"));
}
