//! The report as PDF, typeset by Typst from `templates/report.typ`.
//!
//! Typst runs as a library in a world of our own that holds only the template, the data and the
//! vendored DejaVu fonts (`fonts/`): nothing is read from disk or the network. The template reads
//! every value from `/report.json` and places the charts from `/charts/*.svg`, so no text of the
//! report, least of all what users wrote, is ever parsed as Typst markup. Questionnaire Markdown
//! (summaries, advice) goes along pre-parsed into plain spans.
//!
//! Rendering is synchronous and CPU-bound (tens of milliseconds): callers run it on a blocking
//! thread.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use questionnaires::report::Report;
use serde::Serialize;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

use super::{Chart, Document};

const TEMPLATE: &str = include_str!("../../templates/report.typ");

/// The only fonts the report can use. The template asks for DejaVu Sans, and chart text (whose
/// SVG asks for `system-ui, sans-serif`, which Typst does not resolve) falls back to it.
const FONTS: [&[u8]; 4] = [
    include_bytes!("../../fonts/DejaVuSans.ttf"),
    include_bytes!("../../fonts/DejaVuSans-Bold.ttf"),
    include_bytes!("../../fonts/DejaVuSans-Oblique.ttf"),
    include_bytes!("../../fonts/DejaVuSansMono.ttf"),
];

/// Typst memoizes across compilations; results unused for this many renders are dropped, so
/// memory stays flat while the fonts and template stay warm.
const CACHE_MAX_AGE: usize = 5;

/// What every render shares: the standard library and the fonts.
struct Assets {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let fonts: Vec<Font> = FONTS
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
        .collect();
    Assets {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// The id of an in-memory file.
fn file_id(path: &str) -> Result<FileId, String> {
    let vpath = VirtualPath::new(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(FileId::new(RootedPath::new(VirtualRoot::Project, vpath)))
}

/// One report's world: the template, its data and charts, and the shared assets.
struct ReportWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &ASSETS.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &ASSETS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if self.files.contains_key(&id) {
            Err(FileError::NotSource)
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.clone()));
        }
        self.files.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        ASSETS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_with_slash().into())
}

/// What the template reads from `/report.json`.
#[derive(Serialize)]
struct Data<'a> {
    report: &'a Report,
    charts: ChartFiles<'a>,
    /// Questionnaire Markdown, by its source text, as blocks of plain spans.
    markdown: BTreeMap<&'a str, Vec<Block>>,
    /// The lowest good and fair scores ([`questionnaires::evaluate::Band`]).
    bands: Bands,
    /// Each accepted risk's acceptance in one sentence, by question id.
    accepted: BTreeMap<&'a str, String>,
    /// Whether the answers appendix is printed.
    appendix: bool,
}

#[derive(Serialize)]
struct Bands {
    good: f64,
    fair: f64,
}

#[derive(Serialize)]
struct ChartFiles<'a> {
    scores: ChartFile<'a>,
    cost: Option<ChartFile<'a>>,
    diagrams: Vec<ChartFile<'a>>,
    roadmap: Option<ChartFile<'a>>,
}

#[derive(Serialize)]
struct ChartFile<'a> {
    /// The decided pattern it belongs to, for diagrams.
    pattern: Option<&'a str>,
    title: &'a str,
    /// Its path in the world.
    file: String,
}

/// A paragraph, or a list whose items are paragraphs.
#[derive(Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Block {
    Paragraph(Vec<Span>),
    List(Vec<Vec<Span>>),
}

/// A run of text in one style.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
struct Span {
    text: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    strong: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    emph: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    code: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

/// Typesets the report with its answers appendix. An error lists Typst's diagnostics: a bug
/// in the template.
pub fn render(doc: &Document) -> Result<Vec<u8>, String> {
    render_with(doc, true)
}

/// Typesets the report without the answers appendix: the pages a board reads.
pub fn render_short(doc: &Document) -> Result<Vec<u8>, String> {
    render_with(doc, false)
}

fn render_with(doc: &Document, appendix: bool) -> Result<Vec<u8>, String> {
    let world = world(doc, appendix)?;
    let pdf = typeset(&world).and_then(|paged| {
        let options = PdfOptions {
            timestamp: world.today.map(Timestamp::new_utc),
            ..PdfOptions::default()
        };
        typst_pdf::pdf(&paged, &options).map_err(|errors| describe(&world, &errors))
    });
    typst::comemo::evict(CACHE_MAX_AGE);
    pdf
}

/// Lays the report out in pages.
fn typeset(world: &ReportWorld) -> Result<PagedDocument, String> {
    typst::compile::<PagedDocument>(world)
        .output
        .map_err(|errors| describe(world, &errors))
}

fn world<'a>(doc: &'a Document, appendix: bool) -> Result<ReportWorld, String> {
    let mut files = HashMap::new();
    let mut add = |path: String, pattern: Option<&'a str>, chart: &'a Chart| {
        files.insert(file_id(&path)?, Bytes::from_string(chart.svg.clone()));
        Ok::<_, String>(ChartFile {
            pattern,
            title: &chart.title,
            file: path,
        })
    };
    let scores = add("/charts/scores.svg".to_owned(), None, &doc.charts.scores)?;
    let cost = match &doc.charts.cost {
        Some(chart) => Some(add("/charts/cost.svg".to_owned(), None, chart)?),
        None => None,
    };
    let diagrams = doc
        .charts
        .diagrams
        .iter()
        .enumerate()
        .map(|(n, (pattern, chart))| {
            add(
                format!("/charts/diagram-{}.svg", n + 1),
                Some(pattern),
                chart,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let roadmap = match &doc.charts.roadmap {
        Some(chart) => Some(add("/charts/roadmap.svg".to_owned(), None, chart)?),
        None => None,
    };
    let data = Data {
        report: &doc.report,
        charts: ChartFiles {
            scores,
            cost,
            diagrams,
            roadmap,
        },
        markdown: markdown_fields(&doc.report)
            .into_iter()
            .map(|text| (text, blocks(text)))
            .collect(),
        bands: Bands {
            good: questionnaires::evaluate::Band::GOOD_FROM,
            fair: questionnaires::evaluate::Band::FAIR_FROM,
        },
        accepted: doc
            .report
            .risks
            .iter()
            .filter_map(|k| Some((k.question.as_str(), k.acceptance_sentence()?)))
            .collect(),
        appendix,
    };
    let json = serde_json::to_vec(&data).map_err(|e| format!("report data: {e}"))?;
    files.insert(file_id("/report.json")?, Bytes::new(json));
    Ok(ReportWorld {
        main: Source::new(file_id("/report.typ")?, TEMPLATE.to_owned()),
        files,
        today: date(&doc.report.generated_at),
    })
}

/// The date of an RFC 3339 timestamp.
fn date(timestamp: &str) -> Option<Datetime> {
    let year = timestamp.get(0..4)?.parse().ok()?;
    let month = timestamp.get(5..7)?.parse().ok()?;
    let day = timestamp.get(8..10)?.parse().ok()?;
    Datetime::from_ymd(year, month, day)
}

/// The questionnaire's texts that may hold Markdown. Answers, notes and other text users
/// wrote are not among them: the template shows those as they are.
fn markdown_fields(r: &Report) -> Vec<&str> {
    let mut texts: Vec<&str> = vec![r.verdict.message.as_str(), r.verdict.detail.as_str()];
    for risk in &r.risks {
        texts.push(&risk.reason);
        texts.extend(risk.improvements.iter().map(|i| i.text.as_str()));
    }
    for p in &r.recommendations {
        texts.push(&p.summary);
        for list in [&p.reasons, &p.against, &p.tradeoffs, &p.failure_modes] {
            texts.extend(list.iter().map(String::as_str));
        }
    }
    texts.extend(r.checks.iter().map(|c| c.message.as_str()));
    for item in &r.checklist {
        texts.push(&item.why);
        texts.push(&item.how);
    }
    texts
}

/// Markdown as paragraphs and flat lists of styled spans. Headings and code blocks become
/// paragraphs, nested lists join their parent, and HTML stays literal text. Only `http`,
/// `https` and `mailto` links are kept.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    let mut items: Vec<Vec<Span>> = Vec::new();
    let mut depth = 0usize;
    let mut style = Span::default();
    // Appends text in a style, to the last span when it has the same style.
    let push = |spans: &mut Vec<Span>, style: &Span, text: &str| match spans.last_mut() {
        Some(last)
            if (last.strong, last.emph, last.code, &last.url)
                == (style.strong, style.emph, style.code, &style.url) =>
        {
            last.text.push_str(text)
        }
        _ => spans.push(Span {
            text: text.to_owned(),
            ..style.clone()
        }),
    };
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => push(&mut spans, &style, &t),
            Event::Code(t) => {
                let code = Span {
                    code: true,
                    ..style.clone()
                };
                push(&mut spans, &code, &t);
            }
            Event::SoftBreak | Event::HardBreak => push(&mut spans, &style, " "),
            Event::Start(Tag::Strong) => style.strong = true,
            Event::End(TagEnd::Strong) => style.strong = false,
            Event::Start(Tag::Emphasis) => style.emph = true,
            Event::End(TagEnd::Emphasis) => style.emph = false,
            Event::Start(Tag::Link { dest_url, .. }) => {
                let safe = ["http://", "https://", "mailto:"]
                    .iter()
                    .any(|scheme| dest_url.starts_with(scheme));
                style.url = safe.then(|| dest_url.to_string());
            }
            Event::End(TagEnd::Link) => style.url = None,
            Event::Start(Tag::List(_)) => {
                flush_paragraph(&mut out, &mut spans, depth);
                depth += 1;
            }
            Event::End(TagEnd::List(_)) => {
                depth -= 1;
                if depth == 0 && !items.is_empty() {
                    out.push(Block::List(std::mem::take(&mut items)));
                }
            }
            Event::End(TagEnd::Item) if !spans.is_empty() => items.push(std::mem::take(&mut spans)),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock) => {
                if depth == 0 {
                    flush_paragraph(&mut out, &mut spans, depth);
                } else if !spans.is_empty() {
                    push(&mut spans, &style, " ");
                }
            }
            _ => {}
        }
    }
    flush_paragraph(&mut out, &mut spans, depth);
    out
}

fn flush_paragraph(out: &mut Vec<Block>, spans: &mut Vec<Span>, depth: usize) {
    if depth == 0 && !spans.is_empty() {
        out.push(Block::Paragraph(std::mem::take(spans)));
    }
}

/// Typst's errors, one a line, with where in the template each arose.
fn describe(world: &ReportWorld, errors: &[SourceDiagnostic]) -> String {
    let lines: Vec<String> = errors
        .iter()
        .map(|d| {
            let mut line = String::new();
            if let Some(id) = d.span.id() {
                line.push_str(id.vpath().get_with_slash());
                if let (Some(range), Ok(source)) = (world.range(d.span), world.source(id))
                    && let Some((l, c)) = source.lines().byte_to_line_column(range.start)
                {
                    line.push_str(&format!(":{}:{}", l + 1, c + 1));
                }
                line.push_str(": ");
            }
            line.push_str(&d.message);
            for hint in &d.hints {
                line.push_str(&format!(" (hint: {})", hint.v));
            }
            line
        })
        .collect();
    format!("PDF report: {}", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = include_str!("../../../questionnaires/tests/cases/full_answers.toml");
    const CONTAINERS: &str =
        include_str!("../../../questionnaires/tests/cases/06_steady_pricing_api.toml");
    const RISKY: &str =
        include_str!("../../../questionnaires/tests/cases/09_payment_capture_no_idempotency.toml");

    fn sample(answers: &str) -> Document {
        let q = questionnaires::builtin();
        let file = questionnaires::parse_answers_file(answers, questionnaires::Format::Toml, q)
            .expect("the sample answers parse");
        super::super::offline_document(q, &file, "2026-11-22T09:30:00Z")
    }

    fn render_to(doc: &Document, name: &str) -> Vec<u8> {
        let pdf = render(doc).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(pdf.starts_with(b"%PDF"), "{name} is not a PDF");
        std::fs::write(std::env::temp_dir().join(name), &pdf).expect("the PDF is written");
        pdf
    }

    /// The text laid out on the pages (not the text inside charts, which are images).
    fn laid_out_text(doc: &Document) -> String {
        fn collect(frame: &typst::layout::Frame, out: &mut String) {
            for (_, item) in frame.items() {
                match item {
                    typst::layout::FrameItem::Group(group) => collect(&group.frame, out),
                    typst::layout::FrameItem::Text(text) => out.push_str(&text.text),
                    _ => {}
                }
            }
        }
        let world = world(doc, true).expect("the world is built");
        let paged = typeset(&world).expect("the report typesets");
        let mut out = String::new();
        for page in paged.pages() {
            collect(&page.frame, &mut out);
        }
        out
    }

    #[test]
    fn every_question_answered_renders_the_same_bytes_each_time() {
        let doc = sample(FULL);
        let pdf = render_to(&doc, "trellis-report-full.pdf");
        assert_eq!(render(&doc), Ok(pdf));
    }

    #[test]
    fn a_containers_verdict_renders() {
        let doc = sample(CONTAINERS);
        assert!(!doc.report.verdict.serverless_fits);
        render_to(&doc, "trellis-report-containers.pdf");
    }

    #[test]
    fn user_text_is_printed_literally_and_never_read_as_markup() {
        const HOSTILE: [&str; 8] = [
            "#panic(\"boom\")",
            "]",
            "$x^2$",
            "<script>alert(1)</script>",
            "*bold*",
            "\\n",
            "`code`",
            "= heading <label> @ref // /* _x_",
        ];
        let mut doc = sample(RISKY);
        let hostile = HOSTILE.join(" ");
        let r = &mut doc.report;
        r.workload.name = format!("Pay {hostile}");
        r.workload.description = hostile.clone();
        r.workload.environment = "#set page(width: 1cm)".to_owned();
        r.snapshot = questionnaires::report::Snapshot::milestone(
            &hostile,
            "2026-11-01T12:00:00Z".to_owned(),
        );
        // Overlong runs must wrap inside their column rather than run off the page.
        r.answers[0].note = Some(format!(
            "{hostile} {} https://example.com/{}",
            "x".repeat(300),
            "path/".repeat(30)
        ));
        r.answers[1].answer = Some(hostile.clone());
        r.checklist[0].status = "open".to_owned();
        r.checklist[0].owner = hostile.clone();
        r.checklist[0].due_date = Some("2026-12-01".to_owned());
        render_to(&doc, "trellis-report-hostile.pdf");
        // Runs of 30 characters and more get invisible break opportunities.
        let text = laid_out_text(&doc).replace('\u{200B}', "");
        for h in HOSTILE {
            for word in h.split(' ') {
                assert!(text.contains(word), "{word:?} is not printed as written");
            }
        }
        assert!(text.contains("#set page(width: 1cm)"));
    }

    #[test]
    fn markdown_becomes_plain_styled_spans() {
        let b = blocks(
            "Use `x` **now**, see [docs](https://a.example) or [this](javascript:alert(1)).\n\n- one\n- two `y`",
        );
        let para = |t: &str| Span {
            text: t.to_owned(),
            ..Span::default()
        };
        assert_eq!(
            b,
            [
                Block::Paragraph(vec![
                    para("Use "),
                    Span {
                        code: true,
                        ..para("x")
                    },
                    para(" "),
                    Span {
                        strong: true,
                        ..para("now")
                    },
                    para(", see "),
                    Span {
                        url: Some("https://a.example".to_owned()),
                        ..para("docs")
                    },
                    para(" or this."),
                ]),
                Block::List(vec![
                    vec![para("one")],
                    vec![
                        para("two "),
                        Span {
                            code: true,
                            ..para("y")
                        }
                    ]
                ]),
            ]
        );
    }
}
