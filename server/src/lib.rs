//! The server around the app: configuration, the JSON API, the ingestion scheduler and
//! startup. `main.rs` only parses the command line; everything here is also what the
//! integration tests run.

#![recursion_limit = "512"]

pub mod api;
pub mod caching;
pub mod config;
pub mod health;
pub mod hospitals;
pub mod scheduler;
pub mod security;
pub mod startup;
