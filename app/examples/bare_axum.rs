//! The `make bench` baseline: the smallest axum server, measured in the same run as AudioTricks
//! so the table's ratios show what our layers and rendering cost.

use axum::{routing::get, Router};

#[tokio::main]
async fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3201".into());
    let app = Router::new().route("/", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .expect("bind the bench address");
    axum::serve(listener, app).await.expect("serve");
}
