-- The portfolio: tags on reviews, a summary of each review, and each milestone's overall score.
--
-- `review_tags`: a review's tags, normalised (trimmed, lower case) by the server.
-- `review_summaries`: one row per review, written in the same transaction as every change that
-- alters it (answers, checklist, accepted risks, details, archive, tags, milestones): what the
-- portfolio shows without evaluating any review. Scores and verdict come from the engine, the
-- scores are decimal text (`overall`: NULL while nothing is answered), the JSON columns are arrays (`areas`: area id, title, score; `blockers`: words; `risks`: the open
-- high risks, title and area; `open_items`: open checklist items with owner and due date).
-- `revision` is the review's revision the row was computed at; `stale` = 1 while the engine has
-- not yet summarised that revision (rows added by this migration, or a write whose questionnaire
-- the server had not parsed yet): the server summarises those in the background at start.
-- `milestone_scores`: each milestone's overall score, for the trends, written with the milestone.
CREATE TABLE review_tags (
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (assessment_id, tag)
);

CREATE INDEX review_tags_by_tag ON review_tags (tag, assessment_id);

CREATE TABLE review_summaries (
    assessment_id TEXT PRIMARY KEY REFERENCES assessments (id) ON DELETE CASCADE,
    team_id TEXT,
    name TEXT NOT NULL,
    archived BIGINT NOT NULL DEFAULT 0,
    lens TEXT NOT NULL DEFAULT '',
    overall TEXT,
    areas TEXT NOT NULL DEFAULT '[]',
    verdict_status TEXT NOT NULL DEFAULT '',
    verdict_label TEXT NOT NULL DEFAULT '',
    blockers TEXT NOT NULL DEFAULT '[]',
    high_open BIGINT NOT NULL DEFAULT 0,
    medium_open BIGINT NOT NULL DEFAULT 0,
    risks TEXT NOT NULL DEFAULT '[]',
    checklist_open BIGINT NOT NULL DEFAULT 0,
    open_items TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '[]',
    revision BIGINT NOT NULL DEFAULT 0,
    stale BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);

CREATE INDEX review_summaries_by_team ON review_summaries (team_id, updated_at DESC, assessment_id);
CREATE INDEX review_summaries_stale ON review_summaries (stale, assessment_id);

INSERT INTO review_summaries (assessment_id, team_id, name, archived, revision, stale, updated_at)
SELECT id, team_id, name, CASE WHEN archived_at IS NULL THEN 0 ELSE 1 END, revision, 1, updated_at
FROM assessments;

CREATE TABLE milestone_scores (
    milestone_id TEXT PRIMARY KEY REFERENCES milestones (id) ON DELETE CASCADE,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    overall TEXT
);

CREATE INDEX milestone_scores_by_assessment ON milestone_scores (assessment_id, created_at);

INSERT INTO milestone_scores (milestone_id, assessment_id, name, created_at, overall)
SELECT id, assessment_id, name, created_at, CAST(json_extract(evaluation, '$.scores.overall') AS TEXT)
FROM milestones;
