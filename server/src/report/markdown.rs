//! The report as GitHub-flavoured Markdown, rendered with askama from `templates/report.md`:
//! tables, a task-list checklist, links to the questions, and the charts as Mermaid (GitHub
//! draws them). Also what changed between two snapshots (`templates/diff.md`). Every table cell
//! is escaped so user text cannot break a table, every Mermaid label is quoted, and no user or
//! lens text can carry HTML, a link or an image, or start a block (see [`super::md_escape`]).

use askama::Template;
use questionnaires::report::{Report, ReportPattern};

use super::md_escape::{block, cell, filters, line};
use super::{Document, Links};

/// Escapes text for a Mermaid label in double quotes: no quote to end it, no line break, and no
/// angle bracket for an HTML label (Mermaid's `#…;` entity codes show them).
fn mermaid(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace(['\r', '\n'], " ")
}

/// A score as a whole number, or a dash.
pub fn score(s: Option<f64>) -> String {
    s.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}"))
}

/// A US-dollar amount.
pub fn usd(x: f64) -> String {
    format!("${x:.2}")
}

/// Where serverless and containers cost the same, in words.
pub fn break_even(c: &questionnaires::report::ReportCost) -> String {
    c.break_even_requests.map_or_else(
        || "none in the charted range".to_owned(),
        |b| {
            format!(
                "{b:.0} requests/month (about {:.0} requests/s on average)",
                c.break_even_avg_rps.unwrap_or(0.0)
            )
        },
    )
}

/// One row of a Markdown table, already escaped.
pub struct Row(pub Vec<String>);

/// A pattern as the report shows it: its name, why, and what it costs.
struct PatternMd {
    heading: String,
    fit: String,
    summary: String,
    services: String,
    reasons: Vec<String>,
    against: Vec<String>,
    tradeoffs: Vec<String>,
    diagram: Option<String>,
}

#[derive(Template)]
#[template(path = "report.md", escape = "none")]
struct ReportMd<'a> {
    r: &'a Report,
    title: String,
    description: String,
    facts: Vec<Row>,
    overall: String,
    score_chart: String,
    areas: Vec<Row>,
    /// "3 high risks, 1 accepted; 2 medium risks".
    risk_counts: String,
    risks: Vec<Row>,
    ranking: Vec<Row>,
    patterns: Vec<PatternMd>,
    /// The decision records: number, title, chosen option, status.
    records: Vec<Row>,
    checks: Vec<Row>,
    skipped: Vec<Row>,
    cost: Option<(String, String, Vec<Row>)>,
    checklist: Vec<String>,
    answers: Vec<(String, Vec<Row>)>,
    /// Each discussed question's title and its comments (author, time, then the text quoted),
    /// when the report includes the discussion.
    discussion: Vec<(String, Vec<String>)>,
}

/// The questions that have comments, each with its comments as Markdown: who and when, then
/// the text as a quote, escaped like every other text a user wrote.
fn discussion(r: &Report) -> Vec<(String, Vec<String>)> {
    r.answers
        .iter()
        .filter(|x| !x.comments.is_empty())
        .map(|x| {
            let comments = x
                .comments
                .iter()
                .map(|c| {
                    let text = block(c.text.trim())
                        .lines()
                        .collect::<Vec<_>>()
                        .join("\n> ");
                    format!("**{}**, {}:\n\n> {text}", line(&c.author), line(&c.at))
                })
                .collect();
            (line(&x.title), comments)
        })
        .collect()
}

/// The horizontal bar chart of area scores, in Mermaid's `xychart-beta`.
fn score_chart(r: &Report) -> String {
    let labels: Vec<String> = r
        .areas
        .iter()
        .map(|a| format!("\"{}\"", mermaid(&a.title)))
        .collect();
    let values: Vec<String> = r
        .areas
        .iter()
        .map(|a| format!("{:.0}", a.score.unwrap_or(0.0)))
        .collect();
    format!(
        "```mermaid\nxychart-beta horizontal\n    title \"Score by area (0 = not scored)\"\n    x-axis [{}]\n    y-axis \"Score\" 0 --> 100\n    bar [{}]\n```",
        labels.join(", "),
        values.join(", ")
    )
}

/// The cost curves by monthly volume, in Mermaid's `xychart-beta`.
fn cost_chart(c: &questionnaires::report::ReportCost) -> String {
    let millions = |x: f64| format!("\"{}M\"", compact(x / 1e6));
    let xs: Vec<String> = c.series.iter().map(|p| millions(p.requests)).collect();
    let line = |f: fn(&questionnaires::report::CostPoint) -> f64| {
        c.series
            .iter()
            .map(|p| format!("{:.0}", f(p)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "```mermaid\nxychart-beta\n    title \"USD per month by requests per month\"\n    x-axis [{}]\n    y-axis \"USD per month\"\n    line [{}]\n    line [{}]\n```",
        xs.join(", "),
        line(|p| p.serverless_usd),
        line(|p| p.containers_usd)
    )
}

/// A number without trailing zeros: 1.5, 12, 0.25.
fn compact(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A pattern diagram as a Mermaid flowchart.
fn flowchart(p: &ReportPattern) -> Option<String> {
    if p.diagram.nodes.is_empty() {
        return None;
    }
    let mut out = String::from("```mermaid\nflowchart LR\n");
    let index = |id: &str| p.diagram.nodes.iter().position(|n| n.id == id);
    for (i, n) in p.diagram.nodes.iter().enumerate() {
        out.push_str(&format!("    n{i}[\"{}\"]\n", mermaid(&n.label)));
    }
    for e in &p.diagram.edges {
        let (Some(a), Some(b)) = (index(&e.from), index(&e.to)) else {
            continue;
        };
        if e.label.is_empty() {
            out.push_str(&format!("    n{a} --> n{b}\n"));
        } else {
            out.push_str(&format!("    n{a} -->|\"{}\"| n{b}\n", mermaid(&e.label)));
        }
    }
    out.push_str("```");
    Some(out)
}

/// A question title, linked to the question when the review can be linked to.
fn question(links: Option<&Links>, area: &str, id: &str, title: &str) -> String {
    match links {
        Some(l) => format!("[{}]({})", cell(title), l.question(area, id)),
        None => cell(title),
    }
}

/// Renders the report.
pub fn report(doc: &Document, links: Option<&Links>) -> Result<String, askama::Error> {
    let r = &doc.report;
    let q = &r.questionnaire;
    let mut facts = vec![];
    if !r.workload.environment.is_empty() {
        facts.push(Row(vec![
            "Environment".into(),
            cell(&r.workload.environment),
        ]));
    }
    facts.push(Row(vec![
        "Snapshot".into(),
        match &r.snapshot.saved_at {
            Some(at) => format!("Milestone “{}”, saved {at}", cell(&r.snapshot.label)),
            None => cell(&r.snapshot.label),
        },
    ]));
    facts.push(Row(vec![
        "Questionnaire".into(),
        format!(
            "{} {} (`{}`, content `{}`)",
            cell(&q.title),
            cell(&q.version),
            cell(&q.id),
            &q.content_hash[..12.min(q.content_hash.len())]
        ),
    ]));
    facts.push(Row(vec![
        "Answered".into(),
        format!(
            "{} of {} questions",
            r.progress.answered, r.progress.applicable
        ),
    ]));
    facts.push(Row(vec!["Generated".into(), cell(&r.generated_at)]));
    if let Some(l) = links {
        facts.push(Row(vec!["Online".into(), format!("<{}>", l.results())]));
    }
    let areas = r
        .areas
        .iter()
        .map(|a| {
            Row(vec![
                cell(&a.title),
                score(a.score),
                format!("{}/{}", a.answered, a.applicable),
                a.high.to_string(),
                a.medium.to_string(),
            ])
        })
        .collect();
    let risks = r
        .risks
        .iter()
        .map(|k| {
            let fix: Vec<String> = k.improvements.iter().map(|i| cell(&i.text)).collect();
            let why = match k.acceptance_sentence() {
                Some(said) => format!("{}<br>_{}_", cell(&k.reason), cell(&said)),
                None => cell(&k.reason),
            };
            Row(vec![
                format!("**{}**", k.level.to_uppercase()),
                match k.context() {
                    Some(title) => format!(
                        "**{}**<br>{}",
                        cell(&k.problem),
                        question(links, &k.area, &k.question, title)
                    ),
                    None => format!("**{}**", question(links, &k.area, &k.question, &k.problem)),
                },
                cell(&k.area_title),
                why,
                fix.join("<br>"),
            ])
        })
        .collect();
    let ranking = r
        .recommendations
        .iter()
        .filter(|p| p.score > 0.0)
        .map(|p| {
            Row(vec![
                p.rank.to_string(),
                cell(&p.name),
                cell(&p.kind),
                super::html::role(r, &p.pattern).to_owned(),
                cell(&p.fit),
            ])
        })
        .collect();
    let patterns = r
        .decided_patterns()
        .map(|p| PatternMd {
            heading: format!("{}. {}", p.rank, line(&p.name)),
            fit: format!("{} fit", line(&p.fit)),
            summary: block(p.summary.trim()),
            services: line(&p.services.join(", ")),
            reasons: p.reasons.iter().map(|x| line(x)).collect(),
            against: p.against.iter().map(|x| line(x)).collect(),
            tradeoffs: p.tradeoffs.iter().map(|x| line(x)).collect(),
            diagram: flowchart(p),
        })
        .collect();
    let checks = r
        .checks
        .iter()
        .map(|c| {
            Row(vec![
                match c.status.as_str() {
                    "ok" => "✅ ok".to_owned(),
                    "warn" => "⚠️ **warn**".to_owned(),
                    _ => "❌ **fail**".to_owned(),
                },
                cell(&c.title),
                cell(&c.message),
            ])
        })
        .collect();
    let skipped = r
        .skipped_checks
        .iter()
        .map(|s| {
            let needs: Vec<String> = s.needs_titles.iter().map(|n| cell(n)).collect();
            Row(vec![cell(&s.title), needs.join("; ")])
        })
        .collect();
    let cost = r.cost.as_ref().map(|c| {
        let break_even = break_even(c);
        let summary = format!(
            "At {:.0} requests/month, serverless costs about **{}/month** and containers about **{}/month** ({} tasks). Break-even: {break_even}. Cheaper now: **{}**.",
            c.monthly_requests,
            usd(c.serverless_usd),
            usd(c.containers_usd),
            c.container_tasks,
            c.cheaper
        );
        let assumptions = c.assumptions.iter().map(|a| Row(vec![cell(a)])).collect();
        (summary, cost_chart(c), assumptions)
    });
    let checklist = r
        .checklist
        .iter()
        .filter(|i| i.status != "not_applicable")
        .map(|i| {
            let mark = if i.status == "open" { " " } else { "x" };
            let mut extra = vec![
                format!("{} priority", line(&i.priority)),
                line(&i.area_title),
            ];
            if i.status == "accepted-risk" {
                extra.push("risk accepted".to_owned());
            }
            if !i.owner.is_empty() {
                extra.push(format!("owner: {}", line(&i.owner)));
            }
            if let Some(d) = &i.due_date {
                extra.push(format!("due {}", line(d)));
            }
            format!("- [{mark}] **{}** ({})", line(&i.title), extra.join(", "))
        })
        .collect();
    let answers = r
        .areas
        .iter()
        .map(|a| {
            let rows = r
                .answers
                .iter()
                .filter(|x| x.area == a.id)
                .map(|x| {
                    Row(vec![
                        question(links, &x.area, &x.question, &x.title),
                        x.answer
                            .as_deref()
                            .map_or_else(|| "_unanswered_".to_owned(), cell),
                        x.note.as_deref().map(cell).unwrap_or_default(),
                    ])
                })
                .collect();
            (cell(&a.title), rows)
        })
        .collect();
    ReportMd {
        r,
        title: line(&r.workload.name),
        description: block(r.workload.description.trim())
            .lines()
            .collect::<Vec<_>>()
            .join("\n> "),
        facts,
        overall: score(r.overall_score),
        score_chart: score_chart(r),
        areas,
        risk_counts: r.risk_counts().words(),
        risks,
        ranking,
        patterns,
        records: super::adr::index(r),
        checks,
        skipped,
        cost,
        checklist,
        answers,
        discussion: discussion(r),
    }
    .render()
}

#[derive(Template)]
#[template(path = "diff.md", escape = "none")]
struct DiffMd<'a> {
    workload: String,
    from: String,
    to: String,
    d: &'a questionnaires::diff::Diff,
    scores: Vec<Row>,
    risks: Vec<Row>,
    ranks: Vec<Row>,
    answers: Vec<Row>,
}

/// Renders what changed between two snapshots.
pub fn diff(
    workload: &str,
    from: &str,
    to: &str,
    d: &questionnaires::diff::Diff,
) -> Result<String, askama::Error> {
    let level = |r: Option<questionnaires::Risk>| r.map_or("none", |r| r.as_str()).to_owned();
    let risks = [
        ("appeared", &d.appeared),
        ("resolved", &d.resolved),
        ("changed", &d.changed),
    ]
    .into_iter()
    .flat_map(|(kind, list)| {
        list.iter().map(move |r| {
            Row(vec![
                kind.to_owned(),
                cell(&r.title),
                level(r.before),
                level(r.after),
            ])
        })
    })
    .collect();
    let rank = |x: Option<usize>| x.map_or_else(|| "–".to_owned(), |n| format!("#{n}"));
    DiffMd {
        workload: cell(workload),
        from: cell(from),
        to: cell(to),
        d,
        scores: d
            .scores
            .iter()
            .map(|s| {
                Row(vec![
                    cell(&s.title),
                    score(s.before),
                    score(s.after),
                    s.delta().map_or_else(String::new, |x| format!("{x:+.0}")),
                ])
            })
            .collect(),
        risks,
        ranks: d
            .ranks
            .iter()
            .map(|r| Row(vec![cell(&r.name), rank(r.before), rank(r.after)]))
            .collect(),
        answers: d
            .answers
            .iter()
            .map(|a| {
                let show =
                    |x: &Option<String>| x.as_deref().map_or_else(|| "unanswered".to_owned(), cell);
                Row(vec![cell(&a.title), show(&a.before), show(&a.after)])
            })
            .collect(),
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_labels_cannot_break_out() {
        assert_eq!(cell("a|b\nc\\"), "a\\|b c\\\\");
        assert_eq!(mermaid("say \"hi\"\n"), "say #quot;hi#quot; ");
        assert_eq!(mermaid("<img src=x>"), "#lt;img src=x#gt;");
        assert_eq!(cell("[x]"), "\\[x\\]");
        assert_eq!(compact(1.50), "1.5");
        assert_eq!(compact(12.0), "12");
    }
}
