-- A counter that every change to an assessment bumps: its details, an answer or a checklist item.
-- A rendered page is reused while the revision it was rendered at is still current.
ALTER TABLE assessments ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
