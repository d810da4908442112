-- Full-text search over assessment names and descriptions, kept by the database itself (so rows
-- written by any client are searchable), and the index the home page's list walks.
--
-- An FTS5 index over the assessments table itself (external content, by rowid): the triggers keep
-- it in step with every insert, rename and delete, whoever writes. unicode61 folds case and
-- splits on anything that is not a letter or digit; diacritics are kept, as on Postgres. Should it
-- ever drift (a rowid changed by hand), `INSERT INTO assessments_fts (assessments_fts) VALUES
-- ('rebuild')` rebuilds it from the table.
CREATE VIRTUAL TABLE assessments_fts USING fts5 (
    name,
    description,
    content = 'assessments',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TRIGGER assessments_fts_insert AFTER INSERT ON assessments BEGIN
    INSERT INTO assessments_fts (rowid, name, description) VALUES (new.rowid, new.name, new.description);
END;

CREATE TRIGGER assessments_fts_delete AFTER DELETE ON assessments BEGIN
    INSERT INTO assessments_fts (assessments_fts, rowid, name, description)
    VALUES ('delete', old.rowid, old.name, old.description);
END;

CREATE TRIGGER assessments_fts_update AFTER UPDATE OF name, description ON assessments BEGIN
    INSERT INTO assessments_fts (assessments_fts, rowid, name, description)
    VALUES ('delete', old.rowid, old.name, old.description);
    INSERT INTO assessments_fts (rowid, name, description) VALUES (new.rowid, new.name, new.description);
END;

INSERT INTO assessments_fts (assessments_fts) VALUES ('rebuild');

-- The home page walks each team's assessments most recently changed first (keyset: updated_at, id).
CREATE INDEX assessments_by_team_updated ON assessments (team_id, updated_at DESC, id DESC);

-- It covers the older (team_id, updated_at) index, which goes.
DROP INDEX assessments_by_team;
