//! Turns API requests into answers.
//!
//! Requests arrive wrapped (`invokeWithLayer(initConnection(query))`,
//! `invokeAfterMsg`, `invokeWithoutUpdates`, …); the wrappers are peeled
//! here, remembering what they say about the connection, and the innermost
//! function is routed by its constructor id. Unknown methods get
//! Telegram's `400 INPUT_METHOD_INVALID`, malformed ones
//! `400 INPUT_FETCH_ERROR`, methods that need a login
//! `401 AUTH_KEY_UNREGISTERED`: never silence.

use paperplane_tl::{Cursor, Deserializable, Identifiable, Serializable, enums, functions, types};

use crate::server::Shared;

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

/// An answer: the result's TL bytes, or an `rpc_error`.
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
}

impl Reply {
    fn error(code: i32, message: &str) -> Self {
        Reply::Error {
            code,
            message: message.to_owned(),
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
    route(ctx, &body)
}

/// Routes an unwrapped function by its id.
fn route(ctx: &mut Context<'_>, body: &[u8]) -> Reply {
    macro_rules! call {
        ($f:ty, $handler:expr) => {
            match <$f>::from_bytes(body) {
                Ok(req) => $handler(ctx, req),
                Err(_) => Reply::error(400, "INPUT_FETCH_ERROR"),
            }
        };
    }
    match id_of(body) {
        functions::help::GetConfig::CONSTRUCTOR_ID => {
            call!(functions::help::GetConfig, help_get_config)
        }
        functions::help::GetNearestDc::CONSTRUCTOR_ID => {
            call!(functions::help::GetNearestDc, help_get_nearest_dc)
        }
        id => match paperplane_tl::name_for_id(id) {
            // No account exists yet, so no key is authorized: methods that
            // need one get what Telegram answers an unauthorized key.
            Some(name) if !AUTH_FREE.iter().any(|ns| name.starts_with(ns)) => {
                Reply::error(401, "AUTH_KEY_UNREGISTERED")
            }
            _ => Reply::error(400, "INPUT_METHOD_INVALID"),
        },
    }
}

/// Namespaces callable without logging in.
const AUTH_FREE: &[&str] = &["help.", "auth.", "langpack."];

fn help_get_config(ctx: &mut Context<'_>, _: functions::help::GetConfig) -> Reply {
    let now = crate::server::unix_now() as i32;
    let dc_options = ctx
        .shared
        .dcs
        .iter()
        .map(|dc| {
            enums::DcOption::DcOption(types::DcOption {
                ipv6: dc.addr.is_ipv6(),
                media_only: false,
                tcpo_only: false,
                cdn: false,
                r#static: false,
                this_port_only: true,
                id: dc.id,
                ip_address: dc.addr.ip().to_string(),
                port: i32::from(dc.addr.port()),
                secret: None,
            })
        })
        .collect();
    let config = enums::Config::Config(types::Config {
        default_p2p_contacts: false,
        preload_featured_stickers: false,
        revoke_pm_inbox: true,
        blocked_mode: false,
        force_try_ipv6: false,
        date: now,
        expires: now + 3600,
        test_mode: true,
        this_dc: ctx.dc_id,
        dc_options,
        dc_txt_domain_name: "localhost".into(),
        chat_size_max: 200,
        megagroup_size_max: 200_000,
        forwarded_count_max: 100,
        online_update_period_ms: 210_000,
        offline_blur_timeout_ms: 5_000,
        offline_idle_timeout_ms: 30_000,
        online_cloud_timeout_ms: 300_000,
        notify_cloud_delay_ms: 30_000,
        notify_default_delay_ms: 1_500,
        push_chat_period_ms: 60_000,
        push_chat_limit: 2,
        edit_time_limit: 172_800,
        revoke_time_limit: i32::MAX,
        revoke_pm_time_limit: i32::MAX,
        rating_e_decay: 2_419_200,
        stickers_recent_limit: 200,
        channels_read_media_period: 604_800,
        tmp_sessions: None,
        call_receive_timeout_ms: 20_000,
        call_ring_timeout_ms: 90_000,
        call_connect_timeout_ms: 30_000,
        call_packet_timeout_ms: 10_000,
        me_url_prefix: "https://t.me/".into(),
        autoupdate_url_prefix: None,
        gif_search_username: None,
        venue_search_username: None,
        img_search_username: None,
        static_maps_provider: None,
        caption_length_max: 1024,
        message_length_max: 4096,
        webfile_dc_id: 4,
        suggested_lang_code: None,
        lang_pack_version: None,
        base_lang_pack_version: None,
        reactions_default: None,
        autologin_token: None,
    });
    Reply::Ok(config.to_bytes())
}

fn help_get_nearest_dc(ctx: &mut Context<'_>, _: functions::help::GetNearestDc) -> Reply {
    let dc = enums::NearestDc::NearestDc(types::NearestDc {
        country: "ZZ".into(),
        this_dc: ctx.dc_id,
        nearest_dc: ctx.dc_id,
    });
    Reply::Ok(dc.to_bytes())
}
