//! Where things are, as the editor counts: byte offsets of the checked text as LSP positions in
//! the negotiated encoding (UTF-16 code units unless the client offers UTF-8), and `file:` URIs
//! as paths and back.

use std::path::{Path, PathBuf};

use lsp_types::{Position, PositionEncodingKind, Range, Uri};

use crate::yaml::Span;

/// How a position's `character` counts (LSP 3.17 `positionEncoding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    /// The server's choice among what the client offers: UTF-8 when offered (no conversion),
    /// else UTF-16, which every client must accept.
    pub(crate) fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        let offered = offered.unwrap_or_default();
        if offered.contains(&PositionEncodingKind::UTF8) {
            Self::Utf8
        } else if offered.is_empty() || offered.contains(&PositionEncodingKind::UTF16) {
            Self::Utf16
        } else if offered.contains(&PositionEncodingKind::UTF32) {
            Self::Utf32
        } else {
            Self::Utf16
        }
    }

    pub(crate) fn kind(self) -> PositionEncodingKind {
        match self {
            Self::Utf8 => PositionEncodingKind::UTF8,
            Self::Utf16 => PositionEncodingKind::UTF16,
            Self::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    fn width(self, text: &str) -> u32 {
        let units = match self {
            Self::Utf8 => text.len(),
            Self::Utf16 => text.encode_utf16().count(),
            Self::Utf32 => text.chars().count(),
        };
        u32::try_from(units).unwrap_or(u32::MAX)
    }
}

/// The starts of a text's lines, to turn byte offsets into positions.
pub(crate) struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
    /// Added to every offset given (the bytes the text has before the one the offsets count in).
    shift: usize,
}

impl<'t> Lines<'t> {
    /// Lines end at `\n`, `\r\n` or a lone `\r`, as in YAML and LSP.
    pub(crate) fn new(text: &'t str) -> Self {
        Self::shifted(text, 0)
    }

    /// The lines of `text`, for offsets into the text after its first `shift` bytes.
    pub(crate) fn shifted(text: &'t str, shift: usize) -> Self {
        let bytes = text.as_bytes();
        let starts = std::iter::once(0)
            .chain(bytes.iter().enumerate().filter_map(|(i, &b)| {
                let ends = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
                ends.then_some(i + 1)
            }))
            .collect();
        Self { text, starts, shift }
    }

    /// The byte offset of a position (clamped to its line, and a line past the end to the end).
    pub(crate) fn offset(&self, position: Position, encoding: Encoding) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let line = self.line(position.line);
        let mut units = 0u32;
        for (i, c) in line.char_indices() {
            if units >= position.character {
                return start + i;
            }
            units += match encoding {
                Encoding::Utf8 => u32::try_from(c.len_utf8()).unwrap_or(4),
                Encoding::Utf16 => u32::try_from(c.len_utf16()).unwrap_or(2),
                Encoding::Utf32 => 1,
            };
        }
        start + line.len()
    }

    /// The position of a byte offset (clamped to the text, and back to a character boundary).
    pub(crate) fn position(&self, offset: u32, encoding: Encoding) -> Position {
        let mut offset = (offset as usize).saturating_add(self.shift).min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let before = self.text.get(start..offset).unwrap_or_default();
        Position::new(u32::try_from(line).unwrap_or(u32::MAX), encoding.width(before))
    }

    pub(crate) fn range(&self, span: Span, encoding: Encoding) -> Range {
        Range::new(self.position(span.start, encoding), self.position(span.end, encoding))
    }

    /// The text of a 0-based line, without its line break.
    pub(crate) fn line(&self, line: u32) -> &'t str {
        let Some(&start) = self.starts.get(line as usize) else {
            return "";
        };
        let end = self.starts.get(line as usize + 1).map_or(self.text.len(), |&e| e);
        self.text
            .get(start..end)
            .unwrap_or_default()
            .trim_end_matches(['\n', '\r'])
    }
}

/// Whether `position` lies in `range` (its end included, so a cursor just after a value counts).
pub(crate) fn contains(range: &Range, position: Position) -> bool {
    let at = (position.line, position.character);
    (range.start.line, range.start.character) <= at && at <= (range.end.line, range.end.character)
}

/// Whether two ranges meet (touching counts: an empty selection at a finding's edge).
pub(crate) fn overlaps(a: &Range, b: &Range) -> bool {
    let key = |p: Position| (p.line, p.character);
    // A range given end first is the same range.
    let ordered = |r: &Range| {
        let (s, e) = (key(r.start), key(r.end));
        (s.min(e), s.max(e))
    };
    let ((a_start, a_end), (b_start, b_end)) = (ordered(a), ordered(b));
    a_start <= b_end && b_start <= a_end
}

/// The local path of a `file:` URI (no host, or `localhost`), percent-decoded; `None` for any
/// other URI (an unsaved `untitled:` buffer has no tree to judge it in).
pub(crate) fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    // The scheme is case-insensitive (RFC 3986).
    let text = uri.as_str();
    let rest = text
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("file://"))
        .and_then(|_| text.get(7..))?;
    let slash = rest.find('/')?;
    let (host, path) = rest.split_at(slash);
    if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
    if cfg!(windows) {
        // `/C:/Users/...` is `C:/Users/...`.
        let trimmed = decoded.strip_prefix('/').unwrap_or(&decoded);
        return Some(PathBuf::from(trimmed.replace('/', "\\")));
    }
    Some(PathBuf::from(decoded.as_ref()))
}

/// The `file:` URI of an absolute path.
pub(crate) fn path_to_uri(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    let text = if cfg!(windows) {
        format!("/{}", text.replace('\\', "/"))
    } else {
        text.to_owned()
    };
    format!("file://{}", crate::text::uri_path(text.as_bytes()))
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_in_the_negotiated_encoding() {
        // é is 2 bytes and 1 UTF-16 unit; 🚧 is 4 bytes and 2 units.
        let text = "a: x\nb: é🚧 48\n";
        let lines = Lines::new(text);
        let offset = u32::try_from(text.find("48").unwrap()).unwrap();
        assert_eq!(lines.position(offset, Encoding::Utf8), Position::new(1, 10));
        assert_eq!(lines.position(offset, Encoding::Utf16), Position::new(1, 7));
        assert_eq!(lines.position(offset, Encoding::Utf32), Position::new(1, 6));
        assert_eq!(lines.line(1), "b: é🚧 48");
        // Past the end and inside a character: clamped, never a panic.
        assert_eq!(lines.position(999, Encoding::Utf16), Position::new(2, 0));
        let inside = u32::try_from(text.find('é').unwrap() + 1).unwrap();
        assert_eq!(lines.position(inside, Encoding::Utf8), Position::new(1, 3));
    }

    #[test]
    fn lone_carriage_returns_end_lines_and_positions_map_back_to_offsets() {
        let text = "a: 1\rb: é🚧 2\r\nc: 3";
        let lines = Lines::new(text);
        let two = u32::try_from(text.find('2').unwrap()).unwrap();
        assert_eq!(lines.position(two, Encoding::Utf16), Position::new(1, 7));
        assert_eq!(lines.line(1), "b: é🚧 2");
        assert_eq!(lines.line(2), "c: 3");
        for encoding in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            let at = lines.position(two, encoding);
            assert_eq!(lines.offset(at, encoding), two as usize, "{encoding:?}");
        }
        // Past a line's end: its end; past the last line: the text's end.
        assert_eq!(lines.offset(Position::new(0, 99), Encoding::Utf16), 4);
        assert_eq!(lines.offset(Position::new(9, 0), Encoding::Utf16), text.len());
        // Offsets into the text after a byte-order mark.
        let bom = "\u{feff}kind: Stie";
        assert_eq!(Lines::shifted(bom, 3).position(6, Encoding::Utf16), Position::new(0, 7));
    }

    #[test]
    fn reversed_ranges_overlap_as_their_ordered_selves() {
        let finding = Range::new(Position::new(3, 4), Position::new(3, 9));
        let reversed = Range::new(Position::new(3, 8), Position::new(3, 5));
        assert!(overlaps(&finding, &reversed));
        assert!(overlaps(
            &finding,
            &Range::new(Position::new(4, 0), Position::new(2, 9))
        ));
        assert!(!overlaps(
            &finding,
            &Range::new(Position::new(5, 0), Position::new(4, 0))
        ));
    }

    #[test]
    fn negotiation_prefers_utf8_and_defaults_to_utf16() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&both)), Encoding::Utf8);
        assert_eq!(
            Encoding::negotiate(Some(&[PositionEncodingKind::UTF32])),
            Encoding::Utf32
        );
    }

    #[test]
    fn file_uris_round_trip() {
        if cfg!(windows) {
            return;
        }
        let path = Path::new("/tmp/Site plan #2/é.yaml");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/Site%20plan%20%232/%C3%A9.yaml");
        assert_eq!(uri_to_path(&uri).as_deref(), Some(path));
        let localhost: Uri = "file://localhost/tmp/a.yaml".parse().unwrap();
        assert_eq!(uri_to_path(&localhost).as_deref(), Some(Path::new("/tmp/a.yaml")));
        let untitled: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(uri_to_path(&untitled), None);
        let upper: Uri = "FILE:///tmp/a.yaml".parse().unwrap();
        assert_eq!(uri_to_path(&upper).as_deref(), Some(Path::new("/tmp/a.yaml")));
        let remote: Uri = "file://server/share/a.yaml".parse().unwrap();
        assert_eq!(uri_to_path(&remote), None);
    }
}
