//! The discussion pages, plain HTML forms that need no JavaScript:
//!
//! - a question's page (`/assessments/{id}/questions/{question}`): the question, its assignee
//!   (and the area's), the comments with author and time, a form to write one, and, on your own
//!   comments, edit and delete (an owner may delete any);
//! - the assignee form, for an area or a question;
//! - "Needs me" (`/me`): what is assigned to me and unanswered, the comments that mention me,
//!   the checklist items I own that are due; opening it marks the mentions seen.
//!
//! A refused write (blank, too long, changed meanwhile) shows the page again with why beside
//! the field, and what was typed.

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;
use store::auth::{Actor, Role};

use crate::chrome::{Chrome, html, render};
use crate::error::AppError;
use crate::service::discussion::{self, Assignee, Comment, MAX_COMMENT};
use crate::service::inbox::Inbox;
use crate::state::AppState;

/// The routes, with their methods.
pub fn routes() -> Vec<(Method, String, MethodRouter<AppState>)> {
    let q = "/assessments/{id}/questions/{question}";
    [
        (Method::GET, q.to_owned(), get(show)),
        (Method::POST, format!("{q}/comments"), post(add)),
        (
            Method::POST,
            format!("{q}/comments/{{comment}}"),
            post(edit),
        ),
        (
            Method::POST,
            format!("{q}/comments/{{comment}}/delete"),
            post(delete),
        ),
        (
            Method::POST,
            "/assessments/{id}/assign".to_owned(),
            post(assign),
        ),
        (Method::GET, "/me".to_owned(), get(needs_me)),
    ]
    .into_iter()
    .collect()
}

/// A comment as the page lists it.
struct Shown {
    comment: Comment,
    /// The signed-in member wrote it.
    own: bool,
    /// They may delete it.
    deletable: bool,
}

/// A member who can be given work: (account id, name).
type Member = (String, String);

#[derive(askama::Template)]
#[template(path = "discussion.html")]
struct QuestionPage {
    id: String,
    workload: String,
    area_id: String,
    area: String,
    question_id: String,
    title: String,
    help: String,
    comments: Vec<Shown>,
    can_edit: bool,
    members: Vec<Member>,
    question_assignee: Option<Assignee>,
    area_assignee: Option<Assignee>,
    max: usize,
    /// A refused write: the comment it was about (`""`: a new one), why, and what was typed.
    error: Option<(String, String, String)>,
    masthead: String,
}

impl QuestionPage {
    /// The text typed into the new comment's box, after a refusal.
    fn draft(&self) -> &str {
        match &self.error {
            Some((c, _, text)) if c.is_empty() => text,
            _ => "",
        }
    }

    /// Why a write about this comment (`""`: a new one) was refused.
    fn error_for(&self, comment: &str) -> Option<&str> {
        match &self.error {
            Some((c, why, _)) if c == comment => Some(why),
            _ => None,
        }
    }

    /// The text in a comment's edit box: what was typed, after a refusal.
    fn edit_text<'a>(&'a self, s: &'a Shown) -> &'a str {
        match &self.error {
            Some((c, _, text)) if *c == s.comment.id => text,
            _ => &s.comment.body,
        }
    }
}

async fn question_page(
    state: &AppState,
    actor: Actor,
    chrome: Chrome,
    id: &str,
    question: &str,
    error: Option<(String, String, String)>,
) -> Result<QuestionPage, AppError> {
    let c = state.context(actor);
    let (a, role) = c.assessment(id, Role::Viewer).await?;
    let q = c.questionnaire_of(&a).await?;
    let found = q
        .question(question)
        .ok_or_else(|| AppError::NotFound("There is no such question in this review.".into()))?;
    let area = &q.areas[found.area];
    let user = c.user()?.clone();
    let comments = discussion::comments(&c, id, question)
        .await?
        .into_iter()
        .map(|comment| Shown {
            own: comment.author_id == user.id,
            deletable: !comment.deleted
                && role >= Role::Editor
                && (comment.author_id == user.id || role >= Role::Owner || user.is_admin),
            comment,
        })
        .collect();
    let assignees = discussion::assignees(&c, id).await?;
    let find = |scope: &str, target: &str| {
        assignees
            .iter()
            .find(|x| x.scope == scope && x.target_id == target)
            .cloned()
    };
    let members = match (&a.team_id, role >= Role::Editor) {
        (Some(team), true) => c
            .store
            .members(team)
            .await?
            .into_iter()
            .filter(|m| m.role != "viewer")
            .map(|m| (m.user_id, m.name))
            .collect(),
        _ => Vec::new(),
    };
    Ok(QuestionPage {
        id: a.id.clone(),
        workload: a.name.clone(),
        area_id: area.id.as_str().to_owned(),
        area: area.title.to_string(),
        question_id: question.to_owned(),
        title: found.title.to_string(),
        help: crate::service::markdown(&found.help),
        comments,
        can_edit: role >= Role::Editor,
        members,
        question_assignee: find("question", question),
        area_assignee: find("area", area.id.as_str()),
        max: MAX_COMMENT,
        error,
        masthead: chrome.masthead(),
    })
}

async fn show(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Path((id, question)): Path<(String, String)>,
) -> Response {
    render(
        question_page(&state, actor, chrome, &id, &question, None).await,
        StatusCode::OK,
    )
}

/// After a write: back to the comment, or the page again with why (a client error).
#[expect(
    clippy::too_many_arguments,
    reason = "the request's parts and the write's outcome"
)]
async fn after(
    state: &AppState,
    actor: Actor,
    chrome: Chrome,
    id: &str,
    question: &str,
    about: &str,
    typed: &str,
    result: Result<Option<String>, AppError>,
) -> Response {
    match result {
        Ok(anchor) => Redirect::to(&format!(
            "/assessments/{id}/questions/{question}#{}",
            anchor.map_or_else(|| "comments".to_owned(), |c| format!("c-{c}"))
        ))
        .into_response(),
        // What was typed was refused: the page again, with why beside the field. Other
        // refusals (no access, no such comment) are the error page, which shows nothing of the
        // review.
        Err(e) if matches!(e.status(), StatusCode::BAD_REQUEST | StatusCode::CONFLICT) => {
            let status = e.status();
            let why = e.to_string();
            render(
                question_page(
                    state,
                    actor,
                    chrome,
                    id,
                    question,
                    Some((about.to_owned(), why, typed.to_owned())),
                )
                .await,
                status,
            )
        }
        Err(e) => e.into_response(),
    }
}

/// The comment forms.
#[derive(Debug, Deserialize)]
struct CommentForm {
    #[serde(default)]
    body: String,
    version: Option<i64>,
}

async fn add(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Path((id, question)): Path<(String, String)>,
    Form(form): Form<CommentForm>,
) -> Response {
    let c = state.context(actor.clone());
    let result = discussion::add_comment(&c, &id, &question, &form.body)
        .await
        .map(|c| Some(c.id));
    after(
        &state, actor, chrome, &id, &question, "", &form.body, result,
    )
    .await
}

async fn edit(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Path((id, question, comment)): Path<(String, String, String)>,
    Form(form): Form<CommentForm>,
) -> Response {
    let c = state.context(actor.clone());
    let result = match form.version {
        Some(v) => discussion::edit_comment(&c, &id, &question, &comment, &form.body, v)
            .await
            .map(|c| Some(c.id)),
        None => Err(AppError::BadInput("version: missing".into())),
    };
    after(
        &state, actor, chrome, &id, &question, &comment, &form.body, result,
    )
    .await
}

async fn delete(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Path((id, question, comment)): Path<(String, String, String)>,
    Form(form): Form<CommentForm>,
) -> Response {
    let c = state.context(actor.clone());
    let result = discussion::delete_comment(&c, &id, &question, &comment, form.version)
        .await
        .map(|c| Some(c.id));
    after(&state, actor, chrome, &id, &question, &comment, "", result).await
}

/// The assignee form: `scope`, `target`, `user` (empty: nobody) and where to go back to (a
/// path of this review).
#[derive(Debug, Deserialize)]
struct AssignForm {
    scope: String,
    target: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    back: String,
}

async fn assign(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> Response {
    let c = state.context(actor);
    let user = Some(form.user.as_str()).filter(|u| !u.is_empty());
    match discussion::set_assignee(&c, &id, &form.scope, &form.target, user).await {
        Ok(_) => {
            // Only back into this review: never an address the form could point elsewhere.
            let prefix = format!("/assessments/{id}/");
            let back = if form.back.starts_with(&prefix) && !form.back.contains("//") {
                form.back
            } else {
                format!("/assessments/{id}/results")
            };
            Redirect::to(&back).into_response()
        }
        Err(e) => e.into_response(),
    }
}

#[derive(askama::Template)]
#[template(path = "inbox.html")]
struct NeedsMePage {
    inbox: Inbox,
    masthead: String,
}

async fn needs_me(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
) -> Response {
    let c = state.context(actor);
    match crate::service::inbox::inbox(&c, true).await {
        Ok(inbox) => html(
            &NeedsMePage {
                inbox,
                masthead: chrome.masthead(),
            },
            StatusCode::OK,
        ),
        Err(e) => e.into_response(),
    }
}
