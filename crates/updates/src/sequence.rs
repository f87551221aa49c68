//! Which counter an update advances, and how an update fits a counter.
//!
//! Telegram numbers an account's events on several independent counters
//! ("Working with Updates", core.telegram.org/api/updates): `pts` for
//! messages and their changes (an update covers `pts - pts_count + 1 ..=
//! pts`), `qts` for secret chats and bot events (one per update), `seq` for
//! whole `updates` / `updatesCombined` containers, and a separate `pts`
//! per channel or supergroup. Everything else is unordered.

use paperplane_tl::enums;

/// Where an update sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// On the account's `pts`.
    Pts {
        /// The counter after the update.
        pts: i32,
        /// How many events it covers.
        count: i32,
    },
    /// On the account's `qts` (one event).
    Qts(i32),
    /// On a channel's `pts`.
    Channel {
        /// The channel.
        id: i64,
        /// The counter after the update.
        pts: i32,
        /// How many events it covers.
        count: i32,
    },
    /// A channel whose updates were too many to push: its difference must
    /// be fetched (`updateChannelTooLong`).
    ChannelTooLong {
        /// The channel.
        id: i64,
        /// The channel's pts on the server, when given.
        pts: Option<i32>,
    },
    /// On no counter: applied as it comes.
    Unordered,
}

/// How an update at `pts` covering `count` events relates to `local`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Next in line.
    Next,
    /// Already applied.
    Old,
    /// Events are missing before it.
    Gap,
}

/// `local + count` against `pts`.
pub fn fit(local: i32, pts: i32, count: i32) -> Fit {
    match i64::from(local) + i64::from(count) - i64::from(pts) {
        0 => Fit::Next,
        d if d > 0 => Fit::Old,
        _ => Fit::Gap,
    }
}

/// The channel a message belongs to, if it is a channel's.
pub fn channel_of(message: &enums::Message) -> Option<i64> {
    let peer = match message {
        enums::Message::Message(m) => Some(&m.peer_id),
        enums::Message::Service(m) => Some(&m.peer_id),
        enums::Message::Empty(m) => m.peer_id.as_ref(),
    };
    match peer? {
        enums::Peer::Channel(c) => Some(c.channel_id),
        _ => None,
    }
}

/// Where `update` sits.
pub fn position(update: &enums::Update) -> Position {
    use enums::Update as U;
    let pts = |pts, count| Position::Pts { pts, count };
    let channel = |id: Option<i64>, pts, count| match id {
        Some(id) => Position::Channel { id, pts, count },
        None => Position::Unordered,
    };
    match update {
        U::NewMessage(u) => pts(u.pts, u.pts_count),
        U::EditMessage(u) => pts(u.pts, u.pts_count),
        U::DeleteMessages(u) => pts(u.pts, u.pts_count),
        U::ReadHistoryInbox(u) => pts(u.pts, u.pts_count),
        U::ReadHistoryOutbox(u) => pts(u.pts, u.pts_count),
        U::ReadMessagesContents(u) => pts(u.pts, u.pts_count),
        U::WebPage(u) => pts(u.pts, u.pts_count),
        U::PinnedMessages(u) => pts(u.pts, u.pts_count),
        U::FolderPeers(u) => pts(u.pts, u.pts_count),
        U::NewChannelMessage(u) => channel(channel_of(&u.message), u.pts, u.pts_count),
        U::EditChannelMessage(u) => channel(channel_of(&u.message), u.pts, u.pts_count),
        U::DeleteChannelMessages(u) => channel(Some(u.channel_id), u.pts, u.pts_count),
        U::ChannelWebPage(u) => channel(Some(u.channel_id), u.pts, u.pts_count),
        U::PinnedChannelMessages(u) => channel(Some(u.channel_id), u.pts, u.pts_count),
        U::ChannelTooLong(u) => Position::ChannelTooLong {
            id: u.channel_id,
            pts: u.pts,
        },
        U::NewEncryptedMessage(u) => Position::Qts(u.qts),
        U::MessagePollVote(u) => Position::Qts(u.qts),
        U::ChatParticipant(u) => Position::Qts(u.qts),
        U::ChannelParticipant(u) => Position::Qts(u.qts),
        U::BotStopped(u) => Position::Qts(u.qts),
        U::BotChatInviteRequester(u) => Position::Qts(u.qts),
        U::BotChatBoost(u) => Position::Qts(u.qts),
        U::BotMessageReaction(u) => Position::Qts(u.qts),
        U::BotMessageReactions(u) => Position::Qts(u.qts),
        U::BotBusinessConnect(u) => Position::Qts(u.qts),
        U::BotNewBusinessMessage(u) => Position::Qts(u.qts),
        U::BotEditBusinessMessage(u) => Position::Qts(u.qts),
        U::BotDeleteBusinessMessage(u) => Position::Qts(u.qts),
        U::BotPurchasedPaidMedia(u) => Position::Qts(u.qts),
        U::ManagedBot(u) => Position::Qts(u.qts),
        U::BotGuestChatQuery(u) => Position::Qts(u.qts),
        U::BotStarsSubscription(u) => Position::Qts(u.qts),
        _ => Position::Unordered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_by_pts_and_count() {
        assert_eq!(fit(10, 11, 1), Fit::Next);
        assert_eq!(fit(10, 12, 2), Fit::Next);
        assert_eq!(fit(10, 10, 1), Fit::Old);
        assert_eq!(fit(10, 9, 0), Fit::Old);
        assert_eq!(fit(10, 13, 1), Fit::Gap);
        assert_eq!(fit(10, 10, 0), Fit::Next);
        assert_eq!(fit(i32::MAX, i32::MIN, 1), Fit::Old);
        assert_eq!(fit(i32::MIN, i32::MAX, i32::MAX), Fit::Gap);
    }
}
