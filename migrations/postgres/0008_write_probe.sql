-- One row that `/readyz` rewrites, so readiness says whether a write can be committed right now
-- (a full disk, a failing volume) and not only whether the database answers. `pad` holds what a
-- probe writes to check that a large write fits, after a write failed.
CREATE TABLE write_probe (
    id BIGINT PRIMARY KEY,
    probed_at BIGINT NOT NULL,
    pad TEXT NOT NULL DEFAULT ''
);
INSERT INTO write_probe (id, probed_at) VALUES (1, 0);
