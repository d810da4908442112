{% include "scaffold/rust/http.rs" %}

/// The `migrated` function: serves `GET /items/{id}`, the first route moved off the legacy
/// system, from the DynamoDB table `TABLE_NAME`. It answers in the legacy system's shape
/// ([`migrated::LegacyItem`]), so callers see no change when the facade moves the route, or
/// moves it back.
pub mod migrated {
    use aws_sdk_dynamodb::types::AttributeValue;
    use lambda_http::{Body, Request, RequestExt as _, Response};
    use tracing::Instrument as _;

    use super::{Error, aws_error, env, invocation_span, json_response, log_events};

    /// What the function needs, built once per cold start: where the new service keeps items
    /// (DynamoDB in Lambda, memory in the tests).
    pub struct Deps<I = DynamoItems> {
        /// The items.
        pub items: I,
    }

    impl Deps {
        /// Reads `TABLE_NAME` from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                items: DynamoItems {
                    client: aws_sdk_dynamodb::Client::new(&config),
                    table: env("TABLE_NAME")?,
                },
            })
        }
    }

    /// An item as the new service stores it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Item {
        /// The item's id, the same as in the legacy system.
        pub id: String,
        /// Its name.
        pub name: String,
        /// When it last changed, in seconds since the Unix epoch.
        pub updated_at: u64,
    }

    /// The item as the legacy system answers `GET /items/{id}`, which the route's callers
    /// already parse. Replace the fields with your legacy system's contract; the translation
    /// lives in [`to_legacy`] only, so the new model can change without the callers noticing.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct LegacyItem {
        /// The legacy system's name for the id.
        pub item_id: String,
        /// The legacy system's name for the name.
        pub item_name: String,
        /// Seconds since the Unix epoch, as the legacy system reports them.
        pub last_modified: u64,
    }

    /// The anti-corruption layer: the new model in the legacy system's shape.
    pub fn to_legacy(item: &Item) -> LegacyItem {
        LegacyItem {
            item_id: item.id.clone(),
            item_name: item.name.clone(),
            last_modified: item.updated_at,
        }
    }

    /// Where items are read.
    pub trait ItemStore {
        /// Reads an item, or `None` when there is none.
        fn get(&self, id: &str) -> impl Future<Output = Result<Option<Item>, Error>> + Send;
    }

    /// The items in the DynamoDB table `TABLE_NAME` (partition key `id`).
    pub struct DynamoItems {
        client: aws_sdk_dynamodb::Client,
        table: String,
    }

    impl ItemStore for DynamoItems {
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

    /// An item from a DynamoDB record.
    pub fn item_from(record: &std::collections::HashMap<String, AttributeValue>) -> Option<Item> {
        Some(Item {
            id: record.get("id")?.as_s().ok()?.clone(),
            name: record.get("name")?.as_s().ok()?.clone(),
            updated_at: record.get("updated_at")?.as_n().ok()?.parse().ok()?,
        })
    }

    /// The request's id at the facade (`$context.requestId`): the same id the access log
    /// records and the facade sends the legacy system as `x-facade-request-id`, so one
    /// request is followed on either side of the route. Outside API Gateway, the usual
    /// correlation id.
    pub fn facade_request_id(request: &Request) -> String {
        match request.request_context_ref() {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => context
                .request_id
                .clone()
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| super::correlation_id(request)),
            _ => super::correlation_id(request),
        }
    }

    /// Handles `GET /items/{id}`: 200 and the item in the legacy shape, or 404.
    pub async fn handle<I: ItemStore>(deps: &Deps<I>, request: Request) -> Result<Response<Body>, Error> {
        let correlation_id = facade_request_id(&request);
        let span = invocation_span(
            &correlation_id,
            &request.lambda_context_ref().cloned().unwrap_or_default(),
        );
        let id = request
            .path_parameters_ref()
            .and_then(|p| p.first("id"))
            .map(str::to_owned)
            .filter(|id| !id.is_empty());
        async move {
            if log_events() {
                tracing::info!(method = %request.method(), path = %request.uri().path(), "request");
            }
            let (true, Some(id)) = (request.method() == lambda_http::http::Method::GET, id) else {
                return json_response(404, &serde_json::json!({"message": "not found"}));
            };
            match deps.items.get(&id).await? {
                Some(item) => json_response(200, &serde_json::to_value(to_legacy(&item))?),
                None => json_response(404, &serde_json::json!({"message": "no such item"})),
            }
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod migrated_tests {
    use super::Error;
    use super::migrated::*;
    use super::tests::sample_event;

    /// The items in memory.
    #[derive(Default)]
    struct MemoryItems(Vec<Item>);

    impl ItemStore for MemoryItems {
        async fn get(&self, id: &str) -> Result<Option<Item>, Error> {
            Ok(self.0.iter().find(|i| i.id == id).cloned())
        }
    }

    /// A store whose reads fail, as DynamoDB does when it throttles or is unreachable.
    struct FailingItems;

    impl ItemStore for FailingItems {
        async fn get(&self, _id: &str) -> Result<Option<Item>, Error> {
            Err("DynamoDB is unreachable".into())
        }
    }

    fn lamp() -> Item {
        Item {
            id: "item-1001".to_owned(),
            name: "lamp".to_owned(),
            updated_at: 1_795_688_130,
        }
    }

    fn sample() -> lambda_http::Request {
        lambda_http::request::from_str(&sample_event("migrated")).unwrap()
    }

    fn body(response: &lambda_http::Response<lambda_http::Body>) -> serde_json::Value {
        serde_json::from_slice(response.body().as_ref()).unwrap()
    }

    #[tokio::test]
    async fn a_stored_item_is_answered_in_the_legacy_shape() {
        let deps = Deps {
            items: MemoryItems(vec![lamp()]),
        };
        let response = handle(&deps, sample()).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            body(&response),
            serde_json::json!({"itemId": "item-1001", "itemName": "lamp", "lastModified": 1_795_688_130})
        );
    }

    #[tokio::test]
    async fn an_unknown_item_is_404() {
        let deps = Deps {
            items: MemoryItems::default(),
        };
        let response = handle(&deps, sample()).await.unwrap();
        assert_eq!(response.status(), 404);
    }

    #[tokio::test]
    async fn a_store_failure_is_an_error_the_alarms_count() {
        let deps = Deps { items: FailingItems };
        assert!(handle(&deps, sample()).await.is_err());
    }

    #[test]
    fn the_correlation_id_is_the_facades_request_id() {
        assert_eq!(facade_request_id(&sample()), "Kc7x9jWEIAMEbXw=");
    }

    #[test]
    fn a_record_reads_back_as_the_item() {
        use aws_sdk_dynamodb::types::AttributeValue;
        let record = std::collections::HashMap::from([
            ("id".to_owned(), AttributeValue::S("item-1001".to_owned())),
            ("name".to_owned(), AttributeValue::S("lamp".to_owned())),
            ("updated_at".to_owned(), AttributeValue::N("1795688130".to_owned())),
        ]);
        assert_eq!(item_from(&record), Some(lamp()));
        assert!(item_from(&std::collections::HashMap::new()).is_none());
        assert_eq!(to_legacy(&lamp()).item_name, "lamp");
    }
}
