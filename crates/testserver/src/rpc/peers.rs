//! Resolving the `InputPeer`s and `InputUser`s of requests, checking
//! access hashes.

use paperplane_tl::enums;

use crate::error::{ApiError, ApiResult};
use crate::world::State;

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
