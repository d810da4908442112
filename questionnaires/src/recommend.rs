//! Pattern recommendations as a design: a backbone plus add-ons, every pattern scored and explained.
//!
//! score = Σ weight of signals that are true − Σ weight of anti-signals that are true
//!       ± [`STEER`] per failed check (a pattern that `relieves` the check gains, one that lists the
//!         check's limit among its own loses).
//!
//! A signal over unanswered questions is unknown and counts for nothing, so recommendations firm up
//! as the review fills in. Fit is told in words: strong (8 or more), good (4 to 8), weak (above 0),
//! poor.
//!
//! **The design.** The backbone is the best-scoring pattern that can carry the workload's requests
//! (role `backbone`, and its `backbone_when`, if any, not ruled out by the answers); it is
//! `recommendations[0]`. The rest follow by score, ties in catalog order. Add-ons are the patterns
//! with the role `add_on`, other than the backbone, whose fit is good or strong: they combine with
//! the backbone rather than compete with it (a fan-out or a workflow next to an API).

use std::sync::Arc;

use serde::Serialize;

use crate::checks::{CheckResult, CheckStatus};
use crate::condition::{CmpOp, Fact, Tri};
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
    /// Whether it can carry the workload's requests for these answers: it has the role
    /// `backbone` and the answers do not rule out its `backbone_when`.
    #[serde(default)]
    pub can_carry: bool,
    /// Whether it can combine with a backbone as an add-on.
    #[serde(default)]
    pub add_on: bool,
    /// The job it does in a design (see [`crate::model::Pattern::job`]).
    #[serde(default)]
    pub job: Text,
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

/// How much a failed check moves a pattern that removes it, or keeps it.
pub const STEER: f64 = 4.0;

fn steer(
    p: &Pattern,
    checks: &[CheckResult],
    relievable: &[&str],
    reasons: &mut Vec<Reason>,
    against: &mut Vec<Reason>,
) {
    // Only a failure some pattern removes steers: a limit nothing escapes moves no pattern.
    let failed = || {
        checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail && relievable.contains(&&*c.id))
    };
    let removes: Vec<&CheckResult> = failed()
        .filter(|c| p.relieves.iter().any(|r| *r == *c.id))
        .collect();
    let keeps: Vec<&CheckResult> = failed()
        .filter(|c| !p.relieves.iter().any(|r| *r == *c.id) && p.limits.contains(&c.limit_id))
        .collect();
    // Several failed checks count once: one reason for, one against, each worth STEER.
    if let Some(reason) = steer_reason(&removes, "removes") {
        reasons.push(reason);
    }
    if let Some(reason) = steer_reason(&keeps, "keeps") {
        against.push(reason);
    }
}

fn steer_reason(checks: &[&CheckResult], verb: &str) -> Option<Reason> {
    let first = checks.first()?;
    let text = if checks.len() == 1 {
        format!(
            "It {verb} a failing check, {}: {}",
            first.title, first.message
        )
    } else {
        let titles: Vec<&str> = checks.iter().map(|c| &*c.title).collect();
        format!(
            "It {verb} {} failing checks: {}.",
            checks.len(),
            titles.join("; ")
        )
    };
    let ids: Vec<&str> = checks.iter().map(|c| &*c.id).collect();
    Some(Reason {
        text: text.into(),
        weight: STEER,
        when: format!("failed: {}", ids.join(", ")).into(),
        facts: checks
            .iter()
            .map(|c| Fact::Number {
                // The check's title, as [`Fact::words`] shows it.
                subject: format!("check.{}", c.title).into(),
                value: c.value,
                // Most limits are ceilings; a few (visibility timeout, schedule interval) are floors.
                op: if c.value < c.limit {
                    CmpOp::Lt
                } else {
                    CmpOp::Gt
                },
                against: Some(c.limit_id.as_str().into()),
                bound: c.limit,
                holds: true,
            })
            .collect(),
    })
}

fn recommend(
    p: &Pattern,
    state: &State<'_>,
    q: &Questionnaire,
    checks: &[CheckResult],
    relievable: &[&str],
) -> Recommendation {
    let mut reasons = fired(&p.signals, state, q);
    let mut against = fired(&p.anti_signals, state, q);
    steer(p, checks, relievable, &mut reasons, &mut against);
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
        can_carry: can_carry(p, state),
        add_on: p.add_on,
        job: p.job.clone(),
    }
}

/// A pattern's services for this workload: a load balancer only in front of something that
/// answers requests (containers that only pull from a queue or stream need none).
fn services_for(p: &Pattern, state: &State<'_>) -> Vec<String> {
    let no_api = state.when(crate::model::ConditionInput::SyncApi) == Tri::False
        && state.when(crate::model::ConditionInput::ApigwWebsocket) != Tri::True;
    p.services
        .iter()
        .filter(|s| !(no_api && s.contains("Load Balancer")))
        .cloned()
        .collect()
}

/// Whether a pattern can be the backbone for these answers.
fn can_carry(p: &Pattern, state: &State<'_>) -> bool {
    p.backbone
        && p.backbone_when
            .as_ref()
            .is_none_or(|c| c.eval(state) != Tri::False)
}

/// Every pattern, the backbone first, then by score (ties in catalog order), and the design.
pub(crate) fn rank(
    q: &Questionnaire,
    state: &State<'_>,
    checks: &[CheckResult],
) -> (Vec<Recommendation>, Design) {
    let relievable: Vec<&str> = q
        .patterns
        .iter()
        .flat_map(|p| p.relieves.iter().map(String::as_str))
        .collect();
    let mut recs: Vec<(usize, Recommendation)> = q
        .patterns
        .iter()
        .enumerate()
        .map(|(i, p)| (i, recommend(p, state, q, checks, &relievable)))
        .collect();
    // `sort_by` is stable, so equal scores keep catalog order.
    recs.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
    let backbone = recs
        .iter()
        .position(|(i, r)| r.score > 0.0 && can_carry(&q.patterns[*i], state));
    if let Some(b) = backbone {
        let top = recs.remove(b);
        recs.insert(0, top);
    }
    // One pattern per group: alternatives for the same job are not proposed side by side.
    let mut groups: Vec<&str> = backbone
        .and_then(|_| q.patterns[recs[0].0].group.as_deref())
        .into_iter()
        .collect();
    let add_ons = recs
        .iter()
        .skip(usize::from(backbone.is_some()))
        .filter(|(i, r)| q.patterns[*i].add_on && matches!(r.fit, Fit::Strong | Fit::Good))
        .filter(|(i, _)| match q.patterns[*i].group.as_deref() {
            Some(g) if groups.contains(&g) => false,
            Some(g) => {
                groups.push(g);
                true
            }
            None => true,
        })
        .take(MAX_ADD_ONS)
        .map(|(i, r)| AddOn {
            pattern: r.pattern.clone(),
            name: r.name.clone(),
            fit: r.fit,
            addresses: q.patterns[*i].addresses.clone(),
            reasons: r.reasons.clone(),
        })
        .collect();
    let design = Design {
        backbone: backbone.map(|_| {
            let (i, r) = &recs[0];
            Backbone {
                pattern: r.pattern.clone(),
                name: r.name.clone(),
                kind: r.kind,
                fit: r.fit,
                services: services_for(&q.patterns[*i], state),
            }
        }),
        add_ons,
    };
    let recs = recs
        .into_iter()
        .enumerate()
        .map(|(rank, (_, mut r))| {
            r.rank = rank + 1;
            r
        })
        .collect();
    (recs, design)
}

/// At most this many add-ons are proposed.
pub const MAX_ADD_ONS: usize = 5;

/// A design: the pattern that carries the requests and the patterns that combine with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Design {
    /// The pattern that carries the workload's requests (entry, compute, store): the same as
    /// `recommendations[0]`. None until some backbone pattern fits at all.
    pub backbone: Option<Backbone>,
    /// Patterns that combine with the backbone, best first.
    pub add_ons: Vec<AddOn>,
}

/// The backbone of a design.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Backbone {
    /// Pattern id.
    pub pattern: PatternId,
    /// Pattern name.
    pub name: Text,
    /// Serverless or containers.
    pub kind: PatternKind,
    /// How well it fits.
    pub fit: Fit,
    /// The AWS services it is built from.
    pub services: Vec<String>,
}

/// A pattern that combines with the backbone.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct AddOn {
    /// Pattern id.
    pub pattern: PatternId,
    /// Pattern name.
    pub name: Text,
    /// How well it fits.
    pub fit: Fit,
    /// What it adds to the design.
    pub addresses: Text,
    /// The answers that call for it.
    pub reasons: Vec<Reason>,
}

impl Fit {
    /// The word shown to readers.
    pub fn as_str(self) -> &'static str {
        match self {
            Fit::Strong => "strong",
            Fit::Good => "good",
            Fit::Weak => "weak",
            Fit::Poor => "poor",
        }
    }
}
