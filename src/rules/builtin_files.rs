//! The built-in packs' files, listed by `build.rs` and embedded with `include_str!`.

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
