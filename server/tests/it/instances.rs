//! Several `covid19 serve` processes on one database: one scheduler at a time on Postgres,
//! failover when it dies, and a clear refusal of a second server on one SQLite file.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{FIXTURES, fixture, fresh_postgres_database};

const LEADER: &str = "this instance now runs the scheduled ingestion";

/// A server process whose log goes to a file.
struct Instance {
    child: Child,
    log: PathBuf,
}

impl Instance {
    fn start(database_url: &str, dir: &Path, name: &str) -> Self {
        let log = dir.join(format!("{name}.log"));
        let sources: Vec<String> = FIXTURES
            .iter()
            .map(|f| fixture(f).display().to_string())
            .collect();
        let child = Command::new(env!("CARGO_BIN_EXE_covid19"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("LEPTOS_SITE_ROOT", dir)
            .env("COVID19_SOURCES", sources.join(","))
            .env("COVID19_INGEST_INTERVAL_SECS", "1")
            .env("RUST_LOG", "info")
            .env_remove("LEPTOS_OUTPUT_NAME")
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

    let pid = server.child.id().to_string();
    let sent = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success());

    assert!(eventually(Duration::from_secs(60), || matches!(
        server.child.try_wait(),
        Ok(Some(_))
    )));
    let exit = server.child.wait().expect("an exit status");
    assert!(exit.success(), "exit {exit:?}: {}", server.log());
    assert!(server.log().contains("stopped"), "{}", server.log());
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
    let log = server.log();
    let address = log[log.find("serving on ").expect("the address") + 11..]
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
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
