//! A scaffold plan from one of `tests/cases/`, with some answers replaced or removed, and the
//! controls' settings and origins: shared by the plan tests of the starters.

use questionnaires::model::{ChoiceId, QuestionId};
use questionnaires::scaffold::{Choice, Control, Iac, Pattern, Plan, Runtime, plan};
use questionnaires::{Answer, AnswerValue, Format, builtin, evaluate, parse_answers_file};

/// The plan of `pattern` (TypeScript, SAM) for the case `name`, with `changes` applied and the
/// answers in `removed` taken out.
pub fn case_plan(
    name: &str,
    pattern: Pattern,
    changes: &[(&str, AnswerValue)],
    removed: &[&str],
) -> Plan {
    let q = builtin();
    let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the case exists");
    let mut a = parse_answers_file(&text, Format::Toml, q).expect("the case parses");
    for (id, v) in changes {
        a.answers.insert(
            QuestionId::parse(id).expect("a question id"),
            Answer::new(v.clone()),
        );
    }
    for id in removed {
        a.answers
            .remove(&QuestionId::parse(id).expect("a question id"));
    }
    let e = evaluate(q, &a.answers);
    let choice = Choice {
        pattern: Some(pattern),
        runtime: Runtime::Typescript,
        iac: Iac::Sam,
    };
    plan(q, &a.workload, &a.answers, &e, choice).expect("a plan")
}

/// One choice as an answer.
pub fn one(choice: &str) -> AnswerValue {
    AnswerValue::Choices(vec![ChoiceId::parse(choice).expect("a choice id")])
}

/// The control `id` of a plan.
pub fn control<'a>(p: &'a Plan, id: &str) -> &'a Control {
    p.controls
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no control {id}"))
}

/// The questions the control `id` came from.
pub fn origins(p: &Plan, id: &str) -> Vec<String> {
    control(p, id)
        .from
        .iter()
        .map(|o| o.question.clone())
        .collect()
}
