//! The Jira CSV: one row per open checklist item, a work item ([`super::workitem`]), in the
//! columns Jira's CSV importer maps by name: Summary, Issue Type (`Task`), Priority (`High`,
//! `Medium`, `Low`), Description (Jira wiki markup), Original Estimate (seconds, from the effort:
//! S is 3, M 10 and L 20 working days of 8 hours), Due Date (`yyyy-MM-dd`), Assignee (the owner,
//! when set), External ID (stable across exports, to match a re-import), and one `Labels` column
//! per label, as Jira reads a multi-valued field.
//!
//! Every cell goes through [`super::csv::cell`], as in `report.csv`: text that a spreadsheet
//! would run as a formula starts with `'`. In the description, user and lens text cannot be
//! wiki markup: link, image, macro and table characters are backslash-escaped ([`wiki_text`]).

use questionnaires::report::Report;

use super::Document;
use super::Links;
use super::csv::cell;
use super::workitem::{self, WorkItem};

/// The columns before the labels, in order.
pub const COLUMNS: [&str; 8] = [
    "Summary",
    "Issue Type",
    "Priority",
    "Description",
    "Original Estimate",
    "Due Date",
    "Assignee",
    "External ID",
];

/// The label column's name, repeated once per label.
pub const LABELS: &str = "Labels";

/// Jira's longest summary.
const SUMMARY_MAX: usize = 255;

/// The open items as Jira CSV; a header alone when nothing is open.
pub fn render(doc: &Document, links: Option<&Links>) -> Result<String, String> {
    let r = &doc.report;
    let items = workitem::all(r, links);
    let label_columns = items.iter().map(|w| w.labels.len()).max().unwrap_or(1);
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .chain(std::iter::repeat_n(LABELS, label_columns))
        .collect();
    w.write_record(&header).map_err(|e| e.to_string())?;
    for item in &items {
        let i = item.item;
        let summary: String = i
            .title
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(SUMMARY_MAX)
            .collect();
        let priority = match i.priority.as_str() {
            "high" => "High",
            "medium" => "Medium",
            _ => "Low",
        };
        let estimate = item
            .estimate_seconds()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let mut row: Vec<String> = vec![
            summary,
            "Task".to_owned(),
            priority.to_owned(),
            description(r, item),
            estimate,
            i.due_date.clone().unwrap_or_default(),
            i.owner.split_whitespace().collect::<Vec<_>>().join(" "),
            item.external_id.clone(),
        ];
        row.extend(item.labels.iter().cloned());
        row.resize(header.len(), String::new());
        w.write_record(row.iter().map(|c| cell(c).into_owned()))
            .map_err(|e| e.to_string())?;
    }
    String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

/// The description, in Jira wiki markup.
fn description(r: &Report, w: &WorkItem<'_>) -> String {
    let i = w.item;
    let mut out = String::new();
    let mut facts = vec![format!("Priority: {}", i.priority)];
    if let Some(e) = w.effort_words() {
        facts.push(format!("Effort: {e}"));
    }
    if let Some(p) = w.phase_title() {
        facts.push(format!("Roadmap: {p}"));
    }
    facts.push(format!("Area: {}", wiki_text(&i.area_title)));
    out.push_str(&facts.join(" · "));
    out.push_str("\n\nh3. Why\n");
    out.push_str(&wiki(&i.why));
    out.push_str("\n\nh3. How to fix\n");
    out.push_str(&wiki(&i.how));
    out.push_str("\n\nh3. Acceptance criteria\n");
    for c in &w.acceptance {
        out.push_str(&format!("* {}\n", wiki_line(c)));
    }
    if !w.after.is_empty() {
        out.push_str("\nh3. Depends on\n");
        for d in &w.after {
            let done = if d.open { "" } else { " (done)" };
            out.push_str(&format!("* {}{done}\n", wiki_line(&d.title)));
        }
    }
    let mut links = Vec::new();
    for q in &w.questions {
        let title = wiki_line(&q.title);
        let answer = wiki_line(&q.answer);
        links.push(match &q.url {
            Some(url) => format!("* [{title}|{url}]: {answer}"),
            None => format!("* {title}: {answer}"),
        });
    }
    if let Some(u) = &i.url {
        links.push(format!("* Reference: {}", wiki_url(u)));
    }
    for g in &w.guides {
        links.push(format!(
            "* How to fix “{}”: {}",
            wiki_line(&g.about),
            wiki_url(&g.url)
        ));
    }
    if !links.is_empty() {
        out.push_str("\nh3. Links\n");
        out.push_str(&links.join("\n"));
        out.push('\n');
    }
    out.push_str(&format!(
        "\n----\nFrom the Trellis design review “{}” ({}), {} {}.",
        wiki_line(&r.workload.name),
        r.generated_at,
        wiki_line(&r.questionnaire.title),
        wiki_line(&r.questionnaire.version)
    ));
    out
}

/// Text with nothing Jira's wiki renderer would make active: the characters of links (`[ ]`),
/// images (`!`), macros (`{ }`), tables (`|`) and escapes (`\`) are backslash-escaped.
pub fn wiki_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']' | '{' | '}' | '|' | '!') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// [`wiki_text`] on one line: whitespace runs collapse to a space, and a first character that
/// would start a list, heading or quote (`*`, `#`, `-`, `h1.`, `bq.`) is escaped.
pub fn wiki_line(s: &str) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    unblock(&flat, wiki_text(&flat))
}

/// `text` (the markup of `source`) escaped at its start when `source` would start a block.
fn unblock(source: &str, text: String) -> String {
    let b = source.as_bytes();
    let heading = b.len() > 2 && b[0] == b'h' && b[1].is_ascii_digit() && b[2] == b'.';
    let bold = source.starts_with("**");
    if !bold && (source.starts_with(['*', '#', '-']) || source.starts_with("bq.") || heading) {
        format!("\\{text}")
    } else {
        text
    }
}

/// A URL as Jira links it when it is a plain `http(s)` address; otherwise inert text.
fn wiki_url(u: &str) -> String {
    let u = u.trim();
    let plain = (u.starts_with("https://") || u.starts_with("http://"))
        && !u
            .chars()
            .any(|c| c.is_whitespace() || "[]{}|!\\".contains(c));
    if plain { u.to_owned() } else { wiki_line(u) }
}

/// A checklist item's Markdown (paragraphs, `-` lists, `code`, `**bold**`) as wiki markup:
/// lists become `*` bullets (nested by indent), code `{{…}}`, bold `*…*`, wrapped lines are
/// joined; everything else is text ([`wiki_line`]).
pub fn wiki(md: &str) -> String {
    let mut lines = Vec::new();
    for raw in md.replace("\r\n", "\n").trim_end().lines() {
        let indent = raw.len() - raw.trim_start().len();
        let body = raw.trim_start();
        let bullet = ["- ", "* ", "+ "].iter().find_map(|m| body.strip_prefix(m));
        let continues = lines.last().is_some_and(|l: &String| !l.is_empty());
        let line = match bullet {
            Some(rest) => format!("{} {}", "*".repeat(indent / 2 + 1), inline(rest)),
            None if body.is_empty() => String::new(),
            None if continues => {
                // A wrapped line joins its paragraph or list item: Jira breaks the line at
                // every line end.
                let last = lines.pop().unwrap_or_default();
                format!("{last} {}", inline(body))
            }
            None => inline(body),
        };
        lines.push(line);
    }
    lines.join("\n")
}

/// One line of Markdown as wiki markup: `code` as `{{code}}`, `**bold**` as `*bold*`; the rest
/// as [`wiki_line`]. An unmatched backtick is text.
fn inline(md: &str) -> String {
    let flat = md.split_whitespace().collect::<Vec<_>>().join(" ");
    let parts: Vec<&str> = flat.split('`').collect();
    let balanced = parts.len() % 2 == 1;
    let mut out = String::with_capacity(flat.len() + 8);
    for (n, part) in parts.iter().enumerate() {
        if n > 0 && !balanced {
            out.push('`');
        }
        if balanced && n % 2 == 1 {
            out.push_str("{{");
            out.push_str(&wiki_text(part));
            out.push_str("}}");
        } else {
            out.push_str(&wiki_text(part).replace("**", "*"));
        }
    }
    unblock(&flat, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_wiki_markup_and_user_text_stays_text() {
        assert_eq!(
            wiki(
                "Use `RDS Proxy` and **pool**,\nwrapped.\n\n- one\n  - two\n- three [x](y)\n  wrapped"
            ),
            "Use {{RDS Proxy}} and *pool*, wrapped.\n\n* one\n** two\n* three \\[x\\](y) wrapped"
        );
        assert_eq!(
            wiki_line("{color:red}hi{color} | ![img](x)"),
            "\\{color:red\\}hi\\{color\\} \\| \\!\\[img\\](x)"
        );
        assert_eq!(wiki_line("h1. Big"), "\\h1. Big");
        assert_eq!(wiki_line("* list\nmore"), "\\* list more");
        assert_eq!(wiki_url("https://a.example/x"), "https://a.example/x");
        assert_eq!(wiki_url("javascript:alert(1)|x"), "javascript:alert(1)\\|x");
    }
}
