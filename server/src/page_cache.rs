//! Rendered results pages, reused until their assessment changes.
//!
//! The results page is the most expensive page: it evaluates every answer, draws three kinds of
//! SVG and renders the whole report. Its output depends only on the assessment's stored state,
//! and every write to that state bumps the assessment's revision ([`Store::revision`]). So a
//! page rendered at revision `r` is valid for as long as the revision is still `r`: each request
//! costs one indexed read, and a render only happens after a change. The check goes to the
//! database every time, so several instances on one database never serve a stale page.
//!
//! The cache is bounded (least recently used pages go first), and holds only successful HTML
//! responses to plain `GET`s without a query string.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use app::store::Store;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use lru::LruCache;

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
    headers: HeaderMap,
    body: Bytes,
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
    fn get(&self, path: &str, revision: i64) -> Option<Page> {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        match pages.get(path) {
            Some(page) if page.revision == revision => Some(page.clone()),
            _ => None,
        }
    }

    fn put(&self, path: String, page: Page) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.put(path, page);
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

/// Middleware: answers a results page from the cache while its assessment is unchanged, and
/// keeps what it renders otherwise.
pub async fn results_pages(
    State((cache, store)): State<(PageCache, Store)>,
    req: Request,
    next: Next,
) -> Response {
    let Some(id) = results_page_of(&req) else {
        return next.run(req).await;
    };
    // Read before rendering: a write that lands during the render gives a newer revision, so
    // the page stored here is never taken for a later state than the one it shows.
    let Ok(revision) = store.revision(id).await else {
        return next.run(req).await;
    };
    let path = req.uri().path().to_owned();
    if let Some(page) = cache.get(&path, revision) {
        let mut response = Response::new(Body::from(page.body));
        *response.headers_mut() = page.headers;
        return response;
    }
    let response = next.run(req).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_PAGE).await {
        Ok(bytes) => {
            cache.put(
                path,
                Page {
                    revision,
                    headers: parts.headers.clone(),
                    body: bytes.clone(),
                },
            );
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(e) => {
            tracing::error!(error = %e, "reading a rendered results page failed");
            crate::web::error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The results page could not be rendered.",
            )
        }
    }
}
