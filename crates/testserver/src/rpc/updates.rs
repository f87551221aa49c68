//! `updates.*`: the account's update state and what it missed, and what
//! it missed in a channel.

use paperplane_tl::{enums, functions};

use super::{Context, peers};
use crate::error::ApiResult;
use crate::world::channels::difference::DifferenceQuery as ChannelQuery;
use crate::world::difference::DifferenceQuery;

/// `updates.getState`: `pts` (at least 1), `qts`, `seq`, and the server's
/// time as `date`.
pub fn get_state(
    ctx: &mut Context<'_>,
    _: functions::updates::GetState,
) -> ApiResult<enums::updates::State> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        Ok(state.update_state(me, ctx.now()))
    })
}

/// `updates.getDifference`: the events after the client's `pts` and
/// `qts`, and the channels it may have missed events in; see
/// [`crate::world::difference`].
pub fn get_difference(
    ctx: &mut Context<'_>,
    req: functions::updates::GetDifference,
) -> ApiResult<enums::updates::Difference> {
    let now = ctx.now();
    ctx.shared.world.read(|state| {
        let viewer = ctx.user_id(state)?;
        Ok(state.difference(DifferenceQuery {
            viewer,
            pts: req.pts,
            qts: req.qts,
            date: req.date,
            pts_total_limit: req.pts_total_limit,
            qts_limit: req.qts_limit,
            now,
        }))
    })
}

/// `updates.getChannelDifference`: the channel's events after `pts`, at
/// most `limit` of them, or `channelDifferenceTooLong`; the limits are
/// those of [`crate::world::channels::difference`]. The asker counts as
/// handed the channel up to the `pts` answered.
pub fn get_channel_difference(
    ctx: &mut Context<'_>,
    req: functions::updates::GetChannelDifference,
) -> ApiResult<enums::updates::ChannelDifference> {
    ctx.shared.world.with(|state, _| {
        let me = ctx.user_id(state)?;
        let channel_id = peers::input_channel(state, &req.channel)?;
        let answer = state.channel_difference(ChannelQuery {
            viewer: me,
            bot: state.users.get(me).is_some_and(|u| u.bot),
            channel_id,
            pts: req.pts,
            limit: req.limit,
        })?;
        state.note_channel_answered(me, channel_id, &answer);
        Ok(answer)
    })
}
