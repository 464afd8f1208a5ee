//! Backups end to end: make data, back it up, drop the database, restore into an empty one with
//! the same name, and check row counts and object checksums against the manifest; then the app
//! works on the restored data.

use axum::http::StatusCode;

use crate::accounts::{Site, PASSWORD};
use crate::recordings::{wav, Objects};
use crate::support::TestDb;

fn settings(db: &TestDb, objects: &Objects, backups: &Objects) -> Vec<(&'static str, String)> {
    vec![
        ("STORAGE_DIR", objects.0.display().to_string()),
        ("BACKUP_DIR", backups.0.display().to_string()),
        ("BACKUP_DATABASE_URL", db.backup_url()),
        ("BACKUP_KEEP", "2".into()),
    ]
}

fn borrow<'a>(settings: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    settings.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Restores into a new, empty database; returns it with its report.
async fn restore_into_new(objects: &Objects, backups: &Objects, id: &str) -> (TestDb, app::backups::RestoreReport) {
    let target = TestDb::unmigrated().await;
    let settings = settings(&target, objects, backups);
    let config = target.config(&borrow(&settings));
    let report = app::backups::restore(&config, id).await.expect("restored");
    (target, report)
}

#[tokio::test]
async fn a_backup_restores_into_an_empty_database_with_every_row_and_file_accounted_for() {
    let objects = Objects::new();
    let backups = Objects::new();
    let db = TestDb::new().await;
    let first_settings = settings(&db, &objects, &backups);
    let site = Site::on(db, &borrow(&first_settings)).await;
    let config = site.db.config(&borrow(&first_settings));

    // Data worth keeping: accounts, a team workspace, a checked recording.
    let mut ada = crate::workspaces::owner_of_acme(&site).await;
    let file = wav(2, 8_000, 1);
    crate::recordings::upload_and_check(&site, &objects, &mut ada, "memo.wav", &file).await;

    let manifest = app::backups::create(&config).await.expect("backup made");
    assert_eq!(manifest.objects.len(), 1, "{:?}", manifest.objects);
    assert_eq!(manifest.objects[0].bytes, file.len() as u64);
    assert!(manifest.tables["public.recordings"] == 1 && manifest.tables["public.users"] == 1);
    assert!(manifest.tables["public.audit_log"] > 5);
    assert!(manifest.database.bytes > 10_000);
    // Retention keeps the newest two (ids are to the second).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second = app::backups::create(&config).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let third = app::backups::create(&config).await.unwrap();
    let listed: Vec<String> = app::backups::list(&config)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(
        listed,
        [third.id.clone(), second.id.clone()],
        "newest first, the oldest pruned"
    );

    // Restoring needs an empty database.
    let refused = app::backups::restore(&config, &third.id).await.unwrap_err();
    assert!(format!("{refused:#}").contains("is not empty"), "{refused:#}");
    let bad_id = app::backups::restore(&config, "../../x").await.unwrap_err();
    assert!(format!("{bad_id:#}").contains("is not a backup id"));

    // Drop the database; restore into a new, empty one.
    site.db.close_and_drop().await;
    let (restored, report) = restore_into_new(&objects, &backups, &third.id).await;
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.objects, 1);
    assert!(report.tables >= 20 && report.rows > 20, "{report:?}");

    // The app runs on the restored data: Ada signs in and finds her recording.
    let restored_settings = settings(&restored, &objects, &backups);
    let config = restored.config(&borrow(&restored_settings));
    let site = Site::on(restored, &borrow(&restored_settings)).await;
    let mut again = site.browser(crate::accounts::FIREFOX, "198.51.100.20");
    assert_eq!(again.log_in("ada@example.com", PASSWORD).await.status, StatusCode::OK);
    let library = again
        .post(
            "/api/recordings/library",
            &[("workspace", "acme"), ("trash", "false"), ("page", "1")],
        )
        .await
        .json();
    assert_eq!(library["recordings"][0]["title"], "memo");
    let verified = app::server::audit_verify(&config).await.unwrap();
    assert!(verified, "the audit chain survives the round trip");

    // A file changed or lost since the backup is named.
    let key = &third.objects[0].key;
    std::fs::write(objects.0.join(key), b"not the same").unwrap();
    let (_, report) = restore_into_new(&objects, &backups, &third.id).await;
    assert_eq!(report.changed_objects, [key.clone()]);
    std::fs::remove_file(objects.0.join(key)).unwrap();
    let (_, report) = restore_into_new(&objects, &backups, &third.id).await;
    assert_eq!(report.missing_objects, [key.clone()]);
    assert!(!report.intact());
}
