//! A registered person's watchlist: regions shown on their dashboard with the latest daily
//! increase and the 7-day trend, each with its series to download as CSV.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::RegionFigures;

/// A watched region with its latest figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WatchedRegion {
    pub figures: RegionFigures,
}

/// The caller's watched regions with their latest figures.
#[server(endpoint = "my_watchlist")]
pub async fn my_watchlist() -> Result<Vec<WatchedRegion>, AppError> {
    use crate::accounts::server::{app_state, require_user};
    use crate::store::{regions, watchlist};

    let state = app_state()?;
    let user = require_user().await?;
    let paths = watchlist::watched_paths(&state.db, user.id)
        .await
        .map_err(AppError::database)?;
    let mut watched = Vec::with_capacity(paths.len());
    for path in paths {
        if let Some((_, figures)) = regions::region_figures(&state.db, &path)
            .await
            .map_err(AppError::database)?
        {
            watched.push(WatchedRegion { figures });
        }
    }
    Ok(watched)
}

/// Adds a region (by its path; `world` for the world) to the caller's watchlist.
#[server(endpoint = "watch_region")]
pub async fn watch_region(region: String) -> Result<(), AppError> {
    use crate::accounts::server::{app_state, fail, require_user, timestamp};
    use crate::store::{regions, watchlist};

    let state = app_state()?;
    let user = require_user().await?;
    let path = region_path(&region);
    let Some((region_id, _)) = regions::region_figures(&state.db, path)
        .await
        .map_err(AppError::database)?
    else {
        return fail(AppError::NotFound("There is no such region.".to_owned()));
    };
    if !watchlist::watch(
        &state.db,
        user.id,
        region_id,
        &timestamp(chrono::Utc::now()),
    )
    .await
    .map_err(AppError::database)?
    {
        return fail(AppError::Conflict(format!(
            "Your watchlist is full ({} regions); remove one first.",
            watchlist::MAX_WATCHED
        )));
    }
    Ok(())
}

/// Removes a region from the caller's watchlist.
#[server(endpoint = "unwatch_region")]
pub async fn unwatch_region(region: String) -> Result<(), AppError> {
    use crate::accounts::server::{app_state, require_user};
    use crate::store::{regions, watchlist};

    let state = app_state()?;
    let user = require_user().await?;
    if let Some((region_id, _)) = regions::region_figures(&state.db, region_path(&region))
        .await
        .map_err(AppError::database)?
    {
        watchlist::unwatch(&state.db, user.id, region_id)
            .await
            .map_err(AppError::database)?;
    }
    Ok(())
}

/// The stored path of a region id as the API and pages spell it (`world` is the world).
#[cfg(feature = "ssr")]
fn region_path(region: &str) -> &str {
    match region.trim().trim_matches('/') {
        "world" => "",
        path => path,
    }
}

/// `/my`: the person's dashboard, with links to their pages and their watchlist.
#[component]
pub fn MyPage() -> impl IntoView {
    use crate::accounts::pages::{LogInFirst, LogOutButton};
    use leptos_meta::Title;

    let unwatch = ServerAction::<UnwatchRegion>::new();
    let me = Resource::new(|| (), |_| crate::accounts::who_am_i());
    let watched = Resource::new(move || unwatch.version().get(), |_| my_watchlist());

    view! {
        <Title text="My dashboard" />
        <Suspense fallback=|| view! { <p class="loading">"Loading your dashboard…"</p> }>
            {move || Suspend::new(async move {
                let me = match me.await {
                    Ok(Some(me)) => me,
                    Ok(None) | Err(AppError::Unauthenticated) => {
                        return view! { <LogInFirst /> }.into_any();
                    }
                    Err(error) => {
                        return view! { <p class="form-error" role="alert">{error.to_string()}</p> }
                            .into_any();
                    }
                };
                let watched = watched.await.unwrap_or_default();
                view! {
                    <section class="form-page wide">
                        <div class="page-actions">
                            <LogOutButton />
                        </div>
                        <h1>"My dashboard"</h1>
                        <p class="hint">{format!("Logged in as {}", me.email)}</p>
                        <ul class="my-links">
                            <li>
                                <a href="/account">
                                    {if me.has_profile { "My profile" } else { "Fill in my profile" }}
                                </a>
                            </li>
                            <li><a href="/vaccinations">"My vaccinations"</a></li>
                            <li><a href="/hospitals?home=1">"Hospitals near me"</a></li>
                        </ul>
                        <h2>"My watchlist"</h2>
                        <WatchTable watched unwatch />
                    </section>
                }
                    .into_any()
            })}
        </Suspense>
    }
}

/// The watched regions with their latest daily increase and 7-day trend.
#[component]
fn WatchTable(watched: Vec<WatchedRegion>, unwatch: ServerAction<UnwatchRegion>) -> impl IntoView {
    if watched.is_empty() {
        return view! {
            <p class="hint">
                "You watch no region yet. Open any region of the "
                <a href="/">"dashboard"</a>
                " and press “Add to my watchlist”."
            </p>
        }
        .into_any();
    }
    let rows = watched
        .into_iter()
        .map(|WatchedRegion { figures }| {
            let path = if figures.id.is_empty() { "world".to_owned() } else { figures.id.clone() };
            let href = if figures.id.is_empty() { "/".to_owned() } else { format!("/region/{}", figures.id) };
            let csv = format!("/api/v1/regions/{path}/series.csv");
            let trend = crate::stats::describe_trend(figures.avg7_confirmed, figures.prev_avg7_confirmed)
                .map(|(text, class)| view! { <span class=format!("trend {class}")>{text}</span> });
            view! {
                <tr>
                    <th scope="row"><a href=href>{figures.name.clone()}</a></th>
                    <td>{figures.date.clone().unwrap_or_default()}</td>
                    <td class="number">{figures.new_confirmed.map(crate::stats::group_thousands).unwrap_or_default()}</td>
                    <td class="number">{figures.avg7_confirmed.map(crate::stats::format_decimal).unwrap_or_default()}</td>
                    <td>{trend}</td>
                    <td class="actions">
                        <a href=csv download="">"CSV"</a>
                        <ActionForm action=unwatch attr:class="inline-form">
                            <input type="hidden" name="region" value=path />
                            <button type="submit" class="secondary">"Remove"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="watchlist">
                <thead>
                    <tr>
                        <th scope="col">"Region"</th>
                        <th scope="col">"Latest day"</th>
                        <th scope="col">"Daily increase"</th>
                        <th scope="col">"7-day average"</th>
                        <th scope="col">"Trend"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// "Add to my watchlist" on a region's page; answers in place, and asks visitors who are not
/// logged in to log in.
#[component]
pub fn WatchButton(region: String) -> impl IntoView {
    let watch = ServerAction::<WatchRegion>::new();
    let answer = move || {
        match watch.value().get() {
        Some(Ok(())) => Some(view! { <span role="status">"Added. " <a href="/my">"See my watchlist"</a></span> }.into_any()),
        Some(Err(AppError::Unauthenticated)) => Some(view! { <span role="status"><a href="/login">"Log in"</a> " to keep a watchlist."</span> }.into_any()),
        Some(Err(error)) => Some(view! { <span role="alert">{error.to_string()}</span> }.into_any()),
        None => None,
    }
    };
    view! {
        <ActionForm action=watch attr:class="inline-form watch">
            <input type="hidden" name="region" value=region />
            <button type="submit" class="secondary">"☆ Add to my watchlist"</button>
            " "
            {answer}
        </ActionForm>
    }
}
