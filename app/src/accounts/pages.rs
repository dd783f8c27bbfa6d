//! The account pages: sign up, log in, and the profile with the home location.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::{Login, Logout, Profile, Register, SaveProfile, get_profile, region_choices, who_am_i};
use crate::error::AppError;

/// A form field's error message, shown under it when the last answer named the field.
#[component]
pub fn FieldMessage(error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.field(field));
    view! {
        <Show when=move || message().is_some()>
            <p class="field-error" id=format!("{field}-error") role="alert">
                {message}
            </p>
        </Show>
    }
}

/// The error of an answer that is not about one field, shown above the form.
#[component]
pub fn FormMessage(error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || {
        error.get().map(|e| match e {
            AppError::Invalid(_) => "Please correct the fields marked below.".to_owned(),
            other => other.to_string(),
        })
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="form-error" role="alert">{message}</p>
        </Show>
    }
}

/// `/signup`: email and password; on success the person is logged in and goes on to the
/// profile.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    let error = Signal::derive(move || register.value().get().and_then(Result::err));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = register.value().get() {
            navigate("/account", Default::default());
        }
    });

    view! {
        <Title text="Sign up" />
        <section class="form-page">
            <h1>"Create your account"</h1>
            <p>"With an account you can book your vaccination and keep a watchlist of regions."</p>
            <ActionForm action=register>
                <FormMessage error />
                <label for="email">"Email address"</label>
                <input id="email" name="email" type="email" autocomplete="email" required />
                <FieldMessage error field="email" />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="new-password"
                    minlength="10"
                    required
                />
                <p class="hint">"At least 10 characters; a few words make a good password."</p>
                <FieldMessage error field="password" />
                <button type="submit" disabled=move || register.pending().get()>
                    "Create account"
                </button>
            </ActionForm>
            <p>"Already registered? " <a href="/login">"Log in"</a></p>
        </section>
    }
}

/// `/login`.
#[component]
pub fn LogInPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = Signal::derive(move || login.value().get().and_then(Result::err));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = login.value().get() {
            navigate("/my", Default::default());
        }
    });

    view! {
        <Title text="Log in" />
        <section class="form-page">
            <h1>"Log in"</h1>
            <ActionForm action=login>
                <FormMessage error />
                <label for="email">"Email address"</label>
                <input id="email" name="email" type="email" autocomplete="email" required />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                />
                <button type="submit" disabled=move || login.pending().get()>
                    "Log in"
                </button>
            </ActionForm>
            <p>"New here? " <a href="/signup">"Create an account"</a></p>
        </section>
    }
}

/// A log-out button; after it the browser goes to the front page.
#[component]
pub fn LogOutButton() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            navigate("/login", Default::default());
        }
    });
    view! {
        <ActionForm action=logout attr:class="inline-form">
            <button type="submit" class="secondary">"Log out"</button>
        </ActionForm>
    }
}

/// Shown instead of a personal page to a visitor who is not logged in.
#[component]
pub fn LogInFirst() -> impl IntoView {
    view! {
        <section class="form-page">
            <h1>"Please log in"</h1>
            <p>
                "This page is personal. " <a href="/login">"Log in"</a> " or "
                <a href="/signup">"create an account"</a> " first."
            </p>
        </section>
    }
}

/// `/account`: the profile form.
#[component]
pub fn AccountPage() -> impl IntoView {
    let save = ServerAction::<SaveProfile>::new();
    let profile = Resource::new(move || save.version().get(), |_| get_profile());
    let me = Resource::new(|| (), |_| who_am_i());

    view! {
        <Title text="My profile" />
        <Suspense fallback=|| view! { <p class="loading">"Loading your profile…"</p> }>
            {move || Suspend::new(async move {
                match (me.await, profile.await) {
                    (Ok(Some(me)), Ok(profile)) => {
                        let saved_once = profile.is_some();
                        view! {
                            <section class="form-page">
                                <div class="page-actions">
                                    <a href="/my">"My dashboard"</a>
                                    <a href="/vaccinations">"My vaccinations"</a>
                                    <LogOutButton />
                                </div>
                                <h1>"My profile"</h1>
                                <p class="hint">{format!("Logged in as {}", me.email)}</p>
                                <ProfileForm save profile=profile.unwrap_or_default() />
                                <Show when=move || saved_once>
                                    <p>
                                        <a href="/vaccinations">"Book or manage your vaccinations"</a>
                                    </p>
                                </Show>
                            </section>
                        }
                            .into_any()
                    }
                    (Ok(None), _) | (_, Err(AppError::Unauthenticated)) => view! { <LogInFirst /> }.into_any(),
                    (Err(error), _) | (_, Err(error)) => {
                        view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The profile form; what was typed stays in place when the server refuses it.
#[component]
fn ProfileForm(save: ServerAction<SaveProfile>, profile: Profile) -> impl IntoView {
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    let method = RwSignal::new(
        profile
            .location_method
            .map_or("region", |m| m.as_str())
            .to_owned(),
    );
    let lat = RwSignal::new(profile.lat.map(|v| format!("{v:.5}")).unwrap_or_default());
    let lon = RwSignal::new(profile.lon.map(|v| format!("{v:.5}")).unwrap_or_default());
    let locating = RwSignal::new(String::new());
    let radio = move |value: &'static str, label: &'static str| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="location_method"
                    value=value
                    checked=method.get_untracked() == value
                    on:change=move |_| method.set(value.to_owned())
                />
                {label}
            </label>
        }
    };
    let initial_lat = lat.get_untracked();
    let initial_lon = lon.get_untracked();

    view! {
        <ActionForm action=save>
            <FormMessage error />
            <Show when=saved>
                <p class="form-ok" role="status">"Your profile is saved."</p>
            </Show>
            <label for="full_name">"Full name"</label>
            <input id="full_name" name="full_name" autocomplete="name" value=profile.full_name required />
            <FieldMessage error field="full_name" />
            <label for="birth_date">"Date of birth"</label>
            <input id="birth_date" name="birth_date" type="date" autocomplete="bday" value=profile.birth_date required />
            <FieldMessage error field="birth_date" />
            <label for="phone">"Phone (optional)"</label>
            <input id="phone" name="phone" type="tel" autocomplete="tel" value=profile.phone />
            <FieldMessage error field="phone" />
            <label for="address">"Address (optional)"</label>
            <input id="address" name="address" autocomplete="street-address" value=profile.address />
            <FieldMessage error field="address" />

            <fieldset class="location">
                <legend>"Home location"</legend>
                <p class="hint">
                    "Used to find the hospitals nearest to you. "
                    {(!profile.region_name.is_empty()).then(|| format!("Now: {}.", profile.region_name))}
                </p>
                {radio("region", "Choose my region")}
                {radio("geolocation", "Use my device's location")}
                {radio("typed", "Type latitude and longitude")}
                <FieldMessage error field="location_method" />
                <RegionPicker initial=profile.region.clone() />
                <FieldMessage error field="region" />
                <div class="coordinates">
                    <button
                        type="button"
                        class="secondary"
                        on:click=move |_| locate_me(lat, lon, method, locating)
                    >
                        "Use my location"
                    </button>
                    <span class="hint" role="status">{move || locating.get()}</span>
                    <label for="lat">"Latitude"</label>
                    <input
                        id="lat"
                        name="lat"
                        inputmode="decimal"
                        value=initial_lat
                        prop:value=move || lat.get()
                        on:input=move |ev| lat.set(event_target_value(&ev))
                    />
                    <FieldMessage error field="lat" />
                    <label for="lon">"Longitude"</label>
                    <input
                        id="lon"
                        name="lon"
                        inputmode="decimal"
                        value=initial_lon
                        prop:value=move || lon.get()
                        on:input=move |ev| lon.set(event_target_value(&ev))
                    />
                    <FieldMessage error field="lon" />
                </div>
            </fieldset>
            <button type="submit" disabled=move || save.pending().get()>
                "Save profile"
            </button>
        </ActionForm>
    }
}

/// Three linked lists (country, province or state, county or city) from the regions of the
/// case data; the deepest chosen one is submitted as `region`.
#[component]
fn RegionPicker(initial: String) -> impl IntoView {
    let segments: Vec<&str> = initial.split('/').filter(|s| !s.is_empty()).collect();
    let prefix = |n: usize| {
        if segments.len() >= n {
            segments[..n].join("/")
        } else {
            String::new()
        }
    };
    let country = RwSignal::new(prefix(1));
    let province = RwSignal::new(prefix(2));
    let county = RwSignal::new(prefix(3));
    let chosen = move || {
        [county.get(), province.get(), country.get()]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_default()
    };
    let initial_chosen = chosen();

    view! {
        <div class="region-picker">
            <input type="hidden" name="region" value=initial_chosen prop:value=chosen />
            <RegionSelect
                label="Country"
                parent=Signal::derive(String::new)
                selected=country
                on_pick=Callback::new(move |_| {
                    province.set(String::new());
                    county.set(String::new());
                })
            />
            <RegionSelect
                label="Province or state"
                parent=country.into()
                selected=province
                on_pick=Callback::new(move |_| county.set(String::new()))
            />
            <RegionSelect
                label="County or city"
                parent=province.into()
                selected=county
                on_pick=Callback::new(|_| {})
            />
        </div>
    }
}

/// One list of the region picker: the regions below `parent`, hidden when there are none.
#[component]
fn RegionSelect(
    label: &'static str,
    parent: Signal<String>,
    selected: RwSignal<String>,
    on_pick: Callback<String>,
) -> impl IntoView {
    let is_root = label == "Country";
    let choices = Resource::new(
        move || parent.get(),
        move |parent| async move {
            if parent.is_empty() && !is_root {
                Ok(Vec::new())
            } else {
                region_choices(parent).await
            }
        },
    );
    let id = format!(
        "region-{}",
        label.split(' ').next().unwrap_or("x").to_lowercase()
    );

    view! {
        <Transition fallback=|| ()>
            {move || {
                let id = id.clone();
                Suspend::new(async move {
                    let list = choices.await.unwrap_or_default();
                    (!list.is_empty()).then(|| {
                        let current = selected.get_untracked();
                        let options = list
                            .into_iter()
                            .map(|choice| {
                                let is_selected = choice.id == current;
                                view! {
                                    <option value=choice.id selected=is_selected>
                                        {choice.name}
                                    </option>
                                }
                            })
                            .collect_view();
                        view! {
                            <label for=id.clone()>{label}</label>
                            <select
                                id=id
                                on:change=move |ev| {
                                    let value = event_target_value(&ev);
                                    selected.set(value.clone());
                                    on_pick.run(value);
                                }
                            >
                                <option value="">{format!("Choose ({})", label.to_lowercase())}</option>
                                {options}
                            </select>
                        }
                    })
                })
            }}
        </Transition>
    }
}

/// Asks the browser for the device's position and fills the coordinates with it.
#[allow(unused_variables)]
fn locate_me(
    lat: RwSignal<String>,
    lon: RwSignal<String>,
    method: RwSignal<String>,
    status: RwSignal<String>,
) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let Ok(geolocation) = window().navigator().geolocation() else {
            status.set("This browser cannot share its location; type it instead.".to_owned());
            return;
        };
        status.set("Asking your device…".to_owned());
        let found = Closure::once(move |position: web_sys::Position| {
            let coords = position.coords();
            lat.set(format!("{:.5}", coords.latitude()));
            lon.set(format!("{:.5}", coords.longitude()));
            method.set("geolocation".to_owned());
            if let Some(radio) = document()
                .query_selector("input[name=location_method][value=geolocation]")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                radio.set_checked(true);
            }
            status.set("Location found.".to_owned());
        });
        let failed = Closure::once(move |error: web_sys::PositionError| {
            status.set(format!("No location: {}", error.message()));
        });
        let _ = geolocation.get_current_position_with_error_callback(
            found.as_ref().unchecked_ref(),
            Some(failed.as_ref().unchecked_ref()),
        );
        found.forget();
        failed.forget();
    }
}
