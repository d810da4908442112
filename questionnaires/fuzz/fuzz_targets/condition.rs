//! Conditions: parsing never panics; neither does compiling one against the built-in questions
//! (as a risk rule over a question's own choices, and as an `applies_when` over any answer) and
//! evaluating it with real answers files; nor linting and importing it as a lens risk rule.
//!
//! Loading all of the built-in content for every input would be a hundred times slower, so each
//! input loads a skeleton of it: only the questions the condition names (ids, kinds and choices,
//! no texts), plus the inputs, runtimes and limits when it reads a `calc.` figure.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use questionnaires::lens::{self, Severity};
use questionnaires::{Answers, Format, builtin, condition, evaluate, load, parse_answers_file};

/// Answers files from the golden cases, to evaluate compiled conditions with.
const CASES: &[&str] = &[
    include_str!("../../tests/cases/01_bursty_crud_api.toml"),
    include_str!("../../tests/cases/05_travel_booking_approval.toml"),
    include_str!("../../tests/cases/11_ticket_onsale_concurrency.toml"),
    include_str!("../../tests/cases/19_java_cold_start.toml"),
];

/// The rule every question ends with.
const DEFAULT_RULE: &str =
    "[[questions.risk_rules]]\nwhen = \"default\"\nrisk = \"none\"\nreason = \"r\"\n";

/// A question of its own for conditions over no built-in choice, and the last question, which
/// carries the condition as its `applies_when`.
const PROBE: &str = "[[questions]]\nid = \"fuzz_probe\"\ntitle = \"t\"\nkind = \"multi\"\n\
     [[questions.choices]]\nid = \"yes\"\ntitle = \"t\"\n\
     [[questions.choices]]\nid = \"maybe\"\ntitle = \"t\"\n\
     [[questions.choices]]\nid = \"nothing\"\ntitle = \"t\"\nnone_of_these = true\n";
const OPEN: &str = "[[questions]]\nid = \"fuzz_open\"\ntitle = \"t\"\nkind = \"number\"\n\
     unit = \"u\"\nmin = 0\nmax = 1\n";

struct Fixture {
    /// Each built-in question as area TOML, without its rules.
    questions: Vec<String>,
    /// Question index by id.
    by_id: BTreeMap<String, usize>,
    /// The first question offering a choice, by choice id.
    by_choice: BTreeMap<String, usize>,
    /// Questions the manifest's inputs and runtimes name.
    input_questions: Vec<usize>,
    /// The manifest with and without inputs and runtimes.
    manifest_full: String,
    manifest_bare: String,
    limits: String,
    answers: Vec<Answers>,
}

fn fixture() -> &'static Fixture {
    static CELL: OnceLock<Fixture> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut manifest: Option<toml::Table> = None;
        let mut limits = String::new();
        let mut questions = Vec::new();
        let mut by_id = BTreeMap::new();
        let mut by_choice = BTreeMap::new();
        for (name, text) in questionnaires::builtin::SOURCES {
            let table: toml::Table = toml::from_str(text).expect("the built-in content is TOML");
            match *name {
                "questionnaire.toml" => manifest = Some(table),
                "limits.toml" => limits = (*text).to_owned(),
                "patterns.toml" | "checklist.toml" => {}
                _ => {
                    let Some(toml::Value::Array(qs)) = table.get("questions") else {
                        continue;
                    };
                    for q in qs.iter().filter_map(toml::Value::as_table) {
                        let index = questions.len();
                        let (text, id, choices) = skeleton(q);
                        by_id.insert(id, index);
                        for choice in choices {
                            by_choice.entry(choice).or_insert(index);
                        }
                        questions.push(text);
                    }
                }
            }
        }
        let mut manifest = manifest.expect("the built-in content has a manifest");
        manifest.insert("description".into(), "".into());
        manifest.insert("areas".into(), vec![toml::Value::from("fuzz.toml")].into());
        let mut input_questions = Vec::new();
        for value in manifest
            .get("inputs")
            .and_then(toml::Value::as_table)
            .into_iter()
            .flat_map(|t| t.values())
            .chain(
                manifest
                    .get("runtimes")
                    .and_then(toml::Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.get("when")),
            )
        {
            let source = value.as_str().expect("inputs and runtimes are conditions");
            input_questions.extend(named(source, &by_id, &by_choice).0);
        }
        let manifest_full = manifest.to_string();
        manifest.remove("inputs");
        manifest.remove("runtimes");
        let manifest_bare = manifest.to_string();
        let mut answers = vec![Answers::new()];
        for case in CASES {
            let file =
                parse_answers_file(case, Format::Toml, builtin()).expect("the golden cases parse");
            answers.push(file.answers);
        }
        Fixture {
            questions,
            by_id,
            by_choice,
            input_questions,
            manifest_full,
            manifest_bare,
            limits,
            answers,
        }
    })
}

/// A question as area TOML with only what names and kinds need; its id and choice ids.
fn skeleton(question: &toml::Table) -> (String, String, Vec<String>) {
    let mut out = toml::Table::new();
    for key in ["id", "kind", "unit", "min", "max"] {
        if let Some(v) = question.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    out.insert("title".into(), "t".into());
    let mut ids = Vec::new();
    if let Some(toml::Value::Array(choices)) = question.get("choices") {
        let choices: Vec<toml::Value> = choices
            .iter()
            .filter_map(|c| {
                let c = c.as_table()?;
                let id = c.get("id")?;
                ids.push(id.as_str()?.to_owned());
                let mut out = toml::Table::new();
                out.insert("id".into(), id.clone());
                out.insert("title".into(), "t".into());
                if let Some(none) = c.get("none_of_these") {
                    out.insert("none_of_these".into(), none.clone());
                }
                Some(toml::Value::Table(out))
            })
            .collect();
        out.insert("choices".into(), choices.into());
    }
    let id = question
        .get("id")
        .and_then(toml::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut wrapper = toml::Table::new();
    wrapper.insert("questions".into(), vec![toml::Value::Table(out)].into());
    (wrapper.to_string(), id, ids)
}

/// The built-in questions a condition names, in order, and the question its first bare choice id
/// belongs to (the scope to compile it in as a risk rule).
fn named(
    source: &str,
    by_id: &BTreeMap<String, usize>,
    by_choice: &BTreeMap<String, usize>,
) -> (Vec<usize>, Option<usize>) {
    let mut questions = Vec::new();
    let mut scope = None;
    let words = source
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .filter(|w| !w.is_empty());
    for word in words {
        let head = word.split('.').next().unwrap_or(word);
        if let Some(&i) = by_id.get(head) {
            questions.push(i);
        } else if let Some(&i) = by_choice.get(word) {
            questions.push(i);
            scope.get_or_insert(i);
        }
    }
    (questions, scope)
}

/// A TOML string literal holding exactly `s`.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// Loads the skeleton with `source` as a risk rule (`scoped`) or as an `applies_when`.
fn load_with(source: &str, scoped: bool) -> Option<questionnaires::Questionnaire> {
    let f = fixture();
    let (mut questions, scope) = named(source, &f.by_id, &f.by_choice);
    let full = source.contains("calc.");
    if full {
        questions.extend(&f.input_questions);
    }
    questions.sort_unstable();
    questions.dedup();

    let literal = toml_string(source);
    let rule =
        format!("[[questions.risk_rules]]\nwhen = {literal}\nrisk = \"high\"\nreason = \"r\"\n");
    let mut area = String::from("id = \"fuzz\"\ntitle = \"t\"\n\n");
    for &i in &questions {
        area.push_str(&f.questions[i]);
        if scoped && scope == Some(i) {
            area.push_str(&rule);
        }
        area.push_str(DEFAULT_RULE);
    }
    area.push_str(PROBE);
    if scoped && scope.is_none() {
        area.push_str(&rule);
    }
    area.push_str(DEFAULT_RULE);
    if !scoped {
        area.push_str(OPEN);
        area.push_str(&format!("applies_when = {literal}\n"));
        area.push_str(DEFAULT_RULE);
    }

    let mut sources = vec![("fuzz.toml", area.as_str())];
    if full {
        sources.push(("questionnaire.toml", &f.manifest_full));
        sources.push(("limits.toml", &f.limits));
    } else {
        sources.push(("questionnaire.toml", &f.manifest_bare));
    }
    load(&sources).ok()
}

/// A one-question lens with `source` as its first risk rule.
fn lens_with(source: &str) -> String {
    let choice = |id: &str, title: &str| {
        serde_json::json!({
            "id": id,
            "title": title,
            "improvementPlan": { "displayText": "Fix it." }
        })
    };
    serde_json::json!({
        "schemaVersion": "2021-11-01",
        "name": "Fuzz lens",
        "description": "One question whose first risk rule is fuzzed.",
        "pillars": [{
            "id": "fuzz_pillar",
            "name": "Fuzz",
            "questions": [{
                "id": "fuzz_question",
                "title": "Probe",
                "description": "Probe.",
                "choices": [
                    choice("choice_a", "A"),
                    choice("choice_b", "B"),
                    choice("choice_c", "C"),
                    { "id": "fuzz_question_no", "title": "None of these" },
                ],
                "riskRules": [
                    { "condition": source, "risk": "HIGH_RISK" },
                    { "condition": "default", "risk": "NO_RISK" },
                ],
            }],
        }],
    })
    .to_string()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = condition::syntax(&text);

    for scoped in [true, false] {
        if let Some(q) = load_with(&text, scoped) {
            assert!(
                parsed.is_ok() || text.trim() == "default",
                "a condition the parser rejects compiled: {parsed:?}"
            );
            for answers in &fixture().answers {
                let evaluation = evaluate(&q, answers);
                assert_eq!(evaluation.questions.len(), q.questions.len());
            }
        }
    }

    let lens = lens_with(&text);
    let lint_errors = lens::lint(&lens)
        .iter()
        .any(|f| f.severity == Severity::Error);
    let imported = lens::import(&lens, "fuzz-lens", "1");
    assert_eq!(
        imported.is_ok(),
        !lint_errors,
        "lint and import disagree on the risk rule `{text}`"
    );
});
