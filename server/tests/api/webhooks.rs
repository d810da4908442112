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
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    request(
        &method,
        path.to_owned(),
        "application/json",
        "application/json",
        body.to_string(),
    )
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

/// What most tests start from: a database, its owner with a review ("Payments API"), a
/// receiver, and a hook of the owner's team on it subscribed to some events.
struct Rig {
    settings: Settings,
    app: TestApp,
    owner: Client,
    review: String,
    inbox: Inbox,
    hook: String,
    secret: String,
}

impl Rig {
    async fn new(settings: Settings, events: &[&str]) -> Rig {
        let app = app_with(settings).await;
        let owner = app.user("Olive Owner").await;
        let review = owner.create("Payments API").await;
        let inbox = Inbox::default();
        let at = receiver("127.0.0.1:0".parse().unwrap(), inbox.clone()).await;
        let (hook, secret) = make_hook(&owner, &format!("http://{at}/hook"), events).await;
        Rig {
            settings,
            app,
            owner,
            review,
            inbox,
            hook,
            secret,
        }
    }

    /// Sends until the receiver has at least `n` requests, then one more round (anything else
    /// due would go out in it): the bodies of what it got, as JSON, in order.
    async fn received(&self, n: usize) -> Vec<Value> {
        send_until(&self.app, &self.settings, || self.inbox.got().len() >= n).await;
        send_until(&self.app, &self.settings, || false).await;
        self.inbox
            .got()
            .iter()
            .map(|(_, b)| serde_json::from_str(b).unwrap())
            .collect()
    }
}

#[tokio::test]
async fn a_delivery_is_signed_with_the_secret_over_the_timestamp_and_body() {
    let rig = Rig::new(quick(), &["milestone_saved"]).await;
    let (owner, review, hook, secret) = (&rig.owner, &rig.review, &rig.hook, &rig.secret);
    save_milestone(owner, review, "Before launch").await;
    rig.received(1).await;

    let got = rig.inbox.got();
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    let sig = header_of(headers, "trellis-signature");
    let (t, v1) = sig.split_once(',').unwrap();
    let t: i64 = t.strip_prefix("t=").unwrap().parse().unwrap();
    let v1 = v1.strip_prefix("v1=").unwrap();
    assert_eq!(v1, server::webhooks::sign(secret, t, body));
    assert_ne!(v1, server::webhooks::sign("whsec_wrong", t, body));
    assert_ne!(v1, server::webhooks::sign(secret, t + 1, body));
    let now = server::service::now_ms() / 1000;
    assert!((now - t).abs() < 60, "the timestamp is the time of sending");

    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(event["type"], "milestone_saved");
    assert_eq!(event["review"]["id"], *review);
    assert_eq!(event["review"]["title"], "Payments API");
    assert_eq!(event["team"], owner.team);
    assert_eq!(event["details"]["milestone"]["name"], "Before launch");
    assert_eq!(header_of(headers, "idempotency-key"), event["id"]);
    assert_eq!(header_of(headers, "trellis-event"), "milestone_saved");

    let log = log(owner, hook).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "delivered");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["tries"][0]["status"], 200);
}

#[tokio::test]
async fn only_subscribed_events_of_the_team_are_delivered() {
    let rig = Rig::new(quick(), &["checklist_item_changed"]).await;
    let (owner, review) = (&rig.owner, &rig.review);
    let other = rig.app.user("Oscar Other").await;
    let theirs = other.create("Their review").await;
    // Not subscribed; another team's change.
    save_milestone(owner, review, "One").await;
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
    let got = rig.received(1).await;
    assert_eq!(got.len(), 1);
    let event = &got[0];
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
    let rig = Rig::new(quick(), &["milestone_saved"]).await;
    let (settings, owner, review, inbox, hook) =
        (rig.settings, &rig.owner, &rig.review, &rig.inbox, &rig.hook);
    inbox.answers.lock().unwrap().extend([500, 503]);
    save_milestone(owner, review, "One").await;
    rig.received(3).await;
    let got = inbox.got();
    assert_eq!(got.len(), 3, "two failures, then success");
    // The same event each time, with the same idempotency key.
    assert!(got.iter().all(|(h, b)| b == &got[0].1
        && header_of(h, "idempotency-key") == header_of(&got[0].0, "idempotency-key")));
    let entry = &log(owner, hook).await[0];
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
    save_milestone(owner, review, "Two").await;
    let store = rig.app.store.clone();
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
    let entry = &log(owner, hook).await[0];
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
    let rig = Rig::new(quick(), &["checklist_item_changed"]).await;
    let (app, owner, review, hook) = (&rig.app, &rig.owner, &rig.review, &rig.hook);
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
    break_revisions(app, true).await;
    let (status, message) = save("done").await.outcome();
    assert!(status.is_server_error(), "{status} {message}");
    assert!(app.store.checklist(review).await.unwrap().is_empty());
    assert!(app.store.deliveries(hook, 10).await.unwrap().is_empty());
    break_revisions(app, false).await;
    let (status, message) = save("done").await.outcome();
    assert!(status.is_success() || status.is_redirection(), "{message}");
    let got = rig.received(1).await;
    assert_eq!(got.len(), 1, "only the committed change");
    assert_eq!(got[0]["details"]["status"], "done");
}

#[tokio::test]
async fn two_senders_on_one_database_send_each_delivery_once() {
    let settings = Settings {
        backoff: Duration::from_secs(60),
        ..quick()
    };
    let rig = Rig::new(settings, &["milestone_saved"]).await;
    let (app, inbox) = (&rig.app, &rig.inbox);
    for i in 0..12 {
        save_milestone(&rig.owner, &rig.review, &format!("M{i}")).await;
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
    let rig = Rig::new(quick(), &["review_archived"]).await;
    let (owner, hook, old) = (&rig.owner, &rig.hook, &rig.secret);
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
    assert_ne!(&new, old);
    let r = owner
        .send(api(
            "POST",
            &format!("/api/v1/teams/{}/webhooks/{hook}/test", owner.team),
            &json!({}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    rig.received(1).await;
    let (h, body) = &rig.inbox.got()[0];
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

/// The risk and blocker events a hook subscribes to.
const RISK_EVENTS: [&str; 3] = ["risk_opened", "risk_closed", "blockers_changed"];

/// Answers question `q` of the rig's review through the REST API, at the version stored: the
/// status.
async fn answer(rig: &Rig, q: &str, value: Value) -> StatusCode {
    let version = rig
        .app
        .store
        .answers(&rig.review)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.question_id == q)
        .map(|a| a.version);
    let r = rig
        .owner
        .send(api(
            "PUT",
            &format!("/api/v1/assessments/{}/answers/{q}", rig.review),
            &json!({"value": value, "version": version}),
        ))
        .await;
    r.status
}

/// The events received after the first `from`, as (type, risk id, severity) or, for
/// blockers, (type, before, after) as text.
fn seen(got: &[Value], from: usize) -> Vec<(String, String, String)> {
    got[from..]
        .iter()
        .map(|e| {
            let t = e["type"].as_str().unwrap().to_owned();
            let d = &e["details"];
            if t == "blockers_changed" {
                (t, d["before"].to_string(), d["after"].to_string())
            } else {
                let (id, severity) = (&d["risk"]["id"], &d["risk"]["severity"]);
                (
                    t,
                    id.as_str().unwrap().into(),
                    severity.as_str().unwrap().into(),
                )
            }
        })
        .collect()
}

fn risk_events(got: &[Value], from: usize) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = seen(got, from)
        .into_iter()
        .filter(|e| e.0 != "blockers_changed")
        .collect();
    v.sort();
    v
}

fn event(t: &str, id: &str, severity: &str) -> (String, String, String) {
    (t.to_owned(), id.to_owned(), severity.to_owned())
}

#[tokio::test]
async fn answers_and_acceptances_open_and_close_risks_and_a_write_that_changes_none_raises_none() {
    let rig = Rig::new(quick(), &RISK_EVENTS).await;
    let review = rig.review.clone();
    // A high risk opens: its id, title, severity and area in words, the review's id and title.
    assert_eq!(answer(&rig, "iac", json!("console")).await, StatusCode::OK);
    let got = rig.received(1).await;
    assert_eq!(risk_events(&got, 0), [event("risk_opened", "iac", "High")]);
    let opened = got.iter().find(|e| e["type"] == "risk_opened").unwrap();
    assert_eq!(
        opened["details"]["risk"]["title"],
        "Resources built by hand in the console"
    );
    assert_eq!(opened["details"]["risk"]["area"], "Delivery");
    assert_eq!(opened["review"]["id"], review);
    assert_eq!(opened["review"]["title"], "Payments API");
    assert_eq!(opened["team"], rig.owner.team);
    assert!(
        opened["summary"]
            .as_str()
            .unwrap()
            .contains("High risk opened in Delivery"),
        "{opened}"
    );

    // High to medium: the high one closes, the medium one opens.
    let n = got.len();
    assert_eq!(answer(&rig, "iac", json!("most")).await, StatusCode::OK);
    let got = rig.received(n + 2).await;
    assert_eq!(
        risk_events(&got, n),
        [
            event("risk_closed", "iac", "High"),
            event("risk_opened", "iac", "Medium")
        ]
    );

    // Writes that change no risk and no blocker raise nothing: tags, an unrelated answer's note.
    let n = got.len();
    let r = rig
        .owner
        .send(api(
            "PUT",
            &format!("/api/v1/assessments/{review}/tags"),
            &json!({"tags": ["payments"]}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(answer(&rig, "peak_rps", json!(5)).await, StatusCode::OK);
    assert_eq!(answer(&rig, "peak_rps", json!(6)).await, StatusCode::OK);
    let got = rig.received(n).await;
    assert_eq!(seen(&got, n), [], "nothing changed");

    // Accepting the medium risk closes it (it is no longer open); withdrawing opens it again.
    let accept = format!("/api/v1/assessments/{review}/acceptances/iac");
    let r = rig
        .owner
        .send(api(
            "PUT",
            &accept,
            &json!({"level": "medium", "reason": "Moving to templates next quarter"}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let got = rig.received(n + 1).await;
    assert_eq!(
        risk_events(&got, n),
        [event("risk_closed", "iac", "Medium")]
    );
    let n = got.len();
    let r = rig.owner.send(api("DELETE", &accept, &json!({}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let got = rig.received(n + 1).await;
    assert_eq!(
        risk_events(&got, n),
        [event("risk_opened", "iac", "Medium")]
    );

    // Answered away.
    let n = got.len();
    assert_eq!(
        answer(&rig, "iac", json!("everything")).await,
        StatusCode::OK
    );
    let got = rig.received(n + 1).await;
    assert_eq!(
        risk_events(&got, n),
        [event("risk_closed", "iac", "Medium")]
    );
    // Each delivery is in the hook's log, in words.
    let log = log(&rig.owner, &rig.hook).await;
    assert!(log.iter().all(|d| d["state"] == "delivered"), "{log:?}");
    assert!(
        log.iter().any(|d| d["summary"]
            == "Medium risk closed in Delivery: Some resources changed by hand in the console"),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_blocker_that_comes_and_goes_raises_blockers_changed_with_both_lists() {
    let rig = Rig::new(quick(), &["blockers_changed"]).await;
    assert_eq!(
        answer(&rig, "job_duration_min", json!(20)).await,
        StatusCode::OK
    );
    let got = rig.received(1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let (before, after) = (&got[0]["details"]["before"], &got[0]["details"]["after"]);
    let (before, after) = (before.as_array().unwrap(), after.as_array().unwrap());
    assert!(after.len() > before.len(), "{before:?} {after:?}");
    assert!(
        after.iter().any(|b| b.as_str().unwrap().contains("15")),
        "the new blocker is in words: {after:?}"
    );
    assert_eq!(got[0]["review"]["title"], "Payments API");
    // A change that keeps the same blockers raises none; one that lifts it raises the reverse.
    assert_eq!(
        answer(&rig, "job_duration_min", json!(20)).await,
        StatusCode::OK
    );
    assert_eq!(
        answer(&rig, "job_duration_min", json!(5)).await,
        StatusCode::OK
    );
    let again = rig.received(2).await;
    assert_eq!(again.len(), 2, "{again:?}");
    assert_eq!(again[1]["details"]["before"], got[0]["details"]["after"]);
    assert_eq!(again[1]["details"]["after"], got[0]["details"]["before"]);
}

#[tokio::test]
async fn a_risk_of_a_write_that_rolled_back_is_never_raised() {
    let rig = Rig::new(quick(), &RISK_EVENTS).await;
    break_revisions(&rig.app, true).await;
    let status = answer(&rig, "iac", json!("console")).await;
    assert!(status.is_server_error(), "{status}");
    assert!(rig.app.store.answers(&rig.review).await.unwrap().is_empty());
    assert!(
        rig.app
            .store
            .deliveries(&rig.hook, 10)
            .await
            .unwrap()
            .is_empty(),
        "no outbox row"
    );
    break_revisions(&rig.app, false).await;
    assert_eq!(answer(&rig, "iac", json!("console")).await, StatusCode::OK);
    let got = rig.received(1).await;
    assert_eq!(risk_events(&got, 0), [event("risk_opened", "iac", "High")]);
}

/// The query of a redirect back to the webhooks page, decoded.
fn query_of(location: &str) -> Vec<(String, String)> {
    let query = location.split_once('?').map_or("", |(_, q)| q);
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    serde_urlencoded::from_str(query).unwrap()
}

#[tokio::test]
async fn the_webhooks_page_adds_changes_tests_rotates_and_deletes_with_errors_beside_the_field() {
    let app = app_with(Settings::default()).await;
    let owner = app.user("Olive Owner").await;
    let page = format!("/teams/{}/webhooks", owner.team);
    let r = owner.get(&page).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("None yet"), "{}", r.body);
    // The team's page links to it.
    let team = owner.get(&format!("/teams/{}", owner.team)).await;
    assert!(
        team.body.contains(&format!("href=\"{page}\"")),
        "{}",
        team.body
    );

    // A private address is refused beside the URL field, the address kept.
    let r = owner
        .post(
            &page,
            &[("url", "https://10.0.0.8/hook"), ("events", "risk_opened")],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let q = query_of(&r.location);
    assert!(q.contains(&("field".into(), "add-url".into())), "{q:?}");
    let shown = owner.get(&r.location).await.body;
    assert!(shown.contains("id=\"add-url-error\""), "{shown}");
    assert!(shown.contains("value=\"https://10.0.0.8/hook\""), "{shown}");
    assert!(shown.contains("aria-invalid=\"true\""), "{shown}");
    // No event ticked: beside the events.
    let r = owner
        .post(&page, &[("url", "https://93.184.216.34/hook")])
        .await;
    assert!(query_of(&r.location).contains(&("field".into(), "add-events".into())));
    assert!(app.store.webhooks(&owner.team).await.unwrap().is_empty());

    // Added: the secret is on the page the form returns, and only there.
    let r = owner
        .post(
            &page,
            &[
                ("url", "https://93.184.216.34/hook"),
                ("events", "risk_opened"),
                ("events", "blockers_changed"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let hooks = app.store.webhooks(&owner.team).await.unwrap();
    assert_eq!(hooks.len(), 1);
    let hook = hooks[0].clone();
    assert!(r.body.contains(&hook.secret), "{}", r.body);
    let listed = owner.get(&page).await.body;
    assert!(!listed.contains(&hook.secret));
    assert!(listed.contains("https://93.184.216.34/hook"));
    assert!(
        listed.contains("Risk opened, Blockers changed"),
        "events in words: {listed}"
    );
    assert!(listed.contains("Nothing sent yet"));

    // Change the events and pause it.
    let at = format!("{page}/{}", hook.id);
    let r = owner.post(&at, &[("events", "milestone_saved")]).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let changed = app
        .store
        .webhook(&owner.team, &hook.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (changed.events.as_str(), changed.enabled),
        (",milestone_saved,", 0)
    );
    let r = owner.post(&at, &[]).await;
    let q = query_of(&r.location);
    assert!(
        q.contains(&("field".into(), format!("{}-events", hook.id))),
        "{q:?}"
    );
    assert!(
        owner
            .get(&r.location)
            .await
            .body
            .contains(&format!("id=\"{}-events-error\"", hook.id))
    );

    // Send test: queued, and in the log in words.
    let r = owner.post(&format!("{at}/test"), &[]).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let listed = owner.get(&page).await.body;
    assert!(listed.contains("Test: A test delivery"), "{listed}");
    assert!(listed.contains("Waiting to be sent"), "{listed}");

    // Rotate: a new secret, shown once.
    let r = owner.post(&format!("{at}/rotate"), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rotated = app
        .store
        .webhook(&owner.team, &hook.id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(rotated.secret, hook.secret);
    assert!(r.body.contains(&rotated.secret));

    // Delete: only with the box ticked.
    let r = owner.post(&format!("{at}/delete"), &[]).await;
    assert!(query_of(&r.location).contains(&("field".into(), format!("{}-confirm", hook.id))));
    assert_eq!(app.store.webhooks(&owner.team).await.unwrap().len(), 1);
    let r = owner
        .post(&format!("{at}/delete"), &[("confirm", "yes")])
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    assert!(app.store.webhooks(&owner.team).await.unwrap().is_empty());
    assert!(owner.get(&r.location).await.body.contains("is deleted"));
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
    if path.starts_with("/teams/") {
        // The page's plain forms.
        let body = match (method.as_str(), path.rsplit('/').next().unwrap_or_default()) {
            ("POST", "webhooks") => "url=https%3A%2F%2F93.184.216.34%2Fhook&events=risk_opened",
            ("POST", "{hook}") => "events=milestone_saved&enabled=yes",
            ("POST", "delete") => "confirm=yes",
            _ => "",
        };
        return request(
            method,
            uri,
            "application/x-www-form-urlencoded",
            "text/html",
            body,
        );
    }
    let body = match (method.as_str(), path.ends_with("/webhooks")) {
        ("POST", true) => {
            json!({"url": "https://93.184.216.34/hook", "events": ["risk_opened"]}).to_string()
        }
        ("PATCH", _) => json!({"enabled": false}).to_string(),
        _ => String::new(),
    };
    request(method, uri, "application/json", "application/json", body)
}

fn request(
    method: &Method,
    uri: String,
    kind: &str,
    accept: &str,
    body: impl Into<Body>,
) -> Request<Body> {
    Request::builder()
        .method(method.clone())
        .uri(uri)
        .header(header::CONTENT_TYPE, kind)
        .header(header::ACCEPT, accept)
        .body(body.into())
        .unwrap()
}
