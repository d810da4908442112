//! The scaffold plan: what a starter project builds in, and which answer asked for each setting.
//!
//! [`plan`] is pure: the same review, pattern and runtime always give the same [`Plan`]. The server
//! renders a starter project (SAM template, handlers, tests, README, CI) from it; nothing in the
//! rendering decides a setting. Each setting comes with the answers it came from, so the starter's
//! README can show "your answer → this setting" for every control.
//!
//! Where an answer describes a requirement (a duration, a peak rate, how costly a duplicate is),
//! the setting follows it. Where an answer describes a risky habit (no tracing, no budget), the
//! starter applies the improvement and says so.
//!
//! Where things are: this file holds the plan's types ([`Plan`] and its parts); `choice.rs` what
//! to scaffold ([`Pattern`], [`Runtime`], [`Iac`], [`Choice`], [`PlanError`], [`default_pattern`]);
//! `build.rs` [`plan`] itself, with the handlers of each pattern and [`project_name`]; `reader.rs`
//! how answers, their origins and the content's quotas are read; `containers.rs` the plan of
//! the containers patterns ([`Container`]); `relational.rs` the relational API's database
//! ([`Relational`]); `event_sourcing.rs` the event store and its projections ([`EventSourcing`]);
//! `realtime.rs` the WebSocket API and broadcaster ([`Realtime`]); `bff.rs` the backends for
//! frontend ([`Bff`]); `breaker.rs` the circuit breaker ([`Breaker`]); `cqrs.rs` the CQRS
//! starter's models, views and projector ([`Cqrs`]); `entry.rs` the entry points the review
//! names ([`EntryPoint`]) and the schedule that starts a bus, state machine or stream
//! ([`ScheduledStart`]); `fifo.rs` message order in the queue starters ([`Fifo`]).

mod bff;
mod breaker;
mod build;
mod choice;
mod containers;
mod cqrs;
mod entry;
mod event_sourcing;
mod fifo;
mod needs;
mod reader;
mod realtime;
mod relational;
mod saga;
mod schedule;
mod strangler;
mod watch;

use serde::{Deserialize, Serialize};

pub use bff::{Bff, BffClient, Downstream};
pub use breaker::{Breaker, Caller};
pub use build::{plan, project_name};
pub use choice::{Choice, Iac, Pattern, PlanError, Runtime, default_pattern};
pub use containers::{Container, JobQueue, Schedule as TaskSchedule, Shape, Web};
pub use cqrs::{Cqrs, View};
pub use entry::{EntryPoint, ScheduledStart, StartTarget};
pub use event_sourcing::{EventSourcing, Feed};
pub use fifo::{DEFAULT_GROUP_FIELD, FIFO_TOPIC_SUBSCRIPTIONS, Fifo, fifo_digest};
pub use realtime::Realtime;
pub use relational::Relational;
pub use saga::{Saga, SagaStep};
pub use schedule::{Cadence, Schedule};
pub use strangler::{MigratedRoute, Strangler};
pub use watch::{ErrorRate, Watch};

/// One answer a setting came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    /// Question id.
    pub question: String,
    /// Question title.
    pub title: String,
    /// The answer as a person reads it, or "not answered".
    pub answer: String,
    /// Whether the question has an answer (not applicable counts as none).
    pub answered: bool,
}

/// One control built into the starter, for the README's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Control {
    /// Stable id, such as `timeout`.
    pub id: String,
    /// What it is, such as "Function timeout".
    pub title: String,
    /// The setting as it appears in the starter, such as "Timeout: 6 s".
    pub setting: String,
    /// Why this value, in one sentence.
    pub why: String,
    /// The answers it came from; empty when only the pattern asks for it.
    pub from: Vec<Origin>,
}

/// Function settings shared by every function in the starter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// Memory in MB.
    pub memory_mb: u32,
    /// Timeout in seconds.
    pub timeout_s: u32,
    /// `arm64` or `x86_64`.
    pub architecture: String,
    /// The reserved concurrency to set in production; none leaves it unset.
    pub reserved_concurrency: Option<u32>,
    /// Expected concurrent executions at peak, from the concurrency check.
    pub peak_concurrency: Option<u32>,
    /// Days to keep logs.
    pub log_retention_days: u32,
    /// The default log level (`INFO`), overridable per stage.
    pub log_level: String,
    /// Whether handlers may log event payloads (never, when the review says logs must be redacted).
    pub log_events: bool,
}

/// Idempotency: a record per request key, so a retry cannot repeat a side effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Idempotency {
    /// How long a key is remembered, in seconds.
    pub ttl_s: u32,
}

/// The path a failed event takes instead of being lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// Receives before a message moves to the dead-letter queue.
    pub max_receive_count: u32,
    /// Retries of an asynchronous invocation or a stream batch.
    pub retry_attempts: u32,
    /// The oldest event still worth retrying, in seconds.
    pub max_event_age_s: u32,
    /// Days a dead-lettered message is kept (SQS allows up to 14).
    pub dlq_retention_days: u32,
}

/// An SQS queue in front of a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    /// Visibility timeout, at least six times the function timeout.
    pub visibility_timeout_s: u32,
    /// Messages per batch.
    pub batch_size: u32,
    /// The most concurrent functions the event source mapping starts (2–1000).
    pub max_concurrency: u32,
}

/// How an HTTP API authorizes callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// JWT authorizer (issuer and audience are parameters).
    Jwt,
    /// IAM (SigV4) authorization, for machine callers.
    Iam,
    /// An HMAC signature checked by the function, for webhook senders.
    Signature,
}

/// An HTTP API entry point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Api {
    /// How callers are authorized.
    pub auth: Auth,
    /// Steady-state request rate limit, per second.
    pub throttle_rate: u32,
    /// Burst limit.
    pub throttle_burst: u32,
}

/// A Kinesis stream and its consumer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stream {
    /// Provisioned shards.
    pub shards: u32,
    /// Records per batch.
    pub batch_size: u32,
    /// Concurrent batches per shard (1–10); ordering per key holds at any value.
    pub parallelization: u32,
    /// Hours the stream keeps records (24 to 8,760), from the replay window.
    pub retention_hours: u32,
    /// Independent readers, each its own function with its own event source mapping.
    pub consumers: u32,
    /// Whether each reader has an enhanced fan-out consumer (its own 2 MB/s per shard).
    pub enhanced_fan_out: bool,
}

/// A Step Functions state machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    /// `STANDARD` or `EXPRESS`.
    pub kind: String,
    /// Whether a failed step runs compensating actions for the steps before it.
    pub compensation: bool,
    /// Each task's timeout, in seconds.
    pub task_timeout_s: u32,
    /// The whole execution's timeout, in seconds.
    pub timeout_s: u32,
    /// Retries per task.
    pub max_attempts: u32,
    /// Backoff multiplier between retries (at least 1).
    pub backoff_rate: f64,
    /// A step that waits on a task token for a person's decision, when the process has one.
    pub approval: Option<Approval>,
    /// Whether an HTTP API route starts executions (the review names an HTTP entry point).
    pub start_api: bool,
}

/// A workflow step that pauses on a task token until a person approves or rejects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    /// How long the step waits for the decision, in seconds; then it fails with States.Timeout.
    pub timeout_s: u32,
}

/// An EventBridge bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bus {
    /// Archive retention in days for replay (0 keeps events forever); none means no archive.
    pub archive_days: Option<u32>,
}

/// One Lambda function of the starter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handler {
    /// Its name in code: the handler function, the Rust binary, the file stem (`snake_case`).
    pub name: String,
    /// Its CloudFormation logical id, such as `ReceiveFunction`.
    pub logical_id: String,
    /// What it does, in one sentence.
    pub purpose: String,
    /// Whether it records idempotency keys (so it, and only it, may use the idempotency table).
    pub idempotent: bool,
}

/// One CloudWatch alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// Stable id, such as `errors`.
    pub id: String,
    /// What it watches.
    pub title: String,
}

/// Everything a starter project builds in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The pattern.
    pub pattern: Pattern,
    /// Its name.
    pub pattern_name: String,
    /// Whether the pattern was chosen by hand rather than taken from the top recommendation.
    pub chosen: bool,
    /// Its rank in the review, when ranked.
    pub rank: Option<usize>,
    /// The handlers' language.
    pub runtime: Runtime,
    /// The IaC format.
    pub iac: Iac,
    /// The workload's name.
    pub workload: String,
    /// A lower-case, dash-separated project and stack name.
    pub project: String,
    /// Function settings.
    pub function: Function,
    /// The functions, in the order they run.
    pub handlers: Vec<Handler>,
    /// Idempotency, when duplicates hurt.
    pub idempotency: Option<Idempotency>,
    /// The failure path, for asynchronous patterns.
    pub failure: Option<Failure>,
    /// The queue in front of the worker, for queue-fed patterns.
    pub queue: Option<Queue>,
    /// The HTTP API, for HTTP entry points.
    pub api: Option<Api>,
    /// The stream, for the Kinesis pattern.
    pub stream: Option<Stream>,
    /// The state machine, for the Step Functions pattern.
    pub workflow: Option<Workflow>,
    /// The bus, for the EventBridge pattern.
    pub bus: Option<Bus>,
    /// The schedule, for the scheduled-jobs pattern.
    pub schedule: Option<Schedule>,
    /// The steps and compensations, for the saga pattern (its state machine is `workflow`).
    pub saga: Option<Saga>,
    /// The facade's routes, timeouts and throttles, for the strangler fig pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strangler: Option<Strangler>,
    /// The two APIs' throttles, the models' ceilings and views, and the projector, for the CQRS
    /// pattern (see `cqrs.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cqrs: Option<Cqrs>,
    /// The WebSocket API, its throttles and the broadcaster's fan-out, for the real-time
    /// broadcast pattern (see `realtime.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realtime: Option<Realtime>,
    /// The call timeout, thresholds and fallback, for the circuit breaker pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaker: Option<Breaker>,
    /// Whether data is encrypted with a customer-managed KMS key (otherwise AWS-managed keys).
    pub customer_key: bool,
    /// Whether the secret the function needs lives in Secrets Manager.
    pub secret: bool,
    /// CodeDeploy preference: `Canary10Percent5Minutes` or `AllAtOnce`.
    pub deployment: String,
    /// Alarms, each notifying the alarm topic.
    pub alarms: Vec<Alarm>,
    /// The alarms' thresholds and the dashboard.
    pub watch: Watch,
    /// Monthly budget in USD.
    pub budget_usd: u32,
    /// The serverless cost estimate the budget came from, when there is one.
    pub estimate_usd: Option<f64>,
    /// Every control, with the answers it came from.
    pub controls: Vec<Control>,
    /// Why the review argues against this starter, when it does: shown before anything else on
    /// the starter page, on the command line's stderr and at the top of the README.
    pub caution: Option<Caution>,
    /// The containers' settings, for a containers pattern (see `containers.rs`); the function
    /// settings above are then not rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// The database, proxy and connection budget, for the relational API pattern (see
    /// `relational.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relational: Option<Relational>,
    /// The event store, its feed, projections and snapshots, for the event sourcing pattern
    /// (see `event_sourcing.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_sourcing: Option<EventSourcing>,
    /// The backends, one per kind of client, for the backend-for-frontend pattern (see `bff.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bff: Option<Bff>,
    /// The schedule that starts this starter's own entry (bus, state machine or stream) when the
    /// review names a schedule as an entry point (see `entry.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_start: Option<ScheduledStart>,
    /// Each entry point the review names, and where this starter wires it or why it does not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry_points: Vec<EntryPoint>,
    /// FIFO queues (and topic) keeping events in order, for the webhook buffer and the fan-out
    /// when the review needs order (see `fifo.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fifo: Option<Fifo>,
}

/// The review's own words against a starter: its verdict, the blockers that stand, and what
/// that means for the project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Caution {
    /// The verdict's label ("Use containers", "Fits, with blockers").
    pub verdict: String,
    /// The verdict's sentence.
    pub detail: String,
    /// Each blocker, in words.
    pub blockers: Vec<String>,
    /// What it means for this starter.
    pub advice: String,
}
