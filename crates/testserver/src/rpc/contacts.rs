//! `contacts.*`: finding users (by username or phone) and channels (by
//! username); blocking users.

use paperplane_tl::{enums, functions, types};

use super::{Context, peers};
use crate::error::{ApiError, ApiResult};
use crate::world::blocks::BlockChange;
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

/// `contacts.block` / `contacts.unblock` for `peer` (users only: `400
/// PEER_ID_INVALID` otherwise); see [`crate::world::blocks`].
fn set_blocked(
    ctx: &mut Context<'_>,
    peer: &enums::InputPeer,
    stories: bool,
    blocked: bool,
) -> ApiResult<bool> {
    ctx.shared.world.with(|state, pushes| {
        let origin = ctx.origin(state)?;
        let target = peers::input_peer_user(state, origin.user_id, peer)?;
        let change = BlockChange {
            target,
            stories,
            blocked,
        };
        state.set_blocked(pushes, origin, change)?;
        Ok(true)
    })
}

/// `contacts.block`: `400 CONTACT_ID_INVALID` for oneself, `400
/// BOT_METHOD_INVALID` for bots; blocking a bot stops it
/// (`updateBotStopped` on its qts).
pub fn block(ctx: &mut Context<'_>, req: functions::contacts::Block) -> ApiResult<bool> {
    set_blocked(ctx, &req.id, req.my_stories_from, true)
}

/// `contacts.unblock`: as `contacts.block`, undone.
pub fn unblock(ctx: &mut Context<'_>, req: functions::contacts::Unblock) -> ApiResult<bool> {
    set_blocked(ctx, &req.id, req.my_stories_from, false)
}

/// `contacts.getBlocked`: most recently blocked first, from `offset`, at
/// most `limit` (1–100); `contacts.blockedSlice` when more remain.
pub fn get_blocked(
    ctx: &mut Context<'_>,
    req: functions::contacts::GetBlocked,
) -> ApiResult<enums::contacts::Blocked> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        let offset = usize::try_from(req.offset).unwrap_or(0);
        let limit = usize::try_from(req.limit.clamp(1, 100)).unwrap_or(100);
        let (blocked, ids, count) = state.blocked_page(me, req.my_stories_from, offset, limit);
        let users = state.users_for(me, &ids);
        if offset + blocked.len() < count {
            return Ok(types::contacts::BlockedSlice {
                count: i32::try_from(count).unwrap_or(i32::MAX),
                blocked,
                chats: Vec::new(),
                users,
            }
            .into());
        }
        Ok(types::contacts::Blocked {
            blocked,
            chats: Vec::new(),
            users,
        }
        .into())
    })
}
