//! Milestones: save the review as it is now under a name, and see what changed between two
//! milestones, or between a milestone and now: answers, risks, scores, recommendation ranks and
//! checklist progress. The comparison downloads as Markdown. Each milestone can also start a new
//! review, with its answers carried over.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use questionnaires::Risk;
use questionnaires::diff::{Diff, RiskChange};

use crate::api::{CreateMilestone, MilestonesData, milestones_page};

/// The page.
#[component]
pub fn MilestonesPage() -> impl IntoView {
    let key = (
        use_params_map()
            .read_untracked()
            .get("id")
            .unwrap_or_default(),
        use_query_map().read_untracked().get("from"),
        use_query_map().read_untracked().get("to"),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || { let (id, from, to) = key.clone(); Suspend::new(async move {
                match milestones_page(id, from, to).await {
                    Err(error) => view! { <super::LoadError error /> }.into_any(),
                    Ok(data) => view! { <Milestones data /> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

fn level(r: Option<Risk>) -> &'static str {
    match r {
        Some(Risk::High) => "high",
        Some(Risk::Medium) => "medium",
        _ => "none",
    }
}

fn score(s: Option<f64>) -> String {
    super::score_text(s)
}

#[component]
fn Milestones(data: MilestonesData) -> impl IntoView {
    let id = data.assessment_id.clone();
    let results = format!("/assessments/{id}/results");
    let saved = data.milestones.clone();
    let options = move |selected: &str| {
        let mut all = vec![("current".to_owned(), "now (the current answers)".to_owned())];
        all.extend(
            saved
                .iter()
                .map(|(mid, name, _, at)| (mid.clone(), format!("{name} ({})", super::utc(*at)))),
        );
        all.into_iter()
            .map(|(value, label)| {
                let selected = value == selected;
                view! { <option value=value selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let from = data.from.clone();
    let from_id = from.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    let markdown = from
        .as_ref()
        .map(|(f, _)| format!("/assessments/{id}/diff.md?from={f}&to={}", data.to.0));
    view! {
        <Title text=format!("Milestones · {}", data.workload) />
        <section class="card">
            <p class="crumbs"><a href="/">"Reviews"</a> " / " <a href=results>{data.workload.clone()}</a> " / milestones"</p>
            <h1>"Milestones and changes"</h1>
            <p class="lede">"A milestone keeps the answers and their evaluation as they are now, and never changes. Compare two of them, or one with now, to see what the team changed."</p>
            {data.can_edit.then(|| view! {
                <form method="post" action=CreateMilestone::url() class="inline">
                    <input type="hidden" name="id" value=id.clone() />
                    <label for="milestone-name">"Name"</label>
                    <input id="milestone-name" name="name" required maxlength="100" placeholder="Design review 1" />
                    <button type="submit" class="primary">"Save a milestone"</button>
                </form>
            })}
            {if data.milestones.is_empty() {
                view! { <p class="empty">"No milestones yet."</p> }.into_any()
            } else {
                view! {
                    <table class="members">
                        <thead><tr><th scope="col">"Milestone"</th><th scope="col">"Saved by"</th><th scope="col">"When (UTC)"</th><th scope="col">"Actions"</th></tr></thead>
                        <tbody>
                            {data.milestones.iter().cloned().map(|(mid, name, by, at)| view! {
                                <tr>
                                    <td><a href=format!("/assessments/{id}/milestones/{mid}")>{name.clone()}</a></td>
                                    <td>{by}</td>
                                    <td class="small">{super::utc(at)}</td>
                                    <td>
                                        <a href=format!("/?from={id}/{mid}#start")>"New review from this"<span class="sr-only">{format!(" milestone: {name}")}</span></a>
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        {(!data.milestones.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="compare-h">
                <h2 id="compare-h">"Compare"</h2>
                <form method="get" class="inline">
                    <label for="from">"From"</label>
                    <select id="from" name="from">{options(&from_id)}</select>
                    <label for="to">"to"</label>
                    <select id="to" name="to">{options(&data.to.0)}</select>
                    <button type="submit">"Compare"</button>
                </form>
                {data.diff.clone().map(|d| view! {
                    <p class="muted">{format!("From {} to {}.", from.clone().map(|f| f.1).unwrap_or_default(), data.to.1)}</p>
                    {markdown.clone().map(|href| view! { <p><a class="button" href=href download>"Download as Markdown"</a></p> })}
                    <DiffView d />
                })}
            </section>
        })}
    }
}

#[component]
fn RiskList(title: &'static str, items: Vec<RiskChange>) -> impl IntoView {
    (!items.is_empty()).then(|| view! {
        <h3>{format!("{title} ({})", items.len())}</h3>
        <ul class="risks">
            {items.into_iter().map(|r| view! {
                <li>{r.title} " " <span class="muted small">{format!("{} → {}", level(r.before), level(r.after))}</span></li>
            }).collect_view()}
        </ul>
    })
}

#[component]
fn DiffView(d: Diff) -> impl IntoView {
    let nothing = d.is_empty();
    view! {
        {nothing.then(|| view! { <p class="empty">"Nothing changed between these two."</p> })}
        <h3>"Scores"</h3>
        <table class="members">
            <thead><tr><th scope="col">"Area"</th><th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col">"Change"</th></tr></thead>
            <tbody>
                {d.scores.iter().map(|s| view! {
                    <tr>
                        <td>{s.title.clone()}</td>
                        <td>{score(s.before)}</td>
                        <td>{score(s.after)}</td>
                        <td>{s.delta().map_or_else(String::new, |x| format!("{x:+.0}"))}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <p>{format!("Checklist items in place: {} → {} of {}.", d.checklist_done.0, d.checklist_done.1, d.checklist_total)}</p>
        <RiskList title="Risks that appeared" items=d.appeared.clone() />
        <RiskList title="Risks resolved" items=d.resolved.clone() />
        <RiskList title="Risks that changed level" items=d.changed.clone() />
        {(!d.ranks.is_empty()).then(|| view! {
            <h3>"Recommendations"</h3>
            <ul>
                {d.ranks.iter().map(|r| {
                    let rank = |x: Option<usize>| x.map_or_else(|| "not recommended".to_owned(), |n| format!("#{n}"));
                    view! { <li>{format!("{}: {} → {}", r.name, rank(r.before), rank(r.after))}</li> }
                }).collect_view()}
            </ul>
        })}
        {(!d.answers.is_empty()).then(|| view! {
            <h3>{format!("Answers that changed ({})", d.answers.len())}</h3>
            <table class="members">
                <thead><tr><th scope="col">"Question"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                <tbody>
                    {d.answers.iter().map(|a| view! {
                        <tr>
                            <td>{a.title.clone()}</td>
                            <td>{a.before.clone().unwrap_or_else(|| "unanswered".into())}</td>
                            <td>{a.after.clone().unwrap_or_else(|| "unanswered".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}
