//! The accounts an administrator runs, and each account's own sign-in: invite-only sign-up
//! (refused without an invite, an invite used once even by parallel sign-ups), single sign-on
//! only (password sign-in and sign-up refused), password change (the current password needed,
//! the other sessions ended), sign out everywhere (API tokens go on), common passwords refused
//! with the reason beside the field, and a single sign-on provider that is down.

use axum::http::StatusCode;

use super::client::{Client, TestApp};

/// The `error` (and `field`) a form was sent back with.
fn sent_back(location: &str) -> (String, String) {
    let query = location.split_once('?').map_or("", |(_, q)| q);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    (get("field"), get("error"))
}

async fn sign_up(app: &TestApp, name: &str, next: &str) -> (super::client::Reply, Client) {
    let email = format!("{}@example.com", name.to_lowercase());
    let mut c = app.anonymous();
    let r = c
        .post(
            "/signup",
            &[
                ("name", name),
                ("email", &email),
                ("password", "a long enough password"),
                ("next", next),
            ],
        )
        .await;
    if r.set_cookie.starts_with("trellis_session=") {
        c.take_cookie(&r);
    }
    (r, c)
}

async fn signed_in(c: &Client) -> bool {
    let r = c.get("/account/security").await;
    assert!(
        matches!(r.status, StatusCode::OK | StatusCode::UNAUTHORIZED),
        "{} {}",
        r.status,
        r.body
    );
    r.status == StatusCode::OK
}

async fn invite_token(owner: &Client, role: &str) -> String {
    let r = owner
        .post(&format!("/teams/{}/invites", owner.team), &[("role", role)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let start = r.body.find("http://localhost/invites/").unwrap();
    r.body[start..]
        .split('"')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn invite_only_sign_up_needs_a_live_invite_used_once() {
    let app = TestApp::new().await;
    let admin = app.user("Ada Admin").await;
    // Only the administrator changes it.
    let other = app.user("Ole Other").await;
    let r = other
        .post("/admin/settings", &[("invite_only", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = admin
        .post("/admin/settings", &[("invite_only", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(app.store.instance_settings().await.unwrap().invite_only);
    let page = admin.get("/account/security").await;
    assert!(
        page.body.contains("Sign-up needs an invite link"),
        "{}",
        page.body
    );

    // Without an invite: refused, no account.
    let (r, c) = sign_up(&app, "Nina", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location.starts_with("/signup?"), "{}", r.location);
    assert!(
        sent_back(&r.location).1.contains("needs an invite"),
        "{}",
        r.location
    );
    assert!(c.cookie.is_none());
    assert!(
        app.store
            .user_by_email("nina@example.com")
            .await
            .unwrap()
            .is_none()
    );
    // A made-up invite is no better.
    let (r, _) = sign_up(&app, "Nina", "/invites/inv_madeup").await;
    assert!(
        sent_back(&r.location).1.contains("needs an invite"),
        "{}",
        r.location
    );

    // With an invite: the account joins the invite's team, and the invite is used up; two
    // sign-ups racing with one invite make one account.
    let token = invite_token(&admin, "editor").await;
    let next = format!("/invites/{token}");
    let (a, b) = tokio::join!(sign_up(&app, "Ivy", &next), sign_up(&app, "Ian", &next));
    let made: Vec<_> = [(&a, "ivy"), (&b, "ian")]
        .into_iter()
        .filter(|((r, _), _)| r.location.starts_with("/teams/"))
        .collect();
    assert_eq!(made.len(), 1, "{} / {}", a.0.location, b.0.location);
    let ((r, joined), who) = made[0];
    assert_eq!(r.location, format!("/teams/{}", admin.team));
    assert!(signed_in(joined).await);
    let (user, _) = app
        .store
        .user_by_email(&format!("{who}@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.store.role(&user.id, &admin.team).await.unwrap(),
        Some(store::auth::Role::Editor)
    );
    let loser = if who == "ivy" { &b.0 } else { &a.0 };
    assert!(loser.location.starts_with("/signup?"), "{}", loser.location);
    // Turned off again, anyone may sign up.
    let r = admin.post("/admin/settings", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (r, c) = sign_up(&app, "Nina", "").await;
    assert_eq!(r.location, "/", "{}", r.location);
    assert!(signed_in(&c).await);
}

async fn app_with_sso(issuer: &str) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = super::database::fresh_url(dir.path()).await;
    let store = store::Store::connect(&url).await.unwrap();
    let mut state = server::state::AppState::new(store, dir.path().join("site"));
    state.sso = server::sso::Sso::from_args(&server::sso::SsoArgs {
        oidc_issuer: Some(issuer.to_owned()),
        oidc_client_id: "trellis".into(),
        oidc_client_secret: Some("secret".into()),
        oidc_redirect_url: "http://localhost/auth/sso/callback".into(),
        oidc_scopes: "openid email".into(),
        oidc_name: "Example ID".into(),
        oidc_groups_claim: "groups".into(),
        oidc_groups: Some("eng = Engineering:editor".into()),
    })
    .unwrap();
    TestApp::with_state(state, dir)
}

#[tokio::test]
async fn sso_only_turns_passwords_off_and_needs_single_sign_on_set_up() {
    // Without a provider configured, passwords must stay on.
    let app = TestApp::new().await;
    let admin = app.user("Ada Admin").await;
    let r = admin.post("/admin/settings", &[("sso_only", "yes")]).await;
    let (field, error) = sent_back(&r.location);
    assert_eq!(field, "sso_only");
    assert!(error.contains("not set up"), "{error}");
    assert!(!app.store.instance_settings().await.unwrap().sso_only);

    // A provider that is never reached: turning passwords off needs none.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let app = app_with_sso(&closed).await;
    let admin = app.user("Ada Admin").await;
    let r = admin.post("/admin/settings", &[("sso_only", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(sent_back(&r.location).1, "", "{}", r.location);
    assert!(app.store.instance_settings().await.unwrap().sso_only);
    // The right password no longer signs in, and no one signs up with one.
    let r = app
        .anonymous()
        .post(
            "/signin",
            &[
                ("email", "ada.admin@example.com"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert!(r.location.starts_with("/signin?"), "{}", r.location);
    assert!(
        sent_back(&r.location)
            .1
            .contains("Passwords are turned off")
    );
    assert!(
        !r.set_cookie.starts_with("trellis_session=s_"),
        "{}",
        r.set_cookie
    );
    let (r, c) = sign_up(&app, "Nina", "").await;
    assert!(
        sent_back(&r.location)
            .1
            .contains("Passwords are turned off")
    );
    assert!(c.cookie.is_none());
    // The admin's session goes on (they can turn it back).
    assert!(signed_in(&admin).await);

    // The provider is down: a clear page, not a 500.
    let r = app.anonymous().get("/auth/sso?next=/").await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.body);
    assert!(r.body.contains("did not answer"), "{}", r.body);
    assert!(r.body.contains("Back to the sign-in page"));
    // A callback this browser did not start is refused, whatever it carries.
    let r = app
        .anonymous()
        .get("/auth/sso/callback?code=abc&state=made-up")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body.contains("not one this browser started"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_the_other_sessions() {
    let app = TestApp::new().await;
    let me = app.user("Pat Person").await;
    // A second session of the same account (another device).
    let mut phone = app.anonymous();
    let r = phone
        .post(
            "/signin",
            &[
                ("email", "pat.person@example.com"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    phone.take_cookie(&r);
    assert!(signed_in(&phone).await);

    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        let me = me.clone();
        async move {
            let r = me
                .post(
                    "/account/password",
                    &[("current", current), ("new", new), ("confirm", confirm)],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            sent_back(&r.location)
        }
    };
    let (field, error) = change(
        "not the password",
        "vivid otter glacier 27",
        "vivid otter glacier 27",
    )
    .await;
    assert_eq!(
        (field.as_str(), error.as_str()),
        ("current", "The current password is wrong.")
    );
    let (field, error) = change("a long enough password", "password1234", "password1234").await;
    assert_eq!(field, "new");
    assert!(error.contains("common"), "{error}");
    let (field, _) = change(
        "a long enough password",
        "vivid otter glacier 27",
        "vivid otter glacier 28",
    )
    .await;
    assert_eq!(field, "confirm");
    // The page shows the error beside its field.
    let r = me
        .get("/account/security?field=new&error=This%20password%20is%20too%20easy%20to%20guess")
        .await;
    assert!(r.body.contains(r#"<p id="new-error" class="field-error" role="alert">This password is too easy to guess</p>"#), "{}", r.body);
    assert!(signed_in(&phone).await, "a refused change ends nothing");

    let (field, error) = change(
        "a long enough password",
        "vivid otter glacier 27",
        "vivid otter glacier 27",
    )
    .await;
    assert_eq!(field, "", "{error}");
    assert!(signed_in(&me).await, "this session goes on");
    assert!(!signed_in(&phone).await, "the other session ended");
    let sign_in = |password: &'static str| {
        let app = app.clone();
        async move {
            app.anonymous()
                .post(
                    "/signin",
                    &[("email", "pat.person@example.com"), ("password", password)],
                )
                .await
                .location
        }
    };
    assert_eq!(sign_in("vivid otter glacier 27").await, "/");
    assert!(
        sign_in("a long enough password")
            .await
            .starts_with("/signin?")
    );
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_but_not_the_api_tokens() {
    let app = TestApp::new().await;
    let me = app.user("Sam Sessions").await;
    let review = me.create("Payments").await;
    let mut laptop = app.anonymous();
    let r = laptop
        .post(
            "/signin",
            &[
                ("email", "sam.sessions@example.com"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    laptop.take_cookie(&r);
    let r = me
        .post("/account/tokens", &[("name", "ci"), ("team", &me.team)])
        .await;
    let start = r.body.find("trl_").unwrap();
    let token = r.body[start..].split('"').next().unwrap().to_owned();
    let mut ci = app.anonymous();
    ci.bearer = Some(token);
    // A token cannot do it.
    let r = ci
        .post("/account/sessions/end", &[("everywhere", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Without the button's field, nothing ends.
    let r = me.post("/account/sessions/end", &[]).await;
    assert_eq!(sent_back(&r.location).0, "everywhere");
    assert!(signed_in(&laptop).await);

    let r = me
        .post("/account/sessions/end", &[("everywhere", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location, "/signin");
    assert!(r.set_cookie.contains("Max-Age=0"));
    assert!(!signed_in(&me).await);
    assert!(!signed_in(&laptop).await);
    let r = ci
        .get(&format!("/api/v1/assessments/{review}/answers"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "the token goes on: {}", r.body);
}

#[tokio::test]
async fn common_passwords_are_refused_at_sign_up_with_the_reason() {
    let app = TestApp::new().await;
    for (password, why) in [
        ("password1234", "common"),
        ("qwertyuiop12", "too easy to guess"),
        ("short", "at least 12"),
    ] {
        let r = app
            .anonymous()
            .post(
                "/signup",
                &[
                    ("name", "Wes"),
                    ("email", "wes@example.com"),
                    ("password", password),
                ],
            )
            .await;
        let (_, error) = sent_back(&r.location);
        assert!(error.contains(why), "{password}: {error}");
    }
    assert!(
        app.store
            .user_by_email("wes@example.com")
            .await
            .unwrap()
            .is_none()
    );
}
