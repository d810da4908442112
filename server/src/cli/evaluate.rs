//! `trellis evaluate FILE`: offline evaluation of an answers file, for people and for CI.

use std::path::Path;
use std::process::ExitCode;

use questionnaires::checks::CheckStatus;
use questionnaires::{Evaluation, Format, Risk, evaluate, parse_answers_file};
use serde::Serialize;

use super::{FailOn, OutputFormat};

/// Exit code for bad input.
const BAD_INPUT: u8 = 2;
/// Exit code for a reached `--fail-on` threshold.
const THRESHOLD: u8 = 1;

/// The JSON output: the workload and the evaluation, side by side.
#[derive(Serialize)]
struct Output<'a> {
    workload: &'a questionnaires::Workload,
    #[serde(flatten)]
    evaluation: &'a Evaluation,
}

pub(super) fn run(path: &Path, format: OutputFormat, fail_on: Option<FailOn>) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return ExitCode::from(BAD_INPUT);
        }
    };
    let file_format = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
        _ => Format::Toml,
    };
    let q = questionnaires::builtin();
    let file = match parse_answers_file(&text, file_format, q) {
        Ok(f) => f,
        Err(errors) => {
            eprintln!("error: {} has {} problem(s):", path.display(), errors.len());
            for e in errors {
                eprintln!("  {e}");
            }
            return ExitCode::from(BAD_INPUT);
        }
    };
    let evaluation = evaluate(q, &file.answers);
    let out = match format {
        OutputFormat::Json => serde_json::to_string_pretty(&Output {
            workload: &file.workload,
            evaluation: &evaluation,
        })
        .map_err(|e| e.to_string()),
        OutputFormat::Md => {
            crate::report::markdown(q, &file.workload, &evaluation).map_err(|e| e.to_string())
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
    ExitCode::SUCCESS
}

/// Whether the evaluation has a finding at or above the threshold.
fn reached(e: &Evaluation, threshold: FailOn) -> bool {
    let (risk, check) = match threshold {
        FailOn::High => (Risk::High, CheckStatus::Fail),
        FailOn::Medium => (Risk::Medium, CheckStatus::Warn),
    };
    e.risks.iter().any(|r| r.level >= risk) || e.checks.iter().any(|c| c.status >= check)
}
