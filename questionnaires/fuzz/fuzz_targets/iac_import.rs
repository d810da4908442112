//! The template reader (`iac`): any bytes, as a template or as a zip of templates, never panic;
//! whatever imports is an answers file the answers parser accepts as it is, and every answer
//! has evidence.
#![no_main]

use libfuzzer_sys::fuzz_target;
use questionnaires::{Format, builtin, parse_answers_file};

fuzz_target!(|data: &[u8]| {
    let inputs = if data.starts_with(b"PK") {
        match iac::source::unzip(data, "fuzz.zip") {
            Ok(inputs) => inputs,
            Err(e) => {
                assert!(e.to_string().starts_with("fuzz.zip"), "the error names the zip: {e}");
                return;
            }
        }
    } else {
        vec![iac::Input::Document {
            name: "fuzz.yaml".to_owned(),
            text: String::from_utf8_lossy(data).into_owned(),
            explicit: true,
        }]
    };
    let Ok(import) = iac::import(&inputs, "Fuzz") else {
        return;
    };
    for q in import.answers.keys() {
        assert!(
            import.evidence.iter().any(|e| &e.question == q && e.value.is_some()),
            "{q} answered without evidence"
        );
    }
    let text = serde_json::to_string(&import).expect("an import encodes");
    if let Err(errors) = parse_answers_file(&text, Format::Json, builtin()) {
        panic!("the import is not an answers file: {errors:?}");
    }
});
