//! The report routes. Every export exists in three scopes, each with its own access rule:
//!
//! - `/assessments/{id}/…`: the review now, for its team's members;
//! - `/assessments/{id}/milestones/{milestone}/…`: the review as a milestone saved it;
//! - `/share/{token}/…`: the review now, for whoever holds a live share link (with no links
//!   back into the app).
//!
//! In each scope, `report` is the printable report page and `report.md`, `report.html`,
//! `report.pdf`, `report.json`, `report.csv`, `adr.zip`, `backlog.zip` and `jira.csv` are
//! downloads. Every export is rendered from one [`Document`], off the async workers and a few at
//! a time.
//! Also `/assessments/{id}/diff.md`: what changed between two snapshots.
//!
//! `?discussion=1` (off by default) puts each question's comments under it in the formats that
//! list the questions (the page, Markdown, HTML, PDF and JSON); the CSV and the work-item
//! exports have fixed columns or one file per item and leave it out. A share link never carries
//! the team's discussion, and a milestone's report carries the comments written before it was
//! saved.

use std::collections::BTreeMap;

use crate::error::AppError;
use crate::service::AppContext;
use axum::Extension;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use questionnaires::report::{Input, ItemProgress, Snapshot};
use store::auth::{Actor, Role};

use super::export::{Export, Scope, file_name, render_now, rfc3339};
use super::{Document, Links};
use crate::state::AppState;

/// A scope's review, answers, evaluation and milestone, after its access check.
pub(crate) async fn review_state(
    c: &AppContext,
    scope: &Scope,
) -> Result<
    (
        store::Assessment,
        questionnaires::Answers,
        questionnaires::Evaluation,
        Option<store::MilestoneRow>,
    ),
    AppError,
> {
    let (a, which) = match scope {
        Scope::Review(id) => (c.assessment(id, Role::Viewer).await?.0, "current"),
        Scope::Milestone(id, m) => (c.assessment(id, Role::Viewer).await?.0, m.as_str()),
        Scope::Share(token) => (
            crate::service::shared_assessment(c, token).await?,
            "current",
        ),
    };
    let (answers, evaluation, milestone) = crate::service::state_of(c, &a, which).await?;
    Ok((a, answers, evaluation, milestone))
}

/// Whether a report's query (`?discussion=…`) asks for the discussion: `1` or `true` does, `0`,
/// `false`, empty or absent does not; anything else is refused, naming the field.
pub fn wants_discussion(query: Option<&str>) -> Result<bool, AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|e| AppError::BadInput(format!("query: {e}")))?;
    match pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "discussion")
        .map(|(_, v)| v.as_str())
    {
        None | Some("" | "0" | "false") => Ok(false),
        Some("1" | "true") => Ok(true),
        Some(other) => Err(AppError::BadInput(format!(
            "discussion: `{other}` is neither 1 (include the discussion) nor 0"
        ))),
    }
}

/// The document of a scope, after the access check.
async fn load(
    state: &AppState,
    actor: Actor,
    scope: &Scope,
    origin: Option<String>,
    discussion: bool,
) -> Result<(Document, Option<Links>), AppError> {
    let c = state.context(actor);
    let (a, answers, evaluation, milestone) = review_state(&c, scope).await?;
    // A milestone reports the checklist as its answers left it, and no accepted risks: team
    // progress and acceptances are today's.
    let (progress, acceptances) = match milestone {
        Some(_) => (BTreeMap::new(), BTreeMap::new()),
        None => (
            team_progress(&c, &a.id).await?,
            crate::service::acceptance_map(&c.store.acceptances(&a.id).await?),
        ),
    };
    let snapshot = milestone.as_ref().map_or_else(Snapshot::current, |m| {
        Snapshot::milestone(&m.name, rfc3339(m.created_at))
    });
    let links = match (scope, origin) {
        (Scope::Share(_), _) | (_, None) => None,
        (_, Some(origin)) => Some(Links {
            review: format!("{origin}/assessments/{}", a.id),
        }),
    };
    let sign_off = crate::service::sign_off_of(&c, &a.id, milestone.as_ref(), &answers).await?;
    let q = c.questionnaire_of(&a).await?;
    let mut doc = super::document(Input {
        q: &q,
        workload: &a.workload(),
        answers: &answers,
        evaluation: &evaluation,
        progress: &progress,
        acceptances: &acceptances,
        snapshot,
        generated_at: rfc3339(crate::service::now_ms()),
    });
    if let Some(s) = sign_off {
        doc.report.sign(s);
    }
    if milestone.is_none() {
        doc.report.template_findings =
            crate::service::evidence::report_findings(&c.store, &a.id).await?;
    }
    if discussion && !matches!(scope, Scope::Share(_)) {
        let until = milestone.as_ref().map(|m| m.created_at);
        let mut by_question =
            crate::service::discussion::report_discussion(&c, &a.id, until).await?;
        for x in &mut doc.report.answers {
            x.comments = by_question.remove(&x.question).unwrap_or_default();
        }
        doc.discussion = true;
    }
    Ok((doc, links))
}

async fn team_progress(
    c: &AppContext,
    id: &str,
) -> Result<BTreeMap<String, ItemProgress>, AppError> {
    Ok(crate::service::progress_map(&c.store.checklist(id).await?))
}

/// The site's own origin, from the request's Host, for absolute links in exports.
pub(crate) fn origin(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    Some(format!("{scheme}://{host}"))
}

/// Renders one format on the blocking pool, a few at a time (see `crate::service::heavy`): every
/// format, as a big imported lens makes even the page and the Markdown heavy (its help rendered
/// and sanitized). A failure to render is [`AppError::Internal`].
pub async fn render(
    heavy: &crate::service::heavy::Heavy,
    doc: Document,
    links: Option<Links>,
    scope: Scope,
    export: Export,
) -> Result<Vec<u8>, AppError> {
    heavy
        .run(export.file(), move || {
            let started = std::time::Instant::now();
            let bytes = render_now(&doc, links.as_ref(), &scope, export)?;
            crate::observe::export_generated(export.file(), started.elapsed());
            Ok(bytes)
        })
        .await?
        .map_err(AppError::Internal)
}

pub(crate) async fn respond(
    state: AppState,
    actor: Actor,
    headers: HeaderMap,
    scope: Scope,
    export: Export,
    query: Option<String>,
) -> Response {
    let discussion = match wants_discussion(query.as_deref()) {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let loaded = load(&state, actor, &scope, origin(&state, &headers), discussion).await;
    let (doc, links) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let name = file_name(&doc, export);
    match render(&state.heavy, doc, links, scope, export).await {
        Ok(bytes) => {
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(export.content_type()),
            );
            if export != Export::Page
                && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            // Reports hold the review's details: never kept by shared caches or the browser.
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(AppError::Internal(cause)) => {
            tracing::error!(%cause, format = export.file(), "rendering a report failed");
            AppError::Internal("The report could not be rendered.".into()).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// Who asks for which snapshot, read from a report or starter route's path: `{token}` is a
/// share link, opened by nobody in particular; `{milestone}` a milestone of the review `{id}`;
/// `{id}` alone the review now. One handler then serves a route in all three scopes.
pub struct Access {
    /// Who asks (always anonymous through a share link).
    pub actor: Actor,
    /// What they ask for.
    pub scope: Scope,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Access {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Access, Response> {
        let Path(mut p) = Path::<BTreeMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let actor = parts.extensions.get::<Actor>().cloned().unwrap_or_default();
        Ok(
            match (p.remove("token"), p.remove("milestone"), p.remove("id")) {
                (Some(token), _, _) => Access {
                    actor: Actor::Anonymous,
                    scope: Scope::Share(token),
                },
                (None, Some(m), Some(id)) => Access {
                    actor,
                    scope: Scope::Milestone(id, m),
                },
                (None, None, Some(id)) => Access {
                    actor,
                    scope: Scope::Review(id),
                },
                _ => {
                    return Err(AppError::NotFound("There is no such page.".into()).into_response());
                }
            },
        )
    }
}

/// The export routes: (path pattern, handler), every format in every scope.
pub fn routes() -> Vec<(String, axum::routing::MethodRouter<AppState>)> {
    use axum::routing::get;
    let mut out = Vec::new();
    for export in Export::ALL {
        let handler = get(
            move |State(s): State<AppState>,
                  access: Access,
                  headers: HeaderMap,
                  RawQuery(query): RawQuery| {
                respond(s, access.actor, headers, access.scope, export, query)
            },
        );
        for scope in [
            Scope::Review(String::new()),
            Scope::Milestone(String::new(), String::new()),
            Scope::Share(String::new()),
        ] {
            out.push((scope.pattern(export), handler.clone()));
        }
    }
    out
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
pub async fn diff(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Query(compare): Query<Compare>,
) -> Response {
    let c = state.context(actor);
    let result = async {
        let (a, _) = c.assessment(&id, Role::Viewer).await?;
        let (from, to, d) = crate::service::diff_of(&c, &a, &compare.from, &compare.to).await?;
        super::markdown::diff(&a.name, &from, &to, &d)
            .map_err(|e| AppError::Internal(e.to_string()))
    }
    .await;
    match result {
        Ok(text) => {
            let mut res = text.into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/markdown; charset=utf-8"),
            );
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"trellis-changes.md\""),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => e.into_response(),
    }
}
