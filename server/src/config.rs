//! Configuration from the environment (or the same names as flags), with defaults that let
//! `covid19 serve` run from the repository root with nothing set.

use std::path::{Path, PathBuf};

use app::ingest::Source;

/// The public addresses of the Johns Hopkins CSSE files, used when no local copy exists.
const UPSTREAM: &str =
    "https://raw.githubusercontent.com/CSSEGISandData/COVID-19/master/csse_covid_19_data";

/// The files read, as (path below the data folder, path below the upstream address). The
/// lookup table comes first so that regions get their populations as they are created.
const FILES: [(&str, &str); 5] = [
    (
        "jhu_csse/UID_ISO_FIPS_LookUp_Table.csv",
        "UID_ISO_FIPS_LookUp_Table.csv",
    ),
    (
        "jhu_csse/time_series/time_series_covid19_confirmed_global.csv.gz",
        "csse_covid_19_time_series/time_series_covid19_confirmed_global.csv",
    ),
    (
        "jhu_csse/time_series/time_series_covid19_deaths_global.csv.gz",
        "csse_covid_19_time_series/time_series_covid19_deaths_global.csv",
    ),
    (
        "jhu_csse/time_series/time_series_covid19_confirmed_US_thru_2020-12-14.csv.gz",
        "csse_covid_19_time_series/time_series_covid19_confirmed_US.csv",
    ),
    (
        "jhu_csse/time_series/time_series_covid19_deaths_US_thru_2020-12-14.csv.gz",
        "csse_covid_19_time_series/time_series_covid19_deaths_US.csv",
    ),
];

/// The hospital registers, as (path below the data folder, public address at the commit the
/// local copies were taken from).
const HOSPITAL_FILES: [(&str, &str); 2] = [
    (
        "hospitals/us_hifld_Hospitals_2020.csv.gz",
        "https://raw.githubusercontent.com/aiformankind/covid-19-hackathon/\
         c252f4f38a1b88adfdffb84b450e88c148fdc4d2/Hospitals.csv",
    ),
    (
        "hospitals/eu_eurostat_healthcare_services_all.csv.gz",
        "https://raw.githubusercontent.com/eurostat/basic-services/\
         f200d0ce0af43a0353ea0f229e1e770a2be26f8d/data/healthcare/csv/all.csv",
    ),
];

#[derive(clap::Args, Clone, Debug)]
pub struct Config {
    /// Database URL: `sqlite:<file>` (the default) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite:covid19.db",
        global = true
    )]
    pub database_url: String,

    /// Optional database URL for read-only queries (a streaming replica of the primary, same
    /// engine). Writes, migrations and the scheduler always use `DATABASE_URL`.
    #[arg(long, env = "DATABASE_READ_URL", global = true)]
    pub database_read_url: Option<String>,

    /// Folder holding local copies of the source files, laid out as upstream.
    #[arg(
        long,
        env = "COVID19_DATA_DIR",
        default_value = "../shared/data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Comma-separated files or URLs to ingest instead of the default JHU set.
    #[arg(long, env = "COVID19_SOURCES", global = true)]
    pub sources: Option<String>,

    /// Seconds between scheduled ingestions.
    #[arg(
        long,
        env = "COVID19_INGEST_INTERVAL_SECS",
        default_value_t = 3600,
        global = true
    )]
    pub ingest_interval_secs: u64,

    /// Seconds before the first retry of a failed ingestion; each retry waits twice as long.
    #[arg(
        long,
        env = "COVID19_RETRY_BASE_SECS",
        default_value_t = 30,
        global = true
    )]
    pub retry_base_secs: u64,

    /// Whether `serve` runs the ingestion scheduler.
    #[arg(long, env = "COVID19_SCHEDULER", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub scheduler: bool,

    /// Doses a day at a hospital until staff set its capacity.
    #[arg(
        long,
        env = "COVID19_DEFAULT_DAILY_CAPACITY",
        default_value_t = 100,
        global = true
    )]
    pub default_daily_capacity: i64,

    /// Least days between dose 1 and dose 2.
    #[arg(
        long,
        env = "COVID19_DOSE2_AFTER_DAYS",
        default_value_t = 21,
        global = true
    )]
    pub dose2_after_days: i64,

    /// Least days between dose 2 and dose 3.
    #[arg(
        long,
        env = "COVID19_DOSE3_AFTER_DAYS",
        default_value_t = 90,
        global = true
    )]
    pub dose3_after_days: i64,

    /// How many days ahead doses can be booked.
    #[arg(
        long,
        env = "COVID19_BOOKING_WINDOW_DAYS",
        default_value_t = 28,
        global = true
    )]
    pub booking_window_days: i64,

    /// Days a login session lasts.
    #[arg(
        long,
        env = "COVID19_SESSION_DAYS",
        default_value_t = 14,
        global = true
    )]
    pub session_days: i64,

    /// Whether the first `X-Forwarded-For` address is the client's (set it behind a load
    /// balancer that writes that header; never when clients reach the server directly).
    #[arg(long, env = "COVID19_TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub trust_forwarded_for: bool,

    /// Whether `serve` imports the hospital registers at its first start, when no hospital is
    /// stored (from the data folder, otherwise from their public addresses).
    #[arg(long, env = "COVID19_IMPORT_HOSPITALS", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub import_hospitals: bool,

    /// Whether hot reads are cached in process.
    #[arg(long, env = "COVID19_CACHE", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub cache: bool,
}

impl Config {
    /// The rules and limits of the personal services.
    pub fn settings(&self) -> app::state::Settings {
        app::state::Settings {
            dose_rules: app::vaccination::rules::DoseRules {
                days_after_dose_1: self.dose2_after_days.max(0),
                days_after_dose_2: self.dose3_after_days.max(0),
                booking_window_days: self.booking_window_days.max(1),
            },
            default_daily_capacity: self.default_daily_capacity.max(0),
            session_days: self.session_days.max(1),
            trust_forwarded_for: self.trust_forwarded_for,
        }
    }

    /// The hospital registers, from the data folder or their public addresses.
    pub fn hospital_sources(&self) -> Vec<Source> {
        hospital_sources(&self.data_dir)
    }

    /// The sources to ingest: those configured, or the JHU files from the data folder where it
    /// exists, or else from their upstream addresses.
    pub fn sources(&self) -> Vec<Source> {
        if let Some(list) = &self.sources {
            return list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(Source::parse)
                .collect();
        }
        default_sources(&self.data_dir)
    }
}

/// The hospital registers: each from the data folder where it exists, otherwise from its
/// public address.
pub fn hospital_sources(data_dir: &Path) -> Vec<Source> {
    HOSPITAL_FILES
        .iter()
        .map(|(local, remote)| {
            let path = data_dir.join(local);
            if path.exists() {
                Source::File(path)
            } else {
                Source::Url((*remote).to_owned())
            }
        })
        .collect()
}

fn default_sources(data_dir: &Path) -> Vec<Source> {
    FILES
        .iter()
        .map(|(local, remote)| {
            let path = data_dir.join(local);
            if path.exists() {
                Source::File(path)
            } else {
                Source::Url(format!("{UPSTREAM}/{remote}"))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_local_files_fall_back_to_upstream() {
        let sources = default_sources(Path::new("/nonexistent"));
        assert_eq!(sources.len(), 5);
        assert!(
            matches!(&sources[0], Source::Url(url) if url.ends_with("/UID_ISO_FIPS_LookUp_Table.csv"))
        );
    }

    #[test]
    fn hospital_registers_come_from_the_data_folder_or_their_pinned_commits() {
        let dir = tempfile::tempdir().unwrap();
        let us = dir.path().join("hospitals/us_hifld_Hospitals_2020.csv.gz");
        std::fs::create_dir_all(us.parent().unwrap()).unwrap();
        std::fs::write(&us, "x").unwrap();

        let sources = hospital_sources(dir.path());

        assert_eq!(sources[0], Source::File(us));
        assert_eq!(
            sources[1],
            Source::Url(
                "https://raw.githubusercontent.com/eurostat/basic-services/\
                 f200d0ce0af43a0353ea0f229e1e770a2be26f8d/data/healthcare/csv/all.csv"
                    .to_owned()
            )
        );
        let upstream = hospital_sources(Path::new("/nonexistent"));
        assert!(
            matches!(&upstream[0], Source::Url(url) if url.ends_with("/c252f4f38a1b88adfdffb84b450e88c148fdc4d2/Hospitals.csv"))
        );
    }

    #[test]
    fn local_files_are_preferred() {
        let dir = tempfile::tempdir().unwrap();
        let lookup = dir.path().join("jhu_csse/UID_ISO_FIPS_LookUp_Table.csv");
        std::fs::create_dir_all(lookup.parent().unwrap()).unwrap();
        std::fs::write(&lookup, "x").unwrap();
        let sources = default_sources(dir.path());
        assert_eq!(sources[0], Source::File(lookup));
        assert!(matches!(&sources[1], Source::Url(_)));
    }
}
