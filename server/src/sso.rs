//! Single sign-on with OpenID Connect: the authorization code flow with PKCE (S256) against any
//! standard provider, configured by `trellis serve`'s `--oidc-*` options (or their `TRELLIS_OIDC_*`
//! environment variables).
//!
//! - `GET /auth/sso` starts a sign-in: it reads the provider's discovery document (kept for a few
//!   minutes), stores the attempt (its state's hash, nonce, PKCE verifier and where to go after)
//!   server-side for ten minutes, hands the browser the state in a short-lived HttpOnly cookie, and
//!   sends it to the provider.
//! - `GET /auth/sso/callback` finishes it: the state must be the cookie's and a live attempt's
//!   (each is used once), the code is exchanged with the verifier, and the ID token's signature
//!   (the provider's JWKS) and claims (issuer, audience, expiry, issue time, nonce) are checked by
//!   the `openidconnect` crate. The account is found by issuer and subject; an account with the
//!   same email is joined only when the provider says the email is verified; otherwise one is made.
//!   The groups mapping, when configured, sets the account's teams and roles at each sign-in.
//! - Every failure is a page that says what went wrong in the reader's words (a provider that is
//!   down, a sign-in that is stale or replayed, a token that does not check out), never a 500.
//!
//! The provider is reached with `ureq` (no redirects followed, a time limit), on a blocking thread.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine as _;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use store::auth::{self, Role};
use store::sso::{SsoAttempt, SsoIdentity};

use crate::chrome::Chrome;
use crate::service::now_ms;
use crate::state::AppState;

/// The cookie that carries a sign-in's state between the start and the callback.
const STATE_COOKIE: &str = "trellis_sso";
/// How long a sign-in at the provider may take.
const ATTEMPT_SECS: i64 = 600;
/// How long the provider's discovery document and keys are kept.
const METADATA_TTL: Duration = Duration::from_secs(300);
/// How far in the future an ID token's issue time may be (the two clocks differ a little).
const CLOCK_SKEW_SECS: i64 = 120;
/// The longest answer read from the provider.
const MAX_ANSWER: u64 = 1024 * 1024;

/// `trellis serve`'s single sign-on options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SsoArgs {
    /// The OpenID provider's issuer URL (its discovery document is at
    /// `ISSUER/.well-known/openid-configuration`). Single sign-on is on when this is set.
    #[arg(long, env = "TRELLIS_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// The client id Trellis is registered under at the provider.
    #[arg(long, env = "TRELLIS_OIDC_CLIENT_ID", default_value = "")]
    pub oidc_client_id: String,
    /// The client secret (a public client has none).
    #[arg(long, env = "TRELLIS_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// The redirect URL registered at the provider: this server's `/auth/sso/callback`, as the
    /// browser reaches it (`https://trellis.example.com/auth/sso/callback`).
    #[arg(long, env = "TRELLIS_OIDC_REDIRECT_URL", default_value = "")]
    pub oidc_redirect_url: String,
    /// The scopes asked for, space-separated (`openid` is always asked).
    #[arg(
        long,
        env = "TRELLIS_OIDC_SCOPES",
        default_value = "openid email profile"
    )]
    pub oidc_scopes: String,
    /// The provider's name on the sign-in button ("Sign in with NAME").
    #[arg(long, env = "TRELLIS_OIDC_NAME", default_value = "single sign-on")]
    pub oidc_name: String,
    /// The ID token claim that lists the person's groups (for the groups mapping).
    #[arg(long, env = "TRELLIS_OIDC_GROUPS_CLAIM", default_value = "groups")]
    pub oidc_groups_claim: String,
    /// The groups mapping: `group = team:role` lines (or `;`-separated), role one of owner,
    /// editor, viewer. A team is named as it is shown, and made when no team has that name.
    /// When set, each sign-in puts the account in the mapped teams and takes it out of the ones
    /// an earlier mapping gave it and this one does not.
    #[arg(long, env = "TRELLIS_OIDC_GROUPS")]
    pub oidc_groups: Option<String>,
}

/// One line of the groups mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRule {
    /// The group, as the claim names it.
    pub group: String,
    /// The team's name.
    pub team: String,
    /// The role in it.
    pub role: Role,
}

/// Parses the groups mapping (`group = team:role` lines or `;`-separated).
pub fn parse_groups(text: &str) -> Result<Vec<GroupRule>, String> {
    text.split(['\n', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (group, target) = line
                .split_once('=')
                .ok_or_else(|| format!("groups mapping: `{line}` is not `group = team:role`"))?;
            let (team, role) = target
                .rsplit_once(':')
                .ok_or_else(|| format!("groups mapping: `{line}` names no role (`team:role`)"))?;
            let role = Role::parse(role.trim()).ok_or_else(|| {
                format!("groups mapping: `{}` is not one of owner, editor, viewer", role.trim())
            })?;
            let (group, team) = (group.trim(), team.trim());
            if group.is_empty() || team.is_empty() || team.chars().count() > 100 {
                return Err(format!("groups mapping: `{line}` needs a group and a team name (at most 100 characters)"));
            }
            Ok(GroupRule {
                group: group.to_owned(),
                team: team.to_owned(),
                role,
            })
        })
        .collect()
}

/// Single sign-on, configured.
pub struct Sso {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    redirect: RedirectUrl,
    scopes: Vec<String>,
    /// The provider's name on the button.
    pub name: String,
    groups_claim: String,
    groups: Option<Vec<GroupRule>>,
    metadata: Mutex<Option<(Instant, CoreProviderMetadata)>>,
    agent: ureq::Agent,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sso")
            .field("issuer", &self.issuer.as_str())
            .field("client_id", &self.client_id.as_str())
            .finish_non_exhaustive()
    }
}

impl Sso {
    /// Single sign-on from the options, when an issuer is set; an error names the option that is
    /// wrong.
    pub fn from_args(args: &SsoArgs) -> Result<Option<Arc<Sso>>, String> {
        let Some(issuer) = args.oidc_issuer.as_deref().filter(|i| !i.trim().is_empty()) else {
            return Ok(None);
        };
        let issuer = IssuerUrl::new(issuer.trim().to_owned())
            .map_err(|e| format!("--oidc-issuer: not a URL ({e})"))?;
        if args.oidc_client_id.trim().is_empty() {
            return Err(
                "--oidc-client-id (TRELLIS_OIDC_CLIENT_ID) is needed with an issuer".into(),
            );
        }
        let redirect = RedirectUrl::new(args.oidc_redirect_url.trim().to_owned()).map_err(|e| {
            format!("--oidc-redirect-url (TRELLIS_OIDC_REDIRECT_URL): not a URL ({e}); it is this server's /auth/sso/callback")
        })?;
        let groups = args.oidc_groups.as_deref().map(parse_groups).transpose()?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(10)))
            .user_agent(concat!("trellis/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Some(Arc::new(Sso {
            issuer,
            client_id: ClientId::new(args.oidc_client_id.trim().to_owned()),
            client_secret: args
                .oidc_client_secret
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| ClientSecret::new(s.to_owned())),
            redirect,
            scopes: args
                .oidc_scopes
                .split_whitespace()
                .filter(|s| *s != "openid")
                .map(str::to_owned)
                .collect(),
            name: args.oidc_name.trim().to_owned(),
            groups_claim: args.oidc_groups_claim.trim().to_owned(),
            groups,
            metadata: Mutex::new(None),
            agent,
        })))
    }

    /// One request to the provider.
    fn http(&self, req: openidconnect::HttpRequest) -> Result<openidconnect::HttpResponse, Fault> {
        let res = self.agent.run(req).map_err(|e| Fault(e.to_string()))?;
        let (parts, mut body) = res.into_parts();
        let bytes = body
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .map_err(|e| Fault(e.to_string()))?;
        Ok(openidconnect::HttpResponse::from_parts(parts, bytes))
    }

    /// The provider's discovery document and keys, read again when older than a few minutes.
    fn metadata(&self, fresh: bool) -> Result<CoreProviderMetadata, Failure> {
        if !fresh
            && let Some((at, m)) = self
                .metadata
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(m.clone());
        }
        let http = |r| self.http(r);
        let m = CoreProviderMetadata::discover(&self.issuer, &http).map_err(|e| {
            Failure::Down(format!(
                "reading its discovery document failed: {}",
                chain(&e)
            ))
        })?;
        *self.metadata.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), m.clone()));
        Ok(m)
    }

    fn client(
        &self,
        metadata: CoreProviderMetadata,
    ) -> openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            self.client_secret.clone(),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// The provider's sign-in address for a new attempt, and the attempt to store.
    fn begin(&self, next: &str) -> Result<(String, String, SsoAttempt), Failure> {
        let client = self.client(self.metadata(false)?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok((
            url.to_string(),
            state.secret().clone(),
            SsoAttempt {
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                next: next.to_owned(),
            },
        ))
    }

    /// Exchanges the code and checks the ID token; who signed in.
    fn finish(&self, code: &str, attempt: &SsoAttempt) -> Result<SsoIdentity, Failure> {
        let metadata = self.metadata(false)?;
        let client = self.client(metadata);
        let http = |r| self.http(r);
        let exchange = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| Failure::Setup(format!("the provider names no token endpoint ({e})")))?
            .set_pkce_verifier(PkceCodeVerifier::new(attempt.pkce_verifier.clone()));
        let tokens = exchange.request(&http).map_err(|e| match &e {
            openidconnect::RequestTokenError::Request(_) => {
                Failure::Down(format!("exchanging the code failed: {}", chain(&e)))
            }
            _ => Failure::Refused(format!("the provider refused the code: {}", chain(&e))),
        })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| Failure::Refused("the provider sent no ID token".into()))?;
        let now = now_ms() / 1000;
        let nonce = Nonce::new(attempt.nonce.clone());
        let check = |metadata: CoreProviderMetadata| {
            let client = self.client(metadata);
            let verifier = client
                .id_token_verifier()
                .set_issue_time_verifier_fn(move |iat| {
                    if iat.timestamp() > now + CLOCK_SKEW_SECS {
                        Err("it was issued in the future".to_owned())
                    } else {
                        Ok(())
                    }
                });
            id_token.claims(&verifier, &nonce).cloned()
        };
        let claims = match check(self.metadata(false)?) {
            Ok(c) => c,
            // A key the cached document does not have yet: read the keys again, once.
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                check(self.metadata(true)?).map_err(|e| Failure::Token(e.to_string()))?
            }
            Err(e) => return Err(Failure::Token(e.to_string())),
        };
        // The token checked out: its other claims (the groups) are read from the same payload.
        let extra = payload(&id_token.to_string());
        let teams = self.groups.as_ref().map(|rules| {
            let groups = group_names(extra.get(&self.groups_claim));
            rules
                .iter()
                .filter(|r| groups.contains(&r.group))
                .map(|r| (r.team.clone(), r.role))
                .collect()
        });
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned())
            .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()))
            .unwrap_or_default();
        Ok(SsoIdentity {
            issuer: claims.issuer().as_str().to_owned(),
            subject: claims.subject().as_str().to_owned(),
            email: claims
                .email()
                .map(|e| e.as_str().trim().to_lowercase())
                .unwrap_or_default(),
            email_verified: claims.email_verified().unwrap_or(false),
            name,
            teams,
        })
    }
}

/// A failed request to the provider.
#[derive(Debug)]
struct Fault(String);

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Fault {}

/// An error and its causes, on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The claims of a JWT's payload, as JSON (empty when it cannot be read).
fn payload(jwt: &str) -> serde_json::Map<String, serde_json::Value> {
    jwt.split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p.trim_end_matches('='))
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// A groups claim's names: a list of strings, or one string.
fn group_names(claim: Option<&serde_json::Value>) -> Vec<String> {
    match claim {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Why a sign-in through the provider did not happen.
#[derive(Debug)]
enum Failure {
    /// The provider did not answer, or not as a provider does.
    Down(String),
    /// The sign-in is not one this browser started, was used already, or ran out of time.
    Stale,
    /// The provider said no (the person cancelled, or the code was refused).
    Refused(String),
    /// The ID token did not check out (signature, issuer, audience, expiry, nonce).
    Token(String),
    /// The configuration cannot work.
    Setup(String),
}

impl Failure {
    fn page(self, chrome: Chrome) -> Response {
        let (status, message) = match &self {
            Failure::Down(why) => (
                StatusCode::BAD_GATEWAY,
                format!("The sign-in provider did not answer as it should, so you are not signed in. Try again in a few minutes; if it goes on, tell your administrator.\nWhat happened: {why}"),
            ),
            Failure::Stale => (
                StatusCode::BAD_REQUEST,
                "This sign-in is not one this browser started, was used already, or took longer than ten minutes, so it was refused. Start again from the sign-in page.".to_owned(),
            ),
            Failure::Refused(why) => (
                StatusCode::BAD_REQUEST,
                format!("The sign-in provider did not sign you in, so you are not signed in here.\nWhat it said: {why}"),
            ),
            Failure::Token(why) => (
                StatusCode::BAD_REQUEST,
                format!("The sign-in provider's answer did not pass our checks, so you are not signed in. Start again from the sign-in page.\nWhat was wrong: {why}"),
            ),
            Failure::Setup(why) => (
                StatusCode::BAD_GATEWAY,
                format!("Single sign-on is not set up correctly, so you are not signed in. Tell your administrator.\nWhat is wrong: {why}"),
            ),
        };
        tracing::warn!(status = status.as_u16(), "single sign-on failed: {message}");
        sign_in_failed(status, &message, chrome)
    }
}

/// The page a failed sign-in shows: what happened, and the way back to the sign-in page.
fn sign_in_failed(status: StatusCode, message: &str, chrome: Chrome) -> Response {
    #[derive(askama::Template)]
    #[template(path = "sso_failed.html")]
    struct Page<'a> {
        lines: Vec<&'a str>,
        masthead: String,
    }
    let page = Page {
        lines: message.lines().collect(),
        masthead: chrome.masthead(),
    };
    let body = askama::Template::render(&page).unwrap_or_else(|_| message.to_owned());
    let mut res = (status, Html(body)).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("trellis_sso=; Path=/auth/sso; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `?next=` of the start.
#[derive(Deserialize)]
pub struct Start {
    #[serde(default)]
    next: String,
}

/// `GET /auth/sso`: sends the browser to the provider.
pub async fn start(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<Start>,
) -> Response {
    let Some(sso) = state.sso.clone() else {
        return Redirect::to("/signin?error=Single%20sign-on%20is%20not%20set%20up%20here.")
            .into_response();
    };
    let next = app::redirect::local_path(&q.next)
        .unwrap_or_default()
        .to_owned();
    let begun = tokio::task::spawn_blocking(move || sso.begin(&next)).await;
    let (url, secret_state, attempt) = match begun {
        Ok(Ok(b)) => b,
        Ok(Err(f)) => return f.page(chrome),
        Err(e) => return Failure::Down(e.to_string()).page(chrome),
    };
    let now = now_ms();
    if let Err(e) = state
        .store
        .begin_sso(
            &sha256_hex(&secret_state),
            &attempt,
            now,
            now + ATTEMPT_SECS * 1000,
        )
        .await
    {
        return crate::error::AppError::from(e).into_response();
    }
    let cookie = format!(
        "{STATE_COOKIE}={secret_state}; Path=/auth/sso; HttpOnly; SameSite=Lax; Max-Age={ATTEMPT_SECS}{}",
        if state.secure_cookies { "; Secure" } else { "" }
    );
    let mut res = Redirect::to(&url).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// What the provider sends back.
#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn state_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == STATE_COOKIE)
        .map(|(_, value)| value)
}

/// `GET /auth/sso/callback`: the provider sends the browser back here with a code.
pub async fn callback(
    State(state): State<AppState>,
    chrome: Chrome,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Response {
    let Some(sso) = state.sso.clone() else {
        return Redirect::to("/signin?error=Single%20sign-on%20is%20not%20set%20up%20here.")
            .into_response();
    };
    let Some(given) = q.state.as_deref().filter(|s| !s.is_empty()) else {
        return Failure::Stale.page(chrome);
    };
    // The state must be the one this browser was given, and a live attempt's (used once).
    let same = state_cookie(&headers).is_some_and(|c| {
        bool::from(subtle::ConstantTimeEq::ct_eq(
            c.as_bytes(),
            given.as_bytes(),
        ))
    });
    let attempt = match state
        .store
        .take_sso_attempt(&sha256_hex(given), now_ms())
        .await
    {
        Ok(a) => a,
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    let Some(attempt) = attempt.filter(|_| same) else {
        return Failure::Stale.page(chrome);
    };
    if let Some(error) = q.error {
        let why = match q.error_description {
            Some(d) => format!("{error}: {d}"),
            None => error,
        };
        return Failure::Refused(why).page(chrome);
    }
    let Some(code) = q.code.filter(|c| !c.is_empty()) else {
        return Failure::Refused("it sent no code".into()).page(chrome);
    };
    let checked = {
        let attempt = attempt.clone();
        tokio::task::spawn_blocking(move || sso.finish(&code, &attempt)).await
    };
    let who = match checked {
        Ok(Ok(who)) => who,
        Ok(Err(f)) => return f.page(chrome),
        Err(e) => return Failure::Down(e.to_string()).page(chrome),
    };
    let secret = auth::new_secret("s");
    let now = now_ms();
    let expires = now + crate::accounts::SESSION_DAYS * 86_400_000;
    match state.store.sso_sign_in(&who, &secret, now, expires).await {
        Ok(outcome) => {
            tracing::info!(
                user = %outcome.user.id,
                created = outcome.created,
                linked = outcome.linked,
                "signed in through the OpenID provider"
            );
            if let Some((old, _)) =
                crate::security::session_cookie(&headers).and_then(|c| auth::split_secret("s", c))
                && let Err(e) = state.store.delete_session(old).await
            {
                tracing::warn!(error = %e, "ending the previous session failed");
            }
            let mut res = crate::accounts::signed_in(&state, &secret, &attempt.next);
            res.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_static(
                    "trellis_sso=; Path=/auth/sso; HttpOnly; SameSite=Lax; Max-Age=0",
                ),
            );
            res
        }
        Err(store::StoreError::Refused(why)) => sign_in_failed(StatusCode::FORBIDDEN, why, chrome),
        Err(e) => crate::error::AppError::from(e).into_response(),
    }
}

/// How people sign in and sign up here (the sign-in and sign-up pages).
pub async fn sign_in_options(
    c: &crate::service::AppContext,
) -> Result<app::api::SignInWays, crate::error::AppError> {
    let settings = c.store.instance_settings().await?;
    Ok(app::api::SignInWays {
        sso: c.sso.clone(),
        passwords: c.sso.is_none() || !settings.sso_only,
        invite_only: settings.invite_only,
    })
}

/// The routes of single sign-on.
pub fn routes() -> Vec<(
    axum::http::Method,
    String,
    axum::routing::MethodRouter<AppState>,
)> {
    use axum::routing::get;
    vec![
        (axum::http::Method::GET, "/auth/sso".to_owned(), get(start)),
        (
            axum::http::Method::GET,
            "/auth/sso/callback".to_owned(),
            get(callback),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_groups_mapping_reads_lines_and_names_what_is_wrong() {
        let rules =
            parse_groups("platform = Platform team:editor\n# a comment\n; ops=Ops: a:b:owner")
                .unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].team, "Platform team");
        assert_eq!(rules[0].role, Role::Editor);
        assert_eq!(rules[1].team, "Ops: a:b");
        assert_eq!(rules[1].role, Role::Owner);
        assert!(
            parse_groups("x = Team:admin")
                .unwrap_err()
                .contains("admin")
        );
        assert!(parse_groups("x Team:viewer").is_err());
        assert!(parse_groups("x = Team").is_err());
    }

    #[test]
    fn a_groups_claim_is_a_list_or_one_name() {
        assert_eq!(
            group_names(Some(&serde_json::json!(["a", 1, "b"]))),
            ["a", "b"]
        );
        assert_eq!(group_names(Some(&serde_json::json!("a"))), ["a"]);
        assert!(group_names(None).is_empty());
    }
}
