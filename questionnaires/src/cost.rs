//! The monthly cost model: Lambda (+ API Gateway + DynamoDB) against Fargate (+ ALB), with the
//! break-even volume and a series for a chart.
//!
//! Serverless cost grows with requests:
//! per request = Lambda request price + memory GB × duration s × GB-second price
//!             + API Gateway request price (REST or HTTP API, if the workload has one)
//!             + DynamoDB reads × RRU price + writes × WRU price (if it uses DynamoDB).
//!
//! The database is priced on both sides (containers read and write it too), so it shows in both
//! totals but does not move the break-even.
//!
//! Container cost is flat: tasks × 730 h × (vCPU × vCPU-hour + GB × GB-hour) + ALB hours, with
//! tasks = max(minimum tasks, ⌈peak concurrency ÷ requests in flight per task⌉), sized for the
//! stated peak. Break-even = container fleet cost ÷ Lambda and API Gateway cost per request. Every price and sizing
//! assumption is data in `limits.toml`; free tiers, ALB LCUs, NAT, logs and data transfer are out.

use serde::Serialize;

use crate::condition::{Calc, Tri};
use crate::evaluate::State;
use crate::model::{ConditionInput, NumberInput, QuestionId, Runtime, Text};

/// Prices the model reads.
pub const REQUIRED_PRICES: &[&str] = &[
    "lambda_requests",
    "lambda_gb_second_x86",
    "lambda_gb_second_arm64",
    "apigw_http_requests",
    "apigw_rest_requests",
    "dynamodb_write_units",
    "dynamodb_read_units",
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
];

/// One line of a cost breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CostLine {
    /// What it is.
    pub item: String,
    /// USD per month.
    pub usd: f64,
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
    /// Serverless USD per million requests.
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

fn price(state: &State<'_>, id: &str) -> f64 {
    // Presence is checked at load time whenever the questionnaire has inputs.
    state.q.figures.prices.get(id).map_or(0.0, |f| f.value)
}

fn assumption(state: &State<'_>, id: &str) -> f64 {
    state.q.figures.assumptions.get(id).map_or(0.0, |f| f.value)
}

fn money(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The cost figures of one evaluation, computed once while building the state.
pub(crate) struct Model {
    monthly: f64,
    per_request: Vec<CostLine>,
    /// Per-request costs both sides pay (the database), so they do not move the break-even.
    shared_per_request: Vec<CostLine>,
    containers: Vec<CostLine>,
    tasks: f64,
    arch: &'static str,
}

fn model(state: &State<'_>) -> Option<Model> {
    if state.q.inputs.numbers.is_empty() {
        return None;
    }
    let monthly = monthly_requests(state)?;
    let duration_s = state.input(NumberInput::AvgDurationMs)? / 1000.0;
    let memory_gb = state.input(NumberInput::MemoryMb)? / 1024.0;
    let arm = state.when(ConditionInput::Arm64) == Tri::True;
    let (arch, gb_s, vcpu_h, gb_h) = if arm {
        (
            "arm64",
            "lambda_gb_second_arm64",
            "fargate_vcpu_hour_arm64",
            "fargate_gb_hour_arm64",
        )
    } else {
        (
            "x86_64",
            "lambda_gb_second_x86",
            "fargate_vcpu_hour_x86",
            "fargate_gb_hour_x86",
        )
    };
    let mut per_request = vec![
        CostLine {
            item: "Lambda requests".into(),
            usd: price(state, "lambda_requests") / 1e6,
        },
        CostLine {
            item: format!("Lambda duration ({arch})"),
            usd: memory_gb * duration_s * price(state, gb_s),
        },
    ];
    if state.when(ConditionInput::RestApi) == Tri::True {
        per_request.push(CostLine {
            item: "API Gateway REST API".into(),
            usd: price(state, "apigw_rest_requests") / 1e6,
        });
    } else if state.when(ConditionInput::HttpApi) == Tri::True {
        per_request.push(CostLine {
            item: "API Gateway HTTP API".into(),
            usd: price(state, "apigw_http_requests") / 1e6,
        });
    }
    let mut shared_per_request = Vec::new();
    if state.when(ConditionInput::UsesDynamodb) == Tri::True {
        let reads = state.input(NumberInput::DbReadsPerRequest).unwrap_or(0.0);
        let writes = state.input(NumberInput::DbWritesPerRequest).unwrap_or(0.0);
        if reads + writes > 0.0 {
            shared_per_request.push(CostLine {
                item: "DynamoDB on-demand reads and writes".into(),
                usd: reads * price(state, "dynamodb_read_units") / 1e6
                    + writes * price(state, "dynamodb_write_units") / 1e6,
            });
        }
    }

    let hours = assumption(state, "hours_per_month");
    let vcpu = assumption(state, "fargate_task_vcpu");
    let gb = assumption(state, "fargate_task_gb");
    let peak_concurrency = state.calc[Calc::Concurrency as usize].unwrap_or(0.0);
    let per_task = assumption(state, "fargate_in_flight_per_task").max(1.0);
    let tasks = assumption(state, "fargate_min_tasks").max((peak_concurrency / per_task).ceil());
    let task_month = hours * (vcpu * price(state, vcpu_h) + gb * price(state, gb_h));
    let containers = vec![
        CostLine {
            item: format!("Fargate: {tasks} tasks × {vcpu} vCPU / {gb} GB ({arch})"),
            usd: tasks * task_month,
        },
        CostLine {
            item: "Application Load Balancer (hourly)".into(),
            usd: hours * price(state, "alb_hour"),
        },
    ];
    Some(Model {
        monthly,
        per_request,
        shared_per_request,
        containers,
        tasks,
        arch,
    })
}

fn monthly_requests(state: &State<'_>) -> Option<f64> {
    state.input(NumberInput::MonthlyRequests).or_else(|| {
        state
            .input(NumberInput::AvgRps)
            .map(|rps| rps * assumption(state, "seconds_per_month"))
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
        let shared: f64 = m.shared_per_request.iter().map(|l| l.usd).sum::<f64>() * m.monthly;
        let lambda: f64 = m.per_request.iter().map(|l| l.usd).sum::<f64>() * m.monthly + shared;
        let fargate: f64 = m.containers.iter().map(|l| l.usd).sum::<f64>() + shared;
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
    let per_request: f64 = m.per_request.iter().map(|l| l.usd).sum();
    let shared: f64 = m.shared_per_request.iter().map(|l| l.usd).sum();
    let fixed: f64 = m.containers.iter().map(|l| l.usd).sum();
    let serverless_usd = (per_request + shared) * m.monthly;
    let containers_usd = fixed + shared * m.monthly;
    // The shared database cost cancels out: only Lambda's own per-request cost meets the fixed fleet.
    let break_even = (per_request > 0.0).then(|| fixed / per_request);
    let seconds = assumption(state, "seconds_per_month");
    let top = (m.monthly * 2.0)
        .max(break_even.unwrap_or(0.0) * 1.5)
        .max(1.0);
    let series = (0..SERIES_POINTS)
        .map(|i| {
            let requests = (top * i as f64 / (SERIES_POINTS - 1) as f64).round();
            CostPoint {
                requests,
                serverless_usd: money((per_request + shared) * requests),
                containers_usd: money(fixed + shared * requests),
            }
        })
        .collect();
    let inputs = [
        NumberInput::MonthlyRequests,
        NumberInput::AvgRps,
        NumberInput::AvgDurationMs,
        NumberInput::MemoryMb,
        NumberInput::PeakRps,
        NumberInput::DbReadsPerRequest,
        NumberInput::DbWritesPerRequest,
    ]
    .into_iter()
    .filter(|n| state.input(*n).is_some())
    .filter_map(|n| state.input_question(n).cloned())
    .collect();
    let per_task = assumption(state, "fargate_in_flight_per_task");
    Some(CostEstimate {
        monthly_requests: m.monthly,
        serverless: CostSide {
            monthly_usd: money(serverless_usd),
            breakdown: m
                .per_request
                .iter()
                .chain(&m.shared_per_request)
                .map(|l| CostLine { item: l.item.clone(), usd: money(l.usd * m.monthly) })
                .collect(),
        },
        containers: CostSide {
            monthly_usd: money(containers_usd),
            breakdown: m
                .containers
                .iter()
                .map(|l| CostLine { item: l.item.clone(), usd: money(l.usd) })
                .chain(m.shared_per_request.iter().map(|l| CostLine { item: l.item.clone(), usd: money(l.usd * m.monthly) }))
                .collect(),
        },
        serverless_per_million: money((per_request + shared) * 1e6),
        container_tasks: m.tasks,
        break_even_requests: break_even.map(f64::round),
        break_even_avg_rps: break_even.map(|b| (b / seconds * 10.0).round() / 10.0),
        cheaper: if serverless_usd <= containers_usd { "serverless" } else { "containers" }.into(),
        series,
        assumptions: vec![
            format!("us-east-1 on-demand list prices, {} architecture, first pricing tier.", m.arch),
            format!(
                "Containers are sized for peak: at least {} tasks, one per {} requests in flight.",
                assumption(state, "fargate_min_tasks"),
                per_task
            ),
            "Free tiers, ALB capacity units, NAT gateways, logs and data transfer are left out of both sides.".into(),
            "Savings Plans discount both sides and are not applied.".into(),
        ],
        inputs,
    })
}
