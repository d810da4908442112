
/// Handles each message of an SQS batch and reports the ones that failed, so SQS retries only
/// those (the event source mapping has `ReportBatchItemFailures`); after `maxReceiveCount`
/// receives a message moves to the dead-letter queue.
pub async fn sqs_batch<F, Fut>(
    records: Vec<aws_lambda_events::sqs::SqsMessage>,
    mut handle: F,
) -> aws_lambda_events::sqs::SqsBatchResponse
where
    F: FnMut(aws_lambda_events::sqs::SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let mut response = aws_lambda_events::sqs::SqsBatchResponse::default();
    for message in records {
        let id = message.message_id.clone().unwrap_or_default();
        if let Err(e) = handle(message).await {
            tracing::error!(message_id = %id, error = %e, "message failed; SQS will retry it");
            response.add_failure(id);
        }
    }
    response
}

{% if plan.fifo.is_some() -%}
/// [`sqs_batch`] for a FIFO queue: the messages of a batch are handled in order, and after the
/// first one that fails, it and every later message are reported failed without being handled,
/// so SQS returns them all and none is handled ahead of the one it follows.
pub async fn sqs_batch_fifo<F, Fut>(
    records: Vec<aws_lambda_events::sqs::SqsMessage>,
    mut handle: F,
) -> aws_lambda_events::sqs::SqsBatchResponse
where
    F: FnMut(aws_lambda_events::sqs::SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let mut response = aws_lambda_events::sqs::SqsBatchResponse::default();
    let mut failed = false;
    for message in records {
        let id = message.message_id.clone().unwrap_or_default();
        if failed {
            response.add_failure(id);
            continue;
        }
        if let Err(e) = handle(message).await {
            tracing::error!(message_id = %id, error = %e, "message failed; SQS will retry it and every later message of the batch");
            failed = true;
            response.add_failure(id);
        }
    }
    response
}

{% endif -%}
/// An event in a message body: a JSON object with a string `type` and `id`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct Message {
    /// What happened, such as `created`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The id of the thing it happened to; also the idempotency key.
    pub id: String,
    /// Everything else in the message.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

/// Parses a message body into a [`Message`].
pub fn parse_message(body: Option<&str>) -> Result<Message, Error> {
    let body = body.ok_or("the message has no body")?;
    let message: Message = serde_json::from_str(body).map_err(|e| format!("bad message body: {e}"))?;
    if message.id.trim().is_empty() {
        return Err("the message has an empty id".into());
    }
    Ok(message)
}

#[cfg(test)]
mod sqs_batch_tests {
    use super::*;

    fn message(id: &str, body: &str) -> aws_lambda_events::sqs::SqsMessage {
        let mut m = aws_lambda_events::sqs::SqsMessage::default();
        m.message_id = Some(id.to_owned());
        m.body = Some(body.to_owned());
        m
    }

    #[tokio::test]
    async fn only_the_failed_messages_are_reported() {
        let records = vec![
            message("m1", r#"{"type": "created", "id": "1"}"#),
            message("m2", "not json"),
            message("m3", r#"{"type": "created", "id": ""}"#),
            message("m4", r#"{"type": "updated", "id": "4", "extra": true}"#),
        ];
        let response = sqs_batch(records, |m| async move { parse_message(m.body.as_deref()).map(|_| ()) }).await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["m2", "m3"]);
    }

{%- if plan.fifo.is_some() %}
    #[tokio::test]
    async fn fifo_reports_the_first_failure_and_every_later_message_unhandled() {
        let records = vec![
            message("m1", r#"{"type": "created", "id": "1"}"#),
            message("m2", "not json"),
            message("m3", r#"{"type": "created", "id": "3"}"#),
            message("m4", r#"{"type": "updated", "id": "4"}"#),
        ];
        let mut handled = Vec::new();
        let response = sqs_batch_fifo(records, |m| {
            handled.push(m.message_id.clone().unwrap_or_default());
            async move { parse_message(m.body.as_deref()).map(|_| ()) }
        })
        .await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["m2", "m3", "m4"]);
        assert_eq!(handled, ["m1", "m2"]);
    }

    #[tokio::test]
    async fn fifo_reports_nothing_when_every_message_succeeds() {
        let records = vec![
            message("m1", r#"{"type": "created", "id": "1"}"#),
            message("m2", r#"{"type": "created", "id": "2"}"#),
        ];
        let response = sqs_batch_fifo(records, |m| async move { parse_message(m.body.as_deref()).map(|_| ()) }).await;
        assert!(response.batch_item_failures.is_empty());
    }
{%- endif %}

    #[test]
    fn the_response_has_the_shape_lambda_reads() {
        let mut response = aws_lambda_events::sqs::SqsBatchResponse::default();
        response.add_failure("m1");
        let json = serde_json::to_value(&response).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": "m1"}]})
        );
    }

    #[test]
    fn extra_fields_are_kept() {
        let m = parse_message(Some(r#"{"type": "created", "id": "7", "total": 3}"#)).unwrap();
        assert_eq!(m.kind, "created");
        assert_eq!(m.rest.get("total"), Some(&serde_json::json!(3)));
    }
}
