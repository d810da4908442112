
/// The `handle` function: handles the `ItemCreated` events from `{{ plan.project }}` that a
/// rule on the bus (`EVENT_BUS_NAME`) routes to it. A failure is retried by Lambda, then sent
/// to the on-failure destination.
pub mod handle {
    use aws_lambda_events::eventbridge::EventBridgeEvent;
    use lambda_runtime::LambdaEvent;
    use tracing::Instrument as _;

    use super::{Error, invocation_span, log_events};
{%- if self.idem() %}
    use super::{Idempotency, deadline_s};
{%- endif %}

{% include "scaffold/rust/idempotency_deps.rs" %}

    /// The detail of an `ItemCreated` event.
    #[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
    pub struct ItemCreated {
        /// The item's id.
        pub id: String,
        /// Everything else in the detail.
        #[serde(flatten)]
        pub rest: serde_json::Map<String, serde_json::Value>,
    }

    /// Reads the detail of an event, checking its type.
    pub fn parse(event: &EventBridgeEvent<serde_json::Value>) -> Result<ItemCreated, Error> {
        if event.detail_type != "ItemCreated" {
            return Err(format!("unexpected detail-type {:?}", event.detail_type).into());
        }
        let detail: ItemCreated =
            serde_json::from_value(event.detail.clone()).map_err(|e| format!("bad ItemCreated detail: {e}"))?;
        if detail.id.trim().is_empty() {
            return Err("the ItemCreated detail has an empty id".into());
        }
        Ok(detail)
    }

    /// Handles one event.
    pub async fn handle(deps: &Deps, event: LambdaEvent<EventBridgeEvent<serde_json::Value>>) -> Result<(), Error> {
        let span = invocation_span(&event.context.request_id, &event.context);
{%- if self.idem() %}
        let lock_until = deadline_s(&event.context);
{%- else %}
        let _ = deps; // Nothing to hold yet: add clients to `Deps` as the work needs them.
{%- endif %}
        async move {
            let detail = parse(&event.payload)?;
{%- if self.idem() %}
            // The key is the detail's own id with its type: EventBridge keeps its event id across
            // its own retries, but a producer (or Scheduler) that sends again gets a new one.
            let key = format!("handle#{}#{}", event.payload.detail_type, detail.id);
            deps.idempotency
                .run_once(&key, lock_until, async { process(&detail).map(|()| None) })
                .await
                .map(|_| ())
{%- else %}
            process(&detail)
{%- endif %}
        }
        .instrument(span)
        .await
    }

    /// Does the work for one event. Replace the body with your own; return an error to have
    /// the event retried.
    pub fn process(detail: &ItemCreated) -> Result<(), Error> {
        if log_events() {
            tracing::info!(item_id = %detail.id, detail = ?detail.rest, "item created");
        } else {
            tracing::info!(item_id = %detail.id, "item created");
        }
        Ok(())
    }
}

#[cfg(test)]
mod eventbus_tests {
    use super::handle::*;
    use super::tests::sample_event;
    use aws_lambda_events::eventbridge::EventBridgeEvent;

    #[test]
    fn the_sample_event_is_handled() {
        let event: EventBridgeEvent<serde_json::Value> = serde_json::from_str(&sample_event("handle")).unwrap();
        assert_eq!(event.source, "{{ plan.project }}");
        let detail = parse(&event).unwrap();
        assert!(process(&detail).is_ok());
    }

    #[test]
    fn other_events_are_refused() {
        let mut event: EventBridgeEvent<serde_json::Value> = serde_json::from_str(&sample_event("handle")).unwrap();
        event.detail = serde_json::json!({"name": "no id"});
        assert!(parse(&event).is_err());
        event.detail_type = "ItemDeleted".to_owned();
        assert!(parse(&event).is_err());
    }
}
