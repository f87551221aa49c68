//! Messages as updates deliver them.

use paperplane_tl::{enums, types};

use crate::InvocationError;
use crate::client::Client;
use crate::messages::InputMessage;

/// A message from an update (or one just sent), with the client to answer
/// it.
#[derive(Clone)]
pub struct IncomingMessage {
    raw: Box<enums::Message>,
    client: Client,
}

impl std::fmt::Debug for IncomingMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncomingMessage")
            .field("id", &self.id())
            .field("peer", &self.peer_id())
            .field("outgoing", &self.outgoing())
            .field("text", &self.text())
            .finish()
    }
}

impl IncomingMessage {
    pub(crate) fn new(raw: enums::Message, client: Client) -> Self {
        Self {
            raw: Box::new(raw),
            client,
        }
    }

    /// The message as Telegram sent it.
    pub fn raw(&self) -> &enums::Message {
        &self.raw
    }

    /// The message id (per account in private chats and groups, per
    /// channel in channels).
    pub fn id(&self) -> i32 {
        match &*self.raw {
            enums::Message::Empty(m) => m.id,
            enums::Message::Message(m) => m.id,
            enums::Message::Service(m) => m.id,
        }
    }

    /// The text; `None` for service messages and messages without text.
    pub fn text(&self) -> Option<&str> {
        match &*self.raw {
            enums::Message::Message(m) if !m.message.is_empty() => Some(&m.message),
            _ => None,
        }
    }

    /// The text with its formatting as Markdown.
    pub fn markdown_text(&self) -> Option<String> {
        self.text()
            .map(|text| paperplane_parsers::generate_markdown(text, self.entities()))
    }

    /// The text with its formatting as HTML.
    pub fn html_text(&self) -> Option<String> {
        self.text()
            .map(|text| paperplane_parsers::generate_html(text, self.entities()))
    }

    /// The text's formatting entities.
    pub fn entities(&self) -> &[enums::MessageEntity] {
        match &*self.raw {
            enums::Message::Message(m) => m.entities.as_deref().unwrap_or_default(),
            _ => &[],
        }
    }

    /// When it was sent (Unix seconds).
    pub fn date(&self) -> i32 {
        match &*self.raw {
            enums::Message::Empty(_) => 0,
            enums::Message::Message(m) => m.date,
            enums::Message::Service(m) => m.date,
        }
    }

    /// The chat it belongs to (for private chats: the other user).
    pub fn peer_id(&self) -> Option<&enums::Peer> {
        match &*self.raw {
            enums::Message::Empty(m) => m.peer_id.as_ref(),
            enums::Message::Message(m) => Some(&m.peer_id),
            enums::Message::Service(m) => Some(&m.peer_id),
        }
    }

    /// Who sent it; `None` for anonymous channel posts.
    pub fn sender_id(&self) -> Option<&enums::Peer> {
        let (from, peer, out) = match &*self.raw {
            enums::Message::Empty(_) => return None,
            enums::Message::Message(m) => (m.from_id.as_ref(), &m.peer_id, m.out),
            enums::Message::Service(m) => (m.from_id.as_ref(), &m.peer_id, m.out),
        };
        // In private chats Telegram may leave `from_id` out of incoming
        // messages: the sender is the chat.
        from.or(match (peer, out) {
            (enums::Peer::User(_), false) => Some(peer),
            _ => None,
        })
    }

    /// Whether the account sent it.
    pub fn outgoing(&self) -> bool {
        match &*self.raw {
            enums::Message::Empty(_) => false,
            enums::Message::Message(m) => m.out,
            enums::Message::Service(m) => m.out,
        }
    }

    /// The bot it was sent via, if any.
    pub fn via_bot_id(&self) -> Option<i64> {
        match &*self.raw {
            enums::Message::Message(m) => m.via_bot_id,
            _ => None,
        }
    }

    /// The message it replies to, if any.
    pub fn reply_to_msg_id(&self) -> Option<i32> {
        let reply = match &*self.raw {
            enums::Message::Message(m) => m.reply_to.as_ref(),
            enums::Message::Service(m) => m.reply_to.as_ref(),
            enums::Message::Empty(_) => None,
        };
        match reply {
            Some(enums::MessageReplyHeader::MessageReplyHeader(h)) => h.reply_to_msg_id,
            _ => None,
        }
    }

    /// When it was last edited.
    pub fn edit_date(&self) -> Option<i32> {
        match &*self.raw {
            enums::Message::Message(m) => m.edit_date,
            _ => None,
        }
    }

    /// Sends `message` to the same chat as a reply to this one.
    pub async fn reply(
        &self,
        message: impl Into<InputMessage>,
    ) -> Result<IncomingMessage, InvocationError> {
        self.respond(message.into().reply_to(Some(self.id()))).await
    }

    /// Sends `message` to the same chat, not as a reply.
    pub async fn respond(
        &self,
        message: impl Into<InputMessage>,
    ) -> Result<IncomingMessage, InvocationError> {
        let peer = self
            .peer_id()
            .cloned()
            .ok_or_else(|| InvocationError::Invalid("the message has no chat".into()))?;
        self.client.send_message_to_peer(peer, message).await
    }

    /// The client that received it.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// Messages that were deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageDeletion {
    /// Their ids.
    pub message_ids: Vec<i32>,
    /// The channel, for channel messages; `None` for private chats and
    /// groups (whose ids are per account).
    pub channel_id: Option<i64>,
}

/// A `message` from the fields of a short update.
#[allow(clippy::too_many_arguments)]
pub(crate) fn short_message(
    id: i32,
    out: bool,
    from_id: Option<enums::Peer>,
    peer_id: enums::Peer,
    date: i32,
    message: String,
    entities: Option<Vec<enums::MessageEntity>>,
    fwd_from: Option<enums::MessageFwdHeader>,
    via_bot_id: Option<i64>,
    reply_to: Option<enums::MessageReplyHeader>,
    silent: bool,
    mentioned: bool,
    media_unread: bool,
    ttl_period: Option<i32>,
    media: Option<enums::MessageMedia>,
) -> enums::Message {
    types::Message {
        out,
        mentioned,
        media_unread,
        silent,
        post: false,
        from_scheduled: false,
        legacy: false,
        edit_hide: false,
        pinned: false,
        noforwards: false,
        invert_media: false,
        offline: false,
        video_processing_pending: false,
        paid_suggested_post_stars: false,
        paid_suggested_post_ton: false,
        id,
        from_id,
        from_boosts_applied: None,
        from_rank: None,
        peer_id,
        saved_peer_id: None,
        fwd_from,
        via_bot_id,
        via_business_bot_id: None,
        guestchat_via_from: None,
        reply_to,
        date,
        message,
        media,
        reply_markup: None,
        entities,
        views: None,
        forwards: None,
        replies: None,
        edit_date: None,
        post_author: None,
        grouped_id: None,
        reactions: None,
        restriction_reason: None,
        ttl_period,
        quick_reply_shortcut_id: None,
        effect: None,
        factcheck: None,
        report_delivery_until_date: None,
        paid_message_stars: None,
        suggested_post: None,
        schedule_repeat_period: None,
        summary_from_language: None,
        rich_message: None,
    }
    .into()
}
