{% include "scaffold/rust/http.rs" %}

/// The backends for frontend: `GET /home` for each kind of client calls every shared service
/// at once, each call bounded by its timeout, and answers in the client's shape with what came
/// back (`partial: true` and the services left out when one failed or was late). Each client's
/// function (`src/bin/<client>.rs`) calls its own module below ({% if let Some(b) = plan.bff %}{% for c in b.clients %}[`{{ c.name }}`]{% if !loop.last %}, {% endif %}{% endfor %}{% endif %}).
pub mod bff {
    use std::time::Duration;

    use lambda_http::{Body, Request, RequestExt as _, Response};
    use tracing::Instrument as _;

    use super::{Error, env, invocation_span, json_response, log_events, now_s, service, text_response};

    /// A shared service: its name in the response, its base URL and the request path after it
    /// (`{user}` is the caller's id, `{limit}` the client's list limit).
    #[derive(Debug, Clone)]
    pub struct Service {
        /// The part of the response it fills.
        pub name: String,
        /// Its base URL, from the template's parameter.
        pub base: String,
        /// The request path after the base URL.
        pub path: String,
    }

    /// GETs a downstream service's JSON, passing the correlation id along.
    pub trait Fetch {
        /// The service's JSON answer, or an error when it fails, answers non-2xx or is late.
        fn get(
            &self,
            url: &str,
            correlation_id: &str,
            timeout: Duration,
        ) -> impl Future<Output = Result<serde_json::Value, Error>> + Send;
    }

    /// The shared services over HTTPS (reqwest with rustls).
    pub struct HttpFetch(reqwest::Client);

    impl Fetch for HttpFetch {
        async fn get(&self, url: &str, correlation_id: &str, timeout: Duration) -> Result<serde_json::Value, Error> {
            let answer = self
                .0
                .get(url)
                .header("accept", "application/json")
                .header("x-correlation-id", correlation_id)
                .timeout(timeout)
                .send()
                .await?
                .error_for_status()?;
            Ok(serde_json::from_slice(&answer.bytes().await?)?)
        }
    }

    /// What a backend needs, built once per cold start.
    pub struct Deps<F = HttpFetch> {
        /// The shared services, called at once on every request.
        pub services: Vec<Service>,
        /// How long one call may take (`CALL_TIMEOUT_MS`).
        pub call_timeout: Duration,
        /// The largest response body (`MAX_RESPONSE_BYTES`).
        pub max_response_bytes: usize,
        /// How the services are called.
        pub fetch: F,
    }

    impl Deps {
        /// Reads the services' base URLs and the limits from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            Ok(Self {
                services: vec![
{%- if let Some(b) = plan.bff %}
{%- for d in b.downstreams %}
                    Service {
                        name: "{{ d.name }}".to_owned(),
                        base: env("{{ d.variable }}")?,
                        path: "{{ d.path }}".to_owned(),
                    },
{%- endfor %}
{%- endif %}
                ],
                call_timeout: Duration::from_millis(env("CALL_TIMEOUT_MS")?.parse()?),
                max_response_bytes: env("MAX_RESPONSE_BYTES")?.parse()?,
                fetch: HttpFetch(reqwest::Client::builder().build()?),
            })
        }
    }

    /// A value safe in a URL path or query: unreserved characters kept, the rest percent-encoded.
    pub fn encode(value: &str) -> String {
        value
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    /// Calls every service at once, each bounded by the call timeout. Returns what came back,
    /// by service, and the services that failed or were late.
    pub async fn gather<F: Fetch + Sync>(
        deps: &Deps<F>,
        user: &str,
        limit: usize,
        correlation_id: &str,
    ) -> (serde_json::Map<String, serde_json::Value>, Vec<String>) {
        let calls = deps.services.iter().map(|s| async move {
            let url = format!(
                "{}{}",
                s.base,
                s.path
                    .replace("{user}", &encode(user))
                    .replace("{limit}", &limit.to_string())
            );
            let answer = tokio::time::timeout(
                deps.call_timeout,
                deps.fetch.get(&url, correlation_id, deps.call_timeout),
            )
            .await;
            (s.name.clone(), answer)
        });
        let mut results = serde_json::Map::new();
        let mut unavailable = Vec::new();
        for (name, answer) in futures_util::future::join_all(calls).await {
            match answer {
                Ok(Ok(value)) => {
                    results.insert(name, value);
                }
                Ok(Err(e)) => {
                    tracing::warn!(downstream = %name, error = %e, "downstream service unavailable");
                    unavailable.push(name);
                }
                Err(_) => {
                    tracing::warn!(downstream = %name, "downstream service late");
                    unavailable.push(name);
                }
            }
        }
        (results, unavailable)
    }

    /// The orders list from the orders service's answer (`{"orders": [...]}`), or none.
    pub fn orders_of(results: &serde_json::Map<String, serde_json::Value>) -> Vec<serde_json::Value> {
        results
            .get("orders")
            .and_then(|a| a.get("orders"))
            .and_then(serde_json::Value::as_array)
            .map(|list| list.iter().filter(|o| o.is_object()).cloned().collect())
            .unwrap_or_default()
    }

    /// What a large screen shows (`compact` false): the whole profile and the latest orders as
    /// the services send them; or what a phone shows: the name and, per order, its id, status
    /// and total.
    pub fn shape(
        results: &serde_json::Map<String, serde_json::Value>,
        compact: bool,
        limit: usize,
    ) -> serde_json::Value {
        let orders: Vec<serde_json::Value> = orders_of(results).into_iter().take(limit).collect();
        let profile = results.get("profile").cloned().unwrap_or(serde_json::Value::Null);
        if compact {
            let orders: Vec<serde_json::Value> = orders
                .iter()
                .map(|o| serde_json::json!({"id": o["id"], "status": o["status"], "total": o["total"]}))
                .collect();
            serde_json::json!({"name": profile["name"], "orders": orders})
        } else {
            serde_json::json!({"profile": profile, "orders": orders})
        }
    }

    /// The body as JSON within `max_bytes`: orders are dropped from the end until it fits.
    pub fn fit(mut body: serde_json::Value, max_bytes: usize) -> String {
        let mut text = body.to_string();
        while text.len() > max_bytes {
            let Some(orders) = body["orders"].as_array_mut().filter(|o| !o.is_empty()) else {
                break;
            };
            orders.pop();
            body["truncated"] = serde_json::json!(true);
            text = body.to_string();
        }
        text
    }

    /// Whose page this is: the token's subject, or, for a partner signing with IAM, `?customer=`.
    pub fn caller(request: &Request) -> Option<String> {
        if let Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) = request.request_context_ref()
            && let Some(jwt) = context.authorizer.as_ref().and_then(|a| a.jwt.as_ref())
        {
            return jwt.claims.get("sub").filter(|s| !s.is_empty()).cloned();
        }
        request
            .query_string_parameters_ref()
            .and_then(|q| q.first("customer"))
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
    }

    /// The caller's `x-correlation-id` when it sends one, else the API's request id.
    pub fn correlation_id(request: &Request) -> String {
        let sent = request
            .headers()
            .get("x-correlation-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 128);
        match (sent, request.request_context_ref()) {
            (Some(sent), _) => sent.to_owned(),
            (None, Some(lambda_http::request::RequestContext::ApiGatewayV2(context))) => {
                context.request_id.clone().unwrap_or_default()
            }
            _ => super::correlation_id(request),
        }
    }

    /// Counts the response, and whether it was partial, as one CloudWatch embedded-metric-format
    /// line in the namespace and with the `service` dimension the Powertools runtimes use.
    pub fn record(partial: bool) {
        let namespace = std::env::var("POWERTOOLS_METRICS_NAMESPACE").unwrap_or_else(|_| service().to_owned());
        let line = serde_json::json!({
            "_aws": {
                "Timestamp": now_s() * 1000,
                "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": [["service"]],
                    "Metrics": [{"Name": "Responses", "Unit": "Count"}, {"Name": "PartialResponses", "Unit": "Count"}],
                }],
            },
            "service": service(),
            "Responses": 1,
            "PartialResponses": u8::from(partial),
        });
        println!("{line}");
    }

    /// `GET /home` for one kind of client: the client's shape (`compact` for small screens,
    /// `limit` orders at most), partial when a service failed or was late, 502 when none
    /// answered.
    pub async fn serve<F: Fetch + Sync>(
        deps: &Deps<F>,
        request: Request,
        compact: bool,
        limit: usize,
    ) -> Result<Response<Body>, Error> {
        let correlation_id = correlation_id(&request);
        let span = invocation_span(
            &correlation_id,
            &request.lambda_context_ref().cloned().unwrap_or_default(),
        );
        async move {
            if log_events() {
                tracing::info!(method = %request.method(), path = %request.uri().path(), "request");
            }
            let Some(user) = caller(&request) else {
                return json_response(
                    400,
                    &serde_json::json!({"message": "no customer: send ?customer= with a signed request"}),
                );
            };
            let (results, unavailable) = gather(deps, &user, limit, &correlation_id).await;
            record(!unavailable.is_empty());
            if results.is_empty() {
                return json_response(
                    502,
                    &serde_json::json!({"message": "no downstream service answered", "unavailable": unavailable}),
                );
            }
            let mut body = shape(&results, compact, limit);
            body["partial"] = serde_json::json!(!unavailable.is_empty());
            body["unavailable"] = serde_json::json!(unavailable);
            body["truncated"] = serde_json::json!(false);
            text_response(200, fit(body, deps.max_response_bytes))
        }
        .instrument(span)
        .await
    }
}
{%- if let Some(b) = plan.bff %}{% for c in b.clients %}

/// The {{ c.name }} backend ({{ c.id }}Function): `GET /home` in the {% if c.compact %}compact{% else %}full{% endif %} shape, {{ c.list_limit }} orders at most.
pub mod {{ c.name }} {
    pub use super::bff::Deps;
    use super::bff::{Fetch, serve};

    /// Handles one request.
    pub async fn handle<F: Fetch + Sync>(
        deps: &Deps<F>,
        request: lambda_http::Request,
    ) -> Result<lambda_http::Response<lambda_http::Body>, super::Error> {
        serve(deps, request, {{ c.compact }}, {{ c.list_limit }}).await
    }
}
{%- endfor %}

#[cfg(test)]
mod bff_tests {
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    use super::Error;
    use super::bff::*;
    use super::tests::sample_event;

    /// The shared services, faked: each call recorded; slow or failing when asked.
    #[derive(Default)]
    struct Services {
        delay: Duration,
        failing: Vec<&'static str>,
        calls: Mutex<Vec<(String, String, Duration)>>,
    }

    impl Fetch for Services {
        async fn get(&self, url: &str, correlation_id: &str, timeout: Duration) -> Result<serde_json::Value, Error> {
            self.calls
                .lock()
                .unwrap()
                .push((url.to_owned(), correlation_id.to_owned(), timeout));
            tokio::time::sleep(self.delay).await;
            if self.failing.iter().any(|name| url.contains(&format!("/{name}"))) {
                return Err("timed out".into());
            }
            Ok(if url.contains("/profiles/") {
                serde_json::json!({"id": "user-7f3a2c", "name": "Ada", "email": "ada@example.com"})
            } else {
                let orders: Vec<serde_json::Value> = (0..30).map(|i| serde_json::json!({"id": format!("o-{i}"), "status": "shipped", "total": 10 + i, "lines": [1, 2]})).collect();
                serde_json::json!({"orders": orders})
            })
        }
    }

    fn deps(services: Services) -> Deps<Services> {
        Deps {
            services: vec![
{%- for d in b.downstreams %}
                Service {
                    name: "{{ d.name }}".to_owned(),
                    base: "https://{{ d.name }}.example.com".to_owned(),
                    path: "{{ d.path }}".to_owned(),
                },
{%- endfor %}
            ],
            call_timeout: Duration::from_millis({{ b.call_timeout_ms }}),
            max_response_bytes: {{ b.max_response_bytes }},
            fetch: services,
        }
    }

    fn request(name: &str) -> lambda_http::Request {
        lambda_http::request::from_str(&sample_event(name)).unwrap()
    }

    fn body(response: &lambda_http::Response<lambda_http::Body>) -> serde_json::Value {
        serde_json::from_slice(response.body().as_ref()).unwrap()
    }
{%- for c in b.clients %}

    #[tokio::test]
    async fn the_{{ c.name }}_backend_answers_in_its_own_shape() {
        let response = super::{{ c.name }}::handle(&deps(Services::default()), request("{{ c.name }}"))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body = body(&response);
        assert_eq!(body["partial"], false);
        assert_eq!(body["orders"].as_array().unwrap().len(), {{ c.list_limit }});
{%- if c.compact %}
        assert_eq!(body["name"], "Ada");
        assert_eq!(body["orders"][0].as_object().unwrap().len(), 3);
{%- else %}
        assert_eq!(body["profile"]["email"], "ada@example.com");
        assert_eq!(body["orders"][0]["lines"], serde_json::json!([1, 2]));
{%- endif %}
    }
{%- endfor %}
{%- let first = b.clients[0] %}

    #[tokio::test]
    async fn the_services_are_called_at_once_not_one_after_the_other() {
        let mut d = deps(Services {
            delay: Duration::from_millis(300),
            ..Services::default()
        });
        d.call_timeout = Duration::from_secs(2);
        let started = Instant::now();
        let response = serve(&d, request("{{ first.name }}"), {{ first.compact }}, {{ first.list_limit }}).await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(started.elapsed() < Duration::from_millis(550));
    }

    #[tokio::test]
    async fn a_failed_service_gives_a_partial_answer_not_an_error() {
        let d = deps(Services {
            failing: vec!["orders"],
            ..Services::default()
        });
        let response = serve(&d, request("{{ first.name }}"), {{ first.compact }}, {{ first.list_limit }}).await.unwrap();
        assert_eq!(response.status(), 200);
        let body = body(&response);
        assert_eq!(body["partial"], true);
        assert_eq!(body["unavailable"], serde_json::json!(["orders"]));
        assert_eq!(body["orders"], serde_json::json!([]));
    }

    #[tokio::test]
    async fn a_late_service_is_left_out_at_the_call_timeout() {
        let mut d = deps(Services {
            delay: Duration::from_millis(500),
            ..Services::default()
        });
        d.call_timeout = Duration::from_millis(100);
        let started = Instant::now();
        let response = serve(&d, request("{{ first.name }}"), {{ first.compact }}, {{ first.list_limit }}).await.unwrap();
        assert!(started.elapsed() < Duration::from_millis(400));
        assert_eq!(response.status(), 502);
    }

    #[tokio::test]
    async fn each_call_carries_the_correlation_id_and_the_call_timeout() {
        let d = deps(Services::default());
        serve(&d, request("{{ first.name }}"), {{ first.compact }}, {{ first.list_limit }}).await.unwrap();
        let calls = d.fetch.calls.lock().unwrap();
        assert_eq!(calls.len(), {{ b.downstreams.len() }});
        for (url, correlation_id, timeout) in calls.iter() {
            assert!(url.contains("user-7f3a2c"), "{url}");
            assert_eq!(correlation_id, "c0ffee00-{{ first.name }}-4000-8000-000000000001");
            assert_eq!(*timeout, Duration::from_millis({{ b.call_timeout_ms }}));
        }
    }

    #[tokio::test]
    async fn a_response_over_the_size_limit_is_cut_to_fit() {
        let mut d = deps(Services::default());
        d.max_response_bytes = 600;
        let response = serve(&d, request("{{ first.name }}"), {{ first.compact }}, {{ first.list_limit }}).await.unwrap();
        let body = body(&response);
        assert_eq!(body["truncated"], true);
        let n = body["orders"].as_array().unwrap().len();
        assert!(n > 0 && n < {{ first.list_limit }});
    }

    #[test]
    fn a_caller_id_is_encoded_in_the_url() {
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
        assert_eq!(encode("user-7f3a2c"), "user-7f3a2c");
    }
}
{%- endif %}
