//! The per-review summary the portfolio reads (`review_summaries`), and the tags of a review
//! (`review_tags`).
//!
//! Every write that changes what a summary says calls [`refresh`] inside its own transaction,
//! on the pool or on SQLite's writer thread alike (through [`AnswerSql`]): it reads the review
//! as the transaction sees it, asks the installed [`Summarizer`] (the server's, which runs the
//! engine) for its scores, verdict and open items, and writes the row. So a summary is never
//! ahead of or behind the change it describes, and a write that fails leaves the old one. The
//! store itself knows no questionnaire: with no summarizer installed (the store's own tests, the
//! CLI), or when the summarizer cannot summarise the review yet (an imported lens it has not
//! parsed), the row is written with what needs no engine (name, team, status, tags) and marked
//! `stale`; the server summarises stale rows in the background ([`Store::stale_summaries`],
//! [`Store::write_summary`]).
//!
//! The stored row is also what the risk and blocker webhooks compare with: [`refresh`] reads it
//! before writing the new one and, when the open risks (high and medium, by question and level)
//! or the verdict's blockers differ, writes the events the summarizer makes of the difference
//! ([`Summarizer::events`]) to the outbox in the same transaction, so the review is evaluated
//! once per write and a write that rolls back raises nothing. A stale row (or none) says nothing
//! of before: that write raises no risk or blocker events.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::answers::sql::{AnswerSql, Arg, Pooled, stored};
use super::{Store, StoreError, StoredAnswer};

/// What a summary is computed from: a review as one transaction sees it.
#[derive(Debug, Clone)]
pub struct SummaryInput {
    /// The review.
    pub assessment_id: String,
    /// Its name.
    pub name: String,
    /// Its questionnaire (built-in or lens) id and content hash.
    pub questionnaire_id: String,
    /// The content hash of its questionnaire.
    pub questionnaire_hash: String,
    /// Its answers.
    pub answers: Vec<StoredAnswer>,
    /// The team state of its checklist items: item id → (status, owner, due date).
    pub checklist: BTreeMap<String, (String, String, Option<String>)>,
    /// Its accepted risks: question id → level accepted (`high` or `medium`).
    pub acceptances: BTreeMap<String, String>,
}

/// An area's score in a summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaScore {
    /// Area id.
    pub id: String,
    /// Area title.
    pub title: String,
    /// Score 0–100, `None` while nothing in it is answered.
    pub score: Option<f64>,
}

/// An open high risk in a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRisk {
    /// The risk's title.
    pub title: String,
    /// The title of its area.
    pub area: String,
}

/// A risk open in a review (high or medium, no acceptance covering it): what the risk events
/// compare before and after a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskEntry {
    /// The risk's id: its question's id.
    pub id: String,
    /// The risk's title (the problem).
    pub title: String,
    /// `high` or `medium`.
    pub level: String,
    /// The title of its area.
    pub area: String,
}

/// What changed in a review's open risks and blockers with one write: the summary stored
/// before it against the one written with it (see [`Summarizer::events`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryChange {
    /// The review.
    pub assessment_id: String,
    /// Its name.
    pub name: String,
    /// Its team (only a team's reviews have hooks).
    pub team_id: String,
    /// Risks open now that were not (a risk whose level changed is closed at the old level and
    /// opened at the new one).
    pub opened: Vec<RiskEntry>,
    /// Risks open before that are not now.
    pub closed: Vec<RiskEntry>,
    /// The verdict's blockers before and after, when they differ.
    pub blockers: Option<(Vec<String>, Vec<String>)>,
}

/// An open checklist item in a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenItem {
    /// The item's title.
    pub title: String,
    /// Who owns it (empty: nobody yet).
    pub owner: String,
    /// Its due date, `YYYY-MM-DD`.
    pub due_date: Option<String>,
}

/// What the engine says of a review, for its summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluated {
    /// The questionnaire's title and version.
    pub lens: String,
    /// Overall score 0–100.
    pub overall: Option<f64>,
    /// Each area's score, in the questionnaire's order.
    pub areas: Vec<AreaScore>,
    /// The verdict's id (`fits`, `fits_with_blockers`, …).
    pub verdict_status: String,
    /// The verdict in words.
    pub verdict_label: String,
    /// What blocks the verdict, in words.
    pub blockers: Vec<String>,
    /// High risks no acceptance covers.
    pub high_open: i64,
    /// Medium risks no acceptance covers.
    pub medium_open: i64,
    /// The open high risks.
    pub risks: Vec<OpenRisk>,
    /// Checklist items still to do.
    pub open_items: Vec<OpenItem>,
    /// Every open risk, high and medium, in the engine's order.
    pub open_risks: Vec<RiskEntry>,
}

/// Summarises a review: the server's engine, installed once with [`install_summarizer`].
pub trait Summarizer: Send + Sync {
    /// The summary of a review; `None` when it cannot be made now (its questionnaire is not at
    /// hand): the row is then marked stale.
    fn summarize(&self, input: &SummaryInput) -> Option<Evaluated>;

    /// The outbox events of a change to a review's open risks or blockers, written in the
    /// transaction of the write that made it. None by default.
    fn events(&self, change: &SummaryChange, now: i64) -> Vec<crate::OutboxEvent> {
        let _ = (change, now);
        Vec::new()
    }
}

static SUMMARIZER: OnceLock<Arc<dyn Summarizer>> = OnceLock::new();

/// Installs the summarizer every write of this process uses (the first one installed stays).
pub fn install_summarizer(s: Arc<dyn Summarizer>) {
    let _ = SUMMARIZER.set(s);
}

/// Reads a review as the transaction sees it: `None` when it does not exist.
async fn input<S: AnswerSql + ?Sized>(
    sql: &mut S,
    id: &str,
) -> Result<Option<SummaryInput>, StoreError> {
    let head = sql
        .texts(
            "SELECT name, questionnaire_id, questionnaire_hash FROM assessments WHERE id = $1",
            &[Arg::Text(id)],
            3,
        )
        .await?;
    let Some(mut head) = head.into_iter().next() else {
        return Ok(None);
    };
    let mut take = |i: usize| head.get_mut(i).and_then(Option::take).unwrap_or_default();
    let (name, questionnaire_id, questionnaire_hash) = (take(0), take(1), take(2));
    let answers = sql
        .rows(id)
        .await?
        .values()
        .map(stored)
        .collect::<Result<Vec<_>, _>>()?;
    let checklist = sql
        .texts(
            "SELECT item_id, status, owner, due_date FROM checklist_items WHERE assessment_id = $1",
            &[Arg::Text(id)],
            4,
        )
        .await?
        .into_iter()
        .map(|mut r| {
            let mut t = |i: usize| r.get_mut(i).and_then(Option::take);
            (
                t(0).unwrap_or_default(),
                (t(1).unwrap_or_default(), t(2).unwrap_or_default(), t(3)),
            )
        })
        .collect();
    let acceptances = sql
        .texts(
            "SELECT question_id, level FROM risk_acceptances WHERE assessment_id = $1",
            &[Arg::Text(id)],
            2,
        )
        .await?
        .into_iter()
        .map(|mut r| {
            let mut t = |i: usize| r.get_mut(i).and_then(Option::take).unwrap_or_default();
            (t(0), t(1))
        })
        .collect();
    Ok(Some(SummaryInput {
        assessment_id: id.to_owned(),
        name,
        questionnaire_id,
        questionnaire_hash,
        answers,
        checklist,
        acceptances,
    }))
}

fn json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Writes the summary of review `id` in the caller's transaction (see the module documentation).
pub(crate) async fn refresh<S: AnswerSql + ?Sized>(
    sql: &mut S,
    id: &str,
    now: i64,
) -> Result<(), StoreError> {
    let Some(input) = input(sql, id).await? else {
        return Ok(());
    };
    let tags = sql
        .texts(
            "SELECT tag FROM review_tags WHERE assessment_id = $1 ORDER BY tag",
            &[Arg::Text(id)],
            1,
        )
        .await?
        .into_iter()
        .filter_map(|mut r| r.pop().flatten())
        .collect::<Vec<_>>();
    let tags = json(&tags)?;
    // What the summary said before this write: the writes ran `UPDATE assessments` first, so on
    // Postgres the review's row is locked and this read sees the last committed summary.
    let before = before(sql, id).await?;
    // Name, team, status and tags need no engine: written whether or not it can summarise.
    sql.execute(
        "INSERT INTO review_summaries (assessment_id, team_id, name, archived, tags, revision, stale, updated_at) \
         SELECT id, team_id, name, CASE WHEN archived_at IS NULL THEN 0 ELSE 1 END, $2, revision, 1, updated_at \
         FROM assessments WHERE id = $1 \
         ON CONFLICT (assessment_id) DO UPDATE SET team_id = excluded.team_id, name = excluded.name, \
         archived = excluded.archived, tags = excluded.tags, revision = excluded.revision, \
         updated_at = excluded.updated_at, stale = 1",
        &[Arg::Text(id), Arg::Text(&tags)],
    )
    .await?;
    let Some(summarizer) = SUMMARIZER.get() else {
        return Ok(());
    };
    let Some(e) = summarizer.summarize(&input) else {
        return Ok(());
    };
    write_evaluated(sql, id, &e, None).await?;
    if let Some((team_id, blockers, risks)) = before
        && let Some(change) = change(&input, team_id, blockers, risks, &e)
    {
        let events = summarizer.events(&change, now);
        crate::webhooks::enqueue_on(sql, &events, now).await?;
    }
    Ok(())
}

/// The team, blockers and open risks the stored summary of review `id` gives, when it has one
/// the engine wrote (not stale) and the review is a team's: what a write compares with.
async fn before<S: AnswerSql + ?Sized>(
    sql: &mut S,
    id: &str,
) -> Result<Option<(String, Vec<String>, Vec<RiskEntry>)>, StoreError> {
    let row = sql
        .texts(
            "SELECT team_id, blockers, open_risks FROM review_summaries \
             WHERE assessment_id = $1 AND stale = 0 AND team_id IS NOT NULL",
            &[Arg::Text(id)],
            3,
        )
        .await?;
    let Some(mut row) = row.into_iter().next() else {
        return Ok(None);
    };
    let mut take = |i: usize| row.get_mut(i).and_then(Option::take).unwrap_or_default();
    let (team, blockers, risks) = (take(0), take(1), take(2));
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    Ok(Some((
        team,
        serde_json::from_str(&blockers).map_err(corrupt)?,
        serde_json::from_str(&risks).map_err(corrupt)?,
    )))
}

/// What changed between the stored summary and the one just computed, if anything did.
fn change(
    input: &SummaryInput,
    team_id: String,
    blockers: Vec<String>,
    risks: Vec<RiskEntry>,
    after: &Evaluated,
) -> Option<SummaryChange> {
    let same = |a: &RiskEntry, b: &RiskEntry| a.id == b.id && a.level == b.level;
    let opened: Vec<RiskEntry> = after
        .open_risks
        .iter()
        .filter(|r| !risks.iter().any(|b| same(b, r)))
        .cloned()
        .collect();
    let closed: Vec<RiskEntry> = risks
        .iter()
        .filter(|b| !after.open_risks.iter().any(|r| same(b, r)))
        .cloned()
        .collect();
    let blockers = (blockers != after.blockers).then(|| (blockers, after.blockers.clone()));
    if opened.is_empty() && closed.is_empty() && blockers.is_none() {
        return None;
    }
    Some(SummaryChange {
        assessment_id: input.assessment_id.clone(),
        name: input.name.clone(),
        team_id,
        opened,
        closed,
        blockers,
    })
}

/// Writes what the engine said of review `id`, and clears its stale mark; with `at_revision`,
/// only if the review is still at that revision (the background refresh, which read it outside
/// any write). Whether a row was written.
async fn write_evaluated<S: AnswerSql + ?Sized>(
    sql: &mut S,
    id: &str,
    e: &Evaluated,
    at_revision: Option<i64>,
) -> Result<bool, StoreError> {
    let (areas, blockers, risks, items, open_risks) = (
        json(&e.areas)?,
        json(&e.blockers)?,
        json(&e.risks)?,
        json(&e.open_items)?,
        json(&e.open_risks)?,
    );
    let overall = e.overall.map(|x| x.to_string());
    let open = i64::try_from(e.open_items.len()).unwrap_or(i64::MAX);
    let args = [
        Arg::Text(&e.lens),
        Arg::MaybeText(overall.as_deref()),
        Arg::Text(&areas),
        Arg::Text(&e.verdict_status),
        Arg::Text(&e.verdict_label),
        Arg::Text(&blockers),
        Arg::Int(e.high_open),
        Arg::Int(e.medium_open),
        Arg::Text(&risks),
        Arg::Int(open),
        Arg::Text(&items),
        Arg::Text(id),
        Arg::Int(at_revision.unwrap_or(-1)),
        Arg::Text(&open_risks),
    ];
    let written = sql
        .execute(
            "UPDATE review_summaries SET lens = $1, overall = $2, areas = $3, \
             verdict_status = $4, verdict_label = $5, blockers = $6, high_open = $7, medium_open = $8, \
             risks = $9, checklist_open = $10, open_items = $11, open_risks = $14, stale = 0 \
             WHERE assessment_id = $12 AND (CAST($13 AS BIGINT) < 0 OR revision = CAST($13 AS BIGINT))",
            &args,
        )
        .await?;
    Ok(written == 1)
}

impl Store {
    /// Up to `limit` reviews whose summary is stale, with their revision then.
    pub async fn stale_summaries(&self, limit: i64) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as::<_, (String, i64)>(
            "SELECT assessment_id, revision FROM review_summaries WHERE stale = 1 ORDER BY assessment_id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A review as its summary is computed from (outside any write).
    pub async fn summary_input(&self, id: &str) -> Result<Option<SummaryInput>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        input(&mut Pooled(&mut conn), id).await
    }

    /// Writes the summary of a stale review, if it is still at `revision` (a write since has
    /// written its own). Whether it was written.
    pub async fn write_summary(
        &self,
        id: &str,
        revision: i64,
        e: &Evaluated,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let written = write_evaluated(&mut Pooled(&mut tx), id, e, Some(revision)).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Writes the summary of review `id` in a transaction of its own (after a write that did
    /// not, such as a tag change, which calls it in its own).
    pub(crate) async fn refresh_in(
        &self,
        tx: &mut super::writer::WriteTx,
        id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        refresh(&mut Pooled(tx), id, now).await
    }
}
