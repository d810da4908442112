//! The shipped content loads with zero errors and meets the content bar; broken content is
//! reported in full, each error with its file and id.

use questionnaires::builtin::{SOURCES, load_builtin};
use questionnaires::load;
use questionnaires::model::PatternKind;

#[test]
fn shipped_content_loads_without_errors() {
    if let Err(e) = load_builtin() {
        panic!("{e}");
    }
}

#[test]
fn shipped_content_meets_the_content_bar() {
    let q = load_builtin().unwrap();
    let ids: Vec<&str> = q.areas.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "workload_fit",
            "state",
            "reliability",
            "security",
            "observability",
            "cost",
            "delivery"
        ]
    );
    assert!(q.questions.len() >= 45, "{} questions", q.questions.len());
    assert!(q.patterns.len() >= 12, "{} patterns", q.patterns.len());
    assert!(q.patterns.iter().any(|p| p.kind == PatternKind::Containers));
    for area in &q.areas {
        assert!(
            area.questions.len() >= 5,
            "area {} has {} questions",
            area.id,
            area.questions.len()
        );
    }
    for p in &q.patterns {
        assert!(
            !p.signals.is_empty() && !p.anti_signals.is_empty(),
            "{} needs signals both ways",
            p.id
        );
        assert!(
            !p.failure_modes.is_empty() && !p.controls.is_empty() && !p.limits.is_empty(),
            "{} is incomplete",
            p.id
        );
        assert!(
            p.diagram.nodes.len() >= 2 && !p.diagram.edges.is_empty(),
            "{} has no diagram",
            p.id
        );
    }
    // Every checklist item in the seed articles has a home in an area.
    assert!(
        q.checklist.len() >= 20,
        "{} checklist items",
        q.checklist.len()
    );
    for area in &q.areas {
        assert!(
            q.checklist.iter().any(|i| q.areas[i.area].id == area.id),
            "no checklist item in {}",
            area.id
        );
    }
}

#[test]
fn every_number_input_the_checks_read_is_mapped() {
    let q = load_builtin().unwrap();
    for n in questionnaires::model::NumberInput::ALL {
        assert!(
            q.inputs.numbers.contains_key(n),
            "input {} is not mapped",
            n.as_str()
        );
    }
    for c in questionnaires::model::ConditionInput::ALL {
        assert!(
            q.inputs.conditions.contains_key(c),
            "input {} is not mapped",
            c.as_str()
        );
    }
    assert!(!q.runtimes.is_empty());
}

/// A raised risk always says how to get out of it: no rule that raises one can fire with an
/// empty "How to improve" (see `questionnaires::coverage` for how this is decided without answers).
#[test]
fn every_risk_that_can_fire_has_a_way_out() {
    let q = load_builtin().unwrap();
    let gaps = questionnaires::coverage::gaps(&q);
    let lines: Vec<String> = gaps.iter().map(ToString::to_string).collect();
    assert!(
        gaps.is_empty(),
        "{} risk rule(s) can fire with nothing under \"How to improve\":\n{}",
        gaps.len(),
        lines.join("\n")
    );
}

#[test]
fn content_hash_changes_with_any_file() {
    let q = load_builtin().unwrap();
    let mut changed: Vec<(&str, String)> =
        SOURCES.iter().map(|(n, t)| (*n, t.to_string())).collect();
    changed[0].1.push_str("\n# edited\n");
    let borrowed: Vec<(&str, &str)> = changed.iter().map(|(n, t)| (*n, t.as_str())).collect();
    assert_ne!(load::load(&borrowed).unwrap().content_hash, q.content_hash);
    assert_eq!(q.content_hash.len(), 64);
}

/// Files under `tests/broken/`: a small questionnaire with many mistakes in several files.
fn broken() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "questionnaire.toml",
            include_str!("broken/questionnaire.toml"),
        ),
        ("areas/one.toml", include_str!("broken/one.toml")),
        ("areas/two.toml", include_str!("broken/two.toml")),
        ("patterns.toml", include_str!("broken/patterns.toml")),
        ("checklist.toml", include_str!("broken/checklist.toml")),
    ]
}

#[test]
fn broken_content_reports_every_error_with_file_and_id() {
    let errors = load::load(&broken()).unwrap_err().0;
    let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    let has = |file: &str, id: &str, text: &str| {
        assert!(
            errors
                .iter()
                .any(|e| e.file == file && e.id.as_deref() == Some(id) && e.message.contains(text)),
            "missing `{file}: {id}: …{text}…` in:\n{}",
            lines.join("\n")
        );
    };
    has(
        "areas/one.toml",
        "question shape",
        "the last risk rule must be `when = \"default\"`",
    );
    has(
        "areas/one.toml",
        "question shape risk_rules[0]",
        "unknown choice `bursty`",
    );
    has(
        "areas/one.toml",
        "question rps",
        "weight 9 is outside 1 ..= 5",
    );
    has("areas/two.toml", "question shape", "duplicate question id");
    has(
        "areas/two.toml",
        "question follow applies_when",
        "unknown question `nowhere`",
    );
    has(
        "areas/two.toml",
        "question early applies_when",
        "only depend on questions that come before",
    );
    has(
        "areas/two.toml",
        "question early choice a",
        "duplicate choice id",
    );
    has(
        "patterns.toml",
        "pattern p1",
        "control `missing_item` is not a checklist item",
    );
    has("patterns.toml", "pattern p1 signals[0]", "calc.nope");
    has(
        "patterns.toml",
        "pattern p1 signals[1]",
        "weight 11 is outside 1 ..= 10",
    );
    has("checklist.toml", "item i1", "unknown area `nowhere`");
    has(
        "checklist.toml",
        "item i1 done_when",
        "cannot read the condition",
    );
    assert!(errors.len() >= 12, "{} errors", errors.len());
}

#[test]
fn unknown_keys_are_rejected_not_ignored() {
    let mut files = broken();
    files[1] = (
        "areas/one.toml",
        "id = \"one\"\ntitle = \"One\"\ncolour = \"red\"\n",
    );
    let errors = load::load(&files).unwrap_err().0;
    assert!(
        errors
            .iter()
            .any(|e| e.file == "areas/one.toml" && e.message.contains("colour")),
        "{errors:?}"
    );
}
