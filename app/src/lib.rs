//! The COVID-19 dashboard as a Leptos app: the types shared by server and browser, the pages,
//! the charts and the server functions, and (with the `ssr` feature) the data layer and
//! ingestion that only the server runs.

#![recursion_limit = "512"]

pub mod accounts;
pub mod api;
pub mod chart;
pub mod error;
pub mod hospitals;
pub mod model;
pub mod pages;
pub mod stats;
pub mod vaccination;
pub mod watchlist;

#[cfg(feature = "ssr")]
pub mod ingest;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use accounts::pages::{AccountPage, LogInPage, SignUpPage};
use hospitals::page::HospitalsPage;
use pages::{NotFound, RegionPage, WorldPage};
use vaccination::pages::VaccinationsPage;
use watchlist::MyPage;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: a header, the routed page, and the data credit.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, so this flag turns true once the page is hydrated:
    // end-to-end tests wait for it before they click.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Stylesheet id="leptos" href="/pkg/covid19.css" />
        <Title formatter=|page: String| if page.is_empty() { "COVID-19 dashboard".to_owned() } else { format!("{page} · COVID-19 dashboard") } />
        <Meta name="description" content="COVID-19 cases and deaths for the world, every country, and provinces, states and counties below them." />
        <Meta name="theme-color" content="#1f6fb4" />
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Router>
            <header class="site-header">
                <a class="brand" href="/">"COVID-19 dashboard"</a>
                <nav class="site-nav" aria-label="Main">
                    <a href="/hospitals">"Hospitals"</a>
                    <a href="/vaccinations">"Vaccination"</a>
                    <a href="/my">"My account"</a>
                </nav>
            </header>
            <main id="main" data-hydrated=move || hydrated.get().to_string()>
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=WorldPage ssr=SsrMode::Async />
                    <Route path=path!("/region/*id") view=RegionPage ssr=SsrMode::Async />
                    <Route path=path!("/signup") view=SignUpPage />
                    <Route path=path!("/login") view=LogInPage />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/vaccinations") view=VaccinationsPage ssr=SsrMode::Async />
                    <Route path=path!("/my") view=MyPage ssr=SsrMode::Async />
                    <Route path=path!("/hospitals") view=HospitalsPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>
                    "Data: COVID-19 Data Repository by the Center for Systems Science and Engineering (CSSE) at Johns Hopkins University, "
                    <a href="https://creativecommons.org/licenses/by/4.0/">"CC BY 4.0"</a>
                    ". Daily increases are differences of the published cumulative counts; a negative one is the source revising its count down."
                </p>
                <p>
                    "The same figures as JSON and CSV: "
                    <a href="/api/v1/summary">"/api/v1/summary"</a>
                    "."
                </p>
            </footer>
        </Router>
    }
}
