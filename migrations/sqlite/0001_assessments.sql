-- Assessments, their answers and their checklist state. Portable SQL: the Postgres folder holds
-- the same schema. Times are unix milliseconds; answer values are JSON text.

CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    environment TEXT NOT NULL DEFAULT '',
    questionnaire_id TEXT NOT NULL,
    questionnaire_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE INDEX assessments_by_update ON assessments (updated_at DESC, id);

CREATE TABLE answers (
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    value TEXT NOT NULL,
    note TEXT,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, question_id)
);

CREATE TABLE checklist_items (
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'done', 'accepted-risk')),
    owner TEXT NOT NULL DEFAULT '',
    due_date TEXT,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, item_id)
);
