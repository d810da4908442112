{%- if plan.api.is_some() %}{% include "scaffold/rust/http.rs" %}
{% endif %}
/// The `call` function: sends each request to the dependency at `DEPENDENCY_URL` through a
/// circuit breaker kept in the DynamoDB table `BREAKER_TABLE`.
pub mod call {
    use std::time::Duration;
{% if plan.api.is_some() %}
    use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
    use lambda_http::{Body, Request, RequestExt as _, Response};
    use tracing::Instrument as _;

    use super::json_response;
{%- if self.idem() %}
    use super::{Claim, Idempotency, Records, deadline_s};
{%- endif %}
{%- else %}
    use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
    use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
    use lambda_runtime::LambdaEvent;
    use tracing::Instrument as _;
{% if self.idem() %}
    use super::{Claim, Idempotency, Records, deadline_s};
{%- endif %}
{%- endif %}
    use super::{Error, aws_error, env, invocation_span, now_s, sha256_hex};

    /// The breaker's state: one item per dependency (partition key `dependency`).
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct BreakerState {
        /// `closed`, `open` or `half_open`.
        pub state: String,
        /// Failures counted in the window that started at `window_start`.
        pub failures: u64,
        /// When the current window started.
        pub window_start: Option<u64>,
        /// While open: the second the trial may start.
        pub open_until: Option<u64>,
        /// While half-open: the second the trial's hold on the breaker ends.
        pub trial_until: Option<u64>,
    }

    /// A change of the breaker, applied only if its condition still holds.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Transition {
        /// An open breaker whose time is up (`from_open`), or a half-open one whose trial died,
        /// becomes half-open, held by this call until `until`.
        Trial { from_open: bool, seen: u64, until: u64 },
        /// This call's trial succeeded.
        Close { mine: u64, now: u64 },
        /// This call's trial failed.
        Reopen { mine: u64, until: u64 },
        /// One more failure in the window that started at `window`.
        Count { window: u64 },
        /// The first failure of a new window.
        Restart { window: Option<u64>, now: u64 },
        /// The count reached the threshold.
        Open { threshold: u64, until: u64 },
    }

    /// Where the breaker lives: DynamoDB in Lambda, memory in the tests.
    pub trait BreakerStore {
        /// Reads the breaker (strongly consistent), or `None` before its first failure.
        fn read(&self) -> impl Future<Output = Result<Option<BreakerState>, Error>> + Send;
        /// Applies a transition: the state after it, or `None` when its condition did not hold.
        fn apply(&self, t: Transition) -> impl Future<Output = Result<Option<BreakerState>, Error>> + Send;
    }

    /// The breaker item in DynamoDB, changed only by conditional updates.
    pub struct DynamoBreaker {
        client: aws_sdk_dynamodb::Client,
        table: String,
        dependency: String,
    }

    fn number(item: &std::collections::HashMap<String, AttributeValue>, name: &str) -> Option<u64> {
        item.get(name)?.as_n().ok()?.parse().ok()
    }

    fn state_from(item: &std::collections::HashMap<String, AttributeValue>) -> BreakerState {
        BreakerState {
            state: item
                .get("state")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_else(|| "closed".to_owned()),
            failures: number(item, "failures").unwrap_or(0),
            window_start: number(item, "window_start"),
            open_until: number(item, "open_until"),
            trial_until: number(item, "trial_until"),
        }
    }

    /// A transition's update, condition and values.
    fn expressions(t: Transition) -> (&'static str, &'static str, Vec<(&'static str, AttributeValue)>) {
        let n = |v: u64| AttributeValue::N(v.to_string());
        let s = |v: &str| AttributeValue::S(v.to_owned());
        match t {
            Transition::Trial {
                from_open: true,
                seen,
                until,
            } => (
                "SET #state = :half_open, trial_until = :until",
                "#state = :open_state AND open_until = :seen",
                vec![
                    (":half_open", s("half_open")),
                    (":open_state", s("open")),
                    (":seen", n(seen)),
                    (":until", n(until)),
                ],
            ),
            Transition::Trial {
                from_open: false,
                seen,
                until,
            } => (
                "SET #state = :half_open, trial_until = :until",
                "#state = :half_open AND trial_until = :seen",
                vec![(":half_open", s("half_open")), (":seen", n(seen)), (":until", n(until))],
            ),
            Transition::Close { mine, now } => (
                "SET #state = :closed, failures = :zero, window_start = :now REMOVE open_until, trial_until",
                "#state = :half_open AND trial_until = :mine",
                vec![
                    (":closed", s("closed")),
                    (":half_open", s("half_open")),
                    (":zero", n(0)),
                    (":now", n(now)),
                    (":mine", n(mine)),
                ],
            ),
            Transition::Reopen { mine, until } => (
                "SET #state = :open_state, open_until = :until, failures = :zero REMOVE trial_until",
                "#state = :half_open AND trial_until = :mine",
                vec![
                    (":open_state", s("open")),
                    (":half_open", s("half_open")),
                    (":until", n(until)),
                    (":zero", n(0)),
                    (":mine", n(mine)),
                ],
            ),
            Transition::Count { window } => (
                "ADD failures :one",
                "#state = :closed AND window_start = :window",
                vec![(":one", n(1)), (":closed", s("closed")), (":window", n(window))],
            ),
            Transition::Restart { window: None, now } => (
                "SET #state = :closed, failures = :one, window_start = :now",
                "attribute_not_exists(dependency) OR (#state = :closed AND attribute_not_exists(window_start))",
                vec![(":one", n(1)), (":closed", s("closed")), (":now", n(now))],
            ),
            Transition::Restart {
                window: Some(window),
                now,
            } => (
                "SET failures = :one, window_start = :now",
                "#state = :closed AND window_start = :window",
                vec![
                    (":one", n(1)),
                    (":closed", s("closed")),
                    (":now", n(now)),
                    (":window", n(window)),
                ],
            ),
            Transition::Open { threshold, until } => (
                "SET #state = :open_state, open_until = :until, failures = :zero REMOVE trial_until",
                "#state = :closed AND failures >= :threshold",
                vec![
                    (":open_state", s("open")),
                    (":closed", s("closed")),
                    (":until", n(until)),
                    (":zero", n(0)),
                    (":threshold", n(threshold)),
                ],
            ),
        }
    }

    impl BreakerStore for DynamoBreaker {
        async fn read(&self) -> Result<Option<BreakerState>, Error> {
            let output = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("dependency", AttributeValue::S(self.dependency.clone()))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| aws_error("reading the breaker", &e))?;
            Ok(output.item().map(state_from))
        }

        async fn apply(&self, t: Transition) -> Result<Option<BreakerState>, Error> {
            use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
            let (update, condition, values) = expressions(t);
            let mut request = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("dependency", AttributeValue::S(self.dependency.clone()))
                .update_expression(update)
                .condition_expression(condition)
                .expression_attribute_names("#state", "state")
                .return_values(ReturnValue::AllNew);
            for (name, value) in values {
                request = request.expression_attribute_values(name, value);
            }
            match request.send().await {
                Ok(output) => Ok(output.attributes().map(state_from)),
                Err(err) => match err.as_service_error() {
                    Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(None),
                    _ => Err(aws_error("changing the breaker", &err)),
                },
            }
        }
    }

    /// The breaker's settings, from the environment template.yaml sets.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Settings {
        pub failure_threshold: u64,
        pub failure_window_s: u64,
        pub open_s: u64,
        pub trial_lease_s: u64,
    }

    /// Why a call through the breaker did not get an answer.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum CallError {
        /// The breaker turned the call away: the dependency was not called.
        Open { retry_after_s: u64 },
        /// The dependency failed (a timeout, a refused connection, 5XX or 429): counted.
        Failed { timed_out: bool, reason: String },
    }

    impl std::fmt::Display for CallError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                CallError::Open { retry_after_s } => {
                    write!(f, "the circuit breaker is open; retry in {retry_after_s} s")
                }
                CallError::Failed { reason, .. } => write!(f, "the dependency failed: {reason}"),
            }
        }
    }

    impl std::error::Error for CallError {}

    /// How a call got through: as a closed breaker's call, or as the trial holding it.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct Admission {
        pub trial_until: Option<u64>,
        pub window_start: Option<u64>,
    }

    /// Lets a call through, or turns it away with [`CallError::Open`].
    pub async fn admit<B: BreakerStore>(store: &B, settings: &Settings, now: u64) -> Result<Admission, Error> {
        let b = match store.read().await? {
            Some(b) if b.state != "closed" => b,
            closed => {
                let window_start = closed.and_then(|b| b.window_start);
                return Ok(Admission {
                    trial_until: None,
                    window_start,
                });
            }
        };
        let from_open = b.state == "open";
        let seen = if from_open { b.open_until } else { b.trial_until }.unwrap_or(0);
        if now < seen {
            return Err(CallError::Open {
                retry_after_s: (seen - now).max(1),
            }
            .into());
        }
        let until = now + settings.trial_lease_s;
        if store
            .apply(Transition::Trial { from_open, seen, until })
            .await?
            .is_none()
        {
            return Err(CallError::Open {
                retry_after_s: settings.trial_lease_s,
            }
            .into());
        }
        tracing::info!(breaker_event = "trial", "breaker half-open: this call is the trial");
        Ok(Admission {
            trial_until: Some(until),
            window_start: None,
        })
    }

    /// A trial that succeeded closes the breaker; a closed breaker's success writes nothing.
    pub async fn record_success<B: BreakerStore>(store: &B, admission: Admission, now: u64) -> Result<(), Error> {
        if let Some(mine) = admission.trial_until
            && store.apply(Transition::Close { mine, now }).await?.is_some()
        {
            tracing::info!(breaker_event = "closed", "breaker closed: the trial call succeeded");
        }
        Ok(())
    }

    /// Counts a failure; whether it opened the breaker.
    pub async fn record_failure<B: BreakerStore>(
        store: &B,
        settings: &Settings,
        admission: Admission,
        now: u64,
    ) -> Result<bool, Error> {
        let until = now + settings.open_s;
        let opened = if let Some(mine) = admission.trial_until {
            store.apply(Transition::Reopen { mine, until }).await?
        } else {
            let counted = match admission.window_start {
                Some(window) if now < window + settings.failure_window_s => {
                    store.apply(Transition::Count { window }).await?
                }
                window => store.apply(Transition::Restart { window, now }).await?,
            };
            match counted {
                Some(c) if c.failures >= settings.failure_threshold => {
                    store
                        .apply(Transition::Open {
                            threshold: settings.failure_threshold,
                            until,
                        })
                        .await?
                }
                _ => None,
            }
        };
        if opened.is_some() {
            tracing::warn!(
                breaker_event = "opened",
                open_seconds = settings.open_s,
                "breaker opened: calls are turned away until the trial"
            );
        }
        Ok(opened.is_some())
    }

    /// The dependency's side of a call: POSTs a payload with an `Idempotency-Key` header.
    pub trait Dependency {
        /// The answer's status and body (2XX or 4XX), or [`CallError::Failed`].
        fn send(
            &self,
            payload: &serde_json::Value,
            key: &str,
        ) -> impl Future<Output = Result<(u16, serde_json::Value), Error>> + Send;
    }

    /// The dependency over HTTPS (`DEPENDENCY_URL`), cut off after `CALL_TIMEOUT_MS`.
    pub struct HttpDependency {
        agent: ureq::Agent,
        url: String,
    }

    impl HttpDependency {
        /// A client whose every call ends after `timeout`.
        pub fn new(url: String, timeout: Duration) -> Self {
            let agent = ureq::Agent::config_builder()
                .timeout_global(Some(timeout))
                .http_status_as_error(false)
                .build()
                .into();
            Self { agent, url }
        }
    }

    impl Dependency for HttpDependency {
        async fn send(&self, payload: &serde_json::Value, key: &str) -> Result<(u16, serde_json::Value), Error> {
            let (agent, url, body, key) = (
                self.agent.clone(),
                self.url.clone(),
                payload.to_string(),
                key.to_owned(),
            );
            // ureq blocks: the call runs on the blocking pool, within the agent's timeout.
            let answer = tokio::task::spawn_blocking(move || {
                let mut response = agent
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("idempotency-key", &key)
                    .send(body)?;
                let status = response.status().as_u16();
                let text = response.body_mut().read_to_string()?;
                Ok::<_, ureq::Error>((status, text))
            })
            .await?;
            let (status, text) = answer.map_err(|e| CallError::Failed {
                timed_out: matches!(e, ureq::Error::Timeout(_)),
                reason: e.to_string(),
            })?;
            if status >= 500 || status == 429 {
                return Err(CallError::Failed {
                    timed_out: false,
                    reason: format!("answered {status}"),
                }
                .into());
            }
            Ok((
                status,
                serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
            ))
        }
    }

    /// What the function needs, built once per cold start (DynamoDB and HTTPS in Lambda, memory
    /// in the tests).
{%- if self.idem() %}
    pub struct Deps<B = DynamoBreaker, D = HttpDependency, R = Idempotency> {
{%- else %}
    pub struct Deps<B = DynamoBreaker, D = HttpDependency> {
{%- endif %}
        /// The breaker.
        pub breaker: B,
        /// The dependency.
        pub dependency: D,
        /// When the breaker opens and for how long.
        pub settings: Settings,
{%- if self.idem() %}
        /// The idempotency records of requests.
        pub idempotency: R,
{%- endif %}
        /// Seconds since the Unix epoch; the tests move it.
        pub now: fn() -> u64,
    }

    impl Deps {
        /// Reads the function's settings from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            let number = |name: &str| -> Result<u64, Error> {
                Ok(env(name)?.parse::<u64>().map_err(|e| format!("{name}: {e}"))?)
            };
            Ok(Self {
                breaker: DynamoBreaker {
                    client: aws_sdk_dynamodb::Client::new(&config),
                    table: env("BREAKER_TABLE")?,
                    dependency: std::env::var("DEPENDENCY_NAME").unwrap_or_else(|_| "downstream".to_owned()),
                },
                dependency: HttpDependency::new(
                    env("DEPENDENCY_URL")?,
                    Duration::from_millis(number("CALL_TIMEOUT_MS")?),
                ),
                settings: Settings {
                    failure_threshold: number("FAILURE_THRESHOLD")?,
                    failure_window_s: number("FAILURE_WINDOW_S")?,
                    open_s: number("OPEN_SECONDS")?,
                    trial_lease_s: number("TRIAL_LEASE_S")?,
                },
{%- if self.idem() %}
                idempotency: Idempotency::from_env(&config)?,
{%- endif %}
                now: now_s,
            })
        }
    }

    /// Calls the dependency if the breaker lets the call through, and records the outcome.
    pub async fn call_through_breaker<B: BreakerStore, D: Dependency>(
        breaker: &B,
        dependency: &D,
        settings: &Settings,
        now: fn() -> u64,
        payload: &serde_json::Value,
        key: &str,
    ) -> Result<(u16, serde_json::Value), Error> {
        let admission = admit(breaker, settings, now()).await?;
        match dependency.send(payload, key).await {
            Ok(answer) => {
                record_success(breaker, admission, now()).await?;
                Ok(answer)
            }
            Err(e) => {
                if matches!(e.downcast_ref::<CallError>(), Some(CallError::Failed { .. })) {
                    record_failure(breaker, settings, admission, now()).await?;
                }
                Err(e)
            }
        }
    }

    /// The Idempotency-Key the dependency gets: a hash, the same for every retry of one request.
    pub fn dependency_key(parts: &[&str]) -> String {
        sha256_hex(parts.join("\n").as_bytes())
    }
{%- if plan.api.is_some() %}

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

    fn problem(status: u16, message: &str, retry_after_s: Option<u64>) -> Result<Response<Body>, Error> {
        let mut response = json_response(status, &serde_json::json!({ "message": message }))?;
        if let Some(s) = retry_after_s {
            response.headers_mut().insert("retry-after", s.to_string().parse()?);
        }
        Ok(response)
    }

    /// Handles `POST /calls`: 200 with the dependency's answer, 422 when it refuses the request,
    /// 503 with Retry-After while the breaker is open, 504 or 502 when the call times out or
    /// fails. Retrying with the same Idempotency-Key is always safe.
    pub async fn handle<B: BreakerStore, D: Dependency{% if self.idem() %}, R: Records{% endif %}>(
        deps: &Deps<B, D{% if self.idem() %}, R{% endif %}>,
        request: Request,
    ) -> Result<Response<Body>, Error> {
        let context = request.lambda_context_ref().cloned().unwrap_or_default();
        let correlation_id = super::correlation_id(&request);
        let span = invocation_span(&correlation_id, &context);
        async move {
            let Some(caller) = caller(&request) else {
                return problem(401, "the request has no caller identity", None);
            };
            let key = request
                .headers()
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|k| !k.is_empty() && k.len() <= 200)
                .map(str::to_owned);
            let Some(key) = key else {
                return problem(400, "the Idempotency-Key header is required: a new unique value for each request, sent again unchanged when retrying", None);
            };
            let payload: serde_json::Value = match serde_json::from_slice(request.body().as_ref()) {
                Ok(v @ serde_json::Value::Object(_)) => v,
                _ => return problem(400, "the body must be a JSON object", None),
            };
            let dependency_key = dependency_key(&[&caller, &key]);
{%- if self.idem() %}
            let record = format!("call#{dependency_key}");
            let hash = sha256_hex(payload.to_string().as_bytes());
            match deps.idempotency.claim(&record, deadline_s(&context), &hash).await? {
                Claim::Completed(Some(stored)) => return Ok(super::text_response(200, stored)?),
                Claim::Mismatch => return problem(422, "this Idempotency-Key was already used with a different body", None),
                Claim::Completed(None) | Claim::InProgress => {
                    return problem(409, "a request with this Idempotency-Key is still being processed", Some(2));
                }
                Claim::New => {}
            }
{%- endif %}
            let result = call_through_breaker(&deps.breaker, &deps.dependency, &deps.settings, deps.now, &payload, &dependency_key).await;
            match result {
                Ok((status, answer)) => {
                    let body = serde_json::json!({ "dependencyStatus": status, "answer": answer });
                    let code = if status < 400 { 200 } else { 422 };
{%- if self.idem() %}
                    if code == 200 {
                        deps.idempotency.complete(&record, &body.to_string(), &hash).await?;
                    } else {
                        deps.idempotency.release(&record).await?;
                    }
{%- endif %}
                    json_response(code, &body)
                }
                Err(e) => {
{%- if self.idem() %}
                    deps.idempotency.release(&record).await?;
{%- endif %}
                    match e.downcast_ref::<CallError>() {
                        Some(CallError::Open { retry_after_s }) => {
                            tracing::info!(breaker_event = "rejected", "call turned away: the breaker is open");
                            problem(503, "the dependency is failing and calls are paused; retry after Retry-After seconds with the same Idempotency-Key", Some(*retry_after_s))
                        }
                        Some(CallError::Failed { timed_out, reason }) => problem(
                            if *timed_out { 504 } else { 502 },
                            &format!("the dependency failed: {reason}; retry with the same Idempotency-Key"),
                            None,
                        ),
                        None => Err(e),
                    }
                }
            }
        }
        .instrument(span)
        .await
    }
{%- else %}

    /// A queued request: `{"id": "...", "payload": {...}}`; the id is the idempotency key.
    pub fn parse_request(body: Option<&str>) -> Result<(String, serde_json::Value), Error> {
        let value: serde_json::Value = serde_json::from_str(body.unwrap_or_default())?;
        let id = value
            .get("id")
            .and_then(|v| v.as_str())
            .filter(|s| !s.trim().is_empty())
            .ok_or("a message needs a non-empty string \"id\"")?;
        let payload = value
            .get("payload")
            .filter(|p| p.is_object())
            .ok_or("a message needs a JSON object \"payload\"")?;
        Ok((id.to_owned(), payload.clone()))
    }

    /// Handles a batch. While the breaker is open the rest of the batch is left on the queue
    /// uncalled (reported as failures, back after the visibility timeout); a message that failed
    /// otherwise is retried until the redrive policy moves it to the dead-letter queue.
    pub async fn handle<B: BreakerStore, D: Dependency{% if self.idem() %}, R: Records{% endif %}>(
        deps: &Deps<B, D{% if self.idem() %}, R{% endif %}>,
        event: LambdaEvent<SqsEvent>,
    ) -> Result<SqsBatchResponse, Error> {
        let span = invocation_span(&event.context.request_id, &event.context);
{%- if self.idem() %}
        let lock_until = deadline_s(&event.context);
{%- endif %}
        let mut response = SqsBatchResponse::default();
        let mut paused = false;
        for message in event.payload.records {
            let id = message.message_id.clone().unwrap_or_default();
            if paused {
                response.add_failure(id);
                continue;
            }
            let correlation_id = message
                .message_attributes
                .get("correlation_id")
                .and_then(|a| a.string_value.clone())
                .unwrap_or_else(|| id.clone());
            let message_span =
                tracing::info_span!(parent: &span, "message", correlation_id = %correlation_id, message_id = %id);
            let outcome = async {
                let (request_id, payload) = parse_request(message.body.as_deref())?;
                let key = dependency_key(&[&request_id]);
{%- if self.idem() %}
                let record = format!("call#{key}");
                let hash = sha256_hex(payload.to_string().as_bytes());
                match deps.idempotency.claim(&record, lock_until, &hash).await? {
                    Claim::New => {}
                    Claim::Completed(_) => {
                        tracing::info!("duplicate: already called, skipped");
                        return Ok(());
                    }
                    Claim::InProgress | Claim::Mismatch => {
                        return Err("a copy of this message is being processed".into());
                    }
                }
                let result = call_through_breaker(
                    &deps.breaker,
                    &deps.dependency,
                    &deps.settings,
                    deps.now,
                    &payload,
                    &key,
                )
                .await;
                match &result {
                    Ok((status, _)) => deps.idempotency.complete(&record, &status.to_string(), &hash).await?,
                    Err(_) => deps.idempotency.release(&record).await?,
                }
                let (status, _) = result?;
{%- else %}
                let (status, _) = call_through_breaker(
                    &deps.breaker,
                    &deps.dependency,
                    &deps.settings,
                    deps.now,
                    &payload,
                    &key,
                )
                .await?;
{%- endif %}
                tracing::info!(dependency_status = status, "the dependency answered");
                if status >= 400 {
                    // Refused for good (a 4XX): retrying the same request cannot help.
                    tracing::warn!(dependency_status = status, "the dependency refused the request");
                }
                Ok::<(), Error>(())
            }
            .instrument(message_span.clone())
            .await;
            if let Err(e) = outcome {
                if let Some(CallError::Open { retry_after_s }) = e.downcast_ref::<CallError>() {
                    paused = true;
                    message_span.in_scope(|| {
                        tracing::info!(
                            breaker_event = "rejected",
                            retry_after_s,
                            "breaker open: leaving messages on the queue"
                        )
                    });
                } else {
                    message_span.in_scope(|| tracing::error!(error = %e, "message failed; SQS will retry it"));
                }
                response.add_failure(id);
            }
        }
        Ok(response)
    }
{%- endif %}
}

#[cfg(test)]
mod call_tests {
    use std::sync::Mutex;

    use super::Error;
    use super::call::*;
{%- if self.idem() %}
    use super::memory_records::MemoryRecords;
{%- endif %}
    use super::tests::sample_event;

    /// The breaker item in memory, with the conditions the DynamoDB store writes under.
    #[derive(Default)]
    struct MemoryBreaker(Mutex<Option<BreakerState>>);

    impl BreakerStore for MemoryBreaker {
        async fn read(&self) -> Result<Option<BreakerState>, Error> {
            Ok(self.0.lock().unwrap().clone())
        }

        async fn apply(&self, t: Transition) -> Result<Option<BreakerState>, Error> {
            let mut item = self.0.lock().unwrap();
            let b = item.clone();
            let state = |s: &str| b.as_ref().is_some_and(|b| b.state == s);
            let next = match t {
                Transition::Trial { from_open, seen, until } => {
                    let held = b
                        .as_ref()
                        .and_then(|b| if from_open { b.open_until } else { b.trial_until });
                    (state(if from_open { "open" } else { "half_open" }) && held == Some(seen)).then(|| BreakerState {
                        state: "half_open".into(),
                        trial_until: Some(until),
                        ..b.clone().unwrap()
                    })
                }
                Transition::Close { mine, now } => {
                    (state("half_open") && b.as_ref().unwrap().trial_until == Some(mine)).then(|| BreakerState {
                        state: "closed".into(),
                        failures: 0,
                        window_start: Some(now),
                        ..Default::default()
                    })
                }
                Transition::Reopen { mine, until } => {
                    (state("half_open") && b.as_ref().unwrap().trial_until == Some(mine)).then(|| BreakerState {
                        state: "open".into(),
                        open_until: Some(until),
                        trial_until: None,
                        failures: 0,
                        ..b.clone().unwrap()
                    })
                }
                Transition::Count { window } => (state("closed") && b.as_ref().unwrap().window_start == Some(window))
                    .then(|| BreakerState {
                        failures: b.as_ref().unwrap().failures + 1,
                        ..b.clone().unwrap()
                    }),
                Transition::Restart { window, now } => {
                    let ok = match (&b, window) {
                        (None, None) => true,
                        (Some(b), w) => b.state == "closed" && b.window_start == w,
                        (None, Some(_)) => false,
                    };
                    ok.then(|| BreakerState {
                        state: "closed".into(),
                        failures: 1,
                        window_start: Some(now),
                        ..b.clone().unwrap_or_default()
                    })
                }
                Transition::Open { threshold, until } => (state("closed") && b.as_ref().unwrap().failures >= threshold)
                    .then(|| BreakerState {
                        state: "open".into(),
                        open_until: Some(until),
                        failures: 0,
                        trial_until: None,
                        ..b.clone().unwrap()
                    }),
            };
            if let Some(n) = &next {
                *item = Some(n.clone());
            }
            Ok(next)
        }
    }

    /// The dependency, scripted: records every call's key.
    #[derive(Default)]
    struct FakeDependency {
        keys: Mutex<Vec<String>>,
        failing: Mutex<bool>,
        status: Mutex<u16>,
    }

    impl Dependency for FakeDependency {
        async fn send(&self, _payload: &serde_json::Value, key: &str) -> Result<(u16, serde_json::Value), Error> {
            self.keys.lock().unwrap().push(key.to_owned());
            if *self.failing.lock().unwrap() {
                return Err(CallError::Failed {
                    timed_out: true,
                    reason: "no answer".into(),
                }
                .into());
            }
            let status = *self.status.lock().unwrap();
            Ok((
                if status == 0 { 200 } else { status },
                serde_json::json!({"captured": true}),
            ))
        }
    }

    // The plan's threshold is FAILURE_THRESHOLD in template.yaml; three failures exercise the
    // same transitions.
    const SETTINGS: Settings = Settings {
        failure_threshold: 3,
        failure_window_s: {% if let Some(b) = plan.breaker %}{{ b.failure_window_s }}{% endif %},
        open_s: {% if let Some(b) = plan.breaker %}{{ b.open_s }}{% endif %},
        trial_lease_s: {% if let Some(b) = plan.breaker %}{{ b.trial_lease_s }}{% endif %},
    };

    static NOW: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1_795_688_130);

    fn now() -> u64 {
        NOW.load(std::sync::atomic::Ordering::SeqCst)
    }

{%- if self.idem() %}

    type TestDeps = Deps<MemoryBreaker, FakeDependency, MemoryRecords>;
{%- else %}

    type TestDeps = Deps<MemoryBreaker, FakeDependency>;
{%- endif %}

    fn deps() -> TestDeps {
        Deps {
            breaker: MemoryBreaker::default(),
            dependency: FakeDependency::default(),
            settings: SETTINGS,
{%- if self.idem() %}
            idempotency: MemoryRecords::default(),
{%- endif %}
            now,
        }
    }

    #[tokio::test]
    async fn failures_up_to_the_threshold_open_the_breaker_and_only_one_call_takes_the_trial() {
        let breaker = MemoryBreaker::default();
        let t = 1_000;
        let mut opened = false;
        for _ in 0..SETTINGS.failure_threshold {
            let a = admit(&breaker, &SETTINGS, t).await.unwrap();
            opened = record_failure(&breaker, &SETTINGS, a, t).await.unwrap();
        }
        assert!(opened);
        let turned_away = admit(&breaker, &SETTINGS, t).await.unwrap_err();
        assert_eq!(
            turned_away.downcast_ref::<CallError>(),
            Some(&CallError::Open {
                retry_after_s: SETTINGS.open_s
            })
        );
        let trial = admit(&breaker, &SETTINGS, t + SETTINGS.open_s).await.unwrap();
        assert!(admit(&breaker, &SETTINGS, t + SETTINGS.open_s).await.is_err());
        record_success(&breaker, trial, t + SETTINGS.open_s).await.unwrap();
        assert_eq!(breaker.read().await.unwrap().unwrap().state, "closed");
    }

    #[tokio::test]
    async fn a_failed_trial_opens_the_breaker_again_and_a_dead_trial_expires() {
        let breaker = MemoryBreaker(Mutex::new(Some(BreakerState {
            state: "open".into(),
            open_until: Some(50),
            ..Default::default()
        })));
        let trial = admit(&breaker, &SETTINGS, 50).await.unwrap();
        assert_eq!(trial.trial_until, Some(50 + SETTINGS.trial_lease_s));
        assert!(record_failure(&breaker, &SETTINGS, trial, 51).await.unwrap());
        assert_eq!(
            breaker.read().await.unwrap().unwrap().open_until,
            Some(51 + SETTINGS.open_s)
        );
        let t = 51 + SETTINGS.open_s;
        let first = admit(&breaker, &SETTINGS, t).await.unwrap();
        let second = admit(&breaker, &SETTINGS, t + SETTINGS.trial_lease_s).await.unwrap();
        assert!(second.trial_until > first.trial_until);
    }

    #[tokio::test]
    async fn failures_in_an_old_window_do_not_count() {
        let breaker = MemoryBreaker::default();
        for i in 0..SETTINGS.failure_threshold - 1 {
            let a = admit(&breaker, &SETTINGS, i).await.unwrap();
            record_failure(&breaker, &SETTINGS, a, i).await.unwrap();
        }
        let late = SETTINGS.failure_window_s + 10;
        let a = admit(&breaker, &SETTINGS, late).await.unwrap();
        assert!(!record_failure(&breaker, &SETTINGS, a, late).await.unwrap());
        assert_eq!(breaker.read().await.unwrap().unwrap().failures, 1);
    }
{%- if plan.api.is_some() %}

    fn request(key: &str) -> lambda_http::Request {
        let mut event: serde_json::Value = serde_json::from_str(&sample_event("call")).unwrap();
        event["headers"]["idempotency-key"] = key.into();
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    #[tokio::test]
    async fn the_sample_request_is_answered_and_an_open_breaker_answers_503_uncalled() {
        let deps = deps();
        let response = handle(&deps, request("key-1")).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(deps.dependency.keys.lock().unwrap()[0].len(), 64);
        *deps.dependency.failing.lock().unwrap() = true;
        for i in 0..SETTINGS.failure_threshold {
            assert_eq!(handle(&deps, request(&format!("f{i}"))).await.unwrap().status(), 504);
        }
        let calls = deps.dependency.keys.lock().unwrap().len();
        let response = handle(&deps, request("while-open")).await.unwrap();
        assert_eq!(response.status(), 503);
        assert!(response.headers().get("retry-after").is_some());
        assert_eq!(deps.dependency.keys.lock().unwrap().len(), calls);
    }

    #[tokio::test]
    async fn a_refusal_is_422_and_not_counted() {
        let deps = deps();
        *deps.dependency.status.lock().unwrap() = 402;
        for i in 0..=SETTINGS.failure_threshold {
            assert_eq!(handle(&deps, request(&format!("d{i}"))).await.unwrap().status(), 422);
        }
        assert!(deps.breaker.read().await.unwrap().is_none());
    }
{%- if self.idem() %}

    #[tokio::test]
    async fn a_capture_retried_with_the_same_key_is_not_charged_twice() {
        let deps = deps();
        *deps.dependency.failing.lock().unwrap() = true;
        assert_eq!(handle(&deps, request("pay-1")).await.unwrap().status(), 504);
        *deps.dependency.failing.lock().unwrap() = false;
        assert_eq!(handle(&deps, request("pay-1")).await.unwrap().status(), 200);
        let keys = deps.dependency.keys.lock().unwrap().clone();
        assert_eq!(keys[0], keys[1], "the retry sends the dependency the same key");
        assert_eq!(handle(&deps, request("pay-1")).await.unwrap().status(), 200);
        assert_eq!(
            deps.dependency.keys.lock().unwrap().len(),
            2,
            "a repeat after success is not sent"
        );
    }
{%- endif %}
{%- else %}

    fn batch(ids: &[&str]) -> lambda_runtime::LambdaEvent<aws_lambda_events::sqs::SqsEvent> {
        let mut event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&sample_event("call")).unwrap();
        let template = event.records[0].clone();
        event.records = ids
            .iter()
            .map(|id| {
                let mut m = template.clone();
                m.message_id = Some(format!("m-{id}"));
                m.body = Some(serde_json::json!({"id": id, "payload": {"orderId": id}}).to_string());
                m
            })
            .collect();
        lambda_runtime::LambdaEvent::new(event, lambda_runtime::Context::default())
    }

    fn left(response: &aws_lambda_events::sqs::SqsBatchResponse) -> usize {
        response.batch_item_failures.len()
    }

    #[tokio::test]
    async fn the_sample_batch_is_called_and_an_open_breaker_leaves_the_rest_on_the_queue() {
        let deps = deps();
        let event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&sample_event("call")).unwrap();
        let response = handle(
            &deps,
            lambda_runtime::LambdaEvent::new(event, lambda_runtime::Context::default()),
        )
        .await
        .unwrap();
        assert_eq!(left(&response), 0);
        *deps.dependency.failing.lock().unwrap() = true;
        let ids = ["r0", "r1", "r2", "r3", "r4"];
        let response = handle(&deps, batch(&ids)).await.unwrap();
        assert_eq!(left(&response), ids.len());
        assert_eq!(
            deps.dependency.keys.lock().unwrap().len(),
            2 + SETTINGS.failure_threshold as usize
        );
        assert_eq!(deps.breaker.read().await.unwrap().unwrap().state, "open");
    }

    #[tokio::test]
    async fn a_refused_request_is_done_and_a_malformed_message_fails_alone() {
        let deps = deps();
        *deps.dependency.status.lock().unwrap() = 422;
        assert_eq!(left(&handle(&deps, batch(&["a", "b"])).await.unwrap()), 0);
        let mut event = batch(&["c"]);
        event.payload.records[0].body = Some("not json".into());
        assert_eq!(left(&handle(&deps, event).await.unwrap()), 1);
        assert!(deps.breaker.read().await.unwrap().is_none());
    }
{%- endif %}
}
