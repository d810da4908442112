//! The backend-for-frontend starter as rendered from case 10 (web, mobile and partner clients):
//! each client's API carries its own audience or IAM, its own throttle and its own function; the
//! functions get the plan's per-call timeout, response cap and the services' base URLs as
//! parameters the deploy workflow sets; the alarms watch each API's 5XX rate and the share of
//! partial answers; every runtime calls the services at once and degrades; the README traces it.

use questionnaires::scaffold::{Pattern, Runtime};
use serde_yaml::Value;

use super::scaffold::{render_case, text};

const CASE: &str = "10_aurora_many_functions";

fn rendered(runtime: Runtime) -> (questionnaires::scaffold::Plan, Vec<server::scaffold::File>) {
    render_case(CASE, Pattern::Bff, runtime)
}

fn template(files: &[server::scaffold::File]) -> Value {
    serde_yaml::from_str(text(files, "template.yaml")).unwrap()
}

/// A value as the YAML text it was written as (tags such as `!Ref` included).
fn yaml(v: &Value) -> String {
    serde_yaml::to_string(v).unwrap()
}

#[test]
fn each_client_has_its_own_api_authorizer_and_throttle() {
    let (plan, files) = rendered(Runtime::Python);
    let t = template(&files);
    let r = &t["Resources"];
    assert!(r.get("HttpApi").is_none(), "no shared API");
    let b = plan.bff.as_ref().unwrap();
    for c in &b.clients {
        let api = &r[format!("{}HttpApi", c.id).as_str()]["Properties"];
        assert_eq!(api["DefaultRouteSettings"]["ThrottlingRateLimit"], 900);
        assert_eq!(api["DefaultRouteSettings"]["ThrottlingBurstLimit"], 1800);
        let auth = yaml(&api["Auth"]);
        match c.name.as_str() {
            "partner" => assert!(auth.contains("AWS_IAM"), "{auth}"),
            "mobile" => assert!(auth.contains("MobileJwtAudience"), "{auth}"),
            _ => assert!(
                auth.contains("JwtAudience") && !auth.contains("Mobile"),
                "{auth}"
            ),
        }
        let function = &r[format!("{}Function", c.id).as_str()]["Properties"];
        let event = &function["Events"]["Home"]["Properties"];
        assert!(yaml(&event["ApiId"]).contains(&format!("{}HttpApi", c.id)));
        assert_eq!(event["Path"], "/home");
        assert_eq!(event["TimeoutInMillis"], 5000);
        let vars = &function["Environment"]["Variables"];
        assert_eq!(vars["CALL_TIMEOUT_MS"], "2400");
        assert_eq!(vars["MAX_RESPONSE_BYTES"], "81920");
        assert!(yaml(&vars["PROFILE_SERVICE_URL"]).contains("ProfileServiceUrl"));
        // They call no AWS API: no policy beyond what SAM gives every function.
        assert!(function.get("Policies").is_none());
    }
    for p in ["MobileJwtAudience", "ProfileServiceUrl", "OrdersServiceUrl"] {
        assert!(t["Parameters"].get(p).is_some(), "{p}");
    }
}

#[test]
fn changed_answers_change_the_rendered_settings() {
    use questionnaires::answers::{Format, parse_answers_file};
    use questionnaires::scaffold::{Choice, Iac};
    let q = questionnaires::builtin();
    let path = format!(
        "{}/../questionnaires/tests/cases/{CASE}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let answers = std::fs::read_to_string(path)
        .unwrap()
        .replace("peak_rps = 600", "peak_rps = 200")
        .replace("p99_duration_ms = 1200", "p99_duration_ms = 2000");
    let file = parse_answers_file(&answers, Format::Toml, q).unwrap();
    let evaluation = questionnaires::evaluate::evaluate(q, &file.answers);
    let choice = Choice {
        pattern: Some(Pattern::Bff),
        runtime: Runtime::Typescript,
        iac: Iac::Sam,
    };
    let (_, starter) =
        server::scaffold::starter(q, &file.workload, &file.answers, &evaluation, choice).unwrap();
    let t = template(&starter.files);
    let web = &t["Resources"]["WebHttpApi"]["Properties"]["DefaultRouteSettings"];
    assert_eq!(web["ThrottlingRateLimit"], 300);
    let vars = &t["Resources"]["WebFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["CALL_TIMEOUT_MS"], "4000");
    let samconfig = text(&starter.files, "samconfig.toml");
    assert!(
        samconfig.contains(r#"ReservedConcurrency=\"54\""#),
        "{samconfig}"
    );
}

#[test]
fn the_alarms_watch_each_api_and_the_partial_answers() {
    let (plan, files) = rendered(Runtime::Python);
    let r = &template(&files)["Resources"];
    for c in &plan.bff.as_ref().unwrap().clients {
        let alarm = yaml(&r[format!("{}Api5xxAlarm", c.id).as_str()]);
        assert!(alarm.contains(&format!("{}HttpApi", c.id)), "{alarm}");
        assert!(
            alarm.contains("100 * FILL(errors, 0) / requests"),
            "{alarm}"
        );
        // Each function's canary alarm is on its live alias.
        assert!(
            r.get(format!("{}FunctionErrorsAlarm", c.id).as_str())
                .is_some()
        );
    }
    let partial = yaml(&r["PartialResponsesAlarm"]);
    assert!(partial.contains("PartialResponses") && partial.contains("Responses"));
    assert!(r.get("Api5xxAlarm").is_none());
}

#[test]
fn the_deploy_workflow_sets_each_environments_services_and_audiences() {
    let (_, files) = rendered(Runtime::Python);
    let deploy = text(&files, ".github/workflows/deploy.yml");
    for (var, parameter) in [
        ("PROFILE_SERVICE_URL", "ProfileServiceUrl"),
        ("ORDERS_SERVICE_URL", "OrdersServiceUrl"),
        ("MOBILE_JWT_AUDIENCE", "MobileJwtAudience"),
    ] {
        assert!(deploy.contains(&format!("{parameter}=\"${var}\"")), "{var}");
        assert!(
            deploy.contains(&format!("{var}: ${{{{ vars.{var} }}}}")),
            "{var}"
        );
    }
}

#[test]
fn every_runtime_calls_the_services_at_once_with_the_correlation_id_and_degrades() {
    for (runtime, path, concurrent) in [
        (Runtime::Python, "src/app.py", "EXECUTOR.submit("),
        (Runtime::Typescript, "src/app.ts", "Promise.allSettled("),
        (Runtime::Rust, "src/lib.rs", "join_all(calls)"),
    ] {
        let (_, files) = rendered(runtime);
        let code = text(&files, path);
        for needle in [concurrent, "x-correlation-id", "unavailable", "partial"] {
            assert!(code.contains(needle), "{runtime:?} lacks {needle}");
        }
        for client in ["web", "mobile", "partner"] {
            assert!(
                files
                    .iter()
                    .any(|f| f.path == format!("events/{client}.json")),
                "{runtime:?} events/{client}.json"
            );
        }
    }
}

#[test]
fn the_readme_traces_each_setting_to_its_answer() {
    let (plan, files) = rendered(Runtime::Python);
    let readme = text(&files, "README.md");
    for c in &plan.controls {
        if [
            "bff_clients",
            "downstream_calls",
            "response_size",
            "api_throttling",
        ]
        .contains(&c.id.as_str())
        {
            assert!(readme.contains(&c.title), "{}", c.title);
        }
    }
    for needle in [
        "2400 ms",
        "\"partial\": true",
        "MobileJwtAudience",
        "PROFILE_SERVICE_URL",
        "x-correlation-id",
    ] {
        assert!(readme.contains(needle), "README lacks {needle}");
    }
}
