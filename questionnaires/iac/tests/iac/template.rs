//! The template model: SAM Globals merged as SAM documents it, intrinsics between resources.

use serde_json::json;

use crate::{answer, import, lines};

const GLOBALS: &str = r#"
Globals:
  Function:
    Runtime: python3.12
    MemorySize: 512
    Tracing: Active
    Layers: [GlobalLayer]
    Environment:
      Variables:
        STAGE: dev
        SHARED: g
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 1024
      Layers: [OwnLayer]
      Environment:
        Variables:
          SHARED: own
          OWN: x
"#;

#[test]
fn globals_merge_maps_append_lists_and_let_the_resource_s_scalars_win() {
    let t = iac::template::Template::from_root(
        &iac::node::parse(GLOBALS, "t.yaml").unwrap().root,
        "t.yaml",
    )
    .unwrap();
    let f = &t.resources[0];
    assert_eq!(
        f.properties.get("MemorySize").unwrap().as_str(),
        Some("1024")
    );
    assert_eq!(
        f.properties.get("Runtime").unwrap().as_str(),
        Some("python3.12")
    );
    let layers: Vec<_> = f
        .properties
        .get("Layers")
        .unwrap()
        .items()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(layers, ["GlobalLayer", "OwnLayer"]);
    let vars = f.properties.at("Environment.Variables").unwrap();
    assert_eq!(vars.get("STAGE").unwrap().as_str(), Some("dev"));
    assert_eq!(vars.get("SHARED").unwrap().as_str(), Some("own"));
    assert_eq!(vars.get("OWN").unwrap().as_str(), Some("x"));
    // Evidence names where each value was written.
    assert_eq!(f.prop("Runtime").unwrap().1, "Globals.Function.Runtime");
    assert_eq!(f.prop("MemorySize").unwrap().1, "Properties.MemorySize");
}

#[test]
fn an_answer_from_globals_cites_the_globals_line() {
    let i = import(GLOBALS);
    assert_eq!(answer(&i, "tracing"), Some(json!("xray")));
    assert_eq!(lines(&i, "tracing"), [6]);
    let e = i.evidence.iter().find(|e| e.question == "tracing").unwrap();
    assert_eq!(e.path, "Globals.Function.Tracing");
    assert_eq!(answer(&i, "memory_mb"), Some(json!(1024)));
    assert_eq!(lines(&i, "memory_mb"), [16]);
}

#[test]
fn refs_getatts_and_sub_variables_name_their_resources() {
    let d = iac::node::parse(
        "a: !Ref X\nb: !GetAtt Y.Arn\nc: !Sub 'arn:${Z}:${W.Name}:${!Literal}:${AWS::Region}'\nd: {'Fn::Join': ['', [!Ref V]]}\n",
        "t.yaml",
    )
    .unwrap();
    let mut out = std::collections::BTreeSet::new();
    iac::template::collect_refs(&d.root, &mut out);
    assert_eq!(
        out.into_iter().collect::<Vec<_>>(),
        ["V", "W", "X", "Y", "Z"]
    );
}

#[test]
fn a_parameter_default_resolves_a_ref() {
    let i = import(
        "Parameters:\n  Mem:\n    Type: Number\n    Default: 2048\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      MemorySize: !Ref Mem\n",
    );
    assert_eq!(answer(&i, "memory_mb"), Some(json!(2048)));
    assert_eq!(lines(&i, "memory_mb"), [9]);
}

#[test]
fn a_log_group_named_after_a_literal_function_name_belongs_to_it() {
    let i = import(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: orders\n  G:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: /aws/lambda/orders\n      RetentionInDays: 14\n",
    );
    assert_eq!(answer(&i, "log_retention"), Some(json!("set_everywhere")));
    assert_eq!(lines(&i, "log_retention"), [10]);
}

#[test]
fn a_state_machine_definition_file_beside_the_template_is_read() {
    let t = "Resources:\n  M:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: sfn/flow.asl.json\n";
    let asl = r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": true}}}"#;
    let i = iac::import(
        &[
            crate::doc("proj/template.yaml", t),
            crate::doc("proj/sfn/flow.asl.json", asl),
        ],
        "T",
    )
    .unwrap();
    assert_eq!(answer(&i, "workflow_waits"), Some(json!(["timer"])));
}
