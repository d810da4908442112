-- Imported AWS Well-Architected custom lenses, one row per version. A version is immutable:
-- importing a changed file adds the next version, and assessments keep the version (by its
-- content hash) they were started on. The lens JSON is kept as uploaded.
CREATE TABLE lenses (
    id TEXT NOT NULL,
    version BIGINT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    source TEXT NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE INDEX lenses_by_team ON lenses (team_id, created_at DESC);

-- The REST API pages through a team's assessments newest first (keyset: created_at, id).
CREATE INDEX assessments_by_team_created ON assessments (team_id, created_at DESC, id DESC);
