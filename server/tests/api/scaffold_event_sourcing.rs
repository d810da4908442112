//! The event sourcing starter as rendered from case 08 (postings read by three consumers, in
//! order per account, replayable seven days): each requirement the answers state shows up in the
//! files the team deploys (the feed and its retention, one projection per consumer with its own
//! enhanced fan-out consumer, ordering, capacity), the store refuses every change or removal of
//! an event, the README traces the settings, and changing an answer changes the file.

use questionnaires::AnswerValue;
use questionnaires::model::ChoiceId;
use questionnaires::scaffold::{Pattern, Runtime};

use super::scaffold::{render_case_with, text};

const CASE: &str = "08_ledger_ordered_stream";

fn template(changes: &[(&str, AnswerValue)], runtime: Runtime) -> String {
    let (_, files) = render_case_with(CASE, Pattern::EventSourcing, runtime, changes);
    text(&files, "template.yaml").to_owned()
}

#[test]
fn three_consumers_read_a_kinesis_feed_kept_seven_days_each_with_its_own_consumer() {
    let t = template(&[], Runtime::Python);
    for expected in [
        "KinesisStreamSpecification:",
        "RetentionPeriodHours: 168",
        "ShardCount: 4",
        "Project1StreamConsumer:",
        "Project2StreamConsumer:",
        "Project3StreamConsumer:",
        "Stream: !GetAtt Project3StreamConsumer.ConsumerARN",
        "FunctionResponseTypes: [ReportBatchItemFailures]",
        "Destination: !GetAtt ProjectionFailureQueue.Arn",
        "MaximumRetryAttempts: 5",
        "PROJECTION: project_2",
        "SNAPSHOT_EVERY: \"100\"",
    ] {
        assert!(t.contains(expected), "{expected} missing");
    }
    assert!(!t.contains("StreamSpecification:\n        StreamViewType"));
}

#[test]
fn two_consumers_read_the_tables_own_stream() {
    let t = template(
        &[("consumers_per_event", AnswerValue::Number(2.0))],
        Runtime::Typescript,
    );
    assert!(t.contains("StreamViewType: NEW_IMAGE"));
    assert!(t.contains("Stream: !GetAtt EventsTable.StreamArn"));
    assert!(!t.contains("AWS::Kinesis::Stream"));
}

#[test]
fn the_store_is_append_only_recoverable_and_protected_from_deletion() {
    let t = template(&[], Runtime::Rust);
    for expected in [
        "Sid: EventsAreNeverChangedOrRemoved",
        "Effect: Deny",
        "- dynamodb:UpdateItem",
        "- dynamodb:DeleteItem",
        "DeletionProtectionEnabled: true",
        "PointInTimeRecoveryEnabled: true",
    ] {
        assert!(t.contains(expected), "{expected} missing");
    }
    // No function is granted a call that could change or remove an event.
    let functions = t
        .split("# ---------------------------------------------------------------- functions")
        .nth(1)
        .unwrap();
    for forbidden in [
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
    ] {
        assert!(!functions.contains(forbidden), "{forbidden} granted");
    }
}

#[test]
fn the_answers_change_the_files() {
    let base = template(&[], Runtime::Python);
    let longer = template(
        &[("replay_window_days", AnswerValue::Number(30.0))],
        Runtime::Python,
    );
    assert!(longer.contains("RetentionPeriodHours: 720"));
    let provisioned = template(
        &[(
            "dynamodb_capacity_mode",
            AnswerValue::Choices(vec![ChoiceId::parse("provisioned_fixed").unwrap()]),
        )],
        Runtime::Python,
    );
    assert!(!base.contains("WriteCapacityUnits"));
    assert!(provisioned.contains("WriteCapacityUnits: 960"));
    let global = template(
        &[(
            "ordering",
            AnswerValue::Choices(vec![ChoiceId::parse("global").unwrap()]),
        )],
        Runtime::Python,
    );
    assert!(global.contains("ParallelizationFactor: 1\n"));
    assert!(!base.contains("ParallelizationFactor: 1\n"));
}

#[test]
fn the_readme_traces_the_settings_and_the_replay_script_names_every_projection() {
    let (plan, files) = render_case_with(CASE, Pattern::EventSourcing, Runtime::Python, &[]);
    let readme = text(&files, "README.md");
    for id in [
        "event_store",
        "projections",
        "replay",
        "projection_order",
        "snapshots",
        "event_versions",
    ] {
        let c = plan.controls.iter().find(|c| c.id == id).unwrap();
        assert!(readme.contains(&c.title), "{} not in the README", c.title);
    }
    assert!(
        readme.contains("How many days back must consumers be able to replay?: 7"),
        "the replay window's answer is traced"
    );
    assert!(readme.contains("409"));
    let script = text(&files, "scripts/replay.sh");
    for h in ["project_1", "project_2", "project_3"] {
        assert!(script.contains(&format!("{h}) logical_id=")), "{h}");
    }
    let env = text(&files, "env.json");
    assert!(env.contains("EVENTS_TABLE") && env.contains("PROJECTIONS_TABLE"));
}
