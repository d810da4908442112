//! The masthead on the server's own pages (the questionnaires, the starter, the API reference
//! and error pages): the same `app::chrome::Masthead` the Leptos pages render, greeting the
//! same signed-in user, with the same count beside "Needs me" (not on error pages, which are
//! written where no store is at hand).
//!
//! A handler takes [`Chrome`] as an extractor and puts [`Chrome::masthead`] into its template.
//! An error page is written where the error becomes a response, which knows nobody; the
//! [`error_pages`] middleware writes it again for whoever asked.

use std::convert::Infallible;

use app::chrome::Viewer;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use store::auth::Actor;

use crate::state::AppState;

/// Who reads the page and where, for its masthead.
#[derive(Debug, Clone, Default)]
pub struct Chrome(pub Viewer);

impl Chrome {
    fn of(actor: Option<&Actor>, uri: &Uri) -> Chrome {
        let here = uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
        Chrome(Viewer {
            name: actor.and_then(Actor::user).map(|u| u.name.clone()),
            here,
            needs_me: None,
        })
    }

    /// The masthead, as HTML.
    pub fn masthead(self) -> String {
        app::chrome::masthead_html(self.0)
    }
}

/// A page of someone's own (settings, secrets): rendered, and never kept by a cache.
pub fn private_page<T: askama::Template>(page: &T) -> Result<Response, crate::error::AppError> {
    let body = page
        .render()
        .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    let mut res = Html(body).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// The masthead of whoever asked, with the count beside "Needs me" for a signed-in user (a
/// failure to count shows the link without one: a page is not refused for its masthead).
impl FromRequestParts<AppState> for Chrome {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Chrome, Infallible> {
        let actor = parts.extensions.get::<Actor>();
        let mut chrome = Chrome::of(actor, &parts.uri);
        if let Some(actor) = actor.filter(|a| a.user().is_some()) {
            let count = crate::service::inbox::count(&state.context(actor.clone())).await;
            chrome.0.needs_me = count.ok();
        }
        Ok(chrome)
    }
}

/// An error page as it was written, kept on the response so [`error_pages`] can write it again
/// for the reader.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// The message, as shown.
    pub message: String,
}

/// The error page: the status, the message (escaped, one line per item) and a way on: "Sign in"
/// (coming back here) on a 401, the reviews otherwise.
pub fn error_page(status: StatusCode, message: &str, chrome: Chrome) -> String {
    let reason = status.canonical_reason().unwrap_or("Error");
    let items: String = app::escape_html(message)
        .lines()
        .map(|l| format!("<li>{l}</li>"))
        .collect();
    let next = if status == StatusCode::UNAUTHORIZED {
        format!(
            "<p><a class=\"button primary\" href=\"{}\">Sign in</a></p>",
            app::escape_html(&app::chrome::sign_in_href(&chrome.0.here))
        )
    } else {
        "<p><a href=\"/\">All reviews</a></p>".to_owned()
    };
    let title = if status == StatusCode::UNAUTHORIZED {
        "Sign in to continue"
    } else {
        reason
    };
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"icon\" href=\"data:,\"><title>{title} · Trellis</title>\
         <link rel=\"stylesheet\" href=\"/style/trellis.css\"></head><body>\
         <a class=\"skip\" href=\"#content\">Skip to content</a>{masthead}\
         <main id=\"content\"><section class=\"card error\" role=\"alert\"><h1>{title}</h1>\
         <ul>{items}</ul>{next}</section></main></body></html>",
        masthead = chrome.masthead(),
    )
}

/// Writes an HTML error page again with the masthead of whoever asked (a signed-in user's name,
/// "Sign in" coming back to the page). Runs inside `security::resolve_actor`.
pub async fn error_pages(req: Request, next: Next) -> Response {
    let chrome = Chrome::of(req.extensions().get::<Actor>(), req.uri());
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let Some(page) = res.extensions_mut().remove::<ErrorPage>() else {
        return res;
    };
    if !html {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let body = Html(error_page(parts.status, &page.message, chrome)).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body.into_body())
}

/// A server page rendered with `status`; a template that fails to render is a 500.
pub fn html(page: &impl askama::Template, status: StatusCode) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => crate::error::AppError::Internal(e.to_string()).into_response(),
    }
}

/// A server page built by a handler, rendered with `status`, or the error that stopped it.
pub fn render<T: askama::Template>(
    page: Result<T, crate::error::AppError>,
    status: StatusCode,
) -> Response {
    match page {
        Ok(p) => html(&p, status),
        Err(e) => e.into_response(),
    }
}
