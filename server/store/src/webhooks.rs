//! The SQL of outbound webhooks: a team's hooks (`webhooks`), the outbox of deliveries
//! (`webhook_deliveries`), written in the transaction of the change that raised the event, and
//! the log of each try (`webhook_attempts`).
//!
//! Senders claim a due delivery with a conditional update of its lease (`lease_until`), which
//! works the same on SQLite and Postgres: of two `trellis serve` on one database, one update
//! changes the row and the other changes nothing, so a delivery is never sent twice at once.

use sqlx::AnyConnection;

use crate::{Store, StoreError};

/// How many finished deliveries, and how many tries, the log keeps per hook.
pub const LOG_KEPT: i64 = 200;

/// One hook of a team.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct WebhookRow {
    /// Random id.
    pub id: String,
    /// The team.
    pub team_id: String,
    /// Where deliveries go.
    pub url: String,
    /// The signing secret.
    pub secret: String,
    /// The events subscribed, between commas (`,risk_opened,milestone_saved,`).
    pub events: String,
    /// 1: on; 0: paused.
    pub enabled: i64,
    /// Who made it.
    pub created_by: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

/// One delivery: an event for a hook.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeliveryRow {
    /// The event's id, a dot, the hook's id.
    pub id: String,
    /// The hook.
    pub hook_id: String,
    /// The event's id (the same for every hook the event goes to).
    pub event_id: String,
    /// The event's name (`risk_opened`).
    pub event: String,
    /// The event in words, for the log.
    pub summary: String,
    /// The JSON body sent.
    pub payload: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Tries so far.
    pub attempts: i64,
    /// When it is due (unix ms).
    pub next_at: i64,
    /// The last try's HTTP status.
    pub last_status: Option<i64>,
    /// The last try's error, when it got no response.
    pub last_error: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

/// One try of a delivery.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AttemptRow {
    /// The delivery.
    pub delivery_id: String,
    /// 1 for the first try.
    pub attempt: i64,
    /// The HTTP status, when there was a response.
    pub status: Option<i64>,
    /// Why there was no response (or no success).
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
    /// Unix ms.
    pub at: i64,
}

/// An event to deliver to every hook of its team that subscribes to it: written with the
/// change that raised it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    /// Random id, sent as the idempotency key.
    pub id: String,
    /// The event's name (`risk_opened`).
    pub event: String,
    /// The team whose hooks get it.
    pub team_id: String,
    /// The event in words.
    pub summary: String,
    /// The JSON body.
    pub payload: String,
}

/// What a try came to (see [`Store::finish_delivery`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TryOutcome {
    /// The HTTP status, when there was a response.
    pub status: Option<i64>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
    /// Delivered (a 2xx).
    pub delivered: bool,
    /// When to try again (`None`: no more tries; a failure then is final).
    pub retry_at: Option<i64>,
}

const HOOK_COLUMNS: &str =
    "id, team_id, url, secret, events, enabled, created_by, created_at, updated_at";
const DELIVERY_COLUMNS: &str = "id, hook_id, event_id, event, summary, payload, state, attempts, next_at, \
     last_status, last_error, created_at, updated_at";

/// Writes one delivery of `event` to hook `hook`, whatever it subscribes to ("send test"), on
/// the caller's transaction.
pub(crate) async fn enqueue_to_hook(
    conn: &mut AnyConnection,
    event: &OutboxEvent,
    hook: &str,
    now: i64,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "INSERT INTO webhook_deliveries (id, hook_id, event_id, event, summary, payload, state, attempts, \
         next_at, lease_until, created_at, updated_at) \
         SELECT CAST($1 AS TEXT) || '.' || id, id, $1, $2, $3, $4, 'pending', 0, $5, 0, $5, $5 \
         FROM webhooks WHERE team_id = $6 AND id = $7",
    )
    .bind(&event.id)
    .bind(&event.event)
    .bind(&event.summary)
    .bind(&event.payload)
    .bind(now)
    .bind(&event.team_id)
    .bind(hook)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Writes one delivery of each event per enabled hook of its team subscribed to it, on the
/// caller's transaction.
pub(crate) async fn enqueue_all(
    conn: &mut AnyConnection,
    events: &[OutboxEvent],
    now: i64,
) -> Result<(), StoreError> {
    enqueue_on(&mut crate::answers::sql::Pooled(conn), events, now).await
}

/// [`enqueue_all`] through the statements of a write, which may run on SQLite's writer thread
/// (the summary's refresh: see `summary.rs`).
pub(crate) async fn enqueue_on<S: crate::answers::sql::AnswerSql + ?Sized>(
    sql: &mut S,
    events: &[OutboxEvent],
    now: i64,
) -> Result<(), StoreError> {
    use crate::answers::sql::Arg::{Int, Text};
    for event in events {
        let pattern = format!("%,{},%", event.event);
        sql.execute(
            "INSERT INTO webhook_deliveries (id, hook_id, event_id, event, summary, payload, state, attempts, \
             next_at, lease_until, created_at, updated_at) \
             SELECT CAST($1 AS TEXT) || '.' || id, id, $1, $2, $3, $4, 'pending', 0, $5, 0, $5, $5 \
             FROM webhooks WHERE team_id = $6 AND enabled = 1 AND events LIKE $7",
            &[
                Text(&event.id),
                Text(&event.event),
                Text(&event.summary),
                Text(&event.payload),
                Int(now),
                Text(&event.team_id),
                Text(&pattern),
            ],
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// The hooks of a team, oldest first.
    pub async fn webhooks(&self, team_id: &str) -> Result<Vec<WebhookRow>, StoreError> {
        let sql = format!(
            "SELECT {HOOK_COLUMNS} FROM webhooks WHERE team_id = $1 ORDER BY created_at, id"
        );
        Ok(sqlx::query_as::<_, WebhookRow>(sqlx::AssertSqlSafe(sql))
            .bind(team_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// One hook of a team.
    pub async fn webhook(&self, team_id: &str, id: &str) -> Result<Option<WebhookRow>, StoreError> {
        let sql = format!("SELECT {HOOK_COLUMNS} FROM webhooks WHERE team_id = $1 AND id = $2");
        Ok(sqlx::query_as::<_, WebhookRow>(sqlx::AssertSqlSafe(sql))
            .bind(team_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Any hook, by id (for the sender).
    pub async fn webhook_by_id(&self, id: &str) -> Result<Option<WebhookRow>, StoreError> {
        let sql = format!("SELECT {HOOK_COLUMNS} FROM webhooks WHERE id = $1");
        Ok(sqlx::query_as::<_, WebhookRow>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Stores a new hook.
    pub async fn create_webhook(&self, row: &WebhookRow) -> Result<(), StoreError> {
        self.writer
            .execute(
                sqlx::query(
                    "INSERT INTO webhooks (id, team_id, url, secret, events, enabled, created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&row.id)
                .bind(&row.team_id)
                .bind(&row.url)
                .bind(&row.secret)
                .bind(&row.events)
                .bind(row.enabled)
                .bind(&row.created_by)
                .bind(row.created_at)
                .bind(row.updated_at),
            )
            .await?;
        Ok(())
    }

    /// Changes a hook's target, secret, events and switch. `false` when there is no such hook.
    pub async fn update_webhook(&self, row: &WebhookRow) -> Result<bool, StoreError> {
        let done = self
            .writer
            .execute(
                sqlx::query(
                    "UPDATE webhooks SET url = $1, secret = $2, events = $3, enabled = $4, updated_at = $5 \
                     WHERE team_id = $6 AND id = $7",
                )
                .bind(&row.url)
                .bind(&row.secret)
                .bind(&row.events)
                .bind(row.enabled)
                .bind(row.updated_at)
                .bind(&row.team_id)
                .bind(&row.id),
            )
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes a hook with its deliveries and log. `false` when there is no such hook.
    pub async fn delete_webhook(&self, team_id: &str, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM webhook_attempts WHERE hook_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM webhook_deliveries WHERE hook_id = $1 \
             AND hook_id IN (SELECT id FROM webhooks WHERE team_id = $2)",
        )
        .bind(id)
        .bind(team_id)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM webhooks WHERE team_id = $1 AND id = $2")
            .bind(team_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 1 {
            tx.commit().await?;
            Ok(true)
        } else {
            tx.rollback().await?;
            Ok(false)
        }
    }

    /// Writes one delivery of `event` to one hook of its team, whatever it subscribes to (the
    /// "send test" button). `false` when the team has no such hook.
    pub async fn enqueue_to(
        &self,
        hook_id: &str,
        event: &OutboxEvent,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let rows = enqueue_to_hook(&mut tx, event, hook_id, now).await?;
        tx.commit().await?;
        Ok(rows == 1)
    }

    /// Writes the deliveries of events raised by no other write (tests, and changes whose write
    /// has no transaction of its own here).
    pub async fn enqueue_events(&self, events: &[OutboxEvent], now: i64) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        enqueue_all(&mut tx, events, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` due deliveries for `owner` until `lease_until`: each is claimed by
    /// a conditional update, so a delivery another sender holds is skipped.
    pub async fn claim_deliveries(
        &self,
        owner: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let due: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_at <= $1 \
             AND lease_until <= $1 ORDER BY next_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for (id,) in due {
            let done = self
                .writer
                .execute(
                    sqlx::query(
                        "UPDATE webhook_deliveries SET lease_until = $1, lease_owner = $2 \
                         WHERE id = $3 AND state = 'pending' AND lease_until <= $4",
                    )
                    .bind(lease_until)
                    .bind(owner)
                    .bind(&id)
                    .bind(now),
                )
                .await?;
            if done.rows_affected() == 1 {
                let sql = format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1 AND lease_owner = $2"
                );
                if let Some(row) = sqlx::query_as::<_, DeliveryRow>(sqlx::AssertSqlSafe(sql))
                    .bind(&id)
                    .bind(owner)
                    .fetch_optional(&self.pool)
                    .await?
                {
                    claimed.push(row);
                }
            }
        }
        Ok(claimed)
    }

    /// Records a try of a delivery `owner` holds: its log line, and the delivery delivered,
    /// due again, or failed for good; then prunes the hook's log to [`LOG_KEPT`].
    pub async fn finish_delivery(
        &self,
        delivery: &DeliveryRow,
        owner: &str,
        outcome: &TryOutcome,
        now: i64,
    ) -> Result<(), StoreError> {
        let state = match (outcome.delivered, outcome.retry_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, next_at = $2, lease_until = 0, \
             lease_owner = NULL, last_status = $3, last_error = $4, updated_at = $5 \
             WHERE id = $6 AND lease_owner = $7",
        )
        .bind(state)
        .bind(outcome.retry_at.unwrap_or(now))
        .bind(outcome.status)
        .bind(outcome.error.clone())
        .bind(now)
        .bind(&delivery.id)
        .bind(owner)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            // The lease ran out and another sender holds it now (or the hook was deleted).
            tx.rollback().await?;
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO webhook_attempts (id, delivery_id, hook_id, attempt, status, error, duration_ms, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(uuid::Uuid::new_v4().simple().to_string())
        .bind(&delivery.id)
        .bind(&delivery.hook_id)
        .bind(delivery.attempts + 1)
        .bind(outcome.status)
        .bind(outcome.error.clone())
        .bind(outcome.duration_ms)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM webhook_attempts WHERE hook_id = $1 AND id NOT IN \
             (SELECT id FROM webhook_attempts WHERE hook_id = $1 ORDER BY at DESC, id DESC LIMIT $2)",
        )
        .bind(&delivery.hook_id)
        .bind(LOG_KEPT)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM webhook_deliveries WHERE hook_id = $1 AND state <> 'pending' AND id NOT IN \
             (SELECT id FROM webhook_deliveries WHERE hook_id = $1 AND state <> 'pending' \
              ORDER BY updated_at DESC, id DESC LIMIT $2)",
        )
        .bind(&delivery.hook_id)
        .bind(LOG_KEPT)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A hook's deliveries, newest first, at most `limit`.
    pub async fn deliveries(
        &self,
        hook_id: &str,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE hook_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        Ok(sqlx::query_as::<_, DeliveryRow>(sqlx::AssertSqlSafe(sql))
            .bind(hook_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// A hook's tries, newest first, at most `limit`.
    pub async fn delivery_attempts(
        &self,
        hook_id: &str,
        limit: i64,
    ) -> Result<Vec<AttemptRow>, StoreError> {
        Ok(sqlx::query_as::<_, AttemptRow>(
            "SELECT delivery_id, attempt, status, error, duration_ms, at FROM webhook_attempts \
             WHERE hook_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(hook_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
