//! standoff: a linter for the protective-security design documents of buildings, venues,
//! public spaces and events.
//!
//! The library is a pure engine (documents and settings in, findings out: no printing and no
//! file access) plus the adapters around it: the command line ([`cli`]), the application layer
//! (config discovery, the walk, reading, judging a tree: `app`, private to the crate) and the
//! reporters ([`report`]). docs/architecture.md has the layers. Modules that the tests,
//! benchmarks and fuzz targets do not use (`app`, `paths`, `policy`) are `pub(crate)`, so the
//! compiler reports what in them is never used.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "a test that cannot unwrap has failed"
    )
)]

pub(crate) mod app;
pub mod checks;
pub mod cli;
pub mod date;
pub mod domain;
pub mod engine;
pub mod error;
pub mod gate;
pub(crate) mod lsp;
pub mod model;
pub(crate) mod paths;
pub(crate) mod policy;
pub mod report;
pub mod rules;
pub mod schema;
pub mod stage;
pub mod text;
pub mod units;
pub mod yaml;
