//! Sign-off, end to end: an owner approves a review with a reason for each blocker (a risk the
//! team accepted brings its own); the approval saves a milestone, an audit entry and a new
//! revision, and every report of the review and of that milestone says who approved it and
//! what was accepted and why. A blocker without a reason is a 422 naming it, a non-owner a 403,
//! an incomplete review or a second approval of the same answers a 409, with nothing stored.
//! Once an answer changes, the review's reports say "changed since approval" while the approved
//! milestone's still carry the approval. The results page offers owners "Approve this design"
//! with a reason box per blocker (errors beside each), and shows the approval or that the answers
//! changed since. Run on Postgres too with `TEST_POSTGRES_URL`.

use std::path::Path;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::access::world;
use super::client::{Client, Reply};
use super::risks::api;

/// The golden scenario with three blockers: a high risk and two failed checks.
const CASE: &str = "12_monthly_billing_run";
const RISK_BLOCKER: &str = "job_duration_min";
const RISK_TITLE: &str = "Jobs longer than Lambda's 15-minute limit";
const CHECK_BLOCKER: &str = "lambda_timeout";
const CHECK_TITLE: &str = "Lambda maximum duration";
const P99_BLOCKER: &str = "lambda_concurrency_p99";

/// Replaces a review's answers with those of the golden scenario with blockers.
pub(super) async fn answer_case(c: &Client, id: &str) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../questionnaires/tests/cases/{CASE}.toml")),
    )
    .unwrap();
    let file: Value = toml::from_str(&text).unwrap();
    let r = api(
        c,
        Method::PUT,
        &format!("/api/v1/assessments/{id}/answers-file?mode=replace"),
        Some(file),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// A new review of the owner's, answered as the scenario with blockers and approved with a
/// reason for each: what other tests seed an approval with.
pub(super) async fn approved_review(owner: &Client) -> String {
    let id = owner.create("Approved billing run").await;
    answer_case(owner, &id).await;
    let r = api(
        owner,
        Method::POST,
        &approvals_uri(&id),
        Some(json!({ "reasons": every_reason() })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    id
}

/// Changes the item size the scenario answered, at the version stored.
async fn change_an_answer(c: &Client, id: &str) {
    let version = c
        .app
        .store
        .answers(id)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.question_id == "item_size_kb")
        .map(|a| a.version);
    let r = api(
        c,
        Method::PUT,
        &format!("/api/v1/assessments/{id}/answers/item_size_kb"),
        Some(json!({ "value": 12, "version": version })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// A reason for every blocker of the scenario.
pub(super) fn every_reason() -> Value {
    json!({
        RISK_BLOCKER: "The rating step moves to a Fargate task before the first billing run",
        CHECK_BLOCKER: "Same fix as the 20-minute job: the step leaves Lambda",
        P99_BLOCKER: "A quota increase to 3,000 is requested; the queue caps concurrency meanwhile",
    })
}

fn approvals_uri(id: &str) -> String {
    format!("/api/v1/assessments/{id}/approvals")
}

async fn report(c: &Client, path: &str) -> Value {
    let r = c.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

#[tokio::test]
async fn an_owner_approves_with_a_reason_per_blocker_and_the_reports_carry_the_sign_off() {
    let w = world().await;
    let id = w.assessment.as_str();
    answer_case(&w.owner, id).await;
    let listed = api(&w.viewer, Method::GET, &approvals_uri(id), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let listed: Value = serde_json::from_str(&listed.body).unwrap();
    assert_eq!(listed, json!({"items": [], "changed_since": false}));
    let milestones = w.app.store.milestones(id).await.unwrap().len();
    let revision = w.app.store.revision(id).await.unwrap();

    // A blocker without a reason is a 422 naming it (and the field); nothing is stored.
    let mut reasons = every_reason();
    reasons[CHECK_BLOCKER] = json!("   ");
    let refused = api(
        &w.owner,
        Method::POST,
        &approvals_uri(id),
        Some(json!({ "reasons": reasons })),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let message = serde_json::from_str::<Value>(&refused.body).unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains(&format!("reasons.{CHECK_BLOCKER}")) && message.contains(CHECK_TITLE),
        "{message}"
    );
    assert!(
        !message.contains(RISK_TITLE),
        "only the blocker lacking a reason: {message}"
    );
    // An editor and a viewer may not approve, even with every reason.
    for who in [&w.editor, &w.viewer] {
        let r = api(
            who,
            Method::POST,
            &approvals_uri(id),
            Some(json!({ "reasons": every_reason() })),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    assert!(w.app.store.approvals(id).await.unwrap().is_empty());
    assert_eq!(w.app.store.milestones(id).await.unwrap().len(), milestones);
    assert_eq!(w.app.store.revision(id).await.unwrap(), revision);

    // The owner approves: the approval, its milestone, its audit entry and a new revision.
    let r = api(
        &w.owner,
        Method::POST,
        &approvals_uri(id),
        Some(json!({ "reasons": every_reason(), "milestone": "Architecture board" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let approval: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(approval["approved_by"]["name"], "Olive Owner");
    assert_eq!(approval["milestone"], "Architecture board");
    assert_eq!(approval["verdict"]["status"], "fits_with_blockers");
    let accepted = approval["accepted"].as_array().unwrap();
    assert_eq!(accepted.len(), 3);
    assert!(accepted.iter().any(|a| a["id"] == RISK_BLOCKER
        && a["kind"] == "risk"
        && a["title"] == RISK_TITLE
        && a["reason"] == every_reason()[RISK_BLOCKER]));
    let milestone = approval["milestone_id"].as_str().unwrap().to_owned();
    let saved = w.app.store.milestone(id, &milestone).await.unwrap();
    assert_eq!(saved.row.name, "Architecture board");
    assert!(w.app.store.revision(id).await.unwrap() > revision);
    let audit: Vec<String> = w
        .app
        .store
        .audit_log(&w.team, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "approval")
        .map(|a| a.detail)
        .collect();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert!(
        audit[0].contains("Fits, with blockers") && audit[0].contains(RISK_TITLE),
        "{}",
        audit[0]
    );

    // Every report of the review now, and of the approved milestone, carries the sign-off.
    for path in [
        format!("/assessments/{id}/report.json"),
        format!("/assessments/{id}/milestones/{milestone}/report.json"),
    ] {
        let r = report(&w.viewer, &path).await;
        let s = &r["sign_off"];
        assert_eq!(s["by"], "Olive Owner", "{path}");
        assert_eq!(s["milestone"], "Architecture board");
        assert_eq!(s["changed_since"], false);
        assert_eq!(s["verdict_label"], "Fits, with blockers");
        assert_eq!(s["accepted"].as_array().unwrap().len(), 3);
        let sentence = r["summary"]["sign_off"].as_str().unwrap();
        assert!(
            sentence.starts_with("Approved by Olive Owner on "),
            "{sentence}"
        );
    }
    let md = w
        .viewer
        .get(&format!("/assessments/{id}/report.md"))
        .await
        .body;
    assert!(
        md.contains("**Sign-off:** Approved by Olive Owner on "),
        "{md}"
    );
    assert!(md.contains(&format!("- {CHECK_TITLE}: Same fix as the 20-minute job")));
    let html = w
        .viewer
        .get(&format!("/assessments/{id}/report.html"))
        .await
        .body;
    assert!(html.contains("<dt>Sign-off</dt>") && html.contains("Approved by Olive Owner"));
    let listed: Value = serde_json::from_str(
        &api(&w.viewer, Method::GET, &approvals_uri(id), None)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["changed_since"], false);

    // Approving the same answers again is a conflict, and stores nothing.
    let again = api(
        &w.owner,
        Method::POST,
        &approvals_uri(id),
        Some(json!({ "reasons": every_reason() })),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(
        again.body.contains("have not changed since"),
        "{}",
        again.body
    );
    assert_eq!(w.app.store.approvals(id).await.unwrap().len(), 1);

    // An answer changes: the review's reports say so; the approved milestone's do not.
    change_an_answer(&w.editor, id).await;
    let now = report(&w.viewer, &format!("/assessments/{id}/report.json")).await;
    assert_eq!(now["sign_off"]["changed_since"], true);
    let sentence = now["summary"]["sign_off"].as_str().unwrap();
    assert!(
        sentence.starts_with("Changed since approval by Olive Owner on "),
        "{sentence}"
    );
    assert!(
        now["summary"]["decisions"][0]
            .as_str()
            .unwrap()
            .starts_with("Approve the design again"),
        "{}",
        now["summary"]["decisions"]
    );
    let then = report(
        &w.viewer,
        &format!("/assessments/{id}/milestones/{milestone}/report.json"),
    )
    .await;
    assert_eq!(then["sign_off"]["changed_since"], false);
    let md = w
        .viewer
        .get(&format!("/assessments/{id}/report.md"))
        .await
        .body;
    assert!(md.contains("Changed since approval by Olive Owner"), "{md}");
    let listed: Value = serde_json::from_str(
        &api(&w.viewer, Method::GET, &approvals_uri(id), None)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(listed["changed_since"], true);

    // The changed review can be approved again: a second record, newest first.
    let r = api(
        &w.owner,
        Method::POST,
        &approvals_uri(id),
        Some(json!({ "reasons": every_reason() })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let approvals = w.app.store.approvals(id).await.unwrap();
    assert_eq!(approvals.len(), 2);
    assert_eq!(approvals[0].milestone_name, "Approved by Olive Owner");
    let now = report(&w.viewer, &format!("/assessments/{id}/report.json")).await;
    assert_eq!(now["sign_off"]["changed_since"], false);
}

#[tokio::test]
async fn an_accepted_risk_brings_its_reason_and_bad_approvals_change_nothing() {
    let w = world().await;
    let id = w.assessment.as_str();

    // Too few answers: no verdict to approve.
    let r = api(&w.owner, Method::POST, &approvals_uri(id), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("incomplete"), "{}", r.body);

    answer_case(&w.owner, id).await;
    // A reason for something that is not a blocker, a reason too long, a name too long, a body
    // of the wrong shape: each refused, naming the field.
    let cases = [
        (
            json!({ "reasons": { "iac": "Not a blocker" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reasons.iac",
        ),
        (
            json!({ "reasons": { CHECK_BLOCKER: "x".repeat(2_001) } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "at most 2,000 characters",
        ),
        (
            json!({ "reasons": every_reason(), "milestone": "m".repeat(101) }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "milestone:",
        ),
        (
            json!({ "reasons": ["a"] }),
            StatusCode::BAD_REQUEST,
            "reasons",
        ),
        (
            json!({ "reasons": {}, "surprise": 1 }),
            StatusCode::BAD_REQUEST,
            "surprise",
        ),
    ];
    for (body, status, says) in cases {
        let r = api(
            &w.owner,
            Method::POST,
            &approvals_uri(id),
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert!(r.body.contains(says), "{body}: {}", r.body);
    }
    assert!(w.app.store.approvals(id).await.unwrap().is_empty());

    // The high risk the team accepted needs no second reason; the checks still do.
    let reason = "The team moves the step to Fargate; accepted until then";
    let r = api(
        &w.editor,
        Method::PUT,
        &format!("/api/v1/assessments/{id}/acceptances/{RISK_BLOCKER}"),
        Some(json!({ "reason": reason })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut reasons = every_reason();
    reasons.as_object_mut().unwrap().remove(RISK_BLOCKER);
    let r = api(
        &w.owner,
        Method::POST,
        &approvals_uri(id),
        Some(json!({ "reasons": reasons })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let approval: Value = serde_json::from_str(&r.body).unwrap();
    let risk = approval["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == RISK_BLOCKER)
        .cloned()
        .unwrap();
    assert_eq!(risk["reason"], reason);
}

/// The approval form's fields: the review, and a reason for each blocker given.
fn approve_form(id: &str, reasons: &Value) -> Vec<(String, String)> {
    let mut fields = vec![("id".to_owned(), id.to_owned())];
    for (k, v) in reasons.as_object().unwrap() {
        fields.push((format!("reasons[{k}]"), v.as_str().unwrap().to_owned()));
    }
    fields
}

async fn post_form(c: &Client, fields: &[(String, String)]) -> Reply {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post("/api/approve_design", &fields).await
}

#[tokio::test]
async fn owners_approve_on_the_results_page_with_each_problem_beside_its_reason_box() {
    let w = world().await;
    let id = w.assessment.as_str();
    let results = format!("/assessments/{id}/results");
    answer_case(&w.owner, id).await;

    // Owners get the form, a box per blocker; editors and viewers neither form nor banner.
    let page = w.owner.get(&results).await.body;
    assert!(page.contains("Approve this design"), "the owner's form");
    for blocker in [RISK_BLOCKER, CHECK_BLOCKER, P99_BLOCKER] {
        assert!(
            page.contains(&format!("name=\"reasons[{blocker}]\"")),
            "{blocker}"
        );
        assert!(
            page.contains(&format!("for=\"approve-{blocker}\"")),
            "{blocker}"
        );
    }
    for who in [&w.editor, &w.viewer] {
        let seen = who.get(&results).await.body;
        assert!(!seen.contains("Approve this design") && !seen.contains("Approved by"));
    }

    // A box left blank comes back with its problem beside it; nothing is stored.
    let mut reasons = every_reason();
    reasons.as_object_mut().unwrap().remove(P99_BLOCKER);
    let refused = post_form(&w.owner, &approve_form(id, &reasons)).await;
    assert!(
        refused.status.is_redirection(),
        "{} {}",
        refused.status,
        refused.body
    );
    assert!(
        refused
            .location
            .starts_with(&format!("{results}?field=approve&"))
            && refused.location.ends_with("#sign-off"),
        "{}",
        refused.location
    );
    let back = w.owner.get(&refused.location).await.body;
    let beside = back
        .split(&format!("id=\"approve-{P99_BLOCKER}-error\""))
        .nth(1)
        .expect("the problem beside the blocker's box");
    assert!(beside.contains("needs a reason to be accepted"), "{beside}");
    assert!(!back.contains(&format!("approve-{CHECK_BLOCKER}-error")));
    // The form's `<details>` tag, whatever the order of its attributes.
    let at = back.find("class=\"approve\"").expect("the approval form");
    let start = back[..at].rfind('<').unwrap();
    let details = &back[start..at + back[at..].find('>').unwrap()];
    assert!(details.contains("open"), "the form stays open: {details}");
    assert!(w.app.store.approvals(id).await.unwrap().is_empty());

    // Approved: back to the banner, for everyone who reads the results; no form any more.
    let revision = w.app.store.revision(id).await.unwrap();
    let approved = post_form(&w.owner, &approve_form(id, &every_reason())).await;
    assert_eq!(
        approved.location,
        format!("{results}#sign-off"),
        "{}",
        approved.body
    );
    assert!(w.app.store.revision(id).await.unwrap() > revision);
    let seen = w.viewer.get(&results).await.body;
    assert!(seen.contains("Approved by Olive Owner on "), "the banner");
    assert!(seen.contains("3 blockers accepted") && seen.contains(CHECK_TITLE));
    let page = w.owner.get(&results).await.body;
    assert!(page.contains("Approved by Olive Owner on ") && !page.contains("Approve this design"));

    // An answer changes: the banner says so, and the owner may approve again.
    change_an_answer(&w.editor, id).await;
    let seen = w.viewer.get(&results).await.body;
    assert!(
        seen.contains("Changed since approval by Olive Owner on "),
        "the banner"
    );
    let page = w.owner.get(&results).await.body;
    assert!(page.contains("Approve this design again"));
}
