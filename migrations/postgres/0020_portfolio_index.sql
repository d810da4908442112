-- The portfolio filters by team and status (archived or not) and shows the most recently changed
-- first: one index answers the count and the page without reading the summaries' rows.
DROP INDEX review_summaries_by_team;
CREATE INDEX review_summaries_by_team ON review_summaries (team_id, archived, updated_at DESC, assessment_id);
