{% include "scaffold/rust/http.rs" %}

/// The `receive` function: checks the sender's signature and queues the body, answering 202 at
/// once so the sender does not time out and retry.
pub mod receive {
    use hmac::{KeyInit as _, Mac as _};
    use lambda_http::{Body, Request, RequestExt as _, Response};
    use tracing::Instrument as _;

    use super::{Error, aws_error, env, invocation_span, json_response, log_events};

    /// What the function needs, built once per cold start.
    pub struct Deps {
        sqs: aws_sdk_sqs::Client,
        queue_url: String,
        signing_key: Vec<u8>,
    }

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
            let attribute = aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value(&correlation_id)
                .build()?;
            deps.sqs
                .send_message()
                .queue_url(&deps.queue_url)
                .message_body(text)
                .message_attributes("correlation_id", attribute)
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

    use super::{Error, Message, invocation_span, log_events, parse_message, sqs_batch};
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
        Ok(sqs_batch(event.payload.records, |message| {
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
        let response = sqs_batch(event.records, |m| async move {
            work::process(&parse_message(m.body.as_deref())?)
        })
        .await;
        assert!(response.batch_item_failures.is_empty());
    }

    #[tokio::test]
    async fn a_broken_message_is_reported_alone() {
        let mut event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&sample_event("work")).unwrap();
        event.records[0].body = Some("{not json".to_owned());
        let broken = event.records[0].message_id.clone().unwrap();
        let response = sqs_batch(event.records, |m| async move {
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
}
