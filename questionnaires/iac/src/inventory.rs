//! The normalised facts of a set of templates, each with where it was read.
//!
//! Nothing here is CloudFormation's own: a fact names a resource (a logical id, or a Terraform
//! address), a property path and a line, so a Terraform reader can fill the same inventory and
//! the answers and findings follow unchanged.

use serde::Serialize;

/// Where a fact was read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
pub struct Loc {
    /// The file.
    pub file: String,
    /// The resource's logical id (or address).
    pub resource: String,
    /// The property path, such as `Properties.MemorySize`.
    pub path: String,
    /// The 1-based line (0 when the value is a documented default, written nowhere).
    pub line: usize,
}

/// Whether facts from files `a` and `b` may name each other by id: those of one CloudFormation
/// template (one file), or of one Terraform configuration: the `.tf` files of one directory and
/// of the local modules it calls, which sit below it (`./modules/x`) or above it (`../../`);
/// sibling directories are separate configurations.
pub fn same_scope(a: &str, b: &str) -> bool {
    fn dir(f: &str) -> &str {
        f.rsplit_once(['/', '\\']).map_or("", |(d, _)| d)
    }
    fn within(inner: &str, outer: &str) -> bool {
        inner == outer
            || outer.is_empty()
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with(['/', '\\']))
    }
    let tf = |f: &str| f.ends_with(".tf");
    a == b || (tf(a) && tf(b) && (within(dir(a), dir(b)) || within(dir(b), dir(a))))
}

/// A value and where it was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact<T> {
    /// The value.
    pub value: T,
    /// Where.
    pub at: Loc,
}

/// How a function's log level is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LogLevel {
    /// From a template parameter: changed per deployment without a code change.
    Parameter,
    /// Fixed at INFO (or WARN/ERROR).
    FixedInfo,
    /// Fixed at DEBUG (or TRACE).
    FixedDebug,
}

impl LogLevel {
    /// A level written as a name (`DEBUG`, `info`…); `None` for anything else.
    pub fn fixed(name: &str) -> Option<LogLevel> {
        match name.to_ascii_uppercase().as_str() {
            "DEBUG" | "TRACE" => Some(LogLevel::FixedDebug),
            "INFO" | "WARN" | "WARNING" | "ERROR" | "FATAL" => Some(LogLevel::FixedInfo),
            _ => None,
        }
    }
}

/// A gradual deployment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deployment {
    /// Its type, such as `Canary10Percent5Minutes` or `AllAtOnce`.
    pub kind: String,
    /// Whether it names alarms that stop and roll it back.
    pub alarms: bool,
}

/// An environment variable of a function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvVar {
    /// Its name.
    pub name: String,
    /// Its value when it is a literal.
    pub literal: Option<String>,
    /// Whether it comes from a template parameter.
    pub from_parameter: bool,
    /// Resources it refers to.
    pub refs: Vec<String>,
}

/// A function.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Function {
    /// Its logical id and where it is declared.
    pub at: Loc,
    /// Its runtime (`python3.12`…).
    pub runtime: Option<Fact<String>>,
    /// SAM's `Metadata.BuildMethod` (`rust-cargolambda`, `go1.x`, `makefile`…).
    pub build_method: Option<Fact<String>>,
    /// `Zip` or `Image`.
    pub package_type: Option<Fact<String>>,
    /// `x86_64` or `arm64` (the default when absent, with line 0).
    pub architecture: Option<Fact<String>>,
    /// Memory in MB (128 when absent, line 0).
    pub memory_mb: Option<Fact<f64>>,
    /// Timeout in seconds (3 when absent, line 0).
    pub timeout_s: Option<Fact<f64>>,
    /// Reserved concurrency.
    pub reserved: Option<Fact<f64>>,
    /// Provisioned concurrency.
    pub provisioned: Option<Fact<f64>>,
    /// SnapStart on published versions.
    pub snapstart: Option<Fact<bool>>,
    /// Layers (ARNs or ids, as written).
    pub layers: Vec<Fact<String>>,
    /// Active tracing.
    pub tracing: Option<Fact<bool>>,
    /// Log format (`JSON` or `Text`).
    pub log_format: Option<Fact<String>>,
    /// How its log level is set.
    pub log_level: Option<Fact<LogLevel>>,
    /// Environment variables.
    pub env: Vec<Fact<EnvVar>>,
    /// A VPC configuration.
    pub vpc: Option<Loc>,
    /// The role it runs as: a logical id, or its own (`""`: SAM makes one per function).
    pub role: Option<Fact<String>>,
    /// An alias (`AutoPublishAlias` or an alias resource).
    pub alias: Option<Loc>,
    /// A gradual deployment.
    pub deployment: Option<Fact<Deployment>>,
    /// An on-failure destination or DLQ for asynchronous invocations.
    pub async_failure: Option<Loc>,
    /// The log group that holds its logs (a logical id).
    pub log_group: Option<Fact<String>>,
}

/// What starts a function, or where work enters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum SourceKind {
    /// An SQS queue through an event source mapping.
    Sqs,
    /// A Kinesis stream.
    Kinesis,
    /// A DynamoDB stream.
    DynamoDb,
    /// A schedule (rate or cron).
    Schedule,
    /// An EventBridge rule with an event pattern.
    EventRule,
    /// A REST API.
    RestApi,
    /// An HTTP API.
    HttpApi,
    /// A WebSocket API.
    WebSocket,
    /// An S3 bucket notification.
    S3,
    /// An SNS topic subscription.
    Sns,
}

impl SourceKind {
    /// The kind of a mapping's source from its ARN, when the service is written out in it.
    pub fn from_arn(arn: &str) -> Option<SourceKind> {
        [
            (":sqs:", SourceKind::Sqs),
            (":kinesis:", SourceKind::Kinesis),
            (":dynamodb:", SourceKind::DynamoDb),
        ]
        .into_iter()
        .find_map(|(service, kind)| arn.contains(service).then_some(kind))
    }

    /// Whether it invokes the function asynchronously (so failures need a destination).
    pub fn is_async(self) -> bool {
        matches!(
            self,
            SourceKind::S3 | SourceKind::Sns | SourceKind::EventRule | SourceKind::Schedule
        )
    }
}

/// An event source of a function (or an entry point with no function, such as a rule that
/// starts a state machine).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventSource {
    /// What kind.
    pub kind: SourceKind,
    /// The function it invokes (a logical id), when it is one.
    pub function: Option<String>,
    /// The queue, stream, table or bus it reads (a logical id), when known.
    pub source: Option<String>,
    /// `BatchSize`.
    pub batch_size: Option<Fact<f64>>,
    /// `FunctionResponseTypes: [ReportBatchItemFailures]`.
    pub partial_batch: bool,
    /// An on-failure destination (streams).
    pub on_failure: bool,
    /// `ScalingConfig.MaximumConcurrency`.
    pub max_concurrency: bool,
    /// It reads through an enhanced fan-out consumer.
    pub consumer: bool,
    /// The schedule expression (`rate(5 minutes)`, `cron(...)`).
    pub schedule: Option<String>,
    /// Where it is declared.
    pub at: Loc,
}

impl EventSource {
    /// A source of `kind` for `function`, declared `at`, with nothing else known yet.
    pub fn new(kind: SourceKind, function: Option<String>, at: Loc) -> EventSource {
        EventSource {
            kind,
            function,
            source: None,
            batch_size: None,
            partial_batch: false,
            on_failure: false,
            max_concurrency: false,
            consumer: false,
            schedule: None,
            at,
        }
    }
}

/// A queue.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Queue {
    /// Where it is declared.
    pub at: Loc,
    /// FIFO.
    pub fifo: bool,
    /// FIFO high throughput (`FifoThroughputLimit: perMessageGroupId`).
    pub high_throughput: bool,
    /// Visibility timeout in seconds (30 when absent, line 0).
    pub visibility_s: Option<Fact<f64>>,
    /// The queue its redrive policy sends to (a logical id, or `""` when not resolvable).
    pub redrive: Option<Fact<String>>,
    /// SSE: `Some(true)` with a customer key, `Some(false)` with SQS-managed keys.
    pub sse_cmk: Option<bool>,
}

/// A topic.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Topic {
    /// Where it is declared.
    pub at: Loc,
    /// FIFO.
    pub fifo: bool,
    /// Encrypted with a customer key.
    pub cmk: bool,
}

/// A Kinesis stream.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Stream {
    /// Where it is declared.
    pub at: Loc,
    /// Shards in provisioned mode (`None` on demand).
    pub shards: Option<Fact<f64>>,
    /// On-demand capacity.
    pub on_demand: bool,
    /// Retention in hours (24 when absent).
    pub retention_hours: Option<Fact<f64>>,
    /// Encrypted with a customer key.
    pub cmk: bool,
}

/// An EventBridge archive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Archive {
    /// Where it is declared.
    pub at: Loc,
    /// Retention in days; `None` keeps events forever.
    pub retention_days: Option<f64>,
}

/// A Step Functions state machine.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct StateMachine {
    /// Where it is declared.
    pub at: Loc,
    /// `STANDARD` or `EXPRESS`.
    pub kind: Option<Fact<String>>,
    /// Tracing enabled.
    pub tracing: Option<Loc>,
    /// A `.waitForTaskToken` task.
    pub task_token: bool,
    /// A `Wait` state.
    pub wait_state: bool,
    /// An activity task (a worker polls for it and replies with its task token).
    pub activity: bool,
    /// Where its definition was read whole (inline, or from its file), when it was: what it
    /// does not declare, it does not do.
    pub definition: Option<Loc>,
    /// Tasks with `Retry` / `Catch` (read when the definition is inline).
    pub retries: usize,
    /// Tasks with `Catch`.
    pub catches: usize,
}

/// A DynamoDB table.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Table {
    /// Where it is declared.
    pub at: Loc,
    /// `PAY_PER_REQUEST` or `PROVISIONED`.
    pub billing: Option<Fact<String>>,
    /// Point-in-time recovery on.
    pub pitr: Option<Loc>,
    /// Deletion protection on.
    pub deletion_protection: bool,
    /// SSE: `Some(true)` with a customer key, `Some(false)` with AWS keys.
    pub sse_cmk: Option<bool>,
    /// An Application Auto Scaling target points at it.
    pub autoscaling: bool,
}

/// An S3 bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Bucket {
    /// Where it is declared.
    pub at: Loc,
    /// Versioning enabled.
    pub versioning: Option<Loc>,
    /// Default encryption: `Some(true)` with KMS, `Some(false)` with S3 keys.
    pub sse_kms: Option<bool>,
}

/// A relational database's storage encryption.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct DbStorage {
    /// Where its encryption is stated (the resource when nothing is).
    pub at: Loc,
    /// Storage encrypted: stated (`StorageEncrypted`, `storage_encrypted`, a DSQL cluster's KMS
    /// key), or always so (Aurora Serverless v1).
    pub encrypted: bool,
    /// Where a customer managed KMS key is named.
    pub cmk: Option<Loc>,
}

/// The kind of an API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ApiKind {
    /// API Gateway REST API.
    Rest,
    /// API Gateway HTTP API.
    Http,
    /// API Gateway WebSocket API.
    WebSocket,
}

/// How a route or method is authorised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Auth {
    /// JWT or Cognito authoriser, or IAM.
    JwtOrIam,
    /// A Lambda authoriser.
    Lambda,
    /// An API key only.
    ApiKey,
    /// None.
    Open,
}

/// An API.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Api {
    /// Where it is declared (for an implicit SAM API: the function's event).
    pub at: Loc,
    /// Its kind.
    pub kind: ApiKind,
    /// Stage or route throttling set.
    pub throttling: Option<Loc>,
    /// Stage tracing on.
    pub tracing: Option<Loc>,
    /// A private endpoint.
    pub private: bool,
}

/// A route or method and its authorisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    /// The API (a logical id; for an implicit SAM API, `ServerlessRestApi` / `ServerlessHttpApi`).
    pub api: String,
    /// Its kind.
    pub kind: ApiKind,
    /// Its authorisation.
    pub auth: Auth,
    /// The function it invokes.
    pub function: Option<String>,
    /// Its integration timeout in seconds, when set.
    pub timeout_s: Option<f64>,
    /// Where.
    pub at: Loc,
}

/// An alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Alarm {
    /// Where it is declared.
    pub at: Loc,
    /// The metrics it watches (plain and metric-math).
    pub metrics: Vec<String>,
    /// Whether it notifies someone (`AlarmActions` not empty).
    pub routed: bool,
    /// Resources its dimensions refer to.
    pub watches: Vec<String>,
}

/// An IAM policy statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    /// Where.
    pub at: Loc,
    /// `Allow`.
    pub allow: bool,
    /// Actions, as written.
    pub actions: Vec<String>,
    /// Resources, as written (`*`, or `<computed>`).
    pub resources: Vec<String>,
    /// A key policy (its `*` resource means the key itself).
    pub key_policy: bool,
}

/// A log group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogGroup {
    /// Where it is declared.
    pub at: Loc,
    /// The resources its name refers to.
    pub refs: Vec<String>,
    /// Retention in days.
    pub retention_days: Option<Fact<f64>>,
}

/// Everything read from the templates.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Inventory {
    /// Functions.
    pub functions: Vec<Function>,
    /// Event sources and entry points.
    pub sources: Vec<EventSource>,
    /// Queues.
    pub queues: Vec<Queue>,
    /// Topics.
    pub topics: Vec<Topic>,
    /// Kinesis streams.
    pub streams: Vec<Stream>,
    /// Enhanced fan-out consumers.
    pub stream_consumers: Vec<Loc>,
    /// Custom event buses.
    pub buses: Vec<Loc>,
    /// EventBridge rules (any).
    pub rules: Vec<Loc>,
    /// Archives.
    pub archives: Vec<Archive>,
    /// State machines.
    pub state_machines: Vec<StateMachine>,
    /// DynamoDB tables.
    pub tables: Vec<Table>,
    /// Buckets.
    pub buckets: Vec<Bucket>,
    /// Relational databases (RDS, Aurora, DSQL).
    pub relational: Vec<Loc>,
    /// Relational databases' storage encryption, one per database.
    pub db_storage: Vec<DbStorage>,
    /// Caches (ElastiCache, MemoryDB, DAX).
    pub caches: Vec<Loc>,
    /// RDS proxies.
    pub rds_proxies: Vec<Loc>,
    /// Aurora clusters with the Data API.
    pub data_api: Vec<Loc>,
    /// DSQL clusters.
    pub dsql: Vec<Loc>,
    /// APIs.
    pub apis: Vec<Api>,
    /// Routes and methods.
    pub routes: Vec<Route>,
    /// Alarms.
    pub alarms: Vec<Alarm>,
    /// Dashboards.
    pub dashboards: Vec<Loc>,
    /// Budgets.
    pub budgets: Vec<Loc>,
    /// Cost anomaly monitors and subscriptions.
    pub anomaly: Vec<Loc>,
    /// Policy statements.
    pub statements: Vec<Statement>,
    /// Attached managed policies (ARNs).
    pub managed_policies: Vec<Fact<String>>,
    /// Roles (logical ids).
    pub roles: Vec<Loc>,
    /// NAT gateways.
    pub nat_gateways: Vec<Loc>,
    /// VPC endpoints.
    pub vpc_endpoints: Vec<Loc>,
    /// KMS keys.
    pub kms_keys: Vec<Loc>,
    /// WAF web ACL associations.
    pub waf: Vec<Loc>,
    /// Secrets Manager secrets and `{{resolve:secretsmanager:…}}` references.
    pub secrets: Vec<Loc>,
    /// Log groups.
    pub log_groups: Vec<LogGroup>,
    /// Application Auto Scaling targets (what they scale, as resource ids).
    pub scaling_targets: Vec<Fact<Vec<String>>>,
    /// Lambda aliases (the functions they name).
    pub aliases: Vec<Fact<Vec<String>>>,
    /// Resources that receive failed events (on-failure destinations, dead-letter queues of
    /// functions and rules): logical ids.
    pub failure_targets: Vec<Fact<String>>,
    /// Topics that alarms, deployments, budgets or notification rules notify (operations, not
    /// the workload's messaging).
    pub alarm_topics: Vec<Fact<String>>,
    /// Resource types read but not understood: (type, where).
    pub unknown_types: Vec<Fact<String>>,
}
