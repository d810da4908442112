//! The report downloads. The Markdown summary of an evaluation, rendered with askama from
//! `templates/evaluation.md`, is printed by `trellis evaluate --format md` and downloaded from a
//! review's results page (or through its share link); every table cell is escaped so user text
//! cannot break a table. Also: what changed between two milestones (`templates/diff.md`), and the
//! risks and checklist as CSV with stable columns, for backlog imports.

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

/// The CSV columns, in order. Stable: importers (Jira, GitHub Projects) map them by name.
pub const CSV_COLUMNS: [&str; 10] = [
    "Type",
    "Key",
    "Summary",
    "Area",
    "Priority",
    "Status",
    "Owner",
    "Due date",
    "Description",
    "Link",
];

/// The risks, then the checklist, one row each, for a backlog import. `base` is the path that
/// links resolve against (the review's, or the share link's).
pub fn csv(
    q: &questionnaires::Questionnaire,
    e: &questionnaires::Evaluation,
    items: &[app::store::StoredItem],
    review: Option<&str>,
) -> Result<String, String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let err = |e: ::csv::Error| e.to_string();
    w.write_record(CSV_COLUMNS).map_err(err)?;
    let area = |id: &questionnaires::model::AreaId| {
        q.areas
            .iter()
            .find(|a| a.id == *id)
            .map(|a| a.title.to_string())
            .unwrap_or_default()
    };
    for r in e
        .risks
        .iter()
        .filter(|r| r.level != questionnaires::Risk::None)
    {
        let link = review
            .map(|base| format!("{base}/review/{}#q-{}", r.area, r.question))
            .unwrap_or_default();
        w.write_record([
            "risk",
            r.question.as_str(),
            &r.title,
            &area(&r.area),
            r.level.as_str(),
            "open",
            "",
            "",
            &r.reason,
            &link,
        ])
        .map_err(err)?;
    }
    for i in &e.checklist {
        let team = items.iter().find(|s| s.item_id == i.id.as_str());
        let derived = match i.state {
            questionnaires::evaluate::ItemState::Done => "done",
            questionnaires::evaluate::ItemState::Open => "open",
            questionnaires::evaluate::ItemState::NotApplicable => "not applicable",
        };
        let priority = match i.priority {
            questionnaires::evaluate::Priority::High => "high",
            questionnaires::evaluate::Priority::Medium => "medium",
            questionnaires::evaluate::Priority::Low => "low",
        };
        let link = review
            .map(|base| format!("{base}/results"))
            .unwrap_or_default();
        w.write_record([
            "checklist",
            i.id.as_str(),
            &i.title,
            &area(&i.area),
            priority,
            team.map_or(derived, |t| t.status.as_str()),
            team.map_or("", |t| t.owner.as_str()),
            team.and_then(|t| t.due_date.as_deref()).unwrap_or(""),
            &i.why,
            &link,
        ])
        .map_err(err)?;
    }
    String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

async fn csv_download(
    c: &app::server::AppContext,
    a: &app::store::Assessment,
    review: Option<&str>,
) -> Result<axum::response::Response, app::server::AppError> {
    use axum::http::{HeaderValue, header};
    let e = app::server::evaluation_of(c, a).await?;
    let items = c.store.checklist(&a.id).await?;
    let text = csv(c.questionnaire, &e, &items, review).map_err(app::server::AppError::Internal)?;
    let mut res = attachment(text, "attachment; filename=\"trellis-backlog.csv\"");
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    Ok(res)
}

/// `GET /assessments/{id}/report.csv`: risks and checklist items, for the team's members.
pub async fn assessment_csv(
    axum::extract::State(state): axum::extract::State<crate::web::AppState>,
    axum::Extension(actor): axum::Extension<app::auth::Actor>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Response {
    let c = state.context(actor);
    let result = async {
        let (a, _) = c.assessment(&id, app::auth::Role::Viewer).await?;
        csv_download(&c, &a, Some(&format!("/assessments/{id}"))).await
    }
    .await;
    result.unwrap_or_else(|e| crate::web::error_page(e.status(), &e.to_string()))
}

/// `GET /share/{token}/report.csv`: the same, through a live share link (no links back in).
pub async fn shared_csv(
    axum::extract::State(state): axum::extract::State<crate::web::AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> axum::response::Response {
    let c = state.context(app::auth::Actor::Anonymous);
    let result = async {
        let a = app::server::shared_assessment(&c, &token).await?;
        csv_download(&c, &a, None).await
    }
    .await;
    result.unwrap_or_else(|e| crate::web::error_page(e.status(), &e.to_string()))
}
