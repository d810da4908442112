-- Every open risk of a review in its summary, for the risk webhooks: `open_risks` is a JSON array
-- of the risks no acceptance covers, high and medium (question id, title, level, area title).
-- Each write compares the stored row with the one it writes and raises `risk_opened`,
-- `risk_closed` and `blockers_changed` from the difference, in its transaction. The rows here
-- have no such list yet, so they are marked stale: the server summarises them again at start,
-- and until then a write to one raises no risk or blocker events (it has no "before").
ALTER TABLE review_summaries ADD COLUMN open_risks TEXT NOT NULL DEFAULT '[]';
UPDATE review_summaries SET stale = 1;
