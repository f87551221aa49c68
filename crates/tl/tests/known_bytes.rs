//! Byte strings published by Telegram decode and encode exactly, and hostile
//! input gets errors that say what and where.

use paperplane_tl::deserialize::MAX_DEPTH;
use paperplane_tl::{
    Cursor, Deserializable, DeserializeErrorKind, Identifiable, RemoteCall, Serializable, enums,
    functions, types,
};

fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.chars().filter(char::is_ascii_hexdigit).collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

// core.telegram.org/mtproto/samples-auth_key, step 1: the message body.
const REQ_PQ_MULTI: &str = "F1 8E 7E BE 75 E6 22 F3 BC 7D 71 46 32 B8 33 82 1F D7 BB 0C";
// Step 2: the server's resPQ.
const RES_PQ: &str = "63 24 16 05 75 E6 22 F3 BC 7D 71 46 32 B8 33 82 1F D7 BB 0C
    8E C5 3E C0 50 CB 2D 47 5B 45 7B AF 44 5B 49 F5 08 16 E7 48 B2 95 22 C6
    8F 00 00 00 15 C4 B5 1C 03 00 00 00 85 FD 64 DE 85 1D 9D D0 A5 B7 F7 09
    35 5F C3 0B 21 6B E8 6C 02 2B B4 C3";

#[test]
fn req_pq_multi_from_the_documentation() {
    let bytes = hex(REQ_PQ_MULTI);
    let nonce: [u8; 16] = bytes[4..].try_into().unwrap();
    let req = functions::ReqPqMulti { nonce };
    assert_eq!(req.to_bytes(), bytes);
    assert_eq!(functions::ReqPqMulti::from_bytes(&bytes).unwrap(), req);
    assert_eq!(functions::ReqPqMulti::CONSTRUCTOR_ID, 0xbe7e8ef1);
}

#[test]
fn res_pq_from_the_documentation() {
    let bytes = hex(RES_PQ);
    let enums::ResPq::ResPq(res) = enums::ResPq::from_bytes(&bytes).unwrap();
    assert_eq!(res.nonce.to_vec(), hex("75E622F3BC7D714632B833821FD7BB0C"));
    assert_eq!(
        res.server_nonce.to_vec(),
        hex("8EC53EC050CB2D475B457BAF445B49F5")
    );
    assert_eq!(res.pq, hex("16E748B29522C68F"));
    assert_eq!(
        res.server_public_key_fingerprints,
        vec![
            0xd09d1d85de64fd85_u64 as i64,
            0x0bc35f3509f7b7a5,
            0xc3b42b026ce86b21_u64 as i64
        ]
    );
    assert_eq!(enums::ResPq::ResPq(res).to_bytes(), bytes);
}

#[test]
fn remote_calls_name_their_return_type() {
    fn returns<R: RemoteCall<Return = T>, T>(_: &R) {}
    let get = functions::help::GetNearestDc {};
    returns::<_, enums::NearestDc>(&get);
    let users = functions::users::GetUsers {
        id: vec![enums::InputUser::InputUserSelf],
    };
    returns::<_, Vec<enums::User>>(&users);
    let wrapped = functions::InvokeWithLayer {
        layer: paperplane_tl::LAYER,
        query: get,
    };
    returns::<_, enums::NearestDc>(&wrapped);
    // A generic wrapper writes its own id, then the inner query.
    let bytes = wrapped.to_bytes();
    assert_eq!(&bytes[..4], &0xda9b0d0d_u32.to_le_bytes());
    assert_eq!(&bytes[4..8], &230_i32.to_le_bytes());
    assert_eq!(&bytes[8..], &0x1fb33026_u32.to_le_bytes());
    let back = functions::InvokeWithLayer::<functions::help::GetNearestDc>::from_bytes(&bytes);
    assert_eq!(back.unwrap(), wrapped);
}

#[test]
fn flag_words_are_computed_from_fields() {
    let mut msg = functions::messages::SendMessage {
        no_webpage: true,
        silent: false,
        background: false,
        clear_draft: false,
        noforwards: false,
        update_stickersets_order: false,
        invert_media: false,
        allow_paid_floodskip: false,
        peer: enums::InputPeer::InputPeerSelf,
        reply_to: None,
        message: "hi".into(),
        random_id: 7,
        reply_markup: None,
        entities: None,
        schedule_date: Some(1),
        schedule_repeat_period: None,
        send_as: None,
        quick_reply_shortcut: None,
        effect: None,
        allow_paid_stars: None,
        suggested_post: None,
        rich_message: None,
    };
    let bytes = msg.to_bytes();
    let flags = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
    assert_eq!(
        flags,
        1 << 1 | 1 << 10,
        "no_webpage is bit 1, schedule_date bit 10"
    );
    msg.no_webpage = false;
    msg.schedule_date = None;
    let bytes = msg.to_bytes();
    assert_eq!(&bytes[4..8], &[0, 0, 0, 0]);
    assert_eq!(
        functions::messages::SendMessage::from_bytes(&bytes).unwrap(),
        msg
    );
}

#[test]
fn conversions_between_types_and_enums() {
    let user = types::InputPeerUser {
        user_id: 1,
        access_hash: 2,
    };
    let peer: enums::InputPeer = user.clone().into();
    assert_eq!(types::InputPeerUser::try_from(peer.clone()), Ok(user));
    // The wrong constructor hands the value back.
    assert_eq!(types::InputPeerChat::try_from(peer.clone()), Err(peer));
}

#[test]
fn unknown_constructor_names_the_type_and_offset() {
    // messages.messages with a vector whose first Message has a bogus id.
    let mut bytes = 0x1d73e7ea_u32.to_le_bytes().to_vec();
    bytes.extend(0x1cb5c415_u32.to_le_bytes());
    bytes.extend(1_u32.to_le_bytes());
    bytes.extend(0xdeadbeef_u32.to_le_bytes());
    let err = enums::messages::Messages::from_bytes(&bytes).unwrap_err();
    assert_eq!(
        err.kind,
        DeserializeErrorKind::UnexpectedConstructor { id: 0xdeadbeef }
    );
    assert_eq!(err.offset, 12);
    assert_eq!(err.ty, Some("Message"));
    assert!(err.to_string().contains("0xdeadbeef"), "{err}");
}

#[test]
fn vector_longer_than_the_input_is_refused_before_allocating() {
    let mut bytes = 0x1cb5c415_u32.to_le_bytes().to_vec();
    bytes.extend(u32::MAX.to_le_bytes());
    bytes.extend([0; 16]);
    let err = Vec::<i64>::from_bytes(&bytes).unwrap_err();
    assert_eq!(
        err.kind,
        DeserializeErrorKind::VectorTooLong { len: u32::MAX }
    );
    assert_eq!(err.offset, 4);
}

/// `Vector<Update>` of `n` `updateConfig#a229dd06` (four bytes each, 104
/// bytes each in memory).
fn update_configs(n: u32) -> Vec<u8> {
    let mut bytes = 0x1cb5c415_u32.to_le_bytes().to_vec();
    bytes.extend(n.to_le_bytes());
    for _ in 0..n {
        bytes.extend(0xa229dd06_u32.to_le_bytes());
    }
    bytes
}

#[test]
fn vector_elements_are_charged_to_the_budget_at_their_size_in_memory() {
    let bytes = update_configs(3);
    let need = 3 * std::mem::size_of::<enums::Update>();
    let err =
        Vec::<enums::Update>::deserialize(&mut Cursor::with_budget(&bytes, need - 1)).unwrap_err();
    assert_eq!(err.kind, DeserializeErrorKind::TooLarge { bytes: need });
    assert_eq!(err.offset, 8);
    assert!(err.to_string().contains("budget"), "{err}");

    let mut cur = Cursor::with_budget(&bytes, need);
    assert_eq!(
        Vec::<enums::Update>::deserialize(&mut cur).unwrap().len(),
        3
    );
    assert_eq!(cur.budget(), 0);
}

#[test]
fn boxed_values_are_charged_to_the_budget() {
    // textBold(textBold(textEmpty)): two boxed `TextBold`s.
    let mut bytes = Vec::new();
    for id in [0x6724abc4_u32, 0x6724abc4, 0xdc3d824f] {
        bytes.extend(id.to_le_bytes());
    }
    let need = 2 * std::mem::size_of::<types::TextBold>();
    let err = enums::RichText::deserialize(&mut Cursor::with_budget(&bytes, need - 1)).unwrap_err();
    assert!(matches!(err.kind, DeserializeErrorKind::TooLarge { .. }));
    let mut cur = Cursor::with_budget(&bytes, need);
    assert_eq!(
        enums::RichText::deserialize(&mut cur).unwrap().to_bytes(),
        bytes
    );
}

#[test]
fn a_vector_longer_than_its_first_reservation_decodes_whole() {
    // 2,000 updates of four bytes: far more than the first reservation
    // (8 bytes of memory per input byte left), well within the budget.
    let bytes = update_configs(2_000);
    let updates = Vec::<enums::Update>::from_bytes(&bytes).unwrap();
    assert_eq!(updates.len(), 2_000);
    assert_eq!(updates.capacity(), 2_000);
    assert_eq!(updates.to_bytes(), bytes);
}

#[test]
fn bytes_longer_than_the_input_are_refused() {
    // A 3-byte length of 16 MiB with nothing behind it.
    let err = Vec::<u8>::from_bytes(&[254, 0xff, 0xff, 0xff, 1, 2, 3, 4]).unwrap_err();
    assert_eq!(err.kind, DeserializeErrorKind::UnexpectedEof);
    let err = String::from_bytes(&[5, b'a']).unwrap_err();
    assert_eq!(err.kind, DeserializeErrorKind::UnexpectedEof);
}

#[test]
fn bool_accepts_only_its_two_constructors() {
    assert_eq!(bool::from_bytes(&0x997275b5_u32.to_le_bytes()), Ok(true));
    assert_eq!(bool::from_bytes(&0xbc799737_u32.to_le_bytes()), Ok(false));
    let err = bool::from_bytes(&1_u32.to_le_bytes()).unwrap_err();
    assert_eq!(
        err.kind,
        DeserializeErrorKind::UnexpectedConstructor { id: 1 }
    );
    assert_eq!(err.ty, Some("Bool"));
}

#[test]
fn invalid_utf8_in_strings_is_replaced_not_fatal() {
    let s = String::from_bytes(&[2, 0xff, b'a', 0]).unwrap();
    assert_eq!(s, "\u{fffd}a");
}

/// `textBold#6724abc4 text:RichText` nested far deeper than any real page.
#[test]
fn nesting_past_the_limit_is_an_error_not_a_stack_overflow() {
    let depth = 100_000;
    let mut bytes = Vec::with_capacity(depth * 4 + 4);
    for _ in 0..depth {
        bytes.extend(0x6724abc4_u32.to_le_bytes());
    }
    bytes.extend(0xdc3d824f_u32.to_le_bytes()); // textEmpty
    let err = enums::RichText::from_bytes(&bytes).unwrap_err();
    assert_eq!(err.kind, DeserializeErrorKind::TooDeep);
    assert_eq!(err.offset, MAX_DEPTH as usize * 4);

    // Within the limit it decodes and round-trips.
    let ok = &bytes[(depth - 10) * 4..];
    let text = enums::RichText::from_bytes(ok).unwrap();
    assert_eq!(text.to_bytes(), ok);
}

#[test]
fn values_decode_from_a_shared_cursor_in_sequence() {
    let mut buf = Vec::new();
    enums::InputPeer::InputPeerSelf.serialize(&mut buf);
    "text".serialize(&mut buf);
    let mut cur = Cursor::new(&buf);
    assert_eq!(
        enums::InputPeer::deserialize(&mut cur).unwrap(),
        enums::InputPeer::InputPeerSelf
    );
    assert_eq!(String::deserialize(&mut cur).unwrap(), "text");
    assert!(cur.remaining().is_empty());
}

#[test]
fn names_for_ids() {
    assert_eq!(
        paperplane_tl::name_for_id(0xdde8a54c),
        Some("inputPeerUser")
    );
    assert_eq!(paperplane_tl::name_for_id(0x05162463), Some("resPQ"));
    assert_eq!(paperplane_tl::name_for_id(0x997275b5), Some("boolTrue"));
    assert_eq!(paperplane_tl::name_for_id(0), None);
}

/// `views:flags.10?int forwards:flags.10?int` and
/// `live_photo:flags.4?true … video:flags.4?Document` share a bit.
#[test]
fn fields_sharing_a_flag_bit_always_encode_readably() {
    let header = types::MessageFwdHeader {
        imported: false,
        saved_out: false,
        from_id: None,
        from_name: None,
        date: 1,
        channel_post: None,
        post_author: None,
        // flags.4 is shared with saved_from_msg_id (an int: zero-able).
        saved_from_peer: Some(enums::Peer::User(types::PeerUser { user_id: 5 })),
        saved_from_msg_id: None,
        saved_from_id: None,
        saved_from_name: None,
        saved_date: None,
        psa_type: None,
    };
    let bytes = header.to_bytes();
    assert_eq!(header.serialized_len(), bytes.len(), "the zero is counted");
    let back = types::MessageFwdHeader::from_bytes(&bytes).unwrap();
    assert_eq!(back.saved_from_peer, header.saved_from_peer);
    assert_eq!(
        back.saved_from_msg_id,
        Some(0),
        "the absent int partner is written as 0"
    );

    // The partner of a Document cannot be invented: the bit stays clear.
    let media = types::MessageMediaPhoto {
        spoiler: false,
        live_photo: true,
        photo: None,
        ttl_seconds: None,
        video: None,
    };
    let bytes = media.to_bytes();
    assert_eq!(media.serialized_len(), bytes.len());
    let back = types::MessageMediaPhoto::from_bytes(&bytes).unwrap();
    assert!(!back.live_photo);
    assert_eq!(back.video, None);
}

/// `to_bytes` sizes its buffer from `serialized_len` and never grows it.
#[test]
fn to_bytes_allocates_the_encoding_once() {
    let text = |n: usize| "ok, see https://example.org ".repeat(n);
    let values: Vec<Box<dyn Serializable>> = vec![
        Box::new(enums::Updates::UpdateShortMessage(Box::new(
            types::UpdateShortMessage {
                id: 7,
                user_id: 42,
                message: text(40),
                date: 1_700_000_000,
                entities: Some(vec![enums::MessageEntity::Bold(types::MessageEntityBold {
                    offset: 0,
                    length: 2,
                })]),
                ..Default::default()
            },
        ))),
        Box::new(functions::messages::GetHistory {
            peer: enums::InputPeer::User(types::InputPeerUser {
                user_id: 1,
                access_hash: 2,
            }),
            offset_id: 0,
            offset_date: 0,
            add_offset: 0,
            limit: 100,
            max_id: 0,
            min_id: 0,
            hash: 0,
        }),
        Box::new(vec![text(300).into_bytes(); 3]),
        Box::new(vec![1_i64; 1000]),
    ];
    for value in values {
        let bytes = value.to_bytes();
        assert_eq!(bytes.len(), value.serialized_len());
        assert_eq!(
            bytes.capacity(),
            bytes.len() + paperplane_tl::serialize::SCRATCH,
            "grown while encoding"
        );
        let mut again = Vec::new();
        value.serialize(&mut again);
        assert_eq!(again, bytes);
    }
}

/// Long vectors are sized from their first elements when `to_bytes` asks
/// for an estimate: a little over when the elements are alike, never far.
#[test]
fn long_vectors_are_estimated_from_their_first_elements() {
    use paperplane_tl::serialize::{EXTRAPOLATED, MEASURED};
    let alike = vec!["twelve bytes".to_owned(); 1000];
    assert_eq!(alike.serialized_len(), 8 + 1000 * 16);
    let over = alike.encoded_len(false) - alike.serialized_len();
    assert_eq!(over, (1000 - MEASURED) * 4, "a quarter over the average");
    let bytes = alike.to_bytes();
    assert_eq!(bytes.len(), alike.serialized_len());
    assert_eq!(
        bytes.capacity(),
        alike.encoded_len(false) + paperplane_tl::serialize::SCRATCH
    );

    // The first elements large, the rest empty: the estimate is capped.
    let mut skewed = vec![vec![7u8; 100_000]; MEASURED];
    skewed.extend(vec![Vec::new(); 100_000]);
    let exact = skewed.serialized_len();
    assert_eq!(exact, skewed.to_bytes().len());
    let estimate = skewed.encoded_len(false);
    assert!(estimate > exact);
    assert!(estimate <= exact + EXTRAPOLATED, "{estimate} for {exact}");

    // The first elements small, the rest large: an underestimate, and the
    // buffer grows while the bytes stay right.
    let mut growing = vec![Vec::new(); MEASURED];
    growing.extend(vec![vec![1u8; 100]; 100]);
    assert!(growing.encoded_len(false) < growing.serialized_len());
    let bytes = growing.to_bytes();
    assert_eq!(bytes.len(), growing.serialized_len());
    assert_eq!(Vec::<Vec<u8>>::from_bytes(&bytes).unwrap(), growing);
}
