//! Several `covid19 serve` processes on one database: one scheduler at a time on Postgres,
//! failover when it dies, and a clear refusal of a second server on one SQLite file.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use app::ingest::{RunOptions, Source, ingest_source};
use app::store::{Db, regions};

use crate::helpers::{FIXTURES, fixture, fresh_postgres_database};

const LEADER: &str = "this instance now runs the scheduled ingestion";

/// A server process whose log goes to a file.
struct Instance {
    child: Child,
    log: PathBuf,
}

impl Instance {
    /// Starts a server ingesting the fixtures every second.
    fn start(database_url: &str, dir: &Path, name: &str) -> Self {
        let sources: Vec<PathBuf> = FIXTURES.iter().map(|f| fixture(f)).collect();
        Self::start_with(database_url, dir, name, &sources, &[])
    }

    /// Starts a server ingesting `sources` every second, with extra environment variables.
    fn start_with(
        database_url: &str,
        dir: &Path,
        name: &str,
        sources: &[PathBuf],
        env: &[(&str, &str)],
    ) -> Self {
        let log = dir.join(format!("{name}.log"));
        let sources: Vec<String> = sources.iter().map(|f| f.display().to_string()).collect();
        let mut command = Command::new(env!("CARGO_BIN_EXE_covid19"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("LEPTOS_SITE_ROOT", dir)
            .env("COVID19_SOURCES", sources.join(","))
            .env("COVID19_INGEST_INTERVAL_SECS", "1")
            // No hospital registers: the data folder may be missing, and tests stay on loopback.
            .env("COVID19_IMPORT_HOSPITALS", "false")
            .env("RUST_LOG", "info")
            .env_remove("LEPTOS_OUTPUT_NAME")
            .env_remove("DATABASE_READ_URL");
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .expect("the covid19 binary starts");
        Self { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the server says it listens, failing the test with its log otherwise.
    fn wait_until_serving(&self) {
        let serving = eventually(Duration::from_secs(30), || {
            self.log().contains("serving on")
        });
        assert!(serving, "the server did not start: {}", self.log());
    }

    fn is_leader(&self) -> bool {
        self.log().contains(LEADER)
    }

    /// The server's address, from its log.
    fn address(&self) -> String {
        let log = self.log();
        log[log.find("serving on ").expect("the address") + 11..]
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_owned()
    }

    /// Sends the process a signal by name (`TERM`, `KILL`).
    fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
    }

    /// Waits for the process to exit and returns whether it exited with status 0.
    fn wait_for_exit(&mut self, limit: Duration) -> bool {
        assert!(
            eventually(limit, || matches!(self.child.try_wait(), Ok(Some(_)))),
            "the server did not stop: {}",
            self.log()
        );
        self.child.wait().expect("an exit status").success()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `condition` every 100 ms for up to `limit`.
fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    condition()
}

#[test]
fn a_second_server_on_one_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite:{}", dir.path().join("shared.db").display());
    let first = Instance::start(&url, dir.path(), "first");
    first.wait_until_serving();

    let mut second = Instance::start(&url, dir.path(), "second");
    let status = eventually(Duration::from_secs(30), || {
        matches!(second.child.try_wait(), Ok(Some(_)))
    });

    assert!(status, "the second server should stop by itself");
    let exit = second.child.wait().expect("an exit status");
    assert!(!exit.success());
    assert!(
        second.log().contains("already using the SQLite database"),
        "{}",
        second.log()
    );
}

#[tokio::test]
async fn on_postgres_one_instance_ingests_and_another_takes_over_when_it_dies() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("skipped: needs TEST_DATABASE_URL (run by scripts/test-postgres.sh)");
        return;
    };
    let url = fresh_postgres_database(&admin_url).await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut instances: Vec<Instance> = (0..3)
        .map(|i| Instance::start(&url, dir.path(), &format!("i{i}")))
        .collect();

    assert!(
        eventually(Duration::from_secs(30), || instances
            .iter()
            .any(Instance::is_leader)),
        "no instance took the scheduler"
    );
    // Several intervals pass; still exactly one has ever run the scheduler.
    std::thread::sleep(Duration::from_secs(3));
    let leaders: Vec<usize> = (0..3).filter(|&i| instances[i].is_leader()).collect();
    assert_eq!(leaders.len(), 1, "leaders: {leaders:?}");

    let dead = leaders[0];
    instances[dead].child.kill().expect("the leader is killed");
    instances[dead].child.wait().expect("the leader exits");
    let others: Vec<usize> = (0..3).filter(|&i| i != dead).collect();
    assert!(
        eventually(Duration::from_secs(15), || others
            .iter()
            .any(|&i| instances[i].is_leader())),
        "no instance took over"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        others.iter().filter(|&&i| instances[i].is_leader()).count(),
        1
    );
    instances.clear();
}

#[test]
fn sigterm_drains_and_exits_cleanly() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite:{}", dir.path().join("term.db").display());
    let mut server = Instance::start(&url, dir.path(), "server");
    server.wait_until_serving();

    server.signal("TERM");

    assert!(
        server.wait_for_exit(Duration::from_secs(60)),
        "{}",
        server.log()
    );
    assert!(server.log().contains("stopped"), "{}", server.log());
}

/// A database of the backend under test: a file in `dir` on SQLite, or a fresh database on the
/// Postgres test server when `TEST_DATABASE_URL` is set.
async fn database_url(dir: &Path, name: &str) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => fresh_postgres_database(&admin_url).await,
        _ => format!("sqlite:{}", dir.join(format!("{name}.db")).display()),
    }
}

/// A made-up global confirmed series in the JHU format: `places` provinces of one made-up
/// country, `days` days from 2020-01-22, place `p` having `(p + 1) * day` cases on day `day`.
fn made_up_global_series(places: usize, days: usize) -> String {
    let first = chrono::NaiveDate::from_ymd_opt(2020, 1, 22).expect("a date");
    let mut text = String::from("Province/State,Country/Region,Lat,Long");
    for day in 0..days {
        let date = first + chrono::Days::new(day as u64);
        text.push_str(&date.format(",%-m/%-d/%y").to_string());
    }
    text.push('\n');
    for place in 0..places {
        text.push_str(&format!("Province {place},Madeupland,10.5,20.5"));
        for day in 0..days {
            text.push_str(&format!(",{}", (place + 1) * day));
        }
        text.push('\n');
    }
    text
}

/// The world total a made-up series ends with.
fn made_up_world_total(places: usize, days: usize) -> i64 {
    ((places * (places + 1) / 2) * (days - 1)) as i64
}

/// Waits until some connection other than the test's holds an open write transaction on the
/// database: SQLite refuses a second writer, Postgres lists a transaction id for it.
async fn wait_for_write_transaction(url: &str, limit: Duration) -> bool {
    use sqlx::Connection;

    let mut connection = sqlx::AnyConnection::connect(url)
        .await
        .expect("a connection");
    let start = Instant::now();
    while start.elapsed() < limit {
        let writing = if url.starts_with("sqlite:") {
            sqlx::raw_sql("PRAGMA busy_timeout = 0")
                .execute(&mut connection)
                .await
                .expect("a pragma");
            match sqlx::raw_sql("BEGIN IMMEDIATE")
                .execute(&mut connection)
                .await
            {
                Ok(_) => {
                    sqlx::raw_sql("ROLLBACK")
                        .execute(&mut connection)
                        .await
                        .expect("a rollback");
                    false
                }
                Err(_) => true,
            }
        } else {
            let writers: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
            )
            .fetch_one(&mut connection)
            .await
            .expect("a count");
            writers > 0
        };
        if writing {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// The world's confirmed total and the data version, read straight from the database.
async fn world_state(url: &str) -> (i64, i64) {
    let db = Db::connect(url).await.expect("the database");
    let confirmed = regions::region_figures(&db, "")
        .await
        .expect("the world's figures")
        .and_then(|(_, world)| world.confirmed)
        .unwrap_or(0);
    let version = regions::data_version(&db).await.expect("a version").version;
    db.pool.close().await;
    (confirmed, version)
}

/// A path for a made-up global confirmed series, in a folder of its own.
fn made_up_file(dir: &Path, folder: &str) -> PathBuf {
    let folder = dir.join(folder);
    std::fs::create_dir_all(&folder).expect("a folder");
    folder.join("time_series_covid19_confirmed_global.csv")
}

/// A database holding a short made-up series, and the long one a server will ingest next.
async fn database_before_a_long_ingestion(dir: &Path) -> (String, PathBuf) {
    let url = database_url(dir, "signals").await;
    let short = made_up_file(dir, "short");
    std::fs::write(&short, made_up_global_series(400, 20)).expect("a written file");
    let db = Db::connect(&url).await.expect("the database");
    ingest_source(&db, &Source::File(short), RunOptions::default())
        .await
        .expect("the short series ingests");
    db.pool.close().await;

    let long = made_up_file(dir, "long");
    std::fs::write(&long, made_up_global_series(400, 1500)).expect("a written file");
    (url, long)
}

#[tokio::test]
async fn sigterm_during_an_ingestion_lets_it_commit_and_exits_cleanly() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (url, long) = database_before_a_long_ingestion(dir.path()).await;
    let (_, version_before) = world_state(&url).await;
    let mut server = Instance::start_with(&url, dir.path(), "server", &[long], &[]);

    assert!(
        wait_for_write_transaction(&url, Duration::from_secs(60)).await,
        "no ingestion began: {}",
        server.log()
    );
    server.signal("TERM");

    assert!(
        server.wait_for_exit(Duration::from_secs(90)),
        "{}",
        server.log()
    );
    let (confirmed, version) = world_state(&url).await;
    assert_eq!(
        confirmed,
        made_up_world_total(400, 1500),
        "{}",
        server.log()
    );
    assert_eq!(version, version_before + 1);
}

#[tokio::test]
async fn sigkill_during_an_ingestion_leaves_the_previous_data_intact() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (url, long) = database_before_a_long_ingestion(dir.path()).await;
    let before = world_state(&url).await;
    assert_eq!(before.0, made_up_world_total(400, 20));
    let mut server = Instance::start_with(&url, dir.path(), "server", &[long], &[]);
    // Past the migrations, the only writer is the ingestion.
    server.wait_until_serving();

    assert!(
        wait_for_write_transaction(&url, Duration::from_secs(60)).await,
        "no ingestion began: {}",
        server.log()
    );
    server.signal("KILL");
    server.wait_for_exit(Duration::from_secs(30));

    assert!(
        !server.log().contains("ingestion run finished"),
        "the ingestion ended before the kill: {}",
        server.log()
    );
    assert_eq!(world_state(&url).await, before, "{}", server.log());
}

#[tokio::test]
async fn with_a_read_replica_pages_read_it_and_ingestion_writes_the_primary() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let primary = database_url(dir.path(), "primary").await;
    let replica = database_url(dir.path(), "replica").await;
    let replica_db = Db::connect(&replica).await.expect("the replica");
    for name in &FIXTURES[..3] {
        ingest_source(
            &replica_db,
            &Source::File(fixture(name)),
            RunOptions::default(),
        )
        .await
        .expect("the global fixtures ingest");
    }
    replica_db.pool.close().await;

    let server = Instance::start_with(
        &primary,
        dir.path(),
        "server",
        &FIXTURES.iter().map(|f| fixture(f)).collect::<Vec<_>>(),
        &[("DATABASE_READ_URL", &replica)],
    );
    server.wait_until_serving();
    let primary_db = Db::connect(&primary).await.expect("the primary");
    let applied = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM ingestion_runs WHERE outcome = 'applied'",
        )
        .fetch_one(&primary_db.pool)
        .await
        .expect("a count")
    };
    let start = Instant::now();
    while applied().await < 5 && start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(applied().await, 5, "{}", server.log());
    let address = server.address();
    let status = |path: &'static str| {
        let address = address.clone();
        async move {
            reqwest::get(format!("{address}{path}"))
                .await
                .expect("a response")
                .status()
                .as_u16()
        }
    };

    // The primary now holds the US counties; the replica, which pages read, does not.
    assert_eq!(status("/api/v1/summary").await, 200);
    assert_eq!(status("/api/v1/regions/afghanistan").await, 200);
    assert_eq!(
        status("/api/v1/regions/united-states/new-york/kings").await,
        404
    );
    assert!(
        regions::region_figures(&primary_db, "united-states/new-york/kings")
            .await
            .expect("a query")
            .is_some()
    );
}

/// A Postgres cluster of this test's own, stopped and removed when dropped.
struct OwnCluster {
    dir: tempfile::TempDir,
}

impl OwnCluster {
    fn script() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-test-cluster.sh")
    }

    fn run(&self, command: &str) -> String {
        let output = Command::new(Self::script())
            .args([command, &self.dir.path().display().to_string()])
            .output()
            .expect("the cluster script runs");
        assert!(
            output.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new(Self::script())
            .args(["stop", &self.dir.path().display().to_string()])
            .status();
    }
}

#[tokio::test]
async fn a_postgres_outage_turns_readiness_to_503_and_recovers_without_a_restart() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        eprintln!("skipped: runs with the Postgres pass (scripts/test-postgres.sh)");
        return;
    }
    let cluster = OwnCluster {
        dir: tempfile::tempdir().expect("a temporary folder"),
    };
    let admin_url = cluster.run("start");
    let url = fresh_postgres_database(&admin_url).await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let server = Instance::start(&url, dir.path(), "server");
    server.wait_until_serving();
    let address = server.address();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client");
    let ready = || async {
        client
            .get(format!("{address}/readyz"))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    };

    let start = Instant::now();
    while ready().await != 200 && start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(ready().await, 200, "ready once the data is loaded");

    cluster.run("pause");
    let asked = Instant::now();
    assert_eq!(ready().await, 503, "not ready while the database is down");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "failed fast: {:?}",
        asked.elapsed()
    );
    let (status, body) = {
        let response = client
            .get(format!("{address}/api/v1/regions/france/series"))
            .send()
            .await
            .expect("a response");
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    };
    assert_eq!(status, 503, "{body}\n{}", server.log());

    cluster.run("resume");
    let start = Instant::now();
    while ready().await != 200 && start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(ready().await, 200, "ready again without a restart");
}
