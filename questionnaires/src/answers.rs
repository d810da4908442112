//! Answers, and answers files (TOML or JSON) checked against a questionnaire.
//!
//! An answers file looks like this:
//!
//! ```toml
//! questionnaire = "serverless-review"
//! [workload]
//! name = "Order service"
//! [answers]
//! traffic_shape = "spiky"                       # a single choice
//! entry_point = ["http_api", "queue"]           # several choices
//! peak_rps = 1200                               # a number
//! workload_boundary = "Takes orders, nothing else"  # text
//! ordering = { not_applicable = "no ordering at all" }
//! idempotency = { value = "keys_enforced", note = "Powertools idempotency" }
//! ```
//!
//! [`parse_answers_file`] reports every problem at once and returns nothing partial.
//!
//! A file written by `trellis import-iac` also carries `evidence` (why each answer was given)
//! and `findings` (checks of the templates): both are accepted and ignored here, so the import
//! is an answers file as it is.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::model::{ChoiceId, QuestionId, QuestionKind, Questionnaire};

/// The workload under review.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Workload {
    /// Its name, such as "Order service".
    pub name: String,
    /// What it does.
    #[serde(default)]
    pub description: String,
    /// Where it runs, such as "production".
    #[serde(default)]
    pub environment: String,
}

/// One answer's value.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerValue {
    /// Selected choices (one for a single question; may be empty only through "none of these").
    Choices(Vec<ChoiceId>),
    /// A number.
    Number(f64),
    /// Free text.
    Text(String),
    /// Does not apply to this workload, and why.
    NotApplicable(String),
}

/// An answer with its optional note.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Answer {
    /// The value.
    pub value: AnswerValue,
    /// A note from the team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Answer {
    /// An answer without a note.
    pub fn new(value: AnswerValue) -> Answer {
        Answer { value, note: None }
    }
}

/// Answers keyed by question id.
pub type Answers = BTreeMap<QuestionId, Answer>;

/// A parsed answers file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswersFile {
    /// The questionnaire id it answers.
    pub questionnaire: String,
    /// The workload.
    pub workload: Workload,
    /// The answers.
    pub answers: Answers,
}

/// The format of an answers file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML.
    Toml,
    /// JSON.
    Json,
}

/// One problem in an answers file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerError {
    /// Where: `answers.peak_rps`, `workload.name`, or empty for the whole file.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for AnswerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.key.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.key, self.message)
        }
    }
}

/// An error. What it quotes of the file is bounded ([`crate::excerpt`]): a 100 KB key or value
/// shows as an excerpt, in the key and in the message.
fn err(key: impl Into<String>, message: impl Into<String>) -> AnswerError {
    let (key, message) = (key.into(), message.into());
    AnswerError {
        key: crate::excerpt::excerpt(&key).into_owned(),
        message: crate::excerpt::message(&message).into_owned(),
    }
}

/// The most problems an answers file is checked for: past them the check stops and says so, so
/// that a file of a million bad items costs no more than a good one (nor makes a reply of a
/// hundred megabytes).
pub const MAX_ERRORS: usize = 100;

/// Parses and checks an answers file. Every problem is returned (up to [`MAX_ERRORS`], then a
/// last one saying the check stopped), or the whole file.
pub fn parse_answers_file(
    text: &str,
    format: Format,
    q: &Questionnaire,
) -> Result<AnswersFile, Vec<AnswerError>> {
    let root: Value = match format {
        Format::Toml => toml::from_str(text)
            .map_err(|e| vec![err("", format!("not valid TOML: {}", e.message().trim()))])?,
        Format::Json => {
            serde_json::from_str(text).map_err(|e| vec![err("", format!("not valid JSON: {e}"))])?
        }
    };
    let Value::Object(root) = root else {
        return Err(vec![err(
            "",
            "the file must be a table with `questionnaire`, `workload` and `answers`",
        )]);
    };
    let mut errors = Vec::new();
    for key in root.keys() {
        // `evidence` and `findings` come from `trellis import-iac`: read by people, not here.
        if !matches!(
            key.as_str(),
            "questionnaire" | "workload" | "answers" | "evidence" | "findings"
        ) {
            errors.push(err(
                key.clone(),
                "unknown key; expected `questionnaire`, `workload` or `answers` (or an import's `evidence` and `findings`)",
            ));
        }
    }
    let questionnaire = match root.get("questionnaire") {
        Some(Value::String(s)) if s == &q.id => s.clone(),
        Some(Value::String(s)) => {
            errors.push(err(
                "questionnaire",
                format!(
                    "this file answers `{s}`, but the questionnaire is `{}`",
                    q.id
                ),
            ));
            s.clone()
        }
        Some(_) => {
            errors.push(err("questionnaire", "must be a string"));
            String::new()
        }
        None => {
            errors.push(err(
                "questionnaire",
                format!("missing; add `questionnaire = \"{}\"`", q.id),
            ));
            String::new()
        }
    };
    let workload = parse_workload(root.get("workload"), &mut errors);
    let mut answers = Answers::new();
    match root.get("answers") {
        None => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                if errors.len() >= MAX_ERRORS {
                    break;
                }
                let path = format!("answers.{key}");
                match q.question(key) {
                    None => errors.push(err(path, format!("unknown question `{key}`"))),
                    Some(question) => {
                        if let Some(a) = parse_answer(&path, question, value, &mut errors) {
                            answers.insert(question.id.clone(), a);
                        }
                    }
                }
            }
        }
        Some(_) => errors.push(err("answers", "must be a table keyed by question id")),
    }
    if errors.len() >= MAX_ERRORS {
        errors.truncate(MAX_ERRORS);
        errors.push(err(
            "",
            format!("the check stopped after {MAX_ERRORS} problems; fix these and check again"),
        ));
    }
    if errors.is_empty() {
        Ok(AnswersFile {
            questionnaire,
            workload,
            answers,
        })
    } else {
        Err(errors)
    }
}

/// Checks one answer value (a choice id, a list of them, a number or a string, as JSON) against
/// its question, with the same rules and messages as answers files.
pub fn check_value(
    q: &crate::model::Question,
    value: &Value,
) -> Result<AnswerValue, Vec<AnswerError>> {
    let mut errors = Vec::new();
    match parse_value(q.id.as_str(), q, value, &mut errors) {
        Some(v) if errors.is_empty() => Ok(v),
        _ => Err(errors),
    }
}

fn parse_workload(v: Option<&Value>, errors: &mut Vec<AnswerError>) -> Workload {
    let mut w = Workload::default();
    let Some(v) = v else {
        errors.push(err(
            "workload",
            "missing; add `[workload]` with `name = \"...\"`",
        ));
        return w;
    };
    let Value::Object(map) = v else {
        errors.push(err("workload", "must be a table"));
        return w;
    };
    for (key, value) in map {
        let path = format!("workload.{key}");
        let Value::String(s) = value else {
            errors.push(err(path, "must be a string"));
            continue;
        };
        match key.as_str() {
            "name" => w.name = s.trim().to_owned(),
            "description" => w.description = s.clone(),
            "environment" => w.environment = s.clone(),
            _ => errors.push(err(
                path,
                "unknown key; expected `name`, `description` or `environment`",
            )),
        }
    }
    if w.name.is_empty() {
        errors.push(err("workload.name", "the workload needs a name"));
    } else if w.name.chars().count() > 200 {
        errors.push(err("workload.name", "longer than 200 characters"));
    }
    w
}

fn parse_answer(
    path: &str,
    q: &crate::model::Question,
    v: &Value,
    errors: &mut Vec<AnswerError>,
) -> Option<Answer> {
    let (value, note) = match v {
        Value::Object(map) => {
            let mut note = None;
            let mut value = None;
            let mut na = None;
            for (k, x) in map {
                match (k.as_str(), x) {
                    ("note", Value::String(s)) => note = Some(s.clone()),
                    ("note", _) => errors.push(err(format!("{path}.note"), "must be a string")),
                    ("value", x) => value = Some(x),
                    ("not_applicable", Value::String(s)) if !s.trim().is_empty() => {
                        na = Some(s.trim().to_owned())
                    }
                    ("not_applicable", _) => errors.push(err(
                        format!("{path}.not_applicable"),
                        "not applicable needs a reason: `{ not_applicable = \"why\" }`",
                    )),
                    _ => errors.push(err(
                        format!("{path}.{k}"),
                        "unknown key; expected `value`, `not_applicable` or `note`",
                    )),
                }
            }
            match (value, na) {
                (Some(_), Some(_)) => {
                    errors.push(err(path, "has both `value` and `not_applicable`; keep one"));
                    return None;
                }
                (None, Some(reason)) => {
                    return Some(Answer {
                        value: AnswerValue::NotApplicable(reason),
                        note,
                    });
                }
                (Some(x), None) => (x, note),
                (None, None) => {
                    if !map.contains_key("not_applicable") {
                        errors.push(err(path, "needs `value` or `not_applicable`"));
                    }
                    return None;
                }
            }
        }
        other => (other, None),
    };
    let value = parse_value(path, q, value, errors)?;
    Some(Answer { value, note })
}

fn parse_value(
    path: &str,
    q: &crate::model::Question,
    v: &Value,
    errors: &mut Vec<AnswerError>,
) -> Option<AnswerValue> {
    let choice_list = || {
        q.choices
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let before = errors.len();
    match (q.kind, v) {
        (QuestionKind::Single, Value::String(s)) => match q.choice_index(s) {
            Some(i) => return Some(AnswerValue::Choices(vec![q.choices[i].id.clone()])),
            None => errors.push(err(
                path,
                format!(
                    "`{s}` is not a choice of `{}`; choose one of: {}",
                    q.id,
                    choice_list()
                ),
            )),
        },
        (QuestionKind::Single, _) => errors.push(err(
            path,
            format!("`{}` takes one choice id, as a string", q.id),
        )),
        (QuestionKind::Multi, Value::String(_) | Value::Array(_)) => {
            let items: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                one => vec![one],
            };
            let mut picked = BTreeSet::new();
            for item in items {
                if errors.len() >= MAX_ERRORS {
                    break;
                }
                match item {
                    Value::String(s) => match q.choice_index(s) {
                        Some(i) => {
                            if !picked.insert(i) {
                                errors.push(err(path, format!("`{s}` is listed twice")));
                            }
                        }
                        None => errors.push(err(
                            path,
                            format!(
                                "`{s}` is not a choice of `{}`; choose from: {}",
                                q.id,
                                choice_list()
                            ),
                        )),
                    },
                    _ => errors.push(err(path, "every item must be a choice id string")),
                }
            }
            let none = picked.iter().find(|i| q.choices[**i].none_of_these);
            if let (Some(n), true) = (none, picked.len() > 1) {
                errors.push(err(
                    path,
                    format!(
                        "`{}` means none of the others, so it cannot be combined with them",
                        q.choices[*n].id
                    ),
                ));
            }
            if picked.is_empty() && errors.len() == before {
                errors.push(err(
                    path,
                    "select at least one choice, or answer not applicable with a reason",
                ));
            }
            if errors.len() == before {
                return Some(AnswerValue::Choices(
                    picked
                        .into_iter()
                        .map(|i| q.choices[i].id.clone())
                        .collect(),
                ));
            }
        }
        (QuestionKind::Multi, _) => {
            errors.push(err(path, format!("`{}` takes a list of choice ids", q.id)))
        }
        (QuestionKind::Number, Value::Number(n)) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            match &q.number {
                Some(spec) if x.is_finite() && x >= spec.min && x <= spec.max => {
                    return Some(AnswerValue::Number(x));
                }
                Some(spec) => errors.push(err(
                    path,
                    format!(
                        "{} {} is out of range {} ..= {} {}",
                        crate::condition::num(x),
                        spec.unit,
                        crate::condition::num(spec.min),
                        crate::condition::num(spec.max),
                        spec.unit
                    ),
                )),
                None => errors.push(err(path, "this question has no range")),
            }
        }
        (QuestionKind::Number, _) => errors.push(err(path, format!("`{}` takes a number", q.id))),
        (QuestionKind::Text, Value::String(s)) if s.chars().count() <= 10_000 => {
            return Some(AnswerValue::Text(s.clone()));
        }
        (QuestionKind::Text, Value::String(_)) => {
            errors.push(err(path, "longer than 10,000 characters"))
        }
        (QuestionKind::Text, _) => {
            errors.push(err(path, format!("`{}` takes text, as a string", q.id)))
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(answers: &str) -> Result<AnswersFile, Vec<AnswerError>> {
        let text = format!(
            "questionnaire = \"serverless-review\"\n[workload]\nname = \"W\"\n[answers]\n{answers}"
        );
        parse_answers_file(&text, Format::Toml, crate::builtin())
    }

    /// An error quotes an excerpt of a huge key or value, never all of it.
    #[test]
    fn errors_quote_only_an_excerpt_of_a_huge_value() {
        let huge = "y".repeat(100 * 1024);
        let errs = parse(&format!(
            "\"{huge}\" = 1\ntraffic_shape = \"{huge}\"\nentry_point = [\"{huge}\", \"{huge}\"]\n"
        ))
        .unwrap_err();
        let text =
            format!("questionnaire = \"{huge}\"\n\"{huge}\" = 1\n[workload]\nname = \"W\"\n");
        let more = parse_answers_file(&text, Format::Toml, crate::builtin()).unwrap_err();
        assert!(errs.len() + more.len() >= 5, "{errs:?} {more:?}");
        let run = "y".repeat(crate::excerpt::EXCERPT_CHARS);
        for e in errs.iter().chain(&more) {
            let shown = e.to_string();
            assert!(
                shown.chars().count() < 400 && !shown.contains(&run),
                "{} characters: {}…",
                shown.chars().count(),
                shown.chars().take(200).collect::<String>()
            );
        }
        assert!(errs.iter().any(|e| e.message.contains("yyy…`")), "{errs:?}");
    }

    #[test]
    fn every_value_form_parses() {
        let f = parse(
            "traffic_shape = \"spiky\"\n\
             entry_point = [\"http_api\", \"queue\"]\n\
             messaging = \"sqs\"\n\
             peak_rps = 12.5\n\
             workload_boundary = \"Orders only\"\n\
             ordering = { not_applicable = \"independent events\", note = \"checked with the team\" }\n\
             idempotency = { value = \"keys_enforced\", note = \"Powertools\" }\n",
        )
        .unwrap();
        let get = |id: &str| {
            f.answers
                .iter()
                .find(|(k, _)| k.as_str() == id)
                .map(|(_, a)| a.clone())
                .unwrap()
        };
        assert_eq!(get("peak_rps").value, AnswerValue::Number(12.5));
        assert_eq!(
            get("messaging").value,
            AnswerValue::Choices(vec![ChoiceId::parse("sqs").unwrap()])
        );
        assert_eq!(
            get("ordering").value,
            AnswerValue::NotApplicable("independent events".into())
        );
        assert_eq!(
            get("ordering").note.as_deref(),
            Some("checked with the team")
        );
        assert_eq!(get("idempotency").note.as_deref(), Some("Powertools"));
        assert_eq!(
            get("workload_boundary").value,
            AnswerValue::Text("Orders only".into())
        );
    }

    #[test]
    fn a_flood_of_bad_items_stops_at_the_error_limit() {
        // 200,000 unknown choices, then 100,000 unknown questions: each a problem, but the
        // check stops at the limit and says so, whatever the file's size.
        let items = vec!["\"nope\""; 200_000].join(", ");
        let unknown: String = (0..100_000).map(|i| format!("q{i} = 1\n")).collect();
        let errs = parse(&format!("entry_point = [{items}]\n{unknown}")).unwrap_err();
        assert_eq!(errs.len(), MAX_ERRORS + 1);
        let last = errs.last().unwrap();
        assert!(
            last.message.contains("stopped after 100 problems"),
            "{last}"
        );
        // Under the limit, every problem is still reported.
        let errs = parse("entry_point = [\"nope\", \"nada\"]\nq1 = 1\n").unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
    }

    #[test]
    fn none_of_these_cannot_be_combined() {
        let errs = parse("data_store = [\"none\", \"dynamodb\"]\n").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("cannot be combined"), "{errs:?}");
    }

    #[test]
    fn value_and_not_applicable_together_are_refused() {
        let errs =
            parse("ordering = { value = \"per_key\", not_applicable = \"why\" }\n").unwrap_err();
        assert!(errs[0].message.contains("keep one"), "{errs:?}");
    }

    #[test]
    fn a_table_needs_a_value_or_a_reason() {
        let errs = parse("ordering = { note = \"just a note\" }\n").unwrap_err();
        assert!(
            errs[0]
                .message
                .contains("needs `value` or `not_applicable`"),
            "{errs:?}"
        );
    }

    #[test]
    fn missing_workload_name_and_questionnaire_are_both_reported() {
        let errs = parse_answers_file("[answers]\n", Format::Toml, crate::builtin()).unwrap_err();
        let keys: Vec<&str> = errs.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["questionnaire", "workload"]);
    }

    /// An import's `evidence` and `findings` ride along without changing the answers; any other
    /// extra key is still an error.
    #[test]
    fn import_evidence_and_findings_are_accepted_and_ignored() {
        let text = "questionnaire = \"serverless-review\"\n[workload]\nname = \"W\"\n\
                    [answers]\nruntime = \"python\"\n\
                    [[evidence]]\nquestion = \"runtime\"\nvalue = \"python\"\nline = 3\n\
                    [[findings]]\nid = \"wildcard_iam\"\nseverity = \"high\"\n";
        let f = parse_answers_file(text, Format::Toml, crate::builtin()).unwrap();
        assert_eq!(f.answers.len(), 1);
        let json = r#"{"questionnaire": "serverless-review", "workload": {"name": "W"},
            "answers": {}, "evidence": [{"question": "x"}], "findings": []}"#;
        assert!(parse_answers_file(json, Format::Json, crate::builtin()).is_ok());
        let errs = parse_answers_file(
            &format!("{text}[[notes]]\nx = 1\n"),
            Format::Toml,
            crate::builtin(),
        )
        .unwrap_err();
        assert_eq!(errs[0].key, "notes", "{errs:?}");
    }

    #[test]
    fn duplicate_choices_are_reported() {
        let errs = parse("entry_point = [\"queue\", \"queue\"]\n").unwrap_err();
        assert!(errs[0].message.contains("listed twice"), "{errs:?}");
    }
}
