{% include "scaffold/rust/http.rs" %}

/// Why a Step Functions call failed, as the API functions answer it.
#[derive(Debug)]
pub enum SfnFailure {
    /// StartExecution: the name was already used with another input.
    AlreadyExists,
    /// SendTaskSuccess/Failure: the execution no longer waits (timed out, stopped, stale token).
    Gone,
    /// Anything else.
    Other(Error),
}

/// The Step Functions calls the API functions make (AWS in Lambda, memory in the tests).
pub trait Executions {
    /// Starts an execution named `name`; the same name with the same input starts nothing new.
    fn start(&self, name: &str, input: &str) -> impl Future<Output = Result<String, SfnFailure>> + Send;
{%- if self.approval() %}
    /// Resumes a waiting step with this output.
    fn succeed(&self, token: &str, output: &str) -> impl Future<Output = Result<(), SfnFailure>> + Send;
    /// Fails a waiting step with this error name and cause.
    fn fail(&self, token: &str, error: &str, cause: &str) -> impl Future<Output = Result<(), SfnFailure>> + Send;
{%- endif %}
}

/// [`Executions`] on Step Functions: the state machine `STATE_MACHINE_ARN` for starts.
pub struct StepFunctions {
    client: aws_sdk_sfn::Client,
    state_machine: Option<String>,
}

impl StepFunctions {
    /// A client; `state_machine` is needed only to start executions.
    pub fn new(config: &aws_config::SdkConfig, state_machine: Option<String>) -> Self {
        Self {
            client: aws_sdk_sfn::Client::new(config),
            state_machine,
        }
    }
}

impl Executions for StepFunctions {
    async fn start(&self, name: &str, input: &str) -> Result<String, SfnFailure> {
        let Some(arn) = &self.state_machine else {
            return Err(SfnFailure::Other("STATE_MACHINE_ARN is not set".into()));
        };
        match self
            .client
            .start_execution()
            .state_machine_arn(arn)
            .name(name)
            .input(input)
            .send()
            .await
        {
            Ok(out) => Ok(out.execution_arn().to_owned()),
            Err(err) => Err(match err.as_service_error() {
                Some(e) if e.is_execution_already_exists() => SfnFailure::AlreadyExists,
                _ => SfnFailure::Other(aws_error("starting an execution", &err)),
            }),
        }
    }
{%- if self.approval() %}

    async fn succeed(&self, token: &str, output: &str) -> Result<(), SfnFailure> {
        match self
            .client
            .send_task_success()
            .task_token(token)
            .output(output)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => Err(match err.as_service_error() {
                Some(e) if e.is_task_timed_out() || e.is_task_does_not_exist() || e.is_invalid_token() => {
                    SfnFailure::Gone
                }
                _ => SfnFailure::Other(aws_error("resuming the execution", &err)),
            }),
        }
    }

    async fn fail(&self, token: &str, error: &str, cause: &str) -> Result<(), SfnFailure> {
        match self
            .client
            .send_task_failure()
            .task_token(token)
            .error(error)
            .cause(cause)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => Err(match err.as_service_error() {
                Some(e) if e.is_task_timed_out() || e.is_task_does_not_exist() || e.is_invalid_token() => {
                    SfnFailure::Gone
                }
                _ => SfnFailure::Other(aws_error("failing the waiting step", &err)),
            }),
        }
    }
{%- endif %}
}

/// Who is calling: {% if self.iam_auth() %}the ARN of the IAM principal that signed the request{% else %}the `sub` claim of the JWT the authorizer checked{% endif %};
/// `None` when the request did not come through the authorizer.
pub fn caller(request: &lambda_http::Request) -> Option<String> {
    use lambda_http::RequestExt as _;
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

/// A request's body as a JSON object, or `None` when it is not one.
pub fn json_object(request: &lambda_http::Request) -> Option<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_slice(request.body().as_ref()).ok()? {
        serde_json::Value::Object(o) => Some(o),
        _ => None,
    }
}
{%- if self.start_api() %}

/// The `start` function (`POST /executions`): starts an execution named by the body's `id`. The
/// same id with the same body again changes nothing (a Standard execution's name is unique for
/// 90 days); the same id with another body answers 409.
pub mod start {
    use lambda_http::{Body, Request, Response};
    use tracing::Instrument as _;

    use super::{
        Error, Executions, SfnFailure, StepFunctions, correlation_id, env, invocation_span, json_object, json_response,
    };

    /// What the function needs: Step Functions (memory in the tests).
    pub struct Deps<E = StepFunctions> {
        /// Starts executions.
        pub executions: E,
    }

    impl Deps {
        /// Reads `STATE_MACHINE_ARN` from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                executions: StepFunctions::new(&config, Some(env("STATE_MACHINE_ARN")?)),
            })
        }
    }

    /// Whether `name` is a Step Functions execution name: 1 to 80 letters, digits, `-` or `_`.
    pub fn valid_name(name: &str) -> bool {
        (1..=80).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    /// Handles a request.
    pub async fn handle<E: Executions>(deps: &Deps<E>, request: Request) -> Result<Response<Body>, Error> {
        use lambda_http::RequestExt as _;
        let span = invocation_span(
            &correlation_id(&request),
            &request.lambda_context_ref().cloned().unwrap_or_default(),
        );
        async move {
            let Some(body) = json_object(&request) else {
                return json_response(
                    400,
                    &serde_json::json!({"message": "the body must be a JSON object, such as {\"id\": \"order-1001\"}"}),
                );
            };
            let Some(id) = body
                .get("id")
                .and_then(serde_json::Value::as_str)
                .filter(|id| valid_name(id))
            else {
                return json_response(
                    400,
                    &serde_json::json!({"message": "\"id\" must be 1 to 80 letters, digits, dashes or underscores"}),
                );
            };
            let input = serde_json::Value::Object(body.clone()).to_string();
            match deps.executions.start(id, &input).await {
                Ok(arn) => {
                    tracing::info!(id, "execution started");
                    json_response(202, &serde_json::json!({"id": id, "executionArn": arn}))
                }
                Err(SfnFailure::AlreadyExists) => json_response(
                    409,
                    &serde_json::json!({"message": format!("{id} was already started with another input")}),
                ),
                Err(SfnFailure::Gone) => Err("StartExecution cannot answer Gone".into()),
                Err(SfnFailure::Other(e)) => Err(e),
            }
        }
        .instrument(span)
        .await
    }
}
{%- endif %}
{%- if self.approval() %}

/// The approval records (DynamoDB in Lambda, memory in the tests): one per waiting execution,
/// keyed by its id, with its task token and status (`pending`, `approved`, `rejected`).
pub trait Approvals {
    /// Records a pending approval's token (replacing an older one); `false` when already decided.
    fn request(&self, id: &str, token: &str, expires_at: u64) -> impl Future<Output = Result<bool, Error>> + Send;
    /// Marks a pending approval decided and returns its token; `None` when none is pending.
    fn decide(
        &self,
        id: &str,
        decision: &str,
        by: &str,
        reason: &str,
    ) -> impl Future<Output = Result<Option<String>, Error>> + Send;
    /// Puts a decided approval back to pending, so the decision can be sent again.
    fn reopen(&self, id: &str, decision: &str) -> impl Future<Output = Result<(), Error>> + Send;
}

/// [`Approvals`] in the DynamoDB table `APPROVALS_TABLE`, every change a conditional write.
pub struct DynamoApprovals {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoApprovals {
    /// Reads `APPROVALS_TABLE`.
    pub fn from_env(config: &aws_config::SdkConfig) -> Result<Self, Error> {
        Ok(Self {
            client: aws_sdk_dynamodb::Client::new(config),
            table: env("APPROVALS_TABLE")?,
        })
    }
}

impl Approvals for DynamoApprovals {
    async fn request(&self, id: &str, token: &str, expires_at: u64) -> Result<bool, Error> {
        use aws_sdk_dynamodb::types::AttributeValue as V;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", V::S(id.to_owned()))
            .item("token", V::S(token.to_owned()))
            .item("status", V::S("pending".to_owned()))
            .item("expiration", V::N(expires_at.to_string()))
            .condition_expression("attribute_not_exists(id) OR #status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", V::S("pending".to_owned()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(err) => Err(aws_error("recording the approval", &err)),
        }
    }

    async fn decide(&self, id: &str, decision: &str, by: &str, reason: &str) -> Result<Option<String>, Error> {
        use aws_sdk_dynamodb::types::{AttributeValue as V, ReturnValue};
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", V::S(id.to_owned()))
            .update_expression("SET #status = :decision, decided_by = :by, reason = :reason")
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":decision", V::S(decision.to_owned()))
            .expression_attribute_values(":by", V::S(by.to_owned()))
            .expression_attribute_values(":reason", V::S(reason.to_owned()))
            .expression_attribute_values(":pending", V::S("pending".to_owned()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => Ok(out
                .attributes()
                .and_then(|a| a.get("token"))
                .and_then(|v| v.as_s().ok())
                .cloned()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(err) => Err(aws_error("recording the decision", &err)),
        }
    }

    async fn reopen(&self, id: &str, decision: &str) -> Result<(), Error> {
        use aws_sdk_dynamodb::types::AttributeValue as V;
        self.client
            .update_item()
            .table_name(&self.table)
            .key("id", V::S(id.to_owned()))
            .update_expression("SET #status = :pending REMOVE decided_by, reason")
            .condition_expression("#status = :decision")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":decision", V::S(decision.to_owned()))
            .expression_attribute_values(":pending", V::S("pending".to_owned()))
            .send()
            .await
            .map_err(|e| aws_error("reopening the approval", &e))?;
        Ok(())
    }
}

/// Tells the approvers an approval waits (SNS in Lambda, memory in the tests).
pub trait Notify {
    /// Announces the approval of execution `id`.
    fn notify(&self, id: &str) -> impl Future<Output = Result<(), Error>> + Send;
}

/// [`Notify`] through the SNS topic `APPROVAL_TOPIC_ARN`: the execution's id, never its token.
pub struct ApprovalTopic {
    client: aws_sdk_sns::Client,
    topic: String,
}

impl Notify for ApprovalTopic {
    async fn notify(&self, id: &str) -> Result<(), Error> {
        let message = serde_json::json!({"id": id, "decide": format!("POST /approvals/{id}")});
        self.client
            .publish()
            .topic_arn(&self.topic)
            .subject("Approval needed")
            .message(message.to_string())
            .send()
            .await
            .map_err(|e| aws_error("asking the approvers", &e))?;
        Ok(())
    }
}

/// The `request_approval` step: records the task token of an execution that waits for a decision
/// and asks the approvers. The token stays in the table: approvers decide by the execution's id.
/// A retried step brings a new token, which replaces the old one while the decision is pending.
pub mod request_approval {
    use lambda_runtime::LambdaEvent;
    use tracing::Instrument as _;

    use super::{
        ApprovalTopic, Approvals, DynamoApprovals, Error, Notify, TaskError, check_input, env, invocation_span, now_s,
        state_id,
    };

    /// What the function needs (AWS in Lambda, memory in the tests).
    pub struct Deps<A = DynamoApprovals, N = ApprovalTopic> {
        /// The approval records.
        pub approvals: A,
        /// Who is told.
        pub notify: N,
        /// How long a record is kept, in seconds (`APPROVAL_TTL_SECONDS`).
        pub ttl_s: u64,
    }

    impl Deps {
        /// Reads `APPROVALS_TABLE`, `APPROVAL_TOPIC_ARN` and `APPROVAL_TTL_SECONDS`.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                approvals: DynamoApprovals::from_env(&config)?,
                notify: ApprovalTopic {
                    client: aws_sdk_sns::Client::new(&config),
                    topic: env("APPROVAL_TOPIC_ARN")?,
                },
                ttl_s: env("APPROVAL_TTL_SECONDS")?
                    .parse()
                    .map_err(|e| format!("APPROVAL_TTL_SECONDS: {e}"))?,
            })
        }
    }

    /// Records the token of `{"input": {...}, "token": "..."}` and tells the approvers.
    pub async fn handle<A: Approvals, N: Notify>(
        deps: &Deps<A, N>,
        event: LambdaEvent<serde_json::Value>,
    ) -> Result<(), TaskError> {
        let span = invocation_span(&event.context.request_id, &event.context);
        async move {
            let mut payload = event.payload;
            let state = check_input(
                payload
                    .get_mut("input")
                    .map(serde_json::Value::take)
                    .unwrap_or_default(),
            )?;
            let Some(token) = payload
                .get("token")
                .and_then(serde_json::Value::as_str)
                .filter(|t| !t.is_empty())
            else {
                return Err(TaskError::validation("the step must pass \"token\": \"$$.Task.Token\""));
            };
            let id = state_id(&state);
            let recorded = deps
                .approvals
                .request(id, token, now_s() + deps.ttl_s)
                .await
                .map_err(TaskError::processing)?;
            if !recorded {
                return Err(TaskError {
                    kind: "ApprovalAlreadyDecided",
                    message: format!("{id} was already decided"),
                });
            }
            deps.notify.notify(id).await.map_err(TaskError::processing)?;
            tracing::info!(id, "approval requested");
            Ok(())
        }
        .instrument(span)
        .await
    }
}

/// The `decide` function (`POST /approvals/{id}` with `{"decision": "approve" | "reject",
/// "reason": "..."}`): records the decision once, then resumes the execution: SendTaskSuccess on
/// approval, SendTaskFailure (error `ApprovalRejected`, which runs the compensation) on rejection.
/// A second decision answers 409; an execution that stopped waiting answers 410.
pub mod decide {
    use lambda_http::{Body, Request, RequestExt as _, Response};
    use tracing::Instrument as _;

    use super::{
        Approvals, DynamoApprovals, Error, Executions, SfnFailure, StepFunctions, caller, correlation_id,
        invocation_span, json_object, json_response,
    };

    /// The longest reason kept with a decision.
    pub const MAX_REASON_LENGTH: usize = 500;

    /// What the function needs (AWS in Lambda, memory in the tests).
    pub struct Deps<A = DynamoApprovals, E = StepFunctions> {
        /// The approval records.
        pub approvals: A,
        /// Resumes executions.
        pub executions: E,
    }

    impl Deps {
        /// Reads `APPROVALS_TABLE`.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                approvals: DynamoApprovals::from_env(&config)?,
                executions: StepFunctions::new(&config, None),
            })
        }
    }

    fn message(status: u16, text: impl Into<String>) -> Result<Response<Body>, Error> {
        json_response(status, &serde_json::json!({"message": text.into()}))
    }

    /// Handles a request.
    pub async fn handle<A: Approvals, E: Executions>(
        deps: &Deps<A, E>,
        request: Request,
    ) -> Result<Response<Body>, Error> {
        let span = invocation_span(
            &correlation_id(&request),
            &request.lambda_context_ref().cloned().unwrap_or_default(),
        );
        async move {
            let id = request.path_parameters_ref().and_then(|p| p.first("id")).unwrap_or_default().to_owned();
            let body = json_object(&request).unwrap_or_default();
            let decision = match body.get("decision").and_then(serde_json::Value::as_str) {
                Some("approve") => "approved",
                Some("reject") => "rejected",
                _ => return message(400, "the body must be {\"decision\": \"approve\"} or {\"decision\": \"reject\", \"reason\": \"...\"}"),
            };
            let reason = match body.get("reason") {
                None => "",
                Some(serde_json::Value::String(r)) if r.len() <= MAX_REASON_LENGTH => r.as_str(),
                Some(_) => return message(400, format!("\"reason\" must be text of at most {MAX_REASON_LENGTH} characters")),
            };
            let Some(by) = caller(&request) else {
                return message(401, "the request has no caller identity");
            };
            let Some(token) = deps.approvals.decide(&id, decision, &by, reason).await? else {
                return message(409, format!("{id} is not waiting for a decision (unknown, or already decided)"));
            };
            let sent = if decision == "approved" {
                let output = serde_json::json!({"decision": decision, "by": by}).to_string();
                deps.executions.succeed(&token, &output).await
            } else {
                deps.executions.fail(&token, "ApprovalRejected", if reason.is_empty() { "rejected" } else { reason }).await
            };
            match sent {
                Ok(()) => {
                    tracing::info!(id, decision, "approval decided");
                    json_response(200, &serde_json::json!({"id": id, "status": decision}))
                }
                Err(SfnFailure::Gone) => message(410, format!("{id} no longer waits: it timed out or stopped")),
                Err(SfnFailure::AlreadyExists) => Err("SendTask cannot answer AlreadyExists".into()),
                Err(SfnFailure::Other(e)) => {
                    deps.approvals.reopen(&id, decision).await?;
                    Err(e)
                }
            }
        }
        .instrument(span)
        .await
    }
}
{%- endif %}

#[cfg(test)]
mod workflow_api_tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use lambda_http::RequestExt as _;

    use super::tests::sample_event;
    use super::*;

    /// Step Functions in memory: the calls made; `fail_next` makes the next call fail so.
    #[derive(Default)]
    struct MemoryExecutions {
        calls: Mutex<Vec<Vec<String>>>,
        started: Mutex<HashMap<String, String>>,
        fail_next: Mutex<Option<&'static str>>,
    }

    impl MemoryExecutions {
        fn failure(&self) -> Option<SfnFailure> {
            self.fail_next.lock().unwrap().take().map(|f| match f {
                "gone" => SfnFailure::Gone,
                other => SfnFailure::Other(other.into()),
            })
        }

        fn calls(&self) -> Vec<Vec<String>> {
            self.calls.lock().unwrap().clone()
        }
    }

    impl Executions for MemoryExecutions {
        async fn start(&self, name: &str, input: &str) -> Result<String, SfnFailure> {
            if let Some(f) = self.failure() {
                return Err(f);
            }
            let mut started = self.started.lock().unwrap();
            match started.get(name) {
                Some(known) if known != input => return Err(SfnFailure::AlreadyExists),
                Some(_) => {}
                None => {
                    started.insert(name.to_owned(), input.to_owned());
                    self.calls
                        .lock()
                        .unwrap()
                        .push(vec!["start".to_owned(), name.to_owned()]);
                }
            }
            Ok(format!("arn:aws:states:us-east-1:123456789012:execution:test:{name}"))
        }
{%- if self.approval() %}

        async fn succeed(&self, token: &str, _output: &str) -> Result<(), SfnFailure> {
            if let Some(f) = self.failure() {
                return Err(f);
            }
            self.calls
                .lock()
                .unwrap()
                .push(vec!["succeed".to_owned(), token.to_owned()]);
            Ok(())
        }

        async fn fail(&self, token: &str, error: &str, cause: &str) -> Result<(), SfnFailure> {
            if let Some(f) = self.failure() {
                return Err(f);
            }
            self.calls.lock().unwrap().push(vec![
                "fail".to_owned(),
                token.to_owned(),
                error.to_owned(),
                cause.to_owned(),
            ]);
            Ok(())
        }
{%- endif %}
    }

    /// A request from a sample event (events/<name>.json), changed by `edit`.
    fn request(name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> lambda_http::Request {
        let mut event: serde_json::Value = serde_json::from_str(&sample_event(name)).unwrap();
        edit(&mut event);
        lambda_http::request::from_str(&event.to_string())
            .unwrap()
            .with_lambda_context(lambda_runtime::Context::default())
    }

    fn parts(response: lambda_http::Response<lambda_http::Body>) -> (u16, serde_json::Value) {
        let body = serde_json::from_slice(response.body().as_ref()).unwrap();
        (response.status().as_u16(), body)
    }
{%- if self.start_api() %}

    #[tokio::test]
    async fn start_starts_one_execution_per_id_and_a_retry_answers_the_same() {
        let deps = start::Deps {
            executions: MemoryExecutions::default(),
        };
        let first = parts(start::handle(&deps, request("start", |_| ())).await.unwrap());
        assert_eq!(first.0, 202);
        let again = parts(start::handle(&deps, request("start", |_| ())).await.unwrap());
        assert_eq!(again, first);
        assert_eq!(
            deps.executions.calls(),
            vec![vec!["start".to_owned(), "order-1001".to_owned()]]
        );
        let other = request("start", |e| e["body"] = r#"{"id": "order-1001", "items": []}"#.into());
        assert_eq!(parts(start::handle(&deps, other).await.unwrap()).0, 409);
    }

    #[tokio::test]
    async fn start_answers_400_to_a_bad_body() {
        let deps = start::Deps {
            executions: MemoryExecutions::default(),
        };
        for bad in [
            "not json",
            "[]",
            r#"{"id": ""}"#,
            r#"{"id": "has space"}"#,
            r#"{"id": 7}"#,
        ] {
            let response = start::handle(&deps, request("start", |e| e["body"] = bad.into()))
                .await
                .unwrap();
            assert_eq!(parts(response).0, 400, "{bad}");
        }
        assert!(deps.executions.calls().is_empty());
    }
{%- endif %}
{%- if self.approval() %}

    /// The approval records in memory, with the DynamoDB implementation's conditions:
    /// id → (token, status).
    #[derive(Default)]
    struct MemoryApprovals(Mutex<HashMap<String, (String, String)>>);

    impl MemoryApprovals {
        fn status(&self, id: &str) -> Option<String> {
            self.0.lock().unwrap().get(id).map(|r| r.1.clone())
        }
    }

    impl Approvals for MemoryApprovals {
        async fn request(&self, id: &str, token: &str, _expires_at: u64) -> Result<bool, Error> {
            let mut rows = self.0.lock().unwrap();
            if rows.get(id).is_some_and(|r| r.1 != "pending") {
                return Ok(false);
            }
            rows.insert(id.to_owned(), (token.to_owned(), "pending".to_owned()));
            Ok(true)
        }

        async fn decide(&self, id: &str, decision: &str, _by: &str, _reason: &str) -> Result<Option<String>, Error> {
            let mut rows = self.0.lock().unwrap();
            match rows.get_mut(id) {
                Some(row) if row.1 == "pending" => {
                    row.1 = decision.to_owned();
                    Ok(Some(row.0.clone()))
                }
                _ => Ok(None),
            }
        }

        async fn reopen(&self, id: &str, decision: &str) -> Result<(), Error> {
            if let Some(row) = self.0.lock().unwrap().get_mut(id).filter(|r| r.1 == decision) {
                row.1 = "pending".to_owned();
            }
            Ok(())
        }
    }

    #[derive(Default)]
    struct MemoryNotify(Mutex<Vec<String>>);

    impl Notify for MemoryNotify {
        async fn notify(&self, id: &str) -> Result<(), Error> {
            self.0.lock().unwrap().push(id.to_owned());
            Ok(())
        }
    }

    fn token() -> String {
        let event: serde_json::Value = serde_json::from_str(&sample_event("request_approval")).unwrap();
        event["token"].as_str().unwrap().to_owned()
    }

    /// An approval waiting for a decision, as the `request_approval` step leaves it.
    async fn waiting() -> decide::Deps<MemoryApprovals, MemoryExecutions> {
        let step = request_approval::Deps {
            approvals: MemoryApprovals::default(),
            notify: MemoryNotify::default(),
            ttl_s: 86_400,
        };
        let payload = serde_json::from_str(&sample_event("request_approval")).unwrap();
        let event = lambda_runtime::LambdaEvent::new(payload, lambda_runtime::Context::default());
        request_approval::handle(&step, event).await.unwrap();
        assert_eq!(step.notify.0.lock().unwrap().clone(), vec!["order-1001".to_owned()]);
        decide::Deps {
            approvals: step.approvals,
            executions: MemoryExecutions::default(),
        }
    }

    #[tokio::test]
    async fn request_approval_records_the_token_and_refuses_a_decided_one() {
        let deps = waiting().await;
        assert_eq!(deps.approvals.0.lock().unwrap().get("order-1001").unwrap().0, token());
        decide::handle(&deps, request("decide", |_| ())).await.unwrap();
        let step = request_approval::Deps {
            approvals: deps.approvals,
            notify: MemoryNotify::default(),
            ttl_s: 60,
        };
        let payload = serde_json::from_str(&sample_event("request_approval")).unwrap();
        let event = lambda_runtime::LambdaEvent::new(payload, lambda_runtime::Context::default());
        let e = request_approval::handle(&step, event).await.unwrap_err();
        assert_eq!(e.kind, "ApprovalAlreadyDecided");
    }

    #[tokio::test]
    async fn approve_resumes_the_execution_once_and_a_second_decision_gets_409() {
        let deps = waiting().await;
        let first = parts(decide::handle(&deps, request("decide", |_| ())).await.unwrap());
        assert_eq!(
            first,
            (200, serde_json::json!({"id": "order-1001", "status": "approved"}))
        );
        assert_eq!(
            parts(decide::handle(&deps, request("decide", |_| ())).await.unwrap()).0,
            409
        );
        assert_eq!(deps.executions.calls(), vec![vec!["succeed".to_owned(), token()]]);
    }

    #[tokio::test]
    async fn reject_fails_the_step_with_approval_rejected() {
        let deps = waiting().await;
        let reject = request("decide", |e| {
            e["body"] = r#"{"decision": "reject", "reason": "over budget"}"#.into()
        });
        assert_eq!(parts(decide::handle(&deps, reject).await.unwrap()).0, 200);
        let expected = vec![vec![
            "fail".to_owned(),
            token(),
            "ApprovalRejected".to_owned(),
            "over budget".to_owned(),
        ]];
        assert_eq!(deps.executions.calls(), expected);
        assert_eq!(deps.approvals.status("order-1001").as_deref(), Some("rejected"));
    }

    #[tokio::test]
    async fn a_bad_or_unknown_decision_leaves_the_execution_alone() {
        let deps = waiting().await;
        for bad in [
            "{}",
            r#"{"decision": "maybe"}"#,
            r#"{"decision": "reject", "reason": 5}"#,
        ] {
            let response = decide::handle(&deps, request("decide", |e| e["body"] = bad.into()))
                .await
                .unwrap();
            assert_eq!(parts(response).0, 400, "{bad}");
        }
        let unknown = request("decide", |e| e["pathParameters"]["id"] = "order-9999".into());
        assert_eq!(parts(decide::handle(&deps, unknown).await.unwrap()).0, 409);
        assert!(deps.executions.calls().is_empty());
        assert_eq!(deps.approvals.status("order-1001").as_deref(), Some("pending"));
    }

    #[tokio::test]
    async fn a_failed_resume_reopens_and_a_stopped_execution_gets_410() {
        let deps = waiting().await;
        *deps.executions.fail_next.lock().unwrap() = Some("throttled");
        assert!(decide::handle(&deps, request("decide", |_| ())).await.is_err());
        assert_eq!(deps.approvals.status("order-1001").as_deref(), Some("pending"));
        *deps.executions.fail_next.lock().unwrap() = Some("gone");
        assert_eq!(
            parts(decide::handle(&deps, request("decide", |_| ())).await.unwrap()).0,
            410
        );
    }
{%- endif %}
}
