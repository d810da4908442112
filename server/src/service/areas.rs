//! One area of a review: its page (questions and the progress rail), and saving its form, by
//! the Save button ([`save_area_form`]) or as the user types ([`autosave`]), with the form's
//! parsing, conflicts and audit entries.

use std::collections::BTreeMap;

use app::api::{AreaData, ChoiceView, ConflictView, QuestionView, RailArea};
use questionnaires::condition::grouped;
use questionnaires::evaluate::Status;
use questionnaires::model::{Area, Question, QuestionKind};
use questionnaires::{Answer, AnswerValue, Evaluation, Questionnaire};
use store::auth::Role;
use store::{AreaChange, AreaSave, Assessment, StoredAnswer};

use super::discussion::Mine;

use super::{
    AppContext, answers_in, answers_of, evaluate, format_number, markdown, now_ms, templates,
};
use crate::error::AppError;

/// Each area's progress, and how many of its answers are still to confirm (`pending`, from
/// [`templates::to_confirm`]). In respondent mode (`only`), just the viewer's areas, each
/// counting just the viewer's questions.
fn rail(
    q: &Questionnaire,
    e: &Evaluation,
    pending: &[usize],
    only: Option<&Mine>,
) -> Vec<RailArea> {
    let shown = |qi: usize| only.is_none_or(|m| m.questions.contains(q.questions[qi].id.as_str()));
    q.areas
        .iter()
        .zip(&e.areas)
        .enumerate()
        .filter(|(_, (a, _))| only.is_none_or(|m| m.areas.contains(a.id.as_str())))
        .map(|(i, (a, r))| {
            let (answered, applicable) =
                match only {
                    None => (r.progress.answered, r.progress.applicable),
                    Some(_) => a.questions.iter().filter(|&&qi| shown(qi)).fold(
                        (0, 0),
                        |(done, of), &qi| match e.questions[qi].status {
                            Status::Hidden => (done, of),
                            Status::Unanswered => (done, of + 1),
                            Status::Answered | Status::NotApplicable => (done + 1, of + 1),
                        },
                    ),
                };
            RailArea {
                id: a.id.to_string(),
                title: a.title.to_string(),
                answered,
                applicable,
                to_confirm: pending
                    .iter()
                    .filter(|&&p| q.questions[p].area == i && shown(p))
                    .count(),
            }
        })
        .collect()
}

/// What is assigned to the viewer in a review, when the page asks for respondent mode (`None`
/// otherwise, and for nobody signed in: there is no "me").
async fn respondent(c: &AppContext, a: &Assessment, mine: bool) -> Result<Option<Mine>, AppError> {
    if !mine || c.actor.user().is_none() {
        return Ok(None);
    }
    Ok(Some(super::discussion::mine(c, a).await?))
}

/// The review page of an area, with `?mine=1` in respondent mode.
fn area_href(id: &str, area: &str, mine: bool) -> String {
    let query = if mine { "?mine=1" } else { "" };
    format!("/assessments/{id}/review/{area}{query}")
}

fn question_view(
    question: &Question,
    answer: Option<&store::StoredAnswer>,
    e: &Evaluation,
    index: usize,
    to_confirm: bool,
) -> QuestionView {
    let result = &e.questions[index];
    let value = answer.map(|a| &a.answer.value);
    let selected: Vec<&str> = match value {
        Some(AnswerValue::Choices(ids)) => ids.iter().map(|c| c.as_str()).collect(),
        _ => Vec::new(),
    };
    QuestionView {
        id: question.id.to_string(),
        title: question.title.to_string(),
        help_html: markdown(&question.help) + &links(question.resource.iter()),
        kind: question.kind,
        unit: question.number.as_ref().map(|n| n.unit.clone()),
        min: question.number.as_ref().map(|n| n.min),
        max: question.number.as_ref().map(|n| n.max),
        choices: question
            .choices
            .iter()
            .map(|c| ChoiceView {
                id: c.id.to_string(),
                title: c.title.clone(),
                help_html: if c.help.is_empty() {
                    String::new()
                } else {
                    markdown(&c.help)
                } + &links(c.resource.iter().chain(&c.more_resources)),
                selected: selected.contains(&c.id.as_str()),
                none_of_these: c.none_of_these,
            })
            .collect(),
        value: match value {
            Some(AnswerValue::Number(x)) => format_number(*x),
            Some(AnswerValue::Text(t)) => t.clone(),
            _ => String::new(),
        },
        not_applicable: matches!(value, Some(AnswerValue::NotApplicable(_))),
        na_reason: match value {
            Some(AnswerValue::NotApplicable(r)) => r.clone(),
            _ => String::new(),
        },
        note: answer
            .and_then(|a| a.answer.note.clone())
            .unwrap_or_default(),
        version: answer.map(|a| a.version),
        follow_up: question.applies_when.is_some(),
        visible: result.status != Status::Hidden,
        risk: result.risk.map(|r| r.as_str().to_owned()),
        changed: answer.map(|a| (a.updated_by.clone(), a.updated_at)),
        to_confirm,
        evidence: Vec::new(),
        error: None,
        comments: 0,
        assignee: None,
        discussion_href: String::new(),
    }
}

/// Helpful resources (an imported lens's notes and links) as HTML: one line each, escaped.
fn links<'a>(resources: impl Iterator<Item = &'a questionnaires::model::Link>) -> String {
    resources
        .filter(|r| r.url.is_some() || r.text.chars().filter(|c| c.is_alphanumeric()).count() >= 2)
        .map(|r| {
            // Some lenses put a placeholder (`-`) where the text goes: name the page instead.
            let words = r.text.chars().filter(|c| c.is_alphanumeric()).count() >= 2;
            let text = match (&r.url, words) {
                (Some(url), false) => app::escape_html(url),
                _ => app::escape_html(&r.text),
            };
            match &r.url {
                Some(url) => format!(
                    "<span class=\"resource\"><a href=\"{}\" rel=\"noopener noreferrer\">{text}</a></span>",
                    app::escape_html(url)
                ),
                None => format!("<span class=\"resource\">{text}</span>"),
            }
        })
        .collect()
}

/// One area of the review page, with the flash message of the save that led here. `mine`:
/// respondent mode, where the rail, the questions and "Save and continue" keep to what is
/// assigned to the viewer.
pub async fn area_page(
    c: &AppContext,
    id: &str,
    area_id: &str,
    flash: Option<&str>,
    mine: bool,
) -> Result<AreaData, AppError> {
    let (assessment, role) = c.assessment(id, Role::Viewer).await?;
    let q = &*c.questionnaire_of(&assessment).await?;
    let Some(area_index) = q.areas.iter().position(|a| a.id.as_str() == area_id) else {
        return Err(AppError::NotFound(format!("There is no area `{area_id}`.")));
    };
    let area = &q.areas[area_index];
    let assignments = c.store.assignments(&assessment.id).await?;
    let assigned = c
        .actor
        .user()
        .map(|u| super::discussion::mine_of(q, &assignments, &u.id));
    let only = assigned.as_ref().filter(|_| mine);
    let comments: BTreeMap<String, i64> = c
        .store
        .comment_counts(&assessment.id)
        .await?
        .into_iter()
        .collect();
    let assignee = |scope: &str, target: &str| {
        assignments
            .iter()
            .find(|r| r.scope == scope && r.target_id == target)
            .map(|r| r.user_name.clone())
    };
    let area_assignee = assignee("area", area.id.as_str());
    let (answers, stored) = answers_of(&c.store, q, id).await?;
    let e = evaluate(q, &answers);
    let pending = templates::to_confirm(q, &e, &stored);
    let flash: Flash = flash
        .and_then(|f| serde_json::from_str(f).ok())
        .unwrap_or_default();
    let mut evidence = super::evidence::evidence_by_question(c, &assessment.id).await?;
    let refused = |qid: &str| {
        flash
            .errors
            .iter()
            .find(|(q, _)| q == qid)
            .map(|(_, e)| e.clone())
    };
    Ok(AreaData {
        assessment_id: assessment.id,
        workload: assessment.name,
        started_from: assessment.started_from,
        area_id: area.id.to_string(),
        area_title: area.title.to_string(),
        summary_html: markdown(&area.summary),
        rail: rail(q, &e, &pending, only),
        questions: area
            .questions
            .iter()
            .filter(|&&i| only.is_none_or(|m| m.questions.contains(q.questions[i].id.as_str())))
            .map(|&i| {
                let mut view = question_view(
                    &q.questions[i],
                    stored.get(q.questions[i].id.as_str()),
                    &e,
                    i,
                    pending.contains(&i),
                );
                view.evidence = evidence.remove(&view.id).unwrap_or_default();
                view.comments = comments
                    .get(&view.id)
                    .map_or(0, |n| usize::try_from(*n).unwrap_or(0));
                view.assignee = assignee("question", &view.id).or_else(|| area_assignee.clone());
                view.discussion_href = format!("/assessments/{id}/questions/{}", view.id);
                if !flash.errors.is_empty() {
                    as_posted(&mut view, &flash.posted);
                    view.error = refused(&view.id);
                }
                view
            })
            .collect(),
        next_area: next_area(q, area_index, only).map(|a| a.id.to_string()),
        prev_area: q.areas[..area_index]
            .iter()
            .rev()
            .find(|a| only.is_none_or(|m| m.areas.contains(a.id.as_str())))
            .map(|a| a.id.to_string()),
        conflicts: flash.conflicts,
        errors: flash.errors,
        saved: flash.saved,
        confirmed: flash.confirmed,
        can_edit: role >= Role::Editor,
        can_share: role == Role::Owner,
        assigned_to_me: assigned.as_ref().map_or(0, |m| m.questions.len()),
        respondent: only.is_some(),
        area_questions: area
            .questions
            .iter()
            .filter(|&&i| e.questions[i].status != Status::Hidden)
            .count(),
    })
}

/// The area after `index` (in respondent mode, the next of the viewer's).
fn next_area<'q>(q: &'q Questionnaire, index: usize, only: Option<&Mine>) -> Option<&'q Area> {
    q.areas
        .iter()
        .skip(index + 1)
        .find(|a| only.is_none_or(|m| m.areas.contains(a.id.as_str())))
}

/// Shows a question as a refused form post sent it, so nothing the user typed is lost.
fn as_posted(view: &mut QuestionView, posted: &[(String, String)]) {
    let field = |kind: &str| format!("{kind}.{}", view.id);
    let (q, na, reason, note) = (field("q"), field("na"), field("na_reason"), field("note"));
    let values: Vec<&str> = posted
        .iter()
        .filter(|(k, _)| *k == q)
        .map(|(_, v)| v.as_str())
        .collect();
    let one = |key: &str| {
        posted
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    for c in &mut view.choices {
        c.selected = values.contains(&c.id.as_str());
    }
    view.value = values.first().map(|v| (*v).to_owned()).unwrap_or_default();
    view.not_applicable = posted.iter().any(|(k, _)| *k == na);
    view.na_reason = one(&reason);
    view.note = one(&note);
}

/// Saves an area's form as the user types, and tells the page what it needs to stay current:
/// the stored versions, which questions apply, their risks, what is left to confirm, and the
/// progress rail. The same checks and writes as the plain form ([`save_area_form`]); the answers
/// are those the save's own transaction read after its writes, so the versions include anyone
/// else's writes before it.
pub async fn autosave(
    c: &AppContext,
    id: &str,
    area_id: &str,
    form: &str,
    mine: bool,
) -> Result<app::api::SaveResult, AppError> {
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_str(form).map_err(|e| AppError::BadInput(format!("form: {e}")))?;
    let (assessment, _) = c.assessment(id, Role::Editor).await?;
    let q = &*c.questionnaire_of(&assessment).await?;
    let area = area_of(q, area_id)?;
    let (flash, saved) = save_area(c, &assessment, q, area, fields).await?;
    if !flash.errors.is_empty() {
        return Err(AppError::BadInput(refusals(q, &flash.errors)));
    }
    let (answers, stored) = match saved {
        Some(stored) => (answers_in(q, &stored), stored),
        None => answers_of(&c.store, q, id).await?,
    };
    let e = evaluate(q, &answers);
    let pending = templates::to_confirm(q, &e, &stored);
    let questions = || {
        area.questions
            .iter()
            .map(|&i| (i, q.questions[i].id.to_string()))
    };
    Ok(app::api::SaveResult {
        conflicts: !flash.conflicts.is_empty(),
        versions: questions()
            .map(|(_, qid)| {
                let version = stored.get(&qid).map(|a| a.version);
                (qid, version)
            })
            .collect(),
        visible: questions()
            .map(|(i, qid)| (qid, e.questions[i].status != Status::Hidden))
            .collect(),
        risks: questions()
            .map(|(i, qid)| (qid, e.questions[i].risk.map(|r| r.as_str().to_owned())))
            .collect(),
        to_confirm: questions()
            .map(|(i, qid)| (qid, pending.contains(&i)))
            .collect(),
        rail: rail(
            q,
            &e,
            &pending,
            respondent(c, &assessment, mine).await?.as_ref(),
        ),
    })
}

/// An area of a questionnaire, or 404.
fn area_of<'q>(q: &'q Questionnaire, area_id: &str) -> Result<&'q Area, AppError> {
    q.areas
        .iter()
        .find(|a| a.id.as_str() == area_id)
        .ok_or_else(|| AppError::NotFound(format!("There is no area `{area_id}`.")))
}

/// What a form save tells the page it redirects to.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Flash {
    /// Saves that lost a race.
    #[serde(default)]
    pub conflicts: Vec<ConflictView>,
    /// Answers refused, by question id, with why in words: nothing of the form was saved.
    #[serde(default)]
    pub errors: Vec<(String, String)>,
    /// The form as posted, when it was refused, to show it again as it was.
    #[serde(default)]
    pub posted: Vec<(String, String)>,
    /// Whether everything saved.
    #[serde(default)]
    pub saved: bool,
    /// How many carried-over answers the save confirmed unchanged.
    #[serde(default)]
    pub confirmed: usize,
    /// Where "save and continue" goes: the next area's review page (the next of the viewer's,
    /// in respondent mode), or the results. Set by [`save_area_form`].
    #[serde(skip)]
    pub next: String,
}

impl Flash {
    /// Whether the form post saved as sent: no conflict and no refused answer.
    pub fn clean(&self) -> bool {
        self.conflicts.is_empty() && self.errors.is_empty()
    }
}

/// Refused answers, one line each, by question title: "“Peak request rate”: Enter a number from
/// 0 to 1,000,000 (req/s)."
fn refusals(q: &Questionnaire, errors: &[(String, String)]) -> String {
    errors
        .iter()
        .map(|(qid, e)| {
            let title = q
                .questions
                .iter()
                .find(|x| x.id.as_str() == qid)
                .map_or(qid.as_str(), |x| &*x.title);
            format!("“{title}”: {e}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The answer a form describes for one question, or why it is wrong.
fn answer_from_fields(q: &Question, fields: &QuestionFields) -> Result<Option<Answer>, String> {
    let note = fields.note.trim();
    let note = (!note.is_empty()).then(|| note.to_owned());
    if note.as_ref().is_some_and(|n| n.chars().count() > 5_000) {
        return Err("The note is longer than 5,000 characters.".into());
    }
    if fields.not_applicable {
        let reason = fields.na_reason.trim();
        if reason.is_empty() {
            return Err("Say why it does not apply to this workload.".into());
        }
        if reason.chars().count() > 2_000 {
            return Err("The reason is longer than 2,000 characters.".into());
        }
        return Ok(Some(Answer {
            value: AnswerValue::NotApplicable(reason.to_owned()),
            note,
        }));
    }
    let json = match q.kind {
        QuestionKind::Single | QuestionKind::Text => match fields.values.as_slice() {
            [] => return Ok(None),
            [one] if one.trim().is_empty() => return Ok(None),
            [one] => serde_json::Value::String(one.clone()),
            _ => return Err("Choose one answer.".into()),
        },
        QuestionKind::Multi => {
            if fields.values.is_empty() {
                return Ok(None);
            }
            serde_json::Value::Array(
                fields
                    .values
                    .iter()
                    .cloned()
                    .map(serde_json::Value::String)
                    .collect(),
            )
        }
        QuestionKind::Number => match fields.values.as_slice() {
            [] => return Ok(None),
            [one] if one.trim().is_empty() => return Ok(None),
            [one] => match one.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => serde_json::json!(x),
                _ => {
                    return Err(format!(
                        "“{one}” is not a number: enter digits only, such as 250 or 0.5."
                    ));
                }
            },
            _ => return Err("Enter one number.".into()),
        },
    };
    questionnaires::answers::check_value(q, &json)
        .map(|value| Some(Answer { value, note }))
        .map_err(|_| refusal(q, &json))
}

/// Why a value the form sent is not one the question takes, in its own words (the check's own
/// messages name ids, for answers files).
fn refusal(q: &Question, value: &serde_json::Value) -> String {
    if let (Some(spec), Some(x)) = (&q.number, value.as_f64()) {
        let unit = if spec.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", spec.unit)
        };
        return format!(
            "{} is out of range: enter a number from {} to {}{unit}.",
            grouped(x),
            grouped(spec.min),
            grouped(spec.max)
        );
    }
    if q.kind == QuestionKind::Text {
        return "The answer is longer than 10,000 characters.".into();
    }
    let picked: Vec<&str> = match value {
        serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
        serde_json::Value::String(one) => vec![one.as_str()],
        _ => Vec::new(),
    };
    if let Some(unknown) = picked.iter().find(|c| q.choice_index(c).is_none()) {
        return format!("“{unknown}” is not one of this question's answers: reload the page.");
    }
    if let Some(none) = q
        .choices
        .iter()
        .find(|c| c.none_of_these && picked.contains(&c.id.as_str()))
        .filter(|_| picked.len() > 1)
    {
        return format!(
            "“{}” cannot go with other answers: choose it alone.",
            none.title
        );
    }
    "This answer is not one the question takes.".into()
}

/// The fields one question posts.
#[derive(Debug, Default)]
struct QuestionFields {
    values: Vec<String>,
    not_applicable: bool,
    na_reason: String,
    note: String,
    version: Option<i64>,
    raw: Vec<(String, String)>,
}

/// What an audit entry about an answer names: the question by its title, and the review.
pub fn audit_target(q: &Questionnaire, review: &str, question: &str) -> String {
    let title = q
        .questions
        .iter()
        .find(|x| x.id.as_str() == question)
        .map_or(question, |x| &*x.title);
    format!("“{title}” in {review}")
}

/// An answer as the audit log and a conflict show it: in the user's words (choice labels, the
/// number with its unit), at most 200 characters; "no answer" when there is none.
pub fn describe(q: &Questionnaire, question: &str, a: Option<&Answer>) -> String {
    match a {
        None => "no answer".into(),
        Some(a) => questionnaires::diff::describe(q, question, &a.value)
            .chars()
            .take(200)
            .collect(),
    }
}

/// Saves the review form of one area. Every field is checked first: any bad field refuses the
/// whole form (400, naming the field) and stores nothing. Then each changed answer is saved at
/// the version the page showed; a stale one becomes a conflict to resolve, never an overwrite.
///
/// A saved answer is confirmed. A press of Save (the form posts `save`) also confirms, as they
/// are, the carried-over answers the form showed; an autosave, which posts the whole form on
/// any change, confirms only the answers it changes.
pub async fn save_area_form(
    ctx: &AppContext,
    id: &str,
    area_id: &str,
    form: Vec<(String, String)>,
    mine: bool,
) -> Result<Flash, AppError> {
    let (assessment, _) = ctx.assessment(id, Role::Editor).await?;
    let q = &*ctx.questionnaire_of(&assessment).await?;
    let area = area_of(q, area_id)?;
    let mut flash = save_area(ctx, &assessment, q, area, form).await?.0;
    let index = q.areas.iter().position(|a| a.id == area.id).unwrap_or(0);
    let only = respondent(ctx, &assessment, mine).await?;
    flash.next = next_area(q, index, only.as_ref()).map_or_else(
        || format!("/assessments/{id}/results"),
        |a| area_href(id, a.id.as_str(), mine),
    );
    Ok(flash)
}

/// [`save_area_form`] once the assessment (which the actor may edit), its questionnaire and the
/// area are known. Every write of the form (saves, confirmations and their audit entries) is
/// one write ([`store::Store::save_area`]). With the outcome, every answer of the assessment as
/// that write left it (`None` when the form held no question, and nothing was written).
async fn save_area(
    ctx: &AppContext,
    assessment: &Assessment,
    q: &Questionnaire,
    area: &Area,
    form: Vec<(String, String)>,
) -> Result<(Flash, Option<BTreeMap<String, StoredAnswer>>), AppError> {
    let id = assessment.id.as_str();
    let pressed_save = form.iter().any(|(key, _)| key == "save");
    let mut by_question: BTreeMap<usize, QuestionFields> = BTreeMap::new();
    let mut errors = Vec::new();
    for (key, value) in form {
        let Some((kind, qid)) = key.split_once('.') else {
            if key != "save" {
                errors.push(format!("{key}: unknown field"));
            }
            continue;
        };
        let Some(qi) = area
            .questions
            .iter()
            .copied()
            .find(|&i| q.questions[i].id.as_str() == qid)
        else {
            errors.push(format!("{key}: `{qid}` is not a question of this area"));
            continue;
        };
        let f = by_question.entry(qi).or_default();
        f.raw.push((key.clone(), value.clone()));
        match kind {
            "q" => f.values.push(value),
            "na" => f.not_applicable = value == "on" || value == "true",
            "na_reason" => f.na_reason = value,
            "note" => f.note = value,
            "v" if value.is_empty() => f.version = None,
            "v" => match value.parse() {
                Ok(v) => f.version = Some(v),
                Err(_) => errors.push(format!("{key}: `{value}` is not a version")),
            },
            _ => errors.push(format!("{key}: unknown field")),
        }
    }
    if !errors.is_empty() {
        // Not a field a person can correct: the form did not come from this page.
        return Err(AppError::BadInput(format!(
            "This form does not match the page it was posted to; reload the page and answer again.\n{}",
            errors.join("\n")
        )));
    }
    let mut wanted = Vec::new();
    let mut refused = Vec::new();
    for (&qi, fields) in &by_question {
        let question = &q.questions[qi];
        match answer_from_fields(question, fields) {
            Ok(a) => wanted.push((qi, a)),
            Err(e) => refused.push((question.id.to_string(), e)),
        }
    }
    if !refused.is_empty() {
        // One wrong answer refuses the whole form: nothing is saved, and the page shows the
        // form again as it was sent, each refused answer marked with why.
        let flash = Flash {
            errors: refused,
            posted: by_question
                .into_values()
                .flat_map(|f| f.raw)
                .filter(|(k, _)| !k.starts_with("v."))
                .collect(),
            ..Flash::default()
        };
        return Ok((flash, None));
    }
    // On Save, the carried-over answers the form shows as they are, to confirm.
    let pending = if pressed_save {
        let (answers, stored) = answers_of(&ctx.store, q, id).await?;
        templates::to_confirm(q, &evaluate(q, &answers), &stored)
    } else {
        Vec::new()
    };
    let mut flash = Flash {
        saved: true,
        ..Flash::default()
    };
    if wanted.is_empty() {
        return Ok((flash, None));
    }
    // One write: which answers differ from the stored ones is decided in its transaction.
    let saved = ctx
        .store
        .save_area(AreaSave {
            assessment_id: id.to_owned(),
            team_id: assessment.team_id.clone(),
            who: ctx.actor.label(),
            now: now_ms(),
            changes: wanted
                .iter()
                .map(|(qi, answer)| {
                    let question_id = q.questions[*qi].id.as_str();
                    AreaChange {
                        question_id: question_id.to_owned(),
                        answer: answer.clone(),
                        version: by_question[qi].version,
                        confirm: pending.contains(qi),
                        detail: describe(q, question_id, answer.as_ref()),
                        target: audit_target(q, &assessment.name, question_id),
                    }
                })
                .collect(),
        })
        .await?;
    flash.confirmed = saved.confirmed;
    // What the stale writes lost to, as stored now.
    for (qi, answer) in wanted {
        let question = &q.questions[qi];
        if !saved.lost.iter().any(|l| l == question.id.as_str()) {
            continue;
        }
        let theirs = saved.answers.get(question.id.as_str());
        // Someone stored exactly this answer meanwhile: nothing would be lost.
        if theirs.map(|t| &t.answer) == answer.as_ref() {
            continue;
        }
        flash.saved = false;
        flash.conflicts.push(ConflictView {
            question: question.id.to_string(),
            title: question.title.to_string(),
            mine: describe(q, question.id.as_str(), answer.as_ref()),
            theirs: describe(q, question.id.as_str(), theirs.map(|t| &t.answer)),
            theirs_by: theirs.map(|t| t.updated_by.clone()).unwrap_or_default(),
            version: theirs.map(|t| t.version),
            fields: by_question[&qi]
                .raw
                .iter()
                .filter(|(k, _)| !k.starts_with("v."))
                .cloned()
                .collect(),
        });
    }
    Ok((flash, Some(saved.answers)))
}
