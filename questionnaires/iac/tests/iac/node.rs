//! The YAML/JSON tree: short-form tags in their long form with the tag kept, lines for JSON
//! too, unknown tags kept and noted.

use iac::node::{Value, parse};

#[test]
fn short_form_tags_become_long_form_and_keep_their_tag() {
    let d = parse(
        "A: !Ref Bucket\nB: !GetAtt Fn.Arn\nC: !Sub '${A}-x'\nD: !If [Cond, 1, 2]\n",
        "t.yaml",
    )
    .unwrap();
    let a = d.root.get("A").unwrap();
    assert_eq!(a.tag.as_deref(), Some("!Ref"));
    assert_eq!(a.get("Ref").unwrap().as_str(), Some("Bucket"));
    let b = d.root.get("B").unwrap();
    let Value::Seq(parts) = &b.get("Fn::GetAtt").unwrap().value else {
        panic!("GetAtt is a list: {b:?}")
    };
    assert_eq!(
        parts
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Fn", "Arn"]
    );
    assert_eq!(d.root.get("C").unwrap().tag.as_deref(), Some("!Sub"));
    assert!(d.root.get("C").unwrap().get("Fn::Sub").is_some());
    assert_eq!(d.root.get("D").unwrap().intrinsic().unwrap().0, "Fn::If");
    assert_eq!(b.line, 2);
    assert!(d.notes.is_empty(), "{:?}", d.notes);
}

#[test]
fn an_unknown_tag_is_kept_and_noted_not_an_error() {
    let d = parse("A: !Frobnicate x\n", "t.yaml").unwrap();
    let a = d.root.get("A").unwrap();
    assert_eq!(a.tag.as_deref(), Some("!Frobnicate"));
    assert_eq!(a.as_str(), Some("x"));
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].1.contains("!Frobnicate"), "{:?}", d.notes);
}

#[test]
fn json_is_read_by_the_same_parser_with_lines() {
    let d = parse(
        "{\n  \"Resources\": {\n    \"Fn\": {\n      \"Type\": \"AWS::Lambda::Function\",\n      \"Properties\": {\"MemorySize\": 1024}\n    }\n  }\n}\n",
        "t.json",
    )
    .unwrap();
    let fn_ = d.root.at("Resources.Fn").unwrap();
    assert_eq!(fn_.line, 3);
    assert_eq!(
        fn_.at("Properties.MemorySize").unwrap().as_f64(),
        Some(1024.0)
    );
    assert_eq!(fn_.at("Properties.MemorySize").unwrap().line, 5);
}

#[test]
fn a_json_template_imports_with_its_lines() {
    let i = crate::import(
        "{\"Resources\": {\n\"Fn\": {\"Type\": \"AWS::Lambda::Function\",\n\"Properties\": {\n\"Runtime\": \"nodejs22.x\"}}}}\n",
    );
    assert_eq!(
        crate::answer(&i, "runtime"),
        Some(serde_json::json!("nodejs"))
    );
    assert_eq!(crate::lines(&i, "runtime"), [4]);
}

#[test]
fn anchors_and_aliases_expand() {
    let d = parse("a: &x {k: 1}\nb: *x\n", "t.yaml").unwrap();
    assert_eq!(d.root.at("b.k").unwrap().as_str(), Some("1"));
    assert_eq!(d.root.get("b").unwrap().line, 2);
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let e = parse("a: [1, 2\nb: c\n", "broken.yaml").unwrap_err();
    let shown = e.to_string();
    assert!(shown.starts_with("broken.yaml:"), "{shown}");
}

#[test]
fn a_closing_bracket_at_its_keys_indentation_is_read_as_cloudformation_reads_it() {
    // PyYAML and CloudFormation accept this; YAML's indentation rules do not.
    let text = "Resources:\n  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      Action: [\n        \"sqs:SendMessage\"\n      ]\n      Other: 1\n";
    let d = iac::node::parse(text, "t.yaml").unwrap();
    let action = d.root.at("Resources.P.Properties.Action").unwrap();
    assert_eq!(action.items()[0].as_str(), Some("sqs:SendMessage"));
    assert_eq!(d.root.at("Resources.P.Properties.Other").unwrap().line, 8);
    assert!(
        d.notes
            .iter()
            .any(|(line, n)| *line == 7 && n.contains("closing bracket"))
    );
    // Anything else badly indented is still an error naming the line.
    let bad = "Resources:\n  P:\n    Type: X\n   Q: 1\n";
    assert!(iac::node::parse(bad, "t.yaml").is_err());
}
