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
    /// The hospital registers.
    Hospitals {
        #[command(subcommand)]
        command: HospitalsCommand,
    },
}

#[derive(Subcommand)]
enum HospitalsCommand {
    /// Import register files or http(s) URLs (HIFLD or Eurostat, gzip or not) in one
    /// transaction; the registers from the data folder or upstream if none are named.
    Import { files: Vec<String> },
    /// Time the 10 nearest hospitals for random points, with the index and by linear scan;
    /// reads the registers, no database.
    #[command(hide = true)]
    BenchNearby {
        /// How many random points to ask about.
        #[arg(long, default_value_t = 10_000)]
        queries: usize,
        files: Vec<String>,
    },
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
        Command::Hospitals { command } => run_hospitals(&cli.config, command).await,
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

async fn run_hospitals(config: &Config, command: HospitalsCommand) -> anyhow::Result<()> {
    let sources = |files: Vec<String>| -> Vec<Source> {
        if files.is_empty() {
            config.hospital_sources()
        } else {
            files.iter().map(|f| Source::parse(f)).collect()
        }
    };
    match command {
        HospitalsCommand::Import { files } => {
            let db = Db::connect(&config.database_url).await?;
            match app::hospitals::import_hospitals(&db, &sources(files)).await {
                Ok(reports) => {
                    for report in &reports {
                        println!("{}", server::hospitals::describe(report));
                    }
                    Ok(())
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    anyhow::bail!("the hospital import failed; the hospitals of before stay")
                }
            }
        }
        HospitalsCommand::BenchNearby { queries, files } => {
            let report = server::hospitals::bench_nearby(&sources(files), queries.max(1)).await?;
            println!(
                "{} open hospitals, index built in {:?}; {queries} queries for the 10 nearest",
                report.hospitals, report.build
            );
            for (name, l) in [
                ("index", &report.indexed),
                ("linear scan", &report.brute_force),
            ] {
                println!(
                    "{name:>12}: p50 {:?}, p99 {:?}, max {:?}",
                    l.p50, l.p99, l.max
                );
            }
            Ok(())
        }
    }
}
