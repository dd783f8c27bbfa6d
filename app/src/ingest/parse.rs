//! Reading the Johns Hopkins CSSE files: the global and US time series and the UID/ISO/FIPS
//! lookup table. Parsing is strict about structure (every row has every column, every count is
//! a whole number, the date columns run day by day) and forgiving about the files' known
//! quirks: a byte-order mark, CRLF line endings, quoted names with commas, blank or zero
//! coordinates and FIPS codes written as floats (`1001.0`).

use chrono::NaiveDate;
use csv::{ByteRecord, ReaderBuilder};

use super::IngestError;

/// Which count a time-series file holds. The files' headers are the same for both, so the
/// metric comes from the file name, as JHU names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    Confirmed,
    Deaths,
}

impl SeriesLayout {
    /// The name stored with the regions whose rows come from files of this layout.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Us => "us",
        }
    }
}

impl Metric {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Deaths => "deaths",
        }
    }

    /// Tells the metric from a file name or URL, or `None` when it names neither.
    pub fn from_name(name: &str) -> Option<Self> {
        let file = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
        match (file.contains("confirmed"), file.contains("deaths")) {
            (true, false) => Some(Self::Confirmed),
            (false, true) => Some(Self::Deaths),
            _ => None,
        }
    }
}

/// The layout of a time-series file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeriesLayout {
    /// `Province/State,Country/Region,Lat,Long,<dates>`: countries and provinces.
    Global,
    /// `UID,iso2,iso3,code3,FIPS,Admin2,Province_State,Country_Region,Lat,Long_,Combined_Key,
    /// [Population,]<dates>`: US counties.
    Us,
}

/// What a source file turned out to be, from its header.
#[derive(Debug)]
pub enum ParsedFile {
    Series(SeriesFile),
    Lookup(Vec<LookupRow>),
}

/// A time-series file: one row per place, one cumulative count per day.
#[derive(Debug)]
pub struct SeriesFile {
    pub layout: SeriesLayout,
    pub metric: Metric,
    /// The date of the first count column.
    pub start: NaiveDate,
    /// How many days every row holds.
    pub days: usize,
    pub rows: Vec<SeriesRow>,
}

/// One place's row in a time-series file.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesRow {
    /// 1-based line number in the file, for messages.
    pub line: u64,
    pub country: String,
    pub province: String,
    /// County or city; empty in the global files.
    pub admin2: String,
    pub uid: Option<i64>,
    pub fips: Option<String>,
    pub iso2: Option<String>,
    pub iso3: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub population: Option<i64>,
    /// Cumulative counts, one per day from the file's start date.
    pub values: Vec<i64>,
}

/// One row of the UID/ISO/FIPS lookup table: a place's codes, coordinates and population.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct LookupRow {
    pub uid: i64,
    pub iso2: Option<String>,
    pub iso3: Option<String>,
    pub fips: Option<String>,
    pub admin2: String,
    pub province: String,
    pub country: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub population: Option<i64>,
}

/// The largest cumulative count accepted: more than the world's population, and small enough
/// that the sum of every row of a file cannot overflow.
pub const MAX_COUNT: i64 = 10_000_000_000;

const GLOBAL_FIXED: [&str; 4] = ["Province/State", "Country/Region", "Lat", "Long"];
const US_FIXED: [&str; 11] = [
    "UID",
    "iso2",
    "iso3",
    "code3",
    "FIPS",
    "Admin2",
    "Province_State",
    "Country_Region",
    "Lat",
    "Long_",
    "Combined_Key",
];
const LOOKUP_HEADER: [&str; 12] = [
    "UID",
    "iso2",
    "iso3",
    "code3",
    "FIPS",
    "Admin2",
    "Province_State",
    "Country_Region",
    "Lat",
    "Long_",
    "Combined_Key",
    "Population",
];

/// Parses a whole source file. `name` is the file name or URL, used to tell confirmed from
/// deaths and in every error message.
pub fn parse_file(name: &str, bytes: &[u8]) -> Result<ParsedFile, IngestError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(IngestError::unrecognised(
            name,
            "this is binary data, not a CSV text file",
        ));
    }
    // The csv reader miscounts lines in CRLF text, and the line numbers are what make errors
    // useful, so CRLF is turned into LF first.
    let unix;
    let bytes = if bytes.windows(2).any(|pair| pair == b"\r\n") {
        unix = crlf_to_lf(bytes);
        unix.as_slice()
    } else {
        bytes
    };

    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(record) => record.map_err(|e| csv_error(name, &e))?,
        None => return Err(IngestError::unrecognised(name, "the file is empty")),
    };
    let header: Vec<String> = header
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_owned())
        .collect();
    let recognised = header == LOOKUP_HEADER
        || header.starts_with(&GLOBAL_FIXED.map(String::from))
        || header.starts_with(&US_FIXED.map(String::from));
    if recognised {
        check_not_truncated(name, bytes)?;
    }

    if header == LOOKUP_HEADER {
        let mut rows = Vec::new();
        for record in records {
            let record = record.map_err(|e| csv_error(name, &e))?;
            let cells = Cells::new(name, &header, &record)?;
            rows.push(parse_lookup_row(&cells)?);
        }
        return Ok(ParsedFile::Lookup(rows));
    }

    let (layout, fixed) = if header.starts_with(&GLOBAL_FIXED.map(String::from)) {
        (SeriesLayout::Global, GLOBAL_FIXED.len())
    } else if header.starts_with(&US_FIXED.map(String::from)) {
        let with_population = header
            .get(US_FIXED.len())
            .is_some_and(|h| h == "Population");
        (
            SeriesLayout::Us,
            US_FIXED.len() + usize::from(with_population),
        )
    } else {
        return Err(IngestError::unrecognised(
            name,
            "the header is neither a JHU time series (global or US) nor the UID/ISO/FIPS lookup table",
        ));
    };
    let metric = Metric::from_name(name).ok_or_else(|| {
        IngestError::unrecognised(
            name,
            "cannot tell confirmed cases from deaths: the file name must contain `confirmed` or `deaths`",
        )
    })?;
    let start = parse_date_columns(name, &header, fixed)?;
    let days = header.len() - fixed;

    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| csv_error(name, &e))?;
        let cells = Cells::new(name, &header, &record)?;
        let mut row = match layout {
            SeriesLayout::Global => SeriesRow {
                line: cells.line,
                province: cells.text(0)?.to_owned(),
                country: cells.required_text(1)?.to_owned(),
                admin2: String::new(),
                uid: None,
                fips: None,
                iso2: None,
                iso3: None,
                lat: cells.coordinate(2)?,
                lon: cells.coordinate(3)?,
                population: None,
                values: Vec::with_capacity(days),
            },
            SeriesLayout::Us => SeriesRow {
                line: cells.line,
                uid: Some(cells.integer(0)?),
                iso2: cells.optional_text(1)?,
                iso3: cells.optional_text(2)?,
                fips: cells.fips(4)?,
                admin2: cells.text(5)?.to_owned(),
                province: cells.required_text(6)?.to_owned(),
                country: cells.required_text(7)?.to_owned(),
                lat: cells.coordinate(8)?,
                lon: cells.coordinate(9)?,
                population: if fixed > US_FIXED.len() {
                    cells.population(US_FIXED.len())?
                } else {
                    None
                },
                values: Vec::with_capacity(days),
            },
        };
        for column in fixed..header.len() {
            row.values.push(cells.count(column)?);
        }
        if row.lat.is_none() || row.lon.is_none() {
            row.lat = None;
            row.lon = None;
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(IngestError::unrecognised(
            name,
            "the file has a header but no rows",
        ));
    }

    Ok(ParsedFile::Series(SeriesFile {
        layout,
        metric,
        start,
        days,
        rows,
    }))
}

/// Every file JHU publishes ends with a line ending; one that stops in the middle of a line
/// was cut off in transfer, and its last row cannot be trusted.
fn check_not_truncated(name: &str, bytes: &[u8]) -> Result<(), IngestError> {
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return Ok(());
    }
    let line = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    Err(IngestError::Malformed {
        file: name.to_owned(),
        line,
        column: "-".to_owned(),
        message: "the file ends in the middle of this line: it looks truncated".to_owned(),
    })
}

/// Checks that the date columns parse as `M/D/YY` and run one day apart, and returns the first.
fn parse_date_columns(
    name: &str,
    header: &[String],
    fixed: usize,
) -> Result<NaiveDate, IngestError> {
    if header.len() == fixed {
        return Err(IngestError::unrecognised(
            name,
            "the header has no date columns",
        ));
    }
    let mut expected: Option<NaiveDate> = None;
    let mut first = None;
    for (index, label) in header.iter().enumerate().skip(fixed) {
        let date =
            NaiveDate::parse_from_str(label, "%m/%d/%y").map_err(|_| IngestError::Malformed {
                file: name.to_owned(),
                line: 1,
                column: column_label(index, label),
                message: format!("`{label}` is not a date in M/D/YY form"),
            })?;
        if let Some(expected) = expected
            && date != expected
        {
            return Err(IngestError::Malformed {
                file: name.to_owned(),
                line: 1,
                column: column_label(index, label),
                message: format!(
                    "expected the day after the previous column ({expected}), found {date}"
                ),
            });
        }
        first.get_or_insert(date);
        expected = date.succ_opt();
    }
    first.ok_or_else(|| IngestError::unrecognised(name, "the header has no date columns"))
}

fn parse_lookup_row(cells: &Cells<'_>) -> Result<LookupRow, IngestError> {
    let mut row = LookupRow {
        uid: cells.integer(0)?,
        iso2: cells.optional_text(1)?,
        iso3: cells.optional_text(2)?,
        fips: cells.fips(4)?,
        admin2: cells.text(5)?.to_owned(),
        province: cells.text(6)?.to_owned(),
        country: cells.required_text(7)?.to_owned(),
        lat: cells.coordinate(8)?,
        lon: cells.coordinate(9)?,
        population: cells.population(11)?,
    };
    if row.lat.is_none() || row.lon.is_none() {
        row.lat = None;
        row.lon = None;
    }
    Ok(row)
}

/// The cells of one record, with the context needed to say where a bad value is.
struct Cells<'a> {
    file: &'a str,
    header: &'a [String],
    record: &'a ByteRecord,
    line: u64,
}

impl<'a> Cells<'a> {
    fn new(
        file: &'a str,
        header: &'a [String],
        record: &'a ByteRecord,
    ) -> Result<Self, IngestError> {
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != header.len() {
            return Err(IngestError::Malformed {
                file: file.to_owned(),
                line,
                column: column_label(record.len().min(header.len()), ""),
                message: format!(
                    "expected {} fields as in the header, found {}",
                    header.len(),
                    record.len()
                ),
            });
        }
        Ok(Self {
            file,
            header,
            record,
            line,
        })
    }

    fn error(&self, index: usize, message: String) -> IngestError {
        IngestError::Malformed {
            file: self.file.to_owned(),
            line: self.line,
            column: column_label(index, &self.header[index]),
            message,
        }
    }

    /// A field as text; the files are UTF-8, and a name that is not would be stored mangled.
    fn text(&self, index: usize) -> Result<&'a str, IngestError> {
        std::str::from_utf8(&self.record[index])
            .map(str::trim)
            .map_err(|_| self.error(index, "this field is not valid UTF-8 text".to_owned()))
    }

    fn optional_text(&self, index: usize) -> Result<Option<String>, IngestError> {
        Ok(Some(self.text(index)?)
            .filter(|t| !t.is_empty())
            .map(str::to_owned))
    }

    fn required_text(&self, index: usize) -> Result<&'a str, IngestError> {
        let value = self.text(index)?;
        if value.is_empty() {
            return Err(self.error(index, "this field must not be blank".to_owned()));
        }
        Ok(value)
    }

    fn integer(&self, index: usize) -> Result<i64, IngestError> {
        let raw = self.text(index)?;
        raw.parse::<i64>().map_err(|_| {
            let shown = if raw.is_empty() {
                "a blank".to_owned()
            } else {
                format!("`{raw}`")
            };
            self.error(index, format!("expected a whole number, found {shown}"))
        })
    }

    fn optional_integer(&self, index: usize) -> Result<Option<i64>, IngestError> {
        if self.text(index)?.is_empty() {
            return Ok(None);
        }
        self.integer(index).map(Some)
    }

    /// A cumulative count: a whole number from zero to [`MAX_COUNT`].
    fn count(&self, index: usize) -> Result<i64, IngestError> {
        let value = self.integer(index)?;
        if value < 0 {
            return Err(self.error(
                index,
                format!("a cumulative count cannot be negative, found {value}"),
            ));
        }
        if value > MAX_COUNT {
            return Err(self.error(
                index,
                format!("{value} is more than there are people on Earth"),
            ));
        }
        Ok(value)
    }

    /// A population; blank, zero or negative means unknown.
    fn population(&self, index: usize) -> Result<Option<i64>, IngestError> {
        Ok(self.optional_integer(index)?.filter(|&p| p > 0))
    }

    /// A latitude or longitude; blank means unknown.
    fn coordinate(&self, index: usize) -> Result<Option<f64>, IngestError> {
        let raw = self.text(index)?;
        if raw.is_empty() {
            return Ok(None);
        }
        let value: f64 = raw
            .parse()
            .map_err(|_| self.error(index, format!("expected a coordinate, found `{raw}`")))?;
        if !value.is_finite() || value.abs() > 180.0 {
            return Err(self.error(index, format!("coordinate {raw} is out of range")));
        }
        // JHU writes 0,0 for places without a location (cruise ships, "Unassigned").
        Ok((value != 0.0).then_some(value))
    }

    /// A FIPS code, normalised to its zero-padded form: `1001.0` and `01001` are both `01001`.
    fn fips(&self, index: usize) -> Result<Option<String>, IngestError> {
        let raw = self.text(index)?;
        if raw.is_empty() {
            return Ok(None);
        }
        let number: f64 = raw
            .parse()
            .map_err(|_| self.error(index, format!("expected a FIPS code, found `{raw}`")))?;
        if number < 0.0 || number.fract() != 0.0 || number > 1e9 {
            return Err(self.error(index, format!("`{raw}` is not a FIPS code")));
        }
        let code = number as u64;
        Ok(Some(if code < 100 {
            format!("{code:02}")
        } else {
            format!("{code:05}")
        }))
    }
}

fn crlf_to_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &byte) in bytes.iter().enumerate() {
        if byte == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            continue;
        }
        out.push(byte);
    }
    out
}

fn column_label(index: usize, name: &str) -> String {
    if name.is_empty() {
        format!("{}", index + 1)
    } else {
        format!("{} ({name})", index + 1)
    }
}

fn csv_error(name: &str, error: &csv::Error) -> IngestError {
    let line = error.position().map_or(0, |p| p.line());
    IngestError::Malformed {
        file: name.to_owned(),
        line,
        column: "-".to_owned(),
        message: match error.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("expected {expected_len} fields as in the header, found {len}")
            }
            _ => error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(name: &str, text: &str) -> SeriesFile {
        match parse_file(name, text.as_bytes()) {
            Ok(ParsedFile::Series(file)) => file,
            other => panic!("expected a series, got {other:?}"),
        }
    }

    fn malformed(name: &str, text: &str) -> (u64, String, String) {
        match parse_file(name, text.as_bytes()) {
            Err(IngestError::Malformed {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected a malformed-file error, got {other:?}"),
        }
    }

    #[test]
    fn global_file_with_bom_crlf_and_quoted_commas_parses() {
        let text = "\u{FEFF}Province/State,Country/Region,Lat,Long,1/22/20,1/23/20\r\n\
                    ,\"Korea, South\",35.9,127.7,1,3\r\n\
                    Diamond Princess,Canada,,,0,2\r\n\
                    ,MS Zaandam,0.0,0.0,4,4\r\n";
        let file = series("time_series_covid19_confirmed_global.csv", text);
        assert_eq!(file.layout, SeriesLayout::Global);
        assert_eq!(file.metric, Metric::Confirmed);
        assert_eq!(file.start, NaiveDate::from_ymd_opt(2020, 1, 22).unwrap());
        assert_eq!(file.days, 2);
        assert_eq!(file.rows[0].country, "Korea, South");
        assert_eq!(file.rows[0].values, vec![1, 3]);
        assert_eq!(file.rows[0].line, 2);
        assert_eq!(
            (file.rows[1].province.as_str(), file.rows[1].lat),
            ("Diamond Princess", None)
        );
        assert_eq!(file.rows[2].lat, None, "0,0 means no location");
    }

    #[test]
    fn errors_in_crlf_files_name_the_right_line() {
        let text = "Province/State,Country/Region,Lat,Long,1/22/20\r\n,France,46.2,2.2,1\r\n,Spain,40.4,-3.7,x\r\n";
        let (line, column, _) = malformed("x_confirmed_global.csv", text);
        assert_eq!((line, column.as_str()), (3, "5 (1/22/20)"));
    }

    #[test]
    fn us_file_normalises_float_fips_and_reads_population() {
        let text = "UID,iso2,iso3,code3,FIPS,Admin2,Province_State,Country_Region,Lat,Long_,Combined_Key,Population,3/1/20,3/2/20\n\
                    84001001,US,USA,840,1001.0,Autauga,Alabama,US,32.5,-86.6,\"Autauga, Alabama, US\",55869,0,1\n\
                    84090001,US,USA,840,90001.0,Unassigned,Alabama,US,0.0,0.0,\"Unassigned, Alabama, US\",0,0,0\n\
                    84070002,US,USA,840,,Dukes and Nantucket,Massachusetts,US,41.4,-70.6,\"Dukes and Nantucket,Massachusetts,US\",28731,2,1\n";
        let file = series("time_series_covid19_deaths_US.csv", text);
        assert_eq!(file.layout, SeriesLayout::Us);
        assert_eq!(file.metric, Metric::Deaths);
        assert_eq!(file.rows[0].fips.as_deref(), Some("01001"));
        assert_eq!(file.rows[0].population, Some(55_869));
        assert_eq!(file.rows[0].uid, Some(84_001_001));
        assert_eq!(file.rows[1].admin2, "Unassigned");
        assert_eq!(file.rows[2].fips, None);
        assert_eq!(
            file.rows[2].values,
            vec![2, 1],
            "a decrease is read as it stands"
        );
    }

    #[test]
    fn lookup_table_parses_blank_population_and_padded_fips() {
        let text = "UID,iso2,iso3,code3,FIPS,Admin2,Province_State,Country_Region,Lat,Long_,Combined_Key,Population\r\n\
                    10,AQ,ATA,10,,,,Antarctica,-71.9,23.3,Antarctica,\r\n\
                    84001001,US,USA,840,01001,Autauga,Alabama,US,32.5,-86.6,\"Autauga, Alabama, US\",55869\r\n";
        let ParsedFile::Lookup(rows) =
            parse_file("UID_ISO_FIPS_LookUp_Table.csv", text.as_bytes()).unwrap()
        else {
            panic!("expected the lookup table");
        };
        assert_eq!(rows[0].population, None);
        assert_eq!(rows[0].iso2.as_deref(), Some("AQ"));
        assert_eq!(rows[1].fips.as_deref(), Some("01001"));
        assert_eq!(rows[1].population, Some(55_869));
    }

    #[test]
    fn a_word_in_a_count_names_line_and_column() {
        let text =
            "Province/State,Country/Region,Lat,Long,1/22/20,1/23/20\n,France,46.2,2.2,1,lots\n";
        let (line, column, message) = malformed("x_confirmed_global.csv", text);
        assert_eq!(line, 2);
        assert_eq!(column, "6 (1/23/20)");
        assert!(message.contains("`lots`"), "{message}");
    }

    #[test]
    fn a_short_row_is_rejected_with_its_line() {
        let text = "Province/State,Country/Region,Lat,Long,1/22/20,1/23/20\n,France,46.2,2.2,1,2\n,Spain,40.4,-3.7,1\n";
        let (line, _, message) = malformed("x_confirmed_global.csv", text);
        assert_eq!(line, 3);
        assert!(message.contains("expected 6 fields"), "{message}");
    }

    #[test]
    fn negative_and_impossible_counts_are_rejected() {
        let header = "Province/State,Country/Region,Lat,Long,1/22/20\n";
        let (line, column, message) = malformed(
            "x_confirmed_global.csv",
            &format!("{header},France,46.2,2.2,-5\n"),
        );
        assert_eq!((line, column.as_str()), (2, "5 (1/22/20)"));
        assert!(message.contains("negative"), "{message}");
        let huge = format!("{header},France,46.2,2.2,9223372036854775807\n");
        let (_, _, message) = malformed("x_confirmed_global.csv", &huge);
        assert!(message.contains("more than there are people"), "{message}");
    }

    #[test]
    fn a_name_that_is_not_utf8_is_rejected() {
        let mut text = b"Province/State,Country/Region,Lat,Long,1/22/20\n".to_vec();
        text.extend_from_slice(b"R\xe9union,France,-21.1,55.5,1\n");
        match parse_file("x_confirmed_global.csv", &text) {
            Err(IngestError::Malformed { line, column, .. }) => {
                assert_eq!((line, column.as_str()), (2, "1 (Province/State)"))
            }
            other => panic!("expected a malformed-file error, got {other:?}"),
        }
    }

    #[test]
    fn binary_data_is_not_taken_for_a_truncated_csv() {
        let error = parse_file("x_confirmed_global.csv", b"\x89PNG\r\n\x1a\n\x00\x00").unwrap_err();
        assert!(error.to_string().contains("binary data"), "{error}");
    }

    #[test]
    fn zero_and_negative_populations_mean_unknown() {
        let text = "UID,iso2,iso3,code3,FIPS,Admin2,Province_State,Country_Region,Lat,Long_,Combined_Key,Population\n\
                    250,FR,FRA,250,,,,France,46.2,2.2,France,0\n\
                    251,XX,XXX,251,,,,Elsewhere,1.0,1.0,Elsewhere,-5\n";
        let ParsedFile::Lookup(rows) =
            parse_file("UID_ISO_FIPS_LookUp_Table.csv", text.as_bytes()).unwrap()
        else {
            panic!("expected the lookup table");
        };
        assert_eq!((rows[0].population, rows[1].population), (None, None));
    }

    #[test]
    fn a_truncated_file_is_rejected() {
        let text = "Province/State,Country/Region,Lat,Long,1/22/20,1/23/20\n,France,46.2,2.2,1,2\n,Spain,40.4,-3.7,1,2";
        let (line, _, message) = malformed("x_deaths_global.csv", text);
        assert_eq!(line, 3);
        assert!(message.contains("truncated"), "{message}");
    }

    #[test]
    fn a_gap_in_the_dates_is_rejected() {
        let text = "Province/State,Country/Region,Lat,Long,1/22/20,1/24/20\n,France,46.2,2.2,1,2\n";
        let (line, column, _) = malformed("x_confirmed_global.csv", text);
        assert_eq!((line, column.as_str()), (1, "6 (1/24/20)"));
    }

    #[test]
    fn the_metric_comes_from_the_file_name() {
        let text = "Province/State,Country/Region,Lat,Long,1/22/20\n,France,46.2,2.2,1\n";
        assert!(matches!(
            parse_file("global.csv", text.as_bytes()),
            Err(IngestError::Unrecognised { .. })
        ));
        assert_eq!(
            Metric::from_name("https://example.org/a/time_series_covid19_deaths_global.csv"),
            Some(Metric::Deaths)
        );
    }

    #[test]
    fn an_unknown_header_is_rejected() {
        assert!(matches!(
            parse_file("confirmed.csv", b"date,cases\n2020-01-01,1\n"),
            Err(IngestError::Unrecognised { .. })
        ));
    }
}
