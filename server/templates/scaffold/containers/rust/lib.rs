//! {{ self.plan().workload }}: the app's library. `main.rs` picks the mode; the modules hold
//! the code and its tests{% if self.service() %}: `server` the HTTP service{% endif %}{% if self.worker() %}{% if self.service() %};{% else %}:{% endif %} `worker` the queue worker{% endif %}{% if self.worker() || self.scheduled() %}; `jobs`
//! the work itself and the record that keeps a job from running twice{% endif %}.
//!
//! Logs are JSON lines with the level, the message, the service name and the fields of the
//! current span, which carries the request's or job's `correlation_id`.
{%- if self.worker() || self.scheduled() %}

pub mod jobs;
{%- endif %}
{%- if self.service() %}
pub mod server;
{%- endif %}
{%- if self.worker() %}
pub mod worker;
{%- endif %}

/// Sends JSON lines to stdout (the awslogs driver ships them) at LOG_LEVEL (INFO).
pub fn init_logging() {
    let level = std::env::var("LOG_LEVEL")
        .unwrap_or_else(|_| "INFO".to_owned())
        .to_lowercase()
        .replace("warning", "warn");
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .init();
}

/// The service's name in every log line.
pub fn service_name() -> String {
    std::env::var("APP_NAME").unwrap_or_else(|_| "{{ self.plan().project }}".to_owned())
}
