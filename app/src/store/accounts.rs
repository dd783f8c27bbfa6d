//! People, their sessions, failed logins and profiles. Nothing here logs personal data.

use sqlx::FromRow;

use super::Db;

/// A stored account as login needs it.
#[derive(Clone, Debug, FromRow)]
pub struct StoredUser {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
}

/// The person a session belongs to.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct SessionUser {
    pub id: i64,
    pub email: String,
    pub role: String,
}

/// A stored profile.
#[derive(Clone, Debug, PartialEq, FromRow)]
pub struct StoredProfile {
    pub full_name: String,
    pub birth_date: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub location_method: Option<String>,
    pub home_region_id: Option<i64>,
    pub home_lat: Option<f64>,
    pub home_lon: Option<f64>,
}

/// Creates an account; `None` if the email is taken.
pub async fn create_user(
    db: &Db,
    email: &str,
    password_hash: &str,
    now: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let result = sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, role, created_at) VALUES ($1, $2, 'citizen', $3) \
         RETURNING id",
    )
    .bind(email)
    .bind(password_hash)
    .bind(now)
    .fetch_one(&db.pool)
    .await;
    match result {
        Ok(id) => Ok(Some(id)),
        Err(error) if is_unique_violation(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

pub async fn find_user_by_email(db: &Db, email: &str) -> Result<Option<StoredUser>, sqlx::Error> {
    sqlx::query_as("SELECT id, email, password_hash, role FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&db.pool)
        .await
}

/// Stores a new session under the hash of its token.
pub async fn create_session(
    db: &Db,
    token_hash: &str,
    user_id: i64,
    now: &str,
    expires_at: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The person holding an unexpired session.
pub async fn session_user(
    db: &Db,
    token_hash: &str,
    now: &str,
) -> Result<Option<SessionUser>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.role FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&db.pool)
    .await
}

pub async fn delete_session(db: &Db, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Removes expired sessions; returns how many.
pub async fn delete_expired_sessions(db: &Db, now: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// Removes failed-login counts whose window began before `window_start`; returns how many.
pub async fn delete_old_failures(db: &Db, window_start: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM login_failures WHERE window_start <= $1")
        .bind(window_start)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// Counts one more login attempt under `key`, starting a new window at `now` if the last one
/// began before `window_start`, and returns the count in the window including this one. The
/// count is taken in one statement, so concurrent attempts each see a different number.
pub async fn record_failure(
    db: &Db,
    key: &str,
    now: &str,
    window_start: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO login_failures (throttle_key, failures, window_start) VALUES ($1, 1, $2) \
         ON CONFLICT (throttle_key) DO UPDATE SET \
           failures = CASE WHEN login_failures.window_start > $3 \
                           THEN login_failures.failures + 1 ELSE 1 END, \
           window_start = CASE WHEN login_failures.window_start > $3 \
                               THEN login_failures.window_start ELSE $2 END \
         RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .bind(window_start)
    .fetch_one(&db.pool)
    .await
}

/// Takes one attempt off the count under `key` (a login that succeeded).
pub async fn forgive_attempt(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE login_failures SET failures = failures - 1 WHERE throttle_key = $1 AND failures > 0",
    )
    .bind(key)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn clear_failures(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn profile(db: &Db, user_id: i64) -> Result<Option<StoredProfile>, sqlx::Error> {
    sqlx::query_as(
        "SELECT full_name, birth_date, phone, address, location_method, home_region_id, \
         home_lat, home_lon FROM profiles WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await
}

/// Creates or replaces a person's profile.
pub async fn save_profile(
    db: &Db,
    user_id: i64,
    profile: &StoredProfile,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO profiles (user_id, full_name, birth_date, phone, address, location_method, \
         home_region_id, home_lat, home_lon, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (user_id) DO UPDATE SET full_name = excluded.full_name, \
         birth_date = excluded.birth_date, phone = excluded.phone, address = excluded.address, \
         location_method = excluded.location_method, home_region_id = excluded.home_region_id, \
         home_lat = excluded.home_lat, home_lon = excluded.home_lon, \
         updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(&profile.full_name)
    .bind(&profile.birth_date)
    .bind(&profile.phone)
    .bind(&profile.address)
    .bind(&profile.location_method)
    .bind(profile.home_region_id)
    .bind(profile.home_lat)
    .bind(profile.home_lon)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Whether an error is a unique-constraint violation (SQLite 2067 / 1555, Postgres 23505).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|e| {
        e.is_unique_violation() || matches!(e.code().as_deref(), Some("2067" | "1555" | "23505"))
    })
}
