//! Architecture decision records in MADR form (<https://adr.github.io/madr/>), one per pattern
//! decision of the report, zipped as `docs/adr/NNNN-title.md` so they drop into a repository.
//!
//! Each record's context is the workload and the answers that fired the chosen pattern's signals;
//! its considered options are the other ranked patterns, whose pros and cons come from their
//! signals and tradeoffs; its consequences are the chosen pattern's tradeoffs and failure modes,
//! and its confirmation is the checklist items the pattern requires. The status is `proposed`:
//! the team accepts a record by merging it. User and lens text is escaped
//! ([`super::md_escape`]): it cannot carry HTML, a link or an image, or start a block.

use std::io::Write;

use askama::Template;
use questionnaires::report::{Decision, Report, ReportPattern};

use super::Document;
use super::export::slug;
use super::md_escape::{filters, line};

/// One option with its pros and cons, its text escaped.
struct OptionMd {
    name: String,
    chosen: bool,
    summary: String,
    rank: usize,
    fit: String,
    good: Vec<String>,
    bad: Vec<String>,
    tradeoffs: Vec<String>,
}

#[derive(Template)]
#[template(path = "adr.md", escape = "none")]
struct AdrMd<'a> {
    r: &'a Report,
    d: &'a Decision,
    chosen: &'a ReportPattern,
    date: &'a str,
    context: Vec<String>,
    drivers: Vec<String>,
    options: Vec<OptionMd>,
    good: Vec<String>,
    bad: Vec<String>,
    tradeoffs: Vec<String>,
    failure_modes: Vec<String>,
    confirmation: Vec<String>,
}

/// A sentence to follow "because", on one line.
fn because(s: &str) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    line(&questionnaires::report::lower_first(&flat))
}

fn option(p: &ReportPattern, chosen: bool) -> OptionMd {
    OptionMd {
        name: line(&p.name),
        chosen,
        summary: line(&p.summary),
        rank: p.rank,
        fit: line(&p.fit),
        good: p.reasons.iter().map(|x| because(x)).collect(),
        bad: p.against.iter().map(|x| because(x)).collect(),
        tradeoffs: p.tradeoffs.iter().map(|x| line(x)).collect(),
    }
}

/// The file name of a decision: `docs/adr/0001-use-sns-sqs-fan-out.md`.
pub fn path(d: &Decision) -> String {
    format!("docs/adr/{:04}-{}.md", d.number, slug(&d.title))
}

/// Renders one decision record.
pub fn record(r: &Report, d: &Decision) -> Result<String, String> {
    let chosen = r
        .pattern(&d.pattern)
        .ok_or_else(|| format!("decision {} names an unknown pattern", d.number))?;
    let context = chosen
        .questions
        .iter()
        .filter_map(|q| r.answer(q))
        .map(|a| {
            let value = a.answer.as_deref().unwrap_or("unanswered");
            format!("{}: {}", line(&a.title), line(value))
        })
        .collect();
    let confirmation = r
        .checklist
        .iter()
        .filter(|i| i.required_by.contains(&d.pattern))
        .map(|i| {
            let state = match i.status.as_str() {
                "done" => "done",
                "accepted-risk" => "risk accepted",
                "not_applicable" => "not applicable",
                _ => "open",
            };
            format!("{} ({state})", line(&i.title))
        })
        .collect();
    let mut options = vec![option(chosen, true)];
    options.extend(
        d.options
            .iter()
            .filter_map(|id| r.pattern(id))
            .map(|p| option(p, false)),
    );
    AdrMd {
        r,
        d,
        chosen,
        date: r.generated_at.get(..10).unwrap_or(&r.generated_at),
        context,
        drivers: chosen.reasons.iter().map(|x| line(x)).collect(),
        options,
        good: chosen.reasons.iter().map(|x| because(x)).collect(),
        bad: chosen.against.iter().map(|x| because(x)).collect(),
        tradeoffs: chosen.tradeoffs.iter().map(|x| line(x)).collect(),
        failure_modes: chosen.failure_modes.iter().map(|x| line(x)).collect(),
        confirmation,
    }
    .render()
    .map_err(|e| e.to_string())
}

/// Every decision record, as (path, Markdown).
pub fn records(r: &Report) -> Result<Vec<(String, String)>, String> {
    r.decisions
        .iter()
        .map(|d| Ok((path(d), record(r, d)?)))
        .collect()
}

/// Writes files into a zip archive, compressed, with a fixed timestamp so the same report
/// gives the same bytes.
pub fn write_zip(files: &[(String, String)]) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, text) in files {
        zip.start_file(name.as_str(), options)
            .map_err(|e| e.to_string())?;
        zip.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}

/// The records, zipped. A review with no decision yet gets a zip with a README saying so.
pub fn zip(doc: &Document) -> Result<Vec<u8>, String> {
    let mut files = records(&doc.report)?;
    if files.is_empty() {
        files.push((
            "docs/adr/README.md".to_owned(),
            "# Architecture decisions\n\nNo pattern fits the answers yet, so there is no decision to record. Answer more of the review and export again.\n".to_owned(),
        ));
    }
    write_zip(&files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn because_lowers_words_but_not_acronyms() {
        assert_eq!(because("Traffic is\nspiky."), "traffic is spiky.");
        assert_eq!(because("SQS absorbs bursts."), "SQS absorbs bursts.");
        assert_eq!(because("EventBridge is used."), "EventBridge is used.");
        assert_eq!(
            because("Step Functions is used."),
            "Step Functions is used."
        );
        assert_eq!(because(""), "");
    }
}
