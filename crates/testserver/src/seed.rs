//! Accounts to create and faults to arm at start: the `--world FILE`
//! format.
//!
//! One account or fault per line; blank lines and lines starting with `#`
//! are skipped:
//!
//! ```text
//! # user PHONE FIRST_NAME [@USERNAME] [password=PASSWORD] [hint=HINT]
//! user 9996621234 Alice @alice
//! user +9996641234 Dave password=hunter2 hint=usual
//! # bot @USERNAME TOKEN
//! bot @echo_bot 123456:AAH-secret
//! # fault KIND ARGS... (see the `faults` module)
//! fault flood_wait messages.sendMessage 3 times=2
//! fault skew_clock 3600
//! ```
//!
//! Phones are test numbers (`99966XYYYY`, living on DC X). A bad line is
//! an error naming its number, never a panic.

use std::fmt;

pub mod faults;

pub use faults::FaultSeed;

/// A fault of the world file, with the line it came from (to name it if
/// it cannot be armed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultLine {
    /// 1-based line number.
    pub line: usize,
    /// The fault.
    pub fault: FaultSeed,
}

/// A person to create at start.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UserSeed {
    /// A test phone number.
    pub phone: String,
    /// First name.
    pub first_name: String,
    /// Username, without `@`.
    pub username: Option<String>,
    /// A 2FA password to set.
    pub password: Option<String>,
    /// The password's hint.
    pub hint: Option<String>,
}

impl fmt::Debug for UserSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSeed")
            .field("phone", &self.phone)
            .field("first_name", &self.first_name)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("hint", &self.hint)
            .finish()
    }
}

/// What a world file lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorldFile {
    /// People.
    pub users: Vec<UserSeed>,
    /// Bots as `(username, token)`.
    pub bots: Vec<(String, String)>,
    /// Faults to arm once the accounts exist.
    pub faults: Vec<FaultLine>,
}

/// Parses a world file; errors name the line.
pub fn parse(text: &str) -> Result<WorldFile, String> {
    let mut world = WorldFile::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |what: &str| format!("line {}: {what}: `{line}`", n + 1);
        let mut words = line.split_whitespace();
        match words.next() {
            Some("user") => {
                let phone = words.next().ok_or_else(|| err("missing phone"))?;
                let first_name = words.next().ok_or_else(|| err("missing first name"))?;
                let mut seed = UserSeed {
                    phone: phone.to_owned(),
                    first_name: first_name.to_owned(),
                    ..UserSeed::default()
                };
                for word in words {
                    if let Some(name) = word.strip_prefix('@') {
                        seed.username = Some(name.to_owned());
                    } else if let Some(p) = word.strip_prefix("password=") {
                        seed.password = Some(p.to_owned());
                    } else if let Some(h) = word.strip_prefix("hint=") {
                        seed.hint = Some(h.to_owned());
                    } else {
                        return Err(err("unknown field"));
                    }
                }
                world.users.push(seed);
            }
            Some("bot") => {
                let name = words.next().ok_or_else(|| err("missing username"))?;
                let token = words.next().ok_or_else(|| err("missing token"))?;
                if words.next().is_some() {
                    return Err(err("extra fields"));
                }
                let name = name.strip_prefix('@').unwrap_or(name);
                world.bots.push((name.to_owned(), token.to_owned()));
            }
            Some("fault") => {
                let words: Vec<&str> = words.collect();
                let fault = faults::parse(&words).map_err(|e| err(&e))?;
                world.faults.push(FaultLine { line: n + 1, fault });
            }
            _ => return Err(err("expected `user`, `bot` or `fault`")),
        }
    }
    Ok(world)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_users_and_bots_and_names_bad_lines() {
        let world = parse(
            "# people\nuser 9996621234 Alice @alice\n\nuser +9996641234 Dave password=pw hint=h\nbot @echo_bot 1:x\n",
        )
        .unwrap();
        assert_eq!(world.users.len(), 2);
        assert_eq!(world.users[0].username.as_deref(), Some("alice"));
        assert_eq!(world.users[1].password.as_deref(), Some("pw"));
        assert_eq!(world.bots, vec![("echo_bot".into(), "1:x".into())]);
        assert!(!format!("{:?}", world.users[1]).contains("pw\""));
        let e = parse("user 1\n").unwrap_err();
        assert!(e.starts_with("line 1"), "{e}");
        assert!(parse("robot x y").is_err());
        assert!(parse("bot @a 1:x extra").is_err());
    }

    #[test]
    fn fault_lines_are_kept_with_their_numbers_and_bad_ones_named() {
        let world =
            parse("user 9996621234 Alice\n\nfault skew_clock 60\nfault silence ping\n").unwrap();
        assert_eq!(
            world.faults,
            vec![
                FaultLine {
                    line: 3,
                    fault: FaultSeed::SkewClock { seconds: 60 }
                },
                FaultLine {
                    line: 4,
                    fault: FaultSeed::Silence {
                        method: "ping".into(),
                        times: 1
                    }
                },
            ]
        );
        let e = parse("# ok\nfault skew_clock 1\nfault flood_wait x.y z\n").unwrap_err();
        assert!(e.starts_with("line 3: SECONDS `z`"), "{e}");
        assert!(e.ends_with("`fault flood_wait x.y z`"), "{e}");
        let e = parse("fault").unwrap_err();
        assert!(e.starts_with("line 1: missing the fault's kind"), "{e}");
        // Hostile bytes are an error, not a panic.
        for junk in [
            "fault \u{0}",
            "fault error \u{feff} 1 X",
            "fault skew_clock ∞",
            "fault drop_connection_after_bytes 1 connections=99999999999",
        ] {
            assert!(parse(junk).unwrap_err().starts_with("line 1:"), "{junk}");
        }
    }
}
