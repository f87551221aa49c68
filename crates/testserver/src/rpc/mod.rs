//! Turns API requests into answers.
//!
//! Requests arrive wrapped (`invokeWithLayer(initConnection(query))`,
//! `invokeAfterMsg`, `invokeWithoutUpdates`, …); the wrappers are peeled
//! here, remembering what they say about the connection, and the innermost
//! function is routed by its constructor id to the handler module of its
//! area. Unknown methods get Telegram's `400 INPUT_METHOD_INVALID`,
//! malformed ones `400 INPUT_FETCH_ERROR`, methods that need a login
//! `401 AUTH_KEY_UNREGISTERED`: never silence. Over a temporary key that
//! is not bound yet only the binding and `help.*` work (`401
//! AUTH_KEY_PERM_EMPTY`); over a bound one, requests act with the
//! permanent key's login.

mod account;
mod auth;
mod channels;
mod contacts;
mod help;
mod messages;
mod peers;
mod pfs;
mod updates;
mod users;

use paperplane_tl::{Cursor, Deserializable, Identifiable, Serializable, functions};

use crate::error::{ApiError, ApiResult};
use crate::faults::Fault;
use crate::hub::ConnId;
use crate::server::Shared;
use crate::world::State;
use crate::world::chat::Origin;

/// A constructor id no TL type has, for answers that must not decode.
pub const UNDECODABLE: u32 = 0xdead_beef;

/// The innermost query of a wrapper: all remaining bytes, undecoded.
struct Rest(Vec<u8>);

impl Deserializable for Rest {
    fn deserialize(cur: &mut Cursor<'_>) -> paperplane_tl::deserialize::Result<Self> {
        let rest = cur.remaining();
        let taken = cur.read_slice(rest.len())?;
        Ok(Rest(taken.to_vec()))
    }
}

/// What one connection learned from its wrappers.
#[derive(Clone, Debug, Default)]
pub struct ConnectionInfo {
    /// The layer from `invokeWithLayer`.
    pub layer: Option<i32>,
    /// The `api_id` from `initConnection`.
    pub api_id: Option<i32>,
    /// The device model from `initConnection`.
    pub device_model: Option<String>,
}

/// An answer: the result's TL bytes, an `rpc_error`, or none at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The serialized result.
    Ok(Vec<u8>),
    /// An error as Telegram names it.
    Error {
        /// 400, 401, 420, …
        code: i32,
        /// `PHONE_MIGRATE_2`, `FLOOD_WAIT_3`, …
        message: String,
    },
    /// The request was handled and answered, but the connection breaks
    /// before the answer gets through (fault injection).
    Lost(Box<Reply>),
    /// The request was handled and is never answered (fault injection).
    Silence,
}

impl Reply {
    fn error(code: i32, message: &str) -> Self {
        Reply::Error {
            code,
            message: message.to_owned(),
        }
    }
}

impl From<ApiError> for Reply {
    fn from(e: ApiError) -> Self {
        Reply::Error {
            code: e.code,
            message: e.message,
        }
    }
}

/// Per-request context.
pub struct Context<'a> {
    /// Server-wide state.
    pub shared: &'a Shared,
    /// The DC the connection is on.
    pub dc_id: i32,
    /// What the connection's wrappers said.
    pub info: &'a mut ConnectionInfo,
    /// The auth key whose login the request acts with: the key it came
    /// with, or the permanent key that temporary key is bound to.
    pub key_id: i64,
    /// The auth key the request was encrypted with.
    pub wire_key_id: i64,
    /// The request came over a temporary key bound to no permanent key:
    /// only `auth.bindTempAuthKey` and `help.*` are allowed
    /// (`401 AUTH_KEY_PERM_EMPTY` otherwise).
    pub unbound_temp: bool,
    /// The client's session id.
    pub session_id: i64,
    /// The request's msg_id.
    pub msg_id: i64,
    /// The connection it came on.
    pub conn_id: ConnId,
}

impl Context<'_> {
    /// The server's current Unix time.
    pub fn now(&self) -> i32 {
        self.shared.clock.now_i32()
    }

    /// The user this key is logged in as: `401 AUTH_KEY_UNREGISTERED` when
    /// none, `303 USER_MIGRATE_X` when the login belongs to another DC.
    pub fn user_id(&self, state: &State) -> ApiResult<i64> {
        let auth = state
            .authorization(self.key_id)
            .ok_or_else(ApiError::auth_key_unregistered)?;
        if auth.dc_id != self.dc_id {
            let home = state
                .users
                .get(auth.user_id)
                .filter(|u| !u.bot)
                .map_or(auth.dc_id, |u| u.dc_id);
            return Err(ApiError::migrate("USER", home));
        }
        Ok(auth.user_id)
    }

    /// The acting user as a chat change's origin.
    pub fn origin(&self, state: &State) -> ApiResult<Origin> {
        Ok(Origin {
            user_id: self.user_id(state)?,
            conn: Some(self.conn_id),
            now: self.now(),
        })
    }
}

fn id_of(body: &[u8]) -> u32 {
    body.get(..4)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Answers one request.
pub fn dispatch(ctx: &mut Context<'_>, body: &[u8]) -> Reply {
    let mut body = body.to_vec();
    // Peel wrappers; bounded, since each one shrinks the body.
    for _ in 0..16 {
        let inner = match id_of(&body) {
            functions::InvokeWithLayer::<()>::CONSTRUCTOR_ID => {
                match functions::InvokeWithLayer::<Rest>::from_bytes(&body) {
                    Ok(w) => {
                        ctx.info.layer = Some(w.layer);
                        w.query.0
                    }
                    Err(_) => return Reply::error(400, "INPUT_FETCH_ERROR"),
                }
            }
            functions::InitConnection::<()>::CONSTRUCTOR_ID => {
                match functions::InitConnection::<Rest>::from_bytes(&body) {
                    Ok(w) => {
                        ctx.info.api_id = Some(w.api_id);
                        ctx.info.device_model = Some(w.device_model);
                        w.query.0
                    }
                    Err(_) => return Reply::error(400, "INPUT_FETCH_ERROR"),
                }
            }
            functions::InvokeAfterMsg::<()>::CONSTRUCTOR_ID => {
                match functions::InvokeAfterMsg::<Rest>::from_bytes(&body) {
                    Ok(w) => w.query.0,
                    Err(_) => return Reply::error(400, "INPUT_FETCH_ERROR"),
                }
            }
            functions::InvokeAfterMsgs::<()>::CONSTRUCTOR_ID => {
                match functions::InvokeAfterMsgs::<Rest>::from_bytes(&body) {
                    Ok(w) => w.query.0,
                    Err(_) => return Reply::error(400, "INPUT_FETCH_ERROR"),
                }
            }
            functions::InvokeWithoutUpdates::<()>::CONSTRUCTOR_ID => {
                match functions::InvokeWithoutUpdates::<Rest>::from_bytes(&body) {
                    Ok(w) => w.query.0,
                    Err(_) => return Reply::error(400, "INPUT_FETCH_ERROR"),
                }
            }
            _ => break,
        };
        body = inner;
    }
    if ctx.unbound_temp && !pfs::allowed_unbound(id_of(&body)) {
        return Reply::error(401, "AUTH_KEY_PERM_EMPTY");
    }
    let name = paperplane_tl::name_for_id(id_of(&body));
    let fault = name.and_then(|name| ctx.shared.faults.take(name));
    match fault {
        Some(Fault::FloodWait(seconds)) => ApiError::flood_wait(seconds).into(),
        Some(Fault::Error { code, message }) => Reply::Error { code, message },
        Some(Fault::DropAfterRequest) => Reply::Lost(Box::new(execute(ctx, name, &body))),
        Some(Fault::Silence) => {
            let _ = execute(ctx, name, &body);
            Reply::Silence
        }
        Some(Fault::Undecodable) => {
            let _ = execute(ctx, name, &body);
            Reply::Ok(UNDECODABLE.to_le_bytes().to_vec())
        }
        None => execute(ctx, name, &body),
    }
}

/// Carries a call out, counting it for [`crate::Control::executions`].
fn execute(ctx: &mut Context<'_>, name: Option<&'static str>, body: &[u8]) -> Reply {
    if let Some(name) = name {
        ctx.shared.faults.count_execution(name);
    }
    route(ctx, body)
}

/// Routes an unwrapped function by its id.
fn route(ctx: &mut Context<'_>, body: &[u8]) -> Reply {
    macro_rules! routes {
        ($($f:ty => $handler:path,)*) => {
            match id_of(body) {
                $(<$f>::CONSTRUCTOR_ID => match <$f>::from_bytes(body) {
                    Ok(req) => match $handler(ctx, req) {
                        Ok(answer) => Reply::Ok(answer.to_bytes()),
                        Err(e) => e.into(),
                    },
                    Err(_) => Reply::error(400, "INPUT_FETCH_ERROR"),
                },)*
                id => unknown(ctx, id),
            }
        };
    }
    use functions as f;
    routes! {
        f::help::GetConfig => help::get_config,
        f::help::GetNearestDc => help::get_nearest_dc,
        f::auth::SendCode => auth::send_code,
        f::auth::SignIn => auth::sign_in,
        f::auth::SignUp => auth::sign_up,
        f::auth::LogOut => auth::log_out,
        f::auth::CheckPassword => auth::check_password,
        f::auth::ImportBotAuthorization => auth::import_bot_authorization,
        f::auth::ExportAuthorization => auth::export_authorization,
        f::auth::ImportAuthorization => auth::import_authorization,
        f::auth::ExportLoginToken => auth::export_login_token,
        f::auth::AcceptLoginToken => auth::accept_login_token,
        f::auth::BindTempAuthKey => pfs::bind_temp_auth_key,
        f::auth::ImportLoginToken => auth::import_login_token,
        f::account::GetPassword => account::get_password,
        f::users::GetUsers => users::get_users,
        f::users::GetFullUser => users::get_full_user,
        f::contacts::ResolveUsername => contacts::resolve_username,
        f::contacts::ResolvePhone => contacts::resolve_phone,
        f::contacts::Block => contacts::block,
        f::contacts::Unblock => contacts::unblock,
        f::contacts::GetBlocked => contacts::get_blocked,
        f::messages::SendMessage => messages::send_message,
        f::messages::GetHistory => messages::get_history,
        f::messages::GetMessages => messages::get_messages,
        f::messages::EditMessage => messages::edit_message,
        f::messages::DeleteMessages => messages::delete_messages,
        f::messages::GetDialogs => messages::get_dialogs,
        f::messages::ReadHistory => messages::read_history,
        f::updates::GetState => updates::get_state,
        f::updates::GetDifference => updates::get_difference,
        f::updates::GetChannelDifference => updates::get_channel_difference,
        f::channels::CreateChannel => channels::create_channel,
        f::channels::JoinChannel => channels::join_channel,
        f::channels::LeaveChannel => channels::leave_channel,
        f::channels::GetChannels => channels::get_channels,
        f::channels::GetFullChannel => channels::get_full_channel,
        f::channels::DeleteMessages => channels::delete_messages,
    }
}

/// Namespaces callable without logging in.
const AUTH_FREE: &[&str] = &["help.", "auth.", "langpack."];

/// A method this server does not implement: unauthorized keys get the
/// 401 Telegram gives them for any method that needs a login.
fn unknown(ctx: &Context<'_>, id: u32) -> Reply {
    match paperplane_tl::name_for_id(id) {
        Some(name) if !AUTH_FREE.iter().any(|ns| name.starts_with(ns)) => {
            let logged_in = ctx
                .shared
                .world
                .read(|state| ctx.user_id(state).map(|_| ()));
            match logged_in {
                Ok(()) => Reply::error(400, "INPUT_METHOD_INVALID"),
                Err(e) => e.into(),
            }
        }
        _ => Reply::error(400, "INPUT_METHOD_INVALID"),
    }
}
