//! Moving a review to the newest version of its lens (the AWS tool's "upgrade lens review"):
//! a milestone of the review as it was, then the answers the new version still holds carried,
//! the others dropped, and the report of what was dropped and what the new version adds, all in
//! one transaction.

use serde::Serialize;
use store::auth::Role;

use super::{AppContext, answers_of, evaluate, now_ms};
use crate::error::AppError;
use crate::service::lenses::version_label;

/// What moving a review to a newer lens version did.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LensUpgrade {
    /// The version the review was on, such as `v1`.
    pub from_version: String,
    /// The version it is on now.
    pub to_version: String,
    /// The milestone saved before the move.
    pub milestone_id: String,
    /// How many answers were carried.
    pub carried: usize,
    /// Answers the new version cannot hold, each with why.
    pub dropped: Vec<DroppedAnswer>,
    /// Questions the new version adds (unanswered).
    pub added: Vec<AddedQuestion>,
    /// The review's version after the move (for the next conditional write).
    pub version: i64,
}

/// An answer left behind by a move.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DroppedAnswer {
    /// The question's id.
    pub question_id: String,
    /// Its title in the old version.
    pub title: String,
    /// Why the new version cannot hold it.
    pub reason: String,
}

/// A question a newer version adds.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AddedQuestion {
    /// The question's id.
    pub question_id: String,
    /// Its title.
    pub title: String,
}

/// What moving a review to the newest version of its lens would do, worked out without writing:
/// the page shows it before the move, and the move itself applies it.
struct Plan {
    assessment: store::Assessment,
    new_hash: String,
    from_version: String,
    to_version: String,
    answers: questionnaires::Answers,
    before: questionnaires::Evaluation,
    carry: questionnaires::upgrade::Carry,
}

/// Works out the move of review `id` for an actor with at least `role` on it. The built-in
/// questionnaire has no versions to move between; a review already on the newest one is told so.
async fn plan(c: &AppContext, id: &str, role: Role) -> Result<Plan, AppError> {
    let (a, _) = c.assessment(id, role).await?;
    if a.questionnaire_id == c.builtin.id {
        return Err(AppError::BadInput(
            "questionnaire: the built-in review is always on its current version".into(),
        ));
    }
    let rows = c.store.lens_versions(&a.questionnaire_id).await?;
    let from = rows.iter().find(|r| r.hash == a.questionnaire_hash);
    let newest = rows.first().ok_or_else(|| {
        AppError::Internal(format!("the lens {} has no versions", a.questionnaire_id))
    })?;
    if newest.hash == a.questionnaire_hash {
        return Err(AppError::BadInput(format!(
            "questionnaire: this review is already on the newest version ({})",
            version_label(newest.version)
        )));
    }
    let from_version = from.map_or_else(
        || "an earlier version".to_owned(),
        |r| version_label(r.version),
    );
    let old = c.questionnaire_of(&a).await?;
    let new = c.questionnaire_by(&newest.id, &newest.hash).await?;
    let (answers, _) = answers_of(&c.store, &old, id).await?;
    let before = evaluate(&old, &answers);
    let carry = questionnaires::upgrade::carry(&old, &new, &answers);
    Ok(Plan {
        assessment: a,
        new_hash: newest.hash.clone(),
        from_version,
        to_version: version_label(newest.version),
        answers,
        before,
        carry,
    })
}

impl Plan {
    /// The report of the move, once made (`milestone_id` and `version` are empty and 0 before).
    fn report(self, milestone_id: String, version: i64) -> LensUpgrade {
        LensUpgrade {
            from_version: self.from_version,
            to_version: self.to_version,
            milestone_id,
            carried: self.carry.kept.len(),
            dropped: self
                .carry
                .dropped
                .into_iter()
                .map(|(question_id, title, reason)| DroppedAnswer {
                    question_id,
                    title,
                    reason,
                })
                .collect(),
            added: self
                .carry
                .added
                .into_iter()
                .map(|(question_id, title)| AddedQuestion { question_id, title })
                .collect(),
            version,
        }
    }
}

/// What moving review `id` to the newest version of its lens would carry, drop and add, without
/// moving it (anyone who can read the review). `None` when there is nothing to move to: the
/// built-in questionnaire, or the newest version already.
pub async fn preview_upgrade(c: &AppContext, id: &str) -> Result<Option<LensUpgrade>, AppError> {
    match plan(c, id, Role::Viewer).await {
        Ok(p) => {
            let version = p.assessment.version;
            Ok(Some(p.report(String::new(), version)))
        }
        Err(AppError::BadInput(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Moves review `id`, read at `version`, to the newest version of its lens (editors). A stale
/// `version` is a conflict and changes nothing.
pub async fn upgrade_lens(c: &AppContext, id: &str, version: i64) -> Result<LensUpgrade, AppError> {
    let p = plan(c, id, Role::Editor).await?;
    let (from_version, to_version, carry) = (&p.from_version, &p.to_version, &p.carry);
    let milestone = store::MilestoneRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        name: format!("Before moving to {to_version}"),
        created_by: c.actor.label(),
        created_at: now_ms(),
        questionnaire_hash: p.assessment.questionnaire_hash.clone(),
    };
    let dropped: Vec<String> = carry.dropped.iter().map(|d| d.0.clone()).collect();
    let detail = format!(
        "moved from {from_version} to {to_version}: {} answers carried, {} dropped, {} questions added",
        carry.kept.len(),
        dropped.len(),
        carry.added.len()
    );
    let moved = c
        .store
        .move_to_lens_version(
            &p.assessment,
            version,
            &p.new_hash,
            (&milestone, &p.answers, &p.before),
            &dropped,
            &c.actor.label(),
            &detail,
            now_ms(),
        )
        .await?;
    Ok(p.report(milestone.id, moved.version))
}
