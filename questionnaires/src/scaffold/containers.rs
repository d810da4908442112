//! The plan of a containers starter: an HTTP service on ECS Fargate behind an Application Load
//! Balancer ([`Pattern::Containers`]), or container workers fed by an SQS queue and/or started
//! on a schedule ([`Pattern::QueueWorker`]). Task size, task counts, scaling, the queue's
//! visibility timeout, the stop timeout, the data store and the secret all follow the answers;
//! each becomes a [`Control`] with the answers it came from. Nothing function-oriented (memory,
//! timeout, reserved concurrency, aliases) is planned here.

use serde::{Deserialize, Serialize};

use crate::answers::{Answers, Workload};
use crate::evaluate::Evaluation;
use crate::model::Questionnaire;

use super::build::{alarms_control, budget_control, ceil_u32, project_name};
use super::reader::{Reader, control};
use super::*;

/// What the containers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// A long-running HTTP service behind a load balancer.
    Service,
    /// Workers that take jobs from a queue and/or run on a schedule.
    Worker,
}

/// The load balancer's side of an HTTP service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Web {
    /// The port the container listens on.
    pub port: u16,
    /// The path the target group's health check calls.
    pub health_path: String,
    /// Seconds the load balancer lets in-flight requests finish before it drops a task.
    pub deregistration_delay_s: u32,
    /// Target tracking on average CPU, in percent.
    pub cpu_target_pct: u32,
    /// Target tracking on load balancer requests per task per minute.
    pub requests_per_target: u32,
}

/// The queue in front of the workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobQueue {
    /// Visibility timeout: longer than a job, so no second worker takes it while it runs.
    pub visibility_timeout_s: u32,
    /// Receives before a message moves to the dead-letter queue.
    pub max_receive_count: u32,
    /// Days a dead-lettered message is kept (SQS allows up to 14).
    pub dlq_retention_days: u32,
    /// Scale-out steps: (lower bound of visible messages, tasks added), the last open-ended.
    pub scale_out_steps: Vec<(u32, u32)>,
    /// Minutes with no message visible or in flight before the service scales in to its minimum.
    pub idle_minutes: u32,
    /// Alarm when the oldest message is older than this, in seconds.
    pub max_age_s: u32,
}

/// A scheduled run of the worker image (EventBridge Scheduler → ECS RunTask).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// The default schedule expression (a template parameter).
    pub expression: String,
    /// Times Scheduler retries a RunTask call that fails.
    pub retry_attempts: u32,
}

/// Everything a containers starter builds in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Container {
    /// Service or worker.
    pub shape: Shape,
    /// Task CPU units (1024 = 1 vCPU), a Fargate size.
    pub cpu: u32,
    /// Task memory in MiB, valid for `cpu` on Fargate.
    pub memory_mb: u32,
    /// `ARM64` or `X86_64`.
    pub architecture: String,
    /// Tasks that always run (0 lets a worker service scale to nothing).
    pub min_tasks: u32,
    /// The most tasks autoscaling starts.
    pub max_tasks: u32,
    /// Seconds ECS waits after SIGTERM before it kills the container (Fargate allows 120).
    pub stop_timeout_s: u32,
    /// Days to keep logs.
    pub log_retention_days: u32,
    /// The default log level.
    pub log_level: String,
    /// Whether a DynamoDB table holds the data (the answers name DynamoDB).
    pub table: bool,
    /// The load balancer settings, for a service.
    pub web: Option<Web>,
    /// The job queue, for a worker fed by a queue.
    pub queue: Option<JobQueue>,
    /// The schedule, for a worker started on a schedule.
    pub schedule: Option<Schedule>,
    /// The expected length of one job in seconds, for a worker.
    pub job_s: Option<u32>,
}

/// Fargate's task sizes: CPU units, then the memory range and step in MiB.
const FARGATE_SIZES: [(u32, u32, u32, u32); 7] = [
    (256, 512, 2048, 512),
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122880, 8192),
];

/// The smallest Fargate size with at least `min_cpu` CPU units and `need_mb` of memory, at no
/// more than 4 GiB per vCPU (so memory-heavy work also gets CPU to match).
pub(super) fn fargate_size(need_mb: u32, min_cpu: u32) -> (u32, u32) {
    for (cpu, lo, hi, step) in FARGATE_SIZES {
        if cpu < min_cpu {
            continue;
        }
        let mem = need_mb.div_ceil(step).saturating_mul(step).max(lo);
        if mem <= hi && mem <= (cpu * 4).max(lo) {
            return (cpu, mem);
        }
    }
    (16384, 122880)
}

/// A sizing assumption of the cost model (`limits.toml`, `[[assumptions]]`), so the starter sizes
/// tasks as the review's estimate does. A lens carries no figures, so it reads the built-in
/// review's.
fn assumption(q: &Questionnaire, id: &str) -> f64 {
    q.figures
        .assumptions
        .get(id)
        .or_else(|| crate::builtin().figures.assumptions.get(id))
        .map_or(f64::NAN, |f| f.value)
}

fn vcpu(cpu: u32) -> String {
    let v = f64::from(cpu) / 1024.0;
    format!("{v}")
}

/// Builds the plan of a containers starter.
pub(super) fn plan(
    q: &Questionnaire,
    workload: &Workload,
    answers: &Answers,
    evaluation: &Evaluation,
    choice: Choice,
    pattern: Pattern,
) -> Plan {
    let r = Reader { q, answers };
    let recommendation = evaluation
        .recommendations
        .iter()
        .find(|x| x.pattern.as_str() == pattern.as_str());
    let pattern_name = q
        .pattern(pattern.as_str())
        .map_or_else(|| pattern.as_str().to_owned(), |p| p.name.to_string());
    let mut controls = Vec::new();
    let shape = if pattern == Pattern::Containers {
        Shape::Service
    } else {
        Shape::Worker
    };

    let architecture = if r.is("architecture", "x86_64") {
        "X86_64"
    } else {
        "ARM64"
    };
    controls.push(control(
        "architecture",
        "Processor architecture",
        format!("RuntimePlatform.CpuArchitecture: {architecture}"),
        if architecture == "X86_64" {
            "The review keeps x86_64, for a native dependency; the image must be built for it.".to_owned()
        } else {
            "Graviton (ARM64) tasks cost about 20% less per vCPU-hour and GB-hour; the pipeline builds an arm64 image.".to_owned()
        },
        r.origins(&["architecture"]),
    ));

    // Task size.
    let (cpu, memory_mb) = match shape {
        Shape::Service => fargate_size(
            ceil_u32(assumption(q, "fargate_task_gb") * 1024.0),
            ceil_u32(assumption(q, "fargate_task_vcpu") * 1024.0),
        ),
        Shape::Worker => fargate_size(
            r.number("memory_mb").map_or(2048, ceil_u32),
            ceil_u32(assumption(q, "fargate_task_vcpu") * 1024.0).min(1024),
        ),
    };
    controls.push(control(
        "task_size",
        "Task size",
        format!("Cpu: {cpu} ({} vCPU); Memory: {memory_mb} MiB", vcpu(cpu)),
        match shape {
            Shape::Service => format!(
                "The size the review's cost model prices ({} vCPU, {} GB per task), so the budget and the bill agree.",
                assumption(q, "fargate_task_vcpu"),
                assumption(q, "fargate_task_gb")
            ),
            Shape::Worker if r.answered("memory_mb") => "The smallest Fargate size that holds the memory a job needs, with at least one vCPU per 4 GB (Fargate goes up to 16 vCPU and 120 GB).".to_owned(),
            Shape::Worker => "No memory given: 1 vCPU and 2 GB. Set it from a measured job.".to_owned(),
        },
        match shape {
            Shape::Service => Vec::new(),
            Shape::Worker => r.origins(&["memory_mb"]),
        },
    ));

    // Task counts and scaling.
    let per_task = assumption(q, "fargate_in_flight_per_task").max(1.0);
    let floor = ceil_u32(assumption(q, "fargate_min_tasks")).max(1);
    let duration_s = r
        .number("avg_duration_ms")
        .or_else(|| r.number("p99_duration_ms"))
        .map_or(0.1, |ms| (ms / 1000.0).max(0.001));
    let job_s = (shape == Shape::Worker).then(|| {
        r.number("job_duration_min")
            .filter(|m| *m > 0.0)
            .map_or(900, |m| ceil_u32(m * 60.0))
    });
    let steady = r.is("traffic_shape", "steady_24x7");
    let (min_tasks, max_tasks) = match shape {
        Shape::Service => {
            let tasks_for = |rps: f64| ceil_u32(rps * duration_s / per_task);
            let peak = r
                .number("peak_rps")
                .map_or(floor, |p| tasks_for(p).max(floor));
            let min = match r.number("avg_rps") {
                Some(avg) if steady => tasks_for(avg).max(floor),
                _ => floor,
            };
            (min, (peak * 2).max(min + 2))
        }
        Shape::Worker => {
            let job = f64::from(job_s.unwrap_or(900));
            let max = match r.number("reserved_concurrency") {
                Some(n) if n >= 1.0 => ceil_u32(n),
                _ => r
                    .number("peak_rps")
                    .map_or(10, |p| ceil_u32(p * job).clamp(1, 50)),
            };
            (u32::from(steady), max.max(1))
        }
    };
    let web = (shape == Shape::Service).then(|| Web {
        port: 8080,
        health_path: "/healthz".to_owned(),
        deregistration_delay_s: 30,
        cpu_target_pct: 60,
        // 70% of what one task serves at the cost model's requests in flight per task.
        requests_per_target: ceil_u32(per_task / duration_s * 60.0 * 0.7).max(60),
    });
    match (&web, shape) {
        (Some(w), _) => controls.push(control(
            "scaling",
            "Task count and autoscaling",
            format!(
                "MinCapacity: {min_tasks}; MaxCapacity: {max_tasks}; target tracking on CPU at {}% and on {} ALB requests per task per minute",
                w.cpu_target_pct, w.requests_per_target
            ),
            format!(
                "At {} requests in flight per task (the cost model's figure), the peak needs {} task(s); the service never runs fewer than {min_tasks} (one per Availability Zone{}) and may double the peak, because new tasks take a minute or more to start.",
                per_task,
                max_tasks / 2,
                if steady && r.answered("avg_rps") { ", and enough for the steady average" } else { "" }
            ),
            r.origins(&["peak_rps", "avg_rps", "avg_duration_ms", "traffic_shape"]),
        )),
        (None, _) => controls.push(control(
            "scaling",
            "Task count and autoscaling",
            format!("MinCapacity: {min_tasks}; MaxCapacity: {max_tasks}; one job per task at a time"),
            format!(
                "{}; {}.",
                if r.number("reserved_concurrency").is_some_and(|n| n >= 1.0) {
                    format!("At most {max_tasks} jobs at once, the cap the review chose")
                } else {
                    format!("At most {max_tasks} jobs at once: the peak rate times a job's length, at most 50")
                },
                if steady { "one task always waits for work, since jobs arrive around the clock" } else { "no task runs while there is no work (jobs pay a start-up of a minute or so)" }
            ),
            r.origins(&["reserved_concurrency", "peak_rps", "job_duration_min", "traffic_shape"]),
        )),
    }
    if let Some(w) = &web {
        controls.push(control(
            "health_check",
            "Health check",
            format!(
                "Target group: GET {} every 15 s, 2 healthy / 3 unhealthy; deregistration delay {} s",
                w.health_path, w.deregistration_delay_s
            ),
            "Requests are short, so a task leaving the load balancer needs seconds, not the 300 s default, to finish them.".to_owned(),
            r.origins(&["p99_duration_ms", "connection_model"]),
        ));
        controls.push(control(
            "tls",
            "HTTPS",
            "HTTPS listener (TLS 1.3 policy) with the certificate in CertificateArn; HTTP redirects to HTTPS".to_owned(),
            "Traffic is encrypted in transit from the first request; the certificate is yours (ACM), so it is a parameter.".to_owned(),
            r.origins(&["encryption"]),
        ));
        controls.push(control(
            "caller_auth",
            "Caller authentication",
            "Not in the load balancer: the app must check callers (the starter does not)".to_owned(),
            if r.is("client_types", "machine_only") {
                "An ALB has no IAM (SigV4) authorizer. Check a signed token in the app, or put API Gateway with IAM authorization in front, before production.".to_owned()
            } else {
                "An ALB can authenticate people with an OIDC provider or Cognito (an authenticate action on the listener); add it, or check JWTs in the app, before production.".to_owned()
            },
            r.origins(&["edge_auth", "client_types"]),
        ));
    }

    // The queue and the schedule.
    let scheduled = shape == Shape::Worker && r.is("entry_point", "schedule");
    let queued = shape == Shape::Worker
        && (!scheduled
            || r.choices("entry_point")
                .iter()
                .any(|c| c.as_str() != "schedule"));
    let costly = r.is("duplicate_sensitivity", "costly");
    let queue = queued.then(|| {
        let job = job_s.unwrap_or(900);
        let step = max_tasks.div_ceil(4).max(1);
        JobQueue {
            visibility_timeout_s: ceil_u32(f64::from(job) * 1.5).clamp(60, 43_200),
            max_receive_count: if costly || job >= 900 { 3 } else { 5 },
            dlq_retention_days: 14,
            scale_out_steps: if step > 1 {
                vec![(0, 1), (step, step), (step * 4, step * 2)]
            } else {
                vec![(0, 1)]
            },
            idle_minutes: 10,
            max_age_s: job.saturating_mul(2).clamp(300, 1_209_600),
        }
    });
    if let Some(jq) = &queue {
        controls.push(control(
            "visibility_timeout",
            "Queue visibility timeout",
            format!(
                "VisibilityTimeout: {} s; the worker extends it while a job runs",
                jq.visibility_timeout_s
            ),
            format!(
                "One and a half times a job of {} min, so no second worker takes a job that is still running; a job that runs longer keeps its message hidden by extending the timeout every half of it.",
                job_s.unwrap_or(900) / 60
            ),
            r.origins(&["job_duration_min"]),
        ));
        controls.push(control(
            "dlq",
            "Dead-letter queue",
            format!(
                "maxReceiveCount: {}; dead letters kept {} days",
                jq.max_receive_count, jq.dlq_retention_days
            ),
            "A job that keeps failing stops after a few attempts (each one costs a whole job's compute) and waits in the dead-letter queue for a person.".to_owned(),
            r.origins(&["duplicate_sensitivity", "failure_paths", "job_duration_min"]),
        ));
        controls.push(control(
            "queue_scaling",
            "Scaling on queue depth",
            format!(
                "Step scaling on ApproximateNumberOfMessagesVisible: {}; back to {min_tasks} after {} min with nothing visible or in flight",
                jq.scale_out_steps
                    .iter()
                    .map(|(lo, add)| format!("≥ {} → +{add}", lo + 1))
                    .collect::<Vec<_>>()
                    .join(", "),
                jq.idle_minutes
            ),
            "Tasks are added while jobs wait, in bigger steps as the backlog grows; they are removed only when no job is waiting or running, so scale-in never stops a job halfway.".to_owned(),
            r.origins(&["entry_point", "peak_rps", "job_duration_min"]),
        ));
    }
    let schedule = scheduled.then(|| Schedule {
        expression: "cron(0 2 * * ? *)".to_owned(),
        retry_attempts: 2,
    });
    if let Some(s) = &schedule {
        controls.push(control(
            "schedule",
            "Scheduled run",
            format!(
                "EventBridge Scheduler → ECS RunTask, ScheduleExpression parameter (default {}), {} retries, failures to the dead-letter queue",
                s.expression, s.retry_attempts
            ),
            "Work starts on a schedule, so Scheduler starts a task that runs once and exits; the run records its scheduled time so a retried start does not repeat it.".to_owned(),
            r.origins(&["entry_point"]),
        ));
    }
    let stop_timeout_s = match shape {
        Shape::Service => 30,
        Shape::Worker => 120,
    };
    controls.push(control(
        "stop_timeout",
        "Graceful stop",
        format!("stopTimeout: {stop_timeout_s} s; the app drains on SIGTERM"),
        match shape {
            Shape::Service => "On SIGTERM the app stops accepting connections and finishes the requests it has; 30 s is far above a request's length.".to_owned(),
            Shape::Worker => format!(
                "Fargate waits at most 120 s after SIGTERM. The worker stops taking jobs{}, so the message reappears for another task at once.",
                if job_s.unwrap_or(0) > 120 { "; a job that cannot finish in time is handed back (visibility set to 0)" } else { " and finishes the one it has" }
            ),
        },
        r.origins(&["job_duration_min"]),
    ));

    // Deployment.
    controls.push(control(
        "deployment",
        "Deployment",
        "Rolling update (100% healthy minimum, 200% maximum) with the deployment circuit breaker and rollback".to_owned(),
        if r.is("rollback", "automatic") || r.is("deploy_strategy", "canary_with_alarms") {
            "As the review asks, a release that does not become healthy is rolled back without a person.".to_owned()
        } else {
            "A release whose tasks do not become healthy is rolled back automatically, instead of hanging.".to_owned()
        },
        r.origins(&["deploy_strategy", "rollback"]),
    ));
    controls.push(control(
        "image",
        "Container image",
        "ECR repository: scan on push, immutable tags, untagged images expire after 14 days".to_owned(),
        "Every image is scanned for known vulnerabilities, and a tag always names the same build, so a rollback is exact.".to_owned(),
        r.origins(&["ci_pipeline"]),
    ));

    // Logs and monitoring.
    let log_retention_days =
        if r.is("log_retention", "never_expire") || !r.answered("log_retention") {
            30
        } else {
            90
        };
    controls.push(control(
        "logging",
        "Structured logs",
        format!("awslogs driver; JSON lines with a correlation id; log group kept {log_retention_days} days"),
        if r.is("structured_logging", "json_correlation") {
            "As the review does: JSON lines that carry the request's or job's correlation id.".to_owned()
        } else {
            "JSON lines with a correlation id, so one request or job can be followed; logs kept forever grow a bill.".to_owned()
        },
        r.origins(&["structured_logging", "log_retention", "log_hygiene"]),
    ));
    controls.push(control(
        "insights",
        "Container Insights",
        "Cluster setting containerInsights: enabled".to_owned(),
        "Per-task CPU, memory and network metrics, which the scaling and the alarms read."
            .to_owned(),
        r.origins(&["dashboards"]),
    ));

    // Data and secrets.
    let table = r.is("data_store", "dynamodb");
    controls.push(control(
        "data_store",
        "Data store",
        if table {
            "DynamoDB table (on-demand, point-in-time recovery, kept on stack deletion)".to_owned()
        } else {
            "None built in".to_owned()
        },
        if table && r.is("dynamodb_capacity_mode", "provisioned_autoscaling") {
            "The review names DynamoDB. It starts on demand; switch to provisioned capacity with auto scaling once real traffic is measured, as the review plans.".to_owned()
        } else if table {
            "The review names DynamoDB; the task role may read and write only this table.".to_owned()
        } else {
            "The review names no DynamoDB store; connect the one it uses.".to_owned()
        },
        r.origins(&["data_store", "dynamodb_capacity_mode"]),
    ));
    let secret = r.is("secrets_handling", "secrets_manager");
    controls.push(control(
        "secret",
        "Secret",
        if secret {
            "A Secrets Manager secret, injected as APP_SECRET when a task starts".to_owned()
        } else {
            "None".to_owned()
        },
        if secret {
            "The review keeps secrets in Secrets Manager; only the task execution role may read it, and it never appears in the template or the image.".to_owned()
        } else {
            "The review says the app needs no secret.".to_owned()
        },
        r.origins(&["secrets_handling"]),
    ));

    // Idempotency, for jobs that may be delivered twice.
    let sensitive = costly || r.is("duplicate_sensitivity", "annoying");
    let harmless = r.is("duplicate_sensitivity", "harmless")
        || (r.is("idempotency", "natural_idempotent") && !sensitive);
    let idempotency = (shape == Shape::Worker && !harmless).then(|| Idempotency {
        ttl_s: match job_s {
            Some(j) if costly => j.saturating_mul(4).max(86_400),
            Some(j) => j.saturating_mul(4).max(3_600),
            None => 3_600,
        },
    });
    if shape == Shape::Worker {
        controls.push(control(
            "idempotency",
            "Idempotency",
            match &idempotency {
                Some(i) => format!(
                    "Idempotency table: a record per job id, kept {} h",
                    i.ttl_s.div_ceil(3600)
                ),
                None => "None".to_owned(),
            },
            match &idempotency {
                Some(_) => "SQS can deliver a message twice and a schedule can fire twice; duplicates hurt here, so a job records its id before it runs, and a second delivery of a finished job is dropped.".to_owned(),
                None => "Duplicates are harmless here, so a job delivered twice simply runs twice.".to_owned(),
            },
            r.origins(&["duplicate_sensitivity", "idempotency"]),
        ));
    }

    // Network, IAM, encryption.
    controls.push(control(
        "network",
        "Network",
        "A VPC over two Availability Zones: public subnets for the load balancer and the NAT gateway, private subnets for tasks; one NAT gateway; S3 and DynamoDB gateway endpoints".to_owned(),
        if r.is("vpc_networking", "vpc_endpoints") {
            "Tasks get no public address. The review prefers endpoints: the free gateway endpoints carry S3 and DynamoDB; add interface endpoints for ECR and CloudWatch Logs to drop the NAT gateway.".to_owned()
        } else {
            "Tasks get no public address; one NAT gateway (about 32 USD a month plus 0.045 USD per GB) lets them reach ECR, CloudWatch and other AWS APIs.".to_owned()
        },
        r.origins(&["vpc_networking"]),
    ));
    let customer_key = r.is("encryption", "customer_keys");
    controls.push(control(
        "encryption",
        "Encryption at rest",
        if customer_key {
            "A customer-managed KMS key, rotated yearly, for the table, queues, logs and image repository".to_owned()
        } else {
            "AWS-managed keys on the table, queues, logs and image repository".to_owned()
        },
        if customer_key {
            "The review requires keys you control.".to_owned()
        } else {
            "The review does not require your own keys; AWS-managed keys cost nothing extra.".to_owned()
        },
        r.origins(&["encryption"]),
    ));
    controls.push(control(
        "iam",
        "Least-privilege IAM",
        "A task role with only the calls the app makes, on its own resources; an execution role that may pull this image, write this log group and read this secret".to_owned(),
        if r.answered("iam_roles") && !r.is("iam_roles", "per_function") {
            "The review shares or broadens roles; the starter scopes each role to single resources.".to_owned()
        } else {
            "Each role holds only what its holder does.".to_owned()
        },
        r.origins(&["iam_roles"]),
    ));

    // Alarms.
    let mut alarms = vec![];
    match shape {
        Shape::Service => {
            alarms.push(("target_5xx", "Target 5XX responses above 5% of requests"));
            alarms.push(("unhealthy", "Unhealthy tasks behind the load balancer"));
            alarms.push(("cpu", "Service CPU above 85%"));
        }
        Shape::Worker => {
            if queue.is_some() {
                alarms.push(("dlq", "Messages in the dead-letter queue"));
                alarms.push(("queue_age", "Age of the oldest queued job"));
            }
            if schedule.is_some() {
                alarms.push((
                    "schedule_failed",
                    "Scheduled runs Scheduler could not start",
                ));
            }
        }
    }
    let alarms: Vec<Alarm> = alarms
        .into_iter()
        .map(|(id, title)| Alarm {
            id: id.to_owned(),
            title: title.to_owned(),
        })
        .collect();
    controls.push(alarms_control(
        &r,
        &alarms,
        "Alarms on each way this shape breaks; subscribe your on-call tool to the topic.",
    ));

    // Budget, from the containers side of the cost estimate.
    let estimate_usd = evaluation.cost.as_ref().map(|c| c.containers.monthly_usd);
    let (budget_usd, budget) = budget_control(
        &r,
        evaluation,
        estimate_usd,
        100,
        |e| {
            format!(
                "The review's containers estimate of {e:.2} USD a month, plus 20%, rounded up. The NAT gateway and the load balancer's capacity units are not in it."
            )
        },
        &["peak_rps", "avg_duration_ms"],
    );
    controls.push(budget);

    let caution = caution(evaluation, &pattern_name, recommendation);
    let log_level = "INFO".to_owned();
    Plan {
        pattern,
        pattern_name,
        chosen: choice.pattern.is_some(),
        rank: recommendation.map(|x| x.rank),
        runtime: choice.runtime,
        iac: choice.iac,
        workload: workload.name.clone(),
        project: project_name(&workload.name),
        // The function settings do not apply to containers: they stay at rest and are never
        // rendered (the containers templates read `container`).
        function: Function {
            memory_mb,
            timeout_s: job_s.unwrap_or(stop_timeout_s),
            architecture: architecture.to_ascii_lowercase(),
            reserved_concurrency: None,
            peak_concurrency: None,
            log_retention_days,
            log_level: log_level.clone(),
            log_events: false,
        },
        handlers: Vec::new(),
        idempotency,
        failure: None,
        queue: None,
        api: None,
        stream: None,
        workflow: None,
        bus: None,
        schedule: None,
        saga: None,
        relational: None,
        strangler: None,
        cqrs: None,
        event_sourcing: None,
        realtime: None,
        bff: None,
        breaker: None,
        scheduled_start: None,
        entry_points: Vec::new(),
        fifo: None,
        // The containers template has its own alarms (5xx and target health, queue age); the
        // Lambda alarm thresholds do not apply.
        watch: Watch {
            error_rate: ErrorRate {
                threshold_pct: 5,
                datapoints: 3,
                periods: 5,
            },
            duration_alarm_ms: 0,
            dashboard: false,
        },
        customer_key,
        secret,
        deployment: "ECS rolling update with circuit breaker".to_owned(),
        alarms,
        budget_usd,
        estimate_usd,
        controls,
        caution,
        container: Some(Container {
            shape,
            cpu,
            memory_mb,
            architecture: architecture.to_owned(),
            min_tasks,
            max_tasks,
            stop_timeout_s,
            log_retention_days,
            log_level,
            table,
            web,
            queue,
            schedule,
            job_s,
        }),
    }
}

/// Whether the review argues against a containers starter: when it finds that serverless fits,
/// or when its answers give the pattern no support.
fn caution(
    evaluation: &Evaluation,
    pattern_name: &str,
    recommendation: Option<&crate::recommend::Recommendation>,
) -> Option<Caution> {
    use crate::verdict::VerdictStatus;
    let verdict = &evaluation.verdict;
    let unsupported = recommendation.is_none_or(|r| r.score <= 0.0);
    let advice = match verdict.status {
        VerdictStatus::Fits | VerdictStatus::FitsWithBlockers => format!(
            "The review finds that serverless fits this workload. Containers on {pattern_name} \
             pay for tasks and a network while nothing runs; use this starter to compare, or \
             for a part of the system the review sends to containers."
        ),
        _ if unsupported => format!(
            "The review's answers give {pattern_name} no support: it is not among the patterns \
             they recommend."
        ),
        _ => return None,
    };
    Some(Caution {
        verdict: verdict.status.label().to_owned(),
        detail: verdict.detail().to_owned(),
        blockers: verdict.blockers.iter().map(|b| b.message.clone()).collect(),
        advice,
    })
}

#[cfg(test)]
mod tests {
    use super::fargate_size;

    #[test]
    fn fargate_sizes_are_valid_and_the_smallest_that_fit() {
        assert_eq!(fargate_size(2048, 1024), (1024, 2048));
        assert_eq!(fargate_size(6144, 1024), (2048, 6144));
        assert_eq!(fargate_size(8192, 512), (2048, 8192));
        assert_eq!(fargate_size(100, 256), (256, 512));
        assert_eq!(fargate_size(40_000, 1024), (16384, 40960));
        assert_eq!(fargate_size(500_000, 1024), (16384, 122880));
    }
}
