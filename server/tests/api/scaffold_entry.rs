//! The entry points as rendered: when the review names a schedule, the bus, workflow, saga and
//! stream starters carry an `AWS::Scheduler::Schedule` aimed at their own ingress, whose role
//! may do one thing on one resource (and dead-letter what it cannot deliver), with an alarmed
//! dead-letter queue; the README's "Entry points" section lists every entry point the review
//! names, in SAM and CDK starters alike.

use questionnaires::AnswerValue;
use questionnaires::model::ChoiceId;
use questionnaires::scaffold::{Iac, Pattern, Runtime};

use super::scaffold_needs::{one, render, render_in, text};
use super::scaffold_saga::resource;

/// Case 12: a monthly billing run, started by a schedule.
const CASE: &str = "12_monthly_billing_run";

#[test]
fn each_scheduled_start_targets_its_own_ingress_with_a_one_action_role() {
    let cases = [
        (
            Pattern::EventBus,
            "Arn: !GetAtt EventBus.Arn",
            "events:PutEvents",
            "Resource: !GetAtt EventBus.Arn",
            "DetailType: ItemCreated",
        ),
        (
            Pattern::Workflow,
            "Arn: !Ref StateMachine",
            "states:StartExecution",
            "Resource: !Ref StateMachine",
            r#""items": []"#,
        ),
        (
            Pattern::Saga,
            "Arn: !Ref StateMachine",
            "states:StartExecution",
            "Resource: !Ref StateMachine",
            r#""items": [{"sku""#,
        ),
        (
            Pattern::Stream,
            "Arn: !GetAtt Stream.Arn",
            "kinesis:PutRecord",
            "Resource: !GetAtt Stream.Arn",
            "PartitionKey: scheduled-run",
        ),
    ];
    for (pattern, target, action, scope, input) in cases {
        let (_, files) = render(CASE, pattern, Runtime::Python, &[]);
        let template = text(&files, "template.yaml");
        let schedule = resource(template, "StartSchedule");
        assert!(
            schedule.contains("Type: AWS::Scheduler::Schedule"),
            "{pattern:?}"
        );
        assert!(schedule.contains(target), "{pattern:?}: {schedule}");
        assert!(schedule.contains(input), "{pattern:?}: {schedule}");
        // Every run is named by its scheduled time, and its delivery attempt by the execution id.
        assert!(schedule.contains(r#""id": "run-<aws.scheduler.scheduled-time>""#));
        assert!(schedule.contains("<aws.scheduler.execution-id>"));
        assert!(schedule.contains("Arn: !GetAtt UndeliveredRunsQueue.Arn"));
        assert!(schedule.contains("MaximumRetryAttempts: 3"));
        assert!(schedule.contains("MaximumEventAgeInSeconds: 86400"));
        assert!(schedule.contains("MaximumWindowInMinutes: 15"));
        // Case 12 runs monthly: on the 1st of each month by default, a parameter per stage.
        assert!(
            template.contains("Default: \"cron(0 2 1 * ? *)\""),
            "{pattern:?}"
        );
        assert!(schedule.contains("ScheduleExpression: !Ref StartScheduleExpression"));

        let role = resource(template, "StartScheduleRole");
        assert!(role.contains("Service: scheduler.amazonaws.com"));
        assert!(role.contains("aws:SourceAccount: !Ref AWS::AccountId"));
        let actions: Vec<&str> = role
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Action: "))
            .collect();
        assert_eq!(
            actions,
            ["sts:AssumeRole", action, "sqs:SendMessage"],
            "{pattern:?}"
        );
        assert!(role.contains(scope), "{pattern:?}: {role}");
        assert!(!role.contains("Resource: \"*\""));

        // The undeliverable runs are alarmed.
        assert!(
            resource(template, "UndeliveredRunsQueueAlarm")
                .contains("UndeliveredRunsQueue.QueueName")
        );
    }
}

#[test]
fn the_rendered_cadence_follows_the_answer_and_no_schedule_renders_none() {
    let (_, files) = render(
        CASE,
        Pattern::Stream,
        Runtime::Typescript,
        &[("schedule_interval_min", AnswerValue::Number(15.0))],
    );
    let template = text(&files, "template.yaml");
    assert!(template.contains("Default: \"rate(15 minutes)\""));
    assert!(resource(template, "StartSchedule").contains("MaximumEventAgeInSeconds: 900"));
    assert!(text(&files, "README.md").contains("rate(15 minutes)"));

    for pattern in [
        Pattern::EventBus,
        Pattern::Workflow,
        Pattern::Saga,
        Pattern::Stream,
    ] {
        let (_, files) = render(
            CASE,
            pattern,
            Runtime::Python,
            &[("entry_point", one("event_bus"))],
        );
        let template = text(&files, "template.yaml");
        assert!(!template.contains("StartSchedule"), "{pattern:?}");
        assert!(!template.contains("UndeliveredRunsQueue"), "{pattern:?}");
    }
}

/// The README's "Entry points" section, up to the next section.
fn entry_section(readme: &str) -> &str {
    let start = readme
        .find("## Entry points")
        .expect("an Entry points section");
    let rest = &readme[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    &rest[..end]
}

#[test]
fn the_readme_lists_every_named_entry_point_in_sam_and_cdk() {
    let named = AnswerValue::Choices(
        ["schedule", "http_api", "queue"]
            .iter()
            .map(|c| ChoiceId::parse(c).unwrap())
            .collect(),
    );
    for iac in [Iac::Sam, Iac::Cdk] {
        let (_, files) = render_in(
            CASE,
            Pattern::Workflow,
            Runtime::Python,
            iac,
            &[("entry_point", named.clone())],
        );
        let readme = text(&files, "README.md");
        let section = entry_section(readme);
        assert!(section.contains("3 ways"), "{iac:?}: {section}");
        assert!(
            section.contains("| A schedule (cron or fixed rate) | Wired: `StartSchedule`"),
            "{section}"
        );
        assert!(section.contains("| API Gateway HTTP API | Wired: `POST /executions`"));
        assert!(section.contains("| An SQS queue fed by other systems | Not wired."));
        assert!(section.contains("`webhook_sqs_buffer`"));
        assert!(section.contains("`states:StartExecution` on `StateMachine`"));
        // And the control is in the answer → setting table.
        assert!(readme.contains("| Scheduled entry point |"));
    }

    // A starter that wires none of them still says which starter does.
    let (_, files) = render(CASE, Pattern::Api, Runtime::Python, &[]);
    let section = entry_section(text(&files, "README.md"));
    assert!(section.contains("one way"));
    assert!(section.contains("Not wired."));
    assert!(section.contains("`scheduled_jobs`"));
    assert!(!text(&files, "template.yaml").contains("StartSchedule"));
}
