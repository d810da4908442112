//! Discussion and assignment, end to end: comments under a question through the REST API and
//! the question page's plain forms; hostile Markdown neutralised in the page, the API and every
//! report; only the author edits, the author or an owner deletes (403 otherwise), each write in
//! the audit log; a mention of someone outside the team records nothing; two edits at one
//! version keep one and refuse the other; respondent mode shows only what is assigned, and the
//! top bar counts what needs me; the inbox lists what is assigned and unanswered, the mentions and the checklist items due; the
//! reports carry the discussion only when asked.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::access::{World, world};
use super::client::{Client, Reply};
use super::risks::api;

/// A question of the first area, and another one elsewhere.
const QUESTION: &str = "peak_rps";
const OTHER: &str = "iac";

/// Markdown a hostile member might write.
const HOSTILE: &str = "Look <script>alert('pwned')</script> here \
    [click](javascript:alert(1)) <img src=x onerror=alert(2)> \
    <a href=\"javascript:alert(3)\" onclick=\"alert(4)\">raw</a> **bold**";

fn comments_uri(w: &World, question: &str) -> String {
    format!(
        "/api/v1/assessments/{}/questions/{question}/comments",
        w.assessment
    )
}

async fn comment(c: &Client, w: &World, question: &str, body: &str) -> Value {
    let r = api(
        c,
        Method::POST,
        &comments_uri(w, question),
        Some(json!({ "body": body })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn json_of(r: Reply) -> Value {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn inbox(c: &Client) -> Value {
    json_of(api(c, Method::GET, "/api/v1/me/inbox", None).await).await
}

/// The first tag of an HTML text that could run something: a `script`, `img` or `iframe`
/// element, an `on…` handler or a `javascript:` address. Text (escaped, so without `<`) is
/// harmless however it reads.
fn runs_script(html: &str) -> Option<String> {
    html.split('<').skip(1).find_map(|rest| {
        let tag = rest.split('>').next().unwrap_or_default().to_lowercase();
        let name = tag.split_whitespace().next().unwrap_or_default();
        let handler = tag
            .split_whitespace()
            .skip(1)
            .any(|attr| attr.starts_with("on"));
        (matches!(name, "script" | "img" | "iframe" | "object" | "embed")
            || handler
            || tag.contains("javascript:"))
        .then(|| tag.clone())
    })
}

async fn user_id(w: &World, name: &str) -> String {
    let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
    w.app
        .store
        .user_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .0
        .id
}

#[tokio::test]
async fn hostile_markdown_in_a_comment_is_neutralised_in_the_api_and_the_page() {
    let w = world().await;
    let c = comment(&w.editor, &w, QUESTION, HOSTILE).await;
    let html = c["html"].as_str().unwrap();
    assert_eq!(runs_script(html), None, "{html}");
    assert!(
        html.contains("<strong>bold</strong>"),
        "Markdown renders: {html}"
    );
    assert!(
        html.contains("&lt;script&gt;"),
        "raw HTML shows as text: {html}"
    );
    assert_eq!(c["body"], HOSTILE, "the source is kept as written");
    let page = w
        .viewer
        .get(&format!(
            "/assessments/{}/questions/{QUESTION}",
            w.assessment
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let thread = section(&page.body, "comments");
    assert_eq!(runs_script(thread), None, "{thread}");
    assert!(thread.contains("<strong>bold</strong>"), "{thread}");
    assert!(thread.contains("Eddie Editor"), "the author is shown");
}

/// The part of a page inside the element with this id.
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    &page[start..]
}

#[tokio::test]
async fn only_the_author_edits_and_the_author_or_an_owner_deletes() {
    let w = world().await;
    let mine = comment(&w.editor, &w, QUESTION, "The peak is a guess.").await;
    let owners = comment(&w.owner, &w, QUESTION, "Measure it first.").await;
    let uri = |c: &Value| {
        format!(
            "{}/{}",
            comments_uri(&w, QUESTION),
            c["id"].as_str().unwrap()
        )
    };
    // A viewer reads but does not write.
    let r = api(
        &w.viewer,
        Method::POST,
        &comments_uri(&w, QUESTION),
        Some(json!({"body": "x"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let listed =
        json_of(api(&w.viewer, Method::GET, &comments_uri(&w, QUESTION), None).await).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    // The owner cannot edit the editor's comment; the editor can.
    let r = api(
        &w.owner,
        Method::PATCH,
        &uri(&mine),
        Some(json!({"body": "Hijacked", "version": 1})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let edited = json_of(
        api(
            &w.editor,
            Method::PATCH,
            &uri(&mine),
            Some(json!({"body": "The peak is measured.", "version": 1})),
        )
        .await,
    )
    .await;
    assert_eq!(edited["version"], 2);
    assert!(edited["edited_at"].is_string());
    // The editor cannot delete the owner's comment; the owner can delete the editor's.
    let r = api(&w.editor, Method::DELETE, &uri(&owners), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = api(&w.owner, Method::DELETE, &uri(&mine), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = api(&w.owner, Method::DELETE, &uri(&mine), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "deleted once: {}", r.body);
    // Too long, or blank: named.
    let r = api(
        &w.editor,
        Method::POST,
        &comments_uri(&w, QUESTION),
        Some(json!({"body": "x".repeat(5_001)})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("body"), "{}", r.body);
    let r = api(
        &w.editor,
        Method::POST,
        &comments_uri(&w, "no_such_question"),
        Some(json!({"body": "x"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let listed =
        json_of(api(&w.viewer, Method::GET, &comments_uri(&w, QUESTION), None).await).await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "a deleted comment keeps its place");
    assert_eq!(items[0]["deleted"], true);
    assert_eq!(items[0]["body"], "");
    assert_eq!(items[1]["body"], "Measure it first.");
    let page = w
        .viewer
        .get(&format!(
            "/assessments/{}/questions/{QUESTION}",
            w.assessment
        ))
        .await;
    assert!(
        section(&page.body, "comments").contains("deleted"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("The peak is"), "deleted text is gone");
    // Every write is in the audit log, with who did it.
    let log = w.app.store.audit_log(&w.team, 100).await.unwrap();
    let comments: Vec<_> = log.iter().filter(|e| e.action == "comment").collect();
    assert_eq!(comments.len(), 4, "{log:?}");
    assert!(
        comments
            .iter()
            .any(|e| e.actor == "Olive Owner" && e.detail.starts_with("deleted Eddie Editor's"))
    );
    assert!(
        comments
            .iter()
            .any(|e| e.actor == "Eddie Editor" && e.detail.starts_with("edited"))
    );
}

#[tokio::test]
async fn a_mention_of_someone_outside_the_team_records_nothing() {
    let w = world().await;
    comment(
        &w.editor,
        &w,
        QUESTION,
        "Asking @oscar.outsider and @OscarOutsider, and @veraviewer, not mail@veraviewer",
    )
    .await;
    assert_eq!(
        inbox(&w.outsider).await["mentions"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let vera = inbox(&w.viewer).await;
    let mentions = vera["mentions"].as_array().unwrap();
    assert_eq!(mentions.len(), 1, "{vera}");
    assert_eq!(mentions[0]["seen"], false);
    assert_eq!(mentions[0]["author"], "Eddie Editor");
    let counts = w.app.store.export_all(std::io::sink(), 0).await.unwrap();
    let rows = counts.0.iter().find(|(t, _)| *t == "mentions").unwrap().1;
    assert_eq!(rows, 1, "only the member's mention is stored");
    // The page marks them seen; the API does not.
    assert_eq!(inbox(&w.viewer).await["count"], 1);
    let r = w.viewer.get("/me").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Eddie Editor"), "{}", r.body);
    assert_eq!(inbox(&w.viewer).await["mentions"][0]["seen"], true);
    assert_eq!(inbox(&w.viewer).await["count"], 0);
}

#[tokio::test]
async fn two_edits_at_one_version_keep_one_and_refuse_the_other() {
    let w = world().await;
    let c = comment(&w.editor, &w, QUESTION, "First draft").await;
    let uri = format!(
        "{}/{}",
        comments_uri(&w, QUESTION),
        c["id"].as_str().unwrap()
    );
    let (a, b) = tokio::join!(
        api(
            &w.editor,
            Method::PATCH,
            &uri,
            Some(json!({"body": "From tab A", "version": 1}))
        ),
        api(
            &w.editor,
            Method::PATCH,
            &uri,
            Some(json!({"body": "From tab B", "version": 1}))
        ),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        a.body,
        b.body
    );
    let (won, lost) = if a.status == StatusCode::OK {
        (&a, &b)
    } else {
        (&b, &a)
    };
    assert!(
        lost.body.contains("version"),
        "the refusal names the field: {}",
        lost.body
    );
    let kept: Value = serde_json::from_str(&won.body).unwrap();
    let listed =
        json_of(api(&w.viewer, Method::GET, &comments_uri(&w, QUESTION), None).await).await;
    assert_eq!(listed["items"][0]["body"], kept["body"]);
    assert_eq!(listed["items"][0]["version"], 2);
    let edits = w
        .app
        .store
        .audit_log(&w.team, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.detail.starts_with("edited"))
        .count();
    assert_eq!(edits, 1, "only the stored edit is in the audit log");
}

/// `YYYY-MM-DD`, `days` from today.
fn day(days: i64) -> String {
    app::utc(server::service::now_ms() + days * 86_400_000)[..10].to_owned()
}

#[tokio::test]
async fn the_inbox_lists_what_is_assigned_and_unanswered_the_mentions_and_the_items_due() {
    let w = world().await;
    let eddie = user_id(&w, "Eddie Editor").await;
    let assign = |scope: &str, target: &str, user: &str| json!({"scope": scope, "target_id": target, "user_id": user});
    let uri = format!("/api/v1/assessments/{}/assignees", w.assessment);
    // The viewer cannot be given work; the editor can, by an editor.
    let vera = user_id(&w, "Vera Viewer").await;
    let r = api(
        &w.owner,
        Method::PUT,
        &uri,
        Some(assign("question", OTHER, &vera)),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("user_id"), "{}", r.body);
    let r = api(
        &w.owner,
        Method::PUT,
        &uri,
        Some(assign("area", "nope", &eddie)),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("target_id"), "{}", r.body);
    let r = api(
        &w.viewer,
        Method::PUT,
        &uri,
        Some(assign("question", OTHER, &eddie)),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let list = json_of(
        api(
            &w.owner,
            Method::PUT,
            &uri,
            Some(assign("question", OTHER, &eddie)),
        )
        .await,
    )
    .await;
    assert_eq!(list["items"][0]["name"], "Eddie Editor");
    // `peak_rps` is answered (the world answers it), so its area still has others unanswered.
    let list = json_of(
        api(
            &w.editor,
            Method::PUT,
            &uri,
            Some(assign("area", "workload_fit", &eddie)),
        )
        .await,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    comment(&w.owner, &w, OTHER, "@eddie.editor can you look?").await;
    let now = server::service::now_ms();
    for (item, owner, due) in [
        ("idempotent_handlers", "Eddie Editor", day(3)),
        (
            "least_privilege_roles",
            " eddie.editor@example.com",
            day(-2),
        ),
        ("explicit_timeouts", "Eddie Editor", day(30)),
        ("circuit_breakers", "Olive Owner", day(1)),
    ] {
        w.app
            .store
            .save_item(
                &w.assessment,
                item,
                "open",
                owner,
                Some(&due),
                None,
                "t",
                now,
            )
            .await
            .unwrap();
    }
    let mine = inbox(&w.editor).await;
    let assigned = mine["assigned"].as_array().unwrap();
    assert_eq!(assigned.len(), 2, "{mine}");
    assert!(assigned.iter().all(|a| a["workload"] == "Zeta ledger"));
    let area = assigned.iter().find(|a| a["scope"] == "area").unwrap();
    assert!(area["unanswered"].as_u64().unwrap() >= 1);
    assert_eq!(mine["mentions"].as_array().unwrap().len(), 1);
    let due: Vec<&str> = mine["due"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["item_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        due,
        ["least_privilege_roles", "idempotent_handlers"],
        "due soon or overdue, mine only, soonest first"
    );
    assert_eq!(mine["due"][0]["overdue"], true);
    assert_eq!(mine["due"][1]["overdue"], false);
    assert_eq!(mine["count"], 2 + 1 + 2);
    // Clearing the question's assignee takes it off the list; others see nothing of it.
    let r = api(
        &w.editor,
        Method::DELETE,
        &format!("{uri}?scope=question&target_id={OTHER}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        inbox(&w.editor).await["assigned"].as_array().unwrap().len(),
        1
    );
    let olive = inbox(&w.owner).await;
    assert_eq!(olive["assigned"].as_array().unwrap().len(), 0);
    assert_eq!(olive["mentions"].as_array().unwrap().len(), 0);
    let log = w.app.store.audit_log(&w.team, 100).await.unwrap();
    assert_eq!(
        log.iter().filter(|e| e.action == "assign").count(),
        3,
        "{log:?}"
    );
}

#[tokio::test]
async fn reports_carry_the_discussion_only_when_asked_with_hostile_text_neutralised() {
    let w = world().await;
    comment(&w.editor, &w, QUESTION, HOSTILE).await;
    comment(&w.owner, &w, QUESTION, "Agreed, **ship it**").await;
    let gone = comment(&w.editor, &w, QUESTION, "Retracted remark").await;
    let r = api(
        &w.editor,
        Method::DELETE,
        &format!(
            "{}/{}",
            comments_uri(&w, QUESTION),
            gone["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let base = format!("/assessments/{}", w.assessment);
    for file in ["report.md", "report.html", "report.json", "report.pdf"] {
        let text = |r: Reply| {
            assert_eq!(r.status, StatusCode::OK, "{file}: {}", r.body);
            if file.ends_with(".pdf") {
                super::exports::pdftotext(&r.bytes).0
            } else {
                r.body
            }
        };
        let off = text(w.viewer.get(&format!("{base}/{file}")).await);
        assert!(!off.contains("ship it"), "{file} leaves it out by default");
        let zero = text(w.viewer.get(&format!("{base}/{file}?discussion=0")).await);
        assert!(!zero.contains("ship it"), "{file}: 0 leaves it out");
        let on = text(w.viewer.get(&format!("{base}/{file}?discussion=1")).await);
        assert!(
            on.contains("ship it"),
            "{file} includes it when asked: {on}"
        );
        assert!(on.contains("Olive Owner"), "{file} names the author");
        assert!(on.contains("Eddie Editor"), "{file} names the author");
        assert!(
            !on.contains("Retracted"),
            "{file} leaves deleted comments out"
        );
        match file {
            "report.html" => {
                assert_eq!(runs_script(&on), None, "{on}");
                assert!(on.contains("<strong>ship it</strong>"), "{on}");
            }
            "report.md" => {
                // Nothing a Markdown viewer would run or load: tags are escaped, the link is
                // not a link.
                assert!(!on.contains("<script"), "{on}");
                assert!(!on.contains("<img"), "{on}");
                assert!(!on.contains("[click](javascript:"), "{on}");
                assert!(on.contains("\\[click\\]"), "the brackets are escaped: {on}");
                assert!(on.contains("## Discussion"), "{on}");
            }
            "report.json" => {
                let v: Value = serde_json::from_str(&on).unwrap();
                let x = v["answers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["question"] == QUESTION)
                    .unwrap();
                let comments = x["comments"].as_array().unwrap();
                assert_eq!(comments.len(), 2, "{x}");
                assert_eq!(comments[0]["author"], "Eddie Editor");
                assert_eq!(comments[0]["text"], HOSTILE, "as written, to show as text");
                let html = comments[0]["html"].as_str().unwrap();
                assert_eq!(runs_script(html), None, "{html}");
                let off: Value = serde_json::from_str(&off).unwrap();
                assert!(
                    off["answers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|a| a.get("comments").is_none()),
                    "no `comments` key when left out"
                );
            }
            _ => {}
        }
    }
    // The API serves the same, and refuses a value it does not know, naming the field.
    let r = api(
        &w.viewer,
        Method::GET,
        &format!(
            "/api/v1/assessments/{}/report.md?discussion=1",
            w.assessment
        ),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("ship it"));
    let r = api(
        &w.viewer,
        Method::GET,
        &format!(
            "/api/v1/assessments/{}/report.json?discussion=yes",
            w.assessment
        ),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("discussion"), "{}", r.body);
    // The report page's choice: a plain form; when on, the downloads that list the questions
    // keep it.
    let page = w.viewer.get(&format!("{base}/report")).await;
    assert!(page.body.contains("name=\"discussion\""), "{}", page.body);
    assert!(!page.body.contains("report.md?discussion=1"));
    let page = w.viewer.get(&format!("{base}/report?discussion=1")).await;
    assert!(page.body.contains("value=\"1\" checked"), "{}", page.body);
    assert!(page.body.contains("report.md?discussion=1"));
    assert!(!page.body.contains("report.csv?discussion=1"));
    assert_eq!(runs_script(&page.body), None);
    // A milestone's report carries what was written before it was saved.
    let m = api(
        &w.editor,
        Method::POST,
        &format!("/api/v1/assessments/{}/milestones", w.assessment),
        Some(json!({ "name": "Before launch" })),
    )
    .await;
    assert_eq!(m.status, StatusCode::CREATED, "{}", m.body);
    let m: Value = serde_json::from_str(&m.body).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    comment(&w.owner, &w, QUESTION, "Written afterwards").await;
    let r = w
        .viewer
        .get(&format!(
            "{base}/milestones/{}/report.md?discussion=1",
            m["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("ship it"), "{}", r.body);
    assert!(!r.body.contains("Written afterwards"), "{}", r.body);
}

/// Whether the access matrix's route is one of the discussion's.
pub(super) fn is_route(path: &str) -> bool {
    path.contains("/questions/{question")
        || path.ends_with("/assignees")
        || path.ends_with("/assign")
        || path == "/me"
        || path == "/api/v1/me/inbox"
}

/// The access matrix's case of a discussion route: what it needs (`read`, `edit` or
/// `signed-in`), its address, and its fields (a form, or the JSON body), for a caller known by
/// the local part of their email. A comment to edit or delete is the caller's own, written
/// fresh for each request.
pub(super) async fn access_case(
    store: &store::Store,
    assessment: &str,
    method: &str,
    path: &str,
    who: &str,
) -> (&'static str, String, Option<Vec<(&'static str, String)>>) {
    let fresh = || async {
        let user = store
            .user_by_email(&format!("{who}@example.com"))
            .await
            .unwrap()
            .unwrap()
            .0;
        let row = store::CommentRow {
            id: uuid::Uuid::new_v4().simple().to_string(),
            assessment_id: assessment.to_owned(),
            question_id: QUESTION.to_owned(),
            author_id: user.id,
            author_name: user.name,
            body: "For the matrix".to_owned(),
            version: 1,
            created_at: 1,
            edited_at: None,
            deleted_at: None,
            deleted_by: None,
        };
        store.add_comment(&row, &[], None).await.unwrap();
        row.id
    };
    let editor = store
        .user_by_email("eddie.editor@example.com")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    let uri = path
        .replace("{id}", assessment)
        .replace("{question_id}", QUESTION)
        .replace("{question}", QUESTION);
    let s = |x: &str| x.to_owned();
    match (method, path) {
        ("GET", "/me" | "/api/v1/me/inbox") => ("signed-in", uri, None),
        ("GET", _) => ("read", uri, None),
        ("POST", p) if p.ends_with("/comments") => {
            ("edit", uri, Some(vec![("body", s("Asked for the matrix"))]))
        }
        ("POST" | "PATCH", p) if p.ends_with("{comment}") || p.ends_with("{comment_id}") => {
            let id = fresh().await;
            let uri = uri.replace("{comment}", &id).replace("{comment_id}", &id);
            (
                "edit",
                uri,
                Some(vec![
                    ("body", s("Edited for the matrix")),
                    ("version", s("1")),
                ]),
            )
        }
        ("POST", p) if p.ends_with("/delete") => {
            let id = fresh().await;
            (
                "edit",
                uri.replace("{comment}", &id),
                Some(vec![("version", s("1"))]),
            )
        }
        ("DELETE", p) if p.ends_with("{comment_id}") => {
            let id = fresh().await;
            ("edit", uri.replace("{comment_id}", &id), None)
        }
        ("POST", _) => (
            "edit",
            uri,
            Some(vec![
                ("scope", s("question")),
                ("target", s(OTHER)),
                ("user", editor),
                (
                    "back",
                    format!("/assessments/{assessment}/questions/{OTHER}"),
                ),
            ]),
        ),
        ("PUT", _) => (
            "edit",
            uri,
            Some(vec![
                ("scope", s("question")),
                ("target_id", s(OTHER)),
                ("user_id", editor),
            ]),
        ),
        _ => (
            "edit",
            format!("{uri}?scope=question&target_id={OTHER}"),
            None,
        ),
    }
}

/// The number beside "Needs me" in a page's top bar (`None`: no badge).
fn badge(page: &str) -> Option<String> {
    let link = page.split("class=\"needs-me\"").nth(1)?;
    let link = &link[..link.find("</a>")?];
    let badge = link.split("class=\"badge\"").nth(1)?;
    let text = badge.split('>').nth(1)?;
    Some(text.split('<').next()?.to_owned())
}

#[tokio::test]
async fn respondent_mode_shows_only_what_is_assigned_and_the_top_bar_counts_what_needs_me() {
    let w = world().await;
    let eddie = user_id(&w, "Eddie Editor").await;
    let uri = format!("/api/v1/assessments/{}/assignees", w.assessment);
    let review = format!("/assessments/{}/review/delivery", w.assessment);
    // Nothing assigned: no badge, and no way into respondent mode.
    let page = w.editor.get(&review).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("class=\"needs-me\""),
        "the link is there"
    );
    assert_eq!(badge(&page.body), None);
    assert!(!page.body.contains("Show only what is assigned to me"));

    api(
        &w.owner,
        Method::PUT,
        &uri,
        Some(json!({"scope": "question", "target_id": OTHER, "user_id": eddie})),
    )
    .await;
    comment(&w.owner, &w, QUESTION, "@EddieEditor is the peak right?").await;
    // Both kinds of page count the question and the mention: the Leptos ones and the server's.
    for path in [review.as_str(), "/", "/api", "/portfolio"] {
        let page = w.editor.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(badge(&page.body).as_deref(), Some("2"), "{path}");
        assert!(page.body.contains("2 items need you"), "{path}");
    }
    assert_eq!(
        badge(&w.owner.get("/").await.body),
        None,
        "nothing needs the owner"
    );

    // The whole area, with the way in.
    let page = w.editor.get(&review).await;
    assert!(
        page.body
            .contains("1 question of this review is assigned to you.")
    );
    assert!(page.body.contains(&format!("{review}?mine=1")));
    assert!(page.body.matches("<fieldset id=\"q-").count() > 1);
    assert!(page.body.contains("Answered by Eddie Editor"));
    assert!(page.body.contains("Discussion (0)") || page.body.contains(">Discuss<"));

    // Respondent mode: one question, one area in the rail, counted alone.
    let mine = w.editor.get(&format!("{review}?mine=1")).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.body.matches("<fieldset id=\"q-").count(), 1);
    assert!(mine.body.contains(&format!("id=\"q-{OTHER}\"")));
    assert!(
        mine.body.contains("Showing 1 of the ")
            && mine
                .body
                .contains(" questions in this area: those assigned to you."),
        "{}",
        mine.body
    );
    assert!(mine.body.contains("a view, not a permission"));
    assert!(mine.body.contains("aria-label=\"Areas assigned to you\""));
    assert!(!mine.body.contains("id=\"rail-workload_fit\""));
    let rail = &mine.body[mine.body.find("id=\"rail-delivery-count\"").unwrap()..];
    assert!(
        rail.split('<').next().unwrap().ends_with(">0/1"),
        "{}",
        &rail[..80]
    );
    assert!(mine.body.contains("/save?mine=1\""));
    // Another area holds nothing of theirs, and says so.
    let other = w
        .editor
        .get(&format!(
            "/assessments/{}/review/workload_fit?mine=1",
            w.assessment
        ))
        .await;
    assert_eq!(other.body.matches("<fieldset id=\"q-").count(), 0);
    assert!(
        other
            .body
            .contains("Nothing in this area is assigned to you")
    );

    // The background save counts only their questions; a plain Save keeps the mode; "Save and
    // continue" goes past the last of their areas to the results.
    let form = serde_urlencoded::to_string([("q.iac", "most"), ("v.iac", "")]).unwrap();
    let r = w
        .editor
        .call(
            "/api/autosave",
            &[
                ("id", w.assessment.as_str()),
                ("area", "delivery"),
                ("form", form.as_str()),
                ("mine", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let saved: Value = serde_json::from_str(&r.body).unwrap();
    let rail = saved["rail"].as_array().unwrap();
    assert_eq!(rail.len(), 1, "{saved}");
    assert_eq!(
        (rail[0]["answered"].as_u64(), rail[0]["applicable"].as_u64()),
        (Some(1), Some(1))
    );
    let save = format!("{review}/save?mine=1");
    let r = w.editor.post(&save, &[("save", "stay")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location, format!("{review}?mine=1&saved"));
    let r = w.editor.post(&save, &[("save", "next")]).await;
    assert_eq!(r.location, format!("/assessments/{}/results", w.assessment));

    // Answered: the question leaves the count; the mention stays until Needs me is opened.
    assert_eq!(badge(&w.editor.get("/").await.body).as_deref(), Some("1"));
    let me = w.editor.get("/me").await;
    assert!(me.body.contains("Mentions (1)"));
    assert_eq!(badge(&w.editor.get("/").await.body), None);
}
