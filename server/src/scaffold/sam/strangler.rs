//! What `template.yaml` needs to render the strangler fig's facade
//! (`patterns/strangler_fig.yaml`): the routes' authorization, the function behind each migrated
//! route, its invoke permission's path, the access-log metric filters that count the legacy route
//! apart from the migrated ones, and the 5XX-rate alarms built on them. It also keeps the
//! shared SAM `HttpApi` out of the facade, which declares its API, routes and stage itself.

use questionnaires::scaffold::{Api, Auth, MigratedRoute, Pattern};

use super::{PlanHelpers, SamTemplate, quoted};

impl SamTemplate<'_> {
    /// The API the shared SAM `HttpApi` block renders: none for the strangler fig, whose routes
    /// need explicit resources (a `$default` HTTP proxy, a target parameter per route).
    pub(super) fn sam_api(&self) -> Option<&Api> {
        self.plan
            .api
            .as_ref()
            .filter(|_| self.plan.pattern != Pattern::StranglerFig)
    }

    /// A route's authorization properties: the facade's JWT authorizer or IAM, as the plan says.
    pub(super) fn strangler_route_auth(&self) -> String {
        match self.plan.api.as_ref().map(|a| a.auth) {
            Some(Auth::Iam) => "      AuthorizationType: AWS_IAM".to_owned(),
            _ if self.jwt() => {
                "      AuthorizationType: JWT\n      AuthorizerId: !Ref FacadeAuthorizer".to_owned()
            }
            _ => "      AuthorizationType: NONE".to_owned(),
        }
    }

    /// The logical id of the function that serves a migrated route.
    pub(super) fn strangler_function(&self, m: &MigratedRoute) -> String {
        self.plan
            .handlers
            .iter()
            .find(|h| h.name == m.handler)
            .map_or_else(|| format!("{}Function", m.id), |h| h.logical_id.clone())
    }

    /// The route in an execute-api ARN: `GET/items/*` for `GET /items/{id}`.
    pub(super) fn strangler_arn_path(&self, m: &MigratedRoute) -> String {
        let path: Vec<&str> = m
            .path
            .trim_start_matches('/')
            .split('/')
            .map(|s| if s.starts_with('{') { "*" } else { s })
            .collect();
        format!("{}/{}", m.method, path.join("/"))
    }

    pub(super) fn strangler_target_description(&self, m: &MigratedRoute) -> String {
        quoted(&format!(
            "Who serves {}: new (the {} function) or legacy (the legacy system). Switching is a deploy, not a code change.",
            m.route_key(),
            m.handler
        ))
    }

    pub(super) fn strangler_integration_description(&self, m: &MigratedRoute) -> String {
        quoted(&format!(
            "{} on the {} function's live alias",
            m.route_key(),
            m.handler
        ))
    }

    /// The migrated routes, for the output's description.
    pub(super) fn strangler_route_list(&self) -> String {
        self.plan
            .strangler
            .as_ref()
            .map(|s| {
                s.routes
                    .iter()
                    .map(MigratedRoute::route_key)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    }

    /// The access-log metric filters: metric name, filter pattern, metric value. `$default` is
    /// the legacy route's key; every other route key is a migrated route.
    pub(super) fn strangler_metric_filters(
        &self,
    ) -> Vec<(&'static str, &'static str, &'static str)> {
        vec![
            ("LegacyRequests", r#"{ $.routeKey = "$default" }"#, "1"),
            (
                "Legacy5xx",
                r#"{ ($.routeKey = "$default") && ($.status >= 500) }"#,
                "1",
            ),
            (
                "LegacyLatency",
                r#"{ $.routeKey = "$default" }"#,
                "$.responseLatency",
            ),
            ("MigratedRequests", r#"{ $.routeKey != "$default" }"#, "1"),
            (
                "Migrated5xx",
                r#"{ ($.routeKey != "$default") && ($.status >= 500) }"#,
                "1",
            ),
        ]
    }

    /// The 5XX-rate alarms the plan lists: logical id base, title, errors metric, requests metric.
    pub(super) fn strangler_rate_alarms(
        &self,
    ) -> Vec<(&'static str, String, &'static str, &'static str)> {
        self.plan
            .alarms
            .iter()
            .filter_map(|a| match a.id.as_str() {
                "legacy_5xx" => Some(("Legacy5xx", a.title.clone(), "Legacy5xx", "LegacyRequests")),
                "migrated_5xx" => Some((
                    "Migrated5xx",
                    a.title.clone(),
                    "Migrated5xx",
                    "MigratedRequests",
                )),
                _ => None,
            })
            .collect()
    }
}
