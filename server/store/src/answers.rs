//! The SQL of answers: read, saved at the version the writer read, confirmed and copied, one
//! at a time or several in one transaction ([`AnswersWrite`]), or a whole form at once
//! ([`Store::save_area`], `answers/area.rs`). The statements of the writes, for the pool and
//! for SQLite's writer thread alike, are in `answers/sql.rs`.

use questionnaires::Answer;
use sqlx::FromRow;

use super::writer::WriteTx;
use super::{Current, Store, StoreError, StoredAnswer};

mod area;
pub(crate) mod sql;
pub use area::{AreaChange, AreaSave, AreaSaved};
use sql::{AnswerSql, Pooled, Rows};

/// An answer as stored, its value still JSON text.
#[derive(Debug, Clone, FromRow)]
pub(super) struct AnswerRow {
    pub(super) question_id: String,
    value: String,
    note: Option<String>,
    updated_by: String,
    updated_at: i64,
    pub(super) version: i64,
    to_confirm: i64,
}

pub(super) const ANSWER_COLUMNS: &str =
    "question_id, value, note, updated_by, updated_at, version, to_confirm";

impl Store {
    /// Every answer of an assessment.
    pub async fn answers(&self, assessment_id: &str) -> Result<Vec<StoredAnswer>, StoreError> {
        let sql = format!(
            "SELECT {ANSWER_COLUMNS} FROM answers WHERE assessment_id = $1 ORDER BY question_id"
        );
        let rows = sqlx::query_as::<_, AnswerRow>(sqlx::AssertSqlSafe(sql))
            .bind(assessment_id)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(decode_answer).collect()
    }

    async fn answer(
        &self,
        assessment_id: &str,
        question_id: &str,
    ) -> Result<Option<StoredAnswer>, StoreError> {
        let sql = format!(
            "SELECT {ANSWER_COLUMNS} FROM answers WHERE assessment_id = $1 AND question_id = $2"
        );
        sqlx::query_as::<_, AnswerRow>(sqlx::AssertSqlSafe(sql))
            .bind(assessment_id)
            .bind(question_id)
            .fetch_optional(&self.pool)
            .await?
            .map(decode_answer)
            .transpose()
    }

    /// Saves (or with `None` clears) one answer. `version` is the version the writer read
    /// (`None`: it saw no answer). A stale version gets a conflict with the stored answer.
    /// A saved answer is confirmed: it is no longer to confirm.
    pub async fn save_answer(
        &self,
        assessment_id: &str,
        question_id: &str,
        answer: Option<&Answer>,
        version: Option<i64>,
        who: &str,
        now: i64,
    ) -> Result<Option<StoredAnswer>, StoreError> {
        let mut write = self.write_answers_of(assessment_id, now).await?;
        let saved = write.save(question_id, answer, version, who).await?;
        write.commit().await?;
        let current = self.answer(assessment_id, question_id).await?;
        if saved {
            Ok(current)
        } else {
            Err(StoreError::Conflict(Box::new(Current::Answer(current))))
        }
    }

    /// Confirms a carried-over answer as it is (see [`AnswersWrite::confirm`]). Returns whether
    /// there was anything to confirm.
    pub async fn confirm_answer(
        &self,
        assessment_id: &str,
        question_id: &str,
        who: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut write = self.write_answers_of(assessment_id, now).await?;
        let confirmed = write.confirm(question_id, who).await?;
        write.commit().await?;
        Ok(confirmed)
    }

    /// Starts a write to the answers of an assessment, at `now`: saves, confirmations and their
    /// audit entries that commit together (or, dropped uncommitted, not at all).
    pub async fn write_answers_of<'a>(
        &'a self,
        assessment_id: &'a str,
        now: i64,
    ) -> Result<AnswersWrite<'a>, StoreError> {
        Ok(AnswersWrite {
            store: self,
            tx: self.writer.begin().await?,
            assessment_id,
            now,
            changed: false,
        })
    }
}

/// A write to the answers of one assessment, in one transaction (see
/// [`Store::write_answers_of`]). Nothing is stored until [`AnswersWrite::commit`].
pub struct AnswersWrite<'a> {
    store: &'a Store,
    tx: WriteTx,
    assessment_id: &'a str,
    now: i64,
    /// Whether a statement changed an answer.
    changed: bool,
}

impl AnswersWrite<'_> {
    /// Saves (or with `None` clears) one answer at the version the writer read (`None`: it saw
    /// no answer). Returns `false`, having changed nothing, when the version is stale: a
    /// conflict. A saved answer is confirmed: it is no longer to confirm.
    pub async fn save(
        &mut self,
        question_id: &str,
        answer: Option<&Answer>,
        version: Option<i64>,
        who: &str,
    ) -> Result<bool, StoreError> {
        let saved = Pooled(&mut self.tx)
            .save(
                &mut Rows::new(),
                self.assessment_id,
                question_id,
                answer,
                version,
                who,
                self.now,
            )
            .await?;
        self.changed |= saved;
        Ok(saved)
    }

    /// Confirms a carried-over answer as it is. Its value does not change, so neither does its
    /// version: a writer holding that version loses nothing. Only an answer still to confirm is
    /// touched, and every save clears the mark, so a confirmation never lands on a value saved
    /// after the page that confirms it was shown. Returns whether there was anything to confirm.
    pub async fn confirm(&mut self, question_id: &str, who: &str) -> Result<bool, StoreError> {
        let confirmed = Pooled(&mut self.tx)
            .confirm(
                &mut Rows::new(),
                self.assessment_id,
                question_id,
                who,
                self.now,
            )
            .await?;
        self.changed |= confirmed;
        Ok(confirmed)
    }

    /// Appends to the audit log of `team_id`, with the write.
    pub async fn audit(
        &mut self,
        team_id: &str,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        Pooled(&mut self.tx)
            .audit(team_id, actor, action, target, detail, self.now)
            .await
    }

    /// Commits: when anything changed, the assessment's `updated_at` and revision move with it,
    /// in the same transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.store
            .finish_write(self.tx, self.assessment_id, self.changed, self.now)
            .await
    }
}

/// Copies every answer of `source` to `target`, as saved by `who` at `now`: each one to confirm
/// when `to_confirm`, or as the source marks it otherwise.
pub(super) async fn copy_answers(
    conn: &mut sqlx::AnyConnection,
    source: &str,
    target: &str,
    who: &str,
    now: i64,
    to_confirm: bool,
) -> Result<(), StoreError> {
    let mark = if to_confirm { "1" } else { "to_confirm" };
    let sql = format!(
        "INSERT INTO answers (assessment_id, question_id, value, note, updated_by, updated_at, version, to_confirm) \
         SELECT $1, question_id, value, note, $2, $3, 1, {mark} FROM answers WHERE assessment_id = $4"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(target)
        .bind(who)
        .bind(now)
        .bind(source)
        .execute(conn)
        .await?;
    Ok(())
}

/// An answer as stored, its value read.
pub(super) fn decode_answer(row: AnswerRow) -> Result<StoredAnswer, StoreError> {
    let value = serde_json::from_str(&row.value)
        .map_err(|e| StoreError::Corrupt(format!("answer {}: {e}", row.question_id)))?;
    Ok(StoredAnswer {
        question_id: row.question_id,
        answer: Answer {
            value,
            note: row.note,
        },
        updated_by: row.updated_by,
        updated_at: row.updated_at,
        version: row.version,
        to_confirm: row.to_confirm != 0,
    })
}

/// An answer's value as the JSON text stored in `answers.value`.
pub(super) fn encode_value(answer: &Answer) -> Result<String, StoreError> {
    serde_json::to_string(&answer.value).map_err(|e| StoreError::Corrupt(e.to_string()))
}
