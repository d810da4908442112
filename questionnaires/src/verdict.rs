//! The verdict: whether serverless fits, and whether anything blocks the design.
//!
//! # The rule
//!
//! - **Coverage** = answered ÷ applicable questions, 0–1. A question answered "not applicable"
//!   with a reason counts as answered; a follow-up whose trigger does not hold is not applicable
//!   and counts on neither side.
//! - **Blockers**: every high risk and every failed quantitative check.
//! - **Status**, the first that holds:
//!   1. `incomplete`: coverage under [`COMPLETE_AT`]. Nothing is final yet: scores are
//!      provisional, and the message says what the answers lean towards and what is missing.
//!   2. `does_not_fit`: the backbone of the design is a containers pattern.
//!   3. `fits_with_blockers`: serverless fits, and at least one blocker stands.
//!   4. `fits`: serverless fits and nothing blocks it.
//!
//!   A review with no pattern catalog (an imported lens) has no backbone, so it is `fits` or
//!   `fits_with_blockers` once complete.
//! - **Score cap**: any blocker caps the overall score at [`BLOCKED_SCORE_CAP`], under the "good"
//!   band, so a board never reads a blocked design as a good one; `scores.uncapped` keeps the
//!   figure before the cap.

use serde::{Deserialize, Serialize};

use crate::checks::{CheckResult, CheckStatus};
use crate::condition::num;
use crate::evaluate::{Progress, RiskItem};
use crate::model::{PatternKind, Risk};
use crate::recommend::Recommendation;

/// Coverage from which a review's verdict is final.
pub const COMPLETE_AT: f64 = 0.8;

/// The highest overall score a design with a blocker can have.
pub const BLOCKED_SCORE_CAP: f64 = 59.0;

/// Where the verdict stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictStatus {
    /// Serverless fits and nothing blocks it.
    Fits,
    /// Serverless fits once the blockers are dealt with.
    FitsWithBlockers,
    /// Containers fit better than any serverless pattern.
    DoesNotFit,
    /// Too few answers for a verdict.
    Incomplete,
}

impl VerdictStatus {
    /// The id used in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictStatus::Fits => "fits",
            VerdictStatus::FitsWithBlockers => "fits_with_blockers",
            VerdictStatus::DoesNotFit => "does_not_fit",
            VerdictStatus::Incomplete => "incomplete",
        }
    }

    /// A short label for people.
    pub fn label(self) -> &'static str {
        match self {
            VerdictStatus::Fits => "Serverless fits",
            VerdictStatus::FitsWithBlockers => "Fits, with blockers",
            VerdictStatus::DoesNotFit => "Use containers",
            VerdictStatus::Incomplete => "Incomplete",
        }
    }
}

/// What a blocker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockerKind {
    /// A high risk; its id is the question's.
    Risk,
    /// A failed check; its id is the check's.
    Check,
}

/// Something that must be dealt with before the design can be approved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blocker {
    /// Risk or check.
    pub kind: BlockerKind,
    /// The question or check id.
    pub id: String,
    /// What is wrong, in words.
    pub message: String,
}

/// The answer to "does serverless fit, and can we go ahead?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredVerdict")]
pub struct Verdict {
    /// Where the verdict stands.
    pub status: VerdictStatus,
    /// False when the backbone is containers, or (incomplete) the answers lean that way.
    pub serverless_fits: bool,
    /// Every high risk and failed check.
    pub blockers: Vec<Blocker>,
    /// The sentence to show.
    pub message: String,
}

impl Verdict {
    /// The message without a leading status label ("Use containers: …" → "…"), for pages that
    /// show the label next to it.
    pub fn detail(&self) -> &str {
        self.message
            .strip_prefix(self.status.label())
            .and_then(|rest| rest.strip_prefix(": "))
            .unwrap_or(&self.message)
    }
}

/// A verdict as stored, including those saved before it had a status: their status is read
/// from `serverless_fits` as the engine judged it then.
#[derive(Deserialize)]
struct StoredVerdict {
    status: Option<VerdictStatus>,
    serverless_fits: bool,
    #[serde(default)]
    blockers: Vec<Blocker>,
    message: String,
}

impl From<StoredVerdict> for Verdict {
    fn from(v: StoredVerdict) -> Self {
        Verdict {
            status: v.status.unwrap_or(if v.serverless_fits {
                VerdictStatus::Fits
            } else {
                VerdictStatus::DoesNotFit
            }),
            serverless_fits: v.serverless_fits,
            blockers: v.blockers,
            message: v.message,
        }
    }
}

/// Every high risk, then every failed check.
pub(crate) fn blockers(risks: &[RiskItem], checks: &[CheckResult]) -> Vec<Blocker> {
    let risks = risks
        .iter()
        .filter(|r| r.level == Risk::High)
        .map(|r| Blocker {
            kind: BlockerKind::Risk,
            id: r.question.to_string(),
            message: format!("{}: {}", r.heading().trim(), r.reason.trim()),
        });
    let checks = checks
        .iter()
        .filter(|c| c.status == CheckStatus::Fail)
        .map(|c| Blocker {
            kind: BlockerKind::Check,
            id: c.id.to_string(),
            message: format!("{}: {}", c.title, c.message),
        });
    risks.chain(checks).collect()
}

/// Coverage, 0–1.
pub(crate) fn coverage(p: &Progress) -> f64 {
    if p.applicable == 0 {
        0.0
    } else {
        p.answered as f64 / p.applicable as f64
    }
}

/// Decides the verdict; see the module docs for the rule.
pub(crate) fn decide(
    recs: &[Recommendation],
    backbone: bool,
    blockers: Vec<Blocker>,
    progress: &Progress,
) -> Verdict {
    let top = recs.first().filter(|r| backbone && r.score > 0.0);
    let containers = top.is_some_and(|r| r.kind == PatternKind::Containers);
    let cover = coverage(progress);
    let status = if cover < COMPLETE_AT {
        VerdictStatus::Incomplete
    } else if containers {
        VerdictStatus::DoesNotFit
    } else if !blockers.is_empty() {
        VerdictStatus::FitsWithBlockers
    } else {
        VerdictStatus::Fits
    };
    let lean = match top {
        None if recs.is_empty() => {
            "This questionnaire has no pattern catalog, so it recommends none.".to_owned()
        }
        None => {
            "No pattern fits the answers yet: answer the workload fit questions first.".to_owned()
        }
        Some(t) if containers => {
            let why: Vec<&str> = t.reasons.iter().take(3).map(|r| &*r.text).collect();
            let best = recs
                .iter()
                .find(|r| r.kind == PatternKind::Serverless && r.score > 0.0);
            format!(
                "{} fits this workload better than any serverless pattern{}. {}",
                t.name,
                best.map_or(String::new(), |b| format!(
                    " (the best serverless option, {}, is a {} fit)",
                    b.name,
                    b.fit.as_str()
                )),
                why.join(" ")
            )
            .trim_end()
            .to_owned()
        }
        Some(t) => format!("{} is the backbone, a {} fit.", t.name, t.fit.as_str()),
    };
    let count = |n: usize| {
        if n == 1 {
            "1 blocker".to_owned()
        } else {
            format!("{n} blockers")
        }
    };
    let message = match status {
        VerdictStatus::Incomplete => format!(
            "Incomplete: {} of {} applicable questions answered ({}%); the verdict needs {}%. So far: {}",
            progress.answered,
            progress.applicable,
            num((cover * 100.0).floor()),
            num(COMPLETE_AT * 100.0),
            lean
        ),
        VerdictStatus::DoesNotFit => format!("Use containers: {lean}"),
        VerdictStatus::FitsWithBlockers => format!(
            "Serverless fits once {} {} dealt with: {lean}",
            count(blockers.len()),
            if blockers.len() == 1 { "is" } else { "are" }
        ),
        VerdictStatus::Fits => format!("Serverless fits: {lean}"),
    };
    Verdict {
        status,
        serverless_fits: !containers,
        blockers,
        message,
    }
}
