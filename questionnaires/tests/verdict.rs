//! The verdict's rule, end to end on the built-in questionnaire: coverage, blockers, the score
//! cap, the design, failed checks steering the ranking, and evaluations stored before all of it.

use questionnaires::verdict::{BlockerKind, VerdictStatus};
use questionnaires::{Evaluation, Format, builtin, evaluate, parse_answers_file};

fn eval_toml(answers: &str) -> Evaluation {
    let text = format!(
        "questionnaire = \"serverless-review\"\n[workload]\nname = \"t\"\n[answers]\n{answers}"
    );
    let file = parse_answers_file(&text, Format::Toml, builtin()).expect("valid answers");
    evaluate(builtin(), &file.answers)
}

fn eval_case(name: &str) -> Evaluation {
    let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("case file");
    let file = parse_answers_file(&text, Format::Toml, builtin()).expect("valid case");
    evaluate(builtin(), &file.answers)
}

#[test]
fn four_answers_are_incomplete_and_provisional_whatever_they_score() {
    let e = eval_toml(
        r#"entry_point = ["http_api"]
data_store = ["dynamodb"]
traffic_shape = "spiky"
query_patterns = "key_value_known"
"#,
    );
    assert_eq!(e.verdict.status, VerdictStatus::Incomplete);
    assert!(e.scores.provisional);
    assert!(e.scores.coverage < 0.2, "coverage {}", e.scores.coverage);
    assert!(
        e.verdict.message.starts_with("Incomplete: 4 of "),
        "{}",
        e.verdict.message
    );
    // The score is still a number, just not a final one.
    assert!(e.scores.overall.is_some());
}

#[test]
fn a_payment_api_without_idempotency_is_blocked_and_capped() {
    let e = eval_case("09_payment_capture_no_idempotency");
    assert_eq!(e.verdict.status, VerdictStatus::FitsWithBlockers);
    let blocker = e
        .verdict
        .blockers
        .iter()
        .find(|b| b.id == "idempotency")
        .expect("idempotency blocks");
    assert_eq!(blocker.kind, BlockerKind::Risk);
    assert!(
        blocker.message.to_lowercase().contains("idempot"),
        "{}",
        blocker.message
    );
    assert_eq!(e.scores.overall, Some(59.0));
    assert!(
        e.scores.uncapped.is_some_and(|u| u > 59.0),
        "{:?}",
        e.scores.uncapped
    );
    assert!(!e.scores.provisional);
    assert!(
        e.verdict.message.contains("blockers are dealt with"),
        "{}",
        e.verdict.message
    );
}

#[test]
fn a_failed_check_is_a_blocker_and_steers_the_ranking() {
    let e = eval_case("18_report_export_sync_payload");
    assert!(
        e.verdict
            .blockers
            .iter()
            .any(|b| b.kind == BlockerKind::Check && b.id == "sync_payload")
    );
    let rec = |id: &str| {
        e.recommendations
            .iter()
            .find(|r| r.pattern.as_str() == id)
            .unwrap()
    };
    let s3 = rec("s3_event_processing");
    assert!(
        s3.reasons
            .iter()
            .any(|r| r.text.contains("removes a failing check")
                && r.text.contains("Synchronous payload")),
        "the presigned-upload pattern gains, naming the check"
    );
    let api = rec("api_lambda_dynamodb");
    assert!(
        api.against
            .iter()
            .any(|r| r.text.contains("keeps a failing check")),
        "the API pattern loses for keeping the 6 MB limit"
    );
    // The API still carries the requests; the S3 path joins it as an add-on.
    assert_eq!(e.recommendations[0].pattern.as_str(), "api_lambda_dynamodb");
    assert!(
        e.design
            .add_ons
            .iter()
            .any(|a| a.pattern.as_str() == "s3_event_processing")
    );
}

#[test]
fn the_design_is_a_backbone_plus_add_ons_that_say_what_they_add() {
    let e = eval_case("05_travel_booking_approval");
    let backbone = e.design.backbone.as_ref().expect("a backbone");
    assert_eq!(backbone.pattern, e.recommendations[0].pattern);
    assert!(!backbone.services.is_empty());
    let saga = e
        .design
        .add_ons
        .iter()
        .find(|a| a.pattern.as_str() == "saga")
        .expect("a saga add-on");
    assert!(!saga.addresses.is_empty());
    assert!(saga.reasons.iter().all(|r| !r.facts.is_empty()));
}

#[test]
fn containers_as_the_backbone_is_does_not_fit() {
    let e = eval_case("13_tile_render_long_jobs");
    assert_eq!(e.verdict.status, VerdictStatus::DoesNotFit);
    assert!(!e.verdict.serverless_fits);
    assert!(e.verdict.message.starts_with("Use containers"));
}

#[test]
fn contradicting_answers_are_flagged() {
    let e = eval_toml("peak_rps = 10\navg_rps = 50\nmonthly_requests = 1000\n");
    let messages: Vec<&str> = e
        .inconsistencies
        .iter()
        .map(|i| i.message.as_str())
        .collect();
    assert_eq!(e.inconsistencies.len(), 2, "{messages:?}");
    assert!(messages[0].contains("above the peak"));
    assert!(messages[1].contains("far from the average rate"));
    let e = eval_toml("peak_rps = 50\navg_rps = 10\nmonthly_requests = 25920000\n");
    assert!(e.inconsistencies.is_empty());
}

/// A milestone keeps its evaluation as JSON. This one was written by the release before the
/// verdict had a status (`trellis evaluate` on case 09, questionnaire 2026.11).
#[test]
fn an_evaluation_stored_before_the_verdict_had_a_status_still_loads() {
    let path = format!(
        "{}/tests/fixtures/evaluation-2026.11.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        raw["verdict"].get("status").is_none(),
        "the fixture predates the status"
    );
    let e: Evaluation = serde_json::from_str(&text).expect("an old evaluation loads");
    // It said "Serverless fits" then, and keeps saying what it said.
    assert_eq!(e.verdict.status, VerdictStatus::Fits);
    assert!(e.verdict.serverless_fits);
    assert!(e.verdict.blockers.is_empty());
    assert!(e.design.backbone.is_none());
    assert_eq!(e.questionnaire.version, "2026.11");
    // And it writes back out in today's shape.
    let again: Evaluation = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
    assert_eq!(again, e);
}

#[test]
fn containers_without_an_api_need_no_load_balancer() {
    // Case 13's renders arrive on a queue: whichever containers pattern carries them, no ALB.
    let e = eval_case("13_tile_render_long_jobs");
    let b = e.design.backbone.as_ref().unwrap();
    assert_eq!(b.kind, questionnaires::model::PatternKind::Containers);
    assert!(
        b.services.iter().all(|s| !s.contains("Load Balancer")),
        "{:?}",
        b.services
    );
    // Case 06 is an HTTP API on containers: the ALB stays.
    let e = eval_case("06_steady_pricing_api");
    let b = e.design.backbone.as_ref().unwrap();
    assert!(
        b.services.iter().any(|s| s.contains("Load Balancer")),
        "{:?}",
        b.services
    );
}
