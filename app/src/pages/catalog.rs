//! The catalog page: the review's areas and questions, and the pattern catalog.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// The catalog as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogData {
    /// Title and version.
    pub title: String,
    /// Areas: title and question titles.
    pub areas: Vec<(String, Vec<String>)>,
    /// Patterns: name, containers?, services, tradeoffs.
    pub patterns: Vec<(String, bool, Vec<String>, Vec<String>)>,
}

/// Loads the catalog.
#[server(endpoint = "catalog_view")]
pub async fn catalog_view() -> Result<CatalogData, crate::error::Failure> {
    use questionnaires::model::PatternKind;
    let q = questionnaires::builtin();
    Ok(CatalogData {
        title: format!("{} v{}", q.title, q.version),
        areas: q
            .areas
            .iter()
            .map(|a| {
                (
                    a.title.to_string(),
                    a.questions
                        .iter()
                        .map(|&i| q.questions[i].title.to_string())
                        .collect(),
                )
            })
            .collect(),
        patterns: q
            .patterns
            .iter()
            .map(|p| {
                (
                    p.name.to_string(),
                    p.kind == PatternKind::Containers,
                    p.services.clone(),
                    p.tradeoffs.to_vec(),
                )
            })
            .collect(),
    })
}

/// The page.
#[component]
pub fn CatalogPage() -> impl IntoView {
    view! {
        <Title text="Questions and patterns" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match catalog_view().await {
                    Err(error) => view! { <super::LoadError error /> }.into_any(),
                    Ok(c) => view! {
                        <section class="card">
                            <h1>{c.title}</h1>
                            {c.areas.into_iter().map(|(title, questions)| view! {
                                <details class="area">
                                    <summary>{title} <span class="muted">{format!(" · {} questions", questions.len())}</span></summary>
                                    <ol>{questions.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ol>
                                </details>
                            }).collect_view()}
                        </section>
                        <h2>"Pattern catalog"</h2>
                        <ul class="patterns">
                            {c.patterns.into_iter().map(|(name, containers, services, tradeoffs)| view! {
                                <li class="pattern">
                                    <h3>{name}</h3>
                                    <p class="tags">
                                        <span class=if containers { "tag containers" } else { "tag" }>
                                            {if containers { "containers" } else { "serverless" }}
                                        </span>
                                        {services.into_iter().map(|s| view! { <span class="tag service">{s}</span> }).collect_view()}
                                    </p>
                                    <ul>{tradeoffs.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
