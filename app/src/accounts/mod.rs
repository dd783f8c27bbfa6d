//! Accounts: registering, logging in and out, and the person's profile and home location.
//!
//! Every server function here finds the caller from their session on the server and reads or
//! changes only that person's data; nothing is taken from the browser on trust.

pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod validate;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::FieldError;

/// The person logged in, as pages need it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub is_staff: bool,
    pub has_profile: bool,
}

/// How a home location was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LocationMethod {
    Region,
    Geolocation,
    Typed,
}

impl LocationMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Region => "region",
            Self::Geolocation => "geolocation",
            Self::Typed => "typed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "region" => Some(Self::Region),
            "geolocation" => Some(Self::Geolocation),
            "typed" => Some(Self::Typed),
            _ => None,
        }
    }
}

/// A profile as the form shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub full_name: String,
    pub birth_date: String,
    pub phone: String,
    pub address: String,
    pub location_method: Option<LocationMethod>,
    /// The home region's path, when chosen with the region picker.
    pub region: String,
    /// The home region's name and its parents', for display.
    pub region_name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// A region offered by the region picker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionChoice {
    pub id: String,
    pub name: String,
    pub has_children: bool,
}

/// Creates an account and logs the new person in.
#[server(endpoint = "register")]
pub async fn register(email: String, password: String) -> Result<(), AppError> {
    use self::server::{app_state, fail, hash_password, start_session, timestamp};
    use crate::store::accounts as store;

    let state = app_state()?;
    let mut errors = Vec::new();
    let email = validate::email(&email).map_err(|e| errors.push(e)).ok();
    if let Some(email) = &email
        && let Err(error) = validate::new_password(&password, email)
    {
        errors.push(error);
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return fail(AppError::Invalid(errors));
    };

    let hash = hash_password(password).await?;
    let now = timestamp(chrono::Utc::now());
    let Some(user_id) = store::create_user(&state.db, &email, &hash, &now)
        .await
        .map_err(AppError::database)?
    else {
        return fail(AppError::Invalid(vec![FieldError::new(
            "email",
            "There is already an account for this email address; log in instead.",
        )]));
    };
    tracing::info!(user.id = user_id, "account created");
    start_session(&state, user_id).await
}

/// Logs a person in. Wrong email and wrong password get the same answer; repeated failures for
/// one account or one address are slowed down, then refused for a while.
#[server(endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use self::server::{
        ACCOUNT_LIMITS, ADDRESS_LIMITS, THROTTLE_WINDOW_MINUTES, Throttle, app_state,
        client_address, fail, request_parts, start_session, stricter, throttle, throttle_keys,
        timestamp, verify_password,
    };
    use crate::store::accounts as store;

    let state = app_state()?;
    let parts = request_parts()?;
    let email = email.trim().to_lowercase();
    if email.is_empty() || password.is_empty() || email.len() > 254 || password.len() > 1024 {
        return fail(AppError::WrongCredentials);
    }
    let (account_key, address_key) = throttle_keys(
        &email,
        client_address(&parts, state.settings.trust_forwarded_for),
    );
    // Every attempt is counted before the password is checked, in one statement per key, so
    // that simultaneous guesses each see their own place in the count; a success clears the
    // account's count again.
    let now = chrono::Utc::now();
    let window_start = timestamp(now - chrono::Duration::minutes(THROTTLE_WINDOW_MINUTES));
    let attempts = |key: String| {
        let (db, now, window_start) = (state.db.clone(), timestamp(now), window_start.clone());
        async move {
            store::record_failure(&db, &key, &now, &window_start)
                .await
                .map_err(AppError::database)
        }
    };
    let account_attempts = attempts(account_key.clone()).await?;
    let address_attempts = match &address_key {
        Some(key) => attempts(key.clone()).await?,
        None => 0,
    };
    // The attempts before this one decide its fate.
    match stricter(
        throttle(account_attempts - 1, ACCOUNT_LIMITS),
        throttle((address_attempts - 1).max(0), ADDRESS_LIMITS),
    ) {
        Throttle::Refuse => {
            tracing::info!("a login was refused: too many failed attempts");
            return fail(AppError::TooManyAttempts(format!(
                "Too many failed logins. Please wait {THROTTLE_WINDOW_MINUTES} minutes and try again."
            )));
        }
        Throttle::Delay(delay) => tokio::time::sleep(delay).await,
        Throttle::Allow => {}
    }

    let user = store::find_user_by_email(&state.db, &email)
        .await
        .map_err(AppError::database)?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let verified = verify_password(password, hash).await;
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!("a login failed");
        return fail(AppError::WrongCredentials);
    };

    store::clear_failures(&state.db, &account_key)
        .await
        .map_err(AppError::database)?;
    if let Some(key) = &address_key {
        store::forgive_attempt(&state.db, key)
            .await
            .map_err(AppError::database)?;
    }
    tracing::info!(user.id = user.id, "logged in");
    start_session(&state, user.id).await
}

/// Logs the caller out (a no-op without a session).
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = server::app_state()?;
    server::end_session(&state).await
}

/// The person logged in, or `None`.
#[server(endpoint = "me")]
pub async fn who_am_i() -> Result<Option<Me>, AppError> {
    let state = server::app_state()?;
    let Some(user) = server::current_user().await? else {
        return Ok(None);
    };
    let has_profile = crate::store::accounts::profile(&state.db, user.id)
        .await
        .map_err(AppError::database)?
        .is_some();
    Ok(Some(Me {
        email: user.email,
        is_staff: user.role == "staff",
        has_profile,
    }))
}

/// The caller's own profile, or `None` before they fill it in.
#[server(endpoint = "profile")]
pub async fn get_profile() -> Result<Option<Profile>, AppError> {
    use crate::store::{accounts as store, regions};

    let state = server::app_state()?;
    let user = server::require_user().await?;
    let Some(stored) = store::profile(&state.db, user.id)
        .await
        .map_err(AppError::database)?
    else {
        return Ok(None);
    };
    let (region, region_name) = match stored.home_region_id {
        Some(id) => regions::region_path_and_name(&state.db, id)
            .await
            .map_err(AppError::database)?
            .unwrap_or_default(),
        None => Default::default(),
    };
    Ok(Some(Profile {
        full_name: stored.full_name,
        birth_date: stored.birth_date,
        phone: stored.phone.unwrap_or_default(),
        address: stored.address.unwrap_or_default(),
        location_method: stored
            .location_method
            .as_deref()
            .and_then(LocationMethod::parse),
        region,
        region_name,
        lat: stored.home_lat,
        lon: stored.home_lon,
    }))
}

/// Saves the caller's profile after checking every field; on any error nothing is saved and
/// each message names its field.
#[server(endpoint = "save_profile")]
pub async fn save_profile(
    full_name: String,
    birth_date: String,
    phone: String,
    address: String,
    location_method: String,
    region: String,
    lat: String,
    lon: String,
) -> Result<(), AppError> {
    use crate::store::{accounts as store, regions};

    let state = server::app_state()?;
    let user = server::require_user().await?;
    let today = chrono::Utc::now().date_naive();
    let mut errors = Vec::new();
    let full_name = validate::full_name(&full_name)
        .map_err(|e| errors.push(e))
        .ok();
    let birth_date = validate::birth_date(&birth_date, today)
        .map_err(|e| errors.push(e))
        .ok();
    let phone = validate::phone(&phone).map_err(|e| errors.push(e)).ok();
    let address = validate::address(&address).map_err(|e| errors.push(e)).ok();

    let method = LocationMethod::parse(location_method.trim());
    let mut home = (None, None, None);
    match method {
        Some(LocationMethod::Region) => {
            match regions::region_place(&state.db, region.trim().trim_matches('/'))
                .await
                .map_err(AppError::database)?
            {
                Some((id, Some(lat), Some(lon))) => home = (Some(id), Some(lat), Some(lon)),
                Some(_) => errors.push(FieldError::new(
                    "region",
                    "That region has no coordinates; choose the region above or below it.",
                )),
                None => errors.push(FieldError::new(
                    "region",
                    "Choose your region from the lists.",
                )),
            }
        }
        Some(LocationMethod::Geolocation | LocationMethod::Typed) => {
            match validate::coordinates(&lat, &lon) {
                Ok((lat, lon)) => home = (None, Some(lat), Some(lon)),
                Err(mut coordinate_errors) => errors.append(&mut coordinate_errors),
            }
        }
        None => errors.push(FieldError::new(
            "location_method",
            "Choose how to set your home location.",
        )),
    }
    let (Some(full_name), Some(birth_date), Some(phone), Some(address)) =
        (full_name, birth_date, phone, address)
    else {
        return server::fail(AppError::Invalid(errors));
    };
    if !errors.is_empty() {
        return server::fail(AppError::Invalid(errors));
    }

    let profile = store::StoredProfile {
        full_name,
        birth_date: birth_date.to_string(),
        phone,
        address,
        location_method: method.map(|m| m.as_str().to_owned()),
        home_region_id: home.0,
        home_lat: home.1,
        home_lon: home.2,
    };
    store::save_profile(
        &state.db,
        user.id,
        &profile,
        &server::timestamp(chrono::Utc::now()),
    )
    .await
    .map_err(AppError::database)?;
    tracing::info!(user.id = user.id, "profile saved");
    Ok(())
}

/// The regions directly below `parent` (`""` for the countries) that the region picker offers.
#[server(endpoint = "region_choices")]
pub async fn region_choices(parent: String) -> Result<Vec<RegionChoice>, AppError> {
    let state = server::app_state()?;
    crate::store::regions::choices(&state.db, parent.trim().trim_matches('/'))
        .await
        .map_err(AppError::database)
}
