//! The Markdown summary of an evaluation, rendered with askama from `templates/evaluation.md`:
//! printed by `trellis evaluate --format md`, and downloaded from a review's results page (or
//! through its share link). Every table cell is escaped so user text cannot break a table.

use askama::Template;
use questionnaires::evaluate::ItemState;
use questionnaires::{Evaluation, Questionnaire, Workload};

/// One row of a Markdown table, already escaped.
pub struct Row(pub Vec<String>);

#[derive(Template)]
#[template(path = "evaluation.md", escape = "none")]
struct EvaluationMd<'a> {
    workload: &'a Workload,
    q: &'a Questionnaire,
    e: &'a Evaluation,
    overall: String,
    areas: Vec<Row>,
    risks: Vec<Row>,
    recommendations: Vec<Row>,
    checks: Vec<Row>,
    cost: Option<String>,
    checklist: Vec<String>,
}

/// Escapes text for a Markdown table cell: pipes and line breaks would end the cell.
pub fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

fn score(s: Option<f64>) -> String {
    s.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}"))
}

/// Renders the summary.
pub fn markdown(
    q: &Questionnaire,
    workload: &Workload,
    e: &Evaluation,
) -> Result<String, askama::Error> {
    let areas = e
        .areas
        .iter()
        .map(|a| {
            Row(vec![
                cell(&a.title),
                score(a.score),
                format!("{}/{}", a.progress.answered, a.progress.applicable),
                a.high.to_string(),
                a.medium.to_string(),
            ])
        })
        .collect();
    let risks = e
        .risks
        .iter()
        .map(|r| {
            let facts: Vec<String> = r
                .facts
                .iter()
                .map(|f| format!("`{}`", cell(&f.to_string())))
                .collect();
            Row(vec![
                r.level.as_str().to_uppercase(),
                cell(&r.title),
                cell(&r.reason),
                facts.join(", "),
            ])
        })
        .collect();
    let recommendations = e
        .recommendations
        .iter()
        .filter(|r| r.score > 0.0)
        .take(5)
        .map(|r| {
            let why: Vec<String> = r.reasons.iter().take(3).map(|x| cell(&x.text)).collect();
            let against: Vec<String> = r.against.iter().take(2).map(|x| cell(&x.text)).collect();
            Row(vec![
                r.rank.to_string(),
                cell(&r.name),
                format!("{}", r.score),
                why.join(" "),
                against.join(" "),
            ])
        })
        .collect();
    let checks = e
        .checks
        .iter()
        .map(|c| Row(vec![c.status_label(), cell(&c.title), cell(&c.message)]))
        .collect();
    let cost = e.cost.as_ref().map(|c| {
        let be = c
            .break_even_requests
            .map_or_else(|| "none".to_owned(), |b| format!("{b:.0} requests/month (≈ {} req/s average)", c.break_even_avg_rps.unwrap_or(0.0)));
        format!(
            "At {:.0} requests/month: serverless ≈ ${:.2}/month, containers ≈ ${:.2}/month ({} tasks). Break-even: {be}. Cheaper now: **{}**.",
            c.monthly_requests, c.serverless.monthly_usd, c.containers.monthly_usd, c.container_tasks, c.cheaper
        )
    });
    let checklist = e
        .checklist
        .iter()
        .filter(|i| i.state != ItemState::NotApplicable)
        .map(|i| {
            let mark = if i.state == ItemState::Done { "x" } else { " " };
            format!(
                "- [{mark}] **{}** ({} priority)",
                i.title.replace('\n', " "),
                priority(i.priority)
            )
        })
        .collect();
    EvaluationMd {
        workload,
        q,
        e,
        overall: score(e.scores.overall),
        areas,
        risks,
        recommendations,
        checks,
        cost,
        checklist,
    }
    .render()
}

fn priority(p: questionnaires::evaluate::Priority) -> &'static str {
    use questionnaires::evaluate::Priority;
    match p {
        Priority::High => "high",
        Priority::Medium => "medium",
        Priority::Low => "low",
    }
}

trait StatusLabel {
    fn status_label(&self) -> String;
}

impl StatusLabel for questionnaires::checks::CheckResult {
    fn status_label(&self) -> String {
        use questionnaires::checks::CheckStatus;
        match self.status {
            CheckStatus::Ok => "ok",
            CheckStatus::Warn => "WARN",
            CheckStatus::Fail => "FAIL",
        }
        .to_owned()
    }
}

/// A Markdown download, never cached (it holds the review's details).
fn attachment(text: String, disposition: &'static str) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let mut res = text.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/markdown; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(disposition),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The downloaded report of a stored assessment.
async fn download(
    c: &app::server::AppContext,
    a: &app::store::Assessment,
) -> axum::response::Response {
    let rendered = match app::server::evaluation_of(c, a).await {
        Ok(e) => markdown(c.questionnaire, &a.workload(), &e).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match rendered {
        Ok(text) => attachment(text, "attachment; filename=\"trellis-report.md\""),
        Err(cause) => {
            tracing::error!(%cause, "rendering a report failed");
            crate::web::error_page(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "The report could not be rendered.",
            )
        }
    }
}

/// `GET /assessments/{id}/report.md`: for the team's members.
pub async fn assessment_report(
    axum::extract::State(state): axum::extract::State<crate::web::AppState>,
    axum::Extension(actor): axum::Extension<app::auth::Actor>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Response {
    let c = state.context(actor);
    match c.assessment(&id, app::auth::Role::Viewer).await {
        Ok((a, _)) => download(&c, &a).await,
        Err(e) => crate::web::error_page(e.status(), &e.to_string()),
    }
}

/// `GET /share/{token}/report.md`: for whoever holds a live share link.
pub async fn shared_report(
    axum::extract::State(state): axum::extract::State<crate::web::AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> axum::response::Response {
    let c = state.context(app::auth::Actor::Anonymous);
    match app::server::shared_assessment(&c, &token).await {
        Ok(a) => download(&c, &a).await,
        Err(e) => crate::web::error_page(e.status(), &e.to_string()),
    }
}

#[derive(Template)]
#[template(path = "diff.md", escape = "none")]
struct DiffMd<'a> {
    workload: String,
    from: String,
    to: String,
    d: &'a questionnaires::diff::Diff,
    scores: Vec<Row>,
    risks: Vec<Row>,
    ranks: Vec<Row>,
    answers: Vec<Row>,
}

/// Renders what changed between two snapshots, as GitHub-flavoured Markdown.
pub fn diff_markdown(
    workload: &str,
    from: &str,
    to: &str,
    d: &questionnaires::diff::Diff,
) -> Result<String, askama::Error> {
    let level = |r: Option<questionnaires::Risk>| {
        r.map_or("none", |r| match r {
            questionnaires::Risk::High => "high",
            questionnaires::Risk::Medium => "medium",
            questionnaires::Risk::None => "none",
        })
        .to_owned()
    };
    let risks = [
        ("appeared", &d.appeared),
        ("resolved", &d.resolved),
        ("changed", &d.changed),
    ]
    .into_iter()
    .flat_map(|(kind, list)| {
        list.iter().map(move |r| {
            Row(vec![
                kind.to_owned(),
                cell(&r.title),
                level(r.before),
                level(r.after),
            ])
        })
    })
    .collect();
    let rank = |x: Option<usize>| x.map_or_else(|| "–".to_owned(), |n| format!("#{n}"));
    DiffMd {
        workload: cell(workload),
        from: cell(from),
        to: cell(to),
        d,
        scores: d
            .scores
            .iter()
            .map(|s| {
                Row(vec![
                    cell(&s.title),
                    score(s.before),
                    score(s.after),
                    s.delta().map_or_else(String::new, |x| format!("{x:+.0}")),
                ])
            })
            .collect(),
        risks,
        ranks: d
            .ranks
            .iter()
            .map(|r| Row(vec![cell(&r.name), rank(r.before), rank(r.after)]))
            .collect(),
        answers: d
            .answers
            .iter()
            .map(|a| {
                let show =
                    |x: &Option<String>| x.as_deref().map_or_else(|| "unanswered".to_owned(), cell);
                Row(vec![cell(&a.title), show(&a.before), show(&a.after)])
            })
            .collect(),
    }
    .render()
}

/// Which two snapshots to compare.
#[derive(serde::Deserialize)]
pub struct Compare {
    from: String,
    #[serde(default = "current")]
    to: String,
}

fn current() -> String {
    "current".to_owned()
}

/// `GET /assessments/{id}/diff.md?from=…&to=…`: what changed, for the team's members.
pub async fn diff_report(
    axum::extract::State(state): axum::extract::State<crate::web::AppState>,
    axum::Extension(actor): axum::Extension<app::auth::Actor>,
    axum::extract::Path(id): axum::extract::Path<String>,
    axum::extract::Query(compare): axum::extract::Query<Compare>,
) -> axum::response::Response {
    let c = state.context(actor);
    let result = async {
        let (a, _) = c.assessment(&id, app::auth::Role::Viewer).await?;
        let (from, to, d) = app::server::diff_of(&c, &a, &compare.from, &compare.to).await?;
        diff_markdown(&a.name, &from, &to, &d)
            .map_err(|e| app::server::AppError::Internal(e.to_string()))
    }
    .await;
    match result {
        Ok(text) => attachment(text, "attachment; filename=\"trellis-changes.md\""),
        Err(e) => crate::web::error_page(e.status(), &e.to_string()),
    }
}
