//! Who is asking, and what they may do. Server only.
//!
//! - Secrets (sessions, invites, share links, API tokens) are `<kind>_<id>_<secret>`: the id finds
//!   the row, and the SHA-256 of the 256-bit secret is compared in constant time with the stored
//!   hash, so neither a leaked table nor a timing difference gives anything away.
//! - Passwords are hashed with argon2id (the crate's defaults: 19 MiB, 2 passes).
//! - [`Actor`] is resolved once per request by the server's middleware and put in the request's
//!   extensions; [`Role`] and [`Need`] decide what a member may do with a team's assessments.
//! - [`Throttle`] limits failed sign-ins per account and per address.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use crate::api::MIN_PASSWORD;

/// A signed-in user, as every request sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Random id.
    pub id: String,
    /// Sign-in email, lowercased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// The first account of an installation.
    pub is_admin: bool,
}

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Actor {
    /// Nobody signed in.
    #[default]
    Anonymous,
    /// A user with a session cookie.
    Session {
        /// The user.
        user: User,
        /// The session's id (not its secret), for signing out.
        session_id: String,
    },
    /// A user's API token, limited to one team.
    Token {
        /// The token's owner.
        user: User,
        /// The only team it reaches.
        team_id: String,
    },
}

impl Actor {
    /// The user behind the request, if any.
    pub fn user(&self) -> Option<&User> {
        match self {
            Actor::Anonymous => None,
            Actor::Session { user, .. } | Actor::Token { user, .. } => Some(user),
        }
    }

    /// Whether this actor may reach `team_id` at all (an API token reaches only its own team).
    pub fn reaches(&self, team_id: &str) -> bool {
        match self {
            Actor::Token { team_id: t, .. } => t == team_id,
            _ => true,
        }
    }

    /// The name changes are attributed to.
    pub fn label(&self) -> String {
        match self {
            Actor::Anonymous => "anonymous".into(),
            Actor::Session { user, .. } => user.name.clone(),
            Actor::Token { user, .. } => format!("{} (API token)", user.name),
        }
    }
}

/// A member's role in a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads assessments and results.
    Viewer,
    /// Also answers, edits the checklist, creates, renames and duplicates assessments.
    Editor,
    /// Also manages members, archives and deletes, and creates share links.
    Owner,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Owner => "owner",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "viewer" => Some(Role::Viewer),
            "editor" => Some(Role::Editor),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

/// What an action needs: the lowest role that may do it.
pub type Need = Role;

/// A new secret: what to give the user once (`<kind>_<id>_<secret>`), and what to store.
pub struct NewSecret {
    /// The public id (the row's key).
    pub id: String,
    /// The whole token, shown once.
    pub token: String,
    /// SHA-256 of the secret part, hex.
    pub hash: String,
}

fn random_part(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The OS random source does not fail on the platforms Trellis runs on; if it ever did, a
    // zeroed secret must never be handed out.
    if getrandom::fill(&mut buf).is_err() {
        panic!("the operating system's random source failed");
    }
    URL_SAFE_NO_PAD.encode(buf)
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Makes a secret of `kind` (`s` session, `inv` invite, `shr` share link, `trl` API token).
pub fn new_secret(kind: &str) -> NewSecret {
    let id = random_part(12);
    let secret = random_part(32);
    NewSecret {
        token: format!("{kind}_{id}_{secret}"),
        hash: sha256_hex(&secret),
        id,
    }
}

/// Splits a presented token of `kind` into its id and secret. The parts have fixed lengths (the
/// URL-safe alphabet has `_` in it, so the separators cannot be searched for).
pub fn split_secret<'a>(kind: &str, token: &'a str) -> Option<(&'a str, &'a str)> {
    let rest = token.strip_prefix(kind)?.strip_prefix('_')?;
    if rest.len() != 16 + 1 + 43 || !rest.is_char_boundary(16) || rest.as_bytes()[16] != b'_' {
        return None;
    }
    Some((&rest[..16], &rest[17..]))
}

/// Whether `secret` matches the stored hash, compared in constant time.
pub fn secret_matches(secret: &str, stored_hash: &str) -> bool {
    sha256_hex(secret)
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches a stored argon2 hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash to verify against when the account does not exist, so that a sign-in with an unknown
/// email takes as long as one with a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not a real password at all").unwrap_or_default())
}

/// Failed sign-ins allowed per account in [`WINDOW`].
pub const PER_ACCOUNT: u32 = 5;
/// Failed sign-ins allowed per address in [`WINDOW`].
pub const PER_ADDRESS: u32 = 20;
/// The window failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failed sign-ins per account and per client address, in this process.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    fn key_blocked(map: &HashMap<String, (u32, Instant)>, key: &str, limit: u32) -> bool {
        map.get(key)
            .is_some_and(|(n, since)| *n >= limit && since.elapsed() < WINDOW)
    }

    /// Whether sign-in attempts for `email` from `address` must wait.
    pub fn blocked(&self, email: &str, address: &str) -> bool {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::key_blocked(&map, &format!("account:{email}"), PER_ACCOUNT)
            || Self::key_blocked(&map, &format!("address:{address}"), PER_ADDRESS)
    }

    /// Records a failed attempt.
    pub fn failed(&self, email: &str, address: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        for key in [format!("account:{email}"), format!("address:{address}")] {
            let entry = map.entry(key).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= WINDOW {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
    }

    /// Forgets an account's failures after a successful sign-in.
    pub fn succeeded(&self, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("account:{email}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_reject_tampering() {
        let s = new_secret("shr");
        let (id, secret) = split_secret("shr", &s.token).expect("well formed");
        assert_eq!(id, s.id);
        assert!(secret_matches(secret, &s.hash));
        let mut wrong = secret.to_owned();
        wrong.replace_range(0..1, if wrong.starts_with('A') { "B" } else { "A" });
        assert!(!secret_matches(&wrong, &s.hash));
        assert!(split_secret("trl", &s.token).is_none(), "another kind");
        assert!(split_secret("shr", "shr_short_x").is_none());
        for _ in 0..200 {
            let t = new_secret("s");
            assert_eq!(
                split_secret("s", &t.token).map(|(id, _)| id.to_owned()),
                Some(t.id),
                "ids and secrets may contain `_`"
            );
        }
        assert_ne!(new_secret("shr").token, s.token);
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse battery").expect("hashes");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn throttle_blocks_an_account_after_its_limit_and_forgets_on_success() {
        let t = Throttle::default();
        for _ in 0..PER_ACCOUNT {
            assert!(!t.blocked("a@x", "1.2.3.4"));
            t.failed("a@x", "1.2.3.4");
        }
        assert!(t.blocked("a@x", "5.6.7.8"), "per account, from any address");
        assert!(!t.blocked("b@x", "5.6.7.8"));
        t.succeeded("a@x");
        assert!(!t.blocked("a@x", "5.6.7.8"));
    }
}
