//! Rule-file loading: any text as a rule file compiles or is a located error, never a panic;
//! a rule that compiles runs its own test cases without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use standoff::rules::{PackFiles, load, selftest};

const PACK: &str = "name: f\ntitle: Fuzz\nversion: 0.0.1\nprefix: F\ndescription: d\nsources: [{title: t, url: https://example.org}]\n";

fuzz_target!(|text: &str| {
    let pack = PackFiles {
        name: "f".into(),
        origin: "fuzz".into(),
        files: vec![
            ("f/pack.yaml".into(), "pack.yaml".into(), PACK.into()),
            ("f/F-RULE.yaml".into(), "F-RULE.yaml".into(), text.into()),
        ],
    };
    match load(vec![pack]) {
        Ok(set) => {
            if let Ok(schemas) = standoff::schema::schemas() {
                let _ = selftest::run(&set, schemas);
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
