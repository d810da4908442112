//! Starters Trellis generates (`trellis scaffold … --iac sam`, checked in under
//! `tests/starters/`) import without error, and their evidence points at the lines that say
//! it. `server/tests/api/import_iac.rs` generates fresh starters and checks the round trip.

use serde_json::json;

fn starter(name: &str) -> (String, iac::Import) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/starters")
        .join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let i = iac::import(&[crate::doc(name, &text)], name).unwrap();
    (text, i)
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn every_checked_in_starter_imports_and_its_answers_are_valid() {
    for name in [
        "api_lambda_dynamodb",
        "api_lambda_dynamodb_rust",
        "sns_sqs_fanout",
        "s3_event_processing",
        "scheduled_jobs",
        "kinesis_stream_processing",
    ] {
        let (_, i) = starter(name);
        let text = serde_json::to_string(&i).unwrap();
        questionnaires::parse_answers_file(
            &text,
            questionnaires::Format::Json,
            questionnaires::builtin(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        for q in [
            "runtime",
            "architecture",
            "memory_mb",
            "deploy_strategy",
            "tracing",
            "log_retention",
            "entry_point",
        ] {
            assert!(
                i.answers.contains_key(q),
                "{name}: {q} unanswered: {:#?}",
                i.evidence
            );
        }
    }
}

#[test]
fn the_api_starter_s_evidence_names_the_globals_lines() {
    let (text, i) = starter("api_lambda_dynamodb");
    let ev = |q: &str| {
        i.evidence
            .iter()
            .find(|e| e.question == q && e.value.is_some())
            .unwrap()
    };
    assert_eq!(ev("runtime").line, line_of(&text, "    Runtime: python"));
    assert_eq!(ev("runtime").path, "Globals.Function.Runtime");
    assert_eq!(ev("memory_mb").line, line_of(&text, "    MemorySize:"));
    assert_eq!(ev("tracing").line, line_of(&text, "    Tracing: Active"));
    assert_eq!(
        ev("deploy_strategy").line,
        line_of(&text, "DeploymentPreference:")
    );
    assert_eq!(i.answers["entry_point"], json!(["http_api"]));
    assert_eq!(i.answers["log_retention"], json!("set_everywhere"));
    assert!(
        i.findings.iter().all(|f| f.severity == iac::Severity::Note),
        "a starter has no findings: {:#?}",
        i.findings
    );
}

#[test]
fn the_rust_starter_is_rust_by_its_build_method() {
    let (_, i) = starter("api_lambda_dynamodb_rust");
    assert_eq!(i.answers["runtime"], json!("rust"));
}
