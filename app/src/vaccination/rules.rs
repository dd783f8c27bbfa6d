//! Which doses a person may book, and on which days: pure rules, checked on the server for
//! every booking and move, and used by the pages to offer only days that would be accepted.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The highest dose number.
pub const MAX_DOSE: u8 = 3;

/// The intervals between doses and how far ahead people may book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoseRules {
    /// Least days from dose 1 to dose 2.
    pub days_after_dose_1: i64,
    /// Least days from dose 2 to dose 3.
    pub days_after_dose_2: i64,
    /// Bookable days: from tomorrow to this many days from today.
    pub booking_window_days: i64,
}

impl Default for DoseRules {
    fn default() -> Self {
        Self {
            days_after_dose_1: 21,
            days_after_dose_2: 90,
            booking_window_days: 28,
        }
    }
}

/// A dose the person has booked (and not cancelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookedDose {
    pub dose: u8,
    pub day: NaiveDate,
}

/// Why a dose cannot be booked on a day.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DoseRefusal {
    #[error("There are doses 1, 2 and 3 only.")]
    NoSuchDose,
    #[error("Dose {0} is already booked; cancel or move that booking instead.")]
    AlreadyBooked(u8),
    #[error("Book dose {0} first.")]
    PreviousNotBooked(u8),
    #[error("Dose {dose} can be given from {earliest} on, {days} days after dose {previous}.")]
    TooSoonAfterPrevious {
        dose: u8,
        previous: u8,
        days: i64,
        earliest: NaiveDate,
    },
    #[error(
        "Dose {next} is booked on {next_day}; dose {dose} must be at least {days} days before it. Move dose {next} first."
    )]
    TooLateBeforeNext {
        dose: u8,
        next: u8,
        days: i64,
        next_day: NaiveDate,
    },
    #[error("Choose a day from {first} to {last}.")]
    OutsideWindow { first: NaiveDate, last: NaiveDate },
    #[error("Cancel dose {0} first: it depends on this one.")]
    LaterDoseBooked(u8),
}

impl DoseRules {
    /// Least days between dose `dose` and the one before it.
    pub fn interval_before(&self, dose: u8) -> i64 {
        match dose {
            2 => self.days_after_dose_1,
            3 => self.days_after_dose_2,
            _ => 0,
        }
    }

    /// The bookable days: tomorrow to `booking_window_days` from today.
    pub fn window(&self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        (
            today + chrono::Duration::days(1),
            today + chrono::Duration::days(self.booking_window_days),
        )
    }

    /// Whether `dose` may be booked on `day`, given the person's other active doses.
    /// `moving` names the dose whose booking is being moved: its current booking is ignored.
    pub fn check(
        &self,
        dose: u8,
        day: NaiveDate,
        today: NaiveDate,
        booked: &[BookedDose],
        moving: bool,
    ) -> Result<(), DoseRefusal> {
        if !(1..=MAX_DOSE).contains(&dose) {
            return Err(DoseRefusal::NoSuchDose);
        }
        let find = |n: u8| booked.iter().find(|b| b.dose == n).map(|b| b.day);
        if !moving && find(dose).is_some() {
            return Err(DoseRefusal::AlreadyBooked(dose));
        }
        let (first, last) = self.window(today);
        if day < first || day > last {
            return Err(DoseRefusal::OutsideWindow { first, last });
        }
        if dose > 1 {
            let previous = dose - 1;
            let Some(previous_day) = find(previous) else {
                return Err(DoseRefusal::PreviousNotBooked(previous));
            };
            let days = self.interval_before(dose);
            let earliest = previous_day + chrono::Duration::days(days);
            if day < earliest {
                return Err(DoseRefusal::TooSoonAfterPrevious {
                    dose,
                    previous,
                    days,
                    earliest,
                });
            }
        }
        if dose < MAX_DOSE
            && let Some(next_day) = find(dose + 1)
        {
            let days = self.interval_before(dose + 1);
            if next_day < day + chrono::Duration::days(days) {
                return Err(DoseRefusal::TooLateBeforeNext {
                    dose,
                    next: dose + 1,
                    days,
                    next_day,
                });
            }
        }
        Ok(())
    }

    /// Whether the booking of `dose` may be cancelled: not while a later dose depends on it.
    pub fn check_cancel(&self, dose: u8, booked: &[BookedDose]) -> Result<(), DoseRefusal> {
        match booked.iter().map(|b| b.dose).filter(|&d| d > dose).max() {
            Some(later) => Err(DoseRefusal::LaterDoseBooked(later)),
            None => Ok(()),
        }
    }

    /// The first day `dose` could be booked, or `None` if the rules forbid it in the window.
    pub fn earliest_day(
        &self,
        dose: u8,
        today: NaiveDate,
        booked: &[BookedDose],
    ) -> Option<NaiveDate> {
        let (first, last) = self.window(today);
        let mut day = first;
        if dose > 1 {
            let previous = booked.iter().find(|b| b.dose == dose - 1)?;
            day = day.max(previous.day + chrono::Duration::days(self.interval_before(dose)));
        }
        (day <= last).then_some(day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const TODAY: &str = "2026-12-04";

    fn booked(pairs: &[(u8, &str)]) -> Vec<BookedDose> {
        pairs
            .iter()
            .map(|&(dose, day)| BookedDose {
                dose,
                day: date(day),
            })
            .collect()
    }

    #[test]
    fn dose_one_may_be_booked_from_tomorrow_to_four_weeks_ahead() {
        let rules = DoseRules::default();
        let today = date(TODAY);
        assert!(
            rules
                .check(1, date("2026-12-05"), today, &[], false)
                .is_ok()
        );
        assert!(
            rules
                .check(1, date("2027-01-01"), today, &[], false)
                .is_ok()
        );
        assert_eq!(
            rules.check(1, date("2026-12-04"), today, &[], false),
            Err(DoseRefusal::OutsideWindow {
                first: date("2026-12-05"),
                last: date("2027-01-01")
            })
        );
        assert!(
            rules
                .check(1, date("2027-01-02"), today, &[], false)
                .is_err()
        );
    }

    #[test]
    fn dose_two_needs_dose_one_and_twenty_one_days() {
        let rules = DoseRules {
            booking_window_days: 60,
            ..DoseRules::default()
        };
        let today = date(TODAY);
        assert_eq!(
            rules.check(2, date("2026-12-30"), today, &[], false),
            Err(DoseRefusal::PreviousNotBooked(1))
        );
        let first = booked(&[(1, "2026-12-06")]);
        assert_eq!(
            rules.check(2, date("2026-12-26"), today, &first, false),
            Err(DoseRefusal::TooSoonAfterPrevious {
                dose: 2,
                previous: 1,
                days: 21,
                earliest: date("2026-12-27")
            })
        );
        assert!(
            rules
                .check(2, date("2026-12-27"), today, &first, false)
                .is_ok()
        );
        assert_eq!(
            rules.earliest_day(2, today, &first),
            Some(date("2026-12-27"))
        );
    }

    #[test]
    fn dose_three_needs_ninety_days_after_dose_two() {
        let rules = DoseRules {
            booking_window_days: 200,
            ..DoseRules::default()
        };
        let today = date(TODAY);
        let two = booked(&[(1, "2026-12-05"), (2, "2026-12-26")]);
        assert!(
            rules
                .check(3, date("2027-03-25"), today, &two, false)
                .is_err()
        );
        assert!(
            rules
                .check(3, date("2027-03-26"), today, &two, false)
                .is_ok()
        );
        // Within the default four weeks there is no day for dose 3 at all.
        assert_eq!(DoseRules::default().earliest_day(3, today, &two), None);
    }

    #[test]
    fn a_dose_is_booked_once_but_may_be_moved() {
        let rules = DoseRules::default();
        let today = date(TODAY);
        let first = booked(&[(1, "2026-12-06")]);
        assert_eq!(
            rules.check(1, date("2026-12-08"), today, &first, false),
            Err(DoseRefusal::AlreadyBooked(1))
        );
        assert!(
            rules
                .check(1, date("2026-12-08"), today, &first, true)
                .is_ok()
        );
    }

    #[test]
    fn moving_dose_one_keeps_the_interval_before_dose_two() {
        let rules = DoseRules::default();
        let today = date(TODAY);
        let two = booked(&[(1, "2026-12-05"), (2, "2026-12-28")]);
        assert!(
            rules
                .check(1, date("2026-12-07"), today, &two, true)
                .is_ok()
        );
        assert!(matches!(
            rules.check(1, date("2026-12-08"), today, &two, true),
            Err(DoseRefusal::TooLateBeforeNext { next: 2, .. })
        ));
    }

    #[test]
    fn a_dose_with_a_later_dose_booked_cannot_be_cancelled() {
        let rules = DoseRules::default();
        let two = booked(&[(1, "2026-12-05"), (2, "2026-12-28")]);
        assert_eq!(
            rules.check_cancel(1, &two),
            Err(DoseRefusal::LaterDoseBooked(2))
        );
        assert!(rules.check_cancel(2, &two).is_ok());
        assert_eq!(
            rules.check(4, date("2026-12-10"), date(TODAY), &[], false),
            Err(DoseRefusal::NoSuchDose)
        );
    }
}
