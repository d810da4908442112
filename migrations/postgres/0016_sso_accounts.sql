-- Single sign-on and the accounts an administrator runs.
--
-- instance_settings: one row, changed on the administration page: whether sign-up needs an
-- invite (after the first account), and whether passwords are off (single sign-on only).
CREATE TABLE instance_settings (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    invite_only BIGINT NOT NULL DEFAULT 0,
    sso_only BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL DEFAULT 0,
    updated_by TEXT NOT NULL DEFAULT ''
);

INSERT INTO instance_settings (id, invite_only, sso_only, updated_at, updated_by)
VALUES (1, 0, 0, 0, '');

-- An account's identity at an OpenID provider: the provider's issuer and its subject (never the
-- email alone) find the account at each sign-in.
CREATE TABLE user_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_sign_in_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);

CREATE INDEX user_identities_by_user ON user_identities (user_id);

-- Sign-ins in flight at the provider: found by the SHA-256 of their `state`, used once, and
-- short-lived. The browser holds the state in a cookie too, so a callback only completes in the
-- browser that started it.
CREATE TABLE sso_attempts (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- The memberships the groups mapping granted, so a later sign-in without the group takes them
-- back (and never a membership an owner granted by hand).
CREATE TABLE sso_memberships (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
