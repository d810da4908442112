//! The round trip: every starter Trellis generates, read back by the infrastructure-code import,
//! gives the answers it was generated from, for the questions a template can express — every
//! Lambda pattern × runtime from case 05 (a Python 3-tier API at 512 MB on arm64, traced, logs
//! kept, canary deployments), plus every containers starter from the cases that recommend one,
//! for the questions its CloudFormation expresses. CDK starters are the same stack synthesized:
//! `scripts/scaffold/check` imports each synthesized template and compares it with the SAM
//! starter's import (its `round-trip` step).

use questionnaires::scaffold::{Pattern, Runtime};
use serde_json::{Value, json};

const CASE: &str = "05_travel_booking_approval";

/// The questions every Lambda starter's template expresses, as case 05 answers them.
const EXPRESSED: &[(&str, &str)] = &[
    ("architecture", "\"arm64\""),
    ("memory_mb", "512"),
    ("tracing", "\"xray\""),
    ("log_retention", "\"set_everywhere\""),
    ("deploy_strategy", "\"canary_with_alarms\""),
];

fn runtime_answer(r: Runtime) -> &'static str {
    match r {
        Runtime::Python => "python",
        Runtime::Typescript => "nodejs",
        Runtime::Rust => "rust",
    }
}

fn import(files: &[server::scaffold::File], template: &str) -> iac::Import {
    let text = super::scaffold::text(files, template);
    let input = iac::Input::Document {
        name: template.to_owned(),
        text: text.to_owned(),
        explicit: true,
    };
    iac::import(&[input], "Round trip").unwrap_or_else(|e| panic!("{template}: {e}"))
}

#[test]
fn every_lambda_starter_imports_back_to_the_answers_it_was_generated_from() {
    let mut failures = Vec::new();
    for pattern in Pattern::ALL {
        if pattern.containers() {
            continue;
        }
        for runtime in Runtime::ALL {
            let (_, files) = super::scaffold::render_case(CASE, pattern, runtime);
            let i = import(&files, "template.yaml");
            let label = format!("{}/{runtime:?}", pattern.as_str());
            let mut expected: Vec<(&str, Value)> = EXPRESSED
                .iter()
                .map(|(q, v)| (*q, serde_json::from_str(v).unwrap()))
                .collect();
            expected.push(("runtime", json!(runtime_answer(runtime))));
            for (q, want) in expected {
                let got = i.answers.get(q);
                if got != Some(&want) {
                    failures.push(format!(
                        "{label}: {q} imported {got:?}, generated from {want}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_entry_points_a_starter_wires_are_the_ones_the_import_finds() {
    // Case 05 names an HTTP API: a starter either wires it (and the import finds it) or says
    // in its README which starter does (and the import does not find it).
    for pattern in Pattern::ALL {
        if pattern.containers() {
            continue;
        }
        let (plan, files) = super::scaffold::render_case(CASE, pattern, Runtime::Python);
        let i = import(&files, "template.yaml");
        let found: Vec<&str> = i
            .answers
            .get("entry_point")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert!(!plan.entry_points.is_empty(), "{pattern:?}");
        for e in &plan.entry_points {
            assert_eq!(
                found.contains(&e.id.as_str()),
                e.wired,
                "{}: entry point {} wired {}, import found {found:?}",
                pattern.as_str(),
                e.id,
                e.wired
            );
        }
    }
}

/// A case's own answer to `q`, as the import writes answers (plain JSON).
fn case_answer(case: &str, q: &str) -> Option<Value> {
    let text = std::fs::read_to_string(super::scaffold::case(case)).unwrap();
    let file: toml::Table = toml::from_str(&text).unwrap();
    let v = file.get("answers")?.get(q)?;
    // `{ not_applicable = "…" }` and other tables are not values a template states.
    (!v.is_table()).then(|| serde_json::to_value(v).unwrap())
}

#[test]
fn every_containers_starter_imports_back_to_what_it_was_generated_from() {
    // The cases whose verdict is containers (06: a steady HTTP API; 13: 20-minute renders; 24: a
    // scheduled and queued transcoder), in every runtime.
    let mut failures = Vec::new();
    for (case, pattern) in [
        ("06_steady_pricing_api", Pattern::Containers),
        ("13_tile_render_long_jobs", Pattern::QueueWorker),
        ("24_nightly_video_transcode", Pattern::QueueWorker),
    ] {
        for runtime in Runtime::ALL {
            let (plan, files) = super::scaffold::render_case(case, pattern, runtime);
            let i = import(&files, "template.yaml");
            let label = format!("{case}/{}/{runtime:?}", pattern.as_str());
            let got = |q: &str| i.answers.get(q).cloned();
            let mut expected = vec![("log_retention", case_answer(case, "log_retention"))];
            let table = case_answer(case, "data_store")
                .is_some_and(|v| v.as_array().unwrap().contains(&json!("dynamodb")));
            if table {
                // The starter's table starts on demand whatever the review plans (its README
                // says when to switch), with point-in-time recovery.
                expected.push(("dynamodb_capacity_mode", Some(json!("on_demand"))));
                let backups = got("backups").unwrap_or_default();
                if !backups
                    .as_array()
                    .is_some_and(|b| b.contains(&json!("pitr")))
                {
                    failures.push(format!("{label}: backups imported {backups}, without pitr"));
                }
            }
            if pattern == Pattern::QueueWorker {
                expected.push(("messaging", case_answer(case, "messaging")));
                expected.push(("sqs_queue_type", case_answer(case, "sqs_queue_type")));
                let paths = got("failure_paths").unwrap_or_default();
                if !paths
                    .as_array()
                    .is_some_and(|p| p.contains(&json!("dlq_everywhere")))
                {
                    failures.push(format!(
                        "{label}: failure_paths imported {paths}, without dlq_everywhere"
                    ));
                }
            }
            for (q, want) in expected {
                if got(q) != want {
                    failures.push(format!(
                        "{label}: {q} imported {:?}, generated from {want:?}",
                        got(q)
                    ));
                }
            }
            // Entry points: the import reads API Gateway, Lambda sources and schedules, not a
            // load balancer or a task polling a queue (those stay unanswered rather than
            // guessed), so it finds the schedule exactly when the starter has one.
            let found = got("entry_point");
            let schedule = plan.container.as_ref().unwrap().schedule.is_some();
            let want = schedule.then(|| json!(["schedule"]));
            if found != want {
                failures.push(format!(
                    "{label}: entry_point imported {found:?}, the starter wires {want:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
