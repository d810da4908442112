//! The handlers of `{{ plan.project }}` ({{ plan.pattern_name }}).
//!
//! Each function in `src/bin/` is a thin `main` that builds the function's [`Deps`] once per
//! cold start and calls one `handle` below, so the logic is tested here without AWS. Logs are
//! JSON lines; every line of an invocation carries the span field `correlation_id` (the Lambda
//! request id{% if plan.api.is_some() %}, or the caller's `x-correlation-id` header{% endif %}).
{%- if self.idem() %}
//!
//! Duplicates hurt in this workload, so each side effect runs once per key: see [`Idempotency`].
{%- endif %}

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

pub use lambda_runtime::Error;

/// Reads a required environment variable.
pub fn env(name: &str) -> Result<String, Error> {
    std::env::var(name).map_err(|_| format!("environment variable {name} is not set").into())
}

/// Whether handlers may log event payloads (`POWERTOOLS_LOGGER_LOG_EVENT`, off when the review
/// says logs must not hold personal data).
pub fn log_events() -> bool {
    std::env::var("POWERTOOLS_LOGGER_LOG_EVENT").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The log level named by `POWERTOOLS_LOG_LEVEL` (INFO when unset or unknown).
pub fn log_level(name: Option<&str>) -> tracing::Level {
    match name.map(str::to_ascii_uppercase).as_deref() {
        Some("TRACE") => tracing::Level::TRACE,
        Some("DEBUG") => tracing::Level::DEBUG,
        Some("WARN" | "WARNING") => tracing::Level::WARN,
        Some("ERROR" | "CRITICAL") => tracing::Level::ERROR,
        _ => tracing::Level::INFO,
    }
}

/// Sends JSON log lines to stdout, which Lambda forwards to CloudWatch Logs.
pub fn init_logging() {
    let level = log_level(std::env::var("POWERTOOLS_LOG_LEVEL").ok().as_deref());
    // Fails only when a subscriber is already set, as in tests: keep that one.
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .try_init();
}

/// The service name when `POWERTOOLS_SERVICE_NAME` is not set.
const SERVICE_NAME: &str = "{{ plan.project }}";

/// The service name on every log line (`POWERTOOLS_SERVICE_NAME`).
pub fn service() -> &'static str {
    static SERVICE: OnceLock<String> = OnceLock::new();
    SERVICE.get_or_init(|| std::env::var("POWERTOOLS_SERVICE_NAME").unwrap_or_else(|_| SERVICE_NAME.to_owned()))
}

/// The span of one invocation: every log line inside it carries these fields.
pub fn invocation_span(correlation_id: &str, context: &lambda_runtime::Context) -> tracing::Span {
    tracing::info_span!(
        "invocation",
        service = service(),
        correlation_id,
        trace_id = context.xray_trace_id.as_deref().unwrap_or_default(),
    )
}

/// Seconds since the Unix epoch.
pub fn now_s() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The second after which the invocation is over (its deadline), which bounds how long an
/// idempotency record can stay in progress.
pub fn deadline_s(context: &lambda_runtime::Context) -> u64 {
    context.deadline / 1000 + 1
}
{%- if self.aws() %}

/// An AWS SDK error with its causes (the service's error code and message).
pub fn aws_error<E: std::error::Error + 'static>(doing: &str, err: &E) -> Error {
    let mut text = format!("{doing}: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.into()
}
{%- endif %}
{%- if self.hashing() %}

/// The hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}
{%- endif %}
{%- if self.idem() %}
{% include "scaffold/rust/idempotency.rs" %}
{%- endif %}
{%- if self.sqs_batch() %}
{% include "scaffold/rust/sqs_batch.rs" %}
{%- endif %}
{% match plan.pattern -%}
{% when Pattern::Api -%}
{% include "scaffold/rust/api.rs" %}
{%- when Pattern::S3Events -%}
{% include "scaffold/rust/s3.rs" %}
{%- when Pattern::Fanout -%}
{% include "scaffold/rust/fanout.rs" %}
{%- when Pattern::EventBus -%}
{% include "scaffold/rust/eventbus.rs" %}
{%- when Pattern::Workflow -%}
{% include "scaffold/rust/workflow.rs" %}
{%- when Pattern::Stream -%}
{% include "scaffold/rust/stream.rs" %}
{%- when Pattern::Saga -%}
{% include "scaffold/rust/saga.rs" %}
{%- when Pattern::Webhook -%}
{% include "scaffold/rust/webhook.rs" %}
{%- when Pattern::ScheduledJobs -%}
{% include "scaffold/rust/scheduled_jobs.rs" %}
{%- when Pattern::Relational -%}
{% include "scaffold/rust/relational_api.rs" %}
{%- when Pattern::StranglerFig -%}
{% include "scaffold/rust/strangler_fig.rs" %}
{%- when Pattern::EventSourcing -%}
{% include "scaffold/rust/event_sourcing.rs" %}
{%- when Pattern::RealtimeBroadcast -%}
{% include "scaffold/rust/realtime_broadcast.rs" %}
{%- when Pattern::Bff -%}
{% include "scaffold/rust/bff.rs" %}
{%- when Pattern::CircuitBreaker -%}
{% include "scaffold/rust/circuit_breaker.rs" %}
{%- when Pattern::Cqrs -%}
{% include "scaffold/rust/cqrs.rs" %}
{%- when _ %}{%- endmatch %}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample event of a function, `events/<name>.json`.
    pub(crate) fn sample_event(name: &str) -> String {
        let path = format!("{}/events/{name}.json", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn log_level_follows_powertools_names() {
        assert_eq!(log_level(Some("debug")), tracing::Level::DEBUG);
        assert_eq!(log_level(Some("WARNING")), tracing::Level::WARN);
        assert_eq!(log_level(Some("CRITICAL")), tracing::Level::ERROR);
        assert_eq!(log_level(Some("nonsense")), tracing::Level::INFO);
        assert_eq!(log_level(None), tracing::Level::INFO);
    }

    #[test]
    fn the_span_carries_the_correlation_id() {
        let subscriber = tracing_subscriber::fmt().json().with_test_writer().finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = invocation_span("abc-123", &lambda_runtime::Context::default());
            assert!(
                span.metadata()
                    .is_some_and(|m| m.fields().field("correlation_id").is_some())
            );
        });
    }
}

