-- Discussion and assignment of a review.
--
-- `comments`: what members say under a question, as they wrote it (Markdown; rendered and
-- sanitized when shown). `version` moves on each edit, and an edit names the version it read, so
-- two edits of one comment cannot silently lose one. A deleted comment keeps its row (its place
-- in the thread shows "deleted") with its body emptied.
-- `mentions`: the team members a comment names with `@handle`; `seen_at` is set once the
-- member has opened their list of what needs them.
-- `assignments`: who answers an area or a question of a review (one assignee each).
-- Each write goes with its audit entry, in one transaction.
CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    edited_at BIGINT,
    deleted_at BIGINT,
    deleted_by TEXT
);

CREATE INDEX comments_by_question ON comments (assessment_id, question_id, created_at);

CREATE TABLE mentions (
    comment_id TEXT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    seen_at BIGINT,
    PRIMARY KEY (comment_id, user_id)
);

CREATE INDEX mentions_by_user ON mentions (user_id, created_at DESC);

CREATE TABLE assignments (
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('area', 'question')),
    target_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assigned_by TEXT NOT NULL,
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, scope, target_id)
);

CREATE INDEX assignments_by_user ON assignments (user_id);
