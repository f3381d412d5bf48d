//! standoff: a linter for the protective-security design documents of buildings, venues,
//! public spaces and events.
//!
//! The library is a pure engine (documents and settings in, findings out: no printing and no
//! file access) plus the adapters around it: the command line ([`cli`]), the file walker
//! ([`walk`]) and the reporters ([`report`]).

pub mod text;
pub mod yaml;
