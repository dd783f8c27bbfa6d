//! HTTP caching for the public, read-only surface: the pages and the JSON API.
//!
//! Their content changes only when an ingestion lands, so every response carries an `ETag`
//! derived from the data version, the data hour and the release, and a short public
//! `Cache-Control` with `stale-while-revalidate`: browsers and a CDN can serve a burst of
//! readers from their caches and revalidate with one cheap `If-None-Match` request, which is
//! answered `304 Not Modified` without rendering anything.

use app::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// How long a shared cache may serve a response without asking, and how much longer it may
/// serve it while it revalidates in the background.
const CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";

/// Whether a path is public data whose content follows the data version. The hospital
/// search follows the hospital imports instead, and sets its own shorter caching.
fn is_public_data(path: &str) -> bool {
    (path == "/" || path.starts_with("/region/") || path.starts_with("/api/v1/"))
        && !path.starts_with("/api/v1/hospitals/")
}

/// Answers conditional requests for public data and adds the caching headers.
pub async fn cache_public_data(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let cacheable = matches!(*request.method(), Method::GET | Method::HEAD)
        && is_public_data(request.uri().path());
    if !cacheable {
        return next.run(request).await;
    }
    let Some(etag) = state.cache.etag() else {
        return next.run(request).await;
    };

    let matches = request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|candidate| {
            let candidate = candidate.trim();
            candidate == "*"
                || candidate.trim_start_matches("W/")
                    == etag.to_str().unwrap_or("").trim_start_matches("W/")
        });
    if matches {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        add_headers(&mut response, etag);
        return response;
    }

    let mut response = next.run(request).await;
    if response.status() == StatusCode::OK {
        add_headers(&mut response, etag);
    }
    response
}

fn add_headers(response: &mut Response, etag: HeaderValue) {
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_data_paths_are_cached() {
        assert!(is_public_data("/"));
        assert!(is_public_data("/region/france"));
        assert!(is_public_data("/api/v1/summary"));
        assert!(!is_public_data("/healthz"));
        assert!(!is_public_data("/pkg/covid19.wasm"));
        assert!(!is_public_data("/api/get_region_page"));
        assert!(!is_public_data("/api/v1/hospitals/nearby"));
    }
}
