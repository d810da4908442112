//! What every request passes through: who is asking ([`resolve_actor`]), whether a
//! state-changing request really comes from Trellis' own pages ([`same_origin`]), and the
//! security headers every response carries ([`headers`]).

use crate::error::AppError;
use crate::service::now_ms;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use store::Store;
use store::auth::Actor;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "trellis_session";

/// The session cookie's value in a request, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

/// A bearer token in a request, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Middleware: resolves the request's [`Actor`] (a session cookie, or an API token) and puts it
/// in the request's extensions. A request with a bad or revoked token is refused with 401, so a
/// CI job never silently runs as nobody.
pub async fn resolve_actor(State(store): State<Store>, mut req: Request, next: Next) -> Response {
    let now = now_ms();
    let path = req.uri().path();
    let actor =
        if matches!(path, "/healthz" | "/readyz" | "/metrics") || path.starts_with("/style/") {
            // Probes, scrapers and the stylesheet act for nobody, and must answer (and say why)
            // while the database that holds sessions is away.
            Actor::Anonymous
        } else if let Some(token) = bearer(req.headers()) {
            match store.token_user(token, now).await {
                Ok(Some((user, team_id))) => Actor::Token { user, team_id },
                Ok(None) => {
                    return (
                        StatusCode::UNAUTHORIZED,
                        [(header::WWW_AUTHENTICATE, "Bearer")],
                        "The API token is not valid: it may have been revoked.\n",
                    )
                        .into_response();
                }
                Err(e) => return unavailable(&e),
            }
        } else if let Some(cookie) = session_cookie(req.headers()) {
            match store.session_user(cookie, now).await {
                Ok(Some((user, session_id))) => Actor::Session { user, session_id },
                Ok(None) => Actor::Anonymous,
                Err(e) => return unavailable(&e),
            }
        } else {
            Actor::Anonymous
        };
    req.extensions_mut().insert(actor);
    next.run(req).await
}

fn unavailable(e: &store::StoreError) -> Response {
    AppError::Unavailable(format!("reading the session failed: {e}")).into_response()
}

/// The `scheme://host[:port]` of an `Origin` or `Referer` value.
fn origin_of(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once("://")?;
    let end = rest.find('/').unwrap_or(rest.len());
    Some(&value[..scheme.len() + 3 + end])
}

/// Middleware: refuses a state-changing request (anything but GET, HEAD and OPTIONS) unless its
/// `Origin` (or, failing that, its `Referer`) is this server, as the `Host` header names it.
/// Requests with an API token carry no ambient credentials and are not checked.
pub async fn same_origin(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || bearer(req.headers()).is_some()
    {
        return next.run(req).await;
    }
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(origin_of);
    let ok = match (host, claimed) {
        (Some(host), Some(origin)) => origin
            .split_once("://")
            .is_some_and(|(scheme, h)| matches!(scheme, "http" | "https") && h == host),
        _ => false,
    };
    if ok {
        next.run(req).await
    } else {
        AppError::Forbidden("This request did not come from a Trellis page, so it was refused (cross-site request check).".into()).into_response()
    }
}

/// Middleware: a form post (`application/x-www-form-urlencoded`: the pages' forms and the
/// server functions) whose body is not UTF-8 text is refused with 400 naming the problem,
/// rather than failing inside the handler as a 500.
pub async fn utf8_forms(req: Request, next: Next) -> Response {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => {
            return AppError::TooLarge("The form is too large to accept.".into()).into_response();
        }
    };
    if let Err(e) = std::str::from_utf8(&bytes) {
        return AppError::BadInput(format!(
            "The form data is not UTF-8 text (a bad byte at position {}); nothing was changed.",
            e.valid_up_to()
        ))
        .into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Middleware: the security headers of every response. Pages rendered by Leptos carry a
/// Content-Security-Policy with the nonce of their hydration script (see `app::shell`); every
/// other response gets the same policy without one, so it can run no inline script at all.
/// Served over HTTPS (`secure`: `--secure-cookies`), responses also tell browsers to use
/// nothing else for this host for a year (HSTS).
pub async fn headers(State(secure): State<bool>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ];
    for (name, value) in fixed {
        h.insert(name, HeaderValue::from_static(value));
    }
    if !h.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(csp) = HeaderValue::from_str(&app::content_security_policy(None))
    {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_cut_at_the_path() {
        assert_eq!(origin_of("http://a:3000/x/y"), Some("http://a:3000"));
        assert_eq!(origin_of("https://a"), Some("https://a"));
        assert_eq!(origin_of("null"), None);
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; trellis_session=s_x_y; b=2"),
        );
        assert_eq!(session_cookie(&h), Some("s_x_y"));
    }
}
