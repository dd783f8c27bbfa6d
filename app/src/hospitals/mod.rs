//! Hospitals: reading the published hospital registers into one record type, and finding the
//! hospitals nearest a place.
//!
//! Two registers are read: the US HIFLD "Hospitals" layer and Eurostat's healthcare services.
//! [`parse`] turns a register file's bytes into [`Hospital`] records and an [`ImportReport`]
//! of what it set aside and why; [`index`] answers "which hospitals are nearest this point"
//! anywhere on the globe. Both are pure: storage, the import command and the HTTP API are built
//! on them elsewhere and own every side effect.

pub mod index;
pub mod parse;

use std::fmt;

pub use index::{HospitalIndex, MAX_NEARBY_LIMIT, Nearby, NearbyQueryError};
pub use parse::{
    DiscardedBeds, HospitalImportError, ImportReport, ParsedHospitals, RowRef, parse_hospitals,
};

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
    use super::*;

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
