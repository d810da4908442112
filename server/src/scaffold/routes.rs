//! The starter routes, in the report's three scopes (a review now, a milestone, a share link):
//!
//! - `…/scaffold?pattern=P&runtime=R&iac=I&file=F`: the starter page. Choose the pattern (the
//!   top recommendation by default), runtime and IaC; see the answers → settings table, the file
//!   tree and any file. The URL is the shareable link: it names everything that makes the starter.
//! - `…/scaffold.zip?…`: the download;
//! - `…/scaffold/files/{path}?…`: one file as plain text.
//!
//! All three render through [`super::starter`], on the blocking pool, so the preview shows the
//! very bytes the zip holds.

use crate::error::AppError;
use askama::Template as _;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use questionnaires::scaffold::{Choice, Iac, Pattern, Plan, Runtime, default_pattern};
use store::auth::Actor;

use super::{Starter, starter, zip};
use crate::chrome::Chrome;
use crate::report::export::Scope;
use crate::report::routes::{Access, origin, review_state};
use crate::state::AppState;
use std::collections::BTreeMap;

/// What the query string chooses; every field is optional.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Params {
    pattern: Option<String>,
    runtime: Option<String>,
    iac: Option<String>,
    file: Option<String>,
}

impl Params {
    /// The choice of a pattern, runtime and IaC (each `None`: the default).
    pub(crate) fn of(
        pattern: Option<String>,
        runtime: Option<String>,
        iac: Option<String>,
    ) -> Params {
        Params {
            pattern,
            runtime,
            iac,
            file: None,
        }
    }
}

/// Which response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Want {
    Page,
    Zip,
    File(String),
}

fn bad_request(message: String) -> AppError {
    AppError::BadInput(message)
}

/// Reads the choice from the query string, naming any value it does not know.
fn choice(p: &Params) -> Result<Choice, AppError> {
    let pattern = match p.pattern.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Pattern::parse(s).ok_or_else(|| {
            let all: Vec<&str> = Pattern::ALL.iter().map(|p| p.as_str()).collect();
            bad_request(format!(
                "There is no starter for the pattern \"{s}\". Choose one of: {}.",
                all.join(", ")
            ))
        })?),
    };
    let runtime = match p.runtime.as_deref().filter(|s| !s.is_empty()) {
        None => Runtime::Python,
        Some(s) => Runtime::parse(s).ok_or_else(|| {
            bad_request(format!(
                "There is no runtime \"{s}\". Choose python, typescript or rust."
            ))
        })?,
    };
    let iac = match p.iac.as_deref().filter(|s| !s.is_empty()) {
        None => Iac::Sam,
        Some(s) => Iac::parse(s)
            .ok_or_else(|| bad_request(format!("There is no IaC format \"{s}\". Choose sam.")))?,
    };
    Ok(Choice {
        pattern,
        runtime,
        iac,
    })
}

/// The query string that reproduces a plan's starter.
fn query(plan: &Plan) -> String {
    format!(
        "pattern={}&runtime={}&iac={}",
        plan.pattern.as_str(),
        plan.runtime.as_str(),
        plan.iac.as_str()
    )
}

/// A pattern in the chooser.
struct Option_ {
    value: &'static str,
    label: String,
    selected: bool,
}

/// A row of the file tree.
struct Row {
    name: String,
    depth: usize,
    href: Option<String>,
    selected: bool,
    size: String,
}

#[derive(askama::Template)]
#[template(path = "scaffold.html")]
struct Page<'a> {
    workload: &'a str,
    snapshot: String,
    back: Option<(String, &'static str)>,
    plan: &'a Plan,
    patterns: Vec<Option_>,
    runtimes: Vec<Option_>,
    iacs: Vec<Option_>,
    /// How the infrastructure is written, in prose.
    iac_words: &'static str,
    rows: Vec<Row>,
    file: &'a str,
    contents: &'a str,
    raw: String,
    download: String,
    download_name: String,
    share: String,
    total: String,
    files: usize,
    controls_with_answers: usize,
    /// Whether the pattern shown is the review's top recommendation with a starter.
    top: bool,
    /// Why the runtime is the one shown, when the review names one.
    runtime_note: Option<String>,
    masthead: String,
}

/// What the page says about the runtime: that it follows the review's answer, or that the
/// language the review names has no starter. `None` when the review names none or the address
/// chose the runtime.
fn runtime_note(
    q: &questionnaires::Questionnaire,
    answers: &questionnaires::Answers,
    asked: Option<&str>,
) -> Option<String> {
    if asked.is_some_and(|r| !r.is_empty()) {
        return None;
    }
    let answer = answers.get("runtime")?;
    let named = questionnaires::diff::describe(q, "runtime", &answer.value);
    Some(match Runtime::answered(answers) {
        Some(_) => format!("The runtime is the one the review names ({named})."),
        None => format!(
            "The review names {named}, which has no starter: starters are written in Python, TypeScript or Rust, so this one is in Python."
        ),
    })
}

fn size(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}

fn rows(starter: &Starter, page: &str, q: &str, selected: &str) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    let mut open: Vec<&str> = Vec::new();
    for f in &starter.files {
        let parts: Vec<&str> = f.path.split('/').collect();
        let dirs = &parts[..parts.len() - 1];
        let common = open.iter().zip(dirs).take_while(|(a, b)| a == b).count();
        open.truncate(common);
        for (depth, d) in dirs.iter().enumerate().skip(common) {
            out.push(Row {
                name: format!("{d}/"),
                depth,
                href: None,
                selected: false,
                size: String::new(),
            });
            open.push(d);
        }
        let mut href = format!("{page}?{q}&file=");
        for part in f.path.split('/') {
            if !href.ends_with('=') {
                href.push_str("%2F");
            }
            href.push_str(part);
        }
        out.push(Row {
            name: parts[parts.len() - 1].to_owned(),
            depth: dirs.len(),
            href: Some(href),
            selected: f.path == selected,
            size: size(f.contents.len()),
        });
    }
    out
}

pub(crate) async fn respond(
    state: AppState,
    actor: Actor,
    headers: HeaderMap,
    scope: Scope,
    params: Params,
    want: Want,
    chrome: Chrome,
) -> Response {
    let zipped = want == Want::Zip;
    let result = async {
        let mut chosen = choice(&params)?;
        let c = state.context(actor);
        let (a, answers, evaluation, milestone) = review_state(&c, &scope).await?;
        // Unless the address names one, the runtime is the one the review answered.
        let runtime_note = runtime_note(c.builtin, &answers, params.runtime.as_deref());
        if params.runtime.as_deref().is_none_or(str::is_empty) {
            chosen.runtime = Runtime::answered(&answers).unwrap_or(Runtime::Python);
        }
        if a.questionnaire_id != c.builtin.id {
            return Err(AppError::BadInput(
                "Starter projects follow the built-in serverless review; this review runs on an imported questionnaire, which recommends no patterns.".into(),
            ));
        }
        let q = c.builtin;
        let workload = a.workload();
        // Rendering and zipping are CPU work: off the async workers, a few at a time (see
        // `crate::service::heavy`).
        let (plan, starter, bytes, patterns, top) = c
            .heavy
            .run("building a starter", move || {
                let (plan, starter) = starter(q, &workload, &answers, &evaluation, chosen)
                    .map_err(|e| match chosen.pattern {
                        None => AppError::BadInput(format!("{e}.")),
                        Some(_) => AppError::Internal(e),
                    })?;
                let bytes = if zipped {
                    let started = std::time::Instant::now();
                    let bytes = zip(&starter).map_err(AppError::Internal)?;
                    crate::observe::export_generated("starter.zip", started.elapsed());
                    Some(bytes)
                } else {
                    None
                };
                let top = default_pattern(&evaluation);
                let rank = |p: Pattern| {
                    evaluation
                        .recommendations
                        .iter()
                        .find(|r| r.pattern.as_str() == p.as_str())
                };
                // Ranked patterns first, in the review's order; the rest after them.
                let mut ordered = Pattern::ALL.to_vec();
                ordered.sort_by_key(|&p| rank(p).map_or(usize::MAX, |r| r.rank));
                let patterns: Vec<Option_> = ordered
                    .into_iter()
                    .map(|p| {
                        let r = rank(p);
                        let name = q
                            .pattern(p.as_str())
                            .map_or_else(|| p.as_str().to_owned(), |x| x.name.to_string());
                        let label = match r {
                            Some(r) if Some(p) == top => {
                                format!("{name} (top recommendation, #{})", r.rank)
                            }
                            Some(r) => format!("{name} (#{})", r.rank),
                            None => name,
                        };
                        Option_ {
                            value: p.as_str(),
                            label,
                            selected: p == plan.pattern,
                        }
                    })
                    .collect();
                Ok::<_, AppError>((plan, starter, bytes, patterns, top))
            })
            .await??;
        Ok::<_, AppError>((a, milestone, plan, starter, bytes, patterns, top, runtime_note))
    }
    .await;
    let (a, milestone, plan, starter, bytes, patterns, top, runtime_note) = match result {
        Ok(x) => x,
        Err(e) => {
            if let AppError::Internal(cause) = &e {
                tracing::error!(%cause, "building a starter failed");
            }
            return e.into_response();
        }
    };
    let no_store = HeaderValue::from_static("no-store");
    let q = query(&plan);
    let page_path = format!("{}/scaffold", scope.base());
    match want {
        Want::Zip => {
            let mut res = bytes.unwrap_or_default().into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            );
            if let Ok(v) =
                HeaderValue::from_str(&format!("attachment; filename=\"{}.zip\"", starter.root))
            {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(header::CACHE_CONTROL, no_store);
            res
        }
        Want::File(path) => match starter.files.iter().find(|f| f.path == path) {
            Some(f) => {
                let mut res = f.contents.clone().into_response();
                let h = res.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                h.insert(header::CACHE_CONTROL, no_store);
                res
            }
            None => {
                AppError::NotFound(format!("This starter has no file \"{path}\".")).into_response()
            }
        },
        Want::Page => {
            let selected = params
                .file
                .as_deref()
                .filter(|f| starter.files.iter().any(|x| x.path == *f))
                .unwrap_or("README.md");
            if let Some(f) = params.file.as_deref().filter(|f| *f != selected) {
                return AppError::NotFound(format!("This starter has no file \"{f}\"."))
                    .into_response();
            }
            let contents = starter
                .files
                .iter()
                .find(|f| f.path == selected)
                .map_or("", |f| f.contents.as_str());
            let back = match &scope {
                Scope::Review(id) => Some((format!("/assessments/{id}/results"), "Results")),
                Scope::Milestone(id, _) => {
                    Some((format!("/assessments/{id}/milestones"), "Milestones"))
                }
                Scope::Share(_) => None,
            };
            let share = format!(
                "{}{page_path}?{q}",
                origin(&state, &headers).unwrap_or_default()
            );
            let total: usize = starter.files.iter().map(|f| f.contents.len()).sum();
            let page = Page {
                workload: &a.name,
                snapshot: milestone.as_ref().map_or_else(
                    || "the answers as they are now".to_owned(),
                    |m| format!("milestone \"{}\"", m.name),
                ),
                back,
                plan: &plan,
                patterns,
                runtimes: Runtime::ALL
                    .into_iter()
                    .map(|r| Option_ {
                        value: r.as_str(),
                        label: r.title().to_owned(),
                        selected: r == plan.runtime,
                    })
                    .collect(),
                iacs: Iac::ALL
                    .into_iter()
                    .map(|i| Option_ {
                        value: i.as_str(),
                        label: match i {
                            Iac::Sam => "AWS SAM".to_owned(),
                            Iac::Cdk => "AWS CDK (TypeScript)".to_owned(),
                        },
                        selected: i == plan.iac,
                    })
                    .collect(),
                iac_words: match plan.iac {
                    Iac::Sam if plan.pattern.containers() => "CloudFormation",
                    i => i.title(),
                },
                rows: rows(&starter, &page_path, &q, selected),
                file: selected,
                contents,
                raw: format!("{}/scaffold/files/{selected}?{q}", scope.base()),
                download: format!("{}/scaffold.zip?{q}", scope.base()),
                download_name: format!("{}.zip", starter.root),
                share,
                total: size(total),
                files: starter.files.len(),
                controls_with_answers: plan
                    .controls
                    .iter()
                    .filter(|c| c.from.iter().any(|o| o.answered))
                    .count(),
                top: top == Some(plan.pattern),
                runtime_note,
                masthead: chrome.masthead(),
            };
            match page.render() {
                Ok(html) => {
                    let mut res = axum::response::Html(html).into_response();
                    res.headers_mut().insert(header::CACHE_CONTROL, no_store);
                    res
                }
                Err(e) => {
                    tracing::error!(cause = %e, "rendering the starter page failed");
                    AppError::Internal("The starter page could not be rendered.".into())
                        .into_response()
                }
            }
        }
    }
}

impl Page<'_> {
    /// The tree row's indentation for its depth.
    fn indent(&self, depth: &usize) -> String {
        format!("padding-left: {}rem", 0.4 + 1.1 * *depth as f64)
    }
}

/// Which response a route gives, from its `{*path}` parameter when it has one.
type WantOf = fn(Option<String>) -> Want;

/// The starter routes: (path pattern, handler), each in every scope.
pub fn routes() -> Vec<(String, axum::routing::MethodRouter<AppState>)> {
    use axum::routing::get;
    let mut out = Vec::new();
    let wants: [(&str, WantOf); 3] = [
        ("scaffold", |_| Want::Page),
        ("scaffold.zip", |_| Want::Zip),
        ("scaffold/files/{*path}", |p| {
            Want::File(p.unwrap_or_default())
        }),
    ];
    for (suffix, want) in wants {
        let handler = get(
            move |State(s): State<AppState>,
                  access: Access,
                  chrome: Chrome,
                  headers: HeaderMap,
                  Path(mut p): Path<BTreeMap<String, String>>,
                  Query(params): Query<Params>| {
                let want = want(p.remove("path"));
                respond(s, access.actor, headers, access.scope, params, want, chrome)
            },
        );
        for prefix in [
            "/assessments/{id}",
            "/assessments/{id}/milestones/{milestone}",
            "/share/{token}",
        ] {
            out.push((format!("{prefix}/{suffix}"), handler.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_choices_are_named() {
        let p = Params {
            pattern: Some("monolith".into()),
            ..Params::default()
        };
        let e = choice(&p).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("\"monolith\""), "{e}");
        assert!(e.contains("api_lambda_dynamodb"), "{e}");
        let p = Params {
            runtime: Some("cobol".into()),
            ..Params::default()
        };
        let e = choice(&p).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("\"cobol\""), "{e}");
    }
}
