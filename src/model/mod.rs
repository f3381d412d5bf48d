//! The model: what the rest of standoff reasons about. Source files, the design documents
//! loaded from them, the findings about them, the projects they form and the index of their
//! names and ids. Pure data and the functions that build it; no file access and no printing.
//! Below it are only the YAML layer and the foundation (text, dates, units, stages, paths).

pub mod document;
pub mod finding;
pub mod index;
pub mod project;
pub mod source;
