//! The server's integration tests, in one binary: the `trellis` command line and the HTTP router.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on a broken fixture"
)]

mod access;
mod accounts_admin;
mod approvals;
mod autosave;
mod check_iac;
mod cli;
mod client;
mod database;
mod discussion;
mod echo;
mod evidence;
mod exports;
mod exports_adr;
mod faults;
mod fleet;
mod home;
mod hostile;
mod import_iac;
mod injection;
mod journey;
mod least_privilege;
mod lenses;
mod listing;
mod ops;
mod portable;
mod portfolio;
mod redirects;
mod rest;
mod rest_org;
mod risks;
mod round_trip;
mod scaffold;
mod scaffold_bff;
mod scaffold_breaker;
mod scaffold_cdk;
mod scaffold_cqrs;
mod scaffold_entry;
mod scaffold_event_sourcing;
mod scaffold_fifo;
mod scaffold_needs;
mod scaffold_realtime;
mod scaffold_relational;
mod scaffold_saga;
mod scaffold_strangler;
mod served;
mod sharing;
mod standalone;
mod store;
mod templates;
mod tracker;
mod web;
mod webhooks;
mod words;
