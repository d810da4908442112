//! The real-time broadcast starter's plan: an API Gateway WebSocket API whose `$connect`,
//! `$disconnect`, `subscribe`, `sendmessage`, `ping` and `$default` routes call one connections
//! function, and a broadcaster that an SQS queue feeds, posting each message to every connection
//! of its channel. [`plan`] decides how a channel's connections are split so that one invocation
//! never posts to more than a few hundred (the audience), how many broadcasters run at once,
//! whether messages keep their order (FIFO), how large a message may be against API Gateway's
//! 128 KB message and 32 KB frame, how fast clients may connect against the 500-per-second
//! account quota, how long a connection record lives past the 2-hour limit, how often clients
//! ping before the 10-minute idle timeout, and how far back a reconnecting client can catch up.
//! Each is a [`Control`] with the answers it came from.
//!
//! It replaces the generic `idempotency` and `queue_concurrency` controls: connection records are
//! keyed puts, messages carry a cursor clients de-duplicate on, and the broadcaster's queue is
//! sized from the audience rather than from a request rate.

use serde::{Deserialize, Serialize};

use super::reader::{Reader, control, quota};
use super::{Control, Queue};

/// The WebSocket API's and the broadcaster's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Realtime {
    /// Connections one broadcast reaches at the busiest time (the planning figure).
    pub audience: u32,
    /// Shards a channel's connections are spread over; one broadcaster invocation serves one.
    pub shards: u32,
    /// How many connections a shard is planned to hold at most.
    pub connections_per_shard: u32,
    /// Posts to `@connections` one invocation keeps in flight at once.
    pub posts_in_flight: u32,
    /// The broadcaster's timeout, in seconds.
    pub broadcast_timeout_s: u32,
    /// Whether messages keep their order per channel (a FIFO queue, one group per channel shard).
    pub ordered: bool,
    /// The largest message a client may send or the broadcaster posts, in bytes.
    pub max_message_bytes: u32,
    /// API Gateway's metering units (32 KB each) a typical message costs per connection.
    pub message_units: u32,
    /// New connections per second the `$connect` route lets through (and its burst).
    pub connect_rate: u32,
    /// Messages per second the other routes let through.
    pub message_rate: u32,
    /// Their burst.
    pub message_burst: u32,
    /// How long a connection record lives (TTL), in seconds: past API Gateway's 2-hour limit.
    pub connection_ttl_s: u32,
    /// How often a client sends `ping`, in seconds: under the 10-minute idle timeout.
    pub heartbeat_s: u32,
    /// How long the message log keeps a channel's messages for clients that reconnect, in seconds.
    pub replay_window_s: u32,
    /// How many missed messages `subscribe` returns at most; older ones are paged with `since`.
    pub replay_page: u32,
}

/// API Gateway closes an idle WebSocket connection after 10 minutes (the limit's unit text in
/// `limits.toml`; the quota's value is the 2-hour maximum).
const IDLE_TIMEOUT_S: u32 = 600;
/// The most connections one broadcaster invocation posts to: at 25 in flight, 20 rounds.
const CONNECTIONS_PER_SHARD: u32 = 500;
/// Posts one invocation keeps in flight.
const POSTS_IN_FLIGHT: u32 = 25;
/// What the starter assumes one post to `@connections` takes at worst, in milliseconds (an
/// in-Region HTTPS call); measure it and change the timeout if yours are slower.
const ASSUMED_POST_MS: u32 = 100;

fn ceil_u32(x: f64) -> u32 {
    x.ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// The real-time plan and the broadcaster's queue. Pushes its controls and replaces the generic
/// `idempotency` and `queue_concurrency` controls in `controls`.
pub(super) fn plan(
    r: &Reader,
    reserved_concurrency: Option<u32>,
    controls: &mut Vec<Control>,
) -> (Realtime, Queue) {
    let q = r.q;

    // The audience: the average connections, scaled to the peak by the peak-to-average rate.
    let connections = r.number("websocket_connections").filter(|c| *c > 0.0);
    let surge = match (r.number("peak_rps"), r.number("avg_rps")) {
        (Some(p), Some(a)) if p > 0.0 && a > 0.0 && p > a => Some((p, a)),
        _ => None,
    };
    let (audience, audience_why) = match (connections, surge) {
        (Some(c), Some((p, a))) => (
            ceil_u32(c * p / a).max(1),
            format!(
                "{c} connections on average, times the peak-to-average rate of {:.1}: about {} at the busiest time.",
                p / a,
                ceil_u32(c * p / a).max(1)
            ),
        ),
        (Some(c), None) => (
            ceil_u32(c).max(1),
            format!("{c} connections on average, with no peak rate to scale them by."),
        ),
        (None, _) => (
            1_000,
            "No connection count given: the starter plans for 1,000 connections to a channel; set the SHARDS parameter from the real audience.".to_owned(),
        ),
    };
    let shards = audience.div_ceil(CONNECTIONS_PER_SHARD).clamp(1, 1_000);
    let rounds = CONNECTIONS_PER_SHARD.div_ceil(POSTS_IN_FLIGHT);
    // Three times the assumed time of one shard's rounds, at least 10 s (a cold start and a
    // slow page of the table), at most Lambda's ceiling.
    let broadcast_timeout_s = (rounds * ASSUMED_POST_MS * 3)
        .div_ceil(1000)
        .clamp(10, ceil_u32(quota(q, "lambda_timeout")));
    controls.push(control(
        "broadcast_fanout",
        "Broadcast fan-out",
        format!(
            "SHARDS: {shards} per channel, up to {CONNECTIONS_PER_SHARD} connections each; {POSTS_IN_FLIGHT} posts in flight per invocation; broadcaster Timeout: {broadcast_timeout_s}"
        ),
        format!(
            "{audience_why} API Gateway takes one post per connection, so a broadcast is a loop: each connection is stored under one of the channel's {shards} shard(s), and a message is copied once per shard, so no invocation posts to more than {CONNECTIONS_PER_SHARD} connections ({rounds} rounds of {POSTS_IN_FLIGHT}; the timeout is three times those rounds at an assumed {ASSUMED_POST_MS} ms a post, at least 10 s)."
        ),
        r.origins(&["websocket_connections", "peak_rps", "avg_rps"]),
    ));

    // How many broadcasters run at once: one per shard of each message in flight.
    let cap = reserved_concurrency.unwrap_or(1_000).clamp(2, 1_000);
    let peak = r.number("peak_rps").filter(|p| *p > 0.0);
    let shard_s = f64::from(rounds * ASSUMED_POST_MS) / 1000.0;
    let wanted = peak.map(|p| ceil_u32(p * f64::from(shards) * shard_s).max(2));
    let max_concurrency = wanted.map_or(shards.max(2).min(cap), |w| w.min(cap));
    let queue = Queue {
        visibility_timeout_s: broadcast_timeout_s * 6,
        batch_size: 10,
        max_concurrency,
    };
    let concurrency = control(
        "queue_concurrency",
        "Broadcaster concurrency",
        format!(
            "ScalingConfig.MaximumConcurrency: {}; VisibilityTimeout: {} s; BatchSize: {}",
            queue.max_concurrency, queue.visibility_timeout_s, queue.batch_size
        ),
        match (wanted, reserved_concurrency) {
            (Some(w), Some(n)) if w > n => format!(
                "{w} broadcasters would keep up with the peak of {} messages a second over {shards} shard(s); the review reserves {n}, so the queue holds the rest and the queue-age alarm says when it falls behind.",
                peak.unwrap_or_default()
            ),
            (Some(w), _) => format!(
                "The peak of {} messages a second, each copied to {shards} shard(s) of about {shard_s:.1} s of posts: {w} at once. The visibility timeout is six times the broadcaster's timeout.",
                peak.unwrap_or_default()
            ),
            (None, _) => format!(
                "No peak rate given: one broadcaster per shard ({}), at least 2. The visibility timeout is six times the broadcaster's timeout.",
                max_concurrency
            ),
        },
        r.origins(&["peak_rps", "reserved_concurrency", "downstream_protection"]),
    );

    // Order: a FIFO queue keeps each channel shard's messages in order.
    let ordered = r.is("ordering", "per_key") || r.is("ordering", "global");
    controls.push(control(
        "message_order",
        "Message order",
        if ordered {
            "FIFO broadcast queue (high throughput): one message group per channel, then per channel shard; each message carries its queue sequence number as a cursor".to_owned()
        } else {
            "Standard broadcast queue: messages may arrive out of order; each carries a cursor (send time and message id)".to_owned()
        },
        if ordered {
            "The review needs order per key: a FIFO queue hands one channel's messages to one broadcaster at a time, in order, and API Gateway does not reorder posts to one connection. Clients still sort by cursor after a reconnect.".to_owned()
        } else {
            "The review does not need order, so the cheaper and faster standard queue carries the messages; clients sort by cursor when order matters.".to_owned()
        },
        r.origins(&["ordering"]),
    ));

    // Message size against the 128 KB message and 32 KB frame limits.
    let limit_kb = ceil_u32(quota(q, "apigw_websocket_message"));
    let frame_kb = ceil_u32(quota(q, "apigw_websocket_meter_kb"));
    let typical_kb = r.number("websocket_message_kb").filter(|k| *k > 0.0);
    let (max_kb, size_why) = match typical_kb {
        Some(k) if k > f64::from(limit_kb) => (
            limit_kb,
            format!(
                "A typical message of {k} KB is over API Gateway's {limit_kb} KB limit, which cannot be raised: put the content in S3 and send its key or a presigned URL; anything larger is refused."
            ),
        ),
        Some(k) => {
            let room = (ceil_u32(k * 2.0).div_ceil(frame_kb) * frame_kb).clamp(frame_kb, limit_kb);
            (
                room,
                format!(
                    "Twice the typical {k} KB, in whole {frame_kb} KB frames, within the {limit_kb} KB limit: a message up to {room} KB is accepted, anything larger is refused before it costs a post to every connection. Each {frame_kb} KB counts as one message on the bill."
                ),
            )
        }
        None => (
            frame_kb,
            format!(
                "No message size given: one {frame_kb} KB frame, which is also one billed message; raise it up to {limit_kb} KB if needed."
            ),
        ),
    };
    let message_units = typical_kb.map_or(1, |k| ceil_u32(k / f64::from(frame_kb)).max(1));
    controls.push(control(
        "message_size",
        "Message size",
        format!(
            "MAX_MESSAGE_BYTES: {} ({max_kb} KB); a larger sendmessage is answered with an error",
            max_kb * 1024
        ),
        size_why,
        r.origins(&["websocket_message_kb"]),
    ));

    // New connections against the account's 500 a second.
    let account_rate = ceil_u32(quota(q, "apigw_websocket_new_connections"));
    let connects = r.number("ws_connects_per_s").filter(|c| *c > 0.0);
    let connect_rate = connects.map_or(account_rate, |c| ceil_u32(c * 2.0).clamp(10, account_rate));
    let message_rate = peak.map_or(100, |p| ceil_u32(p * 1.5).max(10));
    let message_burst = message_rate.saturating_mul(2);
    controls.push(control(
        "websocket_throttling",
        "WebSocket throttling (rate / burst per second)",
        format!(
            "$connect: {connect_rate} / {connect_rate}; every other route: {message_rate} / {message_burst}"
        ),
        format!(
            "{} {}",
            match connects {
                Some(c) if c * 2.0 > f64::from(account_rate) => format!(
                    "{c} connections a second at the busiest moment: twice that is over the account's {account_rate} new connections a second, shared by every WebSocket API in the Region, so $connect is held to {account_rate}; ask for a higher quota before launch, and clients reconnect with jittered backoff."
                ),
                Some(c) => format!(
                    "Twice the {c} connections a second the review expects at the busiest moment, within the account's {account_rate} a second; clients reconnect with jittered backoff, so a mass reconnect spreads out."
                ),
                None => format!(
                    "No connection rate given: the account's {account_rate} new connections a second; clients reconnect with jittered backoff."
                ),
            },
            if peak.is_some() {
                "Client messages take 1.5 times the stated peak, so a flood is refused at the edge."
            } else {
                "No peak given: 100 client messages a second."
            }
        ),
        r.origins(&["ws_connects_per_s", "peak_rps", "downstream_protection"]),
    ));

    // Connection lifetime: TTL past the 2-hour limit, heartbeat under the idle timeout.
    let max_s = ceil_u32(quota(q, "apigw_websocket_duration") * 3_600.0);
    let connection_ttl_s = max_s + 900;
    let heartbeat_s = IDLE_TIMEOUT_S / 2;
    let session = r.number("ws_session_min").filter(|m| *m > 0.0);
    controls.push(control(
        "connection_lifetime",
        "Connection lifetime",
        format!(
            "Connection records expire (TTL) {} min after connecting; clients send ping every {} s and reconnect with backoff",
            connection_ttl_s / 60,
            heartbeat_s
        ),
        format!(
            "API Gateway ends every connection at {} hours and after {} idle minutes. {}A record outlives its connection by 15 minutes, so one whose $disconnect was missed is removed without a sweep; a post to it before then answers 410 Gone and deletes it.",
            max_s / 3_600,
            IDLE_TIMEOUT_S / 60,
            match session {
                Some(m) if m * 60.0 > f64::from(max_s) => format!(
                    "Sessions of {m} minutes outlast that, so each client is cut off at least {} time(s) a session and must reconnect and resubscribe on its own. ",
                    ceil_u32(m * 60.0 / f64::from(max_s)) - 1
                ),
                Some(m) => format!(
                    "Sessions of {m} minutes fit within it, but a client still reconnects after an idle cut or a network change. "
                ),
                None => "Clients reconnect and resubscribe on their own after a cut. ".to_owned(),
            }
        ),
        r.origins(&["ws_session_min", "connection_model"]),
    ));

    // Missed messages: a per-channel log with a TTL.
    let replay_min = session.map_or(120, |m| ceil_u32(m).clamp(15, 1_440));
    let replay_window_s = replay_min * 60;
    let replay_page = 100;
    controls.push(control(
        "missed_messages",
        "Missed messages",
        format!(
            "Each broadcast is kept in the channel's log for {replay_min} min; subscribe with since=<last cursor> returns up to {replay_page} missed messages"
        ),
        match session {
            Some(m) => format!(
                "Delivery reaches whoever is connected at that moment. A client that reconnects within its {m}-minute session catches up from the log; one away longer starts a new session and loads the current state from your own store."
            ),
            None => "Delivery reaches whoever is connected at that moment. No session length given: the log keeps two hours, the longest a connection lasts; a client away longer loads the current state from your own store.".to_owned(),
        },
        r.origins(&["ws_session_min", "event_replay"]),
    ));

    controls.push(control(
        "websocket_auth",
        "Connection authorization",
        "$connect: AWS_IAM (SigV4-signed connection URL); the other routes run on the authorized connection".to_owned(),
        if r.is("edge_auth", "lambda_authorizer") {
            "The review names a Lambda authorizer. A WebSocket API authorizes once, on $connect, with IAM or a Lambda REQUEST authorizer (it has no JWT authorizer); the starter signs with IAM, so browsers get short-lived credentials from a Cognito identity pool. Add a REQUEST authorizer on $connect if clients must present your tokens instead.".to_owned()
        } else if r.is("edge_auth", "jwt_or_iam") {
            "As the review does, with IAM: a WebSocket API has no JWT authorizer, so clients sign the connection URL with short-lived credentials (a Cognito identity pool for browsers).".to_owned()
        } else {
            "Nothing connects unsigned: a WebSocket API authorizes once, on $connect; clients sign the URL with short-lived credentials (a Cognito identity pool for browsers).".to_owned()
        },
        r.origins(&["edge_auth", "client_types"]),
    ));

    let idempotency = control(
        "idempotency",
        "Idempotency",
        "Connection records are keyed puts (a repeat overwrites); each message carries a cursor clients drop repeats by; sendmessage uses the request id as the FIFO deduplication id".to_owned(),
        if r.is("duplicate_sensitivity", "costly") || r.is("duplicate_sensitivity", "annoying") {
            "Duplicates hurt, per the review. A queue can hand a message over twice and a retried batch posts again, so every message carries its cursor and clients keep the last one per channel; no idempotency table would stop a post that already left.".to_owned()
        } else {
            "A retried batch may post a message twice; the cursor lets clients drop the repeat.".to_owned()
        },
        r.origins(&["duplicate_sensitivity", "idempotency"]),
    );
    for c in controls.iter_mut() {
        if c.id == "idempotency" {
            *c = idempotency.clone();
        }
    }
    controls.push(concurrency);

    (
        Realtime {
            audience,
            shards,
            connections_per_shard: CONNECTIONS_PER_SHARD,
            posts_in_flight: POSTS_IN_FLIGHT,
            broadcast_timeout_s,
            ordered,
            max_message_bytes: max_kb * 1024,
            message_units,
            connect_rate,
            message_rate,
            message_burst,
            connection_ttl_s,
            heartbeat_s,
            replay_window_s,
            replay_page,
        },
        queue,
    )
}
