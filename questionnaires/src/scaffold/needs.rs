//! Settings that follow requirements the answers state, beyond sizing: how far back consumers
//! must replay (a stream's retention, an archive's length), how many independent readers a stream
//! has (one function each, and enhanced fan-out when they would share a shard's read limit), and
//! whether a workflow waits for a person (a task-token step, with HTTP routes that start
//! executions and record the decision).

use super::reader::{Reader, control, quota};
use super::{Approval, Control, Stream};

/// Kinesis keeps records 24 hours unless told otherwise, and at most 8,760 hours (365 days).
const STREAM_RETENTION_DEFAULT_H: u32 = 24;
const STREAM_RETENTION_MAX_H: u32 = 8_760;
/// Enhanced fan-out consumers one stream may register.
const EFO_CONSUMERS_MAX: u32 = 20;
/// The replay window when the review wants one but gives no length.
const REPLAY_DAYS_DEFAULT: u32 = 7;

fn ceil_u32(x: f64) -> u32 {
    x.ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// How far back consumers replay: none without replay, `Some(0)` for the full history, else the
/// window in days.
pub(super) fn replay_days(r: &Reader) -> Option<u32> {
    if r.is("event_replay", "full_history") {
        Some(0)
    } else if r.is("event_replay", "replay_window") {
        Some(
            r.number("replay_window_days")
                .map_or(REPLAY_DAYS_DEFAULT, |d| ceil_u32(d).clamp(1, 365)),
        )
    } else {
        None
    }
}

/// The Kinesis stream: shards from the write rate and the readers' needs (or the review's count
/// when larger), retention from the replay window, one reader function per consumer with
/// enhanced fan-out when they would otherwise share a shard's read limit. Pushes its controls.
pub(super) fn stream(
    r: &Reader,
    peak_concurrency: Option<u32>,
    controls: &mut Vec<Control>,
) -> Stream {
    let q = r.q;
    let rps = r.number("peak_rps").unwrap_or(100.0);
    let kb = r
        .number("kinesis_record_kb")
        .or_else(|| r.number("async_message_kb"))
        .unwrap_or(1.0)
        .max(0.001);
    let global = r.is("ordering", "global");
    let consumers = r
        .number("consumers_per_event")
        .map_or(1, |c| ceil_u32(c).clamp(1, EFO_CONSUMERS_MAX));
    let write_mb = rps * kb / 1024.0;
    let write_shards = ceil_u32(
        (rps / quota(q, "kinesis_shard_write")).max(write_mb / quota(q, "kinesis_shard_write_mb")),
    )
    .max(1);
    let read_limit = quota(q, "kinesis_shard_read");
    // Standard readers share a shard's read limit; enhanced fan-out gives each its own.
    let shared_read_mb = f64::from(consumers) * write_mb / f64::from(write_shards);
    let enhanced_fan_out = consumers > 1 || shared_read_mb > read_limit;
    let read_shards = if enhanced_fan_out {
        ceil_u32(write_mb / read_limit)
    } else {
        ceil_u32(f64::from(consumers) * write_mb / read_limit)
    };
    let sized = write_shards.max(read_shards).max(1);
    let answered = r.number("kinesis_shards").map(ceil_u32);
    let shards = if global {
        1
    } else {
        sized.max(answered.unwrap_or(0))
    };
    let parallelization = if global {
        1
    } else {
        peak_concurrency.map_or(1, |p| p.div_ceil(shards).clamp(1, 10))
    };
    let days = replay_days(r);
    let retention_hours = match days {
        Some(0) => STREAM_RETENTION_MAX_H,
        Some(d) => d
            .saturating_mul(24)
            .clamp(STREAM_RETENTION_DEFAULT_H, STREAM_RETENTION_MAX_H),
        None => STREAM_RETENTION_DEFAULT_H,
    };
    let s = Stream {
        shards,
        batch_size: 100,
        parallelization,
        retention_hours,
        consumers,
        enhanced_fan_out,
    };

    controls.push(control(
        "stream",
        "Stream capacity and ordering",
        format!(
            "ShardCount: {}; ParallelizationFactor: {}; BatchSize: {}",
            s.shards, s.parallelization, s.batch_size
        ),
        if global {
            "Global ordering needs one shard and one batch at a time; that caps throughput at 1 MB/s or 1,000 records/s in.".to_owned()
        } else {
            let need = format!(
                "{rps} records/s of {kb} KB is {write_mb:.2} MB/s in: {sized} shard{} for writes (1 MB/s or 1,000 records/s each) and reads ({} MB/s per shard{})",
                if sized == 1 { "" } else { "s" },
                read_limit,
                if enhanced_fan_out { " per consumer, with enhanced fan-out" } else { ", shared by every reader" },
            );
            match answered {
                Some(a) if a >= sized => format!("{need}; the review runs {a}, which is kept. Records with the same key stay in order at any parallelization."),
                _ => format!("{need}. Records with the same key stay in order at any parallelization."),
            }
        },
        r.origins(&[
            "ordering",
            "peak_rps",
            "kinesis_record_kb",
            "async_message_kb",
            "kinesis_shards",
            "consumers_per_event",
        ]),
    ));

    let extra_h = retention_hours - STREAM_RETENTION_DEFAULT_H;
    controls.push(control(
        "stream_retention",
        "Stream retention",
        format!("RetentionPeriodHours: {retention_hours}"),
        match days {
            None => "No replay needed: the 24 hours Kinesis keeps at no extra charge, enough to retry a failed batch.".to_owned(),
            Some(_) => format!(
                "{}; the {extra_h} hours past the first day are extended retention, billed per shard-hour on each of the {shards} shard{} on top of the shard-hour itself (past seven days at the cheaper long-term rate).",
                match days {
                    Some(0) => "The full history is wanted and a stream keeps at most 365 days, so it keeps the most it can; copy records to S3 for anything older".to_owned(),
                    Some(d) if r.answered("replay_window_days") => format!("Consumers replay up to {d} days back"),
                    Some(d) => format!("A replay window with no length given: {d} days"),
                    None => unreachable!(),
                },
                if shards == 1 { "" } else { "s" },
            ),
        },
        r.origins(&["event_replay", "replay_window_days"]),
    ));

    controls.push(control(
        "stream_consumers",
        "Stream readers",
        if enhanced_fan_out {
            format!(
                "{consumers} reader function{}, each with its own AWS::Kinesis::StreamConsumer (enhanced fan-out) and event source mapping",
                if consumers == 1 { "" } else { "s" }
            )
        } else {
            "1 reader function on the shared read throughput".to_owned()
        },
        if consumers > 1 {
            format!(
                "{consumers} consumers read every record independently; enhanced fan-out gives each its own {read_limit} MB/s per shard and pushes records, so one reader's backlog or replay never slows the others ({:.2} MB/s per shard shared would be {}).",
                f64::from(consumers) * write_mb / f64::from(shards),
                if f64::from(consumers) * write_mb / f64::from(shards) > read_limit { "over the limit" } else { "under the limit, but a replay by one would starve the rest" },
            )
        } else if enhanced_fan_out {
            format!("One reader, but it needs more than the {read_limit} MB/s a shard shares: enhanced fan-out gives it its own.")
        } else {
            "One reader: the shared read throughput is enough and costs nothing extra.".to_owned()
        },
        r.origins(&["consumers_per_event", "event_distribution"]),
    ));
    s
}

/// Whether the review names an HTTP entry point (HTTP or REST API).
pub(super) fn http_entry(r: &Reader) -> bool {
    r.is("entry_point", "http_api") || r.is("entry_point", "rest_api")
}

/// The approval step, when the process waits for a person. Pushes its control.
pub(super) fn approval(r: &Reader, controls: &mut Vec<Control>) -> Option<Approval> {
    if !r.is("workflow_waits", "human_approval") {
        return None;
    }
    // The decision may take as long as the whole process is said to take; a Standard workflow
    // waits up to a year.
    let minutes = r.number("workflow_duration_min");
    let timeout_s = minutes.map_or(86_400, |m| ceil_u32(m * 60.0).clamp(300, 31_536_000));
    let a = Approval { timeout_s };
    controls.push(control(
        "approval",
        "Human approval step",
        format!(
            "RequestApproval: lambda:invoke.waitForTaskToken, TimeoutSeconds: {timeout_s} ({}); POST /approvals/{{id}} sends SendTaskSuccess or SendTaskFailure; a rejection or a timeout runs the compensation",
            duration_words(timeout_s)
        ),
        format!(
            "The process waits for a person, so the execution pauses on a task token (no function runs while it waits) for at most {}{}. No heartbeat: a person sends none, and the timeout already bounds the wait.",
            duration_words(timeout_s),
            if minutes.is_some() {
                ", the process's stated length"
            } else {
                " (the process's length is not given)"
            }
        ),
        r.origins(&["workflow_waits", "workflow_duration_min", "multi_step_process"]),
    ));
    Some(a)
}

/// Seconds as a person says them: "2 days", "36 hours", "45 minutes".
fn duration_words(s: u32) -> String {
    let plural = |n: u32, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if s.is_multiple_of(86_400) {
        plural(s / 86_400, "day")
    } else if s.is_multiple_of(3_600) {
        plural(s / 3_600, "hour")
    } else {
        plural(s.div_ceil(60), "minute")
    }
}
