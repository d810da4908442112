//! The SQL the REST API adds: answer writes applied all together or not at all. On SQLite a
//! batch is one job of the writer thread (`writer/group.rs`): a conflict rolls back that batch
//! alone, and the batches beside it in its group still commit.

use std::collections::BTreeMap;

use questionnaires::Answer;

use super::answers::sql::{AnswerSql, OnThread, Pooled, stored};
use super::writer::{JobError, WriteError, run_ready};
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
pub type AuditEntries = dyn Fn(&[Changed]) -> Vec<(String, String)> + Send + Sync;

/// The audit log entries a batch writes in its own transaction, so that no answer is ever
/// stored without its entry (or an entry without its answer).
pub struct BatchAudit {
    /// The team whose log it is.
    pub team_id: String,
    /// The entries (target, detail) for what changed; called once, before the commit, and
    /// only when something changed.
    pub entries: Box<AuditEntries>,
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

impl JobError for BatchError {
    fn breaks_group(&self) -> Option<&WriteError> {
        match self {
            BatchError::Conflict(_) => None,
            BatchError::Store(e) => e.breaks_group(),
        }
    }

    fn group_failed(e: WriteError) -> Self {
        BatchError::Store(StoreError::group_failed(e))
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

/// A batch, owned, so that it can go to the writer thread.
pub(crate) struct Batch {
    pub(crate) assessment_id: String,
    pub(crate) writes: Vec<AnswerWrite>,
    pub(crate) clear_others: bool,
    pub(crate) who: String,
    pub(crate) now: i64,
    pub(crate) audit: Option<BatchAudit>,
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
        audit: Option<BatchAudit>,
    ) -> Result<BatchResult, BatchError> {
        let batch = Batch {
            assessment_id: assessment_id.to_owned(),
            writes: writes.to_vec(),
            clear_others,
            who: who.to_owned(),
            now,
            audit,
        };
        let result = match &self.group {
            Some(group) => {
                group
                    .run(move |conn| run_ready(write_batch(&mut OnThread(conn), &batch)))
                    .await?
            }
            None => {
                let mut tx = self.writer.begin().await?;
                match write_batch(&mut Pooled(&mut tx), &batch).await {
                    Ok(result) => {
                        tx.commit().await?;
                        result
                    }
                    Err(conflict @ BatchError::Conflict(_)) => {
                        tx.rollback().await?;
                        return Err(conflict);
                    }
                    // Dropped: the connection is closed, which rolls back.
                    Err(e) => return Err(e),
                }
            }
        };
        if result.changed > 0 {
            self.committed(assessment_id);
        }
        Ok(result)
    }
}

/// [`Store::write_answers`] in a transaction; on a conflict, the caller rolls back.
pub(crate) async fn write_batch(
    sql: &mut impl AnswerSql,
    b: &Batch,
) -> Result<BatchResult, BatchError> {
    let id = b.assessment_id.as_str();
    let mut rows = sql.rows(id).await?;
    // The answers as read, for the questions the batch names.
    let before: BTreeMap<String, StoredAnswer> = b
        .writes
        .iter()
        .filter_map(|w| rows.get(&w.question_id))
        .map(|r| stored(r).map(|a| (r.question_id.clone(), a)))
        .collect::<Result<_, StoreError>>()?;
    // What clearing the others needs: every other answer's version.
    let others: Vec<(String, i64)> = if b.clear_others {
        rows.values()
            .filter(|r| !b.writes.iter().any(|w| w.question_id == r.question_id))
            .map(|r| (r.question_id.clone(), r.version))
            .collect()
    } else {
        Vec::new()
    };
    let mut conflicts = Vec::new();
    let mut changed = Vec::new();
    for w in &b.writes {
        let current = before.get(&w.question_id);
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
        // The version is checked again by the statement, so a write that lands between the
        // read above and this one is a conflict too, on either database.
        if expected
            && sql
                .save(
                    &mut rows,
                    id,
                    &w.question_id,
                    w.answer.as_ref(),
                    current.map(|c| c.version),
                    &b.who,
                    b.now,
                )
                .await?
        {
            changed.push(Changed {
                question_id: w.question_id.clone(),
                answer: w.answer.clone(),
            });
        } else {
            conflicts.push(w.question_id.clone());
        }
    }
    for (question, version) in others {
        if sql
            .save(&mut rows, id, &question, None, Some(version), &b.who, b.now)
            .await?
        {
            changed.push(Changed {
                question_id: question,
                answer: None,
            });
        } else {
            conflicts.push(question);
        }
    }
    if !conflicts.is_empty() {
        // What each conflicting question holds: what this transaction read, as its own writes
        // are rolled back.
        let mut list = Vec::new();
        for q in conflicts {
            let current = match before.get(&q) {
                Some(a) => Some(a.clone()),
                None => sql.rows(id).await?.get(&q).map(stored).transpose()?,
            };
            list.push((q, current));
        }
        return Err(BatchError::Conflict(list));
    }
    if changed.is_empty() {
        return Ok(BatchResult {
            answers: b
                .writes
                .iter()
                .map(|w| (w.question_id.clone(), before.get(&w.question_id).cloned()))
                .collect(),
            changed: 0,
        });
    }
    if let Some(audit) = &b.audit {
        for (target, detail) in (audit.entries)(&changed) {
            sql.audit(&audit.team_id, &b.who, "answer", &target, &detail, b.now)
                .await?;
        }
    }
    sql.touch(id, b.now).await?;
    let after = sql.rows_after(id, rows).await?;
    Ok(BatchResult {
        answers: b
            .writes
            .iter()
            .map(|w| {
                let now = after.get(&w.question_id).map(stored).transpose()?;
                Ok((w.question_id.clone(), now))
            })
            .collect::<Result<_, StoreError>>()?,
        changed: changed.len(),
    })
}
