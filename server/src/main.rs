//! The `covid19` binary: serves the dashboard, runs an ingestion, or applies migrations.

use clap::{Parser, Subcommand};

use app::ingest::{RunOptions, Source, ingest_source};
use app::store::Db;
use server::config::Config;
use server::startup;

// A thread-caching allocator: request handling allocates small buffers on every thread, where
// the system allocator's shared arenas cost measurable throughput under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "covid19", version, about = "COVID-19 information service")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site and the API, and keep the data fresh (the default).
    Serve,
    /// Ingest sources now: files or http(s) URLs; the configured sources if none are named.
    Ingest {
        /// Apply the sources even if they have not changed since their last run.
        #[arg(long)]
        force: bool,
        sources: Vec<String>,
    },
    /// Create or upgrade the database schema and exit.
    Migrate,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    startup::init_tracing();

    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => startup::serve(cli.config).await,
        Command::Migrate => {
            Db::connect(&cli.config.database_url).await?;
            tracing::info!("database schema is up to date");
            Ok(())
        }
        Command::Ingest { force, sources } => {
            let db = Db::connect(&cli.config.database_url).await?;
            let sources = if sources.is_empty() {
                cli.config.sources()
            } else {
                sources.iter().map(|s| Source::parse(s)).collect()
            };
            let mut failed = 0;
            for source in &sources {
                match ingest_source(&db, source, RunOptions { force }).await {
                    Ok(report) => println!(
                        "{}: {:?}, {} rows read, {} inserted, {} changed, {} skipped, {} ms",
                        report.source,
                        report.outcome,
                        report.rows_read,
                        report.inserted,
                        report.changed,
                        report.skipped,
                        report.duration_ms
                    ),
                    Err(error) => {
                        eprintln!("error: {error}");
                        failed += 1;
                    }
                }
            }
            if failed > 0 {
                anyhow::bail!(
                    "{failed} of {} sources failed; the data from before them stays",
                    sources.len()
                );
            }
            Ok(())
        }
    }
}
