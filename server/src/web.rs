//! The HTTP surface: the Leptos pages and their server functions, the plain form handlers (the
//! review form, accounts), the stylesheet, the Copy buttons' script and browser bundle, health, readiness and metrics
//! ([`crate::observe`]), and every layer a request passes through.
//!
//! [`router`] builds the whole app from its state, so tests drive it without opening a socket;
//! [`route_list`] names every route it serves, so tests can walk them all.

use crate::state::AppState;

use crate::error::AppError;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use axum::Extension;
use axum::http::Method;
use axum::routing::MethodRouter;
use store::auth::Actor;

use crate::accounts;
use crate::observe;
use crate::page_cache::{self};
use crate::report;
use crate::security;

/// The largest request body accepted: a whole area of answers with long notes fits easily.
const MAX_BODY: usize = 1024 * 1024;

/// The plain handlers (everything but the Leptos pages and server functions), with their methods.
fn handlers() -> Vec<(Method, String, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/healthz", get(crate::observe::healthz)),
        (Method::GET, "/readyz", get(crate::observe::readyz)),
        (Method::GET, "/metrics", get(crate::observe::metrics)),
        (Method::GET, "/style/trellis.css", get(stylesheet)),
        (Method::GET, "/style/copy.js", get(copy_script)),
        (
            Method::POST,
            "/assessments/{id}/review/{area}/save",
            post(save_area),
        ),
        (
            Method::POST,
            "/assessments/{id}/share-links",
            post(accounts::create_share_link),
        ),
        (Method::POST, "/signup", post(accounts::sign_up)),
        (Method::POST, "/signin", post(accounts::sign_in)),
        (Method::POST, "/signout", post(accounts::sign_out)),
        (
            Method::POST,
            "/invites/{token}",
            post(accounts::accept_invite),
        ),
        (
            Method::POST,
            "/teams/{id}/invites",
            post(accounts::create_invite),
        ),
        (
            Method::POST,
            "/account/tokens",
            post(accounts::create_token),
        ),
        (
            Method::GET,
            "/assessments/{id}/diff.md",
            get(report::routes::diff),
        ),
    ]
    .into_iter()
    .map(|(m, p, h)| (m, p.to_owned(), h))
    .chain(
        report::routes::routes()
            .into_iter()
            .chain(crate::scaffold::routes::routes())
            .map(|(p, h)| (Method::GET, p, h)),
    )
    .chain(crate::lenses::routes())
    .chain(crate::evidence::routes())
    .chain(crate::sso::routes())
    .chain(crate::account_admin::routes())
    .chain(crate::portfolio::routes())
    .chain(crate::discussion::routes())
    .chain(crate::lens_upgrade::routes())
    .chain(crate::webhook_pages::routes())
    .chain([(
        Method::GET,
        "/api".to_owned(),
        get(crate::api::docs::docs_page),
    )])
    .collect()
}

/// Every route the app serves, as (method, path with `{param}`s): the plain handlers, the pages
/// and the server functions. The browser bundle under `/pkg` is static and public.
pub fn route_list() -> Vec<(Method, String)> {
    let mut routes: Vec<(Method, String)> =
        handlers().into_iter().map(|(m, p, _)| (m, p)).collect();
    for r in generate_route_list(app::App) {
        for m in r.methods() {
            let method = match m {
                leptos_router::Method::Get => Method::GET,
                leptos_router::Method::Post => Method::POST,
                leptos_router::Method::Put => Method::PUT,
                leptos_router::Method::Delete => Method::DELETE,
                leptos_router::Method::Patch => Method::PATCH,
            };
            routes.push((method, r.path().to_owned()));
        }
    }
    for (path, item) in &crate::api::openapi().paths.paths {
        for (method, operation) in [
            (Method::GET, &item.get),
            (Method::PUT, &item.put),
            (Method::POST, &item.post),
            (Method::DELETE, &item.delete),
            (Method::PATCH, &item.patch),
        ] {
            if operation.is_some() {
                routes.push((method, path.clone()));
            }
        }
    }
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        routes.push((method, path.to_owned()));
    }
    routes.sort_by(|a, b| (a.1.as_str(), a.0.as_str()).cmp(&(b.1.as_str(), b.0.as_str())));
    routes.dedup();
    routes
}

/// The whole app.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let hydrate = state.bundle.is_some();
    let backend: std::sync::Arc<dyn app::backend::Backend> =
        std::sync::Arc::new(crate::pages::Pages::new(state.context(Actor::Anonymous)));
    let leptos = state.leptos.clone();
    let cache = (state.pages.clone(), state.store.clone());
    let timeout = state.request_timeout;
    crate::service::portfolio::spawn_refresh(state.context(Actor::Anonymous));
    let mut router = Router::new();
    for (_, path, handler) in handlers() {
        router = router.route(&path, handler);
    }
    router = router.merge(crate::api::router().0);
    let mut router = router.leptos_routes_with_context(
        &state,
        routes,
        move || provide_context(backend.clone()),
        move || app::shell(leptos.clone(), hydrate),
    );
    if let Some(bundle) = &state.bundle {
        router = router.nest_service("/pkg", bundle.service());
    }
    router
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            cache,
            page_cache::results_pages,
        ))
        .layer(axum::middleware::from_fn(crate::chrome::error_pages))
        .layer(axum::middleware::from_fn_with_state(
            state.store.clone(),
            security::resolve_actor,
        ))
        .layer(axum::middleware::from_fn(security::same_origin))
        .layer(axum::middleware::from_fn(security::utf8_forms))
        .layer(axum::middleware::from_fn_with_state(
            MAX_BODY,
            crate::evidence::limit_body,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn(observe::explain_timeout))
        .layer(axum::middleware::from_fn(crate::api::json_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.secure_cookies,
            security::headers,
        ))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(observe::track))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(observe::request_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(observe::REQUEST_ID))
        .layer(SetRequestIdLayer::new(
            observe::REQUEST_ID,
            observe::NewRequestId,
        ))
        .layer(axum::middleware::from_fn(observe::sanitize_request_id))
        .with_state(state)
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../../style/trellis.css"),
    )
}

/// The Copy buttons' script: the one script a page may load besides the islands' bundle (pages
/// that show a secret once).
async fn copy_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../../style/copy.js"),
    )
}

async fn not_found() -> Response {
    AppError::NotFound("There is no page at this address.".into()).into_response()
}

/// The review page's view: `mine=1` is respondent mode.
#[derive(Debug, Default, serde::Deserialize)]
struct ReviewView {
    mine: Option<String>,
}

/// The review form of one area (the no-JavaScript path): saves, then redirects back saying so,
/// or to the next area. A post that was not saved as sent (a conflict: 409; an answer that is
/// wrong: 422) is answered with the review page itself, showing the form as it was sent: the
/// outcome travels in the rendering's context, never in an address a link could forge.
async fn save_area(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((id, area)): Path<(String, String)>,
    Query(view): Query<ReviewView>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let next = fields.iter().any(|(k, v)| k == "save" && v == "next");
    let mine = view.mine.as_deref() == Some("1");
    let ctx = state.context(actor.clone());
    let flash = match crate::service::save_area_form(&ctx, &id, &area, fields, mine).await {
        Ok(flash) => flash,
        Err(e) => return e.into_response(),
    };
    let here = format!(
        "/assessments/{id}/review/{area}{}",
        if mine { "?mine=1" } else { "" }
    );
    if flash.clean() {
        if next {
            return Redirect::to(&flash.next).into_response();
        }
        let confirmed = match flash.confirmed {
            0 => String::new(),
            n => format!("&confirmed={n}"),
        };
        let join = if mine { '&' } else { '?' };
        return Redirect::to(&format!("{here}{join}saved{confirmed}")).into_response();
    }
    let status = if flash.conflicts.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::CONFLICT
    };
    let posted = app::api::PostedFlash(serde_json::to_string(&flash).unwrap_or_default());
    let backend: std::sync::Arc<dyn app::backend::Backend> =
        std::sync::Arc::new(crate::pages::Pages::new(state.context(Actor::Anonymous)));
    let (leptos, hydrate) = (state.leptos.clone(), state.bundle.is_some());
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(backend.clone());
            provide_context(posted.clone());
        },
        move || app::shell(leptos.clone(), hydrate),
    );
    let mut request = axum::http::Request::get(&here)
        .body(axum::body::Body::empty())
        .unwrap_or_default();
    request.extensions_mut().insert(actor);
    let mut response = render(request).await;
    *response.status_mut() = status;
    response
}
