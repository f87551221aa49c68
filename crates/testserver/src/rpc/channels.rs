//! `channels.*`: creating, joining, leaving and looking up channels and
//! supergroups, and deleting their messages.

use paperplane_tl::{enums, functions, types};

use super::{Context, peers};
use crate::error::{ApiError, ApiResult};
use crate::world::channels::{NewChannel, view};

/// `channels.createChannel`: a broadcast channel, or with `megagroup` a
/// supergroup; the answer carries `updateChannel` and the creation's
/// service message with the channel in `chats`. Exactly one of the two
/// flags must be set; anything else (and forums, imports, which this
/// server does not have) is `400 CHANNEL_INVALID` here.
pub fn create_channel(
    ctx: &mut Context<'_>,
    req: functions::channels::CreateChannel,
) -> ApiResult<enums::Updates> {
    if req.broadcast == req.megagroup || req.forum || req.for_import {
        return Err(ApiError::bad_request("CHANNEL_INVALID"));
    }
    ctx.shared.world.with(|state, pushes| {
        let origin = ctx.origin(state)?;
        let new = NewChannel {
            title: &req.title,
            about: &req.about,
            megagroup: req.megagroup,
            username: None,
        };
        let (_, answer) = state.create_channel(pushes, origin, new)?;
        Ok(answer)
    })
}

/// `channels.joinChannel`: public channels only (`406 CHANNEL_PRIVATE`
/// otherwise); `400 USER_ALREADY_PARTICIPANT` for a member.
pub fn join_channel(
    ctx: &mut Context<'_>,
    req: functions::channels::JoinChannel,
) -> ApiResult<enums::messages::ChatInviteJoinResult> {
    ctx.shared.world.with(|state, pushes| {
        let origin = ctx.origin(state)?;
        let channel = peers::input_channel(state, &req.channel)?;
        let updates = state.add_channel_member(pushes, origin, channel, origin.user_id)?;
        Ok(types::messages::ChatInviteJoinResultOk { updates }.into())
    })
}

/// `channels.leaveChannel`: `400 USER_NOT_PARTICIPANT` for a non-member.
pub fn leave_channel(
    ctx: &mut Context<'_>,
    req: functions::channels::LeaveChannel,
) -> ApiResult<enums::Updates> {
    ctx.shared.world.with(|state, pushes| {
        let origin = ctx.origin(state)?;
        let channel = peers::input_channel(state, &req.channel)?;
        state.remove_channel_member(pushes, origin, channel, origin.user_id)
    })
}

/// `channels.getChannels`: each channel as the caller may see it
/// (`channelForbidden` for a private one it is not in); `400
/// CHANNEL_INVALID` for one that does not resolve.
pub fn get_channels(
    ctx: &mut Context<'_>,
    req: functions::channels::GetChannels,
) -> ApiResult<enums::messages::Chats> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        let chats = req
            .id
            .iter()
            .map(|input| {
                let id = peers::input_channel(state, input)?;
                Ok(view::chat_for(me, state.channel(id)?))
            })
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(types::messages::Chats { chats }.into())
    })
}

/// `channels.getFullChannel`: the channel's details and its `pts`;
/// `406 CHANNEL_PRIVATE` for a private one the caller is not in.
pub fn get_full_channel(
    ctx: &mut Context<'_>,
    req: functions::channels::GetFullChannel,
) -> ApiResult<enums::messages::ChatFull> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        let id = peers::input_channel(state, &req.channel)?;
        let channel = state.channel(id)?;
        channel.check_read(me)?;
        Ok(types::messages::ChatFull {
            full_chat: view::full_channel(me, channel),
            chats: vec![view::chat_for(me, channel)],
            users: Vec::new(),
        }
        .into())
    })
}

/// `channels.deleteMessages`: the caller's own messages, or any as the
/// creator; `pts` and `pts_count` are the channel's.
pub fn delete_messages(
    ctx: &mut Context<'_>,
    req: functions::channels::DeleteMessages,
) -> ApiResult<enums::messages::AffectedMessages> {
    ctx.shared.world.with(|state, pushes| {
        let origin = ctx.origin(state)?;
        let channel = peers::input_channel(state, &req.channel)?;
        let (pts, pts_count) = state.delete_channel_messages(pushes, origin, channel, &req.id)?;
        Ok(types::messages::AffectedMessages { pts, pts_count }.into())
    })
}
