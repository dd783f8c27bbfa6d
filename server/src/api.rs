//! The versioned JSON (and CSV) API under `/api/v1`. Every error is JSON with a message.

use app::model::{DailyRow, RegionDetail};
use app::state::AppState;
use app::store::regions;
use axum::Json;
use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/summary", get(summary))
        .route("/regions/{*path}", get(region_or_series))
        .route("/hospitals/nearby", get(nearby_hospitals))
        .fallback(|| async {
            ApiError::NotFound(
                "no such API endpoint; see /api/v1/summary and /api/v1/regions/{id}".to_owned(),
            )
        })
}

/// An API failure, as the status and message the client sees.
#[derive(Debug)]
pub enum ApiError {
    NotFound(String),
    BadRequest(String),
    /// No data has been loaded yet.
    Unavailable(String),
    /// Details go to the log, not to the client. A database that cannot be reached just now
    /// is a 503 with `Retry-After`; anything else a 500.
    Internal(sqlx::Error),
}

#[derive(Serialize)]
struct ErrorBody {
    error: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::NotFound(message) => (StatusCode::NOT_FOUND, message),
            Self::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
            Self::Unavailable(message) => (StatusCode::SERVICE_UNAVAILABLE, message),
            Self::Internal(error) if app::store::is_unavailable(&error) => {
                tracing::warn!(error = %error, "API request failed: the database is unavailable");
                let body = Json(ErrorBody {
                    error: "the database is unavailable just now; please try again shortly"
                        .to_owned(),
                });
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "5")],
                    body,
                )
                    .into_response();
            }
            Self::Internal(error) => {
                tracing::error!(error = %error, "API request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error; please try again".to_owned(),
                )
            }
        };
        (status, Json(ErrorBody { error: message })).into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error)
    }
}

/// `GET /api/v1/summary`: the world's latest figures.
async fn summary(State(state): State<AppState>) -> Result<Response, ApiError> {
    match state.summary_json().await? {
        Some(json) => Ok((
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            json,
        )
            .into_response()),
        None => Err(ApiError::Unavailable(
            "no data has been loaded yet".to_owned(),
        )),
    }
}

#[derive(Debug, Deserialize)]
struct SeriesQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The JSON shape of a region: its figures, place in the hierarchy and sub-regions.
#[derive(Serialize)]
struct RegionResponse<'a> {
    #[serde(flatten)]
    detail: &'a RegionDetail,
}

/// `GET /api/v1/regions/{id}`, `…/{id}/series` and `…/{id}/series.csv`. Region ids are paths
/// such as `us/new-york/kings`; the world is `world`.
async fn region_or_series(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<SeriesQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(path) = path.map_err(|e| {
        ApiError::BadRequest(format!("the region id is not valid: {}", e.body_text()))
    })?;
    let Query(query) = query.map_err(|e| {
        ApiError::BadRequest(format!("the query string is not valid: {}", e.body_text()))
    })?;
    let path = path.trim_matches('/');
    let (id, series_format) = if let Some(id) = path.strip_suffix("/series.csv") {
        (id, Some(Format::Csv))
    } else if let Some(id) = path.strip_suffix("/series") {
        (id, Some(Format::Json))
    } else {
        (path, None)
    };
    let slug = if id == "world" { "" } else { id };

    let Some(format) = series_format else {
        let page = state.region_page(slug).await?;
        return match page.as_ref() {
            Some(page) => Ok(Json(RegionResponse {
                detail: &page.detail,
            })
            .into_response()),
            None => Err(not_found(&state, id).await),
        };
    };

    let from = parse_date("from", query.from.as_deref())?;
    let to = parse_date("to", query.to.as_deref())?;
    if let (Some(from), Some(to)) = (&from, &to)
        && from > to
    {
        return Err(ApiError::BadRequest(format!(
            "`from` ({from}) is after `to` ({to})"
        )));
    }
    let Some((region_id, _)) = regions::region_figures(&state.db, slug).await? else {
        return Err(not_found(&state, id).await);
    };
    let rows = regions::series(&state.db, region_id, from.as_deref(), to.as_deref()).await?;
    Ok(match format {
        Format::Json => Json(rows).into_response(),
        Format::Csv => {
            let file = if slug.is_empty() {
                "world".to_owned()
            } else {
                slug.replace('/', "_")
            };
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}.csv\""),
                    ),
                ],
                series_csv(&rows),
            )
                .into_response()
        }
    })
}

enum Format {
    Json,
    Csv,
}

/// The query of `/hospitals/nearby`, as text so that each bad value can be named.
#[derive(Debug, Deserialize)]
struct NearbyQuery {
    lat: Option<String>,
    lon: Option<String>,
    limit: Option<String>,
    radius_km: Option<String>,
}

/// How long a client or shared cache may keep a nearby answer: hospitals change only with an
/// import, and a minute-old list is still right.
const NEARBY_CACHE_CONTROL: &str = "public, max-age=60";

/// `GET /api/v1/hospitals/nearby?lat=&lon=&limit=&radius_km=`: the open hospitals nearest a
/// place, nearest first, from the in-memory index (no database query).
#[tracing::instrument(skip_all)]
async fn nearby_hospitals(
    State(state): State<AppState>,
    query: Result<Query<NearbyQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| {
        ApiError::BadRequest(format!("the query string is not valid: {}", e.body_text()))
    })?;
    let lat = parse_number("lat", query.lat.as_deref(), Some((-90.0, 90.0)))?
        .ok_or_else(|| missing("lat", "a latitude from -90 to 90"))?;
    let lon = parse_number("lon", query.lon.as_deref(), Some((-180.0, 180.0)))?
        .ok_or_else(|| missing("lon", "a longitude from -180 to 180"))?;
    let limit = parse_limit(query.limit.as_deref())?;
    let radius_km = parse_number("radius_km", query.radius_km.as_deref(), None)?;
    if radius_km.is_some_and(|r| r < 0.0) {
        return Err(ApiError::BadRequest(
            "`radius_km` must be zero or more kilometres".to_owned(),
        ));
    }

    if state.nearby_index().is_empty() {
        return Err(ApiError::Unavailable(
            "no hospitals have been loaded yet".to_owned(),
        ));
    }
    let found = app::hospitals::find_nearby_hospitals(&state, lat, lon, limit, radius_km)
        .map_err(|refusal| ApiError::BadRequest(refusal.to_string()))?;
    Ok((
        [(
            header::CACHE_CONTROL,
            HeaderValue::from_static(NEARBY_CACHE_CONTROL),
        )],
        Json(found),
    )
        .into_response())
}

fn missing(name: &str, what: &str) -> ApiError {
    ApiError::BadRequest(format!("`{name}` is required: {what}"))
}

/// A finite decimal number, within `range` when one is given; `None` when absent or blank.
fn parse_number(
    name: &str,
    value: Option<&str>,
    range: Option<(f64, f64)>,
) -> Result<Option<f64>, ApiError> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let number = value
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "`{name}` must be a decimal number, found `{value}`"
            ))
        })?;
    if let Some((low, high)) = range
        && !(low..=high).contains(&number)
    {
        return Err(ApiError::BadRequest(format!(
            "`{name}` must be from {low} to {high}, found {number}"
        )));
    }
    Ok(Some(number))
}

/// How many hospitals to list: 10 unless asked, at most 100.
fn parse_limit(value: Option<&str>) -> Result<usize, ApiError> {
    let max = app::hospitals::MAX_NEARBY_LIMIT;
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(app::hospitals::DEFAULT_NEARBY_LIMIT);
    };
    value
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "`limit` must be a whole number from 1 to {max}, found `{value}`"
            ))
        })
}

/// A 404 for an unknown id, or a 503 while the first ingestion has not finished.
async fn not_found(state: &AppState, id: &str) -> ApiError {
    if matches!(regions::has_data(&state.db).await, Ok(false)) {
        return ApiError::Unavailable("no data has been loaded yet".to_owned());
    }
    ApiError::NotFound(format!(
        "no region with id `{id}`; ids are paths such as `united-states/new-york` or `world`"
    ))
}

/// A `YYYY-MM-DD` date, strictly: no sign, no missing zeros, no spaces.
fn parse_date(name: &str, value: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let shaped = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shaped
        .then(|| NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
        .flatten()
        .map(|date| Some(date.format("%Y-%m-%d").to_string()))
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "`{name}` must be a date as YYYY-MM-DD, found `{value}`"
            ))
        })
}

/// The series as CSV, one row per day.
pub fn series_csv(rows: &[DailyRow]) -> String {
    let cell = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut out = String::from(
        "date,confirmed,deaths,new_confirmed,new_deaths,confirmed_revised,deaths_revised\n",
    );
    for row in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            row.date,
            cell(row.confirmed),
            cell(row.deaths),
            cell(row.new_confirmed),
            cell(row.new_deaths),
            row.confirmed_revised,
            row.deaths_revised
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearby_parameters_name_themselves_when_wrong() {
        let message = |error: ApiError| match error {
            ApiError::BadRequest(message) => message,
            other => panic!("expected a bad request, got {other:?}"),
        };
        assert_eq!(
            parse_number("lat", Some("45.5"), Some((-90.0, 90.0))).ok(),
            Some(Some(45.5))
        );
        assert_eq!(
            parse_number("lat", None, Some((-90.0, 90.0))).ok(),
            Some(None)
        );
        let too_far = message(parse_number("lat", Some("91"), Some((-90.0, 90.0))).unwrap_err());
        assert!(
            too_far.starts_with("`lat` must be from -90 to 90"),
            "{too_far}"
        );
        let word = message(parse_number("lon", Some("east"), None).unwrap_err());
        assert!(word.contains("`lon`") && word.contains("`east`"), "{word}");
        assert!(parse_number("lon", Some("NaN"), None).is_err());
        assert_eq!(parse_limit(None).ok(), Some(10));
        assert_eq!(parse_limit(Some("100")).ok(), Some(100));
        for bad in ["0", "101", "-1", "2.5"] {
            let text = message(parse_limit(Some(bad)).unwrap_err());
            assert!(text.starts_with("`limit`"), "{text}");
        }
    }

    #[test]
    fn dates_must_be_exactly_yyyy_mm_dd() {
        assert_eq!(
            parse_date("from", Some("2023-03-09"))
                .ok()
                .flatten()
                .as_deref(),
            Some("2023-03-09")
        );
        assert_eq!(parse_date("from", Some("")).ok(), Some(None));
        for bad in [
            "2023-3-9",
            "-2023-03-08",
            " 2023-03-08",
            "2023-02-30",
            "2023/03/09",
            "20230309xx",
        ] {
            assert!(parse_date("from", Some(bad)).is_err(), "{bad} accepted");
        }
    }
}
