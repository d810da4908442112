//! Accepted risks: a team's recorded decision to live with a raised risk, and whether that
//! decision still covers the risk the answers raise now.
//!
//! An acceptance names the level it accepted. It holds while the question's risk is at or below
//! that level; once changed answers raise the risk above it, it has **lapsed**: still shown, with
//! who decided and why, but never silently applied to the higher risk. Accepting changes no score
//! and no verdict: the risk stays raised (as in the AWS Well-Architected Tool) and is only told
//! apart as accepted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Risk;
use crate::evaluate::RiskItem;

/// The longest reason accepted, in characters.
pub const MAX_REASON: usize = 2_000;

/// A team's acceptance of one question's risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acceptance {
    /// The level accepted: `high` or `medium`.
    pub level: Risk,
    /// Why the team lives with it.
    pub reason: String,
    /// Who accepted it, by the name they are shown by.
    pub by: String,
    /// When (RFC 3339, UTC).
    pub at: String,
}

impl Acceptance {
    /// Whether the risk now raised is above the level accepted, so the acceptance no longer
    /// covers it.
    pub fn lapsed(&self, current: Risk) -> bool {
        current > self.level
    }
}

/// Why a reason cannot be recorded, in words (the field is named by the caller).
pub fn check_reason(reason: &str) -> Result<&str, String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err("say why the team accepts this risk; the reason cannot be blank".to_owned());
    }
    let n = reason.chars().count();
    if n > MAX_REASON {
        return Err(format!(
            "at most 2,000 characters; this reason has {}",
            crate::condition::grouped(n as f64)
        ));
    }
    Ok(reason)
}

/// Raised risks by level, and how many of them an acceptance covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// High risks.
    pub high: usize,
    /// High risks an acceptance covers.
    pub high_accepted: usize,
    /// Medium risks.
    pub medium: usize,
    /// Medium risks an acceptance covers.
    pub medium_accepted: usize,
}

/// Counts the raised risks, and those a (not lapsed) acceptance covers, keyed by question id.
pub fn counts(risks: &[RiskItem], acceptances: &BTreeMap<String, Acceptance>) -> Counts {
    let mut c = Counts::default();
    for r in risks {
        let covered = acceptances
            .get(r.question.as_str())
            .is_some_and(|a| !a.lapsed(r.level));
        c.add(r.level, covered);
    }
    c
}

impl Counts {
    /// Counts one risk of `level`, `covered` by an acceptance or not.
    pub fn add(&mut self, level: Risk, covered: bool) {
        let (all, accepted) = match level {
            Risk::High => (&mut self.high, &mut self.high_accepted),
            Risk::Medium => (&mut self.medium, &mut self.medium_accepted),
            Risk::None => return,
        };
        *all += 1;
        *accepted += usize::from(covered);
    }

    /// Both levels in words: "3 high risks, 1 accepted; 2 medium risks".
    pub fn words(&self) -> String {
        format!(
            "{}; {}",
            Counts::say(self.high, self.high_accepted, "high"),
            Counts::say(self.medium, self.medium_accepted, "medium")
        )
    }

    /// "3 high risks, 1 accepted", or "1 medium risk" when none is accepted.
    pub fn say(all: usize, accepted: usize, level: &str) -> String {
        let noun = if all == 1 { "risk" } else { "risks" };
        if accepted == 0 {
            format!("{all} {level} {noun}")
        } else {
            format!("{all} {level} {noun}, {accepted} accepted")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(level: Risk) -> Acceptance {
        Acceptance {
            level,
            reason: "We replay from the source".to_owned(),
            by: "Ana".to_owned(),
            at: "2026-11-24T09:30:00Z".to_owned(),
        }
    }

    #[test]
    fn an_acceptance_lapses_only_when_the_risk_rises_above_its_level() {
        assert!(!accepted(Risk::Medium).lapsed(Risk::Medium));
        assert!(!accepted(Risk::Medium).lapsed(Risk::None));
        assert!(accepted(Risk::Medium).lapsed(Risk::High));
        assert!(!accepted(Risk::High).lapsed(Risk::Medium));
    }

    #[test]
    fn a_reason_is_trimmed_and_neither_blank_nor_too_long() {
        assert_eq!(check_reason("  because  "), Ok("because"));
        assert!(
            check_reason(" \n\t ")
                .unwrap_err()
                .contains("cannot be blank")
        );
        assert!(check_reason(&"x".repeat(MAX_REASON)).is_ok());
        let long = check_reason(&"x".repeat(2_345)).unwrap_err();
        assert!(long.contains("2,000") && long.contains("2,345"), "{long}");
    }

    #[test]
    fn counts_say_how_many_are_accepted() {
        assert_eq!(Counts::say(3, 1, "high"), "3 high risks, 1 accepted");
        assert_eq!(Counts::say(1, 0, "medium"), "1 medium risk");
        let c = Counts {
            high: 3,
            high_accepted: 1,
            medium: 0,
            medium_accepted: 0,
        };
        assert_eq!(c.words(), "3 high risks, 1 accepted; 0 medium risks");
    }
}
