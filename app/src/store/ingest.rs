//! Writes for ingestion: regions, daily rows, latest figures, the lookup table, and the log of
//! runs. Every function here works inside the caller's transaction, so a run lands whole or
//! not at all.

use std::collections::{HashMap, HashSet};

use sqlx::{Any, AssertSqlSafe, Transaction};

use crate::ingest::IngestError;
use crate::ingest::parse::{LookupRow, Metric, SeriesFile, SeriesLayout};
use crate::ingest::plan::{Plan, PlannedRegion, WORLD_KEY};
use crate::model::RegionKind;
use crate::stats;

use super::{Backend, Db};

type Tx<'c> = Transaction<'c, Any>;

/// How many rows go into one multi-row statement: large enough to make bulk loads fast, small
/// enough to stay under both engines' limits on bound parameters.
const BATCH_ROWS: usize = 2_000;

/// How many daily rows go into one JSON-carried statement.
const JSON_BATCH_ROWS: usize = 50_000;

/// What a write changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteCounts {
    pub inserted: i64,
    pub changed: i64,
    pub regions_created: i64,
}

/// The log entry for one ingestion attempt.
#[derive(Clone, Debug, Default)]
pub struct RunRecord {
    pub source: String,
    pub data_hour: String,
    pub started_at: String,
    pub duration_ms: i64,
    pub outcome: String,
    pub checksum: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub rows_read: i64,
    pub inserted: i64,
    pub changed: i64,
    pub skipped: i64,
    pub skipped_reasons: Option<String>,
    pub error: Option<String>,
}

/// What the last applied or unchanged run of a source saw, to skip it when nothing changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceState {
    pub checksum: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The checksum and HTTP validators of the source's last successful run.
pub async fn last_source_state(db: &Db, source: &str) -> Result<Option<SourceState>, sqlx::Error> {
    let row: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT checksum, etag, last_modified FROM ingestion_runs \
         WHERE source = $1 AND outcome IN ('applied', 'unchanged') ORDER BY id DESC LIMIT 1",
    )
    .bind(source.to_owned())
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(checksum, etag, last_modified)| SourceState {
        checksum,
        etag,
        last_modified,
    }))
}

/// Appends a run to the log.
pub async fn record_run<'e, E>(executor: E, run: &RunRecord) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO ingestion_runs (source, data_hour, started_at, duration_ms, outcome, checksum, \
         etag, last_modified, rows_read, inserted, changed, skipped, skipped_reasons, error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(run.source.clone())
    .bind(run.data_hour.clone())
    .bind(run.started_at.clone())
    .bind(run.duration_ms)
    .bind(run.outcome.clone())
    .bind(run.checksum.clone())
    .bind(run.etag.clone())
    .bind(run.last_modified.clone())
    .bind(run.rows_read)
    .bind(run.inserted)
    .bind(run.changed)
    .bind(run.skipped)
    .bind(run.skipped_reasons.clone())
    .bind(run.error.clone())
    .execute(executor)
    .await?;
    Ok(())
}

/// Marks the data as changed, for caches and the page's "last refreshed".
pub async fn bump_data_version(
    tx: &mut Tx<'_>,
    data_hour: &str,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE data_version SET version = version + 1, data_hour = $1, refreshed_at = $2 WHERE id = 1",
    )
    .bind(data_hour.to_owned())
    .bind(now.to_owned())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records the hour of a run that found nothing new, without marking the data as changed.
pub async fn touch_data_hour(db: &Db, data_hour: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE data_version SET data_hour = $1 WHERE id = 1")
        .bind(data_hour.to_owned())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Writes one time-series file's plan: creates missing regions, then upserts the metric's
/// cumulative counts, daily increases and revision flags, writing only rows that differ.
pub async fn apply_series(
    tx: &mut Tx<'_>,
    backend: Backend,
    plan: &Plan,
    file: &SeriesFile,
    source: &str,
    force: bool,
) -> Result<WriteCounts, IngestError> {
    let metric = file.metric;
    let dates: Vec<String> = (0..file.days)
        .map(|i| {
            (file.start + chrono::Days::new(i as u64))
                .format("%Y-%m-%d")
                .to_string()
        })
        .collect();
    if !force {
        check_complete(tx, plan, file, &dates, source).await?;
    }

    let mut counts = WriteCounts::default();
    let ids = ensure_regions(tx, &plan.regions, file.layout, &mut counts).await?;

    let column = metric.as_str();
    let planned: Vec<i64> = plan
        .regions
        .iter()
        .filter(|r| r.values.is_some())
        .map(|r| ids[&r.key])
        .collect();
    let existing = load_metric(tx, backend, column, &planned).await?;
    let bit: i64 = match metric {
        Metric::Confirmed => 1,
        Metric::Deaths => 2,
    };

    let mut pending: Vec<PendingRow> = Vec::new();
    for region in &plan.regions {
        let Some(values) = &region.values else {
            continue;
        };
        let id = ids[&region.key];
        let increases = stats::daily_increases(values);
        for (day, (&value, &increase)) in values.iter().zip(&increases).enumerate() {
            let revised = if increase < 0 { bit } else { 0 };
            match existing.get(&(id, day_key(&dates[day]))) {
                Some(&(old, old_increase)) if old == value && old_increase == increase => continue,
                Some(_) => counts.changed += 1,
                None => counts.inserted += 1,
            }
            pending.push((id, day, value, increase, revised));
        }
    }

    write_daily_rows(tx, backend, column, bit, &pending, &dates).await?;

    write_latest(tx, plan, &ids, metric, &dates).await?;
    Ok(counts)
}

/// TODO: Places that disappear upstream are never retired: a forced file that lacks them
/// leaves their last figures in place, outside the totals the file implies.
///
/// Refuses a file that has less than the data already applied from files of its layout:
/// places missing (a file cut at a line boundary, or a broken upstream export) or days
/// missing at the end. Either would silently move totals back.
async fn check_complete(
    tx: &mut Tx<'_>,
    plan: &Plan,
    file: &SeriesFile,
    dates: &[String],
    source: &str,
) -> Result<(), IngestError> {
    let incomplete = |message: String| IngestError::Incomplete {
        file: source.to_owned(),
        message: format!(
            "{message}; nothing was applied. If this is intended, ingest it with --force."
        ),
    };
    let known: Vec<(String,)> = sqlx::query_as("SELECT key FROM regions WHERE source = $1")
        .bind(file.layout.as_str())
        .fetch_all(&mut **tx)
        .await?;
    let planned: HashSet<&str> = plan
        .regions
        .iter()
        .filter(|r| r.is_row)
        .map(|r| r.key.as_str())
        .collect();
    let missing: Vec<&str> = known
        .iter()
        .map(|(key,)| key.as_str())
        .filter(|key| !planned.contains(key))
        .collect();
    if !missing.is_empty() {
        let examples: Vec<String> = missing
            .iter()
            .take(3)
            .map(|k| format!("`{}`", k.replace('|', ", ")))
            .collect();
        return Err(incomplete(format!(
            "the file lacks {} places that the data already has, such as {}",
            missing.len(),
            examples.join(" and ")
        )));
    }

    let column = file.metric.as_str();
    let sql = format!(
        "SELECT MAX(l.{column}_day) FROM region_latest l JOIN regions r ON r.id = l.region_id \
         WHERE r.source = $1"
    );
    let last: Option<String> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(file.layout.as_str())
        .fetch_one(&mut **tx)
        .await?;
    if let (Some(stored), Some(incoming)) = (last, dates.last())
        && stored > *incoming
    {
        return Err(incomplete(format!(
            "the file ends on {incoming} but the {column} data already runs to {stored}"
        )));
    }
    Ok(())
}

/// Builds `head (…),(…) tail` with `$n` placeholders for `rows` rows of `width` values.
fn multi_row_sql(head: &str, width: usize, rows: usize, tail: &str) -> String {
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * width * 6);
    sql.push_str(head);
    let mut n = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..width {
            if column > 0 {
                sql.push(',');
            }
            n += 1;
            sql.push('$');
            sql.push_str(&n.to_string());
        }
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}

/// Rows to write: region id, day index, cumulative value, daily increase, revision bit.
type PendingRow = (i64, usize, i64, i64, i64);

/// Upserts daily rows for one metric. The rows travel as one JSON array per statement, which
/// the database unpacks itself: far faster than binding five parameters per row.
async fn write_daily_rows(
    tx: &mut Tx<'_>,
    backend: Backend,
    column: &str,
    bit: i64,
    rows: &[PendingRow],
    dates: &[String],
) -> Result<(), sqlx::Error> {
    let select = match backend {
        Backend::Sqlite => {
            "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each($1) WHERE true"
        }
        Backend::Postgres => {
            "SELECT (e ->> 0)::bigint, e ->> 1, (e ->> 2)::bigint, (e ->> 3)::bigint, (e ->> 4)::bigint \
             FROM json_array_elements($1::json) AS e"
        }
    };
    let sql = format!(
        "INSERT INTO daily (region_id, day, {column}, new_{column}, revised) {select} \
         ON CONFLICT (region_id, day) DO UPDATE SET {column} = excluded.{column}, \
         new_{column} = excluded.new_{column}, revised = (daily.revised & {mask}) | excluded.revised",
        mask = !bit
    );
    for batch in rows.chunks(JSON_BATCH_ROWS) {
        let mut json = String::with_capacity(batch.len() * 40);
        json.push('[');
        for (i, &(id, day, value, increase, revised)) in batch.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push_str(&format!(
                "[{id},\"{}\",{value},{increase},{revised}]",
                dates[day]
            ));
        }
        json.push(']');
        sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(json)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Existing values of one metric by (region id, day), as (cumulative, daily increase).
type Existing = HashMap<(i64, u32), (i64, i64)>;

/// A compact key for an ISO date, `2021-03-09` as 20210309.
fn day_key(day: &str) -> u32 {
    day.bytes()
        .filter(u8::is_ascii_digit)
        .fold(0, |key, digit| key * 10 + u32::from(digit - b'0'))
}

async fn load_metric(
    tx: &mut Tx<'_>,
    backend: Backend,
    column: &str,
    region_ids: &[i64],
) -> Result<Existing, sqlx::Error> {
    let ids = match backend {
        Backend::Sqlite => "SELECT value FROM json_each($1)",
        Backend::Postgres => "SELECT e::bigint FROM json_array_elements_text($1::json) AS e",
    };
    let sql = format!(
        "SELECT region_id, day, {column}, new_{column} FROM daily \
         WHERE region_id IN ({ids}) AND {column} IS NOT NULL AND new_{column} IS NOT NULL"
    );
    let id_list = format!(
        "[{}]",
        region_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(id_list)
        .fetch_all(&mut **tx)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, day, value, increase)| ((id, day_key(&day)), (value, increase)))
        .collect())
}

/// Returns the id of every planned region, creating the missing ones parents first.
async fn ensure_regions(
    tx: &mut Tx<'_>,
    regions: &[PlannedRegion],
    layout: SeriesLayout,
    counts: &mut WriteCounts,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows: Vec<(i64, String, String, Option<String>)> =
        sqlx::query_as("SELECT id, key, slug, source FROM regions")
            .fetch_all(&mut **tx)
            .await?;
    let sources: HashMap<i64, Option<String>> = rows
        .iter()
        .map(|(id, _, _, source)| (*id, source.clone()))
        .collect();
    let mut slugs: HashSet<String> = rows.iter().map(|(_, _, slug, _)| slug.clone()).collect();
    let mut known: HashMap<String, (i64, String)> = rows
        .into_iter()
        .map(|(id, key, slug, _)| (key, (id, slug)))
        .collect();

    let mut ids = HashMap::with_capacity(regions.len());
    for region in regions {
        if let Some((id, _)) = known.get(&region.key) {
            let recorded = sources.get(id).cloned().flatten();
            if region.is_row && recorded.as_deref() != Some(layout.as_str()) {
                sqlx::query("UPDATE regions SET source = $1 WHERE id = $2")
                    .bind(layout.as_str())
                    .bind(*id)
                    .execute(&mut **tx)
                    .await?;
            }
            ids.insert(region.key.clone(), *id);
            continue;
        }
        let parent = match &region.parent_key {
            Some(parent_key) => known.get(parent_key).cloned(),
            None => None,
        };
        let slug = unique_slug(
            parent.as_ref().map(|(_, slug)| slug.as_str()),
            region,
            &slugs,
        );
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO regions (key, slug, parent_id, kind, name, uid, iso2, iso3, fips, lat, lon, population, \
             source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(region.key.clone())
        .bind(slug.clone())
        .bind(parent.as_ref().map(|(id, _)| *id))
        .bind(region.kind.as_str())
        .bind(region.name.clone())
        .bind(region.hints.uid)
        .bind(region.hints.iso2.clone())
        .bind(region.hints.iso3.clone())
        .bind(region.hints.fips.clone())
        .bind(region.hints.lat)
        .bind(region.hints.lon)
        .bind(region.hints.population)
        .bind(region.is_row.then_some(layout.as_str()))
        .fetch_one(&mut **tx)
        .await?;
        counts.regions_created += 1;
        slugs.insert(slug.clone());
        known.insert(region.key.clone(), (id, slug));
        ids.insert(region.key.clone(), id);
    }
    Ok(ids)
}

/// A readable URL path for a new region, unique among all regions.
fn unique_slug(parent: Option<&str>, region: &PlannedRegion, taken: &HashSet<String>) -> String {
    if region.key == WORLD_KEY {
        return String::new();
    }
    let mut part = slug::slugify(if region.kind == RegionKind::Mainland {
        "mainland"
    } else {
        &region.name
    });
    if part.is_empty() || part == "series" || part == "world" {
        part = format!("region-{part}");
    }
    let base = match parent {
        Some(parent) if !parent.is_empty() => format!("{parent}/{part}"),
        _ => part,
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

async fn write_latest(
    tx: &mut Tx<'_>,
    plan: &Plan,
    ids: &HashMap<String, i64>,
    metric: Metric,
    dates: &[String],
) -> Result<(), sqlx::Error> {
    let Some(last) = dates.len().checked_sub(1) else {
        return Ok(());
    };
    let mut rows = Vec::new();
    for region in &plan.regions {
        let Some(values) = &region.values else {
            continue;
        };
        let value = values[last];
        let increase = value - if last > 0 { values[last - 1] } else { 0 };
        let avg7 = stats::seven_day_average_at(values, last);
        let prev_avg7 = last
            .checked_sub(7)
            .and_then(|end| stats::seven_day_average_at(values, end));
        rows.push((ids[&region.key], value, increase, avg7, prev_avg7));
    }

    let (sql_head, sql_tail) = match metric {
        Metric::Confirmed => (
            "INSERT INTO region_latest (region_id, confirmed_day, confirmed, new_confirmed, avg7_confirmed, \
             prev_avg7_confirmed) VALUES ",
            " ON CONFLICT (region_id) DO UPDATE SET confirmed_day = excluded.confirmed_day, \
             confirmed = excluded.confirmed, new_confirmed = excluded.new_confirmed, \
             avg7_confirmed = excluded.avg7_confirmed, prev_avg7_confirmed = excluded.prev_avg7_confirmed",
        ),
        Metric::Deaths => (
            "INSERT INTO region_latest (region_id, deaths_day, deaths, new_deaths, avg7_deaths) VALUES ",
            " ON CONFLICT (region_id) DO UPDATE SET deaths_day = excluded.deaths_day, \
             deaths = excluded.deaths, new_deaths = excluded.new_deaths, avg7_deaths = excluded.avg7_deaths",
        ),
    };
    for batch in rows.chunks(BATCH_ROWS / 2) {
        let width = if metric == Metric::Confirmed { 6 } else { 5 };
        let sql = multi_row_sql(sql_head, width, batch.len(), sql_tail);
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for &(id, value, increase, avg7, prev_avg7) in batch {
            query = query
                .bind(id)
                .bind(dates[last].clone())
                .bind(value)
                .bind(increase)
                .bind(avg7);
            if metric == Metric::Confirmed {
                query = query.bind(prev_avg7);
            }
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Replaces the stored lookup table with `rows`, writing only what differs.
pub async fn apply_lookup(tx: &mut Tx<'_>, rows: &[LookupRow]) -> Result<WriteCounts, sqlx::Error> {
    let stored: HashMap<i64, LookupRow> = load_lookup(tx)
        .await?
        .into_iter()
        .map(|row| (row.uid, row))
        .collect();

    let mut counts = WriteCounts::default();
    let mut incoming = HashSet::with_capacity(rows.len());
    for row in rows {
        incoming.insert(row.uid);
        match stored.get(&row.uid) {
            Some(old) if old == row => continue,
            Some(_) => counts.changed += 1,
            None => counts.inserted += 1,
        }
        sqlx::query(
            "INSERT INTO lookup (uid, iso2, iso3, fips, admin2, province, country, lat, lon, population) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (uid) DO UPDATE SET \
             iso2 = excluded.iso2, iso3 = excluded.iso3, fips = excluded.fips, admin2 = excluded.admin2, \
             province = excluded.province, country = excluded.country, lat = excluded.lat, \
             lon = excluded.lon, population = excluded.population",
        )
        .bind(row.uid)
        .bind(row.iso2.clone())
        .bind(row.iso3.clone())
        .bind(row.fips.clone())
        .bind(row.admin2.clone())
        .bind(row.province.clone())
        .bind(row.country.clone())
        .bind(row.lat)
        .bind(row.lon)
        .bind(row.population)
        .execute(&mut **tx)
        .await?;
    }
    for uid in stored.keys().filter(|uid| !incoming.contains(uid)) {
        sqlx::query("DELETE FROM lookup WHERE uid = $1")
            .bind(*uid)
            .execute(&mut **tx)
            .await?;
        counts.changed += 1;
    }
    Ok(counts)
}

/// The stored lookup table.
async fn load_lookup(tx: &mut Tx<'_>) -> Result<Vec<LookupRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT uid, iso2, iso3, fips, admin2, province, country, lat, lon, population FROM lookup",
    )
    .fetch_all(&mut **tx)
    .await
}

/// A region as `refresh_metadata` reads it.
#[derive(sqlx::FromRow)]
struct StoredRegion {
    id: i64,
    key: String,
    parent_id: Option<i64>,
    kind: String,
    #[sqlx(flatten)]
    metadata: Metadata,
}

impl Metadata {
    fn from_lookup(row: &LookupRow) -> Self {
        Self {
            uid: Some(row.uid),
            iso2: row.iso2.clone(),
            iso3: row.iso3.clone(),
            fips: row.fips.clone(),
            lat: row.lat,
            lon: row.lon,
            population: row.population,
        }
    }
}

/// A region's descriptive fields, as stored and as the lookup table says they should be.
#[derive(Clone, Debug, Default, PartialEq, sqlx::FromRow)]
struct Metadata {
    uid: Option<i64>,
    iso2: Option<String>,
    iso3: Option<String>,
    fips: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    population: Option<i64>,
}

/// Brings every region's codes, coordinates and population in line with the lookup table.
/// A region takes the lookup row with its UID, or else the one with its names. Where a split
/// country has a mainland row, the lookup's country row describes that mainland, so the country's
/// population is the sum of its parts; the world's is the sum of its top-level regions.
pub async fn refresh_metadata(tx: &mut Tx<'_>) -> Result<u64, sqlx::Error> {
    let regions: Vec<StoredRegion> = sqlx::query_as(
        "SELECT id, key, parent_id, kind, uid, iso2, iso3, fips, lat, lon, population FROM regions",
    )
    .fetch_all(&mut **tx)
    .await?;
    let lookup = load_lookup(tx).await?;
    if lookup.is_empty() {
        return Ok(0);
    }

    let by_uid: HashMap<i64, &LookupRow> = lookup.iter().map(|row| (row.uid, row)).collect();
    let by_names: HashMap<(&str, &str, &str), &LookupRow> = lookup
        .iter()
        .map(|row| {
            (
                (
                    row.country.as_str(),
                    row.province.as_str(),
                    row.admin2.as_str(),
                ),
                row,
            )
        })
        .collect();

    let mut wanted: HashMap<i64, Metadata> = HashMap::with_capacity(regions.len());
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut split_countries = HashSet::new();
    let mut world = None;
    for row in &regions {
        let (id, key, parent, kind) = (row.id, &row.key, row.parent_id, row.kind.as_str());
        if let Some(parent) = parent {
            children.entry(parent).or_default().push(id);
            if kind == RegionKind::Mainland.as_str() {
                split_countries.insert(parent);
            }
        }
        if key == WORLD_KEY {
            world = Some(id);
        }
        let current = row.metadata.clone();
        let mut parts = key.split('|');
        let names = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        let matched = current
            .uid
            .and_then(|uid| by_uid.get(&uid))
            .or_else(|| by_names.get(&names));
        let mut metadata =
            matched.map_or_else(|| current.clone(), |row| Metadata::from_lookup(row));
        if metadata.population.is_none() {
            metadata.population = current.population;
        }
        wanted.insert(id, metadata);
    }

    let sum_of = |wanted: &HashMap<i64, Metadata>, parent: i64| -> Option<i64> {
        let known: Vec<i64> = children
            .get(&parent)
            .into_iter()
            .flatten()
            .filter_map(|child| wanted.get(child).and_then(|m| m.population))
            .collect();
        (!known.is_empty()).then(|| known.iter().sum())
    };
    for country in &split_countries {
        let total = sum_of(&wanted, *country);
        if let Some(metadata) = wanted.get_mut(country) {
            metadata.population = total;
        }
    }
    if let Some(world) = world {
        let total = sum_of(&wanted, world);
        if let Some(metadata) = wanted.get_mut(&world) {
            *metadata = Metadata {
                population: total,
                ..Metadata::default()
            };
        }
    }

    let mut updated = 0;
    for row in &regions {
        let current = row.metadata.clone();
        let wanted = &wanted[&row.id];
        if *wanted == current {
            continue;
        }
        sqlx::query(
            "UPDATE regions SET uid = $1, iso2 = $2, iso3 = $3, fips = $4, lat = $5, lon = $6, population = $7 \
             WHERE id = $8",
        )
        .bind(wanted.uid)
        .bind(wanted.iso2.clone())
        .bind(wanted.iso3.clone())
        .bind(wanted.fips.clone())
        .bind(wanted.lat)
        .bind(wanted.lon)
        .bind(wanted.population)
        .bind(row.id)
        .execute(&mut **tx)
        .await?;
        updated += 1;
    }
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_keys_order_like_dates() {
        assert_eq!(day_key("2021-03-09"), 20_210_309);
        assert!(day_key("2020-12-31") < day_key("2021-01-01"));
    }

    #[test]
    fn multi_row_statements_number_their_placeholders_in_order() {
        assert_eq!(
            multi_row_sql("INSERT INTO t VALUES ", 2, 2, ";"),
            "INSERT INTO t VALUES ($1,$2),($3,$4);"
        );
    }

    #[test]
    fn slugs_are_readable_paths_and_never_collide() {
        let region = |name: &str, kind| PlannedRegion {
            key: format!("X|{name}"),
            parent_key: Some("X".to_owned()),
            kind,
            name: name.to_owned(),
            values: None,
            is_row: false,
            hints: Default::default(),
        };
        let taken: HashSet<String> = ["korea-south".to_owned()].into();
        assert_eq!(
            unique_slug(
                Some(""),
                &region("Korea, South", RegionKind::Country),
                &taken
            ),
            "korea-south-2"
        );
        assert_eq!(
            unique_slug(
                Some("us/new-york"),
                &region("Kings", RegionKind::County),
                &taken
            ),
            "us/new-york/kings"
        );
        assert_eq!(
            unique_slug(
                Some("france"),
                &region("France (mainland)", RegionKind::Mainland),
                &taken
            ),
            "france/mainland"
        );
        assert_eq!(
            unique_slug(Some("x"), &region("Series", RegionKind::County), &taken),
            "x/region-series"
        );
    }
}
