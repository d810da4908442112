//! Trellis watching itself, as it tells its users to: a request id on every request and every
//! log line, logs as JSON, Prometheus metrics at `/metrics`, liveness at `/healthz`, readiness
//! at `/readyz`, and a time limit on every request.
//!
//! The metrics are the process's (one registry, as Prometheus counts processes): every
//! `trellis serve` reports its own, and a scraper sums the instances.

use crate::error::AppError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tower_http::request_id::{MakeRequestId, RequestId};

use crate::state::AppState;

/// The header that carries a request's id, in and out.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a client; a longer or odd one is replaced.
const MAX_REQUEST_ID: usize = 128;

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line (for log collectors), with the request's id and route.
    Json,
    /// Plain lines for a person at a terminal.
    Text,
    /// Text at a terminal, JSON otherwise.
    Auto,
}

/// Installs the process's log subscriber: `RUST_LOG` filters (default `info`). Every line logged
/// while serving a request carries that request's span: its id, method and route.
pub fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second call (tests start several servers in one process) keeps the first subscriber.
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}

/// Request ids: a new UUID when the request came without a usable one.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
            .ok()
            .map(RequestId::new)
    }
}

/// Middleware, outermost: drops a client's `x-request-id` that is too long or holds anything but
/// letters, digits and `-_.:`, so that a fresh one is made; a good one is kept, so one id
/// follows a request through a load balancer and every Trellis instance it reaches.
pub async fn sanitize_request_id(mut req: Request, next: Next) -> Response {
    let bad = req.headers().get(&REQUEST_ID).is_some_and(|v| {
        v.len() > MAX_REQUEST_ID
            || v.is_empty()
            || !v
                .as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
    });
    if bad {
        req.headers_mut().remove(&REQUEST_ID);
    }
    next.run(req).await
}

/// The span every request's log lines carry.
pub fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %redact_secrets(req.uri().path()),
    )
}

/// The kinds of secret a path can carry: share links and invites.
const PATH_SECRETS: [&str; 3] = ["shr", "inv", "trl"];

/// `path` with the secret part of any share link, invite or token in it replaced by `…`, for
/// logs: `/share/shr_<id>_<secret>/report.md` becomes `/share/shr_<id>_…/report.md`, so a log
/// line still tells which link was used but cannot be used to open it.
pub fn redact_secrets(path: &str) -> std::borrow::Cow<'_, str> {
    let kind_of = |segment: &str| {
        PATH_SECRETS
            .into_iter()
            .find(|k| segment.strip_prefix(k).is_some_and(|r| r.starts_with('_')))
    };
    if !path.split('/').any(|s| kind_of(s).is_some()) {
        return path.into();
    }
    path.split('/')
        .map(|segment| match kind_of(segment) {
            None => segment.to_owned(),
            Some(kind) => match store::auth::split_secret(kind, segment) {
                Some((id, _)) => format!("{kind}_{id}_…"),
                None => format!("{kind}_…"),
            },
        })
        .collect::<Vec<_>>()
        .join("/")
        .into()
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FormatLabels {
    format: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

/// Every metric Trellis keeps.
struct Metrics {
    registry: Registry,
    requests: Family<RouteLabels, Counter>,
    latency: Family<LatencyLabels, Histogram>,
    in_flight: Gauge,
    exports: Family<FormatLabels, Counter>,
    export_seconds: Family<FormatLabels, Histogram>,
    errors: Family<KindLabels, Counter>,
    pool: Family<StateLabels, Gauge>,
    heavy: Family<StateLabels, Gauge>,
    writer: Family<KindLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 16 s.
    Histogram::new(exponential_buckets(0.000_5, 2.0, 16))
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("trellis");
    let requests = Family::<RouteLabels, Counter>::default();
    registry.register(
        "http_requests",
        "HTTP requests answered, by method, route and status",
        requests.clone(),
    );
    let latency = Family::<LatencyLabels, Histogram>::new_with_constructor(
        latency_histogram as fn() -> Histogram,
    );
    registry.register(
        "http_request_duration_seconds",
        "Time to answer an HTTP request, by method and route",
        latency.clone(),
    );
    let in_flight = Gauge::default();
    registry.register(
        "http_requests_in_flight",
        "HTTP requests being answered now",
        in_flight.clone(),
    );
    registry.register(
        "evaluation_duration_seconds",
        "Time the engine took to evaluate a review's answers",
        crate::service::EVALUATION_SECONDS.clone(),
    );
    let exports = Family::<FormatLabels, Counter>::default();
    registry.register(
        "exports",
        "Reports, ADR and backlog zips and starter projects generated, by format",
        exports.clone(),
    );
    let export_seconds = Family::<FormatLabels, Histogram>::new_with_constructor(
        latency_histogram as fn() -> Histogram,
    );
    registry.register(
        "export_duration_seconds",
        "Time to render an export, by format",
        export_seconds.clone(),
    );
    let errors = Family::<KindLabels, Counter>::default();
    registry.register(
        "errors",
        "Failures, by kind: server_error (a 5xx answer), database_unavailable (a 503 because \
         the database did not answer), busy (a 503 because every heavy-job slot stayed taken), \
         timeout (a request stopped at its time limit)",
        errors.clone(),
    );
    // Every kind is listed from the start, at zero, so alerts and dashboards can rely on it.
    for kind in ["server_error", "database_unavailable", "busy", "timeout"] {
        drop(errors.get_or_create(&KindLabels {
            kind: kind.to_owned(),
        }));
    }
    let pool = Family::<StateLabels, Gauge>::default();
    registry.register(
        "db_pool_connections",
        "Database connections by state: in_use, idle, and max (the pool's limit)",
        pool.clone(),
    );
    let heavy = Family::<StateLabels, Gauge>::default();
    registry.register(
        "heavy_jobs",
        "CPU-heavy jobs (lens lint and import, reports, zips) by state: running, waiting (for a \
         slot), and slots (how many may run at once)",
        heavy.clone(),
    );
    let writer = Family::<KindLabels, Gauge>::default();
    registry.register(
        "db_writer",
        "SQLite's writer thread since the start (absent on Postgres): groups (committed), \
         saves (in the groups committed), largest_group (the most saves one group committed \
         together), failed_groups (none of their saves stored), connections (opened)",
        writer.clone(),
    );
    Metrics {
        registry,
        requests,
        latency,
        in_flight,
        exports,
        export_seconds,
        errors,
        pool,
        heavy,
        writer,
    }
});

/// Counts one generated export of `format` and the time it took.
pub fn export_generated(format: &str, took: Duration) {
    let labels = FormatLabels {
        format: format.to_owned(),
    };
    METRICS.exports.get_or_create(&labels).inc();
    METRICS
        .export_seconds
        .get_or_create(&labels)
        .observe(took.as_secs_f64());
}

/// Middleware: counts every request by its route (the pattern, such as
/// `/assessments/{id}/results`, never the raw path), times it, and counts failures.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    METRICS.in_flight.inc();
    let res = next.run(req).await;
    METRICS.in_flight.dec();
    let status = res.status();
    METRICS
        .latency
        .get_or_create(&LatencyLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    METRICS
        .requests
        .get_or_create(&RouteLabels {
            method,
            route,
            status: status.as_u16(),
        })
        .inc();
    let kind = match status {
        // Only a busy server says when to try again (see `crate::error::AppError::retry_after`).
        StatusCode::SERVICE_UNAVAILABLE if res.headers().contains_key(header::RETRY_AFTER) => {
            Some("busy")
        }
        StatusCode::SERVICE_UNAVAILABLE => Some("database_unavailable"),
        StatusCode::GATEWAY_TIMEOUT => Some("timeout"),
        s if s.is_server_error() => Some("server_error"),
        _ => None,
    };
    if let Some(kind) = kind {
        METRICS
            .errors
            .get_or_create(&KindLabels { kind: kind.into() })
            .inc();
    }
    res
}

/// Middleware, just outside the time limit: gives its bare 504 a page (or, under `/api/v1`, the
/// API's JSON error) that says what happened.
pub async fn explain_timeout(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() == StatusCode::GATEWAY_TIMEOUT
        && axum::body::HttpBody::size_hint(res.body()).exact() == Some(0)
    {
        return AppError::Timeout.into_response();
    }
    res
}

/// Whether this process is stopping: set on SIGTERM, when `/readyz` starts failing so a load
/// balancer sends no new work while the requests in flight finish.
#[derive(Debug, Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    /// Marks the process as stopping.
    pub fn start(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether it is stopping.
    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

fn plain(status: StatusCode, text: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

/// `GET /healthz`: the process is up and answering (liveness). It reads nothing, so a database
/// outage never gets a healthy process restarted.
pub async fn healthz() -> Response {
    plain(StatusCode::OK, "ok\n".into())
}

/// `GET /readyz`: this instance can serve (readiness): a one-row write commits within two
/// seconds (so the database answers *and* stores writes: a full or failing disk makes the
/// instance not ready until writes commit again), and the process is not shutting down. 503
/// with the reason otherwise.
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.draining.is_draining() {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: shutting down\n".into(),
        );
    }
    let probe = state.store.write_probe(crate::service::now_ms());
    match tokio::time::timeout(Duration::from_secs(2), probe).await {
        Ok(Ok(())) => plain(StatusCode::OK, "ready\n".into()),
        Ok(Err(e)) if e.is_storage_fault() => {
            tracing::warn!(error = %e, "readiness: the database cannot store writes");
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: the database cannot store writes (its disk is full or failing)\n"
                    .into(),
            )
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database is not answering");
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: the database is not answering ({e})\n"),
            )
        }
        Err(_) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: a write did not commit within 2 s\n".into(),
        ),
    }
}

/// `GET /metrics`: every metric in the Prometheus text format. It holds counts and timings by
/// route and format only, nothing about any review or user.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let pool = state.store.pool_stats();
    for (name, value) in [
        ("in_use", pool.open.saturating_sub(pool.idle)),
        ("idle", pool.idle),
        ("max", pool.max),
    ] {
        METRICS
            .pool
            .get_or_create(&StateLabels { state: name.into() })
            .set(i64::from(value));
    }
    if let Some(w) = state.store.writer_stats() {
        for (kind, value) in [
            ("groups", w.groups),
            ("saves", w.jobs),
            ("largest_group", w.largest_group),
            ("failed_groups", w.failed_groups),
            ("connections", w.connections),
        ] {
            METRICS
                .writer
                .get_or_create(&KindLabels { kind: kind.into() })
                .set(i64::try_from(value).unwrap_or(i64::MAX));
        }
    }
    for (name, value) in [
        ("running", state.heavy.running()),
        ("waiting", state.heavy.waiting()),
        ("slots", state.heavy.jobs()),
    ] {
        METRICS
            .heavy
            .get_or_create(&StateLabels { state: name.into() })
            .set(i64::try_from(value).unwrap_or(i64::MAX));
    }
    let mut body = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut body, &METRICS.registry) {
        tracing::error!(error = %e, "encoding the metrics failed");
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the metrics could not be encoded\n".into(),
        );
    }
    (
        [
            (
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_logged_without_the_secrets_they_carry() {
        let share = store::auth::new_secret("shr");
        let invite = store::auth::new_secret("inv");
        let path = format!("/share/{}/report.md", share.token);
        let logged = redact_secrets(&path);
        assert_eq!(logged, format!("/share/shr_{}_…/report.md", share.id));
        let secret = &share.token[share.token.len() - 43..];
        assert!(!logged.contains(secret));
        let path = format!("/invites/{}", invite.token);
        assert_eq!(
            redact_secrets(&path),
            format!("/invites/inv_{}_…", invite.id)
        );
        assert_eq!(redact_secrets("/share/shr_malformed"), "/share/shr_…");
        assert_eq!(
            redact_secrets("/assessments/a1/results"),
            "/assessments/a1/results"
        );
        assert_eq!(redact_secrets("/shared/x"), "/shared/x", "only whole kinds");
    }

    #[tokio::test]
    async fn a_bad_request_id_is_replaced_and_a_good_one_kept() {
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route(
                "/",
                axum::routing::get(|req: Request| async move {
                    req.headers()
                        .get(&REQUEST_ID)
                        .map(|v| v.to_str().unwrap_or("?").to_owned())
                        .unwrap_or_default()
                }),
            )
            .layer(axum::middleware::from_fn(sanitize_request_id));
        for (sent, kept) in [
            ("abc-123_x.y:z", true),
            ("has space", false),
            ("{\"json\":1}", false),
            (&"x".repeat(129)[..], false),
        ] {
            let req = axum::http::Request::get("/")
                .header(&REQUEST_ID, sent)
                .body(axum::body::Body::empty())
                .expect("request");
            let res = app.clone().oneshot(req).await.expect("response");
            let body = axum::body::to_bytes(res.into_body(), 1024)
                .await
                .expect("body");
            assert_eq!(body == sent.as_bytes(), kept, "{sent}");
        }
    }
}
