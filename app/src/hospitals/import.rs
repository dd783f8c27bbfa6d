//! Importing hospital registers: fetching each file (local, gzip or not, or an http(s) URL),
//! parsing them all, then writing them all in one transaction. A file that cannot be fetched
//! or read stops the import before anything is written, so a failed import keeps the hospitals
//! of before.

use std::time::Instant;

use chrono::{SecondsFormat, Utc};
use tracing::Instrument;

use super::HospitalSource;
use super::parse::{HospitalImportError, ParsedHospitals, parse_hospitals};
use crate::ingest::{IngestError, Source};
use crate::store::hospitals::write_register;
use crate::store::{Backend, Db};

/// Why an import wrote nothing. Each message names the file and, for bad content, the line
/// and column.
#[derive(Debug, thiserror::Error)]
pub enum RegisterImportError {
    /// A file's content is not a register we read, or breaks its format.
    #[error(transparent)]
    Unreadable(#[from] HospitalImportError),
    /// A file could not be read or downloaded.
    #[error("could not fetch {source_name}: {message}")]
    Fetch {
        source_name: String,
        message: String,
    },
    /// Two files of one register were given: the second would close the first's hospitals.
    #[error(
        "{file}: a second file of the {register} register in one import; give one per register"
    )]
    SameRegisterTwice {
        file: String,
        register: HospitalSource,
    },
    #[error("database error while writing the hospitals: {0}")]
    Database(#[from] sqlx::Error),
}

/// What importing one register file did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterReport {
    /// The file or URL, as given.
    pub file: String,
    pub source: HospitalSource,
    /// Data rows in the file.
    pub read: usize,
    /// Hospitals new to the database.
    pub inserted: i64,
    /// Hospitals already known, refreshed from the file.
    pub updated: i64,
    /// Open hospitals of this register that the file no longer lists, now closed.
    pub closed_now: i64,
    /// Rows skipped for want of a usable location.
    pub without_coordinates: usize,
    /// Rows skipped as true copies of an earlier row (same id, name and location).
    pub duplicates: usize,
    /// Rows that reuse another site's id and were kept under a numbered id of their own.
    pub derived_ids: usize,
}

/// Imports register files (paths or http(s) URLs), at most one per register, in one
/// transaction, and logs what each did (counts only).
pub async fn import_hospitals(
    db: &Db,
    sources: &[Source],
) -> Result<Vec<RegisterReport>, RegisterImportError> {
    let started = Instant::now();
    let span = tracing::info_span!("hospital_import", files = sources.len());
    let result = import(db, sources).instrument(span.clone()).await;
    let _entered = span.enter();
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match &result {
        Ok(reports) => {
            for report in reports {
                tracing::info!(
                    source = %report.source,
                    read = report.read,
                    inserted = report.inserted,
                    updated = report.updated,
                    closed_now = report.closed_now,
                    without_coordinates = report.without_coordinates,
                    duplicates = report.duplicates,
                    derived_ids = report.derived_ids,
                    "hospital register imported"
                );
            }
            tracing::info!(duration_ms, "hospital import finished");
        }
        Err(error) => {
            tracing::warn!(error = %error, duration_ms, "hospital import failed; the hospitals of before stay");
        }
    }
    result
}

async fn import(db: &Db, sources: &[Source]) -> Result<Vec<RegisterReport>, RegisterImportError> {
    let mut registers: Vec<(String, ParsedHospitals)> = Vec::new();
    for source in sources {
        let name = source.to_string();
        let bytes = source
            .fetch(None)
            .await
            .map_err(fetch_error)?
            .bytes
            .unwrap_or_default();
        let parse_name = name.clone();
        let parsed = tokio::task::spawn_blocking(move || parse_hospitals(&parse_name, &bytes))
            .await
            .map_err(|e| RegisterImportError::Fetch {
                source_name: name.clone(),
                message: format!("the parser stopped unexpectedly: {e}"),
            })??;
        if registers
            .iter()
            .any(|(_, other)| other.report.source == parsed.report.source)
        {
            return Err(RegisterImportError::SameRegisterTwice {
                file: name,
                register: parsed.report.source,
            });
        }
        registers.push((name, parsed));
    }

    let mut tx = match db.backend {
        Backend::Sqlite => db.pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => db.pool.begin().await?,
    };
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut reports = Vec::new();
    for (file, parsed) in registers {
        let report = &parsed.report;
        let written =
            write_register(&mut tx, db.backend, report.source, &parsed.hospitals, &now).await?;
        reports.push(RegisterReport {
            file,
            source: report.source,
            read: report.rows_read,
            inserted: written.inserted,
            updated: written.updated,
            closed_now: written.closed_now,
            without_coordinates: report.without_coordinates.len(),
            duplicates: report.duplicates.len(),
            derived_ids: report.derived_ids.len(),
        });
    }
    tx.commit().await?;
    Ok(reports)
}

fn fetch_error(error: IngestError) -> RegisterImportError {
    match error {
        IngestError::Fetch {
            source_name,
            message,
        } => RegisterImportError::Fetch {
            source_name,
            message,
        },
        other => RegisterImportError::Fetch {
            source_name: String::new(),
            message: other.to_string(),
        },
    }
}
