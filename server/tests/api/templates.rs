//! Templates, as a browser without JavaScript drives them: a new review started from another
//! review or from a milestone carries the answers over, marked to confirm until someone saves
//! them; and a source the user cannot read, or that does not exist, starts nothing.

use axum::http::StatusCode;

use super::client::{Client, Reply, TestApp};

/// Starts a review named `name` in `team`, from `from` (a review id, or `REVIEW/MILESTONE`).
pub(super) async fn start(c: &Client, team: &str, name: &str, from: &str) -> Reply {
    c.post(
        "/api/create_assessment",
        &[
            ("team", team),
            ("name", name),
            ("description", ""),
            ("environment", "prod"),
            ("from", from),
        ],
    )
    .await
}

/// The id of the review a successful start redirected to.
pub(super) fn started(r: &Reply) -> String {
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    r.location.split('/').nth(2).unwrap().to_owned()
}

/// Saves answers of one area through the plain form, pressing Save.
pub(super) async fn save(c: &Client, id: &str, area: &str, fields: &[(&str, &str)]) -> Reply {
    let mut form = fields.to_vec();
    form.push(("save", "stay"));
    let r = c
        .post(&format!("/assessments/{id}/review/{area}/save"), &form)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r
}

/// Every review the user (by email) can see, archived ones too.
async fn reviews(app: &TestApp, email: &str) -> Vec<String> {
    let (user, _) = app.store.user_by_email(email).await.unwrap().unwrap();
    let all = crate::database::all_assessments(&app.store, &user.id, true).await;
    all.into_iter().map(|a| a.name).collect()
}

/// Whether each stored answer is to confirm, by question id.
async fn marks(c: &Client, id: &str) -> Vec<(String, bool)> {
    let answers = c.app.store.answers(id).await.unwrap();
    answers
        .into_iter()
        .map(|a| (a.question_id, a.to_confirm))
        .collect()
}

/// A review "Checkout API" with two answers (one with a note) and a checklist owner.
async fn checkout(c: &Client) -> String {
    let id = c.create("Checkout API").await;
    save(
        c,
        &id,
        "workload_fit",
        &[
            ("q.peak_rps", "50"),
            ("note.peak_rps", "Black Friday peak"),
            ("v.peak_rps", ""),
            ("q.traffic_shape", "spiky"),
            ("v.traffic_shape", ""),
        ],
    )
    .await;
    c.app
        .store
        .save_item(&id, "budget_alarm", "done", "Ana", None, None, "Ana", 1)
        .await
        .unwrap();
    id
}

/// Ana's "Payments API", started from her "Checkout API": (app, Ana, source id, new id).
async fn payments_from_checkout() -> (TestApp, Client, String, String) {
    let app = TestApp::new().await;
    let ana = app.user("Ana").await;
    let source = checkout(&ana).await;
    let id = started(&start(&ana, &ana.team, "Payments API", &source).await);
    (app, ana, source, id)
}

/// The audit log of the user's own team, as its page shows it.
async fn audit_log(c: &Client) -> String {
    c.get(&format!("/teams/{}", c.team)).await.body
}

#[tokio::test]
async fn a_review_started_from_another_carries_its_answers_over_to_confirm() {
    let (app, ana, source, id) = payments_from_checkout().await;
    let before = app.store.answers(&source).await.unwrap();
    assert_eq!(
        ana.get(&format!("/assessments/{id}/review/workload_fit"))
            .await
            .status,
        StatusCode::OK
    );
    let copied = app.store.answers(&id).await.unwrap();
    assert_eq!(copied.len(), 2);
    for (new, old) in copied.iter().zip(&before) {
        assert_eq!(
            (&new.question_id, &new.answer),
            (&old.question_id, &old.answer)
        );
        assert!(new.to_confirm, "{} is to confirm", new.question_id);
    }
    assert_eq!(
        copied[0].answer.note.as_deref(),
        Some("Black Friday peak"),
        "notes come along"
    );
    assert!(
        app.store.checklist(&id).await.unwrap().is_empty(),
        "the checklist starts afresh"
    );
    let a = app.store.assessment(&id).await.unwrap();
    assert_eq!(
        (a.name.as_str(), a.started_from.as_deref()),
        ("Payments API", Some("Checkout API"))
    );
    // The source did not move.
    assert!(before.iter().all(|a| !a.to_confirm && a.version == 1));
    assert_eq!(
        before[0].answer.value,
        questionnaires::AnswerValue::Number(50.0)
    );
    assert_eq!(app.store.checklist(&source).await.unwrap().len(), 1);

    // The review page marks both answers, and the rail counts them.
    let page = ana
        .get(&format!("/assessments/{id}/review/workload_fit"))
        .await
        .body;
    assert_eq!(page.matches("class=\"confirm-badge\"").count(), 2, "{page}");
    assert!(page.contains("id=\"q-peak_rps-confirm\""));
    assert!(page.contains("2 to confirm"));
    assert!(page.contains("2 answers on this page were carried over from Checkout API"));
    // The results say so, and link to the first one.
    let results = ana.get(&format!("/assessments/{id}/results")).await.body;
    assert!(
        results.contains("2 answers carried over from Checkout API are still to confirm."),
        "{results}"
    );
    assert!(results.contains(&format!(
        "href=\"/assessments/{id}/review/workload_fit#q-traffic_shape\""
    )));
    assert!(ana.get("/").await.body.contains("2 to confirm"));
    // The team's audit log names the source.
    let log = audit_log(&ana).await;
    assert!(log.contains("created from Checkout API"), "{log}");
}

#[tokio::test]
async fn saving_an_answer_or_the_page_confirms_it_and_an_autosave_only_what_it_changes() {
    let (app, ana, _, id) = payments_from_checkout().await;

    // An autosave posts the whole form: it confirms the answer it changes, not the others.
    let r = ana
        .post(
            "/api/autosave",
            &[
                ("id", id.as_str()),
                ("area", "workload_fit"),
                (
                    "form",
                    "q.peak_rps=80&v.peak_rps=1&q.traffic_shape=spiky&v.traffic_shape=1",
                ),
            ],
        )
        .await;
    assert!(r.body.contains("\"conflicts\":false"), "{}", r.body);
    assert_eq!(
        marks(&ana, &id).await,
        [("peak_rps".into(), false), ("traffic_shape".into(), true)]
    );
    let results = ana.get(&format!("/assessments/{id}/results")).await.body;
    assert!(results.contains("1 answer carried over from Checkout API is still to confirm."));

    // Pressing Save on the unchanged page confirms the rest, as they are.
    let r = save(
        &ana,
        &id,
        "workload_fit",
        &[
            ("q.peak_rps", "80"),
            ("v.peak_rps", "2"),
            ("q.traffic_shape", "spiky"),
            ("v.traffic_shape", "1"),
        ],
    )
    .await;
    let page = ana.get(&r.location).await.body;
    assert!(
        page.contains("Saved, and 1 carried-over answer confirmed."),
        "{page}"
    );
    assert!(!page.contains("confirm-badge") && !page.contains("rail-confirm"));
    let answers = app.store.answers(&id).await.unwrap();
    assert!(answers.iter().all(|a| !a.to_confirm));
    let spiky = answers
        .iter()
        .find(|a| a.question_id == "traffic_shape")
        .unwrap();
    assert_eq!(
        spiky.version, 1,
        "confirming changes no value, so no version"
    );
    assert!(
        !ana.get(&format!("/assessments/{id}/results"))
            .await
            .body
            .contains("still to confirm"),
        "the results page changes at once"
    );
    assert!(audit_log(&ana).await.contains("confirmed"));
}

#[tokio::test]
async fn a_review_started_from_a_milestone_takes_the_milestone_answers() {
    let app = TestApp::new().await;
    let ana = app.user("Ana").await;
    let source = ana.create("Checkout API").await;
    save(
        &ana,
        &source,
        "workload_fit",
        &[("q.peak_rps", "100"), ("v.peak_rps", "")],
    )
    .await;
    let r = ana
        .post(
            "/api/create_milestone",
            &[("id", source.as_str()), ("name", "Q3 review")],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let milestone = app.store.milestones(&source).await.unwrap()[0].id.clone();
    save(
        &ana,
        &source,
        "workload_fit",
        &[("q.peak_rps", "2000"), ("v.peak_rps", "1")],
    )
    .await;

    // Both are offered on the home page; the milestones page links to it preselected.
    let from = format!("{source}/{milestone}");
    let home = ana.get(&format!("/?from={from}")).await.body;
    assert!(home.contains(&format!(
        "<option value=\"{source}\">Checkout API: its current answers"
    )));
    assert!(
        home.contains(&format!("<option value=\"{from}\" selected")),
        "{home}"
    );
    assert!(
        ana.get(&format!("/assessments/{source}/milestones"))
            .await
            .body
            .contains(&format!("href=\"/?from={from}#start\""))
    );

    let id = started(&start(&ana, &ana.team, "Checkout API v2", &from).await);
    let copied = app.store.answers(&id).await.unwrap();
    assert_eq!(copied.len(), 1);
    assert_eq!(
        copied[0].answer.value,
        questionnaires::AnswerValue::Number(100.0),
        "the milestone's answer, not the current one"
    );
    assert!(copied[0].to_confirm);
    assert_eq!(
        app.store
            .assessment(&id)
            .await
            .unwrap()
            .started_from
            .as_deref(),
        Some("Checkout API · milestone \u{201c}Q3 review\u{201d}")
    );
}

#[tokio::test]
async fn starting_from_a_review_needs_read_on_it_and_edit_on_the_target_team() {
    let app = TestApp::new().await;
    let ana = app.user("Ana").await;
    let bob = app.user("Bob").await;
    let source = checkout(&ana).await;

    // Bob cannot read Ana's review: it does not exist for him, and nothing is made.
    let r = start(&bob, &bob.team, "Stolen", &source).await;
    assert_eq!(r.outcome().0, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(!r.body.contains("Checkout API"));
    assert!(reviews(&app, "bob@example.com").await.is_empty());

    // As a viewer of Ana's team he can: into his own team, not into Ana's.
    let r = ana
        .post(
            &format!("/teams/{}/invites", ana.team),
            &[("role", "viewer")],
        )
        .await;
    let start_at = r.body.find("http://localhost/invites/").unwrap();
    let token = r.body[start_at..]
        .split('"')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let r = bob.post(&format!("/invites/{token}"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = start(&bob, &ana.team, "Into Ana's team", &source).await;
    let (got, said) = r.outcome();
    assert_eq!(got, StatusCode::FORBIDDEN, "{said}");
    assert!(said.contains("editor"), "{said}");
    let id = started(&start(&bob, &bob.team, "Bob's copy", &source).await);
    assert_eq!(marks(&bob, &id).await.len(), 2);
    let mut names = reviews(&app, "bob@example.com").await;
    names.sort();
    assert_eq!(names, ["Bob's copy", "Checkout API"]);
}

#[tokio::test]
async fn unknown_or_malformed_sources_are_refused_and_start_nothing() {
    let app = TestApp::new().await;
    let ana = app.user("Ana").await;
    let source = checkout(&ana).await;
    let cases = [
        (
            "0123abcd",
            StatusCode::NOT_FOUND,
            "There is no such review.",
        ),
        (
            &*format!("{source}/0123abcd"),
            StatusCode::NOT_FOUND,
            "There is no such milestone.",
        ),
        ("a/b/c", StatusCode::BAD_REQUEST, "from: `a/b/c` is neither"),
        ("../x", StatusCode::BAD_REQUEST, "from: "),
    ];
    for (from, status, message) in cases {
        let r = start(&ana, &ana.team, "Never made", from).await;
        let (got, said) = r.outcome();
        assert_eq!(got, status, "{from}: {said}");
        assert!(said.contains(message), "{from}: {said}");
    }
    assert_eq!(reviews(&app, "ana@example.com").await, ["Checkout API"]);
    // An empty `from` is a blank review.
    let id = started(&start(&ana, &ana.team, "Blank", "").await);
    assert!(app.store.answers(&id).await.unwrap().is_empty());
    assert_eq!(app.store.assessment(&id).await.unwrap().started_from, None);
}
