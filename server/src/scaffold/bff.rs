//! The backend-for-frontend starter's day-one wiring: the repository variables the deploy
//! workflow passes as template parameters (each further client's JWT audience and the shared
//! services' base URLs), so each environment points its backends at its own services.

use questionnaires::scaffold::{Auth, Plan};

/// (repository variable, template parameter) for the backends' parameters; empty for any other
/// pattern. The first JWT client's audience is the shared `JwtAudience` (`JWT_AUDIENCE`).
pub(crate) fn deploy_variables(plan: &Plan) -> Vec<(String, String)> {
    let Some(b) = plan.bff.as_ref() else {
        return Vec::new();
    };
    let mut v: Vec<(String, String)> = b
        .clients
        .iter()
        .filter(|c| c.auth == Auth::Jwt && c.audience_parameter != "JwtAudience")
        .map(|c| {
            (
                format!("{}_JWT_AUDIENCE", c.name.to_ascii_uppercase()),
                c.audience_parameter.clone(),
            )
        })
        .collect();
    v.extend(
        b.downstreams
            .iter()
            .map(|d| (d.variable.clone(), d.parameter.clone())),
    );
    v
}
