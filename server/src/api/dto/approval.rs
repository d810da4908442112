//! Sign-offs as JSON: an approval with the blockers it accepted, a review's approvals, and the
//! body that approves a review.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AcceptedBy;

/// A blocker the approver accepted, as it was when they approved.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AcceptedBlockerDto {
    /// `risk` (a high risk; `id` is its question's) or `check` (a failed check).
    #[schema(pattern = "^(risk|check)$")]
    pub kind: String,
    /// The question's or the check's id.
    pub id: String,
    /// The risk's problem, or the check's title.
    pub title: String,
    /// Why it is accepted.
    pub reason: String,
}

/// The verdict when the review was approved.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovedVerdict {
    /// `fits`, `fits_with_blockers` or `does_not_fit`.
    #[schema(pattern = "^(fits|fits_with_blockers|does_not_fit)$")]
    pub status: String,
    /// The status for people ("Fits, with blockers").
    pub label: String,
}

/// An owner's approval of a review: who, when, the verdict then and every blocker accepted
/// with its reason. The milestone it saved keeps the answers as approved.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovalDto {
    /// Random id.
    pub id: String,
    /// The milestone saved with it (its id, as `/milestones/{milestone_id}` reads it).
    pub milestone_id: String,
    /// That milestone's name.
    pub milestone: String,
    /// Who approved.
    pub approved_by: AcceptedBy,
    /// Unix milliseconds.
    pub approved_at: i64,
    /// The verdict then.
    pub verdict: ApprovedVerdict,
    /// Every blocker then, each with the reason it is accepted.
    pub accepted: Vec<AcceptedBlockerDto>,
}

impl From<store::Approval> for ApprovalDto {
    fn from(a: store::Approval) -> Self {
        ApprovalDto {
            id: a.id,
            milestone_id: a.milestone_id,
            milestone: a.milestone_name,
            approved_by: AcceptedBy {
                id: a.approved_by,
                name: a.approved_by_name,
            },
            approved_at: a.approved_at,
            verdict: ApprovedVerdict {
                status: a.verdict_status,
                label: a.verdict_label,
            },
            accepted: a
                .accepted
                .into_iter()
                .map(|b| AcceptedBlockerDto {
                    kind: b.kind,
                    id: b.id,
                    title: b.title,
                    reason: b.reason,
                })
                .collect(),
        }
    }
}

/// A review's approvals.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalList {
    /// Newest first.
    pub items: Vec<ApprovalDto>,
    /// The answers changed after the latest approval, which no longer covers the review as it
    /// is (false while there is none).
    pub changed_since: bool,
}

/// Approve the review as it stands.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    /// Why each blocker is accepted, by its id (the question's for a high risk, the check's for
    /// a failed check): every blocker needs one, of 1 to 2,000 characters. A risk the team has
    /// already accepted, at a level that still covers it, brings its own reason.
    #[serde(default)]
    pub reasons: BTreeMap<String, String>,
    /// The name of the milestone saved with the approval; "Approved by NAME" when left out.
    #[schema(max_length = 100)]
    pub milestone: Option<String>,
}
