//! The headline figures of a region and how fresh they are.

use leptos::prelude::*;

use crate::model::RegionFigures;
use crate::stats::{describe_trend, format_decimal, group_thousands};

/// The date of the data and when it was last refreshed.
#[component]
pub fn Freshness(
    region: RegionFigures,
    data_hour: Option<String>,
    refreshed_at: Option<String>,
) -> impl IntoView {
    let date = region.date.unwrap_or_else(|| "no data yet".to_owned());
    let refreshed = refreshed_at
        .map(|at| at.get(..16).unwrap_or(&at).replace('T', " ") + " UTC")
        .unwrap_or_else(|| "not yet".to_owned());
    view! {
        <p class="freshness">
            "Figures as of " <strong class="data-date">{date}</strong> ". Last refreshed "
            <span class="refreshed">{refreshed}</span>
            {data_hour.map(|hour| view! { <span class="data-hour">{format!(" (data hour {hour})")}</span> })}
            "."
        </p>
    }
}

/// Cards with totals, the latest daily increase, the 7-day average and its trend, and rates.
#[component]
pub fn FigureCards(region: RegionFigures) -> impl IntoView {
    let whole = |v: Option<i64>| v.map_or_else(|| "–".to_owned(), group_thousands);
    let decimal = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), format_decimal);
    let signed = |v: Option<i64>| match v {
        Some(v) if v > 0 => format!("+{}", group_thousands(v)),
        other => whole(other),
    };

    let trend = describe_trend(region.avg7_confirmed, region.prev_avg7_confirmed);
    let revised = region.new_confirmed.is_some_and(|n| n < 0);

    view! {
        <dl class="figures">
            <div class="figure">
                <dt>"Total confirmed cases"</dt>
                <dd id="total-confirmed">{whole(region.confirmed)}</dd>
            </div>
            <div class="figure">
                <dt>"Total deaths"</dt>
                <dd id="total-deaths">{whole(region.deaths)}</dd>
            </div>
            <div class="figure">
                <dt>"New cases on the latest day"</dt>
                <dd id="new-confirmed">{signed(region.new_confirmed)}</dd>
                {revised.then(|| view! { <p class="revision">"The source revised its count down."</p> })}
            </div>
            <div class="figure">
                <dt>"New cases, 7-day average"</dt>
                <dd id="avg7-confirmed">{decimal(region.avg7_confirmed)}</dd>
                {trend.map(|(text, class)| view! { <p class=format!("trend {class}")>{text}</p> })}
            </div>
            <div class="figure">
                <dt>"New deaths on the latest day"</dt>
                <dd id="new-deaths">{signed(region.new_deaths)}</dd>
            </div>
            <div class="figure">
                <dt>"New deaths, 7-day average"</dt>
                <dd id="avg7-deaths">{decimal(region.avg7_deaths)}</dd>
            </div>
            <div class="figure">
                <dt>"Cases per 100,000 people"</dt>
                <dd id="confirmed-per-100k">{decimal(region.confirmed_per_100k())}</dd>
            </div>
            <div class="figure">
                <dt>"Deaths per 100,000 people"</dt>
                <dd id="deaths-per-100k">{decimal(region.deaths_per_100k())}</dd>
                <p class="population">
                    {region.population.map_or_else(
                        || "Population unknown".to_owned(),
                        |p| format!("Population {}", group_thousands(p)),
                    )}
                </p>
            </div>
        </dl>
    }
}
