//! Outbound webhooks on the wire: which targets may be called (SSRF rules), how a delivery is
//! signed, and the sender, a task `trellis serve` starts that claims due deliveries from the
//! outbox (`store::webhooks`), posts them, and records each try with its backoff.
//!
//! A target must be `https` and every address its host resolves to must be public: not
//! private, loopback, link-local, unique-local, multicast, unspecified, shared (CGNAT) or an
//! IPv4-mapped form of one. The check runs when a hook is saved and again at each send, in the
//! resolver of the HTTP client, which then connects only to the addresses it checked (a name
//! that resolves elsewhere between the two, DNS rebinding, is refused at send time). Redirects
//! are not followed. `TRELLIS_WEBHOOKS_ALLOW_PRIVATE` lifts the address rule and allows `http`,
//! for tests only.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use hmac::{KeyInit, Mac};
use store::{DeliveryRow, Store, TryOutcome};

/// How the sender behaves: set once at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Allow `http` targets and private addresses (tests only).
    pub allow_private: bool,
    /// The wait before the second try; each next wait doubles (with up to a quarter more at
    /// random, so retries of many deliveries spread out).
    pub backoff: Duration,
    /// Tries before a delivery is marked failed.
    pub max_attempts: i64,
    /// How long one try may take, connecting included.
    pub timeout: Duration,
    /// How often the sender looks for due deliveries.
    pub poll: Duration,
}

impl Default for Settings {
    /// Eight tries over about two hours (1, 2, 4 … 64 minutes apart), five seconds each.
    fn default() -> Settings {
        Settings {
            allow_private: false,
            backoff: Duration::from_secs(60),
            max_attempts: 8,
            timeout: Duration::from_secs(5),
            poll: Duration::from_secs(2),
        }
    }
}

impl Settings {
    /// The wait after try number `attempt` (1 for the first) failed.
    pub fn delay_after(&self, attempt: i64) -> Duration {
        let shift = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
        let base = self.backoff.saturating_mul(1 << shift);
        let quarter = base.as_millis() / 4;
        let jitter = if quarter == 0 {
            0
        } else {
            uuid::Uuid::new_v4().as_u128() % quarter
        };
        base + Duration::from_millis(u64::try_from(jitter).unwrap_or(0))
    }
}

/// Why an address may not be called, or `None` when it is public.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4).map(|_| "an IPv4-mapped private address");
            }
            let first = v6.segments()[0];
            if v6.is_unspecified() {
                Some("the unspecified address")
            } else if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else if first & 0xffc0 == 0xfe80 {
                Some("a link-local address")
            } else if first & 0xfe00 == 0xfc00 {
                Some("a unique-local (private) address")
            } else if first & 0xffc0 == 0xfec0 {
                Some("a site-local (private) address")
            } else if v6.segments()[..6] == [0, 0, 0, 0, 0, 0] {
                // IPv4-compatible (deprecated) forms, ::a.b.c.d.
                forbidden_v4(Ipv4Addr::from_bits(
                    u32::try_from(v6.to_bits() & 0xffff_ffff).unwrap_or(0),
                ))
                .map(|_| "an IPv4-compatible private address")
            } else if first == 0x64 && v6.segments()[1] == 0xff9b {
                // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
                forbidden_v4(Ipv4Addr::from_bits(
                    u32::try_from(v6.to_bits() & 0xffff_ffff).unwrap_or(0),
                ))
                .map(|_| "a NAT64 form of a private address")
            } else {
                None
            }
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_unspecified() || a == 0 {
        Some("the unspecified address")
    } else if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (CGNAT) address")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("a multicast or reserved address")
    } else {
        None
    }
}

/// A target that passed the URL rules: its host and port, still to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL as it will be called.
    pub url: String,
    host: String,
    port: u16,
}

/// Checks a target's URL (not yet its addresses): `https` (or, with `allow_private`, `http`),
/// a host, no credentials in it. The error says what is wrong, for the `url` field.
pub fn parse_target(text: &str, allow_private: bool) -> Result<Target, String> {
    let url =
        url::Url::parse(text.trim()).map_err(|e| format!("not a URL that can be called ({e})"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => {
            return Err(
                "it must start with https:// (deliveries are signed, not sent in the clear)".into(),
            );
        }
        other => return Err(format!("{other}: only https:// targets can be called")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("it must not hold a user name or password".into());
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_owned(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err("it has no host".into()),
    };
    let port = url
        .port_or_known_default()
        .ok_or_else(|| "it has no port".to_owned())?;
    Ok(Target {
        url: url.to_string(),
        host,
        port,
    })
}

/// Whether every address in `addrs` may be called: the error names the first that may not.
pub fn check_addresses(
    host: &str,
    addrs: &[SocketAddr],
    allow_private: bool,
) -> Result<(), String> {
    if addrs.is_empty() {
        return Err(format!("{host} does not resolve to any address"));
    }
    if allow_private {
        return Ok(());
    }
    for a in addrs {
        if let Some(why) = forbidden(a.ip()) {
            return Err(format!(
                "{host} resolves to {}, {why}: only public addresses can be called",
                a.ip()
            ));
        }
    }
    Ok(())
}

/// Resolves a target's host and checks every address (when a hook is saved).
pub async fn check_target(text: &str, allow_private: bool) -> Result<Target, String> {
    let target = parse_target(text, allow_private)?;
    let addrs: Vec<SocketAddr> = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::lookup_host((target.host.as_str(), target.port)),
    )
    .await
    .map_err(|_| format!("{} did not resolve in time", target.host))?
    .map_err(|e| format!("{} could not be resolved ({e})", target.host))?
    .collect();
    check_addresses(&target.host, &addrs, allow_private)?;
    Ok(target)
}

/// The `Trellis-Signature` header of a body sent at `timestamp` (unix seconds):
/// `t=<timestamp>,v1=<hex of HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

/// The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes keys of any length: this cannot fail.
    let Ok(mut mac) = hmac::Hmac::<sha2_hmac::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The client's resolver: the system's, then every address checked; the client connects only
/// to the addresses returned here.
#[derive(Debug)]
struct CheckedResolver {
    allow_private: bool,
}

impl ureq::unversioned::resolver::Resolver for CheckedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let addrs = ureq::unversioned::resolver::DefaultResolver::default()
            .resolve(uri, config, timeout)?;
        let host = uri.host().unwrap_or_default();
        check_addresses(host, &addrs, self.allow_private).map_err(|why| {
            ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                why,
            ))
        })?;
        Ok(addrs)
    }
}

/// The HTTP client of the sender: short timeouts, no redirects, no proxy, checked addresses.
pub fn agent(settings: &Settings) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .timeout_global(Some(settings.timeout))
        .timeout_connect(Some(settings.timeout.min(Duration::from_secs(3))))
        .user_agent(concat!("Trellis-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::default(),
        CheckedResolver {
            allow_private: settings.allow_private,
        },
    )
}

/// One try of a delivery: its status, or why there was none, and how long it took.
fn post(
    agent: &ureq::Agent,
    url: &str,
    secret: &str,
    d: &DeliveryRow,
    now_s: i64,
) -> (Option<i64>, Option<String>, Duration) {
    let started = Instant::now();
    let result = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header("Trellis-Event", d.event.as_str())
        .header("Trellis-Delivery", d.id.as_str())
        .header("Idempotency-Key", d.event_id.as_str())
        .header("Trellis-Signature", signature(secret, now_s, &d.payload))
        .send(d.payload.as_str());
    let took = started.elapsed();
    match result {
        Ok(res) => (Some(i64::from(res.status().as_u16())), None, took),
        Err(e) => (None, Some(describe(&e)), took),
    }
}

/// A send error in words, for the delivery log.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            format!("refused: {io}")
        }
        ureq::Error::Io(io) => format!("connection failed: {io}"),
        ureq::Error::Timeout(_) => "no answer in time".into(),
        ureq::Error::HostNotFound => "the host could not be found".into(),
        other => other.to_string(),
    }
}

/// Sends one claimed delivery and records the try.
async fn deliver(
    store: &Store,
    settings: &Settings,
    agent: &ureq::Agent,
    owner: &str,
    d: DeliveryRow,
) -> Result<(), store::StoreError> {
    let now = crate::service::now_ms();
    let Some(hook) = store.webhook_by_id(&d.hook_id).await? else {
        return Ok(());
    };
    let (status, error, took) = {
        let agent = agent.clone();
        let d = d.clone();
        tokio::task::spawn_blocking(move || post(&agent, &hook.url, &hook.secret, &d, now / 1000))
            .await
            .unwrap_or_else(|e| {
                (
                    None,
                    Some(format!("the sender failed: {e}")),
                    Duration::ZERO,
                )
            })
    };
    let delivered = status.is_some_and(|s| (200..300).contains(&s));
    let attempt = d.attempts + 1;
    let retry_at = (!delivered && attempt < settings.max_attempts).then(|| {
        crate::service::now_ms()
            + i64::try_from(settings.delay_after(attempt).as_millis()).unwrap_or(i64::MAX / 2)
    });
    let error = match (status, error) {
        (_, Some(e)) => Some(e),
        (Some(s), None) if !delivered => Some(format!("the target answered {s}")),
        _ => None,
    };
    let outcome = TryOutcome {
        status,
        error,
        duration_ms: i64::try_from(took.as_millis()).unwrap_or(i64::MAX),
        delivered,
        retry_at,
    };
    store
        .finish_delivery(&d, owner, &outcome, crate::service::now_ms())
        .await
}

/// Claims and sends the deliveries due now: how many it sent.
pub async fn send_due(
    store: &Store,
    settings: &Settings,
    agent: &ureq::Agent,
    owner: &str,
) -> Result<usize, store::StoreError> {
    let now = crate::service::now_ms();
    // A lease outlasts every try of the batch, so no other sender takes one meanwhile.
    let lease = i64::try_from(settings.timeout.as_millis()).unwrap_or(5_000) * 12 + 60_000;
    let due = store.claim_deliveries(owner, now, now + lease, 10).await?;
    let n = due.len();
    for d in due {
        deliver(store, settings, agent, owner, d).await?;
    }
    Ok(n)
}

/// Starts the sender: every `settings.poll`, the due deliveries are sent. It runs until the
/// process ends; a database error is logged and tried again at the next poll.
pub fn start(store: Store, settings: Settings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let agent = agent(&settings);
        let owner = uuid::Uuid::new_v4().simple().to_string();
        loop {
            match send_due(&store, &settings, &agent, &owner).await {
                // More may be due: look again at once.
                Ok(10..) => continue,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "webhook deliveries could not be read or recorded")
                }
            }
            tokio::time::sleep(settings.poll).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED))
    }

    #[test]
    fn private_and_special_addresses_are_forbidden_and_public_ones_are_not() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
        ] {
            assert!(forbidden(ip(bad)).is_some(), "{bad} must be refused");
        }
        for good in [
            "93.184.216.34",
            "1.1.1.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
        ] {
            assert_eq!(forbidden(ip(good)), None, "{good} is public");
        }
    }

    #[test]
    fn a_target_must_be_https_without_credentials() {
        assert!(parse_target("https://hooks.example.com/in", false).is_ok());
        assert!(parse_target("http://hooks.example.com/in", false).is_err());
        assert!(parse_target("http://hooks.example.com/in", true).is_ok());
        assert!(parse_target("ftp://hooks.example.com/in", true).is_err());
        assert!(parse_target("https://user:pw@hooks.example.com/in", false).is_err());
        assert!(parse_target("not a url", false).is_err());
    }

    #[test]
    fn backoff_doubles_with_at_most_a_quarter_of_jitter() {
        let s = Settings {
            backoff: Duration::from_millis(100),
            ..Settings::default()
        };
        for attempt in 1..8 {
            let d = s.delay_after(attempt).as_millis();
            let base = 100u128 << (attempt - 1);
            assert!(d >= base && d <= base + base / 4, "{attempt}: {d}");
        }
    }
}
