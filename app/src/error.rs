//! Why a server call failed, as a page shows it.
//!
//! [`Failure`] is the error type of every server function: Leptos carries it typed from the server
//! to the page (and to an island in the browser), so a page decides by status, never by the words
//! of a message. It holds only what the user may see: the server logs the cause of a 5xx where it
//! turns its own error into a `Failure` (the `server` crate's `pages` module), and sends none.

use std::fmt;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A failed server call: its HTTP status and the message for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The HTTP status (401 asks the user to sign in).
    pub status: u16,
    /// What went wrong, in the user's words.
    pub message: String,
}

impl Failure {
    /// Whether signing in would help.
    pub fn needs_sign_in(&self) -> bool {
        self.status == 401
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

impl FromServerFnError for Failure {
    type Encoder = JsonEncoding;

    /// A failure of the call itself (the network, or arguments that did not decode), not of
    /// what it asked for.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let status = match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => 400,
            ServerFnErrorErr::Request(_) => 503,
            _ => 500,
        };
        let message = match status {
            400 => format!("The request was not understood: {value}"),
            503 => "The server could not be reached. Check your connection and try again.".into(),
            _ => "Something went wrong on our side.".into(),
        };
        Failure { status, message }
    }
}
