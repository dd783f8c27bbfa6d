//! Finding the hospitals nearest a place, anywhere on the globe.
//!
//! Each hospital sits in an R*-tree at its point on the unit sphere (x, y, z), not at its
//! longitude and latitude. The straight-line distance between two such points, the chord, grows
//! with the great-circle distance between them, so the tree's nearest neighbours are the
//! nearest hospitals on the Earth: across the antimeridian and at the poles, with no special
//! cases. Reported distances come from the haversine formula on the mean Earth radius, computed
//! from the original latitude and longitude.
//!
//! The index is generic over its key: the caller chooses what identifies a hospital (a row id,
//! the `{source}:{source_id}` text, a position in a slice). Keys order answers that are the
//! same distance away, so every answer is deterministic.

use std::f64::consts::PI;

use geo::{Distance, Haversine, Point};
use rstar::RTree;
use rstar::primitives::GeomWithData;

/// The most hospitals one query may ask for.
pub const MAX_NEARBY_LIMIT: usize = 100;

/// Slack, in chord length on the unit sphere (about 6 m on the Earth), for rounding: the tree
/// orders points by chord and the answer by haversine distance, and the two may disagree in
/// the last bits. Points within the slack of the cut-off are measured too, so none is missed.
const CHORD_SLACK: f64 = 1e-6;

/// Why a query or a location was refused.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum NearbyQueryError {
    #[error("latitude must be a number from -90 to 90, found {0}")]
    LatitudeOutOfRange(f64),
    #[error("longitude must be a number from -180 to 180, found {0}")]
    LongitudeOutOfRange(f64),
    #[error("the number of hospitals asked for must be from 1 to {MAX_NEARBY_LIMIT}, found {0}")]
    LimitOutOfRange(usize),
    #[error("the radius must be a finite distance of zero or more kilometres, found {0}")]
    InvalidRadius(f64),
}

/// A hospital found near a place.
#[derive(Clone, Debug, PartialEq)]
pub struct Nearby<K> {
    pub key: K,
    /// Great-circle distance from the place asked about, in kilometres.
    pub distance_km: f64,
}

/// Hospitals' locations, ready for nearest-neighbour queries. Immutable once built: rebuild it
/// after an import (both registers' 22,500 hospitals take well under a second).
#[derive(Clone, Debug)]
pub struct HospitalIndex<K> {
    entries: Vec<Entry<K>>,
    /// Unit-sphere points, each carrying its position in `entries`.
    tree: RTree<GeomWithData<[f64; 3], usize>>,
}

#[derive(Clone, Debug)]
struct Entry<K> {
    key: K,
    /// Longitude as x, latitude as y, in degrees: what haversine is computed from.
    location: Point<f64>,
}

impl<K: Clone + Ord> HospitalIndex<K> {
    /// Builds the index from `(key, lat, lon)` triples, in degrees.
    ///
    /// Fails on the first location that is not a finite latitude from -90 to 90 and longitude
    /// from -180 to 180. Keys need not be unique, but answers are only fully ordered when they
    /// are.
    pub fn build(
        hospitals: impl IntoIterator<Item = (K, f64, f64)>,
    ) -> Result<Self, NearbyQueryError> {
        let mut entries = Vec::new();
        let mut points = Vec::new();
        for (key, lat, lon) in hospitals {
            check_location(lat, lon)?;
            points.push(GeomWithData::new(unit_vector(lat, lon), entries.len()));
            entries.push(Entry {
                key,
                location: Point::new(lon, lat),
            });
        }

        Ok(Self {
            entries,
            tree: RTree::bulk_load(points),
        })
    }

    /// How many hospitals the index holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the index holds no hospital.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `limit` hospitals nearest `(lat, lon)`, nearest first, optionally only those at most
    /// `radius_km` away. Hospitals the same distance away come in key order.
    pub fn nearest(
        &self,
        lat: f64,
        lon: f64,
        limit: usize,
        radius_km: Option<f64>,
    ) -> Result<Vec<Nearby<K>>, NearbyQueryError> {
        check_query(lat, lon, limit, radius_km)?;
        let origin = Point::new(lon, lat);
        let reach = radius_km.map(|km| chord_for_km(km) + CHORD_SLACK);

        // The tree yields points by increasing chord. Once `limit` are in hand, only points
        // within rounding of the last one's chord can still belong to the answer.
        let mut found = Vec::new();
        let mut cut_off = f64::INFINITY;
        for (point, chord_2) in self
            .tree
            .nearest_neighbor_iter_with_distance_2(&unit_vector(lat, lon))
        {
            let chord = chord_2.sqrt();
            if chord > cut_off || reach.is_some_and(|reach| chord > reach) {
                break;
            }
            found.push(self.measure(point.data, origin));
            if found.len() == limit {
                cut_off = chord + CHORD_SLACK;
            }
        }

        Ok(rank(found, limit, radius_km))
    }

    /// The same answer as [`nearest`](Self::nearest), found by measuring every hospital: the
    /// reference the index is tested and benchmarked against.
    pub fn nearest_brute_force(
        &self,
        lat: f64,
        lon: f64,
        limit: usize,
        radius_km: Option<f64>,
    ) -> Result<Vec<Nearby<K>>, NearbyQueryError> {
        check_query(lat, lon, limit, radius_km)?;
        let origin = Point::new(lon, lat);

        let all = (0..self.entries.len())
            .map(|index| self.measure(index, origin))
            .collect();

        Ok(rank(all, limit, radius_km))
    }

    fn measure(&self, index: usize, origin: Point<f64>) -> Nearby<K> {
        let entry = &self.entries[index];
        Nearby {
            key: entry.key.clone(),
            distance_km: distance_km(origin, entry.location),
        }
    }
}

/// Keeps the candidates within the radius, and the `limit` nearest of those, nearest first.
fn rank<K: Ord>(
    mut candidates: Vec<Nearby<K>>,
    limit: usize,
    radius_km: Option<f64>,
) -> Vec<Nearby<K>> {
    if let Some(radius_km) = radius_km {
        candidates.retain(|c| c.distance_km <= radius_km);
    }
    let order = |a: &Nearby<K>, b: &Nearby<K>| {
        a.distance_km
            .total_cmp(&b.distance_km)
            .then_with(|| a.key.cmp(&b.key))
    };
    if candidates.len() > limit {
        candidates.select_nth_unstable_by(limit, order);
        candidates.truncate(limit);
    }
    candidates.sort_unstable_by(order);
    candidates
}

/// The mean Earth radius that the haversine distances use, in kilometres.
fn earth_radius_km() -> f64 {
    Haversine.radius() / 1000.0
}

/// Great-circle distance in kilometres between two points given as (lon, lat) in degrees.
fn distance_km(from: Point<f64>, to: Point<f64>) -> f64 {
    let metres = Haversine.distance(from, to);
    // For antipodal points rounding can push the haversine term just above 1, where its
    // arcsine is NaN; the distance is then half the circumference.
    if metres.is_nan() {
        return PI * earth_radius_km();
    }
    metres / 1000.0
}

/// The chord on the unit sphere that spans `km` along the Earth's surface.
fn chord_for_km(km: f64) -> f64 {
    let angle = (km / earth_radius_km()).min(PI);
    2.0 * (angle / 2.0).sin()
}

/// The point on the unit sphere at a latitude and longitude in degrees.
fn unit_vector(lat: f64, lon: f64) -> [f64; 3] {
    let (lat, lon) = (lat.to_radians(), lon.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn check_location(lat: f64, lon: f64) -> Result<(), NearbyQueryError> {
    // `contains` is false for NaN, and the bounds keep out the infinities.
    if !(-90.0..=90.0).contains(&lat) {
        return Err(NearbyQueryError::LatitudeOutOfRange(lat));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(NearbyQueryError::LongitudeOutOfRange(lon));
    }
    Ok(())
}

fn check_query(
    lat: f64,
    lon: f64,
    limit: usize,
    radius_km: Option<f64>,
) -> Result<(), NearbyQueryError> {
    check_location(lat, lon)?;
    if !(1..=MAX_NEARBY_LIMIT).contains(&limit) {
        return Err(NearbyQueryError::LimitOutOfRange(limit));
    }
    if let Some(radius) = radius_km
        && !(radius.is_finite() && radius >= 0.0)
    {
        return Err(NearbyQueryError::InvalidRadius(radius));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(places: &[(&'static str, f64, f64)]) -> HospitalIndex<&'static str> {
        HospitalIndex::build(places.iter().copied()).unwrap()
    }

    fn keys<K: Copy>(found: &[Nearby<K>]) -> Vec<K> {
        found.iter().map(|n| n.key).collect()
    }

    /// A small linear congruential generator: deterministic pseudo-random numbers in [0, 1).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }

        fn between(&mut self, low: f64, high: f64) -> f64 {
            low + (high - low) * self.next()
        }
    }

    #[test]
    fn paris_to_london_is_about_344_km() {
        let index = index(&[("london", 51.5074, -0.1278)]);

        let found = index.nearest(48.8566, 2.3522, 1, None).unwrap();

        assert_eq!(found[0].key, "london");
        assert!(
            (found[0].distance_km - 343.56).abs() < 0.05,
            "{}",
            found[0].distance_km
        );
    }

    #[test]
    fn a_query_at_179_9_east_finds_179_9_west_before_178_east() {
        let index = index(&[("178E", 0.0, 178.0), ("179.9W", 0.0, -179.9)]);

        let found = index.nearest(0.0, 179.9, 2, None).unwrap();

        assert_eq!(keys(&found), ["179.9W", "178E"]);
        assert!((found[0].distance_km - 22.24).abs() < 0.01, "{found:?}");
        assert!((found[1].distance_km - 211.27).abs() < 0.01, "{found:?}");
    }

    #[test]
    fn guam_and_the_aleutians_see_each_other_across_the_antimeridian() {
        let index = index(&[
            ("adak", 51.88, -176.66),
            ("anchorage", 61.22, -149.90),
            ("attu", 52.93, 173.18),
            ("guam", 13.47, 144.75),
            ("honolulu", 21.31, -157.86),
            ("manila", 14.6, 120.98),
            ("petropavlovsk", 53.02, 158.65),
            ("saipan", 15.18, 145.75),
        ]);

        let from_adak = index.nearest(51.88, -176.66, 8, None).unwrap();
        let from_guam = index.nearest(13.47, 144.75, 8, None).unwrap();

        assert_eq!(
            keys(&from_adak),
            [
                "adak",
                "attu",
                "petropavlovsk",
                "anchorage",
                "honolulu",
                "saipan",
                "guam",
                "manila"
            ]
        );
        assert!(
            (from_adak[1].distance_km - 698.4).abs() < 0.1,
            "{from_adak:?}"
        );
        assert_eq!(
            keys(&from_guam),
            [
                "guam",
                "saipan",
                "manila",
                "petropavlovsk",
                "attu",
                "adak",
                "honolulu",
                "anchorage"
            ]
        );
        assert!(
            (from_guam[5].distance_km - 5478.6).abs() < 0.1,
            "{from_guam:?}"
        );
    }

    #[test]
    fn near_the_north_pole_the_nearest_hospital_can_be_across_the_pole() {
        let index = index(&[
            ("same_meridian", 89.5, 0.0),
            ("across_the_pole", 89.8, 180.0),
            ("a_quarter_round", 89.7, 90.0),
        ]);

        let found = index.nearest(89.9, 0.0, 3, None).unwrap();

        assert_eq!(
            keys(&found),
            ["across_the_pole", "a_quarter_round", "same_meridian"]
        );
        assert!((found[0].distance_km - 33.36).abs() < 0.01, "{found:?}");
    }

    #[test]
    fn the_radius_includes_a_hospital_exactly_at_its_edge() {
        let index = index(&[("near", 48.0, 2.0), ("edge", 48.5, 2.0), ("far", 49.0, 2.0)]);
        let edge_km = index.nearest(48.0, 2.0, 2, None).unwrap()[1].distance_km;

        let at_edge = index.nearest(48.0, 2.0, 10, Some(edge_km)).unwrap();
        let just_inside = index.nearest(48.0, 2.0, 10, Some(edge_km - 1e-9)).unwrap();

        assert_eq!(keys(&at_edge), ["near", "edge"]);
        assert_eq!(keys(&just_inside), ["near"]);
        assert_eq!(
            at_edge,
            index
                .nearest_brute_force(48.0, 2.0, 10, Some(edge_km))
                .unwrap()
        );
        assert!((edge_km - 55.6).abs() < 0.1, "{edge_km}");
        assert_eq!(
            keys(&index.nearest(48.0, 2.0, 10, Some(0.0)).unwrap()),
            ["near"]
        );
    }

    #[test]
    fn hospitals_at_the_same_distance_come_in_key_order() {
        let places = [
            (7, 10.0, 10.0),
            (3, 10.0, 10.0),
            (9, 10.0, 10.0),
            (1, 10.0, 10.0),
        ];
        let index = HospitalIndex::build(places).unwrap();

        let found = index.nearest(10.0, 10.0, 3, None).unwrap();

        assert_eq!(keys(&found), [1, 3, 7]);
        assert!(found.iter().all(|n| n.distance_km == 0.0));
    }

    #[test]
    fn the_opposite_side_of_the_earth_is_half_the_circumference_away() {
        let index = index(&[("antipode", -45.0, 180.0)]);

        let found = index.nearest(45.0, 0.0, 1, None).unwrap();

        assert!((found[0].distance_km - 20_015.11).abs() < 0.01, "{found:?}");
    }

    #[test]
    fn invalid_queries_are_refused_with_the_reason() {
        let index = index(&[("a", 1.0, 1.0)]);
        let query = |lat, lon, limit, radius| index.nearest(lat, lon, limit, radius).unwrap_err();

        assert!(matches!(
            query(f64::NAN, 0.0, 1, None),
            NearbyQueryError::LatitudeOutOfRange(lat) if lat.is_nan()
        ));
        assert_eq!(
            query(90.5, 0.0, 1, None),
            NearbyQueryError::LatitudeOutOfRange(90.5)
        );
        assert_eq!(
            query(0.0, -180.5, 1, None),
            NearbyQueryError::LongitudeOutOfRange(-180.5)
        );
        assert_eq!(
            query(0.0, f64::INFINITY, 1, None),
            NearbyQueryError::LongitudeOutOfRange(f64::INFINITY)
        );
        assert_eq!(
            query(0.0, 0.0, 0, None),
            NearbyQueryError::LimitOutOfRange(0)
        );
        assert_eq!(
            query(0.0, 0.0, 101, None),
            NearbyQueryError::LimitOutOfRange(101)
        );
        assert_eq!(
            query(0.0, 0.0, 1, Some(-1.0)),
            NearbyQueryError::InvalidRadius(-1.0)
        );
        assert_eq!(
            query(0.0, 0.0, 1, Some(f64::INFINITY)),
            NearbyQueryError::InvalidRadius(f64::INFINITY)
        );
        assert!(matches!(
            index.nearest_brute_force(0.0, 0.0, 1, Some(f64::NAN)),
            Err(NearbyQueryError::InvalidRadius(radius)) if radius.is_nan()
        ));
        assert!(index.nearest(-90.0, 180.0, MAX_NEARBY_LIMIT, None).is_ok());
    }

    #[test]
    fn building_from_an_impossible_location_fails() {
        let error = HospitalIndex::build([("a", 10.0, 10.0), ("b", 95.0, 10.0)]).unwrap_err();

        assert_eq!(error, NearbyQueryError::LatitudeOutOfRange(95.0));
    }

    #[test]
    fn an_empty_index_finds_nothing() {
        let index = HospitalIndex::<u32>::build([]).unwrap();

        assert!(index.is_empty());
        assert_eq!(index.nearest(0.0, 0.0, 5, None).unwrap(), []);
    }

    #[test]
    fn the_index_agrees_with_a_linear_scan_on_pseudo_random_points() {
        let mut lcg = Lcg(20_200_311);
        let mut places = Vec::new();
        for key in 0..3000_u32 {
            let (lat, lon) = match key % 4 {
                // Spread over the sphere (uniform in area).
                0 | 1 => (
                    lcg.between(-1.0, 1.0).asin().to_degrees(),
                    lcg.between(-180.0, 180.0),
                ),
                // A band across the antimeridian.
                2 => (lcg.between(-60.0, 60.0), 180.0 - lcg.between(0.0, 4.0)),
                // Around both poles.
                _ => (
                    90.0_f64.copysign(lcg.between(-1.0, 1.0)) * lcg.between(0.97, 1.0),
                    lcg.between(-180.0, 180.0),
                ),
            };
            // Every tenth place shares its location with the one before: ties to break.
            let (lat, lon) = if key % 10 == 9 {
                places.last().map_or((lat, lon), |&(_, a, o)| (a, o))
            } else {
                (lat, lon)
            };
            let lon = if key % 8 == 2 { -lon } else { lon };
            places.push((key, lat, lon));
        }
        let index = HospitalIndex::build(places.iter().copied()).unwrap();
        assert_eq!(index.len(), 3000);

        for query in 0..400 {
            let (lat, lon) = if query % 2 == 0 {
                (lcg.between(-90.0, 90.0), lcg.between(-180.0, 180.0))
            } else {
                // Right on a place, so its twin and the key order matter.
                let (_, lat, lon) = places[(lcg.next() * 3000.0) as usize];
                (lat, lon)
            };
            let limit = 1 + (lcg.next() * MAX_NEARBY_LIMIT as f64) as usize;
            let radius = (query % 3 == 0).then(|| lcg.between(0.0, 3000.0));

            let fast = index.nearest(lat, lon, limit, radius).unwrap();
            let slow = index.nearest_brute_force(lat, lon, limit, radius).unwrap();

            assert_eq!(
                fast, slow,
                "query {query} at ({lat}, {lon}), limit {limit}, radius {radius:?}"
            );
            if radius.is_none() {
                assert_eq!(fast.len(), limit);
            }
            assert!(
                fast.windows(2)
                    .all(|w| w[0].distance_km <= w[1].distance_km)
            );
        }
    }
}
