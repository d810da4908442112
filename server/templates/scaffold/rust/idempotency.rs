
/// What [`Idempotency::claim`] found for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// No live record: this call does the work, then calls `complete` (or `release` on failure).
    New,
    /// The work was done before; holds the result stored then, if any.
    Completed(Option<String>),
    /// Another invocation is doing the same work right now.
    InProgress,
    /// The key was used before with a different payload (its stored hash differs).
    Mismatch,
}

/// Idempotency records in DynamoDB (`IDEMPOTENCY_TABLE`): one item per key, `id` the key and
/// `expiration` a TTL attribute, `IDEMPOTENCY_TTL_SECONDS` after the work, and `validation` the
/// hash of the payload when the caller gives one. A claim is a conditional put, so of two
/// invocations with the same key only one does the work.
pub struct Idempotency {
    client: aws_sdk_dynamodb::Client,
    table: String,
    ttl_s: u64,
}

impl Idempotency {
    /// Reads the table name and the TTL from the environment.
    pub fn from_env(config: &aws_config::SdkConfig) -> Result<Self, Error> {
        let ttl_s = env("IDEMPOTENCY_TTL_SECONDS")?
            .parse::<u64>()
            .map_err(|e| format!("IDEMPOTENCY_TTL_SECONDS: {e}"))?;
        Ok(Self {
            client: aws_sdk_dynamodb::Client::new(config),
            table: env("IDEMPOTENCY_TABLE")?,
            ttl_s,
        })
    }

    /// Claims `key` until `lock_until_s` (the invocation's deadline): succeeds when there is no
    /// record, the record expired, or an earlier invocation died while holding it. With a
    /// `payload_hash`, a live record stored with another hash gives [`Claim::Mismatch`].
    pub async fn claim(&self, key: &str, lock_until_s: u64, payload_hash: Option<&str>) -> Result<Claim, Error> {
        use aws_sdk_dynamodb::operation::put_item::PutItemError;
        use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
        let now = now_s();
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S(key.to_owned()))
            .item("expiration", AttributeValue::N((now + self.ttl_s).to_string()))
            .item("status", AttributeValue::S("INPROGRESS".to_owned()))
            .item("in_progress_expiration", AttributeValue::N(lock_until_s.to_string()))
            .condition_expression(
                "attribute_not_exists(#id) OR #expiration < :now OR (#status = :in_progress AND #lock < :now)",
            )
            .expression_attribute_names("#id", "id")
            .expression_attribute_names("#expiration", "expiration")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#lock", "in_progress_expiration")
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .expression_attribute_values(":in_progress", AttributeValue::S("INPROGRESS".to_owned()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(hash) = payload_hash {
            put = put.item("validation", AttributeValue::S(hash.to_owned()));
        }
        let result = put.send().await;
        match result {
            Ok(_) => Ok(Claim::New),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(e)) => {
                    let status = e.item().and_then(|i| i.get("status")).and_then(|v| v.as_s().ok());
                    let stored = e.item().and_then(|i| i.get("result")).and_then(|v| v.as_s().ok());
                    let hash = e.item().and_then(|i| i.get("validation")).and_then(|v| v.as_s().ok());
                    Ok(claim_from(
                        status.map(String::as_str),
                        stored.map(String::as_str),
                        hash.map(String::as_str),
                        payload_hash,
                    ))
                }
                _ => Err(aws_error("claiming an idempotency key", &err)),
            },
        }
    }

    /// Marks `key` done, storing `result` for the duplicates that come later (and the payload's
    /// hash, to compare theirs with).
    pub async fn complete(&self, key: &str, result: Option<&str>, payload_hash: Option<&str>) -> Result<(), Error> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S(key.to_owned()))
            .item("expiration", AttributeValue::N((now_s() + self.ttl_s).to_string()))
            .item("status", AttributeValue::S("COMPLETED".to_owned()));
        if let Some(r) = result {
            put = put.item("result", AttributeValue::S(r.to_owned()));
        }
        if let Some(hash) = payload_hash {
            put = put.item("validation", AttributeValue::S(hash.to_owned()));
        }
        put.send()
            .await
            .map_err(|e| aws_error("completing an idempotency key", &e))?;
        Ok(())
    }

    /// Deletes the record of `key` after a failure, so a retry does the work again.
    pub async fn release(&self, key: &str) -> Result<(), Error> {
        use aws_sdk_dynamodb::types::AttributeValue;
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(key.to_owned()))
            .send()
            .await
            .map_err(|e| aws_error("releasing an idempotency key", &e))?;
        Ok(())
    }

    /// Runs `work` once for `key`: a duplicate of finished work gets the stored result back
    /// without running it again; a duplicate of work still in progress is an error, so it is
    /// retried later; a failure releases the key.
    pub async fn run_once<F>(&self, key: &str, lock_until_s: u64, work: F) -> Result<Option<String>, Error>
    where
        F: Future<Output = Result<Option<String>, Error>>,
    {
        match self.claim(key, lock_until_s, None).await? {
            Claim::Completed(stored) => {
                tracing::info!(idempotency_key = key, "duplicate: already done, skipped");
                Ok(stored)
            }
            Claim::InProgress => Err(format!("{key} is being processed by another invocation").into()),
            Claim::Mismatch => Err(format!("{key} was used with another payload").into()),
            Claim::New => match work.await {
                Ok(result) => {
                    self.complete(key, result.as_deref(), None).await?;
                    Ok(result)
                }
                Err(e) => {
                    if let Err(release) = self.release(key).await {
                        tracing::warn!(idempotency_key = key, error = %release, "could not release the key");
                    }
                    Err(e)
                }
            },
        }
    }
}

/// The idempotency records a request uses: the DynamoDB table in Lambda, memory in the tests.
pub trait Records {
    /// Claims `key` for this request, whose payload hashes to `payload_hash`.
    fn claim(
        &self,
        key: &str,
        lock_until_s: u64,
        payload_hash: &str,
    ) -> impl Future<Output = Result<Claim, Error>> + Send;
    /// Marks `key` done, storing the response for the repeats that come later.
    fn complete(&self, key: &str, result: &str, payload_hash: &str) -> impl Future<Output = Result<(), Error>> + Send;
    /// Deletes the record of `key` after a failure, so a retry does the work again.
    fn release(&self, key: &str) -> impl Future<Output = Result<(), Error>> + Send;
}

impl Records for Idempotency {
    async fn claim(&self, key: &str, lock_until_s: u64, payload_hash: &str) -> Result<Claim, Error> {
        Idempotency::claim(self, key, lock_until_s, Some(payload_hash)).await
    }

    async fn complete(&self, key: &str, result: &str, payload_hash: &str) -> Result<(), Error> {
        Idempotency::complete(self, key, Some(result), Some(payload_hash)).await
    }

    async fn release(&self, key: &str) -> Result<(), Error> {
        Idempotency::release(self, key).await
    }
}

/// What a claim found, from the stored record's `status`, `result` and payload hash, and the
/// hash of this call's payload (if it has one): a different hash is a mismatch, whatever the status.
pub fn claim_from(
    status: Option<&str>,
    stored: Option<&str>,
    stored_hash: Option<&str>,
    payload_hash: Option<&str>,
) -> Claim {
    if payload_hash.is_some() && stored_hash != payload_hash {
        return Claim::Mismatch;
    }
    match status {
        Some("COMPLETED") => Claim::Completed(stored.map(str::to_owned)),
        _ => Claim::InProgress,
    }
}

/// Idempotency records in memory, for the handlers' tests.
#[cfg(test)]
#[allow(
    dead_code,
    reason = "only the starters whose handlers take records as a parameter use it"
)]
pub(crate) mod memory_records {
    use super::{Claim, Error, Records, claim_from};

    /// The records: (status, stored response, payload hash) by key, read back through the same
    /// `claim_from` as the DynamoDB records.
    #[derive(Default)]
    pub(crate) struct MemoryRecords(
        std::sync::Mutex<std::collections::HashMap<String, (String, Option<String>, String)>>,
    );

    impl Records for MemoryRecords {
        async fn claim(&self, key: &str, _lock_until_s: u64, payload_hash: &str) -> Result<Claim, Error> {
            let mut records = self.0.lock().unwrap();
            if let Some((status, stored, hash)) = records.get(key) {
                return Ok(claim_from(
                    Some(status),
                    stored.as_deref(),
                    Some(hash),
                    Some(payload_hash),
                ));
            }
            let record = ("INPROGRESS".to_owned(), None, payload_hash.to_owned());
            records.insert(key.to_owned(), record);
            Ok(Claim::New)
        }

        async fn complete(&self, key: &str, result: &str, payload_hash: &str) -> Result<(), Error> {
            let record = ("COMPLETED".to_owned(), Some(result.to_owned()), payload_hash.to_owned());
            self.0.lock().unwrap().insert(key.to_owned(), record);
            Ok(())
        }

        async fn release(&self, key: &str) -> Result<(), Error> {
            self.0.lock().unwrap().remove(key);
            Ok(())
        }
    }
}

#[cfg(test)]
mod idempotency_tests {
    use super::*;

    #[test]
    fn a_finished_record_replays_its_result() {
        assert_eq!(
            claim_from(Some("COMPLETED"), Some("{}"), None, None),
            Claim::Completed(Some("{}".to_owned()))
        );
        assert_eq!(claim_from(Some("COMPLETED"), None, None, None), Claim::Completed(None));
    }

    #[test]
    fn a_record_in_progress_is_not_skipped() {
        assert_eq!(claim_from(Some("INPROGRESS"), None, None, None), Claim::InProgress);
        assert_eq!(claim_from(None, None, None, None), Claim::InProgress);
    }

    #[test]
    fn another_payload_with_the_same_key_is_a_mismatch() {
        let same = claim_from(Some("COMPLETED"), Some("{}"), Some("h1"), Some("h1"));
        assert_eq!(same, Claim::Completed(Some("{}".to_owned())));
        assert_eq!(
            claim_from(Some("COMPLETED"), Some("{}"), Some("h1"), Some("h2")),
            Claim::Mismatch
        );
        assert_eq!(
            claim_from(Some("INPROGRESS"), None, Some("h1"), Some("h2")),
            Claim::Mismatch
        );
        assert_eq!(
            claim_from(Some("INPROGRESS"), None, Some("h1"), Some("h1")),
            Claim::InProgress
        );
    }
}
