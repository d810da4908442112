//! The portfolio and review tags, end to end: the per-review summary moves in the same
//! transaction as the write that changes it (and a refused write leaves it as it was); each
//! caller sees only the reviews of their teams (an API token, its own team's), in the page, the
//! JSON and the CSV alike; the filters; tags normalised or refused naming the field; the CSV
//! neutralises formulas; trends follow the milestones; stale summaries (the migration's
//! backfill) are summarised in the background without any view evaluating a review.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::access::world;
use super::client::{Client, TestApp};
use super::risks::api;

const HIGH_PROBLEM: &str = "Resources built by hand in the console";

async fn portfolio(c: &Client, query: &str) -> Value {
    let r = api(c, Method::GET, &format!("/api/v1/portfolio{query}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

fn review<'a>(p: &'a Value, name: &str) -> Option<&'a Value> {
    p["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
}

fn names(p: &Value) -> Vec<String> {
    p["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn put_iac(c: &Client, id: &str, value: &str, version: Option<i64>) -> (StatusCode, String) {
    let r = api(
        c,
        Method::PUT,
        &format!("/api/v1/assessments/{id}/answers/iac"),
        Some(json!({ "value": value, "version": version })),
    )
    .await;
    (r.status, r.body)
}

async fn iac_version(app: &TestApp, id: &str) -> Option<i64> {
    app.store
        .answers(id)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.question_id == "iac")
        .map(|a| a.version)
}

async fn set_tags(c: &Client, id: &str, tags: Value) -> (StatusCode, Value) {
    let r = api(
        c,
        Method::PUT,
        &format!("/api/v1/assessments/{id}/tags"),
        Some(json!({ "tags": tags })),
    )
    .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_summary_moves_with_each_answer_write_and_a_refused_write_leaves_it() {
    let w = world().await;
    let id = w.assessment.as_str();
    let name = "Zeta ledger";
    let before = portfolio(&w.viewer, "").await;
    let row = review(&before, name).expect("the team's review is in the portfolio");
    assert_eq!(row["summarised"], true, "{row}");
    assert_eq!(row["high_risks"], 0);

    // An answer that raises a high risk: the summary says so as soon as the write returns.
    let (status, body) = put_iac(&w.editor, id, "console", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = portfolio(&w.viewer, "").await;
    let row = review(&after, name).unwrap();
    assert_eq!(row["summarised"], true);
    assert_eq!(row["high_risks"], 1, "{row}");
    assert_eq!(row["open_high_risks"][0]["title"], HIGH_PROBLEM);
    assert_eq!(row["open_high_risks"][0]["area"], "Delivery");
    assert!(
        row["areas"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["title"].is_string())
    );

    // A stale version is refused, and the summary is the one of the stored answers.
    let (status, _) = put_iac(&w.editor, id, "everything", Some(99)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A batch with one bad item stores none of it, summary included.
    let version = iac_version(&w.app, id).await;
    let r = api(
        &w.editor,
        Method::PUT,
        &format!("/api/v1/assessments/{id}/answers"),
        Some(json!({"answers": [
            {"question_id": "iac", "value": "everything", "version": version},
            {"question_id": "peak_rps", "value": 10, "version": 999},
        ]})),
    )
    .await;
    assert!(r.status.is_client_error(), "{} {}", r.status, r.body);
    let unchanged = portfolio(&w.viewer, "").await;
    assert_eq!(review(&unchanged, name), review(&after, name));

    // The summary is in the same state as the answers: the review's revision, not stale.
    let (status, _) = put_iac(&w.editor, id, "everything", version).await;
    assert_eq!(status, StatusCode::OK);
    let fixed = portfolio(&w.viewer, "").await;
    assert_eq!(review(&fixed, name).unwrap()["high_risks"], 0);

    // Accepting the medium risk another answer raises takes it off the open count.
    let (status, _) = put_iac(&w.editor, id, "most", iac_version(&w.app, id).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        review(&portfolio(&w.viewer, "").await, name).unwrap()["medium_risks"],
        1
    );
    let r = api(
        &w.editor,
        Method::PUT,
        &format!("/api/v1/assessments/{id}/acceptances/iac"),
        Some(json!({"reason": "Moving to templates next quarter"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        review(&portfolio(&w.viewer, "").await, name).unwrap()["medium_risks"],
        0
    );
}

#[tokio::test]
async fn each_caller_sees_only_their_teams_reviews_in_the_page_the_api_and_the_exports() {
    let w = world().await;
    let theirs = w.outsider.create("Outsider billing").await;
    let _ = theirs;
    // The editor's own team (made with the account) has a review the team's token cannot see.
    w.editor.create("Editor side project").await;

    let outsider = portfolio(&w.outsider, "").await;
    assert_eq!(names(&outsider), ["Outsider billing"]);
    assert_eq!(outsider["total"], 1);
    let csv = w.outsider.get("/api/v1/portfolio?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("Outsider billing") && !csv.body.contains("Zeta ledger"));
    let page = w.outsider.get("/portfolio").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Outsider billing") && !page.body.contains("Zeta ledger"));

    let viewer = portfolio(&w.viewer, "").await;
    assert!(names(&viewer).contains(&"Zeta ledger".to_owned()));
    assert!(!names(&viewer).contains(&"Outsider billing".to_owned()));

    let editor = portfolio(&w.editor, "").await;
    assert!(names(&editor).contains(&"Editor side project".to_owned()));
    let token = Client {
        bearer: Some(w.token.clone()),
        ..w.app.anonymous()
    };
    let scoped = portfolio(&token, "").await;
    assert!(names(&scoped).contains(&"Zeta ledger".to_owned()));
    assert!(!names(&scoped).contains(&"Editor side project".to_owned()));

    // Another team's review cannot be tagged, nor its tags read; a viewer cannot tag.
    let (status, _) = set_tags(&w.outsider, &w.assessment, json!(["x"])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = api(
        &w.outsider,
        Method::GET,
        &format!("/api/v1/assessments/{}/tags", w.assessment),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let (status, _) = set_tags(&w.viewer, &w.assessment, json!(["x"])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A team filter naming a team the caller is not in is refused, naming the field.
    let r = api(
        &w.outsider,
        Method::GET,
        &format!("/api/v1/portfolio?team={}", w.team),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("team:"), "{}", r.body);

    let anonymous = w.app.anonymous().get("/api/v1/portfolio").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_filters_narrow_by_team_status_and_tag_and_say_how_many_match() {
    let w = world().await;
    let owner = &w.owner;
    let a = owner.create("Payments API").await;
    let b = owner.create("Search indexer").await;
    owner.create("Reporting jobs").await;
    let (status, tags) = set_tags(owner, &a, json!(["  Payments ", "payments", "PCI", ""])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tags["tags"], json!(["payments", "pci"]));
    set_tags(owner, &b, json!(["search", "eu & us"])).await;
    // The home list shows each review's tags, each a link to the portfolio filtered by it.
    let home = owner.get("/").await;
    for link in [
        "href=\"/portfolio?tag=payments\"",
        "href=\"/portfolio?tag=pci\"",
        "href=\"/portfolio?tag=eu%20%26%20us\"",
    ] {
        assert!(home.body.contains(link), "{link}: {}", home.body);
    }

    let tagged = portfolio(owner, "?tag=PCI").await;
    assert_eq!(names(&tagged), ["Payments API"]);
    assert_eq!(tagged["reviews"][0]["tags"], json!(["payments", "pci"]));
    let all = portfolio(owner, "").await;
    assert_eq!(all["total"], 4, "the world's review and three more");
    let limited = portfolio(owner, "?limit=2").await;
    assert_eq!(
        (limited["total"].as_i64(), limited["shown"].as_i64()),
        (Some(4), Some(2))
    );
    let team = portfolio(owner, &format!("?team={}", w.team)).await;
    assert_eq!(team["total"], 4);

    // Archived reviews leave the default view and are found with `status=archived`.
    let version = owner.app.store.assessment(&b).await.unwrap().version;
    let r = api(
        owner,
        Method::POST,
        &format!("/api/v1/assessments/{b}/archive"),
        Some(json!({ "version": version })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!names(&portfolio(owner, "").await).contains(&"Search indexer".to_owned()));
    let archived = portfolio(owner, "?status=archived").await;
    assert_eq!(names(&archived), ["Search indexer"]);
    assert_eq!(archived["reviews"][0]["status"], "archived");
    assert_eq!(portfolio(owner, "?status=all").await["total"], 4);

    // The page: a GET form, its choices kept, "showing N of M".
    let page = owner.get("/portfolio?tag=pci").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Payments API") && !page.body.contains("Reporting jobs"));
    assert!(page.body.contains("Showing 1 of 1"), "{}", page.body);
    assert!(
        page.body
            .contains("<form method=\"get\" action=\"/portfolio\"")
    );

    for (query, field) in [
        ("?status=gone", "status:"),
        ("?limit=0", "limit:"),
        ("?limit=5000", "limit:"),
        ("?format=xml", "format:"),
    ] {
        let r = api(
            owner,
            Method::GET,
            &format!("/api/v1/portfolio{query}"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(r.body.contains(field), "{query}: {}", r.body);
    }
}

#[tokio::test]
async fn tags_are_refused_naming_the_field_when_too_long_too_many_or_with_a_comma() {
    let w = world().await;
    let id = w.assessment.as_str();
    let long = "x".repeat(41);
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    for tags in [
        json!([long]),
        json!(many),
        json!(["a,b"]),
        json!(["tab\there"]),
    ] {
        let r = api(
            &w.editor,
            Method::PUT,
            &format!("/api/v1/assessments/{id}/tags"),
            Some(json!({ "tags": tags })),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{tags}");
        assert!(r.body.contains("tags:"), "{}", r.body);
    }
    assert!(
        w.app.store.tags(id).await.unwrap().is_empty(),
        "nothing stored"
    );
    // Twenty, each 40 characters, is the most.
    let most: Vec<String> = (0..20).map(|i| format!("{i:0>40}")).collect();
    let (status, body) = set_tags(&w.editor, id, json!(most)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tags"].as_array().unwrap().len(), 20);

    // The review page's form: the error beside the field, nothing stored.
    let r = w
        .editor
        .post(&format!("/assessments/{id}/tags"), &[("tags", "ok, a,b")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = w
        .editor
        .post(
            &format!("/assessments/{id}/tags"),
            &[("tags", &"y".repeat(41))],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("id=\"tags-error\""), "{}", r.body);
    assert_eq!(w.app.store.tags(id).await.unwrap(), ["a", "b", "ok"]);
}

#[tokio::test]
async fn the_csv_export_neutralises_formulas_in_names_and_tags() {
    let app = TestApp::new().await;
    let owner = app.user("Olive Owner").await;
    let id = owner.create("=cmd|' /C calc'!A0").await;
    let (status, _) = set_tags(&owner, &id, json!(["@sum(a1)", "-2+3"])).await;
    assert_eq!(status, StatusCode::OK);
    let r = owner.get("/api/v1/portfolio?format=csv").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[axum::http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut reader = csv::Reader::from_reader(r.body.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "Review");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "'=cmd|' /C calc'!A0");
    assert_eq!(&rows[0][11], "'-2+3, @sum(a1)");
    for row in &rows {
        for cell in row {
            assert!(!cell.trim_start().starts_with(['=', '+', '@']), "{cell}");
        }
    }
}

#[tokio::test]
async fn trends_follow_the_milestones_oldest_first() {
    let app = TestApp::new().await;
    let owner = app.user("Olive Owner").await;
    let id = owner.create("Orders").await;
    let (status, _) = put_iac(&owner, &id, "console", None).await;
    assert_eq!(status, StatusCode::OK);
    let milestone = |name: &'static str| {
        let owner = owner.clone();
        let id = id.clone();
        async move {
            let r = owner
                .post(
                    "/api/create_milestone",
                    &[("id", id.as_str()), ("name", name)],
                )
                .await;
            assert!(r.status.is_redirection(), "{}", r.body);
        }
    };
    milestone("Design").await;
    let (status, _) = put_iac(&owner, &id, "everything", iac_version(&app, &id).await).await;
    assert_eq!(status, StatusCode::OK);
    milestone("Launch").await;
    let p = portfolio(&owner, "").await;
    let trend = review(&p, "Orders").unwrap()["trend"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(trend.len(), 2);
    assert_eq!(
        (trend[0]["name"].as_str(), trend[1]["name"].as_str()),
        (Some("Design"), Some("Launch"))
    );
    let (first, last) = (
        trend[0]["overall"].as_f64().unwrap(),
        trend[1]["overall"].as_f64().unwrap(),
    );
    assert!(
        last > first,
        "fixing the high risk raised the score: {first} → {last}"
    );
    assert_eq!(
        review(&p, "Orders").unwrap()["overall"].as_f64(),
        Some(last)
    );
    let page = owner.get("/portfolio").await;
    assert!(
        page.body.contains("<svg") && page.body.contains("Design") && page.body.contains("Launch")
    );
}

#[tokio::test]
async fn overdue_checklist_items_are_grouped_by_owner() {
    let app = TestApp::new().await;
    let owner = app.user("Olive Owner").await;
    let id = owner.create("Orders").await;
    for (item, who, due) in [("budget_alarm", "Dana", "2020-01-02")] {
        let r = owner
            .post(
                "/api/save_checklist_item",
                &[
                    ("id", id.as_str()),
                    ("item", item),
                    ("status", "open"),
                    ("owner", who),
                    ("due_date", due),
                ],
            )
            .await;
        assert!(r.status.is_redirection(), "{}", r.body);
    }
    let p = portfolio(&owner, "").await;
    let row = review(&p, "Orders").unwrap();
    let items = row["items"].as_array().unwrap();
    let alarm = items
        .iter()
        .find(|i| i["owner"] == "Dana")
        .expect("Dana's item is open");
    assert_eq!(alarm["due_date"], "2020-01-02");
    assert_eq!(alarm["overdue"], true);
    assert_eq!(row["overdue_items"], 1);
    let page = owner.get("/portfolio").await;
    assert!(page.body.contains("Dana") && page.body.contains("2020-01-02"));
}

#[tokio::test]
async fn stale_summaries_are_summarised_in_the_background_not_by_a_view() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::database::fresh_url(dir.path()).await;
    let store = store::Store::connect(&url).await.unwrap();
    let state = server::state::AppState::new(store.clone(), dir.path().join("site"));
    let app = TestApp::with_state(state.clone(), dir);
    let owner = app.user("Olive Owner").await;
    let id = owner.create("Orders").await;
    let (status, _) = put_iac(&owner, &id, "console", None).await;
    assert_eq!(status, StatusCode::OK);
    let fresh = portfolio(&owner, "").await;
    // As the migration leaves an existing review: stale, nothing evaluated.
    {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&url).await;
        if conn.is_err() {
            sqlx::any::install_default_drivers();
            conn = sqlx::AnyConnection::connect(&url).await;
        }
        let mut conn = conn.unwrap();
        sqlx::query("UPDATE review_summaries SET stale = 1, overall = NULL, areas = '[]', high_open = 0, risks = '[]'")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let stale = &store.stale_summaries(10).await.unwrap();
    assert_eq!(stale.len(), 1);
    let done =
        server::service::portfolio::refresh_stale(&state.context(store::auth::Actor::Anonymous))
            .await
            .unwrap();
    assert_eq!(done, 1);
    assert!(store.stale_summaries(10).await.unwrap().is_empty());
    assert_eq!(portfolio(&owner, "").await["reviews"], fresh["reviews"]);
}
