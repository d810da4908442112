//! Starter projects: renders a [`Plan`] into files with the askama templates under
//! `templates/scaffold/`, and zips them.
//!
//! [`render`] gives the exact files a zip holds, so the preview in the browser and the download
//! cannot differ. [`zip`] is deterministic (sorted entries, a fixed timestamp) and refuses a path
//! that could escape the project folder.
//!
//! - [`sam`]: the infrastructure and repository files, shared by every runtime: `template.yaml`,
//!   the state machine's ASL, `samconfig.toml`, `events/`, the README, `.checkov.yaml` and the CI
//!   workflow;
//! - [`routes`]: the starter page (choose, preview every file, share), the zip and each raw file;
//! - [`events`]: a sample event per function, which every runtime's tests read;
//! - [`python`], [`typescript`], [`rust`]: each runtime's handlers, tests and build files;
//! - [`containers`]: the whole of a containers starter (CloudFormation, Dockerfile, app, tests);
//! - [`cdk`]: with `--iac cdk`, the template above written as an AWS CDK app in `infra/`.

pub mod asl;
mod bff;
mod cdk;
mod containers;
mod dashboard;
mod day_one;
mod events;
mod python;
mod relational;
pub mod routes;
mod rust;
mod saga;
mod sam;
mod typescript;

use std::io::Write as _;

use questionnaires::scaffold::{Choice, Iac, Plan, Runtime};
use questionnaires::{Answers, Evaluation, Questionnaire, Workload};

/// One file of a starter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Its path inside the project folder, with `/` separators.
    pub path: String,
    /// Its text.
    pub contents: String,
    /// Whether it is a script to run (mode 755 in the zip).
    pub executable: bool,
}

/// A rendered starter project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Starter {
    /// The project folder's name, the zip's top-level directory.
    pub root: String,
    /// Its files, sorted by path.
    pub files: Vec<File>,
}

/// Collects rendered files.
pub(crate) struct Files(Vec<File>);

impl Files {
    /// Renders a template into `path`.
    pub(crate) fn add(
        &mut self,
        path: &str,
        template: &impl askama::Template,
    ) -> Result<(), String> {
        self.push(path, template, false)
    }

    /// Renders a template into an executable script at `path`.
    pub(crate) fn script(
        &mut self,
        path: &str,
        template: &impl askama::Template,
    ) -> Result<(), String> {
        self.push(path, template, true)
    }

    /// Adds a file whose text is already written.
    pub(crate) fn text(&mut self, path: &str, contents: String) {
        self.0.push(File {
            path: path.to_owned(),
            contents,
            executable: false,
        });
    }

    /// Takes a file out, giving its text.
    pub(crate) fn take(&mut self, path: &str) -> Option<String> {
        let i = self.0.iter().position(|f| f.path == path)?;
        Some(self.0.remove(i).contents)
    }

    fn push(
        &mut self,
        path: &str,
        template: &impl askama::Template,
        executable: bool,
    ) -> Result<(), String> {
        // askama drops a template's last newline; every text file ends with exactly one.
        let mut contents = template.render().map_err(|e| format!("{path}: {e}"))?;
        contents.truncate(contents.trim_end_matches('\n').len());
        contents.push('\n');
        self.0.push(File {
            path: path.to_owned(),
            contents,
            executable,
        });
        Ok(())
    }
}

/// Whether the functions keep a DynamoDB table of the pattern's own (items, runs, saga state,
/// events, connections, the CQRS write and read models).
fn keeps_a_table(pattern: questionnaires::scaffold::Pattern) -> bool {
    use questionnaires::scaffold::Pattern;
    matches!(
        pattern,
        Pattern::Api
            | Pattern::ScheduledJobs
            | Pattern::Saga
            | Pattern::StranglerFig
            | Pattern::EventSourcing
            | Pattern::RealtimeBroadcast
            | Pattern::CircuitBreaker
            | Pattern::Cqrs
    )
}

/// Whether the real-time broadcast's queue is FIFO (its handlers' tests differ).
fn realtime_ordered(plan: &Plan) -> bool {
    plan.realtime.as_ref().is_some_and(|r| r.ordered)
}

/// A FIFO message group or deduplication id made from an entity key or event id (the handlers
/// compute the same).
fn fifo_digest(value: &str) -> String {
    questionnaires::scaffold::fifo_digest(value)
}

/// The largest message the WebSocket routes accept, in bytes (32 KB, one frame, by default).
fn realtime_max_bytes(plan: &Plan) -> u32 {
    plan.realtime
        .as_ref()
        .map_or(32_768, |r| r.max_message_bytes)
}

/// Whether `path` stays inside the project folder: relative, `/`-separated, no empty, `.` or
/// `..` component, and only characters a file name in a starter uses.
pub fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|c| {
            !c.is_empty()
                && c != "."
                && c != ".."
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-'))
        })
}

/// Renders every file of the starter a plan describes.
pub fn render(plan: &Plan) -> Result<Starter, String> {
    let mut files = Files(Vec::new());
    if plan.pattern.containers() {
        containers::files(plan, &mut files)?;
    } else {
        sam::files(plan, &mut files)?;
        events::files(plan, &mut files)?;
        day_one::files(plan, &mut files)?;
        match plan.runtime {
            Runtime::Python => python::files(plan, &mut files)?,
            Runtime::Typescript => typescript::files(plan, &mut files)?,
            Runtime::Rust => rust::files(plan, &mut files)?,
        }
    }
    if plan.iac == Iac::Cdk {
        cdk::files(plan, &mut files)?;
    }
    let mut files = files.0;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(f) = files.iter().find(|f| !safe_path(&f.path)) {
        return Err(format!("unsafe path in a starter: {:?}", f.path));
    }
    if let Some(w) = files.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(format!("two files at {}", w[0].path));
    }
    Ok(Starter {
        // A CDK starter's name says so, so its zip and folder sit beside the SAM one's.
        root: format!(
            "{}-{}-{}{}",
            plan.project,
            plan.pattern.as_str().replace('_', "-"),
            plan.runtime.as_str(),
            match plan.iac {
                Iac::Sam => "",
                Iac::Cdk => "-cdk",
            }
        ),
        files,
    })
}

/// Plans and renders the starter of a review.
pub fn starter(
    q: &Questionnaire,
    workload: &Workload,
    answers: &Answers,
    evaluation: &Evaluation,
    choice: Choice,
) -> Result<(Plan, Starter), String> {
    let plan = questionnaires::scaffold::plan(q, workload, answers, evaluation, choice)
        .map_err(|e| e.to_string())?;
    let starter = render(&plan)?;
    Ok((plan, starter))
}

/// Zips a starter under its root folder: entries sorted, a fixed timestamp, mode 755 for
/// scripts and 644 otherwise, so the same starter always gives the same bytes.
pub fn zip(starter: &Starter) -> Result<Vec<u8>, String> {
    if !safe_path(&starter.root) || starter.root.contains('/') {
        return Err(format!("unsafe project folder name: {:?}", starter.root));
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut files: Vec<&File> = starter.files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for f in files {
        if !safe_path(&f.path) {
            return Err(format!("unsafe path in a starter: {:?}", f.path));
        }
        let mode = if f.executable { 0o755 } else { 0o644 };
        zip.start_file(
            format!("{}/{}", starter.root, f.path),
            options.unix_permissions(mode),
        )
        .map_err(|e| e.to_string())?;
        zip.write_all(f.contents.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}
