
/// The `run` function: runs the job once per scheduled time that EventBridge Scheduler delivers,
/// skipping a slot already done and a start that would overlap the run still going. A failure is
/// retried by Lambda, then sent to the failed-runs queue.
pub mod run {
    use aws_sdk_dynamodb::types::AttributeValue;
    use lambda_runtime::LambdaEvent;
    use tracing::Instrument as _;

    use super::{Error, aws_error, deadline_s, env, invocation_span, log_events, now_s, service};

    /// A few seconds past the invocation's deadline, for clock skew between Lambda and DynamoDB.
    pub const LOCK_MARGIN_S: u64 = 5;

    /// One scheduled run: the schedule that fired and the time it was scheduled for.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Slot {
        /// The schedule's ARN.
        pub schedule: String,
        /// The scheduled time, as Scheduler gives it (`2026-11-26T02:00:00Z`).
        pub scheduled_time: String,
        /// Scheduler's delivery attempt, from 1.
        pub attempt: u32,
    }

    impl Slot {
        /// The slot's record in the runs table: one per schedule and scheduled time.
        pub fn run_id(&self) -> String {
            format!("run#{}#{}", self.schedule, self.scheduled_time)
        }

        /// The schedule's lock: one per schedule, whatever the time.
        pub fn lock_id(&self) -> String {
            format!("lock#{}", self.schedule)
        }
    }

    /// Whether `s` reads as an ISO 8601 UTC time, `YYYY-MM-DDTHH:MM:SSZ` (seconds may carry a fraction).
    pub fn is_utc_time(s: &str) -> bool {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
        b.len() >= 20
            && digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[7] == b'-'
            && digits(8..10)
            && b[10] == b'T'
            && digits(11..13)
            && b[13] == b':'
            && digits(14..16)
            && b[16] == b':'
            && digits(17..19)
            && s.ends_with('Z')
    }

    /// Reads the slot of an invocation from the input the schedule sends (template.yaml, JobSchedule).
    pub fn parse(event: &serde_json::Value) -> Result<Slot, Error> {
        let text = |name: &str| event.get(name).and_then(serde_json::Value::as_str);
        let schedule = text("schedule_arn").filter(|s| !s.is_empty());
        let Some(schedule) = schedule else {
            return Err("the event must carry a non-empty string \"schedule_arn\"".into());
        };
        let time = text("scheduled_time").unwrap_or_default();
        if !is_utc_time(time) {
            return Err(format!("\"scheduled_time\" is not an ISO 8601 UTC time: {time:?}").into());
        }
        let attempt = text("attempt")
            .and_then(|a| a.parse().ok())
            .filter(|&a| a > 0)
            .unwrap_or(1);
        Ok(Slot {
            schedule: schedule.to_owned(),
            scheduled_time: time.to_owned(),
            attempt,
        })
    }

    /// The runs table, as [`run_slot`] uses it.
    #[allow(async_fn_in_trait)]
    pub trait Ledger {
        /// Whether the slot already ran to the end.
        async fn done(&self, slot: &Slot) -> Result<bool, Error>;
        /// Takes the schedule's lock until `until_s`; false while another run holds it.
        async fn lock(&self, slot: &Slot, now_s: u64, until_s: u64) -> Result<bool, Error>;
        /// Records the slot as done, so a late duplicate of it does nothing.
        async fn complete(&self, slot: &Slot, now_s: u64) -> Result<(), Error>;
        /// The run that holds the schedule's lock, if any.
        async fn holder(&self, slot: &Slot) -> Result<Option<String>, Error>;
        /// Releases the lock if this slot still holds it.
        async fn unlock(&self, slot: &Slot) -> Result<(), Error>;
    }

    /// The runs table in DynamoDB (`RUNS_TABLE`): partition key `id`, TTL attribute `expiration`
    /// (`RUN_RECORD_TTL_SECONDS` after a write). Every write is conditional, so two invocations
    /// cannot both take the lock.
    pub struct RunsTable {
        client: aws_sdk_dynamodb::Client,
        table: String,
        ttl_s: u64,
    }

    impl Ledger for RunsTable {
        async fn done(&self, slot: &Slot) -> Result<bool, Error> {
            let out = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(slot.run_id()))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| aws_error("reading the run record", &e))?;
            Ok(out
                .item()
                .and_then(|i| i.get("status"))
                .and_then(|v| v.as_s().ok())
                .is_some_and(|s| s == "COMPLETED"))
        }

        async fn lock(&self, slot: &Slot, now_s: u64, until_s: u64) -> Result<bool, Error> {
            use aws_sdk_dynamodb::operation::put_item::PutItemError;
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("id", AttributeValue::S(slot.lock_id()))
                .item("owner", AttributeValue::S(slot.run_id()))
                .item("lease_until", AttributeValue::N(until_s.to_string()))
                .item("expiration", AttributeValue::N((until_s + self.ttl_s).to_string()))
                .condition_expression("attribute_not_exists(id) OR lease_until < :now")
                .expression_attribute_values(":now", AttributeValue::N(now_s.to_string()))
                .send()
                .await;
            match result {
                Ok(_) => Ok(true),
                Err(err) => match err.as_service_error() {
                    Some(PutItemError::ConditionalCheckFailedException(_)) => Ok(false),
                    _ => Err(aws_error("taking the schedule's lock", &err)),
                },
            }
        }

        async fn holder(&self, slot: &Slot) -> Result<Option<String>, Error> {
            let out = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(slot.lock_id()))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| aws_error("reading the schedule's lock", &e))?;
            Ok(out
                .item()
                .and_then(|i| i.get("owner"))
                .and_then(|v| v.as_s().ok())
                .cloned())
        }

        async fn complete(&self, slot: &Slot, now_s: u64) -> Result<(), Error> {
            self.client
                .put_item()
                .table_name(&self.table)
                .item("id", AttributeValue::S(slot.run_id()))
                .item("status", AttributeValue::S("COMPLETED".to_owned()))
                .item("finished_at", AttributeValue::N(now_s.to_string()))
                .item("expiration", AttributeValue::N((now_s + self.ttl_s).to_string()))
                .send()
                .await
                .map_err(|e| aws_error("recording the run", &e))?;
            Ok(())
        }

        async fn unlock(&self, slot: &Slot) -> Result<(), Error> {
            use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
            let result = self
                .client
                .delete_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(slot.lock_id()))
                .condition_expression("#owner = :owner")
                .expression_attribute_names("#owner", "owner")
                .expression_attribute_values(":owner", AttributeValue::S(slot.run_id()))
                .send()
                .await;
            match result {
                Ok(_) => Ok(()),
                Err(err) => match err.as_service_error() {
                    Some(DeleteItemError::ConditionalCheckFailedException(_)) => {
                        tracing::warn!(run_id = %slot.run_id(), "the lock was no longer ours");
                        Ok(())
                    }
                    _ => Err(aws_error("releasing the schedule's lock", &err)),
                },
            }
        }
    }

    /// What the function needs, built once per cold start.
    pub struct Deps {
        ledger: RunsTable,
{%- if self.job_secret() %}
        secrets: aws_sdk_secretsmanager::Client,
        secret_id: String,
{%- endif %}
    }

    impl Deps {
        /// Reads the function's settings from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            let ttl_s = env("RUN_RECORD_TTL_SECONDS")?
                .parse::<u64>()
                .map_err(|e| format!("RUN_RECORD_TTL_SECONDS: {e}"))?;
            Ok(Self {
                ledger: RunsTable {
                    client: aws_sdk_dynamodb::Client::new(&config),
                    table: env("RUNS_TABLE")?,
                    ttl_s,
                },
{%- if self.job_secret() %}
                secrets: aws_sdk_secretsmanager::Client::new(&config),
                secret_id: env("JOB_SECRET_ARN")?,
{%- endif %}
            })
        }
{%- if self.job_secret() %}

        /// The job's credentials (`JOB_SECRET_ARN`), read at each run so a rotation needs no
        /// deploy. Never log them.
        pub async fn secret(&self) -> Result<String, Error> {
            let out = self
                .secrets
                .get_secret_value()
                .secret_id(&self.secret_id)
                .send()
                .await
                .map_err(|e| aws_error("reading the job secret", &e))?;
            out.secret_string()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| "the job secret is empty".into())
        }
{%- endif %}
    }

    /// What a run did.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Outcome {
        /// The job ran and the slot is recorded.
        Completed,
        /// The slot had already run: a duplicate delivery.
        Duplicate,
        /// The slot is running in another invocation: a duplicate delivery, not an overlap.
        Running,
        /// The previous run still held the lock.
        Skipped,
    }

    /// Counts one occurrence of `metric` as a CloudWatch embedded-metric-format line, in the
    /// namespace and with the `service` dimension the Powertools runtimes use.
    pub fn count(metric: &str) {
        let namespace = std::env::var("POWERTOOLS_METRICS_NAMESPACE").unwrap_or_else(|_| service().to_owned());
        let mut line = serde_json::json!({
            "_aws": {
                "Timestamp": now_s() * 1000,
                "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": [["service"]],
                    "Metrics": [{"Name": metric, "Unit": "Count"}],
                }],
            },
            "service": service(),
        });
        line[metric] = serde_json::json!(1);
        println!("{line}");
    }

{%- if self.job_secret() %}
    /// The job itself: replace the body with your own work (a sync, a report, a clean-up),
    /// authenticating with `secret` (never log it). It must finish before the function's timeout;
    /// return an error to have Lambda retry the slot.
    pub async fn job(slot: &Slot, secret: &str) -> Result<(), Error> {
        if secret.is_empty() {
            return Err("no credentials for the job".into());
        }
{%- else %}
    /// The job itself: replace the body with your own work (a sync, a report, a clean-up). It
    /// must finish before the function's timeout; return an error to have Lambda retry the slot.
    pub async fn job(slot: &Slot) -> Result<(), Error> {
{%- endif %}
        if log_events() {
            tracing::info!(scheduled_time = %slot.scheduled_time, schedule = %slot.schedule, attempt = slot.attempt, "job ran");
        } else {
            tracing::info!(scheduled_time = %slot.scheduled_time, attempt = slot.attempt, "job ran");
        }
        Ok(())
    }

    /// Runs a slot once: a finished slot is a duplicate, a held lock means the previous run is
    /// still going. A failure releases the lock and records nothing, so Lambda's retry runs again.
    pub async fn run_slot<L, F, Fut>(
        ledger: &L,
        slot: &Slot,
        now: u64,
        deadline: u64,
        work: F,
    ) -> Result<Outcome, Error>
    where
        L: Ledger,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), Error>>,
    {
        if ledger.done(slot).await? {
            tracing::info!(run_id = %slot.run_id(), "duplicate delivery: the slot already ran");
            return Ok(Outcome::Duplicate);
        }
        if !ledger.lock(slot, now, deadline + LOCK_MARGIN_S).await? {
            if ledger.holder(slot).await?.is_some_and(|h| h == slot.run_id()) {
                tracing::info!(run_id = %slot.run_id(), "duplicate delivery: the slot is running");
                return Ok(Outcome::Running);
            }
            tracing::warn!(run_id = %slot.run_id(), "skipped: the previous run still holds the lock");
            count("RunsSkipped");
            return Ok(Outcome::Skipped);
        }
        let result = match work().await {
            Ok(()) => ledger.complete(slot, now_s()).await,
            Err(e) => Err(e),
        };
        if let Err(e) = ledger.unlock(slot).await {
            tracing::warn!(run_id = %slot.run_id(), error = %e, "could not release the lock");
        }
        result.map(|()| Outcome::Completed)
    }

    /// Handles one delivery from the schedule.
    pub async fn handle(deps: &Deps, event: LambdaEvent<serde_json::Value>) -> Result<serde_json::Value, Error> {
        let correlation = event
            .payload
            .get("execution_id")
            .and_then(|v| v.as_str())
            .unwrap_or(&event.context.request_id);
        let span = invocation_span(correlation, &event.context);
        let deadline = deadline_s(&event.context);
        async move {
            let slot = parse(&event.payload)?;
{%- if self.job_secret() %}
            let work = || async {
                let secret = deps.secret().await?;
                job(&slot, &secret).await
            };
            let outcome = run_slot(&deps.ledger, &slot, now_s(), deadline, work).await?;
{%- else %}
            let outcome = run_slot(&deps.ledger, &slot, now_s(), deadline, || job(&slot)).await?;
{%- endif %}
            Ok(serde_json::json!({"status": outcome, "scheduled_time": slot.scheduled_time}))
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod scheduled_jobs_tests {
    use std::cell::RefCell;
    use std::collections::{HashMap, HashSet};

    use super::Error;
    use super::run::*;
    use super::tests::sample_event;

    /// The runs table in memory, with the DynamoDB ledger's conditions.
    #[derive(Default)]
    struct MemoryLedger {
        done: RefCell<HashSet<String>>,
        locks: RefCell<HashMap<String, (String, u64)>>,
    }

    impl Ledger for MemoryLedger {
        async fn done(&self, slot: &Slot) -> Result<bool, Error> {
            Ok(self.done.borrow().contains(&slot.run_id()))
        }
        async fn lock(&self, slot: &Slot, now_s: u64, until_s: u64) -> Result<bool, Error> {
            let mut locks = self.locks.borrow_mut();
            if locks.get(&slot.lock_id()).is_some_and(|(_, until)| *until >= now_s) {
                return Ok(false);
            }
            locks.insert(slot.lock_id(), (slot.run_id(), until_s));
            Ok(true)
        }
        async fn complete(&self, slot: &Slot, _now_s: u64) -> Result<(), Error> {
            self.done.borrow_mut().insert(slot.run_id());
            Ok(())
        }
        async fn holder(&self, slot: &Slot) -> Result<Option<String>, Error> {
            Ok(self.locks.borrow().get(&slot.lock_id()).map(|(owner, _)| owner.clone()))
        }
        async fn unlock(&self, slot: &Slot) -> Result<(), Error> {
            let mut locks = self.locks.borrow_mut();
            if locks
                .get(&slot.lock_id())
                .is_some_and(|(owner, _)| *owner == slot.run_id())
            {
                locks.remove(&slot.lock_id());
            }
            Ok(())
        }
    }

    fn sample() -> serde_json::Value {
        serde_json::from_str(&sample_event("run")).unwrap()
    }

    const NOW: u64 = 1_795_485_605;

    #[tokio::test]
    async fn the_sample_slot_runs_once_and_a_redelivery_does_nothing() {
        let ledger = MemoryLedger::default();
        let slot = parse(&sample()).unwrap();
        let ran = RefCell::new(0);
        let work = || async {
            *ran.borrow_mut() += 1;
            Ok(())
        };
        assert_eq!(
            run_slot(&ledger, &slot, NOW, NOW + 900, work).await.unwrap(),
            Outcome::Completed
        );
        assert!(
            ledger.locks.borrow().is_empty(),
            "the lock is released when the run ends"
        );
        assert_eq!(
            run_slot(&ledger, &slot, NOW, NOW + 900, work).await.unwrap(),
            Outcome::Duplicate
        );
        assert_eq!(*ran.borrow(), 1);
    }

    #[tokio::test]
    async fn a_start_while_the_previous_run_holds_the_lock_is_skipped() {
        let ledger = MemoryLedger::default();
        let slot = parse(&sample()).unwrap();
        let mut earlier_event = sample();
        earlier_event["scheduled_time"] = serde_json::json!("2026-11-25T02:00:00Z");
        let earlier = parse(&earlier_event).unwrap();
        assert!(ledger.lock(&earlier, NOW - 60, NOW + 600).await.unwrap());
        let outcome = run_slot(&ledger, &slot, NOW, NOW + 900, || async { Ok(()) })
            .await
            .unwrap();
        assert_eq!(outcome, Outcome::Skipped);
        // Past the earlier run's deadline, its lock is taken over.
        let outcome = run_slot(&ledger, &slot, NOW + 601, NOW + 1500, || async { Ok(()) })
            .await
            .unwrap();
        assert_eq!(outcome, Outcome::Completed);
    }

    #[tokio::test]
    async fn a_second_delivery_of_a_running_slot_is_not_an_overlap() {
        let ledger = MemoryLedger::default();
        let slot = parse(&sample()).unwrap();
        assert!(ledger.lock(&slot, NOW - 5, NOW + 600).await.unwrap());
        let outcome = run_slot(&ledger, &slot, NOW, NOW + 900, || async { Ok(()) })
            .await
            .unwrap();
        assert_eq!(outcome, Outcome::Running);
    }

    #[tokio::test]
    async fn a_failed_run_records_nothing_and_frees_the_lock() {
        let ledger = MemoryLedger::default();
        let slot = parse(&sample()).unwrap();
        let failed = run_slot(&ledger, &slot, NOW, NOW + 900, || async {
            Err::<(), Error>("partner feed unavailable".into())
        })
        .await;
        assert!(failed.is_err());
        assert!(ledger.done.borrow().is_empty());
        assert!(ledger.locks.borrow().is_empty());
        let retry = run_slot(&ledger, &slot, NOW + 60, NOW + 960, || async { Ok(()) })
            .await
            .unwrap();
        assert_eq!(retry, Outcome::Completed);
    }

    #[test]
    fn an_event_without_a_slot_is_refused() {
        assert_eq!(parse(&sample()).unwrap().attempt, 1);
        for (field, value) in [
            ("schedule_arn", serde_json::json!("")),
            ("scheduled_time", serde_json::json!(5)),
            ("scheduled_time", serde_json::json!("last night")),
        ] {
            let mut event = sample();
            event[field] = value;
            assert!(parse(&event).is_err(), "{field}");
        }
    }
}
