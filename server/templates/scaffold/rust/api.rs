{% include "scaffold/rust/http.rs" %}

/// The `api` function: creates an item (`POST /items`) and reads one (`GET /items/{id}`) in the
/// DynamoDB table `TABLE_NAME`.
pub mod api {
    use aws_sdk_dynamodb::types::AttributeValue;
    use lambda_http::{Body, Request, RequestExt as _, Response};
    use tracing::Instrument as _;
{% if self.idem() %}
    use super::{Claim, Idempotency, Records, deadline_s, sha256_hex};
{%- endif %}
    use super::{Error, aws_error, env, invocation_span, json_response, log_events, now_s, text_response};

    /// What the function needs, built once per cold start: where items are stored{% if self.idem() %} and the
    /// idempotency records{% endif %} (DynamoDB in Lambda, memory in the tests).
{%- if self.idem() %}
    pub struct Deps<I = DynamoItems, R = Idempotency> {
        /// The items.
        pub items: I,
        /// The idempotency records of create requests.
        pub idempotency: R,
    }
{%- else %}
    pub struct Deps<I = DynamoItems> {
        /// The items.
        pub items: I,
    }
{%- endif %}

    impl Deps {
        /// Reads `TABLE_NAME`{% if self.idem() %} and the idempotency settings{% endif %} from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                items: DynamoItems {
                    client: aws_sdk_dynamodb::Client::new(&config),
                    table: env("TABLE_NAME")?,
                },
{%- if self.idem() %}
                idempotency: Idempotency::from_env(&config)?,
{%- endif %}
            })
        }
    }

    /// A stored item.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    pub struct Item {
        /// Generated on creation.
        pub id: String,
        /// From the request.
        pub name: String,
        /// Seconds since the Unix epoch.
        pub created_at: u64,
    }

    /// Where items are stored.
    pub trait ItemStore {
        /// Stores a new item.
        fn put(&self, item: &Item) -> impl Future<Output = Result<(), Error>> + Send;
        /// Reads an item, or `None` when there is none.
        fn get(&self, id: &str) -> impl Future<Output = Result<Option<Item>, Error>> + Send;
    }

    /// The items in the DynamoDB table `TABLE_NAME` (partition key `id`).
    pub struct DynamoItems {
        client: aws_sdk_dynamodb::Client,
        table: String,
    }

    impl ItemStore for DynamoItems {
        async fn put(&self, item: &Item) -> Result<(), Error> {
            self.client
                .put_item()
                .table_name(&self.table)
                .item("id", AttributeValue::S(item.id.clone()))
                .item("name", AttributeValue::S(item.name.clone()))
                .item("created_at", AttributeValue::N(item.created_at.to_string()))
                .condition_expression("attribute_not_exists(id)")
                .send()
                .await
                .map_err(|e| aws_error("storing the item", &e))?;
            Ok(())
        }

        async fn get(&self, id: &str) -> Result<Option<Item>, Error> {
            let output = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(id.to_owned()))
                .send()
                .await
                .map_err(|e| aws_error("reading the item", &e))?;
            Ok(output.item().and_then(item_from))
        }
    }
{%- if self.idem() %}

    /// The longest `Idempotency-Key` header accepted.
    pub const MAX_KEY_LENGTH: usize = 200;

    /// Seconds a client waits before retrying a request whose first copy is still being processed.
    pub const RETRY_AFTER_S: u64 = 2;
{%- endif %}

    /// What a request asks for.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Route {
        /// `POST /items`.
        Create,
        /// `GET /items/{id}`.
        Get(String),
        /// Anything else.
        NotFound,
    }

    /// The route of a request, from its method and its `{id}` path parameter.
    pub fn route(method: &str, id: Option<&str>) -> Route {
        match (method, id) {
            ("POST", None) => Route::Create,
            ("GET", Some(id)) if !id.is_empty() => Route::Get(id.to_owned()),
            _ => Route::NotFound,
        }
    }

    /// The name in a create request's body, `{"name": "..."}`: a non-empty string of at most
    /// 200 characters.
    pub fn parse_new_item(body: &[u8]) -> Result<String, String> {
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| "the body must be JSON: {\"name\": \"...\"}".to_owned())?;
        let name = value
            .get("name")
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .ok_or_else(|| "\"name\" must be a string".to_owned())?;
        if name.is_empty() || name.chars().count() > 200 {
            return Err("\"name\" must have 1 to 200 characters".to_owned());
        }
        Ok(name.to_owned())
    }

    /// An item from a DynamoDB record.
    pub fn item_from(record: &std::collections::HashMap<String, AttributeValue>) -> Option<Item> {
        Some(Item {
            id: record.get("id")?.as_s().ok()?.clone(),
            name: record.get("name")?.as_s().ok()?.clone(),
            created_at: record.get("created_at")?.as_n().ok()?.parse().ok()?,
        })
    }
{%- if self.idem() %}

    /// Who is calling: {% if self.iam_auth() %}the ARN of the IAM principal that signed the request{% else %}the `sub` claim of the JWT the authorizer checked{% endif %}, from
    /// the request context; `None` when the request did not come through the authorizer.
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

    /// The `Idempotency-Key` header of a request, trimmed; `None` when it is missing, empty or
    /// longer than [`MAX_KEY_LENGTH`].
    pub fn idempotency_key(request: &Request) -> Option<String> {
        let key = request.headers().get("idempotency-key")?.to_str().ok()?.trim();
        (!key.is_empty() && key.len() <= MAX_KEY_LENGTH).then(|| key.to_owned())
    }

    /// The key of a create request's idempotency record: the caller and their `Idempotency-Key`
    /// together, hashed, so two callers' keys never meet.
    pub fn record_key(caller: &str, key: &str) -> String {
        let pair = serde_json::json!([caller, key]).to_string();
        format!("api#POST /items#{}", sha256_hex(pair.as_bytes()))
    }

    /// The hash stored with the record and compared on a repeat: of the item asked for, so the same
    /// key with another body is refused.
    pub fn payload_hash(name: &str) -> String {
        sha256_hex(serde_json::json!({ "name": name }).to_string().as_bytes())
    }
{%- endif %}

    /// Handles a request.
{%- if self.idem() %}
    pub async fn handle<I: ItemStore, R: Records>(
        deps: &Deps<I, R>,
        request: Request,
    ) -> Result<Response<Body>, Error> {
{%- else %}
    pub async fn handle<I: ItemStore>(deps: &Deps<I>, request: Request) -> Result<Response<Body>, Error> {
{%- endif %}
        let correlation_id = super::correlation_id(&request);
        let span = invocation_span(
            &correlation_id,
            &request.lambda_context_ref().cloned().unwrap_or_default(),
        );
        let id = request
            .path_parameters_ref()
            .and_then(|p| p.first("id"))
            .map(str::to_owned);
        async move {
            if log_events() {
                tracing::info!(method = %request.method(), path = %request.uri().path(), body = ?std::str::from_utf8(request.body().as_ref()).ok(), "request");
            }
            match route(request.method().as_str(), id.as_deref()) {
                Route::Create => create(deps, &request).await,
                Route::Get(id) => get(&deps.items, &id).await,
                Route::NotFound => json_response(404, &serde_json::json!({"message": "not found"})),
            }
        }
        .instrument(span)
        .await
    }
{%- if self.idem() %}

    /// `POST /items`. Each caller sends an `Idempotency-Key` header. A repeat from the same caller
    /// with the same key and body gets the first response (201, the same item) and makes no
    /// second item; the same key with another body gets 422; a repeat while the first is still
    /// being processed gets 409 and a `Retry-After` header. Without a caller identity: 401;
    /// without the header: 400.
    async fn create<I: ItemStore, R: Records>(deps: &Deps<I, R>, request: &Request) -> Result<Response<Body>, Error> {
        let Some(caller) = caller(request) else {
            return json_response(
                401,
                &serde_json::json!({"message": "the request has no caller identity ({% if self.iam_auth() %}IAM caller ARN{% else %}JWT sub claim{% endif %})"}),
            );
        };
        let Some(key) = idempotency_key(request) else {
            let message = format!(
                "the Idempotency-Key header is required: a new unique value (such as a UUID) for each item, \
                 sent again unchanged when retrying, at most {MAX_KEY_LENGTH} characters"
            );
            return json_response(400, &serde_json::json!({ "message": message }));
        };
        let name = match parse_new_item(request.body().as_ref()) {
            Ok(name) => name,
            Err(message) => return json_response(400, &serde_json::json!({ "message": message })),
        };
        let key = record_key(&caller, &key);
        let hash = payload_hash(&name);
        let lock_until = request.lambda_context_ref().map_or(now_s() + 30, deadline_s);
        match deps.idempotency.claim(&key, lock_until, &hash).await? {
            Claim::Completed(Some(stored)) => {
                tracing::info!("repeated request: replaying the first response");
                return text_response(201, stored);
            }
            Claim::Mismatch => {
                return json_response(
                    422,
                    &serde_json::json!({"message": "this Idempotency-Key was already used with a different body"}),
                );
            }
            Claim::Completed(None) | Claim::InProgress => {
                let message = format!(
                    "a request with this Idempotency-Key is still being processed; \
                     retry in {RETRY_AFTER_S} seconds to get its response"
                );
                let mut response = json_response(409, &serde_json::json!({ "message": message }))?;
                response
                    .headers_mut()
                    .insert("retry-after", lambda_http::http::HeaderValue::from(RETRY_AFTER_S));
                return Ok(response);
            }
            Claim::New => {}
        }
        match put_new(&deps.items, name).await {
            Ok(text) => {
                deps.idempotency.complete(&key, &text, &hash).await?;
                text_response(201, text)
            }
            Err(e) => {
                if let Err(release) = deps.idempotency.release(&key).await {
                    tracing::warn!(error = %release, "could not release the idempotency key");
                }
                Err(e)
            }
        }
    }
{%- else %}

    /// `POST /items`: stores a new item and answers 201 with it. Duplicates are harmless for this
    /// workload, so a repeated request stores another item.
    async fn create<I: ItemStore>(deps: &Deps<I>, request: &Request) -> Result<Response<Body>, Error> {
        let name = match parse_new_item(request.body().as_ref()) {
            Ok(name) => name,
            Err(message) => return json_response(400, &serde_json::json!({ "message": message })),
        };
        let text = put_new(&deps.items, name).await?;
        text_response(201, text)
    }
{%- endif %}

    /// Stores a new item and returns it as JSON text.
    async fn put_new(items: &impl ItemStore, name: String) -> Result<String, Error> {
        let item = Item {
            id: uuid::Uuid::new_v4().to_string(),
            name,
            created_at: now_s(),
        };
        items.put(&item).await?;
        tracing::info!(item_id = %item.id, "item created");
        Ok(serde_json::to_string(&item)?)
    }

    async fn get(items: &impl ItemStore, id: &str) -> Result<Response<Body>, Error> {
        match items.get(id).await? {
            Some(item) => json_response(200, &serde_json::to_value(item)?),
            None => json_response(404, &serde_json::json!({"message": "no such item"})),
        }
    }
}

#[cfg(test)]
mod api_tests {
    use super::api::*;
{%- if self.idem() %}
    use super::memory_records::MemoryRecords;
{%- endif %}
    use super::tests::sample_event;
    use super::{Error, now_s};
    use lambda_http::RequestExt as _;

    #[test]
    fn the_sample_request_creates_an_item() {
        let request = lambda_http::request::from_str(&sample_event("api")).unwrap();
        let id = request
            .path_parameters_ref()
            .and_then(|p| p.first("id"))
            .map(str::to_owned);
        let route = route(request.method().as_str(), id.as_deref());
        match route {
            Route::Create => assert!(parse_new_item(request.body().as_ref()).is_ok()),
            Route::Get(id) => assert!(!id.is_empty()),
            Route::NotFound => panic!("the sample request matches no route"),
        }
    }

    #[test]
    fn routes() {
        assert_eq!(route("POST", None), Route::Create);
        assert_eq!(route("GET", Some("abc")), Route::Get("abc".to_owned()));
        assert_eq!(route("GET", Some("")), Route::NotFound);
        assert_eq!(route("DELETE", Some("abc")), Route::NotFound);
    }

    #[test]
    fn a_create_needs_a_name() {
        assert_eq!(parse_new_item(br#"{"name": " lamp "}"#), Ok("lamp".to_owned()));
        assert!(parse_new_item(br#"{"name": ""}"#).is_err());
        assert!(parse_new_item(br#"{"name": 3}"#).is_err());
        assert!(parse_new_item(b"name=lamp").is_err());
        let long = serde_json::json!({"name": "x".repeat(201)}).to_string();
        assert!(parse_new_item(long.as_bytes()).is_err());
    }

    #[test]
    fn a_record_reads_back_as_the_item() {
        use aws_sdk_dynamodb::types::AttributeValue;
        let record = std::collections::HashMap::from([
            ("id".to_owned(), AttributeValue::S("1".to_owned())),
            ("name".to_owned(), AttributeValue::S("lamp".to_owned())),
            ("created_at".to_owned(), AttributeValue::N("1700000000".to_owned())),
        ]);
        let item = item_from(&record).unwrap();
        assert_eq!(item.name, "lamp");
        assert_eq!(item.created_at, 1_700_000_000);
        assert!(item_from(&std::collections::HashMap::new()).is_none());
    }

    /// The items in memory. A put first lets other work run, as a call to DynamoDB does, so a
    /// second request can arrive while the first is still in flight.
    #[derive(Default)]
    struct MemoryItems(std::sync::Mutex<Vec<Item>>);

    impl ItemStore for MemoryItems {
        async fn put(&self, item: &Item) -> Result<(), Error> {
            tokio::task::yield_now().await;
            self.0.lock().unwrap().push(item.clone());
            Ok(())
        }

        async fn get(&self, id: &str) -> Result<Option<Item>, Error> {
            Ok(self.0.lock().unwrap().iter().find(|i| i.id == id).cloned())
        }
    }
{%- if self.idem() %}

    fn deps() -> Deps<MemoryItems, MemoryRecords> {
        Deps {
            items: MemoryItems::default(),
            idempotency: MemoryRecords::default(),
        }
    }
{%- else %}

    fn deps() -> Deps<MemoryItems> {
        Deps {
            items: MemoryItems::default(),
        }
    }
{%- endif %}

    /// The sample `POST /items` request (events/api.json), changed by `edit`, as Lambda hands it
    /// to the function.
    fn request(edit: impl FnOnce(&mut serde_json::Value)) -> lambda_http::Request {
        let mut event: serde_json::Value = serde_json::from_str(&sample_event("api")).unwrap();
        edit(&mut event);
        let mut context = lambda_runtime::Context::default();
        context.deadline = (now_s() + 30) * 1000;
        lambda_http::request::from_str(&event.to_string())
            .unwrap()
            .with_lambda_context(context)
    }

    /// A `GET /items/{id}` request.
    fn get(id: &str) -> lambda_http::Request {
        request(|e| {
            e["routeKey"] = "GET /items/{id}".into();
            e["rawPath"] = format!("/items/{id}").into();
            e["requestContext"]["http"]["method"] = "GET".into();
            e["pathParameters"] = serde_json::json!({ "id": id });
            e["body"] = serde_json::Value::Null;
        })
    }

    /// A response's status, JSON body and `Retry-After` header.
    fn parts(response: lambda_http::Response<lambda_http::Body>) -> (u16, serde_json::Value, Option<String>) {
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = serde_json::from_slice(response.body().as_ref()).unwrap();
        (response.status().as_u16(), body, retry_after)
    }

    #[tokio::test]
    async fn a_post_creates_an_item_that_get_returns() {
        let deps = deps();
        let (status, created, _) = parts(handle(&deps, request(|_| ())).await.unwrap());
        assert_eq!(status, 201);
        assert_eq!(created["name"], "example");
        let (status, read, _) = parts(handle(&deps, get(created["id"].as_str().unwrap())).await.unwrap());
        assert_eq!(status, 200);
        assert_eq!(read, created);
        assert_eq!(parts(handle(&deps, get("no-such-item")).await.unwrap()).0, 404);
    }

    #[tokio::test]
    async fn a_bad_body_gets_400_and_stores_nothing() {
        let deps = deps();
        let response = handle(&deps, request(|e| e["body"] = r#"{"nom": "lamp"}"#.into()))
            .await
            .unwrap();
        assert_eq!(parts(response).0, 400);
        assert!(deps.items.0.lock().unwrap().is_empty());
    }
{%- if self.idem() %}

    #[tokio::test]
    async fn a_repeat_gets_the_first_item_and_stores_no_second() {
        let deps = deps();
        let first = parts(handle(&deps, request(|_| ())).await.unwrap());
        let again = parts(handle(&deps, request(|_| ())).await.unwrap());
        assert_eq!(first.0, 201);
        assert_eq!(again, first);
        let other = parts(
            handle(
                &deps,
                request(|e| e["headers"]["idempotency-key"] = "another-key".into()),
            )
            .await
            .unwrap(),
        );
        assert_ne!(other.1["id"], first.1["id"]);
        assert_eq!(deps.items.0.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn another_caller_with_the_same_key_and_body_gets_their_own_item() {
        let deps = deps();
        let mine = parts(handle(&deps, request(|_| ())).await.unwrap());
        let theirs = parts(
            handle(
                &deps,
{%- if self.iam_auth() %}
                request(|e| e["requestContext"]["authorizer"]["iam"]["userArn"] = "someone-else".into()),
{%- else %}
                request(|e| e["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = "someone-else".into()),
{%- endif %}
            )
            .await
            .unwrap(),
        );
        assert_eq!((mine.0, theirs.0), (201, 201));
        assert_ne!(mine.1["id"], theirs.1["id"]);
        assert_eq!(deps.items.0.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn the_same_key_with_another_body_gets_422() {
        let deps = deps();
        assert_eq!(parts(handle(&deps, request(|_| ())).await.unwrap()).0, 201);
        let (status, body, _) = parts(
            handle(&deps, request(|e| e["body"] = r#"{"name": "another name"}"#.into()))
                .await
                .unwrap(),
        );
        assert_eq!(status, 422);
        assert!(body["message"].as_str().unwrap().contains("different body"));
        assert_eq!(deps.items.0.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_repeat_while_the_first_is_in_flight_gets_409_with_retry_after() {
        let deps = deps();
        // Both run on this task: the first is storing its item when the repeat arrives.
        let (first, repeat) = tokio::join!(handle(&deps, request(|_| ())), handle(&deps, request(|_| ())));
        let (first, repeat) = (parts(first.unwrap()), parts(repeat.unwrap()));
        assert_eq!(first.0, 201);
        assert_eq!(repeat.0, 409);
        assert!(repeat.2.unwrap().parse::<u64>().unwrap() > 0);
        assert!(repeat.1["message"].as_str().unwrap().contains("retry"));
        assert_eq!(deps.items.0.lock().unwrap().len(), 1);
        // Once the first has finished, the retry gets its response.
        assert_eq!(parts(handle(&deps, request(|_| ())).await.unwrap()), first);
    }

    #[tokio::test]
    async fn a_post_without_an_idempotency_key_gets_400() {
        let deps = deps();
        let request = request(|e| {
            e["headers"].as_object_mut().unwrap().remove("idempotency-key");
        });
        let (status, body, _) = parts(handle(&deps, request).await.unwrap());
        assert_eq!(status, 400);
        assert!(body["message"].as_str().unwrap().contains("Idempotency-Key"));
        assert!(deps.items.0.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_post_without_a_caller_identity_gets_401() {
        let deps = deps();
        let request = request(|e| {
            e["requestContext"].as_object_mut().unwrap().remove("authorizer");
        });
        assert_eq!(parts(handle(&deps, request).await.unwrap()).0, 401);
        assert!(deps.items.0.lock().unwrap().is_empty());
        assert!(deps.idempotency.0.lock().unwrap().is_empty());
    }

    #[test]
    fn record_keys_are_per_caller_and_key() {
        let a = record_key("user-1", "k1");
        assert_eq!(a, record_key("user-1", "k1"));
        assert_ne!(a, record_key("user-2", "k1"));
        assert_ne!(a, record_key("user-1", "k2"));
        assert_ne!(record_key("a#b", "c"), record_key("a", "b#c"));
        assert_ne!(payload_hash("lamp"), payload_hash("desk"));
    }
{%- else %}

    #[tokio::test]
    async fn each_post_creates_an_item() {
        // Duplicates are harmless for this workload, so there is no idempotency store.
        let deps = deps();
        handle(&deps, request(|_| ())).await.unwrap();
        handle(&deps, request(|_| ())).await.unwrap();
        assert_eq!(deps.items.0.lock().unwrap().len(), 2);
    }
{%- endif %}
}
