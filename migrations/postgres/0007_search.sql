-- Full-text search over assessment names and descriptions, kept by the database itself (so rows
-- written by any client are searchable), and the index the home page's list walks.
--
-- A generated tsvector with the `simple` configuration (lower case, no stemming, no stop words).
-- Every run of characters that are not letters or digits becomes a space first, so words split
-- exactly where SQLite's unicode61 tokenizer splits them (Postgres' parser would otherwise keep
-- `a-b`, `host.name` or emails whole).
ALTER TABLE assessments ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', regexp_replace(name || ' ' || description, '[^[:alnum:]]+', ' ', 'g'))
) STORED;

CREATE INDEX assessments_search ON assessments USING GIN (search);

-- The home page walks each team's assessments most recently changed first (keyset: updated_at, id).
CREATE INDEX assessments_by_team_updated ON assessments (team_id, updated_at DESC, id DESC);

-- It covers the older (team_id, updated_at) index, which goes.
DROP INDEX assessments_by_team;
