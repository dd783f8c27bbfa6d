//! Integration tests: the real server on a random port with a fresh SQLite database each,
//! driven over HTTP, with fixtures written in the sources' formats and, where present, the
//! real data from the shared data folder.

mod accounts;
mod api;
mod bookings;
mod caching;
mod helpers;
mod hospitals;
mod ingestion;
mod instances;
mod pages;
mod real_data;
mod scheduler;
