//! The chrome every page shares: the one masthead, for the Leptos pages and, rendered to HTML
//! by [`masthead_html`], for the server's own pages (the questionnaires, the starter, the API
//! reference, error pages), so all of them show the same brand, navigation and signed-in user.
//!
//! And [`IslandScripts`]: the script that starts the browser bundle, only on a page that has an
//! island.

use leptos::prelude::*;

/// Who reads the page, as the masthead shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewer {
    /// The signed-in user's display name; `None` when nobody is signed in.
    pub name: Option<String>,
    /// The page being read (path and query), for the "Sign in" link to come back to.
    pub here: String,
    /// How many things need the signed-in user (assigned and unanswered, unseen mentions, due
    /// checklist items), shown beside "Needs me"; `None` where it was not counted (an error
    /// page).
    pub needs_me: Option<usize>,
}

/// The page being read, path and query, as the router has it.
pub fn here() -> String {
    let location = leptos_router::hooks::use_location();
    let path = location.pathname.get_untracked();
    match location.search.get_untracked().trim_start_matches('?') {
        "" => path,
        query => format!("{path}?{query}"),
    }
}

/// What a form posted without JavaScript failed with: a server function answers a plain form
/// post by sending the browser back to the page, with the error in its address (`__path`, the
/// function; `__err`, the error). Shown at the top of the page, in the user's words, unless the
/// address names the `field` it belongs to: the page then shows it beside that field.
#[component]
pub fn FormFailure() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let failure = query.with_untracked(|q| {
        if q.get("field").is_some() {
            return None;
        }
        Some(form_failure(&q.get("__err")?))
    });
    failure.map(|message| {
        view! {
            <section class="card error" role="alert">
                <h2>"That was not saved"</h2>
                <p>{message}</p>
            </section>
        }
    })
}

/// The message of a form post's failure, as its address carries it (`__err`).
pub fn form_failure(err: &str) -> String {
    leptos::server_fn::error::ServerFnUrlError::<crate::error::Failure>::decode_err(err).message
}

/// Where "Sign in" goes from `here`: the sign-in page, coming back to `here` afterwards (unless
/// `here` is the home page or an account form itself).
pub fn sign_in_href(here: &str) -> String {
    let path = here.split('?').next().unwrap_or("");
    if matches!(path, "" | "/" | "/signin" | "/signup") {
        "/signin".to_owned()
    } else {
        format!("/signin?next={}", crate::redirect::query_value(here))
    }
}

/// The masthead: the brand, the main navigation (the portfolio, the questionnaires and "Needs
/// me" with its count only for the signed in), and who is signed in with the way out, or the
/// way in.
#[component]
pub fn Masthead(
    /// Who reads the page.
    viewer: Viewer,
) -> impl IntoView {
    let signed_in = viewer.name.is_some();
    let needs_me = signed_in.then(|| {
        let count = viewer.needs_me.filter(|n| *n > 0).map(|n| {
            let said = if n == 1 {
                "1 item needs you".to_owned()
            } else {
                format!("{n} items need you")
            };
            view! {
                <span class="badge" aria-hidden="true">{n.to_string()}</span>
                <span class="sr-only">{format!(": {said}")}</span>
            }
        });
        view! { <a href="/me" class="needs-me">"Needs me"{count}</a> }
    });
    let session = match viewer.name {
        Some(name) => view! {
            <div class="session">
                <a href="/account">{name}</a>
                <form method="post" action="/signout" class="inline">
                    <button type="submit" class="link">"Sign out"</button>
                </form>
            </div>
        }
        .into_any(),
        None => view! {
            <div class="session"><a href=sign_in_href(&viewer.here)>"Sign in"</a></div>
        }
        .into_any(),
    };
    view! {
        <header class="masthead">
            <a class="brand" href="/">"Trellis"</a>
            <nav aria-label="Main">
                <a href="/">"Reviews"</a>
                {signed_in.then(|| view! { <a href="/portfolio">"Portfolio"</a> })}
                {signed_in.then(|| view! { <a href="/questionnaires">"Questionnaires"</a> })}
                <a href="/catalog">"Questions and patterns"</a>
                <a href="/api">"API"</a>
                {needs_me}
            </nav>
            {session}
        </header>
    }
}

/// The masthead as HTML, for pages the server writes itself: the same component the Leptos
/// pages render, so the two cannot drift apart.
#[cfg(feature = "ssr")]
pub fn masthead_html(viewer: Viewer) -> String {
    let owner = Owner::new();
    owner.with(|| view! { <Masthead viewer /> }.to_html())
}

/// Starts the islands of the page, if it has any: Leptos' own island loader (`island_script.js`,
/// from leptos 0.8's `HydrationScripts`, MIT), run only when the page holds a `<leptos-island>`.
/// `HydrationScripts` would also preload `app.js` and `app_bg.wasm` on every page; here a page
/// without an island (the welcome page, the catalog, the account pages, …) loads no WebAssembly
/// and no module at all. A module script runs once the document is parsed, so the islands are
/// all there when it looks.
#[component]
pub fn IslandScripts(
    /// Where the bundle is served and what it is called.
    options: LeptosOptions,
) -> impl IntoView {
    // As `HydrationScripts` does in islands mode: only islands carry hydration markers.
    if let Some(sc) = Owner::current_shared_context() {
        sc.set_is_hydrating(false);
    }
    let nonce = leptos::nonce::use_nonce();
    let pkg = options.site_pkg_dir.to_string();
    let js = options.output_name.to_string();
    let wasm = format!("{js}_bg");
    let script = format!(
        "if (document.querySelector('leptos-island')) {{ ({})(\"\", {pkg:?}, {js:?}, {wasm:?}); }}",
        include_str!("island_script.js")
            .lines()
            .filter(|l| !l.starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n")
            .trim_end()
            .trim_end_matches(';')
    );
    view! { <script type="module" nonce=nonce>{script}</script> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_comes_back_to_the_page() {
        assert_eq!(sign_in_href("/"), "/signin");
        assert_eq!(sign_in_href("/signin?next=/x"), "/signin");
        assert_eq!(
            sign_in_href("/assessments/a1/results?x=1"),
            "/signin?next=/assessments/a1/results%3Fx%3D1"
        );
    }
}
