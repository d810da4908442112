//! The report as HTML, from `templates/report.html`: the printable report page (with print CSS
//! and a toolbar of downloads), and the same report as one self-contained file, with inline CSS
//! and SVG and nothing fetched, that opens offline. User text is escaped by askama; questionnaire
//! Markdown is rendered and sanitized (pulldown-cmark + ammonia, no images) before it is inserted;
//! and the file carries a strict Content-Security-Policy ([`CSP`]) in case anything slips through.

use askama::Template;
use questionnaires::report::Report;

use super::export::{Export, Scope};
use super::markdown::{break_even, score, usd};
use super::{Chart, Document};

/// A pattern with its Markdown rendered.
struct PatternView<'a> {
    rank: usize,
    name: &'a str,
    kind: &'a str,
    fit: &'a str,
    summary: String,
    services: String,
    reasons: Vec<String>,
    against: Vec<String>,
    tradeoffs: Vec<String>,
    failure_modes: Vec<String>,
    diagram: Option<&'a Chart>,
}

/// A risk with its improvements rendered.
struct RiskView<'a> {
    level: &'a str,
    problem: &'a str,
    /// The question, when it is not the problem's title already.
    context: Option<&'a str>,
    area: &'a str,
    reason: String,
    improvements: Vec<String>,
    /// "Accepted by … on …: why", and whether it lapsed.
    accepted: Option<(String, bool)>,
    anchor: String,
}

/// A checklist item with its text rendered.
struct ItemView<'a> {
    title: &'a str,
    area: &'a str,
    priority: &'a str,
    status: String,
    status_class: &'a str,
    owner: &'a str,
    due: &'a str,
    why: String,
}

/// One download in the page's toolbar.
struct Download {
    href: String,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportHtml<'a> {
    csp: &'static str,
    r: &'a Report,
    d: &'a Document,
    standalone: bool,
    back: Option<String>,
    downloads: Vec<Download>,
    overall: String,
    overall_class: &'static str,
    open_items: usize,
    counts: questionnaires::acceptance::Counts,
    risks: Vec<RiskView<'a>>,
    ranking: Vec<(usize, &'a str, &'a str, &'static str, &'a str)>,
    patterns: Vec<PatternView<'a>>,
    cost: Option<(String, String, String)>,
    items: Vec<ItemView<'a>>,
    short_hash: &'a str,
    /// Where the "include the discussion" choice goes (this page), when the scope has one.
    discussion_form: Option<String>,
}

fn md(text: &str) -> String {
    crate::service::markdown(text)
}

/// The Content-Security-Policy the report carries in a `<meta>`, for its saved copies: a file
/// opened from disk has no server to send one. It needs nothing but its inline style, inline SVG
/// and the `data:` icon; everything else (scripts, images from elsewhere, fonts, frames, forms,
/// a `<base>`) is refused, whatever a lens's text manages to put in it.
pub const CSP: &str = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; \
                       base-uri 'none'; form-action 'none'";

/// The CSS class of a score band.
fn band(s: Option<f64>) -> &'static str {
    s.map_or("none", |s| questionnaires::evaluate::Band::of(s).name())
}

fn view<'a>(
    doc: &'a Document,
    standalone: bool,
    back: Option<String>,
    downloads: Vec<Download>,
    discussion_form: Option<String>,
) -> ReportHtml<'a> {
    let r = &doc.report;
    let risks = r
        .risks
        .iter()
        .map(|k| RiskView {
            level: &k.level,
            problem: &k.problem,
            context: k.context(),
            area: &k.area_title,
            reason: md(&k.reason),
            improvements: k.improvements.iter().map(|i| md(&i.text)).collect(),
            accepted: k
                .acceptance_sentence()
                .map(|s| (s, k.accepted.as_ref().is_some_and(|a| a.lapsed))),
            anchor: format!("risk-{}", k.question),
        })
        .collect();
    let ranking = r
        .recommendations
        .iter()
        .filter(|p| p.score > 0.0)
        .map(|p| {
            (
                p.rank,
                p.name.as_str(),
                p.kind.as_str(),
                role(r, &p.pattern),
                p.fit.as_str(),
            )
        })
        .collect();
    let patterns = r
        .decided_patterns()
        .map(|p| PatternView {
            rank: p.rank,
            name: &p.name,
            kind: &p.kind,
            fit: &p.fit,
            summary: md(&p.summary),
            services: p.services.join(", "),
            reasons: p.reasons.iter().map(|x| md(x)).collect(),
            against: p.against.iter().map(|x| md(x)).collect(),
            tradeoffs: p.tradeoffs.iter().map(|x| md(x)).collect(),
            failure_modes: p.failure_modes.iter().map(|x| md(x)).collect(),
            diagram: doc.diagram(&p.pattern),
        })
        .collect();
    let cost = r.cost.as_ref().map(|c| {
        let break_even = break_even(c);
        (
            format!("{:.0}", c.monthly_requests),
            format!(
                "{} serverless against {} containers ({} tasks); cheaper now: {}",
                usd(c.serverless_usd),
                usd(c.containers_usd),
                c.container_tasks,
                c.cheaper
            ),
            break_even,
        )
    });
    let items = r
        .checklist
        .iter()
        .filter(|i| i.status != "not_applicable")
        .map(|i| ItemView {
            title: &i.title,
            area: &i.area_title,
            priority: &i.priority,
            status: i.status.replace('-', " "),
            status_class: match i.status.as_str() {
                "done" => "done",
                "accepted-risk" => "accepted",
                _ => "open",
            },
            owner: &i.owner,
            due: i.due_date.as_deref().unwrap_or(""),
            why: md(&i.why),
        })
        .collect();
    ReportHtml {
        csp: CSP,
        r,
        d: doc,
        standalone,
        back,
        downloads,
        overall: score(r.overall_score),
        overall_class: band(r.overall_score),
        open_items: r.checklist.iter().filter(|i| i.is_open()).count(),
        counts: r.risk_counts(),
        risks,
        ranking,
        patterns,
        cost,
        items,
        short_hash: &r.questionnaire.content_hash[..12.min(r.questionnaire.content_hash.len())],
        discussion_form,
    }
}

/// The report as one self-contained file.
pub fn standalone(doc: &Document) -> Result<String, askama::Error> {
    view(doc, true, None, Vec::new(), None).render()
}

/// The printable report page of a scope, with its downloads.
pub fn page(doc: &Document, scope: &Scope) -> Result<String, askama::Error> {
    let back = match scope {
        Scope::Review(id) => Some(format!("/assessments/{id}/results")),
        Scope::Milestone(id, m) => Some(format!("/assessments/{id}/milestones/{m}")),
        Scope::Share(t) => Some(format!("/share/{t}")),
    };
    let label = |e: Export| match e {
        Export::Page => "Report",
        Export::Pdf => "PDF",
        Export::PdfShort => "PDF without the answers",
        Export::Html => "HTML file",
        Export::Markdown => "Markdown",
        Export::Json => "JSON",
        Export::Csv => "CSV",
        Export::Adr => "ADRs (zip)",
        Export::Backlog => "Backlog (zip)",
        Export::Jira => "Jira CSV",
    };
    // The formats that list the questions keep the choice to include the discussion.
    let carries = |e: Export| {
        doc.discussion
            && matches!(
                e,
                Export::Markdown | Export::Html | Export::Pdf | Export::Json
            )
    };
    let downloads = Export::ALL
        .into_iter()
        .filter(|e| *e != Export::Page)
        .map(|e| Download {
            href: if carries(e) {
                format!("{}?discussion=1", scope.path(e))
            } else {
                scope.path(e)
            },
            label: label(e),
        })
        .collect();
    // A share link never carries the team's discussion, so it offers no choice.
    let form = (!matches!(scope, Scope::Share(_))).then(|| scope.path(Export::Page));
    view(doc, false, back, downloads, form).render()
}

impl ReportHtml<'_> {
    fn score_of(&self, s: &Option<f64>) -> String {
        score(*s)
    }
}

/// A pattern's part in the report's design: "backbone", "add-on", or a dash.
pub(crate) fn role(r: &questionnaires::report::Report, pattern: &str) -> &'static str {
    if r.design.backbone.as_deref() == Some(pattern) {
        "backbone"
    } else if r.design.add_ons.iter().any(|a| a.pattern == pattern) {
        "add-on"
    } else {
        "–"
    }
}
