//! Character index → byte offset conversion.
//!
//! `saphyr-parser` reports positions as character indices; miette and every output format
//! want byte offsets. ASCII files (the common case) convert for free; others use a
//! checkpoint every [`STEP`] characters and decode at most `STEP - 1` characters per lookup.

const STEP: usize = 64;

pub(crate) struct Offsets<'a> {
    text: &'a str,
    /// Byte offset of every `STEP`-th character; empty for ASCII text.
    checkpoints: Vec<u32>,
    ascii: bool,
}

impl<'a> Offsets<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        if text.is_ascii() {
            return Self {
                text,
                checkpoints: Vec::new(),
                ascii: true,
            };
        }
        let checkpoints = text.char_indices().step_by(STEP).map(|(byte, _)| byte as u32).collect();
        Self {
            text,
            checkpoints,
            ascii: false,
        }
    }

    /// The byte offset of character `index`, clamped to the end of the text.
    pub(crate) fn byte(&self, index: usize) -> u32 {
        let len = self.text.len();
        if self.ascii {
            return index.min(len) as u32;
        }
        let Some(&base) = self.checkpoints.get(index / STEP) else {
            return len as u32;
        };
        let bytes = self.text.as_bytes();
        let mut at = base as usize;
        for _ in 0..index % STEP {
            let Some(&lead) = bytes.get(at) else { break };
            at += utf8_width(lead);
        }
        at.min(len) as u32
    }
}

fn utf8_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_identity() {
        let o = Offsets::new("abc");
        assert_eq!(o.byte(0), 0);
        assert_eq!(o.byte(2), 2);
        assert_eq!(o.byte(9), 3);
    }

    #[test]
    fn multibyte_matches_char_indices() {
        let text = "é☕x".repeat(100) + "𝄞end";
        let o = Offsets::new(&text);
        for (ci, (bi, _)) in text.char_indices().enumerate() {
            assert_eq!(o.byte(ci) as usize, bi, "char {ci}");
        }
        assert_eq!(o.byte(text.chars().count()) as usize, text.len());
        assert_eq!(o.byte(100_000) as usize, text.len());
    }
}
