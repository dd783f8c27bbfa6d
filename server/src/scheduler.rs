//! The ingestion scheduler: runs every source once at start and then every interval, one
//! ingestion at a time, retrying a failed source with exponential backoff. A failure keeps the
//! last good data; the next cycle tries again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use app::ingest::{RunOptions, Source, ingest_source};
use app::state::AppState;
use app::store::Backend;
use sqlx::Any;
use sqlx::pool::PoolConnection;
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

/// The Postgres advisory lock that the instance running the scheduled ingestion holds.
const SCHEDULER_LOCK: i64 = 0x0063_6f76_6964_3139;

/// Runs the schedule until the task is dropped. `lock` serialises ingestions in this process.
///
/// On Postgres, several instances may share the database: at each tick an instance runs the
/// cycle only if it holds the scheduler's advisory lock, on a connection kept for that
/// purpose. If the instance holding it dies, its session ends, the lock is released, and
/// another instance takes it at its next tick, within one interval.
pub async fn run(state: AppState, schedule: Schedule, lock: Arc<Mutex<()>>, stop: Arc<AtomicBool>) {
    let mut ticker = tokio::time::interval(schedule.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut leadership: Option<PoolConnection<Any>> = None;
    loop {
        ticker.tick().await;
        if stop.load(Ordering::Acquire) {
            return;
        }
        if state.db.backend == Backend::Postgres && !hold_leadership(&state, &mut leadership).await
        {
            // Another instance ingests; this one sees the new data through its version poll.
            continue;
        }
        let _running = lock.lock().await;
        run_cycle_until(&state, &schedule, &stop).await;
        remove_expired_sessions(&state).await;
    }
}

/// Housekeeping with each cycle: expired sessions and old failed-login counts go.
async fn remove_expired_sessions(state: &AppState) {
    use app::accounts::server::{THROTTLE_WINDOW_MINUTES, timestamp};
    use app::store::accounts;

    let now = chrono::Utc::now();
    let window_start = timestamp(now - chrono::Duration::minutes(THROTTLE_WINDOW_MINUTES));
    let result = async {
        let sessions = accounts::delete_expired_sessions(&state.db, &timestamp(now)).await?;
        let failures = accounts::delete_old_failures(&state.db, &window_start).await?;
        Ok::<_, sqlx::Error>((sessions, failures))
    }
    .await;
    match result {
        Ok((sessions, failures)) if sessions + failures > 0 => {
            tracing::info!(
                sessions,
                failures,
                "removed expired sessions and failed-login counts"
            );
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(error = %error, "could not remove expired sessions"),
    }
}

/// Whether this instance holds the scheduler lock, taking it if it is free.
async fn hold_leadership(state: &AppState, held: &mut Option<PoolConnection<Any>>) -> bool {
    if let Some(connection) = held.as_mut() {
        if sqlx::query("SELECT 1")
            .execute(&mut **connection)
            .await
            .is_ok()
        {
            return true;
        }
        tracing::warn!("lost the connection holding the scheduler lock; trying to take it again");
        *held = None;
    }
    let Ok(mut connection) = state.db.pool.acquire().await else {
        return false;
    };
    let taken: Result<bool, _> = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(SCHEDULER_LOCK)
        .fetch_one(&mut *connection)
        .await;
    match taken {
        Ok(true) => {
            tracing::info!("this instance now runs the scheduled ingestion");
            *held = Some(connection);
            true
        }
        Ok(false) => false,
        Err(error) => {
            tracing::warn!(error = %error, "could not ask for the scheduler lock");
            false
        }
    }
}

/// Ingests every source once, retrying failures, then makes the new data visible.
pub async fn run_cycle(state: &AppState, schedule: &Schedule) {
    run_cycle_until(state, schedule, &AtomicBool::new(false)).await;
}

/// Like [`run_cycle`], but stops between sources (each its own transaction) once `stop` is set.
pub async fn run_cycle_until(state: &AppState, schedule: &Schedule, stop: &AtomicBool) {
    for source in &schedule.sources {
        let mut delay = schedule.retry_base;
        for attempt in 1..=MAX_ATTEMPTS {
            if stop.load(Ordering::Acquire) {
                tracing::info!("shutting down: the scheduler stops between sources");
                return;
            }
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
