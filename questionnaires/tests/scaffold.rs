//! The scaffold plan on real scenarios: an answer that changes a control changes its setting, an
//! answer that does not need a control leaves it out, and every setting names answers that exist.

use questionnaires::model::ChoiceId;
use questionnaires::scaffold::{Auth, Choice, Iac, Pattern, Plan, PlanError, Runtime, plan};
use questionnaires::{
    Answer, AnswerValue, AnswersFile, Format, builtin, evaluate, parse_answers_file,
};

fn scenario(name: &str) -> AnswersFile {
    let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the case exists");
    parse_answers_file(&text, Format::Toml, builtin()).expect("the case parses")
}

fn choose(pattern: Pattern, runtime: Runtime) -> Choice {
    Choice {
        pattern: Some(pattern),
        runtime,
        iac: Iac::Sam,
    }
}

fn plan_of(a: &AnswersFile, pattern: Pattern) -> Plan {
    plan_with(a, Some(pattern))
}

/// The Python starter of a review on `pattern`; `None`: the one `scaffold` without `--pattern`
/// makes.
fn plan_with(a: &AnswersFile, pattern: Option<Pattern>) -> Plan {
    let q = builtin();
    let e = evaluate(q, &a.answers);
    let choice = Choice {
        pattern,
        runtime: Runtime::Python,
        iac: Iac::Sam,
    };
    plan(q, &a.workload, &a.answers, &e, choice).expect("a plan")
}

/// The scenario with some answers replaced.
fn with(name: &str, changes: &[(&str, AnswerValue)]) -> AnswersFile {
    let mut a = scenario(name);
    for (q, v) in changes {
        a.answers.insert(
            questionnaires::model::QuestionId::parse(q).expect("a question id"),
            Answer::new(v.clone()),
        );
    }
    a
}

fn one(choice: &str) -> AnswerValue {
    AnswerValue::Choices(vec![ChoiceId::parse(choice).expect("a choice id")])
}

fn control<'a>(p: &'a Plan, id: &str) -> &'a questionnaires::scaffold::Control {
    p.controls
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no control {id}"))
}

#[test]
fn idempotency_follows_how_much_a_duplicate_hurts() {
    let costly = plan_of(
        &with("full_answers", &[("duplicate_sensitivity", one("costly"))]),
        Pattern::Fanout,
    );
    assert_eq!(costly.idempotency.as_ref().map(|i| i.ttl_s), Some(86_400));
    assert_eq!(
        costly.failure.as_ref().map(|f| f.max_receive_count),
        Some(3)
    );
    let annoying = plan_of(
        &with(
            "full_answers",
            &[("duplicate_sensitivity", one("annoying"))],
        ),
        Pattern::Fanout,
    );
    assert_eq!(annoying.idempotency.as_ref().map(|i| i.ttl_s), Some(3_600));
    let harmless = plan_of(
        &with(
            "full_answers",
            &[
                ("duplicate_sensitivity", one("harmless")),
                ("idempotency", one("natural_idempotent")),
            ],
        ),
        Pattern::Fanout,
    );
    assert_eq!(
        harmless.idempotency, None,
        "harmless duplicates need no store"
    );
    assert_eq!(control(&harmless, "idempotency").setting, "None");
    let from = &control(&costly, "idempotency").from;
    assert!(
        from.iter()
            .any(|o| o.question == "duplicate_sensitivity" && o.answer.contains("double charges")),
        "{from:?}"
    );
}

#[test]
fn timeouts_come_from_the_stated_durations() {
    let fast = plan_of(
        &with(
            "full_answers",
            &[("p99_duration_ms", AnswerValue::Number(2_000.0))],
        ),
        Pattern::Fanout,
    );
    assert_eq!(fast.function.timeout_s, 6);
    assert_eq!(
        fast.queue.as_ref().map(|q| q.visibility_timeout_s),
        Some(36)
    );
    let slow = with(
        "full_answers",
        &[("p99_duration_ms", AnswerValue::Number(20_000.0))],
    );
    assert_eq!(plan_of(&slow, Pattern::Fanout).function.timeout_s, 60);
    // A synchronous API stops waiting at 30 s, so its function never runs longer than 29.
    assert_eq!(plan_of(&slow, Pattern::Api).function.timeout_s, 29);
    let tiny = with(
        "full_answers",
        &[("p99_duration_ms", AnswerValue::Number(10.0))],
    );
    assert_eq!(plan_of(&tiny, Pattern::Api).function.timeout_s, 3);
    assert!(
        control(&fast, "timeout")
            .from
            .iter()
            .any(|o| o.question == "p99_duration_ms" && o.answer.starts_with("2000"))
    );
}

#[test]
fn concurrency_limits_come_from_the_concurrency_check() {
    let a = with(
        "full_answers",
        &[
            ("peak_rps", AnswerValue::Number(400.0)),
            ("avg_duration_ms", AnswerValue::Number(250.0)),
            ("reserved_concurrency", AnswerValue::Number(0.0)),
            (
                "downstream_protection",
                AnswerValue::Choices(vec![ChoiceId::parse("reserved_concurrency").unwrap()]),
            ),
        ],
    );
    let p = plan_of(&a, Pattern::Webhook);
    assert_eq!(p.function.peak_concurrency, Some(100));
    assert_eq!(p.function.reserved_concurrency, Some(120));
    assert_eq!(p.queue.as_ref().map(|q| q.max_concurrency), Some(100));
    assert_eq!(p.api.as_ref().map(|x| x.throttle_rate), Some(600));

    let stated = with(
        "full_answers",
        &[("reserved_concurrency", AnswerValue::Number(50.0))],
    );
    assert_eq!(
        plan_of(&stated, Pattern::Fanout)
            .function
            .reserved_concurrency,
        Some(50)
    );

    let unprotected = with(
        "full_answers",
        &[
            ("reserved_concurrency", AnswerValue::Number(0.0)),
            ("downstream_protection", one("none")),
        ],
    );
    let p = plan_of(&unprotected, Pattern::Fanout);
    assert_eq!(p.function.reserved_concurrency, None);
    assert!(
        control(&p, "reserved_concurrency")
            .setting
            .contains("not set")
    );
}

#[test]
fn compensation_only_when_the_process_must_undo_steps() {
    let with_comp = plan_of(
        &with(
            "full_answers",
            &[("multi_step_process", one("approval_or_compensation"))],
        ),
        Pattern::Workflow,
    );
    assert_eq!(
        with_comp.workflow.as_ref().map(|w| w.compensation),
        Some(true)
    );
    assert!(with_comp.handlers.iter().any(|h| h.name == "compensate"));
    let without = plan_of(
        &with(
            "full_answers",
            &[("multi_step_process", one("simple_chain"))],
        ),
        Pattern::Workflow,
    );
    assert_eq!(
        without.workflow.as_ref().map(|w| w.compensation),
        Some(false)
    );
    assert!(!without.handlers.iter().any(|h| h.name == "compensate"));
    let w = with_comp.workflow.as_ref().unwrap();
    assert!(w.backoff_rate >= 1.0);
    assert!(w.task_timeout_s > with_comp.function.timeout_s);
    assert!(w.timeout_s >= w.task_timeout_s);
}

#[test]
fn express_workflows_stay_within_five_minutes() {
    let p = plan_of(
        &with(
            "full_answers",
            &[
                ("workflow_type", one("express")),
                ("workflow_duration_min", AnswerValue::Number(2.0)),
            ],
        ),
        Pattern::Workflow,
    );
    let w = p.workflow.as_ref().unwrap();
    assert_eq!(w.kind, "EXPRESS");
    assert!(w.timeout_s <= 300, "{w:?}");
    let standard = plan_of(
        &with(
            "full_answers",
            &[
                ("workflow_type", one("standard")),
                ("workflow_duration_min", AnswerValue::Number(90.0)),
            ],
        ),
        Pattern::Workflow,
    );
    assert_eq!(
        standard.workflow.as_ref().map(|w| w.timeout_s),
        Some(10_800)
    );
}

#[test]
fn the_archive_follows_the_replay_answer() {
    let none = plan_of(
        &with("full_answers", &[("event_replay", one("no_replay"))]),
        Pattern::EventBus,
    );
    assert_eq!(none.bus.as_ref().map(|b| b.archive_days), Some(None));
    let window = plan_of(
        &with("full_answers", &[("event_replay", one("replay_window"))]),
        Pattern::EventBus,
    );
    assert_eq!(window.bus.as_ref().map(|b| b.archive_days), Some(Some(7)));
    let all = plan_of(
        &with("full_answers", &[("event_replay", one("full_history"))]),
        Pattern::EventBus,
    );
    assert_eq!(all.bus.as_ref().map(|b| b.archive_days), Some(Some(0)));
}

#[test]
fn keys_auth_and_deployment_follow_their_answers() {
    let cmk = plan_of(
        &with(
            "full_answers",
            &[(
                "encryption",
                AnswerValue::Choices(vec![
                    ChoiceId::parse("at_rest").unwrap(),
                    ChoiceId::parse("customer_keys").unwrap(),
                ]),
            )],
        ),
        Pattern::Api,
    );
    assert!(cmk.customer_key);
    let managed = plan_of(
        &with("full_answers", &[("encryption", one("at_rest"))]),
        Pattern::Api,
    );
    assert!(!managed.customer_key);

    let machines = plan_of(
        &with("full_answers", &[("client_types", one("machine_only"))]),
        Pattern::Api,
    );
    assert_eq!(machines.api.as_ref().map(|a| a.auth), Some(Auth::Iam));
    let people = plan_of(
        &with("full_answers", &[("client_types", one("one_client"))]),
        Pattern::Api,
    );
    assert_eq!(people.api.as_ref().map(|a| a.auth), Some(Auth::Jwt));

    let alias = plan_of(
        &with(
            "full_answers",
            &[("deploy_strategy", one("all_at_once_alias"))],
        ),
        Pattern::Api,
    );
    assert_eq!(alias.deployment, "AllAtOnce");
    let risky = plan_of(
        &with("full_answers", &[("deploy_strategy", one("all_at_once"))]),
        Pattern::Api,
    );
    assert_eq!(risky.deployment, "Canary10Percent5Minutes");
}

#[test]
fn synchronous_apis_have_no_dead_letter_path_and_async_patterns_do() {
    let a = scenario("full_answers");
    let api = plan_of(&a, Pattern::Api);
    assert!(api.failure.is_none());
    assert!(!api.controls.iter().any(|c| c.id == "failure_path"));
    assert!(api.alarms.iter().any(|x| x.id == "api_5xx"));
    assert!(!api.alarms.iter().any(|x| x.id == "dlq"));
    for p in [
        Pattern::S3Events,
        Pattern::Fanout,
        Pattern::EventBus,
        Pattern::Workflow,
        Pattern::Stream,
        Pattern::Webhook,
    ] {
        let plan = plan_of(&a, p);
        assert!(plan.failure.is_some(), "{p:?}");
        assert!(
            plan.controls.iter().any(|c| c.id == "failure_path"),
            "{p:?}"
        );
    }
    let stream = plan_of(&a, Pattern::Stream);
    assert!(stream.alarms.iter().any(|x| x.id == "iterator_age"));
    let wf = plan_of(&a, Pattern::Workflow);
    assert!(wf.alarms.iter().any(|x| x.id == "executions_failed"));
}

#[test]
fn global_ordering_means_one_shard_and_one_batch() {
    let p = plan_of(
        &with("full_answers", &[("ordering", one("global"))]),
        Pattern::Stream,
    );
    let s = p.stream.as_ref().unwrap();
    assert_eq!((s.shards, s.parallelization), (1, 1));
    let keyed = plan_of(
        &with(
            "full_answers",
            &[
                ("ordering", one("per_key")),
                ("peak_rps", AnswerValue::Number(3_500.0)),
                ("async_message_kb", AnswerValue::Number(0.5)),
            ],
        ),
        Pattern::Stream,
    );
    assert_eq!(keyed.stream.as_ref().map(|s| s.shards), Some(4));
}

#[test]
fn the_budget_comes_from_the_cost_estimate() {
    let a = scenario("full_answers");
    let p = plan_of(&a, Pattern::Api);
    let estimate = p
        .estimate_usd
        .expect("the full scenario has a cost estimate");
    assert!(f64::from(p.budget_usd) >= estimate * 1.2, "{p:?}");
    assert!(f64::from(p.budget_usd) <= estimate * 1.2 + 500.0);
    let mut none = scenario("full_answers");
    none.answers
        .retain(|q, _| q.as_str() != "monthly_requests" && q.as_str() != "avg_rps");
    let p = plan_of(&none, Pattern::Api);
    assert_eq!(p.estimate_usd, None);
    assert_eq!(p.budget_usd, 50);
    assert!(control(&p, "budget").why.contains("No cost estimate"));
}

#[test]
fn every_setting_names_questions_that_exist() {
    let q = builtin();
    for case in [
        "full_answers",
        "01_bursty_crud_api",
        "06_steady_pricing_api",
    ] {
        let a = scenario(case);
        for pattern in Pattern::ALL {
            for runtime in Runtime::ALL {
                let e = evaluate(q, &a.answers);
                let p = plan(q, &a.workload, &a.answers, &e, choose(pattern, runtime)).unwrap();
                assert!(!p.controls.is_empty());
                for c in &p.controls {
                    for o in &c.from {
                        assert!(
                            q.question(&o.question).is_some(),
                            "{case} {pattern:?}: control {} cites unknown question {}",
                            c.id,
                            o.question
                        );
                    }
                }
                let mut ids: Vec<&str> = p.controls.iter().map(|c| c.id.as_str()).collect();
                ids.sort_unstable();
                ids.dedup();
                assert_eq!(ids.len(), p.controls.len(), "control ids are unique");
                if runtime == Runtime::Rust {
                    assert_eq!(p.function.architecture, "arm64");
                }
                // The same review always gives the same plan.
                let again = plan(q, &a.workload, &a.answers, &e, choose(pattern, runtime)).unwrap();
                assert_eq!(p, again);
            }
        }
    }
}

#[test]
fn the_default_pattern_is_the_top_recommendation_with_a_starter() {
    let q = builtin();
    let a = scenario("01_bursty_crud_api");
    let e = evaluate(q, &a.answers);
    let p = plan(
        q,
        &a.workload,
        &a.answers,
        &e,
        Choice {
            pattern: None,
            runtime: Runtime::Typescript,
            iac: Iac::Sam,
        },
    )
    .unwrap();
    assert_eq!(p.pattern, Pattern::Api);
    assert!(!p.chosen);
    assert_eq!(p.rank, Some(1));

    let empty = questionnaires::Answers::new();
    let e = evaluate(q, &empty);
    let none = plan(
        q,
        &a.workload,
        &empty,
        &e,
        Choice {
            pattern: None,
            runtime: Runtime::Python,
            iac: Iac::Sam,
        },
    );
    assert_eq!(none, Err(PlanError::NoPattern));
}

#[test]
fn project_names_are_safe_stack_names() {
    use questionnaires::scaffold::project_name;
    assert_eq!(project_name("Loyalty points API"), "loyalty-points-api");
    assert_eq!(project_name("  ../../etc/passwd "), "etc-passwd");
    assert_eq!(project_name("2024 Orders"), "app-2024-orders");
    assert_eq!(project_name("«»"), "starter");
    assert!(project_name(&"x".repeat(500)).len() <= 41);
}

#[test]
fn the_catalogue_marks_exactly_the_patterns_that_have_a_starter() {
    let q = builtin();
    let marked: Vec<&str> = q
        .patterns
        .iter()
        .filter(|p| p.scaffold)
        .map(|p| p.id.as_str())
        .collect();
    let built: Vec<&str> = Pattern::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(
        marked, built,
        "patterns.toml `scaffold = true` and scaffold::Pattern agree"
    );
}

/// The default starter of a review, as `scaffold` without `--pattern` makes it.
fn default_plan(a: &AnswersFile) -> Plan {
    plan_with(a, None)
}

#[test]
fn a_starter_the_verdict_argues_against_says_so_quoting_the_verdict() {
    // Case 13 (20-minute, 6 GB renders) and case 06 (steady load) are container workloads:
    // their serverless starters say so (their defaults are the containers starters).
    for (case, pattern) in [
        ("13_tile_render_long_jobs", Pattern::Workflow),
        ("06_steady_pricing_api", Pattern::Api),
    ] {
        let p = plan_of(&scenario(case), pattern);
        let c = p
            .caution
            .as_ref()
            .unwrap_or_else(|| panic!("{case}: a caution"));
        assert_eq!(c.verdict, "Use containers", "{case}");
        assert!(!c.detail.is_empty(), "{case}");
        assert!(
            c.advice.contains("recommends containers"),
            "{case}: {}",
            c.advice
        );
    }
}

#[test]
fn blockers_are_quoted_and_a_clean_fit_has_no_caution() {
    let q = builtin();
    // Case 09 captures payments with no idempotency: serverless fits, with blockers.
    let a = scenario("09_payment_capture_no_idempotency");
    let e = evaluate(q, &a.answers);
    assert!(!e.verdict.blockers.is_empty());
    let c = default_plan(&a).caution.expect("blockers give a caution");
    assert_eq!(c.verdict, "Fits, with blockers");
    let quoted: Vec<&str> = e
        .verdict
        .blockers
        .iter()
        .map(|b| b.message.as_str())
        .collect();
    assert_eq!(c.blockers, quoted);
    assert!(
        c.advice.contains("before the design can be approved"),
        "{}",
        c.advice
    );
    // Case 01, a bursty CRUD API, fits cleanly: its top pattern's starter has nothing against
    // it, and a pattern its answers give no support to does.
    let a = scenario("01_bursty_crud_api");
    assert_eq!(default_plan(&a).caution, None);
    let kinesis = plan_of(&a, Pattern::Stream);
    let c = kinesis
        .caution
        .expect("an unsupported pattern gives a caution");
    assert_eq!(c.verdict, "Serverless fits");
    assert!(c.advice.contains("no support"), "{}", c.advice);
}

/// The scheduled-jobs plan of case 15 with some answers replaced.
fn scheduled(changes: &[(&str, AnswerValue)]) -> Plan {
    plan_of(
        &with("15_nightly_partner_sync", changes),
        Pattern::ScheduledJobs,
    )
}

#[test]
fn the_schedule_follows_the_stated_cadence() {
    // Unanswered: a nightly cron, spread over 15 minutes, late runs worth starting for a day.
    let p = scheduled(&[]);
    let s = p.schedule.as_ref().expect("a schedule");
    assert_eq!(s.expression, "cron(0 2 * * ? *)");
    assert_eq!(s.timezone, "UTC");
    assert_eq!(
        (
            s.flexible_window_min,
            s.max_event_age_s,
            s.function_max_event_age_s
        ),
        (15, 86_400, 21_600)
    );
    assert!(control(&p, "schedule").why.contains("No cadence given"));

    // Hourly: rate(1 hour), a 15-minute window, a run an hour late is dropped to the queue.
    let p = scheduled(&[("schedule_interval_min", AnswerValue::Number(60.0))]);
    let s = p.schedule.as_ref().unwrap();
    assert_eq!(s.expression, "rate(1 hour)");
    assert_eq!((s.flexible_window_min, s.max_event_age_s), (15, 3_600));
    assert_eq!(s.function_max_event_age_s, 3_600);
    assert!(control(&p, "schedule").setting.contains("rate(1 hour)"));
    let from = &control(&p, "schedule").from;
    assert!(
        from.iter()
            .any(|o| o.question == "schedule_interval_min" && o.answered)
    );

    // Every 10 minutes: a 2-minute window; every 2 minutes: none; twice a day: hours.
    let s = scheduled(&[("schedule_interval_min", AnswerValue::Number(10.0))]).schedule;
    let s = s.unwrap();
    assert_eq!(
        (s.expression.as_str(), s.flexible_window_min),
        ("rate(10 minutes)", 2)
    );
    assert_eq!(s.max_event_age_s, 600);
    let p = scheduled(&[("schedule_interval_min", AnswerValue::Number(2.0))]);
    assert_eq!(p.schedule.as_ref().unwrap().flexible_window_min, 0);
    assert!(
        control(&p, "schedule_window")
            .setting
            .contains("FlexibleTimeWindow: OFF")
    );
    let s = scheduled(&[("schedule_interval_min", AnswerValue::Number(720.0))]).schedule;
    assert_eq!(s.unwrap().expression, "rate(12 hours)");
    let s = scheduled(&[("schedule_interval_min", AnswerValue::Number(2_880.0))]).schedule;
    assert_eq!(s.unwrap().expression, "rate(2 days)");
    // A month (case 12's 43,200 minutes) or a year is a calendar date, not a drifting rate.
    for (minutes, expression) in [
        (43_200.0, "cron(0 2 1 * ? *)"),
        (44_640.0, "cron(0 2 1 * ? *)"),
        (525_600.0, "cron(0 2 1 1 ? *)"),
        (10_080.0, "rate(7 days)"),
    ] {
        let s = scheduled(&[("schedule_interval_min", AnswerValue::Number(minutes))]).schedule;
        assert_eq!(s.unwrap().expression, expression, "{minutes} minutes");
    }

    // Faster than Scheduler can fire: once a minute, and the control says why.
    let p = scheduled(&[("schedule_interval_min", AnswerValue::Number(0.25))]);
    assert_eq!(p.schedule.as_ref().unwrap().expression, "rate(1 minute)");
    assert!(
        control(&p, "schedule")
            .why
            .contains("at most once a minute")
    );
}

#[test]
fn a_scheduled_jobs_timeout_and_overlap_guard_follow_the_longest_run() {
    // Case 15: a 12-minute nightly run gets a quarter more, which is Lambda's ceiling.
    let p = scheduled(&[("p99_duration_ms", AnswerValue::NotApplicable("-".into()))]);
    assert_eq!(p.function.timeout_s, 900);
    assert!(control(&p, "timeout").from[0].question == "job_duration_min");
    let p = scheduled(&[("job_duration_min", AnswerValue::Number(4.0))]);
    assert_eq!(p.function.timeout_s, 300);

    // A run longer than its interval overlaps the next one: the control says the lock skips it.
    let p = scheduled(&[
        ("job_duration_min", AnswerValue::Number(12.0)),
        ("schedule_interval_min", AnswerValue::Number(10.0)),
    ]);
    assert!(
        control(&p, "run_once")
            .why
            .contains("outlast the 10-minute interval")
    );
    // A run past the 15-minute ceiling has to be split.
    let p = scheduled(&[("job_duration_min", AnswerValue::Number(40.0))]);
    assert_eq!(p.function.timeout_s, 900);
    assert!(control(&p, "run_once").why.contains("split it"));
}

#[test]
fn a_scheduled_job_keys_runs_on_the_scheduled_time_whatever_duplicates_cost() {
    for sensitivity in ["harmless", "costly"] {
        let p = scheduled(&[("duplicate_sensitivity", one(sensitivity))]);
        // The runs table does the work of the idempotency table, so there is none.
        assert!(p.idempotency.is_none(), "{sensitivity}");
        assert!(p.handlers.iter().all(|h| !h.idempotent));
        assert!(p.controls.iter().all(|c| c.id != "idempotency"));
        let c = control(&p, "run_once");
        assert!(c.setting.contains("a record per scheduled time"));
        assert!(c.from.iter().any(|o| o.question == "duplicate_sensitivity"));
        // Failed runs are kept and alarmed on, and so are skipped ones.
        let alarms: Vec<&str> = p.alarms.iter().map(|a| a.id.as_str()).collect();
        assert!(alarms.contains(&"dlq") && alarms.contains(&"runs_skipped"));
        assert!(p.failure.is_some());
    }
    // The job's credentials: a secret when the workload has secrets, none when it has none.
    let p = scheduled(&[]);
    assert!(p.schedule.as_ref().unwrap().secret);
    assert!(
        control(&p, "job_secret")
            .why
            .starts_with("As the review does")
    );
    let p = scheduled(&[("secrets_handling", one("env_vars"))]);
    assert!(p.schedule.as_ref().unwrap().secret);
    assert!(
        control(&p, "job_secret")
            .why
            .contains("moves the job's credentials")
    );
    let p = scheduled(&[("secrets_handling", one("no_secrets"))]);
    assert!(!p.schedule.as_ref().unwrap().secret);
    assert_eq!(control(&p, "job_secret").setting, "None");
    // Other patterns are unchanged: costly duplicates still get the idempotency table.
    let p = plan_of(
        &with(
            "15_nightly_partner_sync",
            &[("duplicate_sensitivity", one("costly"))],
        ),
        Pattern::EventBus,
    );
    assert!(p.idempotency.is_some() && p.schedule.is_none());
}
