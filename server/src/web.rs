//! The HTTP surface: the catalog page, health, and the catalog API.
//!
//! [`router`] builds the whole app from its state, so tests drive it without opening a socket.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use questionnaires::Questionnaire;
use tower_http::trace::TraceLayer;

use crate::catalog::Catalog;

/// What every handler can read.
#[derive(Clone)]
pub struct AppState {
    /// The built-in questionnaire.
    pub questionnaire: &'static Questionnaire,
}

impl AppState {
    /// State with the built-in questionnaire.
    pub fn new() -> AppState {
        AppState {
            questionnaire: questionnaires::builtin(),
        }
    }
}

impl Default for AppState {
    fn default() -> Self {
        AppState::new()
    }
}

/// The whole app.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(show_catalog))
        .route("/healthz", get(healthz))
        .route("/api/v1/catalog", get(get_catalog))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn show_catalog(State(state): State<AppState>) -> Html<String> {
    Html(app::render_catalog_document(state.questionnaire))
}

async fn healthz() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "ok\n",
    )
}

async fn get_catalog(State(state): State<AppState>) -> axum::Json<Catalog> {
    axum::Json(Catalog::of(state.questionnaire))
}
