//! Email: queued in the caller's transaction, delivered by a job through each backend — the
//! outbox, SendGrid (a wiremock double speaking its v3 protocol) and SMTP (a real maildev).

use std::sync::Arc;

use app::{
    email::{
        queries::{get, EmailStatus},
        service::{queue, DeliverEmail},
        templates::TestEmail,
        Mailer, Rendered,
    },
    server::{
        config::{EmailBackend, EmailConfig, Secret},
        jobs::{queries::get_job, JobState, Registry},
    },
};
use wiremock::{
    matchers::{body_partial_json, header, method, path},
    Mock, MockServer, ResponseTemplate,
};

use crate::support::{eventually, fast_options, TestDb, Workers, WAIT};

fn email() -> Rendered {
    TestEmail {
        app_url: "http://127.0.0.1:3000".into(),
        backend: "test".into(),
        requested_by: "the tests".into(),
    }
    .render()
    .unwrap()
}

fn config(backend: EmailBackend) -> EmailConfig {
    EmailConfig {
        backend,
        from: "AudioTricks <no-reply@audiotricks.test>".into(),
        smtp_url: None,
        sendgrid_api_key: None,
        sendgrid_base_url: "https://api.sendgrid.com".into(),
    }
}

fn sendgrid(server: &MockServer) -> Mailer {
    let mut c = config(EmailBackend::SendGrid);
    c.sendgrid_api_key = Some(Secret::new("SG.test-key"));
    c.sendgrid_base_url = server.uri();
    Mailer::from_config(&c).unwrap()
}

/// Queues one email, runs workers with `mailer` until the delivery job reaches `state`.
async fn deliver(db: &TestDb, mailer: Mailer, to: &str, state: JobState) -> app::email::queries::OutboxEmail {
    let mut tx = db.app.begin().await.unwrap();
    let id = queue(&mut tx, to, "test", &email()).await.unwrap();
    tx.commit().await.unwrap();
    let workers = Workers::start(
        &db.app,
        Registry::new().register(DeliverEmail {
            mailer: Arc::new(mailer),
        }),
        fast_options(),
    );
    eventually(WAIT, "the delivery job to finish", || async {
        let job: Option<JobState> =
            sqlx::query_scalar("select state from jobs where kind = 'email.deliver' and idempotency_key = $1")
                .bind(id.to_string())
                .fetch_optional(&db.app)
                .await
                .unwrap();
        (job == Some(state)).then_some(())
    })
    .await;
    workers.stop().await;
    get(&db.app, id).await.unwrap().unwrap()
}

#[tokio::test]
async fn the_outbox_keeps_the_email_and_a_rolled_back_queue_leaves_nothing() {
    let db = TestDb::new().await;
    let mut tx = db.app.begin().await.unwrap();
    queue(&mut tx, "ghost@example.com", "test", &email()).await.unwrap();
    tx.rollback().await.unwrap();

    let stored = deliver(
        &db,
        Mailer::from_config(&config(EmailBackend::Outbox)).unwrap(),
        "ada@example.com",
        JobState::Succeeded,
    )
    .await;
    assert_eq!(stored.status, EmailStatus::Stored);
    assert_eq!(stored.backend.as_deref(), Some("outbox"));
    assert_eq!(stored.subject, "AudioTricks can send email");
    assert!(stored.text_body.contains("delivery through test works"));
    let rows: i64 = sqlx::query_scalar("select count(*) from email_outbox")
        .fetch_one(&db.app)
        .await
        .unwrap();
    assert_eq!(rows, 1, "the rolled-back email left no row");
}

#[tokio::test]
async fn an_invalid_address_is_refused_before_anything_is_stored() {
    let db = TestDb::new().await;
    let mut conn = db.app.acquire().await.unwrap();
    let err = queue(&mut conn, "not-an-address", "test", &email()).await.unwrap_err();
    assert!(err.to_string().contains("is not an email address"), "{err}");
    let rows: i64 = sqlx::query_scalar("select count(*) from email_outbox")
        .fetch_one(&db.app)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn sendgrid_gets_the_documented_request_and_its_message_id_is_kept() {
    let db = TestDb::new().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .and(header("authorization", "Bearer SG.test-key"))
        .and(body_partial_json(serde_json::json!({
            "personalizations": [{ "to": [{ "email": "ada@example.com" }] }],
            "from": { "email": "no-reply@audiotricks.test", "name": "AudioTricks" },
            "subject": "AudioTricks can send email",
            "categories": ["test"],
        })))
        .respond_with(ResponseTemplate::new(202).insert_header("X-Message-Id", "sg-msg-123"))
        .expect(1)
        .mount(&server)
        .await;
    let sent = deliver(&db, sendgrid(&server), "ada@example.com", JobState::Succeeded).await;
    assert_eq!(sent.status, EmailStatus::Sent);
    assert_eq!(sent.provider_message_id.as_deref(), Some("sg-msg-123"));
    let request = &server.received_requests().await.unwrap()[0];
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    let types: Vec<&str> = body["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["text/plain", "text/html"], "every email has a text part");
    assert!(
        !body["custom_args"].to_string().contains("ada@"),
        "no personal data in custom args"
    );
}

#[tokio::test]
async fn a_sendgrid_rejection_fails_the_email_at_once_with_its_reason() {
    let db = TestDb::new().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "errors": [{ "message": "The from address does not match a verified Sender Identity.", "field": "from" }]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let failed = deliver(&db, sendgrid(&server), "ada@example.com", JobState::Dead).await;
    assert_eq!(failed.status, EmailStatus::Failed);
    assert!(failed.last_error.unwrap().contains("verified Sender Identity"));
}

#[tokio::test]
async fn a_busy_sendgrid_is_retried_and_the_email_sent_once() {
    let db = TestDb::new().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202).insert_header("X-Message-Id", "second-try"))
        .expect(1)
        .mount(&server)
        .await;
    let sent = deliver(&db, sendgrid(&server), "ada@example.com", JobState::Succeeded).await;
    assert_eq!(sent.status, EmailStatus::Sent);
    assert_eq!(sent.provider_message_id.as_deref(), Some("second-try"));
    let job = sqlx::query_scalar::<_, uuid::Uuid>("select id from jobs where kind = 'email.deliver'")
        .fetch_one(&db.app)
        .await
        .unwrap();
    assert_eq!(get_job(&db.app, job).await.unwrap().unwrap().attempts, 2);
}

/// Needs the maildev server `make test` starts (MAILDEV_SMTP_PORT, MAILDEV_WEB_PORT).
#[tokio::test]
async fn smtp_delivers_a_multipart_message_to_a_real_server() {
    let smtp_port = std::env::var("MAILDEV_SMTP_PORT").expect("MAILDEV_SMTP_PORT (run `make test`)");
    let web = format!(
        "http://127.0.0.1:{}",
        std::env::var("MAILDEV_WEB_PORT").expect("MAILDEV_WEB_PORT")
    );
    let db = TestDb::new().await;
    let recipient = format!("smtp-{}@example.com", uuid::Uuid::new_v4().simple());
    let mut c = config(EmailBackend::Smtp);
    c.smtp_url = Some(Secret::new(format!("smtp://127.0.0.1:{smtp_port}")));
    let sent = deliver(&db, Mailer::from_config(&c).unwrap(), &recipient, JobState::Succeeded).await;
    assert_eq!(sent.status, EmailStatus::Sent);

    let inbox: Vec<serde_json::Value> = reqwest::get(format!("{web}/api/email"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let received = inbox
        .iter()
        .find(|m| m["to"].to_string().contains(&recipient))
        .unwrap_or_else(|| panic!("maildev has no email to {recipient}"));
    assert_eq!(received["subject"], "AudioTricks can send email");
    assert!(received["text"]
        .as_str()
        .unwrap()
        .contains("delivery through test works"));
    assert!(received["html"].as_str().unwrap().contains("Email delivery works"));
}

#[tokio::test]
async fn two_deliverers_racing_for_one_email_send_it_once() {
    use app::email::{
        delivery::Outgoing,
        service::{deliver_and_record, Handled},
    };
    let db = TestDb::new().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    let rendered = email();
    let mut conn = db.app.acquire().await.unwrap();
    let id = queue(&mut conn, "ada@example.com", "test", &rendered).await.unwrap();
    let mailer = sendgrid(&server);
    let outgoing = Outgoing::of(id, "ada@example.com", "test", &rendered);
    let (a, b) = tokio::join!(
        deliver_and_record(&db.app, &mailer, &outgoing),
        deliver_and_record(&db.app, &mailer, &outgoing)
    );
    let mut outcomes = [a.unwrap().unwrap(), b.unwrap().unwrap()];
    outcomes.sort_by_key(|h| *h == Handled::Elsewhere);
    assert_eq!(outcomes, [Handled::Delivered, Handled::Elsewhere]);
    // The delivery job queued with it finds the email already sent and sends nothing more
    // (the mock's `expect(1)` is checked when the server drops).
    let workers = Workers::start(
        &db.app,
        Registry::new().register(DeliverEmail {
            mailer: Arc::new(sendgrid(&server)),
        }),
        fast_options(),
    );
    eventually(WAIT, "the delivery job to finish", || async {
        let state: Option<JobState> = sqlx::query_scalar("select state from jobs where idempotency_key = $1")
            .bind(id.to_string())
            .fetch_optional(&db.app)
            .await
            .unwrap();
        (state == Some(JobState::Succeeded)).then_some(())
    })
    .await;
    workers.stop().await;
    assert_eq!(get(&db.app, id).await.unwrap().unwrap().status, EmailStatus::Sent);
}
