//! The list of reviews and the review itself: the home list and its cursor, creating (blank or
//! from a review or milestone), renaming, duplicating and archiving a review.

use app::api::{AssessmentList, AssessmentSummary};
use questionnaires::Workload;
use store::auth::{Actor, Role};
use store::{Assessment, NewAssessment, Order, PageQuery, Position};

use super::{AppContext, answers_by_id, evaluate, now_ms, templates};
use crate::error::AppError;

/// The team an API token is limited to (`None`: a person sees every team of theirs).
fn token_team(c: &AppContext) -> Option<&str> {
    match &c.actor {
        Actor::Token { team_id, .. } => Some(team_id.as_str()),
        _ => None,
    }
}

/// A page of the assessments the actor can see (an API token sees its own team's only), most
/// recently changed first, and whether more follow.
pub(super) async fn visible_page(
    c: &AppContext,
    include_archived: bool,
    search: &str,
    after: Option<&Position>,
    limit: u32,
) -> Result<(Vec<Assessment>, bool), AppError> {
    let user = c.user()?;
    Ok(c.store
        .assessments_page(&PageQuery {
            user_id: &user.id,
            team_id: token_team(c),
            include_archived,
            search,
            order: Order::Updated,
            after,
            limit,
        })
        .await?)
}

/// Reviews on a page of the home list.
pub const HOME_PAGE_SIZE: u32 = 25;

/// The home list's cursor for the item after `a`: opaque to people (base64url of its change
/// time and id).
pub fn home_cursor(a: &Assessment) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}:{}", a.updated_at, a.id))
}

/// Reads a cursor [`home_cursor`] made; anything else is a clear 400.
pub fn read_home_cursor(cursor: &str) -> Result<Position, AppError> {
    use base64::Engine as _;
    let bad = || {
        AppError::BadInput(
            "That link to older reviews is not valid (it may have been cut short): start again from the first page."
                .into(),
        )
    };
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad)?;
    let (at, id) = text.split_once(':').ok_or_else(bad)?;
    let at = at.parse::<i64>().map_err(|_| bad())?;
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(bad());
    }
    Ok(Position {
        at,
        id: id.to_owned(),
    })
}

/// A page of the reviews the actor can see: those matching `search`, after the cursor `after`.
pub async fn list_assessments(
    c: &AppContext,
    include_archived: bool,
    search: &str,
    after: Option<&str>,
) -> Result<AssessmentList, AppError> {
    let after = after
        .filter(|a| !a.trim().is_empty())
        .map(read_home_cursor)
        .transpose()?;
    let (page, more) =
        visible_page(c, include_archived, search, after.as_ref(), HOME_PAGE_SIZE).await?;
    // The link to the next page keeps the search and the archived toggle.
    let older = match page.last() {
        Some(last) if more => {
            let mut params = Vec::new();
            if !search.trim().is_empty() {
                params.push(("q", search.trim().to_owned()));
            }
            if include_archived {
                params.push(("archived", "1".to_owned()));
            }
            params.push(("after", home_cursor(last)));
            Some(format!(
                "/?{}",
                serde_urlencoded::to_string(params).unwrap_or_default()
            ))
        }
        _ => None,
    };
    // Only the page shown is evaluated, its answers read in one statement.
    let ids: Vec<&str> = page.iter().map(|a| a.id.as_str()).collect();
    let mut page_answers = c.store.answers_of_page(&ids).await?;
    let mut page_tags = c.store.tags_of_page(&ids).await?;
    let mut rows = Vec::with_capacity(page.len());
    for a in page {
        let q = c.questionnaire_of(&a).await?;
        let (answers, stored) = answers_by_id(&q, page_answers.remove(&a.id).unwrap_or_default());
        let e = evaluate(&q, &answers);
        rows.push(AssessmentSummary {
            to_confirm: templates::to_confirm(&q, &e, &stored).len(),
            answered: e.progress.answered,
            applicable: e.progress.applicable,
            overall: e.scores.overall,
            verdict: e.verdict.status.label().to_owned(),
            high: e
                .risks
                .iter()
                .filter(|r| r.level == questionnaires::Risk::High)
                .count(),
            medium: e
                .risks
                .iter()
                .filter(|r| r.level == questionnaires::Risk::Medium)
                .count(),
            archived: a.archived_at.is_some(),
            tags: page_tags.remove(&a.id).unwrap_or_default(),
            id: a.id,
            name: a.name,
            description: a.description,
            environment: a.environment,
            updated_at: a.updated_at,
            version: a.version,
        });
    }
    Ok(AssessmentList {
        rows,
        older,
        first_page: after.is_none(),
    })
}

fn workload(name: &str, description: &str, environment: &str) -> Result<Workload, AppError> {
    check_workload(name, description, environment).map_err(|errors| {
        AppError::BadInput(
            errors
                .iter()
                .map(|(field, message)| format!("{field}: {message}"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

/// Checks a workload's details (name 1 to 200 characters, description up to 5,000, environment
/// up to 100): the trimmed workload, or every problem as (field, message).
pub fn check_workload(
    name: &str,
    description: &str,
    environment: &str,
) -> Result<Workload, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() {
        errors.push(("name".to_owned(), "the workload needs a name".to_owned()));
    } else if name.chars().count() > 200 {
        errors.push(("name".to_owned(), "at most 200 characters".to_owned()));
    }
    if description.chars().count() > 5_000 {
        errors.push((
            "description".to_owned(),
            "at most 5,000 characters".to_owned(),
        ));
    }
    if environment.chars().count() > 100 {
        errors.push((
            "environment".to_owned(),
            "at most 100 characters".to_owned(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Workload {
        name: name.to_owned(),
        description: description.trim().to_owned(),
        environment: environment.trim().to_owned(),
    })
}

/// What a new assessment asks for.
#[derive(Debug, Clone, Default)]
pub struct NewReview<'a> {
    /// The team it belongs to.
    pub team: &'a str,
    /// Workload name.
    pub name: &'a str,
    /// Workload description.
    pub description: &'a str,
    /// Environment.
    pub environment: &'a str,
    /// A review or milestone to start from (see [`templates::Source`]); empty: blank.
    pub from: &'a str,
    /// The questionnaire: empty or the built-in id, an imported lens id (its latest version),
    /// or `id@version`.
    pub questionnaire: &'a str,
}

/// Creates an assessment: blank, or from a review or milestone the actor can read, with its
/// answers carried over, to confirm (and then on that review's questionnaire).
pub async fn create_assessment_in(
    c: &AppContext,
    r: NewReview<'_>,
) -> Result<Assessment, AppError> {
    c.team(r.team, Role::Editor).await?;
    let workload = workload(r.name, r.description, r.environment)?;
    let source = templates::Source::parse(r.from)?;
    let (questionnaire_id, questionnaire_hash) = match r.questionnaire.trim() {
        "" => (c.builtin.id.clone(), c.builtin.content_hash.clone()),
        id if id == c.builtin.id => (c.builtin.id.clone(), c.builtin.content_hash.clone()),
        spec => {
            let (id, version) = match spec.split_once('@') {
                Some((id, v)) => {
                    let v = v.trim_start_matches('v').parse::<i64>().map_err(|_| {
                        AppError::BadInput(format!(
                            "questionnaire: `{spec}` is not `id` or `id@version`"
                        ))
                    })?;
                    (id, Some(v))
                }
                None => (spec, None),
            };
            let (row, _) = c.lens(id, version).await.map_err(|e| match e {
                AppError::NotFound(m) => AppError::BadInput(format!("questionnaire: {m}")),
                other => other,
            })?;
            (row.id, row.hash)
        }
    };
    let new = NewAssessment {
        workload,
        questionnaire_id,
        questionnaire_hash,
        team_id: r.team.to_owned(),
    };
    let id = uuid::Uuid::new_v4().simple().to_string();
    let now = now_ms();
    let created = match source {
        None => c.store.create_assessment(&new, &id, now).await?,
        Some(source) => templates::create_from(c, new, &id, source, now).await?,
    };
    let detail = created
        .started_from
        .as_ref()
        .map_or_else(|| "created".to_owned(), |f| format!("created from {f}"));
    c.audit(&created, "assessment", &created.name, &detail)
        .await?;
    Ok(created)
}

/// Creates an assessment; returns the address of its first area.
pub async fn create_assessment(c: &AppContext, r: NewReview<'_>) -> Result<String, AppError> {
    let a = create_assessment_in(c, r).await?;
    let q = c.questionnaire_of(&a).await?;
    let first = q
        .areas
        .first()
        .map(|a| a.id.to_string())
        .unwrap_or_default();
    Ok(format!("/assessments/{}/review/{first}", a.id))
}

/// Renames a review (editors), at the version the form read.
pub async fn rename_assessment(
    c: &AppContext,
    id: &str,
    name: &str,
    version: i64,
) -> Result<(), AppError> {
    let (current, _) = c.assessment(id, Role::Editor).await?;
    let w = workload(name, &current.description, &current.environment)?;
    c.store.update_assessment(id, &w, version, now_ms()).await?;
    c.audit(
        &current,
        "assessment",
        &current.name,
        &format!("renamed to {}", w.name),
    )
    .await
}

/// Duplicates a review with its answers and checklist (editors).
pub async fn duplicate_assessment(c: &AppContext, id: &str) -> Result<(), AppError> {
    let (current, _) = c.assessment(id, Role::Editor).await?;
    let name: String = format!("{} (copy)", current.name)
        .chars()
        .take(200)
        .collect();
    let new_id = uuid::Uuid::new_v4().simple().to_string();
    c.store
        .duplicate_assessment(id, &new_id, &name, &c.actor.label(), now_ms())
        .await?;
    Ok(())
}

/// Archives or restores a review (editors), at the version the form read.
pub async fn archive_assessment(
    c: &AppContext,
    id: &str,
    version: i64,
    archive: bool,
) -> Result<(), AppError> {
    let (current, _) = c.assessment(id, Role::Owner).await?;
    let now = now_ms();
    let event = super::webhooks::archive_event(&current, archive, now);
    c.store
        .set_archived_raising(id, archive, version, now, event.as_slice())
        .await?;
    let what = if archive { "archived" } else { "restored" };
    c.audit(&current, "assessment", &current.name, what).await
}
