//! A full disk, for real: a `trellis serve` whose database lives on a small file system of its
//! own (a tmpfs that `scripts/test` mounts), filled until writes fail, then freed. Every write
//! the server acknowledged must be stored after a restart, none it refused may be, readiness must
//! follow whether writes can commit, and writes must work again once there is room — on SQLite,
//! and on Postgres with the database in a tablespace on the small file system.
//!
//! These tests need the file systems, so they are `#[ignore]`d in a plain `cargo test`;
//! `scripts/test` mounts them and runs them with `--ignored`, where a missing mount fails.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::served::{Served, agent, eventually, get, header, send, sign_up};

/// Rounds of fill, fail, free and restart per test.
const ROUNDS: usize = 5;

/// Number questions the write-load tests write to (here each write with a note of about 4 KB).
pub(crate) const QUESTIONS: [&str; 6] = [
    "peak_rps",
    "avg_rps",
    "monthly_requests",
    "p99_duration_ms",
    "avg_duration_ms",
    "latency_target_ms",
];

fn small_fs(var: &str) -> PathBuf {
    let dir = std::env::var_os(var).unwrap_or_else(|| {
        panic!("{var} is not set: it names a directory on a small file system (scripts/test mounts one)")
    });
    PathBuf::from(dir)
}

/// The file that fills a file system, deleted when dropped (a failed test leaves no full disk).
struct Filler(PathBuf);

impl Drop for Filler {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Fills the file system of `filler` with it until it is full, then frees `leave` bytes.
fn fill(filler: &Path, leave: u64) -> Filler {
    let guard = Filler(filler.to_owned());
    let mut file = std::fs::File::create(filler).unwrap();
    let chunk = vec![0x5a_u8; 16 * 1024];
    let mut written = 0u64;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling {}: {e}", filler.display()),
        }
    }
    // Whatever part of the last chunk fit is in `written`; flush it to the file system.
    let _ = file.flush();
    file.set_len(written.saturating_sub(leave)).unwrap();
    file.sync_all().unwrap();
    guard
}

/// What the test client saw for one question: the last write the server acknowledged (its
/// version and note), and the notes of the writes it refused since.
#[derive(Default, Debug)]
struct Seen {
    acked: Option<(i64, String)>,
    refused: Vec<String>,
}

struct Round<'a> {
    base: String,
    cookie: String,
    id: String,
    seen: BTreeMap<&'a str, Seen>,
    writes: usize,
}

impl Round<'_> {
    fn headers(&self) -> [(&str, &str); 3] {
        [
            ("Cookie", self.cookie.as_str()),
            ("Origin", self.base.as_str()),
            ("Content-Type", "application/json"),
        ]
    }

    /// One write of about 4 KB to question `q`: true when acknowledged, false when refused with
    /// 507, or with 503 where the database refused a new connection (Postgres cannot start a
    /// session on a full disk); anything else fails the test.
    fn write(&mut self, q: &'static str) -> bool {
        self.writes += 1;
        let note = format!("write {} {}", self.writes, "x".repeat(4000));
        let seen = self.seen.entry(q).or_default();
        let mut body = json!({"value": self.writes, "note": note});
        if let Some((v, _)) = &seen.acked {
            body["version"] = json!(v);
        }
        let url = format!("{}/api/v1/assessments/{}/answers/{q}", self.base, self.id);
        let headers = [
            ("Cookie", self.cookie.as_str()),
            ("Origin", self.base.as_str()),
            ("Content-Type", "application/json"),
        ];
        let got = send(&agent(), "PUT", &url, &headers, &body.to_string());
        match got.0 {
            200 => {
                let v: Value = serde_json::from_str(&got.2).unwrap();
                seen.acked = Some((v["version"].as_i64().unwrap(), note));
                true
            }
            507 | 503 => {
                let e: Value = serde_json::from_str(&got.2).unwrap();
                let code = if got.0 == 507 {
                    "insufficient_storage"
                } else {
                    "unavailable"
                };
                assert_eq!(e["error"]["code"], code, "{e}");
                seen.refused.push(note);
                false
            }
            other => panic!("a write answered {other}, not 200 or 507: {}", got.2),
        }
    }

    /// Checks what the server at `base` stores against what it acknowledged.
    fn check_stored(&self, base: &str) {
        let got = get(
            &agent(),
            &format!("{base}/api/v1/assessments/{}/answers", self.id),
            &[("Cookie", &self.cookie)],
        );
        assert_eq!(got.0, 200, "{}", got.2);
        let stored: Value = serde_json::from_str(&got.2).unwrap();
        let items = stored["items"].as_array().unwrap();
        for (q, seen) in &self.seen {
            let answer = items.iter().find(|a| a["question_id"] == *q);
            match (&seen.acked, answer) {
                (None, None) => {}
                (None, Some(a)) => panic!("{q}: no write was acknowledged, but {a} is stored"),
                (Some(_), None) => panic!("{q}: an acknowledged write is gone"),
                (Some((version, note)), Some(a)) => {
                    assert_eq!(a["version"].as_i64(), Some(*version), "{q}: version");
                    assert_eq!(
                        a["note"],
                        note.as_str(),
                        "{q}: not the last acknowledged write"
                    );
                    let stored_note = a["note"].as_str().unwrap_or_default();
                    assert!(
                        !seen.refused.iter().any(|r| r == stored_note),
                        "{q}: a refused write is stored"
                    );
                }
            }
        }
    }
}

fn ready_status(base: &str) -> u16 {
    get(&agent(), &format!("{base}/readyz"), &[]).0
}

/// One round: fill, write until three writes were refused, check readiness and a refused
/// sign-up, free, write again, kill -9, restart and compare what is stored.
fn round(url: &str, logs: &Path, filler: &Path, name: &str) -> (usize, usize) {
    let served = Served::start(url, logs, &format!("{name}-before")).ready();
    let base = served.base();
    let cookie = sign_up(&base, "ana@example.com");
    let mut r = Round {
        base: base.clone(),
        cookie,
        id: String::new(),
        seen: BTreeMap::new(),
        writes: 0,
    };
    let created = send(
        &agent(),
        "POST",
        &format!("{base}/api/v1/assessments"),
        &r.headers(),
        &json!({"name": "Disk", "environment": "prod"}).to_string(),
    );
    assert_eq!(created.0, 201, "{}", created.2);
    r.id = serde_json::from_str::<Value>(&created.2).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let filler = fill(filler, 256 * 1024);
    let mut refused = 0;
    let mut acked = 0;
    while refused < 3 {
        let q = QUESTIONS[r.writes % QUESTIONS.len()];
        if r.write(q) {
            acked += 1;
        } else {
            refused += 1;
        }
        assert!(r.writes < 5_000, "5,000 writes and the disk never filled");
    }
    // Full: not ready. A sign-up is either stored (a small write may still fit) or refused
    // with 507 and no cookie, never handed a cookie for an account that was not stored.
    assert_eq!(ready_status(&base), 503, "ready while writes fail");
    let signup = send(
        &agent(),
        "POST",
        &format!("{base}/signup"),
        &[
            ("Origin", base.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        "name=Bo&email=bo%40example.com&password=a+long+enough+password",
    );
    let cookie = header(&signup, "set-cookie")
        .filter(|c| c.contains("trellis_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    let full_signup = match signup.0 {
        303 => Some(cookie.expect("a sign-up acknowledged without a session cookie")),
        507 | 503 => {
            assert!(cookie.is_none(), "a session cookie on a refused sign-up");
            None
        }
        other => panic!(
            "a sign-up on a full disk answered {other}: {}\n{}",
            signup.2,
            served.logs()
        ),
    };
    drop(filler);
    let ready = eventually(Duration::from_secs(20), || {
        (ready_status(&base) == 200).then_some(())
    });
    assert!(
        ready.is_some(),
        "not ready 20 s after the disk was freed:\n{}",
        served.logs()
    );
    for _ in 0..12 {
        let q = QUESTIONS[r.writes % QUESTIONS.len()];
        assert!(r.write(q), "a write failed after the disk was freed");
        acked += 1;
    }
    let bo = full_signup.unwrap_or_else(|| sign_up(&base, "bo@example.com"));
    let mine = get(
        &agent(),
        &format!("{base}/api/v1/assessments"),
        &[("Cookie", &bo)],
    );
    assert_eq!(mine.0, 200, "the new account's session works: {}", mine.2);
    r.check_stored(&base);

    let mut served = served;
    served.kill();
    let after = Served::start(url, logs, &format!("{name}-after")).ready();
    r.check_stored(&after.base());
    let bo_after = get(
        &agent(),
        &format!("{}/api/v1/assessments", after.base()),
        &[("Cookie", &bo)],
    );
    assert_eq!(
        bo_after.0, 200,
        "the account made after the fault survives a restart"
    );
    (acked, refused)
}

#[test]
#[ignore = "needs a small file system: scripts/test mounts one and runs this with --ignored"]
fn sqlite_on_a_full_disk_loses_no_acknowledged_write() {
    let fs = small_fs("TRELLIS_SMALL_FS");
    let logs = tempfile::tempdir().unwrap();
    for n in 0..ROUNDS {
        let dir = fs.join(format!("round-{n}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/trellis.db?mode=rwc", dir.display());
        let (acked, refused) = round(&url, logs.path(), &fs.join("filler"), &format!("r{n}"));
        eprintln!(
            "round {n}: {acked} writes acknowledged and stored, {refused} refused and absent"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
#[ignore = "needs Postgres and a small file system: scripts/test sets both up and runs this with --ignored"]
fn postgres_on_a_full_tablespace_loses_no_acknowledged_write() {
    let server = crate::database::postgres()
        .expect("TEST_POSTGRES_URL is not set: this test needs a Postgres server");
    // A directory the postgres user owns, on a small file system: the tablespace.
    let fs = small_fs("TRELLIS_SMALL_FS_PG");
    let space = fs.join("tablespace");
    let logs = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    for n in 0..ROUNDS {
        let url = rt.block_on(async {
            use sqlx::{Connection, Executor};
            let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
            let exists = sqlx::query("SELECT 1 FROM pg_tablespace WHERE spcname = 'trellis_small'")
                .fetch_optional(&mut admin)
                .await
                .unwrap()
                .is_some();
            // Databases an earlier, failed run left in the tablespace would fill it.
            let left: Vec<(String,)> = sqlx::query_as(
                "SELECT datname FROM pg_database WHERE dattablespace = \
                 (SELECT oid FROM pg_tablespace WHERE spcname = 'trellis_small')",
            )
            .fetch_all(&mut admin)
            .await
            .unwrap();
            for (db,) in left {
                admin
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE {db} WITH (FORCE)"
                    )))
                    .await
                    .unwrap();
            }
            if !exists {
                admin
                    .execute(sqlx::AssertSqlSafe(format!(
                        "CREATE TABLESPACE trellis_small LOCATION '{}'",
                        space.display()
                    )))
                    .await
                    .unwrap();
            }
            let name = format!(
                "{}{}",
                crate::database::PREFIX,
                uuid::Uuid::new_v4().simple()
            );
            admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "CREATE DATABASE {name} TABLESPACE trellis_small"
                )))
                .await
                .unwrap();
            (crate::database::with_database(&server, &name), name)
        });
        let (url, name) = url;
        let (acked, refused) = round(&url, logs.path(), &fs.join("filler"), &format!("p{n}"));
        eprintln!(
            "round {n}: {acked} writes acknowledged and stored, {refused} refused and absent"
        );
        rt.block_on(async {
            use sqlx::{Connection, Executor};
            let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
            admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE {name} WITH (FORCE)"
                )))
                .await
                .unwrap();
        });
    }
}
