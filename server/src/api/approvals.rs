//! Sign-off: list a review's approvals, and approve it as it stands (owners), accepting each
//! blocker with a reason. An approval saves a milestone; approving again with the same answers
//! is a conflict.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use store::auth::Actor;

use super::dto::{ApprovalDto, ApprovalList, ApproveBody};
use super::error::{ApiError, ApiJson, ApiPath};
use crate::state::AppState;

/// A review's approvals, newest first, and whether its answers changed since the latest.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/approvals",
    tag = "sign-off",
    params(("id" = String, Path, description = "The assessment")),
    responses((status = 200, description = "The approvals", body = ApprovalList))
)]
pub async fn list_approvals(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<ApprovalList>, ApiError> {
    let c = state.context(actor);
    let found = crate::service::approvals(&c, &id).await?;
    Ok(axum::Json(ApprovalList {
        items: found.items.into_iter().map(ApprovalDto::from).collect(),
        changed_since: found.changed_since,
    }))
}

/// Approve the review as it stands: saves a milestone with the approver, the time, the verdict
/// and every blocker accepted with its reason, and an audit entry. Owners only.
#[utoipa::path(
    post,
    path = "/api/v1/assessments/{id}/approvals",
    tag = "sign-off",
    params(("id" = String, Path, description = "The assessment")),
    request_body = ApproveBody,
    responses(
        (status = 201, description = "Approved", body = ApprovalDto),
        (status = 409, description = "The review is incomplete, or already approved with the same answers", body = super::error::ErrorBody),
        (status = 422, description = "A blocker has no reason (or one longer than 2,000 characters), a reason names no blocker, or the milestone's name is too long: the message names each", body = super::error::ErrorBody)
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ApproveBody>,
) -> Result<(StatusCode, axum::Json<ApprovalDto>), ApiError> {
    let c = state.context(actor);
    let approval = crate::service::approve(
        &c,
        &id,
        &crate::service::Approve {
            reasons: body.reasons,
            milestone: body.milestone,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(approval.into())))
}
