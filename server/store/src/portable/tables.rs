//! Every table `export-all` carries, with its columns, their types, its primary key and the
//! parents its columns reference, in foreign-key order (a parent before its children). The
//! export refuses a database whose tables or columns differ from this list, so a migration that
//! adds a column cannot be silently left out of the document.

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `BIGINT`: a JSON integer.
    Int,
    /// `TEXT`: a JSON string.
    Text,
}

/// One column.
#[derive(Debug)]
pub(super) struct Column {
    pub name: &'static str,
    pub kind: Kind,
    /// Whether it may be NULL (a JSON `null`).
    pub nullable: bool,
    /// The table whose `id` it references, if any.
    pub parent: Option<&'static str>,
}

/// One table.
#[derive(Debug)]
pub(super) struct Table {
    pub name: &'static str,
    /// The primary key's columns: rows are exported in this order.
    pub key: &'static [&'static str],
    pub columns: &'static [Column],
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Text,
        nullable: false,
        parent: None,
    }
}

const fn int(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Int,
        nullable: false,
        parent: None,
    }
}

impl Column {
    const fn null(self) -> Column {
        Column {
            nullable: true,
            ..self
        }
    }

    const fn of(self, parent: &'static str) -> Column {
        Column {
            parent: Some(parent),
            ..self
        }
    }
}

/// The tables, parents first.
pub(super) const TABLES: &[Table] = &[
    Table {
        name: "users",
        key: &["id"],
        columns: &[
            text("id"),
            text("email"),
            text("name"),
            text("password_hash"),
            int("is_admin"),
            int("created_at"),
        ],
    },
    Table {
        name: "teams",
        key: &["id"],
        columns: &[text("id"), text("name"), int("created_at")],
    },
    Table {
        name: "sessions",
        key: &["id"],
        columns: &[
            text("id"),
            text("secret_hash"),
            text("user_id").of("users"),
            int("created_at"),
            int("expires_at"),
        ],
    },
    Table {
        name: "memberships",
        key: &["team_id", "user_id"],
        columns: &[
            text("team_id").of("teams"),
            text("user_id").of("users"),
            text("role"),
            int("created_at"),
        ],
    },
    Table {
        name: "invites",
        key: &["id"],
        columns: &[
            text("id"),
            text("secret_hash"),
            text("team_id").of("teams"),
            text("role"),
            text("created_by"),
            int("created_at"),
            int("expires_at"),
            text("used_by").null(),
            int("used_at").null(),
            int("revoked_at").null(),
        ],
    },
    Table {
        name: "api_tokens",
        key: &["id"],
        columns: &[
            text("id"),
            text("secret_hash"),
            text("user_id").of("users"),
            text("team_id").of("teams"),
            text("name"),
            int("created_at"),
            int("last_used_at").null(),
            int("revoked_at").null(),
        ],
    },
    Table {
        name: "audit_log",
        key: &["id"],
        columns: &[
            text("id"),
            text("team_id"),
            int("at"),
            text("actor"),
            text("action"),
            text("target"),
            text("detail"),
        ],
    },
    Table {
        name: "assessments",
        key: &["id"],
        columns: &[
            text("id"),
            text("name"),
            text("description"),
            text("environment"),
            text("questionnaire_id"),
            text("questionnaire_hash"),
            int("created_at"),
            int("updated_at"),
            int("archived_at").null(),
            int("version"),
            int("revision"),
            text("team_id").null().of("teams"),
            text("started_from").null(),
        ],
    },
    Table {
        name: "answers",
        key: &["assessment_id", "question_id"],
        columns: &[
            text("assessment_id").of("assessments"),
            text("question_id"),
            text("value"),
            text("note").null(),
            text("updated_by"),
            int("updated_at"),
            int("version"),
            int("to_confirm"),
        ],
    },
    Table {
        name: "checklist_items",
        key: &["assessment_id", "item_id"],
        columns: &[
            text("assessment_id").of("assessments"),
            text("item_id"),
            text("status"),
            text("owner"),
            text("due_date").null(),
            text("updated_by"),
            int("updated_at"),
            int("version"),
        ],
    },
    Table {
        name: "risk_acceptances",
        key: &["assessment_id", "question_id"],
        columns: &[
            text("assessment_id").of("assessments"),
            text("question_id"),
            text("level"),
            text("reason"),
            text("accepted_by"),
            text("accepted_by_name"),
            int("accepted_at"),
        ],
    },
    Table {
        name: "share_links",
        key: &["id"],
        columns: &[
            text("id"),
            text("secret_hash"),
            text("assessment_id").of("assessments"),
            text("created_by"),
            int("created_at"),
            int("expires_at").null(),
            int("revoked_at").null(),
        ],
    },
    Table {
        name: "milestones",
        key: &["id"],
        columns: &[
            text("id"),
            text("assessment_id").of("assessments"),
            text("name"),
            text("created_by"),
            int("created_at"),
            text("questionnaire_hash"),
            text("answers"),
            text("evaluation"),
        ],
    },
    Table {
        name: "approvals",
        key: &["id"],
        columns: &[
            text("id"),
            text("assessment_id").of("assessments"),
            text("milestone_id").of("milestones"),
            text("approved_by"),
            text("approved_by_name"),
            int("approved_at"),
            text("verdict_status"),
            text("verdict_label"),
            text("accepted"),
        ],
    },
    Table {
        name: "evidence_imports",
        key: &["id"],
        columns: &[
            text("id"),
            text("assessment_id").of("assessments"),
            int("seq"),
            text("files"),
            text("content"),
            text("outcome"),
            text("decisions"),
            text("imported_by"),
            int("imported_at"),
        ],
    },
    Table {
        name: "comments",
        key: &["id"],
        columns: &[
            text("id"),
            text("assessment_id").of("assessments"),
            text("question_id"),
            text("author_id"),
            text("author_name"),
            text("body"),
            int("version"),
            int("created_at"),
            int("edited_at").null(),
            int("deleted_at").null(),
            text("deleted_by").null(),
        ],
    },
    Table {
        name: "mentions",
        key: &["comment_id", "user_id"],
        columns: &[
            text("comment_id").of("comments"),
            text("user_id").of("users"),
            text("assessment_id").of("assessments"),
            int("created_at"),
            int("seen_at").null(),
        ],
    },
    Table {
        name: "assignments",
        key: &["assessment_id", "scope", "target_id"],
        columns: &[
            text("assessment_id").of("assessments"),
            text("scope"),
            text("target_id"),
            text("user_id").of("users"),
            text("assigned_by"),
            int("assigned_at"),
        ],
    },
    Table {
        name: "lenses",
        key: &["id", "version"],
        columns: &[
            text("id"),
            int("version"),
            text("team_id").of("teams"),
            text("name"),
            text("hash"),
            text("source"),
            text("warnings"),
            text("created_by"),
            int("created_at"),
        ],
    },
    Table {
        name: "review_tags",
        key: &["assessment_id", "tag"],
        columns: &[text("assessment_id").of("assessments"), text("tag")],
    },
    Table {
        name: "review_summaries",
        key: &["assessment_id"],
        columns: &[
            text("assessment_id").of("assessments"),
            text("team_id").null(),
            text("name"),
            int("archived"),
            text("lens"),
            text("overall").null(),
            text("areas"),
            text("verdict_status"),
            text("verdict_label"),
            text("blockers"),
            int("high_open"),
            int("medium_open"),
            text("risks"),
            int("checklist_open"),
            text("open_items"),
            text("tags"),
            int("revision"),
            int("stale"),
            text("open_risks"),
            int("updated_at"),
        ],
    },
    Table {
        name: "milestone_scores",
        key: &["milestone_id"],
        columns: &[
            text("milestone_id").of("milestones"),
            text("assessment_id").of("assessments"),
            text("name"),
            int("created_at"),
            text("overall").null(),
        ],
    },
    Table {
        name: "webhooks",
        key: &["id"],
        columns: &[
            text("id"),
            text("team_id").of("teams"),
            text("url"),
            text("secret"),
            text("events"),
            int("enabled"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
        ],
    },
    Table {
        name: "webhook_deliveries",
        key: &["id"],
        columns: &[
            text("id"),
            text("hook_id").of("webhooks"),
            text("event_id"),
            text("event"),
            text("summary"),
            text("payload"),
            text("state"),
            int("attempts"),
            int("next_at"),
            int("lease_until"),
            text("lease_owner").null(),
            int("last_status").null(),
            text("last_error").null(),
            int("created_at"),
            int("updated_at"),
        ],
    },
    Table {
        name: "webhook_attempts",
        key: &["id"],
        columns: &[
            text("id"),
            text("delivery_id").of("webhook_deliveries"),
            text("hook_id").of("webhooks"),
            int("attempt"),
            int("status").null(),
            text("error").null(),
            int("duration_ms"),
            int("at"),
        ],
    },
    Table {
        name: "user_identities",
        key: &["issuer", "subject"],
        columns: &[
            text("issuer"),
            text("subject"),
            text("user_id").of("users"),
            text("email"),
            int("created_at"),
            int("last_sign_in_at"),
        ],
    },
    Table {
        name: "sso_memberships",
        key: &["team_id", "user_id"],
        columns: &[text("team_id").of("teams"), text("user_id").of("users")],
    },
];
