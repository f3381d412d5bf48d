//! Quantities with units: parsed exactly, converted once to SI, the written text kept.
//!
//! The grammar is the one in `schemas/common.schema.json` (`[0-9]+(.[0-9]+)? ?unit`), so an
//! editor and the linter agree; this parser is the stricter of the two (it also rejects values
//! that overflow to infinity). A test checks both against the same samples.

use std::fmt;

/// The physical dimension of a quantity field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Length,
    Speed,
    Mass,
    Acceleration,
    Angle,
    Area,
}

impl Dimension {
    pub const ALL: [Dimension; 6] = [
        Dimension::Length,
        Dimension::Speed,
        Dimension::Mass,
        Dimension::Acceleration,
        Dimension::Angle,
        Dimension::Area,
    ];

    /// The name used in schemas (`x-standoff-quantity`) and messages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Length => "length",
            Dimension::Speed => "speed",
            Dimension::Mass => "mass",
            Dimension::Acceleration => "acceleration",
            Dimension::Angle => "angle",
            Dimension::Area => "area",
        }
    }

    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The units accepted for this dimension, in the order messages list them.
    pub fn units(self) -> impl Iterator<Item = &'static Unit> {
        UNITS.iter().filter(move |u| u.dimension == self)
    }

    /// Two examples to suggest for a bare number `n` (`48 km/h` or `30 mph`).
    fn examples(self, n: &str) -> String {
        match self {
            Dimension::Length => format!("`{n} m` or `{n} mm`"),
            Dimension::Speed => format!("`{n} km/h` or `{n} mph`"),
            Dimension::Mass => format!("`{n} kg` or `{n} t`"),
            Dimension::Acceleration => format!("`{n} m/s2`"),
            Dimension::Angle => format!("`{n} deg`"),
            Dimension::Area => format!("`{n} m2`"),
        }
    }

    fn unit_list(self) -> String {
        let symbols: Vec<&str> = self.units().map(|u| u.symbol).collect();
        symbols.join(", ")
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A unit: its symbol, dimension and factor to SI (m, m/s, kg, m/s², rad, m²).
#[derive(Debug, PartialEq)]
pub struct Unit {
    pub symbol: &'static str,
    pub dimension: Dimension,
    pub to_si: f64,
}

/// Every accepted unit (documents.md, "Values").
pub static UNITS: [Unit; 17] = [
    Unit {
        symbol: "m",
        dimension: Dimension::Length,
        to_si: 1.0,
    },
    Unit {
        symbol: "mm",
        dimension: Dimension::Length,
        to_si: 0.001,
    },
    Unit {
        symbol: "cm",
        dimension: Dimension::Length,
        to_si: 0.01,
    },
    Unit {
        symbol: "km",
        dimension: Dimension::Length,
        to_si: 1000.0,
    },
    Unit {
        symbol: "ft",
        dimension: Dimension::Length,
        to_si: 0.3048,
    },
    Unit {
        symbol: "in",
        dimension: Dimension::Length,
        to_si: 0.0254,
    },
    Unit {
        symbol: "km/h",
        dimension: Dimension::Speed,
        to_si: 1.0 / 3.6,
    },
    Unit {
        symbol: "mph",
        dimension: Dimension::Speed,
        to_si: 0.447_04,
    },
    Unit {
        symbol: "m/s",
        dimension: Dimension::Speed,
        to_si: 1.0,
    },
    Unit {
        symbol: "kg",
        dimension: Dimension::Mass,
        to_si: 1.0,
    },
    Unit {
        symbol: "t",
        dimension: Dimension::Mass,
        to_si: 1000.0,
    },
    Unit {
        symbol: "lb",
        dimension: Dimension::Mass,
        to_si: 0.453_592_37,
    },
    Unit {
        symbol: "m/s2",
        dimension: Dimension::Acceleration,
        to_si: 1.0,
    },
    Unit {
        symbol: "m/s²",
        dimension: Dimension::Acceleration,
        to_si: 1.0,
    },
    Unit {
        symbol: "deg",
        dimension: Dimension::Angle,
        to_si: std::f64::consts::PI / 180.0,
    },
    Unit {
        symbol: "m2",
        dimension: Dimension::Area,
        to_si: 1.0,
    },
    Unit {
        symbol: "m²",
        dimension: Dimension::Area,
        to_si: 1.0,
    },
];

/// A parsed quantity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantity {
    /// The number as written.
    pub value: f64,
    pub unit: &'static Unit,
}

impl Quantity {
    /// The value in SI units.
    #[must_use]
    pub fn si(&self) -> f64 {
        self.value * self.unit.to_si
    }

    #[must_use]
    pub fn dimension(&self) -> Dimension {
        self.unit.dimension
    }

    /// The value in `unit` (same dimension assumed).
    #[must_use]
    pub fn in_unit(&self, unit: &Unit) -> f64 {
        self.si() / unit.to_si
    }
}

/// Why a value is not a quantity of the expected dimension. `Display` is the message.
#[derive(Clone, Debug, PartialEq)]
pub enum QuantityError {
    /// A number without a unit.
    BareNumber { number: String, expected: Dimension },
    /// A negative value.
    Negative { text: String },
    /// A number too large to represent.
    NonFinite { text: String },
    /// A known unit of another dimension.
    WrongDimension {
        text: String,
        found: Dimension,
        expected: Dimension,
    },
    /// A number followed by something that is not a unit.
    UnknownUnit {
        text: String,
        unit: String,
        expected: Option<Dimension>,
        suggestion: Option<String>,
    },
    /// Not of the form `<number> <unit>`.
    Malformed { text: String, expected: Option<Dimension> },
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::text::quote;
        match self {
            QuantityError::BareNumber { number, expected } => {
                write!(f, "`{number}` has no unit: write {}", expected.examples(number))
            }
            QuantityError::Negative { text } => {
                write!(f, "`{}` is negative; quantities here are never negative", quote(text))
            }
            QuantityError::NonFinite { text } => {
                write!(f, "`{}` is not a finite number", quote(text))
            }
            QuantityError::WrongDimension { text, found, expected } => write!(
                f,
                "`{}` is a {found}, but this field is a {expected} (units: {})",
                quote(text),
                expected.unit_list()
            ),
            QuantityError::UnknownUnit {
                text,
                unit,
                expected,
                suggestion,
            } => {
                write!(f, "`{}` has an unknown unit `{}`", quote(text), quote(unit))?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean `{}`?", quote(s))?;
                } else if let Some(d) = expected {
                    write!(f, "; a {d} takes {}", d.unit_list())?;
                }
                Ok(())
            }
            QuantityError::Malformed { text, expected } => {
                write!(f, "`{}` is not a quantity: write a number and a unit", quote(text))?;
                if let Some(d) = expected {
                    write!(f, ", e.g. {}", d.examples("10"))?;
                }
                Ok(())
            }
        }
    }
}

/// Parses `text` as a quantity of any dimension.
pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
    parse_inner(text, None)
}

/// Parses `text` as a quantity of `expected`.
pub fn parse_as(text: &str, expected: Dimension) -> Result<Quantity, QuantityError> {
    parse_inner(text, Some(expected))
}

/// Checks a JSON value in a quantity field (a bare number gets its own message).
pub fn check_value(value: &serde_json::Value, expected: Dimension) -> Result<Quantity, QuantityError> {
    match value {
        serde_json::Value::String(text) => parse_as(text, expected),
        serde_json::Value::Number(n) => {
            let number = n.to_string();
            if n.as_f64().is_some_and(|v| v < 0.0) {
                Err(QuantityError::Negative { text: number })
            } else {
                Err(QuantityError::BareNumber { number, expected })
            }
        }
        other => Err(QuantityError::Malformed {
            text: other.to_string(),
            expected: Some(expected),
        }),
    }
}

fn parse_inner(text: &str, expected: Option<Dimension>) -> Result<Quantity, QuantityError> {
    let owned = || text.to_owned();
    if let Some(rest) = text.strip_prefix('-')
        && parse_inner(rest, expected).is_ok()
    {
        return Err(QuantityError::Negative { text: owned() });
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if i == 0 {
        return Err(QuantityError::Malformed {
            text: owned(),
            expected,
        });
    }
    if bytes.get(i) == Some(&b'.') {
        let frac_start = i + 1;
        let mut j = frac_start;
        while bytes.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j == frac_start {
            return Err(QuantityError::Malformed {
                text: owned(),
                expected,
            });
        }
        i = j;
    }
    let number = &text[..i];
    let rest = &text[i..];
    let unit_text = rest.strip_prefix(' ').unwrap_or(rest);
    if unit_text.is_empty() {
        return Err(match expected {
            Some(expected) => QuantityError::BareNumber {
                number: number.to_owned(),
                expected,
            },
            None => QuantityError::Malformed {
                text: owned(),
                expected,
            },
        });
    }
    let Some(unit) = UNITS.iter().find(|u| u.symbol == unit_text) else {
        let looks_like_unit = unit_text.chars().next().is_some_and(char::is_alphabetic)
            && !unit_text
                .chars()
                .any(|c| c.is_whitespace() || c.is_ascii_digit() && c != '2');
        if !looks_like_unit {
            return Err(QuantityError::Malformed {
                text: owned(),
                expected,
            });
        }
        let candidates = UNITS
            .iter()
            .filter(|u| expected.is_none_or(|d| u.dimension == d))
            .map(|u| u.symbol);
        let suggestion = crate::text::did_you_mean(unit_text, candidates).map(|s| format!("{number} {s}"));
        return Err(QuantityError::UnknownUnit {
            text: owned(),
            unit: unit_text.to_owned(),
            expected,
            suggestion,
        });
    };
    if let Some(expected) = expected
        && unit.dimension != expected
    {
        return Err(QuantityError::WrongDimension {
            text: owned(),
            found: unit.dimension,
            expected,
        });
    }
    let value: f64 = number.parse().map_err(|_| QuantityError::Malformed {
        text: owned(),
        expected,
    })?;
    if !value.is_finite() || !(value * unit.to_si).is_finite() {
        return Err(QuantityError::NonFinite { text: owned() });
    }
    Ok(Quantity { value, unit })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn si(text: &str) -> f64 {
        parse(text).map_or(f64::NAN, |q| q.si())
    }

    #[test]
    fn converts_to_si() {
        assert!((si("1200 mm") - 1.2).abs() < 1e-12);
        assert!((si("4 ft") - 1.2192).abs() < 1e-12);
        assert!((si("48 km/h") - 13.333_333_333_333_334).abs() < 1e-9);
        assert!((si("30 mph") - 13.4112).abs() < 1e-9);
        assert!((si("7.5 t") - 7500.0).abs() < 1e-9);
        assert!((si("2.5 m/s²") - 2.5).abs() < 1e-12);
        assert!((si("12m") - 12.0).abs() < 1e-12);
    }

    #[test]
    fn errors_say_what_to_write() {
        let e = check_value(&serde_json::json!(48), Dimension::Speed).unwrap_err();
        assert_eq!(e.to_string(), "`48` has no unit: write `48 km/h` or `48 mph`");
        let e = parse_as("48 kg", Dimension::Speed).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`48 kg` is a mass, but this field is a speed (units: km/h, mph, m/s)"
        );
        let e = parse_as("48 kph", Dimension::Speed).unwrap_err();
        assert!(matches!(e, QuantityError::UnknownUnit { .. }), "{e}");
        let e = parse_as("48 KM/H", Dimension::Speed).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`48 KM/H` has an unknown unit `KM/H`; did you mean `48 km/h`?"
        );
        assert!(matches!(
            parse_as("-5 m", Dimension::Length),
            Err(QuantityError::Negative { .. })
        ));
        assert!(matches!(
            parse_as("1e3 m", Dimension::Length),
            Err(QuantityError::Malformed { .. })
        ));
        assert!(matches!(
            parse_as("48", Dimension::Speed),
            Err(QuantityError::BareNumber { .. })
        ));
        let huge = format!("{} m", "9".repeat(400));
        assert!(matches!(
            parse_as(&huge, Dimension::Length),
            Err(QuantityError::NonFinite { .. })
        ));
        assert!(matches!(
            parse_as("1,200 mm", Dimension::Length),
            Err(QuantityError::Malformed { .. })
        ));
        assert!(matches!(
            parse_as("12  m", Dimension::Length),
            Err(QuantityError::Malformed { .. })
        ));
        assert!(matches!(
            parse_as(". m", Dimension::Length),
            Err(QuantityError::Malformed { .. })
        ));
        assert!(matches!(
            parse_as("1. m", Dimension::Length),
            Err(QuantityError::Malformed { .. })
        ));
    }
}
