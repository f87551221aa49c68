//! The bot quick-start, runnable anywhere.
//!
//! With `API_ID`, `API_HASH` and `BOT_TOKEN` set it runs the echo bot
//! against Telegram until stopped. Without them it starts the local test
//! server in this process, registers `@echo_bot`, runs the very same bot
//! against it, has a simulated user talk to it, prints the conversation
//! and exits.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```

use std::time::Duration;

use anyhow::Context;
use paperplane::{Client, ClientBuilder, update::Update};
use paperplane_testserver::{Options, TestServer};
use tokio::sync::oneshot;

const LOCAL_BOT_TOKEN: &str = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match (
        std::env::var("API_ID"),
        std::env::var("API_HASH"),
        std::env::var("BOT_TOKEN"),
    ) {
        (Ok(api_id), Ok(api_hash), Ok(token)) => {
            let builder = Client::builder()
                .api_id(api_id.parse().context("API_ID must be a number")?)
                .api_hash(api_hash)
                .session("bot.session");
            let (ready, _) = oneshot::channel();
            echo_bot(builder, &token, ready).await
        }
        _ => local_demo().await,
    }
}

/// The quick-start bot: echo every incoming text.
async fn echo_bot(
    builder: ClientBuilder,
    token: &str,
    ready: oneshot::Sender<()>,
) -> anyhow::Result<()> {
    let (client, _) = builder.connect().await?;

    client.bot_sign_in(token).await?;
    let _ = ready.send(());

    let mut stream = client.stream_updates();
    while let Some(upd) = stream.next().await {
        if let Update::NewMessage(msg) = upd {
            if !msg.outgoing() {
                msg.reply(msg.text().unwrap_or_default()).await.ok();
            }
        }
    }
    Ok(())
}

async fn local_demo() -> anyhow::Result<()> {
    println!("No API_ID / API_HASH / BOT_TOKEN set: using the built-in local Telegram server.");
    let server = TestServer::start(Options {
        bots: vec![("echo_bot".into(), LOCAL_BOT_TOKEN.into())],
        ..Options::default()
    })
    .await?;
    let dc2 = server.dc(2).context("the server has no DC 2")?;
    println!("local server: DC 2 at {dc2}");

    let builder = Client::builder()
        .api_id(1)
        .api_hash("local")
        .in_memory()
        .dc_addr(dc2.to_string())
        .server_key(server.public_key().to_pkcs1_pem());
    let (ready, bot_ready) = oneshot::channel();
    let bot = tokio::spawn(async move { echo_bot(builder, LOCAL_BOT_TOKEN, ready).await });
    tokio::time::timeout(Duration::from_secs(30), bot_ready)
        .await
        .context("the bot did not sign in in time")?
        .context("the bot stopped before signing in")?;
    println!("@echo_bot signed in");

    let control = server.control();
    let alice = control.add_user("9996621234", "Alice", Some("alice_demo"))?;
    let bot_id = control
        .user_by_username("echo_bot")
        .context("no @echo_bot")?
        .id;
    let mut last = 0;
    for text in ["/start", "Hello from paperplane!", "Echo, echo…"] {
        control.send_as(alice.id, "@echo_bot", text)?;
        println!("Alice     → @echo_bot: {text}");
        let reply = control
            .wait_message(
                alice.id,
                |m| !m.out && m.from_user_id == bot_id && m.id > last,
                Duration::from_secs(10),
            )
            .await
            .context("the bot did not answer in time")?;
        println!("@echo_bot → Alice:     {}", reply.text);
        anyhow::ensure!(reply.text == text, "the bot answered {:?}", reply.text);
        last = reply.id;
    }
    bot.abort();
    server.shutdown().await;
    println!("done: the echo bot answered every message");
    Ok(())
}
