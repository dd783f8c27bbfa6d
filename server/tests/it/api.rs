//! The JSON and CSV API over HTTP, on the fixtures.

use crate::helpers::TestApp;

#[tokio::test]
async fn summary_totals_every_global_row_once() {
    let app = TestApp::with_fixtures().await;

    let (status, summary) = app.get_json("/api/v1/summary").await;

    assert_eq!(status, 200);
    assert_eq!(summary["date"], "2020-01-31");
    assert_eq!(summary["confirmed"], 158);
    assert_eq!(summary["deaths"], 12);
    assert_eq!(summary["new_confirmed"], 24);
    assert_eq!(summary["new_deaths"], 3);
    let avg7 = summary["avg7_confirmed"].as_f64().expect("an average");
    assert!((avg7 - 115.0 / 7.0).abs() < 1e-9, "{avg7}");
    assert!(
        summary["data_hour"].as_str().is_some_and(|h| h.len() == 13),
        "{summary}"
    );
}

#[tokio::test]
async fn summary_before_any_data_is_a_clear_503() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/api/v1/summary").await;
    assert_eq!(status, 503);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|m| m.contains("no data")),
        "{body}"
    );
}

#[tokio::test]
async fn a_split_country_totals_its_rows_and_lists_them() {
    let app = TestApp::with_fixtures().await;

    let (status, france) = app.get_json("/api/v1/regions/france").await;

    assert_eq!(status, 200);
    assert_eq!(france["region"]["confirmed"], 43);
    assert_eq!(france["region"]["new_confirmed"], 10);
    assert_eq!(
        france["region"]["population"], 61_000_000,
        "mainland plus Reunion"
    );
    let children: Vec<&str> = france["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| c["id"].as_str().expect("an id"))
        .collect();
    assert_eq!(children, ["france/mainland", "france/reunion"]);
    assert_eq!(france["children"][0]["kind"], "mainland");
    assert_eq!(france["ancestors"][0]["name"], "World");
}

#[tokio::test]
async fn a_us_state_totals_its_counties_and_the_country_says_how_far_they_run() {
    let app = TestApp::with_fixtures().await;

    let (_, state) = app.get_json("/api/v1/regions/united-states/new-york").await;
    assert_eq!(state["region"]["confirmed"], 10);
    assert_eq!(state["region"]["new_confirmed"], 2);
    assert_eq!(state["region"]["population"], 20_000_000);
    let kinds: Vec<&str> = state["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| c["kind"].as_str().expect("a kind"))
        .collect();
    assert!(
        kinds.contains(&"unassigned") && kinds.contains(&"out_of_state"),
        "{kinds:?}"
    );

    let (_, us) = app.get_json("/api/v1/regions/united-states").await;
    assert_eq!(
        us["region"]["confirmed"], 15,
        "the country keeps its own global row"
    );
    assert_eq!(us["region"]["date"], "2020-01-31");
    assert_eq!(us["children_until"], "2020-01-29");
}

#[tokio::test]
async fn series_keeps_revisions_negative_and_flags_them() {
    let app = TestApp::with_fixtures().await;

    let (status, rows) =
        app.get_json("/api/v1/regions/united-states/new-york/unassigned/series?from=2020-01-26&to=2020-01-28").await;

    assert_eq!(status, 200);
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["date"], "2020-01-26");
    assert_eq!(rows[1]["new_confirmed"], -2);
    assert_eq!(rows[1]["confirmed_revised"], true);
    assert_eq!(rows[2]["confirmed_revised"], false);
}

#[tokio::test]
async fn series_is_also_served_as_csv() {
    let app = TestApp::with_fixtures().await;

    let response = app
        .get("/api/v1/regions/world/series.csv?from=2020-01-30")
        .await;

    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/csv")
    );
    let body = response.text().await.expect("a body");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines[0],
        "date,confirmed,deaths,new_confirmed,new_deaths,confirmed_revised,deaths_revised"
    );
    assert_eq!(lines[1], "2020-01-30,134,9,11,0,false,false");
    assert_eq!(lines[2], "2020-01-31,158,12,24,3,false,false");
    assert_eq!(lines.len(), 3);
}

#[tokio::test]
async fn api_errors_are_json_with_a_message() {
    let app = TestApp::with_fixtures().await;

    let (status, body) = app.get_json("/api/v1/regions/atlantis").await;
    assert_eq!(status, 404);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|m| m.contains("atlantis")),
        "{body}"
    );

    let (status, body) = app
        .get_json("/api/v1/regions/france/series?from=31-01-2020")
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|m| m.contains("YYYY-MM-DD")),
        "{body}"
    );

    let (status, body) = app
        .get_json("/api/v1/regions/france/series?from=2020-02-01&to=2020-01-01")
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().is_some_and(|m| m.contains("after")),
        "{body}"
    );

    let (status, _) = app.get_json("/api/v1/nothing-here").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_bad_query_string_is_a_json_error() {
    let app = TestApp::with_fixtures().await;
    let (status, body) = app
        .get_json("/api/v1/regions/france/series?from=2020-01-25&from=2020-01-26")
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|m| m.contains("query string")),
        "{body}"
    );
}

#[tokio::test]
async fn regions_before_any_data_are_a_503_not_a_404() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/api/v1/regions/world").await;
    assert_eq!(status, 503, "{body}");
}

#[tokio::test]
async fn readiness_waits_for_data_while_liveness_does_not() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get_json("/healthz").await.0, 200);
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 503);
    assert_eq!(body["reason"], "no data has been loaded yet");

    for name in crate::helpers::FIXTURES {
        app.ingest(crate::helpers::fixture(name))
            .await
            .expect("fixtures ingest");
    }
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
}
