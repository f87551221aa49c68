//! Resolving the `InputPeer`s, `InputUser`s and `InputChannel`s of
//! requests, checking access hashes.

use paperplane_tl::enums;

use crate::error::{ApiError, ApiResult};
use crate::world::State;
use crate::world::channels::channel_invalid;

/// The user an `InputPeer` names for `me`: `400 PEER_ID_INVALID` for
/// unknown users, wrong access hashes and anything but users.
pub fn input_peer_user(state: &State, me: i64, peer: &enums::InputPeer) -> ApiResult<i64> {
    let invalid = || ApiError::bad_request("PEER_ID_INVALID");
    match peer {
        enums::InputPeer::InputPeerSelf => Ok(me),
        enums::InputPeer::User(p) => {
            let user = state.users.get(p.user_id).ok_or_else(invalid)?;
            if user.id == me || user.access_hash == p.access_hash {
                Ok(user.id)
            } else {
                Err(invalid())
            }
        }
        _ => Err(invalid()),
    }
}

/// The user an `InputUser` names for `me`, if it exists and the access
/// hash is right.
pub fn input_user(state: &State, me: i64, user: &enums::InputUser) -> Option<i64> {
    match user {
        enums::InputUser::InputUserSelf => Some(me),
        enums::InputUser::InputUser(u) => state
            .users
            .get(u.user_id)
            .filter(|x| x.id == me || x.access_hash == u.access_hash)
            .map(|x| x.id),
        _ => None,
    }
}

/// What an `InputPeer` names: a user or a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerRef {
    /// A user (`inputPeerSelf`, `inputPeerUser`).
    User(i64),
    /// A channel or supergroup (`inputPeerChannel`).
    Channel(i64),
}

/// The user or channel an `InputPeer` names for `me`: `400
/// CHANNEL_INVALID` for an unknown channel or a wrong access hash, `400
/// PEER_ID_INVALID` for anything else it cannot resolve.
pub fn input_peer(state: &State, me: i64, peer: &enums::InputPeer) -> ApiResult<PeerRef> {
    match peer {
        enums::InputPeer::Channel(p) => {
            channel_by_hash(state, p.channel_id, p.access_hash).map(PeerRef::Channel)
        }
        other => input_peer_user(state, me, other).map(PeerRef::User),
    }
}

fn channel_by_hash(state: &State, channel_id: i64, access_hash: i64) -> ApiResult<i64> {
    state
        .channels
        .get(channel_id)
        .filter(|c| c.access_hash == access_hash)
        .map(|c| c.id)
        .ok_or_else(channel_invalid)
}

/// The channel an `InputChannel` names: `400 CHANNEL_INVALID` when
/// unknown, with a wrong access hash, or empty.
pub fn input_channel(state: &State, channel: &enums::InputChannel) -> ApiResult<i64> {
    match channel {
        enums::InputChannel::InputChannel(c) => channel_by_hash(state, c.channel_id, c.access_hash),
        _ => Err(channel_invalid()),
    }
}
