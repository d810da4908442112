//! Message order in the queue starters, on cases 30 (a ledger on a FIFO queue at 4,000 messages
//! a second) and 08 (a ledger ordered per account at 400 a second): the ordering and queue-type
//! answers make the webhook buffer and the fan-out FIFO, the peak rate or the answer turns on
//! high-throughput mode, a global order is one message group, and the patterns that cannot keep
//! order (S3 events, an EventBridge bus) say so. Each setting traces its answers.

#[path = "support/case_plan.rs"]
mod case_plan;

use case_plan::{case_plan, control, one, origins};
use questionnaires::AnswerValue;
use questionnaires::scaffold::{
    DEFAULT_GROUP_FIELD, FIFO_TOPIC_SUBSCRIPTIONS, Pattern, fifo_digest,
};

const FIFO_CASE: &str = "30_ledger_sqs_fifo_throughput";
const LEDGER: &str = "08_ledger_ordered_stream";
const MAIN: &str = "05_travel_booking_approval";

#[test]
fn per_key_order_makes_the_webhook_buffer_fifo_with_the_entity_key_as_group() {
    let p = case_plan(LEDGER, Pattern::Webhook, &[], &[]);
    let f = p.fifo.as_ref().expect("a FIFO queue");
    assert!(!f.global);
    assert_eq!(f.group_field, DEFAULT_GROUP_FIELD);
    // 400 a second is within normal mode's 3,000.
    assert!(!f.high_throughput);
    let c = control(&p, "message_order");
    assert!(c.setting.contains("FIFO buffer queue"), "{}", c.setting);
    assert!(c.setting.contains("normal mode"), "{}", c.setting);
    assert!(c.why.contains("400"), "{}", c.why);
    for q in ["ordering", "sqs_queue_type", "peak_rps"] {
        assert!(origins(&p, "message_order").contains(&q.to_owned()), "{q}");
    }
}

#[test]
fn no_order_needed_keeps_standard_queues_and_no_order_control() {
    for pattern in [Pattern::Webhook, Pattern::Fanout] {
        let p = case_plan(MAIN, pattern, &[], &[]);
        assert!(p.fifo.is_none(), "{pattern:?}");
        assert!(p.controls.iter().all(|c| c.id != "message_order"));
        // The same case asking for per-key order gets FIFO.
        let ordered = case_plan(MAIN, pattern, &[("ordering", one("per_key"))], &[]);
        assert!(ordered.fifo.is_some(), "{pattern:?}");
    }
}

#[test]
fn a_fifo_queue_type_alone_asks_for_fifo() {
    let p = case_plan(
        MAIN,
        Pattern::Webhook,
        &[("sqs_queue_type", one("fifo"))],
        &[],
    );
    assert!(p.fifo.is_some());
    let high = case_plan(
        MAIN,
        Pattern::Webhook,
        &[("sqs_queue_type", one("fifo_high_throughput"))],
        &[],
    );
    assert!(high.fifo.as_ref().unwrap().high_throughput);
    assert!(
        control(&high, "message_order")
            .setting
            .contains("FifoThroughputLimit: perMessageGroupId")
    );
}

#[test]
fn a_peak_over_normal_mode_turns_on_high_throughput() {
    // Case 30: 4,000 messages a second on a plain FIFO queue, over normal mode's 3,000.
    let p = case_plan(FIFO_CASE, Pattern::Webhook, &[], &[]);
    assert!(p.fifo.as_ref().unwrap().high_throughput);
    let c = control(&p, "message_order");
    assert!(c.why.contains("3000"), "{}", c.why);
    assert!(c.setting.contains("DeduplicationScope: messageGroup"));
    // At 2,000 a second normal mode is enough.
    let slower = case_plan(
        FIFO_CASE,
        Pattern::Webhook,
        &[("peak_rps", AnswerValue::Number(2_000.0))],
        &[],
    );
    assert!(!slower.fifo.as_ref().unwrap().high_throughput);
    // Without a peak the default is normal mode, and the control says so.
    let unknown = case_plan(FIFO_CASE, Pattern::Webhook, &[], &["peak_rps"]);
    assert!(!unknown.fifo.as_ref().unwrap().high_throughput);
    assert!(
        control(&unknown, "message_order")
            .why
            .contains("No peak rate given")
    );
}

#[test]
fn a_global_order_is_one_group_and_names_its_300_a_second_cap() {
    let p = case_plan(
        FIFO_CASE,
        Pattern::Webhook,
        &[("ordering", one("global"))],
        &[],
    );
    let f = p.fifo.as_ref().unwrap();
    assert!(f.global);
    // One group cannot go faster than 300 a second, so high-throughput mode would not help.
    assert!(!f.high_throughput);
    let c = control(&p, "message_order");
    assert!(c.setting.contains("one message group"), "{}", c.setting);
    assert!(c.why.contains("300 messages a second"), "{}", c.why);
    assert!(c.why.contains("4000"), "{}", c.why);
}

#[test]
fn the_fanout_topic_and_queues_are_fifo_within_the_subscription_limit() {
    let p = case_plan(LEDGER, Pattern::Fanout, &[], &[]);
    assert!(p.fifo.is_some());
    assert!(p.handlers.len() <= FIFO_TOPIC_SUBSCRIPTIONS);
    let c = control(&p, "message_order");
    assert!(c.setting.contains("SNS FIFO topic"), "{}", c.setting);
    assert!(c.why.contains("within the 100"), "{}", c.why);
}

#[test]
fn patterns_that_cannot_keep_order_say_so_and_name_those_that_can() {
    for pattern in [Pattern::S3Events, Pattern::EventBus] {
        let p = case_plan(LEDGER, pattern, &[], &[]);
        assert!(p.fifo.is_none());
        let c = control(&p, "message_order");
        assert!(c.setting.starts_with("Not kept"), "{}", c.setting);
        assert!(c.why.contains("webhook_sqs_buffer"), "{}", c.why);
        assert!(c.why.contains("kinesis_stream_processing"), "{}", c.why);
        assert!(origins(&p, "message_order").contains(&"ordering".to_owned()));
        // Without an order to keep there is nothing to warn about.
        let unordered = case_plan(LEDGER, pattern, &[("ordering", one("none_needed"))], &[]);
        assert!(unordered.controls.iter().all(|c| c.id != "message_order"));
    }
    // The stream keeps order by its partition key: no FIFO and no warning.
    let stream = case_plan(LEDGER, Pattern::Stream, &[], &[]);
    assert!(stream.fifo.is_none());
    assert!(stream.controls.iter().all(|c| c.id != "message_order"));
}

#[test]
fn group_and_deduplication_ids_are_sha256_hex() {
    assert_eq!(
        fifo_digest("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(fifo_digest("order-1001").len(), 64);
}
