//! The hospital registers at the server's edges: importing them at a first start and on
//! demand (`covid19 hospitals import`), and measuring the nearby search
//! (`covid19 hospitals bench-nearby`).

use std::time::{Duration, Instant};

use anyhow::Context;
use app::hospitals::{NearbyIndex, RegisterReport, import_hospitals, parse_hospitals};
use app::ingest::Source;
use app::state::AppState;
use app::store::hospitals::{OpenHospital, hospital_count};

/// One line of an import report, as the command prints it.
pub fn describe(report: &RegisterReport) -> String {
    format!(
        "{} ({}): {} rows read, {} inserted, {} updated, {} closed now, \
         {} skipped without coordinates, {} duplicates skipped, {} shared ids given their own",
        report.file,
        report.source,
        report.read,
        report.inserted,
        report.updated,
        report.closed_now,
        report.without_coordinates,
        report.duplicates,
        report.derived_ids
    )
}

/// Loads the hospital index and, when the database has no hospital yet, imports `sources` (if
/// any) in the background: the server serves meanwhile, and the index is rebuilt when they land.
pub async fn load_at_start(state: &AppState, sources: Vec<Source>) -> anyhow::Result<()> {
    let open = state
        .reload_hospitals()
        .await
        .context("loading the hospitals")?;
    tracing::info!(open_hospitals = open, "hospital index loaded");
    if sources.is_empty() || hospital_count(&state.db).await? > 0 {
        return Ok(());
    }
    let state = state.clone();
    tokio::spawn(async move {
        tracing::info!(
            files = sources.len(),
            "no hospitals yet: importing the registers"
        );
        // The import logs its own outcome; a failure leaves the table empty until the next
        // start or `covid19 hospitals import`.
        if import_hospitals(&state.db, &sources).await.is_ok()
            && let Err(error) = state.reload_hospitals().await
        {
            tracing::warn!(error = %error, "could not rebuild the hospital index after the import");
        }
    });
    Ok(())
}

/// The latencies of the index and of a linear scan, over the same queries.
pub struct BenchReport {
    pub hospitals: usize,
    pub build: Duration,
    pub indexed: Latencies,
    pub brute_force: Latencies,
}

/// Percentiles of one way of answering.
pub struct Latencies {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Latencies {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        let at = |q: f64| {
            let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
            samples.get(i).copied().unwrap_or_default()
        };
        Self {
            p50: at(0.5),
            p99: at(0.99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }
}

/// Reads the registers, builds the index over their open hospitals, and times the 10 nearest
/// for `queries` pseudo-random points (half beside a hospital, half anywhere on the globe),
/// with the index and by measuring every hospital. Checks that both agree. No database.
pub async fn bench_nearby(sources: &[Source], queries: usize) -> anyhow::Result<BenchReport> {
    let mut open = Vec::new();
    for source in sources {
        let fetched = source
            .fetch(None)
            .await
            .with_context(|| format!("reading {source}"))?;
        let parsed = parse_hospitals(&source.to_string(), &fetched.bytes.unwrap_or_default())?;
        open.extend(parsed.hospitals.into_iter().filter(|h| h.open));
    }
    let hospitals: Vec<OpenHospital> = open
        .iter()
        .enumerate()
        .map(|(i, h)| OpenHospital {
            id: i as i64,
            name: h.name.clone(),
            address: h.address.clone(),
            city: h.city.clone(),
            country: h.country.clone(),
            lat: h.lat,
            lon: h.lon,
            daily_capacity: None,
        })
        .collect();
    let points: Vec<(f64, f64)> = hospitals.iter().map(|h| (h.lat, h.lon)).collect();

    let started = Instant::now();
    let index = NearbyIndex::build(hospitals);
    let build = started.elapsed();

    let mut state: u64 = 0x2020_1204;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut indexed = Vec::with_capacity(queries);
    let mut brute_force = Vec::with_capacity(queries);
    for i in 0..queries {
        let (lat, lon) = if i % 2 == 0 && !points.is_empty() {
            let (lat, lon) = points[(next() * points.len() as f64) as usize % points.len()];
            (
                (lat + next() * 0.1 - 0.05).clamp(-90.0, 90.0),
                (lon + next() * 0.1 - 0.05).clamp(-180.0, 180.0),
            )
        } else {
            (next().mul_add(180.0, -90.0), next().mul_add(360.0, -180.0))
        };
        let started = Instant::now();
        let fast = index.nearest(lat, lon, 10, None)?;
        indexed.push(started.elapsed());
        let started = Instant::now();
        let slow = index.nearest_brute_force(lat, lon, 10, None)?;
        brute_force.push(started.elapsed());
        let ids =
            |found: &[(&OpenHospital, f64)]| found.iter().map(|(h, _)| h.id).collect::<Vec<_>>();
        anyhow::ensure!(
            ids(&fast) == ids(&slow),
            "the index and the linear scan disagree at ({lat}, {lon})"
        );
    }

    Ok(BenchReport {
        hospitals: index.len(),
        build,
        indexed: Latencies::of(indexed),
        brute_force: Latencies::of(brute_force),
    })
}
