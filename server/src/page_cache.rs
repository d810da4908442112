//! Rendered results pages, reused until their assessment changes.
//!
//! The results page is the most expensive page: it evaluates every answer, draws three kinds of
//! SVG and renders the whole report. Its output depends only on the assessment's stored state,
//! and every write to that state bumps the assessment's revision ([`Store::revision`]). So a
//! page rendered at revision `r` is valid for as long as the revision is still `r`: each request
//! costs one indexed read, and a render only happens after a change. The check goes to the
//! database every time, so several instances on one database never serve a stale page.
//!
//! A page also depends on who reads it (their name in the masthead, whether the checklist is
//! editable), so pages are kept per user, with the team and role they were rendered for: a hit
//! is served only while the user still has that role in that team. Each response gets a fresh
//! CSP nonce, written over the one the page was rendered with.
//!
//! The cache is bounded (least recently used pages go first), and holds only successful HTML
//! responses to plain `GET`s without a query string, for signed-in users.

use crate::error::AppError;
use axum::response::IntoResponse as _;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use lru::LruCache;
use store::Store;
use store::auth::{Actor, Role};

/// How many pages are kept. A results page is about 100 KB of HTML.
const PAGES: usize = 256;

/// The largest page that is kept.
const MAX_PAGE: usize = 4 * 1024 * 1024;

/// The cache, shared by every request of one process.
#[derive(Clone)]
pub struct PageCache {
    pages: Arc<Mutex<LruCache<String, Page>>>,
}

#[derive(Clone)]
struct Page {
    revision: i64,
    team: String,
    role: Role,
    headers: HeaderMap,
    /// The body cut at each `nonce="…"` value, so a fresh one is written in between.
    pieces: Arc<[Bytes]>,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache {
            pages: Arc::new(Mutex::new(LruCache::new(
                NonZeroUsize::new(PAGES).unwrap_or(NonZeroUsize::MIN),
            ))),
        }
    }
}

impl PageCache {
    fn get(&self, key: &str, revision: i64) -> Option<Page> {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        match pages.get(key) {
            Some(page) if page.revision == revision => Some(page.clone()),
            _ => None,
        }
    }

    fn put(&self, key: String, page: Page) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.put(key, page);
    }
}

/// The assessment whose results page this is, if it is one.
fn results_page_of(req: &Request) -> Option<&str> {
    if req.method() != Method::GET || req.uri().query().is_some() {
        return None;
    }
    let rest = req.uri().path().strip_prefix("/assessments/")?;
    let id = rest.strip_suffix("/results")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

/// The CSP nonce a rendered page's header names.
fn nonce_of(headers: &HeaderMap) -> Option<String> {
    let csp = headers
        .get(header::CONTENT_SECURITY_POLICY)?
        .to_str()
        .ok()?;
    let start = csp.find("'nonce-")? + "'nonce-".len();
    let len = csp[start..].find('\'')?;
    Some(csp[start..start + len].to_owned())
}

/// Cuts a rendered body around every occurrence of its nonce.
fn cut(body: &Bytes, nonce: &str) -> Arc<[Bytes]> {
    let needle = nonce.as_bytes();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + needle.len() <= body.len() {
        if body[i..].starts_with(needle) {
            pieces.push(body.slice(start..i));
            i += needle.len();
            start = i;
        } else {
            i += 1;
        }
    }
    pieces.push(body.slice(start..));
    pieces.into()
}

/// A kept page, with a fresh nonce in its body and CSP header.
fn serve(page: Page) -> Response {
    let fresh = leptos::nonce::Nonce::new().to_string();
    let mut body = Vec::with_capacity(page.pieces.iter().map(Bytes::len).sum::<usize>() + 256);
    for (i, piece) in page.pieces.iter().enumerate() {
        if i > 0 {
            body.extend_from_slice(fresh.as_bytes());
        }
        body.extend_from_slice(piece);
    }
    let mut headers = page.headers;
    if let Ok(csp) = HeaderValue::from_str(&app::content_security_policy(Some(&fresh))) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = headers;
    response
}

/// The team and the user's role in it, for a results page the user may read.
async fn access(store: &Store, actor: &Actor, id: &str) -> Option<(String, Role)> {
    let user = actor.user()?;
    let team = store.assessment(id).await.ok()?.team_id?;
    if !actor.reaches(&team) {
        return None;
    }
    let role = store.role(&user.id, &team).await.ok()??;
    Some((team, role))
}

/// Middleware: answers a results page from the cache while its assessment is unchanged and the
/// reader's access is the same, and keeps what it renders otherwise.
pub async fn results_pages(
    State((cache, store)): State<(PageCache, Store)>,
    req: Request,
    next: Next,
) -> Response {
    let Some(id) = results_page_of(&req).map(str::to_owned) else {
        return next.run(req).await;
    };
    let actor = req.extensions().get::<Actor>().cloned().unwrap_or_default();
    let Some(user) = actor.user().map(|u| u.id.clone()) else {
        return next.run(req).await;
    };
    // Read before rendering: a write that lands during the render gives a newer revision, so
    // the page stored here is never taken for a later state than the one it shows.
    let Ok(revision) = store.revision(&id).await else {
        return next.run(req).await;
    };
    let key = format!("{}\u{0}{user}", req.uri().path());
    if let Some(page) = cache.get(&key, revision)
        && actor.reaches(&page.team)
        && store.role(&user, &page.team).await.ok().flatten() == Some(page.role)
    {
        return serve(page);
    }
    let Some((team, role)) = access(&store, &actor, &id).await else {
        return next.run(req).await;
    };
    let response = next.run(req).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_PAGE).await {
        Ok(bytes) => {
            if let Some(nonce) = nonce_of(&parts.headers) {
                cache.put(
                    key,
                    Page {
                        revision,
                        team,
                        role,
                        headers: parts.headers.clone(),
                        pieces: cut(&bytes, &nonce),
                    },
                );
            }
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(e) => AppError::Internal(format!("reading a rendered results page failed: {e}"))
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_cut_at_each_nonce_and_put_back_together() {
        let body = Bytes::from_static(b"<a nonce=\"N1\">x</a><b nonce=\"N1\"></b>");
        let pieces = cut(&body, "N1");
        assert_eq!(pieces.len(), 3);
        let joined: Vec<u8> = pieces.join(&b"N1"[..]);
        assert_eq!(joined, body.to_vec());
        assert_eq!(cut(&Bytes::from_static(b"none"), "N1").len(), 1);
    }
}
