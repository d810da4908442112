//! What needs me: across every review of the signed-in member's teams, the areas and questions
//! assigned to them that are still unanswered, the comments that mention them (unread first
//! seen here), and the open checklist items they own (the owner field names them, by name or
//! email) that are due within [`DUE_SOON_DAYS`] days or overdue.

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
    let mut out = Inbox::default();
    // A token reaches one team only.
    let reaches = |team: &Option<String>| team.as_deref().is_some_and(|t| c.actor.reaches(t));
    let mut reviews: BTreeMap<String, Option<Reviewed>> = BTreeMap::new();
    for r in c.store.assigned_to(&user.id).await? {
        let Some(rev) = reviewed(c, &mut reviews, &r.assessment_id).await? else {
            continue;
        };
        if !reaches(&rev.a.team_id) {
            continue;
        }
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
        let unanswered = questions
            .iter()
            .filter(|i| !rev.answered.contains(q.questions[**i].id.as_str()))
            .count();
        if unanswered == 0 {
            continue;
        }
        let anchor = if r.scope == "question" {
            format!("#q-{}", r.target_id)
        } else {
            String::new()
        };
        out.assigned.push(AssignedItem {
            href: format!("/assessments/{}/review/{area}{anchor}", r.assessment_id),
            assessment_id: r.assessment_id,
            workload: r.workload,
            scope: r.scope,
            target_id: r.target_id,
            title,
            unanswered,
        });
    }
    for m in c.store.mentions_of(&user.id, MENTIONS_SHOWN).await? {
        let Some(rev) = reviewed(c, &mut reviews, &m.assessment_id).await? else {
            continue;
        };
        if !reaches(&rev.a.team_id) {
            continue;
        }
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
    let today = app::utc(now)[..10].to_owned();
    let horizon = app::utc(now + DUE_SOON_DAYS * 86_400_000)[..10].to_owned();
    let me = |owner: &str| {
        let o = owner.trim();
        o.eq_ignore_ascii_case(&user.name) || o.eq_ignore_ascii_case(&user.email)
    };
    for (id, workload, item, owner, due) in c.store.owned_items(&user.id).await? {
        if !me(&owner) || due.as_str() > horizon.as_str() {
            continue;
        }
        let Some(rev) = reviewed(c, &mut reviews, &id).await? else {
            continue;
        };
        if !reaches(&rev.a.team_id) {
            continue;
        }
        let Some(title) = rev
            .q
            .checklist
            .iter()
            .find(|x| x.id.as_str() == item)
            .map(|x| x.title.to_string())
        else {
            continue;
        };
        out.due.push(DueItem {
            href: format!("/assessments/{id}/results#item-{item}"),
            overdue: due.as_str() < today.as_str(),
            assessment_id: id,
            workload,
            item_id: item,
            title,
            due_date: due,
        });
    }
    out.count =
        out.assigned.len() + out.mentions.iter().filter(|m| !m.seen).count() + out.due.len();
    if mark_seen && out.mentions.iter().any(|m| !m.seen) {
        c.store.mark_mentions_seen(&user.id, now).await?;
    }
    Ok(out)
}

/// A review as the list needs it: its row, questionnaire and answered questions.
struct Reviewed {
    a: store::Assessment,
    q: std::sync::Arc<questionnaires::Questionnaire>,
    answered: std::collections::BTreeSet<String>,
}

/// Reads a review once per list (`None`: gone meanwhile).
async fn reviewed<'m>(
    c: &AppContext,
    cache: &'m mut BTreeMap<String, Option<Reviewed>>,
    id: &str,
) -> Result<Option<&'m Reviewed>, AppError> {
    if !cache.contains_key(id) {
        let found = match c.store.assessment(id).await {
            Ok(a) => {
                let q = c.questionnaire_of(&a).await?;
                let answered = c
                    .store
                    .answers(id)
                    .await?
                    .into_iter()
                    .map(|s| s.question_id)
                    .collect();
                Some(Reviewed { a, q, answered })
            }
            Err(store::StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        cache.insert(id.to_owned(), found);
    }
    Ok(cache.get(id).and_then(Option::as_ref))
}
