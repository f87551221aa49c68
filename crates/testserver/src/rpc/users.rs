//! `users.*`: who users are.

use paperplane_tl::{enums, functions, types};

use super::{Context, peers};
use crate::error::{ApiError, ApiResult};
use crate::world::view;

/// `users.getUsers`: the users that exist with the right access hash, in
/// order; others are left out.
pub fn get_users(
    ctx: &mut Context<'_>,
    req: functions::users::GetUsers,
) -> ApiResult<Vec<enums::User>> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        Ok(req
            .id
            .iter()
            .filter_map(|u| peers::input_user(state, me, u))
            .filter_map(|id| state.users.get(id))
            .map(|u| view::user(me, u))
            .collect())
    })
}

/// `users.getFullUser`: a user's profile.
pub fn get_full_user(
    ctx: &mut Context<'_>,
    req: functions::users::GetFullUser,
) -> ApiResult<enums::users::UserFull> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        let user = peers::input_user(state, me, &req.id)
            .and_then(|id| state.users.get(id))
            .ok_or_else(|| ApiError::bad_request("USER_ID_INVALID"))?;
        let full = types::UserFull {
            blocked: false,
            phone_calls_available: false,
            phone_calls_private: false,
            can_pin_message: true,
            has_scheduled: false,
            video_calls_available: false,
            voice_messages_forbidden: false,
            translations_disabled: false,
            stories_pinned_available: false,
            blocked_my_stories_from: false,
            wallpaper_overridden: false,
            contact_require_premium: false,
            read_dates_private: false,
            sponsored_enabled: false,
            can_view_revenue: false,
            bot_can_manage_emoji_status: false,
            display_gifts_button: false,
            noforwards_my_enabled: false,
            noforwards_peer_enabled: false,
            unofficial_security_risk: false,
            id: user.id,
            about: None,
            settings: enums::PeerSettings::PeerSettings(Box::new(types::PeerSettings {
                report_spam: false,
                add_contact: false,
                block_contact: false,
                share_contact: false,
                need_contacts_exception: false,
                report_geo: false,
                autoarchived: false,
                invite_members: false,
                request_chat_broadcast: false,
                business_bot_paused: false,
                business_bot_can_reply: false,
                geo_distance: None,
                request_chat_title: None,
                request_chat_date: None,
                business_bot_id: None,
                business_bot_manage_url: None,
                charge_paid_message_stars: None,
                registration_month: None,
                phone_country: None,
                name_change_date: None,
                photo_change_date: None,
            })),
            personal_photo: None,
            profile_photo: None,
            fallback_photo: None,
            notify_settings: view::notify_settings(),
            bot_info: None,
            pinned_msg_id: None,
            common_chats_count: 0,
            folder_id: None,
            ttl_period: None,
            theme: None,
            private_forward_name: None,
            bot_group_admin_rights: None,
            bot_broadcast_admin_rights: None,
            wallpaper: None,
            stories: None,
            business_work_hours: None,
            business_location: None,
            business_greeting_message: None,
            business_away_message: None,
            business_intro: None,
            birthday: None,
            personal_channel_id: None,
            personal_channel_message: None,
            stargifts_count: None,
            starref_program: None,
            bot_verification: None,
            send_paid_messages_stars: None,
            disallowed_gifts: None,
            stars_rating: None,
            stars_my_pending_rating: None,
            stars_my_pending_rating_date: None,
            main_tab: None,
            saved_music: None,
            note: None,
            bot_manager_id: None,
        };
        Ok(enums::users::UserFull::UserFull(types::users::UserFull {
            full_user: enums::UserFull::UserFull(Box::new(full)),
            chats: Vec::new(),
            users: vec![view::user(me, user)],
        }))
    })
}
