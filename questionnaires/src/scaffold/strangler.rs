//! The strangler fig starter's plan: an HTTP API facade whose `$default` route proxies every
//! request to the legacy system and whose migrated routes call new functions. [`plan`] decides
//! how long the facade waits for the legacy system (within HTTP API's 30 s integration limit),
//! how much traffic each route lets through, which route has moved and how it moves back, and
//! what the access logs and alarms watch; each is a [`Control`] with the answers it came from.
//!
//! It replaces the generic `idempotency` and `api_throttling` controls: the migrated route reads,
//! and throttling is set per route rather than once for the API.

use serde::{Deserialize, Serialize};

use super::reader::{Reader, control, quota, replace_controls};
use super::{Api, Control};

/// A route that has moved from the legacy system to a new function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MigratedRoute {
    /// A CloudFormation-safe name for the route's resources, such as `GetItem`
    /// (`GetItemRoute`, `GetItemIntegration`, the `GetItemTarget` parameter).
    pub id: String,
    /// The HTTP method, such as `GET`.
    pub method: String,
    /// The path, such as `/items/{id}`.
    pub path: String,
    /// The handler that serves it (a name in `Plan::handlers`).
    pub handler: String,
    /// Steady-state requests per second the route lets through.
    pub throttle_rate: u32,
    /// The route's burst limit.
    pub throttle_burst: u32,
}

impl MigratedRoute {
    /// The route key API Gateway knows it by: `GET /items/{id}`.
    pub fn route_key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The deploy workflow's variable that sets the route's target: `GET_ITEM_TARGET`.
    pub fn target_variable(&self) -> String {
        let mut var = String::new();
        for c in self.id.chars() {
            if c.is_ascii_uppercase() && !var.is_empty() {
                var.push('_');
            }
            var.push(c.to_ascii_uppercase());
        }
        var + "_TARGET"
    }
}

/// The facade's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Strangler {
    /// How long the `$default` route waits for the legacy system, in milliseconds (50 to 30,000).
    pub legacy_timeout_ms: u32,
    /// Steady-state requests per second the legacy route lets through.
    pub legacy_throttle_rate: u32,
    /// The legacy route's burst limit.
    pub legacy_throttle_burst: u32,
    /// How long a migrated route waits for its function, in milliseconds (a second over the
    /// function's timeout, so the function's own error is the one seen).
    pub function_timeout_ms: u32,
    /// The legacy route's p99 latency (from the access log) above which an alarm fires, in milliseconds.
    pub legacy_latency_alarm_ms: u32,
    /// The routes that have moved, each with a parameter that sends it back to the legacy system.
    pub routes: Vec<MigratedRoute>,
}

fn ceil_u32(x: f64) -> u32 {
    x.ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// The facade's plan. `api` is the generic API plan (its rate is 1.5 times the peak);
/// `timeout_s` the functions' timeout. Pushes the facade's controls and replaces the generic
/// `idempotency` and `api_throttling` controls in `controls`.
pub(super) fn plan(
    r: &Reader,
    api: &Api,
    timeout_s: u32,
    reserved_concurrency: Option<u32>,
    controls: &mut Vec<Control>,
) -> Strangler {
    let q = r.q;
    let limit_ms = ceil_u32(quota(q, "apigw_http_timeout"));
    let limit_s = limit_ms / 1000;

    // How long the facade waits for the legacy system.
    let p99 = r.number("p99_duration_ms").filter(|p| *p > 0.0);
    let target = r.number("latency_target_ms").filter(|t| *t > 0.0);
    let (legacy_timeout_ms, why, from) = match (p99, target) {
        (Some(p), _) => (
            ceil_u32(p * 3.0).clamp(1_000, limit_ms),
            format!(
                "Three times the p99 of {p} ms, at least 1 s and within HTTP API's {limit_s} s integration limit (not raisable): a legacy call slower than that is answered 504 instead of holding the caller."
            ),
            vec!["p99_duration_ms", "external_dependencies", "timeouts"],
        ),
        (None, Some(t)) => (
            ceil_u32(t * 3.0).clamp(1_000, limit_ms),
            format!(
                "No p99 given: three times the {t} ms latency target, within HTTP API's {limit_s} s integration limit. Set it from the legacy system's measured p99."
            ),
            vec!["latency_target_ms", "p99_duration_ms"],
        ),
        (None, None) => (
            10_000,
            format!(
                "No duration given: 10 s, a third of HTTP API's {limit_s} s integration limit. Set it from the legacy system's measured p99."
            ),
            vec!["p99_duration_ms", "latency_target_ms"],
        ),
    };
    controls.push(control(
        "legacy_route",
        "Legacy route",
        format!(
            "$default → HTTP_PROXY to LegacyBaseUrl, path and query passed through; TimeoutInMillis: {legacy_timeout_ms}"
        ),
        why,
        r.origins(&from),
    ));

    // Per-route throttling: the legacy system is sized for today's peak, the new function for
    // 1.5 times it (and no more than its reserved concurrency can serve).
    let peak = r.number("peak_rps").filter(|p| *p > 0.0);
    let legacy_throttle_rate = peak.map_or(api.throttle_rate, |p| ceil_u32(p).max(1));
    let legacy_throttle_burst = legacy_throttle_rate;
    let avg_ms = r.number("avg_duration_ms").filter(|a| *a > 0.0);
    let capacity = match (reserved_concurrency, avg_ms) {
        (Some(n), Some(ms)) => Some(ceil_u32(f64::from(n) * 1000.0 / ms).max(1)),
        _ => None,
    };
    let (route_rate, route_burst) = match capacity {
        Some(c) if c < api.throttle_rate => (c, c),
        Some(c) => (api.throttle_rate, api.throttle_burst.min(c)),
        None => (api.throttle_rate, api.throttle_burst),
    };
    let routes = vec![MigratedRoute {
        id: "GetItem".to_owned(),
        method: "GET".to_owned(),
        path: "/items/{id}".to_owned(),
        handler: "migrated".to_owned(),
        throttle_rate: route_rate,
        throttle_burst: route_burst,
    }];
    let route_list = routes
        .iter()
        .map(|m| m.route_key())
        .collect::<Vec<_>>()
        .join(", ");
    controls.push(control(
        "migrated_routes",
        "Migrated routes",
        format!(
            "{} → a new function's live alias; each route's {} parameter (new | legacy) sends it back to the legacy system",
            route_list,
            routes
                .iter()
                .map(|m| format!("{}Target", m.id))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        if r.is("migration_path", "incremental_routing") {
            "As the review plans: one slice at a time behind the facade, each reversible by a parameter change and a deploy, with no code change. The first slice is a read, the safest to move; the README shows how to add the next.".to_owned()
        } else if r.is("migration_path", "big_bang") {
            "The review plans one cut-over; the facade lets each route move, and move back, on its own, so a wrong step costs one route and not the whole system.".to_owned()
        } else {
            "Each route moves on its own and moves back with a parameter change; the first slice is a read, the safest to move.".to_owned()
        },
        r.origins(&["migration_path", "rollback_plan"]),
    ));
    let route_throttles = routes
        .iter()
        .map(|m| {
            format!(
                "{}: {} / {}",
                m.route_key(),
                m.throttle_rate,
                m.throttle_burst
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let throttling = control(
        "api_throttling",
        "Per-route throttling (rate / burst per second)",
        format!(
            "$default (legacy): {legacy_throttle_rate} / {legacy_throttle_burst}; {route_throttles}"
        ),
        format!(
            "{} {}",
            match peak {
                Some(p) => format!(
                    "The legacy system carries today's peak of {p} requests per second and nothing sizes it for more, so its route lets that much through with no burst above it; as routes move its share only falls."
                ),
                None => format!(
                    "No peak given: the legacy route lets {legacy_throttle_rate} per second through; set it to what the legacy system can take."
                ),
            },
            match capacity {
                Some(c) if c < api.throttle_rate => format!(
                    "A migrated route is held to the {c} per second its reserved concurrency can serve at the average duration."
                ),
                Some(c) => format!(
                    "A migrated route takes 1.5 times the peak, within the {c} per second its reserved concurrency can serve."
                ),
                None if peak.is_some() => {
                    "A migrated route takes 1.5 times the peak, so a surge is refused at the edge."
                        .to_owned()
                }
                None => "A migrated route takes the API's default of 100 per second.".to_owned(),
            }
        ),
        r.origins(&[
            "peak_rps",
            "downstream_protection",
            "reserved_concurrency",
            "avg_duration_ms",
        ]),
    );
    controls.push(control(
        "access_logs",
        "Access logs",
        "One JSON line per request: route, status, the integration's status, error and latency, and the whole response latency".to_owned(),
        if r.is("structured_logging", "json_correlation") {
            "As the review logs: JSON with the request id, which the facade also passes to the legacy system (x-facade-request-id), so a slow legacy answer shows as integration latency on its route.".to_owned()
        } else {
            "The integration latency per route shows whether the legacy system or a new function is slow; the request id is passed to the legacy system (x-facade-request-id) to join its logs.".to_owned()
        },
        r.origins(&["structured_logging", "log_retention"]),
    ));
    let function_timeout_ms = timeout_s
        .saturating_mul(1000)
        .saturating_add(1000)
        .min(limit_ms);
    let legacy_latency_alarm_ms = legacy_timeout_ms / 5 * 4;
    controls.push(control(
        "legacy_alarms",
        "Legacy path alarms",
        format!(
            "5XX rate on $default and on the migrated routes, each its own alarm, counted from the access log; p99 latency on $default above {legacy_latency_alarm_ms} ms"
        ),
        "The legacy system fails on its own schedule: its 5XX rate (timeouts answered 504 included) and its latency (80 % of the facade's timeout, before callers get 504s) alarm apart from the new routes, so a page says which side broke.".to_owned(),
        r.origins(&["alarms", "external_dependencies"]),
    ));

    let idempotency = control(
        "idempotency",
        "Idempotency",
        "None on the migrated route: GET reads and repeats no side effect".to_owned(),
        if r.is("duplicate_sensitivity", "costly") || r.is("duplicate_sensitivity", "annoying") {
            "Duplicates hurt, per the review, but the first slice reads. Writes stay on the legacy system and its own duplicate handling; a write route that moves takes an Idempotency-Key as the API starter's POST /items does (see the README).".to_owned()
        } else {
            "The first slice reads; a write route that moves takes an Idempotency-Key (see the README).".to_owned()
        },
        r.origins(&["duplicate_sensitivity", "idempotency"]),
    );
    replace_controls(controls, &[&idempotency, &throttling]);
    Strangler {
        legacy_timeout_ms,
        legacy_throttle_rate,
        legacy_throttle_burst,
        function_timeout_ms,
        legacy_latency_alarm_ms,
        routes,
    }
}
