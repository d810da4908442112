//! Architecture decision records in MADR form (<https://adr.github.io/madr/>), one per decision
//! the review supports, zipped as `docs/adr/NNNN-title.md` so they drop into a repository.
//!
//! The set follows the design, in a fixed order so the numbers and file names stay put:
//!
//! 1. whether the workload runs on serverless or on containers ([`compute`]): the engine's
//!    verdict, the cost of both options a month and the checks that warn or fail;
//! 2. the backbone, the pattern that carries the requests ([`pattern::backbone`]), weighed
//!    against the other patterns that could carry them;
//! 3. one record per add-on ([`pattern::add_on`]), weighed against the patterns that do the
//!    same job and against doing without it.
//!
//! Every option has its pros and cons and the answers that ranked it. A record is `proposed`
//! until the review is signed off, then `accepted` with the approver ([`Status`]). User and lens
//! text is escaped ([`super::md_escape`]): it cannot carry HTML, a link or an image, or start a
//! block.

mod compute;
mod pattern;

use std::io::Write;

use askama::Template;
use questionnaires::report::{Report, ReportPattern};

use super::Document;
use super::export::slug;
use super::md_escape::{filters, line};

/// At most this many options besides the chosen one are weighed in a pattern decision.
const MAX_OTHERS: usize = 4;

/// Where a record stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Drafted from the review, not yet approved.
    Proposed,
    /// The review was signed off.
    Accepted {
        /// Who approved it, by name.
        by: String,
        /// When (RFC 3339).
        at: String,
    },
}

impl Status {
    /// MADR's status word.
    pub fn word(&self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::Accepted { .. } => "accepted",
        }
    }
}

/// The status of every record of a report.
///
/// Accepted once an owner signed the review off, as long as the answers are the ones approved;
/// proposed before, and again after the answers change.
pub fn status(r: &Report) -> Status {
    match &r.sign_off {
        Some(s) if !s.changed_since => Status::Accepted {
            by: s.by.clone(),
            at: s.at.clone(),
        },
        _ => Status::Proposed,
    }
}

/// What a record decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Serverless or containers.
    Compute,
    /// The pattern that carries the requests.
    Backbone,
    /// A pattern that combines with the backbone.
    AddOn,
}

/// One option a record weighs, its text escaped.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    /// Its name.
    pub name: String,
    /// Whether the record chooses it.
    pub chosen: bool,
    /// What it is, in a sentence or two.
    pub summary: String,
    /// Where the review ranked it, or what it costs.
    pub standing: String,
    /// "Good, because …" lines, without the prefix.
    pub good: Vec<String>,
    /// "Bad, because …" lines, without the prefix.
    pub bad: Vec<String>,
    /// What it gives up, whichever way it goes.
    pub tradeoffs: Vec<String>,
    /// The answers that ranked it: "Question title: answer".
    pub answers: Vec<String>,
}

/// One decision record, ready to render; every text is escaped.
#[derive(Debug, Clone)]
pub struct Record {
    /// 1-based number, as in the file name.
    pub number: usize,
    /// What it decides.
    pub kind: Kind,
    /// The decision's subject, stable whatever is chosen ("Run on serverless or containers").
    pub title: String,
    /// The chosen option's name.
    pub chosen: String,
    /// The chosen pattern's id, for pattern decisions.
    pub pattern: Option<String>,
    /// The verdict is not final: too few answers.
    pub provisional: bool,
    /// The problem, as a question.
    pub question: String,
    /// The facts behind it: answers, figures, check results.
    pub facts: Vec<String>,
    /// Answers still missing, when provisional.
    pub missing: Vec<String>,
    /// What drives the choice.
    pub drivers: Vec<String>,
    /// Every option, the chosen one first.
    pub options: Vec<Choice>,
    /// Why the chosen option, to follow "because".
    pub because: String,
    /// Follows the outcome sentence: the cost, or what the choice adds.
    pub outcome_note: String,
    /// "Good, because", "Bad, because", "Tradeoff:" and "Risk:" lines of the outcome.
    pub consequences: Vec<String>,
    /// How to confirm the decision holds.
    pub confirmation: Vec<String>,
}

impl Record {
    /// The file name: `docs/adr/0001-run-on-serverless-or-containers.md`.
    pub fn path(&self) -> String {
        format!("docs/adr/{:04}-{}.md", self.number, slug(&self.title))
    }
}

#[derive(Template)]
#[template(path = "adr.md", escape = "none")]
struct AdrMd<'a> {
    r: &'a Report,
    rec: &'a Record,
    status: &'a str,
    date: &'a str,
    approval: Option<String>,
    others: Vec<String>,
}

/// A sentence to follow "because", on one line.
pub(crate) fn because(s: &str) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    // A first word followed by punctuation ("Approvals, waits …") is still an ordinary word.
    let first = flat.split(' ').next().unwrap_or("");
    let word = first.trim_end_matches([',', ';', ':']);
    let lowered = questionnaires::report::lower_first(&flat);
    if word.len() < first.len() && lowered == flat {
        let rest = &flat[first.len()..];
        let lower_word = questionnaires::report::lower_first(word);
        return line(&format!("{lower_word}{}{rest}", &first[word.len()..]));
    }
    line(&lowered)
}

/// The answers behind a pattern's ranking, "Question title: answer", in questionnaire order.
pub(crate) fn answers_of(r: &Report, p: &ReportPattern) -> Vec<String> {
    p.questions
        .iter()
        .filter_map(|q| r.answer(q))
        .map(|a| {
            let value = a.answer.as_deref().unwrap_or("unanswered");
            format!("{}: {}", line(&a.title), line(value))
        })
        .collect()
}

/// The checklist items a pattern needs, with the team's progress.
pub(crate) fn confirmation(r: &Report, pattern: &str) -> Vec<String> {
    r.checklist
        .iter()
        .filter(|i| i.required_by.iter().any(|p| p == pattern))
        .map(|i| {
            let state = match i.status.as_str() {
                "done" => "done",
                "accepted-risk" => "risk accepted",
                "not_applicable" => "not applicable",
                _ => "open",
            };
            format!("{} ({state})", line(&i.title))
        })
        .collect()
}

/// The decision records of a report, numbered: the compute decision, the backbone, then one
/// per add-on. None when the review has no pattern catalogue or nothing can carry the requests.
pub fn set(r: &Report) -> Vec<Record> {
    let mut out: Vec<Record> = compute::record(r).into_iter().collect();
    out.extend(pattern::backbone(r));
    out.extend(
        r.design
            .add_ons
            .iter()
            .filter_map(|a| pattern::add_on(r, a)),
    );
    for (i, rec) in out.iter_mut().enumerate() {
        rec.number = i + 1;
    }
    out
}

/// Renders one record with a status.
pub fn render(r: &Report, set: &[Record], rec: &Record, status: &Status) -> Result<String, String> {
    let generated = r.generated_at.get(..10).unwrap_or(&r.generated_at);
    let (date, approval) = match status {
        Status::Proposed => (generated, None),
        Status::Accepted { by, at } => {
            let day = at.get(..10).unwrap_or(at);
            (day, Some(format!("Accepted by {} on {day}.", line(by))))
        }
    };
    let others = set
        .iter()
        .filter(|o| o.number != rec.number)
        .map(|o| format!("{:04} {}: {}", o.number, o.title, o.chosen))
        .collect();
    AdrMd {
        r,
        rec,
        status: status.word(),
        date,
        approval,
        others,
    }
    .render()
    .map_err(|e| e.to_string())
}

/// The decision records in a table: number, title, chosen option (marked provisional when the
/// verdict is not final) and status; the text is escaped.
pub fn index(r: &Report) -> Vec<super::markdown::Row> {
    let status = status(r);
    set(r)
        .into_iter()
        .map(|rec| {
            let chosen = if rec.provisional {
                format!("{} (provisional)", rec.chosen)
            } else {
                rec.chosen
            };
            super::markdown::Row(vec![
                format!("{:04}", rec.number),
                rec.title.replace('|', "\\|"),
                chosen.replace('|', "\\|"),
                status.word().to_owned(),
            ])
        })
        .collect()
}

/// Every decision record, as (path, Markdown).
pub fn records(r: &Report) -> Result<Vec<(String, String)>, String> {
    let set = set(r);
    let status = status(r);
    set.iter()
        .map(|rec| Ok((rec.path(), render(r, &set, rec, &status)?)))
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
        assert_eq!(
            because("Approvals, waits and compensations."),
            "approvals, waits and compensations."
        );
    }
}
