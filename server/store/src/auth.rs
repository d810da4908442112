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

/// Sign-ins one client address may try for one account before each next one waits.
pub const FREE_PER_PAIR: u32 = 3;
/// Sign-ins for one account, from anywhere, before each next one waits (a spread-out attack).
pub const FREE_PER_ACCOUNT: u32 = 10;
/// Sign-ins from one address, for any accounts, before each next one waits.
pub const FREE_PER_ADDRESS: u32 = 20;
/// The longest wait: also how long a key's failures are remembered after its last attempt.
pub const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// The longest wait the per-account key imposes, so that someone else's burst from elsewhere
/// never locks the owner out for long.
const LONGEST_ACCOUNT_WAIT: Duration = Duration::from_secs(60);

/// Throttles sign-ins, in this process, with delays that grow with each failure: per account
/// and client address (the key that stops a guesser), per account (a guesser spread over many
/// addresses; its delays stay short, so the owner is never locked out for long) and per address
/// (one client trying many accounts). An attempt is counted when it starts, before the password
/// is checked, so parallel guesses cannot all get through while the first ones are verified.
#[derive(Debug, Default)]
pub struct Throttle {
    keys: Mutex<HashMap<String, Tries>>,
}

/// The attempts of one key.
#[derive(Debug, Clone, Copy)]
struct Tries {
    count: u32,
    /// When the next attempt may start.
    next: Instant,
    last: Instant,
}

/// A sign-in that must wait this long before it is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait(pub Duration);

impl Throttle {
    /// The keys of an attempt, each with its free attempts and longest wait.
    fn keys(email: &str, address: &str) -> [(String, u32, Duration); 3] {
        [
            (
                format!("pair:{email}|{address}"),
                FREE_PER_PAIR,
                LONGEST_WAIT,
            ),
            (
                format!("account:{email}"),
                FREE_PER_ACCOUNT,
                LONGEST_ACCOUNT_WAIT,
            ),
            (format!("address:{address}"), FREE_PER_ADDRESS, LONGEST_WAIT),
        ]
    }

    /// Starts a sign-in attempt for `email` from `address`: counts it (as a failure until
    /// [`Throttle::succeeded`] says otherwise) and lets it go on, or says how long to wait
    /// first (a refused attempt is not counted).
    pub fn attempt(&self, email: &str, address: &str) -> Result<(), Wait> {
        self.attempt_at(email, address, Instant::now())
    }

    fn attempt_at(&self, email: &str, address: &str, now: Instant) -> Result<(), Wait> {
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, t| now.saturating_duration_since(t.last) < LONGEST_WAIT);
        }
        let keys = Self::keys(email, address);
        let wait = keys
            .iter()
            .filter_map(|(k, _, _)| map.get(k))
            .filter(|t| now.saturating_duration_since(t.last) < LONGEST_WAIT)
            .map(|t| t.next.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if !wait.is_zero() {
            return Err(Wait(wait));
        }
        for (key, free, longest) in keys {
            let t = map.entry(key).or_insert(Tries {
                count: 0,
                next: now,
                last: now,
            });
            if now.saturating_duration_since(t.last) >= LONGEST_WAIT {
                t.count = 0;
            }
            t.count += 1;
            t.last = now;
            t.next = now + delay(t.count, free, longest);
        }
        Ok(())
    }

    /// The attempt of `email` from `address` proved the password: forgets the failures of
    /// the account (from that address and overall), and takes this attempt back from the
    /// address's count (a sign-in is not a failure).
    pub fn succeeded(&self, email: &str, address: &str) {
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let [pair, account, (by_address, free, longest)] = Self::keys(email, address);
        map.remove(&pair.0);
        map.remove(&account.0);
        if let Some(t) = map.get_mut(&by_address) {
            t.count = t.count.saturating_sub(1);
            t.next = t.last + delay(t.count, free, longest);
        }
    }
}

/// The wait after the `count`th attempt of a key that allows `free` without waiting: one
/// second after the first one over, doubling each time, at most `longest`.
fn delay(count: u32, free: u32, longest: Duration) -> Duration {
    if count < free {
        return Duration::ZERO;
    }
    let doublings = (count - free).min(20);
    Duration::from_secs(1u64 << doublings).min(longest)
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
    fn throttle_counts_attempts_before_they_are_checked_and_grows_its_waits() {
        let t = Throttle::default();
        let now = Instant::now();
        // A burst from one address: only the free attempts start; the rest are told to wait.
        let started = (0..40)
            .filter(|_| t.attempt_at("a@x", "1.1.1.1", now).is_ok())
            .count();
        assert_eq!(started, FREE_PER_PAIR as usize);
        let Err(Wait(w)) = t.attempt_at("a@x", "1.1.1.1", now) else {
            panic!("the burst goes on unthrottled");
        };
        assert_eq!(w, Duration::from_secs(1));
        // Each further failure doubles the wait.
        let later = now + w;
        assert!(t.attempt_at("a@x", "1.1.1.1", later).is_ok());
        assert_eq!(
            t.attempt_at("a@x", "1.1.1.1", later),
            Err(Wait(Duration::from_secs(2)))
        );
        // The owner, elsewhere, is not locked out by someone else's burst.
        assert!(t.attempt_at("a@x", "2.2.2.2", later).is_ok());
        t.succeeded("a@x", "2.2.2.2");
        // Other accounts from the burst's address are not held up either.
        assert!(t.attempt_at("b@x", "1.1.1.1", later).is_ok());
        // Sign-ins that succeed are not failures: an address may sign in again and again.
        for _ in 0..3 * FREE_PER_ADDRESS {
            assert!(t.attempt_at("c@x", "3.3.3.3", later).is_ok());
            t.succeeded("c@x", "3.3.3.3");
        }
    }

    #[test]
    fn throttle_slows_a_guesser_spread_over_addresses_but_only_briefly() {
        let t = Throttle::default();
        let now = Instant::now();
        for n in 0..FREE_PER_ACCOUNT {
            assert!(t.attempt_at("a@x", &format!("10.0.0.{n}"), now).is_ok());
        }
        let Err(Wait(w)) = t.attempt_at("a@x", "10.0.1.1", now) else {
            panic!("a spread-out guesser is not slowed");
        };
        assert!(w <= LONGEST_ACCOUNT_WAIT);
        for n in 0..30 {
            let at = now + Duration::from_secs(3600 * (n + 1));
            let _ = t.attempt_at("a@x", "10.0.2.1", at);
        }
        // Failures are forgotten once the longest wait has passed with no attempt.
        let much_later = now + Duration::from_secs(3600 * 40);
        assert!(t.attempt_at("a@x", "10.0.3.1", much_later).is_ok());
    }
}
