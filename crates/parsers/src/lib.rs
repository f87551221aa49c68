//! Telegram-style Markdown and HTML to and from message entities.
//!
//! Telegram messages are plain text plus a list of
//! [`MessageEntity`](paperplane_tl::enums::MessageEntity) values, each
//! formatting a range of the text given as an offset and a length in UTF-16
//! code units (so an emoji outside the Basic Multilingual Plane counts 2).
//! This crate converts between that and text with markup:
//!
//! - [`parse_markdown`] and [`parse_html`] turn markup into text and
//!   entities, for sending;
//! - [`generate_markdown`] and [`generate_html`] do the reverse, for showing
//!   or editing received messages.
//!
//! Parsing never fails and never panics: markup that does not pair up is
//! kept as text. Generating never panics either, whatever the entities say
//! (they come from the network): ranges outside the text are cut or skipped,
//! and what the format cannot express is left out, so that parsing the
//! generated text gives back the same text and formatting.
//!
//! # Example
//!
//! ```
//! use paperplane_parsers::{generate_html, generate_markdown, parse_html, parse_markdown};
//! use paperplane_tl::{enums, types};
//!
//! let (text, entities) = parse_markdown("Hi **there** 👋, see [the docs](https://core.telegram.org)");
//! assert_eq!(text, "Hi there 👋, see the docs");
//! assert_eq!(entities.len(), 2);
//! // Offsets count UTF-16 code units: "👋" is 2 of them.
//! let enums::MessageEntity::TextUrl(link) = &entities[1] else { panic!() };
//! assert_eq!((link.offset, link.length), (17, 8));
//!
//! // The same formatting as HTML, and back.
//! let html = generate_html(&text, &entities);
//! assert_eq!(html, "Hi <b>there</b> 👋, see <a href=\"https://core.telegram.org\">the docs</a>");
//! assert_eq!(parse_html(&html), (text.clone(), entities.clone()));
//!
//! // Received entities back to Markdown.
//! let bold = enums::MessageEntity::Bold(types::MessageEntityBold { offset: 0, length: 2 });
//! assert_eq!(generate_markdown("Hi *you*", &[bold]), "**Hi** \\*you\\*");
//! ```
//!
//! # Mentions
//!
//! To mention a user by id, both formats use a `tg://user?id=123` link
//! (`[name](tg://user?id=123)`, `<a href="tg://user?id=123">name</a>`). The
//! parsers return it as a `messageEntityTextUrl`, which Telegram turns into a
//! mention of a user the sender may mention; [`mention_user_id`] reads the id
//! back, for callers that would rather send an `inputMessageEntityMentionName`
//! with the user's `InputUser`. The generators write `messageEntityMentionName`
//! and `inputMessageEntityMentionName` entities as such links.

#![forbid(unsafe_code)]

mod entity;
mod html;
mod markdown;
#[cfg(test)]
mod tests;

pub use entity::mention_user_id;
pub use html::{generate_html, parse_html};
pub use markdown::{generate_markdown, parse_markdown};
