{% include "scaffold/rust/http.rs" %}

/// The `api` function: creates an item (`POST /items`) and reads one (`GET /items/{id}`) in the
/// DynamoDB table `TABLE_NAME`.
pub mod api {
    use aws_sdk_dynamodb::types::AttributeValue;
    use lambda_http::{Body, Request, RequestExt as _, Response};
    use tracing::Instrument as _;
{% if self.idem() %}
    use super::{Claim, Idempotency, deadline_s, sha256_hex};
{%- endif %}
    use super::{Error, aws_error, env, invocation_span, json_response, log_events, now_s, text_response};

    /// What the function needs, built once per cold start.
    pub struct Deps {
        dynamodb: aws_sdk_dynamodb::Client,
        table: String,
{%- if self.idem() %}
        idempotency: Idempotency,
{%- endif %}
    }

    impl Deps {
        /// Reads `TABLE_NAME`{% if self.idem() %} and the idempotency settings{% endif %} from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                dynamodb: aws_sdk_dynamodb::Client::new(&config),
                table: env("TABLE_NAME")?,
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

    /// The idempotency key of a create request: the caller's `Idempotency-Key` header when it
    /// sends one, else the hash of the body, so the same request sent twice creates one item.
    pub fn idempotency_key(header: Option<&str>, body: &[u8]) -> String {
        match header.map(str::trim).filter(|h| !h.is_empty() && h.len() <= 200) {
            Some(h) => format!("api#POST /items#key#{h}"),
            None => format!("api#POST /items#body#{}", sha256_hex(body)),
        }
    }
{%- endif %}

    /// Handles a request.
    pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, Error> {
        let correlation_id = super::correlation_id(&request);
        let span = invocation_span(&correlation_id, &request.lambda_context());
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
                Route::Get(id) => get(deps, &id).await,
                Route::NotFound => json_response(404, &serde_json::json!({"message": "not found"})),
            }
        }
        .instrument(span)
        .await
    }

    async fn create(deps: &Deps, request: &Request) -> Result<Response<Body>, Error> {
        let body: &[u8] = request.body().as_ref();
        let name = match parse_new_item(body) {
            Ok(name) => name,
            Err(message) => return json_response(400, &serde_json::json!({ "message": message })),
        };
{%- if self.idem() %}
        // A repeat of a request that succeeded gets the first response again (201, the same
        // item) without a second item; one still in flight gets 409, to retry shortly.
        let header = request.headers().get("idempotency-key").and_then(|v| v.to_str().ok());
        let key = idempotency_key(header, body);
        let lock_until = request.lambda_context_ref().map_or(now_s() + 30, super::deadline_s);
        match deps.idempotency.claim(&key, lock_until).await? {
            Claim::Completed(Some(stored)) => {
                tracing::info!("duplicate request: replaying the first response");
                return text_response(201, stored);
            }
            Claim::Completed(None) | Claim::InProgress => {
                return json_response(
                    409,
                    &serde_json::json!({"message": "the same request is being processed; retry shortly"}),
                );
            }
            Claim::New => {}
        }
        match put_new(deps, name).await {
            Ok(text) => {
                deps.idempotency.complete(&key, Some(&text)).await?;
                text_response(201, text)
            }
            Err(e) => {
                if let Err(release) = deps.idempotency.release(&key).await {
                    tracing::warn!(error = %release, "could not release the idempotency key");
                }
                Err(e)
            }
        }
{%- else %}
        let text = put_new(deps, name).await?;
        text_response(201, text)
{%- endif %}
    }

    /// Stores a new item and returns it as JSON text.
    async fn put_new(deps: &Deps, name: String) -> Result<String, Error> {
        let item = Item {
            id: uuid::Uuid::new_v4().to_string(),
            name,
            created_at: now_s(),
        };
        deps.dynamodb
            .put_item()
            .table_name(&deps.table)
            .item("id", AttributeValue::S(item.id.clone()))
            .item("name", AttributeValue::S(item.name.clone()))
            .item("created_at", AttributeValue::N(item.created_at.to_string()))
            .condition_expression("attribute_not_exists(id)")
            .send()
            .await
            .map_err(|e| aws_error("storing the item", &e))?;
        tracing::info!(item_id = %item.id, "item created");
        Ok(serde_json::to_string(&item)?)
    }

    async fn get(deps: &Deps, id: &str) -> Result<Response<Body>, Error> {
        let output = deps
            .dynamodb
            .get_item()
            .table_name(&deps.table)
            .key("id", AttributeValue::S(id.to_owned()))
            .send()
            .await
            .map_err(|e| aws_error("reading the item", &e))?;
        match output.item().and_then(item_from) {
            Some(item) => json_response(200, &serde_json::to_value(item)?),
            None => json_response(404, &serde_json::json!({"message": "no such item"})),
        }
    }
}

#[cfg(test)]
mod api_tests {
    use super::api::*;
    use super::tests::sample_event;
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
{%- if self.idem() %}

    #[test]
    fn the_same_request_gets_the_same_key() {
        let a = idempotency_key(None, br#"{"name": "lamp"}"#);
        assert_eq!(a, idempotency_key(None, br#"{"name": "lamp"}"#));
        assert_ne!(a, idempotency_key(None, br#"{"name": "desk"}"#));
        assert_eq!(idempotency_key(Some("k1"), b"a"), idempotency_key(Some("k1"), b"b"));
        assert_ne!(idempotency_key(Some("k1"), b"a"), idempotency_key(Some("k2"), b"a"));
    }
{%- endif %}
}
