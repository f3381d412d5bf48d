//! Quantities: never panic; a parsed quantity is finite, and written back it parses the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use standoff::units::{Dimension, parse, parse_as};

fuzz_target!(|text: &str| {
    if let Ok(q) = parse(text) {
        assert!(q.si().is_finite());
        let again = parse(&format!("{} {}", q.value, q.unit.symbol));
        if let Ok(again) = again {
            assert_eq!(again.unit.symbol, q.unit.symbol);
            assert!((again.si() - q.si()).abs() <= q.si().abs() * 1e-12);
        }
    }
    for d in Dimension::ALL {
        let _ = parse_as(text, d).map_err(|e| e.to_string());
    }
});
