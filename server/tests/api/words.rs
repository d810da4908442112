//! The words on screen are the user's: no page a reader can open and no human-readable export
//! shows a raw question or choice id (`peak_rps`, `several_clients`). Ids with an underscore are
//! looked for, since no sentence holds one; JSON, CSV and the API documentation are for programs
//! and are not scanned, nor is a questionnaire's page for lens authors (`/questionnaires/{id}`),
//! whose export findings name each id as the lens file spells it, beside its title.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::client::{Client, TestApp};
use crate::exports::{pdftotext, unzip};

/// Ids that are also the names of things, as a reader writes them.
const ALSO_WORDS: [&str; 1] = ["x86_64"];

/// The content's own file names, which no reader should meet either.
const CONTENT_FILES: [&str; 4] = [
    "limits.toml",
    "patterns.toml",
    "checklist.toml",
    "questionnaire.toml",
];

/// Every question and choice id of the built-in questionnaire that holds an underscore.
fn ids() -> BTreeSet<String> {
    let q = questionnaires::builtin();
    q.questions
        .iter()
        .flat_map(|question| {
            std::iter::once(question.id.to_string())
                .chain(question.choices.iter().map(|c| c.id.to_string()))
        })
        .filter(|id| id.contains('_') && !ALSO_WORDS.contains(&id.as_str()))
        .collect()
}

/// The text a reader sees on an HTML page: tags, attributes, scripts and styles removed, with a
/// space where each tag was (two table cells are two words).
fn visible_text(html: &str) -> String {
    ammonia::Builder::empty()
        .clean(&html.replace('<', " <"))
        .to_string()
}

/// The text a reader sees in Markdown: link targets are not shown.
fn markdown_text(markdown: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(markdown));
    visible_text(&html)
}

/// The ids `text` shows, each with a little of what surrounds it.
fn ids_in(text: &str, ids: &BTreeSet<String>) -> Vec<String> {
    let mut found: Vec<String> = CONTENT_FILES
        .iter()
        .filter(|f| text.contains(*f))
        .map(|f| format!("the file name {f}"))
        .collect();
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (is_word(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let word = &text[s..i];
                if ids.contains(word) {
                    let from = text.floor_char_boundary(s.saturating_sub(60));
                    let to = text.ceil_char_boundary((i + 60).min(text.len()));
                    found.push(format!("`{word}` in …{}…", &text[from..to]));
                }
                start = None;
            }
            _ => {}
        }
    }
    found
}

/// A fully answered review (the golden scenario), with a share link, a milestone and a change
/// since it, as its owner sees it.
async fn answered(app: &TestApp) -> (Client, String, String, String) {
    let owner = app.user("Olive Owner").await;
    let id = owner.create("Orders platform").await;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../questionnaires/tests/cases/full_answers.toml"
    ))
    .unwrap();
    let file: serde_json::Value = toml::from_str(&text).unwrap();
    let r = owner
        .send(
            Request::builder()
                .method(Method::PUT)
                .uri(format!("/api/v1/assessments/{id}/answers-file"))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(file.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = owner
        .post(
            "/api/create_milestone",
            &[("id", id.as_str()), ("name", "Design review")],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let r = owner
        .post(
            &format!("/assessments/{id}/review/workload_fit/save"),
            &[
                ("q.peak_rps", "4321"),
                ("v.peak_rps", "1"),
                ("save", "stay"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = owner.get(&format!("/assessments/{id}/milestones")).await;
    let milestone = after(&page.body, &format!("/assessments/{id}/milestones/"));
    let r = owner
        .post(&format!("/assessments/{id}/share-links"), &[("days", "30")])
        .await;
    let share = after(&r.body, "http://localhost/share/");
    (owner, id, milestone, share)
}

/// The path segment after the first `prefix` in `body`.
fn after(body: &str, prefix: &str) -> String {
    let start = body
        .find(prefix)
        .unwrap_or_else(|| panic!("`{prefix}` in {body}"))
        + prefix.len();
    body[start..]
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn no_page_or_readable_export_shows_a_question_or_choice_id() {
    let app = TestApp::new().await;
    let (owner, id, milestone, share) = answered(&app).await;
    let viewer = app.user("Vera Viewer").await;
    let r = owner
        .post(
            &format!("/teams/{}/invites", owner.team),
            &[("role", "viewer")],
        )
        .await;
    let invite = after(&r.body, "http://localhost/invites/");
    let r = viewer.post(&format!("/invites/{invite}"), &[]).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let anonymous = app.anonymous();
    let ids = ids();
    let q = questionnaires::builtin();

    let mut pages: Vec<(&Client, String)> = vec![
        (&owner, "/".into()),
        (&owner, "/account".into()),
        (&owner, format!("/teams/{}", owner.team)),
        (&owner, "/catalog".into()),
        (&owner, "/questionnaires".into()),
        (&owner, format!("/assessments/{id}/results")),
        (&owner, format!("/assessments/{id}/milestones")),
        (&owner, format!("/assessments/{id}/milestones/{milestone}")),
        (&owner, format!("/assessments/{id}/report")),
        (&owner, format!("/assessments/{id}/scaffold")),
        (
            &owner,
            format!("/assessments/{id}/diff.md?from={milestone}"),
        ),
        (&owner, format!("/assessments/{id}/report.md")),
        (&owner, format!("/assessments/{id}/report.html")),
        (&viewer, format!("/assessments/{id}/results")),
        (&viewer, format!("/assessments/{id}/review/workload_fit")),
        (&anonymous, format!("/share/{share}")),
        (&anonymous, format!("/share/{share}/report")),
        (&anonymous, "/signin".into()),
    ];
    for area in &q.areas {
        pages.push((&owner, format!("/assessments/{id}/review/{}", area.id)));
    }
    let mut shown = Vec::new();
    for (client, path) in &pages {
        let r = client.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let text = if path.contains(".md") {
            markdown_text(&r.body)
        } else {
            visible_text(&r.body)
        };
        shown.extend(
            ids_in(&text, &ids)
                .into_iter()
                .map(|f| format!("{path}: {f}")),
        );
    }
    let r = owner.get(&format!("/assessments/{id}/report.pdf")).await;
    let (text, _) = pdftotext(&r.bytes);
    shown.extend(
        ids_in(&text, &ids)
            .into_iter()
            .map(|f| format!("report.pdf: {f}")),
    );
    for zip in ["adr.zip", "backlog.zip"] {
        let r = owner.get(&format!("/assessments/{id}/{zip}")).await;
        assert_eq!(r.status, StatusCode::OK, "{zip}");
        for (name, text) in unzip(&r.bytes) {
            shown.extend(
                ids_in(&markdown_text(&text), &ids)
                    .into_iter()
                    .map(|f| format!("{zip}/{name}: {f}")),
            );
        }
    }
    assert!(
        shown.is_empty(),
        "{} ids on screen:\n{}",
        shown.len(),
        shown.join("\n")
    );
}

#[test]
fn the_scan_finds_an_id_and_passes_words() {
    let ids = ids();
    assert!(ids.contains("peak_rps"));
    let page = "<p title=\"peak_rps\">Because you answered <code>peak_rps</code> = 5</p>";
    assert_eq!(ids_in(&visible_text(page), &ids).len(), 1);
    let words = "<p class=\"q-peak_rps\">Peak request rate: 5 requests a second</p>";
    assert!(ids_in(&visible_text(words), &ids).is_empty());
}
