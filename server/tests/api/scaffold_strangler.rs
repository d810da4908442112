//! The strangler fig starter as rendered from case 16: the facade's `$default` route proxies to
//! the legacy system within the timeout the plan derives, each route has the throttle the plan
//! gives it, the migrated route moves back with a parameter the deploy workflow keeps, the
//! access log feeds alarms that watch the legacy route apart from the new one, and the README
//! says which routes moved, how to move one back and how the legacy system fails.

use questionnaires::answers::{Format, parse_answers_file};
use questionnaires::scaffold::{Choice, Iac, Pattern, Plan, Runtime};

/// Case 16 with some lines of its answers replaced, rendered as the strangler fig.
fn render(replace: &[(&str, &str)], runtime: Runtime) -> (Plan, Vec<server::scaffold::File>) {
    let q = questionnaires::builtin();
    let path = format!(
        "{}/../questionnaires/tests/cases/16_monolith_strangler.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut text = std::fs::read_to_string(path).unwrap();
    for (from, to) in replace {
        assert!(text.contains(from), "case 16 has {from}");
        text = text.replace(from, to);
    }
    let file = parse_answers_file(&text, Format::Toml, q).unwrap();
    let evaluation = questionnaires::evaluate::evaluate(q, &file.answers);
    let choice = Choice {
        pattern: Some(Pattern::StranglerFig),
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

/// The YAML of one resource (or parameter) of template.yaml: its lines, up to the next line
/// indented by exactly two spaces.
fn resource(template: &str, id: &str) -> String {
    let header = format!("  {id}:");
    let mut lines = template.lines().skip_while(|l| *l != header);
    let first = lines.next().unwrap_or_else(|| panic!("no resource {id}"));
    let body = lines.take_while(|l| !l.starts_with("  ") || l.starts_with("   "));
    std::iter::once(first)
        .chain(body)
        .collect::<Vec<_>>()
        .join("\n")
}

fn template(replace: &[(&str, &str)]) -> String {
    let (_, files) = render(replace, Runtime::Python);
    text(&files, "template.yaml").to_owned()
}

#[test]
fn the_default_route_proxies_to_the_legacy_system_within_the_timeout_from_the_p99() {
    let t = template(&[]);
    let legacy = resource(&t, "LegacyIntegration");
    for line in [
        "IntegrationType: HTTP_PROXY",
        "IntegrationUri: !Ref LegacyBaseUrl",
        "TimeoutInMillis: 5400",
        "\"overwrite:path\": \"$request.path\"",
        "\"overwrite:header.x-facade-request-id\": \"$context.requestId\"",
    ] {
        assert!(legacy.contains(line), "{line}\n{legacy}");
    }
    let route = resource(&t, "LegacyRoute");
    assert!(route.contains("RouteKey: $default"), "{route}");
    assert!(route.contains("Target: !Sub \"integrations/${LegacyIntegration}\""));
    // The facade declares its own API: no SAM HttpApi, whose routes could not point at the
    // legacy system.
    assert!(!t.contains("AWS::Serverless::HttpApi"));
    // A slower legacy system: three times its p99, capped at HTTP API's 30 s.
    let slow = template(&[("p99_duration_ms = 1800", "p99_duration_ms = 4000")]);
    assert!(resource(&slow, "LegacyIntegration").contains("TimeoutInMillis: 12000"));
    let slower = template(&[("p99_duration_ms = 1800", "p99_duration_ms = 25000")]);
    assert!(resource(&slower, "LegacyIntegration").contains("TimeoutInMillis: 30000"));
}

#[test]
fn each_route_is_throttled_on_its_own() {
    let t = template(&[]);
    let stage = resource(&t, "HttpApiStage");
    let expect = "        \"$default\":\n          ThrottlingRateLimit: 400\n          ThrottlingBurstLimit: 400\n        \"GET /items/{id}\":\n          ThrottlingRateLimit: 600\n          ThrottlingBurstLimit: 834";
    assert!(stage.contains(expect), "{stage}");
    // The stage names the routes, so it waits for them.
    assert!(
        stage.contains("      - LegacyRoute\n      - GetItemRoute"),
        "{stage}"
    );
    let busier = template(&[("peak_rps = 400", "peak_rps = 500")]);
    let stage = resource(&busier, "HttpApiStage");
    assert!(
        stage.contains(
            "\"$default\":\n          ThrottlingRateLimit: 500\n          ThrottlingBurstLimit: 500"
        ),
        "{stage}"
    );
    assert!(stage.contains("\"GET /items/{id}\":\n          ThrottlingRateLimit: 750\n          ThrottlingBurstLimit: 834"));
}

#[test]
fn a_migrated_route_moves_back_with_a_parameter_the_deploy_workflow_keeps() {
    let (plan, files) = render(&[], Runtime::Typescript);
    let t = text(&files, "template.yaml");
    let parameter = resource(t, "GetItemTarget");
    assert!(parameter.contains("Default: new"), "{parameter}");
    assert!(
        parameter.contains("AllowedValues: [new, legacy]"),
        "{parameter}"
    );
    assert!(t.contains("  GetItemOnNew: !Equals [!Ref GetItemTarget, new]"));
    let route = resource(t, "GetItemRoute");
    assert!(route.contains("RouteKey: \"GET /items/{id}\""), "{route}");
    assert!(
        route.contains("Target: !If\n        - GetItemOnNew\n        - !Sub \"integrations/${GetItemIntegration}\"\n        - !Sub \"integrations/${LegacyIntegration}\""),
        "{route}"
    );
    let integration = resource(t, "GetItemIntegration");
    assert!(integration.contains("IntegrationUri: !Ref MigratedFunction.Alias"));
    assert!(
        integration.contains("TimeoutInMillis: 7000"),
        "{integration}"
    );
    let permission = resource(t, "GetItemPermission");
    assert!(permission.contains("FunctionName: !Ref MigratedFunction.Alias"));
    assert!(
        permission.contains("${HttpApi}/*/GET/items/*"),
        "{permission}"
    );
    // The deploy workflow reads the route's target and the legacy URL from the environment's
    // variables on every deploy.
    let deploy = text(&files, ".github/workflows/deploy.yml");
    assert!(deploy.contains("GET_ITEM_TARGET: ${{ vars.GET_ITEM_TARGET }}"));
    assert!(deploy.contains("LEGACY_BASE_URL: ${{ vars.LEGACY_BASE_URL }}"));
    assert!(deploy.contains("GetItemTarget=\"${GET_ITEM_TARGET:-new}\""));
    assert!(deploy.contains("LegacyBaseUrl=\"$LEGACY_BASE_URL\""));
    // The migrated function reads its table and nothing else.
    let function = resource(t, "MigratedFunction");
    assert!(function.contains("Action: dynamodb:GetItem"), "{function}");
    assert!(function.contains("Resource: !GetAtt ItemsTable.Arn"));
    assert!(
        !function.contains("Events:"),
        "the facade's route invokes it"
    );
    assert!(!t.contains("IdempotencyTable"));
    assert_eq!(plan.handlers.len(), 1);
}

#[test]
fn the_legacy_route_alarms_apart_from_the_migrated_routes_from_the_access_log() {
    let t = template(&[]);
    let stage = resource(&t, "HttpApiStage");
    for field in [
        "\"status\":$context.status",
        "\"integrationLatency\":\"$context.integrationLatency\"",
        "\"integrationStatus\"",
    ] {
        assert!(stage.contains(field), "{field}");
    }
    assert!(
        resource(&t, "Legacy5xxMetricFilter")
            .contains(r#"FilterPattern: '{ ($.routeKey = "$default") && ($.status >= 500) }'"#)
    );
    assert!(
        resource(&t, "Migrated5xxMetricFilter")
            .contains(r#"FilterPattern: '{ ($.routeKey != "$default") && ($.status >= 500) }'"#)
    );
    let latency = resource(&t, "LegacyLatencyMetricFilter");
    assert!(latency.contains("MetricValue: \"$.responseLatency\""));
    assert!(
        !latency.contains("DefaultValue"),
        "a default 0 would pull the p99 down"
    );
    for (alarm, errors, requests) in [
        ("Legacy5xxAlarm", "Legacy5xx", "LegacyRequests"),
        ("Migrated5xxAlarm", "Migrated5xx", "MigratedRequests"),
    ] {
        let a = resource(&t, alarm);
        assert!(a.contains(&format!("MetricName: {errors}\n")), "{a}");
        assert!(a.contains(&format!("MetricName: {requests}\n")), "{a}");
        assert!(a.contains("100 * FILL(errors, 0) / requests"));
        assert!(a.contains("DatapointsToAlarm: 3") && a.contains("EvaluationPeriods: 5"));
        assert!(a.contains("Threshold: 5\n"));
    }
    let latency = resource(&t, "LegacyLatencyAlarm");
    assert!(latency.contains("ExtendedStatistic: p99") && latency.contains("Threshold: 4320"));
    // The new function keeps its own error-rate alarm, which rolls its canary back.
    assert!(resource(&t, "MigratedFunction").contains("- !Ref MigratedFunctionErrorsAlarm"));
    assert!(!t.contains("Api5xxAlarm"));
}

#[test]
fn every_route_has_the_reviews_authorization() {
    let t = template(&[]);
    assert!(resource(&t, "FacadeAuthorizer").contains("AuthorizerType: JWT"));
    for route in ["LegacyRoute", "GetItemRoute"] {
        let r = resource(&t, route);
        assert!(
            r.contains("AuthorizationType: JWT")
                && r.contains("AuthorizerId: !Ref FacadeAuthorizer"),
            "{r}"
        );
    }
    let machines = template(&[(
        "client_types = \"one_client\"",
        "client_types = \"machine_only\"",
    )]);
    assert!(!machines.contains("FacadeAuthorizer"));
    for route in ["LegacyRoute", "GetItemRoute"] {
        assert!(resource(&machines, route).contains("AuthorizationType: AWS_IAM"));
    }
}

#[test]
fn the_readme_says_what_moved_how_to_move_it_back_and_how_the_legacy_system_fails() {
    let (plan, files) = render(&[], Runtime::Rust);
    let readme = text(&files, "README.md");
    for words in [
        "`GET /items/{id}`",
        "To move the next one",
        "**Moving a route back** is a configuration change",
        "`GET_ITEM_TARGET`",
        "**When the legacy system fails**",
        "cut off with a 504",
        "`LEGACY_BASE_URL`",
    ] {
        assert!(readme.contains(words), "{words}");
    }
    for id in [
        "legacy_route",
        "migrated_routes",
        "api_throttling",
        "access_logs",
        "legacy_alarms",
    ] {
        let c = plan.controls.iter().find(|c| c.id == id).unwrap();
        assert!(
            readme.contains(&c.setting.replace('|', "\\|")),
            "{id}: {}",
            c.setting
        );
    }
    assert!(
        !readme.contains("sam local start-api --env-vars"),
        "start-api cannot serve the facade"
    );
    // Every runtime has the function, its test and its sample event.
    for runtime in [Runtime::Python, Runtime::Typescript, Runtime::Rust] {
        let (_, files) = render(&[], runtime);
        assert!(files.iter().any(|f| f.path == "events/migrated.json"));
        let code: String = files.iter().map(|f| f.contents.as_str()).collect();
        assert!(code.contains("itemName"), "{runtime:?}: the legacy shape");
    }
}
