//! The questionnaires pages: the built-in review and the AWS Well-Architected custom lenses a
//! team imports — import (a file upload, linted first), lint only, each version's findings, and
//! the export of any questionnaire back to lens JSON. Server-rendered forms: no JavaScript needed.

use std::sync::Arc;

use crate::chrome::{Chrome, html};
use crate::error::AppError;
use crate::service::lenses::{Import, version_label};
use axum::Extension;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use questionnaires::Questionnaire;
use questionnaires::lens::{self, Finding, Severity};
use store::LensRow;
use store::auth::{Actor, Role};

use crate::state::AppState;

/// The routes, with their methods.
pub fn routes() -> Vec<(Method, String, MethodRouter<AppState>)> {
    [
        (Method::GET, "/questionnaires", get(list)),
        (Method::POST, "/questionnaires", post(upload)),
        (Method::GET, "/questionnaires/{id}", get(detail)),
        (Method::GET, "/questionnaires/{id}/lens.json", get(export)),
    ]
    .into_iter()
    .map(|(m, p, h)| (m, p.to_owned(), h))
    .collect()
}

/// `?version=N`.
#[derive(Debug, serde::Deserialize)]
pub struct VersionQuery {
    version: Option<String>,
}

impl VersionQuery {
    fn parse(&self) -> Result<Option<i64>, AppError> {
        match self.version.as_deref().filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => {
                v.trim_start_matches('v').parse().map(Some).map_err(|_| {
                    AppError::BadInput(format!("version: `{v}` is not a version number"))
                })
            }
        }
    }
}

/// A lens in the list: its latest version.
struct Listed {
    id: String,
    name: String,
    version: i64,
    team: String,
    created: String,
    created_by: String,
    warnings: usize,
}

/// A team the user may import into.
struct TeamOption {
    id: String,
    name: String,
}

#[derive(askama::Template)]
#[template(path = "questionnaires.html")]
struct ListPage {
    builtin_id: String,
    builtin_title: String,
    builtin_version: String,
    builtin_questions: usize,
    lenses: Vec<Listed>,
    teams: Vec<TeamOption>,
    /// The outcome of a lint or a rejected import.
    result: Option<Outcome>,
    masthead: String,
}

/// What a lint or a rejected import found.
struct Outcome {
    file: String,
    findings: Vec<Finding>,
}

/// Findings of one kind, shown together: errors first, then by how many there are.
struct Group<'a> {
    code: &'a str,
    severity: Severity,
    findings: Vec<&'a Finding>,
}

impl Group<'_> {
    fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

fn groups(findings: &[Finding]) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    for f in findings {
        match out
            .iter_mut()
            .find(|g| g.code == f.code && g.severity == f.severity)
        {
            Some(g) => g.findings.push(f),
            None => out.push(Group {
                code: &f.code,
                severity: f.severity,
                findings: vec![f],
            }),
        }
    }
    out.sort_by(|a, b| {
        (b.severity, b.findings.len(), a.code).cmp(&(a.severity, a.findings.len(), b.code))
    });
    out
}

impl Outcome {
    fn groups(&self) -> Vec<Group<'_>> {
        groups(&self.findings)
    }

    fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

async fn list_page(
    state: &AppState,
    actor: Actor,
    chrome: Chrome,
    result: Option<Outcome>,
) -> Result<ListPage, AppError> {
    let c = state.context(actor);
    let user = c.user()?.clone();
    let all_teams = c.store.teams_of(&user.id).await?;
    let visible = c.lens_teams().await?;
    let team_name = |id: &str| {
        all_teams
            .iter()
            .find(|t| t.id == id)
            .map_or_else(String::new, |t| t.name.clone())
    };
    let mut lenses: Vec<Listed> = Vec::new();
    for row in c.store.lenses(&visible).await? {
        if lenses.iter().any(|l| l.id == row.id) {
            continue;
        }
        lenses.push(Listed {
            warnings: warnings_of(&row).len(),
            team: team_name(&row.team_id),
            created: app::utc(row.created_at),
            created_by: row.created_by,
            id: row.id,
            name: row.name,
            version: row.version,
        });
    }
    let teams = all_teams
        .into_iter()
        .filter(|t| {
            visible.contains(&t.id) && Role::parse(&t.role).is_some_and(|r| r >= Role::Editor)
        })
        .map(|t| TeamOption {
            id: t.id,
            name: t.name,
        })
        .collect();
    Ok(ListPage {
        builtin_id: c.builtin.id.clone(),
        builtin_title: c.builtin.title.clone(),
        builtin_version: c.builtin.version.clone(),
        builtin_questions: c.builtin.questions.len(),
        lenses,
        teams,
        result,
        masthead: chrome.masthead(),
    })
}

fn warnings_of(row: &LensRow) -> Vec<Finding> {
    serde_json::from_str(&row.warnings).unwrap_or_default()
}

async fn list(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
) -> Response {
    match list_page(&state, actor, chrome, None).await {
        Ok(page) => html(&page, StatusCode::OK),
        Err(e) => e.into_response(),
    }
}

/// The upload form's fields.
#[derive(Default)]
struct Upload {
    team: String,
    into: String,
    action: String,
    file_name: String,
    json: Option<String>,
}

async fn read_upload(mut form: Multipart) -> Result<Upload, AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::BadInput(format!("the form could not be read: {}", e.body_text()))
    };
    let mut u = Upload::default();
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "lens" => {
                // Shown back with the findings: an excerpt of a name, however long.
                let name = field.file_name().unwrap_or("lens.json");
                u.file_name = questionnaires::excerpt::excerpt(name).into_owned();
                let bytes = field.bytes().await.map_err(bad)?;
                if bytes.is_empty() {
                    continue;
                }
                u.json = Some(String::from_utf8(bytes.to_vec()).map_err(|e| {
                    AppError::BadInput(format!(
                        "lens: the file is not UTF-8 text (byte {})",
                        e.utf8_error().valid_up_to()
                    ))
                })?);
            }
            "team" => u.team = field.text().await.map_err(bad)?,
            "into" => u.into = field.text().await.map_err(bad)?,
            "action" => u.action = field.text().await.map_err(bad)?,
            other => {
                return Err(AppError::BadInput(format!("{other}: unknown field")));
            }
        }
    }
    Ok(u)
}

/// Import (or only lint) an uploaded lens file.
async fn upload(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    form: Multipart,
) -> Response {
    let result: Result<_, AppError> = async {
        let c = state.context(actor.clone());
        c.user()?;
        let u = read_upload(form).await?;
        let json = u
            .json
            .ok_or_else(|| AppError::BadInput("lens: choose a lens JSON file".into()))?;
        if u.action == "lint" {
            // CPU work: on the blocking pool, a few at a time (see `crate::service::heavy`).
            let findings = c
                .heavy
                .run("checking a lens", move || lens::lint(&json))
                .await?;
            return Ok(Err(Outcome {
                file: u.file_name,
                findings,
            }));
        }
        let into = Some(u.into.trim()).filter(|s| !s.is_empty());
        match c.import_lens(u.team.trim(), into, &json).await? {
            Import::Imported { row, .. } | Import::Unchanged(row) => Ok(Ok(row)),
            Import::Rejected(findings) => Ok(Err(Outcome {
                file: u.file_name,
                findings,
            })),
        }
    }
    .await;
    match result {
        Ok(Ok(row)) => Redirect::to(&format!(
            "/questionnaires/{}?version={}",
            row.id, row.version
        ))
        .into_response(),
        Ok(Err(outcome)) => {
            let status = if outcome.errors() > 0 {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            match list_page(&state, actor, chrome, Some(outcome)).await {
                Ok(page) => html(&page, status),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => e.into_response(),
    }
}

/// An area of a questionnaire, as the detail page lists it.
struct AreaRow {
    id: String,
    title: String,
    questions: usize,
    choices: usize,
}

/// A version in the detail page's list.
struct VersionRow {
    version: i64,
    created: String,
    created_by: String,
    current: bool,
}

#[derive(askama::Template)]
#[template(path = "questionnaire.html")]
struct DetailPage {
    id: String,
    title: String,
    description: String,
    version: String,
    builtin: bool,
    hash: String,
    areas: Vec<AreaRow>,
    questions: usize,
    choices: usize,
    versions: Vec<VersionRow>,
    /// The version's linter warnings (imported lenses).
    findings: Vec<Finding>,
    /// What the lens export leaves out (the built-in review).
    omitted: Vec<String>,
    export: String,
    start: String,
    masthead: String,
}

impl DetailPage {
    fn groups(&self) -> Vec<Group<'_>> {
        groups(&self.findings)
    }
}

fn areas_of(q: &Questionnaire) -> Vec<AreaRow> {
    q.areas
        .iter()
        .map(|a| AreaRow {
            id: a.id.to_string(),
            title: a.title.to_string(),
            questions: a.questions.len(),
            choices: a
                .questions
                .iter()
                .map(|&i| q.questions[i].choices.len())
                .sum(),
        })
        .collect()
}

/// The questionnaire an address names, for the actor: the built-in one, or a lens version.
async fn resolve(
    state: &AppState,
    actor: Actor,
    id: &str,
    version: Option<i64>,
) -> Result<(Arc<Questionnaire>, Option<(LensRow, Vec<LensRow>)>), AppError> {
    let c = state.context(actor);
    if id == c.builtin.id {
        return Ok((crate::service::lenses::builtin(), None));
    }
    let versions = c.lens_versions(id, Role::Viewer).await?;
    let (row, q) = c.lens(id, version).await?;
    Ok((q, Some((row, versions))))
}

async fn detail(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Query(query): Query<VersionQuery>,
    chrome: Chrome,
) -> Response {
    let result: Result<_, AppError> = async {
        state.context(actor.clone()).user()?;
        let version = query.parse()?;
        let (q, lens) = resolve(&state, actor, &id, version).await?;
        let (findings, omitted, versions, export) = match &lens {
            Some((row, all)) => (
                warnings_of(row),
                Vec::new(),
                all.iter()
                    .map(|r| VersionRow {
                        version: r.version,
                        created: app::utc(r.created_at),
                        created_by: r.created_by.clone(),
                        current: r.version == row.version,
                    })
                    .collect(),
                format!("/questionnaires/{id}/lens.json?version={}", row.version),
            ),
            None => (
                Vec::new(),
                lens::export(&q).omitted,
                Vec::new(),
                format!("/questionnaires/{id}/lens.json"),
            ),
        };
        let start = match &lens {
            Some(_) => format!("/?questionnaire={id}#start"),
            None => "/#start".to_owned(),
        };
        Ok(DetailPage {
            id: id.clone(),
            title: q.title.clone(),
            description: q.description.clone(),
            version: q.version.clone(),
            builtin: lens.is_none(),
            hash: q.content_hash.chars().take(12).collect(),
            areas: areas_of(&q),
            questions: q.questions.len(),
            choices: q.questions.iter().map(|x| x.choices.len()).sum(),
            versions,
            findings,
            omitted,
            export,
            start,
            masthead: chrome.masthead(),
        })
    }
    .await;
    match result {
        Ok(page) => html(&page, StatusCode::OK),
        Err(e) => e.into_response(),
    }
}

/// The lens JSON of a questionnaire, as a download.
async fn export(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Response {
    let result: Result<_, AppError> = async {
        state.context(actor.clone()).user()?;
        let version = query.parse()?;
        let (q, lens) = resolve(&state, actor, &id, version).await?;
        let json = lens_json(&q)?;
        let name = match lens {
            Some((row, _)) => format!("{id}-{}.json", version_label(row.version)),
            None => format!("{id}-{}.json", q.version),
        };
        Ok((json, name))
    }
    .await;
    match result {
        Ok((json, name)) => (
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            json,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// A questionnaire as lens JSON text, pretty-printed.
pub fn lens_json(q: &Questionnaire) -> Result<String, AppError> {
    let mut text = serde_json::to_string_pretty(&lens::export(q).json)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    text.push('\n');
    Ok(text)
}
