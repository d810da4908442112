//! The routes of an API defined by an OpenAPI (or Swagger) body: inline in `DefinitionBody` or
//! `Body`, or in a file the template includes (`DefinitionUri`, `AWS::Include`). Each operation
//! becomes a route with its authorisation — its own `security`, else the document's, else the
//! SAM API's `DefaultAuthorizer`, as SAM applies it — its integration timeout and the function
//! its integration invokes.

use super::{loc, refs, target};
use crate::inventory::{ApiKind, Auth, Inventory, Route};
use crate::node::Node;
use crate::template::{Resource, Template};

/// The operations of a path item (`x-amazon-apigateway-any-method` is API Gateway's "any").
const METHODS: [&str; 8] = [
    "get",
    "put",
    "post",
    "delete",
    "patch",
    "head",
    "trace",
    "x-amazon-apigateway-any-method",
];

/// Reads the routes of the OpenAPI body in property `prop` of API `r`.
pub(super) fn routes(t: &Template, r: &Resource, prop: &str, kind: ApiKind, inv: &mut Inventory) {
    let Some((body, path)) = r.prop(prop) else {
        return;
    };
    let file = r.file_of(prop).to_owned();
    let schemes = body
        .at("components.securitySchemes")
        .or_else(|| body.get("securityDefinitions"));
    let global = body.get("security");
    for (route, item) in body.get("paths").map(Node::entries).unwrap_or(&[]) {
        for (method, op) in item.entries() {
            if !METHODS.contains(&method.to_ascii_lowercase().as_str()) {
                continue; // `options` is CORS preflight, open by design; the rest is not a route.
            }
            let auth = operation_auth(op, global, schemes, r);
            let integration = op.get("x-amazon-apigateway-integration");
            let mut at = loc(r, &format!("{path}.paths.{route}.{method}"), op.line);
            at.file.clone_from(&file);
            inv.routes.push(Route {
                api: r.id.clone(),
                kind,
                auth,
                function: integration
                    .and_then(|i| i.get("uri"))
                    .and_then(|u| target(t, &refs(u), super::is_function))
                    .map(|f| f.id.clone()),
                timeout_s: integration
                    .and_then(|i| i.get("timeoutInMillis"))
                    .and_then(Node::as_f64)
                    .map(|ms| ms / 1000.0),
                at,
            });
        }
    }
}

/// How one operation is authorised.
fn operation_auth(
    op: &Node,
    global: Option<&Node>,
    schemes: Option<&Node>,
    api: &Resource,
) -> Auth {
    // HTTP APIs: IAM authorisation on the operation itself.
    if let Some(t) = op
        .at("x-amazon-apigateway-auth.type")
        .and_then(Node::as_str)
    {
        return match t.to_ascii_uppercase().as_str() {
            "AWS_IAM" => Auth::JwtOrIam,
            _ => Auth::Open,
        };
    }
    match op.get("security").or(global) {
        Some(requirements) => requirements_auth(requirements, schemes, api),
        // Nothing in the document: SAM applies the API's default authoriser, if any.
        None => super::edge::sam_route_auth(Node::null(), Some(api)),
    }
}

/// A `security` list: alternatives, any of which lets a caller in, so the weakest counts; an
/// empty list or an empty alternative lets anyone in.
fn requirements_auth(requirements: &Node, schemes: Option<&Node>, api: &Resource) -> Auth {
    let alternatives = requirements.items();
    if alternatives.is_empty() {
        return Auth::Open;
    }
    alternatives
        .iter()
        .map(|alt| {
            // All schemes of one alternative apply together: the strongest counts.
            alt.entries()
                .iter()
                .map(|(name, _)| scheme_auth(name, schemes, api))
                .min()
                .unwrap_or(Auth::Open)
        })
        .max()
        .unwrap_or(Auth::Open)
}

/// What a named security scheme is.
fn scheme_auth(name: &str, schemes: Option<&Node>, api: &Resource) -> Auth {
    let Some(s) = schemes.and_then(|s| s.get(name)) else {
        // Not in the document: SAM's `Auth.Authorizers` may define it.
        return super::edge::sam_named_auth(name, api.properties.get("Auth"));
    };
    if let Some(a) = s.get("x-amazon-apigateway-authorizer") {
        return match a
            .get("type")
            .and_then(Node::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("token" | "request") => Auth::Lambda,
            // `jwt`, `cognito_user_pools`.
            _ => Auth::JwtOrIam,
        };
    }
    let authtype = s
        .get("x-amazon-apigateway-authtype")
        .and_then(Node::as_str)
        .map(str::to_ascii_lowercase);
    match (authtype.as_deref(), s.get("type").and_then(Node::as_str)) {
        (Some("awssigv4" | "cognito_user_pools"), _) | (_, Some("oauth2" | "openIdConnect")) => {
            Auth::JwtOrIam
        }
        (_, Some("apiKey")) => Auth::ApiKey,
        // A scheme API Gateway does not enforce by itself.
        _ => Auth::Open,
    }
}
