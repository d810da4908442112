-- Milestones: named, immutable snapshots of an assessment's answers and their evaluation, as
-- JSON. Rows are only ever inserted (and removed with their assessment).
CREATE TABLE milestones (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    questionnaire_hash TEXT NOT NULL,
    answers TEXT NOT NULL,
    evaluation TEXT NOT NULL
);

CREATE INDEX milestones_by_assessment ON milestones (assessment_id, created_at DESC);
