//! An answers file for an assessment, in one request: the JSON form of what `trellis evaluate`
//! reads, checked whole against the assessment's questionnaire, then merged into its answers or
//! replacing them, in one transaction. What `trellis push` sends.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use questionnaires::{Answer, AnswerValue};
use serde::Deserialize;
use store::auth::{Actor, Role};
use store::{AnswerWrite, Changed, Expect};
use utoipa::IntoParams;

use super::answers::{MAX_NOTE, MAX_REASON, open, result, write};
use super::dto::{AnswersFileBody, WriteResult};
use super::error::{ApiError, ApiPath, ApiQuery, json_text};
use crate::state::AppState;

/// How an answers file meets the stored answers.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Set the file's answers; keep the others.
    #[default]
    Merge,
    /// Set the file's answers and clear every other: the review then holds exactly the file.
    Replace,
}

/// How to apply an answers file.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// `merge` (the default) or `replace`.
    #[param(inline)]
    mode: Option<Mode>,
}

/// Apply a whole answers file to an assessment, in one transaction.
///
/// The file is the JSON form of what `trellis evaluate` reads. It is checked whole against the
/// assessment's questionnaire, then merged into its answers or replacing them. The file is the
/// source of truth: no versions. Its workload is checked, not applied.
#[utoipa::path(
    put,
    path = "/api/v1/assessments/{id}/answers-file",
    tag = "answers",
    params(("id" = String, Path, description = "The assessment"), FileQuery),
    request_body = AnswersFileBody,
    responses(
        (status = 200, description = "Applied", body = WriteResult),
        (status = 409, description = "An answer changed while the file was applied; nothing was stored", body = super::error::ErrorBody)
    )
)]
pub async fn put_answers_file(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<FileQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (c, a, q) = open(state, actor, &id, Role::Editor).await?;
    let text = json_text(&headers, &body)?;
    let file = questionnaires::parse_answers_file(&text, questionnaires::Format::Json, &q)
        .map_err(|errors| {
            ApiError::fields(
                errors
                    .into_iter()
                    .map(|e| {
                        let key = if e.key.is_empty() {
                            "body".to_owned()
                        } else {
                            e.key
                        };
                        (key, e.message)
                    })
                    .collect(),
            )
        })?;
    let mut errors = Vec::new();
    for (qid, answer) in &file.answers {
        if answer
            .note
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_NOTE)
        {
            errors.push((
                format!("answers.{qid}.note"),
                "at most 5,000 characters".to_owned(),
            ));
        }
        if let AnswerValue::NotApplicable(r) = &answer.value
            && r.chars().count() > MAX_REASON
        {
            errors.push((
                format!("answers.{qid}.not_applicable"),
                "at most 2,000 characters".to_owned(),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let writes: Vec<AnswerWrite> = file
        .answers
        .into_iter()
        .map(|(qid, answer)| AnswerWrite {
            question_id: qid.to_string(),
            answer: Some(Answer {
                note: answer
                    .note
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty()),
                value: answer.value,
            }),
            expect: Expect::Anything,
        })
        .collect();
    let replace = matches!(query.mode.unwrap_or_default(), Mode::Replace);
    let before = c.store.answers(&a.id).await?;
    let target = format!("answers file for {}", a.name);
    let summary = move |changed: &[Changed]| {
        vec![(
            target.clone(),
            format!(
                "{} answer(s) changed ({})",
                changed.len(),
                if replace { "replaced" } else { "merged" }
            ),
        )]
    };
    let r = write(&c, &a, &q, &writes, replace, Box::new(summary)).await?;
    let mut out = result(&q, r);
    if replace {
        out.cleared.extend(
            before
                .into_iter()
                .map(|s| s.question_id)
                .filter(|qid| !writes.iter().any(|w| &w.question_id == qid)),
        );
    }
    Ok(axum::Json(out).into_response())
}
