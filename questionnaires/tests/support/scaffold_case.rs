// A scaffold test's review: a case from `tests/cases/` with some answers replaced or removed,
// its plan for a pattern, and a control's setting and origins. Shared by the scaffold tests
// through `#[path]`: no inner attributes or doc comments here.

use questionnaires::model::{ChoiceId, QuestionId};
use questionnaires::scaffold::{Choice, Control, Iac, Pattern, Plan, Runtime, plan};
use questionnaires::{
    Answer, AnswerValue, AnswersFile, Format, builtin, evaluate, parse_answers_file,
};

/// The case `name` (a file stem in `tests/cases/`), with `changes` answered and `removed` unanswered.
pub fn case(name: &str, changes: &[(&str, AnswerValue)], removed: &[&str]) -> AnswersFile {
    let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the case exists");
    let mut a = parse_answers_file(&text, Format::Toml, builtin()).expect("the case parses");
    for (q, v) in changes {
        a.answers.insert(
            QuestionId::parse(q).expect("a question id"),
            Answer::new(v.clone()),
        );
    }
    for q in removed {
        a.answers
            .remove(&QuestionId::parse(q).expect("a question id"));
    }
    a
}

/// The plan of a review for `pattern` (none: the review's default), in TypeScript on SAM.
pub fn plan_for(a: &AnswersFile, pattern: Option<Pattern>) -> Plan {
    let q = builtin();
    let e = evaluate(q, &a.answers);
    let choice = Choice {
        pattern,
        runtime: Runtime::Typescript,
        iac: Iac::Sam,
    };
    plan(q, &a.workload, &a.answers, &e, choice).expect("a plan")
}

/// One choice, as an answer.
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
pub fn from(p: &Plan, id: &str) -> Vec<String> {
    control(p, id)
        .from
        .iter()
        .map(|o| o.question.clone())
        .collect()
}
