//! The accounts an administrator can run, and what every account can do to its own sign-in:
//! the "Sign-in and security" page (`GET /account/security`), changing the password (the current
//! one is needed; the account's other sessions end), signing out everywhere (every session of
//! the account ends, this one too; API tokens are not sessions and keep working until revoked),
//! and, for the administrator, the installation's settings: invite-only sign-up and single
//! sign-on only.
//!
//! Plain forms: each redirects back to the page, with an error beside the field it is about
//! (`?field=…&error=…`) or a notice of what was done (`?done=…`).

use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::auth::{self, Actor, User};

use crate::chrome::Chrome;
use crate::error::AppError;
use crate::service::now_ms;
use crate::state::AppState;

const PAGE: &str = "/account/security";

/// A signed-in session (not an API token: a token manages no sign-in), or why not.
fn session_user(actor: &Actor) -> Result<(&User, &str), AppError> {
    match actor {
        Actor::Session { user, session_id } => Ok((user, session_id)),
        Actor::Token { .. } => Err(AppError::Forbidden(
            "An API token cannot change how the account signs in.".into(),
        )),
        Actor::Anonymous => Err(AppError::Unauthorized),
    }
}

fn back(field: &str, error: &str) -> Response {
    let query =
        serde_urlencoded::to_string([("field", field), ("error", error)]).unwrap_or_default();
    Redirect::to(&format!("{PAGE}?{query}")).into_response()
}

fn done(what: &str) -> Response {
    let query = serde_urlencoded::to_string([("done", what)]).unwrap_or_default();
    Redirect::to(&format!("{PAGE}?{query}")).into_response()
}

/// The page's query: an error beside a field, or what was done.
#[derive(Deserialize, Default)]
pub struct Shown {
    #[serde(default)]
    field: String,
    #[serde(default)]
    error: String,
    done: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "account_security.html")]
struct Page {
    email: String,
    has_password: bool,
    is_admin: bool,
    invite_only: bool,
    sso_only: bool,
    sso_configured: bool,
    sso_name: String,
    updated_by: String,
    field: String,
    error: String,
    done: Option<String>,
    min_password: usize,
    masthead: String,
}

/// `GET /account/security`.
pub async fn page(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    Query(shown): Query<Shown>,
) -> Result<Response, AppError> {
    let (user, _) = session_user(&actor)?;
    let hash = state
        .store
        .password_hash(&user.id)
        .await?
        .unwrap_or_default();
    let settings = state.store.instance_settings().await?;
    let page = Page {
        email: user.email.clone(),
        has_password: !hash.is_empty(),
        is_admin: user.is_admin,
        invite_only: settings.invite_only,
        sso_only: settings.sso_only,
        sso_configured: state.sso.is_some(),
        sso_name: state
            .sso
            .as_ref()
            .map_or_else(|| "single sign-on".to_owned(), |s| s.name.clone()),
        updated_by: settings.updated_by,
        field: shown.field,
        error: shown.error,
        done: shown.done,
        min_password: app::api::MIN_PASSWORD,
        masthead: chrome.masthead(),
    };
    crate::chrome::private_page(&page)
}

/// The password form.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /account/password`: the current password is needed; the new one must pass
/// [`crate::passwords::check_new`]; the account's other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let (user, session) = session_user(&actor)?;
    let stored = state
        .store
        .password_hash(&user.id)
        .await?
        .unwrap_or_default();
    if stored.is_empty() {
        return Ok(back(
            "current",
            "Your account signs in through single sign-on and has no password here.",
        ));
    }
    if form.current.len() > 1000 {
        return Ok(back("current", "The current password is wrong."));
    }
    let current = form.current.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&current, &stored))
        .await
        .unwrap_or(false);
    if !ok {
        return Ok(back("current", "The current password is wrong."));
    }
    if let Err(why) = crate::passwords::check_new(&form.new, &user.name, &user.email) {
        return Ok(back("new", &why));
    }
    if form.new != form.confirm {
        return Ok(back("confirm", "The two new passwords differ."));
    }
    if form.new == form.current {
        return Ok(back("new", "The new password is the current one."));
    }
    let new = form.new.clone();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&new))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Internal)?;
    let ended = state
        .store
        .change_password(&user.id, &hash, Some(session))
        .await?;
    Ok(done(&match ended {
        0 => "Your password is changed.".to_owned(),
        1 => "Your password is changed, and your one other session ended.".to_owned(),
        n => format!("Your password is changed, and your {n} other sessions ended."),
    }))
}

/// The sign-out-everywhere form: `everywhere=yes` (the button's hidden field) says it is meant.
#[derive(Deserialize)]
pub struct Everywhere {
    #[serde(default)]
    everywhere: String,
}

/// `POST /account/sessions/end`: ends every session of the account, this one too.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(form): Form<Everywhere>,
) -> Result<Response, AppError> {
    let (user, _) = session_user(&actor)?;
    if form.everywhere != "yes" {
        return Ok(back(
            "everywhere",
            "Use the Sign out everywhere button to end your sessions.",
        ));
    }
    let ended = state.store.end_sessions(&user.id, None).await?;
    tracing::info!(user = %user.id, ended, "signed out everywhere");
    let mut res = Redirect::to("/signin").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("trellis_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(res)
}

/// The installation's settings form (checkboxes: present when ticked).
#[derive(Deserialize)]
pub struct SettingsForm {
    invite_only: Option<String>,
    sso_only: Option<String>,
}

/// `POST /admin/settings`: the administrator's switches.
pub async fn save_settings(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    let (user, _) = session_user(&actor)?;
    if !user.is_admin {
        return Err(AppError::Forbidden(
            "Only the administrator changes how people sign up and sign in.".into(),
        ));
    }
    let invite_only = form.invite_only.is_some();
    let sso_only = form.sso_only.is_some();
    if sso_only && state.sso.is_none() {
        return Ok(back(
            "sso_only",
            "Single sign-on is not set up, so passwords must stay on: nobody could sign in.",
        ));
    }
    state
        .store
        .set_instance_settings(invite_only, sso_only, &user.name, now_ms())
        .await?;
    Ok(done("The sign-up and sign-in settings are saved."))
}

/// The routes of this module.
pub fn routes() -> Vec<(
    axum::http::Method,
    String,
    axum::routing::MethodRouter<AppState>,
)> {
    use axum::http::Method;
    use axum::routing::{get, post};
    vec![
        (Method::GET, PAGE.to_owned(), get(page)),
        (
            Method::POST,
            "/account/password".to_owned(),
            post(change_password),
        ),
        (
            Method::POST,
            "/account/sessions/end".to_owned(),
            post(sign_out_everywhere),
        ),
        (
            Method::POST,
            "/admin/settings".to_owned(),
            post(save_settings),
        ),
    ]
}
