//! Lens JSON: linting never panics; a lens the linter finds no errors in imports; an imported
//! lens exports to JSON that lints clean and imports again to the same export.
#![no_main]

use libfuzzer_sys::fuzz_target;
use questionnaires::lens::{self, Severity};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let findings = lens::lint(&text);
    let lint_errors = findings.iter().any(|f| f.severity == Severity::Error);
    let imported = match lens::import(&text, "fuzz-lens", "1") {
        Ok(imported) => imported,
        Err(errors) => {
            assert!(
                lint_errors,
                "import refused a lens the linter finds no error in: {errors:#?}"
            );
            assert!(
                errors.iter().any(|f| f.severity == Severity::Error),
                "import refused a lens without saying why: {errors:#?}"
            );
            return;
        }
    };
    assert!(
        !lint_errors,
        "import accepted a lens the linter rejects: {findings:#?}"
    );

    let first = lens::export(&imported.questionnaire);
    let exported = serde_json::to_string_pretty(&first.json).expect("JSON values serialize");
    let relint: Vec<_> = lens::lint(&exported)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(
        relint.is_empty(),
        "an export lints with errors: {relint:#?}\n{exported}"
    );
    let again = match lens::import(&exported, "fuzz-lens", "1") {
        Ok(again) => again,
        Err(errors) => panic!("an export does not import again: {errors:#?}\n{exported}"),
    };
    let second = lens::export(&again.questionnaire);
    assert_eq!(
        first.json, second.json,
        "export(import(export(q))) differs from export(q)"
    );
    assert_eq!(
        again.questionnaire.content_hash, imported.questionnaire.content_hash,
        "re-importing an export changes the content hash"
    );
});
