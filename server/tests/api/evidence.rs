//! Evidence import over the API and the page, on a real database (SQLite, or Postgres when
//! `TEST_POSTGRES_URL` is set): unanswered questions are filled and marked to confirm with their
//! evidence; the same answers stay; others are drift until chosen; stale choices, bad templates,
//! zip bombs and paths out of a zip change nothing; parallel imports leave one consistent state.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use super::client::{Client, Reply, TestApp};

/// A starter Trellis generates (API Gateway, Lambda, DynamoDB), as checked in by the `iac` crate.
const STARTER: &str =
    include_str!("../../../questionnaires/iac/tests/starters/api_lambda_dynamodb.yaml");

const BOUNDARY: &str = "trellis-evidence-boundary";

/// A multipart body of files, as a browser sends a file input.
fn multipart(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn upload_request(path: &str, files: &[(&str, &[u8])], accept: &str) -> Request<Body> {
    Request::post(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::ACCEPT, accept)
        .body(Body::from(multipart(files)))
        .unwrap()
}

async fn import(c: &Client, id: &str, files: &[(&str, &[u8])]) -> Reply {
    c.send(upload_request(
        &format!("/api/v1/assessments/{id}/evidence"),
        files,
        "application/json",
    ))
    .await
}

async fn import_ok(c: &Client, id: &str, files: &[(&str, &[u8])]) -> Value {
    let r = import(c, id, files).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

fn api(method: &str, path: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// Posts choices on the drift of `import` (an import as the API returned it).
async fn decide(c: &Client, id: &str, import: &Value, decisions: Value) -> Reply {
    c.send(api(
        "POST",
        &format!("/api/v1/assessments/{id}/evidence/decisions"),
        &json!({"import_id": import["id"], "decisions": decisions}),
    ))
    .await
}

/// Sets an answer through the API at the version it has now.
async fn answer(c: &Client, id: &str, question: &str, value: Value) {
    let version = stored(c, id, question).await.map(|s| s.version);
    let r = c
        .send(api(
            "PUT",
            &format!("/api/v1/assessments/{id}/answers/{question}"),
            &json!({"value": value, "version": version}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn stored(c: &Client, id: &str, question: &str) -> Option<store::StoredAnswer> {
    c.app
        .store
        .answers(id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.question_id == question)
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x["question_id"].as_str().unwrap().to_owned())
        .collect()
}

/// A review and its editor.
async fn review() -> (Client, String) {
    let app = TestApp::new().await;
    let ana = app.user("Ana Evidence").await;
    let id = ana.create("Orders API").await;
    (ana, id)
}

#[tokio::test]
async fn an_import_fills_unanswered_questions_to_confirm_with_their_evidence() {
    let (ana, id) = review().await;
    let v = import_ok(&ana, &id, &[("template.yaml", STARTER.as_bytes())]).await;
    let filled = ids(&v["filled"]);
    for q in ["runtime", "memory_mb", "tracing"] {
        assert!(filled.contains(&q.to_owned()), "{q} not in {filled:?}");
        let s = stored(&ana, &id, q).await.expect("an answer");
        assert!(s.to_confirm, "{q} is marked to confirm");
    }
    assert!(v["drift"].as_array().unwrap().is_empty());
    // Each filled answer is in words, with where it came from.
    let memory = v["filled"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["question_id"] == "memory_mb")
        .unwrap();
    assert!(memory["value"].as_str().unwrap().contains("MB"), "{memory}");
    let e = &memory["evidence"][0];
    assert_eq!(e["file"], "template.yaml");
    assert!(e["line"].as_u64().unwrap() > 0, "{e}");
    // The latest import reads back the same.
    let r = ana.get(&format!("/api/v1/assessments/{id}/evidence")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let back: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(back["id"], v["id"]);
    assert_eq!(ids(&back["filled"]), filled);
    // The question page shows the evidence under the question, and the badge.
    let page = ana.get(&format!("/assessments/{id}/review/cost")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("From template.yaml line "),
        "no evidence on the page"
    );
}

#[tokio::test]
async fn the_same_answer_stays_and_another_is_drift_until_the_team_chooses() {
    let (ana, id) = review().await;
    let first = import_ok(&ana, &id, &[("template.yaml", STARTER.as_bytes())]).await;
    let memory = stored(&ana, &id, "memory_mb").await.unwrap();
    let imported_memory = memory.answer.value.clone();
    // The team changes one answer, and confirms another as it is.
    answer(&ana, &id, "memory_mb", json!(3008)).await;
    let second = import_ok(&ana, &id, &[("template.yaml", STARTER.as_bytes())]).await;
    assert_ne!(second["id"], first["id"]);
    assert!(second["filled"].as_array().unwrap().is_empty(), "{second}");
    assert!(ids(&second["unchanged"]).contains(&"runtime".to_owned()));
    let drift = second["drift"].as_array().unwrap();
    assert_eq!(ids(&second["drift"]), ["memory_mb"], "{second}");
    assert_eq!(drift[0]["current"], "3008 MB");
    assert!(drift[0]["title"].as_str().unwrap().len() > 10);
    assert!(drift[0].get("decision").is_none());
    // Nothing changed yet.
    let now = stored(&ana, &id, "memory_mb").await.unwrap();
    assert_eq!(
        now.answer.value,
        questionnaires::AnswerValue::Number(3008.0)
    );
    // Accept the template's value: written at the version the import saw, to confirm.
    let r = decide(&ana, &id, &second, json!({"memory_mb": "accept"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(after["drift"][0]["decision"], "accept");
    let now = stored(&ana, &id, "memory_mb").await.unwrap();
    assert_eq!(now.answer.value, imported_memory);
    assert!(now.to_confirm);
    // A choice is made once.
    let r = decide(&ana, &id, &second, json!({"memory_mb": "keep"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // A question that is not drift is refused, naming it.
    let r = decide(&ana, &id, &second, json!({"runtime": "accept"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("runtime"), "{}", r.body);
}

#[tokio::test]
async fn keeping_an_answer_writes_nothing() {
    let (ana, id) = review().await;
    import_ok(&ana, &id, &[("template.yaml", STARTER.as_bytes())]).await;
    answer(&ana, &id, "memory_mb", json!(3008)).await;
    let v = import_ok(&ana, &id, &[("template.yaml", STARTER.as_bytes())]).await;
    let before = stored(&ana, &id, "memory_mb").await.unwrap();
    let r = decide(&ana, &id, &v, json!({"memory_mb": "keep"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(stored(&ana, &id, "memory_mb").await.unwrap(), before);
}

#[tokio::test]
async fn a_stale_answer_or_an_older_import_refuses_every_choice() {
    let (ana, id) = review().await;
    import_ok(&ana, &id, &[("template.yaml", STARTER.as_bytes())]).await;
    answer(&ana, &id, "memory_mb", json!(3008)).await;
    answer(&ana, &id, "tracing", json!("none")).await;
    let v = import_ok(&ana, &id, &[("template.yaml", STARTER.as_bytes())]).await;
    let drift = ids(&v["drift"]);
    assert!(
        drift.contains(&"memory_mb".to_owned()) && drift.contains(&"tracing".to_owned()),
        "{drift:?}"
    );
    // Someone changes one of them after the import.
    answer(&ana, &id, "memory_mb", json!(2048)).await;
    let timeout = stored(&ana, &id, "tracing").await.unwrap();
    let r = decide(
        &ana,
        &id,
        &v,
        json!({"memory_mb": "accept", "tracing": "accept"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        stored(&ana, &id, "tracing").await.unwrap(),
        timeout,
        "nothing was written"
    );
    let memory = stored(&ana, &id, "memory_mb").await.unwrap();
    assert_eq!(
        memory.answer.value,
        questionnaires::AnswerValue::Number(2048.0)
    );
    let latest: Value = serde_json::from_str(
        &ana.get(&format!("/api/v1/assessments/{id}/evidence"))
            .await
            .body,
    )
    .unwrap();
    assert!(
        latest["drift"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d.get("decision").is_none())
    );
    // Choices on an import that is no longer the latest.
    let newer = import_ok(&ana, &id, &[("template.yaml", STARTER.as_bytes())]).await;
    assert_ne!(newer["id"], v["id"]);
    let r = decide(&ana, &id, &v, json!({"tracing": "accept"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(stored(&ana, &id, "tracing").await.unwrap(), timeout);
}

#[tokio::test]
async fn a_bad_template_is_refused_naming_the_file_and_nothing_is_written() {
    let (ana, id) = review().await;
    let r = import(
        &ana,
        &id,
        &[
            ("template.yaml", STARTER.as_bytes()),
            ("broken.yaml", b"Resources:\n  Fn: [unclosed\n"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("broken.yaml"),
        "{}",
        r.body
    );
    assert!(ana.app.store.answers(&id).await.unwrap().is_empty());
    assert_eq!(ana.app.store.evidence_count(&id).await.unwrap(), 0);
    // No files at all.
    let r = import(&ana, &id, &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // Not a template.
    let r = import(&ana, &id, &[("notes.json", br#"{"hello": "world"}"#)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(ana.app.store.evidence_count(&id).await.unwrap(), 0);
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

#[tokio::test]
async fn a_zip_is_read_and_a_zip_bomb_or_a_path_out_of_it_is_refused() {
    let (ana, id) = review().await;
    let traversal = zip_of(&[("../../etc/template.yaml", STARTER.as_bytes())]);
    let r = import(&ana, &id, &[("project.zip", &traversal)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("project.zip") && r.body.contains("leaves the archive"),
        "{}",
        r.body
    );
    let zeros = vec![b' '; 20 * 1024 * 1024];
    let bomb = zip_of(&[("template.yaml", &zeros)]);
    assert!(bomb.len() < 1024 * 1024);
    let r = import(&ana, &id, &[("bomb.zip", &bomb)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("zip bomb"), "{}", r.body);
    assert!(ana.app.store.answers(&id).await.unwrap().is_empty());
    assert_eq!(ana.app.store.evidence_count(&id).await.unwrap(), 0);
    // A good zip, sent as the whole body.
    let good = zip_of(&[("infra/template.yaml", STARTER.as_bytes())]);
    let r = ana
        .send(
            Request::post(format!("/api/v1/assessments/{id}/evidence"))
                .header(header::CONTENT_TYPE, "application/zip")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(good))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert!(ids(&v["filled"]).contains(&"memory_mb".to_owned()));
    assert!(
        v["filled"][0]["evidence"][0]["file"]
            .as_str()
            .unwrap()
            .contains("template.yaml")
    );
}

#[tokio::test]
async fn an_upload_past_the_limit_is_refused_saying_so() {
    let (ana, id) = review().await;
    let big = vec![b'#'; crate_limit() + 1];
    let r = import(&ana, &id, &[("big.yaml", &big)]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(ana.app.store.evidence_count(&id).await.unwrap(), 0);
}

fn crate_limit() -> usize {
    server::service::evidence::MAX_UPLOAD
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_parallel_imports_leave_one_consistent_state() {
    let (ana, id) = review().await;
    // Interleaved on one task: each request awaits the blocking pool and the database, where
    // the other runs meanwhile.
    let files = [("template.yaml", STARTER.as_bytes())];
    let (a, b) = tokio::join!(import(&ana, &id, &files), import(&ana, &id, &files));
    let ok: Vec<&Reply> = [&a, &b]
        .into_iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    for r in [&a, &b] {
        assert!(
            matches!(r.status, StatusCode::OK | StatusCode::CONFLICT),
            "{} {}",
            r.status,
            r.body
        );
    }
    assert!(!ok.is_empty());
    assert_eq!(
        ana.app.store.evidence_count(&id).await.unwrap(),
        i64::try_from(ok.len()).unwrap()
    );
    // Every question the template answers holds the template's value once, marked to confirm.
    let latest: Value = serde_json::from_str(
        &ana.get(&format!("/api/v1/assessments/{id}/evidence"))
            .await
            .body,
    )
    .unwrap();
    let answered: Vec<String> = ids(&latest["filled"])
        .into_iter()
        .chain(ids(&latest["unchanged"]))
        .collect();
    assert!(latest["drift"].as_array().unwrap().is_empty(), "{latest}");
    for q in &answered {
        let s = stored(&ana, &id, q).await.expect("an answer");
        assert!(s.to_confirm, "{q}");
        assert_eq!(s.version, 1, "{q} written once");
    }
}

#[tokio::test]
async fn the_import_page_shows_titles_values_in_words_and_the_drift_choices() {
    let (ana, id) = review().await;
    // The form, without JavaScript.
    let page = ana.get(&format!("/assessments/{id}/evidence")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let r = ana
        .send(upload_request(
            &format!("/assessments/{id}/evidence"),
            &[("template.yaml", STARTER.as_bytes())],
            "text/html",
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    answer(&ana, &id, "memory_mb", json!(3008)).await;
    let r = ana
        .send(upload_request(
            &format!("/assessments/{id}/evidence"),
            &[("template.yaml", STARTER.as_bytes())],
            "text/html",
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = ana.get(&format!("/assessments/{id}/evidence")).await;
    let q = questionnaires::builtin();
    let title = &*q.question("memory_mb").unwrap().title;
    assert!(
        page.body.contains(&app::escape_html(title)),
        "the drift names the question"
    );
    assert!(page.body.contains("3008 MB"));
    assert!(page.body.contains("name=\"d.memory_mb\" value=\"accept\""));
    assert!(page.body.contains("From template.yaml line "));
    assert!(!page.body.contains(">memory_mb<"), "no ids shown");
    let import_id = ana
        .app
        .store
        .latest_evidence(&id)
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = ana
        .post(
            &format!("/assessments/{id}/evidence/decisions"),
            &[("import", &import_id), ("d.memory_mb", "accept")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(stored(&ana, &id, "memory_mb").await.unwrap().to_confirm);
    // A bad template shows the page again with why.
    let r = ana
        .send(upload_request(
            &format!("/assessments/{id}/evidence"),
            &[("broken.yaml", b"Resources: [")],
            "text/html",
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("broken.yaml"), "{}", r.body);
}

/// A queue whose visibility timeout is shorter than its consumer's timeout, with no redrive.
const QUEUE_TEMPLATE: &str = "Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 10
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Timeout: 30
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
";

#[tokio::test]
async fn template_findings_show_on_the_results_page_and_in_every_report() {
    let (ana, id) = review().await;
    let v = import_ok(&ana, &id, &[("queue.yaml", QUEUE_TEMPLATE.as_bytes())]).await;
    let findings = v["findings"].as_array().unwrap();
    let visibility = findings
        .iter()
        .find(|f| f["id"] == "visibility_timeout")
        .unwrap_or_else(|| panic!("a visibility timeout finding in {v}"));
    assert_eq!(visibility["file"], "queue.yaml");
    assert_eq!(visibility["resource"], "Jobs");
    let message = visibility["message"].as_str().unwrap();
    let results = ana.get(&format!("/assessments/{id}/results")).await;
    assert_eq!(results.status, StatusCode::OK);
    assert!(
        results.body.contains("Template findings"),
        "the results page has the section"
    );
    assert!(results.body.contains(&app::escape_html(message)));
    let md = ana.get(&format!("/assessments/{id}/report.md")).await;
    assert!(md.body.contains("## Template findings"), "{}", md.body);
    assert!(md.body.contains("queue.yaml:"), "{}", md.body);
    let html = ana.get(&format!("/assessments/{id}/report.html")).await;
    assert!(html.body.contains("id=\"template-findings\""));
    let json: Value = serde_json::from_str(
        &ana.get(&format!("/assessments/{id}/report.json"))
            .await
            .body,
    )
    .unwrap();
    assert!(
        json["template_findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "visibility_timeout" && f["line"].as_u64().unwrap() > 0)
    );
    let csv = ana.get(&format!("/assessments/{id}/report.csv")).await;
    assert!(
        csv.body.contains("template_finding,visibility_timeout,"),
        "{}",
        csv.body
    );
    let pdf = ana.get(&format!("/assessments/{id}/report.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.bytes.starts_with(b"%PDF"));
}
