//! The soak exchange: users write to a bot through a hostile network, the
//! bot answers each distinct message once, and afterwards every message
//! each side should have is counted at the receiver. Shared by the
//! `faults_soak` example and the soak test.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use paperplane::tl::{enums, functions};
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
}

/// What came of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

/// Texts received, with how many times each arrived.
type Inbox = Arc<Mutex<HashMap<String, usize>>>;

fn builder(soak: &Soak, name: &str) -> ClientBuilder {
    let mut builder = Client::builder()
        .api_id(1)
        .api_hash("faults-soak")
        .server_key(soak.rsa_key.clone())
        .session(soak.workdir.join(format!("{name}.session")))
        .request_timeout(Duration::from_secs(20));
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

/// Counts every new message whose text starts with `prefix`; the bot also
/// answers the first copy of each.
fn listen(client: Client, prefix: String, inbox: Inbox, answer: Option<Inbox>) {
    tokio::spawn(async move {
        let mut stream = client.stream_updates();
        while let Some(update) = stream.next().await {
            let Update::NewMessage(message) = update else {
                continue;
            };
            if message.outgoing() {
                continue;
            }
            let Some(text) = message.text().filter(|t| t.starts_with(&prefix)) else {
                continue;
            };
            let text = text.to_owned();
            let first = {
                let mut inbox = inbox.lock().unwrap_or_else(|e| e.into_inner());
                let count = inbox.entry(text.clone()).or_default();
                *count += 1;
                *count == 1
            };
            if let (true, Some(sent)) = (first, &answer) {
                let reply = format!("re:{text}");
                if message.reply(reply.as_str()).await.is_ok() {
                    sent.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(reply, 1);
                }
            }
        }
    });
}

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

    let at_bot: Inbox = Inbox::default();
    let bot_sent: Inbox = Inbox::default();
    listen(
        bot.clone(),
        tag.clone(),
        at_bot.clone(),
        Some(bot_sent.clone()),
    );
    let at_users: Vec<Inbox> = users
        .iter()
        .map(|(client, _, _)| {
            let inbox = Inbox::default();
            listen(client.clone(), format!("re:{tag}"), inbox.clone(), None);
            inbox
        })
        .collect();

    (soak.faults)(true);
    let mut user_sent: Vec<Vec<String>> = vec![Vec::new(); users.len()];
    for i in 0..soak.messages {
        if Instant::now() > deadline {
            break;
        }
        let u = i % users.len().max(1);
        let (client, _, peer) = &users[u];
        let text = format!("{tag}u{u}-{i:04}");
        if client
            .send_message_to_peer(peer.clone(), text.as_str())
            .await
            .is_ok()
        {
            user_sent[u].push(text);
        }
        tokio::time::sleep(soak.pace).await;
    }
    (soak.faults)(false);

    // Everyone catches up: wait until the bot has every acknowledged
    // message and each user every acknowledged reply, or time runs out.
    let expected: usize = user_sent.iter().map(Vec::len).sum();
    loop {
        let bot_has = at_bot.lock().unwrap_or_else(|e| e.into_inner()).len();
        let replies = bot_sent.lock().unwrap_or_else(|e| e.into_inner()).len();
        let users_have: usize = at_users
            .iter()
            .map(|i| i.lock().unwrap_or_else(|e| e.into_inner()).len())
            .sum();
        if (bot_has >= expected && users_have >= replies) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Replies a user missed as events may still be in its history.
    let replies: Vec<String> = bot_sent
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .keys()
        .cloned()
        .collect();
    let mut outcome = Outcome::default();
    for (u, (client, _, peer)) in users.iter().enumerate() {
        let history = history_texts(client, peer).await;
        let inbox = at_users[u]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for text in &user_sent[u] {
            outcome.sent += 1;
            let at_bot = at_bot.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(&copies) = at_bot.get(text) {
                outcome.delivered += 1;
                outcome.duplicated += copies - 1;
            }
            let reply = format!("re:{text}");
            if replies.contains(&reply) {
                outcome.sent += 1;
                match inbox.get(&reply) {
                    Some(&copies) => {
                        outcome.delivered += 1;
                        outcome.duplicated += copies - 1;
                    }
                    None if history.contains(&reply) => outcome.delivered += 1,
                    None => {}
                }
            }
        }
    }
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
