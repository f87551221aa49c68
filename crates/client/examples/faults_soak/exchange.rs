//! The soak exchange: users write to a bot through a hostile network, the
//! bot answers each distinct message once, and (when given a supergroup
//! and a channel) users also write in the group and the bot posts in the
//! channel. Afterwards every message each member should have is counted
//! at the receiver, and each receiver's arrivals are checked to be in
//! order per chat. Shared by the `faults_soak` example and the soak test.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use paperplane::tl::{enums, functions, types};
use paperplane::{Client, ClientBuilder, SignInError, Update};

/// What to run against.
pub struct Soak {
    /// Every DC address to use (`id`, `HOST:PORT`).
    pub dcs: Vec<(i32, String)>,
    /// The server's RSA public key (PEM).
    pub rsa_key: String,
    /// Where the sessions (and the run counter) live.
    pub workdir: PathBuf,
    /// The seed (in every text, so runs never mix).
    pub seed: u64,
    /// How many users.
    pub clients: usize,
    /// How many user messages in all.
    pub messages: usize,
    /// The longest the whole run may take.
    pub max: Duration,
    /// A pause between two user messages (to spread them over the faults).
    pub pace: Duration,
    /// The bot's username and token.
    pub bot: (String, String),
    /// Faults on (`true`) or off (`false`).
    pub faults: Box<dyn Fn(bool) + Send + Sync>,
    /// A public supergroup and a public channel (usernames) whose creator
    /// is the bot; users join both. `None`: private chats only.
    pub chats: Option<Chats>,
}

/// The shared chats of a run.
pub struct Chats {
    /// The supergroup's username: users write in it, everyone reads.
    pub group: String,
    /// The broadcast channel's username: the bot posts, users read.
    pub channel: String,
}

/// What came of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Acknowledged sends, users' and bot's.
    pub sent: usize,
    /// Of those, what the receiver has.
    pub delivered: usize,
    /// `sent - delivered`.
    pub lost: usize,
    /// Extra copies at the receivers.
    pub duplicated: usize,
    /// Seconds the run took.
    pub secs: u64,
    /// Arrivals older than one already received in the same chat.
    pub reordered: usize,
    /// What was lost: the text and who should have received it.
    pub missing: Vec<String>,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "result sent={} delivered={} lost={} duplicated={} secs={}",
            self.sent, self.delivered, self.lost, self.duplicated, self.secs
        )
    }
}

/// What one client received.
#[derive(Default)]
struct Received {
    /// Each text, with how many times it arrived.
    counts: HashMap<String, usize>,
    /// Arrivals older than one already seen in their chat.
    reordered: usize,
    /// The newest message id seen in each chat.
    newest: HashMap<i64, i32>,
}

type Inbox = Arc<Mutex<Received>>;

fn lock(inbox: &Inbox) -> std::sync::MutexGuard<'_, Received> {
    inbox.lock().unwrap_or_else(|e| e.into_inner())
}

/// The id of the chat a message belongs to (users and channels do not
/// collide in practice; the sign keeps them apart anyway).
fn chat_key(peer: Option<&enums::Peer>) -> i64 {
    match peer {
        Some(enums::Peer::User(p)) => p.user_id,
        Some(enums::Peer::Chat(p)) => -p.chat_id,
        Some(enums::Peer::Channel(p)) => -1_000_000_000_000 - p.channel_id,
        None => 0,
    }
}

fn builder(soak: &Soak, name: &str) -> ClientBuilder {
    let mut builder = Client::builder()
        .api_id(1)
        .api_hash("faults-soak")
        .server_key(soak.rsa_key.clone())
        .session(soak.workdir.join(format!("{name}.session")))
        .request_timeout(Duration::from_secs(20))
        // A push lost last shows no gap; the default 15-minute idle poll
        // would outlast the run's catch-up.
        .update_idle_timeout(Duration::from_secs(5));
    for (id, addr) in &soak.dcs {
        builder = builder.dc_address(*id, addr.clone());
    }
    builder
}

/// The run number in `workdir` (each run's texts differ).
fn next_run(soak: &Soak) -> Result<u64, String> {
    let path = soak.workdir.join("runs");
    let run = match std::fs::read_to_string(&path) {
        Ok(text) => {
            text.trim()
                .parse::<u64>()
                .map_err(|e| format!("{}: {e}", path.display()))?
                + 1
        }
        Err(_) => 1,
    };
    std::fs::write(&path, run.to_string()).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(run)
}

async fn sign_in_user(client: &Client, phone: &str) -> Result<(), String> {
    if client.is_authorized().await.map_err(|e| e.to_string())? {
        return Ok(());
    }
    let token = client
        .request_login_code(phone)
        .await
        .map_err(|e| format!("{phone}: {e}"))?;
    match client.sign_in(&token, "22222").await {
        Ok(_) => Ok(()),
        Err(SignInError::SignUpRequired) => client
            .sign_up(&token, "Soak", phone)
            .await
            .map(drop)
            .map_err(|e| format!("{phone}: {e}")),
        Err(e) => Err(format!("{phone}: {e}")),
    }
}

/// Counts every new message whose text starts with one of `prefixes`;
/// the bot (`answer`) also answers the first copy of each private one.
fn listen(client: Client, prefixes: Vec<String>, inbox: Inbox, answer: Option<Inbox>) {
    tokio::spawn(async move {
        let mut stream = client.stream_updates();
        while let Some(update) = stream.next().await {
            let Update::NewMessage(message) = update else {
                continue;
            };
            if message.outgoing() {
                continue;
            }
            let Some(text) = message
                .text()
                .filter(|t| prefixes.iter().any(|p| t.starts_with(p.as_str())))
            else {
                continue;
            };
            let text = text.to_owned();
            let private = matches!(message.peer_id(), Some(enums::Peer::User(_)));
            let first = {
                let mut inbox = lock(&inbox);
                let count = inbox.counts.entry(text.clone()).or_default();
                *count += 1;
                let first = *count == 1;
                let newest = inbox.newest.entry(chat_key(message.peer_id())).or_default();
                let reordered = first && message.id() < *newest;
                *newest = message.id().max(*newest);
                inbox.reordered += usize::from(reordered);
                first
            };
            if let (true, true, Some(sent)) = (first, private, &answer) {
                let reply = format!("re:{text}");
                if message.reply(reply.as_str()).await.is_ok() {
                    lock(sent).counts.insert(reply, 1);
                }
            }
        }
    });
}

/// Joins a public channel or supergroup by username (already a member is
/// fine: a workdir may be reused).
async fn join(client: &Client, username: &str) -> Result<enums::Peer, String> {
    let peer = client
        .resolve_peer(&format!("@{username}"))
        .await
        .map_err(|e| format!("resolving @{username}: {e}"))?;
    let Ok(enums::InputPeer::Channel(c)) = client.input_peer(&peer) else {
        return Err(format!("@{username} is not a channel"));
    };
    let request = functions::channels::JoinChannel {
        channel: types::InputChannel {
            channel_id: c.channel_id,
            access_hash: c.access_hash,
        }
        .into(),
    };
    match client.invoke(&request).await {
        Ok(_) => Ok(peer),
        Err(e) if e.is("USER_ALREADY_PARTICIPANT") => Ok(peer),
        Err(e) => Err(format!("joining @{username}: {e}")),
    }
}

/// Counts `text` as sent to `receivers` (named) and what each got.
fn tally(outcome: &mut Outcome, text: &str, receivers: &[(String, &Inbox)]) {
    for (name, inbox) in receivers {
        outcome.sent += 1;
        match lock(inbox).counts.get(text) {
            Some(&copies) => {
                outcome.delivered += 1;
                outcome.duplicated += copies - 1;
            }
            None => outcome.missing.push(format!("{text} at {name}")),
        }
    }
}

/// How long clients get to catch up once the faults are off.
const SETTLE: Duration = Duration::from_secs(30);

/// Runs the exchange.
pub async fn run(soak: Soak) -> Result<Outcome, String> {
    let started = Instant::now();
    let deadline = started + soak.max;
    std::fs::create_dir_all(&soak.workdir).map_err(|e| e.to_string())?;
    let run = next_run(&soak)?;
    let tag = format!("fp{}.{run}-", soak.seed);

    let (bot, _bot_stop) = builder(&soak, "bot")
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    if !bot.is_authorized().await.map_err(|e| e.to_string())? {
        bot.bot_sign_in(&soak.bot.1)
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut users = Vec::new();
    for u in 0..soak.clients {
        let phone = format!("99966{:05}", 27001 + u);
        let (client, stop) = builder(&soak, &format!("user{u}"))
            .connect()
            .await
            .map_err(|e| e.to_string())?;
        sign_in_user(&client, &phone).await?;
        let peer = client
            .resolve_peer(&format!("@{}", soak.bot.0))
            .await
            .map_err(|e| format!("resolving @{}: {e}", soak.bot.0))?;
        users.push((client, stop, peer));
    }

    // The shared chats: the bot created them; users join.
    let mut shared = None;
    if let Some(chats) = &soak.chats {
        let group = bot
            .resolve_peer(&format!("@{}", chats.group))
            .await
            .map_err(|e| format!("resolving @{}: {e}", chats.group))?;
        let channel = bot
            .resolve_peer(&format!("@{}", chats.channel))
            .await
            .map_err(|e| format!("resolving @{}: {e}", chats.channel))?;
        let mut user_groups = Vec::new();
        for (client, _, _) in &users {
            user_groups.push(join(client, &chats.group).await?);
            join(client, &chats.channel).await?;
        }
        shared = Some((group, channel, user_groups));
    }

    let at_bot: Inbox = Inbox::default();
    let bot_sent: Inbox = Inbox::default();
    listen(
        bot.clone(),
        vec![format!("{tag}u"), format!("{tag}g")],
        at_bot.clone(),
        Some(bot_sent.clone()),
    );
    let at_users: Vec<Inbox> = users
        .iter()
        .map(|(client, _, _)| {
            let inbox = Inbox::default();
            let prefixes = vec![format!("re:{tag}"), format!("{tag}g"), format!("{tag}c")];
            listen(client.clone(), prefixes, inbox.clone(), None);
            inbox
        })
        .collect();

    (soak.faults)(true);
    // What each user sent privately, and in the group (with its author).
    let mut user_sent: Vec<Vec<String>> = vec![Vec::new(); users.len()];
    let mut group_sent: Vec<(usize, String)> = Vec::new();
    let mut posts: Vec<String> = Vec::new();
    for i in 0..soak.messages {
        if Instant::now() > deadline {
            break;
        }
        let u = i % users.len().max(1);
        let (client, _, peer) = &users[u];
        match &shared {
            // Every third message goes to the group instead.
            Some((_, _, groups)) if i % 3 == 2 => {
                let text = format!("{tag}g{u}-{i:04}");
                if client
                    .send_message_to_peer(groups[u].clone(), text.as_str())
                    .await
                    .is_ok()
                {
                    group_sent.push((u, text));
                }
            }
            _ => {
                let text = format!("{tag}u{u}-{i:04}");
                if client
                    .send_message_to_peer(peer.clone(), text.as_str())
                    .await
                    .is_ok()
                {
                    user_sent[u].push(text);
                }
            }
        }
        // And every fifth, the bot posts in the channel.
        if let Some((_, channel, _)) = &shared {
            if i % 5 == 4 {
                let text = format!("{tag}c-{i:04}");
                if bot
                    .send_message_to_peer(channel.clone(), text.as_str())
                    .await
                    .is_ok()
                {
                    posts.push(text);
                }
            }
        }
        tokio::time::sleep(soak.pace).await;
    }
    (soak.faults)(false);

    // Everyone catches up: wait until the bot has every acknowledged
    // message and each user every acknowledged reply, group message and
    // post, or time runs out. Catching up gets its own time, even when
    // sending took all of `max`: what counts is what arrives once the
    // network is healthy again.
    let deadline = deadline.max(Instant::now() + SETTLE);
    let private: usize = user_sent.iter().map(Vec::len).sum();
    let bot_expects = private + group_sent.len();
    loop {
        let bot_has = lock(&at_bot).counts.len();
        let replies = lock(&bot_sent).counts.len();
        let users_expect =
            replies + posts.len() * users.len() + group_sent.len() * users.len().saturating_sub(1);
        let users_have: usize = at_users.iter().map(|i| lock(i).counts.len()).sum();
        if (bot_has >= bot_expects && users_have >= users_expect) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Replies a user missed as events may still be in its history.
    let replies: Vec<String> = lock(&bot_sent).counts.keys().cloned().collect();
    let mut outcome = Outcome::default();
    for (u, (client, _, peer)) in users.iter().enumerate() {
        let history = history_texts(client, peer).await;
        for text in &user_sent[u] {
            tally(&mut outcome, text, &[("bot".into(), &at_bot)]);
            let reply = format!("re:{text}");
            if replies.contains(&reply) {
                outcome.sent += 1;
                match lock(&at_users[u]).counts.get(&reply) {
                    Some(&copies) => {
                        outcome.delivered += 1;
                        outcome.duplicated += copies - 1;
                    }
                    None if history.contains(&reply) => outcome.delivered += 1,
                    None => outcome.missing.push(format!("{reply} at user{u}")),
                }
            }
        }
    }
    // Group messages count once per member who should get them (the bot
    // and the other users); channel posts once per user.
    for (author, text) in &group_sent {
        let mut receivers = vec![("bot".to_owned(), &at_bot)];
        receivers.extend(
            at_users
                .iter()
                .enumerate()
                .filter(|(u, _)| u != author)
                .map(|(u, i)| (format!("user{u}"), i)),
        );
        tally(&mut outcome, text, &receivers);
    }
    let readers: Vec<(String, &Inbox)> = at_users
        .iter()
        .enumerate()
        .map(|(u, i)| (format!("user{u}"), i))
        .collect();
    for text in &posts {
        tally(&mut outcome, text, &readers);
    }
    outcome.reordered =
        lock(&at_bot).reordered + at_users.iter().map(|i| lock(i).reordered).sum::<usize>();
    outcome.lost = outcome.sent - outcome.delivered;
    outcome.secs = started.elapsed().as_secs();
    bot.disconnect();
    for (client, _, _) in &users {
        client.disconnect();
    }
    Ok(outcome)
}

/// The texts of a user's chat with the bot (the latest few thousand).
async fn history_texts(client: &Client, peer: &enums::Peer) -> Vec<String> {
    let Ok(input) = client.input_peer(peer) else {
        return Vec::new();
    };
    let mut texts = Vec::new();
    let mut offset_id = 0;
    for _ in 0..50 {
        let request = functions::messages::GetHistory {
            peer: input.clone(),
            offset_id,
            offset_date: 0,
            add_offset: 0,
            limit: 100,
            max_id: 0,
            min_id: 0,
            hash: 0,
        };
        let Ok(history) = client.invoke(&request).await else {
            break;
        };
        let messages = match history {
            enums::messages::Messages::Messages(m) => m.messages,
            enums::messages::Messages::Slice(m) => m.messages,
            enums::messages::Messages::ChannelMessages(m) => m.messages,
            enums::messages::Messages::NotModified(_) => Vec::new(),
        };
        let Some(last) = messages.last() else { break };
        offset_id = match last {
            enums::Message::Message(m) => m.id,
            enums::Message::Service(m) => m.id,
            enums::Message::Empty(m) => m.id,
        };
        for message in messages {
            if let enums::Message::Message(m) = message {
                texts.push(m.message.clone());
            }
        }
    }
    texts
}
