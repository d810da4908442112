//! Reading the review for the plan: answers (ignoring "not applicable"), where each setting came
//! from, a control for the README's table, and quotas from the content's figures.

use crate::answers::{AnswerValue, Answers};
use crate::diff::describe;
use crate::model::Questionnaire;

use super::{Control, Origin};

/// Reads answers and records where each setting came from.
pub(super) struct Reader<'a> {
    pub(super) q: &'a Questionnaire,
    pub(super) answers: &'a Answers,
}

impl Reader<'_> {
    pub(super) fn value(&self, question: &str) -> Option<&AnswerValue> {
        self.answers
            .get(question)
            .map(|a| &a.value)
            .filter(|v| !matches!(v, AnswerValue::NotApplicable(_)))
    }

    pub(super) fn number(&self, question: &str) -> Option<f64> {
        match self.value(question)? {
            AnswerValue::Number(n) if n.is_finite() => Some(*n),
            _ => None,
        }
    }

    pub(super) fn choices(&self, question: &str) -> &[crate::model::ChoiceId] {
        match self.value(question) {
            Some(AnswerValue::Choices(c)) => c,
            _ => &[],
        }
    }

    pub(super) fn is(&self, question: &str, choice: &str) -> bool {
        self.choices(question).iter().any(|c| c.as_str() == choice)
    }

    pub(super) fn answered(&self, question: &str) -> bool {
        self.value(question).is_some()
    }

    pub(super) fn origin(&self, question: &str) -> Origin {
        let title = self
            .q
            .question(question)
            .map_or_else(|| question.to_owned(), |x| x.title.to_string());
        let answer = self.answers.get(question).map_or_else(
            || "not answered".to_owned(),
            |a| describe(self.q, question, &a.value),
        );
        Origin {
            question: question.to_owned(),
            title,
            answer,
            answered: self.answered(question),
        }
    }

    pub(super) fn origins(&self, questions: &[&str]) -> Vec<Origin> {
        questions.iter().map(|q| self.origin(q)).collect()
    }
}

pub(super) fn control(
    id: &str,
    title: &str,
    setting: String,
    why: String,
    from: Vec<Origin>,
) -> Control {
    Control {
        id: id.to_owned(),
        title: title.to_owned(),
        setting,
        why,
        from,
    }
}

/// A quota from the content (`limits.toml`), in its own unit: the plan never repeats one. A lens
/// carries no figures, so it reads the built-in review's.
pub(super) fn quota(q: &Questionnaire, id: &str) -> f64 {
    q.figures
        .limits
        .get(id)
        .or_else(|| crate::builtin().figures.limits.get(id))
        .map_or(f64::NAN, |f| f.value)
}

/// Puts each of `with` in place of the plan's control with the same id (a pattern's own account
/// of a setting the generic plan also describes).
pub(super) fn replace_controls(controls: &mut [Control], with: &[&Control]) {
    for c in controls.iter_mut() {
        if let Some(new) = with.iter().find(|n| n.id == c.id) {
            *c = (*new).clone();
        }
    }
}
