//! What an assessment gives: its evaluation, its report in every export format (now, or as a
//! milestone saved it), its starter project, its milestones, and what changed between two
//! snapshots. The downloads are the web app's own handlers (`report::routes`,
//! `scaffold::routes`): the same bytes, with errors in the API's shape (see
//! [`super::error::json_errors`]).

use crate::service::now_ms;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use questionnaires::{AnswerValue, Evaluation};
use serde::Deserialize;
use store::auth::{Actor, Role};
use utoipa::IntoParams;

use super::dto::{
    DiffDto, DiffSide, MilestoneDetail, MilestoneDto, MilestoneList, NewMilestoneBody, SavedAnswer,
    file_value,
};
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::report::export::{Export, Scope};
use crate::state::AppState;

/// The report formats the API serves: every download (the printable page is the web app's).
pub fn report_formats() -> impl Iterator<Item = Export> {
    Export::ALL.into_iter().filter(|e| *e != Export::Page)
}

/// The report routes: every format, for the review now and for a milestone.
pub fn report_routes() -> Vec<(String, MethodRouter<AppState>)> {
    let mut out = Vec::new();
    for export in report_formats() {
        out.push((
            format!("/api/v1/assessments/{{id}}/{}", export.file()),
            get(
                move |State(s): State<AppState>,
                      Extension(actor): Extension<Actor>,
                      headers: HeaderMap,
                      ApiPath(id): ApiPath<String>,
                      RawQuery(query): RawQuery| {
                    crate::report::routes::respond(
                        s,
                        actor,
                        headers,
                        Scope::Review(id),
                        export,
                        query,
                    )
                },
            ),
        ));
        out.push((
            format!(
                "/api/v1/assessments/{{id}}/milestones/{{milestone}}/{}",
                export.file()
            ),
            get(
                move |State(s): State<AppState>,
                      Extension(actor): Extension<Actor>,
                      headers: HeaderMap,
                      ApiPath((id, m)): ApiPath<(String, String)>,
                      RawQuery(query): RawQuery| {
                    crate::report::routes::respond(
                        s,
                        actor,
                        headers,
                        Scope::Milestone(id, m),
                        export,
                        query,
                    )
                },
            ),
        ));
    }
    out
}

/// The evaluation of an assessment's answers now.
///
/// Progress, scores, risks, recommendations, checks, cost and the improvement checklist: the
/// JSON `trellis evaluate` prints, without the workload.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/evaluation",
    tag = "results",
    params(("id" = String, Path, description = "The assessment")),
    responses((status = 200, description = "The evaluation", body = Object))
)]
pub async fn get_evaluation(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<Evaluation>, ApiError> {
    let c = state.context(actor);
    let (a, _) = c.assessment(&id, Role::Viewer).await?;
    Ok(axum::Json(crate::service::evaluation_of(&c, &a).await?))
}

/// The starter's choices.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScaffoldQuery {
    /// The pattern (default: the best-ranked pattern that has a starter).
    #[param(schema_with = pattern_schema)]
    pattern: Option<String>,
    /// The handlers' language (default: `python`).
    #[param(schema_with = runtime_schema)]
    runtime: Option<String>,
    /// The infrastructure as code (default: `sam`).
    #[param(schema_with = iac_schema)]
    iac: Option<String>,
}

fn one_of(values: impl IntoIterator<Item = &'static str>) -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values))
        .build()
}

fn pattern_schema() -> utoipa::openapi::schema::Object {
    one_of(questionnaires::scaffold::Pattern::ALL.map(|p| p.as_str()))
}

fn runtime_schema() -> utoipa::openapi::schema::Object {
    one_of(questionnaires::scaffold::Runtime::ALL.map(|r| r.as_str()))
}

fn iac_schema() -> utoipa::openapi::schema::Object {
    one_of(questionnaires::scaffold::Iac::ALL.map(|i| i.as_str()))
}

impl ScaffoldQuery {
    /// The web app's parameters; an empty value is refused here (the web form sends empty
    /// values for "the default", the API leaves them out).
    fn params(self) -> Result<crate::scaffold::routes::Params, ApiError> {
        for (name, value) in [
            ("pattern", &self.pattern),
            ("runtime", &self.runtime),
            ("iac", &self.iac),
        ] {
            if value.as_deref().is_some_and(str::is_empty) {
                return Err(ApiError::bad_input(format!(
                    "{name}: empty; leave it out for the default"
                )));
            }
        }
        Ok(crate::scaffold::routes::Params::of(
            self.pattern,
            self.runtime,
            self.iac,
        ))
    }
}

/// The starter project of an assessment (reviews on the built-in questionnaire), as a zip.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/scaffold.zip",
    tag = "results",
    params(("id" = String, Path, description = "The assessment"), ScaffoldQuery),
    responses((status = 200, description = "The starter project", content_type = "application/zip", body = Vec<u8>))
)]
pub async fn get_scaffold(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ScaffoldQuery>,
) -> Response {
    let params = match query.params() {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    crate::scaffold::routes::respond(
        state,
        actor,
        headers,
        Scope::Review(id),
        params,
        crate::scaffold::routes::Want::Zip,
        crate::chrome::Chrome::default(),
    )
    .await
}

/// An assessment's milestones, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/milestones",
    tag = "milestones",
    params(("id" = String, Path, description = "The assessment")),
    responses((status = 200, description = "The milestones", body = MilestoneList))
)]
pub async fn list_milestones(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<MilestoneList>, ApiError> {
    let c = state.context(actor);
    let (a, _) = c.assessment(&id, Role::Viewer).await?;
    let items = c
        .store
        .milestones(&a.id)
        .await?
        .into_iter()
        .map(MilestoneDto::from)
        .collect();
    Ok(axum::Json(MilestoneList { items }))
}

/// Save a milestone: the answers as they are now, and their evaluation.
#[utoipa::path(
    post,
    path = "/api/v1/assessments/{id}/milestones",
    tag = "milestones",
    params(("id" = String, Path, description = "The assessment")),
    request_body = NewMilestoneBody,
    responses(
        (status = 201, description = "Saved", body = MilestoneDto,
         headers(("location" = String, description = "The milestone's address in the API")))
    )
)]
pub async fn create_milestone(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewMilestoneBody>,
) -> Result<Response, ApiError> {
    let c = state.context(actor);
    let (a, _) = c.assessment(&id, Role::Editor).await?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::fields(vec![(
            "name".to_owned(),
            "a milestone needs a name of 1 to 100 characters".to_owned(),
        )]));
    }
    let q = c.questionnaire_of(&a).await?;
    let (answers, evaluation, _) = crate::service::state_of(&c, &a, "current").await?;
    let row = store::MilestoneRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        name: name.to_owned(),
        created_by: c.actor.label(),
        created_at: now_ms(),
        questionnaire_hash: q.content_hash.clone(),
    };
    let event = crate::service::webhooks::milestone_event(&a, &row, &evaluation);
    c.store
        .create_milestone_raising(&row, &a.id, &answers, &evaluation, event.as_slice())
        .await?;
    if let Some(team) = &a.team_id {
        c.store
            .audit(
                team,
                &c.actor.label(),
                "milestone",
                &a.name,
                &format!("saved \"{name}\""),
                row.created_at,
            )
            .await?;
    }
    let location = format!("/api/v1/assessments/{}/milestones/{}", a.id, row.id);
    let mut res = (StatusCode::CREATED, axum::Json(MilestoneDto::from(row))).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// A milestone with its answers and their evaluation then.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/milestones/{milestone}",
    tag = "milestones",
    params(
        ("id" = String, Path, description = "The assessment"),
        ("milestone" = String, Path, description = "The milestone")
    ),
    responses((status = 200, description = "The milestone", body = MilestoneDetail))
)]
pub async fn get_milestone(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((id, milestone)): ApiPath<(String, String)>,
) -> Result<axum::Json<MilestoneDetail>, ApiError> {
    let c = state.context(actor);
    let (a, _) = c.assessment(&id, Role::Viewer).await?;
    if milestone == "current" {
        return Err(ApiError::not_found("There is no such milestone."));
    }
    let (answers, evaluation, row) = crate::service::state_of(&c, &a, &milestone).await?;
    let row = row.ok_or_else(|| ApiError::not_found("There is no such milestone."))?;
    let q = c.questionnaire_of(&a).await?;
    let answers = answers
        .iter()
        .map(|(qid, answer)| SavedAnswer {
            question_id: qid.to_string(),
            value: file_value(&q, qid.as_str(), &answer.value),
            not_applicable: match &answer.value {
                AnswerValue::NotApplicable(r) => Some(r.clone()),
                _ => None,
            },
            note: answer.note.clone(),
        })
        .collect();
    let evaluation =
        serde_json::to_value(&evaluation).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(axum::Json(MilestoneDetail {
        milestone: row.into(),
        answers,
        evaluation,
    }))
}

/// Which two snapshots to compare.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The earlier side: a milestone id, or `current`.
    from: String,
    /// The later side: a milestone id, or `current` (the default).
    to: Option<String>,
}

/// What changed between two snapshots of an assessment (milestones, or the answers now).
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/diff",
    tag = "milestones",
    params(("id" = String, Path, description = "The assessment"), DiffQuery),
    responses((status = 200, description = "The changes", body = DiffDto))
)]
pub async fn get_diff(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> Result<axum::Json<DiffDto>, ApiError> {
    let c = state.context(actor);
    let (a, _) = c.assessment(&id, Role::Viewer).await?;
    let to =
        q.to.filter(|t| !t.is_empty())
            .unwrap_or_else(|| "current".to_owned());
    let (from_label, to_label, diff) = crate::service::diff_of(&c, &a, &q.from, &to).await?;
    Ok(axum::Json(DiffDto {
        from: DiffSide {
            id: q.from,
            label: from_label,
        },
        to: DiffSide {
            id: to,
            label: to_label,
        },
        diff: serde_json::to_value(&diff).map_err(|e| ApiError::internal(e.to_string()))?,
    }))
}

/// What changed between two snapshots, as the Markdown the web app downloads.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/diff.md",
    tag = "milestones",
    params(("id" = String, Path, description = "The assessment"), DiffQuery),
    responses((status = 200, description = "The changes, in Markdown", content_type = "text/markdown", body = String))
)]
pub async fn get_diff_markdown(
    state: State<AppState>,
    actor: Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(compare): ApiQuery<crate::report::routes::Compare>,
) -> Response {
    crate::report::routes::diff(
        state,
        actor,
        axum::extract::Path(id),
        axum::extract::Query(compare),
    )
    .await
}
