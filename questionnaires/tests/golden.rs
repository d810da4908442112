//! Golden scenarios: each `tests/cases/NAME.toml` is a plain answers file (it runs as is with
//! `trellis evaluate`), and `NAME.expect.toml` says what a reviewer would conclude. The engine
//! must agree.
//!
//! ```toml
//! top_pattern = "api_lambda_dynamodb"           # rank 1
//! top3 = ["saga"]                               # also in the top three
//! not_top = ["containers_fargate"]              # must not be rank 1
//! serverless_fits = true
//! risks = ["idempotency:high"]                  # question:level that must be raised
//! no_risk = ["ordering"]                        # questions that must carry no risk
//! checks = { lambda_concurrency = "fail" }      # check id = status
//! status = "fits_with_blockers"                 # verdict.status
//! blockers = ["idempotency"]                    # risk or check ids among verdict.blockers
//! add_ons = ["saga"]                            # patterns in design.add_ons
//! ```
//!
//! Whatever a case expects, every case must hold the verdict's invariants: the backbone is
//! `recommendations[0]`, a blocker caps the score at 59 and rules out `fits`, and every high risk
//! and failed check is a blocker.

use std::path::Path;

use questionnaires::{Evaluation, Format, builtin, evaluate, parse_answers_file};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    top_pattern: String,
    #[serde(default)]
    top3: Vec<String>,
    #[serde(default)]
    not_top: Vec<String>,
    serverless_fits: bool,
    #[serde(default)]
    risks: Vec<String>,
    #[serde(default)]
    no_risk: Vec<String>,
    #[serde(default)]
    checks: std::collections::BTreeMap<String, String>,
    status: Option<String>,
    #[serde(default)]
    blockers: Vec<String>,
    #[serde(default)]
    add_ons: Vec<String>,
}

fn run_case(path: &Path) -> Result<(), String> {
    let answers_text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let expect_path = path.with_extension("expect.toml");
    let expect_text = std::fs::read_to_string(&expect_path)
        .map_err(|e| format!("{}: {e}", expect_path.display()))?;
    let expect: Expect = toml::from_str(&expect_text).map_err(|e| e.to_string())?;
    let file = parse_answers_file(&answers_text, Format::Toml, builtin()).map_err(|es| {
        es.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let e = evaluate(builtin(), &file.answers);
    check(&e, &expect).map_err(|problems| {
        let ranking: Vec<String> = e
            .recommendations
            .iter()
            .take(5)
            .map(|r| format!("{}={}", r.pattern, r.score))
            .collect();
        let risks: Vec<String> = e
            .risks
            .iter()
            .map(|r| format!("{}:{}", r.question, r.level.as_str()))
            .collect();
        let checks: Vec<String> = e
            .checks
            .iter()
            .map(|c| format!("{}={:?}", c.id, c.status))
            .collect();
        format!(
            "{}\n    verdict: {} {:?}\n    ranking: {}\n    risks: {}\n    checks: {}",
            problems.join("\n    "),
            e.verdict.status.as_str(),
            e.design
                .add_ons
                .iter()
                .map(|a| a.pattern.as_str())
                .collect::<Vec<_>>(),
            ranking.join(", "),
            risks.join(", "),
            checks.join(", ")
        )
    })
}

fn check(e: &Evaluation, x: &Expect) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let top = e
        .recommendations
        .first()
        .map(|r| r.pattern.as_str())
        .unwrap_or("");
    if top != x.top_pattern {
        problems.push(format!(
            "top pattern is `{top}`, expected `{}`",
            x.top_pattern
        ));
    }
    for p in &x.top3 {
        if !e
            .recommendations
            .iter()
            .take(3)
            .any(|r| r.pattern.as_str() == p)
        {
            problems.push(format!("`{p}` is not in the top three"));
        }
    }
    for p in &x.not_top {
        if top == p {
            problems.push(format!("`{p}` must not be the top pattern"));
        }
    }
    if e.verdict.serverless_fits != x.serverless_fits {
        problems.push(format!(
            "serverless_fits is {}, expected {}",
            e.verdict.serverless_fits, x.serverless_fits
        ));
    }
    if let Some(status) = &x.status
        && e.verdict.status.as_str() != status
    {
        problems.push(format!(
            "verdict is `{}`, expected `{status}`: {}",
            e.verdict.status.as_str(),
            e.verdict.message
        ));
    }
    for b in &x.blockers {
        if !e.verdict.blockers.iter().any(|k| &k.id == b) {
            problems.push(format!("expected blocker `{b}`"));
        }
    }
    for a in &x.add_ons {
        if !e.design.add_ons.iter().any(|k| k.pattern.as_str() == a) {
            problems.push(format!("expected add-on `{a}`"));
        }
    }
    if let Some(b) = &e.design.backbone
        && e.recommendations.first().map(|r| &r.pattern) != Some(&b.pattern)
    {
        problems.push("the backbone is not recommendations[0]".to_owned());
    }
    let high = e
        .risks
        .iter()
        .filter(|r| r.level == questionnaires::Risk::High)
        .count();
    let failed = e
        .checks
        .iter()
        .filter(|c| c.status == questionnaires::checks::CheckStatus::Fail)
        .count();
    if e.verdict.blockers.len() != high + failed {
        problems.push(format!(
            "{} blockers for {high} high risks and {failed} failed checks",
            e.verdict.blockers.len()
        ));
    }
    if !e.verdict.blockers.is_empty() {
        if e.scores.overall.is_some_and(|o| o > 59.0) {
            problems.push("a blocked design scores above 59".to_owned());
        }
        if e.verdict.status.as_str() == "fits" {
            problems.push("a blocked design `fits`".to_owned());
        }
    }
    for r in &x.risks {
        let (q, level) = r.split_once(':').unwrap_or((r, "high"));
        if !e
            .risks
            .iter()
            .any(|k| k.question.as_str() == q && k.level.as_str() == level)
        {
            problems.push(format!("expected risk {q}:{level}"));
        }
    }
    for q in &x.no_risk {
        if e.risks.iter().any(|k| k.question.as_str() == q) {
            problems.push(format!("expected no risk on {q}"));
        }
    }
    for (id, status) in &x.checks {
        match e.checks.iter().find(|c| &*c.id == id.as_str()) {
            Some(c) => {
                let got = serde_json::to_value(c.status).unwrap_or_default();
                if got.as_str() != Some(status.as_str()) {
                    problems.push(format!("check {id} is {got}, expected {status}"));
                }
            }
            None => problems.push(format!("check {id} did not run")),
        }
    }
    // Everything in the output explains itself.
    for r in &e.risks {
        if r.reason.trim().is_empty() {
            problems.push(format!("risk {} has no reason", r.question));
        }
    }
    for r in e.recommendations.iter().filter(|r| r.score > 0.0) {
        if r.reasons.is_empty()
            || r.reasons
                .iter()
                .any(|x| x.facts.is_empty() || x.text.is_empty())
        {
            problems.push(format!(
                "recommendation {} does not explain itself",
                r.pattern
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[test]
fn every_golden_scenario_matches_its_expectations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.to_string_lossy().ends_with(".toml") && !p.to_string_lossy().ends_with(".expect.toml")
        })
        .filter(|p| p.file_stem().is_some_and(|s| s != "full_answers"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 12, "only {} golden scenarios", paths.len());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| {
            run_case(p).err().map(|e| {
                format!(
                    "{}: {e}",
                    p.file_name().unwrap_or_default().to_string_lossy()
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}
