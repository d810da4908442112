//! Reports and exports. Every format renders one [`Document`]: the domain's report model
//! ([`questionnaires::report::Report`]) plus its charts as SVG, so the formats cannot disagree.
//!
//! - [`markdown`]: GitHub-flavoured Markdown (tables, a task list, Mermaid charts), and what
//!   changed between two snapshots;
//! - [`html`]: the printable report page, and the same report as one self-contained file;
//! - [`pdf`]: the report typeset by Typst, charts included;
//! - [`csv`]: risks and checklist items with stable columns, for Jira and GitHub Projects;
//! - [`adr`]: one MADR architecture decision record per pattern decision, as a zip;
//! - [`backlog`]: one issue body per open checklist item, as a zip, with a script that files
//!   them on GitHub ([`github`]); [`workitem`] is what each item says as a ticket;
//! - [`jira`]: the same work items as a CSV for Jira's importer;
//! - [`md_escape`]: what user and lens text may do in the Markdown exports (nothing active);
//! - [`routes`]: the download routes, for a review, a milestone and a share link.

pub mod adr;
pub mod backlog;
pub mod csv;
pub mod export;
pub mod github;
pub mod html;
pub mod jira;
pub mod markdown;
pub mod md_escape;
pub mod pdf;
pub mod routes;
pub mod workitem;

use std::collections::BTreeMap;

use questionnaires::Questionnaire;
use questionnaires::report::{Input, Report, Snapshot};

/// A chart or diagram, drawn as SVG.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// What it shows, as a caption.
    pub title: String,
    /// One self-contained `<svg>` element.
    pub svg: String,
}

/// The charts of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Charts {
    /// Area score bars, with the overall score.
    pub scores: Chart,
    /// Serverless against containers by monthly volume, when the inputs are answered.
    pub cost: Option<Chart>,
    /// The diagram of each decided pattern, by pattern id, in decision order.
    pub diagrams: Vec<(String, Chart)>,
    /// The roadmap as a timeline, when anything is open.
    pub roadmap: Option<Chart>,
}

/// A report and its charts: what every export renders.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The report model.
    pub report: Report,
    /// Its charts.
    pub charts: Charts,
    /// It was asked to include the discussion (each question's comments sit in
    /// `report.answers[…].comments`): the report page keeps the choice on its downloads.
    pub discussion: bool,
}

impl Document {
    /// The diagram of a pattern, when it is one of the decisions.
    pub fn diagram(&self, pattern: &str) -> Option<&Chart> {
        self.charts
            .diagrams
            .iter()
            .find(|(id, _)| id == pattern)
            .map(|(_, c)| c)
    }
}

/// Builds the report and draws its charts.
pub fn document(input: Input<'_>) -> Document {
    let (q, e) = (input.q, input.evaluation);
    let report = questionnaires::report::build(input);
    let scores = Chart {
        title: "Score by area, out of 100".to_owned(),
        svg: app::charts::score_bars(&e.areas, e.scores.overall),
    };
    let cost = e.cost.as_ref().map(|c| Chart {
        title: "Monthly cost by volume: serverless against containers".to_owned(),
        svg: app::charts::cost_chart(c),
    });
    let diagrams = report
        .decisions
        .iter()
        .filter_map(|d| {
            let p = q.patterns.iter().find(|p| p.id.as_str() == d.pattern)?;
            Some((
                d.pattern.clone(),
                Chart {
                    title: format!("{}: how the parts connect", p.name),
                    svg: app::charts::pattern_diagram(&p.diagram, &p.name),
                },
            ))
        })
        .collect();
    let roadmap = app::charts::roadmap_timeline(&report.roadmap).map(|svg| Chart {
        title: "Roadmap: the open checklist as Now, Next and Later".to_owned(),
        svg,
    });
    Document {
        report,
        charts: Charts {
            scores,
            cost,
            diagrams,
            roadmap,
        },
        discussion: false,
    }
}

/// The document of an answers file, as of `generated_at`, with no team progress and no
/// accepted risks: what `trellis evaluate` and the golden tests render.
pub fn offline_document(
    q: &Questionnaire,
    file: &questionnaires::AnswersFile,
    generated_at: &str,
) -> Document {
    let evaluation = questionnaires::evaluate(q, &file.answers);
    document(Input {
        q,
        workload: &file.workload,
        answers: &file.answers,
        evaluation: &evaluation,
        progress: &BTreeMap::new(),
        acceptances: &BTreeMap::new(),
        snapshot: Snapshot::current(),
        generated_at: generated_at.to_owned(),
    })
}

/// Where the online review lives, for links from an export back to its questions. None for
/// share links and offline reports: their readers cannot open the review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// The review's absolute URL, such as `https://trellis.example/assessments/abc`.
    pub review: String,
}

impl Links {
    /// A question on its area's review page.
    pub fn question(&self, area: &str, question: &str) -> String {
        format!("{}/review/{area}#q-{question}", self.review)
    }

    /// The results page.
    pub fn results(&self) -> String {
        format!("{}/results", self.review)
    }
}
