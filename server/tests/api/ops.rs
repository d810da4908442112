//! Trellis as an operator sees it, driven in process: request ids, `/metrics`, `/healthz` and
//! `/readyz`, the time limit on requests, and what pages and the API answer while the database
//! is away (a TCP proxy in front of the real Postgres is cut and restored).

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::client::TestApp;

pub(super) fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_the_callers() {
    let app = TestApp::new().await;
    let anon = app.anonymous();
    let r = anon.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    let made = r.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(made.len(), 36, "a UUID: {made}");
    let again = anon.get("/healthz").await.headers["x-request-id"].clone();
    assert_ne!(again.to_str().unwrap(), made, "one id per request");
    let r = anon
        .send(
            Request::get("/catalog")
                .header("x-request-id", "lb-7f3a.42")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.headers["x-request-id"], "lb-7f3a.42");
    // Errors carry it too, and a hostile one is replaced.
    let r = anon
        .send(
            Request::get("/no/such/page")
                .header("x-request-id", "a b\"c")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.headers["x-request-id"].len(), 36);
}

#[tokio::test]
async fn metrics_count_routes_latency_exports_evaluations_errors_and_the_pool() {
    let app = TestApp::new().await;
    let ana = app.user("Ana").await;
    let id = ana.create("Metered").await;
    let before = app.anonymous().get("/metrics").await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(
        before.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"),
    );
    let results = r#"trellis_http_requests_total{method="GET",route="/assessments/{id}/results",status="200"}"#;
    let markdown = r#"trellis_exports_total{format="report.md"}"#;
    let evaluations = "trellis_evaluation_duration_seconds_count";
    let missing = r#"trellis_http_requests_total{method="GET",route="unmatched",status="404"}"#;
    let (r0, m0, e0, n0) = (
        metric(&before.body, results),
        metric(&before.body, markdown),
        metric(&before.body, evaluations),
        metric(&before.body, missing),
    );
    assert_eq!(
        ana.get(&format!("/assessments/{id}/results")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        ana.get(&format!("/assessments/{id}/report.md"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        ana.get(&format!("/assessments/{id}/report.md"))
            .await
            .status,
        StatusCode::OK
    );
    // A raw path never becomes a label: unknown addresses share one series.
    ana.get("/wp-admin/x").await;
    ana.get("/wp-admin/y").await;
    let after = app.anonymous().get("/metrics").await.body;
    assert!(metric(&after, results) >= r0 + 1.0, "{after}");
    assert!(metric(&after, markdown) >= m0 + 2.0, "{after}");
    assert!(metric(&after, evaluations) >= e0 + 3.0, "{after}");
    assert!(metric(&after, missing) >= n0 + 2.0, "{after}");
    assert!(!after.contains("wp-admin"));
    for series in [
        r#"trellis_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/assessments/{id}/results"}"#,
        r#"trellis_export_duration_seconds_count{format="report.md"}"#,
        r#"trellis_db_pool_connections{state="max"}"#,
        r#"trellis_db_pool_connections{state="idle"}"#,
        r#"trellis_db_pool_connections{state="in_use"}"#,
        "trellis_http_requests_in_flight",
        "# HELP trellis_errors",
    ] {
        assert!(after.contains(series), "{series} missing from\n{after}");
    }
    assert!(metric(&after, r#"trellis_db_pool_connections{state="max"}"#) >= 4.0);
    // Nothing about a review or a person reaches the metrics.
    assert!(!after.contains(&id) && !after.contains("Metered") && !after.contains("Ana"));
}

#[tokio::test]
async fn healthz_is_liveness_and_readyz_checks_the_database_and_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::Store::connect(&crate::database::fresh_url(dir.path()).await)
        .await
        .unwrap();
    let state = server::state::AppState::new(store, dir.path().join("site"));
    let draining = state.draining.clone();
    let app = TestApp::with_state(state, dir);
    let anon = app.anonymous();
    assert_eq!(anon.get("/healthz").await.body, "ok\n");
    let r = anon.get("/readyz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ready\n"));
    draining.start();
    let r = anon.get("/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.body, "not ready: shutting down\n");
    assert_eq!(anon.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_request_over_the_time_limit_is_stopped_with_a_page_that_says_so() {
    let app = TestApp::new().await;
    let ana = app.user("Ana").await;
    let id = ana.create("Slow").await;
    // A second instance on the same data, with a limit far below what a PDF takes to render.
    let dir = tempfile::tempdir().unwrap();
    let mut state = server::state::AppState::new(app.store.clone(), dir.path().join("site"));
    state.request_timeout = Duration::from_micros(1);
    let app = TestApp::with_state(state, dir);
    let ana = crate::client::Client {
        app: app.clone(),
        ..ana
    };
    let before = metric(
        &app.anonymous().get("/metrics").await.body,
        r#"trellis_errors_total{kind="timeout"}"#,
    );
    let r = ana.get(&format!("/assessments/{id}/report.pdf")).await;
    assert_eq!(r.status, StatusCode::GATEWAY_TIMEOUT);
    assert!(r.body.contains("took too long"), "{}", r.body);
    let r = ana
        .send(
            Request::get(format!("/api/v1/assessments/{id}/report.pdf"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::GATEWAY_TIMEOUT);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["error"]["code"], "timeout", "{json}");
    let after = metric(
        &app.anonymous().get("/metrics").await.body,
        r#"trellis_errors_total{kind="timeout"}"#,
    );
    assert!(after >= before + 2.0);
}

/// A TCP proxy to the Postgres server that can be cut (every connection dropped, new ones
/// refused) and restored: the database going away as a network partition or a restart does.
mod proxy {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::watch;

    pub struct Proxy {
        pub port: u16,
        up: Arc<AtomicBool>,
        cut: watch::Sender<u64>,
    }

    impl Proxy {
        pub async fn start(target: String) -> Proxy {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let up = Arc::new(AtomicBool::new(true));
            let (cut, _) = watch::channel(0u64);
            let (up2, cut2) = (up.clone(), cut.clone());
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    if !up2.load(Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    let Ok(server) = TcpStream::connect(&target).await else {
                        continue;
                    };
                    let mut cut = cut2.subscribe();
                    tokio::spawn(async move {
                        let (mut client, mut server) = (client, server);
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            _ = cut.changed() => {}
                        }
                    });
                }
            });
            Proxy { port, up, cut }
        }

        pub fn cut(&self) {
            self.up.store(false, Ordering::SeqCst);
            self.cut.send_modify(|n| *n += 1);
        }

        pub fn restore(&self) {
            self.up.store(true, Ordering::SeqCst);
        }
    }
}

#[tokio::test]
#[ignore = "needs Postgres: scripts/test runs it in the Postgres pass with --include-ignored"]
async fn without_its_database_trellis_answers_503_says_why_and_recovers_by_itself() {
    let server_url = crate::database::postgres()
        .expect("TEST_POSTGRES_URL is not set: the database outage runs on Postgres only");
    let url = crate::database::fresh_postgres(&server_url).await;
    // The same database, reached through the proxy.
    let (scheme_end, at) = (url.find("://").unwrap() + 3, url.rfind('@').unwrap());
    let host_start = if at > scheme_end { at + 1 } else { scheme_end };
    let host_end = url[host_start..].find('/').unwrap() + host_start;
    let hostport = &url[host_start..host_end];
    let target = if hostport.contains(':') {
        hostport.to_owned()
    } else {
        format!("{hostport}:5432")
    };
    let proxy = proxy::Proxy::start(target).await;
    let via = format!(
        "{}127.0.0.1:{}{}",
        &url[..host_start],
        proxy.port,
        &url[host_end..]
    );
    let dir = tempfile::tempdir().unwrap();
    let store = store::Store::connect(&via).await.unwrap();
    let app = TestApp::with_state(
        server::state::AppState::new(store, dir.path().join("site")),
        dir,
    );
    let ana = app.user("Ana").await;
    let id = ana.create("Outage").await;
    let results = format!("/assessments/{id}/results");
    assert_eq!(ana.get(&results).await.status, StatusCode::OK);

    proxy.cut();
    let r = ana.get(&results).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(r.body.contains("database is not answering"), "{}", r.body);
    let r = ana.get("/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.starts_with("not ready: the database"), "{}", r.body);
    assert_eq!(ana.get("/healthz").await.status, StatusCode::OK);
    let r = ana
        .send(
            Request::get(format!("/api/v1/assessments/{id}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["error"]["code"], "unavailable", "{json}");
    // A save while it is away is refused whole, and says nothing was saved.
    let r = ana
        .post(
            &format!("/assessments/{id}/review/workload_fit/save"),
            &[("q.peak_rps", "40"), ("v.peak_rps", ""), ("save", "stay")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);

    proxy.restore();
    let ready = crate::served::eventually_async(Duration::from_secs(10), async || {
        (ana.get("/readyz").await.status == StatusCode::OK).then_some(())
    })
    .await;
    assert!(ready.is_some(), "/readyz did not recover in 10 s");
    assert_eq!(ana.get(&results).await.status, StatusCode::OK);
    let r = ana
        .post(
            &format!("/assessments/{id}/review/workload_fit/save"),
            &[("q.peak_rps", "40"), ("v.peak_rps", ""), ("save", "stay")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let answers = app.store.answers(&id).await.unwrap();
    assert!(answers.iter().any(|a| a.question_id == "peak_rps"));
}
