//! The roles the tenancy work relies on.

use crate::support::TestDb;

#[tokio::test]
async fn the_app_role_cannot_bypass_row_level_security_or_own_tables() {
    let db = TestDb::new().await;
    let (superuser, bypass): (bool, bool) =
        sqlx::query_as("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")
            .fetch_one(&db.app)
            .await
            .unwrap();
    assert!(!superuser && !bypass);
    let owned: i64 =
        sqlx::query_scalar("select count(*) from pg_tables where schemaname = 'public' and tableowner = current_user")
            .fetch_one(&db.app)
            .await
            .unwrap();
    assert_eq!(
        owned, 0,
        "the app role owns no table, so forced RLS always applies to it"
    );
    let err = sqlx::query("create table sneaky (id int)")
        .execute(&db.app)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
}

#[tokio::test]
async fn updated_at_is_maintained_by_the_trigger() {
    let db = TestDb::new().await;
    let id = uuid::Uuid::new_v4();
    sqlx::query(
        "insert into jobs (id, queue, kind, updated_at) values ($1, 'default', 'k', now() - interval '1 hour')",
    )
    .bind(id)
    .execute(&db.app)
    .await
    .unwrap();
    sqlx::query("update jobs set priority = 1 where id = $1")
        .bind(id)
        .execute(&db.app)
        .await
        .unwrap();
    let fresh: bool = sqlx::query_scalar("select updated_at > now() - interval '1 minute' from jobs where id = $1")
        .bind(id)
        .fetch_one(&db.app)
        .await
        .unwrap();
    assert!(fresh);
}

#[tokio::test]
async fn pgvector_is_available() {
    let db = TestDb::new().await;
    let distance: f64 = sqlx::query_scalar("select ('[1,0,0]'::vector <=> '[0,1,0]'::vector)::float8")
        .fetch_one(&db.app)
        .await
        .unwrap();
    assert!((distance - 1.0).abs() < 1e-9);
}
