//! Access control: every route the router serves × every kind of caller, with the status each
//! must get, and no data of the assessment in a refusal. The routes come from
//! `server::web::route_list`, so a new route without an expectation here fails the test.
//! Also the cross-site request check and the session rules.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use super::client::{Client, TestApp};

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Viewer,
    Editor,
    Owner,
    Outsider,
    ShareHolder,
    Token,
}

const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Viewer,
    Who::Editor,
    Who::Owner,
    Who::Outsider,
    Who::ShareHolder,
    Who::Token,
];

/// The least a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Nothing,
    SignedIn,
    Read,
    Edit,
    Own,
    /// A session, not an API token (making tokens, for instance).
    Session,
    /// The administrator's session (the first account's: the owner's here).
    Admin,
}

const SECRET_NAME: &str = "Zeta ledger";

/// A small, valid lens: checking it (without importing) succeeds.
const TINY_LENS: &str = r#"{"schemaVersion":"2021-11-01","name":"Tiny","description":"A lens.","pillars":[{"id":"pil","name":"Pillar","questions":[{"id":"que","title":"Question?","description":"Why.","choices":[{"id":"cho_a","title":"A","improvementPlan":{"displayText":"Do A."}},{"id":"que_no","title":"None of these"}],"riskRules":[{"condition":"cho_a","risk":"NO_RISK"},{"condition":"default","risk":"HIGH_RISK"}]}]}]}"#;
const SECRET_NOTE: &str = "classified-note-4711";

pub(super) struct World {
    pub(super) app: TestApp,
    pub(super) owner: Client,
    pub(super) editor: Client,
    pub(super) viewer: Client,
    pub(super) outsider: Client,
    pub(super) team: String,
    pub(super) assessment: String,
    pub(super) share: String,
    pub(super) token: String,
    /// A team none of the actors is in (invites to it are harmless to accept).
    pub(super) elsewhere: String,
    /// A milestone of the assessment.
    pub(super) milestone: String,
}

/// The token in a "shown once" page.
fn shown(body: &str, prefix: &str) -> String {
    let start = body.find(prefix).expect("a secret on the page");
    body[start..]
        .split('"')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

async fn invite(owner: &Client, team: &str, role: &str, who: &Client) {
    let r = owner
        .post(&format!("/teams/{team}/invites"), &[("role", role)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let token = shown(&r.body, "http://localhost/invites/");
    let r = who.post(&format!("/invites/{token}"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

pub(super) async fn world() -> World {
    world_on(TestApp::new().await).await
}

/// [`world`] on the app of the test's choosing.
pub(super) async fn world_on(app: TestApp) -> World {
    let owner = app.user("Olive Owner").await;
    let editor = app.user("Eddie Editor").await;
    let viewer = app.user("Vera Viewer").await;
    let outsider = app.user("Oscar Outsider").await;
    let stranger = app.user("Stan Stranger").await;
    let team = owner.team.clone();
    invite(&owner, &team, "editor", &editor).await;
    invite(&owner, &team, "viewer", &viewer).await;
    let assessment = owner.create(SECRET_NAME).await;
    let r = owner
        .post(
            &format!("/assessments/{assessment}/review/workload_fit/save"),
            &[
                ("q.peak_rps", "50"),
                ("note.peak_rps", SECRET_NOTE),
                ("v.peak_rps", ""),
                ("save", "stay"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = owner
        .post(
            &format!("/assessments/{assessment}/share-links"),
            &[("days", "30")],
        )
        .await;
    let share = shown(&r.body, "http://localhost/share/");
    let r = editor
        .post("/account/tokens", &[("name", "ci"), ("team", &team)])
        .await;
    let token = shown(&r.body, "trl_");
    let r = owner
        .post(
            "/api/create_milestone",
            &[("id", assessment.as_str()), ("name", "Before launch")],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let milestone = app.store.milestones(&assessment).await.unwrap()[0]
        .id
        .clone();
    World {
        milestone,
        elsewhere: stranger.team.clone(),
        app,
        owner,
        editor,
        viewer,
        outsider,
        team,
        assessment,
        share,
        token,
    }
}

impl World {
    fn client(&self, who: Who) -> Client {
        match who {
            Who::Anonymous | Who::ShareHolder => self.app.anonymous(),
            Who::Viewer => self.viewer.clone(),
            Who::Editor => self.editor.clone(),
            Who::Owner => self.owner.clone(),
            Who::Outsider => self.outsider.clone(),
            Who::Token => Client {
                bearer: Some(self.token.clone()),
                ..self.app.anonymous()
            },
        }
    }

    async fn version(&self) -> String {
        self.app
            .store
            .assessment(&self.assessment)
            .await
            .unwrap()
            .version
            .to_string()
    }

    async fn item_version(&self) -> String {
        self.app
            .store
            .checklist(&self.assessment)
            .await
            .unwrap()
            .iter()
            .find(|i| i.item_id == "budget_alarm")
            .map(|i| i.version.to_string())
            .unwrap_or_default()
    }

    /// What a route needs, and the request that exercises it (fresh where a request uses
    /// something up). `None`: the route has no expectation yet.
    async fn case(&self, method: &Method, path: &str, who: Who) -> Option<(Needs, Request<Body>)> {
        let a = self.assessment.as_str();
        let id_for_teams = path.starts_with("/teams/");
        let concrete = path
            .replace("{id}", if id_for_teams { &self.team } else { a })
            .replace("{area}", "workload_fit")
            .replace("{*path}", "README.md");
        // Starters name their pattern, so the matrix does not depend on the review's ranking.
        let concrete = if path.contains("/scaffold") {
            format!("{concrete}?pattern=api_lambda_dynamodb&runtime=typescript")
        } else {
            concrete
        };
        let form = |fields: Vec<(&str, String)>| {
            let body = serde_urlencoded::to_string(&fields).unwrap();
            Request::builder()
                .method(method.clone())
                .uri(concrete.replace("{token}", "unused"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(body))
                .unwrap()
        };
        let get = |uri: String| {
            Request::get(uri)
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .unwrap()
        };
        let s = |x: &str| x.to_owned();
        Some(match (method.as_str(), path) {
            // Checklist state, teams, invites, share links, tokens over the REST API
            // (server/tests/api/rest_org.rs has their behaviour).
            (_, p) if super::rest_org::is_route(p) => {
                let (need, req) =
                    super::rest_org::access_case(self, method, p, who_local(who)).await;
                (need_of(need), req)
            }
            (_, p)
                if p.starts_with("/api/v1/teams/{id}/webhooks")
                    || p.starts_with("/teams/{id}/webhooks") =>
            {
                // Team owners only; the request from the webhooks tests.
                (
                    Needs::Own,
                    super::webhooks::access_request(self, method, p).await,
                )
            }
            (
                "GET",
                "/healthz" | "/readyz" | "/metrics" | "/api/v1/catalog" | "/style/trellis.css"
                | "/style/copy.js" | "/catalog" | "/" | "/signin" | "/signup",
            ) => (Needs::Nothing, get(concrete)),
            ("GET", "/assessments/{id}/share") => (Needs::Own, get(concrete)),
            ("POST", "/api/share_page") => (Needs::Own, form(vec![("id", s(a))])),
            ("POST", "/api/first_run" | "/api/sign_in_options") => (Needs::Nothing, form(vec![])),
            // Anyone holding an invite link may read what it leads to.
            ("POST", "/api/invite_page") => {
                (Needs::Nothing, form(vec![("token", s("inv_anything"))]))
            }
            ("POST", "/api/revoke_invite") => {
                let secret = store::auth::new_secret("inv");
                self.app
                    .store
                    .create_invite(
                        &secret,
                        &self.team,
                        store::auth::Role::Viewer,
                        "t",
                        1,
                        i64::MAX,
                    )
                    .await
                    .unwrap();
                (
                    Needs::Own,
                    form(vec![("team", self.team.clone()), ("invite", secret.id)]),
                )
            }
            ("GET", "/share/{token}") => (Needs::Nothing, get(format!("/share/{}", self.share))),
            // Report pages and downloads, in each scope.
            ("GET", p) if p.starts_with("/share/{token}/") => (
                Needs::Nothing,
                get(concrete.replace("{token}", &self.share)),
            ),
            ("GET", p) if p.starts_with("/assessments/{id}/milestones/{milestone}/") => (
                Needs::Read,
                get(concrete.replace("{milestone}", &self.milestone)),
            ),
            ("GET", p)
                if p.starts_with("/assessments/{id}/report")
                    || p.starts_with("/assessments/{id}/scaffold")
                    || p.starts_with("/assessments/{id}/adr.")
                    || p.starts_with("/assessments/{id}/backlog.")
                    || p.starts_with("/assessments/{id}/jira.") =>
            {
                (Needs::Read, get(concrete))
            }
            ("GET", "/assessments/{id}/milestones") => (Needs::Read, get(concrete)),
            ("GET", "/assessments/{id}/milestones/{milestone}") => (
                Needs::Read,
                get(format!("/assessments/{a}/milestones/{}", self.milestone)),
            ),
            ("POST", "/api/milestone_results") => (
                Needs::Read,
                form(vec![("id", s(a)), ("milestone", self.milestone.clone())]),
            ),
            ("GET", "/assessments/{id}/diff.md") => (
                Needs::Read,
                get(format!("{concrete}?from={}&to=current", self.milestone)),
            ),
            ("POST", "/api/milestones_page") => (Needs::Read, form(vec![("id", s(a))])),
            ("POST", "/api/create_milestone") => (
                Needs::Edit,
                form(vec![("id", s(a)), ("name", s("Checkpoint"))]),
            ),
            ("GET", "/invites/{token}") => (Needs::Nothing, get(s("/invites/inv_anything"))),
            // It lists the account's API tokens: a token may not see them.
            ("GET", "/account") => (Needs::Session, get(concrete)),
            ("GET", "/teams/{id}") => (Needs::Read, get(concrete)),
            // Evidence import: the page and its forms, and the API. An import of a template that
            // answers nothing, so the matrix does not move the review's answers.
            ("GET", "/assessments/{id}/evidence") => (Needs::Read, get(concrete)),
            ("POST", "/assessments/{id}/evidence" | "/api/v1/assessments/{id}/evidence") => {
                (Needs::Edit, evidence_upload(&concrete))
            }
            ("POST", "/assessments/{id}/evidence/decisions") => {
                let import = self.evidence().await;
                (Needs::Edit, form(vec![("import", import)]))
            }
            ("POST", "/api/v1/assessments/{id}/evidence/decisions") => {
                let body = json!({"import_id": self.evidence().await, "decisions": {}});
                (Needs::Edit, api_json(method, &concrete, &body.to_string()))
            }
            ("GET", "/api/v1/assessments/{id}/evidence") => {
                self.evidence().await;
                (Needs::Read, get(concrete))
            }
            ("GET", "/assessments/{id}/review/{area}" | "/assessments/{id}/results") => {
                (Needs::Read, get(concrete))
            }
            ("POST", "/signup") => {
                let email = format!("new-{}@example.com", uuid::Uuid::new_v4().simple());
                (
                    Needs::Nothing,
                    form(vec![
                        ("name", s("New")),
                        ("email", email),
                        ("password", s("a long enough password")),
                    ]),
                )
            }
            ("POST", "/signin") => (
                Needs::Nothing,
                form(vec![
                    ("email", s("olive.owner@example.com")),
                    ("password", s("wrong password!")),
                ]),
            ),
            ("POST", "/signout") => {
                // A session of its own, so signing out does not end the actor's.
                (Needs::Nothing, form(vec![]))
            }
            ("POST", "/invites/{token}") => {
                let secret = store::auth::new_secret("inv");
                self.app
                    .store
                    .create_invite(
                        &secret,
                        &self.elsewhere,
                        store::auth::Role::Viewer,
                        "t",
                        1,
                        i64::MAX,
                    )
                    .await
                    .unwrap();
                let mut req = form(vec![]);
                *req.uri_mut() = format!("/invites/{}", secret.token).parse().unwrap();
                (Needs::SignedIn, req)
            }
            // Single sign-on, not configured here: both send the browser back to sign in.
            ("GET", "/auth/sso" | "/auth/sso/callback") => (Needs::Nothing, get(concrete)),
            // The account's own sign-in: a session's, never a token's. Each form as sent without
            // its fields is sent back with an error (signing out everywhere would end the
            // matrix's sessions).
            ("GET", "/account/security") => (Needs::Session, get(concrete)),
            ("POST", "/account/password" | "/account/sessions/end") => {
                (Needs::Session, form(vec![]))
            }
            ("POST", "/admin/settings") => (Needs::Admin, form(vec![])),
            ("POST", "/teams/{id}/invites") => (Needs::Own, form(vec![("role", s("viewer"))])),
            ("POST", "/account/tokens") => {
                let team = if who == Who::Outsider {
                    self.outsider.team.clone()
                } else {
                    self.team.clone()
                };
                (
                    Needs::Session,
                    form(vec![("name", s("ci")), ("team", team)]),
                )
            }
            ("POST", "/assessments/{id}/share-links") => (Needs::Own, form(vec![("days", s("7"))])),
            ("POST", "/assessments/{id}/review/{area}/save") => {
                (Needs::Edit, form(vec![("save", s("stay"))]))
            }
            ("POST", "/api/whoami" | "/api/needs_me" | "/api/catalog_view") => {
                (Needs::Nothing, form(vec![]))
            }
            ("POST", "/api/shared_results") => {
                (Needs::Nothing, form(vec![("token", self.share.clone())]))
            }
            ("POST", "/api/list_assessments") => (
                Needs::SignedIn,
                form(vec![("include_archived", s("false"))]),
            ),
            ("POST", "/api/template_sources" | "/api/questionnaire_choices") => {
                (Needs::SignedIn, form(vec![]))
            }
            // It lists the account's tokens, for every team.
            ("POST", "/api/account_page") => (Needs::Session, form(vec![])),
            // The built-in questionnaire's pages; imported lenses have their own tests.
            ("GET", "/questionnaires") => (Needs::SignedIn, get(s(path))),
            ("GET", "/questionnaires/{id}" | "/questionnaires/{id}/lens.json") => (
                Needs::SignedIn,
                get(path.replace("{id}", &questionnaires::builtin().id)),
            ),
            ("POST", "/questionnaires") => {
                let boundary = "trellis-access-boundary";
                let body = format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nlint\r\n\
                     --{boundary}\r\nContent-Disposition: form-data; name=\"lens\"; filename=\"l.json\"\r\n\
                     Content-Type: application/json\r\n\r\n{TINY_LENS}\r\n--{boundary}--\r\n"
                );
                let req = Request::post("/questionnaires")
                    .header(
                        header::CONTENT_TYPE,
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .body(Body::from(body))
                    .unwrap();
                (Needs::SignedIn, req)
            }
            // From a milestone of the team's review: editing the team covers reading the source.
            ("POST", "/api/create_assessment") => (
                Needs::Edit,
                form(vec![
                    ("team", self.team.clone()),
                    ("name", s("New")),
                    ("description", s("")),
                    ("environment", s("")),
                    ("from", format!("{a}/{}", self.milestone)),
                ]),
            ),
            ("POST", "/api/area_page") => (
                Needs::Read,
                form(vec![("id", s(a)), ("area", s("workload_fit"))]),
            ),
            ("POST", "/api/results_page") => (Needs::Read, form(vec![("id", s(a))])),
            ("POST", "/api/team_page") => (Needs::Read, form(vec![("id", self.team.clone())])),
            ("POST", "/api/autosave") => (
                Needs::Edit,
                form(vec![
                    ("id", s(a)),
                    ("area", s("workload_fit")),
                    ("form", s("")),
                ]),
            ),
            ("POST", "/api/rename_assessment") => (
                Needs::Edit,
                form(vec![
                    ("id", s(a)),
                    ("name", s(SECRET_NAME)),
                    ("version", self.version().await),
                ]),
            ),
            ("POST", "/api/duplicate_assessment") => (Needs::Edit, form(vec![("id", s(a))])),
            ("POST", "/api/archive_assessment") => (
                Needs::Own,
                form(vec![
                    ("id", s(a)),
                    ("version", self.version().await),
                    ("archive", s("false")),
                ]),
            ),
            ("POST", "/api/save_checklist_item") => {
                let mut fields = vec![
                    ("id", s(a)),
                    ("item", s("budget_alarm")),
                    ("status", s("open")),
                    ("owner", s("")),
                    ("due_date", s("")),
                ];
                let v = self.item_version().await;
                if !v.is_empty() {
                    fields.push(("version", v));
                }
                (Needs::Edit, form(fields))
            }
            ("POST", "/api/approve_design") => {
                let id = self.owner.create("Billing run").await;
                super::approvals::answer_case(&self.owner, &id).await;
                let reasons = super::approvals::every_reason();
                let names: Vec<(String, String)> = reasons
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (format!("reasons[{k}]"), v.as_str().unwrap().to_owned()))
                    .collect();
                let mut fields = vec![("id", id)];
                fields.extend(names.iter().map(|(k, v)| (k.as_str(), v.clone())));
                (Needs::Own, form(fields))
            }
            ("POST", "/api/accept_risk") => {
                self.raise_risk().await;
                (
                    Needs::Edit,
                    form(vec![
                        ("id", s(a)),
                        ("question", s("iac")),
                        ("reason", s("Accepted for the matrix")),
                    ]),
                )
            }
            ("POST", "/api/withdraw_risk") => {
                self.accept_risk().await;
                (
                    Needs::Edit,
                    form(vec![("id", s(a)), ("question", s("iac"))]),
                )
            }
            ("POST", "/api/set_member") => (
                Needs::Own,
                form(vec![
                    ("team", self.team.clone()),
                    ("user", self.editor_id().await),
                    ("role", s("editor")),
                ]),
            ),
            ("POST", "/api/rename_team") => (
                Needs::Own,
                form(vec![
                    ("team", self.team.clone()),
                    ("name", s("Olive Owner's team")),
                ]),
            ),
            ("POST", "/api/revoke_share_link") => {
                let secret = store::auth::new_secret("shr");
                self.app
                    .store
                    .create_share_link(&secret, a, "t", 1, None)
                    .await
                    .unwrap();
                (
                    Needs::Own,
                    form(vec![("id", s(a)), ("link", secret.id.clone())]),
                )
            }
            ("POST", "/api/revoke_api_token") => {
                // A token of the caller's own (the editor's, for the API token itself).
                let secret = store::auth::new_secret("trl");
                let user = match who {
                    Who::Viewer => self.user_id("vera.viewer").await,
                    Who::Owner => self.user_id("olive.owner").await,
                    Who::Outsider => self.user_id("oscar.outsider").await,
                    _ => self.editor_id().await,
                };
                let team = if who == Who::Outsider {
                    self.outsider.team.clone()
                } else {
                    self.team.clone()
                };
                self.app
                    .store
                    .create_api_token(&secret, &user, &team, "x", 1)
                    .await
                    .unwrap();
                // Tokens cannot manage tokens, not even their own user's.
                (Needs::Session, form(vec![("token", secret.id.clone())]))
            }
            // The REST API (server/tests/api/rest.rs has its behaviour); writes that change
            // nothing where they can, so the matrix does not move the world under its cells.
            ("GET", "/api" | "/api/v1/openapi.json") => (Needs::Nothing, get(concrete)),
            ("GET", "/api/v1/assessments" | "/api/v1/questionnaires") => {
                (Needs::SignedIn, get(concrete))
            }
            // Each caller's own reviews only (server/tests/api/portfolio.rs checks whose).
            ("GET", "/api/v1/portfolio" | "/portfolio") => (Needs::SignedIn, get(concrete)),
            ("PUT", "/api/v1/assessments/{id}/tags") => {
                (Needs::Edit, api_json(method, &concrete, r#"{"tags": []}"#))
            }
            ("GET", "/assessments/{id}/tags") => (Needs::Read, get(concrete)),
            ("POST", "/assessments/{id}/tags") => (Needs::Edit, form(vec![("tags", s(""))])),
            ("GET", p) if p.starts_with("/api/v1/questionnaires/{id}") => (
                Needs::SignedIn,
                get(p.replace("{id}", &questionnaires::builtin().id)),
            ),
            ("POST", "/api/v1/lint") => (Needs::SignedIn, api_json(method, path, TINY_LENS)),
            ("POST", "/api/v1/questionnaires") => {
                let uri = format!("{path}?team={}", self.team);
                (Needs::Edit, api_json(method, &uri, TINY_LENS))
            }
            ("POST", "/api/v1/questionnaires/{id}/versions") => {
                let uri = path.replace("{id}", &self.lens().await);
                let next = TINY_LENS.replace("A lens.", &unique_text());
                (Needs::Edit, api_json(method, &uri, &next))
            }
            ("POST", "/api/v1/assessments") => {
                let body = json!({"team": self.team, "name": "New"});
                (Needs::Edit, api_json(method, path, &body.to_string()))
            }
            // Discussion (server/tests/api/discussion.rs has its behaviour): a comment of the
            // caller's own, so editing and deleting it needs only the editor role.
            (m, p) if super::discussion::is_route(p) => {
                let (need, uri, body) =
                    super::discussion::access_case(&self.app.store, a, m, p, who_local(who)).await;
                let req = match body {
                    Some(fields) if !p.starts_with("/api/") => {
                        let mut r = form(fields);
                        *r.uri_mut() = uri.parse().unwrap();
                        r
                    }
                    Some(fields) => api_json(method, &uri, &json_of(&fields)),
                    None if m == "GET" => get(uri),
                    None => api_json(method, &uri, ""),
                };
                (need_of(need), req)
            }
            ("GET", p) if p.starts_with("/api/v1/assessments/{id}") => {
                let uri = concrete.replace("{milestone}", &self.milestone);
                let uri = if p.ends_with("/diff") || p.ends_with("/diff.md") {
                    format!("{uri}?from={}", self.milestone)
                } else {
                    uri
                };
                (Needs::Read, get(uri))
            }
            ("PATCH", "/api/v1/assessments/{id}") => {
                let body = json!({"version": self.version_number().await, "name": SECRET_NAME});
                (Needs::Edit, api_json(method, &concrete, &body.to_string()))
            }
            ("POST", p) if p.ends_with("/archive") || p.ends_with("/restore") => {
                let body = json!({"version": self.version_number().await});
                (Needs::Own, api_json(method, &concrete, &body.to_string()))
            }
            ("GET", "/assessments/{id}/lens") => (Needs::Read, get(concrete)),
            ("POST", "/api/v1/assessments/{id}/lens-upgrade" | "/assessments/{id}/lens") => {
                // A review of its own on a lens that then gets a newer version to move to.
                let lens = self.lens().await;
                let r = self
                    .owner
                    .send(api_json(
                        &Method::POST,
                        "/api/v1/assessments",
                        &json!({"team": self.team, "name": "On a lens", "questionnaire": lens})
                            .to_string(),
                    ))
                    .await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                let review: serde_json::Value = serde_json::from_str(&r.body).unwrap();
                let next = TINY_LENS.replace("A lens.", &unique_text());
                let uri = format!("/api/v1/questionnaires/{lens}/versions");
                let r = self.owner.send(api_json(&Method::POST, &uri, &next)).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                let uri = concrete.replace(a, review["id"].as_str().unwrap());
                let version = review["version"].as_i64().unwrap();
                let req = if path.starts_with("/api/") {
                    api_json(method, &uri, &json!({"version": version}).to_string())
                } else {
                    Request::post(uri)
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(Body::from(format!("version={version}")))
                        .unwrap()
                };
                (Needs::Edit, req)
            }
            ("POST", "/api/v1/assessments/{id}/milestones") => {
                let body = r#"{"name": "Checkpoint"}"#;
                (Needs::Edit, api_json(method, &concrete, body))
            }
            ("POST", "/api/v1/assessments/{id}/approvals") => {
                // A review of its own with the blockers' answers, so the owner's is the first
                // approval of it.
                let id = self.owner.create("Billing run").await;
                super::approvals::answer_case(&self.owner, &id).await;
                let uri = concrete.replace(a, &id);
                let body = json!({"reasons": super::approvals::every_reason()});
                (Needs::Own, api_json(method, &uri, &body.to_string()))
            }
            ("PUT", "/api/v1/assessments/{id}/acceptances/{question_id}") => {
                self.raise_risk().await;
                let uri = concrete.replace("{question_id}", "iac");
                let body = json!({"reason": "Accepted for the matrix"});
                (Needs::Edit, api_json(method, &uri, &body.to_string()))
            }
            ("DELETE", "/api/v1/assessments/{id}/acceptances/{question_id}") => {
                self.accept_risk().await;
                let uri = concrete.replace("{question_id}", "iac");
                (Needs::Edit, api_json(method, &uri, ""))
            }
            ("PUT", "/api/v1/assessments/{id}/answers") => {
                let item = json!({"question_id": "peak_rps", "value": 50, "note": SECRET_NOTE});
                let body = json!({ "answers": [item] });
                (Needs::Edit, api_json(method, &concrete, &body.to_string()))
            }
            ("PUT", "/api/v1/assessments/{id}/answers/{question_id}") => {
                let uri = concrete.replace("{question_id}", "peak_rps");
                let body = json!({"value": 50, "note": SECRET_NOTE});
                (Needs::Edit, api_json(method, &uri, &body.to_string()))
            }
            ("DELETE", "/api/v1/assessments/{id}/answers/{question_id}") => {
                // A question with no answer: clearing it changes nothing.
                let uri = concrete.replace("{question_id}", "memory_mb") + "?version=1";
                (Needs::Edit, api_json(method, &uri, ""))
            }
            ("PUT", "/api/v1/assessments/{id}/answers-file") => {
                let answers = json!({"peak_rps": {"value": 50, "note": SECRET_NOTE}});
                let body = json!({
                    "questionnaire": "serverless-review",
                    "workload": {"name": "x"},
                    "answers": answers,
                });
                (Needs::Edit, api_json(method, &concrete, &body.to_string()))
            }
            _ => return None,
        })
    }

    /// The id of the review's latest evidence import, made by its owner when there is none.
    pub(super) async fn evidence(&self) -> String {
        if let Some(row) = self
            .app
            .store
            .latest_evidence(&self.assessment)
            .await
            .unwrap()
        {
            return row.id;
        }
        let path = format!("/api/v1/assessments/{}/evidence", self.assessment);
        let r = self.owner.send(evidence_upload(&path)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Makes the question `iac` raise a risk (once), so that it can be accepted.
    async fn raise_risk(&self) {
        let answers = self.app.store.answers(&self.assessment).await.unwrap();
        if answers.iter().any(|a| a.question_id == "iac") {
            return;
        }
        let r = self
            .owner
            .post(
                &format!("/assessments/{}/review/delivery/save", self.assessment),
                &[("q.iac", "most"), ("v.iac", ""), ("save", "stay")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }

    /// An acceptance of the risk `iac` raises, so that it can be withdrawn.
    async fn accept_risk(&self) {
        self.raise_risk().await;
        let accepted = store::StoredAcceptance {
            question_id: "iac".to_owned(),
            level: "medium".to_owned(),
            reason: "Accepted for the matrix".to_owned(),
            accepted_by: self.editor_id().await,
            accepted_by_name: "Eddie Editor".to_owned(),
            accepted_at: 1,
        };
        self.app
            .store
            .accept_risk(&self.assessment, &accepted, None)
            .await
            .unwrap();
    }

    async fn version_number(&self) -> i64 {
        self.version().await.parse().unwrap()
    }

    /// A lens of the team, freshly imported by its owner.
    async fn lens(&self) -> String {
        let r = self
            .owner
            .send(api_json(
                &Method::POST,
                &format!("/api/v1/questionnaires?team={}", self.team),
                TINY_LENS,
            ))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["questionnaire"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub(super) async fn user_id(&self, local: &str) -> String {
        self.app
            .store
            .user_by_email(&format!("{local}@example.com"))
            .await
            .unwrap()
            .unwrap()
            .0
            .id
    }

    async fn editor_id(&self) -> String {
        self.user_id("eddie.editor").await
    }
}

/// The caller's account, by the local part of its email (the editor's for a token or nobody).
fn who_local(who: Who) -> &'static str {
    match who {
        Who::Viewer => "vera.viewer",
        Who::Owner => "olive.owner",
        Who::Outsider => "oscar.outsider",
        _ => "eddie.editor",
    }
}

/// A need named by the discussion's cases.
fn need_of(need: &str) -> Needs {
    match need {
        "read" => Needs::Read,
        "edit" => Needs::Edit,
        "own" => Needs::Own,
        "session" => Needs::Session,
        _ => Needs::SignedIn,
    }
}

/// Form fields as a JSON object (numbers stay numbers).
fn json_of(fields: &[(&str, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| {
            let value = v.parse::<i64>().map_or_else(|_| json!(v), |n| json!(n));
            ((*k).to_owned(), value)
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// A description no lens had before, so an import adds a version.
fn unique_text() -> String {
    format!("Version {}.", uuid::Uuid::new_v4())
}

/// An upload of a template that answers no question (one resource of a type no question reads).
fn evidence_upload(uri: &str) -> Request<Body> {
    let boundary = "trellis-access-evidence";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"template.yaml\"\r\n\
         Content-Type: application/yaml\r\n\r\nResources:\n  Thing:\n    Type: AWS::CloudFormation::WaitConditionHandle\n\r\n--{boundary}--\r\n"
    );
    Request::post(uri)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body))
        .unwrap()
}

/// A JSON request to the REST API.
fn api_json(method: &Method, uri: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method.clone())
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// The status a caller must get: allowed callers get a success or a redirect (`None`).
fn expected(needs: Needs, who: Who) -> Option<StatusCode> {
    use Who::*;
    let signed_in = !matches!(who, Anonymous | ShareHolder);
    match needs {
        Needs::Nothing => None,
        _ if !signed_in => Some(StatusCode::UNAUTHORIZED),
        Needs::SignedIn => None,
        Needs::Session | Needs::Admin if who == Token => Some(StatusCode::FORBIDDEN),
        Needs::Admin if who == Owner => None,
        Needs::Admin => Some(StatusCode::FORBIDDEN),
        Needs::Session => None,
        _ if who == Outsider => Some(StatusCode::NOT_FOUND),
        Needs::Read => None,
        Needs::Edit if who == Viewer => Some(StatusCode::FORBIDDEN),
        Needs::Edit => None,
        Needs::Own if who == Owner => None,
        Needs::Own => Some(StatusCode::FORBIDDEN),
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_its_role_allows() {
    let w = world().await;
    let routes = server::web::route_list();
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    let mut cells = 0;
    for (method, path) in &routes {
        for who in EVERYONE {
            let Some((needs, req)) = w.case(method, path, who).await else {
                missing.push(format!("{method} {path}"));
                break;
            };
            let mut client = w.client(who);
            if matches!(path.as_str(), "/signout" | "/signup" | "/signin")
                && client.cookie.is_some()
            {
                // These end the session they come with: use a second one of the same user.
                let user = match who {
                    Who::Viewer => w.user_id("vera.viewer").await,
                    Who::Editor => w.editor_id().await,
                    Who::Owner => w.user_id("olive.owner").await,
                    _ => w.user_id("oscar.outsider").await,
                };
                let secret = store::auth::new_secret("s");
                w.app
                    .store
                    .create_session(&secret, &user, 1, i64::MAX)
                    .await
                    .unwrap();
                client.cookie = Some(secret.token);
            }
            let reply = client.send(req).await;
            cells += 1;
            let ok = match expected(needs, who) {
                None => reply.status.is_success() || reply.status.is_redirection(),
                Some(status) => reply.status == status,
            };
            if !ok {
                wrong.push(format!(
                    "{method} {path} as {who:?}: got {}, expected {}: {}",
                    reply.status,
                    expected(needs, who).map_or("success".to_owned(), |s| s.to_string()),
                    reply.body.chars().take(200).collect::<String>()
                ));
            }
            if expected(needs, who).is_some() {
                for secret in [SECRET_NAME, SECRET_NOTE] {
                    if reply.body.contains(secret) {
                        wrong.push(format!(
                            "{method} {path} as {who:?}: the refusal shows `{secret}`"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes with no expectation: {missing:#?}"
    );
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells wrong: {wrong:#?}",
        wrong.len()
    );
    // Every route, every caller: the size goes in the closing note.
    assert_eq!(cells, routes.len() * EVERYONE.len());
    eprintln!(
        "access matrix: {} routes x {} callers = {cells} cells",
        routes.len(),
        EVERYONE.len()
    );
}

/// A viewer sees the team's members but not its audit log; an owner sees who changed what.
#[tokio::test]
async fn the_audit_log_shows_who_changed_what_to_owners_only() {
    let w = world().await;
    let team = format!("/teams/{}", w.team);
    let page = w.owner.get(&team).await.body;
    assert!(page.contains("Audit log"));
    assert!(
        page.contains(&format!(
            "answer: “What is the peak rate of requests or events, per second?” in {SECRET_NAME}"
        )),
        "the owner's answer is logged, in words, with its review"
    );
    assert!(page.contains("Eddie Editor") && page.contains("joined as editor"));
    let page = w.viewer.get(&team).await.body;
    assert!(page.contains("Members") && !page.contains("Audit log"));
}

fn post_from(origin: Option<&str>, referer: Option<&str>) -> Request<Body> {
    let mut b = Request::post("/api/whoami")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(o) = origin {
        b = b.header(header::ORIGIN, o);
    }
    if let Some(r) = referer {
        b = b.header(header::REFERER, r);
    }
    b.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_same_site_ones_pass() {
    let app = TestApp::new().await;
    let c = app.anonymous();
    let cases = [
        (Some("http://localhost"), None, StatusCode::OK),
        (None, Some("http://localhost/account"), StatusCode::OK),
        (Some("https://evil.example"), None, StatusCode::FORBIDDEN),
        (
            Some("http://localhost.evil.example"),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            Some("null"),
            Some("http://localhost/"),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (origin, referer, status) in cases {
        assert_eq!(
            c.send(post_from(origin, referer)).await.status,
            status,
            "{origin:?} {referer:?}"
        );
    }
    // No Origin and no Referer at all: refused (the test client adds an Origin otherwise).
    let mut req = post_from(None, None);
    req.headers_mut()
        .insert(header::ORIGIN, "".parse().unwrap());
    assert_eq!(c.send(req).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_and_the_security_headers() {
    let app = TestApp::new().await;
    let res = tower::ServiceExt::oneshot(
        app.app.clone(),
        Request::get("/signin")
            .header(header::HOST, "localhost")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    let h = res.headers();
    let csp = h
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(
        !csp.split(';')
            .any(|d| d.trim().starts_with("script-src") && d.contains("unsafe-inline"))
    );
    assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
    assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
    assert!(csp.contains("frame-ancestors 'none'"));
}

#[tokio::test]
async fn sessions_rotate_on_sign_in_and_die_on_sign_out() {
    let app = TestApp::new().await;
    let mut ana = app.user("Ana").await;
    let planted = ana.cookie.clone().unwrap();
    // Fixation: signing in with a session cookie already set gives a new session id, and the
    // old one no longer works.
    let r = ana
        .post(
            "/signin",
            &[
                ("email", "ana@example.com"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    ana.take_cookie(&r);
    let fresh = ana.cookie.clone().unwrap();
    assert_ne!(fresh, planted);
    let old = Client {
        cookie: Some(planted),
        ..ana.clone()
    };
    assert_eq!(old.get("/account").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(ana.get("/account").await.status, StatusCode::OK);
    assert!(r.set_cookie.contains("HttpOnly") && r.set_cookie.contains("SameSite=Lax"));

    // Sign-out ends the session on the server: replaying the cookie gets nothing.
    let r = ana.post("/signout", &[]).await;
    assert!(r.set_cookie.contains("Max-Age=0"));
    assert_eq!(ana.get("/account").await.status, StatusCode::UNAUTHORIZED);

    // Wrong passwords and unknown accounts get the same answer.
    let wrong = ana
        .post(
            "/signin",
            &[
                ("email", "ana@example.com"),
                ("password", "not the password"),
            ],
        )
        .await;
    let unknown = ana
        .post(
            "/signin",
            &[
                ("email", "nobody@example.com"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(wrong.location, unknown.location.replace("nobody", "ana"));
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_they_are_checked() {
    let app = TestApp::new().await;
    let ana = app.user("Ana").await;
    // 40 guesses at once, the right password last: only the free attempts are checked, the
    // rest are told to wait, and none of them gets a session.
    let guesses = (0..40).map(|n| {
        let ana = &ana;
        async move {
            let password = if n == 39 {
                "a long enough password".to_owned()
            } else {
                format!("wrong guess {n}")
            };
            ana.post(
                "/signin",
                &[("email", "ana@example.com"), ("password", &password)],
            )
            .await
        }
    });
    let started = std::time::Instant::now();
    let answers = futures_util::future::join_all(guesses).await;
    let took = started.elapsed().as_secs_f64();
    let checked = answers
        .iter()
        .filter(|r| !r.location.contains("Too+many"))
        .count();
    // The free attempts, then one more after each wait (1 s, 2 s, 4 s…) that passed while the
    // burst was still arriving on a slow machine.
    let waits_passed = (took + 1.0).log2().floor() as usize;
    assert!(
        checked <= store::auth::FREE_PER_PAIR as usize + waits_passed,
        "{checked} of 40 parallel guesses were checked in {took:.1} s"
    );
    // Even the right password waits now.
    let r = ana
        .post(
            "/signin",
            &[
                ("email", "ana@example.com"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert!(r.location.contains("Too+many"), "{}", r.location);
    assert!(
        r.location.contains("second"),
        "says how long: {}",
        r.location
    );
    assert!(r.set_cookie.is_empty());
}

#[tokio::test]
async fn expired_share_links_and_revoked_tokens_open_nothing() {
    let w = world().await;
    // Expired.
    let secret = store::auth::new_secret("shr");
    w.app
        .store
        .create_share_link(&secret, &w.assessment, "t", 1, Some(2))
        .await
        .unwrap();
    let r = w
        .app
        .anonymous()
        .get(&format!("/share/{}", secret.token))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains(SECRET_NAME));
    // Live, and read-only.
    let r = w.app.anonymous().get(&format!("/share/{}", w.share)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(SECRET_NAME) && r.body.contains("Shared, read-only view"));
    assert!(!r.body.contains("item-form") && !r.body.contains("Edit answers"));
    // Revoked token.
    let api = Client {
        bearer: Some(w.token.clone()),
        ..w.app.anonymous()
    };
    assert_eq!(
        api.get(&format!("/assessments/{}/results", w.assessment))
            .await
            .status,
        StatusCode::OK
    );
    let id = store::auth::split_secret("trl", &w.token)
        .unwrap()
        .0
        .to_owned();
    let r = w
        .editor
        .post("/api/revoke_api_token", &[("token", &id)])
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let r = api
        .get(&format!("/assessments/{}/results", w.assessment))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(!r.body.contains(SECRET_NAME));
}

/// The Markdown report downloads for members and through a live share link, and names the
/// workload and the questionnaire it was made with.
#[tokio::test]
async fn the_report_downloads_for_members_and_share_links() {
    let w = world().await;
    for (who, path) in [
        (
            w.viewer.clone(),
            format!("/assessments/{}/report.md", w.assessment),
        ),
        (w.app.anonymous(), format!("/share/{}/report.md", w.share)),
    ] {
        let r = who.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            r.body
                .starts_with(&format!("# Design review: {SECRET_NAME}")),
            "{}",
            r.body
        );
        assert!(r.body.contains("## Risks"));
    }
    let page = w
        .app
        .anonymous()
        .get(&format!("/share/{}", w.share))
        .await
        .body;
    assert!(page.contains(&format!("href=\"/share/{}/report\"", w.share)));
    let report = w
        .app
        .anonymous()
        .get(&format!("/share/{}/report", w.share))
        .await
        .body;
    assert!(report.contains(&format!("href=\"/share/{}/report.md\"", w.share)));
    assert!(
        !report.contains("/assessments/"),
        "no links into the app from a shared report page"
    );
}

/// The CSV export has its stable header and one row per risk and checklist item, with the
/// team's status and owner, and quotes what needs quoting.
#[tokio::test]
async fn the_csv_export_lists_risks_and_checklist_items_with_stable_columns() {
    let w = world().await;
    let r = w
        .owner
        .post(
            "/api/save_checklist_item",
            &[
                ("id", w.assessment.as_str()),
                ("item", "budget_alarm"),
                ("status", "accepted-risk"),
                ("owner", "Ana, \"the\" owner"),
                ("due_date", "2026-12-31"),
            ],
        )
        .await;
    assert!(r.status.is_redirection());
    let csv = w
        .viewer
        .get(&format!("/assessments/{}/report.csv", w.assessment))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next(),
        Some("Type,Key,Summary,Area,Priority,Status,Owner,Due date,Description,Link")
    );
    let rows: Vec<&str> = lines.collect();
    let q = questionnaires::builtin();
    assert!(rows.iter().filter(|l| l.starts_with("checklist,")).count() == q.checklist.len());
    let budget = rows
        .iter()
        .find(|l| l.starts_with("checklist,budget_alarm,"))
        .unwrap();
    assert!(
        budget.contains(",accepted-risk,\"Ana, \"\"the\"\" owner\",2026-12-31,"),
        "{budget}"
    );
    let shared = w
        .app
        .anonymous()
        .get(&format!("/share/{}/report.csv", w.share))
        .await;
    assert_eq!(shared.status, StatusCode::OK);
    assert!(
        !shared.body.contains("/assessments/"),
        "no links into the app from a share link"
    );
}

#[tokio::test]
async fn form_posts_that_are_not_utf8_are_a_clear_400() {
    let app = TestApp::new().await;
    let ana = app.user("Uma Utf").await;
    for path in ["/api/create_assessment", "/signin", "/api/whoami"] {
        let r = ana
            .send(
                Request::post(path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(&b"name=\xff\xfe&team=x"[..]))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert!(r.body.contains("not UTF-8"), "{path}: {}", r.body);
    }
}

#[tokio::test]
async fn hsts_is_sent_only_over_https() {
    let plain = TestApp::new().await;
    let r = plain.anonymous().get("/signin").await;
    assert!(!r.headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
    let dir = tempfile::tempdir().unwrap();
    let url = crate::database::fresh_url(dir.path()).await;
    let store = store::Store::connect(&url).await.unwrap();
    let mut state = server::state::AppState::new(store, dir.path().join("site"));
    state.secure_cookies = true;
    let secure = TestApp::with_state(state, dir);
    let r = secure.anonymous().get("/signin").await;
    assert_eq!(
        r.headers[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
}

/// An owner sees the share links they make listed on the review's Share page, with Revoke, at
/// once.
#[tokio::test]
async fn share_links_made_and_revoked_show_on_the_share_page_at_once() {
    let w = world().await;
    let share = format!("/assessments/{}/share", w.assessment);
    let count = |body: &str| body.matches("name=\"link\"").count();
    let before = w.owner.get(&share).await;
    assert_eq!(before.status, StatusCode::OK);
    let listed = count(&before.body);
    let r = w
        .owner
        .post(
            &format!("/assessments/{}/share-links", w.assessment),
            &[("days", "7")],
        )
        .await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.body
    );
    let after = w.owner.get(&share).await;
    assert_eq!(count(&after.body), listed + 1, "the new link is listed");
    assert!(after.body.contains(">Revoke</button>"));
    let link = after
        .body
        .split("name=\"link\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let r = w
        .owner
        .post(
            "/api/revoke_share_link",
            &[("id", w.assessment.as_str()), ("link", link.as_str())],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let revoked = w.owner.get(&share).await;
    assert_eq!(count(&revoked.body), listed, "the revoked link is gone");
    // A link revoked already is named as the thing missing.
    let r = w
        .owner
        .post(
            "/api/revoke_share_link",
            &[("id", w.assessment.as_str()), ("link", link.as_str())],
        )
        .await;
    assert!(r.body.contains("no such share link"), "{}", r.body);
}

/// A viewer reads the answers with every input disabled and nothing to save with; an editor
/// gets the form.
#[tokio::test]
async fn a_viewer_gets_read_only_answers_and_no_save_controls() {
    let w = world().await;
    let page = format!("/assessments/{}/review/workload_fit", w.assessment);
    let r = w.viewer.get(&page).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("<fieldset disabled class=\"questions read-only\">"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("/review/workload_fit/save"),
        "a save form for a viewer"
    );
    assert!(
        !r.body.contains(">Save</button>"),
        "a Save button for a viewer"
    );
    assert!(!r.body.contains("<leptos-island"), "an island for a viewer");
    let r = w.editor.get(&page).await;
    assert!(r.body.contains("/review/workload_fit/save"));
    assert!(r.body.contains(">Save</button>"));
}

/// The list shows no score for a review with questions still to answer: a score of a few
/// answers would read as a verdict on the whole design.
#[tokio::test]
async fn an_incomplete_review_has_no_score_in_the_list() {
    let w = world().await;
    let r = w.owner.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    let row = r
        .body
        .split("<tr")
        .skip(1)
        .find(|row| row.contains(SECRET_NAME) && row.contains("class=\"workload\""))
        .expect("the review is listed");
    assert!(row.contains("class=\"score none\""), "{row}");
    assert!(row.contains("Scored once all"), "{row}");
}

/// A form posted without JavaScript that fails goes back to its page (a redirect, not a bare
/// error body), and the page says what was wrong.
#[tokio::test]
async fn a_failed_plain_form_post_comes_back_to_the_page_with_its_error() {
    let w = world().await;
    let r = w
        .owner
        .post(
            "/api/create_assessment",
            &[
                ("name", "   "),
                ("environment", ""),
                ("team", w.team.as_str()),
                ("description", ""),
                ("from", ""),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    assert!(r.location.contains("__err="), "{}", r.location);
    let back = r.location.trim_start_matches("http://localhost");
    let page = w.owner.get(back).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("That was not saved"), "{}", page.body);
    assert!(
        page.body.contains("the workload needs a name"),
        "{}",
        page.body
    );
}
