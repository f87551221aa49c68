//! Splits schema text into statements and tokens, keeping positions.

use crate::ast::Position;

/// One token of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    /// Identifier-like run: letters, digits, `_` and `.` (`flags.0`, `messages.Chats`).
    Word(&'a str),
    /// A punctuation character: `# : ? ! % { } [ ] < > = * ,`.
    Punct(char),
}

/// A token and where it starts.
#[derive(Clone, Debug)]
pub(crate) struct Token<'a> {
    pub tok: Tok<'a>,
    pub pos: Position,
}

/// What the schema text holds between two `;`, or a section marker.
#[derive(Debug)]
pub(crate) enum Item<'a> {
    /// `---types---` or `---functions---` (the word between the dashes).
    Section(&'a str, Position),
    /// The tokens of one declaration and the position of its closing `;`.
    Statement(Vec<Token<'a>>, Position),
    /// `// LAYER N` found in a comment.
    Layer(i32),
    /// A character the language does not allow.
    Unexpected(char, Position),
    /// Text at the end of the file with no closing `;`.
    Unterminated(Position),
}

const PUNCT: &str = "#:?!%{}[]<>=*,";

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Tokenizes `text` into items. Comments (`//` to end of line, `/* */`) are
/// dropped, except that a `// LAYER N` comment reports the layer.
pub(crate) fn items(text: &str) -> Vec<Item<'_>> {
    let mut out = Vec::new();
    let mut current: Vec<Token<'_>> = Vec::new();
    let mut line = 1u32;
    let mut col = 1u32;
    let mut rest = text;

    while let Some(c) = rest.chars().next() {
        let pos = Position { line, column: col };
        let advance = |s: &str, n: usize, line: &mut u32, col: &mut u32| {
            for ch in s[..n].chars() {
                if ch == '\n' {
                    *line += 1;
                    *col = 1;
                } else {
                    *col += 1;
                }
            }
        };
        let taken = if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            if let Some(layer) = layer_marker(&rest[2..end]) {
                out.push(Item::Layer(layer));
            }
            end
        } else if let Some(body) = rest.strip_prefix("/*") {
            body.find("*/").map_or(rest.len(), |i| i + 4)
        } else if current.is_empty() && rest.starts_with("---") {
            let end = rest.find('\n').unwrap_or(rest.len());
            let marker = rest[..end].trim().trim_matches('-');
            out.push(Item::Section(marker, pos));
            end
        } else if c.is_whitespace() {
            c.len_utf8()
        } else if c == ';' {
            out.push(Item::Statement(std::mem::take(&mut current), pos));
            1
        } else if PUNCT.contains(c) {
            current.push(Token {
                tok: Tok::Punct(c),
                pos,
            });
            1
        } else if is_word_char(c) {
            let end = rest
                .find(|ch: char| !is_word_char(ch))
                .unwrap_or(rest.len());
            current.push(Token {
                tok: Tok::Word(&rest[..end]),
                pos,
            });
            end
        } else {
            out.push(Item::Unexpected(c, pos));
            c.len_utf8()
        };
        advance(rest, taken, &mut line, &mut col);
        rest = &rest[taken..];
    }
    if let Some(first) = current.first() {
        out.push(Item::Unterminated(first.pos));
    }
    out
}

/// Reads `LAYER 230` out of a comment's text.
fn layer_marker(comment: &str) -> Option<i32> {
    let rest = comment.trim().strip_prefix("LAYER")?;
    rest.trim().parse().ok()
}
