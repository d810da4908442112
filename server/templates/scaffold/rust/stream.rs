
/// The `consume` function: processes batches of stream records in order. On the first record
/// that fails it stops and reports that record, so Lambda retries from it and records with the
/// same partition key stay in order; after the retries the batch goes to the on-failure
/// destination.
pub mod consume {
    use aws_lambda_events::kinesis::{KinesisEvent, KinesisEventRecord};
    use aws_lambda_events::streams::KinesisEventResponse;
    use lambda_runtime::LambdaEvent;
    use tracing::Instrument as _;

    use super::{Error, invocation_span, log_events};
{%- if self.idem() %}
    use super::{Idempotency, deadline_s};
{%- endif %}

{% include "scaffold/rust/idempotency_deps.rs" %}

    /// Handles records in order until one fails; reports that one, so Lambda retries from it.
    pub async fn in_order<F, Fut>(records: Vec<KinesisEventRecord>, mut handle: F) -> KinesisEventResponse
    where
        F: FnMut(KinesisEventRecord) -> Fut,
        Fut: Future<Output = Result<(), Error>>,
    {
        let mut response = KinesisEventResponse::default();
        for record in records {
            let sequence_number = record.kinesis.sequence_number.clone();
            if let Err(e) = handle(record).await {
                tracing::error!(%sequence_number, error = %e, "record failed; the batch is retried from it");
                response.add_failure(sequence_number);
                break;
            }
        }
        response
    }

    /// The JSON object in a record's data (Lambda delivers it base64-encoded; the event type
    /// decodes it).
    pub fn parse(record: &KinesisEventRecord) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        let value: serde_json::Value =
            serde_json::from_slice(&record.kinesis.data).map_err(|e| format!("record data is not JSON: {e}"))?;
        match value {
            serde_json::Value::Object(map) => Ok(map),
            _ => Err("record data is not a JSON object".into()),
        }
    }

    /// Handles a batch of records.
    pub async fn handle(deps: &Deps, event: LambdaEvent<KinesisEvent>) -> Result<KinesisEventResponse, Error> {
        let span = invocation_span(&event.context.request_id, &event.context);
{%- if self.idem() %}
        let lock_until = deadline_s(&event.context);
        // Keys start with the function's name, so readers of the same stream never share one.
        let reader = event.context.env_config.function_name.clone();
        let reader = reader.as_str();
        Ok(in_order(event.payload.records, |record| async move {
            let data = parse(&record)?;
            // A retried batch repeats records with the same event id (shard and sequence number).
            let key = format!(
                "{reader}#{}",
                record
                    .event_id
                    .as_deref()
                    .unwrap_or(record.kinesis.sequence_number.as_str())
            );
            deps.idempotency
                .run_once(&key, lock_until, async { process(&record, &data).map(|()| None) })
                .await
                .map(|_| ())
        })
{%- else %}
        let _ = deps; // Nothing to hold yet: add clients to `Deps` as the work needs them.
        Ok(in_order(event.payload.records, |record| async move {
            process(&record, &parse(&record)?)
        })
{%- endif %}
        .instrument(span)
        .await)
    }

    /// Does the work for one record. Replace the body with your own; return an error to have
    /// the batch retried from this record.
    pub fn process(
        record: &KinesisEventRecord,
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), Error> {
        let partition_key = record.kinesis.partition_key.as_str();
        let sequence_number = record.kinesis.sequence_number.as_str();
        if log_events() {
            tracing::info!(partition_key, sequence_number, data = ?data, "record processed");
        } else {
            tracing::info!(partition_key, sequence_number, "record processed");
        }
        Ok(())
    }
}
{%- if plan.handlers.len() > 1 %}
{%- for h in plan.handlers %}

/// {{ h.purpose }} It runs `consume`'s code; give it its own `process`.
pub mod {{ h.name }} {
    pub use super::consume::*;
}
{%- endfor %}
{%- endif %}

#[cfg(test)]
mod stream_tests {
    use super::consume::*;
    use super::tests::sample_event;
    use aws_lambda_events::kinesis::KinesisEvent;

    #[tokio::test]
    async fn every_sample_record_is_processed() {
        let event: KinesisEvent = serde_json::from_str(&sample_event("{{ plan.handlers[0].name }}")).unwrap();
        assert!(!event.records.is_empty());
        let response = in_order(event.records, |r| async move { process(&r, &parse(&r)?) }).await;
        assert!(response.batch_item_failures.is_empty());
    }

    #[tokio::test]
    async fn the_first_failure_stops_the_batch() {
        let mut event: KinesisEvent = serde_json::from_str(&sample_event("{{ plan.handlers[0].name }}")).unwrap();
        let mut bad = event.records[0].clone();
        *bad.kinesis.data = b"not json".to_vec();
        bad.kinesis.sequence_number = "1".to_owned();
        event.records.insert(0, bad);
        let mut seen = 0;
        let response = in_order(event.records, |r| {
            seen += 1;
            async move { process(&r, &parse(&r)?) }
        })
        .await;
        assert_eq!(seen, 1, "records after a failure are left for the retry");
        let json = serde_json::to_value(&response).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": "1"}]})
        );
    }
}
