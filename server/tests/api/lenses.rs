//! Imported AWS Well-Architected custom lenses through the questionnaires pages: import (a file
//! upload, linted first), a review on a lens with its risks, checklist and exports, versions, who
//! sees a lens, the export back to lens JSON, and `trellis lens lint|export`.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use super::client::{Client, Reply, TestApp};

fn lens_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../questionnaires/tests/lenses")
        .join(name)
}

pub(super) fn lens_text(name: &str) -> String {
    std::fs::read_to_string(lens_file(name)).unwrap()
}

/// The sample lens: 5 pillars, 6 questions of 4 choices each.
pub(super) const SAMPLE: &str = "06_waf_custom_lens_automation_sample.json";

/// Posts the import form: `action` is `import` or `lint`; `into` an existing lens id or "".
pub(super) async fn upload(c: &Client, json: &str, action: &str, into: &str) -> Reply {
    let boundary = "trellis-test-boundary";
    let mut body = String::new();
    for (name, value) in [
        ("team", c.team.as_str()),
        ("into", into),
        ("action", action),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"lens\"; filename=\"lens.json\"\r\n\
         Content-Type: application/json\r\n\r\n{json}\r\n--{boundary}--\r\n"
    ));
    c.send(
        Request::post("/questionnaires")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// Imports a lens file; returns the lens id.
pub(super) async fn import(c: &Client, json: &str) -> String {
    let r = upload(c, json, "import", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r
        .location
        .split('/')
        .nth(2)
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    assert_eq!(r.location, format!("/questionnaires/{id}?version=1"));
    id.to_owned()
}

/// Starts a review on a questionnaire; returns (assessment id, first area address).
pub(super) async fn start(c: &Client, questionnaire: &str) -> (String, String) {
    let r = c
        .post(
            "/api/create_assessment",
            &[
                ("team", c.team.as_str()),
                ("name", "Lens review"),
                ("description", ""),
                ("environment", ""),
                ("questionnaire", questionnaire),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let id = r.location.split('/').nth(2).unwrap().to_owned();
    (id, r.location)
}

#[tokio::test]
async fn a_review_runs_on_an_imported_lens_with_risks_checklist_and_exports() {
    let app = TestApp::new().await;
    let c = app.user("Lena Lens").await;
    let lens = import(&c, &lens_text(SAMPLE)).await;

    let page = c.get(&format!("/questionnaires/{lens}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("5 pillars, 6 questions, 24 choices"),
        "{}",
        page.body
    );
    let list = c.get("/questionnaires").await;
    assert!(list.body.contains("Sample Lens"));

    let (id, first) = start(&c, &lens).await;
    assert_eq!(first, format!("/assessments/{id}/review/opex"));
    let review = c.get(&first).await;
    assert_eq!(review.status, StatusCode::OK);
    assert!(review.body.contains("id=\"q-monitoring\""));

    // Two of four monitoring practices: the lens's own rule makes it a medium risk; one practice
    // of incident management: high.
    let saved = c
        .post(
            &format!("/assessments/{id}/review/opex/save"),
            &[
                ("q.monitoring", "choice1"),
                ("q.monitoring", "choice2"),
                ("q.incident_management", "choice3"),
                ("save", "next"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location, format!("/assessments/{id}/review/security"));

    let report = c.get(&format!("/assessments/{id}/report.json")).await;
    assert_eq!(report.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&report.body).unwrap();
    let risks: Vec<(String, String)> = v["risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["question"].as_str().unwrap().to_owned(),
                r["level"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        risks.contains(&("monitoring".into(), "medium".into())),
        "{risks:?}"
    );
    assert!(
        risks.contains(&("incident_management".into(), "high".into())),
        "{risks:?}"
    );
    assert_eq!(v["questionnaire"]["id"], lens.as_str());
    // The checklist holds the improvement plans of the choices not yet in place.
    let checklist = v["checklist"].as_array().unwrap();
    assert!(!checklist.is_empty());
    assert!(report.body.contains("choice3") || !checklist.is_empty());

    for (path, kind) in [
        ("report.md", "text/markdown"),
        ("report.csv", "text/csv"),
        ("report.html", "text/html"),
        ("report.pdf", "application/pdf"),
    ] {
        let r = c.get(&format!("/assessments/{id}/{path}")).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(
            r.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{path}"
        );
    }
    let results = c.get(&format!("/assessments/{id}/results")).await;
    assert!(
        results.body.contains("imported lens"),
        "the results say where patterns come from"
    );
    assert!(
        !results.body.contains("/scaffold\""),
        "no starter link on a lens review"
    );
    let starter = c.get(&format!("/assessments/{id}/scaffold")).await;
    assert_eq!(starter.status, StatusCode::BAD_REQUEST);
    assert!(starter.body.contains("built-in serverless review"));

    // The export is the lens again: the same pillars, questions and choices.
    let export = c.get(&format!("/questionnaires/{lens}/lens.json")).await;
    assert_eq!(export.status, StatusCode::OK);
    let out: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    let original: serde_json::Value = serde_json::from_str(&lens_text(SAMPLE)).unwrap();
    let ids = |l: &serde_json::Value| -> Vec<String> {
        l["pillars"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["questions"].as_array().unwrap().iter())
            .flat_map(|q| {
                let qid = q["id"].as_str().unwrap().to_owned();
                std::iter::once(qid.clone()).chain(
                    q["choices"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(move |c| format!("{qid}.{}", c["id"].as_str().unwrap())),
                )
            })
            .collect()
    };
    assert_eq!(ids(&out), ids(&original));
    assert!(
        questionnaires::lens::lint(&export.body)
            .iter()
            .all(|f| !f.is_error()),
        "the export lints clean"
    );
}

#[tokio::test]
async fn a_lens_with_errors_is_refused_with_every_finding_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let c = app.user("Brock Broken").await;
    let mut lens: serde_json::Value = serde_json::from_str(&lens_text(SAMPLE)).unwrap();
    let q = &mut lens["pillars"][0]["questions"][0];
    q["choices"][0]
        .as_object_mut()
        .unwrap()
        .remove("improvementPlan");
    q["riskRules"] = serde_json::json!([{"condition": "choice1 && (", "risk": "HIGH_RISK"}]);
    let r = upload(&c, &lens.to_string(), "import", "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for code in [
        "missing-improvement-plan",
        "bad-condition",
        "missing-default",
    ] {
        assert!(r.body.contains(code), "{code} in {}", r.body);
    }
    assert!(r.body.contains("monitoring"), "findings name the question");
    assert!(r.body.contains("Nothing was imported"));
    assert!(
        app.store
            .lenses(std::slice::from_ref(&c.team))
            .await
            .unwrap()
            .is_empty()
    );

    // Checking only: the same findings, nothing stored either.
    let lint = upload(&c, &lens.to_string(), "lint", "").await;
    assert_eq!(lint.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(lint.body.contains("missing-improvement-plan"));
    let fine = upload(&c, &lens_text(SAMPLE), "lint", "").await;
    assert_eq!(fine.status, StatusCode::OK);
    assert!(
        app.store
            .lenses(std::slice::from_ref(&c.team))
            .await
            .unwrap()
            .is_empty()
    );

    // Not JSON, not UTF-8, no file: a clear error each, nothing stored.
    let garbage = upload(&c, "{\"pillars\": [", "import", "").await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(garbage.body.contains("line 1"), "{}", garbage.body);
    let empty = upload(&c, "", "import", "").await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("choose a lens JSON file"));
    assert!(
        app.store
            .lenses(std::slice::from_ref(&c.team))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn lens_versions_are_kept_and_a_review_stays_on_its_version() {
    let app = TestApp::new().await;
    let c = app.user("Vera Versions").await;
    let text = lens_text(SAMPLE);
    let lens = import(&c, &text).await;
    let (id, _) = start(&c, &lens).await;

    // The same file again adds no version.
    let again = upload(&c, &text, "import", &lens).await;
    assert_eq!(again.location, format!("/questionnaires/{lens}?version=1"));

    // A changed title is version 2; the review keeps version 1's words.
    let changed = text.replacen("\"Monitoring\"", "\"Monitoring and alerting\"", 1);
    assert_ne!(changed, text);
    let v2 = upload(&c, &changed, "import", &lens).await;
    assert_eq!(v2.location, format!("/questionnaires/{lens}?version=2"));
    let review = c.get(&format!("/assessments/{id}/review/opex")).await;
    assert!(review.body.contains(">Monitoring<") || review.body.contains("Monitoring</"));
    assert!(!review.body.contains("Monitoring and alerting"));
    let detail = c.get(&format!("/questionnaires/{lens}?version=1")).await;
    assert!(detail.body.contains("v2"), "the versions are listed");

    // A new review takes the latest version, or the one it names.
    let (newer, _) = start(&c, &lens).await;
    let page = c.get(&format!("/assessments/{newer}/review/opex")).await;
    assert!(page.body.contains("Monitoring and alerting"));
    let (older, _) = start(&c, &format!("{lens}@1")).await;
    let page = c.get(&format!("/assessments/{older}/review/opex")).await;
    assert!(!page.body.contains("Monitoring and alerting"));
    let missing = c
        .post(
            "/api/create_assessment",
            &[
                ("team", c.team.as_str()),
                ("name", "x"),
                ("description", ""),
                ("environment", ""),
                ("questionnaire", &format!("{lens}@9")),
            ],
        )
        .await;
    assert_eq!(missing.outcome().0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn other_teams_cannot_see_or_use_a_lens() {
    let app = TestApp::new().await;
    let owner = app.user("Olga Owner").await;
    let other = app.user("Otto Other").await;
    let lens = import(&owner, &lens_text(SAMPLE)).await;
    for path in [
        format!("/questionnaires/{lens}"),
        format!("/questionnaires/{lens}/lens.json"),
    ] {
        let r = other.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.body.contains("Sample Lens"));
    }
    assert!(
        !other
            .get("/questionnaires")
            .await
            .body
            .contains("Sample Lens")
    );
    let r = other
        .post(
            "/api/create_assessment",
            &[
                ("team", other.team.as_str()),
                ("name", "x"),
                ("description", ""),
                ("environment", ""),
                ("questionnaire", &lens),
            ],
        )
        .await;
    assert_eq!(r.outcome().0, StatusCode::BAD_REQUEST);
    // Importing into another team's lens is refused too.
    let r = upload(&other, &lens_text(SAMPLE), "import", &lens).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[test]
fn lens_lint_and_export_on_the_command_line() {
    let trellis = |args: &[&str]| crate::served::trellis().args(args).output().unwrap();
    let sample = lens_file(SAMPLE);
    let ok = trellis(&["lens", "lint", sample.to_str().unwrap()]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("0 error(s)"));

    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    let mut lens: serde_json::Value = serde_json::from_str(&lens_text(SAMPLE)).unwrap();
    lens["pillars"][0]["questions"][0]["riskRules"] =
        serde_json::json!([{"condition": "choice1", "risk": "NO_RISK"}]);
    std::fs::write(&broken, lens.to_string()).unwrap();
    let bad = trellis(&["lens", "lint", broken.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1));
    let out = String::from_utf8_lossy(&bad.stdout);
    assert!(out.contains("error monitoring:"), "{out}");
    assert!(out.contains("[missing-default]"), "{out}");
    let json = trellis(&["lens", "lint", broken.to_str().unwrap(), "--format", "json"]);
    let findings: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        findings
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "missing-default")
    );

    let missing = trellis(&["lens", "lint", "/nonexistent/lens.json"]);
    assert_eq!(missing.status.code(), Some(2));

    // The built-in review as a lens: valid, and what it leaves out is said on stderr.
    let out = dir.path().join("builtin.json");
    let export = trellis(&["lens", "export", "--out", out.to_str().unwrap()]);
    assert_eq!(export.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&export.stderr).contains("left out"));
    let lint = trellis(&["lens", "lint", out.to_str().unwrap()]);
    assert_eq!(
        lint.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&lint.stdout)
    );
    let normalised = trellis(&["lens", "export", "--from", sample.to_str().unwrap()]);
    assert_eq!(normalised.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&normalised.stdout).unwrap();
    assert_eq!(v["schemaVersion"], "2021-11-01");
}

#[tokio::test]
async fn a_team_stores_a_bounded_number_of_lens_versions() {
    let app = TestApp::new().await;
    let c = app.user("Quinn Quota").await;
    for n in 0..server::service::lenses::MAX_LENS_VERSIONS_PER_TEAM {
        let row = store::LensRow {
            id: "lens-filler".into(),
            version: n + 1,
            team_id: c.team.clone(),
            name: "Filler".into(),
            hash: format!("h{n}"),
            warnings: "[]".into(),
            created_by: "test".into(),
            created_at: 1,
        };
        app.store.insert_lens(&row, "{}").await.unwrap();
    }
    let r = upload(&c, &lens_text(SAMPLE), "import", "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("the most a team"), "{}", r.body);
    assert_eq!(
        app.store.lens_version_count(&c.team).await.unwrap(),
        server::service::lenses::MAX_LENS_VERSIONS_PER_TEAM,
        "nothing was imported"
    );
}

#[tokio::test]
async fn with_every_heavy_slot_taken_a_lint_waits_its_bounded_time_then_gets_a_503() {
    let app = TestApp::new().await;
    let c = app.user("Bea Busy").await;
    // The same data, with one heavy-job slot and a millisecond's wait for it.
    let dir = tempfile::tempdir().unwrap();
    let mut state = server::state::AppState::new(app.store.clone(), dir.path().join("site"));
    state.heavy = server::service::heavy::Heavy::new(1, std::time::Duration::from_millis(1));
    let heavy = state.heavy.clone();
    let app = TestApp::with_state(state, dir);
    let c = Client {
        app: app.clone(),
        ..c
    };
    let busy_before = super::ops::metric(
        &app.anonymous().get("/metrics").await.body,
        r#"trellis_errors_total{kind="busy"}"#,
    );
    // Someone else's heavy job holds the only slot.
    let (release, held) = std::sync::mpsc::channel::<()>();
    let holder = {
        let heavy = heavy.clone();
        tokio::spawn(async move { heavy.run("held", move || held.recv().is_ok()).await })
    };
    let held = crate::served::eventually_async(std::time::Duration::from_secs(30), async || {
        (heavy.running() >= 1).then_some(())
    })
    .await;
    assert!(held.is_some(), "the holder never took the slot");
    let lens = crate::hostile::hostile_lens();

    // The REST API: 503, the API's error shape, the plain message, and when to try again.
    let r = c
        .send(
            Request::post("/api/v1/lint")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(lens.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.headers[header::RETRY_AFTER], "5");
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["error"]["code"], "unavailable", "{json}");
    assert_eq!(
        json["error"]["message"],
        server::service::heavy::BUSY,
        "{json}"
    );
    // The form: the same, as a page.
    let r = upload(&c, &lens, "lint", "").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.headers[header::RETRY_AFTER], "5");
    assert!(r.body.contains("Trellis is busy"), "{}", r.body);
    // An import too, and nothing is stored.
    let r = upload(&c, &lens_text(SAMPLE), "import", "").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(
        app.store
            .lenses(std::slice::from_ref(&c.team))
            .await
            .unwrap()
            .is_empty()
    );
    let busy_after = super::ops::metric(
        &app.anonymous().get("/metrics").await.body,
        r#"trellis_errors_total{kind="busy"}"#,
    );
    assert!(
        busy_after >= busy_before + 3.0,
        "{busy_before} -> {busy_after}"
    );

    // Once the slot is free, the same requests go through.
    release.send(()).unwrap();
    assert!(holder.await.unwrap().unwrap());
    let r = c
        .send(
            Request::post("/api/v1/lint")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(lens))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("reachability-unchecked"));
    import(&c, &lens_text(SAMPLE)).await;
}
