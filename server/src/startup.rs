//! Building and running the server: tracing, the database, the routes, the scheduler and a
//! graceful shutdown. [`build_router`] is what the integration tests run too.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use app::state::AppState;
use app::store::Db;
use app::{App, shell};
use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt;
use leptos::config::{Env, LeptosOptions, get_configuration};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::trace::TraceLayer;
use tracing_subscriber::EnvFilter;

use crate::config::Config;
use crate::scheduler::{self, Schedule};
use crate::{api, caching, health, security};

/// How long shutdown waits for a running ingestion to finish its current source.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(60);

/// Logs to stderr, filtered by `RUST_LOG` (default: info, with quieter dependencies).
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn,hyper=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Leptos' settings: from the `LEPTOS_*` environment when cargo-leptos runs the server, and
/// otherwise the built site under `target/site` with `LEPTOS_SITE_ADDR` (default
/// `127.0.0.1:3000`) and `LEPTOS_SITE_ROOT` honoured.
pub fn leptos_options() -> anyhow::Result<LeptosOptions> {
    if std::env::var_os("LEPTOS_OUTPUT_NAME").is_some() {
        let configuration = get_configuration(None).context("reading the LEPTOS_* variables")?;
        return Ok(configuration.leptos_options);
    }
    let address = std::env::var("LEPTOS_SITE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let site_addr: SocketAddr = address.parse().with_context(|| {
        format!("LEPTOS_SITE_ADDR must be an address such as 127.0.0.1:3000, found `{address}`")
    })?;
    let site_root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".to_owned());
    Ok(LeptosOptions::builder()
        .output_name("covid19")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .site_addr(site_addr)
        .env(Env::PROD)
        .build())
}

/// The whole HTTP surface: pages, server functions, the JSON API and static files.
pub fn build_router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    let fallback_options = state.leptos_options.clone();

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/api/v1", api::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(|| {}, move |_| shell(fallback_options.clone())))
        // A middle quality: most of the size saving at a fraction of the CPU of the maximum.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            caching::cache_public_data,
        ))
        .layer(axum::middleware::from_fn(security::no_store_for_personal))
        .layer(axum::middleware::from_fn(security::protective_headers))
        .layer(axum::middleware::from_fn(security::same_origin_writes))
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// `covid19 serve`: opens the database, starts the scheduler and serves until SIGTERM or Ctrl-C.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let leptos_options = leptos_options()?;
    let _instance_lock = lock_sqlite_file(&config.database_url)?;
    let mut db = Db::connect(&config.database_url).await?;
    if let Some(read_url) = &config.database_read_url {
        db = db.with_read_replica(read_url).await?;
        tracing::info!(
            replica = %app::store::redact(read_url),
            "read-only queries go to the replica"
        );
    }
    let state =
        AppState::with_settings(db, leptos_options.clone(), config.cache, config.settings());
    state.refresh_version().await?;
    let hospital_sources = if config.import_hospitals {
        config.hospital_sources()
    } else {
        Vec::new()
    };
    crate::hospitals::load_at_start(&state, hospital_sources).await?;

    tokio::spawn(state.clone().poll_version(Duration::from_secs(5)));
    let ingest_lock = Arc::new(tokio::sync::Mutex::new(()));
    let stop = Arc::new(AtomicBool::new(false));
    if config.scheduler {
        let schedule = Schedule {
            sources: config.sources(),
            interval: Duration::from_secs(config.ingest_interval_secs.max(1)),
            retry_base: Duration::from_secs(config.retry_base_secs),
        };
        tracing::info!(
            sources = schedule.sources.len(),
            interval_secs = schedule.interval.as_secs(),
            "ingestion scheduler started"
        );
        tokio::spawn(scheduler::run(
            state.clone(),
            schedule,
            ingest_lock.clone(),
            stop.clone(),
        ));
    }

    let address = leptos_options.site_addr;
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("binding {address}"))?;
    tracing::info!("serving on http://{}", listener.local_addr()?);
    // Responses go out as soon as they are written, as nginx does on keep-alive connections.
    let listener = listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(error = %error, "could not set TCP_NODELAY");
        }
    });
    axum::serve(
        listener,
        build_router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("serving HTTP")?;

    // Requests are drained; let an ingestion in progress finish its current source, whose
    // transaction would otherwise be rolled back, and start no other.
    stop.store(true, Ordering::Release);
    if tokio::time::timeout(SHUTDOWN_GRACE, ingest_lock.lock())
        .await
        .is_err()
    {
        tracing::warn!(
            "an ingestion was still running at shutdown; its transaction is rolled back"
        );
    }
    tracing::info!("stopped");
    Ok(())
}

/// On SQLite, makes sure this is the only server on the database file: a second one would
/// run a second scheduler on the same data. The lock lasts as long as the returned file.
fn lock_sqlite_file(database_url: &str) -> anyhow::Result<Option<std::fs::File>> {
    let Some(rest) = database_url.strip_prefix("sqlite:") else {
        return Ok(None);
    };
    let path = rest
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or(rest);
    if path.is_empty() || path.starts_with(':') {
        return Ok(None);
    }
    let lock_path = format!("{path}.serve-lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("opening the instance lock {lock_path}"))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another `covid19 serve` is already using the SQLite database {path} (lock file {lock_path}); \
             a SQLite database serves one instance only: stop the other one, or use Postgres to run several"
        ),
        Err(std::fs::TryLockError::Error(error)) => {
            Err(error).with_context(|| format!("locking the instance lock {lock_path}"))
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(error = %error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
