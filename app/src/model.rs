//! The data shapes shared by the server and the browser: regions, their latest figures and
//! their daily series. Everything here is plain data, serialised between server functions,
//! the JSON API and the hydrated client.

use serde::{Deserialize, Serialize};

/// What kind of place a region is. Kinds other than the four levels of the hierarchy exist
/// so that rows such as cruise ships or "Unassigned" are kept and shown as what they are,
/// instead of being dropped or counted twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    World,
    Country,
    Province,
    County,
    /// The part of a split country that the source reports without a province (mainland).
    Mainland,
    CruiseShip,
    Games,
    /// Cases the source could not place: "Unassigned", "Unknown", "Repatriated Travellers".
    Unassigned,
    /// US rows for cases counted by a state but living elsewhere ("Out of NY").
    OutOfState,
}

impl RegionKind {
    /// The name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::World => "world",
            Self::Country => "country",
            Self::Province => "province",
            Self::County => "county",
            Self::Mainland => "mainland",
            Self::CruiseShip => "cruise_ship",
            Self::Games => "games",
            Self::Unassigned => "unassigned",
            Self::OutOfState => "out_of_state",
        }
    }

    /// Parses the stored name back; unknown names are `None`.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "world" => Self::World,
            "country" => Self::Country,
            "province" => Self::Province,
            "county" => Self::County,
            "mainland" => Self::Mainland,
            "cruise_ship" => Self::CruiseShip,
            "games" => Self::Games,
            "unassigned" => Self::Unassigned,
            "out_of_state" => Self::OutOfState,
            _ => return None,
        })
    }

    /// A short label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::World => "World",
            Self::Country => "Country",
            Self::Province => "Province or state",
            Self::County => "County or city",
            Self::Mainland => "Mainland",
            Self::CruiseShip => "Cruise ship",
            Self::Games => "Sports event",
            Self::Unassigned => "Not assigned to a place",
            Self::OutOfState => "Out of state",
        }
    }
}

/// A region's most recent figures, as listed in the tables of its parent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionFigures {
    /// The region's path, such as `us/new-york/kings`; empty for the world.
    pub id: String,
    pub name: String,
    pub kind: RegionKind,
    pub population: Option<i64>,
    /// The last day the region has data for (`YYYY-MM-DD`).
    pub date: Option<String>,
    pub confirmed: Option<i64>,
    pub deaths: Option<i64>,
    pub new_confirmed: Option<i64>,
    pub new_deaths: Option<i64>,
    /// Mean daily increase over the seven days ending on `date`.
    pub avg7_confirmed: Option<f64>,
    pub avg7_deaths: Option<f64>,
    /// Mean daily increase over the seven days before those.
    pub prev_avg7_confirmed: Option<f64>,
    pub has_children: bool,
}

impl RegionFigures {
    /// Cumulative confirmed cases per 100,000 people, where the population is known.
    pub fn confirmed_per_100k(&self) -> Option<f64> {
        crate::stats::per_100k(self.confirmed?, self.population?)
    }

    /// Cumulative deaths per 100,000 people, where the population is known.
    pub fn deaths_per_100k(&self) -> Option<f64> {
        crate::stats::per_100k(self.deaths?, self.population?)
    }
}

/// One step up the hierarchy, for breadcrumbs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionLink {
    pub id: String,
    pub name: String,
}

/// A region with everything its page shows apart from the series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionDetail {
    pub region: RegionFigures,
    /// From the world down to the parent.
    pub ancestors: Vec<RegionLink>,
    pub children: Vec<RegionFigures>,
    /// The last day any sub-region has data for, where it differs from the region's own.
    pub children_until: Option<String>,
    pub iso2: Option<String>,
    pub iso3: Option<String>,
    pub fips: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The hour of the latest ingestion, `YYYY_MM_DD_HH` in UTC.
    pub data_hour: Option<String>,
    /// When the data last changed, RFC 3339.
    pub refreshed_at: Option<String>,
}

/// One day of a region's series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyRow {
    pub date: String,
    pub confirmed: Option<i64>,
    pub deaths: Option<i64>,
    pub new_confirmed: Option<i64>,
    pub new_deaths: Option<i64>,
    /// True where the cumulative count went down: the source revised earlier figures.
    pub confirmed_revised: bool,
    pub deaths_revised: bool,
}

/// The world figures served by `GET /api/v1/summary`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub confirmed: i64,
    pub deaths: i64,
    pub new_confirmed: i64,
    pub new_deaths: i64,
    pub avg7_confirmed: Option<f64>,
    pub avg7_deaths: Option<f64>,
    pub date: String,
    pub data_hour: Option<String>,
    pub refreshed_at: Option<String>,
}

/// A series in columns, as pages carry it to the browser: a third of the size of a list of
/// [`DailyRow`]s in the serialised page. Revision flags are not carried: a day is a revision
/// exactly when its increase is negative.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompactSeries {
    pub dates: Vec<String>,
    pub confirmed: Vec<Option<i64>>,
    pub deaths: Vec<Option<i64>>,
    pub new_confirmed: Vec<Option<i64>>,
    pub new_deaths: Vec<Option<i64>>,
}

impl CompactSeries {
    pub fn from_rows(rows: &[DailyRow]) -> Self {
        Self {
            dates: rows.iter().map(|r| r.date.clone()).collect(),
            confirmed: rows.iter().map(|r| r.confirmed).collect(),
            deaths: rows.iter().map(|r| r.deaths).collect(),
            new_confirmed: rows.iter().map(|r| r.new_confirmed).collect(),
            new_deaths: rows.iter().map(|r| r.new_deaths).collect(),
        }
    }

    pub fn to_rows(&self) -> Vec<DailyRow> {
        let at = |column: &[Option<i64>], i: usize| column.get(i).copied().flatten();
        self.dates
            .iter()
            .enumerate()
            .map(|(i, date)| DailyRow {
                date: date.clone(),
                confirmed: at(&self.confirmed, i),
                deaths: at(&self.deaths, i),
                new_confirmed: at(&self.new_confirmed, i),
                new_deaths: at(&self.new_deaths, i),
                confirmed_revised: at(&self.new_confirmed, i).is_some_and(|n| n < 0),
                deaths_revised: at(&self.new_deaths, i).is_some_and(|n| n < 0),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_series_round_trips_including_revisions() {
        let rows = vec![
            DailyRow {
                date: "2021-05-19".to_owned(),
                confirmed: Some(10),
                deaths: None,
                new_confirmed: Some(10),
                new_deaths: None,
                confirmed_revised: false,
                deaths_revised: false,
            },
            DailyRow {
                date: "2021-05-20".to_owned(),
                confirmed: Some(7),
                deaths: Some(1),
                new_confirmed: Some(-3),
                new_deaths: Some(1),
                confirmed_revised: true,
                deaths_revised: false,
            },
        ];
        assert_eq!(CompactSeries::from_rows(&rows).to_rows(), rows);
    }
}
