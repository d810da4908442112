//! The entry points the review names (`entry_point`), as the starter meets them: where each is
//! wired (a route, a schedule, a rule, a queue, a bucket notification), or why this starter leaves
//! it to another; and, when the review names a schedule, the EventBridge Scheduler schedule that
//! starts the pattern's own ingress directly (a templated target: the bus, the state machine or
//! the stream, with no function in between).

use serde::{Deserialize, Serialize};

use super::reader::{Reader, control};
use super::schedule::{Cadence, cadence};
use super::{Control, Pattern};

/// What a [`ScheduledStart`] delivers its run to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartTarget {
    /// `events:PutEvents` on the starter's bus, as an event its rule matches.
    Bus,
    /// `states:StartExecution` on the starter's state machine.
    StateMachine,
    /// `kinesis:PutRecord` on the starter's stream.
    Stream,
}

impl StartTarget {
    /// The one IAM action Scheduler's role is granted on the target.
    pub fn action(self) -> &'static str {
        match self {
            StartTarget::Bus => "events:PutEvents",
            StartTarget::StateMachine => "states:StartExecution",
            StartTarget::Stream => "kinesis:PutRecord",
        }
    }

    /// The target's logical id in the template.
    pub fn resource(self) -> &'static str {
        match self {
            StartTarget::Bus => "EventBus",
            StartTarget::StateMachine => "StateMachine",
            StartTarget::Stream => "Stream",
        }
    }

    /// What a run becomes, in words.
    pub fn what(self) -> &'static str {
        match self {
            StartTarget::Bus => {
                "an ItemCreated event on the bus, which the rule routes to the handler"
            }
            StartTarget::StateMachine => "an execution of the state machine",
            StartTarget::Stream => {
                "a record on the stream, which the readers process like any other"
            }
        }
    }
}

/// An EventBridge Scheduler schedule that starts the pattern's own ingress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledStart {
    /// What each run is delivered to.
    pub target: StartTarget,
    /// When it runs (the `StartScheduleExpression` and `StartScheduleTimezone` parameters'
    /// defaults), its window, retries and how late a run may still be delivered.
    pub cadence: Cadence,
}

/// One entry point the review names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryPoint {
    /// The `entry_point` choice id, such as `schedule`.
    pub id: String,
    /// The choice as the review shows it.
    pub title: String,
    /// Whether this starter wires it.
    pub wired: bool,
    /// Where the starter wires it, or, when it does not, why and which starter does.
    pub detail: String,
}

/// The schedule that starts this pattern, when the review names a schedule and the pattern's
/// ingress takes a run without a handler change. Pushes its control.
pub(super) fn scheduled_start(
    r: &Reader<'_>,
    pattern: Pattern,
    controls: &mut Vec<Control>,
) -> Option<ScheduledStart> {
    if !r.is("entry_point", "schedule") {
        return None;
    }
    let target = match pattern {
        Pattern::EventBus => StartTarget::Bus,
        Pattern::Workflow | Pattern::Saga => StartTarget::StateMachine,
        Pattern::Stream => StartTarget::Stream,
        _ => return None,
    };
    let s = ScheduledStart {
        target,
        cadence: cadence(r),
    };
    let c = &s.cadence;
    let cadence_why = match c.answered {
        Some(m) if m < 1.0 => format!(
            "The review needs a run every {m} minutes; Scheduler fires at most once a minute, so the schedule runs every minute."
        ),
        Some(m) => format!("The review starts work every {m} minutes."),
        None => "The review names a schedule but no cadence: nightly at 02:00 until the parameter says otherwise.".to_owned(),
    };
    controls.push(control(
        "scheduled_start",
        "Scheduled entry point",
        format!(
            "StartSchedule (EventBridge Scheduler, {}): StartScheduleExpression {} ({}), StartScheduleTimezone {}; FlexibleTimeWindow: {}; RetryPolicy: {} attempts, MaximumEventAgeInSeconds: {}; DeadLetterConfig: UndeliveredRunsQueue",
            s.target.action(),
            c.expression,
            c.expression_text,
            c.timezone,
            if c.flexible_window_min == 0 {
                "OFF".to_owned()
            } else {
                format!("FLEXIBLE, {} min", c.flexible_window_min)
            },
            c.retry_attempts,
            c.max_event_age_s
        ),
        format!(
            "{cadence_why} Each run becomes {} directly, with no function in between; its id is the scheduled time, the same on every retry, so a redelivered run is recognised. A run Scheduler cannot deliver within {} s goes to a dead-letter queue with an alarm.",
            s.target.what(),
            c.max_event_age_s
        ),
        r.origins(&["entry_point", "schedule_interval_min", "failure_paths"]),
    ));
    Some(s)
}

/// The starter that carries an entry point this one does not wire.
fn carrier(entry: &str) -> &'static str {
    match entry {
        "rest_api" | "http_api" => "api_lambda_dynamodb",
        "websocket" => "realtime_broadcast",
        "s3_events" => "s3_event_processing",
        "queue" => "webhook_sqs_buffer",
        "stream" => "kinesis_stream_processing",
        "schedule" => "scheduled_jobs",
        _ => "eventbridge_bus",
    }
}

/// Where this starter wires `entry`, if it does.
fn wired(
    entry: &str,
    pattern: Pattern,
    has_api: bool,
    start: Option<&ScheduledStart>,
) -> Option<String> {
    let route = match pattern {
        Pattern::Workflow => {
            "`POST /executions` on the HTTP API (`HttpApi`), which starts an execution"
        }
        Pattern::StranglerFig => {
            "the facade HTTP API (`HttpApi`), which routes to the legacy system or the migrated function"
        }
        Pattern::Bff => "one HTTP API per kind of client",
        Pattern::Cqrs => {
            "two HTTP APIs: commands on `HttpApi` (the `CommandApiUrl` output), queries on `QueryApi` (`QueryApiUrl`)"
        }
        _ => "the HTTP API (`HttpApi`, the `ApiUrl` output)",
    };
    match entry {
        "http_api" if has_api => Some(route.to_owned()),
        "rest_api" if has_api => Some(format!(
            "{route}; the starter builds an HTTP API, so move to a REST API if you need usage plans, API keys, request validation or AWS WAF"
        )),
        "websocket" if pattern == Pattern::RealtimeBroadcast => {
            Some("the WebSocket API (`$connect`, `$disconnect`, `subscribe`, `sendmessage`)".to_owned())
        }
        "s3_events" if pattern == Pattern::S3Events => {
            Some("an S3 event notification on the input bucket's `incoming/` prefix".to_owned())
        }
        "queue" if pattern == Pattern::Webhook => {
            Some("`WorkQueue`, which other systems can also send to, read by the `work` function".to_owned())
        }
        "queue" if pattern == Pattern::Fanout => {
            Some("one SQS queue per subscriber behind the topic; other systems publish to the topic".to_owned())
        }
        "queue" if pattern == Pattern::CircuitBreaker && !has_api => Some(
            "`CallQueue`, read by the `call` function, which leaves messages queued while the breaker is open".to_owned(),
        ),
        "stream" if pattern == Pattern::Stream => {
            Some("the Kinesis data stream (`Stream`) and its readers' event source mappings".to_owned())
        }
        "stream" if pattern == Pattern::EventSourcing => {
            Some("the event store's DynamoDB stream, which feeds the projections".to_owned())
        }
        "schedule" if pattern == Pattern::ScheduledJobs => {
            Some("`JobSchedule` (EventBridge Scheduler), which invokes the run function".to_owned())
        }
        "schedule" => start.map(|s| {
            format!(
                "`StartSchedule` (EventBridge Scheduler), {}: each run is {}, sent with `{}` on `{}`",
                s.cadence.expression_text,
                s.target.what(),
                s.target.action(),
                s.target.resource()
            )
        }),
        "event_bus" if pattern == Pattern::EventBus => Some(
            "the project's bus (`EventBus`), whose rule sends ItemCreated events to the handler; other domains put their events on it".to_owned(),
        ),
        _ => None,
    }
}

/// Why this starter leaves `entry` to another, in one sentence.
fn why_not(entry: &str, pattern: Pattern) -> String {
    let here = match pattern {
        Pattern::Fanout | Pattern::Webhook if entry == "schedule" => {
            "A schedule could send to this starter's topic or queue, but none is wired here"
        }
        _ if pattern.synchronous() && entry == "schedule" => {
            "This starter answers requests; a schedule should not call its API"
        }
        _ => "This starter has no such ingress",
    };
    format!(
        "{here}: the `{}` starter wires it, and can sit beside this one.",
        carrier(entry)
    )
}

/// Each entry point the review names, wired or not.
pub(super) fn entry_points(
    r: &Reader<'_>,
    pattern: Pattern,
    has_api: bool,
    start: Option<&ScheduledStart>,
) -> Vec<EntryPoint> {
    let titles = r.q.question("entry_point");
    r.choices("entry_point")
        .iter()
        .map(|c| {
            let id = c.as_str();
            let title = titles
                .and_then(|q| q.choices.iter().find(|x| x.id.as_str() == id))
                .map_or_else(|| id.to_owned(), |x| x.title.clone());
            let place = wired(id, pattern, has_api, start);
            EntryPoint {
                id: id.to_owned(),
                title,
                wired: place.is_some(),
                detail: place.unwrap_or_else(|| why_not(id, pattern)),
            }
        })
        .collect()
}
