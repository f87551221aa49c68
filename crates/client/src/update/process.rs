//! The background task's update handling.

use paperplane_session::UpdateState;
use paperplane_tl::{Deserializable, enums, functions, types};

use super::engine::{PtsCheck, check};
use super::message::short_message;
use super::{IncomingMessage, MessageDeletion, Update, Work};
use crate::client::Client;

/// How many `differenceSlice`s one catch-up follows.
const MAX_SLICES: usize = 1_000;

pub(crate) async fn process(client: &Client, work: Work) {
    match work {
        Work::Raw(body) => match enums::Updates::from_bytes(&body) {
            Ok(updates) => handle(client, updates).await,
            Err(e) => tracing::debug!("ignored a push that is not Updates: {e}"),
        },
        Work::Result(updates) => handle(client, *updates).await,
        Work::CatchUp => get_difference(client).await,
        Work::ResetState => reset_state(client).await,
        Work::Save => {}
    }
}

/// The `message` a short update (`updateShortMessage`,
/// `updateShortChatMessage`) stands for.
macro_rules! message_of_short {
    ($u:expr, $from:expr, $peer:expr) => {{
        let u = $u;
        short_message(
            u.id,
            u.out,
            $from,
            $peer,
            u.date,
            u.message,
            u.entities,
            u.fwd_from,
            u.via_bot_id,
            u.reply_to,
            u.silent,
            u.mentioned,
            u.media_unread,
            u.ttl_period,
            None,
        )
    }};
}

fn user_peer(user_id: i64) -> enums::Peer {
    enums::Peer::User(types::PeerUser { user_id })
}

async fn handle(client: &Client, updates: enums::Updates) {
    let self_id = client.self_id();
    match updates {
        enums::Updates::TooLong => get_difference(client).await,
        enums::Updates::UpdateShortMessage(u) => {
            let peer = user_peer(u.user_id);
            let from = match u.out {
                true => self_id.map(user_peer),
                false => Some(peer.clone()),
            };
            let (date, pts, count) = (u.date, u.pts, u.pts_count);
            let update = new_message(message_of_short!(u, from, peer), pts, count);
            apply(client, vec![update], date).await;
        }
        enums::Updates::UpdateShortChatMessage(u) => {
            let peer = enums::Peer::Chat(types::PeerChat { chat_id: u.chat_id });
            let from = Some(user_peer(u.from_id));
            let (date, pts, count) = (u.date, u.pts, u.pts_count);
            let update = new_message(message_of_short!(u, from, peer), pts, count);
            apply(client, vec![update], date).await;
        }
        enums::Updates::UpdateShort(u) => apply(client, vec![u.update], u.date).await,
        enums::Updates::Combined(u) => {
            client.cache_users(&u.users);
            client.cache_chats(&u.chats);
            apply(client, u.updates, u.date).await;
        }
        enums::Updates::Updates(u) => {
            client.cache_users(&u.users);
            client.cache_chats(&u.chats);
            apply(client, u.updates, u.date).await;
        }
        enums::Updates::UpdateShortSentMessage(u) => {
            if advance(client, u.pts, u.pts_count, u.date) == PtsCheck::Gap {
                get_difference(client).await;
            }
        }
    }
}

fn new_message(message: enums::Message, pts: i32, pts_count: i32) -> enums::Update {
    enums::Update::NewMessage(types::UpdateNewMessage {
        message,
        pts,
        pts_count,
    })
}

/// The account-wide `pts` an update carries, if any (channel updates have
/// their own counters).
fn pts_of(update: &enums::Update) -> Option<(i32, i32)> {
    use enums::Update as U;
    Some(match update {
        U::NewMessage(u) => (u.pts, u.pts_count),
        U::EditMessage(u) => (u.pts, u.pts_count),
        U::DeleteMessages(u) => (u.pts, u.pts_count),
        U::ReadHistoryInbox(u) => (u.pts, u.pts_count),
        U::ReadHistoryOutbox(u) => (u.pts, u.pts_count),
        U::ReadMessagesContents(u) => (u.pts, u.pts_count),
        U::WebPage(u) => (u.pts, u.pts_count),
        U::PinnedMessages(u) => (u.pts, u.pts_count),
        U::FolderPeers(u) => (u.pts, u.pts_count),
        _ => return None,
    })
}

/// Checks `pts` against the saved state and moves it on when it applies.
fn advance(client: &Client, pts: i32, pts_count: i32, date: i32) -> PtsCheck {
    let mut session = client.inner.store.lock();
    let Some(mut state) = session.update_state() else {
        // No state yet (not logged in, or getState pending): nothing to
        // order against.
        return PtsCheck::Apply;
    };
    let verdict = check(state.pts, pts, pts_count);
    if verdict == PtsCheck::Apply {
        state.pts = pts;
        state.date = state.date.max(date);
        session.set_update_state(state);
    }
    verdict
}

async fn apply(client: &Client, updates: Vec<enums::Update>, date: i32) {
    for update in updates {
        if let Some((pts, count)) = pts_of(&update) {
            match advance(client, pts, count, date) {
                PtsCheck::Apply => {}
                PtsCheck::Duplicate => continue,
                // The difference brings this update and the ones after it.
                PtsCheck::Gap => return get_difference(client).await,
            }
        }
        deliver(client, update);
    }
}

fn deliver(client: &Client, update: enums::Update) {
    use enums::Update as U;
    let hub = &client.inner.updates;
    let message = |m| IncomingMessage::new(m, client.clone());
    hub.publish(match update {
        U::NewMessage(u) => Update::NewMessage(message(u.message)),
        U::NewChannelMessage(u) => Update::NewMessage(message(u.message)),
        U::EditMessage(u) => Update::MessageEdited(message(u.message)),
        U::EditChannelMessage(u) => Update::MessageEdited(message(u.message)),
        U::DeleteMessages(u) => Update::MessageDeleted(MessageDeletion {
            message_ids: u.messages,
            channel_id: None,
        }),
        U::DeleteChannelMessages(u) => Update::MessageDeleted(MessageDeletion {
            message_ids: u.messages,
            channel_id: Some(u.channel_id),
        }),
        other => Update::Raw(Box::new(other)),
    });
}

fn set_state(client: &Client, state: &enums::updates::State) {
    let enums::updates::State::State(s) = state;
    client.inner.store.lock().set_update_state(UpdateState {
        pts: s.pts,
        qts: s.qts,
        date: s.date,
        seq: s.seq,
    });
}

/// Starts from the server's current state.
pub(crate) async fn reset_state(client: &Client) {
    match client.invoke(&functions::updates::GetState {}).await {
        Ok(state) => set_state(client, &state),
        Err(e) => tracing::warn!("updates.getState failed: {e}"),
    }
}

/// Fetches and delivers everything since the saved state.
async fn get_difference(client: &Client) {
    for _ in 0..MAX_SLICES {
        let Some(state) = client.inner.store.lock().update_state() else {
            return reset_state(client).await;
        };
        let request = functions::updates::GetDifference {
            pts: state.pts,
            pts_limit: None,
            pts_total_limit: None,
            date: state.date,
            qts: state.qts,
            qts_limit: None,
        };
        let difference = match client.invoke(&request).await {
            Ok(d) => d,
            Err(e) => return tracing::warn!("updates.getDifference failed: {e}"),
        };
        match difference {
            enums::updates::Difference::Empty(d) => {
                let mut session = client.inner.store.lock();
                session.set_update_state(UpdateState {
                    date: d.date,
                    seq: d.seq,
                    ..state
                });
                return;
            }
            enums::updates::Difference::Difference(d) => {
                deliver_difference(client, d.users, d.chats, d.new_messages, d.other_updates);
                return set_state(client, &d.state);
            }
            enums::updates::Difference::Slice(d) => {
                deliver_difference(client, d.users, d.chats, d.new_messages, d.other_updates);
                set_state(client, &d.intermediate_state);
            }
            enums::updates::Difference::TooLong(d) => {
                // Too much was missed to replay; continue from here.
                tracing::warn!("updates.differenceTooLong: skipping to pts {}", d.pts);
                let mut session = client.inner.store.lock();
                session.set_update_state(UpdateState {
                    pts: d.pts,
                    ..state
                });
                return;
            }
        }
    }
}

fn deliver_difference(
    client: &Client,
    users: Vec<enums::User>,
    chats: Vec<enums::Chat>,
    messages: Vec<enums::Message>,
    others: Vec<enums::Update>,
) {
    client.cache_users(&users);
    client.cache_chats(&chats);
    for m in messages {
        client
            .inner
            .updates
            .publish(Update::NewMessage(IncomingMessage::new(m, client.clone())));
    }
    for u in others {
        // Messages also come as other_updates in some forms; pts is not
        // checked here: the difference is already in order.
        deliver(client, u);
    }
}
