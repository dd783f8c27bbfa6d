//! The public pages: the world, and every region below it, each with its figures, charts and a
//! table of its sub-regions. The world page is the region page of the world.

mod charts;
mod figures;
mod table;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{RegionPageData, get_region_page};
use crate::model::RegionKind;
use crate::watchlist::WatchButton;

use charts::ChartPanel;
use figures::{FigureCards, Freshness};
use table::RegionTable;

/// `/`: the world summary and the table of countries.
#[component]
pub fn WorldPage() -> impl IntoView {
    view! { <RegionLoader id=Signal::derive(String::new) /> }
}

/// `/region/<path>`: a country, province, state or county.
#[component]
pub fn RegionPage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || {
        params
            .read()
            .get("id")
            .unwrap_or_default()
            .trim_matches('/')
            .to_owned()
    });
    view! { <RegionLoader id /> }
}

/// Loads a region's data and shows it, or says why it cannot.
#[component]
fn RegionLoader(id: Signal<String>) -> impl IntoView {
    let page = Resource::new(move || id.get(), get_region_page);

    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the figures…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(data)) => view! { <RegionView data /> }.into_any(),
                    Ok(None) if id.get_untracked().is_empty() => view! { <FirstLoad /> }.into_any(),
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(error) => {
                        view! {
                            <section class="problem" role="alert">
                                <h1>"The figures could not be loaded"</h1>
                                <p>{error.to_string()}</p>
                            </section>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// A region's whole page.
#[component]
fn RegionView(data: RegionPageData) -> impl IntoView {
    let RegionPageData { detail, series } = data;
    let series = series.to_rows();
    let region = detail.region.clone();
    let is_world = region.kind == RegionKind::World;
    let title = if is_world {
        String::new()
    } else {
        region.name.clone()
    };
    let heading = if is_world {
        "The world".to_owned()
    } else {
        region.name.clone()
    };
    let api_path = if is_world {
        "world".to_owned()
    } else {
        region.id.clone()
    };

    let breadcrumbs = (!is_world).then(|| {
        let links = detail
            .ancestors
            .iter()
            .map(|link| {
                let href = region_href(&link.id);
                view! {
                    <li>
                        <a href=href>{link.name.clone()}</a>
                    </li>
                }
            })
            .collect_view();
        view! {
            <nav aria-label="Breadcrumb" class="breadcrumbs">
                <ol>{links}</ol>
            </nav>
        }
    });

    let sub_note = detail.children_until.clone().map(|until| {
        view! {
            <p class="note">
                {format!(
                    "The figures of the regions below run until {until}; the total of {} comes from the national series{}.",
                    region.name,
                    region.date.as_ref().map(|d| format!(", which runs until {d}")).unwrap_or_default(),
                )}
            </p>
        }
    });

    let children = detail.children.clone();
    let has_children = !children.is_empty();
    let table_title = if is_world {
        "Countries and other reporting areas"
    } else {
        "Regions"
    };

    view! {
        <Title text=title />
        <article class="region" data-region=region.id.clone()>
            {breadcrumbs}
            <h1>{heading}</h1>
            {(!is_world).then(|| view! { <p class="kind">{region.kind.label()}</p> })}
            <Freshness region=region.clone() data_hour=detail.data_hour.clone() refreshed_at=detail.refreshed_at.clone() />
            <FigureCards region=region.clone() />
            <WatchButton region=api_path.clone() />
            {sub_note}
            <ChartPanel region_name=region.name.clone() series />
            {has_children.then(|| view! {
                <section class="sub-regions" aria-labelledby="sub-regions-title">
                    <h2 id="sub-regions-title">{table_title}</h2>
                    <RegionTable rows=children />
                </section>
            })}
            <section class="downloads">
                <h2>"Data"</h2>
                <ul>
                    <li><a href=format!("/api/v1/regions/{api_path}")>"Figures as JSON"</a></li>
                    <li><a href=format!("/api/v1/regions/{api_path}/series")>"Daily series as JSON"</a></li>
                    <li><a href=format!("/api/v1/regions/{api_path}/series.csv")>"Daily series as CSV"</a></li>
                </ul>
            </section>
        </article>
    }
}

/// The world page before the first ingestion has finished.
#[component]
fn FirstLoad() -> impl IntoView {
    set_response_status(503, Some(("retry-after", "30")));

    view! {
        <Title text="Loading the data" />
        <section class="problem">
            <h1>"The figures are being loaded"</h1>
            <p>"The service has just started and is loading the data for the first time. Please try again in a minute."</p>
        </section>
    }
}

/// The page for an address that names no region.
#[component]
pub fn NotFound() -> impl IntoView {
    set_response_status(404, None);

    view! {
        <Title text="Not found" />
        <section class="problem not-found">
            <h1>"We have no region at this address"</h1>
            <p>
                "The link may be mistyped, or the region may be listed under another name. "
                "Start from the world and pick the country, then the province, state or county."
            </p>
            <p>
                <a href="/">"Go to the world overview"</a>
            </p>
        </section>
    }
}

/// Sets the HTTP status (and a header) of the server-rendered response; nothing in the browser.
fn set_response_status(status: u16, header: Option<(&'static str, &'static str)>) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
        if let Some((name, value)) = header {
            response.insert_header(
                http::HeaderName::from_static(name),
                http::HeaderValue::from_static(value),
            );
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = (status, header);
}

/// The page address of a region by its path.
pub fn region_href(id: &str) -> String {
    if id.is_empty() {
        "/".to_owned()
    } else {
        format!("/region/{id}")
    }
}
