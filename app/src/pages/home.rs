//! The home page: the reviews of the user's teams first, 25 at a time, most recently changed
//! first (`/?q=…` searches their names and descriptions, `/?after=…` is the next page; progress,
//! score and risks in words per row, and a "More" menu to rename, duplicate and archive), with a
//! "New review" button that opens the form starting one. Signed out, a welcome with the way in:
//! on a fresh installation, creating the administrator's account. A new review can start blank
//! or from a review or milestone the user can see (`/?from=…#start` opens the form with it
//! preselected: the results and milestones pages link here that way).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{
    ArchiveAssessment, AssessmentList, AssessmentSummary, CreateAssessment, DuplicateAssessment,
    Me, RenameAssessment, first_run, list_assessments, questionnaire_choices, template_sources,
    whoami,
};

/// The page: for a signed-in user, their teams' reviews and a form to start one; otherwise what
/// Trellis does and how to get in (on a fresh installation: creating its administrator).
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Design reviews" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match whoami().await {
                    Err(error) => view! { <super::LoadError error /> }.into_any(),
                    Ok(None) => match first_run().await {
                        Err(error) => view! { <super::LoadError error /> }.into_any(),
                        Ok(first) => view! { <Welcome first /> }.into_any(),
                    },
                    Ok(Some(me)) => {
                        let query = use_query_map().read_untracked().clone();
                        let can_start = me.teams.iter().any(|(.., role)| role != "viewer");
                        let archived = query.get("archived").is_some_and(|v| v == "1");
                        let search = query.get("q").unwrap_or_default();
                        let q = (!search.trim().is_empty()).then(|| search.clone());
                        let list = list_assessments(archived, q, query.get("after")).await;
                        let sources = if can_start { template_sources(query.get("from")).await } else { Ok(Vec::new()) };
                        let kinds = if can_start { questionnaire_choices().await } else { Ok(Vec::new()) };
                        match (list, sources, kinds) {
                            (Err(error), ..) | (_, Err(error), _) | (.., Err(error)) => view! { <super::LoadError error /> }.into_any(),
                            (Ok(list), Ok(sources), Ok(kinds)) => view! { <Reviews me list sources kinds /> }.into_any(),
                        }
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn Lede() -> impl IntoView {
    view! {
        <p class="lede">
            "Walk a workload through seven areas. Trellis explains every risk, ranks AWS patterns "
            "(or tells you to use containers), and checks concurrency, payloads, timeouts and cost."
        </p>
    }
}

/// What Trellis does, and the way in: on a fresh installation (`first`, no account yet) creating
/// the administrator's account, otherwise signing in or creating an account.
#[component]
fn Welcome(first: bool) -> impl IntoView {
    view! {
        <section class="card intro">
            <h1>"Design reviews for serverless workloads"</h1>
            <Lede />
            {if first {
                view! {
                    <p><a class="button primary" href="/signup">"Create the administrator account"</a></p>
                    <p class="muted small">"Nobody has an account here yet. The first account administers this Trellis; then invite your team."</p>
                }.into_any()
            } else {
                view! {
                    <p>
                        <a class="button primary" href="/signin">"Sign in"</a>
                        " "
                        <a class="button" href="/signup">"Create an account"</a>
                    </p>
                    <p class="muted small">"Reviews hold architecture details: only your team sees them."</p>
                }.into_any()
            }}
        </section>
    }
}

/// The user's reviews, with the "New review" button that opens the form starting one (a
/// disclosure, so it works without JavaScript; open when the address preselects what it starts
/// from, and while there is no review yet); `sources` are what it can start from, `kinds` the
/// questionnaires it can run on.
#[component]
fn Reviews(
    me: Me,
    list: AssessmentList,
    sources: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
) -> impl IntoView {
    let create = ServerAction::<CreateAssessment>::new();
    let rename = ServerAction::<RenameAssessment>::new();
    let duplicate = ServerAction::<DuplicateAssessment>::new();
    let archive = ServerAction::<ArchiveAssessment>::new();
    let query = use_query_map().read_untracked().clone();
    let archived = query.get("archived").is_some_and(|v| v == "1");
    let from = query.get("from").unwrap_or_default();
    let search = query.get("q").unwrap_or_default();
    let kind = query.get("questionnaire").unwrap_or_default();
    let teams: Vec<(String, String)> = me
        .teams
        .iter()
        .filter(|(.., role)| role != "viewer")
        .map(|(id, name, _)| (id.clone(), name.clone()))
        .collect();
    let one_team = teams.len() == 1;
    let reader_only = teams.is_empty();
    // Nothing to list yet: the page is the way to start.
    let none_yet = list.rows.is_empty() && list.first_page && search.trim().is_empty() && !archived;
    let open = none_yet || !from.is_empty() || !kind.is_empty() || query.get("__err").is_some();
    view! {
        <section class="card reviews">
            <div class="page-head">
                <h1>{if archived { "Archived reviews" } else { "Design reviews" }}</h1>
                {(!teams.is_empty()).then(|| view! {
                    <details class="new-review" id="start" open=open>
                        <summary class="button primary">"New review"</summary>
                        <ActionForm action=create attr:class="create-form">
                            <div class="field">
                                <label for="new-name">"Workload name"</label>
                                <input id="new-name" name="name" required maxlength="200" placeholder="Order service" />
                            </div>
                            <div class="field">
                                <label for="new-environment">"Environment"</label>
                                <input id="new-environment" name="environment" maxlength="100" placeholder="production" />
                            </div>
                            <div class="field" class:hidden=one_team>
                                <label for="new-team">"Team"</label>
                                <select id="new-team" name="team">
                                    {teams.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                                </select>
                            </div>
                            <div class="field wide">
                                <label for="new-description">"What it does"</label>
                                <textarea id="new-description" name="description" maxlength="5000" rows="2"></textarea>
                            </div>
                            {(kinds.len() > 1).then(|| view! { <Questionnaire kinds kind /> })}
                            {(!sources.is_empty()).then(|| view! { <StartFrom sources from /> })}
                            <button type="submit" class="primary">"Start a review"</button>
                        </ActionForm>
                    </details>
                })}
            </div>
            {none_yet.then(|| view! { <Lede /> })}
            {reader_only.then(|| view! {
                <p class="muted">"You can read your teams' reviews; an owner can make you an editor to start one."</p>
            })}
            <div class="list-tools">
                <SearchForm search=search.clone() archived />
                {if archived {
                    view! { <a href="/">"Show active reviews"</a> }.into_any()
                } else {
                    view! { <a href="/?archived=1">"Show archived reviews too"</a> }.into_any()
                }}
            </div>
            <List list search archived rename duplicate archive />
        </section>
    }
}

/// The search box: a plain GET form, so it works without JavaScript; it keeps the archived toggle.
#[component]
fn SearchForm(search: String, archived: bool) -> impl IntoView {
    view! {
        <form method="get" action="/" role="search" class="search-form">
            <label for="search">"Search reviews"</label>
            <input id="search" type="search" name="q" value=search maxlength="200"
                placeholder="Words from a name or description" />
            {archived.then(|| view! { <input type="hidden" name="archived" value="1" /> })}
            <button type="submit">"Search"</button>
        </form>
    }
}

/// One page of reviews, the way to the next, or why there are none.
#[component]
fn List(
    list: AssessmentList,
    search: String,
    archived: bool,
    rename: ServerAction<RenameAssessment>,
    duplicate: ServerAction<DuplicateAssessment>,
    archive: ServerAction<ArchiveAssessment>,
) -> impl IntoView {
    let searching = !search.trim().is_empty();
    if list.rows.is_empty() {
        let text = match (searching, list.first_page) {
            (true, _) => format!("No reviews match \u{201c}{}\u{201d}.", search.trim()),
            (false, false) => "No older reviews.".to_owned(),
            (false, true) => {
                "No reviews yet. Name a workload in the form above to start one.".to_owned()
            }
        };
        let back = (searching || !list.first_page).then(|| {
            let (href, label) = if searching {
                (first_page("", archived), "Show all reviews")
            } else {
                (first_page(&search, archived), "Newest reviews")
            };
            view! { <a href=href>{label}</a> }
        });
        return view! { <p class="empty">{text} " " {back}</p> }.into_any();
    }
    let newest = (!list.first_page).then(|| {
        view! { <a href=first_page(&search, archived)>"Newest reviews"</a> }
    });
    view! {
        {searching.then(|| view! {
            <p class="muted small" role="status">{format!("Reviews matching \u{201c}{}\u{201d}", search.trim())}</p>
        })}
        <table class="assessments">
            <thead>
                <tr>
                    <th scope="col">"Workload"</th>
                    <th scope="col">"Progress"</th>
                    <th scope="col">"Score"</th>
                    <th scope="col">"Risks"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {list.rows.into_iter().map(|row| view! { <Row row rename duplicate archive /> }).collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label="More reviews">
            {newest}
            {list.older.map(|href| view! { <a href=href rel="next">"Older reviews"</a> })}
        </nav>
    }
    .into_any()
}

/// The first page of the list with this search and archived toggle.
fn first_page(search: &str, archived: bool) -> String {
    let mut params = Vec::new();
    if !search.trim().is_empty() {
        let q: String = search
            .trim()
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    char::from(b).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        params.push(format!("q={q}"));
    }
    if archived {
        params.push("archived=1".to_owned());
    }
    if params.is_empty() {
        "/".to_owned()
    } else {
        format!("/?{}", params.join("&"))
    }
}

/// The choice of questionnaire: the built-in review or an imported lens (`kind` is preselected).
#[component]
fn Questionnaire(kinds: Vec<(String, String)>, kind: String) -> impl IntoView {
    view! {
        <div class="field wide">
            <label for="new-questionnaire">"Questionnaire"</label>
            <select id="new-questionnaire" name="questionnaire" aria-describedby="new-questionnaire-help">
                {kinds.into_iter().map(|(value, label)| {
                    let selected = value == kind;
                    view! { <option value=value selected=selected>{label}</option> }
                }).collect_view()}
            </select>
            <p id="new-questionnaire-help" class="muted small">
                "Imported lenses score risks and keep a checklist; pattern advice and starter projects come from the built-in review. "
                <a href="/questionnaires">"Manage questionnaires"</a>
            </p>
        </div>
    }
}

/// The choice of what a new review starts from: blank, a review's current answers, or one of
/// its milestones (`from` is preselected).
#[component]
fn StartFrom(sources: Vec<(String, String)>, from: String) -> impl IntoView {
    view! {
        <div class="field wide">
            <label for="new-from">"Start from"</label>
            <select id="new-from" name="from" aria-describedby="new-from-help">
                <option value="">"Blank: no answers yet"</option>
                {sources.into_iter().map(|(value, label)| {
                    let selected = value == from;
                    view! { <option value=value selected=selected>{label}</option> }
                }).collect_view()}
            </select>
            <p id="new-from-help" class="muted small">
                "Answers carried over from a review or a milestone are marked \u{201c}To confirm\u{201d} until someone checks them. "
                "Checklist owners, statuses and due dates start afresh."
            </p>
        </div>
    }
}

#[component]
fn Row(
    row: AssessmentSummary,
    rename: ServerAction<RenameAssessment>,
    duplicate: ServerAction<DuplicateAssessment>,
    archive: ServerAction<ArchiveAssessment>,
) -> impl IntoView {
    let review = format!("/assessments/{}/review/workload_fit", row.id);
    let results = format!("/assessments/{}/results", row.id);
    let percent = (row.answered * 100)
        .checked_div(row.applicable)
        .unwrap_or(0);
    let name_id = format!("rename-{}", row.id);
    let (id1, id2, id3) = (row.id.clone(), row.id.clone(), row.id.clone());
    let name = row.name.clone();
    let version = row.version.to_string();
    let version2 = version.clone();
    let archive_to = (!row.archived).to_string();
    let archive_label = if row.archived { "Restore" } else { "Archive" };
    view! {
        <tr class:archived=row.archived>
            <td>
                <a class="workload" href=review.clone()>{row.name.clone()}</a>
                {(!row.environment.is_empty()).then(|| view! { <span class="tag service">{row.environment.clone()}</span> })}
                <p class="muted small">{row.description.clone()}</p>
                {(!row.tags.is_empty()).then(|| view! {
                    <p class="tags small">
                        <span class="sr-only">"Tags: "</span>
                        {row.tags.iter().map(|t| view! {
                            <a class="tag" href=format!("/portfolio?tag={}", percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC))>{t.clone()}</a>
                            " "
                        }).collect_view()}
                    </p>
                })}
            </td>
            <td>
                <progress max="100" value=percent.to_string() aria-label=format!("{} of {} answered", row.answered, row.applicable)></progress>
                <span class="small">{format!(" {}/{}", row.answered, row.applicable)}</span>
                {(row.to_confirm > 0).then(|| view! { <span class="tag confirm">{format!("{} to confirm", row.to_confirm)}</span> })}
            </td>
            <td>
                {
                    // A score of part of the answers would read as a verdict on the whole: the list
                    // shows it once every applicable question is answered (the results page shows
                    // the provisional one, marked as such).
                    let overall = row.overall.filter(|_| row.answered >= row.applicable);
                    let title = (overall.is_none() && row.overall.is_some())
                        .then(|| format!("Scored once all {} questions are answered", row.applicable));
                    view! { <span class=super::score_class(overall) title=title>{super::score_text(overall)}</span> }
                }
                <span class="muted small verdict-word">{row.verdict.clone()}</span>
            </td>
            <td class="risk-counts"><RiskCounts high=row.high medium=row.medium /></td>
            <td class="actions">
                <a href=review>"Review"</a>
                <a href=results>"Results"</a>
                // A disclosure that looks like a menu: it opens and closes from the keyboard and
                // without JavaScript, and each action is a plain form.
                <details class="more">
                    <summary>"More"<span class="sr-only">{format!(" actions for {}", row.name)}</span></summary>
                    <div class="menu">
                        <ActionForm action=rename attr:class="menu-rename">
                            <input type="hidden" name="id" value=id1 />
                            <input type="hidden" name="version" value=version />
                            <label for=name_id.clone()>"New name"</label>
                            <input id=name_id name="name" required maxlength="200" value=name />
                            <button type="submit">"Rename"</button>
                        </ActionForm>
                        <ActionForm action=duplicate>
                            <input type="hidden" name="id" value=id2 />
                            <button type="submit" class="menu-item">"Duplicate"</button>
                        </ActionForm>
                        <ActionForm action=archive>
                            <input type="hidden" name="id" value=id3 />
                            <input type="hidden" name="version" value=version2 />
                            <input type="hidden" name="archive" value=archive_to />
                            <button type="submit" class="menu-item">{archive_label}</button>
                        </ActionForm>
                    </div>
                </details>
            </td>
        </tr>
    }
}

/// A review's open risks in words, the counts coloured by level: "2 high, 3 medium risks",
/// "1 high risk", "No high or medium risks".
#[component]
fn RiskCounts(high: usize, medium: usize) -> impl IntoView {
    let noun = if high + medium == 1 {
        " risk"
    } else {
        " risks"
    };
    if high + medium == 0 {
        return view! { <span class="muted small">"No high or medium risks"</span> }.into_any();
    }
    view! {
        {(high > 0).then(|| view! { <span class="risk high">{format!("{high} high")}</span> })}
        {(high > 0 && medium > 0).then_some(", ")}
        {(medium > 0).then(|| view! { <span class="risk medium">{format!("{medium} medium")}</span> })}
        {noun}
    }
    .into_any()
}
