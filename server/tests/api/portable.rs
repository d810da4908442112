//! `export-all` and `import-all`: an installation seeded through the app moves SQLite →
//! Postgres → SQLite with nothing lost (each export equal to the first, and the moved
//! installation still signs its users in and evaluates its reviews the same), and bad documents
//! or a target that is not empty are refused with nothing written. The Postgres leg runs on a
//! scratch database of the `TEST_POSTGRES_URL` server: it is `#[ignore]`d without one, and
//! `scripts/test` runs it in its Postgres pass.

use std::process::Stdio;

use axum::http::StatusCode;
use serde_json::Value;
use sqlx::{AnyConnection, Connection, Executor};
use store::{PortableError, Store};

use super::client::{Client, TestApp};
use crate::served::trellis;

/// A database created for one test on the `TEST_POSTGRES_URL` server, dropped after it.
struct Scratch {
    server: String,
    name: String,
    url: String,
}

impl Scratch {
    async fn new(server: &str) -> Scratch {
        let server = server.to_owned();
        let name = format!("trellis_port_{}", uuid::Uuid::new_v4().simple());
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect(&server).await.unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let base = server.split('?').next().unwrap();
        let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
        Scratch { server, name, url }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs outside async: a thread of its own with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                let mut conn = AnyConnection::connect(&server).await.unwrap();
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                conn.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
            });
        });
        let _ = dropped.join();
    }
}

/// A fresh SQLite file, with the directory that holds it.
async fn fresh_sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    (Store::connect(&url).await.unwrap(), dir)
}

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("trellis.db").display()
    )
}

async fn export(store: &Store) -> Vec<u8> {
    let mut out = Vec::new();
    store.export_all(&mut out, 1_767_225_600_000).await.unwrap();
    out
}

/// A document without its `exported_at`, to compare two exports.
fn content(doc: &[u8]) -> Value {
    let mut v: Value = serde_json::from_slice(doc).unwrap();
    v.as_object_mut().unwrap().remove("exported_at");
    v
}

/// Asserts two exports hold the same data, row for row and byte for byte after the header.
fn assert_same(a: &[u8], b: &[u8]) {
    assert_eq!(content(a), content(b));
    let body = |d: &[u8]| d[d.iter().position(|&c| c == b'\n').unwrap()..].to_vec();
    assert!(body(a) == body(b), "the rows are written in the same order");
}

/// What a seeded installation's users can do, to check after a move.
struct Seeded {
    world: super::access::World,
    /// A review started from the first one, and one on an imported lens.
    from_template: String,
    on_lens: String,
}

/// An installation with a row in every table, made through the app: accounts, teams, accepted
/// and open invites, sessions, an API token, share links, answers with a note and N/A,
/// checklist state, tags, an accepted risk, an evidence import, a milestone, a review from a template, an imported lens and a review on
/// it, and the audit rows all of that writes.
async fn seeded(app: TestApp) -> Seeded {
    let world = super::access::world_on(app).await;
    let owner = &world.owner;
    let a = world.assessment.as_str();
    super::templates::save(
        owner,
        a,
        "reliability",
        &[
            ("na.ordering", "on"),
            ("na_reason.ordering", "no ordering at all"),
            ("note.ordering", "checked with the team"),
            ("v.ordering", ""),
        ],
    )
    .await;
    let r = owner
        .post(
            "/api/save_checklist_item",
            &[
                ("id", a),
                ("item", "budget_alarm"),
                ("status", "accepted-risk"),
                ("owner", "Olive"),
                ("due_date", "2026-12-24"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let r = owner
        .post(
            &format!("/assessments/{a}/tags"),
            &[("tags", "payments, pci")],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    super::templates::save(owner, a, "delivery", &[("q.iac", "most"), ("v.iac", "")]).await;
    // An import from infrastructure code.
    world.evidence().await;
    let r = owner
        .post(
            "/api/accept_risk",
            &[
                ("id", a),
                ("question", "iac"),
                ("reason", "The last console changes go into the templates"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let r = owner
        .post(
            &format!("/teams/{}/invites", world.team),
            &[("role", "viewer")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "an open invite: {}", r.body);
    let from_template = super::templates::started(
        &super::templates::start(owner, &world.team, "Payments API", a).await,
    );
    super::approvals::approved_review(owner).await;
    let lens = super::lenses::import(owner, &super::lenses::lens_text(super::lenses::SAMPLE)).await;
    let (on_lens, _) = super::lenses::start(owner, &lens).await;
    seed_teamwork(&world).await;
    Seeded {
        world,
        from_template,
        on_lens,
    }
}

/// The owner's browser and the editor's token, on another installation.
fn moved(s: &Seeded, to: &TestApp) -> (Client, Client) {
    let owner = Client {
        app: to.clone(),
        ..s.world.owner.clone()
    };
    let token = Client {
        bearer: Some(s.world.token.clone()),
        ..to.anonymous()
    };
    (owner, token)
}

/// What the app shows of the seeded installation: the owner's list, each review's answers and
/// evaluation through the API token, the share link's report.
async fn observed(s: &Seeded, app: &TestApp) -> Vec<String> {
    let (owner, token) = moved(s, app);
    let home = owner.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("Payments API"),
        "the session still signs in"
    );
    // The search index is the database's own, rebuilt as the rows went in.
    let found = owner.get("/?q=payme").await;
    assert!(
        found.body.contains("Payments API"),
        "the imported review is found"
    );
    let mut seen = Vec::new();
    for id in [&s.world.assessment, &s.from_template, &s.on_lens] {
        for what in ["answers", "evaluation"] {
            let r = token.get(&format!("/api/v1/assessments/{id}/{what}")).await;
            assert_eq!(r.status, StatusCode::OK, "{what} of {id}: {}", r.body);
            seen.push(r.body);
        }
    }
    let shared = app
        .anonymous()
        .get(&format!("/share/{}", s.world.share))
        .await;
    assert_eq!(shared.status, StatusCode::OK, "the share link still opens");
    seen
}

/// Seeds an installation on `app`, moves it through `via` when given (imported there and
/// exported again) and then into a new SQLite file, and checks that each export equals the
/// first and that its users see the same everywhere.
async fn moves_with_nothing_lost(app: TestApp, via: Option<&str>) {
    let s = seeded(app).await;
    let first = export(&s.world.app.store).await;
    let doc = content(&first);
    for (table, rows) in doc["tables"].as_object().unwrap() {
        assert!(
            !rows.as_array().unwrap().is_empty(),
            "the seed has rows in {table}"
        );
    }
    let answers = doc["tables"]["answers"].as_array().unwrap();
    let assessments = doc["tables"]["assessments"].as_array().unwrap();
    assert!(assessments[0]["archived_at"].is_null(), "NULL stays null");
    assert!(
        answers.iter().any(|a| a["to_confirm"] == 1),
        "integers stay integers"
    );
    assert!(
        answers
            .iter()
            .any(|a| a["value"].as_str().unwrap().contains("no ordering at all")),
        "N/A with its reason"
    );
    let before = observed(&s, &s.world.app).await;

    let middle = match via {
        Some(url) => {
            let store = Store::connect(url).await.unwrap();
            let counts = store.import_all(first.as_slice()).await.unwrap();
            assert_eq!(counts.total() as usize, count_rows(&doc));
            let second = export(&store).await;
            assert_same(&first, &second);
            let app = TestApp::on(store, tempfile::tempdir().unwrap());
            assert_eq!(observed(&s, &app).await, before, "the same in the middle");
            second
        }
        None => first.clone(),
    };
    let (store, dir) = fresh_sqlite().await;
    store.import_all(middle.as_slice()).await.unwrap();
    assert_same(&first, &export(&store).await);
    let app = TestApp::on(store, dir);
    assert_eq!(observed(&s, &app).await, before, "the same back on SQLite");
}

/// From the test's database (SQLite, or Postgres in the Postgres pass) to a new SQLite file.
#[tokio::test]
async fn an_installation_moves_to_a_new_sqlite_file_with_nothing_lost() {
    moves_with_nothing_lost(TestApp::new().await, None).await;
}

#[tokio::test]
#[ignore = "needs Postgres: scripts/test runs it in the Postgres pass with --include-ignored"]
async fn an_installation_moves_sqlite_to_postgres_and_back_with_nothing_lost() {
    let server = crate::database::postgres()
        .expect("TEST_POSTGRES_URL is not set: this move goes through Postgres");
    let scratch = Scratch::new(&server).await;
    let (store, dir) = fresh_sqlite().await;
    moves_with_nothing_lost(TestApp::on(store, dir), Some(&scratch.url)).await;
}

fn count_rows(doc: &Value) -> usize {
    let tables = doc["tables"].as_object().unwrap();
    tables.values().map(|t| t.as_array().unwrap().len()).sum()
}

/// A small installation's export: one account (and so a team, a session, an audit row) and a
/// review with one answer.
async fn small() -> (TestApp, Value) {
    let app = TestApp::new().await;
    let ana = app.user("Ana").await;
    let id = ana.create("Orders").await;
    super::templates::save(
        &ana,
        &id,
        "workload_fit",
        &[("q.peak_rps", "50"), ("v.peak_rps", "")],
    )
    .await;
    let doc = serde_json::from_slice(&export(&app.store).await).unwrap();
    (app, doc)
}

/// Imports a document into a fresh SQLite file: the error, and whether the file stayed empty.
async fn refused(doc: &Value) -> (PortableError, bool) {
    let (store, _dir) = fresh_sqlite().await;
    let e = store
        .import_all(doc.to_string().as_bytes())
        .await
        .unwrap_err();
    let empty = count_rows(&content(&export(&store).await)) == 0;
    (e, empty)
}

#[tokio::test]
async fn a_database_that_is_not_empty_is_refused_and_left_as_it_was() {
    let (app, doc) = small().await;
    let before = export(&app.store).await;
    let e = app
        .store
        .import_all(doc.to_string().as_bytes())
        .await
        .unwrap_err();
    assert!(matches!(e, PortableError::NotEmpty("users")), "{e}");
    assert!(e.is_bad_input());
    assert!(e.to_string().contains("table users has rows"), "{e}");
    assert_eq!(export(&app.store).await, before);
}

/// What is wrong, how to break a document so, and what the error must say.
type Corruption = (&'static str, fn(&mut Value), &'static str);

#[tokio::test]
async fn a_corrupt_document_is_refused_naming_table_row_and_column_and_writes_nothing() {
    let (_app, doc) = small().await;
    let cases: [Corruption; 7] = [
        (
            "a string in an integer column",
            |d| d["tables"]["answers"][0]["version"] = "1".into(),
            "tables.answers[0].version: expected an integer, found the string \"1\"",
        ),
        (
            "a fraction in an integer column",
            |d| d["tables"]["users"][0]["created_at"] = 1.5.into(),
            "tables.users[0].created_at: expected an integer, found the number 1.5",
        ),
        (
            "null where NULL is not allowed",
            |d| d["tables"]["assessments"][0]["name"] = Value::Null,
            "tables.assessments[0].name: expected a string, found null",
        ),
        (
            "a row whose parent is missing",
            |d| d["tables"]["answers"][0]["assessment_id"] = "gone".into(),
            "tables.answers[0].assessment_id: no assessments row has id \"gone\"",
        ),
        (
            "a missing column",
            |d| {
                d["tables"]["sessions"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("expires_at");
            },
            "tables.sessions[0].expires_at: missing, expected an integer",
        ),
        (
            "an unknown column",
            |d| d["tables"]["teams"][0]["colour"] = "red".into(),
            "tables.teams[0].colour: table teams has no such column",
        ),
        (
            "a row the database refuses (a role its CHECK does not allow)",
            |d| d["tables"]["memberships"][0]["role"] = "boss".into(),
            "tables.memberships[0]: the database refused the row",
        ),
    ];
    for (what, corrupt, expected) in cases {
        let mut bad = doc.clone();
        corrupt(&mut bad);
        let (e, empty) = refused(&bad).await;
        assert!(e.to_string().contains(expected), "{what}: {e}");
        assert!(e.is_bad_input(), "{what}");
        assert!(empty, "{what}: nothing was written");
    }
}

#[tokio::test]
async fn an_unknown_format_version_or_schema_is_refused() {
    let (_app, doc) = small().await;
    let cases: [(&str, Value, &str); 5] = [
        ("format", "trellis-report".into(), "not a Trellis export"),
        ("version", 2.into(), "unknown export version"),
        ("schema", 999.into(), "newer than this Trellis"),
        ("schema", 5.into(), "older than this Trellis"),
        (
            "tables",
            Value::Null,
            "\"tables\" is null, expected an object",
        ),
    ];
    for (key, value, expected) in cases {
        let mut bad = doc.clone();
        bad[key] = value;
        let (e, empty) = refused(&bad).await;
        assert!(e.to_string().contains(expected), "{key}: {e}");
        assert!(empty);
    }
}

#[tokio::test]
async fn export_all_piped_into_import_all_moves_a_sqlite_installation() {
    let (from, from_dir) = fresh_sqlite().await;
    let app = TestApp::on(from, tempfile::tempdir().unwrap());
    let ana = app.user("Ana").await;
    ana.create("Orders").await;
    let to_dir = tempfile::tempdir().unwrap();

    let mut export_all = trellis()
        .args(["export-all", "--database-url", &sqlite_url(&from_dir)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let import_all = trellis()
        .args(["import-all", "-", "--database-url", &sqlite_url(&to_dir)])
        .stdin(export_all.stdout.take().unwrap())
        .output()
        .unwrap();
    let exported = export_all.wait_with_output().unwrap();
    assert_eq!(
        exported.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    assert_eq!(
        import_all.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&import_all.stderr)
    );
    let summary = String::from_utf8_lossy(&import_all.stderr);
    assert!(summary.starts_with("imported "), "{summary}");
    assert!(summary.contains("users 1, teams 1,"), "{summary}");
    assert_eq!(
        String::from_utf8_lossy(&exported.stderr).replace("exported", "imported"),
        summary,
        "one line each, the same counts"
    );

    let out = to_dir.path().join("moved.json");
    let written = trellis()
        .args([
            "export-all",
            "--database-url",
            &sqlite_url(&to_dir),
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(written.status.code(), Some(0));
    assert_same(&export(&app.store).await, &std::fs::read(&out).unwrap());
    let files: Vec<_> = std::fs::read_dir(to_dir.path()).unwrap().collect();
    assert!(
        !files.iter().any(|f| {
            let name = f.as_ref().unwrap().file_name();
            name.to_string_lossy().ends_with(".tmp")
        }),
        "no temporary file is left"
    );

    let again = trellis()
        .args(["import-all", "--database-url", &sqlite_url(&to_dir)])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "a database that is not empty");
    let error = String::from_utf8_lossy(&again.stderr);
    assert!(
        error.contains("not empty") && error.contains("nothing was imported"),
        "{error}"
    );
}

/// A comment with a mention, an assignment, a webhook with a delivery tried once, and an
/// account linked to a single sign-on provider with a membership its groups gave: written
/// through the store, as their own tests (discussion.rs, webhooks.rs, sso) drive them.
async fn seed_teamwork(world: &super::access::World) {
    let store = &world.app.store;
    let now = server::service::now_ms();
    let user = |local: &'static str| async move {
        store
            .user_by_email(&format!("{local}@example.com"))
            .await
            .unwrap()
            .unwrap()
            .0
    };
    let (owner, editor) = (user("olive.owner").await, user("eddie.editor").await);
    let comment = store::CommentRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        assessment_id: world.assessment.clone(),
        question_id: "iac".to_owned(),
        author_id: owner.id.clone(),
        author_name: owner.name.clone(),
        body: "@eddieeditor can you check the pipeline?".to_owned(),
        version: 1,
        created_at: now,
        edited_at: None,
        deleted_at: None,
        deleted_by: None,
    };
    store
        .add_comment(&comment, std::slice::from_ref(&editor.id), None)
        .await
        .unwrap();
    store
        .set_assignment(
            &world.assessment,
            "question",
            "iac",
            Some(&editor.id),
            &owner.id,
            None,
            now,
        )
        .await
        .unwrap();
    let hook = store::WebhookRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        team_id: world.team.clone(),
        url: "https://hooks.example.com/trellis".into(),
        secret: "whsec_seed".into(),
        events: ",milestone_saved,".into(),
        enabled: 1,
        created_by: owner.id.clone(),
        created_at: now,
        updated_at: now,
    };
    store.create_webhook(&hook).await.unwrap();
    let event = store::OutboxEvent {
        id: uuid::Uuid::new_v4().simple().to_string(),
        event: "milestone_saved".into(),
        team_id: world.team.clone(),
        summary: "Milestone saved".into(),
        payload: "{}".into(),
    };
    assert!(store.enqueue_to(&hook.id, &event, now).await.unwrap());
    let claimed = store
        .claim_deliveries("seed", now + 1, now + 60_000, 10)
        .await
        .unwrap();
    let outcome = store::TryOutcome {
        status: Some(503),
        error: Some("503 Service Unavailable".into()),
        duration_ms: 12,
        delivered: false,
        retry_at: Some(now + 60_000),
    };
    store
        .finish_delivery(&claimed[0], "seed", &outcome, now + 2)
        .await
        .unwrap();
    let who = store::sso::SsoIdentity {
        issuer: "https://id.example.com".into(),
        subject: "248289761001".into(),
        email: "sam.sso@example.com".into(),
        email_verified: true,
        name: "Sam Sso".into(),
        teams: Some(vec![("Engineering".into(), store::auth::Role::Editor)]),
    };
    let secret = store::auth::new_secret("s");
    store
        .sso_sign_in(&who, &secret, now, now + 60_000)
        .await
        .unwrap();
}
