//! The results page: the summary (`results/plan.rs`), the sign-off (`results/sign_off.rs`: who
//! approved the design, and the approval form for owners), scores, risks (`results/risks.rs`:
//! each titled by its problem, and accepted or not), recommendations, checks, cost, the roadmap
//! (`results/plan.rs`) and the editable checklist; for members, how
//! many carried-over answers are still to confirm, and the way to start a new review from this
//! one; for owners, the Share button (to the review's Share page).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use questionnaires::Risk;
use questionnaires::checks::CheckStatus;
use questionnaires::condition::grouped;
use questionnaires::evaluate::RiskItem;
use questionnaires::recommend::Recommendation;
use questionnaires::verdict::{BlockerKind, VerdictStatus};

mod plan;
mod risks;
mod sign_off;
use plan::{RoadmapCard, SummaryCard};
use risks::RiskList;

use crate::api::{
    ChecklistRow, ResultsData as Page, SaveChecklistItem, milestone_results, results_page,
    shared_results,
};

/// The page.
#[component]
pub fn ResultsPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.read_untracked().get("id").unwrap_or_default();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || { let id = id.clone(); Suspend::new(async move {
                match results_page(id).await {
                    Err(error) => view! { <super::LoadError error /> }.into_any(),
                    Ok(page) => view! { <Results page /> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

/// The results as a milestone saved them: read-only, and saying so.
#[component]
pub fn MilestoneResultsPage() -> impl IntoView {
    let key = {
        let p = use_params_map().read_untracked();
        (
            p.get("id").unwrap_or_default(),
            p.get("milestone").unwrap_or_default(),
        )
    };
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || { let (id, milestone) = key.clone(); Suspend::new(async move {
                match milestone_results(id, milestone).await {
                    Err(error) => view! { <super::LoadError error /> }.into_any(),
                    Ok(page) => view! { <Results page /> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

/// The results as a share link shows them: read-only, and saying so.
#[component]
pub fn SharedPage() -> impl IntoView {
    let params = use_params_map();
    let token = params.read_untracked().get("token").unwrap_or_default();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || { let token = token.clone(); Suspend::new(async move {
                match shared_results(token).await {
                    Err(error) => view! { <super::LoadError error /> }.into_any(),
                    Ok(page) => view! { <Results page /> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

/// A fact as the page shows it: in the user's words (question titles, choice labels).
fn fact_words(page: &Page, fact: &questionnaires::condition::Fact) -> String {
    words_of(&page.fact_words, fact)
}

fn words_of(words: &[(String, String)], fact: &questionnaires::condition::Fact) -> String {
    let key = fact.to_string();
    words
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, words)| words.clone())
}

fn question_link(page: &Page, question: &str) -> (String, String) {
    let (title, area) = page
        .question_titles
        .iter()
        .find(|(id, ..)| id == question)
        .map(|(_, t, a)| (t.clone(), a.clone()))
        .unwrap_or_default();
    (
        title,
        format!(
            "/assessments/{}/review/{area}#q-{question}",
            page.assessment_id
        ),
    )
}

#[component]
fn Results(page: Page) -> impl IntoView {
    let e = page.evaluation.clone();
    let high: Vec<RiskItem> = e
        .risks
        .iter()
        .filter(|r| r.level == Risk::High)
        .cloned()
        .collect();
    let medium: Vec<RiskItem> = e
        .risks
        .iter()
        .filter(|r| r.level == Risk::Medium)
        .cloned()
        .collect();
    let recs: Vec<Recommendation> = e
        .recommendations
        .iter()
        .filter(|r| r.score > 0.0)
        .take(5)
        .cloned()
        .collect();
    let review = format!("/assessments/{}/review/workload_fit", page.assessment_id);
    let page_for_risks = page.clone();
    let (summary, roadmap, roadmap_svg) = (
        page.summary.clone(),
        page.roadmap.clone(),
        page.roadmap_svg.clone(),
    );
    // A refused form post comes back with its error, and the field it belongs to.
    let field_error = use_query_map().with_untracked(|q| {
        Some((
            q.get("field")?,
            crate::chrome::form_failure(&q.get("__err")?),
        ))
    });

    let (shared, can_edit) = (page.shared, page.can_edit);
    let share = page
        .can_share
        .then(|| format!("/assessments/{}/share", page.assessment_id));
    let start_from = page
        .start_from
        .clone()
        .map(|from| format!("/?from={from}#start"));
    view! {
        <Title text=format!("Results · {}", page.workload) />
        {page.as_of.clone().map(|as_of| view! {
            <p class="notice shared" role="note">
                <strong>{format!("As of milestone {as_of}.")}</strong>
                " These results never change. "
                <a href=format!("/assessments/{}/results", page.assessment_id)>"See them now"</a>
            </p>
        })}
        {shared.then(|| view! {
            <p class="notice shared" role="note">
                <strong>"Shared, read-only view."</strong>
                " Someone shared these results with you through a link. Nothing here can be changed."
            </p>
        })}
        {page.to_confirm.clone().map(|t| view! {
            <p class="notice confirm" role="note">
                <strong>{format!(
                    "{} {} carried over{} {} still to confirm.",
                    t.count,
                    if t.count == 1 { "answer" } else { "answers" },
                    if t.from.is_empty() { String::new() } else { format!(" from {}", t.from) },
                    if t.count == 1 { "is" } else { "are" },
                )}</strong>
                " These results count them as they are. "
                <a href=t.first>"Check the first one"</a>
            </p>
        })}
        <section class="card results-head">
            {(!shared).then(|| view! { <p class="crumbs"><a href="/">"Reviews"</a> " / " {page.workload.clone()}</p> })}
            <div class="headline">
                <div>
                    <h1>{format!("Results: {}", page.workload)}</h1>
                    {page.lens.is_none().then(|| {
                        let class = match e.verdict.status {
                            VerdictStatus::Fits => "verdict fits",
                            VerdictStatus::FitsWithBlockers => "verdict blocked",
                            VerdictStatus::DoesNotFit => "verdict containers",
                            VerdictStatus::Incomplete => "verdict incomplete",
                        };
                        view! {
                            <p class=class>
                                <span class="verdict-label">{e.verdict.status.label()}</span>
                                " "
                                {e.verdict.detail().to_owned()}
                            </p>
                        }
                    })}
                    {(page.lens.is_none() && !e.verdict.blockers.is_empty()).then(|| view! {
                        <details class="blockers" open=e.verdict.blockers.len() <= 5>
                            <summary>{format!(
                                "{} {} before approval",
                                e.verdict.blockers.len(),
                                if e.verdict.blockers.len() == 1 { "blocker to deal with" } else { "blockers to deal with" },
                            )}</summary>
                            <ul>{e.verdict.blockers.iter().map(|b| {
                                // The question's or check's own words, then why it blocks.
                                let (tag, title, why) = match b.kind {
                                    BlockerKind::Risk => {
                                        let r = e.risks.iter().find(|r| r.question.as_str() == b.id);
                                        // Accepted, it still blocks: accepting changes no score.
                                        let accepted = page.acceptances.iter().any(|a| a.question == b.id && !a.lapsed);
                                        (if accepted { "high risk, accepted" } else { "high risk" }, r.map(|r| r.heading().to_string()), r.map(|r| r.reason.to_string()))
                                    }
                                    BlockerKind::Check => {
                                        let c = e.checks.iter().find(|c| *c.id == b.id);
                                        ("failed check", c.map(|c| c.title.to_string()), c.map(|c| c.message.clone()))
                                    }
                                };
                                view! {
                                    <li>
                                        <span class="tag">{tag}</span>
                                        " "
                                        {match (title, why) {
                                            (Some(t), Some(w)) => view! { <strong>{t}</strong> " " {w} }.into_any(),
                                            _ => b.message.clone().into_any(),
                                        }}
                                    </li>
                                }
                            }).collect_view()}</ul>
                        </details>
                    })}
                    <sign_off::SignOff page=page.clone() error=field_error.clone() />
                            {(!e.inconsistencies.is_empty()).then(|| view! {
                        <div class="notice confirm" role="note">
                            <strong>"Answers that do not add up: "</strong>
                            <ul>{e.inconsistencies.iter().map(|i| view! { <li>{i.message.clone()}</li> }).collect_view()}</ul>
                        </div>
                    })}
            <p class="muted small">
                        {format!("{} of {} questions answered · {} {} · content {}", e.progress.answered, e.progress.applicable,
                            e.questionnaire.id, e.questionnaire.version, &e.questionnaire.content_hash[..12.min(e.questionnaire.content_hash.len())])}
                    </p>
                    <p class="actions">
                        {(!shared).then(|| view! { <a class="button" href=review>{if can_edit { "Edit answers" } else { "See the answers" }}</a> })}
                        {share.map(|href| view! { " " <a class="button" href=href>"Share"</a> })}
                        " "
                        " "
                        <a class="button" href=format!("{}/report", page.report_url)>"Report and exports"</a>
                        " "
                        <a class="button" href=format!("{}/report.pdf", page.report_url) download>"PDF"</a>
                        " "
                        {page.lens.is_none().then(|| view! { <a class="button" href=format!("{}/scaffold", page.report_url)>"Starter project"</a> })}
                        {(!shared).then(|| view! {
                            " "
                            <a class="button" href=format!("/assessments/{}/milestones", page.assessment_id)>"Milestones and changes"</a>
                            " "
                            <a class="button" href=format!("/assessments/{}/tags", page.assessment_id)>"Tags"</a>
                        })}
                        {(!shared && page.lens.is_some()).then(|| view! {
                            " "
                            <a class="button" href=format!("/assessments/{}/lens", page.assessment_id)>"Lens version"</a>
                        })}
                        {start_from.map(|href| view! {
                            " "
                            <a class="button" href=href>"New review from this"</a>
                        })}
                    </p>
                </div>
                <div class="overall">
                    <span class=super::score_class(e.scores.overall)>{super::score_text(e.scores.overall)}</span>
                    <span class="muted small">{if e.scores.provisional { "overall score, provisional" } else { "overall score" }}</span>
                    {e.scores.uncapped.map(|u| view! {
                        <span class="muted small">{format!("capped at 59 while blockers stand ({u:.0} before)")}</span>
                    })}
                </div>
            </div>
            <Glance page=page.clone() />
        </section>
        <SectionBar page=page.clone() />
        {summary.map(|summary| view! { <SummaryCard summary /> })}

        <section class="card" aria-labelledby="scores-h">
            <h2 id="scores-h">"Scores by area"</h2>
            <div class="chart" tabindex="0" role="group" aria-label="Scores by area" inner_html=page.scores_svg.clone()></div>
        </section>

        <section class="card" aria-labelledby="risks-h">
            <h2 id="risks-h">"Risks"</h2>
            {if high.is_empty() && medium.is_empty() {
                view! { <p class="empty">"No high or medium risks in the answers so far."</p> }.into_any()
            } else {
                view! { <p class="risk-counts">{format!("{}.", page.risk_counts.words())}</p> }.into_any()
            }}
            <RiskList title="High" risks=high page=page_for_risks.clone() error=field_error.clone() />
            <RiskList title="Medium" risks=medium page=page_for_risks error=field_error />
        </section>

        {(!page.template_findings.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="template-findings-h" id="template-findings">
                <h2 id="template-findings-h">"Template findings"</h2>
                <p class="muted">"From the review's latest import of its infrastructure code."</p>
                <ul class="template-findings">
                    {page.template_findings.iter().map(|f| view! {
                        <li>
                            <span class=format!("tag priority-{}", f.severity)>{f.severity.clone()}</span>" "
                            {f.message.clone()}" "
                            <span class="muted small">{f.place()}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}

        <section class="card" aria-labelledby="recs-h">
            <h2 id="recs-h">"Recommended patterns"</h2>
            {match &page.lens {
                Some(title) => view! {
                    <p class="empty">{format!("This review runs on the imported lens \u{201c}{title}\u{201d}. Pattern recommendations, the quantitative checks and starter projects come from the built-in serverless review only.")}</p>
                }.into_any(),
                None => recs.is_empty().then(|| view! { <p class="empty">"Answer the workload fit questions to get recommendations."</p> }).into_any(),
            }}
            {e.design.backbone.as_ref().map(|b| view! {
                <div class="design">
                    <p>
                        <strong>"Design: "</strong>
                        {format!("{} carries the requests ({} fit)", b.name, b.fit.as_str())}
                        {if e.design.add_ons.is_empty() { ", and no add-on is called for." } else { ", with these add-ons:" }}
                    </p>
                    {(!e.design.add_ons.is_empty()).then(|| view! {
                        <ul>{e.design.add_ons.iter().map(|a| view! {
                            <li><strong>{a.name.to_string()}</strong>{format!(" ({} fit): {}", a.fit.as_str(), a.addresses)}</li>
                        }).collect_view()}</ul>
                    })}
                </div>
            })}
            <ol class="recs">
                {recs.into_iter().map(|r| {
                    let diagram = page.diagrams.iter().find(|(id, _)| id.as_str() == r.pattern.as_str()).map(|(_, svg)| svg.clone());
                    let limits: Vec<String> = r
                        .limits
                        .iter()
                        .map(|id| page.limit_labels.iter().find(|(l, _)| l == id).map_or_else(|| id.clone(), |(_, label)| label.clone()))
                        .collect();
                    let starter = page.report_url.clone();
                    let words = page.fact_words.clone();
                    view! { <Rec r diagram limits starter words /> }
                }).collect_view()}
            </ol>
        </section>

        {page.lens.is_none().then(|| view! {
        <section class="card" aria-labelledby="checks-h">
            <h2 id="checks-h">"Quantitative checks"</h2>
            <table class="checks">
                <thead><tr><th scope="col">"Status"</th><th scope="col">"Check"</th><th scope="col">"Result"</th></tr></thead>
                <tbody>
                    {e.checks.iter().map(|c| {
                        let (class, label) = match c.status {
                            CheckStatus::Ok => ("status ok", "OK"),
                            CheckStatus::Warn => ("status warn", "Warning"),
                            CheckStatus::Fail => ("status fail", "Fail"),
                        };
                        view! {
                            <tr>
                                <td><span class=class>{label}</span></td>
                                <th scope="row">{c.title.to_string()}</th>
                                <td>{c.message.clone()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {(!e.skipped_checks.is_empty()).then(|| view! {
                <p class="muted small">
                    {format!("Waiting for answers: {}.", e.skipped_checks.iter().map(|s| s.title.to_string()).collect::<Vec<_>>().join(", "))}
                </p>
            })}
        </section>
        })}

        {e.cost.clone().map(|c| view! {
            <section class="card" aria-labelledby="cost-h">
                <h2 id="cost-h">"Cost: serverless against containers"</h2>
                <div class="chart" tabindex="0" role="group" aria-label="Monthly cost: serverless against containers" inner_html=page.cost_svg.clone().unwrap_or_default()></div>
                <div class="cost-sides">
                    <div>
                        <h3>{format!("Serverless: ${:.2}/month", c.serverless.monthly_usd)}</h3>
                        <ul class="cost-lines">{c.serverless.breakdown.iter().map(|l| view! {
                            <li>{format!("{}: ${:.2}", l.item, l.usd)}{(!l.basis.is_empty()).then(|| view! { <span class="basis">{l.basis.clone()}</span> })}</li>
                        }).collect_view()}</ul>
                    </div>
                    <div>
                        <h3>{format!("Containers: ${:.2}/month", c.containers.monthly_usd)}</h3>
                        <ul class="cost-lines">{c.containers.breakdown.iter().map(|l| view! {
                            <li>{format!("{}: ${:.2}", l.item, l.usd)}{(!l.basis.is_empty()).then(|| view! { <span class="basis">{l.basis.clone()}</span> })}</li>
                        }).collect_view()}</ul>
                    </div>
                </div>
                <ul class="muted small">{c.assumptions.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view()}</ul>
            </section>
        })}

        <RoadmapCard roadmap svg=roadmap_svg />

        <section class="card" aria-labelledby="checklist-h">
            <h2 id="checklist-h">"Improvement checklist"</h2>
            <p class="muted small">"Open items first, highest priority at the top."</p>
            {
                let id = page.assessment_id.clone();
                let (open, closed): (Vec<ChecklistRow>, Vec<ChecklistRow>) =
                    page.checklist.into_iter().partition(|row| item_status(row) == "open" && row.derived != "not_applicable");
                let rows = move |rows: Vec<ChecklistRow>| {
                    let id = id.clone();
                    view! {
                        <table class="checklist">
                            <thead>
                                <tr>
                                    <th scope="col">"Item"</th>
                                    <th scope="col">"From the answers"</th>
                                    <th scope="col">"Status, owner and due date"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|row| view! { <Item row id=id.clone() can_edit /> }).collect_view()}
                            </tbody>
                        </table>
                    }
                };
                let open_count = open.len();
                let closed_count = closed.len();
                let table = view! {
                    {if open_count == 0 {
                        view! { <p class="empty">"Nothing open: every item is in place, accepted or does not apply."</p> }.into_any()
                    } else {
                        rows(open).into_any()
                    }}
                    {(closed_count > 0).then(|| view! {
                        <details class="closed-items">
                            <summary>{format!("{closed_count} {} done, accepted or not applicable", if closed_count == 1 { "item" } else { "items" })}</summary>
                            {rows(closed)}
                        </details>
                    })}
                };
                // Only an editor's rows save in place: nobody else's page needs the bundle.
                if can_edit { view! { <ChecklistForms>{table}</ChecklistForms> }.into_any() } else { table.into_any() }
            }
            {(page.checklist_waiting > 0).then(|| view! {
                <p class="muted small">{format!("{} more {} appear as their questions are answered.", page.checklist_waiting, if page.checklist_waiting == 1 { "item" } else { "items" })}</p>
            })}
        </section>
    }
}

#[component]
fn Rec(
    r: Recommendation,
    diagram: Option<String>,
    limits: Vec<String>,
    starter: String,
    words: Vec<(String, String)>,
) -> impl IntoView {
    let starter = r
        .scaffold
        .then(|| format!("{starter}/scaffold?pattern={}", r.pattern));
    view! {
        <li class="rec">
            <div class="rec-head">
                <h3>{format!("{}. {}", r.rank, r.name)}</h3>
                <span class="tag" title=format!("net weight of the signals: {}", r.score)>{format!("{} fit", r.fit.as_str())}</span>
                {(r.kind == questionnaires::model::PatternKind::Containers).then(|| view! { <span class="tag containers">"containers"</span> })}
                {starter.map(|href| view! { <a class="rec-starter small" href=href>"Starter project"</a> })}
            </div>
            {diagram.map(|svg| view! { <div class="chart diagram" tabindex="0" role="group" aria-label=format!("Diagram of {}", r.name) inner_html=svg></div> })}
            <div class="rec-cols">
                <div>
                    <h4>"Why"</h4>
                    <ul>{r.reasons.iter().map(|x| view! {
                        <li>{x.text.to_string()} <span class="facts small">{x.facts.iter().map(|f| format!(" [{}]", words_of(&words, f))).collect::<String>()}</span></li>
                    }).collect_view()}</ul>
                    {(!r.against.is_empty()).then(|| view! {
                        <h4>"Against"</h4>
                        <ul>{r.against.iter().map(|x| view! { <li>{x.text.to_string()}</li> }).collect_view()}</ul>
                    })}
                </div>
                <div>
                    <h4>"Tradeoffs"</h4>
                    <ul>{r.tradeoffs.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}</ul>
                    <h4>"Limits that matter"</h4>
                    <ul class="small">{limits.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                </div>
            </div>
        </li>
    }
}

#[component]
fn Item(row: ChecklistRow, id: String, can_edit: bool) -> impl IntoView {
    let status = item_status(&row);
    let owner = (!row.owner.is_empty()).then(|| format!(" · {}", row.owner));
    let due = (!row.due_date.is_empty()).then(|| format!(" · due {}", row.due_date));
    let summary = format!(
        "{}{}{}",
        status.replace('-', " "),
        owner.unwrap_or_default(),
        due.unwrap_or_default()
    );
    let state = if can_edit {
        view! {
            <span class="item-summary">{summary}</span>
            // Shown when the address targets it: the row a plain form post just saved.
            <span class="saved-mark small" id=format!("saved-{}", row.id)>" Saved."</span>
            <details class="edit-row">
            <summary>"Edit"<span class="sr-only">{format!(": {}", row.title)}</span></summary>
            <form method="post" action=SaveChecklistItem::url() class="item-form">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="item" value=row.id.clone() />
                {row.version.map(|v| view! { <input type="hidden" name="version" value=v.to_string() /> })}
                <label for=format!("status-{}", row.id) class="sr-only">"Status"</label>
                <select id=format!("status-{}", row.id) name="status">
                    {["open", "done", "accepted-risk"].into_iter().map(|s| view! {
                        <option value=s selected=status == s>{s.replace('-', " ")}</option>
                    }).collect_view()}
                </select>
                <label for=format!("owner-{}", row.id) class="sr-only">"Owner"</label>
                <input id=format!("owner-{}", row.id) name="owner" placeholder="Owner" maxlength="200" value=row.owner.clone() />
                <label for=format!("due-{}", row.id) class="sr-only">"Due date"</label>
                <input id=format!("due-{}", row.id) type="date" name="due_date" value=row.due_date.clone() />
                <button type="submit">"Save"</button>
                <span class="item-status small" role="status" aria-live="polite"></span>
            </form>
            </details>
        }
        .into_any()
    } else {
        view! { <span>{summary}</span> }.into_any()
    };
    view! {
        <tr class=format!("item {}", row.derived)>
            <td>
                <strong>{row.title.clone()}</strong>
                <span class=format!("tag priority-{}", row.priority)>{format!("{} priority", row.priority)}</span>
                <details><summary>"Why and how"</summary><div inner_html=row.why_html.clone()></div><div inner_html=row.how_html.clone()></div></details>
            </td>
            <td>{match row.derived.as_str() { "done" => "In place", "not_applicable" => "Does not apply", _ => "Not yet" }}</td>
            <td>{state}</td>
        </tr>
    }
}

/// A checklist row's status as the team set it, else as the answers say: `open`, `done` or
/// `accepted-risk`.
fn item_status(row: &ChecklistRow) -> String {
    row.status.clone().unwrap_or_else(|| {
        if row.derived == "done" {
            "done".into()
        } else {
            "open".into()
        }
    })
}

/// The page at a glance, under the verdict: each figure a link to its section.
#[component]
fn Glance(page: Page) -> impl IntoView {
    let e = &page.evaluation;
    let count = |level: Risk| e.risks.iter().filter(|r| r.level == level).count();
    let (high, medium) = (count(Risk::High), count(Risk::Medium));
    let risks = if high + medium == 0 {
        "None raised".to_owned()
    } else {
        format!("{high} high, {medium} medium")
    };
    let failing = e
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Fail)
        .count();
    let warning = e
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Warn)
        .count();
    let checks = match (failing, warning) {
        (0, 0) if e.checks.is_empty() => "Waiting for answers".to_owned(),
        (0, 0) => format!("All {} within limits", e.checks.len()),
        (f, w) => format!("{f} failing, {w} close to a limit, of {}", e.checks.len()),
    };
    let open = page
        .checklist
        .iter()
        .filter(|r| item_status(r) == "open" && r.derived != "not_applicable")
        .count();
    let design = e.design.backbone.as_ref().map(|b| {
        let mut names = vec![b.name.to_string()];
        names.extend(e.design.add_ons.iter().map(|a| a.name.to_string()));
        names.join(" + ")
    });
    let cost = e.cost.as_ref().map(|c| {
        format!(
            "Serverless ${}, containers ${} a month",
            grouped(c.serverless.monthly_usd.round()),
            grouped(c.containers.monthly_usd.round())
        )
    });
    let builtin = page.lens.is_none();
    view! {
        <dl class="glance">
            <div><dt>"Risks"</dt><dd><a href="#risks-h">{risks}</a></dd></div>
            {builtin.then(|| view! {
                <div><dt>"Limits"</dt><dd><a href="#checks-h">{checks}</a></dd></div>
            })}
            {cost.map(|cost| view! {
                <div><dt>"Cost"</dt><dd><a href="#cost-h">{cost}</a></dd></div>
            })}
            {design.map(|design| view! {
                <div><dt>"Design"</dt><dd><a href="#recs-h">{design}</a></dd></div>
            })}
            <div><dt>"Checklist"</dt><dd><a href="#checklist-h">{format!("{open} of {} open", page.checklist.len())}</a></dd></div>
        </dl>
    }
}

/// The page's sections, as a bar of links that stays in reach while scrolling.
#[component]
fn SectionBar(page: Page) -> impl IntoView {
    let builtin = page.lens.is_none();
    let mut sections = Vec::new();
    if page.summary.is_some() {
        sections.push(("#summary-h", "Summary"));
    }
    sections.extend([
        ("#scores-h", "Scores"),
        ("#risks-h", "Risks"),
        ("#recs-h", "Patterns"),
    ]);
    if builtin {
        sections.push(("#checks-h", "Limits"));
    }
    if page.evaluation.cost.is_some() {
        sections.push(("#cost-h", "Cost"));
    }
    sections.push(("#roadmap-h", "Roadmap"));
    sections.push(("#checklist-h", "Checklist"));
    view! {
        <nav class="section-bar" aria-label="Sections of the results">
            <ul>
                {sections.into_iter().map(|(href, label)| view! { <li><a href=href>{label}</a></li> }).collect_view()}
            </ul>
        </nav>
    }
}

/// The checklist's forms (an island around the table). Without JavaScript each row's form posts
/// and the page comes back; in the browser a row saves in place, keeps the version it got back
/// for its next save, and says whether it worked. One island for all rows: the rows stay plain
/// server-rendered HTML, and the page carries no per-row props.
#[island]
fn ChecklistForms(children: Children) -> impl IntoView {
    view! { <div class="checklist-forms" on:submit=save_item>{children()}</div> }
}

/// Saves the checklist row whose form was submitted (browser only).
#[cfg(feature = "hydrate")]
fn save_item(ev: leptos::ev::SubmitEvent) {
    use wasm_bindgen::JsCast;
    use web_sys::{FormData, HtmlFormElement};

    let Some(form) = ev
        .target()
        .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        .filter(|f| f.class_list().contains("item-form"))
    else {
        return;
    };
    let Ok(data) = FormData::new_with_form(&form) else {
        return;
    };
    ev.prevent_default();
    let field = |name: &str| data.get(name).as_string().unwrap_or_default();
    let (id, item, status, owner, due) = (
        field("id"),
        field("item"),
        field("status"),
        field("owner"),
        field("due_date"),
    );
    let version = field("version").parse().ok();
    // The row's line of status, owner and due date, as saved.
    let summary = format!(
        "{}{}{}",
        status.replace('-', " "),
        if owner.trim().is_empty() {
            String::new()
        } else {
            format!(" · {}", owner.trim())
        },
        if due.is_empty() {
            String::new()
        } else {
            format!(" · due {due}")
        },
    );
    let say = {
        let form = form.clone();
        move |text: &str| {
            if let Ok(Some(el)) = form.query_selector(".item-status") {
                el.set_text_content(Some(text));
            }
        }
    };
    say("Saving…");
    leptos::task::spawn_local(async move {
        match crate::api::save_checklist_item(id, item, status, owner, due, version).await {
            Ok(saved) => {
                let input = match form.query_selector("input[name='version']") {
                    Ok(Some(input)) => Some(input),
                    _ => document().create_element("input").ok().inspect(|input| {
                        let _ = input.set_attribute("type", "hidden");
                        let _ = input.set_attribute("name", "version");
                        let _ = form.append_child(input);
                    }),
                };
                if let Some(input) =
                    input.and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok())
                {
                    input.set_value(&saved.to_string());
                }
                if let Ok(Some(line)) = form
                    .closest("td")
                    .and_then(|td| td.map_or(Ok(None), |td| td.query_selector(".item-summary")))
                {
                    line.set_text_content(Some(&summary));
                }
                say("Saved");
            }
            Err(e) => say(&format!("Not saved: {e}")),
        }
    });
}

/// Without the browser bundle the forms post.
#[cfg(not(feature = "hydrate"))]
fn save_item(_ev: leptos::ev::SubmitEvent) {}
