//! The SQL of milestones: inserted once, read many times, never updated; and moving a review to
//! a newer lens version, which saves one first.

use std::collections::HashMap;

use questionnaires::{Answers, Evaluation};
use sqlx::FromRow;

use super::{Assessment, Missing, Store, StoreError};

/// A milestone in a list.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct MilestoneRow {
    /// Random id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Who saved it.
    pub created_by: String,
    /// Unix ms.
    pub created_at: i64,
    /// The questionnaire content it was evaluated with.
    pub questionnaire_hash: String,
}

/// A milestone with its snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Milestone {
    /// Its row.
    pub row: MilestoneRow,
    /// The answers then.
    pub answers: Answers,
    /// Their evaluation then.
    pub evaluation: Evaluation,
}

impl Store {
    /// Saves a milestone of an assessment.
    pub async fn create_milestone(
        &self,
        row: &MilestoneRow,
        assessment_id: &str,
        answers: &Answers,
        evaluation: &Evaluation,
    ) -> Result<(), StoreError> {
        self.create_milestone_raising(row, assessment_id, answers, evaluation, &[])
            .await
    }

    /// [`Store::create_milestone`], writing the deliveries of `events` in the same transaction.
    pub async fn create_milestone_raising(
        &self,
        row: &MilestoneRow,
        assessment_id: &str,
        answers: &Answers,
        evaluation: &Evaluation,
        events: &[crate::OutboxEvent],
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        insert(row, assessment_id, answers, evaluation)?
            .execute(&mut *tx)
            .await?;
        insert_score(&mut tx, row, assessment_id, evaluation).await?;
        crate::webhooks::enqueue_all(&mut tx, events, row.created_at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves an assessment at `version` to another version of its lens (`hash`), in one
    /// transaction: a milestone of how it was (`before`, with its answers and evaluation), the
    /// answers the new version cannot hold (`dropped`) deleted, the new hash, and an audit entry.
    /// A stale `version` changes nothing and is a conflict.
    #[allow(clippy::too_many_arguments)]
    pub async fn move_to_lens_version(
        &self,
        assessment: &Assessment,
        version: i64,
        hash: &str,
        before: (&MilestoneRow, &Answers, &Evaluation),
        dropped: &[String],
        actor: &str,
        detail: &str,
        now: i64,
    ) -> Result<Assessment, StoreError> {
        let id = assessment.id.as_str();
        let mut tx = self.writer.begin().await?;
        let moved = sqlx::query(
            "UPDATE assessments SET questionnaire_hash = $1, updated_at = $2, version = version + 1, \
             revision = revision + 1 WHERE id = $3 AND version = $4",
        )
        .bind(hash)
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            tx.rollback().await?;
            return self.after_versioned_update(id, 0).await;
        }
        insert(before.0, id, before.1, before.2)?
            .execute(&mut *tx)
            .await?;
        insert_score(&mut tx, before.0, id, before.2).await?;
        for q in dropped {
            sqlx::query("DELETE FROM answers WHERE assessment_id = $1 AND question_id = $2")
                .bind(id)
                .bind(q)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(team) = &assessment.team_id {
            sqlx::query(
                "INSERT INTO audit_log (id, team_id, at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(uuid::Uuid::new_v4().simple().to_string())
            .bind(team)
            .bind(now)
            .bind(actor)
            .bind("lens_version")
            .bind(&assessment.name)
            .bind(detail)
            .execute(&mut *tx)
            .await?;
        }
        self.refresh_in(&mut tx, id, now).await?;
        tx.commit().await?;
        self.after_versioned_update(id, 1).await
    }

    /// An assessment's milestones, newest first.
    pub async fn milestones(&self, assessment_id: &str) -> Result<Vec<MilestoneRow>, StoreError> {
        Ok(sqlx::query_as::<_, MilestoneRow>(
            "SELECT id, name, created_by, created_at, questionnaire_hash FROM milestones \
             WHERE assessment_id = $1 ORDER BY created_at DESC, id",
        )
        .bind(assessment_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The milestones of each of these assessments (a list of them), newest first, by
    /// assessment id: one statement rather than one an assessment.
    pub async fn milestones_of(
        &self,
        assessment_ids: &[&str],
    ) -> Result<HashMap<String, Vec<MilestoneRow>>, StoreError> {
        #[derive(FromRow)]
        struct Row {
            assessment_id: String,
            #[sqlx(flatten)]
            row: MilestoneRow,
        }
        let mut by_assessment: HashMap<String, Vec<MilestoneRow>> = HashMap::new();
        for ids in assessment_ids.chunks(100) {
            let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT assessment_id, id, name, created_by, created_at, questionnaire_hash \
                 FROM milestones WHERE assessment_id IN ({}) ORDER BY created_at DESC, id",
                placeholders.join(", ")
            );
            let mut query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
            for id in ids {
                query = query.bind(*id);
            }
            for r in query.fetch_all(&self.pool).await? {
                by_assessment
                    .entry(r.assessment_id)
                    .or_default()
                    .push(r.row);
            }
        }
        Ok(by_assessment)
    }

    /// One milestone of an assessment, with its snapshot.
    pub async fn milestone(&self, assessment_id: &str, id: &str) -> Result<Milestone, StoreError> {
        let row: Option<(String, String, String, i64, String, String, String)> = sqlx::query_as(
            "SELECT id, name, created_by, created_at, questionnaire_hash, answers, evaluation FROM milestones \
             WHERE assessment_id = $1 AND id = $2",
        )
        .bind(assessment_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let (id, name, created_by, created_at, questionnaire_hash, answers, evaluation) =
            row.ok_or(StoreError::NotFound(Missing::Milestone))?;
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("milestone {id}: {e}"));
        Ok(Milestone {
            answers: serde_json::from_str(&answers).map_err(corrupt)?,
            evaluation: serde_json::from_str(&evaluation).map_err(corrupt)?,
            row: MilestoneRow {
                id: id.clone(),
                name,
                created_by,
                created_at,
                questionnaire_hash,
            },
        })
    }
}

/// The statement that saves one milestone.
fn insert<'q>(
    row: &'q MilestoneRow,
    assessment_id: &'q str,
    answers: &Answers,
    evaluation: &Evaluation,
) -> Result<sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>, StoreError> {
    let json =
        |v: Result<String, serde_json::Error>| v.map_err(|e| StoreError::Corrupt(e.to_string()));
    Ok(sqlx::query(
        "INSERT INTO milestones (id, assessment_id, name, created_by, created_at, questionnaire_hash, answers, evaluation) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&row.id)
    .bind(assessment_id)
    .bind(&row.name)
    .bind(&row.created_by)
    .bind(row.created_at)
    .bind(&row.questionnaire_hash)
    .bind(json(serde_json::to_string(answers))?)
    .bind(json(serde_json::to_string(evaluation))?))
}

/// Records a milestone's overall score for the portfolio's trends, in the milestone's transaction.
pub(super) async fn insert_score(
    conn: &mut sqlx::AnyConnection,
    row: &MilestoneRow,
    assessment_id: &str,
    evaluation: &Evaluation,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO milestone_scores (milestone_id, assessment_id, name, created_at, overall) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&row.id)
    .bind(assessment_id)
    .bind(&row.name)
    .bind(row.created_at)
    .bind(evaluation.scores.overall.map(|x| x.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}
