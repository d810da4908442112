//! The Trellis user interface: Leptos pages rendered on the server (feature `ssr`), with a few
//! interactive islands hydrated in the browser (feature `hydrate`).
//!
//! Islands keep the browser bundle and every page small: the pages are plain HTML that works
//! with JavaScript off, and only the parts that act in the browser (autosave on the review form,
//! inline saving of checklist items) ship as WebAssembly, with their own small props.
//!
//! - [`App`] and [`shell`]: the router and the HTML document around it;
//! - [`api`]: server functions and the view models they carry;
//! - [`charts`]: score bars, the cost chart and pattern diagrams, as SVG;
//! - `pages`: one module per page;
//! - [`server`] and [`store`] (server only): loading, saving and all SQL.

// Deep view types (the review page) overflow the default 128 when the browser build lays out
// their hydration futures.
#![recursion_limit = "256"]

pub mod api;
pub mod charts;
mod pages;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod store;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The HTML document. `hydrate` says whether the browser bundle exists; without it the pages
/// work as plain forms and links.
pub fn shell(options: LeptosOptions, hydrate: bool) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="data:," />
                <link rel="stylesheet" href="/style/trellis.css" />
                {hydrate.then(|| view! { <HydrationScripts options islands=true /> })}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: a masthead and the routed pages.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Trellis".to_owned() } else { format!("{page} · Trellis") } />
        <Router>
            <a class="skip" href="#content">"Skip to content"</a>
            <header class="masthead">
                <a class="brand" href="/">"Trellis"</a>
                <nav aria-label="Main">
                    <a href="/">"Reviews"</a>
                    <a href="/catalog">"Questions and patterns"</a>
                </nav>
            </header>
            <main id="content">
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async />
                    <Route
                        path=path!("/assessments/:id/review/:area")
                        view=pages::review::ReviewPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/assessments/:id/results")
                        view=pages::results::ResultsPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/catalog") view=pages::catalog::CatalogPage />
                </Routes>
            </main>
        </Router>
    }
}

/// Starts the browser side: hydrates the islands on the page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Tells browser tests that the page is live (a hydration panic never gets here).
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
