//! The form handlers that start and end sessions or make a secret: sign-up, sign-in, sign-out,
//! accepting an invite (refused, in the words of its page, when it was used, revoked or expired),
//! and making an invite link, an API token or a share link (each shown once, on the page the form
//! returns: `templates/secret.html`, with a Copy button).

use std::net::SocketAddr;

use crate::error::AppError;
use crate::service::now_ms;
use axum::Extension;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::auth::{self, Actor};

use crate::chrome::Chrome;
use crate::security::SESSION_COOKIE;
use crate::service::org::{self, DAY_MS};
use crate::state::AppState;

/// How long a session lasts.
pub(crate) const SESSION_DAYS: i64 = 14;

/// The fields of the sign-up form.
#[derive(Deserialize)]
pub struct SignUp {
    name: String,
    email: String,
    password: String,
    #[serde(default)]
    next: String,
    /// An invite link's token, when the sign-up comes from one (else it is read from `next`,
    /// the invite's page).
    #[serde(default)]
    invite: String,
}

/// Why password sign-in and sign-up are refused in single-sign-on-only mode.
pub const PASSWORDS_OFF: &str =
    "Passwords are turned off here: sign in with single sign-on instead.";

/// Whether passwords are off (single sign-on only), or the failure reading it.
async fn passwords_off(state: &AppState) -> Result<bool, AppError> {
    Ok(state.sso.is_some() && state.store.instance_settings().await?.sso_only)
}

/// The fields of the sign-in form.
#[derive(Deserialize)]
pub struct SignIn {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Where a form's `next` may send the browser: the path when it is certainly this site's
/// ([`app::redirect::local_path`]), otherwise the home page. The handlers check it before anything
/// is done (a hostile one becomes empty), so it can neither leave the site nor fail the request
/// after a session was made.
fn local(next: &str) -> &str {
    app::redirect::local_path(next).unwrap_or("/")
}

fn back_with_error(page: &str, next: &str, message: &str) -> Response {
    let query =
        serde_urlencoded::to_string([("error", message), ("next", next)]).unwrap_or_default();
    Redirect::to(&format!("{page}?{query}")).into_response()
}

fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Starts a session for `user`: a fresh id every time (so a session id planted before sign-in is
/// worthless), and the old session, if any, ends; then goes to `next` (see [`local`]).
async fn start_session(
    state: &AppState,
    user_id: &str,
    headers: &HeaderMap,
    next: &str,
) -> Result<Response, AppError> {
    if let Some(old) = crate::security::session_cookie(headers)
        .and_then(|c| auth::split_secret("s", c))
        .map(|(id, _)| id.to_owned())
    {
        state.store.delete_session(&old).await?;
    }
    let secret = auth::new_secret("s");
    let now = now_ms();
    state
        .store
        .create_session(&secret, user_id, now, now + SESSION_DAYS * DAY_MS)
        .await?;
    Ok(signed_in(state, &secret, next))
}

/// The redirect to `next` that hands the browser the session `secret`.
pub(crate) fn signed_in(state: &AppState, secret: &auth::NewSecret, next: &str) -> Response {
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        secret.token,
        SESSION_DAYS * 86_400,
        if state.secure_cookies { "; Secure" } else { "" }
    );
    let mut res = Redirect::to(local(next)).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// `POST /signup`.
pub async fn sign_up(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignUp>,
) -> Response {
    let next = app::redirect::local_path(&form.next).unwrap_or_default();
    match passwords_off(&state).await {
        Ok(true) => return back_with_error("/signin", next, PASSWORDS_OFF),
        Ok(false) => {}
        Err(e) => return e.into_response(),
    }
    let email = normalize_email(&form.email);
    let name = form.name.trim();
    let problem = if name.is_empty() || name.chars().count() > 100 {
        Some("Your name needs 1 to 100 characters.".to_owned())
    } else if email.len() > 254
        || !email.contains('@')
        || email.starts_with('@')
        || email.ends_with('@')
    {
        Some("That does not look like an email address.".to_owned())
    } else {
        None
    };
    if let Some(p) = problem {
        return back_with_error("/signup", next, &p);
    }
    if let Err(why) = crate::passwords::check_new(&form.password, name, &email) {
        let query = serde_urlencoded::to_string([
            ("error", why.as_str()),
            ("field", "password"),
            ("next", next),
        ])
        .unwrap_or_default();
        return Redirect::to(&format!("/signup?{query}")).into_response();
    }
    // Hashing is slow on purpose: off the async workers, as for signing in.
    let password = form.password.clone();
    let hash = match tokio::task::spawn_blocking(move || auth::hash_password(&password)).await {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return AppError::Internal(e).into_response(),
        Err(e) => return AppError::Internal(e.to_string()).into_response(),
    };
    // The account and its first session in one transaction: a sign-up that could not be
    // stored whole hands out no cookie and leaves no account behind.
    let secret = auth::new_secret("s");
    let now = now_ms();
    let expires = now + SESSION_DAYS * DAY_MS;
    // Invite-only sign-up: the invite the sign-up comes with is used in its transaction.
    let invite = match invite_of(&state, &form, next, now).await {
        Ok(i) => i,
        Err(e) => return e.into_response(),
    };
    let next = match &invite {
        Some((_, row)) => format!("/teams/{}", row.team_id),
        None => next.to_owned(),
    };
    let next = next.as_str();
    match state
        .store
        .create_user_invited(
            &email,
            name,
            &hash,
            now,
            (&secret, expires),
            invite.as_ref().map(|(id, row)| (id.as_str(), row)),
        )
        .await
    {
        Ok(_) => {
            // A session the browser came with ends: the new account's replaces it.
            if let Some((old, _)) =
                crate::security::session_cookie(&headers).and_then(|c| auth::split_secret("s", c))
                && let Err(e) = state.store.delete_session(old).await
            {
                tracing::warn!(error = %e, "ending the previous session failed");
            }
            signed_in(&state, &secret, next)
        }
        // Says so plainly: whoever can submit this form can also try to sign in, and the
        // sign-in form gives nothing away.
        Err(store::StoreError::Taken) => back_with_error(
            "/signup",
            next,
            "An account with this email already exists. Sign in instead.",
        ),
        Err(store::StoreError::Refused(why)) => back_with_error("/signup", next, why),
        Err(store::StoreError::NotFound(_)) => {
            back_with_error("/signup", next, app::api::INVITE_NOT_VALID)
        }
        Err(e) => AppError::from(e).into_response(),
    }
}

/// With invite-only sign-up on, the live invite a sign-up comes with (its `invite` field, or the
/// invite page it returns to), as its id and where it leads; `None` otherwise.
async fn invite_of(
    state: &AppState,
    form: &SignUp,
    next: &str,
    now: i64,
) -> Result<Option<(String, store::InviteRow)>, AppError> {
    if !state.store.instance_settings().await?.invite_only {
        return Ok(None);
    }
    let token = if form.invite.is_empty() {
        next.strip_prefix("/invites/").unwrap_or_default()
    } else {
        form.invite.as_str()
    };
    if token.is_empty() {
        return Ok(None);
    }
    Ok(state
        .store
        .invite_details(token, now)
        .await?
        .filter(|d| d.state == store::InviteState::Open)
        .map(|d| (d.id, d.invite)))
}

/// `POST /signin`. Every failure gets the same message, whether or not the account exists, and
/// takes as long; attempts are throttled with growing waits (see [`auth::Throttle`]).
pub async fn sign_in(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    Form(form): Form<SignIn>,
) -> Response {
    let headers = parts.headers;
    let next = app::redirect::local_path(&form.next).unwrap_or_default();
    match passwords_off(&state).await {
        Ok(true) => return back_with_error("/signin", next, PASSWORDS_OFF),
        Ok(false) => {}
        Err(e) => return e.into_response(),
    }
    let email = normalize_email(&form.email);
    // The peer's address (tests that drive the router without a socket have none).
    let address = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
    // Counted before the password is checked: parallel guesses cannot all get through.
    if let Err(auth::Wait(wait)) = state.throttle.attempt(&email, &address) {
        let mut res = back_with_error(
            "/signin",
            next,
            &format!(
                "Too many failed sign-ins for this account. Wait {} and try again.",
                wait_words(wait)
            ),
        );
        *res.status_mut() = StatusCode::SEE_OTHER;
        return res;
    }
    let found = match state.store.user_by_email(&email).await {
        Ok(found) => found,
        Err(e) => return AppError::from(e).into_response(),
    };
    let password = form.password.clone();
    let stored = found
        .as_ref()
        .map_or_else(|| auth::decoy_hash().to_owned(), |(_, hash)| hash.clone());
    // Hashing is slow on purpose: off the async workers.
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &stored))
        .await
        .unwrap_or(false);
    match found {
        Some((user, _)) if ok => {
            state.throttle.succeeded(&email, &address);
            start_session(&state, &user.id, &headers, next)
                .await
                .unwrap_or_else(|e| e.into_response())
        }
        _ => back_with_error("/signin", next, "The email or the password is wrong."),
    }
}

/// A wait in words: "3 seconds", "2 minutes".
fn wait_words(wait: std::time::Duration) -> String {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    match secs {
        1 => "a second".to_owned(),
        s if s < 90 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

/// `POST /signout`: ends the session in the database, not only in the browser.
pub async fn sign_out(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Response {
    if let Actor::Session { session_id, .. } = &actor
        && let Err(e) = state.store.delete_session(session_id).await
    {
        return AppError::from(e).into_response();
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("trellis_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}

/// `POST /invites/{token}`: joins the invite's team. A used, revoked or expired invite is refused
/// with what became of it, in the words its page uses.
pub async fn accept_invite(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(token): Path<String>,
) -> Response {
    let Some(user) = actor.user() else {
        return AppError::Unauthorized.into_response();
    };
    let now = now_ms();
    let details = match state.store.invite_details(&token, now).await {
        Ok(Some(d)) => d,
        Ok(None) => return AppError::NotFound(app::api::INVITE_NOT_VALID.into()).into_response(),
        Err(e) => return AppError::from(e).into_response(),
    };
    let (id, invite) = (details.id.clone(), details.invite.clone());
    if let Some(refusal) = crate::service::invite_info(details).refusal() {
        return AppError::NotFound(refusal).into_response();
    }
    if let Err(e) = state.store.accept_invite(&id, &invite, &user.id, now).await {
        // Used, revoked or expired since it was read: its page says which.
        return match e {
            store::StoreError::NotFound(_) => {
                Redirect::to(&format!("/invites/{token}")).into_response()
            }
            other => AppError::from(other).into_response(),
        };
    }
    let _ = state
        .store
        .audit(
            &invite.team_id,
            &actor.label(),
            "membership",
            &user.name,
            &format!("joined as {}", invite.role.as_str()),
            now,
        )
        .await;
    Redirect::to(&format!("/teams/{}", invite.team_id)).into_response()
}

/// The fields of the invite form: the role, and the page to go back to (the team's, or a
/// review's Share page).
#[derive(Deserialize)]
pub struct InviteForm {
    role: String,
    #[serde(default)]
    back: String,
}

/// A page that shows a new secret once, in a read-only field with a Copy button
/// (`style/copy.js`; without JavaScript the field is selected and copied by hand).
#[derive(askama::Template)]
#[template(path = "secret.html")]
struct SecretPage<'a> {
    title: &'a str,
    what: &'a str,
    secret: &'a str,
    back: &'a str,
    masthead: String,
}

pub(crate) fn shown_once(
    chrome: Chrome,
    title: &str,
    what: &str,
    secret: &str,
    back: &str,
) -> Response {
    let page = SecretPage {
        title,
        what,
        secret,
        back,
        masthead: chrome.masthead(),
    };
    let mut res = match askama::Template::render(&page) {
        Ok(body) => Html(body).into_response(),
        Err(e) => return AppError::Internal(e.to_string()).into_response(),
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn base_url(headers: &HeaderMap, state: &AppState) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// `POST /teams/{id}/invites`: makes a one-time invite link (owners).
pub async fn create_invite(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    headers: HeaderMap,
    Path(team): Path<String>,
    Form(form): Form<InviteForm>,
) -> Response {
    let c = state.context(actor);
    let invite = match org::create_invite(&c, &team, &form.role).await {
        Ok(invite) => invite,
        Err(e) => return e.into_response(),
    };
    let team_page = format!("/teams/{team}");
    shown_once(
        chrome,
        "Invite link",
        &format!(
            "Send this link to the person you invite. It makes them {} of the team \u{201c}{}\u{201d}, works once, and expires in {} days. Until then the team page lists it, and an owner can revoke it there.",
            app::a_role(invite.role.as_str()),
            invite.team_name,
            org::INVITE_DAYS
        ),
        &invite_url(&headers, &state, &invite.secret.token),
        app::redirect::local_path(&form.back).unwrap_or(&team_page),
    )
}

/// The link of an invite.
pub(crate) fn invite_url(headers: &HeaderMap, state: &AppState, token: &str) -> String {
    format!("{}/invites/{token}", base_url(headers, state))
}

/// The link of a share link.
pub(crate) fn share_url(headers: &HeaderMap, state: &AppState, token: &str) -> String {
    format!("{}/share/{token}", base_url(headers, state))
}

/// The fields of the API token form.
#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    team: String,
}

/// `POST /account/tokens`: makes an API token for one of the user's teams.
pub async fn create_token(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Form(form): Form<TokenForm>,
) -> Response {
    let c = state.context(actor);
    let (secret, ..) = match org::create_api_token(&c, &form.team, &form.name).await {
        Ok(made) => made,
        Err(e) => return e.into_response(),
    };
    shown_once(
        chrome,
        "API token",
        "Use it as `Authorization: Bearer <token>`. It acts as you, in one team, until you revoke it.",
        &secret.token,
        "/account",
    )
}

/// The expiry field of the share-link form.
#[derive(Deserialize)]
pub struct ShareForm {
    days: i64,
}

/// `POST /assessments/{id}/share-links`: makes a read-only share link (owners).
pub async fn create_share_link(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ShareForm>,
) -> Response {
    let c = state.context(actor);
    let (secret, _) = match org::create_share_link(&c, &id, form.days).await {
        Ok(made) => made,
        Err(e) => return e.into_response(),
    };
    shown_once(
        chrome,
        "Share link",
        "Anyone with this link can read these results, and nothing else, until it expires or an owner revokes it on the review's Share page.",
        &share_url(&headers, &state, &secret.token),
        &format!("/assessments/{id}/share"),
    )
}
