//! The `trellis` command line. The commands, flags and exit codes are stable contracts:
//! CI pipelines depend on them.
//!
//! Exit codes: 0 OK; 1 the `--fail-on` threshold was reached, or `--require-complete` met an
//! `incomplete` verdict; 2 bad input (every problem is
//! listed on stderr, and nothing is written to stdout). `export-all` and `import-all` exit 2 on a
//! bad document or a target that is not empty, and 1 when the database or a file fails.

mod check_iac;
mod evaluate;
mod import_iac;
mod lens;
mod portable;
mod push;
mod report;
mod scaffold;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// What `trellis --version` prints after the name: the version and the commit built from
/// (`server/build.rs`: `git rev-parse --short=12 HEAD`, `-dirty` when the tree had changes,
/// else `$TRELLIS_COMMIT` at build time, else `unknown`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("TRELLIS_COMMIT"),
    ")"
);

/// Trellis: serverless design reviews.
#[derive(Debug, Parser)]
#[command(name = "trellis", version = VERSION, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app.
    Serve(Box<serve::ServeArgs>),
    /// Evaluate an answers file (TOML or JSON) offline, for CI.
    Evaluate {
        /// The answers file; `.json` is read as JSON, anything else as TOML.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
        format: OutputFormat,
        /// Exit 1 when a risk (or a failing check) at this level or above is found.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        /// Exit 1 when the verdict is `incomplete` (under 80 % of the applicable questions
        /// answered).
        #[arg(long)]
        require_complete: bool,
    },
    /// Render the report of an answers file offline, in any export format.
    Report {
        /// The answers file; `.json` is read as JSON, anything else as TOML.
        file: PathBuf,
        /// The format: pdf, html, md, json, csv, adr (a zip) or backlog (a zip).
        #[arg(long, value_enum)]
        format: report::Format,
        /// Where to write it. The file appears whole or not at all.
        #[arg(long)]
        out: PathBuf,
    },
    /// Generate the starter project of an answers file offline: a directory, or a `.zip`.
    Scaffold {
        /// The answers file; `.json` is read as JSON, anything else as TOML.
        file: PathBuf,
        /// The pattern (default: the best-ranked pattern that has a starter).
        #[arg(long, value_parser = scaffold::parse_pattern)]
        pattern: Option<questionnaires::scaffold::Pattern>,
        /// The handlers' language: python, typescript or rust.
        #[arg(long, value_parser = scaffold::parse_runtime)]
        runtime: questionnaires::scaffold::Runtime,
        /// The infrastructure as code.
        #[arg(long, value_parser = scaffold::parse_iac, default_value = "sam")]
        iac: questionnaires::scaffold::Iac,
        /// A new or empty directory to write the project into, or a file ending in `.zip`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an AWS Well-Architected custom lens, or write a questionnaire as one.
    Lens {
        /// What to do with it.
        #[command(subcommand)]
        command: LensCommand,
    },
    /// Push an answers file (TOML or JSON) to a Trellis server: create the review (or update
    /// `--assessment`), store the answers, print the risks, and fail on a threshold, for CI.
    Push {
        /// The answers file; `.json` is read as JSON, anything else as TOML.
        file: PathBuf,
        /// The server, such as `https://trellis.example`.
        #[command(flatten)]
        remote: RemoteArgs,
        /// An existing review to update (its answers become the file's); default: a new one.
        #[arg(long)]
        assessment: Option<String>,
        /// The team a new review goes to (default: the token's team).
        #[arg(long)]
        team: Option<String>,
        /// Exit 1 when a risk (or a failing check) at this level or above is found.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = PushFormat::Text)]
        format: PushFormat,
    },
    /// Write the whole installation (every table) as one JSON document, to move it to another
    /// database with `import-all`, SQLite or Postgres.
    ExportAll {
        /// The database: `sqlite://FILE?mode=rwc` or `postgres://USER:PASSWORD@HOST/DB`.
        #[arg(
            long,
            env = "DATABASE_URL",
            default_value = "sqlite://trellis.db?mode=rwc"
        )]
        database_url: String,
        /// Where to write it (default: standard output). The file appears whole or not at all.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Load a document written by `export-all` into an empty database, in one transaction:
    /// all of it or, on any problem, nothing.
    ImportAll {
        /// The document; `-` reads standard input.
        file: PathBuf,
        /// The database: `sqlite://FILE?mode=rwc` or `postgres://USER:PASSWORD@HOST/DB`.
        #[arg(
            long,
            env = "DATABASE_URL",
            default_value = "sqlite://trellis.db?mode=rwc"
        )]
        database_url: String,
    },
    /// Pre-fill an answers file from CloudFormation, SAM or CDK templates and Terraform `.tf`
    /// files (files, directories or zips), with the evidence of each answer and the findings.
    ImportIac {
        /// Templates, directories of them, or zips.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The answers file's format.
        #[arg(long, value_enum, default_value_t = import_iac::ImportFormat::Json)]
        format: import_iac::ImportFormat,
        /// Where to write it (default: standard output). The file appears whole or not at all.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The workload's name (default: from the first path).
        #[arg(long)]
        workload: Option<String>,
    },
    /// Review infrastructure code in CI: import the templates, lay an answers file over them,
    /// and report template findings, failing checks and risks (text, JSON or SARIF).
    CheckIac {
        /// Templates, directories of them, or zips.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The team's answers file, laid over the imported answers (its answers win).
        #[arg(long)]
        answers: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = check_iac::CheckFormat::Text)]
        format: check_iac::CheckFormat,
        /// Exit 1 when a result at this level or above is found.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        /// Where to write it (default: standard output). The file appears whole or not at all.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the questionnaire and pattern catalog.
    Catalog {
        /// Output format.
        #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
        format: CatalogFormat,
    },
}

/// A Trellis server and an API token.
#[derive(Debug, Clone, clap::Args)]
pub struct RemoteArgs {
    /// The server's address, such as `https://trellis.example`.
    #[arg(long, env = "TRELLIS_SERVER")]
    pub server: String,
    /// An API token (make one on the server's /account page).
    #[arg(long, env = "TRELLIS_TOKEN", hide_env_values = true)]
    pub token: String,
}

impl RemoteArgs {
    fn remote(self) -> push::Remote {
        push::Remote {
            server: self.server,
            token: self.token,
        }
    }
}

/// Output of `push`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PushFormat {
    /// The review's address, its score and each risk, one per line.
    Text,
    /// The review's id and address, the workload and the full evaluation, as JSON.
    Json,
    /// The review's report, in Markdown.
    Md,
}

/// The `lens` commands.
#[derive(Debug, Subcommand)]
pub enum LensCommand {
    /// Check a lens JSON file: exit 1 when it has errors (AWS would reject it, or Trellis
    /// cannot import it); warnings (rules that can never fire, …) are printed but pass.
    Lint {
        /// The lens JSON file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = lens::LintFormat::Text)]
        format: lens::LintFormat,
    },
    /// Import a lens file into a Trellis server: a new lens of a team, or the next version of
    /// `--into`. Exit 1 when the lens has errors (nothing is imported).
    Import {
        /// The lens JSON file.
        file: PathBuf,
        /// The server and token.
        #[command(flatten)]
        remote: RemoteArgs,
        /// The team to import into (default: the token's team).
        #[arg(long)]
        team: Option<String>,
        /// A lens id: import the file as its next version.
        #[arg(long)]
        into: Option<String>,
    },
    /// Write the built-in review (or a lens file, normalised) as lens JSON AWS accepts.
    Export {
        /// A lens file to normalise instead of the built-in review.
        #[arg(long)]
        from: Option<PathBuf>,
        /// Where to write it (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Output of `evaluate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The full evaluation as JSON.
    Json,
    /// A readable Markdown summary.
    Md,
}

/// Output of `catalog`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatalogFormat {
    /// One line per area, question and pattern.
    Text,
    /// The catalog contract as JSON.
    Json,
}

/// The `--fail-on` threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// High risks and failing checks.
    High,
    /// Medium or high risks, and warning or failing checks.
    Medium,
}

/// Runs a command and returns its exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve(args) => serve::run(*args),
        Command::Evaluate {
            file,
            format,
            fail_on,
            require_complete,
        } => evaluate::run(&file, format, fail_on, require_complete),
        Command::Report { file, format, out } => report::run(&file, format, &out),
        Command::Scaffold {
            file,
            pattern,
            runtime,
            iac,
            out,
        } => scaffold::run(
            &file,
            questionnaires::scaffold::Choice {
                pattern,
                runtime,
                iac,
            },
            &out,
        ),
        Command::Lens { command } => match command {
            LensCommand::Lint { file, format } => lens::lint(&file, format),
            LensCommand::Export { from, out } => lens::export(from.as_deref(), out.as_deref()),
            LensCommand::Import {
                file,
                remote,
                team,
                into,
            } => push::import_lens(&remote.remote(), &file, team.as_deref(), into.as_deref()),
        },
        Command::Push {
            file,
            remote,
            assessment,
            team,
            fail_on,
            format,
        } => push::run(
            &remote.remote(),
            &push::Push {
                file,
                assessment,
                team,
                fail_on,
                format,
            },
        ),
        Command::ExportAll { database_url, out } => portable::export(&database_url, out.as_deref()),
        Command::ImportAll { file, database_url } => portable::import(&file, &database_url),
        Command::ImportIac {
            paths,
            format,
            out,
            workload,
        } => import_iac::run(&paths, format, out.as_deref(), workload.as_deref()),
        Command::CheckIac {
            paths,
            answers,
            format,
            fail_on,
            out,
        } => check_iac::run(&paths, answers.as_deref(), format, fail_on, out.as_deref()),
        Command::Catalog { format } => catalog(format),
    }
}

fn catalog(format: CatalogFormat) -> ExitCode {
    let q = questionnaires::builtin();
    match format {
        CatalogFormat::Json => {
            match serde_json::to_string_pretty(&crate::catalog::Catalog::of(q)) {
                Ok(s) => println!("{s}"),
                Err(e) => {
                    eprintln!("error: cannot encode the catalog: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        CatalogFormat::Text => {
            println!("{} {} ({})", q.title, q.version, q.id);
            for area in &q.areas {
                println!("\n{} [{}]", area.title, area.id);
                for &i in &area.questions {
                    let question = &q.questions[i];
                    println!("  {:<28} {}", question.id.as_str(), question.title);
                }
            }
            println!("\nPatterns");
            for p in &q.patterns {
                println!("  {:<28} {}", p.id.as_str(), p.name);
            }
        }
    }
    ExitCode::SUCCESS
}
