//! The TypeScript runtime: `src/app.ts` (one exported handler per function, with Powertools for
//! AWS Lambda), `tests/`, `package.json` and the TypeScript configs.
//!
//! Package versions come from `scripts/scaffold/node/package.json`, the dependency set that
//! `scripts/scaffold/check-typescript` installs and checks starters against, so a starter's pins
//! and the checked set cannot differ.

use askama::Template;
use questionnaires::scaffold::{Auth, Pattern, Plan};

use super::Files;

/// The shared dependency set: every package a TypeScript starter may use, at its one version.
const SHARED_PACKAGES: &str = include_str!("../../../scripts/scaffold/node/package.json");

/// Helpers every TypeScript template calls as `self.…()`.
trait Ts {
    /// The plan being rendered.
    fn plan(&self) -> &Plan;

    /// Whether the handlers are idempotent (duplicates hurt, per the review).
    fn idem(&self) -> bool {
        self.plan().idempotency.is_some()
    }

    /// How long an idempotency key is remembered, in seconds.
    fn ttl(&self) -> u32 {
        self.plan().idempotency.as_ref().map_or(3_600, |i| i.ttl_s)
    }

    /// Whether the state machine has a compensation step.
    fn compensation(&self) -> bool {
        self.plan()
            .workflow
            .as_ref()
            .is_some_and(|w| w.compensation)
    }

    /// Whether a handler consumes SQS or Kinesis batches (Powertools batch).
    fn batch(&self) -> bool {
        matches!(
            self.plan().pattern,
            Pattern::Fanout | Pattern::Stream | Pattern::Webhook | Pattern::Cqrs
        )
    }

    /// Whether the API's callers sign with IAM (their identity is the caller ARN) rather than
    /// send a JWT (their identity is its `sub` claim).
    fn iam_auth(&self) -> bool {
        self.plan()
            .api
            .as_ref()
            .is_some_and(|a| a.auth == Auth::Iam)
    }

    /// Whether the scheduled job reads its credentials from a secret (JOB_SECRET_ARN).
    fn job_secret(&self) -> bool {
        self.plan().schedule.as_ref().is_some_and(|s| s.secret)
    }

    /// Whether the code uses the DynamoDB client (the items table, the idempotency store, the
    /// approval records, the run ledger or the saga table).
    fn dynamodb(&self) -> bool {
        self.idem() || self.approval() || super::keeps_a_table(self.plan().pattern)
    }

    /// Whether the broadcast queue is FIFO, as TypeScript.
    fn realtime_ordered(&self) -> bool {
        super::realtime_ordered(self.plan())
    }

    /// The largest message the WebSocket routes accept, in bytes.
    fn realtime_max_bytes(&self) -> u32 {
        super::realtime_max_bytes(self.plan())
    }

    /// Whether the CQRS read model has views besides the read by id.
    fn cqrs_views(&self) -> bool {
        !self.cqrs_view_list().is_empty()
    }

    /// The CQRS read model's views (none for other patterns).
    fn cqrs_view_list(&self) -> &[questionnaires::scaffold::View] {
        self.plan()
            .cqrs
            .as_ref()
            .map_or(&[], |c| c.views.as_slice())
    }

    /// Whether the workflow waits for a person (`request_approval` and `decide`).
    fn approval(&self) -> bool {
        self.plan()
            .workflow
            .as_ref()
            .is_some_and(|w| w.approval.is_some())
    }

    /// Whether an HTTP route starts the workflow's executions (`start`).
    fn start_api(&self) -> bool {
        self.plan().workflow.as_ref().is_some_and(|w| w.start_api)
    }

    /// Whether the workflow has API functions (`start`, `decide`), which call Step Functions.
    fn workflow_api(&self) -> bool {
        self.approval() || self.start_api()
    }
}

/// The runtime dependencies this plan's code imports.
fn runtime_packages(t: &impl Ts) -> Vec<&'static str> {
    let mut names = vec![
        "@aws-lambda-powertools/logger",
        "@aws-lambda-powertools/metrics",
        "@aws-lambda-powertools/tracer",
    ];
    if t.batch() {
        names.push("@aws-lambda-powertools/batch");
    }
    if t.idem() {
        names.push("@aws-lambda-powertools/idempotency");
    }
    if t.dynamodb() {
        // The idempotency store needs both as peers; the Api pattern uses the document client.
        names.push("@aws-sdk/client-dynamodb");
        names.push("@aws-sdk/lib-dynamodb");
    }
    match t.plan().pattern {
        Pattern::S3Events => names.push("@aws-sdk/client-s3"),
        Pattern::ScheduledJobs if t.job_secret() => names.push("@aws-sdk/client-secrets-manager"),
        Pattern::Workflow => {
            if t.workflow_api() {
                names.push("@aws-sdk/client-sfn");
            }
            if t.approval() {
                names.push("@aws-sdk/client-sns");
            }
        }
        Pattern::Webhook => {
            names.push("@aws-sdk/client-secrets-manager");
            names.push("@aws-sdk/client-sqs");
        }
        Pattern::RealtimeBroadcast => {
            names.push("@aws-sdk/client-apigatewaymanagementapi");
            names.push("@aws-sdk/client-sqs");
        }
        Pattern::Relational => {
            names.push("@aws-sdk/rds-signer");
            names.push("pg");
        }
        _ => {}
    }
    names.sort_unstable();
    names
}

/// Looks up each name's version in a section of the shared package.json.
pub(super) fn pinned(
    section: &str,
    names: Option<&[&str]>,
) -> Result<Vec<(String, String)>, String> {
    let shared: serde_json::Value = serde_json::from_str(SHARED_PACKAGES)
        .map_err(|e| format!("scripts/scaffold/node/package.json: {e}"))?;
    let table = shared
        .get(section)
        .and_then(|v| v.as_object())
        .ok_or_else(|| format!("scripts/scaffold/node/package.json has no {section}"))?;
    let version = |name: &str| -> Result<(String, String), String> {
        table
            .get(name)
            .and_then(|v| v.as_str())
            .map(|v| (name.to_owned(), v.to_owned()))
            .ok_or_else(|| {
                format!("scripts/scaffold/node/package.json: no {section} entry for {name}")
            })
    };
    match names {
        Some(names) => names.iter().map(|n| version(n)).collect(),
        None => table.keys().map(|n| version(n)).collect(),
    }
}

macro_rules! ts_template {
    ($name:ident, $path:literal) => {
        #[derive(Template)]
        #[template(path = $path, escape = "none")]
        struct $name<'a> {
            plan: &'a Plan,
        }

        impl Ts for $name<'_> {
            fn plan(&self) -> &Plan {
                self.plan
            }
        }
    };
}

ts_template!(App, "scaffold/typescript/app.ts");
ts_template!(AppTest, "scaffold/typescript/tests/app.test.ts");
ts_template!(Setup, "scaffold/typescript/tests/setup.ts");
ts_template!(TsConfig, "scaffold/typescript/tsconfig.json");
ts_template!(TsConfigTest, "scaffold/typescript/tsconfig.test.json");

/// `package.json`, with exact versions from the shared set.
#[derive(Template)]
#[template(path = "scaffold/typescript/package.json", escape = "none")]
struct PackageJson<'a> {
    plan: &'a Plan,
    dependencies: Vec<(String, String)>,
    dev_dependencies: Vec<(String, String)>,
}

impl PackageJson<'_> {
    fn dependencies(&self) -> &[(String, String)] {
        &self.dependencies
    }

    fn dev_dependencies(&self) -> &[(String, String)] {
        &self.dev_dependencies
    }
}

/// Adds this part's files.
pub(super) fn files(plan: &Plan, out: &mut Files) -> Result<(), String> {
    let app = App { plan };
    let dependencies = pinned("dependencies", Some(&runtime_packages(&app)))?;
    let dev_dependencies = pinned("devDependencies", None)?;
    out.add("src/app.ts", &app)?;
    out.add("tests/app.test.ts", &AppTest { plan })?;
    out.add("tests/setup.ts", &Setup { plan })?;
    out.add(
        "package.json",
        &PackageJson {
            plan,
            dependencies,
            dev_dependencies,
        },
    )?;
    out.add("tsconfig.json", &TsConfig { plan })?;
    out.add("tsconfig.test.json", &TsConfigTest { plan })?;
    Ok(())
}
