//! The sortable, filterable table of a region's sub-regions. The sort order lives in the URL
//! (`?sort=avg7`), so a sorted table can be shared and works before the page is hydrated; the
//! name filter narrows the rows as the reader types.

use std::cmp::Ordering;

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

use crate::model::{RegionFigures, RegionKind};
use crate::stats::{format_decimal, group_thousands};

use super::region_href;

/// A column the table can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Confirmed,
    NewConfirmed,
    Avg7,
    Per100k,
    Deaths,
}

impl SortKey {
    const ALL: [Self; 6] = [
        Self::Name,
        Self::Confirmed,
        Self::NewConfirmed,
        Self::Avg7,
        Self::Per100k,
        Self::Deaths,
    ];

    fn param(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Confirmed => "total",
            Self::NewConfirmed => "new",
            Self::Avg7 => "avg7",
            Self::Per100k => "per100k",
            Self::Deaths => "deaths",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Confirmed => "Total cases",
            Self::NewConfirmed => "Daily increase",
            Self::Avg7 => "7-day average",
            Self::Per100k => "Cases per 100k",
            Self::Deaths => "Deaths",
        }
    }

    fn from_param(param: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|key| key.param() == param)
    }

    /// Names read best A to Z; figures largest first.
    fn default_descending(self) -> bool {
        self != Self::Name
    }
}

/// Orders rows by a column; rows without a value go last whatever the direction.
pub fn sort_rows(rows: &mut [RegionFigures], key: SortKey, descending: bool) {
    let value = |row: &RegionFigures| -> Option<f64> {
        match key {
            SortKey::Name => None,
            SortKey::Confirmed => row.confirmed.map(|v| v as f64),
            SortKey::NewConfirmed => row.new_confirmed.map(|v| v as f64),
            SortKey::Avg7 => row.avg7_confirmed,
            SortKey::Per100k => row.confirmed_per_100k(),
            SortKey::Deaths => row.deaths.map(|v| v as f64),
        }
    };
    rows.sort_by(|a, b| {
        if key == SortKey::Name {
            let order = a.name.to_lowercase().cmp(&b.name.to_lowercase());
            return if descending { order.reverse() } else { order };
        }
        match (value(a), value(b)) {
            (Some(x), Some(y)) => {
                let order = x.total_cmp(&y);
                if descending { order.reverse() } else { order }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => a.name.cmp(&b.name),
        }
    });
}

/// Keeps the rows whose name contains the filter, ignoring case and accents' absence.
pub fn filter_rows(rows: &[RegionFigures], filter: &str) -> Vec<RegionFigures> {
    let needle = filter.trim().to_lowercase();
    rows.iter()
        .filter(|row| needle.is_empty() || row.name.to_lowercase().contains(&needle))
        .cloned()
        .collect()
}

#[component]
pub fn RegionTable(rows: Vec<RegionFigures>) -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let sort = Memo::new(move |_| {
        let query = query.read();
        let key = query
            .get("sort")
            .and_then(|p| SortKey::from_param(&p))
            .unwrap_or(SortKey::Confirmed);
        let descending = match query.get("dir").as_deref() {
            Some("asc") => false,
            Some("desc") => true,
            _ => key.default_descending(),
        };
        (key, descending)
    });
    let filter = RwSignal::new(query.read_untracked().get("q").unwrap_or_default());

    let all = StoredValue::new(rows);
    let shown = Memo::new(move |_| {
        let (key, descending) = sort.get();
        let mut rows = all.with_value(|rows| filter_rows(rows, &filter.get()));
        sort_rows(&mut rows, key, descending);
        rows
    });

    let header = move |key: SortKey| {
        let href = move || {
            let (current, descending) = sort.get();
            let dir = if current == key {
                if descending { "asc" } else { "desc" }
            } else if key.default_descending() {
                "desc"
            } else {
                "asc"
            };
            format!("{}?sort={}&dir={dir}", location.pathname.get(), key.param())
        };
        let aria_sort = move || {
            let (current, descending) = sort.get();
            if current != key {
                "none"
            } else if descending {
                "descending"
            } else {
                "ascending"
            }
        };
        let class = if key == SortKey::Name {
            "name"
        } else {
            "number"
        };
        view! {
            <th scope="col" class=class aria-sort=aria_sort>
                <a href=href class="sort" data-sort=key.param()>{key.title()}</a>
            </th>
        }
    };

    // Without JavaScript the form submits `?q=…&sort=…`, which the server renders filtered.
    view! {
        <form class="filter" method="get" on:submit=|ev| ev.prevent_default()>
            <label for="region-filter">"Filter by name"</label>
            <input
                id="region-filter"
                name="q"
                type="search"
                autocomplete="off"
                prop:value=move || filter.get()
                on:input=move |ev| filter.set(event_target_value(&ev))
            />
            <input type="hidden" name="sort" value=move || sort.get().0.param() />
            <p class="count" aria-live="polite">{move || format!("{} shown", shown.read().len())}</p>
        </form>
        <div class="table-scroll">
            <table class="regions">
                <thead>
                    <tr>{SortKey::ALL.into_iter().map(header).collect_view()}</tr>
                </thead>
                <tbody>
                    {move || shown.get().into_iter().map(|row| view! { <Row row /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Row(row: RegionFigures) -> impl IntoView {
    let whole = |v: Option<i64>| v.map_or_else(|| "–".to_owned(), group_thousands);
    let decimal = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), format_decimal);
    let note = match row.kind {
        RegionKind::Country | RegionKind::Province | RegionKind::County => None,
        kind => Some(kind.label()),
    };
    let revised = row.new_confirmed.is_some_and(|n| n < 0);
    view! {
        <tr>
            <th scope="row" class="name">
                <a href=region_href(&row.id)>{row.name.clone()}</a>
                {note.map(|label| view! { <span class="tag">{label}</span> })}
            </th>
            <td class="number">{whole(row.confirmed)}</td>
            <td class="number" class:revised=revised title=revised.then_some("The source revised its count down")>
                {whole(row.new_confirmed)}
            </td>
            <td class="number">{decimal(row.avg7_confirmed)}</td>
            <td class="number">{decimal(row.confirmed_per_100k())}</td>
            <td class="number">{whole(row.deaths)}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(name: &str, confirmed: Option<i64>, population: Option<i64>) -> RegionFigures {
        RegionFigures {
            id: name.to_lowercase(),
            name: name.to_owned(),
            kind: RegionKind::Country,
            population,
            date: None,
            confirmed,
            deaths: None,
            new_confirmed: None,
            new_deaths: None,
            avg7_confirmed: None,
            avg7_deaths: None,
            prev_avg7_confirmed: None,
            has_children: false,
        }
    }

    fn names(rows: &[RegionFigures]) -> Vec<&str> {
        rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn rows_without_a_value_sort_last_both_ways() {
        let mut rows = vec![
            region("A", Some(5), None),
            region("B", None, None),
            region("C", Some(9), None),
        ];
        sort_rows(&mut rows, SortKey::Confirmed, true);
        assert_eq!(names(&rows), ["C", "A", "B"]);
        sort_rows(&mut rows, SortKey::Confirmed, false);
        assert_eq!(names(&rows), ["A", "C", "B"]);
    }

    #[test]
    fn per_100k_sorting_uses_population() {
        let mut rows = vec![
            region("Big", Some(1_000), Some(1_000_000)),
            region("Small", Some(100), Some(10_000)),
        ];
        sort_rows(&mut rows, SortKey::Per100k, true);
        assert_eq!(names(&rows), ["Small", "Big"]);
    }

    #[test]
    fn filtering_ignores_case() {
        let rows = vec![region("France", None, None), region("Spain", None, None)];
        assert_eq!(names(&filter_rows(&rows, " fRA ")), ["France"]);
        assert_eq!(filter_rows(&rows, "").len(), 2);
    }
}
