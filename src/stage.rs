//! RIBA Plan of Work 2020 stages.

use std::fmt;
use std::str::FromStr;

/// A RIBA stage, 0 (strategic definition) to 7 (use).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Stage(u8);

/// The stages' names, as documents may write them.
pub const STAGE_NAMES: [&str; 8] = [
    "strategic-definition",
    "preparation-and-briefing",
    "concept-design",
    "spatial-coordination",
    "technical-design",
    "manufacturing-and-construction",
    "handover",
    "use",
];

impl Stage {
    pub const LAST: Stage = Stage(7);

    #[must_use]
    pub fn new(n: u8) -> Option<Self> {
        (n <= 7).then_some(Self(n))
    }

    #[must_use]
    pub fn number(self) -> u8 {
        self.0
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        STAGE_NAMES[usize::from(self.0)]
    }

    /// The next stage, if any.
    #[must_use]
    pub fn next(self) -> Option<Self> {
        Self::new(self.0 + 1)
    }

    /// A stage as written in a document: an integer 0–7 or a name.
    #[must_use]
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        match value {
            serde_json::Value::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()).and_then(Self::new),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }
}

impl FromStr for Stage {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(n) = s.parse::<u8>() {
            return Self::new(n).ok_or_else(|| format!("stage {n} does not exist: RIBA stages run from 0 to 7"));
        }
        if let Some(i) = STAGE_NAMES.iter().position(|name| *name == s) {
            return Ok(Self(i as u8));
        }
        let hint = crate::text::did_you_mean(s, STAGE_NAMES)
            .map(|m| format!("; did you mean `{m}`?"))
            .unwrap_or_default();
        Err(format!(
            "`{}` is not a RIBA stage: write 0 to 7 or a stage name{hint}",
            crate::text::quote(s)
        ))
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_names() {
        assert_eq!("4".parse::<Stage>().map(Stage::number), Ok(4));
        assert_eq!("technical-design".parse::<Stage>().map(Stage::number), Ok(4));
        assert!("8".parse::<Stage>().is_err());
        let e = "concept-desing".parse::<Stage>().unwrap_err();
        assert!(e.contains("did you mean `concept-design`"), "{e}");
        assert_eq!(Stage::from_json(&serde_json::json!(0)).map(Stage::number), Some(0));
        assert_eq!(Stage::from_json(&serde_json::json!("use")).map(Stage::number), Some(7));
        assert_eq!(Stage::from_json(&serde_json::json!(-1)), None);
    }
}
