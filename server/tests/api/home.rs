//! The first run and the list: the welcome page of a fresh installation offers to create its
//! administrator, the home page lists the reviews first with a "New review" button that opens the
//! form, the risks of each review are counted in words, and "More" is a menu of plain forms.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use super::client::{Client, TestApp};

/// The text of some HTML, tags dropped and whitespace squeezed.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The list's row of the review named `name`.
fn row_of<'a>(home: &'a str, name: &str) -> &'a str {
    home.split("<tr")
        .skip(1)
        .find(|row| row.contains(name) && row.contains("class=\"workload\""))
        .unwrap_or_else(|| panic!("{name} is not listed: {home}"))
}

#[tokio::test]
async fn a_fresh_installation_offers_to_create_the_administrator_account_and_then_no_more() {
    let app = TestApp::new().await;
    let nobody = app.anonymous();
    let home = nobody.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains(
            "<a class=\"button primary\" href=\"/signup\">Create the administrator account</a>"
        ),
        "{}",
        home.body
    );
    let signup = nobody.get("/signup").await;
    assert!(
        signup
            .body
            .contains("<h1>Create the administrator account</h1>"),
        "{}",
        signup.body
    );

    let ana = app.user("Ana Admin").await;
    let (user, _) = app
        .store
        .user_by_email("ana.admin@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(user.is_admin, "the first account is the administrator");
    for page in [nobody.get("/").await, nobody.get("/signup").await] {
        assert!(
            !page.body.contains("Create the administrator account"),
            "{}",
            page.body
        );
    }
    let home = nobody.get("/").await.body;
    assert!(home.contains(">Sign in</a>") && home.contains(">Create an account</a>"));
    assert!(
        nobody
            .get("/signup")
            .await
            .body
            .contains("<h1>Create an account</h1>")
    );
    let bob = app.user("Bob Second").await;
    let (user, _) = app
        .store
        .user_by_email("bob.second@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(!user.is_admin);
    drop((ana, bob));
}

#[tokio::test]
async fn the_list_comes_first_with_a_new_review_button_that_opens_the_form() {
    let app = TestApp::new().await;
    let ana = app.user("Ana Lister").await;
    // No review yet: the form is open, it is the way to start.
    let home = ana.get("/").await.body;
    assert!(new_review_is_open(&home), "{home}");
    let id = ana.create("Ledger service").await;
    let home = ana.get("/").await.body;
    assert!(
        !new_review_is_open(&home),
        "closed once there are reviews: {home}"
    );
    let button = home
        .find("<summary class=\"button primary\">New review</summary>")
        .expect("a New review button");
    let list = home
        .find("<table class=\"assessments\">")
        .expect("the list");
    let form = home.find("id=\"new-name\"").expect("the form");
    assert!(button < form, "the button opens the form");
    assert!(button < list, "the button is at the top of the list");
    // The form holds nothing but the way to start: the list follows it, not inside it.
    assert!(form < list);
    // "New review from this" (`/?from=…#start`) opens it with the source chosen.
    let home = ana.get(&format!("/?from={id}")).await.body;
    assert!(new_review_is_open(&home), "{home}");
}

/// Whether the "New review" disclosure (`#start`) is open.
fn new_review_is_open(home: &str) -> bool {
    let tag = home
        .split("<details")
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap())
        .find(|tag| tag.contains("class=\"new-review\""))
        .expect("a New review disclosure");
    assert!(tag.contains("id=\"start\""), "{tag}");
    tag.split_whitespace().any(|attr| attr == "open")
}

#[tokio::test]
async fn the_risks_of_a_review_are_counted_in_words_in_the_list() {
    let app = TestApp::new().await;
    let ana = app.user("Ana Risks").await;
    let calm = ana.create("Calm service").await;
    let risky = ana.create("Risky service").await;
    put_answers(
        &ana,
        &risky,
        r#"{"questionnaire": "serverless-review", "workload": {"name": "Risky service"},
            "answers": {"duplicate_sensitivity": "costly", "idempotency": "none",
                        "traffic_shape": "spiky", "peak_rps": 2000}}"#,
    )
    .await;
    // The results page's "at a glance" figure: "2 high, 3 medium".
    let results = ana.get(&format!("/assessments/{risky}/results")).await.body;
    let counts = results
        .split("<a href=\"#risks-h\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the results count the risks");
    let (high, medium) = counts.split_once(", ").unwrap();
    let (high, medium) = (
        high.trim_end_matches(" high"),
        medium.trim_end_matches(" medium"),
    );
    assert_ne!(high, "0", "the answers raise a high risk: {counts}");

    let home = ana.get("/").await.body;
    let words = text_of(row_of(&home, "Risky service"));
    let expected = match (high, medium) {
        (h, "0") => format!("{h} high risk"),
        (h, m) => format!("{h} high, {m} medium risks"),
    };
    assert!(words.contains(&expected), "`{expected}` in `{words}`");
    assert!(
        row_of(&home, "Risky service")
            .contains(&format!("<span class=\"risk high\">{high} high</span>")),
        "the count is coloured by level too"
    );
    let words = text_of(row_of(&home, "Calm service"));
    assert!(words.contains("No high or medium risks"), "{words}");
    drop(calm);
}

#[tokio::test]
async fn more_is_a_menu_of_plain_forms_named_for_its_review() {
    let app = TestApp::new().await;
    let ana = app.user("Ana Menu").await;
    ana.create("Ledger service").await;
    let home = ana.get("/").await.body;
    let row = row_of(&home, "Ledger service");
    let more = row
        .split("<details class=\"more\">")
        .nth(1)
        .and_then(|rest| rest.split("</details>").next())
        .expect("a More disclosure");
    assert!(
        more.starts_with(
            "<summary>More<span class=\"sr-only\"> actions for Ledger service</span></summary><div class=\"menu\">"
        ),
        "{more}"
    );
    for action in [
        "action=\"/api/rename_assessment\"",
        "action=\"/api/duplicate_assessment\"",
        "action=\"/api/archive_assessment\"",
        ">Rename</button>",
        ">Duplicate</button>",
        ">Archive</button>",
    ] {
        assert!(more.contains(action), "`{action}` in {more}");
    }
    assert!(more.matches("method=\"post\"").count() >= 3, "{more}");
}

/// Replaces a review's answers with an answers file (JSON), through the REST API.
async fn put_answers(who: &Client, id: &str, file: &str) {
    let r = who
        .send(
            Request::put(format!("/api/v1/assessments/{id}/answers-file"))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(file.to_owned()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
