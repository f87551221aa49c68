//! Markup soup with multi-byte characters around every delimiter: parsing
//! and generating never panic, and offsets stay inside the text.

use paperplane_parsers::{generate_html, generate_markdown, parse_html, parse_markdown};

const PIECES: &[&str] = &[
    "<",
    ">",
    "&",
    "&#",
    "&#x",
    ";",
    "&lt;",
    "<b>",
    "</b>",
    "<a href=\"",
    "\">",
    "</a>",
    "<pre>",
    "<code class=\"language-",
    "</code>",
    "<tg-spoiler>",
    "<blockquote expandable>",
    "*",
    "**",
    "_",
    "__",
    "~~",
    "||",
    "`",
    "```",
    "[",
    "]",
    "(",
    ")",
    "](",
    "\\",
    "tg://user?id=",
    "é",
    "😀",
    "ж",
    "\u{200d}",
    "\n",
    "\r\n",
    " ",
    "a",
    "=",
    "\"",
    "'",
    "/",
    "!",
    "#1",
];

fn utf16_len(s: &str) -> i32 {
    s.encode_utf16().count() as i32
}

#[test]
fn soup_never_panics_and_entities_stay_in_range() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 24) as usize;
        let input: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        for (text, entities) in [parse_html(&input), parse_markdown(&input)] {
            let total = utf16_len(&text);
            for e in &entities {
                let (offset, length) = paperplane_parsers_span(e);
                assert!(
                    offset >= 0 && length > 0 && offset + length <= total,
                    "{input:?}"
                );
            }
            let _ = generate_html(&text, &entities);
            let _ = generate_markdown(&text, &entities);
        }
    }
}

/// Offset and length of any entity, read through its TL encoding (every
/// `messageEntity*` starts with `offset:int length:int` after its id).
fn paperplane_parsers_span(e: &paperplane_tl::enums::MessageEntity) -> (i32, i32) {
    use paperplane_tl::Serializable;
    let bytes = e.to_bytes();
    let word = |i: usize| i32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    match e {
        // `flags:#` comes first.
        paperplane_tl::enums::MessageEntity::Blockquote(_) => (word(8), word(12)),
        _ => (word(4), word(8)),
    }
}
