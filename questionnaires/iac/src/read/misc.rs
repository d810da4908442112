//! Messaging, data stores, observability, cost, IAM, networking, keys and secrets.

use super::{at, loc, mentions, number, number_or, refs, scalars, target, text, truthy};
use crate::inventory::{
    Alarm, Archive, Bucket, DbStorage, EventSource, Fact, Inventory, LogGroup, Queue, SourceKind,
    Statement, Stream, Table, Topic,
};
use crate::node::{Node, Value};
use crate::template::{Resource, Template};

pub(super) fn resource(t: &Template, r: &Resource, inv: &mut Inventory) {
    let k = r.kind.as_str();
    match k {
        "AWS::SQS::Queue" => queue(t, r, inv),
        "AWS::SNS::Topic" => {
            inv.topics.push(Topic {
                at: at(r),
                fifo: truthy(r, "FifoTopic").is_some(),
                cmk: text(t, r, "KmsMasterKeyId")
                    .is_some_and(|k| !k.value.starts_with("alias/aws/"))
                    || r.prop("KmsMasterKeyId")
                        .is_some_and(|(n, _)| n.as_str().is_none()),
            });
            if let Some((subs, p)) = r.prop("Subscription") {
                for s in subs.items() {
                    if s.get("Protocol").and_then(Node::as_str) == Some("lambda") {
                        sns_source(t, r, s.get("Endpoint"), &p, s.line, inv);
                    }
                }
            }
        }
        "AWS::SNS::Subscription" => {
            if r.prop("Protocol").and_then(|(n, _)| n.as_str()) == Some("lambda") {
                let ep = r.prop("Endpoint").map(|(n, _)| n);
                sns_source(t, r, ep, "Properties.Endpoint", r.line, inv);
            }
        }
        "AWS::Kinesis::Stream" => {
            let on_demand =
                text(t, r, "StreamModeDetails.StreamMode").is_some_and(|m| m.value == "ON_DEMAND");
            inv.streams.push(Stream {
                at: at(r),
                shards: if on_demand {
                    None
                } else {
                    number(t, r, "ShardCount")
                },
                on_demand,
                retention_hours: Some(number_or(t, r, "RetentionPeriodHours", 24.0)),
                cmk: text(t, r, "StreamEncryption.KeyId")
                    .is_some_and(|k| !k.value.starts_with("alias/aws/"))
                    || r.prop("StreamEncryption.KeyId")
                        .is_some_and(|(n, _)| n.as_str().is_none()),
            });
        }
        "AWS::Kinesis::StreamConsumer" => inv.stream_consumers.push(at(r)),
        "AWS::Events::EventBus" => inv.buses.push(at(r)),
        "AWS::Events::Rule" => rule(t, r, inv),
        "AWS::Scheduler::Schedule" => {
            let schedule = text(t, r, "ScheduleExpression").map(|s| s.value);
            let function = r
                .prop("Target.Arn")
                .and_then(|(n, _)| target(t, &refs(n), super::is_function))
                .map(|f| f.id.clone());
            let dlq = r.prop("Target.DeadLetterConfig.Arn");
            if let Some((n, p)) = &dlq {
                super::compute::failure_targets(r, n, p, inv);
            }
            let mut s = source(SourceKind::Schedule, function, schedule, at(r));
            s.on_failure = dlq.is_some();
            inv.sources.push(s);
        }
        "AWS::Events::Archive" => inv.archives.push(Archive {
            at: at(r),
            retention_days: number(t, r, "RetentionDays")
                .map(|f| f.value)
                .filter(|d| *d > 0.0),
        }),
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" | "AWS::Serverless::SimpleTable" => {
            table(t, r, inv)
        }
        "AWS::ApplicationAutoScaling::ScalableTarget" => {
            if let Some((n, _)) = r.prop("ResourceId") {
                inv.scaling_targets.push(Fact {
                    value: refs(n).into_iter().collect(),
                    at: at(r),
                });
            }
        }
        "AWS::S3::Bucket" => bucket(t, r, inv),
        "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" => {
            inv.relational.push(at(r));
            // Aurora Serverless v1 clusters are always encrypted.
            let v1 =
                text(t, r, "EngineMode").filter(|m| m.value.eq_ignore_ascii_case("serverless"));
            let stated = truthy(r, "StorageEncrypted").or(v1.map(|m| m.at));
            inv.db_storage.push(DbStorage {
                encrypted: stated.is_some(),
                at: stated.unwrap_or_else(|| at(r)),
                cmk: r.prop("KmsKeyId").map(|(n, p)| loc(r, &p, n.line)),
            });
            if let Some(l) = truthy(r, "EnableHttpEndpoint") {
                inv.data_api.push(l);
            }
        }
        "AWS::DSQL::Cluster" => {
            inv.relational.push(at(r));
            // Like a bucket's default keys, the service's own key is not counted as stated.
            let cmk = r.prop("KmsEncryptionKey").map(|(n, p)| loc(r, &p, n.line));
            inv.db_storage.push(DbStorage {
                at: cmk.clone().unwrap_or_else(|| at(r)),
                encrypted: cmk.is_some(),
                cmk,
            });
            inv.dsql.push(at(r));
        }
        "AWS::RDS::DBProxy" => inv.rds_proxies.push(at(r)),
        "AWS::ElastiCache::CacheCluster"
        | "AWS::ElastiCache::ReplicationGroup"
        | "AWS::ElastiCache::ServerlessCache"
        | "AWS::MemoryDB::Cluster"
        | "AWS::DAX::Cluster" => inv.caches.push(at(r)),
        "AWS::CloudWatch::Alarm" => alarm(r, inv),
        "AWS::CloudWatch::Dashboard" => inv.dashboards.push(at(r)),
        "AWS::Budgets::Budget" => inv.budgets.push(at(r)),
        "AWS::CE::AnomalyMonitor" | "AWS::CE::AnomalySubscription" => inv.anomaly.push(at(r)),
        "AWS::IAM::Role" => {
            inv.roles.push(at(r));
            if let Some((ps, p)) = r.prop("Policies") {
                for (i, pol) in ps.items().iter().enumerate() {
                    if let Some(st) = pol.at("PolicyDocument.Statement") {
                        statements(
                            r,
                            st,
                            &format!("{p}.{i}.PolicyDocument.Statement"),
                            false,
                            inv,
                        );
                    }
                }
            }
            managed(t, r, inv);
        }
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
            if let Some((st, p)) = r.prop("PolicyDocument.Statement") {
                statements(r, st, &p, false, inv);
            }
            managed(t, r, inv);
        }
        "AWS::KMS::Key" => {
            inv.kms_keys.push(at(r));
            if let Some((st, p)) = r.prop("KeyPolicy.Statement") {
                statements(r, st, &p, true, inv);
            }
        }
        "AWS::EC2::NatGateway" => inv.nat_gateways.push(at(r)),
        "AWS::EC2::VPCEndpoint" => inv.vpc_endpoints.push(at(r)),
        "AWS::SecretsManager::Secret" => inv.secrets.push(at(r)),
        "AWS::Logs::LogGroup" => inv.log_groups.push(LogGroup {
            at: at(r),
            refs: r.refs("LogGroupName").into_iter().collect(),
            retention_days: number(t, r, "RetentionInDays"),
        }),
        _ => {
            let known = ["AWS::", "Custom::", "Alexa::"];
            if !known.iter().any(|p| k.starts_with(p)) {
                inv.unknown_types.push(Fact {
                    value: k.to_owned(),
                    at: loc(r, "Type", r.line),
                });
            }
        }
    }
    // `{{resolve:secretsmanager:…}}` anywhere in a resource.
    if let Some(line) = super::line_of(&r.properties, "{{resolve:secretsmanager:") {
        inv.secrets.push(loc(r, "Properties", line));
    }
}

fn source(
    kind: SourceKind,
    function: Option<String>,
    schedule: Option<String>,
    at: crate::inventory::Loc,
) -> EventSource {
    EventSource {
        schedule,
        ..EventSource::new(kind, function, at)
    }
}

fn sns_source(
    t: &Template,
    r: &Resource,
    endpoint: Option<&Node>,
    path: &str,
    line: usize,
    inv: &mut Inventory,
) {
    let function = endpoint
        .and_then(|n| target(t, &refs(n), super::is_function))
        .map(|f| f.id.clone());
    let mut s = source(SourceKind::Sns, function, None, loc(r, path, line));
    s.source = Some(r.id.clone());
    inv.sources.push(s);
}

fn queue(t: &Template, r: &Resource, inv: &mut Inventory) {
    let redrive = r.prop("RedrivePolicy").map(|(n, p)| {
        let target = n
            .get("deadLetterTargetArn")
            .map(refs)
            .and_then(|ids| ids.into_iter().next())
            .unwrap_or_default();
        Fact {
            value: target,
            at: loc(r, &p, n.line),
        }
    });
    let cmk = r
        .prop("KmsMasterKeyId")
        .is_some_and(|(n, _)| n.as_str().is_none_or(|s| !s.starts_with("alias/aws/")));
    let managed = truthy(r, "SqsManagedSseEnabled").is_some()
        || text(t, r, "KmsMasterKeyId").is_some_and(|k| k.value.starts_with("alias/aws/"));
    inv.queues.push(Queue {
        at: at(r),
        fifo: truthy(r, "FifoQueue").is_some(),
        high_throughput: text(t, r, "FifoThroughputLimit")
            .is_some_and(|x| x.value == "perMessageGroupId"),
        visibility_s: Some(number_or(t, r, "VisibilityTimeout", 30.0)),
        redrive,
        sse_cmk: if cmk {
            Some(true)
        } else if managed {
            Some(false)
        } else {
            None
        },
    });
}

fn rule(t: &Template, r: &Resource, inv: &mut Inventory) {
    inv.rules.push(at(r));
    let schedule = text(t, r, "ScheduleExpression").map(|s| s.value);
    let kind = if schedule.is_some() {
        SourceKind::Schedule
    } else if r.prop("EventPattern").is_some() {
        SourceKind::EventRule
    } else {
        return;
    };
    if let Some((pattern, p)) = r.prop("EventPattern") {
        s3_through_eventbridge(r, pattern, &p, inv);
    }
    let targets = r
        .prop("Targets")
        .map(|(n, _)| n.items().to_vec())
        .unwrap_or_default();
    let functions: Vec<String> = targets
        .iter()
        .filter_map(|x| x.get("Arn"))
        .filter_map(|n| target(t, &refs(n), super::is_function))
        .map(|f| f.id.clone())
        .collect();
    if functions.is_empty() {
        inv.sources
            .push(source(kind, None, schedule.clone(), at(r)));
    }
    for x in &targets {
        if let Some(d) = x.get("DeadLetterConfig") {
            super::compute::failure_targets(r, d, "Properties.Targets", inv);
        }
    }
    for f in functions {
        let mut s = source(kind, Some(f), schedule.clone(), at(r));
        s.on_failure = targets.iter().any(|x| x.get("DeadLetterConfig").is_some());
        inv.sources.push(s);
    }
}

/// A rule whose pattern matches S3's own events (`source: aws.s3`): S3 events are an entry
/// point, delivered through EventBridge.
pub(super) fn s3_through_eventbridge(
    r: &Resource,
    pattern: &Node,
    path: &str,
    inv: &mut Inventory,
) {
    if let Some(src) = pattern.get("source")
        && src.items().iter().any(|s| s.as_str() == Some("aws.s3"))
    {
        let mut s = source(
            SourceKind::S3,
            None,
            None,
            loc(r, &format!("{path}.source"), src.line),
        );
        s.source = Some(r.id.clone());
        inv.sources.push(s);
    }
}

fn table(t: &Template, r: &Resource, inv: &mut Inventory) {
    let simple = r.kind == "AWS::Serverless::SimpleTable";
    let billing = text(t, r, "BillingMode").or_else(|| {
        Some(Fact {
            value: if simple && r.prop("ProvisionedThroughput").is_none() {
                "PAY_PER_REQUEST".to_owned()
            } else {
                "PROVISIONED".to_owned()
            },
            at: loc(r, "Properties.BillingMode", 0),
        })
    });
    let sse = r.prop("SSESpecification").map(|(n, _)| n);
    let sse_cmk = sse.and_then(|n| {
        if n.get("KMSMasterKeyId").is_some() {
            Some(true)
        } else if n.get("SSEEnabled").and_then(Node::as_bool) == Some(true) {
            Some(false)
        } else {
            None
        }
    });
    inv.tables.push(Table {
        at: at(r),
        billing,
        pitr: truthy(
            r,
            "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
        ),
        deletion_protection: truthy(r, "DeletionProtectionEnabled").is_some(),
        sse_cmk,
        autoscaling: false,
    });
}

fn bucket(t: &Template, r: &Resource, inv: &mut Inventory) {
    let versioning = r
        .prop("VersioningConfiguration.Status")
        .filter(|(n, _)| n.as_str() == Some("Enabled"))
        .map(|(n, p)| loc(r, &p, n.line));
    let sse_kms = r
        .prop("BucketEncryption")
        .map(|(n, _)| mentions(n, "KMSMasterKeyID"));
    inv.buckets.push(Bucket {
        at: at(r),
        versioning,
        sse_kms,
    });
    if let Some(l) = truthy(
        r,
        "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled",
    ) {
        // Its events go to EventBridge, where rules start the work: still S3 events.
        let mut s = source(SourceKind::S3, None, None, l);
        s.source = Some(r.id.clone());
        inv.sources.push(s);
    }
    if let Some((cfgs, p)) = r.prop("NotificationConfiguration.LambdaConfigurations") {
        for c in cfgs.items() {
            let function = c
                .get("Function")
                .and_then(|n| target(t, &refs(n), super::is_function))
                .map(|f| f.id.clone());
            let mut s = source(SourceKind::S3, function, None, loc(r, &p, c.line));
            s.source = Some(r.id.clone());
            inv.sources.push(s);
        }
    }
}

fn alarm(r: &Resource, inv: &mut Inventory) {
    let mut a = Alarm {
        at: r
            .prop("MetricName")
            .or_else(|| r.prop("Metrics"))
            .map_or_else(|| at(r), |(n, p)| loc(r, &p, n.line)),
        ..Alarm::default()
    };
    if let Some((n, _)) = r.prop("MetricName") {
        a.metrics.extend(n.as_str().map(str::to_owned));
    }
    if let Some((ms, _)) = r.prop("Metrics") {
        for m in ms.items() {
            if let Some(name) = m.at("MetricStat.Metric.MetricName").and_then(Node::as_str) {
                a.metrics.push(name.to_owned());
            }
            if let Some(d) = m.at("MetricStat.Metric.Dimensions") {
                a.watches.extend(refs(d));
            }
        }
    }
    if let Some((d, _)) = r.prop("Dimensions") {
        a.watches.extend(refs(d));
    }
    a.routed = r
        .prop("AlarmActions")
        .is_some_and(|(n, _)| !n.items().is_empty());
    for key in ["AlarmActions", "OKActions", "InsufficientDataActions"] {
        if let Some((n, p)) = r.prop(key) {
            for id in refs(n) {
                inv.alarm_topics.push(Fact {
                    value: id,
                    at: loc(r, &p, n.line),
                });
            }
        }
    }
    inv.alarms.push(a);
}

fn managed(t: &Template, r: &Resource, inv: &mut Inventory) {
    if let Some((arns, p)) = r.prop("ManagedPolicyArns") {
        for a in arns.items() {
            if matches!(a.intrinsic(), Some(("Ref", x)) if x.as_str().is_some_and(|id| t.get(id).is_some()))
            {
                continue; // A policy of this template: its statements are read with it.
            }
            let mut texts = Vec::new();
            scalars(a, &mut texts);
            inv.managed_policies.push(Fact {
                value: texts.concat(),
                at: loc(r, &p, a.line),
            });
        }
    }
}

/// Policy statements (`Statement` as a list or a single map).
pub(super) fn statements(
    r: &Resource,
    st: &Node,
    path: &str,
    key_policy: bool,
    inv: &mut Inventory,
) {
    let list: Vec<&Node> = match &st.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Map(_) => vec![st],
        _ => return,
    };
    for (i, s) in list.into_iter().enumerate() {
        let strings = |key: &str| -> Vec<String> {
            s.get(key)
                .map(|n| {
                    n.items()
                        .iter()
                        .map(|x| {
                            x.as_str()
                                .map_or_else(|| "<computed>".to_owned(), str::to_owned)
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        inv.statements.push(Statement {
            at: loc(r, &format!("{path}.{i}"), s.line),
            allow: s.get("Effect").and_then(Node::as_str) != Some("Deny"),
            actions: strings("Action"),
            resources: strings("Resource"),
            key_policy,
        });
    }
}
