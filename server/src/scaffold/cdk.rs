//! With `--iac cdk`: the starter's template (SAM, or CloudFormation for containers) written as
//! an AWS CDK app in TypeScript under `infra/`, in place of `template.yaml` and `samconfig.toml`.
//!
//! The app is generated from the rendered template ([`stack`]), so both formats carry the same
//! resources and settings and share one answer → setting table. The handlers, tests, events,
//! workflows and README are the SAM starter's, with the deployment steps in CDK terms.

mod stack;

use askama::Template;
use questionnaires::scaffold::{Plan, Runtime};

use super::Files;

/// The versions a CDK starter pins: the same as `scripts/scaffold/node/package.json`, which the
/// validators install (a test keeps the two equal).
pub(crate) struct Versions {
    pub cdk_lib: &'static str,
    pub constructs: &'static str,
    pub cdk_cli: &'static str,
    pub typescript: &'static str,
    pub types_node: &'static str,
}

pub(crate) const VERSIONS: Versions = Versions {
    cdk_lib: "2.278.0",
    constructs: "10.8.1",
    cdk_cli: "2.1149.0",
    typescript: "7.0.2",
    types_node: "22.20.5",
};

/// The stack `cdk synth` writes by default: the staging stack, or a containers starter's one
/// stack (it has no stages).
fn stack_name(plan: &Plan) -> String {
    if plan.pattern.containers() {
        plan.project.clone()
    } else {
        format!("{}-staging", plan.project)
    }
}

/// The synthesized template of that stack, relative to the project folder.
pub(crate) fn synthesized(plan: &Plan) -> String {
    format!("infra/cdk.out/{}.template.json", stack_name(plan))
}

/// `infra/package.json`.
#[derive(Template)]
#[template(path = "scaffold/cdk/package.json", escape = "none")]
struct Package<'a> {
    plan: &'a Plan,
    versions: &'a Versions,
}

/// `infra/tsconfig.json`.
#[derive(Template)]
#[template(path = "scaffold/cdk/tsconfig.json", escape = "none")]
struct TsConfig;

/// `infra/cdk.json`.
#[derive(Template)]
#[template(path = "scaffold/cdk/cdk.json", escape = "none")]
struct CdkJson;

/// `infra/bin/app.ts`.
#[derive(Template)]
#[template(path = "scaffold/cdk/app.ts", escape = "none")]
struct App<'a> {
    plan: &'a Plan,
    class: &'a str,
    /// Whether the stack has stages (a `Stage` parameter): the containers stack has one stage.
    staged: bool,
}

/// `infra/lib/code.ts`: how each function's code becomes an asset.
#[derive(Template)]
#[template(path = "scaffold/cdk/code.ts", escape = "none")]
struct Code<'a> {
    plan: &'a Plan,
    fs_imports: String,
    asl: bool,
    python_version: &'a str,
}

/// `Project-name` → `ProjectNameStack`.
fn class_name(project: &str) -> String {
    let mut s: String = project
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s.insert_str(0, "Starter");
    }
    s.push_str("Stack");
    s
}

/// Replaces the template with the CDK app.
pub(super) fn files(plan: &Plan, out: &mut Files) -> Result<(), String> {
    let template = out
        .take("template.yaml")
        .ok_or("the starter has no template.yaml to write as a CDK app")?;
    out.take("samconfig.toml");
    let containers = plan.pattern.containers();
    let build = match plan.runtime {
        Runtime::Python => stack::Build::Python,
        Runtime::Typescript => stack::Build::Typescript,
        Runtime::Rust => stack::Build::Rust,
    };
    let class = class_name(&plan.project);
    let ts = stack::write(&template, build, &class)?;
    let asl = ts.contains("code.readJson(");
    let mut fs = Vec::new();
    if !containers && plan.runtime != Runtime::Typescript {
        fs.push("cpSync");
    }
    if asl {
        fs.push("readFileSync");
    }
    if ts.contains("code.") {
        let python_version = plan.runtime.lambda_runtime().trim_start_matches("python");
        out.add(
            "infra/lib/code.ts",
            &Code {
                plan,
                fs_imports: fs.join(", "),
                asl,
                python_version,
            },
        )?;
    }
    out.text("infra/lib/stack.ts", ts);
    out.add(
        "infra/bin/app.ts",
        &App {
            plan,
            staged: template.contains("\n  Stage:\n"),
            class: &class,
        },
    )?;
    out.add(
        "infra/package.json",
        &Package {
            plan,
            versions: &VERSIONS,
        },
    )?;
    out.add("infra/tsconfig.json", &TsConfig)?;
    out.add("infra/cdk.json", &CdkJson)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_are_identifiers() {
        assert_eq!(class_name("travel-booking"), "TravelBookingStack");
        assert_eq!(class_name("9lives"), "Starter9livesStack");
    }

    #[test]
    fn pins_match_the_validators_lock() {
        let shared: serde_json::Value =
            serde_json::from_str(include_str!("../../../scripts/scaffold/node/package.json"))
                .unwrap();
        let pin = |section: &str, name: &str| {
            shared[section][name]
                .as_str()
                .unwrap_or_else(|| panic!("{name} is not pinned in scripts/scaffold/node"))
                .to_owned()
        };
        assert_eq!(pin("dependencies", "aws-cdk-lib"), VERSIONS.cdk_lib);
        assert_eq!(pin("dependencies", "constructs"), VERSIONS.constructs);
        assert_eq!(pin("devDependencies", "aws-cdk"), VERSIONS.cdk_cli);
        assert_eq!(pin("devDependencies", "typescript"), VERSIONS.typescript);
        assert_eq!(pin("devDependencies", "@types/node"), VERSIONS.types_node);
    }
}
