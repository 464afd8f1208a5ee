//! The library's tags, filters and order on a real database: tags set and normalised, then
//! filtering by status, tag and upload date, sorting, and bad filters refused by field.

use axum::http::StatusCode;
use serde_json::Value;

use crate::accounts::{Browser, PASSWORD};
use crate::recordings::{acme_id, site, upload_and_check, wav, Objects};
use crate::workspaces::{add_member, owner_of_acme};

async fn filtered(browser: &mut Browser, fields: &[(&str, &str)]) -> crate::accounts::Reply {
    let mut all = vec![("workspace", "acme"), ("trash", "false"), ("page", "1")];
    all.extend_from_slice(fields);
    browser.post("/api/recordings/library", &all).await
}

async fn titles(browser: &mut Browser, fields: &[(&str, &str)]) -> Vec<String> {
    let reply = filtered(browser, fields).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn tag(browser: &mut Browser, id: &str, tags: &str) -> crate::accounts::Reply {
    browser
        .post(
            "/api/recordings/tags",
            &[("workspace", "acme"), ("id", id), ("tags", tags)],
        )
        .await
}

#[tokio::test]
async fn recordings_are_tagged_then_filtered_by_status_tag_and_date_and_sorted() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let budget = upload_and_check(&site, &objects, &mut ada, "Budget review.wav", &wav(5, 8_000, 1)).await;
    upload_and_check(&site, &objects, &mut ada, "Team standup.wav", &wav(9, 8_000, 1)).await;
    let call = upload_and_check(&site, &objects, &mut ada, "Customer call.wav", &wav(7, 8_000, 1)).await;
    // Where their transcriptions stand: done, queued (as accepted), failed.
    let acme = acme_id(&site).await;
    let mut tx = site.db.owner.begin().await.unwrap();
    app::workspaces::tenant::as_system(&mut tx, acme).await.unwrap();
    for (id, stage) in [(&budget, "done"), (&call, "failed")] {
        sqlx::query("update transcriptions set stage = $2 where recording_id = $1::uuid")
            .bind(id)
            .bind(stage)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    // Tags are normalised; the library lists them on the row and all of them for the filter.
    let tagged = tag(&mut ada, &budget, " Finance,  Q4 ,finance").await;
    assert_eq!(tagged.status, StatusCode::OK, "{}", tagged.body);
    assert_eq!(tagged.json(), "Tagged: finance, q4.");
    assert_eq!(tag(&mut ada, &call, "q4").await.status, StatusCode::OK);
    let all = filtered(&mut ada, &[]).await.json();
    assert_eq!(all["tags"], serde_json::json!(["finance", "q4"]));
    let row = all["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == budget.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["tags"], serde_json::json!(["finance", "q4"]));

    assert_eq!(titles(&mut ada, &[("tag", "FINANCE")]).await, ["Budget review"]);
    assert_eq!(
        titles(&mut ada, &[("tag", "q4"), ("sort", "title")]).await,
        ["Budget review", "Customer call"]
    );
    assert_eq!(titles(&mut ada, &[("status", "transcribed")]).await, ["Budget review"]);
    assert_eq!(titles(&mut ada, &[("status", "in_progress")]).await, ["Team standup"]);
    assert_eq!(titles(&mut ada, &[("status", "failed")]).await, ["Customer call"]);
    assert!(titles(&mut ada, &[("status", "untranscribed")]).await.is_empty());
    // Orders: newest first by default, then the others.
    assert_eq!(
        titles(&mut ada, &[]).await,
        ["Customer call", "Team standup", "Budget review"]
    );
    assert_eq!(
        titles(&mut ada, &[("sort", "oldest")]).await,
        ["Budget review", "Team standup", "Customer call"]
    );
    assert_eq!(
        titles(&mut ada, &[("sort", "title")]).await,
        ["Budget review", "Customer call", "Team standup"]
    );
    assert_eq!(
        titles(&mut ada, &[("sort", "longest")]).await,
        ["Team standup", "Customer call", "Budget review"]
    );
    // Upload dates, in the workspace's time zone (UTC here).
    let today = time::OffsetDateTime::now_utc().date();
    let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    let (yesterday, tomorrow) = (day(today.previous_day().unwrap()), day(today.next_day().unwrap()));
    assert_eq!(
        titles(&mut ada, &[("from", &day(today)), ("to", &day(today))])
            .await
            .len(),
        3
    );
    assert!(titles(&mut ada, &[("from", &tomorrow)]).await.is_empty());
    assert!(titles(&mut ada, &[("to", &yesterday)]).await.is_empty());
    // Filters combine with the search.
    assert_eq!(
        titles(&mut ada, &[("q", "call"), ("tag", "q4")]).await,
        ["Customer call"]
    );

    // Removing the tags empties the list; everything is audited.
    assert_eq!(tag(&mut ada, &call, "").await.json(), "Tags removed.");
    assert_eq!(titles(&mut ada, &[("tag", "q4")]).await, ["Budget review"]);
    assert_eq!(
        site.count("select count(*) from audit_log where action = 'recording.tagged'")
            .await,
        3
    );
}

#[tokio::test]
async fn bad_filters_and_tags_are_refused_by_field_and_viewers_cannot_tag() {
    let objects = Objects::new();
    let site = site(&objects, &[]).await;
    let mut ada = owner_of_acme(&site).await;
    let id = upload_and_check(&site, &objects, &mut ada, "Budget review.wav", &wav(3, 8_000, 1)).await;

    let bad = filtered(
        &mut ada,
        &[("status", "lost"), ("sort", "random"), ("from", "26/11/2026")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let error = bad.error();
    for field in ["status", "sort", "from"] {
        assert!(error.field(field).is_some(), "{field}: {}", bad.body);
    }
    let backwards = filtered(&mut ada, &[("from", "2026-11-30"), ("to", "2026-11-01")]).await;
    assert!(backwards.error().field("to").is_some(), "{}", backwards.body);

    let many = (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>().join(",");
    let refused = tag(&mut ada, &id, &many).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.error().field("tags").unwrap().contains("at most 10"));
    let long = tag(&mut ada, &id, &"x".repeat(33)).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", long.body);

    let mut vic = site.verified_account("Vic", "vic@example.com").await;
    add_member(&site, "ada@example.com", "acme", "vic@example.com", "viewer").await;
    vic.log_in("vic@example.com", PASSWORD).await;
    assert_eq!(tag(&mut vic, &id, "mine").await.status, StatusCode::FORBIDDEN);
    let view: Value = filtered(&mut ada, &[]).await.json();
    assert_eq!(view["tags"], serde_json::json!([]));
    assert_eq!(
        site.count("select count(*) from audit_log where action = 'recording.tagged'")
            .await,
        0
    );
}
