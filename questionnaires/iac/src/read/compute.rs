//! Functions (SAM and plain Lambda), their SAM `Events`, event source mappings, invoke configs
//! and aliases.

use super::{at, loc, number, number_or, refs, scalars, target, text};
use crate::inventory::{
    Deployment, EnvVar, EventSource, Fact, Function, Inventory, LogLevel, Route, SourceKind,
};
use crate::node::{Node, Value};
use crate::template::{Resource, Template, is_param_ref};

pub(super) fn function(t: &Template, r: &Resource, inv: &mut Inventory) {
    let sam = r.kind == "AWS::Serverless::Function";
    let mut f = Function {
        at: at(r),
        runtime: text(t, r, "Runtime"),
        package_type: text(t, r, "PackageType"),
        memory_mb: Some(number_or(t, r, "MemorySize", 128.0)),
        timeout_s: Some(number_or(t, r, "Timeout", 3.0)),
        reserved: number(t, r, "ReservedConcurrentExecutions"),
        ..Function::default()
    };
    f.build_method = r.metadata.get("BuildMethod").and_then(|n| {
        Some(Fact {
            value: n.as_str()?.to_owned(),
            at: loc(r, "Metadata.BuildMethod", n.line),
        })
    });
    f.architecture = Some(match r.prop("Architectures") {
        Some((n, p)) => match n.items().first().and_then(Node::as_str) {
            Some(a) => Fact {
                value: a.to_owned(),
                at: loc(r, &p, n.line),
            },
            None => Fact {
                value: String::new(),
                at: loc(r, &p, n.line),
            },
        },
        None => Fact {
            value: "x86_64".to_owned(),
            at: loc(r, "Properties.Architectures", 0),
        },
    });
    f.provisioned = number(
        t,
        r,
        "ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions",
    )
    .filter(|x| x.value > 0.0);
    f.snapstart = text(t, r, "SnapStart.ApplyOn").map(|a| Fact {
        value: a.value == "PublishedVersions",
        at: a.at,
    });
    if let Some((n, p)) = r.prop("Layers") {
        for l in n.items() {
            let name = l
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| refs(l).into_iter().collect::<Vec<_>>().join(","));
            f.layers.push(Fact {
                value: name,
                at: loc(r, &p, l.line),
            });
        }
    }
    f.tracing = if sam {
        text(t, r, "Tracing").map(|x| Fact {
            value: x.value == "Active",
            at: x.at,
        })
    } else {
        text(t, r, "TracingConfig.Mode").map(|x| Fact {
            value: x.value == "Active",
            at: x.at,
        })
    };
    f.log_format = text(t, r, "LoggingConfig.LogFormat");
    f.log_level = log_level(t, r, "LoggingConfig.ApplicationLogLevel");
    if let Some((vars, p)) = r.prop("Environment.Variables") {
        for (name, v) in vars.entries() {
            f.env.push(Fact {
                value: EnvVar {
                    name: name.clone(),
                    literal: v.as_str().map(str::to_owned),
                    from_parameter: is_param_ref(v, &t.parameters),
                    refs: refs(v).into_iter().collect(),
                },
                at: loc(r, &format!("{p}.{name}"), v.line),
            });
            if f.log_level.is_none()
                && matches!(name.as_str(), "LOG_LEVEL" | "POWERTOOLS_LOG_LEVEL")
            {
                f.log_level = log_level(t, r, &format!("Environment.Variables.{name}"));
            }
        }
    }
    f.vpc = r
        .prop("VpcConfig")
        .filter(|(n, _)| !matches!(n.value, Value::Null))
        .map(|(n, p)| loc(r, &p, n.line))
        .or_else(|| capacity_provider_vpc(t, r));
    f.role = match r.prop("Role") {
        Some((n, p)) => Some(Fact {
            value: refs(n)
                .into_iter()
                .next()
                .unwrap_or_else(|| n.as_str().map(str::to_owned).unwrap_or_default()),
            at: loc(r, &p, n.line),
        }),
        // SAM makes one role per function when none is given.
        None if sam => Some(Fact {
            value: String::new(),
            at: at(r),
        }),
        None => None,
    };
    if sam && let Some((n, p)) = r.prop("Policies") {
        policies(r, n, &p, inv);
    }
    f.alias = r.prop("AutoPublishAlias").map(|(n, p)| loc(r, &p, n.line));
    if let Some((n, p)) = r.prop("DeploymentPreference.TriggerConfigurations") {
        super::ops::notified(r, n, &p, "TriggerTargetArn", inv);
    }
    f.deployment = r.prop("DeploymentPreference").and_then(|(n, p)| {
        let kind = n
            .get("Type")
            .and_then(|x| crate::template::scalar(x, &t.parameters))?;
        let enabled = n.get("Enabled").and_then(Node::as_bool).unwrap_or(true);
        enabled.then(|| Fact {
            value: Deployment {
                kind,
                alarms: n.get("Alarms").is_some_and(|a| !a.items().is_empty()),
            },
            at: loc(r, &p, n.line),
        })
    });
    f.async_failure = r
        .prop("EventInvokeConfig.DestinationConfig.OnFailure")
        .or_else(|| r.prop("DeadLetterQueue"))
        .or_else(|| r.prop("DeadLetterConfig.TargetArn"))
        .map(|(n, p)| {
            failure_targets(r, n, &p, inv);
            loc(r, &p, n.line)
        });
    if r.prop("EventInvokeConfig").is_some() {
        // An invoke config says the function is invoked asynchronously.
        inv.sources.push(async_marker(r));
    }
    f.log_group = r.prop("LoggingConfig.LogGroup").and_then(|(n, p)| {
        Some(Fact {
            value: refs(n).into_iter().next()?,
            at: loc(r, &p, n.line),
        })
    });
    if let Some((events, p)) = r.prop("Events") {
        for (name, e) in events.entries() {
            event(t, r, Some(&r.id), &format!("{p}.{name}"), e, inv);
        }
    }
    inv.functions.push(f);
}

/// The VPC of the capacity provider a function runs on (Lambda Managed Instances): its
/// instances, and so the function, sit in that VPC's subnets.
fn capacity_provider_vpc(t: &Template, r: &Resource) -> Option<crate::inventory::Loc> {
    let (n, _) = r.prop("CapacityProviderConfig")?;
    let provider = target(t, &refs(n), |k| {
        matches!(
            k,
            "AWS::Serverless::CapacityProvider" | "AWS::Lambda::CapacityProvider"
        )
    })?;
    let (v, p) = provider
        .prop("VpcConfig")
        .filter(|(v, _)| !matches!(v.value, Value::Null))?;
    Some(loc(provider, &p, v.line))
}

/// An invoke config marks the function as invoked asynchronously (an SNS-like source for
/// the failure-destination check), without naming an entry point.
fn async_marker(r: &Resource) -> EventSource {
    EventSource {
        source: Some(String::from("EventInvokeConfig")),
        ..EventSource::new(
            SourceKind::Sns,
            Some(r.id.clone()),
            loc(r, "Properties.EventInvokeConfig", r.line),
        )
    }
}

/// Records the resources a failure destination sends to.
pub(super) fn failure_targets(r: &Resource, n: &Node, path: &str, inv: &mut Inventory) {
    for id in refs(n) {
        inv.failure_targets.push(Fact {
            value: id,
            at: loc(r, path, n.line),
        });
    }
}

fn log_level(t: &Template, r: &Resource, path: &str) -> Option<Fact<LogLevel>> {
    let (n, p) = r.prop(path)?;
    let value = if is_param_ref(n, &t.parameters) {
        LogLevel::Parameter
    } else {
        LogLevel::fixed(n.as_str()?)?
    };
    Some(Fact {
        value,
        at: loc(r, &p, n.line),
    })
}

/// SAM `Policies`: a managed policy name or ARN, a policy document, or a policy template.
fn policies(r: &Resource, n: &Node, path: &str, inv: &mut Inventory) {
    for p in n.items() {
        if let Some(name) = p.as_str() {
            inv.managed_policies.push(Fact {
                value: name.to_owned(),
                at: loc(r, path, p.line),
            });
        } else if let Some(st) = p.get("Statement") {
            super::misc::statements(r, st, path, false, inv);
        }
    }
}

/// One SAM event (`Events.X`) of a function or state machine.
pub(super) fn event(
    t: &Template,
    r: &Resource,
    function: Option<&String>,
    path: &str,
    e: &Node,
    inv: &mut Inventory,
) {
    let Some(kind) = e.get("Type").and_then(Node::as_str) else {
        return;
    };
    let props = e.get("Properties").cloned().unwrap_or_default();
    let here = loc(r, path, e.line);
    let mut s = EventSource {
        kind: SourceKind::Sqs,
        function: function.cloned(),
        source: None,
        batch_size: props.get("BatchSize").and_then(|b| {
            Some(Fact {
                value: crate::template::scalar(b, &t.parameters)?.parse().ok()?,
                at: loc(r, &format!("{path}.Properties.BatchSize"), b.line),
            })
        }),
        partial_batch: props.get("FunctionResponseTypes").is_some_and(|x| {
            x.items()
                .iter()
                .any(|i| i.as_str() == Some("ReportBatchItemFailures"))
        }),
        on_failure: props
            .at("DestinationConfig.OnFailure")
            .inspect(|n| failure_targets(r, n, path, inv))
            .is_some(),
        max_concurrency: props.at("ScalingConfig.MaximumConcurrency").is_some(),
        consumer: false,
        schedule: None,
        at: here.clone(),
    };
    match kind {
        "SQS" => {
            s.source = props.get("Queue").and_then(|q| refs(q).into_iter().next());
        }
        "Kinesis" | "DynamoDB" => {
            s.kind = if kind == "Kinesis" {
                SourceKind::Kinesis
            } else {
                SourceKind::DynamoDb
            };
            let ids = props.get("Stream").map(refs).unwrap_or_default();
            s.consumer = target(t, &ids, |k| k == "AWS::Kinesis::StreamConsumer").is_some();
            s.source = ids.into_iter().next();
        }
        "Schedule" | "ScheduleV2" => {
            s.kind = SourceKind::Schedule;
            s.schedule = props
                .get("Schedule")
                .or_else(|| props.get("ScheduleExpression"))
                .and_then(|x| crate::template::scalar(x, &t.parameters));
        }
        "EventBridgeRule" | "CloudWatchEvent" => {
            if let Some(pattern) = props.get("Pattern") {
                super::misc::s3_through_eventbridge(
                    r,
                    pattern,
                    &format!("{path}.Properties.Pattern"),
                    inv,
                );
            }
            s.kind = SourceKind::EventRule;
            s.source = props
                .get("EventBusName")
                .and_then(|b| refs(b).into_iter().next());
        }
        "S3" => {
            s.kind = SourceKind::S3;
            s.source = props.get("Bucket").and_then(|b| refs(b).into_iter().next());
        }
        "SNS" => {
            s.kind = SourceKind::Sns;
            s.source = props.get("Topic").and_then(|b| refs(b).into_iter().next());
        }
        "Api" | "HttpApi" => {
            let rest = kind == "Api";
            s.kind = if rest {
                SourceKind::RestApi
            } else {
                SourceKind::HttpApi
            };
            let api_id = props
                .get(if rest { "RestApiId" } else { "ApiId" })
                .and_then(|b| refs(b).into_iter().next())
                .unwrap_or_else(|| {
                    if rest {
                        "ServerlessRestApi"
                    } else {
                        "ServerlessHttpApi"
                    }
                    .to_owned()
                });
            let api = t.get(&api_id);
            let auth = super::edge::sam_route_auth(&props, api);
            s.source = Some(api_id.clone());
            inv.routes.push(Route {
                api: api_id,
                kind: if rest {
                    crate::inventory::ApiKind::Rest
                } else {
                    crate::inventory::ApiKind::Http
                },
                auth,
                function: function.cloned(),
                timeout_s: props
                    .get("TimeoutInMillis")
                    .and_then(Node::as_f64)
                    .map(|ms| ms / 1000.0),
                at: here,
            });
        }
        _ => return,
    }
    inv.sources.push(s);
}

pub(super) fn mapping(t: &Template, r: &Resource, inv: &mut Inventory) {
    let function = r
        .prop("FunctionName")
        .and_then(|(n, _)| target(t, &refs(n), super::is_function))
        .map(|f| f.id.clone());
    let ids = r
        .prop("EventSourceArn")
        .map(|(n, _)| refs(n))
        .unwrap_or_default();
    let src = target(t, &ids, |_| true);
    let kind = match src.map(|s| s.kind.as_str()) {
        Some("AWS::SQS::Queue") => SourceKind::Sqs,
        Some("AWS::Kinesis::Stream" | "AWS::Kinesis::StreamConsumer") => SourceKind::Kinesis,
        Some("AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable") => SourceKind::DynamoDb,
        _ => {
            // Not resolvable: read the ARN's service when it is written out.
            let arn = r
                .prop("EventSourceArn")
                .map(|(n, _)| {
                    let mut v = Vec::new();
                    scalars(n, &mut v);
                    v.concat()
                })
                .unwrap_or_default();
            let Some(kind) = SourceKind::from_arn(&arn) else {
                return;
            };
            kind
        }
    };
    let consumer = src.is_some_and(|s| s.kind == "AWS::Kinesis::StreamConsumer");
    let on_failure = r
        .prop("DestinationConfig.OnFailure")
        .inspect(|(n, p)| failure_targets(r, n, p, inv))
        .is_some();
    inv.sources.push(EventSource {
        kind,
        function,
        source: src.map(|s| s.id.clone()),
        batch_size: number(t, r, "BatchSize"),
        partial_batch: r.prop("FunctionResponseTypes").is_some_and(|(n, _)| {
            n.items()
                .iter()
                .any(|i| i.as_str() == Some("ReportBatchItemFailures"))
        }),
        on_failure,
        max_concurrency: r.prop("ScalingConfig.MaximumConcurrency").is_some(),
        consumer,
        schedule: None,
        at: at(r),
    });
}

pub(super) fn invoke_config(r: &Resource, inv: &mut Inventory) {
    // Linked to its function in `links` (the function may come later in the file).
    let mut s = async_marker(r);
    s.function = r
        .prop("FunctionName")
        .and_then(|(n, _)| refs(n).into_iter().next());
    s.at = at(r);
    s.on_failure = r
        .prop("DestinationConfig.OnFailure")
        .inspect(|(n, p)| failure_targets(r, n, p, inv))
        .is_some();
    inv.sources.push(s);
}

pub(super) fn alias(r: &Resource, inv: &mut Inventory) {
    if let Some((n, _)) = r.prop("FunctionName") {
        inv.aliases.push(Fact {
            value: refs(n).into_iter().collect(),
            at: at(r),
        });
    }
}
