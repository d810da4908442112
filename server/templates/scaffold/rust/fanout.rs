{%- for h in plan.handlers %}{% if !loop.first %}
{% endif %}
/// The `{{ h.name }}` function: {{ h.purpose }}
pub mod {{ h.name }} {
    use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
    use lambda_runtime::LambdaEvent;
    use tracing::Instrument as _;

    use super::{Error, Message, invocation_span, log_events, parse_message, {{ self.batch_fn() }}};
{%- if self.idem() %}
    use super::{Idempotency, deadline_s, sha256_hex};
{%- endif %}

{% include "scaffold/rust/idempotency_deps.rs" %}

    /// Handles a batch of messages from the function's queue; each body is the raw SNS message.
    pub async fn handle(deps: &Deps, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
        let span = invocation_span(&event.context.request_id, &event.context);
{%- if self.idem() %}
        let lock_until = deadline_s(&event.context);
        Ok({{ self.batch_fn() }}(event.payload.records, |message| async move {
            let body = message.body.as_deref();
            let event = parse_message(body)?;
            // SNS can deliver a message twice, each time with a new SQS message id: the key is
            // the body's hash, so the same message is handled once.
            let key = format!("{{ h.name }}#{}", sha256_hex(body.unwrap_or_default().as_bytes()));
            deps.idempotency
                .run_once(&key, lock_until, async { process(&event).map(|()| None) })
                .await
                .map(|_| ())
        })
{%- else %}
        let _ = deps; // Nothing to hold yet: add clients to `Deps` as the work needs them.
        Ok({{ self.batch_fn() }}(event.payload.records, |message| async move {
            process(&parse_message(message.body.as_deref())?)
        })
{%- endif %}
        .instrument(span)
        .await)
    }

    /// Does the work for one event. Replace the body with your own; return an error to have
    /// the message retried.
    pub fn process(event: &Message) -> Result<(), Error> {
{%- if h.name == "notify" %}
        // The subscription's filter policy sends only `created` events; anything else is skipped.
        if event.kind != "created" {
            tracing::warn!(kind = %event.kind, id = %event.id, "not a created event: skipped");
            return Ok(());
        }
{%- endif %}
        if log_events() {
            tracing::info!(kind = %event.kind, id = %event.id, payload = ?event.rest, "{% if h.name == "notify" %}notifying{% else %}recorded{% endif %}");
        } else {
            tracing::info!(kind = %event.kind, id = %event.id, "{% if h.name == "notify" %}notifying{% else %}recorded{% endif %}");
        }
        Ok(())
    }
}
{%- endfor %}

#[cfg(test)]
mod fanout_tests {
    use super::tests::sample_event;
    use super::*;
{% for h in plan.handlers %}
    #[tokio::test]
    async fn every_sample_message_for_{{ h.name }}_is_handled() {
        let event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&sample_event("{{ h.name }}")).unwrap();
        assert!(!event.records.is_empty());
        let response = {{ self.batch_fn() }}(event.records, |m| async move {
            {{ h.name }}::process(&parse_message(m.body.as_deref())?)
        })
        .await;
        assert!(response.batch_item_failures.is_empty());
    }
{% endfor %}
    #[tokio::test]
    async fn a_broken_message_is_reported_alone() {
        let mut event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&sample_event("audit")).unwrap();
        // The last of the batch{% if plan.fifo.is_some() %}: with FIFO queues a failure also reports every later message{% endif %}.
        let last = event.records.len() - 1;
        event.records[last].body = Some(r#"{"type": "created"}"#.to_owned());
        let broken = event.records[last].message_id.clone().unwrap();
        let response = {{ self.batch_fn() }}(event.records, |m| async move {
            audit::process(&parse_message(m.body.as_deref())?)
        })
        .await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, [broken.as_str()]);
    }

    #[test]
    fn notify_skips_other_event_types() {
        let updated = parse_message(Some(r#"{"type": "updated", "id": "1"}"#)).unwrap();
        assert!(notify::process(&updated).is_ok());
    }
}
