//! `standoff rating TEXT`: how a datasheet's crash-rating string is read.

use super::ExitStatus;
use std::io::Write as _;

use super::{ListFormat, RatingArgs};
use crate::domain::rating;
use crate::error::ToolError;

pub(super) fn run(args: &RatingArgs) -> Result<ExitStatus, ToolError> {
    let result = rating::parse_ratings(&args.text);
    let (text, code) = match (&result, args.format) {
        (Ok(ratings), ListFormat::Human) => (rating::describe(ratings), ExitStatus::Success),
        (Err(problem), ListFormat::Human) => (format!("{problem}\n"), ExitStatus::Failure),
        (Ok(ratings), ListFormat::Json) => (
            json(&serde_json::json!({"text": args.text, "ok": true, "ratings": ratings}))?,
            ExitStatus::Success,
        ),
        (Err(problem), ListFormat::Json) => (
            json(&serde_json::json!({
                "text": args.text,
                "ok": false,
                "problem": {
                    "fragment": problem.fragment,
                    "reason": problem.reason,
                    "ambiguous": problem.is_ambiguous(),
                    "message": problem.to_string(),
                },
            }))?,
            ExitStatus::Failure,
        ),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(crate::text::sanitize_source(&text).as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(ToolError::message(format!("cannot write: {e}"))),
        _ => Ok(code),
    }
}

fn json(value: &serde_json::Value) -> Result<String, ToolError> {
    serde_json::to_string_pretty(value)
        .map(|t| t + "\n")
        .map_err(|e| ToolError::message(e.to_string()))
}
