//! The store on a real SQLite file (and on Postgres when `TEST_POSTGRES_URL` is set):
//! versions stop lost updates, and bad writes change nothing.

use questionnaires::{Answer, AnswerValue, Workload};
use store::{AuditEntry, Current, NewAssessment, Store, StoreError, StoredAcceptance, Template};

/// A store on a fresh database: a new SQLite file, or a new Postgres database.
async fn fresh() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::database::fresh_url(dir.path()).await;
    (Store::connect(&url).await.unwrap(), dir)
}

/// A new account (and so its own team): the user's id and the team's.
async fn member(store: &Store) -> (String, String) {
    let (user, team) = store
        .create_user(
            &format!("{}@example.com", unique("u")),
            "Ana",
            "not-a-hash",
            1,
        )
        .await
        .unwrap();
    (user.id, team)
}

fn new_assessment(name: &str, team: &str) -> NewAssessment {
    NewAssessment {
        team_id: team.into(),
        workload: Workload {
            name: name.into(),
            description: "d".into(),
            environment: "prod".into(),
        },
        questionnaire_id: "serverless-review".into(),
        questionnaire_hash: "abc".into(),
    }
}

fn number(x: f64) -> Answer {
    Answer::new(AnswerValue::Number(x))
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}

#[tokio::test]
async fn assessments_are_created_listed_renamed_and_archived() {
    let (store, _dir) = fresh().await;
    let (user, team) = member(&store).await;
    let id = unique("a");
    let a = store
        .create_assessment(&new_assessment("Orders", &team), &id, 1_000)
        .await
        .unwrap();
    assert_eq!(
        (a.name.as_str(), a.version, a.created_at),
        ("Orders", 1, 1_000)
    );
    assert!(
        crate::database::all_assessments(&store, &user, false)
            .await
            .iter()
            .any(|x| x.id == id)
    );

    let renamed = store
        .update_assessment(
            &id,
            &Workload {
                name: "Order service".into(),
                ..a.workload()
            },
            1,
            2_000,
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.version),
        ("Order service", 2)
    );

    let archived = store.set_archived(&id, true, 2, 3_000).await.unwrap();
    assert_eq!(archived.archived_at, Some(3_000));
    assert!(
        !crate::database::all_assessments(&store, &user, false)
            .await
            .iter()
            .any(|x| x.id == id)
    );
    assert!(
        crate::database::all_assessments(&store, &user, true)
            .await
            .iter()
            .any(|x| x.id == id)
    );
}

#[tokio::test]
async fn a_stale_rename_is_a_conflict_and_changes_nothing() {
    let (store, _dir) = fresh().await;
    let (_user, team) = member(&store).await;
    let id = unique("a");
    let a = store
        .create_assessment(&new_assessment("Orders", &team), &id, 1)
        .await
        .unwrap();
    store
        .update_assessment(
            &id,
            &Workload {
                name: "First".into(),
                ..a.workload()
            },
            1,
            2,
        )
        .await
        .unwrap();
    let err = store
        .update_assessment(
            &id,
            &Workload {
                name: "Second".into(),
                ..a.workload()
            },
            1,
            3,
        )
        .await
        .unwrap_err();
    match err {
        StoreError::Conflict(current) => match *current {
            Current::Assessment(now) => assert_eq!(now.name, "First"),
            other => panic!("unexpected {other:?}"),
        },
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.assessment(&id).await.unwrap().name, "First");
}

#[tokio::test]
async fn two_tabs_saving_one_answer_never_overwrite_each_other_silently() {
    let (store, _dir) = fresh().await;
    let (_user, team) = member(&store).await;
    let id = unique("a");
    store
        .create_assessment(&new_assessment("Orders", &team), &id, 1)
        .await
        .unwrap();

    // Both tabs saw no answer; the first save wins, the second gets the first's value back.
    let first = store
        .save_answer(&id, "peak_rps", Some(&number(100.0)), None, "tab-a", 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.version, 1);
    let err = store
        .save_answer(&id, "peak_rps", Some(&number(900.0)), None, "tab-b", 3)
        .await
        .unwrap_err();
    let StoreError::Conflict(current) = err else {
        panic!("expected a conflict")
    };
    let Current::Answer(Some(theirs)) = *current else {
        panic!("expected the stored answer")
    };
    assert_eq!(
        (theirs.answer.value.clone(), theirs.updated_by.as_str()),
        (AnswerValue::Number(100.0), "tab-a")
    );

    // Tab B chooses its value knowingly, at the version it was shown.
    let kept = store
        .save_answer(&id, "peak_rps", Some(&number(900.0)), Some(1), "tab-b", 4)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.version, kept.answer.value),
        (2, AnswerValue::Number(900.0))
    );

    // A stale clear is refused too.
    assert!(matches!(
        store
            .save_answer(&id, "peak_rps", None, Some(1), "tab-a", 5)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        store
            .save_answer(&id, "peak_rps", None, Some(2), "tab-a", 6)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.answers(&id).await.unwrap().is_empty());
}

#[tokio::test]
async fn answers_round_trip_with_notes_and_not_applicable() {
    let (store, _dir) = fresh().await;
    let (_user, team) = member(&store).await;
    let id = unique("a");
    store
        .create_assessment(&new_assessment("Orders", &team), &id, 1)
        .await
        .unwrap();
    let na = Answer {
        value: AnswerValue::NotApplicable("no ordering".into()),
        note: Some("checked".into()),
    };
    store
        .save_answer(&id, "ordering", Some(&na), None, "me", 2)
        .await
        .unwrap();
    let all = store.answers(&id).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].answer, na);
}

fn acceptance(question: &str, reason: &str, at: i64) -> StoredAcceptance {
    StoredAcceptance {
        question_id: question.to_owned(),
        level: "medium".to_owned(),
        reason: reason.to_owned(),
        accepted_by: "u-1".to_owned(),
        accepted_by_name: "Ana".to_owned(),
        accepted_at: at,
    }
}

#[tokio::test]
async fn accepting_and_withdrawing_a_risk_log_it_and_move_the_revision_together() {
    let (store, _dir) = fresh().await;
    let (_user, team) = member(&store).await;
    let id = unique("a");
    store
        .create_assessment(&new_assessment("Orders", &team), &id, 1)
        .await
        .unwrap();
    let audit = |detail: &str| AuditEntry {
        team_id: team.clone(),
        actor: "Ana".to_owned(),
        action: "risk".to_owned(),
        target: "No budget alarm".to_owned(),
        detail: detail.to_owned(),
    };
    let before = store.revision(&id).await.unwrap();
    // Accepting again replaces the record.
    for (reason, at, detail) in [("first", 2, "accepted"), ("second", 3, "accepted again")] {
        let accepted = acceptance("iac", reason, at);
        store
            .accept_risk(&id, &accepted, Some(&audit(detail)))
            .await
            .unwrap();
    }
    let stored = store.acceptances(&id).await.unwrap();
    assert_eq!(stored, [acceptance("iac", "second", 3)]);
    assert_eq!(store.revision(&id).await.unwrap(), before + 2);
    let withdrawn = store
        .withdraw_risk(&id, "iac", Some(&audit("withdrew")), 4)
        .await
        .unwrap();
    assert_eq!(withdrawn.reason, "second");
    assert!(store.acceptances(&id).await.unwrap().is_empty());
    assert_eq!(store.revision(&id).await.unwrap(), before + 3);
    // Nothing to withdraw: not found, and nothing logged or moved.
    assert!(matches!(
        store
            .withdraw_risk(&id, "iac", Some(&audit("again")), 5)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.revision(&id).await.unwrap(), before + 3);
    let log: Vec<String> = store
        .audit_log(&team, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "risk")
        .map(|a| a.detail)
        .collect();
    assert_eq!(log, ["withdrew", "accepted again", "accepted"]);
}

#[tokio::test]
async fn duplicating_copies_answers_checklist_and_accepted_risks() {
    let (store, _dir) = fresh().await;
    let (_user, team) = member(&store).await;
    let id = unique("a");
    store
        .create_assessment(&new_assessment("Orders", &team), &id, 1)
        .await
        .unwrap();
    store
        .save_answer(&id, "peak_rps", Some(&number(5.0)), None, "me", 2)
        .await
        .unwrap();
    store
        .save_item(
            &id,
            "budget_alarm",
            "done",
            "Ana",
            Some("2026-12-01"),
            None,
            "me",
            3,
        )
        .await
        .unwrap();
    store
        .accept_risk(&id, &acceptance("iac", "Hand-made parts go next", 3), None)
        .await
        .unwrap();
    let copy_id = unique("b");
    let copy = store
        .duplicate_assessment(&id, &copy_id, "Orders (copy)", "me", 4)
        .await
        .unwrap();
    assert_eq!(copy.name, "Orders (copy)");
    assert_eq!(
        store.answers(&copy_id).await.unwrap()[0].answer.value,
        AnswerValue::Number(5.0)
    );
    assert_eq!(store.checklist(&copy_id).await.unwrap()[0].owner, "Ana");
    assert_eq!(
        store.acceptances(&copy_id).await.unwrap(),
        [acceptance("iac", "Hand-made parts go next", 3)]
    );
    assert!(matches!(
        store
            .duplicate_assessment("missing", &unique("c"), "x", "me", 5)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn checklist_items_are_versioned_and_validated_by_the_schema() {
    let (store, _dir) = fresh().await;
    let (_user, team) = member(&store).await;
    let id = unique("a");
    store
        .create_assessment(&new_assessment("Orders", &team), &id, 1)
        .await
        .unwrap();
    let item = store
        .save_item(
            &id,
            "idempotent_handlers",
            "open",
            "Bo",
            None,
            None,
            "me",
            2,
        )
        .await
        .unwrap();
    let item = store
        .save_item(
            &id,
            "idempotent_handlers",
            "done",
            "Bo",
            None,
            Some(item.version),
            "me",
            3,
        )
        .await
        .unwrap();
    assert_eq!((item.status.as_str(), item.version), ("done", 2));
    assert!(matches!(
        store
            .save_item(
                &id,
                "idempotent_handlers",
                "open",
                "Cy",
                None,
                Some(1),
                "me",
                4
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    // The schema refuses an unknown status, and nothing changes.
    assert!(
        store
            .save_item(
                &id,
                "idempotent_handlers",
                "maybe",
                "Cy",
                None,
                Some(2),
                "me",
                5
            )
            .await
            .is_err()
    );
    assert_eq!(store.checklist(&id).await.unwrap()[0].status, "done");
}

#[tokio::test]
async fn answers_to_a_missing_assessment_are_refused() {
    let (store, _dir) = fresh().await;

    assert!(
        store
            .save_answer("nope", "peak_rps", Some(&number(1.0)), None, "me", 1)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_template_is_copied_in_one_transaction_with_every_answer_to_confirm() {
    let (store, _dir) = fresh().await;
    let (_user, team) = member(&store).await;
    let source = unique("a");
    store
        .create_assessment(&new_assessment("Checkout", &team), &source, 1)
        .await
        .unwrap();
    let noted = Answer {
        note: Some("peak".into()),
        ..number(50.0)
    };
    store
        .save_answer(&source, "peak_rps", Some(&noted), None, "me", 2)
        .await
        .unwrap();
    store
        .save_item(&source, "budget_alarm", "done", "Ana", None, None, "me", 3)
        .await
        .unwrap();

    // From an assessment: its answers, notes included, each to confirm; no checklist state.
    let copy = unique("b");
    let a = store
        .create_from_template(
            &new_assessment("Payments", &team),
            &copy,
            Template::Assessment(&source),
            "Checkout",
            "you",
            4,
        )
        .await
        .unwrap();
    assert_eq!(a.started_from.as_deref(), Some("Checkout"));
    let copied = store.answers(&copy).await.unwrap();
    assert_eq!(
        (copied.len(), &copied[0].answer, copied[0].to_confirm),
        (1, &noted, true)
    );
    assert!(store.checklist(&copy).await.unwrap().is_empty());
    assert!(!store.answers(&source).await.unwrap()[0].to_confirm);

    // From a snapshot's answers.
    let snapshot = questionnaires::Answers::from([(
        questionnaires::model::QuestionId::parse("peak_rps").unwrap(),
        number(7.0),
    )]);
    let from_snapshot = unique("c");
    store
        .create_from_template(
            &new_assessment("Payments 2", &team),
            &from_snapshot,
            Template::Answers(&snapshot),
            "Checkout · milestone",
            "you",
            5,
        )
        .await
        .unwrap();
    let stored = store.answers(&from_snapshot).await.unwrap();
    assert_eq!(
        (&stored[0].answer.value, stored[0].to_confirm),
        (&AnswerValue::Number(7.0), true)
    );

    // An unknown source: nothing at all is created.
    let never = unique("d");
    assert!(matches!(
        store
            .create_from_template(
                &new_assessment("Never", &team),
                &never,
                Template::Assessment("missing"),
                "x",
                "you",
                6,
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.assessment(&never).await,
        Err(StoreError::NotFound(_))
    ));

    // A duplicate keeps the marks; confirming clears one without a new version, once.
    let twin = unique("e");
    store
        .duplicate_assessment(&copy, &twin, "Twin", "you", 7)
        .await
        .unwrap();
    assert!(store.answers(&twin).await.unwrap()[0].to_confirm);
    assert!(
        store
            .confirm_answer(&copy, "peak_rps", "you", 8)
            .await
            .unwrap()
    );
    assert!(
        !store
            .confirm_answer(&copy, "peak_rps", "you", 9)
            .await
            .unwrap()
    );
    let confirmed = &store.answers(&copy).await.unwrap()[0];
    assert_eq!(
        (
            confirmed.to_confirm,
            confirmed.version,
            confirmed.updated_at
        ),
        (false, 1, 8)
    );
    // Any save confirms too.
    store
        .save_answer(&twin, "peak_rps", Some(&noted), Some(1), "you", 10)
        .await
        .unwrap();
    assert!(!store.answers(&twin).await.unwrap()[0].to_confirm);
}

#[tokio::test]
async fn a_write_of_answers_commits_its_saves_and_audit_entries_together_or_not_at_all() {
    let (store, _dir) = fresh().await;
    let (_user, team) = member(&store).await;
    let id = unique("a");
    store
        .create_assessment(&new_assessment("Orders", &team), &id, 1)
        .await
        .unwrap();
    let revision = store.revision(&id).await.unwrap();

    // Dropped before its commit: nothing is stored, not even the audit entry.
    let mut write = store.write_answers_of(&id, 2).await.unwrap();
    assert!(
        write
            .save("peak_rps", Some(&number(1.0)), None, "me")
            .await
            .unwrap()
    );
    write
        .audit(&team, "me", "answer", "peak_rps", "1")
        .await
        .unwrap();
    drop(write);
    assert!(store.answers(&id).await.unwrap().is_empty());
    assert!(store.audit_log(&team, 10).await.unwrap().is_empty());
    assert_eq!(store.revision(&id).await.unwrap(), revision);

    // Committed: both saves, their audit entries and one more revision; a stale save in the
    // same write is refused alone.
    let mut write = store.write_answers_of(&id, 3).await.unwrap();
    for (question, x) in [("peak_rps", 5.0), ("burst_factor", 2.0)] {
        assert!(
            write
                .save(question, Some(&number(x)), None, "me")
                .await
                .unwrap()
        );
        write
            .audit(&team, "me", "answer", question, "saved")
            .await
            .unwrap();
    }
    assert!(
        !write
            .save("peak_rps", Some(&number(6.0)), Some(7), "me")
            .await
            .unwrap()
    );
    write.commit().await.unwrap();
    let answers = store.answers(&id).await.unwrap();
    assert_eq!(
        answers
            .iter()
            .map(|a| (a.question_id.as_str(), a.version))
            .collect::<Vec<_>>(),
        [("burst_factor", 1), ("peak_rps", 1)]
    );
    assert_eq!(store.audit_log(&team, 10).await.unwrap().len(), 2);
    assert!(store.revision(&id).await.unwrap() > revision);
}

#[tokio::test]
async fn concurrent_saves_all_land_at_their_versions() {
    let (store, _dir) = fresh().await;
    let (_user, team) = member(&store).await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let id = unique("a");
        store
            .create_assessment(&new_assessment(&format!("W{i}"), &team), &id, 1)
            .await
            .unwrap();
        ids.push(id);
    }
    // Eight writers at once, twenty saves each, every one at the version the last one stored.
    let writers: Vec<_> = ids
        .iter()
        .map(|id| {
            let (store, id) = (store.clone(), id.clone());
            tokio::spawn(async move {
                let mut version = None;
                for n in 0..20 {
                    let saved = store
                        .save_answer(
                            &id,
                            "peak_rps",
                            Some(&number(f64::from(n))),
                            version,
                            "me",
                            2,
                        )
                        .await
                        .unwrap()
                        .unwrap();
                    version = Some(saved.version);
                }
                version
            })
        })
        .collect();
    for writer in writers {
        assert_eq!(writer.await.unwrap(), Some(20));
    }
}

#[tokio::test]
async fn expired_sessions_are_purged_and_live_ones_kept() {
    let (store, _dir) = fresh().await;
    let (user, _) = member(&store).await;
    let (old, live) = (store::auth::new_secret("s"), store::auth::new_secret("s"));
    store.create_session(&old, &user, 1, 5_000).await.unwrap();
    store
        .create_session(&live, &user, 1, 9_000_000)
        .await
        .unwrap();
    assert_eq!(store.purge_expired_sessions(10_000).await.unwrap(), 1);
    assert_eq!(store.purge_expired_sessions(10_000).await.unwrap(), 0);
    assert!(
        store
            .session_user(&old.token, 4_000)
            .await
            .unwrap()
            .is_none(),
        "deleted"
    );
    assert!(
        store
            .session_user(&live.token, 10_000)
            .await
            .unwrap()
            .is_some()
    );
}
