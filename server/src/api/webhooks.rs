//! A team's outbound webhooks over the API (team owners only): list, make, read, change
//! (including rotating the secret), delete, send a test delivery, read the delivery log. The
//! use cases are `crate::service::webhooks`.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use store::auth::Actor;
use utoipa::ToSchema;

use super::error::{ApiError, ApiJson, ApiPath};
use crate::service::webhooks::{self as hooks, Delivery, Webhook, WebhookInput, WebhookWithSecret};
use crate::state::AppState;

/// A team's hooks.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    /// Oldest first.
    pub items: Vec<Webhook>,
}

/// A hook after a change, with its new secret when it was rotated.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookChanged {
    /// The hook.
    #[serde(flatten)]
    pub hook: Webhook,
    /// The new secret, when `rotate_secret` was set: not shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A queued test delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestQueued {
    /// The delivery's id (see the log).
    pub delivery: String,
}

/// A hook's delivery log.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    /// Newest first (the latest 50), each with its tries.
    pub items: Vec<Delivery>,
}

/// List a team's webhooks.
#[utoipa::path(
    get,
    path = "/api/v1/teams/{id}/webhooks",
    tag = "webhooks",
    params(("id" = String, Path, description = "The team")),
    responses((status = 200, description = "The team's hooks (never their secrets)", body = WebhookList))
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(team): ApiPath<String>,
) -> Result<axum::Json<WebhookList>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(WebhookList {
        items: hooks::webhooks(&c, &team).await?,
    }))
}

/// Make a webhook: its signing secret is in the answer, and only there.
///
/// The URL must be `https` and its host must resolve only to public addresses; the error names
/// the field that is wrong.
#[utoipa::path(
    post,
    path = "/api/v1/teams/{id}/webhooks",
    tag = "webhooks",
    params(("id" = String, Path, description = "The team")),
    request_body = WebhookInput,
    responses(
        (status = 201, description = "Made, with its secret", body = WebhookWithSecret),
        (status = 400, description = "A bad URL (not https, a private address) or bad events: `url` or `events` named", body = super::error::ErrorBody)
    )
)]
pub async fn create_webhook(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(team): ApiPath<String>,
    ApiJson(body): ApiJson<WebhookInput>,
) -> Result<(StatusCode, axum::Json<WebhookWithSecret>), ApiError> {
    let c = state.context(actor);
    if body.rotate_secret {
        return Err(ApiError::fields(vec![(
            "rotate_secret".to_owned(),
            "a new hook gets a new secret: rotate only an existing one".to_owned(),
        )]));
    }
    Ok((
        StatusCode::CREATED,
        axum::Json(hooks::create_webhook(&c, &team, &body).await?),
    ))
}

/// Read a webhook.
#[utoipa::path(
    get,
    path = "/api/v1/teams/{id}/webhooks/{hook}",
    tag = "webhooks",
    params(("id" = String, Path, description = "The team"), ("hook" = String, Path, description = "The hook")),
    responses((status = 200, description = "The hook", body = Webhook))
)]
pub async fn get_webhook(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((team, hook)): ApiPath<(String, String)>,
) -> Result<axum::Json<Webhook>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(hooks::webhook(&c, &team, &hook).await?))
}

/// Change a webhook: its URL, events, switch, or its secret (`rotate_secret`).
#[utoipa::path(
    patch,
    path = "/api/v1/teams/{id}/webhooks/{hook}",
    tag = "webhooks",
    params(("id" = String, Path, description = "The team"), ("hook" = String, Path, description = "The hook")),
    request_body = WebhookInput,
    responses(
        (status = 200, description = "Changed (with the new secret when rotated)", body = WebhookChanged),
        (status = 400, description = "A bad URL or bad events, named", body = super::error::ErrorBody)
    )
)]
pub async fn update_webhook(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((team, hook)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<WebhookInput>,
) -> Result<axum::Json<WebhookChanged>, ApiError> {
    let c = state.context(actor);
    let (hook, secret) = hooks::update_webhook(&c, &team, &hook, &body).await?;
    Ok(axum::Json(WebhookChanged { hook, secret }))
}

/// Delete a webhook and its delivery log.
#[utoipa::path(
    delete,
    path = "/api/v1/teams/{id}/webhooks/{hook}",
    tag = "webhooks",
    params(("id" = String, Path, description = "The team"), ("hook" = String, Path, description = "The hook")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_webhook(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((team, hook)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let c = state.context(actor);
    hooks::delete_webhook(&c, &team, &hook).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a test delivery to a webhook (whatever events it subscribes to); it is sent, retried
/// and logged like any other.
#[utoipa::path(
    post,
    path = "/api/v1/teams/{id}/webhooks/{hook}/test",
    tag = "webhooks",
    params(("id" = String, Path, description = "The team"), ("hook" = String, Path, description = "The hook")),
    responses((status = 202, description = "Queued", body = TestQueued))
)]
pub async fn test_webhook(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((team, hook)): ApiPath<(String, String)>,
) -> Result<(StatusCode, axum::Json<TestQueued>), ApiError> {
    let c = state.context(actor);
    let delivery = hooks::send_test(&c, &team, &hook).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(TestQueued { delivery })))
}

/// A webhook's delivery log: the latest deliveries, each with its tries.
#[utoipa::path(
    get,
    path = "/api/v1/teams/{id}/webhooks/{hook}/deliveries",
    tag = "webhooks",
    params(("id" = String, Path, description = "The team"), ("hook" = String, Path, description = "The hook")),
    responses((status = 200, description = "The log", body = DeliveryList))
)]
pub async fn list_deliveries(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((team, hook)): ApiPath<(String, String)>,
) -> Result<axum::Json<DeliveryList>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(DeliveryList {
        items: hooks::deliveries(&c, &team, &hook).await?,
    }))
}
