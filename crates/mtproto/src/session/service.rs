//! Constructor ids of the service messages the sessions handle by hand.

/// `msgs_ack#62d6b459 msg_ids:Vector<long>`.
pub const MSGS_ACK: u32 = 0x62d6b459;
/// `rpc_error#2144ca19 error_code:int error_message:string`.
pub const RPC_ERROR: u32 = 0x2144ca19;
/// `bad_msg_notification#a7eff811`.
pub const BAD_MSG_NOTIFICATION: u32 = 0xa7eff811;
/// `bad_server_salt#edab447b`.
pub const BAD_SERVER_SALT: u32 = 0xedab447b;
/// `new_session_created#9ec20908`.
pub const NEW_SESSION_CREATED: u32 = 0x9ec20908;
/// `pong#347773c5`.
pub const PONG: u32 = 0x347773c5;
/// `future_salts#ae500895`.
pub const FUTURE_SALTS: u32 = 0xae500895;
/// `msg_detailed_info#276d3ec6`.
pub const MSG_DETAILED_INFO: u32 = 0x276d3ec6;
/// `msg_new_detailed_info#809db6df`.
pub const MSG_NEW_DETAILED_INFO: u32 = 0x809db6df;
/// `msgs_state_req#da69fb52`.
pub const MSGS_STATE_REQ: u32 = 0xda69fb52;
/// `ping#7abe77ec`.
pub const PING: u32 = 0x7abe77ec;
/// `ping_delay_disconnect#f3427b8c`.
pub const PING_DELAY_DISCONNECT: u32 = 0xf3427b8c;
/// `get_future_salts#b921bd04`.
pub const GET_FUTURE_SALTS: u32 = 0xb921bd04;
/// `destroy_session#e7512126`.
pub const DESTROY_SESSION: u32 = 0xe7512126;
/// `rpc_drop_answer#58e4a740`.
pub const RPC_DROP_ANSWER: u32 = 0x58e4a740;
/// `msg_resend_req#7d861a08`.
pub const MSG_RESEND_REQ: u32 = 0x7d861a08;
/// `http_wait#9299359f`.
pub const HTTP_WAIT: u32 = 0x9299359f;

/// `msg_resend_ans_req#8610baeb`.
pub const MSG_RESEND_ANS_REQ: u32 = 0x8610baeb;
/// `msgs_state_info#04deb57d`.
pub const MSGS_STATE_INFO: u32 = 0x04deb57d;
/// `msgs_all_info#8cc0d131`.
pub const MSGS_ALL_INFO: u32 = 0x8cc0d131;

/// The `msgs_state_info` answering message `req_msg_id` about `ids`, one
/// status byte per id from `state`.
pub fn state_info(req_msg_id: i64, ids: &[i64], state: impl Fn(i64) -> u8) -> Vec<u8> {
    use paperplane_tl::{Serializable, enums, types};
    enums::MsgsStateInfo::MsgsStateInfo(types::MsgsStateInfo {
        req_msg_id,
        info: ids.iter().map(|&id| state(id)).collect(),
    })
    .to_bytes()
}

/// Reads the msg_ids of a `msgs_state_req`, `msg_resend_req` or
/// `msg_resend_ans_req` (all three are one vector of longs after the id).
pub fn read_id_list(body: &[u8]) -> Result<Vec<i64>, paperplane_tl::DeserializeError> {
    let mut cur = paperplane_tl::Cursor::new(body);
    cur.read_u32()?;
    paperplane_tl::Deserializable::deserialize(&mut cur)
}

/// The msg_id of one of our messages that a message from the other side
/// refers to (the request an answer answers, the message a notification
/// is about), if it is such a message.
pub fn referenced_id(body: &[u8]) -> Option<i64> {
    let word = |at: usize| {
        body.get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(i64::from_le_bytes)
    };
    match super::container::id_of(body)? {
        // The first field of each: rpc_result and future_salts req_msg_id,
        // pong msg_id, bad_msg_notification and bad_server_salt bad_msg_id,
        // new_session_created first_msg_id, msg_detailed_info msg_id,
        // msgs_state_info req_msg_id.
        super::container::RPC_RESULT
        | FUTURE_SALTS
        | PONG
        | BAD_MSG_NOTIFICATION
        | BAD_SERVER_SALT
        | NEW_SESSION_CREATED
        | MSG_DETAILED_INFO
        | MSGS_STATE_INFO => word(4),
        _ => None,
    }
}
