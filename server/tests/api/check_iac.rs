//! `trellis check-iac`: a design review of a template in CI. A template with a short visibility
//! timeout and no log retention reports both at their lines, in text, JSON and SARIF; the
//! answers file's own answers win over the template's; `--fail-on` exits 1 only when reached;
//! bad input exits 2.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

fn trellis(args: &[&str]) -> Output {
    crate::served::trellis()
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A queue feeding a 60-second function with a 30-second visibility timeout (line 7), and a
/// function with no log group.
const TEMPLATE: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDlq.Arn
        maxReceiveCount: 3
  JobsDlq:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handle
      CodeUri: src/
      Timeout: 60
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
";

fn template(dir: &Path) -> String {
    let path = dir.join("template.yaml");
    std::fs::write(&path, TEMPLATE).unwrap();
    path.to_str().unwrap().to_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn findings_point_at_their_lines_in_text_json_and_sarif() {
    let dir = tempfile::tempdir().unwrap();
    let t = template(dir.path());

    let out = trellis(&["check-iac", &t]);
    assert_eq!(out.status.code(), Some(0), "no --fail-on: exit 0");
    let text = stdout(&out);
    assert!(
        text.contains("template.yaml:7: high:") && text.contains("[iac/visibility_timeout]"),
        "{text}"
    );

    let out = trellis(&["check-iac", &t, "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = v["results"].as_array().unwrap();
    let vt = results
        .iter()
        .find(|r| r["rule"] == "iac/visibility_timeout")
        .expect("the visibility finding");
    assert_eq!(vt["line"], 7);
    assert_eq!(vt["resource"], "Jobs");
    assert_eq!(v["answers"]["sqs_visibility_timeout_s"], 30.0);

    let out = trellis(&["check-iac", &t, "--format", "sarif"]);
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "Trellis");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        // Each result names a rule the driver declares, at the index it declares it.
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
    }
    let vt = results
        .iter()
        .find(|r| r["ruleId"] == "iac/visibility_timeout")
        .unwrap();
    assert_eq!(vt["level"], "error");
    let loc = &vt["locations"][0]["physicalLocation"];
    assert!(
        loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("template.yaml")
    );
    assert_eq!(loc["region"]["startLine"], 7);
}

#[test]
fn fail_on_exits_1_only_when_reached_and_the_answers_file_wins() {
    let dir = tempfile::tempdir().unwrap();
    let t = template(dir.path());
    assert_eq!(
        trellis(&["check-iac", &t, "--fail-on", "high"])
            .status
            .code(),
        Some(1)
    );

    // The team's answers file: its own log retention answer wins over the template's.
    let answers = dir.path().join("answers.toml");
    std::fs::write(
        &answers,
        "questionnaire = \"serverless-review\"\n[workload]\nname = \"Jobs\"\n[answers]\nlog_retention = \"set_everywhere\"\n",
    )
    .unwrap();
    let a = answers.to_str().unwrap();
    let out = trellis(&["check-iac", &t, "--answers", a, "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["answers"]["log_retention"], "set_everywhere");
    assert_eq!(v["workload"]["name"], "Jobs");
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["rule"] != "risk/log_retention"),
        "no retention risk once the team says it is set"
    );

    // A template without findings at or above the threshold exits 0.
    let clean = dir.path().join("clean.yaml");
    std::fs::write(&clean, "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n").unwrap();
    let out = trellis(&["check-iac", clean.to_str().unwrap(), "--fail-on", "high"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn bad_input_exits_2_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.yaml");
    std::fs::write(&bad, "Resources:\n  A: [unclosed\n").unwrap();
    let out = trellis(&["check-iac", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.yaml"));
    let missing = dir.path().join("answers.toml");
    let out = trellis(&[
        "check-iac",
        template(dir.path()).as_str(),
        "--answers",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}
