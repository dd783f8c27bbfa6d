//! The regions each person watches.

use super::Db;

/// How many regions one person may watch.
pub const MAX_WATCHED: i64 = 50;

/// The paths of the regions a person watches, in the order they were added.
pub async fn watched_paths(db: &Db, user_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.slug FROM watchlist w JOIN regions r ON r.id = w.region_id \
         WHERE w.user_id = $1 ORDER BY w.added_at, r.slug",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// Adds a region; `false` when the list is full.
///
/// TODO: The count and the insert are two statements, so simultaneous additions can pass the
/// limit by a few; one conditional insert would close that. Adding a watched region again changes nothing.
pub async fn watch(db: &Db, user_id: i64, region_id: i64, now: &str) -> Result<bool, sqlx::Error> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM watchlist WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await?;
    if count >= MAX_WATCHED {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO watchlist (user_id, region_id, added_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, region_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(region_id)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(true)
}

pub async fn unwatch(db: &Db, user_id: i64, region_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM watchlist WHERE user_id = $1 AND region_id = $2")
        .bind(user_id)
        .bind(region_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
