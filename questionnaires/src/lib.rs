//! The Trellis domain core: the questionnaire model and everything computed from answers.
//!
//! Pure by design: no IO, no async, no clock, no randomness. The server, the UI, the reports and
//! the starter projects all render what this crate produces.
//!
//! - [`load`] reads and validates questionnaire content (TOML), reporting every error at once;
//! - [`builtin`] is the embedded serverless review;
//! - [`parse_answers_file`] reads an answers file (TOML or JSON) against a questionnaire;
//! - [`evaluate`] turns answers into risks, scores, ranked patterns, checks, cost and a checklist;
//! - [`acceptance`] says whether a team's acceptance of a risk still covers it;
//! - [`verdict`] decides whether serverless fits and what blocks the design, by a documented rule;
//! - [`report`] gathers all of that into the one model every export renders;
//! - [`diff`] says what changed between two snapshots;
//! - [`upgrade`] carries answers to a newer version of their lens;
//! - [`scaffold`] plans a starter project: its controls, and the answers each came from;
//! - [`coverage`] finds risk rules that could fire with nothing under "How to improve";
//! - [`lens`] lints, imports and exports AWS Well-Architected custom lenses;
//! - [`excerpt`] bounds how much of an input an error message quotes.

pub mod acceptance;
pub mod answers;
pub mod builtin;
pub mod checks;
pub mod condition;
pub mod cost;
pub mod coverage;
pub mod diff;
pub mod evaluate;
pub mod excerpt;
pub mod lens;
pub mod load;
pub mod model;
pub mod recommend;
pub mod report;
pub mod scaffold;
pub mod upgrade;
pub mod verdict;

pub use answers::{
    Answer, AnswerError, AnswerValue, Answers, AnswersFile, Format, Workload, parse_answers_file,
};
pub use builtin::builtin;
pub use evaluate::{Evaluation, evaluate};
pub use load::{ContentError, LoadErrors, load};
pub use model::{Questionnaire, Risk};
