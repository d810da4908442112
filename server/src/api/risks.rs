//! Accepted risks: list an assessment's (with whether each still covers its risk), accept the
//! risk a question raises with a reason, and withdraw an acceptance. Accepting changes no score.
//! Writes need the editor role, as every other edit of a review does.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use store::auth::Actor;

use super::dto::{AcceptRiskBody, AcceptanceDto, AcceptanceList};
use super::error::{ApiError, ApiJson, ApiPath};
use crate::state::AppState;

/// An assessment's accepted risks, lapsed ones included.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/acceptances",
    tag = "risks",
    params(("id" = String, Path, description = "The assessment")),
    responses((status = 200, description = "The accepted risks", body = AcceptanceList))
)]
pub async fn list_acceptances(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<AcceptanceList>, ApiError> {
    let c = state.context(actor);
    let items = crate::service::acceptances(&c, &id)
        .await?
        .into_iter()
        .map(AcceptanceDto::from)
        .collect();
    Ok(axum::Json(AcceptanceList { items }))
}

/// Accept the risk a question raises now, at its level, with a reason; an earlier acceptance of
/// it is replaced.
#[utoipa::path(
    put,
    path = "/api/v1/assessments/{id}/acceptances/{question_id}",
    tag = "risks",
    params(
        ("id" = String, Path, description = "The assessment"),
        ("question_id" = String, Path, description = "The question whose risk is accepted")
    ),
    request_body = AcceptRiskBody,
    responses(
        (status = 200, description = "Accepted", body = AcceptanceDto),
        (status = 400, description = "The reason is blank or longer than 2,000 characters", body = super::error::ErrorBody),
        (status = 409, description = "The question raises no risk now, or not at the level sent", body = super::error::ErrorBody)
    )
)]
pub async fn accept_risk(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((id, question_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<AcceptRiskBody>,
) -> Result<axum::Json<AcceptanceDto>, ApiError> {
    let c = state.context(actor);
    let accepted =
        crate::service::accept_risk(&c, &id, &question_id, body.level.as_deref(), &body.reason)
            .await?;
    Ok(axum::Json(accepted.into()))
}

/// Withdraw the acceptance of a question's risk.
#[utoipa::path(
    delete,
    path = "/api/v1/assessments/{id}/acceptances/{question_id}",
    tag = "risks",
    params(
        ("id" = String, Path, description = "The assessment"),
        ("question_id" = String, Path, description = "The question whose risk was accepted")
    ),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 404, description = "The risk is not accepted", body = super::error::ErrorBody)
    )
)]
pub async fn withdraw_risk(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((id, question_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let c = state.context(actor);
    crate::service::withdraw_risk(&c, &id, &question_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
