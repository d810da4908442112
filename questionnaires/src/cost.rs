//! The monthly cost model: one line per AWS service the answers call for, on a serverless side
//! (Lambda behind API Gateway or event sources) and a containers side (Fargate, behind an ALB when
//! the workload serves HTTP), with the break-even volume and a series for a chart.
//!
//! Every line carries its `basis`: the formula with the answers and prices filled in, so a reader
//! can redo it by hand. Volumes start from N, the monthly requests or events (answered, or the
//! average rate × 2,592,000 s), and from these counts:
//!
//! - API requests = N when work enters through an API (REST, HTTP, WebSocket or a webhook);
//! - consumer records = N × consumers per event, when functions also (or only) take events from a
//!   queue, topic, bus, stream, S3 or a schedule;
//! - work records = the consumer records when there are any, else the API requests: database
//!   operations and idempotency writes are per work record;
//! - handled records = API requests + consumer records: every function runs for the answered
//!   average duration, and logs and NAT traffic are per handled record;
//! - invocations = API requests + consumer records ÷ batch size (queue and stream consumers take
//!   batches: the answered size, else the event source mapping's default of 10 for SQS and 100 for
//!   streams; everything else is one record per invocation).
//!
//! Serverless side only:
//! - Lambda requests: invocations × request price;
//! - Lambda duration: handled records × memory GB × duration s, priced through the duration tiers
//!   of the architecture (arm64 or x86_64);
//! - API Gateway: REST or HTTP API per request, or WebSocket messages in 32 KB blocks plus
//!   connection-minutes (average open connections × minutes in a month). With several API entry
//!   points every request is priced at the first of REST, HTTP, WebSocket.
//!
//! Containers side only: Fargate tasks sized for peak (max(minimum tasks, ⌈peak rate × duration ×
//! handled records per event ÷ requests in flight per task⌉) × 730 h × (vCPU × vCPU-hour + GB ×
//! GB-hour)), and an ALB's hourly charge only when the workload serves HTTP; queue and stream
//! workers have none.
//!
//! Both sides, the same design either way:
//! - DynamoDB: writes × ⌈item KB⌉ WRU and reads × ⌈item KB ÷ 4⌉ RRU per work record (reads
//!   priced strongly consistent, an upper bound), plus 2 idempotency-table writes of 1 KB per
//!   work record when idempotency keys are enforced;
//! - SQS: N × consumers messages, each one send (per started 64 KB) plus its share of batched
//!   receive and delete calls (at most 10 messages a call);
//! - SNS publishes and EventBridge events: N, per started 64 KB;
//! - Kinesis (provisioned): shards for the peak write rate × 730 shard-hours, plus PUT payload
//!   units of 25 KB;
//! - Step Functions (each request or event starts one execution): Standard, N × state
//!   transitions; Express, N requests plus the workflow's duration in 100 ms increments at 64 MB;
//! - CloudWatch Logs ingestion (handled records × KB of logs), X-Ray traces (a sampled share of
//!   N), NAT gateways (hours, plus GB processed) when functions reach AWS through NAT.
//!
//! Break-even: the volume where both totals meet. Lines both sides pay cancel out, so it is the
//! containers' own fixed cost minus the serverless side's own fixed cost (WebSocket
//! connection-minutes), divided by the serverless side's own cost per event. Fixed lines (Fargate,
//! ALB, Kinesis shard-hours, NAT hours, connection-minutes) stay flat in the chart series; the
//! rest grow with N. Duration tiers are applied at the answered volume; the series uses the
//! resulting average rate.
//!
//! Left out: free tiers and credits, data transfer out, Savings Plans and other discounts, ALB
//! capacity units, volume tiers of every service but Lambda duration (API Gateway, logs beyond
//! 10 TB, Express beyond its first tier), HTTP API metering per 512 KB, idle SQS polling, FIFO
//! queues and topics, SNS deliveries to HTTP or email, EventBridge cross-account delivery, Kinesis
//! on-demand mode and enhanced fan-out, DynamoDB storage and streams, S3, CloudWatch metrics,
//! alarms and log storage, X-Ray trace retrieval, INIT duration, provisioned concurrency, and
//! functions a workflow invokes beyond the answered duration. Every price, metering unit and
//! assumption is data in `limits.toml`.

use std::fmt;

use serde::Serialize;

use crate::condition::{Calc, Tri};
use crate::evaluate::State;
use crate::model::{ConditionInput, NumberInput, QuestionId, Runtime, Text};

/// Prices the model reads.
pub const REQUIRED_PRICES: &[&str] = &[
    "lambda_requests",
    "lambda_gb_second_x86",
    "lambda_gb_second_arm64",
    "lambda_gb_second_x86_tier2",
    "lambda_gb_second_x86_tier3",
    "lambda_gb_second_arm64_tier2",
    "lambda_gb_second_arm64_tier3",
    "lambda_tier1_gb_seconds_x86",
    "lambda_tier2_gb_seconds_x86",
    "lambda_tier1_gb_seconds_arm64",
    "lambda_tier2_gb_seconds_arm64",
    "apigw_http_requests",
    "apigw_rest_requests",
    "apigw_websocket_messages",
    "apigw_websocket_connection_minutes",
    "dynamodb_write_units",
    "dynamodb_read_units",
    "sqs_requests",
    "sns_publishes",
    "eventbridge_events",
    "kinesis_shard_hour",
    "kinesis_put_units",
    "stepfunctions_standard_transitions",
    "stepfunctions_express_requests",
    "stepfunctions_express_gb_second",
    "cloudwatch_logs_ingestion",
    "xray_traces_recorded",
    "nat_gateway_hour",
    "nat_gateway_gb",
    "fargate_vcpu_hour_x86",
    "fargate_gb_hour_x86",
    "fargate_vcpu_hour_arm64",
    "fargate_gb_hour_arm64",
    "alb_hour",
];

/// Assumptions the model reads.
pub const REQUIRED_ASSUMPTIONS: &[&str] = &[
    "hours_per_month",
    "seconds_per_month",
    "fargate_task_vcpu",
    "fargate_task_gb",
    "fargate_in_flight_per_task",
    "fargate_min_tasks",
    "dynamodb_strong_reads",
    "idempotency_writes_per_record",
    "idempotency_record_kb",
    "xray_sampled_share",
    "nat_gateways",
    "stepfunctions_express_memory_mb",
];

/// Metering units and quotas the model reads.
pub const REQUIRED_LIMITS: &[&str] = &[
    "dynamodb_write_unit_kb",
    "dynamodb_read_unit_kb",
    "sqs_billing_chunk_kb",
    "sqs_receive_batch",
    "kinesis_put_unit_kb",
    "kinesis_shard_write",
    "kinesis_shard_write_mb",
    "apigw_websocket_meter_kb",
    "stepfunctions_express_meter_ms",
    "sqs_default_batch",
    "stream_default_batch",
];

/// One line of a cost breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CostLine {
    /// What it is.
    pub item: String,
    /// USD per month.
    pub usd: f64,
    /// How the figure is worked out, with the inputs filled in, so it can be redone by hand.
    #[serde(default)]
    pub basis: String,
}

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CostSide {
    /// USD per month.
    pub monthly_usd: f64,
    /// The lines that add up to it.
    pub breakdown: Vec<CostLine>,
}

/// One point of the chart series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct CostPoint {
    /// Requests per month.
    pub requests: f64,
    /// Serverless USD per month.
    pub serverless_usd: f64,
    /// Containers USD per month.
    pub containers_usd: f64,
}

/// The cost estimate.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CostEstimate {
    /// Requests per month used.
    pub monthly_requests: f64,
    /// Lambda side.
    pub serverless: CostSide,
    /// Fargate side.
    pub containers: CostSide,
    /// Serverless USD per million requests (the lines that grow with volume).
    pub serverless_per_million: f64,
    /// Containers tasks.
    pub container_tasks: f64,
    /// Monthly volume where both cost the same.
    pub break_even_requests: Option<f64>,
    /// The same, as an average request rate.
    pub break_even_avg_rps: Option<f64>,
    /// `serverless` or `containers`, at the current volume.
    pub cheaper: Text,
    /// Points from zero to past the break-even, for a chart.
    pub series: Vec<CostPoint>,
    /// What the model assumes.
    pub assumptions: Vec<String>,
    /// The questions it read.
    pub inputs: Vec<QuestionId>,
}

/// Every figure the model reads, looked up once when the questionnaire loads (a name lookup per
/// figure per evaluation would cost more than the arithmetic).
macro_rules! cost_figures {
    ($($kind:ident: [$($id:ident),* $(,)?]),* $(,)?) => {
        /// The figures of the cost model, by name.
        #[derive(Debug, Clone, Default)]
        pub(crate) struct CostFigures {
            $($(pub $id: f64,)*)*
        }

        impl CostFigures {
            /// Reads them from `limits.toml`'s figures; a missing one (an error at load time
            /// whenever the questionnaire has inputs) reads as zero.
            pub(crate) fn new(figures: &crate::model::Figures) -> Self {
                Self {
                    $($($id: figures.$kind.get(stringify!($id)).map_or(0.0, |f| f.value),)*)*
                }
            }
        }
    };
}

cost_figures!(
    prices: [
        lambda_requests,
        lambda_gb_second_x86,
        lambda_gb_second_arm64,
        lambda_gb_second_x86_tier2,
        lambda_gb_second_x86_tier3,
        lambda_gb_second_arm64_tier2,
        lambda_gb_second_arm64_tier3,
        lambda_tier1_gb_seconds_x86,
        lambda_tier2_gb_seconds_x86,
        lambda_tier1_gb_seconds_arm64,
        lambda_tier2_gb_seconds_arm64,
        apigw_http_requests,
        apigw_rest_requests,
        apigw_websocket_messages,
        apigw_websocket_connection_minutes,
        dynamodb_write_units,
        dynamodb_read_units,
        sqs_requests,
        sns_publishes,
        eventbridge_events,
        kinesis_shard_hour,
        kinesis_put_units,
        stepfunctions_standard_transitions,
        stepfunctions_express_requests,
        stepfunctions_express_gb_second,
        cloudwatch_logs_ingestion,
        xray_traces_recorded,
        nat_gateway_hour,
        nat_gateway_gb,
        fargate_vcpu_hour_x86,
        fargate_gb_hour_x86,
        fargate_vcpu_hour_arm64,
        fargate_gb_hour_arm64,
        alb_hour,
    ],
    assumptions: [
        hours_per_month,
        seconds_per_month,
        fargate_task_vcpu,
        fargate_task_gb,
        fargate_in_flight_per_task,
        fargate_min_tasks,
        dynamodb_strong_reads,
        idempotency_writes_per_record,
        idempotency_record_kb,
        xray_sampled_share,
        nat_gateways,
        stepfunctions_express_memory_mb,
    ],
    limits: [
        dynamodb_write_unit_kb,
        dynamodb_read_unit_kb,
        sqs_billing_chunk_kb,
        sqs_receive_batch,
        kinesis_put_unit_kb,
        kinesis_shard_write,
        kinesis_shard_write_mb,
        apigw_websocket_meter_kb,
        stepfunctions_express_meter_ms,
        sqs_default_batch,
        stream_default_batch,
    ],
);

/// Cents below ten trillion; six significant digits above, where cents mean nothing. Either way
/// the decimal form is short, so it survives a round trip through JSON exactly.
fn money(x: f64) -> f64 {
    if x.abs() < 1e13 {
        (x * 100.0).round() / 100.0
    } else {
        significant(x)
    }
}

/// Six significant digits (for figures far beyond any real bill or volume).
fn significant(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let scale = 10f64.powi(x.abs().log10().floor() as i32 - 5);
    (x / scale).round() * scale
}

/// A volume: whole units, shortened like [`money`] when it is astronomically large.
fn volume(x: f64) -> f64 {
    if x.abs() < 1e13 {
        x.round()
    } else {
        significant(x)
    }
}

/// Billing units for a size: every started `unit` counts, and even an empty payload is one.
pub fn billed_units(kb: f64, unit_kb: f64) -> f64 {
    if unit_kb <= 0.0 {
        return 1.0;
    }
    // Sizes are answered with at most a few decimals; a hair of float noise must not add a unit.
    (((kb / unit_kb) * 1e9).round() / 1e9).ceil().max(1.0)
}

/// A number for a basis: thousands separated, at most four decimals. Written straight into the
/// basis with integer arithmetic: every evaluation writes a few dozen of these, and exact float
/// formatting and small strings would cost more than the rest of the model.
#[derive(Debug, Clone, Copy)]
struct N(f64);

fn n(x: f64) -> N {
    N(x)
}

impl fmt::Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        put_decimal(f, self.0, 4)
    }
}

/// Writes `x` with thousands separators and at most `decimals` decimals (trailing zeros dropped),
/// by integer arithmetic.
fn put_decimal(f: &mut fmt::Formatter<'_>, x: f64, decimals: u32) -> fmt::Result {
    let scale = 10u64.pow(decimals);
    let abs = x.abs();
    // Bills, volumes and prices fit in 64 bits at this scale; anything else is printed plainly.
    if !x.is_finite() || abs * scale as f64 >= 1.8e19 {
        return write!(f, "{x}");
    }
    // A cast truncates: adding one half rounds to the nearest.
    let scaled = (abs * scale as f64 + 0.5) as u64;
    let (mut whole, frac) = (scaled / scale, scaled % scale);
    // At most 20 digits, 6 separators, a sign, a point and 10 decimals.
    let mut buf = [0u8; 40];
    let mut i = 28;
    let mut k = 0;
    loop {
        if k > 0 && k % 3 == 0 {
            i -= 1;
            buf[i] = b',';
        }
        i -= 1;
        buf[i] = b'0' + (whole % 10) as u8;
        whole /= 10;
        k += 1;
        if whole == 0 {
            break;
        }
    }
    if x < 0.0 && scaled > 0 {
        i -= 1;
        buf[i] = b'-';
    }
    let mut end = 28;
    if frac > 0 {
        buf[end] = b'.';
        let mut rest = frac;
        for d in (0..decimals as usize).rev() {
            buf[end + 1 + d] = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        end += 1 + decimals as usize;
        while buf[end - 1] == b'0' {
            end -= 1;
        }
    }
    f.write_str(std::str::from_utf8(&buf[i..end]).unwrap_or("?"))
}

/// A count with its noun: "1 write", "2 writes".
#[derive(Debug, Clone, Copy)]
struct Count(f64, &'static str);

fn count(x: f64, noun: &'static str) -> Count {
    Count(x, noun)
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 1.0 {
            write!(f, "1 {}", self.1)
        } else {
            write!(f, "{} {}s", N(self.0), self.1)
        }
    }
}

/// A price for a basis: cents when they say it all, every digit otherwise.
#[derive(Debug, Clone, Copy)]
struct Usd(f64);

fn usd(x: f64) -> Usd {
    Usd(x)
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        let cents = x * 100.0;
        f.write_str("$")?;
        if (cents - cents.round()).abs() < 1e-9 && cents.abs() < 1e15 {
            // Whole cents: always two decimals ("$0.20", "$25.00").
            let c = cents.round() as i64;
            write!(f, "{}.{:02}", c / 100, (c % 100).abs())
        } else {
            // Per-unit prices such as $0.0000133334: every digit, to ten decimals.
            put_decimal(f, x, 10)
        }
    }
}

/// Which side pays a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Serverless,
    Containers,
    Both,
}

/// A line of the model: a fixed monthly part and a part per event (per unit of N).
struct Line {
    item: String,
    basis: String,
    side: Side,
    fixed: f64,
    per_event: f64,
}

impl Line {
    fn monthly(&self, events: f64) -> f64 {
        self.fixed + self.per_event * events
    }

    fn serverless(&self) -> bool {
        self.side != Side::Containers
    }

    fn containers(&self) -> bool {
        self.side != Side::Serverless
    }
}

/// The cost figures of one evaluation, computed once while building the state.
pub(crate) struct Model {
    monthly: f64,
    lines: Vec<Line>,
    tasks: f64,
    arch: &'static str,
    notes: Vec<String>,
}

impl Model {
    fn total(&self, side: fn(&Line) -> bool, events: f64) -> f64 {
        self.lines
            .iter()
            .filter(|l| side(l))
            .map(|l| l.monthly(events))
            .sum()
    }

    fn fixed_and_rate(&self, side: fn(&Line) -> bool) -> (f64, f64) {
        self.lines
            .iter()
            .filter(|l| side(l))
            .fold((0.0, 0.0), |(f, r), l| (f + l.fixed, r + l.per_event))
    }
}

/// Lambda duration through the tiers: (USD, basis of the pricing).
fn tiered(gb_s: f64, rates: [f64; 3], bounds: [f64; 2], arch: &str) -> (f64, String) {
    if gb_s <= bounds[0] {
        return (
            gb_s * rates[0],
            format!(
                "{} per GB-s ({arch}, first tier: up to {} GB-s a month)",
                usd(rates[0]),
                n(bounds[0])
            ),
        );
    }
    let first = bounds[0];
    let second = (gb_s.min(bounds[1]) - bounds[0]).max(0.0);
    let third = (gb_s - bounds[1]).max(0.0);
    let mut basis = format!(
        "({} GB-s × {} + {} GB-s × {}",
        n(first),
        usd(rates[0]),
        n(second),
        usd(rates[1])
    );
    if third > 0.0 {
        basis.push_str(&format!(" + {} GB-s × {}", n(third), usd(rates[2])));
    }
    basis.push_str(&format!(") per GB-s ({arch} duration tiers)"));
    (
        first * rates[0] + second * rates[1] + third * rates[2],
        basis,
    )
}

fn model(state: &State<'_>) -> Option<Model> {
    if state.q.inputs.numbers.is_empty() {
        return None;
    }
    let f = &state.q.cost_figures;
    let events = monthly_requests(state)?;
    let duration_s = state.input(NumberInput::AvgDurationMs)? / 1000.0;
    let memory_gb = state.input(NumberInput::MemoryMb)? / 1024.0;
    let is = |c: ConditionInput| state.when(c) == Tri::True;
    let arm = is(ConditionInput::Arm64);
    let arch = if arm { "arm64" } else { "x86_64" };
    // Prices per architecture: duration tiers 1 to 3, tier bounds, Fargate vCPU and GB.
    let ids: [f64; 7] = if arm {
        [
            f.lambda_gb_second_arm64,
            f.lambda_gb_second_arm64_tier2,
            f.lambda_gb_second_arm64_tier3,
            f.lambda_tier1_gb_seconds_arm64,
            f.lambda_tier2_gb_seconds_arm64,
            f.fargate_vcpu_hour_arm64,
            f.fargate_gb_hour_arm64,
        ]
    } else {
        [
            f.lambda_gb_second_x86,
            f.lambda_gb_second_x86_tier2,
            f.lambda_gb_second_x86_tier3,
            f.lambda_tier1_gb_seconds_x86,
            f.lambda_tier2_gb_seconds_x86,
            f.fargate_vcpu_hour_x86,
            f.fargate_gb_hour_x86,
        ]
    };
    let mut lines = Vec::new();
    let mut notes = Vec::new();

    // Volumes.
    let api = is(ConditionInput::SyncApi) || is(ConditionInput::WebsocketApi);
    let consumers_path = is(ConditionInput::AsyncConsumers) || !api;
    let consumers = if consumers_path {
        state
            .input(NumberInput::ConsumersPerEvent)
            .unwrap_or(1.0)
            .max(1.0)
    } else {
        0.0
    };
    // Unanswered, a batch is what the event source mapping takes by default.
    let (batch, batch_source) = match state.input(NumberInput::BatchSize) {
        Some(b) => (b.max(1.0), String::new()),
        None if is(ConditionInput::StreamConsumers) => (
            f.stream_default_batch.max(1.0),
            " (the stream default; batch size not answered)".to_owned(),
        ),
        None if is(ConditionInput::UsesSqs) => (
            f.sqs_default_batch.max(1.0),
            " (the SQS default; batch size not answered)".to_owned(),
        ),
        None => (1.0, String::new()),
    };
    let api_share = if api { 1.0 } else { 0.0 };
    // Per event: handled records (every function's), work records (the ones doing the work: the
    // consumers when there are any, else the API function) and invocations.
    let handled = api_share + consumers;
    let work = if consumers_path { consumers } else { 1.0 };
    let invocations = api_share + consumers / batch;
    let ev = n(events);
    let consumers_text = |c: f64| {
        if c == 1.0 {
            "1 consumer".to_owned()
        } else {
            format!("{} consumers", n(c))
        }
    };
    let handled_text = match (api, consumers_path) {
        (true, false) => format!("{ev} requests"),
        (false, _) if consumers == 1.0 => format!("{ev} events"),
        (false, _) => format!(
            "{ev} events × {} = {} records",
            consumers_text(consumers),
            n(events * handled)
        ),
        (true, true) => format!(
            "({ev} API requests + {ev} events × {}) = {} records",
            consumers_text(consumers),
            n(events * handled)
        ),
    };

    let work_text = if consumers_path {
        match (api, consumers == 1.0) {
            (false, true) => format!("{ev} events"),
            (true, true) => format!("{ev} consumer records"),
            _ => format!(
                "{ev} events × {} = {} records",
                consumers_text(consumers),
                n(events * work)
            ),
        }
    } else {
        format!("{ev} requests")
    };

    // Lambda.
    let invocations_text = match (api, consumers_path) {
        (true, false) => format!("{ev} requests"),
        (false, _) if consumers == 1.0 && batch == 1.0 => {
            format!("{ev} events, one per invocation")
        }
        (false, _) => format!(
            "{ev} events × {} ÷ {} per batch{batch_source} = {} invocations",
            consumers_text(consumers),
            n(batch),
            n(events * invocations)
        ),
        (true, true) => format!(
            "{ev} API requests + {ev} events × {} ÷ {} per batch{batch_source} = {} invocations",
            consumers_text(consumers),
            n(batch),
            n(events * invocations)
        ),
    };
    let p = f.lambda_requests;
    lines.push(Line {
        item: "Lambda requests".into(),
        basis: format!("{invocations_text} × {} per 1M", usd(p)),
        side: Side::Serverless,
        fixed: 0.0,
        per_event: invocations * p / 1e6,
    });
    let gb_s_per_event = handled * memory_gb * duration_s;
    let rates = [ids[0], ids[1], ids[2]];
    let bounds = [ids[3], ids[4]];
    let gb_s = gb_s_per_event * events;
    let (duration_usd, rate_text) = tiered(gb_s, rates, bounds, arch);
    lines.push(Line {
        item: format!("Lambda duration ({arch})"),
        basis: format!(
            "{handled_text} × {} GB × {} s = {} GB-s × {rate_text}",
            n(memory_gb),
            n(duration_s),
            n(gb_s)
        ),
        side: Side::Serverless,
        fixed: 0.0,
        per_event: if events > 0.0 {
            duration_usd / events
        } else {
            gb_s_per_event * rates[0]
        },
    });

    // API Gateway: one API type prices the requests.
    let minutes = f.seconds_per_month / 60.0;
    if is(ConditionInput::RestApi) || is(ConditionInput::HttpApi) {
        let (item, p) = if is(ConditionInput::RestApi) {
            ("API Gateway REST API", f.apigw_rest_requests)
        } else {
            ("API Gateway HTTP API", f.apigw_http_requests)
        };
        lines.push(Line {
            item: item.into(),
            basis: format!("{ev} requests × {} per 1M", usd(p)),
            side: Side::Serverless,
            fixed: 0.0,
            per_event: p / 1e6,
        });
    } else if is(ConditionInput::WebsocketApi) {
        let meter = f.apigw_websocket_meter_kb;
        let p = f.apigw_websocket_messages;
        let (blocks, size) = match state.input(NumberInput::WebsocketMessageKb) {
            Some(kb) => {
                let b = billed_units(kb, meter);
                (b, format!("⌈{} KB ÷ {} KB⌉ = {}", n(kb), n(meter), n(b)))
            }
            None => (1.0, "1 (message size not answered)".to_owned()),
        };
        lines.push(Line {
            item: "API Gateway WebSocket messages".into(),
            basis: format!(
                "{ev} messages × {size} blocks = {} × {} per 1M",
                n(events * blocks),
                usd(p)
            ),
            side: Side::Serverless,
            fixed: 0.0,
            per_event: blocks * p / 1e6,
        });
    }
    if is(ConditionInput::WebsocketApi)
        && let Some(conns) = state.input(NumberInput::WebsocketConnections)
    {
        let p = f.apigw_websocket_connection_minutes;
        lines.push(Line {
            item: "API Gateway WebSocket connection minutes".into(),
            basis: format!(
                "{} × {} minutes = {} connection-minutes × {} per 1M",
                count(conns, "connection"),
                n(minutes),
                n(conns * minutes),
                usd(p)
            ),
            side: Side::Serverless,
            fixed: conns * minutes * p / 1e6,
            per_event: 0.0,
        });
    }

    // DynamoDB.
    let wru = f.dynamodb_write_units;
    let rru = f.dynamodb_read_units;
    let write_kb = f.dynamodb_write_unit_kb;
    if is(ConditionInput::UsesDynamodb) {
        let item_kb = state.input(NumberInput::ItemSizeKb);
        let size = |unit: f64| match item_kb {
            Some(kb) => {
                let u = billed_units(kb, unit);
                (u, format!("⌈{} KB ÷ {} KB⌉ = {}", n(kb), n(unit), n(u)))
            }
            None => (1.0, "1 (item size not answered)".to_owned()),
        };
        let writes = state.input(NumberInput::DbWritesPerRequest).unwrap_or(0.0);
        if writes > 0.0 {
            let (units, text) = size(write_kb);
            let per = work * writes * units;
            lines.push(Line {
                item: "DynamoDB on-demand writes".into(),
                basis: format!(
                    "{work_text} × {} × {text} WRU = {} WRU × {} per 1M",
                    count(writes, "write"),
                    n(events * per),
                    usd(wru)
                ),
                side: Side::Both,
                fixed: 0.0,
                per_event: per * wru / 1e6,
            });
        }
        let reads = state.input(NumberInput::DbReadsPerRequest).unwrap_or(0.0);
        if reads > 0.0 {
            let (units, text) = size(f.dynamodb_read_unit_kb);
            let strong = f.dynamodb_strong_reads.clamp(0.0, 1.0);
            let factor = strong + (1.0 - strong) / 2.0;
            let consistency = if factor == 1.0 {
                " (strongly consistent)".to_owned()
            } else {
                format!(" × {} (eventually consistent share at half)", n(factor))
            };
            let per = work * reads * units * factor;
            lines.push(Line {
                item: "DynamoDB on-demand reads".into(),
                basis: format!(
                    "{work_text} × {} × {text} RRU{consistency} = {} RRU × {} per 1M",
                    count(reads, "read"),
                    n(events * per),
                    usd(rru)
                ),
                side: Side::Both,
                fixed: 0.0,
                per_event: per * rru / 1e6,
            });
        }
    }
    if is(ConditionInput::IdempotencyKeys) {
        let writes = f.idempotency_writes_per_record;
        let kb = f.idempotency_record_kb;
        let units = billed_units(kb, write_kb);
        let per = work * writes * units;
        lines.push(Line {
            item: "DynamoDB idempotency-table writes".into(),
            basis: format!(
                "{work_text} × {} × ⌈{} KB ÷ {} KB⌉ = {} WRU = {} WRU × {} per 1M",
                count(writes, "write"),
                n(kb),
                n(write_kb),
                n(units),
                n(events * per),
                usd(wru)
            ),
            side: Side::Both,
            fixed: 0.0,
            per_event: per * wru / 1e6,
        });
    }

    // Messaging.
    let message_kb = state.input(NumberInput::AsyncMessageKb);
    let chunk_kb = f.sqs_billing_chunk_kb;
    let chunks = |kb: Option<f64>, unit: f64| match kb {
        Some(kb) => {
            let c = billed_units(kb, unit);
            (c, format!("⌈{} KB ÷ {} KB⌉ = {}", n(kb), n(unit), n(c)))
        }
        None => (1.0, "1 (message size not answered)".to_owned()),
    };
    if is(ConditionInput::UsesSqs) {
        let queues = consumers.max(1.0);
        let per_call = batch.min(f.sqs_receive_batch).max(1.0);
        let (send, send_text) = chunks(message_kb, chunk_kb);
        let receive_calls = billed_units(message_kb.unwrap_or(0.0) * per_call, chunk_kb);
        let per_message = send + (receive_calls + 1.0) / per_call;
        let p = f.sqs_requests;
        let messages = if queues == 1.0 {
            format!("{ev} messages")
        } else {
            format!(
                "{ev} events × {} queues = {} messages",
                n(queues),
                n(events * queues)
            )
        };
        lines.push(Line {
            item: "SQS requests".into(),
            basis: format!(
                "{messages} × (send {send_text} + {} receive and 1 delete per {} messages) = {} requests × {} per 1M",
                n(receive_calls),
                n(per_call),
                n(events * queues * per_message),
                usd(p)
            ),
            side: Side::Both,
            fixed: 0.0,
            per_event: queues * per_message * p / 1e6,
        });
    }
    if is(ConditionInput::UsesSns) {
        let (c, text) = chunks(message_kb, chunk_kb);
        let p = f.sns_publishes;
        lines.push(Line {
            item: "SNS publishes".into(),
            basis: format!(
                "{ev} publishes × {text} = {} × {} per 1M (deliveries to SQS and Lambda are free)",
                n(events * c),
                usd(p)
            ),
            side: Side::Both,
            fixed: 0.0,
            per_event: c * p / 1e6,
        });
    }
    if is(ConditionInput::UsesEventbridge) {
        let (c, text) = chunks(message_kb, chunk_kb);
        let p = f.eventbridge_events;
        lines.push(Line {
            item: "EventBridge events".into(),
            basis: format!(
                "{ev} events × {text} = {} × {} per 1M",
                n(events * c),
                usd(p)
            ),
            side: Side::Both,
            fixed: 0.0,
            per_event: c * p / 1e6,
        });
    }
    let hours = f.hours_per_month;
    let seconds = f.seconds_per_month;
    if is(ConditionInput::UsesKinesis) {
        let peak = state
            .input(NumberInput::PeakRps)
            .unwrap_or(if seconds > 0.0 { events / seconds } else { 0.0 });
        let kb = message_kb.unwrap_or(1.0);
        let per_shard = f.kinesis_shard_write.max(1.0);
        let per_shard_kb = (f.kinesis_shard_write_mb * 1024.0).max(1.0);
        let shards = (peak / per_shard)
            .ceil()
            .max((peak * kb / per_shard_kb).ceil())
            .max(1.0);
        let p = f.kinesis_shard_hour;
        lines.push(Line {
            item: format!("Kinesis shard-hours ({})", count(shards, "shard")),
            basis: format!(
                "max(1, ⌈{} records/s ÷ {}⌉, ⌈{} records/s × {} KB ÷ {} KB/s⌉) = {} × {} h × {} per shard-hour",
                n(peak),
                n(per_shard),
                n(peak),
                n(kb),
                n(per_shard_kb),
                count(shards, "shard"),
                n(hours),
                usd(p)
            ),
            side: Side::Both,
            fixed: shards * hours * p,
            per_event: 0.0,
        });
        let (units, text) = chunks(message_kb, f.kinesis_put_unit_kb);
        let p = f.kinesis_put_units;
        lines.push(Line {
            item: "Kinesis PUT payload units".into(),
            basis: format!(
                "{ev} records × {text} = {} units × {} per 1M",
                n(events * units),
                usd(p)
            ),
            side: Side::Both,
            fixed: 0.0,
            per_event: units * p / 1e6,
        });
    }
    // Executions: one per request or event, or the answered share of them when the process is
    // one part of a larger API.
    let starts = if state.when(ConditionInput::SomeRequestsStartProcess) == Tri::True {
        state
            .input(NumberInput::WorkflowStartsPct)
            .map(|pct| pct / 100.0)
    } else {
        Some(1.0)
    };
    if is(ConditionInput::UsesStepFunctions) && starts.is_none() {
        notes.push(
            "Step Functions is not priced until the share of requests that start the process is answered."
                .to_owned(),
        );
    }
    if let Some(share) = starts.filter(|_| is(ConditionInput::UsesStepFunctions)) {
        let runs = events * share;
        let ev = if share < 1.0 {
            format!("{ev} requests × {}% = {}", n(share * 100.0), n(runs))
        } else {
            ev.to_string()
        };
        if is(ConditionInput::ExpressWorkflow) {
            let p = f.stepfunctions_express_requests;
            lines.push(Line {
                item: "Step Functions Express requests".into(),
                basis: format!("{ev} executions × {} per 1M", usd(p)),
                side: Side::Both,
                fixed: 0.0,
                per_event: share * p / 1e6,
            });
            let step_s = f.stepfunctions_express_meter_ms / 1000.0;
            let mb = f.stepfunctions_express_memory_mb;
            let (run_s, run_text) = match state.input(NumberInput::WorkflowDurationMin) {
                Some(min) => {
                    let s = billed_units(min * 60.0, step_s) * step_s;
                    (
                        s,
                        format!("{} min rounded up to {} s = {} s", n(min), n(step_s), n(s)),
                    )
                }
                None => (step_s, format!("{} s (duration not answered)", n(step_s))),
            };
            let gb = mb / 1024.0;
            let p = f.stepfunctions_express_gb_second;
            lines.push(Line {
                item: "Step Functions Express duration".into(),
                basis: format!(
                    "{ev} executions × {} GB ({} MB) × {run_text} = {} GB-s × {} per GB-s",
                    n(gb),
                    n(mb),
                    n(runs * gb * run_s),
                    usd(p)
                ),
                side: Side::Both,
                fixed: 0.0,
                per_event: share * gb * run_s * p,
            });
        } else if let Some(per_pass) = state.input(NumberInput::WorkflowTransitions) {
            let p = f.stepfunctions_standard_transitions;
            // A loop repeats the pass inside one execution, and every repeat is billed.
            let passes = state
                .input(NumberInput::WorkflowIterations)
                .unwrap_or(1.0)
                .max(1.0);
            let t = per_pass * passes;
            let per = if passes > 1.0 {
                format!("{} × {} passes", count(per_pass, "transition"), n(passes))
            } else {
                count(per_pass, "transition").to_string()
            };
            lines.push(Line {
                item: "Step Functions Standard state transitions".into(),
                basis: format!(
                    "{ev} executions × {per} = {} transitions × {} per 1,000",
                    n(runs * t),
                    usd(p)
                ),
                side: Side::Both,
                fixed: 0.0,
                per_event: share * t * p / 1000.0,
            });
        } else {
            notes.push(
                "Step Functions Standard transitions are not priced until the transitions per execution are answered."
                    .to_owned(),
            );
        }
    }

    // Observability and network.
    const KB_PER_GB: f64 = 1024.0 * 1024.0;
    if let Some(kb) = state.input(NumberInput::LogKbPerRequest) {
        let p = f.cloudwatch_logs_ingestion;
        let gb = handled * kb / KB_PER_GB;
        lines.push(Line {
            item: "CloudWatch Logs ingestion".into(),
            basis: format!(
                "{handled_text} × {} KB ÷ {} KB per GB = {} GB × {} per GB",
                n(kb),
                n(KB_PER_GB),
                n(events * gb),
                usd(p)
            ),
            side: Side::Both,
            fixed: 0.0,
            per_event: gb * p,
        });
    } else {
        notes.push("Logs are not priced until the log volume per request is answered.".to_owned());
    }
    if is(ConditionInput::XrayTracing) {
        let share = f.xray_sampled_share;
        let p = f.xray_traces_recorded;
        lines.push(Line {
            item: "X-Ray traces".into(),
            basis: format!(
                "{ev} {} × {} sampled = {} traces × {} per 1M",
                if api { "requests" } else { "events" },
                n(share),
                n(events * share),
                usd(p)
            ),
            side: Side::Both,
            fixed: 0.0,
            per_event: share * p / 1e6,
        });
    }
    if is(ConditionInput::VpcNat) {
        let gateways = f.nat_gateways;
        let p = f.nat_gateway_hour;
        lines.push(Line {
            item: "NAT gateway hours".into(),
            basis: format!(
                "{} × {} h × {} per hour",
                count(gateways, "gateway"),
                n(hours),
                usd(p)
            ),
            side: Side::Both,
            fixed: gateways * hours * p,
            per_event: 0.0,
        });
        if let Some(kb) = state.input(NumberInput::NatKbPerRequest) {
            let p = f.nat_gateway_gb;
            let gb = handled * kb / KB_PER_GB;
            lines.push(Line {
                item: "NAT gateway data processed".into(),
                basis: format!(
                    "{handled_text} × {} KB ÷ {} KB per GB = {} GB × {} per GB",
                    n(kb),
                    n(KB_PER_GB),
                    n(events * gb),
                    usd(p)
                ),
                side: Side::Both,
                fixed: 0.0,
                per_event: gb * p,
            });
        }
    }

    // Containers.
    let (vcpu_h, gb_h) = (ids[5], ids[6]);
    let vcpu = f.fargate_task_vcpu;
    let gb = f.fargate_task_gb;
    let peak_rps = state.input(NumberInput::PeakRps).unwrap_or(0.0);
    let in_flight = peak_rps * duration_s * handled;
    let per_task = f.fargate_in_flight_per_task.max(1.0);
    let min_tasks = f.fargate_min_tasks;
    let tasks = min_tasks.max((in_flight / per_task).ceil());
    lines.push(Line {
        item: format!("Fargate: {tasks} tasks × {vcpu} vCPU / {gb} GB ({arch})"),
        basis: format!(
            "max({}, ⌈{} per s × {} s × {} records per event ÷ {} in flight per task⌉) = {} tasks × {} h × ({} vCPU × {} + {} GB × {})",
            n(min_tasks),
            n(peak_rps),
            n(duration_s),
            n(handled),
            n(per_task),
            n(tasks),
            n(hours),
            n(vcpu),
            usd(vcpu_h),
            n(gb),
            usd(gb_h)
        ),
        side: Side::Containers,
        fixed: tasks * hours * (vcpu * vcpu_h + gb * gb_h),
        per_event: 0.0,
    });
    if api {
        let p = f.alb_hour;
        lines.push(Line {
            item: "Application Load Balancer (hourly)".into(),
            basis: format!(
                "{} h × {} per hour (capacity units left out)",
                n(hours),
                usd(p)
            ),
            side: Side::Containers,
            fixed: hours * p,
            per_event: 0.0,
        });
    }
    Some(Model {
        monthly: events,
        lines,
        tasks,
        arch,
        notes,
    })
}

fn monthly_requests(state: &State<'_>) -> Option<f64> {
    state.input(NumberInput::MonthlyRequests).or_else(|| {
        state
            .input(NumberInput::AvgRps)
            .map(|rps| rps * state.q.cost_figures.seconds_per_month)
    })
}

/// Lambda executions held at once when `rps` events a second each take `ms` (Little's law).
/// Work fed only by a queue or stream that Lambda polls runs one invocation per batch of
/// `batch_size` records, and a stream holds at most one execution per shard and consumer (the
/// default parallelisation factor of 1).
pub(crate) fn executions(state: &State<'_>, rps: f64, ms: f64) -> f64 {
    let mut c = rps * ms / 1000.0;
    if state.when(ConditionInput::PolledOnly) == Tri::True {
        if let Some(batch) = state.input(NumberInput::BatchSize) {
            c /= batch.max(1.0);
        }
        if state.when(ConditionInput::StreamEntry) == Tri::True
            && let Some(shards) = state.input(NumberInput::KinesisShards)
        {
            let consumers = state
                .input(NumberInput::ConsumersPerEvent)
                .unwrap_or(1.0)
                .max(1.0);
            c = c.min(shards * consumers);
        }
    }
    c
}

/// How [`executions`] departs from plain Little's law for these answers, for check messages.
pub(crate) fn executions_note(state: &State<'_>) -> String {
    if state.when(ConditionInput::PolledOnly) != Tri::True {
        return String::new();
    }
    let mut parts = Vec::new();
    if let Some(batch) = state.input(NumberInput::BatchSize) {
        parts.push(format!(
            "one invocation per batch of {}",
            crate::condition::num(batch)
        ));
    }
    if state.when(ConditionInput::StreamEntry) == Tri::True
        && state.input(NumberInput::KinesisShards).is_some()
    {
        parts.push("at most one execution per shard and consumer".to_owned());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    }
}

/// Fills the `calc.` figures that conditions can read.
pub(crate) fn fill_calc(state: &mut State<'_>) {
    let concurrency = match (
        state.input(NumberInput::PeakRps),
        state.input(NumberInput::AvgDurationMs),
    ) {
        (Some(rps), Some(ms)) => Some(executions(state, rps, ms)),
        _ => None,
    };
    state.calc[Calc::Concurrency as usize] = concurrency;
    state.calc[Calc::MonthlyRequests as usize] = monthly_requests(state);
    // The slow end of the range the cold-start check judges (see `cold_start`).
    state.calc[Calc::ColdStartMs as usize] = cold_start(state).map(|c| c.high);
    state.cost_model = model(state);
    if let Some(m) = &state.cost_model {
        let lambda = m.total(Line::serverless, m.monthly);
        let fargate = m.total(Line::containers, m.monthly);
        state.calc[Calc::LambdaMonthlyUsd as usize] = Some(lambda);
        state.calc[Calc::FargateMonthlyUsd as usize] = Some(fargate);
        state.calc[Calc::ServerlessCostRatio as usize] = (fargate > 0.0).then(|| lambda / fargate);
    }
}

/// The cold-start figures that apply to the answers.
pub(crate) struct ColdStart<'q> {
    /// The runtime in use.
    pub runtime: &'q Runtime,
    /// What the range is for, such as `minimal handler`.
    pub label: &'q str,
    /// Fast end, ms.
    pub low: f64,
    /// Slow end, ms: what the check judges and `calc.cold_start_ms` holds.
    pub high: f64,
    /// Where the range comes from.
    pub source: &'q str,
    /// Whether the package weight is unknown and the lightest range was assumed.
    pub assumed: bool,
}

/// The first runtime whose condition holds, with the range for the answered package weight; while
/// the weight is unknown, the runtime's first (lightest) range. A runtime without ranges gives
/// its hello-world floor for the architecture as both ends.
pub(crate) fn cold_start<'q>(state: &State<'q>) -> Option<ColdStart<'q>> {
    let runtime = state
        .q
        .runtimes
        .iter()
        .find(|r| r.when.eval(state) == Tri::True)?;
    let matched = runtime
        .ranges
        .iter()
        .find(|r| r.when.eval(state) == Tri::True);
    let (range, assumed) = match matched {
        Some(r) => (Some(r), false),
        None => (runtime.ranges.first(), true),
    };
    Some(match range {
        Some(r) => ColdStart {
            runtime,
            label: &r.label,
            low: r.low_ms,
            high: r.high_ms,
            source: &r.source,
            assumed,
        },
        None => {
            let floor = if state.when(ConditionInput::Arm64) == Tri::True {
                runtime.cold_start_ms_arm64
            } else {
                runtime.cold_start_ms_x86
            };
            ColdStart {
                runtime,
                label: "hello-world handler",
                low: floor,
                high: floor,
                source: &runtime.source,
                assumed: false,
            }
        }
    })
}

/// Points in the chart series.
const SERIES_POINTS: usize = 21;

/// The estimate, when its inputs are answered.
pub(crate) fn estimate(state: &State<'_>) -> Option<CostEstimate> {
    let m = state.cost_model.as_ref()?;
    let f = &state.q.cost_figures;
    let (s_fixed, s_rate) = m.fixed_and_rate(Line::serverless);
    let (c_fixed, c_rate) = m.fixed_and_rate(Line::containers);
    let serverless_usd = s_fixed + s_rate * m.monthly;
    let containers_usd = c_fixed + c_rate * m.monthly;
    // Lines both sides pay cancel out: each side's own fixed cost meets its own rate per event.
    let (own_s_fixed, own_s_rate) = m.fixed_and_rate(|l| l.side == Side::Serverless);
    let (own_c_fixed, own_c_rate) = m.fixed_and_rate(|l| l.side == Side::Containers);
    let rate_gap = own_s_rate - own_c_rate;
    let fixed_gap = own_c_fixed - own_s_fixed;
    let break_even = (rate_gap > 0.0 && fixed_gap > 0.0).then(|| fixed_gap / rate_gap);
    let seconds = f.seconds_per_month;
    let top = (m.monthly * 2.0)
        .max(break_even.unwrap_or(0.0) * 1.5)
        .max(1.0);
    let series = (0..SERIES_POINTS)
        .map(|i| {
            let requests = volume(top * i as f64 / (SERIES_POINTS - 1) as f64);
            CostPoint {
                requests,
                serverless_usd: money(s_fixed + s_rate * requests),
                containers_usd: money(c_fixed + c_rate * requests),
            }
        })
        .collect();
    let inputs = [
        NumberInput::MonthlyRequests,
        NumberInput::AvgRps,
        NumberInput::AvgDurationMs,
        NumberInput::MemoryMb,
        NumberInput::PeakRps,
        NumberInput::ConsumersPerEvent,
        NumberInput::BatchSize,
        NumberInput::ItemSizeKb,
        NumberInput::DbReadsPerRequest,
        NumberInput::DbWritesPerRequest,
        NumberInput::AsyncMessageKb,
        NumberInput::WebsocketConnections,
        NumberInput::WebsocketMessageKb,
        NumberInput::WorkflowTransitions,
        NumberInput::WorkflowIterations,
        NumberInput::WorkflowStartsPct,
        NumberInput::WorkflowDurationMin,
        NumberInput::LogKbPerRequest,
        NumberInput::NatKbPerRequest,
    ]
    .into_iter()
    .filter(|n| state.input(*n).is_some())
    .filter_map(|n| state.input_question(n).cloned())
    .collect();
    let per_task = f.fargate_in_flight_per_task;
    let side = |keep: fn(&Line) -> bool, total: f64| CostSide {
        monthly_usd: money(total),
        breakdown: m
            .lines
            .iter()
            .filter(|l| keep(l))
            .map(|l| CostLine {
                item: l.item.clone(),
                usd: money(l.monthly(m.monthly)),
                basis: l.basis.clone(),
            })
            .collect(),
    };
    let mut assumptions = vec![
        format!(
            "us-east-1 on-demand list prices, {} architecture; Lambda duration through its tiers, every other service at its first tier.",
            m.arch
        ),
        "Every function runs for the answered average duration; logs and NAT traffic are per record a function handles (each API request, and each event once per consumer); database operations are per record of the function doing the work (the consumers, when there are any).".into(),
        format!(
            "DynamoDB reads are priced strongly consistent (the upper bound); idempotency keys cost {} writes of {} KB per record.",
            f.idempotency_writes_per_record,
            f.idempotency_record_kb
        ),
        format!(
            "X-Ray records {}% of requests; SQS queues are standard queues.",
            f.xray_sampled_share * 100.0
        ),
        format!(
            "Containers are sized for peak: at least {} tasks, one per {} requests in flight; an ALB only in front of an API.",
            f.fargate_min_tasks,
            per_task
        ),
        "Each request or event is published once to each topic, bus or stream it uses and starts one workflow execution when there is a workflow.".into(),
        "Only compute and its front door differ: queues, topics, buses, streams, workflows, the database, logs, traces and NAT cost the same on both sides.".into(),
        "Free tiers, data transfer, ALB capacity units, API Gateway volume tiers, DynamoDB storage and Savings Plans are left out of both sides.".into(),
    ];
    assumptions.extend(m.notes.iter().cloned());
    Some(CostEstimate {
        monthly_requests: m.monthly,
        serverless: side(Line::serverless, serverless_usd),
        containers: side(Line::containers, containers_usd),
        serverless_per_million: money(s_rate * 1e6),
        container_tasks: m.tasks,
        break_even_requests: break_even.map(volume),
        break_even_avg_rps: break_even.map(|b| (b / seconds * 10.0).round() / 10.0),
        cheaper: if serverless_usd <= containers_usd {
            "serverless"
        } else {
            "containers"
        }
        .into(),
        series,
        assumptions,
        inputs,
    })
}

#[cfg(test)]
mod tests {
    use super::{billed_units, n, tiered, usd};

    #[test]
    fn sizes_round_up_to_started_units() {
        assert_eq!(billed_units(0.0, 1.0), 1.0);
        assert_eq!(billed_units(0.4, 1.0), 1.0);
        assert_eq!(billed_units(1.0, 1.0), 1.0);
        assert_eq!(billed_units(1.01, 1.0), 2.0);
        assert_eq!(billed_units(4.0, 4.0), 1.0);
        assert_eq!(billed_units(6.0, 4.0), 2.0);
        assert_eq!(billed_units(64.0, 64.0), 1.0);
        assert_eq!(billed_units(65.0, 64.0), 2.0);
        assert_eq!(
            billed_units(0.3 * 3.0, 0.9),
            1.0,
            "float noise adds no unit"
        );
    }

    #[test]
    fn duration_tiers_apply_past_their_bounds() {
        let rates = [0.0000133334, 0.0000120001, 0.0000106667];
        let bounds = [7.5e9, 18.75e9];
        let (usd, basis) = tiered(1e9, rates, bounds, "arm64");
        assert_eq!(usd, 1e9 * 0.0000133334);
        assert!(basis.contains("first tier"), "{basis}");
        let (usd, basis) = tiered(20e9, rates, bounds, "arm64");
        let by_hand = 7.5e9 * 0.0000133334 + 11.25e9 * 0.0000120001 + 1.25e9 * 0.0000106667;
        assert!((usd - by_hand).abs() < 1e-6, "{usd} vs {by_hand}");
        assert!(
            basis.contains("1,250,000,000 GB-s × $0.0000106667"),
            "{basis}"
        );
    }

    #[test]
    fn basis_numbers_read_like_a_hand_calculation() {
        assert_eq!(n(2_592_000.0).to_string(), "2,592,000");
        assert_eq!(n(1_036_800.0).to_string(), "1,036,800");
        assert_eq!(n(0.5).to_string(), "0.5");
        assert_eq!(n(0.06).to_string(), "0.06");
        assert_eq!(n(999.0).to_string(), "999");
        assert_eq!(n(1000.25).to_string(), "1,000.25");
        assert_eq!(n(0.0).to_string(), "0");
        assert_eq!(n(-1234.5).to_string(), "-1,234.5");
        assert_eq!(n(14.831542).to_string(), "14.8315");
        assert_eq!(n(3_109_570.312_5).to_string(), "3,109,570.3125");
        assert_eq!(usd(0.20).to_string(), "$0.20");
        assert_eq!(usd(0.0000133334).to_string(), "$0.0000133334");
        assert_eq!(usd(0.045).to_string(), "$0.045");
        assert_eq!(usd(3.50).to_string(), "$3.50");
        assert_eq!(usd(25.0).to_string(), "$25.00");
        assert_eq!(usd(0.0000166667).to_string(), "$0.0000166667");
        assert_eq!(usd(0.00001667).to_string(), "$0.00001667");
        assert_eq!(n(1e12).to_string(), "1,000,000,000,000");
        assert_eq!(n(0.00004).to_string(), "0");
    }
}
