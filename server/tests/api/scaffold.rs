//! Starter projects through the web app and the command line: the preview shows exactly the
//! zip's bytes, zips are deterministic and safe, the shareable URL reproduces the starter, a
//! milestone's starter keeps its answers, and bad choices get errors that name them.

use std::io::Read;

use axum::http::{StatusCode, header};

use crate::client::{Client, TestApp};
use crate::served::trellis;

/// Every entry of a zip: (name, unix mode, bytes), in archive order.
fn entries(bytes: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().to_owned(), f.unix_mode().unwrap_or(0), data)
        })
        .collect()
}

/// Saves answers of one area through the plain form.
pub(super) async fn save(c: &Client, id: &str, area: &str, fields: &[(&str, &str)]) {
    let mut form = fields.to_vec();
    form.push(("save", "stay"));
    let r = c
        .post(&format!("/assessments/{id}/review/{area}/save"), &form)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// A review whose answers make the HTTP API pattern the top recommendation.
async fn api_review(c: &Client) -> String {
    let id = c.create("Loyalty points API").await;
    save(
        c,
        &id,
        "workload_fit",
        &[
            ("q.entry_point", "http_api"),
            ("v.entry_point", ""),
            ("q.traffic_shape", "spiky"),
            ("v.traffic_shape", ""),
            ("q.peak_rps", "300"),
            ("v.peak_rps", ""),
            ("q.connection_model", "short_requests"),
            ("v.connection_model", ""),
        ],
    )
    .await;
    save(
        c,
        &id,
        "state",
        &[("q.data_store", "dynamodb"), ("v.data_store", "")],
    )
    .await;
    id
}

/// Undoes askama's HTML escaping (`&#60;`, `&#38;`, …) and the named entities.
fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|e| *e <= 8);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                _ => name
                    .strip_prefix('#')
                    .and_then(|n| n.parse::<u32>().ok())
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The file shown on the page, unescaped.
fn shown(page: &str) -> String {
    let start = page.find("<pre tabindex=\"0\"><code>").unwrap() + 24;
    let end = start + page[start..].find("</code></pre>").unwrap();
    html_unescape(&page[start..end])
}

#[tokio::test]
async fn the_preview_shows_the_zips_bytes_and_the_zip_is_deterministic() {
    let app = TestApp::new().await;
    let owner = app.user("Owner").await;
    let id = api_review(&owner).await;

    // Default: the top recommendation, in Python.
    let page = owner.get(&format!("/assessments/{id}/scaffold")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("API Gateway → Lambda → DynamoDB"));
    assert!(page.body.contains("top recommendation"));
    assert!(
        html_unescape(&page.body)
            .contains("scaffold.zip?pattern=api_lambda_dynamodb&runtime=python&iac=sam"),
        "the download link names the choice"
    );
    // The answers → settings table shows the answer that set the throttle.
    assert!(
        page.body.contains("ThrottlingRateLimit: 450"),
        "1.5 × 300 req/s"
    );
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");

    for runtime in ["python", "typescript", "rust"] {
        let q = format!("pattern=webhook_sqs_buffer&runtime={runtime}&iac=sam");
        let zip = owner
            .get(&format!("/assessments/{id}/scaffold.zip?{q}"))
            .await;
        assert_eq!(zip.status, StatusCode::OK);
        assert_eq!(zip.headers[header::CONTENT_TYPE], "application/zip");
        let root = format!("loyalty-points-api-webhook-sqs-buffer-{runtime}");
        assert_eq!(
            zip.headers[header::CONTENT_DISPOSITION],
            format!("attachment; filename=\"{root}.zip\"").as_str()
        );
        // Byte-identical on a second download.
        let again = owner
            .get(&format!("/assessments/{id}/scaffold.zip?{q}"))
            .await;
        assert!(
            zip.bytes == again.bytes,
            "{runtime}: same input, same bytes"
        );

        let files = entries(&zip.bytes);
        let names: Vec<&str> = files.iter().map(|(n, ..)| n.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "entries are sorted");
        for must in [
            "README.md",
            "template.yaml",
            "samconfig.toml",
            ".checkov.yaml",
        ] {
            assert!(
                names.contains(&format!("{root}/{must}").as_str()),
                "{runtime}: {must} in {names:?}"
            );
        }
        assert!(
            names
                .iter()
                .any(|n| n.starts_with(&format!("{root}/.github/workflows/")))
        );
        assert!(
            names
                .iter()
                .any(|n| n.starts_with(&format!("{root}/events/")))
        );

        for (name, mode, bytes) in &files {
            let path = name.strip_prefix(&format!("{root}/")).unwrap();
            assert!(!path.split('/').any(|c| c == ".." || c.is_empty()));
            let script = path.ends_with(".sh") || path.starts_with("scripts/");
            assert_eq!(mode & 0o777, if script { 0o755 } else { 0o644 }, "{name}");
            // The raw file and the page show the very bytes the zip holds.
            let raw = owner
                .get(&format!("/assessments/{id}/scaffold/files/{path}?{q}"))
                .await;
            assert_eq!(raw.status, StatusCode::OK, "{path}");
            assert!(&raw.bytes == bytes, "{path}: raw preview = zip entry");
            if ["README.md", "template.yaml"].contains(&path) {
                let encoded = path.replace('/', "%2F");
                let page = owner
                    .get(&format!("/assessments/{id}/scaffold?{q}&file={encoded}"))
                    .await;
                assert_eq!(page.status, StatusCode::OK);
                assert_eq!(shown(&page.body).as_bytes(), bytes.as_slice(), "{path}");
            }
        }
    }
}

/// The starter page follows the review: the runtime it answered (Node.js: TypeScript; Java:
/// none, said so) and the patterns in the review's rank order.
#[tokio::test]
async fn the_starter_page_takes_the_reviews_runtime_and_ranks_its_patterns() {
    let app = TestApp::new().await;
    let owner = app.user("Owner").await;
    let id = api_review(&owner).await;
    save(
        &owner,
        &id,
        "workload_fit",
        &[("q.runtime", "nodejs"), ("v.runtime", "")],
    )
    .await;
    let page = owner.get(&format!("/assessments/{id}/scaffold")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = html_unescape(&page.body);
    assert!(
        body.contains("in TypeScript (Node.js 22) with AWS SAM"),
        "{}",
        shown(&page.body)
    );
    assert!(
        body.contains("the one the review names (Node.js)"),
        "{}",
        shown(&page.body)
    );
    assert!(body.contains("value=\"typescript\" selected"), "{body}");
    // The pattern options in rank order: #1, #2, … and then the unranked.
    let ranks: Vec<usize> = body
        .split("<option value=")
        .filter_map(|o| {
            let label = o.split('>').nth(1)?.split('<').next()?;
            let n = label.rsplit_once('#')?.1.trim_end_matches(')');
            n.parse().ok()
        })
        .collect();
    assert!(ranks.len() >= 3, "{ranks:?}");
    assert!(
        ranks.windows(2).all(|w| w[0] < w[1]),
        "not in rank order: {ranks:?}"
    );

    let java = api_review(&owner).await;
    save(
        &owner,
        &java,
        "workload_fit",
        &[("q.runtime", "java"), ("v.runtime", "")],
    )
    .await;
    let page = owner.get(&format!("/assessments/{java}/scaffold")).await;
    let body = html_unescape(&page.body);
    assert!(body.contains("has no starter"), "{}", shown(&page.body));
    assert!(
        body.contains("in Python 3.13 with AWS SAM"),
        "{}",
        shown(&page.body)
    );
    // A runtime in the address wins, and then nothing is said about the answer.
    let page = owner
        .get(&format!("/assessments/{java}/scaffold?runtime=rust"))
        .await;
    let body = html_unescape(&page.body);
    assert!(
        body.contains("in Rust (provided.al2023) with AWS SAM"),
        "{}",
        shown(&page.body)
    );
    assert!(!body.contains("has no starter"), "{}", shown(&page.body));
}

#[tokio::test]
async fn the_shareable_url_reproduces_the_starter_and_a_milestone_keeps_its_answers() {
    let app = TestApp::new().await;
    let owner = app.user("Owner").await;
    let id = api_review(&owner).await;
    let q = "pattern=api_lambda_dynamodb&runtime=typescript&iac=sam";
    let page = owner.get(&format!("/assessments/{id}/scaffold?{q}")).await;
    let share = format!("http://localhost/assessments/{id}/scaffold?{q}");
    assert!(
        html_unescape(&page.body).contains(&share),
        "the page offers its own URL as the link"
    );
    let before = owner
        .get(&format!("/assessments/{id}/scaffold.zip?{q}"))
        .await;

    let r = owner
        .post(
            "/api/create_milestone",
            &[("id", id.as_str()), ("name", "Design sign-off")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let milestone = app.store.milestones(&id).await.unwrap()[0].id.clone();

    // A later answer changes today's starter, not the milestone's.
    save(
        &owner,
        &id,
        "workload_fit",
        &[("q.client_types", "machine_only"), ("v.client_types", "")],
    )
    .await;
    let now = owner
        .get(&format!("/assessments/{id}/scaffold.zip?{q}"))
        .await;
    assert!(
        now.bytes != before.bytes,
        "machine callers get IAM, not JWT"
    );
    let frozen = owner
        .get(&format!(
            "/assessments/{id}/milestones/{milestone}/scaffold.zip?{q}"
        ))
        .await;
    assert_eq!(frozen.status, StatusCode::OK);
    assert_eq!(
        frozen.bytes, before.bytes,
        "a milestone's starter keeps its answers"
    );
}

#[tokio::test]
async fn bad_choices_are_named_and_outsiders_get_nothing() {
    let app = TestApp::new().await;
    let owner = app.user("Owner").await;
    let id = api_review(&owner).await;
    let r = owner
        .get(&format!("/assessments/{id}/scaffold?pattern=monolith"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("monolith") && r.body.contains("api_lambda_dynamodb"));
    let r = owner
        .get(&format!("/assessments/{id}/scaffold.zip?runtime=cobol"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("cobol"));
    let r = owner
        .get(&format!(
            "/assessments/{id}/scaffold/files/..%2F..%2Fetc%2Fpasswd?pattern=api_lambda_dynamodb"
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = owner
        .get(&format!("/assessments/{id}/scaffold?file=nope.txt"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("nope.txt"));

    // A blank review has no recommendation yet: the page says to choose a pattern.
    let blank = owner.create("Blank").await;
    let r = owner.get(&format!("/assessments/{blank}/scaffold")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("choose one"), "{}", r.body);
    let r = owner
        .get(&format!(
            "/assessments/{blank}/scaffold?pattern=kinesis_stream_processing"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let outsider = app.user("Outsider").await;
    let r = outsider
        .get(&format!("/assessments/{id}/scaffold.zip"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

pub(super) fn case(name: &str) -> String {
    format!(
        "{}/../questionnaires/tests/cases/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn the_command_line_writes_a_directory_or_a_zip_and_nothing_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("starter");
    let run = trellis()
        .args([
            "scaffold",
            &case("05_travel_booking_approval"),
            "--runtime",
            "python",
        ])
        .args(["--pattern", "step_functions_orchestration", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let asl = std::fs::read_to_string(out.join("statemachine/workflow.asl.json")).unwrap();
    assert!(asl.contains("Retry") && asl.contains("Catch"));
    assert!(out.join("template.yaml").exists());
    assert!(out.join("README.md").exists());

    // The zip form holds the same files under the project folder.
    let zip_path = dir.path().join("starter.zip");
    let run = trellis()
        .args([
            "scaffold",
            &case("05_travel_booking_approval"),
            "--runtime",
            "python",
        ])
        .args(["--pattern", "step_functions_orchestration", "--out"])
        .arg(&zip_path)
        .output()
        .unwrap();
    assert!(run.status.success());
    let files = entries(&std::fs::read(&zip_path).unwrap());
    for (name, _, bytes) in &files {
        let path = name.split_once('/').unwrap().1;
        assert!(&std::fs::read(out.join(path)).unwrap() == bytes, "{path}");
    }

    // A directory that is not empty is left alone.
    let run = trellis()
        .args([
            "scaffold",
            &case("05_travel_booking_approval"),
            "--runtime",
            "rust",
        ])
        .args(["--pattern", "api_lambda_dynamodb", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("not empty"));
    assert!(
        !out.join("Cargo.toml").exists(),
        "nothing of the Rust starter was written"
    );

    // Bad input names what is wrong and writes nothing.
    let fresh = dir.path().join("fresh");
    let run = trellis()
        .args([
            "scaffold",
            &case("05_travel_booking_approval"),
            "--runtime",
            "python",
        ])
        .args(["--pattern", "monolith", "--out"])
        .arg(&fresh)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("monolith"));
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "questionnaire = \"serverless-review\"\n[answers]\npeak_rps = \"lots\"\n",
    )
    .unwrap();
    let run = trellis()
        .args(["scaffold"])
        .arg(&bad)
        .args(["--runtime", "python", "--out"])
        .arg(&fresh)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("peak_rps"));
    assert!(!fresh.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left behind");
}

/// The rendered files of a case's starter for one pattern and runtime.
pub(super) fn render_case(
    name: &str,
    pattern: questionnaires::scaffold::Pattern,
    runtime: questionnaires::scaffold::Runtime,
) -> (questionnaires::scaffold::Plan, Vec<server::scaffold::File>) {
    render_case_with(name, pattern, runtime, &[])
}

/// A case's starter in one IaC format.
pub(super) fn render_case_in(
    name: &str,
    pattern: questionnaires::scaffold::Pattern,
    runtime: questionnaires::scaffold::Runtime,
    iac: questionnaires::scaffold::Iac,
) -> (questionnaires::scaffold::Plan, Vec<server::scaffold::File>) {
    render_answers(name, pattern, runtime, iac, &[], &[])
}

/// A case's starter with some answers replaced.
pub(super) fn render_case_with(
    name: &str,
    pattern: questionnaires::scaffold::Pattern,
    runtime: questionnaires::scaffold::Runtime,
    changes: &[(&str, questionnaires::AnswerValue)],
) -> (questionnaires::scaffold::Plan, Vec<server::scaffold::File>) {
    let sam = questionnaires::scaffold::Iac::Sam;
    render_answers(name, pattern, runtime, sam, &[], changes)
}

/// [`render_case`] with some lines of the case's answers file replaced (`(from, to)`, each
/// present).
pub(super) fn render_case_replacing(
    name: &str,
    replace: &[(&str, &str)],
    pattern: questionnaires::scaffold::Pattern,
    runtime: questionnaires::scaffold::Runtime,
) -> (questionnaires::scaffold::Plan, Vec<server::scaffold::File>) {
    let sam = questionnaires::scaffold::Iac::Sam;
    render_answers(name, pattern, runtime, sam, replace, &[])
}

fn render_answers(
    name: &str,
    pattern: questionnaires::scaffold::Pattern,
    runtime: questionnaires::scaffold::Runtime,
    iac: questionnaires::scaffold::Iac,
    replace: &[(&str, &str)],
    changes: &[(&str, questionnaires::AnswerValue)],
) -> (questionnaires::scaffold::Plan, Vec<server::scaffold::File>) {
    use questionnaires::answers::{Format, parse_answers_file};
    use questionnaires::scaffold::Choice;
    let q = questionnaires::builtin();
    let mut text = std::fs::read_to_string(case(name)).unwrap();
    for (from, to) in replace {
        assert!(text.contains(from), "case {name} has {from}");
        text = text.replace(from, to);
    }
    let mut file = parse_answers_file(&text, Format::Toml, q).unwrap();
    for (id, v) in changes {
        file.answers.insert(
            questionnaires::model::QuestionId::parse(id).unwrap(),
            questionnaires::Answer::new(v.clone()),
        );
    }
    let evaluation = questionnaires::evaluate::evaluate(q, &file.answers);
    let choice = Choice {
        pattern: Some(pattern),
        runtime,
        iac,
    };
    let (plan, starter) =
        server::scaffold::starter(q, &file.workload, &file.answers, &evaluation, choice).unwrap();
    (plan, starter.files)
}

/// One file of a rendered starter.
pub(super) fn text<'a>(files: &'a [server::scaffold::File], path: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
}

#[test]
fn the_api_starters_key_idempotency_by_caller_and_map_400_401_409_422() {
    use questionnaires::scaffold::{Auth, Pattern, Runtime};
    // 05: a JWT API whose duplicates are costly; 08: an IAM API; 06: duplicates are harmless.
    for name in [
        "05_travel_booking_approval",
        "08_ledger_ordered_stream",
        "06_steady_pricing_api",
    ] {
        for runtime in [Runtime::Python, Runtime::Typescript, Runtime::Rust] {
            let (plan, files) = render_case(name, Pattern::Api, runtime);
            let iam = plan.api.as_ref().unwrap().auth == Auth::Iam;
            let (handler, tests) = match runtime {
                Runtime::Python => ("src/app.py", "tests/test_app.py"),
                Runtime::Typescript => ("src/app.ts", "tests/app.test.ts"),
                Runtime::Rust => ("src/lib.rs", "src/lib.rs"),
            };
            let (code, tests) = (text(&files, handler), text(&files, tests));
            let at = format!("{name} {runtime:?}");
            if plan.idempotency.is_none() {
                assert!(!code.contains("Idempotency-Key"), "{at}");
                continue;
            }
            // The caller's identity, from the authorizer's part of the request context.
            let caller = match (runtime, iam) {
                (Runtime::Python, false) => r#"authorizer.jwt_claim.get("sub")"#,
                (Runtime::Python, true) => "authorizer.iam.user_arn",
                (Runtime::Typescript, false) => "authorizer?.jwt?.claims?.sub",
                (Runtime::Typescript, true) => "authorizer?.iam?.userArn",
                (Runtime::Rust, false) => r#"jwt.as_ref()?.claims.get("sub")"#,
                (Runtime::Rust, true) => "iam.as_ref()?.user_arn",
            };
            assert!(code.contains(caller), "{at}: {caller}");
            // The record's key is the caller and the Idempotency-Key together, the body's hash is
            // checked against the record, and each outcome has its status.
            let marks: &[&str] = match runtime {
                Runtime::Python => &[
                    r#"event_key_jmespath="[caller, key]""#,
                    r#"payload_validation_jmespath="item""#,
                    r#"request={"caller": caller, "key": key, "item": {"name": name}}"#,
                    "raise UnauthorizedError(",
                    "the Idempotency-Key header is required",
                    "except IdempotencyValidationError:\n        raise ServiceError(422,",
                    "except IdempotencyAlreadyInProgressError:\n        return Response(\n            status_code=409,",
                    r#"headers={"Retry-After": str(RETRY_AFTER_S)}"#,
                ],
                Runtime::Typescript => &[
                    r#"eventKeyJmesPath: "[caller, idempotencyKey]""#,
                    r#"payloadValidationJmesPath: "item""#,
                    "createOnce({ caller, idempotencyKey, item })",
                    "return json(401,",
                    "the Idempotency-Key header is required",
                    "if (error instanceof IdempotencyValidationError) {\n            return json(422,",
                    "if (error instanceof IdempotencyAlreadyInProgressError) {\n            return json(\n              409,",
                    r#"{ "retry-after": String(RETRY_AFTER_S) }"#,
                ],
                Runtime::Rust => &[
                    "serde_json::json!([caller, key])",
                    "let key = record_key(&caller, &key);",
                    "let hash = payload_hash(&name);",
                    "401,",
                    "the Idempotency-Key header is required",
                    "Claim::Mismatch => {\n                return json_response(\n                    422,",
                    "let mut response = json_response(409,",
                    r#".insert("retry-after","#,
                ],
            };
            for mark in marks {
                assert!(code.contains(mark), "{at}: {mark}");
            }
            // The key is never the body or the name alone.
            for old in ["or name", "idempotencyKey || item", "#body#"] {
                assert!(!code.contains(old), "{at}: {old}");
            }
            // The starter's own tests prove each case.
            let cases: &[&str] = match runtime {
                Runtime::Python => &[
                    "def test_another_caller_with_the_same_key_and_body_gets_their_own_item(",
                    "def test_the_same_key_with_another_body_gets_422(",
                    "def test_a_repeat_while_the_first_is_in_flight_gets_409_with_retry_after(",
                    "def test_a_post_without_an_idempotency_key_gets_400(",
                    "def test_a_post_without_a_caller_identity_gets_401(",
                ],
                Runtime::Typescript => &[
                    "test(\"another caller with the same Idempotency-Key and body gets their own item\"",
                    "test(\"an Idempotency-Key reused with another body answers 422\"",
                    "test(\"a repeat while the first is in flight answers 409 with Retry-After\"",
                    "test(\"a POST without an Idempotency-Key answers 400 and stores nothing\"",
                    "test(\"a POST without a caller identity answers 401 and stores nothing\"",
                ],
                Runtime::Rust => &[
                    "async fn another_caller_with_the_same_key_and_body_gets_their_own_item()",
                    "async fn the_same_key_with_another_body_gets_422()",
                    "async fn a_repeat_while_the_first_is_in_flight_gets_409_with_retry_after()",
                    "async fn a_post_without_an_idempotency_key_gets_400()",
                    "async fn a_post_without_a_caller_identity_gets_401()",
                ],
            };
            for case in cases {
                assert!(tests.contains(case), "{at}: {case}");
            }
            // The sample request, and so `sam local invoke`, sends a caller and the header.
            let event: serde_json::Value =
                serde_json::from_str(text(&files, "events/api.json")).unwrap();
            let authorizer = &event["requestContext"]["authorizer"];
            if iam {
                assert!(authorizer["iam"]["userArn"].is_string(), "{at}");
            } else {
                assert!(authorizer["jwt"]["claims"]["sub"].is_string(), "{at}");
            }
            assert!(event["headers"]["idempotency-key"].is_string(), "{at}");
            let readme = text(&files, "README.md");
            assert!(readme.contains("idempotency-key: $(uuidgen)"), "{at}");
            assert!(readme.contains("| again, another body | 422 |"), "{at}");
        }
    }
}

#[test]
fn a_starter_the_review_argues_against_says_so_first_on_the_command_line_and_in_its_readme() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("renders");
    // Case 13: 20-minute, 6 GB tile renders. The review says containers; a serverless
    // starter is asked for.
    let run = trellis()
        .args([
            "scaffold",
            &case("13_tile_render_long_jobs"),
            "--pattern",
            "step_functions_orchestration",
            "--runtime",
            "python",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.starts_with("warning: the review argues against this starter\n  Use containers: "),
        "{stderr}"
    );
    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    let second = readme.lines().nth(2).unwrap_or_default();
    assert!(
        second.starts_with("> **The review argues against this starter.** Use containers: "),
        "the README says so before anything else: {readme}"
    );
    assert!(readme.contains("recommends containers"));

    // A clean fit (case 01, its top pattern) gets no warning at all.
    let out = dir.path().join("crud");
    let run = trellis()
        .args([
            "scaffold",
            &case("01_bursty_crud_api"),
            "--runtime",
            "python",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(!String::from_utf8_lossy(&run.stderr).contains("warning"));
    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(!readme.contains("argues against"));
}

#[tokio::test]
async fn the_starter_page_quotes_the_verdict_and_its_blockers_before_the_starter() {
    let app = TestApp::new().await;
    let c = app.user("Bea Blocked").await;
    let id = c.create("Payment capture").await;
    let text = std::fs::read_to_string(case("09_payment_capture_no_idempotency")).unwrap();
    let file: serde_json::Value = toml::from_str(&text).unwrap();
    let r = c
        .send(
            axum::http::Request::builder()
                .method(axum::http::Method::PUT)
                .uri(format!("/api/v1/assessments/{id}/answers-file"))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json")
                .body(axum::body::Body::from(file.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = c.get(&format!("/assessments/{id}/scaffold")).await;
    assert_eq!(page.status, StatusCode::OK);
    let warning = page
        .body
        .find("The review argues against this starter")
        .expect("a warning");
    let lede = page.body.find("class=\"lede\"").unwrap();
    assert!(warning < lede, "the warning comes first");
    assert!(page.body.contains("<strong>Fits, with blockers:</strong>"));
    assert!(page.body.contains("before the design can be approved"));
}

#[test]
fn the_scheduled_jobs_starter_schedules_the_live_alias_and_keys_runs_on_the_scheduled_time() {
    use questionnaires::scaffold::{Pattern, Runtime};
    // Case 15 states no cadence: the nightly default; an hourly cadence changes the parameter.
    let (plan, files) = render_case(
        "15_nightly_partner_sync",
        Pattern::ScheduledJobs,
        Runtime::Python,
    );
    let t = text(&files, "template.yaml");
    let schedule = plan.schedule.as_ref().unwrap();
    assert!(t.contains("    Default: \"cron(0 2 * * ? *)\""), "{t}");
    for expected in [
        "Type: AWS::Scheduler::Schedule",
        "ScheduleExpressionTimezone: !Ref ScheduleTimezone",
        "Mode: FLEXIBLE\n        MaximumWindowInMinutes: 15",
        "Arn: !Ref RunFunction.Alias",
        "\"scheduled_time\": \"<aws.scheduler.scheduled-time>\"",
        "MaximumEventAgeInSeconds: 86400",
        "DeadLetterConfig:\n          Arn: !GetAtt FailedRunsQueue.Arn",
        "Service: scheduler.amazonaws.com",
        "Action: lambda:InvokeFunction\n                Resource: !Ref RunFunction.Alias",
        "RUNS_TABLE: !Ref RunsTable",
        "Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:DeleteItem]\n              Resource: !GetAtt RunsTable.Arn",
        "MaximumEventAgeInSeconds: 21600",
        "MetricName: RunsSkipped",
        "FailedRunsQueueAlarm:",
    ] {
        assert!(t.contains(expected), "{expected}\n{t}");
    }
    assert!(t.contains(&format!(
        "RUN_RECORD_TTL_SECONDS: \"{}\"",
        schedule.run_record_ttl_s
    )));
    // No idempotency table (the runs table keys each run), no SAM policy templates.
    assert!(!t.contains("IdempotencyTable"));
    let templates: Vec<&str> = t
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("- ") && l.ends_with("Policy:"))
        .collect();
    assert!(templates.is_empty(), "{templates:?}");
    let readme = text(&files, "README.md");
    assert!(readme.contains("EventBridge Scheduler invokes the `run` function daily at 02:00"));
    assert!(readme.contains("| One run per scheduled time, never two at once |"));
    let event: serde_json::Value = serde_json::from_str(text(&files, "events/run.json")).unwrap();
    assert!(event["scheduled_time"].is_string() && event["schedule_arn"].is_string());
    assert!(
        text(&files, "src/app.py")
            .contains("def run(event: dict[str, Any], context: LambdaContext)")
    );
    // Case 15 keeps secrets in Secrets Manager: the job reads its credentials from JobSecret.
    assert!(schedule.secret);
    for expected in [
        "JobSecret:\n    Type: AWS::SecretsManager::Secret",
        "JOB_SECRET_ARN: !Ref JobSecret",
        "Action: secretsmanager:GetSecretValue\n              Resource: !Ref JobSecret",
    ] {
        assert!(t.contains(expected), "{expected}");
    }
    assert!(text(&files, "src/app.py").contains("parameters.get_secret(JOB_SECRET_ARN"));

    // A case with a cadence and a customer key: rate(), a window from the interval, the key on
    // the schedule and the Scheduler role.
    let (plan, files) = render_case(
        "08_ledger_ordered_stream",
        Pattern::ScheduledJobs,
        Runtime::Typescript,
    );
    let t = text(&files, "template.yaml");
    assert!(plan.customer_key);
    assert!(t.contains("KmsKeyArn: !GetAtt DataKey.Arn"), "{t}");
    // Case 08 uses no secrets: no secret, and no Secrets Manager client.
    assert!(
        !t.contains("JobSecret") && !text(&files, "src/app.ts").contains("SecretsManagerClient")
    );
    assert!(text(&files, "src/app.ts").contains("export const run = instrument("));
    assert!(text(&files, "package.json").contains("@aws-sdk/client-dynamodb"));
    let (_, files) = render_case(
        "15_nightly_partner_sync",
        Pattern::ScheduledJobs,
        Runtime::Rust,
    );
    assert!(text(&files, "Cargo.toml").contains("aws-sdk-dynamodb"));
    assert!(text(&files, "src/lib.rs").contains("pub mod run {"));
}

#[test]
fn case_06s_default_starter_is_an_ecs_service_behind_a_load_balancer_that_autoscales() {
    use questionnaires::scaffold::{Pattern, Runtime};
    for runtime in [Runtime::Python, Runtime::Typescript, Runtime::Rust] {
        let (plan, files) = render_case("06_steady_pricing_api", Pattern::Containers, runtime);
        let at = format!("06 {runtime:?}");
        let c = plan.container.as_ref().unwrap();
        let t = text(&files, "template.yaml");
        assert!(!t.contains("Transform:"), "{at}: plain CloudFormation");
        for needle in [
            "Type: AWS::ECS::Service",
            "Type: AWS::ElasticLoadBalancingV2::LoadBalancer",
            "Protocol: HTTPS",
            "CertificateArn: !Ref CertificateArn",
            "Type: redirect",
            "HealthCheckPath: /healthz",
            "CpuArchitecture: ARM64",
            "PredefinedMetricType: ECSServiceAverageCPUUtilization",
            "PredefinedMetricType: ALBRequestCountPerTarget",
            "Rollback: true",
            "Value: enabled",
            "ImageTagMutability: IMMUTABLE",
            "ScanOnPush: true",
            "LogDriver: awslogs",
            "Type: AWS::DynamoDB::Table",
            "Action: [dynamodb:GetItem, dynamodb:PutItem]",
        ] {
            assert!(t.contains(needle), "{at}: {needle}");
        }
        assert!(t.contains(&format!("MinCapacity: {}", c.min_tasks)), "{at}");
        assert!(t.contains(&format!("MaxCapacity: {}", c.max_tasks)), "{at}");
        assert!(t.contains(&format!("Cpu: \"{}\"", c.cpu)), "{at}");
        assert!(t.contains(&format!("Memory: \"{}\"", c.memory_mb)), "{at}");
        // No queue, no Lambda.
        assert!(
            !t.contains("AWS::SQS::Queue") && !t.contains("AWS::Lambda"),
            "{at}"
        );
        let docker = text(&files, "Dockerfile");
        assert!(
            docker.contains("HEALTHCHECK") && docker.contains("USER "),
            "{at}"
        );
        assert!(docker.matches("FROM ").count() >= 2, "{at}: multi-stage");
        assert!(files.iter().any(|f| f.path == ".dockerignore"), "{at}");
        let readme = text(&files, "README.md");
        assert!(!readme.contains("argues against"), "{at}");
        // The README quotes the answers, and no function setting.
        assert!(
            readme.contains("What is the peak rate of requests"),
            "{at}: {readme}"
        );
        assert!(readme.contains("2500 req/s"), "{at}");
        assert!(
            !readme.contains("MemorySize") && !readme.contains("Reserved concurrency"),
            "{at}"
        );
        let ci = text(&files, ".github/workflows/ci.yml");
        assert!(
            ci.contains("id-token: write") && ci.contains("role-to-assume"),
            "{at}"
        );
        assert!(
            !ci.contains("aws-access-key-id"),
            "{at}: no long-lived keys"
        );
    }
}

#[test]
fn case_13s_default_starter_is_a_queue_worker_that_scales_on_depth_and_outlasts_a_job() {
    use questionnaires::scaffold::{Pattern, Runtime};
    for runtime in [Runtime::Python, Runtime::Typescript, Runtime::Rust] {
        let (plan, files) = render_case("13_tile_render_long_jobs", Pattern::QueueWorker, runtime);
        let at = format!("13 {runtime:?}");
        let t = text(&files, "template.yaml");
        let visibility: u32 = t
            .lines()
            .find_map(|l| l.trim().strip_prefix("VisibilityTimeout: "))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{at}: a visibility timeout"));
        assert!(visibility > 20 * 60, "{at}: {visibility}");
        for needle in [
            "MetricName: ApproximateNumberOfMessagesVisible",
            "PolicyType: StepScaling",
            "deadLetterTargetArn: !GetAtt DeadLetterQueue.Arn",
            "StopTimeout: 120",
            "MinCapacity: 0",
            "MaxCapacity: 20",
            "Memory: \"6144\"",
            "Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility]",
            "Type: AWS::DynamoDB::Table",
        ] {
            assert!(t.contains(needle), "{at}: {needle}");
        }
        assert!(!t.contains("LoadBalancer"), "{at}: no load balancer");
        assert!(
            !t.contains("AWS::Scheduler::Schedule"),
            "{at}: no schedule asked"
        );
        let readme = text(&files, "README.md");
        assert!(readme.contains("20 min"), "{at}");
        assert!(
            readme.contains("| Queue visibility timeout | VisibilityTimeout: 1800 s"),
            "{at}"
        );
        assert!(plan.caution.is_none(), "{at}");
    }
}

#[test]
fn changing_an_answer_changes_the_containers_template() {
    use questionnaires::scaffold::{Pattern, Runtime};
    // Case 24 adds a schedule to the queue: EventBridge Scheduler runs the task.
    let (_, files) = render_case(
        "24_nightly_video_transcode",
        Pattern::QueueWorker,
        Runtime::Python,
    );
    let t = text(&files, "template.yaml");
    assert!(t.contains("Type: AWS::Scheduler::Schedule"));
    assert!(t.contains("<aws.scheduler.scheduled-time>"));
    assert!(t.contains("Type: AWS::SecretsManager::Secret"));
    assert!(t.contains("ValueFrom: !Ref AppSecret"));
    // 40-minute jobs (case 24) get a longer visibility timeout than 20-minute ones (case 13).
    assert!(t.contains("VisibilityTimeout: 3600"));
}

#[test]
fn the_command_line_writes_case_13s_containers_starter_without_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("renders");
    let run = trellis()
        .args([
            "scaffold",
            &case("13_tile_render_long_jobs"),
            "--runtime",
            "typescript",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(!String::from_utf8_lossy(&run.stderr).contains("warning"));
    assert!(out.join("Dockerfile").exists());
    assert!(out.join("src/worker.ts").exists());
    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(readme.starts_with("# Map tile render jobs: Queue and batch workers"));
}
