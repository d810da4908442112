//! Answers: read them all, write one, clear one, or write many (a whole answers file is
//! [`super::answers_file`]'s). Every value is checked against the assessment's questionnaire
//! first (a bad one refuses the request, naming the field, and stores nothing); every write names
//! the version it read, and a stale one is a 409 with the answer as it is now. Several writes go
//! in one transaction: all or none.

use crate::service::{AppContext, now_ms};
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use questionnaires::model::Question;
use questionnaires::{Answer, AnswerValue, Questionnaire};
use serde::Deserialize;
use serde_json::Value;
use store::auth::{Actor, Role};
use store::{
    AnswerWrite, Assessment, AuditEntries, BatchAudit, BatchError, BatchResult, Changed, Expect,
};
use utoipa::IntoParams;

use super::dto::{AnswerDto, AnswerInput, AnswerList, BatchBody, WriteResult};
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

/// The longest note, as the review form takes it.
pub(super) const MAX_NOTE: usize = 5_000;
/// The longest "not applicable" reason.
pub(super) const MAX_REASON: usize = 2_000;

/// The answer a request describes for a question, or each problem as (field, message).
fn answer_of(
    question: &Question,
    field: &str,
    value: Option<&Value>,
    not_applicable: Option<&str>,
    note: Option<&str>,
) -> Result<Answer, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE) {
        errors.push((
            format!("{field}.note"),
            "at most 5,000 characters".to_owned(),
        ));
    }
    let value = match (value, not_applicable) {
        (Some(_), Some(_)) => {
            errors.push((
                field.to_owned(),
                "has both `value` and `not_applicable`; keep one".to_owned(),
            ));
            None
        }
        (None, None) => {
            errors.push((
                field.to_owned(),
                "needs `value` or `not_applicable`".to_owned(),
            ));
            None
        }
        (None, Some(reason)) => {
            let reason = reason.trim();
            if reason.is_empty() {
                errors.push((
                    format!("{field}.not_applicable"),
                    "not applicable needs a reason".to_owned(),
                ));
                None
            } else if reason.chars().count() > MAX_REASON {
                errors.push((
                    format!("{field}.not_applicable"),
                    "at most 2,000 characters".to_owned(),
                ));
                None
            } else {
                Some(AnswerValue::NotApplicable(reason.to_owned()))
            }
        }
        (Some(v), None) => match questionnaires::answers::check_value(question, v) {
            Ok(v) => Some(v),
            Err(problems) => {
                for p in problems {
                    errors.push((format!("{field}.value"), p.message));
                }
                None
            }
        },
    };
    match value {
        Some(value) if errors.is_empty() => Ok(Answer {
            value,
            note: note.map(str::to_owned),
        }),
        _ => Err(errors),
    }
}

/// The assessment, its questionnaire, and the caller's context, for a role.
pub(super) async fn open(
    state: AppState,
    actor: Actor,
    id: &str,
    need: Role,
) -> Result<(AppContext, Assessment, std::sync::Arc<Questionnaire>), ApiError> {
    let c = state.context(actor);
    let (a, _) = c.assessment(id, need).await?;
    let q = c.questionnaire_of(&a).await?;
    Ok((c, a, q))
}

fn question<'q>(q: &'q Questionnaire, id: &str) -> Result<&'q Question, ApiError> {
    q.question(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "There is no question `{id}` in this assessment's questionnaire ({}).",
            q.id
        ))
    })
}

/// A 409 for conflicting writes, with what each question holds now.
fn conflicts(q: &Questionnaire, list: Vec<(String, Option<store::StoredAnswer>)>) -> ApiError {
    let names: Vec<String> = list.iter().map(|(qid, _)| format!("`{qid}`")).collect();
    let details: Vec<Value> = list
        .iter()
        .map(|(qid, current)| {
            serde_json::json!({
                "question_id": qid,
                "current": current.as_ref().map(|s| AnswerDto::of(q, s)),
            })
        })
        .collect();
    let message = format!(
        "Nothing was saved: {} changed since you read {}; reload and decide.",
        names.join(", "),
        if list.len() == 1 { "it" } else { "them" }
    );
    let mut details = serde_json::json!({ "conflicts": details });
    if let [(_, current)] = list.as_slice() {
        details["current"] = serde_json::json!(current.as_ref().map(|s| AnswerDto::of(q, s)));
    }
    ApiError::new(StatusCode::CONFLICT, message).with_details(details)
}

/// Writes answers all together or not at all, with the audit entries `audit` gives for what
/// changed, in the same transaction.
pub(super) async fn write(
    c: &AppContext,
    a: &Assessment,
    q: &Questionnaire,
    writes: &[AnswerWrite],
    clear_others: bool,
    audit: Box<AuditEntries>,
) -> Result<BatchResult, ApiError> {
    let audit = a.team_id.clone().map(|team_id| BatchAudit {
        team_id,
        entries: audit,
    });
    c.store
        .write_answers(
            &a.id,
            writes,
            clear_others,
            &c.actor.label(),
            now_ms(),
            audit,
        )
        .await
        .map_err(|e| match e {
            BatchError::Conflict(list) => conflicts(q, list),
            BatchError::Store(e) => e.into(),
        })
}

/// The audit entries of a write to `a`: [`each_answer`].
fn audit_each(q: &std::sync::Arc<Questionnaire>, a: &Assessment) -> Box<AuditEntries> {
    let (q, review) = (q.clone(), a.name.clone());
    Box::new(move |changed| each_answer(&q, &review, changed))
}

/// One audit entry per changed answer: the question and the review, in words, and its new value.
pub(super) fn each_answer(
    q: &Questionnaire,
    review: &str,
    changed: &[Changed],
) -> Vec<(String, String)> {
    changed
        .iter()
        .map(|c| {
            let text = crate::service::describe(q, &c.question_id, c.answer.as_ref());
            (
                crate::service::audit_target(q, review, &c.question_id),
                text,
            )
        })
        .collect()
}

pub(super) fn result(q: &Questionnaire, r: BatchResult) -> WriteResult {
    let mut answers = Vec::new();
    let mut cleared = Vec::new();
    for (qid, stored) in r.answers {
        match stored {
            Some(s) => answers.push(AnswerDto::of(q, &s)),
            None => cleared.push(qid),
        }
    }
    WriteResult {
        changed: r.changed,
        answers,
        cleared,
    }
}

/// Every answer of an assessment, each with its version.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/answers",
    tag = "answers",
    params(("id" = String, Path, description = "The assessment")),
    responses((status = 200, description = "The answers", body = AnswerList))
)]
pub async fn list_answers(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<AnswerList>, ApiError> {
    let (c, a, q) = open(state, actor, &id, Role::Viewer).await?;
    let items = c
        .store
        .answers(&a.id)
        .await?
        .iter()
        .map(|s| AnswerDto::of(&q, s))
        .collect();
    Ok(axum::Json(AnswerList { items }))
}

/// Store one answer, at the version read (none: there was no answer).
#[utoipa::path(
    put,
    path = "/api/v1/assessments/{id}/answers/{question_id}",
    tag = "answers",
    params(
        ("id" = String, Path, description = "The assessment"),
        ("question_id" = String, Path, description = "The question")
    ),
    request_body = AnswerInput,
    responses(
        (status = 200, description = "Stored", body = AnswerDto),
        (status = 409, description = "The version is stale: `details.current` is the answer now (or null)", body = super::error::ErrorBody)
    )
)]
pub async fn put_answer(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((id, question_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<AnswerInput>,
) -> Result<axum::Json<AnswerDto>, ApiError> {
    let (c, a, q) = open(state, actor, &id, Role::Editor).await?;
    let question = question(&q, &question_id)?;
    let answer = answer_of(
        question,
        question.id.as_str(),
        body.value.as_ref(),
        body.not_applicable.as_deref(),
        body.note.as_deref(),
    )
    .map_err(ApiError::fields)?;
    let w = AnswerWrite {
        question_id: question.id.to_string(),
        answer: Some(answer),
        expect: body.version.map_or(Expect::Nothing, Expect::Version),
    };
    let r = write(
        &c,
        &a,
        &q,
        std::slice::from_ref(&w),
        false,
        audit_each(&q, &a),
    )
    .await?;
    match r.answers.into_iter().next().and_then(|(_, s)| s) {
        Some(s) => Ok(axum::Json(AnswerDto::of(&q, &s))),
        None => Err(ApiError::internal(
            "a stored answer is missing after its write",
        )),
    }
}

/// The version an answer was read at.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The version of the answer read.
    version: i64,
}

/// Clear one answer, at the version read.
#[utoipa::path(
    delete,
    path = "/api/v1/assessments/{id}/answers/{question_id}",
    tag = "answers",
    params(
        ("id" = String, Path, description = "The assessment"),
        ("question_id" = String, Path, description = "The question"),
        VersionQuery
    ),
    responses(
        (status = 204, description = "Cleared (or there was no answer)"),
        (status = 409, description = "The version is stale: `details.current` is the answer now", body = super::error::ErrorBody)
    )
)]
pub async fn delete_answer(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((id, question_id)): ApiPath<(String, String)>,
    ApiQuery(v): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let (c, a, q) = open(state, actor, &id, Role::Editor).await?;
    let question = question(&q, &question_id)?;
    let w = AnswerWrite {
        question_id: question.id.to_string(),
        answer: None,
        expect: Expect::Version(v.version),
    };
    write(
        &c,
        &a,
        &q,
        std::slice::from_ref(&w),
        false,
        audit_each(&q, &a),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Store several answers at once: all of them, or none when any is bad or stale.
#[utoipa::path(
    put,
    path = "/api/v1/assessments/{id}/answers",
    tag = "answers",
    params(("id" = String, Path, description = "The assessment")),
    request_body = BatchBody,
    responses(
        (status = 200, description = "Every answer stored", body = WriteResult),
        (status = 409, description = "Some versions are stale; nothing was stored. `details.conflicts` lists each question with its answer now", body = super::error::ErrorBody)
    )
)]
pub async fn put_answers(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<BatchBody>,
) -> Result<axum::Json<WriteResult>, ApiError> {
    let (c, a, q) = open(state, actor, &id, Role::Editor).await?;
    if body.answers.len() > 1000 {
        return Err(ApiError::bad_input("answers: at most 1,000 in one request"));
    }
    let mut errors = Vec::new();
    let mut writes: Vec<AnswerWrite> = Vec::new();
    for (i, item) in body.answers.iter().enumerate() {
        let field = format!("answers[{i}]");
        let Some(question) = q.question(&item.question_id) else {
            errors.push((
                format!("{field}.question_id"),
                format!("`{}` is not a question of {}", item.question_id, q.id),
            ));
            continue;
        };
        if writes.iter().any(|w| w.question_id == question.id.as_str()) {
            errors.push((
                format!("{field}.question_id"),
                format!("`{}` is named twice", item.question_id),
            ));
            continue;
        }
        let answer = if item.clear {
            if item.value.is_some() || item.not_applicable.is_some() || item.note.is_some() {
                errors.push((
                    field.clone(),
                    "`clear` takes no `value`, `not_applicable` or `note`".to_owned(),
                ));
                continue;
            }
            None
        } else {
            match answer_of(
                question,
                &field,
                item.value.as_ref(),
                item.not_applicable.as_deref(),
                item.note.as_deref(),
            ) {
                Ok(a) => Some(a),
                Err(e) => {
                    errors.extend(e);
                    continue;
                }
            }
        };
        writes.push(AnswerWrite {
            question_id: question.id.to_string(),
            answer,
            expect: item.version.map_or(Expect::Nothing, Expect::Version),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let r = write(&c, &a, &q, &writes, false, audit_each(&q, &a)).await?;
    Ok(axum::Json(result(&q, r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(id: &str) -> &'static Question {
        questionnaires::builtin()
            .question(id)
            .expect("a built-in question")
    }

    #[test]
    fn a_bad_value_names_its_field_and_a_good_one_passes() {
        let q = question("peak_rps");
        let e = answer_of(
            q,
            "answers[0]",
            Some(&serde_json::json!("many")),
            None,
            None,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "answers[0].value");
        let ok = answer_of(q, "x", Some(&serde_json::json!(12)), None, Some("  n "));
        assert_eq!(
            ok.ok(),
            Some(Answer {
                value: AnswerValue::Number(12.0),
                note: Some("n".into())
            })
        );
    }

    #[test]
    fn value_and_not_applicable_exclude_each_other() {
        let q = question("peak_rps");
        assert!(answer_of(q, "x", Some(&serde_json::json!(1)), Some("n/a"), None).is_err());
        assert!(answer_of(q, "x", None, None, None).is_err());
        assert!(answer_of(q, "x", None, Some("  "), None).is_err());
        assert!(answer_of(q, "x", None, Some("batch only"), None).is_ok());
    }
}
