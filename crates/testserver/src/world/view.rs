//! The world as one user sees it, in TL: users, messages, dialogs.

use paperplane_tl::{Deserializable, enums, types};

use super::messages::{DialogSummary, MessageRecord};
use super::users::UserRecord;

/// `peerUser`.
pub fn peer(user_id: i64) -> enums::Peer {
    enums::Peer::User(types::PeerUser { user_id })
}

/// `user` as `viewer` sees `u` (`self` set for the viewer itself, always
/// with its access hash).
pub fn user(viewer: i64, u: &UserRecord) -> enums::User {
    enums::User::User(Box::new(types::User {
        is_self: viewer == u.id,
        contact: false,
        mutual_contact: false,
        deleted: false,
        bot: u.bot,
        bot_chat_history: false,
        bot_nochats: false,
        verified: false,
        restricted: false,
        min: false,
        bot_inline_geo: false,
        support: false,
        scam: false,
        apply_min_photo: false,
        fake: false,
        bot_attach_menu: false,
        premium: false,
        attach_menu_enabled: false,
        bot_can_edit: false,
        close_friend: false,
        stories_hidden: false,
        stories_unavailable: false,
        contact_require_premium: false,
        bot_business: false,
        bot_has_main_app: false,
        bot_forum_view: false,
        bot_forum_can_manage_topics: false,
        bot_can_manage_bots: false,
        bot_guestchat: false,
        bot_guard: false,
        id: u.id,
        access_hash: Some(u.access_hash),
        first_name: Some(u.first_name.clone()),
        last_name: u.last_name.clone(),
        username: u.username.clone(),
        phone: u.phone.clone(),
        photo: None,
        status: (!u.bot).then_some(enums::UserStatus::Recently(types::UserStatusRecently {
            by_me: false,
        })),
        // `bot_info_version` shares its flag bit with `bot`.
        bot_info_version: u.bot.then_some(1),
        restriction_reason: None,
        bot_inline_placeholder: None,
        lang_code: None,
        emoji_status: None,
        usernames: None,
        stories_max_id: None,
        color: None,
        profile_color: None,
        bot_active_users: None,
        bot_verification_icon: None,
        send_paid_messages_stars: None,
        linked_community_id: None,
    }))
}

/// The entities stored with a message.
pub fn entities(m: &MessageRecord) -> Option<Vec<enums::MessageEntity>> {
    m.entities
        .as_deref()
        .and_then(|bytes| Vec::<enums::MessageEntity>::from_bytes(bytes).ok())
}

/// `message` as its owner has it. In private chats `from_id` is set on
/// outgoing copies only; `peer_id` is the other side.
pub fn message(m: &MessageRecord) -> enums::Message {
    enums::Message::Message(Box::new(types::Message {
        out: m.out,
        mentioned: false,
        media_unread: false,
        silent: false,
        post: false,
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
        from_id: m.out.then(|| peer(m.from)),
        from_boosts_applied: None,
        from_rank: None,
        peer_id: peer(m.peer),
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
        entities: entities(m),
        views: None,
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
    }))
}

/// `updateShortMessage` for a private message, as its owner has it (the
/// form Telegram pushes once the owner's client knows the other side).
pub fn short_message(m: &MessageRecord) -> enums::Updates {
    enums::Updates::UpdateShortMessage(Box::new(types::UpdateShortMessage {
        out: m.out,
        mentioned: false,
        media_unread: false,
        silent: false,
        id: m.id,
        user_id: m.peer,
        message: m.text.clone(),
        pts: m.pts,
        pts_count: 1,
        date: m.date,
        fwd_from: None,
        via_bot_id: None,
        reply_to: None,
        entities: entities(m),
        ttl_period: None,
    }))
}

/// `messageEmpty` for an id the user does not have.
pub fn message_empty(id: i32) -> enums::Message {
    enums::Message::Empty(types::MessageEmpty { id, peer_id: None })
}

/// Default `peerNotifySettings`.
pub fn notify_settings() -> enums::PeerNotifySettings {
    enums::PeerNotifySettings::PeerNotifySettings(Box::new(types::PeerNotifySettings {
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
    }))
}

/// `dialog` for a chat summary.
pub fn dialog(d: &DialogSummary) -> enums::Dialog {
    enums::Dialog::Dialog(types::Dialog {
        pinned: false,
        unread_mark: false,
        view_forum_as_messages: false,
        peer: peer(d.peer),
        top_message: d.top_message,
        read_inbox_max_id: d.read_inbox_max_id,
        read_outbox_max_id: d.read_outbox_max_id,
        unread_count: d.unread_count,
        unread_mentions_count: 0,
        unread_reactions_count: 0,
        unread_poll_votes_count: 0,
        notify_settings: notify_settings(),
        pts: None,
        draft: None,
        folder_id: None,
        ttl_period: None,
    })
}

/// `updates` carrying `updates` for `viewer`, with the users they mention.
pub fn updates(updates: Vec<enums::Update>, users: Vec<enums::User>, date: i32) -> enums::Updates {
    enums::Updates::Updates(types::Updates {
        updates,
        users,
        chats: Vec::new(),
        date,
        seq: 0,
    })
}
