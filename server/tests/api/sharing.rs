//! Collaboration where it is used: the Share button of a review's pages and the Share page it
//! leads to (people and links), invite links with what they lead to, pending invites with
//! Revoke, and the Copy button beside a secret shown once.

use axum::http::StatusCode;

use super::access::world;
use super::client::{Client, TestApp};

/// The secret link on a "shown once" page (the read-only field's value).
fn shown_link(body: &str) -> String {
    let start = body
        .find("readonly value=\"")
        .expect("a secret on the page")
        + 16;
    body[start..].split('"').next().unwrap().to_owned()
}

/// The path of a link shown once (`http://localhost/invites/…` → `/invites/…`).
fn path_of(link: &str) -> String {
    link.trim_start_matches("http://localhost").to_owned()
}

/// An owner named Ana Lopez whose team is called "Payments".
async fn ana_of_payments(app: &TestApp) -> Client {
    let ana = app.user("Ana Lopez").await;
    let r = ana
        .post(
            "/api/rename_team",
            &[("team", ana.team.as_str()), ("name", "Payments")],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    ana
}

/// Makes an invite link as `owner`, from the page `back`; returns the shown page's body.
async fn make_invite(owner: &Client, role: &str, back: &str) -> String {
    let r = owner
        .post(
            &format!("/teams/{}/invites", owner.team),
            &[("role", role), ("back", back)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

#[tokio::test]
async fn an_invite_link_page_names_the_team_and_the_inviter_signed_out_and_signed_in() {
    let app = TestApp::new().await;
    let ana = ana_of_payments(&app).await;
    let invite = path_of(&shown_link(&make_invite(&ana, "editor", "").await));
    let offer = "Ana Lopez invited you to join the team \u{201c}Payments\u{201d} as an editor.";

    let r = app.anonymous().get(&invite).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(offer), "{}", r.body);
    assert!(
        r.body.contains(&format!("href=\"/signin?next={invite}\"")),
        "signing in comes back: {}",
        r.body
    );
    assert!(!r.body.contains("Accept the invite"));

    let bob = app.user("Bob Stone").await;
    let r = bob.get(&invite).await;
    assert!(r.body.contains(offer), "{}", r.body);
    assert!(r.body.contains("Signed in as Bob Stone."), "{}", r.body);
    assert!(r.body.contains(">Accept the invite</button>"), "{}", r.body);

    // Ana is in the team already: the page says so rather than offer to join.
    let r = ana.get(&invite).await;
    assert!(
        r.body.contains("you are an owner of this team already"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("Accept the invite"));
}

#[tokio::test]
async fn a_pending_invite_is_listed_with_revoke_and_a_revoked_one_is_refused() {
    let app = TestApp::new().await;
    let ana = ana_of_payments(&app).await;
    let team_page = format!("/teams/{}", ana.team);
    let r = ana.get(&team_page).await;
    assert!(
        r.body
            .contains("None: every invite was used, revoked or expired."),
        "{}",
        r.body
    );
    let invite = path_of(&shown_link(&make_invite(&ana, "editor", "").await));
    let id = store::auth::split_secret("inv", invite.trim_start_matches("/invites/"))
        .unwrap()
        .0
        .to_owned();

    let r = ana.get(&team_page).await;
    let pending = r
        .body
        .split("Invites not used yet")
        .nth(1)
        .expect("the pending invites");
    assert!(pending.contains("For an editor"), "{pending}");
    assert!(pending.contains("made by Ana Lopez on "), "{pending}");
    assert!(pending.contains(", expires "), "{pending}");
    assert!(
        pending.contains(&format!("name=\"invite\" value=\"{id}\"")),
        "{pending}"
    );
    assert!(
        pending.contains("action=\"/api/revoke_invite\""),
        "{pending}"
    );

    // Revoked as a plain form: back to the page, which lists it no more.
    let r = ana
        .post(
            "/api/revoke_invite",
            &[("team", ana.team.as_str()), ("invite", id.as_str())],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    assert!(!r.location.contains("__err"), "{}", r.location);
    let r = ana.get(&team_page).await;
    assert!(!r.body.contains(&format!("value=\"{id}\"")), "{}", r.body);
    assert!(
        r.body
            .contains("revoked (it was for a new editor, made by Ana Lopez)"),
        "the audit log says it in words: {}",
        r.body
    );

    // The link now says what became of it, and opens nothing.
    let r = app.anonymous().get(&invite).await;
    assert!(r.body.contains("This invite was revoked"), "{}", r.body);
    assert!(
        r.body.contains("Ask Ana Lopez for a new one."),
        "{}",
        r.body
    );
    let bob = app.user("Bob Stone").await;
    assert!(!bob.get(&invite).await.body.contains("Accept the invite"));
    let r = bob.post(&invite, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(r.body.contains("was revoked"), "{}", r.body);
    let (bob_user, _) = app
        .store
        .user_by_email("bob.stone@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app.store.role(&bob_user.id, &ana.team).await.unwrap(), None);

    // Revoking it again names what is missing.
    let r = ana
        .post(
            "/api/revoke_invite",
            &[("team", ana.team.as_str()), ("invite", id.as_str())],
        )
        .await;
    assert_eq!(r.outcome().0, StatusCode::NOT_FOUND, "{}", r.outcome().1);
    assert!(
        r.outcome().1.contains("no such invite"),
        "{}",
        r.outcome().1
    );
}

#[tokio::test]
async fn a_used_an_expired_and_a_made_up_invite_say_so_on_their_page() {
    let app = TestApp::new().await;
    let ana = ana_of_payments(&app).await;
    let invite = path_of(&shown_link(&make_invite(&ana, "viewer", "").await));
    let bob = app.user("Bob Stone").await;
    let r = bob.post(&invite, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.anonymous().get(&invite).await;
    assert!(
        r.body.contains("This invite was used already"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("It was an invite to join the team \u{201c}Payments\u{201d} as a viewer."),
        "{}",
        r.body
    );
    let r = app.user("Cleo Park").await.post(&invite, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("used already"), "{}", r.body);

    let secret = store::auth::new_secret("inv");
    app.store
        .create_invite(
            &secret,
            &ana.team,
            store::auth::Role::Editor,
            "Ana Lopez",
            1,
            2,
        )
        .await
        .unwrap();
    let r = app
        .anonymous()
        .get(&format!("/invites/{}", secret.token))
        .await;
    assert!(r.body.contains("This invite expired"), "{}", r.body);
    assert!(
        r.body.contains("expired on 1970-01-01 00:00 UTC"),
        "{}",
        r.body
    );

    let r = app.anonymous().get("/invites/inv_nope_nothing").await;
    assert!(
        r.body.contains("This invite link is not valid"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("Payments"));
}

#[tokio::test]
async fn a_secret_shown_once_has_a_copy_button_and_a_field_to_select_without_javascript() {
    let app = TestApp::new().await;
    let ana = ana_of_payments(&app).await;
    let body = make_invite(&ana, "editor", "").await;
    assert!(
        body.contains(
            "<input id=\"secret\" class=\"secret\" readonly value=\"http://localhost/invites/inv_"
        ),
        "{body}"
    );
    assert!(
        body.contains("<button type=\"button\" data-copy=\"secret\""),
        "{body}"
    );
    assert!(
        body.contains("<script src=\"/style/copy.js\" defer></script>"),
        "{body}"
    );
    assert!(body.contains("class=\"masthead\""), "{body}");
    assert!(
        body.contains("the team \u{201c}Payments\u{201d}"),
        "it names the team: {body}"
    );
    let script = app.anonymous().get("/style/copy.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(script.body.contains("navigator.clipboard"));

    let a = ana.create("Ledger").await;
    let r = ana
        .post(&format!("/assessments/{a}/share-links"), &[("days", "7")])
        .await;
    assert!(
        r.body.contains("data-copy=\"secret\""),
        "a share link too: {}",
        r.body
    );
    assert!(
        r.body
            .contains(&format!("href=\"/assessments/{a}/share\">Done</a>")),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn an_invite_made_on_the_share_page_goes_back_there_and_nowhere_else() {
    let app = TestApp::new().await;
    let ana = ana_of_payments(&app).await;
    let a = ana.create("Ledger").await;
    let share = format!("/assessments/{a}/share");
    let body = make_invite(&ana, "viewer", &share).await;
    assert!(
        body.contains(&format!("href=\"{share}\">Done</a>")),
        "{body}"
    );
    let body = make_invite(&ana, "viewer", "https://evil.example/").await;
    assert!(
        body.contains(&format!("href=\"/teams/{}\">Done</a>", ana.team)),
        "{body}"
    );
}

#[tokio::test]
async fn the_share_button_shows_to_owners_and_leads_to_people_and_links() {
    let w = world().await;
    let a = &w.assessment;
    let share = format!("href=\"/assessments/{a}/share\"");
    for page in [
        format!("/assessments/{a}/review/workload_fit"),
        format!("/assessments/{a}/results"),
    ] {
        let r = w.owner.get(&page).await;
        assert!(r.body.contains(&share), "{page}: {}", r.body);
        assert!(r.body.contains(">Share</a>"), "{page}");
        for reader in [&w.viewer, &w.editor] {
            let r = reader.get(&page).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(
                !r.body.contains(&share),
                "{page}: a Share button for a non-owner"
            );
        }
    }

    let r = w.owner.get(&format!("/assessments/{a}/share")).await;
    assert_eq!(r.status, StatusCode::OK);
    for part in [
        ">People</h2>",
        "Eddie Editor",
        "Vera Viewer",
        "Make a one-time invite link",
        "Invites not used yet",
        ">Links</h2>",
        "Make a share link",
        "Links that work now",
        ">Revoke</button>",
    ] {
        assert!(
            r.body.contains(part),
            "the Share page lacks `{part}`: {}",
            r.body
        );
    }
    // The invite form comes back to the Share page.
    assert!(
        r.body
            .contains(&format!("name=\"back\" value=\"/assessments/{a}/share\"")),
        "{}",
        r.body
    );
    // Nobody else gets it.
    let r = w.viewer.get(&format!("/assessments/{a}/share")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.body.contains("Make a share link"));
}
