//! `trellis import-iac PATH...`: reads CloudFormation, SAM and CDK templates (files,
//! directories or zips) and prints an answers file pre-filled from them, with the evidence of
//! each answer and the templates' findings. `trellis evaluate` reads the output as it is.
//!
//! Exit 2 on bad input (the error names the file); `--out` appears whole or not at all.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;

use super::evaluate::BAD_INPUT;

/// The answers file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// JSON.
    Json,
    /// TOML.
    Toml,
}

pub(super) fn run(
    paths: &[PathBuf],
    format: ImportFormat,
    out: Option<&Path>,
    workload: Option<&str>,
) -> ExitCode {
    let import = match iac::import_paths(paths, workload) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let text = match format {
        ImportFormat::Json => serde_json::to_string_pretty(&import).map_err(|e| e.to_string()),
        ImportFormat::Toml => toml::to_string(&import).map_err(|e| e.to_string()),
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot encode the answers file: {e}");
            return ExitCode::FAILURE;
        }
    };
    match out {
        None => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Some(out) => match super::report::write_whole(out, text.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", out.display());
                ExitCode::from(BAD_INPUT)
            }
        },
    }
}
