//! The router, driven without a socket.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use server::state::AppState;
use server::web::router;
use tower::ServiceExt;

/// The app on a fresh database, without a browser bundle.
pub async fn app() -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::database::fresh_url(dir.path()).await;
    let store = store::Store::connect(&url).await.unwrap();
    (router(AppState::new(store, dir.path().join("site"))), dir)
}

async fn get(path: &str) -> (StatusCode, String, String) {
    let (app, _dir) = app().await;
    let res = app
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, ctype, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn catalog_page_lists_every_area_and_pattern() {
    let (status, ctype, html) = get("/catalog").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/html"));
    let q = questionnaires::builtin();
    for area in &q.areas {
        assert!(html.contains(&*area.title), "missing area {}", area.title);
    }
    for p in &q.patterns {
        let name = p
            .name
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(html.contains(&name), "missing pattern {}", p.name);
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    for external in ["src=\"http", "href=\"http", "<script src"] {
        assert!(
            !html.contains(external),
            "the page must work offline, without `{external}`"
        );
    }
}

#[tokio::test]
async fn healthz_answers_ok() {
    let (status, _, body) = get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ok\n");
}

#[tokio::test]
async fn catalog_api_returns_json() {
    let (status, ctype, body) = get("/api/v1/catalog").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("application/json"));
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["id"], "serverless-review");
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let (status, _, _) = get("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_page_that_needs_sign_in_offers_it_and_comes_back() {
    let (status, _, body) = get("/assessments/abc123/results?x=1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("Sign in to continue"), "{body}");
    assert!(
        body.contains("href=\"/signin?next=/assessments/abc123/results%3Fx%3D1\""),
        "{body}"
    );
}

#[tokio::test]
async fn an_error_page_names_what_is_missing_in_the_layout() {
    let (status, ctype, body) = get("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(body.contains("There is no page at this address."), "{body}");
    assert!(body.contains("class=\"masthead\""), "{body}");
}

/// Every page carries the one masthead: the user's name and "Sign out" when signed in (on the
/// server's own pages and error pages too), the questionnaires only for the signed in, and a
/// "Sign in" that comes back to the page.
#[tokio::test]
async fn every_page_has_the_one_masthead_for_its_reader() {
    let app = crate::client::TestApp::new().await;
    let ana = app.user("Ana Masthead").await;
    let nobody = ana.app.anonymous();
    for path in [
        "/",
        "/catalog",
        "/api",
        "/questionnaires",
        "/questionnaires/serverless-review",
        "/no/such/page",
        "/assessments/nope/results",
    ] {
        let r = ana.get(path).await;
        let masthead = masthead_of(&r.body);
        assert!(masthead.contains(">Ana Masthead</a>"), "{path}: {masthead}");
        assert!(masthead.contains("Sign out"), "{path}: {masthead}");
        assert!(
            masthead.contains("href=\"/questionnaires\""),
            "{path}: {masthead}"
        );

        let r = nobody.get(path).await;
        let masthead = masthead_of(&r.body);
        assert!(!masthead.contains("Sign out"), "{path}: {masthead}");
        assert!(
            !masthead.contains("href=\"/questionnaires\""),
            "{path}: {masthead}"
        );
        let back = match path {
            "/" => "href=\"/signin\"".to_owned(),
            _ => format!("href=\"/signin?next={path}\""),
        };
        assert!(masthead.contains(&back), "{path}: {masthead}");
    }
}

/// The `<header class="masthead">` of a page (the whole page when it has none, so the
/// assertion shows it).
fn masthead_of(html: &str) -> &str {
    html.find("<header class=\"masthead\">")
        .and_then(|start| {
            let end = html[start..].find("</header>")?;
            Some(&html[start..start + end])
        })
        .unwrap_or(html)
}
