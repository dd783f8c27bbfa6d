//! Turning a parsed time-series file into the regions it describes, with their cumulative
//! series, including the totals the file implies: a split country is the sum of its rows, a US
//! state the sum of its counties, and the world the sum of every row of the global file.
//!
//! Every source row lands in exactly one leaf region, and every aggregate is the sum of its
//! leaves, so nothing is dropped and nothing is counted twice.

use std::collections::HashMap;

use crate::model::RegionKind;

use super::parse::{SeriesFile, SeriesLayout, SeriesRow};

/// The natural key of the world region.
pub const WORLD_KEY: &str = "";

/// A region the file describes.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedRegion {
    /// Natural key from the source's names: `France`, `France|Reunion`, `France|` for the
    /// rows a split country reports without a province, `US|New York|Kings`.
    pub key: String,
    pub parent_key: Option<String>,
    pub kind: RegionKind,
    pub name: String,
    /// Cumulative counts from the file's start date; `None` for a region the file only
    /// places others under (the US country, seen from the US files).
    pub values: Option<Vec<i64>>,
    /// Whether the values are a row of the file rather than a total of rows.
    pub is_row: bool,
    pub hints: RegionHints,
}

/// What the file itself says about a place, used until the lookup table says more.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegionHints {
    pub uid: Option<i64>,
    pub iso2: Option<String>,
    pub iso3: Option<String>,
    pub fips: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub population: Option<i64>,
}

/// A row the plan leaves out, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct SkippedRow {
    pub line: u64,
    pub reason: String,
}

/// The regions of one file, parents before children.
#[derive(Debug, Default)]
pub struct Plan {
    pub regions: Vec<PlannedRegion>,
    pub skipped: Vec<SkippedRow>,
}

/// Builds the plan for a parsed time-series file.
pub fn plan_regions(file: &SeriesFile) -> Plan {
    let (rows, skipped) = drop_duplicates(&file.rows);
    let mut plan = Plan {
        regions: Vec::new(),
        skipped,
    };
    match file.layout {
        SeriesLayout::Global => plan_global(&rows, file.days, &mut plan),
        SeriesLayout::Us => plan_us(&rows, &mut plan),
    }
    plan
}

/// Keeps the first row for each place; a repeated one would be counted twice.
fn drop_duplicates(rows: &[SeriesRow]) -> (Vec<&SeriesRow>, Vec<SkippedRow>) {
    let mut seen: HashMap<(&str, &str, &str), u64> = HashMap::new();
    let mut kept = Vec::with_capacity(rows.len());
    let mut skipped = Vec::new();
    for row in rows {
        let key = (
            row.country.as_str(),
            row.province.as_str(),
            row.admin2.as_str(),
        );
        if let Some(first) = seen.get(&key) {
            skipped.push(SkippedRow {
                line: row.line,
                reason: format!("the same place as line {first}; only the first row is used"),
            });
        } else {
            seen.insert(key, row.line);
            kept.push(row);
        }
    }
    (kept, skipped)
}

fn plan_global(rows: &[&SeriesRow], days: usize, plan: &mut Plan) {
    let mut world = vec![0i64; days];
    for row in rows {
        add_into(&mut world, &row.values);
    }
    plan.regions.push(PlannedRegion {
        key: WORLD_KEY.to_owned(),
        parent_key: None,
        kind: RegionKind::World,
        name: "World".to_owned(),
        values: Some(world),
        is_row: false,
        hints: RegionHints::default(),
    });

    for (country, members) in group_by(rows, |row| row.country.as_str()) {
        let kind = top_level_kind(country);
        let single = members.len() == 1 && members[0].province.is_empty();
        if single {
            plan.regions.push(leaf(
                country.to_owned(),
                Some(WORLD_KEY),
                kind,
                display_name(country),
                members[0],
            ));
            continue;
        }
        plan.regions.push(aggregate(
            country.to_owned(),
            Some(WORLD_KEY),
            kind,
            display_name(country),
            &members,
        ));
        for row in members {
            let (kind, name) = if row.province.is_empty() {
                (
                    RegionKind::Mainland,
                    format!("{} (mainland)", display_name(country)),
                )
            } else {
                (sub_region_kind(&row.province), row.province.clone())
            };
            plan.regions.push(leaf(
                format!("{country}|{}", row.province),
                Some(country),
                kind,
                name,
                row,
            ));
        }
    }
}

fn plan_us(rows: &[&SeriesRow], plan: &mut Plan) {
    for (country, members) in group_by(rows, |row| row.country.as_str()) {
        // The country's own total comes from the global files; here it only holds the states.
        plan.regions.push(PlannedRegion {
            key: country.to_owned(),
            parent_key: Some(WORLD_KEY.to_owned()),
            kind: RegionKind::Country,
            name: display_name(country),
            values: None,
            is_row: false,
            hints: RegionHints::default(),
        });
        for (state, counties) in group_by(&members, |row| row.province.as_str()) {
            let state_key = format!("{country}|{state}");
            let kind = sub_region_kind(state);
            if counties.len() == 1 && counties[0].admin2.is_empty() {
                plan.regions.push(leaf(
                    state_key,
                    Some(country),
                    kind,
                    state.to_owned(),
                    counties[0],
                ));
                continue;
            }
            let mut total = aggregate(
                state_key.clone(),
                Some(country),
                kind,
                state.to_owned(),
                &counties,
            );
            // The lookup table has the state's own population; the file's rows are counties.
            total.hints.population = None;
            plan.regions.push(total);
            for row in counties {
                let (kind, name) = if row.admin2.is_empty() {
                    (RegionKind::Unassigned, format!("{state} (not by county)"))
                } else {
                    (county_kind(&row.admin2), row.admin2.clone())
                };
                plan.regions.push(leaf(
                    format!("{state_key}|{}", row.admin2),
                    Some(&state_key),
                    kind,
                    name,
                    row,
                ));
            }
        }
    }
}

fn leaf(
    key: String,
    parent: Option<&str>,
    kind: RegionKind,
    name: String,
    row: &SeriesRow,
) -> PlannedRegion {
    PlannedRegion {
        key,
        parent_key: parent.map(str::to_owned),
        kind,
        name,
        values: Some(row.values.clone()),
        is_row: true,
        hints: RegionHints {
            uid: row.uid,
            iso2: row.iso2.clone(),
            iso3: row.iso3.clone(),
            fips: row.fips.clone(),
            lat: row.lat,
            lon: row.lon,
            population: row.population.filter(|&p| p > 0),
        },
    }
}

fn aggregate(
    key: String,
    parent: Option<&str>,
    kind: RegionKind,
    name: String,
    rows: &[&SeriesRow],
) -> PlannedRegion {
    let mut total = vec![0i64; rows.first().map_or(0, |r| r.values.len())];
    for row in rows {
        add_into(&mut total, &row.values);
    }
    PlannedRegion {
        key,
        parent_key: parent.map(str::to_owned),
        kind,
        name,
        values: Some(total),
        is_row: false,
        hints: RegionHints::default(),
    }
}

fn add_into(total: &mut [i64], values: &[i64]) {
    for (sum, value) in total.iter_mut().zip(values) {
        *sum += value;
    }
}

/// Groups rows by a key, keeping the order in which keys first appear.
fn group_by<'a, 'k>(
    rows: &[&'a SeriesRow],
    key: impl Fn(&'a SeriesRow) -> &'a str,
) -> Vec<(&'a str, Vec<&'a SeriesRow>)> {
    let mut order: Vec<(&'a str, Vec<&'a SeriesRow>)> = Vec::new();
    let mut index: HashMap<&'a str, usize> = HashMap::new();
    for &row in rows {
        let k = key(row);
        match index.get(k) {
            Some(&i) => order[i].1.push(row),
            None => {
                index.insert(k, order.len());
                order.push((k, vec![row]));
            }
        }
    }
    order
}

fn is_cruise_ship(name: &str) -> bool {
    matches!(name, "Diamond Princess" | "Grand Princess" | "MS Zaandam")
}

fn top_level_kind(country: &str) -> RegionKind {
    if is_cruise_ship(country) {
        RegionKind::CruiseShip
    } else if country.contains("Olympics") {
        RegionKind::Games
    } else {
        RegionKind::Country
    }
}

fn sub_region_kind(province: &str) -> RegionKind {
    if is_cruise_ship(province) {
        RegionKind::CruiseShip
    } else if matches!(province, "Unknown" | "Repatriated Travellers" | "Recovered") {
        RegionKind::Unassigned
    } else {
        RegionKind::Province
    }
}

fn county_kind(admin2: &str) -> RegionKind {
    if admin2 == "Unassigned" || admin2 == "Unknown" {
        RegionKind::Unassigned
    } else if admin2.starts_with("Out of ") {
        RegionKind::OutOfState
    } else {
        RegionKind::County
    }
}

/// The name people know a country by, where JHU's differs.
pub fn display_name(country: &str) -> String {
    match country {
        "US" => "United States",
        "Korea, South" => "South Korea",
        "Korea, North" => "North Korea",
        "Taiwan*" => "Taiwan",
        other => other,
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::parse::Metric;
    use super::*;

    fn row(line: u64, country: &str, province: &str, admin2: &str, values: &[i64]) -> SeriesRow {
        SeriesRow {
            line,
            country: country.to_owned(),
            province: province.to_owned(),
            admin2: admin2.to_owned(),
            uid: None,
            fips: None,
            iso2: None,
            iso3: None,
            lat: None,
            lon: None,
            population: None,
            values: values.to_vec(),
        }
    }

    fn file(layout: SeriesLayout, rows: Vec<SeriesRow>) -> SeriesFile {
        SeriesFile {
            layout,
            metric: Metric::Confirmed,
            start: NaiveDate::from_ymd_opt(2020, 1, 22).unwrap(),
            days: rows[0].values.len(),
            rows,
        }
    }

    fn find<'a>(plan: &'a Plan, key: &str) -> &'a PlannedRegion {
        plan.regions
            .iter()
            .find(|r| r.key == key)
            .unwrap_or_else(|| panic!("no region {key:?}"))
    }

    #[test]
    fn world_counts_every_row_once_including_ships_and_games() {
        let plan = plan_regions(&file(
            SeriesLayout::Global,
            vec![
                row(2, "France", "", "", &[10, 20]),
                row(3, "France", "Reunion", "", &[1, 2]),
                row(4, "Spain", "", "", &[5, 5]),
                row(5, "Diamond Princess", "", "", &[700, 712]),
                row(6, "Summer Olympics 2020", "", "", &[0, 3]),
                row(7, "Canada", "Grand Princess", "", &[13, 13]),
                row(8, "Canada", "Ontario", "", &[100, 90]),
            ],
        ));
        assert_eq!(find(&plan, "").values, Some(vec![829, 845]));
        assert_eq!(find(&plan, "France").values, Some(vec![11, 22]));
        assert_eq!(find(&plan, "France").kind, RegionKind::Country);
        assert_eq!(find(&plan, "France|").kind, RegionKind::Mainland);
        assert_eq!(find(&plan, "France|").name, "France (mainland)");
        assert_eq!(find(&plan, "Spain").values, Some(vec![5, 5]));
        assert_eq!(find(&plan, "Diamond Princess").kind, RegionKind::CruiseShip);
        assert_eq!(find(&plan, "Summer Olympics 2020").kind, RegionKind::Games);
        assert_eq!(
            find(&plan, "Canada|Grand Princess").kind,
            RegionKind::CruiseShip
        );
        assert_eq!(
            find(&plan, "Canada").values,
            Some(vec![113, 103]),
            "a decrease stays in the total"
        );
        assert!(
            plan.regions
                .iter()
                .all(|r| r.key.is_empty() || r.parent_key.is_some())
        );
    }

    #[test]
    fn us_states_total_their_counties_and_keep_unassigned_rows() {
        let plan = plan_regions(&file(
            SeriesLayout::Us,
            vec![
                row(2, "US", "Alabama", "Autauga", &[1, 2]),
                row(3, "US", "Alabama", "Unassigned", &[0, 5]),
                row(4, "US", "Alabama", "Out of AL", &[1, 1]),
                row(5, "US", "Guam", "", &[3, 4]),
                row(6, "US", "Diamond Princess", "", &[49, 49]),
            ],
        ));
        assert_eq!(
            find(&plan, "US").values,
            None,
            "the country total comes from the global file"
        );
        assert_eq!(find(&plan, "US|Alabama").values, Some(vec![2, 8]));
        assert_eq!(
            find(&plan, "US|Alabama|Unassigned").kind,
            RegionKind::Unassigned
        );
        assert_eq!(
            find(&plan, "US|Alabama|Out of AL").kind,
            RegionKind::OutOfState
        );
        assert_eq!(find(&plan, "US|Guam").values, Some(vec![3, 4]));
        assert_eq!(
            find(&plan, "US|Diamond Princess").kind,
            RegionKind::CruiseShip
        );
        assert_eq!(
            find(&plan, "US|Alabama|Autauga").parent_key.as_deref(),
            Some("US|Alabama")
        );
    }

    #[test]
    fn a_repeated_place_is_skipped_not_counted_twice() {
        let plan = plan_regions(&file(
            SeriesLayout::Global,
            vec![row(2, "Spain", "", "", &[5]), row(3, "Spain", "", "", &[5])],
        ));
        assert_eq!(find(&plan, "").values, Some(vec![5]));
        assert_eq!(plan.skipped.len(), 1);
        assert_eq!(plan.skipped[0].line, 3);
        assert!(plan.skipped[0].reason.contains("line 2"));
    }
}
