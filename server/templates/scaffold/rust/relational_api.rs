{% include "scaffold/rust/http.rs" %}

/// The `api` function: creates an item (`POST /items`) and reads one (`GET /items/{id}`) in
/// PostgreSQL, through RDS Proxy.
pub mod api {
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    use lambda_http::{Body, Request, RequestExt as _, Response};
    use tokio_postgres::types::ToSql;
    use tracing::Instrument as _;

    use super::{Error, env, invocation_span, json_response, log_events};

    /// The longest item name and `Idempotency-Key` accepted (the table's CHECK constraints agree).
    pub const MAX_NAME_LENGTH: usize = 200;
    pub const MAX_KEY_LENGTH: usize = 200;

    /// An items row as the API returns it.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Item {
        /// A UUID, made by the database.
        pub id: String,
        /// From the request.
        pub name: String,
        /// ISO 8601, from the database.
        pub created_at: String,
    }

    /// The statements the handler runs: PostgreSQL in Lambda, memory in the tests.
    pub trait ItemsDb: Sync {
        /// Inserts an item unless the caller already used this key; `None` when they did.
        fn insert(
            &self,
            caller: &str,
            key: &str,
            name: &str,
        ) -> impl Future<Output = Result<Option<Item>, Error>> + Send;
        /// The item a caller created with a key.
        fn by_key(&self, caller: &str, key: &str) -> impl Future<Output = Result<Option<Item>, Error>> + Send;
        /// The item with an id (a UUID).
        fn by_id(&self, id: &str) -> impl Future<Output = Result<Option<Item>, Error>> + Send;
    }

    /// What the function needs, built once per cold start.
    pub struct Deps<D = Postgres> {
        /// The items table.
        pub db: D,
    }

    impl Deps {
        /// Reads the proxy's address, the app user and the timeouts from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            Ok(Self {
                db: Postgres::from_env().await?,
            })
        }
    }

    /// The items table through one connection per execution environment: opened on the first
    /// request, reused by every request after it, and replaced once when the proxy closed it
    /// (idle timeout, failover). Each statement is its own transaction, so running one again
    /// on a new connection is safe (the insert is guarded by its unique key).
    pub struct Postgres {
        config: tokio_postgres::Config,
        host: String,
        port: u16,
        user: String,
        region: String,
        credentials: aws_credential_types::provider::SharedCredentialsProvider,
        tls: tokio_postgres_rustls::MakeRustlsConnect,
        client: tokio::sync::Mutex<Option<tokio_postgres::Client>>,
    }

    const ROW: &str = "id::text, name, to_json(created_at) #>> '{}'";

    impl Postgres {
        /// Reads `DB_HOST`, `DB_PORT`, `DB_NAME`, `DB_USER` and `CONNECT_TIMEOUT_S`.
        pub async fn from_env() -> Result<Self, Error> {
            let aws = aws_config::load_from_env().await;
            let host = env("DB_HOST")?;
            let port: u16 = std::env::var("DB_PORT").unwrap_or_else(|_| "5432".to_owned()).parse()?;
            let user = env("DB_USER")?;
            let connect_timeout_s: u64 = std::env::var("CONNECT_TIMEOUT_S")
                .unwrap_or_else(|_| "{% if let Some(db) = plan.relational %}{{ db.connect_timeout_s }}{% endif %}".to_owned())
                .parse()?;
            let mut config = tokio_postgres::Config::new();
            config
                .host(&host)
                .port(port)
                .dbname(env("DB_NAME")?)
                .user(&user)
                .ssl_mode(tokio_postgres::config::SslMode::Require)
                .connect_timeout(Duration::from_secs(connect_timeout_s))
                .application_name("{{ plan.project }}");
            // The proxy's certificate is public (ACM): the webpki roots verify it and its name.
            let mut roots = rustls::RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let tls =
                rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
                    .with_safe_default_protocol_versions()?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
            Ok(Self {
                config,
                host,
                port,
                user,
                region: aws
                    .region()
                    .map(ToString::to_string)
                    .ok_or("no AWS Region configured")?,
                credentials: aws.credentials_provider().ok_or("no AWS credentials configured")?,
                tls: tokio_postgres_rustls::MakeRustlsConnect::new(tls),
                client: tokio::sync::Mutex::new(None),
            })
        }

        /// A 15-minute IAM token for the app user on this proxy: a SigV4-presigned
        /// `connect` request for the `rds-db` service, signed here with no network call.
        async fn token(&self) -> Result<String, Error> {
            use aws_credential_types::provider::ProvideCredentials as _;
            use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign};

            let identity = self.credentials.provide_credentials().await?.into();
            let mut settings = SigningSettings::default();
            settings.expires_in = Some(Duration::from_secs(900));
            settings.signature_location = SignatureLocation::QueryParams;
            let params = aws_sigv4::sign::v4::SigningParams::builder()
                .identity(&identity)
                .region(&self.region)
                .name("rds-db")
                .time(SystemTime::now())
                .settings(settings)
                .build()?
                .into();
            let url = format!(
                "https://{}:{}/?Action=connect&DBUser={}",
                self.host, self.port, self.user
            );
            let signable = SignableRequest::new("GET", &url, std::iter::empty(), SignableBody::Bytes(&[]))?;
            let (instructions, _signature) = sign(signable, &params)?.into_parts();
            let mut request = http::Request::builder().uri(&url).body(())?;
            instructions.apply_to_request_http1x(&mut request);
            Ok(request.uri().to_string().trim_start_matches("https://").to_owned())
        }

        async fn connect(&self) -> Result<tokio_postgres::Client, Error> {
            let mut config = self.config.clone();
            config.password(self.token().await?);
            let (client, connection) = config.connect(self.tls.clone()).await?;
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::warn!(error = %e, "database connection closed");
                }
            });
            Ok(client)
        }

        async fn row(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Item>, Error> {
            let mut client = self.client.lock().await;
            for attempt in 1..=2 {
                if client.as_ref().is_none_or(tokio_postgres::Client::is_closed) {
                    *client = Some(self.connect().await?);
                }
                let Some(open) = client.as_ref() else {
                    return Err("no database connection".into());
                };
                match open.query_opt(sql, params).await {
                    Ok(row) => {
                        return Ok(row.map(|r| Item {
                            id: r.get(0),
                            name: r.get(1),
                            created_at: r.get(2),
                        }));
                    }
                    Err(e) if attempt == 1 && (e.is_closed() || open.is_closed()) => {
                        tracing::warn!(error = %e, "database connection lost; reconnecting");
                        *client = None;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Err("the database connection was lost twice".into())
        }
    }

    impl ItemsDb for Postgres {
        async fn insert(&self, caller: &str, key: &str, name: &str) -> Result<Option<Item>, Error> {
            let sql = format!(
                "INSERT INTO items (name, caller, idempotency_key) VALUES ($1, $2, $3) \
                 ON CONFLICT (caller, idempotency_key) DO NOTHING RETURNING {ROW}"
            );
            self.row(&sql, &[&name, &caller, &key]).await
        }

        async fn by_key(&self, caller: &str, key: &str) -> Result<Option<Item>, Error> {
            let sql = format!("SELECT {ROW} FROM items WHERE caller = $1 AND idempotency_key = $2");
            self.row(&sql, &[&caller, &key]).await
        }

        async fn by_id(&self, id: &str) -> Result<Option<Item>, Error> {
            let sql = format!("SELECT {ROW} FROM items WHERE id = CAST($1::text AS uuid)");
            self.row(&sql, &[&id]).await
        }
    }

    /// Whether `id` is a UUID (anything else cannot name an item).
    pub fn is_uuid(id: &str) -> bool {
        let groups: Vec<&str> = id.split('-').collect();
        groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
            && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
    }

    /// The name in a create request's body, `{"name": "..."}`: a non-empty string of at most
    /// [`MAX_NAME_LENGTH`] characters.
    pub fn parse_new_item(body: &[u8]) -> Result<String, String> {
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| "the body must be JSON: {\"name\": \"...\"}".to_owned())?;
        let name = value
            .get("name")
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .ok_or_else(|| "\"name\" must be a string".to_owned())?;
        if name.is_empty() || name.chars().count() > MAX_NAME_LENGTH {
            return Err(format!("\"name\" must have 1 to {MAX_NAME_LENGTH} characters"));
        }
        Ok(name.to_owned())
    }

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

    fn message(status: u16, text: &str) -> Result<Response<Body>, Error> {
        json_response(status, &serde_json::json!({ "message": text }))
    }

    /// Handles a request.
    pub async fn handle<D: ItemsDb>(deps: &Deps<D>, request: Request) -> Result<Response<Body>, Error> {
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
                tracing::info!(method = %request.method(), path = %request.uri().path(), "request");
            }
            match (request.method().as_str(), id) {
                ("POST", None) => create(&deps.db, &request).await,
                ("GET", Some(id)) => match is_uuid(&id).then_some(()) {
                    Some(()) => match deps.db.by_id(&id).await? {
                        Some(item) => json_response(200, &serde_json::to_value(item)?),
                        None => message(404, "no such item"),
                    },
                    None => message(404, "no such item"),
                },
                _ => message(404, "not found"),
            }
        }
        .instrument(span)
        .await
    }

    /// `POST /items`. The row and the caller's `Idempotency-Key` are written in one statement,
    /// and the table holds each (caller, key) once: a repeat gets the first item back (201) and
    /// creates nothing; the same key with another name gets 422. Without a caller identity: 401;
    /// without the header: 400.
    async fn create(db: &impl ItemsDb, request: &Request) -> Result<Response<Body>, Error> {
        let Some(caller) = caller(request) else {
            return message(401, "the request has no caller identity ({% if self.iam_auth() %}IAM caller ARN{% else %}JWT sub claim{% endif %})");
        };
        let Some(key) = idempotency_key(request) else {
            return message(
                400,
                &format!(
                    "the Idempotency-Key header is required: a new unique value (such as a UUID) for each item, \
                     sent again unchanged when retrying, at most {MAX_KEY_LENGTH} characters"
                ),
            );
        };
        let name = match parse_new_item(request.body().as_ref()) {
            Ok(name) => name,
            Err(text) => return message(400, &text),
        };
        if let Some(item) = db.insert(&caller, &key, &name).await? {
            tracing::info!(item_id = %item.id, "item created");
            return json_response(201, &serde_json::to_value(item)?);
        }
        match db.by_key(&caller, &key).await? {
            Some(first) if first.name == name => {
                tracing::info!(item_id = %first.id, "repeated request: returning the first item");
                json_response(201, &serde_json::to_value(first)?)
            }
            Some(_) => message(422, "this Idempotency-Key was already used with a different body"),
            None => message(409, "this Idempotency-Key was being used by another request; retry it"),
        }
    }
}

#[cfg(test)]
mod api_tests {
    use super::Error;
    use super::api::*;
    use super::tests::sample_event;

    /// The items table in memory, with its unique (caller, idempotency_key) constraint.
    #[derive(Default)]
    struct MemoryDb(std::sync::Mutex<Vec<(String, String, Item)>>);

    impl ItemsDb for MemoryDb {
        async fn insert(&self, caller: &str, key: &str, name: &str) -> Result<Option<Item>, Error> {
            let mut rows = self.0.lock().unwrap();
            if rows.iter().any(|(c, k, _)| c == caller && k == key) {
                return Ok(None);
            }
            let item = Item {
                id: format!("00000000-0000-4000-8000-{:012}", rows.len() + 1),
                name: name.to_owned(),
                created_at: "2026-01-01T00:00:00+00:00".to_owned(),
            };
            rows.push((caller.to_owned(), key.to_owned(), item.clone()));
            Ok(Some(item))
        }

        async fn by_key(&self, caller: &str, key: &str) -> Result<Option<Item>, Error> {
            let rows = self.0.lock().unwrap();
            Ok(rows
                .iter()
                .find(|(c, k, _)| c == caller && k == key)
                .map(|r| r.2.clone()))
        }

        async fn by_id(&self, id: &str) -> Result<Option<Item>, Error> {
            Ok(self
                .0
                .lock()
                .unwrap()
                .iter()
                .find(|r| r.2.id == id)
                .map(|r| r.2.clone()))
        }
    }

    fn post(body: &str, key: Option<&str>) -> lambda_http::Request {
        let mut event: serde_json::Value = serde_json::from_str(&sample_event("api")).unwrap();
        event["body"] = serde_json::Value::String(body.to_owned());
        match key {
            Some(k) => event["headers"]["idempotency-key"] = serde_json::Value::String(k.to_owned()),
            None => {
                event["headers"].as_object_mut().unwrap().remove("idempotency-key");
            }
        }
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    fn get(id: &str) -> lambda_http::Request {
        let mut event: serde_json::Value = serde_json::from_str(&sample_event("api")).unwrap();
        event["routeKey"] = "GET /items/{id}".into();
        event["rawPath"] = format!("/items/{id}").into();
        event["requestContext"]["http"]["method"] = "GET".into();
        event["requestContext"]["http"]["path"] = format!("/items/{id}").into();
        event["pathParameters"] = serde_json::json!({ "id": id });
        event.as_object_mut().unwrap().remove("body");
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    fn body(response: &lambda_http::Response<lambda_http::Body>) -> serde_json::Value {
        serde_json::from_slice(response.body().as_ref()).unwrap()
    }

    #[tokio::test]
    async fn a_created_item_reads_back() {
        let deps = Deps {
            db: MemoryDb::default(),
        };
        let created = handle(&deps, lambda_http::request::from_str(&sample_event("api")).unwrap())
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let id = body(&created)["id"].as_str().unwrap().to_owned();
        let read = handle(&deps, get(&id)).await.unwrap();
        assert_eq!(read.status(), 200);
        assert_eq!(body(&read), body(&created));
    }

    #[tokio::test]
    async fn a_repeat_returns_the_first_item_and_another_body_is_refused() {
        let deps = Deps {
            db: MemoryDb::default(),
        };
        let first = handle(&deps, post(r#"{"name": "lamp"}"#, Some("k1"))).await.unwrap();
        let again = handle(&deps, post(r#"{"name": "lamp"}"#, Some("k1"))).await.unwrap();
        assert_eq!(again.status(), 201);
        assert_eq!(body(&again), body(&first));
        let other = handle(&deps, post(r#"{"name": "chair"}"#, Some("k1"))).await.unwrap();
        assert_eq!(other.status(), 422);
        assert_eq!(deps.db.0.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_post_without_a_key_or_a_name_is_refused_and_unknown_ids_are_404() {
        let deps = Deps {
            db: MemoryDb::default(),
        };
        assert_eq!(
            handle(&deps, post(r#"{"name": "lamp"}"#, None)).await.unwrap().status(),
            400
        );
        assert_eq!(
            handle(&deps, post(r#"{"name": ""}"#, Some("k")))
                .await
                .unwrap()
                .status(),
            400
        );
        assert!(deps.db.0.lock().unwrap().is_empty());
        assert_eq!(handle(&deps, get("not-a-uuid")).await.unwrap().status(), 404);
        assert_eq!(
            handle(&deps, get("00000000-0000-4000-8000-000000000009"))
                .await
                .unwrap()
                .status(),
            404
        );
    }

    #[test]
    fn uuids_are_recognised() {
        assert!(is_uuid("3f1c2a9e-7b4d-4e6a-9c1f-2d8e5b7a0c41"));
        assert!(!is_uuid("3f1c2a9e7b4d4e6a9c1f2d8e5b7a0c41"));
        assert!(!is_uuid("3f1c2a9e-7b4d-4e6a-9c1f-2d8e5b7a0c4z"));
    }
}
