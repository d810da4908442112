//! The CQRS starter's plan: a command API that writes a DynamoDB write model with conditional
//! writes, a DynamoDB stream that feeds a projector, and a query API that reads only the read
//! model the projector keeps. [`plan`] decides how the review's read and write rates split the
//! traffic between the two APIs (throttles) and the two tables (on-demand ceilings), which
//! indexes the read model carries for the query shapes the review names, how the projector reads
//! the stream, how stale a read may get before an alarm fires, and how a repeated command is
//! answered; each is a [`Control`] with the answers it came from.
//!
//! It replaces the generic `api_throttling` control (the two APIs are throttled apart) and the
//! `idempotency` control (a conditional put on an id made from the caller and their key, not
//! Powertools' idempotency table).

use serde::{Deserialize, Serialize};

use super::reader::{Reader, control, quota, replace_controls};
use super::{Api, Control, Handler};

/// One query shape of the read model: a global secondary index and the route that reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// The index name, such as `ByOwner`.
    pub index: String,
    /// The attribute the index is partitioned by, such as `owner`.
    pub attribute: String,
    /// The query API's route, such as `/owners/{owner}/items`.
    pub path: String,
}

impl View {
    /// The route with its parameter's braces replaced, for routers that write parameters
    /// another way: `path_with("<", ">")` gives `/owners/<owner>/items`.
    pub fn path_with(&self, open: &str, close: &str) -> String {
        self.path.replace('{', open).replace('}', close)
    }
}

/// The CQRS settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cqrs {
    /// Steady-state requests per second the query API lets through (the command API's are in
    /// `Plan::api`).
    pub query_throttle_rate: u32,
    /// The query API's burst limit.
    pub query_throttle_burst: u32,
    /// The write table's on-demand ceiling of write request units per second.
    pub write_max_wru: u32,
    /// The read table's on-demand ceiling of write request units per second (the projector's
    /// writes and their index copies).
    pub read_max_wru: u32,
    /// The read table's on-demand ceiling of read request units per second.
    pub read_max_rru: u32,
    /// The read model's indexes, one per query shape besides the read by id.
    pub views: Vec<View>,
    /// Stream records per projector batch.
    pub batch_size: u32,
    /// The projector's iterator age above which the read-lag alarm fires, in seconds.
    pub lag_alarm_s: u32,
    /// The expected lag between a command and its view, in milliseconds, when the review gives a
    /// p99 duration.
    pub expected_lag_ms: Option<u32>,
}

/// Poll rate of Lambda on a DynamoDB stream: four times a second.
const POLL_MS: u32 = 250;
/// The minimum alarm set's iterator age threshold, in seconds.
const LAG_ALARM_S: u32 = 60;

/// The three functions: command, projector, query.
pub(super) fn handlers() -> Vec<Handler> {
    let h = |name: &str, logical_id: &str, purpose: &str| Handler {
        name: name.to_owned(),
        logical_id: logical_id.to_owned(),
        purpose: purpose.to_owned(),
        // Conditional writes (the command's id, the item's version, the view's version) keep
        // each of them to one effect; no function uses the idempotency table.
        idempotent: false,
    };
    vec![
        h(
            "command",
            "CommandFunction",
            "Takes commands (POST /items once per Idempotency-Key, PUT /items/{id}/status at an If-Match version) and writes them to the write table with conditional writes.",
        ),
        h(
            "projector",
            "ProjectorFunction",
            "Reads the write table's stream in batches and keeps the read model up to date, skipping any change older than the view it holds.",
        ),
        h(
            "query",
            "QueryFunction",
            "Answers queries (GET /items/{id} and the read model's views) from the read table only.",
        ),
    ]
}

fn ceil_u32(x: f64) -> u32 {
    x.ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// A rate limit: 1.5 times a peak, at least 10 a second.
fn throttle(peak: f64) -> u32 {
    ceil_u32(peak * 1.5).max(10)
}

/// The CQRS plan. `api` is the generic API plan, whose throttle becomes the command API's.
/// Pushes the pattern's controls and replaces the generic
/// `api_throttling` and `idempotency` controls in `controls`. The projector's retries and
/// on-failure queue are the plan's `failure` path, as for the Kinesis starter.
pub(super) fn plan(r: &Reader, api: &mut Api, controls: &mut Vec<Control>) -> Cqrs {
    let q = r.q;

    // Read and write rates: the review gives the peak and the reads and writes per request;
    // commands take the writes' share of the peak, queries the reads'.
    let peak = r.number("peak_rps").filter(|p| *p > 0.0);
    let reads = r.number("db_reads_per_request").filter(|n| *n >= 0.0);
    let writes = r.number("db_writes_per_request").filter(|n| *n >= 0.0);
    let split = match (reads, writes) {
        (Some(rd), Some(w)) if rd + w > 0.0 => Some(w / (rd + w)),
        _ => None,
    };
    let (command_rate, query_rate, why) = match (peak, split) {
        (Some(p), Some(s)) => (
            throttle(p * s),
            throttle(p * (1.0 - s)),
            format!(
                "The peak of {p} requests a second, split as the review's {} writes to {} reads per request: {:.0} commands and {:.0} queries a second at peak, each API held to 1.5 times its share so a flood of one side is refused at its edge and never slows the other.",
                writes.unwrap_or_default(),
                reads.unwrap_or_default(),
                p * s,
                p * (1.0 - s)
            ),
        ),
        (Some(p), None) => (
            throttle(p),
            throttle(p),
            format!(
                "The peak of {p} requests a second, with no split between reads and writes given: each API takes 1.5 times the whole peak. Answer the reads and writes per request to size each side."
            ),
        ),
        (None, _) => (
            100,
            100,
            "No peak given: 100 requests a second on each API. Set them from the real peak."
                .to_owned(),
        ),
    };
    api.throttle_rate = command_rate;
    api.throttle_burst = command_rate.saturating_mul(2);
    let query_throttle_rate = query_rate;
    let query_throttle_burst = query_rate.saturating_mul(2);
    let throttling = control(
        "api_throttling",
        "API throttling (rate / burst per second)",
        format!(
            "Command API: {command_rate} / {}; query API: {query_throttle_rate} / {query_throttle_burst}",
            api.throttle_burst
        ),
        why,
        r.origins(&["peak_rps", "db_writes_per_request", "db_reads_per_request"]),
    );

    // Capacity: on-demand tables with ceilings that follow what the APIs let through.
    let item_kb = r
        .number("item_size_kb")
        .filter(|k| *k > 0.0)
        .unwrap_or_else(|| quota(q, "dynamodb_item_kb_default"));
    let write_units = ceil_u32(item_kb / quota(q, "dynamodb_write_unit_kb")).max(1);
    // Eventually consistent reads cost half a read unit per 4 KB.
    let items_per_query = reads.filter(|n| *n >= 1.0).unwrap_or(1.0);
    let read_units =
        ceil_u32(items_per_query * item_kb / quota(q, "dynamodb_read_unit_kb") / 2.0).max(1);

    // The read model's shapes.
    let by_owner = View {
        index: "ByOwner".to_owned(),
        attribute: "owner".to_owned(),
        path: "/owners/{owner}/items".to_owned(),
    };
    let by_status = View {
        index: "ByStatus".to_owned(),
        attribute: "status".to_owned(),
        path: "/statuses/{status}/items".to_owned(),
    };
    let (views, views_why) = if r.is("query_patterns", "many_views") {
        (
            vec![by_owner, by_status],
            "The review reads in many shapes unlike the write shape: the read model carries an index per shape (by owner, by status, newest first), and a new shape is a new index and route, not a change to the write side.",
        )
    } else if r.is("query_patterns", "adhoc_relational") {
        (
            vec![by_owner, by_status],
            "The review needs ad hoc queries and joins, which no DynamoDB index answers: the starter keeps two indexed views, and the projector is where a relational or search read model plugs in beside them.",
        )
    } else if r.is("query_patterns", "few_views") {
        (
            vec![by_owner],
            "The review reads mostly by key plus a few views: the read model carries one index (by owner, newest first) besides the read by id.",
        )
    } else if r.is("query_patterns", "key_value_known") {
        (
            Vec::new(),
            "The review reads only by known keys: the read model serves GET by id, and one model would serve as well (see the caution, if any).",
        )
    } else {
        (
            vec![by_owner],
            "The review does not say how data is read: one index (by owner, newest first) shows the shape; add one per query the clients make.",
        )
    };
    let write_max_wru = api.throttle_burst.saturating_mul(write_units);
    let index_copies = u32::try_from(views.len())
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    let read_max_wru = write_max_wru.saturating_mul(index_copies);
    let read_max_rru = query_throttle_burst.saturating_mul(read_units);
    controls.push(control(
        "cqrs_models",
        "Write and read models",
        format!(
            "WriteTable (stream: NEW_IMAGE) and ReadTable, both on-demand; ceilings: write table {write_max_wru} WRU/s, read table {read_max_wru} WRU/s and {read_max_rru} RRU/s"
        ),
        format!(
            "Each ceiling is what its API's burst can ask for at {item_kb} KB an item ({write_units} write unit{} a write, {read_units} read unit{} a query{}), and the projector's writes count once more per index: a runaway client or loop is throttled by the table instead of running up the bill. Raise them for a rebuild of the read model.",
            if write_units == 1 { "" } else { "s" },
            if read_units == 1 { "" } else { "s" },
            if reads.is_some() {
                format!(", {items_per_query} items read per query")
            } else {
                String::new()
            }
        ),
        r.origins(&[
            "item_size_kb",
            "db_reads_per_request",
            "db_writes_per_request",
            "dynamodb_capacity_mode",
        ]),
    ));
    controls.push(control(
        "read_views",
        "Read model views",
        if views.is_empty() {
            "GET /items/{id} only (no index)".to_owned()
        } else {
            format!(
                "GET /items/{{id}}; {}",
                views
                    .iter()
                    .map(|v| format!(
                        "GET {} (index {} on {}, updatedAt)",
                        v.path, v.index, v.attribute
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        },
        views_why.to_owned(),
        r.origins(&["query_patterns"]),
    ));

    // The projector.
    let batch_size = r
        .number("batch_size")
        .filter(|b| *b >= 1.0)
        .map_or_else(|| ceil_u32(quota(q, "stream_default_batch")), ceil_u32)
        .clamp(1, 10_000);
    controls.push(control(
        "projector",
        "Projector",
        format!(
            "DynamoDB stream → ProjectorFunction: StartingPosition: TRIM_HORIZON; BatchSize: {batch_size}; MaximumBatchingWindowInSeconds: 0; ParallelizationFactor: 1"
        ),
        format!(
            "{} No batching window, so a change is projected as soon as Lambda polls. Changes to one item arrive in order on its shard, and each view holds the item's version, so a retried or late change never overwrites a newer one; raise the parallelization (up to 10, order per item still holds) if the lag grows while the table's shards are busy.",
            if r.answered("batch_size") {
                format!("{batch_size} records a batch, as the review sizes batches.")
            } else {
                format!("No batch size given: {batch_size}, Lambda's default for streams.")
            }
        ),
        r.origins(&["batch_size", "failure_paths", "ordering"]),
    ));

    // How stale a read may be.
    let p99 = r.number("p99_duration_ms").filter(|p| *p > 0.0);
    let expected_lag_ms = p99.map(|p| POLL_MS.saturating_add(ceil_u32(p)));
    controls.push(control(
        "read_lag",
        "Read-model lag (eventual consistency)",
        format!(
            "{}; alarm when the projector's IteratorAge stays above {LAG_ALARM_S} s for 3 of 5 minutes",
            match expected_lag_ms {
                Some(ms) => format!("Expected lag about {ms} ms (a 250 ms poll plus the p99)"),
                None => "Expected lag: a 250 ms poll plus the projector's run time".to_owned(),
            }
        ),
        format!(
            "A query can miss a command for that long; {} The questionnaire asks nothing about how stale a read may be, so the alarm takes the {LAG_ALARM_S} s of the minimum alarm set: lower it (ReadLagAlarmSeconds) where users notice less. A command's answer carries the new version, so a client can tell a stale read.",
            if r.is("alarms", "backlog") {
                "the review alarms on backlogs, and this one is the projector's."
            } else {
                "the alarm says when the read model falls behind before users do."
            }
        ),
        r.origins(&["p99_duration_ms", "alarms", "timeouts"]),
    ));

    let idempotency = control(
        "idempotency",
        "Idempotency",
        "POST /items: the id is a hash of the caller and their Idempotency-Key, written with attribute_not_exists(id); PUT /items/{id}/status: written only at the If-Match version; projector: a view is written only over an older version".to_owned(),
        if r.is("duplicate_sensitivity", "costly") || r.is("duplicate_sensitivity", "annoying") {
            "Duplicates hurt, per the review: a retried create finds the item its first attempt made and answers with it (422 if the body differs), a stale update gets 412 instead of undoing someone's change, and a redelivered stream record changes nothing. No idempotency table is needed: each write's condition is the guard.".to_owned()
        } else {
            "Every write is guarded by its own condition, so a client's retry and the stream's redelivery both repeat nothing; no idempotency table is needed.".to_owned()
        },
        r.origins(&["duplicate_sensitivity", "idempotency"]),
    );
    replace_controls(controls, &[&idempotency, &throttling]);
    Cqrs {
        query_throttle_rate,
        query_throttle_burst,
        write_max_wru,
        read_max_wru,
        read_max_rru,
        views,
        batch_size,
        lag_alarm_s: LAG_ALARM_S,
        expected_lag_ms,
    }
}
