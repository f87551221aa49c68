//! Perfect forward secrecy: `auth.bindTempAuthKey`
//! (core.telegram.org/method/auth.bindTempAuthKey).
//!
//! The request arrives over the temporary key; its `encrypted_message`,
//! encrypted with the permanent key, must name this temporary key, this
//! session and this very msg_id. Once bound, every request on the
//! temporary key acts with the permanent key's login, and a new binding of
//! the same permanent key replaces the previous one.

use paperplane_mtproto::handshake::bind::{self, BindRequest};
use paperplane_tl::{Identifiable, functions};

use super::Context;
use crate::error::{ApiError, ApiResult};
use crate::keys::BindRefusal;

/// Whether a method may be called over an unbound temporary key.
pub(super) fn allowed_unbound(id: u32) -> bool {
    if id == functions::auth::BindTempAuthKey::CONSTRUCTOR_ID {
        return true;
    }
    paperplane_tl::name_for_id(id).is_some_and(|name| name.starts_with("help."))
}

/// `auth.bindTempAuthKey`.
pub fn bind_temp_auth_key(
    ctx: &mut Context<'_>,
    req: functions::auth::BindTempAuthKey,
) -> ApiResult<bool> {
    let invalid = || ApiError::bad_request("ENCRYPTED_MESSAGE_INVALID");
    let keys = &ctx.shared.keys;
    let temp = keys
        .get(ctx.wire_key_id)
        .filter(|k| k.temp.is_some())
        .ok_or_else(|| ApiError::bad_request("TEMP_AUTH_KEY_EMPTY"))?;
    let perm = keys
        .get(req.perm_auth_key_id)
        .filter(|k| k.temp.is_none())
        .ok_or_else(invalid)?;
    let request = BindRequest {
        perm_auth_key_id: req.perm_auth_key_id,
        nonce: req.nonce,
        expires_at: req.expires_at,
        encrypted_message: req.encrypted_message,
    };
    if let Err(e) = bind::verify_binding(&perm.key, &request, temp.id(), ctx.session_id, ctx.msg_id)
    {
        tracing::debug!("binding refused: {e}");
        return Err(invalid());
    }
    if i64::from(req.expires_at) <= ctx.shared.clock.now() {
        return Err(invalid());
    }
    let replaced = keys
        .bind(temp.id(), perm.id(), i64::from(req.expires_at))
        .map_err(|refusal| match refusal {
            BindRefusal::NotTemporary => ApiError::bad_request("TEMP_AUTH_KEY_EMPTY"),
            BindRefusal::NoPermanentKey => invalid(),
            BindRefusal::AlreadyBound => ApiError::bad_request("TEMP_AUTH_KEY_ALREADY_BOUND"),
        })?;
    let hub = ctx.shared.world.hub();
    hub.set_auth_key(temp.id(), perm.id());
    if let Some(old) = replaced {
        hub.set_auth_key(old, old);
    }
    Ok(true)
}
