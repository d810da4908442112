//! The review journey without JavaScript, as a browser with JS off would drive it: plain links,
//! plain form posts, redirects. Also what a crafted post gets.

use axum::http::StatusCode;

/// A signed-in browser, in its own Trellis.
struct Client;

impl Client {
    #[expect(clippy::new_ret_no_self, reason = "reads as the browser it makes")]
    async fn new() -> super::client::Client {
        super::client::TestApp::new().await.user("Ana").await
    }
}

#[tokio::test]
async fn a_review_can_be_completed_with_plain_forms() {
    let c = Client::new().await;
    let id = c.create("Order service").await;
    assert!(c.get("/").await.body.contains("Order service"));

    let page = c
        .get(&format!("/assessments/{id}/review/workload_fit"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("How does work enter the system?"));
    assert!(page.body.contains(&format!(
        "action=\"/assessments/{id}/review/workload_fit/save\""
    )));

    let saved = c
        .post(
            &format!("/assessments/{id}/review/workload_fit/save"),
            &[
                ("q.traffic_shape", "spiky"),
                ("q.entry_point", "http_api"),
                ("q.entry_point", "queue"),
                ("q.peak_rps", "2000"),
                ("v.peak_rps", ""),
                ("q.connection_model", "short_requests"),
                ("save", "next"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.location, format!("/assessments/{id}/review/state"));

    let saved = c
        .post(
            &format!("/assessments/{id}/review/cost/save"),
            &[("q.avg_duration_ms", "800"), ("save", "stay")],
        )
        .await;
    assert_eq!(
        saved.location,
        format!("/assessments/{id}/review/cost?saved"),
        "the outcome, and nothing else, in the address"
    );
    let page = c.get(&saved.location).await;
    assert!(page.body.contains("Saved."));

    let results = c.get(&format!("/assessments/{id}/results")).await;
    assert_eq!(results.status, StatusCode::OK);
    assert!(
        results.body.contains("Lambda concurrency at peak"),
        "the concurrency check runs"
    );
    assert!(
        results.body.contains("1600 concurrent executions"),
        "2,000 req/s × 0.8 s"
    );
    assert!(
        results.body.contains("<svg"),
        "charts are drawn on the server"
    );
    assert!(results.body.contains("Improvement checklist"));
}

/// Whether the question's fieldset is shown (`None`: not on the page at all).
fn shown(html: &str, question: &str) -> Option<bool> {
    let at = html.find(&format!("id=\"q-{question}\""))?;
    let start = html[..at].rfind("<fieldset")?;
    let end = at + html[at..].find('>')?;
    Some(!html[start..end].contains(" hidden"))
}

#[tokio::test]
async fn follow_up_questions_appear_when_their_trigger_is_answered() {
    let c = Client::new().await;
    let id = c.create("Follow-ups").await;
    let state = format!("/assessments/{id}/review/state");
    assert_eq!(
        shown(&c.get(&state).await.body, "db_connections"),
        Some(false)
    );
    c.post(&format!("{state}/save"), &[("q.data_store", "relational")])
        .await;
    assert_eq!(
        shown(&c.get(&state).await.body, "db_connections"),
        Some(true)
    );
}

#[tokio::test]
async fn a_stale_save_shows_both_values_and_overwrites_nothing() {
    let c = Client::new().await;
    let id = c.create("Two tabs").await;
    let save = format!("/assessments/{id}/review/workload_fit/save");
    // Both tabs loaded the page before anything was saved (version empty).
    c.post(&save, &[("q.peak_rps", "100"), ("v.peak_rps", "")])
        .await;
    let second = c
        .post(&save, &[("q.peak_rps", "900"), ("v.peak_rps", "")])
        .await;
    // The answer is the page with both values: nothing in an address.
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(second.location.is_empty(), "{}", second.location);
    let page = second;
    assert!(page.body.contains("Someone else changed these answers"));
    assert!(
        page.body.contains(&format!(
            "href=\"/assessments/{id}/review/workload_fit\" class=\"button\">Keep theirs"
        )),
        "Keep theirs goes back to the page, not to the post's address: {}",
        page.body
    );
    assert!(
        page.body.contains("<dd>900 ") && page.body.contains("<dd>100 "),
        "both values shown"
    );
    assert!(page.body.contains("Keep mine"));
    // The first value is still stored: the field shows it.
    let fresh = c
        .get(&format!("/assessments/{id}/review/workload_fit"))
        .await;
    assert!(fresh.body.contains("value=\"100\""));
    // Keeping mine resubmits at the version it was shown.
    let keep = c
        .post(&save, &[("q.peak_rps", "900"), ("v.peak_rps", "1")])
        .await;
    assert_eq!(keep.status, StatusCode::SEE_OTHER, "{}", keep.body);
    assert!(
        c.get(&format!("/assessments/{id}/review/workload_fit"))
            .await
            .body
            .contains("value=\"900\"")
    );
}

#[tokio::test]
async fn wrong_answers_come_back_marked_in_words_and_nothing_is_saved() {
    let c = Client::new().await;
    let id = c.create("Wrong answers").await;
    let save = format!("/assessments/{id}/review/workload_fit/save");
    let r = c
        .post(
            &save,
            &[
                ("q.peak_rps", "5"),
                ("q.latency_target_ms", "-3"),
                ("na.runtime", "on"),
                ("note.peak_rps", "kept as typed"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.location.is_empty(), "no redirect: {}", r.location);
    for needle in [
        "Nothing was saved: 2 answers need correcting",
        "-3 is out of range: enter a number from 1 to 900,000 (ms).",
        "Say why it does not apply to this workload.",
        "aria-invalid=\"true\"",
        // What the user typed is shown again, the wrong value included.
        "value=\"-3\"",
        "value=\"5\"",
        "kept as typed",
    ] {
        assert!(r.body.contains(needle), "missing `{needle}` in {}", r.body);
    }
    assert!(
        !r.body.contains("latency_target_ms:"),
        "no ids in the words"
    );
    // Even the valid field in that post was not stored.
    assert!(
        !c.get(&format!("/assessments/{id}/review/workload_fit"))
            .await
            .body
            .contains("value=\"5\"")
    );
}

#[tokio::test]
async fn crafted_posts_get_a_clear_400_and_change_nothing() {
    let c = Client::new().await;
    let id = c.create("Crafted").await;
    let save = format!("/assessments/{id}/review/workload_fit/save");
    let r = c
        .post(
            &save,
            &[("q.peak_rps", "5"), ("q.memory_mb", "1"), ("x", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for needle in [
        "This form does not match the page it was posted to",
        "q.memory_mb: `memory_mb` is not a question of this area",
        "x: unknown field",
    ] {
        assert!(r.body.contains(needle), "missing `{needle}` in {}", r.body);
    }
    // Even the valid field in that post was not stored.
    assert!(
        !c.get(&format!("/assessments/{id}/review/workload_fit"))
            .await
            .body
            .contains("value=\"5\"")
    );
    let r = c.post(&save, &[("q.traffic_shape", "sideways")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("“sideways” is not one of this question's answers")
    );

    let long = "x".repeat(10_001);
    let r = c
        .post(&save, &[("q.workload_boundary", long.as_str())])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("The answer is longer than 10,000 characters.")
    );

    let r = c
        .post(
            "/assessments/nope/review/workload_fit/save",
            &[("q.peak_rps", "5")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c
        .post(&format!("/assessments/{id}/review/nowhere/save"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let c = Client::new().await;
    let id = c.create("Big").await;
    let huge = "y".repeat(1024 * 1024 + 1);
    let r = c
        .post(
            &format!("/assessments/{id}/review/workload_fit/save"),
            &[("q.workload_boundary", huge.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn checklist_items_are_saved_and_bad_values_refused() {
    let c = Client::new().await;
    let id = c.create("Checklist").await;
    let r = c
        .post(
            "/api/save_checklist_item",
            &[
                ("id", &id),
                ("item", "budget_alarm"),
                ("status", "accepted-risk"),
                ("owner", "Ana"),
                ("due_date", "2026-12-24"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let results = c.get(&format!("/assessments/{id}/results")).await;
    assert!(results.body.contains("value=\"Ana\""));
    assert!(results.body.contains("value=\"2026-12-24\""));

    let r = c
        .post(
            "/api/save_checklist_item",
            &[
                ("id", &id),
                ("item", "budget_alarm"),
                ("status", "maybe"),
                ("owner", ""),
                ("due_date", ""),
            ],
        )
        .await;
    assert!(
        !r.status.is_success() || r.body.contains("status"),
        "{} {}",
        r.status,
        r.body
    );
    assert!(
        c.get(&format!("/assessments/{id}/results"))
            .await
            .body
            .contains("value=\"Ana\""),
        "nothing changed"
    );
}

#[tokio::test]
async fn the_results_page_opens_with_the_summary_and_plans_the_open_work() {
    let c = Client::new().await;
    let id = c.create("Roadmap").await;
    let r = c
        .post(
            "/api/save_checklist_item",
            &[
                ("id", &id),
                ("item", "budget_alarm"),
                ("status", "open"),
                ("owner", "Ana Quiroga"),
                ("due_date", "2027-01-15"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let page = c.get(&format!("/assessments/{id}/results")).await.body;
    let at = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("the results page has {needle}"))
    };
    // The summary comes before the scores, the roadmap before the checklist.
    assert!(at("id=\"summary-h\"") < at("id=\"scores-h\""));
    assert!(at("id=\"roadmap-h\"") < at("id=\"checklist-h\""));
    assert!(page.contains("Roadmap: the open checklist as Now, Next and Later"));
    // The item the team owns is on the roadmap with its owner and date.
    let roadmap = &page[at("id=\"roadmap-h\"")..at("id=\"checklist-h\"")];
    assert!(roadmap.contains("Ana Quiroga"), "{roadmap}");
    assert!(roadmap.contains("due 2027-01-15"), "{roadmap}");
}

#[tokio::test]
async fn rename_duplicate_and_archive_work_from_the_list() {
    let c = Client::new().await;
    let id = c.create("Before").await;
    c.post(
        "/api/rename_assessment",
        &[("id", &id), ("name", "After"), ("version", "1")],
    )
    .await;
    let list = c.get("/").await.body;
    assert!(list.contains("After") && !list.contains(">Before<"));
    c.post("/api/duplicate_assessment", &[("id", &id)]).await;
    assert!(c.get("/").await.body.contains("After (copy)"));
    c.post(
        "/api/archive_assessment",
        &[("id", &id), ("version", "2"), ("archive", "true")],
    )
    .await;
    let list = c.get("/").await.body;
    assert!(list.contains("After (copy)"));
    assert!(
        !list.contains(&format!("/assessments/{id}/results")),
        "archived reviews leave the main list"
    );
    assert!(
        c.get("/?archived=1")
            .await
            .body
            .contains(&format!("/assessments/{id}/results"))
    );
}

#[tokio::test]
async fn unknown_assessments_are_404() {
    let c = Client::new().await;
    assert_eq!(
        c.get("/assessments/nope/review/workload_fit").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get("/assessments/nope/results").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_stale_save_of_the_same_value_is_not_a_conflict() {
    // Two autosaves of one change can race; when they carry the same answer, nothing is lost.
    let c = Client::new().await;
    let id = c.create("Same value").await;
    let save = format!("/assessments/{id}/review/workload_fit/save");
    c.post(&save, &[("q.peak_rps", "100"), ("v.peak_rps", "")])
        .await;
    let again = c
        .post(&save, &[("q.peak_rps", "100"), ("v.peak_rps", "")])
        .await;
    assert!(
        !again.location.contains("%22conflicts%22%3A%5B%7B"),
        "{}",
        again.location
    );
}

/// The results page is reused between changes (see `page_cache`): every kind of change must
/// show at once, and a page is never served for another assessment.
#[tokio::test]
async fn results_pages_show_every_change_at_once() {
    let c = Client::new().await;
    let id = c.create("Cached").await;
    let other = c.create("Other").await;
    let results = format!("/assessments/{id}/results");
    let first = c.get(&results).await;
    assert_eq!(first.status, StatusCode::OK);
    // Unchanged: the same page, but never the same CSP nonce twice.
    let nonce = |body: &str| {
        let start = body.find("nonce=\"").unwrap() + 7;
        body[start..start + body[start..].find('"').unwrap()].to_owned()
    };
    let again = c.get(&results).await;
    assert_ne!(nonce(&again.body), nonce(&first.body));
    assert!(
        again.body.replace(&nonce(&again.body), "N")
            == first.body.replace(&nonce(&first.body), "N"),
        "unchanged: the same page"
    );
    assert!(
        c.get(&format!("/assessments/{other}/results"))
            .await
            .body
            .contains("Results: Other")
    );

    // An answer.
    assert!(!first.body.contains("1600 concurrent executions"));
    for (area, fields) in [
        ("workload_fit", [("q.peak_rps", "2000"), ("v.peak_rps", "")]),
        (
            "cost",
            [("q.avg_duration_ms", "800"), ("v.avg_duration_ms", "")],
        ),
    ] {
        let saved = c
            .post(
                &format!("/assessments/{id}/review/{area}/save"),
                &[fields[0], fields[1], ("save", "stay")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
    }
    assert!(
        c.get(&results)
            .await
            .body
            .contains("1600 concurrent executions")
    );

    // A checklist item.
    let r = c
        .post(
            "/api/save_checklist_item",
            &[
                ("id", id.as_str()),
                ("item", "budget_alarm"),
                ("status", "done"),
                ("owner", "Bo"),
                ("due_date", ""),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    assert!(c.get(&results).await.body.contains("value=\"Bo\""));

    // The workload's name.
    c.post(
        "/api/rename_assessment",
        &[("id", id.as_str()), ("name", "Renamed"), ("version", "1")],
    )
    .await;
    assert!(c.get(&results).await.body.contains("Results: Renamed"));
}

/// A milestone keeps the answers as they were; comparing it with now shows exactly what the
/// team changed since, on the page and as Markdown.
#[tokio::test]
async fn milestones_keep_a_snapshot_and_show_what_changed_since() {
    let c = Client::new().await;
    let id = c.create("Milestoned").await;
    let save = |rps: &'static str, version: &'static str| {
        let c = c.clone();
        let id = id.clone();
        async move {
            let r = c
                .post(
                    &format!("/assessments/{id}/review/workload_fit/save"),
                    &[
                        ("q.peak_rps", rps),
                        ("v.peak_rps", version),
                        ("save", "stay"),
                    ],
                )
                .await;
            assert!(r.location.ends_with("?saved"), "{}", r.location);
        }
    };
    save("100", "").await;
    let r = c
        .post(
            "/api/create_milestone",
            &[("id", id.as_str()), ("name", "")],
        )
        .await;
    assert!(
        r.body.contains("name"),
        "an empty name is refused: {}",
        r.body
    );
    let r = c
        .post(
            "/api/create_milestone",
            &[("id", id.as_str()), ("name", "Before launch")],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let milestones = c.app.store.milestones(&id).await.unwrap();
    assert_eq!(
        milestones.len(),
        1,
        "one milestone, the refused one was not stored"
    );
    let mid = milestones[0].id.clone();
    save("2000", "1").await;

    let page = c.get(&format!("/assessments/{id}/milestones")).await.body;
    assert!(page.contains("Before launch"));
    assert!(page.contains("Answers that changed (1)"), "{page}");
    assert!(page.contains("100 req/s") && page.contains("2000 req/s"));

    let md = c
        .get(&format!("/assessments/{id}/diff.md?from={mid}&to=current"))
        .await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(
        md.body.starts_with("# What changed: Milestoned"),
        "{}",
        md.body
    );
    assert!(
        md.body.contains("| 100 req/s | 2000 req/s |"),
        "{}",
        md.body
    );

    // Its results as they were: read-only, the old figure.
    let then = c
        .get(&format!("/assessments/{id}/milestones/{mid}"))
        .await
        .body;
    assert!(then.contains("As of milestone Before launch"), "{then}");
    assert!(!then.contains("item-form"), "read-only");
    assert!(
        !c.get(&format!("/assessments/{id}/results"))
            .await
            .body
            .contains("As of milestone")
    );

    // The milestone itself did not move.
    let same = c
        .get(&format!("/assessments/{id}/milestones?from={mid}&to={mid}"))
        .await
        .body;
    assert!(same.contains("Nothing changed between these two."));
    assert_eq!(
        c.get(&format!("/assessments/{id}/milestones?from=nope"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
