//! `trellis import-iac`: run as a user would. Starters Trellis generates import back to the
//! answers they were generated from (the questions a template can express); the output is an
//! answers file `trellis evaluate` reads as it is; bad input exits 2 and writes nothing.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

fn trellis(args: &[&str]) -> Output {
    crate::served::trellis()
        .args(args)
        .output()
        .expect("the binary runs")
}

fn case() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../questionnaires/tests/cases/05_travel_booking_approval.toml")
}

fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The starters checked: (pattern, runtime, the runtime answer, the entry point it wires).
/// A later round trip covers every pattern × runtime × IaC; adding a row here is all it takes.
const STARTERS: &[(&str, &str, &str, &str)] = &[
    ("api_lambda_dynamodb", "python", "python", "http_api"),
    ("sns_sqs_fanout", "python", "python", "queue"),
    ("s3_event_processing", "typescript", "nodejs", "s3_events"),
    ("scheduled_jobs", "rust", "rust", "schedule"),
    ("kinesis_stream_processing", "python", "python", "stream"),
];

#[test]
fn generated_starters_import_back_to_the_answers_they_were_made_from() {
    let text = std::fs::read_to_string(case()).unwrap();
    let source: toml::Table = toml::from_str(&text).unwrap();
    let given = |q: &str| -> Value { serde_json::to_value(&source["answers"][q]).unwrap() };
    for (pattern, runtime, runtime_answer, entry) in STARTERS {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("starter");
        ok(&trellis(&[
            "scaffold",
            case().to_str().unwrap(),
            "--pattern",
            pattern,
            "--runtime",
            runtime,
            "--out",
            project.to_str().unwrap(),
        ]));
        let answers = dir.path().join("imported.json");
        ok(&trellis(&[
            "import-iac",
            project.to_str().unwrap(),
            "--out",
            answers.to_str().unwrap(),
        ]));
        // The import is an answers file as it is.
        ok(&trellis(&["evaluate", answers.to_str().unwrap()]));
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&answers).unwrap()).unwrap();
        let a = &v["answers"];
        let label = format!("{pattern}/{runtime}");
        assert_eq!(a["runtime"], json!(runtime_answer), "{label}");
        for q in [
            "architecture",
            "memory_mb",
            "deploy_strategy",
            "tracing",
            "log_retention",
        ] {
            assert_eq!(a[q], given(q), "{label}: {q}");
        }
        assert!(
            a["entry_point"].as_array().unwrap().contains(&json!(entry)),
            "{label}: entry points {}",
            a["entry_point"]
        );
        let evidence = v["evidence"].as_array().unwrap();
        assert!(
            evidence.iter().any(|e| e["question"] == "runtime"
                && e["file"].as_str().unwrap().ends_with("template.yaml")
                && e["line"].as_u64().unwrap() > 0),
            "{label}: {evidence:#?}"
        );
    }
}

#[test]
fn toml_output_is_an_answers_file_too() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.yaml");
    std::fs::write(
        &template,
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      MemorySize: 1024\n",
    )
    .unwrap();
    let out = dir.path().join("answers.toml");
    ok(&trellis(&[
        "import-iac",
        template.to_str().unwrap(),
        "--format",
        "toml",
        "--workload",
        "Orders",
        "--out",
        out.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("memory_mb = 1024"), "{text}");
    assert!(text.contains("name = \"Orders\""), "{text}");
    assert!(text.contains("[[evidence]]"), "{text}");
    ok(&trellis(&["evaluate", out.to_str().unwrap()]));
}

#[test]
fn bad_input_exits_2_names_the_file_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "Resources: [\n").unwrap();
    let out = dir.path().join("answers.json");
    let run = trellis(&[
        "import-iac",
        broken.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("broken.yaml"), "{stderr}");
    assert!(run.stdout.is_empty());
    assert!(!out.exists(), "nothing half-written");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left behind"
    );
    let none = dir.path().join("empty");
    std::fs::create_dir(&none).unwrap();
    let run = trellis(&["import-iac", none.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("no CloudFormation"));
}
