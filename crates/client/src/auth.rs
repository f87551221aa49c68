//! Signing in: bots, phone codes, two-step passwords, QR codes.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use paperplane_crypto::srp;
use paperplane_net::InvocationError;
use paperplane_tl::{enums, functions, types};
use rand_core::OsRng;

use crate::client::Client;

/// What `request_login_code` returns: pass it to [`Client::sign_in`].
///
/// `Debug` redacts `phone_code_hash`: with the code the user receives it
/// signs in, so it stays out of logs.
#[derive(Clone)]
pub struct LoginToken {
    phone: String,
    phone_code_hash: String,
}

impl fmt::Debug for LoginToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginToken")
            .field("phone", &self.phone)
            .field("phone_code_hash", &"<redacted>")
            .finish()
    }
}

impl LoginToken {
    /// The phone number the code was sent to.
    pub fn phone(&self) -> &str {
        &self.phone
    }
}

/// The account has a two-step password: pass this to
/// [`Client::check_password`] with the password.
#[derive(Clone, Debug)]
pub struct PasswordToken {
    password: types::account::Password,
}

impl PasswordToken {
    /// The hint the user set for the password.
    pub fn hint(&self) -> Option<&str> {
        self.password.hint.as_deref()
    }
}

/// Why [`Client::sign_in`] did not sign in.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The number has no account: call [`Client::sign_up`].
    #[error("this phone number has no account yet; sign up first")]
    SignUpRequired,
    /// The account has a two-step password: call [`Client::check_password`].
    #[error("two-step verification password required")]
    PasswordRequired(Box<PasswordToken>),
    /// The code was wrong.
    #[error("invalid login code")]
    InvalidCode,
    /// Anything else.
    #[error(transparent)]
    Other(#[from] InvocationError),
}

/// The signed-in account.
#[derive(Clone, Debug)]
pub struct User {
    raw: Box<types::User>,
}

impl User {
    /// The user id.
    pub fn id(&self) -> i64 {
        self.raw.id
    }

    /// The first name.
    pub fn first_name(&self) -> Option<&str> {
        self.raw.first_name.as_deref()
    }

    /// The username, without `@`.
    pub fn username(&self) -> Option<&str> {
        self.raw.username.as_deref()
    }

    /// Whether it is a bot.
    pub fn is_bot(&self) -> bool {
        self.raw.bot
    }

    /// The user as Telegram sent it.
    pub fn raw(&self) -> &types::User {
        &self.raw
    }

    /// The user as Telegram sent it, owned.
    pub fn into_raw(self) -> types::User {
        *self.raw
    }
}

impl fmt::Display for User {
    /// The full name, or the username, or the id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (
            &self.raw.first_name,
            &self.raw.last_name,
            &self.raw.username,
        ) {
            (Some(first), Some(last), _) => write!(f, "{first} {last}"),
            (Some(name), None, _) | (None, Some(name), _) | (None, None, Some(name)) => {
                f.write_str(name)
            }
            (None, None, None) => write!(f, "{}", self.raw.id),
        }
    }
}

/// A QR login in progress, or done.
#[derive(Clone, Debug)]
pub enum QrLogin {
    /// Show [`QrLogin::url`] as a QR code and ask again after it is scanned
    /// (or before `expires`).
    Pending {
        /// The token.
        token: Vec<u8>,
        /// When it expires (Unix seconds).
        expires: i32,
    },
    /// Signed in.
    Done(User),
}

impl QrLogin {
    /// The `tg://login?token=…` URL to show as a QR code.
    pub fn url(&self) -> Option<String> {
        match self {
            QrLogin::Pending { token, .. } => Some(format!(
                "tg://login?token={}",
                URL_SAFE_NO_PAD.encode(token)
            )),
            QrLogin::Done(_) => None,
        }
    }
}

impl Client {
    /// Whether the session is logged in (asks the server).
    pub async fn is_authorized(&self) -> Result<bool, InvocationError> {
        match self.get_me().await {
            Ok(_) => Ok(true),
            Err(e) if e.rpc().is_some_and(|r| r.code == 401) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The logged-in account.
    pub async fn get_me(&self) -> Result<types::User, InvocationError> {
        let users = self
            .invoke(&functions::users::GetUsers {
                id: vec![enums::InputUser::InputUserSelf],
            })
            .await?;
        self.cache_users(&users);
        match users.into_iter().next() {
            Some(enums::User::User(me)) => {
                self.inner.store.lock().set_user(me.id, me.bot);
                Ok(*me)
            }
            _ => Err(InvocationError::Invalid(
                "users.getUsers returned no user".into(),
            )),
        }
    }

    /// Signs in as a bot with its token from @BotFather.
    pub async fn bot_sign_in(&self, token: &str) -> Result<User, InvocationError> {
        let request = functions::auth::ImportBotAuthorization {
            flags: 0,
            api_id: self.inner.api_id,
            api_hash: self.inner.api_hash.clone(),
            bot_auth_token: token.to_owned(),
        };
        let auth = self.invoke(&request).await?;
        match self.finish_login(auth).await {
            Ok(user) => Ok(user),
            Err(SignInError::Other(e)) => Err(e),
            Err(e) => Err(InvocationError::Invalid(e.to_string())),
        }
    }

    /// Sends a login code to `phone` (digits, `+` optional).
    pub async fn request_login_code(&self, phone: &str) -> Result<LoginToken, InvocationError> {
        let phone: String = phone.chars().filter(char::is_ascii_digit).collect();
        let request = functions::auth::SendCode {
            phone_number: phone.clone(),
            api_id: self.inner.api_id,
            api_hash: self.inner.api_hash.clone(),
            settings: enums::CodeSettings::CodeSettings(types::CodeSettings::default()),
        };
        let phone_code_hash = match self.invoke(&request).await? {
            enums::auth::SentCode::SentCode(sent) => sent.phone_code_hash,
            enums::auth::SentCode::Success(_) => {
                return Err(InvocationError::Invalid(
                    "the server signed in without a code; not supported".into(),
                ));
            }
            enums::auth::SentCode::PaymentRequired(_) => {
                return Err(InvocationError::Invalid(
                    "the server asks for payment before sending a code".into(),
                ));
            }
        };
        Ok(LoginToken {
            phone,
            phone_code_hash,
        })
    }

    /// Signs in with the code the user received.
    pub async fn sign_in(&self, token: &LoginToken, code: &str) -> Result<User, SignInError> {
        let request = functions::auth::SignIn {
            phone_number: token.phone.clone(),
            phone_code_hash: token.phone_code_hash.clone(),
            phone_code: Some(code.trim().to_owned()),
            email_verification: None,
        };
        match self.invoke(&request).await {
            Ok(auth) => self.finish_login(auth).await,
            Err(e) if e.is("SESSION_PASSWORD_NEEDED") => {
                let enums::account::Password::Password(password) =
                    self.invoke(&functions::account::GetPassword {}).await?;
                Err(SignInError::PasswordRequired(Box::new(PasswordToken {
                    password: *password,
                })))
            }
            Err(e) if e.is("PHONE_CODE_INVALID") || e.is("PHONE_CODE_EMPTY") => {
                Err(SignInError::InvalidCode)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Creates the account for a number that has none (after
    /// [`SignInError::SignUpRequired`]).
    pub async fn sign_up(
        &self,
        token: &LoginToken,
        first_name: &str,
        last_name: &str,
    ) -> Result<User, SignInError> {
        let request = functions::auth::SignUp {
            no_joined_notifications: false,
            phone_number: token.phone.clone(),
            phone_code_hash: token.phone_code_hash.clone(),
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
        };
        let auth = self.invoke(&request).await?;
        self.finish_login(auth).await
    }

    /// Proves the two-step password (SRP: the password never leaves this
    /// machine).
    pub async fn check_password(
        &self,
        token: PasswordToken,
        password: &str,
    ) -> Result<User, InvocationError> {
        let p = token.password;
        let Some(enums::PasswordKdfAlgo::Sha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow(algo)) =
            p.current_algo
        else {
            return Err(InvocationError::Invalid(
                "unsupported password algorithm".into(),
            ));
        };
        let (Some(srp_b), Some(srp_id)) = (p.srp_b, p.srp_id) else {
            return Err(InvocationError::Invalid(
                "the account has no password".into(),
            ));
        };
        let g = u32::try_from(algo.g)
            .map_err(|_| InvocationError::Invalid("negative SRP generator".into()))?;
        let params = srp::SrpParams::new(&algo.salt1, &algo.salt2, g, &algo.p)
            .map_err(|e| InvocationError::Invalid(format!("SRP parameters: {e}")))?;
        let hash = params.password_hash(password.as_bytes());
        let answer = srp::client_answer_with_rng(&params, &hash, &srp_b, &mut OsRng)
            .map_err(|e| InvocationError::Invalid(format!("SRP: {e}")))?;
        let request = functions::auth::CheckPassword {
            password: enums::InputCheckPasswordSrp::InputCheckPasswordSrp(
                types::InputCheckPasswordSrp {
                    srp_id,
                    a: answer.a.to_vec(),
                    m1: answer.m1.to_vec(),
                },
            ),
        };
        let auth = self.invoke(&request).await?;
        match self.finish_login(auth).await {
            Ok(user) => Ok(user),
            Err(SignInError::Other(e)) => Err(e),
            Err(e) => Err(InvocationError::Invalid(e.to_string())),
        }
    }

    /// Starts or continues a QR login: call until it returns
    /// [`QrLogin::Done`], showing each pending token's URL meanwhile.
    pub async fn qr_login(&self) -> Result<QrLogin, InvocationError> {
        let request = functions::auth::ExportLoginToken {
            api_id: self.inner.api_id,
            api_hash: self.inner.api_hash.clone(),
            except_ids: Vec::new(),
        };
        let mut answer = self.invoke(&request).await?;
        for _ in 0..3 {
            match answer {
                enums::auth::LoginToken::LoginToken(t) => {
                    return Ok(QrLogin::Pending {
                        token: t.token,
                        expires: t.expires,
                    });
                }
                enums::auth::LoginToken::Success(s) => {
                    return match self.finish_login(s.authorization).await {
                        Ok(user) => Ok(QrLogin::Done(user)),
                        Err(SignInError::Other(e)) => Err(e),
                        Err(e) => Err(InvocationError::Invalid(e.to_string())),
                    };
                }
                enums::auth::LoginToken::MigrateTo(m) => {
                    // The account lives elsewhere: finish there.
                    self.inner.pool.set_home_dc(m.dc_id);
                    answer = self
                        .invoke(&functions::auth::ImportLoginToken { token: m.token })
                        .await?;
                }
            }
        }
        Err(InvocationError::MigrationLoop)
    }

    /// Approves a QR login token (scanned from another device) with this
    /// logged-in account.
    pub async fn accept_login_token(
        &self,
        token: &[u8],
    ) -> Result<types::Authorization, InvocationError> {
        let enums::Authorization::Authorization(auth) = self
            .invoke(&functions::auth::AcceptLoginToken {
                token: token.to_vec(),
            })
            .await?;
        Ok(*auth)
    }

    /// Logs out: the server forgets this login, and so does the session.
    pub async fn sign_out(&self) -> Result<(), InvocationError> {
        self.invoke(&functions::auth::LogOut {}).await?;
        self.inner.pool.set_authorized(false);
        {
            let mut session = self.inner.store.lock();
            session.clear_user();
        }
        if let Err(e) = self.save_session().await {
            tracing::warn!("could not save the session after logging out: {e}");
        }
        Ok(())
    }

    /// Records a successful login: the account, the pool's login flag, the
    /// update state; then saves.
    async fn finish_login(&self, auth: enums::auth::Authorization) -> Result<User, SignInError> {
        let auth = match auth {
            enums::auth::Authorization::Authorization(a) => a,
            enums::auth::Authorization::SignUpRequired(_) => {
                return Err(SignInError::SignUpRequired);
            }
        };
        let enums::User::User(user) = auth.user else {
            return Err(InvocationError::Invalid("signed in as an empty user".into()).into());
        };
        self.inner.store.lock().set_user(user.id, user.bot);
        self.cache_users(&[enums::User::User(user.clone())]);
        self.inner.pool.set_authorized(true);
        self.follow_updates_from_now().await;
        if let Err(e) = self.save_session().await {
            tracing::warn!("could not save the session after signing in: {e}");
        }
        Ok(User { raw: user })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code hash lets whoever holds it sign in with the code the user
    /// receives: it never appears in logs or panic messages.
    #[test]
    fn login_token_debug_hides_the_phone_code_hash() {
        let token = LoginToken {
            phone: "15550001234".into(),
            phone_code_hash: "a1b2c3d4e5f6".into(),
        };
        let shown = format!("{token:?}");
        assert!(!shown.contains("a1b2c3d4e5f6"), "{shown}");
        assert!(shown.contains("15550001234"), "{shown}");
        assert!(shown.contains("phone_code_hash"), "{shown}");
        let pretty = format!("{token:#?}");
        assert!(!pretty.contains("a1b2c3d4e5f6"), "{pretty}");
    }
}
