//! Per-key order as rendered: case 30 (a ledger posting 4,000 messages a second in order per
//! account) makes the webhook buffer's queues and the fan-out's topic and queues FIFO in
//! high-throughput mode, every runtime's sender sets the group and deduplication ids and every
//! consumer stops at the first failure of a batch; the README traces it. Dropping the order
//! requirement gives standard queues back, and the patterns that cannot keep order say so.

use questionnaires::scaffold::{Pattern, Runtime};

use super::scaffold::{render_case, render_case_with, text};
use super::scaffold_needs::one;

const CASE: &str = "30_ledger_sqs_fifo_throughput";

fn files(pattern: Pattern, runtime: Runtime) -> Vec<server::scaffold::File> {
    render_case(CASE, pattern, runtime).1
}

#[test]
fn case_30_makes_the_buffer_and_its_dead_letter_queue_fifo_in_high_throughput_mode() {
    let files = files(Pattern::Webhook, Runtime::Python);
    let t = text(&files, "template.yaml");
    // The buffer and its dead-letter queue: a FIFO queue's DLQ must be FIFO too.
    assert_eq!(t.matches("FifoQueue: true").count(), 2, "{t}");
    assert!(t.contains("FifoThroughputLimit: perMessageGroupId"));
    assert!(t.contains("DeduplicationScope: messageGroup"));
    assert!(t.contains("OrderKeyField"), "the group key is a parameter");
    let readme = text(&files, "README.md");
    let row = readme
        .lines()
        .find(|l| l.starts_with("| Message order |"))
        .expect("an answer → setting row for the order");
    for expected in [
        "MessageGroupId",
        "MessageDeduplicationId",
        "high-throughput mode",
        "4000",
        "Per key",
    ] {
        assert!(row.contains(expected), "{expected} missing from {row}");
    }
}

#[test]
fn case_30_makes_the_fan_out_topic_and_every_subscriber_queue_fifo() {
    let files = files(Pattern::Fanout, Runtime::Python);
    let t = text(&files, "template.yaml");
    assert!(t.contains("FifoTopic: true"));
    assert!(t.contains("FifoThroughputScope: MessageGroup"));
    let queues = t.matches("FifoQueue: true").count();
    assert!(queues >= 4, "each subscriber queue and its DLQ: {queues}");
    assert_eq!(
        queues,
        t.matches("FifoThroughputLimit: perMessageGroupId").count() * 2,
        "every subscriber queue in high-throughput mode, DLQs alongside"
    );
}

#[test]
fn every_runtime_sends_with_group_and_deduplication_ids_and_consumes_in_order() {
    let python = files(Pattern::Webhook, Runtime::Python);
    let app = text(&python, "src/app.py");
    for expected in [
        "SqsFifoPartialProcessor",
        "MessageGroupId=group_id",
        "MessageDeduplicationId=deduplication_id",
    ] {
        assert!(app.contains(expected), "python: {expected} missing");
    }
    let typescript = files(Pattern::Webhook, Runtime::Typescript);
    let app = text(&typescript, "src/app.ts");
    for expected in [
        "SqsFifoPartialProcessorAsync",
        "MessageGroupId: order.groupId",
        "MessageDeduplicationId",
    ] {
        assert!(app.contains(expected), "typescript: {expected} missing");
    }
    let rust = files(Pattern::Webhook, Runtime::Rust);
    let lib = text(&rust, "src/lib.rs");
    for expected in [
        "pub async fn sqs_batch_fifo",
        ".message_group_id(",
        ".message_deduplication_id(",
    ] {
        assert!(lib.contains(expected), "rust: {expected} missing");
    }
    assert!(
        !lib.contains("sqs_batch(event"),
        "the worker uses the FIFO batch helper only"
    );
}

#[test]
fn without_an_order_requirement_the_queues_stay_standard() {
    let changes = [
        ("ordering", one("none_needed")),
        ("sqs_queue_type", one("standard")),
    ];
    for pattern in [Pattern::Webhook, Pattern::Fanout] {
        let (plan, files) = render_case_with(CASE, pattern, Runtime::Python, &changes);
        assert!(plan.fifo.is_none());
        let t = text(&files, "template.yaml");
        assert!(!t.contains("FifoQueue"), "{pattern:?}");
        assert!(!t.contains("FifoTopic"), "{pattern:?}");
        assert!(!text(&files, "src/app.py").contains("SqsFifoPartialProcessor"));
    }
}

#[test]
fn the_patterns_that_cannot_keep_order_say_so_in_the_readme() {
    for pattern in [Pattern::S3Events, Pattern::EventBus] {
        let (_, files) = render_case(CASE, pattern, Runtime::Python);
        let readme = text(&files, "README.md");
        let row = readme
            .lines()
            .find(|l| l.starts_with("| Message order |"))
            .unwrap_or_else(|| panic!("{pattern:?}: no order row"));
        assert!(row.contains("Not kept"), "{pattern:?}: {row}");
    }
}
