//! standoff: a linter for the protective-security design documents of buildings, venues,
//! public spaces and events.
//!
//! The library is a pure engine (documents and settings in, findings out: no printing and no
//! file access) plus the adapters around it: the command line ([`cli`]), the file walker
//! ([`walk`]) and the reporters ([`report`]).

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "a test that cannot unwrap has failed"
    )
)]

pub mod app;
pub mod checks;
pub mod cli;
pub mod date;
pub mod domain;
pub mod engine;
pub mod error;
pub mod gate;
pub mod model;
pub mod paths;
pub mod policy;
pub mod report;
pub mod rules;
pub mod schema;
pub mod stage;
pub mod text;
pub mod units;
pub mod yaml;
