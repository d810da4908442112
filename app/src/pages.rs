//! The pages, one module each, and the small pieces they share.

pub mod account;
pub mod catalog;
pub mod home;
pub mod milestones;
pub mod results;
pub mod review;
pub mod share;
pub mod team;

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
pub fn LoadError(error: crate::error::Failure) -> impl IntoView {
    let sign_in = error.needs_sign_in();
    let message = error.message;
    // Signing in comes back here.
    let sign_in_href = crate::chrome::sign_in_href(&crate::chrome::here());
    view! {
        <section class="card error" role="alert">
            <h1>{if sign_in { "Sign in to continue" } else { "This page could not be loaded" }}</h1>
            <p>{message}</p>
            {if sign_in {
                view! { <p><a class="button primary" href=sign_in_href>"Sign in"</a></p> }.into_any()
            } else {
                view! { <p><a href="/">"Back to the reviews"</a></p> }.into_any()
            }}
        </section>
    }
}

/// A page whose data `load` fetches from the server, shown by `show` once it is there (the page
/// is rendered whole before it is sent), or the failure in its place.
pub fn loaded<T, Fut, V>(
    load: impl Fn() -> Fut + Send + Sync + 'static,
    show: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Send + 'static,
    Fut: std::future::Future<Output = Result<T, crate::error::Failure>> + Send + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let (data, show) = (load(), show.clone());
                Suspend::new(async move {
                    match data.await {
                        Err(error) => view! { <LoadError error /> }.into_any(),
                        Ok(data) => show(data).into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Things that work until revoked (invites, share links) under their heading, or `none` when
/// there are none; each item a [`Revocable`].
#[component]
pub fn RevocableList(
    /// The heading's id.
    id: &'static str,
    /// The heading.
    title: &'static str,
    /// What the list says when it is empty.
    none: &'static str,
    /// The items.
    items: Vec<AnyView>,
) -> impl IntoView {
    view! {
        <h3 id=id>{title}</h3>
        {if items.is_empty() {
            view! { <p class="empty">{none}</p> }.into_any()
        } else {
            view! { <ul class="links" aria-labelledby=id>{items}</ul> }.into_any()
        }}
    }
}

/// One thing that works until revoked: what it is, and its Revoke button, a plain form posting
/// the hidden `fields` to `action`.
#[component]
pub fn Revocable(
    /// Where Revoke posts.
    action: &'static str,
    /// The form's hidden fields.
    fields: Vec<(&'static str, String)>,
    /// What it is.
    children: Children,
) -> impl IntoView {
    view! {
        <li>
            <span>{children()}</span>
            <form method="post" action=action class="inline">
                {fields.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value /> }).collect_view()}
                <button type="submit">"Revoke"</button>
            </form>
        </li>
    }
}

/// Unix milliseconds as `YYYY-MM-DD HH:MM` (UTC).
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// A role with its article, as a sentence says it: "an owner", "an editor", "a viewer".
pub fn a_role(role: &str) -> String {
    let article = if role.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {role}")
}

/// Formats a score for display.
pub fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "–".to_owned(), |s| format!("{s:.0}"))
}

/// The CSS class of a score band.
pub fn score_class(score: Option<f64>) -> &'static str {
    use questionnaires::evaluate::Band;
    match score.map(Band::of) {
        Some(Band::Good) => "score good",
        Some(Band::Fair) => "score fair",
        Some(Band::Poor) => "score poor",
        None => "score none",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(super::utc(0), "1970-01-01 00:00");
        assert_eq!(super::utc(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(
            super::utc(1_795_478_400_000 + 3_723_000),
            "2026-11-24 01:02"
        );
    }

    #[test]
    fn a_role_takes_its_article() {
        assert_eq!(super::a_role("owner"), "an owner");
        assert_eq!(super::a_role("editor"), "an editor");
        assert_eq!(super::a_role("viewer"), "a viewer");
    }
}
