//! Answers files, TOML and JSON, read against the built-in questionnaire: parsing never panics,
//! and neither does evaluating whatever parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use questionnaires::{Format, builtin, evaluate, parse_answers_file};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let q = builtin();
    for format in [Format::Toml, Format::Json] {
        match parse_answers_file(&text, format, q) {
            Ok(file) => {
                let evaluation = evaluate(q, &file.answers);
                assert_eq!(
                    evaluation.questions.len(),
                    q.questions.len(),
                    "one result per question"
                );
            }
            Err(errors) => assert!(!errors.is_empty(), "an error result names its problems"),
        }
    }
});
