//! Crash-rating strings: never panic, and whatever is read describes without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use standoff::domain::rating::{Standard, describe, parse_rating_for, parse_ratings};

fuzz_target!(|text: &str| {
    match parse_ratings(text) {
        Ok(ratings) => {
            assert!(!ratings.is_empty());
            let _ = describe(&ratings);
            for r in &ratings {
                assert!(r.mass_kg.is_none_or(f64::is_finite));
            }
        }
        Err(problem) => {
            let _ = problem.to_string();
        }
    }
    let _ = parse_rating_for(text, Some(Standard::Pas68));
});
