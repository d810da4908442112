//! The SQL the REST API adds: answer writes applied all together or not at all.

use std::collections::BTreeMap;

use questionnaires::Answer;

use super::accounts::insert_audit;
use super::answers::{ANSWER_COLUMNS, AnswerRow, decode_answer, encode_value};
use super::{Store, StoreError, StoredAnswer};

/// What a writer believes is stored for a question before its write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No answer.
    Nothing,
    /// The answer at this version.
    Version(i64),
    /// Whatever is there: the write wins (an answers file is the source of truth).
    Anything,
}

/// One answer to write: `None` clears it.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerWrite {
    /// The question.
    pub question_id: String,
    /// The new answer, or `None` to clear it.
    pub answer: Option<Answer>,
    /// What the writer read.
    pub expect: Expect,
}

/// An answer a batch changed: its new value, or `None` when it was cleared.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    /// The question.
    pub question_id: String,
    /// The answer now; `None`: cleared.
    pub answer: Option<Answer>,
}

/// Makes the audit log entries, as (target, detail), for the answers a batch changed.
pub type AuditEntries<'a> = dyn Fn(&[Changed]) -> Vec<(String, String)> + Sync + 'a;

/// The audit log entries a batch writes in its own transaction, so that no answer is ever
/// stored without its entry (or an entry without its answer).
pub struct BatchAudit<'a> {
    /// The team whose log it is.
    pub team_id: &'a str,
    /// The entries (target, detail) for what changed; called once, before the commit, and
    /// only when something changed.
    pub entries: &'a AuditEntries<'a>,
}

/// Why a batch was refused.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// Some answers changed since the writer read them: nothing was written. Each conflict is the
    /// question and its answer as stored now (`None`: no answer).
    #[error("{} answer(s) changed by someone else", .0.len())]
    Conflict(Vec<(String, Option<StoredAnswer>)>),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BatchError {
    fn from(e: sqlx::Error) -> Self {
        BatchError::Store(StoreError::Database(e))
    }
}

/// What a batch did: the answers as stored after it, for the questions it named, and how many
/// it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchResult {
    /// Each written question's answer now (`None`: cleared), in the order written.
    pub answers: Vec<(String, Option<StoredAnswer>)>,
    /// How many answers were saved with a new value, or cleared.
    pub changed: usize,
}

impl Store {
    /// Writes several answers of an assessment in one transaction: either every write matches
    /// what its writer expected and all are applied, or none is and every conflict comes back.
    /// A write whose answer is already stored (same value and note) changes nothing and keeps
    /// its version. With `clear_others`, every stored answer the batch does not name is cleared
    /// as well (an answers file replacing the review's answers). The `audit` entries for what
    /// changed are written in the same transaction.
    pub async fn write_answers(
        &self,
        assessment_id: &str,
        writes: &[AnswerWrite],
        clear_others: bool,
        who: &str,
        now: i64,
        audit: Option<BatchAudit<'_>>,
    ) -> Result<BatchResult, BatchError> {
        let mut tx = self.writer.begin().await?;
        let sql = format!("SELECT {ANSWER_COLUMNS} FROM answers WHERE assessment_id = $1");
        let stored: BTreeMap<String, StoredAnswer> =
            sqlx::query_as::<_, AnswerRow>(sqlx::AssertSqlSafe(sql))
                .bind(assessment_id)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(|r| decode_answer(r).map(|a| (a.question_id.clone(), a)))
                .collect::<Result<_, _>>()?;
        let mut conflicts = Vec::new();
        let mut changed = Vec::new();
        for w in writes {
            let current = stored.get(&w.question_id);
            // Already stored as wanted (a retry, or someone made the same change): nothing to
            // do, and nothing would be lost.
            if current.map(|c| &c.answer) == w.answer.as_ref() {
                continue;
            }
            let expected = match (w.expect, current) {
                (Expect::Anything, _) | (Expect::Nothing, None) => true,
                (Expect::Version(v), Some(c)) => c.version == v,
                _ => false,
            };
            if !expected {
                conflicts.push((w.question_id.clone(), current.cloned()));
                continue;
            }
            // The version is checked again by the statement, so a write that lands between the
            // read above and this one is a conflict too, on either database.
            let rows = match (&w.answer, current) {
                (Some(a), None) => sqlx::query(
                    "INSERT INTO answers (assessment_id, question_id, value, note, updated_by, updated_at, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (assessment_id, question_id) DO NOTHING",
                )
                .bind(assessment_id)
                .bind(&w.question_id)
                .bind(encode_value(a)?)
                .bind(a.note.as_deref())
                .bind(who)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                (Some(a), Some(c)) => sqlx::query(
                    "UPDATE answers SET value = $1, note = $2, updated_by = $3, updated_at = $4, version = version + 1, \
                     to_confirm = 0 WHERE assessment_id = $5 AND question_id = $6 AND version = $7",
                )
                .bind(encode_value(a)?)
                .bind(a.note.as_deref())
                .bind(who)
                .bind(now)
                .bind(assessment_id)
                .bind(&w.question_id)
                .bind(c.version)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                (None, Some(c)) => sqlx::query(
                    "DELETE FROM answers WHERE assessment_id = $1 AND question_id = $2 AND version = $3",
                )
                .bind(assessment_id)
                .bind(&w.question_id)
                .bind(c.version)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                (None, None) => 1,
            };
            if rows == 1 {
                changed.push(Changed {
                    question_id: w.question_id.clone(),
                    answer: w.answer.clone(),
                });
            } else {
                conflicts.push((w.question_id.clone(), current.cloned()));
            }
        }
        if clear_others {
            for (question, current) in &stored {
                if writes.iter().any(|w| &w.question_id == question) {
                    continue;
                }
                let rows = sqlx::query(
                    "DELETE FROM answers WHERE assessment_id = $1 AND question_id = $2 AND version = $3",
                )
                .bind(assessment_id)
                .bind(question)
                .bind(current.version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if rows == 1 {
                    changed.push(Changed {
                        question_id: question.clone(),
                        answer: None,
                    });
                } else {
                    conflicts.push((question.clone(), Some(current.clone())));
                }
            }
        }
        if !conflicts.is_empty() {
            tx.rollback().await?;
            // What each conflicting question holds now, after the rollback.
            let now_stored: BTreeMap<String, StoredAnswer> = self
                .answers(assessment_id)
                .await?
                .into_iter()
                .map(|a| (a.question_id.clone(), a))
                .collect();
            return Err(BatchError::Conflict(
                conflicts
                    .into_iter()
                    .map(|(q, _)| {
                        let current = now_stored.get(&q).cloned();
                        (q, current)
                    })
                    .collect(),
            ));
        }
        if let Some(audit) = audit
            && !changed.is_empty()
        {
            for (target, detail) in (audit.entries)(&changed) {
                insert_audit(&mut tx, audit.team_id, who, "answer", &target, &detail, now).await?;
            }
        }
        self.finish_write(tx, assessment_id, !changed.is_empty(), now)
            .await?;
        let after: BTreeMap<String, StoredAnswer> = self
            .answers(assessment_id)
            .await?
            .into_iter()
            .map(|a| (a.question_id.clone(), a))
            .collect();
        Ok(BatchResult {
            answers: writes
                .iter()
                .map(|w| (w.question_id.clone(), after.get(&w.question_id).cloned()))
                .collect(),
            changed: changed.len(),
        })
    }
}
