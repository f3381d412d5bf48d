//! Errors that stop the tool from doing its job (exit code 2): bad arguments, a missing path,
//! a bad config, a bad rule pack. Problems inside the checked tree are findings instead.

use std::fmt;

use crate::yaml::Span;

/// A located problem in one of the tool's own input files (config, rule pack, waiver file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocatedError {
    /// The file, as the user would type it.
    pub path: String,
    /// The file's text, for the snippet.
    pub text: String,
    pub span: Span,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
}

/// Why the tool could not do its job.
#[derive(Debug)]
pub enum ToolError {
    /// One or more located problems in an input file of the tool, under a title.
    Located { title: String, errors: Vec<LocatedError> },
    /// A problem without a location (a missing path, a bad argument value).
    Message(String),
}

impl ToolError {
    pub fn message(text: impl Into<String>) -> Self {
        Self::Message(text.into())
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::Located { title, errors } => {
                write!(f, "{title}")?;
                for e in errors {
                    write!(f, "\n{}: {}", e.path, e.message)?;
                }
                Ok(())
            }
            ToolError::Message(text) => f.write_str(text),
        }
    }
}

impl std::error::Error for ToolError {}
