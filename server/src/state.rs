//! What every handler can read: [`AppState`], built once at start-up (`trellis serve`, or a test)
//! and cloned into each request, and the per-request [`AppContext`] the use cases take.

use std::path::PathBuf;
use std::sync::Arc;

use leptos::prelude::LeptosOptions;
use questionnaires::Questionnaire;
use store::Store;
use store::auth::{Actor, Throttle};

use crate::page_cache::PageCache;
use crate::service::AppContext;

/// How long a request may take by default: far above the slowest export (a PDF takes well
/// under a second), far below a browser's patience.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// What every handler can read.
#[derive(Clone)]
pub struct AppState {
    /// Leptos settings.
    pub leptos: LeptosOptions,
    /// The built-in questionnaire.
    pub builtin: &'static Questionnaire,
    /// Imported lenses, parsed.
    pub lenses: crate::service::lenses::Lenses,
    /// Storage.
    pub store: Store,
    /// The browser bundle served under `/pkg`; without one, pages run without JavaScript.
    pub bundle: Option<crate::bundle::Bundle>,
    /// Rendered results pages.
    pub pages: PageCache,
    /// Failed sign-ins.
    pub throttle: Arc<Throttle>,
    /// Whether cookies are marked `Secure` (Trellis is served over HTTPS).
    pub secure_cookies: bool,
    /// Set when the process starts shutting down (see [`crate::observe::readyz`]).
    pub draining: crate::observe::Draining,
    /// The longest any request may take before it is stopped with a 504.
    pub request_timeout: std::time::Duration,
    /// The slots for CPU-heavy work (lens lint and import, reports, zips): off the async
    /// workers, a few at a time.
    pub heavy: crate::service::heavy::Heavy,
    /// Single sign-on, when an OpenID provider is configured ([`crate::sso`]).
    pub sso: Option<Arc<crate::sso::Sso>>,
    /// How webhooks are checked and sent.
    pub webhooks: crate::webhooks::Settings,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl AppState {
    /// State on a store, with the browser bundle from `site_root/pkg` when it exists (`trellis
    /// serve` uses the embedded one unless told otherwise: see [`crate::bundle`]).
    pub fn new(store: Store, site_root: PathBuf) -> AppState {
        crate::service::portfolio::install();
        let bundle = crate::bundle::Bundle::on_disk(&site_root);
        let leptos = LeptosOptions::builder()
            .output_name("app")
            .site_root(site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .build();
        AppState {
            leptos,
            builtin: questionnaires::builtin(),
            lenses: crate::service::lenses::Lenses::default(),
            store,
            bundle,
            pages: PageCache::default(),
            throttle: Arc::default(),
            secure_cookies: false,
            draining: crate::observe::Draining::default(),
            request_timeout: REQUEST_TIMEOUT,
            heavy: crate::service::heavy::Heavy::default(),
            sso: None,
            webhooks: crate::webhooks::Settings::default(),
        }
    }

    /// The app's context for a request by `actor`.
    pub fn context(&self, actor: Actor) -> AppContext {
        AppContext {
            store: self.store.clone(),
            builtin: self.builtin,
            lenses: self.lenses.clone(),
            heavy: self.heavy.clone(),
            actor,
            sso: self.sso.as_ref().map(|s| s.name.clone()),
            webhooks: self.webhooks,
        }
    }
}
