//! Discussion and assignment of a review: comments under each question (Markdown, rendered
//! without raw HTML and sanitized), edited and deleted by their author (an owner or the
//! administrator may delete any), `@mentions` of the review's team members, an assignee per area
//! or question, the respondent view (only what is assigned to me) and the list of what needs a
//! member ([`inbox`]). Readers see the discussion; editors write it; every write has its audit
//! entry in the same transaction.
//!
//! Two edits of one comment: each names the version it read, and the second is refused (409)
//! with the comment as it is now, rather than the last write silently winning. Only the author
//! edits a comment, so this is one person in two tabs: telling them beats losing a paragraph.

use std::collections::{BTreeMap, BTreeSet};

use questionnaires::report::ReportComment;
use serde::Serialize;
use store::auth::Role;
use store::{Assessment, AuditEntry, CommentRow, CommentWrite};
use utoipa::ToSchema;

use super::{AppContext, now_ms};
use crate::error::AppError;
use crate::report::export::rfc3339;

/// The longest comment, in characters.
pub const MAX_COMMENT: usize = 5_000;

/// How far ahead a checklist item's due date counts as due soon, in days.
pub const DUE_SOON_DAYS: i64 = 7;

/// A comment as readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Comment {
    /// Its id.
    pub id: String,
    /// The question it is under.
    pub question_id: String,
    /// Who wrote it (their name then).
    pub author: String,
    /// Their account id.
    pub author_id: String,
    /// As written (Markdown); empty once deleted.
    pub body: String,
    /// Rendered and sanitized; empty once deleted.
    pub html: String,
    /// Names this version when editing or deleting.
    pub version: i64,
    /// When written (RFC 3339).
    pub created_at: String,
    /// When last edited (RFC 3339).
    pub edited_at: Option<String>,
    /// Deleted: only its place in the thread is left.
    pub deleted: bool,
}

impl From<CommentRow> for Comment {
    fn from(r: CommentRow) -> Comment {
        Comment {
            html: if r.deleted_at.is_some() {
                String::new()
            } else {
                comment_html(&r.body)
            },
            id: r.id,
            question_id: r.question_id,
            author: r.author_name,
            author_id: r.author_id,
            body: r.body,
            version: r.version,
            created_at: rfc3339(r.created_at),
            edited_at: r.edited_at.map(rfc3339),
            deleted: r.deleted_at.is_some(),
        }
    }
}

/// A comment's Markdown as HTML: raw HTML in the text is shown as text, images become their alt
/// text, and ammonia removes whatever else could run or load (scripts, event handlers,
/// `javascript:` links). Links get `rel="noopener noreferrer"`.
pub fn comment_html(text: &str) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let events = pulldown_cmark::Parser::new(text).filter_map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    let mut b = ammonia::Builder::default();
    b.rm_tags(["img"]);
    b.clean(&html).to_string()
}

/// Who answers an area or a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Assignee {
    /// `area` or `question`.
    pub scope: String,
    /// The area's or question's id.
    pub target_id: String,
    /// The area's or question's title.
    pub title: String,
    /// The assignee's account id.
    pub user_id: String,
    /// The assignee's name.
    pub name: String,
    /// Who assigned.
    pub assigned_by: String,
    /// When (RFC 3339).
    pub assigned_at: String,
}

/// What is assigned to the signed-in member in one review (the respondent view).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mine {
    /// Areas assigned, or holding a question assigned.
    pub areas: BTreeSet<String>,
    /// Questions assigned, or in an area assigned.
    pub questions: BTreeSet<String>,
}

/// What `@handle` names: a member's name without spaces or punctuation, or the part of their
/// email before the `@`, either in any case.
pub fn handles(name: &str, email: &str) -> [String; 2] {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let local = email.split('@').next().unwrap_or_default();
    [squash(name), local.to_lowercase()]
}

/// The `@handle`s a text names, lowercased: an `@` at the start or after a character that is
/// not part of a word or an address, then letters, digits, `.`, `_` or `-` (a trailing `.` is
/// punctuation).
pub fn mentioned_handles(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c != '@' || (i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '.')) {
            continue;
        }
        let handle: String = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .collect();
        let handle = handle.trim_end_matches(['.', '-', '_']).to_lowercase();
        if !handle.is_empty() {
            out.insert(handle);
        }
    }
    out
}

/// The members of the review's team a text mentions, as account ids: nobody else is recorded.
async fn mentioned_members(
    c: &AppContext,
    a: &Assessment,
    text: &str,
) -> Result<Vec<String>, AppError> {
    let wanted = mentioned_handles(text);
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let Some(team) = &a.team_id else {
        return Ok(Vec::new());
    };
    Ok(c.store
        .members(team)
        .await?
        .into_iter()
        .filter(|m| {
            handles(&m.name, &m.email)
                .iter()
                .any(|h| wanted.contains(h))
        })
        .map(|m| m.user_id)
        .collect())
}

fn entry(
    c: &AppContext,
    a: &Assessment,
    action: &str,
    target: String,
    detail: String,
) -> Option<AuditEntry> {
    a.team_id.clone().map(|team_id| AuditEntry {
        team_id,
        actor: c.actor.label(),
        action: action.to_owned(),
        target,
        detail,
    })
}

/// The question's title, or 404.
async fn question_title(
    c: &AppContext,
    a: &Assessment,
    question: &str,
) -> Result<String, AppError> {
    let q = c.questionnaire_of(a).await?;
    q.question(question)
        .map(|x| x.title.to_string())
        .ok_or_else(|| AppError::NotFound("There is no such question in this review.".into()))
}

fn check_body(body: &str) -> Result<String, AppError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::BadInput("body: write something first".into()));
    }
    let n = body.chars().count();
    if n > MAX_COMMENT {
        return Err(AppError::BadInput(format!(
            "body: {n} characters; a comment holds at most {MAX_COMMENT}"
        )));
    }
    Ok(body.to_owned())
}

/// An excerpt of a comment for the audit log.
fn excerpt(body: &str) -> String {
    let short: String = body.chars().take(120).collect();
    if short.len() < body.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// The comments under a question, oldest first (readers).
pub async fn comments(c: &AppContext, id: &str, question: &str) -> Result<Vec<Comment>, AppError> {
    let (a, _) = c.assessment(id, Role::Viewer).await?;
    question_title(c, &a, question).await?;
    Ok(c.store
        .comments(&a.id, Some(question))
        .await?
        .into_iter()
        .map(Comment::from)
        .collect())
}

/// A review's discussion for its report, by question, oldest first (after the report's access
/// check): deleted comments left out, and with `until` (a milestone's time, Unix ms) only those
/// written by then.
pub async fn report_discussion(
    c: &AppContext,
    id: &str,
    until: Option<i64>,
) -> Result<BTreeMap<String, Vec<ReportComment>>, AppError> {
    let mut out: BTreeMap<String, Vec<ReportComment>> = BTreeMap::new();
    for row in c.store.comments(id, None).await? {
        if row.deleted_at.is_some() || until.is_some_and(|t| row.created_at > t) {
            continue;
        }
        out.entry(row.question_id.clone())
            .or_default()
            .push(ReportComment {
                author: row.author_name,
                at: rfc3339(row.created_at),
                html: comment_html(&row.body),
                text: row.body,
            });
    }
    Ok(out)
}

/// Writes a comment under a question (editors); the team members it mentions are recorded.
pub async fn add_comment(
    c: &AppContext,
    id: &str,
    question: &str,
    body: &str,
) -> Result<Comment, AppError> {
    let (a, _) = c.assessment(id, Role::Editor).await?;
    let user = c.user()?.clone();
    let title = question_title(c, &a, question).await?;
    let body = check_body(body)?;
    let mentioned = mentioned_members(c, &a, &body).await?;
    let row = CommentRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        assessment_id: a.id.clone(),
        question_id: question.to_owned(),
        author_id: user.id.clone(),
        author_name: user.name.clone(),
        body,
        version: 1,
        created_at: now_ms(),
        edited_at: None,
        deleted_at: None,
        deleted_by: None,
    };
    let audit = entry(
        c,
        &a,
        "comment",
        title,
        format!("wrote: {}", excerpt(&row.body)),
    );
    c.store
        .add_comment(&row, &mentioned, audit.as_ref())
        .await?;
    Ok(row.into())
}

/// The comment, which must be under `question`, or 404.
async fn comment_of(
    c: &AppContext,
    a: &Assessment,
    question: &str,
    comment: &str,
) -> Result<CommentRow, AppError> {
    c.store
        .comment(&a.id, comment)
        .await?
        .filter(|r| r.question_id == question)
        .ok_or_else(|| AppError::NotFound("There is no such comment.".into()))
}

fn outcome(w: CommentWrite) -> Result<Comment, AppError> {
    match w {
        CommentWrite::Saved(row) => Ok(row.into()),
        CommentWrite::Stale(now) => Err(AppError::Conflict(format!(
            "version: the comment changed since you read it (it is at version {} now); read it \
             again and edit that",
            now.version
        ))),
        CommentWrite::Missing => Err(AppError::NotFound(
            "There is no such comment (it may have been deleted).".into(),
        )),
    }
}

/// Replaces a comment's text (its author only), at the version the author read.
pub async fn edit_comment(
    c: &AppContext,
    id: &str,
    question: &str,
    comment: &str,
    body: &str,
    version: i64,
) -> Result<Comment, AppError> {
    let (a, _) = c.assessment(id, Role::Editor).await?;
    let user = c.user()?.clone();
    let title = question_title(c, &a, question).await?;
    let row = comment_of(c, &a, question, comment).await?;
    if row.author_id != user.id {
        return Err(AppError::Forbidden(
            "Only its author can edit a comment.".into(),
        ));
    }
    let body = check_body(body)?;
    let mentioned = mentioned_members(c, &a, &body).await?;
    let audit = entry(
        c,
        &a,
        "comment",
        title,
        format!("edited: {}", excerpt(&body)),
    );
    outcome(
        c.store
            .edit_comment(
                &a.id,
                comment,
                version,
                &body,
                &mentioned,
                audit.as_ref(),
                now_ms(),
            )
            .await?,
    )
}

/// Deletes a comment: its author, an owner of the team or the administrator. A `version`, when
/// given, must still be the comment's.
pub async fn delete_comment(
    c: &AppContext,
    id: &str,
    question: &str,
    comment: &str,
    version: Option<i64>,
) -> Result<Comment, AppError> {
    let (a, role) = c.assessment(id, Role::Editor).await?;
    let user = c.user()?.clone();
    let title = question_title(c, &a, question).await?;
    let row = comment_of(c, &a, question, comment).await?;
    if row.author_id != user.id && role < Role::Owner && !user.is_admin {
        return Err(AppError::Forbidden(
            "Only its author or an owner of the team can delete a comment.".into(),
        ));
    }
    let audit = entry(
        c,
        &a,
        "comment",
        title,
        format!(
            "deleted {}'s comment: {}",
            row.author_name,
            excerpt(&row.body)
        ),
    );
    outcome(
        c.store
            .delete_comment(
                &a.id,
                comment,
                version,
                &c.actor.label(),
                audit.as_ref(),
                now_ms(),
            )
            .await?,
    )
}

/// The title of an area or a question of the review's questionnaire, or why not.
fn target_title(
    q: &questionnaires::Questionnaire,
    scope: &str,
    target: &str,
) -> Result<String, AppError> {
    match scope {
        "area" => q
            .areas
            .iter()
            .find(|x| x.id.as_str() == target)
            .map(|x| x.title.to_string())
            .ok_or_else(|| {
                AppError::BadInput(format!(
                    "target_id: `{target}` is not an area of this review"
                ))
            }),
        "question" => q
            .question(target)
            .map(|x| x.title.to_string())
            .ok_or_else(|| {
                AppError::BadInput(format!(
                    "target_id: `{target}` is not a question of this review"
                ))
            }),
        other => Err(AppError::BadInput(format!(
            "scope: `{other}` is neither area nor question"
        ))),
    }
}

/// A review's assignees, areas first (readers).
pub async fn assignees(c: &AppContext, id: &str) -> Result<Vec<Assignee>, AppError> {
    let (a, _) = c.assessment(id, Role::Viewer).await?;
    let q = c.questionnaire_of(&a).await?;
    Ok(c.store
        .assignments(&a.id)
        .await?
        .into_iter()
        .map(|r| Assignee {
            title: target_title(&q, &r.scope, &r.target_id).unwrap_or_else(|_| r.target_id.clone()),
            scope: r.scope,
            target_id: r.target_id,
            user_id: r.user_id,
            name: r.user_name,
            assigned_by: r.assigned_by,
            assigned_at: rfc3339(r.assigned_at),
        })
        .collect())
}

/// Sets (`Some`: an account id) or clears the assignee of an area or a question (editors). The
/// assignee must be a member of the review's team who can edit.
pub async fn set_assignee(
    c: &AppContext,
    id: &str,
    scope: &str,
    target: &str,
    user: Option<&str>,
) -> Result<Vec<Assignee>, AppError> {
    let (a, _) = c.assessment(id, Role::Editor).await?;
    let q = c.questionnaire_of(&a).await?;
    let title = target_title(&q, scope, target)?;
    let team = a
        .team_id
        .clone()
        .ok_or_else(|| AppError::NotFound("There is no such review.".into()))?;
    let detail = match user {
        Some(u) => {
            let role = c.store.role(u, &team).await?;
            if role.is_none_or(|r| r < Role::Editor) {
                return Err(AppError::BadInput(
                    "user_id: not a member of the review's team who can edit".into(),
                ));
            }
            let name = c
                .store
                .members(&team)
                .await?
                .into_iter()
                .find(|m| m.user_id == u)
                .map(|m| m.name)
                .unwrap_or_default();
            format!("assigned {scope} to {name}")
        }
        None => format!("cleared the {scope}'s assignee"),
    };
    let audit = entry(c, &a, "assign", title, detail);
    c.store
        .set_assignment(
            &a.id,
            scope,
            target,
            user,
            &c.actor.label(),
            audit.as_ref(),
            now_ms(),
        )
        .await?;
    assignees(c, id).await
}

/// What is assigned to the signed-in member in a review: the areas (given or holding a question
/// given) and the questions (given or in an area given). Empty when nothing is.
pub async fn mine(c: &AppContext, a: &Assessment) -> Result<Mine, AppError> {
    let q = c.questionnaire_of(a).await?;
    Ok(mine_of(
        &q,
        &c.store.assignments(&a.id).await?,
        &c.user()?.id,
    ))
}

/// [`mine`] from a review's assignments.
pub fn mine_of(
    q: &questionnaires::Questionnaire,
    rows: &[store::AssignmentRow],
    user: &str,
) -> Mine {
    let mut m = Mine::default();
    for r in rows.iter().filter(|r| r.user_id == user) {
        match r.scope.as_str() {
            "area" => {
                if let Some(area) = q.areas.iter().find(|x| x.id.as_str() == r.target_id) {
                    m.areas.insert(r.target_id.clone());
                    for i in &area.questions {
                        m.questions.insert(q.questions[*i].id.as_str().to_owned());
                    }
                }
            }
            _ => {
                if let Some(question) = q.question(&r.target_id) {
                    m.questions.insert(r.target_id.clone());
                    m.areas
                        .insert(q.areas[question.area].id.as_str().to_owned());
                }
            }
        }
    }
    m
}
