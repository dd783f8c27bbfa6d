//! Caching and compression over real HTTP.

use app::ingest::Source;

use crate::helpers::{FIXTURES, TestApp, fixture, temp_file};

#[tokio::test]
async fn public_data_carries_an_etag_and_answers_304_until_the_data_changes() {
    let app = TestApp::with_fixtures().await;

    let first = app.get("/api/v1/summary").await;
    let etag = first.headers()["etag"]
        .to_str()
        .expect("an ETag")
        .to_owned();
    let cache_control = first.headers()["cache-control"]
        .to_str()
        .expect("a Cache-Control")
        .to_owned();
    assert!(
        cache_control.starts_with("public, max-age="),
        "{cache_control}"
    );
    assert!(
        cache_control.contains("stale-while-revalidate"),
        "{cache_control}"
    );

    for path in ["/api/v1/summary", "/", "/region/france"] {
        let revalidated = app
            .client
            .get(format!("{}{path}", app.address))
            .header("if-none-match", &etag)
            .send()
            .await;
        let revalidated = revalidated.expect("a response");
        assert_eq!(revalidated.status(), 304, "{path}");
        assert_eq!(revalidated.text().await.expect("a body"), "", "{path}");
    }

    let original = std::fs::read_to_string(fixture(FIXTURES[1])).expect("the fixture");
    let changed = original.replace(",13,21\r\n", ",13,30\r\n");
    let (_dir, path) = temp_file(FIXTURES[1], changed.as_bytes());
    app.ingest_source(&Source::File(path), false)
        .await
        .expect("a changed file");

    let after = app
        .client
        .get(format!("{}/api/v1/summary", app.address))
        .header("if-none-match", &etag)
        .send()
        .await;
    let after = after.expect("a response");
    assert_eq!(after.status(), 200, "new data, new ETag");
    assert_ne!(after.headers()["etag"].to_str().ok(), Some(etag.as_str()));
}

#[tokio::test]
async fn health_checks_and_errors_are_not_cached() {
    let app = TestApp::with_fixtures().await;
    assert!(app.get("/healthz").await.headers().get("etag").is_none());
    assert!(
        app.get("/api/v1/regions/atlantis")
            .await
            .headers()
            .get("cache-control")
            .is_none()
    );
}

#[tokio::test]
async fn responses_are_compressed_with_brotli_or_gzip() {
    let app = TestApp::with_fixtures().await;
    for encoding in ["br", "gzip"] {
        let response = app
            .client
            .get(format!("{}/", app.address))
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("a response");
        assert_eq!(response.headers()["content-encoding"], encoding);
    }
}
