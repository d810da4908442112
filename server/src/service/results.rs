//! The results of a review: its results page (with its accepted risks), the same read-only
//! through a share link or as a milestone saved them, share links (opening and revoking one), and the evaluation the reports
//! and exports use.

use std::collections::BTreeMap;

use app::api::{AcceptanceView, ChecklistRow, ResultsData};
use questionnaires::report::{Input, Snapshot};
use questionnaires::{Answers, Evaluation, Questionnaire};
use store::Assessment;
use store::auth::Role;

use super::milestones::milestone_of;
use super::{AppContext, answers_of, evaluate, format_number, markdown, now_ms, templates};
use crate::error::AppError;
use crate::report::export::rfc3339;

/// The results page of a review (viewers).
pub async fn results_page(c: &AppContext, id: &str) -> Result<ResultsData, AppError> {
    let (assessment, role) = c.assessment(id, Role::Viewer).await?;
    let mut page = results_of(c, assessment).await?;
    page.can_edit = role >= Role::Editor;
    page.start_from = Some(templates::Source::value(id, None));
    page.can_share = role == Role::Owner;
    // Owners approve a verdict that is final and that no approval covers yet.
    page.can_approve = role == Role::Owner
        && page.lens.is_none()
        && page.evaluation.verdict.status != questionnaires::verdict::VerdictStatus::Incomplete
        && page.sign_off.as_ref().is_none_or(|s| s.changed_since);
    Ok(page)
}

/// The results of the assessment a share link opens: read-only, for anyone holding the link.
pub async fn shared_results(c: &AppContext, token: &str) -> Result<ResultsData, AppError> {
    let assessment = shared_assessment(c, token).await?;
    let mut page = results_of(c, assessment).await?;
    page.shared = true;
    page.to_confirm = None;
    page.report_url = format!("/share/{token}");
    Ok(page)
}

async fn results_of(c: &AppContext, assessment: Assessment) -> Result<ResultsData, AppError> {
    let q = &*c.questionnaire_of(&assessment).await?;
    let (answers, stored) = answers_of(&c.store, q, &assessment.id).await?;
    let e = evaluate(q, &answers);
    let pending = templates::to_confirm(q, &e, &stored);
    let to_confirm = pending.first().map(|&first| app::api::ToConfirm {
        count: pending.len(),
        from: assessment.started_from.clone().unwrap_or_default(),
        first: format!(
            "/assessments/{}/review/{}#q-{}",
            assessment.id, q.areas[q.questions[first].area].id, q.questions[first].id
        ),
    });
    let items = c.store.checklist(&assessment.id).await?;
    let accepted = c.store.acceptances(&assessment.id).await?;
    let sign_off = super::sign_off_of(c, &assessment.id, None, &answers).await?;
    let state = Shown {
        answers: &answers,
        evaluation: e,
        items,
        accepted,
        snapshot: Snapshot::current(),
        sign_off,
    };
    let id = assessment.id.clone();
    let mut page = results_from(q, assessment, state)?;
    page.to_confirm = to_confirm;
    page.template_findings = super::evidence::report_findings(&c.store, &id).await?;
    Ok(page)
}

/// The results of an assessment as a milestone saved them: read-only, with the checklist as the
/// answers then implied it, and no accepted risks (a milestone keeps none).
pub async fn milestone_results(
    c: &AppContext,
    id: &str,
    milestone: &str,
) -> Result<ResultsData, AppError> {
    let (a, _) = c.assessment(id, Role::Viewer).await?;
    let m = milestone_of(c, id, milestone).await?;
    let q = c.questionnaire_of(&a).await?;
    let snapshot = Snapshot::milestone(&m.row.name, rfc3339(m.row.created_at));
    let sign_off = super::sign_off_of(c, id, Some(&m.row), &m.answers).await?;
    let state = Shown {
        answers: &m.answers,
        evaluation: m.evaluation,
        items: Vec::new(),
        accepted: Vec::new(),
        snapshot,
        sign_off,
    };
    let mut page = results_from(&q, a, state)?;
    page.start_from = Some(templates::Source::value(id, Some(milestone)));
    page.report_url = format!("/assessments/{id}/milestones/{milestone}");
    page.as_of = Some(format!(
        "{} ({} UTC, by {})",
        m.row.name,
        app::utc(m.row.created_at),
        m.row.created_by
    ));
    Ok(page)
}

/// The state of a review a results page shows: now, or as a milestone saved it.
struct Shown<'a> {
    answers: &'a Answers,
    evaluation: Evaluation,
    /// The team's checklist state (none for a milestone).
    items: Vec<store::StoredItem>,
    /// The accepted risks (none for a milestone).
    accepted: Vec<store::StoredAcceptance>,
    snapshot: Snapshot,
    /// The approval that covers these answers, or that they changed from.
    sign_off: Option<questionnaires::report::ReportSignOff>,
}

fn results_from(
    q: &Questionnaire,
    assessment: Assessment,
    state: Shown<'_>,
) -> Result<ResultsData, AppError> {
    let Shown {
        answers,
        evaluation: e,
        items,
        accepted,
        snapshot,
        sign_off,
    } = state;
    let id = assessment.id.clone();
    let id = id.as_str();
    // The summary and the roadmap as the reports have them, so the page and the exports agree.
    let mut report = questionnaires::report::build(Input {
        q,
        workload: &assessment.workload(),
        answers,
        evaluation: &e,
        progress: &super::progress_map(&items),
        acceptances: &super::acceptance_map(&accepted),
        snapshot,
        generated_at: rfc3339(now_ms()),
    });
    if let Some(s) = sign_off.clone() {
        report.sign(s);
    }
    let stored: BTreeMap<String, store::StoredItem> =
        items.into_iter().map(|i| (i.item_id.clone(), i)).collect();
    // A lens has an item per good-practice choice: only the answered questions' items are shown,
    // as the AWS tool's improvement plan does.
    let lens = q.id != questionnaires::builtin().id;
    let shown = |entry: &&questionnaires::evaluate::ChecklistEntry| !lens || entry.decided;
    let checklist_waiting = e.checklist.len() - e.checklist.iter().filter(shown).count();
    let checklist = e
        .checklist
        .iter()
        .filter(shown)
        .map(|entry| {
            let state = stored.get(entry.id.as_str());
            ChecklistRow {
                id: entry.id.to_string(),
                title: entry.title.to_string(),
                area: q
                    .areas
                    .iter()
                    .find(|a| a.id == entry.area)
                    .map(|a| a.title.to_string())
                    .unwrap_or_default(),
                why_html: markdown(&entry.why),
                how_html: markdown(&entry.how),
                derived: serde_json::to_value(entry.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                status: state.map(|s| s.status.clone()),
                owner: state.map(|s| s.owner.clone()).unwrap_or_default(),
                due_date: state.and_then(|s| s.due_date.clone()).unwrap_or_default(),
                version: state.map(|s| s.version),
                priority: serde_json::to_value(entry.priority)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let diagrams = e
        .recommendations
        .iter()
        .filter(|r| r.score > 0.0)
        .take(3)
        .filter_map(|r| q.pattern(r.pattern.as_str()))
        .map(|p| {
            (
                p.id.to_string(),
                app::charts::pattern_diagram(&p.diagram, &p.name),
            )
        })
        .collect();
    let risk_counts =
        questionnaires::acceptance::counts(&e.risks, &super::acceptance_map(&accepted));
    let acceptances = accepted
        .into_iter()
        .map(|a| AcceptanceView {
            lapsed: super::risks::risk_now(&e, &a).1,
            question: a.question_id,
            level: a.level,
            reason: a.reason,
            by: a.accepted_by_name,
            at: a.accepted_at,
        })
        .collect();
    // The page shows only these parts; the rest would travel to the browser for nothing.
    let mut e = e;
    e.questions.clear();
    e.checklist.clear();
    e.recommendations.retain(|r| r.score > 0.0);
    e.recommendations.truncate(5);
    let mut fact_words: Vec<(String, String)> = Vec::new();
    let shown = e.risks.iter().flat_map(|r| &r.facts).chain(
        e.recommendations
            .iter()
            .flat_map(|r| r.reasons.iter().chain(&r.against))
            .flat_map(|x| &x.facts),
    );
    for fact in shown {
        let key = fact.to_string();
        if !fact_words.iter().any(|(k, _)| *k == key) {
            fact_words.push((key, fact.words(q)));
        }
    }
    Ok(ResultsData {
        fact_words,
        summary: (!lens).then_some(report.summary),
        roadmap_svg: app::charts::roadmap_timeline(&report.roadmap),
        roadmap: report.roadmap,
        lens: lens.then(|| q.title.clone()),
        checklist_waiting,
        sign_off,
        can_approve: false,
        template_findings: Vec::new(),
        can_edit: false,
        shared: false,
        as_of: None,
        to_confirm: None,
        start_from: None,
        report_url: format!("/assessments/{id}"),
        can_share: false,
        assessment_id: assessment.id,
        workload: assessment.name,
        areas: q
            .areas
            .iter()
            .map(|a| (a.id.to_string(), a.title.to_string()))
            .collect(),
        question_titles: q
            .questions
            .iter()
            .map(|x| {
                (
                    x.id.to_string(),
                    x.title.to_string(),
                    q.areas[x.area].id.to_string(),
                )
            })
            .collect(),
        scores_svg: app::charts::score_bars(&e.areas, e.scores.overall),
        cost_svg: e.cost.as_ref().map(app::charts::cost_chart),
        diagrams,
        checklist,
        acceptances,
        risk_counts,
        limit_labels: q
            .figures
            .limits
            .values()
            .map(|f| {
                (
                    f.id.clone(),
                    format!("{}: {} {}", f.title, format_number(f.value), f.unit),
                )
            })
            .collect(),
        evaluation: e,
    })
}

/// Revokes a share link of a review; owners only.
pub async fn revoke_share_link(c: &AppContext, id: &str, link: &str) -> Result<(), AppError> {
    let (a, _) = c.assessment(id, Role::Owner).await?;
    c.store.revoke_share_link(id, link, now_ms()).await?;
    c.audit(&a, "share-link", &a.name, "revoked").await
}

/// The evaluation of an assessment's stored answers (for reports and exports).
pub async fn evaluation_of(c: &AppContext, a: &Assessment) -> Result<Evaluation, AppError> {
    let q = c.questionnaire_of(a).await?;
    let (answers, _) = answers_of(&c.store, &q, &a.id).await?;
    Ok(evaluate(&q, &answers))
}

/// The assessment a live share link opens, or 404.
pub async fn shared_assessment(c: &AppContext, token: &str) -> Result<Assessment, AppError> {
    let gone = || {
        AppError::NotFound("This link is not valid: it may have expired or been revoked.".into())
    };
    let id = c
        .store
        .shared_assessment(token, now_ms())
        .await?
        .ok_or_else(gone)?;
    c.store.assessment(&id).await.map_err(|_| gone())
}
