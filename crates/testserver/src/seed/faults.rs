//! `fault` lines of the `--world` file: the faults of
//! [`crate::Control`]'s `inject_*` family, armed when the server starts.
//!
//! ```text
//! fault flood_wait METHOD SECONDS [times=N]
//! fault error METHOD CODE MESSAGE [times=N]
//! fault drop_after_request METHOD [times=N]
//! fault silence METHOD [times=N]
//! fault undecodable METHOD [times=N]
//! fault bad_msg_notification CODE [times=N]
//! fault withhold_updates PHONE COUNT
//! fault skew_clock SECONDS
//! fault drop_connection_after_bytes BYTES [connections=N]
//! fault drop_connection_after_messages MESSAGES [connections=N]
//! ```
//!
//! `METHOD` is a TL name (`messages.sendMessage`); `times` and
//! `connections` default to 1. `PHONE` names an account created at start
//! (by the world file, or kept in the data directory).

use crate::control::Control;
use crate::faults::CutAfter;

/// One fault to arm at start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultSeed {
    /// [`Control::inject_flood_wait`].
    FloodWait {
        /// TL method name.
        method: String,
        /// The wait asked for.
        seconds: u32,
        /// How many calls.
        times: u32,
    },
    /// [`Control::inject_error`].
    Error {
        /// TL method name.
        method: String,
        /// The error code.
        code: i32,
        /// The error's name.
        message: String,
        /// How many calls.
        times: u32,
    },
    /// [`Control::inject_drop_after_request`].
    DropAfterRequest {
        /// TL method name.
        method: String,
        /// How many calls.
        times: u32,
    },
    /// [`Control::inject_silence`].
    Silence {
        /// TL method name.
        method: String,
        /// How many calls.
        times: u32,
    },
    /// [`Control::inject_undecodable_answer`].
    Undecodable {
        /// TL method name.
        method: String,
        /// How many calls.
        times: u32,
    },
    /// [`Control::inject_bad_msg_notification`].
    BadMsgNotification {
        /// 16, 17, 18, 19, 20, 32, 33, 34, 35, 48 or 64.
        code: i32,
        /// How many messages.
        times: u32,
    },
    /// [`Control::inject_withhold_updates`], for the account with this
    /// phone.
    WithholdUpdates {
        /// The account's phone.
        phone: String,
        /// How many updates.
        count: u32,
    },
    /// [`Control::skew_clock`].
    SkewClock {
        /// Seconds ahead (negative: behind).
        seconds: i64,
    },
    /// [`Control::drop_connections_after`].
    DropConnectionAfter {
        /// Where connections are cut.
        after: CutAfter,
        /// How many connections.
        connections: u32,
    },
}

/// The `bad_msg_notification` codes a server sends (48 is
/// `bad_server_salt`).
const NOTIFICATION_CODES: [i32; 11] = [16, 17, 18, 19, 20, 32, 33, 34, 35, 48, 64];

/// Parses the words after `fault`; the error says what is wrong (the
/// caller adds the line).
pub fn parse(words: &[&str]) -> Result<FaultSeed, String> {
    let (kind, rest) = words
        .split_first()
        .ok_or("missing the fault's kind (flood_wait, error, drop_after_request, …)")?;
    let (args, options) = split_options(rest)?;
    let kind = *kind;
    let arity = |n: usize, usage: &str| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!("expected `fault {kind} {usage}`"))
        }
    };
    let times = |allowed: &str| option(&options, allowed, 1);
    let fault = match kind {
        "flood_wait" => {
            arity(2, "METHOD SECONDS [times=N]")?;
            FaultSeed::FloodWait {
                method: method(args[0])?,
                seconds: number(args[1], "SECONDS")?,
                times: times("times")?,
            }
        }
        "error" => {
            arity(3, "METHOD CODE MESSAGE [times=N]")?;
            FaultSeed::Error {
                method: method(args[0])?,
                code: number(args[1], "CODE")?,
                message: error_name(args[2])?,
                times: times("times")?,
            }
        }
        "drop_after_request" | "silence" | "undecodable" => {
            arity(1, "METHOD [times=N]")?;
            let (method, times) = (method(args[0])?, times("times")?);
            match kind {
                "drop_after_request" => FaultSeed::DropAfterRequest { method, times },
                "silence" => FaultSeed::Silence { method, times },
                _ => FaultSeed::Undecodable { method, times },
            }
        }
        "bad_msg_notification" => {
            arity(1, "CODE [times=N]")?;
            let code = number(args[0], "CODE")?;
            if !NOTIFICATION_CODES.contains(&code) {
                return Err(format!(
                    "no bad_msg_notification has code {code} (one of {NOTIFICATION_CODES:?})"
                ));
            }
            FaultSeed::BadMsgNotification {
                code,
                times: times("times")?,
            }
        }
        "withhold_updates" => {
            arity(2, "PHONE COUNT")?;
            option(&options, "", 0)?;
            FaultSeed::WithholdUpdates {
                phone: args[0].trim_start_matches('+').to_owned(),
                count: number(args[1], "COUNT")?,
            }
        }
        "skew_clock" => {
            arity(1, "SECONDS")?;
            option(&options, "", 0)?;
            FaultSeed::SkewClock {
                seconds: number(args[0], "SECONDS")?,
            }
        }
        "drop_connection_after_bytes" | "drop_connection_after_messages" => {
            let what = &kind["drop_connection_after_".len()..].to_uppercase();
            arity(1, &format!("{what} [connections=N]"))?;
            let n = number(args[0], what)?;
            FaultSeed::DropConnectionAfter {
                after: match kind {
                    "drop_connection_after_bytes" => CutAfter::Bytes(n),
                    _ => CutAfter::Messages(n),
                },
                connections: option(&options, "connections", 1)?,
            }
        }
        other => return Err(format!("unknown fault `{other}`")),
    };
    Ok(fault)
}

/// A line's positional words and its `key=value` options.
type Split<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);

/// Positional words, then `key=value` options (none may come before a
/// positional word).
fn split_options<'a>(words: &[&'a str]) -> Result<Split<'a>, String> {
    let at = words
        .iter()
        .position(|w| w.contains('='))
        .unwrap_or(words.len());
    let (args, options) = words.split_at(at);
    let options = options
        .iter()
        .map(|w| w.split_once('=').ok_or(format!("`{w}` after the options")))
        .collect::<Result<_, _>>()?;
    Ok((args.to_vec(), options))
}

/// The value of option `name` (a count of at least 1), `default` when
/// absent; any other option is an error.
fn option(options: &[(&str, &str)], name: &str, default: u32) -> Result<u32, String> {
    let mut value = default;
    for (key, v) in options {
        if *key != name || name.is_empty() {
            return Err(format!("unknown option `{key}`"));
        }
        value = number(v, key)?;
        if value == 0 {
            return Err(format!("{key} must be at least 1"));
        }
    }
    Ok(value)
}

fn number<T: std::str::FromStr>(word: &str, what: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    word.parse()
        .map_err(|e| format!("{what} `{word}` is not a number here: {e}"))
}

/// A TL method name: words of letters, digits and `_`, joined by at most
/// one dot (`help.getConfig`, `ping`).
fn method(word: &str) -> Result<String, String> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && p.starts_with(|c: char| c.is_ascii_alphabetic())
    };
    let ok = match word.split_once('.') {
        Some((ns, name)) => part_ok(ns) && part_ok(name),
        None => part_ok(word),
    };
    match ok {
        true => Ok(word.to_owned()),
        false => Err(format!("`{word}` is not a TL method name")),
    }
}

/// An error name as Telegram writes them: `FLOOD_WAIT_3`, `USER_MIGRATE_4`.
fn error_name(word: &str) -> Result<String, String> {
    let ok = word
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    match ok {
        true => Ok(word.to_owned()),
        false => Err(format!("`{word}` is not an error name (UPPER_CASE)")),
    }
}

impl FaultSeed {
    /// Arms the fault on a running server; an error names what is missing
    /// (an account the world does not have).
    pub fn arm(&self, control: &Control) -> Result<(), String> {
        match self {
            FaultSeed::FloodWait {
                method,
                seconds,
                times,
            } => control.inject_flood_wait(method, *seconds, *times),
            FaultSeed::Error {
                method,
                code,
                message,
                times,
            } => control.inject_error(method, *code, message, *times),
            FaultSeed::DropAfterRequest { method, times } => {
                control.inject_drop_after_request(method, *times)
            }
            FaultSeed::Silence { method, times } => control.inject_silence(method, *times),
            FaultSeed::Undecodable { method, times } => {
                control.inject_undecodable_answer(method, *times)
            }
            FaultSeed::BadMsgNotification { code, times } => {
                control.inject_bad_msg_notification(*code, *times)
            }
            FaultSeed::WithholdUpdates { phone, count } => {
                let user = control
                    .user_by_phone(phone)
                    .ok_or(format!("no account has the phone {phone}"))?;
                control.inject_withhold_updates(user.id, *count);
            }
            FaultSeed::SkewClock { seconds } => control.skew_clock(*seconds),
            FaultSeed::DropConnectionAfter { after, connections } => {
                control.drop_connections_after(*after, *connections)
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(line: &str) -> Result<FaultSeed, String> {
        parse(&line.split_whitespace().collect::<Vec<_>>())
    }

    #[test]
    fn every_kind_parses_with_its_defaults_and_options() {
        assert_eq!(
            fault("flood_wait messages.sendMessage 3 times=2"),
            Ok(FaultSeed::FloodWait {
                method: "messages.sendMessage".into(),
                seconds: 3,
                times: 2
            })
        );
        assert_eq!(
            fault("error users.getUsers 303 USER_MIGRATE_4"),
            Ok(FaultSeed::Error {
                method: "users.getUsers".into(),
                code: 303,
                message: "USER_MIGRATE_4".into(),
                times: 1
            })
        );
        assert_eq!(
            fault("drop_after_request auth.signIn"),
            Ok(FaultSeed::DropAfterRequest {
                method: "auth.signIn".into(),
                times: 1
            })
        );
        assert_eq!(
            fault("silence help.getConfig times=3"),
            Ok(FaultSeed::Silence {
                method: "help.getConfig".into(),
                times: 3
            })
        );
        assert_eq!(
            fault("undecodable ping"),
            Ok(FaultSeed::Undecodable {
                method: "ping".into(),
                times: 1
            })
        );
        assert_eq!(
            fault("bad_msg_notification 16 times=2"),
            Ok(FaultSeed::BadMsgNotification { code: 16, times: 2 })
        );
        assert_eq!(
            fault("withhold_updates +9996621234 5"),
            Ok(FaultSeed::WithholdUpdates {
                phone: "9996621234".into(),
                count: 5
            })
        );
        assert_eq!(
            fault("skew_clock -600"),
            Ok(FaultSeed::SkewClock { seconds: -600 })
        );
        assert_eq!(
            fault("drop_connection_after_bytes 100 connections=2"),
            Ok(FaultSeed::DropConnectionAfter {
                after: CutAfter::Bytes(100),
                connections: 2
            })
        );
        assert_eq!(
            fault("drop_connection_after_messages 0"),
            Ok(FaultSeed::DropConnectionAfter {
                after: CutAfter::Messages(0),
                connections: 1
            })
        );
    }

    #[test]
    fn bad_fault_lines_say_what_is_wrong() {
        for (line, says) in [
            ("", "missing the fault's kind"),
            ("teleport x", "unknown fault `teleport`"),
            (
                "flood_wait messages.sendMessage",
                "expected `fault flood_wait METHOD SECONDS",
            ),
            (
                "flood_wait messages.sendMessage x",
                "SECONDS `x` is not a number",
            ),
            ("flood_wait messages.sendMessage -3", "SECONDS `-3`"),
            (
                "flood_wait messages.sendMessage 3 times=0",
                "times must be at least 1",
            ),
            ("flood_wait messages.sendMessage 3 times=x", "times `x`"),
            (
                "flood_wait messages.sendMessage 3 tims=2",
                "unknown option `tims`",
            ),
            (
                "flood_wait messages.sendMessage times=2 3",
                "`3` after the options",
            ),
            ("flood_wait 'drop;table' 3", "not a TL method name"),
            ("silence a.b.c", "not a TL method name"),
            ("silence .x", "not a TL method name"),
            (
                "error users.getUsers 303",
                "expected `fault error METHOD CODE MESSAGE",
            ),
            ("error users.getUsers 303 user_migrate", "not an error name"),
            ("error users.getUsers 99999999999 X", "CODE `99999999999`"),
            (
                "bad_msg_notification 21",
                "no bad_msg_notification has code 21",
            ),
            (
                "withhold_updates 9996621234",
                "expected `fault withhold_updates PHONE COUNT`",
            ),
            (
                "withhold_updates 9996621234 2 times=2",
                "unknown option `times`",
            ),
            ("skew_clock soon", "SECONDS `soon`"),
            ("skew_clock 99999999999999999999", "SECONDS"),
            ("drop_connection_after_bytes", "BYTES [connections=N]"),
            (
                "drop_connection_after_messages 1 times=2",
                "unknown option `times`",
            ),
            (
                "drop_connection_after_bytes 1 connections=",
                "connections ``",
            ),
        ] {
            let error = fault(line).expect_err(line);
            assert!(error.contains(says), "`{line}`: {error}");
        }
    }
}
