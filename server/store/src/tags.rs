//! A review's tags (`review_tags`), and the portfolio's reads: the summaries of the reviews of
//! some teams, filtered by status and tag, and the overall score of each milestone for the
//! trends. The reads never evaluate a review: they read what the writes stored (`summary.rs`).

use std::collections::HashMap;

use sqlx::FromRow;

use super::summary::{AreaScore, OpenItem, OpenRisk};
use super::{Missing, Store, StoreError};

/// The most tags one review carries.
pub const MAX_TAGS: usize = 20;

/// The longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 40;

/// Why tags were refused, in words (the field is named by the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TagError(pub String);

/// Tags as stored: each trimmed and lower case, blanks dropped, duplicates once, sorted. Refuses
/// a tag longer than [`MAX_TAG_CHARS`], one with a control character or a comma, and more than
/// [`MAX_TAGS`] tags.
pub fn normalise_tags<S: AsRef<str>>(tags: &[S]) -> Result<Vec<String>, TagError> {
    let mut out: Vec<String> = Vec::new();
    for raw in tags {
        let tag = raw.as_ref().trim().to_lowercase();
        if tag.is_empty() {
            continue;
        }
        let n = tag.chars().count();
        if n > MAX_TAG_CHARS {
            return Err(TagError(format!(
                "at most {MAX_TAG_CHARS} characters a tag; \u{201c}{}\u{2026}\u{201d} has {n}",
                tag.chars().take(20).collect::<String>()
            )));
        }
        if tag.chars().any(|c| c.is_control() || c == ',') {
            return Err(TagError(
                "a tag cannot hold a comma or a control character".to_owned(),
            ));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(TagError(format!(
            "at most {MAX_TAGS} tags a review; these are {}",
            out.len()
        )));
    }
    out.sort();
    Ok(out)
}

/// What the portfolio asks for.
#[derive(Debug, Clone, Default)]
pub struct PortfolioFilter {
    /// The teams whose reviews are shown (those the actor can see, or one of them).
    pub team_ids: Vec<String>,
    /// `Some(false)`: active reviews only; `Some(true)`: archived ones only; `None`: both.
    pub archived: Option<bool>,
    /// Only reviews with this tag.
    pub tag: Option<String>,
    /// At most this many rows.
    pub limit: u32,
}

/// A review's summary as the portfolio reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioRow {
    /// The review.
    pub assessment_id: String,
    /// Its team.
    pub team_id: Option<String>,
    /// Its name.
    pub name: String,
    /// Archived.
    pub archived: bool,
    /// Questionnaire title and version.
    pub lens: String,
    /// Overall score.
    pub overall: Option<f64>,
    /// Area scores.
    pub areas: Vec<AreaScore>,
    /// Verdict id.
    pub verdict_status: String,
    /// Verdict in words.
    pub verdict_label: String,
    /// Blockers in words.
    pub blockers: Vec<String>,
    /// Open high risks.
    pub high_open: i64,
    /// Open medium risks.
    pub medium_open: i64,
    /// The open high risks.
    pub risks: Vec<OpenRisk>,
    /// Open checklist items.
    pub checklist_open: i64,
    /// The open checklist items.
    pub open_items: Vec<OpenItem>,
    /// Tags.
    pub tags: Vec<String>,
    /// Not yet summarised at its latest revision.
    pub stale: bool,
    /// Last change, unix ms.
    pub updated_at: i64,
}

#[derive(FromRow)]
struct Row {
    assessment_id: String,
    team_id: Option<String>,
    name: String,
    archived: i64,
    lens: String,
    overall: Option<String>,
    areas: String,
    verdict_status: String,
    verdict_label: String,
    blockers: String,
    high_open: i64,
    medium_open: i64,
    risks: String,
    checklist_open: i64,
    open_items: String,
    tags: String,
    stale: i64,
    updated_at: i64,
}

const COLUMNS: &str = "assessment_id, team_id, name, archived, lens, overall, areas, verdict_status, \
     verdict_label, blockers, high_open, medium_open, risks, checklist_open, open_items, tags, stale, updated_at";

fn parse<T: serde::de::DeserializeOwned>(id: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("summary of {id}: {e}")))
}

impl TryFrom<Row> for PortfolioRow {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<PortfolioRow, StoreError> {
        let id = r.assessment_id.as_str();
        Ok(PortfolioRow {
            areas: parse(id, &r.areas)?,
            blockers: parse(id, &r.blockers)?,
            risks: parse(id, &r.risks)?,
            open_items: parse(id, &r.open_items)?,
            tags: parse(id, &r.tags)?,
            assessment_id: r.assessment_id,
            team_id: r.team_id,
            name: r.name,
            archived: r.archived != 0,
            lens: r.lens,
            overall: r.overall.and_then(|x| x.parse().ok()),
            verdict_status: r.verdict_status,
            verdict_label: r.verdict_label,
            high_open: r.high_open,
            medium_open: r.medium_open,
            checklist_open: r.checklist_open,
            stale: r.stale != 0,
            updated_at: r.updated_at,
        })
    }
}

/// A milestone's overall score, for a trend.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// The milestone's name.
    pub name: String,
    /// When it was saved, unix ms.
    pub created_at: i64,
    /// Its overall score then.
    pub overall: Option<f64>,
}

impl Store {
    /// A review's tags, sorted.
    pub async fn tags(&self, assessment_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar::<_, String>(
            "SELECT tag FROM review_tags WHERE assessment_id = $1 ORDER BY tag",
        )
        .bind(assessment_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Replaces a review's tags (already normalised) and its summary, in one transaction. The
    /// review's `updated_at` does not move: tags say how a review is filed, not what it says.
    pub async fn set_tags(
        &self,
        assessment_id: &str,
        tags: &[String],
        now: i64,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let found = sqlx::query("UPDATE assessments SET revision = revision + 1 WHERE id = $1")
            .bind(assessment_id)
            .execute(&mut *tx)
            .await?;
        if found.rows_affected() == 0 {
            return Err(StoreError::NotFound(Missing::Review));
        }
        sqlx::query("DELETE FROM review_tags WHERE assessment_id = $1")
            .bind(assessment_id)
            .execute(&mut *tx)
            .await?;
        for tag in tags {
            sqlx::query("INSERT INTO review_tags (assessment_id, tag) VALUES ($1, $2)")
                .bind(assessment_id)
                .bind(tag)
                .execute(&mut *tx)
                .await?;
        }
        self.refresh_in(&mut tx, assessment_id, now).await?;
        tx.commit().await?;
        self.committed(assessment_id);
        self.tags(assessment_id).await
    }

    /// The tags of each of these reviews (one page of a list), sorted, by review id; a review
    /// without tags is absent.
    pub async fn tags_of_page(
        &self,
        assessment_ids: &[&str],
    ) -> Result<HashMap<String, Vec<String>>, StoreError> {
        let mut by_review: HashMap<String, Vec<String>> = HashMap::new();
        for ids in assessment_ids.chunks(500) {
            let places: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT assessment_id, tag FROM review_tags WHERE assessment_id IN ({}) \
                 ORDER BY assessment_id, tag",
                places.join(", ")
            );
            let mut query = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
            for id in ids {
                query = query.bind(*id);
            }
            for (id, tag) in query.fetch_all(&self.pool).await? {
                by_review.entry(id).or_default().push(tag);
            }
        }
        Ok(by_review)
    }

    /// The tags used on the reviews of these teams, sorted (for the portfolio's filter).
    pub async fn tags_in(&self, team_ids: &[String]) -> Result<Vec<String>, StoreError> {
        if team_ids.is_empty() {
            return Ok(Vec::new());
        }
        let places: Vec<String> = (1..=team_ids.len()).map(|i| format!("${i}")).collect();
        // Each distinct tag (few, read from the tag index) kept when one review of these teams
        // has it: a join of every tagged review to its team would read them all.
        let sql = format!(
            "SELECT d.tag FROM (SELECT DISTINCT tag FROM review_tags) d WHERE EXISTS \
             (SELECT 1 FROM review_tags t JOIN assessments a ON a.id = t.assessment_id \
              WHERE t.tag = d.tag AND a.team_id IN ({})) ORDER BY d.tag LIMIT 500",
            places.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
        for t in team_ids {
            query = query.bind(t);
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    /// The summaries the portfolio shows, most recently changed first, at most `limit`, and
    /// how many match in all.
    pub async fn portfolio(
        &self,
        filter: &PortfolioFilter,
    ) -> Result<(Vec<PortfolioRow>, i64), StoreError> {
        if filter.team_ids.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let mut binds: Vec<String> = filter.team_ids.clone();
        let places: Vec<String> = (1..=binds.len()).map(|i| format!("${i}")).collect();
        let mut conditions = vec![format!("s.team_id IN ({})", places.join(", "))];
        match filter.archived {
            Some(true) => conditions.push("s.archived = 1".to_owned()),
            Some(false) => conditions.push("s.archived = 0".to_owned()),
            None => {}
        }
        if let Some(tag) = &filter.tag {
            binds.push(tag.clone());
            conditions.push(format!(
                "s.assessment_id IN (SELECT t.assessment_id FROM review_tags t WHERE t.tag = ${})",
                binds.len()
            ));
        }
        let filter_sql = conditions.join(" AND ");
        let count_sql = format!("SELECT COUNT(*) FROM review_summaries s WHERE {filter_sql}");
        let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
        for b in &binds {
            count = count.bind(b);
        }
        let total = count.fetch_one(&self.pool).await?;
        let sql = format!(
            "SELECT {} FROM review_summaries s WHERE {filter_sql} \
             ORDER BY s.updated_at DESC, s.assessment_id DESC LIMIT {}",
            COLUMNS
                .split(", ")
                .map(|c| format!("s.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
            filter.limit
        );
        let mut query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            query = query.bind(b);
        }
        let rows = query
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(PortfolioRow::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((rows, total))
    }

    /// The milestones' overall scores of each of these reviews, oldest first, by review id.
    pub async fn trends(
        &self,
        assessment_ids: &[&str],
    ) -> Result<HashMap<String, Vec<Trend>>, StoreError> {
        #[derive(FromRow)]
        struct TrendRow {
            assessment_id: String,
            name: String,
            created_at: i64,
            overall: Option<String>,
        }
        let mut out: HashMap<String, Vec<Trend>> = HashMap::new();
        for ids in assessment_ids.chunks(100) {
            let places: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT assessment_id, name, created_at, overall FROM milestone_scores \
                 WHERE assessment_id IN ({}) ORDER BY created_at, milestone_id",
                places.join(", ")
            );
            let mut query = sqlx::query_as::<_, TrendRow>(sqlx::AssertSqlSafe(sql));
            for id in ids {
                query = query.bind(*id);
            }
            for r in query.fetch_all(&self.pool).await? {
                out.entry(r.assessment_id).or_default().push(Trend {
                    name: r.name,
                    created_at: r.created_at,
                    overall: r.overall.and_then(|x| x.parse().ok()),
                });
            }
        }
        Ok(out)
    }
}
