//! `account.*`: the 2FA password's public parameters.

use paperplane_tl::{enums, functions, types};
use rand_core::RngCore;

use super::Context;
use crate::error::ApiResult;
use crate::world::password::{self, SrpLogin};

/// `account.getPassword`: for an account with a password, its KDF
/// parameters and a fresh SRP `B` and `srp_id` (earlier ids go stale).
/// Callable while a login waits for the password.
pub fn get_password(
    ctx: &mut Context<'_>,
    _: functions::account::GetPassword,
) -> ApiResult<enums::account::Password> {
    ctx.shared.world.with(|state, _| {
        let user_id = super::auth::password_user(ctx, state)?;
        let record = state.users.get(user_id).and_then(|u| u.password.clone());
        let new_algo = password::new_algo(&mut state.rng.0);
        let (new_secure_algo, secure_random) = password::secure_parts(&mut state.rng.0);
        let mut answer = types::account::Password {
            has_recovery: false,
            has_secure_values: false,
            has_password: false,
            current_algo: None,
            srp_b: None,
            srp_id: None,
            hint: None,
            email_unconfirmed_pattern: None,
            new_algo,
            new_secure_algo,
            secure_random,
            pending_reset_date: None,
            login_email_pattern: None,
        };
        if let Some(record) = record {
            let server = record.start_login(&mut state.rng.0)?;
            let srp_id = state.rng.0.next_u64() as i64;
            answer.has_password = true;
            answer.current_algo = Some(record.current_algo());
            answer.srp_b = Some(server.srp_b().to_vec());
            answer.srp_id = Some(srp_id);
            answer.hint = record.hint.clone();
            state.srp.insert(user_id, SrpLogin { srp_id, server });
        }
        Ok(enums::account::Password::Password(Box::new(answer)))
    })
}
