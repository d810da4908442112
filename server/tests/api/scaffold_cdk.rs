//! CDK starters (`--iac cdk`): for every pattern and runtime, the SAM starter's project with
//! `template.yaml` and `samconfig.toml` replaced by a CDK app in `infra/` whose stack declares
//! exactly the template's parameters, conditions, resources and outputs; the handlers, tests,
//! events and settings are the same files, and the README and workflows deploy with the CDK.
//! (`scripts/scaffold/check` compiles, synthesizes and lints every one of them.)

use questionnaires::scaffold::{Iac, Pattern, Runtime};
use server::scaffold::File;

use crate::scaffold::{render_case_in, text};

const CASE: &str = "05_travel_booking_approval";

/// Files whose text says how the stack is deployed, so they differ between the two formats.
const DEPLOYMENT_FILES: [&str; 5] = [
    "README.md",
    ".github/workflows/ci.yml",
    ".github/workflows/deploy.yml",
    "scripts/check.sh",
    ".gitignore",
];

fn ids(template: &serde_yaml::Value, section: &str) -> Vec<String> {
    template
        .get(section)
        .and_then(|s| s.as_mapping())
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn find<'a>(files: &'a [File], path: &str) -> Option<&'a File> {
    files.iter().find(|f| f.path == path)
}

#[test]
fn every_pattern_and_runtime_has_a_cdk_app_declaring_the_templates_every_part() {
    for pattern in Pattern::ALL {
        for runtime in Runtime::ALL {
            let at = format!("{} in {}", pattern.as_str(), runtime.as_str());
            let (_, sam) = render_case_in(CASE, pattern, runtime, Iac::Sam);
            let (_, cdk) = render_case_in(CASE, pattern, runtime, Iac::Cdk);
            let template: serde_yaml::Value =
                serde_yaml::from_str(text(&sam, "template.yaml")).unwrap();
            let stack = text(&cdk, "infra/lib/stack.ts");
            for (section, construct) in [
                ("Parameters", "CfnParameter"),
                ("Conditions", "CfnCondition"),
                ("Resources", "CfnResource"),
                ("Outputs", "CfnOutput"),
            ] {
                for id in ids(&template, section) {
                    let decl = format!("new {construct}(this, \"{id}\"");
                    assert_eq!(stack.matches(&decl).count(), 1, "{at}: {decl}");
                }
            }
            assert!(find(&cdk, "template.yaml").is_none(), "{at}");
            assert!(find(&cdk, "samconfig.toml").is_none(), "{at}");
            for path in ["infra/bin/app.ts", "infra/package.json", "infra/cdk.json"] {
                assert!(find(&cdk, path).is_some(), "{at}: {path}");
            }
            // Everything else is the SAM starter's, byte for byte.
            for f in &sam {
                if ["template.yaml", "samconfig.toml"].contains(&f.path.as_str())
                    || DEPLOYMENT_FILES.contains(&f.path.as_str())
                {
                    continue;
                }
                assert_eq!(
                    find(&cdk, &f.path).map(|c| &c.contents),
                    Some(&f.contents),
                    "{at}: {}",
                    f.path
                );
            }
            // The deployment files speak CDK, not SAM.
            for path in DEPLOYMENT_FILES {
                // A containers starter deploys from its CI workflow: it has no deploy.yml.
                let Some(t) = find(&cdk, path).map(|f| f.contents.as_str()) else {
                    continue;
                };
                for sam_only in ["sam deploy", "sam build", "samconfig", "template.yaml"] {
                    assert!(!t.contains(sam_only), "{at}: {path} says {sam_only}");
                }
            }
        }
    }
}

#[test]
fn the_cdk_app_builds_each_function_the_way_sam_build_does() {
    let (_, py) = render_case_in(CASE, Pattern::Api, Runtime::Python, Iac::Cdk);
    let stack = text(&py, "infra/lib/stack.ts");
    assert!(stack.contains("code.python(this, \"ApiFunctionCode\", \"src/\", \"arm64\")"));
    assert!(stack.contains("apiFunctionCode.addResourceMetadata(apiFunction, 'CodeUri');"));
    assert!(text(&py, "infra/lib/code.ts").contains("manylinux2014_aarch64"));

    let (_, ts) = render_case_in(CASE, Pattern::Webhook, Runtime::Typescript, Iac::Cdk);
    let stack = text(&ts, "infra/lib/stack.ts");
    assert!(stack.contains("entryPoints: [\"src/app.ts\"], external: [\"@aws-sdk/*\"]"));
    // SAM's build properties become the bundling; the build method stays as metadata.
    assert!(!stack.contains("BuildProperties"));
    assert!(stack.contains("BuildMethod: \"esbuild\""), "{stack}");

    let (_, rs) = render_case_in(CASE, Pattern::Workflow, Runtime::Rust, Iac::Cdk);
    let stack = text(&rs, "infra/lib/stack.ts");
    assert!(stack.contains("code.rust(this, "));
    // What tells a reader of the synthesized template that provided.al2023 runs Rust.
    assert!(
        stack.contains("BuildMethod: \"rust-cargolambda\""),
        "{stack}"
    );
    // The state machine's definition is read from its file, not uploaded by the SAM CLI.
    assert!(stack.contains("Definition: code.readJson(\"statemachine/workflow.asl.json\")"));
    assert!(!stack.contains("DefinitionUri"));
}

#[test]
fn the_cdk_workflows_deploy_with_the_same_parameters_as_sam() {
    let (plan, sam) = render_case_in(CASE, Pattern::Api, Runtime::Python, Iac::Sam);
    let (_, cdk) = render_case_in(CASE, Pattern::Api, Runtime::Python, Iac::Cdk);
    let deploy = text(&cdk, ".github/workflows/deploy.yml");
    assert!(deploy.contains("npx cdk deploy -c stage=staging --require-approval never"));
    assert!(deploy.contains("npx cdk deploy -c stage=prod --require-approval never"));
    // Every parameter the SAM workflow overrides is passed to cdk deploy.
    let sam_deploy = text(&sam, ".github/workflows/deploy.yml");
    for name in [
        "Stage",
        "AlarmEmail",
        "JwtIssuer",
        "JwtAudience",
        "ReservedConcurrency",
    ] {
        assert!(sam_deploy.contains(&format!("{name}=")), "{name}");
        assert!(deploy.contains(&format!("--parameters {name}=")), "{name}");
    }
    let ci = text(&cdk, ".github/workflows/ci.yml");
    assert!(ci.contains("npx cdk synth"));
    assert!(ci.contains(&format!(
        "cfn-lint infra/cdk.out/{}-staging.template.json",
        plan.project
    )));
    let readme = text(&cdk, "README.md");
    assert!(readme.contains("npx cdk bootstrap"));
    assert!(readme.contains("deployed with the AWS CDK (TypeScript)"));
    assert!(readme.contains(&format!(
        "sam local invoke -t infra/cdk.out/{}-staging.template.json ApiFunction",
        plan.project
    )));
    let app = text(&cdk, "infra/bin/app.ts");
    assert!(app.contains(&format!("`{}-${{stage}}`", plan.project)));
}

#[test]
fn changing_an_answer_changes_the_cdk_stack() {
    // Case 06 (no idempotency) and case 05 (idempotent writes) differ in the stack too.
    let (_, with) = render_case_in(CASE, Pattern::Api, Runtime::Python, Iac::Cdk);
    let (_, without) = render_case_in(
        "06_steady_pricing_api",
        Pattern::Api,
        Runtime::Python,
        Iac::Cdk,
    );
    assert!(
        text(&with, "infra/lib/stack.ts").contains("new CfnResource(this, \"IdempotencyTable\"")
    );
    assert!(!text(&without, "infra/lib/stack.ts").contains("IdempotencyTable"));
}

#[test]
fn every_case_gives_a_cdk_app_for_every_pattern() {
    // The app is written from whatever template the answers give: each case's branches (a
    // customer key, an archive, a VPC, IAM or JWT auth, …) must all be expressible.
    let dir = format!(
        "{}/../questionnaires/tests/cases",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut cases: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            let stem = name.strip_suffix(".toml")?;
            (!stem.ends_with(".expect")).then(|| stem.to_owned())
        })
        .collect();
    cases.sort();
    assert!(cases.len() >= 30, "{cases:?}");
    for case in &cases {
        for pattern in Pattern::ALL {
            let (_, files) = render_case_in(case, pattern, Runtime::Python, Iac::Cdk);
            let stack = text(&files, "infra/lib/stack.ts");
            assert!(
                stack.contains("new CfnResource(this, "),
                "{case} {pattern:?}"
            );
        }
    }
}
