//! The arithmetic behind the figures: daily increases from cumulative counts, 7-day averages
//! and rates per 100,000 people. Pure functions, used by ingestion on the server and by the
//! charts in the browser alike.

/// The daily increase of a cumulative series: each value minus the one before it, the first
/// value counting from zero. A decrease (the source revising its count down) stays negative:
/// clamping it would hide the revision and make the increases no longer add up to the total.
pub fn daily_increases(cumulative: &[i64]) -> Vec<i64> {
    let mut previous = 0;
    cumulative
        .iter()
        .map(|&value| {
            let increase = value - previous;
            previous = value;
            increase
        })
        .collect()
}

/// The trailing 7-day mean of daily increases: entry `i` is the mean of `increases[i-6..=i]`,
/// or `None` for the first six days, where no full week exists yet.
pub fn seven_day_averages(increases: &[i64]) -> Vec<Option<f64>> {
    let mut sum = 0i64;
    increases
        .iter()
        .enumerate()
        .map(|(i, &value)| {
            sum += value;
            if i >= 7 {
                sum -= increases[i - 7];
            }
            (i >= 6).then(|| sum as f64 / 7.0)
        })
        .collect()
}

/// The mean daily increase over the seven days ending at index `end` of a cumulative series,
/// taken as the change in the total over the week, divided by seven. `None` before day seven.
pub fn seven_day_average_at(cumulative: &[i64], end: usize) -> Option<f64> {
    if end >= cumulative.len() {
        return None;
    }
    let before = if end >= 7 {
        cumulative[end - 7]
    } else if end == 6 {
        0
    } else {
        return None;
    };
    Some((cumulative[end] - before) as f64 / 7.0)
}

/// A count per 100,000 people; `None` for an unknown or zero population.
pub fn per_100k(count: i64, population: i64) -> Option<f64> {
    (population > 0).then(|| count as f64 * 100_000.0 / population as f64)
}

/// Formats a whole number with thousands separators: `676570149` as `676,570,149`.
pub fn group_thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Formats a figure that may be fractional with one decimal and thousands separators.
pub fn format_decimal(value: f64) -> String {
    let tenths = (value * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let whole = group_thousands((tenths / 10).abs());
    format!("{sign}{whole}.{}", (tenths % 10).abs())
}

/// The relative change from `before` to `now` in percent, where `before` is positive.
pub fn percent_change(now: f64, before: f64) -> Option<f64> {
    (before > 0.0).then(|| (now - before) / before * 100.0)
}

/// The 7-day trend in words and its style class (`up`, `down`, `flat`): rising or falling when
/// the average moved more than 5% from the week before.
pub fn describe_trend(now: Option<f64>, before: Option<f64>) -> Option<(String, &'static str)> {
    let change = percent_change(now?, before?)?;
    let (word, class) = if change > 5.0 {
        ("rising", "up")
    } else if change < -5.0 {
        ("falling", "down")
    } else {
        ("steady", "flat")
    };
    Some((format!("{word}: {change:+.0}% on the week before"), class))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_increase_of_a_decreasing_total_stays_negative() {
        assert_eq!(
            daily_increases(&[0, 5, 12, 10, 10, 15]),
            vec![0, 5, 7, -2, 0, 5]
        );
    }

    #[test]
    fn daily_increases_start_from_zero() {
        assert_eq!(daily_increases(&[3, 4]), vec![3, 1]);
        assert!(daily_increases(&[]).is_empty());
    }

    #[test]
    fn seven_day_average_needs_a_full_week() {
        let increases = [7, 7, 7, 7, 7, 7, 14, 0, -7];
        let averages = seven_day_averages(&increases);
        assert_eq!(averages[5], None);
        assert_eq!(averages[6], Some(8.0));
        assert_eq!(averages[7], Some(7.0));
        assert_eq!(averages[8], Some(5.0));
    }

    #[test]
    fn seven_day_average_from_totals_matches_the_mean_of_increases() {
        let cumulative = [1, 3, 6, 10, 15, 21, 28, 36, 30];
        let increases = daily_increases(&cumulative);
        let rolling = seven_day_averages(&increases);
        for (end, expected) in rolling.iter().enumerate() {
            assert_eq!(
                seven_day_average_at(&cumulative, end),
                *expected,
                "day {end}"
            );
        }
        assert_eq!(seven_day_average_at(&cumulative, 99), None);
    }

    #[test]
    fn per_100k_is_none_without_a_population() {
        assert_eq!(per_100k(50, 200_000), Some(25.0));
        assert_eq!(per_100k(50, 0), None);
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(group_thousands(676_570_149), "676,570,149");
        assert_eq!(group_thousands(-1_918), "-1,918");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(format_decimal(12_345.67), "12,345.7");
        assert_eq!(format_decimal(-0.26), "-0.3");
    }

    #[test]
    fn percent_change_needs_a_positive_base() {
        assert_eq!(percent_change(150.0, 100.0), Some(50.0));
        assert_eq!(percent_change(5.0, 0.0), None);
    }
}
