//! `trellis serve`: starts the web app, waits for its database, and on Ctrl-C or SIGTERM stops
//! taking new requests, lets the ones in flight finish (up to a limit), and exits.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::observe::{self, LogFormat};

/// Where and on what `serve` runs.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TRELLIS_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// The database: `sqlite://FILE?mode=rwc` or `postgres://USER:PASSWORD@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://trellis.db?mode=rwc"
    )]
    pub database_url: String,
    /// Serve the browser bundle from `DIR/pkg` on disk (as `scripts/build-front --out DIR`
    /// leaves it) instead of the one built into the binary; when `DIR` has none, pages run
    /// without JavaScript.
    #[arg(long, env = "TRELLIS_SITE_ROOT", value_name = "DIR")]
    pub site_root: Option<PathBuf>,
    /// Mark the session cookie `Secure`: set it when Trellis is served over HTTPS.
    #[arg(long, env = "TRELLIS_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// For tests only: let webhooks call `http://` targets and private, loopback and link-local
    /// addresses (by default only `https://` targets on public addresses).
    #[arg(long, env = "TRELLIS_WEBHOOKS_ALLOW_PRIVATE")]
    pub webhooks_allow_private: bool,
    /// The wait, in milliseconds, before a failed webhook delivery's second try; each next wait
    /// doubles (eight tries in all).
    #[arg(long, env = "TRELLIS_WEBHOOKS_BACKOFF_MS", default_value_t = 60_000)]
    pub webhooks_backoff_ms: u64,
    /// Log lines as JSON objects (with each request's id), as text, or `auto`: text at a
    /// terminal, JSON otherwise. `RUST_LOG` sets the level (default `info`).
    #[arg(long, env = "TRELLIS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Auto)]
    pub log_format: LogFormat,
    /// Seconds any request may take before it is stopped with a 504.
    #[arg(long, env = "TRELLIS_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,
    /// Seconds to let requests in flight finish after SIGTERM before exiting anyway.
    #[arg(long, env = "TRELLIS_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
    /// Seconds to keep trying to reach the database at start (it may still be starting).
    #[arg(long, env = "TRELLIS_DB_WAIT", default_value_t = 30)]
    pub db_wait: u64,
    /// CPU-heavy jobs (lens lint and import, reports, zips) run at once, off the async workers;
    /// more wait for a slot.
    #[arg(long, env = "TRELLIS_HEAVY_JOBS", default_value_t = crate::service::heavy::DEFAULT_JOBS)]
    pub heavy_jobs: usize,
    /// Seconds a request waits for a heavy-job slot before it is answered 503 (busy).
    #[arg(long, env = "TRELLIS_HEAVY_WAIT", default_value_t = crate::service::heavy::DEFAULT_WAIT.as_secs())]
    pub heavy_wait: u64,
    /// Single sign-on with an OpenID provider (see the README).
    #[command(flatten)]
    pub sso: crate::sso::SsoArgs,
}

/// Runs the server until it is told to stop.
pub(super) fn run(args: ServeArgs) -> ExitCode {
    observe::init_logging(args.log_format);
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
        .and_then(|rt| rt.block_on(serve(args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Connects and migrates, trying again while the database is unreachable, for up to `wait`.
/// Two instances starting at once are safe: migrations run under a lock (Postgres: an advisory
/// lock; SQLite: the file's write lock), and the second finds them applied.
async fn connect(url: &str, wait: Duration) -> anyhow::Result<store::Store> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(200);
    loop {
        match store::Store::connect(url).await {
            Ok(store) => return Ok(store),
            Err(e) if e.is_unavailable() && started.elapsed() + delay < wait => {
                tracing::warn!(error = %e, "the database is not answering yet; trying again");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(e) => {
                return Err(e).with_context(|| format!("opening the database at {}", redact(url)));
            }
        }
    }
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = connect(&args.database_url, Duration::from_secs(args.db_wait)).await?;
    let _lock = store::Store::lock_file(&args.database_url).map_err(anyhow::Error::msg)?;
    let mut state = crate::state::AppState::new(store, args.site_root.clone().unwrap_or_default());
    state.secure_cookies = args.secure_cookies;
    state.sso = crate::sso::Sso::from_args(&args.sso).map_err(anyhow::Error::msg)?;
    state.request_timeout = Duration::from_secs(args.request_timeout.max(1));
    state.heavy =
        crate::service::heavy::Heavy::new(args.heavy_jobs, Duration::from_secs(args.heavy_wait));
    match &args.site_root {
        None => state.bundle = Some(crate::bundle::Bundle::Embedded),
        Some(root) if state.bundle.is_none() => tracing::warn!(
            "no browser bundle in {}: pages work without JavaScript (no autosave); without --site-root, Trellis serves the bundle built into it",
            root.join("pkg").display()
        ),
        Some(root) => tracing::info!(
            "serving the browser bundle from {}",
            root.join("pkg").display()
        ),
    }
    state.webhooks = crate::webhooks::Settings {
        allow_private: args.webhooks_allow_private,
        backoff: Duration::from_millis(args.webhooks_backoff_ms.max(1)),
        ..crate::webhooks::Settings::default()
    };
    if state.webhooks.allow_private {
        tracing::warn!(
            "TRELLIS_WEBHOOKS_ALLOW_PRIVATE is set: webhooks may call http:// and private addresses (for tests only)"
        );
    }
    crate::webhooks::start(state.store.clone(), state.webhooks);
    tokio::spawn(purge_sessions(state.store.clone()));
    let draining = state.draining.clone();
    let app = crate::web::router(state);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("binding {}", args.addr))?;
    tracing::info!(
        database = %redact(&args.database_url),
        "Trellis is listening on http://{}",
        args.addr
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        draining.start();
        let _ = stop_tx.send(true);
        tracing::info!("shutting down: no new connections; finishing the requests in flight");
    });
    let grace = Duration::from_secs(args.shutdown_timeout);
    let deadline = async move {
        let mut rx = stop_rx;
        let _ = rx.wait_for(|stop| *stop).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => {
            result.context("serving")?;
            tracing::info!("stopped cleanly");
        }
        () = deadline => {
            tracing::warn!(seconds = grace.as_secs(), "requests were still running at the shutdown limit; stopping anyway");
        }
    }
    Ok(())
}

/// How often expired sessions are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(60 * 60);

/// Deletes expired sessions at start and every [`PURGE_EVERY`] after, for as long as the
/// server runs.
async fn purge_sessions(store: store::Store) {
    let mut tick = tokio::time::interval(PURGE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match store.purge_expired_sessions(crate::service::now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "deleted expired sessions"),
            Err(e) => tracing::warn!(error = %e, "deleting expired sessions failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact("postgres://trellis:s3cret@db.internal/trellis"),
            "postgres://trellis:***@db.internal/trellis"
        );
        assert_eq!(
            redact("sqlite://trellis.db?mode=rwc"),
            "sqlite://trellis.db?mode=rwc"
        );
        assert_eq!(redact("postgres://db/x"), "postgres://db/x");
    }
}
