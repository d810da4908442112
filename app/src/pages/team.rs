//! A team's page: its name, members with their roles, the invites nobody has used yet (with
//! Revoke) and the form that makes one, and for owners the audit log. The members and invites
//! are components the review's Share page ([`super::share`]) shows too.
//!
//! Every form posts as a plain form: making an invite goes to the server's handler (it shows the
//! link once), the rest to server functions.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{InviteView, RevokeInvite, SetMember, TeamData, team_page};

/// The page.
#[component]
pub fn TeamPage() -> impl IntoView {
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    super::loaded(
        move || team_page(id.clone()),
        |team| view! { <Team team /> },
    )
}

#[component]
fn Team(team: TeamData) -> impl IntoView {
    let owner = team.role == "owner";
    let id = team.id.clone();
    let back = format!("/teams/{id}");
    view! {
        <Title text=team.name.clone() />
        <section class="card">
            <p class="crumbs"><a href="/account">"Your account"</a> " / team"</p>
            <h1>{team.name.clone()}</h1>
            <p class="muted">{format!("You are {} of this team.", super::a_role(&team.role))}</p>
            {owner.then(|| view! {
                <form method="post" action=crate::api::RenameTeam::url() class="inline">
                    <input type="hidden" name="team" value=id.clone() />
                    <label for="team-name">"Team name"</label>
                    <input id="team-name" name="name" required maxlength="100" value=team.name.clone() />
                    <button type="submit">"Rename"</button>
                </form>
                <p><a href=format!("/teams/{id}/webhooks")>"Webhooks"</a>" — tell other tools when risks, blockers, checklist items or milestones change"</p>
            })}
        </section>
        <section class="card" aria-labelledby="members-h">
            <h2 id="members-h">"Members"</h2>
            <Members team=id.clone() members=team.members owner />
            {team.invites.map(|invites| view! { <Invites team=id.clone() invites back /> })}
        </section>
        {team.audit.map(|audit| view! {
            <section class="card" aria-labelledby="audit-h">
                <h2 id="audit-h">"Audit log"</h2>
                <p class="muted small">"Who changed which answer, checklist item, accepted risk or membership, newest first. Only owners see this."</p>
                {if audit.is_empty() {
                    view! { <p class="empty">"Nothing changed yet."</p> }.into_any()
                } else {
                    view! {
                        <table class="audit">
                            <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Change"</th></tr></thead>
                            <tbody>
                                {audit.into_iter().map(|a| view! {
                                    <tr>
                                        <td class="small">{super::utc(a.at)}</td>
                                        <td>{a.actor}</td>
                                        <td>{format!("{}: {}", a.action, a.target)}</td>
                                        <td>{a.detail}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            </section>
        })}
    }
}

/// A team's members with their roles; an owner changes a role, or removes a member, in place.
#[component]
pub fn Members(
    /// The team's id.
    team: String,
    /// (user id, name, email, role).
    members: Vec<(String, String, String, String)>,
    /// Whether the reader owns the team.
    owner: bool,
) -> impl IntoView {
    view! {
        <table class="members">
            <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th></tr></thead>
            <tbody>
                {members.into_iter().map(|(user, name, email, role)| {
                    let field = format!("role-{user}");
                    view! {
                        <tr>
                            <td>{name}</td>
                            <td>{email}</td>
                            <td>
                                {if owner {
                                    view! {
                                        <form method="post" action=SetMember::url() class="inline">
                                            <input type="hidden" name="team" value=team.clone() />
                                            <input type="hidden" name="user" value=user />
                                            <label for=field.clone() class="sr-only">"Role"</label>
                                            <select id=field name="role">
                                                {["owner", "editor", "viewer", "remove"].into_iter().map(|r| view! {
                                                    <option value=r selected=r == role>{r}</option>
                                                }).collect_view()}
                                            </select>
                                            <button type="submit">"Change"</button>
                                        </form>
                                    }.into_any()
                                } else {
                                    view! { <span>{role}</span> }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// For owners: the form that makes a one-time invite link, and the invites nobody has used yet,
/// each with Revoke. `back` is the page the invite link's page leads back to.
#[component]
pub fn Invites(
    /// The team's id.
    team: String,
    /// The invites still waiting, newest first.
    invites: Vec<InviteView>,
    /// Where to come back to after making an invite.
    back: String,
) -> impl IntoView {
    view! {
        <h3>"Invite someone"</h3>
        <form method="post" action=format!("/teams/{team}/invites") class="inline">
            <input type="hidden" name="back" value=back />
            <label for="invite-role">"Role"</label>
            <select id="invite-role" name="role">
                <option value="viewer">"viewer (reads)"</option>
                <option value="editor" selected>"editor (answers and edits the checklist)"</option>
                <option value="owner">"owner (also manages members and sharing)"</option>
            </select>
            <button type="submit">"Make a one-time invite link"</button>
        </form>
        <super::RevocableList
            id="invites-h"
            title="Invites not used yet"
            none="None: every invite was used, revoked or expired."
            items=invites.into_iter().map(|i| view! {
                <super::Revocable action=RevokeInvite::url() fields=vec![("team", team.clone()), ("invite", i.id)]>
                    <strong>{format!("For {}", super::a_role(&i.role))}</strong>
                    {format!(", made by {} on ", i.created_by)}
                    <span class="nowrap">{format!("{} UTC", super::utc(i.created_at))}</span>
                    ", expires "
                    <span class="nowrap">{format!("{} UTC", super::utc(i.expires_at))}</span>
                </super::Revocable>
            }.into_any()).collect()
        />
    }
}
