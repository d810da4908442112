//! The SQL of a review's discussion and assignments: comments under questions (the `comments`
//! table), the members they mention (`mentions`), who answers an area or a question
//! (`assignments`), and what needs a member across every review (assigned, mentioned, checklist
//! items due). Each write records its audit entry in the same transaction. Comments and
//! assignments do not move a review's revision: nothing cached (the results page, the plain
//! report downloads) shows them.

use serde::Serialize;
use sqlx::FromRow;

use super::accounts::insert_audit;
use super::{AuditEntry, Store, StoreError};

/// One comment, deleted or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct CommentRow {
    /// Random id.
    pub id: String,
    /// The review.
    pub assessment_id: String,
    /// The question it is under.
    pub question_id: String,
    /// Who wrote it: their account id.
    pub author_id: String,
    /// Who wrote it: their name then.
    pub author_name: String,
    /// As written (Markdown); empty once deleted.
    pub body: String,
    /// 1 when written, one more on each edit.
    pub version: i64,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms of the last edit.
    pub edited_at: Option<i64>,
    /// Unix ms of its deletion.
    pub deleted_at: Option<i64>,
    /// Who deleted it (their name).
    pub deleted_by: Option<String>,
}

/// What an edit or a deletion of a comment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentWrite {
    /// Stored: the comment now.
    Saved(CommentRow),
    /// The comment changed since the version named: nothing was stored; the comment now.
    Stale(CommentRow),
    /// No such comment in this review (or it is deleted).
    Missing,
}

/// Who answers an area or a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct AssignmentRow {
    /// `area` or `question`.
    pub scope: String,
    /// The area's or question's id.
    pub target_id: String,
    /// The assignee's account id.
    pub user_id: String,
    /// The assignee's name.
    pub user_name: String,
    /// Who assigned (their name).
    pub assigned_by: String,
    /// Unix ms.
    pub assigned_at: i64,
}

/// A mention of a member, with its comment.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct MentionRow {
    /// The comment.
    pub comment_id: String,
    /// Its review.
    pub assessment_id: String,
    /// The review's name.
    pub workload: String,
    /// The question the comment is under.
    pub question_id: String,
    /// Who wrote it.
    pub author_name: String,
    /// The comment as written.
    pub body: String,
    /// Unix ms of the comment.
    pub created_at: i64,
    /// When the member first saw it in their list.
    pub seen_at: Option<i64>,
}

/// An assignment of a member, with its review.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct MyAssignmentRow {
    /// The review.
    pub assessment_id: String,
    /// Its name.
    pub workload: String,
    /// `area` or `question`.
    pub scope: String,
    /// The area's or question's id.
    pub target_id: String,
}

const COMMENT: &str = "SELECT id, assessment_id, question_id, author_id, author_name, body, \
     version, created_at, edited_at, deleted_at, deleted_by FROM comments";

async fn audit(
    tx: &mut sqlx::AnyConnection,
    entry: Option<&AuditEntry>,
    now: i64,
) -> Result<(), StoreError> {
    if let Some(a) = entry {
        insert_audit(
            tx, &a.team_id, &a.actor, &a.action, &a.target, &a.detail, now,
        )
        .await?;
    }
    Ok(())
}

async fn insert_mentions(
    tx: &mut sqlx::AnyConnection,
    comment: &CommentRow,
    users: &[String],
    now: i64,
) -> Result<(), StoreError> {
    for user in users {
        sqlx::query(
            "INSERT INTO mentions (comment_id, user_id, assessment_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (comment_id, user_id) DO NOTHING",
        )
        .bind(&comment.id)
        .bind(user)
        .bind(&comment.assessment_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// A review's comments, oldest first: under one question, or under every question.
    pub async fn comments(
        &self,
        assessment_id: &str,
        question_id: Option<&str>,
    ) -> Result<Vec<CommentRow>, StoreError> {
        let sql = match question_id {
            Some(_) => format!(
                "{COMMENT} WHERE assessment_id = $1 AND question_id = $2 ORDER BY created_at, id"
            ),
            None => format!(
                "{COMMENT} WHERE assessment_id = $1 AND question_id <> $2 \
                 ORDER BY question_id, created_at, id"
            ),
        };
        Ok(sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(sql))
            .bind(assessment_id)
            .bind(question_id.unwrap_or(""))
            .fetch_all(&self.pool)
            .await?)
    }

    /// One comment of a review.
    pub async fn comment(
        &self,
        assessment_id: &str,
        comment_id: &str,
    ) -> Result<Option<CommentRow>, StoreError> {
        let sql = format!("{COMMENT} WHERE assessment_id = $1 AND id = $2");
        Ok(sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(sql))
            .bind(assessment_id)
            .bind(comment_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Stores a new comment, the members it mentions and its audit entry, in one transaction.
    pub async fn add_comment(
        &self,
        comment: &CommentRow,
        mentioned: &[String],
        entry: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO comments (id, assessment_id, question_id, author_id, author_name, body, \
             version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&comment.id)
        .bind(&comment.assessment_id)
        .bind(&comment.question_id)
        .bind(&comment.author_id)
        .bind(&comment.author_name)
        .bind(&comment.body)
        .bind(comment.version)
        .bind(comment.created_at)
        .execute(&mut *tx)
        .await?;
        insert_mentions(&mut tx, comment, mentioned, comment.created_at).await?;
        audit(&mut tx, entry, comment.created_at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a comment's text if it is still at `version` (and not deleted), with the members
    /// it now mentions (earlier mentions stay) and its audit entry, in one transaction.
    #[expect(clippy::too_many_arguments, reason = "one transaction's parts")]
    pub async fn edit_comment(
        &self,
        assessment_id: &str,
        comment_id: &str,
        version: i64,
        body: &str,
        mentioned: &[String],
        entry: Option<&AuditEntry>,
        now: i64,
    ) -> Result<CommentWrite, StoreError> {
        let mut tx = self.writer.begin().await?;
        let changed = sqlx::query(
            "UPDATE comments SET body = $1, version = version + 1, edited_at = $2 \
             WHERE assessment_id = $3 AND id = $4 AND version = $5 AND deleted_at IS NULL",
        )
        .bind(body)
        .bind(now)
        .bind(assessment_id)
        .bind(comment_id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let sql = format!("{COMMENT} WHERE assessment_id = $1 AND id = $2");
        let now_row = sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(sql))
            .bind(assessment_id)
            .bind(comment_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = now_row.filter(|r| r.deleted_at.is_none()) else {
            tx.rollback().await?;
            return Ok(CommentWrite::Missing);
        };
        if changed != 1 {
            tx.rollback().await?;
            return Ok(CommentWrite::Stale(row));
        }
        insert_mentions(&mut tx, &row, mentioned, now).await?;
        audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(CommentWrite::Saved(row))
    }

    /// Deletes a comment: its text is emptied and it is marked deleted (its place in the thread
    /// stays), its mentions go, with its audit entry, in one transaction. A `version`, when
    /// given, must still be the comment's.
    pub async fn delete_comment(
        &self,
        assessment_id: &str,
        comment_id: &str,
        version: Option<i64>,
        who: &str,
        entry: Option<&AuditEntry>,
        now: i64,
    ) -> Result<CommentWrite, StoreError> {
        let mut tx = self.writer.begin().await?;
        let changed = sqlx::query(
            "UPDATE comments SET body = '', version = version + 1, deleted_at = $1, deleted_by = $2 \
             WHERE assessment_id = $3 AND id = $4 AND deleted_at IS NULL \
             AND ($5 = 0 OR version = $6)",
        )
        .bind(now)
        .bind(who)
        .bind(assessment_id)
        .bind(comment_id)
        .bind(i64::from(version.is_some()))
        .bind(version.unwrap_or(0))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let sql = format!("{COMMENT} WHERE assessment_id = $1 AND id = $2");
        let row = sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(sql))
            .bind(assessment_id)
            .bind(comment_id)
            .fetch_optional(&mut *tx)
            .await?;
        let row = match row {
            Some(r) if changed == 1 => r,
            Some(r) if r.deleted_at.is_none() => {
                tx.rollback().await?;
                return Ok(CommentWrite::Stale(r));
            }
            _ => {
                tx.rollback().await?;
                return Ok(CommentWrite::Missing);
            }
        };
        sqlx::query("DELETE FROM mentions WHERE comment_id = $1")
            .bind(comment_id)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(CommentWrite::Saved(row))
    }

    /// How many comments (not deleted) each question of a review has, by question id.
    pub async fn comment_counts(
        &self,
        assessment_id: &str,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as::<_, (String, i64)>(
            "SELECT question_id, COUNT(*) FROM comments \
             WHERE assessment_id = $1 AND deleted_at IS NULL GROUP BY question_id",
        )
        .bind(assessment_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A review's assignments, areas first.
    pub async fn assignments(&self, assessment_id: &str) -> Result<Vec<AssignmentRow>, StoreError> {
        Ok(sqlx::query_as::<_, AssignmentRow>(
            "SELECT a.scope, a.target_id, a.user_id, u.name AS user_name, a.assigned_by, a.assigned_at \
             FROM assignments a JOIN users u ON u.id = a.user_id \
             WHERE a.assessment_id = $1 ORDER BY a.scope, a.target_id",
        )
        .bind(assessment_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Sets (`Some`) or clears (`None`) the assignee of an area or a question, with its audit
    /// entry, in one transaction. Whether anything changed.
    #[expect(clippy::too_many_arguments, reason = "one transaction's parts")]
    pub async fn set_assignment(
        &self,
        assessment_id: &str,
        scope: &str,
        target_id: &str,
        user_id: Option<&str>,
        who: &str,
        entry: Option<&AuditEntry>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let changed = match user_id {
            Some(user) => sqlx::query(
                "INSERT INTO assignments (assessment_id, scope, target_id, user_id, assigned_by, assigned_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (assessment_id, scope, target_id) \
                 DO UPDATE SET user_id = excluded.user_id, assigned_by = excluded.assigned_by, \
                 assigned_at = excluded.assigned_at WHERE assignments.user_id <> excluded.user_id",
            )
            .bind(assessment_id)
            .bind(scope)
            .bind(target_id)
            .bind(user)
            .bind(who)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            None => sqlx::query(
                "DELETE FROM assignments WHERE assessment_id = $1 AND scope = $2 AND target_id = $3",
            )
            .bind(assessment_id)
            .bind(scope)
            .bind(target_id)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        };
        if changed == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Everything assigned to a member, in the reviews of the teams they are still in (and
    /// not archived), by review.
    pub async fn assigned_to(&self, user_id: &str) -> Result<Vec<MyAssignmentRow>, StoreError> {
        Ok(sqlx::query_as::<_, MyAssignmentRow>(
            "SELECT a.assessment_id, s.name AS workload, a.scope, a.target_id \
             FROM assignments a JOIN assessments s ON s.id = a.assessment_id \
             JOIN memberships m ON m.team_id = s.team_id AND m.user_id = a.user_id \
             WHERE a.user_id = $1 AND s.archived_at IS NULL \
             ORDER BY s.name, a.assessment_id, a.scope, a.target_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The comments that mention a member, newest first (at most `limit`), in the reviews of
    /// the teams they are still in.
    pub async fn mentions_of(
        &self,
        user_id: &str,
        limit: i64,
    ) -> Result<Vec<MentionRow>, StoreError> {
        Ok(sqlx::query_as::<_, MentionRow>(
            "SELECT n.comment_id, n.assessment_id, s.name AS workload, c.question_id, c.author_name, \
             c.body, c.created_at, n.seen_at FROM mentions n \
             JOIN comments c ON c.id = n.comment_id \
             JOIN assessments s ON s.id = n.assessment_id \
             JOIN memberships m ON m.team_id = s.team_id AND m.user_id = n.user_id \
             WHERE n.user_id = $1 AND c.deleted_at IS NULL \
             ORDER BY c.created_at DESC, n.comment_id LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many mentions of a member are unseen, by the team of their review (deleted
    /// comments and teams the member has left not counted).
    pub async fn unseen_mentions(&self, user_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as::<_, (String, i64)>(
            "SELECT m.team_id, COUNT(*) FROM mentions n \
             JOIN comments c ON c.id = n.comment_id \
             JOIN assessments s ON s.id = n.assessment_id \
             JOIN memberships m ON m.team_id = s.team_id AND m.user_id = n.user_id \
             WHERE n.user_id = $1 AND n.seen_at IS NULL AND c.deleted_at IS NULL \
             GROUP BY m.team_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Marks every mention of a member as seen.
    pub async fn mark_mentions_seen(&self, user_id: &str, now: i64) -> Result<(), StoreError> {
        self.writer
            .execute(
                sqlx::query(
                    "UPDATE mentions SET seen_at = $1 WHERE user_id = $2 AND seen_at IS NULL",
                )
                .bind(now)
                .bind(user_id),
            )
            .await?;
        Ok(())
    }

    /// The open checklist items of the reviews a member's teams hold, with an owner and a due
    /// date, as (review id, review name, item id, owner, due date): the caller keeps the
    /// member's.
    pub async fn owned_items(
        &self,
        user_id: &str,
    ) -> Result<Vec<(String, String, String, String, String)>, StoreError> {
        Ok(sqlx::query_as::<_, (String, String, String, String, String)>(
            "SELECT c.assessment_id, s.name, c.item_id, c.owner, c.due_date FROM checklist_items c \
             JOIN assessments s ON s.id = c.assessment_id \
             JOIN memberships m ON m.team_id = s.team_id AND m.user_id = $1 \
             WHERE c.status = 'open' AND c.owner <> '' AND c.due_date IS NOT NULL \
             AND s.archived_at IS NULL ORDER BY c.due_date, s.name, c.item_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
