//! The NCTC "Bomb Threat Stand-Off" card: evacuation distances for a charge.
//!
//! Current version of the card (NCTC/ODNI), all eight rows CONFIRMED in reference table R5 of
//! domain.md: <https://odni.gov/nctc/index.html> and
//! <https://webarchive.library.unt.edu/web/20130217125606/http://www.nctc.gov/site/technical/bomb_threat.html>
//! The suicide-vest preferred distance is 1,700 ft / 518 m (one NCTC page misprints 1,750 ft;
//! 518 m is 1,700 ft).

/// One row of the card.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NctcRow {
    pub description: &'static str,
    pub capacity_lb: u32,
    pub capacity_kg: f64,
    /// Inside it, everyone evacuates (inside buildings and out).
    pub mandatory_ft: u32,
    pub mandatory_m: u32,
    /// Preferred for people in buildings, mandatory for people outdoors.
    pub preferred_ft: u32,
    pub preferred_m: u32,
}

/// The eight rows, smallest charge first.
pub static ROWS: [NctcRow; 8] = [
    NctcRow {
        description: "Pipe bomb",
        capacity_lb: 5,
        capacity_kg: 2.3,
        mandatory_ft: 70,
        mandatory_m: 21,
        preferred_ft: 1200,
        preferred_m: 366,
    },
    NctcRow {
        description: "Suicide vest",
        capacity_lb: 20,
        capacity_kg: 9.2,
        mandatory_ft: 110,
        mandatory_m: 34,
        preferred_ft: 1700,
        preferred_m: 518,
    },
    NctcRow {
        description: "Briefcase/suitcase bomb",
        capacity_lb: 50,
        capacity_kg: 23.0,
        mandatory_ft: 150,
        mandatory_m: 46,
        preferred_ft: 1850,
        preferred_m: 564,
    },
    NctcRow {
        description: "Sedan (car)",
        capacity_lb: 500,
        capacity_kg: 227.0,
        mandatory_ft: 320,
        mandatory_m: 98,
        preferred_ft: 1900,
        preferred_m: 580,
    },
    NctcRow {
        description: "SUV/van",
        capacity_lb: 1000,
        capacity_kg: 454.0,
        mandatory_ft: 400,
        mandatory_m: 122,
        preferred_ft: 2400,
        preferred_m: 732,
    },
    NctcRow {
        description: "Small delivery truck",
        capacity_lb: 4000,
        capacity_kg: 1814.0,
        mandatory_ft: 640,
        mandatory_m: 195,
        preferred_ft: 3800,
        preferred_m: 1159,
    },
    NctcRow {
        description: "Container/water truck",
        capacity_lb: 10_000,
        capacity_kg: 4536.0,
        mandatory_ft: 860,
        mandatory_m: 263,
        preferred_ft: 5100,
        preferred_m: 1555,
    },
    NctcRow {
        description: "Semi-trailer",
        capacity_lb: 60_000,
        capacity_kg: 27_216.0,
        mandatory_ft: 1570,
        mandatory_m: 479,
        preferred_ft: 9300,
        preferred_m: 2835,
    },
];

const KG_PER_LB: f64 = 0.453_592_37;

/// The row for a charge: the smallest whose capacity, as printed in either unit, is at least
/// the charge within 1 % (rules.md), so 227 kg is the 500 lb / 227 kg row. `None` beyond the
/// card's largest row.
#[must_use]
pub fn row_for(charge_kg: f64) -> Option<&'static NctcRow> {
    if !charge_kg.is_finite() {
        return None;
    }
    ROWS.iter().find(|row| {
        let printed_kg = row.capacity_kg * 1.01;
        let printed_lb = f64::from(row.capacity_lb) * KG_PER_LB * 1.01;
        charge_kg <= printed_kg || charge_kg <= printed_lb
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_maps_to_itself_in_both_units() {
        for row in &ROWS {
            assert_eq!(row_for(row.capacity_kg).map(|r| r.description), Some(row.description));
            let lb_in_kg = f64::from(row.capacity_lb) * KG_PER_LB;
            assert_eq!(row_for(lb_in_kg).map(|r| r.description), Some(row.description));
        }
    }

    #[test]
    fn boundaries() {
        assert_eq!(row_for(0.0).map(|r| r.capacity_lb), Some(5));
        assert_eq!(row_for(227.0).map(|r| r.capacity_lb), Some(500));
        assert_eq!(row_for(228.0).map(|r| r.capacity_lb), Some(500));
        assert_eq!(row_for(230.0).map(|r| r.capacity_lb), Some(1000));
        // Just above each row (beyond 1 % of both printed capacities) is the next row.
        for pair in ROWS.windows(2) {
            let limit = (pair[0].capacity_kg).max(f64::from(pair[0].capacity_lb) * KG_PER_LB) * 1.01;
            assert_eq!(row_for(limit + 0.01).map(|r| r.description), Some(pair[1].description));
        }
        assert_eq!(row_for(27_216.0 * 1.02), None);
        assert_eq!(row_for(f64::NAN), None);
    }

    #[test]
    fn the_card_is_exact() {
        let sedan = row_for(227.0).unwrap();
        assert_eq!(
            (
                sedan.mandatory_m,
                sedan.preferred_m,
                sedan.mandatory_ft,
                sedan.preferred_ft
            ),
            (98, 580, 320, 1900)
        );
        assert_eq!(ROWS[1].preferred_ft, 1700);
        assert_eq!(ROWS.len(), 8);
    }
}
