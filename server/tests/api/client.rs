//! A browser without JavaScript, driving the router without a socket: it keeps its session
//! cookie, sends the `Host` and `Origin` a browser sends, and does not follow redirects.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// One Trellis on a fresh database (see [`crate::database`]).
#[derive(Clone)]
pub struct TestApp {
    pub app: axum::Router,
    pub store: store::Store,
    /// The database's URL, for tests that write to it with SQL, as another program would
    /// (empty when the test opened the store itself).
    pub url: String,
    _dir: Arc<tempfile::TempDir>,
}

/// What came back.
pub struct Reply {
    pub status: StatusCode,
    pub location: String,
    pub set_cookie: String,
    pub headers: axum::http::HeaderMap,
    /// The body as text (lossy for binary downloads, which are in `bytes`).
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    /// What a call came to, as (status, message or body): a server function posted as a plain
    /// form answers a failure by sending the browser back with the error in the address
    /// (`__err`, base64 JSON `{status, message}`); that error is read from there.
    pub fn outcome(&self) -> (StatusCode, String) {
        use base64::Engine as _;
        let query = self.location.split_once('?').map_or("", |(_, q)| q);
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let Some((_, err)) = pairs.iter().find(|(k, _)| k == "__err") else {
            return (self.status, self.body.clone());
        };
        let json = base64::engine::general_purpose::URL_SAFE
            .decode(err)
            .expect("__err is base64");
        let failure: serde_json::Value = serde_json::from_slice(&json).expect("__err is JSON");
        let status = failure["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok());
        (
            StatusCode::from_u16(status.unwrap_or(500))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            failure["message"].as_str().unwrap_or_default().to_owned(),
        )
    }
}

/// A browser: anonymous, or signed in as one user.
#[derive(Clone)]
pub struct Client {
    pub app: TestApp,
    pub cookie: Option<String>,
    pub bearer: Option<String>,
    /// The user's own team (made with the account).
    pub team: String,
}

impl TestApp {
    pub async fn new() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::database::fresh_url(dir.path()).await;
        let store = store::Store::connect(&url).await.unwrap();
        let state = server::state::AppState::new(store, dir.path().join("site"));
        TestApp {
            url,
            ..TestApp::with_state(state, dir)
        }
    }

    /// The app on a store that is already open (`dir` lives as long as the app).
    pub fn on(store: store::Store, dir: tempfile::TempDir) -> TestApp {
        let state = server::state::AppState::new(store, dir.path().join("site"));
        TestApp::with_state(state, dir)
    }

    /// The app on a state made by the test, its data in `dir`.
    pub fn with_state(state: server::state::AppState, dir: tempfile::TempDir) -> TestApp {
        TestApp {
            store: state.store.clone(),
            app: server::web::router(state),
            url: String::new(),
            _dir: Arc::new(dir),
        }
    }

    /// A browser with nobody signed in.
    pub fn anonymous(&self) -> Client {
        Client {
            app: self.clone(),
            cookie: None,
            bearer: None,
            team: String::new(),
        }
    }

    /// Signs up a new user (through the sign-up form) and returns their browser.
    pub async fn user(&self, name: &str) -> Client {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let mut c = self.anonymous();
        let r = c
            .post(
                "/signup",
                &[
                    ("name", name),
                    ("email", &email),
                    ("password", "a long enough password"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        c.take_cookie(&r);
        let (user, _) = self.store.user_by_email(&email).await.unwrap().unwrap();
        c.team = self.store.teams_of(&user.id).await.unwrap()[0].id.clone();
        c
    }
}

impl Client {
    /// Keeps the session cookie a response set.
    pub fn take_cookie(&mut self, r: &Reply) {
        let value = r
            .set_cookie
            .split(';')
            .next()
            .and_then(|c| c.strip_prefix("trellis_session="))
            .expect("a session cookie");
        self.cookie = (!value.is_empty()).then(|| value.to_owned());
    }

    pub async fn send(&self, mut req: Request<Body>) -> Reply {
        let get = req.method() == axum::http::Method::GET;
        let h = req.headers_mut();
        h.insert(header::HOST, "localhost".parse().unwrap());
        if !get && !h.contains_key(header::ORIGIN) {
            h.insert(header::ORIGIN, "http://localhost".parse().unwrap());
        }
        if let Some(cookie) = &self.cookie {
            h.insert(
                header::COOKIE,
                format!("trellis_session={cookie}").parse().unwrap(),
            );
        }
        if let Some(token) = &self.bearer {
            h.insert(
                header::AUTHORIZATION,
                format!("Bearer {token}").parse().unwrap(),
            );
        }
        let res = self.app.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let header_of = |name| {
            res.headers()
                .get(name)
                .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let location = header_of(header::LOCATION);
        let set_cookie = header_of(header::SET_COOKIE);
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply {
            status,
            location,
            set_cookie,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(
            Request::get(path)
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(form).unwrap();
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "text/html")
                .header(header::REFERER, "http://localhost/")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Calls a server function as the browser bundle does (no `Accept: text/html`, no
    /// `Referer`): the answer is the function's own, not a redirect back to a page.
    pub async fn call(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(form).unwrap();
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Creates an assessment in the user's team and returns its id.
    pub async fn create(&self, name: &str) -> String {
        let r = self
            .post(
                "/api/create_assessment",
                &[
                    ("team", self.team.as_str()),
                    ("name", name),
                    ("description", ""),
                    ("environment", "prod"),
                ],
            )
            .await;
        assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
        let id = r.location.split('/').nth(2).unwrap().to_owned();
        assert_eq!(r.location, format!("/assessments/{id}/review/workload_fit"));
        id
    }
}
