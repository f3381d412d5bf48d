//! The application: what a run does around the pure engine. It finds and reads the config,
//! walks the tree, reads every input within its limits (standard input included), loads the
//! rule packs, asks the engine for findings, applies the policy, and guards every output it
//! writes. The command line (`cli`) parses arguments and prints; everything else is here.

pub(crate) mod config;
pub(crate) mod input;
pub(crate) mod judge;
pub(crate) mod output;
pub(crate) mod staged;
pub(crate) mod walk;
