//! `trellis evaluate`, `trellis report`, `trellis catalog` and `trellis serve`: output contracts
//! and exit codes, run as a user would. None of them opens the test's database (`scripts/test`
//! runs them once, not again in its Postgres pass).

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use crate::served::{Served, eventually};

fn trellis(args: &[&str]) -> Output {
    crate::served::trellis()
        .args(args)
        .output()
        .expect("the binary runs")
}

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../questionnaires/tests/cases")
        .join(name)
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn evaluate_json_has_the_documented_contract() {
    let out = trellis(&[
        "evaluate",
        case("01_bursty_crud_api.toml").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["scores"]["overall"].is_number());
    for area in [
        "workload_fit",
        "state",
        "reliability",
        "security",
        "observability",
        "cost",
        "delivery",
    ] {
        assert!(
            v["scores"]["areas"].get(area).is_some(),
            "scores.areas.{area}"
        );
    }
    let rec = &v["recommendations"][0];
    assert_eq!(rec["pattern"], "api_lambda_dynamodb");
    assert!(rec["score"].is_number());
    assert!(!rec["reasons"].as_array().unwrap().is_empty());
    assert!(!rec["tradeoffs"].as_array().unwrap().is_empty());
    for check in v["checks"].as_array().unwrap() {
        assert!(["ok", "warn", "fail"].contains(&check["status"].as_str().unwrap()));
        for key in ["id", "value", "limit", "message"] {
            assert!(check.get(key).is_some(), "checks[].{key}");
        }
    }
    for risk in v["risks"].as_array().unwrap() {
        assert!(["high", "medium"].contains(&risk["level"].as_str().unwrap()));
        assert!(risk["question"].is_string() && risk["reason"].is_string());
    }
    assert!(v["cost"]["break_even_requests"].is_number());
    assert!(v["checklist"].as_array().unwrap().len() >= 20);
    assert_eq!(v["workload"]["name"], "Loyalty points API");
}

#[test]
fn json_and_toml_answers_give_the_same_evaluation() {
    let toml_path = case("01_bursty_crud_api.toml");
    let table: toml::Table = toml::from_str(&std::fs::read_to_string(&toml_path).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json_path = write(
        &dir,
        "answers.json",
        &serde_json::to_string(&table).unwrap(),
    );
    let a = trellis(&["evaluate", toml_path.to_str().unwrap()]);
    let b = trellis(&["evaluate", &json_path]);
    assert_eq!(
        b.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&b.stderr)
    );
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn fail_on_exits_1_only_when_the_threshold_is_reached() {
    let dir = tempfile::tempdir().unwrap();
    let risky = write(
        &dir,
        "risky.toml",
        "questionnaire = \"serverless-review\"\n[workload]\nname = \"Payments\"\n[answers]\n\
         duplicate_sensitivity = \"costly\"\nidempotency = \"none\"\n",
    );
    assert_eq!(
        trellis(&["evaluate", &risky, "--fail-on", "high"])
            .status
            .code(),
        Some(1)
    );
    let out = trellis(&["evaluate", &risky]);
    assert_eq!(out.status.code(), Some(0), "no threshold, no failure");
    let calm = write(
        &dir,
        "calm.toml",
        "questionnaire = \"serverless-review\"\n[workload]\nname = \"Calm\"\n[answers]\nidempotency = \"keys_enforced\"\n",
    );
    assert_eq!(
        trellis(&["evaluate", &calm, "--fail-on", "medium"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn require_complete_exits_1_on_an_incomplete_review_and_0_on_a_complete_one() {
    let dir = tempfile::tempdir().unwrap();
    let four = write(
        &dir,
        "four.toml",
        "questionnaire = \"serverless-review\"\n[workload]\nname = \"Four answers\"\n[answers]\n\
         entry_point = [\"http_api\"]\ndata_store = [\"dynamodb\"]\ntraffic_shape = \"spiky\"\n\
         query_patterns = \"key_value_known\"\n",
    );
    let out = trellis(&["evaluate", &four]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "without the flag, incomplete is not a failure"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["verdict"]["status"], "incomplete");
    assert_eq!(json["scores"]["provisional"], true);
    let out = trellis(&["evaluate", &four, "--require-complete"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Incomplete: 4 of "));

    let case = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../questionnaires/tests/cases/09_payment_capture_no_idempotency.toml"
    );
    let out = trellis(&["evaluate", case, "--require-complete"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["verdict"]["status"], "fits_with_blockers");
    assert!(
        json["verdict"]["blockers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == "idempotency" && b["kind"] == "risk")
    );
    assert_eq!(json["scores"]["overall"], 59.0);
}

#[test]
fn bad_input_lists_every_problem_and_writes_nothing_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        &dir,
        "bad.toml",
        "questionnaire = \"serverless-review\"\n[workload]\nname = \"Broken\"\n[answers]\n\
         no_such_question = \"x\"\n\
         traffic_shape = \"sideways\"\n\
         entry_point = \"http_api\"\n\
         runtime = [\"python\", \"rust\"]\n\
         peak_rps = -5\n\
         memory_mb = \"lots\"\n\
         ordering = { not_applicable = \"\" }\n",
    );
    let out = trellis(&["evaluate", &bad, "--format", "md"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no partial output on bad input");
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "answers.no_such_question: unknown question",
        "answers.traffic_shape: `sideways` is not a choice of `traffic_shape`",
        "answers.runtime: `runtime` takes one choice id",
        "answers.peak_rps: -5 req/s is out of range",
        "answers.memory_mb: `memory_mb` takes a number",
        "answers.ordering.not_applicable: not applicable needs a reason",
    ] {
        assert!(err.contains(needle), "stderr lacks `{needle}`:\n{err}");
    }
    assert!(err.contains("6 problem(s)"), "{err}");
}

#[test]
fn unreadable_or_malformed_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    assert_eq!(
        trellis(&["evaluate", missing.to_str().unwrap()])
            .status
            .code(),
        Some(2)
    );
    let garbled = write(&dir, "garbled.json", "{ not json");
    let out = trellis(&["evaluate", &garbled]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"));
    let wrong = write(
        &dir,
        "wrong.toml",
        "questionnaire = \"other\"\n[workload]\nname = \"X\"\n",
    );
    let out = trellis(&["evaluate", &wrong]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("but the questionnaire is `serverless-review`")
    );
}

#[test]
fn markdown_summary_reads_well() {
    let out = trellis(&[
        "evaluate",
        case("01_bursty_crud_api.toml").to_str().unwrap(),
        "--format",
        "md",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# Design review: Loyalty points API"));
    for heading in [
        "## Scores",
        "## Risks",
        "## Recommended patterns",
        "## Checks",
        "## Cost",
        "## Checklist",
    ] {
        assert!(md.contains(heading), "missing {heading}");
    }
    assert!(md.contains("- [x] "), "checklist renders as a task list");
}

#[test]
fn catalog_json_lists_areas_questions_choices_and_patterns() {
    let out = trellis(&["catalog", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let areas = v["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 7);
    let questions: usize = areas
        .iter()
        .map(|a| a["questions"].as_array().unwrap().len())
        .sum();
    assert!(questions >= 45);
    let q = &areas[0]["questions"].as_array().unwrap()[1];
    assert!(q["id"].is_string() && q["kind"].is_string() && q["choices"][0]["id"].is_string());
    let patterns = v["patterns"].as_array().unwrap();
    assert!(patterns.len() >= 12);
    assert!(
        patterns
            .iter()
            .any(|p| p["id"] == "containers_fargate" && p["name"].is_string())
    );
}

/// A SQLite file has one server: a second `trellis serve` on it stops at once and says why,
/// instead of serving pages the first one changes behind its back.
#[test]
fn a_second_server_on_one_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
    // Ready: it holds the file's lock.
    let first = Served::start(&url, dir.path(), "first").ready();
    let mut second = crate::served::trellis()
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", &url])
        .args(["--site-root", dir.path().to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if eventually(Duration::from_secs(60), || second.try_wait().unwrap()).is_none() {
        second.kill().unwrap();
        panic!("a second server on the same SQLite file was still running after a minute");
    }
    let second = second.wait_with_output().unwrap();
    drop(first);
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("in use by another Trellis server"),
        "{stderr}"
    );
}

#[test]
fn report_writes_every_format_offline_and_nothing_on_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = case("full_answers.toml").display().to_string();
    for (format, magic) in [
        ("pdf", &b"%PDF-"[..]),
        ("html", b"<!DOCTYPE html>"),
        ("md", b"# Design review: Loyalty points API"),
        ("json", b"{\n  \"format\": \"trellis-report/1\""),
        ("csv", b"Type,Key,Summary"),
        ("adr", b"PK"),
        ("backlog", b"PK"),
        ("jira", b"Summary,Issue Type,Priority"),
    ] {
        let out = dir.path().join(format!("report.{format}"));
        let run = trellis(&[
            "report",
            &file,
            "--format",
            format,
            "--out",
            &out.display().to_string(),
        ]);
        assert!(
            run.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(std::fs::read(&out).unwrap().starts_with(magic), "{format}");
    }
    // Bad answers: exit 2, every problem listed, and no file.
    let bad = write(
        &dir,
        "bad.toml",
        "questionnaire = \"serverless-review\"\n[answers]\npeak_rps = -3\n",
    );
    let out = dir.path().join("never.pdf");
    let run = trellis(&[
        "report",
        &bad,
        "--format",
        "pdf",
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("problem(s)"));
    assert!(!out.exists());
    // An unwritable destination: a clear error, and nothing left behind.
    let out = dir.path().join("missing-dir/report.md");
    let run = trellis(&[
        "report",
        &file,
        "--format",
        "md",
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("cannot write"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}
