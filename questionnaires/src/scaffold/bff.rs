//! The backend-for-frontend starter's plan: one HTTP API and one function per kind of client
//! (web, mobile …), each with its own authorizer audience, throttle and response shape, each
//! calling the shared downstream services at once and answering with what came back when one of
//! them fails. [`plan`] decides the client kinds, how long each downstream call may take (well
//! inside the function's timeout and HTTP API's 30 s integration limit), how much traffic each
//! client's API lets through, the reservation that keeps one client from starving another, and
//! the largest response; each is a [`Control`] with the answers it came from.
//!
//! It replaces the generic `api_throttling`, `api_auth` and `idempotency` controls: throttles
//! and audiences are per client, and a backend for frontend only reads.

use serde::{Deserialize, Serialize};

use super::reader::{Reader, control, quota, replace_controls};
use super::{Api, Auth, Control, Handler};

/// One kind of client and the backend that serves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BffClient {
    /// The client kind in code (`web`, `mobile`): the handler's name.
    pub name: String,
    /// A CloudFormation-safe prefix for its resources (`Web` → `WebHttpApi`, `WebFunction`).
    pub id: String,
    /// How its callers are authorized.
    pub auth: Auth,
    /// The template parameter that holds its JWT audience (`JwtAudience` for the first client,
    /// `<Id>JwtAudience` for the others); empty for IAM.
    pub audience_parameter: String,
    /// Steady-state requests per second its API lets through.
    pub throttle_rate: u32,
    /// Its API's burst limit.
    pub throttle_burst: u32,
    /// How many orders its response lists at most (the shape of its screens).
    pub list_limit: u32,
    /// Whether its response is the compact one (the fields a small screen shows).
    pub compact: bool,
}

/// A shared service every backend calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Downstream {
    /// Its name in code and in the response (`profile`).
    pub name: String,
    /// The template parameter holding its base URL (`ProfileServiceUrl`).
    pub parameter: String,
    /// The functions' environment variable holding it (`PROFILE_SERVICE_URL`).
    pub variable: String,
    /// The request each backend makes, after the base URL: `{user}` is the caller's id,
    /// `{limit}` the client's list limit.
    pub path: String,
}

/// The backends' settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bff {
    /// One backend per kind of client.
    pub clients: Vec<BffClient>,
    /// The shared services, called at once on every request.
    pub downstreams: Vec<Downstream>,
    /// How long one downstream call may take, in milliseconds; then the backend answers
    /// without it.
    pub call_timeout_ms: u32,
    /// How long each API's route waits for its function, in milliseconds (a second over the
    /// function's timeout, within HTTP API's 30 s).
    pub integration_timeout_ms: u32,
    /// The largest response body a backend sends, in bytes; longer lists are cut to fit.
    pub max_response_bytes: u32,
    /// Whether the client kinds are the default (the answers do not name them).
    pub default_clients: bool,
}

fn ceil_u32(x: f64) -> u32 {
    x.ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// A client kind's resource prefix: `web` → `Web`.
fn title(name: &str) -> String {
    let mut c = name.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_ascii_uppercase().to_string() + c.as_str()
    })
}

/// The client kinds the workload names in its description or its boundary (web, mobile,
/// partner systems), in that order; web and mobile when it names fewer than two.
fn client_kinds(r: &Reader, description: &str) -> (Vec<&'static str>, bool) {
    if r.is("client_types", "machine_only") {
        return (vec!["partner"], false);
    }
    if r.is("client_types", "one_client") {
        return (vec!["web"], false);
    }
    let mut text = description.to_ascii_lowercase();
    if let Some(crate::answers::AnswerValue::Text(t)) = r.value("workload_boundary") {
        text.push(' ');
        text.push_str(&t.to_ascii_lowercase());
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let named = |stems: &[&str]| words.iter().any(|w| stems.contains(w));
    let mut kinds = Vec::new();
    if named(&["web", "browser", "website"]) {
        kinds.push("web");
    }
    if named(&["mobile", "ios", "android", "app", "apps"]) {
        kinds.push("mobile");
    }
    if named(&["partner", "partners"]) {
        kinds.push("partner");
    }
    if kinds.len() < 2 {
        (vec!["web", "mobile"], true)
    } else {
        (kinds, false)
    }
}

/// The handlers: one per client kind.
pub(super) fn handlers(b: &Bff) -> Vec<Handler> {
    b.clients
        .iter()
        .map(|c| Handler {
            name: c.name.clone(),
            logical_id: format!("{}Function", c.id),
            purpose: format!(
                "The {} backend: GET /home calls the shared services at once and answers in the {} client's {} shape, partially when one of them fails.",
                c.name,
                c.name,
                if c.compact { "compact" } else { "full" }
            ),
            idempotent: false,
        })
        .collect()
}

/// The backends' plan. `api` is the generic API plan (its rate is 1.5 times the peak);
/// `timeout_s` the functions' timeout. Pushes the backends' controls and replaces the generic
/// `api_auth`, `api_throttling` and `idempotency` controls in `controls`. Returns the plan and
/// the reserved concurrency each function should have in production.
pub(super) fn plan(
    r: &Reader,
    description: &str,
    api: &Api,
    timeout_s: u32,
    reserved_concurrency: Option<u32>,
    controls: &mut Vec<Control>,
) -> (Bff, Option<u32>) {
    let q = r.q;
    let limit_ms = ceil_u32(quota(q, "apigw_http_timeout"));
    let account_rps = ceil_u32(quota(q, "apigw_account_rps"));
    let payload_kb = ceil_u32(quota(q, "lambda_sync_payload"));

    // Client kinds.
    let (kinds, default_clients) = client_kinds(r, description);
    let n = u32::try_from(kinds.len()).unwrap_or(1).max(1);

    // Throttles: the answers give one peak for every client, so each API may carry all of it
    // (1.5 times, as the generic API), while all of them together stay within the account's
    // API Gateway rate in the Region.
    let share = account_rps / n;
    let rate = api.throttle_rate.min(share).max(1);
    let burst = api.throttle_burst.min(share.saturating_mul(2)).max(rate);
    let clients: Vec<BffClient> = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let auth = if *k == "partner" || api.auth == Auth::Iam {
                Auth::Iam
            } else {
                Auth::Jwt
            };
            let id = title(k);
            let audience_parameter = match auth {
                Auth::Jwt if i == 0 => "JwtAudience".to_owned(),
                Auth::Jwt => format!("{id}JwtAudience"),
                _ => String::new(),
            };
            BffClient {
                name: (*k).to_owned(),
                audience_parameter,
                id,
                auth,
                throttle_rate: rate,
                throttle_burst: burst,
                list_limit: if *k == "mobile" { 5 } else { 20 },
                compact: *k == "mobile",
            }
        })
        .collect();
    let downstreams: Vec<Downstream> = [("profile", "Profile"), ("orders", "Orders")]
        .iter()
        .map(|(name, id)| Downstream {
            name: (*name).to_owned(),
            parameter: format!("{id}ServiceUrl"),
            variable: format!("{}_SERVICE_URL", name.to_ascii_uppercase()),
            path: if *name == "profile" {
                "/profiles/{user}".to_owned()
            } else {
                "/orders?customer={user}&limit={limit}".to_owned()
            },
        })
        .collect();
    let client_list = clients
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    controls.push(control(
        "bff_clients",
        "Backends, one per client kind",
        format!(
            "{}: each its own HTTP API, function, throttle and response shape",
            clients
                .iter()
                .map(|c| format!(
                    "{} ({}HttpApi → {}Function, {} shape, up to {} orders)",
                    c.name,
                    c.id,
                    c.id,
                    if c.compact { "compact" } else { "full" },
                    c.list_limit
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        if default_clients {
            format!(
                "The answers do not name the kinds of client, so the starter assumes {client_list}; add a backend per further kind (a TV app, partners) by copying one."
            )
        } else if r.is("client_types", "several_clients") {
            format!(
                "The workload names its clients ({client_list}), and the review says they need different things: each gets a backend shaped for it, released on its own."
            )
        } else {
            format!(
                "The review names one kind of client ({client_list}): one backend. A backend per client pays off once a second kind with other needs arrives."
            )
        },
        r.origins(&["client_types"]),
    ));

    // Authorization per client.
    let auth_setting = clients
        .iter()
        .map(|c| match c.auth {
            Auth::Iam => format!("{}: IAM (SigV4)", c.name),
            _ => format!(
                "{}: JWT authorizer, issuer JwtIssuer, audience {}",
                c.name, c.audience_parameter
            ),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let auth_control = control(
        "api_auth",
        "API authorization, per client",
        auth_setting,
        "Each client's API accepts only tokens issued for that client (its own audience), so a token taken from one app does not open another's backend; machine callers sign with IAM.".to_owned(),
        r.origins(&["edge_auth", "client_types"]),
    );
    let throttling = control(
        "api_throttling",
        "API throttling, per client (rate / burst per second)",
        clients
            .iter()
            .map(|c| format!("{}: {} / {}", c.name, c.throttle_rate, c.throttle_burst))
            .collect::<Vec<_>>()
            .join("; "),
        match r.number("peak_rps") {
            Some(p) if rate < api.throttle_rate => format!(
                "1.5 times the peak of {p} requests per second would pass the account's {account_rps} per second for all APIs together, so each of the {n} APIs takes a {n}th of it. Ask for a higher account quota before relying on more."
            ),
            Some(p) => format!(
                "The answers give one peak ({p} requests per second) for all clients, so each client's API lets 1.5 times it through: a surge from one client is refused at its own API and never reaches the other's function. Set each to its client's own peak once measured."
            ),
            None => format!(
                "No peak given: {rate} per second for each client's API. Set each to its client's own peak."
            ),
        },
        r.origins(&["peak_rps", "burst_requests", "downstream_protection"]),
    );

    // Reserved concurrency: each backend can run only as many at once as its throttle lets in
    // for the time a request takes, so one client's surge cannot take the account's
    // concurrency from the other backends.
    let duration_ms = r
        .number("avg_duration_ms")
        .or_else(|| r.number("p99_duration_ms"))
        .filter(|d| *d > 0.0);
    let answered = r
        .number("reserved_concurrency")
        .map(ceil_u32)
        .filter(|n| *n > 0);
    let reserved = match (answered, duration_ms) {
        (Some(n), _) => Some(n),
        (None, Some(ms)) => Some(ceil_u32(f64::from(rate) * ms / 1000.0 * 1.2).max(5)),
        (None, None) => reserved_concurrency,
    };
    let reservation = control(
        "reserved_concurrency",
        "Reserved concurrency, per backend",
        match reserved {
            Some(n) => format!(
                "ReservedConcurrency: {n} for each backend function (prod stage; 0 elsewhere)"
            ),
            None => "ReservedConcurrency: 0 (not set)".to_owned(),
        },
        match (answered, duration_ms, reserved) {
            (Some(n), _, _) => format!(
                "The reservation the review chose ({n}), for each backend. A parameter set only in prod: a fixed reservation fails to deploy in a new account."
            ),
            (None, Some(ms), Some(n)) => format!(
                "What each client's throttle ({rate} per second) keeps busy at {ms} ms a request, plus 20 %: {n}. One client's surge then cannot take the concurrency the other backends need. Set only in prod: a fixed reservation fails to deploy in a new account."
            ),
            _ => "No duration given, so no reservation is sized; set ReservedConcurrency once one is measured, so one client cannot starve the others.".to_owned(),
        },
        r.origins(&["reserved_concurrency", "peak_rps", "avg_duration_ms", "p99_duration_ms"]),
    );

    // Per-call timeouts: twice the p99, and at least a second less than the function's timeout,
    // so the backend always has time to answer with what it has.
    let timeout_ms = timeout_s.saturating_mul(1000);
    let ceiling = timeout_ms.saturating_sub(1000).max(500);
    let p99 = r.number("p99_duration_ms").filter(|p| *p > 0.0);
    let target = r.number("latency_target_ms").filter(|t| *t > 0.0);
    let (call_timeout_ms, why, from) = match (p99, target) {
        (Some(p), _) => (
            ceil_u32(p * 2.0).clamp(200, ceiling),
            format!(
                "Twice the p99 of {p} ms, and a second inside the function's {timeout_s} s timeout, so a slow service costs its part of the answer, never the whole request."
            ),
            vec!["p99_duration_ms", "timeouts", "latency_target_ms"],
        ),
        (None, Some(t)) => (
            ceil_u32(t).clamp(200, ceiling),
            format!(
                "No p99 given: the {t} ms latency target, a second inside the function's {timeout_s} s timeout. Set it from each service's measured p99."
            ),
            vec!["latency_target_ms", "p99_duration_ms", "timeouts"],
        ),
        (None, None) => (
            3_000.min(ceiling),
            format!(
                "No duration given: 3 s, a second inside the function's {timeout_s} s timeout. Set it from each service's measured p99."
            ),
            vec!["p99_duration_ms", "latency_target_ms", "timeouts"],
        ),
    };
    let integration_timeout_ms = timeout_ms.saturating_add(1000).min(limit_ms);
    controls.push(control(
        "downstream_calls",
        "Downstream calls",
        format!(
            "{} called at once; each call times out after {call_timeout_ms} ms (CALL_TIMEOUT_MS); a failed or late service leaves its part out (partial: true, unavailable: [...]); the correlation id goes along as x-correlation-id; the route waits {integration_timeout_ms} ms for the function (HTTP API allows {} s)",
            downstreams
                .iter()
                .map(|d| format!("{} ({})", d.name, d.parameter))
                .collect::<Vec<_>>()
                .join(" and "),
            limit_ms / 1000
        ),
        why,
        r.origins(&from),
    ));

    // The largest response.
    let cap_kb = payload_kb.min(ceil_u32(
        r.number("sync_payload_kb")
            .filter(|k| *k > 0.0)
            .map_or(f64::from(payload_kb), |k| k * 2.0),
    ));
    let cap_kb = cap_kb.max(1);
    controls.push(control(
        "response_size",
        "Largest response",
        format!("MAX_RESPONSE_BYTES: {} ({cap_kb} KB); longer lists are cut to fit (truncated: true)", cap_kb * 1024),
        match r.number("sync_payload_kb") {
            Some(k) if k * 2.0 < f64::from(payload_kb) => format!(
                "Twice the largest body the review expects ({k} KB), far inside Lambda's {payload_kb} KB for a synchronous response: a service that suddenly returns far more is cut at the backend, not on a phone."
            ),
            Some(k) => format!(
                "The review expects bodies of {k} KB; Lambda answers at most {payload_kb} KB synchronously, so the backend cuts lists to fit it. Move large results to S3 links."
            ),
            None => format!(
                "No body size given: Lambda's {payload_kb} KB synchronous limit; lists are cut to fit it."
            ),
        },
        r.origins(&["sync_payload_kb"]),
    ));

    let idempotency = control(
        "idempotency",
        "Idempotency",
        "None: GET /home reads from the shared services and repeats no side effect".to_owned(),
        "A backend for frontend shapes reads; writes belong to the shared services, which keep their own idempotency keys. Pass the client's Idempotency-Key through if a backend ever forwards a write.".to_owned(),
        r.origins(&["duplicate_sensitivity", "idempotency"]),
    );
    replace_controls(
        controls,
        &[&idempotency, &throttling, &auth_control, &reservation],
    );
    (
        Bff {
            clients,
            downstreams,
            call_timeout_ms,
            integration_timeout_ms,
            max_response_bytes: cap_kb * 1024,
            default_clients,
        },
        reserved,
    )
}
