-- An owner can take back an invite nobody has used yet: a revoked invite opens nothing, and the
-- team page lists only the invites still waiting (by team, newest first).
ALTER TABLE invites ADD COLUMN revoked_at BIGINT;

CREATE INDEX invites_by_team ON invites (team_id, created_at DESC);
