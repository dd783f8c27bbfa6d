//! Vaccination bookings and the daily capacity they draw on.
//!
//! Capacity is taken by one conditional update, `booked = booked + 1 WHERE booked < capacity`,
//! inside the booking's transaction: concurrent bookings of one day queue on that row (Postgres)
//! or on the single writer (SQLite), and the condition is evaluated again after the wait, so a
//! day is never overbooked. A booking that fails for any reason rolls its capacity back with it.

use sqlx::{Any, FromRow, Transaction};

use super::accounts::is_unique_violation;
use super::{Backend, Db};

/// A booking as the person sees it.
#[derive(Clone, Debug, PartialEq, FromRow)]
pub struct StoredBooking {
    pub id: i64,
    pub reference: String,
    pub dose: i64,
    pub hospital_id: i64,
    pub hospital_name: String,
    pub day: String,
    pub status: String,
    pub created_at: String,
}

/// A dose booked and not cancelled, as the interval rules need it.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct ActiveDose {
    pub id: i64,
    pub dose: i64,
    pub day: String,
}

/// What a new booking asks for.
#[derive(Clone, Debug)]
pub struct NewBooking {
    pub user_id: i64,
    pub dose: i64,
    pub hospital_id: i64,
    pub day: String,
    pub reference: String,
    pub now: String,
    /// Doses a day where staff have not set the hospital's capacity.
    pub default_capacity: i64,
}

/// Why a booking was not made.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("that hospital does not exist or is closed")]
    NoSuchHospital,
    #[error("that day is fully booked")]
    Full,
    #[error("that dose is already booked")]
    AlreadyBooked,
    #[error("no such booking")]
    NoSuchBooking,
    /// The dose rules refuse it, given the person's doses as they are inside the transaction.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

type Tx = Transaction<'static, Any>;

async fn begin(db: &Db) -> Result<Tx, sqlx::Error> {
    match db.backend {
        // Take the write lock at once, so that two bookings never both read and then both
        // try to write (which SQLite would refuse with "database is locked").
        Backend::Sqlite => db.pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => db.pool.begin().await,
    }
}

/// The person's active doses, in dose order.
pub async fn active_doses(db: &Db, user_id: i64) -> Result<Vec<ActiveDose>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, dose, day FROM bookings WHERE user_id = $1 AND status = 'booked' ORDER BY dose",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// Every booking of the person, newest dose first.
pub async fn bookings_of(db: &Db, user_id: i64) -> Result<Vec<StoredBooking>, sqlx::Error> {
    sqlx::query_as(
        "SELECT b.id, b.reference, b.dose, b.hospital_id, h.name AS hospital_name, b.day, \
         b.status, b.created_at FROM bookings b JOIN hospitals h ON h.id = b.hospital_id \
         WHERE b.user_id = $1 ORDER BY b.status, b.dose DESC, b.id DESC",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// Takes one dose of capacity at a hospital on a day, creating the day with the hospital's
/// capacity of the moment. Fails with [`BookingError::Full`] when none is left.
async fn take_capacity(
    tx: &mut Tx,
    hospital_id: i64,
    day: &str,
    default_capacity: i64,
) -> Result<(), BookingError> {
    let inserted = sqlx::query(
        "INSERT INTO hospital_days (hospital_id, day, capacity, booked) \
         SELECT id, $2, COALESCE(daily_capacity, $3), 0 FROM hospitals \
         WHERE id = $1 AND is_open = 1 \
         ON CONFLICT (hospital_id, day) DO NOTHING",
    )
    .bind(hospital_id)
    .bind(day)
    .bind(default_capacity)
    .execute(&mut **tx)
    .await?;
    let taken = sqlx::query(
        "UPDATE hospital_days SET booked = booked + 1 \
         WHERE hospital_id = $1 AND day = $2 AND booked < capacity",
    )
    .bind(hospital_id)
    .bind(day)
    .execute(&mut **tx)
    .await?;
    if taken.rows_affected() == 1 {
        return Ok(());
    }
    if inserted.rows_affected() == 0 && !hospital_is_open(tx, hospital_id).await? {
        return Err(BookingError::NoSuchHospital);
    }
    Err(BookingError::Full)
}

async fn hospital_is_open(tx: &mut Tx, hospital_id: i64) -> Result<bool, sqlx::Error> {
    let open: Option<i64> = sqlx::query_scalar("SELECT is_open FROM hospitals WHERE id = $1")
        .bind(hospital_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(open == Some(1))
}

async fn release_capacity(tx: &mut Tx, hospital_id: i64, day: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE hospital_days SET booked = booked - 1 \
         WHERE hospital_id = $1 AND day = $2 AND booked > 0",
    )
    .bind(hospital_id)
    .bind(day)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_booking(tx: &mut Tx, booking: &NewBooking) -> Result<i64, BookingError> {
    let result = sqlx::query_scalar(
        "INSERT INTO bookings (reference, user_id, dose, hospital_id, day, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'booked', $6) RETURNING id",
    )
    .bind(&booking.reference)
    .bind(booking.user_id)
    .bind(booking.dose)
    .bind(booking.hospital_id)
    .bind(&booking.day)
    .bind(&booking.now)
    .fetch_one(&mut **tx)
    .await;
    match result {
        Ok(id) => Ok(id),
        Err(error) if is_unique_violation(&error) => Err(BookingError::AlreadyBooked),
        Err(error) => Err(error.into()),
    }
}

/// The rules a booking must pass, given the person's active doses.
pub type DoseCheck<'a> = &'a (dyn Fn(&[ActiveDose]) -> Result<(), String> + Sync);

/// Serialises one person's booking changes and reads their active doses inside the
/// transaction: on Postgres by locking the person's row, on SQLite by the write lock
/// `BEGIN IMMEDIATE` already holds. Two requests of one person (booking dose 2 while moving
/// dose 1) then see each other's result and the interval rules cannot be raced.
async fn doses_of_locked(
    tx: &mut Tx,
    backend: Backend,
    user_id: i64,
) -> Result<Vec<ActiveDose>, sqlx::Error> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query_as(
        "SELECT id, dose, day FROM bookings WHERE user_id = $1 AND status = 'booked' ORDER BY dose",
    )
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await
}

/// Books a dose: checks the rules against the person's doses, takes capacity and records the
/// booking, in one transaction.
pub async fn book(
    db: &Db,
    booking: &NewBooking,
    check: DoseCheck<'_>,
) -> Result<i64, BookingError> {
    let mut tx = begin(db).await?;
    let doses = doses_of_locked(&mut tx, db.backend, booking.user_id).await?;
    check(&doses).map_err(BookingError::Refused)?;
    take_capacity(
        &mut tx,
        booking.hospital_id,
        &booking.day,
        booking.default_capacity,
    )
    .await?;
    let id = insert_booking(&mut tx, booking).await?;
    tx.commit().await?;
    Ok(id)
}

/// Cancels one of the person's active bookings and frees its capacity at once.
pub async fn cancel(db: &Db, user_id: i64, booking_id: i64, now: &str) -> Result<(), BookingError> {
    let mut tx = begin(db).await?;
    cancel_in(&mut tx, user_id, booking_id, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn cancel_in(
    tx: &mut Tx,
    user_id: i64,
    booking_id: i64,
    now: &str,
) -> Result<(i64, String), BookingError> {
    let cancelled: Option<(i64, String)> = sqlx::query_as(
        "UPDATE bookings SET status = 'cancelled', cancelled_at = $3 \
         WHERE id = $1 AND user_id = $2 AND status = 'booked' RETURNING hospital_id, day",
    )
    .bind(booking_id)
    .bind(user_id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((hospital_id, day)) = cancelled else {
        return Err(BookingError::NoSuchBooking);
    };
    release_capacity(tx, hospital_id, &day).await?;
    Ok((hospital_id, day))
}

/// Moves a booking to another hospital or day in one transaction: the new place is held and
/// the old one freed, or nothing changes at all.
pub async fn move_booking(
    db: &Db,
    booking_id: i64,
    to: &NewBooking,
    check: DoseCheck<'_>,
) -> Result<i64, BookingError> {
    let mut tx = begin(db).await?;
    let doses = doses_of_locked(&mut tx, db.backend, to.user_id).await?;
    check(&doses).map_err(BookingError::Refused)?;
    cancel_in(&mut tx, to.user_id, booking_id, &to.now).await?;
    take_capacity(&mut tx, to.hospital_id, &to.day, to.default_capacity).await?;
    let id = insert_booking(&mut tx, to).await?;
    tx.commit().await?;
    Ok(id)
}

/// Doses already booked at a hospital per day, for days from `from` to `to` inclusive, and
/// the capacity each of those days was given. Days without a row have the hospital's whole
/// capacity free.
pub async fn booked_days(
    db: &Db,
    hospital_id: i64,
    from: &str,
    to: &str,
) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT day, capacity, booked FROM hospital_days \
         WHERE hospital_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
    )
    .bind(hospital_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}
