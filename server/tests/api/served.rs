//! Real `trellis` processes: the binary as a command ([`trellis`]); `trellis serve` on a free
//! loopback port ([`Served`]: its log captured, waited for by polling `/readyz`, killed when
//! dropped); a plain HTTP client to talk to it; and [`eventually`], the one way a test waits for
//! something: polling for it, with a deadline, never a fixed sleep.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long [`eventually`] waits between tries.
const POLL: Duration = Duration::from_millis(20);

/// How long a server may take to be ready: on a loaded machine the first start (migrations
/// included) can take a while.
const START: Duration = Duration::from_secs(60);

/// The `trellis` binary built with these tests.
pub(crate) fn trellis() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trellis"))
}

/// Tries `attempt` until it gives a value, for at most `limit`; `None` when it never did. The
/// caller says, in its panic, what it waited for.
pub(crate) fn eventually<T>(limit: Duration, mut attempt: impl FnMut() -> Option<T>) -> Option<T> {
    let started = Instant::now();
    loop {
        if let Some(done) = attempt() {
            return Some(done);
        }
        if started.elapsed() >= limit {
            return None;
        }
        std::thread::sleep(POLL);
    }
}

/// [`eventually`], in an async test.
pub(crate) async fn eventually_async<T>(
    limit: Duration,
    mut attempt: impl AsyncFnMut() -> Option<T>,
) -> Option<T> {
    let started = Instant::now();
    loop {
        if let Some(done) = attempt().await {
            return Some(done);
        }
        if started.elapsed() >= limit {
            return None;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A `trellis serve` on a free loopback port, killed when dropped; its log lines (JSON, at
/// `info`) in a file.
pub(crate) struct Served {
    child: Child,
    pub(crate) port: u16,
    log: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// `trellis serve` on the database `url`, its site root and its log (`NAME.log`) in `dir`:
    /// started, not yet [`ready`](Served::ready).
    pub(crate) fn start(url: &str, dir: &Path, name: &str) -> Served {
        Served::start_with(url, dir, name, &[])
    }

    /// [`Served::start`] with more environment variables.
    pub(crate) fn start_with(url: &str, dir: &Path, name: &str, env: &[(&str, &str)]) -> Served {
        let mut command = trellis();
        command
            .env("TRELLIS_SITE_ROOT", dir.join("site"))
            .envs(env.iter().copied());
        Served::launch(command, url, dir, name)
    }

    /// Runs `command` (a `trellis` binary, with whatever else it sets) as `trellis serve` on a
    /// free port and the database `url`, logging JSON lines at `info` into `logs/NAME.log`.
    pub(crate) fn launch(mut command: Command, url: &str, logs: &Path, name: &str) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = logs.join(format!("{name}.log"));
        let child = command
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", url)
            .env("TRELLIS_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Served { child, port, log }
    }

    /// Waits until `/readyz` says ready; panics, with the server's log, when it stops first or
    /// is not ready in a minute.
    pub(crate) fn ready(mut self) -> Served {
        let (child, log, readyz) = (
            &mut self.child,
            &self.log,
            format!("http://127.0.0.1:{}/readyz", self.port),
        );
        let http = agent();
        let ready = eventually(START, || {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("trellis serve stopped ({status}):\n{}", read_log(log));
            }
            (get(&http, &readyz, &[]).0 == 200).then_some(())
        });
        assert!(
            ready.is_some(),
            "trellis serve was not ready in {START:?}:\n{}",
            read_log(log)
        );
        self
    }

    pub(crate) fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its log so far.
    pub(crate) fn logs(&self) -> String {
        read_log(&self.log)
    }

    /// Sends it the signal `name` (`TERM`, …).
    pub(crate) fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name}");
    }

    /// Kills it (SIGKILL: no chance to clean up) and waits until it is gone.
    pub(crate) fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Waits for it to stop by itself: its exit status. Panics, with its log, when it still
    /// runs after `limit`.
    pub(crate) fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let child = &mut self.child;
        eventually(limit, || child.try_wait().unwrap())
            .unwrap_or_else(|| panic!("trellis serve still runs after {limit:?}:\n{}", self.logs()))
    }
}

fn read_log(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

/// An HTTP client that returns every status (errors too) and follows no redirect.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// (status, headers, body); status 0 when there was no answer, the error in the body.
pub(crate) type Got = (u16, Vec<(String, String)>, String);

pub(crate) fn read(res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Got {
    match res {
        Ok(mut r) => {
            let headers = r
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                .collect();
            let status = r.status().as_u16();
            (
                status,
                headers,
                r.body_mut().read_to_string().unwrap_or_default(),
            )
        }
        Err(e) => (0, Vec::new(), e.to_string()),
    }
}

pub(crate) fn get(agent: &ureq::Agent, url: &str, headers: &[(&str, &str)]) -> Got {
    let mut req = agent.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    read(req.call())
}

pub(crate) fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Got {
    let mut req = match method {
        "POST" => agent.post(url),
        "PUT" => agent.put(url),
        _ => agent.patch(url),
    };
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    read(req.send(body))
}

pub(crate) fn header<'a>(got: &'a Got, name: &str) -> Option<&'a str> {
    got.1
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Signs up through the form of `base`: the session cookie (`trellis_session=…`).
pub(crate) fn sign_up(base: &str, email: &str) -> String {
    let got = send(
        &agent(),
        "POST",
        &format!("{base}/signup"),
        &[
            ("Origin", base),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &format!("name=Ana&email={email}&password=a+long+enough+password"),
    );
    assert_eq!(got.0, 303, "{}", got.2);
    header(&got, "set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}
