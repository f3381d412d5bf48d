//! The integration tests, in one binary (faster to build and link than one per file).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test that cannot unwrap has failed"
)]
#![allow(clippy::print_stderr, reason = "tests say on stderr what they could not check here")]

mod budget;
mod cannot_verify;
mod channels;
mod ci_formats;
mod cli;
mod conformance;
mod examples;
mod functions;
mod gate_html;
mod gate_trust;
mod hardening;
mod hostile;
mod io_guard;
mod layers;
mod lsp;
mod noise;
mod pack_format;
mod ratings;
mod readme;
mod redaction;
mod residual;
mod rules;
mod schema_editor;
mod sources;
mod staged;
mod support;
mod terminal;
mod trees;
mod workflow;
