//! Sign-off: an owner approves a review as it stands. The approval saves a milestone of the
//! answers, and records the approver, the time, the verdict at that moment and every blocker
//! accepted with its reason (by the rules of an accepted risk,
//! [`questionnaires::acceptance::check_reason`]); with its audit entry and the review's new
//! revision, in one transaction. Reports then carry the sign-off ([`sign_off_of`]): as it is
//! for the approved milestone, and marked "changed since approval" for the review now once its
//! answers moved on.
//!
//! Approving again when nothing changed since the latest approval is a conflict, not a second
//! record: an approval vouches for a state of the answers, and that state is already vouched
//! for. Once the answers change, a new approval is a new record, and the old ones stay.

use std::collections::BTreeMap;

use questionnaires::Answers;
use questionnaires::acceptance::check_reason;
use questionnaires::report::{AcceptedBlocker, ReportSignOff};
use questionnaires::verdict::{BlockerKind, VerdictStatus};
use store::auth::Role;
use store::{Approval, Approved, Assessment, AuditEntry, MilestoneRow};

use super::{AppContext, answers_of, evaluate, now_ms};
use crate::error::AppError;
use crate::report::export::rfc3339;

/// The longest milestone name, in characters (as for any milestone).
const MAX_NAME: usize = 100;

/// What an owner sends to approve a review.
#[derive(Debug, Clone, Default)]
pub struct Approve {
    /// The reason each blocker is accepted, by the blocker's id (a question's or a check's).
    /// A risk already accepted with a reason that still covers it needs none.
    pub reasons: BTreeMap<String, String>,
    /// The milestone's name; "Approved by NAME" when left out.
    pub milestone: Option<String>,
}

/// A review's approvals, and whether its answers moved on from the latest.
#[derive(Debug, Clone, PartialEq)]
pub struct Approvals {
    /// Newest first.
    pub items: Vec<Approval>,
    /// The answers now differ from those the latest approval approved (false with none).
    pub changed_since: bool,
}

/// The approvals of a review, newest first, and whether the answers changed since the latest
/// (readers).
pub async fn approvals(c: &AppContext, id: &str) -> Result<Approvals, AppError> {
    let (a, _) = c.assessment(id, Role::Viewer).await?;
    let items = c.store.approvals(&a.id).await?;
    let changed_since = match c.store.latest_approval(&a.id).await? {
        Some((_, approved)) => {
            let q = c.questionnaire_of(&a).await?;
            answers_of(&c.store, &q, &a.id).await?.0 != approved
        }
        None => false,
    };
    Ok(Approvals {
        items,
        changed_since,
    })
}

/// Approves a review as it stands (owners): its approval, milestone and audit entry. A blocker
/// without a reason (or with one an accepted risk could not have) is refused (422, naming each
/// blocker); an incomplete review, or one approved already with the same answers, is a conflict.
pub async fn approve(c: &AppContext, id: &str, body: &Approve) -> Result<Approval, AppError> {
    let (a, _) = c.assessment(id, Role::Owner).await?;
    let user = c.user()?.clone();
    let name = match body.milestone.as_deref().map(str::trim) {
        None | Some("") => format!("Approved by {}", user.name),
        Some(n) if n.chars().count() > MAX_NAME => {
            return Err(AppError::Unprocessable(format!(
                "milestone: a milestone's name has at most {MAX_NAME} characters"
            )));
        }
        Some(n) => n.to_owned(),
    };
    let q = c.questionnaire_of(&a).await?;
    let (answers, _) = answers_of(&c.store, &q, &a.id).await?;
    let e = evaluate(&q, &answers);
    if e.verdict.status == VerdictStatus::Incomplete {
        return Err(AppError::Conflict(format!(
            "The review is incomplete ({} of {} questions answered): answer at least 80 % of \
             them before approving it, so the verdict approved is final.",
            e.progress.answered, e.progress.applicable
        )));
    }
    let acceptances = c.store.acceptances(&a.id).await?;
    let mut problems = Vec::new();
    let mut accepted = Vec::new();
    for b in &e.verdict.blockers {
        let (kind, title) = match b.kind {
            BlockerKind::Risk => (
                "risk",
                e.risks
                    .iter()
                    .find(|r| r.question.as_str() == b.id)
                    .map(|r| r.heading().to_string()),
            ),
            BlockerKind::Check => (
                "check",
                e.checks
                    .iter()
                    .find(|x| *x.id == b.id)
                    .map(|x| x.title.to_string()),
            ),
        };
        let title = title.unwrap_or_else(|| b.id.clone());
        // A risk the team accepted, at a level that still covers it, brings its reason along.
        let standing = acceptances
            .iter()
            .filter(|s| kind == "risk" && s.question_id == b.id)
            .find(|s| !super::risks::risk_now(&e, s).1)
            .map(|s| s.reason.as_str());
        let given = body
            .reasons
            .get(&b.id)
            .map(String::as_str)
            .filter(|r| !r.trim().is_empty());
        match check_reason(given.or(standing).unwrap_or_default()) {
            Ok(reason) => accepted.push(store::AcceptedBlocker {
                kind: kind.to_owned(),
                id: b.id.clone(),
                title,
                reason: reason.to_owned(),
            }),
            Err(m) => problems.push(format!(
                "reasons.{}: the blocker \u{201c}{title}\u{201d} needs a reason to be accepted: {m}",
                b.id
            )),
        }
    }
    for id in body.reasons.keys() {
        if !e.verdict.blockers.iter().any(|b| b.id == *id) {
            problems.push(format!(
                "reasons.{id}: not a blocker of this review now; send reasons for its blockers only"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Unprocessable(problems.join("; ")));
    }
    let at = now_ms();
    let milestone = MilestoneRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        name: name.clone(),
        created_by: c.actor.label(),
        created_at: at,
        questionnaire_hash: q.content_hash.clone(),
    };
    let approval = Approval {
        id: uuid::Uuid::new_v4().simple().to_string(),
        milestone_id: milestone.id.clone(),
        milestone_name: name,
        approved_by: user.id.clone(),
        approved_by_name: user.name.clone(),
        approved_at: at,
        verdict_status: e.verdict.status.as_str().to_owned(),
        verdict_label: e.verdict.status.label().to_owned(),
        accepted,
    };
    let audit = audit_entry(c, &a, &approval);
    match c
        .store
        .approve(&a.id, &milestone, &answers, &e, &approval, audit.as_ref())
        .await?
    {
        Approved::Saved => Ok(approval),
        Approved::Unchanged(last) => Err(AppError::Conflict(format!(
            "{} approved this review on {}, and its answers have not changed since: there is \
             nothing new to approve.",
            last.approved_by_name,
            day(last.approved_at)
        ))),
    }
}

/// The approval's entry in the team's audit log, when the review has a team.
fn audit_entry(c: &AppContext, a: &Assessment, approval: &Approval) -> Option<AuditEntry> {
    let accepted = if approval.accepted.is_empty() {
        String::new()
    } else {
        let each: Vec<String> = approval
            .accepted
            .iter()
            .map(|b| format!("\u{201c}{}\u{201d} ({})", b.title, b.reason))
            .collect();
        format!(", accepting {}", each.join("; "))
    };
    a.team_id.clone().map(|team_id| AuditEntry {
        team_id,
        actor: c.actor.label(),
        action: "approval".to_owned(),
        target: a.name.clone(),
        detail: format!(
            "approved \u{201c}{}\u{201d} with the verdict \u{201c}{}\u{201d} as milestone \
             \u{201c}{}\u{201d}{accepted}",
            a.name, approval.verdict_label, approval.milestone_name
        ),
    })
}

/// `YYYY-MM-DD` of a unix ms time.
fn day(ms: i64) -> String {
    rfc3339(ms).chars().take(10).collect()
}

/// An approval as a report tells it.
pub fn report_sign_off(approval: &Approval, changed_since: bool) -> ReportSignOff {
    ReportSignOff {
        by: approval.approved_by_name.clone(),
        at: rfc3339(approval.approved_at),
        milestone: approval.milestone_name.clone(),
        verdict_status: approval.verdict_status.clone(),
        verdict_label: approval.verdict_label.clone(),
        accepted: approval
            .accepted
            .iter()
            .map(|b| AcceptedBlocker {
                title: b.title.clone(),
                reason: b.reason.clone(),
            })
            .collect(),
        changed_since,
    }
}

/// The sign-off a report of this state carries: a milestone's own approval, if it was saved by
/// one; for the review now (`milestone` None, `answers` its answers), its latest approval, marked
/// changed since when the answers differ from those approved.
pub async fn sign_off_of(
    c: &AppContext,
    assessment_id: &str,
    milestone: Option<&MilestoneRow>,
    answers: &Answers,
) -> Result<Option<ReportSignOff>, AppError> {
    Ok(match milestone {
        Some(m) => c
            .store
            .approval_of_milestone(assessment_id, &m.id)
            .await?
            .map(|p| report_sign_off(&p, false)),
        None => c
            .store
            .latest_approval(assessment_id)
            .await?
            .map(|(p, approved)| report_sign_off(&p, approved != *answers)),
    })
}
