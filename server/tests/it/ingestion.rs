//! Ingestion as a job: idempotent, transactional, logged, and safe against bad input.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use app::ingest::{IngestError, Outcome, Source};
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::helpers::{FIXTURES, TestApp, fixture, temp_file};

#[tokio::test]
async fn the_same_file_twice_changes_nothing() {
    let app = TestApp::with_fixtures().await;
    let version = app.version().await;
    let (_, before) = app.get_json("/api/v1/regions/world/series").await;

    let again = app
        .ingest(fixture(FIXTURES[1]))
        .await
        .expect("a second run");
    assert_eq!(again.outcome, Outcome::Unchanged);

    let forced = app
        .ingest_source(&Source::File(fixture(FIXTURES[1])), true)
        .await
        .expect("a forced run");
    assert_eq!(forced.outcome, Outcome::Applied);
    assert_eq!((forced.inserted, forced.changed), (0, 0));

    assert_eq!(app.version().await, version, "no change, no new version");
    let (_, after) = app.get_json("/api/v1/regions/world/series").await;
    assert_eq!(before, after);
    assert_eq!(app.runs("unchanged").await, 1);
}

#[tokio::test]
async fn a_first_run_counts_what_it_read_and_wrote() {
    let app = TestApp::spawn().await;
    app.ingest(fixture(FIXTURES[0]))
        .await
        .expect("the lookup table");

    let report = app
        .ingest(fixture(FIXTURES[1]))
        .await
        .expect("the global file");

    assert_eq!(report.rows_read, 9);
    // 9 rows, the world, and the totals of France and Canada: 12 regions of 10 days.
    assert_eq!(report.inserted, 120);
    assert_eq!(report.changed, 0);
    assert_eq!(report.data_hour.len(), 13);
}

#[tokio::test]
async fn a_changed_file_updates_only_what_changed() {
    let app = TestApp::with_fixtures().await;
    let original = std::fs::read_to_string(fixture(FIXTURES[1])).expect("the fixture");
    let revised = original.replace(
        ",Afghanistan,33.93911,67.709953,0,0,1,1,2,3,5,8,13,21",
        ",Afghanistan,33.93911,67.709953,0,0,1,1,2,3,5,8,13,25",
    );
    assert_ne!(original, revised);
    let (_dir, path) = temp_file(FIXTURES[1], revised.as_bytes());

    let report = app.ingest(path).await.expect("the revised file");

    // Afghanistan's last day, and the world's.
    assert_eq!((report.inserted, report.changed), (0, 2));
    let (_, summary) = app.get_json("/api/v1/summary").await;
    assert_eq!(summary["confirmed"], 162);
}

async fn assert_rejected_without_change(
    app: &TestApp,
    name: &str,
    text: &str,
    expected_line: u64,
) -> IngestError {
    let version = app.version().await;
    let (_, before) = app.get_json("/api/v1/regions/world").await;
    let (_dir, path) = temp_file(name, text.as_bytes());

    let error = app.ingest(path).await.expect_err("a bad file is rejected");

    match &error {
        IngestError::Malformed { line, file, .. } => {
            assert_eq!(*line, expected_line, "{error}");
            assert!(file.ends_with(name), "{error}");
        }
        other => panic!("expected a malformed-file error, got {other}"),
    }
    assert_eq!(app.version().await, version);
    let (_, after) = app.get_json("/api/v1/regions/world").await;
    assert_eq!(before, after, "the last good data stays");
    error
}

#[tokio::test]
async fn a_truncated_file_is_rejected_and_the_data_stays() {
    let app = TestApp::with_fixtures().await;
    let original = std::fs::read_to_string(fixture(FIXTURES[2])).expect("the fixture");
    let cut = &original[..original.len() - 25];

    let error = assert_rejected_without_change(&app, FIXTURES[2], cut, 10).await;

    assert!(error.to_string().contains("truncated"), "{error}");
    assert_eq!(app.runs("failed").await, 1);
}

#[tokio::test]
async fn a_garbled_value_is_rejected_with_line_and_column() {
    let app = TestApp::with_fixtures().await;
    let original = std::fs::read_to_string(fixture(FIXTURES[1])).expect("the fixture");
    let garbled = original.replace(
        "Ontario,Canada,51.2538,-85.3232,2,2,3",
        "Ontario,Canada,51.2538,-85.3232,2,2,x3",
    );

    let error = assert_rejected_without_change(&app, FIXTURES[1], &garbled, 7).await;

    let message = error.to_string();
    assert!(message.contains("column 7 (1/24/20)"), "{message}");
    assert!(message.contains("`x3`"), "{message}");
}

#[tokio::test]
async fn a_row_with_a_missing_field_is_rejected() {
    let app = TestApp::with_fixtures().await;
    let original = std::fs::read_to_string(fixture(FIXTURES[3])).expect("the fixture");
    let short = original.replace(",0,0,0,0,0,1,1,1\n", ",0,0,0,0,1,1,1\n");

    assert_rejected_without_change(&app, FIXTURES[3], &short, 6).await;
}

#[tokio::test]
async fn a_missing_file_fails_cleanly() {
    let app = TestApp::with_fixtures().await;
    let error = app
        .ingest("/nonexistent/time_series_covid19_confirmed_global.csv".into())
        .await
        .unwrap_err();
    assert!(matches!(error, IngestError::Fetch { .. }), "{error}");
    assert!(error.to_string().contains("/nonexistent/"), "{error}");
}

/// A local HTTP source that honours `If-None-Match`, counting full and not-modified answers.
async fn serve_fixture(name: &'static str) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let full = Arc::new(AtomicUsize::new(0));
    let not_modified = Arc::new(AtomicUsize::new(0));
    let (full_count, not_modified_count) = (full.clone(), not_modified.clone());
    let router = Router::new().route(
        "/data/{file}",
        get(move |headers: HeaderMap| {
            let (full, not_modified) = (full_count.clone(), not_modified_count.clone());
            async move {
                let etag = "\"fixture-v1\"";
                if headers
                    .get(header::IF_NONE_MATCH)
                    .is_some_and(|v| v == etag)
                {
                    not_modified.fetch_add(1, Ordering::SeqCst);
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                full.fetch_add(1, Ordering::SeqCst);
                let body = std::fs::read(fixture(name)).expect("the fixture");
                ([(header::ETAG, etag)], body).into_response()
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    (format!("http://{address}/data/{name}"), full, not_modified)
}

#[tokio::test]
async fn a_url_source_is_fetched_once_then_revalidated() {
    let app = TestApp::spawn().await;
    let (url, full, not_modified) = serve_fixture(FIXTURES[1]).await;
    let source = Source::parse(&url);

    let first = app
        .ingest_source(&source, false)
        .await
        .expect("the first fetch");
    let second = app
        .ingest_source(&source, false)
        .await
        .expect("the second fetch");

    assert_eq!(first.outcome, Outcome::Applied);
    assert_eq!(second.outcome, Outcome::Unchanged);
    assert_eq!(full.load(Ordering::SeqCst), 1);
    assert_eq!(not_modified.load(Ordering::SeqCst), 1);
    let (_, world) = app.get_json("/api/v1/regions/world").await;
    assert_eq!(world["region"]["confirmed"], 158);
}

#[tokio::test]
async fn an_unreachable_url_keeps_the_last_good_data() {
    let app = TestApp::with_fixtures().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let address = listener.local_addr().expect("an address");
    drop(listener);
    let source = Source::parse(&format!(
        "http://{address}/time_series_covid19_confirmed_global.csv"
    ));

    let error = app
        .ingest_source(&source, false)
        .await
        .expect_err("nothing listens there");

    assert!(matches!(error, IngestError::Fetch { .. }), "{error}");
    let (_, summary) = app.get_json("/api/v1/summary").await;
    assert_eq!(summary["confirmed"], 158);
}

#[tokio::test]
async fn a_file_with_fewer_places_is_refused_unless_forced() {
    let app = TestApp::with_fixtures().await;
    let original = std::fs::read_to_string(fixture(FIXTURES[1])).expect("the fixture");
    let fewer: String = original
        .split_inclusive('\n')
        .filter(|line| !line.contains("Afghanistan"))
        .collect();
    let (_dir, path) = temp_file(FIXTURES[1], fewer.as_bytes());

    let error = app
        .ingest(path.clone())
        .await
        .expect_err("places are missing");

    assert!(matches!(error, IngestError::Incomplete { .. }), "{error}");
    assert!(
        error.to_string().contains("lacks 1 places") && error.to_string().contains("`Afghanistan`"),
        "{error}"
    );
    let (_, summary) = app.get_json("/api/v1/summary").await;
    assert_eq!(summary["confirmed"], 158, "the last good data stays");

    app.ingest_source(&Source::File(path), true)
        .await
        .expect("a forced run applies");
    let (_, summary) = app.get_json("/api/v1/summary").await;
    assert_eq!(
        summary["confirmed"], 137,
        "the world is now the file's rows"
    );
}

#[tokio::test]
async fn a_file_that_ends_earlier_is_refused() {
    let app = TestApp::with_fixtures().await;
    let original = std::fs::read_to_string(fixture(FIXTURES[2])).expect("the fixture");
    let shorter: String = original
        .split_inclusive("\r\n")
        .map(|line| {
            let trimmed = line.trim_end_matches("\r\n");
            let cut = trimmed
                .rfind(',')
                .map_or(trimmed, |comma| &trimmed[..comma]);
            format!("{cut}\r\n")
        })
        .collect();
    let (_dir, path) = temp_file(FIXTURES[2], shorter.as_bytes());

    let error = app.ingest(path).await.expect_err("days are missing");

    assert!(error.to_string().contains("ends on 2020-01-30"), "{error}");
    assert!(
        error.to_string().contains("already runs to 2020-01-31"),
        "{error}"
    );
    let (_, summary) = app.get_json("/api/v1/summary").await;
    assert_eq!(
        (summary["date"].as_str(), summary["deaths"].as_i64()),
        (Some("2020-01-31"), Some(12))
    );
}

#[tokio::test]
async fn two_ingestions_at_once_both_complete() {
    let app = TestApp::with_fixtures().await;
    let (global, us) = (
        Source::File(fixture(FIXTURES[1])),
        Source::File(fixture(FIXTURES[3])),
    );
    let first = app.ingest_source(&global, true);
    let second = app.ingest_source(&us, true);

    let (first, second) = tokio::join!(first, second);

    assert_eq!(first.expect("the first run").outcome, Outcome::Applied);
    assert_eq!(second.expect("the second run").outcome, Outcome::Applied);
}
