{% include "scaffold/rust/http.rs" %}
/// The event store: `EventsTable` (partition key `aggregateId`, sort key `version`), append-only.
pub mod store {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::types::AttributeValue;

    use super::{Error, aws_error};

    /// The event schema versions this code reads; an older one is upcast in [`upcast`].
    pub const SCHEMA_VERSION: u64 = 1;

    /// An event as the store keeps it.
    #[derive(Debug, Clone, PartialEq)]
    pub struct StoredEvent {
        pub aggregate_id: String,
        pub version: u64,
        pub kind: String,
        pub schema_version: u64,
        /// The event's data, as JSON text.
        pub data: String,
        /// The command that appended it (the Idempotency-Key header).
        pub command_id: String,
        pub correlation_id: String,
        pub recorded_at: u64,
    }

    /// Reads an event in today's shape whatever schema version wrote it; a version newer than
    /// this code is an error, and the change waits in the failure queue until a release reads it.
    pub fn upcast(event: StoredEvent) -> Result<StoredEvent, Error> {
        if event.schema_version > SCHEMA_VERSION {
            return Err(format!(
                "event schema version {} is newer than this projection reads ({SCHEMA_VERSION})",
                event.schema_version
            )
            .into());
        }
        Ok(event)
    }

    /// An event from a DynamoDB item (the store's, or a change's new image).
    pub fn event_from(item: &HashMap<String, AttributeValue>) -> Option<StoredEvent> {
        let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        let n = |k: &str| {
            item.get(k)
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse::<u64>().ok())
        };
        Some(StoredEvent {
            aggregate_id: s("aggregateId")?,
            version: n("version")?,
            kind: s("type")?,
            schema_version: n("schemaVersion").unwrap_or(1),
            data: s("data").unwrap_or_else(|| "{}".to_owned()),
            command_id: s("commandId").unwrap_or_default(),
            correlation_id: s("correlationId").unwrap_or_default(),
            recorded_at: n("recordedAt").unwrap_or(0),
        })
    }

    /// Where events are kept: DynamoDB in Lambda, memory in the tests.
    pub trait EventStore {
        /// Appends an event; `false` when its version exists already.
        fn append(&self, event: &StoredEvent) -> impl Future<Output = Result<bool, Error>> + Send;
        /// One version of an aggregate.
        fn get(
            &self,
            aggregate_id: &str,
            version: u64,
        ) -> impl Future<Output = Result<Option<StoredEvent>, Error>> + Send;
        /// An aggregate's events after a version, in version order.
        fn after(
            &self,
            aggregate_id: &str,
            version: u64,
        ) -> impl Future<Output = Result<Vec<StoredEvent>, Error>> + Send;
    }

    /// `EventsTable` in DynamoDB.
    pub struct DynamoEvents {
        pub client: aws_sdk_dynamodb::Client,
        pub table: String,
    }

    impl EventStore for DynamoEvents {
        async fn append(&self, event: &StoredEvent) -> Result<bool, Error> {
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("aggregateId", AttributeValue::S(event.aggregate_id.clone()))
                .item("version", AttributeValue::N(event.version.to_string()))
                .item("type", AttributeValue::S(event.kind.clone()))
                .item("schemaVersion", AttributeValue::N(event.schema_version.to_string()))
                .item("data", AttributeValue::S(event.data.clone()))
                .item("commandId", AttributeValue::S(event.command_id.clone()))
                .item("correlationId", AttributeValue::S(event.correlation_id.clone()))
                .item("recordedAt", AttributeValue::N(event.recorded_at.to_string()))
                .condition_expression("attribute_not_exists(aggregateId)")
                .send()
                .await;
            match result {
                Ok(_) => Ok(true),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
                {
                    Ok(false)
                }
                Err(e) => Err(aws_error("appending the event", &e)),
            }
        }

        async fn get(&self, aggregate_id: &str, version: u64) -> Result<Option<StoredEvent>, Error> {
            let out = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("aggregateId", AttributeValue::S(aggregate_id.to_owned()))
                .key("version", AttributeValue::N(version.to_string()))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| aws_error("reading an event", &e))?;
            Ok(out.item().and_then(event_from))
        }

        async fn after(&self, aggregate_id: &str, version: u64) -> Result<Vec<StoredEvent>, Error> {
            let mut events = Vec::new();
            let mut start = None;
            loop {
                let page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("aggregateId = :id AND version > :version")
                    .expression_attribute_values(":id", AttributeValue::S(aggregate_id.to_owned()))
                    .expression_attribute_values(":version", AttributeValue::N(version.to_string()))
                    .consistent_read(true)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| aws_error("reading an aggregate's events", &e))?;
                events.extend(page.items().iter().filter_map(event_from));
                start = page.last_evaluated_key().cloned();
                if start.is_none() {
                    return Ok(events);
                }
            }
        }
    }
}

/// The `append` function: `POST /aggregates/{id}/events` appends version `expectedVersion + 1`
/// with a version-checked put. 201 with the version; the same answer for a retry of the same
/// command (its `Idempotency-Key`); 409 when another command took the version, or the expected
/// version does not exist yet; 400 for a malformed command.
pub mod append {
    use lambda_http::{Body, Request, RequestExt as _, Response};
    use tracing::Instrument as _;

    use super::store::{DynamoEvents, EventStore, SCHEMA_VERSION, StoredEvent};
    use super::{Error, correlation_id, env, invocation_span, json_response, now_s};

    const MAX_KEY_LENGTH: usize = 200;
    const MAX_TYPE_LENGTH: usize = 100;

    /// What the function needs, built once per cold start.
    pub struct Deps<S = DynamoEvents> {
        pub events: S,
    }

    impl Deps {
        /// Reads `EVENTS_TABLE` from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                events: DynamoEvents {
                    client: aws_sdk_dynamodb::Client::new(&config),
                    table: env("EVENTS_TABLE")?,
                },
            })
        }
    }

    /// A valid command.
    #[derive(Debug, PartialEq)]
    pub struct Command {
        pub expected_version: u64,
        pub kind: String,
        pub data: serde_json::Value,
        pub schema_version: u64,
    }

    /// Parses a command body, or says what is wrong with it.
    pub fn parse(body: &[u8]) -> Result<Command, String> {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
            r#"the body must be JSON, such as {"expectedVersion": 0, "type": "Deposited", "data": {"amount": 250}}"#
                .to_owned()
        })?;
        let object = value.as_object().ok_or("the body must be a JSON object")?;
        let expected_version = object
            .get("expectedVersion")
            .and_then(serde_json::Value::as_u64)
            .ok_or(r#""expectedVersion" must be the version the caller last read: 0 for a new aggregate"#)?;
        let kind = object
            .get("type")
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= MAX_TYPE_LENGTH)
            .ok_or(format!(
                r#""type" must be a non-empty string of at most {MAX_TYPE_LENGTH} characters"#
            ))?;
        let data = object.get("data").cloned().unwrap_or_else(|| serde_json::json!({}));
        if !data.is_object() {
            return Err(r#""data" must be a JSON object"#.to_owned());
        }
        let schema_version = match object.get("schemaVersion") {
            None => SCHEMA_VERSION,
            Some(v) => v
                .as_u64()
                .filter(|v| (1..=SCHEMA_VERSION).contains(v))
                .ok_or(format!(r#""schemaVersion" must be between 1 and {SCHEMA_VERSION}"#))?,
        };
        Ok(Command {
            expected_version,
            kind: kind.to_owned(),
            data,
            schema_version,
        })
    }

    fn conflict(aggregate_id: &str, expected: u64, why: String) -> Result<Response<Body>, Error> {
        tracing::info!(aggregate_id, expected, "append conflict");
        json_response(
            409,
            &serde_json::json!({"message": format!("{why}: read the aggregate again and retry"), "aggregateId": aggregate_id, "expectedVersion": expected}),
        )
    }

    /// Handles `POST /aggregates/{id}/events`.
    pub async fn handle<S: EventStore>(deps: &Deps<S>, request: Request) -> Result<Response<Body>, Error> {
        let correlation_id = correlation_id(&request);
        let span = invocation_span(
            &correlation_id,
            &request.lambda_context_ref().cloned().unwrap_or_default(),
        );
        async move {
            let Some(aggregate_id) = request
                .path_parameters_ref()
                .and_then(|p| p.first("id"))
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
            else {
                return json_response(404, &serde_json::json!({"message": "no such route"}));
            };
            let key = request
                .headers()
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LENGTH)
                .map(str::to_owned);
            let Some(key) = key else {
                return json_response(400, &serde_json::json!({"message": format!("the Idempotency-Key header is required: a new unique value per command, sent again unchanged on a retry, at most {MAX_KEY_LENGTH} characters")}));
            };
            let command = match parse(request.body().as_ref()) {
                Ok(c) => c,
                Err(message) => return json_response(400, &serde_json::json!({"message": message})),
            };
            let expected = command.expected_version;
            let version = expected + 1;
            // Events are never removed, so once seen the expected version stays.
            if expected > 0 && deps.events.get(&aggregate_id, expected).await?.is_none() {
                return conflict(&aggregate_id, expected, format!("version {expected} of {aggregate_id} does not exist"));
            }
            let event = StoredEvent {
                aggregate_id: aggregate_id.clone(),
                version,
                kind: command.kind,
                schema_version: command.schema_version,
                data: command.data.to_string(),
                command_id: key.clone(),
                correlation_id: correlation_id.clone(),
                recorded_at: now_s(),
            };
            if !deps.events.append(&event).await? {
                let existing = deps.events.get(&aggregate_id, version).await?;
                if existing.is_none_or(|e| e.command_id != key) {
                    return conflict(&aggregate_id, expected, format!("version {version} of {aggregate_id} was appended by another command"));
                }
                tracing::info!(aggregate_id = %aggregate_id, version, "retried command answered with its first result");
            }
            json_response(201, &serde_json::json!({"aggregateId": aggregate_id, "version": version}))
        }
        .instrument(span)
        .await
    }
}

/// The projections: each builds its own state of every aggregate from the store's changes, in
/// version order, snapshotting every `SNAPSHOT_EVERY` versions, and rebuilds an aggregate from
/// the store when invoked with `{"replay": {"aggregateId": "..."}}`.
pub mod projection {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::types::AttributeValue;
    use lambda_runtime::LambdaEvent;
    use serde_json::{Value, json};
    use tracing::Instrument as _;

    use super::store::{DynamoEvents, EventStore, StoredEvent, upcast};
    use super::{Error, aws_error, env, invocation_span};

    /// A projection's state of one aggregate: the version it has reached and the state as JSON.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Projected {
        pub version: u64,
        pub state: Value,
    }

    /// A projection's state before an aggregate's first event. Replace with your own model.
    pub fn initial_state() -> Value {
        json!({"balance": 0, "events": 0})
    }

    /// The projection itself: state after one event. Pure (no calls, no clock), so a replay
    /// builds exactly the state the live feed built; keep emails and payments out of it.
    pub fn apply_state(state: &Value, event: &StoredEvent) -> Result<Value, Error> {
        let data: Value = serde_json::from_str(&event.data)?;
        let amount = match data.get("amount") {
            None => 0.0,
            Some(a) => a.as_f64().ok_or_else(|| {
                format!(
                    "event {} of {}: amount must be a number",
                    event.version, event.aggregate_id
                )
            })?,
        };
        let balance = state["balance"].as_f64().unwrap_or(0.0) + amount;
        let events = state["events"].as_u64().unwrap_or(0) + 1;
        Ok(json!({"balance": balance, "events": events}))
    }

    /// Where projections keep state and snapshots.
    pub trait ProjectionStore {
        fn read(&self, id: &str) -> impl Future<Output = Result<Option<Projected>, Error>> + Send;
        /// Writes if the stored version equals `previous` (`exact`) or is at most `previous`.
        fn write(
            &self,
            id: &str,
            aggregate_id: &str,
            projected: &Projected,
            exact: bool,
            previous: u64,
        ) -> impl Future<Output = Result<bool, Error>> + Send;
        fn snapshot(&self, id: &str, projected: &Projected) -> impl Future<Output = Result<(), Error>> + Send;
        fn latest_snapshot(&self, id: &str) -> impl Future<Output = Result<Option<Projected>, Error>> + Send;
    }

    /// `ProjectionsTable` and `SnapshotsTable` in DynamoDB.
    pub struct DynamoProjections {
        client: aws_sdk_dynamodb::Client,
        projections: String,
        snapshots: String,
    }

    fn projected_from(item: &HashMap<String, AttributeValue>) -> Option<Projected> {
        Some(Projected {
            version: item.get("version")?.as_n().ok()?.parse().ok()?,
            state: serde_json::from_str(item.get("state")?.as_s().ok()?).ok()?,
        })
    }

    impl ProjectionStore for DynamoProjections {
        async fn read(&self, id: &str) -> Result<Option<Projected>, Error> {
            let out = self
                .client
                .get_item()
                .table_name(&self.projections)
                .key("id", AttributeValue::S(id.to_owned()))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| aws_error("reading the projection", &e))?;
            Ok(out.item().and_then(projected_from))
        }

        async fn write(
            &self,
            id: &str,
            aggregate_id: &str,
            projected: &Projected,
            exact: bool,
            previous: u64,
        ) -> Result<bool, Error> {
            let result = self
                .client
                .put_item()
                .table_name(&self.projections)
                .item("id", AttributeValue::S(id.to_owned()))
                .item("aggregateId", AttributeValue::S(aggregate_id.to_owned()))
                .item("version", AttributeValue::N(projected.version.to_string()))
                .item("state", AttributeValue::S(projected.state.to_string()))
                .condition_expression(if exact {
                    "attribute_not_exists(id) OR version = :v"
                } else {
                    "attribute_not_exists(id) OR version <= :v"
                })
                .expression_attribute_values(":v", AttributeValue::N(previous.to_string()))
                .send()
                .await;
            match result {
                Ok(_) => Ok(true),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
                {
                    Ok(false)
                }
                Err(e) => Err(aws_error("writing the projection", &e)),
            }
        }

        async fn snapshot(&self, id: &str, projected: &Projected) -> Result<(), Error> {
            self.client
                .put_item()
                .table_name(&self.snapshots)
                .item("id", AttributeValue::S(id.to_owned()))
                .item("version", AttributeValue::N(projected.version.to_string()))
                .item("state", AttributeValue::S(projected.state.to_string()))
                .send()
                .await
                .map_err(|e| aws_error("writing a snapshot", &e))?;
            Ok(())
        }

        async fn latest_snapshot(&self, id: &str) -> Result<Option<Projected>, Error> {
            let out = self
                .client
                .query()
                .table_name(&self.snapshots)
                .key_condition_expression("id = :id")
                .expression_attribute_values(":id", AttributeValue::S(id.to_owned()))
                .scan_index_forward(false)
                .limit(1)
                .send()
                .await
                .map_err(|e| aws_error("reading the latest snapshot", &e))?;
            Ok(out.items().first().and_then(projected_from))
        }
    }

    /// What a projection needs, built once per cold start.
    pub struct Deps<E = DynamoEvents, P = DynamoProjections> {
        /// The projection's name (`PROJECTION`), the prefix of its state's ids.
        pub projection: String,
        pub events: E,
        pub store: P,
        pub snapshot_every: u64,
    }

    impl Deps {
        /// Reads the tables, `PROJECTION` and `SNAPSHOT_EVERY` from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            let client = aws_sdk_dynamodb::Client::new(&config);
            Ok(Self {
                projection: env("PROJECTION")?,
                events: DynamoEvents {
                    client: client.clone(),
                    table: env("EVENTS_TABLE")?,
                },
                store: DynamoProjections {
                    client,
                    projections: env("PROJECTIONS_TABLE")?,
                    snapshots: env("SNAPSHOTS_TABLE")?,
                },
                snapshot_every: env("SNAPSHOT_EVERY")?.parse()?,
            })
        }
    }

    /// The projection's item id: its name and the aggregate, so projections never share state.
    pub fn state_key(projection: &str, aggregate_id: &str) -> String {
        format!("{projection}#{aggregate_id}")
    }

    /// A feed record's id for `batchItemFailures` and its change: the table stream's record, or
    /// the JSON a Kinesis record carries.
    pub fn change_of(record: &Value) -> Result<(String, Value), Error> {
        if let Some(kinesis) = record.get("kinesis") {
            use base64::Engine as _;
            let data =
                base64::engine::general_purpose::STANDARD.decode(kinesis["data"].as_str().unwrap_or_default())?;
            return Ok((
                kinesis["sequenceNumber"].as_str().unwrap_or_default().to_owned(),
                serde_json::from_slice(&data)?,
            ));
        }
        Ok((
            record["dynamodb"]["SequenceNumber"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            record.clone(),
        ))
    }

    /// An event from a change's new image (attribute-value JSON).
    pub fn event_of(change: &Value) -> Result<StoredEvent, Error> {
        let image = change["dynamodb"]["NewImage"]
            .as_object()
            .ok_or("the change has no new image")?;
        let s = |k: &str| image.get(k).and_then(|v| v["S"].as_str()).map(str::to_owned);
        let n = |k: &str| {
            image
                .get(k)
                .and_then(|v| v["N"].as_str())
                .and_then(|v| v.parse::<u64>().ok())
        };
        upcast(StoredEvent {
            aggregate_id: s("aggregateId").ok_or("the event has no aggregateId")?,
            version: n("version").ok_or("the event has no version")?,
            kind: s("type").unwrap_or_default(),
            schema_version: n("schemaVersion").unwrap_or(1),
            data: s("data").unwrap_or_else(|| "{}".to_owned()),
            command_id: s("commandId").unwrap_or_default(),
            correlation_id: s("correlationId").unwrap_or_default(),
            recorded_at: n("recordedAt").unwrap_or(0),
        })
    }

    async fn save<E: EventStore, P: ProjectionStore>(
        deps: &Deps<E, P>,
        aggregate_id: &str,
        projected: &Projected,
        exact: bool,
        previous: u64,
    ) -> Result<(), Error> {
        let id = state_key(&deps.projection, aggregate_id);
        if !deps.store.write(&id, aggregate_id, projected, exact, previous).await? {
            return Err(format!("{id} changed while it was projected; the record is retried").into());
        }
        if projected.version % deps.snapshot_every.max(1) == 0 {
            deps.store.snapshot(&id, projected).await?;
        }
        Ok(())
    }

    /// Applies one change: "applied", "duplicate" or "skipped"; an error on a gap in the versions.
    pub async fn project_change<E: EventStore, P: ProjectionStore>(
        deps: &Deps<E, P>,
        change: &Value,
    ) -> Result<&'static str, Error> {
        if change["eventName"].as_str() != Some("INSERT") {
            return Ok("skipped");
        }
        let event = event_of(change)?;
        let current = deps
            .store
            .read(&state_key(&deps.projection, &event.aggregate_id))
            .await?
            .unwrap_or(Projected {
                version: 0,
                state: initial_state(),
            });
        if event.version <= current.version {
            return Ok("duplicate");
        }
        if event.version != current.version + 1 {
            return Err(format!(
                "{} is at version {}; version {} must wait for {}",
                event.aggregate_id,
                current.version,
                event.version,
                current.version + 1
            )
            .into());
        }
        let next = Projected {
            version: event.version,
            state: apply_state(&current.state, &event)?,
        };
        save(deps, &event.aggregate_id, &next, true, current.version).await?;
        tracing::info!(aggregate_id = %event.aggregate_id, version = event.version, event_correlation_id = %event.correlation_id, "event projected");
        Ok("applied")
    }

    /// Rebuilds a projection's state of an aggregate: its latest snapshot, then the events after it.
    pub async fn replay<E: EventStore, P: ProjectionStore>(
        deps: &Deps<E, P>,
        aggregate_id: &str,
    ) -> Result<Value, Error> {
        let snapshot = deps
            .store
            .latest_snapshot(&state_key(&deps.projection, aggregate_id))
            .await?
            .unwrap_or(Projected {
                version: 0,
                state: initial_state(),
            });
        let mut projected = snapshot.clone();
        for event in deps.events.after(aggregate_id, snapshot.version).await? {
            let event = upcast(event)?;
            projected = Projected {
                version: event.version,
                state: apply_state(&projected.state, &event)?,
            };
        }
        // Never behind what the live feed has already written.
        save(deps, aggregate_id, &projected, false, projected.version).await?;
        tracing::info!(
            aggregate_id,
            from_version = snapshot.version,
            to_version = projected.version,
            "aggregate replayed"
        );
        Ok(
            json!({"aggregateId": aggregate_id, "version": projected.version, "fromSnapshot": snapshot.version, "state": projected.state}),
        )
    }

    /// A batch from the feed, in order: the first record that fails is reported and nothing
    /// after it runs, so Lambda retries from it. Or a replay request.
    pub async fn handle<E: EventStore, P: ProjectionStore>(
        deps: &Deps<E, P>,
        event: LambdaEvent<Value>,
    ) -> Result<Value, Error> {
        let (payload, context) = event.into_parts();
        let correlation_id = payload["Records"][0]["eventID"]
            .as_str()
            .unwrap_or(&context.request_id)
            .to_owned();
        let span = invocation_span(&correlation_id, &context);
        async move {
            if let Some(aggregate_id) = payload["replay"]["aggregateId"].as_str() {
                return replay(deps, aggregate_id).await;
            }
            for record in payload["Records"].as_array().map(Vec::as_slice).unwrap_or_default() {
                let mut id = String::new();
                let outcome = match change_of(record) {
                    Ok((item_id, change)) => {
                        id = item_id;
                        project_change(deps, &change).await
                    }
                    Err(e) => Err(e),
                };
                if let Err(e) = outcome {
                    tracing::error!(item_identifier = %id, error = %e, "change failed; the batch resumes from it");
                    return Ok(json!({"batchItemFailures": [{"itemIdentifier": id}]}));
                }
            }
            Ok(json!({"batchItemFailures": []}))
        }
        .instrument(span)
        .await
    }
}
{%- for h in plan.handlers %}{% if h.name != "append" %}

/// The `{{ h.name }}` function: {{ h.purpose }}
pub mod {{ h.name }} {
    pub use super::projection::{Deps, handle};
}
{%- endif %}{% endfor %}

#[cfg(test)]
mod event_sourcing_tests {
    use std::sync::Mutex;

    use serde_json::{Value, json};

    use super::Error;
    use super::projection::{self, Projected, ProjectionStore, state_key};
    use super::store::{EventStore, StoredEvent};
    use super::tests::sample_event;

    /// The event store in memory: an existing version is refused, as the conditional put is.
    #[derive(Default)]
    struct MemoryEvents(Mutex<Vec<StoredEvent>>);

    impl EventStore for MemoryEvents {
        async fn append(&self, event: &StoredEvent) -> Result<bool, Error> {
            let mut events = self.0.lock().unwrap();
            if events
                .iter()
                .any(|e| e.aggregate_id == event.aggregate_id && e.version == event.version)
            {
                return Ok(false);
            }
            events.push(event.clone());
            Ok(true)
        }
        async fn get(&self, aggregate_id: &str, version: u64) -> Result<Option<StoredEvent>, Error> {
            Ok(self
                .0
                .lock()
                .unwrap()
                .iter()
                .find(|e| e.aggregate_id == aggregate_id && e.version == version)
                .cloned())
        }
        async fn after(&self, aggregate_id: &str, version: u64) -> Result<Vec<StoredEvent>, Error> {
            let mut v: Vec<StoredEvent> = self
                .0
                .lock()
                .unwrap()
                .iter()
                .filter(|e| e.aggregate_id == aggregate_id && e.version > version)
                .cloned()
                .collect();
            v.sort_by_key(|e| e.version);
            Ok(v)
        }
    }

    /// Projection state and snapshots in memory, with the same conditions.
    #[derive(Default)]
    struct MemoryProjections {
        states: Mutex<Vec<(String, Projected)>>,
        snapshots: Mutex<Vec<(String, Projected)>>,
    }

    impl ProjectionStore for MemoryProjections {
        async fn read(&self, id: &str) -> Result<Option<Projected>, Error> {
            Ok(self
                .states
                .lock()
                .unwrap()
                .iter()
                .find(|(k, _)| k == id)
                .map(|(_, p)| p.clone()))
        }
        async fn write(
            &self,
            id: &str,
            _aggregate_id: &str,
            projected: &Projected,
            exact: bool,
            previous: u64,
        ) -> Result<bool, Error> {
            let mut states = self.states.lock().unwrap();
            if let Some((_, stored)) = states.iter().find(|(k, _)| k == id) {
                if (exact && stored.version != previous) || (!exact && stored.version > previous) {
                    return Ok(false);
                }
            }
            states.retain(|(k, _)| k != id);
            states.push((id.to_owned(), projected.clone()));
            Ok(true)
        }
        async fn snapshot(&self, id: &str, projected: &Projected) -> Result<(), Error> {
            self.snapshots.lock().unwrap().push((id.to_owned(), projected.clone()));
            Ok(())
        }
        async fn latest_snapshot(&self, id: &str) -> Result<Option<Projected>, Error> {
            Ok(self
                .snapshots
                .lock()
                .unwrap()
                .iter()
                .filter(|(k, _)| k == id)
                .map(|(_, p)| p.clone())
                .max_by_key(|p| p.version))
        }
    }

    const PROJECTION: &str = "{% for h in plan.handlers %}{% if loop.index == 2 %}{{ h.name }}{% endif %}{% endfor %}";

    fn append_request(expected: u64, key: &str, amount: i64) -> lambda_http::Request {
        let mut event: Value = serde_json::from_str(&sample_event("append")).unwrap();
        event["headers"]["idempotency-key"] = json!(key);
        event["body"] =
            json!(json!({"expectedVersion": expected, "type": "Deposited", "data": {"amount": amount}}).to_string());
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    fn status(response: &lambda_http::Response<lambda_http::Body>) -> u16 {
        response.status().as_u16()
    }

    /// The sample feed batch with one appended change per version, in the given order.
    fn change_batch(versions: &[u64], amount: i64) -> Value {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::STANDARD;
        let sample: Value = serde_json::from_str(&sample_event(PROJECTION)).unwrap();
        let records: Vec<Value> = versions
            .iter()
            .map(|v| {
                let mut record = sample["Records"][0].clone();
                let kinesis = record.get("kinesis").is_some();
                let mut change = if kinesis {
                    serde_json::from_slice(&engine.decode(record["kinesis"]["data"].as_str().unwrap()).unwrap())
                        .unwrap()
                } else {
                    record.clone()
                };
                change["dynamodb"]["NewImage"]["version"] = json!({"N": v.to_string()});
                change["dynamodb"]["NewImage"]["data"] = json!({"S": json!({"amount": amount}).to_string()});
                if kinesis {
                    record["kinesis"]["data"] = json!(engine.encode(change.to_string()));
                    record["kinesis"]["sequenceNumber"] = json!(format!("seq-{v}"));
                } else {
                    record = change;
                    record["dynamodb"]["SequenceNumber"] = json!(format!("seq-{v}"));
                }
                record
            })
            .collect();
        json!({ "Records": records })
    }

    fn deps() -> projection::Deps<MemoryEvents, MemoryProjections> {
        projection::Deps {
            projection: PROJECTION.to_owned(),
            events: MemoryEvents::default(),
            store: MemoryProjections::default(),
            snapshot_every: 3,
        }
    }

    async fn project(d: &projection::Deps<MemoryEvents, MemoryProjections>, payload: Value) -> Value {
        projection::handle(
            d,
            lambda_runtime::LambdaEvent::new(payload, lambda_runtime::Context::default()),
        )
        .await
        .unwrap()
    }

    async fn state(d: &projection::Deps<MemoryEvents, MemoryProjections>) -> Option<Projected> {
        d.store.read(&state_key(PROJECTION, "acct-1001")).await.unwrap()
    }

    #[tokio::test]
    async fn an_append_stores_the_next_version_and_a_stale_one_is_409() {
        let deps = super::append::Deps {
            events: MemoryEvents::default(),
        };
        let sample = lambda_http::request::from_str(&sample_event("append")).unwrap();
        assert_eq!(status(&super::append::handle(&deps, sample).await.unwrap()), 201);
        assert_eq!(
            status(
                &super::append::handle(&deps, append_request(0, "other", 999))
                    .await
                    .unwrap()
            ),
            409
        );
        assert_eq!(
            status(
                &super::append::handle(&deps, append_request(5, "ahead", 1))
                    .await
                    .unwrap()
            ),
            409
        );
        let events = deps.events.0.lock().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].command_id, "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a");
    }

    #[tokio::test]
    async fn a_retried_command_gets_its_first_answer_and_no_second_event() {
        let deps = super::append::Deps {
            events: MemoryEvents::default(),
        };
        assert_eq!(
            status(
                &super::append::handle(&deps, append_request(0, "retry-me", 1))
                    .await
                    .unwrap()
            ),
            201
        );
        assert_eq!(
            status(
                &super::append::handle(&deps, append_request(0, "retry-me", 1))
                    .await
                    .unwrap()
            ),
            201
        );
        assert_eq!(deps.events.0.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_malformed_command_is_refused() {
        for body in [
            "not json",
            "[]",
            r#"{"type": "X"}"#,
            r#"{"expectedVersion": -1, "type": "X"}"#,
            r#"{"expectedVersion": 0}"#,
            r#"{"expectedVersion": 0, "type": "X", "data": 3}"#,
        ] {
            assert!(super::append::parse(body.as_bytes()).is_err(), "{body}");
        }
    }

    #[tokio::test]
    async fn a_projection_applies_changes_in_order_and_skips_a_redelivered_one() {
        let d = deps();
        assert_eq!(
            project(&d, change_batch(&[1, 2], 250)).await,
            json!({"batchItemFailures": []})
        );
        assert_eq!(
            project(&d, change_batch(&[2], 250)).await,
            json!({"batchItemFailures": []})
        );
        let s = state(&d).await.unwrap();
        assert_eq!(
            (s.version, s.state["balance"].as_f64(), s.state["events"].as_u64()),
            (2, Some(500.0), Some(2))
        );
    }

    #[tokio::test]
    async fn a_gap_fails_that_record_and_nothing_after_it() {
        let d = deps();
        project(&d, change_batch(&[1], 250)).await;
        assert_eq!(
            project(&d, change_batch(&[3, 2], 250)).await,
            json!({"batchItemFailures": [{"itemIdentifier": "seq-3"}]})
        );
        assert_eq!(state(&d).await.unwrap().version, 1);
    }

    #[tokio::test]
    async fn a_replay_rebuilds_state_from_the_latest_snapshot_and_the_events_after_it() {
        let d = deps();
        let append = super::append::Deps {
            events: MemoryEvents::default(),
        };
        for v in 1..=5 {
            assert_eq!(
                status(
                    &super::append::handle(&append, append_request(v - 1, &format!("cmd-{v}"), 100))
                        .await
                        .unwrap()
                ),
                201
            );
        }
        let d = projection::Deps {
            events: append.events,
            ..d
        };
        project(&d, change_batch(&[1, 2, 3], 100)).await;
        assert_eq!(d.store.snapshots.lock().unwrap().len(), 1);
        let result = project(&d, json!({"replay": {"aggregateId": "acct-1001"}})).await;
        assert_eq!(
            (result["version"].as_u64(), result["fromSnapshot"].as_u64()),
            (Some(5), Some(3))
        );
        assert_eq!(state(&d).await.unwrap().state["balance"].as_f64(), Some(500.0));
    }
}
