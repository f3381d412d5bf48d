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
/// CONFIRMED in the Act's text: <https://www.legislation.gov.uk/ukpga/2025/10/schedule/1>).
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

/// s.2(2)(c): 200 or more individuals may be present at the same time (CONFIRMED in the Act's
/// text, <https://www.legislation.gov.uk/ukpga/2025/10/section/2>).
pub const QUALIFYING_THRESHOLD: u64 = 200;
/// s.2(3)(a) and s.3(1)(d): 800 or more (CONFIRMED in the Act's text, ss.2 and 3).
pub const ENHANCED_THRESHOLD: u64 = 800;

/// The Schedule 1 uses whose premises are standard duty premises "regardless of how they would
/// otherwise be treated" when it is their relevant Schedule 1 use (s.2(4)), with the paragraph
/// that says so (CONFIRMED in the Act's text, Sch 1 paras 9(2), 13(3), 14(3)(b) and 15(2)(b):
/// <https://www.legislation.gov.uk/ukpga/2025/10/schedule/1>). Higher education (para 16) has no
/// such provision.
pub const STANDARD_ONLY_USES: [(&str, &str); 4] = [
    ("places-of-worship", "Sch 1 para 9(2)"),
    ("childcare", "Sch 1 para 13(3)"),
    ("primary-secondary-education", "Sch 1 para 14(3)(b)"),
    ("further-education", "Sch 1 para 15(2)(b)"),
];

/// The uses of Sch 2 para 6: an event at premises wholly or mainly used for one of them is not a
/// qualifying event (worship, childcare, primary, secondary or further education; CONFIRMED,
/// <https://www.legislation.gov.uk/ukpga/2025/10/schedule/2/paragraph/6>).
pub const EVENT_EXCLUDING_USES: [&str; 4] = [
    "places-of-worship",
    "childcare",
    "primary-secondary-education",
    "further-education",
];

/// What the Act's scope test reads about premises.
#[derive(Clone, Copy, Debug)]
pub struct Premises<'a> {
    /// The premises consist of a building or a building and other land (s.2(2)(a)).
    pub building: bool,
    pub uses: &'a [&'a str],
    /// The use the premises are mainly used for (the Project's `mainUse`), if stated.
    pub main_use: Option<&'a str>,
    /// The most individuals reasonably expected at the same time, staff included.
    pub expected_peak: Option<u64>,
    /// The Schedule 2 exclusion relied on (its `schedule2` text, empty if unstated), if any.
    pub exclusion: Option<&'a str>,
}

impl Premises<'_> {
    fn schedule_1(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for u in self.uses.iter().copied() {
            if SCHEDULE_1_USES.contains(&u) && !out.contains(&u) {
                out.push(u);
            }
        }
        out
    }

    /// The stated main use, if it is one of the uses.
    fn stated_main_use(&self) -> Option<&str> {
        self.main_use.filter(|m| self.uses.contains(m))
    }
}

/// The relevant Schedule 1 use (s.4(2)): the only Schedule 1 use, or the principal one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelevantUse {
    /// The premises have no Schedule 1 use.
    NoScheduleOneUse,
    Known(String),
    /// Several Schedule 1 uses and no stated main use among them.
    Unstated(Vec<String>),
}

/// s.4(2): the relevant Schedule 1 use is the only one (a), or the principal one (b), which is
/// the Project's `mainUse` when that is one of the Schedule 1 uses.
#[must_use]
pub fn relevant_use(premises: &Premises<'_>) -> RelevantUse {
    let schedule_1 = premises.schedule_1();
    match schedule_1.as_slice() {
        [] => RelevantUse::NoScheduleOneUse,
        [only] => RelevantUse::Known((*only).to_owned()),
        several => match premises.stated_main_use() {
            Some(main) if several.contains(&main) => RelevantUse::Known(main.to_owned()),
            _ => RelevantUse::Unstated(several.iter().map(|u| (*u).to_owned()).collect()),
        },
    }
}

/// The paragraph that makes premises with this relevant use standard duty premises, if any.
fn standard_only(use_: &str) -> Option<&'static str> {
    STANDARD_ONLY_USES
        .iter()
        .find(|(u, _)| *u == use_)
        .map(|(_, para)| *para)
}

/// What is wrong with a stated `mainUse`, if anything.
#[must_use]
pub fn main_use_problem(premises: &Premises<'_>) -> Option<String> {
    let main = premises.main_use?;
    if premises.uses.contains(&main) {
        None
    } else {
        Some(format!("mainUse {main} is not one of the uses listed in `uses`"))
    }
}

/// The tier, or why it cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub tier: Option<Tier>,
    pub reason: String,
    /// Schedule 1 makes the premises standard duty premises whatever their numbers (their
    /// relevant Schedule 1 use is one of [`STANDARD_ONLY_USES`]).
    pub standard_only: bool,
    /// What the tier could not be verified for: set when the principal use decides between
    /// standard and enhanced and is not stated (the tier is then enhanced: a relief that is not
    /// shown is not applied).
    pub unverified: Option<String>,
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

/// Scope and tier (s.2, s.4(2), Schedule 1). Premises whose relevant Schedule 1 use (the only
/// one, or the principal one) is worship, childcare, or primary, secondary or further education
/// are standard duty premises whatever their numbers (s.2(4); Sch 1 paras 9(2), 13(3), 14(3)(b),
/// 15(2)(b); CONFIRMED in the Act's text). When several Schedule 1 uses include one of those and
/// the principal use is not stated, 800 or more people give enhanced duty premises, reported as
/// unverified (a relief that is not shown is not applied).
#[must_use]
pub fn assess(premises: &Premises<'_>) -> Assessment {
    let none = |reason: String| Assessment {
        tier: Some(Tier::None),
        reason,
        standard_only: false,
        unverified: None,
    };
    if !premises.building {
        return none("the premises include no building (s.2(2)(a)): not qualifying premises".into());
    }
    let relevant = relevant_use(premises);
    if relevant == RelevantUse::NoScheduleOneUse {
        return none("none of the premises' uses is a Schedule 1 use (s.2(2)(b)): not qualifying premises".into());
    }
    if premises.exclusion.is_some() {
        return none("the premises are excluded by Schedule 2 (s.2(2)(d)): not qualifying premises".into());
    }
    let capped = match &relevant {
        RelevantUse::Known(u) => standard_only(u).map(|para| (u.clone(), para)),
        _ => None,
    };
    let Some(peak) = premises.expected_peak else {
        return Assessment {
            tier: None,
            reason: "the tier cannot be computed: no expected peak headcount (occupancy.expectedPeak)".into(),
            standard_only: capped.is_some(),
            unverified: None,
        };
    };
    if peak < QUALIFYING_THRESHOLD {
        let mut a = none(format!(
            "fewer than 200 people ({}) are expected at once (s.2(2)(c)): not qualifying premises",
            thousands(peak)
        ));
        a.standard_only = capped.is_some();
        return a;
    }
    if peak < ENHANCED_THRESHOLD {
        return Assessment {
            tier: Some(Tier::Standard),
            reason: format!(
                "200 to 799 people ({}) may be present at once: standard duty premises (s.2(3)(b))",
                thousands(peak)
            ),
            standard_only: capped.is_some(),
            unverified: None,
        };
    }
    if let Some((use_, para)) = capped {
        return Assessment {
            tier: Some(Tier::Standard),
            reason: format!(
                "the relevant Schedule 1 use is {use_} (s.4(2)): standard duty premises even with 800 or more people ({}) ({para})",
                thousands(peak)
            ),
            standard_only: true,
            unverified: None,
        };
    }
    let mut reason = String::new();
    let mut unverified = None;
    if let RelevantUse::Unstated(uses) = &relevant {
        let relieving: Vec<&str> = uses
            .iter()
            .map(String::as_str)
            .filter(|u| standard_only(u).is_some())
            .collect();
        if !relieving.is_empty() {
            let _ = write!(
                reason,
                "800 or more people ({}) and no stated principal use (mainUse) among {}: enhanced duty premises unless it is {} (s.4(2)(b)); cannot verify",
                thousands(peak),
                uses.join(", "),
                relieving.join(" or ")
            );
            unverified = Some(format!(
                "which of {} is the principal use (mainUse): if it is {}, the premises are standard duty premises, otherwise enhanced (s.4(2)(b), Schedule 1)",
                uses.join(", "),
                relieving.join(" or ")
            ));
        }
    }
    if reason.is_empty() {
        let _ = write!(
            reason,
            "800 or more people ({}) may be present at once: enhanced duty premises (s.2(3)(a))",
            thousands(peak)
        );
    }
    Assessment {
        tier: Some(Tier::Enhanced),
        reason,
        standard_only: false,
        unverified,
    }
}

/// Whether Schedule 2 Part 2 excludes events held at the premises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventExclusion {
    NotExcluded,
    /// Excluded, and why.
    Excluded(String),
    /// It depends on a fact the document does not give (what, in words); events are then treated
    /// as not excluded.
    Unverified(String),
}

/// The Schedule 2 paragraph number a `schedule2` text names ("para 4(a)", "paragraph 2", "4").
fn schedule_2_paragraph(text: &str) -> Option<u32> {
    let lower = text.to_ascii_lowercase();
    let rest = lower
        .trim()
        .trim_start_matches("sch 2")
        .trim_start_matches("schedule 2")
        .trim_start_matches([',', ' '])
        .trim_start_matches("paragraph")
        .trim_start_matches("para.")
        .trim_start_matches("para")
        .trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Sch 2 Part 2 (CONFIRMED in the Act's text,
/// <https://www.legislation.gov.uk/ukpga/2025/10/schedule/2>): para 5 excludes events at premises
/// excluded by para 1, 2 or 4 (Parliament, the devolved legislatures and administrations,
/// transport security); para 6 excludes events at premises wholly or mainly used for worship,
/// childcare, or primary, secondary or further education. Events at parks and other open-air
/// premises of para 3 are not excluded (para 3(5)(b)).
#[must_use]
pub fn event_exclusion(premises: &Premises<'_>) -> EventExclusion {
    if let Some(text) = premises.exclusion
        && let Some(para @ (1 | 2 | 4)) = schedule_2_paragraph(text)
    {
        return EventExclusion::Excluded(format!(
            "held at premises excluded by Schedule 2 para {para}, so excluded by Sch 2 para 5 (s.3(1)(f))"
        ));
    }
    let excluding: Vec<&str> = premises
        .uses
        .iter()
        .copied()
        .filter(|u| EVENT_EXCLUDING_USES.contains(u))
        .collect();
    if excluding.is_empty() {
        return EventExclusion::NotExcluded;
    }
    let wholly = premises.uses.iter().all(|u| EVENT_EXCLUDING_USES.contains(u));
    if wholly {
        return EventExclusion::Excluded(format!(
            "held at premises wholly used for {}, so excluded by Sch 2 para 6 (s.3(1)(f))",
            excluding.join(" and ")
        ));
    }
    match premises.stated_main_use() {
        Some(main) if EVENT_EXCLUDING_USES.contains(&main) => EventExclusion::Excluded(format!(
            "held at premises mainly used for {main}, so excluded by Sch 2 para 6 (s.3(1)(f))"
        )),
        Some(_) => EventExclusion::NotExcluded,
        None => EventExclusion::Unverified(format!(
            "which of {} is the main use (mainUse): an event at premises mainly used for {} is not a qualifying event (Sch 2 para 6)",
            premises.uses.join(", "),
            excluding.join(" or ")
        )),
    }
}

/// What s.3 reads about an event.
#[derive(Clone, Debug)]
pub struct Event {
    /// The most individuals expected at any point, staff included.
    pub expected_peak: u64,
    /// Checks that attendees meet a condition of entry (ticket, pass, membership).
    pub entry_checks: bool,
    pub public_access: bool,
    /// Held at premises that are already enhanced duty premises.
    pub at_enhanced_premises: bool,
    /// Why Schedule 2 Part 2 excludes the event, if it does ([`event_exclusion`]).
    pub excluded: Option<String>,
}

/// Whether an event is a qualifying public event (s.3(1)(a) to (f); CONFIRMED in the Act's text,
/// <https://www.legislation.gov.uk/ukpga/2025/10/section/3>), and why.
#[must_use]
pub fn qualifying_event(event: &Event) -> (bool, String) {
    if event.at_enhanced_premises {
        return (
            false,
            "held at enhanced duty premises, whose own duties cover it (s.3(1)(b))".into(),
        );
    }
    if let Some(why) = &event.excluded {
        return (false, why.clone());
    }
    if event.expected_peak < ENHANCED_THRESHOLD {
        return (
            false,
            format!(
                "fewer than 800 people ({}) expected at any point (s.3(1)(d))",
                thousands(event.expected_peak)
            ),
        );
    }
    if !event.entry_checks {
        return (
            false,
            "no checks on a condition of entry, such as a ticket or pass (s.3(1)(e))".into(),
        );
    }
    if !event.public_access {
        return (false, "not open to the public (s.3(1)(c))".into());
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

    fn premises<'a>(uses: &'a [&'a str], main_use: Option<&'a str>, peak: Option<u64>) -> Premises<'a> {
        Premises {
            building: true,
            uses,
            main_use,
            expected_peak: peak,
            exclusion: None,
        }
    }

    fn tier(uses: &[&str], peak: Option<u64>) -> Option<Tier> {
        assess(&premises(uses, None, peak)).tier
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
            ..premises(&["halls"], None, Some(900))
        });
        assert_eq!(no_building.tier, Some(Tier::None));
        let excluded = assess(&Premises {
            exclusion: Some("para 4(a)"),
            ..premises(&["aerodromes"], None, Some(900))
        });
        assert_eq!(excluded.tier, Some(Tier::None));
    }

    #[test]
    fn places_of_worship_are_standard_only_as_the_relevant_use() {
        let a = assess(&premises(&["places-of-worship"], None, Some(1500)));
        assert_eq!(a.tier, Some(Tier::Standard));
        assert!(a.standard_only);
        assert!(
            a.reason.contains("1,500") && a.reason.contains("Sch 1 para 9(2)"),
            "{}",
            a.reason
        );
        // One Schedule 1 use beside non-Schedule 1 uses is the relevant use (s.4(2)(a)).
        assert_eq!(tier(&["places-of-worship", "office"], Some(1500)), Some(Tier::Standard));
        // A cathedral with a shop, a cafe and a visitor attraction: the principal use decides.
        let cathedral = ["places-of-worship", "shops", "food-and-drink", "visitor-attractions"];
        let unstated = assess(&premises(&cathedral, None, Some(1500)));
        assert_eq!(
            unstated.tier,
            Some(Tier::Enhanced),
            "a relief that is not shown is not applied"
        );
        assert!(!unstated.standard_only);
        let what = unstated.unverified.unwrap_or_default();
        assert!(what.contains("mainUse") && what.contains("places-of-worship"), "{what}");
        assert!(unstated.reason.contains("cannot verify"), "{}", unstated.reason);
        let worship = assess(&premises(&cathedral, Some("places-of-worship"), Some(1500)));
        assert_eq!((worship.tier, worship.unverified), (Some(Tier::Standard), None));
        let attraction = assess(&premises(&cathedral, Some("visitor-attractions"), Some(1500)));
        assert_eq!((attraction.tier, attraction.unverified), (Some(Tier::Enhanced), None));
        // A main use that is not among the uses is no main use.
        assert!(
            assess(&premises(&cathedral, Some("halls"), Some(1500)))
                .unverified
                .is_some()
        );
        assert!(main_use_problem(&premises(&cathedral, Some("halls"), None)).is_some());
        assert!(main_use_problem(&premises(&cathedral, Some("shops"), None)).is_none());
        // Below 800 the principal use cannot change the tier: nothing to verify.
        let small = assess(&premises(&cathedral, None, Some(600)));
        assert_eq!((small.tier, small.unverified), (Some(Tier::Standard), None));
        // Several Schedule 1 uses none of which is standard-only: enhanced, nothing to verify.
        let arena = assess(&premises(
            &["entertainment-and-leisure", "food-and-drink"],
            None,
            Some(900),
        ));
        assert_eq!((arena.tier, arena.unverified), (Some(Tier::Enhanced), None));
    }

    #[test]
    fn education_and_childcare_are_standard_only_higher_education_is_not() {
        // Sch 1 paras 13(3), 14(3)(b), 15(2)(b): read in the Act's text, so applied.
        for (use_, para) in STANDARD_ONLY_USES {
            let a = assess(&premises(&[use_], None, Some(900)));
            assert_eq!(a.tier, Some(Tier::Standard), "{use_}");
            assert!(a.reason.contains(para), "{}", a.reason);
            assert!(a.standard_only);
        }
        assert_eq!(
            tier(&["primary-secondary-education", "office"], Some(1200)),
            Some(Tier::Standard)
        );
        // Para 16 (higher education) has no tier provision.
        let university = assess(&premises(&["higher-education"], None, Some(4000)));
        assert_eq!(university.tier, Some(Tier::Enhanced));
        assert!(!university.standard_only);
        // Standard-only also below 800 (for the threshold-floor rule).
        assert!(assess(&premises(&["further-education"], None, Some(600))).standard_only);
        assert!(!assess(&premises(&["halls"], None, Some(600))).standard_only);
        // A college that is also a sports ground: the principal use decides.
        let campus = ["further-education", "sports-grounds"];
        assert!(assess(&premises(&campus, None, Some(900))).unverified.is_some());
        assert_eq!(
            assess(&premises(&campus, Some("further-education"), Some(900))).tier,
            Some(Tier::Standard)
        );
        assert_eq!(
            assess(&premises(&campus, Some("sports-grounds"), Some(900))).tier,
            Some(Tier::Enhanced)
        );
    }

    #[test]
    fn schedule_2_part_2_event_exclusions() {
        use EventExclusion::{Excluded, NotExcluded, Unverified};
        let kind = |e: EventExclusion| match e {
            NotExcluded => "not",
            Excluded(_) => "excluded",
            Unverified(_) => "unverified",
        };
        // Para 6: wholly or mainly used for worship, childcare, or primary, secondary or further education.
        assert_eq!(
            kind(event_exclusion(&premises(&["places-of-worship"], None, None))),
            "excluded"
        );
        assert_eq!(
            kind(event_exclusion(&premises(
                &["primary-secondary-education", "childcare"],
                None,
                None
            ))),
            "excluded"
        );
        let school = ["primary-secondary-education", "sports-grounds"];
        assert_eq!(kind(event_exclusion(&premises(&school, None, None))), "unverified");
        assert_eq!(
            kind(event_exclusion(&premises(
                &school,
                Some("primary-secondary-education"),
                None
            ))),
            "excluded"
        );
        assert_eq!(
            kind(event_exclusion(&premises(&school, Some("sports-grounds"), None))),
            "not"
        );
        // Higher education is not in para 6.
        assert_eq!(
            kind(event_exclusion(&premises(&["higher-education"], None, None))),
            "not"
        );
        assert_eq!(kind(event_exclusion(&premises(&["halls"], None, None))), "not");
        // Para 5: events at premises excluded by para 1, 2 or 4; not para 3 (para 3(5)(b)).
        for (text, expected) in [
            ("para 4(a)", "excluded"),
            ("paragraph 1", "excluded"),
            ("Sch 2 para 2(b)", "excluded"),
            ("para 3", "not"),
            ("", "not"),
        ] {
            let p = Premises {
                exclusion: Some(text),
                ..premises(&["aerodromes"], None, None)
            };
            assert_eq!(kind(event_exclusion(&p)), expected, "{text:?}");
        }
    }

    #[test]
    fn events() {
        let base = Event {
            expected_peak: 800,
            entry_checks: true,
            public_access: true,
            at_enhanced_premises: false,
            excluded: None,
        };
        assert!(qualifying_event(&base).0);
        for event in [
            Event {
                expected_peak: 799,
                ..base.clone()
            },
            Event {
                entry_checks: false,
                ..base.clone()
            },
            Event {
                public_access: false,
                ..base.clone()
            },
            Event {
                at_enhanced_premises: true,
                ..base.clone()
            },
        ] {
            assert!(!qualifying_event(&event).0, "{event:?}");
        }
        let excluded = qualifying_event(&Event {
            excluded: Some("held at premises mainly used for places-of-worship, so excluded by Sch 2 para 6".into()),
            ..base
        });
        assert!(!excluded.0);
        assert!(excluded.1.contains("Sch 2 para 6"), "{}", excluded.1);
    }
}
