//! The relational API starter as rendered from case 22: each requirement the answers state shows
//! up in the files the team deploys (the connection budget in the proxy and the prod stage's
//! reserved concurrency, the statement timeout in the migration, backups on the cluster), the
//! function reaches the database only through RDS Proxy with an IAM token, and changing an
//! answer changes the file.

use questionnaires::model::{ChoiceId, QuestionId};
use questionnaires::scaffold::{Choice, Iac, Pattern, Runtime};
use questionnaires::{Answer, AnswerValue, Format, builtin, evaluate, parse_answers_file};

use super::scaffold::text;

/// Case 22's relational starter with some answers replaced.
fn render(changes: &[(&str, AnswerValue)], runtime: Runtime) -> Vec<server::scaffold::File> {
    let q = builtin();
    let path = format!(
        "{}/../questionnaires/tests/cases/22_aurora_serverless_reporting_api.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut file =
        parse_answers_file(&std::fs::read_to_string(path).unwrap(), Format::Toml, q).unwrap();
    for (id, v) in changes {
        file.answers
            .insert(QuestionId::parse(id).unwrap(), Answer::new(v.clone()));
    }
    let evaluation = evaluate(q, &file.answers);
    let choice = Choice {
        pattern: Some(Pattern::Relational),
        runtime,
        iac: Iac::Sam,
    };
    server::scaffold::starter(q, &file.workload, &file.answers, &evaluation, choice)
        .unwrap()
        .1
        .files
}

fn python(changes: &[(&str, AnswerValue)]) -> Vec<server::scaffold::File> {
    render(changes, Runtime::Python)
}

#[test]
fn the_function_reaches_the_database_only_through_the_proxy_with_an_iam_token() {
    let files = python(&[]);
    let template = text(&files, "template.yaml");
    for expected in [
        "RequireTLS: true",
        "IAMAuth: REQUIRED",
        "Action: rds-db:connect",
        ":dbuser:${ProxyId}/app\"",
        "ProxyId: !Select [6, !Split [\":\", !GetAtt Proxy.DBProxyArn]]",
        "DB_HOST: !GetAtt Proxy.Endpoint",
        "SecurityGroupIds: [!Ref FunctionSecurityGroup]",
        "DestinationSecurityGroupId: !Ref ProxySecurityGroup",
        "SourceSecurityGroupId: !Ref ProxySecurityGroup",
        "ManageMasterUserPassword: true",
        "StorageEncrypted: true",
    ] {
        assert!(
            template.contains(expected),
            "template.yaml lacks {expected}"
        );
    }
    // No route out of the VPC and no secret read by the function.
    assert!(!template.contains("NatGateway"));
    let function = template.split("  ApiFunction:").nth(1).unwrap();
    let function = function.split("  ApiFunctionLogGroup:").next().unwrap();
    assert!(!function.contains("secretsmanager:"), "{function}");
    let app = text(&files, "src/app.py");
    assert!(app.contains("generate_db_auth_token("));
    assert!(!app.contains("IDEMPOTENCY_TABLE"));
}

#[test]
fn the_connection_budget_sizes_the_proxy_and_caps_the_prod_functions() {
    let files = python(&[]);
    let template = text(&files, "template.yaml");
    assert!(template.contains("MaxConnectionsPercent: 80"));
    assert!(template.contains("MaxCapacity: 4\n"));
    assert!(text(&files, "samconfig.toml").contains("ReservedConcurrency=\\\"150\\\""));
    let readme = text(&files, "README.md");
    assert!(readme.contains("| Connection budget |"), "README's table");

    let files = python(&[("reserved_concurrency", AnswerValue::Number(2000.0))]);
    assert!(text(&files, "template.yaml").contains("MaxCapacity: 16\n"));
    assert!(text(&files, "samconfig.toml").contains("ReservedConcurrency=\\\"2000\\\""));
}

#[test]
fn statements_time_out_before_the_function_and_the_migration_says_so() {
    let files = python(&[]);
    let schema = text(&files, "migrations/001_items.sql");
    assert!(schema.contains("SET statement_timeout = '2000ms'"));
    assert!(schema.contains("UNIQUE (caller, idempotency_key)"));
    assert!(text(&files, "template.yaml").contains("Timeout: 3\n"));

    let files = python(&[("p99_duration_ms", AnswerValue::Number(6000.0))]);
    let schema = text(&files, "migrations/001_items.sql");
    assert!(schema.contains("SET statement_timeout = '12000ms'"));
    assert!(text(&files, "template.yaml").contains("Timeout: 18\n"));
}

#[test]
fn backups_follow_the_recovery_answer_and_deletion_is_protected() {
    let template = python(&[])
        .into_iter()
        .find(|f| f.path == "template.yaml")
        .unwrap();
    assert!(template.contents.contains("BackupRetentionPeriod: 35"));
    assert!(template.contents.contains("DeletionProtection: true"));
    assert!(template.contents.contains("DeletionPolicy: Snapshot"));
    let restore_only = AnswerValue::Choices(vec![ChoiceId::parse("restore_tested").unwrap()]);
    let files = python(&[("backups", restore_only)]);
    assert!(text(&files, "template.yaml").contains("BackupRetentionPeriod: 7"));
}

#[test]
fn the_team_is_told_how_to_migrate_and_the_pipeline_migrates_before_testing() {
    let files = python(&[]);
    let script = files
        .iter()
        .find(|f| f.path == "scripts/migrate.sh")
        .unwrap();
    assert!(script.executable);
    assert!(script.contents.contains("aws rds-data execute-statement"));
    assert!(text(&files, "README.md").contains("scripts/migrate.sh <stack-name>"));
    let deploy = text(&files, ".github/workflows/deploy.yml");
    let migrate = deploy.find("scripts/migrate.sh").unwrap();
    assert!(migrate < deploy.find("Integration tests").unwrap());
}

#[test]
fn every_runtime_uses_a_postgres_driver_and_an_rds_token() {
    let ts = render(&[], Runtime::Typescript);
    let package = text(&ts, "package.json");
    assert!(package.contains("\"pg\"") && package.contains("\"@aws-sdk/rds-signer\""));
    // The Node.js runtime does not carry the signer: it is bundled, not left external.
    assert!(!text(&ts, "template.yaml").contains("External:"));
    assert!(text(&ts, "src/app.ts").contains("new Signer("));
    let rust = render(&[], Runtime::Rust);
    assert!(text(&rust, "Cargo.toml").contains("tokio-postgres"));
    assert!(text(&rust, "src/lib.rs").contains(".name(\"rds-db\")"));
}
