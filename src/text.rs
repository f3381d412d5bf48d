//! Text helpers: quoting document values safely, "did you mean", and line/column lookup.

use std::fmt::Write as _;

/// Characters that must never reach a terminal or a CI log raw, whatever their origin (a
/// document, a file name, a rule pack from disk, a waiver or config file): C0/C1 controls and
/// DEL (tab and line breaks are left to the caller), Unicode bidirectional controls, which can
/// make displayed text differ from what is checked ("Trojan Source", CVE-2021-42574), and
/// characters that print as nothing (zero-width and other format characters, the byte-order
/// mark, line and paragraph separators, tags, Hangul fillers) or that XML 1.0 forbids
/// (U+FFFE, U+FFFF; every noncharacter is refused with them).
#[must_use]
pub fn is_unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{ad}' | '\u{34f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fdd0}'..='\u{fdef}' | '\u{feff}' | '\u{ffa0}'
        | '\u{fff9}'..='\u{fffb}' | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}')
        || ((c as u32) & 0xfffe) == 0xfffe
}

/// Characters XML 1.0 does not allow anywhere in a document (its `Char` production): C0
/// controls other than tab, line feed and carriage return, and U+FFFE, U+FFFF. (Lone surrogates
/// cannot occur in a Rust string.) Every one of them is also [`is_unsafe_char`].
#[must_use]
pub fn is_xml_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// The one escaping function for text bound for a terminal or a CI log: every unsafe character
/// (and a carriage return, which rewinds the line) written as `\u{..}`, line feeds and tabs
/// kept. The result holds no character that [`is_unsafe_char`] or [`is_xml_forbidden`] refuse,
/// so it is also safe inside XML. Borrowed when there is nothing to escape.
#[must_use]
pub fn terminal(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c == '\r' || is_unsafe_char(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c == '\r' || is_unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`terminal`] for text that must stay on one line (a file name, a title, a field): line
/// feeds and tabs escaped too, as `\n` and `\t`.
#[must_use]
pub fn terminal_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| matches!(c, '\n' | '\r' | '\t') || is_unsafe_char(c))
    {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(quote_up_to(text, usize::MAX))
}

/// JSON text made safe for a terminal without changing what it means: every unsafe character
/// (which in serialized JSON can only stand inside a string) written as a JSON `\uXXXX` escape.
#[must_use]
pub fn json_terminal(json: &str) -> std::borrow::Cow<'_, str> {
    if !json.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe_char(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A path as the path of an RFC 3986 relative reference: every byte but the unreserved
/// characters (`A-Z a-z 0-9 - . _ ~`) and the `/` separator percent-encoded, so spaces, `#`,
/// `?`, `%`, `:` (which would read as a scheme), controls and non-ASCII (as its UTF-8 bytes)
/// can never change what the reference means. `Site plan #2.yaml` is `Site%20plan%20%232.yaml`.
#[must_use]
pub fn uri_path(path: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(path.len());
    for &b in path {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 0xf)]));
        }
    }
    out
}

/// A URI written by hand (a rule source's URL in a pack) made a valid URI without changing one
/// that already is: each byte that may not appear in a URI (space, controls, the characters
/// `"`, `<`, `>`, `\`, `^`, a backquote, `{`, `|`, `}`, brackets outside the host, non-ASCII)
/// percent-encoded; reserved characters and existing `%XX` escapes kept.
#[must_use]
pub fn uri_clean(uri: &str) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    // `[` and `]` are allowed only around an IPv6 host, in the authority.
    let authority_end = uri.find("://").map_or(0, |i| {
        i + 3 + uri[i + 3..].find(['/', '?', '#']).unwrap_or(uri.len() - i - 3)
    });
    let mut out = String::with_capacity(uri.len());
    for (i, &b) in uri.as_bytes().iter().enumerate() {
        let bracket_outside_host = matches!(b, b'[' | b']') && i >= authority_end;
        if b.is_ascii_graphic() && !b"\"<>\\^`{|}".contains(&b) && !bracket_outside_host {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 0xf)]));
        }
    }
    out
}

/// Longest document value quoted in a message, in characters.
const QUOTE_MAX_CHARS: usize = 60;

/// Longest computed text (a rule's `{= ...}`, such as the reason for a Martyn's Law tier) in a
/// message, in characters: computed texts are sentences, so they get more room than a value.
pub const COMPUTED_MAX_CHARS: usize = 240;

/// A document value made safe to quote in a message: unsafe characters and line breaks escaped
/// as `\u{..}`/`\n`, and long values shortened with `…`.
#[must_use]
pub fn quote(value: &str) -> String {
    quote_up_to(value, QUOTE_MAX_CHARS)
}

/// [`quote`] with its own length limit, in characters.
#[must_use]
pub fn quote_up_to(value: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(value.len().min(max_chars.saturating_mul(2)));
    for (n, c) in value.chars().enumerate() {
        if n == max_chars {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text made safe for a terminal or a CI log, keeping line breaks: [`terminal`], owned.
#[must_use]
pub fn quote_multiline(text: &str) -> String {
    terminal(text).into_owned()
}

/// The source text with every unsafe character replaced by one of the same UTF-8 length, so
/// byte spans stay valid while nothing hostile reaches the terminal.
#[must_use]
pub fn sanitize_source(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe_char(c) {
            match c.len_utf8() {
                1 => out.push('?'),
                2 => out.push('\u{bf}'),
                3 => out.push('\u{fffd}'),
                _ => out.push_str("?\u{fffd}"),
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The closest option to `input`, if it is close enough to be a likely typo.
#[must_use]
pub fn did_you_mean<'a, I>(input: &str, options: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    near(input, options).first().map(|&(_, option)| option)
}

/// The options within the "did you mean" budget of `input` (a third of its length, 1 to 3
/// edits, case ignored), nearest first, ties by name.
fn near<'a, I>(input: &str, options: I) -> Vec<(usize, &'a str)>
where
    I: IntoIterator<Item = &'a str>,
{
    let input_lower = input.to_lowercase();
    let budget = (input.chars().count() / 3).clamp(1, 3);
    let mut ranked: Vec<(usize, &str)> = options
        .into_iter()
        .map(|option| (levenshtein(&input_lower, &option.to_lowercase()), option))
        .filter(|(distance, _)| *distance <= budget)
        .collect();
    ranked.sort_unstable();
    ranked.dedup();
    ranked
}

/// The one option a mistyped `input` certainly means, for a fix applied without asking: the
/// nearest within the "did you mean" budget, and no other as near.
#[must_use]
pub fn clear_match<'a, I>(input: &str, options: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let ranked: Vec<(usize, &str)> = near(input, options)
        .into_iter()
        .filter(|(_, option)| *option != input)
        .collect();
    match ranked.as_slice() {
        [(_, only)] => Some(*only),
        [(best, option), (next, _), ..] if best < next => Some(*option),
        _ => None,
    }
}

/// How `replacement` is written over the scalar `written` (the text a span covers) so the
/// YAML still reads it as that string: in the same quotes when `written` is quoted, plain
/// otherwise. `None` when it cannot be written so without escapes, or plain YAML would read it
/// as something other than a string.
#[must_use]
pub fn scalar_replacement(written: &str, replacement: &str) -> Option<String> {
    let simple = replacement
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && replacement.starts_with(|c: char| c.is_ascii_alphabetic());
    // Only a scalar written on one line, as itself: a block scalar (`|`, `>`) or one with an
    // anchor, a tag or an alias holds more than its value, and written over would lose it.
    if !simple || written.contains(['\n', '\r']) || written.starts_with(['|', '>', '&', '!', '*']) {
        return None;
    }
    let quote = written.chars().next().filter(|c| matches!(c, '"' | '\''));
    match quote {
        Some(q) if written.len() >= 2 && written.ends_with(q) => Some(format!("{q}{replacement}{q}")),
        Some(_) => None,
        None => {
            let lower = replacement.to_ascii_lowercase();
            let reads_as_other = matches!(
                lower.as_str(),
                "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "nan" | "inf"
            );
            (!reads_as_other).then(|| replacement.to_owned())
        }
    }
}

/// Edit distance in characters: insertions, deletions, substitutions and transpositions of
/// neighbours (the optimal string alignment distance), so `Stie` is one edit from `Site`.
/// `strsim` (already in the tree through clap) computes it.
#[must_use]
pub fn levenshtein(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// Line starts of a text, for 1-based line and column (in characters) of a byte offset.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
}

/// A 1-based line and column; the column counts Unicode scalar values (SARIF's
/// `unicodeCodePoints`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl LineIndex {
    /// Lines end at `\n`, `\r\n` or a lone `\r`, as in YAML.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i as u32 + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i as u32 + 1),
                _ => {}
            }
            i += 1;
        }
        Self { starts }
    }

    #[must_use]
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(text.len() as u32);
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0) as usize;
        let column = text.get(start..offset as usize).map_or(0, |s| s.chars().count());
        LineCol {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    /// The byte offset where the line holding `offset` ends (before its line break).
    #[must_use]
    pub fn line_end(&self, text: &str, offset: u32) -> u32 {
        let line = self.starts.partition_point(|&s| s <= offset);
        let next = self.starts.get(line).copied().unwrap_or(text.len() as u32);
        let mut end = next;
        let bytes = text.as_bytes();
        while end > offset && matches!(bytes.get(end as usize - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        end.max(offset)
    }
}

/// Lowercase hexadecimal of bytes (digests).
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// `1 error`, `2 errors`.
#[must_use]
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Text wrapped to `width` columns (display width), each line starting with `indent`, ending in a
/// line feed (nothing for empty text). White space, line feeds included, is collapsed first, and
/// lines break only at spaces, never inside a word (a long one overflows).
#[must_use]
pub fn wrap(text: &str, indent: &str, width: usize) -> String {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        return String::new();
    }
    let options = textwrap::Options::new(width)
        .initial_indent(indent)
        .subsequent_indent(indent)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit);
    let mut out = textwrap::fill(&words, options);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_and_shortens() {
        assert_eq!(quote("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(quote("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(quote("line\nnext"), "line\\nnext");
        let long = "x".repeat(100);
        assert_eq!(quote(&long).chars().count(), QUOTE_MAX_CHARS + 1);
    }

    #[test]
    fn uri_paths_are_relative_references() {
        assert_eq!(uri_path(b"Site plan #2.yaml"), "Site%20plan%20%232.yaml");
        assert_eq!(uri_path("dir/café?.yaml".as_bytes()), "dir/caf%C3%A9%3F.yaml");
        assert_eq!(uri_path(b"C:/x\xff%.yaml"), "C%3A/x%FF%25.yaml");
        assert_eq!(
            uri_clean("https://example.org/a?b=c#d%20e"),
            "https://example.org/a?b=c#d%20e"
        );
        assert_eq!(
            uri_clean("https://example.org/\u{1b}]0 é"),
            "https://example.org/%1B%5D0%20%C3%A9"
        );
        assert_eq!(uri_clean("http://[::1]:8080/a[1]"), "http://[::1]:8080/a%5B1%5D");
    }

    #[test]
    fn terminal_escapes_every_unsafe_character() {
        let hostile = "a\u{1b}]0;pwned\u{7}b\u{1b}[2J\u{202e}c\u{fffe}\u{ffff}\u{200b}\u{feff}\u{2028}\u{e0041}\r\n\td";
        let shown = terminal(hostile);
        assert!(
            !shown
                .chars()
                .any(|c| is_unsafe_char(c) || is_xml_forbidden(c) || c == '\r'),
            "{shown}"
        );
        assert!(shown.contains("\\u{1b}]0;pwned\\u{7}") && shown.contains("\\u{202e}") && shown.contains("\n\td"));
        assert!(matches!(terminal("plain café\n"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(terminal_line("a\nb\u{1b}"), "a\\nb\\u{1b}");
        assert_eq!(json_terminal("\"a\u{202e}\u{e0041}\""), "\"a\\u202e\\udb40\\udc41\"");
        for c in (0..=0x10_ffffu32).filter_map(char::from_u32) {
            assert!(!is_xml_forbidden(c) || is_unsafe_char(c), "{c:?}");
        }
    }

    #[test]
    fn sanitize_keeps_byte_length() {
        let text = "a\u{1b}b\u{85}c\u{202e}d\u{e0041}e";
        let clean = sanitize_source(text);
        assert_eq!(clean.len(), text.len());
        assert!(!clean.chars().any(is_unsafe_char));
    }

    #[test]
    fn a_clear_match_has_no_rival() {
        assert_eq!(clear_match("Stie", ["Site", "Event"]), Some("Site"));
        assert_eq!(clear_match("impactSpeeed", ["impactSpeed", "id"]), Some("impactSpeed"));
        // Two as near: not certain.
        assert_eq!(clear_match("bat", ["cat", "hat"]), None);
        assert_eq!(clear_match("zzzzzz", ["Site"]), None);
        // Only case differs: certain.
        assert_eq!(clear_match("site", ["Site", "Event"]), Some("Site"));
    }

    #[test]
    fn replacements_keep_the_scalar_a_string() {
        assert_eq!(scalar_replacement("Stie", "Site").as_deref(), Some("Site"));
        assert_eq!(scalar_replacement("\"Stie\"", "Site").as_deref(), Some("\"Site\""));
        assert_eq!(scalar_replacement("'Stie'", "Site").as_deref(), Some("'Site'"));
        assert_eq!(scalar_replacement("nx", "no"), None);
        assert_eq!(scalar_replacement("ab", "a b"), None);
        assert_eq!(scalar_replacement("\"ab", "ab"), None);
        // Block scalars, anchors, tags and multi-line scalars are never written over.
        assert_eq!(scalar_replacement("|-\n  pedestrain", "pedestrian"), None);
        assert_eq!(scalar_replacement(">\n  pedestrain\n", "pedestrian"), None);
        assert_eq!(scalar_replacement("&t pedestrain", "pedestrian"), None);
        assert_eq!(scalar_replacement("!!str pedestrain", "pedestrian"), None);
        assert_eq!(scalar_replacement("\"pedes\n  train\"", "pedestrian"), None);
    }

    #[test]
    fn suggestions() {
        let kinds = ["Project", "Site", "BarrierSchedule"];
        assert_eq!(did_you_mean("Sites", kinds), Some("Site"));
        assert_eq!(did_you_mean("barrierschedule", kinds), Some("BarrierSchedule"));
        assert_eq!(did_you_mean("Event", kinds), None);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("Stie", "Site"), 1);
        assert_eq!(levenshtein("", "abc"), 3);
    }

    #[test]
    fn line_columns_with_crlf_and_unicode() {
        let text = "ab\r\nçd\ne";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(text, 4), LineCol { line: 2, column: 1 });
        assert_eq!(index.line_col(text, 6), LineCol { line: 2, column: 2 });
        assert_eq!(index.line_col(text, 8), LineCol { line: 3, column: 1 });
        assert_eq!(index.line_end(text, 0), 2);
        let lone_cr = "a\rb";
        assert_eq!(LineIndex::new(lone_cr).line_col(lone_cr, 2).line, 2);
    }
}
