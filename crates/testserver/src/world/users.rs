//! Accounts: people and bots, and the rules for their phones, usernames
//! and bot tokens on Telegram's test DCs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::password::PasswordRecord;

/// One account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UserRecord {
    /// The user id (for bots, the number before the token's colon).
    pub id: i64,
    /// The access hash every other user sees.
    pub access_hash: i64,
    /// First name.
    pub first_name: String,
    /// Last name, if any.
    pub last_name: Option<String>,
    /// Username without `@`, if any.
    pub username: Option<String>,
    /// Phone digits without `+` (people only).
    pub phone: Option<String>,
    /// Whether this is a bot.
    pub bot: bool,
    /// The DC the account lives on.
    pub dc_id: i32,
    /// A bot's token (`<id>:<secret>`).
    pub bot_token: Option<String>,
    /// The 2FA password, if set.
    pub password: Option<PasswordRecord>,
}

/// A phone number of Telegram's test DCs: `99966XYYYY`, living on DC `X`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestPhone {
    /// The ten digits.
    pub digits: String,
    /// The DC it lives on.
    pub dc_id: i32,
}

impl TestPhone {
    /// Parses `99966XYYYY` or `+99966XYYYY` with `X` a DC from 1 to 5.
    pub fn parse(phone: &str) -> Option<Self> {
        let digits = phone.strip_prefix('+').unwrap_or(phone);
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let rest = digits.strip_prefix("99966")?;
        let dc_id = i32::from(rest.as_bytes().first()?.wrapping_sub(b'0'));
        if !(1..=5).contains(&dc_id) {
            return None;
        }
        Some(Self {
            digits: digits.to_owned(),
            dc_id,
        })
    }

    /// The login code: the DC digit five times (`9996621234` → `22222`).
    pub fn login_code(&self) -> String {
        self.dc_id.to_string().repeat(5)
    }
}

/// Whether `name` is a well-formed username: 4 to 32 of `[A-Za-z0-9_]`,
/// starting with a letter.
pub fn valid_username(name: &str) -> bool {
    (4..=32).contains(&name.len())
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Splits a bot token `<id>:<secret>` into the bot's id; `None` when
/// malformed (the id must be a positive number, the secret non-empty
/// `[A-Za-z0-9_-]`).
pub fn parse_bot_token(token: &str) -> Option<i64> {
    let (id, secret) = token.split_once(':')?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
    let secret_ok = !secret.is_empty()
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    secret_ok.then_some(id)
}

/// Every account, by id.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Users {
    by_id: BTreeMap<i64, UserRecord>,
    /// The last id handed to a person.
    last_id: i64,
}

/// Where ids of people start (bots take the ids of their tokens).
const FIRST_USER_ID: i64 = 1_000_000_000;

impl Users {
    /// The account with this id.
    pub fn get(&self, id: i64) -> Option<&UserRecord> {
        self.by_id.get(&id)
    }

    /// The account with this id, to change.
    pub fn get_mut(&mut self, id: i64) -> Option<&mut UserRecord> {
        self.by_id.get_mut(&id)
    }

    /// The account with this username (case-insensitive).
    pub fn by_username(&self, name: &str) -> Option<&UserRecord> {
        let name = name.strip_prefix('@').unwrap_or(name);
        self.by_id.values().find(|u| {
            u.username
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }

    /// The account with this phone (digits, `+` allowed).
    pub fn by_phone(&self, phone: &str) -> Option<&UserRecord> {
        let phone = phone.strip_prefix('+').unwrap_or(phone);
        self.by_id
            .values()
            .find(|u| u.phone.as_deref() == Some(phone))
    }

    /// Every account.
    pub fn iter(&self) -> impl Iterator<Item = &UserRecord> {
        self.by_id.values()
    }

    /// A fresh id for a person.
    pub fn next_person_id(&mut self) -> i64 {
        let mut id = self.last_id.max(FIRST_USER_ID - 1) + 1;
        while self.by_id.contains_key(&id) {
            id += 1;
        }
        self.last_id = id;
        id
    }

    /// Adds (or replaces) an account.
    pub fn insert(&mut self, user: UserRecord) {
        self.by_id.insert(user.id, user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_phones_name_their_dc_and_code() {
        let phone = TestPhone::parse("+9996621234").unwrap();
        assert_eq!((phone.digits.as_str(), phone.dc_id), ("9996621234", 2));
        assert_eq!(phone.login_code(), "22222");
        assert_eq!(
            TestPhone::parse("9996651234").unwrap().login_code(),
            "55555"
        );
        for bad in [
            "9996601234",
            "9996661234",
            "999662123",
            "99966212345",
            "+1555",
            "99966a1234",
            "",
        ] {
            assert_eq!(TestPhone::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn bot_tokens_and_usernames() {
        assert_eq!(parse_bot_token("123456:AAH-x_y"), Some(123456));
        for bad in [
            "123456", ":abc", "0:abc", "12a:abc", "123:", "123:a b", "-5:abc",
        ] {
            assert_eq!(parse_bot_token(bad), None, "{bad}");
        }
        assert!(valid_username("echo_bot"));
        assert!(!valid_username("1echo"));
        assert!(!valid_username("ab"));
        assert!(!valid_username("with space"));
    }
}
