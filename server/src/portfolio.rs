//! The portfolio page (`/portfolio`): every review the user can see, from the stored summaries,
//! as a workloads × areas heatmap, verdicts and blockers, open high risks, overdue checklist
//! items by owner and score trends drawn on the server as SVG; filtered by a plain GET form, so
//! its address can be shared. And a review's tags page (`/assessments/{id}/tags`), a plain form.

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get};
use questionnaires::evaluate::Band;
use store::PortfolioRow;
use store::auth::{Actor, Role};

use crate::api::portfolio::score_text;
use crate::chrome::{Chrome, html, render};
use crate::error::AppError;
use crate::service::portfolio::{self, Filters, Portfolio};
use crate::state::AppState;

/// The routes, with their methods.
pub fn routes() -> Vec<(Method, String, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/portfolio".to_owned(), get(show)),
        (
            Method::GET,
            "/assessments/{id}/tags".to_owned(),
            get(show_tags),
        ),
        (
            Method::POST,
            "/assessments/{id}/tags".to_owned(),
            axum::routing::post(save_tags),
        ),
    ]
}

/// A heatmap cell: the score as a number, and its band for the colour.
struct Cell {
    text: String,
    class: &'static str,
    label: &'static str,
}

fn cell(score: Option<f64>) -> Cell {
    let (class, label) = match score.map(Band::of) {
        Some(Band::Good) => ("score good", "good"),
        Some(Band::Fair) => ("score fair", "fair"),
        Some(Band::Poor) => ("score poor", "poor"),
        None => ("score none", "not answered"),
    };
    Cell {
        text: score.map_or_else(|| "–".to_owned(), |s| score_text(Some(s))),
        class,
        label,
    }
}

/// One review's line on the page.
struct Line {
    id: String,
    name: String,
    team: String,
    archived: bool,
    overall: Cell,
    areas: Vec<Cell>,
    verdict: String,
    verdict_class: String,
    blockers: Vec<String>,
    high: i64,
    medium: i64,
    open_items: i64,
    overdue: usize,
    tags: Vec<String>,
    stale: bool,
}

/// A review's score trend, drawn.
struct TrendLine {
    name: String,
    svg: String,
    words: String,
}

/// An overdue item: its review's name, its title, its due date.
type Overdue = (String, String, String);

#[derive(askama::Template)]
#[template(path = "portfolio.html")]
struct PortfolioPage {
    masthead: String,
    teams: Vec<(String, String, bool)>,
    statuses: Vec<(&'static str, &'static str, bool)>,
    tags: Vec<(String, bool)>,
    limit: u32,
    shown: usize,
    total: i64,
    query: String,
    areas: Vec<String>,
    lines: Vec<Line>,
    risks: Vec<(String, String, String, String)>,
    overdue: Vec<(String, Vec<Overdue>)>,
    trends: Vec<TrendLine>,
    stale: usize,
}

/// A line through the milestones' overall scores (0–100), each point marked and titled, as
/// SVG: drawn on the server, no script. `None` without a scored milestone.
fn trend_svg(points: &[(String, Option<f64>)]) -> Option<String> {
    let scored: Vec<(usize, &str, f64)> = points
        .iter()
        .enumerate()
        .filter_map(|(i, (n, s))| s.map(|s| (i, n.as_str(), s)))
        .collect();
    if scored.is_empty() {
        return None;
    }
    let (w, h, pad) = (220.0, 48.0, 6.0);
    let step = if points.len() > 1 {
        (w - 2.0 * pad) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let at = |i: usize, s: f64| (pad + step * i as f64, h - pad - (h - 2.0 * pad) * s / 100.0);
    let path: Vec<String> = scored
        .iter()
        .map(|&(i, _, s)| {
            let (x, y) = at(i, s);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let mut svg = format!(
        "<svg class=\"trend\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-hidden=\"true\">\
         <line x1=\"{pad}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#d9dee7\" stroke-dasharray=\"3 3\"/>\
         <polyline fill=\"none\" stroke=\"#2f6f4f\" stroke-width=\"2\" points=\"{}\"/>",
        path.join(" "),
        y = at(0, Band::GOOD_FROM).1,
        x2 = w - pad,
    );
    for &(i, name, s) in &scored {
        let (x, y) = at(i, s);
        svg.push_str(&format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"#2f6f4f\"><title>{}: {}</title></circle>",
            askama_escape(name),
            score_text(Some(s))
        ));
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// Escapes text for HTML and SVG.
fn askama_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn line(p: &Portfolio, areas: &[String], r: &PortfolioRow) -> Line {
    Line {
        id: r.assessment_id.clone(),
        name: r.name.clone(),
        team: p.team_name(r.team_id.as_deref()),
        archived: r.archived,
        overall: cell(r.overall),
        areas: areas
            .iter()
            .map(|t| cell(r.areas.iter().find(|a| &a.title == t).and_then(|a| a.score)))
            .collect(),
        verdict: if r.verdict_label.is_empty() {
            "Not summarised yet".to_owned()
        } else {
            r.verdict_label.clone()
        },
        verdict_class: format!("verdict-{}", r.verdict_status.replace('_', "-")),
        blockers: r.blockers.clone(),
        high: r.high_open,
        medium: r.medium_open,
        open_items: r.checklist_open,
        overdue: p.overdue(r),
        tags: r.tags.clone(),
        stale: r.stale,
    }
}

fn page(p: &Portfolio, chrome: Chrome) -> PortfolioPage {
    let areas = p.area_titles();
    let lines = p.rows.iter().map(|r| line(p, &areas, r)).collect();
    let risks = p
        .rows
        .iter()
        .flat_map(|r| {
            r.risks.iter().map(|k| {
                (
                    r.assessment_id.clone(),
                    r.name.clone(),
                    k.title.clone(),
                    k.area.clone(),
                )
            })
        })
        .collect();
    let overdue = p
        .overdue_by_owner()
        .into_iter()
        .map(|(owner, items)| {
            let owner = if owner.is_empty() {
                "No owner".to_owned()
            } else {
                owner
            };
            let items = items
                .into_iter()
                .map(|(review, i)| (review, i.title, i.due_date.unwrap_or_default()))
                .collect();
            (owner, items)
        })
        .collect();
    let trends = p
        .rows
        .iter()
        .filter_map(|r| {
            let milestones = p.trends.get(&r.assessment_id)?;
            let points: Vec<(String, Option<f64>)> = milestones
                .iter()
                .map(|m| (m.name.clone(), m.overall))
                .collect();
            let svg = trend_svg(&points)?;
            let words = points
                .iter()
                .map(|(n, s)| {
                    format!(
                        "{n} {}",
                        s.map_or_else(|| "–".to_owned(), |s| score_text(Some(s)))
                    )
                })
                .collect::<Vec<_>>()
                .join(" → ");
            Some(TrendLine {
                name: r.name.clone(),
                svg,
                words,
            })
        })
        .collect();
    let mut query: Vec<(&str, String)> = Vec::new();
    if let Some(t) = &p.team {
        query.push(("team", t.clone()));
    }
    query.push(("status", p.status.clone()));
    if let Some(t) = &p.tag {
        query.push(("tag", t.clone()));
    }
    query.push(("limit", p.limit.to_string()));
    PortfolioPage {
        masthead: chrome.masthead(),
        teams: p
            .teams
            .iter()
            .map(|t| {
                (
                    t.id.clone(),
                    t.name.clone(),
                    p.team.as_deref() == Some(t.id.as_str()),
                )
            })
            .collect(),
        statuses: [
            ("active", "Active"),
            ("archived", "Archived"),
            ("all", "All"),
        ]
        .into_iter()
        .map(|(v, l)| (v, l, p.status == v))
        .collect(),
        tags: p
            .tags
            .iter()
            .map(|t| (t.clone(), p.tag.as_deref() == Some(t.as_str())))
            .collect(),
        limit: p.limit,
        shown: p.rows.len(),
        total: p.total,
        query: serde_urlencoded::to_string(&query).unwrap_or_default(),
        areas,
        lines,
        risks,
        overdue,
        trends,
        stale: p.rows.iter().filter(|r| r.stale).count(),
    }
}

/// The page's query: the filters, each possibly empty.
#[derive(Debug, serde::Deserialize)]
struct PageQuery {
    team: Option<String>,
    status: Option<String>,
    tag: Option<String>,
    limit: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Query(q): Query<PageQuery>,
) -> Response {
    let c = state.context(actor);
    let limit = match q.limit.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => match l.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                return AppError::BadInput(format!("limit: `{l}` is not a number")).into_response();
            }
        },
    };
    let filters = Filters {
        team: q.team,
        status: q.status,
        tag: q.tag,
        limit,
    };
    match portfolio::portfolio(&c, &filters).await {
        Ok(p) => html(&page(&p, chrome), StatusCode::OK),
        Err(e) => e.into_response(),
    }
}

#[derive(askama::Template)]
#[template(path = "tags.html")]
struct TagsPage {
    masthead: String,
    id: String,
    workload: String,
    tags: Vec<String>,
    can_edit: bool,
    value: String,
    error: Option<String>,
    max_tags: usize,
    max_chars: usize,
}

async fn tags_page(
    state: &AppState,
    actor: Actor,
    chrome: Chrome,
    id: &str,
    sent: Option<(String, String)>,
) -> Result<TagsPage, AppError> {
    let c = state.context(actor);
    let (a, role) = c.assessment(id, Role::Viewer).await?;
    let tags = c.store.tags(id).await?;
    let (value, error) = match sent {
        Some((value, error)) => (value, Some(error)),
        None => (tags.join(", "), None),
    };
    Ok(TagsPage {
        masthead: chrome.masthead(),
        id: a.id,
        workload: a.name,
        tags,
        can_edit: role >= Role::Editor,
        value,
        error,
        max_tags: store::MAX_TAGS,
        max_chars: store::MAX_TAG_CHARS,
    })
}

async fn show_tags(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Response {
    render(
        tags_page(&state, actor, chrome, &id, None).await,
        StatusCode::OK,
    )
}

/// The tags form: comma-separated.
#[derive(Debug, serde::Deserialize)]
struct TagsForm {
    #[serde(default)]
    tags: String,
}

async fn save_tags(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Path(id): Path<String>,
    Form(form): Form<TagsForm>,
) -> Response {
    let c = state.context(actor.clone());
    let tags: Vec<&str> = form.tags.split(',').collect();
    match portfolio::set_review_tags(&c, &id, &tags).await {
        Ok(_) => Redirect::to(&format!("/assessments/{id}/tags")).into_response(),
        Err(AppError::BadInput(message)) => {
            let message = message
                .strip_prefix("tags: ")
                .unwrap_or(&message)
                .to_owned();
            render(
                tags_page(&state, actor, chrome, &id, Some((form.tags, message))).await,
                StatusCode::BAD_REQUEST,
            )
        }
        Err(e) => e.into_response(),
    }
}
