//! Message order for the queue-based starters: when the review needs events kept in order (per
//! key or globally) or names a FIFO queue, the webhook buffer's queue and the fan-out's topic and
//! subscriber queues become FIFO, with one message group per entity key (or one group for a
//! global order), deduplication on the sender's event id, and high-throughput mode when the
//! answers ask for it or the peak is over normal mode's limit. [`plan`] decides it, with the
//! answers it came from, in a `message_order` control.
//!
//! The patterns that cannot keep order (S3 event notifications, an EventBridge bus) get the same
//! control saying that order is not kept and which starters would keep it.

use serde::{Deserialize, Serialize};

use super::Pattern;
use super::reader::{Reader, control, quota};
use super::{Control, Handler};

/// How a FIFO queue (and topic) keeps order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fifo {
    /// One message group for everything (a strict global order, at most one group's rate).
    pub global: bool,
    /// High-throughput mode: throughput and deduplication per message group.
    pub high_throughput: bool,
    /// The JSON field of an event that names its entity (the message group); unused when global.
    pub group_field: String,
    /// The message group of a global order.
    pub global_group: String,
}

/// The field of a webhook or event body that names the entity whose events stay in order, when
/// the team does not set its own (a parameter of the starter).
pub const DEFAULT_GROUP_FIELD: &str = "entity_id";

/// Messages a second one message group takes, even in high-throughput mode.
const GROUP_RATE: u32 = 300;

/// The subscriptions one SNS FIFO topic takes at most.
pub const FIFO_TOPIC_SUBSCRIPTIONS: usize = 100;

/// A FIFO message group or deduplication id made from an entity key or event id: its SHA-256 in
/// hex, so any key or id fits SQS's 128 characters. The starters' handlers compute the same.
pub fn fifo_digest(value: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether the answers need order, or name a FIFO queue.
pub(super) fn wanted(r: &Reader) -> bool {
    r.is("ordering", "per_key")
        || r.is("ordering", "global")
        || r.is("sqs_queue_type", "fifo")
        || r.is("sqs_queue_type", "fifo_high_throughput")
}

/// The FIFO settings of the webhook buffer and the fan-out, pushing the `message_order`
/// control; for S3 events and an EventBridge bus that must keep order, the control says it is
/// not kept. `None` when the pattern's queues stay standard.
pub(super) fn plan(
    r: &Reader,
    pattern: Pattern,
    handlers: &[Handler],
    controls: &mut Vec<Control>,
) -> Option<Fifo> {
    let from = r.origins(&["ordering", "sqs_queue_type", "peak_rps"]);
    let needs_order = r.is("ordering", "per_key") || r.is("ordering", "global");
    match pattern {
        Pattern::S3Events | Pattern::EventBus if needs_order => {
            let (what, setting) = if pattern == Pattern::S3Events {
                (
                    "S3 sends event notifications in no set order, and may send one twice",
                    "Not kept: S3 event notifications arrive in any order",
                )
            } else {
                (
                    "EventBridge delivers events to a rule's targets in no set order",
                    "Not kept: the bus delivers events in any order",
                )
            };
            controls.push(control(
                "message_order",
                "Message order",
                setting.to_owned(),
                format!(
                    "The review needs events kept in order, and this starter cannot do it: {what}. \
                     To keep order, take webhook_sqs_buffer or sns_sqs_fanout (an SQS FIFO queue \
                     with one message group per key) or kinesis_stream_processing (a partition \
                     key), or have the handler order events itself by a sequence number it \
                     stores per key."
                ),
                from,
            ));
            return None;
        }
        Pattern::Webhook | Pattern::Fanout if wanted(r) => {}
        _ => return None,
    }
    let global = r.is("ordering", "global");
    let normal = quota(r.q, "sqs_fifo_throughput");
    let high_limit = quota(r.q, "sqs_fifo_high_throughput");
    let peak = r.number("peak_rps").filter(|p| *p > 0.0);
    let over_normal = peak.is_some_and(|p| p > normal);
    let high_throughput =
        !global && (r.is("sqs_queue_type", "fifo_high_throughput") || over_normal);
    let fifo = Fifo {
        global,
        high_throughput,
        group_field: DEFAULT_GROUP_FIELD.to_owned(),
        global_group: "global".to_owned(),
    };
    let (queues, topic) = if pattern == Pattern::Fanout {
        (
            "SNS FIFO topic and FIFO subscriber queues and dead-letter queues",
            format!(
                " The topic has {} subscription(s), within the {FIFO_TOPIC_SUBSCRIPTIONS} an SNS FIFO topic takes.",
                handlers.len()
            ),
        )
    } else {
        ("FIFO buffer queue and dead-letter queue", String::new())
    };
    let group = if global {
        format!(
            "one message group ({:?}) for every event",
            fifo.global_group
        )
    } else {
        format!(
            "MessageGroupId from the event's {:?} field (ORDER_KEY_FIELD)",
            fifo.group_field
        )
    };
    let mode = if high_throughput {
        "high-throughput mode (FifoThroughputLimit: perMessageGroupId, DeduplicationScope: messageGroup)"
    } else {
        "normal mode"
    };
    let rate_why = match (global, peak) {
        (true, Some(p)) if p > f64::from(GROUP_RATE) => format!(
            " A global order is one message group, and one group takes at most {GROUP_RATE} messages a second: the stated peak of {p} a second is over it, so messages will queue up behind one another; order per key instead if the events allow it."
        ),
        (true, _) => format!(
            " A global order is one message group, which takes at most {GROUP_RATE} messages a second and is handled by one function at a time; one message that keeps failing holds back every later one until it reaches the dead-letter queue."
        ),
        (false, Some(p)) if p > normal => format!(
            " The stated peak of {p} messages a second is over normal mode's {normal} (300 calls a second, batches of 10), so the queue runs in high-throughput mode (up to {high_limit} calls a second in the largest Regions); each group still takes at most {GROUP_RATE} a second, so spread events over many keys."
        ),
        (false, Some(p)) => format!(
            " The stated peak of {p} messages a second is within normal mode's {normal}{}.",
            if high_throughput {
                "; high-throughput mode is on because the review asks for it"
            } else {
                ""
            }
        ),
        (false, None) => format!(
            " No peak rate given: {}; normal mode takes {normal} messages a second with batches of 10, and each group at most {GROUP_RATE}.",
            if high_throughput {
                "high-throughput mode, as the review asks"
            } else {
                "normal mode"
            }
        ),
    };
    controls.push(control(
        "message_order",
        "Message order",
        format!("{queues}; {group}; MessageDeduplicationId from the event's \"id\"; {mode}"),
        format!(
            "The review needs events in order{}, so events for one {} reach the worker one at a time, in the order they were sent, and a failed message holds back the later ones of its group (the worker reports it and every later message of the batch as failed). The sender's event id deduplicates retries within SQS's 5 minutes; the idempotency table covers longer windows.{rate_why}{topic}",
            if needs_order { "" } else { " (a FIFO queue)" },
            if global { "stream" } else { "key" },
        ),
        from,
    ));
    Some(fifo)
}
