//! An error quotes at most a short excerpt of what was sent: a 100 KB lens id, answers-file key
//! or form value comes back as 80 characters and "…", on an HTML page and in an API error alike.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use super::client::{Client, Reply, TestApp};
use super::lenses::{SAMPLE, lens_text, upload};

/// 100 KB of one letter: no reply may hold a run of [`RUN`] of it.
fn huge(letter: char) -> String {
    letter.to_string().repeat(100 * 1024)
}

/// As much of one letter as fits in a request's URI (the `http` crate takes at most 64 KB).
fn huge_in_uri(letter: char) -> String {
    letter.to_string().repeat(60 * 1024)
}

/// The excerpt's length (`questionnaires::excerpt::EXCERPT_CHARS`).
const RUN: usize = 80;

/// Asserts that `r` quotes no more than an excerpt of `huge(letter)`, and is not large.
fn quotes_an_excerpt(r: &Reply, letter: char, what: &str) {
    assert!(
        !r.body.contains(&letter.to_string().repeat(RUN)),
        "{what}: {} echoes the input ({} bytes): {}…",
        r.status,
        r.body.len(),
        r.body.chars().take(300).collect::<String>()
    );
    assert!(r.body.len() < 40_000, "{what}: {} bytes", r.body.len());
}

async fn put_json(c: &Client, path: &str, body: &serde_json::Value) -> Reply {
    c.send(
        Request::builder()
            .method(Method::PUT)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_lens_with_a_huge_value_is_refused_with_an_excerpt() {
    let app = TestApp::new().await;
    let c = app.user("Hugo Huge").await;
    let mut lens: serde_json::Value = serde_json::from_str(&lens_text(SAMPLE)).unwrap();
    let q = &mut lens["pillars"][0]["questions"][0];
    q["id"] = huge('q').into();
    q["choices"][0]["id"] = huge('q').into();
    q["riskRules"][0]["condition"] = format!("{} && (", huge('q')).into();
    q[huge('q')] = 1.into();
    // Four 100 KB values: the file stays under the 500 KB a lens may have.
    for action in ["import", "lint"] {
        let r = upload(&c, &lens.to_string(), action, "").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{action}");
        assert!(r.body.contains("qqq…"), "{action}: the excerpt is shown");
        quotes_an_excerpt(&r, 'q', action);
    }
}

#[tokio::test]
async fn an_answers_file_with_a_huge_key_or_value_is_refused_with_an_excerpt() {
    let app = TestApp::new().await;
    let c = app.user("Ann Answers").await;
    let id = c.create("Orders").await;
    let file = serde_json::json!({
        "questionnaire": huge('a'),
        "workload": {"name": "Orders"},
        "answers": {
            huge('a'): 1,
            "traffic_shape": huge('a'),
            "entry_point": [huge('a')],
        },
    });
    let r = put_json(&c, &format!("/api/v1/assessments/{id}/answers-file"), &file).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "{}",
        &r.body[..200.min(r.body.len())]
    );
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(
        v["error"]["details"]["fields"].as_array().unwrap().len() >= 3,
        "{v}"
    );
    quotes_an_excerpt(&r, 'a', "answers file");
    // A query value serde refuses, quoted by its error, is cut too.
    let r = put_json(
        &c,
        &format!(
            "/api/v1/assessments/{id}/answers-file?mode={}",
            huge_in_uri('m')
        ),
        &serde_json::json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    quotes_an_excerpt(&r, 'm', "query");
}

#[tokio::test]
async fn a_form_with_a_huge_value_is_refused_with_an_excerpt() {
    let app = TestApp::new().await;
    let c = app.user("Fay Form").await;
    let id = c.create("Orders").await;
    let item = questionnaires::builtin().checklist[0].id.to_string();
    for (field, letter) in [("item", 'i'), ("status", 's'), ("due_date", 'd')] {
        let value = huge(letter);
        let mut form = [
            ("id", id.clone()),
            ("item", item.clone()),
            ("status", "open".to_owned()),
            ("owner", String::new()),
            ("due_date", String::new()),
        ];
        form.iter_mut().find(|(k, _)| *k == field).unwrap().1 = value;
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.post("/api/save_checklist_item", &form).await;
        assert!(
            r.status.is_client_error() || r.status.is_redirection(),
            "{field}: {}",
            r.status
        );
        quotes_an_excerpt(&r, letter, field);
        assert!(
            !r.location.contains(&letter.to_string().repeat(RUN)),
            "{field}: {}",
            r.location.len()
        );
    }
    let lens = super::lenses::import(&c, &lens_text(SAMPLE)).await;
    let r = c
        .get(&format!(
            "/questionnaires/{lens}?version={}",
            huge_in_uri('v')
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    quotes_an_excerpt(&r, 'v', "version");
    let r = c
        .get(&format!("/questionnaires/{}", huge_in_uri('n')))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    quotes_an_excerpt(&r, 'n', "questionnaire id");
}
