//! `make bench` helper for transcription: the local engine's real-time factor on 60 s of espeak-ng
//! speech (each model present), and the job queue's no-op throughput and pickup latency.
//!
//! usage: transcription_bench MODEL_DIR SPEECH_OUT.wav
//! Needs APP_DATABASE_URL (a migrated database) for the queue figures. Prints markdown table
//! rows; the last line is `engine_ms=N` (tiny.en on SPEECH_OUT.wav), for the pipeline figure.

use std::{
    path::{Path, PathBuf},
    sync::{atomic::AtomicBool, Arc},
    time::{Duration, Instant},
};

use app::{
    server::jobs::{self, Job, JobContext, JobError, NewJob, Registry, WorkerOptions},
    transcription::{audio, local::LocalEngine, pieces::write_wav},
};

const SPOKEN: &str = "Good morning everyone. Today we will review the results of the customer survey. \
    Most people said the new app is easier to use than the old one, but many asked for better search. \
    The design team will share a first version next week, and we will test it with ten customers \
    before the end of the month.";
const SECONDS: usize = 60;

/// 60 s of speech at 16 kHz: the paragraph spoken again until long enough, then cut.
fn speech(out: &Path) -> Vec<f32> {
    let once = out.with_extension("once.wav");
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&once)
        .arg(SPOKEN)
        .status()
        .expect("espeak-ng runs");
    assert!(status.success());
    let paragraph = audio::decode_16k_mono(&once).expect("espeak-ng's WAV decodes");
    let _ = std::fs::remove_file(&once);
    let pause = vec![0.0_f32; audio::RATE as usize / 2];
    let mut samples = Vec::new();
    while samples.len() < SECONDS * audio::RATE as usize {
        samples.extend_from_slice(&paragraph);
        samples.extend_from_slice(&pause);
    }
    samples.truncate(SECONDS * audio::RATE as usize);
    write_wav(out, &samples, audio::RATE).expect("writing the speech file");
    samples
}

struct Noop;

impl Job for Noop {
    const KIND: &'static str = "bench.noop";
    const QUEUE: &'static str = "bench";
    type Payload = ();

    async fn run(&self, _ctx: JobContext, _payload: ()) -> Result<(), JobError> {
        Ok(())
    }
}

async fn queue_figures(url: &str) -> anyhow::Result<(f64, f64)> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .connect(url)
        .await?;
    sqlx::query("delete from jobs where kind = 'bench.noop'")
        .execute(&pool)
        .await?;
    let options = || {
        let mut options = WorkerOptions::new(2, Duration::from_secs(5), Duration::from_secs(5));
        options.queue_concurrency.insert("bench".into(), 4);
        options
    };
    // Throughput: 2000 jobs queued at once, drained by one worker process running 4 at a time.
    const JOBS: usize = 2000;
    let mut tx = pool.begin().await?;
    for _ in 0..JOBS {
        jobs::enqueue(&mut tx, NewJob::of::<Noop>(&())).await?;
    }
    tx.commit().await?;
    let stop = tokio_util::sync::CancellationToken::new();
    let started = Instant::now();
    let workers = tokio::spawn(jobs::run_workers(
        pool.clone(),
        Registry::new().register(Noop),
        options(),
        stop.clone(),
    ));
    loop {
        let left: i64 =
            sqlx::query_scalar("select count(*) from jobs where kind = 'bench.noop' and state <> 'succeeded'")
                .fetch_one(&pool)
                .await?;
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let per_second = JOBS as f64 / started.elapsed().as_secs_f64();
    // Pickup: one job at a time into an idle worker; from commit to its start, by the database's clock.
    let mut waits = Vec::new();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut tx = pool.begin().await?;
        let id = jobs::enqueue(&mut tx, NewJob::of::<Noop>(&())).await?;
        let committed: time::OffsetDateTime = sqlx::query_scalar("select clock_timestamp()")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        loop {
            let started: Option<time::OffsetDateTime> = sqlx::query_scalar("select started_at from jobs where id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await?;
            if let Some(at) = started {
                waits.push((at - committed).as_seconds_f64() * 1000.0);
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    stop.cancel();
    workers.await??;
    sqlx::query("delete from jobs where kind = 'bench.noop'")
        .execute(&pool)
        .await?;
    waits.sort_by(f64::total_cmp);
    Ok((per_second, waits[waits.len() / 2]))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(model_dir), Some(out)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: transcription_bench MODEL_DIR SPEECH_OUT.wav");
    };
    let samples = speech(Path::new(&out));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "| {:<44} | {:>10} | {:>8} |",
        "local engine, 60 s of speech", "seconds", "RTF"
    );
    println!("|{}|{}|{}|", "-".repeat(46), "-".repeat(12), "-".repeat(10));
    let mut engine_ms = 0;
    for model in ["tiny.en", "base"] {
        let path = PathBuf::from(&model_dir).join(format!("ggml-{model}.bin"));
        if !path.exists() {
            println!(
                "| {:<44} | {:>10} | {:>8} |",
                format!("{model} (not prepared: WHISPER_MODEL={model})"),
                "-",
                "-"
            );
            continue;
        }
        let engine = LocalEngine::load(&path, model, threads).map_err(anyhow::Error::msg)?;
        let started = Instant::now();
        let draft = engine
            .transcribe(&samples, Some("en"), |_| {}, Arc::new(AtomicBool::new(false)))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let elapsed = started.elapsed();
        if model == "tiny.en" {
            engine_ms = elapsed.as_millis();
        }
        let words: usize = draft.segments.iter().map(|s| s.words.len()).sum();
        println!(
            "| {:<44} | {:>10.2} | {:>8.3} |",
            format!("{model}, {threads} threads ({words} words)"),
            elapsed.as_secs_f64(),
            elapsed.as_secs_f64() / SECONDS as f64
        );
    }
    println!();
    match std::env::var("APP_DATABASE_URL") {
        Ok(url) => {
            let (per_second, pickup_ms) = queue_figures(&url).await?;
            println!("| {:<44} | {:>10} |", "job queue (no-op jobs, 4 at a time)", "value");
            println!("|{}|{}|", "-".repeat(46), "-".repeat(12));
            println!(
                "| {:<44} | {:>10.0} |",
                "throughput, jobs/s (2000 queued at once)", per_second
            );
            println!(
                "| {:<44} | {:>10.1} |",
                "pickup latency, ms (median of 20, idle)", pickup_ms
            );
            println!();
        }
        Err(_) => println!("(no APP_DATABASE_URL: queue figures skipped)"),
    }
    println!("engine_ms={engine_ms}");
    Ok(())
}
