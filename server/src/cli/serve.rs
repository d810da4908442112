//! `trellis serve`: starts the web app and stops cleanly on Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Where and on what `serve` runs.
pub(super) struct ServeConfig {
    pub addr: SocketAddr,
    pub database_url: String,
    pub site_root: PathBuf,
    pub secure_cookies: bool,
}

pub(super) fn run(config: ServeConfig) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
        .and_then(|rt| rt.block_on(serve(config)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let ServeConfig {
        addr,
        database_url,
        site_root,
        secure_cookies,
    } = config;
    let store = app::store::Store::connect(&database_url)
        .await
        .with_context(|| format!("opening the database at {database_url}"))?;
    let _lock = app::store::Store::lock_file(&database_url).map_err(anyhow::Error::msg)?;
    let mut state = crate::web::AppState::new(store, site_root.clone());
    state.secure_cookies = secure_cookies;
    if state.bundle.is_none() {
        tracing::warn!(
            "no browser bundle in {}: pages work without JavaScript (no autosave); run scripts/build-front to build it",
            site_root.join("pkg").display()
        );
    }
    let app = crate::web::router(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    tracing::info!("Trellis is listening on http://{addr}");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
    .context("serving")
}

async fn shutdown() {
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
    tracing::info!("shutting down");
}
