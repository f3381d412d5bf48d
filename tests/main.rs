//! The integration tests, in one binary (faster to build and link than one per file).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test that cannot unwrap has failed"
)]

mod cli;
mod conformance;
mod hostile;
mod rules;
mod support;
