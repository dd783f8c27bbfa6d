//! The scheduler's cycle: every source in turn, failures retried with backoff, the last good
//! data kept.

use std::time::{Duration, Instant};

use app::ingest::Source;
use server::scheduler::{MAX_ATTEMPTS, Schedule, run_cycle};

use crate::helpers::{FIXTURES, TestApp, fixture};

#[tokio::test]
async fn a_failing_source_is_retried_with_backoff_and_the_others_still_apply() {
    let app = TestApp::spawn().await;
    let schedule = Schedule {
        sources: vec![
            Source::File(fixture(FIXTURES[0])),
            Source::File("/nonexistent/time_series_covid19_deaths_global.csv".into()),
            Source::File(fixture(FIXTURES[1])),
        ],
        interval: Duration::from_secs(3600),
        retry_base: Duration::from_millis(20),
    };

    let started = Instant::now();
    run_cycle(&app.state, &schedule).await;

    assert_eq!(app.runs("failed").await, i64::from(MAX_ATTEMPTS));
    assert_eq!(app.runs("applied").await, 2);
    // Waits of 20, 40 and 80 ms between the four attempts.
    assert!(
        started.elapsed() >= Duration::from_millis(140),
        "{:?}",
        started.elapsed()
    );
    let (_, world) = app.get_json("/api/v1/regions/world").await;
    assert_eq!(
        world["region"]["confirmed"], 158,
        "the cache saw the new data"
    );
}

#[tokio::test]
async fn a_second_cycle_finds_every_source_unchanged() {
    let app = TestApp::spawn().await;
    let schedule = Schedule {
        sources: FIXTURES
            .iter()
            .map(|name| Source::File(fixture(name)))
            .collect(),
        interval: Duration::from_secs(3600),
        retry_base: Duration::from_millis(20),
    };

    run_cycle(&app.state, &schedule).await;
    let version = app.version().await;
    run_cycle(&app.state, &schedule).await;

    assert_eq!(app.runs("applied").await, 5);
    assert_eq!(app.runs("unchanged").await, 5);
    assert_eq!(app.version().await, version);
}
