//! The real JHU files from the shared data folder, where it exists.

use std::path::PathBuf;

use crate::helpers::TestApp;

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("COVID19_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    dir.join("jhu_csse").is_dir().then_some(dir)
}

#[tokio::test]
async fn the_real_data_gives_the_sources_final_world_totals() {
    let Some(dir) = data_dir() else {
        eprintln!("skipped: no shared data folder (set COVID19_DATA_DIR)");
        return;
    };
    let app = TestApp::spawn().await;
    for file in [
        "jhu_csse/UID_ISO_FIPS_LookUp_Table.csv",
        "jhu_csse/time_series/time_series_covid19_confirmed_global.csv.gz",
        "jhu_csse/time_series/time_series_covid19_deaths_global.csv.gz",
        "jhu_csse/time_series/time_series_covid19_confirmed_US_thru_2020-12-14.csv.gz",
        "jhu_csse/time_series/time_series_covid19_deaths_US_thru_2020-12-14.csv.gz",
    ] {
        app.ingest(dir.join(file))
            .await
            .expect("the real file ingests");
    }

    let (_, summary) = app.get_json("/api/v1/summary").await;
    assert_eq!(summary["date"], "2023-03-09");
    assert_eq!(summary["confirmed"], 676_570_149);
    assert_eq!(summary["deaths"], 6_881_802);

    let (_, world) = app
        .get_json("/api/v1/regions/world/series?from=2023-03-09")
        .await;
    assert_eq!(world[0]["confirmed"], 676_570_149);

    let (status, kings) = app
        .get_json("/api/v1/regions/united-states/new-york/kings")
        .await;
    assert_eq!(status, 200);
    assert_eq!(kings["region"]["date"], "2020-12-14");
    assert_eq!(kings["fips"], "36047");
    assert!(
        kings["region"]["population"]
            .as_i64()
            .is_some_and(|p| p > 2_000_000)
    );

    let (_, us) = app.get_json("/api/v1/regions/united-states").await;
    assert_eq!(us["region"]["date"], "2023-03-09");
    assert_eq!(us["children_until"], "2020-12-14");

    // France's largest single-day revision in the source: 5/20/21, -349,116 on the mainland.
    let (_, france) = app
        .get_json("/api/v1/regions/france/mainland/series?from=2021-05-20&to=2021-05-20")
        .await;
    assert_eq!(france[0]["new_confirmed"], -349_116);
    assert_eq!(france[0]["confirmed_revised"], true);
}
