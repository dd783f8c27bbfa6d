//! The chart panel: cases and deaths, daily or cumulative, on a linear or logarithmic scale,
//! over all time, a year or 90 days. Switching redraws in the browser from the series the page
//! already holds.

use leptos::prelude::*;

use crate::chart::{ChartSpec, Measure, Range, Scale, View, chart_data, describe, render_svg};
use crate::model::DailyRow;
use crate::stats::group_thousands;

#[component]
pub fn ChartPanel(region_name: String, series: Vec<DailyRow>) -> impl IntoView {
    let view_mode = RwSignal::new(View::Daily);
    let scale = RwSignal::new(Scale::Linear);
    let range = RwSignal::new(Range::All);
    let series = StoredValue::new(series);
    let name = StoredValue::new(region_name);

    let chart = move |measure: Measure| {
        let spec = move || ChartSpec {
            measure,
            view: view_mode.get(),
            scale: scale.get(),
            range: range.get(),
        };
        let data = Memo::new(move |_| series.with_value(|rows| chart_data(rows, spec())));
        let caption = move || name.with_value(|name| describe(name, &data.read(), spec()));
        let svg = move || data.with(|data| render_svg(data, spec(), &caption()));
        let title = match measure {
            Measure::Cases => "Confirmed cases",
            Measure::Deaths => "Deaths",
        };
        let id = match measure {
            Measure::Cases => "chart-cases",
            Measure::Deaths => "chart-deaths",
        };
        view! {
            <figure class="chart" id=id data-scale=move || if scale.get() == Scale::Log { "log" } else { "linear" }>
                <h3>{title}</h3>
                <div class="chart-svg" inner_html=svg></div>
                <figcaption>{caption}</figcaption>
            </figure>
        }
    };

    // TODO: The switches are buttons that act only once the page is hydrated; links carrying
    // the choice in the address would make them work without JavaScript too.
    let toggle = move |label: &'static str, pressed: Signal<bool>, set: Callback<()>| {
        view! {
            <button type="button" aria-pressed=move || pressed.get().to_string() on:click=move |_| set.run(())>
                {label}
            </button>
        }
    };

    view! {
        <section class="charts" aria-label="Charts">
            <div class="chart-controls">
                <div role="group" aria-label="What to show">
                    {toggle("Daily", Signal::derive(move || view_mode.get() == View::Daily), Callback::new(move |_| view_mode.set(View::Daily)))}
                    {toggle("Cumulative", Signal::derive(move || view_mode.get() == View::Cumulative), Callback::new(move |_| view_mode.set(View::Cumulative)))}
                </div>
                <div role="group" aria-label="Scale">
                    {toggle("Linear", Signal::derive(move || scale.get() == Scale::Linear), Callback::new(move |_| scale.set(Scale::Linear)))}
                    {toggle("Log", Signal::derive(move || scale.get() == Scale::Log), Callback::new(move |_| scale.set(Scale::Log)))}
                </div>
                <div role="group" aria-label="Time range">
                    {toggle("All", Signal::derive(move || range.get() == Range::All), Callback::new(move |_| range.set(Range::All)))}
                    {toggle("1 year", Signal::derive(move || range.get() == Range::Year), Callback::new(move |_| range.set(Range::Year)))}
                    {toggle("90 days", Signal::derive(move || range.get() == Range::Days90), Callback::new(move |_| range.set(Range::Days90)))}
                </div>
            </div>
            <div class="chart-grid">{chart(Measure::Cases)} {chart(Measure::Deaths)}</div>
            <details class="chart-table">
                <summary>"The last 14 days as a table"</summary>
                <RecentTable series=series.get_value() />
            </details>
        </section>
    }
}

/// The figures behind the charts' last two weeks, for readers who cannot see the charts.
#[component]
fn RecentTable(series: Vec<DailyRow>) -> impl IntoView {
    let start = series.len().saturating_sub(14);
    let rows = series[start..]
        .iter()
        .rev()
        .map(|row| {
            let whole = |v: Option<i64>| v.map_or_else(|| "–".to_owned(), group_thousands);
            view! {
                <tr>
                    <th scope="row">{row.date.clone()}</th>
                    <td>{whole(row.new_confirmed)}</td>
                    <td>{whole(row.confirmed)}</td>
                    <td>{whole(row.new_deaths)}</td>
                    <td>{whole(row.deaths)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table>
            <thead>
                <tr>
                    <th scope="col">"Date"</th>
                    <th scope="col">"New cases"</th>
                    <th scope="col">"Total cases"</th>
                    <th scope="col">"New deaths"</th>
                    <th scope="col">"Total deaths"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
