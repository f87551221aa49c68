//! What both formats share: a flavour-neutral view of the entities, UTF-16
//! offset conversion, and the clean-up applied before generating text.

use paperplane_tl::{enums, types};

/// The formatting an entity applies, with its attributes.
///
/// The order of the variants is the nesting order used when several
/// entities start at the same place and end at the same place: earlier
/// variants go outside.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    Blockquote { collapsed: bool },
    TextUrl(String),
    MentionName(i64),
    CustomEmoji(i64),
    Bold,
    Italic,
    Underline,
    Strike,
    Spoiler,
    Pre(String),
    Code,
}

impl Kind {
    /// The entity for this kind over `offset..offset + length` (UTF-16).
    pub(crate) fn to_entity(&self, offset: i32, length: i32) -> enums::MessageEntity {
        use enums::MessageEntity as E;
        match self {
            Kind::Bold => E::Bold(types::MessageEntityBold { offset, length }),
            Kind::Italic => E::Italic(types::MessageEntityItalic { offset, length }),
            Kind::Underline => E::Underline(types::MessageEntityUnderline { offset, length }),
            Kind::Strike => E::Strike(types::MessageEntityStrike { offset, length }),
            Kind::Spoiler => E::Spoiler(types::MessageEntitySpoiler { offset, length }),
            Kind::Code => E::Code(types::MessageEntityCode { offset, length }),
            Kind::Pre(language) => E::Pre(types::MessageEntityPre {
                offset,
                length,
                language: language.clone(),
            }),
            Kind::TextUrl(url) => E::TextUrl(types::MessageEntityTextUrl {
                offset,
                length,
                url: url.clone(),
            }),
            Kind::MentionName(user_id) => E::MentionName(types::MessageEntityMentionName {
                offset,
                length,
                user_id: *user_id,
            }),
            Kind::CustomEmoji(document_id) => E::CustomEmoji(types::MessageEntityCustomEmoji {
                offset,
                length,
                document_id: *document_id,
            }),
            Kind::Blockquote { collapsed } => E::Blockquote(types::MessageEntityBlockquote {
                collapsed: *collapsed,
                offset,
                length,
            }),
        }
    }

    /// The kind and UTF-16 range of an entity, or `None` for entities
    /// neither format writes (mentions, hashtags, URLs, … which Telegram
    /// detects in plain text by itself).
    fn from_entity(entity: &enums::MessageEntity) -> Option<(Kind, i32, i32)> {
        use enums::MessageEntity as E;
        Some(match entity {
            E::Bold(e) => (Kind::Bold, e.offset, e.length),
            E::Italic(e) => (Kind::Italic, e.offset, e.length),
            E::Underline(e) => (Kind::Underline, e.offset, e.length),
            E::Strike(e) => (Kind::Strike, e.offset, e.length),
            E::Spoiler(e) => (Kind::Spoiler, e.offset, e.length),
            E::Code(e) => (Kind::Code, e.offset, e.length),
            E::Pre(e) => (Kind::Pre(e.language.clone()), e.offset, e.length),
            E::TextUrl(e) => (Kind::TextUrl(e.url.clone()), e.offset, e.length),
            E::MentionName(e) => (Kind::MentionName(e.user_id), e.offset, e.length),
            E::InputMessageEntityMentionName(e) => {
                let user_id = match &e.user_id {
                    enums::InputUser::InputUser(u) => u.user_id,
                    enums::InputUser::FromMessage(u) => u.user_id,
                    enums::InputUser::Empty | enums::InputUser::InputUserSelf => return None,
                };
                (Kind::MentionName(user_id), e.offset, e.length)
            }
            E::CustomEmoji(e) => (Kind::CustomEmoji(e.document_id), e.offset, e.length),
            E::Blockquote(e) => (
                Kind::Blockquote {
                    collapsed: e.collapsed,
                },
                e.offset,
                e.length,
            ),
            _ => return None,
        })
    }

    /// Whether this is a link (a text URL or a mention by id).
    fn is_link(&self) -> bool {
        matches!(self, Kind::TextUrl(_) | Kind::MentionName(_))
    }

    /// Whether this is a code span or a code block.
    pub(crate) fn is_code(&self) -> bool {
        matches!(self, Kind::Code | Kind::Pre(_))
    }
}

/// One entity over a byte range of the text, both ends on `char` boundaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: Kind,
}

/// Which format a set of spans is being prepared for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    Markdown,
    Html,
}

/// Converts a UTF-16 length or offset to what Telegram's `int` holds,
/// saturating rather than wrapping on absurdly long text.
pub(crate) fn to_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Maps UTF-16 offsets in `text` to byte offsets.
struct Utf16Map {
    /// `(utf16 offset, byte offset)` of every `char` start, then of the end.
    starts: Vec<(usize, usize)>,
}

impl Utf16Map {
    fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() + 1);
        let mut utf16 = 0;
        for (byte, c) in text.char_indices() {
            starts.push((utf16, byte));
            utf16 += c.len_utf16();
        }
        starts.push((utf16, text.len()));
        Utf16Map { starts }
    }

    fn len_utf16(&self) -> usize {
        self.starts.last().map_or(0, |&(u, _)| u)
    }

    /// The byte offset of UTF-16 offset `at`; inside a surrogate pair, the
    /// start of that character (`round_up == false`) or the next one.
    fn byte(&self, at: usize, round_up: bool) -> usize {
        match self.starts.binary_search_by_key(&at, |&(u, _)| u) {
            Ok(i) => self.starts[i].1,
            Err(i) => {
                let i = if round_up { i } else { i.saturating_sub(1) };
                self.starts
                    .get(i)
                    .or(self.starts.last())
                    .map_or(0, |&(_, b)| b)
            }
        }
    }
}

/// The spans of `entities` over `text`, in byte offsets.
///
/// Entities come from the network and may be anything: negative or empty
/// ones and ones starting past the end are skipped, ones running past the
/// end are cut there, and a boundary inside a surrogate pair is widened to
/// take in the whole character.
pub(crate) fn spans_from_entities(text: &str, entities: &[enums::MessageEntity]) -> Vec<Span> {
    let map = Utf16Map::new(text);
    let total = i64::try_from(map.len_utf16()).unwrap_or(i64::MAX);
    let mut spans = Vec::with_capacity(entities.len());
    for entity in entities {
        let Some((kind, offset, length)) = Kind::from_entity(entity) else {
            continue;
        };
        let start = i64::from(offset);
        let end = start + i64::from(length);
        if start < 0 || length <= 0 || start >= total {
            continue;
        }
        let end = end.min(total);
        // Both are within 0..=total, which came from a usize.
        let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) else {
            continue;
        };
        let (start, end) = (map.byte(start, false), map.byte(end, true));
        if start < end {
            spans.push(Span { start, end, kind });
        }
    }
    spans
}

/// Sorts spans outermost first: by start, longest first, then by kind.
pub(crate) fn sort_spans(spans: &mut [Span]) {
    spans.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(a.kind.cmp(&b.kind))
    });
}

/// A code block language as both formats can carry it: no whitespace,
/// backticks or backslashes.
pub(crate) fn clean_language(language: &str) -> String {
    language
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '`' && *c != '\\')
        .collect()
}

/// Prepares spans for writing in `flavor`, dropping or trimming what that
/// format cannot say, so that parsing the written text gives back exactly
/// the returned spans (up to splitting and joining of touching spans of the
/// same kind):
///
/// - overlapping spans of the same kind are joined;
/// - links with an empty URL are dropped, as are links overlapping an
///   earlier link, custom emoji overlapping an earlier custom emoji, and
///   links and custom emoji that cross each other (one neither inside nor
///   outside the other);
/// - code blocks overlapping an earlier code block are dropped, and code
///   spans overlapping a code block;
/// - code block languages lose whitespace, backticks and backslashes;
/// - Markdown only: underline and blockquotes are dropped; other spans are
///   trimmed
///   so that they do not start or end inside code (the code is taken out of
///   them), and dropped if nothing is left.
pub(crate) fn normalize(mut spans: Vec<Span>, flavor: Flavor) -> Vec<Span> {
    for span in &mut spans {
        if let Kind::Pre(language) = &mut span.kind {
            *language = clean_language(language);
        }
    }
    spans.retain(|s| s.start < s.end && !matches!(&s.kind, Kind::TextUrl(url) if url.is_empty()));
    if flavor == Flavor::Markdown {
        spans.retain(|s| !matches!(s.kind, Kind::Underline | Kind::Blockquote { .. }));
    }

    // Join overlapping spans of the same kind.
    spans.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.start.cmp(&b.start)));
    let mut joined: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match joined.last_mut() {
            Some(last) if last.kind == span.kind && span.start < last.end => {
                last.end = last.end.max(span.end);
            }
            _ => joined.push(span),
        }
    }
    let mut spans = joined;
    sort_spans(&mut spans);

    // Code and code blocks. All the checks below run in one pass over spans
    // sorted by start: the intervals kept so far are disjoint and in order,
    // so only the last one can reach a later span.
    let mut pres: Vec<(usize, usize)> = Vec::new();
    spans.retain(|s| {
        if !matches!(s.kind, Kind::Pre(_)) {
            return true;
        }
        if pres.last().is_some_and(|&(_, end)| s.start < end) {
            return false;
        }
        pres.push((s.start, s.end));
        true
    });
    spans.retain(|s| s.kind != Kind::Code || !overlaps_last_before(&pres, s.start, s.end));
    if flavor == Flavor::Markdown {
        // Code and code blocks are now disjoint.
        let code: Vec<(usize, usize)> = spans
            .iter()
            .filter(|s| s.kind.is_code())
            .map(|s| (s.start, s.end))
            .collect();
        let inside = |at: usize| {
            let i = code.partition_point(|&(start, _)| start < at);
            i.checked_sub(1)
                .and_then(|i| code.get(i))
                .filter(|&&(_, end)| at < end)
                .copied()
        };
        for span in spans.iter_mut().filter(|s| !s.kind.is_code()) {
            if let Some((_, end)) = inside(span.start) {
                span.start = end;
            }
            if let Some((start, _)) = inside(span.end) {
                span.end = start;
            }
        }
        spans.retain(|s| s.start < s.end);
        sort_spans(&mut spans);
    }

    // Links and custom emoji: links may not overlap links, custom emoji may
    // not overlap custom emoji, and one of each may overlap only if one is
    // inside the other.
    let mut last_link: Option<(usize, usize)> = None;
    let mut last_emoji: Option<(usize, usize)> = None;
    let crosses = |last: Option<(usize, usize)>, s: &Span| {
        last.is_some_and(|(start, end)| s.start < end && end < s.end && start < s.start)
    };
    let overlaps =
        |last: Option<(usize, usize)>, s: &Span| last.is_some_and(|(_, end)| s.start < end);
    spans.retain(|s| {
        if s.kind.is_link() {
            if overlaps(last_link, s) || crosses(last_emoji, s) {
                return false;
            }
            last_link = Some((s.start, s.end));
        } else if matches!(s.kind, Kind::CustomEmoji(_)) {
            if overlaps(last_emoji, s) || crosses(last_link, s) {
                return false;
            }
            last_emoji = Some((s.start, s.end));
        }
        true
    });
    spans
}

/// Whether `start..end` overlaps any of `intervals` (disjoint, sorted).
fn overlaps_last_before(intervals: &[(usize, usize)], start: usize, end: usize) -> bool {
    let i = intervals.partition_point(|&(s, _)| s < end);
    i.checked_sub(1)
        .and_then(|i| intervals.get(i))
        .is_some_and(|&(_, e)| start < e)
}

/// Builds the parsers' output: entities sorted outermost first.
///
/// `found` holds `(kind, start, end, order)` in UTF-16 units, `order` being
/// when the entity was opened, which breaks ties between equal ranges.
pub(crate) fn finish(mut found: Vec<(Kind, usize, usize, usize)>) -> Vec<enums::MessageEntity> {
    found.retain(|(_, start, end, _)| start < end);
    found.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)).then(a.3.cmp(&b.3)));
    found
        .into_iter()
        .map(|(kind, start, end, _)| kind.to_entity(to_i32(start), to_i32(end - start)))
        .collect()
}

/// The user id in a `tg://user?id=…` link, the form both formats use for
/// mentions of users without a username.
///
/// The parsers return such links as [`MessageEntityTextUrl`]; Telegram turns
/// them into mentions for users the sender may mention. To mention a user
/// explicitly, replace the entity with an `inputMessageEntityMentionName`
/// carrying the user's `InputUser`.
///
/// ```
/// assert_eq!(paperplane_parsers::mention_user_id("tg://user?id=123"), Some(123));
/// assert_eq!(paperplane_parsers::mention_user_id("https://t.me/durov"), None);
/// ```
///
/// [`MessageEntityTextUrl`]: paperplane_tl::types::MessageEntityTextUrl
pub fn mention_user_id(url: &str) -> Option<i64> {
    tg_link_id(url, "user")
}

/// The id in `tg://{host}?id=…`, ignoring any further parameters.
pub(crate) fn tg_link_id(url: &str, host: &str) -> Option<i64> {
    let scheme = url.get(..5)?;
    if !scheme.eq_ignore_ascii_case("tg://") {
        return None;
    }
    let rest = &url[5..];
    let query = rest.get(host.len()..)?;
    if !rest[..host.len()].eq_ignore_ascii_case(host) {
        return None;
    }
    let query = query.strip_prefix('?')?;
    query.split('&').find_map(|pair| {
        let value = pair.strip_prefix("id=")?;
        value.parse().ok()
    })
}
