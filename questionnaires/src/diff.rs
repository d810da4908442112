//! What changed between two snapshots of an assessment (two milestones, or a milestone and
//! now): the answers that changed, the risks that appeared, were resolved or changed level, the
//! score of each area and overall, the rank of each recommended pattern, and checklist progress.
//!
//! Pure: it compares what it is given, in the questionnaire's order, so the same two snapshots
//! always give the same diff.

use serde::{Deserialize, Serialize};

use crate::answers::{AnswerValue, Answers};
use crate::evaluate::{Evaluation, ItemState};
use crate::model::{Questionnaire, Risk};

/// One side of a diff.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The answers.
    pub answers: &'a Answers,
    /// Their evaluation.
    pub evaluation: &'a Evaluation,
}

/// An answer that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerChange {
    /// Question id.
    pub question: String,
    /// Question title.
    pub title: String,
    /// The answer before, readable (`None`: unanswered).
    pub before: Option<String>,
    /// The answer after, readable (`None`: unanswered).
    pub after: Option<String>,
}

/// A question whose risk differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskChange {
    /// Question id.
    pub question: String,
    /// Question title.
    pub title: String,
    /// The level before (`None`: no risk).
    pub before: Option<Risk>,
    /// The level after (`None`: no risk).
    pub after: Option<Risk>,
}

/// A score that may differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreDelta {
    /// Area id, or `overall`.
    pub id: String,
    /// Area title, or "Overall".
    pub title: String,
    /// The score before.
    pub before: Option<f64>,
    /// The score after.
    pub after: Option<f64>,
}

impl ScoreDelta {
    /// After minus before, when both are scored.
    pub fn delta(&self) -> Option<f64> {
        Some(self.after? - self.before?)
    }
}

/// A pattern whose rank differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankChange {
    /// Pattern id.
    pub pattern: String,
    /// Pattern name.
    pub name: String,
    /// Rank before (`None`: not recommended).
    pub before: Option<usize>,
    /// Rank after (`None`: not recommended).
    pub after: Option<usize>,
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// Answers that differ, in questionnaire order.
    pub answers: Vec<AnswerChange>,
    /// Risks that were not there before.
    pub appeared: Vec<RiskChange>,
    /// Risks that are gone.
    pub resolved: Vec<RiskChange>,
    /// Risks whose level changed.
    pub changed: Vec<RiskChange>,
    /// Overall first, then every area in order, changed or not.
    pub scores: Vec<ScoreDelta>,
    /// Recommended patterns whose rank changed.
    pub ranks: Vec<RankChange>,
    /// Checklist items in place (done), before and after, and how many apply after.
    pub checklist_done: (usize, usize),
    /// Checklist items that apply after.
    pub checklist_total: usize,
}

impl Diff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
            && self.appeared.is_empty()
            && self.resolved.is_empty()
            && self.changed.is_empty()
            && self.ranks.is_empty()
    }
}

/// An answer as a person reads it.
pub fn describe(q: &Questionnaire, question: &str, value: &AnswerValue) -> String {
    match value {
        AnswerValue::Choices(ids) => {
            let titles: Vec<String> = ids
                .iter()
                .map(|id| {
                    q.question(question)
                        .and_then(|x| x.choices.iter().find(|c| c.id == *id))
                        .map_or_else(|| id.to_string(), |c| c.title.clone())
                })
                .collect();
            if titles.is_empty() {
                "none of these".to_owned()
            } else {
                titles.join(", ")
            }
        }
        AnswerValue::Number(n) => {
            let unit = q
                .question(question)
                .and_then(|x| x.number.as_ref())
                .map(|n| format!(" {}", n.unit))
                .unwrap_or_default();
            format!("{n}{unit}")
        }
        AnswerValue::Text(t) => t.clone(),
        AnswerValue::NotApplicable(r) => format!("not applicable: {r}"),
    }
}

fn risk_of(e: &Evaluation, question: &str) -> Option<Risk> {
    e.risks
        .iter()
        .find(|r| r.question.as_str() == question)
        .map(|r| r.level)
        .filter(|l| *l != Risk::None)
}

fn done(e: &Evaluation) -> usize {
    e.checklist
        .iter()
        .filter(|i| i.state == ItemState::Done)
        .count()
}

/// Compares two snapshots of one assessment.
pub fn diff(q: &Questionnaire, before: Side<'_>, after: Side<'_>) -> Diff {
    let mut answers = Vec::new();
    let mut appeared = Vec::new();
    let mut resolved = Vec::new();
    let mut changed = Vec::new();
    for question in &q.questions {
        let id = question.id.as_str();
        let a = before.answers.get(&question.id);
        let b = after.answers.get(&question.id);
        if a.map(|x| &x.value) != b.map(|x| &x.value) {
            answers.push(AnswerChange {
                question: id.to_owned(),
                title: question.title.to_string(),
                before: a.map(|x| describe(q, id, &x.value)),
                after: b.map(|x| describe(q, id, &x.value)),
            });
        }
        let (ra, rb) = (
            risk_of(before.evaluation, id),
            risk_of(after.evaluation, id),
        );
        let change = RiskChange {
            question: id.to_owned(),
            title: question.title.to_string(),
            before: ra,
            after: rb,
        };
        match (ra, rb) {
            (None, Some(_)) => appeared.push(change),
            (Some(_), None) => resolved.push(change),
            (Some(x), Some(y)) if x != y => changed.push(change),
            _ => {}
        }
    }
    let mut scores = vec![ScoreDelta {
        id: "overall".into(),
        title: "Overall".into(),
        before: before.evaluation.scores.overall,
        after: after.evaluation.scores.overall,
    }];
    for area in &after.evaluation.areas {
        scores.push(ScoreDelta {
            id: area.id.to_string(),
            title: area.title.to_string(),
            before: before
                .evaluation
                .areas
                .iter()
                .find(|x| x.id == area.id)
                .and_then(|x| x.score),
            after: area.score,
        });
    }
    let rank = |e: &Evaluation, pattern: &str| {
        e.recommendations
            .iter()
            .filter(|r| r.score > 0.0)
            .find(|r| r.pattern.as_str() == pattern)
            .map(|r| r.rank)
    };
    let ranks = q
        .patterns
        .iter()
        .map(|p| RankChange {
            pattern: p.id.to_string(),
            name: p.name.to_string(),
            before: rank(before.evaluation, p.id.as_str()),
            after: rank(after.evaluation, p.id.as_str()),
        })
        .filter(|r| r.before != r.after)
        .collect();
    Diff {
        answers,
        appeared,
        resolved,
        changed,
        scores,
        ranks,
        checklist_done: (done(before.evaluation), done(after.evaluation)),
        checklist_total: after
            .evaluation
            .checklist
            .iter()
            .filter(|i| i.state != ItemState::NotApplicable)
            .count(),
    }
}
