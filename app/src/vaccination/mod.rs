//! Vaccination: booking doses 1 to 3 at a hospital on a day with free capacity, moving and
//! cancelling bookings, and the person's list of them.
//!
//! The rules (intervals, window, order of doses) are checked on the server for every call;
//! capacity is enforced by the database in the booking's transaction.

pub mod pages;
pub mod rules;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A booking as "My vaccinations" shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BookingView {
    pub id: i64,
    pub reference: String,
    pub dose: u8,
    pub hospital_id: i64,
    pub hospital_name: String,
    pub day: String,
    pub active: bool,
}

/// A hospital's bookable days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HospitalDays {
    pub hospital_id: i64,
    pub name: String,
    pub city: Option<String>,
    pub days: Vec<FreeDay>,
}

/// A bookable day at a hospital and how many doses are still free on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FreeDay {
    pub day: String,
    pub free: i64,
}

/// What the booking page needs: the rules, the person's bookings, and the first day each
/// dose could be booked (`None` when not now).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VaccinationOverview {
    pub bookings: Vec<BookingView>,
    pub rules: rules::DoseRules,
    pub earliest: Vec<(u8, Option<String>)>,
    pub has_profile: bool,
}

/// The caller's bookings, active first, and what they may book next.
#[server(endpoint = "my_vaccinations")]
pub async fn my_vaccinations() -> Result<VaccinationOverview, AppError> {
    use crate::accounts::server::{app_state, require_user};
    use crate::store::{accounts, bookings};

    let state = app_state()?;
    let user = require_user().await?;
    let stored = bookings::bookings_of(&state.db, user.id)
        .await
        .map_err(AppError::database)?;
    let has_profile = accounts::profile(&state.db, user.id)
        .await
        .map_err(AppError::database)?
        .is_some();
    let views: Vec<BookingView> = stored
        .into_iter()
        .map(|b| BookingView {
            id: b.id,
            reference: b.reference,
            dose: u8::try_from(b.dose).unwrap_or(0),
            hospital_id: b.hospital_id,
            hospital_name: b.hospital_name,
            day: b.day,
            active: b.status == "booked",
        })
        .collect();
    let booked = ssr::booked_doses(&views);
    let rules = state.settings.dose_rules;
    let today = chrono::Utc::now().date_naive();
    let earliest = (1..=rules::MAX_DOSE)
        .map(|dose| {
            let free = !booked.iter().any(|b| b.dose == dose);
            let day = free
                .then(|| rules.earliest_day(dose, today, &booked))
                .flatten()
                .map(|d| d.to_string());
            (dose, day)
        })
        .collect();
    Ok(VaccinationOverview {
        bookings: views,
        rules,
        earliest,
        has_profile,
    })
}

/// Books `dose` at a hospital on a day (`YYYY-MM-DD`).
#[server(endpoint = "book_dose")]
pub async fn book_dose(dose: u8, hospital_id: i64, day: String) -> Result<BookingView, AppError> {
    use crate::accounts::server::{app_state, fail, require_user};
    use crate::store::{accounts, bookings};

    let state = app_state()?;
    let user = require_user().await?;
    let day = ssr::parse_day(&day)?;
    if accounts::profile(&state.db, user.id)
        .await
        .map_err(AppError::database)?
        .is_none()
    {
        return fail(AppError::Conflict(
            "Fill in your profile before booking.".to_owned(),
        ));
    }
    // A first check answers early; the booking's transaction checks again under a lock.
    let active = ssr::active_doses(&state, user.id).await?;
    let today = chrono::Utc::now().date_naive();
    if let Err(refusal) = state
        .settings
        .dose_rules
        .check(dose, day, today, &active, false)
    {
        return fail(AppError::Conflict(refusal.to_string()));
    }

    let booking = ssr::new_booking(&state, user.id, dose, hospital_id, day);
    let rules = state.settings.dose_rules;
    // Checked again inside the transaction, against the doses as they are there.
    let check = move |doses: &[bookings::ActiveDose]| {
        rules
            .check(dose, day, today, &ssr::to_booked(doses), false)
            .map_err(|refusal| refusal.to_string())
    };
    let id = match bookings::book(&state.db, &booking, &check).await {
        Ok(id) => id,
        Err(error) => return fail(ssr::booking_error(error)),
    };
    tracing::info!(
        user.id = user.id,
        booking.id = id,
        dose,
        hospital.id = hospital_id,
        "dose booked"
    );
    ssr::booking_view(&state, user.id, id).await
}

/// Cancels one of the caller's bookings; its capacity is free again at once.
#[server(endpoint = "cancel_booking")]
pub async fn cancel_booking(booking_id: i64) -> Result<(), AppError> {
    use crate::accounts::server::{app_state, fail, require_user, timestamp};
    use crate::store::bookings;

    let state = app_state()?;
    let user = require_user().await?;
    let active = bookings::active_doses(&state.db, user.id)
        .await
        .map_err(AppError::database)?;
    let Some(dose) = active.iter().find(|b| b.id == booking_id).map(|b| b.dose) else {
        return fail(AppError::NotFound(
            "You have no such active booking.".to_owned(),
        ));
    };
    let booked = ssr::to_booked(&active);
    if let Err(refusal) = state
        .settings
        .dose_rules
        .check_cancel(u8::try_from(dose).unwrap_or(0), &booked)
    {
        return fail(AppError::Conflict(refusal.to_string()));
    }
    if let Err(error) = bookings::cancel(
        &state.db,
        user.id,
        booking_id,
        &timestamp(chrono::Utc::now()),
    )
    .await
    {
        return fail(ssr::booking_error(error));
    }
    tracing::info!(
        user.id = user.id,
        booking.id = booking_id,
        "booking cancelled"
    );
    Ok(())
}

/// Moves one of the caller's bookings to another hospital or day: the new place is taken and
/// the old one freed together, or nothing changes.
#[server(endpoint = "move_booking")]
pub async fn move_booking(
    booking_id: i64,
    hospital_id: i64,
    day: String,
) -> Result<BookingView, AppError> {
    use crate::accounts::server::{app_state, fail, require_user};
    use crate::store::bookings;

    let state = app_state()?;
    let user = require_user().await?;
    let day = ssr::parse_day(&day)?;
    let active = bookings::active_doses(&state.db, user.id)
        .await
        .map_err(AppError::database)?;
    let Some(dose) = active.iter().find(|b| b.id == booking_id).map(|b| b.dose) else {
        return fail(AppError::NotFound(
            "You have no such active booking.".to_owned(),
        ));
    };
    let dose = u8::try_from(dose).unwrap_or(0);
    let today = chrono::Utc::now().date_naive();
    if let Err(refusal) =
        state
            .settings
            .dose_rules
            .check(dose, day, today, &ssr::to_booked(&active), true)
    {
        return fail(AppError::Conflict(refusal.to_string()));
    }

    let to = ssr::new_booking(&state, user.id, dose, hospital_id, day);
    let rules = state.settings.dose_rules;
    // Checked again inside the transaction, against the doses as they are there.
    let check = move |doses: &[bookings::ActiveDose]| {
        if !doses.iter().any(|d| d.id == booking_id) {
            return Err("You have no such active booking.".to_owned());
        }
        rules
            .check(dose, day, today, &ssr::to_booked(doses), true)
            .map_err(|refusal| refusal.to_string())
    };
    let id = match bookings::move_booking(&state.db, booking_id, &to, &check).await {
        Ok(id) => id,
        Err(error) => return fail(ssr::booking_error(error)),
    };
    tracing::info!(
        user.id = user.id,
        booking.id = id,
        moved_from = booking_id,
        "booking moved"
    );
    ssr::booking_view(&state, user.id, id).await
}

/// The days in the booking window with free capacity at an open hospital.
#[server(endpoint = "free_days")]
pub async fn free_days(hospital_id: i64) -> Result<HospitalDays, AppError> {
    use crate::accounts::server::{app_state, fail};
    use crate::store::{bookings, hospitals};

    let state = app_state()?;
    let Some((name, city, capacity)) = hospitals::open_hospital(&state.db, hospital_id)
        .await
        .map_err(AppError::database)?
    else {
        return fail(AppError::NotFound(
            "That hospital does not exist or is closed.".to_owned(),
        ));
    };
    let capacity = capacity.unwrap_or(state.settings.default_daily_capacity);
    let (first, last) = state
        .settings
        .dose_rules
        .window(chrono::Utc::now().date_naive());
    let taken = bookings::booked_days(
        &state.db,
        hospital_id,
        &first.to_string(),
        &last.to_string(),
    )
    .await
    .map_err(AppError::database)?;
    Ok(HospitalDays {
        hospital_id,
        name,
        city,
        days: ssr::free_days_between(first, last, capacity, &taken),
    })
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use chrono::NaiveDate;
    use rand_core::{OsRng, RngCore};

    use super::rules::BookedDose;
    use super::{BookingView, FreeDay};
    use crate::accounts::server::fail;
    use crate::error::{AppError, FieldError};
    use crate::state::AppState;
    use crate::store::bookings::{self, ActiveDose, BookingError};

    pub fn parse_day(day: &str) -> Result<NaiveDate, AppError> {
        match NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d") {
            Ok(day) => Ok(day),
            Err(_) => fail(AppError::Invalid(vec![FieldError::new(
                "day",
                "Choose a day as year-month-day.",
            )])),
        }
    }

    pub fn to_booked(active: &[ActiveDose]) -> Vec<BookedDose> {
        active
            .iter()
            .filter_map(|b| {
                Some(BookedDose {
                    dose: u8::try_from(b.dose).ok()?,
                    day: NaiveDate::parse_from_str(&b.day, "%Y-%m-%d").ok()?,
                })
            })
            .collect()
    }

    pub fn booked_doses(views: &[BookingView]) -> Vec<BookedDose> {
        views
            .iter()
            .filter(|b| b.active)
            .filter_map(|b| {
                Some(BookedDose {
                    dose: b.dose,
                    day: NaiveDate::parse_from_str(&b.day, "%Y-%m-%d").ok()?,
                })
            })
            .collect()
    }

    pub async fn active_doses(state: &AppState, user_id: i64) -> Result<Vec<BookedDose>, AppError> {
        let active = bookings::active_doses(&state.db, user_id)
            .await
            .map_err(AppError::database)?;
        Ok(to_booked(&active))
    }

    pub async fn booking_view(
        state: &AppState,
        user_id: i64,
        id: i64,
    ) -> Result<BookingView, AppError> {
        let all = bookings::bookings_of(&state.db, user_id)
            .await
            .map_err(AppError::database)?;
        let Some(b) = all.into_iter().find(|b| b.id == id) else {
            return Err(AppError::Internal);
        };
        Ok(BookingView {
            id: b.id,
            reference: b.reference,
            dose: u8::try_from(b.dose).unwrap_or(0),
            hospital_id: b.hospital_id,
            hospital_name: b.hospital_name,
            day: b.day,
            active: b.status == "booked",
        })
    }

    /// A booking of `dose` on `day` with a fresh reference, as of now.
    pub fn new_booking(
        state: &AppState,
        user_id: i64,
        dose: u8,
        hospital_id: i64,
        day: NaiveDate,
    ) -> bookings::NewBooking {
        bookings::NewBooking {
            user_id,
            dose: i64::from(dose),
            hospital_id,
            day: day.to_string(),
            reference: new_reference(),
            now: crate::accounts::server::timestamp(chrono::Utc::now()),
            default_capacity: state.settings.default_daily_capacity,
        }
    }

    /// A booking reference such as `VX-7K2M-QP4D`: 40 random bits in a 32-letter alphabet
    /// without look-alike characters, easy to read out at a desk.
    pub fn new_reference() -> String {
        const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
        let mut bytes = [0_u8; 8];
        OsRng.fill_bytes(&mut bytes);
        let letters: String = bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
            .collect();
        format!("VX-{}-{}", &letters[..4], &letters[4..])
    }

    pub fn booking_error(error: BookingError) -> AppError {
        match error {
            BookingError::NoSuchHospital => {
                AppError::NotFound("That hospital does not exist or is closed.".to_owned())
            }
            BookingError::Full => AppError::Conflict(
                "That day is fully booked at this hospital. Please choose another day or hospital."
                    .to_owned(),
            ),
            BookingError::AlreadyBooked => AppError::Conflict(
                "That dose is already booked; cancel or move that booking instead.".to_owned(),
            ),
            BookingError::NoSuchBooking => {
                AppError::NotFound("You have no such active booking.".to_owned())
            }
            BookingError::Refused(message) => AppError::Conflict(message),
            BookingError::Database(error) => AppError::database(error),
        }
    }

    /// Every day from `first` to `last` with free doses, given the capacity and bookings of
    /// the days that have them.
    pub fn free_days_between(
        first: NaiveDate,
        last: NaiveDate,
        capacity: i64,
        taken: &[(String, i64, i64)],
    ) -> Vec<FreeDay> {
        first
            .iter_days()
            .take_while(|day| *day <= last)
            .filter_map(|day| {
                let text = day.to_string();
                let free = match taken.iter().find(|(d, _, _)| *d == text) {
                    Some((_, day_capacity, booked)) => day_capacity - booked,
                    None => capacity,
                };
                (free > 0).then_some(FreeDay { day: text, free })
            })
            .collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn references_are_readable_and_differ() {
            let a = new_reference();
            assert_eq!(a.len(), 12);
            assert!(a.starts_with("VX-"));
            assert!(!a.contains(['0', 'O', '1', 'I']));
            assert_ne!(a, new_reference());
        }

        #[test]
        fn free_days_skip_full_days_and_count_the_rest() {
            let first = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
            let last = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
            let taken = [
                ("2026-12-05".to_owned(), 2, 2),
                ("2026-12-07".to_owned(), 5, 1),
            ];
            let days = free_days_between(first, last, 3, &taken);
            let pairs: Vec<(&str, i64)> = days.iter().map(|d| (d.day.as_str(), d.free)).collect();
            assert_eq!(
                pairs,
                [("2026-12-06", 3), ("2026-12-07", 4), ("2026-12-08", 3)]
            );
        }
    }
}
