//! The SQL of accepted risks: one row per question of an assessment, replaced when the risk is
//! accepted again and deleted when the acceptance is withdrawn. Each write records its audit
//! entry and moves the assessment's revision in the same transaction, so a results page or
//! report rendered before it is never served after it.

use serde::Serialize;
use sqlx::FromRow;

use super::accounts::insert_audit;
use super::{Missing, Store, StoreError};

/// A team's acceptance of one question's risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct StoredAcceptance {
    /// The question whose risk it accepts.
    pub question_id: String,
    /// The level accepted: `high` or `medium`.
    pub level: String,
    /// Why the team lives with it.
    pub reason: String,
    /// Who accepted it: their account id.
    pub accepted_by: String,
    /// Who accepted it: the name they were shown by then.
    pub accepted_by_name: String,
    /// Unix ms.
    pub accepted_at: i64,
}

/// An entry of a team's audit log that a write makes in its own transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// The team whose log it goes to.
    pub team_id: String,
    /// Who, as people read it.
    pub actor: String,
    /// What kind of change.
    pub action: String,
    /// What it changed.
    pub target: String,
    /// The change, in words.
    pub detail: String,
}

impl Store {
    /// The accepted risks of an assessment, by question id.
    pub async fn acceptances(
        &self,
        assessment_id: &str,
    ) -> Result<Vec<StoredAcceptance>, StoreError> {
        Ok(sqlx::query_as::<_, StoredAcceptance>(
            "SELECT question_id, level, reason, accepted_by, accepted_by_name, accepted_at \
             FROM risk_acceptances WHERE assessment_id = $1 ORDER BY question_id",
        )
        .bind(assessment_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records the acceptance of a question's risk, replacing any earlier one: with its audit
    /// entry and a new revision of the assessment, in one transaction.
    pub async fn accept_risk(
        &self,
        assessment_id: &str,
        accepted: &StoredAcceptance,
        audit: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO risk_acceptances (assessment_id, question_id, level, reason, accepted_by, \
             accepted_by_name, accepted_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (assessment_id, question_id) DO UPDATE SET level = excluded.level, \
             reason = excluded.reason, accepted_by = excluded.accepted_by, \
             accepted_by_name = excluded.accepted_by_name, accepted_at = excluded.accepted_at",
        )
        .bind(assessment_id)
        .bind(&accepted.question_id)
        .bind(&accepted.level)
        .bind(&accepted.reason)
        .bind(&accepted.accepted_by)
        .bind(&accepted.accepted_by_name)
        .bind(accepted.accepted_at)
        .execute(&mut *tx)
        .await?;
        if let Some(a) = audit {
            let at = accepted.accepted_at;
            insert_audit(
                &mut tx, &a.team_id, &a.actor, &a.action, &a.target, &a.detail, at,
            )
            .await?;
        }
        self.finish_write(tx, assessment_id, true, accepted.accepted_at)
            .await
    }

    /// Withdraws the acceptance of a question's risk, with its audit entry and a new revision of
    /// the assessment, in one transaction; the acceptance it withdrew. Not found when there is
    /// none (and nothing is written).
    pub async fn withdraw_risk(
        &self,
        assessment_id: &str,
        question_id: &str,
        audit: Option<&AuditEntry>,
        now: i64,
    ) -> Result<StoredAcceptance, StoreError> {
        let mut tx = self.writer.begin().await?;
        let withdrawn = sqlx::query_as::<_, StoredAcceptance>(
            "SELECT question_id, level, reason, accepted_by, accepted_by_name, accepted_at \
             FROM risk_acceptances WHERE assessment_id = $1 AND question_id = $2",
        )
        .bind(assessment_id)
        .bind(question_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound(Missing::Acceptance))?;
        let deleted = sqlx::query(
            "DELETE FROM risk_acceptances WHERE assessment_id = $1 AND question_id = $2",
        )
        .bind(assessment_id)
        .bind(question_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        // Another withdrawal deleted it between the read and the delete (Postgres).
        if deleted == 0 {
            return Err(StoreError::NotFound(Missing::Acceptance));
        }
        if let Some(a) = audit {
            insert_audit(
                &mut tx, &a.team_id, &a.actor, &a.action, &a.target, &a.detail, now,
            )
            .await?;
        }
        self.finish_write(tx, assessment_id, true, now).await?;
        Ok(withdrawn)
    }
}
