//! Work items a tracker imports: the Jira CSV parses back with the columns Jira's importer
//! maps, one row per open item, labels one per column, estimates in seconds, hostile text intact
//! and inert; the backlog's GitHub script is valid bash (and ShellCheck-clean), creates nothing
//! on a dry run, and on a real run makes exactly the expected `gh` calls, whatever the titles say.

use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use server::report::Document;

use crate::exports::{SCENARIOS, scenario};

/// The Jira CSV of a document, parsed: the header and the rows.
fn jira(doc: &Document) -> (Vec<String>, Vec<Vec<String>>) {
    let text = server::report::jira::render(doc, None).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn the_jira_csv_has_the_importers_columns_and_one_row_per_open_item() {
    for name in SCENARIOS {
        let doc = scenario(name);
        let (header, rows) = jira(&doc);
        assert_eq!(
            header[..8],
            [
                "Summary",
                "Issue Type",
                "Priority",
                "Description",
                "Original Estimate",
                "Due Date",
                "Assignee",
                "External ID"
            ],
            "{name}"
        );
        assert!(header.len() > 8 && header[8..].iter().all(|h| h == "Labels"));
        let open = doc.report.open_items();
        assert_eq!(rows.len(), open.len(), "{name}");
        assert!(!open.is_empty(), "{name}: every scenario has open work");
        let mut ids = BTreeSet::new();
        for (row, item) in rows.iter().zip(&open) {
            assert_eq!(row.len(), header.len());
            assert_eq!(row[0], item.title);
            assert_eq!(row[1], "Task");
            let want = match item.priority.as_str() {
                "high" => "High",
                "medium" => "Medium",
                _ => "Low",
            };
            assert_eq!(row[2], want);
            // Seconds of 8-hour days: S 3 days, M 10, L 20.
            let days = match item.effort.as_deref() {
                Some("S") => "86400",
                Some("M") => "288000",
                Some("L") => "576000",
                _ => "",
            };
            assert_eq!(row[4], days, "{name}: {}", item.title);
            assert_eq!(row[5], item.due_date.clone().unwrap_or_default());
            assert_eq!(row[6], item.owner);
            assert!(row[7].starts_with("trellis-") && ids.insert(row[7].clone()));
            // The labels, one per column, then empty cells.
            let labels: Vec<&str> = row[8..]
                .iter()
                .map(String::as_str)
                .filter(|l| !l.is_empty())
                .collect();
            assert_eq!(labels[0], "trellis");
            assert!(labels[1].starts_with("area:") && !labels[1].contains(' '));
            assert_eq!(labels[2], format!("risk:{}", item.priority));
            assert!(
                ["roadmap:now", "roadmap:next", "roadmap:later"].contains(&labels[3]),
                "{labels:?}"
            );
            // The description is wiki markup, with the acceptance criteria as a list.
            let d = &row[3];
            assert!(d.contains("\nh3. Acceptance criteria\n* "), "{d}");
            assert!(!d.contains("\n## ") && !d.contains("- [ ]"), "{d}");
            assert!(!item.acceptance.is_empty(), "{}", item.title);
            for c in &item.acceptance {
                let first = c.split(['[', ']', '{', '}', '|', '!']).next().unwrap();
                assert!(d.contains(first), "{name}: {c}");
            }
        }
        // The external id is stable: the same item gets the same id in another export.
        let (_, again) = jira(&scenario(name));
        assert_eq!(
            rows.iter().map(|r| &r[7]).collect::<Vec<_>>(),
            again.iter().map(|r| &r[7]).collect::<Vec<_>>()
        );
    }
}

#[test]
fn hostile_text_survives_the_jira_csv_as_inert_text() {
    let mut doc = scenario("full_answers");
    let first = doc.report.open_items()[0].id.clone();
    let title = "=cmd|' /C calc'!A0, \"quoted\", commas\nand a second line";
    let item = doc
        .report
        .checklist
        .iter_mut()
        .find(|i| i.id == first)
        .unwrap();
    item.title = title.to_owned();
    item.owner = "@SUM(1+1), \"Ana\"".to_owned();
    item.why = "Breaks {color:red}here{color} and [here|javascript:alert(1)]\n-3 stays".to_owned();
    let (header, rows) = jira(&doc);
    assert_eq!(rows.len(), doc.report.open_items().len());
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let row = &rows[0];
    // One line, and a formula prefix made text, as report.csv does.
    assert_eq!(
        row[0],
        "'=cmd|' /C calc'!A0, \"quoted\", commas and a second line"
    );
    assert_eq!(row[6], "'@SUM(1+1), \"Ana\"");
    let d = &row[3];
    assert!(
        d.contains("Breaks \\{color:red\\}here\\{color\\} and \\[here\\|javascript:alert(1)\\]"),
        "{d}"
    );
    assert!(!d.contains("[here|javascript"), "{d}");
}

/// The backlog zip, unpacked into a directory, with each file's mode.
fn unpack(doc: &Document, dir: &Path) -> Vec<(String, u32)> {
    let bytes = server::report::backlog::zip(doc, None).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut text = Vec::new();
        f.read_to_end(&mut text).unwrap();
        let path = dir.join(f.name());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let mode = f.unix_mode().unwrap_or(0o644) & 0o777;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        out.push((f.name().to_owned(), mode));
    }
    out
}

/// ShellCheck: on PATH, at `TRELLIS_SHELLCHECK`, or where `scripts/shellcheck-setup` installs it.
fn shellcheck() -> PathBuf {
    if let Some(p) = std::env::var_os("TRELLIS_SHELLCHECK") {
        return p.into();
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    let venv = Path::new(&home).join(".cache/trellis-tools/shellcheck-venv/bin/shellcheck");
    if venv.exists() {
        return venv;
    }
    assert!(
        Command::new("shellcheck").arg("--version").output().is_ok(),
        "ShellCheck is missing: run scripts/shellcheck-setup"
    );
    PathBuf::from("shellcheck")
}

#[test]
fn the_github_script_is_executable_valid_bash_and_shellcheck_clean() {
    let shellcheck = shellcheck();
    for name in SCENARIOS {
        let doc = scenario(name);
        let dir = tempfile::tempdir().unwrap();
        let files = unpack(&doc, dir.path());
        let script = files
            .iter()
            .find(|(f, _)| f == "backlog/create-issues.sh")
            .unwrap();
        assert_eq!(script.1, 0o755, "{name}: the script is executable");
        assert_eq!(files.len(), doc.report.open_items().len() + 1, "{name}");
        let path = dir.path().join("backlog/create-issues.sh");
        let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
        assert!(
            syntax.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&syntax.stderr)
        );
        let lint = Command::new(&shellcheck)
            .args(["--shell=bash", "--severity=style"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            lint.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&lint.stdout)
        );
    }
}

/// A directory with a fake `gh` that appends each call's arguments, tab-separated, to `gh.log`.
fn fake_gh(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let gh = bin.join("gh");
    std::fs::write(
        &gh,
        "#!/usr/bin/env bash\n{ for a in \"$@\"; do printf '%s\\t' \"$a\"; done; printf '\\n'; } >> \"$GH_LOG\"\necho https://github.com/acme/checkout/issues/1\n",
    )
    .unwrap();
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn run(script: &Path, bin: &Path, log: &Path, args: &[&str]) -> std::process::Output {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    Command::new("bash")
        .arg(script)
        .args(args)
        .env("PATH", path)
        .env("GH_LOG", log)
        .output()
        .unwrap()
}

#[test]
fn a_dry_run_calls_nothing_and_a_real_run_files_every_item_whatever_its_title() {
    let dir = tempfile::tempdir().unwrap();
    let pwned = dir.path().join("pwned");
    // The scenario with the most open items (blockers), so each hostile title files.
    let mut doc = SCENARIOS
        .into_iter()
        .map(scenario)
        .max_by_key(|d| d.report.open_items().len())
        .unwrap();
    let open: Vec<String> = doc
        .report
        .open_items()
        .iter()
        .map(|i| i.id.clone())
        .collect();
    let hostile = [
        format!("Fix $(touch {}) now", pwned.display()),
        format!("Run `touch {}` and it's \"done\"", pwned.display()),
        format!("'; touch {}; echo '\nsecond line $HOME *", pwned.display()),
    ];
    assert!(open.len() >= hostile.len());
    for (id, title) in open.iter().zip(&hostile) {
        let item = doc
            .report
            .checklist
            .iter_mut()
            .find(|i| i.id == *id)
            .unwrap();
        item.title = title.clone();
    }
    let work = dir.path().join("work");
    unpack(&doc, &work);
    let script = work.join("backlog/create-issues.sh");
    let bin = fake_gh(dir.path());
    let log = dir.path().join("gh.log");

    // Bad usage: a clear error, no call.
    let bad = run(&script, &bin, &log, &["--dry-run"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--repo OWNER/NAME is required"));
    let bad = run(&script, &bin, &log, &["--repo", "acme/checkout", "--force"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(!log.exists());

    // The dry run prints every command and calls none.
    let dry = run(
        &script,
        &bin,
        &log,
        &["--repo", "acme/checkout", "--dry-run"],
    );
    let stdout = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(!log.exists(), "the dry run called gh");
    assert!(!pwned.exists(), "a title ran a command");
    let planned = stdout
        .lines()
        .filter(|l| l.starts_with("would run: gh "))
        .count();
    let labels: BTreeSet<String> = server::report::workitem::all(&doc.report, None)
        .iter()
        .flat_map(|w| w.labels.clone())
        .collect();
    assert_eq!(planned, labels.len() + open.len(), "{stdout}");

    // The real run, against the fake gh: the labels, then one issue per item, highest priority
    // first, each title exactly as written (its line break a space).
    let real = run(&script, &bin, &log, &["--repo=acme/checkout"]);
    assert!(
        real.status.success(),
        "{}",
        String::from_utf8_lossy(&real.stderr)
    );
    assert!(!pwned.exists(), "a title ran a command");
    let calls: Vec<Vec<String>> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            l.strip_suffix('\t')
                .unwrap()
                .split('\t')
                .map(str::to_owned)
                .collect()
        })
        .collect();
    assert_eq!(calls.len(), labels.len() + open.len());
    let (label_calls, issue_calls) = calls.split_at(labels.len());
    let mut created = BTreeSet::new();
    for c in label_calls {
        assert_eq!(c[..2], ["label", "create"]);
        assert_eq!(c[3..5], ["--repo", "acme/checkout"]);
        assert_eq!(c[5], "--color");
        assert!(c[6].len() == 6 && c[6].chars().all(|x| x.is_ascii_hexdigit()));
        assert_eq!(c[7], "--description");
        assert!(!c[8].is_empty() && c[8].chars().count() <= 100);
        assert_eq!(c[9], "--force");
        created.insert(c[2].clone());
    }
    assert_eq!(created, labels);
    let items = server::report::workitem::all(&doc.report, None);
    for (c, w) in issue_calls.iter().zip(&items) {
        let mut want: Vec<String> = [
            "issue",
            "create",
            "--repo",
            "acme/checkout",
            "--title",
            &w.item.title.replace('\n', " "),
            "--body-file",
            &work
                .join("backlog")
                .join(format!("{}.md", w.stem))
                .display()
                .to_string(),
        ]
        .map(str::to_owned)
        .to_vec();
        for l in &w.labels {
            want.extend(["--label".to_owned(), l.clone()]);
        }
        assert_eq!(*c, want);
        let body = std::fs::read_to_string(&want[7]).unwrap();
        assert!(body.contains("## Acceptance criteria\n\n- [ ] "), "{body}");
    }
    assert_eq!(issue_calls[0][5], hostile[0]);
    assert_eq!(issue_calls[1][5], hostile[1]);
    assert_eq!(issue_calls[2][5], hostile[2].replace('\n', " "));
}
