//! The saga starter as rendered: its template names every step and compensation of the plan,
//! gives each function only the saga-table actions it calls (inline statements, no SAM policy
//! templates), lets the state machine invoke only the `live` aliases and page the alarm topic,
//! and its README and every runtime's tests follow the plan's steps and settings.

use questionnaires::answers::{Format, parse_answers_file};
use questionnaires::scaffold::{Choice, Iac, Pattern, Plan, Runtime};

fn render(name: &str, runtime: Runtime) -> (Plan, Vec<server::scaffold::File>) {
    let q = questionnaires::builtin();
    let path = format!(
        "{}/../questionnaires/tests/cases/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let file = parse_answers_file(&text, Format::Toml, q).unwrap();
    let evaluation = questionnaires::evaluate::evaluate(q, &file.answers);
    let choice = Choice {
        pattern: Some(Pattern::Saga),
        runtime,
        iac: Iac::Sam,
    };
    let (plan, starter) =
        server::scaffold::starter(q, &file.workload, &file.answers, &evaluation, choice).unwrap();
    (plan, starter.files)
}

fn text<'a>(files: &'a [server::scaffold::File], path: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
}

/// The YAML of one resource of template.yaml: its lines, up to the next line indented by
/// exactly two spaces (the next resource, or the comment above it).
pub(crate) fn resource(template: &str, id: &str) -> String {
    let header = format!("  {id}:");
    let mut lines = template.lines().skip_while(|l| *l != header);
    let first = lines.next().unwrap_or_else(|| panic!("no resource {id}"));
    let body = lines.take_while(|l| !l.starts_with("  ") || l.starts_with("   "));
    std::iter::once(first)
        .chain(body)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn each_saga_function_gets_only_the_table_actions_it_calls() {
    let (plan, files) = render("05_travel_booking_approval", Runtime::Python);
    let template = text(&files, "template.yaml");
    assert!(
        !template.contains("IdempotencyTable"),
        "the saga keeps its own records"
    );
    let saga = plan.saga.as_ref().unwrap();
    for h in &plan.handlers {
        let f = resource(template, &h.logical_id);
        assert!(f.contains("SAGA_TABLE: !Ref SagaTable"), "{}", h.name);
        assert!(
            !f.contains("Policy:"),
            "{}: no SAM policy templates\n{f}",
            h.name
        );
        if saga.compensation_names().contains(&h.name.as_str()) {
            assert!(f.contains("Action: dynamodb:UpdateItem"), "{}", h.name);
            assert!(!f.contains("PutItem"), "{}", h.name);
        } else {
            assert!(
                f.contains("Action: [dynamodb:PutItem, dynamodb:GetItem]"),
                "{}",
                h.name
            );
            assert!(!f.contains("UpdateItem"), "{}", h.name);
        }
        assert!(f.contains("Resource: !GetAtt SagaTable.Arn"), "{}", h.name);
    }
    let machine = resource(template, "StateMachine");
    let machine = machine.as_str();
    assert!(machine.contains("DefinitionUri: statemachine/saga.asl.json"));
    assert!(machine.contains("Type: STANDARD"));
    for h in &plan.handlers {
        assert!(
            machine.contains(&format!("- !Ref {}.Alias", h.logical_id)),
            "{}",
            h.name
        );
    }
    assert!(machine.contains("Action: sns:Publish\n              Resource: !Ref AlarmTopic"));
    assert!(!machine.contains("LambdaInvokePolicy"));
    let table = resource(template, "SagaTable");
    assert!(table.contains("KeyType: RANGE") && table.contains("DeletionPolicy: Retain"));
}

#[test]
fn the_state_machine_follows_the_plans_retries_and_timeouts() {
    let (plan, files) = render("05_travel_booking_approval", Runtime::Python);
    let asl: serde_json::Value =
        serde_json::from_str(text(&files, "statemachine/saga.asl.json")).unwrap();
    let (saga, workflow) = (plan.saga.unwrap(), plan.workflow.unwrap());
    assert_eq!(asl["TimeoutSeconds"], workflow.timeout_s);
    assert_eq!(
        asl["States"]["Charge"]["Retry"][0]["MaxAttempts"],
        saga.step_attempts
    );
    assert_eq!(
        asl["States"]["Refund"]["Retry"][0]["MaxAttempts"],
        saga.compensation_attempts
    );
    assert_eq!(
        asl["States"]["Refund"]["Retry"][0]["MaxDelaySeconds"],
        saga.compensation_max_delay_s
    );
    assert_eq!(
        asl["States"]["NotifyCompensationFailed"]["Parameters"]["TopicArn"],
        "${AlarmTopicArn}"
    );
    assert!(server::scaffold::asl::check(&asl).is_empty());
}

#[test]
fn the_readme_and_every_runtime_follow_the_plans_steps() {
    for runtime in [Runtime::Python, Runtime::Typescript, Runtime::Rust] {
        let (plan, files) = render("20_chained_lambdas_refunds", runtime);
        let readme = text(&files, "README.md");
        assert!(
            readme.contains("`refund` undoes `charge`")
                && readme.contains("`release` undoes `reserve`"),
            "{runtime:?}"
        );
        assert!(readme.contains(&format!(
            "after {} attempts",
            plan.saga.as_ref().unwrap().compensation_attempts
        )));
        let (code, tests) = match runtime {
            Runtime::Python => (
                text(&files, "src/app.py"),
                text(&files, "tests/test_app.py"),
            ),
            Runtime::Typescript => (
                text(&files, "src/app.ts"),
                text(&files, "tests/app.test.ts"),
            ),
            Runtime::Rust => (text(&files, "src/lib.rs"), text(&files, "src/lib.rs")),
        };
        for h in &plan.handlers {
            assert!(code.contains(&h.name), "{runtime:?} {}", h.name);
            text(&files, &format!("events/{}.json", h.name));
        }
        assert!(code.contains("attribute_not_exists(id)"), "{runtime:?}");
        assert!(
            code.contains("ALL_OLD") || code.contains("AllOld"),
            "{runtime:?}"
        );
        assert!(tests.contains("compensated"), "{runtime:?}");
        assert!(!code.contains("IDEMPOTENCY_TABLE"), "{runtime:?}");
    }
}
