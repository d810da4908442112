//! The writer thread on a real SQLite file: saves that wait commit as one group and are all
//! stored; a group whose `COMMIT` fails (a deferred foreign key, checked by SQLite at commit)
//! stores none of its saves and fails each; a save that fails on its own (a stale version, a
//! conflicting batch, a constraint) leaves the others of its group stored.
//!
//! Each test holds the write turn, as a write of the pool does, until every save it started
//! waits for the thread, then lets them go: they are one group.

use std::future::Future;
use std::time::{Duration, Instant};

use questionnaires::{Answer, AnswerValue, Workload};
use tokio::task::JoinHandle;

use crate::{
    AnswerWrite, AreaChange, AreaSave, BatchError, Expect, NewAssessment, Store, StoreError,
    WriterStats,
};

struct Fixture {
    store: Store,
    team: String,
    _dir: tempfile::TempDir,
}

async fn fresh() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let store = Store::connect(&url).await.unwrap();
    let (_, team) = store
        .create_user("ana@example.com", "Ana", "not-a-hash", 1)
        .await
        .unwrap();
    Fixture {
        store,
        team,
        _dir: dir,
    }
}

impl Fixture {
    async fn review(&self) -> String {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let new = NewAssessment {
            workload: Workload {
                name: "Orders".into(),
                description: String::new(),
                environment: "prod".into(),
            },
            questionnaire_id: "serverless-review".into(),
            questionnaire_hash: "abc".into(),
            team_id: self.team.clone(),
        };
        self.store.create_assessment(&new, &id, 1).await.unwrap();
        id
    }

    /// A form save of one number, at the version the page showed.
    fn save(&self, review: &str, question: &str, value: f64, version: Option<i64>) -> AreaSave {
        AreaSave {
            assessment_id: review.into(),
            team_id: Some(self.team.clone()),
            who: "ana".into(),
            now: 2,
            changes: vec![AreaChange {
                question_id: question.into(),
                answer: Some(number(value)),
                version,
                confirm: false,
                detail: format!("{value}"),
                target: question.into(),
            }],
        }
    }

    fn stats(&self) -> WriterStats {
        self.store.writer_stats().unwrap()
    }

    /// Starts every write, lets them go once all wait for the writer thread, and returns
    /// their results.
    async fn as_one_group<T, F>(&self, writes: Vec<F>) -> Vec<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let group = self.store.group.clone().unwrap();
        let held = self.store.writer.begin().await.unwrap();
        let n = writes.len() as u64;
        let tasks: Vec<JoinHandle<T>> = writes.into_iter().map(tokio::spawn).collect();
        let started = Instant::now();
        while group.waiting() < n {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{} of {n} writes reached the writer thread",
                group.waiting()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        held.rollback().await.unwrap();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    }
}

fn number(x: f64) -> Answer {
    Answer::new(AnswerValue::Number(x))
}

const QUESTIONS: [&str; 6] = [
    "peak_rps",
    "avg_rps",
    "monthly_requests",
    "p99_duration_ms",
    "avg_duration_ms",
    "latency_target_ms",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saves_that_wait_commit_as_one_group_and_every_one_is_stored() {
    let f = fresh().await;
    let shared = f.review().await;
    let mut others = Vec::new();
    for _ in 0..10 {
        others.push(f.review().await);
    }
    let mut saves = Vec::new();
    for (i, q) in QUESTIONS.iter().enumerate() {
        saves.push(f.save(&shared, q, i as f64, None));
    }
    for (i, review) in others.iter().enumerate() {
        saves.push(f.save(review, "peak_rps", i as f64, None));
    }
    let writes = saves
        .into_iter()
        .map(|save| {
            let store = f.store.clone();
            async move { store.save_area(save).await }
        })
        .collect();
    let before = f.stats();
    for saved in f.as_one_group(writes).await {
        let saved = saved.unwrap();
        assert!(saved.changed && saved.lost.is_empty(), "{saved:?}");
    }
    let stats = f.stats();
    assert_eq!(stats.groups - before.groups, 1, "{stats:?}");
    assert_eq!(stats.jobs - before.jobs, 16, "{stats:?}");
    assert_eq!(stats.largest_group, 16, "{stats:?}");

    let stored = f.store.answers(&shared).await.unwrap();
    assert_eq!(stored.len(), QUESTIONS.len());
    assert!(stored.iter().all(|a| a.version == 1));
    assert_eq!(f.store.revision(&shared).await.unwrap(), 6);
    for (i, review) in others.iter().enumerate() {
        let stored = f.store.answers(review).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].answer, number(i as f64));
    }
    assert_eq!(f.store.audit_log(&f.team, 100).await.unwrap().len(), 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_whose_commit_fails_stores_none_of_its_saves_and_fails_each() {
    let f = fresh().await;
    let reviews = [f.review().await, f.review().await];
    let group = f.store.group.clone().unwrap();
    // A write SQLite accepts until the COMMIT: a foreign key checked at commit, to a review
    // that does not exist. The COMMIT of its group fails.
    let bad = async move {
        group
            .run(|conn| {
                conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
                conn.execute(
                    "INSERT INTO answers (assessment_id, question_id, value, updated_by, updated_at, version) \
                     VALUES ('no-such-review', 'peak_rps', '1', 'x', 1, 1)",
                    [],
                )?;
                Ok::<_, StoreError>(())
            })
            .await
            .map(|()| None)
    };
    let mut writes: Vec<std::pin::Pin<Box<dyn Future<Output = _> + Send>>> = vec![Box::pin(bad)];
    for (i, q) in QUESTIONS.iter().enumerate() {
        let store = f.store.clone();
        let save = f.save(&reviews[i % 2], q, 1.0, None);
        writes.push(Box::pin(
            async move { store.save_area(save).await.map(Some) },
        ));
    }
    let before = f.stats();
    let results = f.as_one_group(writes).await;
    for result in &results {
        assert!(
            matches!(result, Err(StoreError::Write(_))),
            "a write of a failed group: {result:?}"
        );
    }
    let stats = f.stats();
    assert_eq!(stats.failed_groups - before.failed_groups, 1, "{stats:?}");
    assert_eq!(stats.groups, before.groups, "{stats:?}");
    for review in &reviews {
        assert!(f.store.answers(review).await.unwrap().is_empty());
        assert_eq!(f.store.revision(review).await.unwrap(), 0);
    }
    assert!(f.store.audit_log(&f.team, 100).await.unwrap().is_empty());

    // The connection is closed: the next save runs on a new one, and is stored.
    let saved = f
        .store
        .save_area(f.save(&reviews[0], "peak_rps", 5.0, None))
        .await
        .unwrap();
    assert!(saved.changed);
    assert_eq!(f.store.answers(&reviews[0]).await.unwrap().len(), 1);
    assert_eq!(f.stats().connections, stats.connections + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_that_fails_on_its_own_leaves_the_others_of_its_group_stored() {
    let f = fresh().await;
    let review = f.review().await;
    #[derive(Debug)]
    enum Outcome {
        Saved(Result<crate::AreaSaved, StoreError>),
        Batch(Result<crate::BatchResult, BatchError>),
    }
    let store = f.store.clone();
    let fine = f.save(&review, "peak_rps", 1.0, None);
    let stale = f.save(&review, "avg_rps", 2.0, Some(7));
    let missing = f.save("no-such-review", "peak_rps", 3.0, None);
    let writes: Vec<std::pin::Pin<Box<dyn Future<Output = Outcome> + Send>>> = vec![
        {
            let store = store.clone();
            Box::pin(async move { Outcome::Saved(store.save_area(fine).await) })
        },
        {
            let store = store.clone();
            Box::pin(async move { Outcome::Saved(store.save_area(stale).await) })
        },
        {
            let store = store.clone();
            Box::pin(async move { Outcome::Saved(store.save_area(missing).await) })
        },
        {
            let store = store.clone();
            let review = review.clone();
            Box::pin(async move {
                // Its first write would be stored; its second is stale, so neither is.
                let writes = [
                    AnswerWrite {
                        question_id: "p99_duration_ms".into(),
                        answer: Some(number(4.0)),
                        expect: Expect::Nothing,
                    },
                    AnswerWrite {
                        question_id: "avg_duration_ms".into(),
                        answer: Some(number(5.0)),
                        expect: Expect::Version(3),
                    },
                ];
                Outcome::Batch(
                    store
                        .write_answers(&review, &writes, false, "bo", 2, None)
                        .await,
                )
            })
        },
    ];
    let before = f.stats();
    let results = f.as_one_group(writes).await;
    match &results[0] {
        Outcome::Saved(Ok(saved)) => assert!(saved.changed && saved.lost.is_empty()),
        other => panic!("the good save: {other:?}"),
    }
    match &results[1] {
        Outcome::Saved(Ok(saved)) => assert_eq!(saved.lost, ["avg_rps"]),
        other => panic!("the stale save: {other:?}"),
    }
    match &results[2] {
        Outcome::Saved(Err(e)) => assert!(!e.is_storage_fault() && !e.is_unavailable(), "{e}"),
        other => panic!("the save to no review: {other:?}"),
    }
    match &results[3] {
        Outcome::Batch(Err(BatchError::Conflict(list))) => {
            assert_eq!(list, &[("avg_duration_ms".to_owned(), None)]);
        }
        other => panic!("the conflicting batch: {other:?}"),
    }
    let stats = f.stats();
    assert_eq!(stats.groups - before.groups, 1, "{stats:?}");
    assert_eq!(stats.jobs - before.jobs, 4, "{stats:?}");
    assert_eq!(stats.failed_groups, 0, "{stats:?}");
    let stored = f.store.answers(&review).await.unwrap();
    let ids: Vec<&str> = stored.iter().map(|a| a.question_id.as_str()).collect();
    assert_eq!(ids, ["peak_rps"]);
    let audit = f.store.audit_log(&f.team, 100).await.unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(f.store.revision(&review).await.unwrap(), 1);
}
