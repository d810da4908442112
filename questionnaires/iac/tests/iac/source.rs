//! Inputs: directories (walked, with directories and non-templates skipped), zips, Terraform
//! files listed as not read yet, and errors that name the file.

use std::path::PathBuf;

const FN: &str = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n";

fn notes(i: &iac::Import) -> Vec<String> {
    i.findings
        .iter()
        .filter(|f| f.severity == iac::Severity::Note)
        .map(|f| format!("{} {}", f.file, f.message))
        .collect()
}

#[test]
fn a_directory_is_walked_skipping_dependencies_and_noting_what_is_not_a_template() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("node_modules/x")).unwrap();
    std::fs::create_dir_all(p.join(".aws-sam/build")).unwrap();
    std::fs::create_dir_all(p.join("cdk.out")).unwrap();
    std::fs::write(
        p.join("node_modules/x/template.yaml"),
        "Resources: {X: {Type: Evil::Dep}}\n",
    )
    .unwrap();
    std::fs::write(
        p.join(".aws-sam/build/template.yaml"),
        "Resources: {X: {Type: Evil::Built}}\n",
    )
    .unwrap();
    std::fs::write(
        p.join("cdk.out/App.template.json"),
        r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}"#,
    )
    .unwrap();
    std::fs::write(p.join("template.yaml"), FN).unwrap();
    std::fs::write(p.join("ci.yml"), "on: push\n").unwrap();
    std::fs::write(p.join("broken.yaml"), "a: [\n").unwrap();
    std::fs::write(p.join("main.tf"), "resource \"aws_sqs_queue\" \"q\" {}\n").unwrap();
    let i = iac::import_paths(&[p.to_path_buf()], Some("Dir")).unwrap();
    assert_eq!(i.workload.name, "Dir");
    assert_eq!(
        crate::answer(&i, "messaging"),
        Some(serde_json::json!(["sqs"]))
    );
    assert_eq!(
        crate::answer(&i, "runtime"),
        Some(serde_json::json!("python"))
    );
    let n = notes(&i);
    assert!(
        n.iter()
            .any(|m| m.contains("ci.yml") && m.contains("not a template")),
        "{n:?}"
    );
    assert!(
        n.iter()
            .any(|m| m.contains("broken.yaml") && m.contains("not read")),
        "{n:?}"
    );
    assert!(
        i.findings
            .iter()
            .any(|f| f.file.ends_with("main.tf") && f.resource == "aws_sqs_queue.q"),
        "the Terraform file was not read: {:?}",
        i.findings
    );
    assert!(
        !n.iter().any(|m| m.contains("Evil")),
        "skipped directories were read: {n:?}"
    );
}

#[test]
fn a_named_file_that_is_broken_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, "Resources: [\n").unwrap();
    let e = iac::import_paths(&[path], None).unwrap_err();
    assert!(e.to_string().contains("broken.yaml"), "{e}");
    let e = iac::import_paths(&[PathBuf::from("/no/such/template.yaml")], None).unwrap_err();
    assert!(e.to_string().contains("/no/such/template.yaml"), "{e}");
}

#[test]
fn inputs_without_a_template_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ci.yml"), "on: push\n").unwrap();
    let e = iac::import_paths(&[dir.path().to_path_buf()], None).unwrap_err();
    assert!(matches!(e, iac::Error::NoTemplates(_)), "{e}");
}

#[test]
fn a_zip_of_templates_is_read() {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("app/template.yaml", opts).unwrap();
    w.write_all(FN.as_bytes()).unwrap();
    w.start_file("app/infra/main.tf", opts).unwrap();
    w.write_all(b"module \"x\" {}\n").unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.zip");
    std::fs::write(&path, bytes).unwrap();
    let i = iac::import_paths(&[path], None).unwrap();
    assert_eq!(
        crate::answer(&i, "runtime"),
        Some(serde_json::json!("python"))
    );
    let e = i.evidence.iter().find(|e| e.question == "runtime").unwrap();
    assert!(e.file.ends_with("app.zip!app/template.yaml"), "{}", e.file);
    assert!(notes(&i).iter().any(|n| n.contains("main.tf")));
    assert_eq!(i.workload.name, "Imported from app");
}
