//! What to scaffold: the patterns that have a starter, the handlers' runtime, the IaC format,
//! the [`Choice`] of all three, why no plan could be made, and which pattern is picked when none
//! is chosen.

use serde::{Deserialize, Serialize};

use crate::evaluate::Evaluation;

/// A pattern that has a starter project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// API Gateway (HTTP API) → Lambda → DynamoDB.
    #[serde(rename = "api_lambda_dynamodb")]
    Api,
    /// S3 upload → event → Lambda, writing to a separate output prefix.
    #[serde(rename = "s3_event_processing")]
    S3Events,
    /// SNS topic → one SQS queue per subscriber → Lambda.
    #[serde(rename = "sns_sqs_fanout")]
    Fanout,
    /// A custom EventBridge bus with rules.
    #[serde(rename = "eventbridge_bus")]
    EventBus,
    /// A Step Functions state machine calling Lambda tasks.
    #[serde(rename = "step_functions_orchestration")]
    Workflow,
    /// Kinesis Data Streams → Lambda.
    #[serde(rename = "kinesis_stream_processing")]
    Stream,
    /// An HTTP API facade: `$default` proxies to the legacy system, migrated routes to new functions.
    #[serde(rename = "strangler_fig")]
    StranglerFig,
    /// A function that calls an unreliable dependency through a breaker kept in DynamoDB, fed
    /// by an HTTP API or by a queue, as the answers say.
    #[serde(rename = "circuit_breaker")]
    CircuitBreaker,
    /// HTTP API → receiver Lambda → SQS → worker Lambda.
    #[serde(rename = "webhook_sqs_buffer")]
    Webhook,
    /// EventBridge Scheduler → a job function, once per scheduled time, never overlapping.
    #[serde(rename = "scheduled_jobs")]
    ScheduledJobs,
    /// A Standard state machine running steps that each have a compensating step.
    #[serde(rename = "saga")]
    Saga,
    /// An HTTP service on ECS Fargate behind an Application Load Balancer.
    #[serde(rename = "containers_fargate")]
    Containers,
    /// SQS (or a schedule) → container workers on ECS Fargate.
    #[serde(rename = "queue_worker_containers")]
    QueueWorker,
    /// HTTP API → Lambda in a VPC → RDS Proxy → Aurora PostgreSQL Serverless v2.
    #[serde(rename = "relational_api")]
    Relational,
    /// A command API writing a DynamoDB write model, a stream projector keeping a read model,
    /// and a query API reading only the read model.
    #[serde(rename = "cqrs")]
    Cqrs,
    /// HTTP API → append function → DynamoDB event store → its change feed → projection functions.
    #[serde(rename = "event_sourcing")]
    EventSourcing,
    /// API Gateway WebSocket API → connection functions; SQS → a broadcaster posting to each
    /// connection of a channel.
    #[serde(rename = "realtime_broadcast")]
    RealtimeBroadcast,
    /// One HTTP API and one function per kind of client, each calling the shared services at once.
    #[serde(rename = "bff")]
    Bff,
}

impl Pattern {
    /// Every pattern with a starter, in catalogue order.
    pub const ALL: [Pattern; 18] = [
        Pattern::Api,
        Pattern::S3Events,
        Pattern::Fanout,
        Pattern::EventBus,
        Pattern::Workflow,
        Pattern::Stream,
        Pattern::EventSourcing,
        Pattern::Cqrs,
        Pattern::Saga,
        Pattern::CircuitBreaker,
        Pattern::StranglerFig,
        Pattern::Bff,
        Pattern::Webhook,
        Pattern::ScheduledJobs,
        Pattern::Containers,
        Pattern::Relational,
        Pattern::RealtimeBroadcast,
        Pattern::QueueWorker,
    ];

    /// The pattern id in the questionnaire.
    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::Api => "api_lambda_dynamodb",
            Pattern::S3Events => "s3_event_processing",
            Pattern::Fanout => "sns_sqs_fanout",
            Pattern::EventBus => "eventbridge_bus",
            Pattern::Workflow => "step_functions_orchestration",
            Pattern::Stream => "kinesis_stream_processing",
            Pattern::Webhook => "webhook_sqs_buffer",
            Pattern::ScheduledJobs => "scheduled_jobs",
            Pattern::Saga => "saga",
            Pattern::StranglerFig => "strangler_fig",
            Pattern::CircuitBreaker => "circuit_breaker",
            Pattern::Containers => "containers_fargate",
            Pattern::QueueWorker => "queue_worker_containers",
            Pattern::Relational => "relational_api",
            Pattern::Cqrs => "cqrs",
            Pattern::EventSourcing => "event_sourcing",
            Pattern::RealtimeBroadcast => "realtime_broadcast",
            Pattern::Bff => "bff",
        }
    }

    /// Parses a pattern id.
    pub fn parse(s: &str) -> Option<Pattern> {
        Pattern::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Whether the starter runs containers on ECS Fargate (a CloudFormation template, an image and
    /// an app) rather than Lambda functions in a SAM template.
    pub fn containers(self) -> bool {
        matches!(self, Pattern::Containers | Pattern::QueueWorker)
    }

    /// Whether callers wait on the function (an HTTP entry point with no queue behind it). The
    /// circuit breaker is either, as the answers say: see `Plan::api`.
    pub fn synchronous(self) -> bool {
        matches!(
            self,
            Pattern::Api
                | Pattern::Relational
                | Pattern::StranglerFig
                | Pattern::Bff
                | Pattern::Cqrs
        )
    }

    /// Whether a Lambda function reads from an SQS queue.
    pub fn consumes_queue(self) -> bool {
        matches!(
            self,
            Pattern::Fanout | Pattern::Webhook | Pattern::RealtimeBroadcast
        )
    }

    /// Whether an HTTP API is the entry point.
    pub fn has_api(self) -> bool {
        matches!(
            self,
            Pattern::Api
                | Pattern::Webhook
                | Pattern::Relational
                | Pattern::StranglerFig
                | Pattern::Cqrs
                | Pattern::EventSourcing
                | Pattern::Bff
        )
    }
}

/// The language of the handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    /// Python with Powertools for AWS Lambda.
    Python,
    /// TypeScript with Powertools for AWS Lambda, bundled by esbuild.
    Typescript,
    /// Rust with lambda_runtime, on `provided.al2023`.
    Rust,
}

impl Runtime {
    /// Every runtime.
    pub const ALL: [Runtime; 3] = [Runtime::Python, Runtime::Typescript, Runtime::Rust];

    /// The id used in URLs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Python => "python",
            Runtime::Typescript => "typescript",
            Runtime::Rust => "rust",
        }
    }

    /// Parses a runtime id.
    pub fn parse(s: &str) -> Option<Runtime> {
        Runtime::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The name a person reads.
    pub fn title(self) -> &'static str {
        match self {
            Runtime::Python => "Python 3.13",
            Runtime::Typescript => "TypeScript (Node.js 22)",
            Runtime::Rust => "Rust (provided.al2023)",
        }
    }

    /// The runtime the review's answer to "runtime" names, when a starter is written in it
    /// (Node.js is written in TypeScript). `None` when unanswered or in a language with no
    /// starter (Java, .NET, Go, Ruby).
    pub fn answered(answers: &crate::answers::Answers) -> Option<Runtime> {
        let crate::answers::AnswerValue::Choices(choices) = &answers.get("runtime")?.value else {
            return None;
        };
        choices.iter().find_map(|c| match c.as_str() {
            "python" => Some(Runtime::Python),
            "nodejs" => Some(Runtime::Typescript),
            "rust" => Some(Runtime::Rust),
            _ => None,
        })
    }

    /// The Lambda runtime identifier.
    pub fn lambda_runtime(self) -> &'static str {
        match self {
            Runtime::Python => "python3.13",
            Runtime::Typescript => "nodejs22.x",
            Runtime::Rust => "provided.al2023",
        }
    }
}

/// The infrastructure-as-code format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Iac {
    /// AWS SAM (a CloudFormation transform).
    Sam,
    /// An AWS CDK app in TypeScript that synthesizes the same stack.
    Cdk,
}

impl Iac {
    /// Every format.
    pub const ALL: [Iac; 2] = [Iac::Sam, Iac::Cdk];

    /// The id used in URLs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Iac::Sam => "sam",
            Iac::Cdk => "cdk",
        }
    }

    /// The format's name in prose.
    pub fn title(self) -> &'static str {
        match self {
            Iac::Sam => "AWS SAM",
            Iac::Cdk => "the AWS CDK (TypeScript)",
        }
    }

    /// Parses an IaC id.
    pub fn parse(s: &str) -> Option<Iac> {
        Iac::ALL.into_iter().find(|i| i.as_str() == s)
    }
}

/// What to scaffold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The pattern; none means the best-ranked pattern that has a starter.
    pub pattern: Option<Pattern>,
    /// The handlers' language.
    pub runtime: Runtime,
    /// The IaC format.
    pub iac: Iac,
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// No pattern was chosen, and no pattern with a starter ranks positively.
    NoPattern,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::NoPattern => f.write_str(
                "no pattern with a starter fits this review yet: choose one, or answer more questions",
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// The best-ranked pattern that has a starter and a positive score.
pub fn default_pattern(evaluation: &Evaluation) -> Option<Pattern> {
    evaluation
        .recommendations
        .iter()
        .filter(|r| r.scaffold && r.score > 0.0)
        .find_map(|r| Pattern::parse(r.pattern.as_str()))
}
