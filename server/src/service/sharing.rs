//! Sharing a review: its Share page (the team's people and pending invites, and the read-only
//! share links), what an invite link leads to, and revoking an invite.

use app::api::{InviteData, InviteInfo, InviteStatus, ShareData, ShareLinkView};
use store::auth::Role;
use store::{InviteDetails, InviteState};

use super::{AppContext, now_ms, teams};
use crate::error::AppError;

/// The Share page of a review (owners, who alone may invite and make links).
pub async fn share_page(c: &AppContext, id: &str) -> Result<ShareData, AppError> {
    let (assessment, role) = c.assessment(id, Role::Owner).await?;
    let team_id = assessment.team_id.clone().unwrap_or_default();
    let now = now_ms();
    let links = c
        .store
        .share_links(id)
        .await?
        .into_iter()
        .filter(|l| l.revoked_at.is_none() && l.expires_at.is_none_or(|e| e > now))
        .map(|l| ShareLinkView {
            id: l.id,
            created_by: l.created_by,
            created_at: l.created_at,
            expires_at: l.expires_at,
        })
        .collect();
    Ok(ShareData {
        team: teams::people(c, &team_id, role).await?,
        assessment_id: assessment.id,
        workload: assessment.name,
        links,
    })
}

/// What an invite link leads to: the team, who invited and as what, and whether it can still be
/// accepted, for anyone holding the link; and who is signed in, with their role in the team.
pub async fn invite_page(c: &AppContext, token: &str) -> Result<InviteData, AppError> {
    let details = c.store.invite_details(token, now_ms()).await?;
    let user = c.actor.user();
    let member_role = match (&details, user) {
        (Some(d), Some(u)) => c
            .store
            .role(&u.id, &d.invite.team_id)
            .await?
            .map(|r| r.as_str().to_owned()),
        _ => None,
    };
    Ok(InviteData {
        invite: details.map(invite_info),
        signed_in_as: user.map(|u| u.name.clone()),
        member_role,
    })
}

/// An invite as its link's page (and a refused acceptance) describes it.
pub fn invite_info(d: InviteDetails) -> InviteInfo {
    InviteInfo {
        team_id: d.invite.team_id,
        team: d.invite.team_name,
        inviter: d.created_by,
        role: d.invite.role.as_str().to_owned(),
        expires_at: d.expires_at,
        status: match d.state {
            InviteState::Open => InviteStatus::Open,
            InviteState::Used => InviteStatus::Used,
            InviteState::Revoked => InviteStatus::Revoked,
            InviteState::Expired => InviteStatus::Expired,
        },
    }
}

/// Revokes an invite of the team that nobody has used yet (owners), and says so in the audit log.
pub async fn revoke_invite(c: &AppContext, team: &str, invite: &str) -> Result<(), AppError> {
    c.team(team, Role::Owner).await?;
    let revoked = c.store.revoke_invite(team, invite, now_ms()).await?;
    c.store
        .audit(
            team,
            &c.actor.label(),
            "membership",
            "invite link",
            &format!(
                "revoked (it was for a new {}, made by {})",
                revoked.role, revoked.created_by
            ),
            now_ms(),
        )
        .await?;
    Ok(())
}
