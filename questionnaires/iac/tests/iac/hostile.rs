//! Hostile input: each gets a clear error (or a note) naming the file, and costs little.

use std::io::Write;
use std::time::{Duration, Instant};

/// Runs `f` and fails when it takes longer than a hostile input should cost.
fn cheap<T>(f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "took {:?}",
        start.elapsed()
    );
    out
}

#[test]
fn an_alias_bomb_is_refused_quickly() {
    let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        t += &format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        );
    }
    let e = cheap(|| iac::node::parse(&t, "bomb.yaml")).unwrap_err();
    let shown = e.to_string();
    assert!(shown.starts_with("bomb.yaml:"), "{shown}");
    assert!(shown.contains("aliases expanded"), "{shown}");
}

#[test]
fn a_limit_reached_in_a_walked_directory_is_still_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("template.yaml"),
        "Resources: {Fn: {Type: AWS::Lambda::Function}}\n",
    )
    .unwrap();
    let deep = format!("{}x{}", "[".repeat(200), "]".repeat(200));
    std::fs::write(dir.path().join("deep.yaml"), deep).unwrap();
    let e = cheap(|| iac::import_paths(&[dir.path().to_path_buf()], None)).unwrap_err();
    assert!(matches!(e, iac::Error::Limit { .. }), "{e}");
    assert!(e.to_string().contains("deep.yaml"), "{e}");
}

#[test]
fn two_hundred_levels_of_nesting_are_refused() {
    let t = format!("{}x{}", "[".repeat(200), "]".repeat(200));
    let e = cheap(|| iac::node::parse(&t, "deep.yaml")).unwrap_err();
    assert!(e.to_string().contains("nested deeper than 128"), "{e}");
    let t = format!("{}x{}", "{a: ".repeat(200), "}".repeat(200));
    assert!(cheap(|| iac::node::parse(&t, "deep.yaml")).is_err());
}

#[test]
fn a_20_mib_file_is_refused_before_parsing() {
    let t = "#".repeat(20 * 1024 * 1024);
    let e = cheap(|| iac::node::parse(&t, "huge.yaml")).unwrap_err();
    assert!(matches!(e, iac::Error::TooLarge { .. }), "{e}");
    assert!(e.to_string().contains("huge.yaml"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.yaml");
    std::fs::write(&path, &t).unwrap();
    let e = cheap(|| iac::import_paths(&[path], None)).unwrap_err();
    assert!(matches!(e, iac::Error::TooLarge { .. }), "{e}");
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn a_zip_bomb_is_refused() {
    let zeros = vec![b' '; 8 * 1024 * 1024];
    let bytes = zip_of(&[("template.yaml", &zeros)]);
    let e = cheap(|| iac::source::unzip(&bytes, "bomb.zip")).unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.starts_with("bomb.zip:") && shown.contains("zip bomb"),
        "{shown}"
    );
}

#[test]
fn a_zip_entry_leaving_the_archive_is_refused() {
    for name in ["../x.yaml", "a/../../x.yaml", "/etc/x.yaml"] {
        let bytes = zip_of(&[(name, b"Resources: {}\n")]);
        let e = iac::source::unzip(&bytes, "evil.zip").unwrap_err();
        assert!(e.to_string().contains("leaves the archive"), "{name}: {e}");
    }
}

#[test]
fn garbage_is_not_a_zip() {
    let e = iac::source::unzip(b"PK\x03\x04 not really", "bad.zip").unwrap_err();
    assert!(e.to_string().starts_with("bad.zip:"), "{e}");
}

#[test]
fn unknown_resource_types_and_intrinsics_are_notes() {
    let i = crate::import(
        "Resources:\n  X:\n    Type: Evil::Thing\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: !Weird python3.12\n      MemorySize: {'Fn::Unheard': [1]}\n",
    );
    let notes: Vec<_> = i
        .findings
        .iter()
        .filter(|f| f.severity == iac::Severity::Note)
        .map(|f| f.message.as_str())
        .collect();
    assert!(notes.iter().any(|n| n.contains("Evil::Thing")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("!Weird")), "{notes:?}");
    // An intrinsic it cannot compute answers nothing rather than a guess.
    assert_eq!(crate::answer(&i, "memory_mb"), Some(serde_json::json!(128)));
}

#[test]
fn a_resource_without_a_type_is_noted() {
    let i = crate::import(
        "Resources:\n  X:\n    Properties: {}\n  Fn:\n    Type: AWS::Lambda::Function\n",
    );
    assert!(
        i.findings
            .iter()
            .any(|f| f.resource == "X" && f.message.contains("no Type"))
    );
}
