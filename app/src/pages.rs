//! The pages, one module each, and the small pieces they share.

pub mod catalog;
pub mod home;
pub mod results;
pub mod review;

use leptos::prelude::*;
use leptos_meta::Title;

/// The 404 page; sets the status during server rendering.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="card">
            <h1>"Not found"</h1>
            <p>"There is no page at this address. " <a href="/">"Back to the reviews"</a></p>
        </section>
    }
}

/// A failed load, shown in place of the page.
#[component]
pub fn LoadError(error: ServerFnError) -> impl IntoView {
    let message = match &error {
        ServerFnError::ServerError(m) => m.clone(),
        other => other.to_string(),
    };
    view! {
        <section class="card error" role="alert">
            <h1>"This page could not be loaded"</h1>
            <p>{message}</p>
            <p><a href="/">"Back to the reviews"</a></p>
        </section>
    }
}

/// Formats a score for display.
pub fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "–".to_owned(), |s| format!("{s:.0}"))
}

/// The CSS class of a score band.
pub fn score_class(score: Option<f64>) -> &'static str {
    match score {
        Some(s) if s >= 80.0 => "score good",
        Some(s) if s >= 50.0 => "score fair",
        Some(_) => "score poor",
        None => "score none",
    }
}
