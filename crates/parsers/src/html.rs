//! Telegram-style HTML.

use std::collections::HashMap;

use paperplane_tl::enums;

use crate::entity::{self, Flavor, Kind, Span};

/// A start or end tag.
#[derive(Debug)]
struct Tag {
    closing: bool,
    /// Lower-cased.
    name: String,
    /// Lower-cased names, decoded values (`""` for bare attributes).
    attrs: Vec<(String, String)>,
    self_closing: bool,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|v| v.split_ascii_whitespace().any(|c| c == class))
    }
}

/// Parses the tag starting at `s[0] == '<'`. Returns it and its length, or
/// `None` if this `<` does not start a well-formed tag.
fn parse_tag(s: &str) -> Option<(Tag, usize)> {
    let b = s.as_bytes();
    let mut i = 1;
    let closing = b.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    if !b.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    let name_start = i;
    while b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b':'))
    {
        i += 1;
    }
    let name = s[name_start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while b.get(i)?.is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i)? {
            b'>' => {
                return Some((
                    Tag {
                        closing,
                        name,
                        attrs,
                        self_closing: false,
                    },
                    i + 1,
                ));
            }
            b'/' if b.get(i + 1) == Some(&b'>') => {
                return Some((
                    Tag {
                        closing,
                        name,
                        attrs,
                        self_closing: true,
                    },
                    i + 2,
                ));
            }
            b'/' | b'=' | b'"' | b'\'' | b'<' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let attr_start = i;
        while b
            .get(i)
            .is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'=' | b'>' | b'/'))
        {
            i += 1;
        }
        let attr_name = s[attr_start..i].to_ascii_lowercase();
        while b.get(i)?.is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            while b.get(i)?.is_ascii_whitespace() {
                i += 1;
            }
            let raw = match b.get(i)? {
                &q @ (b'"' | b'\'') => {
                    let len = s[i + 1..].find(char::from(q))?;
                    let raw = &s[i + 1..i + 1 + len];
                    i += len + 2;
                    raw
                }
                _ => {
                    let start = i;
                    while b
                        .get(i)
                        .is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>')
                    {
                        i += 1;
                    }
                    &s[start..i]
                }
            };
            value = decode_entities(raw);
        }
        attrs.push((attr_name, value));
    }
}

/// Decodes the character reference at `s[0] == '&'`: the character and the
/// reference's length, or `None` if it is not one.
fn parse_char_ref(s: &str) -> Option<(char, usize)> {
    // The longest reference we decode is `&#x10FFFF;` or `&#1114111;`; look
    // a little further, but never through the whole input.
    let limit = (0..=s.len().min(34))
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0);
    let end = s[..limit].find(';')?;
    let name = &s[1..end];
    let c = if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|c| c.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).unwrap_or(u32::MAX)
            }
            None if !num.is_empty() && num.bytes().all(|c| c.is_ascii_digit()) => {
                num.parse().unwrap_or(u32::MAX)
            }
            _ => return None,
        };
        match char::from_u32(code) {
            Some('\0') | None => char::REPLACEMENT_CHARACTER,
            Some(c) => c,
        }
    } else {
        match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{a0}',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

/// Decodes character references in `s`, leaving anything else as it is.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        if let Some((c, len)) = parse_char_ref(rest) {
            out.push(c);
            rest = &rest[len..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// An element that has been opened and not yet closed.
struct OpenElement {
    /// Where its content starts, in UTF-16 units.
    start: usize,
    /// The entity it makes, if any.
    kind: Option<Kind>,
    /// For `<pre>`: whether a `<code>` inside has been seen.
    has_code: bool,
}

/// Elements that never have content or an end tag.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "br" | "img"
            | "hr"
            | "wbr"
            | "input"
            | "meta"
            | "link"
            | "area"
            | "base"
            | "col"
            | "embed"
            | "source"
            | "track"
            | "param"
    )
}

/// Parses Telegram-style HTML into plain text and message entities.
///
/// | HTML | Entity |
/// |---|---|
/// | `<b>`, `<strong>` | `messageEntityBold` |
/// | `<i>`, `<em>` | `messageEntityItalic` |
/// | `<u>`, `<ins>` | `messageEntityUnderline` |
/// | `<s>`, `<strike>`, `<del>` | `messageEntityStrike` |
/// | `<tg-spoiler>`, `<span class="tg-spoiler">` | `messageEntitySpoiler` |
/// | `<code>` | `messageEntityCode` |
/// | `<pre>`, `<pre><code class="language-rust">` | `messageEntityPre` with `language` |
/// | `<a href="url">` | `messageEntityTextUrl` |
/// | `<a href="tg://user?id=123">` | `messageEntityTextUrl` (see [`mention_user_id`]) |
/// | `<tg-emoji emoji-id="5368324170671202286">` | `messageEntityCustomEmoji` |
/// | `<blockquote>`, `<blockquote expandable>` | `messageEntityBlockquote` (`collapsed`) |
///
/// Details:
///
/// - Character references `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&nbsp;`,
///   `&#NN;` and `&#xNN;` are decoded, in text and attribute values; other
///   `&`s are text. Invalid code points decode to U+FFFD.
/// - Whitespace is kept as written; `<br>` is a newline.
/// - A `<code>` inside a `<pre>` makes no entity of its own; its
///   `language-…` class names the block's language.
/// - Other tags are dropped and their content kept, as are `<a>` without
///   `href` and `<tg-emoji>` without a numeric `emoji-id`. Comments are
///   dropped.
/// - Malformed input is read leniently: a `<` or `&` that does not start a
///   tag or reference is text, an end tag closes the innermost open element
///   of its name (even across others, so overlapping tags work), end tags
///   with nothing to close are ignored, and what is still open at the end
///   closes there.
///
/// Offsets and lengths are in UTF-16 code units, as Telegram counts. The
/// entities are sorted by offset, outer ones first.
///
/// ```
/// use paperplane_parsers::parse_html;
///
/// let (text, entities) = parse_html("<b>Bold</b> &amp; <a href=\"https://t.me\">link</a>");
/// assert_eq!(text, "Bold & link");
/// assert_eq!(entities.len(), 2);
/// ```
///
/// [`mention_user_id`]: crate::mention_user_id
pub fn parse_html(message: &str) -> (String, Vec<enums::MessageEntity>) {
    let mut out = String::with_capacity(message.len());
    let mut utf16 = 0usize;
    let mut found: Vec<(Kind, usize, usize, usize)> = Vec::new();
    // Every element ever opened, by opening order; `None` once closed.
    let mut elements: Vec<Option<OpenElement>> = Vec::new();
    // For each tag name, the indices in `elements` of its open elements.
    let mut open_by_name: HashMap<String, Vec<usize>> = HashMap::new();

    let mut rest = message;
    while let Some(special) = rest.find(['<', '&']) {
        let (text, tail) = rest.split_at(special);
        out.push_str(text);
        utf16 += text.encode_utf16().count();
        rest = tail;

        if rest.starts_with('&') {
            if let Some((c, len)) = parse_char_ref(rest) {
                out.push(c);
                utf16 += c.len_utf16();
                rest = &rest[len..];
            } else {
                out.push('&');
                utf16 += 1;
                rest = &rest[1..];
            }
            continue;
        }

        if let Some(comment) = rest.strip_prefix("<!--") {
            if let Some(end) = comment.find("-->") {
                rest = &comment[end + 3..];
                continue;
            }
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            // A doctype or processing instruction: skip it.
            if let Some(end) = rest.find('>') {
                rest = &rest[end + 1..];
                continue;
            }
        }
        let Some((tag, len)) = parse_tag(rest) else {
            out.push('<');
            utf16 += 1;
            rest = &rest[1..];
            continue;
        };
        rest = &rest[len..];

        if tag.closing {
            let Some(index) = open_by_name.get_mut(&tag.name).and_then(Vec::pop) else {
                continue;
            };
            if let Some(element) = elements.get_mut(index).and_then(Option::take) {
                if let Some(kind) = element.kind {
                    found.push((kind, element.start, utf16, index));
                }
            }
            continue;
        }

        if tag.name == "br" {
            out.push('\n');
            utf16 += 1;
            continue;
        }
        if tag.self_closing || is_void(&tag.name) {
            continue;
        }
        let kind = match tag.name.as_str() {
            "b" | "strong" => Some(Kind::Bold),
            "i" | "em" => Some(Kind::Italic),
            "u" | "ins" => Some(Kind::Underline),
            "s" | "strike" | "del" => Some(Kind::Strike),
            "tg-spoiler" => Some(Kind::Spoiler),
            "span" if tag.has_class("tg-spoiler") => Some(Kind::Spoiler),
            "code" => {
                let pre = open_by_name
                    .get("pre")
                    .and_then(|open| open.last())
                    .and_then(|&i| elements.get_mut(i))
                    .and_then(Option::as_mut);
                match pre {
                    Some(pre) => {
                        let language = tag.attr("class").and_then(|classes| {
                            classes
                                .split_ascii_whitespace()
                                .find_map(|c| c.strip_prefix("language-"))
                        });
                        if let (Some(language), Some(Kind::Pre(current)), false, true) = (
                            language,
                            pre.kind.as_mut(),
                            pre.has_code,
                            pre.start == utf16,
                        ) {
                            if current.is_empty() {
                                *current = language.to_owned();
                            }
                        }
                        pre.has_code = true;
                        None
                    }
                    None => Some(Kind::Code),
                }
            }
            "pre" => Some(Kind::Pre(tag.attr("language").unwrap_or("").to_owned())),
            "a" => tag
                .attr("href")
                .filter(|url| !url.is_empty())
                .map(|url| Kind::TextUrl(url.to_owned())),
            "tg-emoji" => tag
                .attr("emoji-id")
                .and_then(|id| id.trim().parse().ok())
                .map(Kind::CustomEmoji),
            "blockquote" => Some(Kind::Blockquote {
                collapsed: tag.attr("expandable").is_some(),
            }),
            _ => None,
        };
        open_by_name
            .entry(tag.name)
            .or_default()
            .push(elements.len());
        elements.push(Some(OpenElement {
            start: utf16,
            kind,
            has_code: false,
        }));
    }
    out.push_str(rest);
    utf16 += rest.encode_utf16().count();

    for (index, element) in elements.into_iter().enumerate() {
        if let Some(OpenElement {
            start,
            kind: Some(kind),
            ..
        }) = element
        {
            found.push((kind, start, utf16, index));
        }
    }
    (out, entity::finish(found))
}

/// Writes `text` with HTML `entities` applied: the inverse of
/// [`parse_html`].
///
/// Every formatting entity is written (bold, italic, underline,
/// strikethrough, spoiler, code, code blocks with their language, text links,
/// mentions by id as `<a href="tg://user?id=…">`, custom emoji and
/// blockquotes); entities Telegram finds in plain text by itself (mentions,
/// hashtags, URLs, …) need no markup and are left out.
///
/// `<`, `>` and `&` are escaped, and `"` too in attribute values. The tags
/// are always properly nested: where entities overlap without one containing
/// the other, one of them is closed and reopened around the other's edge, so
/// it comes back as two touching entities. Entities from the network are
/// taken as they come: out-of-range ones are cut to the text or skipped,
/// overlapping ones of the same kind are joined, crossing links are dropped,
/// and code blocks overlapping another code block and code spans
/// overlapping a code block are dropped.
///
/// ```
/// use paperplane_parsers::{generate_html, parse_html};
///
/// let (text, entities) = parse_html("<b>Hello</b> <i>world</i> &lt;3");
/// assert_eq!(text, "Hello world <3");
/// assert_eq!(generate_html(&text, &entities), "<b>Hello</b> <i>world</i> &lt;3");
/// ```
pub fn generate_html(message: &str, entities: &[enums::MessageEntity]) -> String {
    let spans = entity::normalize(entity::spans_from_entities(message, entities), Flavor::Html);
    let mut out = String::with_capacity(message.len() + spans.len() * 8);
    let mut boundaries: Vec<usize> = spans.iter().flat_map(|s| [s.start, s.end]).collect();
    boundaries.push(message.len());
    boundaries.sort_unstable();
    boundaries.dedup();

    let mut stack: Vec<usize> = Vec::new();
    let mut next_span = 0;
    let mut pos = 0;
    for at in boundaries {
        escape_into(&mut out, &message[pos..at], false);
        pos = at;

        // Close what ends here, and whatever is open inside it; the latter
        // are reopened below.
        let mut to_open: Vec<usize> = Vec::new();
        if let Some(lowest) = stack.iter().position(|&i| spans[i].end == at) {
            for i in stack.drain(lowest..).rev() {
                close_tag(&mut out, &spans[i]);
                if spans[i].end > at {
                    to_open.push(i);
                }
            }
        }
        while spans.get(next_span).is_some_and(|s| s.start == at) {
            to_open.push(next_span);
            next_span += 1;
        }
        // Outermost (longest) first.
        to_open.sort_by(|&a, &b| {
            spans[b]
                .end
                .cmp(&spans[a].end)
                .then(spans[a].kind.cmp(&spans[b].kind))
                .then(a.cmp(&b))
        });
        for i in to_open {
            open_tag(&mut out, &spans[i]);
            stack.push(i);
        }
    }
    out
}

/// Appends `text` with `<`, `>`, `&` (and `"` if `attr`) escaped.
fn escape_into(out: &mut String, text: &str, attr: bool) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' if attr => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

fn open_tag(out: &mut String, span: &Span) {
    match &span.kind {
        Kind::Bold => out.push_str("<b>"),
        Kind::Italic => out.push_str("<i>"),
        Kind::Underline => out.push_str("<u>"),
        Kind::Strike => out.push_str("<s>"),
        Kind::Spoiler => out.push_str("<tg-spoiler>"),
        Kind::Code => out.push_str("<code>"),
        Kind::Pre(language) if language.is_empty() => out.push_str("<pre>"),
        Kind::Pre(language) => {
            out.push_str("<pre><code class=\"language-");
            escape_into(out, language, true);
            out.push_str("\">");
        }
        Kind::TextUrl(url) => {
            out.push_str("<a href=\"");
            escape_into(out, url, true);
            out.push_str("\">");
        }
        Kind::MentionName(id) => {
            out.push_str(&format!("<a href=\"tg://user?id={id}\">"));
        }
        Kind::CustomEmoji(id) => out.push_str(&format!("<tg-emoji emoji-id=\"{id}\">")),
        Kind::Blockquote { collapsed: false } => out.push_str("<blockquote>"),
        Kind::Blockquote { collapsed: true } => out.push_str("<blockquote expandable>"),
    }
}

fn close_tag(out: &mut String, span: &Span) {
    out.push_str(match &span.kind {
        Kind::Bold => "</b>",
        Kind::Italic => "</i>",
        Kind::Underline => "</u>",
        Kind::Strike => "</s>",
        Kind::Spoiler => "</tg-spoiler>",
        Kind::Code => "</code>",
        Kind::Pre(language) if language.is_empty() => "</pre>",
        Kind::Pre(_) => "</code></pre>",
        Kind::TextUrl(_) | Kind::MentionName(_) => "</a>",
        Kind::CustomEmoji(_) => "</tg-emoji>",
        Kind::Blockquote { .. } => "</blockquote>",
    });
}
