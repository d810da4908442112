//! The queue worker: takes one job at a time from QUEUE_URL with long polling, runs it, and
//! deletes the message only after the job succeeded.
//!
//! - While a job runs, a heartbeat extends the message's visibility (VISIBILITY_TIMEOUT_S,
//!   {{ self.visibility_s() }} s) every half of it, so no other task takes a job that is still running.
//! - A failed job's message comes back after a short backoff; after the queue's maxReceiveCount
//!   it moves to the dead-letter queue. A job that can never succeed comes back at once.
//! - On SIGTERM the worker takes no new job. Fargate allows 120 s before it kills the task; a
//!   job that stops early is handed back at once (visibility 0) for another task.

use serde_json::Value;
use tokio::sync::watch;
use tracing::Instrument;

use crate::jobs::{JobError, JobRecords, Results, Start, process};

/// A received message.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: String,
    pub receipt: String,
    pub body: String,
    pub receives: u32,
    pub correlation_id: Option<String>,
}

/// The queue calls the worker makes.
pub trait Queue: Send + Sync {
    fn receive(&self, wait_s: i32) -> impl Future<Output = Result<Vec<Message>, String>> + Send;
    fn remove(&self, m: &Message) -> impl Future<Output = Result<(), String>> + Send;
    fn set_visibility(
        &self,
        m: &Message,
        seconds: i32,
    ) -> impl Future<Output = Result<(), String>> + Send;
}

/// The SQS queue QUEUE_URL.
#[derive(Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl Queue for SqsQueue {
    async fn receive(&self, wait_s: i32) -> Result<Vec<Message>, String> {
        use aws_sdk_sqs::types::MessageSystemAttributeName;
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(1)
            .wait_time_seconds(wait_s)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_attribute_names("correlation_id")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| Message {
                receives: m
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1),
                correlation_id: m
                    .message_attributes
                    .as_ref()
                    .and_then(|a| a.get("correlation_id"))
                    .and_then(|v| v.string_value.clone()),
                id: m.message_id.unwrap_or_default(),
                receipt: m.receipt_handle.unwrap_or_default(),
                body: m.body.unwrap_or_default(),
            })
            .collect())
    }

    async fn remove(&self, m: &Message) -> Result<(), String> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(&m.receipt)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn set_visibility(&self, m: &Message, seconds: i32) -> Result<(), String> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(&m.receipt)
            .visibility_timeout(seconds)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

pub struct Worker<Q, R, S> {
    pub queue: Q,
    pub visibility_s: u32,
    pub stop: watch::Receiver<bool>,
    pub records: R,
    pub results: S,
    pub wait_s: i32,
}

impl Worker<SqsQueue, {% if self.idem() %}crate::jobs::DynamoJobRecords{% else %}crate::jobs::NoRecords{% endif %}, {% if self.table() %}crate::jobs::DynamoResults{% else %}crate::jobs::NoResults{% endif %}> {
    pub async fn from_env(stop: watch::Receiver<bool>) -> Self {
        let config = aws_config::load_from_env().await;
        Worker {
            queue: SqsQueue {
                client: aws_sdk_sqs::Client::new(&config),
                url: std::env::var("QUEUE_URL").expect("QUEUE_URL is set"),
            },
            visibility_s: std::env::var("VISIBILITY_TIMEOUT_S")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or({{ self.visibility_s() }}),
            stop,
            records: {% if self.idem() %}crate::jobs::DynamoJobRecords::from_env().await{% else %}crate::jobs::NoRecords{% endif %},
            results: {% if self.table() %}crate::jobs::DynamoResults::from_env().await{% else %}crate::jobs::NoResults{% endif %},
            wait_s: 20,
        }
    }
}

impl<Q: Queue + Clone + 'static, R: JobRecords, S: Results> Worker<Q, R, S> {
    pub async fn run(&self) {
        tracing::info!(service = %crate::service_name(), "worker started");
        while !*self.stop.borrow() {
            if let Err(e) = self.poll_once().await {
                tracing::error!(error = %e, "poll failed");
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            }
        }
        tracing::info!("worker stopped");
    }

    /// Receives at most one message and handles it; returns how many were received.
    pub async fn poll_once(&self) -> Result<usize, String> {
        let messages = self.queue.receive(self.wait_s).await?;
        for m in &messages {
            let id = m.correlation_id.clone().unwrap_or_else(|| m.id.clone());
            let span =
                tracing::info_span!("job", correlation_id = %id, service = %crate::service_name());
            self.handle(m).instrument(span).await?;
        }
        Ok(messages.len())
    }

    async fn handle(&self, m: &Message) -> Result<(), String> {
        let job = match serde_json::from_str::<Value>(&m.body) {
            Ok(Value::Object(mut o)) => {
                o.entry("id").or_insert_with(|| Value::String(m.id.clone()));
                Value::Object(o)
            }
            _ => {
                tracing::error!(message_id = %m.id, "invalid job: not a JSON object");
                return self.queue.set_visibility(m, 0).await;
            }
        };
        let job_id = job["id"]
            .as_str()
            .map_or_else(|| job["id"].to_string(), str::to_owned);
        let lease = u64::from(self.visibility_s);
        match self.records.start(&job_id, lease).await? {
            Start::Run => {}
            Start::Done => {
                tracing::info!(job_id, "duplicate of a finished job: dropped");
                return self.queue.remove(m).await;
            }
            Start::Busy => {
                tracing::info!(job_id, "job running elsewhere: left for later");
                return Ok(());
            }
        }
        // The heartbeat keeps the message hidden while the job runs.
        let (queue, message, visibility) = (self.queue.clone(), m.clone(), self.visibility_s);
        let heartbeat = tokio::spawn(async move {
            let half = std::time::Duration::from_secs(u64::from(visibility / 2).max(1));
            loop {
                tokio::time::sleep(half).await;
                let seconds = i32::try_from(visibility).unwrap_or(i32::MAX);
                if let Err(e) = queue.set_visibility(&message, seconds).await {
                    tracing::error!(error = %e, "could not extend the job's visibility");
                }
            }
        });
        tracing::info!(job_id, receive = m.receives, "job started");
        let outcome = process(&job, &self.stop, &self.results).await;
        heartbeat.abort();
        match outcome {
            Ok(_) => {
                self.records.finish(&job_id).await?;
                self.queue.remove(m).await?;
                tracing::info!(job_id, "job finished");
                Ok(())
            }
            Err(e) => {
                self.records.release(&job_id).await?;
                let retry_in = match &e {
                    JobError::Interrupted(_) => {
                        tracing::warn!(job_id, "job interrupted: handed back");
                        0
                    }
                    // An invalid job fails the same way every time: to the dead-letter queue now.
                    JobError::Invalid(_) => 0,
                    JobError::Failed(_) => i32::try_from(60 * m.receives).unwrap_or(900).min(900),
                };
                if !matches!(e, JobError::Interrupted(_)) {
                    tracing::error!(job_id, receive = m.receives, error = ?e, "job failed");
                }
                self.queue.set_visibility(m, retry_in).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::tests::{MemoryRecords, MemoryResults};
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct MemoryQueue {
        waiting: Arc<Mutex<Vec<Message>>>,
        removed: Arc<Mutex<Vec<String>>>,
        visibility: Arc<Mutex<Vec<(String, i32)>>>,
    }

    impl MemoryQueue {
        fn send(&self, body: &str) {
            let mut w = self.waiting.lock().unwrap();
            let n = w.len() + self.removed.lock().unwrap().len() + 1;
            w.push(Message {
                id: format!("m{n}"),
                receipt: format!("r{n}"),
                body: body.to_owned(),
                receives: 1,
                correlation_id: None,
            });
        }
    }

    impl Queue for MemoryQueue {
        async fn receive(&self, _: i32) -> Result<Vec<Message>, String> {
            let mut w = self.waiting.lock().unwrap();
            Ok(if w.is_empty() {
                vec![]
            } else {
                vec![w.remove(0)]
            })
        }
        async fn remove(&self, m: &Message) -> Result<(), String> {
            self.removed.lock().unwrap().push(m.id.clone());
            Ok(())
        }
        async fn set_visibility(&self, m: &Message, seconds: i32) -> Result<(), String> {
            self.visibility
                .lock()
                .unwrap()
                .push((m.id.clone(), seconds));
            Ok(())
        }
    }

    fn worker(
        queue: MemoryQueue,
        stopped: bool,
    ) -> Worker<MemoryQueue, MemoryRecords, MemoryResults> {
        let (tx, stop) = watch::channel(stopped);
        std::mem::forget(tx);
        Worker {
            queue,
            visibility_s: {{ self.visibility_s() }},
            stop,
            records: MemoryRecords::default(),
            results: MemoryResults::default(),
            wait_s: 0,
        }
    }

    #[tokio::test]
    async fn a_finished_job_is_deleted_from_the_queue() {
        let q = MemoryQueue::default();
        q.send(r#"{"id": "job-1", "steps": 2}"#);
        let w = worker(q.clone(), false);
        assert_eq!(w.poll_once().await.unwrap(), 1);
        assert_eq!(*q.removed.lock().unwrap(), ["m1"]);
        assert_eq!(w.results.0.lock().unwrap()[0].id, "job-1");
    }

    #[tokio::test]
    async fn a_failed_job_stays_on_the_queue_for_a_retry() {
        let q = MemoryQueue::default();
        q.send(r#"{"id": "job-2", "steps": "many"}"#);
        worker(q.clone(), false).poll_once().await.unwrap();
        assert!(q.removed.lock().unwrap().is_empty());
        assert_eq!(*q.visibility.lock().unwrap(), [("m1".to_owned(), 0)]);
    }

    #[tokio::test]
    async fn a_stopping_worker_hands_the_job_back() {
        let q = MemoryQueue::default();
        q.send(r#"{"id": "job-3"}"#);
        worker(q.clone(), true).poll_once().await.unwrap();
        assert!(q.removed.lock().unwrap().is_empty());
        assert_eq!(*q.visibility.lock().unwrap(), [("m1".to_owned(), 0)]);
    }

    #[tokio::test]
    async fn a_duplicate_of_a_finished_job_is_dropped_without_running() {
        let q = MemoryQueue::default();
        let w = worker(q.clone(), false);
        q.send(r#"{"id": "job-4"}"#);
        q.send(r#"{"id": "job-4"}"#);
        w.poll_once().await.unwrap();
        w.poll_once().await.unwrap();
        assert_eq!(q.removed.lock().unwrap().len(), 2);
        assert_eq!(w.results.0.lock().unwrap().len(), 1);
    }
}
