//! The iac crate's tests, in one binary: one module per concern.

#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

mod findings;
mod hostile;
mod mapping;
mod node;
mod projects;
mod source;
mod starters;
mod template;

use serde_json::Value;

/// One named document.
pub fn doc(name: &str, text: &str) -> iac::Input {
    iac::Input::Document {
        name: name.to_owned(),
        text: text.to_owned(),
        explicit: true,
    }
}

/// Imports one YAML (or JSON) template.
pub fn import(text: &str) -> iac::Import {
    iac::import(&[doc("t.yaml", text)], "Test").unwrap()
}

/// The answer to `q`.
pub fn answer(i: &iac::Import, q: &str) -> Option<Value> {
    i.answers.get(q).cloned()
}

/// The lines of the evidence behind `q`'s answer.
pub fn lines(i: &iac::Import, q: &str) -> Vec<usize> {
    i.evidence
        .iter()
        .filter(|e| e.question == q && e.value.is_some())
        .map(|e| e.line)
        .collect()
}

/// The line marked `# <-` in a template (1-based), if any.
pub fn marked(text: &str) -> Option<usize> {
    text.lines().position(|l| l.contains("# <-")).map(|i| i + 1)
}

/// Imports `text` and checks that `q` is answered `expected`, with evidence on the marked line.
pub fn check(text: &str, q: &str, expected: Value) {
    let i = import(text);
    assert_eq!(
        answer(&i, q),
        Some(expected),
        "{q}: evidence {:#?}",
        i.evidence
    );
    if let Some(line) = marked(text) {
        assert!(
            lines(&i, q).contains(&line),
            "{q}: no evidence on line {line}: {:#?}",
            i.evidence
        );
    }
}

/// Imports `text` and checks that `q` is answered `expected` (evidence lines not checked: the
/// template's marker is for another question).
pub fn check_value(text: &str, q: &str, expected: Value) {
    let i = import(text);
    assert_eq!(
        answer(&i, q),
        Some(expected),
        "{q}: evidence {:#?}",
        i.evidence
    );
}

/// Imports `text` and checks that `q` stays unanswered.
pub fn open(text: &str, q: &str) {
    let i = import(text);
    assert_eq!(
        answer(&i, q),
        None,
        "{q} should stay open: {:#?}",
        i.evidence
    );
}
