//! `faults_soak`: users and a bot exchange messages through whatever
//! network is put in front of the servers, then count what arrived.
//!
//! ```text
//! cargo run --release -p paperplane --example faults_soak -- \
//!     --dc 2=127.0.0.1:41002 [--dc …] --rsa-key server.pem --workdir /tmp/soak \
//!     --seed 7 --clients 4 --messages 2000 --max-seconds 300 \
//!     --bot soak_bot=123456:AAH… [--proxy-pid PID …] [--no-faults] [--pace-ms MS] \
//!     [--group USERNAME --channel USERNAME]
//! ```
//!
//! It logs in the bot, then users 9996627001, 9996627002, … (code 22222,
//! signing up when asked); sends SIGUSR2 to every proxy (faults on);
//! users write `fp<seed>.<run>-u<user>-<nnnn>` to the bot in turns and the
//! bot answers each distinct message once with `re:` + its text; then
//! SIGUSR1 (faults off), everyone catches up, histories are read, and one
//! line is printed: `result sent=N delivered=D lost=L duplicated=X secs=T`.
//!
//! With `--group` and `--channel` (a public supergroup and a public
//! channel the bot created), users join both, every third message goes to
//! the group and the bot posts in the channel every fifth; those count
//! once per member who should receive them. Arrivals out of order in a
//! chat are reported on stderr.

mod exchange;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use exchange::Soak;

const USAGE: &str = "usage: faults_soak --dc ID=HOST:PORT [--dc …] --rsa-key FILE --workdir DIR \
    --seed S --clients C --messages N --max-seconds T --bot NAME=TOKEN [--proxy-pid PID …] [--no-faults] [--pace-ms MS] \
    [--group USERNAME --channel USERNAME]";

fn parse(mut args: impl Iterator<Item = String>) -> Result<Soak, String> {
    let mut dcs = Vec::new();
    let (mut rsa_key, mut workdir, mut bot) = (None, None, None);
    let (mut seed, mut clients, mut messages, mut max_seconds) = (0u64, 2usize, 100usize, 300u64);
    let mut pids: Vec<u32> = Vec::new();
    let mut faults = true;
    let mut pace_ms = 0u64;
    let (mut group, mut channel) = (None, None);
    let number = |flag: &str, value: Option<String>| -> Result<u64, String> {
        let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
        value.parse().map_err(|e| format!("{flag} {value}: {e}"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dc" => {
                let value = args.next().ok_or("--dc needs ID=HOST:PORT")?;
                let (id, addr) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--dc {value}: expected ID=HOST:PORT"))?;
                let id = id.parse().map_err(|e| format!("--dc {value}: {e}"))?;
                dcs.push((id, addr.to_owned()));
            }
            "--rsa-key" => {
                let path = args.next().ok_or("--rsa-key needs a file")?;
                rsa_key = Some(std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?);
            }
            "--workdir" => {
                workdir = Some(PathBuf::from(args.next().ok_or("--workdir needs a dir")?))
            }
            "--seed" => seed = number("--seed", args.next())?,
            "--clients" => clients = number("--clients", args.next())? as usize,
            "--messages" => messages = number("--messages", args.next())? as usize,
            "--max-seconds" => max_seconds = number("--max-seconds", args.next())?,
            "--bot" => {
                let value = args.next().ok_or("--bot needs NAME=TOKEN")?;
                let (name, token) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--bot {value}: expected NAME=TOKEN"))?;
                bot = Some((name.trim_start_matches('@').to_owned(), token.to_owned()));
            }
            "--proxy-pid" => pids.push(number("--proxy-pid", args.next())? as u32),
            "--no-faults" => faults = false,
            "--pace-ms" => pace_ms = number("--pace-ms", args.next())?,
            "--group" => group = Some(username("--group", args.next())?),
            "--channel" => channel = Some(username("--channel", args.next())?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if dcs.is_empty() {
        return Err("at least one --dc is needed".into());
    }
    let chats = match (group, channel) {
        (Some(group), Some(channel)) => Some(exchange::Chats { group, channel }),
        (None, None) => None,
        _ => return Err("--group and --channel go together".into()),
    };
    if clients == 0 {
        return Err("--clients must be at least 1".into());
    }
    let signal = move |on: bool| {
        if !faults {
            return;
        }
        for pid in &pids {
            let _ = std::process::Command::new("kill")
                .arg(if on { "-USR2" } else { "-USR1" })
                .arg(pid.to_string())
                .status();
        }
    };
    Ok(Soak {
        dcs,
        rsa_key: rsa_key.ok_or("--rsa-key is needed")?,
        workdir: workdir.ok_or("--workdir is needed")?,
        seed,
        clients,
        messages,
        max: Duration::from_secs(max_seconds),
        pace: Duration::from_millis(pace_ms),
        bot: bot.ok_or("--bot is needed")?,
        faults: Box::new(signal),
        chats,
    })
}

fn username(flag: &str, value: Option<String>) -> Result<String, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a username"))?;
    let name = value.trim_start_matches('@');
    match name.is_empty() {
        true => Err(format!("{flag}: empty username")),
        false => Ok(name.to_owned()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let soak = match parse(std::env::args().skip(1)) {
        Ok(soak) => soak,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match exchange::run(soak).await {
        Ok(outcome) => {
            println!("{outcome}");
            eprintln!("reordered={}", outcome.reordered);
            for missing in &outcome.missing {
                eprintln!("lost: {missing}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("faults_soak: {e}");
            ExitCode::FAILURE
        }
    }
}
