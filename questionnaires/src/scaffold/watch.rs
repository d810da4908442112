//! What the starter watches and when it rolls back: the error-rate alarm that gates each canary
//! (its threshold and how many one-minute datapoints must breach), the p99 duration alarm's
//! threshold, and whether a CloudWatch dashboard is built. Each is a [`Control`] with the answers
//! it came from, so the README says why a release was rolled back at 5 % and not at one error.

use serde::{Deserialize, Serialize};

use super::reader::{Reader, control};
use super::{Control, Pattern};

/// The error-rate alarm on each function's `live` alias, which CodeDeploy watches during a
/// deployment: errors as a percentage of invocations, breaching when `datapoints` of the last
/// `periods` one-minute values are above `threshold_pct`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRate {
    /// The error rate, in percent, above which a minute counts as breaching.
    pub threshold_pct: u32,
    /// Breaching minutes needed to alarm.
    pub datapoints: u32,
    /// Minutes looked at.
    pub periods: u32,
}

/// The alarms' thresholds and the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Watch {
    /// The error-rate alarm.
    pub error_rate: ErrorRate,
    /// The p99 duration alarm's threshold, in milliseconds.
    pub duration_alarm_ms: u32,
    /// Whether the starter has a CloudWatch dashboard (the review answered `dashboards`).
    pub dashboard: bool,
}

/// Decides the thresholds and adds their controls.
pub(super) fn watch(
    r: &Reader<'_>,
    pattern: Pattern,
    timeout_s: u32,
    controls: &mut Vec<Control>,
) -> Watch {
    let error_rate = ErrorRate {
        threshold_pct: 5,
        datapoints: 3,
        periods: 5,
    };
    controls.push(control(
        "error_rate_alarm",
        "Error-rate alarm (rolls a deployment back)",
        format!(
            "100 × Errors ÷ Invocations on the live alias above {} % in {} of {} one-minute periods; no traffic counts as healthy",
            error_rate.threshold_pct, error_rate.datapoints, error_rate.periods
        ),
        if r.is("alarms", "errors") {
            "As the review alarms, on a rate rather than a count, on the alias that takes traffic. 5 % and not 1 %: a canary carries a tenth of the traffic, where 1 % is a handful of requests, and three breaching minutes of five rule out one transient error.".to_owned()
        } else {
            "A rate on the alias that takes traffic, not a count on every version: one transient error, or one from the version being replaced, does not roll a canary back; a steady 5 % does within minutes.".to_owned()
        },
        r.origins(&["alarms"]),
    ));

    // The duration alarm warns before timeouts; a synchronous API also has the caller's target.
    let near_timeout_ms = timeout_s.saturating_mul(800);
    let target_ms = r
        .number("latency_target_ms")
        .filter(|_| pattern.synchronous() || pattern.has_api())
        .filter(|t| *t >= 1.0)
        .map(|t| t.ceil() as u32);
    let (duration_alarm_ms, why, from) = match target_ms {
        Some(t) if t < near_timeout_ms => (
            t,
            format!(
                "The review's p99 latency target of {t} ms: the function alone spending it leaves the caller nothing."
            ),
            vec!["latency_target_ms", "p99_duration_ms"],
        ),
        _ => (
            near_timeout_ms,
            format!(
                "80 % of the {timeout_s} s timeout: above it, timeouts are next{}.",
                if target_ms.is_some() {
                    " (the latency target is looser than that)"
                } else {
                    ""
                }
            ),
            vec!["p99_duration_ms", "latency_target_ms"],
        ),
    };
    controls.push(control(
        "duration_alarm",
        "Duration alarm",
        format!("p99 Duration on the live alias above {duration_alarm_ms} ms over 5 minutes"),
        why,
        r.origins(&from),
    ));

    let dashboard = r.answered("dashboards");
    if dashboard {
        controls.push(control(
            "dashboard",
            "Dashboard",
            "AWS::CloudWatch::Dashboard: invocations, error rate and p99 duration per function on the live alias, the pattern's backlog, and every alarm's state".to_owned(),
            if r.is("dashboards", "journeys") {
                "As the review does: one screen for this journey, next to the others.".to_owned()
            } else {
                "The review has no dashboard for this journey: the starter brings one, so an incident does not start with building it.".to_owned()
            },
            r.origins(&["dashboards"]),
        ));
    }
    Watch {
        error_rate,
        duration_alarm_ms,
        dashboard,
    }
}
