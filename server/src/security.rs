//! Request checks that protect every personal call, whatever its handler: state-changing
//! requests must come from the site's own pages, and personal answers are never cached.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Refuses a state-changing request (anything but GET, HEAD and OPTIONS) that a browser says
/// comes from another site: `Sec-Fetch-Site: cross-site` or `same-site`, or an `Origin` whose
/// host is not this request's `Host`. Requests without either header (scripts, curl) carry no
/// browser cookies by accident and pass; a session cookie is still required by every personal
/// call. Together with `SameSite=Lax` cookies this closes cross-site request forgery.
pub async fn same_origin_writes(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || is_same_origin(request.headers())
    {
        return next.run(request).await;
    }
    tracing::info!(path = %request.uri().path(), "refused a cross-site write");
    (
        StatusCode::FORBIDDEN,
        "State-changing requests are accepted only from this site's own pages.",
    )
        .into_response()
}

fn is_same_origin(headers: &HeaderMap) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, origin_host)| origin_host.eq_ignore_ascii_case(host)),
        (Some(_), None) => false,
    }
}

/// Headers every answer carries: no MIME sniffing, no framing by other sites (clickjacking),
/// and no full addresses in the `Referer` sent to other sites.
pub async fn protective_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    response
}

/// Whether a path serves one person's data: their pages and every server function.
pub fn is_personal(path: &str) -> bool {
    const PAGES: [&str; 5] = ["/account", "/login", "/signup", "/my", "/vaccinations"];
    (path.starts_with("/api/") && !path.starts_with("/api/v1/"))
        || PAGES
            .iter()
            .any(|page| path == *page || path.starts_with(&format!("{page}/")))
}

/// Marks personal answers `private, no-store`, so that no browser or shared cache keeps them:
/// the personal paths, and the hospital finder when it searches from the person's home.
pub async fn no_store_for_personal(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let personal = is_personal(uri.path())
        || (uri.path() == "/hospitals"
            && uri
                .query()
                .is_some_and(|q| q.split('&').any(|pair| pair.starts_with("home="))));
    let mut response = next.run(request).await;
    if personal {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn writes_from_other_sites_are_told_apart() {
        assert!(is_same_origin(&headers(&[
            ("host", "vax.example"),
            ("origin", "https://vax.example")
        ])));
        assert!(is_same_origin(&headers(&[("host", "127.0.0.1:3000")])));
        assert!(is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_same_origin(&headers(&[
            ("host", "vax.example"),
            ("origin", "https://evil.example")
        ])));
        assert!(!is_same_origin(&headers(&[
            ("host", "vax.example"),
            ("origin", "null")
        ])));
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-site"
        )])));
    }

    #[test]
    fn personal_paths_are_the_server_functions_and_account_pages() {
        assert!(is_personal("/api/login"));
        assert!(is_personal("/account"));
        assert!(is_personal("/my/watchlist"));
        assert!(!is_personal("/api/v1/summary"));
        assert!(!is_personal("/region/france"));
        assert!(!is_personal("/mystery"));
    }
}
