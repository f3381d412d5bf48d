//! The Terrorism (Protection of Premises) Act 2025 ("Martyn's Law"): which premises are in
//! scope, at which tier, and which events qualify.

use std::fmt::Write as _;

/// The duty tier of premises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    None,
    Standard,
    Enhanced,
}

impl Tier {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::None => "none",
            Tier::Standard => "standard",
            Tier::Enhanced => "enhanced",
        }
    }
}

/// The Schedule 1 uses, as the document model spells them (Act, Schedule 1 paragraphs 1–17;
/// CONFIRMED: <https://legislation.glitch.me/cy/ukpga/2025/10/contents?idbadge=off>).
pub const SCHEDULE_1_USES: [&str; 17] = [
    "shops",
    "food-and-drink",
    "entertainment-and-leisure",
    "sports-grounds",
    "libraries-museums-galleries",
    "halls",
    "visitor-attractions",
    "hotels",
    "places-of-worship",
    "health-care",
    "transport-stations",
    "aerodromes",
    "childcare",
    "primary-secondary-education",
    "further-education",
    "higher-education",
    "public-authorities",
];

/// s.2(2)(c): 200 or more individuals may be present at the same time (CONFIRMED,
/// <https://legalize.dev/uk/law/ukpga-2025-10>).
pub const QUALIFYING_THRESHOLD: u64 = 200;
/// s.2(3)(a) and s.3: 800 or more (CONFIRMED, same source).
pub const ENHANCED_THRESHOLD: u64 = 800;

/// What the Act's scope test reads about premises.
#[derive(Clone, Copy, Debug)]
pub struct Premises<'a> {
    /// The premises consist of a building or a building and other land (s.2(2)(a)).
    pub building: bool,
    pub uses: &'a [&'a str],
    /// The most individuals reasonably expected at the same time, staff included.
    pub expected_peak: Option<u64>,
    /// Excluded by Schedule 2.
    pub excluded: bool,
}

/// The tier, or why it cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub tier: Option<Tier>,
    pub reason: String,
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Scope and tier (s.2). Places of worship are capped at the standard tier (CONFIRMED,
/// <https://www.legislation.gov.uk/ukpga/2025/10/notes/division/7/index.htm>). Education and
/// childcare are not capped here: that rests on a SECONDARY source and is a separate warning.
#[must_use]
pub fn assess(premises: &Premises<'_>) -> Assessment {
    let none = |reason: String| Assessment {
        tier: Some(Tier::None),
        reason,
    };
    if !premises.building {
        return none("the premises include no building (s.2(2)(a)): not qualifying premises".into());
    }
    let schedule_1: Vec<&str> = premises
        .uses
        .iter()
        .copied()
        .filter(|u| SCHEDULE_1_USES.contains(u))
        .collect();
    if schedule_1.is_empty() {
        return none("none of the premises' uses is a Schedule 1 use (s.2(2)(b)): not qualifying premises".into());
    }
    if premises.excluded {
        return none("the premises are excluded by Schedule 2 (s.2(2)(d)): not qualifying premises".into());
    }
    let Some(peak) = premises.expected_peak else {
        return Assessment {
            tier: None,
            reason: "the tier cannot be computed: no expected peak headcount (occupancy.expectedPeak)".into(),
        };
    };
    if peak < QUALIFYING_THRESHOLD {
        return none(format!(
            "fewer than 200 people ({}) are expected at once (s.2(2)(c)): not qualifying premises",
            thousands(peak)
        ));
    }
    let worship = schedule_1.contains(&"places-of-worship");
    if peak >= ENHANCED_THRESHOLD && !worship {
        let mut reason = String::new();
        let _ = write!(
            reason,
            "800 or more people ({}) may be present at once: enhanced duty premises (s.2(3)(a))",
            thousands(peak)
        );
        return Assessment {
            tier: Some(Tier::Enhanced),
            reason,
        };
    }
    let reason = if worship && peak >= ENHANCED_THRESHOLD {
        format!(
            "a place of worship is standard duty premises even with 800 or more people ({}) (s.2; Explanatory Notes)",
            thousands(peak)
        )
    } else {
        format!(
            "200 to 799 people ({}) may be present at once: standard duty premises (s.2(3)(b))",
            thousands(peak)
        )
    };
    Assessment {
        tier: Some(Tier::Standard),
        reason,
    }
}

/// What s.3 reads about an event.
#[derive(Clone, Copy, Debug)]
pub struct Event {
    /// The most individuals expected at any point, staff included.
    pub expected_peak: u64,
    /// Checks that attendees meet a condition of entry (ticket, pass, membership).
    pub entry_checks: bool,
    pub public_access: bool,
    /// Held at premises that are already enhanced duty premises.
    pub at_enhanced_premises: bool,
}

/// Whether an event is a qualifying public event (s.3; CONFIRMED, Home Office factsheet
/// <https://sasastunts.com/government/publications/terrorism-protection-of-premises-act-2025-factsheets/terrorism-protection-of-premises-act-2025-scope-events>),
/// and why.
#[must_use]
pub fn qualifying_event(event: &Event) -> (bool, String) {
    if event.at_enhanced_premises {
        return (
            false,
            "held at enhanced duty premises, whose own duties cover it (s.3)".into(),
        );
    }
    if event.expected_peak < ENHANCED_THRESHOLD {
        return (
            false,
            format!(
                "fewer than 800 people ({}) expected at any point (s.3)",
                thousands(event.expected_peak)
            ),
        );
    }
    if !event.entry_checks {
        return (
            false,
            "no checks on a condition of entry, such as a ticket or pass (s.3)".into(),
        );
    }
    if !event.public_access {
        return (false, "not open to the public (s.3)".into());
    }
    (
        true,
        format!(
            "800 or more people ({}) expected at some point, entry checked, open to the public: a qualifying public event (s.3)",
            thousands(event.expected_peak)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(uses: &[&str], peak: Option<u64>) -> Option<Tier> {
        assess(&Premises {
            building: true,
            uses,
            expected_peak: peak,
            excluded: false,
        })
        .tier
    }

    #[test]
    fn thresholds() {
        assert_eq!(tier(&["sports-grounds"], Some(199)), Some(Tier::None));
        assert_eq!(tier(&["sports-grounds"], Some(200)), Some(Tier::Standard));
        assert_eq!(tier(&["sports-grounds"], Some(799)), Some(Tier::Standard));
        assert_eq!(tier(&["sports-grounds"], Some(800)), Some(Tier::Enhanced));
        assert_eq!(tier(&["sports-grounds"], None), None);
    }

    #[test]
    fn scope_conditions() {
        assert_eq!(tier(&["office"], Some(5000)), Some(Tier::None));
        assert_eq!(tier(&["office", "food-and-drink"], Some(300)), Some(Tier::Standard));
        let no_building = assess(&Premises {
            building: false,
            uses: &["halls"],
            expected_peak: Some(900),
            excluded: false,
        });
        assert_eq!(no_building.tier, Some(Tier::None));
        let excluded = assess(&Premises {
            building: true,
            uses: &["aerodromes"],
            expected_peak: Some(900),
            excluded: true,
        });
        assert_eq!(excluded.tier, Some(Tier::None));
    }

    #[test]
    fn places_of_worship_are_capped() {
        let a = assess(&Premises {
            building: true,
            uses: &["places-of-worship"],
            expected_peak: Some(1500),
            excluded: false,
        });
        assert_eq!(a.tier, Some(Tier::Standard));
        assert!(a.reason.contains("1,500"), "{}", a.reason);
        // Education is not capped here (a SECONDARY fact; a separate warning rule).
        assert_eq!(tier(&["primary-secondary-education"], Some(900)), Some(Tier::Enhanced));
    }

    #[test]
    fn events() {
        let base = Event {
            expected_peak: 800,
            entry_checks: true,
            public_access: true,
            at_enhanced_premises: false,
        };
        assert!(qualifying_event(&base).0);
        assert!(
            !qualifying_event(&Event {
                expected_peak: 799,
                ..base
            })
            .0
        );
        assert!(
            !qualifying_event(&Event {
                entry_checks: false,
                ..base
            })
            .0
        );
        assert!(
            !qualifying_event(&Event {
                public_access: false,
                ..base
            })
            .0
        );
        assert!(
            !qualifying_event(&Event {
                at_enhanced_premises: true,
                ..base
            })
            .0
        );
    }
}
