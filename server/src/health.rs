//! Liveness and readiness for load balancers and orchestrators.
//!
//! `/healthz` answers as long as the process serves HTTP. `/readyz` answers 200 only when the
//! database is reachable and data has been loaded, so that an instance is not sent readers
//! before it can answer them.

use app::state::AppState;
use app::store::regions;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        reason: None,
    })
}

/// `GET /readyz`: the database answers and holds data.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let not_ready = |reason| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "not ready",
                reason: Some(reason),
            }),
        )
    };
    match regions::has_data(&state.db).await {
        Ok(true) => (
            StatusCode::OK,
            Json(Health {
                status: "ready",
                reason: None,
            }),
        ),
        Ok(false) => not_ready("no data has been loaded yet"),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check: the database did not answer");
            not_ready("the database is not reachable")
        }
    }
}
