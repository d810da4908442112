//! The sign-off: a reviewer's recorded approval of the design, as a report tells it.
//!
//! An owner approves a review as it stands: the approval keeps the verdict at that moment and
//! every blocker accepted with its reason. A report of the approved state says who approved it
//! and when, and lists what was accepted and why; a report of the review after its answers
//! changed says the approval no longer covers what it shows. The server supplies the record
//! ([`Report::sign`]); this module only words it.

use serde::{Deserialize, Serialize};

use super::Report;

/// A recorded approval of the design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSignOff {
    /// Who approved, by name.
    pub by: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The name of the milestone that keeps the answers as approved.
    pub milestone: String,
    /// The verdict's status when approved (`fits`, `fits_with_blockers`, `does_not_fit`).
    pub verdict_status: String,
    /// The verdict's label when approved ("Fits, with blockers").
    pub verdict_label: String,
    /// The blockers accepted, each with its reason.
    pub accepted: Vec<AcceptedBlocker>,
    /// The answers changed after the approval: it no longer covers this report.
    pub changed_since: bool,
}

/// A blocker accepted at sign-off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptedBlocker {
    /// The risk's problem, or the check's title.
    pub title: String,
    /// Why it is accepted.
    pub reason: String,
}

impl ReportSignOff {
    /// The day of the approval, `YYYY-MM-DD`.
    pub fn day(&self) -> &str {
        self.at.get(..10).unwrap_or(&self.at)
    }

    /// The sign-off in one sentence: "Approved by Ana Ruiz on 2026-12-07, with the verdict
    /// “Fits, with blockers” and two blockers accepted." or "Changed since approval by …".
    pub fn sentence(&self) -> String {
        if self.changed_since {
            return format!(
                "Changed since approval by {} on {}: the answers differ from those approved \
                 (milestone \u{201c}{}\u{201d}), so the approval does not cover this report.",
                self.by,
                self.day(),
                self.milestone
            );
        }
        let accepted = match self.accepted.len() {
            0 => String::new(),
            n => format!(
                " and {} accepted",
                super::summary::count(n, "blocker", "blockers")
            ),
        };
        format!(
            "Approved by {} on {}, with the verdict \u{201c}{}\u{201d}{accepted}.",
            self.by,
            self.day(),
            self.verdict_label
        )
    }
}

impl Report {
    /// The report with its sign-off: the summary is worded again to say so.
    pub fn sign(&mut self, sign_off: ReportSignOff) {
        self.sign_off = Some(sign_off);
        self.summary = super::summary::of(self);
    }

    /// The heading of the summary's blockers: they no longer block once an approval that covers
    /// this report accepted them.
    pub fn blockers_heading(&self) -> &'static str {
        match &self.sign_off {
            Some(s) if !s.changed_since => "Blockers, accepted at sign-off",
            _ => "What blocks approval",
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::report) fn sign_off(changed_since: bool, accepted: usize) -> ReportSignOff {
        ReportSignOff {
            by: "Ana Ruiz".to_owned(),
            at: "2026-12-07T04:10:00Z".to_owned(),
            milestone: "Board approval".to_owned(),
            verdict_status: "fits_with_blockers".to_owned(),
            verdict_label: "Fits, with blockers".to_owned(),
            accepted: (0..accepted)
                .map(|i| AcceptedBlocker {
                    title: format!("Blocker {i}"),
                    reason: "Accepted for the pilot.".to_owned(),
                })
                .collect(),
            changed_since,
        }
    }

    #[test]
    fn an_approval_names_the_approver_the_day_and_what_was_accepted() {
        assert_eq!(
            sign_off(false, 2).sentence(),
            "Approved by Ana Ruiz on 2026-12-07, with the verdict \u{201c}Fits, with \
             blockers\u{201d} and two blockers accepted."
        );
        assert_eq!(
            sign_off(false, 0).sentence(),
            "Approved by Ana Ruiz on 2026-12-07, with the verdict \u{201c}Fits, with \
             blockers\u{201d}."
        );
    }

    #[test]
    fn a_changed_review_says_the_approval_no_longer_covers_it() {
        let s = sign_off(true, 1).sentence();
        assert!(
            s.starts_with("Changed since approval by Ana Ruiz on 2026-12-07"),
            "{s}"
        );
        assert!(s.contains("Board approval"), "{s}");
    }
}
