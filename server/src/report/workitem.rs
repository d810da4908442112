//! Work items: each open checklist item as the ticket a tracker files, shared by the backlog
//! zip's issue bodies and GitHub import script ([`super::backlog`]) and the Jira CSV
//! ([`super::jira`]), so they cannot disagree.
//!
//! A work item has the item's acceptance criteria (from its `done_when` condition), its effort
//! and an estimate in seconds, labels (`trellis`, `area:…`, `risk:…`, `roadmap:…`), the items it
//! depends on by title, links to its questions in the review and to the improvement guides of
//! the risks on them, and a stable external id for re-imports. Nothing here is escaped: each
//! format escapes for itself.

use questionnaires::report::{Report, ReportItem};

use super::Links;
use super::export::slug;

/// The label every work item carries, so a team can find what a review filed.
pub const TRELLIS_LABEL: &str = "trellis";

/// The label of an area: `area:` and its title's slug, at most 50 characters (GitHub's limit).
pub fn area_label(title: &str) -> String {
    let s = slug(title);
    let s = s[..s.len().min(45)].trim_end_matches('-');
    format!("area:{}", if s.is_empty() { "other" } else { s })
}

/// Hours in a working day, for estimates.
const DAY_HOURS: u64 = 8;

/// What an effort size means, and its estimate in working days: S is a few days at most
/// (3 days), M up to about two weeks (10 days), L longer (20 days).
pub fn effort_days(effort: &str) -> Option<(u64, &'static str)> {
    match effort {
        "S" => Some((3, "a few days at most")),
        "M" => Some((10, "up to about two weeks")),
        "L" => Some((20, "longer than two weeks")),
        _ => None,
    }
}

/// A question the item follows from, with its answer and, when the review can be opened, a link.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionLink {
    /// The question's title.
    pub title: String,
    /// The answer as a person reads it ("unanswered" when none).
    pub answer: String,
    /// The question in the review, when the link base is known.
    pub url: Option<String>,
}

/// A guide on how to improve, from a risk raised on one of the item's questions.
#[derive(Debug, Clone, PartialEq)]
pub struct Guide {
    /// The risk it helps with, in a few words.
    pub about: String,
    /// The page.
    pub url: String,
}

/// An item this one depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct Dependency {
    /// Its title.
    pub title: String,
    /// Whether it is still open (else done, accepted or not applicable).
    pub open: bool,
}

/// One open checklist item as a tracker ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkItem<'a> {
    /// The checklist item.
    pub item: &'a ReportItem,
    /// 1-based position in the backlog (highest priority first).
    pub number: usize,
    /// The file stem in the backlog zip, such as `03-idempotent-handlers`.
    pub stem: String,
    /// A stable id across exports and reviews of the same questionnaire, for matching a
    /// re-import: `trellis-` and the item's id.
    pub external_id: String,
    /// `now`, `next` or `later`: its roadmap phase.
    pub phase: Option<&'static str>,
    /// Labels, `trellis` first.
    pub labels: Vec<String>,
    /// What "done" means, one checkable statement each; the last one asks for the review to be
    /// updated, as the item is done when its answers say so.
    pub acceptance: Vec<String>,
    /// Items to finish first.
    pub after: Vec<Dependency>,
    /// The questions it follows from.
    pub questions: Vec<QuestionLink>,
    /// Guides from the risks on its questions, each page once.
    pub guides: Vec<Guide>,
}

impl WorkItem<'_> {
    /// The effort, as "M (up to about two weeks)".
    pub fn effort_words(&self) -> Option<String> {
        let e = self.item.effort.as_deref()?;
        let (_, words) = effort_days(e)?;
        Some(format!("{e} ({words})"))
    }

    /// The original estimate in seconds (8-hour working days), from the effort.
    pub fn estimate_seconds(&self) -> Option<u64> {
        let (days, _) = effort_days(self.item.effort.as_deref()?)?;
        Some(days * DAY_HOURS * 3600)
    }

    /// The roadmap phase as a title ("Now").
    pub fn phase_title(&self) -> Option<&'static str> {
        self.phase.map(|p| match p {
            "now" => "Now",
            "next" => "Next",
            _ => "Later",
        })
    }
}

/// The closing acceptance criterion of every item.
pub const REVIEW_UPDATED: &str =
    "The review in Trellis is updated with the new answers, and it shows this item as done.";

/// Every open item, highest priority first (the backlog's order).
pub fn all<'a>(r: &'a Report, links: Option<&Links>) -> Vec<WorkItem<'a>> {
    r.open_items()
        .into_iter()
        .enumerate()
        .map(|(n, i)| one(r, i, n + 1, links))
        .collect()
}

fn one<'a>(r: &'a Report, i: &'a ReportItem, number: usize, links: Option<&Links>) -> WorkItem<'a> {
    let phase = [
        ("now", &r.roadmap.now),
        ("next", &r.roadmap.next),
        ("later", &r.roadmap.later),
    ]
    .into_iter()
    .find(|(_, steps)| steps.iter().any(|s| s.item == i.id))
    .map(|(p, _)| p);
    let mut labels = vec![
        TRELLIS_LABEL.to_owned(),
        area_label(&i.area_title),
        format!("risk:{}", i.priority),
    ];
    if let Some(p) = phase {
        labels.push(format!("roadmap:{p}"));
    }
    let mut acceptance = i.acceptance.clone();
    acceptance.push(REVIEW_UPDATED.to_owned());
    let after = i
        .after
        .iter()
        .filter_map(|id| r.checklist.iter().find(|c| c.id == *id))
        .map(|c| Dependency {
            title: c.title.clone(),
            open: c.is_open(),
        })
        .collect();
    let questions = i
        .questions
        .iter()
        .filter_map(|q| r.answer(q))
        .map(|a| QuestionLink {
            title: a.title.clone(),
            answer: a.answer.clone().unwrap_or_else(|| "unanswered".to_owned()),
            url: links.map(|l| l.question(&a.area, &a.question)),
        })
        .collect();
    let mut guides: Vec<Guide> = Vec::new();
    for risk in r.risks.iter().filter(|k| i.questions.contains(&k.question)) {
        for url in risk.improvements.iter().filter_map(|l| l.url.as_deref()) {
            if !guides.iter().any(|g| g.url == url) && i.url.as_deref() != Some(url) {
                guides.push(Guide {
                    about: risk.problem.clone(),
                    url: url.to_owned(),
                });
            }
        }
    }
    WorkItem {
        item: i,
        number,
        stem: format!("{number:02}-{}", i.id.replace('_', "-")),
        external_id: format!("trellis-{}", i.id.replace('_', "-")),
        phase,
        labels,
        acceptance,
        after,
        questions,
        guides,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn efforts_are_working_days() {
        assert_eq!(effort_days("S").unwrap().0, 3);
        assert_eq!(effort_days("M").unwrap().0, 10);
        assert_eq!(effort_days("L").unwrap().0, 20);
        assert!(effort_days("XL").is_none());
    }
}
