//! One test (or a few) per row of the mapping table: a small template in, the answer and the
//! line of its evidence out. The line is the one marked `# <-` in the template.

use serde_json::json;

use crate::{answer, check, check_value, import, lines, open};

const PY: &str = r#"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12 # <-
"#;

#[test]
fn runtime_python_comes_from_the_runtime_line() {
    check(PY, "runtime", json!("python"));
}

#[test]
fn runtime_java_with_snapstart_on_published_versions_is_java_snapstart() {
    check(
        r#"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: java21 # <-
      SnapStart:
        ApplyOn: PublishedVersions
"#,
        "runtime",
        json!("java_snapstart"),
    );
}

#[test]
fn a_custom_runtime_is_rust_only_with_cargo_lambda() {
    check(
        r#"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
    Properties:
      Runtime: provided.al2023 # <-
"#,
        "runtime",
        json!("rust"),
    );
    open(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: provided.al2023\n",
        "runtime",
    );
}

#[test]
fn runtime_is_the_majority_and_a_tie_stays_open() {
    let fns = |rts: &[&str]| {
        let mut t = String::from("Resources:\n");
        for (i, r) in rts.iter().enumerate() {
            t += &format!(
                "  F{i}:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: {r}\n"
            );
        }
        t
    };
    check(
        &fns(&["python3.12", "nodejs22.x", "python3.11"]),
        "runtime",
        json!("python"),
    );
    open(&fns(&["python3.12", "nodejs22.x"]), "runtime");
}

#[test]
fn architecture_defaults_to_x86_64_and_disagreement_stays_open() {
    let i = import(PY);
    assert_eq!(answer(&i, "architecture"), Some(json!("x86_64")));
    assert_eq!(
        lines(&i, "architecture"),
        [0],
        "a default is written nowhere"
    );
    check(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Architectures: [arm64] # <-\n",
        "architecture",
        json!("arm64"),
    );
    open(
        "Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties:\n      Architectures: [arm64]\n  B:\n    Type: AWS::Lambda::Function\n",
        "architecture",
    );
}

#[test]
fn memory_is_the_largest_function_s() {
    check(
        r#"
Resources:
  Small:
    Type: AWS::Lambda::Function
    Properties:
      MemorySize: 256
  Big:
    Type: AWS::Lambda::Function
    Properties:
      MemorySize: 1769 # <-
"#,
        "memory_mb",
        json!(1769),
    );
    let i = import(PY);
    assert_eq!(
        answer(&i, "memory_mb"),
        Some(json!(128)),
        "Lambda's default"
    );
}

#[test]
fn reserved_concurrency_is_the_sum_over_functions_that_set_it() {
    check(
        r#"
Resources:
  A:
    Type: AWS::Lambda::Function
    Properties:
      ReservedConcurrentExecutions: 10 # <-
  B:
    Type: AWS::Lambda::Function
    Properties:
      ReservedConcurrentExecutions: 15
  C:
    Type: AWS::Lambda::Function
"#,
        "reserved_concurrency",
        json!(25),
    );
    open(PY, "reserved_concurrency");
}

#[test]
fn provisioned_concurrency_is_a_cold_start_mitigation() {
    check(
        r#"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      AutoPublishAlias: live
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 5 # <-
"#,
        "cold_start_mitigation",
        json!(["provisioned_concurrency"]),
    );
    open(PY, "cold_start_mitigation");
}

#[test]
fn vpc_networking_follows_nat_and_endpoints() {
    check_value(PY, "vpc_networking", json!("no_vpc"));
    let vpc = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      VpcConfig:\n        SubnetIds: [a]\n";
    open(vpc, "vpc_networking");
    check(
        &format!("{vpc}  Nat: # <-\n    Type: AWS::EC2::NatGateway\n"),
        "vpc_networking",
        json!("vpc_nat"),
    );
    check(
        &format!("{vpc}  Ep: # <-\n    Type: AWS::EC2::VPCEndpoint\n"),
        "vpc_networking",
        json!("vpc_endpoints"),
    );
}

#[test]
fn a_budget_answers_budget_alarm_and_anomaly_detection_adds_to_it() {
    let budget = "Resources:\n  B: # <-\n    Type: AWS::Budgets::Budget\n";
    check(budget, "budget_alarm", json!("budget_only"));
    check(
        &format!("{budget}  M:\n    Type: AWS::CE::AnomalyMonitor\n"),
        "budget_alarm",
        json!("budget_and_anomaly"),
    );
    open(PY, "budget_alarm");
}

#[test]
fn deploy_strategy_reads_deployment_preference_and_aliases() {
    check(
        r#"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      AutoPublishAlias: live
      DeploymentPreference: # <-
        Type: Canary10Percent5Minutes
        Alarms: [!Ref ErrorsAlarm]
"#,
        "deploy_strategy",
        json!("canary_with_alarms"),
    );
    check(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      AutoPublishAlias: live # <-\n",
        "deploy_strategy",
        json!("all_at_once_alias"),
    );
    check_value(PY, "deploy_strategy", json!("all_at_once"));
}

#[test]
fn rollback_is_automatic_only_with_deployment_alarms() {
    check(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      DeploymentPreference: # <-\n        Type: Linear10PercentEvery1Minute\n        Alarms: [A]\n",
        "rollback",
        json!("automatic"),
    );
    open(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      DeploymentPreference:\n        Type: AllAtOnce\n",
        "rollback",
    );
}

#[test]
fn json_log_format_on_every_function_is_json_only() {
    check(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      LoggingConfig:\n        LogFormat: JSON # <-\n",
        "structured_logging",
        json!("json_only"),
    );
    open(PY, "structured_logging");
}

#[test]
fn log_level_from_a_parameter_is_configurable_and_a_literal_is_fixed() {
    check(
        r#"
Parameters:
  Level:
    Type: String
    Default: INFO
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          POWERTOOLS_LOG_LEVEL: !Ref Level # <-
"#,
        "log_level",
        json!("configurable"),
    );
    check(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      LoggingConfig:\n        ApplicationLogLevel: DEBUG # <-\n",
        "log_level",
        json!("fixed_debug"),
    );
    check(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Environment:\n        Variables:\n          LOG_LEVEL: INFO # <-\n",
        "log_level",
        json!("fixed_info"),
    );
}

#[test]
fn tracing_is_xray_otel_or_none() {
    check(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      TracingConfig:\n        Mode: Active # <-\n",
        "tracing",
        json!("xray"),
    );
    check(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Layers:\n        - arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-python-arm64-ver-1-25-0:1 # <-\n",
        "tracing",
        json!("otel"),
    );
    check(
        "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      TracingConfiguration:\n        Enabled: true # <-\n  Fn:\n    Type: AWS::Lambda::Function\n",
        "tracing",
        json!("xray"),
    );
    check_value(PY, "tracing", json!("none"));
}

#[test]
fn alarms_map_their_metrics_and_actions() {
    check(
        r#"
Resources:
  A:
    Type: AWS::CloudWatch::Alarm
    Properties:
      MetricName: Errors # <-
      AlarmActions: [!Ref Topic]
  B:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Metrics:
        - Id: m
          MetricStat:
            Metric:
              MetricName: ApproximateAgeOfOldestMessage
"#,
        "alarms",
        json!(["backlog", "errors", "routed_oncall"]),
    );
    open(PY, "alarms");
}

#[test]
fn log_retention_reads_each_function_s_log_group() {
    let group = r#"
Resources:
  Fn:
    Type: AWS::Lambda::Function
  FnLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/aws/lambda/${Fn}"
      RetentionInDays: 30 # <-
"#;
    check(group, "log_retention", json!("set_everywhere"));
    check(
        &format!("{group}  Other:\n    Type: AWS::Lambda::Function\n"),
        "log_retention",
        json!("some_groups"),
    );
    check_value(PY, "log_retention", json!("never_expire"));
    // Through LoggingConfig.LogGroup too.
    check(
        r#"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      LoggingConfig:
        LogGroup: !Ref Logs
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 7 # <-
"#,
        "log_retention",
        json!("set_everywhere"),
    );
}

#[test]
fn a_dashboard_is_noted_but_not_answered() {
    let i = import("Resources:\n  D:\n    Type: AWS::CloudWatch::Dashboard\n");
    assert_eq!(answer(&i, "dashboards"), None);
    assert!(
        i.evidence
            .iter()
            .any(|e| e.question == "dashboards" && e.value.is_none() && e.line == 2),
        "{:#?}",
        i.evidence
    );
}

#[test]
fn messaging_lists_what_is_declared_and_none_when_nothing_is() {
    check(
        r#"
Resources:
  Q: # <-
    Type: AWS::SQS::Queue
  S:
    Type: AWS::Kinesis::Stream
  M:
    Type: AWS::Serverless::StateMachine
  Bus:
    Type: AWS::Events::EventBus
"#,
        "messaging",
        json!(["eventbridge", "kinesis", "sqs", "step_functions"]),
    );
    check_value(PY, "messaging", json!(["none"]));
    // A topic that only alarms notify is not the workload's messaging.
    check(
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n  A:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      AlarmActions: [!Ref T]\n  Fn:\n    Type: AWS::Lambda::Function\n",
        "messaging",
        json!(["none"]),
    );
}

const QUEUE_WORKER: &str = r#"
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60 # <-
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
        maxReceiveCount: 5
  Dlq:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: 20
  Map:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: !GetAtt Q.Arn
      BatchSize: 25
      FunctionResponseTypes: [ReportBatchItemFailures]
      ScalingConfig:
        MaximumConcurrency: 5
"#;

#[test]
fn an_event_source_mapping_feeds_the_function_it_names() {
    let i = import(QUEUE_WORKER);
    assert_eq!(answer(&i, "sqs_visibility_timeout_s"), Some(json!(60)));
    assert_eq!(lines(&i, "sqs_visibility_timeout_s"), [6]);
    assert_eq!(answer(&i, "queue_consumer_timeout_s"), Some(json!(20)));
    assert_eq!(lines(&i, "queue_consumer_timeout_s"), [15]);
    assert_eq!(answer(&i, "batch_size"), Some(json!(25)));
    assert_eq!(answer(&i, "entry_point"), Some(json!(["queue"])));
    assert_eq!(answer(&i, "sqs_queue_type"), Some(json!("standard")));
}

#[test]
fn failure_paths_and_downstream_protection_read_the_mapping_and_queues() {
    let i = import(QUEUE_WORKER);
    assert_eq!(
        answer(&i, "failure_paths"),
        Some(json!(["dlq_everywhere", "partial_batch"]))
    );
    assert_eq!(
        answer(&i, "downstream_protection"),
        Some(json!(["esm_max_concurrency"]))
    );
    let alarmed = format!(
        "{QUEUE_WORKER}  DlqAlarm:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      MetricName: ApproximateNumberOfMessagesVisible\n      Dimensions:\n        - Name: QueueName\n          Value: !GetAtt Dlq.QueueName\n"
    );
    let i = import(&alarmed);
    assert_eq!(
        answer(&i, "failure_paths"),
        Some(json!(["alarms_on_dlq", "dlq_everywhere", "partial_batch"]))
    );
}

#[test]
fn an_async_function_with_an_on_failure_destination_has_on_failure_destinations() {
    check(
        r#"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      EventInvokeConfig:
        DestinationConfig:
          OnFailure: # <-
            Type: SQS
            Destination: !GetAtt Failed.Arn
  Failed:
    Type: AWS::SQS::Queue
"#,
        "failure_paths",
        json!(["on_failure_destinations"]),
    );
}

#[test]
fn fifo_queues_give_ordering_and_queue_type() {
    let fifo = "Resources:\n  Q: # <-\n    Type: AWS::SQS::Queue\n    Properties:\n      FifoQueue: true\n";
    check(fifo, "ordering", json!("per_key"));
    check(fifo, "sqs_queue_type", json!("fifo"));
    check(
        &format!("{fifo}      FifoThroughputLimit: perMessageGroupId\n"),
        "sqs_queue_type",
        json!("fifo_high_throughput"),
    );
    open("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n", "ordering");
}

#[test]
fn kinesis_rows_read_shards_consumers_and_retention() {
    let stream = r#"
Resources:
  S:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 4 # <-
      RetentionPeriodHours: 168
  Fn:
    Type: AWS::Lambda::Function
  Map:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: !GetAtt S.Arn
"#;
    check(stream, "kinesis_shards", json!(4));
    check_value(stream, "kinesis_consumer_mode", json!("shared"));
    check_value(stream, "event_replay", json!("replay_window"));
    check_value(stream, "replay_window_days", json!(7));
    check_value(stream, "entry_point", json!(["stream"]));
    check(
        "Resources:\n  C: # <-\n    Type: AWS::Kinesis::StreamConsumer\n",
        "kinesis_consumer_mode",
        json!("enhanced_fan_out"),
    );
    open(
        "Resources:\n  S:\n    Type: AWS::Kinesis::Stream\n    Properties:\n      StreamModeDetails:\n        StreamMode: ON_DEMAND\n",
        "kinesis_shards",
    );
}

#[test]
fn an_archive_without_retention_keeps_the_full_history() {
    check(
        "Resources:\n  A: # <-\n    Type: AWS::Events::Archive\n",
        "event_replay",
        json!("full_history"),
    );
    let i = import(
        "Resources:\n  A:\n    Type: AWS::Events::Archive\n    Properties:\n      RetentionDays: 14\n",
    );
    assert_eq!(answer(&i, "event_replay"), Some(json!("replay_window")));
    assert_eq!(answer(&i, "replay_window_days"), Some(json!(14)));
}

#[test]
fn iam_roles_are_per_function_shared_or_broad() {
    check(
        "Resources:\n  A:\n    Type: AWS::Serverless::Function\n  B: # <-\n    Type: AWS::Serverless::Function\n",
        "iam_roles",
        json!("per_function"),
    );
    let shared = r#"
Resources:
  Role:
    Type: AWS::IAM::Role
  A:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn # <-
  B:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
"#;
    check(shared, "iam_roles", json!("shared_scoped"));
    check(
        &format!(
            "{shared}  Pol:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Effect: Allow # <-\n            Action: 's3:*'\n            Resource: '*'\n"
        )
        .replace("Role.Arn # <-", "Role.Arn"),
        "iam_roles",
        json!("broad"),
    );
    check(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n        - AdministratorAccess # <-\n",
        "iam_roles",
        json!("broad"),
    );
}

#[test]
fn a_kms_key_policy_granting_the_account_everything_is_not_broad_iam() {
    let i = import(
        "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - Effect: Allow\n            Action: 'kms:*'\n            Resource: '*'\n  Fn:\n    Type: AWS::Serverless::Function\n",
    );
    assert_eq!(answer(&i, "iam_roles"), Some(json!("per_function")));
}

#[test]
fn secrets_come_from_secrets_manager_or_plain_variables() {
    check(
        "Resources:\n  S: # <-\n    Type: AWS::SecretsManager::Secret\n",
        "secrets_handling",
        json!("secrets_manager"),
    );
    check(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Environment:\n        Variables:\n          DB_PASSWORD: hunter2 # <-\n",
        "secrets_handling",
        json!("env_vars"),
    );
    check(
        "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      MasterUserPassword: '{{resolve:secretsmanager:db:SecretString:password}}' # <-\n",
        "secrets_handling",
        json!("secrets_manager"),
    );
}

const HTTP_API: &str = r#"
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            JwtConfiguration:
              issuer: https://example.com
      DefaultRouteSettings:
        ThrottlingBurstLimit: 100
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /items
            Method: get
        Health: # <-
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /health
            Method: get
            Auth:
              Authorizer: NONE
"#;

#[test]
fn edge_auth_is_read_per_route() {
    check(HTTP_API, "edge_auth", json!(["jwt_or_iam", "open_routes"]));
    let i = import(HTTP_API);
    assert_eq!(answer(&i, "entry_point"), Some(json!(["http_api"])));
}

#[test]
fn waf_follows_associations_throttling_and_private_endpoints() {
    check_value(HTTP_API, "waf", json!("throttling_only"));
    check(
        &format!("{HTTP_API}  Waf: # <-\n    Type: AWS::WAFv2::WebACLAssociation\n")
            .replace("Health: # <-", "Health:"),
        "waf",
        json!("waf_managed"),
    );
    check(
        "Resources:\n  Api: # <-\n    Type: AWS::ApiGateway::RestApi\n",
        "waf",
        json!("none"),
    );
    check(
        "Resources:\n  Api: # <-\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n      EndpointConfiguration:\n        Types: [PRIVATE]\n",
        "waf",
        json!("private_only"),
    );
}

#[test]
fn a_lambda_authorizer_on_a_rest_method_is_read() {
    check(
        "Resources:\n  M: # <-\n    Type: AWS::ApiGateway::Method\n    Properties:\n      HttpMethod: GET\n      AuthorizationType: CUSTOM\n",
        "edge_auth",
        json!(["lambda_authorizer"]),
    );
}

#[test]
fn encryption_tells_customer_keys_from_managed_ones() {
    check(
        "Resources:\n  Q: # <-\n    Type: AWS::SQS::Queue\n    Properties:\n      SqsManagedSseEnabled: true\n",
        "encryption",
        json!(["at_rest"]),
    );
    check(
        "Resources:\n  K: # <-\n    Type: AWS::KMS::Key\n",
        "encryption",
        json!(["customer_keys"]),
    );
}

#[test]
fn data_stores_capacity_connections_and_backups() {
    let t = r#"
Resources:
  T: # <-
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: true
  B:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration:
        Status: Enabled
"#;
    check(t, "data_store", json!(["dynamodb", "s3"]));
    check_value(t, "dynamodb_capacity_mode", json!("on_demand"));
    check_value(t, "backups", json!(["pitr", "versioning"]));
    let provisioned = "Resources:\n  T: # <-\n    Type: AWS::DynamoDB::Table\n";
    check(
        provisioned,
        "dynamodb_capacity_mode",
        json!("provisioned_fixed"),
    );
    check(
        &format!(
            "{provisioned}  Scale:\n    Type: AWS::ApplicationAutoScaling::ScalableTarget\n    Properties:\n      ResourceId: !Sub table/${{T}}\n"
        ),
        "dynamodb_capacity_mode",
        json!("provisioned_autoscaling"),
    );
    check(
        "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n  P: # <-\n    Type: AWS::RDS::DBProxy\n",
        "db_connections",
        json!("rds_proxy"),
    );
    check(
        "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n    Properties:\n      EnableHttpEndpoint: true # <-\n",
        "db_connections",
        json!("data_api"),
    );
}

#[test]
fn workflows_read_their_type_and_waits() {
    let t = r#"
Resources:
  M: # <-
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: EXPRESS
      Definition:
        StartAt: Wait
        States:
          Wait:
            Type: Wait
            Seconds: 10
            Next: Ask
          Ask:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage.waitForTaskToken
            End: true
"#;
    check(t, "workflow_waits", json!(["external_callback", "timer"]));
    let i = import(t);
    assert_eq!(answer(&i, "workflow_type"), Some(json!("express")));
    let std = import("Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n");
    assert_eq!(answer(&std, "workflow_type"), Some(json!("standard")));
}

#[test]
fn entry_points_and_schedules() {
    let t = r#"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Hourly:
          Type: Schedule
          Properties:
            Schedule: rate(1 hour)
        Often: # <-
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(5 minutes)
        Nightly:
          Type: Schedule
          Properties:
            Schedule: cron(0 2 * * ? *)
        Uploads:
          Type: S3
          Properties:
            Bucket: !Ref B
            Events: s3:ObjectCreated:*
        Orders:
          Type: EventBridgeRule
          Properties:
            Pattern:
              source: [orders]
  B:
    Type: AWS::S3::Bucket
"#;
    check(t, "schedule_interval_min", json!(5));
    check(
        t,
        "entry_point",
        json!(["event_bus", "s3_events", "schedule"]),
    );
    open(
        "Resources:\n  R:\n    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: cron(0 2 * * ? *)\n",
        "schedule_interval_min",
    );
}

// Rules the real projects (tests/projects) showed were read wrong.

#[test]
fn a_topic_only_deployments_or_budgets_notify_is_not_messaging() {
    check_value(
        r#"
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      AutoPublishAlias: live
      DeploymentPreference:
        Type: AllAtOnce
        TriggerConfigurations:
          - TriggerTargetArn: !Ref Alerts
            TriggerName: deploys
            TriggerEvents: [DeploymentFailure]
"#,
        "messaging",
        json!(["none"]),
    );
    check_value(
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n  G:\n    Type: AWS::CodeDeploy::DeploymentGroup\n    Properties:\n      TriggerConfigurations:\n        - TriggerTargetArn: !Ref T\n  B:\n    Type: AWS::Budgets::Budget\n    Properties:\n      NotificationsWithSubscribers:\n        - Subscribers:\n            - SubscriptionType: SNS\n              Address: !Ref U\n  U:\n    Type: AWS::SNS::Topic\n  Fn:\n    Type: AWS::Lambda::Function\n",
        "messaging",
        json!(["none"]),
    );
    // A topic the workload publishes to is still messaging.
    check_value(
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n  Fn:\n    Type: AWS::Lambda::Function\n",
        "messaging",
        json!(["sns"]),
    );
}

#[test]
fn a_customer_key_on_every_store_is_at_rest_too_and_one_bare_store_leaves_at_rest_open() {
    check(
        r#"
Resources:
  Key:
    Type: AWS::KMS::Key
  Topic: # <-
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: !Ref Key
"#,
        "encryption",
        json!(["at_rest", "customer_keys"]),
    );
    // A table that states no encryption: at rest on every store is not shown.
    check_value(
        "Resources:\n  Key:\n    Type: AWS::KMS::Key\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      KmsMasterKeyId: !Ref Key\n  Table:\n    Type: AWS::DynamoDB::Table\n",
        "encryption",
        json!(["customer_keys"]),
    );
    open(
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      SqsManagedSseEnabled: true\n  B:\n    Type: AWS::SQS::Queue\n",
        "encryption",
    );
}

const OPENAPI: &str = r#"openapi: "3.0.1"
paths:
  /items:
    get: # <-
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
    post:
      security:
        - Auth: []
      x-amazon-apigateway-integration:
        type: aws_proxy
    options:
      x-amazon-apigateway-integration:
        type: mock
components:
  securitySchemes:
    Auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: request
"#;

#[test]
fn routes_in_an_inline_openapi_body_are_read_with_their_security() {
    let body: String = OPENAPI.lines().map(|l| format!("        {l}\n")).collect();
    let t = format!(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      DefinitionBody:\n{body}"
    );
    check(&t, "edge_auth", json!(["lambda_authorizer", "open_routes"]));
    // The API's default authoriser covers the operations that say nothing.
    let t = t.replace(
        "      DefinitionBody:",
        "      Auth:\n        DefaultAuthorizer: Jwt\n        Authorizers:\n          Jwt:\n            JwtConfiguration: {}\n      DefinitionBody:",
    );
    check_value(&t, "edge_auth", json!(["jwt_or_iam", "lambda_authorizer"]));
    // A plain RestApi's Body reads the same; a document-wide `security` applies to every route.
    check_value(
        "Resources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n      Body:\n        security:\n          - Iam: []\n        securityDefinitions:\n          Iam:\n            type: apiKey\n            x-amazon-apigateway-authtype: awsSigv4\n        paths:\n          /:\n            get: {}\n",
        "edge_auth",
        json!(["jwt_or_iam"]),
    );
}

#[test]
fn an_openapi_file_the_template_includes_is_read_at_its_own_lines() {
    for body in [
        "      DefinitionBody:\n        Fn::Transform:\n          Name: AWS::Include\n          Parameters:\n            Location: ./api/openapi.yaml\n",
        "      DefinitionUri: api/openapi.yaml\n",
    ] {
        let t = format!(
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n{body}"
        );
        let i = iac::import(
            &[
                crate::doc("proj/template.yaml", &t),
                crate::doc("proj/api/openapi.yaml", OPENAPI),
            ],
            "T",
        )
        .unwrap();
        assert_eq!(
            answer(&i, "edge_auth"),
            Some(json!(["lambda_authorizer", "open_routes"])),
            "{body}"
        );
        let open_route = i
            .evidence
            .iter()
            .find(|e| e.question == "edge_auth" && e.reason.contains("no authorisation"))
            .unwrap();
        assert_eq!(
            (open_route.file.as_str(), open_route.line),
            ("proj/api/openapi.yaml", crate::marked(OPENAPI).unwrap()),
        );
    }
}

#[test]
fn log_retention_without_functions_reads_the_declared_log_groups() {
    let t = "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n  Logs: # <-\n    Type: AWS::Logs::LogGroup\n";
    check(t, "log_retention", json!("never_expire"));
    check_value(
        &format!(
            "{t}  Kept:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      RetentionInDays: 7\n"
        ),
        "log_retention",
        json!("some_groups"),
    );
    open(
        "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n",
        "log_retention",
    );
}

#[test]
fn a_definition_read_whole_with_no_wait_waits_for_nothing() {
    check(
        r#"
Resources:
  M:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition: # <-
        StartAt: Put
        States:
          Put:
            Type: Task
            Resource: arn:aws:states:::dynamodb:putItem
            End: true
"#,
        "workflow_waits",
        json!(["nothing"]),
    );
    // Text with spaces around its colons is read as JSON, not searched.
    check_value(
        "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      DefinitionString: !Sub '{\"StartAt\": \"W\", \"States\": {\"W\": {\"Type\" : \"Wait\", \"Seconds\": 5, \"End\": true}}}'\n",
        "workflow_waits",
        json!(["timer"]),
    );
    // An activity waits for its worker.
    check_value(
        "Resources:\n  A:\n    Type: AWS::StepFunctions::Activity\n  M:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Definition:\n        StartAt: T\n        States:\n          T:\n            Type: Task\n            Resource: !Ref A\n            End: true\n",
        "workflow_waits",
        json!(["external_callback"]),
    );
    // A definition in S3, or built around references, is not read whole.
    open(
        "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      DefinitionS3Location:\n        Bucket: b\n        Key: k\n",
        "workflow_waits",
    );
    open(
        "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      DefinitionString: !Join ['', ['{\"StartAt\": \"T\", \"States\": {\"T\": ', !Ref States, '}}']]\n",
        "workflow_waits",
    );
}

#[test]
fn s3_events_through_eventbridge_are_an_s3_entry_point() {
    check(
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      NotificationConfiguration:\n        EventBridgeConfiguration:\n          EventBridgeEnabled: true # <-\n",
        "entry_point",
        json!(["s3_events"]),
    );
    check(
        r#"
Resources:
  M:
    Type: AWS::Serverless::StateMachine
    Properties:
      Events:
        Uploads:
          Type: EventBridgeRule
          Properties:
            Pattern:
              source: [aws.s3] # <-
              detail-type: [Object Created]
"#,
        "entry_point",
        json!(["event_bus", "s3_events"]),
    );
    check_value(
        "Resources:\n  R:\n    Type: AWS::Events::Rule\n    Properties:\n      EventPattern:\n        source: [aws.s3]\n",
        "entry_point",
        json!(["event_bus", "s3_events"]),
    );
}

#[test]
fn aws_managed_full_access_policies_are_broad() {
    check(
        r#"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - AmazonS3FullAccess # <-
        - DynamoDBCrudPolicy:
            TableName: t
"#,
        "iam_roles",
        json!("broad"),
    );
    let role = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !GetAtt R.Arn\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      ManagedPolicyArns:\n        - POLICY\n  S3FullAccess:\n    Type: AWS::IAM::ManagedPolicy\n";
    let i = import(&role.replace(
        "POLICY",
        "!Sub arn:${AWS::Partition}:iam::aws:policy/AWSStepFunctionsFullAccess",
    ));
    assert_eq!(answer(&i, "iam_roles"), Some(json!("broad")));
    assert!(
        i.findings
            .iter()
            .any(|f| f.id == "wildcard_iam" && f.resource == "R" && f.line == 10),
        "{:#?}",
        i.findings
    );
    // A policy of the account's own, or one of the template's, is not an AWS managed one.
    for own in [
        "arn:aws:iam::123456789012:policy/TeamFullAccess",
        "!Ref S3FullAccess",
    ] {
        let i = import(&role.replace("POLICY", own));
        assert_eq!(
            answer(&i, "iam_roles"),
            Some(json!("per_function")),
            "{own}"
        );
        assert!(!i.findings.iter().any(|f| f.id == "wildcard_iam"), "{own}");
    }
}

#[test]
fn an_alarm_on_messages_reaching_a_dead_letter_queue_watches_the_backlog() {
    let t = r#"
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
  Dlq:
    Type: AWS::SQS::Queue
  DlqAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      MetricName: NumberOfMessagesSent # <-
      Dimensions:
        - Name: QueueName
          Value: !GetAtt Dlq.QueueName
"#;
    check(t, "alarms", json!(["backlog"]));
    check_value(
        t,
        "failure_paths",
        json!(["alarms_on_dlq", "dlq_everywhere"]),
    );
    // Messages sent to a work queue are traffic, not backlog.
    open(&t.replace("Dlq.QueueName", "Q.QueueName"), "alarms");
}

#[test]
fn a_function_on_a_capacity_provider_runs_in_its_vpc() {
    let t = r#"
Resources:
  Provider:
    Type: AWS::Serverless::CapacityProvider
    Properties:
      VpcConfig: # <-
        SubnetIds: [!Ref Subnet]
  Nat:
    Type: AWS::EC2::NatGateway
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CapacityProviderConfig:
        Arn: !GetAtt Provider.Arn
"#;
    check(t, "vpc_networking", json!("vpc_nat"));
    // CloudFormation's own form.
    check_value(
        &t.replace("AWS::Serverless::CapacityProvider", "AWS::Lambda::CapacityProvider")
            .replace("AWS::Serverless::Function", "AWS::Lambda::Function")
            .replace(
                "        Arn: !GetAtt Provider.Arn",
                "        LambdaManagedInstancesCapacityProviderConfig:\n          CapacityProviderArn: !GetAtt Provider.Arn",
            ),
        "vpc_networking",
        json!("vpc_nat"),
    );
}

#[test]
fn a_database_s_storage_encryption_counts_as_at_rest() {
    check(
        r#"
Resources:
  Db:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      StorageEncrypted: true # <-
"#,
        "encryption",
        json!(["at_rest"]),
    );
    // Aurora Serverless v1 is always encrypted: the engine mode is the evidence.
    check(
        "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n    Properties:\n      EngineMode: serverless # <-\n",
        "encryption",
        json!(["at_rest"]),
    );
    // A customer key on the cluster.
    check_value(
        "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      StorageEncrypted: true\n      KmsKeyId: !Ref Key\n  Key:\n    Type: AWS::KMS::Key\n",
        "encryption",
        json!(["at_rest", "customer_keys"]),
    );
    // An encrypted table beside a database that states nothing: at rest is not shown.
    open(
        "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      SSESpecification:\n        SSEEnabled: true\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: postgres\n",
        "encryption",
    );
}
