//! The plan on the results page: the executive summary the reports open with (the conclusion,
//! the decisions asked of the reader and the work to start with), and the roadmap (the open
//! checklist as Now, Next and Later, with its timeline).

use leptos::prelude::*;
use questionnaires::report::{Roadmap, Summary};

/// The summary, under the verdict: what the reports open with, in the same words.
#[component]
pub fn SummaryCard(summary: Summary) -> impl IntoView {
    let list = |title: &'static str, items: Vec<String>| {
        (!items.is_empty()).then(|| {
            view! {
                <div>
                    <h3>{title}</h3>
                    <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
                </div>
            }
        })
    };
    view! {
        <section class="card summary-card" aria-labelledby="summary-h">
            <h2 id="summary-h">"Summary"</h2>
            <p class="headline-sentence">{summary.headline}</p>
            {summary.cost.map(|c| view! { <p>{c.sentence}</p> })}
            <div class="summary-cols">
                {list("Decisions for you", summary.decisions)}
                {list("Start with", summary.first_steps)}
            </div>
        </section>
    }
}

/// The roadmap: the timeline, then each phase's items with their effort, owner and due date.
#[component]
pub fn RoadmapCard(roadmap: Roadmap, svg: Option<String>) -> impl IntoView {
    let empty = roadmap.is_empty();
    let phases: Vec<(&'static str, Vec<questionnaires::report::Step>)> = roadmap
        .phases()
        .into_iter()
        .map(|(name, steps)| (name, steps.to_vec()))
        .collect();
    view! {
        <section class="card" aria-labelledby="roadmap-h">
            <h2 id="roadmap-h">"Roadmap"</h2>
            {if empty {
                view! { <p class="empty">"Nothing on the checklist is open."</p> }.into_any()
            } else {
                view! {
                    <p class="muted small">"The open checklist in three phases: what unblocks the design and small urgent work now, the rest of the high-priority work next. Effort is S (days), M (about two weeks) or L (longer)."</p>
                    {svg.map(|svg| view! {
                        <div class="chart" tabindex="0" role="group" aria-label="Roadmap timeline" inner_html=svg></div>
                    })}
                    <div class="roadmap-cols">
                        {phases.into_iter().map(|(name, steps)| view! {
                            <div>
                                <h3>{format!("{name} ({})", steps.len())}</h3>
                                {if steps.is_empty() {
                                    view! { <p class="muted small">"Nothing here."</p> }.into_any()
                                } else {
                                    view! {
                                        <ol>{steps.into_iter().map(|s| {
                                            let mut meta = vec![format!("{} priority", s.priority)];
                                            if let Some(e) = &s.effort {
                                                meta.push(format!("effort {e}"));
                                            }
                                            if !s.owner.is_empty() {
                                                meta.push(s.owner.clone());
                                            }
                                            if let Some(d) = &s.due_date {
                                                meta.push(format!("due {d}"));
                                            }
                                            view! {
                                                <li>
                                                    <strong>{s.title}</strong>
                                                    <span class="muted small">{format!(" · {}", meta.join(" · "))}</span>
                                                    {(!s.after.is_empty()).then(|| view! {
                                                        <span class="muted small">{format!(" After: {}.", s.after.join("; "))}</span>
                                                    })}
                                                </li>
                                            }
                                        }).collect_view()}</ol>
                                    }.into_any()
                                }}
                            </div>
                        }).collect_view()}
                    </div>
                }.into_any()
            }}
        </section>
    }
}
