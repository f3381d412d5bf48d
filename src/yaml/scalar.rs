//! YAML 1.2 core-schema resolution of scalars (<https://yaml.org/spec/1.2.2/#103-core-schema>).
//!
//! `no`, `yes`, `on` and `off` are strings (the "Norway problem" does not exist in 1.2).
//! JSON has no infinities or NaN, so `.inf` and `.nan` (and floats that overflow) stay strings:
//! a schema then reports them as the wrong type instead of them turning silently into `null`.

use saphyr_parser::{ScalarStyle, Tag};
use serde_json::{Number, Value};

/// Why a tagged scalar could not be resolved.
pub(crate) struct TagMismatch {
    pub(crate) tag: &'static str,
}

/// Resolves one scalar event into a JSON value.
pub(crate) fn resolve(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, TagMismatch> {
    if let Some(tag) = tag {
        if tag.is_yaml_core_schema() {
            return resolve_core_tag(text, &tag.suffix);
        }
        // The non-specific tag `!` forces a string; other local or global tags are not part of
        // the design-document model and are ignored (the value is read as if untagged).
        let non_specific = (tag.handle == "!" && tag.suffix.is_empty()) || (tag.handle.is_empty() && tag.suffix == "!");
        if non_specific {
            return Ok(Value::String(text.to_owned()));
        }
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_owned()));
    }
    Ok(resolve_plain(text))
}

fn resolve_core_tag(text: &str, suffix: &str) -> Result<Value, TagMismatch> {
    let mismatch = |tag| Err(TagMismatch { tag });
    match suffix {
        "str" => Ok(Value::String(text.to_owned())),
        "null" => match text {
            "" | "~" | "null" | "Null" | "NULL" => Ok(Value::Null),
            _ => mismatch("!!null"),
        },
        "bool" => parse_bool(text).map_or_else(|| mismatch("!!bool"), |b| Ok(Value::Bool(b))),
        "int" => parse_int(text).map_or_else(|| mismatch("!!int"), |n| Ok(Value::Number(n))),
        "float" => match parse_int(text).or_else(|| parse_float(text)) {
            Some(n) => Ok(Value::Number(n)),
            None => mismatch("!!float"),
        },
        _ => Ok(resolve_plain(text)),
    }
}

/// Core-schema resolution of an untagged plain scalar.
pub(crate) fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = parse_bool(text) {
        return Value::Bool(b);
    }
    // Only text that starts like a number can be one; skip the parsers for everything else.
    let first = text.as_bytes()[0];
    if (first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.'))
        && let Some(n) = parse_int(text).or_else(|| parse_float(text))
    {
        return Value::Number(n);
    }
    Value::String(text.to_owned())
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`. Out-of-range integers become floats.
fn parse_int(text: &str) -> Option<Number> {
    if let Some(octal) = text.strip_prefix("0o") {
        return radix(octal, 8);
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return radix(hex, 16);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Ok(i) = text.parse::<i64>() {
        return Some(Number::from(i));
    }
    if let Ok(u) = digits.parse::<u64>()
        && !text.starts_with('-')
    {
        return Some(Number::from(u));
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

fn radix(digits: &str, base: u32) -> Option<Number> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(base)) {
        return None;
    }
    match u64::from_str_radix(digits, base) {
        Ok(u) => Some(Number::from(u)),
        Err(_) => None,
    }
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`; infinities and NaN are not numbers
/// in JSON, so they are left to the caller as strings.
fn parse_float(text: &str) -> Option<Number> {
    let bytes = text.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'-' | b'+')));
    let int_start = i;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac_digits = i - frac_start;
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn core_schema_plain_scalars() {
        let cases = [
            ("", json!(null)),
            ("~", json!(null)),
            ("NULL", json!(null)),
            ("true", json!(true)),
            ("False", json!(false)),
            ("no", json!("no")),
            ("yes", json!("yes")),
            ("on", json!("on")),
            ("NO", json!("NO")),
            ("12", json!(12)),
            ("-12", json!(-12)),
            ("+12", json!(12)),
            ("012", json!(12)),
            ("0o17", json!(15)),
            ("0x1F", json!(31)),
            ("0x", json!("0x")),
            ("1.5", json!(1.5)),
            ("1.", json!(1.0)),
            (".5", json!(0.5)),
            ("-1e3", json!(-1000.0)),
            ("1e", json!("1e")),
            (".", json!(".")),
            ("-", json!("-")),
            (".inf", json!(".inf")),
            (".nan", json!(".nan")),
            ("1e999", json!("1e999")),
            ("18446744073709551615", json!(18_446_744_073_709_551_615_u64)),
            ("85 m", json!("85 m")),
            ("2026-01-01", json!("2026-01-01")),
        ];
        for (text, expected) in cases {
            assert_eq!(resolve_plain(text), expected, "{text:?}");
        }
    }

    #[test]
    fn quoted_scalars_are_strings() {
        let v = resolve("12", ScalarStyle::DoubleQuoted, None).ok();
        assert_eq!(v, Some(json!("12")));
    }

    #[test]
    fn core_tags_override_style() {
        let int = Tag {
            handle: "tag:yaml.org,2002:".into(),
            suffix: "int".into(),
        };
        let str_tag = Tag {
            handle: "tag:yaml.org,2002:".into(),
            suffix: "str".into(),
        };
        assert_eq!(
            resolve("12", ScalarStyle::DoubleQuoted, Some(&int)).ok(),
            Some(json!(12))
        );
        assert_eq!(
            resolve("12", ScalarStyle::Plain, Some(&str_tag)).ok(),
            Some(json!("12"))
        );
        assert!(resolve("twelve", ScalarStyle::Plain, Some(&int)).is_err());
    }
}
