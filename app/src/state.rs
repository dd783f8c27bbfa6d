//! The server's shared state: the database and the in-process cache of hot reads.
//!
//! Public data changes only when an ingestion lands, so reads are cached whole and keyed by the
//! data version: a burst of identical requests costs one database query. The version is bumped
//! in process when this server ingests, and polled from the database so that ingestions run
//! elsewhere (the command line, another instance) are seen within seconds.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::api::RegionPageData;
use crate::hospitals::NearbyIndex;
use crate::model::{CompactSeries, Summary};
use crate::store::{Db, hospitals, regions};

/// How many region pages the cache holds before it starts over.
const MAX_CACHED_PAGES: usize = 4_096;

/// Everything a request handler or server function needs. Cloned for every request, so it is
/// one reference count: the fields are reached through [`SharedState`].
#[derive(Clone, Debug)]
pub struct AppState(Arc<SharedState>);

/// What [`AppState`] points to.
#[derive(Debug)]
pub struct SharedState {
    pub db: Db,
    pub leptos_options: LeptosOptions,
    pub cache: ReadCache,
    pub settings: Settings,
    /// The open hospitals for the nearby search, swapped whole when they change.
    pub hospitals: RwLock<Arc<NearbyIndex>>,
    /// The hospitals' stamp (count, latest `updated_at`) the index was built from.
    hospitals_stamp: Mutex<Option<(i64, String)>>,
}

/// Rules and limits of the personal services, configurable at start.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Intervals between doses and the booking window.
    pub dose_rules: crate::vaccination::rules::DoseRules,
    /// Doses a day at a hospital whose capacity staff have not set.
    pub default_daily_capacity: i64,
    /// How long a session lasts.
    pub session_days: i64,
    /// Whether the first `X-Forwarded-For` address is the client's (behind a load balancer
    /// that sets it); otherwise the connection's peer address is.
    pub trust_forwarded_for: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dose_rules: Default::default(),
            default_daily_capacity: 100,
            session_days: 14,
            trust_forwarded_for: false,
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Cached region pages by path; `None` remembers that a path names no region.
type PageMap = HashMap<String, Arc<Option<RegionPageData>>>;

/// Cached reads, valid for one generation: a generation ends whenever the data version or the
/// data hour in the database changes.
#[derive(Debug, Default)]
pub struct ReadCache {
    version: AtomicI64,
    seen: Mutex<Option<regions::DataVersion>>,
    /// The entity tag of the data as last seen, made once per generation.
    etag: Mutex<Option<http::HeaderValue>>,
    pages: Mutex<(i64, PageMap)>,
    summary: Mutex<Option<(i64, Arc<Option<Summary>>)>>,
    /// The summary as the API sends it, serialised once per generation.
    summary_json: Mutex<Option<(i64, Option<Bytes>)>>,
    enabled: bool,
}

impl ReadCache {
    /// An empty cache; a disabled one always reads through.
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            ..Self::default()
        }
    }

    /// The data version and hour last read from the database, if any.
    pub fn seen(&self) -> Option<regions::DataVersion> {
        lock(&self.seen).clone()
    }

    /// The entity tag for the data as this instance serves it: weak, because the same content
    /// is sent compressed in different ways, and made of the data version, the data hour and
    /// the release.
    pub fn etag(&self) -> Option<http::HeaderValue> {
        lock(&self.etag).clone()
    }

    /// The generation cached reads belong to.
    pub fn version(&self) -> i64 {
        self.version.load(Ordering::Acquire)
    }

    /// Starts a new generation if the database's data version or data hour moved on,
    /// dropping what was cached before.
    pub fn observe(&self, current: regions::DataVersion) {
        let mut seen = lock(&self.seen);
        if seen.as_ref() != Some(&current) {
            let tag = format!(
                "W/\"{}-{}-{}\"",
                current.version,
                current.data_hour.as_deref().unwrap_or("none"),
                env!("CARGO_PKG_VERSION")
            );
            *lock(&self.etag) = http::HeaderValue::from_str(&tag).ok();
            *seen = Some(current);
            self.version.fetch_add(1, Ordering::AcqRel);
        }
    }
}

impl AppState {
    pub fn new(db: Db, leptos_options: LeptosOptions, cache_enabled: bool) -> Self {
        Self::with_settings(db, leptos_options, cache_enabled, Settings::default())
    }

    pub fn with_settings(
        db: Db,
        leptos_options: LeptosOptions,
        cache_enabled: bool,
        settings: Settings,
    ) -> Self {
        Self(Arc::new(SharedState {
            db,
            leptos_options,
            cache: ReadCache::new(cache_enabled),
            settings,
            hospitals: RwLock::new(Arc::new(NearbyIndex::empty())),
            hospitals_stamp: Mutex::new(None),
        }))
    }

    /// The open hospitals as last loaded: a reference count, no database.
    pub fn nearby_index(&self) -> Arc<NearbyIndex> {
        self.hospitals
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Loads the open hospitals from the database and swaps in a new index over them. Call it
    /// after an import or a capacity change; the version poll also calls it when another
    /// process changed the hospitals. Answers how many open hospitals the index holds.
    pub async fn reload_hospitals(&self) -> Result<usize, sqlx::Error> {
        let stamp = hospitals::hospitals_stamp(&self.db).await?;
        let open = hospitals::open_hospitals(&self.db).await?;
        let index = tokio::task::spawn_blocking(move || NearbyIndex::build(open))
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("building the hospital index: {e}")))?;
        let count = index.len();
        *self
            .hospitals
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(index);
        *lock(&self.hospitals_stamp) = Some(stamp);
        tracing::debug!(open_hospitals = count, "hospital index rebuilt");
        Ok(count)
    }

    /// Rebuilds the hospital index if the hospitals changed since it was built.
    // TODO: The stamp has whole-second resolution, so a change made by another process in the
    // same second as the previous one, with the same count, is only seen at the next change; a
    // counter bumped by every hospital write would close that gap.
    async fn refresh_hospitals(&self) -> Result<(), sqlx::Error> {
        let stamp = hospitals::hospitals_stamp(&self.db).await?;
        if lock(&self.hospitals_stamp).as_ref() != Some(&stamp) {
            self.reload_hospitals().await?;
        }
        Ok(())
    }

    /// A region's page data by path, from the cache when the data has not changed.
    pub async fn region_page(&self, id: &str) -> Result<Arc<Option<RegionPageData>>, sqlx::Error> {
        let version = self.cache.version();
        if self.cache.enabled {
            let pages = lock(&self.cache.pages);
            if pages.0 == version
                && let Some(hit) = pages.1.get(id)
            {
                return Ok(hit.clone());
            }
        }

        let data = Arc::new(read_region_page(&self.db, id).await?);
        if self.cache.enabled {
            let mut pages = lock(&self.cache.pages);
            if pages.0 != version || pages.1.len() >= MAX_CACHED_PAGES {
                *pages = (version, HashMap::new());
            }
            pages.1.insert(id.to_owned(), data.clone());
        }
        Ok(data)
    }

    /// The world summary, from the cache when the data has not changed.
    pub async fn summary(&self) -> Result<Arc<Option<Summary>>, sqlx::Error> {
        let version = self.cache.version();
        if self.cache.enabled
            && let Some((cached_version, summary)) = lock(&self.cache.summary).as_ref()
            && *cached_version == version
        {
            return Ok(summary.clone());
        }
        let summary = Arc::new(regions::world_summary(&self.db).await?);
        if self.cache.enabled {
            *lock(&self.cache.summary) = Some((version, summary.clone()));
        }
        Ok(summary)
    }

    /// The world summary serialised as JSON (`None` before the first ingestion), from the
    /// cache when the data has not changed: the hottest read of all costs one clone.
    pub async fn summary_json(&self) -> Result<Option<Bytes>, sqlx::Error> {
        let version = self.cache.version();
        if self.cache.enabled
            && let Some((cached_version, json)) = lock(&self.cache.summary_json).as_ref()
            && *cached_version == version
        {
            return Ok(json.clone());
        }
        let summary = self.summary().await?;
        let json = summary
            .as_ref()
            .as_ref()
            .and_then(|summary| serde_json::to_vec(summary).ok())
            .map(Bytes::from);
        if self.cache.enabled {
            *lock(&self.cache.summary_json) = Some((version, json.clone()));
        }
        Ok(json)
    }

    /// Reads the data version from the database, invalidating the cache if it changed.
    pub async fn refresh_version(&self) -> Result<(), sqlx::Error> {
        let current = regions::data_version(&self.db).await?;
        self.cache.observe(current);
        Ok(())
    }

    /// Polls the data version until the process ends.
    pub async fn poll_version(self, every: Duration) {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(error) = self.refresh_version().await {
                tracing::warn!(error = %error, "could not read the data version");
            }
            if let Err(error) = self.refresh_hospitals().await {
                tracing::warn!(error = %error, "could not refresh the hospital index");
            }
        }
    }
}

async fn read_region_page(db: &Db, id: &str) -> Result<Option<RegionPageData>, sqlx::Error> {
    let Some((region_id, detail)) = regions::region_detail(db, id).await? else {
        return Ok(None);
    };
    let series = regions::series(db, region_id, None, None).await?;
    Ok(Some(RegionPageData {
        detail,
        series: CompactSeries::from_rows(&series),
    }))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave the cache inconsistent: every write
    // replaces whole entries.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
