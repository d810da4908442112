//! Search by either route, on a SQLite file and (with `TEST_POSTGRES_URL`) on Postgres: a term
//! with many matches walks the list, one with few sorts its matches from the text index, and
//! both give exactly the rows a plain reading of the search promises (every word starts a word
//! of the name or description, case ignored), in list order, page after page, for whoever asks
//! and only from their teams. Also the home page's rows, whose answers and milestones are read
//! for the whole page at once, each with its own review.

use axum::http::StatusCode;
use store::{Order, PageQuery, Position, SearchRoute, Store};

/// Rows seeded: above the matches from which both backends walk (SQLite counts them, Postgres
/// estimates them after `ANALYZE`), so that `common` walks.
const ROWS: usize = 2_000;

/// A seeded assessment, as the test's own reading of the search sees it.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    name: String,
    description: String,
    team: String,
    created_at: i64,
    updated_at: i64,
    archived: bool,
}

/// The descriptions, round robin: punctuation that SQL `LIKE` or a full-text syntax would read
/// as wildcards, quotes or operators.
const DESCRIPTIONS: [&str; 6] = [
    "Costs 100% of budget, _under_ review",
    "O'Brien's \"quoted\" notes",
    "c%t and a_b; NEAR(x) OR y*",
    "plain words only",
    "Über-Zähler for caf\u{e9}s",
    "",
];

/// Three teams: Ana owns A and views B, Bob owns B, Carol owns C. (Ana, Bob, Carol, [A, B, C]).
async fn teams(store: &Store) -> (String, String, String, [String; 3]) {
    let mut users = Vec::new();
    for name in ["Ana", "Bob", "Carol"] {
        let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
        users.push(store.create_user(&email, name, "x", 1).await.unwrap());
    }
    let secret = store::auth::new_secret("inv");
    store
        .create_invite(
            &secret,
            &users[1].1,
            store::auth::Role::Viewer,
            "t",
            1,
            i64::MAX,
        )
        .await
        .unwrap();
    let (iid, invite) = store.invite(&secret.token, 2).await.unwrap().unwrap();
    store
        .accept_invite(&iid, &invite, &users[0].0.id, 3)
        .await
        .unwrap();
    let ids = [users[0].1.clone(), users[1].1.clone(), users[2].1.clone()];
    (
        users[0].0.id.clone(),
        users[1].0.id.clone(),
        users[2].0.id.clone(),
        ids,
    )
}

/// ROWS assessments over the three teams, inserted with SQL: every one has `common` in its
/// name, one in 100 `kestrel`, two `zebrafish` (in teams A and C); one in 7 is archived; the
/// times repeat, so most rows tie on time and are ordered by id.
async fn seed(url: &str, teams: &[String; 3]) -> Vec<Row> {
    let rows: Vec<Row> = (0..ROWS)
        .map(|i| {
            let bird = match i {
                _ if i % 100 == 3 => " kestrel",
                0 | 2 => " zebrafish",
                _ => "",
            };
            Row {
                id: format!("r{:04}{}", (i * 7_919) % 10_000, i % 10),
                name: format!("Service {i} common{bird}"),
                description: DESCRIPTIONS[i % DESCRIPTIONS.len()].to_owned(),
                team: teams[i % 3].clone(),
                created_at: 5_000 + (i % 37) as i64,
                updated_at: 1_000 + (i % 50) as i64,
                archived: i % 7 == 0,
            }
        })
        .collect();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    for chunk in rows.chunks(100) {
        let mut sql = String::from(
            "INSERT INTO assessments (id, name, description, environment, questionnaire_id, \
             questionnaire_hash, created_at, updated_at, archived_at, version, team_id) VALUES ",
        );
        for (j, _) in chunk.iter().enumerate() {
            let p = j * 7;
            if j > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, 'prod', 'serverless-review', 'h', ${}, ${}, ${}, 1, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7
            ));
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            query = query
                .bind(r.id.clone())
                .bind(r.name.clone())
                .bind(r.description.clone())
                .bind(r.created_at)
                .bind(r.updated_at)
                .bind(r.archived.then_some(r.updated_at))
                .bind(r.team.clone());
        }
        query.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    if url.starts_with("postgres") {
        // The planner's estimate of a term's matches comes from the column's statistics.
        sqlx::query("ANALYZE assessments")
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    rows
}

/// The words of a text as both databases split them: runs of letters and digits, lower case.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// What a search promises, read plainly: the ids of `rows` in `teams`, archived ones only when
/// asked, whose name or description has a word starting with each word searched, in `order`.
fn expected(
    rows: &[Row],
    teams: &[&str],
    archived: bool,
    search: &str,
    order: Order,
) -> Vec<String> {
    let terms = store::search_terms(search);
    let mut found: Vec<&Row> = rows
        .iter()
        .filter(|r| teams.contains(&r.team.as_str()) && (archived || !r.archived))
        .filter(|r| {
            let words = words(&format!("{} {}", r.name, r.description));
            terms
                .iter()
                .all(|t| words.iter().any(|w| w.starts_with(t.as_str())))
        })
        .collect();
    let key = |r: &Row| match order {
        Order::Updated => r.updated_at,
        Order::Created => r.created_at,
    };
    found.sort_by(|a, b| (key(b), &b.id).cmp(&(key(a), &a.id)));
    found.into_iter().map(|r| r.id.clone()).collect()
}

/// Every page of a search, `limit` at a time, as the store gives them.
async fn pages(store: &Store, query: PageQuery<'_>) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after: Option<Position> = None;
    loop {
        let (rows, more) = store
            .assessments_page(&PageQuery {
                after: after.as_ref(),
                ..query
            })
            .await
            .unwrap();
        assert!(rows.len() <= query.limit as usize);
        assert!(!more || rows.len() == query.limit as usize);
        after = rows.last().map(|a| Position {
            at: match query.order {
                Order::Updated => a.updated_at,
                Order::Created => a.created_at,
            },
            id: a.id.clone(),
        });
        seen.extend(rows.into_iter().map(|a| a.id));
        if !more {
            return seen;
        }
        assert!(seen.len() <= ROWS, "the pages never end");
    }
}

#[tokio::test]
async fn both_search_routes_give_the_promised_rows_page_after_page_to_whoever_asks() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::database::fresh_url(dir.path()).await;
    let store = Store::connect(&url).await.unwrap();
    let (ana, bob, carol, [a, b, c]) = teams(&store).await;
    let rows = seed(&url, &[a.clone(), b.clone(), c.clone()]).await;

    // A word in every row walks; rarer ones, and several words together, use the text index.
    let route = async |text: &str| store.search_route(text).await.unwrap();
    assert_eq!(route("common").await, Some(SearchRoute::Walk));
    assert_eq!(route("COMMON").await, Some(SearchRoute::Walk));
    assert_eq!(route("kestrel").await, Some(SearchRoute::Text));
    assert_eq!(route("zzzz").await, Some(SearchRoute::Text));
    assert_eq!(route("common kestrel").await, Some(SearchRoute::Text));
    assert_eq!(route("").await, None);
    assert_eq!(route(" %_'\" ").await, None);

    let searches = [
        // Many matches (the walk), at every page size.
        ("common", [7, 25, 400].as_slice()),
        ("serv", &[25]),
        ("1", &[25]),
        // Few (the text index), down to one at a time.
        ("kestrel", &[1, 4, 25]),
        ("common kestrel", &[4]),
        ("ZEBRA", &[1]),
        ("zebrafish zebrafish", &[1]),
        // None at all, and a word that starts none (an infix).
        ("zzzz", &[25]),
        ("ommon", &[25]),
        ("kestrel zzzz", &[25]),
        // Wildcards of SQL LIKE, quotes and full-text operators are only separators.
        ("100%", &[25]),
        ("_under_", &[25]),
        ("c%t", &[25]),
        ("a_b", &[25]),
        ("%", &[400]),
        ("_", &[400]),
        ("o'brien", &[25]),
        ("\"quoted\"", &[25]),
        ("'; DROP TABLE assessments; --", &[25]),
        ("near(x) OR y*", &[25]),
        ("zäh über", &[25]),
        ("CAFÉS", &[25]),
    ];
    // Who asks: a member of two teams, of one, of another, and a token limited to one team
    // (also one its user is not in: nothing).
    let askers: [(&str, Option<&str>, Vec<&str>); 5] = [
        (&ana, None, vec![&a, &b]),
        (&bob, None, vec![&b]),
        (&carol, None, vec![&c]),
        (&ana, Some(b.as_str()), vec![&b]),
        (&ana, Some(c.as_str()), vec![]),
    ];
    let mut checked = 0;
    for (search, limits) in searches {
        for (user, team, visible) in &askers {
            for order in [Order::Updated, Order::Created] {
                for archived in [false, true] {
                    let want = expected(&rows, visible, archived, search, order);
                    for &limit in limits {
                        let got = pages(
                            &store,
                            PageQuery {
                                user_id: user,
                                team_id: *team,
                                include_archived: archived,
                                search,
                                order,
                                after: None,
                                limit,
                            },
                        )
                        .await;
                        assert_eq!(
                            got, want,
                            "search {search:?}, user {user}, team {team:?}, {order:?}, \
                             archived {archived}, limit {limit}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 500);
    // The cases mean what they say: counts from the plain reading.
    let count = |s| expected(&rows, &[&a, &b, &c], true, s, Order::Updated).len();
    assert_eq!(count("common"), ROWS);
    assert_eq!(count("kestrel"), ROWS / 100);
    assert_eq!(count("zebrafish"), 2);
    assert_eq!(count("zzzz"), 0);
    assert_eq!(count("ommon"), 0);
    assert_eq!(count("c%t"), ROWS / DESCRIPTIONS.len());
}

/// The "N of M answered" of the home page row named `name`.
fn answered<'a>(home: &'a str, name: &str) -> &'a str {
    let row = &home[home.find(&format!(">{name}</a>")).unwrap()..];
    let label = &row[row.find("aria-label=\"").unwrap() + 12..];
    &label[..label.find('"').unwrap()]
}

#[tokio::test]
async fn each_home_page_row_shows_its_own_answers_and_milestones() {
    let app = crate::client::TestApp::new().await;
    let ana = app.user("Ana").await;
    let none = ana.create("No answers").await;
    let one = ana.create("One answer").await;
    let two = ana.create("Two answers").await;
    let save = async |id: &str, fields: &[(&str, &str)]| {
        crate::templates::save(&ana, id, "workload_fit", fields).await
    };
    save(&one, &[("q.peak_rps", "50"), ("v.peak_rps", "")]).await;
    save(
        &two,
        &[
            ("q.peak_rps", "70"),
            ("v.peak_rps", ""),
            ("q.traffic_shape", "spiky"),
            ("v.traffic_shape", ""),
        ],
    )
    .await;
    for (id, name) in [(&one, "M one"), (&two, "M two a"), (&two, "M two b")] {
        let r = ana
            .post("/api/create_milestone", &[("id", id), ("name", name)])
            .await;
        assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    }

    let home = ana.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    for (name, n) in [("No answers", 0), ("One answer", 1), ("Two answers", 2)] {
        let label = answered(&home.body, name);
        assert!(label.starts_with(&format!("{n} of ")), "{name}: {label}");
    }
    // The start-from choice: each review in list order, each followed by its own milestones.
    let (user, _) = app
        .store
        .user_by_email("ana@example.com")
        .await
        .unwrap()
        .unwrap();
    let mut want = Vec::new();
    for a in crate::database::all_assessments(&app.store, &user.id, true).await {
        want.push(a.id.clone());
        for m in app.store.milestones(&a.id).await.unwrap() {
            want.push(format!("{}/{}", a.id, m.id));
        }
    }
    assert_eq!(want.len(), 6);
    let options: Vec<&str> = home
        .body
        .split("<option value=\"")
        .skip(1)
        .map(|o| &o[..o.find('"').unwrap()])
        .filter(|v| {
            [&none, &one, &two]
                .iter()
                .any(|id| v.starts_with(id.as_str()))
        })
        .collect();
    assert_eq!(options, want);
    assert!(
        home.body
            .contains("Two answers: milestone \u{201c}M two b\u{201d}")
    );
    assert!(
        home.body
            .contains("One answer: milestone \u{201c}M one\u{201d}")
    );
}
