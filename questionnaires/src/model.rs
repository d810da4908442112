//! The validated questionnaire model.
//!
//! Values of these types only come out of [`crate::load`], which checks every cross-reference, so
//! the engine can index by position without re-checking. Conditions are stored resolved: they point
//! at questions and choices by index.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::condition::Condition;

/// Shared, immutable text: evaluations hand out cheap clones of the questionnaire's words
/// instead of copying them.
pub type Text = Arc<str>;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Arc<str>);

        impl $name {
            /// Accepts `[a-z0-9_-]`, 1 to 128 characters; the reason otherwise.
            pub fn parse(s: &str) -> Result<Self, String> {
                crate::model::check_id(s).map(|()| Self(Arc::from(s)))
            }

            /// The id as shared text.
            pub fn text(&self) -> Arc<str> {
                self.0.clone()
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// The id of a question, unique across a questionnaire.
    QuestionId
);
id_type!(
    /// The id of a choice, unique within its question.
    ChoiceId
);
id_type!(
    /// The id of an area.
    AreaId
);
impl AreaId {
    /// Wraps an id the loader has already checked, or reported as an error.
    pub(crate) fn from_trusted(s: &str) -> Self {
        Self(Arc::from(s))
    }
}

id_type!(
    /// The id of a pattern in the catalog.
    PatternId
);
id_type!(
    /// The id of a checklist item.
    ItemId
);

/// Checks the id alphabet shared by every id type. AWS custom lenses also use upper case, so
/// letters of both cases are accepted.
pub(crate) fn check_id(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 128 {
        return Err(format!("id `{s}` must be 1 to 128 characters long"));
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(format!(
            "id `{s}` may only contain letters, digits, `_` and `-`"
        ));
    }
    Ok(())
}

/// Checks a link: `http://` or `https://`, no whitespace, more than ten characters. The loader's
/// URL rule; the lens linter applies it too, and parses the URL on top.
pub(crate) fn check_url(u: &str) -> Result<(), String> {
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() > 10
        && !u.contains(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(format!("`{u}` is not an http(s) URL"))
    }
}

/// A whole questionnaire: areas with their questions, the pattern catalog, the checklist and the
/// figures the checks use.
#[derive(Debug, Clone)]
pub struct Questionnaire {
    /// Stable id, stored with every assessment.
    pub id: String,
    /// Content version, shown on reports.
    pub version: String,
    /// Human title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// SHA-256 over the source files, so a report can name exactly what produced it.
    pub content_hash: String,
    /// Areas in display order.
    pub areas: Vec<Area>,
    /// Every question in display order (areas in order, then questions in order).
    pub questions: Vec<Question>,
    /// Pattern catalog.
    pub patterns: Vec<Pattern>,
    /// Improvement checklist.
    pub checklist: Vec<ChecklistItem>,
    /// Quotas, prices and assumptions.
    pub figures: Figures,
    /// Which answers feed the quantitative checks.
    pub inputs: Inputs,
    /// Runtimes with their cold-start figures.
    pub runtimes: Vec<Runtime>,
    pub(crate) question_index: BTreeMap<QuestionId, usize>,
    /// The figures the cost model reads, looked up once.
    pub(crate) cost_figures: crate::cost::CostFigures,
    /// Question indexes ordered by id, to merge with answers keyed by id.
    pub(crate) ids_sorted: Vec<usize>,
    /// Per question, why it is hidden when its `applies_when` does not hold, written once.
    pub(crate) hidden_reasons: Vec<Option<Text>>,
}

impl Questionnaire {
    /// The index of a question by id.
    pub fn question_index(&self, id: &str) -> Option<usize> {
        self.question_index.get(id).copied()
    }

    /// A question by id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.question_index(id).map(|i| &self.questions[i])
    }

    /// A pattern by id.
    pub fn pattern(&self, id: &str) -> Option<&Pattern> {
        self.patterns.iter().find(|p| p.id.as_str() == id)
    }
}

/// One review area, such as "Reliability and failure handling".
#[derive(Debug, Clone)]
pub struct Area {
    /// Area id.
    pub id: AreaId,
    /// Human title.
    pub title: Text,
    /// Markdown summary.
    pub summary: String,
    /// Weight in the overall score.
    pub weight: f64,
    /// Indexes into [`Questionnaire::questions`], in order.
    pub questions: Vec<usize>,
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Exactly one choice.
    Single,
    /// Any number of choices.
    Multi,
    /// A number within a range, with a unit.
    Number,
    /// Free text.
    Text,
}

/// The unit and range of a number question.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct NumberSpec {
    /// Unit shown next to the input, such as `req/s`.
    pub unit: String,
    /// Smallest accepted value.
    pub min: f64,
    /// Largest accepted value.
    pub max: f64,
}

/// One question.
#[derive(Debug, Clone)]
pub struct Question {
    /// Question id.
    pub id: QuestionId,
    /// Index of its area.
    pub area: usize,
    /// Human title.
    pub title: Text,
    /// Markdown help.
    pub help: String,
    /// Answer kind.
    pub kind: QuestionKind,
    /// Weight in its area score.
    pub weight: f64,
    /// Unit and range, for number questions.
    pub number: Option<NumberSpec>,
    /// Choices, for single and multi questions.
    pub choices: Vec<Choice>,
    /// Shown only when this holds.
    pub applies_when: Option<Condition>,
    /// Checked in order; the first true rule sets the risk.
    pub risk_rules: Vec<RiskRule>,
    /// A page or note that helps answer it (a lens question's `helpfulResource`).
    pub resource: Option<Link>,
}

impl Question {
    /// The index of a choice by id.
    pub fn choice_index(&self, id: &str) -> Option<usize> {
        self.choices.iter().position(|c| c.id.as_str() == id)
    }
}

/// One choice of a question.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Choice id.
    pub id: ChoiceId,
    /// Human title.
    pub title: String,
    /// Markdown help.
    pub help: String,
    /// What to do when this good practice is missing.
    pub improvement: Option<Improvement>,
    /// "None of these": excludes every other choice.
    pub none_of_these: bool,
    /// A page or note that explains the choice (a lens choice's `helpfulResource`).
    pub resource: Option<Link>,
    /// More pages about the choice (a lens choice's additional helpful resources).
    pub more_resources: Vec<Link>,
    /// More improvement steps, after [`Choice::improvement`] (a lens choice's additional
    /// improvement-plan items).
    pub more_improvements: Vec<Improvement>,
}

/// A suggested improvement, with an optional link.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Improvement {
    /// Markdown text.
    pub text: Text,
    /// A page that explains it.
    pub url: Option<Text>,
}

/// A helpful resource: a note, with a link when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Link {
    /// Plain text (imported lenses) or Markdown (built-in content).
    pub text: Text,
    /// The page, when there is one.
    pub url: Option<Text>,
}

/// A risk level. Ordered so that `High > Medium > None`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// No risk.
    None,
    /// Medium risk.
    Medium,
    /// High risk.
    High,
}

impl Risk {
    /// Points the risk earns in a score: none 100, medium 50, high 0.
    pub fn points(self) -> f64 {
        match self {
            Risk::None => 100.0,
            Risk::Medium => 50.0,
            Risk::High => 0.0,
        }
    }

    /// Lower-case name, as in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::None => "none",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

/// A risk rule: when the condition holds, the question carries this risk.
#[derive(Debug, Clone)]
pub struct RiskRule {
    /// The condition (`default` is always true).
    pub when: Condition,
    /// The risk it sets.
    pub risk: Risk,
    /// What is wrong, as a short title ("No dead-letter queue for failed events"): the heading of
    /// the raised risk. Raising rules only; `None` where the content has none (imported lenses),
    /// and the risk is then titled by its question.
    pub problem: Option<Text>,
    /// Why: shown next to the risk, as its impact.
    pub reason: Text,
    /// What to do when this rule fires: listed first under "How to improve", before the
    /// improvements of the question's choices that were not selected. Built-in content gives
    /// one to every rule whose question could otherwise offer none (number and text questions,
    /// rules whose unselected choices carry no improvement).
    pub improvement: Option<Improvement>,
}

/// Whether a pattern is serverless or the container alternative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternKind {
    /// Built from managed serverless services.
    Serverless,
    /// Containers, for when serverless does not fit.
    Containers,
}

/// A pattern in the catalog.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// Pattern id.
    pub id: PatternId,
    /// Human name.
    pub name: Text,
    /// Serverless or containers.
    pub kind: PatternKind,
    /// Markdown summary.
    pub summary: String,
    /// AWS services involved.
    pub services: Vec<String>,
    /// What you give up.
    pub tradeoffs: Arc<[String]>,
    /// How it breaks.
    pub failure_modes: Arc<[String]>,
    /// Indexes of the checklist items it requires.
    pub controls: Vec<usize>,
    /// Ids of the limits that matter.
    pub limits: Arc<[String]>,
    /// Whether a starter project exists.
    pub scaffold: bool,
    /// Signals for it.
    pub signals: Vec<Signal>,
    /// Signals against it.
    pub anti_signals: Vec<Signal>,
    /// Boxes and arrows.
    pub diagram: Diagram,
    /// Whether it can carry the workload's requests (the backbone of a design).
    pub backbone: bool,
    /// When it can be the backbone; `None`: whenever it is one.
    pub backbone_when: Option<Condition>,
    /// Whether it can combine with a backbone as an add-on.
    pub add_on: bool,
    /// What it adds to a design, as an add-on: one sentence.
    pub addresses: Text,
    /// Ids of checks whose failure it removes (a failing check lifts it in the ranking).
    pub relieves: Vec<String>,
    /// Patterns of one group are alternatives for the same job: a design takes at most one.
    pub group: Option<String>,
    /// The job it does in a design, in a few words ("Deliver events to their consumers"):
    /// patterns with the same job are the options one decision weighs.
    pub job: Text,
}

/// A weighted, explained condition for or against a pattern.
#[derive(Debug, Clone)]
pub struct Signal {
    /// When it fires.
    pub when: Condition,
    /// How much it counts.
    pub weight: f64,
    /// Why it matters.
    pub reason: Text,
}

/// A pattern diagram: nodes and labelled edges.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Diagram {
    /// Boxes.
    pub nodes: Vec<DiagramNode>,
    /// Arrows.
    pub edges: Vec<DiagramEdge>,
}

/// A box in a diagram.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagramNode {
    /// Node id, referenced by edges.
    pub id: String,
    /// Text in the box.
    pub label: String,
}

/// An arrow in a diagram.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagramEdge {
    /// Source node id.
    pub from: String,
    /// Target node id.
    pub to: String,
    /// Text on the arrow.
    #[serde(default)]
    pub label: String,
}

/// One improvement checklist item.
#[derive(Debug, Clone)]
pub struct ChecklistItem {
    /// Item id.
    pub id: ItemId,
    /// Human title.
    pub title: Text,
    /// Index of its area.
    pub area: usize,
    /// Why it matters (Markdown).
    pub why: Text,
    /// How to get it done (Markdown).
    pub how: Text,
    /// A page that explains it.
    pub url: Option<Text>,
    /// Indexes of the questions it follows from.
    pub questions: Vec<usize>,
    /// Only relevant when this holds.
    pub applies_when: Option<Condition>,
    /// Done when this holds.
    pub done_when: Condition,
    /// The size of the work, when the content says.
    pub effort: Option<Effort>,
    /// Items to finish before this one.
    pub after: Vec<ItemId>,
}

/// The size of a checklist item's work for one team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub enum Effort {
    /// A few days at most.
    S,
    /// Up to about two weeks.
    M,
    /// Longer.
    L,
}

impl Effort {
    /// Parses `S`, `M` or `L`.
    pub fn parse(s: &str) -> Option<Effort> {
        match s {
            "S" => Some(Effort::S),
            "M" => Some(Effort::M),
            "L" => Some(Effort::L),
            _ => None,
        }
    }

    /// `S`, `M` or `L`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effort::S => "S",
            Effort::M => "M",
            Effort::L => "L",
        }
    }
}

/// A sourced figure: a quota, a price or an assumption.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Figure {
    /// Figure id.
    pub id: String,
    /// What it is.
    pub title: String,
    /// The value.
    pub value: f64,
    /// Its unit.
    pub unit: String,
    /// Where it comes from (a URL), or why it was chosen (assumptions).
    pub source: String,
    /// Whether AWS raises it on request (quotas only).
    pub adjustable: Option<bool>,
}

/// Every figure, by kind and id.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Service quotas.
    pub limits: BTreeMap<String, Figure>,
    /// List prices, USD.
    pub prices: BTreeMap<String, Figure>,
    /// Sizing assumptions of the cost model.
    pub assumptions: BTreeMap<String, Figure>,
}

/// A runtime choice with its cold-start figures.
#[derive(Debug, Clone)]
pub struct Runtime {
    /// Runtime id (a choice id of the runtime question).
    pub id: String,
    /// When this runtime is the one in use.
    pub when: Condition,
    /// Typical cold start on arm64, ms.
    pub cold_start_ms_arm64: f64,
    /// Typical cold start on x86_64, ms.
    pub cold_start_ms_x86: f64,
    /// Where the figures come from.
    pub source: String,
    /// Cold-start ranges by package weight, in order; the first is the lightest, used when the
    /// weight is not known.
    pub ranges: Vec<ColdStartRange>,
}

/// A cold-start range for one package weight of a runtime.
#[derive(Debug, Clone)]
pub struct ColdStartRange {
    /// When this weight is the one in use.
    pub when: Condition,
    /// A short name of the weight, such as `minimal handler`.
    pub label: String,
    /// Fast end of the range, ms.
    pub low_ms: f64,
    /// Slow end of the range, ms: the figure the cold-start check judges.
    pub high_ms: f64,
    /// Where the figures come from.
    pub source: String,
}

/// Which answers feed the quantitative checks. Each is optional: a questionnaire without them
/// (an imported lens, say) simply runs no checks.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Number inputs by name (`peak_rps`, …) → question index.
    pub numbers: BTreeMap<NumberInput, usize>,
    /// Condition inputs by name (`sync_api`, …).
    pub conditions: BTreeMap<ConditionInput, Condition>,
}

macro_rules! input_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        #[expect(missing_docs, reason = "each variant is named after the input it stands for")]
        pub enum $name { $($variant,)* }

        impl $name {
            /// Every variant.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The name used in `questionnaire.toml`.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// Parses the name used in `questionnaire.toml`.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)* _ => None }
            }
        }
    };
}

input_enum!(
    /// A number the checks read.
    NumberInput {
        PeakRps => "peak_rps",
        AvgRps => "avg_rps",
        AvgDurationMs => "avg_duration_ms",
        P99DurationMs => "p99_duration_ms",
        SyncPayloadKb => "sync_payload_kb",
        AsyncMessageKb => "async_message_kb",
        ItemSizeKb => "item_size_kb",
        JobDurationMin => "job_duration_min",
        WorkflowDurationMin => "workflow_duration_min",
        MonthlyRequests => "monthly_requests",
        MemoryMb => "memory_mb",
        LatencyTargetMs => "latency_target_ms",
        ReservedConcurrency => "reserved_concurrency",
        DbReadsPerRequest => "db_reads_per_request",
        DbWritesPerRequest => "db_writes_per_request",
        ConsumersPerEvent => "consumers_per_event",
        BatchSize => "batch_size",
        BurstRequests => "burst_requests",
        SpikeRampS => "spike_ramp_s",
        HotKeySharePct => "hot_key_share_pct",
        TransactionItems => "transaction_items",
        KinesisShards => "kinesis_shards",
        KinesisRecordKb => "kinesis_record_kb",
        SqsVisibilityTimeoutS => "sqs_visibility_timeout_s",
        QueueConsumerTimeoutS => "queue_consumer_timeout_s",
        WorkflowIterations => "workflow_iterations",
        ScheduleIntervalMin => "schedule_interval_min",
        WsSessionMin => "ws_session_min",
        WsConnectsPerS => "ws_connects_per_s",
        ClientPublishPerS => "client_publish_per_s",
        BatchArrayChildren => "batch_array_children",
        BatchSubmitsPerS => "batch_submits_per_s",
        RdsProxyCount => "rds_proxy_count",
        DsqlTransactionKb => "dsql_transaction_kb",
        LogKbPerRequest => "log_kb_per_request",
        WorkflowTransitions => "workflow_transitions",
        WebsocketConnections => "websocket_connections",
        WebsocketMessageKb => "websocket_message_kb",
        NatKbPerRequest => "nat_kb_per_request",
        WorkflowStartsPct => "workflow_starts_pct",
    }
);

input_enum!(
    /// A situation the checks read, defined by a condition.
    ConditionInput {
        SyncApi => "sync_api",
        RestApi => "rest_api",
        HttpApi => "http_api",
        Arm64 => "arm64",
        UsesDynamodb => "uses_dynamodb",
        UsesSqs => "uses_sqs",
        UsesSns => "uses_sns",
        UsesEventbridge => "uses_eventbridge",
        UsesStepFunctions => "uses_step_functions",
        ExpressWorkflow => "express_workflow",
        ColdStartMitigated => "cold_start_mitigated",
        S3Events => "s3_events",
        SqsFifo => "sqs_fifo",
        SqsFifoHighThroughput => "sqs_fifo_high_throughput",
        KinesisEnhancedFanOut => "kinesis_enhanced_fan_out",
        ApigwWebsocket => "apigw_websocket",
        AppsyncEvents => "appsync_events",
        IotCore => "iot_core",
        RdsProxy => "rds_proxy",
        RdsDataApi => "rds_data_api",
        AuroraDsql => "aurora_dsql",
        AwsBatch => "aws_batch",
        BatchFargate => "batch_fargate",
        PolledOnly => "polled_only",
        StreamEntry => "stream_entry",
        WebsocketApi => "websocket_api",
        UsesKinesis => "uses_kinesis",
        AsyncConsumers => "async_consumers",
        IdempotencyKeys => "idempotency_keys",
        XrayTracing => "xray_tracing",
        VpcNat => "vpc_nat",
        StreamConsumers => "stream_consumers",
        SomeRequestsStartProcess => "some_requests_start_process",
    }
);
