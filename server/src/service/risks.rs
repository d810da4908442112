//! Accepted risks: an editor accepts a raised risk with a reason, or withdraws the acceptance;
//! everyone who can read the review sees them, each with whether it still covers the risk
//! ([`questionnaires::acceptance`]). Accepting changes no score. Each write is checked for the
//! editor role, and records its audit entry and the review's new revision in one transaction.

use std::collections::BTreeMap;

use questionnaires::acceptance::{Acceptance, check_reason};
use questionnaires::evaluate::RiskItem;
use questionnaires::{Evaluation, Questionnaire, Risk};
use store::auth::Role;
use store::{Assessment, AuditEntry, StoredAcceptance};

use super::{AppContext, now_ms};
use crate::error::AppError;
use crate::report::export::rfc3339;

/// An acceptance with what the answers say now.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptanceNow {
    /// As stored.
    pub stored: StoredAcceptance,
    /// The question's title.
    pub title: String,
    /// The problem the risk is titled by: the fired rule's, or the question's title when no
    /// risk is raised now.
    pub problem: String,
    /// The question's risk now (`None`: unanswered or not applicable).
    pub current: Option<Risk>,
    /// The risk now is above the level accepted.
    pub lapsed: bool,
}

/// A stored level as the engine's [`Risk`].
fn level_of(s: &str) -> Risk {
    match s {
        "high" => Risk::High,
        "medium" => Risk::Medium,
        _ => Risk::None,
    }
}

/// A stored acceptance as the engine reads it.
fn acceptance_of(s: &StoredAcceptance) -> Acceptance {
    Acceptance {
        level: level_of(&s.level),
        reason: s.reason.clone(),
        by: s.accepted_by_name.clone(),
        at: rfc3339(s.accepted_at),
    }
}

/// The stored acceptances as the reports read them, by question id.
pub fn acceptance_map(stored: &[StoredAcceptance]) -> BTreeMap<String, Acceptance> {
    stored
        .iter()
        .map(|s| (s.question_id.clone(), acceptance_of(s)))
        .collect()
}

/// The question's risk in an evaluation, and whether it rose above the level accepted.
pub(super) fn risk_now(e: &Evaluation, s: &StoredAcceptance) -> (Option<Risk>, bool) {
    let current = e
        .questions
        .iter()
        .find(|r| r.id.as_str() == s.question_id)
        .and_then(|r| r.risk);
    let lapsed = current.is_some_and(|r| acceptance_of(s).lapsed(r));
    (current, lapsed)
}

/// The review's questionnaire and the evaluation of its answers now.
async fn evaluated(
    c: &AppContext,
    a: &Assessment,
) -> Result<(std::sync::Arc<Questionnaire>, Evaluation), AppError> {
    Ok((
        c.questionnaire_of(a).await?,
        super::evaluation_of(c, a).await?,
    ))
}

/// What a risk is called in the audit log: its problem, else its question's title.
fn problem_of(q: &Questionnaire, e: &Evaluation, question: &str) -> String {
    e.risks
        .iter()
        .find(|r| r.question.as_str() == question)
        .map(|r| r.heading().to_string())
        .or_else(|| q.question(question).map(|x| x.title.to_string()))
        .unwrap_or_else(|| "a question no longer in the questionnaire".to_owned())
}

/// An audit entry of the review's team, when it has one.
fn audit_entry(
    c: &AppContext,
    a: &Assessment,
    problem: &str,
    detail: String,
) -> Option<AuditEntry> {
    a.team_id.clone().map(|team_id| AuditEntry {
        team_id,
        actor: c.actor.label(),
        action: "risk".to_owned(),
        target: problem.to_owned(),
        detail,
    })
}

/// The accepted risks of a review, with what the answers say now (readers).
pub async fn acceptances(c: &AppContext, id: &str) -> Result<Vec<AcceptanceNow>, AppError> {
    let (a, _) = c.assessment(id, Role::Viewer).await?;
    let (q, e) = evaluated(c, &a).await?;
    Ok(c.store
        .acceptances(&a.id)
        .await?
        .into_iter()
        .map(|stored| {
            let (current, lapsed) = risk_now(&e, &stored);
            AcceptanceNow {
                title: q
                    .question(&stored.question_id)
                    .map(|x| x.title.to_string())
                    .unwrap_or_default(),
                problem: problem_of(&q, &e, &stored.question_id),
                lapsed,
                current,
                stored,
            }
        })
        .collect())
}

/// Accepts the risk a question raises now, at its level, with a reason (editors). `level`, when
/// given, is the level the editor saw: a risk that changed since is refused, to be looked at
/// again. Accepting a risk again replaces the earlier acceptance.
pub async fn accept_risk(
    c: &AppContext,
    id: &str,
    question: &str,
    level: Option<&str>,
    reason: &str,
) -> Result<AcceptanceNow, AppError> {
    let (a, _) = c.assessment(id, Role::Editor).await?;
    let reason = check_reason(reason).map_err(|m| AppError::BadInput(format!("reason: {m}")))?;
    let (q, e) = evaluated(c, &a).await?;
    let title = q
        .question(question)
        .map(|x| x.title.to_string())
        .ok_or_else(|| AppError::NotFound("There is no such question.".into()))?;
    let risk: &RiskItem = e
        .risks
        .iter()
        .find(|r| r.question.as_str() == question)
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "question: \u{201c}{title}\u{201d} raises no risk now, so there is nothing to accept."
            ))
        })?;
    match level.map(str::trim).filter(|l| !l.is_empty()) {
        None => {}
        Some(l) if !matches!(l, "high" | "medium") => {
            return Err(AppError::BadInput(format!(
                "level: `{l}` is not high or medium"
            )));
        }
        Some(l) if l != risk.level.as_str() => {
            return Err(AppError::Conflict(format!(
                "level: the risk is {} now, not {l}. Look at it again before accepting it.",
                risk.level.as_str()
            )));
        }
        Some(_) => {}
    }
    let user = c.user()?;
    let stored = StoredAcceptance {
        question_id: question.to_owned(),
        level: risk.level.as_str().to_owned(),
        reason: reason.to_owned(),
        accepted_by: user.id.clone(),
        accepted_by_name: user.name.clone(),
        accepted_at: now_ms(),
    };
    let problem = risk.heading().to_string();
    let detail = format!(
        "accepted the risk \u{201c}{problem}\u{201d} on \u{201c}{}\u{201d}: {reason}",
        a.name
    );
    c.store
        .accept_risk(
            &a.id,
            &stored,
            audit_entry(c, &a, &problem, detail).as_ref(),
        )
        .await?;
    Ok(AcceptanceNow {
        title,
        problem,
        current: Some(risk.level),
        lapsed: false,
        stored,
    })
}

/// Withdraws the acceptance of a question's risk (editors); the acceptance withdrawn.
pub async fn withdraw_risk(
    c: &AppContext,
    id: &str,
    question: &str,
) -> Result<StoredAcceptance, AppError> {
    let (a, _) = c.assessment(id, Role::Editor).await?;
    let (q, e) = evaluated(c, &a).await?;
    let problem = problem_of(&q, &e, question);
    let detail = format!(
        "withdrew the acceptance of the risk \u{201c}{problem}\u{201d} on \u{201c}{}\u{201d}",
        a.name
    );
    let audit = audit_entry(c, &a, &problem, detail);
    Ok(c.store
        .withdraw_risk(&a.id, question, audit.as_ref(), now_ms())
        .await?)
}
