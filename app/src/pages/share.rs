//! A review's Share page (`/assessments/{id}/share`), for the owners of its team, who alone may
//! share: the one place the Share buttons of the review and results pages lead to. It covers
//! both ways to share, as a document's Share dialog does: people (the team's members and roles,
//! inviting someone, the invites not used yet) and links (making a read-only link to the results,
//! the live ones with Revoke).
//!
//! New secrets are shown once, with a Copy button, by the server's handlers the forms post to;
//! revoking posts to server functions. Everything works as plain forms.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::team::{Invites, Members};
use crate::api::{RevokeShareLink, ShareData, ShareLinkView, share_page};

/// The page.
#[component]
pub fn SharePage() -> impl IntoView {
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    super::loaded(
        move || share_page(id.clone()),
        |data| view! { <Share data /> },
    )
}

#[component]
fn Share(data: ShareData) -> impl IntoView {
    let id = data.assessment_id.clone();
    let team = data.team;
    let here = format!("/assessments/{id}/share");
    view! {
        <Title text=format!("Share · {}", data.workload) />
        <section class="card">
            <p class="crumbs">
                <a href="/">"Reviews"</a> " / "
                <a href=format!("/assessments/{id}/results")>{data.workload.clone()}</a>
                " / share"
            </p>
            <h1>{format!("Share \u{201c}{}\u{201d}", data.workload)}</h1>
            <p class="muted">
                {format!("Invite people into the team \u{201c}{}\u{201d} to work on the review with you, or make a read-only link to its results for anyone else.", team.name)}
            </p>
        </section>
        <section class="card" aria-labelledby="people-h">
            <h2 id="people-h">"People"</h2>
            <p class="muted small">
                {format!("Everyone in the team \u{201c}{}\u{201d} can open this review and the team's other reviews: viewers read them, editors also answer and edit the checklist, owners also manage members and sharing. ", team.name)}
                <a href=format!("/teams/{}", team.id)>"The team page"</a>
                " also has its audit log."
            </p>
            <Members team=team.id.clone() members=team.members owner=true />
            <Invites team=team.id.clone() invites=team.invites.unwrap_or_default() back=here />
        </section>
        <section class="card" aria-labelledby="links-h">
            <h2 id="links-h">"Links"</h2>
            <ShareLinks id links=data.links />
        </section>
    }
}

/// The form that makes a read-only share link to the review's results, and the live links, each
/// with Revoke.
#[component]
fn ShareLinks(id: String, links: Vec<ShareLinkView>) -> impl IntoView {
    view! {
        <p class="muted small">"A link opens the results, read-only, for anyone who has it: people outside the team need no account. It is shown once, when made."</p>
        <form method="post" action=format!("/assessments/{id}/share-links") class="inline">
            <label for="share-days">"Expires after"</label>
            <select id="share-days" name="days">
                <option value="7">"7 days"</option>
                <option value="30" selected>"30 days"</option>
                <option value="90">"90 days"</option>
                <option value="0">"never"</option>
            </select>
            <button type="submit">"Make a share link"</button>
        </form>
        <super::RevocableList
            id="live-links-h"
            title="Links that work now"
            none="None: no link opens these results."
            items=links.into_iter().map(|l| view! {
                <super::Revocable action=RevokeShareLink::url() fields=vec![("id", id.clone()), ("link", l.id)]>
                    {format!("Made by {} on ", l.created_by)}
                    <span class="nowrap">{format!("{} UTC", super::utc(l.created_at))}</span>
                    {match l.expires_at {
                        Some(e) => view! { ", expires " <span class="nowrap">{format!("{} UTC", super::utc(e))}</span> }.into_any(),
                        None => ", never expires".into_any(),
                    }}
                </super::Revocable>
            }.into_any()).collect()
        />
    }
}
