//! The statements of answer writes, written once for the two places a write runs: a transaction
//! of the sqlx pool (Postgres; SQLite in memory) and SQLite's writer thread (`writer/group.rs`).
//! On the thread the statements run at once, on its own connection, so the async code over
//! them (saving a form, the REST API's batches) finishes in one poll there (`run_ready`): the
//! logic of a save is the same code on both databases.
//!
//! A write reads the answers it works on once, as rows whose values are still JSON text (the
//! writer thread runs one job at a time: it decodes only the answers it compares), and applies
//! each of its writes to those rows as the statement applies it to the table. On the writer
//! thread, where nothing else writes meanwhile, those rows are then the answers after the
//! write, without a second read; elsewhere they are read again.

use std::collections::BTreeMap;
use std::ffi::CStr;

use questionnaires::Answer;
use sqlx::AnyConnection;

use super::{AnswerRow, decode_answer, encode_value};
use crate::{StoreError, StoredAnswer};

/// The answers of an assessment as a transaction sees them, by question id.
pub(crate) type Rows = BTreeMap<String, AnswerRow>;

/// The answer of a row, read.
pub(crate) fn stored(row: &AnswerRow) -> Result<StoredAnswer, StoreError> {
    decode_answer(row.clone())
}

/// A value bound to a `$n` placeholder.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Text(&'a str),
    MaybeText(Option<&'a str>),
    Int(i64),
}

/// Where answer writes run (see the module documentation).
pub(crate) trait AnswerSql {
    /// Whether nothing but this transaction writes the database while it runs (SQLite's writer
    /// thread), so that the rows it read, with its own writes applied, are the answers after.
    const SOLE_WRITER: bool;

    /// Runs a statement of `$n` placeholders, bound to `args` in order: the rows it changed.
    async fn execute(&mut self, sql: &'static str, args: &[Arg<'_>]) -> Result<u64, StoreError>;

    /// The rows of a query whose columns are all text (cast them), each column `None` for NULL.
    async fn texts(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        columns: usize,
    ) -> Result<Vec<Vec<Option<String>>>, StoreError>;

    /// Every answer of an assessment.
    async fn rows(&mut self, assessment_id: &str) -> Result<Rows, StoreError>;

    /// The answers after this transaction's writes: `rows`, the ones it read with its writes
    /// applied, or read again where others may have written meanwhile.
    async fn rows_after(&mut self, assessment_id: &str, rows: Rows) -> Result<Rows, StoreError> {
        if Self::SOLE_WRITER {
            Ok(rows)
        } else {
            self.rows(assessment_id).await
        }
    }

    /// Saves (or with `None` clears) one answer at `version` (`None`: there is no answer), and
    /// applies the write to `rows`. `false`, having changed nothing, when the version is stale.
    /// Clearing no answer changes nothing and is `true`. A saved answer is confirmed: it is no
    /// longer to confirm.
    #[expect(clippy::too_many_arguments, reason = "the columns of the row written")]
    async fn save(
        &mut self,
        rows: &mut Rows,
        assessment_id: &str,
        question_id: &str,
        answer: Option<&Answer>,
        version: Option<i64>,
        who: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        use Arg::{Int, MaybeText, Text};
        let saved = match (answer, version) {
            (Some(a), None) => {
                let value = encode_value(a)?;
                let saved = self.execute(
                    "INSERT INTO answers (assessment_id, question_id, value, note, updated_by, updated_at, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (assessment_id, question_id) DO NOTHING",
                    &[Text(assessment_id), Text(question_id), Text(&value), MaybeText(a.note.as_deref()), Text(who), Int(now)],
                )
                .await? == 1;
                if saved {
                    let row = AnswerRow {
                        question_id: question_id.to_owned(),
                        value,
                        note: a.note.clone(),
                        updated_by: who.to_owned(),
                        updated_at: now,
                        version: 1,
                        to_confirm: 0,
                    };
                    rows.insert(question_id.to_owned(), row);
                }
                saved
            }
            (Some(a), Some(v)) => {
                let value = encode_value(a)?;
                let saved = self.execute(
                    "UPDATE answers SET value = $1, note = $2, updated_by = $3, updated_at = $4, version = version + 1, \
                     to_confirm = 0 WHERE assessment_id = $5 AND question_id = $6 AND version = $7",
                    &[Text(&value), MaybeText(a.note.as_deref()), Text(who), Int(now), Text(assessment_id), Text(question_id), Int(v)],
                )
                .await? == 1;
                if saved && let Some(row) = rows.get_mut(question_id) {
                    row.value = value;
                    row.note = a.note.clone();
                    row.updated_by = who.to_owned();
                    row.updated_at = now;
                    row.version = v + 1;
                    row.to_confirm = 0;
                }
                saved
            }
            (None, Some(v)) => {
                let saved = self.execute(
                    "DELETE FROM answers WHERE assessment_id = $1 AND question_id = $2 AND version = $3",
                    &[Text(assessment_id), Text(question_id), Int(v)],
                )
                .await? == 1;
                if saved {
                    rows.remove(question_id);
                }
                saved
            }
            (None, None) => true,
        };
        Ok(saved)
    }

    /// Confirms a carried-over answer as it is (see [`crate::AnswersWrite::confirm`]), and
    /// applies that to `rows`.
    async fn confirm(
        &mut self,
        rows: &mut Rows,
        assessment_id: &str,
        question_id: &str,
        who: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let changed = self
            .execute(
                "UPDATE answers SET to_confirm = 0, updated_by = $1, updated_at = $2 \
                 WHERE assessment_id = $3 AND question_id = $4 AND to_confirm = 1",
                &[
                    Arg::Text(who),
                    Arg::Int(now),
                    Arg::Text(assessment_id),
                    Arg::Text(question_id),
                ],
            )
            .await?;
        let confirmed = changed == 1;
        if confirmed && let Some(row) = rows.get_mut(question_id) {
            row.to_confirm = 0;
            row.updated_by = who.to_owned();
            row.updated_at = now;
        }
        Ok(confirmed)
    }

    /// Appends to the audit log of `team_id`.
    async fn audit(
        &mut self,
        team_id: &str,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        self.execute(
            "INSERT INTO audit_log (id, team_id, at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[Arg::Text(&id), Arg::Text(team_id), Arg::Int(now), Arg::Text(actor), Arg::Text(action), Arg::Text(target), Arg::Text(detail)],
        )
        .await?;
        Ok(())
    }

    /// Moves the assessment's `updated_at` and revision, after a write that changed it.
    async fn touch(&mut self, assessment_id: &str, now: i64) -> Result<(), StoreError> {
        self.execute(
            "UPDATE assessments SET updated_at = $1, revision = revision + 1 WHERE id = $2",
            &[Arg::Int(now), Arg::Text(assessment_id)],
        )
        .await?;
        crate::summary::refresh(self, assessment_id, now).await
    }
}

/// Every answer of an assessment, its columns in the order [`OnThread`] reads them.
const ANSWERS_OF: &str = "SELECT question_id, value, note, updated_by, updated_at, version, to_confirm \
     FROM answers WHERE assessment_id = $1";

/// A transaction of the pool (or any sqlx connection).
pub(crate) struct Pooled<'c>(pub(crate) &'c mut AnyConnection);

impl AnswerSql for Pooled<'_> {
    const SOLE_WRITER: bool = false;

    async fn execute(&mut self, sql: &'static str, args: &[Arg<'_>]) -> Result<u64, StoreError> {
        let mut query = sqlx::query(sql);
        for arg in args {
            query = match *arg {
                Arg::Text(s) => query.bind(s),
                Arg::MaybeText(s) => query.bind(s),
                Arg::Int(i) => query.bind(i),
            };
        }
        Ok(query.execute(&mut *self.0).await?.rows_affected())
    }

    async fn texts(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        columns: usize,
    ) -> Result<Vec<Vec<Option<String>>>, StoreError> {
        use sqlx::Row;
        let mut query = sqlx::query(sql);
        for arg in args {
            query = match *arg {
                Arg::Text(s) => query.bind(s),
                Arg::MaybeText(s) => query.bind(s),
                Arg::Int(i) => query.bind(i),
            };
        }
        let mut out = Vec::new();
        for row in query.fetch_all(&mut *self.0).await? {
            let mut cells = Vec::with_capacity(columns);
            for i in 0..columns {
                cells.push(row.try_get::<Option<String>, _>(i)?);
            }
            out.push(cells);
        }
        Ok(out)
    }

    async fn rows(&mut self, assessment_id: &str) -> Result<Rows, StoreError> {
        Ok(sqlx::query_as::<_, AnswerRow>(ANSWERS_OF)
            .bind(assessment_id)
            .fetch_all(&mut *self.0)
            .await?
            .into_iter()
            .map(|row| (row.question_id.clone(), row))
            .collect())
    }
}

/// The writer thread's connection.
pub(crate) struct OnThread<'c>(pub(crate) &'c rusqlite::Connection);

/// The names of the placeholders, `$1` to `$20`, as SQLite looks them up.
const PLACEHOLDERS: [&CStr; 20] = [
    c"$1", c"$2", c"$3", c"$4", c"$5", c"$6", c"$7", c"$8", c"$9", c"$10", c"$11", c"$12", c"$13",
    c"$14", c"$15", c"$16", c"$17", c"$18", c"$19", c"$20",
];

impl OnThread<'_> {
    fn statement(
        &self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> Result<rusqlite::CachedStatement<'_>, StoreError> {
        let mut statement = self.0.prepare_cached(sql)?;
        if args.len() > PLACEHOLDERS.len() {
            return Err(StoreError::Corrupt(format!(
                "{} values for one statement",
                args.len()
            )));
        }
        for (name, arg) in PLACEHOLDERS.iter().zip(args) {
            match *arg {
                Arg::Text(s) => statement.raw_bind_parameter(*name, s)?,
                Arg::MaybeText(s) => statement.raw_bind_parameter(*name, s)?,
                Arg::Int(i) => statement.raw_bind_parameter(*name, i)?,
            }
        }
        Ok(statement)
    }
}

impl AnswerSql for OnThread<'_> {
    const SOLE_WRITER: bool = true;

    async fn execute(&mut self, sql: &'static str, args: &[Arg<'_>]) -> Result<u64, StoreError> {
        let rows = self.statement(sql, args)?.raw_execute()?;
        Ok(rows as u64)
    }

    async fn texts(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        columns: usize,
    ) -> Result<Vec<Vec<Option<String>>>, StoreError> {
        let mut statement = self.statement(sql, args)?;
        let mut found = statement.raw_query();
        let mut out = Vec::new();
        while let Some(row) = found.next()? {
            let mut cells = Vec::with_capacity(columns);
            for i in 0..columns {
                cells.push(row.get::<_, Option<String>>(i)?);
            }
            out.push(cells);
        }
        Ok(out)
    }

    async fn rows(&mut self, assessment_id: &str) -> Result<Rows, StoreError> {
        let mut statement = self.statement(ANSWERS_OF, &[Arg::Text(assessment_id)])?;
        let mut found = statement.raw_query();
        let mut rows = Rows::new();
        while let Some(row) = found.next()? {
            let question_id: String = row.get(0)?;
            let row = AnswerRow {
                question_id: question_id.clone(),
                value: row.get(1)?,
                note: row.get(2)?,
                updated_by: row.get(3)?,
                updated_at: row.get(4)?,
                version: row.get(5)?,
                to_confirm: row.get(6)?,
            };
            rows.insert(question_id, row);
        }
        Ok(rows)
    }
}
