//! Sending messages.

use paperplane_net::InvocationError;
use paperplane_tl::{enums, functions, types};
use rand_core::{OsRng, RngCore};

use crate::client::Client;
use crate::update::IncomingMessage;

/// A message to send: text plus options, built step by step.
///
/// ```
/// use paperplane::InputMessage;
/// let msg = InputMessage::text("hello").silent(true).reply_to(Some(42));
/// # let _ = msg;
/// ```
#[derive(Clone, Debug, Default)]
pub struct InputMessage {
    pub(crate) text: String,
    pub(crate) entities: Option<Vec<enums::MessageEntity>>,
    pub(crate) reply_to: Option<i32>,
    pub(crate) silent: bool,
    pub(crate) no_webpage: bool,
    pub(crate) reply_markup: Option<enums::ReplyMarkup>,
}

impl InputMessage {
    /// A text message.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// A message written in Markdown (`**bold**`, `__italic__`, `` `code` ``,
    /// `[link](url)`, …), sent as plain text with entities.
    pub fn markdown(text: &str) -> Self {
        let (text, entities) = paperplane_parsers::parse_markdown(text);
        Self::text(text).entities(entities)
    }

    /// A message written in Telegram's HTML subset (`<b>`, `<i>`, `<code>`,
    /// `<a href>`, …), sent as plain text with entities.
    pub fn html(text: &str) -> Self {
        let (text, entities) = paperplane_parsers::parse_html(text);
        Self::text(text).entities(entities)
    }

    /// Formatting entities for the text (UTF-16 offsets, as Telegram counts).
    pub fn entities(mut self, entities: Vec<enums::MessageEntity>) -> Self {
        self.entities = (!entities.is_empty()).then_some(entities);
        self
    }

    /// Reply to this message id.
    pub fn reply_to(mut self, message_id: Option<i32>) -> Self {
        self.reply_to = message_id;
        self
    }

    /// Deliver without a notification sound.
    pub fn silent(mut self, silent: bool) -> Self {
        self.silent = silent;
        self
    }

    /// Whether to show a preview of the first link.
    pub fn link_preview(mut self, preview: bool) -> Self {
        self.no_webpage = !preview;
        self
    }

    /// A keyboard or other reply markup.
    pub fn reply_markup(mut self, markup: enums::ReplyMarkup) -> Self {
        self.reply_markup = Some(markup);
        self
    }
}

impl From<&str> for InputMessage {
    fn from(text: &str) -> Self {
        Self::text(text)
    }
}

impl From<String> for InputMessage {
    fn from(text: String) -> Self {
        Self::text(text)
    }
}

impl From<&String> for InputMessage {
    fn from(text: &String) -> Self {
        Self::text(text.as_str())
    }
}

impl Client {
    /// Sends a message to `peer` (`"me"`, `"@username"`, `"+phone"`, or an
    /// id seen before).
    pub async fn send_message(
        &self,
        peer: &str,
        message: impl Into<InputMessage>,
    ) -> Result<(), InvocationError> {
        let peer = self.resolve_peer(peer).await?;
        self.send_message_to_peer(peer, message).await.map(drop)
    }

    /// Sends a message to your own "Saved Messages".
    pub async fn send_to_self(
        &self,
        message: impl Into<InputMessage>,
    ) -> Result<IncomingMessage, InvocationError> {
        let peer = self.resolve_peer("me").await?;
        self.send_message_to_peer(peer, message).await
    }

    /// Sends a message to a peer and returns it as sent.
    pub async fn send_message_to_peer(
        &self,
        peer: enums::Peer,
        message: impl Into<InputMessage>,
    ) -> Result<IncomingMessage, InvocationError> {
        let message = message.into();
        let input_peer = self.input_peer(&peer)?;
        let random_id = OsRng.next_u64() as i64;
        let request = functions::messages::SendMessage {
            no_webpage: message.no_webpage,
            silent: message.silent,
            background: false,
            clear_draft: false,
            noforwards: false,
            update_stickersets_order: false,
            invert_media: false,
            allow_paid_floodskip: false,
            peer: input_peer,
            reply_to: message.reply_to.map(|id| {
                types::InputReplyToMessage {
                    reply_to_msg_id: id,
                    ..Default::default()
                }
                .into()
            }),
            message: message.text.clone(),
            random_id,
            reply_markup: message.reply_markup.clone(),
            entities: message.entities.clone(),
            schedule_date: None,
            schedule_repeat_period: None,
            send_as: None,
            quick_reply_shortcut: None,
            effect: None,
            allow_paid_stars: None,
            suggested_post: None,
            rich_message: None,
        };
        let updates = self.invoke(&request).await?;
        let sent = self.sent_message(&updates, random_id, peer, message);
        sent.map(|m| IncomingMessage::new(m, self.clone()))
    }

    /// The message a send produced, from the answer's updates.
    fn sent_message(
        &self,
        updates: &enums::Updates,
        random_id: i64,
        peer: enums::Peer,
        input: InputMessage,
    ) -> Result<enums::Message, InvocationError> {
        let (list, short) = match updates {
            enums::Updates::UpdateShortSentMessage(u) => (None, Some(u)),
            enums::Updates::Updates(u) => (Some(&u.updates), None),
            enums::Updates::Combined(u) => (Some(&u.updates), None),
            _ => (None, None),
        };
        if let Some(u) = short {
            let from = self
                .self_id()
                .map(|user_id| enums::Peer::User(types::PeerUser { user_id }));
            let reply_to = input.reply_to.map(|id| {
                types::MessageReplyHeader {
                    reply_to_msg_id: Some(id),
                    ..Default::default()
                }
                .into()
            });
            return Ok(crate::update::short_message(
                u.id,
                true,
                from,
                peer,
                u.date,
                input.text,
                u.entities.clone().or(input.entities),
                None,
                None,
                reply_to,
                input.silent,
                false,
                false,
                u.ttl_period,
                u.media.clone(),
            ));
        }
        let list = list
            .ok_or_else(|| InvocationError::Invalid("unexpected answer to sendMessage".into()))?;
        let id = list.iter().find_map(|u| match u {
            enums::Update::MessageId(m) if m.random_id == random_id => Some(m.id),
            _ => None,
        });
        list.iter()
            .find_map(|u| {
                let m = match u {
                    enums::Update::NewMessage(u) => &u.message,
                    enums::Update::NewChannelMessage(u) => &u.message,
                    _ => return None,
                };
                let mid = match m {
                    enums::Message::Message(m) => m.id,
                    enums::Message::Service(m) => m.id,
                    enums::Message::Empty(m) => m.id,
                };
                (id.is_none_or(|id| id == mid)).then(|| m.clone())
            })
            .ok_or_else(|| {
                InvocationError::Invalid("the answer to sendMessage has no message".into())
            })
    }
}
