{% include "scaffold/rust/http.rs" %}

/// The `receive` function: checks the sender's signature and queues the body, answering 202 at
/// once so the sender does not time out and retry.
pub mod receive {
    use hmac::{KeyInit as _, Mac as _};
    use lambda_http::{Body, Request, RequestExt as _, Response};
    use tracing::Instrument as _;

{% if plan.fifo.is_some() %}    use super::sha256_hex;
{% endif %}    use super::{Error, aws_error, env, invocation_span, json_response, log_events};

    /// What the function needs, built once per cold start.
    pub struct Deps {
        sqs: aws_sdk_sqs::Client,
        queue_url: String,
        signing_key: Vec<u8>,
{%- if let Some(fifo) = plan.fifo %}
{%- if fifo.global %}
        /// The one message group every webhook goes to (`MESSAGE_GROUP`): one strict order.
        group: String,
{%- else %}
        /// The top-level field of a webhook that names the entity whose events stay in order
        /// (`ORDER_KEY_FIELD`).
        key_field: String,
{%- endif %}
{%- endif %}
    }
{%- if let Some(fifo) = plan.fifo %}

    /// A webhook's place in the FIFO queue.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct FifoIds {
        /// The message group: one per entity key{% if fifo.global %} (here one for all){% endif %}.
        pub group_id: String,
        /// The SHA-256 of the sender's event id, so the queue drops a retry sent within 5 minutes.
        pub deduplication_id: String,
    }

    /// The webhook's message group and deduplication id (SHA-256 hex digests, so any key or id
    /// fits SQS's 128 characters). An error, answered with 400, when the body lacks what its
    /// order needs: it is refused rather than queued out of order.
{%- if fifo.global %}
    pub fn fifo_ids(body: &str, group: &str) -> Result<FifoIds, String> {
{%- else %}
    pub fn fifo_ids(body: &str, key_field: &str) -> Result<FifoIds, String> {
{%- endif %}
        let message: serde_json::Value = serde_json::from_str(body).map_err(|_| "the body must be JSON".to_owned())?;
        let Some(fields) = message.as_object() else {
            return Err("the webhook must be a JSON object".to_owned());
        };
        let id = match fields.get("id") {
            Some(serde_json::Value::String(id)) if !id.is_empty() => id,
            _ => return Err(r#"the webhook must have a non-empty string "id""#.to_owned()),
        };
{%- if fifo.global %}
        Ok(FifoIds {
            group_id: group.to_owned(),
            deduplication_id: sha256_hex(id.as_bytes()),
        })
{%- else %}
        let key = match fields.get(key_field) {
            Some(serde_json::Value::String(k)) if !k.is_empty() => k.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => {
                return Err(format!(
                    "the webhook has no string \"{key_field}\": its events could not be kept in order"
                ));
            }
        };
        Ok(FifoIds {
            group_id: sha256_hex(key.as_bytes()),
            deduplication_id: sha256_hex(id.as_bytes()),
        })
{%- endif %}
    }
{%- endif %}

    impl Deps {
        /// Reads `QUEUE_URL`, and the signing key from the secret `SIGNING_SECRET_ARN` (its
        /// secret string is the key). A new function instance reads a rotated secret.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            let secret = aws_sdk_secretsmanager::Client::new(&config)
                .get_secret_value()
                .secret_id(env("SIGNING_SECRET_ARN")?)
                .send()
                .await
                .map_err(|e| aws_error("reading the signing secret", &e))?;
            let signing_key = secret
                .secret_string()
                .ok_or("the signing secret has no secret string")?
                .as_bytes()
                .to_vec();
            Ok(Self {
                sqs: aws_sdk_sqs::Client::new(&config),
                queue_url: env("QUEUE_URL")?,
                signing_key,
{%- if let Some(fifo) = plan.fifo %}
{%- if fifo.global %}
                group: std::env::var("MESSAGE_GROUP").unwrap_or_else(|_| "{{ fifo.global_group }}".to_owned()),
{%- else %}
                key_field: std::env::var("ORDER_KEY_FIELD").unwrap_or_else(|_| "{{ fifo.group_field }}".to_owned()),
{%- endif %}
{%- endif %}
            })
        }
    }

    /// `sha256=<hex HMAC-SHA256 of body>`, the `x-signature` header a sender computes.
    pub fn sign(key: &[u8], body: &[u8]) -> String {
        // HMAC takes keys of any length, so this never returns early.
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key) else {
            return String::new();
        };
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    /// Whether `header` is a valid signature of `body` under `key`; the comparison takes the same
    /// time wherever the first wrong byte is (`verify_slice` is constant-time).
    pub fn signature_valid(key: &[u8], body: &[u8], header: Option<&str>) -> bool {
        let Some(tag) = header
            .and_then(|h| h.trim().strip_prefix("sha256="))
            .and_then(|h| hex::decode(h).ok())
        else {
            return false;
        };
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key) else {
            return false;
        };
        mac.update(body);
        mac.verify_slice(&tag).is_ok()
    }

    /// Handles `POST /webhook`.
    pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, Error> {
        let correlation_id = super::correlation_id(&request);
        let span = invocation_span(&correlation_id, &request.lambda_context());
        async move {
            let body: &[u8] = request.body().as_ref();
            let signature = request.headers().get("x-signature").and_then(|v| v.to_str().ok());
            if !signature_valid(&deps.signing_key, body, signature) {
                tracing::warn!("rejected: missing or bad signature");
                return json_response(401, &serde_json::json!({"message": "missing or bad signature"}));
            }
            let Ok(text) = std::str::from_utf8(body) else {
                return json_response(400, &serde_json::json!({"message": "the body must be UTF-8 text"}));
            };
            if log_events() {
                tracing::info!(body = text, "received");
            }
{%- if let Some(fifo) = plan.fifo %}
            let order = match fifo_ids(text, &deps.{% if fifo.global %}group{% else %}key_field{% endif %}) {
                Ok(order) => order,
                Err(reason) => {
                    tracing::warn!(reason = %reason, "refused: the webhook cannot be queued in order");
                    return json_response(400, &serde_json::json!({"message": reason}));
                }
            };
{%- endif %}
            let attribute = aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value(&correlation_id)
                .build()?;
            deps.sqs
                .send_message()
                .queue_url(&deps.queue_url)
                .message_body(text)
                .message_attributes("correlation_id", attribute)
{%- if plan.fifo.is_some() %}
                .message_group_id(order.group_id)
                .message_deduplication_id(order.deduplication_id)
{%- endif %}
                .send()
                .await
                .map_err(|e| aws_error("queueing the event", &e))?;
            tracing::info!("queued");
            json_response(202, &serde_json::json!({"status": "queued"}))
        }
        .instrument(span)
        .await
    }
}

/// The `work` function: processes queued webhook events in batches, reporting the messages
/// that failed.
pub mod work {
    use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
    use lambda_runtime::LambdaEvent;
    use tracing::Instrument as _;

    use super::{Error, Message, invocation_span, log_events, parse_message, {{ self.batch_fn() }}};
{%- if self.idem() %}
    use super::{Idempotency, deadline_s};
{%- endif %}

{% include "scaffold/rust/idempotency_deps.rs" %}

    /// Handles a batch of queued events.
    pub async fn handle(deps: &Deps, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
        let span = invocation_span(&event.context.request_id, &event.context);
        let request_id = event.context.request_id.clone();
{%- if self.idem() %}
        let lock_until = deadline_s(&event.context);
{%- endif %}
        Ok({{ self.batch_fn() }}(event.payload.records, |message| {
            let correlation_id = message_correlation_id(&message).unwrap_or_else(|| request_id.clone());
            let span = tracing::info_span!(parent: &span, "message", correlation_id = %correlation_id);
{%- if self.idem() %}
            async move {
                let event = parse_message(message.body.as_deref())?;
                // Senders retry with the same event id, so the id is the key.
                let key = format!("work#{}", event.id);
                deps.idempotency
                    .run_once(&key, lock_until, async { process(&event).map(|()| None) })
                    .await
                    .map(|_| ())
            }
            .instrument(span)
{%- else %}
            let _ = deps; // Nothing to hold yet: add clients to `Deps` as the work needs them.
            async move { process(&parse_message(message.body.as_deref())?) }.instrument(span)
{%- endif %}
        })
        .instrument(span.clone())
        .await)
    }

    /// The correlation id `receive` put on the message, when there is one.
    pub fn message_correlation_id(message: &SqsMessage) -> Option<String> {
        message
            .message_attributes
            .get("correlation_id")
            .and_then(|a| a.string_value.clone())
    }

    /// Does the work for one event. Replace the body with your own; return an error to have
    /// the message retried.
    pub fn process(event: &Message) -> Result<(), Error> {
        if log_events() {
            tracing::info!(kind = %event.kind, id = %event.id, payload = ?event.rest, "processing");
        } else {
            tracing::info!(kind = %event.kind, id = %event.id, "processing");
        }
        Ok(())
    }
}

#[cfg(test)]
mod webhook_tests {
    use super::receive::{sign, signature_valid};
    use super::tests::sample_event;
    use super::*;

    /// The secret the sample request is signed with.
    const TEST_SECRET: &[u8] = b"test-secret";

    #[test]
    fn the_sample_request_is_signed_with_the_test_secret() {
        let request = lambda_http::request::from_str(&sample_event("receive")).unwrap();
        let signature = request.headers().get("x-signature").and_then(|v| v.to_str().ok());
        assert!(signature_valid(TEST_SECRET, request.body().as_ref(), signature));
    }

    #[test]
    fn the_worker_takes_the_correlation_id_the_receiver_put_on_the_message() {
        let mut message = aws_lambda_events::sqs::SqsMessage::default();
        assert_eq!(work::message_correlation_id(&message), None);
        let mut attribute = aws_lambda_events::sqs::SqsMessageAttribute::default();
        attribute.string_value = Some("request-42".to_owned());
        attribute.data_type = Some("String".to_owned());
        message
            .message_attributes
            .insert("correlation_id".to_owned(), attribute);
        assert_eq!(work::message_correlation_id(&message).as_deref(), Some("request-42"));
    }

    #[test]
    fn a_bad_or_missing_signature_is_rejected() {
        let body = br#"{"id": "evt_1"}"#;
        let good = sign(TEST_SECRET, body);
        assert!(signature_valid(TEST_SECRET, body, Some(&good)));
        assert!(!signature_valid(b"another-secret", body, Some(&good)));
        assert!(!signature_valid(TEST_SECRET, br#"{"id": "evt_2"}"#, Some(&good)));
        assert!(!signature_valid(
            TEST_SECRET,
            body,
            Some(good.trim_start_matches("sha256="))
        ));
        assert!(!signature_valid(TEST_SECRET, body, Some("sha256=zz")));
        assert!(!signature_valid(TEST_SECRET, body, None));
    }

    #[tokio::test]
    async fn every_sample_message_is_processed() {
        let event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&sample_event("work")).unwrap();
        assert!(!event.records.is_empty());
        let response = {{ self.batch_fn() }}(event.records, |m| async move {
            work::process(&parse_message(m.body.as_deref())?)
        })
        .await;
        assert!(response.batch_item_failures.is_empty());
    }

    #[tokio::test]
    async fn a_broken_message_is_reported_alone() {
        let mut event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&sample_event("work")).unwrap();
        // The last of the batch{% if plan.fifo.is_some() %}: with a FIFO queue a failure also reports every later message{% endif %}.
        let last = event.records.len() - 1;
        event.records[last].body = Some("{not json".to_owned());
        let broken = event.records[last].message_id.clone().unwrap();
        let response = {{ self.batch_fn() }}(event.records, |m| async move {
            work::process(&parse_message(m.body.as_deref())?)
        })
        .await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, [broken.as_str()]);
    }
{%- if let Some(fifo) = plan.fifo %}

    #[test]
    fn the_sample_webhook_gets_its_group_and_its_event_id_as_deduplication_id() {
        let request = lambda_http::request::from_str(&sample_event("receive")).unwrap();
        let body = std::str::from_utf8(request.body().as_ref()).unwrap().to_owned();
        let fields: serde_json::Value = serde_json::from_str(&body).unwrap();
{%- if fifo.global %}
        let ids = receive::fifo_ids(&body, "{{ fifo.global_group }}").unwrap();
        assert_eq!(ids.group_id, "{{ fifo.global_group }}");
{%- else %}
        let ids = receive::fifo_ids(&body, "{{ fifo.group_field }}").unwrap();
        let key = fields["{{ fifo.group_field }}"].as_str().unwrap();
        assert_eq!(ids.group_id, sha256_hex(key.as_bytes()));
{%- endif %}
        let id = fields["id"].as_str().unwrap();
        assert_eq!(ids.deduplication_id, sha256_hex(id.as_bytes()));
        assert_eq!(ids.deduplication_id.len(), 64);
    }

    #[test]
    fn a_webhook_without_an_event_id_cannot_be_queued() {
        assert!(receive::fifo_ids(r#"{"entity_id": "a"}"#, "{% if fifo.global %}{{ fifo.global_group }}{% else %}entity_id{% endif %}").is_err());
        assert!(receive::fifo_ids(r#"{"id": "", "entity_id": "a"}"#, "{% if fifo.global %}{{ fifo.global_group }}{% else %}entity_id{% endif %}").is_err());
        assert!(receive::fifo_ids("not json", "{% if fifo.global %}{{ fifo.global_group }}{% else %}entity_id{% endif %}").is_err());
    }
{%- if !fifo.global %}

    #[test]
    fn a_webhook_without_its_order_key_cannot_be_queued() {
        let refused = receive::fifo_ids(r#"{"id": "evt_1"}"#, "account").unwrap_err();
        assert!(refused.contains("account"), "{refused}");
        let ids = receive::fifo_ids(r#"{"id": "evt_1", "account": "acct-7"}"#, "account").unwrap();
        assert_eq!(ids.group_id, sha256_hex(b"acct-7"));
    }
{%- endif %}

    #[tokio::test]
    async fn after_a_failed_message_every_later_one_of_the_batch_is_reported_failed() {
        let mut event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&sample_event("work")).unwrap();
        let mut bad = event.records[0].clone();
        bad.message_id = Some("bad-message".to_owned());
        bad.body = Some("{not json".to_owned());
        let second = event.records[1].message_id.clone().unwrap();
        event.records.insert(1, bad);
        let response = sqs_batch_fifo(event.records, |m| async move {
            work::process(&parse_message(m.body.as_deref())?)
        })
        .await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["bad-message", second.as_str()]);
    }
{%- endif %}
}
