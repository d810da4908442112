//! Keyset pages of the assessments a user can see, optionally narrowed by a full-text search:
//! one SQL statement a page, whatever the number of assessments.
//!
//! Without a search, each of the user's teams is walked on its own index (team, time, id) for
//! at most one page, and those few rows are merged: reading a page costs the same with ten
//! assessments or a million. A search starts from the full-text index (SQLite FTS5, Postgres
//! `tsvector` + GIN), so its cost follows the number of matches.

use super::assessments::ASSESSMENT_COLUMNS;
use super::{Assessment, Backend, Store, StoreError};

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

impl Store {
    /// One page of the assessments of the teams a user belongs to (or of one of them), in
    /// `page.order`, after `page.after`: at most `page.limit` of them, and whether more follow.
    pub async fn assessments_page(
        &self,
        page: &PageQuery<'_>,
    ) -> Result<(Vec<Assessment>, bool), StoreError> {
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
        let terms = search_terms(page.search);
        let searching = !terms.is_empty();
        if searching {
            conditions.push(match self.backend {
                Backend::Sqlite => format!(
                    "b.rowid IN (SELECT rowid FROM assessments_fts WHERE assessments_fts MATCH {})",
                    place(&mut args, Arg::Owned(fts5_query(&terms)))
                ),
                Backend::Postgres => format!(
                    "b.search @@ to_tsquery('simple', {})",
                    place(&mut args, Arg::Owned(tsquery(&terms)))
                ),
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
        let sql = match (self.backend, searching) {
            // Each team's page from its index, merged (SQLite has no LATERAL: a correlated
            // subquery per membership does the same).
            (Backend::Sqlite, false) => format!(
                "SELECT {} FROM memberships m JOIN assessments a ON a.rowid IN \
                 (SELECT b.rowid FROM assessments b WHERE b.team_id = m.team_id{filter} {} LIMIT {limit}) \
                 WHERE {members} {} LIMIT {limit}",
                columns("a"),
                order("b"),
                order("a"),
            ),
            // The matches from the full-text index, kept to the user's teams, then ordered.
            (Backend::Sqlite, true) => format!(
                "SELECT {} FROM assessments b WHERE b.team_id IN \
                 (SELECT m.team_id FROM memberships m WHERE {members}){filter} {} LIMIT {limit}",
                columns("b"),
                order("b"),
            ),
            // Postgres picks the team index or the search index for each team's page itself.
            (Backend::Postgres, _) => format!(
                "SELECT {} FROM memberships m CROSS JOIN LATERAL \
                 (SELECT {} FROM assessments b WHERE b.team_id = m.team_id{filter} {} LIMIT {limit}) a \
                 WHERE {members} {} LIMIT {limit}",
                columns("a"),
                columns("b"),
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
}
