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

/// The `msgs_state_info` answering a `msgs_state_req` (message `req_msg_id`,
/// body at `cur`): state 4, "received", for every id asked about, since a
/// session only asks about messages it sent and we have them.
pub fn state_info(
    req_msg_id: i64,
    cur: &mut paperplane_tl::Cursor<'_>,
) -> Result<Vec<u8>, paperplane_tl::DeserializeError> {
    use paperplane_tl::{Deserializable, Serializable, enums, types};
    let enums::MsgsStateReq::MsgsStateReq(req) = enums::MsgsStateReq::deserialize(cur)?;
    let info = enums::MsgsStateInfo::MsgsStateInfo(types::MsgsStateInfo {
        req_msg_id,
        info: vec![4; req.msg_ids.len()],
    });
    Ok(info.to_bytes())
}
