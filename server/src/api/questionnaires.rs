//! Questionnaires: the built-in review and the AWS Well-Architected custom lenses a team imports.
//! List, read (areas, questions, choices), export as lens JSON, import (a new lens, or the next
//! version of one), lint only, and the built-in catalog.

use std::sync::Arc;

use crate::service::lenses::{Import, version_label};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use questionnaires::Questionnaire;
use questionnaires::lens::{self, Finding};
use serde::Deserialize;
use store::LensRow;
use store::auth::{Actor, Role};
use utoipa::IntoParams;

use super::assessments::team_for;
use super::dto::{
    CatalogDoc, FindingDto, ImportResult, LensVersionDto, LintResult, QuestionnaireDetail,
    QuestionnaireList, QuestionnaireSummary,
};
use super::error::{ApiError, ApiPath, ApiQuery, json_text};
use crate::catalog::Catalog;
use crate::state::AppState;

fn builtin_summary(q: &Questionnaire) -> QuestionnaireSummary {
    QuestionnaireSummary {
        id: q.id.clone(),
        title: q.title.clone(),
        version: q.version.clone(),
        builtin: true,
        content_hash: q.content_hash.clone(),
        questions: q.questions.len(),
        team_id: None,
        created_by: None,
        created_at: None,
    }
}

fn lens_summary(row: &LensRow, questions: usize) -> QuestionnaireSummary {
    QuestionnaireSummary {
        id: row.id.clone(),
        title: row.name.clone(),
        version: version_label(row.version),
        builtin: false,
        content_hash: row.hash.clone(),
        questions,
        team_id: Some(row.team_id.clone()),
        created_by: Some(row.created_by.clone()),
        created_at: Some(row.created_at),
    }
}

fn warnings_of(row: &LensRow) -> Vec<FindingDto> {
    serde_json::from_str::<Vec<Finding>>(&row.warnings)
        .unwrap_or_default()
        .iter()
        .map(FindingDto::from)
        .collect()
}

/// The questionnaires the caller can run a review on.
///
/// The built-in one, then the latest version of each lens of the caller's teams (an API token's
/// team only).
#[utoipa::path(
    get,
    path = "/api/v1/questionnaires",
    tag = "questionnaires",
    responses((status = 200, description = "The questionnaires", body = QuestionnaireList))
)]
pub async fn list_questionnaires(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<axum::Json<QuestionnaireList>, ApiError> {
    let c = state.context(actor);
    c.user()?;
    let mut items = vec![builtin_summary(c.builtin)];
    for row in c.store.lenses(&c.lens_teams().await?).await? {
        if items.iter().any(|i| i.id == row.id) {
            continue;
        }
        let q = c.questionnaire_by(&row.id, &row.hash).await?;
        items.push(lens_summary(&row, q.questions.len()));
    }
    Ok(axum::Json(QuestionnaireList { items }))
}

/// Which version of a lens.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The lens version (default: the latest). The built-in review has one version.
    #[param(minimum = 1)]
    version: Option<i64>,
}

/// The questionnaire an id names, for the caller: the built-in one, or a lens version with its
/// row and every version.
async fn resolve(
    state: &AppState,
    actor: Actor,
    id: &str,
    version: Option<i64>,
) -> Result<(Arc<Questionnaire>, Option<(LensRow, Vec<LensRow>)>), ApiError> {
    let c = state.context(actor);
    c.user()?;
    if id == c.builtin.id {
        return Ok((crate::service::lenses::builtin(), None));
    }
    if version.is_some_and(|v| v < 1) {
        return Err(ApiError::bad_input("version: versions start at 1"));
    }
    let versions = c.lens_versions(id, Role::Viewer).await?;
    let (row, q) = c.lens(id, version).await?;
    Ok((q, Some((row, versions))))
}

/// A questionnaire with its areas, questions and choices.
///
/// Areas are a lens's pillars. A lens also lists its versions and the linter's warnings.
#[utoipa::path(
    get,
    path = "/api/v1/questionnaires/{id}",
    tag = "questionnaires",
    params(("id" = String, Path, description = "`serverless-review` or a lens id"), VersionQuery),
    responses((status = 200, description = "The questionnaire", body = QuestionnaireDetail))
)]
pub async fn get_questionnaire(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<axum::Json<QuestionnaireDetail>, ApiError> {
    let (q, lens) = resolve(&state, actor, &id, query.version).await?;
    let catalog = Catalog::of(&q);
    let detail = match lens {
        None => QuestionnaireDetail {
            questionnaire: builtin_summary(&q),
            description: q.description.clone(),
            areas: catalog.areas,
            versions: Vec::new(),
            warnings: Vec::new(),
            omitted: lens::export(&q).omitted,
        },
        Some((row, all)) => QuestionnaireDetail {
            questionnaire: lens_summary(&row, q.questions.len()),
            description: q.description.clone(),
            areas: catalog.areas,
            versions: all
                .iter()
                .map(|r| LensVersionDto {
                    version: r.version,
                    name: r.name.clone(),
                    content_hash: r.hash.clone(),
                    created_by: r.created_by.clone(),
                    created_at: r.created_at,
                })
                .collect(),
            warnings: warnings_of(&row),
            omitted: lens::export(&q).omitted,
        },
    };
    Ok(axum::Json(detail))
}

/// A questionnaire as AWS Well-Architected custom-lens JSON.
///
/// `schemaVersion` 2021-11-01, the built-in questionnaire included: what the web app's export
/// downloads.
#[utoipa::path(
    get,
    path = "/api/v1/questionnaires/{id}/lens.json",
    tag = "questionnaires",
    params(("id" = String, Path, description = "`serverless-review` or a lens id"), VersionQuery),
    responses((status = 200, description = "The lens JSON", body = Object))
)]
pub async fn export_questionnaire(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<Response, ApiError> {
    let (q, lens) = resolve(&state, actor, &id, query.version).await?;
    let json = crate::lenses::lens_json(&q)?;
    let name = match lens {
        Some((row, _)) => format!("{id}-{}.json", version_label(row.version)),
        None => format!("{id}-{}.json", q.version),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        json,
    )
        .into_response())
}

/// The team to import into.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamQuery {
    /// The team (default: an API token's team, or the user's only team).
    #[param(min_length = 1)]
    team: Option<String>,
}

fn import_response(import: Import, q_questions: impl Fn(&LensRow) -> usize) -> Response {
    match import {
        Import::Imported { row, warnings } => (
            StatusCode::CREATED,
            axum::Json(ImportResult {
                questionnaire: lens_summary(&row, q_questions(&row)),
                unchanged: false,
                warnings: warnings.iter().map(FindingDto::from).collect(),
            }),
        )
            .into_response(),
        Import::Unchanged(row) => (
            StatusCode::OK,
            axum::Json(ImportResult {
                questionnaire: lens_summary(&row, q_questions(&row)),
                unchanged: true,
                warnings: warnings_of(&row),
            }),
        )
            .into_response(),
        Import::Rejected(findings) => {
            let result = LintResult::of(&findings);
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "The lens has {} error(s) and {} warning(s); nothing was imported.",
                    result.errors, result.warnings
                ),
            )
            .with_details(serde_json::json!({ "findings": result.findings }))
            .into_response()
        }
    }
}

async fn import(
    state: AppState,
    actor: Actor,
    team: Option<&str>,
    into: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let c = state.context(actor);
    c.user()?;
    let json = json_text(headers, body)?;
    let team = match into {
        Some(id) => {
            if id == c.builtin.id {
                return Err(ApiError::bad_input(
                    "The built-in questionnaire has no imported versions; import a new lens instead.",
                ));
            }
            c.lens_versions(id, Role::Editor)
                .await?
                .first()
                .map(|r| r.team_id.clone())
                .ok_or_else(|| ApiError::not_found(format!("There is no questionnaire `{id}`.")))?
        }
        None => team_for(&c, team).await?,
    };
    let imported = c.import_lens(&team, into, &json).await?;
    let questions = match &imported {
        Import::Imported { row, .. } | Import::Unchanged(row) => c
            .questionnaire_by(&row.id, &row.hash)
            .await?
            .questions
            .len(),
        Import::Rejected(_) => 0,
    };
    Ok(import_response(imported, |_| questions))
}

/// Import a lens as a new questionnaire of a team.
///
/// The body is the lens JSON. It is checked first: a lens with errors is not imported, and
/// comes back with every finding.
#[utoipa::path(
    post,
    path = "/api/v1/questionnaires",
    tag = "questionnaires",
    params(TeamQuery),
    request_body(content = Object, description = "The lens JSON, at most 500 KB", content_type = "application/json"),
    responses(
        (status = 201, description = "Imported, with the linter's warnings", body = ImportResult),
        (status = 422, description = "The lens has errors; nothing was imported. `details.findings` has every finding", body = super::error::ErrorBody)
    )
)]
pub async fn import_questionnaire(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiQuery(query): ApiQuery<TeamQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    import(state, actor, query.team.as_deref(), None, &headers, &body).await
}

/// Import the next version of a lens.
///
/// The body is the lens JSON. A file identical to the latest version adds none (200,
/// `unchanged`).
#[utoipa::path(
    post,
    path = "/api/v1/questionnaires/{id}/versions",
    tag = "questionnaires",
    params(("id" = String, Path, description = "The lens")),
    request_body(content = Object, description = "The lens JSON, at most 500 KB", content_type = "application/json"),
    responses(
        (status = 201, description = "A new version, with the linter's warnings", body = ImportResult),
        (status = 200, description = "The file is the latest version already", body = ImportResult),
        (status = 422, description = "The lens has errors; nothing was imported. `details.findings` has every finding", body = super::error::ErrorBody)
    )
)]
pub async fn import_version(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    import(state, actor, None, Some(&id), &headers, &body).await
}

/// Check a lens without importing it.
///
/// The body is the lens JSON.
#[utoipa::path(
    post,
    path = "/api/v1/lint",
    tag = "questionnaires",
    request_body(content = Object, description = "The lens JSON, at most 500 KB", content_type = "application/json"),
    responses((status = 200, description = "What the linter found", body = LintResult))
)]
pub async fn lint_lens(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<LintResult>, ApiError> {
    let c = state.context(actor);
    c.user()?;
    let json = json_text(&headers, &body)?;
    if json.len() > crate::service::lenses::MAX_LENS_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "body: the lens is {} KB; a lens may be at most 500 KB",
                json.len().div_ceil(1024)
            ),
        ));
    }
    // Parsing and linting are CPU work: on the blocking pool, a few at a time (see
    // `crate::service::heavy`).
    let result = c
        .heavy
        .run("checking a lens", move || {
            match serde_json::from_str::<serde_json::Value>(&json) {
                Ok(serde_json::Value::Object(_)) => {}
                Ok(_) => {
                    return Err(ApiError::bad_input(
                        "body: a lens is a JSON object, with `schemaVersion`, `name` and `pillars`",
                    ));
                }
                Err(e) => return Err(ApiError::bad_input(format!("body: not valid JSON: {e}"))),
            }
            Ok(LintResult::of(&lens::lint(&json)))
        })
        .await??;
    Ok(axum::Json(result))
}

/// The built-in review's questions and patterns, as a stable JSON contract.
///
/// What `trellis catalog --format json` prints. Public.
#[utoipa::path(
    get,
    path = "/api/v1/catalog",
    tag = "questionnaires",
    security(()),
    responses((status = 200, description = "The catalog", body = CatalogDoc))
)]
pub async fn get_catalog(State(state): State<AppState>) -> axum::Json<Catalog> {
    axum::Json(Catalog::of(state.builtin))
}
