//! Hostile text through the real app: a review whose name, description, notes, owners and
//! milestone label hold HTML, `javascript:` links, external images and line breaks, and an
//! imported lens whose titles and texts hold the same. No export carries any of it as something
//! active: the Markdown (report, ADRs, backlog, starter README) renders no HTML, no link but
//! http(s), no image and no injected heading; the HTML file has no script, image or handler and a
//! strict CSP; the CSV has no cell a spreadsheet would run as a formula.

use axum::http::StatusCode;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::client::{Client, TestApp};
use super::exports::unzip;
use super::lenses::{SAMPLE, import, lens_text, start};
use super::scaffold::save;

/// Every kind of payload, with a line break that would start a heading.
const HOSTILE: &str = "Name\n# Injected <script>alert(1)</script> <img src=x onerror=alert(1)> \
                       [x](javascript:alert(1)) ![t](https://evil.example/p.png) \
                       [d](data:text/html;base64,PHNjcmlwdD4=) <javascript:alert(2)>";

/// What a Markdown renderer (GitHub's flavour) would make active in `md`: raw HTML (but the
/// `<br>` Trellis writes), links that are not http(s) or to a section, link definitions, images,
/// and headings the payload started.
fn active_markdown(md: &str) -> Vec<String> {
    let mut found = Vec::new();
    let parser = Parser::new_ext(md, Options::all());
    for (label, def) in parser.reference_definitions().iter() {
        found.push(format!("definition [{label}]: {}", def.dest));
    }
    let mut heading: Option<String> = None;
    for event in parser {
        match event {
            // Trellis's own line break between a risk's improvements.
            Event::InlineHtml(h) if &*h == "<br>" => {}
            Event::Html(h) | Event::InlineHtml(h) => found.push(format!("html {h}")),
            Event::Start(Tag::Link { dest_url, .. })
                if !(dest_url.starts_with("https://")
                    || dest_url.starts_with("http://")
                    || dest_url.starts_with('#')) =>
            {
                found.push(format!("link {dest_url}"));
            }
            Event::Start(Tag::Image { dest_url, .. }) => found.push(format!("image {dest_url}")),
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = heading.take()
                    && h.starts_with("Injected")
                {
                    found.push(format!("heading {h}"));
                }
            }
            _ => {}
        }
    }
    found
}

/// What in an HTML export could run, load or leave: the tags (text is escaped, so only real
/// tags count) that are scripts, images or frames, or carry an event handler, a `javascript:` URL
/// or a source elsewhere.
fn active_html(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    let mut found = Vec::new();
    for (at, _) in lower.match_indices('<') {
        let rest = &lower[at + 1..];
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        let name = tag.split([' ', '\n', '\t', '/']).next().unwrap_or("");
        let handler = tag
            .split_whitespace()
            .skip(1)
            .any(|attr| attr.starts_with("on") && attr.contains('='));
        if matches!(
            name,
            "script" | "img" | "image" | "iframe" | "object" | "embed" | "base"
        ) || handler
            || tag.contains("javascript:")
            || tag.contains("src=\"http")
            || (name == "a" && tag.contains("href=\"data:"))
        {
            found.push(format!("<{}>", tag.chars().take(120).collect::<String>()));
        }
    }
    found
}

/// A built-in review made of hostile text, with a decision (so ADRs and a starter exist), a
/// hostile note, hostile owners and a hostile milestone.
async fn hostile_review(c: &Client) -> String {
    let r = c
        .post(
            "/api/create_assessment",
            &[
                ("team", c.team.as_str()),
                ("name", HOSTILE),
                ("description", &format!("{HOSTILE}\n\n- item\n{HOSTILE}")),
                (
                    "environment",
                    "prod\n# Injected <img src=x onerror=alert(1)>",
                ),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let id = r.location.split('/').nth(2).unwrap().to_owned();
    save(
        c,
        &id,
        "workload_fit",
        &[
            ("q.entry_point", "http_api"),
            ("v.entry_point", ""),
            ("q.traffic_shape", "spiky"),
            ("v.traffic_shape", ""),
            ("note.traffic_shape", HOSTILE),
            ("q.peak_rps", "300"),
            ("v.peak_rps", ""),
            ("note.peak_rps", "=HYPERLINK(\"https://evil.example\")"),
            ("q.connection_model", "short_requests"),
            ("v.connection_model", ""),
        ],
    )
    .await;
    save(
        c,
        &id,
        "state",
        &[("q.data_store", "dynamodb"), ("v.data_store", "")],
    )
    .await;
    // Owners on open items, which the backlog files.
    let report = c.get(&format!("/assessments/{id}/report.json")).await;
    let report: serde_json::Value = serde_json::from_str(&report.body).unwrap();
    let items: Vec<String> = report["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "open")
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    for (item, owner) in items.iter().zip([HOSTILE, "@SUM(1+1)", "-2+3"]) {
        let r = c
            .post(
                "/api/save_checklist_item",
                &[
                    ("id", id.as_str()),
                    ("item", item),
                    ("status", "open"),
                    ("owner", owner),
                    ("due_date", ""),
                ],
            )
            .await;
        assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    }
    let r = c
        .post(
            "/api/create_milestone",
            &[
                ("id", id.as_str()),
                ("name", "M1\n# Injected <script>x</script>"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    id
}

#[tokio::test]
async fn no_export_of_a_hostile_review_carries_active_content() {
    let app = TestApp::new().await;
    let c = app.user("Mallory Markdown").await;
    let id = hostile_review(&c).await;
    let milestone = app.store.milestones(&id).await.unwrap()[0].id.clone();
    for base in [
        format!("/assessments/{id}"),
        format!("/assessments/{id}/milestones/{milestone}"),
    ] {
        let md = c.get(&format!("{base}/report.md")).await;
        assert_eq!(md.status, StatusCode::OK, "{}", md.body);
        assert!(
            md.body
                .contains("# Design review: Name # Injected &lt;script&gt;"),
            "{}",
            md.body
        );
        assert_eq!(
            active_markdown(&md.body),
            Vec::<String>::new(),
            "{base}/report.md"
        );

        let adr = c.get(&format!("{base}/adr.zip")).await;
        let records = unzip(&adr.bytes);
        assert!(
            records.iter().any(|(p, _)| p.starts_with("docs/adr/0001-")),
            "a decision: {records:?}"
        );
        for (path, text) in &records {
            assert!(
                text.contains("Name # Injected &lt;script&gt;"),
                "{path}: {text}"
            );
            assert_eq!(active_markdown(text), Vec::<String>::new(), "{path}");
        }

        let backlog = c.get(&format!("{base}/backlog.zip")).await;
        let issues = unzip(&backlog.bytes);
        assert!(issues.len() > 3);
        // The Markdown issues; the GitHub script is shell, which the tracker tests cover.
        for (path, text) in issues.iter().filter(|(p, _)| p.ends_with(".md")) {
            assert_eq!(active_markdown(text), Vec::<String>::new(), "{path}");
        }
        // Owners are the team's progress, which a milestone does not keep.
        if !base.contains("/milestones/") {
            let owners: Vec<&str> = issues
                .iter()
                .flat_map(|(_, t)| t.lines().filter(|l| l.contains("**Owner:**")))
                .collect();
            assert!(
                owners
                    .iter()
                    .any(|l| l.contains("**Owner:** Name # Injected &lt;script&gt;")),
                "{owners:?}"
            );
        }

        for page in ["report.html", "report"] {
            let html = c.get(&format!("{base}/{page}")).await;
            assert_eq!(html.status, StatusCode::OK);
            assert_eq!(
                active_html(&html.body),
                Vec::<String>::new(),
                "{base}/{page}"
            );
            assert!(
                html.body
                    .contains("Name\n# Injected &#60;script&#62;alert(1)&#60;/script&#62;"),
                "the text stays, escaped"
            );
            assert!(
                html.body.contains(
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
                     img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">"
                ),
                "{base}/{page}: a strict CSP"
            );
        }
    }

    let zip = c.get(&format!("/assessments/{id}/scaffold.zip")).await;
    assert_eq!(zip.status, StatusCode::OK, "{}", zip.body);
    let files = unzip(&zip.bytes);
    let (_, readme) = files
        .iter()
        .find(|(p, _)| p.ends_with("/README.md"))
        .unwrap();
    assert!(
        readme.starts_with("# Name # Injected &lt;script&gt;"),
        "{readme}"
    );
    assert_eq!(active_markdown(readme), Vec::<String>::new(), "README.md");
}

/// An imported lens whose pillar, question and choice titles and texts are hostile: the lens's
/// text is as untrusted as the review's.
#[tokio::test]
async fn no_export_of_a_review_on_a_hostile_lens_carries_active_content() {
    let app = TestApp::new().await;
    let c = app.user("Lenny Lens").await;
    let mut lens: serde_json::Value = serde_json::from_str(&lens_text(SAMPLE)).unwrap();
    let payload = |s: &str| format!("{s} <img src=x onerror=alert(1)> [x](javascript:alert(1))");
    lens["pillars"][0]["name"] = payload("Ops").into();
    let q = &mut lens["pillars"][0]["questions"][0];
    q["title"] = "=HYPERLINK(\"https://evil.example\") <script>alert(1)</script>".into();
    q["description"] = format!("{}\n\n![t](https://evil.example/p.png)", payload("Help")).into();
    for c in q["choices"].as_array_mut().unwrap() {
        c["title"] = payload(c["title"].as_str().unwrap()).into();
        c["improvementPlan"]["displayText"] = format!(
            "{}\n\n![t](https://evil.example/p.png)\n\n<script>alert(1)</script>",
            payload("Fix")
        )
        .into();
    }
    let lens_id = import(&c, &lens.to_string()).await;
    let (id, _) = start(&c, &lens_id).await;
    save(
        &c,
        &id,
        "opex",
        &[
            ("q.monitoring", "choice1"),
            ("q.monitoring", "choice2"),
            ("note.monitoring", "@SUM(1+1)"),
        ],
    )
    .await;

    let md = c.get(&format!("/assessments/{id}/report.md")).await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(
        md.body.contains("Ops &lt;img src=x onerror=alert(1)&gt;"),
        "{}",
        md.body
    );
    assert_eq!(active_markdown(&md.body), Vec::<String>::new(), "report.md");

    let backlog = c.get(&format!("/assessments/{id}/backlog.zip")).await;
    let issues = unzip(&backlog.bytes);
    assert!(
        issues.iter().any(|(_, t)| t.contains("Fix &lt;img")),
        "{issues:?}"
    );
    for (path, text) in issues.iter().filter(|(p, _)| p.ends_with(".md")) {
        assert_eq!(active_markdown(text), Vec::<String>::new(), "{path}");
    }

    for page in ["report.html", "report"] {
        let html = c.get(&format!("/assessments/{id}/{page}")).await;
        assert_eq!(html.status, StatusCode::OK);
        assert_eq!(active_html(&html.body), Vec::<String>::new(), "{page}");
        assert!(!html.body.contains("evil.example/p.png"), "{page}");
    }
    // The review page shows the lens's help without the image either.
    let review = c.get(&format!("/assessments/{id}/review/opex")).await;
    assert!(!review.body.contains("<img"), "review page");

    let csv = c.get(&format!("/assessments/{id}/report.csv")).await;
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let risk = rows.iter().find(|r| &r[0] == "risk").unwrap();
    assert!(risk[2].starts_with("'=HYPERLINK("), "{risk:?}");
}

/// Every CSV cell a spreadsheet would read as a formula starts with `'`; plain numbers stay.
#[tokio::test]
async fn the_csv_export_neutralises_formulas() {
    let app = TestApp::new().await;
    let c = app.user("Felix Formula").await;
    let id = c.create("=1+1").await;
    let owners = [
        "=HYPERLINK(\"https://evil.example\",\"x\")",
        "+1+1",
        "-2+3",
        "@SUM(1+1)",
        "=cmd|' /C calc'!A0",
        "-3",
        "Ana | Ops",
    ];
    let items: Vec<String> = questionnaires::builtin()
        .checklist
        .iter()
        .map(|i| i.id.to_string())
        .collect();
    for (item, owner) in items.iter().zip(owners) {
        let r = c
            .post(
                "/api/save_checklist_item",
                &[
                    ("id", id.as_str()),
                    ("item", item),
                    ("status", "open"),
                    ("owner", owner),
                    ("due_date", ""),
                ],
            )
            .await;
        assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    }
    let csv = c.get(&format!("/assessments/{id}/report.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    for (item, owner) in items.iter().zip(owners) {
        let row = rows.iter().find(|r| &r[1] == item.as_str()).unwrap();
        let want = match owner {
            "-3" | "Ana | Ops" => owner.to_owned(),
            _ => format!("'{owner}"),
        };
        assert_eq!(&row[6], want.as_str(), "{item}");
    }
    for row in &rows {
        for cell in row {
            let formula = cell.starts_with(['=', '+', '@', '\t', '\r'])
                || (cell.starts_with('-') && cell.parse::<f64>().is_err());
            assert!(!formula, "{cell:?} in {row:?}");
        }
    }
}
