//! The round trip: every starter Trellis generates, read back by the infrastructure-code import,
//! gives the answers it was generated from, for the questions a template can express — every
//! Lambda pattern × runtime from case 05 (a Python 3-tier API at 512 MB on arm64, traced, logs
//! kept, canary deployments), plus the containers starters for the questions they express.
//! CDK starters are the same stack synthesized; `scripts/scaffold/check` imports their synthesized
//! templates the same way.

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
