//! `auth.*`: logging in with a code, a password, a bot token, an exported
//! authorization or a QR token, and logging out.

use paperplane_tl::{enums, functions, types};
use rand_core::RngCore;

use super::Context;
use crate::error::{ApiError, ApiResult};
use crate::server::DC_IDS;
use crate::world::auth::{LoginToken, MigratedToken, PendingCode};
use crate::world::users::TestPhone;
use crate::world::{State, view};

/// How long a QR login token lives, in seconds (Telegram: about 30).
const LOGIN_TOKEN_TTL: i32 = 30;

/// `auth.authorization` for `user_id` as it sees itself.
pub(super) fn authorization(state: &State, user_id: i64) -> ApiResult<enums::auth::Authorization> {
    let user = state
        .users
        .get(user_id)
        .ok_or_else(ApiError::auth_key_unregistered)?;
    Ok(enums::auth::Authorization::Authorization(
        types::auth::Authorization {
            setup_password_required: false,
            otherwise_relogin_days: None,
            tmp_sessions: None,
            future_auth_token: None,
            user: view::user(user_id, user),
        },
    ))
}

/// Parses a phone and checks it lives on this DC.
fn phone_here(ctx: &Context<'_>, phone: &str) -> ApiResult<TestPhone> {
    let phone =
        TestPhone::parse(phone).ok_or_else(|| ApiError::bad_request("PHONE_NUMBER_INVALID"))?;
    if phone.dc_id != ctx.dc_id {
        return Err(ApiError::migrate("PHONE", phone.dc_id));
    }
    Ok(phone)
}

/// The pending code `hash` names for `phone`.
fn pending<'s>(
    state: &'s mut State,
    hash: &str,
    phone: &TestPhone,
) -> ApiResult<&'s mut PendingCode> {
    if hash.is_empty() {
        return Err(ApiError::bad_request("PHONE_CODE_HASH_EMPTY"));
    }
    state
        .logins
        .codes
        .get_mut(hash)
        .filter(|p| p.phone == *phone)
        .ok_or_else(|| ApiError::bad_request("PHONE_CODE_EXPIRED"))
}

/// `auth.sendCode`: an app code for a test number on its own DC.
pub fn send_code(
    ctx: &mut Context<'_>,
    req: functions::auth::SendCode,
) -> ApiResult<enums::auth::SentCode> {
    let phone = phone_here(ctx, &req.phone_number)?;
    ctx.shared.world.with(|state, _| {
        let hash = format!("{:016x}", state.rng.0.next_u64());
        state.logins.codes.insert(
            hash.clone(),
            PendingCode {
                phone,
                sign_up_allowed: false,
            },
        );
        Ok(enums::auth::SentCode::SentCode(types::auth::SentCode {
            r#type: enums::auth::SentCodeType::App(types::auth::SentCodeTypeApp { length: 5 }),
            phone_code_hash: hash,
            next_type: None,
            timeout: None,
        }))
    })
}

/// `auth.signIn`: checks the code; logs in, asks for the password, asks
/// for sign-up, or creates the account (unless sign-up is required).
pub fn sign_in(
    ctx: &mut Context<'_>,
    req: functions::auth::SignIn,
) -> ApiResult<enums::auth::Authorization> {
    let phone = phone_here(ctx, &req.phone_number)?;
    let require_signup = ctx.shared.world.config().require_signup;
    let (key_id, dc_id, now) = (ctx.key_id, ctx.dc_id, ctx.now());
    ctx.shared.world.with(|state, _| {
        pending(state, &req.phone_code_hash, &phone)?;
        let code = req.phone_code.as_deref().unwrap_or_default();
        if code.is_empty() {
            return Err(ApiError::bad_request("PHONE_CODE_EMPTY"));
        }
        if code != phone.login_code() {
            return Err(ApiError::bad_request("PHONE_CODE_INVALID"));
        }
        let user = match state.users.by_phone(&phone.digits) {
            Some(user) => user.clone(),
            None if require_signup => {
                pending(state, &req.phone_code_hash, &phone)?.sign_up_allowed = true;
                return Ok(enums::auth::Authorization::SignUpRequired(
                    types::auth::AuthorizationSignUpRequired {
                        terms_of_service: None,
                    },
                ));
            }
            None => {
                let last = phone.digits.get(6..).unwrap_or_default();
                state.create_person(&phone, "User", Some(last), None)?
            }
        };
        state.logins.codes.remove(&req.phone_code_hash);
        if user.password.is_some() {
            state.logins.awaiting_password.insert(key_id, user.id);
            return Err(ApiError::unauthorized("SESSION_PASSWORD_NEEDED"));
        }
        state.authorize(key_id, user.id, dc_id, now);
        authorization(state, user.id)
    })
}

/// `auth.signUp`: creates the account `auth.signIn` found missing.
pub fn sign_up(
    ctx: &mut Context<'_>,
    req: functions::auth::SignUp,
) -> ApiResult<enums::auth::Authorization> {
    let phone = phone_here(ctx, &req.phone_number)?;
    let (key_id, dc_id, now) = (ctx.key_id, ctx.dc_id, ctx.now());
    ctx.shared.world.with(|state, _| {
        if !pending(state, &req.phone_code_hash, &phone)?.sign_up_allowed {
            return Err(ApiError::bad_request("PHONE_CODE_EXPIRED"));
        }
        let user = state.create_person(&phone, &req.first_name, Some(&req.last_name), None)?;
        state.logins.codes.remove(&req.phone_code_hash);
        state.authorize(key_id, user.id, dc_id, now);
        authorization(state, user.id)
    })
}

/// `auth.logOut`: the key is logged in as nobody again.
pub fn log_out(
    ctx: &mut Context<'_>,
    _: functions::auth::LogOut,
) -> ApiResult<enums::auth::LoggedOut> {
    ctx.shared.world.with(|state, _| {
        ctx.user_id(state)?;
        state.log_out(ctx.key_id);
        Ok(enums::auth::LoggedOut::LoggedOut(types::auth::LoggedOut {
            future_auth_token: None,
        }))
    })
}

/// The user a password check is for: the key's login, or the account
/// whose code it just passed.
pub(super) fn password_user(ctx: &Context<'_>, state: &State) -> ApiResult<i64> {
    match ctx.user_id(state) {
        Ok(id) => Ok(id),
        Err(e) => state
            .logins
            .awaiting_password
            .get(&ctx.key_id)
            .copied()
            .ok_or(e),
    }
}

/// `auth.checkPassword`: verifies the SRP proof against the stored
/// verifier and completes the login.
pub fn check_password(
    ctx: &mut Context<'_>,
    req: functions::auth::CheckPassword,
) -> ApiResult<enums::auth::Authorization> {
    let (key_id, dc_id, now) = (ctx.key_id, ctx.dc_id, ctx.now());
    ctx.shared.world.with(|state, _| {
        let user_id = password_user(ctx, state)?;
        let enums::InputCheckPasswordSrp::InputCheckPasswordSrp(srp) = req.password else {
            return Err(ApiError::bad_request("PASSWORD_HASH_INVALID"));
        };
        let login = state
            .srp
            .get(&user_id)
            .filter(|l| l.srp_id == srp.srp_id)
            .ok_or_else(|| ApiError::bad_request("SRP_ID_INVALID"))?;
        if login.server.verify(&srp.a, &srp.m1).is_err() {
            return Err(ApiError::bad_request("PASSWORD_HASH_INVALID"));
        }
        state.srp.remove(&user_id);
        if state.logins.awaiting_password.get(&key_id) == Some(&user_id) {
            state.authorize(key_id, user_id, dc_id, now);
        }
        authorization(state, user_id)
    })
}

/// `auth.importBotAuthorization`: logs in with a bot token (registered,
/// or unknown and well-formed unless bots are strict).
pub fn import_bot_authorization(
    ctx: &mut Context<'_>,
    req: functions::auth::ImportBotAuthorization,
) -> ApiResult<enums::auth::Authorization> {
    let strict = ctx.shared.world.config().strict_bots;
    let (key_id, dc_id, now) = (ctx.key_id, ctx.dc_id, ctx.now());
    ctx.shared.world.with(|state, _| {
        let bot = state.bot_for_token(&req.bot_auth_token, strict)?;
        state.authorize(key_id, bot.id, dc_id, now);
        authorization(state, bot.id)
    })
}

/// `auth.exportAuthorization`: bytes to log in on another DC with.
pub fn export_authorization(
    ctx: &mut Context<'_>,
    req: functions::auth::ExportAuthorization,
) -> ApiResult<enums::auth::ExportedAuthorization> {
    ctx.shared.world.with(|state, _| {
        let user_id = ctx.user_id(state)?;
        if !DC_IDS.contains(&req.dc_id) || req.dc_id == ctx.dc_id {
            return Err(ApiError::bad_request("DC_ID_INVALID"));
        }
        let mut bytes = vec![0u8; 32];
        state.rng.0.fill_bytes(&mut bytes);
        state
            .logins
            .exports
            .insert(bytes.clone(), (user_id, req.dc_id));
        Ok(enums::auth::ExportedAuthorization::ExportedAuthorization(
            types::auth::ExportedAuthorization { id: user_id, bytes },
        ))
    })
}

/// `auth.importAuthorization`: logs this key in with exported bytes.
pub fn import_authorization(
    ctx: &mut Context<'_>,
    req: functions::auth::ImportAuthorization,
) -> ApiResult<enums::auth::Authorization> {
    let (key_id, dc_id, now) = (ctx.key_id, ctx.dc_id, ctx.now());
    ctx.shared
        .world
        .with(|state, _| match state.logins.exports.get(&req.bytes) {
            Some(&(user_id, dc)) if user_id == req.id && dc == dc_id => {
                state.logins.exports.remove(&req.bytes);
                state.authorize(key_id, user_id, dc_id, now);
                authorization(state, user_id)
            }
            _ => Err(ApiError::bad_request("AUTH_BYTES_INVALID")),
        })
}

fn login_success(state: &State, user_id: i64) -> ApiResult<enums::auth::LoginToken> {
    Ok(enums::auth::LoginToken::Success(
        types::auth::LoginTokenSuccess {
            authorization: authorization(state, user_id)?,
        },
    ))
}

/// `auth.exportLoginToken`: a QR token; once another session accepted it,
/// the login (or where to import it).
pub fn export_login_token(
    ctx: &mut Context<'_>,
    req: functions::auth::ExportLoginToken,
) -> ApiResult<enums::auth::LoginToken> {
    let (key_id, dc_id, now) = (ctx.key_id, ctx.dc_id, ctx.now());
    let device_model = ctx.info.device_model.clone().unwrap_or_default();
    ctx.shared.world.with(|state, _| {
        if let Ok(user_id) = ctx.user_id(state) {
            return login_success(state, user_id);
        }
        let accepted = state
            .logins
            .tokens
            .iter()
            .find(|(_, t)| t.key_id == key_id && t.accepted_by.is_some())
            .map(|(token, t)| (token.clone(), t.accepted_by));
        state.logins.tokens.retain(|_, t| t.key_id != key_id);
        if let Some((_, Some(user_id))) = accepted {
            let home = state
                .users
                .get(user_id)
                .filter(|u| !u.bot)
                .map_or(dc_id, |u| u.dc_id);
            if home == dc_id {
                state.authorize(key_id, user_id, dc_id, now);
                return login_success(state, user_id);
            }
            let mut token = vec![0u8; 32];
            state.rng.0.fill_bytes(&mut token);
            state.logins.migrated.insert(
                token.clone(),
                MigratedToken {
                    user_id,
                    dc_id: home,
                },
            );
            return Ok(enums::auth::LoginToken::MigrateTo(
                types::auth::LoginTokenMigrateTo { dc_id: home, token },
            ));
        }
        let mut token = vec![0u8; 32];
        state.rng.0.fill_bytes(&mut token);
        let expires = now.saturating_add(LOGIN_TOKEN_TTL);
        state.logins.tokens.insert(
            token.clone(),
            LoginToken {
                key_id,
                expires,
                accepted_by: None,
                api_id: req.api_id,
                device_model,
            },
        );
        Ok(enums::auth::LoginToken::LoginToken(
            types::auth::LoginToken { expires, token },
        ))
    })
}

/// `auth.acceptLoginToken`: a logged-in session approves a QR token; the
/// session that exported it is told with `updateLoginToken`.
pub fn accept_login_token(
    ctx: &mut Context<'_>,
    req: functions::auth::AcceptLoginToken,
) -> ApiResult<enums::Authorization> {
    let now = ctx.now();
    ctx.shared.world.with(|state, pushes| {
        let user_id = ctx.user_id(state)?;
        let hash = state.rng.0.next_u64() as i64;
        let token = state
            .logins
            .tokens
            .get_mut(&req.token)
            .ok_or_else(|| ApiError::bad_request("AUTH_TOKEN_INVALID"))?;
        if token.expires < now {
            return Err(ApiError::bad_request("AUTH_TOKEN_EXPIRED"));
        }
        if token.accepted_by.is_some() {
            return Err(ApiError::bad_request("AUTH_TOKEN_ALREADY_ACCEPTED"));
        }
        token.accepted_by = Some(user_id);
        let update = enums::Updates::UpdateShort(Box::new(types::UpdateShort {
            update: enums::Update::LoginToken,
            date: now,
        }));
        pushes.to_key(token.key_id, &update);
        Ok(enums::Authorization::Authorization(Box::new(
            types::Authorization {
                current: false,
                official_app: false,
                password_pending: false,
                encrypted_requests_disabled: false,
                call_requests_disabled: false,
                unconfirmed: false,
                hash,
                device_model: token.device_model.clone(),
                platform: String::new(),
                system_version: String::new(),
                api_id: token.api_id,
                app_name: String::new(),
                app_version: String::new(),
                date_created: now,
                date_active: now,
                ip: "127.0.0.1".into(),
                country: String::new(),
                region: String::new(),
            },
        )))
    })
}

/// `auth.importLoginToken`: completes a QR login redirected to this DC.
pub fn import_login_token(
    ctx: &mut Context<'_>,
    req: functions::auth::ImportLoginToken,
) -> ApiResult<enums::auth::LoginToken> {
    let (key_id, dc_id, now) = (ctx.key_id, ctx.dc_id, ctx.now());
    ctx.shared
        .world
        .with(|state, _| match state.logins.migrated.get(&req.token) {
            Some(m) if m.dc_id == dc_id => {
                let user_id = m.user_id;
                state.logins.migrated.remove(&req.token);
                state.authorize(key_id, user_id, dc_id, now);
                login_success(state, user_id)
            }
            _ => Err(ApiError::bad_request("AUTH_TOKEN_INVALID")),
        })
}
