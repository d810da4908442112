//! APIs at the edge: SAM and API Gateway APIs, stages, methods, routes, integrations,
//! authorisers and WAF associations.

use super::{at, loc, refs, target, truthy};
use crate::inventory::{Api, ApiKind, Auth, EventSource, Inventory, Route, SourceKind};
use crate::node::Node;
use crate::template::{Resource, Template};

pub(super) fn api(t: &Template, r: &Resource, inv: &mut Inventory) {
    match r.kind.as_str() {
        "AWS::Serverless::Api" | "AWS::Serverless::HttpApi" => {
            let rest = r.kind == "AWS::Serverless::Api";
            let throttle = [
                "MethodSettings",
                "DefaultRouteSettings.ThrottlingBurstLimit",
                "DefaultRouteSettings.ThrottlingRateLimit",
                "RouteSettings",
            ]
            .iter()
            .find_map(|p| {
                let (n, path) = r.prop(p)?;
                let throttles = p.starts_with("DefaultRouteSettings.Throttling")
                    || super::mentions(n, "Throttling");
                throttles.then(|| loc(r, &path, n.line))
            });
            inv.apis.push(Api {
                at: at(r),
                kind: if rest { ApiKind::Rest } else { ApiKind::Http },
                throttling: throttle,
                tracing: truthy(r, "TracingEnabled"),
                private: r
                    .prop("EndpointConfiguration")
                    .is_some_and(|(n, _)| super::mentions(n, "PRIVATE")),
            });
            let kind = if rest { ApiKind::Rest } else { ApiKind::Http };
            super::openapi::routes(t, r, "DefinitionBody", kind, inv);
        }
        "AWS::ApiGateway::RestApi" => {
            inv.apis.push(Api {
                at: at(r),
                kind: ApiKind::Rest,
                throttling: None,
                tracing: None,
                private: r
                    .prop("EndpointConfiguration")
                    .is_some_and(|(n, _)| super::mentions(n, "PRIVATE")),
            });
            super::openapi::routes(t, r, "Body", ApiKind::Rest, inv);
        }
        "AWS::ApiGatewayV2::Api" => {
            let ws = r
                .prop("ProtocolType")
                .and_then(|(n, _)| n.as_str())
                .is_some_and(|p| p == "WEBSOCKET");
            inv.apis.push(Api {
                at: at(r),
                kind: if ws {
                    ApiKind::WebSocket
                } else {
                    ApiKind::Http
                },
                throttling: None,
                tracing: None,
                private: false,
            });
            if !ws {
                super::openapi::routes(t, r, "Body", ApiKind::Http, inv);
            }
        }
        "AWS::ApiGateway::Stage" | "AWS::ApiGatewayV2::Stage" => {
            let api_ids = r
                .prop("RestApiId")
                .or_else(|| r.prop("ApiId"))
                .map(|(n, _)| refs(n))
                .unwrap_or_default();
            let throttling = r
                .prop("MethodSettings")
                .or_else(|| r.prop("DefaultRouteSettings"))
                .or_else(|| r.prop("RouteSettings"))
                .filter(|(n, _)| super::mentions(n, "Throttling"))
                .map(|(n, p)| loc(r, &p, n.line));
            let tracing = truthy(r, "TracingEnabled");
            // Stages are read after or before their API: kept as a pseudo-API entry that
            // `links` folds into the API.
            inv.apis.push(Api {
                at: loc(
                    r,
                    &format!("Stage:{}", api_ids.into_iter().next().unwrap_or_default()),
                    r.line,
                ),
                kind: ApiKind::Rest,
                throttling,
                tracing,
                private: false,
            });
        }
        "AWS::ApiGateway::Method" => {
            let auth = match r.prop("AuthorizationType").and_then(|(n, _)| n.as_str()) {
                Some("AWS_IAM" | "COGNITO_USER_POOLS") => Auth::JwtOrIam,
                Some("CUSTOM") => Auth::Lambda,
                _ if r.prop("ApiKeyRequired").and_then(|(n, _)| n.as_bool()) == Some(true) => {
                    Auth::ApiKey
                }
                _ => Auth::Open,
            };
            if r.prop("HttpMethod").and_then(|(n, _)| n.as_str()) == Some("OPTIONS") {
                return; // CORS preflight: open by design.
            }
            inv.routes.push(Route {
                api: r
                    .prop("RestApiId")
                    .and_then(|(n, _)| refs(n).into_iter().next())
                    .unwrap_or_default(),
                kind: ApiKind::Rest,
                auth,
                function: r
                    .prop("Integration.Uri")
                    .and_then(|(n, _)| target(t, &refs(n), super::is_function))
                    .map(|f| f.id.clone()),
                timeout_s: r
                    .prop("Integration.TimeoutInMillis")
                    .and_then(|(n, _)| n.as_f64())
                    .map(|ms| ms / 1000.0),
                at: at(r),
            });
        }
        "AWS::ApiGatewayV2::Route" => {
            let auth = match r.prop("AuthorizationType").and_then(|(n, _)| n.as_str()) {
                Some("JWT" | "AWS_IAM") => Auth::JwtOrIam,
                Some("CUSTOM") => Auth::Lambda,
                _ if r.prop("ApiKeyRequired").and_then(|(n, _)| n.as_bool()) == Some(true) => {
                    Auth::ApiKey
                }
                _ => Auth::Open,
            };
            let integration = r
                .prop("Target")
                .and_then(|(n, _)| target(t, &refs(n), |k| k == "AWS::ApiGatewayV2::Integration"));
            inv.routes.push(Route {
                api: r
                    .prop("ApiId")
                    .and_then(|(n, _)| refs(n).into_iter().next())
                    .unwrap_or_default(),
                kind: ApiKind::Http,
                auth,
                function: integration
                    .and_then(|i| i.prop("IntegrationUri"))
                    .and_then(|(n, _)| target(t, &refs(n), super::is_function))
                    .map(|f| f.id.clone()),
                timeout_s: integration
                    .and_then(|i| i.prop("TimeoutInMillis"))
                    .and_then(|(n, _)| n.as_f64())
                    .map(|ms| ms / 1000.0),
                at: at(r),
            });
        }
        "AWS::WAFv2::WebACLAssociation" => inv.waf.push(at(r)),
        _ => {}
    }
}

/// The authorisation of a SAM `Api` / `HttpApi` event: its own `Auth`, else the API's default.
pub(super) fn sam_route_auth(props: &Node, api: Option<&Resource>) -> Auth {
    let api_auth = api.and_then(|a| a.properties.get("Auth"));
    let named = props
        .at("Auth.Authorizer")
        .and_then(Node::as_str)
        .or_else(|| {
            api_auth
                .and_then(|a| a.get("DefaultAuthorizer"))
                .and_then(Node::as_str)
        });
    let key = props
        .at("Auth.ApiKeyRequired")
        .or_else(|| api_auth.and_then(|a| a.get("ApiKeyRequired")))
        .and_then(Node::as_bool)
        == Some(true);
    match named {
        Some("NONE") | None => {
            if key {
                Auth::ApiKey
            } else {
                Auth::Open
            }
        }
        Some(name) => sam_named_auth(name, api_auth),
    }
}

/// What a SAM authoriser name means, by the API's `Auth.Authorizers`.
pub(super) fn sam_named_auth(name: &str, api_auth: Option<&Node>) -> Auth {
    if name == "AWS_IAM" {
        return Auth::JwtOrIam;
    }
    match api_auth
        .and_then(|a| a.get("Authorizers"))
        .and_then(|a| a.get(name))
    {
        Some(d) if d.get("FunctionArn").is_some() => Auth::Lambda,
        Some(_) => Auth::JwtOrIam,
        // An authoriser we cannot see (defined elsewhere): say it is authorised, not how.
        None => Auth::JwtOrIam,
    }
}

/// A WebSocket API is an entry point of its own.
pub(super) fn websocket_source(api: &Api) -> EventSource {
    EventSource {
        source: Some(api.at.resource.clone()),
        ..EventSource::new(SourceKind::WebSocket, None, api.at.clone())
    }
}
