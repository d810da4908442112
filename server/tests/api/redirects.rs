//! Where signing in or up goes: the `next` page only when it is a path of this site. Hostile
//! values (another host, `\` or a tab or line break a browser drops or rewrites, percent-encoded
//! ones, schemes) go home, through the real forms, without a server error, and the forms never
//! carry them on.

use axum::http::StatusCode;

use super::client::TestApp;

/// `next` values that must not leave the site or fail the request.
const HOSTILE: [&str; 18] = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%252F/evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(document.cookie)",
    "/\r\n/evil.example",
    "/x\r\nSet-Cookie: trellis_session=planted",
    "/\n/evil.example",
    "/%0d%0aSet-Cookie:%20a=b",
    " //evil.example",
];

/// Whether a `Location` stays on this site: a path with one leading `/`, nothing a browser would
/// drop or rewrite.
fn same_origin(location: &str) -> bool {
    location.starts_with('/')
        && !location.starts_with("//")
        && !location.starts_with("/\\")
        && location.chars().all(|c| c.is_ascii_graphic())
        && !location.contains('\\')
}

#[tokio::test]
async fn signing_in_goes_only_to_a_path_of_this_site() {
    let app = TestApp::new().await;
    app.user("Nina Next").await;
    let sign_in = |next: &'static str| {
        let c = app.anonymous();
        async move {
            c.post(
                "/signin",
                &[
                    ("email", "nina.next@example.com"),
                    ("password", "a long enough password"),
                    ("next", next),
                ],
            )
            .await
        }
    };
    for next in HOSTILE {
        let r = sign_in(next).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}: {}", r.body);
        assert_eq!(r.location, "/", "{next:?}");
        assert!(r.set_cookie.starts_with("trellis_session="), "{next:?}");
    }
    // A real page of the site is kept.
    for next in ["/invites/abc123", "/assessments/x/results", "/?q=order"] {
        let r = sign_in(next).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location, next);
    }
    // A failed sign-in goes back to the form without the hostile `next`.
    for next in HOSTILE {
        let r = app
            .anonymous()
            .post(
                "/signin",
                &[
                    ("email", "nina.next@example.com"),
                    ("password", "not the password"),
                    ("next", next),
                ],
            )
            .await;
        assert!(r.status.is_redirection(), "{next:?}: {}", r.status);
        assert!(r.location.starts_with("/signin?error="), "{}", r.location);
        assert!(r.location.ends_with("&next="), "{next:?}: {}", r.location);
        assert!(!r.location.contains("evil"), "{}", r.location);
    }
}

#[tokio::test]
async fn signing_up_goes_only_to_a_path_of_this_site() {
    let app = TestApp::new().await;
    for (n, next) in HOSTILE.into_iter().enumerate() {
        let email = format!("new{n}@example.com");
        let r = app
            .anonymous()
            .post(
                "/signup",
                &[
                    ("name", "New"),
                    ("email", &email),
                    ("password", "a long enough password"),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}: {}", r.body);
        assert_eq!(r.location, "/", "{next:?}");
        assert!(same_origin(&r.location));
    }
}

/// The sign-in and sign-up pages put only a same-origin `next` in their forms and links.
#[tokio::test]
async fn the_forms_carry_only_a_local_next() {
    let app = TestApp::new().await;
    let c = app.anonymous();
    for query in [
        "%2F%09%2Fevil.example",
        "%2F%5Cevil.example",
        "%2F%2Fevil.example",
    ] {
        for page in ["/signin", "/signup"] {
            let r = c.get(&format!("{page}?next={query}")).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(!r.body.contains("evil.example"), "{page}?next={query}");
        }
    }
    let r = c.get("/signin?next=%2Finvites%2Fabc%26error%3Dx").await;
    assert!(
        r.body.contains("value=\"/invites/abc&amp;error=x\""),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("/signup?next=/invites/abc%26error%3Dx"),
        "{}",
        r.body
    );
}
