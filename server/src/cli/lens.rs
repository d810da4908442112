//! `trellis lens lint FILE` and `trellis lens export`: check an AWS Well-Architected custom lens
//! before importing it, and write any questionnaire as lens JSON. Both offline.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use questionnaires::lens::{self, Finding, Severity};

use super::evaluate::BAD_INPUT;

/// Exit code when the lens has errors.
const HAS_ERRORS: u8 = 1;

/// Output of `lens lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    /// One line per finding: `severity question: message [code] at pointer`.
    Text,
    /// The findings as a JSON array.
    Json,
}

/// Lints a lens file; exits 1 when it has errors, 2 when it cannot be read.
pub(super) fn lint(path: &Path, format: LintFormat) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return ExitCode::from(BAD_INPUT);
        }
    };
    let findings = lens::lint(&text);
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    // A reader that stops early (`| head`) closes the pipe: stop writing, keep the exit code.
    let mut stdout = std::io::stdout().lock();
    match format {
        LintFormat::Json => match serde_json::to_string_pretty(&findings) {
            Ok(s) => {
                let _ = writeln!(stdout, "{s}");
            }
            Err(e) => {
                eprintln!("error: cannot encode the findings: {e}");
                return ExitCode::FAILURE;
            }
        },
        LintFormat::Text => {
            let written = findings
                .iter()
                .try_for_each(|f| writeln!(stdout, "{}", line(path, f)))
                .and_then(|()| {
                    writeln!(
                        stdout,
                        "{}: {errors} error(s), {} warning(s)",
                        path.display(),
                        findings.len() - errors
                    )
                });
            drop(written);
        }
    }
    if errors > 0 {
        ExitCode::from(HAS_ERRORS)
    } else {
        ExitCode::SUCCESS
    }
}

fn line(path: &Path, f: &Finding) -> String {
    let question = f
        .question
        .as_deref()
        .map_or_else(String::new, |q| format!(" {q}"));
    format!(
        "{}: {}{question}: {} [{}] at {}",
        path.display(),
        f.severity.as_str(),
        f.message,
        f.code,
        if f.pointer.is_empty() {
            "/"
        } else {
            &f.pointer
        }
    )
}

/// Writes a questionnaire as lens JSON: the built-in review, or `from` (a lens file, which is
/// imported first, so the output is its normalised form). What the format cannot hold goes to
/// stderr.
pub(super) fn export(from: Option<&Path>, out: Option<&Path>) -> ExitCode {
    let q = match from {
        None => questionnaires::builtin().clone(),
        Some(path) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", path.display());
                    return ExitCode::from(BAD_INPUT);
                }
            };
            match lens::import(&text, "lens", "v1") {
                Ok(i) => i.questionnaire,
                Err(findings) => {
                    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
                        eprintln!("{}", line(path, f));
                    }
                    return ExitCode::from(HAS_ERRORS);
                }
            }
        }
    };
    let exported = lens::export(&q);
    for o in &exported.omitted {
        eprintln!("left out: {o}");
    }
    let text = match serde_json::to_string_pretty(&exported.json) {
        Ok(t) => t + "\n",
        Err(e) => {
            eprintln!("error: cannot encode the lens: {e}");
            return ExitCode::FAILURE;
        }
    };
    match out {
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Some(path) => match crate::cli::report::write_whole(path, text.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::FAILURE
            }
        },
    }
}
