//! `trellis report FILE --format F --out PATH`: any export of an answers file, offline, for CI
//! (a PDF for the release notes, ADRs committed next to the code). Written to a temporary file
//! beside `PATH`, then renamed, so a failure leaves nothing half-written.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;

use crate::report::export::{Export, Scope, render_now, rfc3339};

/// An export format on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// PDF.
    Pdf,
    /// PDF without the answers appendix.
    PdfShort,
    /// One self-contained HTML file.
    Html,
    /// GitHub-flavoured Markdown.
    Md,
    /// The report model as JSON (format `trellis-report/1`).
    Json,
    /// Risks and checklist items as CSV.
    Csv,
    /// MADR decision records, zipped.
    Adr,
    /// One issue body per open checklist item, zipped, with a script that files them on GitHub.
    Backlog,
    /// The open checklist items for Jira's CSV importer.
    Jira,
}

impl From<Format> for Export {
    fn from(f: Format) -> Export {
        match f {
            Format::Pdf => Export::Pdf,
            Format::PdfShort => Export::PdfShort,
            Format::Html => Export::Html,
            Format::Md => Export::Markdown,
            Format::Json => Export::Json,
            Format::Csv => Export::Csv,
            Format::Adr => Export::Adr,
            Format::Backlog => Export::Backlog,
            Format::Jira => Export::Jira,
        }
    }
}

pub(super) fn run(file: &Path, format: Format, out: &Path) -> ExitCode {
    let answers = match super::evaluate::read(file) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let doc = crate::report::offline_document(
        questionnaires::builtin(),
        &answers,
        &rfc3339(crate::service::now_ms()),
    );
    let bytes = match render_now(&doc, None, &Scope::Share(String::new()), format.into()) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot render the report: {e}");
            return ExitCode::FAILURE;
        }
    };
    let written = write_whole(out, &bytes);
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            ExitCode::from(super::evaluate::BAD_INPUT)
        }
    }
}

/// Writes `bytes` to `out` whole or not at all: into a file beside it, then renamed into place.
pub(super) fn write_whole(out: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_beside(out)?;
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, out).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// A temporary file name in `out`'s directory, to write into and then rename to `out`.
pub(super) fn temp_beside(out: &Path) -> std::io::Result<std::path::PathBuf> {
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| std::io::Error::other("the output path names no file"))?;
    Ok(dir.join(format!(".{name}.{}.tmp", std::process::id())))
}
