//! The Trellis user interface: Leptos pages rendered on the server (feature `ssr`), with a few
//! interactive islands hydrated in the browser (feature `hydrate`).
//!
//! Islands keep the browser bundle and every page small: the pages are plain HTML that works
//! with JavaScript off, and only the parts that act in the browser (autosave on the review form,
//! inline saving of checklist items) ship as WebAssembly, with their own small props. Pages load
//! their data by awaiting server functions directly while rendering, not through `Resource`s,
//! which would also serialize it into the page for a hydration that never happens.
//!
//! - [`App`] and [`shell`]: the router and the HTML document around it;
//! - [`api`]: server functions and the view models they carry;
//! - [`chrome`]: the masthead every page shares, and the script that starts the islands;
//! - [`charts`]: score bars, the cost chart and pattern diagrams, as SVG;
//! - [`redirect`]: which `?next=` page a sign-in may go to;
//! - `pages`: one module per page;
//! - [`backend`] (server only): the one interface the server functions call, implemented by the
//!   `server` crate on its use cases and storage;
//! - [`error`]: [`error::Failure`], the typed error of every server function.

// Deep view types (the review page) overflow the default 128 when the browser build lays out
// their hydration futures.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod charts;
pub mod chrome;
pub mod error;
mod pages;
pub use pages::{a_role, utc};
pub mod redirect;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// Text escaped for HTML, quotes included. Pages need it where Leptos writes text as it is: a
/// `<textarea>`'s children and the document `<title>` (a value holding `</textarea>` or `</title>`
/// would end the element and inject what follows; the XSS browser test found both). The server
/// uses it for its few hand-written pages.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The Content-Security-Policy of every response: scripts only from Trellis itself and, on a
/// page, its own inline hydration script (by `nonce`); WebAssembly allowed to compile; nothing
/// framed, no plugins, forms only to Trellis. Inline style attributes stay allowed: the SVG
/// charts use them, and styles cannot run code.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let scripts = nonce.map_or_else(String::new, |n| format!(" 'nonce-{n}'"));
    format!(
        "default-src 'self'; script-src 'self'{scripts} 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The HTML document. `hydrate` says whether the browser bundle exists; without it the pages
/// work as plain forms and links.
pub fn shell(options: LeptosOptions, hydrate: bool) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(csp) =
        axum::http::HeaderValue::from_str(&content_security_policy(Some(&nonce.to_string())))
    {
        res.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, csp);
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="data:," />
                <link rel="stylesheet" href="/style/trellis.css" />
                {hydrate.then(|| view! { <chrome::IslandScripts options /> })}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: a masthead and the routed pages. Every page renders whole before it is sent
/// (`SsrMode::Async`), so the masthead and the page are complete without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| {
            // leptos_meta writes the title as it is: escaped here, so a workload named
            // `</title><script>` stays text (the XSS browser test found it).
            escape_html(&if page.is_empty() { "Trellis".to_owned() } else { format!("{page} · Trellis") })
        } />
        <Router>
            <a class="skip" href="#content">"Skip to content"</a>
            <Session />
            <main id="content">
                <chrome::FormFailure />
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
                    <Route
                        path=path!("/assessments/:id/share")
                        view=pages::share::SharePage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/catalog") view=pages::catalog::CatalogPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/assessments/:id/milestones")
                        view=pages::milestones::MilestonesPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/assessments/:id/milestones/:milestone")
                        view=pages::results::MilestoneResultsPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/signin") view=pages::account::SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/signup") view=pages::account::SignUpPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/teams/:id") view=pages::team::TeamPage ssr=SsrMode::Async />
                    <Route path=path!("/invites/:token") view=pages::account::InvitePage ssr=SsrMode::Async />
                    <Route path=path!("/share/:token") view=pages::results::SharedPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// The masthead, greeting whoever is signed in.
#[component]
fn Session() -> impl IntoView {
    let here = chrome::here();
    view! {
        <Suspense fallback=|| view! { <header class="masthead"><a class="brand" href="/">"Trellis"</a></header> }>
            {move || {
                let here = here.clone();
                Suspend::new(async move {
                let name = api::whoami().await.ok().flatten().map(|me| me.name);
                let needs_me = match name {
                    Some(_) => api::needs_me().await.ok(),
                    None => None,
                };
                view! { <chrome::Masthead viewer=chrome::Viewer { name, here, needs_me } /> }
            })}}
        </Suspense>
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

#[cfg(test)]
mod tests {
    #[test]
    fn escaped_text_cannot_close_its_element_or_attribute() {
        assert_eq!(
            super::escape_html("</textarea><b a=\"x\">&amp;"),
            "&lt;/textarea&gt;&lt;b a=&quot;x&quot;&gt;&amp;amp;"
        );
    }
}
