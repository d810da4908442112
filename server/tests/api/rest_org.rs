//! The organisation over the REST API (`server/src/api/org.rs`): a review's checklist state,
//! teams and members, invites, share links and API tokens. Each operation's happy path; the
//! pages' rules kept (the last owner, a stale checklist version, a token managing tokens, a
//! viewer making share links); revoked invites, links and tokens proven dead by using them; and
//! parallel changes of one row leaving one consistent state. Also the cases the access matrix
//! (`access.rs`) asks of these routes.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use super::access::{World, world};
use super::client::{Client, Reply, TestApp};

/// A JSON request to the REST API.
fn api(method: &str, path: &str, body: Option<&Value>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap()
}

async fn call(c: &Client, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let r: Reply = c.send(api(method, path, body.as_ref())).await;
    let v = if r.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&r.body).unwrap_or_else(|_| json!({ "text": r.body }))
    };
    (r.status, v)
}

/// The first field an error names.
fn field(v: &Value) -> &str {
    v["error"]["details"]["fields"][0]["field"]
        .as_str()
        .unwrap_or_default()
}

/// A token of the client's user for its own team, made over the API.
async fn token_of(c: &Client, team: &str) -> (String, String) {
    let (s, v) = call(
        c,
        "POST",
        "/api/v1/tokens",
        Some(json!({"name": "ci", "team": team})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    (
        v["id"].as_str().unwrap().to_owned(),
        v["token"].as_str().unwrap().to_owned(),
    )
}

fn bearer(app: &TestApp, token: &str) -> Client {
    Client {
        bearer: Some(token.to_owned()),
        ..app.anonymous()
    }
}

// ---- Checklist ------------------------------------------------------------------------------

#[tokio::test]
async fn checklist_items_are_listed_and_changed_at_their_version() {
    let w = world().await;
    let list = format!("/api/v1/assessments/{}/checklist", w.assessment);
    let (s, v) = call(&w.viewer, "GET", &list, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    assert!(items.len() > 5);
    let alarm = items.iter().find(|i| i["id"] == "budget_alarm").unwrap();
    assert!(!alarm["title"].as_str().unwrap().is_empty());
    assert_eq!(alarm["status"], "open");
    assert_eq!(alarm["version"], Value::Null);

    // A hook on the event the page's save raises.
    let now = server::service::now_ms();
    w.app
        .store
        .create_webhook(&store::WebhookRow {
            id: "hook-checklist".into(),
            team_id: w.team.clone(),
            url: "https://93.184.216.34/hook".into(),
            secret: "whsec_x".into(),
            events: ",checklist_item_changed,".into(),
            enabled: 1,
            created_by: "t".into(),
            created_at: now,
            updated_at: now,
        })
        .await
        .unwrap();

    let item = format!("{list}/budget_alarm");
    let change = json!({"owner": "Dana Duty", "due_date": "2020-01-02"});
    let (s, v) = call(&w.editor, "PATCH", &item, Some(change.clone())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["owner"], "Dana Duty");
    assert_eq!(v["due_date"], "2020-01-02");
    assert_eq!(v["status"], "open");
    assert_eq!(v["version"], 1);
    assert_eq!(v["updated_by"], "Eddie Editor");

    // The same write again without the version it now has: stale, 409 with the item as it is.
    let (s, v) = call(&w.editor, "PATCH", &item, Some(change)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "conflict");
    assert_eq!(v["error"]["details"]["current"]["version"], 1);
    assert_eq!(v["error"]["details"]["current"]["owner"], "Dana Duty");
    let (s, _) = call(
        &w.editor,
        "PATCH",
        &item,
        Some(json!({"version": 7, "status": "done"})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The webhook event and the portfolio's summary, as the page's save leaves them.
    let deliveries = w.app.store.deliveries("hook-checklist", 10).await.unwrap();
    assert_eq!(deliveries.len(), 1, "one event for one saved change");
    assert_eq!(deliveries[0].event, "checklist_item_changed");
    assert!(deliveries[0].payload.contains("Dana Duty"));
    let (_, p) = call(&w.owner, "GET", "/api/v1/portfolio", None).await;
    let row = p["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Zeta ledger")
        .unwrap_or_else(|| panic!("the review in {p}"));
    let dana = row["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["owner"] == "Dana Duty")
        .expect("Dana's item in the summary");
    assert_eq!(dana["overdue"], true);
    let open_before = row["open_items"].as_i64().unwrap();

    // At its version: done; only the status changes; the due date is cleared with null.
    let (s, v) = call(
        &w.editor,
        "PATCH",
        &item,
        Some(json!({"version": 1, "status": "done", "due_date": null})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["version"].as_i64()),
        (Some("done"), Some(2))
    );
    assert_eq!(v["owner"], "Dana Duty");
    assert_eq!(v["due_date"], Value::Null);
    let (_, p) = call(&w.owner, "GET", "/api/v1/portfolio", None).await;
    let row = p["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Zeta ledger")
        .unwrap();
    assert_eq!(row["open_items"].as_i64().unwrap(), open_before - 1);
    assert_eq!(
        w.app
            .store
            .deliveries("hook-checklist", 10)
            .await
            .unwrap()
            .len(),
        2
    );

    // The rules, named: a viewer reads only; bad fields; unknown items.
    let (s, v) = call(&w.viewer, "PATCH", &item, Some(json!({"version": 2}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = call(
        &w.editor,
        "PATCH",
        &item,
        Some(json!({"version": 2, "due_date": "next week"})),
    )
    .await;
    assert_eq!((s, field(&v)), (StatusCode::BAD_REQUEST, "due_date"), "{v}");
    let (s, v) = call(
        &w.editor,
        "PATCH",
        &item,
        Some(json!({"version": 2, "owner": "x".repeat(201)})),
    )
    .await;
    assert_eq!((s, field(&v)), (StatusCode::BAD_REQUEST, "owner"), "{v}");
    let (s, v) = call(
        &w.editor,
        "PATCH",
        &item,
        Some(json!({"version": 2, "status": "finished"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("status"),
        "{v}"
    );
    let (s, _) = call(
        &w.editor,
        "PATCH",
        &format!("{list}/no_such_item"),
        Some(json!({"status": "done"})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn parallel_checklist_writes_at_one_version_save_once() {
    let w = world().await;
    let item = format!(
        "/api/v1/assessments/{}/checklist/budget_alarm",
        w.assessment
    );
    let writes = (0..6).map(|i| {
        let c = w.editor.clone();
        let item = item.clone();
        async move {
            call(
                &c,
                "PATCH",
                &item,
                Some(json!({"owner": format!("Owner {i}")})),
            )
            .await
        }
    });
    let results = futures_util::future::join_all(writes).await;
    let ok: Vec<&Value> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .map(|(_, v)| v)
        .collect();
    assert_eq!(ok.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|(s, _)| *s == StatusCode::OK || *s == StatusCode::CONFLICT)
    );
    let stored = w.app.store.checklist(&w.assessment).await.unwrap();
    let alarm = stored.iter().find(|i| i.item_id == "budget_alarm").unwrap();
    assert_eq!(alarm.version, 1);
    assert_eq!(alarm.owner, ok[0]["owner"].as_str().unwrap());
}

// ---- Teams and members ----------------------------------------------------------------------

#[tokio::test]
async fn teams_are_made_read_and_their_members_managed() {
    let w = world().await;
    let (s, v) = call(&w.editor, "GET", "/api/v1/teams", None).await;
    assert_eq!(s, StatusCode::OK);
    let teams = v["items"].as_array().unwrap();
    assert!(
        teams
            .iter()
            .any(|t| t["id"] == w.team.as_str() && t["role"] == "editor")
    );

    // A new team: its maker owns it, alone.
    let (s, made) = call(
        &w.editor,
        "POST",
        "/api/v1/teams",
        Some(json!({"name": "  Platform  "})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    assert_eq!(
        (made["name"].as_str(), made["role"].as_str()),
        (Some("Platform"), Some("owner"))
    );
    let new = made["id"].as_str().unwrap();
    let (s, v) = call(&w.editor, "GET", &format!("/api/v1/teams/{new}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["members"].as_array().unwrap().len(), 1);
    assert_eq!(v["members"][0]["name"], "Eddie Editor");
    let (s, v) = call(
        &w.editor,
        "POST",
        "/api/v1/teams",
        Some(json!({"name": " "})),
    )
    .await;
    assert_eq!((s, field(&v)), (StatusCode::BAD_REQUEST, "name"), "{v}");
    // Others do not see it.
    let (s, _) = call(&w.owner, "GET", &format!("/api/v1/teams/{new}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The world's team: its members, owners first.
    let team = format!("/api/v1/teams/{}", w.team);
    let (s, v) = call(&w.viewer, "GET", &team, None).await;
    assert_eq!(s, StatusCode::OK);
    let members = v["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    assert_eq!(members[0]["role"], "owner");
    let owner_id = members[0]["user_id"].as_str().unwrap().to_owned();
    let viewer_id = w.user_id("vera.viewer").await;

    // Change a role; a viewer may not; a bad role is named.
    let member = format!("{team}/members/{viewer_id}");
    let (s, v) = call(&w.owner, "PATCH", &member, Some(json!({"role": "editor"}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["role"], "editor");
    assert_eq!(
        w.app.store.role(&viewer_id, &w.team).await.unwrap(),
        Some(store::auth::Role::Editor)
    );
    // An editor now, still not an owner: may not change roles, not even their own.
    let (s, _) = call(&w.viewer, "PATCH", &member, Some(json!({"role": "owner"}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = call(&w.owner, "PATCH", &member, Some(json!({"role": "admin"}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("role"),
        "{v}"
    );

    // The last owner can be neither demoted nor removed, and the error names `role`.
    let last = format!("{team}/members/{owner_id}");
    let (s, v) = call(&w.owner, "PATCH", &last, Some(json!({"role": "viewer"}))).await;
    assert_eq!((s, field(&v)), (StatusCode::BAD_REQUEST, "role"), "{v}");
    let (s, v) = call(&w.owner, "DELETE", &last, None).await;
    assert_eq!((s, field(&v)), (StatusCode::BAD_REQUEST, "role"), "{v}");
    assert_eq!(
        w.app.store.role(&owner_id, &w.team).await.unwrap(),
        Some(store::auth::Role::Owner)
    );

    // Removing a member: gone, and their access with it.
    let (s, _) = call(&w.owner, "DELETE", &member, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = call(&w.viewer, "GET", &team, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(&w.owner, "DELETE", &member, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "removed already");
}

#[tokio::test]
async fn only_owners_change_roles() {
    let w = world().await;
    let viewer_id = w.user_id("vera.viewer").await;
    let member = format!("/api/v1/teams/{}/members/{viewer_id}", w.team);
    for c in [&w.viewer, &w.editor] {
        let (s, v) = call(c, "PATCH", &member, Some(json!({"role": "owner"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        let (s, _) = call(c, "DELETE", &member, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, _) = call(&w.outsider, "DELETE", &member, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        w.app.store.role(&viewer_id, &w.team).await.unwrap(),
        Some(store::auth::Role::Viewer)
    );
}

/// Two owners demote each other at once: one wins, the team keeps an owner.
#[tokio::test]
async fn parallel_demotions_of_two_owners_keep_an_owner() {
    let w = world().await;
    let editor_id = w.user_id("eddie.editor").await;
    let owner_id = w.user_id("olive.owner").await;
    let team = format!("/api/v1/teams/{}", w.team);
    let (s, _) = call(
        &w.owner,
        "PATCH",
        &format!("{team}/members/{editor_id}"),
        Some(json!({"role": "owner"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let demote_editor = format!("{team}/members/{editor_id}");
    let demote_owner = format!("{team}/members/{owner_id}");
    for _ in 0..3 {
        let a = call(
            &w.owner,
            "PATCH",
            &demote_editor,
            Some(json!({"role": "viewer"})),
        );
        let b = call(
            &w.editor,
            "PATCH",
            &demote_owner,
            Some(json!({"role": "viewer"})),
        );
        let ((sa, va), (sb, vb)) = tokio::join!(a, b);
        let owners: Vec<_> = w
            .app
            .store
            .members(&w.team)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.role == "owner")
            .collect();
        assert_eq!(owners.len(), 1, "{sa} {va} / {sb} {vb}");
        assert!(
            [sa, sb].contains(&StatusCode::OK),
            "one of them wins: {sa} {va} / {sb} {vb}"
        );
        // Back to two owners for the next round.
        let winner = if owners[0].user_id == owner_id {
            &w.owner
        } else {
            &w.editor
        };
        let other = if owners[0].user_id == owner_id {
            &editor_id
        } else {
            &owner_id
        };
        let (s, _) = call(
            winner,
            "PATCH",
            &format!("{team}/members/{other}"),
            Some(json!({"role": "owner"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
    }
}

/// One member removed twice at once: one removal, one 404, one audit entry.
#[tokio::test]
async fn parallel_removals_of_one_member_remove_once() {
    let w = world().await;
    let viewer_id = w.user_id("vera.viewer").await;
    let member = format!("/api/v1/teams/{}/members/{viewer_id}", w.team);
    let results =
        futures_util::future::join_all((0..4).map(|_| call(&w.owner, "DELETE", &member, None)))
            .await;
    let statuses: Vec<StatusCode> = results.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::NO_CONTENT)
            .count(),
        1,
        "{results:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::NO_CONTENT || *s == StatusCode::NOT_FOUND)
    );
    let log = w.app.store.audit_log(&w.team, 100).await.unwrap();
    assert_eq!(
        log.iter()
            .filter(|a| a.target == "Vera Viewer" && a.detail == "removed")
            .count(),
        1
    );
}

// ---- Invites --------------------------------------------------------------------------------

#[tokio::test]
async fn invites_are_made_listed_used_and_revoked() {
    let w = world().await;
    let invites = format!("/api/v1/teams/{}/invites", w.team);
    let (s, v) = call(&w.owner, "POST", &invites, Some(json!({"role": "editor"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let url = v["url"].as_str().unwrap();
    let token = v["token"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("http://localhost/invites/{token}"));
    assert_eq!(v["role"], "editor");
    let first = v["id"].as_str().unwrap().to_owned();
    let (s, v) = call(&w.owner, "GET", &invites, None).await;
    assert_eq!(s, StatusCode::OK);
    let listed = v["items"].as_array().unwrap();
    assert!(listed.iter().any(|i| i["id"] == first.as_str()));
    assert!(
        !v.to_string().contains(&token),
        "the list never shows the secret"
    );

    // A bad role is named; editors and viewers may not invite or list.
    let (s, v) = call(&w.owner, "POST", &invites, Some(json!({"role": "boss"}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("role"));
    for c in [&w.editor, &w.viewer] {
        let (s, _) = call(c, "POST", &invites, Some(json!({"role": "viewer"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = call(c, "GET", &invites, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }

    // Revoked: the link stops working, as its page says.
    let (s, _) = call(&w.owner, "DELETE", &format!("{invites}/{first}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = call(&w.owner, "DELETE", &format!("{invites}/{first}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let newcomer = w.app.user("Nina Newcomer").await;
    let r = newcomer.post(&format!("/invites/{token}"), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(
        w.app
            .store
            .role(&w.user_id("nina.newcomer").await, &w.team)
            .await
            .unwrap(),
        None
    );

    // A live one works, once.
    let (_, v) = call(&w.owner, "POST", &invites, Some(json!({"role": "viewer"}))).await;
    let live = v["token"].as_str().unwrap();
    let r = newcomer.post(&format!("/invites/{live}"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        w.app
            .store
            .role(&w.user_id("nina.newcomer").await, &w.team)
            .await
            .unwrap(),
        Some(store::auth::Role::Viewer)
    );
}

/// Revoking one invite many times at once: one revocation.
#[tokio::test]
async fn parallel_revokes_of_one_invite_revoke_once() {
    let w = world().await;
    let invites = format!("/api/v1/teams/{}/invites", w.team);
    let (_, v) = call(&w.owner, "POST", &invites, Some(json!({"role": "viewer"}))).await;
    let one = format!("{invites}/{}", v["id"].as_str().unwrap());
    let results =
        futures_util::future::join_all((0..4).map(|_| call(&w.owner, "DELETE", &one, None))).await;
    let done = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::NO_CONTENT)
        .count();
    assert_eq!(done, 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|(s, _)| *s == StatusCode::NO_CONTENT || *s == StatusCode::NOT_FOUND)
    );
}

// ---- Share links ----------------------------------------------------------------------------

#[tokio::test]
async fn share_links_are_made_by_owners_listed_and_revoked() {
    let w = world().await;
    let links = format!("/api/v1/assessments/{}/share-links", w.assessment);
    let (s, v) = call(&w.owner, "POST", &links, Some(json!({"days": 3}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let token = v["token"].as_str().unwrap().to_owned();
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(v["url"], format!("http://localhost/share/{token}"));
    assert!(v["expires_at"].as_i64().unwrap() > server::service::now_ms());
    let shared = w.app.anonymous().get(&format!("/share/{token}")).await;
    assert_eq!(shared.status, StatusCode::OK);
    assert!(shared.body.contains("Zeta ledger"));

    // A viewer and an editor may neither make nor list them; bad days are named.
    for c in [&w.viewer, &w.editor] {
        let (s, v) = call(c, "POST", &links, Some(json!({"days": 3}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        let (s, _) = call(c, "GET", &links, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, v) = call(&w.owner, "POST", &links, Some(json!({"days": 400}))).await;
    assert_eq!((s, field(&v)), (StatusCode::BAD_REQUEST, "days"), "{v}");

    let (s, v) = call(&w.owner, "GET", &links, None).await;
    assert_eq!(s, StatusCode::OK);
    let mine = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == id.as_str())
        .unwrap();
    assert_eq!(mine["state"], "live");
    assert!(!v.to_string().contains(&token));

    // Revoked: the address opens nothing.
    let (s, _) = call(&w.owner, "DELETE", &format!("{links}/{id}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let shared = w.app.anonymous().get(&format!("/share/{token}")).await;
    assert_eq!(shared.status, StatusCode::NOT_FOUND);
    assert!(!shared.body.contains("Zeta ledger"));
    let (_, v) = call(&w.owner, "GET", &links, None).await;
    let mine = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == id.as_str())
        .unwrap();
    assert_eq!(mine["state"], "revoked");
    let one = format!("{links}/{id}");
    let results =
        futures_util::future::join_all((0..3).map(|_| call(&w.owner, "DELETE", &one, None))).await;
    assert!(
        results.iter().all(|(s, _)| *s == StatusCode::NOT_FOUND),
        "revoked already"
    );
}

/// One link revoked many times at once: one revocation, one audit entry.
#[tokio::test]
async fn parallel_revokes_of_one_share_link_revoke_once() {
    let w = world().await;
    let links = format!("/api/v1/assessments/{}/share-links", w.assessment);
    let (_, v) = call(&w.owner, "POST", &links, Some(json!({"days": 0}))).await;
    assert_eq!(v["expires_at"], Value::Null);
    let one = format!("{links}/{}", v["id"].as_str().unwrap());
    let before = w.app.store.audit_log(&w.team, 500).await.unwrap().len();
    let results =
        futures_util::future::join_all((0..4).map(|_| call(&w.owner, "DELETE", &one, None))).await;
    let done = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::NO_CONTENT)
        .count();
    assert_eq!(done, 1, "{results:?}");
    let after = w.app.store.audit_log(&w.team, 500).await.unwrap();
    assert_eq!(after.len(), before + 1);
}

// ---- API tokens -----------------------------------------------------------------------------

#[tokio::test]
async fn tokens_are_managed_from_a_session_and_a_revoked_one_stops_working() {
    let w = world().await;
    let (id, secret) = token_of(&w.viewer, &w.team).await;
    let (s, v) = call(&w.viewer, "GET", "/api/v1/tokens", None).await;
    assert_eq!(s, StatusCode::OK);
    let mine = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    assert_eq!(mine["team_id"], w.team.as_str());
    assert_eq!(mine["revoked_at"], Value::Null);
    assert!(!v.to_string().contains(&secret));

    // The token works, and may not manage tokens: 403 in the API's shape, saying where.
    let t = bearer(&w.app, &secret);
    let (s, _) = call(
        &t,
        "GET",
        &format!("/api/v1/assessments/{}", w.assessment),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    for (method, path, body) in [
        ("GET", "/api/v1/tokens".to_owned(), None),
        (
            "POST",
            "/api/v1/tokens".to_owned(),
            Some(json!({"name": "more", "team": w.team})),
        ),
        ("DELETE", format!("/api/v1/tokens/{id}"), None),
    ] {
        let (s, v) = call(&t, method, &path, body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{method} {path}: {v}");
        assert_eq!(v["error"]["code"], "forbidden");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("signed-in session"),
            "{v}"
        );
    }
    // Nor make teams.
    let (s, _) = call(&t, "POST", "/api/v1/teams", Some(json!({"name": "Side"}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Bad names and teams not one's own.
    let (s, v) = call(
        &w.viewer,
        "POST",
        "/api/v1/tokens",
        Some(json!({"name": " ", "team": w.team})),
    )
    .await;
    assert_eq!((s, field(&v)), (StatusCode::BAD_REQUEST, "name"), "{v}");
    let (s, _) = call(
        &w.viewer,
        "POST",
        "/api/v1/tokens",
        Some(json!({"name": "x", "team": w.outsider.team})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Another user's token is not mine to revoke.
    let (s, _) = call(&w.owner, "DELETE", &format!("/api/v1/tokens/{id}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Revoked: the token opens nothing, at once.
    let (s, _) = call(&w.viewer, "DELETE", &format!("/api/v1/tokens/{id}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = call(
        &t,
        "GET",
        &format!("/api/v1/assessments/{}", w.assessment),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let (_, v) = call(&w.viewer, "GET", "/api/v1/tokens", None).await;
    let mine = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    assert!(mine["revoked_at"].is_i64());
    let one = format!("/api/v1/tokens/{id}");
    let results =
        futures_util::future::join_all((0..3).map(|_| call(&w.viewer, "DELETE", &one, None))).await;
    assert!(results.iter().all(|(s, _)| *s == StatusCode::NOT_FOUND));
}

/// A session's API writes pass the cross-site check only from this server's pages.
#[tokio::test]
async fn session_writes_keep_the_cross_site_check() {
    let w = world().await;
    let mut req = api(
        "POST",
        "/api/v1/tokens",
        Some(&json!({"name": "x", "team": w.team})),
    );
    req.headers_mut()
        .insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    let r = w.viewer.send(req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(
        w.app
            .store
            .api_tokens(&w.user_id("vera.viewer").await)
            .await
            .unwrap()
            .is_empty()
    );
}

// ---- The access matrix's cases --------------------------------------------------------------

/// Whether a route is one of this file's.
pub(super) fn is_route(path: &str) -> bool {
    path == "/api/v1/teams"
        || path == "/api/v1/teams/{id}"
        || path.starts_with("/api/v1/teams/{id}/members")
        || path.starts_with("/api/v1/teams/{id}/invites")
        || path.starts_with("/api/v1/assessments/{id}/checklist")
        || path.starts_with("/api/v1/assessments/{id}/share-links")
        || path.starts_with("/api/v1/tokens")
}

/// A user who just joined the world's team as a viewer, for removing.
async fn joined(w: &World) -> String {
    let store = &w.app.store;
    let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    let (user, _) = store
        .create_user(&email, "Jo Joiner", "x", 1)
        .await
        .unwrap();
    let secret = viewer_invite(store, &w.team).await;
    let (id, invite) = store.invite(&secret.token, 2).await.unwrap().unwrap();
    store
        .accept_invite(&id, &invite, &user.id, 2)
        .await
        .unwrap();
    user.id
}

/// What a route needs (`read`, `edit`, `own`, `session`, `signed_in`) and the request that
/// exercises it for the caller `local` (the local part of their email; the editor's for a
/// token or nobody), fresh where a request uses something up.
pub(super) async fn access_case(
    w: &World,
    method: &Method,
    path: &str,
    local: &str,
) -> (&'static str, Request<Body>) {
    let a = w.assessment.as_str();
    let uri = path.replace(
        "{id}",
        if path.starts_with("/api/v1/teams") {
            &w.team
        } else {
            a
        },
    );
    let store = &w.app.store;
    let (need, uri, body) = match (method.as_str(), path) {
        ("GET", "/api/v1/assessments/{id}/checklist") => ("read", uri, None),
        ("PATCH", _) if path.contains("/checklist/") => {
            let version = store
                .checklist(a)
                .await
                .unwrap()
                .into_iter()
                .find(|i| i.item_id == "budget_alarm")
                .map(|i| i.version);
            let body = match version {
                Some(v) => json!({"version": v, "status": "open"}),
                None => json!({"status": "open"}),
            };
            ("edit", uri.replace("{item}", "budget_alarm"), Some(body))
        }
        ("GET", "/api/v1/teams") => ("signed_in", uri, None),
        ("POST", "/api/v1/teams") => ("session", uri, Some(json!({"name": "Matrix team"}))),
        ("GET", "/api/v1/teams/{id}") => ("read", uri, None),
        ("PATCH", _) if path.contains("/members/") => {
            let editor = w.user_id("eddie.editor").await;
            (
                "own",
                uri.replace("{user}", &editor),
                Some(json!({"role": "editor"})),
            )
        }
        ("DELETE", _) if path.contains("/members/") => {
            ("own", uri.replace("{user}", &joined(w).await), None)
        }
        ("GET", "/api/v1/teams/{id}/invites") => ("own", uri, None),
        ("POST", "/api/v1/teams/{id}/invites") => ("own", uri, Some(json!({"role": "viewer"}))),
        ("DELETE", _) if path.contains("/invites/") => {
            let secret = viewer_invite(store, &w.team).await;
            ("own", uri.replace("{invite}", &secret.id), None)
        }
        ("GET", "/api/v1/assessments/{id}/share-links") => ("own", uri, None),
        ("POST", "/api/v1/assessments/{id}/share-links") => ("own", uri, Some(json!({"days": 1}))),
        ("DELETE", _) if path.contains("/share-links/") => {
            let secret = store::auth::new_secret("shr");
            store
                .create_share_link(&secret, a, "t", 1, None)
                .await
                .unwrap();
            ("own", uri.replace("{link}", &secret.id), None)
        }
        ("GET", "/api/v1/tokens") => ("session", uri, None),
        ("POST", "/api/v1/tokens") => {
            let team = if local == "oscar.outsider" {
                w.outsider.team.clone()
            } else {
                w.team.clone()
            };
            ("session", uri, Some(json!({"name": "ci", "team": team})))
        }
        ("DELETE", _) if path.starts_with("/api/v1/tokens/") => {
            // A token of the caller's own (the editor's for the API token itself).
            let user = w.user_id(local).await;
            let team = if local == "oscar.outsider" {
                w.outsider.team.clone()
            } else {
                w.team.clone()
            };
            let secret = store::auth::new_secret("trl");
            store
                .create_api_token(&secret, &user, &team, "x", 1)
                .await
                .unwrap();
            ("session", uri.replace("{token}", &secret.id), None)
        }
        other => panic!("no access case for {other:?}"),
    };
    (need, api(method.as_str(), &uri, body.as_ref()))
}

/// A one-time invite to `team` as a viewer, that never expires.
async fn viewer_invite(store: &store::Store, team: &str) -> store::auth::NewSecret {
    let secret = store::auth::new_secret("inv");
    store
        .create_invite(&secret, team, store::auth::Role::Viewer, "t", 1, i64::MAX)
        .await
        .unwrap();
    secret
}
