//! The "Import from infrastructure code" page of a review: a plain multipart form (no JavaScript
//! needed) that uploads templates or a zip, and the latest import: what it filled, what it found
//! answered the same, the drift (question titles and values in words, with the evidence, each
//! with "use the template's value" or "keep mine"), and the template's findings.
//!
//! Also [`limit_body`], the request body limit: the one the app keeps everywhere, and a larger
//! one for uploads of templates.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{Form, Path, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use store::auth::{Actor, Role};
use tower::{Layer, ServiceExt};
use tower_http::limit::RequestBodyLimitLayer;

use crate::chrome::{Chrome, render};
use crate::error::AppError;
use crate::service::evidence::{Decision, EvidenceImport, MAX_UPLOAD};
use crate::state::AppState;

/// The routes, with their methods.
pub fn routes() -> Vec<(Method, String, MethodRouter<AppState>)> {
    [
        (Method::GET, "/assessments/{id}/evidence", get(show)),
        (Method::POST, "/assessments/{id}/evidence", post(upload)),
        (
            Method::POST,
            "/assessments/{id}/evidence/decisions",
            post(decide),
        ),
    ]
    .into_iter()
    .map(|(m, p, h)| (m, p.to_owned(), h))
    .collect()
}

/// Whether a request is an upload of templates, which may be larger than other requests.
fn is_upload(method: &Method, path: &str) -> bool {
    method == Method::POST && path.starts_with("/") && path.ends_with("/evidence")
}

/// Limits a request's body to `limit` bytes, or, for an upload of templates, to what an import
/// takes (plus room for the form's own bytes).
pub async fn limit_body(State(limit): State<usize>, req: Request, next: Next) -> Response {
    let limit = if is_upload(req.method(), req.uri().path()) {
        MAX_UPLOAD + 64 * 1024
    } else {
        limit
    };
    let inner = next.map_request(|r: axum::http::Request<_>| r.map(axum::body::Body::new));
    match RequestBodyLimitLayer::new(limit)
        .layer(inner)
        .oneshot(req)
        .await
    {
        Ok(res) => res.map(axum::body::Body::new),
        Err(never) => match never {},
    }
}

#[derive(askama::Template)]
#[template(path = "evidence.html")]
struct EvidencePage {
    id: String,
    workload: String,
    can_edit: bool,
    import: Option<EvidenceImport>,
    imported_at: String,
    undecided: usize,
    /// Why the last upload was refused.
    error: Option<String>,
    masthead: String,
}

async fn page(
    state: &AppState,
    actor: Actor,
    chrome: Chrome,
    id: &str,
    error: Option<String>,
) -> Result<EvidencePage, AppError> {
    let c = state.context(actor);
    let (a, role) = c.assessment(id, Role::Viewer).await?;
    let import = crate::service::evidence::evidence(&c, id).await?;
    Ok(EvidencePage {
        id: a.id.clone(),
        workload: a.name.clone(),
        can_edit: role >= Role::Editor,
        imported_at: import
            .as_ref()
            .map_or_else(String::new, |i| app::utc(i.imported_at)),
        undecided: import.as_ref().map_or(0, |i| {
            i.drift.iter().filter(|d| d.decision.is_none()).count()
        }),
        import,
        error,
        masthead: chrome.masthead(),
    })
}

async fn show(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Response {
    render(page(&state, actor, chrome, &id, None).await, StatusCode::OK)
}

/// Imports the uploaded files, then shows the import; a refused upload (a template that cannot
/// be read, a conflict) shows the page again with why, and its status.
async fn upload(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let c = state.context(actor.clone());
    if let Err(e) = c.assessment(&id, Role::Editor).await {
        return e.into_response();
    }
    let result = match crate::api::evidence::read_uploads(req).await {
        Ok(uploads) => crate::service::evidence::import_evidence(&c, &id, uploads)
            .await
            .map_err(|e| (e.status(), e.to_string())),
        Err(e) => Err((e.status(), e.to_string())),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/assessments/{id}/evidence#imported")).into_response(),
        Err((status, message)) if status.is_client_error() => render(
            page(&state, actor, chrome, &id, Some(message)).await,
            status,
        ),
        Err((status, _)) => {
            AppError::Internal(format!("an import failed: {status}")).into_response()
        }
    }
}

/// The drift form: `import` and, per question, `d.QUESTION` = `accept` or `keep` (a question
/// left unchosen stays for later).
async fn decide(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let c = state.context(actor);
    if let Err(e) = c.assessment(&id, Role::Editor).await {
        return e.into_response();
    }
    let mut import = String::new();
    let mut choices = BTreeMap::new();
    for (k, v) in &fields {
        if k == "import" {
            import.clone_from(v);
        } else if let Some(q) = k.strip_prefix("d.") {
            match Decision::parse(v) {
                Some(d) => {
                    choices.insert(q.to_owned(), d);
                }
                None => {
                    return AppError::BadInput(format!("{k}: `{v}` is neither accept nor keep"))
                        .into_response();
                }
            }
        }
    }
    if choices.is_empty() {
        return Redirect::to(&format!("/assessments/{id}/evidence#drift")).into_response();
    }
    match crate::service::evidence::decide_evidence(&c, &id, &import, &choices).await {
        Ok(_) => Redirect::to(&format!("/assessments/{id}/evidence?decided#drift")).into_response(),
        Err(e) => e.into_response(),
    }
}
