//! `messages.getDialogs`: an account's private chats and the channels
//! and supergroups it is a member of, in one list, newest first.
//!
//! A channel's dialog carries its `pts`, so a client learns where each
//! channel's sequence stands when it starts (Telegram's "Working with
//! Updates" has clients take channel `pts` from the dialogs).

use super::State;
use super::channels::{ChannelMessage, ChannelRecord};
use super::messages::{DialogSummary, MessageRecord};

/// Whose dialog it is.
#[derive(Clone, Debug)]
pub enum DialogPeer<'a> {
    /// A private chat, with its top message.
    User(DialogSummary, Option<&'a MessageRecord>),
    /// A channel or supergroup, with its top message.
    Channel(&'a ChannelRecord, Option<&'a ChannelMessage>),
}

/// One dialog, with what orders it.
#[derive(Clone, Debug)]
pub struct DialogEntry<'a> {
    /// The date of its top message (the channel's creation when empty).
    pub date: i32,
    /// Its top message's id (in the chat's own id space).
    pub top_id: i32,
    /// Whose it is.
    pub peer: DialogPeer<'a>,
}

impl DialogEntry<'_> {
    /// Whether this dialog is `peer`'s (`channel`: a channel id).
    pub fn is(&self, peer: i64, channel: bool) -> bool {
        match &self.peer {
            DialogPeer::User(d, _) => !channel && d.peer == peer,
            DialogPeer::Channel(c, _) => channel && c.id == peer,
        }
    }

    /// A key that orders dialogs the same way on every call.
    fn key(&self) -> (i32, i32, i64) {
        let peer = match &self.peer {
            DialogPeer::User(d, _) => d.peer,
            DialogPeer::Channel(c, _) => -c.id,
        };
        (self.date, self.top_id, peer)
    }
}

impl State {
    /// `user`'s dialogs, newest top message first: its private chats and
    /// the channels it is a member of.
    pub fn dialog_list(&self, user: i64) -> Vec<DialogEntry<'_>> {
        let mut list: Vec<DialogEntry<'_>> = Vec::new();
        if let Some(mailbox) = self.mailboxes.get(&user) {
            list.extend(mailbox.dialogs().into_iter().map(|d| {
                let top = mailbox.get(d.top_message);
                DialogEntry {
                    date: top.map_or(0, |m| m.date),
                    top_id: d.top_message,
                    peer: DialogPeer::User(d, top),
                }
            }));
        }
        list.extend(self.channels.iter().filter(|c| c.is_member(user)).map(|c| {
            let top = c.messages().next_back();
            DialogEntry {
                date: top.map_or(c.date, |m| m.date),
                top_id: top.map_or(0, |m| m.id),
                peer: DialogPeer::Channel(c, top),
            }
        }));
        list.sort_by_key(|e| std::cmp::Reverse(e.key()));
        list
    }
}
