//! The HTTP service: `GET {{ self.health_path() }}` for the load balancer's health check{% if self.table() %}, `POST /items` (body
//! `{"name": "..."}`) to create an item and `GET /items/{id}` to read one, in the DynamoDB table
//! TABLE_NAME{% else %} and `GET /` naming the service{% endif %}.
//!
//! Each request runs in a span with its correlation id: the caller's `x-correlation-id`, else
//! the load balancer's `x-amzn-trace-id`, else a new one; it is echoed in the response. On
//! SIGTERM the server stops accepting connections and finishes the requests it has.

use axum::Router;
use axum::extract::Request;
{%- if self.table() %}
use axum::extract::{Path, State};
{%- endif %}
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
{%- if self.table() %}
use axum::routing::post;
{%- endif %}
use serde_json::{Value, json};
{%- if self.table() %}
use std::sync::Arc;
{%- endif %}
use tokio::sync::watch;
use tracing::Instrument;
{%- if self.table() %}

/// An item.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    pub id: String,
    pub name: String,
}

/// Where items live.
pub trait Store: Send + Sync + 'static {
    fn get(&self, id: &str) -> impl Future<Output = Result<Option<Item>, String>> + Send;
    fn put(&self, item: &Item) -> impl Future<Output = Result<(), String>> + Send;
}

/// Items in the DynamoDB table, one per `id`.
pub struct DynamoStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoStore {
    pub async fn from_env() -> Self {
        let config = aws_config::load_from_env().await;
        Self {
            client: aws_sdk_dynamodb::Client::new(&config),
            table: std::env::var("TABLE_NAME").expect("TABLE_NAME is set"),
        }
    }
}

impl Store for DynamoStore {
    async fn get(&self, id: &str) -> Result<Option<Item>, String> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id.to_owned()))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Ok(out.item.and_then(|i| {
            Some(Item {
                id: i.get("id")?.as_s().ok()?.clone(),
                name: i.get("name")?.as_s().ok()?.clone(),
            })
        }))
    }

    async fn put(&self, item: &Item) -> Result<(), String> {
        use aws_sdk_dynamodb::types::AttributeValue;
        // A new random id never exists; the condition makes sure of it.
        self.client
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S(item.id.clone()))
            .item("name", AttributeValue::S(item.name.clone()))
            .condition_expression("attribute_not_exists(id)")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
{%- endif %}

/// The routes, separate from the listener so the tests can call them.
pub fn router{% if self.table() %}<S: Store>(store: Arc<S>){% else %}(){% endif %} -> Router {
    Router::new()
        .route(
            "{{ self.health_path() }}",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
{%- if self.table() %}
        .route("/items", post(create::<S>))
        .route("/items/{id}", get(read::<S>))
        .with_state(store)
{%- else %}
        .route("/", get(|| async { axum::Json(json!({"service": crate::service_name()})) }))
{%- endif %}
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(middleware::from_fn(correlate))
}

/// Runs each request in a span with its correlation id, echoes the id and logs the response.
async fn correlate(req: Request, next: Next) -> Response {
    // The header lookup borrows the request (whose body is not Sync): it ends before the await.
    let id = {
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(200).collect::<String>())
        };
        header("x-correlation-id")
            .or_else(|| header("x-amzn-trace-id"))
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
    };
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let span =
        tracing::info_span!("request", correlation_id = %id, service = %crate::service_name());
    async move {
        let mut res = next.run(req).await;
        if let Ok(v) = HeaderValue::from_str(&id) {
            res.headers_mut().insert("x-correlation-id", v);
        }
        tracing::info!(method = %method, path = %path, status = res.status().as_u16(), "request");
        res
    }
    .instrument(span)
    .await
}
{%- if self.table() %}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "message": message }))).into_response()
}

async fn create<S: Store>(State(store): State<Arc<S>>, body: axum::body::Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "body must be JSON");
    };
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    if name.is_empty() || name.chars().count() > 200 {
        return error(
            StatusCode::BAD_REQUEST,
            "name: a string of 1 to 200 characters",
        );
    }
    let item = Item {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.to_owned(),
    };
    match store.put(&item).await {
        Ok(()) => (StatusCode::CREATED, axum::Json(item)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "write failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

async fn read<S: Store>(State(store): State<Arc<S>>, Path(id): Path<String>) -> Response {
    match store.get(&id).await {
        Ok(Some(item)) => axum::Json(item).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "not found"),
        Err(e) => {
            tracing::error!(error = %e, "read failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}
{%- endif %}

/// Listens on `port` until `stop` turns true, then finishes the requests it has.
pub async fn serve(port: u16, mut stop: watch::Receiver<bool>) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port)).await?;
    tracing::info!(port, "listening");
{%- if self.table() %}
    let app = router(Arc::new(DynamoStore::from_env().await));
{%- else %}
    let app = router();
{%- endif %}
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Whether `GET {{ self.health_path() }}` on `addr` answers 200 (for the Dockerfile's HEALTHCHECK).
pub async fn healthy(addr: &str) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let check = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
        s.write_all(b"GET {{ self.health_path() }} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .ok()?;
        let mut buf = [0u8; 12];
        s.read_exact(&mut buf).await.ok()?;
        Some(buf.ends_with(b"200"))
    };
    tokio::time::timeout(std::time::Duration::from_secs(2), check)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
{%- if self.table() %}
    use std::collections::HashMap;
    use std::sync::Mutex;
{%- endif %}
    use tower::ServiceExt;
{%- if self.table() %}

    #[derive(Default)]
    struct MemoryStore(Mutex<HashMap<String, Item>>);

    impl Store for MemoryStore {
        async fn get(&self, id: &str) -> Result<Option<Item>, String> {
            Ok(self.0.lock().unwrap().get(id).cloned())
        }
        async fn put(&self, item: &Item) -> Result<(), String> {
            self.0.lock().unwrap().insert(item.id.clone(), item.clone());
            Ok(())
        }
    }
{%- endif %}

    async fn call(app: Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Value) {
        let res = app.oneshot(req).await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        let body = to_bytes(res.into_body(), 1 << 20).await.unwrap();
        (
            status,
            headers,
            serde_json::from_slice(&body).unwrap_or(Value::Null),
        )
    }

    fn app() -> Router {
{%- if self.table() %}
        router(Arc::new(MemoryStore::default()))
{%- else %}
        router()
{%- endif %}
    }

    #[tokio::test]
    async fn the_health_check_answers_and_echoes_the_correlation_id() {
        let req = Request::get("{{ self.health_path() }}")
            .header("x-correlation-id", "abc")
            .body(Body::empty())
            .unwrap();
        let (status, headers, body) = call(app(), req).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({"status": "ok"}));
        assert_eq!(headers["x-correlation-id"], "abc");
    }
{%- if self.table() %}

    #[tokio::test]
    async fn an_item_is_created_then_read() {
        let app = app();
        let req = Request::post("/items")
            .body(Body::from(r#"{"name": "first"}"#))
            .unwrap();
        let (status, _, item) = call(app.clone(), req).await;
        assert_eq!(status, StatusCode::CREATED);
        let id = item["id"].as_str().unwrap();
        let req = Request::get(format!("/items/{id}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(call(app.clone(), req).await.2, item);
        let req = Request::get("/items/missing").body(Body::empty()).unwrap();
        assert_eq!(call(app, req).await.0, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn an_invalid_item_is_refused() {
        let store = Arc::new(MemoryStore::default());
        for body in [r#"{"name": ""}"#, "[1]", "not json"] {
            let req = Request::post("/items").body(Body::from(body)).unwrap();
            let (status, _, _) = call(router(store.clone()), req).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        }
        assert!(store.0.lock().unwrap().is_empty());
    }
{%- else %}

    #[tokio::test]
    async fn the_root_names_the_service() {
        let req = Request::get("/").body(Body::empty()).unwrap();
        assert_eq!(call(app(), req).await.0, StatusCode::OK);
    }
{%- endif %}
}
