//! The CQRS starter as rendered from case 35 (order tracking read nine times more than written,
//! by shop and by status): the two models and their ceilings, one index per query shape, the two
//! APIs throttled apart, the projector's stream settings and read-lag alarm, each function granted
//! only its side, every runtime's handlers serving the same routes, and a README that traces the
//! settings and states how stale a read can be. Changing an answer changes the file.

use questionnaires::AnswerValue;
use questionnaires::model::ChoiceId;
use questionnaires::scaffold::{Pattern, Runtime};
use serde_yaml::Value;

use super::scaffold::{render_case_with, text};

const CASE: &str = "35_order_tracking_read_models";

fn template(changes: &[(&str, AnswerValue)]) -> String {
    let (_, files) = render_case_with(CASE, Pattern::Cqrs, Runtime::Python, changes);
    text(&files, "template.yaml").to_owned()
}

fn choice(id: &str) -> AnswerValue {
    AnswerValue::Choices(vec![ChoiceId::parse(id).unwrap()])
}

/// The actions and resources a function's inline statements grant, as YAML text.
fn policies(template: &str, function: &str) -> String {
    let t: Value = serde_yaml::from_str(template).unwrap();
    serde_yaml::to_string(&t["Resources"][function]["Properties"]["Policies"]).unwrap()
}

#[test]
fn case_35_gets_two_models_an_index_per_view_and_apis_throttled_apart() {
    let t = template(&[]);
    for expected in [
        "StreamViewType: NEW_IMAGE",
        // 600 requests a second, one write to nine reads: 60 commands and 540 queries at peak.
        "ThrottlingRateLimit: 90\n",
        "ThrottlingRateLimit: 810\n",
        // The command API's burst of 180 at one write unit an item; three copies in the read table.
        "MaxWriteRequestUnits: 360\n",
        "MaxWriteRequestUnits: 1080\n",
        "MaxReadRequestUnits: 4860\n",
        "- IndexName: ByOwner",
        "- IndexName: ByStatus",
        "Path: /owners/{owner}/items",
        "Path: /statuses/{status}/items",
        "Stream: !GetAtt WriteTable.StreamArn",
        "BisectBatchOnFunctionError: true",
        "FunctionResponseTypes: [ReportBatchItemFailures]",
        "Destination: !GetAtt ProjectionFailureQueue.Arn",
        "ParallelizationFactor: 1\n",
        "MetricName: IteratorAge",
        "Threshold: !Ref ReadLagAlarmSeconds",
    ] {
        assert!(t.contains(expected), "{expected} missing");
    }
}

#[test]
fn each_function_is_granted_only_its_own_side() {
    let t = template(&[]);
    let command = policies(&t, "CommandFunction");
    assert!(command.contains("WriteTable") && !command.contains("ReadTable"));
    assert!(!command.contains("dynamodb:DeleteItem") && !command.contains("dynamodb:Query"));
    let projector = policies(&t, "ProjectorFunction");
    assert!(projector.contains("ReadTable") && !projector.contains("WriteTable.Arn"));
    assert!(!projector.contains("dynamodb:GetItem") && !projector.contains("dynamodb:Query"));
    let query = policies(&t, "QueryFunction");
    assert!(query.contains("ReadTable") && !query.contains("WriteTable"));
    for write in [
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    ] {
        assert!(!query.contains(write), "the query function may {write}");
    }
    assert!(query.contains("/index/*"));
}

#[test]
fn the_answers_change_the_files() {
    let base = template(&[]);
    let by_key = template(&[("query_patterns", choice("key_value_known"))]);
    assert!(!by_key.contains("GlobalSecondaryIndexes:"));
    assert!(!by_key.contains("dynamodb:Query"));
    let few = template(&[("query_patterns", choice("few_views"))]);
    assert!(few.contains("- IndexName: ByOwner") && !few.contains("- IndexName: ByStatus"));
    let even = template(&[("db_writes_per_request", AnswerValue::Number(9.0))]);
    assert!(
        even.contains("ThrottlingRateLimit: 450\n"),
        "half the peak each side"
    );
    assert!(!base.contains("ThrottlingRateLimit: 450\n"));
    let bigger = template(&[("item_size_kb", AnswerValue::Number(5.0))]);
    assert!(
        bigger.contains("MaxWriteRequestUnits: 900\n")
            && bigger.contains("MaxWriteRequestUnits: 2700\n")
    );
    let batches = template(&[("batch_size", AnswerValue::Number(25.0))]);
    assert!(batches.contains("BatchSize: 25\n") && !base.contains("BatchSize: 25\n"));
}

#[test]
fn every_runtime_serves_the_same_routes_from_the_read_model() {
    for runtime in Runtime::ALL {
        let (_, files) = render_case_with(CASE, Pattern::Cqrs, runtime, &[]);
        let source: String = files
            .iter()
            .filter(|f| f.path.starts_with("src/"))
            .map(|f| f.contents.as_str())
            .collect();
        for route in ["/owners/{owner}/items", "/statuses/{status}/items"] {
            assert!(source.contains(route), "{runtime:?}: {route}");
        }
        assert!(
            source.contains("attribute_not_exists(id) OR #version < :version"),
            "{runtime:?}"
        );
        assert!(source.contains("#version = :expected"), "{runtime:?}");
        let env = text(&files, "env.json");
        assert!(
            env.contains("WRITE_TABLE") && env.contains("READ_TABLE"),
            "{runtime:?}"
        );
        assert!(
            files.iter().any(|f| f.path == "events/projector.json"),
            "{runtime:?}"
        );
    }
}

#[test]
fn the_readme_traces_the_settings_and_states_the_lag() {
    let (plan, files) = render_case_with(CASE, Pattern::Cqrs, Runtime::Typescript, &[]);
    let readme = text(&files, "README.md");
    for id in [
        "api_throttling",
        "cqrs_models",
        "read_views",
        "projector",
        "read_lag",
        "idempotency",
    ] {
        let c = plan.controls.iter().find(|c| c.id == id).unwrap();
        assert!(readme.contains(&c.title), "{} not in the README", c.title);
    }
    // A 250 ms poll plus the review's p99 of 120 ms.
    assert!(readme.contains("370 ms"), "the expected lag");
    assert!(readme.contains("ReadLagAlarmSeconds"));
}
