//! Terraform resource types into inventory facts, then the links between them: a mapping's
//! function and queue, a log group's function (by reference or by the same name), an invoke
//! config, alias or provisioned concurrency onto its function, stages and integrations onto
//! APIs and routes, rule targets onto rules, bucket settings onto buckets.

use std::collections::BTreeSet;

use super::value::{V, Val};
use super::{Resource, note};
use crate::findings::Finding;
use crate::inventory::{
    Alarm, Api, ApiKind, Archive, Auth, Bucket, DbStorage, EnvVar, EventSource, Fact, Function,
    Inventory, Loc, LogGroup, LogLevel, Queue, Route, SourceKind, StateMachine, Statement, Stream,
    Table, Topic,
};

struct Ctx<'a> {
    rs: &'a [Resource],
    notes: &'a mut Vec<Finding>,
    inv: Inventory,
}

/// Reads a module's resources into an inventory.
pub(super) fn resources(rs: &[Resource], notes: &mut Vec<Finding>) -> Inventory {
    let mut c = Ctx {
        rs,
        notes,
        inv: Inventory::default(),
    };
    let mut skipped: BTreeSet<&str> = BTreeSet::new();
    for r in rs {
        let known = resource(&mut c, r);
        let foreign = !r.kind.starts_with("aws_") && !r.addr.starts_with("data.");
        if !known && foreign && skipped.insert(&r.kind) {
            c.notes.push(note(
                &r.at(),
                format!("resource type `{}` is not an AWS resource: skipped", r.kind),
            ));
        }
        if let Some(line) = r.body.line_of("{{resolve:secretsmanager:") {
            c.inv.secrets.push(r.loc("", line));
        }
    }
    link(&mut c);
    c.inv
}

impl Ctx<'_> {
    /// The value at `path`, noting it when it is not readable statically.
    fn val<'r>(&mut self, r: &'r Resource, path: &str) -> Option<&'r Val> {
        let v = r.get(path)?;
        if let Some(why) = v.unknown() {
            self.notes.push(note(
                &r.loc_of(path, v),
                format!("{} `{path}`: {why}: left unknown", r.addr),
            ));
            return None;
        }
        Some(v)
    }

    fn text(&mut self, r: &Resource, path: &str) -> Option<Fact<String>> {
        let v = self.val(r, path)?;
        Some(Fact {
            value: v.as_str()?,
            at: r.loc_of(path, v),
        })
    }

    fn number(&mut self, r: &Resource, path: &str) -> Option<Fact<f64>> {
        let v = self.val(r, path)?;
        Some(Fact {
            value: v.as_f64()?,
            at: r.loc_of(path, v),
        })
    }

    /// A number, or a documented default written nowhere (line 0) when the attribute is
    /// absent; `None` when it is written but not readable statically.
    fn number_or(&mut self, r: &Resource, path: &str, default: f64) -> Option<Fact<f64>> {
        if r.get(path).is_none_or(|v| v.v == V::Null) {
            return Some(Fact {
                value: default,
                at: r.loc(path, 0),
            });
        }
        self.number(r, path)
    }

    fn truthy(&mut self, r: &Resource, path: &str) -> Option<Loc> {
        let v = self.val(r, path)?;
        (v.as_bool() == Some(true)).then(|| r.loc_of(path, v))
    }

    /// The resource among `addrs` whose type `kind` accepts.
    fn target(&self, addrs: &BTreeSet<String>, kind: impl Fn(&str) -> bool) -> Option<&Resource> {
        self.rs
            .iter()
            .find(|r| addrs.contains(&r.addr) && kind(&r.kind))
    }

    fn refs(r: &Resource, path: &str) -> BTreeSet<String> {
        r.get(path).map(Val::refs).unwrap_or_default()
    }

    /// The function a `function_name` names (directly, or through an alias).
    fn function_of(&self, r: &Resource, path: &str) -> Option<String> {
        let refs = Ctx::refs(r, path);
        if let Some(f) = self.target(&refs, |k| k == "aws_lambda_function") {
            return Some(f.addr.clone());
        }
        let alias = self.target(&refs, |k| k == "aws_lambda_alias")?;
        let inner = Ctx::refs(alias, "function_name");
        self.target(&inner, |k| k == "aws_lambda_function")
            .map(|f| f.addr.clone())
    }

    fn failure_targets(&mut self, r: &Resource, path: &str) -> Option<Loc> {
        let v = r.get(path)?;
        let at = r.loc_of(path, v);
        for id in v.refs() {
            self.inv.failure_targets.push(Fact {
                value: id,
                at: at.clone(),
            });
        }
        Some(at)
    }
}

/// Reads one resource; `false` when its type is not one the reader knows.
fn resource(c: &mut Ctx<'_>, r: &Resource) -> bool {
    let data = r.addr.starts_with("data.");
    match (data, r.kind.as_str()) {
        (false, "aws_lambda_function") => function(c, r),
        (false, "aws_lambda_event_source_mapping") => mapping(c, r),
        (false, "aws_lambda_function_event_invoke_config") => {
            let mut s =
                EventSource::new(SourceKind::Sns, c.function_of(r, "function_name"), r.at());
            s.source = Some("EventInvokeConfig".to_owned());
            s.on_failure = c
                .failure_targets(r, "destination_config.on_failure.destination")
                .is_some();
            c.inv.sources.push(s);
        }
        (false, "aws_lambda_alias") => {
            if let Some(f) = c.function_of(r, "function_name") {
                c.inv.aliases.push(Fact {
                    value: vec![f],
                    at: r.at(),
                });
            }
        }
        (false, "aws_lambda_provisioned_concurrency_config" | "aws_lambda_permission") => {
            // Linked once every function is read.
        }
        (false, "aws_sqs_queue") => queue(c, r),
        (false, "aws_sqs_queue_redrive_policy") => {}
        (false, "aws_sns_topic") => {
            let key = c.text(r, "kms_master_key_id");
            let fifo = c.truthy(r, "fifo_topic").is_some();
            c.inv.topics.push(Topic {
                at: r.at(),
                fifo,
                cmk: key.is_some_and(|k| !k.value.starts_with("alias/aws/"))
                    || r.get("kms_master_key_id")
                        .is_some_and(|v| !v.refs().is_empty()),
            });
        }
        (false, "aws_sns_topic_subscription") => {
            if c.text(r, "protocol").is_some_and(|p| p.value == "lambda") {
                let mut s = EventSource::new(SourceKind::Sns, c.function_of(r, "endpoint"), r.at());
                s.source = Ctx::refs(r, "topic_arn").into_iter().next();
                c.inv.sources.push(s);
            }
        }
        (false, "aws_kinesis_stream") => {
            let on_demand = c
                .text(r, "stream_mode_details.stream_mode")
                .is_some_and(|m| m.value == "ON_DEMAND");
            let key = c.text(r, "kms_key_id");
            let shards = if on_demand {
                None
            } else {
                c.number(r, "shard_count")
            };
            let retention_hours = c.number_or(r, "retention_period", 24.0);
            let cmk = c
                .text(r, "encryption_type")
                .is_some_and(|e| e.value == "KMS")
                && (key.is_some_and(|k| !k.value.starts_with("alias/aws/"))
                    || r.get("kms_key_id").is_some_and(|v| !v.refs().is_empty()));
            c.inv.streams.push(Stream {
                at: r.at(),
                shards,
                on_demand,
                retention_hours,
                cmk,
            });
        }
        (false, "aws_kinesis_stream_consumer") => c.inv.stream_consumers.push(r.at()),
        (false, "aws_cloudwatch_event_bus") => c.inv.buses.push(r.at()),
        (false, "aws_cloudwatch_event_rule" | "aws_cloudwatch_event_target") => {
            // Rules meet their targets in `link`.
        }
        (false, "aws_cloudwatch_event_archive") => {
            let days = c.number(r, "retention_days").map(|f| f.value);
            c.inv.archives.push(Archive {
                at: r.at(),
                retention_days: days.filter(|d| *d > 0.0),
            });
        }
        (false, "aws_scheduler_schedule") => {
            let schedule = c.text(r, "schedule_expression").map(|s| s.value);
            let function = c.function_of(r, "target.arn");
            let dlq = c.failure_targets(r, "target.dead_letter_config.arn");
            c.inv.sources.push(EventSource {
                schedule,
                on_failure: dlq.is_some(),
                ..EventSource::new(SourceKind::Schedule, function, r.at())
            });
        }
        (false, "aws_sfn_state_machine") => state_machine(c, r),
        (false, "aws_dynamodb_table") => table(c, r),
        (false, "aws_appautoscaling_target") => {
            let refs = Ctx::refs(r, "resource_id");
            if !refs.is_empty() {
                c.inv.scaling_targets.push(Fact {
                    value: refs.into_iter().collect(),
                    at: r.at(),
                });
            }
        }
        (false, "aws_s3_bucket") => {
            let versioning = c.truthy(r, "versioning.enabled");
            let sse = r
                .get("server_side_encryption_configuration")
                .map(|v| v.text().contains("aws:kms"));
            c.inv.buckets.push(Bucket {
                at: r.at(),
                versioning,
                sse_kms: sse,
            });
        }
        (
            false,
            "aws_s3_bucket_versioning"
            | "aws_s3_bucket_server_side_encryption_configuration"
            | "aws_s3_bucket_notification",
        ) => {}
        (false, "aws_rds_cluster" | "aws_db_instance") => {
            c.inv.relational.push(r.at());
            // Aurora Serverless v1 clusters are always encrypted.
            let v1 = c
                .text(r, "engine_mode")
                .filter(|m| m.value.eq_ignore_ascii_case("serverless"));
            let stated = c.truthy(r, "storage_encrypted").or(v1.map(|m| m.at));
            c.inv.db_storage.push(DbStorage {
                encrypted: stated.is_some(),
                at: stated.unwrap_or_else(|| r.at()),
                cmk: r.get("kms_key_id").map(|v| r.loc_of("kms_key_id", v)),
            });
            if let Some(l) = c.truthy(r, "enable_http_endpoint") {
                c.inv.data_api.push(l);
            }
        }
        (false, "aws_dsql_cluster") => {
            c.inv.relational.push(r.at());
            // Like a bucket's default keys, the service's own key is not counted as stated.
            let cmk = r
                .get("kms_encryption_key")
                .map(|v| r.loc_of("kms_encryption_key", v));
            c.inv.db_storage.push(DbStorage {
                at: cmk.clone().unwrap_or_else(|| r.at()),
                encrypted: cmk.is_some(),
                cmk,
            });
            c.inv.dsql.push(r.at());
        }
        (false, "aws_rds_cluster_instance") => {}
        (false, "aws_db_proxy") => c.inv.rds_proxies.push(r.at()),
        (
            false,
            "aws_elasticache_cluster"
            | "aws_elasticache_replication_group"
            | "aws_elasticache_serverless_cache"
            | "aws_memorydb_cluster"
            | "aws_dax_cluster",
        ) => c.inv.caches.push(r.at()),
        (false, "aws_cloudwatch_metric_alarm") => alarm(c, r),
        (false, "aws_cloudwatch_dashboard") => c.inv.dashboards.push(r.at()),
        (false, "aws_budgets_budget") => c.inv.budgets.push(r.at()),
        (false, "aws_ce_anomaly_monitor" | "aws_ce_anomaly_subscription") => {
            c.inv.anomaly.push(r.at());
        }
        (false, "aws_cloudwatch_log_group") => {
            let days = c.number(r, "retention_in_days").filter(|d| d.value > 0.0);
            c.inv.log_groups.push(LogGroup {
                at: r.at(),
                refs: Ctx::refs(r, "name").into_iter().collect(),
                retention_days: days,
            });
        }
        (false, "aws_iam_role") => {
            c.inv.roles.push(r.at());
            for (i, p) in r.body.all("inline_policy").into_iter().enumerate() {
                if let Some(doc) = p.get("policy") {
                    policy(c, r, doc, &format!("inline_policy.{i}.policy"), false);
                }
            }
            if let Some(arns) = r.get("managed_policy_arns") {
                for a in arns.items() {
                    c.inv.managed_policies.push(Fact {
                        value: a.text(),
                        at: r.loc_of("managed_policy_arns", a),
                    });
                }
            }
        }
        (
            false,
            "aws_iam_role_policy"
            | "aws_iam_policy"
            | "aws_iam_user_policy"
            | "aws_iam_group_policy",
        ) => {
            if let Some(doc) = r.get("policy") {
                policy(c, r, doc, "policy", false);
            }
        }
        (
            false,
            "aws_iam_role_policy_attachment"
            | "aws_iam_policy_attachment"
            | "aws_iam_user_policy_attachment"
            | "aws_iam_group_policy_attachment",
        ) => {
            if let Some(a) = r.get("policy_arn") {
                c.inv.managed_policies.push(Fact {
                    value: a.text(),
                    at: r.loc_of("policy_arn", a),
                });
            }
        }
        (true, "aws_iam_policy_document") => {
            for (i, s) in r.body.all("statement").into_iter().enumerate() {
                let at = r.loc(&format!("statement.{i}"), s.line);
                statement(c, s, at, ["effect", "actions", "resources"], false);
            }
        }
        (false, "aws_kms_key") => {
            c.inv.kms_keys.push(r.at());
            if let Some(doc) = r.get("policy") {
                policy(c, r, doc, "policy", true);
            }
        }
        (false, "aws_nat_gateway") => c.inv.nat_gateways.push(r.at()),
        (false, "aws_vpc_endpoint") => c.inv.vpc_endpoints.push(r.at()),
        (false, "aws_secretsmanager_secret") | (true, "aws_secretsmanager_secret") => {
            c.inv.secrets.push(r.at());
        }
        (false, "aws_wafv2_web_acl_association") => c.inv.waf.push(r.at()),
        (false, "aws_api_gateway_rest_api") => c.inv.apis.push(Api {
            at: r.at(),
            kind: ApiKind::Rest,
            throttling: None,
            tracing: None,
            private: r
                .get("endpoint_configuration.types")
                .is_some_and(|t| t.text().contains("PRIVATE")),
        }),
        (false, "aws_apigatewayv2_api") => {
            let kind = match c.text(r, "protocol_type").map(|p| p.value) {
                Some(p) if p == "WEBSOCKET" => ApiKind::WebSocket,
                _ => ApiKind::Http,
            };
            c.inv.apis.push(Api {
                at: r.at(),
                kind,
                throttling: None,
                tracing: None,
                private: false,
            });
        }
        (false, "aws_api_gateway_method") => method(c, r),
        (false, "aws_apigatewayv2_route") => route(c, r),
        (
            false,
            "aws_api_gateway_stage"
            | "aws_api_gateway_method_settings"
            | "aws_apigatewayv2_stage"
            | "aws_api_gateway_integration"
            | "aws_apigatewayv2_integration"
            | "aws_api_gateway_authorizer"
            | "aws_apigatewayv2_authorizer",
        ) => {}
        _ => return r.kind.starts_with("aws_"),
    }
    true
}

fn function(c: &mut Ctx<'_>, r: &Resource) {
    let mut f = Function {
        at: r.at(),
        runtime: c.text(r, "runtime"),
        package_type: c.text(r, "package_type"),
        memory_mb: c.number_or(r, "memory_size", 128.0),
        timeout_s: c.number_or(r, "timeout", 3.0),
        // `-1` (the provider's default) means no reservation.
        reserved: c
            .number(r, "reserved_concurrent_executions")
            .filter(|x| x.value >= 0.0),
        ..Function::default()
    };
    let written = r.get("architectures").is_some();
    f.architecture = Some(match c.val(r, "architectures") {
        None if written => Fact {
            // Written but not readable: neither the value nor Lambda's default.
            value: String::new(),
            at: r.loc("architectures", 0),
        },
        Some(v) => Fact {
            value: v
                .items()
                .first()
                .and_then(|a| a.as_str())
                .unwrap_or_default(),
            at: r.loc_of("architectures", v),
        },
        None => Fact {
            value: "x86_64".to_owned(),
            at: r.loc("architectures", 0),
        },
    });
    f.snapstart = c.text(r, "snap_start.apply_on").map(|a| Fact {
        value: a.value == "PublishedVersions",
        at: a.at,
    });
    if let Some(layers) = r.get("layers") {
        for l in layers.items() {
            f.layers.push(Fact {
                value: l
                    .as_str()
                    .unwrap_or_else(|| l.refs().into_iter().collect::<Vec<_>>().join(",")),
                at: r.loc_of("layers", l),
            });
        }
    }
    f.tracing = c.text(r, "tracing_config.mode").map(|m| Fact {
        value: m.value == "Active",
        at: m.at,
    });
    f.log_format = c.text(r, "logging_config.log_format");
    f.log_level = log_level(r, "logging_config.application_log_level");
    if let Some(vars) = r.get("environment.variables") {
        for (name, v) in vars.entries() {
            let path = format!("environment.variables.{name}");
            f.env.push(Fact {
                value: EnvVar {
                    name: name.clone(),
                    literal: v.as_str().filter(|_| !v.from_var),
                    from_parameter: v.from_var,
                    refs: v.refs().into_iter().collect(),
                },
                at: r.loc_of(&path, v),
            });
            if f.log_level.is_none()
                && matches!(name.as_str(), "LOG_LEVEL" | "POWERTOOLS_LOG_LEVEL")
            {
                f.log_level = log_level(r, &path);
            }
        }
    }
    f.vpc = r
        .get("vpc_config")
        .filter(|v| matches!(v.v, V::Map(_)))
        .map(|v| r.loc_of("vpc_config", v));
    f.role = r.get("role").map(|v| Fact {
        value: v
            .refs()
            .into_iter()
            .next()
            .or_else(|| v.as_str())
            .unwrap_or_default(),
        at: r.loc_of("role", v),
    });
    f.async_failure = c.failure_targets(r, "dead_letter_config.target_arn");
    f.log_group = r.get("logging_config.log_group").and_then(|v| {
        Some(Fact {
            value: v.refs().into_iter().next()?,
            at: r.loc_of("logging_config.log_group", v),
        })
    });
    c.inv.functions.push(f);
}

fn log_level(r: &Resource, path: &str) -> Option<Fact<LogLevel>> {
    let v = r.get(path)?;
    Some(Fact {
        value: match v.from_var {
            true => LogLevel::Parameter,
            false => LogLevel::fixed(&v.as_str()?)?,
        },
        at: r.loc_of(path, v),
    })
}

fn mapping(c: &mut Ctx<'_>, r: &Resource) {
    let function = c.function_of(r, "function_name");
    let refs = Ctx::refs(r, "event_source_arn");
    let src = c
        .target(&refs, |_| true)
        .map(|s| (s.addr.clone(), s.kind.clone()));
    let kind = match src.as_ref().map(|(_, k)| k.as_str()) {
        Some("aws_sqs_queue") => SourceKind::Sqs,
        Some("aws_kinesis_stream" | "aws_kinesis_stream_consumer") => SourceKind::Kinesis,
        Some("aws_dynamodb_table") => SourceKind::DynamoDb,
        _ => {
            let arn = r.get("event_source_arn").map(Val::text).unwrap_or_default();
            if let Some(kind) = SourceKind::from_arn(&arn) {
                kind
            } else {
                c.notes.push(note(
                    &r.at(),
                    format!(
                        "{}: the event source is not a queue, stream or table these files declare: not read",
                        r.addr
                    ),
                ));
                return;
            }
        }
    };
    let on_failure = c
        .failure_targets(r, "destination_config.on_failure.destination_arn")
        .is_some();
    let batch_size = c.number(r, "batch_size");
    let partial_batch = r
        .get("function_response_types")
        .is_some_and(|v| v.text().contains("ReportBatchItemFailures"));
    c.inv.sources.push(EventSource {
        kind,
        function,
        consumer: src
            .as_ref()
            .is_some_and(|(_, k)| k == "aws_kinesis_stream_consumer"),
        source: src.map(|(a, _)| a),
        batch_size,
        partial_batch,
        on_failure,
        max_concurrency: r.get("scaling_config.maximum_concurrency").is_some(),
        schedule: None,
        at: r.at(),
    });
}

fn queue(c: &mut Ctx<'_>, r: &Resource) {
    let redrive = r
        .get("redrive_policy")
        .map(|v| redrive_of(r, "redrive_policy", v));
    let key = c.text(r, "kms_master_key_id");
    let cmk = key
        .as_ref()
        .is_some_and(|k| !k.value.starts_with("alias/aws/"))
        || r.get("kms_master_key_id")
            .is_some_and(|v| !v.refs().is_empty());
    let managed = c.truthy(r, "sqs_managed_sse_enabled").is_some() || key.is_some();
    let fifo = c.truthy(r, "fifo_queue").is_some();
    let high_throughput = c
        .text(r, "fifo_throughput_limit")
        .is_some_and(|x| x.value == "perMessageGroupId");
    let visibility = c.number_or(r, "visibility_timeout_seconds", 30.0);
    c.inv.queues.push(Queue {
        at: r.at(),
        fifo,
        high_throughput,
        visibility_s: visibility,
        redrive,
        // `Some(true)` with a customer key, `Some(false)` with SQS-managed keys.
        sse_cmk: cmk.then_some(true).or(managed.then_some(false)),
    });
}

/// A redrive policy (an object from `jsonencode`, or JSON text): the queue it sends to.
fn redrive_of(r: &Resource, path: &str, v: &Val) -> Fact<String> {
    let parsed;
    let doc = match v.as_str() {
        Some(text) => match crate::node::parse(&text, &v.file) {
            Ok(d) => {
                parsed = Val::from_node(&d.root, &v.file, v.line.saturating_sub(1));
                &parsed
            }
            Err(_) => v,
        },
        None => v,
    };
    Fact {
        // JSON text with `${…}` in it is not JSON yet: the queue it names is the one it refers to.
        value: doc
            .get("deadLetterTargetArn")
            .map(Val::refs)
            .and_then(|ids| ids.into_iter().next())
            .or_else(|| v.refs().into_iter().next())
            .unwrap_or_default(),
        at: r.loc_of(path, v),
    }
}

fn state_machine(c: &mut Ctx<'_>, r: &Resource) {
    let mut m = StateMachine {
        at: r.at(),
        kind: c.text(r, "type").or(Some(Fact {
            value: "STANDARD".to_owned(),
            at: r.loc("type", 0),
        })),
        tracing: c.truthy(r, "tracing_configuration.enabled"),
        ..StateMachine::default()
    };
    if let Some(def) = c.val(r, "definition") {
        let parsed;
        let def = match def.as_str() {
            Some(text) => match crate::node::parse(&text, &def.file) {
                Ok(d) => {
                    parsed = Val::from_node(&d.root, &def.file, def.line.saturating_sub(1));
                    &parsed
                }
                Err(_) => def,
            },
            None => def,
        };
        let all = def.text();
        m.task_token = all.contains(".waitForTaskToken");
        each_entry(def, &mut |k, x| match k {
            "Type" if x.as_str().as_deref() == Some("Wait") => m.wait_state = true,
            "Retry" => m.retries += 1,
            "Catch" => m.catches += 1,
            _ => {}
        });
    }
    c.inv.state_machines.push(m);
}

/// Calls `f` on every map entry of a value, at any depth.
fn each_entry(v: &Val, f: &mut impl FnMut(&str, &Val)) {
    for (k, x) in v.entries() {
        f(k, x);
        each_entry(x, f);
    }
    if let V::List(items) = &v.v {
        items.iter().for_each(|i| each_entry(i, f));
    }
}

fn table(c: &mut Ctx<'_>, r: &Resource) {
    let billing = c.text(r, "billing_mode").or(Some(Fact {
        value: "PROVISIONED".to_owned(),
        at: r.loc("billing_mode", 0),
    }));
    let sse = r.get("server_side_encryption");
    let sse_cmk = sse.and_then(|s| {
        if s.get("kms_key_arn").is_some() {
            Some(true)
        } else if s.get("enabled").and_then(Val::as_bool) == Some(true) {
            Some(false)
        } else {
            None
        }
    });
    let pitr = c.truthy(r, "point_in_time_recovery.enabled");
    let deletion_protection = c.truthy(r, "deletion_protection_enabled").is_some();
    c.inv.tables.push(Table {
        at: r.at(),
        billing,
        pitr,
        deletion_protection,
        sse_cmk,
        autoscaling: false,
    });
}

fn alarm(c: &mut Ctx<'_>, r: &Resource) {
    let mut a = Alarm {
        at: r
            .get("metric_name")
            .map_or_else(|| r.at(), |v| r.loc_of("metric_name", v)),
        ..Alarm::default()
    };
    if let Some(m) = c.text(r, "metric_name") {
        a.metrics.push(m.value);
    }
    if let Some(d) = r.get("dimensions") {
        a.watches.extend(d.refs());
    }
    for q in r.body.all("metric_query") {
        if let Some(m) = q.at("metric.metric_name").and_then(Val::as_str) {
            a.metrics.push(m);
        }
        if let Some(d) = q.at("metric.dimensions") {
            a.watches.extend(d.refs());
        }
    }
    a.routed = r
        .get("alarm_actions")
        .is_some_and(|v| !v.items().is_empty());
    for key in ["alarm_actions", "ok_actions", "insufficient_data_actions"] {
        if let Some(v) = r.get(key) {
            for id in v.refs() {
                c.inv.alarm_topics.push(Fact {
                    value: id,
                    at: r.loc_of(key, v),
                });
            }
        }
    }
    c.inv.alarms.push(a);
}

/// A policy document: an object from `jsonencode`, JSON text (a heredoc), or a reference to a
/// `data "aws_iam_policy_document"` (read on its own).
fn policy(c: &mut Ctx<'_>, r: &Resource, doc: &Val, path: &str, key_policy: bool) {
    let parsed;
    let doc = match doc.as_str() {
        Some(text) => match crate::node::parse(&text, &doc.file) {
            Ok(d) => {
                parsed = Val::from_node(&d.root, &doc.file, doc.line.saturating_sub(1));
                &parsed
            }
            Err(_) => return,
        },
        None => doc,
    };
    if let Some(why) = doc.unknown() {
        c.notes.push(note(
            &r.loc_of(path, doc),
            format!("{} `{path}`: {why}: its statements are not read", r.addr),
        ));
        return;
    }
    let Some(st) = doc.get("Statement") else {
        return;
    };
    for (i, s) in st.items().into_iter().enumerate() {
        let at = r.loc(&format!("{path}.Statement.{i}"), s.line);
        statement(c, s, at, ["Effect", "Action", "Resource"], key_policy);
    }
}

/// One statement, its effect, actions and resources under `keys` (`Effect`… in JSON,
/// `effect`… in a policy document's blocks).
fn statement(c: &mut Ctx<'_>, s: &Val, at: Loc, keys: [&str; 3], key_policy: bool) {
    let strings = |key: &str| -> Vec<String> {
        s.get(key).map_or_else(Vec::new, |v| {
            v.items()
                .iter()
                .map(|x| x.as_str().unwrap_or_else(|| "<computed>".to_owned()))
                .collect()
        })
    };
    c.inv.statements.push(Statement {
        at,
        allow: s.get(keys[0]).and_then(Val::as_str).as_deref() != Some("Deny"),
        actions: strings(keys[1]),
        resources: strings(keys[2]),
        key_policy,
    });
}

fn method(c: &mut Ctx<'_>, r: &Resource) {
    if c.text(r, "http_method")
        .is_some_and(|m| m.value == "OPTIONS")
    {
        return; // CORS preflight: open by design.
    }
    let auth = match c.text(r, "authorization").map(|a| a.value) {
        Some(a) if a == "AWS_IAM" || a == "COGNITO_USER_POOLS" => Auth::JwtOrIam,
        Some(a) if a == "CUSTOM" => Auth::Lambda,
        _ if c.truthy(r, "api_key_required").is_some() => Auth::ApiKey,
        _ => Auth::Open,
    };
    c.inv.routes.push(Route {
        api: Ctx::refs(r, "rest_api_id")
            .into_iter()
            .next()
            .unwrap_or_default(),
        kind: ApiKind::Rest,
        auth,
        function: None,
        timeout_s: None,
        at: r.at(),
    });
}

fn route(c: &mut Ctx<'_>, r: &Resource) {
    let auth = match c.text(r, "authorization_type").map(|a| a.value) {
        Some(a) if a == "JWT" || a == "AWS_IAM" => Auth::JwtOrIam,
        Some(a) if a == "CUSTOM" => Auth::Lambda,
        _ if c.truthy(r, "api_key_required").is_some() => Auth::ApiKey,
        _ => Auth::Open,
    };
    let target = Ctx::refs(r, "target");
    let integration = c
        .target(&target, |k| k == "aws_apigatewayv2_integration")
        .cloned();
    let function = integration
        .as_ref()
        .and_then(|i| c.function_of(i, "integration_uri"));
    let timeout_s = integration
        .as_ref()
        .and_then(|i| i.get("timeout_milliseconds"))
        .and_then(Val::as_f64)
        .map(|ms| ms / 1000.0);
    c.inv.routes.push(Route {
        api: Ctx::refs(r, "api_id")
            .into_iter()
            .next()
            .unwrap_or_default(),
        kind: ApiKind::Http,
        auth,
        function,
        timeout_s,
        at: r.at(),
    });
}

/// The links made once every resource is read.
fn link(c: &mut Ctx<'_>) {
    let rs = c.rs;
    let of_kind = |k: &'static str| {
        rs.iter()
            .filter(move |r| r.kind == k && !r.addr.starts_with("data."))
    };
    // Log groups: named by reference to the function, or with the same name `/aws/lambda/<name>`.
    for f in &mut c.inv.functions {
        if f.log_group.is_some() {
            continue;
        }
        // The same name: equal text, or the same expression (`"${var.prefix}-fn"` both times).
        let name = rs
            .iter()
            .find(|r| r.addr == f.at.resource)
            .and_then(|r| r.get("function_name"))
            .and_then(Val::key)
            .map(|n| format!("/aws/lambda/{n}"));
        let found = c.inv.log_groups.iter().find(|g| {
            g.refs.contains(&f.at.resource)
                || name.as_deref().is_some_and(|n| {
                    rs.iter().any(|r| {
                        r.addr == g.at.resource
                            && r.get("name").and_then(Val::key).as_deref() == Some(n)
                    })
                })
        });
        if let Some(g) = found {
            f.log_group = Some(Fact {
                value: g.at.resource.clone(),
                at: g.at.clone(),
            });
        }
    }
    // Invoke configs with an on-failure destination; aliases; provisioned concurrency.
    for s in &c.inv.sources {
        if s.source.as_deref() == Some("EventInvokeConfig")
            && s.on_failure
            && let Some(f) = c
                .inv
                .functions
                .iter_mut()
                .find(|f| Some(&f.at.resource) == s.function.as_ref())
        {
            let mut at = s.at.clone();
            at.path = "destination_config.on_failure".to_owned();
            f.async_failure.get_or_insert(at);
        }
    }
    for a in &c.inv.aliases {
        for f in &mut c.inv.functions {
            if a.value.contains(&f.at.resource) {
                f.alias.get_or_insert_with(|| a.at.clone());
            }
        }
    }
    for p in of_kind("aws_lambda_provisioned_concurrency_config") {
        let Some(target) = c.function_of(p, "function_name") else {
            continue;
        };
        let Some(n) = c.number(p, "provisioned_concurrent_executions") else {
            continue;
        };
        if let Some(f) = c.inv.functions.iter_mut().find(|f| f.at.resource == target) {
            f.provisioned = Some(n).filter(|n| n.value > 0.0);
        }
    }
    // Redrive policies set on their own.
    for p in of_kind("aws_sqs_queue_redrive_policy") {
        let queues = Ctx::refs(p, "queue_url");
        if let (Some(v), Some(q)) = (
            p.get("redrive_policy"),
            c.inv
                .queues
                .iter_mut()
                .find(|q| queues.contains(&q.at.resource)),
        ) {
            q.redrive = Some(redrive_of(p, "redrive_policy", v));
        }
    }
    // Bucket versioning, encryption and notifications set on their own.
    for b in of_kind("aws_s3_bucket_versioning") {
        let ids = Ctx::refs(b, "bucket");
        let on = b
            .get("versioning_configuration.status")
            .filter(|v| v.as_str().as_deref() == Some("Enabled"));
        if let (Some(v), Some(bucket)) = (
            on,
            c.inv
                .buckets
                .iter_mut()
                .find(|x| ids.contains(&x.at.resource)),
        ) {
            bucket.versioning = Some(b.loc_of("versioning_configuration.status", v));
        }
    }
    for b in of_kind("aws_s3_bucket_server_side_encryption_configuration") {
        let ids = Ctx::refs(b, "bucket");
        if let Some(bucket) = c
            .inv
            .buckets
            .iter_mut()
            .find(|x| ids.contains(&x.at.resource))
        {
            bucket.sse_kms = Some(b.body.text().contains("aws:kms"));
        }
    }
    for n in of_kind("aws_s3_bucket_notification") {
        let bucket = Ctx::refs(n, "bucket").into_iter().next();
        for (i, l) in n.body.all("lambda_function").into_iter().enumerate() {
            let function = l.get("lambda_function_arn").map(Val::refs).and_then(|ids| {
                c.target(&ids, |k| k == "aws_lambda_function")
                    .map(|f| f.addr.clone())
            });
            let mut s = EventSource::new(
                SourceKind::S3,
                function,
                n.loc(&format!("lambda_function.{i}"), l.line),
            );
            s.source = bucket.clone();
            c.inv.sources.push(s);
        }
    }
    // Rules and their targets.
    for rule in of_kind("aws_cloudwatch_event_rule") {
        c.inv.rules.push(rule.at());
        let schedule = c.text(rule, "schedule_expression").map(|s| s.value);
        let kind = if schedule.is_some() {
            SourceKind::Schedule
        } else if rule.get("event_pattern").is_some() {
            SourceKind::EventRule
        } else {
            continue;
        };
        let targets: Vec<&Resource> = of_kind("aws_cloudwatch_event_target")
            .filter(|t| Ctx::refs(t, "rule").contains(&rule.addr))
            .collect();
        let mut any = false;
        for t in &targets {
            let dlq = c.failure_targets(t, "dead_letter_config.arn");
            let Some(f) = c
                .target(&Ctx::refs(t, "arn"), |k| k == "aws_lambda_function")
                .map(|f| f.addr.clone())
            else {
                continue;
            };
            any = true;
            let mut s = EventSource::new(kind, Some(f), rule.at());
            s.schedule = schedule.clone();
            s.on_failure = dlq.is_some();
            c.inv.sources.push(s);
        }
        if !any {
            let mut s = EventSource::new(kind, None, rule.at());
            s.schedule = schedule.clone();
            s.source = Ctx::refs(rule, "event_bus_name").into_iter().next();
            c.inv.sources.push(s);
        }
    }
    // Permissions: who invokes a function, when nothing else here says so.
    for p in of_kind("aws_lambda_permission") {
        let Some(f) = c.function_of(p, "function_name") else {
            continue;
        };
        let principal = c.text(p, "principal").map(|x| x.value).unwrap_or_default();
        let kind = match principal.as_str() {
            "s3.amazonaws.com" => SourceKind::S3,
            "sns.amazonaws.com" => SourceKind::Sns,
            "events.amazonaws.com" => SourceKind::EventRule,
            _ => continue,
        };
        let known = c.inv.sources.iter().any(|s| {
            s.function.as_deref() == Some(f.as_str())
                && (s.kind == kind
                    || (kind == SourceKind::EventRule && s.kind == SourceKind::Schedule))
        });
        if !known {
            let mut s = EventSource::new(kind, Some(f), p.at());
            s.source = Ctx::refs(p, "source_arn").into_iter().next();
            c.inv.sources.push(s);
        }
    }
    // Stages, method settings and integrations onto APIs and methods.
    for s in of_kind("aws_api_gateway_stage").chain(of_kind("aws_apigatewayv2_stage")) {
        let ids = Ctx::refs(s, "rest_api_id")
            .into_iter()
            .chain(Ctx::refs(s, "api_id"))
            .collect::<BTreeSet<_>>();
        let tracing = c.truthy(s, "xray_tracing_enabled");
        let throttling = ["default_route_settings", "route_settings"]
            .iter()
            .find_map(|k| {
                let v = s.get(k)?;
                v.text().contains("throttling").then(|| s.loc_of(k, v))
            })
            .or_else(|| {
                let v = s
                    .get("default_route_settings.throttling_burst_limit")
                    .or_else(|| s.get("default_route_settings.throttling_rate_limit"))?;
                Some(s.loc_of("default_route_settings", v))
            });
        if let Some(api) = c.inv.apis.iter_mut().find(|a| ids.contains(&a.at.resource)) {
            if let Some(t) = tracing {
                api.tracing.get_or_insert(t);
            }
            if let Some(t) = throttling {
                api.throttling.get_or_insert(t);
            }
        }
    }
    for m in of_kind("aws_api_gateway_method_settings") {
        let ids = Ctx::refs(m, "rest_api_id");
        let throttled = m.get("settings").filter(|v| {
            v.entries()
                .iter()
                .any(|(k, _)| k.starts_with("throttling_"))
        });
        if let (Some(v), Some(api)) = (
            throttled,
            c.inv.apis.iter_mut().find(|a| ids.contains(&a.at.resource)),
        ) {
            api.throttling.get_or_insert(m.loc_of("settings", v));
        }
    }
    let integrations: Vec<&Resource> = of_kind("aws_api_gateway_integration").collect();
    for route in &mut c.inv.routes {
        if route.kind != ApiKind::Rest {
            continue;
        }
        let Some(method) = rs.iter().find(|r| r.addr == route.at.resource) else {
            continue;
        };
        let same = |i: &&&Resource| {
            Ctx::refs(i, "http_method").contains(&method.addr)
                || (Ctx::refs(i, "resource_id") == Ctx::refs(method, "resource_id")
                    && i.get("http_method").and_then(Val::as_str).is_some()
                    && i.get("http_method").and_then(Val::as_str)
                        == method.get("http_method").and_then(Val::as_str))
        };
        if let Some(i) = integrations.iter().find(same) {
            let ids = Ctx::refs(i, "uri");
            route.function = rs
                .iter()
                .find(|r| ids.contains(&r.addr) && r.kind == "aws_lambda_function")
                .map(|f| f.addr.clone());
            route.timeout_s = i
                .get("timeout_milliseconds")
                .and_then(Val::as_f64)
                .map(|ms| ms / 1000.0);
        }
    }
    // WebSocket APIs are entry points of their own; scaling targets onto tables.
    let ws: Vec<EventSource> = c
        .inv
        .apis
        .iter()
        .filter(|a| a.kind == ApiKind::WebSocket)
        .map(|a| EventSource {
            source: Some(a.at.resource.clone()),
            ..EventSource::new(SourceKind::WebSocket, None, a.at.clone())
        })
        .collect();
    c.inv.sources.extend(ws);
    for s in &c.inv.scaling_targets {
        for t in &mut c.inv.tables {
            if s.value.contains(&t.at.resource) {
                t.autoscaling = true;
            }
        }
    }
}
