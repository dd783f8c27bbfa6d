//! Hospitals: the imported sets and the daily capacity staff give them.

use super::Db;

/// The daily capacity of an open hospital: `Some(None)` when staff have not set it (the
/// configured default applies), `None` when the hospital is closed or unknown.
pub async fn open_capacity(db: &Db, hospital_id: i64) -> Result<Option<Option<i64>>, sqlx::Error> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT daily_capacity FROM hospitals WHERE id = $1 AND is_open = 1")
            .bind(hospital_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(capacity,)| capacity))
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
