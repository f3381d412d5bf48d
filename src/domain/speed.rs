//! Vehicle speeds: nominal test-speed classes and the speed a vehicle can reach on a run-up.

use crate::units::{Dimension, Quantity, UNITS, parse_as};

/// The nominal impact-test speeds in km/h. The same classes as [`NOMINAL_MPH`]: documents.md
/// ("Vehicle test speeds are nominal"); IWA 14-1 has seven levels from 16 to 112 km/h (VTI,
/// CONFIRMED range, <https://www.vti.se/en/services/crash-safety-testing/non-accredited-crash-testing>).
pub const NOMINAL_KMH: [u32; 7] = [16, 32, 48, 64, 80, 96, 112];

/// The nominal test speeds in mph, class by class with [`NOMINAL_KMH`].
pub const NOMINAL_MPH: [u32; 7] = [10, 20, 30, 40, 50, 60, 70];

/// Conversions of quantities compare within 1 % (documents.md, "Values").
const TOLERANCE: f64 = 0.01;

fn km_h(speed: &Quantity) -> f64 {
    UNITS
        .iter()
        .find(|u| u.symbol == "km/h")
        .map_or(speed.si() * 3.6, |u| speed.in_unit(u))
}

fn within(a: f64, b: f64) -> bool {
    (a - b).abs() <= b.abs() * TOLERANCE
}

/// The nominal class (in km/h) a speed belongs to, when it is one: 30 mph → 48, 48 km/h → 48,
/// 50 km/h → none.
#[must_use]
pub fn nominal_class(speed: &Quantity) -> Option<u32> {
    if speed.dimension() != Dimension::Speed {
        return None;
    }
    let kmh = km_h(speed);
    NOMINAL_KMH.iter().zip(NOMINAL_MPH).find_map(|(&class, mph)| {
        let mph_in_kmh = f64::from(mph) * 1.609_344;
        (within(kmh, f64::from(class)) || within(kmh, mph_in_kmh)).then_some(class)
    })
}

/// Whether a rated test speed covers a needed speed. Nominal classes compare as classes (a
/// 30 mph rating covers a 48 km/h need and the reverse); other speeds compare in SI within 1 %.
#[must_use]
pub fn at_least(rated: &Quantity, needed: &Quantity) -> bool {
    if let (Some(r), Some(n)) = (nominal_class(rated), nominal_class(needed)) {
        return r >= n;
    }
    rated.si() >= needed.si() * (1.0 - TOLERANCE)
}

/// The speed reached after a run-up `s` from an entry speed `u` at a constant acceleration `a`:
/// `sqrt(u² + 2·a·s)`, in m/s (basic kinematics, INFERRED in domain.md §4.5; the inputs come
/// from the security consultant's vehicle dynamics assessment).
#[must_use]
pub fn achievable_speed(entry: &Quantity, acceleration: &Quantity, run_up: &Quantity) -> f64 {
    let v2 = entry.si().powi(2) + 2.0 * acceleration.si() * run_up.si();
    if v2.is_finite() && v2 > 0.0 { v2.sqrt() } else { 0.0 }
}

/// A speed quantity from text, for callers holding strings.
#[must_use]
pub fn speed(text: &str) -> Option<Quantity> {
    parse_as(text, Dimension::Speed).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::parse;

    fn q(text: &str) -> Quantity {
        parse(text).unwrap()
    }

    #[test]
    fn nominal_classes() {
        assert_eq!(nominal_class(&q("30 mph")), Some(48));
        assert_eq!(nominal_class(&q("48 km/h")), Some(48));
        assert_eq!(nominal_class(&q("50 km/h")), None);
        assert_eq!(nominal_class(&q("13.4112 m/s")), Some(48));
        assert_eq!(nominal_class(&q("50 mph")), Some(80));
        assert_eq!(nominal_class(&q("112 km/h")), Some(112));
        assert_eq!(nominal_class(&q("10 m")), None);
    }

    #[test]
    fn coverage_compares_classes_then_values() {
        assert!(at_least(&q("30 mph"), &q("48 km/h")));
        assert!(at_least(&q("48 km/h"), &q("30 mph")));
        assert!(at_least(&q("80 km/h"), &q("50 mph")));
        assert!(!at_least(&q("48 km/h"), &q("64 km/h")));
        assert!(!at_least(&q("48 km/h"), &q("50 km/h")));
        // 1 % tolerance at the boundary: 49.5 km/h is covered by 50 km/h, 50.6 is not.
        assert!(at_least(&q("50 km/h"), &q("50.5 km/h")));
        assert!(!at_least(&q("50 km/h"), &q("50.6 km/h")));
    }

    #[test]
    fn achievable_speed_from_run_up() {
        let v = achievable_speed(&q("0 km/h"), &q("2.5 m/s2"), &q("40 m"));
        assert!((v - 200f64.sqrt()).abs() < 1e-9);
        let v = achievable_speed(&q("36 km/h"), &q("0 m/s2"), &q("40 m"));
        assert!((v - 10.0).abs() < 1e-9);
        assert!(achievable_speed(&q("0 km/h"), &q("0 m/s2"), &q("0 m")).abs() < f64::EPSILON);
    }
}
