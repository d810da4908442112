//! `trellis scaffold FILE --pattern P --runtime R --out DIR`: the starter project of an answers
//! file, offline. `--out` names a new (or empty) directory, or a `.zip` file. The files are
//! written beside it first and then renamed into place, so a failure leaves nothing half-written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use questionnaires::scaffold::{Choice, Iac, Pattern, Runtime};

use crate::scaffold::{Starter, starter, zip};

/// Parses a pattern id, listing the valid ones on error.
pub(super) fn parse_pattern(s: &str) -> Result<Pattern, String> {
    Pattern::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Pattern::ALL.iter().map(|p| p.as_str()).collect();
        format!("no starter for {s:?}; choose one of: {}", all.join(", "))
    })
}

/// Parses a runtime id, listing the valid ones on error.
pub(super) fn parse_runtime(s: &str) -> Result<Runtime, String> {
    Runtime::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Runtime::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown runtime {s:?}; choose one of: {}", all.join(", "))
    })
}

/// Parses an IaC id, listing the valid ones on error.
pub(super) fn parse_iac(s: &str) -> Result<Iac, String> {
    Iac::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Iac::ALL.iter().map(|i| i.as_str()).collect();
        format!(
            "unknown IaC format {s:?}; choose one of: {}",
            all.join(", ")
        )
    })
}

pub(super) fn run(file: &Path, choice: Choice, out: &Path) -> ExitCode {
    let answers = match super::evaluate::read(file) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let q = questionnaires::builtin();
    let evaluation = questionnaires::evaluate(q, &answers.answers);
    let (plan, project) = match starter(q, &answers.workload, &answers.answers, &evaluation, choice)
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(super::evaluate::BAD_INPUT);
        }
    };
    // The review's objection comes first, where a terminal user reads it.
    if let Some(c) = &plan.caution {
        eprintln!("warning: the review argues against this starter");
        eprintln!("  {}: {}", c.verdict, c.detail);
        for b in &c.blockers {
            eprintln!("  - {b}");
        }
        eprintln!("  {}", c.advice);
    }
    let written = if out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        write_zip(&project, out)
    } else {
        write_dir(&project, out)
    };
    match written {
        Ok(()) => {
            eprintln!("wrote {} ({} files)", out.display(), project.files.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            ExitCode::from(super::evaluate::BAD_INPUT)
        }
    }
}

fn beside(out: &Path, what: &str) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "starter".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.{}.{what}", std::process::id()))
}

fn write_zip(project: &Starter, out: &Path) -> std::io::Result<()> {
    let bytes = zip(project).map_err(std::io::Error::other)?;
    let tmp = beside(out, "tmp");
    std::fs::write(&tmp, &bytes)?;
    std::fs::rename(&tmp, out).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn write_dir(project: &Starter, out: &Path) -> std::io::Result<()> {
    if out.exists() {
        let empty = std::fs::read_dir(out)?.next().is_none();
        if !empty {
            return Err(std::io::Error::other(
                "it exists and is not empty; choose a new directory",
            ));
        }
        std::fs::remove_dir(out)?;
    }
    let tmp = beside(out, "tmp");
    let result = (|| {
        std::fs::create_dir_all(&tmp)?;
        for f in &project.files {
            let path = tmp.join(&f.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &f.contents)?;
            #[cfg(unix)]
            if f.executable {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
            }
        }
        std::fs::rename(&tmp, out)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}
