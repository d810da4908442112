//! What `template.yaml` needs to render the real-time broadcast's WebSocket API
//! (`patterns/realtime_broadcast.yaml`): its routes, which of them answer the client, and how
//! long each waits on the connections function.

use super::SamTemplate;

impl SamTemplate<'_> {
    /// The WebSocket routes: logical id base, route key, and whether the function's return
    /// value goes back to the client (a route response).
    pub(super) fn realtime_routes(&self) -> Vec<(&'static str, &'static str, bool)> {
        vec![
            ("Connect", "$connect", false),
            ("Disconnect", "$disconnect", false),
            ("Subscribe", "subscribe", true),
            ("SendMessage", "sendmessage", true),
            ("Ping", "ping", true),
            ("Default", "$default", true),
        ]
    }

    /// How long a route waits on the connections function: a second over its timeout, within
    /// the WebSocket API's 29 s integration limit.
    pub(super) fn realtime_integration_timeout_ms(&self) -> u32 {
        self.plan
            .function
            .timeout_s
            .saturating_mul(1000)
            .saturating_add(1000)
            .min(29_000)
    }
}
