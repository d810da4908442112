//! The work itself, and the record that keeps a job from running twice.
//!
//! [`process`] is where your job goes: the starter's version checks the job, works through it
//! in steps (stopping between steps when the task is asked to stop){% if self.table() %} and records the result in
//! the DynamoDB table TABLE_NAME{% endif %}. Replace its body with your work, keeping the `stop` checks.
{%- if self.idem() %}
//!
//! Duplicates hurt here, so every job records its id in the idempotency table first
//! ([`JobRecords`]): a job already finished is skipped, a job another task is running is left
//! alone, and a job that failed or was interrupted is released so it can run again.
{%- endif %}

use serde_json::Value;
use tokio::sync::watch;

/// Why a job did not finish.
#[derive(Debug, PartialEq)]
pub enum JobError {
    /// The task is stopping: the job is handed back, to run again elsewhere.
    Interrupted(String),
    /// The job can never succeed as sent.
    Invalid(String),
    /// Anything else: it is retried.
    Failed(String),
}

/// A finished job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobResult {
    pub id: String,
    pub steps: u64,
    pub finished_at: u64,
}

/// Where results go.
pub trait Results: Send + Sync {
    fn record(&self, result: &JobResult) -> impl Future<Output = Result<(), String>> + Send;
}

/// No results store.
pub struct NoResults;

impl Results for NoResults {
    async fn record(&self, _: &JobResult) -> Result<(), String> {
        Ok(())
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Runs one job and returns its result.
pub async fn process(
    job: &Value,
    stop: &watch::Receiver<bool>,
    results: &impl Results,
) -> Result<JobResult, JobError> {
    let id = job
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| JobError::Invalid("a job needs an `id` string".to_owned()))?;
    let steps = match job.get("steps") {
        None => 3,
        Some(s) => s
            .as_u64()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                JobError::Invalid("`steps` must be an integer from 1 to 1000".to_owned())
            })?,
    };
    for step in 0..steps {
        if *stop.borrow() {
            return Err(JobError::Interrupted(format!(
                "stopped before step {} of {steps}",
                step + 1
            )));
        }
        // Your work goes here, one resumable step at a time.
        tracing::debug!(step = step + 1, of = steps, "step");
    }
    let result = JobResult {
        id: id.to_owned(),
        steps,
        finished_at: now(),
    };
    results.record(&result).await.map_err(JobError::Failed)?;
    Ok(result)
}
{%- if self.table() %}

/// Results in the DynamoDB table TABLE_NAME.
pub struct DynamoResults {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoResults {
    pub async fn from_env() -> Self {
        let config = aws_config::load_from_env().await;
        Self {
            client: aws_sdk_dynamodb::Client::new(&config),
            table: std::env::var("TABLE_NAME").expect("TABLE_NAME is set"),
        }
    }
}

impl Results for DynamoResults {
    async fn record(&self, r: &JobResult) -> Result<(), String> {
        use aws_sdk_dynamodb::types::AttributeValue;
        self.client
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S(r.id.clone()))
            .item("status", AttributeValue::S("done".to_owned()))
            .item("steps", AttributeValue::N(r.steps.to_string()))
            .item("finished_at", AttributeValue::N(r.finished_at.to_string()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
{%- endif %}

/// Whether a task may run a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// This task holds it now.
    Run,
    /// It already ran.
    Done,
    /// Another task holds it.
    Busy,
}

/// One record per job id: IN_PROGRESS while a task holds it (until its lease ends), COMPLETED
/// after.
pub trait JobRecords: Send + Sync {
    fn start(&self, id: &str, lease_s: u64) -> impl Future<Output = Result<Start, String>> + Send;
    fn extend(&self, id: &str, lease_s: u64) -> impl Future<Output = Result<(), String>> + Send;
    fn finish(&self, id: &str) -> impl Future<Output = Result<(), String>> + Send;
    fn release(&self, id: &str) -> impl Future<Output = Result<(), String>> + Send;
}
{%- if self.idem() %}

/// The records in the DynamoDB table IDEMPOTENCY_TABLE, expiring after IDEMPOTENCY_TTL_S.
pub struct DynamoJobRecords {
    client: aws_sdk_dynamodb::Client,
    table: String,
    ttl_s: u64,
}

impl DynamoJobRecords {
    pub async fn from_env() -> Self {
        let config = aws_config::load_from_env().await;
        Self {
            client: aws_sdk_dynamodb::Client::new(&config),
            table: std::env::var("IDEMPOTENCY_TABLE").expect("IDEMPOTENCY_TABLE is set"),
            ttl_s: std::env::var("IDEMPOTENCY_TTL_S")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or({{ self.idem_ttl_s() }}),
        }
    }

    fn key(id: &str) -> aws_sdk_dynamodb::types::AttributeValue {
        aws_sdk_dynamodb::types::AttributeValue::S(id.to_owned())
    }
}

impl JobRecords for DynamoJobRecords {
    async fn start(&self, id: &str, lease_s: u64) -> Result<Start, String> {
        use aws_sdk_dynamodb::types::AttributeValue as V;
        let now = now();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", Self::key(id))
            .item("status", V::S("IN_PROGRESS".to_owned()))
            .item("lease_until", V::N((now + lease_s).to_string()))
            .item("expiration", V::N((now + self.ttl_s).to_string()))
            .condition_expression(
                "attribute_not_exists(id) OR (#s = :running AND lease_until < :now)",
            )
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":running", V::S("IN_PROGRESS".to_owned()))
            .expression_attribute_values(":now", V::N(now.to_string()))
            .send()
            .await;
        match put {
            Ok(_) => Ok(Start::Run),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                let item = self
                    .client
                    .get_item()
                    .table_name(&self.table)
                    .key("id", Self::key(id))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?
                    .item;
                let done = item
                    .and_then(|i| i.get("status").and_then(|s| s.as_s().ok()).cloned())
                    .is_some_and(|s| s == "COMPLETED");
                Ok(if done { Start::Done } else { Start::Busy })
            }
            Err(e) => Err(e.to_string()),
        }
    }

    async fn extend(&self, id: &str, lease_s: u64) -> Result<(), String> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("id", Self::key(id))
            .update_expression("SET lease_until = :until")
            .expression_attribute_values(
                ":until",
                aws_sdk_dynamodb::types::AttributeValue::N((now() + lease_s).to_string()),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn finish(&self, id: &str) -> Result<(), String> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("id", Self::key(id))
            .update_expression("SET #s = :done")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(
                ":done",
                aws_sdk_dynamodb::types::AttributeValue::S("COMPLETED".to_owned()),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn release(&self, id: &str) -> Result<(), String> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("id", Self::key(id))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
{%- endif %}

/// No records: every delivery runs (duplicates are harmless).
pub struct NoRecords;

impl JobRecords for NoRecords {
    async fn start(&self, _: &str, _: u64) -> Result<Start, String> {
        Ok(Start::Run)
    }
    async fn extend(&self, _: &str, _: u64) -> Result<(), String> {
        Ok(())
    }
    async fn finish(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
    async fn release(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
}
{%- if self.scheduled() %}

/// One scheduled run; the run id is the scheduled time, so a start Scheduler retries is the
/// same run. Returns whether it succeeded.
pub async fn run_scheduled(
    run_id: &str,
    stop: &watch::Receiver<bool>,
    records: &impl JobRecords,
    results: &impl Results,
) -> bool {
    use tracing::Instrument;
    let id = format!("run-{run_id}");
    let span = tracing::info_span!("job", correlation_id = %id, service = %crate::service_name());
    async {
        match records.start(&id, {{ self.job_s() }}).await {
            Ok(Start::Run) => {}
            Ok(state) => {
                tracing::info!(run_id, ?state, "run skipped");
                return true;
            }
            Err(e) => {
                tracing::error!(run_id, error = %e, "could not record the run");
                return false;
            }
        }
        match process(&serde_json::json!({ "id": id }), stop, results).await {
            Ok(_) => {
                if let Err(e) = records.finish(&id).await {
                    tracing::error!(run_id, error = %e, "could not record the finished run");
                }
                tracing::info!(run_id, "run finished");
                true
            }
            Err(e) => {
                let _ = records.release(&id).await;
                tracing::error!(run_id, error = ?e, "run failed");
                false
            }
        }
    }
    .instrument(span)
    .await
}

/// [`run_scheduled`] with the stores the environment names.
pub async fn run_scheduled_from_env(run_id: &str, stop: watch::Receiver<bool>) -> bool {
    run_scheduled(
        run_id,
        &stop,
        &{% if self.idem() %}DynamoJobRecords::from_env().await{% else %}NoRecords{% endif %},
        &{% if self.table() %}DynamoResults::from_env().await{% else %}NoResults{% endif %},
    )
    .await
}
{%- endif %}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    #[derive(Default)]
    pub(crate) struct MemoryResults(pub(crate) Mutex<Vec<JobResult>>);

    impl Results for MemoryResults {
        async fn record(&self, r: &JobResult) -> Result<(), String> {
            self.0.lock().unwrap().push(r.clone());
            Ok(())
        }
    }

    #[derive(Default)]
    pub(crate) struct MemoryRecords(pub(crate) Mutex<HashMap<String, &'static str>>);

    impl JobRecords for MemoryRecords {
        async fn start(&self, id: &str, _: u64) -> Result<Start, String> {
            let mut m = self.0.lock().unwrap();
            Ok(match m.get(id).copied() {
                Some("COMPLETED") => Start::Done,
                Some(_) => Start::Busy,
                None => {
                    m.insert(id.to_owned(), "IN_PROGRESS");
                    Start::Run
                }
            })
        }
        async fn extend(&self, _: &str, _: u64) -> Result<(), String> {
            Ok(())
        }
        async fn finish(&self, id: &str) -> Result<(), String> {
            self.0.lock().unwrap().insert(id.to_owned(), "COMPLETED");
            Ok(())
        }
        async fn release(&self, id: &str) -> Result<(), String> {
            self.0.lock().unwrap().remove(id);
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_job_needs_an_id_and_sane_steps() {
        let (_tx, stop) = watch::channel(false);
        for job in [
            serde_json::json!({"steps": 2}),
            serde_json::json!({"id": "j", "steps": 0}),
        ] {
            let e = process(&job, &stop, &NoResults).await.unwrap_err();
            assert!(matches!(e, JobError::Invalid(_)), "{job}");
        }
    }

    #[tokio::test]
    async fn a_stopping_task_interrupts_the_job() {
        let (_tx, stop) = watch::channel(true);
        let e = process(&serde_json::json!({"id": "j"}), &stop, &NoResults)
            .await
            .unwrap_err();
        assert!(matches!(e, JobError::Interrupted(_)));
    }
{%- if self.scheduled() %}

    #[tokio::test]
    async fn a_scheduled_run_runs_once_per_scheduled_time() {
        let (_tx, stop) = watch::channel(false);
        let results = MemoryResults::default();
{%- if self.idem() %}
        let records = MemoryRecords::default();
{%- else %}
        let records = NoRecords;
{%- endif %}
        assert!(run_scheduled("2026-01-01T02:00:00Z", &stop, &records, &results).await);
        assert!(run_scheduled("2026-01-01T02:00:00Z", &stop, &records, &results).await);
        assert_eq!(results.0.lock().unwrap().len(), {% if self.idem() %}1{% else %}2{% endif %});
    }
{%- endif %}
}
