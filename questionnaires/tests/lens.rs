//! AWS Well-Architected custom lenses: the six real lenses in `tests/lenses/` import, answer,
//! lint and round-trip; planted defects of every kind are found with the right code, question
//! and severity; every export lints clean.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on a broken fixture"
)]

use questionnaires::condition::{Calc, Env, Tri};
use questionnaires::evaluate::ItemState;
use questionnaires::lens::{self, Finding, Severity};
use questionnaires::model::{QuestionKind, Questionnaire, Risk};
use questionnaires::{Format, builtin, evaluate, parse_answers_file};
use serde_json::{Value, json};

/// The six lenses, verbatim from the public repositories named in `tests/lenses/SOURCES.md`,
/// with their expected pillar, question and choice counts.
const LENSES: &[(&str, &str, [usize; 3])] = &[
    (
        "01_orr_whitepaper_sample",
        include_str!("lenses/01_orr_whitepaper_sample.json"),
        [3, 16, 38],
    ),
    (
        "02_aws_passport",
        include_str!("lenses/02_aws_passport.json"),
        [1, 11, 22],
    ),
    (
        "03_apigw_lambda_v0.1",
        include_str!("lenses/03_apigw_lambda_v0.1.json"),
        [4, 21, 63],
    ),
    (
        "04_cognito_v1.0",
        include_str!("lenses/04_cognito_v1.0.json"),
        [5, 42, 161],
    ),
    (
        "05_s3_lens",
        include_str!("lenses/05_s3_lens.json"),
        [6, 35, 162],
    ),
    (
        "06_waf_custom_lens_automation_sample",
        include_str!("lenses/06_waf_custom_lens_automation_sample.json"),
        [5, 6, 24],
    ),
];

fn lens_text(name: &str) -> &'static str {
    LENSES.iter().find(|(n, _, _)| *n == name).unwrap().1
}

fn import(name: &str) -> Questionnaire {
    match lens::import(lens_text(name), "lens", "1") {
        Ok(i) => i.questionnaire,
        Err(findings) => panic!("{name} does not import:\n{}", show(&findings)),
    }
}

fn show(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| f.is_error()).collect()
}

/// Everything the lens format carries, read from the model: what a round trip must keep.
fn view(q: &Questionnaire) -> Value {
    let link = |l: &Option<questionnaires::model::Link>| {
        l.as_ref()
            .map(|l| json!({ "text": &*l.text, "url": l.url.as_deref() }))
    };
    json!({
        "title": q.title,
        "description": q.description,
        "areas": q.areas.iter().map(|a| json!({
            "id": a.id.as_str(),
            "title": &*a.title,
            "questions": a.questions.iter().map(|&i| q.questions[i].id.as_str()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "questions": q.questions.iter().map(|x| json!({
            "id": x.id.as_str(),
            "area": x.area,
            "title": &*x.title,
            "help": x.help,
            "kind": x.kind,
            "resource": link(&x.resource),
            "choices": x.choices.iter().map(|c| json!({
                "id": c.id.as_str(),
                "title": c.title,
                "help": c.help,
                "none_of_these": c.none_of_these,
                "improvement": c.improvement,
                "resource": link(&c.resource),
                "more_resources": c.more_resources,
                "more_improvements": c.more_improvements,
            })).collect::<Vec<_>>(),
            "risk_rules": x.risk_rules.iter().map(|r| json!({
                "when": r.when.source(),
                "risk": r.risk,
                "reason": &*r.reason,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "checklist": q.checklist.iter().map(|i| json!({
            "id": i.id.as_str(),
            "title": &*i.title,
            "area": i.area,
            "why": &*i.why,
            "how": &*i.how,
            "url": i.url.as_deref(),
            "questions": i.questions,
            "done_when": i.done_when.source(),
        })).collect::<Vec<_>>(),
    })
}

#[test]
fn the_six_lenses_import_with_their_counts() {
    for (name, text, [pillars, questions, choices]) in LENSES {
        let imported =
            lens::import(text, "lens", "1").unwrap_or_else(|f| panic!("{name}: {}", show(&f)));
        let q = &imported.questionnaire;
        assert_eq!(q.areas.len(), *pillars, "{name} pillars");
        assert_eq!(q.questions.len(), *questions, "{name} questions");
        let n: usize = q.questions.iter().map(|x| x.choices.len()).sum();
        assert_eq!(n, *choices, "{name} choices");
        // The counts match the file itself.
        let v: Value = serde_json::from_str(text).unwrap();
        let ps = v["pillars"].as_array().unwrap();
        let qs: Vec<&Value> = ps
            .iter()
            .flat_map(|p| p["questions"].as_array().unwrap())
            .collect();
        let cs: usize = qs
            .iter()
            .map(|x| x["choices"].as_array().unwrap().len())
            .sum();
        assert_eq!([ps.len(), qs.len(), cs], [*pillars, *questions, *choices]);
        assert_eq!(imported.name, v["name"].as_str().unwrap());
        assert_eq!(q.title, imported.name);
        assert_eq!(q.id, "lens");
        assert_eq!(q.version, "1");
        assert_eq!(q.content_hash.len(), 64);
        assert!(
            imported
                .warnings
                .iter()
                .all(|f| f.severity == Severity::Warning)
        );
        assert!(q.patterns.is_empty() && q.runtimes.is_empty());
        // Pillars are areas, with their ids and names.
        for (area, pillar) in q.areas.iter().zip(ps) {
            assert_eq!(area.id.as_str(), pillar["id"].as_str().unwrap());
            assert_eq!(&*area.title, pillar["name"].as_str().unwrap());
        }
        // `_no` choices, and only those, are "None of these".
        for x in &q.questions {
            for c in &x.choices {
                assert_eq!(
                    c.none_of_these,
                    c.id.as_str().ends_with("_no"),
                    "{name} {}",
                    c.id
                );
            }
        }
    }
}

#[test]
fn the_lens_keys_beyond_the_format_are_kept_where_useful() {
    // helpfulResource.Url (capital U) is read as the link.
    let q = import("01_orr_whitepaper_sample");
    let c = &q.question("architecture_dependency_retry").unwrap().choices;
    let aws = c.iter().find(|c| c.id.as_str() == "aws_services").unwrap();
    assert_eq!(
        aws.resource.as_ref().unwrap().url.as_deref(),
        Some("https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/")
    );
    // A question-level `url` becomes the question's link.
    let q = import("02_aws_passport");
    let r = q.question("overview02").unwrap().resource.as_ref().unwrap();
    assert_eq!(
        r.url.as_deref(),
        Some("https://aws.amazon.com/well-architected-tool/")
    );
    // Question helpful resources, and the first of two URLs run together.
    let q = import("03_apigw_lambda_v0.1");
    let r = q.question("APPDESIGN1").unwrap().resource.as_ref().unwrap();
    assert_eq!(
        r.url.as_deref(),
        Some("https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html")
    );
    let sec6 = &q.question("SEC6").unwrap().choices[1];
    assert_eq!(
        sec6.resource.as_ref().unwrap().url.as_deref(),
        Some(
            "https://docs.aws.amazon.com/systems-manager/latest/userguide/systems-manager-parameter-store.html"
        )
    );
    // Additional improvement-plan links.
    let q = import("05_s3_lens");
    let more: usize = q
        .questions
        .iter()
        .flat_map(|x| &x.choices)
        .map(|c| c.more_improvements.len())
        .sum();
    assert!(more > 0);
    // Improvement plans keep their links.
    let q = import("04_cognito_v1.0");
    assert!(
        q.questions
            .iter()
            .flat_map(|x| &x.choices)
            .any(|c| c.improvement.as_ref().is_some_and(|i| i.url.is_some()))
    );
}

fn answer(q: &Questionnaire, question: &str, choices: &[&str]) -> Option<Risk> {
    let body = json!({
        "questionnaire": q.id,
        "workload": { "name": "Test" },
        "answers": { question: choices },
    });
    let file = parse_answers_file(&body.to_string(), Format::Json, q)
        .unwrap_or_else(|e| panic!("{question} {choices:?}: {e:?}"));
    let e = evaluate(q, &file.answers);
    e.questions
        .iter()
        .find(|r| r.id.as_str() == question)
        .unwrap()
        .risk
}

#[test]
fn answering_a_lens_question_gives_the_lens_risk() {
    // Cognito CGNSEC1: `(1 || 2) && 3` no risk, `1 || 2 || 3` medium, default high.
    let q = import("04_cognito_v1.0");
    assert_eq!(
        answer(&q, "CGNSEC1", &["CGNSEC1_1", "CGNSEC1_3"]),
        Some(Risk::None)
    );
    assert_eq!(answer(&q, "CGNSEC1", &["CGNSEC1_2"]), Some(Risk::Medium));
    assert_eq!(answer(&q, "CGNSEC1", &["CGNSEC1_no"]), Some(Risk::High));
    // "None of these" cannot be combined with another choice.
    let body = json!({ "questionnaire": "lens", "workload": { "name": "Test" }, "answers": { "CGNSEC1": ["CGNSEC1_1", "CGNSEC1_no"] } });
    assert!(parse_answers_file(&body.to_string(), Format::Json, &q).is_err());

    // ORR: both diagrams no risk, one of them medium (the XOR rule).
    let q = import("01_orr_whitepaper_sample");
    let both = ["architecture_diagram", "data_flow_diagram"];
    assert_eq!(
        answer(&q, "architecture_architecture_diagram", &both),
        Some(Risk::None)
    );
    assert_eq!(
        answer(
            &q,
            "architecture_architecture_diagram",
            &["data_flow_diagram"]
        ),
        Some(Risk::Medium)
    );

    // S3: OPS_1 rates anything short of all six practices medium (its default), OPS_2 rates
    // "None of these" high; the risk is explained by the rule.
    let q = import("05_s3_lens");
    assert_eq!(answer(&q, "OPS_1", &["OPS_1_no"]), Some(Risk::Medium));
    let all: Vec<String> = (1..=6).map(|i| format!("OPS_1_{i}")).collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    assert_eq!(answer(&q, "OPS_1", &all), Some(Risk::None));
    assert_eq!(
        answer(&q, "OPS_2", &["OPS_2_1", "OPS_2_3"]),
        Some(Risk::Medium)
    );
    assert_eq!(answer(&q, "OPS_2", &["OPS_2_no"]), Some(Risk::High));
    let body = json!({ "questionnaire": "lens", "workload": { "name": "Test" }, "answers": { "OPS_2": ["OPS_2_no"] } });
    let file = parse_answers_file(&body.to_string(), Format::Json, &q).unwrap();
    let e = evaluate(&q, &file.answers);
    let risk = e
        .risks
        .iter()
        .find(|r| r.question.as_str() == "OPS_2")
        .unwrap();
    assert_eq!(risk.level, Risk::High);
    assert_eq!(
        &*risk.reason,
        "The lens rates this answer high risk: none of its other rules matched."
    );
    assert_eq!(
        risk.improvements.len(),
        6,
        "the six missing practices' plans are listed"
    );

    // Passport: choice1 no risk, choice2 high.
    let q = import("02_aws_passport");
    assert_eq!(answer(&q, "overview01", &["choice1"]), Some(Risk::None));
    assert_eq!(answer(&q, "overview01", &["choice2"]), Some(Risk::High));
}

#[test]
fn the_checklist_holds_the_improvement_plans_in_lens_order() {
    for (name, text, _) in LENSES {
        let q = import(name);
        let v: Value = serde_json::from_str(text).unwrap();
        let mut expected = Vec::new();
        for p in v["pillars"].as_array().unwrap() {
            for x in p["questions"].as_array().unwrap() {
                for c in x["choices"].as_array().unwrap() {
                    let id = c["id"].as_str().unwrap();
                    let plan = c["improvementPlan"]["displayText"].as_str().unwrap_or("");
                    if !id.ends_with("_no") && plan.chars().any(char::is_alphanumeric) {
                        expected.push((c["title"].as_str().unwrap().to_owned(), plan.to_owned()));
                    }
                }
            }
        }
        let got: Vec<(String, String)> = q
            .checklist
            .iter()
            .map(|i| (i.title.to_string(), i.how.to_string()))
            .collect();
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(g, e, "{name}");
        }
        assert_eq!(got.len(), expected.len(), "{name}");
        // The API Gateway lens has only `-` as improvement plans: no checklist.
        assert_eq!(got.is_empty(), *name == "03_apigw_lambda_v0.1", "{name}");
    }
    // Selecting the practice marks its item done.
    let q = import("04_cognito_v1.0");
    let body = json!({ "questionnaire": "lens", "workload": { "name": "Test" }, "answers": { "CGNSEC1": ["CGNSEC1_1"] } });
    let file = parse_answers_file(&body.to_string(), Format::Json, &q).unwrap();
    let e = evaluate(&q, &file.answers);
    let state = |choice: &str| {
        let title = &q.question("CGNSEC1").unwrap().choices
            [q.question("CGNSEC1").unwrap().choice_index(choice).unwrap()]
        .title;
        e.checklist
            .iter()
            .find(|i| &*i.title == title)
            .unwrap()
            .state
    };
    assert_eq!(state("CGNSEC1_1"), ItemState::Done);
    assert_eq!(state("CGNSEC1_2"), ItemState::Open);
}

/// The rules no answer can reach in the six lenses: (lens, question, rule index). Checked by
/// hand for a sample: ORR `architecture_api_matrix` has one choice, so `table_provided` is
/// always selected and its HIGH_RISK default never fires; API Gateway `MONITOR1` has one choice
/// too, so `!MONITOR1_1` never holds; S3 `SEC_01` rule 1 needs `SEC_01_no` with other choices;
/// Passport's two choices are each rated by their own rule, so the MEDIUM_RISK default is never
/// used; ORR `architecture_rpo_rto` rule 2 is `rto_defined && !rto_defined`.
const UNREACHABLE: &[(&str, &str, usize)] = &[
    (
        "01_orr_whitepaper_sample",
        "architecture_architecture_diagram",
        2,
    ),
    ("01_orr_whitepaper_sample", "architecture_api_matrix", 1),
    ("01_orr_whitepaper_sample", "architecture_retry_timeouts", 1),
    ("01_orr_whitepaper_sample", "architecture_rpo_rto", 1),
    (
        "01_orr_whitepaper_sample",
        "releases_deployment_rollback",
        2,
    ),
    ("01_orr_whitepaper_sample", "releases_validation", 1),
    ("01_orr_whitepaper_sample", "releases_change_management", 1),
    ("01_orr_whitepaper_sample", "event_gameday", 1),
    ("02_aws_passport", "overview01", 2),
    ("02_aws_passport", "overview02", 2),
    ("02_aws_passport", "overview03", 2),
    ("02_aws_passport", "overview04", 2),
    ("02_aws_passport", "overview05", 2),
    ("02_aws_passport", "overview06", 2),
    ("02_aws_passport", "overview07", 2),
    ("02_aws_passport", "overview08", 2),
    ("02_aws_passport", "overview09", 2),
    ("02_aws_passport", "overview10", 2),
    ("02_aws_passport", "overview11", 2),
    ("03_apigw_lambda_v0.1", "APPDESIGN1", 2),
    ("03_apigw_lambda_v0.1", "APPDESIGN4", 2),
    ("03_apigw_lambda_v0.1", "APPDESIGN7", 2),
    ("03_apigw_lambda_v0.1", "APPDESIGN8", 2),
    ("03_apigw_lambda_v0.1", "SEC1", 2),
    ("03_apigw_lambda_v0.1", "SEC2", 2),
    ("03_apigw_lambda_v0.1", "SEC3", 2),
    ("03_apigw_lambda_v0.1", "SEC4", 2),
    ("03_apigw_lambda_v0.1", "SEC5", 2),
    ("03_apigw_lambda_v0.1", "SEC6", 2),
    ("03_apigw_lambda_v0.1", "SEC7", 2),
    ("03_apigw_lambda_v0.1", "MONITOR1", 1),
    ("03_apigw_lambda_v0.1", "MONITOR1", 2),
    ("03_apigw_lambda_v0.1", "MONITOR2", 2),
    ("03_apigw_lambda_v0.1", "CnP1", 2),
    ("03_apigw_lambda_v0.1", "CnP2", 2),
    ("05_s3_lens", "SEC_01", 0),
    ("05_s3_lens", "SEC_08", 2),
];

#[test]
fn the_linter_finds_the_real_unreachable_rules() {
    let mut got = Vec::new();
    for (name, text, _) in LENSES {
        let findings = lens::lint(text);
        assert!(errors(&findings).is_empty(), "{name}:\n{}", show(&findings));
        for f in findings.iter().filter(|f| f.code == "unreachable-rule") {
            assert_eq!(f.severity, Severity::Warning);
            got.push((*name, f.question.clone().unwrap(), f.rule().unwrap()));
        }
        assert!(findings.iter().all(|f| f.code != "reachability-unchecked"));
    }
    let expected: Vec<(&str, String, usize)> = UNREACHABLE
        .iter()
        .map(|(l, q, r)| (*l, (*q).to_owned(), *r))
        .collect();
    assert_eq!(got, expected);

    // The messages name the rule, its risk and condition, and why.
    let findings = lens::lint(lens_text("05_s3_lens"));
    let sec01 = findings
        .iter()
        .find(|f| f.code == "unreachable-rule" && f.question.as_deref() == Some("SEC_01"))
        .unwrap();
    assert_eq!(sec01.pointer, "/pillars/1/questions/0/riskRules/0");
    assert!(
        sec01
            .message
            .starts_with("question `SEC_01`: rule 1 (NO_RISK, `SEC_01_no && SEC_01_1"),
        "{}",
        sec01.message
    );
    assert!(sec01.message.contains("never"), "{}", sec01.message);
    let findings = lens::lint(lens_text("02_aws_passport"));
    let o1 = findings
        .iter()
        .find(|f| f.code == "unreachable-rule" && f.question.as_deref() == Some("overview01"))
        .unwrap();
    assert!(
        o1.message.contains("rule 3 (MEDIUM_RISK, `default`)"),
        "{}",
        o1.message
    );
    assert!(
        o1.message.contains("no answer is rated MEDIUM_RISK"),
        "{}",
        o1.message
    );
}

#[test]
fn the_findings_on_the_real_lenses_are_all_warnings_of_known_kinds() {
    let known = [
        "unreachable-rule",
        "placeholder-text",
        "unknown-key",
        "misspelled-key",
        "bad-url",
    ];
    for (name, text, _) in LENSES {
        for f in lens::lint(text) {
            assert!(known.contains(&f.code.as_str()), "{name}: {f}");
            assert_eq!(f.severity, Severity::Warning, "{name}: {f}");
        }
    }
    let codes = |name: &str| -> Vec<String> {
        lens::lint(lens_text(name))
            .into_iter()
            .map(|f| f.code)
            .collect()
    };
    assert!(codes("01_orr_whitepaper_sample").contains(&"misspelled-key".to_owned()));
    assert_eq!(
        codes("03_apigw_lambda_v0.1")
            .iter()
            .filter(|c| *c == "bad-url")
            .count(),
        2
    );
    assert!(codes("04_cognito_v1.0").is_empty());
    assert!(codes("06_waf_custom_lens_automation_sample").is_empty());
}

// Round trips.

#[test]
fn lenses_round_trip_through_export() {
    for (name, text, _) in LENSES {
        let q1 = import(name);
        let e1 = lens::export(&q1);
        assert!(e1.omitted.is_empty(), "{name}: {:?}", e1.omitted);
        let f = lens::lint(&e1.to_pretty());
        assert!(errors(&f).is_empty(), "{name}: {}", show(&f));
        let q2 = lens::import(&e1.to_pretty(), "lens", "1").unwrap();
        assert_eq!(view(&q1), view(&q2.questionnaire), "{name}");
        assert_eq!(q1.content_hash, q2.questionnaire.content_hash, "{name}");
        let e2 = lens::export(&q2.questionnaire);
        assert_eq!(e1, e2, "{name}");
        // The export says the same as the file, minus the keys the format does not have.
        let original: Value = serde_json::from_str(text).unwrap();
        assert_eq!(e1.json["name"], original["name"]);
        assert_eq!(e1.json["schemaVersion"], "2021-11-01");
        assert_eq!(
            e1.json["pillars"].as_array().unwrap().len(),
            original["pillars"].as_array().unwrap().len()
        );
    }
}

#[test]
fn the_builtin_exports_as_a_valid_lens_and_round_trips() {
    let b = builtin();
    let e1 = lens::export(b);
    let text = e1.to_pretty();
    let findings = lens::lint(&text);
    assert!(errors(&findings).is_empty(), "{}", show(&findings));
    let lens_json = &e1.json;
    let pillars = lens_json["pillars"].as_array().unwrap();
    assert_eq!(pillars.len(), b.areas.len());
    for p in pillars {
        for x in p["questions"].as_array().unwrap() {
            let rules = x["riskRules"].as_array().unwrap();
            assert!(rules.len() <= 3);
            assert_eq!(rules.last().unwrap()["condition"], "default");
            let mut levels: Vec<&str> = rules.iter().map(|r| r["risk"].as_str().unwrap()).collect();
            levels.sort_unstable();
            levels.dedup();
            assert_eq!(levels.len(), rules.len(), "{}", x["id"]);
            for c in x["choices"].as_array().unwrap() {
                let id = c["id"].as_str().unwrap();
                if !id.ends_with("_no") {
                    assert!(
                        c["improvementPlan"]["displayText"]
                            .as_str()
                            .is_some_and(|t| !t.is_empty())
                    );
                }
            }
        }
    }
    // Number and text questions, patterns and the checklist are named as left out.
    let omitted = e1.omitted.join("\n");
    assert!(omitted.contains("`peak_rps`"), "{omitted}");
    assert!(omitted.contains("pattern catalog"), "{omitted}");
    assert!(omitted.contains("checklist item"), "{omitted}");
    assert!(omitted.contains("exported as `none_no`"), "{omitted}");
    assert!(
        omitted.contains("a lens risk rule carries no improvement plan"),
        "{omitted}"
    );
    assert!(
        omitted.contains("left out: it reads other questions"),
        "{omitted}"
    );

    let q2 = lens::import(&text, "builtin-lens", "1").unwrap_or_else(|f| panic!("{}", show(&f)));
    let e2 = lens::export(&q2.questionnaire);
    assert_eq!(e1.json, e2.json);
    let q3 = lens::import(&e2.to_pretty(), "builtin-lens", "1").unwrap();
    assert_eq!(view(&q2.questionnaire), view(&q3.questionnaire));
    assert!(e2.omitted.is_empty(), "{:?}", e2.omitted);
}

/// Reads one question's choices from a bitmask; every other question is unanswered.
struct OneQuestion {
    question: usize,
    mask: u64,
}

impl Env for OneQuestion {
    fn choice(&self, question: usize, choice: usize) -> Tri {
        if question != self.question {
            Tri::Unknown
        } else if self.mask & (1 << choice) != 0 {
            Tri::True
        } else {
            Tri::False
        }
    }
    fn number(&self, _question: usize) -> Option<f64> {
        None
    }
    fn calc(&self, _calc: Calc) -> Option<f64> {
        None
    }
}

/// The risk the first true rule of question `qi` sets for the selection `mask`.
fn risk_for(q: &Questionnaire, qi: usize, mask: u64) -> Option<Risk> {
    let env = OneQuestion { question: qi, mask };
    q.questions[qi]
        .risk_rules
        .iter()
        .find(|r| r.when.eval(&env) == Tri::True)
        .map(|r| r.risk)
}

#[test]
fn exported_rules_give_the_builtin_risks_for_every_answer() {
    // Rules are rewritten as one per level (`alarms` has two medium rules, `failure_paths` a
    // no-risk rule before its medium default): for every question whose rules only read its
    // own choices, the lens gives the built-in risk for every valid answer.
    let b = builtin();
    let e = lens::export(b);
    let q = lens::import(&e.to_pretty(), "b", "1")
        .unwrap()
        .questionnaire;
    let mut checked = 0;
    for (bi, original) in b.questions.iter().enumerate() {
        let Some(qi) = q.question_index(original.id.as_str()) else {
            continue; // number and text questions are not exported
        };
        if !original
            .risk_rules
            .iter()
            .all(|r| r.when.reads_only_choices_of(bi))
        {
            continue;
        }
        let n = original.choices.len();
        assert_eq!(q.questions[qi].choices.len(), n);
        let masks: Vec<u64> = match original.kind {
            QuestionKind::Single => (0..n).map(|i| 1 << i).collect(),
            _ => (1u64..(1 << n))
                .filter(|m| {
                    let none =
                        (0..n).any(|i| original.choices[i].none_of_these && m & (1 << i) != 0);
                    !none || m.count_ones() == 1
                })
                .collect(),
        };
        for m in masks {
            assert_eq!(
                risk_for(b, bi, m),
                risk_for(&q, qi, m),
                "{} {m:b}",
                original.id
            );
        }
        checked += 1;
    }
    assert!(checked >= 30, "{checked} questions checked");
    assert_eq!(q.question("alarms").unwrap().risk_rules.len(), 3);
}

// Planted defects.

/// A small valid lens: one pillar, two questions.
fn base() -> Value {
    json!({
        "schemaVersion": "2021-11-01",
        "name": "Backup lens",
        "description": "Checks that backups exist and are tested.",
        "pillars": [{
            "id": "basics",
            "name": "Basics",
            "questions": [{
                "id": "backups",
                "title": "How do you back up your data?",
                "description": "Backups you have not restored are hopes, not backups.",
                "helpfulResource": { "displayText": "AWS Backup", "url": "https://aws.amazon.com/backup/" },
                "choices": [
                    {
                        "id": "backup_daily",
                        "title": "Daily backups",
                        "improvementPlan": { "displayText": "Schedule daily backups.", "url": "https://docs.aws.amazon.com/aws-backup/" }
                    },
                    {
                        "id": "backup_tested",
                        "title": "Restores are tested",
                        "helpfulResource": { "displayText": "Restore at least once a quarter." },
                        "improvementPlan": { "displayText": "Test a restore every quarter." }
                    },
                    { "id": "backups_no", "title": "None of these" }
                ],
                "riskRules": [
                    { "condition": "backup_daily && backup_tested", "risk": "NO_RISK" },
                    { "condition": "backup_daily || backup_tested", "risk": "MEDIUM_RISK" },
                    { "condition": "default", "risk": "HIGH_RISK" }
                ]
            }, {
                "id": "alerts",
                "title": "Who gets paged?",
                "description": "Someone must answer an alert.",
                "choices": [
                    { "id": "alerts_oncall", "title": "An on-call rota", "improvementPlan": { "displayText": "Set up a rota." } },
                    { "id": "alerts_email", "title": "A shared mailbox", "improvementPlan": { "displayText": "Route alerts to people." } }
                ],
                "riskRules": [
                    { "condition": "alerts_oncall", "risk": "NO_RISK" },
                    { "condition": "default", "risk": "MEDIUM_RISK" }
                ]
            }]
        }]
    })
}

/// Lints `base()` after `edit`, and returns the findings.
fn lint_with(edit: impl FnOnce(&mut Value)) -> Vec<Finding> {
    let mut v = base();
    edit(&mut v);
    lens::lint(&v.to_string())
}

#[test]
fn the_base_lens_is_clean_and_imports() {
    let text = base().to_string();
    assert_eq!(lens::lint(&text), vec![]);
    let q = lens::import(&text, "backups", "1").unwrap().questionnaire;
    assert_eq!(answer(&q, "backups", &["backup_daily"]), Some(Risk::Medium));
    assert_eq!(answer(&q, "backups", &["backups_no"]), Some(Risk::High));
    assert_eq!(q.checklist.len(), 4);
}

#[path = "lens/defects.rs"]
mod defects;

#[test]
fn a_rule_after_the_default_is_dropped_on_import() {
    let mut v = base();
    v["pillars"][0]["questions"][1]["riskRules"] = json!([
        { "condition": "default", "risk": "MEDIUM_RISK" },
        { "condition": "alerts_oncall", "risk": "NO_RISK" }
    ]);
    let q = lens::import(&v.to_string(), "x", "1")
        .unwrap()
        .questionnaire;
    assert_eq!(q.question("alerts").unwrap().risk_rules.len(), 1);
}

#[test]
fn a_lens_without_errors_imports_and_one_with_errors_does_not() {
    let mut v = base();
    v["pillars"][0]["questions"][0]["riskRules"][1]["condition"] = json!("nope");
    let err = lens::import(&v.to_string(), "x", "1").unwrap_err();
    assert!(err.iter().any(|f| f.code == "unknown-choice"));
    // A bad questionnaire id is the caller's error, reported as such.
    let err = lens::import(&base().to_string(), "bad id!", "1").unwrap_err();
    assert!(
        err.iter().any(|f| f.code == "not-importable"),
        "{}",
        show(&err)
    );
    // Warnings only: it imports, warnings kept.
    let mut v = base();
    v["_version"] = json!("2");
    let ok = lens::import(&v.to_string(), "x", "1").unwrap();
    assert_eq!(ok.warnings.len(), 1);
}

#[test]
fn hostile_lenses_lint_in_bounded_time() {
    // Thousands of malformed pillars: each reported, no quadratic blow-up.
    let many = format!("{{\"pillars\": [{}1]}}", "1,".repeat(200_000));
    let f = lens::lint(&many);
    assert!(f.iter().filter(|f| f.code == "bad-type").count() > 200_000);
    // Many questions of 20 choices, each rule naming them all: the budget caps the work.
    let ids: Vec<String> = (0..20).map(|i| format!("c_{i}")).collect();
    let question = |i: usize| {
        json!({
            "id": format!("q_{i}"),
            "title": "Q",
            "description": "D",
            "choices": ids.iter().map(|id| json!({ "id": id, "title": "C", "improvementPlan": { "displayText": "P" } })).collect::<Vec<_>>(),
            "riskRules": [
                { "condition": ids.join(" && "), "risk": "NO_RISK" },
                { "condition": ids.join(" || "), "risk": "MEDIUM_RISK" },
                { "condition": "default", "risk": "HIGH_RISK" }
            ]
        })
    };
    let v = json!({
        "schemaVersion": "2021-11-01",
        "name": "Wide",
        "description": "Wide questions.",
        "pillars": [{ "id": "wide", "name": "Wide", "questions": (0..40).map(question).collect::<Vec<_>>() }]
    });
    let f = lens::lint(&v.to_string());
    assert!(
        f.iter().any(|f| f.code == "reachability-unchecked"),
        "{}",
        show(&f)
    );
    assert!(
        f.iter().any(|f| f.code == "unreachable-rule"),
        "the first questions are still checked"
    );
}

#[test]
fn condition_syntax_is_checked_without_names() {
    use questionnaires::condition::syntax;
    assert!(syntax("default").is_ok());
    assert!(syntax("(a || b) && !c").is_ok());
    assert!(syntax("a &&").unwrap_err().contains("column"));
    assert!(syntax(&"(".repeat(100)).is_err());
}

// Properties over generated lenses: the linter never panics, and a lens without errors imports,
// exports clean and round-trips.

mod generated {
    use proptest::prelude::*;
    use questionnaires::lens;
    use serde_json::{Value, json};

    fn pick(options: &'static [&'static str]) -> impl Strategy<Value = String> {
        prop::sample::select(options).prop_map(str::to_owned)
    }

    fn url() -> impl Strategy<Value = Option<String>> {
        prop::option::of(pick(&[
            "https://example.com/page",
            "http://docs.example.org/a?b=c",
            "ftp://example.com/x",
            "https://exa mple.com",
            "https://a.io/x, https://b.io/y",
            "http://a.b",
            "https://[::1",
            "",
        ]))
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => pick(&["Do the thing.", "Restore monthly.", "None of these", "-", "", "  "]),
            1 => (120usize..140).prop_map(|n| "w ".repeat(n / 2)),
            1 => (2040usize..2060).prop_map(|n| "x".repeat(n)),
        ]
    }

    fn resource() -> impl Strategy<Value = Value> {
        (text(), url(), any::<bool>()).prop_map(|(t, u, upper)| {
            let mut r = json!({ "displayText": t });
            if let Some(u) = u {
                r[if upper { "Url" } else { "url" }] = json!(u);
            }
            r
        })
    }

    const CHOICE_IDS: &[&str] = &[
        "opt_a", "opt_b", "opt_c", "opt_d", "q_no", "x_no", "ab", "opt-e",
    ];

    fn choice() -> impl Strategy<Value = Value> {
        (
            pick(CHOICE_IDS),
            text(),
            prop::option::of(resource()),
            prop::option::of(resource()),
            prop::option::of(text()),
            prop::collection::vec(
                (
                    pick(&["HELPFUL_RESOURCE", "IMPROVEMENT_PLAN", "OTHER"]),
                    prop::collection::vec(resource(), 0..3),
                ),
                0..3,
            ),
        )
            .prop_map(|(id, title, help, plan, description, extra)| {
                let mut c = json!({ "id": id, "title": title });
                if let Some(h) = help {
                    c["helpfulResource"] = h;
                }
                if let Some(p) = plan {
                    c["improvementPlan"] = p;
                }
                if let Some(d) = description {
                    c["description"] = json!(d);
                }
                if !extra.is_empty() {
                    c["additionalResources"] = extra
                        .into_iter()
                        .map(|(kind, content)| json!({ "type": kind, "content": content }))
                        .collect();
                }
                c
            })
    }

    fn condition() -> impl Strategy<Value = String> {
        prop_oneof![
            1 => Just("default".to_owned()),
            4 => prop::collection::vec(
                pick(&["opt_a", "opt_b", "opt_c", "q_no", "zz", "&&", "||", "!", "(", ")", "&& opt_a", "|| !opt_b", "> 1", "other.opt_a", "default"]),
                1..7,
            ).prop_map(|t| t.join(" ")),
        ]
    }

    fn question() -> impl Strategy<Value = Value> {
        (
            pick(&["q_one", "q_two", "q_three", "qq"]),
            text(),
            text(),
            prop::option::of(resource()),
            prop::collection::vec(choice(), 0..6),
            prop::collection::vec(
                (
                    condition(),
                    pick(&["HIGH_RISK", "MEDIUM_RISK", "NO_RISK", "LOW"]),
                ),
                0..5,
            ),
        )
            .prop_map(|(id, title, description, help, choices, rules)| {
                let mut q = json!({
                    "id": id,
                    "title": title,
                    "description": description,
                    "choices": choices,
                    "riskRules": rules
                        .into_iter()
                        .map(|(c, r)| json!({ "condition": c, "risk": r }))
                        .collect::<Vec<_>>(),
                });
                if let Some(h) = help {
                    q["helpfulResource"] = h;
                }
                q
            })
    }

    fn lens_json() -> impl Strategy<Value = Value> {
        prop::collection::vec(
            (pick(&["pillar_one", "pillar_two", "pp"]), text(), prop::collection::vec(question(), 0..4)),
            0..3,
        )
        .prop_map(|pillars| {
            json!({
                "schemaVersion": "2021-11-01",
                "name": "Generated",
                "description": "A generated lens.",
                "pillars": pillars
                    .into_iter()
                    .map(|(id, name, questions)| json!({ "id": id, "name": name, "questions": questions }))
                    .collect::<Vec<_>>(),
            })
        })
    }

    /// A condition over choice positions, taken modulo the question's choice count.
    #[derive(Debug, Clone)]
    enum Cond {
        Leaf(usize),
        Not(Box<Cond>),
        And(Vec<Cond>),
        Or(Vec<Cond>),
    }

    impl Cond {
        fn render(&self, ids: &[String]) -> String {
            let group = |c: &Cond| match c {
                Cond::Leaf(_) | Cond::Not(_) => c.render(ids),
                _ => format!("({})", c.render(ids)),
            };
            match self {
                Cond::Leaf(i) => ids[i % ids.len()].clone(),
                Cond::Not(inner) => format!("!{}", group(inner)),
                Cond::And(cs) => cs.iter().map(group).collect::<Vec<_>>().join(" && "),
                Cond::Or(cs) => cs.iter().map(group).collect::<Vec<_>>().join(" || "),
            }
        }
    }

    fn cond() -> impl Strategy<Value = Cond> {
        (0usize..8)
            .prop_map(Cond::Leaf)
            .prop_recursive(3, 12, 3, |inner| {
                prop_oneof![
                    inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
                    prop::collection::vec(inner.clone(), 2..4).prop_map(Cond::And),
                    prop::collection::vec(inner, 2..4).prop_map(Cond::Or),
                ]
            })
    }

    fn good_url() -> impl Strategy<Value = Option<String>> {
        prop::option::of(pick(&[
            "https://example.com/page",
            "http://docs.example.org/a?b=c",
            "https://exa mple.com/x",
            "https://a.io/x, https://b.io/y",
            "http://a.b",
        ]))
    }

    fn good_text() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => pick(&["Do the thing.", "Restore monthly.", "None of these", "-", "Tags: a/b ~ c"]),
            1 => (120usize..400).prop_map(|n| "word ".repeat(n / 5)),
        ]
    }

    fn good_resource() -> impl Strategy<Value = Value> {
        (good_text(), good_url(), any::<bool>()).prop_map(|(t, u, upper)| {
            let mut r = json!({ "displayText": t });
            if let Some(u) = u {
                r[if upper { "Url" } else { "url" }] = json!(u);
            }
            r
        })
    }

    /// Choices for a question: 1 to 6, with a "None of these" choice or not.
    fn good_choices() -> impl Strategy<Value = Vec<Value>> {
        (
            prop::collection::vec(
                (
                    good_text(),
                    prop::option::of(good_resource()),
                    good_resource(),
                    prop::option::of(good_text()),
                    prop::collection::vec(good_resource(), 0..3),
                    prop::collection::vec(good_resource(), 0..3),
                ),
                1..6,
            ),
            any::<bool>(),
        )
            .prop_map(|(cs, none)| {
                let mut out: Vec<Value> = cs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (title, help, plan, description, more, plans))| {
                        let mut c = json!({ "id": format!("c_{i}"), "title": title, "improvementPlan": plan });
                        if let Some(h) = help {
                            c["helpfulResource"] = h;
                        }
                        if let Some(d) = description {
                            c["description"] = json!(d);
                        }
                        let mut extra = Vec::new();
                        if !more.is_empty() {
                            extra.push(json!({ "type": "HELPFUL_RESOURCE", "content": more }));
                        }
                        if !plans.is_empty() {
                            extra.push(json!({ "type": "IMPROVEMENT_PLAN", "content": plans }));
                        }
                        if !extra.is_empty() {
                            c["additionalResources"] = json!(extra);
                        }
                        c
                    })
                    .collect();
                if none {
                    out.push(json!({ "id": "c_no", "title": "None of these" }));
                }
                out
            })
    }

    /// A question's parts; ids, rule levels and the default are settled when the lens is built.
    #[derive(Debug, Clone)]
    struct GenQuestion {
        title: String,
        description: String,
        help: Option<Value>,
        choices: Vec<Value>,
        rules: Vec<(Cond, usize)>,
        default_level: usize,
        default_at: usize,
    }

    fn good_question() -> impl Strategy<Value = GenQuestion> {
        (
            good_text(),
            good_text(),
            prop::option::of(good_resource()),
            good_choices(),
            prop::collection::vec((cond(), 0usize..3), 0..3),
            0usize..3,
            0usize..4,
        )
            .prop_map(
                |(title, description, help, choices, rules, default_level, default_at)| {
                    GenQuestion {
                        title,
                        description,
                        help,
                        choices,
                        rules,
                        default_level,
                        default_at,
                    }
                },
            )
    }

    /// Lenses with no error by construction, and many of the warnings.
    fn valid_lens() -> impl Strategy<Value = Value> {
        prop::collection::vec((pick(&["Security", "None of these", "-"]), prop::collection::vec(good_question(), 1..4)), 1..4).prop_map(
            |pillars| {
                let levels = ["HIGH_RISK", "MEDIUM_RISK", "NO_RISK"];
                let pillars: Vec<Value> = pillars
                    .into_iter()
                    .enumerate()
                    .map(|(pi, (name, questions))| {
                        let questions: Vec<Value> = questions
                            .into_iter()
                            .enumerate()
                            .map(|(qi, g)| {
                                let GenQuestion {
                                    title,
                                    description,
                                    help,
                                    choices,
                                    rules,
                                    default_level,
                                    default_at,
                                } = g;
                                let ids: Vec<String> =
                                    choices.iter().map(|c| c["id"].as_str().unwrap_or("").to_owned()).collect();
                                // One rule per level: the default's, then the others in order.
                                let mut used = vec![default_level];
                                let mut risk_rules = Vec::new();
                                for (c, level) in rules {
                                    let level = (level..level + 3).map(|l| l % 3).find(|l| !used.contains(l));
                                    if let Some(level) = level {
                                        used.push(level);
                                        risk_rules.push(json!({ "condition": c.render(&ids), "risk": levels[level] }));
                                    }
                                }
                                let at = default_at.min(risk_rules.len());
                                risk_rules.insert(at, json!({ "condition": "default", "risk": levels[default_level] }));
                                let mut q = json!({
                                    "id": format!("q_{pi}_{qi}"),
                                    "title": title,
                                    "description": description,
                                    "choices": choices,
                                    "riskRules": risk_rules,
                                });
                                if let Some(h) = help {
                                    q["helpfulResource"] = h;
                                }
                                q
                            })
                            .collect();
                        json!({ "id": format!("pillar_{pi}"), "name": name, "questions": questions })
                    })
                    .collect();
                json!({
                    "schemaVersion": "2021-11-01",
                    "_version": "1",
                    "name": "Generated",
                    "description": "A generated lens.",
                    "pillars": pillars,
                })
            },
        )
    }

    /// Imports, exports, lints the export and imports it again. The model survives whole unless
    /// the lens has choice `description`s, which the format does not carry: Trellis shows them
    /// as help, and exports them as the choice's helpful resource when it has none.
    fn check_round_trip(text: &str) -> Result<(), TestCaseError> {
        let extra_keys = text.contains("\"description\":") && choice_descriptions(text);
        let imported = lens::import(text, "gen", "1");
        prop_assert!(
            imported.is_ok(),
            "lint passed, import failed: {:?}",
            imported.err()
        );
        let q = imported
            .map_err(|_| TestCaseError::fail("import"))?
            .questionnaire;
        let e1 = lens::export(&q);
        let again = lens::lint(&e1.to_pretty());
        prop_assert!(
            !lens::has_errors(&again),
            "export does not lint clean: {again:?}"
        );
        let q2 = lens::import(&e1.to_pretty(), "gen", "1")
            .map_err(|f| TestCaseError::fail(format!("{f:?}")))?;
        if !extra_keys {
            prop_assert_eq!(super::view(&q2.questionnaire), super::view(&q));
        }
        let e2 = lens::export(&q2.questionnaire);
        prop_assert_eq!(&e2.json, &e1.json);
        if !extra_keys {
            prop_assert_eq!(&e2, &e1);
        }
        prop_assert_eq!(q2.questionnaire.content_hash, q.content_hash);
        Ok(())
    }

    fn choice_descriptions(text: &str) -> bool {
        let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let none = Vec::new();
        let arr = |v: &Value, k: &str| v[k].as_array().unwrap_or(&none).clone();
        arr(&v, "pillars").iter().any(|p| {
            arr(p, "questions").iter().any(|q| {
                arr(q, "choices")
                    .iter()
                    .any(|c| c.get("description").is_some())
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn a_valid_lens_imports_exports_clean_and_round_trips(v in valid_lens()) {
            let text = v.to_string();
            let findings = lens::lint(&text);
            prop_assert!(!lens::has_errors(&findings), "{findings:?}");
            check_round_trip(&text)?;
        }

        #[test]
        fn a_lens_the_linter_passes_imports_exports_clean_and_round_trips(v in lens_json()) {
            let text = v.to_string();
            let findings = lens::lint(&text);
            if lens::has_errors(&findings) {
                prop_assert!(lens::import(&text, "gen", "1").is_err());
                return Ok(());
            }
            check_round_trip(&text)?;
        }

        #[test]
        fn the_linter_never_panics_on_any_text(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = lens::lint(&text);
        }

        #[test]
        fn the_linter_never_panics_on_mangled_lenses(cut in 0usize..4000, insert in prop::sample::select(vec!["", "{", "}", "[", "]", ",", "\"", "null", "1", "[]", "{}"])) {
            let base = super::base().to_string();
            let cut = cut.min(base.len());
            let cut = (0..=cut).rev().find(|&i| base.is_char_boundary(i)).unwrap_or(0);
            let text = format!("{}{insert}{}", &base[..cut], &base[cut..]);
            let _ = lens::lint(&text);
            let _ = lens::import(&text, "x", "1");
        }
    }
}

/// A finding quotes an excerpt of what it is about, never a whole 100 KB value: in the message,
/// the pointer or the question.
#[test]
fn findings_quote_only_an_excerpt_of_a_huge_value() {
    let huge = "x".repeat(100 * 1024);
    let findings = lint_with(|v| {
        let q = &mut v["pillars"][0]["questions"][0];
        q["id"] = json!(huge);
        q["choices"][0]["id"] = json!(huge);
        q["choices"][0]["improvementPlan"]["url"] = json!(format!("https://{huge}"));
        q["helpfulResource"]["url"] = json!(format!("ftp://{huge}"));
        q["riskRules"][0]["condition"] = json!(format!("{huge} && ("));
        q[huge.as_str()] = json!(1);
        v["pillars"][0]["id"] = json!(format!("{huge} `with` \"quotes\""));
        v["schemaVersion"] = json!(huge);
    });
    assert!(findings.len() >= 5, "{}", show(&findings));
    // `questionnaires::excerpt::{EXCERPT_CHARS, MESSAGE_CHARS}`.
    let (excerpt, most) = (80, 1000);
    let run = "x".repeat(excerpt);
    for f in &findings {
        for (field, text) in [
            ("message", f.message.as_str()),
            ("pointer", f.pointer.as_str()),
            ("question", f.question.as_deref().unwrap_or("")),
        ] {
            assert!(
                text.chars().count() <= most && !text.contains(&run),
                "{} {field} quotes {} characters: {}…",
                f.code,
                text.chars().count(),
                text.chars().take(200).collect::<String>()
            );
        }
    }
    assert!(
        findings.iter().any(|f| f.message.contains("xxx…")),
        "{}",
        show(&findings)
    );
}
