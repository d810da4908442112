//! Milestone diffs on real scenarios: a snapshot against itself is empty, and the risks that
//! appear or are resolved are exactly the set differences of the two evaluations.

use std::collections::BTreeSet;

use questionnaires::diff::{Side, diff};
use questionnaires::{Format, builtin, evaluate, parse_answers_file};

fn scenario(name: &str) -> questionnaires::AnswersFile {
    let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the case exists");
    parse_answers_file(&text, Format::Toml, builtin()).expect("the case parses")
}

#[test]
fn a_snapshot_against_itself_changes_nothing() {
    let q = builtin();
    let a = scenario("full_answers");
    let e = evaluate(q, &a.answers);
    let side = Side {
        answers: &a.answers,
        evaluation: &e,
    };
    let d = diff(q, side, side);
    assert!(d.is_empty(), "{d:#?}");
    assert!(d.scores.iter().all(|s| s.delta().is_none_or(|x| x == 0.0)));
    assert_eq!(d.scores.len(), q.areas.len() + 1);
}

#[test]
fn risks_appear_and_resolve_as_the_evaluations_say() {
    let q = builtin();
    let (a, b) = (
        scenario("01_bursty_crud_api"),
        scenario("02_s3_invoice_ingest"),
    );
    let (ea, eb) = (evaluate(q, &a.answers), evaluate(q, &b.answers));
    let d = diff(
        q,
        Side {
            answers: &a.answers,
            evaluation: &ea,
        },
        Side {
            answers: &b.answers,
            evaluation: &eb,
        },
    );
    let risky = |e: &questionnaires::Evaluation| -> BTreeSet<String> {
        e.risks
            .iter()
            .filter(|r| r.level != questionnaires::Risk::None)
            .map(|r| r.question.to_string())
            .collect()
    };
    let (ra, rb) = (risky(&ea), risky(&eb));
    let appeared: BTreeSet<String> = d.appeared.iter().map(|r| r.question.clone()).collect();
    let resolved: BTreeSet<String> = d.resolved.iter().map(|r| r.question.clone()).collect();
    assert_eq!(appeared, rb.difference(&ra).cloned().collect());
    assert_eq!(resolved, ra.difference(&rb).cloned().collect());
    assert!(
        !d.answers.is_empty(),
        "two different workloads answer differently"
    );
    let overall = &d.scores[0];
    assert_eq!(
        (overall.before, overall.after),
        (ea.scores.overall, eb.scores.overall)
    );
    // Every changed answer really differs.
    for c in &d.answers {
        assert_ne!(c.before, c.after, "{}", c.question);
    }
}
