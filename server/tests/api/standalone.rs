//! One binary carries everything: the `trellis` binary copied alone into an empty directory,
//! and started there on a fresh SQLite file, migrates it, serves its pages with the browser
//! bundle (JavaScript and WebAssembly with their content types, gzipped on request), the
//! stylesheet and the questionnaire, renders a PDF with its fonts, and names its commit. Its
//! database is that file, never the test's (`scripts/test` runs it once, not again in its
//! Postgres pass).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::served::{Got, Served, agent, eventually, get, header};

/// `program args…`, trying again while the kernel says the file is busy: a binary just copied
/// can be briefly held open for writing by a process another test thread is forking.
fn run(program: &Path, dir: &Path, args: &[&str]) -> Output {
    let run = || Command::new(program).args(args).current_dir(dir).output();
    eventually(Duration::from_secs(10), || match run() {
        Err(e) if e.raw_os_error() == Some(26) => None,
        result => Some(result.unwrap()),
    })
    .unwrap_or_else(|| run().unwrap())
}

/// (status, headers, body bytes) of a GET with `headers`.
fn get_bytes(url: &str, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut req = agent().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut res = req.call().unwrap();
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = res
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .unwrap();
    (status, headers, body)
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[test]
fn a_copied_binary_serves_pages_with_their_bundle_from_an_empty_directory() {
    let home = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let binary = home.path().join("trellis");
    std::fs::copy(env!("CARGO_BIN_EXE_trellis"), &binary).unwrap();

    // It names the commit it was built from.
    let version = run(&binary, home.path(), &["--version"]);
    assert!(version.status.success());
    let version = String::from_utf8(version.stdout).unwrap();
    let commit = env!("TRELLIS_COMMIT");
    assert_eq!(
        version.trim(),
        format!("trellis {} (commit {commit})", env!("CARGO_PKG_VERSION"))
    );
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|h| h.status.success());
    if let Some(head) = head {
        // Built in this checkout: the commit is git's (with `-dirty` when the tree had changes).
        let head = String::from_utf8(head.stdout).unwrap();
        assert!(
            commit.starts_with(head.trim()),
            "{commit} is not HEAD {head}"
        );
        let hash = commit.trim_end_matches("-dirty");
        assert!(hash.len() == 12 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
    } else {
        assert!(!commit.is_empty());
    }

    // A PDF, with the embedded fonts, written next to it.
    let case = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../questionnaires/tests/cases/01_bursty_crud_api.toml");
    let pdf = run(
        &binary,
        home.path(),
        &[
            "report",
            case.to_str().unwrap(),
            "--format",
            "pdf",
            "--out",
            "r.pdf",
        ],
    );
    assert!(
        pdf.status.success(),
        "{}",
        String::from_utf8_lossy(&pdf.stderr)
    );
    assert!(
        std::fs::read(home.path().join("r.pdf"))
            .unwrap()
            .starts_with(b"%PDF-")
    );

    // Served from that directory, on a fresh SQLite file there, with nothing else around it.
    let mut command = Command::new(&binary);
    command
        .current_dir(home.path())
        .env_remove("TRELLIS_SITE_ROOT");
    let served = Served::launch(
        command,
        "sqlite://trellis.db?mode=rwc",
        logs.path(),
        "standalone",
    )
    .ready();
    assert!(home.path().join("trellis.db").is_file());
    let base = served.base();
    let agent = agent();

    let page: Got = get(&agent, &format!("{base}/signin"), &[]);
    assert_eq!(page.0, 200, "{}", page.2);
    // The island loader, pointed at /pkg/app.js and /pkg/app_bg.wasm (it runs only on a page
    // with an island; the browser tests check which pages load the bundle).
    assert!(
        page.2.contains(r#"("", "pkg", "app", "app_bg")"#),
        "no island loader for /pkg/app.js in {}",
        page.2
    );
    assert!(
        !served.logs().contains("no browser bundle"),
        "{}",
        served.logs()
    );

    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("site/pkg");
    for (path, content_type) in [
        ("/pkg/app.js", "text/javascript; charset=utf-8"),
        ("/pkg/app_bg.wasm", "application/wasm"),
    ] {
        let url = format!("{base}{path}");
        let (status, headers, body) = get_bytes(&url, &[]);
        assert_eq!(status, 200, "{path}");
        assert_eq!(header_of(&headers, "content-type"), Some(content_type));
        assert_eq!(header_of(&headers, "content-encoding"), None, "{path}");
        let file = shipped.join(path.trim_start_matches("/pkg/"));
        assert!(
            body == std::fs::read(file).unwrap(),
            "{path} is not the shipped file"
        );

        let (status, gz_headers, gz) = get_bytes(&url, &[("Accept-Encoding", "gzip, br")]);
        assert_eq!(status, 200, "{path}");
        assert_eq!(header_of(&gz_headers, "content-type"), Some(content_type));
        assert_eq!(header_of(&gz_headers, "content-encoding"), Some("gzip"));
        assert!(
            gz.starts_with(&[0x1f, 0x8b]) && gz.len() < body.len(),
            "{path}"
        );

        let etag = header_of(&headers, "etag").expect("an ETag");
        let (status, _, body) = get_bytes(&url, &[("If-None-Match", etag)]);
        assert_eq!((status, body.len()), (304, 0), "{path}");
    }
    assert_eq!(get_bytes(&format!("{base}/pkg/other.js"), &[]).0, 404);

    let css = get(&agent, &format!("{base}/style/trellis.css"), &[]);
    assert_eq!(css.0, 200);
    assert_eq!(
        header(&css, "content-type"),
        Some("text/css; charset=utf-8")
    );
    assert!(css.2.contains("body"));

    // The questionnaire content is in the binary too.
    let catalog = get(&agent, &format!("{base}/catalog"), &[]);
    assert_eq!(catalog.0, 200);
    for area in &questionnaires::builtin().areas {
        assert!(catalog.2.contains(&*area.title), "{}", area.title);
    }

    // All it wrote is there: the database (with its WAL files) and the PDF.
    let mut left: Vec<String> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("trellis.db"))
        .collect();
    left.sort();
    assert_eq!(left, ["r.pdf", "trellis"]);
}
