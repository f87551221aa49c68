//! Realistic TL values for benchmarks: what a client really receives.
//!
//! [`messages_slice`] is a page of chat history as `messages.getHistory`
//! returns it (100 messages with entities, photos, documents, replies and
//! reactions, plus the users and channels they mention); [`updates`] is an
//! `updates` container as pushed to a busy account. Both are deterministic,
//! so every benchmark run, ours and our peers', sees the same bytes.

use paperplane_tl::{enums, types};

/// The text of message `i`: mixed scripts and emoji, 40 to 300 bytes.
fn text(i: usize) -> String {
    const PARTS: [&str; 6] = [
        "Meeting moved to 15:00, see https://example.org/agenda ",
        "Привет! Как дела? ",
        "🚀 shipped the release 🎉 ",
        "@alice please review the PR ",
        "コードレビューお願いします ",
        "ok ",
    ];
    (0..1 + i % 6)
        .map(|k| PARTS[(i + k) % PARTS.len()])
        .collect()
}

fn user_peer(id: i64) -> enums::Peer {
    enums::Peer::User(types::PeerUser { user_id: id })
}

fn photo(i: usize) -> enums::Photo {
    let sizes = vec![
        enums::PhotoSize::PhotoStrippedSize(types::PhotoStrippedSize {
            r#type: "i".into(),
            bytes: vec![1; 40 + i % 20],
        }),
        enums::PhotoSize::PhotoSize(types::PhotoSize {
            r#type: "m".into(),
            w: 320,
            h: 240,
            size: 18_000,
        }),
        enums::PhotoSize::Progressive(types::PhotoSizeProgressive {
            r#type: "y".into(),
            w: 1280,
            h: 960,
            sizes: vec![9_000, 30_000, 61_000, 98_000],
        }),
    ];
    enums::Photo::Photo(Box::new(types::Photo {
        has_stickers: false,
        id: 5_000_000_000 + i as i64,
        access_hash: -7_123_456_789 * i as i64,
        file_reference: vec![7; 29],
        date: 1_700_000_000 + i as i32,
        sizes,
        video_sizes: None,
        dc_id: 2,
    }))
}

fn document(i: usize) -> enums::Document {
    enums::Document::Document(Box::new(types::Document {
        id: 6_000_000_000 + i as i64,
        access_hash: 99 * i as i64,
        file_reference: vec![3; 29],
        date: 1_700_000_000,
        mime_type: "video/mp4".into(),
        size: 12_345_678,
        thumbs: Some(vec![enums::PhotoSize::PhotoSize(types::PhotoSize {
            r#type: "m".into(),
            w: 320,
            h: 180,
            size: 9000,
        })]),
        video_thumbs: None,
        dc_id: 4,
        attributes: vec![
            enums::DocumentAttribute::Video(types::DocumentAttributeVideo {
                round_message: false,
                supports_streaming: true,
                nosound: false,
                duration: 31.5,
                w: 1280,
                h: 720,
                preload_prefix_size: Some(65_536),
                video_start_ts: None,
                video_codec: Some("h264".into()),
            }),
            enums::DocumentAttribute::Filename(types::DocumentAttributeFilename {
                file_name: format!("clip_{i}.mp4"),
            }),
        ],
    }))
}

fn entities(len: usize) -> Vec<enums::MessageEntity> {
    let len = len as i32;
    vec![
        enums::MessageEntity::Bold(types::MessageEntityBold {
            offset: 0,
            length: len.min(7),
        }),
        enums::MessageEntity::Url(types::MessageEntityUrl {
            offset: 2,
            length: len.min(20),
        }),
        enums::MessageEntity::TextUrl(types::MessageEntityTextUrl {
            offset: 1,
            length: len.min(5),
            url: "https://example.org/a/very/long/path?with=query".into(),
        }),
    ]
}

fn message(i: usize, peer: enums::Peer) -> enums::Message {
    let text = text(i);
    let media = match i % 4 {
        0 => Some(enums::MessageMedia::Photo(types::MessageMediaPhoto {
            spoiler: false,
            live_photo: false,
            photo: Some(photo(i)),
            ttl_seconds: None,
            video: None,
        })),
        1 => Some(enums::MessageMedia::Document(types::MessageMediaDocument {
            nopremium: false,
            spoiler: false,
            video: true,
            round: false,
            voice: false,
            document: Some(document(i)),
            alt_documents: None,
            video_cover: None,
            video_timestamp: None,
            ttl_seconds: None,
        })),
        _ => None,
    };
    enums::Message::Message(Box::new(types::Message {
        out: i.is_multiple_of(5),
        mentioned: false,
        media_unread: false,
        silent: false,
        post: false,
        from_scheduled: false,
        legacy: false,
        edit_hide: i.is_multiple_of(7),
        pinned: false,
        noforwards: false,
        invert_media: false,
        offline: false,
        video_processing_pending: false,
        paid_suggested_post_stars: false,
        paid_suggested_post_ton: false,
        id: 10_000 + i as i32,
        from_id: Some(user_peer(1000 + (i % 10) as i64)),
        from_boosts_applied: None,
        from_rank: None,
        peer_id: peer,
        saved_peer_id: None,
        fwd_from: None,
        via_bot_id: None,
        via_business_bot_id: None,
        guestchat_via_from: None,
        reply_to: i.is_multiple_of(3).then(|| {
            enums::MessageReplyHeader::MessageReplyHeader(Box::new(types::MessageReplyHeader {
                reply_to_scheduled: false,
                forum_topic: false,
                quote: false,
                reply_to_ephemeral: false,
                reply_to_msg_id: Some(9_990 + i as i32),
                reply_to_peer_id: None,
                reply_from: None,
                reply_media: None,
                reply_to_top_id: None,
                quote_text: None,
                quote_entities: None,
                quote_offset: None,
                todo_item_id: None,
                poll_option: None,
            }))
        }),
        date: 1_700_000_000 + i as i32 * 60,
        entities: Some(entities(text.len())),
        message: text,
        media,
        reply_markup: None,
        views: Some(1500 + i as i32),
        forwards: Some(3),
        replies: None,
        edit_date: i.is_multiple_of(7).then_some(1_700_000_500),
        post_author: None,
        grouped_id: None,
        reactions: i.is_multiple_of(2).then(|| {
            enums::MessageReactions::MessageReactions(types::MessageReactions {
                min: false,
                can_see_list: true,
                reactions_as_tags: false,
                results: vec![enums::ReactionCount::ReactionCount(types::ReactionCount {
                    chosen_order: None,
                    reaction: enums::Reaction::Emoji(types::ReactionEmoji {
                        emoticon: "👍".into(),
                    }),
                    count: 12,
                })],
                recent_reactions: None,
                top_reactors: None,
            })
        }),
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

fn user(i: usize) -> enums::User {
    enums::User::User(Box::new(types::User {
        is_self: false,
        contact: i.is_multiple_of(2),
        mutual_contact: false,
        deleted: false,
        bot: i == 9,
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
        premium: i.is_multiple_of(3),
        attach_menu_enabled: false,
        bot_can_edit: false,
        close_friend: false,
        stories_hidden: false,
        stories_unavailable: true,
        contact_require_premium: false,
        bot_business: false,
        bot_has_main_app: false,
        bot_forum_view: false,
        bot_forum_can_manage_topics: false,
        bot_can_manage_bots: false,
        bot_guestchat: false,
        bot_guard: false,
        id: 1000 + i as i64,
        access_hash: Some(0x1234_5678_9abc * (i as i64 + 1)),
        first_name: Some(["Alice", "Борис", "千尋", "Dmitri"][i % 4].into()),
        last_name: (i % 2 == 1).then(|| "Smith".into()),
        username: Some(format!("user_{i}")),
        phone: None,
        photo: Some(enums::UserProfilePhoto::UserProfilePhoto(
            types::UserProfilePhoto {
                has_video: false,
                personal: false,
                photo_id: 777 + i as i64,
                stripped_thumb: Some(vec![2; 30]),
                dc_id: 2,
            },
        )),
        status: Some(enums::UserStatus::Recently(types::UserStatusRecently {
            by_me: false,
        })),
        bot_info_version: (i == 9).then_some(3),
        restriction_reason: None,
        bot_inline_placeholder: None,
        lang_code: Some("en".into()),
        emoji_status: None,
        usernames: None,
        stories_max_id: None,
        color: Some(enums::PeerColor::PeerColor(types::PeerColor {
            color: Some(i as i32 % 7),
            background_emoji_id: None,
        })),
        profile_color: None,
        bot_active_users: None,
        bot_verification_icon: None,
        send_paid_messages_stars: None,
        linked_community_id: None,
    }))
}

fn channel(id: i64) -> enums::Chat {
    enums::Chat::Channel(Box::new(types::Channel {
        creator: false,
        left: false,
        broadcast: false,
        verified: false,
        megagroup: true,
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
        id,
        access_hash: Some(-42 * id),
        title: "Rust Telegram developers".into(),
        username: Some("rust_tg_dev".into()),
        photo: enums::ChatPhoto::ChatPhoto(types::ChatPhoto {
            has_video: false,
            photo_id: 31_337,
            stripped_thumb: Some(vec![9; 30]),
            dc_id: 2,
        }),
        date: 1_600_000_000,
        restriction_reason: None,
        admin_rights: None,
        banned_rights: None,
        default_banned_rights: None,
        participants_count: Some(12_345),
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
    }))
}

const CHANNEL: i64 = 1_234_567_890;

/// A page of history: 100 messages of a supergroup with the 10 users who
/// wrote them and the channel itself, as `messages.getHistory` returns it.
pub fn messages_slice() -> enums::messages::Messages {
    let peer = enums::Peer::Channel(types::PeerChannel {
        channel_id: CHANNEL,
    });
    enums::messages::Messages::ChannelMessages(Box::new(types::messages::ChannelMessages {
        inexact: false,
        pts: 100_500,
        count: 25_000,
        offset_id_offset: None,
        messages: (0..100).map(|i| message(i, peer.clone())).collect(),
        topics: vec![],
        chats: vec![channel(CHANNEL)],
        users: (0..10).map(user).collect(),
    }))
}

/// An `updates` container with 50 updates of several kinds, their users and
/// the channel, as pushed to a busy account.
pub fn updates() -> enums::Updates {
    let channel_peer = enums::Peer::Channel(types::PeerChannel {
        channel_id: CHANNEL,
    });
    let updates = (0..50)
        .map(|i| match i % 5 {
            0 | 1 => enums::Update::NewChannelMessage(types::UpdateNewChannelMessage {
                message: message(i, channel_peer.clone()),
                pts: 100_000 + i as i32,
                pts_count: 1,
            }),
            2 => enums::Update::NewMessage(types::UpdateNewMessage {
                message: message(i, user_peer(1000 + (i % 10) as i64)),
                pts: 5_000 + i as i32,
                pts_count: 1,
            }),
            3 => enums::Update::UserStatus(types::UpdateUserStatus {
                user_id: 1000 + (i % 10) as i64,
                status: enums::UserStatus::Online(types::UserStatusOnline {
                    expires: 1_700_000_300,
                }),
            }),
            _ => enums::Update::ReadHistoryInbox(types::UpdateReadHistoryInbox {
                folder_id: None,
                peer: user_peer(1000 + (i % 10) as i64),
                top_msg_id: None,
                max_id: 10_000 + i as i32,
                still_unread_count: 0,
                pts: 5_000 + i as i32,
                pts_count: 1,
            }),
        })
        .collect();
    enums::Updates::Updates(types::Updates {
        updates,
        users: (0..10).map(user).collect(),
        chats: vec![channel(CHANNEL)],
        date: 1_700_000_000,
        seq: 77,
    })
}

#[cfg(test)]
mod tests {
    use paperplane_tl::deserialize::BUDGET_PER_INPUT_BYTE;
    use paperplane_tl::{Cursor, Deserializable, Serializable};

    use super::*;

    /// Heap bytes a decode of `bytes` as `T` charges per input byte.
    fn charged_per_byte<T: Deserializable>(bytes: &[u8]) -> f64 {
        let mut cur = Cursor::new(bytes);
        let before = cur.budget();
        T::deserialize(&mut cur).unwrap();
        (before - cur.budget()) as f64 / bytes.len() as f64
    }

    #[test]
    fn samples_decode_well_within_the_budget() {
        let page = charged_per_byte::<enums::messages::Messages>(&messages_slice().to_bytes());
        let push = charged_per_byte::<enums::Updates>(&updates().to_bytes());
        println!("charged per input byte: history page {page:.1}, updates {push:.1}");
        let half = BUDGET_PER_INPUT_BYTE as f64 / 2.0;
        assert!(page < half && push < half, "{page}, {push}");
    }

    #[test]
    fn samples_round_trip_and_are_realistically_sized() {
        let page = messages_slice();
        let bytes = page.to_bytes();
        assert!(bytes.len() > 30_000, "{}", bytes.len());
        assert_eq!(enums::messages::Messages::from_bytes(&bytes).unwrap(), page);
        let ups = updates();
        let bytes = ups.to_bytes();
        assert!(bytes.len() > 10_000, "{}", bytes.len());
        assert_eq!(enums::Updates::from_bytes(&bytes).unwrap(), ups);
    }
}
