//! A review's "Lens version" page (`/assessments/{id}/lens`): which version of its lens the
//! review is on and, when a newer one exists, what moving to it would carry, drop and add,
//! worked out before anything is written; then the move, a plain form, with its report and the
//! milestone saved before it. The move itself is [`crate::service::upgrade_lens`].

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use store::auth::{Actor, Role};

use crate::chrome::{Chrome, render};
use crate::error::AppError;
use crate::service::{self, LensUpgrade};
use crate::state::AppState;

/// The routes, with their methods.
pub fn routes() -> Vec<(Method, String, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/assessments/{id}/lens".to_owned(), get(show)),
        (
            Method::POST,
            "/assessments/{id}/lens".to_owned(),
            post(upgrade),
        ),
    ]
}

#[derive(askama::Template)]
#[template(path = "lens_upgrade.html")]
struct LensPage {
    masthead: String,
    id: String,
    workload: String,
    /// The lens's title.
    lens: String,
    /// The version the review is on, as people read it.
    current: String,
    can_edit: bool,
    /// Whether the review runs on the built-in questionnaire, which has no versions to move
    /// between.
    builtin: bool,
    /// What a move would do (before), or did (after); `None`: nothing newer.
    upgrade: Option<LensUpgrade>,
    /// Whether `upgrade` is the report of a move just made.
    moved: bool,
    /// Why the move was refused.
    error: Option<String>,
}

async fn page(
    state: &AppState,
    actor: Actor,
    chrome: Chrome,
    id: &str,
    outcome: Result<Option<LensUpgrade>, String>,
) -> Result<LensPage, AppError> {
    let c = state.context(actor);
    let (a, role) = c.assessment(id, Role::Viewer).await?;
    let q = c.questionnaire_of(&a).await?;
    let (upgrade, moved, error) = match outcome {
        Ok(Some(done)) => (Some(done), true, None),
        Ok(None) => (service::preview_upgrade(&c, id).await?, false, None),
        Err(e) => (service::preview_upgrade(&c, id).await?, false, Some(e)),
    };
    Ok(LensPage {
        masthead: chrome.masthead(),
        id: a.id,
        workload: a.name,
        lens: q.title.to_string(),
        current: if moved {
            upgrade
                .as_ref()
                .map_or_else(String::new, |u| u.to_version.clone())
        } else {
            q.version.to_string()
        },
        can_edit: role >= Role::Editor,
        builtin: a.questionnaire_id == c.builtin.id,
        upgrade,
        moved,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Response {
    render(
        page(&state, actor, chrome, &id, Ok(None)).await,
        StatusCode::OK,
    )
}

/// The move's form: the review's version as the page read it.
#[derive(Debug, serde::Deserialize)]
struct MoveForm {
    version: i64,
}

async fn upgrade(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Response {
    let c = state.context(actor.clone());
    let (outcome, status) = match service::upgrade_lens(&c, &id, form.version).await {
        Ok(done) => (Ok(Some(done)), StatusCode::OK),
        Err(AppError::Conflict(_)) => (
            Err("The review changed while you read this page: look at what the move would do now, then move it.".to_owned()),
            StatusCode::CONFLICT,
        ),
        Err(AppError::BadInput(message)) => (
            Err(message
                .strip_prefix("questionnaire: ")
                .unwrap_or(&message)
                .to_owned()),
            StatusCode::BAD_REQUEST,
        ),
        Err(e) => return e.into_response(),
    };
    render(page(&state, actor, chrome, &id, outcome).await, status)
}
