//! Checks of what people type, shared by the browser (to answer early) and the server (which
//! always checks again: the browser's answer is a courtesy, never trusted).

use chrono::{Datelike, NaiveDate};

use crate::error::FieldError;

/// The shortest password accepted. Length is what makes a password hard to guess; no rules
/// about character classes, as recommended by NIST SP 800-63B.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted: long enough for any passphrase, short enough that hashing
/// it costs nothing extra.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// An email address, trimmed and lower-cased, with a plausible shape: one `@`, something
/// before it, a domain with a dot after it, no spaces, at most 254 characters.
pub fn email(input: &str) -> Result<String, FieldError> {
    let email = input.trim().to_lowercase();
    let invalid = || FieldError::new("email", "Enter an email address such as name@example.org.");
    if email.is_empty() {
        return Err(FieldError::new("email", "Enter your email address."));
    }
    if email.chars().count() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(invalid());
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || local.len() > 64 || !domain_ok {
        return Err(invalid());
    }
    Ok(email)
}

/// A new password: long enough, not too long, and not the email address.
pub fn new_password(password: &str, email: &str) -> Result<(), FieldError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            "password",
            format!(
                "Use at least {MIN_PASSWORD_CHARS} characters; a few words make a good password."
            ),
        ));
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(FieldError::new(
            "password",
            format!("Use at most {MAX_PASSWORD_CHARS} characters."),
        ));
    }
    if password.trim().is_empty() || password.chars().any(char::is_control) {
        return Err(FieldError::new(
            "password",
            "Use letters, digits, spaces or symbols; not only spaces, and no control characters.",
        ));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(FieldError::new(
            "password",
            "Your password must not be your email address.",
        ));
    }
    Ok(())
}

/// A full name: 1 to 200 characters after trimming, letters of any script, no control
/// characters.
pub fn full_name(input: &str) -> Result<String, FieldError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(FieldError::new("full_name", "Enter your full name."));
    }
    if name.chars().count() > 200 {
        return Err(FieldError::new("full_name", "Use at most 200 characters."));
    }
    if name
        .chars()
        .any(|c| c.is_control() || is_invisible_format(c))
        || !name.chars().any(char::is_alphabetic)
    {
        return Err(FieldError::new(
            "full_name",
            "Enter your name as letters, spaces, hyphens or apostrophes.",
        ));
    }
    Ok(name.to_owned())
}

/// A date of birth as `YYYY-MM-DD`: a real date, not in the future, at most 130 years ago.
pub fn birth_date(input: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(FieldError::new("birth_date", "Enter your date of birth."));
    }
    let date = NaiveDate::parse_from_str(input, "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            "birth_date",
            "Enter a real date as year-month-day, such as 1980-04-23.",
        )
    })?;
    if date > today {
        return Err(FieldError::new(
            "birth_date",
            "Your date of birth cannot be in the future.",
        ));
    }
    if today.year() - date.year() > 130 {
        return Err(FieldError::new(
            "birth_date",
            "Check the year: that is more than 130 years ago.",
        ));
    }
    Ok(date)
}

/// Characters that change how text is shown without being seen: bidirectional overrides and
/// isolates, zero-width spaces and joiners.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// An optional phone number: blank, or 6 to 15 digits with an optional leading `+` and spaces,
/// dots, hyphens or brackets between them (kept as typed, trimmed).
pub fn phone(input: &str) -> Result<Option<String>, FieldError> {
    let phone = input.trim();
    if phone.is_empty() {
        return Ok(None);
    }
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')') || (c == '+' && i == 0)
    });
    if !allowed || !(6..=15).contains(&digits) || phone.chars().count() > 32 {
        return Err(FieldError::new(
            "phone",
            "Enter a phone number of 6 to 15 digits, such as +44 20 7946 0958, or leave it blank.",
        ));
    }
    Ok(Some(phone.to_owned()))
}

/// An optional postal address: blank, or at most 300 characters without control characters
/// other than line breaks.
pub fn address(input: &str) -> Result<Option<String>, FieldError> {
    let address = input.trim();
    if address.is_empty() {
        return Ok(None);
    }
    if address.chars().count() > 300
        || address
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(FieldError::new(
            "address",
            "Use at most 300 characters of plain text.",
        ));
    }
    Ok(Some(address.replace("\r\n", "\n")))
}

/// A latitude and longitude typed as decimal degrees.
pub fn coordinates(lat: &str, lon: &str) -> Result<(f64, f64), Vec<FieldError>> {
    let mut errors = Vec::new();
    let lat = match lat.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && (-90.0..=90.0).contains(&value) => Some(value),
        _ => {
            errors.push(FieldError::new(
                "lat",
                "Enter a latitude between -90 and 90, such as 48.8566.",
            ));
            None
        }
    };
    let lon = match lon.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && (-180.0..=180.0).contains(&value) => Some(value),
        _ => {
            errors.push(FieldError::new(
                "lon",
                "Enter a longitude between -180 and 180, such as 2.3522.",
            ));
            None
        }
    };
    match (lat, lon) {
        (Some(lat), Some(lon)) => Ok((lat, lon)),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    #[test]
    fn emails_are_trimmed_lowercased_and_shape_checked() {
        assert_eq!(email("  Ada@Example.ORG ").unwrap(), "ada@example.org");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a da@example.org",
            "ada@.org",
            "ada@example..org",
            "ada@x@y.org",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert_eq!(email("").unwrap_err().message, "Enter your email address.");
    }

    #[test]
    fn passwords_need_ten_characters_and_must_not_be_the_email() {
        assert!(new_password("correct horse", "ada@example.org").is_ok());
        assert!(new_password("short", "ada@example.org").is_err());
        assert!(new_password("ada@example.org", "ada@example.org").is_err());
        assert!(new_password(&"x".repeat(129), "ada@example.org").is_err());
        assert!(new_password(&" ".repeat(12), "ada@example.org").is_err());
        assert!(new_password(&"\u{1}".repeat(12), "ada@example.org").is_err());
        // Characters, not bytes: ten accented letters are enough.
        assert!(new_password("éééééééééé", "ada@example.org").is_ok());
    }

    #[test]
    fn names_are_trimmed_and_need_a_letter() {
        assert_eq!(
            full_name("  Zoë O'Brien-Łukasz ").unwrap(),
            "Zoë O'Brien-Łukasz"
        );
        assert_eq!(full_name("李小龍").unwrap(), "李小龍");
        assert!(full_name("   ").is_err());
        assert!(full_name("1234").is_err());
        assert!(full_name("Ada\u{0}Lovelace").is_err());
        assert!(full_name(&"a".repeat(201)).is_err());
        assert!(full_name("Ada\u{202E}ecalevol").is_err());
        assert!(full_name("Ada\u{200B}").is_err());
    }

    #[test]
    fn birth_dates_must_be_real_past_and_plausible() {
        assert_eq!(
            birth_date("1980-04-23", today()).unwrap(),
            NaiveDate::from_ymd_opt(1980, 4, 23).unwrap()
        );
        assert!(birth_date("2026-12-04", today()).is_ok());
        assert!(birth_date("2026-12-05", today()).is_err());
        assert!(birth_date("1981-02-29", today()).is_err());
        assert!(birth_date("23/04/1980", today()).is_err());
        assert!(birth_date("1890-01-01", today()).is_err());
    }

    #[test]
    fn phones_are_optional_digits_with_separators() {
        assert_eq!(phone("").unwrap(), None);
        assert_eq!(
            phone(" +44 20 7946 0958 ").unwrap().as_deref(),
            Some("+44 20 7946 0958")
        );
        assert_eq!(
            phone("(555) 010-4477").unwrap().as_deref(),
            Some("(555) 010-4477")
        );
        assert!(phone("12345").is_err());
        assert!(phone("call me").is_err());
        assert!(phone("44+20794609").is_err());
        assert!(phone("1234567890123456").is_err());
        assert!(phone(&format!("+1{}23456", ".".repeat(40))).is_err());
    }

    #[test]
    fn coordinates_are_checked_each_with_its_own_message() {
        assert_eq!(
            coordinates(" 13.4443", "144.7937").unwrap(),
            (13.4443, 144.7937)
        );
        assert_eq!(coordinates("90", "-180").unwrap(), (90.0, -180.0));
        let errors = coordinates("91", "abc").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lat", "lon"]);
        assert!(coordinates("NaN", "0").is_err());
        assert!(coordinates("0", "inf").is_err());
    }

    #[test]
    fn addresses_are_optional_plain_text() {
        assert_eq!(address("  ").unwrap(), None);
        assert_eq!(
            address("1 Main St\r\nSpringfield").unwrap().as_deref(),
            Some("1 Main St\nSpringfield")
        );
        assert!(address("a\u{7}b").is_err());
        assert!(address(&"a".repeat(301)).is_err());
    }
}
