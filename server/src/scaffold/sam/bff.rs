//! What `template.yaml` needs to render the backends for frontend (`patterns/bff.yaml`): the
//! client each backend function serves and each client API's authorization. It also keeps the
//! shared SAM `HttpApi` out of the pattern, which declares one API per client itself.

use questionnaires::scaffold::{Api, Auth, BffClient, Handler, Pattern};

use super::SamTemplate;

impl SamTemplate<'_> {
    /// The API the shared SAM `HttpApi` block renders: none for the backends for frontend,
    /// whose clients each have their own.
    pub(super) fn shared_http_api(&self) -> Option<&Api> {
        self.sam_api().filter(|_| self.plan.pattern != Pattern::Bff)
    }

    /// The client a backend function serves.
    pub(super) fn bff_client(&self, h: &Handler) -> Option<&BffClient> {
        self.plan
            .bff
            .as_ref()
            .and_then(|b| b.clients.iter().find(|c| c.name == h.name))
    }

    /// A client API's `Auth` property: a JWT authorizer for its own audience, or IAM.
    pub(super) fn bff_api_auth(&self, c: &BffClient) -> String {
        match c.auth {
            Auth::Iam => {
                "      Auth:\n        EnableIamAuthorizer: true\n        DefaultAuthorizer: AWS_IAM"
                    .to_owned()
            }
            _ => format!(
                "      Auth:\n        Authorizers:\n          {id}Jwt:\n            IdentitySource: $request.header.Authorization\n            JwtConfiguration:\n              issuer: !Ref JwtIssuer\n              audience:\n                - !Ref {aud}\n        DefaultAuthorizer: {id}Jwt",
                id = c.id,
                aud = c.audience_parameter
            ),
        }
    }
}
