//! Accepted risks, end to end: an editor accepts a raised risk with a reason through the results
//! page's plain form; everyone who reads the review sees who accepted it, when and why (the
//! results page, the JSON and Markdown reports, the REST API), and only editors get the
//! controls; a viewer and a blank reason are refused with nothing stored; the acceptance lapses
//! when the answers raise the risk above it, and can be withdrawn. Two acceptances at once leave
//! one record.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use super::access::world;
use super::client::{Client, Reply};

/// The question whose risk the tests accept: `most` raises a medium risk, `console` a high one.
const QUESTION: &str = "iac";
const MEDIUM_PROBLEM: &str = "Some resources changed by hand in the console";
const HIGH_PROBLEM: &str = "Resources built by hand in the console";
const REASON: &str = "The console changes go into the templates next quarter";

/// A JSON request to the REST API (with its JSON `Accept`), as the client's session sends it.
pub(super) async fn api(c: &Client, method: Method, uri: &str, body: Option<Value>) -> Reply {
    c.send(
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap(),
    )
    .await
}

/// Answers the question through the REST API, at the version stored.
async fn answer(c: &Client, id: &str, value: &str) {
    let version = c
        .app
        .store
        .answers(id)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.question_id == QUESTION)
        .map(|a| a.version);
    let r = api(
        c,
        Method::PUT,
        &format!("/api/v1/assessments/{id}/answers/{QUESTION}"),
        Some(json!({ "value": value, "version": version })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// The accept form's fields.
fn accept_form<'a>(id: &'a str, reason: &'a str) -> [(&'a str, &'a str); 4] {
    [
        ("id", id),
        ("question", QUESTION),
        ("level", "medium"),
        ("reason", reason),
    ]
}

/// The risk of the question in a JSON report.
async fn reported_risk(c: &Client, id: &str) -> Value {
    let r = c.get(&format!("/assessments/{id}/report.json")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let report: Value = serde_json::from_str(&r.body).unwrap();
    report["risks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["question"] == QUESTION)
        .cloned()
        .expect("the risk is in the report")
}

async fn audit_details(w: &super::access::World) -> Vec<String> {
    w.app
        .store
        .audit_log(&w.team, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.detail)
        .collect()
}

#[tokio::test]
async fn an_accepted_risk_is_shown_with_who_when_and_why_lapses_when_it_rises_and_can_be_withdrawn()
{
    let w = world().await;
    let id = w.assessment.as_str();
    let results = format!("/assessments/{id}/results");
    answer(&w.editor, id, "most").await;

    // The risk is titled by its problem, with the question as context; editors get the way to
    // fix it and to accept it, viewers neither.
    let page = w.editor.get(&results).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(MEDIUM_PROBLEM),
        "the problem titles the risk"
    );
    assert!(
        page.body
            .contains("How much of the system is defined as infrastructure as code?")
    );
    assert!(
        page.body
            .contains(&format!("/review/delivery#q-{QUESTION}\">Fix it</a>"))
    );
    assert!(page.body.contains("Accept risk") && page.body.contains("name=\"reason\""));
    let seen = w.viewer.get(&results).await.body;
    assert!(seen.contains(MEDIUM_PROBLEM));
    assert!(!seen.contains("Fix it") && !seen.contains("name=\"reason\""));

    // A viewer is refused, by the server function and by the REST API; nothing is stored.
    let refused = w
        .viewer
        .call("/api/accept_risk", &accept_form(id, REASON))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let uri = format!("/api/v1/assessments/{id}/acceptances/{QUESTION}");
    let refused = api(
        &w.viewer,
        Method::PUT,
        &uri,
        Some(json!({ "reason": REASON })),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(w.app.store.acceptances(id).await.unwrap().is_empty());

    // A blank reason comes back to the page with the error beside the reason field; nothing is
    // stored.
    let blank = w
        .editor
        .post("/api/accept_risk", &accept_form(id, "   "))
        .await;
    assert!(
        blank.status.is_redirection(),
        "{} {}",
        blank.status,
        blank.body
    );
    assert!(
        blank
            .location
            .starts_with(&format!("{results}?field=reason-{QUESTION}&"))
            && blank.location.ends_with(&format!("#risk-{QUESTION}")),
        "{}",
        blank.location
    );
    let back = w.editor.get(&blank.location).await.body;
    let error = back
        .split("class=\"field-error\"")
        .nth(1)
        .expect("the error beside the field");
    assert!(error.contains("reason cannot be blank"), "{error}");
    assert!(back.contains(&format!("aria-describedby=\"reason-{QUESTION}-error\"")));
    assert!(
        !back.contains("That was not saved"),
        "shown once, beside the field"
    );
    let blank = api(&w.editor, Method::PUT, &uri, Some(json!({ "reason": " " }))).await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST, "{}", blank.body);
    assert!(blank.body.contains("reason:"), "{}", blank.body);
    assert!(w.app.store.acceptances(id).await.unwrap().is_empty());

    // The editor accepts it: back to the risk, one record of who, when, why and at which level.
    let accepted = w
        .editor
        .post("/api/accept_risk", &accept_form(id, REASON))
        .await;
    assert!(accepted.status.is_redirection(), "{}", accepted.body);
    assert_eq!(accepted.location, format!("{results}#risk-{QUESTION}"));
    let stored = w.app.store.acceptances(id).await.unwrap();
    assert_eq!(stored.len(), 1);
    let editor_id = w.user_id("eddie.editor").await;
    assert_eq!(
        (
            stored[0].level.as_str(),
            stored[0].reason.as_str(),
            stored[0].accepted_by.as_str(),
            stored[0].accepted_by_name.as_str()
        ),
        ("medium", REASON, editor_id.as_str(), "Eddie Editor")
    );
    let day = server::report::export::rfc3339(stored[0].accepted_at)[..10].to_owned();
    let said = format!("Accepted by Eddie Editor on {day}: {REASON}");
    assert!(
        audit_details(&w).await.contains(&format!(
            "accepted the risk \u{201c}{MEDIUM_PROBLEM}\u{201d} on \u{201c}Zeta ledger\u{201d}: {REASON}"
        )),
        "the audit log says it in words"
    );

    // Everyone who reads the review sees it (the page rendered before was not reused); only
    // editors can withdraw it. Accepting keeps the risk and its score.
    let page = w.editor.get(&results).await.body;
    assert!(page.contains(&said), "{page}");
    assert!(page.contains("Withdraw") && page.contains("1 medium risk, 1 accepted"));
    let seen = w.viewer.get(&results).await.body;
    assert!(seen.contains(&said) && !seen.contains("Withdraw"));
    let shared = w
        .app
        .anonymous()
        .get(&format!("/share/{}", w.share))
        .await
        .body;
    assert!(shared.contains(&said) && !shared.contains("Withdraw"));
    assert!(!shared.contains("name=\"reason\"") && !shared.contains("Fix it"));
    let risk = reported_risk(&w.viewer, id).await;
    assert_eq!(risk["problem"], MEDIUM_PROBLEM);
    assert_eq!(risk["level"], "medium");
    assert_eq!(risk["accepted"]["by"], "Eddie Editor");
    assert_eq!(risk["accepted"]["reason"], REASON);
    assert_eq!(risk["accepted"]["level"], "medium");
    assert_eq!(risk["accepted"]["lapsed"], false);
    assert!(risk["accepted"]["at"].as_str().unwrap().starts_with(&day));
    let md = w
        .viewer
        .get(&format!("/assessments/{id}/report.md"))
        .await
        .body;
    assert!(md.contains(&format!("**{MEDIUM_PROBLEM}**")), "{md}");
    assert!(md.contains(&said), "{md}");

    // The answer changes and the risk rises above the level accepted: the acceptance lapses,
    // shown as such, and no longer counts.
    answer(&w.editor, id, "console").await;
    let page = w.editor.get(&results).await.body;
    assert!(page.contains(HIGH_PROBLEM) && page.contains("Acceptance lapsed"));
    assert!(page.contains(&said) && page.contains("1 high risk; 0 medium risks"));
    assert!(page.contains("Accept the risk at this level"));
    let risk = reported_risk(&w.viewer, id).await;
    assert_eq!(
        (&risk["level"], &risk["problem"]),
        (&json!("high"), &json!(HIGH_PROBLEM))
    );
    assert_eq!(risk["accepted"]["level"], "medium");
    assert_eq!(risk["accepted"]["lapsed"], true);
    let list = api(
        &w.viewer,
        Method::GET,
        &format!("/api/v1/assessments/{id}/acceptances"),
        None,
    )
    .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let list: Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(list["items"][0]["current_level"], "high");
    assert_eq!(list["items"][0]["lapsed"], true);
    assert_eq!(list["items"][0]["accepted_by"]["id"], editor_id.as_str());

    // A viewer cannot withdraw it; the editor can, once.
    let form = [("id", id), ("question", QUESTION)];
    let refused = w.viewer.call("/api/withdraw_risk", &form).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(w.app.store.acceptances(id).await.unwrap().len(), 1);
    let withdrawn = w.editor.post("/api/withdraw_risk", &form).await;
    assert_eq!(withdrawn.location, format!("{results}#risk-{QUESTION}"));
    assert!(w.app.store.acceptances(id).await.unwrap().is_empty());
    let page = w.editor.get(&results).await.body;
    assert!(!page.contains(&said) && page.contains("Accept risk"));
    assert!(
        audit_details(&w)
            .await
            .iter()
            .any(|d| d.starts_with(&format!(
                "withdrew the acceptance of the risk \u{201c}{HIGH_PROBLEM}\u{201d}"
            )))
    );
    let again = w.editor.call("/api/withdraw_risk", &form).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
}

#[tokio::test]
async fn the_rest_api_accepts_lists_and_withdraws_with_a_token() {
    let w = world().await;
    let id = w.assessment.as_str();
    let token = Client {
        bearer: Some(w.token.clone()),
        ..w.app.anonymous()
    };
    let uri = format!("/api/v1/assessments/{id}/acceptances/{QUESTION}");
    // Nothing to accept while the question raises no risk.
    let r = api(&token, Method::PUT, &uri, Some(json!({ "reason": REASON }))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    answer(&w.editor, id, "most").await;
    // A level other than the one raised now is refused, to be looked at again.
    let r = api(
        &token,
        Method::PUT,
        &uri,
        Some(json!({ "reason": REASON, "level": "high" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = api(
        &token,
        Method::PUT,
        &uri,
        Some(json!({ "reason": REASON, "level": "medium" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["problem"], MEDIUM_PROBLEM);
    assert_eq!(body["accepted_by"]["name"], "Eddie Editor");
    assert_eq!(
        (&body["lapsed"], &body["current_level"]),
        (&json!(false), &json!("medium"))
    );
    let long = "x".repeat(2_001);
    let r = api(&token, Method::PUT, &uri, Some(json!({ "reason": long }))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let list = api(
        &token,
        Method::GET,
        &format!("/api/v1/assessments/{id}/acceptances"),
        None,
    )
    .await;
    let list: Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["reason"], REASON);
    let r = api(&token, Method::DELETE, &uri, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = api(&token, Method::DELETE, &uri, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn two_acceptances_of_one_risk_at_once_leave_one_record() {
    let w = world().await;
    let id = w.assessment.as_str();
    answer(&w.editor, id, "most").await;
    let (first, second) = (
        accept_form(id, "First reason"),
        accept_form(id, "Second reason"),
    );
    let (a, b) = tokio::join!(
        w.editor.call("/api/accept_risk", &first),
        w.owner.call("/api/accept_risk", &second),
    );
    assert_eq!(
        (a.status, b.status),
        (StatusCode::OK, StatusCode::OK),
        "{} {}",
        a.body,
        b.body
    );
    let stored = w.app.store.acceptances(id).await.unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(["First reason", "Second reason"].contains(&stored[0].reason.as_str()));
}
