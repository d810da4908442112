//! The scheduled-jobs pattern's settings: the EventBridge Scheduler schedule (expression, time
//! zone, flexible window, retry policy), how long a late run is still worth starting, and the run
//! ledger that makes each scheduled time run once and keeps two runs from overlapping. Every
//! setting comes with the answers it came from, like the rest of the plan.

use serde::{Deserialize, Serialize};

use super::Control;
use super::reader::{Reader, control};

/// An EventBridge Scheduler schedule that invokes the job function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// The default of the `ScheduleExpression` parameter: `rate(…)` or `cron(…)`.
    pub expression: String,
    /// The expression in words, for the README and comments.
    pub expression_text: String,
    /// The default of the `ScheduleTimezone` parameter (an IANA name).
    pub timezone: String,
    /// The interval between runs, in minutes (the answer, or a day for the default nightly run).
    pub interval_min: u32,
    /// The flexible time window in minutes; 0 turns it off (the run starts on the minute).
    pub flexible_window_min: u32,
    /// Scheduler's retries when it cannot deliver a run to the function (0–185).
    pub retry_attempts: u32,
    /// How late a run may still be delivered by Scheduler, in seconds (60–86,400).
    pub max_event_age_s: u32,
    /// How late a run may still start after Lambda's own retries, in seconds (60–21,600).
    pub function_max_event_age_s: u32,
    /// How long a finished run's record is kept, in seconds: past it, a late duplicate would run.
    pub run_record_ttl_s: u32,
    /// The longest single run the review states, in minutes, if it states one.
    pub job_minutes: Option<f64>,
    /// Whether the job reads its credentials (for the partners and systems it calls) from a
    /// Secrets Manager secret the starter creates.
    pub secret: bool,
}

/// Whole minutes as a Scheduler `rate()` expression, in the largest unit that divides them.
fn rate(minutes: u32) -> (String, String) {
    let (n, unit) = if minutes.is_multiple_of(1440) {
        (minutes / 1440, "day")
    } else if minutes.is_multiple_of(60) {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    let unit = if n == 1 {
        unit.to_owned()
    } else {
        format!("{unit}s")
    };
    (format!("rate({n} {unit})"), format!("every {n} {unit}"))
}

/// A month or a year as a calendar `cron()`: months run 28 to 31 days, so `rate(30 days)` would
/// drift through the month (twelve runs a year become twelve and a bit). An interval from 28 to
/// 31 days is read as monthly, on the 1st at 02:00; 365 or 366 days as yearly, on 1 January.
fn calendar(minutes: u32) -> Option<(String, String)> {
    const DAY: u32 = 1440;
    match minutes {
        m if (28 * DAY..=31 * DAY).contains(&m) => Some((
            "cron(0 2 1 * ? *)".to_owned(),
            "monthly, on the 1st at 02:00".to_owned(),
        )),
        m if (365 * DAY..=366 * DAY).contains(&m) => Some((
            "cron(0 2 1 1 ? *)".to_owned(),
            "yearly, on 1 January at 02:00".to_owned(),
        )),
        _ => None,
    }
}

/// When a schedule fires and how it copes with a late run, from `schedule_interval_min`: the
/// scheduled-jobs pattern reads it, and so does the schedule that starts another pattern's own
/// entry (see `entry.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cadence {
    /// The interval the review states, in minutes, if it states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<f64>,
    /// `rate(…)` from the answer, or a nightly `cron(…)` by default.
    pub expression: String,
    /// The expression in words.
    pub expression_text: String,
    /// The IANA time zone a `cron()` expression is read in.
    pub timezone: String,
    /// Minutes between runs (a day for the nightly default).
    pub interval_min: u32,
    /// A quarter of the interval, at most 15 minutes; 0 turns the window off.
    pub flexible_window_min: u32,
    /// Scheduler's retries of a run it could not deliver.
    pub retry_attempts: u32,
    /// How late Scheduler may still deliver a run: one interval, between 60 s and a day.
    pub max_event_age_s: u32,
}

/// The cadence: the answered interval as a `rate()`, or nightly at 02:00, in UTC.
pub(super) fn cadence(r: &Reader<'_>) -> Cadence {
    let answered = r.number("schedule_interval_min");
    // Scheduler fires at most once a minute; a finer cadence is a risk the review already raises.
    let interval_min = answered.map_or(1440, |m| (m.round().clamp(1.0, 525_600.0)) as u32);
    let (expression, expression_text) = match answered {
        Some(_) => calendar(interval_min).unwrap_or_else(|| rate(interval_min)),
        None => ("cron(0 2 * * ? *)".to_owned(), "daily at 02:00".to_owned()),
    };
    // Spread the start over up to a quarter of the interval (at most 15 minutes), so schedules
    // that share a minute do not all hit a dependency at once; short intervals start on time.
    Cadence {
        answered,
        expression,
        expression_text,
        timezone: "UTC".to_owned(),
        interval_min,
        flexible_window_min: (interval_min / 4).min(15),
        retry_attempts: 3,
        max_event_age_s: interval_min.saturating_mul(60).clamp(60, 86_400),
    }
}

/// The schedule, from the cadence, the job's length and the function's timeout, with its controls.
pub(super) fn schedule(r: &Reader<'_>, timeout_s: u32) -> (Schedule, Vec<Control>) {
    let c = cadence(r);
    let answered = c.answered;
    let interval_s = c.interval_min.saturating_mul(60);
    let function_max_event_age_s = interval_s.clamp(60, 21_600);
    let run_record_ttl_s = c.max_event_age_s.saturating_mul(2).max(86_400);
    let job_minutes = r.number("job_duration_min");
    let secret = r.answered("secrets_handling") && !r.is("secrets_handling", "no_secrets");
    let s = Schedule {
        expression: c.expression,
        expression_text: c.expression_text,
        timezone: c.timezone,
        interval_min: c.interval_min,
        flexible_window_min: c.flexible_window_min,
        retry_attempts: c.retry_attempts,
        max_event_age_s: c.max_event_age_s,
        function_max_event_age_s,
        run_record_ttl_s,
        job_minutes,
        secret,
    };

    let mut controls = Vec::new();
    controls.push(control(
        "schedule",
        "Schedule",
        format!(
            "ScheduleExpression parameter: {} ({}); ScheduleTimezone parameter: {}",
            s.expression, s.expression_text, s.timezone
        ),
        match answered {
            Some(m) if m < 1.0 => format!(
                "The review needs a run every {m} minutes, but Scheduler fires at most once a minute: the schedule runs every minute, and the finer cadence has to come from inside the job."
            ),
            Some(m) => format!(
                "The most frequent schedule the review names fires every {m} minutes; set the expression per stage without editing the template."
            ),
            None => "No cadence given: a nightly run at 02:00, a parameter to set to the real cadence (rate() or cron(), in the time zone of the ScheduleTimezone parameter).".to_owned(),
        },
        r.origins(&["schedule_interval_min", "entry_point"]),
    ));
    controls.push(control(
        "schedule_window",
        "Flexible time window and retries",
        format!(
            "FlexibleTimeWindow: {}; RetryPolicy: {} attempts, MaximumEventAgeInSeconds: {}; DeadLetterConfig: the failed-runs queue",
            if s.flexible_window_min == 0 {
                "OFF".to_owned()
            } else {
                format!("FLEXIBLE, {} min", s.flexible_window_min)
            },
            s.retry_attempts,
            s.max_event_age_s
        ),
        format!(
            "{} A run Scheduler cannot deliver within one interval ({} s) is no longer worth starting, since the next one is due; it goes to the dead-letter queue instead of vanishing.",
            if s.flexible_window_min == 0 {
                "The interval is too short to spread starts, so each run starts on the minute."
            } else {
                "Starts spread over a quarter of the interval (15 minutes at most), so jobs that share a minute do not hit a dependency together."
            },
            s.max_event_age_s
        ),
        r.origins(&["schedule_interval_min", "failure_paths", "external_dependencies"]),
    ));
    let job_s = job_minutes.map(|m| m * 60.0);
    controls.push(control(
        "run_once",
        "One run per scheduled time, never two at once",
        format!(
            "Runs table: a record per scheduled time (kept {} h) and a lock held until the running invocation's deadline; Lambda retries: MaximumEventAgeInSeconds {}",
            s.run_record_ttl_s / 3600,
            s.function_max_event_age_s
        ),
        match job_s {
            Some(j) if j > f64::from(timeout_s) => format!(
                "The longest run ({} min) is longer than the function's {timeout_s} s timeout: split it into checkpointed runs, or move it to Step Functions or a container task. Meanwhile the lock keeps a cut-off run from overlapping its retry.",
                job_minutes.unwrap_or_default()
            ),
            Some(j) if j >= f64::from(interval_s) => format!(
                "A run ({} min) can outlast the {}-minute interval, so the next one would overlap it: the lock skips a start while the previous run holds it, and the scheduled time is the key that keeps a redelivered run from repeating.",
                job_minutes.unwrap_or_default(),
                s.interval_min
            ),
            _ => "Scheduler delivers at least once, so the scheduled time is the run's key: a redelivered run finds its record and does nothing; a lock keeps a slow run and the next one from overlapping.".to_owned(),
        },
        r.origins(&["job_duration_min", "duplicate_sensitivity", "idempotency"]),
    ));
    controls.push(control(
        "job_secret",
        "The job's credentials",
        if s.secret {
            "JobSecret (Secrets Manager), read by the run function at each run through JOB_SECRET_ARN; never logged".to_owned()
        } else {
            "None".to_owned()
        },
        if !s.secret {
            "The review says the workload uses no secrets (or does not say), so the job gets none; add a secret before it calls anything that needs one.".to_owned()
        } else if r.is("secrets_handling", "secrets_manager") {
            "As the review does: the credentials of the systems the job calls live in Secrets Manager and are read at run time, so a rotation needs no deploy.".to_owned()
        } else {
            "The review keeps secrets in environment variables or code; the starter moves the job's credentials to Secrets Manager, read at run time.".to_owned()
        },
        r.origins(&["secrets_handling", "external_dependencies"]),
    ));
    (s, controls)
}
