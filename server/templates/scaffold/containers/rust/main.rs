//! Entry point: `app MODE`, where MODE is {% for m in self.p.modes() %}{% if !loop.first %}, {% endif %}`{{ m }}`{% endfor %}.
{%- if self.service() %}
//!
//! - `serve`: the HTTP service on PORT ({{ self.port() }}), until SIGTERM; `health` checks it (the
//!   Dockerfile's HEALTHCHECK).
{%- endif %}
{%- if self.worker() %}
//! - `worker`: takes jobs from QUEUE_URL one at a time, until SIGTERM.
{%- endif %}
{%- if self.scheduled() %}
//! - `job RUN_ID`: one scheduled run (EventBridge Scheduler passes its scheduled time).
{%- endif %}

use std::process::ExitCode;

use tokio::sync::watch;

#[tokio::main]
async fn main() -> ExitCode {
    app::init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map_or("{{ self.default_mode() }}", String::as_str);
    // ECS sends SIGTERM, then SIGKILL after the task's stopTimeout.
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!(service = %app::service_name(), "stopping");
        let _ = stop_tx.send(true);
    });
    match mode {
{%- if self.service() %}
        "serve" => {
            let port: u16 = std::env::var("PORT")
                .ok()
                .and_then(|p| p.parse().ok())
                .unwrap_or({{ self.port() }});
            match app::server::serve(port, stop).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!(error = %e, "server failed");
                    ExitCode::FAILURE
                }
            }
        }
        "health" => {
            let port = std::env::var("PORT").unwrap_or_else(|_| "{{ self.port() }}".to_owned());
            if app::server::healthy(&format!("127.0.0.1:{port}")).await {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
{%- endif %}
{%- if self.worker() %}
        "worker" => {
            let worker = app::worker::Worker::from_env(stop).await;
            worker.run().await;
            ExitCode::SUCCESS
        }
{%- endif %}
{%- if self.scheduled() %}
        "job" => {
            let Some(run_id) = args.get(1) else {
                tracing::error!("usage: app job RUN_ID");
                return ExitCode::from(2);
            };
            if app::jobs::run_scheduled_from_env(run_id, stop).await {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
{%- endif %}
        other => {
            tracing::error!(mode = other, "unknown mode");
            ExitCode::from(2)
        }
    }
}
