//! The SQL of milestones: inserted once, read many times, never updated.

use std::collections::HashMap;

use questionnaires::{Answers, Evaluation};
use sqlx::FromRow;

use super::{Missing, Store, StoreError};

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
        let json = |v: Result<String, serde_json::Error>| {
            v.map_err(|e| StoreError::Corrupt(e.to_string()))
        };
        let mut tx = self.writer.begin().await?;
        sqlx::query(
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
        .bind(json(serde_json::to_string(evaluation))?)
        .execute(&mut *tx)
        .await?;
        insert_score(&mut tx, row, assessment_id, evaluation).await?;
        tx.commit().await?;
        Ok(())
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
