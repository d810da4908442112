//! Moving answers to a newer version of their lens (the AWS tool's "upgrade lens review"): an
//! answer is carried when its question is still there and its value still fits the question
//! (its choices still exist, its number is still in range); every other answer is dropped with
//! the reason, and the questions the new version adds are listed.

use serde_json::{Value, json};

use crate::answers::{AnswerValue, Answers, check_value};
use crate::model::{QuestionKind, Questionnaire};

/// What moving a set of answers from one version to another keeps, drops and adds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Carry {
    /// The answers the new version keeps, as they were.
    pub kept: Answers,
    /// Answers the new version cannot hold: (question id, its title in the old version, why).
    pub dropped: Vec<(String, String, String)>,
    /// Questions the new version adds: (id, title).
    pub added: Vec<(String, String)>,
}

/// Carries `answers` from `from` to `to`.
pub fn carry(from: &Questionnaire, to: &Questionnaire, answers: &Answers) -> Carry {
    let mut out = Carry::default();
    for (id, answer) in answers {
        let title = from
            .question(id.as_str())
            .map_or_else(|| id.as_str().to_owned(), |q| q.title.to_string());
        let Some(q) = to.question(id.as_str()) else {
            out.dropped.push((
                id.as_str().to_owned(),
                title,
                "the new version has no such question".to_owned(),
            ));
            continue;
        };
        let as_json = match &answer.value {
            AnswerValue::NotApplicable(_) => None,
            AnswerValue::Choices(c) if q.kind == QuestionKind::Single && c.len() == 1 => {
                Some(json!(c[0].as_str()))
            }
            AnswerValue::Choices(c) => {
                Some(Value::Array(c.iter().map(|x| json!(x.as_str())).collect()))
            }
            AnswerValue::Number(x) => Some(json!(x)),
            AnswerValue::Text(s) => Some(json!(s)),
        };
        match as_json.map(|v| check_value(q, &v)) {
            Some(Err(errors)) => out.dropped.push((
                id.as_str().to_owned(),
                title,
                errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
            _ => {
                out.kept.insert(q.id.clone(), answer.clone());
            }
        }
    }
    for q in &to.questions {
        if from.question(q.id.as_str()).is_none() {
            out.added
                .push((q.id.as_str().to_owned(), q.title.to_string()));
        }
    }
    out
}
