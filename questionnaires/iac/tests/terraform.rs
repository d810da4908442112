//! The Terraform reader: one test per resource family (a small `.tf` in, answers, facts and
//! their lines out), static evaluation (variables, locals, `jsonencode`, `file`), what stays
//! unknown and how it is noted, and hostile HCL.

#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use serde_json::{Value, json};

/// Imports files: `.tf` as Terraform, anything else as a document beside it.
fn tf(files: &[(&str, &str)]) -> iac::Import {
    try_tf(files).unwrap()
}

fn try_tf(files: &[(&str, &str)]) -> Result<iac::Import, iac::Error> {
    let inputs: Vec<iac::Input> = files
        .iter()
        .map(|(name, text)| {
            if name.ends_with(".tf") {
                iac::Input::Terraform {
                    name: (*name).to_owned(),
                    text: (*text).to_owned(),
                    explicit: true,
                }
            } else {
                iac::Input::Document {
                    name: (*name).to_owned(),
                    text: (*text).to_owned(),
                    explicit: false,
                }
            }
        })
        .collect();
    iac::import(&inputs, "Test")
}

fn main_tf(text: &str) -> iac::Import {
    tf(&[("infra/main.tf", text)])
}

fn answer(i: &iac::Import, q: &str) -> Option<Value> {
    i.answers.get(q).cloned()
}

/// `file:line` of each evidence entry that supports the answer to `q`.
fn cited(i: &iac::Import, q: &str) -> Vec<String> {
    i.evidence
        .iter()
        .filter(|e| e.question == q && e.value.is_some())
        .map(|e| format!("{}:{}", e.file, e.line))
        .collect()
}

/// The evidence of `q` as `resource path` pairs.
fn paths(i: &iac::Import, q: &str) -> Vec<String> {
    i.evidence
        .iter()
        .filter(|e| e.question == q)
        .map(|e| format!("{} {}", e.resource, e.path))
        .collect()
}

/// Notes as `file:line message`.
fn notes(i: &iac::Import) -> Vec<String> {
    i.findings
        .iter()
        .filter(|f| f.severity == iac::Severity::Note)
        .map(|f| format!("{}:{} {}", f.file, f.line, f.message))
        .collect()
}

/// Findings (not notes) as `id resource:line`.
fn findings(i: &iac::Import) -> Vec<String> {
    i.findings
        .iter()
        .filter(|f| f.severity != iac::Severity::Note)
        .map(|f| format!("{} {}:{}", f.id, f.resource, f.line))
        .collect()
}

#[test]
fn a_function_gives_its_runtime_memory_architecture_tracing_and_logging_with_lines() {
    let i = main_tf(
        r#"resource "aws_lambda_function" "api" {
  function_name = "api"
  runtime       = "python3.12"
  architectures = ["arm64"]
  memory_size   = 1024
  timeout       = 20
  reserved_concurrent_executions = 5
  tracing_config {
    mode = "Active"
  }
  logging_config {
    log_format            = "JSON"
    application_log_level = "DEBUG"
  }
  role = aws_iam_role.api.arn
}

resource "aws_iam_role" "api" {
  name = "api"
}
"#,
    );
    assert_eq!(answer(&i, "runtime"), Some(json!("python")));
    assert_eq!(cited(&i, "runtime"), ["infra/main.tf:3"]);
    assert_eq!(answer(&i, "architecture"), Some(json!("arm64")));
    assert_eq!(cited(&i, "architecture"), ["infra/main.tf:4"]);
    assert_eq!(answer(&i, "memory_mb"), Some(json!(1024)));
    assert_eq!(
        paths(&i, "memory_mb"),
        ["aws_lambda_function.api memory_size"]
    );
    assert_eq!(answer(&i, "reserved_concurrency"), Some(json!(5)));
    assert_eq!(cited(&i, "reserved_concurrency"), ["infra/main.tf:7"]);
    assert_eq!(answer(&i, "tracing"), Some(json!("xray")));
    assert_eq!(cited(&i, "tracing"), ["infra/main.tf:9"]);
    assert_eq!(answer(&i, "structured_logging"), Some(json!("json_only")));
    assert_eq!(
        paths(&i, "structured_logging"),
        ["aws_lambda_function.api logging_config.log_format"]
    );
    assert_eq!(cited(&i, "structured_logging"), ["infra/main.tf:12"]);
    assert_eq!(answer(&i, "log_level"), Some(json!("fixed_debug")));
    assert_eq!(answer(&i, "iam_roles"), Some(json!("per_function")));
    assert_eq!(answer(&i, "vpc_networking"), Some(json!("no_vpc")));
    assert_eq!(answer(&i, "deploy_strategy"), Some(json!("all_at_once")));
}

#[test]
fn absent_settings_take_lambdas_documented_defaults_at_line_zero() {
    let i = main_tf(
        r#"resource "aws_lambda_function" "f" {
  runtime = "nodejs22.x"
  reserved_concurrent_executions = -1
}
"#,
    );
    assert_eq!(answer(&i, "runtime"), Some(json!("nodejs")));
    assert_eq!(answer(&i, "architecture"), Some(json!("x86_64")));
    assert_eq!(cited(&i, "architecture"), ["infra/main.tf:0"]);
    assert_eq!(answer(&i, "memory_mb"), Some(json!(128)));
    // -1 is the provider's "no reservation".
    assert_eq!(answer(&i, "reserved_concurrency"), None);
    assert_eq!(answer(&i, "tracing"), Some(json!("none")));
    assert_eq!(answer(&i, "structured_logging"), None);
}

#[test]
fn variables_resolve_to_their_default_cited_where_the_default_is_written() {
    let i = tf(&[
        (
            "infra/main.tf",
            r#"locals {
  level = var.log_level
}
resource "aws_lambda_function" "f" {
  runtime     = var.runtime
  memory_size = var.memory
  timeout     = local.timeout
  environment {
    variables = {
      LOG_LEVEL = local.level
      STAGE     = "prod"
    }
  }
}
locals {
  timeout = 10 * 3
}
"#,
        ),
        (
            "infra/variables.tf",
            r#"variable "runtime" {
  type    = string
  default = "java21"
}

variable "memory" {
  default = 512
}
variable "log_level" {
  default = "INFO"
}
"#,
        ),
    ]);
    assert_eq!(answer(&i, "runtime"), Some(json!("java")));
    assert_eq!(cited(&i, "runtime"), ["infra/variables.tf:3"]);
    assert_eq!(paths(&i, "runtime"), ["aws_lambda_function.f runtime"]);
    assert_eq!(answer(&i, "memory_mb"), Some(json!(512)));
    assert_eq!(cited(&i, "memory_mb"), ["infra/variables.tf:7"]);
    // A level from a variable is set per deployment.
    assert_eq!(answer(&i, "log_level"), Some(json!("configurable")));
    assert!(
        i.evidence
            .iter()
            .any(|e| e.question == "log_level" && e.path == "environment.variables.LOG_LEVEL"),
        "{:?}",
        i.evidence
    );
}

#[test]
fn what_is_not_static_stays_unknown_and_is_noted_with_its_line() {
    let i = main_tf(
        r#"variable "memory" {}
resource "aws_lambda_function" "f" {
  runtime     = "python3.13"
  memory_size = var.memory
  timeout     = max(3, 10)
  architectures = [for a in ["arm64"] : a]
}
module "queue" {
  source = "terraform-aws-modules/sqs/aws"
}
module "local" {
  source = "./modules/x"
}
resource "google_storage_bucket" "b" {}
"#,
    );
    assert_eq!(
        answer(&i, "memory_mb"),
        None,
        "a variable without a default was guessed"
    );
    assert_eq!(answer(&i, "architecture"), None);
    let n = notes(&i);
    for want in [
        "infra/main.tf:1 aws_lambda_function.f `memory_size`: `var.memory` has no default",
        "infra/main.tf:5 aws_lambda_function.f `timeout`: function `max(…)` is not evaluated",
        "infra/main.tf:6 aws_lambda_function.f `architectures`: a `for` expression",
        "infra/main.tf:8 module `queue` (source `terraform-aws-modules/sqs/aws`) is not read",
        "infra/main.tf:11 module `local` (source `./modules/x`) is not read",
        "infra/main.tf:14 resource type `google_storage_bucket` is not an AWS resource",
    ] {
        assert!(
            n.iter().any(|m| m.starts_with(want)),
            "no note {want:?} in {n:#?}"
        );
    }
}

#[test]
fn count_and_for_each_are_read_once_and_noted_and_count_zero_is_skipped() {
    let i = main_tf(
        r#"resource "aws_sqs_queue" "off" {
  count = 0
}
resource "aws_sqs_queue" "many" {
  count = var.n
}
resource "aws_sns_topic" "each" {
  for_each = toset(["a", "b"])
}
"#,
    );
    assert_eq!(answer(&i, "messaging"), Some(json!(["sns", "sqs"])));
    let n = notes(&i);
    assert!(
        n.iter()
            .any(|m| m.contains("aws_sqs_queue.off has count = 0")),
        "{n:#?}"
    );
    assert!(
        n.iter()
            .any(|m| m.starts_with("infra/main.tf:5 aws_sqs_queue.many has `count`")),
        "{n:#?}"
    );
    assert!(
        n.iter()
            .any(|m| m.starts_with("infra/main.tf:8 aws_sns_topic.each has `for_each`")),
        "{n:#?}"
    );
    let f = findings(&i);
    assert!(
        f.iter()
            .any(|x| x == "queue_without_redrive aws_sqs_queue.many:4"),
        "{f:?}"
    );
    assert!(!f.iter().any(|x| x.contains("aws_sqs_queue.off")), "{f:?}");
}

#[test]
fn a_queue_mapping_links_queue_and_function_across_files() {
    let i = tf(&[
        (
            "infra/queue.tf",
            r#"resource "aws_sqs_queue" "jobs" {
  name                       = "jobs"
  visibility_timeout_seconds = 60
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  })
}
resource "aws_sqs_queue" "dlq" {
  sqs_managed_sse_enabled = true
}
resource "aws_cloudwatch_metric_alarm" "dlq" {
  metric_name = "ApproximateNumberOfMessagesVisible"
  dimensions = {
    QueueName = aws_sqs_queue.dlq.name
  }
}
"#,
        ),
        (
            "infra/fn.tf",
            r#"resource "aws_lambda_function" "worker" {
  runtime = "python3.12"
  timeout = 30
}
resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn        = aws_sqs_queue.jobs.arn
  function_name           = aws_lambda_function.worker.arn
  batch_size              = 5
  function_response_types = ["ReportBatchItemFailures"]
  scaling_config {
    maximum_concurrency = 10
  }
}
"#,
        ),
    ]);
    assert_eq!(answer(&i, "messaging"), Some(json!(["sqs"])));
    assert_eq!(answer(&i, "batch_size"), Some(json!(5)));
    assert_eq!(cited(&i, "batch_size"), ["infra/fn.tf:8"]);
    assert_eq!(answer(&i, "sqs_visibility_timeout_s"), Some(json!(60)));
    assert_eq!(cited(&i, "sqs_visibility_timeout_s"), ["infra/queue.tf:3"]);
    assert_eq!(answer(&i, "queue_consumer_timeout_s"), Some(json!(30)));
    assert_eq!(answer(&i, "sqs_queue_type"), Some(json!("standard")));
    assert_eq!(
        answer(&i, "failure_paths"),
        Some(json!(["alarms_on_dlq", "dlq_everywhere", "partial_batch"]))
    );
    assert_eq!(
        answer(&i, "downstream_protection"),
        Some(json!(["esm_max_concurrency"]))
    );
    assert_eq!(answer(&i, "entry_point"), Some(json!(["queue"])));
    // One queue states its encryption and the other does not: at rest stays open (it needs
    // every store to state it).
    assert_eq!(answer(&i, "encryption"), None);
    let f = findings(&i);
    // 60 s is under 6 × 30 s, and the finding points at the visibility line.
    assert!(
        f.iter()
            .any(|x| x == "visibility_timeout aws_sqs_queue.jobs:3"),
        "{f:?}"
    );
    assert!(
        !f.iter().any(|x| x.starts_with("queue_without_redrive")),
        "{f:?}"
    );
}

#[test]
fn a_redrive_policy_resource_and_a_fifo_queue() {
    let i = main_tf(
        r#"resource "aws_sqs_queue" "orders" {
  fifo_queue            = true
  fifo_throughput_limit = "perMessageGroupId"
  kms_master_key_id     = aws_kms_key.k.arn
}
resource "aws_sqs_queue" "dlq" {
  fifo_queue = true
}
resource "aws_sqs_queue_redrive_policy" "orders" {
  queue_url = aws_sqs_queue.orders.id
  redrive_policy = <<EOF
{"deadLetterTargetArn": "${aws_sqs_queue.dlq.arn}", "maxReceiveCount": 3}
EOF
}
resource "aws_kms_key" "k" {}
"#,
    );
    assert_eq!(
        answer(&i, "sqs_queue_type"),
        Some(json!("fifo_high_throughput"))
    );
    assert_eq!(answer(&i, "ordering"), Some(json!("per_key")));
    let f = findings(&i);
    assert!(
        !f.iter().any(|x| x.starts_with("queue_without_redrive")),
        "{f:?}"
    );
}

#[test]
fn kinesis_streams_consumers_and_stream_failure_handling() {
    let i = main_tf(
        r#"resource "aws_kinesis_stream" "s" {
  shard_count      = 3
  retention_period = 72
  encryption_type  = "KMS"
  kms_key_id       = "alias/aws/kinesis"
}
resource "aws_kinesis_stream_consumer" "c" {
  stream_arn = aws_kinesis_stream.s.arn
}
resource "aws_lambda_function" "f" {
  runtime = "python3.12"
}
resource "aws_lambda_event_source_mapping" "m" {
  event_source_arn  = aws_kinesis_stream_consumer.c.arn
  function_name     = aws_lambda_function.f.function_name
  starting_position = "LATEST"
  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.failed.arn
    }
  }
}
resource "aws_sqs_queue" "failed" {}
"#,
    );
    assert_eq!(answer(&i, "kinesis_shards"), Some(json!(3)));
    assert_eq!(cited(&i, "kinesis_shards"), ["infra/main.tf:2"]);
    assert_eq!(
        answer(&i, "kinesis_consumer_mode"),
        Some(json!("enhanced_fan_out"))
    );
    assert_eq!(answer(&i, "event_replay"), Some(json!("replay_window")));
    assert_eq!(answer(&i, "replay_window_days"), Some(json!(3)));
    assert_eq!(
        answer(&i, "batch_size"),
        Some(json!(100)),
        "Kinesis default"
    );
    assert_eq!(answer(&i, "entry_point"), Some(json!(["stream"])));
    assert_eq!(
        answer(&i, "failure_paths"),
        Some(json!(["on_failure_destinations"]))
    );
    // The on-failure queue is a dead-letter target: no redrive asked of it.
    assert!(
        !findings(&i)
            .iter()
            .any(|x| x.starts_with("queue_without_redrive"))
    );
}

#[test]
fn topics_subscriptions_and_invoke_configs_decide_the_async_failure_check() {
    let base = r#"resource "aws_sns_topic" "t" {
  fifo_topic = true
}
resource "aws_lambda_function" "f" {
  runtime = "python3.12"
}
resource "aws_sns_topic_subscription" "s" {
  topic_arn = aws_sns_topic.t.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.f.arn
}
"#;
    let i = main_tf(base);
    assert_eq!(answer(&i, "messaging"), Some(json!(["sns"])));
    assert_eq!(answer(&i, "ordering"), Some(json!("per_key")));
    let f = findings(&i);
    assert!(
        f.iter()
            .any(|x| x == "async_without_failure_path aws_lambda_function.f:4"),
        "{f:?}"
    );
    let with_destination = format!(
        "{base}{}",
        r#"resource "aws_lambda_function_event_invoke_config" "f" {
  function_name = aws_lambda_function.f.function_name
  destination_config {
    on_failure {
      destination = aws_sqs_queue.failed.arn
    }
  }
}
resource "aws_sqs_queue" "failed" {}
"#
    );
    let i = main_tf(&with_destination);
    let f = findings(&i);
    assert!(
        !f.iter()
            .any(|x| x.starts_with("async_without_failure_path")),
        "{f:?}"
    );
    assert_eq!(
        answer(&i, "failure_paths"),
        Some(json!(["on_failure_destinations"]))
    );
}

#[test]
fn eventbridge_buses_rules_targets_archives_and_schedules() {
    let i = main_tf(
        r#"resource "aws_cloudwatch_event_bus" "b" {
  name = "orders"
}
resource "aws_cloudwatch_event_rule" "r" {
  event_bus_name = aws_cloudwatch_event_bus.b.name
  event_pattern  = jsonencode({ source = ["orders"] })
}
resource "aws_cloudwatch_event_target" "t" {
  rule = aws_cloudwatch_event_rule.r.name
  arn  = aws_lambda_function.f.arn
  dead_letter_config {
    arn = aws_sqs_queue.dlq.arn
  }
}
resource "aws_cloudwatch_event_archive" "a" {
  event_source_arn = aws_cloudwatch_event_bus.b.arn
  retention_days   = 7
}
resource "aws_scheduler_schedule" "s" {
  schedule_expression = "rate(2 hours)"
  target {
    arn      = aws_lambda_function.f.arn
    role_arn = "arn:aws:iam::1:role/x"
  }
}
resource "aws_lambda_function" "f" {
  runtime = "python3.12"
}
resource "aws_sqs_queue" "dlq" {}
"#,
    );
    assert_eq!(answer(&i, "messaging"), Some(json!(["eventbridge", "sqs"])));
    assert_eq!(answer(&i, "event_replay"), Some(json!("replay_window")));
    assert_eq!(answer(&i, "replay_window_days"), Some(json!(7)));
    assert_eq!(answer(&i, "schedule_interval_min"), Some(json!(120)));
    assert_eq!(cited(&i, "schedule_interval_min"), ["infra/main.tf:19"]);
    assert_eq!(
        answer(&i, "entry_point"),
        Some(json!(["event_bus", "schedule"]))
    );
    // The rule's target has a dead-letter queue; the schedule's target has none.
    let f = findings(&i);
    assert!(
        f.iter()
            .any(|x| x == "async_without_failure_path aws_lambda_function.f:26"),
        "{f:?}"
    );
}

#[test]
fn state_machine_definitions_from_jsonencode_heredocs_and_files() {
    let i = main_tf(
        r#"resource "aws_sfn_state_machine" "m" {
  type = "EXPRESS"
  tracing_configuration {
    enabled = true
  }
  definition = jsonencode({
    StartAt = "Ask"
    States = {
      Ask = {
        Type     = "Task"
        Resource = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
        Retry    = [{ ErrorEquals = ["States.ALL"] }]
        Next     = "Pause"
      }
      Pause = { Type = "Wait", Seconds = 5, End = true }
    }
  })
}
"#,
    );
    assert_eq!(answer(&i, "workflow_type"), Some(json!("express")));
    assert_eq!(cited(&i, "workflow_type"), ["infra/main.tf:2"]);
    assert_eq!(
        answer(&i, "workflow_waits"),
        Some(json!(["external_callback", "timer"]))
    );
    assert_eq!(answer(&i, "tracing"), Some(json!("xray")));
    assert_eq!(cited(&i, "tracing"), ["infra/main.tf:4"]);
    assert_eq!(answer(&i, "messaging"), Some(json!(["step_functions"])));

    let heredoc = main_tf(
        r#"resource "aws_sfn_state_machine" "m" {
  definition = <<EOF
{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}
EOF
}
"#,
    );
    assert_eq!(answer(&heredoc, "workflow_type"), Some(json!("standard")));
    assert_eq!(answer(&heredoc, "workflow_waits"), Some(json!(["timer"])));

    let file = tf(&[
        (
            "infra/main.tf",
            r#"resource "aws_sfn_state_machine" "m" {
  definition = file("${path.module}/flow.asl.json")
}
"#,
        ),
        (
            "infra/flow.asl.json",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task",
  "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "End": true}}}"#,
        ),
    ]);
    assert_eq!(
        answer(&file, "workflow_waits"),
        Some(json!(["external_callback"]))
    );
    let missing = main_tf(
        r#"resource "aws_sfn_state_machine" "m" {
  definition = file("gone.json")
}
"#,
    );
    assert_eq!(answer(&missing, "workflow_waits"), None);
    assert!(
        notes(&missing)
            .iter()
            .any(|n| n.contains("`definition`") && n.contains("not among the inputs")),
        "{:#?}",
        notes(&missing)
    );
}

#[test]
fn dynamodb_tables_billing_backups_encryption_and_autoscaling() {
    let i = main_tf(
        r#"resource "aws_dynamodb_table" "t" {
  name           = "t"
  read_capacity  = 5
  write_capacity = 5
  point_in_time_recovery {
    enabled = true
  }
  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.k.arn
  }
  deletion_protection_enabled = true
}
resource "aws_appautoscaling_target" "read" {
  resource_id        = "table/${aws_dynamodb_table.t.name}"
  scalable_dimension = "dynamodb:table:ReadCapacityUnits"
  service_namespace  = "dynamodb"
}
resource "aws_kms_key" "k" {}
"#,
    );
    assert_eq!(answer(&i, "data_store"), Some(json!(["dynamodb"])));
    assert_eq!(
        answer(&i, "dynamodb_capacity_mode"),
        Some(json!("provisioned_autoscaling"))
    );
    assert_eq!(answer(&i, "backups"), Some(json!(["pitr"])));
    assert_eq!(cited(&i, "backups"), ["infra/main.tf:6"]);
    // The one store is encrypted with a customer key: at rest too.
    assert_eq!(
        answer(&i, "encryption"),
        Some(json!(["at_rest", "customer_keys"]))
    );
    let on_demand = main_tf(
        r#"resource "aws_dynamodb_table" "t" {
  billing_mode = "PAY_PER_REQUEST"
}
"#,
    );
    assert_eq!(
        answer(&on_demand, "dynamodb_capacity_mode"),
        Some(json!("on_demand"))
    );
    assert_eq!(
        cited(&on_demand, "dynamodb_capacity_mode"),
        ["infra/main.tf:2"]
    );
}

#[test]
fn buckets_with_their_separate_versioning_encryption_and_notifications() {
    let i = main_tf(
        r#"resource "aws_s3_bucket" "in" {
  bucket = "in"
}
resource "aws_s3_bucket_versioning" "in" {
  bucket = aws_s3_bucket.in.id
  versioning_configuration {
    status = "Enabled"
  }
}
resource "aws_s3_bucket_server_side_encryption_configuration" "in" {
  bucket = aws_s3_bucket.in.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}
resource "aws_s3_bucket_notification" "in" {
  bucket = aws_s3_bucket.in.id
  lambda_function {
    lambda_function_arn = aws_lambda_function.f.arn
    events              = ["s3:ObjectCreated:*"]
  }
}
resource "aws_lambda_function" "f" {
  runtime = "python3.12"
}
"#,
    );
    assert_eq!(answer(&i, "data_store"), Some(json!(["s3"])));
    assert_eq!(answer(&i, "backups"), Some(json!(["versioning"])));
    assert_eq!(cited(&i, "backups"), ["infra/main.tf:7"]);
    assert_eq!(answer(&i, "encryption"), Some(json!(["at_rest"])));
    assert_eq!(answer(&i, "entry_point"), Some(json!(["s3_events"])));
    assert!(
        findings(&i)
            .iter()
            .any(|x| x == "async_without_failure_path aws_lambda_function.f:25"),
        "{:?}",
        findings(&i)
    );
}

#[test]
fn rest_api_methods_integrations_stages_throttling_and_waf() {
    let api = r#"resource "aws_api_gateway_rest_api" "api" {
  name = "api"
}
resource "aws_api_gateway_method" "get" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.items.id
  http_method   = "GET"
  authorization = "NONE"
}
resource "aws_api_gateway_method" "post" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.items.id
  http_method   = "POST"
  authorization = "CUSTOM"
  authorizer_id = aws_api_gateway_authorizer.a.id
}
resource "aws_api_gateway_integration" "get" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.items.id
  http_method             = aws_api_gateway_method.get.http_method
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.f.invoke_arn
  timeout_milliseconds    = 40000
}
resource "aws_api_gateway_stage" "prod" {
  rest_api_id          = aws_api_gateway_rest_api.api.id
  xray_tracing_enabled = true
}
resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  method_path = "*/*"
  settings {
    throttling_rate_limit = 100
  }
}
resource "aws_lambda_function" "f" {
  runtime = "python3.12"
  timeout = 60
}
"#;
    let i = main_tf(api);
    assert_eq!(answer(&i, "entry_point"), Some(json!(["rest_api"])));
    assert_eq!(
        answer(&i, "edge_auth"),
        Some(json!(["lambda_authorizer", "open_routes"]))
    );
    assert_eq!(answer(&i, "tracing"), Some(json!("xray")));
    assert_eq!(cited(&i, "tracing"), ["infra/main.tf:27"]);
    assert_eq!(
        answer(&i, "downstream_protection"),
        Some(json!(["api_throttling"]))
    );
    assert_eq!(answer(&i, "waf"), Some(json!("throttling_only")));
    let f = findings(&i);
    assert!(
        f.iter()
            .any(|x| x == "integration_timeout aws_api_gateway_method.get:4"),
        "{f:?}"
    );
    // The function may run 60 s behind an API that gives up at 29 s.
    assert!(
        f.iter()
            .any(|x| x == "integration_timeout aws_lambda_function.f:38"),
        "{f:?}"
    );
    let with_waf = format!(
        "{api}{}",
        r#"resource "aws_wafv2_web_acl_association" "w" {
  resource_arn = aws_api_gateway_stage.prod.arn
  web_acl_arn  = "arn:aws:wafv2:eu-west-1:1:regional/webacl/x/y"
}
"#
    );
    assert_eq!(
        answer(&main_tf(&with_waf), "waf"),
        Some(json!("waf_managed"))
    );
}

#[test]
fn http_api_routes_with_jwt_and_stage_throttling() {
    let i = main_tf(
        r#"resource "aws_apigatewayv2_api" "h" {
  name          = "h"
  protocol_type = "HTTP"
}
resource "aws_apigatewayv2_integration" "i" {
  api_id             = aws_apigatewayv2_api.h.id
  integration_type   = "AWS_PROXY"
  integration_uri    = aws_lambda_function.f.invoke_arn
}
resource "aws_apigatewayv2_route" "r" {
  api_id             = aws_apigatewayv2_api.h.id
  route_key          = "GET /items"
  target             = "integrations/${aws_apigatewayv2_integration.i.id}"
  authorization_type = "JWT"
}
resource "aws_apigatewayv2_stage" "s" {
  api_id = aws_apigatewayv2_api.h.id
  default_route_settings {
    throttling_burst_limit = 10
    throttling_rate_limit  = 5
  }
}
resource "aws_lambda_function" "f" {
  runtime = "python3.12"
  timeout = 45
}
resource "aws_apigatewayv2_api" "ws" {
  protocol_type = "WEBSOCKET"
}
"#,
    );
    assert_eq!(
        answer(&i, "entry_point"),
        Some(json!(["http_api", "websocket"]))
    );
    assert_eq!(answer(&i, "edge_auth"), Some(json!(["jwt_or_iam"])));
    assert_eq!(
        answer(&i, "downstream_protection"),
        Some(json!(["api_throttling"]))
    );
    // The route's function outlives the HTTP API's 30 s.
    assert!(
        findings(&i)
            .iter()
            .any(|x| x == "integration_timeout aws_lambda_function.f:25"),
        "{:?}",
        findings(&i)
    );
}

#[test]
fn log_groups_alarms_dashboards_and_budgets() {
    let i = main_tf(
        r#"variable "prefix" {}
resource "aws_lambda_function" "a" {
  function_name = "${var.prefix}-a"
  runtime       = "python3.12"
}
resource "aws_lambda_function" "b" {
  function_name = "b"
  runtime       = "python3.12"
}
resource "aws_cloudwatch_log_group" "a" {
  name              = "/aws/lambda/${var.prefix}-a"
  retention_in_days = 30
}
resource "aws_cloudwatch_log_group" "b" {
  name = "/aws/lambda/${aws_lambda_function.b.function_name}"
}
resource "aws_cloudwatch_metric_alarm" "errors" {
  metric_name   = "Errors"
  namespace     = "AWS/Lambda"
  alarm_actions = [aws_sns_topic.ops.arn]
}
resource "aws_cloudwatch_metric_alarm" "math" {
  metric_query {
    id = "m"
    metric {
      metric_name = "Throttles"
      namespace   = "AWS/Lambda"
    }
  }
}
resource "aws_sns_topic" "ops" {}
resource "aws_cloudwatch_dashboard" "d" {
  dashboard_name = "d"
}
resource "aws_budgets_budget" "monthly" {
  budget_type = "COST"
}
resource "aws_ce_anomaly_monitor" "m" {
  name = "m"
}
"#,
    );
    // `a` matches by the same name expression, `b` by reference; only `a` keeps its logs.
    assert_eq!(answer(&i, "log_retention"), Some(json!("some_groups")));
    assert!(cited(&i, "log_retention").contains(&"infra/main.tf:12".to_owned()));
    assert_eq!(
        answer(&i, "alarms"),
        Some(json!(["errors", "routed_oncall", "throttles"]))
    );
    assert_eq!(cited(&i, "alarms")[0], "infra/main.tf:18");
    assert_eq!(
        answer(&i, "budget_alarm"),
        Some(json!("budget_and_anomaly"))
    );
    assert_eq!(answer(&i, "dashboards"), None);
    assert!(paths(&i, "dashboards").contains(&"aws_cloudwatch_dashboard.d ".to_owned()));
    // A topic only alarms notify is not the workload's messaging.
    assert_eq!(answer(&i, "messaging"), Some(json!(["none"])));
    let f = findings(&i);
    assert!(
        f.iter()
            .any(|x| x == "log_group_without_retention aws_cloudwatch_log_group.b:14"),
        "{f:?}"
    );
    assert!(
        !f.iter()
            .any(|x| x.starts_with("function_without_log_group")),
        "{f:?}"
    );
}

#[test]
fn iam_wildcards_in_policy_documents_jsonencode_heredocs_and_managed_policies() {
    let shared = main_tf(
        r#"resource "aws_iam_role" "r" {
  assume_role_policy = data.aws_iam_policy_document.assume.json
}
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
  }
}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.id
  policy = jsonencode({
    Statement = [{
      Effect   = "Allow"
      Action   = ["dynamodb:GetItem"]
      Resource = aws_dynamodb_table.t.arn
    }]
  })
}
resource "aws_lambda_function" "a" {
  runtime = "python3.12"
  role    = aws_iam_role.r.arn
}
resource "aws_lambda_function" "b" {
  runtime = "python3.12"
  role    = aws_iam_role.r.arn
}
"#,
    );
    assert_eq!(answer(&shared, "iam_roles"), Some(json!("shared_scoped")));
    assert_eq!(
        cited(&shared, "iam_roles"),
        ["infra/main.tf:21", "infra/main.tf:25"]
    );
    assert!(
        findings(&shared)
            .iter()
            .all(|f| !f.starts_with("wildcard_iam"))
    );

    let document = main_tf(
        r#"data "aws_iam_policy_document" "all" {
  statement {
    actions   = ["s3:*"]
    resources = ["*"]
  }
}
resource "aws_lambda_function" "a" {
  runtime = "python3.12"
}
"#,
    );
    assert_eq!(answer(&document, "iam_roles"), Some(json!("broad")));
    assert_eq!(cited(&document, "iam_roles"), ["infra/main.tf:2"]);
    assert!(
        findings(&document)
            .iter()
            .any(|f| f == "wildcard_iam data.aws_iam_policy_document.all:2")
    );

    let heredoc = main_tf(
        r#"resource "aws_iam_policy" "p" {
  policy = <<EOF
{
  "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}
  ]
}
EOF
}
"#,
    );
    assert!(
        findings(&heredoc)
            .iter()
            .any(|f| f == "wildcard_iam aws_iam_policy.p:5"),
        "{:?}",
        findings(&heredoc)
    );

    let admin = main_tf(
        r#"resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.r.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_role" "r" {}
"#,
    );
    assert!(
        findings(&admin)
            .iter()
            .any(|f| f == "wildcard_iam aws_iam_role_policy_attachment.admin:3"),
        "{:?}",
        findings(&admin)
    );
}

#[test]
fn secrets_keys_networking_and_databases() {
    let i = main_tf(
        r#"resource "aws_secretsmanager_secret" "db" {}
resource "aws_lambda_function" "f" {
  runtime = "python3.12"
  environment {
    variables = {
      SECRET_ARN = aws_secretsmanager_secret.db.arn
    }
  }
  vpc_config {
    subnet_ids         = [aws_subnet.a.id]
    security_group_ids = []
  }
}
resource "aws_nat_gateway" "n" {}
resource "aws_rds_cluster" "c" {
  enable_http_endpoint = true
}
resource "aws_db_proxy" "p" {}
resource "aws_elasticache_serverless_cache" "cache" {}
"#,
    );
    assert_eq!(
        answer(&i, "secrets_handling"),
        Some(json!("secrets_manager"))
    );
    assert_eq!(answer(&i, "vpc_networking"), Some(json!("vpc_nat")));
    assert_eq!(
        cited(&i, "vpc_networking"),
        ["infra/main.tf:9", "infra/main.tf:14"]
    );
    assert_eq!(
        answer(&i, "data_store"),
        Some(json!(["cache", "relational"]))
    );
    assert_eq!(answer(&i, "db_connections"), Some(json!("rds_proxy")));

    let plain = main_tf(
        r#"resource "aws_lambda_function" "f" {
  runtime = "python3.12"
  environment {
    variables = {
      DB_PASSWORD = "hunter2"
    }
  }
  vpc_config {
    subnet_ids = []
  }
}
resource "aws_vpc_endpoint" "s3" {}
resource "aws_rds_cluster" "c" {
  enable_http_endpoint = true
}
"#,
    );
    assert_eq!(answer(&plain, "secrets_handling"), Some(json!("env_vars")));
    assert_eq!(cited(&plain, "secrets_handling"), ["infra/main.tf:5"]);
    assert_eq!(
        answer(&plain, "vpc_networking"),
        Some(json!("vpc_endpoints"))
    );
    assert_eq!(answer(&plain, "db_connections"), Some(json!("data_api")));
}

#[test]
fn provisioned_concurrency_snapstart_and_aliases() {
    let i = main_tf(
        r#"resource "aws_lambda_function" "f" {
  runtime = "java21"
  publish = true
  snap_start {
    apply_on = "PublishedVersions"
  }
}
resource "aws_lambda_alias" "live" {
  function_name    = aws_lambda_function.f.function_name
  function_version = aws_lambda_function.f.version
}
resource "aws_lambda_provisioned_concurrency_config" "live" {
  function_name                     = aws_lambda_alias.live.function_name
  qualifier                         = aws_lambda_alias.live.name
  provisioned_concurrent_executions = 2
}
"#,
    );
    assert_eq!(answer(&i, "runtime"), Some(json!("java_snapstart")));
    assert_eq!(
        answer(&i, "cold_start_mitigation"),
        Some(json!(["provisioned_concurrency", "snapstart"]))
    );
    assert!(cited(&i, "cold_start_mitigation").contains(&"infra/main.tf:15".to_owned()));
    assert_eq!(
        answer(&i, "deploy_strategy"),
        Some(json!("all_at_once_alias"))
    );
    assert_eq!(cited(&i, "deploy_strategy"), ["infra/main.tf:8"]);
}

#[test]
fn modules_are_read_one_directory_at_a_time() {
    // The same address in two directories is two resources, each linked within its own.
    let i = tf(&[
        (
            "a/main.tf",
            r#"resource "aws_sqs_queue" "q" {
  visibility_timeout_seconds = 100
}
resource "aws_lambda_function" "f" {
  runtime = "python3.12"
  timeout = 10
}
resource "aws_lambda_event_source_mapping" "m" {
  event_source_arn = aws_sqs_queue.q.arn
  function_name    = aws_lambda_function.f.arn
}
"#,
        ),
        (
            "b/main.tf",
            r#"resource "aws_sqs_queue" "q" {
  visibility_timeout_seconds = 20
}
"#,
        ),
    ]);
    assert_eq!(answer(&i, "sqs_visibility_timeout_s"), Some(json!(100)));
    assert_eq!(cited(&i, "sqs_visibility_timeout_s"), ["a/main.tf:2"]);
}

#[test]
fn a_directory_and_a_zip_of_terraform_are_read() {
    use std::io::Write;
    let text = "resource \"aws_lambda_function\" \"f\" {\n  runtime = \"ruby3.3\"\n}\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("infra/.terraform/modules")).unwrap();
    std::fs::write(dir.path().join("infra/main.tf"), text).unwrap();
    std::fs::write(
        dir.path().join("infra/.terraform/modules/x.tf"),
        "resource \"aws_lambda_function\" \"g\" {\n  runtime = \"python3.12\"\n}\n",
    )
    .unwrap();
    let i = iac::import_paths(&[dir.path().to_path_buf()], None).unwrap();
    assert_eq!(answer(&i, "runtime"), Some(json!("ruby")));
    assert!(cited(&i, "runtime")[0].ends_with("infra/main.tf:2"));

    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("infra/main.tf", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(text.as_bytes()).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let path = dir.path().join("tf.zip");
    std::fs::write(&path, bytes).unwrap();
    let i = iac::import_paths(&[path], None).unwrap();
    assert_eq!(answer(&i, "runtime"), Some(json!("ruby")));
    assert!(cited(&i, "runtime")[0].ends_with("tf.zip!infra/main.tf:2"));
}

#[test]
fn broken_hcl_is_an_error_naming_file_and_line_when_named_and_a_note_when_found() {
    let e = try_tf(&[(
        "x/main.tf",
        "resource \"aws_sqs_queue\" \"q\" {\n  a = \n}\n",
    )])
    .unwrap_err();
    let shown = e.to_string();
    assert!(shown.starts_with("x/main.tf:"), "{shown}");
    assert!(shown.contains("not valid HCL"), "{shown}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.tf"), "resource {{{\n").unwrap();
    std::fs::write(
        dir.path().join("good.tf"),
        "resource \"aws_sqs_queue\" \"q\" {}\n",
    )
    .unwrap();
    let i = iac::import_paths(&[dir.path().to_path_buf()], None).unwrap();
    assert!(
        notes(&i)
            .iter()
            .any(|n| n.contains("bad.tf") && n.contains("not read"))
    );
    assert!(findings(&i).iter().any(|f| f.contains("aws_sqs_queue.q")));
}

#[test]
fn deep_nesting_is_refused_quickly_with_a_clear_error() {
    let depth = 10_000;
    let text = format!(
        "resource \"aws_sqs_queue\" \"q\" {{\n  x = {}1{}\n}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let started = std::time::Instant::now();
    let e = try_tf(&[("main.tf", &text)]).unwrap_err();
    assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());
    assert!(e.to_string().contains("nesting"), "{e}");
}

#[test]
fn locals_that_double_each_other_are_bounded() {
    let mut text = String::from("locals {\n  l0 = [\"x\", \"y\"]\n");
    for n in 1..40 {
        text.push_str(&format!("  l{n} = [local.l{p}, local.l{p}]\n", p = n - 1));
    }
    text.push_str("}\nresource \"aws_lambda_function\" \"f\" {\n  runtime = \"python3.12\"\n  tags = { a = local.l39 }\n}\n");
    let started = std::time::Instant::now();
    let i = main_tf(&text);
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    assert_eq!(answer(&i, "runtime"), Some(json!("python")));
    assert!(
        notes(&i).iter().any(|n| n.contains("values to evaluate")),
        "{:#?}",
        notes(&i)
    );
}

#[test]
fn cyclic_locals_and_unknown_blocks_and_functions_are_notes_not_failures() {
    let i = main_tf(
        r#"locals {
  a = local.b
  b = local.a
}
terraform {
  required_version = ">= 1.5"
}
whatever "x" "y" "z" {}
resource "aws_lambda_function" "f" {
  runtime     = "python3.12"
  memory_size = local.a
  timeout     = someday(1)
  dynamic "vpc_config" {
    for_each = var.vpc
    content {}
  }
}
resource "aws_brand_new_thing" "n" {}
"#,
    );
    assert_eq!(answer(&i, "runtime"), Some(json!("python")));
    assert_eq!(answer(&i, "memory_mb"), None);
    let n = notes(&i);
    assert!(
        n.iter()
            .any(|m| m.contains("`memory_size`") && m.contains("more than 32")),
        "{n:#?}"
    );
    assert!(
        n.iter()
            .any(|m| m.contains("`timeout`") && m.contains("someday")),
        "{n:#?}"
    );
}

#[test]
fn a_large_file_imports_fast() {
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 1024 * 1024 {
        text.push_str(&format!(
            "resource \"aws_dynamodb_table\" \"t{n}\" {{\n  billing_mode = \"PAY_PER_REQUEST\"\n  hash_key = \"pk\"\n  attribute {{\n    name = \"pk\"\n    type = \"S\"\n  }}\n  point_in_time_recovery {{\n    enabled = {n} > 0\n  }}\n  tags = merge(local.tags, {{ Name = \"table-${{local.env}}-{n}\" }})\n}}\n"
        ));
        n += 1;
    }
    text.push_str("locals {\n  env = \"prod\"\n  tags = { Team = \"a\" }\n}\n");
    let started = std::time::Instant::now();
    let i = main_tf(&text);
    let took = started.elapsed();
    // A debug build; the release benchmark is far under this.
    assert!(took.as_secs() < 3, "{took:?} for {n} resources");
    assert_eq!(
        answer(&i, "dynamodb_capacity_mode"),
        Some(json!("on_demand"))
    );
    assert_eq!(cited(&i, "backups"), ["infra/main.tf:21"]);
}

#[test]
fn a_local_module_is_read_with_the_calls_arguments_and_its_outputs_link() {
    let i = tf(&[
        (
            "root/main.tf",
            r#"module "fn" {
  source  = "./modules/fn"
  runtime = "nodejs20.x"
  memory  = 256
}
resource "aws_sqs_queue" "q" {
  visibility_timeout_seconds = 10
}
resource "aws_lambda_event_source_mapping" "m" {
  event_source_arn = aws_sqs_queue.q.arn
  function_name    = module.fn.arn
}
module "remote" {
  source = "terraform-aws-modules/lambda/aws"
}
"#,
        ),
        (
            "root/modules/fn/main.tf",
            r#"variable "runtime" {}
variable "memory" {
  default = 128
}
resource "aws_lambda_function" "this" {
  runtime     = var.runtime
  memory_size = var.memory
  timeout     = 5
}
output "arn" {
  value = aws_lambda_function.this.arn
}
"#,
        ),
    ]);
    assert_eq!(answer(&i, "runtime"), Some(json!("nodejs")));
    assert_eq!(cited(&i, "runtime"), ["root/main.tf:3"]);
    assert_eq!(
        paths(&i, "runtime"),
        ["module.fn.aws_lambda_function.this runtime"]
    );
    assert_eq!(answer(&i, "memory_mb"), Some(json!(256)));
    assert_eq!(answer(&i, "queue_consumer_timeout_s"), Some(json!(5)));
    assert_eq!(
        cited(&i, "queue_consumer_timeout_s"),
        ["root/modules/fn/main.tf:8"]
    );
    let f = findings(&i);
    assert!(
        f.iter()
            .any(|x| x == "visibility_timeout aws_sqs_queue.q:7"),
        "{f:?}"
    );
    let n = notes(&i);
    assert!(
        n.iter()
            .any(|m| m.starts_with("root/main.tf:13 module `remote`")),
        "{n:#?}"
    );
    assert!(!n.iter().any(|m| m.contains("module `fn`")), "{n:#?}");
}

#[test]
fn a_module_that_calls_itself_stops_at_the_depth_limit() {
    let started = std::time::Instant::now();
    let i = tf(&[(
        "m/main.tf",
        r#"module "again" {
  source = "./"
}
resource "aws_lambda_function" "f" {
  runtime = "python3.12"
}
"#,
    )]);
    assert!(started.elapsed().as_secs() < 2);
    assert_eq!(answer(&i, "runtime"), Some(json!("python")));
    assert!(
        notes(&i).iter().any(|m| m.contains("nest deeper than 8")),
        "{:#?}",
        notes(&i)
    );
}

#[test]
fn a_database_s_storage_encryption_counts_as_at_rest() {
    let i = main_tf(
        r#"resource "aws_rds_cluster" "db" {
  engine            = "aurora-postgresql"
  storage_encrypted = true
  kms_key_id        = aws_kms_key.db.arn
}
"#,
    );
    assert_eq!(
        answer(&i, "encryption"),
        Some(json!(["at_rest", "customer_keys"]))
    );
    // The key where it is named (customer_keys), at rest where storage encryption is.
    assert_eq!(
        cited(&i, "encryption"),
        ["infra/main.tf:4", "infra/main.tf:3"]
    );
    // A database that states nothing leaves at rest open.
    let i = main_tf("resource \"aws_db_instance\" \"db\" {\n  engine = \"postgres\"\n}\n");
    assert_eq!(answer(&i, "encryption"), None);
}

#[test]
fn a_schedule_s_dead_letter_queue_is_not_a_queue_without_redrive() {
    let i = main_tf(
        r#"resource "aws_scheduler_schedule" "nightly" {
  schedule_expression = "cron(0 2 * * ? *)"
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = aws_ecs_cluster.main.arn
    role_arn = aws_iam_role.scheduler.arn
    dead_letter_config {
      arn = aws_sqs_queue.dlq.arn
    }
  }
}

resource "aws_sqs_queue" "dlq" {
  message_retention_seconds = 1209600
}
"#,
    );
    assert_eq!(answer(&i, "entry_point"), Some(json!(["schedule"])));
    assert!(
        !findings(&i)
            .iter()
            .any(|f| f.starts_with("queue_without_redrive")),
        "{:?}",
        findings(&i)
    );
}
