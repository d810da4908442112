-- Templates: a review can start from another review's answers, or from a milestone's. The
-- answers it carries over are marked until someone confirms them: any save of the question
-- clears the mark (0 or 1, a BIGINT like every flag, so the SQL stays portable).
ALTER TABLE answers ADD COLUMN to_confirm BIGINT NOT NULL DEFAULT 0;

-- What a review started from, as the label people read (for example
-- `Checkout API · milestone "Q3 review"`); NULL for a review started blank.
ALTER TABLE assessments ADD COLUMN started_from TEXT;
