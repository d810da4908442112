//! Least privilege checked against the code: for every pattern × runtime starter of the main
//! answer cases, the IAM statements of `template.yaml` grant exactly the AWS calls the handler
//! code makes, no SAM policy template is left, and the alarms, names and `env.json` follow the
//! starters' conventions. Calls are found in the non-test source (`src/`, Rust's test modules
//! cut out) with a small table per SDK, and mapped to IAM actions; a call the table does not
//! know fails the test, so a new call cannot slip past it.

use std::collections::{BTreeMap, BTreeSet};

use questionnaires::scaffold::{Pattern, Runtime};
use serde_yaml::Value;

/// The cases every starter is rendered from.
const CASES: [&str; 3] = [
    "05_travel_booking_approval",
    "06_steady_pricing_api",
    "08_ledger_ordered_stream",
];

/// The four item actions of Powertools' DynamoDB persistence layer.
const POWERTOOLS_IDEMPOTENCY: [&str; 4] = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
];

/// boto3 client/resource methods and Rust `aws_sdk_*` fluent operations (both snake case),
/// with the IAM action each needs.
const SNAKE_CALLS: [(&str, &str); 18] = [
    ("put_item", "dynamodb:PutItem"),
    ("get_item", "dynamodb:GetItem"),
    ("update_item", "dynamodb:UpdateItem"),
    ("delete_item", "dynamodb:DeleteItem"),
    ("query", "dynamodb:Query"),
    ("scan", "dynamodb:Scan"),
    ("get_object", "s3:GetObject"),
    ("put_object", "s3:PutObject"),
    ("send_message", "sqs:SendMessage"),
    ("get_secret_value", "secretsmanager:GetSecretValue"),
    ("put_events", "events:PutEvents"),
    ("publish", "sns:Publish"),
    ("start_execution", "states:StartExecution"),
    ("send_task_success", "states:SendTaskSuccess"),
    ("send_task_failure", "states:SendTaskFailure"),
    ("put_record", "kinesis:PutRecord"),
    // boto3's RDS IAM token: signed locally, presented to RDS Proxy, which checks rds-db:connect.
    ("generate_db_auth_token", "rds-db:connect"),
    ("post_to_connection", "execute-api:ManageConnections"),
];

/// AWS SDK for JavaScript v3 commands (the DynamoDB document client's among them).
const TS_COMMANDS: [(&str, &str); 20] = [
    ("PutCommand", "dynamodb:PutItem"),
    ("GetCommand", "dynamodb:GetItem"),
    ("UpdateCommand", "dynamodb:UpdateItem"),
    ("DeleteCommand", "dynamodb:DeleteItem"),
    ("PutItemCommand", "dynamodb:PutItem"),
    ("GetItemCommand", "dynamodb:GetItem"),
    ("DeleteItemCommand", "dynamodb:DeleteItem"),
    ("QueryCommand", "dynamodb:Query"),
    ("ScanCommand", "dynamodb:Scan"),
    ("GetObjectCommand", "s3:GetObject"),
    ("PutObjectCommand", "s3:PutObject"),
    ("SendMessageCommand", "sqs:SendMessage"),
    ("GetSecretValueCommand", "secretsmanager:GetSecretValue"),
    ("PutEventsCommand", "events:PutEvents"),
    ("PublishCommand", "sns:Publish"),
    ("StartExecutionCommand", "states:StartExecution"),
    ("SendTaskSuccessCommand", "states:SendTaskSuccess"),
    ("SendTaskFailureCommand", "states:SendTaskFailure"),
    ("PutRecordCommand", "kinesis:PutRecord"),
    ("PostToConnectionCommand", "execute-api:ManageConnections"),
];

/// Rust source without its `#[cfg(test)]` items (a brace-matched block after the attribute).
fn without_tests(src: &str) -> String {
    let mut out = String::new();
    let mut rest = src;
    while let Some(i) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let Some(open) = after.find('{') else {
            return out;
        };
        let mut depth = 0usize;
        let mut end = after.len();
        for (j, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + j + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The identifiers `text` calls as methods: `.name(`.
fn method_calls(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices('.') {
        let name: String = text[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && text[i + 1 + name.len()..].starts_with('(') {
            out.insert(name);
        }
    }
    out
}

/// The IAM actions the starter's code calls.
fn called_actions(runtime: Runtime, files: &[server::scaffold::File]) -> BTreeSet<String> {
    let source: String = files
        .iter()
        .filter(|f| {
            f.path.starts_with("src/")
                && (f.path.ends_with(".py") || f.path.ends_with(".ts") || f.path.ends_with(".rs"))
        })
        .map(|f| match runtime {
            Runtime::Rust => without_tests(&f.contents),
            _ => f.contents.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut actions = BTreeSet::new();
    match runtime {
        Runtime::Python | Runtime::Rust => {
            let calls = method_calls(&source);
            for (method, action) in SNAKE_CALLS {
                if calls.contains(method) {
                    actions.insert(action.to_owned());
                }
            }
            if runtime == Runtime::Python {
                // Powertools' parameters utility reads a secret with GetSecretValue.
                if source.contains("parameters.get_secret(") {
                    actions.insert("secretsmanager:GetSecretValue".to_owned());
                }
                if source.contains("DynamoDBPersistenceLayer(") {
                    actions.extend(POWERTOOLS_IDEMPOTENCY.map(str::to_owned));
                }
            }
            // A Rust client of a service the table does not know would go unchecked.
            for (i, _) in source.match_indices("aws_sdk_") {
                let service: String = source[i + 8..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                assert!(
                    [
                        "dynamodb",
                        "s3",
                        "sqs",
                        "secretsmanager",
                        "sfn",
                        "sns",
                        "apigatewaymanagement"
                    ]
                    .contains(&service.as_str()),
                    "aws_sdk_{service}: add its operations to SNAKE_CALLS"
                );
            }
        }
        Runtime::Typescript => {
            for (i, _) in source.match_indices("new ") {
                let name: String = source[i + 4..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                if name.ends_with("Command") {
                    let action = TS_COMMANDS
                        .iter()
                        .find(|(c, _)| *c == name)
                        .unwrap_or_else(|| panic!("new {name}: add it to TS_COMMANDS"));
                    actions.insert(action.1.to_owned());
                }
            }
            if source.contains("new DynamoDBPersistenceLayer(") {
                actions.extend(POWERTOOLS_IDEMPOTENCY.map(str::to_owned));
            }
        }
    }
    // An RDS IAM token (@aws-sdk/rds-signer's Signer, or a SigV4 presign for the `rds-db`
    // service in Rust) is checked by RDS Proxy against rds-db:connect.
    if source.contains("new Signer(") || source.contains("\"rds-db\"") {
        actions.insert("rds-db:connect".to_owned());
    }
    actions
}

/// A CloudFormation value without its tag (`!Ref X` → `X`).
fn untagged(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untagged(&t.value),
        other => other,
    }
}

/// A string or a list of strings.
fn strings(v: &Value) -> Vec<String> {
    match untagged(v) {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items.iter().flat_map(strings).collect(),
        other => panic!("not a string or a list: {other:?}"),
    }
}

/// Each function's granted actions, by logical id. Fails on anything in `Policies` that is not
/// an inline statement (a SAM policy template or a managed policy).
fn granted_actions(template: &Value, context: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    let resources = template["Resources"].as_mapping().unwrap();
    for (id, resource) in resources {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let id = id.as_str().unwrap().to_owned();
        let mut actions = BTreeSet::new();
        if let Some(policies) = resource["Properties"].get("Policies") {
            for policy in policies.as_sequence().unwrap() {
                let keys: Vec<&str> = policy
                    .as_mapping()
                    .unwrap_or_else(|| panic!("{context} {id}: a managed policy {policy:?}"))
                    .keys()
                    .filter_map(Value::as_str)
                    .collect();
                assert_eq!(
                    keys,
                    ["Statement"],
                    "{context} {id}: a policy that is not an inline statement (a SAM policy template?)"
                );
                for statement in policy["Statement"].as_sequence().unwrap() {
                    assert_eq!(statement["Effect"].as_str(), Some("Allow"));
                    let resource = untagged(&statement["Resource"]);
                    assert!(
                        resource.as_str() != Some("*"),
                        "{context} {id}: a statement on every resource"
                    );
                    actions.extend(strings(&statement["Action"]));
                }
            }
        }
        out.insert(id, actions);
    }
    out
}

/// Every rendered starter of the main cases, with the pattern and runtime it was made for.
fn starters() -> Vec<(
    String,
    questionnaires::scaffold::Plan,
    Vec<server::scaffold::File>,
)> {
    let mut out = Vec::new();
    for case in CASES {
        for pattern in Pattern::ALL {
            for runtime in Runtime::ALL {
                let (plan, files) = super::scaffold::render_case(case, pattern, runtime);
                out.push((
                    format!("{case} {} {}", pattern.as_str(), runtime.as_str()),
                    plan,
                    files,
                ));
            }
        }
    }
    out
}

fn template_of(files: &[server::scaffold::File]) -> Value {
    serde_yaml::from_str(super::scaffold::text(files, "template.yaml")).unwrap()
}

#[test]
fn every_function_is_granted_exactly_the_aws_calls_its_code_makes() {
    for (context, plan, files) in starters() {
        let granted = granted_actions(&template_of(&files), &context);
        if granted.is_empty() {
            eprintln!("{context}: the pattern has no functions; nothing to check");
            continue;
        }
        // KMS is called by the services on the function's behalf (SSE-KMS), not by its code.
        let granted: BTreeMap<&String, BTreeSet<&String>> = granted
            .iter()
            .map(|(f, a)| (f, a.iter().filter(|a| !a.starts_with("kms:")).collect()))
            .collect();
        let called = called_actions(plan.runtime, &files);
        let all_granted: BTreeSet<&String> = granted.values().flatten().copied().collect();
        for action in &called {
            assert!(
                all_granted.contains(action),
                "{context}: the code calls {action}, which no function is granted"
            );
        }
        for (function, actions) in &granted {
            for action in actions {
                assert!(
                    called.contains(*action),
                    "{context}: {function} is granted {action}, which the code never calls"
                );
            }
        }
        // Only the functions that record keys may touch the idempotency table.
        let template = template_of(&files);
        for h in &plan.handlers {
            let policies = serde_yaml::to_string(
                &template["Resources"][h.logical_id.as_str()]["Properties"]["Policies"],
            )
            .unwrap();
            let has_idempotency = policies.contains("IdempotencyTable");
            assert_eq!(
                has_idempotency, h.idempotent,
                "{context}: {} and the idempotency table",
                h.logical_id
            );
        }
    }
}

#[test]
fn rollback_alarms_are_error_rates_on_the_live_alias_over_three_of_five_minutes() {
    for (context, plan, files) in starters() {
        if plan.pattern.containers() {
            // ECS rolls back on its deployment circuit breaker; there is no Lambda alias.
            continue;
        }
        let template = template_of(&files);
        let resources = &template["Resources"];
        for h in &plan.handlers {
            let alarm = &resources[format!("{}ErrorsAlarm", h.logical_id).as_str()]["Properties"];
            assert_eq!(alarm["EvaluationPeriods"].as_u64(), Some(5), "{context}");
            assert_eq!(alarm["DatapointsToAlarm"].as_u64(), Some(3), "{context}");
            assert_eq!(alarm["Threshold"].as_u64(), Some(5), "{context}");
            assert_eq!(alarm["TreatMissingData"].as_str(), Some("notBreaching"));
            assert!(
                alarm.get("MetricName").is_none(),
                "{context}: a plain count"
            );
            let metrics = alarm["Metrics"].as_sequence().unwrap();
            let expression = metrics
                .iter()
                .find_map(|m| m.get("Expression").and_then(Value::as_str))
                .unwrap();
            assert!(
                expression.contains("100 * FILL(errors, 0) / invocations"),
                "{context}: {expression}"
            );
            for m in metrics.iter().filter(|m| m.get("MetricStat").is_some()) {
                let dims = m["MetricStat"]["Metric"]["Dimensions"]
                    .as_sequence()
                    .unwrap();
                let resource = dims
                    .iter()
                    .find(|d| d["Name"].as_str() == Some("Resource"))
                    .unwrap_or_else(|| panic!("{context}: no Resource dimension"));
                assert_eq!(
                    untagged(&resource["Value"]).as_str(),
                    Some(format!("${{{}}}:live", h.logical_id).as_str()),
                    "{context}"
                );
            }
            let function = &resources[h.logical_id.as_str()]["Properties"];
            let gated: Vec<String> = strings(&function["DeploymentPreference"]["Alarms"])
                .into_iter()
                .collect();
            assert_eq!(gated, [format!("{}ErrorsAlarm", h.logical_id)], "{context}");
        }
        assert!(
            plan.controls.iter().any(|c| c.id == "error_rate_alarm"),
            "{context}: the threshold has no control"
        );
    }
}

/// Every string in a value, tags taken off.
fn leaves(v: &Value) -> Vec<String> {
    match untagged(v) {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items.iter().flat_map(leaves).collect(),
        Value::Mapping(m) => m.values().flat_map(leaves).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn names_survive_an_upper_case_stack_name_and_any_region() {
    for (context, _plan, files) in starters() {
        let template = template_of(&files);
        for (id, resource) in template["Resources"].as_mapping().unwrap() {
            let id = id.as_str().unwrap();
            let kind = resource["Type"].as_str().unwrap();
            if kind == "AWS::S3::Bucket" {
                let name = &resource["Properties"]["BucketName"];
                let text = serde_yaml::to_string(name).unwrap();
                assert!(!text.contains("StackName"), "{context} {id}: {text}");
                assert!(text.contains("AWS::StackId"), "{context} {id}: {text}");
                for part in leaves(name) {
                    assert!(
                        part.starts_with("AWS::") || part == part.to_lowercase(),
                        "{context} {id}: {part} in a bucket name"
                    );
                }
            }
            if kind == "AWS::Budgets::Budget" {
                let name =
                    serde_yaml::to_string(&resource["Properties"]["Budget"]["BudgetName"]).unwrap();
                assert!(name.contains("${AWS::Region}"), "{context} {id}: {name}");
            }
        }
    }
}

#[test]
fn env_json_lists_every_function_and_each_resource_its_environment_names() {
    for (context, plan, files) in starters() {
        if plan.pattern.containers() {
            // No Lambda functions to invoke locally: the app runs in its container.
            continue;
        }
        let template = template_of(&files);
        let env: serde_json::Value =
            serde_json::from_str(super::scaffold::text(&files, "env.json")).unwrap();
        let parameters = template["Parameters"].as_mapping().unwrap();
        let globals = template["Globals"]["Function"]["Environment"]["Variables"].clone();
        for h in &plan.handlers {
            let listed = env[h.logical_id.as_str()]
                .as_object()
                .unwrap_or_else(|| panic!("{context}: env.json lacks {}", h.logical_id));
            let own = template["Resources"][h.logical_id.as_str()]["Properties"]["Environment"]
                ["Variables"]
                .clone();
            let mut expected = BTreeSet::new();
            for vars in [&globals, &own] {
                for (k, v) in vars.as_mapping().into_iter().flatten() {
                    if let Value::Tagged(t) = v
                        && t.tag == "!Ref"
                        && !parameters.contains_key(&t.value)
                    {
                        expected.insert(k.as_str().unwrap().to_owned());
                    }
                }
            }
            let got: BTreeSet<String> = listed.keys().cloned().collect();
            assert_eq!(got, expected, "{context} {}", h.logical_id);
        }
        let script = super::scaffold::text(&files, "scripts/local-env.sh");
        let readme = super::scaffold::text(&files, "README.md");
        assert!(readme.contains("--env-vars env.json"), "{context}");
        // The strangler fig's facade routes are API Gateway resources, which start-api cannot serve.
        if plan.api.is_some() && plan.pattern != Pattern::StranglerFig {
            assert!(
                readme.contains("sam local start-api --env-vars env.json"),
                "{context}"
            );
        }
        for var in env
            .as_object()
            .unwrap()
            .values()
            .flat_map(|v| v.as_object().unwrap().keys())
        {
            assert!(script.contains(&format!("\"{var}\"")), "{context}: {var}");
        }
    }
}

#[test]
fn the_deploy_workflow_assumes_a_role_by_oidc_tests_staging_then_deploys_prod() {
    for (context, plan, files) in starters() {
        if plan.pattern.containers() {
            // A containers starter's CI builds the image, pushes it and deploys (its own tests).
            continue;
        }
        let workflow: Value = serde_yaml::from_str(super::scaffold::text(
            &files,
            ".github/workflows/deploy.yml",
        ))
        .unwrap();
        let jobs = &workflow["jobs"];
        for (job, env) in [("staging", "staging"), ("prod", "prod")] {
            let j = &jobs[job];
            assert_eq!(j["environment"].as_str(), Some(env), "{context}");
            assert_eq!(j["permissions"]["id-token"].as_str(), Some("write"));
            let steps = serde_yaml::to_string(&j["steps"]).unwrap();
            assert!(
                steps.contains(
                    "aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c"
                ),
                "{context}: the credentials action is not pinned to a commit"
            );
            assert!(
                steps.contains("${{ vars.AWS_DEPLOY_ROLE_ARN }}"),
                "{context}"
            );
            assert!(steps.contains(&format!("--config-env {env}")), "{context}");
        }
        assert_eq!(jobs["prod"]["needs"].as_str(), Some("staging"));
        let staging = serde_yaml::to_string(&jobs["staging"]["steps"]).unwrap();
        assert!(
            staging.contains("python -m pytest integration"),
            "{context}"
        );
        let samconfig = super::scaffold::text(&files, "samconfig.toml");
        assert!(
            samconfig.contains("[staging.deploy.parameters]"),
            "{context}"
        );
        assert!(
            super::scaffold::text(&files, "integration/test_staging.py").contains("def test_"),
            "{context}"
        );
    }
}

#[test]
fn a_dashboard_comes_with_a_dashboards_answer_and_a_control_traced_to_it() {
    for (context, plan, files) in starters() {
        let template = template_of(&files);
        let dashboard = template["Resources"].get("Dashboard");
        let control = plan.controls.iter().find(|c| c.id == "dashboard");
        assert_eq!(dashboard.is_some(), plan.watch.dashboard, "{context}");
        assert_eq!(control.is_some(), plan.watch.dashboard, "{context}");
        if let (Some(d), Some(c)) = (dashboard, control) {
            assert!(
                c.from
                    .iter()
                    .any(|o| o.question == "dashboards" && o.answered)
            );
            assert!(
                d["Properties"].get("DashboardName").is_none(),
                "{context}: a fixed name"
            );
            let body = untagged(&d["Properties"]["DashboardBody"])
                .as_str()
                .unwrap();
            let body: serde_json::Value = serde_json::from_str(body).unwrap();
            for h in &plan.handlers {
                assert!(
                    body.to_string()
                        .contains(&format!("${{{}}}:live", h.logical_id)),
                    "{context}: {} is not on the dashboard",
                    h.logical_id
                );
            }
        }
    }
}
