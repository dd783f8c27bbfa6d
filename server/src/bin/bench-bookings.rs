//! `bench-bookings`: measures booking throughput over real HTTP against a running server, and
//! checks afterwards that no day was overbooked.
//!
//! It prepares people (accounts, profiles and sessions written straight into the server's
//! database, so that password hashing is not what is measured), hospitals and their capacity,
//! then lets `--clients` concurrent clients book dose 1 through the `book_dose` server function,
//! each person once, most of them on the same few days as a real wave would. It prints the
//! bookings per second, the latency percentiles, how many answers were "full", and the number
//! of overbooked days (which must be 0).
//!
//! Usage: `DATABASE_URL=… bench-bookings --server http://127.0.0.1:3000 [--people N]
//! [--clients N] [--hospitals N] [--capacity N]`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use app::accounts::server::{new_session_token, timestamp};
use app::store::Db;
use app::store::accounts;
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// The running server's base address.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    server: String,
    /// The server's database, where people and hospitals are prepared.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value_t = 20_000)]
    people: usize,
    #[arg(long, default_value_t = 100)]
    clients: usize,
    #[arg(long, default_value_t = 20)]
    hospitals: usize,
    /// Doses a day at each hospital.
    #[arg(long, default_value_t = 150)]
    capacity: i64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.database_url).await?;
    let prepared = Instant::now();
    let hospitals = prepare_hospitals(&db, args.hospitals, args.capacity).await?;
    let tokens = prepare_people(&db, args.people).await?;
    println!(
        "prepared {} people and {} hospitals of {} doses a day in {:.1} s",
        tokens.len(),
        hospitals.len(),
        args.capacity,
        prepared.elapsed().as_secs_f64()
    );

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .timeout(Duration::from_secs(30))
        .build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let tokens = Arc::new(tokens);
    let hospitals = Arc::new(hospitals);
    let today = chrono::Utc::now().date_naive();
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.clients {
        let (client, next, tokens, hospitals) = (
            client.clone(),
            next.clone(),
            tokens.clone(),
            hospitals.clone(),
        );
        let server = args.server.clone();
        workers.push(tokio::spawn(async move {
            let mut outcome = Outcome::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(token) = tokens.get(i) else { break };
                // A wave: most people want the first days at the first hospitals.
                let hospital = hospitals[skewed(i, hospitals.len())];
                let day = today + chrono::Duration::days(1 + skewed(i / 7, 28) as i64);
                let asked = Instant::now();
                let response = client
                    .post(format!("{server}/api/book_dose"))
                    .header("Cookie", format!("covid19_session={token}"))
                    .header("Accept", "application/json")
                    .form(&[
                        ("dose", "1".to_owned()),
                        ("hospital_id", hospital.to_string()),
                        ("day", day.to_string()),
                    ])
                    .send()
                    .await;
                outcome.latencies.push(asked.elapsed());
                match response.map(|r| r.status().as_u16()) {
                    Ok(200) => outcome.booked += 1,
                    Ok(409) => outcome.full += 1,
                    _ => outcome.failed += 1,
                }
            }
            outcome
        }));
    }
    let mut total = Outcome::default();
    for worker in workers {
        let outcome = worker.await?;
        total.booked += outcome.booked;
        total.full += outcome.full;
        total.failed += outcome.failed;
        total.latencies.extend(outcome.latencies);
    }
    let elapsed = started.elapsed().as_secs_f64();
    total.latencies.sort();
    let percentile = |p: f64| {
        let index = ((total.latencies.len() as f64 * p) as usize).min(total.latencies.len() - 1);
        total.latencies[index].as_secs_f64() * 1000.0
    };
    let overbooked = count_overbooked(&db).await?;
    println!(
        "{} requests by {} clients in {elapsed:.2} s: {:.0} requests/s, {:.0} bookings/s; \
         {} booked, {} full, {} failed; latency p50 {:.1} ms, p99 {:.1} ms; overbooked days: {overbooked}",
        total.latencies.len(),
        args.clients,
        total.latencies.len() as f64 / elapsed,
        total.booked as f64 / elapsed,
        total.booked,
        total.full,
        total.failed,
        percentile(0.5),
        percentile(0.99),
    );
    anyhow::ensure!(overbooked == 0, "{overbooked} days were overbooked");
    anyhow::ensure!(total.failed == 0, "{} requests failed", total.failed);
    Ok(())
}

#[derive(Default)]
struct Outcome {
    booked: usize,
    full: usize,
    failed: usize,
    latencies: Vec<Duration>,
}

/// An index below `n`, small ones far more often (a person's place in a wave of demand).
fn skewed(i: usize, n: usize) -> usize {
    let x = (i.wrapping_mul(2_654_435_761) % 1_000) as f64 / 1_000.0;
    ((x * x * x) * n as f64) as usize % n
}

async fn prepare_hospitals(db: &Db, count: usize, capacity: i64) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(count);
    let now = timestamp(chrono::Utc::now());
    for i in 0..count {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO hospitals (source, source_id, name, country, lat, lon, is_open, \
             daily_capacity, updated_at) VALUES ('bench', $1, $2, 'FR', $3, 2.35, 1, $4, $5) \
             ON CONFLICT (source, source_id) DO UPDATE SET daily_capacity = excluded.daily_capacity \
             RETURNING id",
        )
        .bind(format!("{}-{i}", std::process::id()))
        .bind(format!("Bench hospital {i}"))
        .bind(48.0 + i as f64 / 100.0)
        .bind(capacity)
        .bind(now.clone())
        .fetch_one(&db.pool)
        .await
        .context("adding a hospital")?;
        ids.push(id);
    }
    Ok(ids)
}

/// Accounts with profiles and live sessions; returns the session tokens.
async fn prepare_people(db: &Db, count: usize) -> anyhow::Result<Vec<String>> {
    let hash = app::accounts::server::hash_password("bench passphrase".to_owned())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = chrono::Utc::now();
    let expires = timestamp(now + chrono::Duration::days(1));
    let now = timestamp(now);
    let run = std::process::id();
    let mut tokens = Vec::with_capacity(count);
    let mut tx = db.pool.begin().await?;
    for i in 0..count {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, password_hash, role, created_at) \
             VALUES ($1, $2, 'citizen', $3) RETURNING id",
        )
        .bind(format!("bench-{run}-{i}@example.org"))
        .bind(hash.clone())
        .bind(now.clone())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO profiles (user_id, full_name, birth_date, location_method, home_lat, \
             home_lon, updated_at) VALUES ($1, 'Bench Person', '1970-01-01', 'typed', 48.85, 2.35, $2)",
        )
        .bind(id)
        .bind(now.clone())
        .execute(&mut *tx)
        .await?;
        let (token, token_hash) = new_session_token();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(id)
        .bind(now.clone())
        .bind(expires.clone())
        .execute(&mut *tx)
        .await?;
        tokens.push(token);
    }
    tx.commit().await?;
    let _ = accounts::delete_expired_sessions(db, &now).await?;
    Ok(tokens)
}

/// Days whose bookings exceed their capacity, or whose counter disagrees with the bookings.
async fn count_overbooked(db: &Db) -> anyhow::Result<i64> {
    let overbooked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM hospital_days d WHERE d.booked > d.capacity OR d.booked <> \
         (SELECT COUNT(*) FROM bookings b WHERE b.hospital_id = d.hospital_id AND b.day = d.day \
          AND b.status = 'booked')",
    )
    .fetch_one(&db.pool)
    .await?;
    Ok(overbooked)
}
