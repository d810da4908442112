//! Building the plan: [`plan`] turns a review, a pattern and a runtime into every setting of the
//! starter, one section per control (memory, timeout, concurrency, logs, idempotency, failure
//! paths, queue, API, stream, workflow, bus, encryption, deployment, alarms, budget); the
//! handlers each pattern runs; and the project name and rounding the settings use.

use crate::answers::{Answers, Workload};
use crate::evaluate::Evaluation;
use crate::model::Questionnaire;

use super::needs;
use super::reader::{Reader, control, quota};
use super::*;

fn handlers(
    r: &Reader,
    pattern: Pattern,
    workflow: Option<&Workflow>,
    stream: Option<&Stream>,
    bff: Option<&Bff>,
    idempotency: bool,
) -> Vec<Handler> {
    // Checking a signature, validating input and recording the end repeat no side effect; the
    // approval and start functions guard themselves (a conditional write, the execution's name).
    let h = |name: &str, logical_id: &str, purpose: &str| Handler {
        name: name.to_owned(),
        logical_id: logical_id.to_owned(),
        purpose: purpose.to_owned(),
        idempotent: idempotency
            && !matches!(
                name,
                "receive" | "validate" | "complete" | "request_approval" | "start" | "decide"
            ),
    };
    match pattern {
        Pattern::Api => vec![h(
            "api",
            "ApiFunction",
            "Creates an item (POST /items) and reads one (GET /items/{id}) in DynamoDB.",
        )],
        Pattern::S3Events => vec![h(
            "process",
            "ProcessFunction",
            "Reads each object uploaded under incoming/ and writes its result to the output bucket.",
        )],
        Pattern::Fanout => vec![
            h(
                "audit",
                "AuditFunction",
                "Records every event published to the topic, from its own queue.",
            ),
            h(
                "notify",
                "NotifyFunction",
                "Acts on created events only (a subscription filter policy), from its own queue.",
            ),
        ],
        Pattern::EventBus => vec![h(
            "handle",
            "HandleFunction",
            "Handles the events a rule on the bus routes to it.",
        )],
        Pattern::Workflow => {
            let mut v = vec![
                h(
                    "validate",
                    "ValidateFunction",
                    "Checks the input of an execution.",
                ),
                h(
                    "process",
                    "ProcessFunction",
                    "Does the work of the execution.",
                ),
                h(
                    "complete",
                    "CompleteFunction",
                    "Records the finished execution.",
                ),
            ];
            if workflow.is_some_and(|w| w.approval.is_some()) {
                v.insert(
                    2,
                    h(
                        "request_approval",
                        "RequestApprovalFunction",
                        "Records the approval's task token and asks the approver to decide.",
                    ),
                );
            }
            if workflow.is_some_and(|w| w.compensation) {
                v.push(h(
                    "compensate",
                    "CompensateFunction",
                    "Undoes the work of the steps that finished before a failure.",
                ));
            }
            if workflow.is_some_and(|w| w.start_api) {
                v.push(h(
                    "start",
                    "StartFunction",
                    "Starts an execution for each POST /executions, named by the request's id.",
                ));
            }
            if workflow.is_some_and(|w| w.approval.is_some()) {
                v.push(h(
                    "decide",
                    "DecideFunction",
                    "Records an approver's decision (POST /approvals/{id}) and resumes the execution once.",
                ));
            }
            v
        }
        Pattern::Stream => match stream.map_or(1, |s| s.consumers) {
            1 => vec![h(
                "consume",
                "ConsumeFunction",
                "Processes batches of stream records, reporting the records that failed.",
            )],
            n => (1..=n)
                .map(|i| {
                    h(
                        &format!("consume_{i}"),
                        &format!("Consume{i}Function"),
                        &format!("Reader {i} of {n}: processes batches of stream records from its own consumer, reporting the records that failed."),
                    )
                })
                .collect(),
        },
        Pattern::Saga => super::saga::handlers(),
        Pattern::Relational => super::relational::handlers(),
        Pattern::Cqrs => super::cqrs::handlers(),
        Pattern::EventSourcing => super::event_sourcing::handlers(r),
        Pattern::Bff => bff.map(super::bff::handlers).unwrap_or_default(),
        Pattern::CircuitBreaker => vec![h(
            "call",
            "CallFunction",
            "Calls the downstream dependency through the circuit breaker, turning calls away at once while it is open.",
        )],
        // The migrated route reads: nothing to record.
        Pattern::StranglerFig => vec![Handler {
            idempotent: false,
            ..h(
                "migrated",
                "MigratedFunction",
                "Serves the first migrated route (GET /items/{id}) from the new table, in the legacy system's response shape.",
            )
        }],
        // Connection records are keyed puts and messages carry cursors (see `realtime.rs`).
        Pattern::RealtimeBroadcast => vec![
            Handler {
                idempotent: false,
                ..h(
                    "connections",
                    "ConnectionsFunction",
                    "Serves the WebSocket routes: records a connection on $connect, removes it on $disconnect, subscribes it to a channel (returning what it missed), queues sendmessage for broadcast, answers ping and unknown actions.",
                )
            },
            Handler {
                idempotent: false,
                ..h(
                    "broadcast",
                    "BroadcastFunction",
                    "Reads queued messages, logs each for late subscribers, copies it to each of the channel's shards, and posts it to the shard's connections, deleting those that are gone.",
                )
            },
        ],
        Pattern::Webhook => vec![
            h(
                "receive",
                "ReceiveFunction",
                "Checks the sender's signature and queues the event, answering 202 at once.",
            ),
            h(
                "work",
                "WorkFunction",
                "Processes queued events in batches, reporting the messages that failed.",
            ),
        ],
        // The run ledger, not the idempotency table, keeps this job to one run per slot.
        Pattern::ScheduledJobs => vec![Handler {
            idempotent: false,
            ..h(
                "run",
                "RunFunction",
                "Runs the job once per scheduled time, skipping a slot already done and a start that would overlap the run still going.",
            )
        }],
        Pattern::Containers | Pattern::QueueWorker => Vec::new(),
    }
}

/// Turns a workload name into a stack name: lower-case letters, digits and single dashes.
pub fn project_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if out.is_empty() && c.is_ascii_digit() {
                out.push_str("app-");
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "starter".to_owned()
    } else {
        out.to_owned()
    }
}

pub(super) fn ceil_u32(x: f64) -> u32 {
    // Answers are validated against their ranges; the clamp only keeps a cast from saturating oddly.
    x.ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// Rounds a budget up to a figure a person would set: 10, 20, 50, 100, 150, 200, …
pub(super) fn round_budget(usd: f64) -> u32 {
    let usd = ceil_u32(usd).max(10);
    let step = match usd {
        0..=20 => 10,
        21..=100 => 25,
        101..=1000 => 50,
        _ => 500,
    };
    usd.div_ceil(step) * step
}

/// Builds the plan for a review, a pattern and a runtime.
pub fn plan(
    q: &Questionnaire,
    workload: &Workload,
    answers: &Answers,
    evaluation: &Evaluation,
    choice: Choice,
) -> Result<Plan, PlanError> {
    let pattern = match choice.pattern {
        Some(p) => p,
        None => default_pattern(evaluation).ok_or(PlanError::NoPattern)?,
    };
    if pattern.containers() {
        return Ok(super::containers::plan(
            q, workload, answers, evaluation, choice, pattern,
        ));
    }
    let r = Reader { q, answers };
    let recommendation = evaluation
        .recommendations
        .iter()
        .find(|x| x.pattern.as_str() == pattern.as_str());
    let pattern_name = q
        .pattern(pattern.as_str())
        .map_or_else(|| pattern.as_str().to_owned(), |p| p.name.to_string());
    let mut controls = Vec::new();

    // Memory and architecture.
    let memory_mb = r.number("memory_mb").map_or(512, |m| {
        ceil_u32(m).clamp(128, ceil_u32(quota(q, "lambda_memory_max")))
    });
    controls.push(control(
        "memory",
        "Function memory",
        format!("MemorySize: {memory_mb}"),
        if r.answered("memory_mb") {
            "The memory the review sized; CPU scales with it.".to_owned()
        } else {
            "A middle default; tune it with Lambda Power Tuning once real traffic runs.".to_owned()
        },
        r.origins(&["memory_mb"]),
    ));
    let architecture = if choice.runtime != Runtime::Rust && r.is("architecture", "x86_64") {
        "x86_64"
    } else {
        "arm64"
    };
    controls.push(control(
        "architecture",
        "Processor architecture",
        format!("Architectures: [{architecture}]"),
        match (architecture, choice.runtime) {
            ("x86_64", _) => "The review keeps x86_64, for a native dependency.".to_owned(),
            (_, Runtime::Rust) => {
                "Rust builds for Graviton (arm64): about 20% cheaper per GB-second.".to_owned()
            }
            _ => "Graviton (arm64) costs about 20% less per GB-second.".to_owned(),
        },
        r.origins(&["architecture"]),
    ));

    // Timeout from the stated durations.
    // An API integration stops waiting at its timeout (REST's default 29 s); a function at 15 min.
    let api_timeout_s = ceil_u32(quota(q, "apigw_rest_timeout") / 1000.0);
    // The circuit breaker waits on its caller only when an HTTP API calls it.
    let breaker_api = pattern == Pattern::CircuitBreaker && super::breaker::api_caller(&r);
    let synchronous = pattern.synchronous() || breaker_api;
    // The WebSocket routes wait on the connections function, within the same 29 s.
    let cap = if synchronous || pattern == Pattern::RealtimeBroadcast {
        api_timeout_s
    } else {
        ceil_u32(quota(q, "lambda_timeout"))
    };
    let job_min = r
        .number("job_duration_min")
        .filter(|_| pattern == Pattern::ScheduledJobs);
    let (timeout_s, timeout_why, timeout_from) = if let Some(m) = job_min {
        // A scheduled job states its longest run; its timeout leaves a quarter more.
        let t = ceil_u32(m * 60.0 * 1.25).clamp(3, cap);
        (
            t,
            format!(
                "A quarter more than the longest run of {m} min{}.",
                if t == cap {
                    ", within Lambda's 15-minute ceiling"
                } else {
                    ""
                }
            ),
            vec!["job_duration_min"],
        )
    } else if let Some(p99) = r.number("p99_duration_ms") {
        let t = ceil_u32(p99 * 3.0 / 1000.0).clamp(3, cap);
        (
            t,
            format!(
                "Three times the p99 duration of {p99} ms, at least 3 s{}.",
                if synchronous {
                    ", and at most the API's integration timeout"
                } else {
                    ""
                }
            ),
            vec!["p99_duration_ms"],
        )
    } else if let Some(avg) = r.number("avg_duration_ms") {
        let t = ceil_u32(avg * 5.0 / 1000.0).clamp(3, cap);
        (
            t,
            format!("Five times the average duration of {avg} ms (no p99 given), at least 3 s."),
            vec!["avg_duration_ms", "p99_duration_ms"],
        )
    } else {
        let t = if synchronous { 10 } else { 30 };
        (
            t,
            "No duration given: a conservative default. Set it from measured p99 durations."
                .to_owned(),
            vec!["p99_duration_ms"],
        )
    };
    controls.push(control(
        "timeout",
        "Function timeout",
        format!("Timeout: {timeout_s}"),
        timeout_why,
        r.origins(&timeout_from),
    ));

    // Concurrency from the concurrency check.
    let peak_concurrency = match (r.number("peak_rps"), r.number("avg_duration_ms")) {
        (Some(rps), Some(ms)) => Some(ceil_u32(rps * ms / 1000.0).max(1)),
        _ => None,
    };
    let answered_reserved = r.number("reserved_concurrency").map(ceil_u32);
    let reserved_concurrency = match answered_reserved {
        Some(n) if n > 0 => Some(n),
        _ if r.is("downstream_protection", "reserved_concurrency") => {
            peak_concurrency.map(|p| ceil_u32(f64::from(p) * 1.2).max(5))
        }
        _ => None,
    };
    controls.push(control(
        "reserved_concurrency",
        "Reserved concurrency",
        match reserved_concurrency {
            Some(n) => format!("ReservedConcurrency: {n} (a parameter the prod deployment sets; 0 elsewhere)"),
            None => "ReservedConcurrency: 0 (not set)".to_owned(),
        },
        match (reserved_concurrency, answered_reserved) {
            (Some(_), Some(n)) if n > 0 => "The reservation the review chose. It is a parameter, set only in the prod stage: a fixed reservation fails to deploy in a new account, whose quota is too small.".to_owned(),
            (Some(n), _) => format!("The concurrency check's peak of {} executions plus 20%, so the function cannot starve the rest of the account nor overwhelm what it calls.", n * 5 / 6),
            (None, _) => "The review does not cap this function; the parameter is there when it should.".to_owned(),
        },
        r.origins(&["reserved_concurrency", "downstream_protection", "peak_rps", "avg_duration_ms"]),
    ));

    // Logs.
    let log_events = !r.is("log_hygiene", "redacted") && !r.is("log_hygiene", "ad_hoc");
    let log_events =
        log_events && r.answered("log_hygiene") && !r.is("log_hygiene", "full_payloads");
    controls.push(control(
        "logging",
        "Structured logs",
        "LoggingConfig: JSON; Powertools Logger with a correlation id on every line".to_owned(),
        if r.is("structured_logging", "json_correlation") {
            "As the review does: JSON lines that carry the request's correlation id.".to_owned()
        } else if r.answered("structured_logging") {
            "The review's logs lack JSON or correlation ids; the starter adds both.".to_owned()
        } else {
            "JSON lines with a correlation id, so one request can be followed across functions."
                .to_owned()
        },
        r.origins(&["structured_logging"]),
    ));
    controls.push(control(
        "log_payloads",
        "Event payloads in logs",
        if log_events {
            "Log event: on".to_owned()
        } else {
            "Log event: off".to_owned()
        },
        if log_events {
            "The review logs payloads on purpose; turn it off if they carry personal data."
                .to_owned()
        } else {
            "Payloads stay out of the logs, so personal data and secrets do too.".to_owned()
        },
        r.origins(&["log_hygiene"]),
    ));
    let log_retention_days =
        if r.is("log_retention", "never_expire") || !r.answered("log_retention") {
            30
        } else {
            90
        };
    controls.push(control(
        "log_retention",
        "Log retention",
        format!("RetentionInDays: {log_retention_days}"),
        if r.is("log_retention", "set_everywhere") || r.is("log_retention", "some_groups") {
            "A retention on every log group, as the review sets them.".to_owned()
        } else if r.answered("log_retention") {
            "Logs that never expire grow a bill; 30 days is the starter's default.".to_owned()
        } else {
            "Logs kept forever grow a bill; 30 days is the starter's default.".to_owned()
        },
        r.origins(&["log_retention"]),
    ));
    let log_level = "INFO".to_owned();
    controls.push(control(
        "log_level",
        "Log level",
        "LogLevel parameter: INFO (DEBUG per stage without a deploy of code)".to_owned(),
        if r.is("log_level", "configurable") {
            "The level is configuration, as the review asks.".to_owned()
        } else {
            "Changing the level should not need a release: the starter makes it a parameter."
                .to_owned()
        },
        r.origins(&["log_level"]),
    ));
    controls.push(control(
        "tracing",
        "Tracing",
        "Tracing: Active (X-Ray), Powertools Tracer".to_owned(),
        if r.is("tracing", "otel") {
            "The review uses OpenTelemetry; X-Ray active tracing is the starter's baseline, and the ADOT layer can export the same spans.".to_owned()
        } else if r.is("tracing", "xray") {
            "As the review does: X-Ray traces across every hop.".to_owned()
        } else if r.answered("tracing") {
            "The review has no tracing; the starter turns it on, so a slow hop shows.".to_owned()
        } else {
            "Traces show which hop is slow or failing.".to_owned()
        },
        r.origins(&["tracing"]),
    ));

    // Idempotency where duplicates hurt.
    let sensitive =
        r.is("duplicate_sensitivity", "costly") || r.is("duplicate_sensitivity", "annoying");
    let harmless = r.is("duplicate_sensitivity", "harmless")
        || (r.is("idempotency", "natural_idempotent") && !sensitive);
    let idempotency = if harmless {
        None
    } else {
        Some(Idempotency {
            ttl_s: if r.is("duplicate_sensitivity", "costly") {
                86_400
            } else {
                3_600
            },
        })
    };
    // Scheduled jobs key each run on its scheduled time in their own runs table instead.
    let idempotency = idempotency.filter(|_| pattern != Pattern::ScheduledJobs);
    // The relational API's items table refuses a repeated key itself (see `relational.rs`).
    let idempotency = idempotency.filter(|_| pattern != Pattern::Relational);
    // CQRS guards every write with its own condition (see `cqrs.rs`).
    let idempotency = idempotency.filter(|_| pattern != Pattern::Cqrs);
    if pattern != Pattern::ScheduledJobs {
        controls.push(control(
        "idempotency",
        "Idempotency",
        match &idempotency {
            Some(i) => format!("Idempotency table with TTL, keys kept {} h", i.ttl_s / 3600),
            None => "None".to_owned(),
        },
        match &idempotency {
            Some(_) if r.is("duplicate_sensitivity", "costly") => "A duplicate costs money or trust, so each request key is recorded for a day and a retry returns the first result.".to_owned(),
            Some(_) if sensitive => "Duplicates annoy users, so each request key is recorded for an hour.".to_owned(),
            Some(_) => "The review does not say duplicates are harmless, so the starter records request keys (every AWS event source can deliver twice).".to_owned(),
            None => "Duplicates are harmless here, so no idempotency store is built.".to_owned(),
        },
        r.origins(&["duplicate_sensitivity", "idempotency"]),
    ));
    }

    // Failure paths for asynchronous patterns (and CQRS's stream projector behind its APIs).
    let failure = (!synchronous || pattern == Pattern::Cqrs).then(|| Failure {
        max_receive_count: if r.is("duplicate_sensitivity", "costly") {
            3
        } else {
            5
        },
        retry_attempts: 2,
        max_event_age_s: if matches!(pattern, Pattern::Stream | Pattern::Cqrs) {
            3_600
        } else {
            21_600
        },
        dlq_retention_days: 14,
    });
    if let Some(f) = &failure {
        let setting = match pattern {
            Pattern::Stream | Pattern::Cqrs => format!(
                "On-failure SQS destination; BisectBatchOnFunctionError; MaximumRetryAttempts: {}; MaximumRecordAgeInSeconds: {}; ReportBatchItemFailures",
                f.retry_attempts + 1,
                f.max_event_age_s
            ),
            Pattern::Fanout | Pattern::Webhook | Pattern::RealtimeBroadcast => format!(
                "Dead-letter queue, maxReceiveCount: {}; ReportBatchItemFailures; DLQ kept {} days",
                f.max_receive_count, f.dlq_retention_days
            ),
            Pattern::Workflow => {
                "Retry and Catch on every task; failures end in a Fail state".to_owned()
            }
            Pattern::EventSourcing => format!(
                "An on-failure SQS destination for every projection's mapping, kept {} days; retries and record age under Projection batches and order",
                f.dlq_retention_days
            ),
            Pattern::EventBus => format!(
                "Rule RetryPolicy and a DeadLetterConfig queue; the function's on-failure destination after {} retries",
                f.retry_attempts
            ),
            _ => format!(
                "EventInvokeConfig: {} retries, then an on-failure SQS destination",
                f.retry_attempts
            ),
        };
        controls.push(control(
            "failure_path",
            "Dead-letter path",
            setting,
            if r.is("failure_paths", "dlq_everywhere") || r.is("failure_paths", "on_failure_destinations") {
                "Every asynchronous hop keeps the events it could not handle, as the review requires.".to_owned()
            } else if r.answered("failure_paths") {
                "The review has no failure path for every asynchronous hop; the starter keeps every event it could not handle, for inspection and redrive.".to_owned()
            } else {
                "Every event the function could not handle is kept, for inspection and redrive.".to_owned()
            },
            r.origins(&["failure_paths", "duplicate_sensitivity"]),
        ));
    }

    // The queue in front of a worker.
    let breaker_queue = pattern == Pattern::CircuitBreaker && !breaker_api;
    let queue = (pattern.consumes_queue() || breaker_queue).then(|| Queue {
        visibility_timeout_s: timeout_s * 6,
        batch_size: 10,
        max_concurrency: peak_concurrency.map_or(10, |p| p.clamp(2, 1000)),
    });
    if let Some(qu) = &queue {
        controls.push(control(
            "queue_concurrency",
            "Queue consumer concurrency",
            format!(
                "ScalingConfig.MaximumConcurrency: {}; VisibilityTimeout: {} s; BatchSize: {}",
                qu.max_concurrency, qu.visibility_timeout_s, qu.batch_size
            ),
            if peak_concurrency.is_some() {
                "The concurrency check's peak caps the consumers; the visibility timeout is six times the function timeout, as AWS advises.".to_owned()
            } else {
                "No peak rate and duration given: 10 consumers at most. The visibility timeout is six times the function timeout.".to_owned()
            },
            r.origins(&["peak_rps", "avg_duration_ms", "downstream_protection"]),
        ));
    }

    // HTTP entry points.
    // A workflow gets an API when the review names an HTTP entry point or a person decides.
    let workflow_api = pattern == Pattern::Workflow
        && (needs::http_entry(&r) || r.is("workflow_waits", "human_approval"));
    let mut api = (pattern.has_api() || workflow_api || breaker_api).then(|| {
        let auth = if pattern == Pattern::Webhook {
            Auth::Signature
        } else if r.is("client_types", "machine_only") {
            Auth::Iam
        } else {
            Auth::Jwt
        };
        let rate = r
            .number("peak_rps")
            .map_or(100, |p| ceil_u32(p * 1.5).max(10));
        Api {
            auth,
            throttle_rate: rate,
            throttle_burst: rate.saturating_mul(2),
        }
    });
    if let Some(a) = &api {
        controls.push(control(
            "api_auth",
            "API authorization",
            match a.auth {
                Auth::Jwt => "HTTP API JWT authorizer (issuer and audience are parameters)".to_owned(),
                Auth::Iam => "HTTP API IAM (SigV4) authorization".to_owned(),
                Auth::Signature => "HMAC signature checked against a Secrets Manager secret; unsigned requests get 401".to_owned(),
            },
            match a.auth {
                Auth::Jwt => "Clients are people's apps, so tokens from your identity provider guard every route.".to_owned(),
                Auth::Iam => "Only machines call it, so IAM signs every call.".to_owned(),
                Auth::Signature => "Webhook senders sign their requests; nothing unsigned reaches the queue.".to_owned(),
            },
            r.origins(&["edge_auth", "client_types"]),
        ));
        controls.push(control(
            "api_throttling",
            "API throttling",
            format!(
                "ThrottlingRateLimit: {}; ThrottlingBurstLimit: {}",
                a.throttle_rate, a.throttle_burst
            ),
            if r.answered("peak_rps") {
                "1.5 times the stated peak, so a flood is refused at the edge before it reaches the function.".to_owned()
            } else {
                "No peak given: 100 requests per second. Set it from the real peak.".to_owned()
            },
            r.origins(&["peak_rps"]),
        ));
    }

    // The strangler fig's facade: per-route settings (replacing the API-wide throttling control).
    let strangler = match (&api, pattern) {
        (Some(a), Pattern::StranglerFig) => Some(super::strangler::plan(
            &r,
            a,
            timeout_s,
            reserved_concurrency,
            &mut controls,
        )),
        _ => None,
    };
    // CQRS: the command and query APIs' throttles, the two models and the projector.
    let cqrs = match (api.as_mut(), pattern) {
        (Some(a), Pattern::Cqrs) => Some(super::cqrs::plan(&r, a, &mut controls)),
        _ => None,
    };
    // Its migrated route reads, so nothing needs an idempotency table.
    let idempotency = idempotency.filter(|_| pattern != Pattern::StranglerFig);

    // The event store, its feed and projections (replacing the idempotency table).
    let event_sourcing = (pattern == Pattern::EventSourcing)
        .then(|| super::event_sourcing::plan(&r, peak_concurrency, &mut controls));
    let idempotency = idempotency.filter(|_| pattern != Pattern::EventSourcing);
    // The WebSocket API and its broadcaster, whose queue is sized from the audience.
    let (realtime, queue) = if pattern == Pattern::RealtimeBroadcast {
        controls.retain(|c| c.id != "queue_concurrency");
        let (rt, qu) = super::realtime::plan(&r, reserved_concurrency, &mut controls);
        (Some(rt), Some(qu))
    } else {
        (None, queue)
    };
    let idempotency = idempotency.filter(|_| pattern != Pattern::RealtimeBroadcast);
    // The backends for frontend: per-client APIs, throttles and reservations; they only read.
    let (bff, reserved_concurrency) = match (&api, pattern) {
        (Some(a), Pattern::Bff) => {
            let (b, reserved) = super::bff::plan(
                &r,
                &workload.description,
                a,
                timeout_s,
                reserved_concurrency,
                &mut controls,
            );
            (Some(b), reserved)
        }
        _ => (None, reserved_concurrency),
    };
    let idempotency = idempotency.filter(|_| pattern != Pattern::Bff);
    // The circuit breaker: its call timeout, thresholds and what callers get while it is open.
    let breaker = (pattern == Pattern::CircuitBreaker).then(|| {
        super::breaker::plan(
            &r,
            timeout_s,
            queue.as_ref(),
            failure.as_ref(),
            idempotency.is_some(),
            &mut controls,
        )
    });

    // Kinesis.
    let stream =
        (pattern == Pattern::Stream).then(|| needs::stream(&r, peak_concurrency, &mut controls));

    // Step Functions.
    let workflow = (pattern == Pattern::Workflow).then(|| {
        let minutes = r.number("workflow_duration_min");
        let express = r.is("workflow_type", "express")
            || (!r.answered("workflow_type") && minutes.is_some_and(|m| m <= 5.0));
        let total_s = minutes.map_or(if express { 300 } else { 3_600 }, |m| {
            ceil_u32(m * 60.0 * 2.0).max(60)
        });
        let total_s = if express { total_s.min(300) } else { total_s };
        Workflow {
            kind: if express { "EXPRESS" } else { "STANDARD" }.to_owned(),
            compensation: r.is("multi_step_process", "approval_or_compensation"),
            // A little over the function's own timeout, so the function's error is the one seen.
            task_timeout_s: timeout_s + 5,
            timeout_s: total_s.max(timeout_s + 5),
            max_attempts: 3,
            backoff_rate: 2.0,
            approval: needs::approval(&r, &mut controls),
            start_api: needs::http_entry(&r),
        }
    });
    if let Some(w) = &workflow {
        controls.push(control(
            "workflow",
            "State machine",
            format!(
                "Type: {}; TimeoutSeconds: {}; {}",
                w.kind,
                w.timeout_s,
                if w.compensation {
                    "compensating steps on failure"
                } else {
                    "no compensation"
                }
            ),
            if w.compensation {
                "The process must undo finished steps when a later one fails, so each Catch runs the compensation for the steps before it.".to_owned()
            } else {
                "A failed step ends the execution in a Fail state; nothing needs undoing, per the review.".to_owned()
            },
            r.origins(&["workflow_type", "multi_step_process", "workflow_duration_min"]),
        ));
        if w.start_api {
            controls.push(control(
                "workflow_start",
                "Workflow entry point",
                "HTTP API POST /executions → StartFunction → StartExecution, named by the request's id".to_owned(),
                if w.kind == "STANDARD" {
                    "The review names an HTTP entry point: the route starts executions, and a repeated request with the same id starts nothing new (a Standard execution's name is unique for 90 days).".to_owned()
                } else {
                    "The review names an HTTP entry point: the route starts executions, named by the request's id (Express names do not stop a repeat: the steps' idempotency does).".to_owned()
                },
                r.origins(&["entry_point"]),
            ));
        }
    }

    // The saga: its own state machine, retries and records (replacing the idempotency table).
    let (saga, workflow, idempotency) = if pattern == Pattern::Saga {
        let (s, w) = super::saga::plan(&r, timeout_s, &mut controls);
        (Some(s), Some(w), None)
    } else {
        (None, workflow, idempotency)
    };

    // The relational API's database: its connection budget caps the functions.
    let relational = (pattern == Pattern::Relational).then(|| {
        super::relational::plan(
            &r,
            timeout_s,
            reserved_concurrency,
            peak_concurrency,
            &mut controls,
        )
    });
    let reserved_concurrency = relational
        .as_ref()
        .map_or(reserved_concurrency, |d| Some(d.reserved_concurrency));

    // EventBridge.
    let bus = (pattern == Pattern::EventBus).then(|| Bus {
        archive_days: needs::replay_days(&r),
    });
    if let Some(b) = &bus {
        controls.push(control(
            "archive",
            "Event archive",
            match b.archive_days {
                Some(0) => "Archive: kept forever".to_owned(),
                Some(d) => format!("Archive: {d} days"),
                None => "No archive".to_owned(),
            },
            match b.archive_days {
                Some(0) => "The review needs the full history replayable.".to_owned(),
                Some(d) if r.answered("replay_window_days") => format!("Consumers replay up to {d} days back after a fix, so the archive keeps that long."),
                Some(d) => format!("The review replays recent events after a fix but gives no window: {d} days."),
                None => "The review needs no replay, so nothing is archived.".to_owned(),
            },
            r.origins(&["event_replay", "replay_window_days"]),
        ));
    }

    // EventBridge Scheduler.
    let schedule = (pattern == Pattern::ScheduledJobs).then(|| {
        let (s, c) = super::schedule::schedule(&r, timeout_s);
        controls.extend(c);
        s
    });

    // A schedule that starts the bus, state machine or stream, when the review names one.
    let scheduled_start = super::entry::scheduled_start(&r, pattern, &mut controls);
    let entry_points =
        super::entry::entry_points(&r, pattern, api.is_some(), scheduled_start.as_ref());

    // Encryption and secrets.
    let customer_key = r.is("encryption", "customer_keys");
    controls.push(control(
        "encryption",
        "Encryption at rest",
        if customer_key {
            "A customer-managed KMS key, rotated yearly, for every store, queue, topic and log group".to_owned()
        } else {
            "AWS-managed keys on every store, queue and topic".to_owned()
        },
        if customer_key {
            "The review requires keys you control.".to_owned()
        } else {
            "The review does not require your own keys; AWS-managed keys cost nothing extra.".to_owned()
        },
        r.origins(&["encryption"]),
    ));
    let secret = pattern == Pattern::Webhook;
    controls.push(control(
        "iam",
        "Least-privilege IAM",
        "One role per function, with inline statements granting only the calls its code makes, each on its own table, bucket prefix, queue, secret or function alias".to_owned(),
        if r.is("iam_roles", "per_function") {
            "As the review does: a role per function, with only what it needs.".to_owned()
        } else if r.answered("iam_roles") {
            "The review shares or broadens roles; the starter gives each function its own, narrow role.".to_owned()
        } else {
            "Each function gets its own role with only what it needs.".to_owned()
        },
        r.origins(&["iam_roles"]),
    ));

    // Deployment.
    let deployment = if r.is("deploy_strategy", "all_at_once_alias") {
        "AllAtOnce"
    } else {
        "Canary10Percent5Minutes"
    };
    controls.push(control(
        "deployment",
        "Deployment",
        format!("AutoPublishAlias: live; DeploymentPreference: {deployment}, rolled back on alarms"),
        match deployment {
            "AllAtOnce" => "The review shifts all traffic at once through an alias; the alarms still roll it back.".to_owned(),
            _ if r.is("deploy_strategy", "canary_with_alarms") => "As the review does: 10% of traffic for 5 minutes, rolled back if an alarm fires.".to_owned(),
            _ => "A bad release should reach 10% of traffic, not all of it: the starter deploys canaries that alarms roll back.".to_owned(),
        },
        r.origins(&["deploy_strategy", "rollback"]),
    ));

    // Alarms on what can break.
    let mut alarms = vec![
        ("errors", "Function errors"),
        ("throttles", "Function throttles"),
        ("duration", "p99 duration near the timeout"),
    ];
    match pattern {
        Pattern::Api => alarms.push(("api_5xx", "API 5XX responses")),
        Pattern::Relational => {
            alarms.push(("api_5xx", "API 5XX responses"));
            alarms.push(("db_capacity", "Database near its capacity ceiling"));
            alarms.push((
                "proxy_connections",
                "Proxy connections near the pool's size",
            ));
        }
        Pattern::CircuitBreaker => {
            alarms.push(("breaker_opened", "Circuit breaker opened"));
            if breaker_api {
                alarms.push(("api_5xx", "API 5XX responses"));
            } else {
                alarms.push(("dlq", "Messages in the dead-letter queue"));
                alarms.push(("queue_age", "Age of the oldest queued message"));
            }
        }
        Pattern::StranglerFig => {
            alarms.push(("legacy_5xx", "Legacy route 5XX rate"));
            alarms.push(("migrated_5xx", "Migrated routes' 5XX rate"));
            alarms.push((
                "legacy_latency",
                "Legacy route p99 latency near the facade's timeout",
            ));
        }
        Pattern::Bff => {
            alarms.push(("client_5xx", "Each client API's 5XX rate"));
            alarms.push((
                "partial_responses",
                "Partial responses (a downstream service failed or was late)",
            ));
        }
        Pattern::Webhook => {
            alarms.push(("api_5xx", "API 5XX responses"));
            alarms.push(("dlq", "Messages in the dead-letter queue"));
            alarms.push(("queue_age", "Age of the oldest queued message"));
        }
        Pattern::RealtimeBroadcast => {
            alarms.push(("dlq", "Broadcasts in the dead-letter queue"));
            alarms.push(("queue_age", "Age of the oldest queued broadcast"));
            alarms.push((
                "websocket_errors",
                "WebSocket integration and execution errors",
            ));
        }
        Pattern::Fanout => {
            alarms.push(("dlq", "Messages in the dead-letter queue"));
            alarms.push(("queue_age", "Age of the oldest queued message"));
        }
        Pattern::S3Events | Pattern::EventBus => {
            alarms.push(("dlq", "Events in the dead-letter queue"))
        }
        Pattern::Stream => {
            alarms.push(("iterator_age", "Stream iterator age"));
            alarms.push(("dlq", "Batches sent to the on-failure destination"));
        }
        Pattern::Cqrs => {
            alarms.push(("command_5xx", "Command API 5XX rate"));
            alarms.push(("query_5xx", "Query API 5XX rate"));
            alarms.push((
                "projector_lag",
                "Projector iterator age (how stale the read model is)",
            ));
            alarms.push(("dlq", "Stream batches sent to the on-failure queue"));
        }
        Pattern::EventSourcing => {
            alarms.push(("api_5xx", "API 5XX responses"));
            alarms.push(("projection_iterator_age", "Projection iterator age"));
            alarms.push(("dlq", "Changes sent to the projections' failure queue"));
        }
        Pattern::Saga => {
            alarms.push((
                "executions_failed",
                "Failed sagas (rolled back or not undone)",
            ));
            alarms.push(("executions_timed_out", "Timed-out sagas"));
            if scheduled_start.is_some() {
                alarms.push(("dlq", "Scheduled runs Scheduler could not deliver"));
            }
        }
        Pattern::Workflow => {
            if api.is_some() {
                alarms.push(("api_5xx", "API 5XX responses"));
            }
            alarms.push(("executions_failed", "Failed executions"));
            alarms.push(("executions_timed_out", "Timed-out executions"));
            if scheduled_start.is_some() {
                alarms.push(("dlq", "Scheduled runs Scheduler could not deliver"));
            }
        }
        Pattern::ScheduledJobs => {
            alarms.push(("dlq", "Runs in the failed-runs queue"));
            alarms.push((
                "runs_skipped",
                "Runs skipped because the previous run was still going",
            ));
        }
        Pattern::Containers | Pattern::QueueWorker => {}
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
        if r.is("alarms", "routed_oncall") {
            "Alarms on every way this pattern breaks, routed to a person, as the review does."
        } else {
            "Alarms on every way this pattern breaks; subscribe your on-call tool to the topic."
        },
    ));

    let watch = super::watch::watch(&r, pattern, timeout_s, &mut controls);

    // A budget from the cost estimate.
    let estimate_usd = evaluation.cost.as_ref().map(|c| c.serverless.monthly_usd);
    let (budget_usd, budget) = budget_control(
        &r,
        evaluation,
        estimate_usd,
        50,
        |e| {
            format!(
                "The review's serverless estimate of {e:.2} USD a month (every service line of the cost model), plus 20%, rounded up."
            )
        },
        &["monthly_requests", "avg_duration_ms", "memory_mb"],
    );
    controls.push(budget);

    let handlers = handlers(
        &r,
        pattern,
        workflow.as_ref(),
        stream.as_ref(),
        bff.as_ref(),
        idempotency.is_some(),
    );
    // Message order: FIFO queues (and topic) for the queue starters, a warning for the others.
    let fifo = super::fifo::plan(&r, pattern, &handlers, &mut controls);
    let caution = caution(evaluation, &pattern_name, recommendation);
    Ok(Plan {
        pattern,
        pattern_name,
        chosen: choice.pattern.is_some(),
        rank: recommendation.map(|x| x.rank),
        runtime: choice.runtime,
        iac: choice.iac,
        workload: workload.name.clone(),
        project: project_name(&workload.name),
        handlers,
        function: Function {
            memory_mb,
            timeout_s,
            architecture: architecture.to_owned(),
            reserved_concurrency,
            peak_concurrency,
            log_retention_days,
            log_level,
            log_events,
        },
        idempotency,
        failure,
        queue,
        api,
        stream,
        workflow,
        bus,
        schedule,
        saga,
        relational,
        strangler,
        cqrs,
        event_sourcing,
        realtime,
        bff,
        breaker,
        scheduled_start,
        entry_points,
        customer_key,
        secret,
        deployment: deployment.to_owned(),
        alarms,
        watch,
        budget_usd,
        estimate_usd,
        controls,
        caution,
        container: None,
        fifo,
    })
}

/// Whether, and why, the review argues against a starter on this pattern: a verdict of
/// containers, blockers that stand, or answers that give the pattern no support.
fn caution(
    evaluation: &Evaluation,
    pattern_name: &str,
    recommendation: Option<&crate::recommend::Recommendation>,
) -> Option<Caution> {
    use crate::verdict::VerdictStatus;
    let verdict = &evaluation.verdict;
    let unsupported = recommendation.is_none_or(|r| r.score <= 0.0);
    let advice = match verdict.status {
        VerdictStatus::DoesNotFit => format!(
            "The review recommends containers for this workload, and Trellis's containers \
             starters (containers_fargate, queue_worker_containers) build that design. This \
             serverless project on {pattern_name} can serve to compare the two, \
             or for the parts of the system that do fit functions; it is not the design the \
             review arrived at."
        ),
        VerdictStatus::FitsWithBlockers => format!(
            "Serverless fits, but {} before the design can be approved. This starter does not \
             remove {}: resolve {} in the review first.",
            match verdict.blockers.len() {
                1 => "one blocker stands".to_owned(),
                n => format!("{n} blockers stand"),
            },
            if verdict.blockers.len() == 1 {
                "it"
            } else {
                "them"
            },
            if verdict.blockers.len() == 1 {
                "it"
            } else {
                "them"
            },
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

/// The "Alarms" control: every alarm of the plan, each to the alarm topic.
pub(super) fn alarms_control(r: &Reader, alarms: &[Alarm], why: &str) -> Control {
    control(
        "alarms",
        "Alarms",
        format!(
            "{}, each to an SNS topic that emails AlarmEmail",
            alarms
                .iter()
                .map(|a| a.title.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        why.to_owned(),
        r.origins(&["alarms"]),
    )
}

/// The monthly budget (the estimate plus 20 %, rounded up; `default_usd` without one) and its
/// control, traced to every answer the estimate read (`fallback` without an estimate).
pub(super) fn budget_control(
    r: &Reader,
    evaluation: &Evaluation,
    estimate_usd: Option<f64>,
    default_usd: u32,
    because: impl FnOnce(f64) -> String,
    fallback: &[&str],
) -> (u32, Control) {
    let budget_usd = estimate_usd.map_or(default_usd, |e| round_budget(e * 1.2));
    let from = match evaluation.cost.as_ref() {
        Some(c) => c
            .inputs
            .iter()
            .map(|q| q.as_str())
            .chain(["budget_alarm"])
            .map(|q| r.origin(q))
            .collect(),
        None => r.origins(&[fallback, &["budget_alarm"]].concat()),
    };
    let control = control(
        "budget",
        "Monthly budget alarm",
        format!("AWS::Budgets::Budget: {budget_usd} USD, alerts at 80% actual and 100% forecast"),
        match estimate_usd {
            Some(e) => because(e),
            None => format!(
                "No cost estimate yet (answer the cost questions): {default_usd} USD, to be adjusted."
            ),
        },
        from,
    );
    (budget_usd, control)
}
