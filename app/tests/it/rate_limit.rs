//! Shared rate limits through a real redis-server (started by `make test`, REDIS_URL).

use std::time::Duration;

use app::server::rate_limit::RateLimiter;

#[tokio::test]
async fn instances_sharing_redis_share_the_limit() {
    let url = std::env::var("REDIS_URL").expect("REDIS_URL (run `make test`)");
    let first = RateLimiter::redis(&url).await.unwrap();
    let second = RateLimiter::redis(&url).await.unwrap();
    let bucket = format!("test:{}", uuid::Uuid::new_v4());
    // An hour-long window, so the test never straddles a window boundary.
    let minute = Duration::from_secs(3600);
    assert!(first.hit(&bucket, 3, minute).await.is_ok());
    assert!(second.hit(&bucket, 3, minute).await.is_ok());
    assert!(first.hit(&bucket, 3, minute).await.is_ok());
    let wait = second
        .hit(&bucket, 3, minute)
        .await
        .expect_err("the fourth hit, on another instance, is over the limit");
    assert!(wait <= minute);
    assert!(first.hit(&format!("{bucket}-other"), 3, minute).await.is_ok());
}

#[tokio::test]
async fn a_bad_redis_url_is_explained() {
    let err = RateLimiter::redis("not a url")
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("REDIS_URL"), "{err}");
}
