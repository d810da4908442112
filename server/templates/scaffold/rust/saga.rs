
/// An error a step returns to the state machine: `kind` is the `errorType` that the state
/// machine's Retry and Catch match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    /// The error name: `ValidationError`, `StepAlreadyCompensated` or `SagaTableError`.
    pub kind: &'static str,
    /// What went wrong.
    pub message: String,
}

impl TaskError {
    /// A `ValidationError`: the input is wrong, so retrying cannot help; the saga compensates.
    pub fn validation(message: impl Into<String>) -> Self {
        Self {
            kind: "ValidationError",
            message: message.into(),
        }
    }

    /// A `SagaTableError`: the saga table could not be read or written.
    pub fn table(message: impl std::fmt::Display) -> Self {
        Self {
            kind: "SagaTableError",
            message: message.to_string(),
        }
    }
}

impl std::fmt::Display for TaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for TaskError {}

impl From<TaskError> for lambda_runtime::Diagnostic {
    fn from(e: TaskError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: e.kind.to_owned(),
            error_message: e.message,
        }
    }
}

/// The saga's input, passed from step to step; each step adds its result under its name.
pub type State = serde_json::Map<String, serde_json::Value>;

/// What the saga table holds for one saga and step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// `done` or `compensated`.
    pub status: String,
    /// The step's result, when it ran.
    pub result: Option<serde_json::Value>,
}

/// The saga table (`SAGA_TABLE`): one item per saga and step. `record_done` writes the step as
/// done only if it has no item, and otherwise returns the item it found; `mark_compensated`
/// sets the step compensated whatever was there, and returns what was there before.
pub trait SagaStore {
    /// Records a step as done, unless the saga table already has an item for it.
    fn record_done(
        &self,
        saga_id: &str,
        step: &str,
        result: &serde_json::Value,
    ) -> impl Future<Output = Result<Option<StepRecord>, TaskError>> + Send;
    /// Marks a step compensated, returning its item from before.
    fn mark_compensated(
        &self,
        saga_id: &str,
        step: &str,
    ) -> impl Future<Output = Result<Option<StepRecord>, TaskError>> + Send;
}

/// The saga table in DynamoDB, with conditional writes.
pub struct DynamoSagaStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoSagaStore {
    /// Reads the table name from the environment.
    pub fn from_env(config: &aws_config::SdkConfig) -> Result<Self, Error> {
        Ok(Self {
            client: aws_sdk_dynamodb::Client::new(config),
            table: env("SAGA_TABLE")?,
        })
    }
}

fn record_of(
    item: Option<&std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>,
) -> Option<StepRecord> {
    let item = item?;
    Some(StepRecord {
        status: item
            .get("status")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default(),
        result: item
            .get("result")
            .and_then(|v| v.as_s().ok())
            .and_then(|s| serde_json::from_str(s).ok()),
    })
}

impl SagaStore for DynamoSagaStore {
    async fn record_done(
        &self,
        saga_id: &str,
        step: &str,
        result: &serde_json::Value,
    ) -> Result<Option<StepRecord>, TaskError> {
        use aws_sdk_dynamodb::operation::put_item::PutItemError;
        use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S(saga_id.to_owned()))
            .item("step", AttributeValue::S(step.to_owned()))
            .item("status", AttributeValue::S("done".to_owned()))
            .item("result", AttributeValue::S(result.to_string()))
            .item("done_at", AttributeValue::N(now_s().to_string()))
            .condition_expression("attribute_not_exists(id)")
            // The item that stopped the write comes back with the error: no second read.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match put {
            Ok(_) => Ok(None),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(e)) => Ok(record_of(e.item())),
                _ => Err(TaskError::table(aws_error("recording the step", &err))),
            },
        }
    }

    async fn mark_compensated(&self, saga_id: &str, step: &str) -> Result<Option<StepRecord>, TaskError> {
        use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
        let old = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(saga_id.to_owned()))
            .key("step", AttributeValue::S(step.to_owned()))
            .update_expression("SET #status = :compensated, compensated_at = if_not_exists(compensated_at, :now)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":compensated", AttributeValue::S("compensated".to_owned()))
            .expression_attribute_values(":now", AttributeValue::N(now_s().to_string()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| TaskError::table(aws_error("marking the step compensated", &e)))?;
        Ok(record_of(old.attributes()))
    }
}

/// The input as an object with a non-empty string `id` (the saga id), else a `ValidationError`.
pub fn saga_input(input: serde_json::Value) -> Result<(String, State), TaskError> {
    let serde_json::Value::Object(state) = input else {
        return Err(TaskError::validation("the input must be a JSON object"));
    };
    match state.get("id").and_then(serde_json::Value::as_str) {
        Some(id) if !id.trim().is_empty() => Ok((id.to_owned(), state)),
        _ => Err(TaskError::validation(
            "the input needs a non-empty string \"id\" (the saga id)",
        )),
    }
}

/// The order's lines as (sku, price in cents, quantity); a `ValidationError` when one is
/// missing or not positive.
pub fn order_lines(state: &State) -> Result<Vec<(String, u64, u64)>, TaskError> {
    let items = state
        .get("items")
        .and_then(serde_json::Value::as_array)
        .filter(|i| !i.is_empty());
    let items = items.ok_or_else(|| TaskError::validation("the input needs a non-empty list \"items\""))?;
    items
        .iter()
        .map(|item| {
            let sku = item.get("sku").and_then(serde_json::Value::as_str);
            let price = item.get("price").and_then(serde_json::Value::as_f64);
            let quantity = item.get("quantity").and_then(serde_json::Value::as_u64);
            match (sku, price, quantity) {
                (Some(sku), Some(p), Some(q)) if p > 0.0 && q > 0 => {
                    Ok((sku.to_owned(), (p * 100.0).round() as u64, q))
                }
                _ => Err(TaskError::validation(
                    "each item needs a sku, a positive price and a positive integer quantity",
                )),
            }
        })
        .collect()
}

/// Records `step` of the saga as done with `result`, once. A repeat returns the first result; a
/// step whose compensation already ran is a `StepAlreadyCompensated` error.
pub async fn run_step(
    store: &impl SagaStore,
    saga_id: &str,
    mut state: State,
    step: &str,
    result: serde_json::Value,
) -> Result<State, TaskError> {
    let result = match store.record_done(saga_id, step, &result).await? {
        None => {
            tracing::info!(step, "step done");
            result
        }
        Some(found) if found.status == "compensated" => {
            return Err(TaskError {
                kind: "StepAlreadyCompensated",
                message: format!("{step} of saga {saga_id} was already compensated"),
            });
        }
        Some(found) => {
            tracing::info!(step, "step already done: returning its first result");
            found.result.unwrap_or_default()
        }
    };
    state.insert(step.to_owned(), result);
    Ok(state)
}

/// Marks `step` compensated; returns whether it had been done (so there was something to undo).
pub async fn compensate_step(
    store: &impl SagaStore,
    saga_id: &str,
    state: &State,
    step: &str,
) -> Result<bool, TaskError> {
    let before = store.mark_compensated(saga_id, step).await?;
    let undone = before.is_some_and(|r| r.status == "done");
    let error = state
        .get("error")
        .and_then(|e| e.get("Error"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("unknown");
    tracing::warn!(step, had_run = undone, error, "step compensated");
    Ok(undone)
}

/// Each step's and compensation's work on a checked input.
pub mod steps {
    use super::{SagaStore, State, TaskError, compensate_step, order_lines, run_step};

    /// Step 1: checks the order and holds its items. Call your inventory service here with the
    /// idempotency key `<id>:reserve`.
    pub async fn reserve(store: &impl SagaStore, id: &str, state: State) -> Result<State, TaskError> {
        let held: serde_json::Map<String, serde_json::Value> = order_lines(&state)?
            .into_iter()
            .map(|(sku, _, q)| (sku, q.into()))
            .collect();
        run_step(store, id, state, "reserve", serde_json::json!({ "held": held })).await
    }

    /// Step 2: charges the order's total. Call your payment provider here with the idempotency
    /// key `<id>:charge`.
    pub async fn charge(store: &impl SagaStore, id: &str, state: State) -> Result<State, TaskError> {
        let cents: u64 = order_lines(&state)?.iter().map(|(_, p, q)| p * q).sum();
        let amount = format!("{}.{:02}", cents / 100, cents % 100);
        run_step(store, id, state, "charge", serde_json::json!({ "amount": amount })).await
    }

    /// Step 3: confirms the order. Once it succeeds the saga is done and nothing is undone.
    pub async fn confirm(store: &impl SagaStore, id: &str, state: State) -> Result<State, TaskError> {
        run_step(store, id, state, "confirm", serde_json::json!({ "confirmed": true })).await
    }

    /// Undoes step 2. Call your provider's refund with the key `<id>:refund` before marking.
    pub async fn refund(store: &impl SagaStore, id: &str, mut state: State) -> Result<State, TaskError> {
        let refunded = compensate_step(store, id, &state, "charge").await?;
        state.insert("refunded".to_owned(), refunded.into());
        Ok(state)
    }

    /// Undoes step 1. Call your inventory service's release with the key `<id>:release` before
    /// marking.
    pub async fn release(store: &impl SagaStore, id: &str, mut state: State) -> Result<State, TaskError> {
        let released = compensate_step(store, id, &state, "reserve").await?;
        state.insert("released".to_owned(), released.into());
        Ok(state)
    }
}

{%- for h in plan.handlers %}

/// The `{{ h.name }}` function: {{ h.purpose }}
pub mod {{ h.name }} {
    use lambda_runtime::LambdaEvent;
    use tracing::Instrument as _;

    use super::{DynamoSagaStore, State, TaskError, invocation_span, log_events, saga_input};

    /// What the function needs, built once per cold start.
    pub struct Deps {
        store: DynamoSagaStore,
    }

    impl Deps {
        /// Reads the function's settings from the environment.
        pub async fn from_env() -> Result<Self, lambda_runtime::Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                store: DynamoSagaStore::from_env(&config)?,
            })
        }
    }

    /// Runs the step on the state machine's input and returns its output.
    pub async fn handle(deps: &Deps, event: LambdaEvent<serde_json::Value>) -> Result<State, TaskError> {
        let span = invocation_span(&event.context.request_id, &event.context);
        async move {
            let (id, state) = saga_input(event.payload)?;
            if log_events() {
                tracing::info!(id, input = ?state, "{{ h.name }}");
            } else {
                tracing::info!(id, "{{ h.name }}");
            }
            super::steps::{{ h.name }}(&deps.store, &id, state).await
        }
        .instrument(span)
        .await
    }
}

{%- endfor %}

#[cfg(test)]
mod saga_tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::tests::sample_event;
    use super::*;

    /// The saga table in memory, with the DynamoDB store's conditional writes.
    #[derive(Default)]
    struct MemoryStore(Mutex<HashMap<(String, String), StepRecord>>);

    impl MemoryStore {
        fn statuses(&self) -> Vec<(String, String)> {
            let mut v: Vec<_> = self
                .0
                .lock()
                .unwrap()
                .iter()
                .map(|((_, step), r)| (step.clone(), r.status.clone()))
                .collect();
            v.sort();
            v
        }
    }

    impl SagaStore for MemoryStore {
        async fn record_done(
            &self,
            saga_id: &str,
            step: &str,
            result: &serde_json::Value,
        ) -> Result<Option<StepRecord>, TaskError> {
            let mut items = self.0.lock().unwrap();
            let key = (saga_id.to_owned(), step.to_owned());
            if let Some(found) = items.get(&key) {
                return Ok(Some(found.clone()));
            }
            items.insert(
                key,
                StepRecord {
                    status: "done".to_owned(),
                    result: Some(result.clone()),
                },
            );
            Ok(None)
        }

        async fn mark_compensated(&self, saga_id: &str, step: &str) -> Result<Option<StepRecord>, TaskError> {
            let mut items = self.0.lock().unwrap();
            let key = (saga_id.to_owned(), step.to_owned());
            let before = items.get(&key).cloned();
            let result = before.as_ref().and_then(|r| r.result.clone());
            items.insert(
                key,
                StepRecord {
                    status: "compensated".to_owned(),
                    result,
                },
            );
            Ok(before)
        }
    }

    fn input(name: &str) -> (String, State) {
        saga_input(serde_json::from_str(&sample_event(name)).unwrap()).unwrap()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[tokio::test]
    async fn the_steps_run_in_order_and_record_themselves() {
        let store = MemoryStore::default();
        let (id, state) = input("reserve");
        let state = steps::reserve(&store, &id, state).await.unwrap();
        assert_eq!(state["reserve"], serde_json::json!({ "held": { "A-1": 2, "B-7": 1 } }));
        let state = steps::charge(&store, &id, state).await.unwrap();
        assert_eq!(state["charge"], serde_json::json!({ "amount": "29.00" }));
        let state = steps::confirm(&store, &id, state).await.unwrap();
        assert_eq!(state["confirm"], serde_json::json!({ "confirmed": true }));
        assert_eq!(
            store.statuses(),
            pairs(&[("charge", "done"), ("confirm", "done"), ("reserve", "done")])
        );
    }

    #[tokio::test]
    async fn a_retried_step_returns_its_first_result_and_records_once() {
        let store = MemoryStore::default();
        let (id, state) = input("charge");
        let first = steps::charge(&store, &id, state.clone()).await.unwrap();
        // A retry with other prices must not charge again: the first result stands.
        let mut changed = state;
        changed["items"][0]["price"] = 99.into();
        let again = steps::charge(&store, &id, changed).await.unwrap();
        assert_eq!(again["charge"], first["charge"]);
        assert_eq!(store.statuses(), pairs(&[("charge", "done")]));
    }

    #[tokio::test]
    async fn reserve_refuses_a_bad_order_with_validation_error() {
        for change in [
            serde_json::json!({ "items": [] }),
            serde_json::json!({ "items": [{ "sku": "A-1", "price": 3 }] }),
            serde_json::json!({ "items": [{ "sku": "A-1", "price": -1, "quantity": 1 }] }),
        ] {
            let (id, mut state) = input("reserve");
            state.extend(change.as_object().unwrap().clone());
            let err = steps::reserve(&MemoryStore::default(), &id, state).await.unwrap_err();
            assert_eq!(err.kind, "ValidationError", "{change}");
        }
        for bad in [
            serde_json::json!({ "id": "" }),
            serde_json::json!({ "id": 7 }),
            serde_json::json!([]),
        ] {
            assert_eq!(saga_input(bad.clone()).unwrap_err().kind, "ValidationError", "{bad}");
        }
    }

    #[tokio::test]
    async fn a_compensation_undoes_a_done_step_once() {
        let store = MemoryStore::default();
        let (id, state) = input("charge");
        steps::charge(&store, &id, state).await.unwrap();
        let (_, event) = input("refund");
        assert_eq!(
            steps::refund(&store, &id, event.clone()).await.unwrap()["refunded"],
            true
        );
        assert_eq!(steps::refund(&store, &id, event).await.unwrap()["refunded"], false);
        assert_eq!(store.statuses(), pairs(&[("charge", "compensated")]));
    }

    #[tokio::test]
    async fn a_step_that_arrives_after_its_compensation_is_refused() {
        let store = MemoryStore::default();
        // The compensation ran first (the step timed out before writing): nothing to undo,
        let (id, event) = input("release");
        assert_eq!(steps::release(&store, &id, event).await.unwrap()["released"], false);
        // and the step's late retry must not hold items nobody will release.
        let (_, state) = input("reserve");
        let err = steps::reserve(&store, &id, state).await.unwrap_err();
        assert_eq!(err.kind, "StepAlreadyCompensated");
        assert_eq!(store.statuses(), pairs(&[("reserve", "compensated")]));
    }
}
