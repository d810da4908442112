//! What `template.yaml` needs to render the circuit breaker (`patterns/circuit_breaker.yaml`
//! and `circuit_breaker.function.yaml`): the breaker's settings, whether a queue or the HTTP API
//! calls the function, and the log metric filters that count the breaker's changes.

use questionnaires::scaffold::{Breaker, Caller};

use super::SamTemplate;

/// The settings of a plan without a breaker: never rendered (the templates read them only for
/// the circuit breaker, whose plan always has them; see `Parts::of`).
static NO_BREAKER: Breaker = Breaker {
    caller: Caller::Api,
    call_timeout_ms: 0,
    failure_threshold: 0,
    failure_window_s: 0,
    open_s: 0,
    trial_lease_s: 0,
    ride_out_s: 0,
    max_receive_count: 0,
    batch_size: 0,
};

impl SamTemplate<'_> {
    /// The breaker's settings.
    pub(super) fn breaker(&self) -> &Breaker {
        self.plan.breaker.as_ref().unwrap_or(&NO_BREAKER)
    }

    /// Whether a queue, rather than the HTTP API, calls the function.
    pub(super) fn breaker_queue(&self) -> bool {
        self.breaker().caller == Caller::Queue
    }

    /// How long queued messages ride out an outage, as words.
    pub(super) fn breaker_ride_out(&self) -> String {
        match self.breaker().ride_out_s {
            s if s >= 3_600 && s % 3_600 == 0 => format!("{} h", s / 3_600),
            s => format!("{} min", s.div_ceil(60)),
        }
    }

    /// The `breaker_event` values the handlers log, with the metric each becomes
    /// (`Breaker<name>`): the breaker opened, a call was turned away, a trial closed it.
    pub(super) fn breaker_metrics(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("opened", "Opened"),
            ("rejected", "Rejected"),
            ("closed", "Closed"),
        ]
    }
}

impl super::Readme<'_> {
    /// Whether the HTTP API, rather than a queue, calls the function.
    pub(super) fn breaker_api(&self) -> bool {
        self.plan
            .breaker
            .as_ref()
            .is_some_and(|b| b.caller == Caller::Api)
    }

    /// The queue's visibility timeout, in seconds: how long a message turned away waits.
    pub(super) fn visibility_timeout(&self) -> u32 {
        self.plan
            .queue
            .as_ref()
            .map_or(0, |q| q.visibility_timeout_s)
    }
}
