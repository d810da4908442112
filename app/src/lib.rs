//! The Trellis user interface: Leptos components, rendered on the server (feature `ssr`) and
//! hydrated in the browser (feature `hydrate`).
//!
//! For now it holds the catalog page: the review's areas and questions, and the pattern catalog.

use leptos::prelude::*;
use questionnaires::Questionnaire;
use questionnaires::model::{PatternKind, QuestionKind};

/// The page listing the questionnaire's areas and the pattern catalog.
#[component]
pub fn CatalogPage(
    /// The questionnaire to list.
    q: &'static Questionnaire,
) -> impl IntoView {
    let question_count = q.questions.len();
    view! {
        <header class="masthead">
            <h1>"Trellis"</h1>
            <p class="lede">"Serverless design reviews: explained risks, ranked AWS patterns, quantitative checks."</p>
        </header>
        <main>
            <section aria-labelledby="areas-title">
                <h2 id="areas-title">{q.title.clone()} " " <small>{format!("v{}", q.version)}</small></h2>
                <p>{format!("{} areas, {} questions, {} patterns, {} checklist items.", q.areas.len(), question_count, q.patterns.len(), q.checklist.len())}</p>
                {q.areas.iter().map(|area| view! {
                    <details class="area">
                        <summary>
                            <span class="area-title">{area.title.clone()}</span>
                            <span class="count">{format!("{} questions", area.questions.len())}</span>
                        </summary>
                        <ol>
                            {area.questions.iter().map(|&i| {
                                let question = &q.questions[i];
                                view! {
                                    <li>
                                        <span>{question.title.clone()}</span>
                                        " "
                                        <code>{question.id.to_string()}</code>
                                        " "
                                        <span class="kind">{kind_label(question.kind)}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    </details>
                }).collect_view()}
            </section>
            <section aria-labelledby="patterns-title">
                <h2 id="patterns-title">"Pattern catalog"</h2>
                <ul class="patterns">
                    {q.patterns.iter().map(|p| view! {
                        <li class="pattern">
                            <h3>{p.name.clone()}</h3>
                            <p class="tags">
                                <span class=if p.kind == PatternKind::Containers { "tag containers" } else { "tag" }>
                                    {if p.kind == PatternKind::Containers { "containers" } else { "serverless" }}
                                </span>
                                {p.services.iter().map(|s| view! { <span class="tag service">{s.clone()}</span> }).collect_view()}
                            </p>
                            <h4>"Tradeoffs"</h4>
                            <ul>{p.tradeoffs.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}</ul>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        </main>
    }
}

fn kind_label(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Single => "one choice",
        QuestionKind::Multi => "several choices",
        QuestionKind::Number => "number",
        QuestionKind::Text => "text",
    }
}

/// Renders the catalog page as a whole HTML document, with the stylesheet inlined so the page
/// makes no further requests.
#[cfg(feature = "ssr")]
pub fn render_catalog_document(q: &'static Questionnaire) -> String {
    let owner = Owner::new();
    let body = owner.with(|| view! { <CatalogPage q=q /> }.to_html());
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Trellis · {}</title><link rel=\"icon\" href=\"data:,\"><style>{}</style></head>\
         <body>{body}</body></html>",
        escape(&q.title),
        include_str!("../../style/trellis.css"),
    )
}

/// Escapes text for an HTML text node outside the Leptos view tree.
#[cfg(feature = "ssr")]
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
