//! Every export of two scenarios against golden files, and what each format promises: the JSON
//! validates against its schema, the CSV parses back, the ADRs are checked in
//! [`super::exports_adr`], the backlog has one issue per open item, the PDF has every section; and the
//! downloads through each scope (review, milestone, share link).
//!
//! `UPDATE_GOLDEN=1 cargo test -p server --test api exports` rewrites the golden files; review
//! the diff before committing it.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use axum::http::{StatusCode, header};
use questionnaires::Risk;
use questionnaires::acceptance::Acceptance;
use questionnaires::report::{Input, ItemProgress, Snapshot};
use server::report::Document;
use server::report::export::{Export, Scope};

use crate::client::TestApp;

/// Every verdict: fits (with team progress and an accepted risk), use containers, fits with
/// blockers, and too early to tell; and the one with blockers as an owner approved it, each
/// blocker accepted with its reason.
pub(super) const SCENARIOS: [&str; 5] = [
    "full_answers",
    "06_steady_pricing_api",
    "12_monthly_billing_run",
    "31_early_review_few_answers",
    "12_monthly_billing_run_approved",
];

/// The sign-off of an `_approved` scenario: every blocker accepted, with a reason.
fn approved(r: &questionnaires::report::Report) -> questionnaires::report::ReportSignOff {
    questionnaires::report::ReportSignOff {
        by: "Olive Owner".to_owned(),
        at: "2026-11-23T16:00:00Z".to_owned(),
        milestone: "Architecture board, November".to_owned(),
        verdict_status: r.verdict.status.clone(),
        verdict_label: r.verdict.label.clone(),
        accepted: r
            .verdict
            .blockers
            .iter()
            .map(|b| questionnaires::report::AcceptedBlocker {
                title: b.title.clone(),
                reason: format!(
                    "Accepted for the first billing run | {}: the team fixes it before the second.",
                    b.kind
                ),
            })
            .collect(),
        changed_since: false,
    }
}
const AT: &str = "2026-11-24T09:30:00Z";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// A scenario's document; the full one also carries team progress on two items and an accepted
/// risk.
pub(super) fn scenario(name: &str) -> Document {
    let (case, signed) = match name.strip_suffix("_approved") {
        Some(case) => (case, true),
        None => (name, false),
    };
    let path = root().join(format!("../questionnaires/tests/cases/{case}.toml"));
    let q = questionnaires::builtin();
    let text = std::fs::read_to_string(path).unwrap();
    let file = questionnaires::parse_answers_file(&text, questionnaires::Format::Toml, q).unwrap();
    let evaluation = questionnaires::evaluate(q, &file.answers);
    let mut progress = BTreeMap::new();
    let mut acceptances = BTreeMap::new();
    if name == "full_answers" {
        let item = |status: &str, owner: &str, due: Option<&str>| ItemProgress {
            status: status.to_owned(),
            owner: owner.to_owned(),
            due_date: due.map(str::to_owned),
        };
        progress.insert(
            "budget_alarm".to_owned(),
            item("accepted-risk", "Ana | Ops", Some("2026-12-31")),
        );
        progress.insert("failure_destinations".to_owned(), item("done", "Sam", None));
        let accepted = |level| Acceptance {
            level,
            reason: "Retries and NAT are measured in the load test | not estimated".to_owned(),
            by: "Ana | Ops".to_owned(),
            at: "2026-11-20T08:15:00Z".to_owned(),
        };
        acceptances.insert("cost_model".to_owned(), accepted(Risk::Medium));
        // A question that raises no risk: its acceptance shows nowhere.
        acceptances.insert("iac".to_owned(), accepted(Risk::High));
    }
    let mut doc = server::report::document(Input {
        q,
        workload: &file.workload,
        answers: &file.answers,
        evaluation: &evaluation,
        progress: &progress,
        acceptances: &acceptances,
        snapshot: Snapshot::current(),
        generated_at: AT.to_owned(),
    });
    if signed {
        let sign_off = approved(&doc.report);
        doc.report.sign(sign_off);
    }
    doc
}

/// The text files of a zip, by name.
pub(super) fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            (f.name().to_owned(), text)
        })
        .collect()
}

pub(super) fn pdftotext(pdf: &[u8]) -> (String, usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(text.status.success());
    let info = std::process::Command::new("pdfinfo")
        .arg(&path)
        .output()
        .unwrap();
    let info = String::from_utf8(info.stdout).unwrap();
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (String::from_utf8(text.stdout).unwrap(), pages)
}

/// Every file a scenario exports, as (name, text).
async fn exports(doc: &Document) -> Vec<(String, String)> {
    let links = Some(server::report::Links {
        review: "https://trellis.example/assessments/example".to_owned(),
    });
    let mut files = Vec::new();
    let (mut short, mut long_pages) = (None, 0);
    let heavy = server::service::heavy::Heavy::default();
    // The report page is the HTML export plus a toolbar: the scope tests cover it.
    for export in Export::ALL.into_iter().filter(|e| *e != Export::Page) {
        let bytes = server::report::routes::render(
            &heavy,
            doc.clone(),
            links.clone(),
            Scope::Review("example".to_owned()),
            export,
        )
        .await
        .unwrap();
        match export {
            Export::Adr | Export::Backlog => files.extend(unzip(&bytes)),
            Export::Pdf => {
                let (text, pages) = pdftotext(&bytes);
                long_pages = pages;
                files.push(("report.pdf.txt".to_owned(), text));
            }
            // The short PDF is the long one without its answers appendix: checked against it
            // here rather than kept as a second golden copy.
            Export::PdfShort => short = Some(pdftotext(&bytes)),
            other => files.push((other.file().to_owned(), String::from_utf8(bytes).unwrap())),
        }
    }
    let (short, short_pages) = short.expect("the short PDF is an export");
    let long = &files
        .iter()
        .find(|(name, _)| name == "report.pdf.txt")
        .expect("the PDF is an export")
        .1;
    let appendix = "Every question in one table, by area,";
    assert!(long.contains(appendix), "the PDF has the answers appendix");
    assert!(
        !short.contains(appendix),
        "the short PDF has no answers appendix"
    );
    assert!(
        short_pages < long_pages,
        "the short PDF has {short_pages} pages, the long one {long_pages}"
    );
    files
}

#[tokio::test]
async fn every_export_of_five_scenarios_matches_its_golden_file() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut stale = Vec::new();
    for name in SCENARIOS {
        let dir = root().join("tests/golden").join(name);
        let files = exports(&scenario(name)).await;
        if update {
            let _ = std::fs::remove_dir_all(&dir);
        }
        for (file, text) in &files {
            let path = dir.join(file);
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(format!("{name}/{file}"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "exports differ from their golden files (UPDATE_GOLDEN=1 rewrites them): {stale:?}"
    );
}

#[tokio::test]
async fn the_json_export_validates_against_its_schema_and_carries_the_questionnaire() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/report-v1.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let q = questionnaires::builtin();
    for name in SCENARIOS {
        let doc = scenario(name);
        let json: serde_json::Value = serde_json::to_value(&doc.report).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert_eq!(json["format"], "trellis-report/1");
        assert_eq!(json["questionnaire"]["version"], q.version.as_str());
        assert_eq!(
            json["questionnaire"]["content_hash"],
            q.content_hash.as_str()
        );
    }
    // The schema is strict enough to catch drift: an unknown field or a bad level fails.
    let mut json = serde_json::to_value(&scenario(SCENARIOS[0]).report).unwrap();
    json["surprise"] = serde_json::json!(1);
    json["risks"][0]["level"] = serde_json::json!("extreme");
    assert_eq!(validator.iter_errors(&json).count(), 2);
}

#[tokio::test]
async fn the_csv_parses_back_with_its_columns_and_one_row_per_risk_and_item() {
    let doc = scenario("full_answers");
    let text = server::report::csv::render(&doc, None).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers, server::report::csv::COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let r = &doc.report;
    assert_eq!(rows.len(), r.risks.len() + r.checklist.len());
    let budget = rows.iter().find(|x| &x[1] == "budget_alarm").unwrap();
    assert_eq!(
        (&budget[5], &budget[6], &budget[7]),
        ("accepted-risk", "Ana | Ops", "2026-12-31")
    );
}

#[tokio::test]
async fn the_backlog_has_one_issue_per_open_item_highest_priority_first() {
    let doc = scenario("full_answers");
    let bytes = server::report::backlog::zip(&doc, None).unwrap();
    let mut files = unzip(&bytes);
    // The GitHub import script comes last (the tracker tests cover it).
    assert_eq!(files.pop().unwrap().0, server::report::backlog::SCRIPT);
    let open = doc.report.open_items();
    assert_eq!(files.len(), open.len());
    for ((path, text), item) in files.iter().zip(&open) {
        assert!(path.starts_with("backlog/") && path.ends_with(".md"));
        assert!(text.starts_with(&format!("# {}\n", item.title)), "{path}");
        for section in [
            "## Why",
            "## How to fix",
            "## Acceptance criteria",
            "## Links",
        ] {
            assert!(text.contains(section), "{path}: {section}");
        }
    }
    assert!(
        files.iter().all(|(p, _)| !p.contains("budget-alarm")),
        "an accepted risk is not open"
    );
}

#[tokio::test]
async fn the_pdf_has_every_section_and_a_sane_page_count() {
    for name in SCENARIOS {
        let doc = scenario(name);
        let pdf = server::report::pdf::render(&doc).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let (text, pages) = pdftotext(&pdf);
        assert!((3..=30).contains(&pages), "{name}: {pages} pages");
        let mut sections = vec![
            "Scores",
            "Risks",
            "Recommended patterns",
            "Checks",
            "Checklist",
            "Answers",
        ];
        if doc.report.cost.is_some() {
            sections.push("Cost");
        }
        for s in sections {
            assert!(text.contains(s), "{name}: no {s}");
        }
        assert!(text.contains(&doc.report.workload.name));
        assert!(text.contains(&doc.report.questionnaire.content_hash[..12]));
        for a in &doc.report.areas {
            assert!(
                text.contains(&a.title),
                "{name}: chart or table lacks {}",
                a.title
            );
        }
    }
}

/// The executive summary opens every format, holds page one of the PDF whole, and asks what
/// each verdict needs of its reader.
#[tokio::test]
async fn the_summary_comes_first_and_asks_what_each_verdict_needs() {
    let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    for name in SCENARIOS {
        let doc = scenario(name);
        let r = &doc.report;
        let s = &r.summary;
        let files = exports(&doc).await;
        let file = |f: &str| &files.iter().find(|(p, _)| p == f).unwrap().1;

        let (pdf, _) = pdftotext(&server::report::pdf::render(&doc).unwrap());
        let first = flat(pdf.split('\x0c').next().unwrap());
        assert!(first.contains("Executive summary"), "{name}: {first}");
        let shown = s
            .decisions
            .iter()
            .chain(s.blockers.iter().take(5))
            .chain(&s.top_risks)
            .chain(&s.first_steps)
            .chain(&s.sign_off)
            .chain([&s.headline]);
        for line in shown {
            assert!(first.contains(&flat(line)), "{name}: page 1 lacks {line:?}");
        }
        for (f, summary, next) in [
            ("report.md", "## Executive summary", "## Scores"),
            ("report.html", "<h2>Executive summary</h2>", "id=\"scores\""),
        ] {
            let text = file(f);
            let (a, b) = (text.find(summary), text.find(next));
            assert!(
                a.is_some() && a < b,
                "{name}: {f} puts the summary after {next}"
            );
        }

        let decisions = s.decisions.join("\n");
        match r.verdict.status.as_str() {
            // Approved: the decisions to approve and to accept the blockers are taken; page one
            // says who took them, and why each blocker is accepted.
            _ if r.sign_off.is_some() => {
                let sign_off = s.sign_off.as_deref().unwrap();
                assert!(
                    sign_off.starts_with("Approved by Olive Owner on 2026-11-23"),
                    "{sign_off}"
                );
                assert!(
                    !decisions.contains("Approve the design") && !decisions.contains("For each"),
                    "{decisions}"
                );
                for a in &r.sign_off.as_ref().unwrap().accepted {
                    assert!(
                        first.contains(&flat(&format!("{}: {}", a.title, a.reason))),
                        "{name}: page 1 lacks {}",
                        a.title
                    );
                    assert!(file("report.md").contains(&a.title), "{name}");
                }
            }
            "incomplete" => {
                assert!(s.headline.starts_with("Too early to decide"), "{name}");
                assert!(s.provisional);
                assert!(decisions.contains("questions still open"), "{decisions}");
            }
            "fits_with_blockers" => {
                assert_eq!(s.blockers.len(), r.verdict.blockers.len());
                assert!(
                    decisions.contains("For each of the three blockers"),
                    "{decisions}"
                );
                assert!(decisions.contains("Approve the design"), "{decisions}");
            }
            "does_not_fit" => {
                assert!(
                    s.decisions[0].starts_with("Approve containers"),
                    "{decisions}"
                );
                assert_eq!(s.cost.as_ref().unwrap().cheaper, "containers");
            }
            _ => assert!(
                s.decisions[0].starts_with("Approve the design"),
                "{decisions}"
            ),
        }
        // A risk listed as a blocker is not listed again among the top risks.
        for b in &r.verdict.blockers {
            assert!(
                s.top_risks.iter().all(|k| !k.starts_with(&b.title)),
                "{name}: {} twice",
                b.title
            );
        }
    }
}

/// Every format downloads for a member, through a share link and as of a milestone, with its
/// content type and a file name; unknown milestones and revoked access get errors.
#[tokio::test]
async fn every_format_downloads_in_every_scope() {
    let app = TestApp::new().await;
    let owner = app.user("Owner").await;
    let id = owner.create("Checkout API").await;
    let r = owner
        .post(
            "/api/create_milestone",
            &[("id", id.as_str()), ("name", "Kick-off")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let milestone = app.store.milestones(&id).await.unwrap()[0].id.clone();
    let r = owner
        .post(&format!("/assessments/{id}/share-links"), &[("days", "7")])
        .await;
    let token = r
        .body
        .split("http://localhost/share/")
        .nth(1)
        .and_then(|s| s.split(['<', '"']).next())
        .unwrap()
        .to_owned();
    let anonymous = app.anonymous();
    for export in Export::ALL {
        for (who, scope) in [
            (&owner, Scope::Review(id.clone())),
            (&owner, Scope::Milestone(id.clone(), milestone.clone())),
            (&anonymous, Scope::Share(token.clone())),
        ] {
            let r = who.get(&scope.path(export)).await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "{}: {}",
                scope.path(export),
                r.body
            );
            let disposition = r.headers.get(header::CONTENT_DISPOSITION);
            if export == Export::Page {
                assert!(disposition.is_none());
                assert!(r.body.contains("Checkout API"));
            } else {
                let d = disposition.unwrap().to_str().unwrap();
                assert!(
                    d.starts_with("attachment; filename=\"trellis-checkout-api"),
                    "{d}"
                );
            }
            assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
            let share = matches!(scope, Scope::Share(_));
            if matches!(export, Export::Markdown | Export::Csv) {
                assert_eq!(
                    r.body.contains("http://localhost/assessments/"),
                    !share,
                    "{}: links back into the app only for members",
                    scope.path(export)
                );
            }
            if export == Export::Json {
                let json: serde_json::Value = serde_json::from_slice(&r.bytes).unwrap();
                let kind = if matches!(scope, Scope::Milestone(..)) {
                    "milestone"
                } else {
                    "current"
                };
                assert_eq!(json["snapshot"]["kind"], kind);
            }
        }
    }
    let r = owner
        .get(&Scope::Milestone(id.clone(), "nope".into()).path(Export::Pdf))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("no such milestone"));
    let stranger = app.user("Stranger").await;
    let r = stranger
        .get(&Scope::Review(id.clone()).path(Export::Json))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("Checkout API"));
}
