//! Autosaves at once, as the review pages of many browsers send them: each is answered with the
//! version it stored and each is stored, to one review and to many. On SQLite the saves that
//! wait for the writer thread commit together, so some group holds more than one.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::client::{Client, TestApp};

/// The questions written, each with its area: numbers and a free text.
const FIELDS: [(&str, &str); 7] = [
    ("workload_fit", "peak_rps"),
    ("workload_fit", "latency_target_ms"),
    ("workload_fit", "workload_boundary"),
    ("cost", "avg_rps"),
    ("cost", "monthly_requests"),
    ("cost", "avg_duration_ms"),
    ("reliability", "p99_duration_ms"),
];

/// The value round `round` writes to `question`, as the form posts it.
fn value(question: &str, round: i64) -> String {
    if question == "workload_boundary" {
        format!("round {round}")
    } else {
        format!("{}", 100 + round)
    }
}

/// One autosave of `question` at `version` (`None`: no answer yet): the version it stored.
async fn autosave(
    c: Client,
    id: String,
    area: &'static str,
    question: &'static str,
    round: i64,
    version: Option<i64>,
) -> i64 {
    let version = version.map(|v| v.to_string()).unwrap_or_default();
    let form = serde_urlencoded::to_string([
        (format!("q.{question}"), value(question, round)),
        (format!("v.{question}"), version),
    ])
    .unwrap();
    let r = c
        .call(
            "/api/autosave",
            &[("id", id.as_str()), ("area", area), ("form", form.as_str())],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(got["conflicts"], Value::Bool(false), "{}", r.body);
    let versions: BTreeMap<String, Option<i64>> =
        serde_json::from_value::<Vec<(String, Option<i64>)>>(got["versions"].clone())
            .unwrap()
            .into_iter()
            .collect();
    versions[question].unwrap()
}

#[tokio::test]
async fn autosaves_at_once_to_one_review_and_to_many_are_each_answered_and_stored() {
    let app = TestApp::new().await;
    let c = app.user("Ana").await;
    let shared = c.create("Shared").await;
    let mut others = Vec::new();
    for n in 0..8 {
        others.push(c.create(&format!("Other {n}")).await);
    }
    let mut writes: Vec<(String, &str, &str)> = FIELDS
        .iter()
        .map(|&(area, q)| (shared.clone(), area, q))
        .collect();
    writes.extend(
        others
            .iter()
            .map(|id| (id.clone(), "workload_fit", "peak_rps")),
    );
    // Until some group held more than one save (the first round, as a rule), and at least twice.
    for round in 1..=10 {
        let saves = writes.iter().map(|(id, area, q)| {
            let version = (round > 1).then_some(round - 1);
            autosave(c.clone(), id.clone(), area, q, round, version)
        });
        for version in futures_util::future::join_all(saves).await {
            assert_eq!(version, round, "each save is the next version");
        }
        for (id, _, q) in &writes {
            let stored = app.store.answers(id).await.unwrap();
            let a = stored.iter().find(|a| a.question_id == *q).unwrap();
            assert_eq!(a.version, round, "{id} {q}");
            let stored_value = match &a.answer.value {
                questionnaires::AnswerValue::Number(x) => format!("{x}"),
                questionnaires::AnswerValue::Text(t) => t.clone(),
                other => panic!("{other:?}"),
            };
            assert_eq!(stored_value, value(q, round), "{id} {q}");
        }
        let grouped = app.store.writer_stats().is_none_or(|s| s.largest_group > 1);
        if round >= 2 && grouped {
            return;
        }
    }
    panic!(
        "no two saves committed together: {:?}",
        app.store.writer_stats()
    );
}
