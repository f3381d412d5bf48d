//! The YAML loader and its span tree: never panics, every span slices the text on character
//! boundaries, every node's pointer resolves back to it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use standoff::yaml::{Limits, load};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Small limits keep each run fast; the limits themselves are part of what is tested.
    let limits = Limits { max_depth: 32, max_nodes: 20_000, max_alias_nodes: 5_000, max_documents: 50, max_scalar_bytes: 4096, ..Limits::default() };
    let outcome = load(text, &limits);
    if let Some(error) = &outcome.error {
        assert!(error.span.start as usize <= text.len() && error.span.end as usize <= text.len());
        assert!(text.is_char_boundary(error.span.start as usize));
    }
    for doc in &outcome.documents {
        for entry in &doc.spans {
            for span in [Some(entry.value), entry.key].into_iter().flatten() {
                assert!(span.start <= span.end, "inverted span");
                assert!(text.get(span.start as usize..span.end as usize).is_some(), "span off a char boundary or out of the text");
            }
        }
        // Walk the first level and resolve each child by its pointer.
        let root = doc.root();
        for (key, node) in root.entries() {
            let pointer = format!("/{}", standoff::yaml::escape_token(key));
            assert_eq!(doc.pointer(&pointer).map(|n| n.id()), Some(node.id()));
        }
        for (i, node) in root.items().enumerate() {
            assert_eq!(doc.pointer(&format!("/{i}")).map(|n| n.id()), Some(node.id()));
        }
    }
});
