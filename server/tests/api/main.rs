//! The server's integration tests, in one binary: the `trellis` command line and the HTTP router.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on a broken fixture"
)]

mod cli;
mod journey;
mod store;
mod web;
