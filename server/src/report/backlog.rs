//! The backlog: one issue body per open checklist item, a work item ([`super::workitem`]: why,
//! how to fix, acceptance criteria, effort, dependencies, links, labels), zipped as
//! `backlog/NN-item.md`, highest priority first, with `backlog/create-issues.sh`, which files
//! them on GitHub ([`super::github`]). The first line of each is the title. User and lens text is
//! escaped ([`super::md_escape`]): it cannot carry HTML, a link or an image, or start a block.

use askama::Template;
use questionnaires::report::{Report, ReportItem};

use super::md_escape::{filters, line};
use super::workitem::{self, WorkItem};
use super::{Document, Links};

#[derive(Template)]
#[template(path = "issue.md", escape = "none")]
struct IssueMd<'a> {
    r: &'a Report,
    i: &'a ReportItem,
    w: &'a WorkItem<'a>,
    required_by: Vec<String>,
    questions: Vec<String>,
}

/// The issue body of one work item.
pub fn issue(r: &Report, w: &WorkItem<'_>) -> Result<String, String> {
    let i = w.item;
    let required_by = i
        .required_by
        .iter()
        .filter_map(|p| r.pattern(p))
        .map(|p| line(&p.name))
        .collect();
    let questions = w
        .questions
        .iter()
        .map(|q| {
            let title = line(&q.title);
            let answer = line(&q.answer);
            match &q.url {
                Some(url) => format!("[{title}]({url}): {answer}"),
                None => format!("{title}: {answer}"),
            }
        })
        .collect();
    IssueMd {
        r,
        i,
        w,
        required_by,
        questions,
    }
    .render()
    .map_err(|e| e.to_string())
}

/// Every open item, as (path, Markdown), highest priority first.
pub fn issues(r: &Report, links: Option<&Links>) -> Result<Vec<(String, String)>, String> {
    workitem::all(r, links)
        .iter()
        .map(|w| Ok((format!("backlog/{}.md", w.stem), issue(r, w)?)))
        .collect()
}

/// The issues and the GitHub import script, zipped. With nothing open, the zip holds a README
/// saying so.
pub fn zip(doc: &Document, links: Option<&Links>) -> Result<Vec<u8>, String> {
    let mut files = issues(&doc.report, links)?;
    if files.is_empty() {
        files.push((
            "backlog/README.md".to_owned(),
            "# Backlog\n\nEvery checklist item is done, accepted as a risk or not applicable: nothing to file.\n".to_owned(),
        ));
        return super::adr::write_zip(&files);
    }
    let script = super::github::script(&doc.report, links)?;
    write_zip(&files, &(SCRIPT.to_owned(), script))
}

/// Where the GitHub import script sits in the zip.
pub const SCRIPT: &str = "backlog/create-issues.sh";

/// The files, then the script, executable.
fn write_zip(files: &[(String, String)], script: &(String, String)) -> Result<Vec<u8>, String> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, text, mode) in files
        .iter()
        .map(|(n, t)| (n, t, 0o644))
        .chain([(&script.0, &script.1, 0o755)])
    {
        zip.start_file(name.as_str(), options.unix_permissions(mode))
            .map_err(|e| e.to_string())?;
        zip.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}
