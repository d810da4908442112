//! The portfolio (every review the caller can see, from the stored summaries) as JSON or as a
//! CSV consolidated report, and a review's tags: read, replace.

use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::auth::Actor;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::report::csv::cell;
use crate::report::export::rfc3339;
use crate::service::portfolio::{self, Filters, Portfolio};
use crate::state::AppState;

/// The portfolio's filters, and the format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PortfolioQuery {
    /// Only this team's reviews (a team id); every team the caller can see by default.
    #[param(max_length = 64)]
    team: Option<String>,
    /// `active` (the default), `archived` or `all`.
    #[param(pattern = "^(active|archived|all)?$")]
    status: Option<String>,
    /// Only reviews with this tag.
    #[param(max_length = 40)]
    tag: Option<String>,
    /// At most this many reviews, most recently changed first.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// `json` (the default) or `csv`.
    #[param(pattern = "^(json|csv)?$")]
    format: Option<String>,
}

/// An area's score.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaScoreDto {
    /// Area id.
    pub id: String,
    /// Area title.
    pub title: String,
    /// 0–100; null while nothing in the area is answered.
    pub score: Option<f64>,
}

/// An open high risk.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenRiskDto {
    /// What the risk is.
    pub title: String,
    /// The title of its area.
    pub area: String,
}

/// An open checklist item.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenItemDto {
    /// The item.
    pub title: String,
    /// Who owns it (empty: nobody yet).
    pub owner: String,
    /// `YYYY-MM-DD`, if set.
    pub due_date: Option<String>,
    /// Due before today (UTC).
    pub overdue: bool,
}

/// A milestone's overall score.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendDto {
    /// The milestone's name.
    pub name: String,
    /// When it was saved, unix ms.
    pub created_at: i64,
    /// Its overall score then.
    pub overall: Option<f64>,
}

/// One review in the portfolio.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioReviewDto {
    /// The review's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its team's id.
    pub team_id: Option<String>,
    /// Its team's name.
    pub team: String,
    /// `active` or `archived`.
    pub status: String,
    /// The questionnaire and its version.
    pub lens: String,
    /// Overall score 0–100; null while nothing is answered.
    pub overall: Option<f64>,
    /// Each area's score.
    pub areas: Vec<AreaScoreDto>,
    /// The verdict's id (`fits`, `fits_with_blockers`, `does_not_fit`, `incomplete`).
    pub verdict: String,
    /// The verdict in words.
    pub verdict_label: String,
    /// What blocks the verdict.
    pub blockers: Vec<String>,
    /// High risks no acceptance covers.
    pub high_risks: i64,
    /// Medium risks no acceptance covers.
    pub medium_risks: i64,
    /// The open high risks.
    pub open_high_risks: Vec<OpenRiskDto>,
    /// Checklist items still to do.
    pub open_items: i64,
    /// Of those, due before today.
    pub overdue_items: i64,
    /// The open checklist items.
    pub items: Vec<OpenItemDto>,
    /// Tags.
    pub tags: Vec<String>,
    /// The milestones' overall scores, oldest first.
    pub trend: Vec<TrendDto>,
    /// False while the summary waits for its latest change to be summarised.
    pub summarised: bool,
    /// Last change, unix ms.
    pub updated_at: i64,
}

/// The portfolio.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioDto {
    /// Reviews matching the filters, in all.
    pub total: i64,
    /// Reviews in this answer (at most `limit`).
    pub shown: usize,
    /// The limit applied.
    pub limit: u32,
    /// The team filtered on (an id), if any.
    pub team: Option<String>,
    /// The status filtered on.
    pub status: String,
    /// The tag filtered on, if any.
    pub tag: Option<String>,
    /// The reviews, most recently changed first.
    pub reviews: Vec<PortfolioReviewDto>,
}

/// A review's tags.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TagsDto {
    /// Tags: each trimmed and lower case, at most 40 characters, at most 20 a review; no commas.
    #[schema(max_items = 20)]
    pub tags: Vec<String>,
}

impl From<&Portfolio> for PortfolioDto {
    fn from(p: &Portfolio) -> PortfolioDto {
        let reviews = p
            .rows
            .iter()
            .map(|r| PortfolioReviewDto {
                id: r.assessment_id.clone(),
                name: r.name.clone(),
                team_id: r.team_id.clone(),
                team: p.team_name(r.team_id.as_deref()),
                status: if r.archived { "archived" } else { "active" }.to_owned(),
                lens: r.lens.clone(),
                overall: r.overall,
                areas: r
                    .areas
                    .iter()
                    .map(|a| AreaScoreDto {
                        id: a.id.clone(),
                        title: a.title.clone(),
                        score: a.score,
                    })
                    .collect(),
                verdict: r.verdict_status.clone(),
                verdict_label: r.verdict_label.clone(),
                blockers: r.blockers.clone(),
                high_risks: r.high_open,
                medium_risks: r.medium_open,
                open_high_risks: r
                    .risks
                    .iter()
                    .map(|k| OpenRiskDto {
                        title: k.title.clone(),
                        area: k.area.clone(),
                    })
                    .collect(),
                open_items: r.checklist_open,
                overdue_items: i64::try_from(p.overdue(r)).unwrap_or(i64::MAX),
                items: r
                    .open_items
                    .iter()
                    .map(|i| OpenItemDto {
                        title: i.title.clone(),
                        owner: i.owner.clone(),
                        due_date: i.due_date.clone(),
                        overdue: i.due_date.as_deref().is_some_and(|d| d < p.today.as_str()),
                    })
                    .collect(),
                tags: r.tags.clone(),
                trend: p
                    .trends
                    .get(&r.assessment_id)
                    .map(|t| {
                        t.iter()
                            .map(|m| TrendDto {
                                name: m.name.clone(),
                                created_at: m.created_at,
                                overall: m.overall,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                summarised: !r.stale,
                updated_at: r.updated_at,
            })
            .collect();
        PortfolioDto {
            total: p.total,
            shown: p.rows.len(),
            limit: p.limit,
            team: p.team.clone(),
            status: p.status.clone(),
            tag: p.tag.clone(),
            reviews,
        }
    }
}

/// A score as a report shows it: whole numbers without a fraction, else one decimal.
pub fn score_text(score: Option<f64>) -> String {
    match score {
        None => String::new(),
        Some(x) if x.fract() == 0.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.1}"),
    }
}

/// The portfolio as a consolidated CSV report: one row a review, then one column an area
/// (scores), every cell neutralised against formulas like the review's CSV report.
pub fn render_csv(p: &Portfolio) -> Result<String, String> {
    let areas = p.area_titles();
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = [
        "Review",
        "Team",
        "Status",
        "Questionnaire",
        "Overall score",
        "Verdict",
        "Blockers",
        "Open high risks",
        "Open medium risks",
        "Open checklist items",
        "Overdue checklist items",
        "Tags",
        "Last change",
    ]
    .map(str::to_owned)
    .to_vec();
    head.extend(areas.iter().cloned());
    let write = |w: &mut ::csv::Writer<Vec<u8>>, cells: &[String]| {
        w.write_record(cells.iter().map(|c| cell(c).into_owned()))
            .map_err(|e| e.to_string())
    };
    write(&mut w, &head)?;
    for r in &p.rows {
        let mut cells = vec![
            r.name.clone(),
            p.team_name(r.team_id.as_deref()),
            if r.archived { "archived" } else { "active" }.to_owned(),
            r.lens.clone(),
            score_text(r.overall),
            r.verdict_label.clone(),
            r.blockers.join("; "),
            r.high_open.to_string(),
            r.medium_open.to_string(),
            r.checklist_open.to_string(),
            p.overdue(r).to_string(),
            r.tags.join(", "),
            rfc3339(r.updated_at),
        ];
        for title in &areas {
            cells.push(score_text(
                r.areas
                    .iter()
                    .find(|a| &a.title == title)
                    .and_then(|a| a.score),
            ));
        }
        write(&mut w, &cells)?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// The portfolio in `format` (`json` or `csv`), as a response.
pub fn respond(p: &Portfolio, format: Option<&str>) -> Result<Response, ApiError> {
    match format.unwrap_or("json") {
        "" | "json" => Ok(axum::Json(PortfolioDto::from(p)).into_response()),
        "csv" => {
            let body = render_csv(p).map_err(|e| {
                ApiError::from(crate::error::AppError::Internal(format!(
                    "portfolio CSV: {e}"
                )))
            })?;
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"trellis-portfolio.csv\"",
                    ),
                ],
                body,
            )
                .into_response())
        }
        other => Err(ApiError::bad_input(format!(
            "format: `{other}` is not one of json, csv"
        ))),
    }
}

/// Every review the caller can see, from the summaries each change stores: scores by area,
/// verdict and blockers, open risks and checklist items, tags and milestone trends. As JSON, or
/// with `format=csv` as a consolidated report.
#[utoipa::path(
    get,
    path = "/api/v1/portfolio",
    tag = "portfolio",
    params(PortfolioQuery),
    responses(
        (status = 200, description = "The portfolio (JSON, or CSV with `format=csv`)",
         content((PortfolioDto = "application/json"), (String = "text/csv"))),
        (status = 400, description = "A filter is not valid (the message names it)", body = super::error::ErrorBody)
    )
)]
pub async fn get_portfolio(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiQuery(q): ApiQuery<PortfolioQuery>,
) -> Result<Response, ApiError> {
    let c = state.context(actor);
    let p = portfolio::portfolio(
        &c,
        &Filters {
            team: q.team,
            status: q.status,
            tag: q.tag,
            limit: q.limit,
        },
    )
    .await?;
    respond(&p, q.format.as_deref())
}

/// A review's tags.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/tags",
    tag = "portfolio",
    params(("id" = String, Path, description = "The assessment")),
    responses((status = 200, description = "The tags, sorted", body = TagsDto))
)]
pub async fn get_tags(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<TagsDto>, ApiError> {
    let c = state.context(actor);
    let tags = portfolio::review_tags(&c, &id).await?;
    Ok(axum::Json(TagsDto { tags }))
}

/// Replace a review's tags: each is trimmed and lower-cased, blanks and repeats dropped.
#[utoipa::path(
    put,
    path = "/api/v1/assessments/{id}/tags",
    tag = "portfolio",
    params(("id" = String, Path, description = "The assessment")),
    request_body = TagsDto,
    responses(
        (status = 200, description = "The tags now, sorted", body = TagsDto),
        (status = 400, description = "A tag is too long or holds a comma, or there are too many (the message says which)", body = super::error::ErrorBody)
    )
)]
pub async fn put_tags(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TagsDto>,
) -> Result<axum::Json<TagsDto>, ApiError> {
    let c = state.context(actor);
    let tags = portfolio::set_review_tags(&c, &id, &body.tags).await?;
    Ok(axum::Json(TagsDto { tags }))
}
