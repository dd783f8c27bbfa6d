//! Server functions behind the public pages.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{CompactSeries, RegionDetail};

/// What a region's page needs: its figures, sub-regions and whole series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionPageData {
    pub detail: RegionDetail,
    pub series: CompactSeries,
}

/// Reads a region's page data by its path (`""` for the world); `None` for an unknown region.
#[server]
pub async fn get_region_page(id: String) -> Result<Option<RegionPageData>, ServerFnError> {
    use crate::state::AppState;

    let state =
        use_context::<AppState>().ok_or_else(|| ServerFnError::new("server state missing"))?;
    match state.region_page(&id).await {
        Ok(page) => Ok((*page).clone()),
        Err(error) => {
            tracing::error!(error = %error, "could not read a region page");
            Err(ServerFnError::new(
                "The data could not be read just now. Please try again.",
            ))
        }
    }
}
