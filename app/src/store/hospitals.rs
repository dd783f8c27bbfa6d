//! Hospitals: the imported registers, the open hospitals the nearby search is built from, and
//! the daily capacity staff give them.
//!
//! An import writes a whole register in the caller's transaction: rows travel as JSON arrays
//! that the database unpacks itself, so 15,000 hospitals cost a handful of statements. Rows are
//! keyed by (source, source_id); an import never touches `daily_capacity`, which belongs to
//! staff, and never deletes a hospital (bookings refer to them): one that a register no longer
//! lists is marked closed.

use std::collections::HashSet;

use serde_json::{Value, json};
use sqlx::{Any, AssertSqlSafe, FromRow, Transaction};

use super::{Backend, Db};
use crate::hospitals::{Hospital, HospitalSource};

type Tx<'c> = Transaction<'c, Any>;

/// How many hospitals travel in one statement.
const JSON_BATCH_ROWS: usize = 5_000;

/// What writing one register changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegisterWrite {
    /// Hospitals the database did not have.
    pub inserted: i64,
    /// Hospitals it had, now refreshed from the register (open or closed as the register says).
    pub updated: i64,
    /// Open hospitals of this register that it no longer lists, now closed.
    pub closed_now: i64,
}

/// An open hospital as the nearby search needs it: where it is, what the results show, and
/// its capacity.
#[derive(Clone, Debug, PartialEq, FromRow)]
pub struct OpenHospital {
    pub id: i64,
    pub name: String,
    pub address: Option<String>,
    pub city: Option<String>,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    /// Doses a day; `None` while staff have not set it (the configured default applies).
    pub daily_capacity: Option<i64>,
}

/// Writes one register's hospitals: inserts new ones, refreshes known ones (leaving their
/// capacity alone) and closes the register's open hospitals that `hospitals` lacks.
pub async fn write_register(
    tx: &mut Tx<'_>,
    backend: Backend,
    source: HospitalSource,
    hospitals: &[Hospital],
    now: &str,
) -> Result<RegisterWrite, sqlx::Error> {
    let known: Vec<(String,)> = sqlx::query_as("SELECT source_id FROM hospitals WHERE source = $1")
        .bind(source.as_str())
        .fetch_all(&mut **tx)
        .await?;
    let known: HashSet<String> = known.into_iter().map(|(id,)| id).collect();
    let updated = hospitals
        .iter()
        .filter(|h| known.contains(&h.source_id))
        .count();

    let rows = match backend {
        Backend::Sqlite => {
            "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, \
             value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10 \
             FROM json_each($1) WHERE true"
        }
        Backend::Postgres => {
            "SELECT e ->> 0, e ->> 1, e ->> 2, e ->> 3, e ->> 4, e ->> 5, e ->> 6, \
             (e ->> 7)::double precision, (e ->> 8)::double precision, (e ->> 9)::bigint, \
             (e ->> 10)::bigint FROM json_array_elements($1::json) AS e"
        }
    };
    let upsert = format!(
        "INSERT INTO hospitals (source_id, name, address, city, region, postcode, country, \
         lat, lon, beds, is_open, source, updated_at) \
         SELECT *, $2, $3 FROM ({rows}) AS incoming WHERE true \
         ON CONFLICT (source, source_id) DO UPDATE SET name = excluded.name, \
         address = excluded.address, city = excluded.city, region = excluded.region, \
         postcode = excluded.postcode, country = excluded.country, lat = excluded.lat, \
         lon = excluded.lon, beds = excluded.beds, is_open = excluded.is_open, \
         updated_at = excluded.updated_at"
    );
    for batch in hospitals.chunks(JSON_BATCH_ROWS) {
        let json: Vec<Value> = batch
            .iter()
            .map(|h| {
                json!([
                    h.source_id,
                    h.name,
                    h.address,
                    h.city,
                    h.region,
                    h.postcode,
                    h.country,
                    h.lat,
                    h.lon,
                    h.beds,
                    i64::from(h.open)
                ])
            })
            .collect();
        sqlx::query(AssertSqlSafe(upsert.clone()))
            .bind(Value::Array(json).to_string())
            .bind(source.as_str())
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }

    let listed = match backend {
        Backend::Sqlite => "SELECT value FROM json_each($2)",
        Backend::Postgres => "SELECT e FROM json_array_elements_text($2::json) AS e",
    };
    let ids: Vec<&str> = hospitals.iter().map(|h| h.source_id.as_str()).collect();
    let closed_now = sqlx::query(AssertSqlSafe(format!(
        "UPDATE hospitals SET is_open = 0, updated_at = $3 \
         WHERE source = $1 AND is_open = 1 AND source_id NOT IN ({listed})"
    )))
    .bind(source.as_str())
    .bind(json!(ids).to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();

    Ok(RegisterWrite {
        inserted: (hospitals.len() - updated) as i64,
        updated: updated as i64,
        closed_now: i64::try_from(closed_now).unwrap_or(i64::MAX),
    })
}

/// Every open hospital, in id order.
pub async fn open_hospitals(db: &Db) -> Result<Vec<OpenHospital>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, address, city, country, lat, lon, daily_capacity FROM hospitals \
         WHERE is_open = 1 ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
}

/// How many hospitals are stored, open or closed.
pub async fn hospital_count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM hospitals")
        .fetch_one(&db.pool)
        .await
}

/// What changes whenever a hospital is written: the count and the latest `updated_at`. A
/// server compares it to notice imports and capacity changes made by another process.
pub async fn hospitals_stamp(db: &Db) -> Result<(i64, String), sqlx::Error> {
    sqlx::query_as("SELECT COUNT(*), COALESCE(MAX(updated_at), '') FROM hospitals")
        .fetch_one(&db.pool)
        .await
}

/// Sets an open hospital's daily capacity (`None`: back to the configured default). Answers
/// whether the hospital exists and is open. The caller rebuilds the server's hospital index
/// (`AppState::reload_hospitals`), which carries the capacities the finder shows.
pub async fn set_daily_capacity(
    db: &Db,
    hospital_id: i64,
    capacity: Option<i64>,
    now: &str,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE hospitals SET daily_capacity = $2, updated_at = $3 WHERE id = $1 AND is_open = 1",
    )
    .bind(hospital_id)
    .bind(capacity)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(changed.rows_affected() == 1)
}

/// The days from `from` to `to` (inclusive) that have bookings, at any of `hospital_ids`, as
/// (hospital id, day, capacity, booked), in one query.
pub async fn booked_days_of(
    db: &Db,
    hospital_ids: &[i64],
    from: &str,
    to: &str,
) -> Result<Vec<(i64, String, i64, i64)>, sqlx::Error> {
    if hospital_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = match db.backend {
        Backend::Sqlite => "SELECT value FROM json_each($1)",
        Backend::Postgres => "SELECT e::bigint FROM json_array_elements_text($1::json) AS e",
    };
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT hospital_id, day, capacity, booked FROM hospital_days \
         WHERE hospital_id IN ({ids}) AND day >= $2 AND day <= $3 ORDER BY hospital_id, day"
    )))
    .bind(json!(hospital_ids).to_string())
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}

/// An open hospital's name, city and daily capacity (`None`: the configured default), or
/// `None` when it is closed or unknown.
pub async fn open_hospital(
    db: &Db,
    hospital_id: i64,
) -> Result<Option<(String, Option<String>, Option<i64>)>, sqlx::Error> {
    sqlx::query_as("SELECT name, city, daily_capacity FROM hospitals WHERE id = $1 AND is_open = 1")
        .bind(hospital_id)
        .fetch_optional(&db.pool)
        .await
}
