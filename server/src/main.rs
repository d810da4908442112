//! The `trellis` binary: parses the command line and hands over to the command.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: evaluations allocate many small strings and vectors, where it is markedly faster
/// than the system allocator (see `questionnaires/benches/evaluate.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = server::cli::Cli::parse();
    server::cli::run(cli)
}
