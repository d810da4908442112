//! The portfolio: every review the actor can see, read from the per-review summaries the writes
//! store (never evaluated on a view), with their tags; and the engine's side of those summaries
//! (the [`store::Summarizer`] every write calls in its transaction, and the background pass that
//! summarises what a write or the migration left stale).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use questionnaires::{Questionnaire, Risk};
use store::auth::Role;
use store::{
    AreaScore, Evaluated, OpenItem, OpenRisk, PortfolioFilter, PortfolioRow, RiskEntry, Summarizer,
    SummaryChange, SummaryInput, Trend,
};

use super::{AppContext, answers_in, evaluate, now_ms};
use crate::error::AppError;

/// The most reviews one portfolio page or export holds.
pub const MAX_LIMIT: u32 = 1_000;

/// Reviews a portfolio page holds unless asked otherwise.
pub const DEFAULT_LIMIT: u32 = 100;

/// A questionnaire by (id, content hash).
type LensKey = (String, String);

/// Parsed questionnaires by (id, content hash), for the summarizer, which runs inside write
/// transactions and cannot parse a lens there: fed by [`remember`] each time a request parses
/// one (every write reads its review's questionnaire first, so it is here when the write runs).
static PARSED: LazyLock<Mutex<HashMap<LensKey, Arc<Questionnaire>>>> =
    LazyLock::new(Mutex::default);

/// Parsed lens versions kept for the summarizer before it starts over.
const PARSED_KEPT: usize = 256;

/// Keeps a parsed lens version for the summarizer.
pub fn remember(id: &str, hash: &str, q: &Arc<Questionnaire>) {
    let mut map = PARSED.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= PARSED_KEPT {
        map.clear();
    }
    map.insert((id.to_owned(), hash.to_owned()), q.clone());
}

/// The engine as the store's summarizer.
struct Engine;

impl Summarizer for Engine {
    fn summarize(&self, input: &SummaryInput) -> Option<Evaluated> {
        let q = questionnaire(&input.questionnaire_id, &input.questionnaire_hash)?;
        Some(summarize(&q, input))
    }

    fn events(&self, change: &SummaryChange, now: i64) -> Vec<store::OutboxEvent> {
        super::webhooks::summary_events(change, now)
    }
}

/// Installs the engine as the summarizer of this process's writes.
pub fn install() {
    store::install_summarizer(Arc::new(Engine));
}

fn questionnaire(id: &str, hash: &str) -> Option<Arc<Questionnaire>> {
    let builtin = super::lenses::builtin();
    if id == builtin.id {
        return Some(builtin);
    }
    PARSED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(id.to_owned(), hash.to_owned()))
        .cloned()
}

fn level(text: &str) -> Risk {
    match text {
        "high" => Risk::High,
        "medium" => Risk::Medium,
        _ => Risk::None,
    }
}

/// What the engine says of a review, as its summary keeps it.
pub fn summarize(q: &Questionnaire, input: &SummaryInput) -> Evaluated {
    let stored: BTreeMap<String, store::StoredAnswer> = input
        .answers
        .iter()
        .map(|a| (a.question_id.clone(), a.clone()))
        .collect();
    let e = evaluate(q, &answers_in(q, &stored));
    let area_title = |id: &str| {
        e.areas
            .iter()
            .find(|a| a.id.as_str() == id)
            .map_or_else(|| id.to_owned(), |a| a.title.to_string())
    };
    let (mut high_open, mut medium_open, mut risks, mut open_risks) =
        (0, 0, Vec::new(), Vec::new());
    for r in &e.risks {
        let covered = input
            .acceptances
            .get(r.question.as_str())
            .is_some_and(|accepted| level(accepted) >= r.level);
        if covered || r.level == Risk::None {
            continue;
        }
        open_risks.push(RiskEntry {
            id: r.question.to_string(),
            title: r.heading().to_string(),
            level: r.level.as_str().to_owned(),
            area: area_title(r.area.as_str()),
        });
        match r.level {
            Risk::High => {
                high_open += 1;
                risks.push(OpenRisk {
                    title: r.heading().to_string(),
                    area: area_title(r.area.as_str()),
                });
            }
            Risk::Medium => medium_open += 1,
            Risk::None => {}
        }
    }
    let open_items = e
        .checklist
        .iter()
        .filter(|i| i.state == questionnaires::evaluate::ItemState::Open)
        .filter_map(|i| {
            let team = input.checklist.get(i.id.as_str());
            match team {
                Some((status, _, _)) if status != "open" => None,
                _ => Some(OpenItem {
                    title: i.title.to_string(),
                    owner: team.map(|t| t.1.clone()).unwrap_or_default(),
                    due_date: team.and_then(|t| t.2.clone()),
                }),
            }
        })
        .collect();
    Evaluated {
        lens: format!("{} {}", q.title, q.version),
        overall: e.scores.overall,
        areas: e
            .areas
            .iter()
            .map(|a| AreaScore {
                id: a.id.to_string(),
                title: a.title.to_string(),
                score: a.score,
            })
            .collect(),
        verdict_status: e.verdict.status.as_str().to_owned(),
        verdict_label: e.verdict.status.label().to_owned(),
        blockers: e
            .verdict
            .blockers
            .iter()
            .map(|b| b.message.clone())
            .collect(),
        high_open,
        medium_open,
        risks,
        open_items,
        open_risks,
    }
}

/// Set while a background pass runs in this process: one at a time.
static REFRESHING: AtomicBool = AtomicBool::new(false);

/// Starts a background pass over the stale summaries of `c`'s store, unless one runs.
pub fn spawn_refresh(c: AppContext) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    if REFRESHING.swap(true, Ordering::SeqCst) {
        return;
    }
    handle.spawn(async move {
        if let Err(e) = refresh_stale(&c).await {
            tracing::warn!(error = %e, "summarising reviews in the background stopped");
        }
        REFRESHING.store(false, Ordering::SeqCst);
    });
}

/// Summarises every stale review (the migration's backfill, or a write whose lens was not at
/// hand), the engine on the blocking pool, each written only if no write overtook it. How many.
pub async fn refresh_stale(c: &AppContext) -> Result<usize, AppError> {
    let mut done = 0;
    let mut skipped: std::collections::HashSet<String> = std::collections::HashSet::new();
    loop {
        let batch = c.store.stale_summaries(200 + skipped.len() as i64).await?;
        let batch: Vec<_> = batch
            .into_iter()
            .filter(|(id, _)| !skipped.contains(id))
            .collect();
        if batch.is_empty() {
            return Ok(done);
        }
        for (id, revision) in batch {
            let Some(input) = c.store.summary_input(&id).await? else {
                skipped.insert(id);
                continue;
            };
            let q = match c
                .questionnaire_by(&input.questionnaire_id, &input.questionnaire_hash)
                .await
            {
                Ok(q) => q,
                Err(e) => {
                    tracing::warn!(review = %id, error = %e, "cannot summarise a review");
                    skipped.insert(id);
                    continue;
                }
            };
            let e = c
                .heavy
                .run("summarising a review", move || summarize(&q, &input))
                .await?;
            if !c.store.write_summary(&id, revision, &e).await? {
                // A write since wrote its own summary (or left it stale again: next round).
                skipped.insert(id);
            }
            done += 1;
        }
    }
}

/// The portfolio's filters, as the page's form and the API's query carry them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filters {
    /// A team id, or empty for every team.
    #[serde(default)]
    pub team: Option<String>,
    /// `active` (the default), `archived` or `all`.
    #[serde(default)]
    pub status: Option<String>,
    /// A tag, or empty for any.
    #[serde(default)]
    pub tag: Option<String>,
    /// At most this many reviews (1 to 1,000; 100 by default).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A team the actor can see, for the filter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TeamChoice {
    /// Team id.
    pub id: String,
    /// Team name.
    pub name: String,
}

/// The portfolio, ready for a page or an export.
#[derive(Debug, Clone)]
pub struct Portfolio {
    /// The reviews shown, most recently changed first.
    pub rows: Vec<PortfolioRow>,
    /// How many reviews match the filters in all.
    pub total: i64,
    /// The teams the actor can see (the filter's choices).
    pub teams: Vec<TeamChoice>,
    /// The tags on those teams' reviews (the filter's choices).
    pub tags: Vec<String>,
    /// The filters applied, normalised: team id, status, tag, limit.
    pub team: Option<String>,
    /// `active`, `archived` or `all`.
    pub status: String,
    /// The tag filtered on.
    pub tag: Option<String>,
    /// The limit applied.
    pub limit: u32,
    /// The milestones' overall scores of each review shown, oldest first.
    pub trends: HashMap<String, Vec<Trend>>,
    /// Today, `YYYY-MM-DD` (UTC): checklist items due before it are overdue.
    pub today: String,
}

/// The portfolio of the reviews `c`'s actor can see, filtered. A filter that names a team the
/// actor cannot see, an unknown status or a bad limit is refused naming the field.
pub async fn portfolio(c: &AppContext, f: &Filters) -> Result<Portfolio, AppError> {
    let user = c.user()?;
    let teams: Vec<TeamChoice> = c
        .store
        .teams_of(&user.id)
        .await?
        .into_iter()
        .filter(|t| c.actor.reaches(&t.id))
        .map(|t| TeamChoice {
            id: t.id,
            name: t.name,
        })
        .collect();
    let team = f.team.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = team
        && !teams.iter().any(|x| x.id == t)
    {
        return Err(AppError::BadInput(
            "team: you are not a member of that team".into(),
        ));
    }
    let status = f.status.as_deref().map(str::trim).unwrap_or("");
    let (status, archived) = match status {
        "" | "active" => ("active", Some(false)),
        "archived" => ("archived", Some(true)),
        "all" => ("all", None),
        other => {
            return Err(AppError::BadInput(format!(
                "status: `{other}` is not one of active, archived, all"
            )));
        }
    };
    let tag = match f.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => store::normalise_tags(&[t])
            .map_err(|e| AppError::BadInput(format!("tag: {e}")))?
            .into_iter()
            .next(),
        None => None,
    };
    let limit = f.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::BadInput(format!(
            "limit: between 1 and {MAX_LIMIT}; {limit} is not"
        )));
    }
    let team_ids: Vec<String> = match team {
        Some(t) => vec![t.to_owned()],
        None => teams.iter().map(|t| t.id.clone()).collect(),
    };
    let (rows, total) = c
        .store
        .portfolio(&PortfolioFilter {
            team_ids: team_ids.clone(),
            archived,
            tag: tag.clone(),
            limit,
        })
        .await?;
    if rows.iter().any(|r| r.stale) {
        spawn_refresh(c.clone());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.assessment_id.as_str()).collect();
    let trends = c.store.trends(&ids).await?;
    let all_team_ids: Vec<String> = teams.iter().map(|t| t.id.clone()).collect();
    let tags = c.store.tags_in(&all_team_ids).await?;
    Ok(Portfolio {
        rows,
        total,
        teams,
        tags,
        team: team.map(str::to_owned),
        status: status.to_owned(),
        tag,
        limit,
        trends,
        today: app::utc(now_ms())[..10].to_owned(),
    })
}

impl Portfolio {
    /// A team's name by id.
    pub fn team_name(&self, id: Option<&str>) -> String {
        id.and_then(|id| self.teams.iter().find(|t| t.id == id))
            .map(|t| t.name.clone())
            .unwrap_or_default()
    }

    /// The open checklist items due before today, by owner ("" for no owner), each with its
    /// review's name: owners sorted, items by due date.
    pub fn overdue_by_owner(&self) -> BTreeMap<String, Vec<(String, OpenItem)>> {
        let mut by: BTreeMap<String, Vec<(String, OpenItem)>> = BTreeMap::new();
        for r in &self.rows {
            for i in &r.open_items {
                if i.due_date
                    .as_deref()
                    .is_some_and(|d| d < self.today.as_str())
                {
                    by.entry(i.owner.clone())
                        .or_default()
                        .push((r.name.clone(), i.clone()));
                }
            }
        }
        for items in by.values_mut() {
            items.sort_by(|a, b| a.1.due_date.cmp(&b.1.due_date).then(a.0.cmp(&b.0)));
        }
        by
    }

    /// How many of a review's open checklist items are overdue.
    pub fn overdue(&self, r: &PortfolioRow) -> usize {
        r.open_items
            .iter()
            .filter(|i| {
                i.due_date
                    .as_deref()
                    .is_some_and(|d| d < self.today.as_str())
            })
            .count()
    }

    /// The area titles of the reviews shown, in the order they first appear: the heatmap's
    /// columns (reviews on different questionnaires share the areas whose titles match).
    pub fn area_titles(&self) -> Vec<String> {
        let mut titles: Vec<String> = Vec::new();
        for r in &self.rows {
            for a in &r.areas {
                if !titles.contains(&a.title) {
                    titles.push(a.title.clone());
                }
            }
        }
        titles
    }
}

/// A review's tags (readers).
pub async fn review_tags(c: &AppContext, id: &str) -> Result<Vec<String>, AppError> {
    c.assessment(id, Role::Viewer).await?;
    Ok(c.store.tags(id).await?)
}

/// Replaces a review's tags (editors): normalised, or refused naming the field.
pub async fn set_review_tags<S: AsRef<str>>(
    c: &AppContext,
    id: &str,
    tags: &[S],
) -> Result<Vec<String>, AppError> {
    c.assessment(id, Role::Editor).await?;
    let tags = store::normalise_tags(tags).map_err(|e| AppError::BadInput(format!("tags: {e}")))?;
    Ok(c.store.set_tags(id, &tags, now_ms()).await?)
}
