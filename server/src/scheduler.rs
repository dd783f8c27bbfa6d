//! The ingestion scheduler: runs every source once at start and then every interval, one
//! ingestion at a time, retrying a failed source with exponential backoff. A failure keeps the
//! last good data; the next cycle tries again.

use std::sync::Arc;
use std::time::Duration;

use app::ingest::{RunOptions, Source, ingest_source};
use app::state::AppState;
use tokio::sync::Mutex;

/// How often a failing source is retried within one cycle.
pub const MAX_ATTEMPTS: u32 = 4;

/// The scheduler's settings.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub sources: Vec<Source>,
    pub interval: Duration,
    pub retry_base: Duration,
}

/// Runs the schedule until the task is dropped. `lock` serialises ingestions in this process.
pub async fn run(state: AppState, schedule: Schedule, lock: Arc<Mutex<()>>) {
    let mut ticker = tokio::time::interval(schedule.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let _running = lock.lock().await;
        run_cycle(&state, &schedule).await;
    }
}

/// Ingests every source once, retrying failures, then makes the new data visible.
pub async fn run_cycle(state: &AppState, schedule: &Schedule) {
    for source in &schedule.sources {
        let mut delay = schedule.retry_base;
        for attempt in 1..=MAX_ATTEMPTS {
            match ingest_source(&state.db, source, RunOptions::default()).await {
                Ok(_) => break,
                Err(error) if attempt < MAX_ATTEMPTS => {
                    tracing::warn!(source = %source, attempt, retry_in_secs = delay.as_secs(), error = %error, "ingestion failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(error) => {
                    tracing::error!(source = %source, attempts = attempt, error = %error, "ingestion failed; keeping the last good data until the next cycle");
                }
            }
        }
        if let Err(error) = state.refresh_version().await {
            tracing::warn!(error = %error, "could not read the data version after ingestion");
        }
    }
}
