//! Server-only parts of accounts: password hashing, session tokens and cookies, failed-login
//! throttling, and finding who is calling.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::ConnectInfo;
use chrono::{DateTime, SecondsFormat, Utc};
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderValue, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::{self as store, SessionUser};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "covid19_session";

/// How long a failed-login window lasts, in minutes.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

/// How many password hashes run at once. Each argon2id hash takes 19 MiB and a core for tens
/// of milliseconds; a burst of logins or registrations waits its turn here instead of taking
/// the memory of hundreds at once.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// The time as stored: RFC 3339 in UTC with whole seconds, which sorts as text.
pub fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, two passes) on a blocking
/// thread, so that the async workers keep serving while it runs.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    let _permit = HASHING.acquire().await.map_err(|_| AppError::Internal)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|_| AppError::Internal)?
    .map_err(|error| {
        tracing::error!(error = %error, "could not hash a password");
        AppError::Internal
    })
}

/// Checks a password against a stored hash on a blocking thread. Without a hash (an unknown
/// email) it hashes the password anyway and answers `false`, so that a login takes as long
/// whether or not the account exists.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        }),
        None => {
            let salt = SaltString::generate(&mut OsRng);
            let _ = Argon2::default().hash_password(password.as_bytes(), &salt);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// A new random session token (256 bits, hex) and the hash stored for it.
pub fn new_session_token() -> (String, String) {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let hash = token_hash(&token);
    (token, hash)
}

/// What is stored for a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// The session token the request carries, if any.
pub fn session_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|token| token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether the request reached us over HTTPS (directly or through a proxy that says so).
fn is_https(parts: &Parts) -> bool {
    parts.uri.scheme_str() == Some("https")
        || parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` value for a session: HttpOnly, SameSite=Lax, Secure over HTTPS; an empty
/// token with no age removes the cookie.
pub fn session_cookie(token: &str, max_age_days: i64, secure: bool) -> String {
    let cookie = cookie::Cookie::build((SESSION_COOKIE, token.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::days(max_age_days))
        .build();
    cookie.to_string()
}

/// The request being served.
pub fn request_parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| {
        tracing::error!("request parts missing from the context");
        AppError::Internal
    })
}

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("server state missing from the context");
        AppError::Internal
    })
}

/// Sets the answer's status for an error and passes it on.
pub fn fail<T>(error: AppError) -> Result<T, AppError> {
    if let Some(response) = use_context::<ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(error.status())
    {
        response.set_status(status);
    }
    Err(error)
}

/// Who is calling, if they hold a live session.
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    let parts = request_parts()?;
    let Some(token) = session_token(&parts) else {
        return Ok(None);
    };
    let state = app_state()?;
    store::session_user(&state.db, &token_hash(&token), &timestamp(Utc::now()))
        .await
        .map_err(AppError::database)
}

/// Who is calling; an `Unauthenticated` error (401) if nobody is logged in.
pub async fn require_user() -> Result<SessionUser, AppError> {
    match current_user().await? {
        Some(user) => Ok(user),
        None => fail(AppError::Unauthenticated),
    }
}

/// Starts a session for `user_id`: a new token every time (the id changes at login), the old
/// session of this browser, if any, ended.
pub async fn start_session(state: &AppState, user_id: i64) -> Result<(), AppError> {
    let parts = request_parts()?;
    if let Some(old) = session_token(&parts) {
        store::delete_session(&state.db, &token_hash(&old))
            .await
            .map_err(AppError::database)?;
    }
    let (token, hash) = new_session_token();
    let now = Utc::now();
    let days = state.settings.session_days;
    store::create_session(
        &state.db,
        &hash,
        user_id,
        &timestamp(now),
        &timestamp(now + chrono::Duration::days(days)),
    )
    .await
    .map_err(AppError::database)?;
    set_cookie(&session_cookie(&token, days, is_https(&parts)));
    Ok(())
}

/// Ends the caller's session, if any, and removes the cookie.
pub async fn end_session(state: &AppState) -> Result<(), AppError> {
    let parts = request_parts()?;
    if let Some(token) = session_token(&parts) {
        store::delete_session(&state.db, &token_hash(&token))
            .await
            .map_err(AppError::database)?;
    }
    set_cookie(&session_cookie("", 0, is_https(&parts)));
    Ok(())
}

fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(value),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}

/// The client's address: the first `X-Forwarded-For` hop when the server is told to trust
/// it (behind a load balancer), and otherwise the connection's peer.
pub fn client_address(parts: &Parts, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(first) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(first);
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// What to do with a login attempt, given the failures counted for its account and address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    Allow,
    /// Answer only after this long: slows guessing without locking anyone out.
    Delay(Duration),
    /// Refuse until the window ends.
    Refuse,
}

/// Failures per account before logins slow down, and before they are refused.
pub const ACCOUNT_LIMITS: (i64, i64) = (5, 10);
/// The same per client address, higher because many people can share one address.
pub const ADDRESS_LIMITS: (i64, i64) = (20, 50);

/// The throttle for `failures` under limits `(slow, refuse)`: a quarter second more per
/// failure past `slow`, at most two seconds, and refusal from `refuse` on.
pub fn throttle(failures: i64, (slow, refuse): (i64, i64)) -> Throttle {
    if failures >= refuse {
        Throttle::Refuse
    } else if failures >= slow {
        let steps = (failures - slow + 1).min(8) as u64;
        Throttle::Delay(Duration::from_millis(250 * steps))
    } else {
        Throttle::Allow
    }
}

/// The stricter of two throttles.
pub fn stricter(a: Throttle, b: Throttle) -> Throttle {
    match (a, b) {
        (Throttle::Refuse, _) | (_, Throttle::Refuse) => Throttle::Refuse,
        (Throttle::Delay(x), Throttle::Delay(y)) => Throttle::Delay(x.max(y)),
        (Throttle::Delay(x), _) | (_, Throttle::Delay(x)) => Throttle::Delay(x),
        _ => Throttle::Allow,
    }
}

/// The throttle keys of a login: the account (by a hash of the email, so the table holds no
/// addresses) and the client address.
pub fn throttle_keys(email: &str, address: Option<IpAddr>) -> (String, Option<String>) {
    (
        format!("account:{:x}", Sha256::digest(email.as_bytes())),
        address.map(|ip| format!("address:{ip}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_slow_down_then_are_refused() {
        assert_eq!(throttle(0, ACCOUNT_LIMITS), Throttle::Allow);
        assert_eq!(throttle(4, ACCOUNT_LIMITS), Throttle::Allow);
        assert_eq!(
            throttle(5, ACCOUNT_LIMITS),
            Throttle::Delay(Duration::from_millis(250))
        );
        assert_eq!(
            throttle(9, ACCOUNT_LIMITS),
            Throttle::Delay(Duration::from_millis(1250))
        );
        assert_eq!(throttle(10, ACCOUNT_LIMITS), Throttle::Refuse);
        assert_eq!(
            throttle(48, ADDRESS_LIMITS),
            Throttle::Delay(Duration::from_millis(2000))
        );
        assert_eq!(
            stricter(
                Throttle::Delay(Duration::from_millis(250)),
                Throttle::Refuse
            ),
            Throttle::Refuse
        );
        assert_eq!(
            stricter(Throttle::Allow, Throttle::Delay(Duration::from_millis(500))),
            Throttle::Delay(Duration::from_millis(500))
        );
    }

    #[test]
    fn session_tokens_are_random_and_only_their_hash_is_kept() {
        let (a, hash_a) = new_session_token();
        let (b, _) = new_session_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hash_a, token_hash(&a));
        assert_ne!(hash_a, a);
    }

    #[test]
    fn session_cookies_are_http_only_lax_and_secure_over_https() {
        let plain = session_cookie("abc", 14, false);
        assert!(plain.starts_with("covid19_session=abc"));
        assert!(plain.contains("HttpOnly"));
        assert!(plain.contains("SameSite=Lax"));
        assert!(!plain.contains("Secure"));
        assert!(session_cookie("abc", 14, true).contains("Secure"));
    }

    #[test]
    fn the_session_token_is_read_from_the_cookie_header() {
        let token = "ab".repeat(32);
        let request = http::Request::builder()
            .header(COOKIE, format!("theme=dark; {SESSION_COOKIE}={token}"))
            .body(())
            .unwrap();
        let (parts, ()) = request.into_parts();
        assert_eq!(session_token(&parts), Some(token));
        let forged = http::Request::builder()
            .header(COOKIE, format!("{SESSION_COOKIE}=' OR 1=1 --"))
            .body(())
            .unwrap();
        assert_eq!(session_token(&forged.into_parts().0), None);
    }

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery".to_owned())
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".to_owned(), Some(hash.clone())).await);
        assert!(!verify_password("wrong horse battery".to_owned(), Some(hash)).await);
        assert!(!verify_password("anything".to_owned(), None).await);
    }
}
