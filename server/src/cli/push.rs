//! `trellis push FILE --server URL --token T` and `trellis lens import FILE --server URL --token
//! T`: the REST API from CI. `push` checks an answers file, creates the review (or updates
//! `--assessment ID`), stores the answers in one request (the file replaces the review's
//! answers), fetches the evaluation, prints a summary with the review's address, and fails the
//! step as `trellis evaluate --fail-on` would. `lens import` adds a lens, or its next version.
//!
//! Exit codes: 0 OK; 1 the threshold was reached (push) or the lens has errors (import); 2 bad
//! input, or the server refused the request (its message is printed).

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use questionnaires::{Evaluation, Format, Questionnaire, Risk};
use serde_json::{Value, json};

use super::evaluate::{BAD_INPUT, THRESHOLD, reached};
use super::{FailOn, PushFormat};

/// Where and as whom.
#[derive(Debug, Clone)]
pub struct Remote {
    /// The server's base URL, such as `https://trellis.example`.
    pub server: String,
    /// An API token.
    pub token: String,
}

/// What `trellis push` was asked.
#[derive(Debug, Clone)]
pub struct Push {
    /// The answers file.
    pub file: std::path::PathBuf,
    /// An existing review to update; none: create one.
    pub assessment: Option<String>,
    /// The team a new review goes to (default: the token's).
    pub team: Option<String>,
    /// The threshold.
    pub fail_on: Option<FailOn>,
    /// The output.
    pub format: PushFormat,
}

/// A failure, with the exit code it ends with.
#[derive(Debug)]
struct Stop(u8, String);

impl Stop {
    fn input(message: impl Into<String>) -> Stop {
        Stop(BAD_INPUT, message.into())
    }
}

/// A request the server refused (`status`), or that never reached it (`status` 0).
#[derive(Debug)]
struct Refused {
    status: u16,
    message: String,
}

impl From<Refused> for Stop {
    fn from(r: Refused) -> Stop {
        Stop::input(r.message)
    }
}

/// A small blocking client for the API.
struct Client {
    agent: ureq::Agent,
    remote: Remote,
}

impl Client {
    fn new(remote: &Remote) -> Result<Client, Stop> {
        let server = remote.server.trim().trim_end_matches('/').to_owned();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(Stop::input(format!(
                "--server: `{server}` is not an http:// or https:// address"
            )));
        }
        if remote.token.trim().is_empty() {
            return Err(Stop::input(
                "--token: no API token (set --token or TRELLIS_TOKEN; make one on /account)",
            ));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .user_agent(concat!("trellis/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Client {
            agent,
            remote: Remote {
                server,
                token: remote.token.trim().to_owned(),
            },
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.remote.server)
    }

    /// Sends a request; a success's body as JSON, or the server's error message.
    fn call(&self, method: &str, path: &str, body: Option<&str>) -> Result<Value, Refused> {
        let url = self.url(path);
        let auth = format!("Bearer {}", self.remote.token);
        let sent = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
            (m, Some(body)) => {
                let req = match m {
                    "POST" => self.agent.post(&url),
                    "PUT" => self.agent.put(&url),
                    _ => self.agent.patch(&url),
                };
                req.header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .send(body)
            }
            (_, None) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .send_empty(),
        };
        let mut res = sent.map_err(|e| Refused {
            status: 0,
            message: format!("cannot reach {}: {e}", self.remote.server),
        })?;
        let status = res.status().as_u16();
        let text = res
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| Refused {
                status: 0,
                message: format!("reading the answer of {method} {path}: {e}"),
            })?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(value);
        }
        let message = value["error"]["message"]
            .as_str()
            .map_or_else(|| text.trim().chars().take(500).collect(), str::to_owned);
        let mut out = format!("{method} {path}: the server answered {status}: {message}");
        if let Some(findings) = value["error"]["details"]["findings"].as_array() {
            for f in findings {
                out.push_str(&format!("\n  {}", finding_line(f)));
            }
        }
        Err(Refused {
            status,
            message: out,
        })
    }
}

fn finding_line(f: &Value) -> String {
    let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
    let question = f["question"]
        .as_str()
        .map_or_else(String::new, |q| format!(" {q}"));
    format!(
        "{}{question}: {} [{}] at {}",
        s("severity"),
        s("message"),
        s("code"),
        s("pointer")
    )
}

/// An answers file: its text, its format, and its content as JSON whatever it was written in.
fn read_file(path: &Path) -> Result<(String, Format, Value), Stop> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Stop::input(format!("cannot read {}: {e}", path.display())))?;
    let json = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let value: Value = if json {
        serde_json::from_str(&text)
            .map_err(|e| Stop::input(format!("{} is not valid JSON: {e}", path.display())))?
    } else {
        toml::from_str(&text).map_err(|e| {
            Stop::input(format!(
                "{} is not valid TOML: {}",
                path.display(),
                e.message().trim()
            ))
        })?
    };
    let format = if json { Format::Json } else { Format::Toml };
    Ok((text, format, value))
}

/// The questionnaire a file answers: the built-in one here, or a lens as the server exports it.
fn questionnaire_of(client: &Client, id: &str) -> Result<Questionnaire, Stop> {
    let builtin = questionnaires::builtin();
    if id.is_empty() || id == builtin.id {
        return Ok(builtin.clone());
    }
    let lens = client.call(
        "GET",
        &format!("/api/v1/questionnaires/{}/lens.json", encode(id)),
        None,
    )?;
    let version = client.call(
        "GET",
        &format!("/api/v1/questionnaires/{}", encode(id)),
        None,
    )?["questionnaire"]["version"]
        .as_str()
        .unwrap_or("v1")
        .to_owned();
    questionnaires::lens::import(&lens.to_string(), id, &version)
        .map(|i| i.questionnaire)
        .map_err(|_| Stop::input(format!("the server's lens `{id}` does not import here")))
}

/// A path segment, percent-encoded.
fn encode(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'@') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn push(remote: &Remote, p: &Push) -> Result<ExitCode, Stop> {
    let client = Client::new(remote)?;
    let (text, format, file) = read_file(&p.file)?;
    let questionnaire_id = file["questionnaire"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // Checked here first, so a bad file creates nothing on the server.
    let q = questionnaire_of(&client, &questionnaire_id)?;
    let parsed = questionnaires::parse_answers_file(&text, format, &q).map_err(|errors| {
        let mut out = format!("{} has {} problem(s):", p.file.display(), errors.len());
        for e in errors {
            out.push_str(&format!("\n  {e}"));
        }
        Stop::input(out)
    })?;
    let w = &parsed.workload;
    let assessment = match &p.assessment {
        Some(id) => {
            let a = client.call("GET", &format!("/api/v1/assessments/{}", encode(id)), None)?;
            let same = a["name"] == w.name.as_str()
                && a["description"] == w.description.trim()
                && a["environment"] == w.environment.trim();
            if same {
                a
            } else {
                let body = json!({
                    "version": a["version"],
                    "name": w.name,
                    "description": w.description,
                    "environment": w.environment,
                });
                client.call(
                    "PATCH",
                    &format!("/api/v1/assessments/{}", encode(id)),
                    Some(&body.to_string()),
                )?
            }
        }
        None => {
            let mut body = json!({
                "name": w.name,
                "description": w.description,
                "environment": w.environment,
                "questionnaire": questionnaire_id,
            });
            if let Some(team) = &p.team {
                body["team"] = json!(team);
            }
            client.call("POST", "/api/v1/assessments", Some(&body.to_string()))?
        }
    };
    let id = assessment["id"]
        .as_str()
        .ok_or_else(|| Stop::input("the server's assessment has no id"))?
        .to_owned();
    let written = client.call(
        "PUT",
        &format!(
            "/api/v1/assessments/{}/answers-file?mode=replace",
            encode(&id)
        ),
        Some(&file.to_string()),
    )?;
    let evaluation_json = client.call(
        "GET",
        &format!("/api/v1/assessments/{}/evaluation", encode(&id)),
        None,
    )?;
    let evaluation: Evaluation = serde_json::from_value(evaluation_json.clone())
        .map_err(|e| Stop::input(format!("the server's evaluation is not readable: {e}")))?;
    let url = format!(
        "{}{}",
        client.remote.server,
        assessment["url"]
            .as_str()
            .map_or_else(|| format!("/assessments/{id}/results"), str::to_owned)
    );
    match p.format {
        PushFormat::Text => print!("{}", summary(&w.name, &url, &written, &evaluation)),
        PushFormat::Json => {
            let mut out = json!({
                "assessment": id,
                "url": url,
                "changed": written["changed"],
                "workload": parsed.workload,
            });
            if let (Some(o), Some(e)) = (out.as_object_mut(), evaluation_json.as_object()) {
                o.extend(e.clone());
            }
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            eprintln!("review: {url}");
        }
        PushFormat::Md => {
            let md = client.markdown(&format!("/api/v1/assessments/{}/report.md", encode(&id)))?;
            print!("{md}");
            eprintln!("review: {url}");
        }
    }
    if p.fail_on.is_some_and(|t| reached(&evaluation, t)) {
        return Ok(ExitCode::from(THRESHOLD));
    }
    Ok(ExitCode::SUCCESS)
}

impl Client {
    /// A text download.
    fn markdown(&self, path: &str) -> Result<String, Stop> {
        let mut res = self
            .agent
            .get(&self.url(path))
            .header("Authorization", &format!("Bearer {}", self.remote.token))
            .call()
            .map_err(|e| Stop::input(format!("cannot reach {}: {e}", self.remote.server)))?;
        let status = res.status().as_u16();
        let text = res
            .body_mut()
            .read_to_string()
            .map_err(|e| Stop::input(format!("reading {path}: {e}")))?;
        if (200..300).contains(&status) {
            Ok(text)
        } else {
            Err(Stop::input(format!(
                "GET {path}: the server answered {status}"
            )))
        }
    }
}

/// The text summary: where the review is, its score, and each risk by its problem.
fn summary(name: &str, url: &str, written: &Value, e: &Evaluation) -> String {
    let mut out = format!(
        "Pushed the answers of \"{name}\" ({} changed): {url}\n",
        written["changed"].as_u64().unwrap_or(0)
    );
    let high = e.risks.iter().filter(|r| r.level == Risk::High).count();
    let medium = e.risks.iter().filter(|r| r.level == Risk::Medium).count();
    out.push_str(&format!(
        "Answered {} of {} questions; score {}; {high} high and {medium} medium risk(s).\n",
        e.progress.answered,
        e.progress.applicable,
        e.scores
            .overall
            .map_or_else(|| "not yet".to_owned(), |s| format!("{s:.0}/100"))
    ));
    for r in &e.risks {
        out.push_str(&format!(
            "  {:<6} {} ({}): {}\n",
            r.level.as_str(),
            r.heading(),
            r.question,
            r.reason
        ));
    }
    out
}

/// `trellis push`.
pub(super) fn run(remote: &Remote, p: &Push) -> ExitCode {
    match push(remote, p) {
        Ok(code) => code,
        Err(Stop(code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

/// `trellis lens import FILE`: a new lens of a team, or the next version of `into`.
pub(super) fn import_lens(
    remote: &Remote,
    file: &Path,
    team: Option<&str>,
    into: Option<&str>,
) -> ExitCode {
    let result: Result<ExitCode, Stop> = (|| {
        let client = Client::new(remote)?;
        let text = std::fs::read_to_string(file)
            .map_err(|e| Stop::input(format!("cannot read {}: {e}", file.display())))?;
        let path = match (into, team) {
            (Some(id), _) => format!("/api/v1/questionnaires/{}/versions", encode(id)),
            (None, Some(team)) => format!("/api/v1/questionnaires?team={}", encode(team)),
            (None, None) => "/api/v1/questionnaires".to_owned(),
        };
        match client.call("POST", &path, Some(&text)) {
            Ok(r) => {
                let q = &r["questionnaire"];
                let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
                if r["unchanged"].as_bool() == Some(true) {
                    println!(
                        "{}: unchanged, {} {} is this file already",
                        file.display(),
                        s(&q["id"]),
                        s(&q["version"])
                    );
                } else {
                    println!(
                        "{}: imported as {} {} ({}, {} questions)",
                        file.display(),
                        s(&q["id"]),
                        s(&q["version"]),
                        s(&q["title"]),
                        q["questions"].as_u64().unwrap_or(0)
                    );
                }
                for w in r["warnings"].as_array().into_iter().flatten() {
                    println!("  {}", finding_line(w));
                }
                Ok(ExitCode::SUCCESS)
            }
            // The lens has errors: like `trellis lens lint`, exit 1.
            Err(r) if r.status == 422 => Err(Stop(1, r.message)),
            Err(r) => Err(r.into()),
        }
    })();
    match result {
        Ok(code) => code,
        Err(Stop(code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(encode("lens-abc@2"), "lens-abc@2");
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn a_bad_server_address_is_bad_input() {
        let r = Client::new(&Remote {
            server: "ftp://x".into(),
            token: "t".into(),
        });
        assert!(matches!(r, Err(Stop(BAD_INPUT, _))));
    }
}
