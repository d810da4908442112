//! The `trellis` command line. The commands, flags and exit codes are stable contracts:
//! CI pipelines depend on them.
//!
//! Exit codes: 0 OK; 1 the `--fail-on` threshold was reached; 2 bad input (every problem is
//! listed on stderr, and nothing is written to stdout).

mod evaluate;
mod report;
mod scaffold;
mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Trellis: serverless design reviews.
#[derive(Debug, Parser)]
#[command(name = "trellis", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "TRELLIS_ADDR", default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
        /// The database: `sqlite://FILE?mode=rwc` or `postgres://USER:PASSWORD@HOST/DB`.
        #[arg(
            long,
            env = "DATABASE_URL",
            default_value = "sqlite://trellis.db?mode=rwc"
        )]
        database_url: String,
        /// Where the browser bundle (`pkg/`) was built.
        #[arg(long, env = "TRELLIS_SITE_ROOT", default_value = "target/site")]
        site_root: PathBuf,
        /// Mark the session cookie `Secure`: set it when Trellis is served over HTTPS.
        #[arg(long, env = "TRELLIS_SECURE_COOKIES")]
        secure_cookies: bool,
    },
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
    /// Print the questionnaire and pattern catalog.
    Catalog {
        /// Output format.
        #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
        format: CatalogFormat,
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
        Command::Serve {
            addr,
            database_url,
            site_root,
            secure_cookies,
        } => serve::run(serve::ServeConfig {
            addr,
            database_url,
            site_root,
            secure_cookies,
        }),
        Command::Evaluate {
            file,
            format,
            fail_on,
        } => evaluate::run(&file, format, fail_on),
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
