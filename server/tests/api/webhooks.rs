//! Outbound webhooks against a real HTTP receiver started by each test (axum on a local port),
//! on a real database (SQLite, or Postgres with `TEST_POSTGRES_URL`): the signature verifies
//! with the secret and the timestamp; a receiver that is down and comes back, or answers 500,
//! gets the delivery after real retries; SSRF targets are refused when saved and when sent; an
//! event of a rolled-back write is never sent; two senders never send one delivery twice.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use server::webhooks::Settings;

use super::access::World;
use super::client::{Client, TestApp};

/// What the receiver got: each request's headers and body.
#[derive(Clone, Default)]
struct Inbox {
    got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// Statuses to answer, in order; then 200.
    answers: Arc<Mutex<Vec<u16>>>,
}

impl Inbox {
    fn got(&self) -> Vec<(HeaderMap, String)> {
        self.got.lock().unwrap().clone()
    }
}

/// Starts a receiver on `addr` (port 0: any); its address.
async fn receiver(addr: SocketAddr, inbox: Inbox) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let local = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let inbox = inbox.clone();
            async move {
                inbox.got.lock().unwrap().push((headers, body));
                let mut answers = inbox.answers.lock().unwrap();
                let status = if answers.is_empty() {
                    200
                } else {
                    answers.remove(0)
                };
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    local
}

fn quick() -> Settings {
    Settings {
        allow_private: true,
        backoff: Duration::from_millis(50),
        max_attempts: 4,
        timeout: Duration::from_secs(2),
        poll: Duration::from_millis(20),
    }
}

async fn app_with(settings: Settings) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = super::database::fresh_url(dir.path()).await;
    let store = store::Store::connect(&url).await.unwrap();
    let mut state = server::state::AppState::new(store, dir.path().join("site"));
    state.webhooks = settings;
    let mut app = TestApp::with_state(state, dir);
    app.url = url;
    app
}

fn api(method: &str, path: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// Makes a hook of the owner's team on `url`: (hook id, secret).
async fn make_hook(owner: &Client, url: &str, events: &[&str]) -> (String, String) {
    let r = owner
        .send(api(
            "POST",
            &format!("/api/v1/teams/{}/webhooks", owner.team),
            &json!({"url": url, "events": events}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    (
        v["id"].as_str().unwrap().to_owned(),
        v["secret"].as_str().unwrap().to_owned(),
    )
}

async fn save_milestone(owner: &Client, review: &str, name: &str) {
    let r = owner
        .send(api(
            "POST",
            &format!("/api/v1/assessments/{review}/milestones"),
            &json!({"name": name}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// Runs the sender until `done` holds (or five seconds pass): real sends, real backoff.
async fn send_until(app: &TestApp, settings: &Settings, done: impl Fn() -> bool) {
    let agent = server::webhooks::agent(settings);
    for _ in 0..250 {
        server::webhooks::send_due(&app.store, settings, &agent, "test-sender")
            .await
            .unwrap();
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn log(owner: &Client, hook: &str) -> Vec<Value> {
    let r = owner
        .get(&format!(
            "/api/v1/teams/{}/webhooks/{hook}/deliveries",
            owner.team
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    v["items"].as_array().unwrap().clone()
}

fn header_of<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).map(|v| v.to_str().unwrap()).unwrap_or_default()
}

#[tokio::test]
async fn a_delivery_is_signed_with_the_secret_over_the_timestamp_and_body() {
    let settings = quick();
    let app = app_with(settings).await;
    let owner = app.user("Olive Owner").await;
    let review = owner.create("Payments API").await;
    let inbox = Inbox::default();
    let at = receiver("127.0.0.1:0".parse().unwrap(), inbox.clone()).await;
    let (hook, secret) =
        make_hook(&owner, &format!("http://{at}/hook"), &["milestone_saved"]).await;
    save_milestone(&owner, &review, "Before launch").await;
    send_until(&app, &settings, || !inbox.got().is_empty()).await;

    let got = inbox.got();
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    let sig = header_of(headers, "trellis-signature");
    let (t, v1) = sig.split_once(',').unwrap();
    let t: i64 = t.strip_prefix("t=").unwrap().parse().unwrap();
    let v1 = v1.strip_prefix("v1=").unwrap();
    assert_eq!(v1, server::webhooks::sign(&secret, t, body));
    assert_ne!(v1, server::webhooks::sign("whsec_wrong", t, body));
    assert_ne!(v1, server::webhooks::sign(&secret, t + 1, body));
    let now = server::service::now_ms() / 1000;
    assert!((now - t).abs() < 60, "the timestamp is the time of sending");

    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(event["type"], "milestone_saved");
    assert_eq!(event["review"]["id"], review);
    assert_eq!(event["review"]["title"], "Payments API");
    assert_eq!(event["team"], owner.team);
    assert_eq!(event["details"]["milestone"]["name"], "Before launch");
    assert_eq!(header_of(headers, "idempotency-key"), event["id"]);
    assert_eq!(header_of(headers, "trellis-event"), "milestone_saved");

    let log = log(&owner, &hook).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "delivered");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["tries"][0]["status"], 200);
}

#[tokio::test]
async fn only_subscribed_events_of_the_team_are_delivered() {
    let settings = quick();
    let app = app_with(settings).await;
    let owner = app.user("Olive Owner").await;
    let other = app.user("Oscar Other").await;
    let review = owner.create("Payments API").await;
    let theirs = other.create("Their review").await;
    let inbox = Inbox::default();
    let at = receiver("127.0.0.1:0".parse().unwrap(), inbox.clone()).await;
    make_hook(
        &owner,
        &format!("http://{at}/hook"),
        &["checklist_item_changed"],
    )
    .await;
    // Not subscribed; another team's change.
    save_milestone(&owner, &review, "One").await;
    save_milestone(&other, &theirs, "Theirs").await;
    let r = owner
        .post(
            "/api/save_checklist_item",
            &[
                ("id", review.as_str()),
                ("item", "budget_alarm"),
                ("status", "done"),
                ("owner", "Ana"),
                ("due_date", ""),
            ],
        )
        .await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.body
    );
    send_until(&app, &settings, || !inbox.got().is_empty()).await;
    // Anything else due would have gone out in the same round.
    send_until(&app, &settings, || false).await;
    let got = inbox.got();
    assert_eq!(got.len(), 1);
    let event: Value = serde_json::from_str(&got[0].1).unwrap();
    assert_eq!(event["type"], "checklist_item_changed");
    assert_eq!(event["details"]["status"], "done");
    assert_eq!(event["details"]["owner"], "Ana");
}

#[tokio::test]
async fn a_receiver_that_is_down_gets_the_delivery_once_it_comes_back() {
    // Waits long enough that the receiver is back before the tries run out on a busy machine.
    let settings = Settings {
        backoff: Duration::from_millis(200),
        max_attempts: 8,
        ..quick()
    };
    let app = app_with(settings).await;
    let owner = app.user("Olive Owner").await;
    let review = owner.create("Payments API").await;
    // A port nothing listens on (yet).
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let at = free.local_addr().unwrap();
    drop(free);
    let (hook, _) = make_hook(&owner, &format!("http://{at}/hook"), &["milestone_saved"]).await;
    save_milestone(&owner, &review, "Before launch").await;

    // The sender `trellis serve` starts.
    let sender = server::webhooks::start(app.store.clone(), settings);
    let store = app.store.clone();
    let mut failed_once = false;
    for _ in 0..3000 {
        let d = store.deliveries(&hook, 10).await.unwrap();
        if d.first().is_some_and(|d| d.attempts >= 1) {
            failed_once = true;
            assert_eq!(d[0].state, "pending");
            assert!(d[0].last_error.is_some(), "{:?}", d[0]);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(failed_once, "the first try failed on a closed port");

    let inbox = Inbox::default();
    receiver(at, inbox.clone()).await;
    // Until the sender has recorded the try (the receiver answers before that).
    for _ in 0..3000 {
        let d = store.deliveries(&hook, 10).await.unwrap();
        if d.first().is_some_and(|d| d.state == "delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sender.abort();
    assert_eq!(inbox.got().len(), 1);
    let log = log(&owner, &hook).await;
    assert_eq!(log[0]["state"], "delivered");
    let tries = log[0]["tries"].as_array().unwrap();
    assert!(tries.len() >= 2, "{tries:?}");
    assert_eq!(tries[0]["status"], 200);
    assert!(
        tries.last().unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("connection")
    );
}

#[tokio::test]
async fn a_500_is_retried_and_a_receiver_that_keeps_failing_is_marked_failed() {
    let settings = quick();
    let app = app_with(settings).await;
    let owner = app.user("Olive Owner").await;
    let review = owner.create("Payments API").await;
    let inbox = Inbox::default();
    inbox.answers.lock().unwrap().extend([500, 503]);
    let at = receiver("127.0.0.1:0".parse().unwrap(), inbox.clone()).await;
    let (hook, _) = make_hook(&owner, &format!("http://{at}/hook"), &["milestone_saved"]).await;
    save_milestone(&owner, &review, "One").await;
    send_until(&app, &settings, || inbox.got().len() >= 3).await;
    let got = inbox.got();
    assert_eq!(got.len(), 3, "two failures, then success");
    // The same event each time, with the same idempotency key.
    assert!(got.iter().all(|(h, b)| b == &got[0].1
        && header_of(h, "idempotency-key") == header_of(&got[0].0, "idempotency-key")));
    let entry = &log(&owner, &hook).await[0];
    assert_eq!(entry["state"], "delivered");
    assert_eq!(entry["attempts"], 3);
    let statuses: Vec<i64> = entry["tries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 503, 500]);

    // Always failing: four tries, then failed.
    inbox.answers.lock().unwrap().extend([500; 10]);
    save_milestone(&owner, &review, "Two").await;
    let store = app.store.clone();
    let hook2 = hook.clone();
    let agent = server::webhooks::agent(&settings);
    for _ in 0..250 {
        server::webhooks::send_due(&store, &settings, &agent, "s")
            .await
            .unwrap();
        let d = store.deliveries(&hook2, 10).await.unwrap();
        if d[0].state == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let entry = &log(&owner, &hook).await[0];
    assert_eq!(entry["state"], "failed");
    assert_eq!(entry["attempts"], 4);
}

#[tokio::test]
async fn private_loopback_and_link_local_targets_are_refused_with_the_field_named() {
    let app = app_with(Settings::default()).await;
    let owner = app.user("Olive Owner").await;
    for url in [
        "http://127.0.0.1/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.8/hook",
        "https://192.168.1.10/hook",
        "https://100.64.1.1/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fd00::1]/hook",
        "https://localhost/hook",
        "https://0.0.0.0/hook",
        "ftp://example.com/hook",
        "https://user:pw@93.184.216.34/hook",
    ] {
        let r = owner
            .send(api(
                "POST",
                &format!("/api/v1/teams/{}/webhooks", owner.team),
                &json!({"url": url, "events": ["milestone_saved"]}),
            ))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{url}: {}", r.body);
        assert!(r.body.contains("url:"), "{url}: {}", r.body);
    }
    let r = owner
        .send(api(
            "POST",
            &format!("/api/v1/teams/{}/webhooks", owner.team),
            &json!({"url": "https://93.184.216.34/hook", "events": ["nothing_at_all"]}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("events:"), "{}", r.body);
    assert!(app.store.webhooks(&owner.team).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_target_that_turns_private_after_it_was_saved_is_refused_at_send_time() {
    // Saved while private addresses were allowed (as a name that later resolves to loopback
    // would be): the sender without the test setting refuses to connect.
    let lenient = quick();
    let app = app_with(lenient).await;
    let owner = app.user("Olive Owner").await;
    let review = owner.create("Payments API").await;
    let inbox = Inbox::default();
    let at = receiver("127.0.0.1:0".parse().unwrap(), inbox.clone()).await;
    let (hook, _) = make_hook(
        &owner,
        &format!("http://localhost:{}/hook", at.port()),
        &["milestone_saved"],
    )
    .await;
    save_milestone(&owner, &review, "One").await;
    let strict = Settings {
        allow_private: false,
        ..lenient
    };
    let agent = server::webhooks::agent(&strict);
    server::webhooks::send_due(&app.store, &strict, &agent, "s")
        .await
        .unwrap();
    assert!(
        inbox.got().is_empty(),
        "nothing reached the loopback receiver"
    );
    let d = &app.store.deliveries(&hook, 10).await.unwrap()[0];
    assert_eq!(d.attempts, 1);
    assert!(
        d.last_error.as_deref().unwrap().contains("loopback"),
        "{:?}",
        d.last_error
    );
}

/// Makes every change to a review's revision fail: the write it belongs to rolls back after
/// its outbox rows were written.
async fn break_revisions(app: &TestApp, on: bool) {
    use sqlx::Connection;
    let statements: Vec<&str> = match (super::database::postgres().is_some(), on) {
        (false, true) => vec![
            "CREATE TRIGGER boom BEFORE UPDATE OF revision ON assessments \
             BEGIN SELECT RAISE(ABORT, 'disk on fire'); END",
        ],
        (false, false) => vec!["DROP TRIGGER boom"],
        (true, true) => vec![
            "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER boom BEFORE UPDATE OF revision ON assessments FOR EACH ROW EXECUTE FUNCTION boom()",
        ],
        (true, false) => vec!["DROP TRIGGER boom ON assessments", "DROP FUNCTION boom()"],
    };
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.url).await.unwrap();
    for s in statements {
        sqlx::query(sqlx::AssertSqlSafe(s))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
}

#[tokio::test]
async fn an_event_of_a_write_that_rolled_back_is_never_sent() {
    let settings = quick();
    let app = app_with(settings).await;
    let owner = app.user("Olive Owner").await;
    let review = owner.create("Payments API").await;
    let inbox = Inbox::default();
    let at = receiver("127.0.0.1:0".parse().unwrap(), inbox.clone()).await;
    let (hook, _) = make_hook(
        &owner,
        &format!("http://{at}/hook"),
        &["checklist_item_changed"],
    )
    .await;
    let save = |status: &'static str| {
        let owner = owner.clone();
        let review = review.clone();
        async move {
            let version = owner
                .app
                .store
                .checklist(&review)
                .await
                .unwrap()
                .first()
                .map(|i| i.version.to_string());
            let mut form = vec![
                ("id", review.clone()),
                ("item", "budget_alarm".to_owned()),
                ("status", status.to_owned()),
                ("owner", String::new()),
                ("due_date", String::new()),
            ];
            if let Some(v) = version {
                form.push(("version", v));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            owner.call("/api/save_checklist_item", &form).await
        }
    };
    break_revisions(&app, true).await;
    let (status, message) = save("done").await.outcome();
    assert!(status.is_server_error(), "{status} {message}");
    assert!(app.store.checklist(&review).await.unwrap().is_empty());
    assert!(app.store.deliveries(&hook, 10).await.unwrap().is_empty());
    break_revisions(&app, false).await;
    let (status, message) = save("done").await.outcome();
    assert!(status.is_success() || status.is_redirection(), "{message}");
    send_until(&app, &settings, || !inbox.got().is_empty()).await;
    send_until(&app, &settings, || false).await;
    let got = inbox.got();
    assert_eq!(got.len(), 1, "only the committed change");
    let event: Value = serde_json::from_str(&got[0].1).unwrap();
    assert_eq!(event["details"]["status"], "done");
}

#[tokio::test]
async fn two_senders_on_one_database_send_each_delivery_once() {
    let settings = Settings {
        backoff: Duration::from_secs(60),
        ..quick()
    };
    let app = app_with(settings).await;
    let owner = app.user("Olive Owner").await;
    let review = owner.create("Payments API").await;
    let inbox = Inbox::default();
    let at = receiver("127.0.0.1:0".parse().unwrap(), inbox.clone()).await;
    make_hook(&owner, &format!("http://{at}/hook"), &["milestone_saved"]).await;
    for i in 0..12 {
        save_milestone(&owner, &review, &format!("M{i}")).await;
    }
    let agent = server::webhooks::agent(&settings);
    let (a, b) = tokio::join!(
        async {
            for _ in 0..5 {
                server::webhooks::send_due(&app.store, &settings, &agent, "one")
                    .await
                    .unwrap();
            }
        },
        async {
            for _ in 0..5 {
                server::webhooks::send_due(&app.store, &settings, &agent, "two")
                    .await
                    .unwrap();
            }
        }
    );
    let ((), ()) = (a, b);
    let mut ids: Vec<String> = inbox
        .got()
        .iter()
        .map(|(h, _)| header_of(h, "trellis-delivery").to_owned())
        .collect();
    assert_eq!(ids.len(), 12, "every delivery sent");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12, "none sent twice");
}

#[tokio::test]
async fn send_test_delivers_to_one_hook_and_a_rotated_secret_signs_the_next() {
    let settings = quick();
    let app = app_with(settings).await;
    let owner = app.user("Olive Owner").await;
    let inbox = Inbox::default();
    let at = receiver("127.0.0.1:0".parse().unwrap(), inbox.clone()).await;
    let (hook, old) = make_hook(&owner, &format!("http://{at}/hook"), &["review_archived"]).await;
    let r = owner
        .send(api(
            "PATCH",
            &format!("/api/v1/teams/{}/webhooks/{hook}", owner.team),
            &json!({"rotate_secret": true, "enabled": true}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let new = serde_json::from_str::<Value>(&r.body).unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    let r = owner
        .send(api(
            "POST",
            &format!("/api/v1/teams/{}/webhooks/{hook}/test", owner.team),
            &json!({}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    send_until(&app, &settings, || !inbox.got().is_empty()).await;
    let (h, body) = &inbox.got()[0];
    let sig = header_of(h, "trellis-signature");
    let t: i64 = sig[2..sig.find(',').unwrap()].parse().unwrap();
    assert!(sig.ends_with(&server::webhooks::sign(&new, t, body)));
    assert_eq!(serde_json::from_str::<Value>(body).unwrap()["type"], "test");
    // The secret is never shown again.
    let r = owner
        .get(&format!("/api/v1/teams/{}/webhooks/{hook}", owner.team))
        .await;
    assert!(
        !r.body.contains(&new) && !r.body.contains("secret"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn only_team_owners_manage_webhooks() {
    let w = super::access::world().await;
    let team = w.team.clone();
    let list = format!("/api/v1/teams/{team}/webhooks");
    let body = json!({"url": "https://93.184.216.34/hook", "events": ["risk_opened"]});
    for (who, status) in [
        (&w.editor, StatusCode::FORBIDDEN),
        (&w.viewer, StatusCode::FORBIDDEN),
        (&w.outsider, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(who.get(&list).await.status, status);
        assert_eq!(who.send(api("POST", &list, &body)).await.status, status);
    }
    let token = Client {
        bearer: Some(w.token.clone()),
        ..w.app.anonymous()
    };
    assert_eq!(token.get(&list).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.app.anonymous().get(&list).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = w.owner.send(api("POST", &list, &body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let hook = serde_json::from_str::<Value>(&r.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another team's owner does not see it.
    let r = w
        .outsider
        .get(&format!(
            "/api/v1/teams/{}/webhooks/{hook}",
            w.outsider.team
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w.owner.get(&list).await;
    assert!(
        r.body.contains("93.184.216.34") && !r.body.contains("whsec_"),
        "{}",
        r.body
    );
}

/// The access matrix's request for a webhooks route (team owners only): a fresh hook where the
/// request uses one.
pub(super) async fn access_request(w: &World, method: &Method, path: &str) -> Request<Body> {
    let now = server::service::now_ms();
    let hook = uuid::Uuid::new_v4().simple().to_string();
    w.app
        .store
        .create_webhook(&store::WebhookRow {
            id: hook.clone(),
            team_id: w.team.clone(),
            url: "https://93.184.216.34/hook".into(),
            secret: "whsec_matrix".into(),
            events: ",milestone_saved,".into(),
            enabled: 1,
            created_by: "matrix".into(),
            created_at: now,
            updated_at: now,
        })
        .await
        .unwrap();
    let uri = path.replace("{id}", &w.team).replace("{hook}", &hook);
    let body = match (method.as_str(), path.ends_with("/webhooks")) {
        ("POST", true) => {
            json!({"url": "https://93.184.216.34/hook", "events": ["risk_opened"]}).to_string()
        }
        ("PATCH", _) => json!({"enabled": false}).to_string(),
        _ => String::new(),
    };
    Request::builder()
        .method(method.clone())
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body))
        .unwrap()
}
