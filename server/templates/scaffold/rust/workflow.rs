
/// An error a task returns to the state machine: `kind` is the `errorType` that the state
/// machine's Retry and Catch match (`ValidationError`, `ProcessingError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    /// The error name.
    pub kind: &'static str,
    /// What went wrong.
    pub message: String,
}

impl TaskError {
    /// A `ValidationError`: the input is wrong, so retrying cannot help.
    pub fn validation(message: impl Into<String>) -> Self {
        Self {
            kind: "ValidationError",
            message: message.into(),
        }
    }

    /// A `ProcessingError`: the work failed, and may succeed on a retry.
    pub fn processing(message: impl std::fmt::Display) -> Self {
        Self {
            kind: "ProcessingError",
            message: message.to_string(),
        }
    }
}

impl std::fmt::Display for TaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for TaskError {}

impl From<TaskError> for lambda_runtime::Diagnostic {
    fn from(e: TaskError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: e.kind.to_owned(),
            error_message: e.message,
        }
    }
}

/// A task's input: the execution's JSON object, passed from task to task.
pub type State = serde_json::Map<String, serde_json::Value>;

/// The input as an object with a non-empty string `id`, else a `ValidationError`.
pub fn check_input(input: serde_json::Value) -> Result<State, TaskError> {
    let serde_json::Value::Object(state) = input else {
        return Err(TaskError::validation("the input must be a JSON object"));
    };
    match state.get("id").and_then(serde_json::Value::as_str) {
        Some(id) if !id.trim().is_empty() => Ok(state),
        _ => Err(TaskError::validation("the input needs a non-empty string \"id\"")),
    }
}

/// The execution's id field, for logs.
pub fn state_id(state: &State) -> &str {
    state.get("id").and_then(serde_json::Value::as_str).unwrap_or_default()
}

/// The total of the input's `items` (`price` × `quantity` each); a `ProcessingError` when an
/// item has no numeric price or quantity. Replace it with your own work.
pub fn total(state: &State) -> Result<f64, TaskError> {
    let Some(items) = state.get("items") else {
        return Ok(0.0);
    };
    let items = items
        .as_array()
        .ok_or_else(|| TaskError::processing("\"items\" must be a list"))?;
    items.iter().enumerate().try_fold(0.0, |sum, (i, item)| {
        let price = item.get("price").and_then(serde_json::Value::as_f64);
        let quantity = item.get("quantity").and_then(serde_json::Value::as_f64);
        match (price, quantity) {
            (Some(p), Some(q)) if p >= 0.0 && q >= 0.0 => Ok(sum + p * q),
            _ => Err(TaskError::processing(format!(
                "item {i} needs a price and a quantity of 0 or more"
            ))),
        }
    })
}
{%- for h in plan.handlers %}
{%- if self.workflow_task(h.name) %}

/// The `{{ h.name }}` task: {{ h.purpose }}
pub mod {{ h.name }} {
    use lambda_runtime::LambdaEvent;
    use tracing::Instrument as _;
{% if h.name == "process" %}
    use super::total;
{%- if self.idem() %}
    use super::{Error, Idempotency, deadline_s};
{%- endif %}
{%- endif %}
    use super::{State, TaskError, check_input, invocation_span, log_events, state_id};

    /// What the function needs, built once per cold start.
{%- if h.name == "process" && self.idem() %}
    pub struct Deps {
        idempotency: Idempotency,
    }
{%- else %}
    pub struct Deps {}
{%- endif %}

    impl Deps {
        /// Reads the function's settings from the environment.
        pub async fn from_env() -> Result<Self, lambda_runtime::Error> {
{%- if h.name == "process" && self.idem() %}
            let config = aws_config::load_from_env().await;
            Ok(Self {
                idempotency: Idempotency::from_env(&config)?,
            })
{%- else %}
            Ok(Self {})
{%- endif %}
        }
    }

    /// Runs the task on the state machine's input and returns its output.
    pub async fn handle(deps: &Deps, event: LambdaEvent<serde_json::Value>) -> Result<State, TaskError> {
        let span = invocation_span(&event.context.request_id, &event.context);
{%- if h.name == "process" && self.idem() %}
        let lock_until = deadline_s(&event.context);
{%- else %}
        let _ = deps; // Nothing to hold yet: add clients to `Deps` as the work needs them.
{%- endif %}
        async move {
            let state = check_input(event.payload)?;
            if log_events() {
                tracing::info!(id = state_id(&state), input = ?state, "{{ h.name }}");
            } else {
                tracing::info!(id = state_id(&state), "{{ h.name }}");
            }
{%- if h.name == "process" && self.idem() %}
            // A retried task repeats the execution's id: the work runs once, a repeat gets the
            // first output back.
            let key = format!("process#{}", state_id(&state));
            let work = async {
                serde_json::to_string(&run(state.clone())?)
                    .map(Some)
                    .map_err(Error::from)
            };
            let stored = deps
                .idempotency
                .run_once(&key, lock_until, work)
                .await
                .map_err(TaskError::processing)?;
            match stored {
                Some(text) => serde_json::from_str(&text).map_err(TaskError::processing),
                None => run(state),
            }
{%- else %}
            run(state)
{%- endif %}
        }
        .instrument(span)
        .await
    }

    /// The task's work on a checked input.
    pub fn run(mut state: State) -> Result<State, TaskError> {
{%- match h.name.as_str() %}
{%- when "validate" %}
        if state.get("items").is_some_and(|items| !items.is_array()) {
            return Err(TaskError::validation("\"items\" must be a list"));
        }
        state.insert("status".to_owned(), "validated".into());
{%- when "process" %}
        let total = total(&state)?;
        state.insert("total".to_owned(), total.into());
        state.insert("status".to_owned(), "processed".into());
{%- when "complete" %}
        tracing::info!(id = state_id(&state), "execution finished");
        state.insert("status".to_owned(), "completed".into());
{%- else %}
        // Undo here what the steps before the failure did (refund, release, cancel), so that
        // running it twice does no harm.
        let failure = state
            .get("error")
            .and_then(|e| e.get("Error"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        tracing::warn!(id = state_id(&state), %failure, "compensating");
        state.insert("status".to_owned(), "compensated".into());
{%- endmatch %}
        Ok(state)
    }
}
{%- endif %}
{%- endfor %}
{%- if self.workflow_api() %}
{% include "scaffold/rust/workflow_api.rs" %}
{%- endif %}

#[cfg(test)]
mod workflow_tests {
    use super::tests::sample_event;
    use super::*;

    fn sample(name: &str) -> State {
        check_input(serde_json::from_str(&sample_event(name)).unwrap()).unwrap()
    }

    #[test]
    fn validate_refuses_an_input_without_an_id() {
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"id": ""}),
            serde_json::json!({"id": 7}),
            serde_json::json!([1]),
        ] {
            let e = check_input(bad).unwrap_err();
            assert_eq!(e.kind, "ValidationError");
        }
        assert_eq!(validate::run(sample("validate")).unwrap()["status"], "validated");
    }

    #[test]
    fn the_error_name_reaches_the_state_machine() {
        let diagnostic: lambda_runtime::Diagnostic = TaskError::validation("no id").into();
        assert_eq!(diagnostic.error_type, "ValidationError");
        assert_eq!(diagnostic.error_message, "no id");
    }

    #[test]
    fn process_totals_the_items() {
        let state = process::run(sample("process")).unwrap();
        assert_eq!(state["status"], "processed");
        assert!(state["total"].as_f64().is_some());
        let mut broken = sample("process");
        broken.insert("items".to_owned(), serde_json::json!([{"price": "free"}]));
        assert_eq!(process::run(broken).unwrap_err().kind, "ProcessingError");
    }

    #[test]
    fn complete_marks_the_execution_done() {
        assert_eq!(complete::run(sample("complete")).unwrap()["status"], "completed");
    }
{%- if self.compensation() %}

    #[test]
    fn compensate_undoes_after_a_failure() {
        let state = compensate::run(sample("compensate")).unwrap();
        assert_eq!(state["status"], "compensated");
        assert!(!state_id(&state).is_empty());
    }
{%- endif %}
}
