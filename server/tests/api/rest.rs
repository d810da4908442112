//! The REST API under `/api/v1`, on a SQLite file (and on Postgres when `TEST_POSTGRES_URL` is
//! set): pages, versions, all-or-nothing batches, bad input that changes nothing, one error shape
//! for every failure, the very bytes of the web app's downloads, milestones and diffs, lenses,
//! an OpenAPI document that names every route, and `trellis push` against a real server.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::served::{Served, trellis};

/// One Trellis on a fresh database (see [`crate::database`]).
struct Api {
    app: axum::Router,
    store: store::Store,
    _dir: tempfile::TempDir,
}

/// A caller: a session, a token, both or neither.
#[derive(Clone)]
struct Caller {
    app: axum::Router,
    cookie: Option<String>,
    bearer: Option<String>,
    user: String,
    team: String,
}

/// What came back.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    fn content_type(&self) -> String {
        self.headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// Asserts the one error shape, and returns the message.
    fn error(&self, status: StatusCode) -> String {
        assert_eq!(self.status, status, "{}", self.text());
        assert!(
            self.content_type().starts_with("application/json"),
            "{status}: {}",
            self.content_type()
        );
        let v = self.json();
        assert_eq!(v["error"]["status"], status.as_u16(), "{v}");
        assert!(v["error"]["code"].is_string(), "{v}");
        let message = v["error"]["message"].as_str().unwrap().to_owned();
        assert!(!message.is_empty(), "{v}");
        message
    }
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

impl Api {
    async fn new() -> Api {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::database::fresh_url(dir.path()).await;
        let store = store::Store::connect(&url).await.unwrap();
        let app = server::web::router(server::state::AppState::new(
            store.clone(),
            dir.path().join("site"),
        ));
        Api {
            app,
            store,
            _dir: dir,
        }
    }

    fn anonymous(&self) -> Caller {
        Caller {
            app: self.app.clone(),
            cookie: None,
            bearer: None,
            user: String::new(),
            team: String::new(),
        }
    }

    /// A new user (signed up through the form), with a session and an API token for their team.
    async fn user(&self, name: &str) -> Caller {
        let email = format!("{}@example.com", unique("u-"));
        let body = serde_urlencoded::to_string([
            ("name", name),
            ("email", email.as_str()),
            ("password", "a long enough password"),
        ])
        .unwrap();
        let res = self
            .app
            .clone()
            .oneshot(
                Request::post("/signup")
                    .header(header::HOST, "localhost")
                    .header(header::ORIGIN, "http://localhost")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let cookie = res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .strip_prefix("trellis_session=")
            .unwrap()
            .to_owned();
        let (user, _) = self.store.user_by_email(&email).await.unwrap().unwrap();
        let team = self.store.teams_of(&user.id).await.unwrap()[0].id.clone();
        let secret = store::auth::new_secret("trl");
        self.store
            .create_api_token(&secret, &user.id, &team, "ci", 1)
            .await
            .unwrap();
        Caller {
            app: self.app.clone(),
            cookie: Some(cookie),
            bearer: Some(secret.token),
            user: user.id,
            team,
        }
    }

    /// Adds `who` to `team` with a role.
    async fn join(&self, team: &str, who: &Caller, role: store::auth::Role) {
        let secret = store::auth::new_secret("inv");
        self.store
            .create_invite(&secret, team, role, "t", 1, i64::MAX)
            .await
            .unwrap();
        let (id, invite) = self.store.invite(&secret.token, 2).await.unwrap().unwrap();
        self.store
            .accept_invite(&id, &invite, &who.user, 3)
            .await
            .unwrap();
    }
}

impl Caller {
    /// Only the token.
    fn token_only(&self) -> Caller {
        Caller {
            cookie: None,
            ..self.clone()
        }
    }

    /// Only the session.
    fn session_only(&self) -> Caller {
        Caller {
            bearer: None,
            ..self.clone()
        }
    }

    async fn send(&self, mut req: Request<Body>) -> Reply {
        let h = req.headers_mut();
        h.insert(header::HOST, "localhost".parse().unwrap());
        if let Some(c) = &self.cookie {
            h.insert(
                header::COOKIE,
                format!("trellis_session={c}").parse().unwrap(),
            );
            // A browser's same-origin request.
            if !h.contains_key(header::ORIGIN) {
                h.insert(header::ORIGIN, "http://localhost".parse().unwrap());
            }
        }
        if let Some(t) = &self.bearer {
            h.insert(
                header::AUTHORIZATION,
                format!("Bearer {t}").parse().unwrap(),
            );
        }
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply {
            status,
            headers,
            bytes,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let b = Request::builder().method(method).uri(path);
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    async fn create(&self, name: &str) -> Value {
        let r = self
            .call(
                Method::POST,
                "/api/v1/assessments",
                Some(json!({"name": name, "environment": "prod"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()
    }
}

#[tokio::test]
async fn assessments_page_by_cursor_without_gaps_or_duplicates() {
    let api = Api::new().await;
    let ana = api.user("Ana").await.token_only();
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(
            ana.create(&format!("Service {i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/assessments?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let r = ana.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let page = r.json();
        pages += 1;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|a| a["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/assessments?limit=2&cursor={c}"),
            None => break,
        }
        assert!(pages < 10, "the pages never end");
    }
    assert_eq!(pages, 3);
    made.reverse();
    assert_eq!(seen, made, "newest first, each once");
    // A cursor the API did not give, and a limit out of range, are named.
    let m = ana
        .get("/api/v1/assessments?cursor=nonsense")
        .await
        .error(StatusCode::BAD_REQUEST);
    assert!(m.starts_with("cursor:"), "{m}");
    let m = ana
        .get("/api/v1/assessments?limit=0")
        .await
        .error(StatusCode::BAD_REQUEST);
    assert!(m.starts_with("limit:"), "{m}");
}

#[tokio::test]
async fn assessments_are_searched_a_page_at_a_time() {
    let api = Api::new().await;
    let ana = api.user("Ana").await.token_only();
    let bob = api.user("Bob").await.token_only();
    for name in ["Payments API", "Payment gateway", "Orders"] {
        ana.create(name).await;
    }
    bob.create("Payments of Bob").await;
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = ana.get("/api/v1/assessments?q=pay%20API").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(names(&r.json()), ["Payments API"]);
    // Quotes, stars and operators are only separators; none leaks another team's reviews.
    let r = ana.get("/api/v1/assessments?q=%22PAYMENT%22*%20OR").await;
    assert!(names(&r.json()).is_empty());
    let mut seen = Vec::new();
    let mut path = "/api/v1/assessments?q=%27payment%27*&limit=1".to_owned();
    loop {
        let page = ana.get(&path).await.json();
        seen.extend(names(&page));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/assessments?q=payment&limit=1&cursor={c}"),
            None => break,
        }
        assert!(seen.len() < 5, "the pages never end");
    }
    seen.sort();
    assert_eq!(seen, ["Payment gateway", "Payments API"]);
    let m = ana
        .get(&format!("/api/v1/assessments?q={}", "x".repeat(201)))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert!(m.starts_with("q:"), "{m}");
    // The OpenAPI document names the parameter.
    let doc = ana.get("/api/v1/openapi.json").await.json();
    let params = doc["paths"]["/api/v1/assessments"]["get"]["parameters"]
        .as_array()
        .unwrap();
    assert!(params.iter().any(|p| p["name"] == "q"), "{params:?}");
}

#[tokio::test]
async fn assessments_are_created_read_updated_at_their_version_and_archived() {
    let api = Api::new().await;
    let ana = api.user("Ana").await.token_only();
    let r = ana
        .call(
            Method::POST,
            "/api/v1/assessments",
            Some(
                json!({"name": "  Orders  ", "description": "Takes orders", "environment": "prod"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let a = r.json();
    let id = a["id"].as_str().unwrap();
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/api/v1/assessments/{id}").as_str()
    );
    assert_eq!(a["name"], "Orders");
    assert_eq!(a["questionnaire_id"], "serverless-review");
    assert_eq!(a["team_id"], ana.team.as_str());
    assert_eq!(a["version"], 1);
    let path = format!("/api/v1/assessments/{id}");
    assert_eq!(ana.get(&path).await.json(), a);

    let r = ana
        .call(
            Method::PATCH,
            &path,
            Some(json!({"version": 1, "name": "Orders v2"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["name"], "Orders v2");
    assert_eq!(r.json()["description"], "Takes orders");
    assert_eq!(r.json()["version"], 2);
    // The same version again: someone else's change is not overwritten.
    let r = ana
        .call(
            Method::PATCH,
            &path,
            Some(json!({"version": 1, "name": "Mine"})),
        )
        .await;
    r.error(StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["details"]["current"]["name"], "Orders v2");
    assert_eq!(r.json()["error"]["details"]["current"]["version"], 2);

    let r = ana
        .call(
            Method::POST,
            &format!("{path}/archive"),
            Some(json!({"version": 2})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["archived"], true);
    let listed = |r: Reply| {
        r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id)
    };
    assert!(!listed(ana.get("/api/v1/assessments").await));
    assert!(listed(
        ana.get("/api/v1/assessments?include_archived=true").await
    ));
    let r = ana
        .call(
            Method::POST,
            &format!("{path}/restore"),
            Some(json!({"version": 3})),
        )
        .await;
    assert_eq!(r.json()["archived"], false);
    assert!(listed(ana.get("/api/v1/assessments").await));
}

#[tokio::test]
async fn one_answer_is_written_at_its_version_and_a_stale_one_gets_the_current_answer() {
    let api = Api::new().await;
    let ana = api.user("Ana").await.token_only();
    let id = ana.create("Orders").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = format!("/api/v1/assessments/{id}/answers/peak_rps");
    let r = ana
        .call(
            Method::PUT,
            &answer,
            Some(json!({"value": 50, "note": "launch"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["version"], 1);
    assert_eq!(r.json()["value"], 50.0);
    // No version: the writer saw no answer, but there is one now.
    let r = ana
        .call(Method::PUT, &answer, Some(json!({"value": 80})))
        .await;
    r.error(StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["details"]["current"]["value"], 50.0);
    assert_eq!(r.json()["error"]["details"]["current"]["note"], "launch");
    let r = ana
        .call(
            Method::PUT,
            &answer,
            Some(json!({"value": 80, "version": 1})),
        )
        .await;
    assert_eq!(r.json()["version"], 2);
    let r = ana
        .call(
            Method::PUT,
            &answer,
            Some(json!({"value": 90, "version": 1})),
        )
        .await;
    r.error(StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["details"]["current"]["version"], 2);
    // A choice question takes its choice id; a bad one is named and changes nothing.
    let r = ana
        .call(
            Method::PUT,
            &format!("/api/v1/assessments/{id}/answers/traffic_shape"),
            Some(json!({"value": "sideways"})),
        )
        .await;
    let m = r.error(StatusCode::BAD_REQUEST);
    assert!(m.starts_with("traffic_shape.value:"), "{m}");
    // Clearing takes the version too.
    let r = ana
        .call(Method::DELETE, &format!("{answer}?version=1"), None)
        .await;
    r.error(StatusCode::CONFLICT);
    let r = ana
        .call(Method::DELETE, &format!("{answer}?version=2"), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let all = ana
        .get(&format!("/api/v1/assessments/{id}/answers"))
        .await
        .json();
    assert_eq!(all["items"], json!([]));
    ana.get(&format!("/api/v1/assessments/{id}/answers/nope"))
        .await
        .error(StatusCode::METHOD_NOT_ALLOWED);
    ana.call(
        Method::PUT,
        &format!("/api/v1/assessments/{id}/answers/no_such_question"),
        Some(json!({"value": 1})),
    )
    .await
    .error(StatusCode::NOT_FOUND);
}

async fn answers_of(c: &Caller, id: &str) -> Value {
    c.get(&format!("/api/v1/assessments/{id}/answers"))
        .await
        .json()["items"]
        .clone()
}

#[tokio::test]
async fn a_batch_is_stored_whole_or_not_at_all() {
    let api = Api::new().await;
    let ana = api.user("Ana").await.token_only();
    let id = ana.create("Orders").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let batch = format!("/api/v1/assessments/{id}/answers");
    let r = ana
        .call(
            Method::PUT,
            &batch,
            Some(json!({"answers": [
                {"question_id": "peak_rps", "value": 50},
                {"question_id": "traffic_shape", "value": "spiky"},
                {"question_id": "ordering", "not_applicable": "no ordering at all"}
            ]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["changed"], 3);
    let before = answers_of(&ana, &id).await;
    assert_eq!(before.as_array().unwrap().len(), 3);

    // One stale version: nothing of the batch is stored, and the conflict says what is there.
    let r = ana
        .call(
            Method::PUT,
            &batch,
            Some(json!({"answers": [
                {"question_id": "peak_rps", "value": 70, "version": 1},
                {"question_id": "traffic_shape", "value": "steady_24x7"},
            ]})),
        )
        .await;
    r.error(StatusCode::CONFLICT);
    let conflicts = &r.json()["error"]["details"]["conflicts"];
    assert_eq!(conflicts[0]["question_id"], "traffic_shape");
    assert_eq!(conflicts[0]["current"]["value"], "spiky");
    assert_eq!(answers_of(&ana, &id).await, before, "nothing changed");

    // One bad value: every bad field is named, nothing is stored.
    let r = ana
        .call(
            Method::PUT,
            &batch,
            Some(json!({"answers": [
                {"question_id": "peak_rps", "value": 70, "version": 1},
                {"question_id": "entry_point", "value": "carrier_pigeon"},
                {"question_id": "nope", "value": 1},
            ]})),
        )
        .await;
    let m = r.error(StatusCode::BAD_REQUEST);
    let body = r.json();
    let fields: Vec<&str> = body["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["answers[1].value", "answers[2].question_id"],
        "{m}"
    );
    assert_eq!(answers_of(&ana, &id).await, before, "nothing changed");

    // Every version current: all stored, a clear included.
    let r = ana
        .call(
            Method::PUT,
            &batch,
            Some(json!({"answers": [
                {"question_id": "peak_rps", "value": 70, "version": 1},
                {"question_id": "traffic_shape", "clear": true, "version": 1},
            ]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["cleared"], json!(["traffic_shape"]));
    assert_eq!(r.json()["answers"][0]["version"], 2);
}

#[tokio::test]
async fn an_answers_file_replaces_or_merges_in_one_go() {
    let api = Api::new().await;
    let ana = api.user("Ana").await.token_only();
    let id = ana.create("Orders").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ana.call(
        Method::PUT,
        &format!("/api/v1/assessments/{id}/answers/memory_mb"),
        Some(json!({"value": 512})),
    )
    .await;
    let file = json!({
        "questionnaire": "serverless-review",
        "workload": {"name": "Orders"},
        "answers": {
            "peak_rps": 120,
            "traffic_shape": {"value": "spiky", "note": "sales"},
            "ordering": {"not_applicable": "none"}
        }
    });
    let r = ana
        .call(
            Method::PUT,
            &format!("/api/v1/assessments/{id}/answers-file"),
            Some(file.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["changed"], 3);
    assert_eq!(answers_of(&ana, &id).await.as_array().unwrap().len(), 4);
    // The same file again changes nothing; `replace` clears what it does not name.
    let r = ana
        .call(
            Method::PUT,
            &format!("/api/v1/assessments/{id}/answers-file?mode=replace"),
            Some(file),
        )
        .await;
    assert_eq!(r.json()["changed"], 1);
    assert_eq!(r.json()["cleared"], json!(["memory_mb"]));
    let ids: Vec<Value> = answers_of(&ana, &id)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["question_id"].clone())
        .collect();
    assert_eq!(
        ids,
        [json!("ordering"), json!("peak_rps"), json!("traffic_shape")]
    );
    // A bad file names every problem and stores nothing.
    let r = ana
        .call(
            Method::PUT,
            &format!("/api/v1/assessments/{id}/answers-file?mode=replace"),
            Some(
                json!({"questionnaire": "serverless-review", "workload": {"name": "x"},
                         "answers": {"peak_rps": -5, "traffic_shape": "sideways"}}),
            ),
        )
        .await;
    let m = r.error(StatusCode::BAD_REQUEST);
    assert!(
        m.contains("answers.peak_rps") && m.contains("answers.traffic_shape"),
        "{m}"
    );
    assert_eq!(answers_of(&ana, &id).await.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn every_failure_is_json_in_one_shape() {
    let api = Api::new().await;
    let ana = api.user("Ana").await;
    let vera = api.user("Vera").await;
    api.join(&ana.team, &vera, store::auth::Role::Viewer).await;
    let id = ana.token_only().create("Orders").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = format!("/api/v1/assessments/{id}");

    // 401: no credentials, and a bad token.
    let m = api
        .anonymous()
        .get("/api/v1/assessments")
        .await
        .error(StatusCode::UNAUTHORIZED);
    assert!(!m.is_empty());
    let bad = Caller {
        bearer: Some("trl_nope_nope".into()),
        ..api.anonymous()
    };
    let r = bad.get("/api/v1/assessments").await;
    let m = r.error(StatusCode::UNAUTHORIZED);
    assert!(m.contains("not valid"), "{m}");
    assert_eq!(r.headers[header::WWW_AUTHENTICATE], "Bearer");
    // 403: a viewer's write, and a session's write from another site.
    let m = vera
        .session_only()
        .call(
            Method::PUT,
            &format!("{a}/answers/peak_rps"),
            Some(json!({"value": 1})),
        )
        .await
        .error(StatusCode::FORBIDDEN);
    assert!(m.contains("editor"), "{m}");
    let mut req = Request::post("/api/v1/assessments")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(r#"{"name": "x"}"#))
        .unwrap();
    req.headers_mut()
        .insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    ana.session_only()
        .send(req)
        .await
        .error(StatusCode::FORBIDDEN);
    // A token needs no Origin.
    let req = Request::post("/api/v1/assessments")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"name": "From CI"}"#))
        .unwrap();
    assert_eq!(ana.token_only().send(req).await.status, StatusCode::CREATED);
    // 404: an unknown path, an unknown assessment, someone else's assessment.
    let m = ana
        .get("/api/v1/no-such-thing")
        .await
        .error(StatusCode::NOT_FOUND);
    assert!(m.contains("openapi.json"), "{m}");
    ana.get("/api/v1/assessments/nope")
        .await
        .error(StatusCode::NOT_FOUND);
    let other = api.user("Oscar").await;
    other.get(&a).await.error(StatusCode::NOT_FOUND);
    // 405, with what the path takes.
    let r = ana.call(Method::DELETE, "/api/v1/catalog", None).await;
    r.error(StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.headers.contains_key(header::ALLOW));
    // 409.
    ana.call(Method::PATCH, &a, Some(json!({"version": 7, "name": "x"})))
        .await
        .error(StatusCode::CONFLICT);
    // 400: bad JSON, and JSON of the wrong shape (the field is named).
    let req = Request::patch(a.as_str())
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"version\": "))
        .unwrap();
    ana.send(req).await.error(StatusCode::BAD_REQUEST);
    let m = ana
        .call(Method::PATCH, &a, Some(json!({"version": "one"})))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert!(m.contains("version"), "{m}");
    let m = ana
        .call(
            Method::PATCH,
            &a,
            Some(json!({"version": 1, "colour": "red"})),
        )
        .await
        .error(StatusCode::BAD_REQUEST);
    assert!(m.contains("colour"), "{m}");
    let m = ana
        .call(Method::PATCH, &a, Some(json!({"version": 1, "name": " "})))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert!(m.starts_with("name:"), "{m}");
    // 413 and 415.
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let req = Request::post("/api/v1/assessments")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, big.len())
        .body(Body::from(big))
        .unwrap();
    ana.send(req).await.error(StatusCode::PAYLOAD_TOO_LARGE);
    let req = Request::post("/api/v1/assessments")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("name=x"))
        .unwrap();
    ana.send(req)
        .await
        .error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let req = Request::post("/api/v1/lint")
        .body(Body::from("{}"))
        .unwrap();
    ana.send(req)
        .await
        .error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Pages outside the API keep their HTML errors.
    let r = ana.get("/no-such-page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.content_type().starts_with("text/html"));
}

/// Fetches two paths until they give the same bytes (reports carry the second they were made).
async fn same_bytes(c: &Caller, api_path: &str, web_path: &str) -> (Reply, Reply) {
    let mut last = None;
    for _ in 0..5 {
        let a = c.get(api_path).await;
        let w = c.get(web_path).await;
        assert_eq!(a.status, StatusCode::OK, "{api_path}: {}", a.text());
        assert_eq!(w.status, StatusCode::OK, "{web_path}");
        if a.bytes == w.bytes {
            return (a, w);
        }
        last = Some((a, w));
    }
    let (a, w) = last.unwrap();
    panic!(
        "{api_path} and {web_path} differ: {} and {} bytes",
        a.bytes.len(),
        w.bytes.len()
    );
}

#[tokio::test]
async fn every_download_is_the_web_apps_very_bytes() {
    let api = Api::new().await;
    let ana = api.user("Ana").await.token_only();
    let id = ana.create("Orders").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../questionnaires/tests/cases/01_bursty_crud_api.toml"),
    )
    .unwrap();
    let file: Value = toml::from_str(&text).unwrap();
    let r = ana
        .call(
            Method::PUT,
            &format!("/api/v1/assessments/{id}/answers-file"),
            Some(file),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = ana
        .call(
            Method::POST,
            &format!("/api/v1/assessments/{id}/milestones"),
            Some(json!({"name": "Launch"})),
        )
        .await;
    let m = r.json()["id"].as_str().unwrap().to_owned();
    for file in [
        "report.pdf",
        "report.html",
        "report.md",
        "report.json",
        "report.csv",
        "adr.zip",
        "backlog.zip",
        "jira.csv",
    ] {
        let (a, w) = same_bytes(
            &ana,
            &format!("/api/v1/assessments/{id}/{file}"),
            &format!("/assessments/{id}/{file}"),
        )
        .await;
        assert_eq!(a.content_type(), w.content_type(), "{file}");
        assert_eq!(
            a.headers[header::CONTENT_DISPOSITION],
            w.headers[header::CONTENT_DISPOSITION]
        );
        same_bytes(
            &ana,
            &format!("/api/v1/assessments/{id}/milestones/{m}/{file}"),
            &format!("/assessments/{id}/milestones/{m}/{file}"),
        )
        .await;
    }
    let q = "pattern=api_lambda_dynamodb&runtime=typescript";
    let (zip, _) = same_bytes(
        &ana,
        &format!("/api/v1/assessments/{id}/scaffold.zip?{q}"),
        &format!("/assessments/{id}/scaffold.zip?{q}"),
    )
    .await;
    assert_eq!(zip.content_type(), "application/zip");
    assert!(zip.bytes.starts_with(b"PK"));
    // A bad choice is named, as JSON.
    let m = ana
        .get(&format!(
            "/api/v1/assessments/{id}/scaffold.zip?runtime=cobol"
        ))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert!(m.contains("cobol"), "{m}");
    ana.get(&format!(
        "/api/v1/assessments/{id}/milestones/nope/report.md"
    ))
    .await
    .error(StatusCode::NOT_FOUND);
    // The evaluation is the domain's, as `trellis evaluate` computes it.
    let e = ana
        .get(&format!("/api/v1/assessments/{id}/evaluation"))
        .await
        .json();
    let local = questionnaires::evaluate(
        questionnaires::builtin(),
        &questionnaires::parse_answers_file(
            &text,
            questionnaires::Format::Toml,
            questionnaires::builtin(),
        )
        .unwrap()
        .answers,
    );
    assert_eq!(e, serde_json::to_value(&local).unwrap());
}

#[tokio::test]
async fn milestones_are_saved_listed_read_and_compared() {
    let api = Api::new().await;
    let ana = api.user("Ana").await.token_only();
    let id = ana.create("Orders").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = format!("/api/v1/assessments/{id}");
    ana.call(
        Method::PUT,
        &format!("{a}/answers/idempotency"),
        Some(json!({"value": "none"})),
    )
    .await;
    let r = ana
        .call(
            Method::POST,
            &format!("{a}/milestones"),
            Some(json!({"name": "Before"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let m = r.json()["id"].as_str().unwrap().to_owned();
    ana.call(
        Method::POST,
        &format!("{a}/milestones"),
        Some(json!({"name": " "})),
    )
    .await
    .error(StatusCode::BAD_REQUEST);
    let list = ana.get(&format!("{a}/milestones")).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["name"], "Before");
    let detail = ana.get(&format!("{a}/milestones/{m}")).await.json();
    assert_eq!(detail["answers"][0]["question_id"], "idempotency");
    assert_eq!(detail["answers"][0]["value"], "none");
    assert!(detail["evaluation"]["risks"].is_array());
    ana.call(
        Method::PUT,
        &format!("{a}/answers/idempotency"),
        Some(json!({"value": "keys_enforced", "version": 1})),
    )
    .await;
    let d = ana.get(&format!("{a}/diff?from={m}")).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text());
    let d = d.json();
    assert_eq!(d["from"]["id"], m.as_str());
    assert_eq!(d["to"]["id"], "current");
    assert_eq!(d["diff"]["answers"].as_array().unwrap().len(), 1);
    let md = ana.get(&format!("{a}/diff.md?from={m}&to=current")).await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(md.content_type().starts_with("text/markdown"));
    ana.get(&format!("{a}/diff?from=nope"))
        .await
        .error(StatusCode::NOT_FOUND);
    ana.get(&format!("{a}/diff"))
        .await
        .error(StatusCode::BAD_REQUEST);
}

fn lens_file(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ours = root.join("../questionnaires/tests/lenses").join(name);
    if ours.is_file() {
        ours
    } else {
        root.join("../../shared/reference/lenses").join(name)
    }
}

async fn send_lens(c: &Caller, path: &str, text: &str) -> Reply {
    c.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(text.to_owned()))
            .unwrap(),
    )
    .await
}

/// Imports `lens` as a new version of lens `lens_id`, which must be made.
async fn new_version(c: &Caller, lens_id: &str, lens: &Value) -> Reply {
    let r = send_lens(
        c,
        &format!("/api/v1/questionnaires/{lens_id}/versions"),
        &lens.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r
}

/// Posts a page's form, as a browser would.
async fn post_form(c: &Caller, path: &str, form: &str) -> Reply {
    c.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn lenses_are_linted_imported_versioned_exported_and_reviewed() {
    let api = Api::new().await;
    let ana = api.user("Ana").await.token_only();
    let text =
        std::fs::read_to_string(lens_file("06_waf_custom_lens_automation_sample.json")).unwrap();
    let lint = send_lens(&ana, "/api/v1/lint", &text).await;
    assert_eq!(lint.status, StatusCode::OK, "{}", lint.text());
    assert_eq!(lint.json()["errors"], 0);

    let r = send_lens(&ana, "/api/v1/questionnaires", &text).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let lens = r.json()["questionnaire"].clone();
    let lens_id = lens["id"].as_str().unwrap().to_owned();
    assert_eq!(lens["version"], "v1");
    assert_eq!(lens["questions"], 6);
    assert_eq!(
        r.json()["warnings"].as_array().unwrap().len(),
        lint.json()["warnings"].as_u64().unwrap() as usize
    );
    let list = ana.get("/api/v1/questionnaires").await.json();
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["serverless-review", lens_id.as_str()]);

    // The same file again adds no version; a changed one adds v2.
    let r = send_lens(
        &ana,
        &format!("/api/v1/questionnaires/{lens_id}/versions"),
        &text,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["unchanged"], true);
    let mut changed: Value = serde_json::from_str(&text).unwrap();
    changed["description"] = json!("A second version.");
    let r = new_version(&ana, &lens_id, &changed).await;
    assert_eq!(r.json()["questionnaire"]["version"], "v2");

    let detail = ana
        .get(&format!("/api/v1/questionnaires/{lens_id}?version=1"))
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text());
    let detail = detail.json();
    assert_eq!(detail["versions"].as_array().unwrap().len(), 2);
    let area = &detail["areas"][0];
    let question = area["questions"][0]["id"].as_str().unwrap().to_owned();
    let choice = area["questions"][0]["choices"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let export = ana
        .get(&format!("/api/v1/questionnaires/{lens_id}/lens.json"))
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.json()["schemaVersion"], "2021-11-01");
    let builtin = ana
        .get("/api/v1/questionnaires/serverless-review/lens.json")
        .await;
    assert_eq!(builtin.json()["schemaVersion"], "2021-11-01");

    // A lens with errors: 422 with every finding, nothing imported.
    let r = send_lens(
        &ana,
        "/api/v1/questionnaires",
        r#"{"schemaVersion": "2021-11-01"}"#,
    )
    .await;
    r.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !r.json()["error"]["details"]["findings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ana.get("/api/v1/questionnaires").await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = send_lens(&ana, "/api/v1/lint", "[1, 2]").await;
    r.error(StatusCode::BAD_REQUEST);

    // A review on the lens: one good practice only is a risk, with a checklist to follow.
    let r = ana
        .call(
            Method::POST,
            "/api/v1/assessments",
            Some(json!({"name": "Payments", "questionnaire": lens_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["questionnaire_id"], lens_id.as_str());
    let r = ana
        .call(
            Method::PUT,
            &format!("/api/v1/assessments/{id}/answers"),
            Some(json!({"answers": [{"question_id": question, "value": [choice]}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let e = ana
        .get(&format!("/api/v1/assessments/{id}/evaluation"))
        .await
        .json();
    assert!(!e["risks"].as_array().unwrap().is_empty(), "{}", e["risks"]);
    assert!(!e["checklist"].as_array().unwrap().is_empty());
    let md = ana
        .get(&format!("/api/v1/assessments/{id}/report.md"))
        .await;
    assert_eq!(md.status, StatusCode::OK);
    ana.get(&format!("/api/v1/assessments/{id}/scaffold.zip"))
        .await
        .error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_names_every_api_route() {
    let api = Api::new().await;
    let r = api.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("application/json"));
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.push((method.to_uppercase(), path.clone()));
            let responses = op["responses"].as_object().unwrap();
            for status in ["400", "401", "500"] {
                assert!(responses.contains_key(status), "{method} {path}: {status}");
            }
        }
    }
    documented.sort();
    let mut served: Vec<(String, String)> = server::web::route_list()
        .into_iter()
        .filter(|(_, p)| p.starts_with("/api/v1/"))
        .map(|(m, p)| (m.to_string(), p))
        .collect();
    served.sort();
    assert_eq!(documented, served);
    eprintln!("OpenAPI: {} operations", documented.len());
    // The page lists them all.
    let page = api.anonymous().get("/api").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains(&format!("Operations ({})", documented.len())));
    assert!(html.contains("/api/v1/assessments/{id}/answers-file"));
    assert!(html.contains("trellis push"));
}

fn push(args: &[&str], token: &str) -> std::process::Output {
    trellis()
        .args(args)
        .env("TRELLIS_TOKEN", token)
        .output()
        .unwrap()
}

#[tokio::test]
async fn push_creates_or_updates_a_review_and_fails_on_its_risks() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::database::fresh_url(dir.path()).await;
    // The account and token first: a SQLite file then belongs to the server alone.
    let (token, user) = {
        let store = store::Store::connect(&url).await.unwrap();
        let email = format!("{}@example.com", unique("ci-"));
        let (user, team) = store
            .create_user(&email, "CI", "not-a-hash", 1)
            .await
            .unwrap();
        let secret = store::auth::new_secret("trl");
        store
            .create_api_token(&secret, &user.id, &team, "ci", 1)
            .await
            .unwrap();
        (secret.token, user.id)
    };
    let (at, logs) = (url.clone(), dir.path().to_owned());
    let server = tokio::task::spawn_blocking(move || Served::start(&at, &logs, "push").ready())
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    let risky = dir.path().join("risky.toml");
    std::fs::write(
        &risky,
        "questionnaire = \"serverless-review\"\n[workload]\nname = \"Payments\"\n[answers]\n\
         duplicate_sensitivity = \"costly\"\nidempotency = \"none\"\n",
    )
    .unwrap();
    let risky = risky.to_str().unwrap().to_owned();
    let base = server.base();
    let token2 = token.clone();
    let out = tokio::task::spawn_blocking(move || {
        push(
            &["push", &risky, "--server", &base, "--fail-on", "high"],
            &token2,
        )
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Payments") && stdout.contains("high"),
        "{stdout}"
    );
    let review = stdout
        .split_whitespace()
        .find(|w| w.starts_with("http://") && w.ends_with("/results"))
        .expect("the review's address")
        .to_owned();
    let id = review.split('/').nth(4).unwrap().to_owned();

    // The same review, calmer answers: exit 0, and the answers are the file's only.
    let calm = dir.path().join("calm.json");
    std::fs::write(
        &calm,
        json!({"questionnaire": "serverless-review", "workload": {"name": "Payments API"},
               "answers": {"idempotency": "keys_enforced"}})
        .to_string(),
    )
    .unwrap();
    let calm = calm.to_str().unwrap().to_owned();
    let (base, token2, id2) = (server.base(), token.clone(), id.clone());
    let out = tokio::task::spawn_blocking(move || {
        push(
            &[
                "push",
                &calm,
                "--server",
                &base,
                "--assessment",
                &id2,
                "--fail-on",
                "high",
                "--format",
                "json",
            ],
            &token2,
        )
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["assessment"], id.as_str());
    assert!(v["risks"].is_array() && v["scores"].is_object());

    // Bad input: exit 2, the problems on stderr, nothing created.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "questionnaire = \"serverless-review\"\n[workload]\nname = \"Broken\"\n[answers]\npeak_rps = -5\n",
    )
    .unwrap();
    let bad = bad.to_str().unwrap().to_owned();
    let (base, token2) = (server.base(), token.clone());
    let out =
        tokio::task::spawn_blocking(move || push(&["push", &bad, "--server", &base], &token2))
            .await
            .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("answers.peak_rps"));
    // A revoked or wrong token: exit 2 with the server's message.
    let base = server.base();
    let calm2 = dir.path().join("calm.json").to_str().unwrap().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        push(&["push", &calm2, "--server", &base], "trl_wrong_token")
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("401"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // `trellis lens import`: a lens, then a broken one (exit 1).
    let lens = lens_file("06_waf_custom_lens_automation_sample.json");
    let (base, token2) = (server.base(), token.clone());
    let out = tokio::task::spawn_blocking(move || {
        push(
            &["lens", "import", lens.to_str().unwrap(), "--server", &base],
            &token2,
        )
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported as lens-"));
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, r#"{"schemaVersion": "2021-11-01", "name": "x"}"#).unwrap();
    let (base, token2) = (server.base(), token.clone());
    let out = tokio::task::spawn_blocking(move || {
        push(
            &[
                "lens",
                "import",
                broken.to_str().unwrap(),
                "--server",
                &base,
            ],
            &token2,
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    drop(server);
    // One review was made, with the second file's answers.
    let store = store::Store::connect(&url).await.unwrap();
    let reviews = crate::database::all_assessments(&store, &user, true).await;
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].name, "Payments API");
    let answers = store.answers(&id).await.unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].question_id, "idempotency");
}

#[tokio::test]
async fn a_review_moves_to_its_lens_s_newest_version_carrying_what_still_fits() {
    let api = Api::new().await;
    let user = api.user("Ana").await;
    let (ana, browser) = (user.token_only(), user.session_only());
    let text =
        std::fs::read_to_string(lens_file("06_waf_custom_lens_automation_sample.json")).unwrap();
    let r = send_lens(&ana, "/api/v1/questionnaires", &text).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let lens_id = r.json()["questionnaire"]["id"].as_str().unwrap().to_owned();
    let r = ana
        .call(
            Method::POST,
            "/api/v1/assessments",
            Some(json!({"name": "On a lens", "questionnaire": lens_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let version = r.json()["version"].as_i64().unwrap();
    let detail = ana
        .get(&format!("/api/v1/questionnaires/{lens_id}"))
        .await
        .json();
    let qid = |area: usize, q: usize| {
        detail["areas"][area]["questions"][q]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // Monitoring (kept as it is), incident management (gone in v2), data protection (its
    // fourth choice gone in v2).
    let (monitoring, incidents, data) = (qid(0, 0), qid(0, 1), qid(1, 0));
    for (q, choice) in [
        (&monitoring, "choice1"),
        (&incidents, "choice2"),
        (&data, "choice4"),
    ] {
        let r = ana
            .call(
                Method::PUT,
                &format!("/api/v1/assessments/{id}/answers/{q}"),
                Some(json!({"value": [choice]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text());
    }
    let upgrade = format!("/api/v1/assessments/{id}/lens-upgrade");
    ana.call(Method::POST, &upgrade, Some(json!({"version": version})))
        .await
        .error(StatusCode::BAD_REQUEST); // already on the newest version

    let mut v2: Value = serde_json::from_str(&text).unwrap();
    let opex = v2["pillars"][0]["questions"].as_array_mut().unwrap();
    let mut alerting = opex[0].clone();
    alerting["id"] = json!("alerting");
    alerting["title"] = json!("Alerting");
    opex.remove(1);
    opex.push(alerting);
    let data_v2 = &mut v2["pillars"][1]["questions"][0];
    data_v2["choices"].as_array_mut().unwrap().pop();
    data_v2["riskRules"] = json!([
        {"condition": "choice1", "risk": "NO_RISK"},
        {"condition": "default", "risk": "HIGH_RISK"}
    ]);
    new_version(&ana, &lens_id, &v2).await;

    // The page shows what the move would do, before anything is written.
    let page = browser.get(&format!("/assessments/{id}/lens")).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    for expected in [
        "v2 is available",
        "Alerting",
        "no such question",
        "Move to v2",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }

    // A stale version changes nothing, on the page and in the API.
    let stale = post_form(
        &browser,
        &format!("/assessments/{id}/lens"),
        &format!("version={}", version + 7),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text());
    assert!(
        stale
            .text()
            .contains("The review changed while you read this page")
    );
    ana.call(
        Method::POST,
        &upgrade,
        Some(json!({"version": version + 7})),
    )
    .await
    .error(StatusCode::CONFLICT);
    assert_eq!(
        ana.get(&format!("/api/v1/assessments/{id}/answers"))
            .await
            .json()["items"]
            .as_array()
            .map_or(0, Vec::len),
        3
    );
    let current = ana.get(&format!("/api/v1/assessments/{id}")).await.json()["version"]
        .as_i64()
        .unwrap();
    let r = ana
        .call(Method::POST, &upgrade, Some(json!({"version": current})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let moved = r.json();
    assert_eq!(
        (moved["from_version"].as_str(), moved["to_version"].as_str()),
        (Some("v1"), Some("v2"))
    );
    assert_eq!(moved["carried"], 1);
    let dropped: Vec<&str> = moved["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["question_id"].as_str().unwrap())
        .collect();
    assert_eq!(dropped.len(), 2, "{moved}");
    assert!(dropped.contains(&incidents.as_str()) && dropped.contains(&data.as_str()));
    let reasons = moved["dropped"].to_string();
    assert!(
        reasons.contains("no such question") && reasons.contains("choice4"),
        "{reasons}"
    );
    assert_eq!(moved["added"][0]["title"], "Alerting");

    // The answers the new version holds, and the milestone of how it was.
    let answers = ana
        .get(&format!("/api/v1/assessments/{id}/answers"))
        .await
        .json();
    let ids: Vec<&str> = answers["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["question_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [monitoring.as_str()]);
    let milestones = ana
        .get(&format!("/api/v1/assessments/{id}/milestones"))
        .await
        .json()
        .to_string();
    assert!(milestones.contains("Before moving to v2"), "{milestones}");
    let again = ana
        .call(
            Method::POST,
            &upgrade,
            Some(json!({"version": moved["version"]})),
        )
        .await;
    again.error(StatusCode::BAD_REQUEST);

    // A third version drops "Alerting"; the page's form moves the review to it and says what
    // it did.
    let alerting = v2["pillars"][0]["questions"].as_array_mut().unwrap().pop();
    assert_eq!(alerting.unwrap()["title"], "Alerting");
    new_version(&ana, &lens_id, &v2).await;
    let moved = post_form(
        &browser,
        &format!("/assessments/{id}/lens"),
        &format!("version={}", moved["version"]),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
    let text = moved.text();
    for expected in [
        "Moved from v2 to v3",
        "1 answer(s) carried, 0 dropped",
        "on <strong>",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    let page = browser.get(&format!("/assessments/{id}/lens")).await.text();
    assert!(page.contains("Up to date") && page.contains("v3"), "{page}");

    // The built-in review has no versions to move between.
    let builtin = ana.create("Built in").await;
    let id = builtin["id"].as_str().unwrap();
    ana.call(
        Method::POST,
        &format!("/api/v1/assessments/{id}/lens-upgrade"),
        Some(json!({"version": builtin["version"]})),
    )
    .await
    .error(StatusCode::BAD_REQUEST);
}
