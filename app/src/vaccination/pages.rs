//! "My vaccinations": the person's bookings, booking a dose at a chosen hospital, moving and
//! cancelling.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{BookDose, BookingView, CancelBooking, MoveBooking, free_days, my_vaccinations};
use crate::accounts::pages::{FieldMessage, FormMessage, LogInFirst, LogOutButton};
use crate::error::AppError;

/// `/vaccinations` (`?hospital=<id>` to book there, `&move=<booking id>` to move a booking).
#[component]
pub fn VaccinationsPage() -> impl IntoView {
    let query = use_query_map();
    let hospital = move || {
        query
            .read()
            .get("hospital")
            .and_then(|h| h.parse::<i64>().ok())
    };
    let moving = move || query.read().get("move").and_then(|m| m.parse::<i64>().ok());
    let book = ServerAction::<BookDose>::new();
    let cancel = ServerAction::<CancelBooking>::new();
    let relocate = ServerAction::<MoveBooking>::new();
    let overview = Resource::new(
        move || {
            (
                book.version().get(),
                cancel.version().get(),
                relocate.version().get(),
            )
        },
        |_| my_vaccinations(),
    );

    view! {
        <Title text="My vaccinations" />
        <Suspense fallback=|| view! { <p class="loading">"Loading your vaccinations…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => {
                        let has_profile = overview.has_profile;
                        let bookings = overview.bookings.clone();
                        view! {
                            <section class="form-page wide">
                                <div class="page-actions">
                                    <a href="/my">"My dashboard"</a>
                                    <a href="/account">"My profile"</a>
                                    <LogOutButton />
                                </div>
                                <h1>"My vaccinations"</h1>
                                <BookingList bookings cancel />
                                {if !has_profile {
                                    view! {
                                        <p class="note">
                                            "Fill in " <a href="/account">"your profile"</a>
                                            " before booking."
                                        </p>
                                    }
                                        .into_any()
                                } else if let Some(hospital_id) = hospital() {
                                    view! {
                                        <BookingForm
                                            hospital_id
                                            moving=moving()
                                            overview=overview.clone()
                                            book
                                            relocate
                                        />
                                    }
                                        .into_any()
                                } else {
                                    view! {
                                        <p>
                                            <a class="button" href="/hospitals?home=1">
                                                "Find a hospital near you"
                                            </a>
                                            " and choose “Book here”."
                                        </p>
                                    }
                                        .into_any()
                                }}
                            </section>
                        }
                            .into_any()
                    }
                    Err(AppError::Unauthenticated) => view! { <LogInFirst /> }.into_any(),
                    Err(error) => {
                        view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The person's bookings, active ones with their actions.
#[component]
fn BookingList(bookings: Vec<BookingView>, cancel: ServerAction<CancelBooking>) -> impl IntoView {
    let error = Signal::derive(move || cancel.value().get().and_then(Result::err));
    if bookings.is_empty() {
        return view! { <p class="hint">"You have no bookings yet."</p> }.into_any();
    }
    let rows = bookings
        .into_iter()
        .map(|b| {
            let actions = b.active.then(|| {
                let move_href = format!("/vaccinations?hospital={}&move={}", b.hospital_id, b.id);
                view! {
                    <ActionForm action=cancel attr:class="inline-form">
                        <input type="hidden" name="booking_id" value=b.id.to_string() />
                        <button type="submit" class="secondary">
                            {format!("Cancel dose {}", b.dose)}
                        </button>
                    </ActionForm>
                    <a href=move_href>"Move"</a>
                }
            });
            view! {
                <tr class:cancelled=!b.active>
                    <td>{format!("Dose {}", b.dose)}</td>
                    <td>{b.day}</td>
                    <td>{b.hospital_name}</td>
                    <td><code>{b.reference}</code></td>
                    <td>{if b.active { "Booked" } else { "Cancelled" }}</td>
                    <td class="actions">{actions}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <FormMessage error />
        <div class="table-scroll">
            <table class="bookings">
                <thead>
                    <tr>
                        <th scope="col">"Dose"</th>
                        <th scope="col">"Day"</th>
                        <th scope="col">"Hospital"</th>
                        <th scope="col">"Reference"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Booking (or moving a booking to) a day at one hospital.
#[component]
fn BookingForm(
    hospital_id: i64,
    moving: Option<i64>,
    overview: super::VaccinationOverview,
    book: ServerAction<BookDose>,
    relocate: ServerAction<MoveBooking>,
) -> impl IntoView {
    let days = Resource::new(move || hospital_id, free_days);
    let moved = overview
        .bookings
        .iter()
        .find(|b| Some(b.id) == moving && b.active)
        .cloned();
    let doses: Vec<(u8, String)> = overview
        .earliest
        .iter()
        .filter_map(|(dose, day)| day.clone().map(|d| (*dose, d)))
        .collect();
    let book_error = Signal::derive(move || book.value().get().and_then(Result::err));
    let move_error = Signal::derive(move || relocate.value().get().and_then(Result::err));
    let booked = move || {
        book.value()
            .get()
            .and_then(Result::ok)
            .or_else(|| relocate.value().get().and_then(Result::ok))
    };

    view! {
        <Show when=move || booked().is_some()>
            <p class="form-ok" role="status">
                {move || {
                    booked()
                        .map(|b| format!(
                            "Booked: dose {} on {} at {}. Your reference is {}.",
                            b.dose, b.day, b.hospital_name, b.reference
                        ))
                }}
            </p>
        </Show>
        <Suspense fallback=|| view! { <p class="loading">"Loading free days…"</p> }>
            {move || {
                let moved = moved.clone();
                let doses = doses.clone();
                Suspend::new(async move {
                    let hospital = match days.await {
                        Ok(hospital) => hospital,
                        Err(error) => {
                            return view! { <p class="form-error" role="alert">{error.to_string()}</p> }
                                .into_any();
                        }
                    };
                    let place = match &hospital.city {
                        Some(city) => format!("{}, {city}", hospital.name),
                        None => hospital.name.clone(),
                    };
                    let day_options = |earliest: Option<String>| {
                        hospital
                            .days
                            .iter()
                            .filter(|d| earliest.as_ref().is_none_or(|e| d.day >= *e))
                            .map(|d| {
                                view! {
                                    <option value=d.day.clone()>
                                        {format!("{} ({} free)", d.day, d.free)}
                                    </option>
                                }
                            })
                            .collect_view()
                    };
                    if let Some(moved) = moved {
                        let options = day_options(None);
                        view! {
                            <h2>{format!("Move dose {} to {place}", moved.dose)}</h2>
                            <ActionForm action=relocate>
                                <FormMessage error=move_error />
                                <input type="hidden" name="booking_id" value=moved.id.to_string() />
                                <input type="hidden" name="hospital_id" value=hospital_id.to_string() />
                                <label for="day">"New day"</label>
                                <select id="day" name="day" required>{options}</select>
                                <FieldMessage error=move_error field="day" />
                                <button type="submit">"Move booking"</button>
                            </ActionForm>
                        }
                            .into_any()
                    } else if doses.is_empty() {
                        view! {
                            <p class="note">
                                "You have no dose to book just now: each dose is booked once, and the next one opens when it falls within the next four weeks."
                            </p>
                        }
                            .into_any()
                    } else {
                        let options = day_options(doses.first().map(|(_, d)| d.clone()));
                        let dose_options = doses
                            .iter()
                            .map(|(dose, earliest)| {
                                view! {
                                    <option value=dose.to_string()>
                                        {format!("Dose {dose} (from {earliest})")}
                                    </option>
                                }
                            })
                            .collect_view();
                        view! {
                            <h2>{format!("Book at {place}")}</h2>
                            <ActionForm action=book>
                                <FormMessage error=book_error />
                                <input type="hidden" name="hospital_id" value=hospital_id.to_string() />
                                <label for="dose">"Dose"</label>
                                <select id="dose" name="dose" required>{dose_options}</select>
                                <label for="day">"Day"</label>
                                <select id="day" name="day" required>{options}</select>
                                <FieldMessage error=book_error field="day" />
                                <button type="submit" disabled=move || book.pending().get()>
                                    "Book"
                                </button>
                            </ActionForm>
                        }
                            .into_any()
                    }
                })
            }}
        </Suspense>
    }
}
