//! Telegram-style Markdown.

use paperplane_tl::enums;

use crate::entity::{self, Flavor, Kind, Span};

/// A paired delimiter that toggles a style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Delim {
    /// `**`
    Bold2,
    /// `*`
    Bold1,
    /// `__`
    Italic2,
    /// `_`
    Italic1,
    /// `~~`
    Strike,
    /// `||`
    Spoiler,
}

impl Delim {
    const ALL: [Delim; 6] = [
        Delim::Bold2,
        Delim::Bold1,
        Delim::Italic2,
        Delim::Italic1,
        Delim::Strike,
        Delim::Spoiler,
    ];

    fn index(self) -> usize {
        self as usize
    }

    fn kind(self) -> Kind {
        match self {
            Delim::Bold2 | Delim::Bold1 => Kind::Bold,
            Delim::Italic2 | Delim::Italic1 => Kind::Italic,
            Delim::Strike => Kind::Strike,
            Delim::Spoiler => Kind::Spoiler,
        }
    }
}

/// A piece of the source, before delimiters are paired.
#[derive(Debug)]
enum Token {
    /// Literal text, escapes already resolved.
    Text(String),
    /// A style delimiter. `raw` is its source text, written as is if it
    /// turns out to be unpaired.
    Delim {
        delim: Delim,
        can_open: bool,
        can_close: bool,
        raw: &'static str,
    },
    /// A complete inline code span.
    Code(String),
    /// A complete code block.
    Pre { language: String, code: String },
    /// `[` (or `![` when `bang`).
    Open { bang: bool },
    /// `](url)`, with the URL unescaped.
    Close { url: String, raw: String },
}

/// Whether `c` can be escaped with a backslash outside code.
fn is_escapable(c: char) -> bool {
    c.is_ascii_punctuation()
}

/// Splits the source into tokens.
fn lex(chars: &[char]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let n = chars.len();
    let at = |j: usize| chars.get(j).copied();

    macro_rules! flush {
        () => {
            if !text.is_empty() {
                tokens.push(Token::Text(std::mem::take(&mut text)));
            }
        };
    }

    while i < n {
        let c = chars[i];
        match c {
            '\\' => match at(i + 1) {
                Some(next) if is_escapable(next) => {
                    text.push(next);
                    i += 2;
                }
                _ => {
                    text.push('\\');
                    i += 1;
                }
            },
            '`' => {
                if at(i + 1) == Some('`') && at(i + 2) == Some('`') {
                    if let Some((language, code, next)) = lex_pre(chars, i + 3) {
                        flush!();
                        tokens.push(Token::Pre { language, code });
                        i = next;
                        continue;
                    }
                }
                if let Some((code, next)) = lex_code(chars, i + 1) {
                    flush!();
                    tokens.push(Token::Code(code));
                    i = next;
                } else {
                    text.push('`');
                    i += 1;
                }
            }
            '[' => {
                flush!();
                tokens.push(Token::Open { bang: false });
                i += 1;
            }
            '!' if at(i + 1) == Some('[') => {
                flush!();
                tokens.push(Token::Open { bang: true });
                i += 2;
            }
            ']' if at(i + 1) == Some('(') => {
                if let Some((url, next)) = lex_url(chars, i + 2) {
                    flush!();
                    let raw = chars[i..next].iter().collect();
                    tokens.push(Token::Close { url, raw });
                    i = next;
                } else {
                    text.push(']');
                    i += 1;
                }
            }
            '*' | '_' | '~' | '|' => {
                let double = at(i + 1) == Some(c);
                let (delim, raw, len) = match (c, double) {
                    ('*', true) => (Delim::Bold2, "**", 2),
                    ('*', false) => (Delim::Bold1, "*", 1),
                    ('_', true) => (Delim::Italic2, "__", 2),
                    ('_', false) => (Delim::Italic1, "_", 1),
                    ('~', true) => (Delim::Strike, "~~", 2),
                    ('|', true) => (Delim::Spoiler, "||", 2),
                    _ => {
                        text.push(c);
                        i += 1;
                        continue;
                    }
                };
                let (can_open, can_close) = if len == 2 {
                    (true, true)
                } else {
                    // Single `*` and `_` only count at word edges, so that
                    // `snake_case_names` and `2 * 3 * 4` stay as they are.
                    let prev = i.checked_sub(1).and_then(at);
                    let next = at(i + 1);
                    (
                        next.is_some_and(|c| !c.is_whitespace())
                            && !prev.is_some_and(char::is_alphanumeric),
                        prev.is_some_and(|c| !c.is_whitespace())
                            && !next.is_some_and(char::is_alphanumeric),
                    )
                };
                flush!();
                tokens.push(Token::Delim {
                    delim,
                    can_open,
                    can_close,
                    raw,
                });
                i += len;
            }
            _ => {
                text.push(c);
                i += 1;
            }
        }
    }
    flush!();
    tokens
}

/// Reads code up to the next unescaped `` ` `` (exclusive) from `i`, where
/// `` \` `` and `\\` are escapes. Returns the code and the index after the
/// closing backtick, or `None` if there is no closing backtick.
fn scan_code(chars: &[char], mut i: usize, fence: usize) -> Option<(String, usize)> {
    let mut code = String::new();
    loop {
        match chars.get(i..)? {
            ['\\', next @ ('`' | '\\'), ..] => {
                code.push(*next);
                i += 2;
            }
            rest if rest.len() >= fence && rest[..fence].iter().all(|&c| c == '`') => {
                return Some((code, i + fence));
            }
            [c, ..] => {
                code.push(*c);
                i += 1;
            }
            [] => return None,
        }
    }
}

/// An inline code span starting after its opening backtick.
/// An empty span (` `` `) is not one: its backticks are text.
fn lex_code(chars: &[char], i: usize) -> Option<(String, usize)> {
    scan_code(chars, i, 1).filter(|(code, _)| !code.is_empty())
}

/// A code block starting after its opening fence: an optional language on
/// the first line, the code, and the closing fence. One newline before the
/// closing fence belongs to the fence. Nothing at all between the fences is
/// not a block.
fn lex_pre(chars: &[char], i: usize) -> Option<(String, String, usize)> {
    let (block, next) = scan_code(chars, i, 3).filter(|(block, _)| !block.is_empty())?;
    let (language, code) = match block.split_once('\n') {
        Some((first, rest))
            if !first
                .trim()
                .chars()
                .any(|c| c.is_whitespace() || c == '`' || c == '\\') =>
        {
            (first.trim().to_owned(), rest.to_owned())
        }
        _ => (String::new(), block),
    };
    let code = code.strip_suffix('\n').map(str::to_owned).unwrap_or(code);
    Some((language, code, next))
}

/// A link target starting after `](`: up to the next unescaped `)`, where
/// `\)` and `\\` are escapes. Returns the URL and the index after `)`.
fn lex_url(chars: &[char], mut i: usize) -> Option<(String, usize)> {
    let mut url = String::new();
    loop {
        match chars.get(i..)? {
            ['\\', next @ (')' | '\\'), ..] => {
                url.push(*next);
                i += 2;
            }
            [')', ..] => return Some((url, i + 1)),
            [c, ..] => {
                url.push(*c);
                i += 1;
            }
            [] => return None,
        }
    }
}

/// Parses Telegram-style Markdown into plain text and message entities.
///
/// | Markdown | Entity |
/// |---|---|
/// | `**bold**`, `*bold*` | `messageEntityBold` |
/// | `__italic__`, `_italic_` | `messageEntityItalic` |
/// | `~~strike~~` | `messageEntityStrike` |
/// | `\|\|spoiler\|\|` | `messageEntitySpoiler` |
/// | `` `code` `` | `messageEntityCode` |
/// | ```` ```lang⏎code⏎``` ```` | `messageEntityPre` with `language` (may be empty) |
/// | `[text](url)` | `messageEntityTextUrl` |
/// | `[text](tg://user?id=123)` | `messageEntityTextUrl` (see [`mention_user_id`]) |
/// | `![👍](tg://emoji?id=5368324170671202286)` | `messageEntityCustomEmoji` |
///
/// Details:
///
/// - A backslash before any ASCII punctuation character makes it literal
///   (`\*`, `\_`, `\[`, `\\`, …); elsewhere a backslash is literal itself.
/// - Inside code and code blocks nothing is formatted; only `` \` `` and `\\`
///   are escapes there. A code block's first line is its language if it is a
///   single word (possibly empty); one newline before the closing fence is
///   dropped. A fence without a newline (```` ```code``` ````) has no language.
/// - Single `*` and `_` only open at the start of a word and close at its
///   end, so `snake_case_name` and `2 * 3` are left alone; the doubled forms
///   work anywhere.
/// - Styles may nest and even overlap (`**bold __both** italic__`); links
///   may contain styles and nest inside them.
/// - Delimiters and brackets without a partner are kept as text, and so are
///   empty pairs' contents (an empty pair yields no entity).
/// - Inside a link target, `\)` and `\\` are escapes.
///
/// Offsets and lengths are in UTF-16 code units, as Telegram counts. The
/// entities are sorted by offset, outer ones first.
///
/// ```
/// use paperplane_parsers::parse_markdown;
///
/// let (text, entities) = parse_markdown("Hello **world** and `code`!");
/// assert_eq!(text, "Hello world and code!");
/// assert_eq!(entities.len(), 2);
/// ```
///
/// [`mention_user_id`]: crate::mention_user_id
pub fn parse_markdown(message: &str) -> (String, Vec<enums::MessageEntity>) {
    let chars: Vec<char> = message.chars().collect();
    let tokens = lex(&chars);

    // Pair delimiters and brackets. `partner[i]` is the opener of closer `i`.
    let mut partner: Vec<Option<usize>> = vec![None; tokens.len()];
    let mut is_opener = vec![false; tokens.len()];
    // `![` paired with a `](url)` that is not a custom emoji: a `!` and a link.
    let mut bang_is_text = vec![false; tokens.len()];
    let mut open_delims: [Option<usize>; Delim::ALL.len()] = [None; Delim::ALL.len()];
    let mut open_brackets: Vec<usize> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Delim {
                delim,
                can_open,
                can_close,
                ..
            } => {
                let slot = &mut open_delims[delim.index()];
                match *slot {
                    Some(opener) if *can_close => {
                        partner[i] = Some(opener);
                        *slot = None;
                    }
                    Some(_) => {}
                    None if *can_open => {
                        is_opener[i] = true;
                        *slot = Some(i);
                    }
                    None => {}
                }
            }
            Token::Open { .. } => open_brackets.push(i),
            Token::Close { url, .. } => {
                if let Some(opener) = open_brackets.pop() {
                    is_opener[opener] = true;
                    partner[i] = Some(opener);
                    bang_is_text[opener] = matches!(tokens[opener], Token::Open { bang: true })
                        && entity::tg_link_id(url, "emoji").is_none();
                }
            }
            Token::Text(_) | Token::Code(_) | Token::Pre { .. } => {}
        }
    }
    // Openers still waiting for a partner are text after all.
    for opener in open_delims.into_iter().flatten().chain(open_brackets) {
        is_opener[opener] = false;
    }

    // Write the text and collect the entities.
    let mut out = String::with_capacity(message.len());
    let mut utf16 = 0usize;
    let mut opened_at: Vec<usize> = vec![0; tokens.len()];
    let mut found: Vec<(Kind, usize, usize, usize)> = Vec::new();
    let push = |out: &mut String, utf16: &mut usize, s: &str| {
        out.push_str(s);
        *utf16 += s.encode_utf16().count();
    };
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Text(s) => push(&mut out, &mut utf16, s),
            Token::Code(code) => {
                let start = utf16;
                push(&mut out, &mut utf16, code);
                found.push((Kind::Code, start, utf16, i));
            }
            Token::Pre { language, code } => {
                let start = utf16;
                push(&mut out, &mut utf16, code);
                found.push((Kind::Pre(language.clone()), start, utf16, i));
            }
            Token::Delim { delim, raw, .. } => {
                if is_opener[i] {
                    opened_at[i] = utf16;
                } else if let Some(opener) = partner[i] {
                    found.push((delim.kind(), opened_at[opener], utf16, opener));
                } else {
                    push(&mut out, &mut utf16, raw);
                }
            }
            Token::Open { bang } => {
                if is_opener[i] {
                    if bang_is_text[i] {
                        push(&mut out, &mut utf16, "!");
                    }
                    opened_at[i] = utf16;
                } else {
                    push(&mut out, &mut utf16, if *bang { "![" } else { "[" });
                }
            }
            Token::Close { url, raw } => {
                let Some(opener) = partner[i] else {
                    push(&mut out, &mut utf16, raw);
                    continue;
                };
                let emoji = match tokens[opener] {
                    Token::Open { bang: true } => entity::tg_link_id(url, "emoji"),
                    _ => None,
                };
                let kind = match emoji {
                    Some(id) => Kind::CustomEmoji(id),
                    None if url.is_empty() => continue,
                    None => Kind::TextUrl(url.clone()),
                };
                found.push((kind, opened_at[opener], utf16, opener));
            }
        }
    }
    (out, entity::finish(found))
}

/// Writes `text` with Markdown `entities` applied: the inverse of
/// [`parse_markdown`].
///
/// Bold, italic, strikethrough, spoilers, code, code blocks, text links,
/// mentions by id (as `[text](tg://user?id=…)`) and custom emoji (as
/// `![text](tg://emoji?id=…)`) are written; Markdown has no underline or
/// blockquote, and entities Telegram finds in plain text by itself
/// (mentions, hashtags, URLs, …) need no markup, so those are left out.
///
/// Characters that would be read as markup are escaped with a backslash.
/// Entities from the network are taken as they come: out-of-range ones are
/// cut to the text or skipped, overlapping ones of the same kind are joined,
/// crossing links are dropped, and entities that start or end inside code are
/// trimmed to leave the code out (code cannot hold formatting in Markdown).
/// Parsing the result gives back `text` and the same formatting.
///
/// ```
/// use paperplane_parsers::{generate_markdown, parse_markdown};
///
/// let (text, entities) = parse_markdown("**bold** and __italic__");
/// assert_eq!(generate_markdown(&text, &entities), "**bold** and __italic__");
/// assert_eq!(generate_markdown("2*3", &[]), "2\\*3");
/// ```
pub fn generate_markdown(message: &str, entities: &[enums::MessageEntity]) -> String {
    let spans = entity::normalize(
        entity::spans_from_entities(message, entities),
        Flavor::Markdown,
    );
    let mut writer = MarkdownWriter {
        out: String::with_capacity(message.len() + spans.len() * 4),
        literal_bang: false,
    };
    let mut stack: Vec<usize> = Vec::new();
    let mut boundaries: Vec<usize> = spans.iter().flat_map(|s| [s.start, s.end]).collect();
    boundaries.push(message.len());
    boundaries.sort_unstable();
    boundaries.dedup();

    let mut next_span = 0;
    let mut pos = 0;
    for at in boundaries {
        let in_code = stack.last().is_some_and(|&i| spans[i].kind.is_code());
        writer.text(&message[pos..at], in_code);
        pos = at;
        // Close what ends here, innermost first.
        while let Some(k) = stack.iter().rposition(|&i| spans[i].end == at) {
            let i = stack.remove(k);
            writer.close(&spans[i]);
        }
        // Open what starts here, outermost first (`spans` is sorted so).
        while let Some(span) = spans.get(next_span).filter(|s| s.start == at) {
            writer.open(span);
            stack.push(next_span);
            next_span += 1;
        }
    }
    writer.out
}

/// The output of [`generate_markdown`] as it is being written.
struct MarkdownWriter {
    out: String,
    /// Whether the output ends with a `!` written as text, which a `[`
    /// right after would turn into a custom emoji opener.
    literal_bang: bool,
}

impl MarkdownWriter {
    fn text(&mut self, text: &str, in_code: bool) {
        if text.is_empty() {
            return;
        }
        for c in text.chars() {
            let escape = if in_code {
                matches!(c, '`' | '\\')
            } else {
                matches!(c, '\\' | '*' | '_' | '~' | '|' | '`' | '[' | ']')
            };
            if escape {
                self.out.push('\\');
            }
            self.out.push(c);
        }
        self.literal_bang = !in_code && text.ends_with('!');
    }

    fn marker(&mut self, s: &str) {
        if self.literal_bang && s.starts_with('[') {
            self.out.pop();
            self.out.push_str("\\!");
        }
        self.out.push_str(s);
        self.literal_bang = false;
    }

    fn open(&mut self, span: &Span) {
        match &span.kind {
            Kind::Bold => self.marker("**"),
            Kind::Italic => self.marker("__"),
            Kind::Strike => self.marker("~~"),
            Kind::Spoiler => self.marker("||"),
            Kind::Code => self.marker("`"),
            Kind::Pre(language) => self.marker(&format!("```{language}\n")),
            Kind::TextUrl(_) | Kind::MentionName(_) => self.marker("["),
            Kind::CustomEmoji(_) => self.marker("!["),
            // Removed by `normalize`.
            Kind::Underline | Kind::Blockquote { .. } => {}
        }
    }

    fn close(&mut self, span: &Span) {
        match &span.kind {
            Kind::Bold => self.marker("**"),
            Kind::Italic => self.marker("__"),
            Kind::Strike => self.marker("~~"),
            Kind::Spoiler => self.marker("||"),
            Kind::Code => self.marker("`"),
            Kind::Pre(_) => self.marker("\n```"),
            Kind::TextUrl(url) => self.marker(&format!("]({})", escape_url(url))),
            Kind::MentionName(id) => self.marker(&format!("](tg://user?id={id})")),
            Kind::CustomEmoji(id) => self.marker(&format!("](tg://emoji?id={id})")),
            Kind::Underline | Kind::Blockquote { .. } => {}
        }
    }
}

/// Escapes `)` and `\` in a link target.
fn escape_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if matches!(c, ')' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
