//! Milestones: saving one, the milestones page, and what changed between two snapshots (the
//! current answers or a milestone).

use questionnaires::{Answers, Evaluation};
use store::Assessment;
use store::auth::Role;

use super::{AppContext, answers_of, evaluate, now_ms};
use crate::error::AppError;

/// One milestone of an assessment, or 404.
pub(super) async fn milestone_of(
    c: &AppContext,
    assessment: &str,
    milestone: &str,
) -> Result<store::Milestone, AppError> {
    c.store
        .milestone(assessment, milestone)
        .await
        .map_err(AppError::from)
}

/// One side of a comparison: `current`, or a milestone's id. Returns its label, answers and
/// evaluation.
async fn snapshot(
    c: &AppContext,
    a: &Assessment,
    which: &str,
) -> Result<(String, Answers, Evaluation), AppError> {
    let (answers, e, milestone) = state_of(c, a, which).await?;
    let label = milestone.map_or_else(
        || "now".to_owned(),
        |m| format!("{} ({})", m.name, app::utc(m.created_at)),
    );
    Ok((label, answers, e))
}

/// The answers and evaluation of `current`, or of a milestone by id (with its row). 404 for an
/// unknown milestone.
pub async fn state_of(
    c: &AppContext,
    a: &Assessment,
    which: &str,
) -> Result<(Answers, Evaluation, Option<store::MilestoneRow>), AppError> {
    if which == "current" {
        let q = c.questionnaire_of(a).await?;
        let (answers, _) = answers_of(&c.store, &q, &a.id).await?;
        let e = evaluate(&q, &answers);
        return Ok((answers, e, None));
    }
    let m = milestone_of(c, &a.id, which).await?;
    Ok((m.answers, m.evaluation, Some(m.row)))
}

/// What changed from one snapshot to another, with their labels.
pub async fn diff_of(
    c: &AppContext,
    a: &Assessment,
    from: &str,
    to: &str,
) -> Result<(String, String, questionnaires::diff::Diff), AppError> {
    let (from_label, fa, fe) = snapshot(c, a, from).await?;
    let (to_label, ta, te) = snapshot(c, a, to).await?;
    let side = |answers, evaluation| questionnaires::diff::Side {
        answers,
        evaluation,
    };
    let q = c.questionnaire_of(a).await?;
    let d = questionnaires::diff::diff(&q, side(&fa, &fe), side(&ta, &te));
    Ok((from_label, to_label, d))
}

/// The milestones page: the milestones, and what changed between two snapshots.
pub async fn milestones_page(
    c: &AppContext,
    id: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<app::api::MilestonesData, AppError> {
    let (a, role) = c.assessment(id, Role::Viewer).await?;
    let milestones = c.store.milestones(id).await?;
    let from = from
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .or_else(|| milestones.first().map(|m| m.id.clone()));
    let to = to.filter(|t| !t.is_empty()).unwrap_or("current").to_owned();
    let (from, to_label, diff) = match &from {
        Some(f) => {
            let (fl, tl, d) = diff_of(c, &a, f, &to).await?;
            (Some((f.clone(), fl)), tl, Some(d))
        }
        None => (None, "now".to_owned(), None),
    };
    Ok(app::api::MilestonesData {
        assessment_id: a.id.clone(),
        workload: a.name.clone(),
        can_edit: role >= Role::Editor,
        milestones: milestones
            .into_iter()
            .map(|m| (m.id, m.name, m.created_by, m.created_at))
            .collect(),
        from,
        to: (to, to_label),
        diff,
    })
}

/// Saves the current answers and their evaluation as a named milestone (editors).
pub async fn create_milestone(c: &AppContext, id: &str, name: &str) -> Result<(), AppError> {
    let (a, _) = c.assessment(id, Role::Editor).await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::BadInput(
            "name: a milestone needs a name of 1 to 100 characters".into(),
        ));
    }
    let q = c.questionnaire_of(&a).await?;
    let (answers, _) = answers_of(&c.store, &q, id).await?;
    let e = evaluate(&q, &answers);
    let row = store::MilestoneRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        name: name.to_owned(),
        created_by: c.actor.label(),
        created_at: now_ms(),
        questionnaire_hash: q.content_hash.clone(),
    };
    let event = super::webhooks::milestone_event(&a, &row, &e);
    c.store
        .create_milestone_raising(&row, id, &answers, &e, event.as_slice())
        .await?;
    c.audit(&a, "milestone", &a.name, &format!("saved \"{name}\""))
        .await
}
