//! The containers starters' plans: the default starter of a containers review is a containers
//! starter with no caution, the shape (service, queue worker, schedule) follows the answers, and
//! task sizes, task counts and the queue's timeouts follow the numbers the answers give.

use questionnaires::model::ChoiceId;
use questionnaires::scaffold::{Choice, Iac, Pattern, Plan, Runtime, Shape, default_pattern, plan};
use questionnaires::{
    Answer, AnswerValue, AnswersFile, Format, builtin, evaluate, parse_answers_file,
};

fn scenario(name: &str) -> AnswersFile {
    let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the case exists");
    parse_answers_file(&text, Format::Toml, builtin()).expect("the case parses")
}

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

fn choices(ids: &[&str]) -> AnswerValue {
    AnswerValue::Choices(
        ids.iter()
            .map(|c| ChoiceId::parse(c).expect("a choice id"))
            .collect(),
    )
}

fn setting<'a>(p: &'a Plan, id: &str) -> &'a str {
    &p.controls
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no control {id}"))
        .setting
}

#[test]
fn containers_reviews_default_to_a_containers_starter_with_no_caution() {
    for (case, pattern, shape) in [
        ("06_steady_pricing_api", Pattern::Containers, Shape::Service),
        (
            "13_tile_render_long_jobs",
            Pattern::QueueWorker,
            Shape::Worker,
        ),
        (
            "24_nightly_video_transcode",
            Pattern::QueueWorker,
            Shape::Worker,
        ),
    ] {
        let a = scenario(case);
        let e = evaluate(builtin(), &a.answers);
        assert_eq!(default_pattern(&e), Some(pattern), "{case}");
        let p = plan_with(&a, None);
        assert_eq!(p.pattern, pattern, "{case}");
        assert_eq!(p.caution, None, "{case}");
        let c = p.container.as_ref().expect("container settings");
        assert_eq!(c.shape, shape, "{case}");
        // Nothing function-shaped is planned for containers.
        assert!(p.handlers.is_empty(), "{case}");
        for id in ["memory", "timeout", "reserved_concurrency", "tracing"] {
            assert!(p.controls.iter().all(|c| c.id != id), "{case}: {id}");
        }
    }
}

#[test]
fn a_serverless_review_warns_on_a_containers_starter() {
    // Case 01: bursty CRUD, serverless fits.
    let p = plan_with(&scenario("01_bursty_crud_api"), Some(Pattern::Containers));
    let c = p.caution.expect("a caution");
    assert!(c.advice.contains("serverless fits"), "{}", c.advice);
}

#[test]
fn the_service_is_sized_like_the_cost_model_and_scales_from_the_peak() {
    // Case 06: 2,500 requests/s at peak, 1,500 on average, 45 ms each, steady around the clock.
    let p = plan_with(&scenario("06_steady_pricing_api"), None);
    let c = p.container.as_ref().unwrap();
    assert_eq!((c.cpu, c.memory_mb), (1024, 2048));
    assert_eq!(c.architecture, "ARM64");
    // ⌈1,500 × 0.045 / 50⌉ = 2 always; the peak needs ⌈2,500 × 0.045 / 50⌉ = 3, doubled.
    assert_eq!((c.min_tasks, c.max_tasks), (2, 6));
    let web = c.web.as_ref().unwrap();
    assert_eq!(web.health_path, "/healthz");
    // 70% of 50 in flight ÷ 45 ms, per minute.
    assert_eq!(web.requests_per_target, 46_667);
    assert!(c.table, "the review names DynamoDB");
    assert!(c.queue.is_none() && c.schedule.is_none());
    assert!(setting(&p, "scaling").contains("MaxCapacity: 6"));

    // A higher peak means more tasks; a slower request fewer requests per task.
    let busier = with(
        "06_steady_pricing_api",
        &[
            ("peak_rps", AnswerValue::Number(10_000.0)),
            ("avg_duration_ms", AnswerValue::Number(90.0)),
        ],
    );
    let q = plan_with(&busier, None);
    let d = q.container.as_ref().unwrap();
    assert_eq!(d.max_tasks, 2 * 18);
    assert_eq!(d.web.as_ref().unwrap().requests_per_target, 23_334);
    assert_ne!(setting(&p, "scaling"), setting(&q, "scaling"));

    // No DynamoDB in the answers, no table.
    let no_table = with(
        "06_steady_pricing_api",
        &[("data_store", choices(&["relational"]))],
    );
    assert!(!plan_with(&no_table, None).container.unwrap().table);
}

#[test]
fn the_worker_follows_the_jobs_length_size_and_cap() {
    // Case 13: 20-minute renders of 6 GB, at most 20 at once, business hours, from a queue.
    let p = plan_with(&scenario("13_tile_render_long_jobs"), None);
    let c = p.container.as_ref().unwrap();
    assert_eq!((c.cpu, c.memory_mb), (2048, 6144));
    assert_eq!((c.min_tasks, c.max_tasks), (0, 20));
    assert_eq!(c.stop_timeout_s, 120);
    assert!(c.schedule.is_none());
    let q = c.queue.as_ref().expect("a queue");
    assert!(q.visibility_timeout_s > 20 * 60);
    assert_eq!(q.visibility_timeout_s, 1_800);
    assert_eq!(q.scale_out_steps, vec![(0, 1), (5, 5), (20, 10)]);
    assert!(
        p.idempotency.is_some(),
        "duplicates annoy: job ids are recorded"
    );
    assert!(setting(&p, "visibility_timeout").contains("1800"));

    // Longer, bigger jobs: a longer visibility timeout and a bigger task.
    let bigger = with(
        "13_tile_render_long_jobs",
        &[
            ("job_duration_min", AnswerValue::Number(90.0)),
            ("memory_mb", AnswerValue::Number(30_000.0)),
            ("traffic_shape", choices(&["steady_24x7"])),
        ],
    );
    let b = plan_with(&bigger, None);
    let d = b.container.as_ref().unwrap();
    assert_eq!(d.queue.as_ref().unwrap().visibility_timeout_s, 8_100);
    assert_eq!((d.cpu, d.memory_mb), (8192, 32768));
    assert_eq!(
        d.min_tasks, 1,
        "jobs around the clock keep one task waiting"
    );
    assert_ne!(setting(&p, "task_size"), setting(&b, "task_size"));
}

#[test]
fn a_schedule_in_the_answers_adds_a_scheduled_run() {
    // Case 24: nightly transcodes, from a schedule and a queue, with a secret.
    let p = plan_with(&scenario("24_nightly_video_transcode"), None);
    let c = p.container.as_ref().unwrap();
    assert!(c.schedule.is_some() && c.queue.is_some());
    assert!(p.secret);
    assert!(p.alarms.iter().any(|a| a.id == "schedule_failed"));

    // Only a schedule: no queue, no queue alarms.
    let scheduled = with(
        "24_nightly_video_transcode",
        &[("entry_point", choices(&["schedule"]))],
    );
    let s = plan_with(&scheduled, Some(Pattern::QueueWorker));
    let c = s.container.as_ref().unwrap();
    assert!(c.schedule.is_some() && c.queue.is_none());
    assert!(s.alarms.iter().all(|a| a.id != "dlq"));

    // Only a queue: no schedule.
    let queued = with(
        "24_nightly_video_transcode",
        &[("entry_point", choices(&["queue"]))],
    );
    let c = plan_with(&queued, Some(Pattern::QueueWorker))
        .container
        .unwrap();
    assert!(c.schedule.is_none() && c.queue.is_some());
}
