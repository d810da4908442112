//! The SQL of templates: a new assessment that starts from another one's answers, or from a
//! milestone's, with every answer it carries over marked to confirm.

use questionnaires::Answers;

use super::answers::{copy_answers, encode_value};
use super::assessments::insert_assessment;
use super::{Assessment, Missing, NewAssessment, Store, StoreError};

/// The answers a new assessment starts from.
#[derive(Debug, Clone, Copy)]
pub enum Template<'a> {
    /// An assessment's answers as they are when the copy is made, with their notes.
    Assessment(&'a str),
    /// A snapshot's answers, such as a milestone's.
    Answers(&'a Answers),
}

impl Store {
    /// Creates an assessment from a template, in one transaction: its row, saying what it
    /// `started_from`, and a copy of every answer of the template, each to confirm. The
    /// checklist state (owners, due dates, statuses) is not copied: it records the progress of
    /// the source's own review, and the new one tracks its own. An unknown source assessment is
    /// [`StoreError::NotFound`], and nothing is created.
    pub async fn create_from_template(
        &self,
        new: &NewAssessment,
        id: &str,
        template: Template<'_>,
        started_from: &str,
        who: &str,
        now: i64,
    ) -> Result<Assessment, StoreError> {
        let mut tx = self.writer.begin().await?;
        insert_assessment(&mut tx, new, id, Some(started_from), now).await?;
        match template {
            Template::Assessment(source) => {
                sqlx::query_scalar::<_, String>("SELECT id FROM assessments WHERE id = $1")
                    .bind(source)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound(Missing::Review))?;
                copy_answers(&mut tx, source, id, who, now, true).await?;
            }
            Template::Answers(answers) => {
                for (question, answer) in answers {
                    sqlx::query(
                        "INSERT INTO answers (assessment_id, question_id, value, note, updated_by, updated_at, \
                         version, to_confirm) VALUES ($1, $2, $3, $4, $5, $6, 1, 1)",
                    )
                    .bind(id)
                    .bind(question.as_str())
                    .bind(encode_value(answer)?)
                    .bind(answer.note.as_deref())
                    .bind(who)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        self.refresh_in(&mut tx, id, now).await?;
        tx.commit().await?;
        self.assessment(id).await
    }
}
