-- Accepted risks: a team's recorded decision to live with the risk one question raises, at the
-- level it was raised, with why, who (account id, and the name shown then) and when. One row per
-- question of an assessment: accepting again replaces it, withdrawing deletes it. Whether it
-- still covers the risk (or has lapsed, because the risk rose above the accepted level) is
-- worked out from the answers when it is shown, never stored.
CREATE TABLE risk_acceptances (
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('high', 'medium')),
    reason TEXT NOT NULL,
    accepted_by TEXT NOT NULL,
    accepted_by_name TEXT NOT NULL,
    accepted_at BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, question_id)
);
