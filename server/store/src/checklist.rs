//! The SQL of checklist items: a review's team state of each item (status, owner, due date),
//! saved at the version the writer read.

use super::{Current, Store, StoreError, StoredItem};

impl Store {
    /// The checklist state of an assessment.
    pub async fn checklist(&self, assessment_id: &str) -> Result<Vec<StoredItem>, StoreError> {
        Ok(sqlx::query_as::<_, StoredItem>(
            "SELECT item_id, status, owner, due_date, updated_by, updated_at, version FROM checklist_items \
             WHERE assessment_id = $1 ORDER BY item_id",
        )
        .bind(assessment_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Saves one checklist item's state, at `version` (`None`: never saved before).
    #[expect(clippy::too_many_arguments, reason = "each is a column of the row")]
    pub async fn save_item(
        &self,
        assessment_id: &str,
        item_id: &str,
        status: &str,
        owner: &str,
        due_date: Option<&str>,
        version: Option<i64>,
        who: &str,
        now: i64,
    ) -> Result<StoredItem, StoreError> {
        self.save_item_raising(
            assessment_id,
            item_id,
            (status, owner, due_date),
            version,
            who,
            now,
            &[],
        )
        .await
    }

    /// [`Store::save_item`], writing the deliveries of `events` in the same transaction when the
    /// item is saved (none on a stale version). `state` is the status, owner and due date.
    #[expect(clippy::too_many_arguments, reason = "each is a column of the row")]
    pub async fn save_item_raising(
        &self,
        assessment_id: &str,
        item_id: &str,
        (status, owner, due_date): (&str, &str, Option<&str>),
        version: Option<i64>,
        who: &str,
        now: i64,
        events: &[crate::OutboxEvent],
    ) -> Result<StoredItem, StoreError> {
        let mut tx = self.writer.begin().await?;
        let rows = match version {
            None => sqlx::query(
                "INSERT INTO checklist_items (assessment_id, item_id, status, owner, due_date, updated_by, updated_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 1) ON CONFLICT (assessment_id, item_id) DO NOTHING",
            )
            .bind(assessment_id)
            .bind(item_id)
            .bind(status)
            .bind(owner)
            .bind(due_date)
            .bind(who)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            Some(v) => sqlx::query(
                "UPDATE checklist_items SET status = $1, owner = $2, due_date = $3, updated_by = $4, updated_at = $5, \
                 version = version + 1 WHERE assessment_id = $6 AND item_id = $7 AND version = $8",
            )
            .bind(status)
            .bind(owner)
            .bind(due_date)
            .bind(who)
            .bind(now)
            .bind(assessment_id)
            .bind(item_id)
            .bind(v)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        };
        if rows == 1 {
            crate::webhooks::enqueue_all(&mut tx, events, now).await?;
        }
        self.finish_write(tx, assessment_id, rows == 1, now).await?;
        let current = self
            .checklist(assessment_id)
            .await?
            .into_iter()
            .find(|i| i.item_id == item_id);
        match (rows, current) {
            (1, Some(item)) => Ok(item),
            (_, current) => Err(StoreError::Conflict(Box::new(Current::Item(current)))),
        }
    }
}
