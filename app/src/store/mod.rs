//! The database: one connection pool over SQLite (the embedded default) or Postgres, chosen by
//! the URL, and the queries each capability needs, one module per capability.
//!
//! Queries go through sqlx's `Any` driver so that one text serves both engines: they use
//! `$n` placeholders and only integers, floats and text (dates are ISO 8601 text). Where the
//! engines differ (bulk loading, pragmas), the code asks [`Db::backend`].

pub mod accounts;
pub mod bookings;
pub mod hospitals;
pub mod ingest;
pub mod regions;
pub mod watchlist;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

/// The engine behind a [`Db`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle to the database, cheap to clone.
///
/// `pool` reaches the primary: every write, the migrations and the scheduler's lock use it.
/// `read` serves the public read-only queries; it is the primary's pool too unless a replica
/// was attached with [`Db::with_read_replica`].
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub read: AnyPool,
    pub backend: Backend,
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL must start with sqlite: or postgres:, found `{0}`")]
    UnsupportedUrl(String),
    #[error("could not open the database: {0}")]
    Open(#[from] sqlx::Error),
    #[error("could not apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the read replica must use the same engine as the primary, found `{0}`")]
    ReplicaEngine(String),
}

impl Db {
    /// Opens a pool on `url`, creating a missing SQLite file, and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        let backend = backend_of(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let pool = open_pool(&url, backend).await?;
        let db = Self {
            read: pool.clone(),
            pool,
            backend,
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Sends the read-only queries to `url` from now on: a streaming replica of the primary
    /// (or, for SQLite, a copy of its file). No migration is run there; the replica receives
    /// them from the primary. A replica that cannot be reached when the server starts is an
    /// error, like a primary would be; later outages answer 503 like the primary's do.
    pub async fn with_read_replica(self, url: &str) -> Result<Self, ConnectError> {
        if backend_of(url)? != self.backend {
            return Err(ConnectError::ReplicaEngine(redact(url)));
        }
        let url = match self.backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=ro")
            }
            _ => url.to_owned(),
        };
        let read = open_pool(&url, self.backend).await?;
        Ok(Self { read, ..self })
    }

    /// Applies any migration not yet applied.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("../migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("../migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }
}

fn backend_of(url: &str) -> Result<Backend, ConnectError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Backend::Postgres)
    } else {
        Err(ConnectError::UnsupportedUrl(redact(url)))
    }
}

/// Opens a pool with the settings both engines share.
async fn open_pool(url: &str, backend: Backend) -> Result<AnyPool, ConnectError> {
    sqlx::any::install_default_drivers();
    let options = AnyConnectOptions::from_str(url)?;
    let pool = AnyPoolOptions::new()
        .max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        })
        // While the database is unreachable, requests should fail fast (and be answered 503)
        // rather than pile up; the pool reconnects by itself when it is back.
        .acquire_timeout(Duration::from_secs(2))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers go on while an ingestion writes; NORMAL sync is
                    // durable at every checkpoint and far faster for bulk loads.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Whether an error means the database cannot be reached just now, as opposed to a bug.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
    ) || error.as_database_error().is_some_and(|e| {
        // Postgres: admin shutdown, crash shutdown, cannot connect now.
        matches!(e.code().as_deref(), Some("57P01" | "57P02" | "57P03"))
    })
}

/// Hides the password in a database URL before it is shown anywhere.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_urls() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/covid"),
            "postgres://app:***@db:5432/covid"
        );
        assert_eq!(redact("sqlite:covid19.db"), "sqlite:covid19.db");
    }
}
