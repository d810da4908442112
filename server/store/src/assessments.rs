//! The SQL of assessments (reviews): created, read, renamed, archived and duplicated. Lists of
//! them are in `listing.rs`; one started from another's answers is in `templates.rs`.

use questionnaires::Workload;

use super::answers::copy_answers;
use super::{Assessment, Current, Missing, NewAssessment, Store, StoreError};

pub(super) const ASSESSMENT_COLUMNS: &str = "id, name, description, environment, questionnaire_id, questionnaire_hash, \
     created_at, updated_at, archived_at, version, team_id, started_from";

impl Store {
    /// Creates an assessment.
    pub async fn create_assessment(
        &self,
        new: &NewAssessment,
        id: &str,
        now: i64,
    ) -> Result<Assessment, StoreError> {
        let mut tx = self.writer.begin().await?;
        insert_assessment(&mut tx, new, id, None, now).await?;
        self.refresh_in(&mut tx, id, now).await?;
        tx.commit().await?;
        self.assessment(id).await
    }

    /// One assessment.
    pub async fn assessment(&self, id: &str) -> Result<Assessment, StoreError> {
        let sql = format!("SELECT {ASSESSMENT_COLUMNS} FROM assessments WHERE id = $1");
        sqlx::query_as::<_, Assessment>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound(Missing::Review))
    }

    /// Renames an assessment and edits its details, if it is still at `version`.
    pub async fn update_assessment(
        &self,
        id: &str,
        workload: &Workload,
        version: i64,
        now: i64,
    ) -> Result<Assessment, StoreError> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE assessments SET name = $1, description = $2, environment = $3, updated_at = $4, \
             version = version + 1, revision = revision + 1 WHERE id = $5 AND version = $6",
        )
        .bind(&workload.name)
        .bind(&workload.description)
        .bind(&workload.environment)
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() > 0 {
            self.refresh_in(&mut tx, id, now).await?;
        }
        tx.commit().await?;
        self.after_versioned_update(id, done.rows_affected()).await
    }

    /// Archives (or, with `archive = false`, restores) an assessment at `version`.
    pub async fn set_archived(
        &self,
        id: &str,
        archive: bool,
        version: i64,
        now: i64,
    ) -> Result<Assessment, StoreError> {
        self.set_archived_raising(id, archive, version, now, &[])
            .await
    }

    /// [`Store::set_archived`], writing the deliveries of `events` in the same transaction when
    /// the change is stored (none on a stale version).
    pub async fn set_archived_raising(
        &self,
        id: &str,
        archive: bool,
        version: i64,
        now: i64,
        events: &[crate::OutboxEvent],
    ) -> Result<Assessment, StoreError> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE assessments SET archived_at = $1, updated_at = $2, version = version + 1, revision = revision + 1 \
             WHERE id = $3 AND version = $4",
        )
        .bind(archive.then_some(now))
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            crate::webhooks::enqueue_all(&mut tx, events, now).await?;
            self.refresh_in(&mut tx, id, now).await?;
        }
        tx.commit().await?;
        self.after_versioned_update(id, done.rows_affected()).await
    }

    pub(super) async fn after_versioned_update(
        &self,
        id: &str,
        rows: u64,
    ) -> Result<Assessment, StoreError> {
        if rows > 0 {
            self.committed(id);
        }
        let current = self.assessment(id).await?;
        if rows == 0 {
            return Err(StoreError::Conflict(Box::new(Current::Assessment(current))));
        }
        Ok(current)
    }

    /// Copies an assessment with its answers (still to confirm where they were), checklist
    /// state and accepted risks (who accepted each, when and why, as they were), in one
    /// transaction.
    pub async fn duplicate_assessment(
        &self,
        id: &str,
        new_id: &str,
        name: &str,
        who: &str,
        now: i64,
    ) -> Result<Assessment, StoreError> {
        let mut tx = self.writer.begin().await?;
        let copied = sqlx::query(
            "INSERT INTO assessments (id, name, description, environment, questionnaire_id, questionnaire_hash, \
             created_at, updated_at, version, team_id, started_from) SELECT $1, $2, description, environment, \
             questionnaire_id, questionnaire_hash, $3, $3, 1, team_id, started_from FROM assessments WHERE id = $4",
        )
        .bind(new_id)
        .bind(name)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if copied.rows_affected() == 0 {
            return Err(StoreError::NotFound(Missing::Review));
        }
        copy_answers(&mut tx, id, new_id, who, now, false).await?;
        sqlx::query(
            "INSERT INTO checklist_items (assessment_id, item_id, status, owner, due_date, updated_by, updated_at, version) \
             SELECT $1, item_id, status, owner, due_date, $2, $3, 1 FROM checklist_items WHERE assessment_id = $4",
        )
        .bind(new_id)
        .bind(who)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO risk_acceptances (assessment_id, question_id, level, reason, accepted_by, \
             accepted_by_name, accepted_at) SELECT $1, question_id, level, reason, accepted_by, \
             accepted_by_name, accepted_at FROM risk_acceptances WHERE assessment_id = $2",
        )
        .bind(new_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO review_tags (assessment_id, tag) SELECT $1, tag FROM review_tags WHERE assessment_id = $2",
        )
        .bind(new_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        self.refresh_in(&mut tx, new_id, now).await?;
        tx.commit().await?;
        self.assessment(new_id).await
    }
}

/// Inserts an assessment's row, with what it `started_from` (`None`: blank).
pub(super) async fn insert_assessment(
    conn: &mut sqlx::AnyConnection,
    new: &NewAssessment,
    id: &str,
    started_from: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO assessments (id, name, description, environment, questionnaire_id, questionnaire_hash, \
         created_at, updated_at, version, team_id, started_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1, $8, $9)",
    )
    .bind(id)
    .bind(&new.workload.name)
    .bind(&new.workload.description)
    .bind(&new.workload.environment)
    .bind(&new.questionnaire_id)
    .bind(&new.questionnaire_hash)
    .bind(now)
    .bind(&new.team_id)
    .bind(started_from)
    .execute(conn)
    .await?;
    Ok(())
}
