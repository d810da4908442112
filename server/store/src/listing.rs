//! Keyset pages of the assessments a user can see, optionally narrowed by a full-text search,
//! and the answers of the reviews a page shows: a page costs the same few statements with ten
//! assessments or a million.
//!
//! Without a search, each of the user's teams is walked on its own index (team, time, id) for
//! at most one page, and those few rows are merged. A search first asks how many assessments
//! its words match ([`Store::search_route`]), then finds its page one of two ways:
//!
//! - [`SearchRoute::Text`], for a term with few matches: every match from the full-text index
//!   (SQLite FTS5, Postgres `tsvector` + GIN), kept to the user's teams, then sorted. Its cost
//!   follows the number of matches, so a rare word or a typo costs next to nothing.
//! - [`SearchRoute::Walk`], for a term with many: the list's own walk, each row checked against
//!   the term, stopping at the page. Its cost follows the rows walked to fill a page, about the
//!   list's size over the matches: the more a term matches, the sooner the walk stops, where
//!   sorting every match would cost more and more.
//!
//! Both routes return the same rows in the same order; only their cost differs.

use std::collections::HashMap;

use sqlx::FromRow;

use super::answers::{ANSWER_COLUMNS, AnswerRow, decode_answer};
use super::assessments::ASSESSMENT_COLUMNS;
use super::{Assessment, Backend, Store, StoreError, StoredAnswer};

/// The order a list walks, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Most recently changed first (`updated_at`): the home page.
    Updated,
    /// Most recently created first (`created_at`): the REST API, stable while assessments change.
    Created,
}

impl Order {
    fn column(self) -> &'static str {
        match self {
            Order::Updated => "updated_at",
            Order::Created => "created_at",
        }
    }
}

/// A place in a list: the last item of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// Its time in the list's [`Order`], unix ms.
    pub at: i64,
    /// Its id, which breaks ties.
    pub id: String,
}

/// What a page of assessments asks for.
#[derive(Debug, Clone, Copy)]
pub struct PageQuery<'a> {
    /// Whose teams.
    pub user_id: &'a str,
    /// Only this one of them.
    pub team_id: Option<&'a str>,
    /// Archived assessments too.
    pub include_archived: bool,
    /// Search text: every word must start a word of the name or description (case ignored).
    /// Blank, or only punctuation: no search.
    pub search: &'a str,
    /// The order.
    pub order: Order,
    /// Start after this item.
    pub after: Option<&'a Position>,
    /// At most this many.
    pub limit: u32,
}

/// The most words a search uses; more are ignored.
const MAX_TERMS: usize = 16;
/// The longest word a search uses, in characters; the rest of a longer one is ignored.
const MAX_TERM: usize = 64;

/// The words of a search, lower case: the runs of letters and digits, as both databases split
/// text. Anything else (quotes, `*`, operators) only separates words, so no text is a syntax error.
pub fn search_terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_TERMS)
        .map(|w| w.chars().take(MAX_TERM).collect::<String>().to_lowercase())
        .collect()
}

/// The terms as an FTS5 query: each one quoted, as a prefix, all required.
fn fts5_query(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"*", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The terms as a Postgres `to_tsquery` text: each one quoted, as a prefix, all required.
fn tsquery(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("'{}':*", t.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// How a search finds its page (see the module docs): both give the same rows in the same order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchRoute {
    /// Every match from the full-text index, then sorted: for a term with few matches.
    Text,
    /// The list's walk, each row checked against the term, up to the page: for a term with many.
    Walk,
}

/// From this many matches a SQLite search walks. Counting them in FTS5 costs little (about
/// 0.1 µs a match, measured at 100,000 assessments); a match sorted costs about 1.4 µs (its row
/// read from the table), a row walked about 0.15 µs (an index entry checked against the
/// matches), and a page of 25 walks about 25 × rows / matches rows: so the routes cost the same
/// near 500 matches in 100,000 assessments (about 0.7 ms), and more matches walk ever less.
const SQLITE_WALK_FROM: i64 = 500;

/// From this many matches (as the planner estimates them) a Postgres search walks. There a
/// match sorted (2 to 3 µs) and a row walked (about 1 µs) both read a row from the heap: at
/// 100,000 assessments a term of 943 matches costs 1.5 ms sorted and 3.3 ms walked, one of 1,852
/// costs 5.7 ms sorted and 1.2 ms walked. The planner's estimate is off by a tenth or so.
const POSTGRES_WALK_FROM: i64 = 1_300;

/// Reviews whose answers one statement reads at most: a page is 25 (the REST API's 100).
const ANSWERS_BATCH: usize = 100;

/// A value to bind, in placeholder order.
enum Arg<'a> {
    Text(&'a str),
    Owned(String),
    Int(i64),
}

/// Adds a value to bind and returns its placeholder.
fn place<'a>(args: &mut Vec<Arg<'a>>, arg: Arg<'a>) -> String {
    args.push(arg);
    format!("${}", args.len())
}

/// An answer with the assessment it belongs to.
#[derive(FromRow)]
struct PageAnswerRow {
    assessment_id: String,
    #[sqlx(flatten)]
    answer: AnswerRow,
}

impl Store {
    /// How a search for `search` would find its page, from how many assessments its words
    /// match; `None` when it is no search (no words). On SQLite the matches are counted in the
    /// full-text index, up to the point where the walk wins; on Postgres, where counting them
    /// reads every match from the heap, the planner's estimate (from the column's statistics)
    /// stands in for the count. Either only picks the cheaper route, never the rows.
    pub async fn search_route(&self, search: &str) -> Result<Option<SearchRoute>, StoreError> {
        let terms = search_terms(search);
        if terms.is_empty() {
            return Ok(None);
        }
        let walk = match self.backend {
            Backend::Sqlite => {
                let matches: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM (SELECT 1 FROM assessments_fts \
                     WHERE assessments_fts MATCH $1 LIMIT $2)",
                )
                .bind(fts5_query(&terms))
                .bind(SQLITE_WALK_FROM)
                .fetch_one(&self.pool)
                .await?;
                matches >= SQLITE_WALK_FROM
            }
            Backend::Postgres => {
                // The plan's first line ends "(cost=… rows=N width=…)".
                let plan: String = sqlx::query_scalar(
                    "EXPLAIN SELECT 1 FROM assessments WHERE search @@ to_tsquery('simple', $1)",
                )
                .bind(tsquery(&terms))
                .fetch_one(&self.pool)
                .await?;
                estimated_rows(&plan).is_some_and(|rows| rows >= POSTGRES_WALK_FROM)
            }
        };
        Ok(Some(if walk {
            SearchRoute::Walk
        } else {
            SearchRoute::Text
        }))
    }

    /// One page of the assessments of the teams a user belongs to (or of one of them), in
    /// `page.order`, after `page.after`: at most `page.limit` of them, and whether more follow.
    pub async fn assessments_page(
        &self,
        page: &PageQuery<'_>,
    ) -> Result<(Vec<Assessment>, bool), StoreError> {
        let route = self.search_route(page.search).await?;
        let terms = search_terms(page.search);
        let col = page.order.column();
        let mut args = vec![Arg::Text(page.user_id)];
        let members = match page.team_id {
            Some(t) => format!(
                "m.user_id = $1 AND m.team_id = {}",
                place(&mut args, Arg::Text(t))
            ),
            None => "m.user_id = $1".to_owned(),
        };
        let limit = place(&mut args, Arg::Int(i64::from(page.limit) + 1));
        let mut conditions = Vec::new();
        if !page.include_archived {
            conditions.push("b.archived_at IS NULL".to_owned());
        }
        if let Some(p) = page.after {
            let at = place(&mut args, Arg::Int(p.at));
            let id = place(&mut args, Arg::Text(&p.id));
            conditions.push(format!("(b.{col}, b.id) < ({at}, {id})"));
        }
        let term = match self.backend {
            Backend::Sqlite => fts5_query(&terms),
            Backend::Postgres => tsquery(&terms),
        };
        if route == Some(SearchRoute::Walk) {
            let term = place(&mut args, Arg::Owned(term.clone()));
            conditions.push(match self.backend {
                // `+`: the row is found by the walk, never looked up from the matches.
                Backend::Sqlite => format!(
                    "+b.rowid IN (SELECT rowid FROM assessments_fts WHERE assessments_fts MATCH {term})"
                ),
                // `IS TRUE`: checked on the row walked, never answered from the GIN index.
                Backend::Postgres => {
                    format!("(b.search @@ to_tsquery('simple', {term})) IS TRUE")
                }
            });
        }
        let filter: String = conditions.iter().map(|c| format!(" AND {c}")).collect();
        let order = |alias: &str| format!("ORDER BY {alias}.{col} DESC, {alias}.id DESC");
        let columns = |alias: &str| {
            ASSESSMENT_COLUMNS
                .split(", ")
                .map(|c| format!("{alias}.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sql = match (self.backend, route) {
            // Each team's page from its index, merged (SQLite has no LATERAL: a correlated
            // subquery per membership does the same). A walking search checks each row there.
            (Backend::Sqlite, None | Some(SearchRoute::Walk)) => format!(
                "SELECT {} FROM memberships m JOIN assessments a ON a.rowid IN \
                 (SELECT b.rowid FROM assessments b WHERE b.team_id = m.team_id{filter} {} LIMIT {limit}) \
                 WHERE {members} {} LIMIT {limit}",
                columns("a"),
                order("b"),
                order("a"),
            ),
            (Backend::Postgres, None | Some(SearchRoute::Walk)) => format!(
                "SELECT {} FROM memberships m CROSS JOIN LATERAL \
                 (SELECT {} FROM assessments b WHERE b.team_id = m.team_id{filter} {} LIMIT {limit}) a \
                 WHERE {members} {} LIMIT {limit}",
                columns("a"),
                columns("b"),
                order("b"),
                order("a"),
            ),
            // The matches from the full-text index, kept to the user's teams, then ordered.
            (Backend::Sqlite, Some(SearchRoute::Text)) => format!(
                "SELECT {} FROM assessments b WHERE b.rowid IN \
                 (SELECT rowid FROM assessments_fts WHERE assessments_fts MATCH {}) \
                 AND +b.team_id IN (SELECT m.team_id FROM memberships m WHERE {members}){filter} \
                 {} LIMIT {limit}",
                columns("b"),
                place(&mut args, Arg::Owned(term)),
                order("b"),
            ),
            // MATERIALIZED: the matches come from the GIN index whatever plan is cached for this
            // statement, never from a walk of the team's index; only what the page's choice
            // needs is kept of them, and the page's rows are read again whole.
            (Backend::Postgres, Some(SearchRoute::Text)) => format!(
                "WITH hits AS MATERIALIZED (SELECT b.id, b.team_id, b.archived_at, b.{col} \
                 FROM assessments b WHERE b.search @@ to_tsquery('simple', {})) \
                 SELECT {} FROM assessments a WHERE a.id IN (SELECT b.id FROM hits b \
                 WHERE b.team_id IN (SELECT m.team_id FROM memberships m WHERE {members}){filter} \
                 {} LIMIT {limit}) {}",
                place(&mut args, Arg::Owned(term)),
                columns("a"),
                order("b"),
                order("a"),
            ),
        };
        let mut query = sqlx::query_as::<_, Assessment>(sqlx::AssertSqlSafe(sql));
        for arg in args {
            query = match arg {
                Arg::Text(t) => query.bind(t),
                Arg::Owned(t) => query.bind(t),
                Arg::Int(i) => query.bind(i),
            };
        }
        let mut rows = query.fetch_all(&self.pool).await?;
        let more = rows.len() > page.limit as usize;
        rows.truncate(page.limit as usize);
        Ok((rows, more))
    }

    /// Every answer of each of these assessments (a page of the list), by assessment id, in
    /// question id order: one statement a page rather than one a review.
    pub async fn answers_of_page(
        &self,
        assessment_ids: &[&str],
    ) -> Result<HashMap<String, Vec<StoredAnswer>>, StoreError> {
        let mut by_assessment: HashMap<String, Vec<StoredAnswer>> = HashMap::new();
        for ids in assessment_ids.chunks(ANSWERS_BATCH) {
            let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT assessment_id, {ANSWER_COLUMNS} FROM answers WHERE assessment_id IN ({}) \
                 ORDER BY assessment_id, question_id",
                placeholders.join(", ")
            );
            let mut query = sqlx::query_as::<_, PageAnswerRow>(sqlx::AssertSqlSafe(sql));
            for id in ids {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.pool).await? {
                by_assessment
                    .entry(row.assessment_id)
                    .or_default()
                    .push(decode_answer(row.answer)?);
            }
        }
        Ok(by_assessment)
    }
}

/// The row count Postgres estimates on the first line of a plan in text form.
fn estimated_rows(plan: &str) -> Option<i64> {
    let (_, after) = plan.split_once(" rows=")?;
    after.split(' ').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_words_whatever_the_punctuation() {
        assert_eq!(search_terms("Pay API"), ["pay", "api"]);
        assert_eq!(
            search_terms("\"a*\" OR b' -c NEAR(d) ^e:f"),
            ["a", "or", "b", "c", "near", "d", "e", "f"]
        );
        assert!(search_terms("  *\"'() ").is_empty());
        assert_eq!(search_terms("Über-Zähler"), ["über", "zähler"]);
        assert_eq!(search_terms(&"x ".repeat(100)).len(), MAX_TERMS);
        let terms = search_terms("Pay API");
        assert_eq!(fts5_query(&terms), "\"pay\"* \"api\"*");
        assert_eq!(tsquery(&terms), "'pay':* & 'api':*");
    }

    #[test]
    fn the_estimate_is_read_from_the_plans_first_line() {
        let plan = "Bitmap Heap Scan on assessments  (cost=779.11..2085.83 rows=402 width=4)";
        assert_eq!(estimated_rows(plan), Some(402));
        assert_eq!(
            estimated_rows("Seq Scan on assessments  (cost=0.00..1.01 rows=1 width=4)"),
            Some(1)
        );
        assert_eq!(estimated_rows("something else"), None);
    }
}
