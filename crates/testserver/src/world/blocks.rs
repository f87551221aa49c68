//! Blocking users (`contacts.block`, `contacts.unblock`,
//! `contacts.getBlocked`).
//!
//! Each account keeps two lists, as Telegram does: the blocked users, and
//! (`my_stories_from`) those its stories are hidden from. A change
//! reaches the blocker's other sessions as `updatePeerBlocked`. A person
//! blocking or unblocking a bot is what Telegram calls stopping and
//! restarting it: the bot gets `updateBotStopped`, an event of its `qts`
//! sequence. What the main list changes in messaging: the blocker may
//! not write to the blocked user (`400 YOU_BLOCKED_USER`), and a bot may
//! not write to a person who blocked it (`403 USER_IS_BLOCKED`). Messages
//! from a blocked person to the blocker are still delivered here (on
//! Telegram they silently are not).

use std::collections::BTreeMap;

use paperplane_tl::{enums, types};
use serde::{Deserialize, Serialize};

use super::chat::Origin;
use super::{Pushes, State, view};
use crate::error::{ApiError, ApiResult};

/// Whom one account blocked, with when.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BlockList {
    /// Blocked users, by id, with the date they were blocked.
    #[serde(default)]
    peers: BTreeMap<i64, i32>,
    /// Users the account's stories are hidden from.
    #[serde(default)]
    stories: BTreeMap<i64, i32>,
}

impl BlockList {
    fn list(&mut self, stories: bool) -> &mut BTreeMap<i64, i32> {
        match stories {
            true => &mut self.stories,
            false => &mut self.peers,
        }
    }
}

/// What to block or unblock.
#[derive(Clone, Copy, Debug)]
pub struct BlockChange {
    /// The user to block or unblock.
    pub target: i64,
    /// The stories list rather than the main one.
    pub stories: bool,
    /// Block (or unblock).
    pub blocked: bool,
}

impl State {
    /// Whether `blocker` blocked `user` (the main list).
    pub fn is_blocked(&self, blocker: i64, user: i64) -> bool {
        self.blocks
            .get(&blocker)
            .is_some_and(|b| b.peers.contains_key(&user))
    }

    /// Blocks or unblocks `change.target` for `origin.user_id`: `400
    /// CONTACT_ID_INVALID` for oneself, `400 BOT_METHOD_INVALID` for a
    /// bot. A change (not a repeat) is pushed to the blocker's other
    /// sessions, and to a bot blocked or unblocked by a person as
    /// `updateBotStopped`.
    pub fn set_blocked(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        change: BlockChange,
    ) -> ApiResult<()> {
        let me = origin.user_id;
        let blocker = self
            .users
            .get(me)
            .ok_or_else(ApiError::auth_key_unregistered)?;
        if blocker.bot {
            return Err(ApiError::bad_request("BOT_METHOD_INVALID"));
        }
        let target = self
            .users
            .get(change.target)
            .ok_or_else(|| ApiError::bad_request("CONTACT_ID_INVALID"))?;
        if target.id == me {
            return Err(ApiError::bad_request("CONTACT_ID_INVALID"));
        }
        let target_is_bot = target.bot;
        let list = self.blocks.entry(me).or_default().list(change.stories);
        let changed = match change.blocked {
            true => list.insert(change.target, origin.now).is_none(),
            false => list.remove(&change.target).is_some(),
        };
        if !changed {
            return Ok(());
        }
        let update = types::UpdatePeerBlocked {
            blocked: change.blocked,
            blocked_my_stories_from: change.stories,
            peer_id: view::peer(change.target),
        }
        .into();
        let users = self.users_for(me, &[change.target]);
        let updates = view::updates(vec![update], users, origin.now);
        // The asking session is answered `boolTrue`, which has no `seq`.
        let numbered = origin.conn.is_none();
        self.push_account(pushes, me, origin.conn, updates, numbered);
        if target_is_bot && !change.stories {
            self.push_qts(
                pushes,
                change.target,
                &[me],
                Vec::new(),
                origin.now,
                |qts| {
                    types::UpdateBotStopped {
                        user_id: me,
                        date: origin.now,
                        stopped: change.blocked,
                        qts,
                    }
                    .into()
                },
            );
        }
        Ok(())
    }

    /// A page of `user`'s blocked list (`stories`: the stories list),
    /// most recently blocked first, skipping `offset`, at most `limit`;
    /// and how many there are in all.
    pub fn blocked_page(
        &self,
        user: i64,
        stories: bool,
        offset: usize,
        limit: usize,
    ) -> (Vec<enums::PeerBlocked>, Vec<i64>, usize) {
        let Some(lists) = self.blocks.get(&user) else {
            return (Vec::new(), Vec::new(), 0);
        };
        let list = match stories {
            true => &lists.stories,
            false => &lists.peers,
        };
        let mut all: Vec<(i64, i32)> = list.iter().map(|(id, date)| (*id, *date)).collect();
        all.sort_by_key(|(id, date)| std::cmp::Reverse((*date, *id)));
        let page: Vec<(i64, i32)> = all.iter().copied().skip(offset).take(limit).collect();
        let peers = page
            .iter()
            .map(|(id, date)| {
                types::PeerBlocked {
                    peer_id: view::peer(*id),
                    date: *date,
                }
                .into()
            })
            .collect();
        let ids = page.iter().map(|(id, _)| *id).collect();
        (peers, ids, all.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::users::TestPhone;

    fn origin(user_id: i64) -> Origin {
        Origin {
            user_id,
            conn: None,
            now: 100,
        }
    }

    #[test]
    fn blocking_a_bot_stops_it_on_its_qts() {
        let mut state = State::default();
        let phone = TestPhone::parse("9996621001").unwrap();
        let alice = state.create_person(&phone, "Alice", None, None).unwrap().id;
        let bot = state.create_bot("4242:secret", None).unwrap().id;
        let mut pushes = Pushes::default();
        let change = |blocked| BlockChange {
            target: bot,
            stories: false,
            blocked,
        };
        state
            .set_blocked(&mut pushes, origin(alice), change(true))
            .unwrap();
        // A repeat changes nothing.
        state
            .set_blocked(&mut pushes, origin(alice), change(true))
            .unwrap();
        assert!(state.is_blocked(alice, bot));
        state
            .set_blocked(&mut pushes, origin(alice), change(false))
            .unwrap();
        assert!(!state.is_blocked(alice, bot));
        let events = state.sequences(bot).qts_since(0);
        assert_eq!(events.len(), 2);
        assert_eq!(state.sequences(bot).qts(), 2);
        // Alice's sessions were told twice, each with the next seq.
        assert_eq!(state.sequences(alice).seq(), 2);
        let err = state
            .set_blocked(
                &mut pushes,
                origin(alice),
                BlockChange {
                    target: alice,
                    ..change(true)
                },
            )
            .unwrap_err();
        assert_eq!(err.message, "CONTACT_ID_INVALID");
        let (page, ids, total) = state.blocked_page(alice, false, 0, 10);
        assert_eq!((page.len(), ids.len(), total), (0, 0, 0));
    }
}
