//! The open hospitals held in memory for the nearby search: what a result shows, and the
//! spatial index over their locations, built once per import so that a query never reaches the
//! database for the geometry.

use super::index::{HospitalIndex, Nearby, NearbyQueryError};
use crate::store::hospitals::OpenHospital;

/// Every open hospital and the index over them. Immutable: a change builds a new one, which
/// the server swaps in whole.
#[derive(Debug)]
pub struct NearbyIndex {
    /// Sorted by id; the index's keys are positions here, so ties go to the lower id.
    hospitals: Vec<OpenHospital>,
    index: HospitalIndex<usize>,
}

impl NearbyIndex {
    /// An index of no hospital: what a server holds before its first load.
    pub fn empty() -> Self {
        Self {
            hospitals: Vec::new(),
            index: HospitalIndex::build(std::iter::empty()).unwrap_or_else(|_| unreachable!()),
        }
    }

    /// Builds the index over `hospitals`, skipping (with a warning) any whose stored location
    /// is out of range; the importer never writes one.
    pub fn build(mut hospitals: Vec<OpenHospital>) -> Self {
        hospitals.retain(|h| {
            let usable = (-90.0..=90.0).contains(&h.lat) && (-180.0..=180.0).contains(&h.lon);
            if !usable {
                tracing::warn!(
                    hospital.id = h.id,
                    "a stored hospital has no usable location"
                );
            }
            usable
        });
        hospitals.sort_by_key(|h| h.id);
        let index =
            HospitalIndex::build(hospitals.iter().enumerate().map(|(i, h)| (i, h.lat, h.lon)))
                .unwrap_or_else(|_| unreachable!("locations were checked above"));
        Self { hospitals, index }
    }

    /// How many open hospitals the index holds.
    pub fn len(&self) -> usize {
        self.hospitals.len()
    }

    /// Whether the index holds no hospital.
    pub fn is_empty(&self) -> bool {
        self.hospitals.is_empty()
    }

    /// The daily capacity staff set for an open hospital; `None` when they have not (or the
    /// hospital is not in the index).
    pub fn daily_capacity(&self, hospital_id: i64) -> Option<i64> {
        self.hospitals
            .binary_search_by_key(&hospital_id, |h| h.id)
            .ok()
            .and_then(|i| self.hospitals[i].daily_capacity)
    }

    /// The `limit` open hospitals nearest `(lat, lon)` with their distance in km, nearest
    /// first, optionally only those at most `radius_km` away.
    pub fn nearest(
        &self,
        lat: f64,
        lon: f64,
        limit: usize,
        radius_km: Option<f64>,
    ) -> Result<Vec<(&OpenHospital, f64)>, NearbyQueryError> {
        Ok(self.with_hospitals(self.index.nearest(lat, lon, limit, radius_km)?))
    }

    /// The same answer by measuring every hospital: the benchmark's reference.
    pub fn nearest_brute_force(
        &self,
        lat: f64,
        lon: f64,
        limit: usize,
        radius_km: Option<f64>,
    ) -> Result<Vec<(&OpenHospital, f64)>, NearbyQueryError> {
        Ok(self.with_hospitals(self.index.nearest_brute_force(lat, lon, limit, radius_km)?))
    }

    /// The hospitals behind the index's keys, with their distances.
    fn with_hospitals(&self, found: Vec<Nearby<usize>>) -> Vec<(&OpenHospital, f64)> {
        found
            .into_iter()
            .map(|n| (&self.hospitals[n.key], n.distance_km))
            .collect()
    }
}
