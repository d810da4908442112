//! Where a test's data lives: a fresh SQLite file, or, when `TEST_POSTGRES_URL` names a
//! Postgres server, a fresh database of its own on that server, so every test starts from an
//! empty installation on either backend. (`scripts/test` drops these databases before a run.)

use std::path::Path;

/// The prefix of the databases tests create on the Postgres server.
pub const PREFIX: &str = "trellis_t_";

/// A fresh, empty database for one test.
pub async fn fresh_url(dir: &Path) -> String {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(server) => fresh_postgres(&server).await,
        Err(_) => format!("sqlite://{}?mode=rwc", dir.join("trellis.db").display()),
    }
}

/// A new, empty database on the Postgres server of `server_url`; its URL.
pub async fn fresh_postgres(server_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("{PREFIX}{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(server_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    with_database(server_url, &name)
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").unwrap() + 3;
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &base[..host_end])
}

/// Whether the tests run on Postgres.
pub fn postgres() -> Option<String> {
    std::env::var("TEST_POSTGRES_URL").ok()
}

/// Every assessment a user can see (archived too when asked), most recently changed first,
/// through the list's own page query.
pub async fn all_assessments(
    store: &store::Store,
    user_id: &str,
    include_archived: bool,
) -> Vec<store::Assessment> {
    let (rows, more) = store
        .assessments_page(&store::PageQuery {
            user_id,
            team_id: None,
            include_archived,
            search: "",
            order: store::Order::Updated,
            after: None,
            limit: 1000,
        })
        .await
        .unwrap();
    assert!(!more, "a test has more than 1000 assessments");
    rows
}
