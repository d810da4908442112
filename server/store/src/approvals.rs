//! The SQL of approvals: an owner's sign-off of a review, saved with the milestone that keeps the
//! answers as approved, its audit entry and a new revision of the review, all in one
//! transaction, so that there is never a milestone without its approval or an approval missing
//! from the audit log. Rows are only ever inserted.

use questionnaires::{Answers, Evaluation};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::accounts::insert_audit;
use super::{AuditEntry, MilestoneRow, Store, StoreError};

/// A blocker the approver accepted, as it was when they approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedBlocker {
    /// `risk` or `check`.
    pub kind: String,
    /// The question or check id.
    pub id: String,
    /// The risk's problem, or the check's title.
    pub title: String,
    /// Why it is accepted.
    pub reason: String,
}

/// An approval of a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    /// Random id.
    pub id: String,
    /// The milestone that keeps the answers as approved.
    pub milestone_id: String,
    /// That milestone's name.
    pub milestone_name: String,
    /// Who approved: their account id.
    pub approved_by: String,
    /// Who approved: the name they were shown by then.
    pub approved_by_name: String,
    /// Unix ms.
    pub approved_at: i64,
    /// The verdict's status then (`fits`, `fits_with_blockers`, `does_not_fit`).
    pub verdict_status: String,
    /// The verdict's label then ("Fits, with blockers").
    pub verdict_label: String,
    /// Every blocker then, each accepted with its reason.
    pub accepted: Vec<AcceptedBlocker>,
}

/// What an approval's write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approved {
    /// The approval, its milestone and its audit entry are stored.
    Saved,
    /// The review's latest approval is of the same answers: nothing was written.
    Unchanged(Box<Approval>),
}

#[derive(FromRow)]
struct Row {
    id: String,
    milestone_id: String,
    milestone_name: String,
    approved_by: String,
    approved_by_name: String,
    approved_at: i64,
    verdict_status: String,
    verdict_label: String,
    accepted: String,
}

impl Row {
    fn approval(self) -> Result<Approval, StoreError> {
        let accepted = serde_json::from_str(&self.accepted)
            .map_err(|e| StoreError::Corrupt(format!("approval {}: {e}", self.id)))?;
        Ok(Approval {
            id: self.id,
            milestone_id: self.milestone_id,
            milestone_name: self.milestone_name,
            approved_by: self.approved_by,
            approved_by_name: self.approved_by_name,
            approved_at: self.approved_at,
            verdict_status: self.verdict_status,
            verdict_label: self.verdict_label,
            accepted,
        })
    }
}

const SELECT: &str = "SELECT p.id, p.milestone_id, m.name AS milestone_name, p.approved_by, \
     p.approved_by_name, p.approved_at, p.verdict_status, p.verdict_label, p.accepted \
     FROM approvals p JOIN milestones m ON m.id = p.milestone_id";

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl Store {
    /// A review's approvals, newest first.
    pub async fn approvals(&self, assessment_id: &str) -> Result<Vec<Approval>, StoreError> {
        let sql = format!("{SELECT} WHERE p.assessment_id = $1 ORDER BY p.approved_at DESC, p.id");
        sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql))
            .bind(assessment_id)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(Row::approval)
            .collect()
    }

    /// The approval saved with a milestone, if that milestone is one.
    pub async fn approval_of_milestone(
        &self,
        assessment_id: &str,
        milestone_id: &str,
    ) -> Result<Option<Approval>, StoreError> {
        let sql = format!("{SELECT} WHERE p.assessment_id = $1 AND p.milestone_id = $2");
        sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql))
            .bind(assessment_id)
            .bind(milestone_id)
            .fetch_optional(&self.pool)
            .await?
            .map(Row::approval)
            .transpose()
    }

    /// A review's latest approval, with the answers it approved.
    pub async fn latest_approval(
        &self,
        assessment_id: &str,
    ) -> Result<Option<(Approval, Answers)>, StoreError> {
        latest(&self.pool, assessment_id).await
    }

    /// Records an approval: its milestone (the answers and their evaluation), the approval, its
    /// audit entry and a new revision of the review, in one transaction. When the review's
    /// latest approval is of the same answers, nothing is written ([`Approved::Unchanged`]).
    /// The review's row is locked first, so two approvals of one review are taken in turn.
    pub async fn approve(
        &self,
        assessment_id: &str,
        milestone: &MilestoneRow,
        answers: &Answers,
        evaluation: &Evaluation,
        approval: &Approval,
        audit: Option<&AuditEntry>,
    ) -> Result<Approved, StoreError> {
        let answers_json = serde_json::to_string(answers).map_err(corrupt)?;
        let evaluation_json = serde_json::to_string(evaluation).map_err(corrupt)?;
        let accepted_json = serde_json::to_string(&approval.accepted).map_err(corrupt)?;
        let mut tx = self.writer.begin().await?;
        // Takes the review's row lock on Postgres (SQLite writes one at a time already): a
        // second approval waits here, then sees the first.
        sqlx::query("UPDATE assessments SET revision = revision WHERE id = $1")
            .bind(assessment_id)
            .execute(&mut *tx)
            .await?;
        if let Some((last, approved)) = latest(&mut *tx, assessment_id).await?
            && approved == *answers
        {
            return Ok(Approved::Unchanged(Box::new(last)));
        }
        sqlx::query(
            "INSERT INTO milestones (id, assessment_id, name, created_by, created_at, \
             questionnaire_hash, answers, evaluation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&milestone.id)
        .bind(assessment_id)
        .bind(&milestone.name)
        .bind(&milestone.created_by)
        .bind(milestone.created_at)
        .bind(&milestone.questionnaire_hash)
        .bind(answers_json)
        .bind(evaluation_json)
        .execute(&mut *tx)
        .await?;
        super::milestones::insert_score(&mut tx, milestone, assessment_id, evaluation).await?;
        sqlx::query(
            "INSERT INTO approvals (id, assessment_id, milestone_id, approved_by, \
             approved_by_name, approved_at, verdict_status, verdict_label, accepted) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&approval.id)
        .bind(assessment_id)
        .bind(&milestone.id)
        .bind(&approval.approved_by)
        .bind(&approval.approved_by_name)
        .bind(approval.approved_at)
        .bind(&approval.verdict_status)
        .bind(&approval.verdict_label)
        .bind(accepted_json)
        .execute(&mut *tx)
        .await?;
        if let Some(a) = audit {
            insert_audit(
                &mut tx,
                &a.team_id,
                &a.actor,
                &a.action,
                &a.target,
                &a.detail,
                approval.approved_at,
            )
            .await?;
        }
        self.finish_write(tx, assessment_id, true, approval.approved_at)
            .await?;
        Ok(Approved::Saved)
    }
}

/// The latest approval of a review with the answers it approved, on a pool or in a transaction.
async fn latest<'c, E>(
    conn: E,
    assessment_id: &str,
) -> Result<Option<(Approval, Answers)>, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    #[derive(FromRow)]
    struct WithAnswers {
        #[sqlx(flatten)]
        row: Row,
        answers: String,
    }
    let Some(found) = sqlx::query_as::<_, WithAnswers>(
        "SELECT p.id, p.milestone_id, m.name AS milestone_name, p.approved_by, \
         p.approved_by_name, p.approved_at, p.verdict_status, p.verdict_label, p.accepted, \
         m.answers FROM approvals p JOIN milestones m ON m.id = p.milestone_id \
         WHERE p.assessment_id = $1 ORDER BY p.approved_at DESC, p.id LIMIT 1",
    )
    .bind(assessment_id)
    .fetch_optional(conn)
    .await?
    else {
        return Ok(None);
    };
    let answers = serde_json::from_str(&found.answers)
        .map_err(|e| StoreError::Corrupt(format!("approval {}: {e}", found.row.id)))?;
    Ok(Some((found.row.approval()?, answers)))
}
