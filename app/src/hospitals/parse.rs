//! Reading the hospital registers: the US HIFLD "Hospitals" export and Eurostat's healthcare
//! services file, gzip-compressed or not.
//!
//! The format comes from the header. Parsing is strict about structure (every row has every
//! column, every field is UTF-8, ids, names, countries and HIFLD statuses are present and known)
//! and an error names the file, line and column. Problems in the data itself do not stop an
//! import: rows without a usable location and true copies of an earlier row are set aside, a row
//! that reuses the id of a different site gets an id of its own, implausible bed counts become
//! unknown, and the [`ImportReport`] lists each of them by line so they can be checked.
//!
//! Known quirks handled here: a byte-order mark, CRLF line endings, quoted fields with commas
//! or line breaks, HIFLD's `-999` and `NOT AVAILABLE` sentinels and ISO3 country codes, and
//! Eurostat's `EL` for Greece.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;

use csv::{ByteRecord, ReaderBuilder, StringRecord};
use flate2::read::MultiGzDecoder;

use super::{Hospital, HospitalSource};

/// The most beds a single hospital is believed to have; the largest hospitals in the world
/// have about half as many, so a larger figure is a typing error.
pub const MAX_PLAUSIBLE_BEDS: i64 = 20_000;

/// The largest register accepted once decompressed: the real ones are under 4 MB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a register file could not be read. Each message says what is wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum HospitalImportError {
    /// The file's content breaks its format at a known place.
    #[error("{file}, line {line}, column {column}: {message}")]
    Malformed {
        file: String,
        line: u64,
        column: String,
        message: String,
    },
    /// The file is not one of the registers we read.
    #[error("{file}: {message}")]
    Unrecognised { file: String, message: String },
    /// The file is gzip-compressed but cannot be decompressed.
    #[error("{file}: {message}")]
    Damaged { file: String, message: String },
}

impl HospitalImportError {
    fn unrecognised(file: &str, message: &str) -> Self {
        Self::Unrecognised {
            file: file.to_owned(),
            message: message.to_owned(),
        }
    }
}

/// A row of the file, named by its line and the register's id for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowRef {
    /// The physical line the row starts on (1 is the header).
    pub line: u64,
    pub source_id: String,
}

/// A row that reuses the id of a different site (another name or location) and was given an
/// id of its own: the register's id, `~`, and the site's number among those sharing the id in
/// file order (the first keeps the plain id), e.g. `FI_90758~2`. The same file always gives the
/// same ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DerivedId {
    /// The physical line the row starts on (1 is the header).
    pub line: u64,
    /// The id as the register gives it.
    pub source_id: String,
    /// The id the hospital is kept under.
    pub derived_id: String,
}

/// What separates a register id from a site number in a derived id; no register uses it.
pub const DERIVED_ID_SEPARATOR: char = '~';

/// A bed count that was set aside as implausible; the hospital is kept with beds unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscardedBeds {
    /// The physical line the row starts on (1 is the header).
    pub line: u64,
    pub source_id: String,
    /// The field as the file has it.
    pub value: String,
}

/// What reading one register file found, for the import log.
///
/// `rows_read` is `accepted + without_coordinates.len() + duplicates.len()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    pub source: HospitalSource,
    /// Data rows in the file (the header not counted).
    pub rows_read: usize,
    /// Rows that became a [`Hospital`].
    pub accepted: usize,
    /// Accepted hospitals that are not open.
    pub closed: usize,
    /// Rows skipped because their location is blank, not a number, out of range, or `0,0`.
    pub without_coordinates: Vec<RowRef>,
    /// Rows skipped because an earlier accepted row has the same id, name and location.
    pub duplicates: Vec<RowRef>,
    /// Accepted rows that reuse the id of a different site, with the id they were given.
    pub derived_ids: Vec<DerivedId>,
    /// Accepted hospitals whose bed count is unknown, for any reason.
    pub beds_unknown: usize,
    /// Accepted hospitals whose bed count was negative, above [`MAX_PLAUSIBLE_BEDS`] or not a
    /// whole number, and was therefore taken as unknown.
    pub beds_discarded: Vec<DiscardedBeds>,
}

impl ImportReport {
    fn new(source: HospitalSource) -> Self {
        Self {
            source,
            rows_read: 0,
            accepted: 0,
            closed: 0,
            without_coordinates: Vec::new(),
            duplicates: Vec::new(),
            derived_ids: Vec::new(),
            beds_unknown: 0,
            beds_discarded: Vec::new(),
        }
    }
}

/// The hospitals of one register file, in file order, and the report of how they were read.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedHospitals {
    pub hospitals: Vec<Hospital>,
    pub report: ImportReport,
}

const HIFLD_HEADER: [&str; 34] = [
    "X",
    "Y",
    "OBJECTID",
    "ID",
    "NAME",
    "ADDRESS",
    "CITY",
    "STATE",
    "ZIP",
    "ZIP4",
    "TELEPHONE",
    "TYPE",
    "STATUS",
    "POPULATION",
    "COUNTY",
    "COUNTYFIPS",
    "COUNTRY",
    "LATITUDE",
    "LONGITUDE",
    "NAICS_CODE",
    "NAICS_DESC",
    "SOURCE",
    "SOURCEDATE",
    "VAL_METHOD",
    "VAL_DATE",
    "WEBSITE",
    "STATE_ID",
    "ALT_NAME",
    "ST_FIPS",
    "OWNER",
    "TTL_STAFF",
    "BEDS",
    "TRAUMA",
    "HELIPAD",
];

const EUROSTAT_HEADER: [&str; 25] = [
    "id",
    "hospital_name",
    "site_name",
    "lat",
    "lon",
    "geo_qual",
    "street",
    "house_number",
    "postcode",
    "city",
    "cc",
    "country",
    "cap_beds",
    "cap_prac",
    "cap_rooms",
    "emergency",
    "facility_type",
    "public_private",
    "list_specs",
    "tel",
    "email",
    "url",
    "ref_date",
    "pub_date",
    "comments",
];

/// The columns read from each register. Looked up by name when compiling, so a misspelt name
/// stops the build instead of reading the wrong column.
mod hifld {
    use super::{HIFLD_HEADER, column};

    pub const ID: usize = column(&HIFLD_HEADER, "ID");
    pub const NAME: usize = column(&HIFLD_HEADER, "NAME");
    pub const ADDRESS: usize = column(&HIFLD_HEADER, "ADDRESS");
    pub const CITY: usize = column(&HIFLD_HEADER, "CITY");
    pub const STATE: usize = column(&HIFLD_HEADER, "STATE");
    pub const ZIP: usize = column(&HIFLD_HEADER, "ZIP");
    pub const STATUS: usize = column(&HIFLD_HEADER, "STATUS");
    pub const COUNTRY: usize = column(&HIFLD_HEADER, "COUNTRY");
    // `X` and `Y` hold the same coordinates with different rounding; these are the named ones.
    pub const LATITUDE: usize = column(&HIFLD_HEADER, "LATITUDE");
    pub const LONGITUDE: usize = column(&HIFLD_HEADER, "LONGITUDE");
    pub const BEDS: usize = column(&HIFLD_HEADER, "BEDS");
}

mod eurostat {
    use super::{EUROSTAT_HEADER, column};

    pub const ID: usize = column(&EUROSTAT_HEADER, "id");
    pub const NAME: usize = column(&EUROSTAT_HEADER, "hospital_name");
    pub const LAT: usize = column(&EUROSTAT_HEADER, "lat");
    pub const LON: usize = column(&EUROSTAT_HEADER, "lon");
    pub const STREET: usize = column(&EUROSTAT_HEADER, "street");
    pub const HOUSE_NUMBER: usize = column(&EUROSTAT_HEADER, "house_number");
    pub const POSTCODE: usize = column(&EUROSTAT_HEADER, "postcode");
    pub const CITY: usize = column(&EUROSTAT_HEADER, "city");
    pub const CC: usize = column(&EUROSTAT_HEADER, "cc");
    pub const CAP_BEDS: usize = column(&EUROSTAT_HEADER, "cap_beds");
}

/// The position of `name` in `header`, evaluated while compiling.
const fn column(header: &[&str], name: &str) -> usize {
    let mut index = 0;
    while index < header.len() {
        if same_bytes(header[index].as_bytes(), name.as_bytes()) {
            return index;
        }
        index += 1;
    }
    panic!("the column is not in the header");
}

const fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// HIFLD's value for text it does not know.
const NOT_AVAILABLE: &str = "NOT AVAILABLE";
/// HIFLD's value for numbers it does not know (beds, population, staff).
const UNKNOWN_NUMBER: &str = "-999";

/// HIFLD's ISO 3166-1 alpha-3 codes and their alpha-2 equivalents: the US and the territories
/// it covers.
const HIFLD_COUNTRIES: [(&str, &str); 7] = [
    ("USA", "US"),
    ("PRI", "PR"),
    ("GUM", "GU"),
    ("VIR", "VI"),
    ("MNP", "MP"),
    ("PLW", "PW"),
    ("ASM", "AS"),
];

/// Countries where the house number comes before the street name.
const NUMBER_FIRST_COUNTRIES: [&str; 8] = ["FR", "GF", "GP", "MQ", "PM", "RE", "YT", "LU"];

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads a whole register file, gzip-compressed or plain. `name` is the file name or URL, used
/// in every error message.
pub fn parse_hospitals(name: &str, bytes: &[u8]) -> Result<ParsedHospitals, HospitalImportError> {
    let bytes = decompress(name, bytes)?;
    let text = prepare_text(name, &bytes)?;

    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_ref());
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(record) => record.map_err(|e| csv_error(name, &e))?,
        None => return Err(HospitalImportError::unrecognised(name, "the file is empty")),
    };
    let (source, header) = detect_source(name, &header)?;

    let mut hospitals = Vec::new();
    let mut report = ImportReport::new(source);
    let mut accepted_ids = AcceptedIds::new();
    for record in records {
        let record = record.map_err(|e| csv_error(name, &e))?;
        let record = decode_record(name, header, record)?;
        let row = Row {
            file: name,
            source,
            header,
            line: record.position().map_or(0, |p| p.line()),
            record: &record,
        };
        let fields = match source {
            HospitalSource::Hifld => read_hifld_row(&row)?,
            HospitalSource::Eurostat => read_eurostat_row(&row)?,
        };
        report.rows_read += 1;
        if let Some(hospital) = accept(fields, row.line, &mut accepted_ids, &mut report) {
            hospitals.push(hospital);
        }
    }
    if report.rows_read == 0 {
        return Err(HospitalImportError::unrecognised(
            name,
            "the file has a header but no rows",
        ));
    }

    Ok(ParsedHospitals { hospitals, report })
}

/// Gunzips content that starts with the gzip magic bytes; other content is returned as is.
fn decompress<'a>(name: &str, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>, HospitalImportError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(Cow::Borrowed(bytes));
    }
    let damaged = |message: String| HospitalImportError::Damaged {
        file: name.to_owned(),
        message,
    };
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(4));
    MultiGzDecoder::new(bytes)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| damaged(format!("the gzip data is damaged: {e}")))?;
    if out.len() as u64 > MAX_FILE_BYTES {
        return Err(damaged(format!(
            "the file is larger than the limit of {MAX_FILE_BYTES} bytes once decompressed"
        )));
    }
    Ok(Cow::Owned(out))
}

/// Drops the byte-order mark, refuses binary and truncated content, and turns CRLF into LF.
fn prepare_text<'a>(name: &str, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>, HospitalImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(HospitalImportError::unrecognised(
            name,
            "this is binary data, not a CSV text file",
        ));
    }
    // Both registers end every line with a line break; one that stops mid-line was cut off
    // in transfer, and its last row cannot be trusted.
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        let line = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        return Err(HospitalImportError::Malformed {
            file: name.to_owned(),
            line,
            column: "-".to_owned(),
            message: "the file ends in the middle of this line: it looks truncated".to_owned(),
        });
    }

    // The csv reader numbers the records of a CRLF file one line too low, and line numbers are
    // what make the report useful, so CRLF becomes LF first.
    if !bytes.windows(2).any(|pair| pair == b"\r\n") {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut unix = Vec::with_capacity(bytes.len());
    for (i, &byte) in bytes.iter().enumerate() {
        if byte != b'\r' || bytes.get(i + 1) != Some(&b'\n') {
            unix.push(byte);
        }
    }
    Ok(Cow::Owned(unix))
}

/// Tells the register from the header row.
fn detect_source(
    name: &str,
    header: &ByteRecord,
) -> Result<(HospitalSource, &'static [&'static str]), HospitalImportError> {
    let names: Vec<&[u8]> = header.iter().map(<[u8]>::trim_ascii).collect();
    let matches = |expected: &[&str]| {
        names.len() == expected.len() && names.iter().zip(expected).all(|(n, e)| *n == e.as_bytes())
    };
    if matches(&HIFLD_HEADER) {
        Ok((HospitalSource::Hifld, &HIFLD_HEADER))
    } else if matches(&EUROSTAT_HEADER) {
        Ok((HospitalSource::Eurostat, &EUROSTAT_HEADER))
    } else {
        Err(HospitalImportError::unrecognised(
            name,
            "the header is neither the HIFLD hospitals layer (X,Y,OBJECTID,ID,NAME,…) nor \
             Eurostat's healthcare services (id,hospital_name,site_name,lat,lon,…)",
        ))
    }
}

/// Checks a record's field count and decodes it as UTF-8.
fn decode_record(
    file: &str,
    header: &[&str],
    record: ByteRecord,
) -> Result<StringRecord, HospitalImportError> {
    let line = record.position().map_or(0, |p| p.line());
    if record.len() != header.len() {
        return Err(HospitalImportError::Malformed {
            file: file.to_owned(),
            line,
            // The first missing or extra field.
            column: column_label(
                record.len().min(header.len()),
                header.get(record.len()).copied(),
            ),
            message: format!(
                "expected {} fields as in the header, found {}",
                header.len(),
                record.len()
            ),
        });
    }
    StringRecord::from_byte_record(record).map_err(|e| {
        let index = e.utf8_error().field();
        HospitalImportError::Malformed {
            file: file.to_owned(),
            line,
            column: column_label(index, header.get(index).copied()),
            message: "this field is not valid UTF-8 text".to_owned(),
        }
    })
}

/// A row's fields before the checks that can set it aside.
#[derive(Debug)]
struct RowFields {
    source_id: String,
    name: String,
    address: Option<String>,
    city: Option<String>,
    region: Option<String>,
    postcode: Option<String>,
    country: String,
    /// `(lat, lon)`, when both are usable.
    coordinates: Option<(f64, f64)>,
    beds: Beds,
    open: bool,
}

/// A bed count as read.
#[derive(Debug, PartialEq, Eq)]
enum Beds {
    Known(i64),
    Unknown,
    /// Present but implausible: the text as the file has it.
    Implausible(String),
}

fn read_hifld_row(row: &Row<'_>) -> Result<RowFields, HospitalImportError> {
    let status = row.required(hifld::STATUS)?;
    let open = match status {
        "OPEN" => true,
        "CLOSED" => false,
        other => {
            return Err(row.error(
                hifld::STATUS,
                format!("expected OPEN or CLOSED, found `{other}`"),
            ));
        }
    };
    let iso3 = row.required(hifld::COUNTRY)?;
    let country = HIFLD_COUNTRIES
        .iter()
        .find(|(alpha3, _)| *alpha3 == iso3)
        .map(|(_, alpha2)| (*alpha2).to_owned())
        .ok_or_else(|| {
            row.error(
                hifld::COUNTRY,
                format!("`{iso3}` is not a country or territory this register covers"),
            )
        })?;

    Ok(RowFields {
        source_id: row.required(hifld::ID)?.to_owned(),
        name: row.required(hifld::NAME)?.to_owned(),
        address: row.optional(hifld::ADDRESS),
        city: row.optional(hifld::CITY),
        region: row.optional(hifld::STATE),
        postcode: row.optional(hifld::ZIP),
        country,
        coordinates: row.coordinates(hifld::LATITUDE, hifld::LONGITUDE),
        beds: row.beds(hifld::BEDS),
        open,
    })
}

fn read_eurostat_row(row: &Row<'_>) -> Result<RowFields, HospitalImportError> {
    let cc = row.required(eurostat::CC)?;
    if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(row.error(
            eurostat::CC,
            format!("expected a two-letter country code, found `{cc}`"),
        ));
    }
    // Eurostat writes EL for Greece and UK for the United Kingdom; ISO writes GR and GB.
    let country = match cc {
        "EL" => "GR",
        "UK" => "GB",
        other => other,
    };

    Ok(RowFields {
        source_id: row.required(eurostat::ID)?.to_owned(),
        name: row.required(eurostat::NAME)?.to_owned(),
        address: street_address(
            country,
            row.text(eurostat::STREET),
            row.text(eurostat::HOUSE_NUMBER),
        ),
        city: row.optional(eurostat::CITY),
        region: None,
        postcode: row.optional(eurostat::POSTCODE),
        country: country.to_owned(),
        coordinates: row.coordinates(eurostat::LAT, eurostat::LON),
        beds: row.beds(eurostat::CAP_BEDS),
        // The register lists services in operation and has no status column.
        open: true,
    })
}

/// Joins a street and a house number in the order the country writes them.
fn street_address(country: &str, street: &str, number: &str) -> Option<String> {
    match (street.is_empty(), number.is_empty()) {
        (true, true) => None,
        (false, true) => Some(street.to_owned()),
        (true, false) => Some(number.to_owned()),
        (false, false) if NUMBER_FIRST_COUNTRIES.contains(&country) => {
            Some(format!("{number} {street}"))
        }
        (false, false) => Some(format!("{street} {number}")),
    }
}

/// The sites accepted so far under each register id, as (name, lat, lon), in file order.
type AcceptedIds = HashMap<String, Vec<(String, f64, f64)>>;

/// Sets a row aside or turns it into a hospital, noting either in the report.
fn accept(
    mut fields: RowFields,
    line: u64,
    accepted_ids: &mut AcceptedIds,
    report: &mut ImportReport,
) -> Option<Hospital> {
    let Some((lat, lon)) = fields.coordinates else {
        report.without_coordinates.push(RowRef {
            line,
            source_id: fields.source_id,
        });
        return None;
    };
    // Only accepted rows claim their id, so a row that was set aside for its location does
    // not shadow a later usable row with the same id.
    let site = (fields.name.clone(), lat, lon);
    let sites = accepted_ids.entry(fields.source_id.clone()).or_default();
    if sites.contains(&site) {
        report.duplicates.push(RowRef {
            line,
            source_id: fields.source_id,
        });
        return None;
    }
    sites.push(site);
    if sites.len() > 1 {
        // Eurostat gives several Finnish and German sites one id; each is a hospital of its own.
        // TODO: The number follows file order, so an upstream file that reorders the sites of
        // one id would move their numbered ids, and any capacity staff set, to another site;
        // keying on the site's name and location would survive that.
        let derived_id = format!("{}{DERIVED_ID_SEPARATOR}{}", fields.source_id, sites.len());
        report.derived_ids.push(DerivedId {
            line,
            source_id: std::mem::replace(&mut fields.source_id, derived_id.clone()),
            derived_id,
        });
    }

    let beds = match fields.beds {
        Beds::Known(beds) => Some(beds),
        Beds::Unknown => None,
        Beds::Implausible(value) => {
            report.beds_discarded.push(DiscardedBeds {
                line,
                source_id: fields.source_id.clone(),
                value,
            });
            None
        }
    };
    report.accepted += 1;
    report.closed += usize::from(!fields.open);
    report.beds_unknown += usize::from(beds.is_none());

    Some(Hospital {
        source: report.source,
        source_id: fields.source_id,
        name: fields.name,
        address: fields.address,
        city: fields.city,
        region: fields.region,
        postcode: fields.postcode,
        country: fields.country,
        lat,
        lon,
        beds,
        open: fields.open,
        line,
    })
}

/// The fields of one record, with the context needed to say where a bad value is.
struct Row<'a> {
    file: &'a str,
    source: HospitalSource,
    header: &'static [&'static str],
    /// The physical line the record starts on.
    line: u64,
    record: &'a StringRecord,
}

impl<'a> Row<'a> {
    fn error(&self, index: usize, message: String) -> HospitalImportError {
        HospitalImportError::Malformed {
            file: self.file.to_owned(),
            line: self.line,
            column: column_label(index, self.header.get(index).copied()),
            message,
        }
    }

    /// A field, trimmed, with the register's "not available" marker read as blank.
    fn text(&self, index: usize) -> &'a str {
        let value = self.record.get(index).unwrap_or_default().trim();
        if self.source == HospitalSource::Hifld && value == NOT_AVAILABLE {
            return "";
        }
        value
    }

    fn optional(&self, index: usize) -> Option<String> {
        Some(self.text(index))
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    }

    fn required(&self, index: usize) -> Result<&'a str, HospitalImportError> {
        let value = self.text(index);
        if value.is_empty() {
            return Err(self.error(index, "this field must have a value".to_owned()));
        }
        Ok(value)
    }

    /// A usable `(lat, lon)`: both numbers, in range, and not the `0,0` that stands for "no
    /// location" in many exports.
    fn coordinates(&self, lat: usize, lon: usize) -> Option<(f64, f64)> {
        let lat: f64 = self.text(lat).parse().ok()?;
        let lon: f64 = self.text(lon).parse().ok()?;
        let usable = lat.is_finite()
            && lon.is_finite()
            && (-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon)
            && !(lat == 0.0 && lon == 0.0);
        usable.then_some((lat, lon))
    }

    fn beds(&self, index: usize) -> Beds {
        let raw = self.text(index);
        if raw.is_empty() || (self.source == HospitalSource::Hifld && raw == UNKNOWN_NUMBER) {
            return Beds::Unknown;
        }
        match raw.parse::<i64>() {
            Ok(beds) if (0..=MAX_PLAUSIBLE_BEDS).contains(&beds) => Beds::Known(beds),
            _ => Beds::Implausible(raw.to_owned()),
        }
    }
}

fn column_label(index: usize, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{} ({name})", index + 1),
        None => format!("{}", index + 1),
    }
}

fn csv_error(name: &str, error: &csv::Error) -> HospitalImportError {
    HospitalImportError::Malformed {
        file: name.to_owned(),
        line: error.position().map_or(0, |p| p.line()),
        column: "-".to_owned(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::{Compression, write::GzEncoder};

    use super::*;

    const HIFLD_HEADER_LINE: &str = "X,Y,OBJECTID,ID,NAME,ADDRESS,CITY,STATE,ZIP,ZIP4,TELEPHONE,\
        TYPE,STATUS,POPULATION,COUNTY,COUNTYFIPS,COUNTRY,LATITUDE,LONGITUDE,NAICS_CODE,NAICS_DESC,\
        SOURCE,SOURCEDATE,VAL_METHOD,VAL_DATE,WEBSITE,STATE_ID,ALT_NAME,ST_FIPS,OWNER,TTL_STAFF,\
        BEDS,TRAUMA,HELIPAD";

    /// A made-up HIFLD row, field by field as the file writes them.
    const HIFLD_ROW: [&str; 34] = [
        "-71.058899999999994",
        "42.360100000000003",
        "1",
        "0001000001",
        "LAKESIDE GENERAL HOSPITAL",
        "12 SHORE ROAD",
        "HARBORVILLE",
        "MA",
        "02114",
        "NOT AVAILABLE",
        "(617) 555-0100",
        "GENERAL ACUTE CARE",
        "OPEN",
        "120",
        "SUFFOLK",
        "25025",
        "USA",
        "42.3601000000001",
        "-71.0589",
        "622110",
        "GENERAL MEDICAL AND SURGICAL HOSPITALS",
        "http://example.org/facilities",
        "2019-01-01T00:00:00.000Z",
        "IMAGERY",
        "2019-02-01T00:00:00.000Z",
        "NOT AVAILABLE",
        "NOT AVAILABLE",
        "NOT AVAILABLE",
        "25",
        "NON-PROFIT",
        "-999",
        "120",
        "NOT AVAILABLE",
        "N",
    ];

    const EUROSTAT_HEADER_LINE: &str = "id,hospital_name,site_name,lat,lon,geo_qual,street,\
        house_number,postcode,city,cc,country,cap_beds,cap_prac,cap_rooms,emergency,facility_type,\
        public_private,list_specs,tel,email,url,ref_date,pub_date,comments";

    /// A made-up Eurostat row, field by field as the file writes them.
    const EUROSTAT_ROW: [&str; 25] = [
        "AT_X1",
        "Landeskrankenhaus Beispielstadt",
        "",
        "47.0707",
        "15.4395",
        "1",
        "Hauptstraße",
        "7",
        "8010",
        "Graz",
        "AT",
        "Austria",
        "350",
        "",
        "",
        "yes",
        "",
        "public",
        "\"AN, IM, KIJU\"",
        "0316 555 0",
        "",
        "http://example.org",
        "01/01/2019",
        "16/04/2020",
        "",
    ];

    /// The template row with some columns, named as in the header, replaced.
    fn row(header: &str, template: &[&str], changes: &[(&str, &str)]) -> String {
        let names: Vec<&str> = header.split(',').collect();
        let mut fields: Vec<&str> = template.to_vec();
        for (name, value) in changes {
            let index = names.iter().position(|n| n == name).unwrap();
            fields[index] = value;
        }
        fields.join(",")
    }

    fn hifld_row(changes: &[(&str, &str)]) -> String {
        row(HIFLD_HEADER_LINE, &HIFLD_ROW, changes)
    }

    fn eurostat_row(changes: &[(&str, &str)]) -> String {
        row(EUROSTAT_HEADER_LINE, &EUROSTAT_ROW, changes)
    }

    /// A file of the header and rows, each line ending with `eol`.
    fn file(header: &str, rows: &[String], eol: &str) -> String {
        let mut text = format!("{header}{eol}");
        for row in rows {
            text.push_str(row);
            text.push_str(eol);
        }
        text
    }

    fn parse(text: &str) -> ParsedHospitals {
        parse_hospitals("hospitals.csv", text.as_bytes()).unwrap()
    }

    fn malformed(bytes: &[u8]) -> (u64, String, String) {
        match parse_hospitals("hospitals.csv", bytes) {
            Err(HospitalImportError::Malformed {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected a malformed-file error, got {other:?}"),
        }
    }

    fn row_ref(line: u64, source_id: &str) -> RowRef {
        RowRef {
            line,
            source_id: source_id.to_owned(),
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn hifld_file_with_bom_crlf_and_sentinels_reads_to_exact_records() {
        let rows = [
            hifld_row(&[]),
            hifld_row(&[
                ("ID", "0001000002"),
                ("NAME", "\"ST. JUDE'S HOSPITAL, INC.\""),
                ("ADDRESS", "NOT AVAILABLE"),
                ("CITY", "HOLTSVILLE"),
                ("STATE", "NY"),
                ("ZIP", "00501"),
                ("STATUS", "CLOSED"),
                ("POPULATION", "-999"),
                ("LATITUDE", "40.8154"),
                ("LONGITUDE", "-73.0451"),
                ("BEDS", "-999"),
            ]),
            hifld_row(&[
                ("ID", "0001000003"),
                ("NAME", "HOSPITAL SAN JOSÉ DE AGAÑA"),
                ("ADDRESS", "1 MARINE CORPS DRIVE"),
                ("CITY", "HAGÅTÑA"),
                ("STATE", "GU"),
                ("ZIP", "96910"),
                ("COUNTRY", "GUM"),
                ("LATITUDE", "13.4745"),
                ("LONGITUDE", "144.7504"),
                ("BEDS", "158"),
            ]),
            hifld_row(&[("ID", "0001000004"), ("LATITUDE", "")]),
        ];
        let text = format!("\u{FEFF}{}", file(HIFLD_HEADER_LINE, &rows, "\r\n"));

        let parsed = parse(&text);

        let lakeside = Hospital {
            source: HospitalSource::Hifld,
            source_id: "0001000001".to_owned(),
            name: "LAKESIDE GENERAL HOSPITAL".to_owned(),
            address: Some("12 SHORE ROAD".to_owned()),
            city: Some("HARBORVILLE".to_owned()),
            region: Some("MA".to_owned()),
            postcode: Some("02114".to_owned()),
            country: "US".to_owned(),
            lat: 42.360_100_000_000_1,
            lon: -71.0589,
            beds: Some(120),
            open: true,
            line: 2,
        };
        let st_jude = Hospital {
            source_id: "0001000002".to_owned(),
            name: "ST. JUDE'S HOSPITAL, INC.".to_owned(),
            address: None,
            city: Some("HOLTSVILLE".to_owned()),
            region: Some("NY".to_owned()),
            postcode: Some("00501".to_owned()),
            lat: 40.8154,
            lon: -73.0451,
            beds: None,
            open: false,
            line: 3,
            ..lakeside.clone()
        };
        let agana = Hospital {
            source_id: "0001000003".to_owned(),
            name: "HOSPITAL SAN JOSÉ DE AGAÑA".to_owned(),
            address: Some("1 MARINE CORPS DRIVE".to_owned()),
            city: Some("HAGÅTÑA".to_owned()),
            region: Some("GU".to_owned()),
            postcode: Some("96910".to_owned()),
            country: "GU".to_owned(),
            lat: 13.4745,
            lon: 144.7504,
            beds: Some(158),
            line: 4,
            ..lakeside.clone()
        };
        assert_eq!(parsed.hospitals, vec![lakeside, st_jude, agana]);
        assert_eq!(parsed.hospitals[1].id(), "hifld:0001000002");
        assert_eq!(
            parsed.report,
            ImportReport {
                source: HospitalSource::Hifld,
                rows_read: 4,
                accepted: 3,
                closed: 1,
                without_coordinates: vec![row_ref(5, "0001000004")],
                duplicates: Vec::new(),
                derived_ids: Vec::new(),
                beds_unknown: 1,
                beds_discarded: Vec::new(),
            }
        );
    }

    #[test]
    fn hifld_territories_get_their_two_letter_codes() {
        let codes = ["USA", "PRI", "GUM", "VIR", "MNP", "PLW", "ASM"];
        let rows: Vec<String> = codes
            .iter()
            .enumerate()
            .map(|(i, code)| hifld_row(&[("ID", &i.to_string()), ("COUNTRY", code)]))
            .collect();

        let parsed = parse(&file(HIFLD_HEADER_LINE, &rows, "\n"));

        let countries: Vec<&str> = parsed
            .hospitals
            .iter()
            .map(|h| h.country.as_str())
            .collect();
        assert_eq!(countries, ["US", "PR", "GU", "VI", "MP", "PW", "AS"]);
    }

    #[test]
    fn eurostat_file_maps_greece_keeps_french_overseas_and_counts_physical_lines() {
        let rows = [
            eurostat_row(&[]),
            eurostat_row(&[
                ("id", "EL_7"),
                ("hospital_name", "Γενικό Νοσοκομείο Παραδείγματος"),
                ("lat", "37.9838"),
                ("lon", "23.7275"),
                ("street", "ΟΔΟΣ ΠΑΡΑΔΕΙΓΜΑΤΟΣ"),
                ("house_number", "12 "),
                ("postcode", "10433"),
                ("city", "Αθήνα"),
                ("cc", "EL"),
                ("country", "Greece"),
                ("cap_beds", ""),
                ("tel", "\"210 555 0100\n210 555 0101\""),
            ]),
            eurostat_row(&[
                ("id", "FR_970000001"),
                ("hospital_name", " Centre hospitalier de l'Exemple "),
                ("lat", "-20.8907"),
                ("lon", "55.4551"),
                ("street", "RUE DES FLAMBOYANTS"),
                ("house_number", "5"),
                ("postcode", "97400"),
                ("city", "Saint-Denis"),
                ("cc", "RE"),
                ("country", "France"),
                ("cap_beds", "212"),
            ]),
            // A true copy of the first row.
            eurostat_row(&[]),
        ];

        let parsed = parse(&file(EUROSTAT_HEADER_LINE, &rows, "\n"));

        let graz = Hospital {
            source: HospitalSource::Eurostat,
            source_id: "AT_X1".to_owned(),
            name: "Landeskrankenhaus Beispielstadt".to_owned(),
            address: Some("Hauptstraße 7".to_owned()),
            city: Some("Graz".to_owned()),
            region: None,
            postcode: Some("8010".to_owned()),
            country: "AT".to_owned(),
            lat: 47.0707,
            lon: 15.4395,
            beds: Some(350),
            open: true,
            line: 2,
        };
        let athens = Hospital {
            source_id: "EL_7".to_owned(),
            name: "Γενικό Νοσοκομείο Παραδείγματος".to_owned(),
            address: Some("ΟΔΟΣ ΠΑΡΑΔΕΙΓΜΑΤΟΣ 12".to_owned()),
            city: Some("Αθήνα".to_owned()),
            postcode: Some("10433".to_owned()),
            country: "GR".to_owned(),
            lat: 37.9838,
            lon: 23.7275,
            beds: None,
            line: 3,
            ..graz.clone()
        };
        let reunion = Hospital {
            source_id: "FR_970000001".to_owned(),
            name: "Centre hospitalier de l'Exemple".to_owned(),
            address: Some("5 RUE DES FLAMBOYANTS".to_owned()),
            city: Some("Saint-Denis".to_owned()),
            postcode: Some("97400".to_owned()),
            country: "RE".to_owned(),
            lat: -20.8907,
            lon: 55.4551,
            beds: Some(212),
            line: 5,
            ..graz.clone()
        };
        assert_eq!(parsed.hospitals, vec![graz, athens, reunion]);
        assert_eq!(parsed.hospitals[1].id(), "eurostat:EL_7");
        assert_eq!(
            parsed.report,
            ImportReport {
                source: HospitalSource::Eurostat,
                rows_read: 4,
                accepted: 3,
                closed: 0,
                without_coordinates: Vec::new(),
                duplicates: vec![row_ref(6, "AT_X1")],
                derived_ids: Vec::new(),
                beds_unknown: 1,
                beds_discarded: Vec::new(),
            }
        );
    }

    #[test]
    fn a_street_or_a_house_number_alone_is_the_address() {
        let rows = [
            eurostat_row(&[
                ("id", "IT_1"),
                ("street", "\"VIA ROMA, 6\""),
                ("house_number", ""),
            ]),
            eurostat_row(&[("id", "IE_1"), ("street", ""), ("house_number", "")]),
            eurostat_row(&[("id", "ES_1"), ("street", ""), ("house_number", "43 ")]),
        ];

        let parsed = parse(&file(EUROSTAT_HEADER_LINE, &rows, "\n"));

        let addresses: Vec<Option<&str>> = parsed
            .hospitals
            .iter()
            .map(|h| h.address.as_deref())
            .collect();
        assert_eq!(addresses, [Some("VIA ROMA, 6"), None, Some("43")]);
    }

    #[test]
    fn rows_without_a_usable_location_are_skipped_and_reported_by_line() {
        let located = |id: &str, lat: &str, lon: &str| {
            eurostat_row(&[("id", id), ("lat", lat), ("lon", lon)])
        };
        let rows = [
            located("blank", "", ""),
            located("blank_lon", "47.1", ""),
            located("word", "north", "15.4"),
            located("nan", "NaN", "15.4"),
            located("infinite", "47.1", "inf"),
            located("lat_91", "91", "15.4"),
            located("lon_181", "47.1", "181"),
            located("null_island", "0", "0.0"),
            located("equator", "0", "5"),
            located("corner", "-90", "180"),
        ];

        let parsed = parse(&file(EUROSTAT_HEADER_LINE, &rows, "\n"));

        let kept: Vec<&str> = parsed
            .hospitals
            .iter()
            .map(|h| h.source_id.as_str())
            .collect();
        assert_eq!(kept, ["equator", "corner"]);
        assert_eq!(
            parsed.report.without_coordinates,
            vec![
                row_ref(2, "blank"),
                row_ref(3, "blank_lon"),
                row_ref(4, "word"),
                row_ref(5, "nan"),
                row_ref(6, "infinite"),
                row_ref(7, "lat_91"),
                row_ref(8, "lon_181"),
                row_ref(9, "null_island"),
            ]
        );
        assert_eq!((parsed.report.rows_read, parsed.report.accepted), (10, 2));
    }

    #[test]
    fn a_hifld_location_marked_not_available_is_skipped() {
        let rows = [hifld_row(&[("LONGITUDE", "NOT AVAILABLE")])];

        let parsed = parse(&file(HIFLD_HEADER_LINE, &rows, "\n"));

        assert!(parsed.hospitals.is_empty());
        assert_eq!(
            parsed.report.without_coordinates,
            vec![row_ref(2, "0001000001")]
        );
    }

    #[test]
    fn a_repeated_id_of_another_site_gets_a_numbered_id_and_a_true_copy_is_skipped() {
        let rows = [
            eurostat_row(&[
                ("id", "FI_1"),
                ("hospital_name", "No location"),
                ("lat", ""),
            ]),
            eurostat_row(&[("id", "FI_1"), ("hospital_name", "First site")]),
            eurostat_row(&[("id", "FI_2"), ("hospital_name", "Other")]),
            eurostat_row(&[("id", "FI_1"), ("hospital_name", "Second site")]),
            eurostat_row(&[("id", "FI_1"), ("hospital_name", "First site")]),
            eurostat_row(&[
                ("id", "FI_1"),
                ("hospital_name", "First site"),
                ("lat", "61.5"),
            ]),
        ];

        let parsed = parse(&file(EUROSTAT_HEADER_LINE, &rows, "\n"));

        let kept: Vec<(&str, &str, u64)> = parsed
            .hospitals
            .iter()
            .map(|h| (h.source_id.as_str(), h.name.as_str(), h.line))
            .collect();
        assert_eq!(
            kept,
            [
                ("FI_1", "First site", 3),
                ("FI_2", "Other", 4),
                ("FI_1~2", "Second site", 5),
                ("FI_1~3", "First site", 7),
            ]
        );
        assert_eq!(parsed.report.without_coordinates, vec![row_ref(2, "FI_1")]);
        assert_eq!(parsed.report.duplicates, vec![row_ref(6, "FI_1")]);
        let derived: Vec<(u64, &str, &str)> = parsed
            .report
            .derived_ids
            .iter()
            .map(|d| (d.line, d.source_id.as_str(), d.derived_id.as_str()))
            .collect();
        assert_eq!(derived, [(5, "FI_1", "FI_1~2"), (7, "FI_1", "FI_1~3")]);
        assert_eq!(parsed.report.accepted, 4);
        assert_eq!(parsed.report.rows_read, 6);
    }

    #[test]
    fn negative_absurd_or_fractional_bed_counts_become_unknown_and_are_reported() {
        let beds = |id: &str, beds: &str| eurostat_row(&[("id", id), ("cap_beds", beds)]);
        let rows = [
            beds("negative", "-5"),
            beds("absurd", "20001"),
            beds("fraction", "12.5"),
            beds("largest", "20000"),
            beds("none", "0"),
            beds("blank", ""),
        ];

        let parsed = parse(&file(EUROSTAT_HEADER_LINE, &rows, "\n"));

        let read: Vec<Option<i64>> = parsed.hospitals.iter().map(|h| h.beds).collect();
        assert_eq!(read, [None, None, None, Some(20_000), Some(0), None]);
        let discarded = |line, id: &str, value: &str| DiscardedBeds {
            line,
            source_id: id.to_owned(),
            value: value.to_owned(),
        };
        assert_eq!(
            parsed.report.beds_discarded,
            vec![
                discarded(2, "negative", "-5"),
                discarded(3, "absurd", "20001"),
                discarded(4, "fraction", "12.5"),
            ]
        );
        assert_eq!(parsed.report.beds_unknown, 4);
    }

    #[test]
    fn hifld_minus_999_beds_are_unknown_without_a_report_but_other_negatives_are_reported() {
        let rows = [
            hifld_row(&[("ID", "1"), ("BEDS", "-999")]),
            hifld_row(&[("ID", "2"), ("BEDS", "-1")]),
            hifld_row(&[("ID", "3"), ("BEDS", "NOT AVAILABLE")]),
        ];

        let parsed = parse(&file(HIFLD_HEADER_LINE, &rows, "\n"));

        assert_eq!(parsed.report.beds_unknown, 3);
        assert_eq!(
            parsed.report.beds_discarded,
            vec![DiscardedBeds {
                line: 3,
                source_id: "2".to_owned(),
                value: "-1".to_owned(),
            }]
        );
    }

    #[test]
    fn a_gzipped_file_reads_the_same_as_the_plain_one() {
        let rows = [eurostat_row(&[]), eurostat_row(&[("id", "AT_X2")])];
        let plain = file(EUROSTAT_HEADER_LINE, &rows, "\r\n");

        let from_gzip = parse_hospitals("all.csv.gz", &gzip(plain.as_bytes())).unwrap();

        assert_eq!(from_gzip, parse(&plain));
        assert_eq!(from_gzip.hospitals.len(), 2);
    }

    #[test]
    fn damaged_gzip_is_an_error_naming_the_file() {
        let mut bytes = gzip(file(EUROSTAT_HEADER_LINE, &[eurostat_row(&[])], "\n").as_bytes());
        bytes.truncate(bytes.len() / 2);

        let error = parse_hospitals("all.csv.gz", &bytes).unwrap_err();

        assert!(
            matches!(error, HospitalImportError::Damaged { .. }),
            "{error:?}"
        );
        assert!(error.to_string().starts_with("all.csv.gz: "), "{error}");
    }

    #[test]
    fn an_unknown_header_is_an_error_naming_the_file() {
        let error = parse_hospitals("beds.csv", b"\xEF\xBB\xBFname,lat,lon\nA,1,2\n").unwrap_err();

        assert!(
            matches!(error, HospitalImportError::Unrecognised { .. }),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .starts_with("beds.csv: the header is neither"),
            "{error}"
        );
    }

    #[test]
    fn a_row_with_a_missing_field_names_its_line_in_a_crlf_file() {
        let mut short = eurostat_row(&[("id", "AT_X2")]);
        short.truncate(short.rfind(',').unwrap());
        let rows = [eurostat_row(&[]), eurostat_row(&[("id", "AT_X3")]), short];
        let text = file(EUROSTAT_HEADER_LINE, &rows, "\r\n");

        let (line, column, message) = malformed(text.as_bytes());

        assert_eq!((line, column.as_str()), (4, "25 (comments)"));
        assert_eq!(message, "expected 25 fields as in the header, found 24");
    }

    #[test]
    fn text_that_is_not_utf8_names_its_line_and_column() {
        let mut bytes = file(EUROSTAT_HEADER_LINE, &[eurostat_row(&[])], "\n").into_bytes();
        bytes.extend_from_slice(b"FR_1,H\xf4pital,,45.1,5.7,1,,,,,FR,France,,,,,,,,,,,,,\n");

        let (line, column, message) = malformed(&bytes);

        assert_eq!((line, column.as_str()), (3, "2 (hospital_name)"));
        assert_eq!(message, "this field is not valid UTF-8 text");
    }

    #[test]
    fn unknown_codes_and_missing_names_are_errors_at_their_cell() {
        let cases = [
            (
                file(
                    HIFLD_HEADER_LINE,
                    &[hifld_row(&[("STATUS", "TEMPORARILY CLOSED")])],
                    "\n",
                ),
                "13 (STATUS)",
                "expected OPEN or CLOSED, found `TEMPORARILY CLOSED`",
            ),
            (
                file(HIFLD_HEADER_LINE, &[hifld_row(&[("COUNTRY", "CAN")])], "\n"),
                "17 (COUNTRY)",
                "`CAN` is not a country or territory this register covers",
            ),
            (
                file(
                    HIFLD_HEADER_LINE,
                    &[hifld_row(&[("NAME", "NOT AVAILABLE")])],
                    "\n",
                ),
                "5 (NAME)",
                "this field must have a value",
            ),
            (
                file(
                    EUROSTAT_HEADER_LINE,
                    &[eurostat_row(&[("cc", "Greece")])],
                    "\n",
                ),
                "11 (cc)",
                "expected a two-letter country code, found `Greece`",
            ),
            (
                file(EUROSTAT_HEADER_LINE, &[eurostat_row(&[("id", " ")])], "\n"),
                "1 (id)",
                "this field must have a value",
            ),
        ];
        for (text, expected_column, expected_message) in cases {
            let (line, column, message) = malformed(text.as_bytes());
            assert_eq!(
                (line, column.as_str(), message.as_str()),
                (2, expected_column, expected_message)
            );
        }
    }

    #[test]
    fn the_united_kingdom_is_stored_as_gb() {
        let rows = [eurostat_row(&[("cc", "UK"), ("country", "United Kingdom")])];

        let parsed = parse(&file(EUROSTAT_HEADER_LINE, &rows, "\n"));

        assert_eq!(parsed.hospitals[0].country, "GB");
    }

    #[test]
    fn a_truncated_file_is_rejected_at_its_last_line() {
        let mut text = file(
            EUROSTAT_HEADER_LINE,
            &[eurostat_row(&[]), eurostat_row(&[])],
            "\n",
        );
        text.truncate(text.len() - 10);

        let (line, _, message) = malformed(text.as_bytes());

        assert_eq!(line, 3);
        assert!(message.contains("truncated"), "{message}");
    }

    #[test]
    fn empty_header_only_and_binary_files_are_rejected() {
        for (bytes, expected) in [
            (&b""[..], "the file is empty"),
            (b"\xEF\xBB\xBF", "the file is empty"),
            (
                format!("{EUROSTAT_HEADER_LINE}\n").as_bytes(),
                "the file has a header but no rows",
            ),
            (b"\x89PNG\r\n\x1a\n\x00\x00\n", "binary data"),
        ] {
            let error = parse_hospitals("x.csv", bytes).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
        }
    }
}
