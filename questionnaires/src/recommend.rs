//! Pattern recommendations: every pattern scored by its fired signals, ranked, and explained.
//!
//! score = Σ weight of signals that are true − Σ weight of anti-signals that are true.
//! Ties keep catalog order. A signal over unanswered questions is unknown and counts for nothing,
//! so recommendations firm up as the review fills in.

use std::sync::Arc;

use serde::Serialize;

use crate::condition::{Fact, Tri};
use crate::evaluate::State;
use crate::model::{Pattern, PatternId, PatternKind, Questionnaire, Signal, Text};

/// One fired signal or anti-signal.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Reason {
    /// Why it matters.
    pub text: Text,
    /// How much it counted.
    pub weight: f64,
    /// The condition.
    pub when: Text,
    /// The answers that fired it.
    pub facts: Vec<Fact>,
}

/// How well a pattern fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// Score 8 or more.
    Strong,
    /// Score 4 to 8.
    Good,
    /// Score above 0.
    Weak,
    /// Score 0 or less.
    Poor,
}

/// A ranked pattern.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Recommendation {
    /// 1-based rank.
    pub rank: usize,
    /// Pattern id.
    pub pattern: PatternId,
    /// Pattern name.
    pub name: Text,
    /// Serverless or containers.
    pub kind: PatternKind,
    /// Net score.
    pub score: f64,
    /// Fit band.
    pub fit: Fit,
    /// Signals that fired.
    pub reasons: Vec<Reason>,
    /// Anti-signals that fired, which cost it rank.
    pub against: Vec<Reason>,
    /// What you give up.
    pub tradeoffs: Arc<[String]>,
    /// How it breaks.
    pub failure_modes: Arc<[String]>,
    /// Limit ids that matter.
    pub limits: Arc<[String]>,
    /// Whether a starter project exists.
    pub scaffold: bool,
}

/// The one-line answer to "does serverless fit?".
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Verdict {
    /// False when the best fit is containers, or nothing fits.
    pub serverless_fits: bool,
    /// The sentence to show.
    pub message: String,
}

fn fired(signals: &[Signal], state: &State<'_>, q: &Questionnaire) -> Vec<Reason> {
    signals
        .iter()
        .filter(|s| s.when.eval(state) == Tri::True)
        .map(|s| Reason {
            text: s.reason.clone(),
            weight: s.weight,
            when: s.when.source_text(),
            facts: s.when.explain(state, q).1,
        })
        .collect()
}

fn recommend(p: &Pattern, state: &State<'_>, q: &Questionnaire) -> Recommendation {
    let reasons = fired(&p.signals, state, q);
    let against = fired(&p.anti_signals, state, q);
    let score = reasons.iter().map(|r| r.weight).sum::<f64>()
        - against.iter().map(|r| r.weight).sum::<f64>();
    let fit = match score {
        s if s >= 8.0 => Fit::Strong,
        s if s >= 4.0 => Fit::Good,
        s if s > 0.0 => Fit::Weak,
        _ => Fit::Poor,
    };
    Recommendation {
        rank: 0,
        pattern: p.id.clone(),
        name: p.name.clone(),
        kind: p.kind,
        score,
        fit,
        reasons,
        against,
        tradeoffs: p.tradeoffs.clone(),
        failure_modes: p.failure_modes.clone(),
        limits: p.limits.clone(),
        scaffold: p.scaffold,
    }
}

/// Every pattern, best first.
pub(crate) fn rank(q: &Questionnaire, state: &State<'_>) -> Vec<Recommendation> {
    let mut recs: Vec<Recommendation> = q.patterns.iter().map(|p| recommend(p, state, q)).collect();
    // `sort_by` is stable, so equal scores keep catalog order.
    recs.sort_by(|a, b| b.score.total_cmp(&a.score));
    for (i, r) in recs.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    recs
}

/// Says whether serverless fits, from the ranking.
pub(crate) fn verdict(recs: &[Recommendation]) -> Verdict {
    match recs.first() {
        None => Verdict {
            serverless_fits: true,
            message: "Pattern recommendations come from the built-in serverless review; this questionnaire has no pattern catalog, so it recommends none.".into(),
        },
        Some(top) if top.score <= 0.0 => Verdict {
            serverless_fits: true,
            message: "Not enough answers yet to recommend a pattern: answer the workload fit questions first.".into(),
        },
        Some(top) if top.kind == PatternKind::Containers => {
            let best_serverless = recs.iter().find(|r| r.kind == PatternKind::Serverless);
            let why: Vec<&str> = top.reasons.iter().take(3).map(|r| &*r.text).collect();
            Verdict {
                serverless_fits: false,
                message: format!(
                    "Use containers: {} fits this workload better than any serverless pattern{}. {}",
                    top.name,
                    best_serverless.map_or(String::new(), |b| format!(" (best serverless option: {}, score {})", b.name, b.score)),
                    why.join(" "),
                )
                .trim_end()
                .to_owned(),
            }
        }
        Some(top) => Verdict {
            serverless_fits: true,
            message: format!("Serverless fits: {} is the best match (score {}).", top.name, top.score),
        },
    }
}
