//! Tests of both formats: hand-written cases, hostile input, and round trips
//! of pseudo-random text and entities.

use std::collections::BTreeMap;

use paperplane_tl::{enums, types};

use crate::entity::{self, Flavor, Kind, Span};
use crate::{generate_html, generate_markdown, mention_user_id, parse_html, parse_markdown};

// ---------------------------------------------------------------------------
// Helpers

fn bold(offset: i32, length: i32) -> enums::MessageEntity {
    Kind::Bold.to_entity(offset, length)
}
fn italic(offset: i32, length: i32) -> enums::MessageEntity {
    Kind::Italic.to_entity(offset, length)
}
fn underline(offset: i32, length: i32) -> enums::MessageEntity {
    Kind::Underline.to_entity(offset, length)
}
fn strike(offset: i32, length: i32) -> enums::MessageEntity {
    Kind::Strike.to_entity(offset, length)
}
fn spoiler(offset: i32, length: i32) -> enums::MessageEntity {
    Kind::Spoiler.to_entity(offset, length)
}
fn code(offset: i32, length: i32) -> enums::MessageEntity {
    Kind::Code.to_entity(offset, length)
}
fn pre(offset: i32, length: i32, language: &str) -> enums::MessageEntity {
    Kind::Pre(language.into()).to_entity(offset, length)
}
fn link(offset: i32, length: i32, url: &str) -> enums::MessageEntity {
    Kind::TextUrl(url.into()).to_entity(offset, length)
}
fn emoji(offset: i32, length: i32, id: i64) -> enums::MessageEntity {
    Kind::CustomEmoji(id).to_entity(offset, length)
}
fn quote(offset: i32, length: i32, collapsed: bool) -> enums::MessageEntity {
    Kind::Blockquote { collapsed }.to_entity(offset, length)
}
fn mention(offset: i32, length: i32, user_id: i64) -> enums::MessageEntity {
    Kind::MentionName(user_id).to_entity(offset, length)
}

/// Formatting as a map from kind to the byte ranges it covers, so that split or differently ordered but equal formatting
/// compares equal. Mentions by id count as their `tg://user` links.
type Canonical = BTreeMap<Kind, Vec<(usize, usize)>>;

fn canonical_spans(spans: Vec<Span>) -> Canonical {
    let mut map: BTreeMap<Kind, Vec<(usize, usize)>> = BTreeMap::new();
    for span in spans {
        let kind = match span.kind {
            Kind::MentionName(id) => Kind::TextUrl(format!("tg://user?id={id}")),
            kind => kind,
        };
        map.entry(kind).or_default().push((span.start, span.end));
    }
    for ranges in map.values_mut() {
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for &(s, e) in ranges.iter() {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        *ranges = merged;
    }
    map
}

fn canonical(text: &str, entities: &[enums::MessageEntity]) -> Canonical {
    canonical_spans(entity::spans_from_entities(text, entities))
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Characters that stress both formats: markup, references, escapes,
/// whitespace, and multi-byte and astral characters.
const ALPHABET: &[&str] = &[
    "a", "b", "m", "p", "l", "t", "x", "1", " ", " ", "\n", "*", "_", "~", "|", "`", "[", "]", "(",
    ")", "\\", "!", "<", ">", "&", "\"", "'", ";", "#", "=", "/", "-", "é", "日", "😀", "👍🏽",
    "\u{200d}",
];
const URLS: &[&str] = &[
    "https://t.me",
    "http://a.b/c?d=e&f=\"g\"",
    "https://x.y/(paren)\\back",
    "tg://user?id=42",
    "mailto:a@b.c <x>",
];
const LANGUAGES: &[&str] = &["", "rust", "c++", "x&y", "a\"b"];

fn random_text(rng: &mut Rng) -> String {
    (0..rng.below(24)).map(|_| *rng.pick(ALPHABET)).collect()
}

fn random_kind(rng: &mut Rng, flavor: Flavor) -> Kind {
    let n = if flavor == Flavor::Html { 11 } else { 8 };
    match rng.below(n) {
        0 => Kind::Bold,
        1 => Kind::Italic,
        2 => Kind::Strike,
        3 => Kind::Spoiler,
        4 => Kind::Code,
        5 => Kind::Pre((*rng.pick(LANGUAGES)).into()),
        6 => Kind::TextUrl((*rng.pick(URLS)).into()),
        7 => Kind::CustomEmoji(*rng.pick(&[1, 5_368_324_170_671_202_286, -3])),
        8 => Kind::Underline,
        9 => Kind::Blockquote { collapsed: false },
        _ => Kind::Blockquote { collapsed: true },
    }
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// UTF-16 offsets of the character boundaries of `text`.
fn boundaries(text: &str) -> Vec<usize> {
    let mut out = vec![0];
    let mut at = 0;
    for c in text.chars() {
        at += c.len_utf16();
        out.push(at);
    }
    out
}

fn overlap(a: &Span, b: &Span) -> bool {
    a.start < b.end && b.start < a.end
}
fn contains(outer: &Span, inner: &Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// Whether `candidate` may join `spans` in a set that `flavor` can express
/// exactly. Written from the formats' rules, independently of
/// `entity::normalize`.
fn expressible(spans: &[Span], candidate: &Span, flavor: Flavor) -> bool {
    let is_link = |k: &Kind| matches!(k, Kind::TextUrl(_) | Kind::MentionName(_));
    let is_emoji = |k: &Kind| matches!(k, Kind::CustomEmoji(_));
    spans.iter().all(|s| {
        if !overlap(s, candidate) {
            return true;
        }
        let nested = contains(s, candidate) || contains(candidate, s);
        if s.kind == candidate.kind {
            return false;
        }
        if (is_link(&s.kind) && is_link(&candidate.kind))
            || (is_emoji(&s.kind) && is_emoji(&candidate.kind))
        {
            return false;
        }
        if (is_link(&s.kind) || is_emoji(&s.kind))
            && (is_link(&candidate.kind) || is_emoji(&candidate.kind))
            && !nested
        {
            return false;
        }
        let pre_code = matches!(
            (&s.kind, &candidate.kind),
            (Kind::Pre(_), Kind::Code | Kind::Pre(_)) | (Kind::Code, Kind::Pre(_))
        );
        if pre_code {
            return false;
        }
        if flavor == Flavor::Markdown {
            // Code holds nothing; other spans may only hold whole code.
            if s.kind.is_code() && candidate.kind.is_code() {
                return false;
            }
            if s.kind.is_code() && !contains(candidate, s) {
                return false;
            }
            if candidate.kind.is_code() && !contains(s, candidate) {
                return false;
            }
        }
        true
    })
}

// ---------------------------------------------------------------------------
// Markdown parsing

#[test]
fn markdown_cases() {
    let cases: Vec<(&str, &str, Vec<enums::MessageEntity>)> = vec![
        ("plain", "plain", vec![]),
        ("**bold**", "bold", vec![bold(0, 4)]),
        ("*bold*", "bold", vec![bold(0, 4)]),
        (
            "__italic__ _it_",
            "italic it",
            vec![italic(0, 6), italic(7, 2)],
        ),
        (
            "~~gone~~ ||secret||",
            "gone secret",
            vec![strike(0, 4), spoiler(5, 6)],
        ),
        ("a `x*y` b", "a x*y b", vec![code(2, 3)]),
        (
            "```rust\nfn main() {}\n```",
            "fn main() {}",
            vec![pre(0, 12, "rust")],
        ),
        ("```\ncode\n```", "code", vec![pre(0, 4, "")]),
        ("```inline code```", "inline code", vec![pre(0, 11, "")]),
        ("```two words\nx```", "two words\nx", vec![pre(0, 11, "")]),
        (
            "[site](https://t.me)",
            "site",
            vec![link(0, 4, "https://t.me")],
        ),
        (
            "[Ann](tg://user?id=123)",
            "Ann",
            vec![link(0, 3, "tg://user?id=123")],
        ),
        ("![👍](tg://emoji?id=77)", "👍", vec![emoji(0, 2, 77)]),
        (
            "wow![x](https://a.b)",
            "wow!x",
            vec![link(4, 1, "https://a.b")],
        ),
        (
            "**bold __both** italic__",
            "bold both italic",
            vec![bold(0, 9), italic(5, 11)],
        ),
        (
            "**[a _b_](u)**",
            "a b",
            vec![bold(0, 3), link(0, 3, "u"), italic(2, 1)],
        ),
        ("[a](u(v\\)w)", "a", vec![link(0, 1, "u(v)w")]),
        // Escapes.
        ("\\*not\\* \\_ \\\\ \\q", "*not* _ \\ \\q", vec![]),
        ("`a\\`b\\\\c\\d`", "a`b\\c\\d", vec![code(0, 7)]),
        // Unpaired markup stays text.
        ("2 * 3 = 6", "2 * 3 = 6", vec![]),
        ("snake_case_name", "snake_case_name", vec![]),
        ("**open", "**open", vec![]),
        ("[not a link] (x)", "[not a link] (x)", vec![]),
        ("[a](b", "[a](b", vec![]),
        ("a] (b)", "a] (b)", vec![]),
        ("`open", "`open", vec![]),
        ("```open", "```open", vec![]),
        ("x ~ y | z", "x ~ y | z", vec![]),
        ("a``b", "a``b", vec![]),
        ("``````", "``````", vec![]),
        ("a``b`", "a`b", vec![code(2, 1)]),
        // Empty pairs vanish.
        ("a****b", "ab", vec![]),
        ("[](https://t.me)x", "x", vec![]),
        ("[a]()", "a", vec![]),
        // UTF-16 offsets.
        ("😀 **日本**", "😀 日本", vec![bold(3, 2)]),
        ("**👍🏽**!", "👍🏽!", vec![bold(0, 4)]),
    ];
    for (input, text, entities) in cases {
        assert_eq!(
            parse_markdown(input),
            (text.to_owned(), entities),
            "{input:?}"
        );
    }
}

#[test]
fn markdown_unmatched_bracket_before_link() {
    let (text, entities) = parse_markdown("[a [b](u)");
    assert_eq!(text, "[a b");
    assert_eq!(entities, vec![link(3, 1, "u")]);
}

// ---------------------------------------------------------------------------
// HTML parsing

#[test]
fn html_cases() {
    let cases: Vec<(&str, &str, Vec<enums::MessageEntity>)> = vec![
        ("plain", "plain", vec![]),
        (
            "<b>b</b><strong>s</strong>",
            "bs",
            vec![bold(0, 1), bold(1, 1)],
        ),
        ("<i>i</i><em>e</em>", "ie", vec![italic(0, 1), italic(1, 1)]),
        (
            "<u>u</u><ins>n</ins>",
            "un",
            vec![underline(0, 1), underline(1, 1)],
        ),
        (
            "<s>s</s><strike>t</strike><del>d</del>",
            "std",
            vec![strike(0, 1), strike(1, 1), strike(2, 1)],
        ),
        (
            "<tg-spoiler>a</tg-spoiler><span class=\"x tg-spoiler\">b</span><span>c</span>",
            "abc",
            vec![spoiler(0, 1), spoiler(1, 1)],
        ),
        ("<code>x &lt; y</code>", "x < y", vec![code(0, 5)]),
        ("<pre>a\nb</pre>", "a\nb", vec![pre(0, 3, "")]),
        (
            "<pre><code class=\"language-python\">print()</code></pre>",
            "print()",
            vec![pre(0, 7, "python")],
        ),
        ("<pre><code>x</code></pre>", "x", vec![pre(0, 1, "")]),
        (
            "<a href=\"https://t.me/?a=1&amp;b=2\">t</a>",
            "t",
            vec![link(0, 1, "https://t.me/?a=1&b=2")],
        ),
        (
            "<a href='tg://user?id=5'>me</a>",
            "me",
            vec![link(0, 2, "tg://user?id=5")],
        ),
        (
            "<a href=https://x.y>u</a>",
            "u",
            vec![link(0, 1, "https://x.y")],
        ),
        ("<a>no href</a>", "no href", vec![]),
        (
            "<tg-emoji emoji-id=\"42\">😀</tg-emoji>",
            "😀",
            vec![emoji(0, 2, 42)],
        ),
        ("<tg-emoji emoji-id=\"x\">😀</tg-emoji>", "😀", vec![]),
        (
            "<blockquote>q</blockquote><blockquote expandable>e</blockquote>",
            "qe",
            vec![quote(0, 1, false), quote(1, 1, true)],
        ),
        ("<B>case</B>", "case", vec![bold(0, 4)]),
        ("<b><i>x</i></b>", "x", vec![bold(0, 1), italic(0, 1)]),
        // References.
        (
            "&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#X43;&#0;&#xD800;&#99999999;",
            "<>&\"'ABC\u{fffd}\u{fffd}\u{fffd}",
            vec![],
        ),
        (
            "&unknown; & &amp &#; &#x;",
            "&unknown; & &amp &#; &#x;",
            vec![],
        ),
        ("&#128512;", "😀", vec![]),
        // Unknown tags, comments, stray `<`.
        ("<p>para</p><div x=1>d</div>", "parad", vec![]),
        ("a<!-- <b>hidden</b> -->b", "ab", vec![]),
        ("a < b > c", "a < b > c", vec![]),
        ("1<2", "1<2", vec![]),
        ("a<br>b<br/>c", "a\nb\nc", vec![]),
        // Malformed: unclosed, stray and overlapping tags.
        ("<b>open", "open", vec![bold(0, 4)]),
        ("stray</b>x", "strayx", vec![]),
        ("<b>a<i>b</b>c</i>", "abc", vec![bold(0, 2), italic(1, 2)]),
        ("<b x=\"unterminated>y", "<b x=\"unterminated>y", vec![]),
        ("<b", "<b", vec![]),
        ("<!-- open", "<!-- open", vec![]),
        // UTF-16 offsets.
        ("😀<b>日本</b>", "😀日本", vec![bold(2, 2)]),
    ];
    for (input, text, entities) in cases {
        assert_eq!(parse_html(input), (text.to_owned(), entities), "{input:?}");
    }
}

// ---------------------------------------------------------------------------
// Generation

#[test]
fn generate_markdown_cases() {
    let cases: Vec<(&str, Vec<enums::MessageEntity>, &str)> = vec![
        ("plain", vec![], "plain"),
        (
            "a*b_c~d|e`f[g]h\\i!",
            vec![],
            "a\\*b\\_c\\~d\\|e\\`f\\[g\\]h\\\\i!",
        ),
        ("bold", vec![bold(0, 4)], "**bold**"),
        ("ab", vec![bold(0, 1), bold(1, 1)], "**a****b**"),
        ("abc", vec![bold(0, 2), italic(1, 2)], "**a__b**c__"),
        ("x`y", vec![code(0, 3)], "`x\\`y`"),
        ("fn()", vec![pre(0, 4, "rust")], "```rust\nfn()\n```"),
        ("fn()", vec![pre(0, 4, "r u\\s`t")], "```rust\nfn()\n```"),
        (
            "site",
            vec![link(0, 4, "https://x.y/(a)")],
            "[site](https://x.y/(a\\))",
        ),
        ("Ann", vec![mention(0, 3, 7)], "[Ann](tg://user?id=7)"),
        ("😀", vec![emoji(0, 2, 9)], "![😀](tg://emoji?id=9)"),
        ("Hi!you", vec![link(3, 3, "u")], "Hi\\![you](u)"),
        (
            "abc",
            vec![link(0, 3, "u"), emoji(1, 1, 7)],
            "[a![b](tg://emoji?id=7)c](u)",
        ),
        (
            "abc",
            vec![emoji(0, 3, 7), link(1, 1, "u")],
            "![a[b](u)c](tg://emoji?id=7)",
        ),
        (
            "abc",
            vec![emoji(0, 2, 7), link(1, 2, "u")],
            "![ab](tg://emoji?id=7)c",
        ),
        // What Markdown cannot say.
        ("u q", vec![underline(0, 1), quote(2, 1, true)], "u q"),
        // Formatting ending inside code is trimmed to leave the code out.
        ("abcd", vec![bold(0, 2), code(1, 3)], "**a**`bcd`"),
        ("abcd", vec![code(0, 3), bold(1, 3)], "`abc`**d**"),
        ("abcd", vec![bold(0, 4), code(1, 2)], "**a`bc`d**"),
        ("abcd", vec![code(0, 4), bold(1, 2)], "`abcd`"),
        // Same-kind overlaps join; crossing links are dropped.
        ("abcd", vec![bold(0, 3), bold(1, 3)], "**abcd**"),
        ("abcd", vec![link(0, 3, "x"), link(1, 3, "y")], "[abc](x)d"),
        // UTF-16 offsets, including ones splitting a surrogate pair.
        ("😀x😀", vec![bold(2, 1)], "😀**x**😀"),
        ("😀x", vec![bold(1, 1)], "**😀**x"),
        ("x😀", vec![italic(0, 2)], "__x😀__"),
    ];
    for (text, entities, expected) in cases {
        assert_eq!(
            generate_markdown(text, &entities),
            expected,
            "{text:?} {entities:?}"
        );
    }
}

#[test]
fn generate_html_cases() {
    let cases: Vec<(&str, Vec<enums::MessageEntity>, &str)> = vec![
        ("a<b>&\"c", vec![], "a&lt;b&gt;&amp;\"c"),
        (
            "biusxc",
            vec![
                bold(0, 1),
                italic(1, 1),
                underline(2, 1),
                strike(3, 1),
                spoiler(4, 1),
                code(5, 1),
            ],
            "<b>b</b><i>i</i><u>u</u><s>s</s><tg-spoiler>x</tg-spoiler><code>c</code>",
        ),
        ("p", vec![pre(0, 1, "")], "<pre>p</pre>"),
        (
            "p",
            vec![pre(0, 1, "c++")],
            "<pre><code class=\"language-c++\">p</code></pre>",
        ),
        (
            "l",
            vec![link(0, 1, "a\"&<")],
            "<a href=\"a&quot;&amp;&lt;\">l</a>",
        ),
        (
            "m",
            vec![mention(0, 1, 5)],
            "<a href=\"tg://user?id=5\">m</a>",
        ),
        (
            "e",
            vec![emoji(0, 1, 3)],
            "<tg-emoji emoji-id=\"3\">e</tg-emoji>",
        ),
        (
            "qe",
            vec![quote(0, 1, false), quote(1, 1, true)],
            "<blockquote>q</blockquote><blockquote expandable>e</blockquote>",
        ),
        // Nesting: longer outside; overlaps split the inner-starting one.
        ("abc", vec![italic(1, 1), bold(0, 3)], "<b>a<i>b</i>c</b>"),
        (
            "abc",
            vec![bold(0, 2), italic(1, 2)],
            "<b>a<i>b</i></b><i>c</i>",
        ),
        // Code overlapping a code block is dropped, as are overlapping blocks.
        ("abc", vec![pre(0, 2, ""), code(1, 2)], "<pre>ab</pre>c"),
        (
            "abc",
            vec![pre(0, 2, "x"), pre(1, 2, "y")],
            "<pre><code class=\"language-x\">ab</code></pre>c",
        ),
        // Custom emoji may sit inside links and the other way round.
        (
            "abc",
            vec![link(0, 3, "u"), emoji(1, 1, 7)],
            "<a href=\"u\">a<tg-emoji emoji-id=\"7\">b</tg-emoji>c</a>",
        ),
        // Out of range, negative, empty and overflowing entities.
        (
            "ab",
            vec![
                bold(5, 1),
                bold(-1, 2),
                italic(1, 0),
                strike(1, 100),
                underline(i32::MAX, i32::MAX),
                spoiler(0, i32::MAX),
            ],
            "<tg-spoiler>a<s>b</s></tg-spoiler>",
        ),
    ];
    for (text, entities, expected) in cases {
        assert_eq!(
            generate_html(text, &entities),
            expected,
            "{text:?} {entities:?}"
        );
    }
}

#[test]
fn input_mention_names_are_written_as_links() {
    let input = |user_id| {
        enums::MessageEntity::InputMessageEntityMentionName(types::InputMessageEntityMentionName {
            offset: 0,
            length: 1,
            user_id,
        })
    };
    let user = input(enums::InputUser::InputUser(types::InputUser {
        user_id: 9,
        access_hash: 1,
    }));
    assert_eq!(
        generate_markdown("x", std::slice::from_ref(&user)),
        "[x](tg://user?id=9)"
    );
    assert_eq!(
        generate_html("x", &[user]),
        "<a href=\"tg://user?id=9\">x</a>"
    );
    assert_eq!(
        generate_html("x", &[input(enums::InputUser::InputUserSelf)]),
        "x"
    );
}

#[test]
fn detected_entities_need_no_markup() {
    let entities = [
        enums::MessageEntity::Url(types::MessageEntityUrl {
            offset: 0,
            length: 12,
        }),
        enums::MessageEntity::Hashtag(types::MessageEntityHashtag {
            offset: 13,
            length: 2,
        }),
    ];
    assert_eq!(
        generate_markdown("https://t.me #a", &entities),
        "https://t.me #a"
    );
    assert_eq!(
        generate_html("https://t.me #a", &entities),
        "https://t.me #a"
    );
}

#[test]
fn mention_ids() {
    assert_eq!(mention_user_id("tg://user?id=123"), Some(123));
    assert_eq!(mention_user_id("TG://USER?id=-5&x=1"), Some(-5));
    assert_eq!(mention_user_id("tg://user?x=1&id=7"), Some(7));
    assert_eq!(mention_user_id("tg://user?id=abc"), None);
    assert_eq!(mention_user_id("tg://resolve?domain=x"), None);
    assert_eq!(mention_user_id("tg://"), None);
    assert_eq!(mention_user_id("tg://usé"), None);
    assert_eq!(mention_user_id(""), None);
}

// ---------------------------------------------------------------------------
// Round trips

/// Formatting made only of what `flavor` can express comes back unchanged
/// (up to how touching spans of one kind are split).
fn expressible_round_trip(flavor: Flavor, seed: u64) {
    let mut rng = Rng(seed);
    let mut kept = 0;
    for case in 0..3000 {
        let text = random_text(&mut rng);
        let cuts = boundaries(&text);
        let mut spans: Vec<Span> = Vec::new();
        let mut entities = Vec::new();
        for _ in 0..rng.below(7) {
            let a = *rng.pick(&cuts);
            let b = *rng.pick(&cuts);
            let (start, end) = (a.min(b), a.max(b));
            if start == end {
                continue;
            }
            let kind = random_kind(&mut rng, flavor);
            let (start_byte, end_byte) = (byte_of(&text, start), byte_of(&text, end));
            let candidate = Span {
                start: start_byte,
                end: end_byte,
                kind: kind.clone(),
            };
            if !expressible(&spans, &candidate, flavor) {
                continue;
            }
            spans.push(candidate);
            entities.push(kind.to_entity(start as i32, (end - start) as i32));
        }
        let generated = match flavor {
            Flavor::Markdown => generate_markdown(&text, &entities),
            Flavor::Html => generate_html(&text, &entities),
        };
        let (parsed_text, parsed) = match flavor {
            Flavor::Markdown => parse_markdown(&generated),
            Flavor::Html => parse_html(&generated),
        };
        let context = format!("case {case}: {text:?} {entities:?} -> {generated:?}");
        assert_eq!(parsed_text, text, "{context}");
        let mut expected = canonical(&text, &entities);
        // Languages are cleaned of what neither format can carry.
        expected = expected
            .into_iter()
            .map(|(k, v)| match k {
                Kind::Pre(l) => (Kind::Pre(entity::clean_language(&l)), v),
                k => (k, v),
            })
            .collect();
        assert_eq!(
            canonical(&parsed_text, &parsed),
            expected,
            "{context} {parsed:?}"
        );
        kept += parsed.len();
    }
    // The generator is not so picky that nothing gets tested.
    assert!(kept > 3000, "only {kept} entities");
}

fn byte_of(text: &str, utf16: usize) -> usize {
    let mut at = 0;
    for (byte, c) in text.char_indices() {
        if at == utf16 {
            return byte;
        }
        at += c.len_utf16();
    }
    text.len()
}

#[test]
fn markdown_round_trip_expressible() {
    expressible_round_trip(Flavor::Markdown, 0x9e37_79b9_7f4a_7c15);
}

#[test]
fn html_round_trip_expressible() {
    expressible_round_trip(Flavor::Html, 0x2545_f491_4f6c_dd1d);
}

/// Any entities at all, as a hostile server might send: generating never
/// panics, and parsing the result gives back the text and exactly the
/// formatting that survives normalisation.
fn arbitrary_round_trip(flavor: Flavor, seed: u64) {
    let mut rng = Rng(seed);
    for case in 0..3000 {
        let text = random_text(&mut rng);
        let len = utf16_len(&text) as i32;
        let mut entities = Vec::new();
        for _ in 0..rng.below(8) {
            let offset = rng.below(len as usize + 3) as i32 - 1;
            let length = rng.below(len as usize + 3) as i32 - 1;
            let kind = match rng.below(13) {
                11 => Kind::MentionName(rng.below(100) as i64),
                12 => Kind::TextUrl(String::new()),
                _ => random_kind(&mut rng, Flavor::Html),
            };
            entities.push(kind.to_entity(offset, length));
        }
        if rng.below(10) == 0 {
            entities.push(enums::MessageEntity::Mention(types::MessageEntityMention {
                offset: 0,
                length: len,
            }));
        }
        let (generated, (parsed_text, parsed)) = match flavor {
            Flavor::Markdown => {
                let g = generate_markdown(&text, &entities);
                let p = parse_markdown(&g);
                (g, p)
            }
            Flavor::Html => {
                let g = generate_html(&text, &entities);
                let p = parse_html(&g);
                (g, p)
            }
        };
        let context = format!("case {case}: {text:?} {entities:?} -> {generated:?}");
        assert_eq!(parsed_text, text, "{context}");
        let expected = canonical_spans(entity::normalize(
            entity::spans_from_entities(&text, &entities),
            flavor,
        ));
        assert_eq!(
            canonical(&parsed_text, &parsed),
            expected,
            "{context} {parsed:?}"
        );

        // And generating again from what was parsed is stable.
        let again = match flavor {
            Flavor::Markdown => parse_markdown(&generate_markdown(&parsed_text, &parsed)),
            Flavor::Html => parse_html(&generate_html(&parsed_text, &parsed)),
        };
        assert_eq!(again.0, text, "{context}");
        assert_eq!(canonical(&again.0, &again.1), expected, "{context}");
    }
}

#[test]
fn markdown_round_trip_arbitrary() {
    arbitrary_round_trip(Flavor::Markdown, 1);
}

#[test]
fn html_round_trip_arbitrary() {
    arbitrary_round_trip(Flavor::Html, 2);
}

/// Markdown and HTML agree on what both can express.
#[test]
fn formats_agree() {
    let mut rng = Rng(3);
    for _ in 0..1000 {
        let text = random_text(&mut rng);
        let cuts = boundaries(&text);
        let entities: Vec<_> = (0..rng.below(5))
            .map(|_| {
                let a = *rng.pick(&cuts) as i32;
                let b = *rng.pick(&cuts) as i32;
                random_kind(&mut rng, Flavor::Markdown).to_entity(a.min(b), (a - b).abs())
            })
            .collect();
        let (md_text, md) = parse_markdown(&generate_markdown(&text, &entities));
        let (html_text, html) = parse_html(&generate_html(&md_text, &md));
        assert_eq!(html_text, text);
        assert_eq!(canonical(&html_text, &html), canonical(&md_text, &md));
    }
}

// ---------------------------------------------------------------------------
// Hostile input

#[test]
fn random_markup_never_panics_and_offsets_stay_in_range() {
    const PIECES: &[&str] = &[
        "*",
        "**",
        "_",
        "__",
        "~~",
        "||",
        "`",
        "```",
        "```rust\n",
        "[",
        "](",
        ")",
        "![",
        "]",
        "\\",
        "<b>",
        "</b>",
        "<i>",
        "</i>",
        "<pre>",
        "<code class=\"language-x\">",
        "</code>",
        "</pre>",
        "<a href=\"u\">",
        "</a>",
        "<a href='",
        "<tg-emoji emoji-id=\"1\">",
        "<blockquote expandable>",
        "</blockquote>",
        "<",
        ">",
        "&",
        "&amp;",
        "&#",
        ";",
        "<!--",
        "-->",
        "a",
        " ",
        "\n",
        "😀",
        "é",
        "tg://emoji?id=1",
        "<br>",
        "\"",
        "'",
        "=",
    ];
    let mut rng = Rng(4);
    for _ in 0..5000 {
        let input: String = (0..rng.below(30)).map(|_| *rng.pick(PIECES)).collect();
        for (text, entities) in [parse_markdown(&input), parse_html(&input)] {
            let len = utf16_len(&text);
            for e in &entities {
                let Some((_, offset, length)) = entity_range(e) else {
                    panic!("unexpected entity {e:?}");
                };
                assert!(offset >= 0 && length > 0, "{input:?} {e:?}");
                assert!((offset + length) as usize <= len, "{input:?} {e:?}");
            }
            // Whatever was parsed can be written back and read again.
            let (md_text, _) = parse_markdown(&generate_markdown(&text, &entities));
            let (html_text, html) = parse_html(&generate_html(&text, &entities));
            assert_eq!(md_text, text);
            assert_eq!(html_text, text);
            let expected = canonical_spans(entity::normalize(
                entity::spans_from_entities(&text, &entities),
                Flavor::Html,
            ));
            assert_eq!(canonical(&html_text, &html), expected, "{input:?}");
        }
    }
}

fn entity_range(e: &enums::MessageEntity) -> Option<((), i32, i32)> {
    use enums::MessageEntity as E;
    Some(match e {
        E::Bold(x) => ((), x.offset, x.length),
        E::Italic(x) => ((), x.offset, x.length),
        E::Underline(x) => ((), x.offset, x.length),
        E::Strike(x) => ((), x.offset, x.length),
        E::Spoiler(x) => ((), x.offset, x.length),
        E::Code(x) => ((), x.offset, x.length),
        E::Pre(x) => ((), x.offset, x.length),
        E::TextUrl(x) => ((), x.offset, x.length),
        E::CustomEmoji(x) => ((), x.offset, x.length),
        E::Blockquote(x) => ((), x.offset, x.length),
        _ => return None,
    })
}

#[test]
fn deep_nesting_and_long_input() {
    let html = "<b>".repeat(20_000) + "x" + &"</i>".repeat(20_000);
    let (text, entities) = parse_html(&html);
    assert_eq!(text, "x");
    assert_eq!(entities.len(), 20_000);

    let md = "**".repeat(20_001) + "x";
    let (text, _) = parse_markdown(&md);
    assert_eq!(text, "**x");

    // Many entities from a hostile server: linear, not quadratic.
    let n = 50_000;
    let text = "x".repeat(2 * n);
    let mut entities = Vec::new();
    for i in 0..n as i32 {
        let outer = 2 * n as i32 - 2 * i;
        entities.push(pre(i, outer, &format!("l{i}")));
        entities.push(link(i, outer, &format!("u{i}")));
        entities.push(emoji(i, 3, i64::from(i)));
        entities.push(code(i, 2));
        entities.push(bold(i, 2));
    }
    let html = generate_html(&text, &entities);
    assert!(html.starts_with("<a href=\"u0\"><pre><code class=\"language-l0\">"));
    assert_eq!(html.matches("<pre>").count(), 1);
    let markdown = generate_markdown(&text, &entities);
    assert!(markdown.starts_with("[```l0\n"));
    assert_eq!(markdown.matches("```").count(), 2);

    let amps = "&".repeat(50_000) + ";";
    assert_eq!(parse_html(&amps).0, amps);
}
