//! `trellis check-iac PATH...`: a design review of infrastructure code, for CI. It imports the
//! templates as `import-iac` does, lays the team's answers file over the imported answers when
//! one is given (the team's answers win), evaluates the review, and reports the templates'
//! findings, the review's failing checks and its risks — as text, JSON or SARIF 2.1.0 for code
//! scanning — each pointing at the template line it came from where there is one.
//!
//! Exit 1 when a result reaches `--fail-on`, 2 on bad input; `--out` appears whole or not at
//! all.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;
use iac::{Finding, Severity};
use questionnaires::model::QuestionKind;
use questionnaires::{Answer, AnswerValue, Answers, Risk};
use serde::Serialize;
use serde_json::{Value, json};

use super::FailOn;
use super::evaluate::{BAD_INPUT, THRESHOLD};

/// Output of `check-iac`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One line per result, most severe first.
    Text,
    /// The results, the answers and the verdict as JSON.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub and others).
    Sarif,
}

/// One result: a template finding, a review check that warns or fails, or a risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Result_ {
    /// `iac/<finding>`, `check/<check>` or `risk/<question>`.
    rule: String,
    /// How much it matters.
    severity: Severity,
    /// What is wrong, in words.
    message: String,
    /// The file it points at (a template, or the answers file); empty when nowhere.
    file: String,
    /// The line (1-based; 0 when none).
    line: usize,
    /// The resource's logical id, when a template's.
    #[serde(skip_serializing_if = "String::is_empty")]
    resource: String,
}

#[derive(Serialize)]
struct Output<'a> {
    workload: &'a questionnaires::Workload,
    verdict: &'a questionnaires::verdict::Verdict,
    results: &'a [Result_],
    answers: &'a BTreeMap<String, Value>,
}

pub(super) fn run(
    paths: &[PathBuf],
    answers_file: Option<&Path>,
    format: CheckFormat,
    fail_on: Option<FailOn>,
    out: Option<&Path>,
) -> ExitCode {
    let import = match iac::import_paths(paths, None) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let team = match answers_file.map(super::evaluate::read).transpose() {
        Ok(t) => t,
        Err(code) => return code,
    };
    let q = questionnaires::builtin();
    let mut answers = imported(q, &import.answers);
    let mut workload = import.workload.clone();
    let mut team_text = String::new();
    if let (Some(file), Some(path)) = (&team, answers_file) {
        answers.extend(file.answers.iter().map(|(k, v)| (k.clone(), v.clone())));
        workload = file.workload.clone();
        team_text = std::fs::read_to_string(path).unwrap_or_default();
    }
    let evaluation = questionnaires::evaluate(q, &answers);
    let team_answered: BTreeSet<&str> = team
        .iter()
        .flat_map(|f| f.answers.keys().map(|k| k.as_str()))
        .collect();
    let results = results(
        &import,
        &answers,
        &evaluation,
        answers_file.map(|p| (p, team_text.as_str())),
        &team_answered,
    );
    let shown: BTreeMap<String, Value> = answers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), file_value(q, k.as_str(), &v.value)))
        .collect();
    let text = match format {
        CheckFormat::Text => Ok(text(&results, &evaluation.verdict.message)),
        CheckFormat::Json => serde_json::to_string_pretty(&Output {
            workload: &workload,
            verdict: &evaluation.verdict,
            results: &results,
            answers: &shown,
        })
        .map_err(|e| e.to_string()),
        CheckFormat::Sarif => {
            serde_json::to_string_pretty(&sarif(&results)).map_err(|e| e.to_string())
        }
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot encode the results: {e}");
            return ExitCode::FAILURE;
        }
    };
    match out {
        None => println!("{text}"),
        Some(out) => {
            if let Err(e) = super::report::write_whole(out, text.as_bytes()) {
                eprintln!("error: cannot write {}: {e}", out.display());
                return ExitCode::from(BAD_INPUT);
            }
        }
    }
    if fail_on.is_some_and(|t| reached(&results, t)) {
        return ExitCode::from(THRESHOLD);
    }
    ExitCode::SUCCESS
}

/// The import's answers, typed (the import checked each against the questionnaire already).
fn imported(q: &questionnaires::Questionnaire, answers: &BTreeMap<String, Value>) -> Answers {
    answers
        .iter()
        .filter_map(|(id, value)| {
            let question = q.question(id)?;
            let v = questionnaires::answers::check_value(question, value).ok()?;
            Some((question.id.clone(), Answer::new(v)))
        })
        .collect()
}

/// An answer as an answers file writes it: a choice id, a list of them, a number, text, or
/// `{ not_applicable = "why" }`.
fn file_value(q: &questionnaires::Questionnaire, id: &str, v: &AnswerValue) -> Value {
    let single = q
        .question(id)
        .is_some_and(|q| q.kind == QuestionKind::Single);
    match v {
        AnswerValue::Choices(c) if single && c.len() == 1 => json!(c[0].as_str()),
        AnswerValue::Choices(c) => json!(c.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
        AnswerValue::Number(n) => json!(n),
        AnswerValue::Text(t) => json!(t),
        AnswerValue::NotApplicable(why) => json!({ "not_applicable": why }),
    }
}

/// Every result, most severe first: the templates' own findings (notes left out), the review's
/// checks on the merged answers, and its risks, each placed at the evidence of its question or,
/// for an answer the team gave, at its line in the answers file.
fn results(
    import: &iac::Import,
    answers: &Answers,
    evaluation: &questionnaires::Evaluation,
    team: Option<(&Path, &str)>,
    team_answered: &BTreeSet<&str>,
) -> Vec<Result_> {
    let q = questionnaires::builtin();
    let mut findings: Vec<Finding> = import
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Note && !f.id.starts_with("check:"))
        .cloned()
        .collect();
    let template_ids: Vec<String> = findings.iter().map(|f| f.id.clone()).collect();
    findings.extend(
        iac::findings::review_checks(q, answers, &import.evidence)
            .into_iter()
            .filter(|f| {
                // A review check the template's own finding already reports, resource by name.
                !SAME_AS_TEMPLATE_FINDING
                    .iter()
                    .any(|(check, own)| f.id == *check && template_ids.iter().any(|t| t == own))
            }),
    );
    let mut out: Vec<Result_> = findings
        .into_iter()
        .map(|f| Result_ {
            rule: match f.id.strip_prefix("check:") {
                Some(check) => format!("check/{check}"),
                None => format!("iac/{}", f.id),
            },
            severity: f.severity,
            message: f.message,
            file: f.file,
            line: f.line,
            resource: f.resource,
        })
        .collect();
    for r in &evaluation.risks {
        if PARTLY_READABLE.contains(&r.question.as_str())
            && !team_answered.contains(r.question.as_str())
        {
            continue;
        }
        let severity = if r.level == Risk::High {
            Severity::High
        } else {
            Severity::Medium
        };
        let (file, line, resource) = place(import, team, r.question.as_str());
        out.push(Result_ {
            rule: format!("risk/{}", r.question.as_str()),
            severity,
            message: risk_message(r.heading(), &r.reason),
            file,
            line,
            resource,
        });
    }
    out.sort_by(|a, b| {
        (a.severity, &a.file, a.line, &a.rule).cmp(&(b.severity, &b.file, b.line, &b.rule))
    });
    out
}

/// Review checks that say what a template finding says, with the resource named: (check,
/// finding). The check is left out when the finding is there.
const SAME_AS_TEMPLATE_FINDING: &[(&str, &str)] =
    &[("check:sqs_visibility_timeout", "visibility_timeout")];

/// Questions a template answers only in part, so a risk on the imported answer alone would
/// report what the template cannot show: whether log lines carry a correlation id
/// (`structured_logging`), encryption in transit (`encryption`) and backups copied elsewhere
/// (`backups`), and a webhook's signature check, made in code, on a route the template leaves
/// open (`edge_auth`). Their risks are reported when the team's answers file answers them.
const PARTLY_READABLE: &[&str] = &["structured_logging", "encryption", "backups", "edge_auth"];

/// A risk in one line: its heading and why, the heading once when the reason repeats it.
fn risk_message(heading: &str, reason: &str) -> String {
    let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let (heading, reason) = (flat(heading), flat(reason));
    if reason.starts_with(heading.trim_end_matches('.')) {
        reason
    } else {
        format!("{heading}: {reason}")
    }
}

/// Where a question's answer came from: the team's answers file when it answers it (the line of
/// `id =` or `"id":`), else the template evidence behind the imported answer.
fn place(
    import: &iac::Import,
    team: Option<(&Path, &str)>,
    question: &str,
) -> (String, usize, String) {
    if let Some((path, text)) = team {
        let line = text.lines().position(|l| {
            let l = l.trim_start();
            l.strip_prefix(question)
                .or_else(|| l.strip_prefix(&format!("\"{question}\"")))
                .is_some_and(|rest| rest.trim_start().starts_with(['=', ':']))
        });
        if let Some(i) = line {
            return (path.display().to_string(), i + 1, String::new());
        }
    }
    import
        .evidence
        .iter()
        .find(|e| e.question == question && e.value.is_some())
        .map_or_else(Default::default, |e| {
            (e.file.clone(), e.line, e.resource.clone())
        })
}

/// Whether a result reaches the threshold.
fn reached(results: &[Result_], threshold: FailOn) -> bool {
    let floor = match threshold {
        FailOn::High => Severity::High,
        FailOn::Medium => Severity::Medium,
    };
    results.iter().any(|r| r.severity <= floor)
}

fn text(results: &[Result_], verdict: &str) -> String {
    let mut s = String::new();
    for r in results {
        let at = match (r.file.is_empty(), r.line) {
            (true, _) => String::new(),
            (false, 0) => format!("{}: ", r.file),
            (false, line) => format!("{}:{line}: ", r.file),
        };
        let level = match r.severity {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Note => "note",
        };
        s.push_str(&format!("{at}{level}: {} [{}]\n", r.message, r.rule));
    }
    s.push_str(&format!("{} result(s). {verdict}", results.len()));
    s
}

/// SARIF 2.1.0: one run, a rule per distinct rule id, a result per finding with its location
/// when it has one (a line of 0, a documented default, points at the file's first line).
fn sarif(results: &[Result_]) -> Value {
    let mut rules: BTreeMap<&str, &str> = BTreeMap::new();
    for r in results {
        rules.entry(&r.rule).or_insert(&r.message);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules: Vec<Value> = rules
        .keys()
        .map(|id| {
            json!({
                "id": id,
                "name": id.replace(['/', ':'], "_"),
                "shortDescription": { "text": rule_title(id) },
            })
        })
        .collect();
    let results: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut v = json!({
                "ruleId": r.rule,
                "ruleIndex": index[r.rule.as_str()],
                "level": match r.severity {
                    Severity::High => "error",
                    Severity::Medium => "warning",
                    Severity::Low | Severity::Note => "note",
                },
                "message": { "text": r.message },
            });
            if !r.file.is_empty() {
                let mut location = json!({
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&r.file) },
                        "region": { "startLine": r.line.max(1) },
                    }
                });
                if !r.resource.is_empty() {
                    location["logicalLocations"] =
                        json!([{ "name": r.resource, "kind": "resource" }]);
                }
                v["locations"] = json!([location]);
            }
            v
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "Trellis",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// A rule's title from its id: `iac/visibility_timeout` → "Template: visibility timeout".
fn rule_title(id: &str) -> String {
    let (kind, name) = id.split_once('/').unwrap_or(("", id));
    let kind = match kind {
        "iac" => "Template",
        "check" => "Review check",
        _ => "Review risk",
    };
    format!("{kind}: {}", name.replace('_', " "))
}

/// A path as a SARIF relative URI: forward slashes, no leading `./`.
fn uri(file: &str) -> String {
    let f = file.replace('\\', "/");
    f.strip_prefix("./").unwrap_or(&f).to_owned()
}
