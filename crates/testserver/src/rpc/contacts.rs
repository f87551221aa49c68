//! `contacts.*`: finding users (by username or phone) and channels (by
//! username).

use paperplane_tl::{enums, functions, types};

use super::Context;
use crate::error::{ApiError, ApiResult};
use crate::world::channels::view as channel_view;
use crate::world::users::UserRecord;
use crate::world::view;

fn resolved(me: i64, user: &UserRecord) -> enums::contacts::ResolvedPeer {
    enums::contacts::ResolvedPeer::ResolvedPeer(types::contacts::ResolvedPeer {
        peer: view::peer(user.id),
        chats: Vec::new(),
        users: vec![view::user(me, user)],
    })
}

/// Whether `name` could be a username at all (`[A-Za-z0-9_]`, at most 32).
fn plausible_username(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `contacts.resolveUsername`: a user or a public channel; `400
/// USERNAME_INVALID` for a malformed name, `400 USERNAME_NOT_OCCUPIED` for
/// a free one.
pub fn resolve_username(
    ctx: &mut Context<'_>,
    req: functions::contacts::ResolveUsername,
) -> ApiResult<enums::contacts::ResolvedPeer> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        let name = req.username.strip_prefix('@').unwrap_or(&req.username);
        if !plausible_username(name) {
            return Err(ApiError::bad_request("USERNAME_INVALID"));
        }
        if let Some(channel) = state.channels.by_username(name) {
            return Ok(types::contacts::ResolvedPeer {
                peer: channel_view::peer(channel.id),
                chats: vec![channel_view::channel(me, channel)],
                users: Vec::new(),
            }
            .into());
        }
        let user = state
            .users
            .by_username(name)
            .ok_or_else(|| ApiError::bad_request("USERNAME_NOT_OCCUPIED"))?;
        Ok(resolved(me, user))
    })
}

/// `contacts.resolvePhone`: `400 PHONE_NOT_OCCUPIED` when nobody has it.
pub fn resolve_phone(
    ctx: &mut Context<'_>,
    req: functions::contacts::ResolvePhone,
) -> ApiResult<enums::contacts::ResolvedPeer> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        let user = state
            .users
            .by_phone(&req.phone)
            .ok_or_else(|| ApiError::bad_request("PHONE_NOT_OCCUPIED"))?;
        Ok(resolved(me, user))
    })
}
