//! Channels as one user sees them, in TL: the channel, its messages, its
//! dialog.

use paperplane_tl::{enums, types};

use super::{ChannelMessage, ChannelRecord, ServiceAction};
use crate::world::view;

/// `peerChannel`.
pub fn peer(channel_id: i64) -> enums::Peer {
    types::PeerChannel { channel_id }.into()
}

/// `channel` as `viewer` sees it: `creator` for its creator, `left` for
/// anyone not a member, always with its access hash.
pub fn channel(viewer: i64, c: &ChannelRecord) -> enums::Chat {
    let member_since = c.members.get(&viewer).copied();
    types::Channel {
        creator: c.creator == viewer,
        left: member_since.is_none(),
        broadcast: !c.megagroup,
        verified: false,
        megagroup: c.megagroup,
        restricted: false,
        signatures: false,
        min: false,
        scam: false,
        has_link: false,
        has_geo: false,
        slowmode_enabled: false,
        call_active: false,
        call_not_empty: false,
        fake: false,
        gigagroup: false,
        noforwards: false,
        join_to_send: false,
        join_request: false,
        forum: false,
        stories_hidden: false,
        stories_hidden_min: false,
        stories_unavailable: false,
        signature_profiles: false,
        autotranslation: false,
        broadcast_messages_allowed: false,
        monoforum: false,
        forum_tabs: false,
        id: c.id,
        access_hash: Some(c.access_hash),
        title: c.title.clone(),
        username: c.username.clone(),
        photo: enums::ChatPhoto::Empty,
        // Telegram gives a member the date it joined.
        date: member_since.unwrap_or(c.date),
        restriction_reason: None,
        admin_rights: None,
        banned_rights: None,
        default_banned_rights: None,
        participants_count: i32::try_from(c.members.len()).ok(),
        usernames: None,
        stories_max_id: None,
        color: None,
        profile_color: None,
        emoji_status: None,
        level: None,
        subscription_until_date: None,
        bot_verification_icon: None,
        send_paid_messages_stars: None,
        linked_monoforum_id: None,
        linked_community_id: None,
    }
    .into()
}

/// `channelForbidden`: what a private channel is to someone outside it.
pub fn forbidden(c: &ChannelRecord) -> enums::Chat {
    types::ChannelForbidden {
        broadcast: !c.megagroup,
        megagroup: c.megagroup,
        monoforum: false,
        id: c.id,
        access_hash: c.access_hash,
        title: c.title.clone(),
        until_date: None,
    }
    .into()
}

/// The channel as `viewer` may see it: in full when it can read it,
/// `channelForbidden` otherwise.
pub fn chat_for(viewer: i64, c: &ChannelRecord) -> enums::Chat {
    match c.can_read(viewer) {
        true => channel(viewer, c),
        false => forbidden(c),
    }
}

fn action(a: &ServiceAction) -> enums::MessageAction {
    match a {
        ServiceAction::Created { title } => types::MessageActionChannelCreate {
            title: title.clone(),
        }
        .into(),
        ServiceAction::AddUser(users) => types::MessageActionChatAddUser {
            users: users.clone(),
        }
        .into(),
        ServiceAction::DeleteUser(user_id) => {
            types::MessageActionChatDeleteUser { user_id: *user_id }.into()
        }
    }
}

/// `message` (or `messageService`) as `viewer` sees it: `out` for its
/// author; in a broadcast channel a `post` without `from_id` (the author
/// is not shown to subscribers), in a supergroup from its author.
pub fn message(viewer: i64, c: &ChannelRecord, m: &ChannelMessage) -> enums::Message {
    let from_id = c.megagroup.then(|| view::peer(m.from));
    if let Some(a) = &m.action {
        return types::MessageService {
            out: m.from == viewer,
            mentioned: false,
            media_unread: false,
            reactions_are_possible: false,
            silent: false,
            post: !c.megagroup,
            legacy: false,
            id: m.id,
            from_id,
            peer_id: peer(c.id),
            saved_peer_id: None,
            reply_to: None,
            date: m.date,
            action: action(a),
            reactions: None,
            ttl_period: None,
        }
        .into();
    }
    types::Message {
        out: m.from == viewer,
        mentioned: false,
        media_unread: false,
        silent: false,
        post: !c.megagroup,
        from_scheduled: false,
        legacy: false,
        edit_hide: false,
        pinned: false,
        noforwards: false,
        invert_media: false,
        offline: false,
        video_processing_pending: false,
        paid_suggested_post_stars: false,
        paid_suggested_post_ton: false,
        id: m.id,
        from_id,
        from_boosts_applied: None,
        from_rank: None,
        peer_id: peer(c.id),
        saved_peer_id: None,
        fwd_from: None,
        via_bot_id: None,
        via_business_bot_id: None,
        guestchat_via_from: None,
        reply_to: None,
        date: m.date,
        message: m.text.clone(),
        media: None,
        reply_markup: None,
        entities: m.entities(),
        views: (!c.megagroup).then_some(1),
        forwards: None,
        replies: None,
        edit_date: m.edit_date,
        post_author: None,
        grouped_id: None,
        reactions: None,
        restriction_reason: None,
        ttl_period: None,
        quick_reply_shortcut_id: None,
        effect: None,
        factcheck: None,
        report_delivery_until_date: None,
        paid_message_stars: None,
        suggested_post: None,
        schedule_repeat_period: None,
        summary_from_language: None,
        rich_message: None,
    }
    .into()
}

/// The users `viewer` needs to make sense of `m`: a supergroup message's
/// author, and whoever a service message names.
pub fn mentioned(c: &ChannelRecord, m: &ChannelMessage) -> Vec<i64> {
    let mut ids = Vec::new();
    if c.megagroup || m.action.is_some() {
        ids.push(m.from);
    }
    match &m.action {
        Some(ServiceAction::AddUser(users)) => ids.extend(users),
        Some(ServiceAction::DeleteUser(user)) => ids.push(*user),
        _ => {}
    }
    ids
}

/// The channel's `dialog` for `viewer`, with the channel's `pts`.
pub fn dialog(viewer: i64, c: &ChannelRecord) -> enums::Dialog {
    let top_message = c.messages().next_back().map_or(0, |m| m.id);
    let unread = c.messages().filter(|m| m.from != viewer).count();
    types::Dialog {
        pinned: false,
        unread_mark: false,
        view_forum_as_messages: false,
        peer: peer(c.id),
        top_message,
        read_inbox_max_id: 0,
        read_outbox_max_id: 0,
        unread_count: i32::try_from(unread).unwrap_or(i32::MAX),
        unread_mentions_count: 0,
        unread_reactions_count: 0,
        unread_poll_votes_count: 0,
        notify_settings: view::notify_settings(),
        pts: Some(c.pts()),
        draft: None,
        folder_id: None,
        ttl_period: None,
    }
    .into()
}

/// `channelFull` as `viewer` sees it: what the server models (about,
/// member count, pinned nothing) and the channel's `pts`, from which a
/// client that just joined follows its updates.
pub fn full_channel(viewer: i64, c: &ChannelRecord) -> enums::ChatFull {
    let member = c.is_member(viewer);
    let count = i32::try_from(c.members.len()).unwrap_or(i32::MAX);
    types::ChannelFull {
        can_view_participants: member && c.megagroup,
        can_set_username: c.creator == viewer,
        can_set_stickers: false,
        hidden_prehistory: false,
        can_set_location: false,
        has_scheduled: false,
        can_view_stats: false,
        blocked: false,
        can_delete_channel: c.creator == viewer,
        antispam: false,
        participants_hidden: false,
        translations_disabled: false,
        stories_pinned_available: false,
        view_forum_as_messages: false,
        restricted_sponsored: false,
        can_view_revenue: false,
        paid_media_allowed: false,
        can_view_stars_revenue: false,
        paid_reactions_available: false,
        stargifts_available: false,
        paid_messages_available: false,
        has_welcome_messages: false,
        id: c.id,
        about: c.about.clone(),
        participants_count: Some(count),
        admins_count: None,
        kicked_count: None,
        banned_count: None,
        online_count: None,
        read_inbox_max_id: 0,
        read_outbox_max_id: 0,
        unread_count: 0,
        chat_photo: types::PhotoEmpty { id: 0 }.into(),
        notify_settings: types::PeerNotifySettings {
            show_previews: None,
            silent: None,
            mute_until: None,
            ios_sound: None,
            android_sound: None,
            other_sound: None,
            stories_muted: None,
            stories_hide_sender: None,
            stories_ios_sound: None,
            stories_android_sound: None,
            stories_other_sound: None,
        }
        .into(),
        exported_invite: None,
        bot_info: Vec::new(),
        migrated_from_chat_id: None,
        migrated_from_max_id: None,
        pinned_msg_id: None,
        stickerset: None,
        available_min_id: None,
        folder_id: None,
        linked_chat_id: None,
        location: None,
        slowmode_seconds: None,
        slowmode_next_send_date: None,
        stats_dc: None,
        pts: c.pts(),
        call: None,
        ttl_period: None,
        pending_suggestions: None,
        groupcall_default_join_as: None,
        theme_emoticon: None,
        requests_pending: None,
        recent_requesters: None,
        default_send_as: None,
        available_reactions: None,
        reactions_limit: None,
        stories: None,
        wallpaper: None,
        boosts_applied: None,
        boosts_unrestrict: None,
        emojiset: None,
        bot_verification: None,
        stargifts_count: None,
        send_paid_messages_stars: None,
        main_tab: None,
        guard_bot_id: None,
    }
    .into()
}
