//! The Rust runtime's files: `Cargo.toml`, `src/lib.rs` (every handler's logic and its unit
//! tests) and a thin `src/bin/<handler>.rs` per Lambda function, built by cargo-lambda
//! (`BuildMethod: rust-cargolambda`) on `provided.al2023`.
//!
//! There is no Powertools for Rust, so idempotency, when the plan has it, is a conditional put on
//! the idempotency table; logs are JSON lines from `tracing-subscriber` with the correlation id
//! on a span.

use questionnaires::scaffold::{Auth, Handler, Pattern, Plan};

use super::Files;

/// Methods the templates share.
trait Shape {
    /// The plan.
    fn plan(&self) -> &Plan;

    /// Whether the handlers keep idempotency records.
    fn idem(&self) -> bool {
        self.plan().idempotency.is_some()
    }

    /// Whether the API's callers sign with IAM (their identity is the caller ARN) rather than
    /// send a JWT (their identity is its `sub` claim).
    fn iam_auth(&self) -> bool {
        self.plan()
            .api
            .as_ref()
            .is_some_and(|a| a.auth == Auth::Iam)
    }

    /// The AWS SDK clients the crate needs, as (crate, minimum version).
    fn sdks(&self) -> Vec<(&'static str, &'static str)> {
        let plan = self.plan();
        let mut v = Vec::new();
        if matches!(
            plan.pattern,
            Pattern::Api
                | Pattern::ScheduledJobs
                | Pattern::Saga
                | Pattern::StranglerFig
                | Pattern::Cqrs
                | Pattern::EventSourcing
                | Pattern::CircuitBreaker
        ) || plan.idempotency.is_some()
            || self.approval()
        {
            v.push(("aws-sdk-dynamodb", "1.136"));
        }
        if self.approval() {
            v.push(("aws-sdk-sfn", "1.125"));
            v.push(("aws-sdk-sns", "1.121"));
        } else if self.start_api() {
            v.push(("aws-sdk-sfn", "1.125"));
        }
        match plan.pattern {
            Pattern::S3Events => v.push(("aws-sdk-s3", "1.157")),
            Pattern::ScheduledJobs if self.job_secret() => {
                v.push(("aws-sdk-secretsmanager", "1.125"))
            }
            Pattern::Webhook => {
                v.push(("aws-sdk-secretsmanager", "1.125"));
                v.push(("aws-sdk-sqs", "1.119"));
            }
            Pattern::RealtimeBroadcast => {
                v.push(("aws-sdk-apigatewaymanagement", "1.120"));
                v.push(("aws-sdk-dynamodb", "1.136"));
                v.push(("aws-sdk-sqs", "1.119"));
            }
            _ => {}
        }
        v
    }

    /// Whether the broadcast queue is FIFO (the real-time broadcast's tests).
    fn realtime_ordered(&self) -> bool {
        super::realtime_ordered(self.plan())
    }

    /// The largest message the WebSocket routes accept, in bytes.
    fn realtime_max_bytes(&self) -> u32 {
        super::realtime_max_bytes(self.plan())
    }

    /// The CQRS read model's views (none for other patterns).
    fn cqrs_view_list(&self) -> &[questionnaires::scaffold::View] {
        self.plan()
            .cqrs
            .as_ref()
            .map_or(&[], |c| c.views.as_slice())
    }

    /// Whether the CQRS read model has views besides the read by id.
    fn cqrs_views(&self) -> bool {
        !self.cqrs_view_list().is_empty()
    }

    /// Whether the scheduled job reads its credentials from a secret (JOB_SECRET_ARN).
    fn job_secret(&self) -> bool {
        self.plan().schedule.as_ref().is_some_and(|s| s.secret)
    }

    /// Whether the crate calls AWS at all.
    fn aws(&self) -> bool {
        !self.sdks().is_empty()
    }

    /// The `aws_lambda_events` features the handlers need, as TOML strings.
    fn event_features(&self) -> String {
        let features: &[&str] = match self.plan().pattern {
            Pattern::S3Events => &["s3"],
            Pattern::Fanout | Pattern::Webhook => &["sqs"],
            Pattern::RealtimeBroadcast => &["sqs"],
            Pattern::CircuitBreaker if self.plan().api.is_none() => &["sqs"],
            Pattern::EventBus => &["eventbridge"],
            Pattern::Stream => &["kinesis", "streams"],
            Pattern::Api
            | Pattern::Relational
            | Pattern::Workflow
            | Pattern::ScheduledJobs
            | Pattern::Saga
            | Pattern::StranglerFig
            | Pattern::EventSourcing
            | Pattern::Bff
            | Pattern::CircuitBreaker
            | Pattern::Cqrs
            | Pattern::Containers
            | Pattern::QueueWorker => &[],
        };
        features
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The batch helper the queue consumers use: the FIFO one (it stops at the first failure)
    /// when the plan's queues are FIFO.
    fn batch_fn(&self) -> &'static str {
        if self.plan().fifo.is_some() {
            "sqs_batch_fifo"
        } else {
            "sqs_batch"
        }
    }

    /// Whether the crate hashes: webhook signatures, bodies as idempotency keys (API requests,
    /// fan-out messages) and the CQRS command's item ids.
    fn hashing(&self) -> bool {
        let plan = self.plan();
        matches!(
            plan.pattern,
            Pattern::Webhook | Pattern::Cqrs | Pattern::CircuitBreaker
        ) || (matches!(plan.pattern, Pattern::Api | Pattern::Fanout) && plan.idempotency.is_some())
    }

    /// Whether the state machine runs compensation after a failure.
    fn compensation(&self) -> bool {
        self.plan()
            .workflow
            .as_ref()
            .is_some_and(|w| w.compensation)
    }

    /// Whether the pattern's queue consumers use the shared SQS batch helper.
    fn sqs_batch(&self) -> bool {
        self.plan().pattern.consumes_queue()
    }

    /// Whether the workflow waits for a person (`request_approval` and `decide`).
    fn approval(&self) -> bool {
        self.plan()
            .workflow
            .as_ref()
            .is_some_and(|w| w.approval.is_some())
    }

    /// Whether an HTTP route starts the workflow's executions (`start`).
    fn start_api(&self) -> bool {
        self.plan().workflow.as_ref().is_some_and(|w| w.start_api)
    }

    /// Whether the workflow has functions of its own beyond the plain tasks.
    fn workflow_api(&self) -> bool {
        self.approval() || self.start_api()
    }

    /// Whether a workflow function is a plain task (validate, process, complete, compensate),
    /// rather than the approval step or an API function, which have modules of their own.
    fn workflow_task(&self, name: &str) -> bool {
        !matches!(name, "request_approval" | "start" | "decide")
    }
}

/// `Cargo.toml`.
#[derive(askama::Template)]
#[template(path = "scaffold/rust/Cargo.toml", escape = "none")]
struct CargoToml<'a> {
    plan: &'a Plan,
}

impl Shape for CargoToml<'_> {
    fn plan(&self) -> &Plan {
        self.plan
    }
}

/// `rustfmt.toml`.
#[derive(askama::Template)]
#[template(path = "scaffold/rust/rustfmt.toml", escape = "none")]
struct Rustfmt;

/// `src/lib.rs`.
#[derive(askama::Template)]
#[template(path = "scaffold/rust/lib.rs", escape = "none")]
struct Lib<'a> {
    plan: &'a Plan,
}

impl Shape for Lib<'_> {
    fn plan(&self) -> &Plan {
        self.plan
    }
}

/// `src/bin/<handler>.rs`.
#[derive(askama::Template)]
#[template(path = "scaffold/rust/bin.rs", escape = "none")]
struct Bin<'a> {
    plan: &'a Plan,
    handler: &'a Handler,
}

impl Bin<'_> {
    /// Whether the function is behind the HTTP API (lambda_http rather than lambda_runtime).
    fn http(&self) -> bool {
        matches!(
            (self.plan.pattern, self.handler.name.as_str()),
            (
                Pattern::Api | Pattern::Relational | Pattern::StranglerFig | Pattern::Bff,
                _
            ) | (Pattern::Webhook, "receive")
                | (Pattern::Workflow, "start" | "decide")
                | (Pattern::Cqrs, "command" | "query")
                | (Pattern::EventSourcing, "append")
        ) || (self.plan.pattern == Pattern::CircuitBreaker && self.plan.api.is_some())
    }
}

/// Adds the Rust files of the starter.
pub(super) fn files(plan: &Plan, out: &mut Files) -> Result<(), String> {
    out.add("Cargo.toml", &CargoToml { plan })?;
    out.add("rustfmt.toml", &Rustfmt)?;
    out.add("src/lib.rs", &Lib { plan })?;
    for handler in &plan.handlers {
        out.add(
            &format!("src/bin/{}.rs", handler.name),
            &Bin { plan, handler },
        )?;
    }
    Ok(())
}
