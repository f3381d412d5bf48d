//! Domain functions: typed Rust for the facts rules rest on (crash ratings, nominal speeds,
//! Martyn's Law scope and tier, the NCTC stand-off card). Each hard-coded number cites its
//! source and confidence from reference/domain.md.

pub mod martyns;
pub mod nctc;
pub mod rating;
pub mod speed;
