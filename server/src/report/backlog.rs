//! The backlog: one issue body per open checklist item (title, why, how to fix, links), zipped
//! as `backlog/NN-item.md`, highest priority first, ready to paste into an issue tracker or to
//! create with `gh issue create --title … --body-file …`. The first line is the title. User and
//! lens text is escaped ([`super::md_escape`]): it cannot carry HTML, a link or an image, or
//! start a block.

use askama::Template;
use questionnaires::report::{Report, ReportItem};

use super::md_escape::{filters, line};
use super::{Document, Links};

#[derive(Template)]
#[template(path = "issue.md", escape = "none")]
struct IssueMd<'a> {
    r: &'a Report,
    i: &'a ReportItem,
    required_by: Vec<String>,
    questions: Vec<String>,
}

/// The issue body of one item.
pub fn issue(r: &Report, i: &ReportItem, links: Option<&Links>) -> Result<String, String> {
    let required_by = i
        .required_by
        .iter()
        .filter_map(|p| r.pattern(p))
        .map(|p| line(&p.name))
        .collect();
    let questions = i
        .questions
        .iter()
        .filter_map(|q| r.answer(q))
        .map(|a| {
            let title = line(&a.title);
            let answer = line(a.answer.as_deref().unwrap_or("unanswered"));
            match links {
                Some(l) => format!("[{title}]({}): {answer}", l.question(&a.area, &a.question)),
                None => format!("{title}: {answer}"),
            }
        })
        .collect();
    IssueMd {
        r,
        i,
        required_by,
        questions,
    }
    .render()
    .map_err(|e| e.to_string())
}

/// Every open item, as (path, Markdown), highest priority first.
pub fn issues(r: &Report, links: Option<&Links>) -> Result<Vec<(String, String)>, String> {
    r.open_items()
        .into_iter()
        .enumerate()
        .map(|(n, i)| {
            Ok((
                format!("backlog/{:02}-{}.md", n + 1, i.id.replace('_', "-")),
                issue(r, i, links)?,
            ))
        })
        .collect()
}

/// The issues, zipped. With nothing open, the zip holds a README saying so.
pub fn zip(doc: &Document, links: Option<&Links>) -> Result<Vec<u8>, String> {
    let mut files = issues(&doc.report, links)?;
    if files.is_empty() {
        files.push((
            "backlog/README.md".to_owned(),
            "# Backlog\n\nEvery checklist item is done, accepted as a risk or not applicable: nothing to file.\n".to_owned(),
        ));
    }
    super::adr::write_zip(&files)
}
