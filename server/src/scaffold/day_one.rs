//! What a team needs on its first day with a starter, besides the template and the handlers:
//! `env.json` and `scripts/local-env.sh` for `sam local invoke` and `sam local start-api`
//! against a deployed stack's resources, the deploy workflow (GitHub OIDC, staging, integration
//! tests, then prod behind a reviewer) and the integration tests it runs (`integration/`).

use std::collections::BTreeMap;

use askama::Template;
use questionnaires::scaffold::{Auth, Iac, Pattern, Plan, Runtime};

use super::Files;

/// The environment variables of one function that name a resource of the stack, with the
/// resource's logical id: the variables `template.yaml` sets with `!Ref`.
pub(crate) fn resource_variables(
    plan: &Plan,
) -> BTreeMap<String, Vec<(&'static str, &'static str)>> {
    plan.handlers
        .iter()
        .map(|h| {
            let mut vars = Vec::new();
            if plan.idempotency.is_some() {
                vars.push(("IDEMPOTENCY_TABLE", "IdempotencyTable"));
            }
            match plan.pattern {
                Pattern::Api | Pattern::StranglerFig => vars.push(("TABLE_NAME", "ItemsTable")),
                Pattern::S3Events => vars.push(("OUTPUT_BUCKET", "OutputBucket")),
                Pattern::Webhook if h.name == "receive" => {
                    vars.push(("SIGNING_SECRET_ARN", "SigningSecret"));
                    vars.push(("QUEUE_URL", "WorkQueue"));
                }
                Pattern::Workflow if h.name == "request_approval" => {
                    vars.push(("APPROVALS_TABLE", "ApprovalsTable"));
                    vars.push(("APPROVAL_TOPIC_ARN", "ApprovalTopic"));
                }
                Pattern::Workflow if h.name == "decide" => {
                    vars.push(("APPROVALS_TABLE", "ApprovalsTable"));
                }
                Pattern::Workflow if h.name == "start" => {
                    vars.push(("STATE_MACHINE_ARN", "StateMachine"));
                }
                Pattern::Saga => vars.push(("SAGA_TABLE", "SagaTable")),
                Pattern::Cqrs if h.name == "command" => vars.push(("WRITE_TABLE", "WriteTable")),
                Pattern::Cqrs => vars.push(("READ_TABLE", "ReadTable")),
                Pattern::EventSourcing => {
                    vars.push(("EVENTS_TABLE", "EventsTable"));
                    if h.name != "append" {
                        vars.push(("PROJECTIONS_TABLE", "ProjectionsTable"));
                        vars.push(("SNAPSHOTS_TABLE", "SnapshotsTable"));
                    }
                }
                Pattern::RealtimeBroadcast => {
                    vars.push(("CHANNELS_TABLE", "ChannelsTable"));
                    vars.push(("BROADCAST_QUEUE_URL", "BroadcastQueue"));
                }
                Pattern::CircuitBreaker => vars.push(("BREAKER_TABLE", "BreakerTable")),
                Pattern::ScheduledJobs => {
                    vars.push(("RUNS_TABLE", "RunsTable"));
                    if plan.schedule.as_ref().is_some_and(|s| s.secret) {
                        vars.push(("JOB_SECRET_ARN", "JobSecret"));
                    }
                }
                _ => {}
            }
            vars.sort_unstable();
            (h.logical_id.clone(), vars)
        })
        .collect()
}

/// A shell variable for a logical id: `ItemsTable` → `items_table`.
fn shell_var(logical_id: &str) -> String {
    let mut out = String::new();
    for c in logical_id.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `env.json` and `scripts/local-env.sh`.
#[derive(Template)]
#[template(path = "scaffold/sam/env.json", escape = "none")]
struct EnvJson<'a> {
    plan: &'a Plan,
}

#[derive(Template)]
#[template(path = "scaffold/sam/local-env.sh", escape = "none")]
struct LocalEnv<'a> {
    plan: &'a Plan,
}

/// `env.json` with each value `value(logical id)`, pretty-printed.
fn env_json(plan: &Plan, value: impl Fn(&str) -> String) -> String {
    let map: serde_json::Map<String, serde_json::Value> = resource_variables(plan)
        .into_iter()
        .map(|(function, vars)| {
            let vars: serde_json::Map<String, serde_json::Value> = vars
                .into_iter()
                .map(|(k, id)| (k.to_owned(), serde_json::Value::String(value(id))))
                .collect();
            (function, serde_json::Value::Object(vars))
        })
        .collect();
    serde_json::to_string_pretty(&map).unwrap_or_else(|_| "{}".to_owned())
}

impl EnvJson<'_> {
    /// Placeholders until `scripts/local-env.sh` writes the deployed names.
    fn env_json(&self) -> String {
        env_json(self.plan, |id| {
            format!("run scripts/local-env.sh STACK_NAME to set {id}")
        })
    }
}

impl LocalEnv<'_> {
    fn has_variables(&self) -> bool {
        resource_variables(self.plan)
            .values()
            .any(|v| !v.is_empty())
    }

    /// Every resource env.json names, once: (logical id, shell variable).
    fn resources(&self) -> Vec<(&'static str, String)> {
        let mut ids: Vec<&'static str> = resource_variables(self.plan)
            .into_values()
            .flatten()
            .map(|(_, id)| id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().map(|id| (id, shell_var(id))).collect()
    }

    fn env_json_with_shell(&self) -> String {
        env_json(self.plan, |id| format!("${{{}}}", shell_var(id)))
    }
}

/// `.github/workflows/deploy.yml`.
#[derive(Template)]
#[template(path = "scaffold/sam/deploy.yml", escape = "none")]
struct Deploy<'a> {
    plan: &'a Plan,
}

impl Deploy<'_> {
    fn jwt(&self) -> bool {
        self.plan.api.as_ref().is_some_and(|a| a.auth == Auth::Jwt)
    }

    fn build_command(&self) -> &'static str {
        match self.plan.runtime {
            Runtime::Rust => "sam build --beta-features",
            _ => "sam build",
        }
    }

    /// `--parameter-overrides` for an environment: it replaces samconfig.toml's, so it repeats
    /// them, and adds the parameters that come from repository variables.
    fn overrides(&self, env: &str) -> String {
        let mut v = vec![format!("Stage={env}")];
        if env == "prod"
            && let Some(n) = self.plan.function.reserved_concurrency
        {
            v.push(format!("ReservedConcurrency={n}"));
        }
        v.push("AlarmEmail=\"$ALARM_EMAIL\"".to_owned());
        if self.jwt() {
            v.push("JwtIssuer=\"$JWT_ISSUER\"".to_owned());
            v.push("JwtAudience=\"$JWT_AUDIENCE\"".to_owned());
        }
        for (var, parameter) in self.facade_variables() {
            v.push(match parameter.strip_suffix("Target") {
                Some(_) => format!("{parameter}=\"${{{var}:-new}}\""),
                None => format!("{parameter}=\"${var}\""),
            });
        }
        v.join(" ")
    }

    /// `cdk deploy`'s `--parameters`: the same values as `overrides`, one flag each.
    fn cdk_parameters(&self, env: &str) -> String {
        self.overrides(env)
            .split(' ')
            .map(|o| format!("--parameters {o}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The strangler fig's repository variables and the parameters they set: the legacy
    /// system's URL, and each migrated route's target (`new` unless the variable says
    /// `legacy`), so a route moved back stays back on the next push. The circuit breaker's:
    /// the dependency's URL, which differs per environment.
    fn facade_variables(&self) -> Vec<(String, String)> {
        if self.plan.breaker.is_some() {
            return vec![("DEPENDENCY_URL".to_owned(), "DependencyUrl".to_owned())];
        }
        let Some(s) = self.plan.strangler.as_ref() else {
            return super::bff::deploy_variables(self.plan);
        };
        let mut v = vec![("LEGACY_BASE_URL".to_owned(), "LegacyBaseUrl".to_owned())];
        for m in &s.routes {
            v.push((m.target_variable(), format!("{}Target", m.id)));
        }
        v
    }
}

/// `integration/test_staging.py`.
#[derive(Template)]
#[template(path = "scaffold/sam/integration/test_staging.py", escape = "none")]
struct Integration<'a> {
    plan: &'a Plan,
}

impl Integration<'_> {
    fn iam(&self) -> bool {
        self.plan.api.as_ref().is_some_and(|a| a.auth == Auth::Iam)
    }

    fn express(&self) -> bool {
        self.plan
            .workflow
            .as_ref()
            .is_some_and(|w| w.kind == "EXPRESS")
    }

    fn first_handler(&self) -> &str {
        self.plan.handlers.first().map_or("", |h| h.name.as_str())
    }
}

/// `integration/requirements.txt`.
#[derive(Template)]
#[template(path = "scaffold/sam/integration/requirements.txt", escape = "none")]
struct IntegrationRequirements;

/// Adds this part's files.
pub(super) fn files(plan: &Plan, out: &mut Files) -> Result<(), String> {
    out.add("env.json", &EnvJson { plan })?;
    out.script("scripts/local-env.sh", &LocalEnv { plan })?;
    out.add(".github/workflows/deploy.yml", &Deploy { plan })?;
    out.add("integration/test_staging.py", &Integration { plan })?;
    out.add("integration/requirements.txt", &IntegrationRequirements)?;
    Ok(())
}
