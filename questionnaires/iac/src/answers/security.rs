//! Security rows of the mapping: IAM roles, secrets, edge authorisation, WAF and encryption.

use serde_json::json;

use super::{Builder, Picks};
use crate::inventory::{Auth, Inventory, Loc};

/// Whether a statement grants every action of a service (or all) on every resource.
pub(crate) fn is_wildcard(s: &crate::inventory::Statement) -> bool {
    s.allow
        && !s.key_policy
        && s.resources.iter().any(|r| r == "*")
        && s.actions.iter().any(|a| a == "*" || a.ends_with(":*"))
}

/// Whether a managed policy gives (nearly) everything.
pub(crate) fn is_admin_policy(arn: &str) -> bool {
    arn.ends_with("AdministratorAccess") || arn.ends_with("PowerUserAccess")
}

/// Whether a managed policy is an AWS managed `*FullAccess` policy (`AmazonS3FullAccess`,
/// `AWSStepFunctionsFullAccess`…): every action of a service on every resource. SAM takes the
/// bare name; elsewhere it is an ARN in the `aws` account (`arn:…:iam::aws:policy/…`).
pub(crate) fn is_full_access_policy(arn: &str) -> bool {
    let aws_managed = !arn.contains("arn:") || arn.contains(":iam::aws:policy/");
    aws_managed && arn.ends_with("FullAccess")
}

/// Environment variable names that look like they hold a secret.
fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    ["PASSWORD", "SECRET", "TOKEN", "API_KEY", "APIKEY"]
        .iter()
        .any(|w| n.contains(w))
}

pub(super) fn security(inv: &Inventory, b: &mut Builder) {
    // iam_roles.
    let broad: Vec<_> = inv
        .statements
        .iter()
        .filter(|s| is_wildcard(s))
        .map(|s| {
            (
                &s.at,
                format!(
                    "{} allows {} on every resource.",
                    s.at.resource,
                    s.actions.join(", ")
                ),
            )
        })
        .chain(
            inv.managed_policies
                .iter()
                .filter(|p| is_admin_policy(&p.value) || is_full_access_policy(&p.value))
                .map(|p| (&p.at, format!("{} attaches {}.", p.at.resource, p.value))),
        )
        .collect();
    if !broad.is_empty() {
        b.answer("iam_roles", json!("broad"), broad);
    } else if !inv.functions.is_empty() {
        let mut by_role: std::collections::BTreeMap<&str, Vec<&crate::inventory::Function>> =
            Default::default();
        let mut unknown = None;
        for f in &inv.functions {
            match &f.role {
                Some(r) if r.value.is_empty() => {
                    by_role.entry(f.at.resource.as_str()).or_default().push(f)
                }
                Some(r) if inv.roles.iter().any(|x| x.resource == r.value) => {
                    by_role.entry(r.value.as_str()).or_default().push(f)
                }
                _ => unknown = Some(f),
            }
        }
        if let Some(f) = unknown {
            b.open(
                "iam_roles",
                &f.at,
                format!(
                    "Function {}'s role is not declared in these templates.",
                    f.at.resource
                ),
            );
        } else if let Some((role, shared)) = by_role.iter().find(|(_, fs)| fs.len() > 1) {
            let cites = shared
                .iter()
                .map(|f| {
                    (
                        f.role.as_ref().map_or(&f.at, |r| &r.at),
                        format!(
                            "Function {} runs as role {role}, shared with others.",
                            f.at.resource
                        ),
                    )
                })
                .collect();
            b.answer("iam_roles", json!("shared_scoped"), cites);
        } else {
            let cites = inv
                .functions
                .iter()
                .map(|f| {
                    (
                        f.role.as_ref().map_or(&f.at, |r| &r.at),
                        format!("Function {} has a role of its own.", f.at.resource),
                    )
                })
                .collect();
            b.answer("iam_roles", json!("per_function"), cites);
        }
    }
    // secrets_handling.
    let plain: Vec<_> = inv
        .functions
        .iter()
        .flat_map(|f| f.env.iter())
        .filter(|e| {
            secret_name(&e.value.name)
                && e.value.literal.as_ref().is_some_and(|v| {
                    !v.is_empty() && !v.starts_with("arn:") && !v.contains("{{resolve:")
                })
        })
        .collect();
    let secret_ids: Vec<&str> = inv.secrets.iter().map(|s| s.resource.as_str()).collect();
    let passed: Vec<_> = inv
        .functions
        .iter()
        .flat_map(|f| f.env.iter())
        .filter(|e| {
            e.value
                .refs
                .iter()
                .any(|r| secret_ids.contains(&r.as_str()))
        })
        .collect();
    if let Some(e) = plain.first() {
        b.answer(
            "secrets_handling",
            json!("env_vars"),
            vec![(
                &e.at,
                format!(
                    "{} holds a literal value in a plain environment variable.",
                    e.value.name
                ),
            )],
        );
    } else if let Some(s) = inv.secrets.first() {
        let mut cites = vec![(s, format!("{} uses Secrets Manager.", s.resource))];
        cites.extend(passed.iter().map(|e| {
            (
                &e.at,
                format!("{} passes a secret's ARN to the function.", e.value.name),
            )
        }));
        b.answer("secrets_handling", json!("secrets_manager"), cites);
    }
    // edge_auth: per route or method.
    if !inv.routes.is_empty() {
        let mut picks = Picks::default();
        for r in &inv.routes {
            let (pick, what) = match r.auth {
                Auth::JwtOrIam => ("jwt_or_iam", "a JWT, Cognito or IAM authoriser"),
                Auth::Lambda => ("lambda_authorizer", "a Lambda authoriser"),
                Auth::ApiKey => ("api_keys_only", "an API key only"),
                Auth::Open => ("open_routes", "no authorisation"),
            };
            picks.add(pick, &r.at, format!("A route of {} has {what}.", r.api));
        }
        picks.answer(b, "edge_auth");
    }
    // waf.
    if let Some(api) = inv.apis.first() {
        if let Some(w) = inv.waf.first() {
            b.answer(
                "waf",
                json!("waf_managed"),
                vec![(w, "A WAF web ACL is associated.".to_owned())],
            );
        } else if inv.apis.iter().all(|a| a.private) {
            b.answer(
                "waf",
                json!("private_only"),
                vec![(&api.at, "Every API has a private endpoint.".to_owned())],
            );
        } else if let Some(t) = inv.apis.iter().find_map(|a| a.throttling.as_ref()) {
            b.answer(
                "waf",
                json!("throttling_only"),
                vec![(
                    t,
                    "An API throttles its stage or routes, and no WAF is associated.".to_owned(),
                )],
            );
        } else {
            b.answer(
                "waf",
                json!("none"),
                vec![(
                    &api.at,
                    "APIs with no throttling and no WAF association.".to_owned(),
                )],
            );
        }
    }
    // encryption.
    let mut picks = Picks::default();
    let cmk = inv
        .kms_keys
        .first()
        .cloned()
        .or_else(|| {
            inv.queues
                .iter()
                .find(|q| q.sse_cmk == Some(true))
                .map(|q| q.at.clone())
        })
        .or_else(|| {
            inv.tables
                .iter()
                .find(|t| t.sse_cmk == Some(true))
                .map(|t| t.at.clone())
        })
        .or_else(|| {
            inv.buckets
                .iter()
                .find(|t| t.sse_kms == Some(true))
                .map(|t| t.at.clone())
        })
        .or_else(|| inv.topics.iter().find(|t| t.cmk).map(|t| t.at.clone()))
        .or_else(|| inv.streams.iter().find(|t| t.cmk).map(|t| t.at.clone()))
        .or_else(|| inv.db_storage.iter().find_map(|d| d.cmk.clone()));
    if let Some(c) = &cmk {
        picks.add(
            "customer_keys",
            c,
            format!("{} encrypts with a customer managed KMS key.", c.resource),
        );
    }
    // at_rest: every table, bucket, queue, topic, stream and database states its encryption (a customer
    // managed key or the service's own); one that states none leaves it unshown.
    let stores: Vec<(&Loc, bool)> = inv
        .tables
        .iter()
        .map(|t| (&t.at, t.sse_cmk.is_some()))
        .chain(inv.buckets.iter().map(|x| (&x.at, x.sse_kms.is_some())))
        .chain(inv.queues.iter().map(|q| (&q.at, q.sse_cmk.is_some())))
        .chain(inv.topics.iter().map(|t| (&t.at, t.cmk)))
        .chain(inv.streams.iter().map(|x| (&x.at, x.cmk)))
        .chain(inv.db_storage.iter().map(|d| (&d.at, d.encrypted)))
        .collect();
    match stores.iter().find(|(_, encrypted)| !encrypted) {
        None => {
            for (at, _) in &stores {
                picks.add(
                    "at_rest",
                    at,
                    format!("{} is encrypted at rest.", at.resource),
                );
            }
        }
        Some((at, _)) if stores.iter().any(|(_, e)| *e) => b.open(
            "encryption",
            at,
            format!(
                "{} shows no encryption setting, so encryption at rest on every store is not shown.",
                at.resource
            ),
        ),
        Some(_) => {}
    }
    picks.answer(b, "encryption");
}
