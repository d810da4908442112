-- Approvals: an owner's sign-off of a review. Each is saved with a milestone that keeps the
-- answers and their evaluation as approved; the row records who approved (account id, and the
-- name shown then), when, the verdict at that moment, and every blocker accepted with its
-- reason (`accepted`, JSON: kind, id, title, reason), as they were then. Rows are only ever
-- inserted (and removed with their review). Whether the answers changed since is worked out
-- from the milestone when a report is made, never stored.
CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    milestone_id TEXT NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    approved_by TEXT NOT NULL,
    approved_by_name TEXT NOT NULL,
    approved_at BIGINT NOT NULL,
    verdict_status TEXT NOT NULL,
    verdict_label TEXT NOT NULL,
    accepted TEXT NOT NULL
);

CREATE INDEX approvals_by_assessment ON approvals (assessment_id, approved_at DESC);
