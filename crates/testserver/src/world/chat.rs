//! Private chats: sending, editing, deleting and reading messages, each
//! with its `pts` events and the updates pushed to every session concerned.

use paperplane_tl::{Serializable, enums, types};

use super::messages::MessageRecord;
use super::updates::EventKind;
use super::{Pushes, State, view};
use crate::error::{ApiError, ApiResult};
use crate::hub::ConnId;

/// Telegram's `message_length_max`, in UTF-16 code units.
pub const MESSAGE_LENGTH_MAX: usize = 4096;

/// The result of a send.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The sender's copy.
    pub message: MessageRecord,
    /// The recipient's copy's id (none for Saved Messages).
    pub recipient_message_id: Option<i32>,
}

/// What a request that may change a chat says about the caller.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    /// The acting user.
    pub user_id: i64,
    /// The connection that asked (its session gets the answer, not a push);
    /// `None` when the control API acts.
    pub conn: Option<ConnId>,
    /// The time of the action.
    pub now: i32,
}

pub(super) fn check_text(text: &str) -> ApiResult<()> {
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("MESSAGE_EMPTY"));
    }
    if text.encode_utf16().count() > MESSAGE_LENGTH_MAX {
        return Err(ApiError::bad_request("MESSAGE_TOO_LONG"));
    }
    Ok(())
}

pub(super) fn entity_bytes(entities: Option<Vec<enums::MessageEntity>>) -> Option<Vec<u8>> {
    entities.filter(|e| !e.is_empty()).map(|e| e.to_bytes())
}

impl State {
    /// The users `viewer` needs to make sense of an update about `ids`.
    pub fn users_for(&self, viewer: i64, ids: &[i64]) -> Vec<enums::User> {
        let mut seen = Vec::new();
        ids.iter()
            .filter(|id| {
                let new = !seen.contains(*id);
                seen.push(**id);
                new
            })
            .filter_map(|id| self.users.get(*id))
            .map(|u| view::user(viewer, u))
            .collect()
    }

    /// Records a pts event for `owner` carrying `update(pts)`, pushes it to
    /// the owner's sessions (except `except`; numbered with the owner's
    /// next `seq` when `numbered`, see [`State::push_account`]), and
    /// returns the new `pts`, the update and the `seq` (0: none).
    #[allow(clippy::too_many_arguments)]
    fn record_update(
        &mut self,
        pushes: &mut Pushes,
        owner: i64,
        pts_count: i32,
        except: Option<ConnId>,
        numbered: bool,
        mentions: &[i64],
        now: i32,
        update: impl FnOnce(i32) -> enums::Update,
    ) -> (i32, enums::Update, i32) {
        let log = self.logs.entry(owner).or_default();
        let update = update(log.pts() + pts_count);
        let bytes = update.to_bytes();
        let pts = log.record(pts_count, |_| EventKind::Update(bytes));
        let users = self.users_for(owner, mentions);
        let updates = view::updates(vec![update.clone()], users, now);
        let (_, seq) = self.push_account(pushes, owner, except, updates, numbered);
        (pts, update, seq)
    }

    /// Stores a new message copy for `owner`, records its pts event and
    /// pushes it to the owner's sessions except `except`: as
    /// `updateShortMessage` to sessions that were pushed the other side's
    /// `User` before, as `updates` with the users to the others.
    fn deliver(
        &mut self,
        pushes: &mut Pushes,
        owner: i64,
        mut message: MessageRecord,
        except: Option<ConnId>,
    ) -> MessageRecord {
        let id = message.id;
        let pts = self
            .logs
            .entry(owner)
            .or_default()
            .record(1, |_| EventKind::NewMessage(id));
        message.pts = pts;
        self.mailboxes
            .entry(owner)
            .or_default()
            .insert(message.clone());
        let update = enums::Update::NewMessage(types::UpdateNewMessage {
            message: view::message(&message),
            pts,
            pts_count: 1,
        });
        let users = self.users_for(owner, &[message.from, message.peer]);
        pushes.message_to_user(
            owner,
            except,
            &view::updates(vec![update], users, message.date),
            message.peer,
            &view::short_message(&message),
        );
        message
    }

    /// Sends `text` from `origin.user_id` to `to`. A `random_id` seen
    /// before from this user returns the message it created, as Telegram
    /// does for a repeated call.
    pub fn send_message(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        to: i64,
        text: &str,
        entities: Option<Vec<enums::MessageEntity>>,
        random_id: Option<i64>,
    ) -> ApiResult<Sent> {
        let from = origin.user_id;
        check_text(text)?;
        let sender = self
            .users
            .get(from)
            .ok_or_else(ApiError::auth_key_unregistered)?;
        let recipient = self
            .users
            .get(to)
            .ok_or_else(|| ApiError::bad_request("PEER_ID_INVALID"))?;
        if sender.bot && recipient.bot && from != to {
            return Err(ApiError::bad_request("USER_IS_BOT"));
        }
        if from != to && self.is_blocked(from, to) {
            return Err(ApiError::bad_request("YOU_BLOCKED_USER"));
        }
        if sender.bot && self.is_blocked(to, from) {
            return Err(ApiError::new(403, "USER_IS_BLOCKED"));
        }
        if let Some(rid) = random_id {
            let mailbox = self.mailboxes.entry(from).or_default();
            if let Some(original) = mailbox.by_random_id(rid) {
                return Ok(Sent {
                    recipient_message_id: original.twin.map(|(_, id)| id),
                    message: original.clone(),
                });
            }
        }
        let entities = entity_bytes(entities);
        let mailbox = self.mailboxes.entry(from).or_default();
        let sender_id = mailbox.next_id();
        if let Some(rid) = random_id {
            mailbox.remember_random_id(rid, sender_id);
        }
        let recipient_id = (to != from).then(|| self.mailboxes.entry(to).or_default().next_id());
        let copy = |id, out, twin| MessageRecord {
            id,
            peer: if out { to } else { from },
            from,
            out,
            text: text.to_owned(),
            entities: entities.clone(),
            date: origin.now,
            edit_date: None,
            twin,
            pts: 0,
        };
        let sender_copy = copy(sender_id, true, recipient_id.map(|id| (to, id)));
        let message = self.deliver(pushes, from, sender_copy, origin.conn);
        if let Some(id) = recipient_id {
            let recipient_copy = copy(id, false, Some((from, sender_id)));
            self.deliver(pushes, to, recipient_copy, None);
        }
        Ok(Sent {
            message,
            recipient_message_id: recipient_id,
        })
    }

    /// Edits `user`'s message `id` in the chat with `peer`; returns the
    /// `updateEditMessage` for the caller and the `seq` its answer must
    /// carry (its other sessions got the edit numbered so).
    pub fn edit_message(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        peer: i64,
        id: i32,
        text: Option<&str>,
        entities: Option<Vec<enums::MessageEntity>>,
    ) -> ApiResult<(enums::Update, i32)> {
        let user = origin.user_id;
        let mailbox = self.mailboxes.entry(user).or_default();
        let old = mailbox
            .get(id)
            .filter(|m| m.peer == peer)
            .cloned()
            .ok_or_else(|| ApiError::bad_request("MESSAGE_ID_INVALID"))?;
        if !old.out {
            return Err(ApiError::bad_request("MESSAGE_AUTHOR_REQUIRED"));
        }
        let Some(text) = text else {
            return Err(ApiError::bad_request("MESSAGE_NOT_MODIFIED"));
        };
        check_text(text)?;
        let entities = entity_bytes(entities);
        if old.text == text && old.entities == entities {
            return Err(ApiError::bad_request("MESSAGE_NOT_MODIFIED"));
        }
        let mut copies = vec![(user, id, origin.conn)];
        copies.extend(old.twin.map(|(owner, twin_id)| (owner, twin_id, None)));
        let mut own_update = None;
        for (owner, msg_id, except) in copies {
            let Some(m) = self
                .mailboxes
                .get_mut(&owner)
                .and_then(|mb| mb.get_mut(msg_id))
            else {
                continue;
            };
            m.text = text.to_owned();
            m.entities = entities.clone();
            m.edit_date = Some(origin.now);
            let message = view::message(m);
            let mentions = [m.from, m.peer];
            // The editor's answer is `updates` with the same seq.
            let (_, update, seq) = self.record_update(
                pushes,
                owner,
                1,
                except,
                true,
                &mentions,
                origin.now,
                |pts| {
                    enums::Update::EditMessage(types::UpdateEditMessage {
                        message,
                        pts,
                        pts_count: 1,
                    })
                },
            );
            if owner == user && own_update.is_none() {
                own_update = Some((update, seq));
            }
        }
        own_update.ok_or_else(|| ApiError::bad_request("MESSAGE_ID_INVALID"))
    }

    /// Deletes `user`'s messages `ids` (and with `revoke` the other side's
    /// copies); returns the caller's `(pts, pts_count)`.
    pub fn delete_messages(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        ids: &[i32],
        revoke: bool,
    ) -> (i32, i32) {
        let user = origin.user_id;
        let mailbox = self.mailboxes.entry(user).or_default();
        let mut deleted = Vec::new();
        let mut twins: Vec<(i64, i32)> = Vec::new();
        for id in ids {
            if let Some(m) = mailbox.remove(*id) {
                deleted.push(m.id);
                if revoke {
                    twins.extend(m.twin.filter(|(owner, _)| *owner != user));
                }
            }
        }
        let own = self.record_deletion(pushes, user, deleted, origin.conn, origin.now);
        let mut owners: Vec<i64> = twins.iter().map(|(o, _)| *o).collect();
        owners.dedup();
        for owner in owners {
            let ids: Vec<i32> = twins
                .iter()
                .filter(|(o, _)| *o == owner)
                .filter_map(|(_, id)| {
                    self.mailboxes
                        .get_mut(&owner)
                        .and_then(|mb| mb.remove(*id))
                        .map(|m| m.id)
                })
                .collect();
            self.record_deletion(pushes, owner, ids, None, origin.now);
        }
        own
    }

    fn record_deletion(
        &mut self,
        pushes: &mut Pushes,
        owner: i64,
        ids: Vec<i32>,
        except: Option<ConnId>,
        now: i32,
    ) -> (i32, i32) {
        let count = i32::try_from(ids.len()).unwrap_or(i32::MAX);
        if count == 0 {
            return (self.logs.entry(owner).or_default().pts(), 0);
        }
        // The deleter is answered `messages.affectedMessages`, without seq.
        let numbered = except.is_none();
        let (pts, _, _) =
            self.record_update(pushes, owner, count, except, numbered, &[], now, |pts| {
                enums::Update::DeleteMessages(types::UpdateDeleteMessages {
                    messages: ids,
                    pts,
                    pts_count: count,
                })
            });
        (pts, count)
    }

    /// Marks `user`'s chat with `peer` read up to `max_id` (0: all); tells
    /// the peer its messages were read. Returns the caller's
    /// `(pts, pts_count)`.
    pub fn read_history(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        peer: i64,
        max_id: i32,
    ) -> (i32, i32) {
        let user = origin.user_id;
        let mailbox = self.mailboxes.entry(user).or_default();
        let limit = if max_id <= 0 { i32::MAX } else { max_id };
        let newest_incoming = mailbox
            .chat(peer)
            .filter(|m| !m.out && m.id <= limit)
            .map(|m| (m.id, m.twin))
            .next();
        let Some((read_to, _)) = newest_incoming else {
            return (self.logs.entry(user).or_default().pts(), 0);
        };
        if !mailbox.mark_inbox_read(peer, read_to) {
            return (self.logs.entry(user).or_default().pts(), 0);
        }
        let still_unread_count = mailbox.unread_count(peer);
        let partner_read_to = mailbox
            .chat(peer)
            .filter(|m| !m.out && m.id <= read_to)
            .filter_map(|m| m.twin)
            .filter(|(owner, _)| *owner == peer)
            .map(|(_, id)| id)
            .max();
        // The reader is answered `messages.affectedMessages`, without seq.
        let numbered = origin.conn.is_none();
        let (pts, _, _) = self.record_update(
            pushes,
            user,
            1,
            origin.conn,
            numbered,
            &[peer],
            origin.now,
            |pts| {
                enums::Update::ReadHistoryInbox(types::UpdateReadHistoryInbox {
                    folder_id: None,
                    peer: view::peer(peer),
                    top_msg_id: None,
                    max_id: read_to,
                    still_unread_count,
                    pts,
                    pts_count: 1,
                })
            },
        );
        if let Some(partner_max) = partner_read_to.filter(|_| peer != user) {
            let moved = self
                .mailboxes
                .entry(peer)
                .or_default()
                .mark_outbox_read(user, partner_max);
            if moved {
                self.record_update(pushes, peer, 1, None, true, &[user], origin.now, |pts| {
                    enums::Update::ReadHistoryOutbox(types::UpdateReadHistoryOutbox {
                        peer: view::peer(user),
                        max_id: partner_max,
                        pts,
                        pts_count: 1,
                    })
                });
            }
        }
        (pts, 1)
    }
}
