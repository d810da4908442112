//! Accounts and teams: sign in, sign up, accepting an invite, a team's members and audit log,
//! and the account page with API tokens.
//!
//! The forms that start a session or make a secret post to plain handlers in the server (they set
//! cookies, or show a secret once); the rest post to server functions.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{
    AccountData, RevokeApiToken, SetMember, TeamData, account_page, team_page, whoami,
};

/// A `?error=` message from a refused form, shown above it.
fn query_error() -> Option<String> {
    use_query_map().read_untracked().get("error")
}

/// The `?next=` page to return to, when it is a local path ([`crate::redirect::local_path`]).
fn next_page() -> String {
    use_query_map()
        .read_untracked()
        .get("next")
        .and_then(|n| crate::redirect::local_path(&n).map(str::to_owned))
        .unwrap_or_default()
}

/// Sign in.
#[component]
pub fn SignInPage() -> impl IntoView {
    let error = query_error();
    let next = next_page();
    let signup = if next.is_empty() {
        "/signup".to_owned()
    } else {
        format!("/signup?next={}", crate::redirect::query_value(&next))
    };
    view! {
        <Title text="Sign in" />
        <section class="card narrow">
            <h1>"Sign in"</h1>
            {error.map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            <form method="post" action="/signin" class="stack">
                <input type="hidden" name="next" value=next />
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" required autocomplete="username" maxlength="254" />
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" required autocomplete="current-password" maxlength="1000" />
                <button type="submit" class="primary">"Sign in"</button>
            </form>
            <p class="muted small">"No account yet? " <a href=signup>"Create one"</a></p>
        </section>
    }
}

/// Create an account.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let error = query_error();
    let next = next_page();
    view! {
        <Title text="Create an account" />
        <section class="card narrow">
            <h1>"Create an account"</h1>
            <p class="muted small">"The first account of a new installation is its administrator."</p>
            {error.map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            <form method="post" action="/signup" class="stack">
                <input type="hidden" name="next" value=next />
                <label for="name">"Your name"</label>
                <input id="name" name="name" required maxlength="100" autocomplete="name" />
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" required autocomplete="username" maxlength="254" />
                <label for="password">{format!("Password (at least {} characters)", crate::api::MIN_PASSWORD)}</label>
                <input id="password" name="password" type="password" required autocomplete="new-password"
                    minlength=crate::api::MIN_PASSWORD.to_string() maxlength="1000" />
                <button type="submit" class="primary">"Create the account"</button>
            </form>
            <p class="muted small">"Already have one? " <a href="/signin">"Sign in"</a></p>
        </section>
    }
}

/// An invite: join its team.
#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = params.read_untracked().get("token").unwrap_or_default();
    let here = format!("/invites/{token}");
    view! {
        <Title text="Join a team" />
        <section class="card narrow">
            <h1>"Join a team"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    let (here, token) = (here.clone(), token.clone());
                    Suspend::new(async move {
                        match whoami().await {
                            Ok(Some(me)) => view! {
                                <p>{format!("Signed in as {}. Accept the invite to join the team.", me.name)}</p>
                                <form method="post" action=here class="stack">
                                    <input type="hidden" name="token" value=token />
                                    <button type="submit" class="primary">"Accept the invite"</button>
                                </form>
                            }.into_any(),
                            _ => view! {
                                <p>"Sign in or create an account first; you will come back here."</p>
                                <p>
                                    <a class="button primary" href=format!("/signin?next={here}")>"Sign in"</a>
                                    " "
                                    <a class="button" href=format!("/signup?next={here}")>"Create an account"</a>
                                </p>
                            }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// A team: members, invites and the audit log.
#[component]
pub fn TeamPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.read_untracked().get("id").unwrap_or_default();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || { let id = id.clone(); Suspend::new(async move {
                match team_page(id).await {
                    Err(error) => view! { <super::LoadError error /> }.into_any(),
                    Ok(team) => view! { <Team team /> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

#[component]
fn Team(team: TeamData) -> impl IntoView {
    let owner = team.role == "owner";
    let id = team.id.clone();
    view! {
        <Title text=team.name.clone() />
        <section class="card">
            <p class="crumbs"><a href="/account">"Your account"</a> " / team"</p>
            <h1>{team.name.clone()}</h1>
            <p class="muted">{format!("You are {} of this team.", if owner { "an owner".to_owned() } else { format!("a {}", team.role) })}</p>
            {owner.then(|| view! {
                <form method="post" action=crate::api::RenameTeam::url() class="inline">
                    <input type="hidden" name="team" value=id.clone() />
                    <label for="team-name">"Team name"</label>
                    <input id="team-name" name="name" required maxlength="100" value=team.name.clone() />
                    <button type="submit">"Rename"</button>
                </form>
            })}
        </section>
        <section class="card" aria-labelledby="members-h">
            <h2 id="members-h">"Members"</h2>
            <table class="members">
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th></tr></thead>
                <tbody>
                    {team.members.into_iter().map(|(user, name, email, role)| {
                        let field = format!("role-{user}");
                        view! {
                            <tr>
                                <td>{name}</td>
                                <td>{email}</td>
                                <td>
                                    {if owner {
                                        view! {
                                            <form method="post" action=SetMember::url() class="inline">
                                                <input type="hidden" name="team" value=id.clone() />
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
            {owner.then(|| view! {
                <h3>"Invite someone"</h3>
                <form method="post" action=format!("/teams/{id}/invites") class="inline">
                    <label for="invite-role">"Role"</label>
                    <select id="invite-role" name="role">
                        <option value="viewer">"viewer (reads)"</option>
                        <option value="editor" selected>"editor (answers and edits the checklist)"</option>
                        <option value="owner">"owner (also manages members and sharing)"</option>
                    </select>
                    <button type="submit">"Make a one-time invite link"</button>
                </form>
            })}
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

/// The account page: teams and API tokens.
#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Your account" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match account_page().await {
                    Err(error) => view! { <super::LoadError error /> }.into_any(),
                    Ok(account) => view! { <Account account /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Account(account: AccountData) -> impl IntoView {
    let me = account.me;
    view! {
        <section class="card">
            <h1>{me.name.clone()}</h1>
            <p class="muted">{me.email.clone()}{me.is_admin.then_some(" · administrator")}</p>
            <h2>"Teams"</h2>
            <ul>
                {me.teams.iter().cloned().map(|(id, name, role)| view! {
                    <li><a href=format!("/teams/{id}")>{name}</a> <span class="tag">{role}</span></li>
                }).collect_view()}
            </ul>
        </section>
        <section class="card" aria-labelledby="tokens-h">
            <h2 id="tokens-h">"API tokens"</h2>
            <p class="muted small">"For the command line and CI. A token acts as you, in one team only. It is shown once."</p>
            <form method="post" action="/account/tokens" class="inline">
                <label for="token-name">"What it is for"</label>
                <input id="token-name" name="name" required maxlength="100" placeholder="CI gate" />
                <label for="token-team">"Team"</label>
                <select id="token-team" name="team">
                    {me.teams.iter().cloned().map(|(id, name, _)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
                <button type="submit">"Make a token"</button>
            </form>
            {(!account.tokens.is_empty()).then(|| view! {
                <table class="tokens">
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Team"</th><th scope="col">"Made (UTC)"</th><th scope="col">"Last used (UTC)"</th><th scope="col">"State"</th></tr></thead>
                    <tbody>
                        {account.tokens.into_iter().map(|t| view! {
                            <tr>
                                <td>{t.name}</td>
                                <td>{t.team}</td>
                                <td class="small">{super::utc(t.created_at)}</td>
                                <td class="small">{t.last_used_at.map_or_else(|| "never".to_owned(), super::utc)}</td>
                                <td>
                                    {if t.revoked {
                                        view! { <span class="tag">"revoked"</span> }.into_any()
                                    } else {
                                        view! {
                                            <form method="post" action=RevokeApiToken::url() class="inline">
                                                <input type="hidden" name="token" value=t.id />
                                                <button type="submit">"Revoke"</button>
                                            </form>
                                        }.into_any()
                                    }}
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
