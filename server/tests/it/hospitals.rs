//! Hospitals: importing the registers, the nearby search over HTTP, the finder page and the
//! import command, on made-up files in the registers' formats and, where present, the real
//! registers.

use std::path::PathBuf;

use app::hospitals::{RegisterReport, import_hospitals};
use app::ingest::Source;
use app::store::hospitals::set_daily_capacity;

use crate::helpers::{Person, TestApp};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hospitals")
        .join(name)
}

fn sources(names: &[&str]) -> Vec<Source> {
    names.iter().map(|n| Source::File(fixture(n))).collect()
}

impl TestApp {
    /// Imports fixture registers and rebuilds the index, as the server does after an import.
    async fn import(&self, names: &[&str]) -> Vec<RegisterReport> {
        let reports = import_hospitals(&self.state.db, &sources(names))
            .await
            .expect("the fixtures import");
        self.state
            .reload_hospitals()
            .await
            .expect("the index rebuilds");
        reports
    }

    /// A stored hospital's id, open flag and daily capacity, by register id.
    async fn stored(&self, source_id: &str) -> Option<(i64, i64, Option<i64>)> {
        sqlx::query_as("SELECT id, is_open, daily_capacity FROM hospitals WHERE source_id = $1")
            .bind(source_id.to_owned())
            .fetch_optional(&self.state.db.pool)
            .await
            .expect("a query")
    }

    async fn hospital_names(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT name FROM hospitals ORDER BY source, source_id")
            .fetch_all(&self.state.db.pool)
            .await
            .expect("a query")
    }
}

/// A stored hospital as (source, source id, country, address, beds, is_open).
type StoredRow = (String, String, String, Option<String>, Option<i64>, i64);

/// (read, inserted, updated, closed now, without coordinates, duplicates, derived ids).
fn counts(report: &RegisterReport) -> (usize, i64, i64, i64, usize, usize, usize) {
    (
        report.read,
        report.inserted,
        report.updated,
        report.closed_now,
        report.without_coordinates,
        report.duplicates,
        report.derived_ids,
    )
}

#[tokio::test]
async fn importing_both_registers_stores_every_usable_row_once() {
    let app = TestApp::spawn().await;

    let reports = app.import(&["hifld.csv", "eurostat.csv"]).await;

    assert_eq!(counts(&reports[0]), (5, 4, 0, 0, 1, 0, 0));
    assert_eq!(counts(&reports[1]), (5, 4, 0, 0, 0, 1, 1));
    let rows: Vec<StoredRow> = sqlx::query_as(
        "SELECT source, source_id, country, address, beds, is_open FROM hospitals \
         ORDER BY source, source_id",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let row = |source: &str, id: &str, country: &str, address: Option<&str>, beds, open| {
        (
            source.to_owned(),
            id.to_owned(),
            country.to_owned(),
            address.map(str::to_owned),
            beds,
            open,
        )
    };
    assert_eq!(
        rows,
        vec![
            row(
                "eurostat",
                "AT_200",
                "AT",
                Some("Musterweg 3"),
                Some(220),
                1
            ),
            row("eurostat", "EL_100", "GR", Some("ΟΔΟΣ ΔΟΚΙΜΗΣ 4"), None, 1),
            row("eurostat", "FI_500", "FI", Some("Testitie 1"), Some(40), 1),
            row("eurostat", "FI_500~2", "FI", Some("Kokeilukatu 9"), None, 1),
            row(
                "hifld",
                "0009000001",
                "GU",
                Some("1 REEF ROAD"),
                Some(150),
                1
            ),
            row("hifld", "0009000002", "US", Some("100 MAIN ROAD"), None, 1),
            row(
                "hifld",
                "0009000003",
                "US",
                Some("2 DOCK STREET"),
                Some(12),
                0
            ),
            row(
                "hifld",
                "0009000005",
                "US",
                Some("5 HARBOR DRIVE"),
                Some(30),
                1
            ),
        ]
    );
    assert_eq!(
        app.state.nearby_index().len(),
        7,
        "the closed one is left out"
    );

    let again = app.import(&["hifld.csv", "eurostat.csv"]).await;
    assert_eq!(counts(&again[0]), (5, 0, 4, 0, 1, 0, 0));
    assert_eq!(counts(&again[1]), (5, 0, 4, 0, 0, 1, 1));
}

#[tokio::test]
async fn a_shorter_register_closes_the_missing_hospital_and_keeps_staff_capacity() {
    let app = TestApp::spawn().await;
    app.import(&["hifld.csv"]).await;
    let (adak, _, _) = app.stored("0009000002").await.unwrap();
    let (unalaska, _, _) = app.stored("0009000005").await.unwrap();
    assert!(
        set_daily_capacity(&app.state.db, adak, Some(7), "2026-12-01T00:00:00Z")
            .await
            .unwrap()
    );

    let reports = app.import(&["hifld_shorter.csv"]).await;

    assert_eq!(counts(&reports[0]), (4, 0, 3, 1, 1, 0, 0));
    assert_eq!(app.stored("0009000002").await, Some((adak, 1, Some(7))));
    assert_eq!(app.stored("0009000005").await, Some((unalaska, 0, None)));
    let (_, nearby) = app
        .get_json("/api/v1/hospitals/nearby?lat=53.87&lon=-166.54&limit=100")
        .await;
    let ids: Vec<i64> = nearby
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    assert!(!ids.contains(&unalaska), "{nearby}");
    assert_eq!(ids.len(), 2);

    let back = app.import(&["hifld.csv"]).await;
    assert_eq!(counts(&back[0]), (5, 0, 4, 0, 1, 0, 0));
    assert_eq!(app.stored("0009000005").await, Some((unalaska, 1, None)));
}

#[tokio::test]
async fn a_malformed_register_changes_nothing_and_names_its_file_and_line() {
    let app = TestApp::spawn().await;
    app.import(&["hifld.csv", "eurostat.csv"]).await;
    let before = app.hospital_names().await;

    let error = import_hospitals(
        &app.state.db,
        &sources(&["eurostat_longer.csv", "hifld_malformed.csv"]),
    )
    .await
    .unwrap_err()
    .to_string();

    assert!(
        error.contains("hifld_malformed.csv, line 3, column 13 (STATUS)"),
        "{error}"
    );
    assert!(error.contains("`MAYBE`"), "{error}");
    assert_eq!(app.hospital_names().await, before);
    assert_eq!(
        app.stored("AT_201").await,
        None,
        "the good file was not applied either"
    );
}

#[tokio::test]
async fn nearby_hospitals_come_nearest_first_across_the_antimeridian() {
    let app = TestApp::spawn().await;
    app.import(&["hifld.csv", "eurostat.csv"]).await;

    let response = app
        .get("/api/v1/hospitals/nearby?lat=51.9&lon=179.9&limit=3")
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=60",
        "public, not personal"
    );
    let found: serde_json::Value = response.json().await.unwrap();

    // Distances computed separately with the haversine formula on a 6371.0088 km radius.
    let summary: Vec<(&str, f64, &str, &str)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap(),
                h["distance_km"].as_f64().unwrap(),
                h["city"].as_str().unwrap(),
                h["country"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("ADAK ISLAND CLINIC HOSPITAL", 236.8, "ADAK", "US"),
            ("UNALASKA BAY HOSPITAL", 934.2, "UNALASKA", "US"),
            ("HARBOR POINT MEDICAL CENTER", 5293.4, "TAMUNING", "GU"),
        ]
    );
    assert_eq!(found[0]["lat"], 51.88);
    assert_eq!(found[0]["lon"], -176.65);
    assert!(found[0]["id"].is_i64());

    let (_, near_guam) = app
        .get_json("/api/v1/hospitals/nearby?lat=13.45&lon=144.8&radius_km=10")
        .await;
    assert_eq!(near_guam.as_array().unwrap().len(), 1, "{near_guam}");
    assert_eq!(near_guam[0]["name"], "HARBOR POINT MEDICAL CENTER");
    assert_eq!(near_guam[0]["distance_km"], 4.0);
}

#[tokio::test]
async fn bad_nearby_parameters_are_a_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    app.import(&["hifld.csv"]).await;

    for (query, name) in [
        ("lon=10", "`lat`"),
        ("lat=10", "`lon`"),
        ("lat=north&lon=10", "`lat`"),
        ("lat=91&lon=10", "`lat`"),
        ("lat=10&lon=-180.5", "`lon`"),
        ("lat=10&lon=10&limit=0", "`limit`"),
        ("lat=10&lon=10&limit=101", "`limit`"),
        ("lat=10&lon=10&limit=ten", "`limit`"),
        ("lat=10&lon=10&radius_km=-1", "`radius_km`"),
        ("lat=10&lon=10&radius_km=inf", "`radius_km`"),
    ] {
        let (status, body) = app
            .get_json(&format!("/api/v1/hospitals/nearby?{query}"))
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(name)),
            "{query}: {body}"
        );
    }
    let (status, body) = app
        .get_json("/api/v1/hospitals/nearby?lat=10&lon=10&limit=100")
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_server_function_adds_the_next_free_days_from_staff_capacity_and_bookings() {
    let app = TestApp::spawn().await;
    app.import(&["hifld.csv"]).await;
    let (adak, _, _) = app.stored("0009000002").await.unwrap();
    set_daily_capacity(&app.state.db, adak, Some(7), "2026-12-01T00:00:00Z")
        .await
        .unwrap();
    app.state.reload_hospitals().await.unwrap();
    let (first, _) = app
        .state
        .settings
        .dose_rules
        .window(chrono::Utc::now().date_naive());
    let second = first.succ_opt().unwrap();
    sqlx::query("INSERT INTO hospital_days (hospital_id, day, capacity, booked) VALUES ($1, $2, 7, 7), ($1, $3, 7, 2)")
        .bind(adak)
        .bind(first.to_string())
        .bind(second.to_string())
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    let person = Person::new(&app);
    let (status, found) = person
        .call(
            "nearby_hospitals",
            &[("lat", "51.9"), ("lon", "179.9"), ("limit", "2")],
        )
        .await;

    assert_eq!(status, 200, "{found}");
    let days = |i: usize| -> Vec<(String, i64)> {
        found[i]["free_days"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["day"].as_str().unwrap().to_owned(),
                    d["free"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let third = second.succ_opt().unwrap();
    let fourth = third.succ_opt().unwrap();
    assert_eq!(found[0]["id"], adak);
    assert_eq!(
        days(0),
        [
            (second.to_string(), 5),
            (third.to_string(), 7),
            (fourth.to_string(), 7)
        ],
        "the full first day is skipped"
    );
    assert_eq!(days(1)[0], (first.to_string(), 100), "the default capacity");

    let (status, refused) = person
        .call(
            "nearby_hospitals",
            &[("lat", "95"), ("lon", "0"), ("limit", "2")],
        )
        .await;
    assert_eq!(status, 422, "{refused}");
}

#[tokio::test]
async fn the_finder_page_lists_the_nearest_hospitals_on_the_server() {
    let app = TestApp::spawn().await;
    app.import(&["hifld.csv", "eurostat.csv"]).await;
    let (adak, _, _) = app.stored("0009000002").await.unwrap();

    let (status, html) = app
        .get_text("/hospitals?lat=51.9&lon=179.9&radius_km=1000")
        .await;

    assert_eq!(status, 200);
    let first = html
        .find("ADAK ISLAND CLINIC HOSPITAL")
        .expect("Adak listed");
    let second = html.find("UNALASKA BAY HOSPITAL").expect("Unalaska listed");
    assert!(first < second, "nearest first");
    assert!(
        !html.contains("OLD CANNERY HOSPITAL"),
        "closed hospitals are not offered"
    );
    assert!(!html.contains("HARBOR POINT"), "Guam is beyond the radius");
    assert!(html.contains(&format!("href=\"/vaccinations?hospital={adak}\"")));
    assert!(html.contains("236.8 km away"));
    assert!(html.contains("<svg"), "the map is drawn on the server");
    assert!(html.contains("value=\"51.9\""), "the form keeps the place");

    let (status, empty_form) = app.get_text("/hospitals").await;
    assert_eq!(status, 200);
    assert!(empty_form.contains("Use my location"));
}

#[tokio::test]
async fn the_import_command_prints_its_report_and_fails_on_a_bad_file() {
    let app = TestApp::spawn().await;
    let command = |file: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_covid19"))
            .args(["hospitals", "import"])
            .arg(fixture(file))
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("the command runs")
    };

    let done = command("hifld.csv");
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert!(done.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "5 rows read, 4 inserted, 0 updated, 0 closed now, 1 skipped without coordinates"
        ),
        "{stdout}"
    );

    let failed = command("hifld_malformed.csv");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success());
    assert!(stderr.contains("hifld_malformed.csv, line 3"), "{stderr}");
    assert_eq!(app.hospital_names().await.len(), 4);
}

fn shared_register(file: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("COVID19_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let path = dir.join("hospitals").join(file);
    path.is_file().then_some(path)
}

// The figures were counted from the files with Python's csv module, independently of the parser.
#[tokio::test]
async fn the_real_registers_import_to_the_counted_figures() {
    let (Some(us), Some(eu)) = (
        shared_register("us_hifld_Hospitals_2020.csv.gz"),
        shared_register("eu_eurostat_healthcare_services_all.csv.gz"),
    ) else {
        eprintln!("skipped: no shared hospital registers (set COVID19_DATA_DIR)");
        return;
    };
    let app = TestApp::spawn().await;
    let both = [Source::File(us), Source::File(eu)];

    let reports = import_hospitals(&app.state.db, &both).await.unwrap();
    app.state.reload_hospitals().await.unwrap();

    assert_eq!(counts(&reports[0]), (7581, 7581, 0, 0, 0, 0, 0));
    assert_eq!(counts(&reports[1]), (15_181, 15_136, 0, 0, 0, 45, 174));
    assert_eq!(app.state.nearby_index().len(), 7581 - 435 + 15_136);
    let (_, samoa) = app
        .get_json("/api/v1/hospitals/nearby?lat=-14.290242&lon=-170.685741&limit=1")
        .await;
    assert_eq!(samoa[0]["country"], "AS");
    assert_eq!(samoa[0]["distance_km"], 0.0);

    let again = import_hospitals(&app.state.db, &both).await.unwrap();
    assert_eq!(counts(&again[0]), (7581, 0, 7581, 0, 0, 0, 0));
    assert_eq!(counts(&again[1]), (15_181, 0, 15_136, 0, 0, 45, 174));
}
