//! Accounts: sign in, sign up (the first account of an installation is its administrator, and
//! the page says so), an invite link's page (who invites the reader into which team, or why the
//! invite cannot be used any more), and the account page with API tokens. A team's page is in
//! [`super::team`].
//!
//! The forms that start a session or make a secret post to plain handlers in the server (they set
//! cookies, or show a secret once); the rest post to server functions.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{
    AccountData, INVITE_NOT_VALID, InviteData, InviteStatus, RevokeApiToken, SignInWays,
    account_page, first_run, invite_page, sign_in_options,
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

/// The single sign-on button, when a provider is configured: it returns to `next`.
fn sso_button(options: &SignInWays, next: &str) -> Option<impl IntoView + use<>> {
    let name = options.sso.clone()?;
    let href = if next.is_empty() {
        "/auth/sso".to_owned()
    } else {
        format!("/auth/sso?next={}", crate::redirect::query_value(next))
    };
    Some(view! { <p><a class="button primary" href=href>{format!("Sign in with {name}")}</a></p> })
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
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let (error, next, signup) = (error.clone(), next.clone(), signup.clone());
                Suspend::new(async move {
                    let options = sign_in_options().await.unwrap_or(SignInWays { passwords: true, ..Default::default() });
                    let passwords = options.passwords;
                    view! {
                        <section class="card narrow">
                            <h1>"Sign in"</h1>
                            {error.map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
                            {sso_button(&options, &next)}
                            {passwords.then(|| view! {
                                <form method="post" action="/signin" class="stack">
                                    <input type="hidden" name="next" value=next.clone() />
                                    <label for="email">"Email"</label>
                                    <input id="email" name="email" type="email" required autocomplete="username" maxlength="254" />
                                    <label for="password">"Password"</label>
                                    <input id="password" name="password" type="password" required autocomplete="current-password" maxlength="1000" />
                                    {if options.sso.is_some() {
                                        view! { <button type="submit">"Sign in with a password"</button> }.into_any()
                                    } else {
                                        view! { <button type="submit" class="primary">"Sign in"</button> }.into_any()
                                    }}
                                </form>
                                <p class="muted small">"No account yet? " <a href=signup.clone()>"Create one"</a></p>
                            })}
                        </section>
                    }
                })
            }}
        </Suspense>
    }
}

/// Create an account; on a fresh installation, its administrator's.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let error = query_error();
    // An error about the password is shown beside it.
    let on_password = use_query_map().read_untracked().get("field").as_deref() == Some("password");
    let next = next_page();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let (error, next) = (error.clone(), next.clone());
                Suspend::new(async move {
                    let first = first_run().await.unwrap_or(false);
                    let options = sign_in_options().await.unwrap_or(SignInWays { passwords: true, ..Default::default() });
                    if !first && !options.passwords {
                        return view! {
                            <Title text="Create an account" />
                            <section class="card narrow">
                                <h1>"Create an account"</h1>
                                <p>"Passwords are turned off here: your account is made the first time you sign in with single sign-on."</p>
                                {sso_button(&options, &next)}
                            </section>
                        }.into_any();
                    }
                    let invite_note = (!first && options.invite_only && !next.starts_with("/invites/")).then(|| view! {
                        <p class="notice" role="note">"Sign-up here needs an invite: open the invite link a team owner sent you, and sign up from there."</p>
                    });
                    let title = if first { "Create the administrator account" } else { "Create an account" };
                    view! {
                        <Title text=title />
                        <section class="card narrow">
                            <h1>{title}</h1>
                            <p class="muted small">{if first {
                                "Nobody has an account here yet: this first one is the administrator, and reviews made before accounts existed join its team."
                            } else {
                                "Your account starts with a team of its own; an invite link adds you to someone else's."
                            }}</p>
                            {invite_note}
                            {error.clone().filter(|_| !on_password).map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
                            <form method="post" action="/signup" class="stack">
                                <input type="hidden" name="next" value=next />
                                <label for="name">"Your name"</label>
                                <input id="name" name="name" required maxlength="100" autocomplete="name" />
                                <label for="email">"Email"</label>
                                <input id="email" name="email" type="email" required autocomplete="username" maxlength="254" />
                                <label for="password">{format!("Password (at least {} characters)", crate::api::MIN_PASSWORD)}</label>
                                <input id="password" name="password" type="password" required autocomplete="new-password"
                                    minlength=crate::api::MIN_PASSWORD.to_string() maxlength="1000"
                                    aria-invalid=on_password.then_some("true") aria-describedby=on_password.then_some("password-error") />
                                {error.filter(|_| on_password).map(|e| view! { <p id="password-error" class="field-error" role="alert">{e}</p> })}
                                <button type="submit" class="primary">"Create the account"</button>
                            </form>
                            {(!first).then(|| view! { <p class="muted small">"Already have one? " <a href="/signin">"Sign in"</a></p> })}
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

/// An invite link's page: who invites the reader into which team, as what, and the way to
/// accept (signing in or up first, coming back here); or why it cannot be used any more.
#[component]
pub fn InvitePage() -> impl IntoView {
    let token = use_params_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let shown = token.clone();
    super::loaded(
        move || invite_page(token.clone()),
        move |data| view! { <Invite data token=shown.clone() /> },
    )
}

#[component]
fn Invite(data: InviteData, token: String) -> impl IntoView {
    let Some(invite) = data.invite else {
        return view! {
            <Title text="Invite not valid" />
            <section class="card narrow">
                <h1>"This invite link is not valid"</h1>
                <p>{INVITE_NOT_VALID}</p>
                <p><a href="/">"Back to the reviews"</a></p>
            </section>
        }
        .into_any();
    };
    let here = format!("/invites/{token}");
    let team_page = format!("/teams/{}", invite.team_id);
    if let Some(refusal) = invite.refusal() {
        let heading = match invite.status {
            InviteStatus::Used => "This invite was used already",
            InviteStatus::Revoked => "This invite was revoked",
            _ => "This invite expired",
        };
        return view! {
            <Title text=heading />
            <section class="card narrow">
                <h1>{heading}</h1>
                <p class="notice error" role="alert">{refusal}</p>
                <p class="muted">{format!("It was an invite to join the team \u{201c}{}\u{201d} as {}.", invite.team, super::a_role(&invite.role))}</p>
                {data.member_role.map(|_| view! { <p><a href=team_page.clone()>"Open the team page"</a></p> })}
            </section>
        }
        .into_any();
    }
    let action = match (&data.signed_in_as, &data.member_role) {
        (Some(name), Some(role)) => view! {
            <p>{format!("Signed in as {name}: you are {} of this team already.", super::a_role(role))}</p>
            <p><a class="button primary" href=team_page>"Open the team page"</a></p>
        }
        .into_any(),
        (Some(name), None) => view! {
            <p>{format!("Signed in as {name}.")}</p>
            <form method="post" action=here class="stack">
                <button type="submit" class="primary">"Accept the invite"</button>
            </form>
        }
        .into_any(),
        (None, _) => view! {
            <p>"Sign in or create an account to accept it; you will come back here."</p>
            <p>
                <a class="button primary" href=format!("/signin?next={here}")>"Sign in"</a>
                " "
                <a class="button" href=format!("/signup?next={here}")>"Create an account"</a>
            </p>
        }
        .into_any(),
    };
    view! {
        <Title text=format!("Join {}", invite.team) />
        <section class="card narrow">
            <h1>{format!("Join the team \u{201c}{}\u{201d}", invite.team)}</h1>
            <p class="lede">{invite.offer()}</p>
            <p class="muted small">{format!("The invite works once and expires on {} UTC.", super::utc(invite.expires_at))}</p>
            {action}
        </section>
    }
    .into_any()
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
            <p><a href="/account/security">{if me.is_admin { "Sign-in, security and sign-up settings" } else { "Password and sessions" }}</a></p>
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
