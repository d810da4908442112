//! The entry points the review names, in the plan: naming a schedule adds a Scheduler schedule
//! that starts the bus, the state machine or the stream of the four patterns whose ingress takes
//! a run as it is, at the cadence `schedule_interval_min` gives (nightly when it gives none);
//! not naming one adds none; and every named entry point is listed, wired or not.

#[path = "support/case_plan.rs"]
mod case_plan;

use case_plan::{case_plan, control, one, origins};
use questionnaires::AnswerValue;
use questionnaires::model::ChoiceId;
use questionnaires::scaffold::{Pattern, StartTarget};

/// Case 12: a monthly billing run, started by a schedule every 43,200 minutes.
const CASE: &str = "12_monthly_billing_run";

const STARTED: [(Pattern, StartTarget, &str); 4] = [
    (Pattern::EventBus, StartTarget::Bus, "events:PutEvents"),
    (
        Pattern::Workflow,
        StartTarget::StateMachine,
        "states:StartExecution",
    ),
    (
        Pattern::Saga,
        StartTarget::StateMachine,
        "states:StartExecution",
    ),
    (Pattern::Stream, StartTarget::Stream, "kinesis:PutRecord"),
];

fn entries(ids: &[&str]) -> AnswerValue {
    AnswerValue::Choices(
        ids.iter()
            .map(|c| ChoiceId::parse(c).expect("a choice id"))
            .collect(),
    )
}

#[test]
fn a_named_schedule_starts_each_of_the_four_patterns_at_the_stated_cadence() {
    for (pattern, target, action) in STARTED {
        let p = case_plan(CASE, pattern, &[], &[]);
        let s = p
            .scheduled_start
            .as_ref()
            .unwrap_or_else(|| panic!("{pattern:?} has a scheduled start"));
        assert_eq!(s.target, target, "{pattern:?}");
        assert_eq!(s.target.action(), action);
        // 43,200 minutes is a month: a calendar cron, not a drifting 30-day rate; a quarter of it
        // is over the 15-minute window cap, and one interval is over Scheduler's one-day event age.
        assert_eq!(s.cadence.expression, "cron(0 2 1 * ? *)");
        assert_eq!(s.cadence.interval_min, 43_200);
        assert_eq!(s.cadence.flexible_window_min, 15);
        assert_eq!(s.cadence.max_event_age_s, 86_400);
        let c = control(&p, "scheduled_start");
        assert!(c.setting.contains("cron(0 2 1 * ? *)"), "{}", c.setting);
        assert!(c.setting.contains(action), "{}", c.setting);
        assert!(c.setting.contains("UndeliveredRunsQueue"), "{}", c.setting);
        let from = origins(&p, "scheduled_start");
        assert!(from.contains(&"entry_point".to_owned()));
        assert!(from.contains(&"schedule_interval_min".to_owned()));
        // The undeliverable runs' queue is alarmed.
        assert!(p.alarms.iter().any(|a| a.id == "dlq"), "{pattern:?}");
    }
}

#[test]
fn the_cadence_follows_schedule_interval_min() {
    for (pattern, ..) in STARTED {
        let every_5 = case_plan(
            CASE,
            pattern,
            &[("schedule_interval_min", AnswerValue::Number(5.0))],
            &[],
        );
        let s = every_5.scheduled_start.as_ref().expect("a scheduled start");
        assert_eq!(s.cadence.expression, "rate(5 minutes)");
        // A quarter of 5 minutes rounds down to 1; one interval is 300 s.
        assert_eq!(s.cadence.flexible_window_min, 1);
        assert_eq!(s.cadence.max_event_age_s, 300);
        let hourly = case_plan(
            CASE,
            pattern,
            &[("schedule_interval_min", AnswerValue::Number(120.0))],
            &[],
        );
        let s = hourly.scheduled_start.as_ref().expect("a scheduled start");
        assert_eq!(s.cadence.expression, "rate(2 hours)");
        assert_eq!(s.cadence.max_event_age_s, 7_200);
        // Faster than once a minute: Scheduler's floor, and the control says so.
        let fast = case_plan(
            CASE,
            pattern,
            &[("schedule_interval_min", AnswerValue::Number(0.25))],
            &[],
        );
        assert_eq!(
            fast.scheduled_start.as_ref().unwrap().cadence.expression,
            "rate(1 minute)"
        );
        assert!(
            control(&fast, "scheduled_start")
                .why
                .contains("at most once a minute")
        );
    }
}

#[test]
fn no_cadence_given_runs_nightly_and_says_so() {
    let p = case_plan(CASE, Pattern::Workflow, &[], &["schedule_interval_min"]);
    let s = p.scheduled_start.as_ref().expect("a scheduled start");
    assert_eq!(s.cadence.expression, "cron(0 2 * * ? *)");
    assert_eq!(s.cadence.timezone, "UTC");
    assert!(control(&p, "scheduled_start").why.contains("no cadence"));
}

#[test]
fn no_schedule_named_adds_none() {
    for (pattern, ..) in STARTED {
        let p = case_plan(CASE, pattern, &[("entry_point", one("http_api"))], &[]);
        assert!(p.scheduled_start.is_none(), "{pattern:?}");
        assert!(p.controls.iter().all(|c| c.id != "scheduled_start"));
    }
    // Nor do the patterns whose ingress a schedule does not start as it is.
    for pattern in [Pattern::Api, Pattern::ScheduledJobs, Pattern::Fanout] {
        assert!(
            case_plan(CASE, pattern, &[], &[]).scheduled_start.is_none(),
            "{pattern:?}"
        );
    }
}

#[test]
fn every_named_entry_point_is_listed_wired_or_carried_elsewhere() {
    let named = entries(&["http_api", "schedule", "event_bus", "s3_events"]);
    let p = case_plan(
        CASE,
        Pattern::EventBus,
        &[("entry_point", named.clone())],
        &[],
    );
    let ids: Vec<&str> = p.entry_points.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["http_api", "schedule", "event_bus", "s3_events"]);
    let by = |id: &str| p.entry_points.iter().find(|e| e.id == id).unwrap();
    assert!(by("schedule").wired);
    assert!(by("schedule").detail.contains("StartSchedule"));
    assert!(by("event_bus").wired);
    assert!(!by("http_api").wired);
    assert!(by("http_api").detail.contains("api_lambda_dynamodb"));
    assert!(!by("s3_events").wired);
    assert!(by("s3_events").detail.contains("s3_event_processing"));
    assert_eq!(
        by("s3_events").title,
        "S3 object events (uploads, new files)"
    );

    // The workflow wires the HTTP route the same answers name; the API starter has no schedule
    // and says which starter runs one.
    let w = case_plan(
        CASE,
        Pattern::Workflow,
        &[("entry_point", named.clone())],
        &[],
    );
    assert!(
        w.entry_points
            .iter()
            .find(|e| e.id == "http_api")
            .unwrap()
            .wired
    );
    let a = case_plan(CASE, Pattern::Api, &[("entry_point", named)], &[]);
    let s = a.entry_points.iter().find(|e| e.id == "schedule").unwrap();
    assert!(!s.wired);
    assert!(s.detail.contains("scheduled_jobs"), "{}", s.detail);
}
