//! `make bench` helper: how long one argon2id hash takes here (OWASP parameters).

#[tokio::main]
async fn main() {
    let rounds = 20;
    let started = std::time::Instant::now();
    for i in 0..rounds {
        app::accounts::password::hash(format!("benchmark passphrase number {i}"))
            .await
            .expect("hashing");
    }
    let per_hash = started.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds);
    println!("{per_hash:.1}");
}
