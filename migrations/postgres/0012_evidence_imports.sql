-- Evidence imports: infrastructure code (CloudFormation, SAM, CDK templates) read into a review.
-- Each row is one import: the files' names (`files`, a JSON array), what the import read
-- (`content`, the `iac::Import` JSON: answers, evidence, findings), what it did to the answers
-- (`outcome`, JSON: the questions it filled, those it found answered the same, and the drift:
-- each question answered otherwise, with the answer's version then), the team's choices on the
-- drift (`decisions`, JSON: question → accept or keep), who imported and when. `seq` orders a
-- review's imports; the highest is the one the pages show. Written in the same transaction as
-- the answers an import fills.
CREATE TABLE evidence_imports (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    files TEXT NOT NULL,
    content TEXT NOT NULL,
    outcome TEXT NOT NULL,
    decisions TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    UNIQUE (assessment_id, seq)
);
