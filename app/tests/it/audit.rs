//! The audit log: chained on write, append-only, and tampering is found by `verify`.

use app::audit::{
    service::{record, verify, Verification},
    Actor, AuditAction, AuditEvent,
};

use crate::support::TestDb;

fn event(n: i64) -> AuditEvent {
    AuditEvent::new(Actor::System, AuditAction::MigrationsApplied)
        .target("test", n.to_string())
        .metadata(serde_json::json!({ "n": n, "note": "ünïcode and \"quotes\"" }))
        .origin(Some("203.0.113.7".parse().unwrap()), Some("Mozilla/5.0 (test)"))
}

async fn verdict(db: &TestDb) -> Verification {
    let mut conn = db.app.acquire().await.unwrap();
    verify(&mut conn).await.unwrap()
}

/// The first broken entry and why, or a panic if the log verifies.
async fn broken(db: &TestDb) -> (i64, &'static str) {
    match verdict(db).await {
        Verification::Broken {
            first_bad_id, reason, ..
        } => (first_bad_id, reason),
        intact => panic!("tampering went unnoticed: {intact:?}"),
    }
}

async fn record_n(db: &TestDb, n: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let mut conn = db.app.acquire().await.unwrap();
        ids.push(record(&mut conn, event(i)).await.unwrap());
    }
    ids
}

/// Runs `sql` as the owner with the append-only triggers off, as an attacker with the owner's
/// credentials could.
async fn tamper(db: &TestDb, sql: &str) {
    let mut tx = db.owner.begin().await.unwrap();
    sqlx::query("alter table audit_log disable trigger audit_log_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::raw_sql(sql).execute(&mut *tx).await.unwrap();
    sqlx::query("alter table audit_log enable trigger audit_log_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn entries_are_chained_and_verify() {
    let db = TestDb::new().await;
    let ids = record_n(&db, 5).await;
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(verdict(&db).await, Verification::Intact { rows: 5 });
    let (action, ip, target): (String, String, String) =
        sqlx::query_as("select action, ip, target_id from audit_log where id = $1")
            .bind(ids[2])
            .fetch_one(&db.app)
            .await
            .unwrap();
    assert_eq!(
        (action.as_str(), ip.as_str(), target.as_str()),
        ("system.migrations_applied", "203.0.113.7", "2")
    );
}

#[tokio::test]
async fn the_log_is_append_only_for_the_app_and_the_owner() {
    let db = TestDb::new().await;
    let id = record_n(&db, 1).await[0];
    for pool in [&db.app, &db.owner] {
        for sql in [
            "update audit_log set action = 'x.y' where id = $1",
            "delete from audit_log where id = $1",
        ] {
            let err = sqlx::query(sql).bind(id).execute(pool).await.unwrap_err().to_string();
            assert!(
                err.contains("append-only") || err.contains("permission denied"),
                "{sql}: {err}"
            );
        }
    }
    // CASCADE gets past the activity table's foreign key, to the trigger.
    let err = sqlx::query("truncate audit_log cascade")
        .execute(&db.owner)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("append-only"), "{err}");
    assert_eq!(verdict(&db).await, Verification::Intact { rows: 1 });
}

#[tokio::test]
async fn an_edited_entry_is_found() {
    let db = TestDb::new().await;
    let ids = record_n(&db, 4).await;
    tamper(
        &db,
        &format!("update audit_log set metadata = '{{\"n\": 99}}' where id = {}", ids[1]),
    )
    .await;
    let (first_bad_id, reason) = broken(&db).await;
    assert_eq!(first_bad_id, ids[1]);
    assert!(reason.contains("edited"));
}

#[tokio::test]
async fn a_removed_entry_is_found() {
    let db = TestDb::new().await;
    let ids = record_n(&db, 4).await;
    tamper(&db, &format!("delete from audit_log where id = {}", ids[2])).await;
    let (first_bad_id, reason) = broken(&db).await;
    assert_eq!(first_bad_id, ids[3], "the entry after the gap no longer links");
    assert!(reason.contains("removed"));
}

#[tokio::test]
async fn an_entry_rewritten_with_a_fresh_hash_still_breaks_the_next_link() {
    let db = TestDb::new().await;
    let ids = record_n(&db, 3).await;
    // A careful forger recomputes the edited row's own hash; the next row still names the old one.
    tamper(
        &db,
        &format!(
            "update audit_log set target_id = 'forged' where id = {0};
             update audit_log a set hash = audit_digest(a.prev_hash, a) where id = {0}",
            ids[0]
        ),
    )
    .await;
    let (first_bad_id, reason) = broken(&db).await;
    assert_eq!(first_bad_id, ids[1]);
    assert!(reason.contains("does not follow"), "{reason}");
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_entry_and_concurrent_writers_keep_one_chain() {
    let db = TestDb::new().await;
    let mut tx = db.app.begin().await.unwrap();
    record(&mut tx, event(0)).await.unwrap();
    tx.rollback().await.unwrap();

    let writers: Vec<_> = (0..8)
        .map(|w| {
            let pool = db.app.clone();
            tokio::spawn(async move {
                for i in 0..5 {
                    let mut tx = pool.begin().await.unwrap();
                    record(&mut tx, event(w * 100 + i)).await.unwrap();
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    assert_eq!(verdict(&db).await, Verification::Intact { rows: 40 });
}

#[tokio::test]
async fn entries_cannot_be_written_outside_read_committed() {
    let db = TestDb::new().await;
    let mut tx = db.app.begin().await.unwrap();
    sqlx::query("set transaction isolation level repeatable read")
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = record(&mut tx, event(1)).await.unwrap_err().to_string();
    assert!(err.contains("READ COMMITTED"), "{err}");
}

#[tokio::test]
async fn migrating_is_audited() {
    let db = TestDb::unmigrated().await;
    let config = db.config(&[]);
    app::server::db::migrate(&config.database).await.unwrap();
    let versions: serde_json::Value =
        sqlx::query_scalar("select metadata -> 'versions' from audit_log where action = 'system.migrations_applied'")
            .fetch_one(&db.app)
            .await
            .unwrap();
    assert_eq!(
        versions.as_array().unwrap().len(),
        app::server::db::MIGRATOR.iter().count()
    );
    app::server::db::migrate(&config.database).await.unwrap();
    let entries: i64 = sqlx::query_scalar("select count(*) from audit_log")
        .fetch_one(&db.app)
        .await
        .unwrap();
    assert_eq!(entries, 1, "a migrate with nothing to apply records nothing");
}
