//! Ingestion: fetching a source (a file or an http(s) URL), parsing it, and applying it to the
//! database in one transaction, with a log entry for every attempt.
//!
//! A run is idempotent: the same bytes twice change nothing, and a source whose checksum (or,
//! for URLs, ETag / Last-Modified) matches its last successful run is not parsed again. A run
//! that fails at any step leaves the data exactly as it was.

pub mod fetch;
pub mod parse;
pub mod plan;

use std::time::Instant;

use chrono::{DateTime, Utc};
use tracing::Instrument;

use crate::store::ingest::{self as writes, RunRecord, SourceState};
use crate::store::{Backend, Db};

pub use fetch::Source;
use parse::ParsedFile;

/// Why a run failed. Each message says what is wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file's content breaks its format at a known place.
    #[error("{file}, line {line}, column {column}: {message}")]
    Malformed {
        file: String,
        line: u64,
        column: String,
        message: String,
    },
    /// The file is not one of the formats we read.
    #[error("{file}: {message}")]
    Unrecognised { file: String, message: String },
    /// The file is well formed but has less than the data already applied: fewer places or
    /// fewer days. Applying it would move figures back or drop places from the totals.
    #[error("{file}: {message}")]
    Incomplete { file: String, message: String },
    /// The source could not be read or downloaded.
    #[error("could not fetch {source_name}: {message}")]
    Fetch {
        source_name: String,
        message: String,
    },
    #[error("database error while applying the data: {0}")]
    Database(#[from] sqlx::Error),
}

impl IngestError {
    pub(crate) fn unrecognised(file: &str, message: &str) -> Self {
        Self::Unrecognised {
            file: file.to_owned(),
            message: message.to_owned(),
        }
    }
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The data was parsed and applied (possibly changing nothing, if forced).
    Applied,
    /// The source was the same as last time and was not parsed again.
    Unchanged,
}

/// What a successful run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunReport {
    pub source: String,
    pub outcome: Outcome,
    pub data_hour: String,
    pub rows_read: i64,
    pub inserted: i64,
    pub changed: i64,
    pub skipped: i64,
    pub regions_created: i64,
    pub duration_ms: i64,
}

/// Options for one run.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Parse and apply even when the source is unchanged since its last run.
    pub force: bool,
}

/// The hour a run takes its data in, as recorded: `YYYY_MM_DD_HH`, UTC.
pub fn data_hour(at: DateTime<Utc>) -> String {
    at.format("%Y_%m_%d_%H").to_string()
}

/// Fetches, parses and applies one source, logging the attempt whatever its end.
pub async fn ingest_source(
    db: &Db,
    source: &Source,
    options: RunOptions,
) -> Result<RunReport, IngestError> {
    let started = Instant::now();
    let started_at = Utc::now();
    let hour = data_hour(started_at);
    let name = source.to_string();
    let span = tracing::info_span!("ingest", source = %name, data_hour = %hour);

    let mut record = RunRecord {
        source: name.clone(),
        data_hour: hour.clone(),
        started_at: started_at.to_rfc3339(),
        ..RunRecord::default()
    };
    let result = run(db, source, options, &hour, &mut record)
        .instrument(span.clone())
        .await;
    let _entered = span.enter();
    record.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);

    match result {
        Ok((outcome, regions_created)) => {
            tracing::info!(
                outcome = record.outcome,
                rows_read = record.rows_read,
                inserted = record.inserted,
                changed = record.changed,
                skipped = record.skipped,
                duration_ms = record.duration_ms,
                "ingestion run finished"
            );
            if outcome == Outcome::Unchanged {
                writes::record_run(&db.pool, &record).await?;
            }
            Ok(RunReport {
                source: name,
                outcome,
                data_hour: hour,
                rows_read: record.rows_read,
                inserted: record.inserted,
                changed: record.changed,
                skipped: record.skipped,
                regions_created,
                duration_ms: record.duration_ms,
            })
        }
        Err(error) => {
            tracing::warn!(error = %error, duration_ms = record.duration_ms, "ingestion run failed; the previous data stays");
            record.outcome = "failed".to_owned();
            record.error = Some(error.to_string());
            if let Err(log_error) = writes::record_run(&db.pool, &record).await {
                tracing::error!(error = %log_error, "could not record the failed ingestion run");
            }
            Err(error)
        }
    }
}

async fn run(
    db: &Db,
    source: &Source,
    options: RunOptions,
    hour: &str,
    record: &mut RunRecord,
) -> Result<(Outcome, i64), IngestError> {
    let previous = writes::last_source_state(db, &record.source).await?;
    let validators = if options.force {
        None
    } else {
        previous.as_ref()
    };
    let fetched = source.fetch(validators).await?;
    record.etag = fetched.etag.clone();
    record.last_modified = fetched.last_modified.clone();

    let Some(bytes) = fetched.bytes else {
        // Not modified upstream: keep the validators and checksum we had.
        record.outcome = "unchanged".to_owned();
        record.checksum = previous.and_then(|p| p.checksum);
        writes::touch_data_hour(db, hour).await?;
        return Ok((Outcome::Unchanged, 0));
    };
    let checksum = fetch::checksum(&bytes);
    record.checksum = Some(checksum.clone());
    if !options.force
        && previous
            .as_ref()
            .is_some_and(|p: &SourceState| p.checksum.as_deref() == Some(&checksum))
    {
        record.outcome = "unchanged".to_owned();
        writes::touch_data_hour(db, hour).await?;
        return Ok((Outcome::Unchanged, 0));
    }

    let name = source.file_name();
    let parsed = tokio::task::spawn_blocking(move || parse::parse_file(&name, &bytes))
        .await
        .map_err(|e| IngestError::Fetch {
            source_name: record.source.clone(),
            message: format!("the parser stopped unexpectedly: {e}"),
        })??;

    let mut tx = match db.backend {
        // Taking the write lock up front makes a second writer wait for this one (up to the
        // busy timeout) instead of failing when its read turns into a write.
        Backend::Sqlite => db.pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => db.pool.begin().await?,
    };
    let (counts, rows_read, skipped) = match &parsed {
        ParsedFile::Series(file) => {
            let plan = plan::plan_regions(file);
            let counts = writes::apply_series(
                &mut tx,
                db.backend,
                &plan,
                file,
                &record.source,
                options.force,
            )
            .await?;
            (counts, file.rows.len(), plan.skipped)
        }
        ParsedFile::Lookup(rows) => (
            writes::apply_lookup(&mut tx, rows).await?,
            rows.len(),
            Vec::new(),
        ),
    };
    writes::refresh_metadata(&mut tx).await?;

    record.outcome = "applied".to_owned();
    record.rows_read = rows_read as i64;
    record.inserted = counts.inserted;
    record.changed = counts.changed;
    record.skipped = skipped.len() as i64;
    if !skipped.is_empty() {
        record.skipped_reasons = Some(
            skipped
                .iter()
                .map(|s| format!("line {}: {}", s.line, s.reason))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    let now = Utc::now().to_rfc3339();
    if counts.inserted + counts.changed + counts.regions_created > 0 {
        writes::bump_data_version(&mut tx, hour, &now).await?;
    }
    writes::record_run(&mut *tx, record).await?;
    tx.commit().await?;
    Ok((Outcome::Applied, counts.regions_created))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn data_hour_is_the_utc_hour_with_underscores() {
        let at = Utc.with_ymd_and_hms(2023, 3, 9, 7, 59, 1).unwrap();
        assert_eq!(data_hour(at), "2023_03_09_07");
    }
}
