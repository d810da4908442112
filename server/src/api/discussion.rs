//! Discussion and assignment over the API: the comments under a question (read, write, edit
//! and delete your own at the version read), a review's assignees (read, set, clear), and what
//! needs the caller (`/api/v1/me/inbox`). Reading needs the viewer role; writing the editor role.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use store::auth::Actor;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::service::discussion::{self, Assignee, Comment};
use crate::service::inbox::Inbox;
use crate::state::AppState;

/// A question's comments, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentList {
    /// Deleted ones included (each shows only that it was deleted).
    pub items: Vec<Comment>,
}

/// A new comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommentBody {
    /// Markdown, at most 5,000 characters; `@handle` mentions a member of the review's team.
    pub body: String,
}

/// A comment's new text, at the version read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditCommentBody {
    /// Markdown, at most 5,000 characters.
    pub body: String,
    /// The comment's version when it was read: a newer one refuses the edit (409).
    pub version: i64,
}

/// The version a comment was read at, if the caller wants it checked.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteCommentQuery {
    /// The comment's version when it was read.
    version: Option<i64>,
}

/// A review's assignees.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssigneeList {
    /// Areas first.
    pub items: Vec<Assignee>,
}

/// Who answers an area or a question.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssigneeBody {
    /// `area` or `question`.
    pub scope: String,
    /// The area's or question's id.
    pub target_id: String,
    /// The assignee: a member of the review's team who can edit.
    pub user_id: String,
}

/// Whose assignee to clear.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssigneeQuery {
    /// `area` or `question`.
    scope: String,
    /// The area's or question's id.
    target_id: String,
}

/// The comments under a question, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/questions/{question_id}/comments",
    tag = "discussion",
    params(
        ("id" = String, Path, description = "The assessment"),
        ("question_id" = String, Path, description = "The question")
    ),
    responses(
        (status = 200, description = "The comments", body = CommentList),
        (status = 404, description = "No such assessment or question", body = super::error::ErrorBody)
    )
)]
pub async fn list_comments(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((id, question_id)): ApiPath<(String, String)>,
) -> Result<axum::Json<CommentList>, ApiError> {
    let c = state.context(actor);
    let items = discussion::comments(&c, &id, &question_id).await?;
    Ok(axum::Json(CommentList { items }))
}

/// Write a comment under a question; the team members it mentions (`@handle`) are told.
#[utoipa::path(
    post,
    path = "/api/v1/assessments/{id}/questions/{question_id}/comments",
    tag = "discussion",
    params(
        ("id" = String, Path, description = "The assessment"),
        ("question_id" = String, Path, description = "The question")
    ),
    request_body = NewCommentBody,
    responses(
        (status = 201, description = "Written", body = Comment),
        (status = 400, description = "The body is blank or longer than 5,000 characters", body = super::error::ErrorBody),
        (status = 404, description = "No such assessment or question", body = super::error::ErrorBody)
    )
)]
pub async fn post_comment(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((id, question_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<NewCommentBody>,
) -> Result<(StatusCode, axum::Json<Comment>), ApiError> {
    let c = state.context(actor);
    let comment = discussion::add_comment(&c, &id, &question_id, &body.body).await?;
    Ok((StatusCode::CREATED, axum::Json(comment)))
}

/// Edit your own comment, at the version read.
#[utoipa::path(
    patch,
    path = "/api/v1/assessments/{id}/questions/{question_id}/comments/{comment_id}",
    tag = "discussion",
    params(
        ("id" = String, Path, description = "The assessment"),
        ("question_id" = String, Path, description = "The question"),
        ("comment_id" = String, Path, description = "The comment")
    ),
    request_body = EditCommentBody,
    responses(
        (status = 200, description = "Edited", body = Comment),
        (status = 400, description = "The body is blank or too long", body = super::error::ErrorBody),
        (status = 403, description = "Not your comment", body = super::error::ErrorBody),
        (status = 404, description = "No such comment (or it is deleted)", body = super::error::ErrorBody),
        (status = 409, description = "The comment changed since the version read", body = super::error::ErrorBody)
    )
)]
pub async fn patch_comment(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((id, question_id, comment_id)): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<EditCommentBody>,
) -> Result<axum::Json<Comment>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(
        discussion::edit_comment(&c, &id, &question_id, &comment_id, &body.body, body.version)
            .await?,
    ))
}

/// Delete a comment: your own, or any as an owner of the team. Its place in the thread shows
/// that it was deleted.
#[utoipa::path(
    delete,
    path = "/api/v1/assessments/{id}/questions/{question_id}/comments/{comment_id}",
    tag = "discussion",
    params(
        ("id" = String, Path, description = "The assessment"),
        ("question_id" = String, Path, description = "The question"),
        ("comment_id" = String, Path, description = "The comment"),
        DeleteCommentQuery
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not your comment, and you are not an owner", body = super::error::ErrorBody),
        (status = 404, description = "No such comment (or it is deleted)", body = super::error::ErrorBody),
        (status = 409, description = "The comment changed since the version read", body = super::error::ErrorBody)
    )
)]
pub async fn delete_comment(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((id, question_id, comment_id)): ApiPath<(String, String, String)>,
    ApiQuery(q): ApiQuery<DeleteCommentQuery>,
) -> Result<StatusCode, ApiError> {
    let c = state.context(actor);
    discussion::delete_comment(&c, &id, &question_id, &comment_id, q.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A review's assignees: who answers each area or question.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/assignees",
    tag = "discussion",
    params(("id" = String, Path, description = "The assessment")),
    responses((status = 200, description = "The assignees", body = AssigneeList))
)]
pub async fn list_assignees(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<AssigneeList>, ApiError> {
    let c = state.context(actor);
    let items = discussion::assignees(&c, &id).await?;
    Ok(axum::Json(AssigneeList { items }))
}

/// Assign an area or a question to a member of the review's team who can edit (replacing the
/// assignee it had).
#[utoipa::path(
    put,
    path = "/api/v1/assessments/{id}/assignees",
    tag = "discussion",
    params(("id" = String, Path, description = "The assessment")),
    request_body = AssigneeBody,
    responses(
        (status = 200, description = "Assigned: every assignee now", body = AssigneeList),
        (status = 400, description = "Not an area or question of the review, or not a member who can edit (the field is named)", body = super::error::ErrorBody)
    )
)]
pub async fn put_assignee(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<AssigneeBody>,
) -> Result<axum::Json<AssigneeList>, ApiError> {
    let c = state.context(actor);
    let items =
        discussion::set_assignee(&c, &id, &body.scope, &body.target_id, Some(&body.user_id))
            .await?;
    Ok(axum::Json(AssigneeList { items }))
}

/// Clear the assignee of an area or a question.
#[utoipa::path(
    delete,
    path = "/api/v1/assessments/{id}/assignees",
    tag = "discussion",
    params(("id" = String, Path, description = "The assessment"), AssigneeQuery),
    responses(
        (status = 200, description = "Cleared (or there was none): every assignee now", body = AssigneeList),
        (status = 400, description = "Not an area or question of the review", body = super::error::ErrorBody)
    )
)]
pub async fn delete_assignee(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<AssigneeQuery>,
) -> Result<axum::Json<AssigneeList>, ApiError> {
    let c = state.context(actor);
    let items = discussion::set_assignee(&c, &id, &q.scope, &q.target_id, None).await?;
    Ok(axum::Json(AssigneeList { items }))
}

/// What needs the caller: assigned and unanswered, mentions, checklist items due within 7 days
/// or overdue. Reading it does not mark mentions seen (the page does). An API token sees its
/// team's reviews only.
#[utoipa::path(
    get,
    path = "/api/v1/me/inbox",
    tag = "discussion",
    responses((status = 200, description = "What needs the caller", body = Inbox))
)]
pub async fn get_inbox(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<axum::Json<Inbox>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(crate::service::inbox::inbox(&c, false).await?))
}
