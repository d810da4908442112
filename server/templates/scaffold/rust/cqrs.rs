{% include "scaffold/rust/http.rs" %}
/// The two models: the write model (`WRITE_TABLE`, the source of truth) and the read model
/// (`READ_TABLE`, shaped for the queries). Every write to either is conditional.
pub mod model {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
    use aws_sdk_dynamodb::types::AttributeValue;

    use super::{Error, aws_error};

    /// The statuses an item moves through; change them to your own.
    pub const STATUSES: [&str; 5] = ["open", "packed", "shipped", "delivered", "cancelled"];

    /// An item as the read model keeps it and both APIs answer it.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct View {
        pub id: String,
        pub name: String,
        pub owner: String,
        pub status: String,
        pub version: u64,
        /// When it last changed (RFC 3339, milliseconds): the views' sort key.
        pub updated_at: String,
    }

    /// An item of the write model: its view and the request that made this version, which the
    /// projector logs as its correlation id.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Item {
        pub view: View,
        pub request_id: String,
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    /// A time as RFC 3339 with exactly three decimals, so the views sort by it as text.
    pub fn timestamp(ms: u64) -> String {
        let seconds = DateTime::from_secs(i64::try_from(ms / 1000).unwrap_or(i64::MAX))
            .fmt(DateTimeFormat::DateTime)
            .unwrap_or_default();
        format!("{}.{:03}Z", seconds.trim_end_matches('Z'), ms % 1000)
    }

    /// A view from a DynamoDB item (a table's, or a change's new image); `None` without an id
    /// or a version.
    pub fn view_from(item: &HashMap<String, AttributeValue>) -> Option<View> {
        let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        let version = item.get("version")?.as_n().ok()?.parse::<u64>().ok()?;
        let id = item.get("id")?.as_s().ok()?.clone();
        (!id.is_empty() && version >= 1).then(|| View {
            id,
            name: s("name"),
            owner: s("owner"),
            status: s("status"),
            version,
            updated_at: s("updatedAt"),
        })
    }

    /// A view as a DynamoDB item.
    fn attributes(view: &View) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("id".to_owned(), AttributeValue::S(view.id.clone())),
            ("name".to_owned(), AttributeValue::S(view.name.clone())),
            ("owner".to_owned(), AttributeValue::S(view.owner.clone())),
            ("status".to_owned(), AttributeValue::S(view.status.clone())),
            ("version".to_owned(), AttributeValue::N(view.version.to_string())),
            ("updatedAt".to_owned(), AttributeValue::S(view.updated_at.clone())),
        ])
    }

    /// Whether an SDK error is DynamoDB refusing a write because its condition failed.
    fn condition_failed<E>(error: &aws_sdk_dynamodb::error::SdkError<E>) -> bool
    where
        E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
    {
        error.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
    }

    /// The write model. Only the command function has it.
    pub trait WriteModel {
        /// Stores a new item; `false` when its id exists already.
        fn create(&self, item: &Item) -> impl Future<Output = Result<bool, Error>> + Send;
        /// An item, read strongly consistent.
        fn get(&self, id: &str) -> impl Future<Output = Result<Option<Item>, Error>> + Send;
        /// Sets an item's status if it is at version `expected`, moving it to the next version:
        /// the item as stored after, or `None` when it is not at that version.
        fn change_status(
            &self,
            id: &str,
            expected: u64,
            status: &str,
            updated_at: &str,
            request_id: &str,
        ) -> impl Future<Output = Result<Option<Item>, Error>> + Send;
    }

    /// `WRITE_TABLE` in DynamoDB (partition key `id`, stream of new images).
    pub struct DynamoWrites {
        pub client: aws_sdk_dynamodb::Client,
        pub table: String,
    }

    fn item_from(attributes: &HashMap<String, AttributeValue>) -> Option<Item> {
        Some(Item {
            view: view_from(attributes)?,
            request_id: attributes
                .get("requestId")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default(),
        })
    }

    impl WriteModel for DynamoWrites {
        async fn create(&self, item: &Item) -> Result<bool, Error> {
            let mut attributes = attributes(&item.view);
            attributes.insert("requestId".to_owned(), AttributeValue::S(item.request_id.clone()));
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(attributes))
                .condition_expression("attribute_not_exists(id)")
                .send()
                .await;
            match result {
                Ok(_) => Ok(true),
                Err(e) if condition_failed(&e) => Ok(false),
                Err(e) => Err(aws_error("storing the item", &e)),
            }
        }

        async fn get(&self, id: &str) -> Result<Option<Item>, Error> {
            let out = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(id.to_owned()))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| aws_error("reading the item", &e))?;
            Ok(out.item().and_then(item_from))
        }

        async fn change_status(
            &self,
            id: &str,
            expected: u64,
            status: &str,
            updated_at: &str,
            request_id: &str,
        ) -> Result<Option<Item>, Error> {
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(id.to_owned()))
                .update_expression("SET #status = :status, #version = :next, updatedAt = :now, requestId = :request")
                .condition_expression("#version = :expected")
                .expression_attribute_names("#status", "status")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":status", AttributeValue::S(status.to_owned()))
                .expression_attribute_values(":next", AttributeValue::N((expected + 1).to_string()))
                .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
                .expression_attribute_values(":now", AttributeValue::S(updated_at.to_owned()))
                .expression_attribute_values(":request", AttributeValue::S(request_id.to_owned()))
                .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
                .send()
                .await;
            match result {
                Ok(out) => Ok(out.attributes().and_then(item_from)),
                Err(e) if condition_failed(&e) => Ok(None),
                Err(e) => Err(aws_error("changing the item's status", &e)),
            }
        }
    }

    /// The read model: the projector writes it, the query function reads it.
    pub trait ReadModel {
        /// Stores a view unless the stored one is at that version or newer; `false` when skipped.
        fn put(&self, view: &View) -> impl Future<Output = Result<bool, Error>> + Send;
        /// Deletes an item's view.
        fn remove(&self, id: &str) -> impl Future<Output = Result<(), Error>> + Send;
        /// An item's view.
        fn get(&self, id: &str) -> impl Future<Output = Result<Option<View>, Error>> + Send;
{%- if self.cqrs_views() %}
        /// The newest views whose `attribute` is `value`, through `index`.
        fn list(
            &self,
            index: &str,
            attribute: &str,
            value: &str,
            limit: i32,
        ) -> impl Future<Output = Result<Vec<View>, Error>> + Send;
{%- endif %}
    }

    /// `READ_TABLE` in DynamoDB (partition key `id`{% if self.cqrs_views() %}, an index per view{% endif %}).
    pub struct DynamoReads {
        pub client: aws_sdk_dynamodb::Client,
        pub table: String,
    }

    impl ReadModel for DynamoReads {
        async fn put(&self, view: &View) -> Result<bool, Error> {
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(attributes(view)))
                .condition_expression("attribute_not_exists(id) OR #version < :version")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":version", AttributeValue::N(view.version.to_string()))
                .send()
                .await;
            match result {
                Ok(_) => Ok(true),
                Err(e) if condition_failed(&e) => Ok(false),
                Err(e) => Err(aws_error("storing the view", &e)),
            }
        }

        async fn remove(&self, id: &str) -> Result<(), Error> {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(id.to_owned()))
                .send()
                .await
                .map_err(|e| aws_error("deleting the view", &e))?;
            Ok(())
        }

        async fn get(&self, id: &str) -> Result<Option<View>, Error> {
            let out = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(id.to_owned()))
                .send()
                .await
                .map_err(|e| aws_error("reading the view", &e))?;
            Ok(out.item().and_then(view_from))
        }
{%- if self.cqrs_views() %}

        async fn list(&self, index: &str, attribute: &str, value: &str, limit: i32) -> Result<Vec<View>, Error> {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression("#key = :value")
                .expression_attribute_names("#key", attribute)
                .expression_attribute_values(":value", AttributeValue::S(value.to_owned()))
                .scan_index_forward(false)
                .limit(limit)
                .send()
                .await
                .map_err(|e| aws_error("reading a view", &e))?;
            Ok(out.items().iter().filter_map(view_from).collect())
        }
{%- endif %}
    }
}

/// The request's route (`POST /items`, ...), from API Gateway's request context.
pub fn route_key(request: &lambda_http::Request) -> Option<String> {
    use lambda_http::RequestExt as _;
    match request.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => context.route_key.clone(),
        _ => None,
    }
}

/// API Gateway's request id: the access log records it and the item carries it to the
/// projector. Outside API Gateway, the usual correlation id.
pub fn request_id(request: &lambda_http::Request) -> String {
    use lambda_http::RequestExt as _;
    match request.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => context
            .request_id
            .clone()
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| correlation_id(request)),
        _ => correlation_id(request),
    }
}

/// The `command` function: `POST /items` (once per caller and `Idempotency-Key`) and
/// `PUT /items/{id}/status` (at the `If-Match` version), on the write model only.
pub mod command {
    use lambda_http::{Body, Request, RequestExt as _, Response};
    use serde_json::json;
    use tracing::Instrument as _;

    use super::model::{DynamoWrites, Item, STATUSES, View, WriteModel, now_ms, timestamp};
    use super::{Error, env, invocation_span, json_response, request_id, route_key, sha256_hex};

    const MAX_NAME_LENGTH: usize = 200;
    const MAX_KEY_LENGTH: usize = 200;

    /// What the function needs, built once per cold start.
    pub struct Deps<W = DynamoWrites> {
        pub writes: W,
        /// Milliseconds since the Unix epoch (a fixed clock in the tests).
        pub clock: fn() -> u64,
    }

    impl Deps {
        /// Reads `WRITE_TABLE` from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                writes: DynamoWrites {
                    client: aws_sdk_dynamodb::Client::new(&config),
                    table: env("WRITE_TABLE")?,
                },
                clock: now_ms,
            })
        }
    }

    /// Who is calling: {% if self.iam_auth() %}the ARN of the IAM principal that signed the request{% else %}the `sub` claim of the JWT the authorizer checked{% endif %}.
    pub fn caller(request: &Request) -> Option<String> {
        let Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
            return None;
        };
        let authorizer = context.authorizer.as_ref()?;
{%- if self.iam_auth() %}
        let caller = authorizer.iam.as_ref()?.user_arn.as_deref()?;
{%- else %}
        let caller = authorizer.jwt.as_ref()?.claims.get("sub")?;
{%- endif %}
        (!caller.is_empty()).then(|| caller.to_owned())
    }

    /// The id of the item a caller's `Idempotency-Key` creates: the same pair always gives the
    /// same id, so a retried create finds the item its first attempt made.
    pub fn item_id(caller: &str, key: &str) -> String {
        sha256_hex(json!([caller, key]).to_string().as_bytes())[..32].to_owned()
    }

    fn header(request: &Request, name: &str) -> String {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    fn field(request: &Request, name: &str) -> Option<String> {
        let body: serde_json::Value = serde_json::from_slice(request.body().as_ref()).ok()?;
        body.as_object()?.get(name)?.as_str().map(str::to_owned)
    }

    fn message(status: u16, text: &str) -> Result<Response<Body>, Error> {
        json_response(status, &json!({ "message": text }))
    }

    /// `POST /items {"name": ...}`: 201 and the item at version 1; a repeat of the caller's key
    /// answers with the item its first attempt made (422 if the name differs).
    async fn create<W: WriteModel>(deps: &Deps<W>, request: &Request) -> Result<Response<Body>, Error> {
        let Some(caller) = caller(request) else {
            return message(401, "the request has no caller identity");
        };
        let key = header(request, "idempotency-key");
        if key.is_empty() || key.len() > MAX_KEY_LENGTH {
            return message(
                400,
                &format!("the Idempotency-Key header is required (at most {MAX_KEY_LENGTH} characters)"),
            );
        }
        let name = field(request, "name").map(|n| n.trim().to_owned()).unwrap_or_default();
        if name.is_empty() || name.len() > MAX_NAME_LENGTH {
            return message(
                400,
                &format!(r#""name" must be a string of 1 to {MAX_NAME_LENGTH} characters"#),
            );
        }
        let item = Item {
            view: View {
                id: item_id(&caller, &key),
                name,
                owner: caller,
                status: STATUSES[0].to_owned(),
                version: 1,
                updated_at: timestamp((deps.clock)()),
            },
            request_id: request_id(request),
        };
        if !deps.writes.create(&item).await? {
            let first = deps.writes.get(&item.view.id).await?;
            let Some(first) = first.filter(|f| f.view.name == item.view.name) else {
                return message(422, "this Idempotency-Key was already used with a different body");
            };
            tracing::info!(item_id = %first.view.id, "repeated create: answering with the first item");
            return json_response(201, &serde_json::to_value(&first.view)?);
        }
        tracing::info!(item_id = %item.view.id, "item created");
        json_response(201, &serde_json::to_value(&item.view)?)
    }

    /// `PUT /items/{id}/status {"status": ...}` with `If-Match: <version>`: 200 and the item at
    /// the next version; 412 when it is not at that version, 428 without the header.
    async fn change_status<W: WriteModel>(
        deps: &Deps<W>,
        request: &Request,
        id: &str,
    ) -> Result<Response<Body>, Error> {
        let Ok(expected) = header(request, "if-match").trim_matches('"').parse::<u64>() else {
            return message(428, "the If-Match header must carry the version the change is based on");
        };
        let Some(status) = field(request, "status").filter(|s| STATUSES.contains(&s.as_str())) else {
            return message(400, &format!(r#""status" must be one of {}"#, STATUSES.join(", ")));
        };
        let updated_at = timestamp((deps.clock)());
        match deps
            .writes
            .change_status(id, expected, &status, &updated_at, &request_id(request))
            .await?
        {
            Some(item) => json_response(200, &serde_json::to_value(&item.view)?),
            None => message(
                412,
                &format!("the item is not at version {expected}: read it again and retry"),
            ),
        }
    }

    /// Handles a command.
    pub async fn handle<W: WriteModel>(deps: &Deps<W>, request: Request) -> Result<Response<Body>, Error> {
        let span = invocation_span(
            &request_id(&request),
            &request.lambda_context_ref().cloned().unwrap_or_default(),
        );
        let id = request
            .path_parameters_ref()
            .and_then(|p| p.first("id"))
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        async move {
            match (route_key(&request).as_deref(), id) {
                (Some("POST /items"), _) => create(deps, &request).await,
                (Some("PUT /items/{id}/status"), Some(id)) => change_status(deps, &request, &id).await,
                _ => message(404, "no such route"),
            }
        }
        .instrument(span)
        .await
    }
}

/// The `projector` function: applies the write table's changes to the read model, a view
/// written only over an older version, so a redelivered or late change leaves a newer view alone.
pub mod projector {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::types::AttributeValue;
    use lambda_runtime::LambdaEvent;
    use serde_json::{Value, json};
    use tracing::Instrument as _;

    use super::model::{DynamoReads, ReadModel, view_from};
    use super::{Error, env, invocation_span};

    /// What the function needs, built once per cold start.
    pub struct Deps<R = DynamoReads> {
        pub reads: R,
    }

    impl Deps {
        /// Reads `READ_TABLE` from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                reads: DynamoReads {
                    client: aws_sdk_dynamodb::Client::new(&config),
                    table: env("READ_TABLE")?,
                },
            })
        }
    }

    /// A stream image (attribute-value JSON) as DynamoDB attributes; strings and numbers only,
    /// which is all a view holds.
    pub fn image(value: &Value) -> HashMap<String, AttributeValue> {
        value
            .as_object()
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|(k, v)| {
                        let attribute = match (v["S"].as_str(), v["N"].as_str()) {
                            (Some(s), _) => AttributeValue::S(s.to_owned()),
                            (None, Some(n)) => AttributeValue::N(n.to_owned()),
                            _ => return None,
                        };
                        Some((k.clone(), attribute))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The command's request id a change carries, else the stream record's id.
    pub fn change_correlation_id(record: &Value) -> Option<&str> {
        record["dynamodb"]["NewImage"]["requestId"]["S"]
            .as_str()
            .or_else(|| record["eventID"].as_str())
    }

    /// Applies one change: "projected", "stale" (the view holds that version or a newer one) or
    /// "removed"; an error for a change it cannot read.
    pub async fn project_record<R: ReadModel>(reads: &R, record: &Value) -> Result<&'static str, Error> {
        if record["eventName"].as_str() == Some("REMOVE") {
            let id = record["dynamodb"]["Keys"]["id"]["S"]
                .as_str()
                .ok_or("the removal has no id")?;
            reads.remove(id).await?;
            return Ok("removed");
        }
        let view = view_from(&image(&record["dynamodb"]["NewImage"])).ok_or("the change has no id or version")?;
        if !reads.put(&view).await? {
            tracing::info!(item_id = %view.id, version = view.version, "older change skipped");
            return Ok("stale");
        }
        tracing::info!(item_id = %view.id, version = view.version, command_request_id = change_correlation_id(record).unwrap_or_default(), "change projected");
        Ok("projected")
    }

    /// Projects a batch in order. The first record that fails is reported and nothing after it
    /// runs, so Lambda retries from it (changes to one item stay in order), bisects, then sends
    /// what still fails to the on-failure queue.
    pub async fn handle<R: ReadModel>(deps: &Deps<R>, event: LambdaEvent<Value>) -> Result<Value, Error> {
        let (payload, context) = event.into_parts();
        let records = payload["Records"].as_array().cloned().unwrap_or_default();
        let correlation_id = records
            .first()
            .and_then(change_correlation_id)
            .unwrap_or(&context.request_id)
            .to_owned();
        let span = invocation_span(&correlation_id, &context);
        async move {
            for record in &records {
                if let Err(e) = project_record(&deps.reads, record).await {
                    let id = record["dynamodb"]["SequenceNumber"].as_str().unwrap_or_default();
                    tracing::error!(item_identifier = id, error = %e, "change failed; the batch resumes from it");
                    return Ok(json!({"batchItemFailures": [{"itemIdentifier": id}]}));
                }
            }
            Ok(json!({"batchItemFailures": []}))
        }
        .instrument(span)
        .await
    }
}

/// The `query` function: `GET /items/{id}` and the read model's views, from the read model only.
pub mod query {
    use lambda_http::{Body, Request, RequestExt as _, Response};
    use serde_json::json;
    use tracing::Instrument as _;

    use super::model::ReadModel;
    use super::{Error, invocation_span, json_response, request_id, route_key};

    /// The most items a view answers at once.
    pub const PAGE_SIZE: i32 = 25;

    /// The read model's views as (index, attribute, route): see template.yaml.
    pub const VIEWS: [(&str, &str, &str); {{ self.cqrs_view_list().len() }}] = [
{%- for v in self.cqrs_view_list() %}
        ("{{ v.index }}", "{{ v.attribute }}", "{{ v.path }}"),
{%- endfor %}
{%- if self.cqrs_views() %}
    ];
{%- else %}];
{%- endif %}

    /// What the function needs: the read model, as the projector has it.
    pub use super::projector::Deps;

    /// Handles a query.
    pub async fn handle<R: ReadModel>(deps: &Deps<R>, request: Request) -> Result<Response<Body>, Error> {
        let span = invocation_span(
            &request_id(&request),
            &request.lambda_context_ref().cloned().unwrap_or_default(),
        );
        async move {
            let route = route_key(&request).unwrap_or_default();
            let parameter = |name: &str| {
                request
                    .path_parameters_ref()
                    .and_then(|p| p.first(name))
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
            };
            if let ("GET /items/{id}", Some(id)) = (route.as_str(), parameter("id")) {
                return match deps.reads.get(&id).await? {
                    Some(view) => json_response(200, &serde_json::to_value(&view)?),
                    None => json_response(404, &json!({"message": format!("no item with id {id}")})),
                };
            }
{%- if self.cqrs_views() %}
            for (index, attribute, path) in VIEWS {
                if route == format!("GET {path}")
                    && let Some(value) = parameter(attribute)
                {
                    let items = deps.reads.list(index, attribute, &value, PAGE_SIZE).await?;
                    return json_response(200, &json!({ "items": items }));
                }
            }
{%- endif %}
            json_response(404, &json!({"message": "no such route"}))
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod cqrs_tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};

    use serde_json::{Value, json};

    use super::Error;
    use super::model::{Item, ReadModel, View, WriteModel};
    use super::tests::sample_event;
    use super::{command, projector, query};

    /// The write model in memory, with the DynamoDB one's conditions.
    #[derive(Default)]
    struct MemoryWrites(Mutex<Vec<Item>>);

    impl WriteModel for MemoryWrites {
        async fn create(&self, item: &Item) -> Result<bool, Error> {
            let mut items = self.0.lock().unwrap();
            if items.iter().any(|i| i.view.id == item.view.id) {
                return Ok(false);
            }
            items.push(item.clone());
            Ok(true)
        }
        async fn get(&self, id: &str) -> Result<Option<Item>, Error> {
            Ok(self.0.lock().unwrap().iter().find(|i| i.view.id == id).cloned())
        }
        async fn change_status(
            &self,
            id: &str,
            expected: u64,
            status: &str,
            updated_at: &str,
            request_id: &str,
        ) -> Result<Option<Item>, Error> {
            let mut items = self.0.lock().unwrap();
            let Some(item) = items.iter_mut().find(|i| i.view.id == id && i.view.version == expected) else {
                return Ok(None);
            };
            item.view.status = status.to_owned();
            item.view.version = expected + 1;
            item.view.updated_at = updated_at.to_owned();
            item.request_id = request_id.to_owned();
            Ok(Some(item.clone()))
        }
    }

    /// The read model in memory: a view is written only over an older version. Clones share it.
    #[derive(Default, Clone)]
    struct MemoryReads(Arc<Mutex<Vec<View>>>);

    impl MemoryReads {
        fn view(&self, id: &str) -> Option<View> {
            self.0.lock().unwrap().iter().find(|v| v.id == id).cloned()
        }
    }

    impl ReadModel for MemoryReads {
        async fn put(&self, view: &View) -> Result<bool, Error> {
            let mut views = self.0.lock().unwrap();
            if views.iter().any(|v| v.id == view.id && v.version >= view.version) {
                return Ok(false);
            }
            views.retain(|v| v.id != view.id);
            views.push(view.clone());
            Ok(true)
        }
        async fn remove(&self, id: &str) -> Result<(), Error> {
            self.0.lock().unwrap().retain(|v| v.id != id);
            Ok(())
        }
        async fn get(&self, id: &str) -> Result<Option<View>, Error> {
            Ok(self.view(id))
        }
{%- if self.cqrs_views() %}
        async fn list(&self, _index: &str, attribute: &str, value: &str, limit: i32) -> Result<Vec<View>, Error> {
            let mut views: Vec<View> = self
                .0
                .lock()
                .unwrap()
                .iter()
                .filter(|v| serde_json::to_value(v).unwrap()[attribute].as_str() == Some(value))
                .cloned()
                .collect();
            views.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
            views.truncate(usize::try_from(limit).unwrap());
            Ok(views)
        }
{%- endif %}
    }

    /// A clock that moves a second on every reading, so views have an order.
    fn ticking() -> u64 {
        static NOW: AtomicU64 = AtomicU64::new(1_795_688_130_000);
        NOW.fetch_add(1000, Ordering::SeqCst)
    }

    fn commands() -> command::Deps<MemoryWrites> {
        command::Deps {
            writes: MemoryWrites::default(),
            clock: ticking,
        }
    }

    /// A request from a sample event, changed by `edit`.
    fn request(sample: &str, edit: impl FnOnce(&mut Value)) -> lambda_http::Request {
        let mut event: Value = serde_json::from_str(&sample_event(sample)).unwrap();
        edit(&mut event);
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    /// The sample POST /items with another name, Idempotency-Key or caller.
    fn post(name: &str, key: Option<&str>, caller: Option<&str>) -> lambda_http::Request {
        request("command", |e| {
            e["body"] = json!(json!({ "name": name }).to_string());
            if let Some(key) = key {
                e["headers"]["idempotency-key"] = json!(key);
            }
            if let Some(caller) = caller {
{%- if self.iam_auth() %}
                e["requestContext"]["authorizer"]["iam"]["userArn"] = json!(caller);
{%- else %}
                e["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = json!(caller);
{%- endif %}
            }
        })
    }

    /// A PUT /items/{id}/status request, made from the sample's envelope.
    fn put_status(id: &str, status: &str, if_match: Option<&str>) -> lambda_http::Request {
        request("command", |e| {
            e["routeKey"] = json!("PUT /items/{id}/status");
            e["requestContext"]["routeKey"] = json!("PUT /items/{id}/status");
            e["rawPath"] = json!(format!("/items/{id}/status"));
            e["requestContext"]["http"]["method"] = json!("PUT");
            e["requestContext"]["http"]["path"] = json!(format!("/items/{id}/status"));
            e["pathParameters"] = json!({ "id": id });
            e["body"] = json!(json!({ "status": status }).to_string());
            match if_match {
                Some(v) => e["headers"]["if-match"] = json!(v),
                None => {
                    e["headers"].as_object_mut().unwrap().remove("if-match");
                }
            }
        })
    }

    /// A GET request to the query API on a route, made from the sample query's envelope.
    fn get(route: &str, path: &str, params: Value) -> lambda_http::Request {
        request("query", |e| {
            e["routeKey"] = json!(route);
            e["requestContext"]["routeKey"] = json!(route);
            e["rawPath"] = json!(path);
            e["requestContext"]["http"]["path"] = json!(path);
            e["pathParameters"] = params;
        })
    }

    async fn send(deps: &command::Deps<MemoryWrites>, request: lambda_http::Request) -> (u16, Value) {
        let response = command::handle(deps, request).await.unwrap();
        let body = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
        (response.status().as_u16(), body)
    }

    async fn ask(reads: &MemoryReads, request: lambda_http::Request) -> (u16, Value) {
        let deps = query::Deps { reads: reads.clone() };
        let response = query::handle(&deps, request).await.unwrap();
        (
            response.status().as_u16(),
            serde_json::from_slice(response.body().as_ref()).unwrap(),
        )
    }

    async fn project(reads: &MemoryReads, batch: Value) -> Value {
        let deps = projector::Deps { reads: reads.clone() };
        let event = lambda_runtime::LambdaEvent::new(batch, lambda_runtime::Context::default());
        projector::handle(&deps, event).await.unwrap()
    }

    /// What the stream would deliver: an INSERT per item of the write model, at its version.
    async fn project_all(writes: &MemoryWrites, reads: &MemoryReads) {
        let sample: Value = serde_json::from_str(&sample_event("projector")).unwrap();
        let records: Vec<Value> = writes
            .0
            .lock()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(n, item)| {
                let v = &item.view;
                let mut record = sample["Records"][0].clone();
                record["dynamodb"]["Keys"] = json!({"id": {"S": v.id}});
                record["dynamodb"]["NewImage"] = json!({
                    "id": {"S": v.id}, "name": {"S": v.name}, "owner": {"S": v.owner}, "status": {"S": v.status},
                    "version": {"N": v.version.to_string()}, "updatedAt": {"S": v.updated_at}, "requestId": {"S": item.request_id},
                });
                record["dynamodb"]["SequenceNumber"] = json!((900 + n).to_string());
                record
            })
            .collect();
        assert_eq!(
            project(reads, json!({ "Records": records })).await,
            json!({"batchItemFailures": []})
        );
    }

    fn sample_batch() -> Value {
        serde_json::from_str(&sample_event("projector")).unwrap()
    }

    #[tokio::test]
    async fn a_create_is_stored_at_version_1_and_a_repeat_answers_the_first_item() {
        let deps = commands();
        let (status, first) = send(&deps, request("command", |_| {})).await;
        assert_eq!(status, 201);
        assert_eq!(
            (&first["name"], &first["status"], &first["version"]),
            (&json!("example"), &json!("open"), &json!(1))
        );
        let (status, again) = send(&deps, request("command", |_| {})).await;
        assert_eq!((status, &again), (201, &first));
        assert_eq!(deps.writes.0.lock().unwrap().len(), 1);
        assert_eq!(deps.writes.0.lock().unwrap()[0].request_id, "Kc7x9jWEIAMEbXw=");
        send(&deps, post("example", Some("another-key"), None)).await;
        send(&deps, post("example", None, Some("someone-else"))).await;
        assert_eq!(deps.writes.0.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn the_same_key_with_another_name_gets_422() {
        let deps = commands();
        send(&deps, request("command", |_| {})).await;
        assert_eq!(send(&deps, post("another name", None, None)).await.0, 422);
        assert_eq!(deps.writes.0.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_create_without_key_body_or_caller_is_refused() {
        let deps = commands();
        let no_key = request("command", |e| {
            e["headers"].as_object_mut().unwrap().remove("idempotency-key");
        });
        assert_eq!(send(&deps, no_key).await.0, 400);
        for body in ["not json", "[]", "{}", r#"{"name": ""}"#] {
            assert_eq!(
                send(&deps, request("command", |e| e["body"] = json!(body))).await.0,
                400,
                "{body}"
            );
        }
        let no_caller = request("command", |e| {
            e["requestContext"].as_object_mut().unwrap().remove("authorizer");
        });
        assert_eq!(send(&deps, no_caller).await.0, 401);
        assert!(deps.writes.0.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_status_change_needs_the_current_version() {
        let deps = commands();
        let (_, item) = send(&deps, request("command", |_| {})).await;
        let id = item["id"].as_str().unwrap();
        let (status, changed) = send(&deps, put_status(id, "packed", Some("\"1\""))).await;
        assert_eq!((status, &changed["version"]), (200, &json!(2)), "{changed}");
        // Someone else's change was first: a change based on version 1 would undo it.
        assert_eq!(send(&deps, put_status(id, "cancelled", Some("1"))).await.0, 412);
        assert_eq!(send(&deps, put_status(id, "shipped", None)).await.0, 428);
        assert_eq!(send(&deps, put_status(id, "lost", Some("2"))).await.0, 400);
        let stored = deps.writes.0.lock().unwrap()[0].view.clone();
        assert_eq!((stored.status.as_str(), stored.version), ("packed", 2));
    }

    #[tokio::test]
    async fn the_projector_keeps_the_newest_version_whatever_the_order() {
        let reads = MemoryReads::default();
        let batch = sample_batch();
        assert_eq!(project(&reads, batch.clone()).await, json!({"batchItemFailures": []}));
        let newest = |r: &MemoryReads| r.view("item-1001").map(|v| (v.status, v.version));
        assert_eq!(newest(&reads), Some(("shipped".to_owned(), 2)));
        // A redelivered batch, and the older change alone arriving late, change nothing.
        assert_eq!(project(&reads, batch.clone()).await, json!({"batchItemFailures": []}));
        let older = json!({ "Records": [batch["Records"][0].clone()] });
        assert_eq!(project(&reads, older).await, json!({"batchItemFailures": []}));
        assert_eq!(newest(&reads), Some(("shipped".to_owned(), 2)));
    }

    #[tokio::test]
    async fn a_removed_item_loses_its_view() {
        let reads = MemoryReads::default();
        project(&reads, sample_batch()).await;
        let mut removal = sample_batch()["Records"][1].clone();
        removal["eventName"] = json!("REMOVE");
        assert_eq!(
            project(&reads, json!({ "Records": [removal] })).await,
            json!({"batchItemFailures": []})
        );
        assert!(reads.view("item-1001").is_none());
    }

    #[tokio::test]
    async fn a_bad_change_is_reported_by_its_sequence_number() {
        let reads = MemoryReads::default();
        let mut batch = sample_batch();
        batch["Records"][1]["dynamodb"]["NewImage"]
            .as_object_mut()
            .unwrap()
            .remove("version");
        let sequence = batch["Records"][1]["dynamodb"]["SequenceNumber"].clone();
        assert_eq!(
            project(&reads, batch).await,
            json!({"batchItemFailures": [{"itemIdentifier": sequence}]})
        );
        assert_eq!(reads.view("item-1001").map(|v| v.version), Some(1));
    }

    #[test]
    fn a_change_carries_the_commands_request_id() {
        let mut record = sample_batch()["Records"][0].clone();
        assert_eq!(projector::change_correlation_id(&record), record["eventID"].as_str());
        record["dynamodb"]["NewImage"]["requestId"] = json!({"S": "Kc7x9jWEIAMEbXw="});
        assert_eq!(projector::change_correlation_id(&record), Some("Kc7x9jWEIAMEbXw="));
    }

    #[test]
    fn timestamps_sort_as_text() {
        assert_eq!(super::model::timestamp(1_795_688_130_005), "2026-11-26T10:15:30.005Z");
        assert!(super::model::timestamp(1_795_688_130_500) > super::model::timestamp(1_795_688_130_000));
    }

    #[tokio::test]
    async fn a_query_reads_the_read_model_only() {
        let deps = commands();
        let reads = MemoryReads::default();
        let (_, item) = send(&deps, request("command", |_| {})).await;
        let id = item["id"].as_str().unwrap();
        let path = format!("/items/{id}");
        // Not projected yet: the read model does not have it (this is the eventual consistency).
        assert_eq!(
            ask(&reads, get("GET /items/{id}", &path, json!({ "id": id }))).await.0,
            404
        );
        project_all(&deps.writes, &reads).await;
        assert_eq!(
            ask(&reads, get("GET /items/{id}", &path, json!({ "id": id }))).await,
            (200, item.clone())
        );
        assert_eq!(ask(&reads, get("GET /nowhere", "/nowhere", json!({}))).await.0, 404);
    }

    #[tokio::test]
    async fn every_view_lists_its_items_newest_first() {
        assert_eq!(query::VIEWS.len(), {{ self.cqrs_view_list().len() }});
        for (_, attribute, route) in query::VIEWS {
            let deps = commands();
            let reads = MemoryReads::default();
            let (_, first) = send(&deps, post("example", Some("k1"), None)).await;
            let (_, second) = send(&deps, post("example", Some("k2"), None)).await;
            assert_eq!(first[attribute], second[attribute]);
            project_all(&deps.writes, &reads).await;
            let value = first[attribute].as_str().unwrap();
            let path = route.replace(&["{", attribute, "}"].concat(), value);
            let (status, body) = ask(&reads, get(&format!("GET {route}"), &path, json!({ attribute: value }))).await;
            assert_eq!(status, 200, "{route}");
            let listed: Vec<&Value> = body["items"].as_array().unwrap().iter().map(|i| &i["id"]).collect();
            assert_eq!(listed, [&second["id"], &first["id"]], "{route}");
        }
    }
}
