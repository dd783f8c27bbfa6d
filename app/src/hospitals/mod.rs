//! Hospitals: reading the published hospital registers into one record type, importing them,
//! and finding the hospitals nearest a place.
//!
//! Two registers are read: the US HIFLD "Hospitals" layer and Eurostat's healthcare services.
//! [`parse`] turns a register file's bytes into [`Hospital`] records and an [`ImportReport`]
//! of what it set aside and why; [`index`] answers "which hospitals are nearest this point"
//! anywhere on the globe. Both are pure. [`import`] writes registers to the database, and
//! [`nearby`] holds the open hospitals in memory for the search. [`nearby_hospitals`] is the
//! server function the finder page ([`page`]) calls; the JSON API is built on the same index.

#[cfg(feature = "ssr")]
pub mod import;
#[cfg(feature = "ssr")]
pub mod index;
#[cfg(feature = "ssr")]
pub mod nearby;
pub mod page;
#[cfg(feature = "ssr")]
pub mod parse;

use std::fmt;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::vaccination::FreeDay;

#[cfg(feature = "ssr")]
pub use import::{RegisterImportError, RegisterReport, import_hospitals};
#[cfg(feature = "ssr")]
pub use index::{HospitalIndex, MAX_NEARBY_LIMIT, Nearby, NearbyQueryError};
#[cfg(feature = "ssr")]
pub use nearby::NearbyIndex;
#[cfg(feature = "ssr")]
pub use parse::{
    DerivedId, DiscardedBeds, HospitalImportError, ImportReport, ParsedHospitals, RowRef,
    parse_hospitals,
};

/// How many hospitals the finder and the API list unless asked otherwise.
pub const DEFAULT_NEARBY_LIMIT: usize = 10;

/// How many of the next days with free doses a nearby hospital shows.
pub const FREE_DAYS_SHOWN: usize = 3;

/// An open hospital near a place, as the finder page and the API show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NearbyHospital {
    pub id: i64,
    pub name: String,
    pub address: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 code of the country or territory.
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    /// Great-circle distance from the place asked about, in km, rounded to 0.1 km.
    pub distance_km: f64,
    /// The first days of the booking window with free doses; empty in the JSON API.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub free_days: Vec<FreeDay>,
}

/// The open hospitals nearest `(lat, lon)`, nearest first, each with its next days with free
/// doses: at most `limit` (1 to 100), optionally only those within `radius_km`.
#[server(endpoint = "nearby_hospitals")]
pub async fn nearby_hospitals(
    lat: f64,
    lon: f64,
    limit: usize,
    radius_km: Option<f64>,
) -> Result<Vec<NearbyHospital>, AppError> {
    use crate::accounts::server::{app_state, fail};

    let state = app_state()?;
    let mut found = match find_nearby_hospitals(&state, lat, lon, limit, radius_km) {
        Ok(found) => found,
        Err(refusal) => return fail(ssr::invalid_query(refusal)),
    };
    ssr::add_free_days(&state, &mut found).await?;
    Ok(found)
}

/// The open hospitals nearest `(lat, lon)` from the server's in-memory index, without free
/// days: no database is reached.
#[cfg(feature = "ssr")]
pub fn find_nearby_hospitals(
    state: &crate::state::AppState,
    lat: f64,
    lon: f64,
    limit: usize,
    radius_km: Option<f64>,
) -> Result<Vec<NearbyHospital>, NearbyQueryError> {
    let index = state.nearby_index();
    let found = index.nearest(lat, lon, limit, radius_km)?;
    Ok(found
        .into_iter()
        .map(|(h, distance_km)| NearbyHospital {
            id: h.id,
            name: h.name.clone(),
            address: h.address.clone(),
            city: h.city.clone(),
            country: h.country.clone(),
            lat: h.lat,
            lon: h.lon,
            distance_km: (distance_km * 10.0).round() / 10.0,
            free_days: Vec::new(),
        })
        .collect())
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::{FREE_DAYS_SHOWN, NearbyHospital, NearbyQueryError};
    use crate::error::{AppError, FieldError};
    use crate::state::AppState;
    use crate::store::hospitals::booked_days_of;
    use crate::vaccination::ssr::free_days_between;

    /// The form field a refused query concerns, and why.
    pub fn invalid_query(refusal: NearbyQueryError) -> AppError {
        let field = match refusal {
            NearbyQueryError::LatitudeOutOfRange(_) => "lat",
            NearbyQueryError::LongitudeOutOfRange(_) => "lon",
            NearbyQueryError::LimitOutOfRange(_) => "limit",
            NearbyQueryError::InvalidRadius(_) => "radius_km",
        };
        AppError::Invalid(vec![FieldError::new(field, refusal.to_string())])
    }

    /// Fills in each hospital's next days with free doses, from one query over all of them.
    pub async fn add_free_days(
        state: &AppState,
        found: &mut [NearbyHospital],
    ) -> Result<(), AppError> {
        let (first, last) = state
            .settings
            .dose_rules
            .window(chrono::Utc::now().date_naive());
        let ids: Vec<i64> = found.iter().map(|h| h.id).collect();
        let taken = booked_days_of(&state.db, &ids, &first.to_string(), &last.to_string())
            .await
            .map_err(AppError::database)?;
        let index = state.nearby_index();
        for hospital in found {
            let days: Vec<(String, i64, i64)> = taken
                .iter()
                .filter(|(id, ..)| *id == hospital.id)
                .map(|(_, day, capacity, booked)| (day.clone(), *capacity, *booked))
                .collect();
            let capacity = index
                .daily_capacity(hospital.id)
                .unwrap_or(state.settings.default_daily_capacity);
            let mut free = free_days_between(first, last, capacity, &days);
            free.truncate(FREE_DAYS_SHOWN);
            hospital.free_days = free;
        }
        Ok(())
    }
}

/// The register a hospital record comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HospitalSource {
    /// The US Homeland Infrastructure Foundation-Level Data "Hospitals" layer: the 50 states,
    /// DC and the US territories.
    Hifld,
    /// Eurostat's healthcare services: hospitals in the EU, EFTA countries and the French
    /// overseas departments.
    Eurostat,
}

impl HospitalSource {
    /// The name used in hospital ids and reports: `hifld` or `eurostat`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hifld => "hifld",
            Self::Eurostat => "eurostat",
        }
    }
}

impl fmt::Display for HospitalSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One hospital as a register lists it, with a usable location.
///
/// Text fields are trimmed, and a field the register leaves blank or marks as unknown is
/// `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct Hospital {
    /// The register the record comes from.
    pub source: HospitalSource,
    /// The register's own id for the hospital (HIFLD `ID`, Eurostat `id`).
    pub source_id: String,
    /// The hospital's name, as the register writes it (often upper case, often in the
    /// country's language).
    pub name: String,
    /// Street and house number, in the order the country writes them.
    pub address: Option<String>,
    pub city: Option<String>,
    /// The state or territory (HIFLD `STATE`, e.g. `CA`); Eurostat gives none.
    pub region: Option<String>,
    /// The postcode as text: leading zeros matter.
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2 code of the country or territory, e.g. `US`, `PR`, `GR`, `RE`.
    pub country: String,
    /// Latitude in degrees, from -90 to 90.
    pub lat: f64,
    /// Longitude in degrees, from -180 to 180.
    pub lon: f64,
    /// Number of beds, when the register knows it and the figure is plausible.
    pub beds: Option<i64>,
    /// Whether the hospital is in service. HIFLD marks closed hospitals; Eurostat lists only
    /// services in operation, so its records are always open.
    pub open: bool,
    /// The physical line of the file the record starts on (1 is the header), for messages.
    pub line: u64,
}

impl Hospital {
    /// The hospital's id in this service: `{source}:{source_id}`, e.g. `hifld:0005793230`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.source, self.source_id)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use super::*;

    /// A register from the shared data folder (`COVID19_DATA_DIR`, or the one beside the
    /// workspace), or `None`, with a note, when it is not there, as on a fresh clone.
    fn shared_register(file: &str) -> Option<Vec<u8>> {
        let dir = std::env::var_os("COVID19_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
        let path = dir.join("hospitals").join(file);
        if !path.is_file() {
            eprintln!("skipped: no {} (set COVID19_DATA_DIR)", path.display());
            return None;
        }
        Some(std::fs::read(&path).expect("the shared data file is readable"))
    }

    fn line_sum(rows: &[RowRef]) -> u64 {
        rows.iter().map(|r| r.line).sum()
    }

    // The expected figures were counted from the files independently of this parser, with
    // Python's csv module and with zcat, grep and awk.
    #[test]
    fn the_real_hifld_register_reads_to_the_counted_figures() {
        let Some(bytes) = shared_register("us_hifld_Hospitals_2020.csv.gz") else {
            return;
        };

        let parsed = parse_hospitals("us_hifld_Hospitals_2020.csv.gz", &bytes).unwrap();

        let report = &parsed.report;
        assert_eq!(
            (report.rows_read, report.accepted, report.closed),
            (7581, 7581, 435)
        );
        assert_eq!(report.without_coordinates, []);
        assert_eq!(report.duplicates, []);
        assert_eq!((report.beds_unknown, report.beds_discarded.len()), (662, 0));
        let beds: i64 = parsed.hospitals.iter().filter_map(|h| h.beds).sum();
        assert_eq!(beds, 1_014_110);
        let in_country = |code: &str| {
            parsed
                .hospitals
                .iter()
                .filter(|h| h.country == code)
                .count()
        };
        let territories = ["US", "PR", "GU", "VI", "MP", "PW", "AS"].map(in_country);
        assert_eq!(territories, [7498, 75, 3, 2, 1, 1, 1]);
        let samoa = parsed.hospitals.iter().find(|h| h.country == "AS").unwrap();
        assert_eq!(
            (samoa.source_id.as_str(), samoa.line, samoa.lat, samoa.lon),
            ("0000396799", 6358, -14.290242, -170.685741)
        );
        let east = parsed
            .hospitals
            .iter()
            .map(|h| h.lon)
            .fold(f64::MIN, f64::max);
        assert_eq!(east, 145.724472394);
    }

    #[test]
    fn the_real_eurostat_register_reads_to_the_counted_figures() {
        let Some(bytes) = shared_register("eu_eurostat_healthcare_services_all.csv.gz") else {
            return;
        };

        let parsed = parse_hospitals("eu_eurostat_healthcare_services_all.csv.gz", &bytes).unwrap();

        let report = &parsed.report;
        assert_eq!(
            (report.rows_read, report.accepted, report.closed),
            (15_181, 15_136, 0)
        );
        assert_eq!(report.without_coordinates, []);
        // 219 rows repeat an id: 45 are true copies, 174 other sites (171 Finnish, 3 German).
        assert_eq!(report.duplicates.len(), 45);
        assert_eq!(
            report.duplicates.first(),
            Some(&RowRef {
                line: 1997,
                source_id: "DE_260830026_001_771430".to_owned()
            })
        );
        assert_eq!(
            report.duplicates.last(),
            Some(&RowRef {
                line: 4635,
                source_id: "DE_260940472_006_772406".to_owned()
            })
        );
        // Two rows hold a line break in a quoted field, so physical lines run ahead of rows.
        assert_eq!(line_sum(&report.duplicates), 152_988);
        assert_eq!(report.derived_ids.len(), 174);
        assert_eq!(
            report.derived_ids.first(),
            Some(&DerivedId {
                line: 1956,
                source_id: "DE_260660383_001_771270".to_owned(),
                derived_id: "DE_260660383_001_771270~2".to_owned(),
            })
        );
        let derived_lines: u64 = report.derived_ids.iter().map(|d| d.line).sum();
        assert_eq!(derived_lines, 1_008_726);
        let helsinki = parsed
            .hospitals
            .iter()
            .filter(|h| h.source_id.starts_with("FI_90758"))
            .count();
        assert_eq!(helsinki, 16);
        assert_eq!(
            (report.beds_unknown, report.beds_discarded.len()),
            (11_373, 0)
        );
        let beds: i64 = parsed.hospitals.iter().filter_map(|h| h.beds).sum();
        assert_eq!(beds, 755_004);
        let greek = parsed
            .hospitals
            .iter()
            .filter(|h| h.country == "GR")
            .count();
        assert_eq!(greek, 125);
        assert!(parsed.hospitals.iter().all(|h| h.country != "EL"));
    }

    #[test]
    fn the_index_over_the_real_registers_agrees_with_a_linear_scan() {
        let (Some(us), Some(eu)) = (
            shared_register("us_hifld_Hospitals_2020.csv.gz"),
            shared_register("eu_eurostat_healthcare_services_all.csv.gz"),
        ) else {
            return;
        };
        let mut hospitals = parse_hospitals("us.csv.gz", &us).unwrap().hospitals;
        hospitals.extend(parse_hospitals("eu.csv.gz", &eu).unwrap().hospitals);

        let started = Instant::now();
        let index = HospitalIndex::build(hospitals.iter().map(|h| (h.id(), h.lat, h.lon))).unwrap();
        let build_time = started.elapsed();
        assert_eq!(index.len(), 7581 + 15_136);

        // Queries beside real hospitals (where answers crowd) and spread over the globe.
        let mut state: u64 = 2020;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let queries: Vec<(f64, f64, Option<f64>)> = (0..400)
            .map(|i| {
                let (lat, lon) = if i % 2 == 0 {
                    let h = &hospitals[(next() * hospitals.len() as f64) as usize];
                    (h.lat + next() * 0.1 - 0.05, h.lon + next() * 0.1 - 0.05)
                } else {
                    (next().mul_add(180.0, -90.0), next().mul_add(360.0, -180.0))
                };
                (lat, lon, (i % 4 == 1).then_some(50.0))
            })
            .collect();

        let mut fast_time = Duration::ZERO;
        let mut slow_time = Duration::ZERO;
        for &(lat, lon, radius) in &queries {
            let started = Instant::now();
            let fast = index.nearest(lat, lon, 10, radius).unwrap();
            fast_time += started.elapsed();
            let started = Instant::now();
            let slow = index.nearest_brute_force(lat, lon, 10, radius).unwrap();
            slow_time += started.elapsed();
            assert_eq!(fast, slow, "query at ({lat}, {lon}), radius {radius:?}");
        }
        let per_query = |total: Duration| total / queries.len() as u32;
        eprintln!(
            "{} hospitals: index built in {build_time:?}; per query (10 nearest) {:?} with the index, {:?} by linear scan",
            index.len(),
            per_query(fast_time),
            per_query(slow_time),
        );
    }

    #[test]
    fn a_hospital_id_joins_the_source_and_its_own_id() {
        let hospital = Hospital {
            source: HospitalSource::Eurostat,
            source_id: "FI_90758".to_owned(),
            name: "Hoitosolu".to_owned(),
            address: None,
            city: None,
            region: None,
            postcode: None,
            country: "FI".to_owned(),
            lat: 62.4,
            lon: 28.6,
            beds: None,
            open: true,
            line: 2,
        };
        assert_eq!(hospital.id(), "eurostat:FI_90758");
    }
}
