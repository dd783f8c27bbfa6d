//! Reads for the public pages and the API: regions with their latest figures, their place in
//! the hierarchy, and their daily series.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::{DailyRow, RegionDetail, RegionFigures, RegionKind, RegionLink, Summary};

use super::Db;

/// Where a region sits and what codes it has.
#[derive(sqlx::FromRow)]
struct Place {
    parent_id: Option<i64>,
    iso2: Option<String>,
    iso3: Option<String>,
    fips: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
}

/// One stored day of a region.
#[derive(sqlx::FromRow)]
struct DayRow {
    day: String,
    confirmed: Option<i64>,
    deaths: Option<i64>,
    new_confirmed: Option<i64>,
    new_deaths: Option<i64>,
    revised: i64,
}

/// The data's version and freshness, as ingestion last left them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataVersion {
    pub version: i64,
    pub data_hour: Option<String>,
    pub refreshed_at: Option<String>,
}

/// Reads the current data version.
pub async fn data_version(db: &Db) -> Result<DataVersion, sqlx::Error> {
    let (version, data_hour, refreshed_at) =
        sqlx::query_as("SELECT version, data_hour, refreshed_at FROM data_version WHERE id = 1")
            .fetch_one(&db.read)
            .await?;
    Ok(DataVersion {
        version,
        data_hour,
        refreshed_at,
    })
}

const FIGURES_COLUMNS: &str = "r.id, r.slug, r.name, r.kind, r.population, \
     l.confirmed_day, l.confirmed, l.deaths, l.new_confirmed, l.new_deaths, \
     l.avg7_confirmed, l.avg7_deaths, l.prev_avg7_confirmed, \
     (SELECT COUNT(*) FROM regions c WHERE c.parent_id = r.id) AS child_count";

fn figures_from_row(row: &AnyRow) -> Result<(i64, RegionFigures), sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let figures = RegionFigures {
        id: row.try_get("slug")?,
        name: row.try_get("name")?,
        kind: RegionKind::parse(&kind).unwrap_or(RegionKind::Unassigned),
        population: row.try_get("population")?,
        date: row.try_get("confirmed_day")?,
        confirmed: row.try_get("confirmed")?,
        deaths: row.try_get("deaths")?,
        new_confirmed: row.try_get("new_confirmed")?,
        new_deaths: row.try_get("new_deaths")?,
        avg7_confirmed: row.try_get("avg7_confirmed")?,
        avg7_deaths: row.try_get("avg7_deaths")?,
        prev_avg7_confirmed: row.try_get("prev_avg7_confirmed")?,
        has_children: row.try_get::<i64, _>("child_count")? > 0,
    };
    Ok((row.try_get("id")?, figures))
}

/// The world's latest figures, or `None` before the first ingestion.
pub async fn world_summary(db: &Db) -> Result<Option<Summary>, sqlx::Error> {
    let version = data_version(db).await?;
    let Some((_, world)) = region_figures(db, "").await? else {
        return Ok(None);
    };
    let (Some(date), Some(confirmed), Some(deaths)) = (world.date, world.confirmed, world.deaths)
    else {
        return Ok(None);
    };
    Ok(Some(Summary {
        confirmed,
        deaths,
        new_confirmed: world.new_confirmed.unwrap_or(0),
        new_deaths: world.new_deaths.unwrap_or(0),
        avg7_confirmed: world.avg7_confirmed,
        avg7_deaths: world.avg7_deaths,
        date,
        data_hour: version.data_hour,
        refreshed_at: version.refreshed_at,
    }))
}

/// A region's id and latest figures by its path.
pub async fn region_figures(
    db: &Db,
    slug: &str,
) -> Result<Option<(i64, RegionFigures)>, sqlx::Error> {
    let sql = format!(
        "SELECT {FIGURES_COLUMNS} FROM regions r LEFT JOIN region_latest l ON l.region_id = r.id WHERE r.slug = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(slug.to_owned())
        .fetch_optional(&db.read)
        .await?;
    row.as_ref().map(figures_from_row).transpose()
}

/// The latest figures of a region's direct sub-regions, largest total first.
pub async fn children_figures(db: &Db, region_id: i64) -> Result<Vec<RegionFigures>, sqlx::Error> {
    let sql = format!(
        "SELECT {FIGURES_COLUMNS} FROM regions r LEFT JOIN region_latest l ON l.region_id = r.id \
         WHERE r.parent_id = $1 ORDER BY l.confirmed IS NULL, l.confirmed DESC, r.name"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(region_id)
        .fetch_all(&db.read)
        .await?;
    rows.iter()
        .map(|row| figures_from_row(row).map(|(_, f)| f))
        .collect()
}

/// Everything a region's page shows apart from its series.
pub async fn region_detail(
    db: &Db,
    slug: &str,
) -> Result<Option<(i64, RegionDetail)>, sqlx::Error> {
    let Some((id, region)) = region_figures(db, slug).await? else {
        return Ok(None);
    };
    let place: Place =
        sqlx::query_as("SELECT parent_id, iso2, iso3, fips, lat, lon FROM regions WHERE id = $1")
            .bind(id)
            .fetch_one(&db.read)
            .await?;

    let mut ancestors = Vec::new();
    let mut next = place.parent_id;
    while let Some(ancestor) = next {
        let (slug, name, parent): (String, String, Option<i64>) =
            sqlx::query_as("SELECT slug, name, parent_id FROM regions WHERE id = $1")
                .bind(ancestor)
                .fetch_one(&db.read)
                .await?;
        ancestors.push(RegionLink { id: slug, name });
        next = parent;
    }
    ancestors.reverse();

    let children = children_figures(db, id).await?;
    let children_until = children.iter().filter_map(|c| c.date.clone()).max();
    let children_until = children_until.filter(|until| region.date.as_ref() != Some(until));
    let version = data_version(db).await?;
    Ok(Some((
        id,
        RegionDetail {
            region,
            ancestors,
            children,
            children_until,
            iso2: place.iso2,
            iso3: place.iso3,
            fips: place.fips,
            lat: place.lat,
            lon: place.lon,
            data_hour: version.data_hour,
            refreshed_at: version.refreshed_at,
        },
    )))
}

/// A region's daily rows between two dates (inclusive, `YYYY-MM-DD`), oldest first.
pub async fn series(
    db: &Db,
    region_id: i64,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<DailyRow>, sqlx::Error> {
    let rows: Vec<DayRow> = sqlx::query_as(
        "SELECT day, confirmed, deaths, new_confirmed, new_deaths, revised FROM daily \
         WHERE region_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
    )
    .bind(region_id)
    .bind(from.unwrap_or("0000-00-00").to_owned())
    .bind(to.unwrap_or("9999-99-99").to_owned())
    .fetch_all(&db.read)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| DailyRow {
            date: row.day,
            confirmed: row.confirmed,
            deaths: row.deaths,
            new_confirmed: row.new_confirmed,
            new_deaths: row.new_deaths,
            confirmed_revised: row.revised & 1 != 0,
            deaths_revised: row.revised & 2 != 0,
        })
        .collect())
}

/// Whether any region has data yet.
pub async fn has_data(db: &Db) -> Result<bool, sqlx::Error> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM region_latest LIMIT 1) AS any_row")
            .fetch_one(&db.read)
            .await?;
    Ok(count > 0)
}

/// The kinds of region a person can live in, as the region picker offers them.
const PLACES_TO_LIVE: &str = "('country', 'province', 'county', 'mainland')";

/// The regions directly below the region at `parent` (`""`: the countries) where a person
/// can live, by name.
pub async fn choices(
    db: &Db,
    parent: &str,
) -> Result<Vec<crate::accounts::RegionChoice>, sqlx::Error> {
    let sql = format!(
        "SELECT r.slug, r.name, \
         CASE WHEN EXISTS (SELECT 1 FROM regions c \
           WHERE c.parent_id = r.id AND c.kind IN {PLACES_TO_LIVE}) THEN 1 ELSE 0 END \
           AS has_children \
         FROM regions r JOIN regions p ON p.id = r.parent_id \
         WHERE p.slug = $1 AND r.kind IN {PLACES_TO_LIVE} AND r.lat IS NOT NULL \
         ORDER BY r.name"
    );
    let rows: Vec<(String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(parent)
        .fetch_all(&db.read)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, has_children)| crate::accounts::RegionChoice {
            id,
            name,
            has_children: has_children != 0,
        })
        .collect())
}

/// A region's id and coordinates by its path.
pub async fn region_place(
    db: &Db,
    slug: &str,
) -> Result<Option<(i64, Option<f64>, Option<f64>)>, sqlx::Error> {
    let sql =
        format!("SELECT id, lat, lon FROM regions WHERE slug = $1 AND kind IN {PLACES_TO_LIVE}");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(slug)
        .fetch_optional(&db.read)
        .await
}

/// A region's path and its name with its parents' (`Kings, New York, United States`).
pub async fn region_path_and_name(
    db: &Db,
    id: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let mut names = Vec::new();
    let mut slug = None;
    let mut next = Some(id);
    while let Some(current) = next {
        let row: Option<(String, String, Option<i64>, String)> =
            sqlx::query_as("SELECT slug, name, parent_id, kind FROM regions WHERE id = $1")
                .bind(current)
                .fetch_optional(&db.read)
                .await?;
        let Some((region_slug, name, parent, kind)) = row else {
            break;
        };
        if kind == "world" {
            break;
        }
        slug.get_or_insert(region_slug);
        names.push(name);
        next = parent;
    }
    Ok(slug.map(|slug| (slug, names.join(", "))))
}
