//! Starting the app for a test, and small helpers to drive it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use app::ingest::{IngestError, RunOptions, RunReport, Source, ingest_source};
use app::state::AppState;
use app::store::Db;
use leptos::config::LeptosOptions;
use server::startup::build_router;
use tempfile::TempDir;
use tokio::net::TcpListener;

/// A running server with its own database.
pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pub database_url: String,
    _dir: std::sync::Arc<TempDir>,
}

/// The fixture files, in the order a first start ingests them.
pub const FIXTURES: [&str; 5] = [
    "UID_ISO_FIPS_LookUp_Table.csv",
    "time_series_covid19_confirmed_global.csv",
    "time_series_covid19_deaths_global.csv",
    "time_series_covid19_confirmed_US.csv",
    "time_series_covid19_deaths_US.csv",
];

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

impl TestApp {
    pub async fn spawn() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => fresh_postgres_database(&admin_url).await,
            _ => format!("sqlite:{}", dir.path().join("test.db").display()),
        };
        Self::spawn_on(url, std::sync::Arc::new(dir)).await
    }

    /// A second server on this one's database, as after a restart.
    pub async fn restart(&self) -> Self {
        Self::spawn_on(self.database_url.clone(), self._dir.clone()).await
    }

    async fn spawn_on(url: String, dir: std::sync::Arc<TempDir>) -> Self {
        let db = Db::connect(&url).await.expect("a fresh database");
        let options = LeptosOptions::builder()
            .output_name("covid19")
            .site_root(dir.path().to_string_lossy().into_owned())
            .build();
        let state = AppState::new(db, options, true);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = format!("http://{}", listener.local_addr().expect("an address"));
        let router = build_router(state.clone());
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
        });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        Self {
            address,
            state,
            client,
            database_url: url,
            _dir: dir,
        }
    }

    /// A server with every fixture ingested.
    pub async fn with_fixtures() -> Self {
        let app = Self::spawn().await;
        for name in FIXTURES {
            app.ingest(fixture(name)).await.expect("fixtures ingest");
        }
        app
    }

    pub async fn ingest(&self, path: PathBuf) -> Result<RunReport, IngestError> {
        self.ingest_source(&Source::File(path), false).await
    }

    pub async fn ingest_source(
        &self,
        source: &Source,
        force: bool,
    ) -> Result<RunReport, IngestError> {
        let report = ingest_source(&self.state.db, source, RunOptions { force }).await;
        self.state
            .refresh_version()
            .await
            .expect("the data version");
        report
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("a response")
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("a text body"))
    }

    /// How many ingestion runs ended with `outcome`.
    pub async fn runs(&self, outcome: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM ingestion_runs WHERE outcome = $1")
            .bind(outcome.to_owned())
            .fetch_one(&self.state.db.pool)
            .await
            .expect("a count")
    }

    /// The database's data version.
    pub async fn version(&self) -> i64 {
        app::store::regions::data_version(&self.state.db)
            .await
            .expect("a version")
            .version
    }
}

/// Creates an empty database on the Postgres server at `admin_url` and returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;

    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(admin_url)
        .await
        .expect("the Postgres test server");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("a fresh database");
    admin.close().await.expect("a clean disconnect");
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    format!("{server}/{name}")
}

/// Writes `text` to a file named `name` in a new temporary folder.
pub fn temp_file(name: &str, text: &[u8]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("a written file");
    (dir, path)
}

/// A browser-like client of a [`TestApp`]: it keeps its cookies (its session).
pub struct Person {
    pub client: reqwest::Client,
    pub address: String,
}

impl Person {
    pub fn new(app: &TestApp) -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .timeout(Duration::from_secs(60))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            address: app.address.clone(),
        }
    }

    /// Calls a server function with form fields, as the site's forms do, and returns the
    /// status and the JSON answer (`null` when there is none).
    pub async fn call(&self, function: &str, fields: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let response = self
            .client
            .post(format!("{}/api/{function}", self.address))
            .header("Accept", "application/json")
            .form(fields)
            .send()
            .await
            .expect("a response");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// Registers with `email` and a fixed password, which logs the person in.
    pub async fn register(app: &TestApp, email: &str) -> Self {
        let person = Self::new(app);
        let (status, body) = person
            .call("register", &[("email", email), ("password", PASSWORD)])
            .await;
        assert_eq!(status, 200, "{body}");
        person
    }

    /// Registers and fills in a profile with a typed home location.
    pub async fn with_profile(app: &TestApp, email: &str) -> Self {
        let person = Self::register(app, email).await;
        let (status, body) = person
            .call(
                "save_profile",
                &[
                    ("full_name", "Test Person"),
                    ("birth_date", "1970-01-01"),
                    ("phone", ""),
                    ("address", ""),
                    ("location_method", "typed"),
                    ("region", ""),
                    ("lat", "48.85"),
                    ("lon", "2.35"),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        person
    }
}

/// The password test people register with.
pub const PASSWORD: &str = "a long enough passphrase";

impl TestApp {
    /// Adds an open hospital with a daily capacity (`None`: the default) and returns its id.
    pub async fn add_hospital(&self, name: &str, lat: f64, lon: f64, capacity: Option<i64>) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO hospitals (source, source_id, name, country, lat, lon, is_open, \
             daily_capacity, updated_at) VALUES ('test', $1, $1, 'FR', $2, $3, 1, $4, '2026-01-01T00:00:00Z') \
             RETURNING id",
        )
        .bind(name.to_owned())
        .bind(lat)
        .bind(lon)
        .bind(capacity)
        .fetch_one(&self.state.db.pool)
        .await
        .expect("a hospital")
    }
}
