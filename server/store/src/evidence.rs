//! The SQL of evidence imports (the `evidence_imports` table): an import of infrastructure code
//! stored with the answers it fills, and the team's choices on what it found answered
//! otherwise, each in one transaction with the answer writes it carries. The answer writes are
//! the REST API's batches ([`crate::batch`]): each names the version it read, and a stale one
//! refuses the whole write.

use super::answers::sql::{AnswerSql, Arg, OnThread, Pooled};
use super::batch::{AnswerWrite, Batch, BatchAudit, BatchError, BatchResult, write_batch};
use super::writer::{JobError, WriteError, run_ready};
use super::{Store, StoreError};

/// One stored import.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EvidenceRow {
    /// Random id.
    pub id: String,
    /// The review.
    pub assessment_id: String,
    /// Its place among the review's imports (the highest is the latest).
    pub seq: i64,
    /// The files' names, a JSON array.
    pub files: String,
    /// What the import read, as JSON.
    pub content: String,
    /// What it did to the answers, as JSON.
    pub outcome: String,
    /// The team's choices on the drift, as JSON.
    pub decisions: String,
    /// Who imported.
    pub imported_by: String,
    /// Unix ms.
    pub imported_at: i64,
}

/// A new import to store.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    /// Random id.
    pub id: String,
    /// The files' names, a JSON array.
    pub files: String,
    /// What the import read, as JSON.
    pub content: String,
    /// What it did to the answers, as JSON.
    pub outcome: String,
}

/// What an evidence write records beside its answers.
#[derive(Debug, Clone)]
pub enum EvidenceChange {
    /// A new import, which becomes the latest.
    Import(NewEvidence),
    /// Choices on the latest import's drift: the import they were made on, the choices as read
    /// and the choices now.
    Decide {
        /// The import.
        import_id: String,
        /// Its `decisions` as read.
        before: String,
        /// Its `decisions` after.
        after: String,
    },
}

/// Why an evidence write was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// An answer changed since it was read, or the database failed.
    #[error(transparent)]
    Answers(#[from] BatchError),
    /// The choices name an import that is no longer the latest, or whose choices changed since
    /// they were read.
    #[error("the import changed since it was read")]
    Stale,
}

impl From<StoreError> for EvidenceError {
    fn from(e: StoreError) -> Self {
        EvidenceError::Answers(BatchError::Store(e))
    }
}

impl From<sqlx::Error> for EvidenceError {
    fn from(e: sqlx::Error) -> Self {
        EvidenceError::Answers(e.into())
    }
}

impl JobError for EvidenceError {
    fn breaks_group(&self) -> Option<&WriteError> {
        match self {
            EvidenceError::Answers(e) => e.breaks_group(),
            EvidenceError::Stale => None,
        }
    }

    fn group_failed(e: WriteError) -> Self {
        EvidenceError::Answers(BatchError::group_failed(e))
    }
}

/// An evidence write, owned, so that it can go to the writer thread.
struct Job {
    batch: Batch,
    to_confirm: Vec<String>,
    change: EvidenceChange,
}

const COLUMNS: &str =
    "id, assessment_id, seq, files, content, outcome, decisions, imported_by, imported_at";

impl Store {
    /// Writes answers and records an import (or choices on the latest one's drift), in one
    /// transaction: every write must find the version it names (or no answer), or nothing is
    /// written and every conflict comes back. The questions in `to_confirm` are marked to confirm
    /// after their write, like answers carried from a template. The review's revision moves
    /// either way: the pages show the latest import.
    #[expect(clippy::too_many_arguments, reason = "one transaction's parts")]
    pub async fn write_evidence(
        &self,
        assessment_id: &str,
        writes: &[AnswerWrite],
        to_confirm: &[String],
        change: EvidenceChange,
        who: &str,
        now: i64,
        audit: Option<BatchAudit>,
    ) -> Result<BatchResult, EvidenceError> {
        let job = Job {
            batch: Batch {
                assessment_id: assessment_id.to_owned(),
                writes: writes.to_vec(),
                clear_others: false,
                who: who.to_owned(),
                now,
                audit,
            },
            to_confirm: to_confirm.to_vec(),
            change,
        };
        let result = match &self.group {
            Some(group) => {
                group
                    .run(move |conn| run_ready(write_job(&mut OnThread(conn), &job)))
                    .await?
            }
            None => {
                let mut tx = self.writer.begin().await?;
                match write_job(&mut Pooled(&mut tx), &job).await {
                    Ok(result) => {
                        tx.commit().await?;
                        result
                    }
                    Err(
                        e
                        @ (EvidenceError::Stale | EvidenceError::Answers(BatchError::Conflict(_))),
                    ) => {
                        tx.rollback().await?;
                        return Err(e);
                    }
                    // Dropped: the connection is closed, which rolls back.
                    Err(e) => return Err(e),
                }
            }
        };
        self.committed(assessment_id);
        Ok(result)
    }

    /// The latest import of a review, if any.
    pub async fn latest_evidence(
        &self,
        assessment_id: &str,
    ) -> Result<Option<EvidenceRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM evidence_imports WHERE assessment_id = $1 ORDER BY seq DESC LIMIT 1"
        );
        Ok(sqlx::query_as::<_, EvidenceRow>(sqlx::AssertSqlSafe(sql))
            .bind(assessment_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// How many imports a review has had.
    pub async fn evidence_count(&self, assessment_id: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM evidence_imports WHERE assessment_id = $1",
        )
        .bind(assessment_id)
        .fetch_one(&self.pool)
        .await?)
    }
}

/// [`Store::write_evidence`] in a transaction; on a conflict, the caller rolls back.
async fn write_job(sql: &mut impl AnswerSql, job: &Job) -> Result<BatchResult, EvidenceError> {
    let b = &job.batch;
    let id = b.assessment_id.as_str();
    // First, so that on Postgres the review's row is locked for the rest of the transaction:
    // two imports of one review take turns, and the second reads what the first wrote.
    sql.touch(id, b.now).await?;
    let mut result = write_batch(sql, b).await?;
    for question in &job.to_confirm {
        sql.execute(
            "UPDATE answers SET to_confirm = 1 WHERE assessment_id = $1 AND question_id = $2",
            &[Arg::Text(id), Arg::Text(question)],
        )
        .await?;
    }
    for (question, stored) in &mut result.answers {
        if let Some(s) = stored
            && job.to_confirm.contains(question)
        {
            s.to_confirm = true;
        }
    }
    match &job.change {
        EvidenceChange::Import(new) => {
            sql.execute(
                "INSERT INTO evidence_imports (id, assessment_id, seq, files, content, outcome, decisions, \
                 imported_by, imported_at) SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, '{}', $6, $7 \
                 FROM evidence_imports WHERE assessment_id = $8",
                &[
                    Arg::Text(&new.id),
                    Arg::Text(id),
                    Arg::Text(&new.files),
                    Arg::Text(&new.content),
                    Arg::Text(&new.outcome),
                    Arg::Text(&b.who),
                    Arg::Int(b.now),
                    Arg::Text(id),
                ],
            )
            .await?;
        }
        EvidenceChange::Decide {
            import_id,
            before,
            after,
        } => {
            let changed = sql
                .execute(
                    "UPDATE evidence_imports SET decisions = $1 WHERE id = $2 AND assessment_id = $3 \
                     AND decisions = $4 AND seq = (SELECT MAX(seq) FROM evidence_imports WHERE assessment_id = $5)",
                    &[
                        Arg::Text(after),
                        Arg::Text(import_id),
                        Arg::Text(id),
                        Arg::Text(before),
                        Arg::Text(id),
                    ],
                )
                .await?;
            if changed != 1 {
                return Err(EvidenceError::Stale);
            }
        }
    }
    Ok(result)
}
