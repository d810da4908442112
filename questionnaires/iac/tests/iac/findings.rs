//! Template findings: each names the resource and line, and fires only when the problem is
//! there.

use crate::import;

/// The findings of `id` in an import: (resource, line).
fn found(i: &iac::Import, id: &str) -> Vec<(String, usize)> {
    i.findings
        .iter()
        .filter(|f| f.id == id)
        .map(|f| (f.resource.clone(), f.line))
        .collect()
}

const WORKER: &str = r#"
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: 30
  Map:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: !GetAtt Q.Arn
"#;

#[test]
fn a_visibility_timeout_under_six_times_the_consumer_s_is_found() {
    let i = import(WORKER);
    assert_eq!(found(&i, "visibility_timeout"), [("Q".to_owned(), 6)]);
    let ok = import(&WORKER.replace("VisibilityTimeout: 60", "VisibilityTimeout: 180"));
    assert!(found(&ok, "visibility_timeout").is_empty());
}

#[test]
fn the_review_s_own_checks_run_on_the_imported_numbers() {
    // checks.rs's sqs_visibility_timeout reads the two imported numbers.
    let i = import(WORKER);
    assert_eq!(
        found(&i, "check:sqs_visibility_timeout"),
        [("Q".to_owned(), 6)]
    );
}

#[test]
fn a_queue_without_redrive_is_found_but_not_a_dead_letter_queue() {
    let i = import(WORKER);
    assert_eq!(found(&i, "queue_without_redrive"), [("Q".to_owned(), 3)]);
    let i = import(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt D.Arn\n  D:\n    Type: AWS::SQS::Queue\n",
    );
    assert!(
        found(&i, "queue_without_redrive").is_empty(),
        "{:?}",
        i.findings
    );
    // A schedule's dead-letter queue is one too (a containers starter's scheduled task).
    let i = import(
        "Resources:\n  S:\n    Type: AWS::Scheduler::Schedule\n    Properties:\n      ScheduleExpression: rate(1 day)\n      Target:\n        Arn: !Ref Cluster\n        DeadLetterConfig:\n          Arn: !GetAtt D.Arn\n  D:\n    Type: AWS::SQS::Queue\n",
    );
    assert!(
        found(&i, "queue_without_redrive").is_empty(),
        "{:?}",
        i.findings
    );
}

#[test]
fn an_async_function_without_a_failure_path_is_found() {
    let t = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        Up:\n          Type: S3\n          Properties:\n            Bucket: !Ref B\n  B:\n    Type: AWS::S3::Bucket\n";
    let i = import(t);
    assert_eq!(
        found(&i, "async_without_failure_path"),
        [("Fn".to_owned(), 2)]
    );
    let i = import(&t.replace(
        "    Properties:\n      Events:",
        "    Properties:\n      DeadLetterQueue:\n        Type: SQS\n        TargetArn: x\n      Events:",
    ));
    assert!(found(&i, "async_without_failure_path").is_empty());
}

#[test]
fn wildcard_iam_is_found_on_its_statement() {
    let i = import(
        "Resources:\n  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Effect: Allow\n            Action: '*'\n            Resource: '*'\n          - Effect: Allow\n            Action: s3:GetObject\n            Resource: '*'\n",
    );
    assert_eq!(found(&i, "wildcard_iam"), [("P".to_owned(), 7)]);
}

#[test]
fn log_groups_without_retention_and_functions_without_one_are_found() {
    let i = import(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n  G:\n    Type: AWS::Logs::LogGroup\n",
    );
    assert_eq!(
        found(&i, "function_without_log_group"),
        [("Fn".to_owned(), 2)]
    );
    assert_eq!(
        found(&i, "log_group_without_retention"),
        [("G".to_owned(), 4)]
    );
}

#[test]
fn integration_timeouts_above_the_api_or_under_the_function_are_found() {
    let i = import(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Timeout: 60\n  I:\n    Type: AWS::ApiGatewayV2::Integration\n    Properties:\n      IntegrationUri: !GetAtt Fn.Arn\n      TimeoutInMillis: 45000\n  R:\n    Type: AWS::ApiGatewayV2::Route\n    Properties:\n      Target: !Sub integrations/${I}\n",
    );
    let f = found(&i, "integration_timeout");
    assert!(f.contains(&("R".to_owned(), 11)), "{f:?}");
    assert!(f.contains(&("Fn".to_owned(), 5)), "{f:?}");
}

#[test]
fn reserved_concurrency_beyond_what_an_account_spares_is_found() {
    let t = "Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties:\n      ReservedConcurrentExecutions: 600\n  B:\n    Type: AWS::Lambda::Function\n    Properties:\n      ReservedConcurrentExecutions: 400\n";
    assert_eq!(
        found(&import(t), "reserved_concurrency"),
        [("A".to_owned(), 5)]
    );
    assert!(found(&import(&t.replace("400", "300")), "reserved_concurrency").is_empty());
}

#[test]
fn an_alarm_on_a_metric_the_api_does_not_publish_is_found() {
    let t = "Resources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n  A:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      MetricName: 5XXError\n      Dimensions:\n        - Name: ApiName\n          Value: !Ref Api\n";
    let i = import(t);
    assert_eq!(
        found(&i, "alarm_metric_not_published"),
        [("A".to_owned(), 7)]
    );
    let http_ok = import(&t.replace("5XXError", "5xx"));
    assert!(found(&http_ok, "alarm_metric_not_published").is_empty());
    let rest = import(&t.replace("HttpApi", "Api"));
    assert!(found(&rest, "alarm_metric_not_published").is_empty());
    let rest_wrong = import(&t.replace("HttpApi", "Api").replace("5XXError", "5xx"));
    assert_eq!(
        found(&rest_wrong, "alarm_metric_not_published"),
        [("A".to_owned(), 7)]
    );
}
