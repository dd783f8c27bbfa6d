//! `/hospitals`: the hospital finder. A GET form (so it works without JavaScript) asks for a
//! place and a distance; the answer lists the nearest open hospitals with their next free days
//! and draws them on a small map in inline SVG, numbered like the list. With JavaScript, "Use
//! my location" fills in the browser's position.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::{DEFAULT_NEARBY_LIMIT, NearbyHospital, nearby_hospitals};

/// The distances the form offers, in km; the first choice is "any distance".
const RADIUS_CHOICES: [u32; 4] = [10, 25, 50, 100];

/// The map's size in SVG units, and the margin kept free around the points.
const MAP_WIDTH: f64 = 320.0;
const MAP_HEIGHT: f64 = 200.0;
const MAP_MARGIN: f64 = 16.0;

/// A place and distance read from the address, when the form was sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct FinderQuery {
    lat: f64,
    lon: f64,
    radius_km: Option<f64>,
}

/// Reads `lat`, `lon` and `radius_km` from the query: `Ok(None)` before the form is sent.
fn read_query(
    lat: Option<String>,
    lon: Option<String>,
    radius: Option<String>,
) -> Result<Option<FinderQuery>, String> {
    let lat = lat.filter(|v| !v.trim().is_empty());
    let lon = lon.filter(|v| !v.trim().is_empty());
    let (lat, lon) = match (lat, lon) {
        (None, None) => return Ok(None),
        (Some(lat), Some(lon)) => (lat, lon),
        _ => return Err("Give both a latitude and a longitude.".to_owned()),
    };
    let number = |text: &str| text.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    let lat = number(&lat)
        .filter(|v| (-90.0..=90.0).contains(v))
        .ok_or("The latitude must be a number from -90 to 90.")?;
    let lon = number(&lon)
        .filter(|v| (-180.0..=180.0).contains(v))
        .ok_or("The longitude must be a number from -180 to 180.")?;
    let radius_km = radius
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| number(&v))
        .filter(|v| *v > 0.0);
    Ok(Some(FinderQuery {
        lat,
        lon,
        radius_km,
    }))
}

/// The finder page.
#[component]
pub fn HospitalsPage() -> impl IntoView {
    let query = use_query_map();
    let field = move |name: &str| query.read().get(name).unwrap_or_default();
    let asked = Memo::new(move |_| {
        let query = query.read();
        read_query(query.get("lat"), query.get("lon"), query.get("radius_km"))
    });
    // `?home=1`: a logged-in person's home location, when no place is given.
    let from_home = Memo::new(move |_| query.read().get("home").is_some());
    let results = Resource::new(
        move || (asked.get(), from_home.get()),
        |(asked, from_home)| async move {
            let asked = match asked {
                Ok(None) if from_home => home_location().await,
                other => other,
            };
            match asked {
                Ok(Some(q)) => nearby_hospitals(q.lat, q.lon, DEFAULT_NEARBY_LIMIT, q.radius_km)
                    .await
                    .map(|found| Some((q, found)))
                    .map_err(|e| e.to_string()),
                Ok(None) => Ok(None),
                Err(message) => Err(message),
            }
        },
    );
    let radius = move || field("radius_km");

    view! {
        <Title text="Hospitals near a place" />
        <section class="hospital-finder">
            <h1>"Find a hospital"</h1>
            <p class="note">"Vaccination is offered at open hospitals. Give a place to list the nearest ones."</p>
            <form class="finder-form" method="get" action="/hospitals">
                <label>
                    "Latitude"
                    <input id="finder-lat" name="lat" type="text" inputmode="decimal" placeholder="e.g. 48.8566" value=move || field("lat") />
                </label>
                <label>
                    "Longitude"
                    <input id="finder-lon" name="lon" type="text" inputmode="decimal" placeholder="e.g. 2.3522" value=move || field("lon") />
                </label>
                <label>
                    "Distance"
                    <select name="radius_km">
                        <option value="" selected=move || radius().is_empty()>"Any distance"</option>
                        {RADIUS_CHOICES
                            .iter()
                            .map(|km| {
                                let value = km.to_string();
                                let chosen = value.clone();
                                view! {
                                    <option value=value selected=move || radius() == chosen>
                                        {format!("Within {km} km")}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <div class="finder-actions">
                    <button type="submit">"Search"</button>
                    <LocateButton />
                </div>
            </form>
            <Suspense fallback=|| view! { <p class="loading">"Looking for hospitals…"</p> }>
                {move || Suspend::new(async move {
                    match results.await {
                        Ok(Some((asked, found))) => view! { <FinderResults asked found /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(message) => view! { <p class="problem" role="alert">{message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The caller's home location from their profile, as a search without a distance limit.
async fn home_location() -> Result<Option<FinderQuery>, String> {
    match crate::accounts::get_profile().await {
        Ok(Some(profile)) => match (profile.lat, profile.lon) {
            (Some(lat), Some(lon)) => Ok(Some(FinderQuery {
                lat,
                lon,
                radius_km: None,
            })),
            _ => Err(
                "Your profile has no home location yet; set it in your profile or give a place."
                    .to_owned(),
            ),
        },
        Ok(None) => Err("Fill in your profile with a home location, or give a place.".to_owned()),
        Err(crate::error::AppError::Unauthenticated) => {
            Err("Log in to search from your home location, or give a place.".to_owned())
        }
        Err(error) => Err(error.to_string()),
    }
}

/// The list and the map of the hospitals found.
#[component]
fn FinderResults(asked: FinderQuery, found: Vec<NearbyHospital>) -> impl IntoView {
    if found.is_empty() {
        return view! {
            <p class="problem" id="finder-empty">"No open hospital within that distance. Try a larger one."</p>
        }
        .into_any();
    }
    let map = FinderMap::new(&asked, &found);
    let items = found
        .into_iter()
        .enumerate()
        .map(|(i, h)| view! { <HospitalItem number=i + 1 hospital=h /> })
        .collect_view();
    view! {
        <div class="finder-results">
            <ol class="hospital-list" id="hospital-list">{items}</ol>
            {map.render()}
        </div>
    }
    .into_any()
}

/// One hospital of the list.
#[component]
fn HospitalItem(number: usize, hospital: NearbyHospital) -> impl IntoView {
    let place = [
        hospital.address.clone(),
        hospital.city.clone(),
        Some(hospital.country.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let days = if hospital.free_days.is_empty() {
        "No free days in the booking window.".to_owned()
    } else {
        let list = hospital
            .free_days
            .iter()
            .map(|d| format!("{} ({} free)", d.day, d.free))
            .collect::<Vec<_>>()
            .join(", ");
        format!("Next free days: {list}")
    };
    view! {
        <li class="hospital" value=number.to_string()>
            <h2 class="hospital-name">{hospital.name}</h2>
            <p class="hospital-place">{place}</p>
            <p class="hospital-distance" data-distance-km=format!("{:.1}", hospital.distance_km)>
                {format!("{:.1} km away", hospital.distance_km)}
            </p>
            <p class="hospital-days">{days}</p>
            <a class="button" href=format!("/vaccinations?hospital={}", hospital.id)>"Book here"</a>
        </li>
    }
}

/// The map: an equirectangular projection centred on the place asked about, scaled so that
/// every hospital found fits.
struct FinderMap {
    /// The place, then each hospital, in SVG coordinates.
    centre: (f64, f64),
    points: Vec<(f64, f64)>,
    /// Half the width the map spans, in km, for the caption.
    span_km: f64,
}

impl FinderMap {
    fn new(asked: &FinderQuery, found: &[NearbyHospital]) -> Self {
        // Degrees to km-like units: longitudes shrink with the cosine of the latitude.
        let squeeze = asked.lat.to_radians().cos().max(0.01);
        let offsets: Vec<(f64, f64)> = found
            .iter()
            .map(|h| {
                // The shorter way round, so that a point across the antimeridian sits beside
                // the place rather than on the far side of the map.
                let mut dlon = h.lon - asked.lon;
                if dlon > 180.0 {
                    dlon -= 360.0;
                } else if dlon < -180.0 {
                    dlon += 360.0;
                }
                (dlon * squeeze, h.lat - asked.lat)
            })
            .collect();
        let reach_x = offsets.iter().map(|(x, _)| x.abs()).fold(1e-6, f64::max);
        let reach_y = offsets.iter().map(|(_, y)| y.abs()).fold(1e-6, f64::max);
        let half_w = MAP_WIDTH / 2.0 - MAP_MARGIN;
        let half_h = MAP_HEIGHT / 2.0 - MAP_MARGIN;
        let scale = (half_w / reach_x).min(half_h / reach_y);
        let centre = (MAP_WIDTH / 2.0, MAP_HEIGHT / 2.0);
        let points = offsets
            .iter()
            .map(|(x, y)| (centre.0 + x * scale, centre.1 - y * scale))
            .collect();
        Self {
            centre,
            points,
            span_km: half_w / scale * 111.2,
        }
    }

    fn render(self) -> impl IntoView {
        let (cx, cy) = self.centre;
        let label = format!(
            "Map of the hospitals listed, numbered as in the list, around the place asked about (cross); about {:.0} km from the centre to each side.",
            self.span_km
        );
        let dots = self
            .points
            .into_iter()
            .enumerate()
            .rev()
            .map(|(i, (x, y))| {
                view! {
                    <g class="map-hospital">
                        <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="7" />
                        <text x=format!("{x:.1}") y=format!("{:.1}", y + 3.5) text-anchor="middle">{(i + 1).to_string()}</text>
                    </g>
                }
            })
            .collect_view();
        view! {
            <figure class="finder-map">
                <svg class="hospital-map" viewBox=format!("0 0 {MAP_WIDTH} {MAP_HEIGHT}") role="img" aria-label=label.clone()>
                    <rect class="map-ground" x="0" y="0" width=MAP_WIDTH.to_string() height=MAP_HEIGHT.to_string() />
                    <path class="map-place" d=format!("M{} {cy}h12M{cx} {}v12", cx - 6.0, cy - 6.0) />
                    {dots}
                </svg>
                <figcaption>{label}</figcaption>
            </figure>
        }
    }
}

// TODO: The browser test follows the finder from a home location to "Book here"; the "Use my
// location" button itself is not driven in Chromium (it needs a granted geolocation).
/// "Use my location": asks the browser for its position and searches there. Rendered disabled
/// on the server; hydration enables it where the browser knows geolocation.
#[component]
fn LocateButton() -> impl IntoView {
    let (problem, set_problem) = signal(None::<String>);
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let navigate = leptos_router::hooks::use_navigate();
    let on_click = move |_| {
        set_problem.set(None);
        locate(navigate.clone(), set_problem);
    };
    view! {
        <button type="button" id="use-location" disabled=move || !ready.get() on:click=on_click>
            "Use my location"
        </button>
        {move || problem.get().map(|p| view! { <p class="problem" role="alert">{p}</p> })}
    }
}

#[cfg(feature = "hydrate")]
fn locate(
    navigate: impl Fn(&str, leptos_router::NavigateOptions) + Clone + 'static,
    set_problem: WriteSignal<Option<String>>,
) {
    use web_sys::js_sys::Reflect;
    use web_sys::wasm_bindgen::closure::Closure;
    use web_sys::wasm_bindgen::{JsCast, JsValue};

    let geolocation = web_sys::window().and_then(|w| w.navigator().geolocation().ok());
    let Some(geolocation) = geolocation else {
        set_problem.set(Some("This browser cannot tell its location.".to_owned()));
        return;
    };
    // The position's typed bindings are still unstable in web-sys: read its fields by name.
    let found = Closure::once_into_js(move |position: JsValue| {
        let coordinate = |name: &str| {
            Reflect::get(&position, &"coords".into())
                .and_then(|coords| Reflect::get(&coords, &name.into()))
                .ok()
                .and_then(|value| value.as_f64())
        };
        let (Some(lat), Some(lon)) = (coordinate("latitude"), coordinate("longitude")) else {
            set_problem.set(Some("The browser gave no usable location.".to_owned()));
            return;
        };
        let radius = chosen_radius();
        navigate(
            &format!("/hospitals?lat={lat:.5}&lon={lon:.5}&radius_km={radius}"),
            Default::default(),
        );
    });
    let failed = Closure::once_into_js(move |_: JsValue| {
        set_problem.set(Some(
            "Your location is not available; type a latitude and longitude instead.".to_owned(),
        ));
    });
    if geolocation
        .get_current_position_with_error_callback(
            found.unchecked_ref(),
            Some(failed.unchecked_ref()),
        )
        .is_err()
    {
        set_problem.set(Some("This browser cannot tell its location.".to_owned()));
    }
}

/// The distance chosen in the form, as the address should carry it.
#[cfg(feature = "hydrate")]
fn chosen_radius() -> String {
    use web_sys::wasm_bindgen::JsCast;

    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("select[name=radius_km]").ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok())
        .map(|s| s.value())
        .unwrap_or_default()
}

#[cfg(not(feature = "hydrate"))]
fn locate(
    _navigate: impl Fn(&str, leptos_router::NavigateOptions) + Clone + 'static,
    _set_problem: WriteSignal<Option<String>>,
) {
}
