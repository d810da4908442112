//! The infrastructure and repository files every starter shares, whatever its runtime:
//! `template.yaml` (AWS SAM), `statemachine/workflow.asl.json` (Step Functions only),
//! `samconfig.toml`, `README.md`, `.checkov.yaml`, the CI workflow with its zizmor policy, and
//! `.gitignore`.
//!
//! Every value comes from the [`Plan`]. The state machine's ASL is parsed and checked with
//! [`super::asl::check`] before it is added, so a broken graph never ships.

use askama::Template;
use questionnaires::scaffold::{
    Api, Auth, Bus, Failure, Feed, Handler, Iac, Pattern, Plan, Queue, Runtime, Schedule,
    StartTarget, Stream, Workflow,
};

use super::Files;
use crate::report::md_escape::{self, filters};

mod bff;
mod breaker;
mod cqrs;
mod event_sourcing;
mod realtime;
mod strangler;

pub(super) use cqrs::dashboard_backlog as cqrs_backlog;

/// Settings a pattern does not use: the template never reads them for that pattern, and
/// [`files`] refuses a plan that lacks a setting its pattern needs.
static NO_FAILURE: Failure = Failure {
    max_receive_count: 0,
    retry_attempts: 0,
    max_event_age_s: 0,
    dlq_retention_days: 0,
};
static NO_QUEUE: Queue = Queue {
    visibility_timeout_s: 0,
    batch_size: 0,
    max_concurrency: 0,
};
static NO_STREAM: Stream = Stream {
    shards: 0,
    batch_size: 0,
    parallelization: 0,
    retention_hours: 0,
    consumers: 0,
    enhanced_fan_out: false,
};
static NO_WORKFLOW: Workflow = Workflow {
    kind: String::new(),
    compensation: false,
    task_timeout_s: 0,
    timeout_s: 0,
    max_attempts: 0,
    backoff_rate: 1.0,
    approval: None,
    start_api: false,
};
static NO_BUS: Bus = Bus { archive_days: None };
static NO_SCHEDULE: Schedule = Schedule {
    expression: String::new(),
    expression_text: String::new(),
    timezone: String::new(),
    interval_min: 0,
    flexible_window_min: 0,
    retry_attempts: 0,
    max_event_age_s: 0,
    function_max_event_age_s: 0,
    run_record_ttl_s: 0,
    job_minutes: None,
    secret: false,
};

/// The plan with the settings of its pattern unwrapped.
struct Parts<'a> {
    failure: &'a Failure,
    queue: &'a Queue,
    stream: &'a Stream,
    workflow: &'a Workflow,
    bus: &'a Bus,
    schedule: &'a Schedule,
}

impl<'a> Parts<'a> {
    fn of(plan: &'a Plan) -> Result<Self, String> {
        let p = plan.pattern;
        let need = |what: &str, has: bool, needed: bool| {
            if needed && !has {
                Err(format!("the {} plan has no {what} settings", p.as_str()))
            } else {
                Ok(())
            }
        };
        // The circuit breaker waits on its caller when an HTTP API calls it, not a queue.
        let waits = p.synchronous() || (p == Pattern::CircuitBreaker && plan.api.is_some());
        need("failure path", plan.failure.is_some(), !waits)?;
        need(
            "breaker",
            plan.breaker.is_some(),
            p == Pattern::CircuitBreaker,
        )?;
        need("queue", plan.queue.is_some(), p.consumes_queue())?;
        need("API", plan.api.is_some(), p.has_api())?;
        need("stream", plan.stream.is_some(), p == Pattern::Stream)?;
        need(
            "workflow",
            plan.workflow.is_some(),
            matches!(p, Pattern::Workflow | Pattern::Saga),
        )?;
        need("bus", plan.bus.is_some(), p == Pattern::EventBus)?;
        need(
            "schedule",
            plan.schedule.is_some(),
            p == Pattern::ScheduledJobs,
        )?;
        need(
            "database",
            plan.relational.is_some(),
            p == Pattern::Relational,
        )?;
        need(
            "event store",
            plan.event_sourcing.is_some(),
            p == Pattern::EventSourcing,
        )?;
        Ok(Parts {
            failure: plan.failure.as_ref().unwrap_or(&NO_FAILURE),
            queue: plan.queue.as_ref().unwrap_or(&NO_QUEUE),
            stream: plan.stream.as_ref().unwrap_or(&NO_STREAM),
            workflow: plan.workflow.as_ref().unwrap_or(&NO_WORKFLOW),
            bus: plan.bus.as_ref().unwrap_or(&NO_BUS),
            schedule: plan.schedule.as_ref().unwrap_or(&NO_SCHEDULE),
        })
    }
}

/// A string as a YAML (and JSON) double-quoted scalar.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// Shared helpers for the templates that describe the plan.
trait PlanHelpers {
    fn plan(&self) -> &Plan;

    /// Whether `plan.alarms` lists the alarm `id`.
    fn has_alarm(&self, id: &str) -> bool {
        self.plan().alarms.iter().any(|a| a.id == id)
    }

    /// Whether the HTTP API uses a JWT authorizer.
    fn jwt(&self) -> bool {
        self.plan()
            .api
            .as_ref()
            .is_some_and(|a| a.auth == Auth::Jwt)
    }

    /// Whether the HTTP API uses IAM authorization.
    fn iam(&self) -> bool {
        self.plan()
            .api
            .as_ref()
            .is_some_and(|a| a.auth == Auth::Iam)
    }
}

/// `template.yaml`.
#[derive(Template)]
#[template(path = "scaffold/sam/template.yaml", escape = "none")]
struct SamTemplate<'a> {
    plan: &'a Plan,
    failure: &'a Failure,
    queue: &'a Queue,
    stream: &'a Stream,
    workflow: &'a Workflow,
    bus: &'a Bus,
    schedule: &'a Schedule,
}

impl PlanHelpers for SamTemplate<'_> {
    fn plan(&self) -> &Plan {
        self.plan
    }
}

impl SamTemplate<'_> {
    fn q(&self, s: &str) -> String {
        quoted(s)
    }

    fn description(&self) -> String {
        format!(
            "{}: {} starter ({}), generated by Trellis from a design review",
            self.plan.workload,
            self.plan.pattern_name,
            self.plan.runtime.title()
        )
    }

    /// A handler's logical id without the `Function` suffix: `AuditFunction` → `Audit`.
    fn base<'h>(&self, h: &'h Handler) -> &'h str {
        h.logical_id
            .strip_suffix("Function")
            .unwrap_or(&h.logical_id)
    }

    /// The resource-level `Metadata` a runtime's build needs, as lines to append after `Type:`.
    fn metadata(&self, h: &Handler) -> String {
        match self.plan.runtime {
            Runtime::Python => String::new(),
            // The relational API bundles its one SDK package (@aws-sdk/rds-signer), which the
            // Node.js runtime does not carry; the others leave the runtime's SDK out.
            Runtime::Typescript if self.plan.pattern == Pattern::Relational => "\n    Metadata:\n      BuildMethod: esbuild\n      BuildProperties:\n        Minify: true\n        Target: es2022\n        Sourcemap: true\n        EntryPoints:\n          - src/app.ts".to_owned(),
            Runtime::Typescript => "\n    Metadata:\n      BuildMethod: esbuild\n      BuildProperties:\n        Minify: true\n        Target: es2022\n        Sourcemap: true\n        EntryPoints:\n          - src/app.ts\n        External:\n          - \"@aws-sdk/*\"".to_owned(),
            Runtime::Rust => format!(
                "\n    Metadata:\n      BuildMethod: rust-cargolambda\n      BuildProperties:\n        Binary: {}",
                h.name
            ),
        }
    }

    /// `CodeUri` and `Handler` for a runtime's layout.
    fn code(&self, h: &Handler) -> String {
        match self.plan.runtime {
            Runtime::Python => format!("      CodeUri: src/\n      Handler: app.{}", h.name),
            Runtime::Typescript => format!("      CodeUri: ./\n      Handler: app.{}", h.name),
            Runtime::Rust => "      CodeUri: ./\n      Handler: bootstrap".to_owned(),
        }
    }

    /// Policies a function gets besides its pattern's: the idempotency table (only for
    /// functions that record keys, and only the item actions the runtime's code calls: the four
    /// of Powertools' persistence layer, or the Rust starter's conditional put and delete) and
    /// the customer-managed key, as list items to append to a `Policies:` list.
    fn common_policies(&self, h: &Handler) -> String {
        let mut out = String::new();
        if h.idempotent {
            let actions = match self.plan.runtime {
                Runtime::Rust => "dynamodb:PutItem, dynamodb:DeleteItem",
                Runtime::Python | Runtime::Typescript => {
                    "dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:DeleteItem"
                }
            };
            out.push_str(&format!(
                "\n        - Statement:\n            - Sid: IdempotencyRecords\n              Effect: Allow\n              Action: [{actions}]\n              Resource: !GetAtt IdempotencyTable.Arn",
            ));
        }
        if self.plan.customer_key {
            out.push_str(
                "\n        - Statement:\n            - Sid: UseDataKey\n              Effect: Allow\n              Action: [kms:Decrypt, kms:Encrypt, kms:GenerateDataKey]\n              Resource: !GetAtt DataKey.Arn",
            );
        }
        out
    }

    /// Whether a saga's handler is a compensation (it updates its step's record; a step puts it).
    fn compensates(&self, h: &Handler) -> bool {
        self.plan
            .saga
            .as_ref()
            .is_some_and(|s| s.compensation_names().contains(&h.name.as_str()))
    }

    /// `SSESpecification` properties for a DynamoDB table.
    fn dynamodb_sse(&self) -> &'static str {
        if self.plan.customer_key {
            "        SSEEnabled: true\n        SSEType: KMS\n        KMSMasterKeyId: !Ref DataKey"
        } else {
            "        SSEEnabled: true"
        }
    }

    /// Encryption properties for an SQS queue. SQS-managed encryption when the review chose
    /// AWS-managed keys: SNS and EventBridge cannot deliver to a queue under the `aws/sqs` key.
    fn sqs_sse(&self) -> &'static str {
        if self.plan.customer_key {
            "      KmsMasterKeyId: !Ref DataKey\n      KmsDataKeyReusePeriodSeconds: 300"
        } else {
            "      SqsManagedSseEnabled: true"
        }
    }

    fn dlq_retention_s(&self) -> u32 {
        self.failure.dlq_retention_days.saturating_mul(86_400)
    }

    /// A bucket's name, as a YAML flow value: the project name (lower case, at most 40
    /// characters), `role`, and the last group of the stack id's UUID. It is lower case whatever
    /// the stack name, unique per stack in every Region, at most 57 characters, and known
    /// without a reference to the bucket, so a policy can name it.
    fn bucket_name(&self, role: &str) -> String {
        format!(
            "!Join [\"-\", [{}, {role}, !Select [4, !Split [\"-\", !Select [2, !Split [\"/\", !Ref AWS::StackId]]]]]]",
            quoted(&self.plan.project)
        )
    }

    /// The S3 pattern's buckets: logical id and name.
    fn buckets(&self) -> Vec<(&'static str, String)> {
        vec![
            ("InputBucket", self.bucket_name("in")),
            ("OutputBucket", self.bucket_name("out")),
        ]
    }

    /// The Availability Zones of the relational API's VPC: (subnet suffix, index).
    fn zones(&self) -> Vec<(&'static str, u32)> {
        vec![("A", 0), ("B", 1)]
    }

    /// The relational API's database instances: (logical id suffix, promotion tier, zone index);
    /// the writer first, then a reader per zone that takes over when the writer fails.
    fn db_instances(&self) -> Vec<(&'static str, u32, u32)> {
        let readers = self.plan.relational.as_ref().map_or(0, |d| d.readers);
        let mut v = vec![("Writer", 0, 0)];
        if readers > 0 {
            v.push(("Reader", 1, 1));
        }
        v
    }

    fn objects_arn(&self, bucket: &str) -> String {
        format!("${{{bucket}.Arn}}/*")
    }

    fn archive_text(&self) -> String {
        match self.bus.archive_days {
            Some(0) => "kept forever".to_owned(),
            Some(d) => format!("kept {d} days"),
            None => String::new(),
        }
    }

    /// The Kinesis mapping's retries: the plan's retries plus the bisection's extra attempt.
    fn stream_retries(&self) -> u32 {
        self.failure.retry_attempts.saturating_add(1)
    }

    /// Whether a workflow's function runs as a step of the state machine.
    fn step(&self, h: &Handler) -> bool {
        !api_function(h)
    }

    /// A reader's event source: its enhanced fan-out consumer, or the stream itself.
    fn stream_source(&self, h: &Handler) -> String {
        if self.stream.enhanced_fan_out {
            format!("!GetAtt {}StreamConsumer.ConsumerARN", self.base(h))
        } else {
            "!GetAtt Stream.Arn".to_owned()
        }
    }

    /// The iterator age alarm of a reader: `IteratorAgeAlarm` with one reader (as before),
    /// `Consume2IteratorAgeAlarm` with several.
    fn iterator_alarm_id(&self, h: &Handler) -> String {
        if self.plan.handlers.len() == 1 {
            "IteratorAgeAlarm".to_owned()
        } else {
            format!("{}IteratorAgeAlarm", self.base(h))
        }
    }

    fn iterator_alarm_who(&self, h: &Handler) -> String {
        if self.plan.handlers.len() == 1 {
            String::new()
        } else {
            format!(" {}", h.name)
        }
    }

    /// The workflow API's routes, for the output's description.
    fn workflow_routes(&self) -> String {
        let mut routes = Vec::new();
        if self.workflow.start_api {
            routes.push("POST /executions");
        }
        if self.workflow.approval.is_some() {
            routes.push("POST /approvals/{id}");
        }
        routes.join(", ")
    }

    /// Seconds an approval record outlives its step's timeout (a day), before TTL removes it.
    fn approval_ttl_s(&self) -> u32 {
        self.workflow
            .approval
            .as_ref()
            .map_or(0, |a| a.timeout_s.saturating_add(86_400))
    }

    /// Iterator age alarm threshold: half of MaximumRecordAgeInSeconds, in milliseconds.
    fn iterator_age_threshold_ms(&self) -> u32 {
        self.failure.max_event_age_s.saturating_mul(500)
    }

    /// Logical ids of the queues that hold what failed.
    fn dead_letter_queues(&self) -> Vec<String> {
        let mut queues = self.pattern_dead_letter_queues();
        if self.plan.scheduled_start.is_some() {
            queues.push("UndeliveredRunsQueue".to_owned());
        }
        queues
    }

    fn pattern_dead_letter_queues(&self) -> Vec<String> {
        match self.plan.pattern {
            Pattern::Fanout => self
                .plan
                .handlers
                .iter()
                .map(|h| format!("{}DeadLetterQueue", self.base(h)))
                .collect(),
            Pattern::Webhook => vec!["WorkDeadLetterQueue".to_owned()],
            Pattern::RealtimeBroadcast => vec!["BroadcastDeadLetterQueue".to_owned()],
            Pattern::CircuitBreaker if self.breaker_queue() => {
                vec!["CallDeadLetterQueue".to_owned()]
            }
            Pattern::S3Events | Pattern::EventBus => vec!["FailedEventsQueue".to_owned()],
            Pattern::Stream => vec!["StreamFailureQueue".to_owned()],
            Pattern::Cqrs => vec!["ProjectionFailureQueue".to_owned()],
            Pattern::ScheduledJobs => vec!["FailedRunsQueue".to_owned()],
            Pattern::EventSourcing => vec!["ProjectionFailureQueue".to_owned()],
            Pattern::Api
            | Pattern::Workflow
            | Pattern::Saga
            | Pattern::Relational
            | Pattern::StranglerFig
            | Pattern::Bff
            | Pattern::CircuitBreaker
            | Pattern::Containers
            | Pattern::QueueWorker => Vec::new(),
        }
    }

    /// The dashboard's body, as a YAML string for `!Sub`.
    fn dashboard_body(&self) -> String {
        let queues = super::dashboard::Queues {
            work: self.work_queues(),
            dead_letter: self.dead_letter_queues(),
        };
        quoted(&super::dashboard::body(self.plan, &queues))
    }

    /// Logical ids of the queues in front of workers.
    fn work_queues(&self) -> Vec<String> {
        match self.plan.pattern {
            Pattern::Fanout => self
                .plan
                .handlers
                .iter()
                .map(|h| format!("{}Queue", self.base(h)))
                .collect(),
            Pattern::Webhook => vec!["WorkQueue".to_owned()],
            Pattern::RealtimeBroadcast => vec!["BroadcastQueue".to_owned()],
            Pattern::CircuitBreaker if self.breaker_queue() => vec!["CallQueue".to_owned()],
            _ => Vec::new(),
        }
    }
}

/// One task state of the state machine.
struct Step {
    state: String,
    purpose: String,
    function_ref: String,
    next: String,
    on_error: String,
    /// With compensation: the steps finished before this one, recorded by `compensate_state`.
    compensate: Option<Vec<String>>,
    compensate_state: String,
    /// For a step that waits on a task token: how long it waits, in seconds.
    wait_s: Option<u32>,
}

/// Whether a workflow's function serves the HTTP API (starts executions, records decisions)
/// rather than runs as a step: the state machine neither calls nor names it.
fn api_function(h: &Handler) -> bool {
    matches!(h.name.as_str(), "start" | "decide")
}

/// The compensation task.
struct Compensation {
    purpose: String,
    function_ref: String,
}

/// `statemachine/workflow.asl.json`.
#[derive(Template)]
#[template(path = "scaffold/sam/workflow.asl.json", escape = "none")]
struct Asl<'a> {
    plan: &'a Plan,
    workflow: &'a Workflow,
    steps: Vec<Step>,
    compensate: Option<Compensation>,
}

impl<'a> Asl<'a> {
    fn new(plan: &'a Plan, workflow: &'a Workflow) -> Self {
        // `request_approval` → `RequestApproval`.
        let title = |name: &str| -> String {
            name.split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect::<String>())
                        .unwrap_or_default()
                })
                .collect()
        };
        let function_ref = |h: &Handler| format!("${{{}Arn}}", h.logical_id);
        let (comp, tasks): (Vec<&Handler>, Vec<&Handler>) = plan
            .handlers
            .iter()
            .filter(|h| !api_function(h))
            .partition(|h| h.name == "compensate");
        let compensate = comp
            .first()
            .filter(|_| workflow.compensation)
            .map(|h| Compensation {
                purpose: h.purpose.clone(),
                function_ref: function_ref(h),
            });
        let steps = tasks
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let state: String = title(&h.name);
                let done: Vec<String> = tasks.iter().take(i).map(|d| d.name.clone()).collect();
                let compensate_state = format!("Undo{state}Predecessors");
                let compensating = compensate.is_some() && !done.is_empty();
                Step {
                    next: tasks
                        .get(i + 1)
                        .map_or_else(|| "Succeeded".to_owned(), |n| title(&n.name)),
                    on_error: if compensating {
                        compensate_state.clone()
                    } else {
                        "Failed".to_owned()
                    },
                    compensate: compensating.then_some(done),
                    compensate_state,
                    purpose: h.purpose.clone(),
                    function_ref: function_ref(h),
                    state,
                    wait_s: workflow
                        .approval
                        .as_ref()
                        .filter(|_| h.name == "request_approval")
                        .map(|a| a.timeout_s),
                }
            })
            .collect();
        Asl {
            plan,
            workflow,
            steps,
            compensate,
        }
    }

    fn json(&self, s: &str) -> String {
        quoted(s)
    }

    fn json_list(&self, items: &[String]) -> String {
        serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
    }

    fn comment(&self) -> String {
        format!(
            "{}: {}",
            self.plan.workload,
            if self.workflow.compensation {
                "each step retries on Lambda service errors; a failed step undoes the steps before it, then the execution fails"
            } else {
                "each step retries on Lambda service errors; a failed step ends the execution in Failed"
            }
        )
    }

    fn start_at(&self) -> &str {
        self.steps.first().map_or("Succeeded", |s| s.state.as_str())
    }
}

/// `samconfig.toml`.
#[derive(Template)]
#[template(path = "scaffold/sam/samconfig.toml", escape = "none")]
struct SamConfig<'a> {
    plan: &'a Plan,
}

/// `README.md`.
#[derive(Template)]
#[template(path = "scaffold/sam/README.md", escape = "none")]
struct Readme<'a> {
    plan: &'a Plan,
    api: Option<&'a Api>,
}

impl PlanHelpers for SamConfig<'_> {
    fn plan(&self) -> &Plan {
        self.plan
    }
}

impl PlanHelpers for Readme<'_> {
    fn plan(&self) -> &Plan {
        self.plan
    }
}

impl Readme<'_> {
    /// Whether any function reads a resource's name from its environment (then `env.json`
    /// must point at a deployed stack).
    fn has_resource_variables(&self) -> bool {
        super::day_one::resource_variables(self.plan)
            .values()
            .any(|v| !v.is_empty())
    }

    /// A table cell: pipes escaped, line breaks flattened, nothing active (see
    /// [`crate::report::md_escape`]).
    fn cell(&self, s: &str) -> String {
        md_escape::cell(s)
    }

    /// The answers a control came from, as one cell.
    fn origins(&self, c: &questionnaires::scaffold::Control) -> String {
        if c.from.is_empty() {
            return "the pattern".to_owned();
        }
        self.cell(
            &c.from
                .iter()
                .map(|o| format!("{}: {}", o.title, o.answer))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    /// How long the archive keeps events, as a clause for "How it works".
    fn archive_phrase(&self) -> String {
        match self.plan.bus.as_ref().and_then(|b| b.archive_days) {
            Some(0) => "; an archive keeps the events forever, for replay".to_owned(),
            Some(d) => format!("; an archive keeps the events {d} days, for replay"),
            None => String::new(),
        }
    }

    fn compensation(&self) -> bool {
        self.plan.workflow.as_ref().is_some_and(|w| w.compensation)
    }

    /// Lambda's retries of a failed asynchronous invocation.
    fn retries(&self) -> u32 {
        self.plan.failure.as_ref().map_or(0, |f| f.retry_attempts)
    }

    /// Whether the workflow waits for a person's decision.
    fn approval(&self) -> bool {
        self.plan
            .workflow
            .as_ref()
            .is_some_and(|w| w.approval.is_some())
    }

    /// Whether an HTTP route starts the workflow's executions.
    fn start_api(&self) -> bool {
        self.plan.workflow.as_ref().is_some_and(|w| w.start_api)
    }

    /// How long the stream keeps records, as words.
    fn retention_phrase(&self) -> String {
        match self.plan.stream.as_ref().map_or(24, |s| s.retention_hours) {
            h if h.is_multiple_of(24) && h > 24 => format!("{} days", h / 24),
            h => format!("{h} hours"),
        }
    }

    fn estimate(&self) -> String {
        match self.plan.estimate_usd {
            Some(e) => format!("about {e:.2} USD a month at the traffic the review describes"),
            None => "not estimated (the review has no cost answers yet)".to_owned(),
        }
    }

    fn test_command(&self) -> &'static str {
        test_command(self.plan.runtime)
    }

    fn requirements(&self) -> &'static str {
        match self.plan.runtime {
            Runtime::Python => "[Python 3.13](https://www.python.org/downloads/)",
            Runtime::Typescript => "[Node.js 22](https://nodejs.org/en/download/) and npm",
            Runtime::Rust => {
                "[Rust](https://www.rust-lang.org/tools/install) and [cargo-lambda](https://www.cargo-lambda.info/guide/installation.html) (with Zig, for cross-compiling to arm64)"
            }
        }
    }

    fn build_command(&self) -> &'static str {
        match (self.plan.iac, self.plan.runtime) {
            (Iac::Cdk, _) => "(cd infra && npm install && npx cdk synth --quiet -c stage=staging)",
            (Iac::Sam, Runtime::Rust) => "sam build --beta-features",
            (Iac::Sam, _) => "sam build",
        }
    }

    /// Whether the stack is a CDK app rather than a SAM template.
    fn cdk(&self) -> bool {
        self.plan.iac == Iac::Cdk
    }

    fn synthesized(&self) -> String {
        super::cdk::synthesized(self.plan)
    }
}

/// `.checkov.yaml`.
#[derive(Template)]
#[template(path = "scaffold/sam/checkov.yaml", escape = "none")]
struct Checkov {
    skips: Vec<(&'static str, String)>,
}

/// The checkov checks this plan skips, each with its reason.
fn checkov_skips(plan: &Plan) -> Vec<(&'static str, String)> {
    let p = plan.pattern;
    let mut skips: Vec<(&'static str, String)> = vec![
        (
            "CKV_AWS_116",
            match p {
                Pattern::Api | Pattern::Relational | Pattern::StranglerFig | Pattern::Bff => "Lambda dead-letter queue: the API calls the function synchronously, so the caller gets the error and nothing is queued.".to_owned(),
                Pattern::Workflow => "Lambda dead-letter queue: Step Functions calls the functions synchronously; Retry and Catch in the state machine handle failures.".to_owned(),
                Pattern::Saga => "Lambda dead-letter queue: Step Functions calls the functions synchronously; a failed step runs its compensations, and a failed compensation notifies the alarm topic.".to_owned(),
                Pattern::CircuitBreaker if plan.api.is_some() => "Lambda dead-letter queue: the API calls the function synchronously, so the caller gets the error (or a 503 while the breaker is open) and nothing is queued.".to_owned(),
                Pattern::Fanout | Pattern::Webhook | Pattern::CircuitBreaker => "Lambda dead-letter queue: the functions read SQS, whose redrive policy moves failed messages to a dead-letter queue.".to_owned(),
                Pattern::Stream => "Lambda dead-letter queue: the function reads Kinesis; the event source mapping's on-failure destination keeps failed batches.".to_owned(),
                Pattern::Cqrs => "Lambda dead-letter queue: the APIs call the command and query functions synchronously, and the projector reads a DynamoDB stream whose event source mapping sends failed batches to an on-failure queue.".to_owned(),
                Pattern::EventSourcing => "Lambda dead-letter queue: the API calls the append function synchronously (the caller gets the error), and the projections' event source mappings send failed batches to their on-failure destination.".to_owned(),
                Pattern::S3Events | Pattern::EventBus | Pattern::ScheduledJobs => "Lambda dead-letter queue: the function's EventInvokeConfig on-failure destination (an SQS queue) replaces it; checkov only knows DeadLetterConfig.".to_owned(),
                Pattern::RealtimeBroadcast => "Lambda dead-letter queue: the WebSocket API calls the connections function synchronously (the client gets the error); the broadcaster reads SQS, whose redrive policy moves failed broadcasts to a dead-letter queue.".to_owned(),
                Pattern::Containers | Pattern::QueueWorker => String::new(),
            },
        ),
    ];
    if p != Pattern::Relational {
        skips.push((
            "CKV_AWS_117",
            "Lambda in a VPC: the functions reach only AWS APIs, so a VPC would add NAT or endpoint costs and no protection.".to_owned(),
        ));
    }
    if !plan.customer_key {
        let because = "the review chose AWS-managed keys (answer: encryption)";
        skips.push(("CKV_AWS_173", format!("Lambda environment variables with a customer-managed key: {because}; they hold only resource names.")));
        skips.push((
            "CKV_AWS_158",
            format!("CloudWatch log groups with a customer-managed key: {because}."),
        ));
        let no_queue = p == Pattern::CircuitBreaker && plan.api.is_some();
        if (!no_queue
            && !matches!(
                p,
                Pattern::Api
                    | Pattern::Workflow
                    | Pattern::Saga
                    | Pattern::Relational
                    | Pattern::StranglerFig
                    | Pattern::Bff
            ))
            || plan.scheduled_start.is_some()
        {
            skips.push(("CKV_AWS_27", format!("SQS encryption: the queues use SQS-managed encryption (SqsManagedSseEnabled), which checkov's CloudFormation check does not recognise; {because}.")));
        }
        skips.push(("CKV_AWS_26", format!("SNS encryption of the alarm topic: CloudWatch cannot publish to a topic under the AWS-managed SNS key, and the topic carries only alarm states; {because}.")));
        let approvals = plan.workflow.as_ref().is_some_and(|w| w.approval.is_some());
        if super::keeps_a_table(p) || plan.idempotency.is_some() || approvals {
            skips.push((
                "CKV_AWS_119",
                format!(
                    "DynamoDB with a customer-managed key: {because}; tables use the AWS-owned key."
                ),
            ));
        }
        if matches!(p, Pattern::Webhook | Pattern::Relational)
            || plan.schedule.as_ref().is_some_and(|s| s.secret)
        {
            skips.push((
                "CKV_AWS_149",
                format!("Secrets Manager with a customer-managed key: {because}."),
            ));
        }
    }
    if p == Pattern::Relational {
        skips.push(("CKV_AWS_118", "RDS enhanced monitoring: Performance Insights and the cluster's CloudWatch metrics (capacity, connections, CPU) are on; enhanced monitoring adds an IAM role and per-instance OS metrics billed as logs. Turn it on when you need the OS view.".to_owned()));
    }
    if p == Pattern::S3Events {
        skips.push(("CKV_AWS_18", "S3 access logging: it needs another bucket; CloudTrail data events record object access when you need it.".to_owned()));
    }
    skips
}

/// The command that runs a runtime's tests (README, CI and `scripts/check.sh` agree).
fn test_command(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::Python => "python -m pip install -r requirements-dev.txt && python -m pytest",
        Runtime::Typescript => "npm install && npm test",
        Runtime::Rust => "cargo test",
    }
}

/// `scripts/check.sh`: what CI runs, on a laptop.
#[derive(Template)]
#[template(path = "scaffold/sam/check.sh", escape = "none")]
struct CheckScript<'a> {
    plan: &'a Plan,
}

impl CheckScript<'_> {
    fn test_command(&self) -> &'static str {
        test_command(self.plan.runtime)
    }

    fn synthesized(&self) -> String {
        super::cdk::synthesized(self.plan)
    }
}

/// `.github/workflows/ci.yml`.
#[derive(Template)]
#[template(path = "scaffold/sam/ci.yml", escape = "none")]
struct Ci<'a> {
    plan: &'a Plan,
}

impl Ci<'_> {
    fn synthesized(&self) -> String {
        super::cdk::synthesized(self.plan)
    }
}

/// `.github/zizmor.yml`.
#[derive(Template)]
#[template(path = "scaffold/sam/zizmor.yml", escape = "none")]
struct Zizmor;

/// `.gitignore`.
#[derive(Template)]
#[template(path = "scaffold/sam/gitignore", escape = "none")]
struct GitIgnore<'a> {
    plan: &'a Plan,
}

/// Adds this part's files.
pub(super) fn files(plan: &Plan, out: &mut Files) -> Result<(), String> {
    let parts = Parts::of(plan)?;
    out.add(
        "template.yaml",
        &SamTemplate {
            plan,
            failure: parts.failure,
            queue: parts.queue,
            stream: parts.stream,
            workflow: parts.workflow,
            bus: parts.bus,
            schedule: parts.schedule,
        },
    )?;
    if plan.pattern == Pattern::Workflow {
        let asl = Asl::new(plan, parts.workflow);
        let text = asl
            .render()
            .map_err(|e| format!("statemachine/workflow.asl.json: {e}"))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("statemachine/workflow.asl.json is not JSON: {e}"))?;
        let problems = super::asl::check(&value);
        if !problems.is_empty() {
            return Err(format!(
                "statemachine/workflow.asl.json: {}",
                problems.join("; ")
            ));
        }
        out.add("statemachine/workflow.asl.json", &asl)?;
    }
    if plan.pattern == Pattern::Saga {
        super::saga::files(plan, out)?;
    }
    if plan.pattern == Pattern::Relational {
        super::relational::files(plan, out)?;
    }
    if plan.pattern == Pattern::EventSourcing {
        event_sourcing::files(plan, out)?;
    }
    out.add("samconfig.toml", &SamConfig { plan })?;
    out.add(
        "README.md",
        &Readme {
            plan,
            api: plan.api.as_ref(),
        },
    )?;
    out.add(
        ".checkov.yaml",
        &Checkov {
            skips: checkov_skips(plan),
        },
    )?;
    out.add(".github/workflows/ci.yml", &Ci { plan })?;
    out.script("scripts/check.sh", &CheckScript { plan })?;
    out.add(".github/zizmor.yml", &Zizmor)?;
    out.add(".gitignore", &GitIgnore { plan })?;
    Ok(())
}
