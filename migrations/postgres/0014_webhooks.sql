-- Outbound webhooks of a team. `webhooks`: each target (an https URL), its signing secret, the
-- events it subscribes to (`events`: the names between commas, `,risk_opened,milestone_saved,`,
-- so a `LIKE` picks the hooks of an event), and whether it is on (1) or paused (0).
-- `webhook_deliveries`: the outbox. One row per event and hook, written in the same transaction
-- as the change that raised the event; `state` is `pending`, `delivered` or `failed`; a sender
-- claims a due row by setting `lease_until` (and `lease_owner`) with a conditional update, so
-- two `trellis serve` on one database never send it at once. `webhook_attempts`: each try, for
-- the delivery log (status code or error, how long it took), pruned to the newest few per hook.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhooks_team ON webhooks (team_id);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    hook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    summary TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    lease_owner TEXT,
    last_status BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (hook_id, created_at);

CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    hook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    attempt BIGINT NOT NULL,
    status BIGINT,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_hook ON webhook_attempts (hook_id, at);
