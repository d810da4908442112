//! `trellis evaluate FILE`: offline evaluation of an answers file, for people and for CI.

use std::path::Path;
use std::process::ExitCode;

use questionnaires::checks::CheckStatus;
use questionnaires::verdict::VerdictStatus;
use questionnaires::{AnswersFile, Evaluation, Format, Risk, evaluate, parse_answers_file};
use serde::Serialize;

use super::{FailOn, OutputFormat};

/// Exit code for bad input.
pub(super) const BAD_INPUT: u8 = 2;
/// Exit code for a reached `--fail-on` threshold.
pub(super) const THRESHOLD: u8 = 1;

/// The JSON output: the workload and the evaluation, side by side.
#[derive(Serialize)]
struct Output<'a> {
    workload: &'a questionnaires::Workload,
    #[serde(flatten)]
    evaluation: &'a Evaluation,
}

/// Reads and checks an answers file against the built-in questionnaire; on bad input, prints
/// every problem and returns the exit code to stop with.
pub(super) fn read(path: &Path) -> Result<AnswersFile, ExitCode> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", path.display());
        ExitCode::from(BAD_INPUT)
    })?;
    let file_format = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
        _ => Format::Toml,
    };
    parse_answers_file(&text, file_format, questionnaires::builtin()).map_err(|errors| {
        eprintln!("error: {} has {} problem(s):", path.display(), errors.len());
        for e in errors {
            eprintln!("  {e}");
        }
        ExitCode::from(BAD_INPUT)
    })
}

pub(super) fn run(
    path: &Path,
    format: OutputFormat,
    fail_on: Option<FailOn>,
    require_complete: bool,
) -> ExitCode {
    let file = match read(path) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let q = questionnaires::builtin();
    let evaluation = evaluate(q, &file.answers);
    let out = match format {
        OutputFormat::Json => serde_json::to_string_pretty(&Output {
            workload: &file.workload,
            evaluation: &evaluation,
        })
        .map_err(|e| e.to_string()),
        OutputFormat::Md => {
            let doc = crate::report::offline_document(
                q,
                &file,
                &crate::report::export::rfc3339(crate::service::now_ms()),
            );
            crate::report::markdown::report(&doc, None).map_err(|e| e.to_string())
        }
    };
    match out {
        Ok(s) => println!("{s}"),
        Err(e) => {
            eprintln!("error: cannot render the evaluation: {e}");
            return ExitCode::FAILURE;
        }
    }
    if fail_on.is_some_and(|t| reached(&evaluation, t)) {
        return ExitCode::from(THRESHOLD);
    }
    if require_complete && evaluation.verdict.status == VerdictStatus::Incomplete {
        eprintln!("{}", evaluation.verdict.message);
        return ExitCode::from(THRESHOLD);
    }
    ExitCode::SUCCESS
}

/// Whether the evaluation has a finding at or above the threshold.
pub(super) fn reached(e: &Evaluation, threshold: FailOn) -> bool {
    let (risk, check) = match threshold {
        FailOn::High => (Risk::High, CheckStatus::Fail),
        FailOn::Medium => (Risk::Medium, CheckStatus::Warn),
    };
    e.risks.iter().any(|r| r.level >= risk) || e.checks.iter().any(|c| c.status >= check)
}
