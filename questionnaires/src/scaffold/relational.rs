//! The relational API starter's plan: the Aurora PostgreSQL Serverless v2 cluster behind RDS
//! Proxy, sized so the functions can never open more connections than the proxy may hold (the
//! connection budget caps their reserved concurrency), the statement and connect timeouts that
//! keep a slow query below the function's timeout, backups and deletion protection, and the VPC
//! the functions, the proxy and the database share.
//!
//! [`plan`] adds the database's controls and replaces the generic reserved-concurrency and
//! idempotency controls: the cap comes from the connection budget, and duplicates are refused by
//! a unique constraint in the database rather than by Powertools' idempotency table.

use serde::{Deserialize, Serialize};

use super::reader::{Reader, control, quota};
use super::{Control, Handler};

/// PostgreSQL's default `max_connections` on Aurora is the instance memory divided by this many
/// bytes (at most [`MAX_CONNECTIONS_CEILING`]); a Serverless v2 instance counts the memory of
/// its maximum capacity.
const BYTES_PER_CONNECTION: u64 = 9_531_392;
const MAX_CONNECTIONS_CEILING: u32 = 5_000;
/// Memory per Aurora capacity unit.
const GIB_PER_ACU: u64 = 2;
/// The share of the database's connections the proxy may hold; the rest stays free for
/// migrations, the Data API and a person's session.
const POOL_PERCENT: u32 = 80;
/// Maximum capacities the starter chooses from, smallest first.
const ACU_STEPS: [u32; 5] = [4, 8, 16, 32, 64];
/// Lowest capacity: Serverless v2's smallest step above a pause.
const MIN_ACU: f64 = 0.5;
/// The most an Aurora automated backup is kept, in days.
const BACKUP_DAYS_MAX: u32 = 35;
/// Backups kept when the review names no point-in-time recovery.
const BACKUP_DAYS_DEFAULT: u32 = 7;
/// Concurrency the functions get when the review gives neither a cap nor a peak.
const CONCURRENCY_DEFAULT: u32 = 50;

/// The relational API's database, proxy and connection settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relational {
    /// Aurora PostgreSQL engine version.
    pub engine_version: String,
    /// Serverless v2 lowest capacity, in ACUs.
    pub min_acu: f64,
    /// Serverless v2 highest capacity, in ACUs.
    pub max_acu: u32,
    /// The database's `max_connections` at its highest capacity (PostgreSQL's default formula).
    pub max_connections: u32,
    /// The proxy's `MaxConnectionsPercent`.
    pub pool_percent: u32,
    /// Connections the proxy may open to the database.
    pub pool_connections: u32,
    /// Reserved concurrency of each function: never more than the pool, so even if every
    /// connection were pinned the database would not run out.
    pub reserved_concurrency: u32,
    /// Whether the reservation was cut to fit the pool.
    pub capped: bool,
    /// PostgreSQL `statement_timeout`, below the function's timeout.
    pub statement_timeout_ms: u32,
    /// How long a function waits for a connection to the proxy.
    pub connect_timeout_s: u32,
    /// Days of automated backups (point-in-time restore window).
    pub backup_retention_days: u32,
    /// Reader instances in other Availability Zones, the failover targets.
    pub readers: u32,
    /// The database the functions use.
    pub database: String,
    /// The database user the functions connect as (with an IAM token, through the proxy).
    pub app_user: String,
}

/// The relational API's function.
pub(super) fn handlers() -> Vec<Handler> {
    vec![Handler {
        name: "api".to_owned(),
        logical_id: "ApiFunction".to_owned(),
        purpose: "Creates an item (POST /items, once per Idempotency-Key) and reads one (GET /items/{id}) in PostgreSQL, through RDS Proxy.".to_owned(),
        // The items table's unique (caller, idempotency_key) constraint, not the idempotency table.
        idempotent: false,
    }]
}

fn ceil_u32(x: f64) -> u32 {
    x.ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// PostgreSQL's default `max_connections` for a Serverless v2 instance of `acu` at most.
pub fn max_connections(acu: u32) -> u32 {
    let bytes = u64::from(acu) * GIB_PER_ACU * 1024 * 1024 * 1024;
    u32::try_from(bytes / BYTES_PER_CONNECTION)
        .unwrap_or(u32::MAX)
        .min(MAX_CONNECTIONS_CEILING)
}

fn pool(acu: u32) -> u32 {
    max_connections(acu) * POOL_PERCENT / 100
}

/// The database's plan. `wanted` is the reserved concurrency the generic plan chose (the
/// review's cap or its peak plus a fifth), `peak` the concurrency check's peak. Pushes the
/// database's controls and replaces `reserved_concurrency` and `idempotency` in `controls`.
pub(super) fn plan(
    r: &Reader,
    timeout_s: u32,
    wanted: Option<u32>,
    peak: Option<u32>,
    controls: &mut Vec<Control>,
) -> Relational {
    let q = r.q;
    let answered_cap = r.number("reserved_concurrency").filter(|n| *n > 0.0);
    let wanted_n = wanted
        .or_else(|| peak.map(|p| ceil_u32(f64::from(p) * 1.2).max(5)))
        .unwrap_or(CONCURRENCY_DEFAULT);
    // The smallest ceiling whose pool holds every function environment's connection.
    let max_acu = ACU_STEPS
        .into_iter()
        .find(|a| pool(*a) >= wanted_n)
        .unwrap_or(ACU_STEPS[ACU_STEPS.len() - 1]);
    let pool_connections = pool(max_acu);
    let reserved = wanted_n.min(pool_connections);
    let account = ceil_u32(quota(q, "lambda_concurrency"));
    let statement_timeout_ms = (timeout_s * 1000 * 2 / 3 / 100 * 100).max(1000);
    let connect_timeout_s = (timeout_s / 3).clamp(1, 5);
    let pitr = r.is("backups", "pitr");
    let backup_retention_days = if pitr {
        BACKUP_DAYS_MAX
    } else {
        BACKUP_DAYS_DEFAULT
    };
    let rel = Relational {
        engine_version: "17.7".to_owned(),
        min_acu: MIN_ACU,
        max_acu,
        max_connections: max_connections(max_acu),
        pool_percent: POOL_PERCENT,
        pool_connections,
        reserved_concurrency: reserved,
        capped: reserved < wanted_n,
        statement_timeout_ms,
        connect_timeout_s,
        backup_retention_days,
        readers: 1,
        database: "app".to_owned(),
        app_user: "app".to_owned(),
    };

    controls.push(control(
        "database",
        "Database",
        format!(
            "Aurora PostgreSQL {} Serverless v2, {}–{} ACU, a writer and {} reader in another Availability Zone; storage encrypted; Data API on for migrations",
            rel.engine_version, rel.min_acu, rel.max_acu, rel.readers
        ),
        format!(
            "The data has joins and ad hoc queries, so it is relational; Serverless v2 follows {} load instead of a fixed instance, and Aurora (not RDS PostgreSQL) gives the Data API, so migrations run over HTTPS without a path into the VPC. The reader takes over in about half a minute if the writer fails. It does not pause at zero: the proxy's open connections keep it awake, and the first query after a pause takes seconds.",
            if r.is("traffic_shape", "business_hours") {
                "the working day's"
            } else if r.is("traffic_shape", "spiky") {
                "the bursts'"
            } else {
                "the"
            }
        ),
        r.origins(&["data_store", "query_patterns", "traffic_shape"]),
    ));
    controls.push(control(
        "connection_budget",
        "Connection budget",
        format!(
            "max_connections about {} at {} ACU; RDS Proxy MaxConnectionsPercent: {} ({} connections); ReservedConcurrency: {} (a parameter the prod deployment sets)",
            rel.max_connections, rel.max_acu, rel.pool_percent, rel.pool_connections, rel.reserved_concurrency
        ),
        format!(
            "{}Each function environment holds one connection, opened outside the handler and reused. {} {}The proxy keeps {} % of the database's connections and leaves the rest for migrations and people; the functions' cap is never above the proxy's share, so even with every connection pinned the database cannot run out. Lambda's account default is {account} concurrent executions for everything in the Region.",
            if r.is("db_connections", "direct_many_functions") || r.is("db_connections", "direct_few_functions") {
                "The review's functions connect directly today; here every connection goes through RDS Proxy's pool. "
            } else if r.is("db_connections", "data_api") || r.is("db_connections", "dsql") {
                "The review avoids connection pools (Data API or DSQL); this starter keeps Aurora PostgreSQL behind RDS Proxy, with the Data API on for migrations. "
            } else {
                ""
            },
            match (answered_cap, peak) {
                (Some(n), _) => format!("The review caps the functions at {n}."),
                (None, Some(p)) => format!("The concurrency check's peak is {p} executions, plus a fifth."),
                (None, None) => format!("No peak rate and duration given: {CONCURRENCY_DEFAULT}."),
            },
            if rel.capped {
                format!("That is more than {} ACU's pool, so the cap is cut to {}. ", rel.max_acu, rel.reserved_concurrency)
            } else {
                format!("{} ACU is the smallest ceiling whose pool holds that. ", rel.max_acu)
            },
            rel.pool_percent,
        ),
        r.origins(&[
            "db_connections",
            "reserved_concurrency",
            "downstream_protection",
            "peak_rps",
            "avg_duration_ms",
        ]),
    ));
    controls.push(control(
        "db_timeouts",
        "Query and connection timeouts",
        format!(
            "statement_timeout: {} ms on the app role (migrations/001_items.sql); connect timeout: {} s; function Timeout: {} s",
            rel.statement_timeout_ms, rel.connect_timeout_s, timeout_s
        ),
        "PostgreSQL cancels a statement at two thirds of the function's timeout, so a slow query fails with an error the handler reports and releases its locks, instead of the function being killed mid-transaction.".to_owned(),
        r.origins(&["timeouts", "p99_duration_ms"]),
    ));
    controls.push(control(
        "db_auth",
        "Database authentication",
        format!(
            "IAM authentication to RDS Proxy (RequireTLS, IAMAuth: REQUIRED); rds-db:connect on the proxy's resource id and user {} only; the master password managed by RDS in Secrets Manager",
            rel.app_user
        ),
        if r.is("secrets_handling", "secrets_manager") {
            "As the review keeps credentials in Secrets Manager, but the functions never read a password: each connection carries a 15-minute IAM token signed in the function, and only the proxy reads the app user's secret.".to_owned()
        } else {
            "No password in the code or its environment: each connection carries a 15-minute IAM token signed in the function; only the proxy reads the app user's secret, and RDS manages and rotates the master password.".to_owned()
        },
        r.origins(&["secrets_handling", "db_connections"]),
    ));
    controls.push(control(
        "backups",
        "Backups and deletion",
        format!(
            "BackupRetentionPeriod: {backup_retention_days} days (point-in-time restore); DeletionProtection: true; DeletionPolicy: Snapshot"
        ),
        format!(
            "{}{}",
            if pitr {
                "The review restores to a point in time: Aurora keeps the longest window it allows."
            } else if r.answered("backups") {
                "The review has no point-in-time recovery on the database: the starter keeps a week of it."
            } else {
                "A week of point-in-time restore; lengthen it to match the recovery point the business needs."
            },
            if r.is("backups", "copies_elsewhere") {
                " Copies in another account belong to the organisation's AWS Backup plan, not to this stack; add the cluster to it."
            } else {
                " A deleted stack leaves a final snapshot, and deletion protection must be turned off first."
            }
        ),
        r.origins(&["backups", "dr_objectives"]),
    ));
    controls.push(control(
        "network",
        "Network",
        "A VPC over two Availability Zones with private subnets only (no NAT gateway, no internet route); security groups: function → proxy on 5432, proxy → database on 5432, nothing else".to_owned(),
        if r.is("vpc_networking", "vpc_nat") {
            "The review routes through a NAT gateway, but these functions need nothing outside the VPC: the IAM token is signed locally, and logs and traces leave through Lambda itself. Add a NAT gateway or an endpoint only when the code calls another AWS API.".to_owned()
        } else {
            "The proxy must sit in the database's VPC, so the functions do too. They need nothing outside it (the IAM token is signed locally; logs and traces leave through Lambda itself), so there is no NAT gateway to pay for; add an interface endpoint when the code calls another AWS API.".to_owned()
        },
        r.origins(&["vpc_networking"]),
    ));

    let reserved_control = controls.iter().position(|c| c.id == "reserved_concurrency");
    if let Some(i) = reserved_control {
        controls.remove(i);
    }
    let idempotency = control(
        "idempotency",
        "Idempotency",
        "items.UNIQUE (caller, idempotency_key): INSERT … ON CONFLICT DO NOTHING; a repeat returns the first item, the same key with another body gets 422".to_owned(),
        if r.is("duplicate_sensitivity", "harmless") {
            "Duplicates are harmless here, but the constraint costs nothing and lets clients retry a timed-out POST safely.".to_owned()
        } else {
            "A retried POST must not create a second row: the key and the row are written in one statement, so no second store can disagree with the database.".to_owned()
        },
        r.origins(&["duplicate_sensitivity", "idempotency"]),
    );
    for c in controls.iter_mut() {
        if c.id == "idempotency" {
            *c = idempotency.clone();
        }
    }
    rel
}

#[cfg(test)]
mod tests {
    #[test]
    fn max_connections_follows_postgresql_s_formula() {
        // 4 ACU is 8 GiB: 8,589,934,592 / 9,531,392 = 901.
        assert_eq!(super::max_connections(4), 901);
        assert_eq!(super::max_connections(64), 5_000);
    }
}
