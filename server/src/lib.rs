//! The Trellis server and command-line interface.
//!
//! - [`cli`]: the `trellis` commands (`serve`, `evaluate`, `catalog`), with stable exit codes;
//! - [`web`]: the axum router, built by [`web::router`] so tests can drive it without a socket;
//! - [`catalog`]: the questionnaire and pattern catalog as a stable JSON contract;
//! - [`report`]: the Markdown rendering of an evaluation.

pub mod catalog;
pub mod cli;
pub mod report;
pub mod web;
