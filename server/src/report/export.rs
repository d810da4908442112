//! What a report export is, apart from the web: the formats ([`Export`]), the three scopes
//! ([`Scope`]), file names, and rendering one [`Document`] in one format. The routes
//! (`super::routes`) and the offline CLI (`trellis report`) both use it.

use super::{Document, Links};

/// One export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// The printable report page, shown in the browser.
    Page,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// One self-contained HTML file.
    Html,
    /// PDF.
    Pdf,
    /// PDF without the answers appendix.
    PdfShort,
    /// The report model as JSON.
    Json,
    /// Risks and checklist items as CSV.
    Csv,
    /// Architecture decision records, zipped.
    Adr,
    /// One issue body per open checklist item, zipped.
    Backlog,
    /// The open checklist items as work items for Jira's CSV importer.
    Jira,
}

impl Export {
    /// Every format.
    pub const ALL: [Export; 10] = [
        Export::Page,
        Export::Markdown,
        Export::Html,
        Export::Pdf,
        Export::PdfShort,
        Export::Json,
        Export::Csv,
        Export::Adr,
        Export::Backlog,
        Export::Jira,
    ];

    /// The last path segment.
    pub fn file(self) -> &'static str {
        match self {
            Export::Page => "report",
            Export::Markdown => "report.md",
            Export::Html => "report.html",
            Export::Pdf => "report.pdf",
            Export::PdfShort => "report-short.pdf",
            Export::Json => "report.json",
            Export::Csv => "report.csv",
            Export::Adr => "adr.zip",
            Export::Backlog => "backlog.zip",
            Export::Jira => "jira.csv",
        }
    }

    /// The `Content-Type` of the download.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Export::Page | Export::Html => "text/html; charset=utf-8",
            Export::Markdown => "text/markdown; charset=utf-8",
            Export::Pdf | Export::PdfShort => "application/pdf",
            Export::Json => "application/json",
            Export::Csv | Export::Jira => "text/csv; charset=utf-8",
            Export::Adr | Export::Backlog => "application/zip",
        }
    }
}

/// Which review state, and who may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A review now.
    Review(String),
    /// A review as a milestone saved it.
    Milestone(String, String),
    /// A review through a share link.
    Share(String),
}

impl Scope {
    /// The route pattern of a format in this scope kind.
    pub fn pattern(&self, export: Export) -> String {
        let base = match self {
            Scope::Review(_) => "/assessments/{id}",
            Scope::Milestone(..) => "/assessments/{id}/milestones/{milestone}",
            Scope::Share(_) => "/share/{token}",
        };
        format!("{base}/{}", export.file())
    }

    /// The concrete path every page and download of this scope sits under.
    pub fn base(&self) -> String {
        match self {
            Scope::Review(id) => format!("/assessments/{id}"),
            Scope::Milestone(id, m) => format!("/assessments/{id}/milestones/{m}"),
            Scope::Share(t) => format!("/share/{t}"),
        }
    }

    /// The concrete path of a format.
    pub fn path(&self, export: Export) -> String {
        format!("{}/{}", self.base(), export.file())
    }
}

/// Unix milliseconds as RFC 3339 (UTC, whole seconds).
pub fn rfc3339(ms: i64) -> String {
    let day_minute = app::utc(ms);
    format!(
        "{}T{}:{:02}Z",
        &day_minute[..10],
        &day_minute[11..16],
        ms.div_euclid(1000).rem_euclid(60)
    )
}

/// A file name for a download: the workload's name, made safe, then the format's suffix.
pub fn file_name(doc: &Document, export: Export) -> String {
    let slug = slug(&doc.report.workload.name);
    let suffix = match export {
        Export::Adr => "-adr.zip".to_owned(),
        Export::Backlog => "-backlog.zip".to_owned(),
        Export::Jira => "-jira.csv".to_owned(),
        other => other.file().trim_start_matches("report").to_owned(),
    };
    let stem = if slug.is_empty() { "review" } else { &slug };
    format!("trellis-{stem}{suffix}")
}

/// Lower-case ASCII letters and digits, with dashes between words; at most 60 characters.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// Renders one format, on this thread.
pub fn render_now(
    doc: &Document,
    links: Option<&Links>,
    scope: &Scope,
    export: Export,
) -> Result<Vec<u8>, String> {
    Ok(match export {
        Export::Page => super::html::page(doc, scope).map_err(|e| e.to_string())?,
        Export::Html => super::html::standalone(doc).map_err(|e| e.to_string())?,
        Export::Markdown => super::markdown::report(doc, links).map_err(|e| e.to_string())?,
        Export::Csv => super::csv::render(doc, links)?,
        Export::Jira => super::jira::render(doc, links)?,
        Export::Json => {
            serde_json::to_string_pretty(&doc.report).map_err(|e| e.to_string())? + "\n"
        }
        Export::Pdf => return super::pdf::render(doc),
        Export::PdfShort => return super::pdf::render_short(doc),
        Export::Adr => return super::adr::zip(doc),
        Export::Backlog => return super::backlog::zip(doc, links),
    }
    .into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_times() {
        assert_eq!(slug("Checkout API (v2) — prod!"), "checkout-api-v2-prod");
        assert_eq!(slug("«»"), "");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000_123), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn every_format_has_its_own_path_in_every_scope() {
        let mut paths: Vec<String> = Export::ALL
            .iter()
            .flat_map(|e| {
                [
                    Scope::Review("a".into()).path(*e),
                    Scope::Milestone("a".into(), "m".into()).path(*e),
                    Scope::Share("t".into()).path(*e),
                ]
            })
            .collect();
        let n = paths.len();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), n);
    }
}
