//! What needs me: across every review of the signed-in member's teams, the areas and questions
//! assigned to them that are still unanswered, the comments that mention them (unread first
//! seen here), and the open checklist items they own (the owner field names them, by name or
//! email) that are due within [`DUE_SOON_DAYS`] days or overdue. [`count`] is the number the
//! top bar shows beside "Needs me", on every page.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::discussion::{DUE_SOON_DAYS, comment_html};
use super::{AppContext, now_ms};
use crate::error::AppError;
use crate::report::export::rfc3339;

/// The most mentions the list shows.
const MENTIONS_SHOWN: i64 = 100;

/// An area or a question assigned to me with something unanswered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AssignedItem {
    /// The review.
    pub assessment_id: String,
    /// Its name.
    pub workload: String,
    /// `area` or `question`.
    pub scope: String,
    /// The area's or question's id.
    pub target_id: String,
    /// Its title.
    pub title: String,
    /// How many of its questions are unanswered.
    pub unanswered: usize,
    /// Where to answer.
    pub href: String,
}

/// A comment that mentions me.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MentionItem {
    /// The comment.
    pub comment_id: String,
    /// The review.
    pub assessment_id: String,
    /// Its name.
    pub workload: String,
    /// The question the comment is under.
    pub question_id: String,
    /// Its title.
    pub question: String,
    /// Who wrote it.
    pub author: String,
    /// The comment, rendered and sanitized.
    pub html: String,
    /// When written (RFC 3339).
    pub created_at: String,
    /// Already seen in this list before.
    pub seen: bool,
    /// The comment in its thread.
    pub href: String,
}

/// A checklist item I own that is due soon or overdue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DueItem {
    /// The review.
    pub assessment_id: String,
    /// Its name.
    pub workload: String,
    /// The item's id.
    pub item_id: String,
    /// Its title.
    pub title: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    /// Past its date.
    pub overdue: bool,
    /// The review's results, where the checklist is.
    pub href: String,
}

/// What needs me.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Inbox {
    /// Assigned to me, unanswered.
    pub assigned: Vec<AssignedItem>,
    /// Comments that mention me, newest first.
    pub mentions: Vec<MentionItem>,
    /// Checklist items I own, due within 7 days or overdue, soonest first.
    pub due: Vec<DueItem>,
    /// Assigned items, unseen mentions and due items: the count in the top bar.
    pub count: usize,
}

/// What needs the signed-in member. `mark_seen`: their mentions count as seen from now on
/// (the page does; the API reads without changing anything).
pub async fn inbox(c: &AppContext, mark_seen: bool) -> Result<Inbox, AppError> {
    let user = c.user()?.clone();
    let now = now_ms();
    let mut reviews = Reviews::new();
    let mut out = Inbox {
        assigned: assigned(c, &user, &mut reviews).await?,
        ..Inbox::default()
    };
    for m in c.store.mentions_of(&user.id, MENTIONS_SHOWN).await? {
        let Some(rev) = reviewed(c, &mut reviews, &m.assessment_id).await? else {
            continue;
        };
        out.mentions.push(MentionItem {
            question: rev
                .q
                .question(&m.question_id)
                .map(|x| x.title.to_string())
                .unwrap_or_default(),
            href: format!(
                "/assessments/{}/questions/{}#c-{}",
                m.assessment_id, m.question_id, m.comment_id
            ),
            comment_id: m.comment_id,
            assessment_id: m.assessment_id,
            workload: m.workload,
            question_id: m.question_id,
            author: m.author_name,
            html: comment_html(&m.body),
            created_at: rfc3339(m.created_at),
            seen: m.seen_at.is_some(),
        });
    }
    out.due = due(c, &user, now, &mut reviews).await?;
    out.count = out.assigned.len() + unseen_mentions(c, &user).await? + out.due.len();
    if mark_seen && out.mentions.iter().any(|m| !m.seen) {
        c.store.mark_mentions_seen(&user.id, now).await?;
    }
    Ok(out)
}

/// How many things need the signed-in member, as [`Inbox::count`] counts them, without
/// rendering the comments: the number beside "Needs me" in the top bar. 0 for nobody.
pub async fn count(c: &AppContext) -> Result<usize, AppError> {
    let Some(user) = c.actor.user() else {
        return Ok(0);
    };
    let mut reviews = Reviews::new();
    Ok(assigned(c, user, &mut reviews).await?.len()
        + unseen_mentions(c, user).await?
        + due(c, user, now_ms(), &mut reviews).await?.len())
}

/// The unseen mentions of a member, in the teams the caller reaches (a token reaches one).
async fn unseen_mentions(c: &AppContext, user: &store::auth::User) -> Result<usize, AppError> {
    Ok(c.store
        .unseen_mentions(&user.id)
        .await?
        .into_iter()
        .filter(|(team, _)| c.actor.reaches(team))
        .map(|(_, n)| usize::try_from(n).unwrap_or(0))
        .sum())
}

/// The areas and questions assigned to a member that still have an applicable question
/// unanswered (a follow-up its conditions hide needs no answer).
async fn assigned(
    c: &AppContext,
    user: &store::auth::User,
    reviews: &mut Reviews,
) -> Result<Vec<AssignedItem>, AppError> {
    let mut out = Vec::new();
    for r in c.store.assigned_to(&user.id).await? {
        let Some(rev) = reviewed(c, reviews, &r.assessment_id).await? else {
            continue;
        };
        let q = &rev.q;
        let (title, questions, area) = match r.scope.as_str() {
            "area" => match q.areas.iter().find(|x| x.id.as_str() == r.target_id) {
                Some(x) => (
                    x.title.to_string(),
                    x.questions.clone(),
                    x.id.as_str().to_owned(),
                ),
                None => continue,
            },
            _ => match q.question_index(&r.target_id) {
                Some(i) => (
                    q.questions[i].title.to_string(),
                    vec![i],
                    q.areas[q.questions[i].area].id.as_str().to_owned(),
                ),
                None => continue,
            },
        };
        let unanswered = questions.iter().filter(|i| rev.open.contains(i)).count();
        if unanswered == 0 {
            continue;
        }
        let anchor = if r.scope == "question" {
            format!("#q-{}", r.target_id)
        } else {
            String::new()
        };
        out.push(AssignedItem {
            href: format!(
                "/assessments/{}/review/{area}?mine=1{anchor}",
                r.assessment_id
            ),
            assessment_id: r.assessment_id,
            workload: r.workload,
            scope: r.scope,
            target_id: r.target_id,
            title,
            unanswered,
        });
    }
    Ok(out)
}

/// The open checklist items a member owns (the owner field names them, by name or email), due
/// within [`DUE_SOON_DAYS`] days or overdue, soonest first.
async fn due(
    c: &AppContext,
    user: &store::auth::User,
    now: i64,
    reviews: &mut Reviews,
) -> Result<Vec<DueItem>, AppError> {
    let today = app::utc(now)[..10].to_owned();
    let horizon = app::utc(now + DUE_SOON_DAYS * 86_400_000)[..10].to_owned();
    let me = |owner: &str| {
        let o = owner.trim();
        o.eq_ignore_ascii_case(&user.name) || o.eq_ignore_ascii_case(&user.email)
    };
    let mut out = Vec::new();
    for (id, workload, item, owner, due) in c.store.owned_items(&user.id).await? {
        if !me(&owner) || due.as_str() > horizon.as_str() {
            continue;
        }
        let Some(rev) = reviewed(c, reviews, &id).await? else {
            continue;
        };
        let Some(title) = rev
            .q
            .checklist
            .iter()
            .find(|x| x.id.as_str() == item)
            .map(|x| x.title.to_string())
        else {
            continue;
        };
        out.push(DueItem {
            href: format!("/assessments/{id}/results#item-{item}"),
            overdue: due.as_str() < today.as_str(),
            assessment_id: id,
            workload,
            item_id: item,
            title,
            due_date: due,
        });
    }
    Ok(out)
}

/// The reviews read so far for one list, by id (`None`: gone, or out of the caller's reach).
type Reviews = BTreeMap<String, Option<Reviewed>>;

/// A review as the list needs it: its row, questionnaire and the questions that apply and are
/// still unanswered (by index).
struct Reviewed {
    q: std::sync::Arc<questionnaires::Questionnaire>,
    open: std::collections::BTreeSet<usize>,
}

/// Reads and evaluates a review once per list (`None`: gone meanwhile, or in a team the caller
/// does not reach: a token reaches one team only).
async fn reviewed<'m>(
    c: &AppContext,
    cache: &'m mut Reviews,
    id: &str,
) -> Result<Option<&'m Reviewed>, AppError> {
    if !cache.contains_key(id) {
        let found = match c.store.assessment(id).await {
            Ok(a) if a.team_id.as_deref().is_some_and(|t| c.actor.reaches(t)) => {
                let q = c.questionnaire_of(&a).await?;
                let (answers, _) = super::answers_of(&c.store, &q, id).await?;
                let open = super::evaluate(&q, &answers)
                    .questions
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.status == questionnaires::evaluate::Status::Unanswered)
                    .map(|(i, _)| i)
                    .collect();
                Some(Reviewed { q, open })
            }
            Ok(_) | Err(store::StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        cache.insert(id.to_owned(), found);
    }
    Ok(cache.get(id).and_then(Option::as_ref))
}
